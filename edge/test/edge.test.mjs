// The edge worker in workerd (Miniflare), Durable Objects and Queues included, with a
// webhook receiver on 127.0.0.1: what the CRM receives, and what a page is answered.
// Every wait is bounded (`until`, at most 10 s each).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
    ADMIN_TOKEN,
    BASE,
    EVENTS_SECRET,
    ORIGIN,
    makeSignal,
    post,
    postEvents,
    receiver,
    startWorker,
    transitionKey,
    until,
} from './harness.mjs';
import { EDGE } from '../scripts/build.mjs';
import { wranglerConfig } from '../scripts/miniflare.mjs';

const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };

/** Events that take PROFILE's lead to MQL under examples/b2b-saas. */
function mqlEvents(at) {
    return [
        { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - HOUR, url: '/pricing' },
        { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
        { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
    ];
}

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook);
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

/** The deliveries the receiver got for `key`. */
const deliveriesOf = (key) => hook.requests.filter((r) => r.headers['idempotency-key'] === key);

test('a confirmed signal is delivered once, with its idempotency key; a replay is not delivered again', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'ann@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    assert.equal(signal.to, 'mql');

    const first = await post(mf, signal);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.status, 'confirmed');
    assert.deepEqual(first.json.delivered, [signal.key]);
    assert.equal(first.headers.get('access-control-allow-origin'), ORIGIN);

    assert.ok(await until(() => deliveriesOf(signal.key).length === 1), 'the webhook got the transition');
    const [got] = deliveriesOf(signal.key);
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.body.type, 'leadscore.transition');
    assert.equal(got.body.key, signal.key);
    assert.equal(got.body.lead, 'ann@acme.io');
    assert.equal(got.body.to, 'mql');
    assert.equal(got.body.score.total, signal.total);
    assert.deepEqual(got.body.ruleset, { id: 'b2b-saas-mql', version: '2026-11-01', variant: null });

    const replay = await post(mf, signal);
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.json.status, 'duplicate');
    // The same events under another key: the Durable Object holds them already and
    // makes no transition now, so the claim under that key is refused; nothing is delivered.
    const again = await post(mf, { ...signal, key: 'ls1-0123456789abcdef' });
    assert.equal(again.status, 422, again.text);
    assert.equal(again.json.error.code, 'keyMismatch');
    // Longer than the consumer's batch timeout (1 s): anything queued would have come.
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(deliveriesOf(signal.key).length, 1, 'delivered exactly once');
    assert.equal(deliveriesOf('ls1-0123456789abcdef').length, 0);
});

test('a claim under a key the worker does not compute is refused, naming the computed key; nothing stored', async () => {
    const at = Date.now();
    const lead = `madeup-${process.pid}@acme.io`;
    const signal = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    const forged = await post(mf, { ...signal, key: 'ls1-0123456789abcdef' });
    assert.equal(forged.status, 422, forged.text);
    assert.equal(forged.json.error.code, 'keyMismatch');
    assert.equal(forged.json.error.path, 'key');
    assert.deepEqual(forged.json.error.computed, { key: signal.key, stage: 'mql' });
    assert.ok(!forged.text.includes('"key":"ls1-0123456789abcdef","status"'));
    // Nothing was stored: the right key is then confirmed and delivered, under its key.
    const right = await post(mf, signal);
    assert.equal(right.json?.status, 'confirmed', right.text);
    assert.equal(right.json.key, signal.key);
    assert.deepEqual(right.json.delivered, [signal.key]);
    assert.ok(await until(() => deliveriesOf(signal.key).length === 1));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(deliveriesOf('ls1-0123456789abcdef').length, 0);
    assert.equal(hook.requests.filter((r) => r.body?.lead === lead).length, 1);
});

test('a forged score or stage is refused with the difference, and nothing is stored', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'bob@acme.io', profile: PROFILE, events: mqlEvents(at), at });

    const forgedTotal = await post(mf, { ...signal, total: signal.total + 100 });
    assert.equal(forgedTotal.status, 422, forgedTotal.text);
    assert.equal(forgedTotal.json.error.code, 'claimNotSupported');
    assert.equal(forgedTotal.json.error.path, 'total');
    assert.deepEqual(forgedTotal.json.error.claimed, { stage: 'mql', total: signal.total + 100 });
    assert.equal(forgedTotal.json.error.computed.total, signal.total);
    assert.match(forgedTotal.json.error.message, /not the claimed/);

    const forgedStage = await post(mf, { ...signal, to: 'sql' });
    assert.equal(forgedStage.status, 422, forgedStage.text);
    assert.equal(forgedStage.json.error.path, 'to');
    assert.equal(forgedStage.json.error.computed.stage, 'mql');

    // Events that do not reach MQL, claiming it with a plausible total.
    const fewer = await post(mf, { ...signal, events: signal.events.slice(0, 1) });
    assert.equal(fewer.status, 422, fewer.text);
    assert.equal(fewer.json.error.code, 'claimNotSupported');

    // Nothing was stored: neither the key (the honest signal is not a "duplicate") nor the events.
    const honest = await post(mf, signal);
    assert.equal(honest.status, 200, honest.text);
    assert.equal(honest.json.status, 'confirmed');
    assert.deepEqual(honest.json.delivered, [signal.key]);
    assert.ok(await until(() => deliveriesOf(signal.key).length === 1));
});

