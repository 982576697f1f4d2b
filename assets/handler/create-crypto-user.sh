#!/bin/bash
# cdk-cloudhsm crypto user, run on the admin host by SSM Run Command (AWS-RunShellScript), after the
# shared prelude (prelude.sh: the handler sends both as one script): makes sure the cluster has the
# crypto user (CU) of a CryptoUser construct, with the password of its secret, or deletes it.
# Both passwords (admin and the CU's) are read here from Secrets Manager and reach the CloudHSM CLI
# on stdin only: never in a command line, an argument or any output.
#
# Usage: create-crypto-user.sh --cluster-id ID --username NAME --admin-secret-id ARN --user-secret-id ARN
#                              --region R --hsm-ip IP [--hsm-ip IP ...] --trust-anchor-b64 B64
#                              [--admin-secret-field NAME] [--setup-wait SECONDS] [--delete]
#                              [--failed-login USER=VERSION ...]
# --failed-login: a secret version that failed to log in as USER before (prelude.sh), not tried again.
# Create: absent -> created; present and the secret's password logs in as that crypto user -> reused
# (a retried or duplicated command); present with another password -> exit 12, nothing changed.
# Delete (--delete): absent -> nothing to do; present and the secret's password logs in -> `user
# delete`; present with another password (a user this construct did not make) or owning keys (the
# CLI refuses to delete a CU that owns keys) -> left as it is, exit 0 with a message saying so.
# Exit codes: 0 done; 2 usage; 3 CLI missing; 4 setup failed or unfinished; 5 a secret unreadable;
# 6 a password breaks the CLI's rules; 7 another command holds the lock too long; 8 configure-cli
# failed; 9 the admin password does not log in; 10 user list, create or delete failed;
# 12 the user exists with another password.
SAY_PREFIX="cdk-cloudhsm crypto-user"
CLUSTER_ID="" USERNAME="" ADMIN_SECRET_ID="" USER_SECRET_ID="" REGION="" ADMIN_SECRET_FIELD="" TRUST_ANCHOR_B64="" DELETE=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --username) USERNAME="${2:-}"; shift 2 ;;
    --admin-secret-id) ADMIN_SECRET_ID="${2:-}"; shift 2 ;;
    --admin-secret-field) ADMIN_SECRET_FIELD="${2:-}"; shift 2 ;;
    --user-secret-id) USER_SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="${2:-}"; shift 2 ;;
    --setup-wait) SETUP_WAIT="${2:-}"; shift 2 ;;
    --delete) DELETE=1; shift ;;
    --failed-login) failed_login_option "${2:-}"; shift 2 ;;
    *) fail 2 "unknown argument $1" ;;
  esac
done
[[ -n "$CLUSTER_ID" && -n "$USERNAME" && -n "$ADMIN_SECRET_ID" && -n "$USER_SECRET_ID" && -n "$REGION" && -n "$TRUST_ANCHOR_B64" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --cluster-id, --username, --admin-secret-id, --user-secret-id, --region, --trust-anchor-b64 and at least one --hsm-ip are required"
# The CLI's user name rule (user create: up to 31 characters, letters, digits and _); names are shown in lowercase.
[[ "$USERNAME" =~ ^[a-z0-9_]{1,31}$ ]] || fail 2 "--username $USERNAME is not a CloudHSM user name in lowercase (1 to 31 letters, digits or _)"

# 1. The CLI is installed; 2. one user change at a time; 3. the CLI points at the cluster with the
# trust anchor this command carries; 4. the passwords, straight from Secrets Manager.
prepare_host command "$TRUST_ANCHOR_B64"
read_password ADMIN_PASSWORD "$ADMIN_SECRET_ID" "$ADMIN_SECRET_FIELD" "admin password"
read_password USER_PASSWORD "$USER_SECRET_ID" "" "crypto user password"

# 5. The cluster's users, as the admin sees them.
admin_user_list "$ADMIN_PASSWORD" "$ADMIN_SECRET_ID"
[[ -n "$DELETE" ]] || ensure_crypto_user "$USERNAME" "$USER_SECRET_ID" "$USER_PASSWORD" docs/applications.md

# 6. Delete: only the user whose password is the secret's (the one this construct made).
if ! listed "$USERNAME"; then
  echo "crypto user $USERNAME is not on cluster $CLUSTER_ID: nothing to delete"
  exit 0
fi
why=""
if ! crypto_user_logs_in "$USERNAME" "$USER_SECRET_ID" "$USER_PASSWORD" why; then
  echo "crypto user $USERNAME left on cluster $CLUSTER_ID: $why, so it is not the user this construct made"
  exit 0
fi
delete_out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user delete --username $USERNAME --role crypto-user
logout")"
if nth_succeeded "$delete_out" 2; then
  echo "crypto user $USERNAME deleted from cluster $CLUSTER_ID"
  exit 0
fi
if grep -Eqi 'own(s|ing)? .*keys?' <<< "$delete_out"; then
  echo "crypto user $USERNAME left on cluster $CLUSTER_ID: it owns keys (the CLI deletes no user that owns keys): $(detail "$delete_out")"
  exit 0
fi
fail 10 "user delete --username $USERNAME failed on cluster $CLUSTER_ID: $(detail "$delete_out")"
