// Events from other systems (a webinar platform, the email tool): `POST /events`,
// authenticated with an HMAC-SHA256 of the body under the `EVENTS_SECRET` binding.
import { Problem } from './http.js';
import { MAX_EVENTS } from './signal.js';

/** The header carrying the body's HMAC-SHA256, hex (`sha256=` before it is allowed). */
export const SIGNATURE_HEADER = 'x-leadscore-signature';

const unauthorized = (code, message) => new Problem(401, code, message, '');

/**
 * Checks the request's signature over `bytes` with `secret`; throws a 401 `Problem`
 * when it is missing or wrong. The comparison is crypto.subtle.verify's (constant time).
 * @param {Request} request
 * @param {Uint8Array} bytes
 * @param {string} secret
 */
export async function checkSignature(request, bytes, secret) {
    const header = request.headers.get(SIGNATURE_HEADER);
    if (!header) throw unauthorized('missingSignature', `no ${SIGNATURE_HEADER} header (HMAC-SHA256 of the body, hex)`);
    const hex = header.trim().replace(/^sha256=/i, '');
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw unauthorized('badSignature', `${SIGNATURE_HEADER} is not 64 hex digits`);
    const signature = new Uint8Array(32);
    for (let i = 0; i < 32; i++) signature[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
    );
    if (!(await crypto.subtle.verify('HMAC', key, signature, bytes)))
        throw unauthorized('badSignature', `${SIGNATURE_HEADER} does not match the body`);
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
