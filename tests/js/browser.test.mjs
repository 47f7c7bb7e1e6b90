// The browser entry in headless Chromium: init() fetches the module next to the
// glue, and every example scores exactly as tests/golden records. Skipped when no
// Chromium is installed (Debian: apt-get install chromium; or set CHROME_BIN).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { examples, fileIn, findChromium, NOW, PKG, readmePageHead, RULESET, runPage } from './helpers.mjs';

const CHROMIUM = findChromium();
const EXAMPLES = examples();

const PAGE = `<!doctype html><meta charset="utf-8"><title>leadscore</title>
<script type="module">
const out = { errors: [] };
try {
    const { init, Engine, Session, LeadSet, InputError, RuleSetError } = await import('/pkg/index.js');
    try {
        new Engine('{}');
        out.beforeInit = 'no error';
    } catch (e) {
        out.beforeInit = e.message;
    }
    await init();
    await init();
    const data = await (await fetch('/data.json')).json();
    out.examples = data.examples.map((ex) => {
        const engine = new Engine(ex.rulesetText);
        return {
            name: ex.name,
            lines: ex.leads.map((l) => engine.scoreJson(JSON.stringify(l), data.now)),
            objects: ex.leads.map((l) => engine.score(l, data.now)),
            many: engine.scoreManyJson(JSON.stringify(ex.leads), data.now),
            held: engine.scoreMany(new LeadSet(ex.leads), data.now),
        };
    });
    try {
        new Engine({ schema: 'leadscore.ruleset/v1', id: 'x', version: '1', fit: [{ id: 'a', points: 0, when: { field: 'x', exists: true } }] });
    } catch (e) {
        out.ruleSetError = { isClass: e instanceof RuleSetError, name: e.name, problems: e.problems };
    }
    const engine = new Engine(data.ruleset);
    try {
        engine.score({}, NaN);
    } catch (e) {
        out.inputError = { isClass: e instanceof InputError, name: e.name, path: e.path, code: e.code };
    }
    const s = new Session('browser');
    s.updateProfile({ jobTitle: 'VP' });
    s.track({ type: 'page_view', ts: new Date(data.now - 1000), url: '/pricing' }, data.now);
    s.track({ type: 'page_view', ts: data.now - 500, url: '/pricing' }, data.now);
    const first = s.evaluate(engine, data.now);
    const again = Session.restore(s.save()).evaluate(engine, data.now);
    out.session = { transitions: first.transitions.map((t) => t.to), again: again.transitions.length, total: first.result.total };
} catch (e) {
    out.errors.push(String(e && e.stack || e));
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;

test('the browser entry in headless Chromium', { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)', timeout: 120_000 }, async () => {
    const data = JSON.stringify({ now: NOW, ruleset: RULESET, examples: EXAMPLES.map(({ name, rulesetText, leads }) => ({ name, rulesetText, leads })) });
    const { results: [out] } = await runPage(CHROMIUM, (url) => {
        if (url.pathname === '/') return { type: 'text/html', body: PAGE };
        if (url.pathname === '/data.json') return { type: 'application/json', body: data };
        if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
        return null;
    });
    assert.deepEqual(out.errors, []);
    assert.match(out.beforeInit, /not initialized: `await init\(\)`/);
    assert.equal(out.examples.length, EXAMPLES.length);
    for (const [i, ex] of EXAMPLES.entries()) {
        const got = out.examples[i];
        if (ex.golden) {
            assert.deepEqual(got.lines, ex.golden, `${ex.name}: Chromium matches tests/golden byte for byte`);
            assert.equal(got.many, `[${ex.golden.join(',')}]`);
        }
        assert.deepEqual(got.objects, got.lines.map((l) => JSON.parse(l)));
        assert.deepEqual(got.held, got.objects, `${ex.name}: a LeadSet in Chromium scores as score does`);
    }
    assert.equal(out.ruleSetError.isClass, true);
    assert.equal(out.ruleSetError.name, 'RuleSetError');
    assert.deepEqual(out.ruleSetError.problems.map((p) => [p.path, p.code]), [['fit[0].points', 'zeroPoints']]);
    assert.deepEqual(out.inputError, { isClass: true, name: 'InputError', path: 'now', code: 'invalidTimestamp' });
    assert.deepEqual(out.session, { transitions: ['mql'], again: 0, total: 50 });
});

test("the README's page with preloads: each file is fetched once, and the package works", { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)', timeout: 60_000 }, async () => {
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
    const { results: [out], requests } = await runPage(CHROMIUM, (url) => {
        if (url.pathname === '/') return { type: 'text/html', body: html };
        if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
        return null;
    });
    assert.equal(typeof out.fit, 'number');
    const pkgRequests = requests.filter((p) => p.startsWith('/pkg/')).sort();
    assert.deepEqual(pkgRequests, ['/pkg/codec.js', '/pkg/common.js', '/pkg/index.js', '/pkg/leadscore.js', '/pkg/leadscore_bg.wasm']);
});