test('a webhook that is down, then up, receives the transition exactly once, under one key', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'eve@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    let failures = 0;
    hook.answer((req) => (req.headers['idempotency-key'] === signal.key && failures++ < 2 ? 503 : 200));
    try {
        const res = await post(mf, signal);
        assert.equal(res.json?.status, 'confirmed', res.text);
        assert.ok(await until(() => deliveriesOf(signal.key).length >= 3, 15_000), 'tried again after two failures');
        await new Promise((r) => setTimeout(r, 2500));
        const tries = deliveriesOf(signal.key);
        assert.equal(tries.length, 3, 'two refused tries, one accepted, none after');
        assert.equal(new Set(tries.map((t) => JSON.stringify(t.body))).size, 1, 'the same body each time');
    } finally {
        hook.answer(() => 200);
    }
});

test('a retired version is re-scored with the current one; a version never known is refused', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'old@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    // What an older definition claimed: more, and another stage. Not checked: the events count.
    const old = {
        ...signal,
        key: transitionKey('old@acme.io', 'sql', { version: '2026-06-01' }),
        ruleset: { id: 'b2b-saas-mql', version: '2026-06-01' },
        to: 'sql',
        total: 500,
    };
    const res = await post(mf, old);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.status, 'rescored');
    assert.deepEqual(res.json.ruleset, { id: 'b2b-saas-mql', version: '2026-11-01', retired: '2026-06-01' });
    assert.equal(res.json.key, null, "the retired version's key is no key the CRM gets");
    assert.equal(res.json.stage, 'mql');
    assert.equal(res.json.total, signal.total);
    assert.deepEqual(res.json.delivered, [signal.key], "the current version's transition");
    assert.ok(await until(() => deliveriesOf(signal.key).length === 1));
    assert.equal(deliveriesOf(signal.key)[0].body.ruleset.version, '2026-11-01');
    assert.equal((await post(mf, old)).json.status, 'duplicate');

    const unknown = await post(mf, {
        ...signal,
        key: 'ls1-00000000000000aa',
        ruleset: { id: 'b2b-saas-mql', version: '2026-05-01' },
    });
    assert.equal(unknown.status, 422, unknown.text);
    assert.equal(unknown.json.error.code, 'unknownVersion');
    assert.equal(unknown.json.error.path, 'ruleset.version');
});

test('a server-verified event claimed by a page is ignored: it does not lift the score', async () => {
    const at = Date.now();
    const honest = mqlEvents(at).slice(0, 2); // short of MQL
    const webinars = [
        { type: 'webinar_attended', ts: at - HOUR / 8 },
        { type: 'webinar_attended', ts: at - HOUR / 10 },
    ];
    // The page (forged, or a tracker fed these events) reaches MQL only with the webinars.
    const signal = makeSignal({ lead: 'forger@acme.io', profile: PROFILE, events: [...honest, ...webinars], at });
    assert.equal(signal.to, 'mql');
    assert.deepEqual(signal.events.map((e) => e.type).slice(-2), ['webinar_attended', 'webinar_attended']);
    const res = await post(mf, signal);
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.error.code, 'claimNotSupported');
    assert.equal(res.json.error.computed.stage, 'none');
    assert.ok(res.json.error.computed.total < signal.total - 29, 'the webinars counted nothing');
    assert.deepEqual(res.json.ignored, [
        { path: 'events[2]', type: 'webinar_attended' },
        { path: 'events[3]', type: 'webinar_attended' },
    ]);
    // Claiming only what the other events support is confirmed, with the webinars still ignored.
    const modest = await post(mf, { ...signal, to: 'none', total: res.json.error.computed.total });
    assert.equal(modest.status, 200, modest.text);
    assert.equal(modest.json.stage, 'none');
    assert.equal(modest.json.total, res.json.error.computed.total);
    assert.equal(modest.json.ignored.length, 2);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(deliveriesOf(signal.key).length, 0, 'nothing delivered');
});

