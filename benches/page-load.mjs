// A page's first score in headless Chromium, over a network that takes --delay ms
// (default 50) to deliver each file: the page imports the package's browser entry as
// it ships (no bundler), awaits init(), compiles the peers' rule set and qualifies a
// lead. Each load is a fresh browser profile and nothing is cached. Timed from the
// page's navigation start, medians of --n loads (default 7), for each package
// directory given (default pkg/) with and without the preloads the package README
// shows ("On a page without a bundler").
//
//   node benches/page-load.mjs [--delay 50] [--n 7] [pkg dir …]
//
// Chromium: CHROME_BIN, else chromium on PATH (Debian: apt-get install chromium).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileIn, findChromium, readmePageHead, runPage } from '../tests/js/helpers.mjs';

const args = process.argv.slice(2);
const flags = new Map();
const dirs = [];
for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) flags.set(args[i], args[++i]);
    else dirs.push(path.resolve(args[i]));
}
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DELAY = Number(flags.get('--delay') ?? 50);
const N = Number(flags.get('--n') ?? 7);
const PKGS = dirs.length ? dirs : [path.resolve(HERE, '../pkg')];
const RULES = fs.readFileSync(path.join(HERE, 'peers/ruleset.json'), 'utf8');

const chromium = findChromium();
if (!chromium) {
    console.log('page load: skipped (no Chromium: apt-get install chromium, or set CHROME_BIN)');
    process.exit(0);
}

// The README's preloads (its page's <link> lines): every module of the browser
// entry, and the WebAssembly. The page's own script below does the importing.
const PRELOADS = readmePageHead('/pkg/')
    .split('\n')
    .filter((line) => line.startsWith('<link'))
    .join('\n');

const page = (head) => `<!doctype html><meta charset="utf-8">${head}
<script type="module">
const { init, Engine } = await import('/pkg/index.js');
const imported = performance.now();
await init();
const ready = performance.now();
const engine = new Engine(${JSON.stringify(RULES)});
const q = engine.qualify({ profile: { jobTitle: 'VP' }, events: [{ type: 'page_view', ts: 1, url: '/pricing' }] }, 2);
const scored = performance.now();
await fetch('/result', { method: 'POST', body: JSON.stringify({ imported, ready, scored, total: q.total }) });
</script>`;

/**
 * One fresh page load of `html` with the package at `pkg`, every file but the page
 * itself held `DELAY` ms: the page's times, and what it asked for.
 */
async function load(pkg, html) {
    const noStore = { 'cache-control': 'no-store' };
    const route = (url) => {
        if (url.pathname === '/') return { type: 'text/html', body: html, headers: noStore };
        const file = url.pathname.startsWith('/pkg/') ? fileIn(pkg, url.pathname) : null;
        return file && { ...file, headers: noStore, delayMs: DELAY };
    };
    const {
        results: [times],
        requests,
    } = await runPage(chromium, route, { timeoutMs: 60_000 });
    return { ...times, asked: requests.filter((p) => p !== '/result') };
}

const runs = [];
for (const pkg of PKGS)
    for (const preload of [false, true]) runs.push({ pkg, preload, html: page(preload ? PRELOADS : ''), times: [] });
for (let i = 0; i < N; i++) {
    for (const run of runs) {
        const t = await load(run.pkg, run.html);
        const twice = t.asked.filter((p, k) => t.asked.indexOf(p) !== k);
        if (twice.length) throw new Error(`${run.pkg}: fetched twice: ${twice.join(', ')}`);
        run.times.push(t);
    }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
    `headless Chromium, each file delivered after ${DELAY} ms, medians of ${N} fresh loads; ms from navigation start`,
);
console.log('| package | preloads | imported | init() resolved | rule set compiled, first qualify |');
console.log('|---|---|---|---|---|');
for (const run of runs) {
    const col = (k) => median(run.times.map((t) => t[k])).toFixed(0);
    const rel = path.relative(path.resolve(HERE, '..'), run.pkg);
    console.log(
        `| ${rel.startsWith('..') ? run.pkg : rel} | ${run.preload ? 'yes' : 'no'} | ${col('imported')} | ${col('ready')} | ${col('scored')} |`,
    );
}
