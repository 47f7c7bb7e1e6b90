#!/usr/bin/env bash
# Puts the code in the project's one shape: rustfmt (rustfmt.toml) for Rust, Prettier
# (.prettierrc.json) for JavaScript and TypeScript.
#
#   scripts/format.sh           # rewrite what is out of shape
#   scripts/format.sh --check   # only report it (the test command runs this)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_tools

# fuzz/ and python/ are workspaces of their own (kept out of the project's), so
# `cargo fmt --all` does not reach them: their manifests are named as well.
if [[ "${1:-}" == --check ]]; then
  cargo fmt --all -- --check
  cargo fmt --all --manifest-path fuzz/Cargo.toml -- --check
  cargo fmt --all --manifest-path python/Cargo.toml -- --check
  "$TOOLS_BIN/prettier" --check --log-level warn .
else
  cargo fmt --all
  cargo fmt --all --manifest-path fuzz/Cargo.toml
  cargo fmt --all --manifest-path python/Cargo.toml
  "$TOOLS_BIN/prettier" --write --log-level warn .
fi
