// leadscore/page, the page module: rule sets compiled by the full package load in
// it and score every golden case byte for byte (through sessions, the page's API),
// in Node and in headless Chromium; what it refuses, it refuses clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as full from 'leadscore';
import { examples, fileIn, findChromium, NOW, PKG, RULESET, runPage } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = examples();
const CHROMIUM = findChromium();

const page = await import(pathToFileURL(path.join(PKG, 'page.js')).href);
page.initSync(fs.readFileSync(path.join(PKG, 'leadscore_page_bg.wasm')));

/** Each example's rule set compiled by the full package. */
const COMPILED = EXAMPLES.map((ex) => full.compileRuleSet(ex.rulesetText));

/**
 * What runs in each module, here and in the browser (it is sent there as text):
 * each lead of each example in a session of its own (identified, its profile set,
 * its events tracked), scored at `now` with the engine of the compiled rule set;
 * the result as JSON text, which the golden files hold.
 */
function sessionScores({ Engine, Session }, compiled, exampleLeads, now) {
    return compiled.map((bytes, i) => {
        const engine = Engine.fromCompiled(bytes);
        const lines = exampleLeads[i].map((lead) => {
            const s = new Session(`visitor-${lead.id}`);
            s.identify(lead.id);
            s.updateProfile(lead.profile ?? {});
            for (const e of lead.events ?? []) s.track(e, now);
            const line = JSON.stringify(s.score(engine, now));
            s.free();
            return line;
        });
        engine.free();
        return lines;
    });
}

test('the page entry exports what a page needs, and no compiler or batch calls', () => {
    assert.deepEqual(Object.keys(page).sort(), [
        'Engine',
        'InputError',
        'RuleSetError',
        'Session',
        'init',
        'initSync',
        'limits',
        'memoryBytes',
        'setLimits',
    ]);
    const engine = page.Engine.fromCompiled(COMPILED[0]);
    for (const m of ['score', 'qualify', 'scoreMany', 'qualifyMany', 'scoreJson', 'scoreManyJson', 'toCompiled'])
        assert.equal(engine[m], undefined, m);
    assert.equal(engine.id, 'b2b-saas-mql');
    engine.free();
    // The module itself holds no rule-set compiler: none of its messages ("did you mean"
    // is there: track names the nearest known type of one set aside).
    const wasm = fs.readFileSync(path.join(PKG, 'leadscore_page_bg.wasm')).toString('latin1');
    for (const compilerOnly of ['unknownOperator', 'zeroPoints', 'unreachableThreshold'])
        assert.ok(!wasm.includes(compilerOnly), compilerOnly);
    assert.ok(fs.readFileSync(path.join(PKG, 'leadscore_bg.wasm')).toString('latin1').includes('unknownOperator'));
});

test('new Engine(ruleSet) in the page module says how to compile ahead', () => {
    for (const ruleSet of [RULESET, JSON.stringify(RULESET)]) {
        assert.throws(
            () => new page.Engine(ruleSet),
            (e) =>
                e instanceof page.InputError &&
                e.code === 'compiledOnly' &&
                e.message.includes('leadscore/page loads compiled rule sets only') &&
                e.message.includes('leadscore compile --rules R.json --out R.lsc') &&
                e.message.includes('compileRuleSet(ruleSet)') &&
                e.message.includes('Engine.fromCompiled(bytes)'),
        );
    }
});

test('every golden case scores byte for byte in the page module, as in the full one', () => {
    const leads = EXAMPLES.map((ex) => ex.leads);
    const inPage = sessionScores(page, COMPILED, leads, NOW);
    const inFull = sessionScores(full, COMPILED, leads, NOW);
    for (const [i, ex] of EXAMPLES.entries()) {
        assert.deepEqual(inPage[i], ex.golden, `${ex.name}: the page module matches tests/golden`);
        assert.deepEqual(inFull[i], ex.golden, `${ex.name}: the full module's sessions match tests/golden`);
        // And the full module's engine of the JSON scores so too.
        const engine = new full.Engine(ex.rulesetText);
        assert.deepEqual(
            ex.leads.map((l) => engine.scoreJson(JSON.stringify(l), NOW)),
            ex.golden,
        );
        engine.free();
    }
});

