// Scoring through the package's Node ESM entry: the golden results of every
// example, byte for byte, and the agreement of score, scoreJson, scoreMany,
// scoreManyJson, qualify and qualifyMany.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, init } from 'leadscore';
import { examples, lead, NOW, RULESET } from './helpers.mjs';

const EXAMPLES = examples();

test('init() resolves at once in Node', async () => {
    await init();
    await init();
});

test('an engine from an object, from JSON text and from Engine.fromJson', () => {
    for (const e of [
        new Engine(RULESET),
        new Engine(JSON.stringify(RULESET)),
        Engine.fromJson(JSON.stringify(RULESET)),
    ]) {
        assert.equal(e.id, 'inline');
        assert.equal(e.version, '1');
        assert.equal(e.description, undefined);
        assert.ok(e instanceof Engine);
    }
});

test('score returns a plain object, its figures JavaScript numbers that add up', () => {
    // What the figures are is in tests/cases (stages.json and caps-and-groups.json
    // score this lead with this rule set); here, how they reach JavaScript.
    const r = new Engine(RULESET).score(lead(2), NOW);
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
    assert.equal(r.now, NOW);
    for (const key of ['total', 'fit', 'engagement', 'now', 'level']) assert.equal(typeof r[key], 'number', key);
    assert.equal(
        r.contributions.reduce((s, c) => s + c.points, 0),
        r.total,
    );
});

test('a Date as an event time is read as its ISO text', () => {
    const e = new Engine(RULESET);
    const r = e.score({ events: [{ type: 'page_view', ts: new Date(NOW - 1000), url: '/pricing' }] }, NOW);
    assert.equal(r.total, 15);
    assert.equal(r.events.scored, 1);
});

test('scoreMany equals score on each lead, and scoreManyJson equals scoreJson', () => {
    const e = new Engine(RULESET);
    const leads = [lead(0), lead(1), lead(3), { profile: { jobTitle: 'Director' } }, {}];
    const many = e.scoreMany(leads, NOW);
    assert.equal(many.length, leads.length);
    assert.deepEqual(
        many,
        leads.map((l) => e.score(l, NOW)),
    );
    const manyJson = JSON.parse(e.scoreManyJson(JSON.stringify(leads), NOW));
    assert.deepEqual(
        manyJson,
        leads.map((l) => JSON.parse(e.scoreJson(JSON.stringify(l), NOW))),
    );
    assert.deepEqual(manyJson, many);
    assert.deepEqual(e.scoreMany([], NOW), []);
    // A long list crosses in parts and comes back as one list, in order.
    const long = Array.from({ length: 1000 }, (_, i) => ({ ...lead(i % 5), id: `lead-${i}` }));
    assert.deepEqual(
        e.qualifyMany(long, NOW),
        long.map((l) => e.qualify(l, NOW)),
    );
    assert.deepEqual(
        JSON.parse(e.scoreManyJson(JSON.stringify(long), NOW)),
        long.map((l) => e.score(l, NOW)),
    );
    assert.equal(e.scoreManyJson('[]', NOW), '[]');
});

test('profile fields no rule reads change nothing but still count toward the limits', () => {
    const e = new Engine(RULESET);
    const crm = lead(2);
    for (let k = 0; k < 80; k++) crm.profile[`crm_field_${k}`] = { value: `v${k}`, history: [k, k + 1] };
    assert.deepEqual(e.score(crm, NOW), e.score(lead(2), NOW));
    assert.deepEqual(e.qualifyMany([crm, lead(1)], NOW), [e.qualify(lead(2), NOW), e.qualify(lead(1), NOW)]);
    assert.equal(e.scoreJson(JSON.stringify(crm), NOW), e.scoreJson(JSON.stringify(lead(2)), NOW));
    crm.profile.notes = 'x'.repeat(70_000);
    assert.throws(() => e.score(crm, NOW), { name: 'InputError', path: 'profile', code: 'tooLarge' });
    assert.throws(() => e.qualifyMany([lead(1), crm], NOW), {
        name: 'InputError',
        path: '[1].profile',
        code: 'tooLarge',
    });
});

test('there are example rule sets to check', { skip: EXAMPLES.length ? false : 'no examples/ yet' }, () => {
    assert.ok(EXAMPLES.length >= 1);
});

for (const ex of EXAMPLES) {
    test(
        `example ${ex.name}: results match tests/golden byte for byte`,
        { skip: ex.golden ? false : 'no golden file' },
        () => {
            const e = new Engine(ex.rulesetText);
            assert.equal(ex.golden.length, ex.leads.length, 'one golden line per lead');
            ex.leads.forEach((l, i) => {
                assert.equal(e.scoreJson(JSON.stringify(l), NOW), ex.golden[i], `lead ${i} (scoreJson)`);
                assert.deepEqual(e.score(l, NOW), JSON.parse(ex.golden[i]), `lead ${i} (score)`);
            });
            assert.equal(e.scoreManyJson(JSON.stringify(ex.leads), NOW), `[${ex.golden.join(',')}]`);
        },
    );

    test(`example ${ex.name}: scoreMany equals score on each lead`, () => {
        const e = new Engine(JSON.parse(ex.rulesetText));
        const many = e.scoreMany(ex.leads, NOW);
        assert.deepEqual(
            many,
            ex.leads.map((l) => e.score(l, NOW)),
        );
    });

    test(`example ${ex.name}: qualify gives score's figures without the explanation`, () => {
        const e = new Engine(JSON.parse(ex.rulesetText));
        const results = e.scoreMany(ex.leads, NOW);
        const qualified = e.qualifyMany(ex.leads, NOW);
        assert.deepEqual(
            qualified,
            ex.leads.map((l) => e.qualify(l, NOW)),
        );
        assert.ok(
            results.some((r) => r.stage !== 'none') && results.some((r) => r.stage === 'none'),
            'leads at more than one stage',
        );
        results.forEach((r, i) => {
            const { leadId, total, fit, engagement, stage, grade, level, matrix, band, disqualified } = r;
            const want = { total, fit, engagement, stage, grade, level, matrix, band, disqualified };
            if (leadId !== undefined) want.leadId = leadId;
            assert.deepEqual(qualified[i], want, `lead ${i}`);
        });
    });
}
