// The leadscore edge worker: rule sets for pages, signals re-scored authoritatively
// in one Durable Object per lead, confirmed transitions delivered to the CRM through
// a queue. Bindings and routes: edge/README.md.
import { Problem, corsHeaders, json, readLimited, allowedOrigins } from './http.js';
import { checkSignal } from './signal.js';
import { ruleSet } from './rulesets.js';
import { deliver } from './delivery.js';
import { retiredVersions } from './config.js';
import { checkServerEvents, checkSignature } from './server-events.js';
import { leadObject, stub, visitorObject } from './identity.js';
import { getLead, getVisitor } from './leads-api.js';
import { limitAddress, limitVisitor } from './rate-limits.js';
import { checkConfig, getFunnel, postAccepted, requireBearer } from './sales.js';
import { rulesVariant, signalVariant } from './variants.js';

export { LeadState } from './lead-state.js';
export { DeadLetters } from './dead-letters.js';
export { Account } from './accounts.js';
export { RoundRobin } from './routing.js';
export { Funnel } from './funnel.js';
import { deadLetters } from './dead-letters.js';

/** The largest signal body taken, unless `MAX_BODY_BYTES` says otherwise: the tracker sends at most 60,000. */
const DEFAULT_MAX_BODY = 65_536;
/** How far ahead of this worker's clock a signal's `at` may be (clock skew). */
const MAX_SKEW_MS = 5 * 60_000;

export default {
    /**
     * @param {Request} request
     * @param {Record<string, any>} env
     */
    async fetch(request, env, ctx) {
        const cors = corsHeaders(request, env);
        try {
            checkConfig(env);
            const url = new URL(request.url);
            if (request.method === 'OPTIONS') return preflight(request, env);
            const rules = url.pathname.match(/^\/rules\/([^/]+)$/);
            if (rules) {
                if (request.method !== 'GET' && request.method !== 'HEAD') throw notAllowed('GET');
                return await getRules(request, env, ctx, decodeURIComponent(rules[1]), cors);
            }
            if (url.pathname === '/signals') {
                if (request.method !== 'POST') throw notAllowed('POST');
                return await postSignal(request, env, cors);
            }
            if (url.pathname === '/dead-letters') {
                if (request.method !== 'GET') throw notAllowed('GET');
                return await getDeadLetters(request, env);
            }
            const lead = url.pathname.match(/^\/leads\/([^/]+)$/);
            if (lead) {
                if (request.method !== 'GET') throw notAllowed('GET');
                return await getLead(request, env, decodeURIComponent(lead[1]));
            }
            const visitor = url.pathname.match(/^\/visitors\/([^/]+)$/);
            if (visitor) {
                if (request.method !== 'GET') throw notAllowed('GET');
                return await getVisitor(request, env, decodeURIComponent(visitor[1]));
            }
            if (url.pathname === '/') {
                if (request.method !== 'GET' && request.method !== 'HEAD') throw notAllowed('GET');
                return json(ROUTES, 200, cors);
            }
            if (url.pathname === '/events') {
                if (request.method !== 'POST') throw notAllowed('POST');
                return await postEvents(request, env);
            }
            if (url.pathname === '/crm/accepted') {
                if (request.method !== 'POST') throw notAllowed('POST');
                return await postAccepted(request, env);
            }
            if (url.pathname === '/funnel') {
                if (request.method !== 'GET') throw notAllowed('GET');
                return await getFunnel(request, env);
            }
            throw new Problem(404, 'notFound', `no route ${url.pathname}`);
        } catch (err) {
            if (err instanceof Problem) return err.response(cors);
            console.error('leadscore-edge: unexpected error', err?.stack ?? err);
            return json({ error: { code: 'internal', message: 'internal error', path: '' } }, 500, cors);
        }
    },

    async queue(batch, env) {
        if (batch.queue === (env.DEAD_LETTER_QUEUE || 'leadscore-deliveries-dlq')) await deadLetters(batch, env);
        else await deliver(batch, env);
    },
};

/** `GET /`: what this worker answers (edge/README.md says more). */
const ROUTES = {
    service: 'leadscore edge worker',
    endpoints: {
        'GET /rules/:id': 'the rule set, compiled (.lsc) or as JSON (.json, Accept: application/json)',
        'POST /signals': "a tracker's signal: re-scored, confirmed or refused (docs/SIGNALS.md)",
        'POST /events': "other systems' events, signed with EVENTS_SECRET",
        'GET /leads/:id': "a lead's score and explanation (bearer SALES_TOKEN)",
        'GET /visitors/:id': "the same by visitor id, the lead's once merged (bearer SALES_TOKEN)",
        'POST /crm/accepted': 'the CRM took a lead: its SLA is met (bearer CRM_TOKEN)',
        'GET /funnel': 'the funnel per experiment and variant (bearer ADMIN_TOKEN)',
        'GET /dead-letters': 'deliveries that exhausted their tries (bearer ADMIN_TOKEN)',
    },
};

function notAllowed(method) {
    return new Problem(405, 'methodNotAllowed', `use ${method}`);
}

function preflight(request, env) {
    const origin = request.headers.get('origin');
    if (!origin || !allowedOrigins(env).has(origin))
        return new Response(null, { status: 403, headers: { vary: 'Origin' } });
    return new Response(null, {
        status: 204,
        headers: {
            ...corsHeaders(request, env),
            'access-control-allow-methods': 'GET, POST',
            'access-control-allow-headers': 'content-type, x-leadscore-visitor',
            'access-control-max-age': '86400',
        },
    });
}

