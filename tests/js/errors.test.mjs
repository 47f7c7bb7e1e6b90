// Bad rule sets and bad inputs: every one throws an Error with data (name, path,
// code, problems) and leaves the engine, the session and the module usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, Session, InputError, RuleSetError, setLimits } from 'leadscore';
import { lead, moduleGlue, NOW, RULESET } from './helpers.mjs';

const engine = new Engine(RULESET);
const BASELINE = engine.score(lead(2), NOW);

/** Asserts `f` throws an InputError with `code` at `path`, and that the engine still scores as before. */
function throwsInput(f, { path, code, message }) {
    let err;
    assert.throws(f, (e) => ((err = e), true));
    assert.ok(err instanceof Error, 'an Error');
    assert.ok(err instanceof InputError, `an InputError, not ${err.name}: ${err.message}`);
    assert.equal(err.name, 'InputError');
    if (path !== undefined) assert.equal(err.path, path, err.message);
    if (code !== undefined) assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    assert.deepEqual(err.problems, [{ path: err.path, code: err.code, message: err.problems[0].message }]);
    assert.equal(typeof err.problems[0].message, 'string');
    assert.ok(err.problems[0].message.length > 0);
    assert.deepEqual(engine.score(lead(2), NOW), BASELINE, 'the engine scores as before');
    return err;
}

test('a bad rule set throws a RuleSetError listing every problem with its path', () => {
    const bad = {
        schema: 'leadscore.ruleset/v1',
        id: 'bad',
        version: '1',
        fit: [{ id: 'a', points: 'ten', when: { field: 'x', equal: 1 } }],
        engagement: [{ id: 'a', event: 'page_view', points: 5, cap: -1 }],
        stages: { mql: { treshold: 10 } },
    };
    for (const input of [bad, JSON.stringify(bad)]) {
        let err;
        assert.throws(
            () => new Engine(input),
            (e) => ((err = e), true),
        );
        assert.ok(err instanceof Error);
        assert.ok(err instanceof RuleSetError);
        assert.ok(!(err instanceof InputError));
        assert.equal(err.name, 'RuleSetError');
        assert.ok(Array.isArray(err.problems));
        assert.ok(err.problems.length >= 4, err.message);
        for (const p of err.problems) {
            assert.deepEqual(Object.keys(p).sort(), ['code', 'message', 'path']);
            assert.equal(typeof p.path, 'string');
            assert.match(p.code, /^[a-z][A-Za-z]+$/);
        }
        const paths = err.problems.map((p) => p.path);
        for (const want of [
            'fit[0].points',
            'fit[0].when.equal',
            'engagement[0].id',
            'engagement[0].cap',
            'stages.mql.treshold',
        ]) {
            assert.ok(paths.includes(want), `a problem at ${want}; got ${paths.join(', ')}`);
        }
        assert.match(err.message, /^the rule set has \d+ problem\(s\)/);
        assert.match(err.message, /fit\[0\]\.points/);
    }
});

test('rule sets that are not rule sets', () => {
    const cases = [
        [() => new Engine('{"schema": '), 'invalidJson'],
        [() => Engine.fromJson('not json'), 'invalidJson'],
        [() => Engine.fromJson({}), 'wrongType'],
        [() => Engine.fromJson(), 'wrongType'],
        [() => new Engine(undefined), 'missing'],
        [() => new Engine(42), 'wrongType'],
        [() => new Engine([]), 'wrongType'],
        [() => new Engine(null), 'wrongType'],
        [() => new Engine({}), 'missingKey'],
    ];
    const cyclic = { ...RULESET };
    cyclic.self = cyclic;
    cases.push([() => new Engine(cyclic), 'notJson']);
    for (const [f, code] of cases) {
        let err;
        assert.throws(f, (e) => ((err = e), true));
        assert.ok(err instanceof RuleSetError, `${err.name}: ${err.message}`);
        assert.ok(
            err.problems.some((p) => p.code === code),
            `${code} in ${JSON.stringify(err.problems)}`,
        );
    }
    assert.equal(new Engine(RULESET).id, 'inline', 'the module still compiles rule sets');
});

