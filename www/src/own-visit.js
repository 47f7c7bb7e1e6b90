// The tracker (`leadscore/tracker`) on the playground itself, as a site runs it:
// the visitor's own page view, visible time and clicks on marked buttons are scored
// in the page with the rule set the page opened with. No endpoint and no consent,
// so it keeps everything in memory and sends nothing (docs/SIGNALS.md).
import { start, onScore } from 'leadscore/tracker';
import { TYPICAL_EVENTS, typicalEvent } from './visitor.js';

/** Marked buttons for the event types of the typical events the rule set looks at (no properties: a click has none). */
function markedTypes(reads) {
    const types = new Set();
    for (const t of TYPICAL_EVENTS) {
        const { type } = typicalEvent(t.key, reads);
        if (reads && type in reads.events && reads.events[type].length === 0) types.add(type);
    }
    return [...types];
}

export function startOwnVisit({ $, el, rules, reads }) {
    const box = $('own-buttons');
    const types = markedTypes(reads);
    if (types.length === 0)
        box.append(el('p', { class: 'hint' }, 'These rules score no event a plain click can make.'));
    for (const type of types) {
        box.append(el('button', { type: 'button', 'data-leadscore-event': type }, `Click as "${type}"`));
    }
    const out = $('own-score');
    onScore((s) => {
        out.textContent = `Your own score here: ${s.total} (fit ${s.fit}, engagement ${s.engagement}), stage ${s.stage}, band ${s.band}.`;
        out.dataset.total = String(s.total);
    });
    // A rule set the page cannot compile leaves the tracker out, not the page.
    try {
        start({ rules, consent: false, beforeConsent: 'memory', prefix: 'leadscore-playground' });
    } catch (e) {
        out.textContent = `The tracker could not start: ${e.message}`;
    }
}
