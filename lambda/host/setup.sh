#!/bin/bash
# cdk-cloudhsm admin host setup (EC2 user data): installs the CloudHSM CLI from its official package
# and marks the host ready. Nothing here names a cluster: activate.sh configures the CLI for the
# cluster when it runs, with the HSM addresses the handler sends.
#
# Set in front of this script:
#   CDK_CLOUDHSM_PACKAGE_URL   https URL of the cloudhsm-cli rpm; %ARCH% becomes `uname -m`
#   CDK_CLOUDHSM_PACKAGE_S3    or s3://bucket/key of an rpm you supply (isolated subnets)
#   CDK_CLOUDHSM_REGION        the region, for `aws s3 cp`
#   CDK_CLOUDHSM_TRUST_ANCHOR_B64  optional: the cluster's trust anchor (PEM, base64)
set -Eeuo pipefail

CLOUDHSM_DIR="${CLOUDHSM_DIR:-/opt/cloudhsm}"
READY_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-ready"
FAILED_MARKER="$CLOUDHSM_DIR/etc/cdk-cloudhsm-setup-failed"
CLI="$CLOUDHSM_DIR/bin/cloudhsm-cli"

say() { echo "cdk-cloudhsm setup: $*" >&2; }

fail() {
  say "$1"
  mkdir -p "$CLOUDHSM_DIR/etc"
  echo "$1" > "$FAILED_MARKER"
  exit "${2:-1}"
}

# A step that fails names itself in the failed marker, which activate.sh reports.
step=""
trap 'fail "setup failed while: ${step:-starting} (exit $?)"' ERR

mkdir -p "$CLOUDHSM_DIR/etc"
rm -f "$READY_MARKER" "$FAILED_MARKER"

download() {
  local target="$1"
  if [[ -n "${CDK_CLOUDHSM_PACKAGE_S3:-}" ]]; then
    step="downloading $CDK_CLOUDHSM_PACKAGE_S3"
    aws s3 cp "$CDK_CLOUDHSM_PACKAGE_S3" "$target" --region "${CDK_CLOUDHSM_REGION:?CDK_CLOUDHSM_REGION is not set}" --only-show-errors
  elif [[ -n "${CDK_CLOUDHSM_PACKAGE_URL:-}" ]]; then
    local url="${CDK_CLOUDHSM_PACKAGE_URL//%ARCH%/$(uname -m)}"
    step="downloading $url"
    curl -fsSL --retry 5 --retry-delay 5 -o "$target" "$url"
  else
    fail "no package source: set CDK_CLOUDHSM_PACKAGE_URL or CDK_CLOUDHSM_PACKAGE_S3" 2
  fi
}

install_cli() {
  local work
  work="$(mktemp -d)"
  download "$work/cloudhsm-cli.rpm"
  step="installing the CloudHSM CLI package"
  if command -v dnf > /dev/null; then
    dnf install -y -q "$work/cloudhsm-cli.rpm"
  else
    rpm -i "$work/cloudhsm-cli.rpm"
  fi
  rm -rf "$work"
}

if [[ -x "$CLI" ]]; then
  say "the CloudHSM CLI is installed already"
else
  install_cli
fi

step="checking the CloudHSM CLI"
[[ -x "$CLI" ]] || fail "the package did not install $CLI" 3
[[ -x "$CLOUDHSM_DIR/bin/configure-cli" ]] || fail "the package did not install $CLOUDHSM_DIR/bin/configure-cli" 3

if [[ -n "${CDK_CLOUDHSM_TRUST_ANCHOR_B64:-}" ]]; then
  step="writing the trust anchor"
  echo "$CDK_CLOUDHSM_TRUST_ANCHOR_B64" | base64 -d > "$CLOUDHSM_DIR/etc/customerCA.crt"
fi

step="marking the host ready"
date -u +%Y-%m-%dT%H:%M:%SZ > "$READY_MARKER"
say "ready"