test('a missing or unusable lead', () => {
    throwsInput(() => engine.score(undefined, NOW), { path: '', code: 'missing' });
    throwsInput(() => engine.score(null, NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.score('{"profile": {}}', NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.score(42, NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.score([lead()], NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.score(() => 1, NOW), { path: '', code: 'notJson' });
    throwsInput(() => engine.score(Symbol('x'), NOW), { path: '', code: 'notJson' });
    throwsInput(() => engine.score({ profile: 'VP' }, NOW), { path: 'profile', code: 'wrongType' });
    throwsInput(() => engine.score({ events: {} }, NOW), { path: 'events', code: 'wrongType' });
    throwsInput(() => engine.score({ id: {}, profile: {} }, NOW), { path: 'id', code: 'wrongType' });
    throwsInput(() => engine.score({ profle: {} }, NOW), { path: 'profle', code: 'unknownKey' });
});

test('cyclic objects and BigInts are refused with the reason', () => {
    const cyclic = lead();
    cyclic.profile.self = cyclic.profile;
    throwsInput(() => engine.score(cyclic, NOW), { path: '', code: 'notJson', message: /circular/i });
    throwsInput(() => engine.scoreMany([lead(), cyclic], NOW), { path: '', code: 'notJson', message: /circular/i });
    throwsInput(() => engine.score({ profile: { size: 10n } }, NOW), { code: 'notJson', message: /BigInt/ });
    const s = new Session('v');
    const ev = { type: 'page_view', ts: NOW };
    ev.again = ev;
    throwsInput(() => s.track(ev, NOW), { path: 'event', code: 'notJson' });
    throwsInput(() => s.updateProfile(cyclic.profile), { path: 'profile', code: 'notJson' });
    assert.equal(s.save(), new Session('v').save(), 'the session is unchanged');
});

test('deeply nested input is refused, not a crash', () => {
    const nest = (n) => {
        let deep = {};
        for (let i = 0; i < n; i++) deep = { d: deep };
        return deep;
    };
    throwsInput(() => engine.score({ profile: nest(20) }, NOW), { path: 'profile', code: 'tooDeep' });
    throwsInput(() => engine.score({ profile: nest(1000) }, NOW), { path: '', code: 'tooDeep' });
    throwsInput(() => engine.scoreJson(JSON.stringify({ profile: nest(1000) }), NOW), { path: '', code: 'tooDeep' });
    // Deeper than the host's JSON.stringify can go: the codec stops at 128 levels first.
    throwsInput(() => engine.score({ profile: nest(100_000) }, NOW), { path: '', code: 'tooDeep' });
    throwsInput(() => new Session('v').track({ type: 'x', ts: NOW, p: nest(1000) }, NOW), {
        path: 'event',
        code: 'tooDeep',
    });
});

test('now must be a whole number of milliseconds', () => {
    for (const now of [NaN, Infinity, -Infinity, 1.5, 8.64e15 + 1, -8.64e15 - 1]) {
        throwsInput(() => engine.score(lead(), now), { path: 'now', code: 'invalidTimestamp' });
    }
    for (const now of [undefined, null, '1795176000000', String(NOW), new Date(NOW), {}, 10n, [NOW]]) {
        const err = throwsInput(() => engine.score(lead(), now), { path: 'now', code: 'wrongType' });
        assert.match(err.message, /milliseconds since the epoch/);
    }
    assert.match(throwsInput(() => engine.score(lead(), new Date(NOW)), {}).message, /getTime\(\)/);
    // Every method that takes now checks it the same way.
    const s = new Session('v');
    throwsInput(() => engine.scoreJson(JSON.stringify(lead()), NaN), { path: 'now' });
    throwsInput(() => engine.scoreMany([lead()], '1'), { path: 'now' });
    throwsInput(() => engine.scoreManyJson('[]', undefined), { path: 'now' });
    throwsInput(() => s.track({ type: 'x', ts: NOW }, NaN), { path: 'now' });
    throwsInput(() => s.evaluate(engine, 1.25), { path: 'now' });
    throwsInput(() => s.score(engine, null), { path: 'now' });
    throwsInput(() => s.qualify(engine, '1'), { path: 'now', code: 'wrongType' });
    throwsInput(() => engine.qualify(lead(), [NOW]), { path: 'now', code: 'wrongType' });
    throwsInput(() => engine.qualifyMany([lead()], 8.64e15 + 1), { path: 'now', code: 'invalidTimestamp' });
    // A number as text is named, as the crossing would otherwise read it as a number.
    assert.match(
        throwsInput(() => s.track({ type: 'x', ts: NOW }, String(NOW)), { path: 'now', code: 'wrongType' }).message,
        new RegExp(`the string "${NOW}"`),
    );
    assert.deepEqual(JSON.parse(s.save()).events, [], 'a refused now tracks nothing');
    // The edges of the range are fine.
    assert.equal(engine.score({}, 8.64e15).now, 8.64e15);
    assert.equal(engine.score({}, -8.64e15).total, 0);
    assert.equal(engine.score({}, 0).now, 0);
});

test('JSON text methods want text', () => {
    throwsInput(() => engine.scoreJson({}, NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.scoreJson('{', NOW), { path: '', code: 'invalidJson' });
    throwsInput(() => engine.scoreManyJson('{}', NOW), { path: '', code: 'wrongType' });
    throwsInput(() => engine.scoreManyJson(undefined, NOW), { path: '', code: 'wrongType' });
});

test('a bad lead in a batch is named by its index', () => {
    throwsInput(() => engine.scoreMany([lead(), { profile: 3 }], NOW), { path: '[1].profile', code: 'wrongType' });
    throwsInput(() => engine.scoreMany([lead(), 'x'], NOW), { path: '[1]', code: 'wrongType' });
    throwsInput(() => engine.scoreManyJson('[{}, {}, {"events": 1}]', NOW), { path: '[2].events', code: 'wrongType' });
    throwsInput(() => engine.scoreMany({ 0: lead() }, NOW), { path: '', code: 'wrongType' });
    // A long list crosses in parts; the index is still the lead's in the whole list.
    const long = Array.from({ length: 600 }, () => lead());
    long[390] = { profile: { deep: [[[[[[[[['x']]]]]]]]] } };
    throwsInput(() => engine.qualifyMany(long, NOW), {
        path: '[390].profile',
        code: 'tooDeep',
        message: /^\[390\]\.profile: the profile nests deeper/,
    });
    throwsInput(() => engine.scoreManyJson(JSON.stringify(long), NOW), { path: '[390].profile', code: 'tooDeep' });
    long[390] = lead();
    long[599] = 'x';
    throwsInput(() => engine.scoreMany(long, NOW), { path: '[599]', code: 'wrongType' });
    throwsInput(() => engine.qualifyMany([], 1.5), { path: 'now', code: 'invalidTimestamp' });
    throwsInput(() => engine.scoreMany(undefined, NOW), { path: '', code: 'missing' });
    throwsInput(() => engine.qualifyMany([lead(), { events: [{ type: 'x', ts: 1 }], extra: 1 }], NOW), {
        path: '[1].extra',
        code: 'unknownKey',
    });
    throwsInput(() => engine.qualify({ profile: [] }, NOW), { path: 'profile', code: 'wrongType' });
    throwsInput(() => engine.qualify(lead(), 'soon'), { path: 'now', code: 'wrongType' });
    assert.equal(engine.qualify(lead(), NOW).stage, engine.score(lead(), NOW).stage, 'the engine still works');
});

test('session inputs', () => {
    const s = new Session('visitor-1');
    const before = s.save();
    throwsInput(() => new Session(), { path: 'id', code: 'wrongType' });
    throwsInput(() => new Session(42), { path: 'id', code: 'wrongType' });
    throwsInput(() => s.identify(''), { path: 'leadId', code: 'invalidId' });
    throwsInput(() => s.identify(7), { path: 'leadId', code: 'wrongType' });
    throwsInput(() => s.updateProfile('VP'), { path: 'profile', code: 'wrongType' });
    throwsInput(() => s.updateProfile(undefined), { path: 'profile', code: 'missing' });
    throwsInput(() => s.track(undefined, NOW), { path: 'event', code: 'missing' });
    throwsInput(() => s.track({ type: 'page_view' }, NOW), { path: 'event.ts', code: 'missingKey' });
    throwsInput(() => s.track({ type: 'page_view', ts: String(NOW) }, NOW), {
        path: 'event.ts',
        code: 'invalidTimestamp',
    });
    throwsInput(() => s.track({ type: 'page_view', ts: NOW + 2 * 3_600_000 }, NOW), {
        path: 'event.ts',
        code: 'futureTimestamp',
    });
    throwsInput(() => Session.restore('{'), { code: 'invalidJson' });
    throwsInput(() => Session.restore('{"v": 99, "id": "x"}'), { path: 'v', code: 'unknownVersion' });
    throwsInput(() => Session.restore({ v: 1, id: 'x' }), { path: '', code: 'wrongType' });
    assert.equal(s.save(), before, 'nothing was changed by the refused calls');
    assert.equal(s.track({ type: 'page_view', ts: NOW, url: '/pricing' }, NOW).tracked, 'added');
});

test('wrong objects, freed objects and self-merges', () => {
    const s = new Session('v');
    const wrong = throwsInput(() => s.evaluate({}, NOW), { path: 'engine', code: 'wrongType' });
    assert.equal(wrong.problems[0].message, 'engine must be an Engine (made with new Engine(ruleSet)), not an object');
    assert.equal(
        throwsInput(() => s.merge(engine), { path: 'other', code: 'wrongType' }).problems[0].message,
        'other must be a Session (made with new Session(id) or Session.restore(saved)), not an Engine',
    );
    throwsInput(() => s.score(undefined, NOW), { path: 'engine', code: 'wrongType' });
    throwsInput(() => s.stage(s), { path: 'engine', code: 'wrongType' });
    throwsInput(() => s.merge(engine), { path: 'other', code: 'wrongType' });
    throwsInput(() => s.merge(s), { path: 'other', code: 'sameObject' });
    throwsInput(() => engine.score.call({}, lead(), NOW), { path: '', code: 'wrongType' });

    const freed = new Engine(RULESET);
    freed.free();
    freed.free(); // harmless
    throwsInput(() => freed.score(lead(), NOW), { path: '', code: 'freed', message: /freed/ });
    throwsInput(() => freed.id, { path: '', code: 'freed' });
    throwsInput(() => s.evaluate(freed, NOW), { path: 'engine', code: 'freed' });
    const gone = new Session('gone');
    gone[Symbol.dispose]();
    throwsInput(() => gone.save(), { code: 'freed' });
    throwsInput(() => s.merge(gone), { path: 'other', code: 'freed' });

    // Everything still works.
    s.track({ type: 'page_view', ts: NOW - 1, url: '/pricing' }, NOW);
    assert.equal(s.evaluate(engine, NOW).result.total, 15);
    const other = new Session('w');
    other.track({ type: 'page_view', ts: NOW - 2, url: '/pricing' }, NOW);
    s.merge(other);
    assert.equal(s.score(engine, NOW).total, 30);
});

test('inputs larger than the module can take are refused, not a trap, and nothing is lost', async () => {
    // The generated glue allocates an input's bytes in the module, and an allocation
    // the module cannot make aborts it ("RuntimeError: unreachable"): the package asks
    // first for large inputs (the module's canHold) and refuses what could not fit.
    const engine = new Engine(RULESET);
    const s = new Session('visitor-huge');
    s.track({ type: 'page_view', ts: NOW - 1000, url: '/pricing' }, NOW);
    const before = s.score(engine, NOW);
    // 2 GiB of zeros, allocated lazily: more than anything on wasm32 can allocate.
    const huge = new Uint8Array(2 ** 31);
    // Over the call's input limit, it is refused before anything else is asked.
    assert.throws(
        () => Session.restoreBytes(huge),
        (e) => e instanceof InputError && e.code === 'tooLarge' && /one call takes at most 8388608/.test(e.message),
    );
    // With the limit out of the way, the module is asked whether it could take it.
    setLimits({ maxInputBytes: 0xffffffff });
    try {
        assert.throws(
            () => Session.restoreBytes(huge),
            (e) =>
                e instanceof InputError &&
                e.code === 'tooLarge' &&
                e.path === '' &&
                /2147483648 bytes.*more than the module's memory can take/.test(e.message),
        );
    } finally {
        setLimits({ maxInputBytes: 8 << 20 });
    }
    const glue = await moduleGlue();
    assert.equal(glue.canHold(0xffffffff), false, 'the module answers no, rather than aborting');
    // A yes is room really made (the compiler may not drop the allocation): more than
    // the whole memory holds now, so the memory must grow.
    const memory = glue.moduleMemory();
    const size = memory.buffer.byteLength;
    assert.equal(glue.canHold(size + (16 << 20)), true);
    assert.ok(memory.buffer.byteLength > size, 'the memory grew');
    // A large input that fits crosses as before (the question asked, and answered yes).
    const events = Array.from({ length: 20_000 }, (_, i) => ({
        type: 'page_view',
        ts: NOW - 60_000 - i,
        url: `/blog/${'x'.repeat(40)}`,
    }));
    assert.deepEqual(
        engine.score({ profile: {}, events }, NOW).events,
        { scored: 1000, skipped: { overHistoryLimit: 19_000 } },
        'read whole: the latest 1,000 scored',
    );
    assert.deepEqual(s.score(engine, NOW), before, 'the session is as it was');
    assert.deepEqual(
        engine.score(lead(2), NOW),
        new Engine(RULESET).score(lead(2), NOW),
        'the engine scores as before',
    );
});

test('session options are checked before anything is made', () => {
    throwsInput(() => new Session('v', 'debug'), { path: 'options', code: 'wrongType' });
    throwsInput(() => new Session('v', { wacth: [engine] }), {
        path: 'options.wacth',
        code: 'unknownKey',
        message: /its options are watch, debug/,
    });
    throwsInput(() => Session.restore('{"v": 1, "id": "v"}', { watch: engine }), {
        path: 'options.watch',
        code: 'wrongType',
    });
    throwsInput(() => Session.restore('{"v": 1, "id": "v"}', { watch: [engine, {}] }), {
        path: 'options.watch[1]',
        code: 'wrongType',
        message: /must be an Engine/,
    });
    throwsInput(() => new Session('v', { debug: 'yes' }), { path: 'options.debug', code: 'wrongType' });
    assert.equal(new Session('v', { watch: [] }).id, 'v');
});

test('JSON text that is not JSON is refused in the words and at the line and column given natively', () => {
    // What `leadscore check --rules` says of each text natively (crates/rules/src/json_place.rs
    // is checked against the same reader in Rust).
    const cases = [
        ['{', 'EOF while parsing an object (line 1, column 1)'],
        ['{"schema": ', 'EOF while parsing a value (line 1, column 11)'],
        ['not json', 'expected ident (line 1, column 2)'],
        ['{\n  "id": 1,,\n}', 'key must be a string (line 2, column 11)'],
        [
            '{\n  "a": "é\u0001"}',
            'control character (\\u0000-\\u001F) found while parsing a string (line 2, column 11)',
        ],
        ['[1, 2', 'EOF while parsing a list (line 1, column 5)'],
        ['{"a": 1,}', 'trailing comma (line 1, column 9)'],
        ['{"a" 1}', 'expected `:` (line 1, column 6)'],
        ['{"a": tru}', 'expected ident (line 1, column 10)'],
        ['{"a": 1} x', 'trailing characters (line 1, column 10)'],
        ['\n\n  "\\q"', 'invalid escape (line 3, column 5)'],
        ['{"é": -}', 'invalid number (line 1, column 9)'],
        ['', 'EOF while parsing a value (line 1, column 0)'],
        ['["\\u12"]', 'invalid escape (line 1, column 8)'],
        ['["\\u12', 'EOF while parsing a string (line 1, column 6)'],
        ['[01]', 'invalid number (line 1, column 3)'],
        ['[1.e5]', 'invalid number (line 1, column 4)'],
        ['[1e+]', 'invalid number (line 1, column 5)'],
        ['[nulx]', 'expected ident (line 1, column 5)'],
        ['[truex]', 'expected `,` or `]` (line 1, column 6)'],
        ['{1:2}', 'key must be a string (line 1, column 2)'],
        ['{"a": [1, {"b": }]}', 'expected value (line 1, column 17)'],
        ['["\\ud800", }', 'unexpected end of hex escape (line 1, column 9)'],
    ];
    for (const [text, why] of cases) {
        let err;
        assert.throws(
            () => Engine.fromJson(text),
            (e) => ((err = e), true),
        );
        assert.equal(err.name, 'RuleSetError', JSON.stringify(text));
        assert.deepEqual(err.problems, [
            { path: '', code: 'invalidJson', message: `the rule set is not valid JSON: ${why}` },
        ]);
        const restored = throwsInput(() => Session.restore(text), { path: '', code: 'invalidJson' });
        assert.equal(restored.problems[0].message, `saved state is not valid JSON: ${why}`);
        const lead = throwsInput(() => engine.scoreJson(text, NOW), { path: '', code: 'invalidJson' });
        assert.ok(lead.problems[0].message.endsWith(`is not valid JSON: ${why}`), lead.problems[0].message);
    }
});

test('errors print their path and code', () => {
    const err = throwsInput(() => engine.score({ events: 'x' }, NOW), {});
    assert.equal(err.message, `events: ${err.problems[0].message} (wrongType)`);
    assert.match(String(err), /^InputError: events: /);
    assert.match(err.stack, /InputError/);
});

test('InputError and RuleSetError can be made and recognized by JS code too', () => {
    const e = new InputError('a.b', 'wrongType', 'is wrong');
    assert.equal(e.message, 'a.b: is wrong (wrongType)');
    assert.ok(e instanceof InputError && e instanceof Error && !(e instanceof RuleSetError));
    const r = new RuleSetError([{ path: 'x', code: 'c', message: 'm' }]);
    assert.ok(r instanceof RuleSetError);
    assert.equal(r.message, 'the rule set has 1 problem(s)\n  - x: m (c)');
    assert.ok(!(new Error('x') instanceof InputError));
    assert.ok(!({ name: 'InputError' } instanceof InputError));
});
