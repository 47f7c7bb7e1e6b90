// One Durable Object per lead (`lead`, else `visitor`): the unit of state and of
// serialization. It keeps the lead's saved session (MessagePack bytes) and the
// idempotency keys it has handed to the delivery queue.
import { DurableObject } from 'cloudflare:workers';
import { Session, InputError } from 'leadscore';
import { STAGES } from './signal.js';
import { ruleSet } from './rulesets.js';
import { serverVerifiedTypes } from './config.js';
import { MAX_KEYS, absorbVisitor, handOver } from './identity.js';
import { accountOf, rollUp } from './accounts.js';
import { standing } from './leads-api.js';
import { accepted, handOff, slaAlarm } from './handoff.js';
import { needsContactId } from './crm-shapes.js';
import { setAsideOf } from './set-aside.js';
/** Totals are hundredths: closer than this is equal. */
const EPSILON = 0.005;

const rank = (stage) => STAGES.indexOf(stage);

/** The generic JSON delivery of transition `t` (the queue's message and the webhook's body). */
export function delivery(t, signal, result, account = null) {
    return {
        type: 'leadscore.transition',
        v: 1,
        key: t.idempotencyKey,
        lead: signal.lead ?? null,
        visitor: signal.visitor,
        ruleset: { id: t.rulesetId, version: t.rulesetVersion, variant: signal.ruleset.variant ?? null },
        from: t.from,
        to: t.to,
        at: t.at,
        reason: t.reason,
        score: {
            total: result.total,
            fit: result.fit,
            engagement: result.engagement,
            band: result.band,
            grade: result.grade,
            matrix: result.matrix,
        },
        profile: signal.profile,
        account: account ?? null,
    };
}

