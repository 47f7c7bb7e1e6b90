// SLA in workerd: a hand-off the CRM does not accept in time is escalated once, by the
// lead's Durable Object alarm, through the delivery queue to the escalation webhook;
// an accepted one is not. `POST /crm/accepted` needs CRM_TOKEN. Short SLAs (1 s) and
// bounded waits (`until`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, makeSignal, post, receiver, startWorker, until } from './harness.mjs';

const CRM_TOKEN = 'test-crm-token';
const SLA = [
    { stage: 'sql', reasonIncludes: 'stages.sql.on', within: 1 },
    { stage: 'mql', within: 4 },
];

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, {
        vars: {
            SLA: JSON.stringify(SLA),
            ESCALATION_WEBHOOK_URL: hook.url.replace(/\/hook$/, '/escalations'),
            CRM_TOKEN,
            ROUTING: JSON.stringify({ rules: [], default: 'sdr-1' }),
        },
    });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

const escalationsOf = (key) => hook.requests.filter((r) => r.url === '/escalations' && r.body.transition === key);
const deliveriesOf = (key) => hook.requests.filter((r) => r.url === '/hook' && r.body.key === key);

async function sqlLead(lead) {
    const at = Date.now();
    const signal = makeSignal({
        lead,
        profile: { country: 'US' },
        events: [{ type: 'form_submit', ts: at - 1000, form: 'demo_request' }],
        at,
    });
    assert.equal(signal.to, 'sql');
    const res = await post(mf, signal);
    assert.equal(res.status, 200, res.text);
    return signal;
}

function accept(body, token = CRM_TOKEN) {
    return mf.dispatchFetch(`${BASE}/crm/accepted`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
    });
}

test('a lead not accepted within its SLA is escalated once, to the escalation webhook', async () => {
    const signal = await sqlLead('slow@example.com');
    assert.ok(await until(() => deliveriesOf(signal.key).length === 1), 'handed off');
    assert.ok(await until(() => escalationsOf(signal.key).length >= 1, 15_000), 'escalated');
    // Well past another alarm and another queue batch: nothing more comes.
    await new Promise((r) => setTimeout(r, 3000));
    const escalations = escalationsOf(signal.key);
    assert.equal(escalations.length, 1, 'escalated exactly once');
    const [e] = escalations;
    assert.equal(e.headers['idempotency-key'], `esc-${signal.key}`);
    assert.equal(e.body.type, 'leadscore.escalation');
    assert.equal(e.body.lead, 'slow@example.com');
    assert.equal(e.body.stage, 'sql');
    assert.equal(e.body.within, 1);
    assert.deepEqual(e.body.owner, { id: 'sdr-1', rule: 'default' });
    assert.ok(e.body.escalatedAt >= e.body.due);
    assert.equal(deliveriesOf(`esc-${signal.key}`).length, 0, 'not sent to the CRM webhook');

    // Accepted at last: late.
    const res = await accept({ lead: 'slow@example.com', key: signal.key });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, 'accepted');
    assert.equal(body.late, true);
});

test('a lead accepted within its SLA is not escalated; acceptance needs CRM_TOKEN and a known key', async () => {
    const signal = await sqlLead('quick@example.com');
    const lead = 'quick@example.com';
    const denied = await accept({ lead, key: signal.key }, 'wrong-token');
    assert.equal(denied.status, 401);
    assert.equal((await denied.json()).error.code, 'unauthorized');
    assert.equal((await accept({ lead, key: signal.key }, null)).status, 401);

    const res = await accept({ lead, key: signal.key });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(
        { status: body.status, late: body.late, key: body.key },
        {
            status: 'accepted',
            late: false,
            key: signal.key,
        },
    );
    const again = await (await accept({ lead, key: signal.key })).json();
    assert.equal(again.status, 'alreadyAccepted');

    const unknown = await accept({ lead, key: 'ls1-ffffffffffffffff' });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.code, 'unknownTransition');
    const missing = await accept({ key: signal.key });
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).error.path, 'lead');
    const badKey = await accept({ lead, key: 'nope' });
    assert.equal((await badKey.json()).error.path, 'key');

    // Past the SLA (1 s), an alarm and a queue batch: no escalation.
    assert.ok(await until(() => deliveriesOf(signal.key).length === 1));
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(escalationsOf(signal.key).length, 0);
});

test('an SLA opened for an anonymous visitor goes with its history to the lead: accepted there, not escalated', async () => {
    const at = Date.now();
    const hour = 3_600_000;
    const anon = makeSignal({
        profile: { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' },
        events: [
            { type: 'page_view', ts: at - 3 * hour, url: '/pricing' },
            { type: 'page_view', ts: at - 2 * hour, url: '/pricing' },
            { type: 'page_view', ts: at - hour, url: '/pricing' },
            { type: 'form_submit', ts: at - hour / 2, form: 'whitepaper' },
            { type: 'form_submit', ts: at - hour / 4, form: 'whitepaper' },
        ],
        at,
    });
    assert.equal(anon.to, 'mql');
    assert.equal((await post(mf, anon)).status, 200);
    // The visitor is identified: the lead's object takes the history, and the open SLA.
    const lead = 'identified@example.com';
    const named = await post(mf, {
        ...anon,
        key: 'ls1-00000000000000c1',
        lead,
        from: 'mql',
        // No new stage: the page sends such a signal only to carry events (a claim of
        // a stage is a transition, with its key).
        to: 'none',
        total: 0,
        events: [{ type: 'page_view', ts: at + 100, url: '/docs', id: 'identified-1' }],
        at: at + 200,
    });
    assert.equal(named.status, 200, named.text);
    assert.deepEqual(named.json.delivered, [], 'the MQL is not delivered again');
    const res = await accept({ lead, key: anon.key });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).status, 'accepted');
    // Named by the visitor, the acceptance reaches the lead's object too.
    const byVisitor = await accept({ visitor: anon.visitor, key: anon.key });
    assert.equal((await byVisitor.json()).status, 'alreadyAccepted');
    // Past the 4-second SLA, an alarm and a queue batch: no escalation from either object.
    assert.ok(await until(() => deliveriesOf(anon.key).length === 1));
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(escalationsOf(anon.key).length, 0);
});

test('a bad SLA is refused naming the path', async () => {
    const bad = await startWorker(hook, { vars: { SLA: JSON.stringify([{ stage: 'sql', within: -5 }]) } });
    try {
        const res = await bad.dispatchFetch(`${BASE}/rules/b2b-saas-mql`);
        assert.equal(res.status, 500);
        const { error } = await res.json();
        assert.equal(error.code, 'badConfig');
        assert.equal(error.path, 'SLA[0].within');
    } finally {
        await bad.dispose();
    }
});
