#!/usr/bin/env bash
# Tests the edge worker (edge/) in workerd through Miniflare: Durable Objects, Queues
# and a webhook receiver on 127.0.0.1 (edge/test/*.test.mjs, node:test); end to end
# with the tracker in headless Chromium (edge/test/e2e.test.mjs, skipped without
# Chromium: scripts/test-js.sh installs it on CI).
#
#   scripts/test-edge.sh              # build pkg/ first when it is missing
#   scripts/test-edge.sh --no-build   # use the pkg/ already built (scripts/test.sh)
#
# Then checks that wrangler.toml deploys: `wrangler deploy --dry-run` (offline).
#
# Installs what it lacks: edge/node_modules with `npm ci` (miniflare, wrangler, esbuild, and
# leadscore linked from pkg/), and Node.js $NODE_LTS_VERSION (scripts/setup.sh) when
# the system's Node.js is older than Miniflare's minimum, 22.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf 'test-edge: %s\n' "$*" >&2; }

source scripts/setup.sh
ensure_node || exit 1

if [[ ! -f pkg/package.json ]]; then
    [[ "${1:-}" == "--no-build" ]] && { say "error: no pkg/: run scripts/build-pkg.sh"; exit 1; }
    scripts/build-pkg.sh
fi

if [[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 22 ]]; then
    lts="$(ensure_node_lts)"
    [[ -n "$lts" ]] || { say "error: Miniflare needs Node.js 22 or later, and Node.js $NODE_LTS_VERSION could not be installed"; exit 1; }
    say "Node.js $(node --version) is older than Miniflare's minimum: using $NODE_LTS_VERSION"
    export PATH="$lts:$PATH"
fi

cd edge
# npm ci again when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
# One file at a time: each builds dist/ and starts its own workerd.
node --test --test-concurrency=1 --test-timeout=120000 test/*.test.mjs

# wrangler.toml as `wrangler deploy` reads it: bindings, migrations and the bundle
# (the package's .wasm included) checked offline, nothing uploaded.
say "wrangler deploy --dry-run"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
WRANGLER_SEND_METRICS=false npx --no-install wrangler deploy --dry-run --outdir "$out" >"$out/log" 2>&1 ||
    { cat "$out/log" >&2; say "error: wrangler deploy --dry-run failed"; exit 1; }
ls "$out" | grep -q '\.wasm$' ||
    { ls -l "$out" >&2; say "error: the deploy bundle holds no .wasm module"; exit 1; }