/** `GET /rules/:id`: compiled (`.lsc`) unless the client asks for JSON (or names `:id.json`). */
async function getRules(request, env, ctx, name, cors) {
    const m = name.match(/^(.*?)(?:\.(json|lsc))?$/);
    // An experiment's rule set is the visitor's variant's (src/variants.js).
    const assigned = await rulesVariant(request, env, ctx, m[1]);
    const id = assigned?.ruleset ?? m[1];
    const rules = await ruleSet(id);
    if (!rules) throw new Problem(404, 'unknownRuleset', `no rule set ${id}`, 'id');
    const accept = request.headers.get('accept') || '';
    const asJson = m[2] ? m[2] === 'json' : /json/i.test(accept) && !/octet-stream/i.test(accept);
    const etag = asJson ? rules.etags.json : rules.etags.lsc;
    const headers = {
        ...cors,
        etag,
        'cache-control': 'public, max-age=60, stale-while-revalidate=600',
        vary: 'Origin, Accept',
        'x-leadscore-version': rules.version,
        ...assigned?.headers,
    };
    if (assigned) headers.vary += ', X-Leadscore-Visitor';
    const inm = request.headers.get('if-none-match');
    if (inm && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*')) {
        return new Response(null, { status: 304, headers });
    }
    const body = request.method === 'HEAD' ? null : asJson ? rules.json : rules.compiled;
    headers['content-type'] = asJson ? 'application/json; charset=utf-8' : 'application/octet-stream';
    return new Response(body, { status: 200, headers });
}

/** `POST /signals`: one signal (docs/SIGNALS.md), JSON whatever the content type says. */
async function postSignal(request, env, cors) {
    const origin = request.headers.get('origin');
    if (origin && !allowedOrigins(env).has(origin))
        throw new Problem(403, 'originNotAllowed', `origin ${origin} may not send signals`, '');
    await limitAddress(request, env);
    const limit = Number(env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY;
    const bytes = await readLimited(request, limit);
    let body;
    try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
        throw new Problem(400, 'malformedJson', `the body is not JSON text: ${err.message}`, '');
    }
    const signal = checkSignal(body);
    await limitVisitor(signal.visitor, env);
    if (signal.at > Date.now() + MAX_SKEW_MS) throw new Problem(400, 'invalidField', 'at is in the future', 'at');
    const rules = await ruleSet(signal.ruleset.id);
    if (!rules) throw new Problem(422, 'unknownRuleset', `no rule set ${signal.ruleset.id}`, 'ruleset.id');
    // A retired version (configured, still known) is scored with the current one; a
    // version never known is refused.
    let retired = null;
    if (rules.version !== signal.ruleset.version) {
        if (!retiredVersions(env).has(`${signal.ruleset.id}@${signal.ruleset.version}`))
            throw new Problem(
                422,
                'unknownVersion',
                `rule set ${signal.ruleset.id} has no version ${signal.ruleset.version} (current: ${rules.version})`,
                'ruleset.version',
            );
        retired = signal.ruleset.version;
        console.info(
            `leadscore-edge: signal ${signal.key} names retired ${signal.ruleset.id}@${retired}: re-scored with ${rules.version}`,
        );
    }
    signal.ruleset.variant = (await signalVariant(env, signal)).variant ?? undefined;
    // A visitor merged into a lead answers with the lead's id (src/identity.js).
    let answer = await stub(env, signal.lead ? leadObject(signal.lead) : visitorObject(signal.visitor)).signal(signal, {
        retired,
    });
    if (answer.forward)
        answer = await stub(env, leadObject(answer.forward)).signal({ ...signal, lead: answer.forward }, { retired });
    return json(answer.body, answer.status, cors);
}

/**
 * `POST /events`: events from another system, signed (HMAC-SHA256 of the body with
 * `EVENTS_SECRET`), scored into the lead's Durable Object with the current version.
 */
async function postEvents(request, env) {
    if (!env.EVENTS_SECRET) throw new Problem(503, 'eventsNotConfigured', 'EVENTS_SECRET is not set', '');
    const limit = Number(env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY;
    const bytes = await readLimited(request, limit);
    // Checked before the body is even parsed: nothing unsigned is looked at.
    await checkSignature(request, bytes, env.EVENTS_SECRET, Date.now(), Number(env.EVENTS_WINDOW_SECONDS) || undefined);
    let body;
    try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
        throw new Problem(400, 'malformedJson', `the body is not JSON text: ${err.message}`, '');
    }
    const batch = checkServerEvents(body);
    if (!(await ruleSet(batch.ruleset.id)))
        throw new Problem(422, 'unknownRuleset', `no rule set ${batch.ruleset.id}`, 'ruleset.id');
    const { status, body: answer } = await stub(env, leadObject(batch.lead)).serverEvents(batch, Date.now());
    return json(answer, status);
}

/** `GET /dead-letters`: the deliveries that exhausted their tries, behind the `ADMIN_TOKEN` bearer token. */
async function getDeadLetters(request, env) {
    await requireBearer(request, env, 'ADMIN_TOKEN');
    const letters = await env.DEAD_LETTERS.get(env.DEAD_LETTERS.idFromName('all')).list();
    return json({ count: letters.length, letters });
}