test('POST /events: signed server events score the lead and deliver its transition; unsigned ones get 401', async () => {
    const now = Date.now();
    const batch = {
        v: 1,
        lead: 'webinar@acme.io',
        ruleset: { id: 'b2b-saas-mql' },
        profile: PROFILE,
        events: [
            { type: 'webinar_attended', ts: now - 60_000, id: 'zoom-1' },
            { type: 'webinar_attended', ts: now - 50_000, id: 'zoom-2' },
            ...Array.from({ length: 5 }, (_, i) => ({ type: 'email_click', ts: now - 40_000 + i, id: `mail-${i}` })),
        ],
    };
    const before = hook.requests.length;
    const missing = await postEvents(mf, batch, { secret: null });
    assert.equal(missing.status, 401, missing.text);
    assert.equal(missing.json.error.code, 'missingSignature');
    const wrong = await postEvents(mf, batch, { secret: 'not-the-secret' });
    assert.equal(wrong.status, 401, wrong.text);
    assert.equal(wrong.json.error.code, 'badSignature');
    assert.match(wrong.headers.get('content-type'), /^application\/json/);
    const garbled = await postEvents(mf, batch, { signature: 'sha256=xyz' });
    assert.equal(garbled.status, 401, garbled.text);
    // A signature of another body (a tampered one: a second lead swapped in).
    const timestamp = Math.floor(Date.now() / 1000);
    const signedOther = crypto
        .createHmac('sha256', EVENTS_SECRET)
        .update(`${timestamp}.${JSON.stringify(batch)}`)
        .digest('hex');
    const tampered = await postEvents(mf, { ...batch, lead: 'mallory@acme.io' }, { signature: signedOther, timestamp });
    assert.equal(tampered.status, 401, tampered.text);
    assert.equal(tampered.json.error.code, 'badSignature');

    const ok = await postEvents(mf, batch, { signature: `sha256=${signedOther}`, timestamp });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.status, 'scored');
    assert.equal(ok.json.stage, 'mql', 'the refused tries stored nothing; this one reaches MQL');
    assert.equal(ok.json.delivered.length, 1);
    const [key] = ok.json.delivered;
    assert.ok(await until(() => deliveriesOf(key).length === 1), 'delivered like a page transition');
    const [got] = deliveriesOf(key);
    assert.equal(got.body.lead, 'webinar@acme.io');
    assert.equal(got.body.to, 'mql');
    assert.equal(hook.requests.length, before + 1, 'only the signed batch was delivered');

    const again = await postEvents(mf, batch);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.duplicates, batch.events.length);
    assert.deepEqual(again.json.delivered, []);
    const badEvent = await postEvents(mf, { ...batch, events: [{ type: 'x', id: 'y' }] });
    assert.equal(badEvent.status, 400, badEvent.text);
    assert.equal(badEvent.json.error.path, 'events[0].ts');
});

