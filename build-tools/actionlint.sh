#!/usr/bin/env bash
# Checks the generated GitHub workflows with actionlint (built from its Go module, pinned) and
# reports one JUnit case per workflow in test-reports/junit/workflows.xml.
set -euo pipefail
source "$(dirname "$0")/go-env.sh"
ACTIONLINT_VERSION=v1.7.12
bin="$root/build/go/bin/actionlint-$ACTIONLINT_VERSION"
if [ ! -x "$bin" ]; then
  GOBIN="$root/build/go/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  mv "$root/build/go/bin/actionlint" "$bin"
  echo "actionlint $ACTIONLINT_VERSION built in ${SECONDS}s"
fi
cd "$root"
npx ts-node --transpile-only build-tools/check-workflows.ts "$bin"
