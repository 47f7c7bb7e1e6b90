// Sessions through the package: tracking, transitions reported once, save and
// restore, merge, and agreement with batch scoring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, Session, memoryBytes } from 'leadscore';
import { examples, lead, moduleGlue, NOW, RULESET, DAY } from './helpers.mjs';

const engine = new Engine(RULESET);
const view = (ts, extra = {}) => ({ type: 'page_view', ts, url: '/pricing', ...extra });

test('a session has its id, and a lead id once identified', () => {
    // What track reports is in tests/cases/sessions.json ("track says what it did").
    const s = new Session('visitor-1');
    assert.equal(s.id, 'visitor-1');
    assert.equal(s.leadId, undefined);
    s.identify('ann@acme.io');
    assert.equal(s.leadId, 'ann@acme.io');
});

test('past the history limit track says the oldest event was dropped', () => {
    const s = new Session('visitor-long');
    const LIMIT = 1000;
    for (let i = 0; i < LIMIT; i++)
        assert.equal(s.track({ type: 'email_open', ts: NOW - DAY + i }, NOW).tracked, 'added');
    assert.deepEqual(s.track({ type: 'email_open', ts: NOW - 1 }, NOW), {
        tracked: 'addedDroppingOldest',
        transitions: [],
    });
    const r = s.score(engine, NOW);
    assert.equal(r.events.scored, LIMIT);
    assert.deepEqual(r.events.skipped, { overHistoryLimit: 1 });
    // Watched, the same event can also move the stage: both parts of the answer come back.
    const w = new Session('visitor-long-watched');
    w.updateProfile({ jobTitle: 'VP Sales' });
    w.watch(engine);
    for (let i = 0; i < LIMIT; i++) w.track({ type: 'email_open', ts: NOW - DAY + i }, NOW);
    w.track(view(NOW - 20), NOW);
    const { tracked, transitions } = w.track(view(NOW - 10), NOW);
    assert.equal(tracked, 'addedDroppingOldest');
    assert.deepEqual(
        transitions.map((t) => [t.from, t.to]),
        [['none', 'mql']],
    );
});

test('track returns the transitions of the watched engines, once each', () => {
    const s = new Session('visitor-watch');
    s.updateProfile({ jobTitle: 'VP Sales' });
    s.watch(engine);
    s.watch(engine); // watching the same rule set twice evaluates it once
    assert.deepEqual(s.track(view(NOW - 3000), NOW).transitions, []);
    const { tracked, transitions } = s.track(view(NOW - 2000), NOW);
    assert.equal(tracked, 'added');
    assert.deepEqual(
        transitions.map((t) => [t.from, t.to, t.total]),
        [['none', 'mql', 50]],
    );
    assert.deepEqual(s.evaluate(engine, NOW).transitions, [], 'already reported');
    assert.deepEqual(s.track(view(NOW - 1000), NOW).transitions, [], 'no repeat');
    const sql = s.track({ type: 'form_submit', ts: NOW - 500, form: 'demo' }, NOW).transitions;
    assert.deepEqual(
        sql.map((t) => [t.from, t.to]),
        [['mql', 'sql']],
    );
    // A refused event changes nothing and reports nothing.
    assert.throws(() => s.track({ type: 'page_view' }, NOW), { code: 'missingKey' });
    // Engines are watched until unwatched; freeing one does not break the session.
    const other = new Engine({ ...RULESET, id: 'other' });
    s.watch(other);
    other.free();
    assert.deepEqual(
        s.track(view(NOW - 100), NOW).transitions.map((t) => [t.rulesetId, t.to]),
        [['other', 'sql']],
        'the other rule set sees the demo request too',
    );
    s.unwatch(engine);
    assert.throws(() => s.watch({}), { code: 'wrongType', path: 'engine' });
    // A restored session watches nothing until told.
    assert.deepEqual(Session.restore(s.save()).track(view(NOW - 50), NOW).transitions, []);
});

test('a session restored from bytes remembers what it reported', () => {
    // The transitions themselves, reported once, are in tests/cases/sessions.json.
    const s = new Session('visitor-2');
    s.updateProfile({ jobTitle: 'VP Sales' });
    s.track(view(NOW - 3000), NOW);
    s.track(view(NOW - 2000), NOW);
    assert.deepEqual(
        s.evaluate(engine, NOW).transitions.map((t) => [t.from, t.to]),
        [['none', 'mql']],
    );
    assert.deepEqual(Session.restoreBytes(s.saveBytes()).evaluate(engine, NOW).transitions, []);
});

