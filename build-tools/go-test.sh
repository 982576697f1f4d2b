#!/usr/bin/env bash
# Runs the Go example's tests (examples/go) against the package jsii-pacmak wrote to dist/go and
# reports them as test-reports/junit/go.xml, which .ci/summary.js counts.
set -uo pipefail
source "$(dirname "$0")/go-env.sh"
mkdir -p "$root/test-reports/go"
events="$root/test-reports/go/examples-go.json"
# go.mod and go.sum are committed: -mod=readonly fails instead of changing them.
(cd "$root/examples/go" && CDK_CLOUDHSM_TEMPLATE_OUT="$root/test-reports/templates/go.json" \
  go test -mod=readonly -count=1 -json ./... > "$events")
status=$?
npx ts-node --transpile-only "$root/build-tools/go-junit.ts" "$events" "$root/test-reports/junit/go.xml" || status=1
echo "examples/go: go test (download, compile, run) took ${SECONDS}s"
exit $status
