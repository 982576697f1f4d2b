#!/bin/bash
# cdk-cloudhsm password rotation, run on the admin host by SSM Run Command (AWS-RunShellScript),
# after the shared prelude (prelude.sh), for the setSecret and testSecret steps of a Secrets
# Manager rotation (lambda/rotation.ts). Any HSM user: its name and role come as arguments, its
# passwords from its secret (AWSCURRENT: the one it has; the rotation's version, AWSPENDING: the
# new one); the admin's password from the admin secret (the same secret when the user is the admin).
# Passwords reach the CLI on stdin only.
#
# Usage: rotate-password.sh --step set|test --cluster-id ID --region R --hsm-ip IP [--hsm-ip IP ...]
#          --username NAME --role admin|crypto-user --secret-id ARN --token VERSION_ID
#          --admin-secret-id ARN [--secret-field NAME] [--admin-secret-field NAME]
#          [--trust-anchor-b64 B64] [--failed-login USER=VERSION ...] [--setup-wait SECONDS]
# set: an admin sets the new password (user change-password), then the new password must log in.
#   Done already (a retried or duplicated step): the new password logs in and nothing is changed.
#   Until the change succeeds the old password stays the user's: a failure leaves it working.
# test: the new password logs in as the user.
# --failed-login: a secret version that failed to log in as USER before (prelude.sh), not tried
#   again: a rotation that Secrets Manager reattempts (an admin secret out of step, a new password
#   that did not log in) fails without a login instead of locking the user out. A crypto user's new
#   password that failed before is set again by the admin (which also unlocks the user) before one login.
# Exit codes: 0 done; 2 usage; 3 CLI missing; 4 setup failed or unfinished; 5 a secret unreadable;
# 6 a password breaks the CLI's rules; 7 another command holds the lock too long; 8 configure-cli
# failed; 9 the admin password does not log in (or did not before); 10 user change-password failed;
# 13 the new password does not log in (or did not before).
SAY_PREFIX="cdk-cloudhsm rotate"
STEP="" CLUSTER_ID="" REGION="" USERNAME="" ROLE="" SECRET_ID="" TOKEN="" ADMIN_SECRET_ID=""
SECRET_FIELD="" ADMIN_SECRET_FIELD="" TRUST_ANCHOR_B64=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --step) STEP="${2:-}"; shift 2 ;;
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --username) USERNAME="${2:-}"; shift 2 ;;
    --role) ROLE="${2:-}"; shift 2 ;;
    --secret-id) SECRET_ID="${2:-}"; shift 2 ;;
    --secret-field) SECRET_FIELD="${2:-}"; shift 2 ;;
    --token) TOKEN="${2:-}"; shift 2 ;;
    --admin-secret-id) ADMIN_SECRET_ID="${2:-}"; shift 2 ;;
    --admin-secret-field) ADMIN_SECRET_FIELD="${2:-}"; shift 2 ;;
    # --hsm-ip, --trust-anchor-b64, --failed-login, --setup-wait
    *) prelude_option "$1" "${2:-}" || fail 2 "unknown argument $1"; shift 2 ;;
  esac
