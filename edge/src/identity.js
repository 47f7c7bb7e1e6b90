// Identity: which Durable Object holds a signal's lead, and how an anonymous
// visitor's history joins the known lead's.
//
// A signal with a `lead` goes to the lead's object (`lead:` + lead), one without to
// the visitor's (`visitor:` + visitor). The first time the lead's object sees a
// visitor id with its lead id, it asks the visitor's object to hand its state over:
// the visitor's object gives its saved session and delivered keys and keeps, from
// then on, only an alias naming the lead. The lead's object folds the session in
// (`Session.merge`: events deduplicated by id, the further stage kept per rule set,
// so no transition is reported again), adds the delivered keys to its own, and
// stores the merge at once, whatever becomes of the signal that caused it. A later
// signal with only that visitor id reaches the visitor's object, which answers with
// its alias; the worker sends the signal on to the lead's object. Two devices are
// two visitor ids, each handed over in turn: one state.
//
// A device shared by two people (two leads, one visitor id): the history goes to the
// first lead that claims it; the alias then follows the latest lead identified on it.
import { Session } from 'leadscore';
import { adoptSales, handOverSales } from './handoff.js';

/** How many visitor ids a lead's object remembers as merged (devices, browsers, cleared storage). */
const MAX_VISITORS = 100;
/** How many delivered keys an object remembers (a lead makes a handful of transitions). */
export const MAX_KEYS = 200;

export const leadObject = (lead) => `lead:${lead}`;
export const visitorObject = (visitor) => `visitor:${visitor}`;

/** The Durable Object stub for `name` (`lead:…` or `visitor:…`). */
export function stub(env, name) {
    return env.LEADS.get(env.LEADS.idFromName(name));
}

/**
 * In the visitor's object (its storage `storage`): hands its state to `lead` and
 * keeps only the alias. Answers `{ session: bytes | null, delivered: string[], held:
 * object[], sales }`;
 * nothing when the state was already handed to another lead.
 * @param {DurableObjectStorage} storage
 * @param {string} lead
 */
export async function handOver(storage, lead) {
    const stored = await storage.get(['session', 'delivered', 'alias', 'held']);
    const handed = stored.get('alias')
        ? { session: null, delivered: [], held: [] }
        : {
              session: stored.get('session') ?? null,
              delivered: stored.get('delivered') ?? [],
              // Transitions held for want of a contact id: the lead's object hands them off.
              held: stored.get('held') ?? [],
              // The owner, the funnel's record and open SLAs go with the history (src/handoff.js).
              sales: await handOverSales(storage),
          };
    // The delivered keys stay too: a replay of one of this visitor's signals is still
    // answered as a duplicate before it is forwarded.
    await storage.delete(['session', 'held']);
    await storage.put('alias', lead);
    return handed;
}

/**
 * In the lead's object: when `signal` names a visitor not merged yet, takes the
 * visitor's state over and folds it into `session` (restored, or null when the lead
 * has none yet). Answers the session to score on and whether anything changed
 * (`merged`, to be stored at once).
 * @param {{ env: Record<string, any>, storage: DurableObjectStorage }} ctx
 * @param {Session | null} session
 * @param {{ lead?: string, visitor: string }} signal
 * @param {{ visitors: string[], delivered: string[] }} known (updated in place)
 */
export async function absorbVisitor({ env, storage }, session, signal, known) {
    if (!signal.lead || known.visitors.includes(signal.visitor)) return { session, merged: false };
    const handed = await stub(env, visitorObject(signal.visitor)).handOver(signal.lead);
    known.visitors = [...known.visitors, signal.visitor].slice(-MAX_VISITORS);
    known.delivered = [...new Set([...known.delivered, ...handed.delivered])].slice(-MAX_KEYS);
    if (handed.session) {
        const theirs = Session.restoreBytes(handed.session);
        if (!session) {
            session = theirs;
        } else {
            try {
                session.merge(theirs);
            } finally {
                theirs.free();
            }
        }
    }
    if (session && session.leadId !== signal.lead) session.identify(signal.lead);
    await adoptSales(storage, handed.sales);
    const entries = { visitors: known.visitors, delivered: known.delivered };
    if (handed.held?.length) entries.held = [...((await storage.get('held')) ?? []), ...handed.held];
    if (session) entries.session = session.saveBytes();
    await storage.put(entries);
    if (handed.session)
        console.info(`leadscore-edge: visitor ${signal.visitor}'s history merged into lead ${signal.lead}`);
    return { session, merged: true };
}
