// Random input at every entry point of the package (fast-check, fixed seed): each
// call either answers or throws an InputError / RuleSetError that says what and
// where, never a WebAssembly trap; a throw changes nothing; and an object and its
// JSON text always give the same answer, as the README promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Engine, Session, LeadSet, InputError, RuleSetError } from 'leadscore';
import { lead, NOW, RULESET } from './helpers.mjs';

// Fixed, so that a failure is the same failure on every machine; fast-check prints
// the counterexample and the path to replay it.
const SETTINGS = { seed: 20261124, numRuns: 250 };

const engine = new Engine(RULESET);
const BASELINE = engine.score(lead(2), NOW);
/** A set the random leads are added to (or refused by). */
const HELD = new LeadSet([lead(1)]);
let heldBefore = HELD.length;

/** Anything JavaScript can pass: JSON values and what JSON cannot hold. */
const anything = fc.oneof(
    {
        weight: 4,
        arbitrary: fc.anything({
            maxDepth: 2,
            maxKeys: 4,
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withNullPrototype: true,
            withObjectString: true,
            withSet: true,
            withSparseArray: true,
            withTypedArray: true,
        }),
    },
    {
        weight: 1,
        arbitrary: fc.constantFrom(
            undefined,
            null,
            NaN,
            Infinity,
            -0,
            2 ** 53,
            1e300,
            '',
            '1795176000000',
            true,
            Symbol('x'),
            () => 1,
            new Date(NaN),
            new Date(NOW),
        ),
    },
);

/** Mostly `right`, sometimes anything at all. */
const mostly = (right) => fc.oneof({ weight: 3, arbitrary: right }, { weight: 1, arbitrary: anything });

/** An event with each part either right or anything. */
const event = fc.record(
    {
        type: mostly(
            fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom('page_view', 'form_submit', '') },
                { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
            ),
        ),
        ts: mostly(
            fc.oneof(
                fc.integer({ min: NOW - 400 * 86_400_000, max: NOW + 86_400_000 }),
                fc.constantFrom('2026-11-20T10:00:00Z', 'yesterday'),
            ),
        ),
        url: mostly(fc.constantFrom('/pricing', '/docs/a')),
        id: mostly(fc.string({ maxLength: 8 })),
    },
    { requiredKeys: [] },
);

/** A lead with each part either right or anything. */
const leadLike = mostly(
    fc.record(
        {
            id: mostly(fc.string()),
            profile: mostly(
                fc.dictionary(
                    fc.constantFrom('jobTitle', 'company', 'country', 'x'),
                    mostly(fc.constantFrom('VP Sales', 'Student', 'US')),
                    { maxKeys: 4 },
                ),
            ),
            events: mostly(fc.array(event, { maxLength: 6 })),
        },
        { requiredKeys: [] },
    ),
);

const nowLike = fc.oneof(fc.constant(NOW), anything);

/** Runs `f`; a throw must be one of `classes` with a message and, for an InputError, a path and code. */
function answersOrExplains(f, classes = [InputError]) {
    try {
        return { ok: f() };
    } catch (err) {
        assert.ok(!(err instanceof WebAssembly.RuntimeError), `a trap reached JavaScript: ${err}`);
        assert.ok(
            classes.some((c) => err instanceof c),
            `${err?.name}: ${err?.message}`,
        );
        assert.ok(typeof err.message === 'string' && err.message.length > 0);
        if (err instanceof InputError) {
            assert.equal(typeof err.path, 'string');
            assert.equal(typeof err.code, 'string');
        }
        return { err };
    }
}

/** JSON.stringify's text of `v`, or undefined when it has none (cycles, BigInt, undefined). */
function jsonOf(v) {
    try {
        return JSON.stringify(v);
    } catch {
        return undefined;
    }
}

test('engine calls answer or throw an InputError, and the engine scores as before', () => {
    fc.assert(
        fc.property(leadLike, nowLike, (x, now) => {
            answersOrExplains(() => engine.score(x, now));
            answersOrExplains(() => engine.qualify(x, now));
            answersOrExplains(() => engine.scoreMany([lead(1), x], now));
            answersOrExplains(() => engine.qualifyMany(x, now));
            answersOrExplains(() => engine.scoreJson(x, now));
            answersOrExplains(() => engine.scoreMany(HELD, now));
            const added = answersOrExplains(() => HELD.add([lead(1), x]));
            assert.equal(
                HELD.length,
                added.err ? heldBefore : heldBefore + 2,
                'a refused add leaves the set as it was',
            );
            heldBefore = HELD.length;
            answersOrExplains(() => new LeadSet(x).free());
            assert.deepEqual(engine.score(lead(2), NOW), BASELINE);
        }),
        SETTINGS,
    );
});

