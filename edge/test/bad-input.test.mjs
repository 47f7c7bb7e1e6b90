// Bad input in workerd: every required field missing in turn, bodies that are not
// UTF-8 or say they are too large, events the package refuses, and bad server events
// get a 4xx with a JSON body naming the problem and its path, and store nothing
// (GET /leads/:id stays 404, the valid signal afterwards is new). Rate limits per
// client address and per visitor answer 429 with Retry-After and a JSON body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BASE, ORIGIN, makeSignal, post, postEvents, receiver, startWorker } from './harness.mjs';
import { EDGE } from '../scripts/build.mjs';
import { wranglerConfig } from '../scripts/miniflare.mjs';
import { RETRY_AFTER_SECONDS } from '../src/rate-limits.js';

const SALES_TOKEN = 'test-sales-token';
const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };
/** The rate limits of the second worker: small enough to reach in a test. */
const LIMITS = { ADDRESS_LIMITER: 6, VISITOR_LIMITER: 3 };

let hook;
let mf;
let limited;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, { vars: { SALES_TOKEN } });
    limited = await startWorker(hook, { vars: { SALES_TOKEN }, limits: LIMITS });
});

after(async () => {
    await mf?.dispose();
    await limited?.dispose();
    await hook?.close();
});

function mqlEvents(at) {
    return [
        { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - HOUR, url: '/pricing' },
        { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
    ];
}

const without = (obj, key) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

async function leadStatus(worker, id) {
    const res = await worker.dispatchFetch(`${BASE}/leads/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${SALES_TOKEN}` },
    });
    await res.body?.cancel();
    return res.status;
}

function checkProblem(res, status, code, path, what) {
    assert.equal(res.status, status, `${what}: ${res.text}`);
    assert.match(res.headers.get('content-type'), /^application\/json/, what);
    assert.equal(res.json?.error?.code, code, `${what}: ${res.text}`);
    assert.equal(res.json.error.path, path, `${what}: ${res.text}`);
    assert.ok(res.json.error.message.length > 0, what);
}

test('each missing field of a signal is named by its path, and nothing is stored', async () => {
    const at = Date.now();
    const lead = `missing-${process.pid}@acme.io`;
    const signal = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    const cases = [
        ...['v', 'key', 'visitor', 'ruleset', 'from', 'to', 'at', 'total', 'events'].map((key) => [
            without(signal, key),
            key,
        ]),
        [{ ...signal, ruleset: without(signal.ruleset, 'id') }, 'ruleset.id'],
        ...['type', 'ts', 'id'].map((key) => [
            { ...signal, events: [signal.events[0], without(signal.events[1], key)] },
            `events[1].${key}`,
        ]),
    ];
    for (const [body, path] of cases) checkProblem(await post(mf, body), 400, 'missingField', path, `without ${path}`);
    assert.equal(await leadStatus(mf, lead), 404, 'nothing stored for the lead');
    const ok = await post(mf, signal);
    assert.equal(ok.json?.status, 'confirmed', ok.text);
    assert.equal(await leadStatus(mf, lead), 200);
});

