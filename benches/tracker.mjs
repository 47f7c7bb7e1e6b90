// The tracker's figures (docs/PERFORMANCE.md, "The tracker"), never pass/fail:
//
//   1. bytes on the page's critical path: tracker.min.js and tracker.js bundled and
//      minified, gzip -9; and what loads lazily after `load`;
//   2. time from `start` to the engine ready in headless Chromium (the tracker's User
//      Timing marks leadscore:start, :core, :ready), fresh contexts, without and with
//      4x CPU throttling (DevTools protocol Emulation.setCPUThrottlingRate);
//   3. requests per visit over ten scripted visits, against a per-event tracker that
//      batches every 10 events or 5 seconds, both on the same pages at once.
//
//   node benches/tracker.mjs [--n 7] [--parts bytes,ready,requests] [pkg dir]
//
// Needs scripts/test-js.sh run once (playwright-core is installed in tests/js) and
// Chromium (CHROME_BIN, else chromium on PATH). Part 3 takes about 2 minutes: the
// visits dwell on their pages in real time.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromiumPath, launch, snippet, startSite, trackerReady } from '../tests/js/tracker-site.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name, dflt) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const [v] = args.splice(i, 2).slice(1);
    return v;
};
const N = Number(flag('--n', 7));
const PARTS = flag('--parts', 'bytes,ready,requests').split(',');
const PKG = path.resolve(args[0] ?? path.join(HERE, '..', 'pkg'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

console.log(`leadscore tracker, ${PKG}; load average ${load()}`);

// --- 1. bytes --------------------------------------------------------------------
if (PARTS.includes('bytes')) {
    const gz = (buf) => gzipSync(buf, { level: 9 }).length;
    const file = (f) => fs.readFileSync(path.join(PKG, f));
    const esbuild = createRequire(path.join(HERE, '..', 'tools', 'x.js'))('esbuild');
    const esm = esbuild.buildSync({
        entryPoints: [path.join(PKG, 'tracker.js')],
        bundle: true,
        minify: true,
        format: 'esm',
        write: false,
        external: ['./tracker-core.js'],
    }).outputFiles[0].contents;
    console.log('\n| file | when | raw bytes | gzip -9 bytes |\n|---|---|---|---|');
    const row = (name, when, buf) => console.log(`| ${name} | ${when} | ${buf.length} | ${gz(buf)} |`);
    row('tracker.min.js (prebuilt, classic script)', 'critical path', file('tracker.min.js'));
    row('tracker.js, bundled + minified (esbuild, core split off)', 'critical path', Buffer.from(esm));
    row('tracker-core.min.js (the core)', 'after load, when idle', file('tracker-core.min.js'));
    row('page.js (the page engine, compiled rule sets)', 'after load, when idle', file('page.js'));
    row('leadscore_page_bg.wasm', 'after load, when idle', file('leadscore_page_bg.wasm'));
    row('tracker-full.min.js (the full engine, JSON rule sets)', 'after load, when idle', file('tracker-full.min.js'));
    row('leadscore_bg.wasm', 'after load, when idle', file('leadscore_bg.wasm'));
}

if (!chromiumPath()) {
    console.log('\nChromium parts skipped: no Chromium (apt-get install chromium, or set CHROME_BIN)');
    process.exit(0);
}
const browser = await launch();

// --- 2. start to engine ready ---------------------------------------------------------
if (PARTS.includes('ready')) {
    console.log(
        `\nstart() to engine ready in headless Chromium, medians of ${N} fresh contexts (nothing cached), files from 127.0.0.1; ms`,
    );
    console.log(
        '| rule set | CPU | start → load event | start → core import (after load, idle) | core → ready | of which: last byte (core, wasm, rules) → ready | start → ready | tracker scripts in long animation frames |',
    );
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [format, compiled] of [
        ['compiled (page engine)', true],
        ['JSON (full engine)', false],
    ])
        for (const rate of [1, 4]) {
            const runs = [];
            for (let i = 0; i < N; i++) {
                const site = await startSite({ pkg: PKG, compiled });
                const ctx = await browser.newContext();
                const page = await ctx.newPage();
                const cdp = await ctx.newCDPSession(page);
                await cdp.send('Emulation.setCPUThrottlingRate', { rate });
                await page.addInitScript(() => {
                    window.trackerScripts = [];
                    new PerformanceObserver((l) => {
                        for (const e of l.getEntries())
                            for (const sc of e.scripts || [])
                                if (/tracker|leadscore/.test(sc.sourceURL)) window.trackerScripts.push(sc.duration);
                    }).observe({ type: 'long-animation-frame', buffered: true });
                });
                await page.goto(site.url + '/pricing');
                await trackerReady(page);
                runs.push(
                    await page.evaluate(() => {
                        const at = (n) => performance.getEntriesByName('leadscore:' + n)[0].startTime;
                        const nav = performance.getEntriesByType('navigation')[0];
                        const lastByte = Math.max(
                            ...performance
                                .getEntriesByType('resource')
                                .filter((r) =>
                                    /tracker-core|tracker-full|page\.js|\.wasm|rules\.(json|lsc)/.test(r.name),
                                )
                                .map((r) => r.responseEnd),
                        );
                        return {
                            load: nav.loadEventStart - at('start'),
                            core: at('core') - at('start'),
                            engine: at('ready') - at('core'),
                            afterBytes: at('ready') - lastByte,
                            ready: at('ready') - at('start'),
                            longest: Math.max(0, ...window.trackerScripts),
                        };
                    }),
                );
                await ctx.close();
                site.close();
            }
            const col = (k) => median(runs.map((r) => r[k])).toFixed(1);
            const longest = Math.max(...runs.map((r) => r.longest));
            const over = runs.filter((r) => r.longest > 50).length;
            console.log(
                `| ${format} | ${rate}x | ${col('load')} | ${col('core')} | ${col('engine')} | ${col('afterBytes')} | ${col('ready')} | ${longest ? `worst ${longest.toFixed(0)} ms; over 50 ms in ${over} of ${N} loads` : 'none'} |`,
            );
        }
}

// --- 3. requests per visit --------------------------------------------------------------
/** A per-event tracker as analytics SDKs ship it: every event batched, 10 per request or every 5 s, flushed on hide. */
const BASELINE = (endpoint) => `<script>(() => {
const q = []; let timer = 0; let shown = Date.now();
const send = (beacon) => {
    clearTimeout(timer); timer = 0;
    if (!q.length) return;
    const body = JSON.stringify(q.splice(0));
    if (beacon) navigator.sendBeacon(${JSON.stringify(endpoint)}, body);
    else fetch(${JSON.stringify(endpoint)}, { method: 'POST', body, keepalive: true });
};
const ev = (type, props) => {
    q.push({ type, ts: Date.now(), ...props });
    if (q.length >= 10) send(false); else if (!timer) timer = setTimeout(() => send(false), 5000);
};
ev('page_view', { url: location.pathname, title: document.title });
addEventListener('click', (e) => {
    const el = e.target.closest && e.target.closest('[data-leadscore-event]');
    if (el && el.tagName !== 'FORM') ev(el.getAttribute('data-leadscore-event'), { url: location.pathname });
}, true);
addEventListener('submit', (e) => ev('form_submit', { form: e.target.getAttribute('data-leadscore-form') }), true);
const hide = () => { ev('page_time', { seconds: Math.round((Date.now() - shown) / 1000) }); send(true); };
addEventListener('visibilitychange', () => document.visibilityState === 'hidden' ? hide() : (shown = Date.now()));
addEventListener('pagehide', hide);
})();</script>`;

/**
 * Ten visits, each a fresh visitor: the pages opened in turn, seconds on each, and
 * what is clicked there (`cta` the marked link, `demo` the demo request form).
 */
const VISITS = [
    [
        ['/', 3],
        ['/docs/start', 4],
    ],
    [
        ['/', 2],
        ['/pricing', 6, ['cta']],
        ['/docs', 3],
    ],
    [
        ['/pricing', 3, ['cta', 'cta']],
        ['/pricing/teams', 5, ['cta']],
        ['/pricing/enterprise', 2],
    ],
    [
        ['/', 2],
        ['/', 3, ['demo']],
    ],
    [['/blog/launch', 7]],
    [
        ['/pricing', 4],
        ['/docs/a', 2],
        ['/docs/b', 2],
        ['/docs/c', 2],
        ['/docs/d', 2],
    ],
    [
        ['/', 1],
        ['/pricing', 2, ['cta', 'cta', 'cta']],
        ['/about', 2],
    ],
    [
        ['/docs/api', 8, ['cta']],
        ['/docs/sdk', 6],
    ],
    [
        ['/', 2],
        ['/pricing', 3],
        ['/pricing/teams', 3],
        ['/', 2, ['demo']],
    ],
    [
        ['/careers', 3],
        ['/', 1],
    ],
];

if (PARTS.includes('requests')) {
    const site = await startSite({ pkg: PKG, cache: true });
    const batchUrl = `${site.collectorUrl}/batch`;
    site.head = () => BASELINE(batchUrl) + snippet(site.attrs);
    const perVisit = [];
    for (const visit of VISITS) {
        const from = site.received.length;
        const askedFrom = site.asked.length;
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        for (const [pathname, seconds, clicks = []] of visit) {
            const t0 = Date.now();
            await page.goto(site.url + pathname);
            await trackerReady(page);
            for (const c of clicks) {
                if (c === 'cta') await page.click('#cta');
                else {
                    await page.fill('input[name=jobTitle]', 'Director');
                    await Promise.all([page.waitForURL('**/thanks'), page.click('#send')]);
                    await trackerReady(page);
                }
            }
            await new Promise((r) => setTimeout(r, Math.max(0, seconds * 1000 - (Date.now() - t0))));
        }
        await page.close({ runBeforeUnload: true });
        await ctx.close();
        await new Promise((r) => setTimeout(r, 500));
        const got = site.received.slice(from).filter((r) => r.method === 'POST');
        const assets = site.asked
            .slice(askedFrom)
            .filter((p) => p.startsWith('/pkg/tracker-core') || p === '/rules.json' || p.endsWith('.wasm'));
        perVisit.push({
            leadscore: got.filter((r) => r.path === '/collect').length,
            signals: got.filter((r) => r.path === '/collect').map((r) => JSON.parse(r.body).to),
            baseline: got.filter((r) => r.path === '/batch').length,
            events: got.filter((r) => r.path === '/batch').reduce((n, r) => n + JSON.parse(r.body).length, 0),
            pages: visit.length,
            assets: assets.length,
        });
    }
    site.close();
    console.log('\nRequests per visit, ten scripted visits (fresh visitors), both trackers on the same pages at once');
    console.log(
        '| visit | pages | events the per-event tracker sent | its requests | leadscore signals | leadscore requests | leadscore lazy files and rule set fetched (cached) |',
    );
    console.log('|---|---|---|---|---|---|---|');
    const sum = (k) => perVisit.reduce((n, v) => n + v[k], 0);
    perVisit.forEach((v, i) =>
        console.log(
            `| ${i + 1} | ${v.pages} | ${v.events} | ${v.baseline} | ${v.signals.join(', ') || 'none'} | ${v.leadscore} | ${v.assets} |`,
        ),
    );
    console.log(
        `| all | ${sum('pages')} | ${sum('events')} | ${sum('baseline')} (${(sum('baseline') / VISITS.length).toFixed(1)} per visit) | | ${sum('leadscore')} (${(sum('leadscore') / VISITS.length).toFixed(1)} per visit) | ${sum('assets')} |`,
    );
}

await browser.close();
console.log(`\nload average ${load()}`);
