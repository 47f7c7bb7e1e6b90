// require('leadscore'): ready at once, no await; the same instance as import.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const leadscore = require('leadscore');

const NOW = 1795176000000;
const RULESET = {
    schema: 'leadscore.ruleset/v1',
    id: 'cjs',
    version: '1',
    engagement: [
        { id: 'pricing', event: 'page_view', where: { field: 'url', equals: '/pricing' }, points: 15, cap: 45 },
    ],
    stages: { mql: { threshold: 30 } },
};

test('require resolves the CommonJS entry', () => {
    assert.equal(path.basename(require.resolve('leadscore')), 'index.node.cjs');
    assert.deepEqual(Object.keys(leadscore).sort(), [
        'Engine',
        'InputError',
        'LeadSet',
        'RuleSetError',
        'Session',
        'compileRuleSet',
        'defineRuleSet',
        'init',
        'initSync',
        'limits',
        'memoryBytes',
        'setLimits',
    ]);
});

test('defineRuleSet gives back the rule set it is given', () => {
    assert.equal(leadscore.defineRuleSet(RULESET), RULESET);
    assert.equal(new leadscore.Engine(leadscore.defineRuleSet(RULESET)).id, 'cjs');
});

test('require gives a package that scores without await', () => {
    const { Engine, Session } = leadscore;
    const engine = new Engine(RULESET);
    const lead = { events: [{ type: 'page_view', ts: NOW - 1, url: '/pricing' }] };
    assert.equal(engine.score(lead, NOW).total, 15);
    const s = new Session('v');
    s.track(lead.events[0], NOW);
    s.track({ type: 'page_view', ts: NOW - 2, url: '/pricing' }, NOW);
    const ev = s.evaluate(engine, NOW);
    assert.deepEqual(
        ev.transitions.map((t) => t.to),
        ['mql'],
    );
});

test('errors from require are the same kinds', () => {
    const { Engine, InputError, RuleSetError } = leadscore;
    assert.throws(
        () => new Engine({}),
        (e) => e instanceof RuleSetError && e.problems.length > 0,
    );
    const engine = new Engine(RULESET);
    assert.throws(
        () => engine.score({}, NaN),
        (e) => e instanceof InputError && e.path === 'now',
    );
});

test('import and require share one module instance', async () => {
    const esm = await import('leadscore');
    assert.equal(esm.Engine, leadscore.Engine);
    assert.equal(esm.Session, leadscore.Session);
    assert.equal(esm.InputError, leadscore.InputError);
    // An engine made through require works with a session made through import.
    const engine = new leadscore.Engine(RULESET);
    const s = new esm.Session('v');
    s.track({ type: 'page_view', ts: NOW, url: '/pricing' }, NOW);
    assert.equal(s.score(engine, NOW).total, 15);
});
