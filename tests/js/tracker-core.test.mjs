// What a signal may carry (docs/SIGNALS.md): the fields a rule set reads, as the
// engine answers them (`engine.reads`, in the full package and in leadscore/page,
// for a rule set compiled on the page or loaded compiled), and pick, which keeps
// only those of a profile or an event. Run in Node on the package as installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as full from 'leadscore';
import { PKG, ROOT, examples } from './helpers.mjs';

// Not an export of the package: the file itself, as tracker.js imports it.
const { pick, fetchRules } = await import(pathToFileURL(path.join(PKG, 'tracker-core.js')).href);
const page = await import(pathToFileURL(path.join(PKG, 'page.js')).href);
page.initSync(fs.readFileSync(path.join(PKG, 'leadscore_page_bg.wasm')));

/**
 * What tracker-core.js worked out from a rule set's JSON before the engine said it
 * (its `readsOf`, kept here as the reference `engine.reads` must agree with): the
 * event types the matchers look at, each with the `where` fields, `sum`
 * properties and `perUnit` properties read, and the profile fields of fit rules and profile disqualifiers.
 */
function readsOf(rs) {
    const types = new Map();
    const profile = new Set();
    const fields = (c, into) => {
        if (!c || typeof c !== 'object') return;
        if (typeof c.field === 'string') into.add(c.field);
        // The other field a comparison of two fields reads.
        for (const k of ['equalsField', 'sameDomainAs']) if (typeof c[k] === 'string') into.add(c[k]);
        for (const k of ['all', 'any']) if (Array.isArray(c[k])) for (const x of c[k]) fields(x, into);
        fields(c.not, into);
    };
    const matcher = (m) => {
        if (!m || m.event == null) return;
        const read = new Set();
        fields(m.where, read);
        if (m.sum && typeof m.sum.property === 'string') read.add(m.sum.property);
        if (typeof m.perUnit === 'string') read.add(m.perUnit);
        for (const t of [].concat(m.event)) {
            const held = types.get(t) || new Set();
            for (const f of read) held.add(f);
            types.set(t, held);
        }
    };
    const list = (v) => (Array.isArray(v) ? v : []);
    for (const r of list(rs.engagement)) {
        matcher(r);
        // A sequence's second event (`then`) is read as a rule's.
        if (r && r.then) matcher(r.then);
    }
    for (const r of list(rs.fit)) fields(r.when, profile);
    for (const d of list(rs.disqualifiers)) {
        if (d && d.event != null) matcher(d);
        else fields(d && d.when, profile);
    }
    const stages = rs.stages || {};
    for (const s of ['sql', 'pql']) for (const t of list(stages[s] && stages[s].on)) matcher(t);
    return { types, profile };
}

/** readsOf's answer in engine.reads's shape: sorted lists, types in order. */
function expected(rs) {
    const r = readsOf(rs);
    const sorted = (s) => [...s].sort();
    const events = {};
    for (const t of sorted(r.types.keys())) events[t] = sorted(r.types.get(t));
    return { profile: sorted(r.profile), events };
}

/** engine.reads as plain data, its types in order. */
function plain(reads) {
    const events = {};
    for (const t of Object.keys(reads.events).sort()) events[t] = [...reads.events[t]];
    return { profile: [...reads.profile], events };
}

/** Every rule set of the examples and of tests/cases that compiles, with a name. */
function ruleSets() {
    const out = examples().map((e) => [`examples/${e.name}`, JSON.parse(e.rulesetText)]);
    const dir = path.join(ROOT, 'tests', 'cases');
    for (const f of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()) {
        const doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        const seen = [...Object.entries(doc.rulesets || {})];
        for (const c of doc.cases || []) if (c.ruleset) seen.push([c.name, c.ruleset]);
        for (const [name, rs] of seen) if (full.Engine.validate(rs).valid) out.push([`${f}: ${name}`, rs]);
    }
    return out;
}

test('engine.reads agrees with what the JSON says, on every example and case rule set, compiled or not', () => {
    const all = ruleSets();
    assert.ok(all.length >= 10, `rule sets found: ${all.length}`);
    for (const [name, rs] of all) {
        const want = expected(rs);
        const engine = new full.Engine(rs);
        const bytes = full.compileRuleSet(rs);
        const loaded = full.Engine.fromCompiled(bytes);
        const onPage = page.Engine.fromCompiled(bytes);
        try {
            assert.deepEqual(plain(engine.reads), want, `${name}: new Engine`);
            assert.deepEqual(plain(loaded.reads), want, `${name}: Engine.fromCompiled`);
            assert.deepEqual(plain(onPage.reads), want, `${name}: leadscore/page's Engine.fromCompiled`);
        } finally {
            engine.free();
            loaded.free();
            onPage.free();
        }
    }
});

