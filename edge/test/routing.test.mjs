// Routing in workerd: each kind of rule assigns its owner, a team takes turns
// (RoundRobin Durable Object), the default catches the rest, the owner is carried in
// the delivery and kept for the lead's later transitions; a bad ROUTING is a 500
// naming its path. Every wait is bounded (`until`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, makeSignal, post, receiver, startWorker, transitionKey, until } from './harness.mjs';

const ROUTING = {
    teams: { inbound: ['rr-ana', 'rr-ben', 'rr-cat'] },
    rules: [
        { name: 'dach', field: 'country', in: ['DE', 'AT', 'CH'], owner: 'dach-owner' },
        { name: 'enterprise', field: 'company.size', min: 1000, owner: 'enterprise-owner' },
        { name: 'finance', field: 'company.industry', in: ['finance', 'banking'], owner: 'finance-owner' },
        { name: 'retail', field: 'company.industry', in: ['retail'], team: 'inbound' },
    ],
    default: 'default-owner',
};

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, { vars: { ROUTING: JSON.stringify(ROUTING), SLA: '' } });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

let n = 0;
/** Takes a new lead with `profile` to SQL (a demo request) and answers the delivery the webhook got. */
async function qualify(profile) {
    const at = Date.now();
    const lead = `routed-${++n}@example.com`;
    const signal = makeSignal({
        lead,
        profile,
        events: [{ type: 'form_submit', ts: at - 1000, form: 'demo_request' }],
        at,
    });
    assert.equal(signal.to, 'sql');
    const res = await post(mf, signal);
    assert.equal(res.status, 200, res.text);
    assert.ok(await until(() => hook.requests.some((r) => r.body.key === signal.key)), `${lead} delivered`);
    return hook.requests.find((r) => r.body.key === signal.key).body;
}

test('each kind of rule assigns its owner, first match wins, the default catches the rest', async () => {
    const territory = await qualify({ country: 'DE', company: { size: 5000, industry: 'finance' } });
    assert.deepEqual(territory.owner, { id: 'dach-owner', rule: 'dach' }, 'territory comes first');
    const size = await qualify({ country: 'US', company: { size: 5000, industry: 'finance' } });
    assert.deepEqual(size.owner, { id: 'enterprise-owner', rule: 'enterprise' });
    const industry = await qualify({ country: 'US', company: { size: 50, industry: 'Banking' } });
    assert.deepEqual(industry.owner, { id: 'finance-owner', rule: 'finance' }, 'values compared case-blind');
    const rest = await qualify({ country: 'US', company: { size: 50, industry: 'software' } });
    assert.deepEqual(rest.owner, { id: 'default-owner', rule: 'default' });
    const none = await qualify({});
    assert.deepEqual(none.owner, { id: 'default-owner', rule: 'default' }, 'no fields: the default');
});

test('a team takes turns: round-robin in the configured order, across leads', async () => {
    const owners = [];
    for (let i = 0; i < 4; i++) {
        const d = await qualify({ country: 'US', company: { size: 20, industry: 'retail' } });
        assert.equal(d.owner.team, 'inbound');
        assert.equal(d.owner.rule, 'retail');
        owners.push(d.owner.id);
    }
    // The turn is counted in one object per team: it continues where it stood.
    const start = ROUTING.teams.inbound.indexOf(owners[0]);
    assert.deepEqual(
        owners,
        [0, 1, 2, 3].map((i) => ROUTING.teams.inbound[(start + i) % 3]),
    );
    assert.notEqual(owners[0], owners[1]);
});

test('a lead keeps its owner for its later transitions', async () => {
    const at = Date.now();
    const lead = 'keeps-owner@example.com';
    const hour = 3_600_000;
    const mqlEvents = [
        { type: 'page_view', ts: at - 3 * hour, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * hour, url: '/pricing' },
        { type: 'page_view', ts: at - hour, url: '/pricing' },
        { type: 'form_submit', ts: at - hour / 2, form: 'whitepaper' },
        { type: 'form_submit', ts: at - hour / 4, form: 'whitepaper' },
    ];
    const profile = { jobTitle: 'VP Sales', company: { size: 200, industry: 'retail' }, country: 'US' };
    const mql = makeSignal({ lead, profile, events: mqlEvents, at });
    assert.equal(mql.to, 'mql');
    assert.equal((await post(mf, mql)).status, 200);
    // Later the lead's company is known to be large: it is already someone's.
    const sql = {
        ...mql,
        key: transitionKey(lead, 'sql'),
        from: 'mql',
        to: 'sql',
        at: at + 1000,
        total: 0,
        profile: { ...profile, company: { size: 5000, industry: 'retail' } },
        events: [{ type: 'form_submit', ts: at + 500, form: 'demo_request', id: 'keeps-demo' }],
    };
    const res = await post(mf, sql);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.delivered.length, 1);
    const keys = [mql.key, res.json.delivered[0]];
    assert.ok(await until(() => keys.every((k) => hook.requests.some((r) => r.body.key === k))));
    const [first, second] = keys.map((k) => hook.requests.find((r) => r.body.key === k).body);
    assert.equal(first.owner.team, 'inbound');
    assert.deepEqual(second.owner, first.owner);
});

test('a bad ROUTING is refused at the first request, naming the path; nothing is served', async () => {
    const bad = await startWorker(hook, {
        vars: {
            ROUTING: JSON.stringify({ ...ROUTING, rules: [{ field: 'country', in: ['DE'], team: 'outbound' }] }),
        },
    });
    try {
        const res = await bad.dispatchFetch(`${BASE}/rules/b2b-saas-mql`);
        assert.equal(res.status, 500);
        const { error } = await res.json();
        assert.equal(error.code, 'badConfig');
        assert.equal(error.path, 'ROUTING.rules[0].team');
        assert.match(error.message, /no team outbound/);
    } finally {
        await bad.dispose();
    }
});