test('wrong types, bad bytes, unbounded bodies and refused events: 4xx naming the path, nothing stored', async () => {
    const at = Date.now();
    const lead = `types-${process.pid}@acme.io`;
    const signal = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    const cases = [
        [{ ...signal, visitor: 7 }, 400, 'invalidField', 'visitor'],
        [{ ...signal, lead: '' }, 400, 'invalidField', 'lead'],
        [{ ...signal, total: 'high' }, 400, 'invalidField', 'total'],
        [{ ...signal, profile: [] }, 400, 'invalidField', 'profile'],
        [{ ...signal, events: [signal.events[0], 'page_view'] }, 400, 'invalidField', 'events[1]'],
        [{ ...signal, events: [{ ...signal.events[0], ts: '2026-12-07' }] }, 400, 'invalidField', 'events[0].ts'],
        [{ ...signal, events: [{ ...signal.events[0], anon: 'yes' }] }, 400, 'invalidField', 'events[0].anon'],
        [{ ...signal, at: at + 3_600_000 }, 400, 'invalidField', 'at'],
        // The package refuses the event (its own code), named inside the signal.
        [{ ...signal, events: [{ ...signal.events[0], ts: -1e20 }] }, 400, null, 'events[0]'],
    ];
    for (const [body, status, code, path] of cases) {
        const res = await post(mf, body);
        const what = JSON.stringify(body).slice(0, 100);
        if (code) checkProblem(res, status, code, path, what);
        else {
            assert.equal(res.status, status, `${what}: ${res.text}`);
            assert.ok(res.json.error.path.startsWith(path), `${what}: ${res.text}`);
        }
    }
    // Not UTF-8: the bytes of "\xff" in a string.
    const bytes = Buffer.concat([Buffer.from('{"v":1,"key":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const notUtf8 = await mf.dispatchFetch(`${BASE}/signals`, {
        method: 'POST',
        body: bytes,
        headers: { origin: ORIGIN },
    });
    checkProblem(
        { status: notUtf8.status, headers: notUtf8.headers, json: JSON.parse(await notUtf8.text()), text: '' },
        400,
        'malformedJson',
        '',
        'not UTF-8',
    );
    // A body sent in chunks with no length, one byte past the limit (65,536 bytes).
    // (Only that byte past: a worker answering before the client is done sending
    // makes the client's fetch fail instead of reading the answer.)
    const chunks = [...Array(4).fill(' '.repeat(16_384)), ' '].map((c) => new TextEncoder().encode(c));
    const stream = new ReadableStream({
        pull(controller) {
            if (chunks.length) controller.enqueue(chunks.shift());
            else controller.close();
        },
    });
    const chunked = await mf.dispatchFetch(`${BASE}/signals`, {
        method: 'POST',
        body: stream,
        duplex: 'half',
        headers: { origin: ORIGIN },
    });
    assert.equal(chunked.status, 413);
    assert.equal((await chunked.json()).error.code, 'bodyTooLarge');

    assert.equal(await leadStatus(mf, lead), 404, 'nothing stored for the lead');
    const ok = await post(mf, signal);
    assert.equal(ok.json?.status, 'confirmed', ok.text);
});

test("an event from the future is named by its own path, the message measuring it from the signal's at", async () => {
    const at = Date.now();
    const lead = `future-${process.pid}@acme.io`;
    const signal = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    // Two hours after the signal's `at` (and now): past the package's hour of clock skew.
    const events = signal.events.map((e, i) => (i === 1 ? { ...e, ts: at + 2 * HOUR } : e));
    const res = await post(mf, { ...signal, events });
    checkProblem(res, 400, 'futureTimestamp', 'events[1].ts', 'an event after at');
    const { message } = res.json.error;
    assert.doesNotMatch(message, /event\.ts|\(futureTimestamp\)|after now/, message);
    assert.match(message, /after the signal's at/, message);
    // The package's path for a profile is rooted at the profile: named once here.
    let deep = {};
    for (let i = 0; i < 12; i++) deep = { n: deep };
    const tooDeep = await post(mf, { ...signal, profile: deep });
    checkProblem(tooDeep, 400, 'tooDeep', 'profile', 'a profile nested too deep');
    assert.doesNotMatch(tooDeep.json.error.message, /^profile:|\(tooDeep\)/);
    // Server events are measured from the worker's clock: "now" is right there.
    const server = await postEvents(mf, {
        v: 1,
        lead,
        ruleset: { id: 'b2b-saas-mql' },
        events: [{ type: 'page_view', ts: Date.now() + 2 * HOUR, id: 'future-1', url: '/x' }],
    });
    checkProblem(server, 400, 'futureTimestamp', 'events[0].ts', 'a server event from the future');
    assert.doesNotMatch(server.json.error.message, /event\.ts|\(futureTimestamp\)/);
    assert.equal(await leadStatus(mf, lead), 404, 'nothing stored for the lead');
});

test('events the rule set never counts are reported as set aside, in confirmed and refused answers', async () => {
    const at = Date.now();
    const lead = `aside-${process.pid}@acme.io`;
    const signal = makeSignal({ lead, profile: PROFILE, events: mqlEvents(at), at });
    // Page views under a misspelled type: the MQL claim falls short, and the answer says why.
    const misspelled = signal.events.map((e) => (e.type === 'page_view' ? { ...e, type: 'page_veiw' } : e));
    const refused = await post(mf, { ...signal, events: misspelled });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.error.code, 'claimNotSupported');
    const expected = misspelled.flatMap((e, i) =>
        e.type === 'page_veiw'
            ? [{ path: `events[${i}]`, type: 'page_veiw', reason: 'unknownType', nearest: 'page_view' }]
            : [],
    );
    assert.ok(expected.length >= 1);
    assert.deepEqual(refused.json.setAside, expected);
    // Confirmed, with two more events no rule will count: a property of the wrong type,
    // and an unknown type nowhere near a known one.
    const extra = [
        { type: 'page_view', ts: at - 1000, id: `aside-${process.pid}-1`, url: 42 },
        { type: 'coffee_break', ts: at - 500, id: `aside-${process.pid}-2` },
    ];
    const res = await post(mf, { ...signal, events: [...signal.events, ...extra] });
    assert.equal(res.json?.status, 'confirmed', res.text);
    const n = signal.events.length;
    assert.deepEqual(res.json.setAside, [
        { path: `events[${n}]`, type: 'page_view', reason: 'wrongPropertyType', nearest: null, property: 'url' },
        { path: `events[${n + 1}]`, type: 'coffee_break', reason: 'unknownType', nearest: null },
    ]);
    // Server events: the same report in POST /events's answer.
    const server = await postEvents(mf, {
        v: 1,
        lead,
        ruleset: { id: 'b2b-saas-mql' },
        events: [
            { type: 'webinar_attended', ts: at - 100, id: `aside-${process.pid}-w` },
            { type: 'webinar_atended', ts: at - 100, id: `aside-${process.pid}-x` },
        ],
    });
    assert.equal(server.status, 200, server.text);
    assert.deepEqual(server.json.setAside, [
        { path: 'events[1]', type: 'webinar_atended', reason: 'unknownType', nearest: 'webinar_attended' },
    ]);
});

test('bad server events: 4xx naming the path, nothing stored', async () => {
    const lead = `server-${process.pid}@acme.io`;
    const at = Date.now();
    const batch = {
        v: 1,
        lead,
        ruleset: { id: 'b2b-saas-mql' },
        events: [{ type: 'webinar_attended', ts: at - HOUR, id: 'w1' }],
    };
    const cases = [
        ['{"v":1', 400, 'malformedJson', ''],
        [without(batch, 'lead'), 400, 'missingField', 'lead'],
        [{ ...batch, ruleset: { id: 'nope' } }, 422, 'unknownRuleset', 'ruleset.id'],
        [{ ...batch, events: [] }, 400, 'invalidField', 'events'],
        [{ ...batch, events: [without(batch.events[0], 'id')] }, 400, 'missingField', 'events[0].id'],
        [
            { ...batch, events: Array.from({ length: 1001 }, (_, i) => ({ type: 'x', ts: at, id: `${i}` })) },
            413,
            'tooManyEvents',
            'events',
        ],
    ];
    for (const [body, status, code, path] of cases) {
        const res = await postEvents(mf, body);
        checkProblem(res, status, code, path, typeof body === 'string' ? body : JSON.stringify(body).slice(0, 80));
    }
    assert.equal(await leadStatus(mf, lead), 404, 'nothing stored for the lead');
});

/** A signal of its own for `visitor` (anonymous, claiming nothing). */
function quiet(visitor) {
    return {
        v: 1,
        key: `ls1-${crypto.randomBytes(8).toString('hex')}`,
        visitor,
        ruleset: { id: 'b2b-saas-mql', version: '2026-11-01' },
        from: 'none',
        to: 'none',
        at: Date.now(),
        total: 0,
        events: [{ type: 'page_view', ts: Date.now() - 1000, id: crypto.randomUUID(), url: '/docs/a' }],
    };
}

function checkLimited(res, path) {
    assert.equal(res.status, 429, res.text);
    assert.equal(res.headers.get('retry-after'), String(RETRY_AFTER_SECONDS));
    assert.equal(res.json.error.code, 'rateLimited');
    assert.equal(res.json.error.path, path);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN, 'the page can read Retry-After');
    assert.match(res.headers.get('access-control-expose-headers'), /Retry-After/);
}

