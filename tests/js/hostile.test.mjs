// Hostile input through the package (docs/SECURITY.md): refused with a clear error,
// with the module's memory as it was; and, should the module ever trap, a fresh
// instance in its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engine, Session, InputError, limits, memoryBytes, setLimits } from 'leadscore';
import { examples, NOW, PKG, RULESET } from './helpers.mjs';

const B2B = examples().find((e) => e.name === 'b2b-saas');
const MIB = 1 << 20;

/**
 * Asserts `f` throws an InputError with `code` (and `path`), with the module's memory
 * grown by no more than room for the input itself (`input`, its JSON text, an upper
 * bound of its MessagePack: twice its bytes, asked for before it crosses) and for
 * what a call may build (twice `maxCallMemory`, for the growth of the lists it
 * fills). An input over the call's limit crosses not at all (`input` 0).
 */
function refusedWithin(f, { code, path, input = 0 }) {
    const before = memoryBytes();
    let err;
    assert.throws(f, (e) => ((err = e), true));
    assert.ok(err instanceof InputError, `${err.name}: ${err.message}`);
    if (Array.isArray(code)) assert.ok(code.includes(err.code), err.message);
    else assert.equal(err.code, code, err.message);
    if (path !== undefined) assert.equal(err.path, path, err.message);
    const grown = memoryBytes() - before;
    const room = input ? 2 * Buffer.byteLength(JSON.stringify(input)) + 2 * limits().maxCallMemory + MIB : 0;
    assert.ok(
        grown <= room,
        `the module's memory grew by ${grown} bytes (room for the input: ${room}): ${err.message}`,
    );
    return err;
}

test('hostile leads, events and profiles are refused without growing the module', () => {
    const engine = new Engine(B2B.rulesetText);
    // Warm: the module's memory is as large as scoring a lead makes it.
    for (const lead of B2B.leads) engine.score(lead, NOW);
    const objects = (n) => Array.from({ length: n }, () => ({ a: 0 }));
    // 100 MB of input: refused before it crosses.
    refusedWithin(() => engine.score({ profile: { notes: 'x'.repeat(100 * MIB) } }, NOW), {
        code: 'tooLarge',
        path: '',
    });
    refusedWithin(() => engine.scoreJson(`{"profile":{"notes":"${'x'.repeat(100 * MIB)}"}}`, NOW), {
        code: 'tooLarge',
        path: '',
    });
    // A profile field the rules read, 200,000 objects: built only to the profile's limit.
    const profile = { profile: { jobTitle: objects(200_000) } };
    refusedWithin(() => engine.score(profile, NOW), { code: 'tooLarge', path: 'profile', input: profile });
    // An event property of 100,000 objects, read or not.
    const s = new Session('visitor');
    for (const name of ['url', 'junk']) {
        const event = { type: 'page_view', ts: NOW, [name]: objects(100_000) };
        refusedWithin(() => s.track(event, NOW), { code: 'tooLarge', path: 'event', input: event });
    }
    const patch = { jobTitle: objects(200_000) };
    refusedWithin(() => s.updateProfile(patch), { code: 'tooLarge', path: 'profile', input: patch });
    // A million tiny events: past the call's memory limit or its count of events,
    // whichever reading meets first; the memory grows by no more than the input's room.
    const lead = { events: objects(1_000_000) };
    refusedWithin(() => engine.score(lead, NOW), { code: ['tooLarge', 'tooMany'], input: lead });
    // An id of a megabyte is refused before the glue copies it in.
    refusedWithin(() => new Session('v'.repeat(MIB)), { code: 'invalidId', path: 'id' });
    refusedWithin(() => s.identify('v'.repeat(MIB)), { code: 'invalidId', path: 'leadId' });
    assert.equal(s.save(), new Session('visitor').save(), 'nothing was changed by the refused calls');
});

test('JSON text is read as natively: a number out of range or a lone surrogate is invalidJson', () => {
    const engine = new Engine(RULESET);
    for (const text of ['{"profile": {"size": 1e400}}', '{"id": "\\ud800"}', '{"profile": {"a\\udc00": 1}}']) {
        assert.throws(
            () => engine.scoreJson(text, NOW),
            (e) => e instanceof InputError && e.code === 'invalidJson' && e.path === '',
            text,
        );
    }
    // As a value, a lone surrogate has no JSON text a reader takes: refused alike;
    // Infinity is null, as JSON.stringify writes it.
    assert.throws(
        () => engine.score({ id: '\ud800' }, NOW),
        (e) => e.code === 'invalidJson',
    );
    assert.equal(engine.score({ profile: { size: Infinity } }, NOW).total, engine.score({ profile: {} }, NOW).total);
    // Two ids that differ only in their lone surrogates are not one id.
    assert.throws(
        () => new Session('v').track({ type: 'x', ts: NOW, id: 'a\udfff' }, NOW),
        (e) => e.code === 'invalidJson',
    );
});

