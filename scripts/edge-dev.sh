#!/usr/bin/env bash
# Runs the edge worker locally in real workerd (Miniflare) with the example rule sets,
# an example routing and the SLAs of edge/wrangler.toml, and a webhook receiver on
# 127.0.0.1 that prints each delivery and each SLA escalation (edge/scripts/dev.mjs).
# Ctrl-C stops both.
#
#   scripts/edge-dev.sh                 # worker on :8787, receiver on :8788
#   PORT=9000 HOOK_PORT=9001 scripts/edge-dev.sh
#   SLA='[{"stage":"sql","within":30}]' scripts/edge-dev.sh   # any var of wrangler.toml
#
# Installs what it lacks: pkg/ (scripts/build-pkg.sh), Node.js 22 or later, and
# edge/node_modules (npm ci), as scripts/test-edge.sh does.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'edge-dev: %s\n' "$*" >&2; }

source scripts/setup.sh
ensure_node || exit 1
[[ -f pkg/package.json ]] || scripts/build-pkg.sh
if [[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]]; then
    lts="$(ensure_node_lts)"
    [[ -n "$lts" ]] || { say "error: Miniflare needs Node.js 22 or later, and Node.js $NODE_LTS_VERSION could not be installed"; exit 1; }
    export PATH="$lts:$PATH"
fi
cd edge
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
exec node scripts/dev.mjs