test('compileRuleSet: compact bytes, the same for the same rule set, refused as new Engine refuses', () => {
    const [bytes] = COMPILED;
    assert.ok(bytes instanceof Uint8Array);
    // Format 2: the b2b-saas example uses later features (docs/RULESET.md, section 15).
    assert.deepEqual([...bytes.subarray(0, 6)], [0x89, 0x4c, 0x53, 0x43, 2, 0]);
    assert.deepEqual(full.compileRuleSet(JSON.parse(EXAMPLES[0].rulesetText)), bytes, 'object and text alike');
    assert.ok(bytes.length < EXAMPLES[0].rulesetText.length / 2, `${bytes.length} bytes`);
    assert.throws(
        () => full.compileRuleSet({ ...RULESET, fit: [{ id: 'a', points: 0, when: { field: 'x', exists: true } }] }),
        (e) => e instanceof full.RuleSetError && e.problems[0].code === 'zeroPoints',
    );
    // Loaded in the full module too, as an ArrayBuffer as well.
    const engine = full.Engine.fromCompiled(bytes.slice().buffer);
    assert.equal(engine.scoreJson(JSON.stringify(EXAMPLES[0].leads[0]), NOW), EXAMPLES[0].golden[0]);
    engine.free();
});

test('bytes that are not a whole compiled rule set are refused clearly by both modules', () => {
    const [bytes] = COMPILED;
    const refused = (m, input, code, said) =>
        assert.throws(
            () => m.Engine.fromCompiled(input),
            (e) => e instanceof m.InputError && e.code === code && said.test(e.message),
            String(said),
        );
    const newer = bytes.slice();
    newer[4] = 9;
    const damaged = bytes.slice();
    damaged[bytes.length >> 1] ^= 1;
    for (const m of [page, full]) {
        refused(
            m,
            new TextEncoder().encode(JSON.stringify(RULESET)),
            'compiledRuleSet',
            /not a leadscore compiled rule set.*look like rule-set JSON/,
        );
        refused(m, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'compiledRuleSet', /not a leadscore compiled rule set/);
        refused(m, bytes.subarray(0, bytes.length - 1), 'compiledRuleSet', /truncated/);
        refused(m, damaged, 'compiledRuleSet', /checksum does not match/);
        refused(
            m,
            newer,
            'compiledRuleSet',
            /written by a newer format version 9 \(by leadscore [^)]+\); this engine \(leadscore [^)]+\) reads up to format version 2/,
        );
        refused(m, new Uint8Array(), 'compiledRuleSet', /no bytes are not/);
        refused(
            m,
            [...bytes],
            'wrongType',
            /Engine.fromCompiled must be the Uint8Array that compileRuleSet\(\) returned, not a list/,
        );
        refused(m, 'bytes', 'wrongType', /not a string/);
    }
});

test("saved state that is not JSON: invalidJson in the page module too, in the host's words", () => {
    // The page module has no JSON error locator (jsonError, src/wasm/input.rs): the
    // full package gives the core's words and place, the page JSON.parse's.
    const said = [full, page].map((m) => {
        let err;
        assert.throws(
            () => m.Session.restore('{"id": '),
            (e) => ((err = e), true),
        );
        assert.ok(err instanceof m.InputError, String(err));
        assert.equal(err.problems[0].code, 'invalidJson');
        assert.match(err.problems[0].message, /^saved state is not valid JSON: ./);
        return err.problems[0].message;
    });
    assert.match(said[0], /\(line 1, column \d+\)$/);
});