test('engine.reads: the event types a rule set looks at, the properties and profile fields it reads', () => {
    const b2b = examples().find((e) => e.name === 'b2b-saas');
    const engine = page.Engine.fromCompiled(full.compileRuleSet(b2b.rulesetText));
    const r = engine.reads;
    engine.free();
    assert.deepEqual(Object.keys(r.events).sort(), [
        'email_bounce',
        'email_click',
        'email_open',
        'form_submit',
        'page_view',
        'unsubscribe',
        'webinar_attended',
    ]);
    assert.deepEqual(r.events.page_view, ['seconds', 'url'], 'where fields and a sum property');
    assert.deepEqual(r.events.form_submit, ['form'], 'a trigger of stages.sql reads form');
    assert.deepEqual(r.events.email_open, [], 'declared campaign, read by no rule: not read');
    assert.deepEqual(r.profile, [
        'company.industry',
        'company.size',
        'company.website',
        'country',
        'email',
        'jobTitle',
    ]);
});

test('engine.reads: conditions nested in all, any and not; event disqualifiers; pql triggers; lists of types', () => {
    const rs = {
        schema: 'leadscore.ruleset/v1',
        id: 't',
        version: '1',
        fit: [
            {
                id: 'f',
                points: 1,
                when: { all: [{ field: 'a', exists: true }, { any: [{ not: { field: 'b.c', equals: 'x' } }] }] },
            },
        ],
        engagement: [
            {
                id: 'e',
                event: ['x', 'y'],
                points: 1,
                where: { any: [{ field: 'p', equals: 1 }, { not: { field: 'q', equals: 2 } }] },
            },
        ],
        disqualifiers: [
            { id: 'dz', event: 'z', where: { field: 'r', equals: 1 } },
            { id: 'dd', when: { field: 'd', equals: 1 } },
        ],
        stages: { pql: { on: [{ event: 'login', where: { field: 'plan', equals: 'pro' } }] } },
    };
    const engine = new full.Engine(rs);
    const r = plain(engine.reads);
    engine.free();
    assert.deepEqual(r, {
        profile: ['a', 'b.c', 'd'],
        events: { login: ['plan'], x: ['p', 'q'], y: ['p', 'q'], z: ['r'] },
    });
    assert.deepEqual(r, expected(rs));
});

test('pick keeps the values at the paths, nothing beside them', () => {
    const profile = { jobTitle: 'VP', email: 'ann@acme.io', company: { size: 120, name: 'Acme' } };
    assert.deepEqual(pick(profile, ['jobTitle', 'company.size']), { jobTitle: 'VP', company: { size: 120 } });
    assert.deepEqual(pick({ company: 'Acme' }, ['company.size']), {}, 'a step into a text finds nothing');
    assert.deepEqual(pick({}, ['constructor', 'toString']), {}, 'only own keys');
    assert.deepEqual(pick(undefined, ['a']), {});
    assert.deepEqual(pick({ a: { b: { c: 1, d: 2 } } }, ['a.b.c']), { a: { b: { c: 1 } } });
});

test("fetchRules: {visitor} in rulesUrl names the visitor; the server's variant header is kept", async () => {
    const http = await import('node:http');
    const asked = [];
    const server = http.createServer((req, res) => {
        asked.push(req.url);
        const variant = new URL(req.url, 'http://x').searchParams.get('visitor') === 'v-1 2' ? 'b' : 'a';
        res.writeHead(200, { 'content-type': 'application/json', 'x-leadscore-variant': variant });
        res.end(JSON.stringify({ schema: 'leadscore.ruleset/v1', id: 's', version: '1' }));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
        const got = await fetchRules({ rulesUrl: `${base}/rules/s?visitor={visitor}` }, 'v-1 2');
        assert.equal(asked[0], '/rules/s?visitor=v-1%202');
        assert.equal(got.variant, 'b');
        assert.equal(got.json.id, 's');
        const plain = await fetchRules({ rulesUrl: `${base}/rules/s`, variant: 'mine' }, 'v-9');
        assert.equal(asked[1], '/rules/s', 'no placeholder, no visitor id in the URL');
        assert.equal(plain.variant, 'mine', 'the variant option wins over the header');
    } finally {
        server.close();
    }
});
