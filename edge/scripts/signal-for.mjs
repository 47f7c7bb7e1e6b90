// The signal the tracker would send (docs/SIGNALS.md) for a visitor whose events
// reach a stage: used by sample-signal.mjs (a signal to post by hand) and by the
// tests' harness.
import { Engine, Session } from 'leadscore';

/**
 * A session watching `rules` tracks `events` (in order, each with an id) for
 * `visitor`, identified as `lead` when given, with `profile`; the first transition it
 * reports becomes the signal, carrying the events held then, as the tracker sends at
 * once what the session held when the stage moved. Null when no event moves a stage.
 */
export function signalFor({ rules, visitor, lead, profile, events, at }) {
    const engine = new Engine(rules);
    const session = new Session(visitor, { watch: [engine] });
    try {
        if (lead) session.identify(lead);
        session.updateProfile(profile);
        let transition = null;
        let held = 0;
        for (const e of events) {
            transition = session.track(e, at).transitions.at(-1) ?? null;
            held++;
            if (transition) break;
        }
        if (!transition) return null;
        const q = session.qualify(engine, transition.at);
        return {
            v: 1,
            key: transition.idempotencyKey,
            visitor,
            ...(lead ? { lead } : {}),
            ruleset: { id: transition.rulesetId, version: transition.rulesetVersion },
            from: transition.from,
            to: transition.to,
            at: transition.at,
            reason: transition.reason,
            total: transition.total,
            fit: q.fit,
            engagement: q.engagement,
            band: q.band,
            profile,
            events: events.slice(0, held),
        };
    } finally {
        session.free();
        engine.free();
    }
}