test('save and restore give back the same session', () => {
    const s = new Session('visitor-4');
    s.updateProfile({ jobTitle: 'Director', company: { size: 50 } });
    s.track(view(NOW - DAY, { id: 'a' }), NOW);
    s.track(view(NOW - 2 * DAY), NOW);
    s.evaluate(engine, NOW);
    s.identify('cy@globex.com');
    s.track({ type: 'form_submit', ts: NOW - 10, form: 'newsletter' }, NOW);

    const saved = s.save();
    assert.equal(typeof saved, 'string');
    JSON.parse(saved);
    const back = Session.restore(saved);
    assert.ok(back instanceof Session);
    assert.equal(back.save(), saved);
    assert.equal(back.id, 'visitor-4');
    assert.equal(back.leadId, 'cy@globex.com');
    assert.equal(back.stage(engine), s.stage(engine));
    assert.deepEqual(back.score(engine, NOW), s.score(engine, NOW));
    assert.deepEqual(back.score(engine, NOW + 30 * DAY), s.score(engine, NOW + 30 * DAY));
    // An event id seen before the save is still a duplicate after it.
    assert.equal(back.track(view(NOW - DAY, { id: 'a' }), NOW).tracked, 'duplicate');
    // The two are independent.
    back.track(view(NOW - 5), NOW);
    assert.notEqual(back.save(), s.save());
});

test('saveBytes and restoreBytes give back the same session as save and restore', () => {
    const s = new Session('visitor-5');
    s.updateProfile({ jobTitle: 'Director', company: { size: 50 }, tags: ['a', 'b'], score: 1.5 });
    s.track(view(NOW - DAY, { id: 'a' }), NOW);
    s.evaluate(engine, NOW);
    s.identify('di@initech.com');
    s.track({ type: 'form_submit', ts: NOW - 10, form: 'newsletter', pages: [1, 2] }, NOW);

    const bytes = s.saveBytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.ok(bytes.length < s.save().length, `${bytes.length} bytes against ${s.save().length} characters of JSON`);
    for (const form of [
        bytes,
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
        Buffer.from(bytes),
    ]) {
        const back = Session.restoreBytes(form);
        assert.equal(back.save(), s.save());
        assert.equal(back.leadId, 'di@initech.com');
        assert.deepEqual(back.score(engine, NOW + DAY), s.score(engine, NOW + DAY));
        assert.equal(back.track(view(NOW - DAY, { id: 'a' }), NOW).tracked, 'duplicate');
    }
    // The bytes are the module's own, copied out: changing the session leaves them be.
    const before = Array.from(bytes);
    s.track(view(NOW - 3), NOW);
    assert.deepEqual(Array.from(bytes), before);
    // A view into a larger buffer reads only its own bytes.
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 4);
    assert.equal(Session.restoreBytes(padded.subarray(4, 4 + bytes.length)).save(), Session.restoreBytes(bytes).save());
});

test('restoreBytes refuses what saveBytes did not write', () => {
    const s = new Session('visitor-6');
    s.track(view(NOW - 1), NOW);
    const bytes = s.saveBytes();
    const refuses = (v, code) =>
        assert.throws(
            () => Session.restoreBytes(v),
            (e) => e.name === 'InputError' && e.code === code && e.message.length > 0,
            code,
        );
    refuses(s.save(), 'wrongType'); // the JSON text goes to restore()
    refuses([...bytes], 'wrongType'); // a list of numbers is not bytes
    refuses(undefined, 'wrongType');
    refuses(bytes.subarray(0, bytes.length - 1), 'invalidState'); // cut short
    refuses(new Uint8Array([0xc0]), 'missingKey'); // null: no version
    const text = new TextEncoder().encode(s.save());
    refuses(text, 'invalidState'); // JSON text as bytes is not MessagePack of a session
    // Nothing else changed.
    assert.equal(Session.restoreBytes(bytes).save(), s.save());
});

test('merge leaves the other session untouched and usable', () => {
    // What merging gives is in tests/cases/sessions.json.
    const anon = new Session('cookie-1');
    anon.track(view(NOW - 3 * DAY, { id: 'x1' }), NOW);
    anon.track(view(NOW - 2 * DAY, { id: 'x2' }), NOW);
    const saved = anon.save();
    const known = new Session('cookie-2');
    known.track(view(NOW - DAY, { id: 'x2' }), NOW);
    known.merge(anon);
    assert.equal(known.score(engine, NOW).events.scored, 2);
    assert.equal(anon.save(), saved);
    assert.equal(anon.score(engine, NOW).events.scored, 2);
});