export class LeadState extends DurableObject {
    /**
     * Re-scores `signal` (checked by `checkSignal`) on the lead's saved session and
     * confirms or refuses its claim. Answers `{ status, body }` for the worker to send.
     */
    async signal(signal, { retired = null } = {}) {
        return this.ctx.blockConcurrencyWhile(() => this.#signal(signal, retired));
    }

    /**
     * Tracks events from another system (checked by `checkServerEvents`, signature
     * verified) and evaluates at `now` with the rule set's current version: a
     * transition they cause is queued like a page's. Answers `{ status, body }`.
     */
    async serverEvents(batch, now) {
        return this.ctx.blockConcurrencyWhile(async () => {
            const stored = await this.ctx.storage.get(['session', 'delivered', 'account']);
            const delivered = stored.get('delivered') ?? [];
            const { engine } = await ruleSet(batch.ruleset.id);
            const saved = stored.get('session');
            const session = saved ? Session.restoreBytes(saved) : new Session(batch.lead);
            try {
                if (session.leadId !== batch.lead) session.identify(batch.lead);
                let duplicates = 0;
                batch.events.forEach((e, i) => {
                    try {
                        if (session.track(e, now).tracked === 'duplicate') duplicates++;
                    } catch (err) {
                        throw inputProblem(err, `events[${i}]`);
                    }
                });
                const setAside = setAsideOf(engine, batch.events, now);
                if (setAside.length)
                    console.warn(
                        `leadscore-edge: server events for ${batch.lead} the rule set never counts: ${JSON.stringify(setAside)}`,
                    );
                if (Object.keys(batch.profile).length) {
                    try {
                        session.updateProfile(batch.profile);
                    } catch (err) {
                        throw inputProblem(err, 'profile');
                    }
                }
                const { result, transitions } = session.evaluate(engine, now);
                const fresh = transitions.filter((t) => !delivered.includes(t.idempotencyKey));
                const subject = { lead: batch.lead, visitor: session.id, ruleset: {}, profile: batch.profile };
                const account = await this.#rollUp(stored, { lead: batch.lead, profile: batch.profile }, result, now);
                for (const t of fresh) await handOff(this.ctx.storage, this.env, delivery(t, subject, result, account));
                const keys = [...delivered, ...fresh.map((t) => t.idempotencyKey)];
                await this.ctx.storage.put({
                    session: session.saveBytes(),
                    delivered: keys.slice(-MAX_KEYS),
                    ruleset: batch.ruleset.id,
                });
                return {
                    status: 200,
                    body: {
                        status: 'scored',
                        tracked: batch.events.length - duplicates,
                        duplicates,
                        stage: result.stage,
                        total: result.total,
                        delivered: fresh.map((t) => t.idempotencyKey),
                        ...(setAside.length ? { setAside } : {}),
                    },
                };
            } catch (err) {
                if (err instanceof BadInput) return { status: 400, body: { error: err.error } };
                throw err;
            } finally {
                session.free();
            }
        });
    }

    /**
     * In a visitor's object whose history went to a lead (src/identity.js): hands
     * its state over to `lead` and keeps only the alias.
     */
    async handOver(lead) {
        return this.ctx.blockConcurrencyWhile(() => handOver(this.ctx.storage, lead));
    }

    /**
     * The lead's score, stage and explanation at `now` (`GET /leads/:id`):
     * `{ standing }`, null when it has none; `{ alias }` in a visitor's object merged
     * into a lead.
     */
    async standing(now) {
        const stored = await this.ctx.storage.get(['session', 'ruleset', 'account', 'alias']);
        if (stored.get('alias')) return { alias: stored.get('alias') };
        return { standing: await standing(this.env, stored, now) };
    }

    /** The CRM accepted the transition `key` of this lead (`POST /crm/accepted`): its SLA is met. */
    async accepted(key) {
        return this.ctx.blockConcurrencyWhile(async () => {
            const stored = await this.ctx.storage.get(['delivered', 'alias']);
            // A visitor merged into a lead: its hand-offs went with it (src/identity.js).
            if (stored.get('alias')) return { forward: stored.get('alias') };
            return accepted(this.ctx.storage, this.env, key, stored.get('delivered') ?? []);
        });
    }

    /** The SLA alarm (routing and SLA: src/handoff.js). */
    async alarm() {
        await slaAlarm(this.ctx.storage, this.env);
    }

    async #signal(signal, retired) {
        const stored = await this.ctx.storage.get(['session', 'delivered', 'alias', 'visitors', 'account', 'held']);
        // A visitor merged into a lead: the worker sends the signal on to the lead's object.
        if (stored.get('alias') && !signal.lead) {
            if ((stored.get('delivered') ?? []).includes(signal.key))
                return { status: 200, body: { status: 'duplicate', key: signal.key, delivered: [] } };
            return { forward: stored.get('alias') };
        }
        const rules = await ruleSet(signal.ruleset.id);
        const engine = rules.engine;
        const saved = stored.get('session');
        let session = saved ? Session.restoreBytes(saved) : null;
        try {
            const known = { visitors: stored.get('visitors') ?? [], delivered: stored.get('delivered') ?? [] };
            let merged;
            ({ session, merged } = await absorbVisitor(
                { env: this.env, storage: this.ctx.storage },
                session,
                signal,
                known,
            ));
            // The visitor's held transitions (src/identity.js) are the lead's now: delivered
            // at once, whatever becomes of this signal's claim.
            const released = merged ? await this.#release(session, signal, stored, known) : [];
            /** @type {string[]} */
            const delivered = known.delivered;
            const held = (await this.ctx.storage.get('held')) ?? [];
            if (delivered.includes(signal.key) || held.some((h) => h.key === signal.key)) {
                return { status: 200, body: { status: 'duplicate', key: signal.key, delivered: released } };
            }
            session ??= new Session(signal.visitor);
            return await this.#score(session, signal, { delivered, held, released }, engine, retired, stored);
        } catch (err) {
            if (err instanceof BadInput) return { status: 400, body: { error: err.error } };
            throw err;
        } finally {
            session?.free();
        }
    }

