#!/usr/bin/env bash
# Builds the npm package into pkg/ (git-ignored): one package for browsers and
# bundlers, Node.js (import and require) and Cloudflare Workers (workerd).
#
#   scripts/build-pkg.sh            # Cargo profiles wasm-release and wasm-page, wasm-opt -Oz
#
# Installs what it lacks (scripts/setup.sh): the wasm32-unknown-unknown target,
# wasm-bindgen-cli at the version Cargo.lock holds for the wasm-bindgen crate, and
# the build tools of tools/package.json. Honours CARGO_TARGET_DIR.
#
# pkg/ holds:
#   leadscore_bg.wasm   the module, optimized with wasm-opt -Oz (one file for all)
#   leadscore.js        wasm-bindgen --target web glue (ESM), for every runtime
#   api.js, errors.js,  the package's classes, errors and MessagePack codec, from
#   codec.js            pkg-template/
#   index.js, index.workerd.js, index.node.js
#                       the entry points for browsers and bundlers, workerd, and
#                       Node.js import, from pkg-template/
#   index.node.cjs      Node.js require: pkg-template/node.js bundled by esbuild
#   index.d.ts/.d.cts   the types, pkg-template/index.d.ts
#   ruleset.schema.json the rule set's JSON Schema, docs/ruleset.schema.json
#   leadscore_page_bg.wasm
#                       the page module: built without the rule-set compiler and
#                       the batch calls (features: wasm only), for size
#   page.js, page.d.ts  leadscore/page: pkg-template/page.js, api.js, codec.js,
#                       errors.js and the page module's glue bundled by esbuild
#                       into one ES module, and its types
#   tracker.js, tracker-core.js, tracker.d.ts
#                       `leadscore/tracker`: the tracker's critical path, its lazy
#                       core and their types, from pkg-template/
#   tracker.min.js      the prebuilt tracker (a classic script): tracker-snippet.js
#                       and tracker.js bundled and minified by esbuild; at most
#                       5 KiB gzip (TRACKER_BUDGET), or the build fails
#   tracker-full.min.js index.js bundled and minified: the engine tracker-core.min.js
#                       loads for a JSON rule set (page.js for a compiled one)
#   tracker-core.min.js what tracker.min.js loads when the page is idle: the core
#                       alone, minified; it imports the engine beside it
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
say "cargo build --profile $PROFILE --target $TARGET --features wasm,batch --lib"
cargo build --profile "$PROFILE" --target "$TARGET" --features wasm,batch --lib
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
WASM="$TARGET_DIR/$TARGET/$PROFILE/leadscore.wasm"
[[ -f "$WASM" ]] || die "no $WASM after the build"
# The page module: sessions and compiled rule sets only (Cargo.toml, features), in a
# profile of its own (and so a directory of its own: the two builds keep their caches).
PAGE_PROFILE=wasm-page
say "cargo build --profile $PAGE_PROFILE --target $TARGET --no-default-features --features wasm --lib"
cargo build --profile "$PAGE_PROFILE" --target "$TARGET" --no-default-features --features wasm --lib
PAGE_WASM="$TARGET_DIR/$TARGET/$PAGE_PROFILE/leadscore.wasm"
[[ -f "$PAGE_WASM" ]] || die "no $PAGE_WASM after the build"
# The backtest module (leadscore/backtest, docs/BACKTEST.md): the full module and
# histories, backtests and learning, in a profile of its own. Kept apart so that
# the full module does not carry them (they doubled its size).
BACKTEST_PROFILE=wasm-backtest
say "cargo build --profile $BACKTEST_PROFILE --target $TARGET --features wasm,batch,backtest --lib"
cargo build --profile "$BACKTEST_PROFILE" --target "$TARGET" --features wasm,batch,backtest --lib
BACKTEST_WASM="$TARGET_DIR/$TARGET/$BACKTEST_PROFILE/leadscore.wasm"
[[ -f "$BACKTEST_WASM" ]] || die "no $BACKTEST_WASM after the build"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

say "wasm-bindgen --target web"
# One glue for every runtime: the entries initialize it their own way (fetch in
# browsers, the bytes read from disk in Node.js, the compiled module in workerd).
# --experimental-reset-state-function gives the glue __wbg_reset_state, which the
# package calls should the module ever trap (pkg-template/api.js, `guard`).
wasm-bindgen --target web --no-typescript --experimental-reset-state-function --out-dir "$WORK/web" "$WASM"

wasm-bindgen --target web --no-typescript --experimental-reset-state-function --out-name leadscore_page \
    --out-dir "$WORK/page" "$PAGE_WASM"

wasm-bindgen --target web --no-typescript --experimental-reset-state-function --out-name leadscore_backtest \
    --out-dir "$WORK/backtest" "$BACKTEST_WASM"