test('events of any size reach the module whole, before and after its memory grows', async () => {
    // track copies each event into room the module keeps for input, grown for a
    // larger event, given back after an oversized one, and written through a view
    // of the module's memory that must follow the memory when it grows.
    const s = new Session('visitor-room');
    s.watch(engine);
    const note = (n) => 'n'.repeat(n);
    assert.equal(s.track(view(NOW - 9000, { note: note(10) }), NOW).tracked, 'added');
    assert.equal(
        s.track(view(NOW - 8000, { note: note(500), more: note(500), again: note(500), id: 'big' }), NOW).tracked,
        'added',
        'larger than the room',
    );
    assert.throws(
        () => s.track(view(NOW - 7000, { note: note(200_000) }), NOW),
        (e) => e.code === 'tooLong' && e.path === 'event.note',
    );
    assert.equal(s.track(view(NOW - 6000), NOW).tracked, 'added', 'after an oversized one');
    assert.equal(s.track(view(NOW - 8000, { id: 'big' }), NOW).tracked, 'duplicate', 'the large event was read whole');
    // Grow the module's memory: a batch of many leads crosses in one call.
    const before = memoryBytes();
    const many = Array.from({ length: 3000 }, () => lead(20));
    assert.equal(engine.qualifyMany(many, NOW).length, 3000);
    assert.ok(memoryBytes() > before, 'the memory grew');
    const { tracked, transitions } = s.track({ type: 'form_submit', ts: NOW - 5000, form: 'demo' }, NOW);
    assert.equal(tracked, 'added');
    assert.deepEqual(
        transitions.map((t) => t.to),
        ['sql'],
        'read after the memory grew',
    );
    // Room the memory cannot hold is refused (0), not a trap, and the room stays.
    const glue = await moduleGlue();
    const room = glue.inputRoom(4096);
    assert.equal(glue.inputRoom(0xffffffff), 0);
    assert.equal(glue.inputRoom(4096), room, 'the room is where it was');
    assert.equal(s.track(view(NOW - 4000, { id: 'after' }), NOW).tracked, 'added');
    const events = [9000, 8000, 6000, 4000]
        .map((ago) => view(NOW - ago))
        .concat({ type: 'form_submit', ts: NOW - 5000, form: 'demo' });
    assert.equal(s.score(engine, NOW).total, engine.score({ id: 'visitor-room', events }, NOW).total);
});

test('a session scores as the batch call scores the same lead', () => {
    const l = lead(3);
    const s = new Session('visitor-6');
    s.identify(l.id);
    s.updateProfile(l.profile);
    for (const e of [...l.events].reverse()) s.track(e, NOW);
    assert.deepEqual(s.score(engine, NOW), engine.score(l, NOW));
    assert.deepEqual(s.qualify(engine, NOW), engine.qualify(l, NOW), 'qualify too');
    assert.throws(
        () => s.qualify({}, NOW),
        (e) => e.name === 'InputError' && e.path === 'engine' && e.code === 'wrongType',
    );
});

for (const ex of examples()) {
    test(`example ${ex.name}: sessions fed event by event score as the batch`, () => {
        const e = new Engine(ex.rulesetText);
        ex.leads.forEach((l, i) => {
            const s = new Session(`session-${i}`);
            if (l.id !== undefined && l.id !== null) s.identify(String(l.id));
            if (l.profile) s.updateProfile(l.profile);
            let tracked = true;
            for (const event of l.events ?? []) {
                try {
                    s.track(event, NOW);
                } catch {
                    tracked = false; // the batch sets invalid events aside; the session refuses them
                }
            }
            const batch = e.score(l, NOW);
            const inc = s.score(e, NOW);
            if (tracked) {
                // The same numbers, explanation and stage; the session's leadId is its
                // subject (the session id when the lead has none), and a session counts
                // only the events it accepted.
                const same = (r) => ({ ...r, leadId: l.id == null ? undefined : r.leadId, events: r.events.scored });
                assert.deepEqual(same(inc), same(batch), `lead ${i}`);
            }
            const ev = s.evaluate(e, NOW);
            assert.equal(
                ev.transitions.length,
                ev.result.stage === 'none' ? 0 : 1,
                `lead ${i}: one transition to ${ev.result.stage}`,
            );
            assert.deepEqual(s.evaluate(e, NOW).transitions, [], `lead ${i}: reported once`);
        });
    });
}

