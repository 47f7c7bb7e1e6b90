// Events the rule set will never count (an unknown type, a property of the wrong
// type, a type no rule reads), as the package's `track` reports them for a watched
// engine (`setAside`). The lead's own session watches no engine (its transitions come
// from `evaluate`, under the lead's id), so each kind of event is tried once in a
// scratch session that watches the rule set: the answer depends only on the type and
// the types of the properties.
import { Session } from 'leadscore';

/** The JSON kind of a property value, as the rule set's vocabulary types it. */
const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * The events of `events` that `engine`'s rule set sets aside, each `{path, type,
 * reason, nearest}` (`path`: `${prefix}[i]`; `nearest`: the known type nearest in
 * spelling, or null). `at` is the time the events are tracked at.
 * @param {import('leadscore').Engine} engine
 * @param {Array<Record<string, unknown>>} events
 * @param {number} at
 */
export function setAsideOf(engine, events, at, prefix = 'events') {
    const found = [];
    const byShape = new Map();
    events.forEach((e, i) => {
        const { type, ts: _ts, id: _id, anon: _anon, ...props } = e;
        const shape = JSON.stringify([
            type,
            Object.entries(props)
                .map(([k, v]) => [k, kind(v)])
                .sort(),
        ]);
        let aside = byShape.get(shape);
        if (aside === undefined) {
            const scratch = new Session('set-aside', { watch: [engine] });
            try {
                // Tracked at `at` itself: only what the rule set makes of the event matters here.
                aside = scratch.track({ ...props, type, ts: at, id: 'e' }, at).setAside?.[0] ?? null;
            } catch {
                aside = null; // refused outright: the real track names it
            } finally {
                scratch.free();
            }
            byShape.set(shape, aside);
        }
        if (aside)
            found.push({
                path: `${prefix}[${i}]`,
                type,
                reason: aside.reason,
                nearest: aside.didYouMean ?? null,
                ...(aside.property ? { property: aside.property } : {}),
            });
    });
    return found;
}
