#!/usr/bin/env bash
# Builds the npm package into pkg/ (git-ignored): one package for browsers and
# bundlers, Node.js (import and require) and Cloudflare Workers (workerd).
#
#   scripts/build-pkg.sh            # Cargo profile wasm-release, wasm-opt -Oz
#
# Installs what it lacks (scripts/setup.sh): the wasm32-unknown-unknown target,
# wasm-bindgen-cli at the version Cargo.lock holds for the wasm-bindgen crate, and
# the build tools of tools/package.json. Honours CARGO_TARGET_DIR.
#
# pkg/ holds:
#   leadscore_bg.wasm   the module, optimized with wasm-opt -Oz (one file for all)
#   leadscore.js        wasm-bindgen --target web glue (ESM; browsers, workerd)
#   leadscore.cjs       wasm-bindgen --target nodejs glue (CommonJS; Node.js)
#   index*.js, common*  hand-written entry points, from pkg-template/
#   index.d.ts/.d.cts   generated classes and JSON types + pkg-template/extra.d.ts
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# WASM_FEATURES and WASM_OPT_FLAGS.
source "$ROOT/scripts/wasm-opt-flags.sh"
# Tool versions and the functions that install them.
source "$ROOT/scripts/setup.sh"
TARGET=wasm32-unknown-unknown
OUT="$ROOT/pkg"

say() { printf 'build-pkg: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

command -v cargo >/dev/null || die "cargo is not installed (https://rustup.rs)"
ensure_node || exit 1

# --- tools ------------------------------------------------------------------

ensure_wasm_bindgen
ensure_tools
WASM_OPT="$TOOLS_BIN/wasm-opt"

# --- build ------------------------------------------------------------------

# The wasm-release profile (Cargo.toml): release, with the dependencies optimized
# for size and leadscore itself for speed.
PROFILE=wasm-release
# The module keeps the source paths of its dependencies' panic locations; they are
# written as /cargo/registry/... instead of this machine's CARGO_HOME, so that the
# package is the same bytes wherever it is built (and names no local directory).
# (Both spellings of CARGO_HOME, as given and with links resolved; the flags are
# separated by \x1f, so paths with spaces stay whole. With --target, Cargo gives
# them to the wasm32 artifacts only, not to build scripts or proc macros.)
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
REMAP="--remap-path-prefix=$CARGO_HOME_DIR=/cargo"
RESOLVED="$( [[ -d "$CARGO_HOME_DIR" ]] && cd "$CARGO_HOME_DIR" && pwd -P || true)"
if [[ -n "$RESOLVED" && "$RESOLVED" != "$CARGO_HOME_DIR" ]]; then
    REMAP+=$'\x1f'"--remap-path-prefix=$RESOLVED=/cargo"
fi
export CARGO_ENCODED_RUSTFLAGS="$REMAP"
say "cargo build --profile $PROFILE --target $TARGET --features wasm --lib"
cargo build --profile "$PROFILE" --target "$TARGET" --features wasm --lib
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
WASM="$TARGET_DIR/$TARGET/$PROFILE/leadscore.wasm"
[[ -f "$WASM" ]] || die "no $WASM after the build"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say "wasm-bindgen --target web and --target nodejs"
wasm-bindgen --target web --no-typescript --out-dir "$WORK/web" "$WASM"
wasm-bindgen --target nodejs --out-dir "$WORK/node" "$WASM"
# Both glues must drive the same module, so that one .wasm file serves both.
cmp -s "$WORK/web/leadscore_bg.wasm" "$WORK/node/leadscore_bg.wasm" \
    || die "wasm-bindgen wrote different modules for --target web and --target nodejs"

say "wasm-opt ${WASM_OPT_FLAGS[*]}"
"$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "${WASM_FEATURES[@]}" --strip-debug --strip-producers \
    -o "$WORK/leadscore_bg.wasm" "$WORK/web/leadscore_bg.wasm"

# --- assemble ---------------------------------------------------------------

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$WORK/leadscore_bg.wasm" "$OUT/leadscore_bg.wasm"
cp "$WORK/web/leadscore.js" "$OUT/leadscore.js"
cp "$WORK/node/leadscore.js" "$OUT/leadscore.cjs"
for f in index.js index.workerd.js index.node.js index.node.cjs common.js codec.js README.md; do
    cp "pkg-template/$f" "$OUT/$f"
done

CRATE_VERSION="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"

OUT="$OUT" WORK="$WORK" CRATE_VERSION="$CRATE_VERSION" node --input-type=module - <<'NODE'
import fs from 'node:fs';
const { OUT, WORK, CRATE_VERSION } = process.env;

// common.cjs and codec.cjs: the CommonJS twins of common.js and codec.js
// (top-level `export` dropped, `import { a } from './x.js'` made a require).
for (const name of ['common', 'codec']) {
    const src = fs.readFileSync(`pkg-template/${name}.js`, 'utf8');
    const names = [];
    const body = src
        .replace(/^export (class|function|const) (\w+)/gm, (_, kind, n) => {
            names.push(n);
            return `${kind} ${n}`;
        })
        .replace(/^import (\{[\w\s,]+\}) from '\.\/(\w+)\.js';$/gm, (_, what, file) => `const ${what} = require('./${file}.cjs');`);
    if (/^\s*(export|import)\b/m.test(body)) throw new Error(`pkg-template/${name}.js: only \`export class|function|const\` and \`import { … } from './x.js'\` are supported`);
    fs.writeFileSync(`${OUT}/${name}.cjs`, `'use strict';\n${body}\nmodule.exports = { ${names.join(', ')} };\n`);
}

// index.d.ts and index.d.cts: the generated classes and JSON types, then the extras.
const generated = fs.readFileSync(`${WORK}/node/leadscore.d.ts`, 'utf8');
const extra = fs.readFileSync('pkg-template/extra.d.ts', 'utf8');
const dts = `// Generated by scripts/build-pkg.sh from src/wasm.rs and pkg-template/extra.d.ts.\n${generated}${extra}`;
fs.writeFileSync(`${OUT}/index.d.ts`, dts);
fs.writeFileSync(`${OUT}/index.d.cts`, dts);

// package.json, at the crate's version.
const pkg = JSON.parse(fs.readFileSync('pkg-template/package.json', 'utf8'));
pkg.version = CRATE_VERSION;
fs.writeFileSync(`${OUT}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
for (const f of pkg.files) if (!fs.existsSync(`${OUT}/${f}`)) throw new Error(`package.json lists ${f}, which the build did not write`);
NODE

RAW=$(wc -c <"$OUT/leadscore_bg.wasm")
GZ=$(gzip -9 -c "$OUT/leadscore_bg.wasm" | wc -c)
say "pkg/ ready: leadscore_bg.wasm $RAW bytes, $GZ gzipped (before wasm-opt: $(wc -c <"$WORK/web/leadscore_bg.wasm")); scripts/sizes.sh for every file"
