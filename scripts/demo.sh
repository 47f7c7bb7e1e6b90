#!/usr/bin/env bash
# The main job on the bundled examples: scores each example rule set's leads with
# the command-line scorer and prints a table per rule set. Extra arguments go to
# `leadscore score` (for example `--format ndjson`).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "leadscore needs Rust: see https://rustup.rs" >&2; exit 1; }
cargo build --quiet --release --features cli
NOW=${NOW:-2026-11-20T12:00:00Z}
for example in b2b-saas product-led domain-defaults; do
  echo
  echo "## examples/$example at $NOW"
  target/release/leadscore score --rules "examples/$example/ruleset.json" --leads "examples/$example/leads.json" --now "$NOW" --format table "$@"
done
