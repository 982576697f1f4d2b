#!/bin/bash
# cdk-cloudhsm application client setup (EC2 user data, or a container's entrypoint before the app):
# installs the Client SDK 5 libraries the application uses, writes the cluster's trust anchor from
# its SSM parameter, and configures each library with --cluster-id, so the SDK finds the HSMs with
# DescribeClusters (HSMs that AWS replaces need no reconfiguration). No password is read here: the
# application reads its crypto user's password from Secrets Manager when it logs in.
#
# Set in front of this script:
#   CDK_CLOUDHSM_CLUSTER_ID        the cluster id
#   CDK_CLOUDHSM_REGION            the cluster's region
#   CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER  the SSM parameter with the trust anchor (PEM)
#   CDK_CLOUDHSM_LIBRARIES         the libraries, space separated: pkcs11 jce dyn (OpenSSL dynamic engine)
#   CDK_CLOUDHSM_PACKAGE_URL       https URL of a library's rpm; %LIB% becomes the library, %ARCH% `uname -m`
#   CDK_CLOUDHSM_USERNAME, CDK_CLOUDHSM_USER_SECRET_ARN  the crypto user, written to the environment file
# Exit codes: 0 configured; 2 a variable is missing; 1 a step failed (named in the message).
set -Eeuo pipefail
# The AWS CLI's retries ride out throttling (standard mode, 8 attempts instead of the default 3).
export AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=8

CLOUDHSM_DIR="${CLOUDHSM_DIR:-/opt/cloudhsm}"
ENV_FILE="${CDK_CLOUDHSM_ENV_FILE:-/etc/cdk-cloudhsm-client.env}"
say() { echo "cdk-cloudhsm client setup: $*" >&2; }
step=""
trap 'say "failed while: ${step:-starting} (exit $?)"; exit 1' ERR

for v in CDK_CLOUDHSM_CLUSTER_ID CDK_CLOUDHSM_REGION CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER CDK_CLOUDHSM_LIBRARIES CDK_CLOUDHSM_PACKAGE_URL; do
  [[ -n "${!v:-}" ]] || { say "$v is not set"; exit 2; }
done

mkdir -p "$CLOUDHSM_DIR/etc"
work="$(mktemp -d)"
for lib in $CDK_CLOUDHSM_LIBRARIES; do
  [[ "$lib" =~ ^(pkcs11|jce|dyn)$ ]] || { say "unknown library $lib (pkcs11, jce or dyn)"; exit 2; }
  if [[ -x "$CLOUDHSM_DIR/bin/configure-$lib" ]]; then
    say "the $lib library is installed already"
    continue
  fi
  url="${CDK_CLOUDHSM_PACKAGE_URL//%LIB%/$lib}"
  url="${url//%ARCH%/$(uname -m)}"
  step="downloading $url"
  curl -fsSL --retry 5 --retry-delay 5 -o "$work/cloudhsm-$lib.rpm" "$url"
  step="installing the $lib library"
  if command -v dnf > /dev/null; then dnf install -y -q "$work/cloudhsm-$lib.rpm"; else rpm -i "$work/cloudhsm-$lib.rpm"; fi
done
rm -rf "$work"

step="reading the trust anchor from $CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER"
aws ssm get-parameter --name "$CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER" --region "$CDK_CLOUDHSM_REGION" \
  --query Parameter.Value --output text < /dev/null > "$CLOUDHSM_DIR/etc/customerCA.crt"
grep -q 'BEGIN CERTIFICATE' "$CLOUDHSM_DIR/etc/customerCA.crt" || { say "the parameter $CDK_CLOUDHSM_TRUST_ANCHOR_PARAMETER holds no PEM certificate"; exit 1; }

for lib in $CDK_CLOUDHSM_LIBRARIES; do
  step="configure-$lib --cluster-id $CDK_CLOUDHSM_CLUSTER_ID"
  "$CLOUDHSM_DIR/bin/configure-$lib" --cluster-id "$CDK_CLOUDHSM_CLUSTER_ID" --region "$CDK_CLOUDHSM_REGION" \
    --hsm-ca-cert "$CLOUDHSM_DIR/etc/customerCA.crt" < /dev/null
done

# Where the application finds its crypto user (the password stays in Secrets Manager).
step="writing $ENV_FILE"
{
  echo "CDK_CLOUDHSM_CLUSTER_ID=$CDK_CLOUDHSM_CLUSTER_ID"
  echo "CDK_CLOUDHSM_REGION=$CDK_CLOUDHSM_REGION"
  echo "CDK_CLOUDHSM_USERNAME=${CDK_CLOUDHSM_USERNAME:-}"
  echo "CDK_CLOUDHSM_USER_SECRET_ARN=${CDK_CLOUDHSM_USER_SECRET_ARN:-}"
} > "$ENV_FILE"
say "configured ($CDK_CLOUDHSM_LIBRARIES) for cluster $CDK_CLOUDHSM_CLUSTER_ID"
# The commands after these (the application's) are not the setup's: its failure message stops here.
trap - ERR
