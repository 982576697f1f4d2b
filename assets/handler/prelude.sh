#!/bin/bash
# cdk-cloudhsm host-script prelude: the part every script the handler sends through Run Command
# shares. The handler sends the rule values (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH,
# UNUSABLE_PASSWORD_PATTERN, KMS_USER_NAME, from src/private/host-rules.ts), then this prelude,
# then the script, as one text on stdin of `bash -s`: the host keeps no copy of it between commands.
# A script sets SAY_PREFIX and appends every password it reads to SECRETS (masked in all messages).
# Passwords stay in shell variables and reach the CLI on stdin only, never a command line.
set -uo pipefail

CLOUDHSM_DIR="${CLOUDHSM_DIR:-/opt/cloudhsm}"
CLI="$CLOUDHSM_DIR/bin/cloudhsm-cli"
CONFIGURE="$CLOUDHSM_DIR/bin/configure-cli"
READY_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-ready"
FAILED_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-setup-failed"
TRUST_ANCHOR_FILE="$CLOUDHSM_DIR/etc/customerCA.crt"
# One CLI session that changes the cluster's users at a time on this host (every script takes it).
LOCK_FILE="$CLOUDHSM_DIR/etc/cdk-cloudhsm-activate.lock"
LOCK_WAIT_SECONDS="${CDK_CLOUDHSM_LOCK_WAIT:-900}"

SAY_PREFIX="cdk-cloudhsm"
SECRETS=()
HSM_IPS=()
SETUP_WAIT=600

say() { echo "$SAY_PREFIX: $*" >&2; }
# Every message passes through here: the passwords read so far are masked whatever the CLI printed.
mask() {
  local text="$1" secret
  for secret in "${SECRETS[@]}"; do
    if [[ -n "$secret" ]]; then text="${text//"$secret"/<redacted>}"; fi
  done
  printf '%s' "$text"
}
fail() { say "$(mask "$2")"; exit "$1"; }

# Before a script's CLI sessions: the setup is done, the lock taken ($1 names the holder in the
# message of a lock held too long), the CLI pointed at the cluster ($2: the trust anchor, base64).
prepare_host() {
  [[ "$SETUP_WAIT" =~ ^[0-9]+$ ]] || fail 2 "--setup-wait must be a number of seconds"
  wait_for_setup
  take_lock "$1"
  configure_cli "$2"
}

# The host's setup (user data) installs the CLI; it may still be running when the host is online.
wait_for_setup() {
  local waited=0
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
}

# One user change at a time on this host: a duplicated or retried request waits here. $1 names the holder.
take_lock() {
  exec 9> "$LOCK_FILE" || fail 7 "cannot open the lock file $LOCK_FILE"
  if ! flock -w "$LOCK_WAIT_SECONDS" 9; then
    fail 7 "another $1 has held $LOCK_FILE for ${LOCK_WAIT_SECONDS} s"
  fi
}

# Points the CLI at the cluster's HSMs; $1 the trust anchor (base64 PEM) the command carries, if any.
configure_cli() {
  if [[ -n "$1" ]]; then
    echo "$1" | base64 -d > "$TRUST_ANCHOR_FILE" 2> /dev/null || fail 8 "the trust anchor is not valid base64"
  fi
  [[ -s "$TRUST_ANCHOR_FILE" ]] || fail 8 "no trust anchor at $TRUST_ANCHOR_FILE"
  # Commands that need no input read /dev/null: this script may itself be reading from standard input (bash -s).
  local out
  if ! out="$("$CONFIGURE" -a "${HSM_IPS[@]}" 2>&1 < /dev/null)"; then
    fail 8 "configure-cli -a ${HSM_IPS[*]} failed: $(echo "$out" | tail -n 5)"
  fi
}

# A password straight from Secrets Manager into the variable named $1 (never printed): $2 secret id,
# $3 JSON field or empty, $4 what it is, $5 a version id (optional: AWSCURRENT when absent; given,
# the version must carry the AWSPENDING label, as a rotation's new version does). Exits 5 when it
# cannot be read, 6 when it breaks the rules.
read_password() {
  local secret value err="/tmp/cdk-cloudhsm-secret-error.$$" version=()
  if [[ -n "${5:-}" ]]; then version=(--version-id "$5" --version-stage AWSPENDING); fi
  if ! secret="$(aws secretsmanager get-secret-value --secret-id "$2" "${version[@]}" --region "$REGION" \
      --query SecretString --output text 2> "$err" < /dev/null)"; then
    local reason
    reason="$(tail -n 3 "$err")"
    rm -f "$err"
    fail 5 "cannot read the $4 secret $2: $reason"
  fi
  rm -f "$err"
  if [[ -z "$3" ]]; then
    value="$secret"
  elif ! value="$(printf '%s' "$secret" | python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; assert isinstance(v,str); sys.stdout.write(v)' "$3" 2> /dev/null)"; then
    fail 5 "the secret $2 is not JSON with a string field \"$3\""
  fi
  SECRETS+=("$value")
  check_password "$value" "$2"
  printf -v "$1" '%s' "$value"
}

# The CLI's password rules (src/private/host-rules.ts): $1 password, $2 secret id; exits 6 when broken.
check_password() {
  if (( ${#1} < MIN_PASSWORD_LENGTH || ${#1} > MAX_PASSWORD_LENGTH )); then
    fail 6 "the password in $2 has ${#1} characters; the CloudHSM CLI takes $MIN_PASSWORD_LENGTH to $MAX_PASSWORD_LENGTH"
  fi
  if [[ "$1" =~ $UNUSABLE_PASSWORD_PATTERN ]]; then
    fail 6 "the password in $2 contains whitespace, a quote or a backslash, which the CLI's command line cannot take"
  fi
}

# One CLI session, commands on stdin (printf is a shell builtin); prints the CLI's output (JSON results).
cli_session() {
  local out
  out="$(printf '%s\nquit\n' "$1" | "$CLI" interactive 2>&1)"
  local rc=$?
  printf '%s' "$out"
  return $rc
}
# The n-th JSON result of a session (1-based) reports success.
nth_succeeded() { [[ "$(grep -Eo '"error_code"[[:space:]]*:[[:space:]]*[0-9]+' <<< "$1" | sed -n "${2}p" | grep -Eo '[0-9]+$')" == "0" ]]; }
# The last lines of a CLI output, on one line, for a message.
detail() { grep -v '^[[:space:]]*$' <<< "$1" | tail -n 5 | tr '\n' ' '; }
