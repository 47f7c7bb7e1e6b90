// Type-checked with the DOM lib: every member of leadscore/tracker, used as a page would.
import { consent, identify, onScore, optOut, ready, score, start, track } from 'leadscore/tracker';
import type { PageScore, TrackerOptions } from 'leadscore/tracker';

const options: TrackerOptions = {
    rulesUrl: '/leadscore/rules.json',
    endpoint: 'https://collect.example.com/s',
    consent: false,
    beforeConsent: 'memory',
    gpc: true,
    allow: ['jobTitle', 'company.size'],
    forms: { '#demo': 'demo_request' },
    variant: 'b',
    prefix: 'acme',
    wasmUrl: new URL('/assets/leadscore_bg.wasm', location.href),
    onScore: (s: PageScore) => console.log(s.total, s.stage, s.band, s.rulesetVersion),
};
start(options);
start({ rules: { schema: 'leadscore.ruleset/v1', id: 'x', version: '1' } });
track('pricing_calculator', { seats: 40 });
track('newsletter');
identify('ann@acme.io', { jobTitle: 'VP Sales' });
identify('ann@acme.io');
consent(true);
optOut();
const stop: () => void = onScore((s) => {
    const stage: 'none' | 'mql' | 'pql' | 'sql' = s.stage;
    console.log(stage);
});
stop();
const last: PageScore | null = score();
const scoring: boolean = await ready();
document.addEventListener('leadscore:score', (e) => console.log(e.detail.band, last, scoring));

// @ts-expect-error beforeConsent is 'memory' or 'none'
start({ beforeConsent: 'never' });
// @ts-expect-error track needs an event type
track();