test('an object freed by a toJSON while its call writes its argument says so', () => {
    const engine = new Engine(RULESET);
    const lead = {
        toJSON() {
            engine.free();
            return {};
        },
    };
    assert.throws(
        () => engine.score(lead, NOW),
        (e) => e instanceof InputError && e.code === 'freed',
    );
    const s = new Session('v');
    const event = {
        toJSON() {
            s.free();
            return { type: 'x', ts: NOW };
        },
    };
    assert.throws(
        () => s.track(event, NOW),
        (e) => e instanceof InputError && e.code === 'freed',
    );
});

test('saved bytes in a detached buffer are refused as an InputError', () => {
    const bytes = new Session('v').saveBytes();
    const copy = bytes.slice();
    structuredClone(copy.buffer, { transfer: [copy.buffer] });
    assert.throws(
        () => Session.restoreBytes(copy),
        (e) => e instanceof InputError && e.code === 'wrongType' && /detached/.test(e.message),
    );
    assert.equal(Session.restoreBytes(bytes).id, 'v');
});

test('a list of leads stops at maxCallSteps, its parts counted together', () => {
    const defaults = limits();
    // One leaf, a `contains` of one text: 1 + 16 × (bytes ÷ 16 + 1) steps a lead
    // (the rule-set reference, section 11).
    const engine = new Engine({
        schema: 'leadscore.ruleset/v1',
        id: 'steps',
        version: '1',
        fit: [{ id: 'notes', points: 5, when: { field: 'notes', contains: 'zzz' } }],
    });
    const notes = 'a'.repeat(3_200);
    const perLead = 1 + 16 * (Math.floor(notes.length / 16) + 1);
    const leads = Array.from({ length: 400 }, (_, i) => ({ id: `l${i}`, profile: { notes } }));
    const max = 1_000_000;
    const refusedAt = Math.floor(max / perLead) + 1; // the first lead reached past the limit
    assert.ok(refusedAt > 256 && refusedAt < leads.length, 'the limit falls in the second part');
    try {
        setLimits({ maxCallSteps: max });
        assert.deepEqual(limits(), { ...defaults, maxCallSteps: max });
        assert.throws(
            () => engine.scoreMany(leads, NOW),
            (e) => e instanceof InputError && e.code === 'tooCostly' && e.path === `[${refusedAt}]`,
        );
        assert.throws(
            () => engine.scoreManyJson(JSON.stringify(leads), NOW),
            (e) => e instanceof InputError && e.code === 'tooCostly' && e.path === `[${refusedAt}]`,
        );
        // Sent again in shorter lists, every lead is scored.
        const halves = [leads.slice(0, 200), leads.slice(200)].flatMap((part) => engine.scoreMany(part, NOW));
        assert.equal(halves.length, leads.length);
        assert.ok(halves.every((r) => r.total === 0));
        assert.throws(
            () => setLimits({ maxCallSteps: 999_999 }),
            (e) => e instanceof InputError && e.code === 'invalidValue' && e.path === 'maxCallSteps',
        );
        assert.equal(limits().maxCallSteps, max, 'a refused setting changes nothing');
    } finally {
        setLimits(defaults);
        engine.free();
    }
    assert.deepEqual(limits(), defaults);
});

test('a module that traps is replaced by a fresh instance, and its objects say so', async () => {
    // A copy of the package's modules of its own (the ES modules, not the Node.js
    // entry the other tests share), whose memory this test can exhaust.
    const glue = await import(pathToFileURL(path.join(PKG, 'leadscore.js')).href);
    glue.initSync({ module: fs.readFileSync(path.join(PKG, 'leadscore_bg.wasm')) });
    const api = await import(pathToFileURL(path.join(PKG, 'api.js')).href);
    api.withBatchCalls();
    api.markReady();
    const engine = new api.Engine(RULESET);
    const session = new api.Session('v');
    session.track({ type: 'page_view', ts: NOW, url: '/pricing' }, NOW);
    // Every page the memory can have, taken from outside the allocator: the next
    // allocation it must grow the memory for fails, and the module aborts, as it
    // would on a host out of memory.
    const memory = glue.moduleMemory();
    memory.grow(65536 - memory.buffer.byteLength / 65536);
    assert.throws(
        () => engine.score({ profile: { notes: 'x'.repeat(600_000) } }, NOW),
        (e) => e instanceof InputError && e.code === 'moduleFailed' && /replaced by a fresh one/.test(e.message),
    );
    // Objects of the failed instance refuse every call, and free() is harmless.
    assert.throws(
        () => engine.score({}, NOW),
        (e) => e.code === 'moduleFailed',
    );
    assert.throws(
        () => session.save(),
        (e) => e.code === 'moduleFailed',
    );
    assert.throws(
        () => new api.Session('w').merge(session),
        (e) => e.code === 'moduleFailed' && e.path === 'other',
    );
    engine.free();
    // The fresh instance works, with a memory of its own.
    assert.ok(api.memoryBytes() < 64 * MIB, `${api.memoryBytes()} bytes`);
    const again = new api.Engine(RULESET);
    const s = new api.Session('v');
    s.track({ type: 'page_view', ts: NOW - 1, url: '/pricing' }, NOW);
    assert.equal(s.score(again, NOW).total, 15);
});