test('a delivery refused max_retries + 1 times ends in the dead-letter queue, logged and kept', async () => {
    const { consumer } = wranglerConfig();
    const at = Date.now();
    const signal = makeSignal({ lead: 'dead@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    hook.answer((req) => (req.headers['idempotency-key'] === signal.key ? 500 : 200));
    const letters = async (token = ADMIN_TOKEN) => {
        const res = await mf.dispatchFetch(`${BASE}/dead-letters`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, json: await res.json() };
    };
    try {
        assert.equal((await letters('wrong')).status, 401);
        const res = await post(mf, signal);
        assert.equal(res.json?.status, 'confirmed', res.text);
        const mine = async () => (await letters()).json.letters.filter((l) => l.body.key === signal.key);
        // Each try waits for the consumer's batch timeout (1 s): 9 tries take about 10 s.
        assert.ok(await until(async () => (await mine()).length > 0, 40_000), 'the dead-letter queue has it');
        assert.equal(deliveriesOf(signal.key).length, consumer.maxRetries + 1, 'tried 1 + max_retries times');
        const [letter] = await mine();
        assert.equal(letter.attempts, 1, 'its first try in the dead-letter queue');
        assert.deepEqual(letter.body, deliveriesOf(signal.key)[0].body, 'the body the webhook refused');
        await new Promise((r) => setTimeout(r, 1500));
        assert.equal(deliveriesOf(signal.key).length, consumer.maxRetries + 1, 'no try after it went dead');
        assert.equal((await mine()).length, 1, 'kept once');
    } finally {
        hook.answer(() => 200);
    }
});

test('malformed, incomplete and oversized signals get a 4xx naming the problem', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'cy@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    const cases = [
        ['{"v":1,', 400, 'malformedJson', ''],
        ['[1,2]', 400, 'invalidField', ''],
        [{ ...signal, v: 2 }, 400, 'unsupportedVersion', 'v'],
        [{ ...signal, key: 'nope' }, 400, 'invalidField', 'key'],
        [{ ...signal, ruleset: { id: 'b2b-saas-mql' } }, 400, 'missingField', 'ruleset.version'],
        [{ ...signal, ruleset: { id: 'nope', version: '1' } }, 422, 'unknownRuleset', 'ruleset.id'],
        [{ ...signal, ruleset: { id: 'b2b-saas-mql', version: '1999' } }, 422, 'unknownVersion', 'ruleset.version'],
        [{ ...signal, to: 'customer' }, 400, 'invalidField', 'to'],
        [{ ...signal, at: 1.5 }, 400, 'invalidField', 'at'],
        [{ ...signal, events: [signal.events[0], { type: 'page_view', ts: at }] }, 400, 'missingField', 'events[1].id'],
        [{ ...signal, events: 'all' }, 400, 'invalidField', 'events'],
        [
            { ...signal, events: Array.from({ length: 1001 }, (_, i) => ({ type: 'x', ts: at, id: `${i}` })) },
            413,
            'tooManyEvents',
            'events',
        ],
        [{ ...signal, profile: { pad: 'x'.repeat(70_000) } }, 413, 'bodyTooLarge', ''],
    ];
    for (const [body, status, code, where] of cases) {
        const res = await post(mf, body);
        const what = typeof body === 'string' ? body : JSON.stringify(body).slice(0, 80);
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.equal(res.json?.error?.code, code, `${what}: ${res.text}`);
        assert.equal(res.json.error.path, where, what);
        assert.equal(typeof res.json.error.message, 'string');
    }
    // None of them stored anything: the signal is still new.
    const ok = await post(mf, signal);
    assert.equal(ok.json.status, 'confirmed', ok.text);
});

