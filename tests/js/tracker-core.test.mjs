// What a signal may carry (docs/SIGNALS.md): the fields a rule set reads, found by
// tracker-core.js's readsOf, and pick, which keeps only those of a profile or an
// event. Run in Node on the package as installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG, examples } from './helpers.mjs';

// Not an export of the package: the file itself, as tracker.js imports it.
const { pick, readsOf } = await import(pathToFileURL(path.join(PKG, 'tracker-core.js')).href);

const set = (s) => [...s].sort();

test('readsOf: the event types a rule set looks at, the properties and profile fields it reads', () => {
    const b2b = examples().find((e) => e.name === 'b2b-saas');
    const r = readsOf(JSON.parse(b2b.rulesetText));
    assert.deepEqual(set(r.types.keys()), [
        'email_bounce',
        'email_click',
        'email_open',
        'form_submit',
        'page_view',
        'unsubscribe',
        'webinar_attended',
    ]);
    assert.deepEqual(set(r.types.get('page_view')), ['seconds', 'url'], 'where fields and a sum property');
    assert.deepEqual(set(r.types.get('form_submit')), ['form'], 'a trigger of stages.sql reads form');
    assert.deepEqual(set(r.types.get('email_open')), []);
    assert.deepEqual(set(r.profile), ['company.industry', 'company.size', 'country', 'email', 'jobTitle']);
});

test('readsOf: conditions nested in all, any and not; event disqualifiers; pql triggers; lists of types', () => {
    const r = readsOf({
        fit: [{ when: { all: [{ field: 'a' }, { any: [{ not: { field: 'b.c' } }] }] } }],
        engagement: [{ event: ['x', 'y'], where: { any: [{ field: 'p' }, { not: { field: 'q' } }] } }],
        disqualifiers: [{ event: 'z', where: { field: 'r' } }, { when: { field: 'd' } }],
        stages: { pql: { on: [{ event: 'login', where: { field: 'plan' } }] } },
    });
    assert.deepEqual(set(r.types.keys()), ['login', 'x', 'y', 'z']);
    assert.deepEqual(set(r.types.get('x')), ['p', 'q']);
    assert.deepEqual(set(r.types.get('y')), ['p', 'q']);
    assert.deepEqual(set(r.types.get('z')), ['r']);
    assert.deepEqual(set(r.types.get('login')), ['plan']);
    assert.deepEqual(set(r.profile), ['a', 'b.c', 'd']);
});

test('pick keeps the values at the paths, nothing beside them', () => {
    const profile = { jobTitle: 'VP', email: 'ann@acme.io', company: { size: 120, name: 'Acme' } };
    assert.deepEqual(pick(profile, ['jobTitle', 'company.size']), { jobTitle: 'VP', company: { size: 120 } });
    assert.deepEqual(pick({ company: 'Acme' }, ['company.size']), {}, 'a step into a text finds nothing');
    assert.deepEqual(pick({}, ['constructor', 'toString']), {}, 'only own keys');
    assert.deepEqual(pick(undefined, ['a']), {});
    assert.deepEqual(pick({ a: { b: { c: 1, d: 2 } } }, ['a.b.c']), { a: { b: { c: 1 } } });
});
