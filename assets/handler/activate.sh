#!/bin/bash
# cdk-cloudhsm cluster activation, run on the admin host by SSM Run Command (AWS-RunShellScript).
# Reads the admin password from Secrets Manager itself and hands it to the CloudHSM CLI on stdin
# only: it is never in a command line, an argument, the command's output or its error output.
#
# Usage: activate.sh --cluster-id ID --secret-id ARN --region R --hsm-ip IP [--hsm-ip IP ...]
#                    [--secret-field NAME] [--trust-anchor-b64 B64] [--setup-wait SECONDS]
# Exit codes: 0 activated, or already active with this password; 2 usage; 3 CLI missing;
# 4 setup failed or unfinished; 5 secret unreadable; 6 password breaks the CLI's rules;
# 7 another activation holds the lock too long; 8 configure-cli failed; 10 cluster activate failed;
# 11 the cluster is already active and the password does not log in.
set -uo pipefail

CLOUDHSM_DIR="${CLOUDHSM_DIR:-/opt/cloudhsm}"
CLI="$CLOUDHSM_DIR/bin/cloudhsm-cli"
CONFIGURE="$CLOUDHSM_DIR/bin/configure-cli"
READY_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-ready"
FAILED_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-setup-failed"
LOCK_FILE="$CLOUDHSM_DIR/etc/cdk-cloudhsm-activate.lock"
LOCK_WAIT_SECONDS="${CDK_CLOUDHSM_LOCK_WAIT:-900}"

CLUSTER_ID="" SECRET_ID="" REGION="" SECRET_FIELD="" TRUST_ANCHOR_B64="" SETUP_WAIT=600
HSM_IPS=()
PASSWORD=""

say() { echo "cdk-cloudhsm activate: $*" >&2; }
# Every message passes through here: the password, if read, is masked whatever the CLI printed.
mask() {
  local text="$1"
  if [[ -n "$PASSWORD" ]]; then text="${text//"$PASSWORD"/<redacted>}"; fi
  printf '%s' "$text"
}
fail() { say "$(mask "$2")"; exit "$1"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cluster-id) CLUSTER_ID="${2:-}"; shift 2 ;;
    --secret-id) SECRET_ID="${2:-}"; shift 2 ;;
    --region) REGION="${2:-}"; shift 2 ;;
    --hsm-ip) HSM_IPS+=("${2:-}"); shift 2 ;;
    --secret-field) SECRET_FIELD="${2:-}"; shift 2 ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="${2:-}"; shift 2 ;;
    --setup-wait) SETUP_WAIT="${2:-}"; shift 2 ;;
    *) fail 2 "unknown argument $1" ;;
  esac
done
[[ -n "$CLUSTER_ID" && -n "$SECRET_ID" && -n "$REGION" && ${#HSM_IPS[@]} -gt 0 ]] \
  || fail 2 "usage: --cluster-id, --secret-id, --region and at least one --hsm-ip are required"
[[ "$SETUP_WAIT" =~ ^[0-9]+$ ]] || fail 2 "--setup-wait must be a number of seconds"

# 1. The host's setup (user data) installs the CLI; it may still be running when the host is online.
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

# 2. One activation at a time on this host: a duplicated or retried request waits here.
exec 9> "$LOCK_FILE" || fail 7 "cannot open the lock file $LOCK_FILE"
if ! flock -w "$LOCK_WAIT_SECONDS" 9; then
  fail 7 "another activation has held $LOCK_FILE for ${LOCK_WAIT_SECONDS} s"
fi

# 3. Configure the CLI for the cluster.
if [[ -n "$TRUST_ANCHOR_B64" ]]; then
  echo "$TRUST_ANCHOR_B64" | base64 -d > "$CLOUDHSM_DIR/etc/customerCA.crt" 2> /dev/null \
    || fail 8 "the trust anchor is not valid base64"
fi
[[ -s "$CLOUDHSM_DIR/etc/customerCA.crt" ]] || fail 8 "no trust anchor at $CLOUDHSM_DIR/etc/customerCA.crt"
# Commands that need no input read /dev/null: this script may itself be reading from standard input (bash -s).
if ! configure_out="$("$CONFIGURE" -a "${HSM_IPS[@]}" 2>&1 < /dev/null)"; then
  fail 8 "configure-cli -a ${HSM_IPS[*]} failed: $(echo "$configure_out" | tail -n 5)"
fi

# 4. The password, straight from Secrets Manager into a shell variable.
if ! secret="$(aws secretsmanager get-secret-value --secret-id "$SECRET_ID" --region "$REGION" \
    --query SecretString --output text 2> /tmp/cdk-cloudhsm-secret-error.$$ < /dev/null)"; then
  reason="$(tail -n 3 /tmp/cdk-cloudhsm-secret-error.$$)"
  rm -f /tmp/cdk-cloudhsm-secret-error.$$
  fail 5 "cannot read the admin password secret $SECRET_ID: $reason"
fi
rm -f /tmp/cdk-cloudhsm-secret-error.$$
if [[ -n "$SECRET_FIELD" ]]; then
  if ! PASSWORD="$(printf '%s' "$secret" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; assert isinstance(v,str); sys.stdout.write(v)' "$SECRET_FIELD" 2> /dev/null)"; then
    fail 5 "the secret $SECRET_ID is not JSON with a string field \"$SECRET_FIELD\""
  fi
else
  PASSWORD="$secret"
fi
unset secret
if (( ${#PASSWORD} < 8 || ${#PASSWORD} > 32 )); then
  fail 6 "the password in $SECRET_ID has ${#PASSWORD} characters; the CloudHSM CLI takes 8 to 32"
fi
if [[ "$PASSWORD" =~ [[:space:]\"\'\\] ]]; then
  fail 6 "the password in $SECRET_ID contains whitespace, a quote or a backslash, which the CLI's command line cannot take"
fi

# 5. Activate. The command goes to the CLI's interactive mode on stdin (printf is a shell builtin).
cli_session() {
  local out
  out="$(printf '%s\nquit\n' "$1" | "$CLI" interactive 2>&1)"
  local rc=$?
  printf '%s' "$out"
  return $rc
}
succeeded() { grep -Eq '"error_code"[[:space:]]*:[[:space:]]*0[^0-9]' <<< "$1"; }

activate_out="$(cli_session "cluster activate --password $PASSWORD")"
activate_rc=$?
if (( activate_rc == 0 )) && succeeded "$activate_out"; then
  echo "cluster $CLUSTER_ID activated"
  exit 0
fi

# Not activated now: an earlier attempt may have done it. If the password logs in as admin, it did.
# The login alone: its result is the only output checked (the session ends with quit).
login_out="$(cli_session "login --username admin --role admin --password $PASSWORD")"
login_rc=$?
if (( login_rc == 0 )) && succeeded "$login_out"; then
  echo "cluster $CLUSTER_ID is already active; the admin password in $SECRET_ID logs in"
  exit 0
fi

detail="$(grep -v '^[[:space:]]*$' <<< "$activate_out" | tail -n 5 | tr '\n' ' ')"
if grep -Eqi 'already.*activ|activ.*already' <<< "$activate_out"; then
  fail 11 "cluster $CLUSTER_ID is already active and the password in $SECRET_ID does not log in as admin: $detail"
fi
fail 10 "cluster activate failed for $CLUSTER_ID (exit $activate_rc): $detail"
