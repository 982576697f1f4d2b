#!/bin/bash
# cdk-cloudhsm host-script prelude: the part every script the handler sends through Run Command
# shares. The handler sends the rule values (MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH,
# UNUSABLE_PASSWORD_PATTERN, KMS_USER_NAME, from src/private/host-rules.ts), then this prelude,
# then the script, as one text on stdin of `bash -s`: the host keeps no copy of it between commands.
# A script sets SAY_PREFIX and appends every password it reads to SECRETS (masked in all messages).
# Scripts that manage crypto users also set CLUSTER_ID and REGION before calling admin_user_list.
# Passwords stay in shell variables and reach the CLI on stdin only, never a command line.
set -uo pipefail
# The AWS CLI's own retries ride out throttling as the handler's SDK clients do (8 attempts, standard
# mode; the CLI's default is 3): a script that fails on a throttled read fails the whole step.
export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=8

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

# The CLI locks a user after five failed logins, and a deployment that fails is often run again
# unchanged (on a new host when the failed deployment's rollback took the old one): the host keeps
# no record. A login that fails prints a FAILED_LOGIN_MARK line (user, secret id, secret version)
# on standard error, which stays in SSM's command history; the handler reads the cluster's last
# failed commands (lambda/login-guard.ts) and sends the versions back as `--failed-login USER=VERSION`
# (repeatable, parsed by failed_login_option; a user may have several: a rotation's old and new
# versions). A secret still at that version is not tried again until the secret has a new version;
# the refusal prints the line again, so the record stays.
NOT_AGAIN="not tried again, so that the user is not locked out (the CloudHSM CLI locks a user after five failed logins)"
declare -A FAILED_VERSIONS=()
failed_login_option() {
  [[ "$1" =~ ^[a-z0-9_]+=[A-Za-z0-9-]+$ ]] || fail 2 "--failed-login takes USER=VERSION, not $1"
  FAILED_VERSIONS["${1%%=*}"]+=" ${1#*=}"
}
# The options whose values the prelude uses ($1 the option, $2 its value): 0 when $1 is one of them.
prelude_option() {
  case "$1" in
    --hsm-ip) HSM_IPS+=("$2") ;;
    --trust-anchor-b64) TRUST_ANCHOR_B64="$2" ;;
    --failed-login) failed_login_option "$2" ;;
    --setup-wait) SETUP_WAIT="$2" ;;
    *) return 1 ;;
  esac
}
secret_version() { aws secretsmanager get-secret-value --secret-id "$1" --region "$REGION" --query VersionId --output text 2> /dev/null < /dev/null; }
record_failure() { echo "$FAILED_LOGIN_MARK $1 $2 $3" >&2; } # user, secret id, version
# Whether the handler says version $2 failed to log in as user $1 before.
failed_before() { [[ -n "$2" && " ${FAILED_VERSIONS[$1]:-} " == *" $2 "* ]]; }
# Whether user $1 may try version $3 of secret $2: not when it failed before (the refusal is recorded again).
may_try() {
  failed_before "$1" "$3" || return 0
  record_failure "$1" "$2" "$3"
  return 1
}

# Logs in as admin ($1 the password, $2 its secret id) and lists the cluster's users into USER_LIST.
# Exits 9 when the password does not log in (or did not before, in this secret version), 10 when user list fails.
admin_user_list() {
  local version
  version="$(secret_version "$2")"
  if ! may_try admin "$2" "$version"; then
    fail 9 "the admin password in $2 (version $version) did not log in to cluster $CLUSTER_ID before and is $NOT_AGAIN: \
put the admin's password into the secret (a new version) and deploy again"
  fi
  USER_LIST="$(cli_session "login --username admin --role admin --password $1
user list
logout")"
  local rc=$?
  if ! nth_succeeded "$USER_LIST" 1; then
    record_failure admin "$2" "$version"
    fail 9 "the admin password in $2 does not log in to cluster $CLUSTER_ID (exit $rc): $(detail "$USER_LIST")"
  fi
  nth_succeeded "$USER_LIST" 2 || fail 10 "user list failed on cluster $CLUSTER_ID: $(detail "$USER_LIST")"
}

# Whether USER_LIST (admin_user_list) holds the user $1 (lowercase: the CLI shows names in lowercase).
listed() { grep -Eq "\"username\"[[:space:]]*:[[:space:]]*\"$1\"" <<< "$USER_LIST"; }

# One login as crypto user $1 with password $3 (from secret $2): 0 when it logs in. A secret version
# that failed before is not tried again (1 at once); a failure is recorded. $4 receives why it failed.
crypto_user_logs_in() {
  local version out
  version="$(secret_version "$2")"
  if ! may_try "$1" "$2" "$version"; then
    printf -v "$4" '%s' "the password in $2 (version $version) did not log in as $1 on cluster $CLUSTER_ID before and is $NOT_AGAIN"
    return 1
  fi
  out="$(cli_session "login --username $1 --role crypto-user --password $3
logout")"
  if nth_succeeded "$out" 1; then return 0; fi
  record_failure "$1" "$2" "$version"
  printf -v "$4" '%s' "crypto user $1 already exists on cluster $CLUSTER_ID and the password in $2 does not log in as $1"
  return 1
}

# Makes sure the cluster has crypto user $1 with the password $3 of secret $2, after admin_user_list
# ($ADMIN_PASSWORD logged in there): absent -> created; present and the password logs in -> reused
# (a retried or duplicated command); present with another password -> exit 12, nothing changed
# ($4: the guide that says what to do). Exits 0 or fails: the script's last step.
ensure_crypto_user() {
  if ! listed "$1"; then
    local out
    out="$(cli_session "login --username admin --role admin --password $ADMIN_PASSWORD
user create --username $1 --role crypto-user --password $3
logout")"
    nth_succeeded "$out" 2 || fail 10 "user create --username $1 failed on cluster $CLUSTER_ID: $(detail "$out")"
    echo "crypto user $1 created on cluster $CLUSTER_ID"
    exit 0
  fi
  local why=""
  if crypto_user_logs_in "$1" "$2" "$3" why; then
    echo "crypto user $1 already exists on cluster $CLUSTER_ID; the password in $2 logs in"
    exit 0
  fi
  fail 12 "$why: set its password with the CloudHSM CLI (user change-password --username $1 --role crypto-user) \
and put the same into the secret (a new version), or put its current password in the secret ($4)"
}
