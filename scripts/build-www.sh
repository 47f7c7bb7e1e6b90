#!/usr/bin/env bash
# Builds the playground (www/) into www/dist/: the npm package first when pkg/ lacks
# it or is older than its sources (scripts/build-pkg.sh; LEADSCORE_PKG=DIR takes a
# package built elsewhere as it is), the page's dependencies from
# www/package-lock.json when missing or changed (npm ci), the bundle (www/build.mjs,
# esbuild), and the sample history the page loads by default (the package's
# deterministic generator).
#
#   scripts/build-www.sh              # build what is missing or out of date
#   scripts/build-www.sh --pkg        # rebuild the package whatever its age
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_node

# The package is built when missing, asked for, or older than its sources (the Rust
# crates, the package template, Cargo's manifests).
pkg_stale() {
  [[ ! -f pkg/package.json ]] && return 0
  [[ -n "$(find src crates/rules/src pkg-template Cargo.toml Cargo.lock -newer pkg/package.json -print -quit)" ]]
}
if [[ -n "${LEADSCORE_PKG:-}" ]]; then
  echo "build-www: the package from LEADSCORE_PKG=$LEADSCORE_PKG" >&2
elif [[ "${1:-}" == --pkg ]] || pkg_stale; then
  scripts/build-pkg.sh
fi

ensure_www_deps

node www/build.mjs
node www/sample.mjs www/dist/sample-history.ndjson
