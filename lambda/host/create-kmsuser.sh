#!/bin/bash
# cdk-cloudhsm kmsuser, run on the admin host by SSM Run Command (AWS-RunShellScript), after the
# shared prelude (prelude.sh: the handler sends both as one script), before a KMS key store is
# created: makes sure the cluster has the crypto user `kmsuser` with the password of the kmsuser
# secret. Both passwords (admin and kmsuser) are read here from Secrets Manager and go
# to the CloudHSM CLI on stdin only: never in a command line, an argument or any output.
#
# Usage: create-kmsuser.sh --cluster-id ID --admin-secret-id ARN --kmsuser-secret-id ARN --region R
#                          --hsm-ip IP [--hsm-ip IP ...] [--admin-secret-field NAME] [--trust-anchor-b64 B64]
#                          [--admin-failed-version V] [--kmsuser-failed-version V] [--setup-wait SECONDS]
# kmsuser rules: absent -> created; present and the secret's password logs in as crypto-user
# kmsuser -> reused; present with another password -> exit 12 (nothing is changed).
# The CLI locks a user after five failed logins, and a deployment that fails is often run again
# unchanged: a login that fails prints a FAILED_LOGIN_MARK line (user, secret, secret version) on
# standard error, which stays in SSM's command history; the handler reads it from the cluster's
# last kmsuser command (on any host: a replaced host knows nothing) and sends the version back as
# --admin-failed-version / --kmsuser-failed-version. A secret still at that version is not tried
# again (exit 9 or 12 at once, the line printed again) until the secret has a new version.
# Exit codes: 0 kmsuser created, or present with this password; 2 usage; 3 CLI missing;
# 4 setup failed or unfinished; 5 a secret unreadable; 6 a password breaks the CLI's rules;
# 7 another command holds the lock too long; 8 configure-cli failed; 9 the admin password does
# not log in; 10 user list or user create failed; 12 kmsuser exists with another password.
SAY_PREFIX="cdk-cloudhsm kmsuser"
KMSUSER="$KMS_USER_NAME"
CLUSTER_ID="" ADMIN_SECRET_ID="" KMSUSER_SECRET_ID="" REGION="" ADMIN_SECRET_FIELD="" TRUST_ANCHOR_B64=""
ADMIN_FAILED_VERSION="" KMSUSER_FAILED_VERSION=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --admin-secret-id) ADMIN_SECRET_ID="${2:-}"; shift 2 ;;
    --admin-secret-field) ADMIN_SECRET_FIELD="${2:-}"; shift 2 ;;
    --kmsuser-secret-id) KMSUSER_SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="${2:-}"; shift 2 ;;
    --admin-failed-version) ADMIN_FAILED_VERSION="${2:-}"; shift 2 ;;
    --kmsuser-failed-version) KMSUSER_FAILED_VERSION="${2:-}"; shift 2 ;;
    --setup-wait) SETUP_WAIT="${2:-}"; shift 2 ;;
    *) fail 2 "unknown argument $1" ;;
  esac
done
[[ -n "$CLUSTER_ID" && -n "$ADMIN_SECRET_ID" && -n "$KMSUSER_SECRET_ID" && -n "$REGION" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --cluster-id, --admin-secret-id, --kmsuser-secret-id, --region and at least one --hsm-ip are required"

# 1. The CLI is installed; 2. one user change at a time; 3. the CLI points at the cluster (with
# the trust anchor the command carries: the host needs nothing an earlier command left);
# 4. the passwords, straight from Secrets Manager into shell variables.
prepare_host command "$TRUST_ANCHOR_B64"
read_password ADMIN_PASSWORD "$ADMIN_SECRET_ID" "$ADMIN_SECRET_FIELD" "admin password"
read_password KMSUSER_PASSWORD "$KMSUSER_SECRET_ID" "" "kmsuser password"

# The secrets' versions (prelude.sh: secret_version): a failed login is recorded and recognised by secret and version.
ADMIN_VERSION="$(secret_version "$ADMIN_SECRET_ID")"
KMSUSER_VERSION="$(secret_version "$KMSUSER_SECRET_ID")"
# $1 the version that failed before (sent by the handler, from SSM's command history), $2 the secret's version now.
failed_version_again() { [[ -n "$1" && "$1" == "$2" ]]; }
# The record of a failed login, on standard error (user, secret id, version); the handler reads it back.
record_failure() { echo "$FAILED_LOGIN_MARK $1 $2 $3" >&2; }

# 5. One CLI session per step; each prints its JSON.
if failed_version_again "$ADMIN_FAILED_VERSION" "$ADMIN_VERSION"; then
  record_failure admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"
  fail 9 "the admin password in $ADMIN_SECRET_ID (version $ADMIN_VERSION) did not log in to cluster $CLUSTER_ID before and is $NOT_AGAIN: \
put the admin's password into the secret (a new version) and deploy again"
fi
list_out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user list
logout")"
list_rc=$?
if ! nth_succeeded "$list_out" 1; then
  record_failure admin "$ADMIN_SECRET_ID" "$ADMIN_VERSION"
  fail 9 "the admin password in $ADMIN_SECRET_ID does not log in to cluster $CLUSTER_ID (exit $list_rc): $(detail "$list_out")"
fi
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
if failed_version_again "$KMSUSER_FAILED_VERSION" "$KMSUSER_VERSION"; then
  record_failure "$KMSUSER" "$KMSUSER_SECRET_ID" "$KMSUSER_VERSION"
  fail 12 "the password in $KMSUSER_SECRET_ID (version $KMSUSER_VERSION) did not log in as $KMSUSER on cluster $CLUSTER_ID before and is $NOT_AGAIN: \
set its password with the CloudHSM CLI (user change-password --username $KMSUSER --role crypto-user) and put the same into the secret (a new version) (docs/key-store.md)"
fi
login_out="$(cli_session "login --username $KMSUSER --role crypto-user --password $KMSUSER_PASSWORD
logout")"
if nth_succeeded "$login_out" 1; then
  echo "crypto user $KMSUSER already exists on cluster $CLUSTER_ID; the password in $KMSUSER_SECRET_ID logs in"
  exit 0
fi
record_failure "$KMSUSER" "$KMSUSER_SECRET_ID" "$KMSUSER_VERSION"
fail 12 "crypto user $KMSUSER already exists on cluster $CLUSTER_ID and the password in $KMSUSER_SECRET_ID does not log in as $KMSUSER: \
set its password with the CloudHSM CLI (user change-password --username $KMSUSER --role crypto-user) or put its current password in the secret (docs/key-store.md)"
