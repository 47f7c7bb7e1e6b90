#!/usr/bin/env bash
# What each part of the npm package's API weighs in leadscore_bg.wasm: the built
# module with only some exports kept, optimized again (wasm-opt -Oz drops the code
# nothing kept reaches), raw and gzip -9. A measurement of where the bytes are, for
# docs/PERFORMANCE.md: none of these modules is shipped, and the ones without the
# rule-set compiler could not make an engine.
#
#   scripts/size-by-part.sh           # pkg/ (build it first: scripts/build-pkg.sh)
#   scripts/size-by-part.sh path/to/pkg
#   scripts/size-by-part.sh --without-serde
#
# --without-serde asks how much a value model and readers of leadscore's own could
# save at most: each part is measured twice from the module build-pkg.sh last built
# (target/wasm32-unknown-unknown/wasm-release, optimized again with its names kept),
# as it is and with every function of serde's data model emptied (serde and
# serde_json, the MessagePack reader and writer, the visitors and seeds of wire.rs
# and profile.rs, serde_json's number printing). Emptied means nothing in its place,
# so the difference is an upper bound. Neither is re-optimized with -Oz, which would
# inline the empty bodies and drop their callers' code as unreachable.
#
# Uses binaryen from tools/ (scripts/setup.sh installs it), with build-pkg.sh's flags.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WITHOUT_SERDE=
if [[ "${1:-}" == --without-serde ]]; then WITHOUT_SERDE=1; shift; fi
PKG="${1:-$ROOT/pkg}"
BIN="$ROOT/tools/node_modules/.bin"
[[ -f "$PKG/leadscore_bg.wasm" ]] || { echo "size-by-part: no $PKG/leadscore_bg.wasm: run scripts/build-pkg.sh" >&2; exit 1; }
[[ -x "$BIN/wasm-opt" ]] || { echo "size-by-part: no binaryen in tools/: run scripts/build-pkg.sh" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# WASM_FEATURES and WASM_OPT_FLAGS, as scripts/build-pkg.sh uses them.
source "$ROOT/scripts/wasm-opt-flags.sh"
if [[ -n "$WITHOUT_SERDE" ]]; then
    TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    [[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
    BUILT="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/leadscore.wasm"
    [[ -f "$BUILT" ]] || { echo "size-by-part: no $BUILT: run scripts/build-pkg.sh" >&2; exit 1; }
    wasm-bindgen --target web --no-typescript --out-dir "$WORK/bindgen" "$BUILT"
    "$BIN/wasm-opt" "${WASM_OPT_FLAGS[@]}" "${WASM_FEATURES[@]}" -g \
        "$WORK/bindgen/leadscore_bg.wasm" -o "$WORK/named.wasm"
    "$BIN/wasm-dis" "${WASM_FEATURES[@]}" "$WORK/named.wasm" -o "$WORK/all.wat"
else
    "$BIN/wasm-dis" "${WASM_FEATURES[@]}" "$PKG/leadscore_bg.wasm" -o "$WORK/all.wat"
fi

BIN="$BIN" WORK="$WORK" FEATURES="${WASM_FEATURES[*]}" OPT_FLAGS="${WASM_OPT_FLAGS[*]}" WITHOUT_SERDE="$WITHOUT_SERDE" node --input-type=module - <<'NODE'
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';

const { BIN, WORK, FEATURES, OPT_FLAGS, WITHOUT_SERDE } = process.env;
const features = FEATURES.split(' ');
const wat = fs.readFileSync(`${WORK}/all.wat`, 'utf8');

// Exports every part keeps: memory, the allocator and the glue's own.
const GLUE = /^(memory|__wbg_\w+_free|__wbindgen_\w+|__externref_\w+|__abort_handler|__instance_terminated)$/;
const SESSION_PAGE = ['session_create', 'session_id', 'session_leadId', 'session_identify', 'session_updateProfile', 'session_watch',
    'session_unwatch', 'session_watching', 'session_track', 'session_evaluate', 'session_qualify', 'session_stage', 'inputRoom', 'canHold', 'moduleMemory'];
const SAVED = ['session_save', 'session_restore', 'session_restoreBytes'];
const parts = [
    ['the whole API', null],
    ['all but the rule-set compiler (Engine.compile)', (e) => !/^engine_compile$/.test(e)],
    ['a page: the compiler and sessions with saved state (no batch calls, no LeadSet)', (e) => /^engine_(compile|id|version|description)$/.test(e) || [...SESSION_PAGE, ...SAVED].includes(e)],
    ['sessions on a page: track, evaluate, save, restore (no compiler)', (e) => [...SESSION_PAGE, ...SAVED].includes(e)],
    ['sessions without saved state (no compiler)', (e) => SESSION_PAGE.includes(e)],
    ['engine.qualify and qualifyMany only (no compiler)', (e) => /^engine_qualify(Many)?$/.test(e)],
    ['the rule-set compiler only (Engine.compile)', (e) => /^engine_(compile|id|version|description)$/.test(e)],
];

const size = (file) => {
    const bytes = fs.readFileSync(file);
    return [bytes.length, gzipSync(bytes, { level: 9 }).length];
};
const fmt = (n) => n.toLocaleString('en-US');
// Kept exports only, and what they reach: -Oz for the parts as shipped, only the
// removal of what nothing reaches when a body was emptied.
function measure(text, passes) {
    fs.writeFileSync(`${WORK}/part.wat`, text);
    execFileSync(`${BIN}/wasm-as`, [...features, `${WORK}/part.wat`, '-o', `${WORK}/part.in.wasm`]);
    execFileSync(`${BIN}/wasm-opt`, [...passes, ...features, '--strip-debug', `${WORK}/part.in.wasm`, '-o', `${WORK}/part.wasm`]);
    return size(`${WORK}/part.wasm`);
}
const keepOnly = (keep) => wat.replace(/^ \(export "(\w+)" .*\n/gm, (line, e) => (GLUE.test(e) || !keep || keep(e) ? line : ''));

// Serde's data model: serde itself, serde_json's reader, writer and number
// printing (zmij, itoa), src/msgpack.rs, and the visitors and seeds that
// src/wire.rs and src/profile.rs give it. serde_json's Value stays: the rule sets
// are read into it, and a value type of leadscore's own would take its place.
const SERDE = /serde|msgpack|Visitor|Seed|Deserializ|Serializ|zmij|itoa|leadscore::wire::/;
function withoutSerde(text) {
    const lines = text.split('\n');
    const out = [];
    let emptied = 0;
    for (let i = 0; i < lines.length; i++) {
        const head = /^ \(func \$("(?:[^"\\]|\\.)*"|\S+)/.exec(lines[i]);
        if (!head || !SERDE.test(head[1])) {
            out.push(lines[i]);
            continue;
        }
        // A function runs to the next line at the module's own level.
        let end = i + 1;
        while (end < lines.length && !lines[end].startsWith(' (')) end++;
        out.push(lines[i], '  (unreachable)', ' )');
        emptied++;
        i = end - 1;
    }
    return { text: out.join('\n'), emptied };
}

if (!WITHOUT_SERDE) {
    console.log('| part of the API kept | raw bytes | gzip -9 bytes |');
    console.log('|---|---|---|');
    for (const [name, keep] of parts) {
        const [raw, gz] = measure(keepOnly(keep), OPT_FLAGS.split(' '));
        console.log(`| ${name} | ${fmt(raw)} | ${fmt(gz)} |`);
    }
} else {
    const prune = ['--remove-unused-module-elements'];
    const rows = parts.map(([name, keep]) => {
        const kept = keepOnly(keep);
        const [, gz] = measure(kept, prune);
        const { text, emptied } = withoutSerde(kept);
        const [, gzWithout] = measure(text, prune);
        return { name, gz, gzWithout, emptied };
    });
    // The first part is the whole API: its count is the whole module's.
    console.log(`${rows[0].emptied} functions of serde's data model emptied in the whole module`);
    console.log('| part of the API kept | gzip -9 bytes | without serde\'s code | saved at most |');
    console.log('|---|---|---|---|');
    for (const { name, gz, gzWithout } of rows) console.log(`| ${name} | ${fmt(gz)} | ${fmt(gzWithout)} | ${fmt(gz - gzWithout)} |`);
}
NODE
