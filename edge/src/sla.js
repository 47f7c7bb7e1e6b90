// Service levels for a hand-off: how long sales may take to accept a lead the worker
// delivered (`SLA`, a JSON var: first matching entry by stage and, optionally, the
// transition's reason). The lead's Durable Object keeps each open hand-off and sets
// its alarm for the earliest due one; the CRM reports acceptance (`POST
// /crm/accepted`); an alarm that finds a hand-off still open sends one escalation
// through the delivery queue to `ESCALATION_WEBHOOK_URL`, its idempotency key `esc-`
// and the transition's key.
import { STAGES } from './signal.js';
import { ConfigError, jsonVar, nonEmptyText, onlyKeys, positiveNumber } from './json-config.js';

export const ESCALATION = 'leadscore.escalation';

/** @param {unknown} value @param {string} path */
function checkSla(value, path) {
    if (!Array.isArray(value)) throw new ConfigError(path, 'must be a list of {stage, within, reasonIncludes?}');
    return value.map((e, i) => {
        const at = `${path}[${i}]`;
        onlyKeys(e, at, ['stage', 'within', 'reasonIncludes']);
        if (!STAGES.includes(e.stage) || e.stage === 'none')
            throw new ConfigError(`${at}.stage`, `must be one of ${STAGES.slice(1).join(', ')}`);
        const entry = { stage: e.stage, within: positiveNumber(e.within, `${at}.within`) };
        if (e.reasonIncludes !== undefined)
            entry.reasonIncludes = nonEmptyText(e.reasonIncludes, `${at}.reasonIncludes`);
        return entry;
    });
}

/** The service levels configured (`SLA`), checked; an empty list when there are none. */
export function slaConfig(env) {
    return jsonVar(env, 'SLA', checkSla, []);
}

/** Seconds sales has to accept transition `t` (`{to, reason}`), or null when no SLA covers it. */
export function slaFor(env, t) {
    const entry = slaConfig(env).find(
        (e) => e.stage === t.to && (!e.reasonIncludes || String(t.reason ?? '').includes(e.reasonIncludes)),
    );
    return entry ? entry.within : null;
}

/** Where a queued message goes: escalations to `ESCALATION_WEBHOOK_URL`, the rest to `WEBHOOK_URL`. */
export function webhookFor(body, env) {
    return body?.type === ESCALATION ? env.ESCALATION_WEBHOOK_URL : env.WEBHOOK_URL;
}

/**
 * Opens the hand-off of delivery `body` in the lead's object `storage` when an SLA
 * covers it, due `within` seconds from `now`, and moves the alarm forward when it is
 * the earliest.
 */
export async function openHandOff(storage, env, body, now) {
    const within = slaFor(env, body);
    if (within === null) return null;
    const due = now + Math.round(within * 1000);
    const open = {
        key: body.key,
        lead: body.lead,
        visitor: body.visitor,
        stage: body.to,
        owner: body.owner ?? null,
        ruleset: body.ruleset,
        handedOffAt: now,
        within,
        due,
    };
    await storage.put(`sla:${body.key}`, open);
    const alarm = await storage.getAlarm();
    if (alarm === null || alarm > due) await storage.setAlarm(due);
    return open;
}

/**
 * The alarm: each open hand-off now due is escalated (queued once, then closed as
 * escalated); the alarm is set again for the next one. Answers the escalations sent.
 */
export async function escalateDue(storage, env, now) {
    const open = await storage.list({ prefix: 'sla:' });
    const sent = [];
    let next = null;
    for (const [name, h] of open) {
        if (h.due > now) {
            next = next === null ? h.due : Math.min(next, h.due);
            continue;
        }
        const escalation = {
            type: ESCALATION,
            v: 1,
            key: `esc-${h.key}`,
            transition: h.key,
            lead: h.lead,
            visitor: h.visitor,
            stage: h.stage,
            owner: h.owner,
            ruleset: h.ruleset,
            handedOffAt: h.handedOffAt,
            within: h.within,
            due: h.due,
            escalatedAt: now,
        };
        // Queued, then closed: should closing fail, the alarm runs again and the repeat
        // carries the same idempotency key.
        await env.DELIVERIES.send(escalation);
        await storage.put(`escalated:${h.key}`, { ...h, escalatedAt: now });
        await storage.delete(name);
        console.warn(`leadscore-edge: SLA missed for ${h.key} (${h.stage}, owner ${h.owner?.id ?? 'none'}): escalated`);
        sent.push(escalation);
    }
    if (next !== null) await storage.setAlarm(next);
    return sent;
}

/**
 * The CRM accepted transition `key` at `now`: the hand-off is closed. Answers
 * `{ status: 'accepted' | 'alreadyAccepted', late, acceptedAt }`, or null when this
 * lead delivered no such transition (`delivered`: the keys it queued).
 */
export async function accept(storage, key, delivered, now) {
    const got = await storage.get([`sla:${key}`, `escalated:${key}`, `accepted:${key}`]);
    const before = got.get(`accepted:${key}`);
    if (before) return { status: 'alreadyAccepted', late: before.late, acceptedAt: before.at };
    if (!delivered.includes(key) && !got.get(`sla:${key}`) && !got.get(`escalated:${key}`)) return null;
    const open = got.get(`sla:${key}`);
    const late = Boolean(got.get(`escalated:${key}`)) || (open ? open.due < now : false);
    await storage.put(`accepted:${key}`, { at: now, late });
    if (open) await storage.delete(`sla:${key}`);
    return { status: 'accepted', late, acceptedAt: now };
}
