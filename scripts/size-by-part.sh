#!/usr/bin/env bash
# What each part of the npm package's API weighs in leadscore_bg.wasm: the built
# module with only some exports kept, optimized again (wasm-opt -Oz drops the code
# nothing kept reaches), raw and gzip -9. A measurement of where the bytes are, for
# BENCHMARKS.md: none of these modules is shipped, and the ones without the
# rule-set compiler could not make an engine.
#
#   scripts/size-by-part.sh           # pkg/ (build it first: scripts/build-pkg.sh)
#   scripts/size-by-part.sh path/to/pkg
#
# Uses binaryen from .tools/ (scripts/build-pkg.sh installs it), with build-pkg.sh's flags.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${1:-$ROOT/pkg}"
BIN="$ROOT/.tools/node_modules/.bin"
[[ -f "$PKG/leadscore_bg.wasm" ]] || { echo "size-by-part: no $PKG/leadscore_bg.wasm: run scripts/build-pkg.sh" >&2; exit 1; }
[[ -x "$BIN/wasm-opt" ]] || { echo "size-by-part: no binaryen in .tools: run scripts/build-pkg.sh" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The features the package's module uses (as in scripts/build-pkg.sh).
FEATURES=(--enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int
    --enable-sign-ext --enable-reference-types --enable-multivalue)
"$BIN/wasm-dis" "${FEATURES[@]}" "$PKG/leadscore_bg.wasm" -o "$WORK/all.wat"

BIN="$BIN" WORK="$WORK" FEATURES="${FEATURES[*]}" node --input-type=module - <<'NODE'
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';

const { BIN, WORK, FEATURES } = process.env;
const features = FEATURES.split(' ');
const wat = fs.readFileSync(`${WORK}/all.wat`, 'utf8');

// Exports every part keeps: memory, the allocator and the glue's own.
const GLUE = /^(memory|__wbg_\w+_free|__wbindgen_\w+|__externref_\w+|__abort_handler|__instance_terminated)$/;
const SESSION_PAGE = ['session_new', 'session_id', 'session_leadId', 'session_identify', 'session_updateProfile', 'session_watch',
    'session_unwatch', 'session_track', 'session___takeTransitions', 'session_evaluate', 'session_qualify', 'session_stage'];
const SAVED = ['session_save', 'session_saveBytes', 'session_restore', 'session_restoreBytes'];
const parts = [
    ['the whole API', null],
    ['all but the rule-set compiler (new Engine, Engine.fromJson)', (e) => !/^engine_(new|fromJson)$/.test(e)],
    ['sessions on a page: track, evaluate, save, restore (no compiler)', (e) => [...SESSION_PAGE, ...SAVED].includes(e)],
    ['sessions without saved state (no compiler)', (e) => SESSION_PAGE.includes(e)],
    ['engine.qualify and qualifyMany only (no compiler)', (e) => /^engine_qualify(Many)?$/.test(e)],
    ['the rule-set compiler only (new Engine, Engine.fromJson)', (e) => /^engine_(new|fromJson|id|version|description)$/.test(e)],
];

console.log('| part of the API kept | raw bytes | gzip -9 bytes |');
console.log('|---|---|---|');
for (const [name, keep] of parts) {
    const kept = wat.replace(/^ \(export "(\w+)" .*\n/gm, (line, e) => (GLUE.test(e) || !keep || keep(e) ? line : ''));
    fs.writeFileSync(`${WORK}/part.wat`, kept);
    execFileSync(`${BIN}/wasm-as`, [...features, `${WORK}/part.wat`, '-o', `${WORK}/part.in.wasm`]);
    execFileSync(`${BIN}/wasm-opt`, ['-Oz', '--one-caller-inline-max-function-size=20', '--low-memory-unused', ...features, `${WORK}/part.in.wasm`, '-o', `${WORK}/part.wasm`]);
    const bytes = fs.readFileSync(`${WORK}/part.wasm`);
    console.log(`| ${name} | ${bytes.length.toLocaleString('en-US')} | ${gzipSync(bytes, { level: 9 }).length.toLocaleString('en-US')} |`);
}
NODE
