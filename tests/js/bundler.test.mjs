// The package through a bundler into a page: esbuild (a devDependency of tests/js)
// bundles a tiny app that imports `leadscore` for the browser platform; the bundle is
// served from 127.0.0.1 with a strict Content-Security-Policy,
//     script-src 'self' 'wasm-unsafe-eval'
// (no inline scripts, no eval, no new Function; WebAssembly allowed) and loaded in
// headless Chromium, where it must score a lead and run a session exactly as Node.js
// does. A second page with `script-src 'self'` (no 'wasm-unsafe-eval') checks that the
// policy is really enforced: there init() must fail and say why, not hang.
// Skipped when Chromium (apt-get install chromium, or CHROME_BIN) or esbuild is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fileIn, findChromium, NOW, PKG, RULESET, lead, runPage } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

let esbuild = null;
try {
    esbuild = createRequire(import.meta.url)('esbuild');
} catch {
    // not installed
}

const CHROMIUM = findChromium();
const SKIP = !CHROMIUM
    ? 'no Chromium (apt-get install chromium, or set CHROME_BIN)'
    : !esbuild
      ? 'esbuild is not installed in tests/js (npm install there)'
      : false;

const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'";
const NO_WASM_CSP = "script-src 'self'";

// The app a user would write. RULESET, LEAD and NOW are defined by esbuild (`define`).
const APP = `
import { init, Engine, Session, InputError } from 'leadscore';

const tick = () => new Promise((r) => setTimeout(r, 50)); // violation events arrive as tasks
const out = { errors: [] };
try {
    await init();
    const engine = new Engine(RULESET);
    out.score = engine.score(LEAD, NOW);
    out.scoreJson = engine.scoreJson(JSON.stringify(LEAD), NOW);
    const s = new Session('bundled');
    s.updateProfile(LEAD.profile);
    for (const e of LEAD.events) s.track(e, NOW);
    out.session = s.evaluate(engine, NOW);
    try {
        engine.score({ events: 'no' }, NOW);
    } catch (e) {
        out.inputError = { isClass: e instanceof InputError, path: e.path, code: e.code };
    }
} catch (e) {
    out.errors.push(String((e && e.stack) || e));
    if (e && e.cause) out.cause = String(e.cause.stack || e.cause);
}
await tick();
out.violations = [...window.__violations];
// The probe, last: is the policy in force at all?
try {
    new Function('return 1')();
    out.evalBlocked = false;
} catch (e) {
    out.evalBlocked = e instanceof EvalError;
}
await tick();
out.probeViolations = window.__violations.slice(out.violations.length);
await fetch(location.pathname === '/' ? '/result' : '/result-nowasm', { method: 'POST', body: JSON.stringify(out) });
if (location.pathname === '/') location.href = '/nowasm';
`;

// A classic script that records CSP violations from the start (inline handlers are blocked).
const LISTENER = `window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
});
`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>leadscore bundled</title>
<script src="/listener.js"></script>
<script type="module" src="/app.js"></script>
`;

test('bundled with esbuild, in headless Chromium under a strict CSP', { skip: SKIP, timeout: 120_000 }, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-bundler-'));
    fs.writeFileSync(path.join(dir, 'app.js'), APP);
    // Bundle exactly as an application would: `leadscore` resolved from node_modules
    // (the link to pkg/) with the browser conditions, one minified ESM file.
    const built = await esbuild.build({
        entryPoints: [path.join(dir, 'app.js')],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        write: false,
        nodePaths: [path.join(HERE, 'node_modules')],
        define: { RULESET: JSON.stringify(RULESET), LEAD: JSON.stringify(lead(3)), NOW: String(NOW) },
        logLevel: 'silent',
    });
    assert.deepEqual(built.warnings, []);
    const bundle = Buffer.from(built.outputFiles[0].contents);
    const text = bundle.toString('utf8');
    assert.ok(text.includes('leadscore_bg.wasm'), 'the bundle names the .wasm file it fetches');
    // Besides the app's own probe, nothing in the bundle evaluates text as code.
    const withoutProbe = text.replace(/new Function\(["']return 1["']\)/, '');
    const evalLike = withoutProbe.match(/.{0,60}(\beval\(|\bFunction\().{0,60}/);
    assert.equal(evalLike?.[0], undefined, 'no eval or new Function in the bundle');
    t.diagnostic(`bundle ${bundle.length} bytes minified`);

    // What Node.js gives for the same calls (the reference the page must match).
    const { Engine, Session } = await import(path.join(PKG, 'index.node.js'));
    const engine = new Engine(RULESET);
    const L = lead(3);
    const want = { score: engine.score(L, NOW), scoreJson: engine.scoreJson(JSON.stringify(L), NOW) };
    const s = new Session('bundled');
    s.updateProfile(L.profile);
    for (const e of L.events) s.track(e, NOW);
    want.session = s.evaluate(engine, NOW);

    const send = (type, body, csp) => ({ type, body, headers: csp ? { 'content-security-policy': csp } : {} });
    try {
        const {
            results: [out, nowasm],
            requests,
        } = await runPage(
            CHROMIUM,
            (url) => {
                switch (url.pathname) {
                    case '/':
                        return send('text/html', PAGE, STRICT_CSP);
                    case '/nowasm':
                        return send('text/html', PAGE, NO_WASM_CSP);
                    case '/listener.js':
                        return send('text/javascript', LISTENER);
                    case '/app.js':
                        return send('text/javascript', bundle);
                    case '/leadscore_bg.wasm':
                        // Next to the bundle, where index.js's new URL('./leadscore_bg.wasm', import.meta.url) points.
                        return fileIn(PKG, 'leadscore_bg.wasm');
                    default:
                        return null;
                }
            },
            { resultPaths: ['/result', '/result-nowasm'] },
        );

        // Under script-src 'self' 'wasm-unsafe-eval': the policy is in force (eval is
        // refused), nothing the package does is refused, and it scores as Node does.
        assert.deepEqual(out.errors, []);
        assert.deepEqual(out.violations, [], 'the package caused no CSP violation');
        assert.equal(out.evalBlocked, true, 'the CSP is enforced: new Function throws EvalError');
        assert.deepEqual(
            out.probeViolations.map((v) => [v.directive, v.blocked]),
            [['script-src', 'eval']],
        );
        assert.deepEqual(out.score, want.score);
        assert.equal(out.scoreJson, want.scoreJson);
        assert.deepEqual(out.session, want.session);
        assert.equal(out.score.total, 65);
        assert.deepEqual(out.inputError, { isClass: true, path: 'events', code: 'wrongType' });
        assert.ok(requests.includes('/leadscore_bg.wasm'), 'init() fetched the .wasm next to the bundle');

        // Without 'wasm-unsafe-eval' the browser refuses to compile the module: init()
        // rejects, instead of hanging, with an error that names the fix and keeps the
        // browser's own as its cause.
        assert.equal(nowasm.errors.length, 1, JSON.stringify(nowasm));
        assert.match(nowasm.errors[0], /Content Security Policy does not allow WebAssembly/);
        assert.match(nowasm.errors[0], /Add 'wasm-unsafe-eval' to its script-src directive/);
        assert.match(nowasm.cause, /CompileError|EvalError|WebAssembly/);
        assert.ok(nowasm.score === undefined);
        t.diagnostic(`without 'wasm-unsafe-eval': ${nowasm.errors[0].split('\n')[0]}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
