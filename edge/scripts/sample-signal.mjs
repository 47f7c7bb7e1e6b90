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
import { signalFor } from './signal-for.mjs';

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

const signal = signalFor({ rules, visitor: `v-sample-${run}`, lead, profile, events, at });
if (!signal) throw new Error('the sample events reach no stage: has examples/b2b-saas changed?');
process.stdout.write(`${JSON.stringify(signal, null, 2)}\n`);
