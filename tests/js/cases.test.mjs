// The shared semantic cases of tests/cases/*.json (the format: tests/cases/README.md)
// through the package's API; tests/cases.rs runs the same files natively and as wasm32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Engine, InputError, RuleSetError, Session } from 'leadscore';
import { ROOT } from './helpers.mjs';

const DIR = path.join(ROOT, 'tests', 'cases');
const CASE_KEYS = ['name', 'note', 'ruleset', 'rulesetRef', 'now', 'lead', 'expect', 'expectError', 'session', 'steps'];
const ACTIONS = [
    'track',
    'identify',
    'updateProfile',
    'watch',
    'evaluate',
    'score',
    'stage',
    'save',
    'saveRestore',
    'restore',
    'merge',
];
const STEP_KEYS = [
    'note',
    'now',
    'tracked',
    'transitions',
    'setAside',
    'warning',
    'watching',
    'expect',
    'expectError',
    'rulesetRef',
];

const files = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();

test('there are case files', () => assert.ok(files.length > 0, `no tests/cases/*.json in ${DIR}`));

for (const file of files) {
    const doc = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    for (const c of doc.cases) {
        test(`${file}: ${c.name}`, () => {
            try {
                runCase(doc, c);
            } catch (e) {
                e.message = `tests/cases/${file}: case "${c.name}": ${e.message}`;
                throw e;
            }
        });
    }
}

function runCase(doc, c) {
    onlyKeys(c, CASE_KEYS, 'the case');
    if ('ruleset' in c && 'rulesetRef' in c) throw new Error('a case has "ruleset" or "rulesetRef", not both');
    const ruleset = 'rulesetRef' in c ? shared(doc, c.rulesetRef) : c.ruleset;
    let engine;
    if (ruleset !== undefined) {
        const refused = attempt(() => (engine = new Engine(ruleset)));
        if (refused) return expectRefusal(c.expectError, refused, 'the rule set');
    }
    if ('lead' in c) {
        let result;
        const refused = attempt(() => (result = engine.score(c.lead, c.now)));
        if (refused) return expectRefusal(c.expectError, refused, 'the lead');
        assert.equal(c.expectError, undefined, 'the lead was accepted; the case expects its refusal');
        return expectResult(result, c.expect, 'result');
    }
    if ('session' in c) {
        let session;
        const refused = attempt(() => (session = new Session(c.session)));
        if (refused) return expectRefusal(c.expectError, refused, 'the session id');
        assert.equal(c.expectError, undefined, 'the session id was accepted; the case expects its refusal');
        return runSteps({ doc, engine, now: c.now }, session, c.steps);
    }
    assert.ok(engine === undefined, 'the rule set was accepted; the case expects its refusal');
    throw new Error('the case has neither a rule set, a lead nor a session');
}

function runSteps(run, session, steps) {
    steps.forEach((step, i) => {
        try {
            session = runStep(run, session, step);
        } catch (e) {
            e.message = `steps[${i}]: ${e.message}`;
            throw e;
        }
    });
    return session;
}