test('track says when a watched rule set will never count the event, and the type meant', () => {
    const s = new Session('visitor-aside', { watch: [engine] });
    const answer = s.track({ type: 'pageview', ts: NOW - 10, url: '/pricing' }, NOW);
    assert.equal(answer.tracked, 'added');
    assert.deepEqual(answer.transitions, []);
    assert.equal(answer.setAside.length, 1);
    const [aside] = answer.setAside;
    assert.deepEqual(
        [aside.rulesetId, aside.type, aside.ts, aside.reason, aside.didYouMean],
        ['inline', 'pageview', NOW - 10, 'unusedType', 'page_view'],
    );
    assert.match(aside.id, /^~[A-Za-z0-9_-]{11}$/, 'the id the session gave the event');
    assert.match(aside.message, /did you mean "page_view"\?/);
    // An event the rule set counts: the common answer, nothing more.
    assert.deepEqual(s.track(view(NOW - 5), NOW), { tracked: 'added', transitions: [] });
});

test('a session restored with the engines to watch reports transitions; without, track warns', () => {
    const s = new Session('visitor-tabs', { watch: [engine] });
    s.updateProfile({ jobTitle: 'VP Sales' });
    s.track(view(NOW - 3000), NOW);
    const saved = s.save();

    const unwatched = Session.restore(saved);
    const { warning } = unwatched.track(view(NOW - 2000), NOW);
    assert.match(warning, /watches no rule set, but its saved state records progress with "inline@1"/);
    assert.deepEqual(unwatched.track(view(NOW - 1500), NOW).transitions, []);

    const watched = Session.restore(saved, { watch: [engine] });
    const answer = watched.track(view(NOW - 2000), NOW);
    assert.equal(answer.warning, undefined);
    assert.deepEqual(
        answer.transitions.map((t) => [t.from, t.to]),
        [['none', 'mql']],
    );
    const fromBytes = Session.restoreBytes(s.saveBytes(), { watch: [engine] });
    assert.deepEqual(
        fromBytes.track(view(NOW - 2000), NOW).transitions.map((t) => t.to),
        ['mql'],
    );
});

test('the debug option logs what does not count, once each', () => {
    const logged = [];
    const s = new Session('visitor-debug', { watch: [engine], debug: (entry) => logged.push(entry) });
    s.track({ type: 'pageview', ts: NOW - 100 }, NOW);
    s.track(view(NOW - 90, { id: 'e1' }), NOW);
    s.track(view(NOW - 90, { id: 'e1' }), NOW);
    s.track(view(NOW + 1000), NOW + 1000);
    assert.deepEqual(
        logged.map((e) => [e.reason, e.type]),
        [
            ['unusedType', 'pageview'],
            ['duplicate', 'page_view'],
        ],
    );
    assert.match(logged[1].message, /already holds an event with the id "e1"/);
    // Scoring logs the held events set aside not logged yet: the one after now.
    s.score(engine, NOW);
    s.qualify(engine, NOW);
    s.evaluate(engine, NOW);
    assert.deepEqual(
        logged.slice(2).map((e) => [e.reason, e.index]),
        [['afterNow', 2]],
    );

    // debug: true logs to console.debug; a restored session with progress warns once.
    const lines = [];
    const original = console.debug;
    console.debug = (...args) => lines.push(args[0]);
    try {
        const back = Session.restore(s.save(), { debug: true });
        back.track(view(NOW - 80), NOW);
        back.track(view(NOW - 70), NOW);
    } finally {
        console.debug = original;
    }
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^leadscore: this session watches no rule set/);
});

test('the ids a session gives make two tabs merge exactly', () => {
    const first = new Session('visitor-ids');
    first.track(view(NOW - 300), NOW);
    first.track(view(NOW - 300), NOW); // the same again: another event
    const saved = first.save();
    const ids = JSON.parse(saved).events.map((e) => e.id);
    assert.equal(new Set(ids).size, 2);
    const a = Session.restore(saved);
    const b = Session.restore(saved);
    a.track(view(NOW - 200), NOW);
    b.track({ type: 'form_submit', ts: NOW - 100, form: 'demo' }, NOW);
    a.merge(b);
    a.merge(b);
    assert.equal(a.score(engine, NOW).events.scored, 4);
});