done
[[ ("$STEP" == set || "$STEP" == test) && -n "$CLUSTER_ID" && -n "$REGION" && -n "$USERNAME" && -n "$SECRET_ID" \
  && -n "$TOKEN" && -n "$ADMIN_SECRET_ID" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --step set|test, --cluster-id, --region, --username, --secret-id, --token, --admin-secret-id and at least one --hsm-ip are required"
[[ "$ROLE" == admin || "$ROLE" == crypto-user ]] || fail 2 "--role must be admin or crypto-user"
[[ "$USERNAME" =~ ^[a-zA-Z0-9_]{1,31}$ ]] || fail 2 "--username must be 1 to 31 letters, digits or underscores"

prepare_host rotation "$TRUST_ANCHOR_B64"
read_password NEW_PASSWORD "$SECRET_ID" "$SECRET_FIELD" "new $USERNAME password" "$TOKEN"

# One login as the user with the new password: 0 when it logs in. Unless $1 is "unguarded" (the
# admin has just set it), a version that failed before is not tried (NEW_WHY says so); a failure is recorded.
NEW_WHY=""
new_logs_in() {
  if [[ "${1:-}" != unguarded ]] && ! may_try "$USERNAME" "$SECRET_ID" "$TOKEN"; then
    NEW_WHY="the new password in $SECRET_ID (version $TOKEN) did not log in as $USERNAME on cluster $CLUSTER_ID before and is $NOT_AGAIN"
    return 1
  fi
  local out
  out="$(cli_session "login --username $USERNAME --role $ROLE --password $NEW_PASSWORD
logout")"
  if nth_succeeded "$out" 1; then return 0; fi
  record_failure "$USERNAME" "$SECRET_ID" "$TOKEN"
  NEW_WHY="the new password in $SECRET_ID (version $TOKEN) does not log in as $USERNAME on cluster $CLUSTER_ID: $(detail "$out")"
  return 1
}

if [[ "$STEP" == test ]]; then
  if new_logs_in; then
    echo "the new password of $USERNAME logs in to cluster $CLUSTER_ID"
    exit 0
  fi
  fail 13 "$NEW_WHY"
fi

# set. A step that ran before for this version (its response lost, or Secrets Manager invoking it
# twice) left a mark after the new password logged in: nothing is tried again. Unless that password
# failed to log in since (a test step): then the admin sets it again, for a crypto user.
DONE_DIR="$CLOUDHSM_DIR/etc/cdk-cloudhsm-rotations"
DONE_MARK="$DONE_DIR/$CLUSTER_ID-$USERNAME-$TOKEN"
if [[ -f "$DONE_MARK" ]] && { [[ "$USERNAME" == admin ]] || ! failed_before "$USERNAME" "$TOKEN"; }; then
  echo "the password of $USERNAME on cluster $CLUSTER_ID was already set to version $TOKEN"
  exit 0
fi
# The admin logs in with the password it has now (AWSCURRENT), also when it changes its own.
read_password ADMIN_PASSWORD "$ADMIN_SECRET_ID" "$ADMIN_SECRET_FIELD" "admin password"
ADMIN_VERSION="$(secret_version "$ADMIN_SECRET_ID")"
admin_why="the admin password in $ADMIN_SECRET_ID (version $ADMIN_VERSION) did not log in to cluster $CLUSTER_ID before and is $NOT_AGAIN"
admin_failed=false
if may_try admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"; then
  change_out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user change-password --username $USERNAME --role $ROLE --password $NEW_PASSWORD
logout")"
  if nth_succeeded "$change_out" 1; then
    if ! nth_succeeded "$change_out" 2; then
      fail 10 "user change-password --username $USERNAME failed on cluster $CLUSTER_ID (the old password still holds): $(detail "$change_out")"
    fi
    # Just set by the admin (which also unlocks the user): one login with it is safe even if it failed before.
    new_logs_in unguarded || fail 13 "the password of $USERNAME was changed on cluster $CLUSTER_ID but the new one does not log in"
    mkdir -p "$DONE_DIR" && : > "$DONE_MARK"
    echo "the password of $USERNAME on cluster $CLUSTER_ID is now version $TOKEN"
    exit 0
  fi
  admin_failed=true
  admin_why="the admin password in $ADMIN_SECRET_ID does not log in to cluster $CLUSTER_ID: $(detail "$change_out")"
fi
# The admin's own rotation, set before without its mark (the host stopped in between): the new
# password is already the admin's. One login tells (a success also means the old one's failure did not count).
if [[ "$USERNAME" == admin ]] && new_logs_in; then
  mkdir -p "$DONE_DIR" && : > "$DONE_MARK"
  echo "the password of admin on cluster $CLUSTER_ID was already set to version $TOKEN"
  exit 0
fi
if [[ "$admin_failed" == true ]]; then record_failure admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"; fi
fail 9 "$admin_why"
