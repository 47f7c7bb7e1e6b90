// The funnel in workerd: visitors (distinct ids fetching the experiment's rule set),
// MQLs, SQLs, the MQL-to-SQL rate, the medians from MQL to SQL and to acceptance, and
// the SLAs missed, per variant, behind ADMIN_TOKEN. Bounded waits (`until`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ADMIN_TOKEN, BASE, makeSignal, post, receiver, startWorker, transitionKey, until } from './harness.mjs';

const CRM_TOKEN = 'test-crm-token';
const VARIANTS = {
    'b2b-saas-mql': [
        { variant: 'control', weight: 1 },
        { variant: 'product', ruleset: 'product-led-pql', weight: 1 },
    ],
};
const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };

function variantOf(visitor) {
    const u = crypto.createHash('sha256').update(`b2b-saas-mql:${visitor}`).digest().readUInt32BE(0);
    return u / 2 ** 32 < 0.5 ? 'control' : 'product';
}
function visitorsIn(variant, count) {
    const out = [];
    for (let i = 0; i < 1000 && out.length < count; i++) if (variantOf(`v-f-${i}`) === variant) out.push(`v-f-${i}`);
    return out;
}

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, {
        vars: {
            VARIANTS: JSON.stringify(VARIANTS),
            SLA: JSON.stringify([{ stage: 'mql', within: 1 }]),
            ESCALATION_WEBHOOK_URL: hook.url.replace(/\/hook$/, '/escalations'),
            CRM_TOKEN,
        },
    });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

const funnel = async (token = ADMIN_TOKEN) =>
    mf.dispatchFetch(`${BASE}/funnel`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

function mqlSignal(lead, visitor, at) {
    const events = [
        { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - HOUR, url: '/pricing' },
        { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
        { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
    ];
    const s = { ...makeSignal({ lead, profile: PROFILE, events, at }), visitor };
    assert.equal(s.to, 'mql');
    return s;
}

test('GET /funnel counts visitors, MQLs, SQLs, the rate, the medians and the SLAs missed, per variant', async () => {
    const [c1, c2, c3] = visitorsIn('control', 3);
    const [p1] = visitorsIn('product', 1);
    // Visitors: c1 twice (counted once), c2, c3, p1.
    for (const v of [c1, c1, c2, c3, p1]) {
        const res = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql?visitor=${v}`);
        assert.equal(res.status, 200);
        await res.arrayBuffer();
    }

    const t0 = Date.now() - 60_000;
    // Lead 1 (c1): MQL, accepted, then SQL 20 s after its MQL.
    const mql1 = mqlSignal('funnel-1@example.com', c1, t0);
    assert.equal((await post(mf, mql1)).status, 200);
    const accept = await mf.dispatchFetch(`${BASE}/crm/accepted`, {
        method: 'POST',
        headers: { authorization: `Bearer ${CRM_TOKEN}` },
        body: JSON.stringify({ lead: 'funnel-1@example.com', key: mql1.key }),
    });
    assert.equal(accept.status, 200);
    const acceptedAt = Date.now();
    const sql1 = {
        ...mql1,
        key: transitionKey('funnel-1@example.com', 'sql'),
        from: 'mql',
        to: 'sql',
        at: t0 + 20_000,
        total: 0,
        events: [{ type: 'form_submit', ts: t0 + 19_000, form: 'demo_request', id: 'funnel-demo-1' }],
    };
    const res = await post(mf, sql1);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.stage, 'sql');
    // Lead 2 (c2): MQL only, never accepted: its SLA (1 s) is missed.
    const mql2 = mqlSignal('funnel-2@example.com', c2, t0 + 1000);
    assert.equal((await post(mf, mql2)).status, 200);
    assert.ok(
        await until(() => hook.requests.some((r) => r.url === '/escalations' && r.body.transition === mql2.key)),
        'the missed SLA escalated',
    );

    assert.equal((await funnel(null)).status, 401);
    assert.equal((await funnel('wrong')).status, 401);
    let report;
    assert.ok(
        await until(async () => {
            report = await (await funnel()).json();
            return report.experiments['b2b-saas-mql']?.variants.control?.slaMissed === 1;
        }),
        JSON.stringify(report),
    );
    const control = report.experiments['b2b-saas-mql'].variants.control;
    assert.equal(control.visitors, 3);
    assert.equal(control.visitorsCapped, false);
    assert.equal(control.mqls, 2);
    assert.equal(control.sqls, 1);
    assert.deepEqual(control.mqlToSql, { converted: 1, rate: 0.5 });
    assert.equal(control.medianMs.mqlToSql, 20_000);
    const toAccepted = control.medianMs.mqlToAccepted;
    assert.ok(toAccepted >= acceptedAt - t0 - 5000 && toAccepted <= acceptedAt - t0, String(toAccepted));
    assert.equal(control.slaMissed, 1);
    const product = report.experiments['b2b-saas-mql'].variants.product;
    assert.equal(product.visitors, 1);
    assert.equal(product.mqls, 0);
    assert.deepEqual(product.mqlToSql, { converted: 0, rate: null });
    assert.deepEqual(product.medianMs, { mqlToSql: null, mqlToAccepted: null });
});
