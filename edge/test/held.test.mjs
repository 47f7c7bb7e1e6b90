// Held transitions in workerd: with CRM_SHAPE=hubspot an anonymous visitor's
// transition has no contact to go to, so its object holds it (not queued, routed,
// put under an SLA or counted in the funnel) and hands it over on the merge; the
// lead's object then hands it off under the lead, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
    ADMIN_TOKEN,
    BASE,
    getAuthorized,
    makeSignal,
    post,
    receiver,
    startWorker,
    transitionKey,
    until,
} from './harness.mjs';

const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };
const TEAM = ['sdr-a@example.com', 'sdr-b@example.com'];

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, {
        vars: {
            CRM_SHAPE: 'hubspot',
            ROUTING: JSON.stringify({ rules: [{ team: 'inbound' }], teams: { inbound: TEAM }, default: 'nobody' }),
            SLA: JSON.stringify([{ stage: 'mql', within: 1 }]),
            ESCALATION_WEBHOOK_URL: hook.url.replace(/\/hook$/, '/escalations'),
        },
    });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

const mqlEvents = (at) => [
    { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
    { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
    { type: 'page_view', ts: at - HOUR, url: '/pricing' },
    { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
    { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
];
const sent = (key) => hook.requests.filter((r) => r.url === '/hook' && r.headers['idempotency-key'] === key);
const escalations = (key) => hook.requests.filter((r) => r.url === '/escalations' && r.body.transition === key);
const settle = () => new Promise((r) => setTimeout(r, 2500));

async function funnelCounts() {
    const { json } = await getAuthorized(mf, '/funnel', ADMIN_TOKEN);
    const none = json.experiments['b2b-saas-mql']?.variants.none;
    return { mqls: none?.mqls ?? 0, sqls: none?.sqls ?? 0, slaMissed: none?.slaMissed ?? 0 };
}

async function deadLettersOf(key) {
    const { json } = await getAuthorized(mf, '/dead-letters', ADMIN_TOKEN);
    return json.letters.filter((l) => l.body.key === key);
}

test("an anonymous visitor's transition is held, then handed off once under the lead it merges into", async () => {
    const at = Date.now();
    const anon = makeSignal({ profile: PROFILE, events: mqlEvents(at), at });
    assert.equal(anon.to, 'mql');
    const res = await post(mf, anon);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'confirmed');
    assert.deepEqual(res.json.delivered, [], 'nothing went to the CRM');
    assert.deepEqual(res.json.held, [anon.key]);
    // Past the 1-second SLA and the queue's batch timeout: nothing sent, kept as a
    // dead letter, escalated or counted.
    await settle();
    assert.equal(sent(anon.key).length, 0);
    assert.equal(escalations(anon.key).length, 0, 'no SLA for a held transition');
    assert.deepEqual(await deadLettersOf(anon.key), []);
    assert.deepEqual(await funnelCounts(), { mqls: 0, sqls: 0, slaMissed: 0 });
    // A replay of the held signal is a duplicate.
    assert.equal((await post(mf, anon)).json?.status, 'duplicate');

    // Another lead qualifies meanwhile: the team's first turn is still free.
    const other = makeSignal({ lead: `other-${process.pid}@example.com`, profile: PROFILE, events: mqlEvents(at), at });
    assert.equal((await post(mf, other)).json?.status, 'confirmed');
    assert.ok(await until(() => sent(other.key).length === 1));
    assert.equal(sent(other.key)[0].body.inputs[0].properties.leadscore_owner, TEAM[0]);

    // The visitor is identified when it asks for a demo (an SQL, keyed by the lead as
    // the page keys it): the held MQL goes first, under the lead, then the SQL.
    const lead = `held-${process.pid}@example.com`;
    const demoAt = at + 1000;
    const sql = {
        ...anon,
        key: transitionKey(lead, 'sql'),
        lead,
        from: 'mql',
        to: 'sql',
        at: demoAt,
        total: 0,
        events: [{ type: 'form_submit', ts: demoAt - 100, form: 'demo_request', id: `demo-${process.pid}` }],
    };
    const named = await post(mf, sql);
    assert.equal(named.status, 200, named.text);
    assert.deepEqual(named.json.delivered, [anon.key, sql.key]);
    assert.equal(named.json.held, undefined);
    assert.ok(await until(() => sent(anon.key).length === 1 && sent(sql.key).length === 1));
    const [input] = sent(anon.key)[0].body.inputs;
    assert.equal(input.id, lead, 'the held MQL goes to the lead as a HubSpot contact');
    assert.equal(input.properties.leadscore_stage, 'mql');
    assert.equal(input.properties.leadscore_owner, TEAM[1], 'routed when handed off: the next turn');
    assert.equal(sent(sql.key)[0].body.inputs[0].properties.leadscore_owner, TEAM[1]);
    assert.ok(
        await until(async () => (await funnelCounts()).mqls === 2 && (await funnelCounts()).sqls === 1),
        'counted in the funnel once handed off',
    );
    // Its SLA started at the hand-off, under the lead.
    assert.ok(await until(() => escalations(anon.key).length === 1));
    assert.equal(escalations(anon.key)[0].body.lead, lead);

    // Exactly once: replays of either signal, and a later signal, hand nothing off again.
    assert.equal((await post(mf, anon)).json?.status, 'duplicate');
    assert.equal((await post(mf, sql)).json?.status, 'duplicate');
    await settle();
    assert.equal(sent(anon.key).length, 1);
    assert.equal(sent(sql.key).length, 1);
    assert.equal((await funnelCounts()).mqls, 2);
    assert.deepEqual(await deadLettersOf(anon.key), []);
    // The visitor's id now reaches the lead's standing.
    const visitor = await mf.dispatchFetch(`${BASE}/visitors/${anon.visitor}`);
    assert.equal(visitor.status, 401, 'behind SALES_TOKEN');
});

test('a held transition to a stage the lead handed off already (another device) is not handed off again', async () => {
    const at = Date.now();
    const lead = `two-devices-${process.pid}@example.com`;
    // The laptop, anonymous, reaches MQL: held.
    const laptop = makeSignal({ profile: PROFILE, events: mqlEvents(at), at });
    assert.deepEqual((await post(mf, laptop)).json?.held, [laptop.key]);
    // The phone, identified, reaches MQL as the lead: handed off.
    const phone = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    assert.deepEqual((await post(mf, phone)).json?.delivered, [phone.key]);
    // The laptop is identified (a signal carrying events, claiming no new stage).
    const named = await post(mf, {
        ...laptop,
        key: 'ls1-00000000000000d2',
        lead,
        from: 'mql',
        to: 'none',
        total: 0,
        events: [{ type: 'page_view', ts: at + 100, url: '/docs', id: `laptop-${process.pid}` }],
        at: at + 200,
    });
    assert.equal(named.status, 200, named.text);
    assert.deepEqual(named.json.delivered, [], "the laptop's MQL is the lead's MQL: not sent twice");
    await settle();
    assert.equal(sent(laptop.key).length, 0);
    assert.deepEqual(
        hook.requests
            .filter((r) => r.url === '/hook' && r.body.inputs?.[0]?.id === lead)
            .map((r) => r.headers['idempotency-key']),
        [phone.key],
    );
});
