#!/bin/bash
# cdk-cloudhsm kmsuser, run on the admin host by SSM Run Command (AWS-RunShellScript) before a KMS
# key store is created: makes sure the cluster has the crypto user `kmsuser` with the password of
# the kmsuser secret. Both passwords (admin and kmsuser) are read here from Secrets Manager and go
# to the CloudHSM CLI on stdin only: never in a command line, an argument or any output.
#
# Usage: create-kmsuser.sh --cluster-id ID --admin-secret-id ARN --kmsuser-secret-id ARN --region R
#                          --hsm-ip IP [--hsm-ip IP ...] [--admin-secret-field NAME] [--setup-wait SECONDS]
# kmsuser rules: absent -> created; present and the secret's password logs in as crypto-user
# kmsuser -> reused; present with another password -> exit 12 (nothing is changed).
# The CLI locks a user after five failed logins, and a deployment that fails is often run again
# unchanged: a secret version that failed to log in as a user of this cluster is remembered on the
# host and not tried again (exit 9 or 12 at once) until the secret has a new version.
# Exit codes: 0 kmsuser created, or present with this password; 2 usage; 3 CLI missing;
# 4 setup failed or unfinished; 5 a secret unreadable; 6 a password breaks the CLI's rules;
# 7 another command holds the lock too long; 8 configure-cli failed; 9 the admin password does
# not log in; 10 user list or user create failed; 12 kmsuser exists with another password.
set -uo pipefail

CLOUDHSM_DIR="${CLOUDHSM_DIR:-/opt/cloudhsm}"
CLI="$CLOUDHSM_DIR/bin/cloudhsm-cli"
CONFIGURE="$CLOUDHSM_DIR/bin/configure-cli"
READY_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-ready"
FAILED_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-setup-failed"
# The activation's lock: one CLI session that changes users at a time on this host.
LOCK_FILE="$CLOUDHSM_DIR/etc/cdk-cloudhsm-activate.lock"
LOCK_WAIT_SECONDS="${CDK_CLOUDHSM_LOCK_WAIT:-900}"
KMSUSER="kmsuser"

CLUSTER_ID="" ADMIN_SECRET_ID="" KMSUSER_SECRET_ID="" REGION="" ADMIN_SECRET_FIELD="" SETUP_WAIT=600
HSM_IPS=()
ADMIN_PASSWORD="" KMSUSER_PASSWORD=""

say() { echo "cdk-cloudhsm kmsuser: $*" >&2; }
# Every message passes through here: the passwords, once read, are masked whatever the CLI printed.
mask() {
  local text="$1"
  if [[ -n "$ADMIN_PASSWORD" ]]; then text="${text//"$ADMIN_PASSWORD"/<redacted>}"; fi
  if [[ -n "$KMSUSER_PASSWORD" ]]; then text="${text//"$KMSUSER_PASSWORD"/<redacted>}"; fi
  printf '%s' "$text"
}
fail() { say "$(mask "$2")"; exit "$1"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --admin-secret-id) ADMIN_SECRET_ID="${2:-}"; shift 2 ;;
    --admin-secret-field) ADMIN_SECRET_FIELD="${2:-}"; shift 2 ;;
    --kmsuser-secret-id) KMSUSER_SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --setup-wait) SETUP_WAIT="${2:-}"; shift 2 ;;
    *) fail 2 "unknown argument $1" ;;
  esac