test('rate limits: per visitor and per client address, 429 with Retry-After and a JSON body', async () => {
    const visitor = `v-busy-${process.pid}`;
    const address = { 'cf-connecting-ip': '192.0.2.10' };
    const answers = [];
    for (let i = 0; i < LIMITS.VISITOR_LIMITER + 1; i++) answers.push(await post(limited, quiet(visitor), address));
    assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 429],
    );
    checkLimited(answers.at(-1), 'visitor');
    // Another visitor at the same address still gets through, until the address's limit.
    const others = [];
    for (let i = 0; i < LIMITS.ADDRESS_LIMITER - LIMITS.VISITOR_LIMITER; i++)
        others.push(await post(limited, quiet(`v-other-${process.pid}-${i}`), address));
    assert.deepEqual(
        others.map((a) => a.status),
        [200, 200, 429],
        'the address reached its limit of 6 (3 + 1 refused + 2 taken)',
    );
    checkLimited(others.at(-1), '');
    // Another address is counted apart.
    const elsewhere = await post(limited, quiet(`v-else-${process.pid}`), { 'cf-connecting-ip': '192.0.2.11' });
    assert.equal(elsewhere.status, 200, elsewhere.text);
});

test('wrangler.toml declares the limiters, with the period Retry-After names, and the accounts object', () => {
    const conf = wranglerConfig();
    assert.deepEqual(Object.keys(conf.ratelimits).sort(), ['ADDRESS_LIMITER', 'VISITOR_LIMITER']);
    for (const [name, r] of Object.entries(conf.ratelimits)) {
        assert.equal(r.simple.period, RETRY_AFTER_SECONDS, name);
        assert.match(r.namespace_id, /^\d+$/, name);
    }
    const text = fs.readFileSync(path.join(EDGE, 'wrangler.toml'), 'utf8');
    assert.ok(text.includes('{ name = "ACCOUNTS", class_name = "Account" }'));
    assert.match(text, /new_sqlite_classes = \["Account"\]/);
});
