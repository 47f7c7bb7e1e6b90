// Identity in workerd: an anonymous visitor's history merges into the known lead when
// a signal carries both ids, two devices of one lead end in one state, a signal with
// only a merged visitor id reaches the lead, and no transition is delivered twice
// because of a merge (src/identity.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { BASE, post, receiver, startWorker, transitionKey, until } from './harness.mjs';

const SALES_TOKEN = 'test-sales-token';
const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };
const RULESET = { id: 'b2b-saas-mql', version: '2026-11-01' };

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, { vars: { SALES_TOKEN } });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

let seq = 0;
const uid = (what) => `${what}-${process.pid}-${++seq}`;

/**
 * A signal as a page sends it, claiming stage `to` and total `total` (the worker
 * confirms a claim its events support: at least that stage and total), keyed as the
 * page's session keys the transition (a claim of no stage: any key).
 */
function signal({ visitor, lead, to = 'none', total = 0, events, profile = {}, at = Date.now(), key }) {
    return {
        v: 1,
        key:
            key ??
            (to === 'none' ? `ls1-${crypto.randomBytes(8).toString('hex')}` : transitionKey(lead ?? visitor, to)),
        visitor,
        ...(lead ? { lead } : {}),
        ruleset: RULESET,
        from: 'none',
        to,
        at,
        total,
        profile,
        events,
    };
}

const pricing = (at, n, prefix) =>
    Array.from({ length: n }, (_, i) => ({
        type: 'page_view',
        ts: at - (n - i) * HOUR,
        id: `${prefix}-p${i}`,
        url: '/pricing',
    }));
const whitepapers = (at, n, prefix) =>
    Array.from({ length: n }, (_, i) => ({
        type: 'form_submit',
        ts: at - HOUR / (i + 2),
        id: `${prefix}-w${i}`,
        form: 'whitepaper',
    }));

async function lead(id) {
    const res = await mf.dispatchFetch(`${BASE}/leads/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${SALES_TOKEN}` },
    });
    return { status: res.status, json: await res.json() };
}

async function byVisitor(id) {
    const res = await mf.dispatchFetch(`${BASE}/visitors/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${SALES_TOKEN}` },
    });
    return { status: res.status, json: await res.json() };
}

/** Deliveries the receiver got for lead `id`. */
const deliveriesFor = (id) => hook.requests.filter((r) => r.body?.lead === id);
/** Longer than the queue consumer's batch timeout (1 s): anything queued would have come. */
const settle = () => new Promise((r) => setTimeout(r, 2500));

test("an anonymous visitor's history merges into the lead when a signal carries both ids", async () => {
    const at = Date.now();
    const visitor = uid('v');
    const id = `${uid('ann')}@acme.io`;
    const anon = await post(
        mf,
        signal({ visitor, events: pricing(at, 3, visitor).map((e) => ({ ...e, anon: true })) }),
    );
    assert.equal(anon.status, 200, anon.text);
    assert.equal(anon.json.stage, 'none');
    assert.equal((await lead(id)).status, 404, 'the lead is not known before it is identified');
    // Known by its visitor id only: GET /visitors/:id answers it.
    const anonymous = await byVisitor(visitor);
    assert.equal(anonymous.status, 200);
    assert.deepEqual([anonymous.json.lead, anonymous.json.visitor, anonymous.json.stage], [null, visitor, 'none']);
    assert.equal(anonymous.json.explanation.events.scored, 3);
    assert.equal((await byVisitor(uid('never-seen'))).json.error.code, 'unknownLead');

    // Two whitepapers and the profile alone fall short of MQL; with the visitor's three
    // pricing views they reach it. A claim the lead's own events could not support
    // would be refused (422): the answer proves the history was merged.
    const known = signal({
        visitor,
        lead: id,
        to: 'mql',
        total: 100,
        profile: PROFILE,
        events: whitepapers(at, 2, id),
    });
    const merged = await post(mf, known);
    assert.equal(merged.status, 200, merged.text);
    assert.equal(merged.json.status, 'confirmed');
    assert.equal(merged.json.stage, 'mql');
    assert.equal(merged.json.delivered.length, 1);

    const state = await lead(id);
    assert.equal(state.status, 200);
    assert.equal(state.json.lead, id);
    assert.equal(state.json.explanation.events.scored, 5, 'three anonymous views and two whitepapers');
    // The visitor id, merged, follows the alias to the lead.
    const followed = await byVisitor(visitor);
    assert.equal(followed.status, 200);
    const view = (j) => [j.lead, j.visitor, j.stage, j.explanation.events.scored];
    assert.deepEqual(view(followed.json), view(state.json));
    assert.ok(await until(() => deliveriesFor(id).length === 1));
    await settle();
    assert.equal(deliveriesFor(id).length, 1, 'one delivery');
    assert.equal(deliveriesFor(id)[0].headers['idempotency-key'], merged.json.delivered[0]);
});

