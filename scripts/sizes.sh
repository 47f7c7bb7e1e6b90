#!/usr/bin/env bash
# Download sizes of the npm package: raw, gzip -9 and brotli (quality 11) of the
# WebAssembly module and of the JavaScript glue, per file and per entry point (what a
# browser, Node.js or workerd loads), against the budgets of the npm package issue.
#
#   scripts/sizes.sh                # sizes of pkg/ (build it first: scripts/build-pkg.sh)
#   scripts/sizes.sh --check        # also exit 1 when a budget is exceeded
#   scripts/sizes.sh path/to/pkg    # another build of the package
#
# Needs only Node.js (its zlib does gzip and brotli). When tests/js has esbuild
# installed (scripts/test-js.sh installs it), the browser entry is also bundled and
# minified with it, which is what a bundler puts in a page.
#
# Budgets: leadscore_bg.wasm at most 80 KiB gzip (aim: 40 KiB); the JavaScript a
# browser loads at most 10 KiB gzip; what a landing page fetches to score with
# leadscore/page (page.js, leadscore_page_bg.wasm, the prebuilt tracker: tracker.min.js
# and tracker-core.min.js, and the b2b-saas example compiled ahead), each file compressed on its own, at
# most 80 KB (80,000 bytes) gzip, aim 56 KB.
# browser loads at most 10 KiB gzip; the tracker's critical path (tracker.min.js) at
# most 5 KiB gzip, which scripts/build-pkg.sh also enforces.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHECK=0
PKG="$ROOT/pkg"
for arg in "$@"; do
    case "$arg" in
        --check) CHECK=1 ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) PKG="$(cd "$arg" && pwd)" ;;
    esac
done

command -v node >/dev/null || { echo "sizes: node is not installed" >&2; exit 1; }
[[ -f "$PKG/leadscore_bg.wasm" ]] || { echo "sizes: no $PKG/leadscore_bg.wasm: run scripts/build-pkg.sh" >&2; exit 1; }

PKG="$PKG" CHECK="$CHECK" ESBUILD_DIR="$ROOT/tests/js/node_modules" EXAMPLES="$ROOT/examples" node --input-type=module - <<'NODE'
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { gzipSync, brotliCompressSync, constants as Z } from 'node:zlib';

const { PKG, CHECK, ESBUILD_DIR, EXAMPLES } = process.env;
const sizes = (buf) => ({
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [Z.BROTLI_PARAM_QUALITY]: 11, [Z.BROTLI_PARAM_SIZE_HINT]: buf.length } }).length,
});
const kib = (b) => (b / 1024).toFixed(1);
const kb = (b) => (b / 1000).toFixed(1);
const row = (name, s) => console.log(`| ${name} | ${s.raw.toLocaleString('en-US')} | ${kib(s.raw)} | ${s.gzip.toLocaleString('en-US')} | ${kib(s.gzip)} | ${s.brotli.toLocaleString('en-US')} | ${kib(s.brotli)} |`);
const read = (f) => fs.readFileSync(path.join(PKG, f));
const sum = (list) => list.reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, brotli: a.brotli + s.brotli }), { raw: 0, gzip: 0, brotli: 0 });

let version = '?';
try { version = JSON.parse(read('package.json')).version; } catch {}
console.log(`leadscore ${version}, ${PKG}`);
console.log('');
console.log('| file | raw bytes | raw KiB | gzip -9 bytes | gzip KiB | brotli q11 bytes | brotli KiB |');
console.log('|---|---|---|---|---|---|---|');

const files = fs.readdirSync(PKG).filter((f) => /\.(wasm|js|cjs)$/.test(f)).sort((a, b) => (a.endsWith('.wasm') ? -1 : b.endsWith('.wasm') ? 1 : a.localeCompare(b)));
const of = {};
for (const f of files) {
    of[f] = sizes(read(f));
    row(f, of[f]);
}

// What each entry point loads (each file compressed on its own, as a server sends it).
const entries = {
    'browser JS (index.js + api.js + errors.js + codec.js + leadscore.js)': ['index.js', 'api.js', 'errors.js', 'codec.js', 'leadscore.js'],
    'Node.js JS (index.node.js + index.node.cjs)': ['index.node.js', 'index.node.cjs'],
    'workerd JS (index.workerd.js + api.js + errors.js + codec.js + leadscore.js)': ['index.workerd.js', 'api.js', 'errors.js', 'codec.js', 'leadscore.js'],
};
console.log('');
console.log('| entry point: JavaScript glue | raw bytes | raw KiB | gzip -9 bytes | gzip KiB | brotli q11 bytes | brotli KiB |');
console.log('|---|---|---|---|---|---|---|');
const totals = {};
for (const [name, list] of Object.entries(entries)) {
    if (!list.every((f) => of[f])) continue;
    totals[name] = sum(list.map((f) => of[f]));
    row(name, totals[name]);
}

