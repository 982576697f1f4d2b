#!/bin/bash
# cdk-cloudhsm kmsuser, run on the admin host by SSM Run Command (AWS-RunShellScript), after the
# shared prelude (prelude.sh: the handler sends both as one script), before a KMS key store is
# created: makes sure the cluster has the crypto user `kmsuser` with the password of the kmsuser
# secret. Both passwords (admin and kmsuser) are read here from Secrets Manager and go
# to the CloudHSM CLI on stdin only: never in a command line, an argument or any output.
#
# Usage: create-kmsuser.sh --cluster-id ID --admin-secret-id ARN --kmsuser-secret-id ARN --region R
#                          --hsm-ip IP [--hsm-ip IP ...] [--admin-secret-field NAME] [--trust-anchor-b64 B64]
#                          [--failed-login USER=VERSION ...] [--setup-wait SECONDS]
# kmsuser rules: absent -> created; present and the secret's password logs in as crypto-user
# kmsuser -> reused; present with another password -> exit 12 (nothing is changed).
# The CLI locks a user after five failed logins, and a deployment that fails is often run again
# unchanged: a login that fails prints a FAILED_LOGIN_MARK line (user, secret, secret version) on
# standard error, which stays in SSM's command history; the handler reads it from the cluster's
# last kmsuser commands (on any host: a replaced host knows nothing) and sends the version back as
# --failed-login admin=V / kmsuser=V (prelude.sh). A secret still at that version is not tried
# again (exit 9 or 12 at once, the line printed again) until the secret has a new version.
# Exit codes: 0 kmsuser created, or present with this password; 2 usage; 3 CLI missing;
# 4 setup failed or unfinished; 5 a secret unreadable; 6 a password breaks the CLI's rules;
# 7 another command holds the lock too long; 8 configure-cli failed; 9 the admin password does
# not log in; 10 user list or user create failed; 12 kmsuser exists with another password.
SAY_PREFIX="cdk-cloudhsm kmsuser"
KMSUSER="$KMS_USER_NAME"
CLUSTER_ID="" ADMIN_SECRET_ID="" KMSUSER_SECRET_ID="" REGION="" ADMIN_SECRET_FIELD="" TRUST_ANCHOR_B64=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --admin-secret-id) ADMIN_SECRET_ID="${2:-}"; shift 2 ;;
    --admin-secret-field) ADMIN_SECRET_FIELD="${2:-}"; shift 2 ;;
    --kmsuser-secret-id) KMSUSER_SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="${2:-}"; shift 2 ;;
    --failed-login) failed_login_option "${2:-}"; shift 2 ;;
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

# 5. The cluster's users as the admin sees them, then kmsuser: created, or reused when the
# secret's password logs in (one login, guarded by the record of failed logins: prelude.sh).
admin_user_list "$ADMIN_PASSWORD" "$ADMIN_SECRET_ID"
ensure_crypto_user "$KMSUSER" "$KMSUSER_SECRET_ID" "$KMSUSER_PASSWORD" docs/key-store.md
