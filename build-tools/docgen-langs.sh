#!/usr/bin/env bash
# The Python, Java and Go API references (docs/API.<lang>.md) with jsii-docgen: three independent,
# single-threaded renderings run side by side, so on 2 cores they take about the slowest one's time
# instead of the sum (docs/testing.md, "CI time budget"). Any failure fails the script.
set -uo pipefail
cd "$(dirname "$0")/.."
pids=()
for lang in python java go; do
  npx jsii-docgen -l "$lang" -o "docs/API.$lang.md" &
  pids+=("$!")
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
