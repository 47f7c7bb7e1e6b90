// Backtesting and learning through the package's backtest entry (leadscore/backtest,
// docs/BACKTEST.md): a history read in parts with progress, a backtest equal to what
// scoring each lead gives, two rule sets compared, and a rule set learnt and loaded
// back as an Engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as full from 'leadscore';
import * as bt from 'leadscore/backtest';
import { PKG } from './helpers.mjs';

bt.initSync(readFileSync(path.join(PKG, 'leadscore_backtest_bg.wasm')));
const { Engine, History, InputError, backtest, compareRuleSets, learn } = bt;

test('the full entry has no backtesting; the backtest entry has it and the full API', () => {
    for (const name of ['History', 'backtest', 'compareRuleSets', 'learn']) {
        assert.equal(full[name], undefined, name);
        assert.equal(typeof bt[name], 'function', name);
    }
    for (const name of ['Engine', 'Session', 'LeadSet', 'compileRuleSet', 'init', 'initSync'])
        assert.equal(typeof bt[name], 'function', name);
});

const root = new URL('../../', import.meta.url);
const ruleSet = (name) => JSON.parse(readFileSync(new URL(`examples/${name}/ruleset.json`, root), 'utf8'));

test('a CSV history is read through its mapping, and unreadable rows are listed with line and column', () => {
    const text =
        'id,jobTitle,company.size,visits,won\na,CTO,120,3,yes\nb,Student,lots,0,no\nc,,,1,\nd,VP Sales,40,2,no\n';
    const h = new History(text, {
        id: 'id',
        outcome: 'won',
        numbers: ['company.size'],
        counts: ['visits'],
        now: 1000,
    });
    try {
        assert.equal(h.length, 2);
        assert.equal(h.converted, 1);
        assert.equal(h.events, 5);
        assert.equal(h.skipped, 2);
        assert.equal(h.now, 1000);
        assert.deepEqual(
            h.problems.map((p) => [p.line, p.column, p.code]),
            [
                [3, 'company.size', 'notANumber'],
                [4, 'won', 'missingOutcome'],
            ],
        );
        const fields = h.fields;
        assert.deepEqual(
            fields.profile.map((f) => [f.field, f.leads, f.numeric]),
            [
                ['company.size', 2, true],
                ['jobTitle', 2, false],
            ],
        );
        assert.deepEqual(fields.events, [{ type: 'visits', leads: 2, events: 5 }]);
    } finally {
        h.free();
    }
    assert.throws(
        () => new History(text, { numbers: ['nope'] }),
        (e) => e instanceof InputError && e.code === 'unknownColumn' && e.path === 'mapping.numbers[0]',
    );
});

test('a long text is read in parts with progress, as a whole text is', () => {
    const lines = ['n,note,converted'];
    for (let i = 0; i < 60000; i++) lines.push(`${i % 97},"a ""quoted""\nnote ${i}",${i % 5 === 0 ? 1 : 0}`);
    const text = lines.join('\n') + '\n';
    const calls = [];
    const h = new History(
        text,
        { numbers: ['n'] },
        { onProgress: (done, total, phase) => calls.push([done, total, phase]) },
    );
    try {
        assert.equal(h.length, 60000);
        assert.equal(h.converted, 12000);
        assert.equal(h.skipped, 0);
        assert.ok(calls.length > 1, `${calls.length} progress calls`);
        assert.equal(calls.at(-1)[0], calls.at(-1)[1]);
    } finally {
        h.free();
    }
});

test('a backtest reports the totals the engine gives each lead', () => {
    const text = History.sampleText({ leads: 300, seed: 3 });
    const leads = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const engine = new Engine(ruleSet('b2b-saas'));
    const h = new History(text);
    try {
        const now = h.now;
        const progress = [];
        const r = backtest(engine, h, { now, target: { mqls: 30 }, onProgress: (d, t) => progress.push([d, t]) });
        assert.deepEqual(progress.at(-1), [300, 300]);
        assert.equal(r.leads, 300);
        assert.equal(r.converted, leads.filter((l) => l.converted).length);
        // The histogram and the sweep's first row count what scoring each lead gives.
        const totals = leads.map(({ converted, ...lead }) => [engine.qualify(lead, now).total, converted]);
        assert.equal(
            r.histogram.converted.reduce((a, b) => a + b),
            r.converted,
        );
        const t = r.sweep[10].threshold;
        assert.equal(r.sweep[10].mqls, totals.filter(([total]) => total >= t).length);
        assert.equal(r.sweep[10].convertedMqls, totals.filter(([total, c]) => total >= t && c).length);
        // The AUC by counting pairs, ties one half.
        const pos = totals.filter(([, c]) => c).map(([x]) => x);
        const neg = totals.filter(([, c]) => !c).map(([x]) => x);
        let wins = 0;
        for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
        assert.ok(Math.abs(r.auc - wins / (pos.length * neg.length)) < 1e-12);
        assert.ok(r.suggested.row.mqls <= 30);
        assert.equal(r.matrix.length, 16);
    } finally {
        h.free();
        engine.free();
    }
});

test('two rule sets compared on the same leads', () => {
    const h = History.sample({ leads: 500 });
    const a = new Engine(ruleSet('b2b-saas'));
    const b = new Engine(ruleSet('domain-defaults'));
    try {
        const c = compareRuleSets(a, b, h);
        assert.equal(c.a.leads, 500);
        assert.equal(c.b.leads, 500);
        assert.ok(Math.abs(c.aucDelta - (c.b.auc - c.a.auc)) < 1e-12);
        const g = c.agreement;
        assert.equal(g.both.leads + g.onlyA.leads + g.onlyB.leads + g.neither.leads, 500);
        assert.equal(g.both.leads + g.onlyA.leads, c.a.mql.leads);
    } finally {
        h.free();
        a.free();
        b.free();
    }
});

test('a learnt rule set loads as an Engine and scores as its report says', () => {
    const h = History.sample({ leads: 3000, seed: 5 });
    const hand = new Engine(ruleSet('b2b-saas'));
    try {
        const phases = new Set();
        const r = learn(h, { seed: 2, compareWith: hand, onProgress: (d, t, phase) => phases.add(phase) });
        assert.ok(phases.has('fit') && phases.has('check'), [...phases].join());
        assert.ok(r.auc.holdout > 0.6, JSON.stringify(r.auc));
        assert.ok(r.handWrittenAuc.holdout > 0.5);
        assert.equal(r.leads.train + r.leads.holdout, 3000);
        const engine = new Engine(r.ruleSet);
        try {
            assert.equal(r.ruleSet.stages.mql.threshold, r.threshold);
            const again = backtest(engine, h);
            assert.equal(again.leads, 3000);
        } finally {
            engine.free();
        }
        assert.throws(
            () => learn(h, { holdout: 0.9 }),
            (e) => e instanceof InputError && e.path === 'holdout',
        );
    } finally {
        h.free();
        hand.free();
    }
});