// The browser entry as a bundler ships it: one minified ESM file (the .wasm stays a separate asset).
let bundled = null;
try {
    const esbuild = createRequire(path.join(ESBUILD_DIR, 'x.js'))('esbuild');
    const out = esbuild.buildSync({
        entryPoints: [path.join(PKG, 'index.js')], bundle: true, minify: true, format: 'esm', platform: 'browser',
        write: false, logLevel: 'silent', external: ['*.wasm'],
    });
    bundled = sizes(Buffer.from(out.outputFiles[0].contents));
    row(`browser JS bundled + minified (esbuild ${esbuild.version})`, bundled);
} catch {
    console.log('(esbuild not installed in tests/js: no minified bundle; scripts/test-js.sh installs it)');
}

// A landing page with leadscore/page: page.js (the page module's glue and the
// package's classes, minified), the page module, the tracker when there is one, and
// a rule set compiled ahead (each example's, by the package's compileRuleSet).
let pageTotal = null;
if (of['page.js'] && of['leadscore_page_bg.wasm']) {
    console.log('');
    console.log('| a page with leadscore/page: what it fetches to score | raw bytes | raw KiB | gzip -9 bytes | gzip KiB | brotli q11 bytes | brotli KiB |');
    console.log('|---|---|---|---|---|---|---|');
    const { compileRuleSet } = await import(path.join(PKG, 'index.node.js'));
    const compiled = {};
    for (const name of fs.readdirSync(EXAMPLES).sort()) {
        const file = path.join(EXAMPLES, name, 'ruleset.json');
        if (!fs.existsSync(file)) continue;
        compiled[name] = sizes(Buffer.from(compileRuleSet(fs.readFileSync(file, 'utf8'))));
        row(`examples/${name} compiled (.lsc)`, compiled[name]);
    }
    // The prebuilt tracker as a page loads it with a compiled rule set: its critical
    // path and its core (the core then imports page.js; tracker-full.min.js is for
    // JSON rule sets, tracker.js and tracker-core.js are for bundlers).
    const tracker = ['tracker.min.js', 'tracker-core.min.js'].filter((f) => files.includes(f));
    const parts = ['page.js', 'leadscore_page_bg.wasm', ...tracker].map((f) => of[f]);
    if (compiled['b2b-saas']) parts.push(compiled['b2b-saas']);
    pageTotal = sum(parts);
    row(`page.js + leadscore_page_bg.wasm${tracker.length ? ` + ${tracker.join(' + ')}` : ' (no tracker in the package yet)'} + b2b-saas compiled`, pageTotal);
}

const wasm = of['leadscore_bg.wasm'];
const browserJs = bundled ?? totals['browser JS (index.js + api.js + errors.js + codec.js + leadscore.js)'];
const budgets = [
    ['leadscore_bg.wasm gzip', wasm.gzip, 80 * 1024, 40 * 1024],
    [`browser JS gzip${bundled ? ' (bundled, minified)' : ''}`, browserJs.gzip, 10 * 1024, null],
];
if (pageTotal) budgets.push(['a page with leadscore/page, gzip', pageTotal.gzip, 80_000, 56_000]);
if (of['tracker.min.js']) budgets.push(['tracker.min.js gzip (the tracker\'s critical path)', of['tracker.min.js'].gzip, 5 * 1024, null]);
console.log('');
let over = false;
for (const [name, value, limit, aim] of budgets) {
    const ok = value <= limit;
    over ||= !ok;
    // The page budget is in KB (1,000 bytes), the others in KiB.
    const [unit, f] = limit % 1000 === 0 ? ['KB', kb] : ['KiB', kib];
    console.log(`${ok ? 'within' : 'OVER  '} budget: ${name} ${f(value)} ${unit}, budget ${f(limit)} ${unit}${aim ? `, aim ${f(aim)} ${unit}${value <= aim ? ' (met)' : ''}` : ''}`);
}
if (CHECK === '1' && over) process.exit(1);
NODE