say "wasm-opt ${WASM_OPT_FLAGS[*]}"
"$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "${WASM_FEATURES[@]}" --strip-debug --strip-producers \
    -o "$WORK/leadscore_bg.wasm" "$WORK/web/leadscore_bg.wasm"
"$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "${WASM_FEATURES[@]}" --strip-debug --strip-producers \
    -o "$WORK/leadscore_page_bg.wasm" "$WORK/page/leadscore_page_bg.wasm"
"$WASM_OPT" "${WASM_OPT_FLAGS[@]}" "${WASM_FEATURES[@]}" --strip-debug --strip-producers \
    -o "$WORK/leadscore_backtest_bg.wasm" "$WORK/backtest/leadscore_backtest_bg.wasm"

# --- assemble ---------------------------------------------------------------

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$WORK/leadscore_bg.wasm" "$OUT/leadscore_bg.wasm"
cp "$WORK/leadscore_page_bg.wasm" "$OUT/leadscore_page_bg.wasm"
cp "$WORK/leadscore_backtest_bg.wasm" "$OUT/leadscore_backtest_bg.wasm"
cp "$WORK/web/leadscore.js" "$OUT/leadscore.js"
for f in index.js index.workerd.js index.node.js api.js codec.js errors.js index.d.ts page.d.ts backtest.d.ts README.md \
    tracker.js tracker-core.js tracker.d.ts; do
    cp "pkg-template/$f" "$OUT/$f"
done

# page.js: the page entry and the modules it uses, over the page module's glue (as
# ./leadscore.js, the name api.js imports), in one ES module: one request for all of
# its JavaScript. Minified, as what a page fetches is what the page budget counts
# (docs/PERFORMANCE.md); what it does is pkg-template/page.js and api.js.
# Its first line, `//# allFunctionsCalledOnLoad` (V8's explicit compile hints), has
# Chromium compile all its functions when it loads, before the module's bytes are in,
# rather than each on its first call on the way to the first score
# (docs/decisions/0021-the-engines-first-calls-spread-and-compiled-ahead.md).
say "esbuild page.js (the page module's glue and the package's classes, one module)"
mkdir -p "$WORK/page-src"
cp pkg-template/page.js pkg-template/api.js pkg-template/codec.js pkg-template/errors.js "$WORK/page-src/"
cp "$WORK/page/leadscore_page.js" "$WORK/page-src/leadscore.js"
"$TOOLS_BIN/esbuild" "$WORK/page-src/page.js" --bundle --format=esm --platform=browser --minify \
    --legal-comments=none --log-level=warning --banner:js='//# allFunctionsCalledOnLoad' --outfile="$OUT/page.js"
# backtest.js: the backtest entry, bundled the same way over the backtest module's glue.
say "esbuild backtest.js (the backtest module's glue and the package's classes, one module)"
mkdir -p "$WORK/backtest-src"
cp pkg-template/backtest.js pkg-template/api.js pkg-template/codec.js pkg-template/errors.js "$WORK/backtest-src/"
cp "$WORK/backtest/leadscore_backtest.js" "$WORK/backtest-src/leadscore.js"
"$TOOLS_BIN/esbuild" "$WORK/backtest-src/backtest.js" --bundle --format=esm --platform=neutral \
    --legal-comments=none --log-level=warning --outfile="$OUT/backtest.js"
cp pkg-template/index.d.ts "$OUT/index.d.cts"
# The references the package README links to, so that they are where the package is.
mkdir -p "$OUT/docs"
cp docs/RULESET.md docs/SECURITY.md docs/SIGNALS.md "$OUT/docs/"
cp docs/ruleset.schema.json "$OUT/ruleset.schema.json"

# index.node.cjs: node.js and the modules it imports, bundled by esbuild into one
# CommonJS file (import.meta.url is the file's own URL there too).
say "esbuild node.js -> index.node.cjs"
cp pkg-template/node.js "$OUT/node.js"
"$TOOLS_BIN/esbuild" "$OUT/node.js" --bundle --platform=node --format=cjs --target=node$(node_min_major) \
    --log-level=warning --outfile="$OUT/index.node.cjs" \
    --define:import.meta.url=__leadscore_file_url \
    --banner:js="const __leadscore_file_url = require('node:url').pathToFileURL(__filename).href;"
rm "$OUT/node.js"

