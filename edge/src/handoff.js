// What happens when a lead's Durable Object hands a transition to sales, beside the
// delivery itself: the lead's owner (routing.js, chosen once per lead and kept), the
// SLA's clock (sla.js) and the funnel (funnel.js). Called by `LeadState` for each
// transition it queues, and for the CRM's acceptance and the SLA alarm.
import { route } from './routing.js';
import { accept, escalateDue, openHandOff } from './sla.js';
import { funnelOf, funnelStub } from './funnel.js';

/**
 * Completes delivery `body` (the generic shape) with the lead's owner and variant,
 * queues it, opens its SLA and tells the funnel. `storage`: the lead object's.
 */
export async function handOff(storage, env, body, now = Date.now()) {
    const kept = await storage.get(['owner', 'funnel', 'handed']);
    const record = kept.get('funnel') ?? {
        experiment: funnelOf(env, body.ruleset.id),
        variant: body.ruleset.variant ?? 'none',
        mqlAt: null,
        sqlAt: null,
        acceptedAt: null,
    };
    // A server event names no variant: the lead's, from its page signals.
    if (body.ruleset.variant == null && record.variant !== 'none')
        body = { ...body, ruleset: { ...body.ruleset, variant: record.variant } };
    let owner = kept.get('owner') ?? null;
    if (!owner && body.to !== 'none') owner = await route(env, body.profile, body.to);
    const sent = { ...body, owner };
    await env.DELIVERIES.send(sent);
    // The stages handed off: a visitor's held transition to one of them is not handed off again.
    const updates = { handed: [...new Set([...(kept.get('handed') ?? []), body.to])] };
    if (owner && !kept.get('owner')) updates.owner = owner;
    let change = null;
    if (body.to === 'mql' && record.mqlAt === null) {
        record.mqlAt = body.at;
        change = { stage: 'mql' };
    } else if (body.to === 'sql' && record.sqlAt === null) {
        record.sqlAt = body.at;
        change = { stage: 'sql', sinceMql: record.mqlAt === null ? null : Math.max(0, body.at - record.mqlAt) };
    }
    updates.funnel = record;
    await storage.put(updates);
    await openHandOff(storage, env, sent, now);
    if (change) await funnelStub(env, record.experiment).record(record.variant, change);
    return sent;
}

/** The SLA alarm: escalates what is due, and counts each in the funnel. */
export async function slaAlarm(storage, env, now = Date.now()) {
    const sent = await escalateDue(storage, env, now);
    if (!sent.length) return;
    const record = await storage.get('funnel');
    if (record)
        for (const _ of sent) await funnelStub(env, record.experiment).record(record.variant, { slaMissed: true });
}

/**
 * The CRM accepted transition `key` (one this lead delivered, `delivered` its keys).
 * Answers `{ status, body }` for the worker to send.
 */
export async function accepted(storage, env, key, delivered, now = Date.now()) {
    const wasEscalated = Boolean(await storage.get(`escalated:${key}`));
    const result = await accept(storage, key, delivered, now);
    if (!result)
        return {
            status: 404,
            body: {
                error: { code: 'unknownTransition', message: `this lead delivered no transition ${key}`, path: 'key' },
            },
        };
    if (result.status === 'accepted') {
        const record = await storage.get('funnel');
        if (record) {
            const first = record.acceptedAt === null;
            if (first) {
                record.acceptedAt = now;
                await storage.put('funnel', record);
            }
            const change = {
                acceptedSinceMql: first && record.mqlAt !== null ? Math.max(0, now - record.mqlAt) : null,
                // Accepted after its SLA but before the alarm escalated it: missed all the same.
                slaMissed: result.late && !wasEscalated,
            };
            if (change.acceptedSinceMql !== null || change.slaMissed)
                await funnelStub(env, record.experiment).record(record.variant, change);
        }
    }
    return { status: 200, body: { key, ...result } };
}

/**
 * In a visitor's object handing its state to a lead (src/identity.js): takes out the
 * lead's owner, funnel record and open hand-offs, and its alarm, for the lead's object.
 */
export async function handOverSales(storage) {
    const kept = await storage.get(['owner', 'funnel', 'handed']);
    const open = [...(await storage.list({ prefix: 'sla:' })).values()];
    await storage.delete(['owner', 'funnel', 'handed', ...open.map((h) => `sla:${h.key}`)]);
    if (open.length) await storage.deleteAlarm();
    return {
        owner: kept.get('owner') ?? null,
        funnel: kept.get('funnel') ?? null,
        handed: kept.get('handed') ?? [],
        open,
    };
}

/**
 * In the lead's object: takes over what `handOverSales` gave. The lead's own owner and
 * funnel record come first; the visitor's open hand-offs join the lead's, and the
 * alarm is set for the earliest.
 */
export async function adoptSales(storage, sales) {
    if (!sales) return;
    const kept = await storage.get(['owner', 'funnel', 'handed']);
    const entries = {};
    if (sales.handed?.length) entries.handed = [...new Set([...(kept.get('handed') ?? []), ...sales.handed])];
    if (sales.owner && !kept.get('owner')) entries.owner = sales.owner;
    if (sales.funnel && !kept.get('funnel')) entries.funnel = sales.funnel;
    for (const h of sales.open) entries[`sla:${h.key}`] = h;
    if (Object.keys(entries).length) await storage.put(entries);
    if (!sales.open.length) return;
    const due = Math.min(...sales.open.map((h) => h.due));
    const alarm = await storage.getAlarm();
    if (alarm === null || alarm > due) await storage.setAlarm(due);
}
