// POST /events' replay window in workerd: the HMAC covers the timestamp header, and a
// body signed longer ago (or further ahead) than EVENTS_WINDOW_SECONDS is refused, so a
// captured request cannot be posted again later.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { EVENTS_SECRET, postEvents, receiver, startWorker } from './harness.mjs';

let hook;
let mf;

before(async () => {
    hook = await receiver();
    mf = await startWorker(hook, { vars: { EVENTS_WINDOW_SECONDS: '300' } });
});

after(async () => {
    await mf?.dispose();
    await hook?.close();
});

const batch = (id) => ({
    v: 1,
    lead: 'replayed@example.com',
    ruleset: { id: 'b2b-saas-mql' },
    events: [{ type: 'email_click', ts: Date.now() - 1000, id }],
});

test('a signed body outside the replay window is refused; inside it, taken', async () => {
    const now = Math.floor(Date.now() / 1000);
    // A request captured ten minutes ago, its signature genuine.
    const old = await postEvents(mf, batch('old'), { timestamp: now - 600 });
    assert.equal(old.status, 401, old.text);
    assert.equal(old.json.error.code, 'staleTimestamp');
    const ahead = await postEvents(mf, batch('ahead'), { timestamp: now + 600 });
    assert.equal(ahead.status, 401, ahead.text);
    assert.equal(ahead.json.error.code, 'staleTimestamp');

    const missing = await postEvents(mf, batch('missing'), { timestamp: null });
    assert.equal(missing.status, 401, missing.text);
    assert.equal(missing.json.error.code, 'missingTimestamp');
    const garbled = await postEvents(mf, batch('garbled'), { timestamp: 'yesterday' });
    assert.equal(garbled.json.error.code, 'badTimestamp');

    // The old request's signature under a fresh timestamp: the HMAC covers the timestamp.
    const captured = batch('captured');
    const signedThen = await postEvents(mf, captured, { timestamp: now - 600 });
    assert.equal(signedThen.status, 401);
    const oldSignature = crypto
        .createHmac('sha256', EVENTS_SECRET)
        .update(`${now - 600}.${JSON.stringify(captured)}`)
        .digest('hex');
    const restamped = await postEvents(mf, captured, { signature: oldSignature, timestamp: now });
    assert.equal(restamped.status, 401, restamped.text);
    assert.equal(restamped.json.error.code, 'badSignature');

    const fresh = await postEvents(mf, batch('fresh'), { timestamp: now - 60 });
    assert.equal(fresh.status, 200, fresh.text);
    assert.equal(fresh.json.tracked, 1);
});
