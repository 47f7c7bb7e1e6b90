// How soon the engine of a landing page is ready once its bytes have arrived, in
// headless Chromium: the page fetches the module and the rule set first, then times
// from the bytes in hand to the first evaluation done (the module compiled and
// instantiated by init(bytes), the rule set loaded, a session made, an event tracked
// and evaluated). For the page module (leadscore/page: page.js, the b2b-saas example
// compiled ahead) and, beside it, the full package's browser entry (the same compiled
// rule set, and the rule set's JSON compiled on the page). Each load is a fresh
// browser profile; medians of --n loads (default 11) per build, builds taking turns.
// Not a test: docs/PERFORMANCE.md keeps its figures against the budget (5 ms).
//
//   node benches/page-ready.mjs [--n 11] [pkg dir …]
//
// Needs the package built (scripts/build-pkg.sh) and Chromium: CHROME_BIN, else
// chromium on PATH (Debian: apt-get install chromium).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fileIn, findChromium, runPage } from '../tests/js/helpers.mjs';

const args = process.argv.slice(2);
const flags = new Map();
const dirs = [];
for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) flags.set(args[i], args[++i]);
    else dirs.push(path.resolve(args[i]));
}
const HERE = path.dirname(fileURLToPath(import.meta.url));
const N = Number(flags.get('--n') ?? 11);
const PKGS = dirs.length ? dirs : [path.resolve(HERE, '../pkg')];
const RULES = fs.readFileSync(path.join(HERE, '../examples/b2b-saas/ruleset.json'), 'utf8');

const chromium = findChromium();
if (!chromium) {
    console.log('page ready: skipped (no Chromium: apt-get install chromium, or set CHROME_BIN)');
    process.exit(0);
}

/** The page: `entry` (a path under /pkg/), its module, the rule set as `rules` ('lsc' or 'json'). */
const page = (entry, wasm, rules) => `<!doctype html><meta charset="utf-8">
<script type="module">
const leadscore = await import('/pkg/${entry}');
const [module, ruleSet] = await Promise.all([
    fetch('/pkg/${wasm}').then((r) => r.arrayBuffer()),
    ${rules === 'lsc' ? "fetch('/rules.lsc').then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b))" : "fetch('/rules.json').then((r) => r.text())"},
]);
const t0 = performance.now();
await leadscore.init(module);
const t1 = performance.now();
const engine = ${rules === 'lsc' ? 'leadscore.Engine.fromCompiled(ruleSet)' : 'new leadscore.Engine(ruleSet)'};
const t2 = performance.now();
const s = new leadscore.Session('visitor');
s.watch(engine);
s.track({ type: 'page_view', ts: Date.now() - 1000, url: '/pricing' }, Date.now());
const q = s.evaluate(engine, Date.now());
const t3 = performance.now();
await fetch('/result', { method: 'POST', body: JSON.stringify({ init: t1 - t0, load: t2 - t1, first: t3 - t2, ready: t3 - t0, total: q.result.total }) });
</script>`;

async function load(pkg, html, compiled) {
    const route = (url) => {
        if (url.pathname === '/') return { type: 'text/html', body: html };
        if (url.pathname === '/rules.lsc') return { type: 'application/octet-stream', body: compiled };
        if (url.pathname === '/rules.json') return { type: 'application/json', body: RULES };
        return url.pathname.startsWith('/pkg/') ? fileIn(pkg, url.pathname) : null;
    };
    const {
        results: [t],
    } = await runPage(chromium, route, { timeoutMs: 60_000 });
    return t;
}

const runs = [];
for (const pkg of PKGS) {
    const full = await import(pathToFileURL(path.join(pkg, 'index.node.js')).href);
    const compiled = Buffer.from(full.compileRuleSet(RULES));
    const rel = path.relative(path.resolve(HERE, '..'), pkg);
    const name = rel.startsWith('..') ? pkg : rel;
    runs.push(
        { name, what: 'page module, rule set compiled ahead', html: page('page.js', 'leadscore_page_bg.wasm', 'lsc') },
        { name, what: 'full module, rule set compiled ahead', html: page('index.js', 'leadscore_bg.wasm', 'lsc') },
        { name, what: 'full module, rule set JSON compiled', html: page('index.js', 'leadscore_bg.wasm', 'json') },
    );
    for (const run of runs.slice(-3)) Object.assign(run, { pkg, compiled, times: [] });
}
for (let i = 0; i < N; i++) for (const run of runs) run.times.push(await load(run.pkg, run.html, run.compiled));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
    `headless Chromium, ${N} fresh loads each, medians in ms from the bytes in hand; load ${os.loadavg()[0].toFixed(2)}`,
);
console.log('| package | engine | init(bytes) | rule set loaded | first track + evaluate | ready |');
console.log('|---|---|---|---|---|---|');
for (const run of runs) {
    const col = (k) => median(run.times.map((t) => t[k])).toFixed(2);
    console.log(`| ${run.name} | ${run.what} | ${col('init')} | ${col('load')} | ${col('first')} | ${col('ready')} |`);
}
