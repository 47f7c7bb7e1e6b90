// Where the page marks a compiler problem (json-path.js) and what the editor
// completes from the rule-set schema (schema-completion.js), on the package's own
// answers: Engine.validate's problems and the schema it exports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pathSegments, rangeOfProblem } from '../src/json-path.js';
import { keysOf, schemasAt, valuesOf } from '../src/schema-completion.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { Engine } = await import(pathToFileURL(path.join(ROOT, 'pkg', 'index.node.js')).href);
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'pkg', 'ruleset.schema.json'), 'utf8'));

/** The text each problem of `text` marks, as the compiler reports them. */
function marked(text) {
    return Engine.validate(text).problems.map((p) => {
        const { from, to } = rangeOfProblem(text, p);
        return [p.code, p.path, text.slice(from, to), from];
    });
}

const BASE = { schema: 'leadscore.ruleset/v1', id: 'r', version: '1' };
const doc = (extra) => JSON.stringify({ ...BASE, ...extra }, null, 2);

test('a path splits into names and indexes', () => {
    assert.deepEqual(pathSegments('engagement[2].where.in'), ['engagement', 2, 'where', 'in']);
    assert.deepEqual(pathSegments(''), []);
    assert.deepEqual(pathSegments('events.page.view.url'), ['events', 'page', 'view', 'url']);
});

test('each problem marks the key or value it is about', () => {
    const text = doc({
        fit: [
            { id: 'a', poinst: 3, when: { field: 'x', equals: 1 } },
            { id: 'd', points: 2 },
        ],
        engagement: [
            { id: 'b', event: 'pv', points: 'ten' },
            { id: 'c', event: 'pv', points: 1, where: { field: 'u', inn: [1] } },
        ],
    });
    const at = (s) => text.indexOf(s);
    assert.deepEqual(marked(text), [
        ['unknownKey', 'fit[0].poinst', '"poinst"', at('"poinst"')],
        // A missing key marks the opening brace of the object that lacks it.
        ['missingKey', 'fit[1].when', '{', text.lastIndexOf('{', at('"id": "d"'))],
        ['invalidPoints', 'engagement[0].points', '"ten"', at('"ten"')],
        ['unknownOperator', 'engagement[1].where.inn', '"inn"', at('"inn"')],
    ]);
});

test('a key with dots in it is found (an event type "page.view")', () => {
    const text = doc({ events: { 'page.view': { url: 'text' } } });
    const [problem] = Engine.validate(text).problems;
    assert.ok(problem, 'the compiler refuses the property type "text"');
    const { from, to } = rangeOfProblem(text, problem);
    assert.equal(text.slice(from, to), '"text"');
});

test('invalid JSON is marked at the line and column the compiler names', () => {
    const text = '{\n  "schema": "leadscore.ruleset/v1",\n  "id": "r",,\n  "version": "1"\n}';
    const [problem] = Engine.validate(text).problems;
    assert.equal(problem.code, 'invalidJson');
    const { from } = rangeOfProblem(text, problem);
    assert.equal(text.slice(0, from).split('\n').length, 3);
    assert.equal(text[from], ',');
    // Non-ASCII text before the fault: columns are bytes, the mark is on characters.
    const accented = '{\n  "description": "café",, "id": "r"\n}';
    const [p2] = Engine.validate(accented).problems;
    const r2 = rangeOfProblem(accented, p2);
    assert.equal(accented[r2.from], ',');
});

test('the schema gives the keys of an object at a path, and fixed values', () => {
    const keys = (p) => keysOf(schemasAt(SCHEMA, p)).map(([k]) => k);
    assert.ok(keys([]).includes('engagement') && keys([]).includes('stages'));
    const condition = keys(['fit', 0, 'when']);
    for (const op of ['field', 'equals', 'in', 'startsWith', 'between', 'all', 'any', 'not'])
        assert.ok(condition.includes(op), op);
    // The later features' keys (docs/RULESET.md, section 15).
    for (const op of ['escape', 'read', 'equalsField', 'sameDomainAs', 'withinLast', 'withinNext'])
        assert.ok(condition.includes(op), op);
    assert.deepEqual(
        valuesOf(schemasAt(SCHEMA, ['fit', 0, 'when', 'read'])).map(([v]) => v),
        ['"number"'],
    );
    assert.ok(keys(['disqualifiers', 0]).includes('within'));
    assert.ok(keys(['engagement', 3]).includes('cap'));
    assert.ok(keys(['stages', 'mql']).includes('threshold'));
    // 16 levels deep a condition is a field test only: no all/any/not.
    let deep = ['fit', 0, 'when'];
    for (let i = 0; i < 16; i += 1) deep = [...deep, 'not'];
    assert.ok(!keys(deep).includes('all'));
    assert.deepEqual(
        valuesOf(schemasAt(SCHEMA, ['schema'])).map(([v]) => v),
        ['"leadscore.ruleset/v1"'],
    );
    assert.deepEqual(
        valuesOf(schemasAt(SCHEMA, ['anonymousHistory']))
            .map(([v]) => v)
            .sort(),
        ['"count"', '"ignore"'],
    );
});
