// What the CRM and sales tools get, in workerd: HubSpot's contacts batch-upsert shape
// (CRM_SHAPE=hubspot, HUBSPOT_MAPPING), account roll-ups delivered with each lead,
// and GET /leads/:id behind SALES_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, makeSignal, post, receiver, startWorker, until } from './harness.mjs';
import { HUBSPOT_DEFAULTS, crmBody, hubspotMapping } from '../src/crm-shapes.js';

const SALES_TOKEN = 'test-sales-token';
const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };
const DOMAIN = `acme-${process.pid}.io`;

function mqlEvents(at) {
    return [
        { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - HOUR, url: '/pricing' },
        { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
        { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
    ];
}

/** Workers by shape: `{ hook, mf }` each, the webhook a receiver of its own. */
const workers = {};

before(async () => {
    for (const [shape, vars] of [
        ['generic', {}],
        ['hubspot', { CRM_SHAPE: 'hubspot' }],
        [
            'mapped',
            {
                CRM_SHAPE: 'hubspot',
                HUBSPOT_MAPPING: JSON.stringify({
                    properties: { score: 'lead_score_edge', band: null },
                    lifecyclestage: { mql: 'lead' },
                }),
            },
        ],
    ]) {
        const hook = await receiver();
        workers[shape] = { hook, mf: await startWorker(hook, { vars: { SALES_TOKEN, ...vars } }) };
    }
});

after(async () => {
    for (const { hook, mf } of Object.values(workers)) {
        await mf.dispose();
        await hook.close();
    }
});

const byKey = (hook, key) => hook.requests.filter((r) => r.headers['idempotency-key'] === key);

async function qualify(mf, lead, extra = {}) {
    const at = Date.now();
    const signal = { ...makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at }), ...extra };
    const res = await post(mf, signal);
    assert.equal(res.json?.status, 'confirmed', res.text);
    return signal;
}