test('CORS: only configured origins', async () => {
    const at = Date.now();
    const signal = makeSignal({ lead: 'dee@acme.io', profile: PROFILE, events: mqlEvents(at), at });
    const foreign = await post(mf, signal, { origin: 'https://evil.test' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error.code, 'originNotAllowed');
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);

    const pre = await mf.dispatchFetch(`${BASE}/signals`, {
        method: 'OPTIONS',
        headers: { origin: 'https://other.site.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://other.site.test');
    const badPre = await mf.dispatchFetch(`${BASE}/signals`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
    });
    assert.equal(badPre.status, 403);
    assert.equal(badPre.headers.get('access-control-allow-origin'), null);

    // Every answer whose CORS headers depend on the Origin says so, allowed or not: a
    // cache must not give a page the copy made without them.
    const varies = (res) => /(^|,\s*)Origin(\s*,|$)/i.test(res.headers.get('vary') ?? '');
    assert.ok(varies(foreign), 'a refused origin');
    assert.ok(varies(badPre), 'a refused preflight');
    for (const headers of [{}, { origin: 'https://evil.test' }, { origin: ORIGIN }]) {
        const rules = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql`, { headers });
        await rules.arrayBuffer();
        assert.ok(varies(rules), `GET /rules with ${JSON.stringify(headers)}: ${rules.headers.get('vary')}`);
        assert.match(rules.headers.get('vary'), /Accept/);
        const missing = await mf.dispatchFetch(`${BASE}/rules/nope`, { headers });
        await missing.arrayBuffer();
        assert.ok(varies(missing), `a 404 with ${JSON.stringify(headers)}`);
    }
    const noOrigin = await mf.dispatchFetch(`${BASE}/signals`, { method: 'POST', body: '{"v":2}' });
    await noOrigin.arrayBuffer();
    assert.ok(varies(noOrigin), 'a signal answer without Origin');
});

test('GET / lists the endpoints; the tokens say missing or wrong; unknown routes and methods are named', async () => {
    const index = await mf.dispatchFetch(`${BASE}/`);
    assert.equal(index.status, 200);
    const { endpoints } = await index.json();
    for (const route of ['GET /rules/:id', 'POST /signals', 'POST /events', 'GET /leads/:id', 'GET /visitors/:id'])
        assert.ok(endpoints[route], route);
    const none = await mf.dispatchFetch(`${BASE}/dead-letters`);
    const wrong = await mf.dispatchFetch(`${BASE}/dead-letters`, { headers: { authorization: 'Bearer nope' } });
    const [a, b] = [await none.json(), await wrong.json()];
    assert.deepEqual(
        [none.status, wrong.status, a.error.code, b.error.code],
        [401, 401, 'unauthorized', 'unauthorized'],
    );
    assert.match(a.error.message, /none was given/);
    assert.match(b.error.message, /wrong token/);
    const nowhere = await mf.dispatchFetch(`${BASE}/nowhere`);
    assert.deepEqual([nowhere.status, (await nowhere.json()).error.code], [404, 'notFound']);
    const put = await mf.dispatchFetch(`${BASE}/signals`, { method: 'PUT', body: '{}' });
    assert.deepEqual([put.status, (await put.json()).error.code], [405, 'methodNotAllowed']);
});

test("docs/SIGNALS.md's example signal and edge/scripts/sample-signal.mjs's are confirmed", async () => {
    const doc = fs.readFileSync(path.join(EDGE, '../docs/SIGNALS.md'), 'utf8');
    const from = doc.indexOf('```json', doc.indexOf('## The signal')) + '```json'.length;
    const example = JSON.parse(doc.slice(from, doc.indexOf('```', from)));
    const documented = await post(mf, example);
    assert.equal(documented.json?.status, 'confirmed', documented.text);
    assert.deepEqual(documented.json.delivered, [example.key]);

    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, [path.join(EDGE, 'scripts/sample-signal.mjs')], { encoding: 'utf8' });
    const signal = JSON.parse(out);
    assert.equal(signal.ruleset.id, 'b2b-saas-mql');
    assert.equal(signal.to, 'mql');
    const res = await post(mf, signal);
    assert.equal(res.json?.status, 'confirmed', res.text);
    assert.deepEqual(res.json.delivered, [signal.key]);
});

test('GET /rules/:id serves the compiled rule set and its JSON, with ETags that answer 304', async () => {
    const lsc = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql`, { headers: { origin: ORIGIN } });
    assert.equal(lsc.status, 200);
    assert.equal(lsc.headers.get('content-type'), 'application/octet-stream');
    assert.match(lsc.headers.get('cache-control'), /max-age=\d+/);
    assert.equal(lsc.headers.get('access-control-allow-origin'), ORIGIN);
    const bytes = new Uint8Array(await lsc.arrayBuffer());
    const { Engine } = await import('leadscore');
    const engine = Engine.fromCompiled(bytes);
    assert.equal(`${engine.id}@${engine.version}`, 'b2b-saas-mql@2026-11-01');
    engine.free();
    const etag = lsc.headers.get('etag');
    assert.match(etag, /^".+"$/);

    const js = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql`, { headers: { accept: 'application/json' } });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /^application\/json/);
    const served = await js.json();
    assert.equal(served.id, 'b2b-saas-mql');
    assert.equal(served.$schema, undefined, "a relative $schema names the repository's file: not served");
    assert.equal(served.schema, 'leadscore.ruleset/v1');
    assert.notEqual(js.headers.get('etag'), etag, 'each representation has its own ETag');

    const again = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(await again.text(), '');
    const stale = await mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql.lsc`, { headers: { 'if-none-match': '"old"' } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();

    const missing = await mf.dispatchFetch(`${BASE}/rules/nope`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'unknownRuleset');
});

test('wrangler.toml: a compatibility date the tested workerd supports, and the bindings the code uses', () => {
    const conf = wranglerConfig();
    const workerd = createRequire(createRequire(import.meta.url).resolve('miniflare'))('workerd');
    assert.ok(
        conf.compatibilityDate <= workerd.compatibilityDate,
        `${conf.compatibilityDate} > ${workerd.compatibilityDate}`,
    );
    const text = fs.readFileSync(path.join(EDGE, 'wrangler.toml'), 'utf8');
    for (const binding of [
        'name = "LEADS", class_name = "LeadState"',
        'name = "DEAD_LETTERS", class_name = "DeadLetters"',
        'binding = "DELIVERIES"',
        'dead_letter_queue',
    ])
        assert.ok(text.includes(binding), binding);
    assert.ok(conf.consumer.maxRetries > 0);
    assert.deepEqual(
        conf.consumers.map((c) => c.queue),
        [conf.consumer.queue, conf.consumer.deadLetterQueue],
        'the dead-letter queue has a consumer',
    );
    assert.equal(conf.vars.DEAD_LETTER_QUEUE, conf.consumer.deadLetterQueue);
});
