// The rule set's JSON Schema (docs/ruleset.schema.json), as the package exports it
// (`leadscore/ruleset.schema.json`): what an editor completes and checks a
// ruleset.json with when it names the schema in "$schema", and what a validator
// (Ajv) checks one by. Checked against every rule set at hand (the examples, the
// bench's, tests/cases and the fuzz corpus of the compiler): it refuses none that
// the compiler takes, and refuses every one the compiler refuses but for what its
// description says a schema cannot tell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Engine } from 'leadscore';
import schema from 'leadscore/ruleset.schema.json' with { type: 'json' };
import { examples, PKG, ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { Ajv2020 } = require('ajv/dist/2020.js');
const DOC = path.join(ROOT, 'docs', 'ruleset.schema.json');

/**
 * Ajv as the schema's `$comment` asks: points are multiples of 0.01, which Ajv
 * divides in binary floating point, so it needs a tolerance to take 7.07.
 */
function compiled() {
    const warnings = [];
    const log = (...args) => warnings.push(args.join(' '));
    const ajv = new Ajv2020({ allErrors: true, multipleOfPrecision: 6, logger: { log, warn: log, error: log } });
    return { validate: ajv.compile(schema), warnings };
}
const { validate } = compiled();

/** Ajv's errors, one a line. */
const errorsOf = (v) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('\n');

/**
 * The problems of the compiler a schema cannot tell, as the schema's description
 * lists them: lengths in bytes, references between parts (groups, declared event
 * types and their properties, unique ids and band names), orders, the number of
 * rules in all, the cost of scoring, reachable thresholds and the document's size.
 */
const BEYOND_A_SCHEMA_CODES = new Set([
    'tooLong',
    'unknownGroup',
    'mixedGroup',
    'unknownEventType',
    'unknownProperty',
    'duplicateId',
    'invalidCutoffs',
    'emptyRange',
    'tooManyRules',
    'tooCostly',
    'unreachableThreshold',
    'tooLarge',
    'tooManyProblems',
]);
const beyondASchema = (p) =>
    BEYOND_A_SCHEMA_CODES.has(p.code) ||
    // A group name of 1 to 64 characters but more bytes.
    (p.code === 'invalidId' && p.path.startsWith('groups')) ||
    // A sum or points per unit of a property its declared event types declare as
    // text or a boolean.
    (p.code === 'wrongType' && (p.path.endsWith('.sum.property') || p.path.endsWith('.perUnit'))) ||
    // A like's escape before a character other than *, ? or itself, or at a pattern's end.
    (p.code === 'invalidEscape' && !p.path.endsWith('.escape')) ||
    // A comparison of a field with itself.
    (p.code === 'invalidField' && /\.(equalsField|sameDomainAs)$/.test(p.path) && p.message.includes('own field')) ||
    // A date relative to now in an event's where (the schema has one condition for both).
    p.code === 'relativeDateInWhere';

/**
 * Every rule set at hand, as `{where, text}`: the examples, the bench's, the rule
 * sets of tests/cases and the compiler's fuzz corpus (its documents that are JSON).
 */
function ruleSets() {
    const found = examples().map((ex) => ({ where: `examples/${ex.name}`, text: ex.rulesetText }));
    const bench = path.join(ROOT, 'benches', 'peers', 'ruleset.json');
    found.push({ where: 'benches/peers', text: fs.readFileSync(bench, 'utf8') });
    const cases = path.join(ROOT, 'tests', 'cases');
    for (const file of fs.readdirSync(cases).filter((f) => f.endsWith('.json'))) {
        const doc = JSON.parse(fs.readFileSync(path.join(cases, file), 'utf8'));
        for (const [name, r] of Object.entries(doc.rulesets ?? {}))
            found.push({ where: `${file} rulesets.${name}`, text: JSON.stringify(r) });
        for (const c of doc.cases.filter((c) => c.ruleset !== undefined))
            found.push({
                where: `${file} "${c.name}"`,
                text: typeof c.ruleset === 'string' ? c.ruleset : JSON.stringify(c.ruleset),
            });
    }
    // What only the compiler tells, one of each.
    const META = { schema: 'leadscore.ruleset/v1', id: 'x', version: '1' };
    const beyond = {
        'a group name of 40 characters, 80 bytes': { ...META, groups: { ['é'.repeat(40)]: {} } },
        'a sum of a property declared as text': {
            ...META,
            events: { e: { s: 'string' } },
            engagement: [{ id: 'a', event: 'e', points: 1, sum: { property: 's', atLeast: 1 } }],
        },
        'an undeclared group': {
            ...META,
            fit: [{ id: 'a', group: 'g', points: 1, when: { field: 'x', exists: true } }],
        },
        'grades in the wrong order': { ...META, grades: { fit: [10, 20, 30] } },
        'between high and low': { ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', between: [5, 1] } }] },
        'an MQL threshold out of reach': {
            ...META,
            fit: [{ id: 'a', points: 1, when: { field: 'x', exists: true } }],
            stages: { mql: { threshold: 50 } },
        },
    };
    for (const [name, r] of Object.entries(beyond)) found.push({ where: name, text: JSON.stringify(r) });
    const corpus = path.join(ROOT, 'fuzz', 'corpus', 'ruleset');
    for (const f of fs.existsSync(corpus) ? fs.readdirSync(corpus).sort() : [])
        found.push({ where: `fuzz/corpus/ruleset/${f}`, text: fs.readFileSync(path.join(corpus, f), 'utf8') });
    return found
        .map(({ where, text }) => {
            try {
                return { where, text, value: JSON.parse(text) };
            } catch {
                return null;
            }
        })
        .filter(Boolean);
}
const ALL = ruleSets();

test('the package exports the schema as leadscore/ruleset.schema.json, the one in docs/', () => {
    const file = path.join(PKG, 'ruleset.schema.json');
    assert.equal(fs.readFileSync(file, 'utf8'), fs.readFileSync(DOC, 'utf8'));
    assert.equal(require.resolve('leadscore/ruleset.schema.json'), file);
    assert.equal(fileURLToPath(import.meta.resolve('leadscore/ruleset.schema.json')), file);
    assert.deepEqual(require('leadscore/ruleset.schema.json'), schema);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
});

test('Ajv compiles it (draft 2020-12, default strict mode) with no warning', () => {
    assert.deepEqual(compiled().warnings, []);
});

test('every example names the schema in "$schema" and passes it', () => {
    const exs = examples();
    assert.ok(exs.length >= 3, `${exs.length} examples`);
    for (const ex of exs) {
        const value = JSON.parse(ex.rulesetText);
        assert.equal(Object.keys(value)[0], '$schema', `${ex.name}: "$schema" first, where an editor looks`);
        const dir = path.join(ROOT, 'examples', ex.name);
        assert.equal(
            path.resolve(dir, value.$schema),
            DOC,
            `${ex.name}: "$schema" is the path of docs/ruleset.schema.json`,
        );
        assert.ok(validate(value), `${ex.name}:\n${errorsOf(validate)}`);
    }
});

test('the schema refuses no rule set the compiler takes', () => {
    let n = 0;
    for (const { where, text, value } of ALL) {
        if (!Engine.validate(text).valid) continue;
        n++;
        assert.ok(validate(value), `${where}:\n${errorsOf(validate)}\n${text}`);
    }
    assert.ok(n >= 80, `${n} rule sets the compiler takes`);
});

test('what the compiler refuses, the schema refuses, but for what a schema cannot tell', () => {
    let refused = 0;
    let both = 0;
    for (const { where, text, value } of ALL) {
        const { valid, problems } = Engine.validate(text);
        if (valid) continue;
        refused++;
        if (!validate(value)) {
            both++;
            continue;
        }
        const told = problems.filter((p) => !beyondASchema(p));
        assert.deepEqual(told, [], `${where}: the schema takes it\n${text}`);
    }
    assert.ok(refused >= 200, `${refused} rule sets the compiler refuses`);
    assert.ok(both >= 0.9 * refused, `the schema refuses ${both} of ${refused}`);
});

test('the mistakes the types refuse, the schema refuses where an editor shows them', () => {
    const META = { schema: 'leadscore.ruleset/v1', id: 'x', version: '1' };
    const mistakes = [
        ['a key misspelt', { ...META, egnagement: [] }, '', 'unknownKey'],
        ['another schema', { ...META, schema: 'leadscore.ruleset/v2' }, '/schema', 'unknownSchema'],
        ['"$schema" not text', { ...META, $schema: 1 }, '/$schema', 'wrongType'],
        [
            'a condition with two operators',
            { ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', equals: 1, in: [1] } }] },
            '/fit/0/when',
            'twoOperators',
        ],
        [
            'cap with once',
            { ...META, engagement: [{ id: 'a', event: 'e', points: 1, cap: 5, once: true }] },
            '/engagement/0',
            'conflictingKeys',
        ],
        ['a duration in words', { ...META, recency: { halfLife: '30 days' } }, '/recency', 'invalidDuration'],
        [
            'between with one bound',
            { ...META, fit: [{ id: 'a', points: 1, when: { field: 'x', between: [1] } }] },
            '/fit/0/when/between',
            'wrongType',
        ],
        ['a last band with atLeast', { ...META, bands: [{ name: 'hot', atLeast: 60 }] }, '/bands', 'unexpectedKey'],
    ];
    for (const [what, ruleSet, at, code] of mistakes) {
        const { valid, problems } = Engine.validate(ruleSet);
        assert.equal(valid, false, what);
        assert.ok(
            problems.some((p) => p.code === code),
            `${what}: ${code} in ${JSON.stringify(problems)}`,
        );
        assert.equal(validate(ruleSet), false, `${what}: the schema takes it`);
        assert.ok(
            validate.errors.some((e) => e.instancePath.startsWith(at)),
            `${what}: an error at ${at || '/'}:\n${errorsOf(validate)}`,
        );
    }
});
