// Shared fixtures: the example rule sets (examples/<name>/ruleset.json, leads.json)
// with their golden results (tests/golden/<name>.ndjson), and a small inline rule set.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PKG = path.join(ROOT, 'pkg');

/** 2026-11-20T12:00:00Z, the `now` of every golden case (tests/golden.rs). */
export const NOW = 1_795_176_000_000;
export const DAY = 86_400_000;

/** Every example that has a rule set, leads and golden lines. */
export function examples() {
    const dir = path.join(ROOT, 'examples');
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .sort()
        .map((name) => ({
            name,
            rulesetPath: path.join(dir, name, 'ruleset.json'),
            leadsPath: path.join(dir, name, 'leads.json'),
            goldenPath: path.join(ROOT, 'tests', 'golden', `${name}.ndjson`),
        }))
        .filter((e) => fs.existsSync(e.rulesetPath) && fs.existsSync(e.leadsPath))
        .map((e) => ({
            name: e.name,
            rulesetText: fs.readFileSync(e.rulesetPath, 'utf8'),
            leads: JSON.parse(fs.readFileSync(e.leadsPath, 'utf8')),
            golden: fs.existsSync(e.goldenPath) ? fs.readFileSync(e.goldenPath, 'utf8').split('\n').filter(Boolean) : null,
        }));
}

/** A small rule set whose numbers are easy to work out by hand. */
export const RULESET = {
    schema: 'leadscore.ruleset/v1',
    id: 'inline',
    version: '1',
    fit: [{ id: 'title', points: 20, when: { field: 'jobTitle', word: ['vp', 'director'] } }],
    engagement: [
        { id: 'pricing', event: 'page_view', where: { field: 'url', equals: '/pricing' }, points: 15, cap: 45 },
        { id: 'demo', event: 'form_submit', where: { field: 'form', equals: 'demo' }, points: 30, once: true },
    ],
    stages: {
        mql: { threshold: 50 },
        sql: { on: [{ event: 'form_submit', where: { field: 'form', equals: 'demo' } }] },
    },
};

export const pricing = (ts, extra = {}) => ({ type: 'page_view', ts, url: '/pricing', ...extra });

/** A lead: a VP with `views` pricing-page views, one a minute before NOW. */
export function lead(views = 2, extra = {}) {
    return {
        id: 'ann@acme.io',
        profile: { jobTitle: 'VP Sales', company: { size: 120 } },
        events: Array.from({ length: views }, (_, i) => pricing(NOW - (i + 1) * 60_000)),
        ...extra,
    };
}