async function getLead(mf, id, token = SALES_TOKEN) {
    const res = await mf.dispatchFetch(`${BASE}/leads/${encodeURIComponent(id)}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.status, json: await res.json() };
}

test('CRM_SHAPE=hubspot: one contacts batch-upsert input per transition, stage as lifecyclestage', async () => {
    const { hook, mf } = workers.hubspot;
    const lead = `ann@${DOMAIN}`;
    const signal = await qualify(mf, lead);
    assert.ok(await until(() => byKey(hook, signal.key).length === 1));
    const [got] = byKey(hook, signal.key);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(got.body), ['inputs']);
    assert.equal(got.body.inputs.length, 1);
    const [input] = got.body.inputs;
    assert.equal(input.idProperty, 'email');
    assert.equal(input.id, lead);
    assert.equal(input.objectWriteTraceId, signal.key);
    const p = input.properties;
    assert.equal(p.lifecyclestage, 'marketingqualifiedlead');
    assert.equal(p.leadscore_stage, 'mql');
    assert.equal(p.leadscore_score, String(signal.total));
    assert.equal(p.leadscore_band, 'hot');
    assert.match(p.leadscore_grade, /^[A-D]$/);
    assert.match(p.leadscore_matrix, /^[A-D][1-4]$/);
    assert.equal(p.leadscore_ruleset, 'b2b-saas-mql@2026-11-01');
    assert.equal(new Date(p.leadscore_stage_at).getTime(), signal.at);
    assert.equal(p.leadscore_account, DOMAIN);
    assert.equal(p.leadscore_account_engaged_leads, '1');
    assert.ok(
        Object.values(p).every((v) => typeof v === 'string'),
        'HubSpot property values are text',
    );
});

test('HubSpot: every property the shape can send is in the README; one not configured is not sent', async () => {
    // edge/README.md lists the custom properties to create in HubSpot first: all of them.
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('`CRM_SHAPE = "hubspot"`'), readme.indexOf('Problems are answered'));
    const documented = new Set(section.match(/leadscore_[a-z_]+/g));
    assert.deepEqual([...documented].sort(), Object.values(HUBSPOT_DEFAULTS.properties).sort());
    // No ROUTING and no VARIANTS here: no owner and no variant property (HubSpot refuses
    // a batch that names a property it does not have).
    const { hook, mf } = workers.hubspot;
    const signal = await qualify(mf, `props@${DOMAIN}`);
    assert.ok(await until(() => byKey(hook, signal.key).length === 1));
    const sent = Object.keys(byKey(hook, signal.key)[0].body.inputs[0].properties);
    assert.ok(!sent.includes('leadscore_owner') && !sent.includes('leadscore_variant'), sent.join());
    assert.ok(
        sent.every((name) => name === 'lifecyclestage' || documented.has(name)),
        sent.join(),
    );
});

test('HUBSPOT_MAPPING renames and leaves out properties and maps stages', async () => {
    const { hook, mf } = workers.mapped;
    const signal = await qualify(mf, `mapped@${DOMAIN}`);
    assert.ok(await until(() => byKey(hook, signal.key).length === 1));
    const p = byKey(hook, signal.key)[0].body.inputs[0].properties;
    assert.equal(p.lead_score_edge, String(signal.total));
    assert.equal(p.leadscore_score, undefined);
    assert.equal(p.leadscore_band, undefined, 'mapped to null: left out');
    assert.equal(p.lifecyclestage, 'lead');
    assert.equal(p.leadscore_stage, 'mql', 'the defaults stay for what the mapping does not name');
});

test('a HUBSPOT_MAPPING that is not one is refused naming its path', () => {
    assert.equal(hubspotMapping(''), HUBSPOT_DEFAULTS);
    assert.throws(() => hubspotMapping('{'), /HUBSPOT_MAPPING is not JSON/);
    assert.throws(() => hubspotMapping('{"propertys":{}}'), /HUBSPOT_MAPPING\.propertys is not a mapping key/);
    assert.throws(() => hubspotMapping('{"properties":{"scroe":"x"}}'), /HUBSPOT_MAPPING\.properties\.scroe/);
    assert.throws(() => hubspotMapping('{"lifecyclestage":{"mql":5}}'), /lifecyclestage\.mql must be a name or null/);
    assert.throws(() => crmBody({ key: 'k' }, { CRM_SHAPE: 'salesforce' }), /CRM_SHAPE must be generic or hubspot/);
});

test('accounts: leads of one company roll up, delivered with each lead; free mail is no account', async () => {
    const { hook, mf } = workers.generic;
    const first = await qualify(mf, `one@${DOMAIN}`);
    assert.ok(await until(() => byKey(hook, first.key).length === 1));
    const a1 = byKey(hook, first.key)[0].body.account;
    assert.equal(a1.id, DOMAIN);
    assert.equal(a1.source, 'domain');
    assert.equal(a1.leadCount, 1);

    // A second lead at the company (its address in capitals: the same domain).
    const second = await qualify(mf, `Two@${DOMAIN.toUpperCase()}`);
    assert.ok(await until(() => byKey(hook, second.key).length === 1));
    const a2 = byKey(hook, second.key)[0].body.account;
    assert.equal(a2.id, DOMAIN, 'the domain, lower-cased');
    assert.equal(a2.leadCount, 2);
    assert.equal(a2.engagedCount, 2);
    assert.deepEqual(a2.stages, { none: 0, mql: 2, pql: 0, sql: 0 });
    const totals = [first.total, second.total];
    assert.equal(a2.highestScore, Math.max(...totals));
    assert.equal(a2.summedScore, Math.round((first.total + second.total) * 100) / 100);
    assert.deepEqual(a2.engaged.map((l) => l.lead).sort(), [`Two@${DOMAIN.toUpperCase()}`, `one@${DOMAIN}`].sort());

    const free = await qualify(mf, `someone-${process.pid}@gmail.com`);
    assert.ok(await until(() => byKey(hook, free.key).length === 1));
    assert.equal(byKey(hook, free.key)[0].body.account, null);

    // An account id in the signal wins over the domain, and is kept for the lead.
    const named = await qualify(mf, `named-${process.pid}@gmail.com`, { account: `acct-${process.pid}` });
    assert.ok(await until(() => byKey(hook, named.key).length === 1));
    assert.deepEqual(
        [byKey(hook, named.key)[0].body.account.id, byKey(hook, named.key)[0].body.account.source],
        [`acct-${process.pid}`, 'account'],
    );
    assert.equal((await getLead(mf, `named-${process.pid}@gmail.com`)).json.account.id, `acct-${process.pid}`);
});

test('GET /leads/:id: score, stage, band, grade, matrix and explanation behind SALES_TOKEN', async () => {
    const { mf } = workers.generic;
    const lead = `sales@${DOMAIN}`;
    assert.equal((await getLead(mf, lead)).status, 404, 'unknown before its first signal');
    const signal = await qualify(mf, lead);

    const none = await getLead(mf, lead, null);
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'unauthorized');
    assert.equal((await getLead(mf, lead, 'wrong-token')).status, 401);
    const unknown = await getLead(mf, `nobody@${DOMAIN}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 'unknownLead');

    const { status, json } = await getLead(mf, lead);
    assert.equal(status, 200);
    assert.equal(json.lead, lead);
    assert.equal(json.stage, 'mql');
    assert.deepEqual(json.ruleset, { id: 'b2b-saas-mql', version: '2026-11-01' });
    assert.equal(json.score.band, 'hot');
    assert.match(json.score.matrix, new RegExp(`^${json.score.grade}[1-4]$`));
    // Scored now, a little after the signal: decay can only have lowered the total.
    assert.ok(json.score.total <= signal.total + 0.005 && json.score.total > signal.total - 1, json.score.total);
    const points = json.explanation.contributions.reduce((s, c) => s + c.points, 0);
    assert.ok(Math.abs(points - json.score.total) < 0.02, 'the contributions add up to the total');
    assert.ok(json.explanation.contributions.some((c) => c.id === 'pricing_views'));
    assert.match(json.explanation.stageReason, /MQL/);
    assert.equal(json.explanation.events.scored, signal.events.length);
    assert.equal(json.account.id, DOMAIN);
});
