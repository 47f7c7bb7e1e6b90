#!/usr/bin/env bash
# Builds the playground (www/) into www/dist/: the npm package first when pkg/ lacks
# it (scripts/build-pkg.sh), the page's dependencies from www/package-lock.json when
# missing or changed (npm ci), the bundle (www/build.mjs, esbuild), and the sample
# history the page loads by default (the package's deterministic generator).
#
#   scripts/build-www.sh              # build what is missing or out of date
#   scripts/build-www.sh --pkg        # rebuild the package too
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_node

if [[ "${1:-}" == --pkg || ! -f pkg/package.json ]]; then
  scripts/build-pkg.sh
fi

ensure_www_deps

node www/build.mjs
node www/sample.mjs www/dist/sample-history.ndjson
