// Prints a valid signal (docs/SIGNALS.md) as JSON: a visitor of the b2b-saas example
// (examples/b2b-saas, rule set b2b-saas-mql) identified as LEAD (default: a new
// address each run) views the pricing page three times and downloads two
// whitepapers; the package's session, as the tracker runs it, reports the MQL
// transition, and the signal is what the tracker would send for it. For curl:
//
//   node edge/scripts/sample-signal.mjs | curl -s --data-binary @- http://127.0.0.1:8787/signals
//
// Each run makes a new visitor, events and lead, so each signal is new to the worker;
// the same signal posted twice answers `duplicate`.
import fs from 'node:fs';
import crypto from 'node:crypto';
import { Engine, Session } from 'leadscore';

const HOUR = 3_600_000;
const rules = JSON.parse(fs.readFileSync(new URL('../../examples/b2b-saas/ruleset.json', import.meta.url), 'utf8'));
const run = crypto.randomBytes(4).toString('hex');
const lead = process.env.LEAD || `sample-${run}@example.com`;
const profile = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };
const at = Date.now();
const events = [
    { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
    { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
    { type: 'page_view', ts: at - HOUR, url: '/pricing' },
    { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
    { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
].map((e, i) => ({ ...e, id: `${run}-${i}` }));

const engine = new Engine(rules);
const session = new Session(`v-sample-${run}`, { watch: [engine] });
try {
    session.identify(lead);
    session.updateProfile(profile);
    let transition = null;
    for (const e of events) {
        transition = session.track(e, at).transitions.at(-1) ?? transition;
        if (transition) break;
    }
    if (!transition) throw new Error('the sample events reach no stage: has examples/b2b-saas changed?');
    const q = session.qualify(engine, transition.at);
    const signal = {
        v: 1,
        key: transition.idempotencyKey,
        visitor: session.id,
        lead,
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
        events: events.filter((e) => e.ts <= transition.at),
    };
    process.stdout.write(`${JSON.stringify(signal, null, 2)}\n`);
} finally {
    session.free();
    engine.free();
}
