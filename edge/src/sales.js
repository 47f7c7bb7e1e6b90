// The routes sales tools and the CRM call: `POST /crm/accepted` (the CRM took a
// lead: its SLA is met) and `GET /funnel` (the per-variant funnel), and the check of
// the JSON configuration they rest on.
import { Problem, json, readLimited } from './http.js';
import { sameSecret } from './dead-letters.js';
import { routingConfig } from './routing.js';
import { slaConfig } from './sla.js';
import { variantsConfig } from './variants.js';
import { RULE_SETS } from './rulesets.js';
import { funnelStub } from './funnel.js';
import { isObject } from './json-config.js';
import { leadObject, stub } from './identity.js';

/** Reads every JSON var (ROUTING, SLA, VARIANTS): a mistake throws a 500 naming its path. */
export function checkConfig(env) {
    routingConfig(env);
    slaConfig(env);
    variantsConfig(env);
}

/**
 * Throws a 401 unless the request carries `Authorization: Bearer <env[name]>`: its
 * message says whether the token is missing or wrong (compared in constant time; an
 * unset secret matches nothing).
 */
export async function requireBearer(request, env, name) {
    const given = (request.headers.get('authorization') || '').replace(/^Bearer\s+/i, '').trim();
    if (!given) throw new Problem(401, 'unauthorized', `a bearer token (${name}) is needed: none was given`, '');
    const right = env[name] ? await sameSecret(given, env[name]) : false;
    if (!right) throw new Problem(401, 'unauthorized', `wrong token: the bearer token is not ${name}`, '');
}

/**
 * `POST /crm/accepted` (bearer `CRM_TOKEN`): `{ key, lead }` (or `visitor` for a lead
 * the worker knows by visitor only), the transition's idempotency key as delivered.
 */
export async function postAccepted(request, env) {
    await requireBearer(request, env, 'CRM_TOKEN');
    const bytes = await readLimited(request, 4096);
    let body;
    try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
        throw new Problem(400, 'malformedJson', `the body is not JSON text: ${err.message}`, '');
    }
    if (!isObject(body)) throw new Problem(400, 'invalidField', 'the body must be a JSON object', '');
    if (typeof body.key !== 'string' || !/^ls1-[0-9a-f]{16}$/.test(body.key))
        throw new Problem(
            400,
            body.key === undefined ? 'missingField' : 'invalidField',
            'key must be the idempotency key of a delivered transition (ls1- and 16 hex digits)',
            'key',
        );
    const name = ['lead', 'visitor'].find((k) => body[k] !== undefined && body[k] !== null);
    if (!name) throw new Problem(400, 'missingField', 'lead (or visitor, for an anonymous lead) is missing', 'lead');
    if (typeof body[name] !== 'string' || body[name].length === 0 || body[name].length > 256)
        throw new Problem(400, 'invalidField', `${name} must be a string of 1 to 256 characters`, name);
    let answer = await stub(env, `${name}:${body[name]}`).accepted(body.key);
    if (answer.forward) answer = await stub(env, leadObject(answer.forward)).accepted(body.key);
    return json(answer.body, answer.status);
}

/**
 * `GET /funnel` (bearer `ADMIN_TOKEN`): per experiment (and per rule set in none),
 * per variant, the funnel (src/funnel.js).
 */
export async function getFunnel(request, env) {
    await requireBearer(request, env, 'ADMIN_TOKEN');
    const names = new Set([...variantsConfig(env).keys(), ...RULE_SETS.map((r) => r.id)]);
    const experiments = {};
    for (const name of names) {
        const variants = await funnelStub(env, name).report();
        if (Object.keys(variants).length) experiments[name] = { variants };
    }
    return json({ experiments });
}
