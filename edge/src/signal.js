// A signal from the tracker (docs/SIGNALS.md), checked field by field before any
// state is touched: the first problem is answered with its JSON path.
import { Problem } from './http.js';

export const STAGES = ['none', 'mql', 'pql', 'sql'];
/** The most events one signal may carry: a session keeps the newest 1,000. */
export const MAX_EVENTS = 1000;
const MAX_TEXT = 256;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const bad = (path, message, code = 'invalidField') => new Problem(400, code, message, path);

function text(obj, key, path, { optional = false, pattern = null } = {}) {
    const v = obj[key];
    if (v === undefined && optional) return undefined;
    if (v === undefined) throw bad(path, `${path} is missing`, 'missingField');
    if (typeof v !== 'string' || v.length === 0) throw bad(path, `${path} must be a non-empty string`);
    if (v.length > MAX_TEXT) throw bad(path, `${path} is longer than ${MAX_TEXT} characters`);
    if (pattern && !pattern.test(v)) throw bad(path, `${path} does not have the expected form ${pattern}`);
    return v;
}

function number(obj, key, path, { integer = false, optional = false } = {}) {
    const v = obj[key];
    if (v === undefined && optional) return undefined;
    if (v === undefined) throw bad(path, `${path} is missing`, 'missingField');
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, `${path} must be a number`);
    if (integer && !Number.isInteger(v)) throw bad(path, `${path} must be a whole number of milliseconds`);
    return v;
}

function stage(obj, key) {
    const v = text(obj, key, key);
    if (!STAGES.includes(v)) throw bad(key, `${key} must be one of ${STAGES.join(', ')}`);
    return v;
}

/**
 * The signal in `body` (already parsed JSON), checked; throws a `Problem` naming the first bad path.
 * @param {unknown} body
 */
export function checkSignal(body) {
    if (!isObject(body)) throw bad('', 'the body must be a JSON object (a signal)');
    if (body.v !== 1)
        throw bad(
            'v',
            body.v === undefined ? 'v is missing' : 'v must be 1',
            body.v === undefined ? 'missingField' : 'unsupportedVersion',
        );
    const key = text(body, 'key', 'key', { pattern: /^ls1-[0-9a-f]{16}$/ });
    const visitor = text(body, 'visitor', 'visitor');
    const lead = text(body, 'lead', 'lead', { optional: true });
    const account = text(body, 'account', 'account', { optional: true });
    if (!isObject(body.ruleset))
        throw bad(
            'ruleset',
            body.ruleset === undefined ? 'ruleset is missing' : 'ruleset must be an object',
            body.ruleset === undefined ? 'missingField' : 'invalidField',
        );
    const ruleset = {
        id: text(body.ruleset, 'id', 'ruleset.id'),
        version: text(body.ruleset, 'version', 'ruleset.version'),
        // null, as the deliveries write it, is no variant.
        variant:
            body.ruleset.variant === null
                ? undefined
                : text(body.ruleset, 'variant', 'ruleset.variant', { optional: true }),
    };
    const from = stage(body, 'from');
    const to = stage(body, 'to');
    const at = number(body, 'at', 'at', { integer: true });
    const total = number(body, 'total', 'total');
    const profile = body.profile === undefined ? {} : body.profile;
    if (!isObject(profile)) throw bad('profile', 'profile must be an object');
    if (!Array.isArray(body.events))
        throw bad(
            'events',
            body.events === undefined ? 'events is missing' : 'events must be a list',
            body.events === undefined ? 'missingField' : 'invalidField',
        );
    if (body.events.length > MAX_EVENTS)
        throw new Problem(
            413,
            'tooManyEvents',
            `a signal carries at most ${MAX_EVENTS} events, this one ${body.events.length}`,
            'events',
        );
    const events = body.events.map((e, i) => {
        const path = `events[${i}]`;
        if (!isObject(e)) throw bad(path, `${path} must be an object`);
        text(e, 'type', `${path}.type`);
        number(e, 'ts', `${path}.ts`, { integer: true });
        text(e, 'id', `${path}.id`);
        if (e.anon !== undefined && typeof e.anon !== 'boolean')
            throw bad(`${path}.anon`, `${path}.anon must be true or false`);
        return e;
    });
    return { v: 1, key, visitor, lead, account, ruleset, from, to, at, total, reason: body.reason, profile, events };
}
