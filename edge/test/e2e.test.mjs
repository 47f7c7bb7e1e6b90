// The tracker and the worker together: the prebuilt tracker in headless Chromium
// (playwright-core), on the tracker tests' site (tests/js/tracker-site.mjs), takes its
// rule set from the worker running in workerd (Miniflare, on 127.0.0.1) and sends its
// signals there; the worker delivers to a receiver on 127.0.0.1 in HubSpot's shape.
// A counting proxy in front of the worker counts the requests that reach it.
// Skipped when no Chromium is installed (Debian: apt-get install chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { EDGE } from '../scripts/build.mjs';
import { receiver, startWorker, until } from './harness.mjs';
import { chromiumPath, startSite, trackerReady } from '../../tests/js/tracker-site.mjs';

const skip = chromiumPath() ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)';
const LEAD = `e2e-${process.pid}@acme-e2e.io`;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };

let browser;
let site;
let hook;
let mf;
let proxy;

/**
 * An HTTP proxy on 127.0.0.1 in front of `target`: `requests` lists what went through
 * (`{ method, path }`), so that what reaches the worker is counted.
 */
async function countingProxy(target) {
    const requests = [];
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', async () => {
            requests.push({ method: req.method, path: req.url });
            const headers = { ...req.headers };
            delete headers.host;
            delete headers.connection;
            try {
                const answer = await fetch(new URL(req.url, target), {
                    method: req.method,
                    headers,
                    body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks),
                });
                const out = Object.fromEntries([...answer.headers].filter(([k]) => k !== 'content-encoding'));
                res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
            } catch (err) {
                res.writeHead(502).end(String(err));
            }
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${server.address().port}`,
        requests,
        close: () => {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(resolve));
        },
    };
}

before(async () => {
    if (skip) return;
    hook = await receiver();
    // The site first: its origin is the one the worker allows.
    site = await startSite({
        pkg: path.join(EDGE, 'node_modules', 'leadscore'),
        attrs: { allow: 'jobTitle,company.size,company.industry,country' },
    });
    mf = await startWorker(hook, { port: 0, vars: { ALLOWED_ORIGINS: site.url, CRM_SHAPE: 'hubspot' } });
    proxy = await countingProxy(await mf.ready);
    site.attrs.endpoint = `${proxy.url}/signals`;
    site.attrs['rules-url'] = `${proxy.url}/rules/b2b-saas-mql`;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
        executablePath: chromiumPath(),
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
        timeout: 60_000,
    });
});

after(async () => {
    await browser?.close();
    site?.close();
    await proxy?.close();
    await mf?.dispose();
    await hook?.close();
});

test('a visitor reaches MQL on the test page; the CRM gets one HubSpot-shaped delivery', { skip }, async () => {
    const ctx = await browser.newContext();
    const pageErrors = [];
    ctx.on('console', (m) => {
        // The site answers /favicon.ico with 404, as the tracker tests' site does.
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
    });
    try {
        const page = await ctx.newPage();
        const visit = async (pathname) => {
            await page.goto(site.url + pathname);
            assert.equal(await trackerReady(page), true, `the tracker scores ${pathname}`);
        };
        // Anonymous at first, then identified with a profile that fits; three pricing
        // pages (and coming back three times) take the lead past the MQL threshold of
        // examples/b2b-saas (100, fit at least 20).
        await visit('/pricing');
        await page.evaluate(([lead, profile]) => window.leadscore.identify(lead, profile), [LEAD, PROFILE]);
        await visit('/pricing/teams');
        await visit('/pricing/enterprise');
        const score = await page.evaluate(() => window.leadscore.score());
        assert.equal(score.stage, 'mql', JSON.stringify(score));

        assert.ok(await until(() => hook.requests.length >= 1, 20_000), 'the CRM got the lead');
        // Nothing more comes: longer than the queue's batch timeout and the tracker's first retry.
        await new Promise((r) => setTimeout(r, 3000));
        assert.equal(hook.requests.length, 1, 'exactly one delivery');
        const [got] = hook.requests;
        assert.match(got.headers['idempotency-key'], /^ls1-[0-9a-f]{16}$/);
        assert.equal(got.body.inputs.length, 1);
        const [input] = got.body.inputs;
        assert.equal(input.idProperty, 'email');
        assert.equal(input.id, LEAD);
        assert.equal(input.objectWriteTraceId, got.headers['idempotency-key']);
        assert.equal(input.properties.lifecyclestage, 'marketingqualifiedlead');
        assert.equal(input.properties.leadscore_stage, 'mql');
        assert.equal(Number(input.properties.leadscore_score), score.total, 'the page and the edge agree');
        assert.equal(input.properties.leadscore_account, 'acme-e2e.io');

        const signals = proxy.requests.filter((r) => r.path === '/signals');
        const rules = proxy.requests.filter((r) => r.path.startsWith('/rules/'));
        assert.equal(signals.length, 1, 'one signal');
        assert.equal(signals[0].method, 'POST', 'no preflight');
        assert.ok(rules.length >= 1 && rules.length <= 3, `the rule set: at most once a page (${rules.length})`);
        const total = proxy.requests.length + hook.requests.length;
        console.log(
            `requests per qualified lead, end to end: ${total} ` +
                `(page → worker: ${rules.length} rule-set GET, ${signals.length} signal POST; worker → CRM: ${hook.requests.length})`,
        );
        assert.deepEqual(pageErrors, []);
    } finally {
        await ctx.close();
    }
});
