// Events from other systems (a webinar platform, the email tool): `POST /events`,
// authenticated with an HMAC-SHA256 under the `EVENTS_SECRET` binding of the signed
// timestamp, a dot and the body; a timestamp outside the replay window is refused, so
// a captured request cannot be posted again later.
import { Problem } from './http.js';
import { MAX_EVENTS } from './signal.js';

/** The header carrying the HMAC-SHA256 of `${timestamp}.${body}`, hex (`sha256=` before it is allowed). */
export const SIGNATURE_HEADER = 'x-leadscore-signature';
/** The header carrying when the request was signed: Unix time in whole seconds. */
export const TIMESTAMP_HEADER = 'x-leadscore-timestamp';
/** How far the signed timestamp may be from this worker's clock, either way, unless `EVENTS_WINDOW_SECONDS` says otherwise. */
export const DEFAULT_WINDOW_SECONDS = 300;

const unauthorized = (code, message) => new Problem(401, code, message, '');

/**
 * Checks the request's signature over its timestamp and `bytes` with `secret`, and
 * that the timestamp is within `windowSeconds` of `now`; throws a 401 `Problem` when
 * either is missing or wrong. The comparison is crypto.subtle.verify's (constant time).
 * @param {Request} request
 * @param {Uint8Array} bytes
 * @param {string} secret
 */
export async function checkSignature(request, bytes, secret, now = Date.now(), windowSeconds = DEFAULT_WINDOW_SECONDS) {
    const header = request.headers.get(SIGNATURE_HEADER);
    if (!header)
        throw unauthorized(
            'missingSignature',
            `no ${SIGNATURE_HEADER} header (HMAC-SHA256 of the timestamp, a dot and the body, hex)`,
        );
    const hex = header.trim().replace(/^sha256=/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw unauthorized('badSignature', `${SIGNATURE_HEADER} is not 64 hex digits`);
    const stamp = (request.headers.get(TIMESTAMP_HEADER) ?? '').trim();
    if (!stamp) throw unauthorized('missingTimestamp', `no ${TIMESTAMP_HEADER} header (Unix time in seconds, signed)`);
    if (!/^[0-9]{1,12}$/.test(stamp))
        throw unauthorized('badTimestamp', `${TIMESTAMP_HEADER} is not a Unix time in whole seconds`);
    const skew = Math.abs(now / 1000 - Number(stamp));
    if (skew > windowSeconds)
        throw unauthorized(
            'staleTimestamp',
            `${TIMESTAMP_HEADER} is ${Math.round(skew)} s from this worker's clock; at most ${windowSeconds} s is taken`,
        );
    const signature = new Uint8Array(32);
    for (let i = 0; i < 32; i++) signature[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
    );
    const prefix = new TextEncoder().encode(`${stamp}.`);
    const signed = new Uint8Array(prefix.length + bytes.length);
    signed.set(prefix);
    signed.set(bytes, prefix.length);
    if (!(await crypto.subtle.verify('HMAC', key, signature, signed)))
        throw unauthorized('badSignature', `${SIGNATURE_HEADER} does not match the timestamp and the body`);
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const bad = (path, message, code = 'invalidField') => new Problem(400, code, message, path);

function text(v, path) {
    if (v === undefined) throw bad(path, `${path} is missing`, 'missingField');
    if (typeof v !== 'string' || v.length === 0 || v.length > 256)
        throw bad(path, `${path} must be a string of 1 to 256 characters`);
    return v;
}

/**
 * The server events in `body`: `{ v: 1, lead, ruleset: { id }, events: [...], profile? }`.
 * @param {unknown} body
 */
export function checkServerEvents(body) {
    if (!isObject(body)) throw bad('', 'the body must be a JSON object');
    if (body.v !== 1)
        throw bad(
            'v',
            body.v === undefined ? 'v is missing' : 'v must be 1',
            body.v === undefined ? 'missingField' : 'unsupportedVersion',
        );
    const lead = text(body.lead, 'lead');
    if (!isObject(body.ruleset)) throw bad('ruleset', 'ruleset must be an object', 'missingField');
    const ruleset = { id: text(body.ruleset.id, 'ruleset.id') };
    const profile = body.profile === undefined ? {} : body.profile;
    if (!isObject(profile)) throw bad('profile', 'profile must be an object');
    if (!Array.isArray(body.events) || body.events.length === 0)
        throw bad(
            'events',
            'events must be a non-empty list',
            body.events === undefined ? 'missingField' : 'invalidField',
        );
    if (body.events.length > MAX_EVENTS)
        throw new Problem(413, 'tooManyEvents', `at most ${MAX_EVENTS} events`, 'events');
    const events = body.events.map((e, i) => {
        const path = `events[${i}]`;
        if (!isObject(e)) throw bad(path, `${path} must be an object`);
        text(e.type, `${path}.type`);
        text(e.id, `${path}.id`);
        if (!Number.isInteger(e.ts)) throw bad(`${path}.ts`, `${path}.ts must be a whole number of milliseconds`);
        return e;
    });
    return { lead, ruleset, profile, events };
}
