# Sourced by the other scripts: makes sure the toolchain pieces they need are here.
WASM_BINDGEN_VERSION=0.2.130

ensure_rust_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate (Cargo.toml pins it).
ensure_wasm_bindgen() {
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
}

ensure_rust_target
