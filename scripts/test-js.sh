#!/usr/bin/env bash
# Builds the npm package (scripts/build-pkg.sh), packs it with npm pack, installs the
# tarball into tests/js and runs the JavaScript tests there with `node --test`: Node ESM and CommonJS, the TypeScript declarations,
# workerd (npm package, installed into tests/js/node_modules) and headless Chromium (the
# tracker's tests drive it with playwright-core, tests/js/tracker.test.mjs, and keep a
# screenshot in target/tracker-artifacts/).
#
#   scripts/test-js.sh              # build pkg/, then test it
#   scripts/test-js.sh --no-build   # test the pkg/ already built
#
# Installs what it lacks, like build-pkg.sh. Chromium comes from the system: with
# CI set (or LEADSCORE_INSTALL_CHROMIUM=1) and apt-get at hand it is installed when
# missing; otherwise the browser test is skipped and says so. Exits non-zero when
# any test fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'test-js: %s\n' "$*" >&2; }

source scripts/setup.sh
ensure_node || exit 1

if [[ "${1:-}" != "--no-build" ]]; then
    scripts/build-pkg.sh
fi
[[ -f pkg/package.json ]] || { say "error: no pkg/: run scripts/build-pkg.sh"; exit 1; }

have_chromium() {
    [[ -n "${CHROME_BIN:-}" ]] && command -v "$CHROME_BIN" >/dev/null && return 0
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || command -v google-chrome >/dev/null || command -v google-chrome-stable >/dev/null
}
if ! have_chromium; then
    if [[ -n "${CI:-}${LEADSCORE_INSTALL_CHROMIUM:-}" && "${LEADSCORE_INSTALL_CHROMIUM:-1}" != 0 ]] && command -v apt-get >/dev/null; then
        say "installing chromium (apt-get)"
        SUDO=""
        [[ "$(id -u)" == 0 ]] || SUDO="sudo"
        $SUDO apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >&2
    else
        say "no Chromium: the browser test will be skipped (apt-get install chromium, or set CHROME_BIN)"
    fi
fi

# The tests use the package as users get it: pkg/ packed by npm pack (only what
# package.json's "files" lists) and installed from the tarball.
mkdir -p target/npm
tarball="$(cd target/npm && npm pack "$ROOT/pkg" --silent)"
mv "target/npm/$tarball" target/npm/leadscore.tgz

cd tests/js
# Installs the tarball as node_modules/leadscore (afresh: npm would keep an older
# install of the same version), and typescript, workerd, Deno and the other test
# tools at the versions package.json pins.
rm -rf node_modules/leadscore
npm install --no-package-lock --no-audit --no-fund --loglevel=error >&2
node --test ./*.test.mjs ./*.test.cjs