test('a lead and its JSON text get the same answer or the same error', () => {
    fc.assert(
        fc.property(leadLike, (x) => {
            const text = jsonOf(x);
            fc.pre(typeof text === 'string');
            const asObject = answersOrExplains(() => engine.score(x, NOW));
            const asText = answersOrExplains(() => engine.scoreJson(text, NOW));
            if (asObject.err || asText.err) {
                assert.ok(
                    asObject.err && asText.err,
                    `one way answered: ${asObject.err?.message ?? asText.err?.message}`,
                );
                assert.deepEqual([asText.err.path, asText.err.code], [asObject.err.path, asObject.err.code]);
            } else {
                assert.deepEqual(JSON.parse(asText.ok), asObject.ok);
            }
        }),
        SETTINGS,
    );
});

test('session calls answer or throw an InputError; a throw leaves the session as it was', () => {
    const session = new Session('visitor-1');
    session.watch(engine);
    session.track({ type: 'page_view', ts: NOW - 60_000, url: '/pricing' }, NOW);
    fc.assert(
        fc.property(event, anything, nowLike, (e, x, now) => {
            for (const call of [
                () => session.track(e, now),
                () => session.track(x, NOW),
                () => session.updateProfile(x),
                () => session.identify(x),
                () => session.evaluate(engine, now),
                () => session.qualify(engine, now),
            ]) {
                const before = session.save();
                if (answersOrExplains(call).err)
                    assert.equal(session.save(), before, 'a refused call changed the session');
            }
            answersOrExplains(() => Session.restore(x));
            answersOrExplains(() => Session.restoreBytes(x));
            answersOrExplains(() => new Session(x));
            // Whatever was tracked, the session still restores to itself.
            assert.equal(Session.restore(session.save()).save(), session.save());
        }),
        SETTINGS,
    );
});

test('saved bytes, damaged anyhow, restore to a session or throw an InputError', () => {
    const session = new Session('visitor-2');
    session.updateProfile({ jobTitle: 'VP Sales', tags: ['a'] });
    for (let i = 1; i <= 3; i++)
        session.track({ type: 'page_view', ts: NOW - i * 60_000, url: '/pricing', id: `e${i}` }, NOW);
    session.evaluate(engine, NOW);
    const good = session.saveBytes();
    const damage = fc.oneof(
        // Bytes changed in place.
        fc
            .array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
            .map((edits) => {
                const b = Uint8Array.from(good);
                for (const [at, v] of edits) b[at] = v;
                return b;
            }),
        // Cut short, or with bytes after the end.
        fc.nat(good.length - 1).map((n) => good.slice(0, n)),
        fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => Uint8Array.of(...good, ...tail)),
        // Anything.
        fc.uint8Array({ maxLength: 64 }),
    );
    fc.assert(
        fc.property(damage, (bytes) => {
            const r = answersOrExplains(() => Session.restoreBytes(bytes));
            // Whatever restores is a session like any other: it saves and restores to itself.
            if (r.ok) assert.equal(Session.restoreBytes(r.ok.saveBytes()).save(), r.ok.save());
        }),
        SETTINGS,
    );
    assert.equal(Session.restoreBytes(good).save(), session.save());
});

test('rule sets: anything answers with an engine or throws a RuleSetError or InputError', () => {
    const rule = fc.record(
        {
            id: fc.oneof(fc.constantFrom('a', 'b'), anything),
            points: fc.oneof(fc.integer({ min: -100, max: 100 }), anything),
            event: fc.oneof(fc.constant('page_view'), anything),
            when: anything,
            where: anything,
            cap: anything,
        },
        { requiredKeys: [] },
    );
    const ruleSet = fc.record(
        {
            schema: fc.oneof(fc.constant('leadscore.ruleset/v1'), anything),
            id: fc.oneof(fc.constant('r'), anything),
            version: fc.oneof(fc.constant('1'), anything),
            fit: fc.oneof(fc.array(rule, { maxLength: 3 }), anything),
            engagement: fc.oneof(fc.array(rule, { maxLength: 3 }), anything),
            stages: anything,
        },
        { requiredKeys: ['schema', 'id', 'version'] },
    );
    fc.assert(
        fc.property(fc.oneof(ruleSet, anything), (x) => {
            const made = answersOrExplains(() => new Engine(x), [RuleSetError, InputError]);
            if (made.ok) answersOrExplains(() => made.ok.score(lead(1), NOW));
            // A string is taken as the rule set's JSON text, so only other values have
            // an object form to compare with their text.
            const text = typeof x === 'string' ? undefined : jsonOf(x);
            if (typeof text === 'string') {
                const fromText = answersOrExplains(() => Engine.fromJson(text), [RuleSetError, InputError]);
                assert.equal(Boolean(fromText.ok), Boolean(made.ok), 'an object and its JSON text compile alike');
                if (made.err && fromText.err) assert.deepEqual(fromText.err.problems, made.err.problems);
            }
            assert.deepEqual(engine.score(lead(2), NOW), BASELINE);
        }),
        SETTINGS,
    );
});