    /**
     * After a merge (src/identity.js): the transitions the visitor's object held (no
     * contact id then) are handed off now as the lead's, in the order they happened,
     * but a stage the lead had handed off already (on another device) is not handed
     * off again. Stores what it did; answers the keys handed off.
     */
    async #release(session, signal, stored, known) {
        const held = (await this.ctx.storage.get('held')) ?? [];
        const lead = session?.leadId;
        if (!held.length || !lead) return [];
        const handed = new Set((await this.ctx.storage.get('handed')) ?? []);
        const released = [];
        for (const body of held) {
            if (known.delivered.includes(body.key)) continue;
            if (STAGES.slice(rank(body.to)).some((s) => handed.has(s))) {
                console.info(`leadscore-edge: held ${body.key} (${body.to}) not handed off: lead ${lead} reached it`);
                continue;
            }
            const account = await this.#rollUp(
                stored,
                { lead, account: signal.account, profile: body.profile },
                { stage: body.to, total: body.score.total },
                body.at,
            );
            await handOff(this.ctx.storage, this.env, { ...body, lead, account });
            handed.add(body.to);
            released.push(body.key);
        }
        known.delivered = [...known.delivered, ...released].slice(-MAX_KEYS);
        await this.ctx.storage.put({ held: [], delivered: known.delivered });
        if (released.length)
            console.info(
                `leadscore-edge: held transitions of ${signal.visitor} handed off as lead ${lead}: ${released}`,
            );
        return released;
    }

    /**
     * Records the lead's standing in its account (src/accounts.js) and answers the
     * account's roll-up; null for an anonymous visitor or a lead without an account.
     * The account found is kept, for later signals that do not name it.
     */
    async #rollUp(stored, { lead, account, profile }, result, now) {
        if (!lead) return null;
        const found = accountOf({ account, lead, profile }, this.env) ?? stored.get('account') ?? null;
        if (!found) return null;
        if (stored.get('account')?.id !== found.id) await this.ctx.storage.put('account', found);
        return rollUp(this.env, found, { lead, stage: result.stage, total: result.total, at: now });
    }

    async #score(session, signal, { delivered, held, released }, engine, retired, stored) {
        {
            // Events tracked before `identify` are the anonymous history: tracked first,
            // as on the page, so that a rule set that ignores it ignores them here too.
            // Event types that only other systems report (POST /events) are not taken
            // from a page: dropped before scoring, and the drop is logged.
            const verified = serverVerifiedTypes(this.env);
            const ignored = [];
            signal.events.forEach((e, i) => {
                if (verified.has(e.type)) ignored.push({ path: `events[${i}]`, type: e.type });
            });
            if (ignored.length)
                console.warn(
                    `leadscore-edge: signal ${signal.key} claims server-verified events, ignored: ${JSON.stringify(ignored)}`,
                );
            const taken = signal.events.filter((e) => !verified.has(e.type));
            // Events the rule set will never count: reported, so that a tracker developer
            // sees why a claim falls short.
            const setAside = setAsideOf(engine, signal.events, signal.at).filter((a) => !verified.has(a.type));
            if (setAside.length)
                console.warn(
                    `leadscore-edge: signal ${signal.key} has events the rule set never counts: ${JSON.stringify(setAside)}`,
                );
            const notes = { ...(ignored.length ? { ignored } : {}), ...(setAside.length ? { setAside } : {}) };
            const anon = taken.filter((e) => e.anon === true);
            const named = taken.filter((e) => e.anon !== true);
            const track = (e) => {
                const { anon: _, ...event } = e;
                try {
                    session.track(event, signal.at);
                } catch (err) {
                    throw inputProblem(err, `events[${signal.events.indexOf(e)}]`, signal.at);
                }
            };
            if (!session.leadId) anon.forEach(track);
            if (signal.lead && session.leadId !== signal.lead) session.identify(signal.lead);
            if (session.leadId) anon.forEach(track);
            named.forEach(track);
            if (Object.keys(signal.profile).length) {
                try {
                    session.updateProfile(signal.profile);
                } catch (err) {
                    throw inputProblem(err, 'profile');
                }
            }
            const { result, transitions } = session.evaluate(engine, signal.at);
            // A retired version's claim was made by another definition: not checked; what
            // the current version makes of the events is stored and delivered.
            const short = !retired && rank(result.stage) < rank(signal.to);
            const overclaimed = !retired && signal.total > result.total + EPSILON;
            if (short || overclaimed) {
                const difference = {
                    claimed: { stage: signal.to, total: signal.total },
                    computed: {
                        stage: result.stage,
                        total: result.total,
                        fit: result.fit,
                        engagement: result.engagement,
                    },
                };
                console.warn(`leadscore-edge: refused signal ${signal.key}: ${JSON.stringify(difference)}`);
                const message = short
                    ? `the events support stage ${result.stage} (total ${result.total}), not the claimed ${signal.to}`
                    : `the events support a total of ${result.total}, not the claimed ${signal.total}`;
                return {
                    status: 422,
                    body: {
                        error: { code: 'claimNotSupported', message, path: short ? 'to' : 'total', ...difference },
                        ...notes,
                    },
                };
            }
            // A claimed stage must be a transition this evaluation computed, under its key
            // (a key delivered before was answered as a duplicate already): the CRM gets
            // the key computed here, and the answer names no other. A retired version's
            // keys name the retired version: not comparable.
            if (!retired && signal.to !== 'none' && !transitions.some((t) => t.idempotencyKey === signal.key)) {
                const computed = transitions.filter((t) => t.to === signal.to).at(-1) ?? transitions.at(-1) ?? null;
                const message = computed
                    ? `the events make the transition to ${computed.to} with key ${computed.idempotencyKey}, not ${signal.key}`
                    : `the events make no transition now (stage ${result.stage} was reached before), none with key ${signal.key}`;
                console.warn(`leadscore-edge: refused signal ${signal.key}: ${message}`);
                return {
                    status: 422,
                    body: {
                        error: {
                            code: 'keyMismatch',
                            message,
                            path: 'key',
                            claimed: { key: signal.key, stage: signal.to },
                            computed: { key: computed?.idempotencyKey ?? null, stage: result.stage },
                        },
                        ...notes,
                    },
                };
            }
            const fresh = transitions.filter((t) => !delivered.includes(t.idempotencyKey));
            const lead = session.leadId ?? null;
            const account = await this.#rollUp(
                stored,
                { lead, account: signal.account, profile: signal.profile },
                result,
                signal.at,
            );
            // Queued before the state is stored: should storing fail, the tracker sends
            // again and the CRM drops the repeat by its idempotency key; the other way
            // round a failure would lose the delivery.
            // An anonymous visitor's transition that the CRM's shape cannot take (no
            // contact id) is held here, not handed off: no delivery, owner, SLA or funnel
            // count until the visitor is identified (#release).
            const hold = !lead && needsContactId(this.env);
            const handed = [];
            const nowHeld = [];
            for (const t of fresh) {
                const body = delivery(t, { ...signal, lead: lead ?? signal.lead }, result, account);
                if (hold) nowHeld.push(body);
                else {
                    await handOff(this.ctx.storage, this.env, body);
                    handed.push(t.idempotencyKey);
                }
            }
            if (nowHeld.length)
                console.info(
                    `leadscore-edge: visitor ${signal.visitor}'s transitions held until identified: ${nowHeld.map((b) => b.key)}`,
                );
            const keys = [...delivered, ...handed];
            const heldNow = [...held, ...nowHeld];
            if (!keys.includes(signal.key) && !heldNow.some((h) => h.key === signal.key)) keys.push(signal.key);
            await this.ctx.storage.put({
                session: session.saveBytes(),
                delivered: keys.slice(-MAX_KEYS),
                ruleset: signal.ruleset.id,
                ...(nowHeld.length ? { held: heldNow.slice(-MAX_KEYS) } : {}),
            });
            // The answer echoes the signal's key only when it is a transition's computed
            // here (a claim of stage none may carry any key; a retired version's key names
            // the retired version, which the CRM never gets).
            const isTransition = transitions.some((t) => t.idempotencyKey === signal.key);
            return {
                status: 200,
                body: {
                    status: retired ? 'rescored' : 'confirmed',
                    key: isTransition ? signal.key : null,
                    ...(retired ? { ruleset: { id: signal.ruleset.id, version: engine.version, retired } } : {}),
                    stage: result.stage,
                    total: result.total,
                    delivered: [...released, ...handed],
                    ...(nowHeld.length ? { held: nowHeld.map((b) => b.key) } : {}),
                    ...notes,
                },
            };
        }
    }
}

class BadInput extends Error {
    constructor(error) {
        super(error.message);
        this.error = error;
    }
}

/**
 * An `InputError` of the package as a refusal naming the path in the body. The
 * package's path starts at its argument (`event.ts`, `profile.company`): that root is
 * what `prefix` names here (`events[1]`, `profile`). Its message starts with its own
 * path and ends with its code, both given apart here.
 * `now`: what the package's "now" is here (the signal's `at`), when it is not the clock.
 */
function inputProblem(err, prefix, now = null) {
    if (!(err instanceof InputError)) throw err;
    const inner = err.path ? err.path.replace(/^(event|profile)(?=[.[]|$)/, '') : '';
    const path = `${prefix}${inner && !/^[.[]/.test(inner) ? '.' : ''}${inner}`;
    let message = err.message;
    if (err.path && message.startsWith(`${err.path}: `)) message = message.slice(err.path.length + 2);
    if (message.endsWith(` (${err.code})`)) message = message.slice(0, -(err.code.length + 3));
    if (now !== null) message = message.replace(/\bafter now \((\d+)\)/, "after the signal's at ($1)");
    return new BadInput({ code: err.code, message, path });
}