# The prebuilt tracker: tracker.min.js, the critical path, imports the core as
# ./tracker-core.min.js (beside itself) instead of ./tracker-core.js.
say "esbuild tracker-snippet.js -> tracker.min.js, tracker-core.js -> tracker-core.min.js"
TRACKER_BUDGET=5120
OUT="$OUT" TRACKER_BUDGET="$TRACKER_BUDGET" ESBUILD="$ROOT/tools/node_modules/esbuild/lib/main.js" \
    node --input-type=module - <<'NODE'
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
const { OUT, TRACKER_BUDGET, ESBUILD } = process.env;
const esbuild = (await import(ESBUILD)).default;
const common = { bundle: true, minify: true, platform: 'browser', target: 'es2020', logLevel: 'warning', legalComments: 'none' };
const coreBeside = {
    name: 'core-beside',
    setup(b) {
        b.onResolve({ filter: /^\.\/tracker-core\.js$/ }, () => ({ path: './tracker-core.min.js', external: true }));
    },
};
await esbuild.build({ ...common, entryPoints: ['pkg-template/tracker-snippet.js'], format: 'iife', plugins: [coreBeside], outfile: `${OUT}/tracker.min.js` });
// The core loads the engine its rule set needs, from beside itself: page.js (already
// one module) for a compiled rule set, tracker-full.min.js (index.js bundled: the full
// package, which compiles JSON) for a JSON one. Neither is in the core, so a page
// fetches only the engine it uses.
const enginesBeside = {
    name: 'engines-beside',
    setup(b) {
        b.onResolve({ filter: /^\.\/page\.js$/ }, () => ({ path: './page.js', external: true }));
        b.onResolve({ filter: /^\.\/index\.js$/ }, (a) =>
            a.kind === 'dynamic-import' ? { path: './tracker-full.min.js', external: true } : undefined,
        );
    },
};
await esbuild.build({ ...common, entryPoints: [`${OUT}/tracker-core.js`], format: 'esm', plugins: [enginesBeside], outfile: `${OUT}/tracker-core.min.js` });
await esbuild.build({ ...common, entryPoints: [`${OUT}/index.js`], format: 'esm', outfile: `${OUT}/tracker-full.min.js` });
// What a bundler puts on the page's critical path from `leadscore/tracker`: tracker.js, the core split off.
const esm = await esbuild.build({ ...common, entryPoints: [`${OUT}/tracker.js`], format: 'esm', write: false, external: ['./tracker-core.js'] });
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const min = fs.readFileSync(`${OUT}/tracker.min.js`);
const sizes = {
    'tracker.min.js': gz(min),
    'tracker.js bundled + minified': gz(esm.outputFiles[0].contents),
    'tracker-core.min.js (lazy)': gz(fs.readFileSync(`${OUT}/tracker-core.min.js`)),
    'tracker-full.min.js (lazy, JSON rule sets)': gz(fs.readFileSync(`${OUT}/tracker-full.min.js`)),
};
for (const [name, n] of Object.entries(sizes)) console.error(`build-pkg: ${name}: ${n} bytes gzip -9`);
const worst = Math.max(sizes['tracker.min.js'], sizes['tracker.js bundled + minified']);
if (worst > Number(TRACKER_BUDGET)) {
    console.error(`build-pkg: error: the tracker's critical path is ${worst} bytes gzip, over its budget of ${TRACKER_BUDGET}`);
    process.exit(1);
}
NODE

CRATE_VERSION="$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)"

OUT="$OUT" CRATE_VERSION="$CRATE_VERSION" node --input-type=module - <<'NODE'
import fs from 'node:fs';
const { OUT, CRATE_VERSION } = process.env;

// package.json, at the crate's version.
const pkg = JSON.parse(fs.readFileSync('pkg-template/package.json', 'utf8'));
pkg.version = CRATE_VERSION;
fs.writeFileSync(`${OUT}/package.json`, JSON.stringify(pkg, null, 2) + '\n');
const listed = new Set(pkg.files);
for (const f of pkg.files) if (!fs.existsSync(`${OUT}/${f}`)) throw new Error(`package.json lists ${f}, which the build did not write`);
const written = fs.readdirSync(OUT, { recursive: true }).filter((f) => fs.statSync(`${OUT}/${f}`).isFile());
for (const f of written) if (f !== 'package.json' && !listed.has(f)) throw new Error(`the build wrote ${f}, which package.json does not list`);
NODE

RAW=$(wc -c <"$OUT/leadscore_bg.wasm")
GZ=$(gzip -9 -c "$OUT/leadscore_bg.wasm" | wc -c)
PAGE_RAW=$(wc -c <"$OUT/leadscore_page_bg.wasm")
PAGE_GZ=$(gzip -9 -c "$OUT/leadscore_page_bg.wasm" | wc -c)
say "pkg/ ready: leadscore_bg.wasm $RAW bytes, $GZ gzipped (before wasm-opt: $(wc -c <"$WORK/web/leadscore_bg.wasm")); leadscore_page_bg.wasm $PAGE_RAW bytes, $PAGE_GZ gzipped; scripts/sizes.sh for every file"
