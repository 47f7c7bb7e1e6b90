// LeadSet: leads read once and held in the module, scored by any engine through
// scoreMany / qualifyMany. Every result must be the one the same lead gets as a
// list, a long set must cross in parts, and a refused add must change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, LeadSet, Session, InputError } from 'leadscore';
import { examples, lead, pricing, DAY, NOW, RULESET } from './helpers.mjs';

const EXAMPLES = examples();

function throwsInput(f, want) {
    assert.throws(f, (err) => {
        assert.ok(err instanceof InputError, `${err?.name}: ${err?.message}`);
        for (const [k, v] of Object.entries(want)) {
            if (v instanceof RegExp) assert.match(err[k], v, k);
            else assert.equal(err[k], v, k);
        }
        return true;
    });
}

/** Leads with what reading sets aside: events out of order, a repeated id, invalid events. */
function awkwardLeads() {
    return [
        lead(3),
        { id: 'out-of-order', events: [pricing(NOW - 1), pricing(NOW - 5 * DAY), pricing(NOW - 2 * DAY)] },
        {
            id: 'repeats',
            events: [pricing(NOW - 3, { id: 'a' }), pricing(NOW - 2, { id: 'a' }), pricing(NOW - 1, { id: 'b' })],
        },
        { id: 'invalid events', events: [pricing('yesterday'), { ts: NOW - 1 }, pricing(NOW - 1), 7] },
        { profile: { jobTitle: 'Director of Sales', notes: { long: 'x'.repeat(500) } } },
        {},
    ];
}

for (const ex of EXAMPLES) {
    test(`example ${ex.name}: a LeadSet scores every lead as the list does`, () => {
        const engine = new Engine(ex.rulesetText);
        const set = new LeadSet(ex.leads);
        assert.equal(set.length, ex.leads.length);
        assert.deepEqual(engine.scoreMany(set, NOW), engine.scoreMany(ex.leads, NOW));
        assert.deepEqual(engine.qualifyMany(set, NOW), engine.qualifyMany(ex.leads, NOW));
        if (ex.golden)
            assert.deepEqual(
                engine.scoreMany(set, NOW),
                ex.golden.map((line) => JSON.parse(line)),
            );
        set.free();
    });
}

test('a LeadSet reports what reading set aside, as score does', () => {
    const engine = new Engine(RULESET);
    const leads = awkwardLeads();
    const set = new LeadSet(leads);
    assert.equal(set.length, leads.length);
    assert.equal(set.events, 3 + 3 + 2 + 1);
    const held = engine.scoreMany(set, NOW);
    assert.deepEqual(
        held,
        leads.map((l) => engine.score(l, NOW)),
    );
    assert.deepEqual(held[2].events.skipped, { duplicate: 1 });
    assert.deepEqual(
        held[3].events.problems.map((p) => p.path),
        ['events[0].ts', 'events[1].type', 'events[3]'],
    );
});

test('one set, many engines and many nows; later edits to the objects change nothing', () => {
    const leads = awkwardLeads();
    const set = new LeadSet(leads);
    const before = new Engine(RULESET);
    const after = new Engine({
        ...RULESET,
        version: '2',
        engagement: [{ ...RULESET.engagement[0], points: 25, cap: 100 }],
    });
    for (const now of [NOW, NOW + 3 * DAY, NOW - DAY]) {
        assert.deepEqual(
            before.qualifyMany(set, now),
            leads.map((l) => before.qualify(l, now)),
        );
        assert.deepEqual(
            after.qualifyMany(set, now),
            leads.map((l) => after.qualify(l, now)),
        );
    }
    const want = after.scoreMany(set, NOW);
    leads[0].events.length = 0;
    leads[0].profile.jobTitle = 'Student';
    assert.deepEqual(after.scoreMany(set, NOW), want);
    assert.notDeepEqual(after.score(leads[0], NOW), want[0]);
});

test('a long set is built and scored in parts, in order', () => {
    const engine = new Engine(RULESET);
    const long = Array.from({ length: 1000 }, (_, i) => ({ ...lead(i % 5), id: `lead-${i}` }));
    const set = new LeadSet(long.slice(0, 700));
    set.add(long.slice(700));
    assert.equal(set.length, 1000);
    assert.deepEqual(engine.qualifyMany(set, NOW), engine.qualifyMany(long, NOW));
    assert.deepEqual(
        engine.scoreMany(set, NOW).map((r) => r.leadId),
        long.map((l) => l.id),
    );
    const empty = new LeadSet([]);
    assert.deepEqual([empty.length, empty.events], [0, 0]);
    assert.deepEqual(engine.scoreMany(empty, NOW), []);
});

test('a refused add changes nothing, and names the lead by its index in the list given', () => {
    const engine = new Engine(RULESET);
    const set = new LeadSet([lead(1), lead(2)]);
    const want = engine.qualifyMany(set, NOW);
    throwsInput(() => set.add([lead(1), { profile: 3 }]), { path: '[1].profile', code: 'wrongType' });
    const long = Array.from({ length: 600 }, () => lead(1));
    long[599] = { events: 'no' };
    throwsInput(() => set.add(long), { path: '[599].events', code: 'wrongType', message: /^\[599\]\.events: / });
    long[599] = lead(1);
    long[390] = { profile: { deep: [[[[[[[[['x']]]]]]]]] } };
    throwsInput(() => set.add(long), { path: '[390].profile', code: 'tooDeep' });
    const cyclic = lead(1);
    cyclic.profile.self = cyclic;
    throwsInput(() => set.add([cyclic]), { path: '', code: 'notJson' });
    throwsInput(() => set.add({ 0: lead(1) }), { path: '', code: 'wrongType' });
    throwsInput(() => set.add(), { path: '', code: 'missing' });
    assert.deepEqual([set.length, set.events], [2, 3]);
    assert.deepEqual(engine.qualifyMany(set, NOW), want);
    throwsInput(() => new LeadSet(long), { path: '[390].profile', code: 'tooDeep' });
    throwsInput(() => new LeadSet(), { path: '', code: 'missing' });
    throwsInput(() => new LeadSet('[]'), { path: '', code: 'wrongType' });
});

test('scoring a set checks now, and a freed set says so', () => {
    const engine = new Engine(RULESET);
    const set = new LeadSet([lead(1)]);
    throwsInput(() => engine.qualifyMany(new LeadSet([]), 1.5), { path: 'now', code: 'invalidTimestamp' });
    throwsInput(() => engine.scoreMany(set, '2026-11-20'), { path: 'now', code: 'wrongType' });
    set.free();
    set.free();
    throwsInput(() => engine.qualifyMany(set, NOW), { path: 'leads', code: 'freed' });
    throwsInput(() => set.length, { path: '', code: 'freed' });
    throwsInput(() => set.add([lead(1)]), { path: '', code: 'freed' });
    throwsInput(() => new Session('v').evaluate(new LeadSet([]), NOW), { path: 'engine', code: 'wrongType' });
    throwsInput(() => engine.scoreManyJson(new LeadSet([]), NOW), { path: '', code: 'wrongType' });
    assert.equal(engine.qualify(lead(2), NOW).total, 50, 'the engine still works');
});
