// The browser entry in headless Chromium: init() fetches the module next to the
// glue, and every example scores exactly as tests/golden records. Skipped when no
// Chromium is installed (Debian: apt-get install chromium; or set CHROME_BIN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    checkScenario,
    examples,
    fileIn,
    findChromium,
    NOW,
    PKG,
    readmePageHead,
    RULESET,
    runPage,
    scenarioData,
} from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const CHROMIUM = findChromium();
const EXAMPLES = examples();

// The page runs runtime-scenario.js through the browser entry, and what only a page
// shows: init() awaited twice, a call before it, JSON text in and out for a batch,
// a bad \`now\`, and Date objects as event times.
const PAGE = `<!doctype html><meta charset="utf-8"><title>leadscore</title>
<script type="module">
let out = { errors: [] };
try {
    const leadscore = await import('/pkg/index.js');
    const { init, Engine, Session, InputError } = leadscore;
    const { scenario } = await import('/runtime-scenario.js');
    let beforeInit = 'no error';
    try {
        new Engine('{}');
    } catch (e) {
        beforeInit = e.message;
    }
    await init();
    const data = await (await fetch('/data.json')).json();
    out = { ...(await scenario(leadscore, data)), beforeInit };
    out.manyJson = data.examples.map((ex) => new Engine(ex.rulesetText).scoreManyJson(JSON.stringify(ex.leads), data.now));
    const engine = new Engine(data.ruleset);
    try {
        engine.score({}, NaN);
    } catch (e) {
        out.badNow = { isClass: e instanceof InputError, name: e.name, path: e.path, code: e.code };
    }
    const s = new Session('browser');
    s.updateProfile({ jobTitle: 'VP' });
    s.track({ type: 'page_view', ts: new Date(data.now - 1000), url: '/pricing' }, data.now);
    s.track({ type: 'page_view', ts: new Date(data.now - 500), url: '/pricing' }, data.now);
    out.dates = s.evaluate(engine, data.now).result.total;
} catch (e) {
    out.errors.push(String(e && e.stack || e));
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;

test(
    'the browser entry in headless Chromium',
    { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)', timeout: 120_000 },
    async () => {
        const data = JSON.stringify(scenarioData(EXAMPLES));
        const {
            results: [out],
        } = await runPage(CHROMIUM, (url) => {
            if (url.pathname === '/') return { type: 'text/html', body: PAGE };
            if (url.pathname === '/data.json') return { type: 'application/json', body: data };
            if (url.pathname === '/runtime-scenario.js') return fileIn(HERE, url.pathname);
            if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
            return null;
        });
        checkScenario(out, EXAMPLES, 'Chromium');
        assert.match(out.beforeInit, /not initialized: `await init\(\)`/);
        for (const [i, ex] of EXAMPLES.entries()) {
            if (ex.golden)
                assert.equal(out.manyJson[i], `[${ex.golden.join(',')}]`, `${ex.name}: scoreManyJson in Chromium`);
        }
        assert.deepEqual(out.badNow, { isClass: true, name: 'InputError', path: 'now', code: 'invalidTimestamp' });
        assert.equal(out.dates, out.session.total, 'Date objects as event times score as their milliseconds');
    },
);

test(
    "the README's page with preloads: each file is fetched once, and the package works",
    { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)', timeout: 60_000 },
    async () => {
        // The ```html block under "On a page without a bundler", served from /pkg/
        // instead of /js/leadscore/. A preload the page's own requests do not match
        // (no crossorigin on the .wasm, say) would be fetched a second time.
        const head = readmePageHead('/pkg/');
        assert.match(head, /rel="preload" href="\/pkg\/leadscore_bg.wasm"/);
        const html = `<!doctype html><meta charset="utf-8">${head}
<script type="module">
const { init, Engine } = await import('/pkg/index.js');
await init();
const engine = new Engine(${JSON.stringify(JSON.stringify(RULESET))});
const q = engine.qualify({ profile: { jobTitle: 'VP' }, events: [] }, ${NOW});
await fetch('/result', { method: 'POST', body: JSON.stringify({ fit: q.fit }) });
</script>`;
        const {
            results: [out],
            requests,
        } = await runPage(CHROMIUM, (url) => {
            if (url.pathname === '/') return { type: 'text/html', body: html };
            if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
            return null;
        });
        assert.equal(typeof out.fit, 'number');
        const pkgRequests = requests.filter((p) => p.startsWith('/pkg/')).sort();
        assert.deepEqual(pkgRequests, [
            '/pkg/api.js',
            '/pkg/codec.js',
            '/pkg/errors.js',
            '/pkg/index.js',
            '/pkg/leadscore.js',
            '/pkg/leadscore_bg.wasm',
        ]);
    },
);