done
[[ -n "$CLUSTER_ID" && -n "$ADMIN_SECRET_ID" && -n "$KMSUSER_SECRET_ID" && -n "$REGION" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --cluster-id, --admin-secret-id, --kmsuser-secret-id, --region and at least one --hsm-ip are required"
[[ "$SETUP_WAIT" =~ ^[0-9]+$ ]] || fail 2 "--setup-wait must be a number of seconds"

# 1. The host's setup (user data) installs the CLI.
waited=0
while [[ ! -f "$READY_MARKER" ]]; do
  if [[ -f "$FAILED_MARKER" ]]; then
    fail 4 "the admin host's setup failed: $(head -c 500 "$FAILED_MARKER") (see /var/log/cloud-init-output.log)"
  fi
  if (( waited >= SETUP_WAIT )); then
    fail 4 "the admin host's setup has not finished after ${SETUP_WAIT} s (no $READY_MARKER; see /var/log/cloud-init-output.log)"
  fi
  sleep 5
  waited=$((waited + 5))
done
[[ -x "$CLI" ]] || fail 3 "the CloudHSM CLI is not installed ($CLI is missing)"
[[ -x "$CONFIGURE" ]] || fail 3 "the CloudHSM CLI configure tool is not installed ($CONFIGURE is missing)"

# 2. One user change at a time on this host: a duplicated or retried request waits here.
exec 9> "$LOCK_FILE" || fail 7 "cannot open the lock file $LOCK_FILE"
if ! flock -w "$LOCK_WAIT_SECONDS" 9; then
  fail 7 "another command has held $LOCK_FILE for ${LOCK_WAIT_SECONDS} s"
fi

# 3. The CLI points at the cluster's HSMs (the trust anchor is there since the activation).
[[ -s "$CLOUDHSM_DIR/etc/customerCA.crt" ]] || fail 8 "no trust anchor at $CLOUDHSM_DIR/etc/customerCA.crt"
if ! configure_out="$("$CONFIGURE" -a "${HSM_IPS[@]}" 2>&1 < /dev/null)"; then
  fail 8 "configure-cli -a ${HSM_IPS[*]} failed: $(echo "$configure_out" | tail -n 5)"
fi

# 4. The passwords, straight from Secrets Manager into shell variables.
read_secret() { # $1 secret id, $2 JSON field or empty, $3 what it is; prints the password
  local secret err="/tmp/cdk-cloudhsm-secret-error.$$"
  if ! secret="$(aws secretsmanager get-secret-value --secret-id "$1" --region "$REGION" \
      --query SecretString --output text 2> "$err" < /dev/null)"; then
    local reason
    reason="$(tail -n 3 "$err")"
    rm -f "$err"
    say "cannot read the $3 secret $1: $reason"
    return 5
  fi
  rm -f "$err"
  if [[ -z "$2" ]]; then printf '%s' "$secret"; return 0; fi
  if ! printf '%s' "$secret" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; assert isinstance(v,str); sys.stdout.write(v)' "$2" 2> /dev/null; then
    say "the secret $1 is not JSON with a string field \"$2\""
    return 5
  fi
}
check_password() { # $1 password, $2 secret id
  if (( ${#1} < 8 || ${#1} > 32 )); then
    fail 6 "the password in $2 has ${#1} characters; the CloudHSM CLI takes 8 to 32"
  fi
  if [[ "$1" =~ [[:space:]\"\'\\] ]]; then
    fail 6 "the password in $2 contains whitespace, a quote or a backslash, which the CLI's command line cannot take"
  fi
}
ADMIN_PASSWORD="$(read_secret "$ADMIN_SECRET_ID" "$ADMIN_SECRET_FIELD" "admin password")" || exit 5
KMSUSER_PASSWORD="$(read_secret "$KMSUSER_SECRET_ID" "" "kmsuser password")" || exit 5
check_password "$ADMIN_PASSWORD" "$ADMIN_SECRET_ID"
check_password "$KMSUSER_PASSWORD" "$KMSUSER_SECRET_ID"

# The secret versions that failed to log in, one file per cluster and user: "<secret id> <version id>".
FAILED_LOGINS_DIR="$CLOUDHSM_DIR/etc/cdk-cloudhsm-failed-logins"
secret_version() { aws secretsmanager get-secret-value --secret-id "$1" --region "$REGION" --query VersionId --output text 2> /dev/null < /dev/null; }
ADMIN_VERSION="$(secret_version "$ADMIN_SECRET_ID")"
KMSUSER_VERSION="$(secret_version "$KMSUSER_SECRET_ID")"
failed_before() { [[ -n "$3" && "$(cat "$FAILED_LOGINS_DIR/$CLUSTER_ID-$1" 2> /dev/null)" == "$2 $3" ]]; } # user, secret, version
remember_failure() { mkdir -p "$FAILED_LOGINS_DIR" && printf '%s %s' "$2" "$3" > "$FAILED_LOGINS_DIR/$CLUSTER_ID-$1"; }
forget_failure() { rm -f "$FAILED_LOGINS_DIR/$CLUSTER_ID-$1"; }
NOT_AGAIN="not tried again, so that the user is not locked out (the CloudHSM CLI locks a user after five failed logins)"

# 5. One CLI session per step, commands on stdin (printf is a shell builtin); each prints its JSON.
cli_session() {
  local out
  out="$(printf '%s\nquit\n' "$1" | "$CLI" interactive 2>&1)"
  local rc=$?
  printf '%s' "$out"
  return $rc
}
# The n-th JSON result of a session (1-based) reports success.
nth_succeeded() { [[ "$(grep -Eo '"error_code"[[:space:]]*:[[:space:]]*[0-9]+' <<< "$1" | sed -n "${2}p" | grep -Eo '[0-9]+$')" == "0" ]]; }
detail() { grep -v '^[[:space:]]*$' <<< "$1" | tail -n 5 | tr '\n' ' '; }

if failed_before admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"; then
  fail 9 "the admin password in $ADMIN_SECRET_ID (version $ADMIN_VERSION) did not log in to cluster $CLUSTER_ID before and is $NOT_AGAIN: \
put the admin's password into the secret (a new version) and deploy again"
fi
list_out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user list
logout")"
list_rc=$?
if ! nth_succeeded "$list_out" 1; then
  remember_failure admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"
  fail 9 "the admin password in $ADMIN_SECRET_ID does not log in to cluster $CLUSTER_ID (exit $list_rc): $(detail "$list_out")"
fi
forget_failure admin
if ! nth_succeeded "$list_out" 2; then
  fail 10 "user list failed on cluster $CLUSTER_ID: $(detail "$list_out")"
fi

if ! grep -Eq "\"username\"[[:space:]]*:[[:space:]]*\"$KMSUSER\"" <<< "$list_out"; then
  create_out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user create --username $KMSUSER --role crypto-user --password $KMSUSER_PASSWORD
logout")"
  if nth_succeeded "$create_out" 2; then
    echo "crypto user $KMSUSER created on cluster $CLUSTER_ID"
    exit 0
  fi
  fail 10 "user create --username $KMSUSER failed on cluster $CLUSTER_ID: $(detail "$create_out")"
fi

# Present: one login attempt tells whether it has the secret's password (the CLI locks a user out
# after a few failed logins, so this is tried once per command).
if failed_before "$KMSUSER" "$KMSUSER_SECRET_ID" "$KMSUSER_VERSION"; then
  fail 12 "the password in $KMSUSER_SECRET_ID (version $KMSUSER_VERSION) did not log in as $KMSUSER on cluster $CLUSTER_ID before and is $NOT_AGAIN: \
set its password with the CloudHSM CLI (user change-password --username $KMSUSER --role crypto-user) and put the same into the secret (a new version) (docs/key-store.md)"
fi
login_out="$(cli_session "login --username $KMSUSER --role crypto-user --password $KMSUSER_PASSWORD
logout")"
if nth_succeeded "$login_out" 1; then
  forget_failure "$KMSUSER"
  echo "crypto user $KMSUSER already exists on cluster $CLUSTER_ID; the password in $KMSUSER_SECRET_ID logs in"
  exit 0
fi
remember_failure "$KMSUSER" "$KMSUSER_SECRET_ID" "$KMSUSER_VERSION"
fail 12 "crypto user $KMSUSER already exists on cluster $CLUSTER_ID and the password in $KMSUSER_SECRET_ID does not log in as $KMSUSER: \
set its password with the CloudHSM CLI (user change-password --username $KMSUSER --role crypto-user) or put its current password in the secret (docs/key-store.md)"
