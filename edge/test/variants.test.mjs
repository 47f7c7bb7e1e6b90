// A/B variants in workerd: the assignment is the documented hash (recomputed here with
// node:crypto), stable, split by the weights over many ids; the rule-set GET answers
// the variant's rule set, names it and is not cached as a shared answer; a signal's
// variant is checked against the assignment and carried in its delivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BASE, makeSignal, post, receiver, startWorker, until } from './harness.mjs';

const VARIANTS = {
    'b2b-saas-mql': [
        { variant: 'control', weight: 3 },
        { variant: 'product', ruleset: 'product-led-pql', weight: 1 },
    ],
};

/** The assignment as edge/src/variants.js documents it. */
function expected(experiment, visitor) {
    const list = VARIANTS[experiment];
    const sum = list.reduce((s, v) => s + v.weight, 0);
    const u = crypto.createHash('sha256').update(`${experiment}:${visitor}`, 'utf8').digest().readUInt32BE(0);
    const point = (u / 2 ** 32) * sum;
    let upTo = 0;
    return list.find((v) => point < (upTo += v.weight)).variant;
}

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, { vars: { VARIANTS: JSON.stringify(VARIANTS), SLA: '' } });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

const rules = (visitor, headers = {}) =>
    mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql.json${visitor ? `?visitor=${encodeURIComponent(visitor)}` : ''}`, {
        headers,
    });

/** A visitor id (from a bounded search) that the hash assigns to `variant`. */
function visitorIn(variant) {
    for (let i = 0; i < 1000; i++) if (expected('b2b-saas-mql', `v-pick-${i}`) === variant) return `v-pick-${i}`;
    throw new Error(`no visitor in ${variant} among 1,000 ids`);
}

test("GET /rules/:id answers the visitor's variant, stable, by the documented hash; the answer is private", async () => {
    for (const visitor of ['v-1', 'v-2', 'v-3', 'v-Zürich', visitorIn('product'), visitorIn('control')]) {
        const first = await rules(visitor);
        assert.equal(first.status, 200);
        const variant = first.headers.get('x-leadscore-variant');
        assert.equal(variant, expected('b2b-saas-mql', visitor), visitor);
        const served = JSON.parse(await first.text());
        assert.equal(served.id, variant === 'control' ? 'b2b-saas-mql' : 'product-led-pql');
        assert.match(first.headers.get('cache-control'), /^private/);
        assert.match(first.headers.get('vary'), /X-Leadscore-Visitor/i);
        // The same visitor again, by header this time: the same variant, and its ETag answers 304.
        const again = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql.json`, {
            headers: { 'x-leadscore-visitor': visitor, 'if-none-match': first.headers.get('etag') },
        });
        assert.equal(again.status, 304);
        assert.equal(again.headers.get('x-leadscore-variant'), variant);
    }
    const anonymous = await rules(null);
    assert.equal(anonymous.status, 400);
    const { error } = await anonymous.json();
    assert.equal(error.code, 'missingField');
    assert.equal(error.path, 'visitor');
    // A rule set in no experiment is served as before: shared caching, no variant.
    const plain = await mf.dispatchFetch(`${BASE}/rules/domain-defaults.json?visitor=v-1`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('x-leadscore-variant'), null);
    assert.match(plain.headers.get('cache-control'), /^public/);
});

test('assignments follow the weights over many ids', async () => {
    const N = 400;
    const counts = { control: 0, product: 0 };
    for (let i = 0; i < N; i += 20) {
        const batch = await Promise.all(
            Array.from({ length: 20 }, (_, j) =>
                rules(`v-weights-${i + j}`).then((r) => r.headers.get('x-leadscore-variant')),
            ),
        );
        batch.forEach((v) => counts[v]++);
    }
    assert.equal(counts.control + counts.product, N);
    // Weights 3:1; 0.06 is over three standard deviations of a fair split of 400.
    assert.ok(Math.abs(counts.control / N - 0.75) < 0.06, JSON.stringify(counts));
});

test("a signal's variant is checked against the assignment and carried in the delivery", async () => {
    const at = Date.now();
    const demo = [{ type: 'form_submit', ts: at - 1000, form: 'demo_request' }];
    const visitor = visitorIn('control');

    const named = { ...makeSignal({ lead: 'variant-a@example.com', profile: {}, events: demo, at }), visitor };
    const wrong = await post(mf, { ...named, ruleset: { ...named.ruleset, variant: 'product' } });
    assert.equal(wrong.status, 422, wrong.text);
    assert.equal(wrong.json.error.code, 'variantMismatch');
    assert.equal(wrong.json.error.path, 'ruleset.variant');
    assert.equal(wrong.json.error.assigned, 'control');
    // A visitor assigned the product-led rule set cannot post a b2b-saas signal.
    const other = await post(mf, { ...named, visitor: visitorIn('product') });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.json.error.path, 'ruleset.id');

    const right = await post(mf, { ...named, ruleset: { ...named.ruleset, variant: 'control' } });
    assert.equal(right.status, 200, right.text);
    // Naming no variant: the assignment's is carried.
    const unnamed = { ...makeSignal({ lead: 'variant-b@example.com', profile: {}, events: demo, at }), visitor };
    assert.equal((await post(mf, unnamed)).status, 200);
    for (const key of [named.key, unnamed.key]) {
        assert.ok(await until(() => hook.requests.some((r) => r.body.key === key)));
        const got = hook.requests.find((r) => r.body.key === key).body;
        assert.deepEqual(got.ruleset, { id: 'b2b-saas-mql', version: '2026-11-01', variant: 'control' });
    }
});

test('a rule set in no A/B test takes no variant: naming one is refused, null or none is taken', async () => {
    const plain = await startWorker(hook, { vars: { VARIANTS: '', ADMIN_TOKEN: 'plain-admin' } });
    try {
        const at = Date.now();
        const demo = [{ type: 'form_submit', ts: at - 1000, form: 'demo_request' }];
        const signal = makeSignal({ lead: 'no-test@example.com', profile: {}, events: demo, at });
        const made = await post(plain, { ...signal, ruleset: { ...signal.ruleset, variant: 'b' } });
        assert.equal(made.status, 422, made.text);
        assert.equal(made.json.error.code, 'variantMismatch');
        assert.equal(made.json.error.path, 'ruleset.variant');
        // What the tracker sends with no variant configured: none (and null, as deliveries write it).
        assert.equal((await post(plain, { ...signal, ruleset: { ...signal.ruleset, variant: null } })).status, 200);
        assert.ok(await until(() => hook.requests.some((r) => r.body.key === signal.key)));
        assert.equal(hook.requests.find((r) => r.body.key === signal.key).body.ruleset.variant, null);
        const funnel = await plain.dispatchFetch(`${BASE}/funnel`, {
            headers: { authorization: 'Bearer plain-admin' },
        });
        const { experiments } = await funnel.json();
        assert.deepEqual(Object.keys(experiments['b2b-saas-mql'].variants), ['none'], 'no made-up variant');
    } finally {
        await plain.dispose();
    }
});

test('a bad VARIANTS is refused naming the path', async () => {
    const bad = await startWorker(hook, {
        vars: {
            VARIANTS: JSON.stringify({ 'b2b-saas-mql': [{ variant: 'x', ruleset: 'nope', weight: 1 }] }),
        },
    });
    try {
        const res = await bad.dispatchFetch(`${BASE}/rules/b2b-saas-mql`);
        assert.equal(res.status, 500);
        const { error } = await res.json();
        assert.equal(error.path, 'VARIANTS.b2b-saas-mql[0].ruleset');
    } finally {
        await bad.dispose();
    }
});
