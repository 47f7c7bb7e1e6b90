// Type-checked (not run) by types.test.mjs: rule sets written in code. `defineRuleSet`
// checks one fully where it is written; `new Engine` checks the keys and shapes of
// one written in its call (its texts it leaves to the compiler, since it also takes
// a JSON import, whose texts TypeScript types as plain strings: consumer.json.mts).
import { Engine, defineRuleSet } from 'leadscore';
import type { Condition, EngagementRule, Problem, RuleSet, RuleSetJson, Validation } from 'leadscore';

const META = { schema: 'leadscore.ruleset/v1', id: 'x', version: '1' } as const;

// Every form of every part, as the rule-set reference has it.
const defined: RuleSet = defineRuleSet({
    $schema: './node_modules/leadscore/ruleset.schema.json',
    schema: 'leadscore.ruleset/v1',
    id: 'acme-mql',
    version: '2026-11-01',
    description: 'Every form',
    events: { page_view: { url: 'string', seconds: 'number' }, form_submit: { form: 'string' }, bounce: {} },
    groups: { web: { cap: 30, description: 'Website' }, email: {} },
    recency: { halfLife: '30d', expireAfter: '180d' },
    fit: [
        { id: 'title', points: 20, when: { field: 'jobTitle', word: ['vp', 'director'] } },
        { id: 'size', group: 'web', points: 15, when: { field: 'company.size', between: [50, 5000] } },
        {
            id: 'free',
            points: -10,
            when: {
                any: [
                    { field: 'email', like: '*@gmail.com' },
                    { field: 'x', exists: false },
                ],
            },
        },
        { id: 'not_edu', points: 5, when: { not: { field: 'industry', in: ['education', 42, true] } } },
        {
            id: 'all',
            points: 1,
            when: {
                all: [
                    { field: 'a', equals: 'x' },
                    { field: 'b', notIn: ['y'] },
                    { field: 'c', contains: 'z' },
                    { field: 'd', startsWith: ['/'] },
                    { field: 'e', endsWith: '.io' },
                    { field: 'f', gt: 1 },
                    { field: 'g', gte: 1 },
                    { field: 'h', lt: 1 },
                    { field: 'i', lte: 1 },
                ],
            },
        },
    ],
    engagement: [
        {
            id: 'pricing',
            group: 'web',
            event: 'page_view',
            where: { field: 'url', startsWith: '/pricing' },
            points: 15,
            cap: 45,
        },
        { id: 'capped', event: 'page_view', points: 1, cap: 5, once: false },
        { id: 'demo', event: ['form_submit'], points: 30, once: true, recency: 'none' },
        { id: 'recent', event: 'page_view', points: 2, recency: { expireAfter: '90s' } },
        {
            id: 'returning',
            event: 'page_view',
            points: 10,
            count: { atLeast: 3, within: '7d' },
            recency: { expireAfter: '36h' },
        },
        {
            id: 'time',
            event: 'page_view',
            points: 10,
            sum: { property: 'seconds', atLeast: 300, within: '2w' },
            recency: 'none',
        },
    ],
    total: { max: 150, floorAtZero: true },
    disqualifiers: [
        { id: 'rival', description: 'A competitor', when: { field: 'email', endsWith: '@rival.io' } },
        { id: 'bounced', event: 'bounce' },
        { id: 'careers', event: 'page_view', where: { field: 'url', startsWith: '/careers' } },
    ],
    stages: {
        mql: { threshold: 60, minFit: 15, minEngagement: 5 },
        sql: { on: [{ event: 'form_submit', where: { field: 'form', equals: 'demo' }, atLeast: 1, within: '30m' }] },
        pql: { on: [{ event: 'page_view', atLeast: 3 }], minFit: 10 },
        recycle: true,
    },
    grades: { fit: [30, 20, 10], engagement: [75, 50, 25] },
    bands: [{ name: 'hot', atLeast: 60 }, { name: 'warm', atLeast: 30 }, { name: 'cold' }],
    anonymousHistory: 'ignore',
});
const engine = new Engine(defined);
// A RuleSet is a RuleSetJson too: a function that takes what a JSON import gives takes either.
const loose: RuleSetJson = defined;
const sqlOnThreshold: RuleSet = { ...META, stages: { sql: { threshold: 100 } } };
const oneBand: RuleSet = { ...META, bands: [{ name: 'all' }] };
const condition: Condition = { field: 'x', exists: true };
const rule: EngagementRule = { id: 'r', event: 'e', points: 1 };