test('two devices of one lead end in one state; shared event ids count once', async () => {
    const at = Date.now();
    const id = `${uid('dev')}@acme.io`;
    const [phone, laptop] = [uid('phone'), uid('laptop')];
    // Each device browses anonymously first.
    for (const [visitor, n] of [
        [phone, 1],
        [laptop, 2],
    ]) {
        const res = await post(mf, signal({ visitor, events: pricing(at - n * 10, n, visitor) }));
        assert.equal(res.status, 200, res.text);
    }
    // The phone identifies: its one view joins the lead.
    const first = await post(
        mf,
        signal({ visitor: phone, lead: id, profile: PROFILE, events: whitepapers(at, 1, id) }),
    );
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.stage, 'none');
    assert.equal((await lead(id)).json.explanation.events.scored, 2);
    // The laptop identifies with an event the phone already sent (same id, as after a
    // sync) and one of its own: its two views join, the repeated event counts once.
    const shared = whitepapers(at, 1, id)[0];
    const second = await post(
        mf,
        signal({
            visitor: laptop,
            lead: id,
            to: 'mql',
            total: 100,
            profile: PROFILE,
            events: [shared, { ...whitepapers(at, 2, id)[1] }],
        }),
    );
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.stage, 'mql', 'both devices together reach MQL');
    const state = await lead(id);
    assert.equal(state.json.explanation.events.scored, 5, '1 + 2 views, 2 whitepapers, the shared one once');
    assert.ok(await until(() => deliveriesFor(id).length === 1));
    await settle();
    assert.equal(deliveriesFor(id).length, 1);

    // A later signal from either device with its visitor id only reaches the lead's state.
    const laterSignal = signal({
        visitor: phone,
        to: 'sql',
        key: transitionKey(id, 'sql'), // the phone's session is identified: keyed by the lead
        events: [{ type: 'form_submit', ts: at, id: uid('demo'), form: 'demo_request' }],
    });
    const later = await post(mf, laterSignal);
    assert.equal(later.status, 200, later.text);
    assert.equal(later.json.stage, 'sql');
    assert.equal((await lead(id)).json.stage, 'sql');
    assert.ok(await until(() => deliveriesFor(id).length === 2), 'the SQL transition, delivered as the lead');
    const sql = deliveriesFor(id).find((d) => d.body.to === 'sql');
    assert.equal(sql.body.lead, id);
    // Replayed through the alias, it is a duplicate.
    const replay = await post(mf, laterSignal);
    assert.equal(replay.json?.status, 'duplicate', replay.text);
    await settle();
    assert.equal(deliveriesFor(id).length, 2);
});

test('a transition reached anonymously is not delivered again when the visitor is identified', async () => {
    const at = Date.now();
    const visitor = uid('v');
    const id = `${uid('cal')}@acme.io`;
    // Anonymous, with a profile: MQL reached and delivered under the visitor.
    const events = [...pricing(at, 3, visitor), ...whitepapers(at, 2, visitor)].map((e) => ({ ...e, anon: true }));
    const anonSignal = signal({ visitor, to: 'mql', total: 100, profile: PROFILE, events });
    const anon = await post(mf, anonSignal);
    assert.equal(anon.status, 200, anon.text);
    assert.equal(anon.json.delivered.length, 1);
    const visitorKey = anon.json.delivered[0];
    assert.ok(await until(() => hook.requests.some((r) => r.headers['idempotency-key'] === visitorKey)));

    // Identified, sending the same events and one more view (as a page does): the
    // lead's object takes the visitor's progress (MQL), so the lead reports no MQL again
    // (and a claim of MQL under the lead's key would be refused: no such transition).
    const more = { type: 'page_view', ts: at, id: uid('view'), url: '/docs/start' };
    const identified = await post(
        mf,
        signal({ visitor, lead: id, to: 'none', total: 100, profile: PROFILE, events: [...events, more] }),
    );
    assert.equal(identified.status, 200, identified.text);
    assert.equal(identified.json.stage, 'mql');
    assert.deepEqual(identified.json.delivered, [], 'MQL was delivered already, as the visitor');
    // A demo request then makes it SQL, delivered once as the lead.
    const demo = { type: 'form_submit', ts: at, id: uid('demo'), form: 'demo_request' };
    const sql = await post(mf, signal({ visitor, lead: id, to: 'sql', events: [demo] }));
    assert.equal(sql.json?.stage, 'sql', sql.text);
    assert.equal(sql.json.delivered.length, 1);
    assert.ok(await until(() => deliveriesFor(id).length === 1));
    await settle();
    const mine = hook.requests.filter((r) => r.body?.visitor === visitor || r.body?.lead === id);
    assert.deepEqual(
        mine.map((r) => [r.body.to, r.body.lead]),
        [
            ['mql', null],
            ['sql', id],
        ],
        'MQL once (as the visitor), SQL once (as the lead)',
    );
    // A replay of the anonymous signal after the merge is a duplicate, not a second delivery.
    const replay = await post(mf, anonSignal);
    assert.equal(replay.json?.status, 'duplicate', replay.text);
});
