// What the edge tests share: a webhook receiver on 127.0.0.1 that records what it
// gets, the worker built and run in workerd through Miniflare with wrangler.toml's
// bindings, and signals made by the package itself (as the tracker makes them).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { build, EDGE } from '../scripts/build.mjs';
import { miniflareOptions } from '../scripts/miniflare.mjs';
import { signalFor } from '../scripts/signal-for.mjs';

export const ORIGIN = 'https://site.test';
export const BASE = 'http://edge.test';
/** The bearer token of `GET /dead-letters`, in the tests. */
export const ADMIN_TOKEN = 'test-admin-token';
/** The secret other systems sign `POST /events` with, in the tests. */
export const EVENTS_SECRET = 'test-events-secret';

/**
 * A webhook receiver: `requests` lists what came (`{ method, url, headers, body }`);
 * `answer(fn)` sets the status it answers each request with (200 at first).
 */
export async function receiver() {
    const requests = [];
    let status = () => 200;
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body = text;
            try {
                body = JSON.parse(text);
            } catch {
                // kept as text
            }
            const got = { method: req.method, url: req.url, headers: req.headers, body };
            requests.push(got);
            res.writeHead(status(got), { 'content-type': 'text/plain' }).end('ok');
        });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}/hook`,
        requests,
        answer: (fn) => (status = fn),
        close: () => new Promise((resolve) => server.close(resolve)),
    };
}

/** Waits, at most `ms`, until `ok()` (or its promise) holds; answers whether it did. Polls every 50 ms. */
export async function until(ok, ms = 10_000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
        if (await ok()) return true;
        await new Promise((r) => setTimeout(r, 50));
    }
    return ok();
}

/**
 * The worker in workerd, its webhook pointed at `hook`; `over.vars` adds or replaces
 * vars, `over.limits` sets rate limiters' limits by name, `over.port` listens on 127.0.0.1.
 */
export async function startWorker(hook, over = {}) {
    await build();
    const mf = new Miniflare(
        miniflareOptions({
            limits: over.limits,
            port: over.port,
            vars: {
                WEBHOOK_URL: hook.url,
                ALLOWED_ORIGINS: `${ORIGIN},https://other.site.test`,
                // Retries at once: the queue's own backoff is real time.
                RETRY_BASE_SECONDS: '0',
                EVENTS_SECRET,
                ADMIN_TOKEN,
                RETIRED_VERSIONS: 'b2b-saas-mql@2026-06-01, product-led@0',
                ...over.vars,
            },
        }),
    );
    await mf.ready;
    return mf;
}

export const B2B = JSON.parse(fs.readFileSync(path.join(EDGE, '../examples/b2b-saas/ruleset.json'), 'utf8'));

let counter = 0;

/**
 * A signal as the tracker makes it: a session on the page tracks `events` for `lead`
 * with `profile`, and the first transition it reports becomes the signal, with the events held then.
 */
export function makeSignal({ lead, profile, events, at = Date.now() }) {
    const visitor = `v-test-${process.pid}-${++counter}`;
    const withIds = events.map((e, i) => ({ id: `e${counter}-${i}`, ...e }));
    const signal = signalFor({ rules: B2B, visitor, lead, profile, events: withIds, at });
    if (!signal) throw new Error('the test events reach no stage');
    return signal;
}

/** POSTs `body` (an object is sent as JSON text, as the tracker sends it: text/plain). */
export async function post(mf, body, headers = {}) {
    const res = await mf.dispatchFetch(`${BASE}/signals`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
        json = JSON.parse(text);
    } catch {
        // not JSON
    }
    return { status: res.status, headers: res.headers, json, text };
}

/**
 * POSTs server events `body` to `/events`, signed with `secret` (no header when null)
 * at `timestamp` (Unix seconds, now unless given; no header when null).
 */
export async function postEvents(mf, body, { secret = EVENTS_SECRET, signature, timestamp } = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const stamp = timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : timestamp;
    const headers = { 'content-type': 'application/json' };
    if (stamp !== null) headers['x-leadscore-timestamp'] = String(stamp);
    if (signature !== undefined) headers['x-leadscore-signature'] = signature;
    else if (secret !== null)
        headers['x-leadscore-signature'] = crypto
            .createHmac('sha256', secret)
            .update(`${stamp ?? ''}.${text}`)
            .digest('hex');
    const res = await mf.dispatchFetch(`${BASE}/events`, { method: 'POST', headers, body: text });
    const answer = await res.text();
    let json = null;
    try {
        json = JSON.parse(answer);
    } catch {
        // not JSON
    }
    return { status: res.status, headers: res.headers, json, text: answer };
}

/**
 * A transition's idempotency key as docs/RULESET.md (section 8) defines it: `ls1-` and
 * 64-bit FNV-1a over subject, rule-set id, version, stage and cycle, each followed by a
 * NUL byte. For signals a test writes by hand, as the page's session would key them.
 */
export function transitionKey(subject, stage, { id = B2B.id, version = B2B.version, cycle = 0 } = {}) {
    let h = 0xcbf29ce484222325n;
    for (const part of [subject, id, version, stage, String(cycle)])
        for (const byte of [...Buffer.from(part, 'utf8'), 0])
            h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
    return `ls1-${h.toString(16).padStart(16, '0')}`;
}

/** GETs `path` with the bearer `token` (none when null); answers `{ status, headers, json }`. */
export async function getAuthorized(mf, path, token) {
    const res = await mf.dispatchFetch(`${BASE}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    let json = null;
    try {
        json = JSON.parse(text);
    } catch {
        // not JSON
    }
    return { status: res.status, headers: res.headers, json, text };
}