// What the compiler refuses, written in code, is refused where it is written.
defineRuleSet({
    ...META,
    // @ts-expect-error: the schema is named exactly
    schema: 'leadscore.ruleset/v2',
});
// @ts-expect-error: a duration is a whole number and a unit
defineRuleSet({ ...META, recency: { halfLife: '30 days' } });
// @ts-expect-error: a recency names a half-life, an expiry or both
defineRuleSet({ ...META, recency: {} });
// @ts-expect-error: anonymousHistory is "count" or "ignore"
defineRuleSet({ ...META, anonymousHistory: 'drop' });
// @ts-expect-error: a property type is "string", "number" or "boolean"
defineRuleSet({ ...META, events: { page_view: { url: 'text' } } });
// @ts-expect-error: between takes [low, high]
defineRuleSet({ ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', between: [1] } }] });
// @ts-expect-error: grades are three cut-offs
defineRuleSet({ ...META, grades: { fit: [30, 20] } });
// @ts-expect-error: the last band catches every other total, so it has no atLeast
defineRuleSet({ ...META, bands: [{ name: 'hot', atLeast: 60 }] });
// @ts-expect-error: every band but the last has atLeast
defineRuleSet({ ...META, bands: [{ name: 'hot' }, { name: 'cold' }] });

// The same refusals reach `new Engine` for what its keys and shapes tell: a
// condition has exactly one operator,
// @ts-expect-error: two operators
new Engine({ ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', equals: 1, in: [1] } }] });
// @ts-expect-error: no operator
new Engine({ ...META, fit: [{ id: 'a', points: 1, when: { field: 'x' } }] });
// @ts-expect-error: an operator the compiler does not know
new Engine({ ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', eq: 1 } }] });
// @ts-expect-error: a combinator stands alone in its object
new Engine({ ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', equals: 1, all: [] } }] });
// @ts-expect-error: all takes a list of conditions
new Engine({ ...META, fit: [{ id: 'a', points: 1, when: { all: { field: 'x', equals: 1 } } }] });
// an engagement rule has `cap` or `once`, not both,
// @ts-expect-error: cap with once
new Engine({ ...META, engagement: [{ id: 'a', event: 'e', points: 1, cap: 5, once: true }] });
// @ts-expect-error: cap with once
defineRuleSet({ ...META, engagement: [{ id: 'a', event: 'e', points: 1, cap: 5, once: true }] });
// `count` or `sum`, not both, and neither with `cap`, `once` or a half-life,
const E = { id: 'a', event: 'e', points: 1 };
// @ts-expect-error: count with sum
new Engine({ ...META, engagement: [{ ...E, count: { atLeast: 2 }, sum: { property: 's', atLeast: 1 } }] });
// @ts-expect-error: cap on a count rule
new Engine({ ...META, engagement: [{ id: 'a', event: 'e', points: 1, count: { atLeast: 2 }, cap: 5 }] });
// @ts-expect-error: once on a sum rule
new Engine({ ...META, engagement: [{ ...E, sum: { property: 's', atLeast: 1 }, once: true }] });
// @ts-expect-error: a half-life on a count rule
new Engine({ ...META, engagement: [{ ...E, count: { atLeast: 2 }, recency: { halfLife: '7d' } }] });
// a disqualifier tests the profile or the events,
const HAS_Y = { field: 'y', exists: true };
// @ts-expect-error: when and event
new Engine({ ...META, disqualifiers: [{ id: 'a', when: { field: 'x', exists: true }, event: 'e' }] });
// @ts-expect-error: where goes with event
new Engine({ ...META, disqualifiers: [{ id: 'a', when: { field: 'x', exists: true }, where: HAS_Y }] });
// @ts-expect-error: neither
new Engine({ ...META, disqualifiers: [{ id: 'a' }] });
// the SQL stage has triggers or a threshold, the PQL stage triggers,
// @ts-expect-error: an SQL stage with neither
new Engine({ ...META, stages: { sql: {} } });
// @ts-expect-error: a PQL stage without triggers
new Engine({ ...META, stages: { pql: { minFit: 10 } } });
// and a key is one the format has.
// @ts-expect-error: an unknown key
new Engine({ ...META, colour: 'blue' });
// @ts-expect-error: points are a number
new Engine({ ...META, fit: [{ id: 'a', points: '10', when: { field: 'x', exists: true } }] });

// Engine.validate takes anything (what JSON.parse gave, text, a draft being edited)
// and answers with data, so an editor or a CI step lists every problem.
const parsed: unknown = JSON.parse('{}');
const checked: Validation = Engine.validate(parsed);
const textChecked = Engine.validate(JSON.stringify(defined));
const lines: string[] = [...checked.problems, ...textChecked.warnings].map(
    (p: Problem) => `${p.path}: ${p.message} (${p.code})`,
);
if (checked.valid) new Engine(parsed as RuleSetJson);

console.log(engine, loose, sqlOnThreshold, oneBand, condition, rule, lines);