test('a session saved in one module restores in the other', () => {
    const engines = [full, page].map((m) => m.Engine.fromCompiled(COMPILED[0]));
    const s = new full.Session('v1');
    s.updateProfile({ jobTitle: 'VP Sales' });
    s.track({ type: 'page_view', ts: NOW - 1000, url: '/pricing' }, NOW);
    const inPage = page.Session.restoreBytes(s.saveBytes());
    assert.equal(JSON.stringify(inPage.score(engines[1], NOW)), JSON.stringify(s.score(engines[0], NOW)));
    const back = full.Session.restore(inPage.save());
    assert.equal(back.save(), s.save());
});

test(
    'the page module in headless Chromium: golden cases byte for byte, one script and one module fetched',
    { skip: CHROMIUM ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)', timeout: 120_000 },
    async () => {
        const data = JSON.stringify({ now: NOW, leads: EXAMPLES.map((ex) => ex.leads) });
        const html = `<!doctype html><meta charset="utf-8"><title>leadscore/page</title>
<script type="module">
let out = { errors: [] };
try {
    const leadscore = await import('/pkg/page.js');
    await leadscore.init();
    const data = await (await fetch('/data.json')).json();
    const compiled = await Promise.all(data.leads.map(async (_, i) => new Uint8Array(await (await fetch('/rules/' + i + '.lsc')).arrayBuffer())));
    out.lines = (${sessionScores.toString()})(leadscore, compiled, data.leads, data.now);
    try { new leadscore.Engine('{}'); } catch (e) { out.compile = e.code; }
} catch (e) {
    out.errors.push(String((e && e.stack) || e));
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;
        const {
            results: [out],
            requests,
        } = await runPage(CHROMIUM, (url) => {
            if (url.pathname === '/') return { type: 'text/html', body: html };
            if (url.pathname === '/data.json') return { type: 'application/json', body: data };
            const rules = /^\/rules\/(\d+)\.lsc$/.exec(url.pathname);
            if (rules) return { type: 'application/octet-stream', body: Buffer.from(COMPILED[Number(rules[1])]) };
            if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
            return null;
        });
        assert.deepEqual(out.errors, []);
        for (const [i, ex] of EXAMPLES.entries())
            assert.deepEqual(out.lines[i], ex.golden, `${ex.name}: the page module in Chromium matches tests/golden`);
        assert.equal(out.compile, 'compiledOnly');
        assert.deepEqual(requests.filter((p) => p.startsWith('/pkg/')).sort(), [
            '/pkg/leadscore_page_bg.wasm',
            '/pkg/page.js',
        ]);
    },
);

test(
    'the page types: Engine.fromCompiled, sessions watching a page engine',
    { skip: !fs.existsSync(path.join(HERE, 'node_modules/typescript')) },
    async () => {
        const ts = (await import('typescript')).default;
        const dir = fs.mkdtempSync(path.join(HERE, 'node_modules', '.page-types-'));
        try {
            const file = path.join(dir, 'use.ts');
            fs.writeFileSync(
                file,
                `import { init, Engine, Session, InputError, type Evaluation, type AnyEngine } from 'leadscore/page';
import { compileRuleSet, Engine as FullEngine } from 'leadscore';
await init();
const engine: Engine = Engine.fromCompiled(compileRuleSet('{}'));
const s = new Session('v');
s.watch(engine);
s.watch(new FullEngine('{}'));
const ev: Evaluation = s.evaluate(engine, Date.now());
const any: AnyEngine = engine;
const id: string = engine.id;
try { Engine.fromCompiled(new ArrayBuffer(0)); } catch (e) { if (e instanceof InputError) console.log(e.code, ev, any, id); }
// @ts-expect-error: the page's Engine cannot be made with new
new Engine('{}');
// @ts-expect-error: nor does it score leads given whole
engine.score({}, 0);
`,
            );
            const program = ts.createProgram([file], {
                strict: true,
                noEmit: true,
                module: ts.ModuleKind.NodeNext,
                moduleResolution: ts.ModuleResolutionKind.NodeNext,
                target: ts.ScriptTarget.ES2022,
                lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
                types: [],
            });
            const problems = ts
                .getPreEmitDiagnostics(program)
                .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
            assert.deepEqual(problems, []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
);
