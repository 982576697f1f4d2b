#!/bin/bash
# cdk-cloudhsm cluster activation, run on the admin host by SSM Run Command (AWS-RunShellScript),
# after the shared prelude (prelude.sh: the handler sends both as one script). Reads the admin
# password from Secrets Manager itself and hands it to the CloudHSM CLI on stdin only: it is never
# in a command line, an argument, the command's output or its error output.
#
# Usage: activate.sh --cluster-id ID --secret-id ARN --region R --hsm-ip IP [--hsm-ip IP ...]
#                    [--secret-field NAME] [--trust-anchor-b64 B64] [--setup-wait SECONDS] [--check-only]
#                    [--failed-login admin=VERSION]
# --check-only: the cluster is restored from a backup (ACTIVE with the backup's users): nothing is
# activated; the password must log in as admin (one attempt). Every admin login here is guarded: a
# secret version the handler names in --failed-login (it failed before: prelude.sh) is not tried
# again, so that repeated deployments never lock the admin out.
# Exit codes: 0 activated, or already active with this password; 2 usage; 3 CLI missing;
# 4 setup failed or unfinished; 5 secret unreadable; 6 password breaks the CLI's rules;
# 7 another activation holds the lock too long; 8 configure-cli failed; 10 cluster activate failed;
# 11 the cluster is already active and the password does not log in.
SAY_PREFIX="cdk-cloudhsm activate"
CLUSTER_ID="" SECRET_ID="" REGION="" SECRET_FIELD="" TRUST_ANCHOR_B64="" CHECK_ONLY=""

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --secret-id) SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --secret-field) SECRET_FIELD="${2:-}"; shift 2 ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="${2:-}"; shift 2 ;;
    --setup-wait) SETUP_WAIT="${2:-}"; shift 2 ;;
    --check-only) CHECK_ONLY=1; shift ;;
    --failed-login) failed_login_option "${2:-}"; shift 2 ;;
    *) fail 2 "unknown argument $1" ;;
  esac
done
[[ -n "$CLUSTER_ID" && -n "$SECRET_ID" && -n "$REGION" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --cluster-id, --secret-id, --region and at least one --hsm-ip are required"

# 1. The CLI is installed; 2. one activation at a time; 3. the CLI points at the cluster;
# 4. the password, straight from Secrets Manager into a shell variable.
prepare_host activation "$TRUST_ANCHOR_B64"
read_password PASSWORD "$SECRET_ID" "$SECRET_FIELD" "admin password"

# One login as admin, unless the handler says this secret version failed before (exit 11 at once,
# $1 saying what to do); a failed login is recorded (prelude.sh: record_failure).
ADMIN_VERSION="$(secret_version "$SECRET_ID")"
admin_login_once() {
  if ! may_try admin "$SECRET_ID" "$ADMIN_VERSION"; then
    fail 11 "the admin password in $SECRET_ID (version $ADMIN_VERSION) did not log in to cluster $CLUSTER_ID before and is $NOT_AGAIN: $1"
  fi
  # The login alone: its result is the only output checked (the session ends with quit).
  LOGIN_OUT="$(cli_session "login --username admin --role admin --password $PASSWORD")"
  local rc=$?
  if (( rc == 0 )) && nth_succeeded "$LOGIN_OUT" 1; then return 0; fi
  record_failure admin "$SECRET_ID" "$ADMIN_VERSION"
  return 1
}

# 5. A restored cluster: log in as admin, once per secret version.
if [[ -n "$CHECK_ONLY" ]]; then
  RESTORED_ADVICE="a restored cluster has the users of the backup: put the source cluster's admin password into the secret (a new version) and deploy again (docs/disaster-recovery.md)"
  if admin_login_once "$RESTORED_ADVICE"; then
    echo "cluster $CLUSTER_ID is restored from a backup; the admin password in $SECRET_ID logs in"
    exit 0
  fi
  fail 11 "the admin password in $SECRET_ID does not log in as admin of restored cluster $CLUSTER_ID: $(detail "$LOGIN_OUT"); $RESTORED_ADVICE"
fi

# 6. Activate.
activate_out="$(cli_session "cluster activate --password $PASSWORD")"
activate_rc=$?
if (( activate_rc == 0 )) && nth_succeeded "$activate_out" 1; then
  echo "cluster $CLUSTER_ID activated"
  exit 0
fi

# Not activated now: an earlier attempt may have done it. If the password logs in as admin, it did.
if admin_login_once "the cluster is already active: put its admin password into the secret (a new version) and deploy again (docs/activation.md)"; then
  echo "cluster $CLUSTER_ID is already active; the admin password in $SECRET_ID logs in"
  exit 0
fi

if grep -Eqi 'already.*activ|activ.*already' <<< "$activate_out"; then
  fail 11 "cluster $CLUSTER_ID is already active and the password in $SECRET_ID does not log in as admin: $(detail "$activate_out")"
fi
fail 10 "cluster activate failed for $CLUSTER_ID (exit $activate_rc): $(detail "$activate_out")"
