#!/usr/bin/env bash
# Fails when the working tree differs from the commit: tracked files changed or new files not
# ignored. A fresh clone must stay clean after the README's commands (`npm install`, the build),
# so a lock file npm rewrites or a generated file that was not regenerated and committed shows here.
# Usage: check-clean.sh <what ran>
set -uo pipefail
cd "$(dirname "$0")/.."
changes=$(git status --porcelain --untracked-files=all)
if [ -n "$changes" ]; then
  echo "check-clean: the working tree is not clean after ${1:-the previous step}:" >&2
  echo "$changes" >&2
  git --no-pager diff --stat >&2
  exit 1
fi
echo "check-clean: the working tree is clean after ${1:-the previous step}"
