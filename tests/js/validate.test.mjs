// Engine.validate: a rule set checked as `new Engine` checks it, with every problem
// answered as data instead of thrown, for an editor that shows them as the author
// types and a CI step that lists them all. (runtime-scenario.js runs it in workerd,
// Deno and Chromium too.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Engine, RuleSetError, memoryBytes } from 'leadscore';
import { examples, PKG, RULESET } from './helpers.mjs';

const VALID = { valid: true, problems: [], warnings: [] };
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The problems `new Engine(ruleSet)` throws. */
function thrown(ruleSet) {
    try {
        new Engine(ruleSet).free();
    } catch (e) {
        assert.ok(e instanceof RuleSetError, `a RuleSetError, not ${e && e.name}: ${e && e.message}`);
        return e.problems;
    }
    assert.fail('new Engine took it');
}

test('a rule set the compiler takes is valid, as an object and as JSON text', () => {
    assert.deepEqual(Engine.validate(RULESET), VALID);
    assert.deepEqual(Engine.validate(JSON.stringify(RULESET)), VALID);
    for (const ex of examples()) {
        for (const input of [ex.rulesetText, JSON.parse(ex.rulesetText)]) {
            const got = Engine.validate(input);
            assert.deepEqual({ ...got, warnings: [] }, VALID, ex.name);
            assert.deepEqual(got.warnings, [], `${ex.name}: the examples say what they mean`);
        }
    }
});

test('a valid rule set with warnings: each with its path, code and message, and the rule set still valid', () => {
    const warned = {
        ...RULESET,
        recency: { halfLife: '6m' },
        engagement: [
            ...RULESET.engagement,
            { id: 'spam', event: 'spam_report', points: -10, cap: 30 },
            { id: 'trial', event: 'trial_started', points: 5, once: true },
        ],
        bands: [{ name: 'hot', atLeast: 1000 }, { name: 'cold' }],
    };
    for (const input of [warned, JSON.stringify(warned)]) {
        const got = Engine.validate(input);
        assert.equal(got.valid, true);
        assert.deepEqual(got.problems, []);
        assert.deepEqual(
            got.warnings.map((w) => [w.path, w.code]),
            [
                ['recency.halfLife', 'minutesDuration'],
                ['engagement[1].once', 'onceDecays'],
                ['engagement[2].cap', 'capOnNegative'],
                ['engagement[3].once', 'onceDecays'],
                ['bands[0].atLeast', 'unreachableCutoff'],
            ],
        );
        for (const w of got.warnings) {
            assert.deepEqual(Object.keys(w), ['path', 'code', 'message']);
            assert.equal(typeof w.message, 'string');
        }
        assert.match(got.warnings[0].message, /^"6m" is 6 minutes/);
        // A warning changes nothing of what compiles: new Engine takes it.
        assert.doesNotThrow(() => new Engine(input).free());
    }
});

test('a refused rule set: every problem the RuleSetError lists, and nothing thrown', () => {
    const bad = {
        ...RULESET,
        colour: 'blue',
        fit: [{ id: 'a', points: 'ten', when: { field: 'x', equal: 1 } }],
        engagement: [{ id: 'a', event: 'page_view', points: 5, cap: 5, once: true }],
        stages: { mql: { treshold: 10 } },
    };
    for (const input of [bad, JSON.stringify(bad)]) {
        const got = Engine.validate(input);
        assert.deepEqual(Object.keys(got), ['valid', 'problems', 'warnings']);
        assert.equal(got.valid, false);
        assert.deepEqual(got.warnings, []);
        assert.deepEqual(got.problems, thrown(input));
        const paths = got.problems.map((p) => p.path);
        for (const want of ['colour', 'fit[0].points', 'fit[0].when.equal', 'engagement[0].id', 'stages.mql.treshold'])
            assert.ok(paths.includes(want), `${want} in ${paths.join(', ')}`);
        assert.ok(
            got.problems.some((p) => p.code === 'conflictingKeys'),
            'cap with once',
        );
    }
});

test('whatever it is given, it answers: what is not a rule set is a problem, not an exception', () => {
    const cycle = { ...RULESET };
    cycle.self = cycle;
    const inputs = [
        ['undefined', undefined],
        ['null', null],
        ['a number', 42],
        ['a list', []],
        ['text that is not JSON', '{"schema":'],
        ['empty text', ''],
        ['JSON text of a number', '42'],
        ['an empty object', {}],
        ['a BigInt', { ...RULESET, version: 1n }],
        ['a cycle', cycle],
        [
            'a toJSON that throws',
            {
                toJSON() {
                    throw new Error('no');
                },
            },
        ],
        ['a function', () => RULESET],
        ['a lone surrogate', { ...RULESET, id: '\ud800' }],
    ];
    for (const [what, input] of inputs) {
        let got;
        assert.doesNotThrow(() => (got = Engine.validate(input)), what);
        assert.equal(got.valid, false, what);
        assert.ok(got.problems.length >= 1, what);
        for (const p of got.problems) {
            assert.deepEqual(Object.keys(p).sort(), ['code', 'message', 'path'], what);
            assert.match(p.code, /^[a-z][A-Za-z]+$/, what);
            assert.ok(p.message.length > 0, what);
        }
        assert.deepEqual(got.problems, thrown(input), `${what}: as new Engine says`);
    }
});

test('the engine it compiles is freed: validating again and again holds no memory', () => {
    const text = examples()[0].rulesetText;
    for (let i = 0; i < 20; i++) Engine.validate(text);
    const before = memoryBytes();
    for (let i = 0; i < 500; i++) Engine.validate(text);
    assert.equal(memoryBytes(), before);
});

test('before init() it throws as new Engine does: the package is not ready, the rule set has no problem', () => {
    // The browser entry, in Node: nothing initializes it on import.
    const program = [
        `const { Engine } = await import(${JSON.stringify(pathToFileURL(path.join(PKG, 'index.js')).href)});`,
        `try { Engine.validate(${JSON.stringify(RULESET)}); console.log('answered'); }`,
        'catch (e) { console.log(e.name + ": " + e.message); }',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: HERE, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Error: leadscore is not initialized: `await init\(\)`/);
});