/** Runs one step on `session`; gives the session that later steps work with. */
function runStep(run, session, step) {
    const actions = Object.keys(step).filter((k) => ACTIONS.includes(k));
    assert.equal(actions.length, 1, `a step has one action of ${ACTIONS}, not ${actions}`);
    const [action] = actions;
    onlyKeys(step, [...STEP_KEYS, action], 'the step');
    const arg = step[action];
    const engine = () => ('rulesetRef' in step ? new Engine(shared(run.doc, step.rulesetRef)) : run.engine);
    const before = session.save();
    let checks = () => {};
    const refused = attempt(() => {
        switch (action) {
            case 'track': {
                const { tracked, transitions, setAside = [], warning = null } = session.track(arg, step.now ?? run.now);
                checks = () => {
                    if ('tracked' in step) assert.equal(tracked, step.tracked, 'tracked');
                    if ('transitions' in step) expectList(transitions, step.transitions, 'transitions');
                    if ('setAside' in step) expectList(setAside, step.setAside, 'setAside');
                    if ('warning' in step) assert.equal(warning, step.warning, 'warning');
                };
                break;
            }
            case 'identify':
                session.identify(arg);
                break;
            case 'updateProfile':
                session.updateProfile(arg);
                break;
            case 'watch':
                assert.ok('rulesetRef' in step, 'a "watch" step names its "rulesetRef"');
                session.watch(engine());
                break;
            case 'evaluate': {
                const { result, transitions } = session.evaluate(engine(), arg);
                onlyKeys(step.expect, ['result', 'transitions'], "an evaluation's expect");
                checks = () => {
                    addsUp(result);
                    if ('result' in step.expect) expectKeys(result, step.expect.result, 'result');
                    if ('transitions' in step.expect) expectList(transitions, step.expect.transitions, 'transitions');
                };
                break;
            }
            case 'score': {
                const result = session.score(engine(), arg);
                checks = () => expectResult(result, step.expect, 'result');
                break;
            }
            case 'stage':
                checks = () => assert.equal(session.stage(engine()), arg, 'stage');
                break;
            case 'save':
                checks = () => assert.deepEqual(JSON.parse(before), arg, 'saved state');
                break;
            case 'saveRestore': {
                // A restored session is the same session, saving the same text; it
                // watches nothing until told.
                const back = Session.restore(before);
                assert.equal(back.save(), before, 'restored, the session saves the same text');
                session = back;
                break;
            }
            case 'restore': {
                const watch = (step.watching ?? []).map((name) => new Engine(shared(run.doc, name)));
                session = Session.restore(typeof arg === 'string' ? arg : JSON.stringify(arg), { watch });
                break;
            }
            case 'merge': {
                onlyKeys(arg, ['session', 'steps'], '"merge"');
                const other = runSteps({ ...run }, new Session(arg.session), arg.steps);
                session.merge(other);
                break;
            }
        }
    });
    if (refused) {
        expectRefusal(step.expectError, refused, `the ${action}`);
        assert.equal(session.save(), before, 'refused, the session must be as it was');
    } else {
        assert.equal(step.expectError, undefined, `the ${action} was accepted; expected a refusal`);
        checks();
    }
    return session;
}

/** Runs `call`; gives what it threw if that is one of the package's errors. */
function attempt(call) {
    try {
        call();
        return null;
    } catch (e) {
        if (e instanceof RuleSetError || e instanceof InputError) return e;
        throw e;
    }
}

/** A refusal the case expects: a rule set's problems, or an input's one problem. */
function expectRefusal(want, error, what) {
    assert.ok(want !== undefined, `${what} was refused: ${JSON.stringify(error.problems)}`);
    if ('problems' in want) {
        assert.equal(
            error.name,
            'RuleSetError',
            `${what}: expected a RuleSetError, got ${error.name} ${error.message}`,
        );
        expectList(error.problems, want.problems, 'problems');
    } else {
        assert.equal(error.name, 'InputError', `${what}: expected an InputError, got ${error.name} ${error.message}`);
        assert.equal(error.problems.length, 1);
        expectKeys(error.problems[0], want, 'error');
        assert.deepEqual([error.path, error.code], [error.problems[0].path, error.problems[0].code]);
    }
    for (const p of error.problems) assert.ok(p.message.trim().length > 0, `a problem without a message: ${p.path}`);
}

function expectResult(result, want, what) {
    addsUp(result);
    expectKeys(result, want, what);
}

/** A result's lines add up exactly to its total (in hundredths, as the core adds them). */
function addsUp(result) {
    const sum = result.contributions.reduce((s, c) => s + Math.round(c.points * 100), 0);
    assert.equal(sum, Math.round(result.total * 100), 'the contributions add up to the total');
}

/** Each key of `want` has exactly its value in `got`; other keys are not compared. */
function expectKeys(got, want, what) {
    for (const [key, value] of Object.entries(want)) assert.deepEqual(got[key], value, `${what}.${key}`);
}

/** A list as long as `want`, each item with the keys of its counterpart in `want`. */
function expectList(got, want, what) {
    assert.equal(got.length, want.length, `${what}: expected ${want.length} items, got ${JSON.stringify(got)}`);
    want.forEach((w, i) => expectKeys(got[i], w, `${what}[${i}]`));
}

function onlyKeys(object, allowed, what) {
    const unknown = Object.keys(object).filter((k) => !allowed.includes(k));
    assert.deepEqual(unknown, [], `${what} has unknown keys (known: ${allowed})`);
}

function shared(doc, name) {
    const ruleset = doc.rulesets?.[name];
    assert.ok(ruleset !== undefined, `no rule set "${name}" in the file's "rulesets"`);
    return ruleset;
}
