#!/usr/bin/env bash
# Checks the subjects of the commits since CHECKED_FROM: at most 72 characters, as
# the project's commit rule says (the why and the figures go in the body). Commits
# before it were written before this check and are left as history has them.
#
#   scripts/check-commits.sh        # run by scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKED_FROM=73c4f5ff47d8218ec0109e939c88b8317f266820
LIMIT=72

if ! git rev-parse -q --verify "$CHECKED_FROM^{commit}" >/dev/null 2>&1; then
  echo "check-commits: $CHECKED_FROM is not in this clone (shallow?): nothing to check"
  exit 0
fi
long=$(git log --format='%h %s' "$CHECKED_FROM..HEAD" |
  awk -v limit="$LIMIT" '{ subject = substr($0, index($0, " ") + 1); if (length(subject) > limit) printf "  %s (%d characters)\n", $0, length(subject) }')
if [ -n "$long" ]; then
  echo "check-commits: subjects over $LIMIT characters (git commit --amend, or rebase to reword):" >&2
  echo "$long" >&2
  exit 1
fi
echo "check-commits: every subject since $CHECKED_FROM is at most $LIMIT characters"
