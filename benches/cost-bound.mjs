// What the worst input can cost, with the worst rule sets the compiler accepts: the
// figures behind docs/SECURITY.md ("The cost bound"). Each rule set spends the whole
// cost budget of docs/RULESET.md section 11 (250,000,000 steps a lead) one way; one
// step more of the same kind is refused (`tooCostly`), which this checks first. The
// events are as heavy as the limits allow and match nothing, so every test runs in
// full. It reports, in this Node.js, for each rule set and kind of text:
//
// - track: µs for `session.track` of one such event into a session already holding
//   1,000 of them, with the engine watched (what one request of the edge worker or
//   one event on the page costs);
// - lead: ms for `engine.score` of a lead with 1,000 such events (a batch lead);
// - call: ms for the heaviest `scoreMany` within the default call limits: as many
//   leads as `maxInputBytes` admits, either with 1,000 such events each or with a
//   profile alone, until scored or refused at `maxCallSteps` (`tooCostly`).
//
// Medians of a few rounds, bounded in count (ROUNDS) and time.
//
//   node benches/cost-bound.mjs [pkg dir]     # default: pkg (scripts/build-pkg.sh)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dir = path.resolve(process.argv[2] ?? path.join(HERE, '../pkg'));
const { Engine, Session, limits } = require(path.join(dir, 'index.node.cjs'));

const NOW = 1_795_000_000_000;
const HISTORY = 1_000;
const ROUNDS = 5;
/// The heaviest event type's weight a rule set may have with no profile rules:
/// 250,000,000 / 256,000 (docs/RULESET.md section 11).
const EVENT_WEIGHT = 976;
/// The heaviest profile weight with no event filters: 250,000,000 / 4,096.
const PROFILE_WEIGHT = 61_035;
const SEARCH = 16;

// Texts as long as a property text may be (512 bytes), in a list property of as
// many as fit an event's weight of 4,096: ASCII, and Greek capitals (two bytes
// each, folded with the final-sigma rule).
const TEXTS = {
    ascii: 'a'.repeat(512),
    greek: 'Σ'.repeat(256),
};
const ITEMS = 7; // 7 × (512 + 3) + the rest of the event stays under 4,096

const needle = (i, len) => `${'a'.repeat(len - 6)}${String(i).padStart(5, '0')}b`;

// Each rule set puts its whole budget into one kind of test. `n` is how many of the
// test's texts fit; `build(n)` makes the rule set; `n + 1` must be refused.
const RULE_SETS = {
    'contains, 61 texts on one event type': {
        n: Math.floor(EVENT_WEIGHT / SEARCH),
        build: (n) => eventRules({ contains: Array.from({ length: n }, (_, i) => needle(i, 40)) }),
    },
    'like, one pattern of 60 runs between stars': {
        n: Math.floor(EVENT_WEIGHT / SEARCH) - 1,
        build: (n) => eventRules({ like: `*${'aab*'.repeat(n)}` }),
    },
    'startsWith, 976 texts of 1,024 bytes': {
        n: EVENT_WEIGHT,
        build: (n) => eventRules({ startsWith: Array.from({ length: n }, (_, i) => needle(i, 1_024)) }),
    },
    'contains on the profile, 3,814 texts': {
        n: Math.floor(PROFILE_WEIGHT / SEARCH),
        build: (n) => ({
            ...base(),
            fit: [
                {
                    id: 'title',
                    points: 5,
                    when: { field: 'notes', contains: Array.from({ length: n }, (_, i) => needle(i, 40)) },
                },
            ],
            engagement: [{ id: 'login', event: 'login', points: 5 }],
        }),
    },
};

// The threshold stays out of reach of the events measured (they match nothing), so a
// watched engine is scored at every track: a lead that could not move would not be.
function base() {
    return { schema: 'leadscore.ruleset/v1', id: 'cost-bound', version: '1', stages: { mql: { threshold: 1_000 } } };
}

function eventRules(test) {
    return {
        ...base(),
        fit: [{ id: 'any', points: 1, when: { field: 'country', exists: true } }],
        engagement: [{ id: 'heavy', event: 'page_view', where: { field: 'tags', ...test }, points: 5 }],
    };
}

const event = (text, i) => ({ type: 'page_view', ts: NOW - (HISTORY - i) * 60_000, tags: Array(ITEMS).fill(text) });
// The profile as heavy as the limit allows: one text field of 64 KiB less room for
// the rest.
const profile = (text) => ({ country: 'DE', notes: text.repeat(Math.floor(65_000 / Buffer.byteLength(text))) });
const lead = (id, text) => ({
    id,
    profile: profile(text),
    events: Array.from({ length: HISTORY }, (_, i) => event(text, i)),
});

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/// The median of up to ROUNDS runs, fewer once they have taken 10 s.
function medianWithin(run) {
    const times = [];
    const t0 = performance.now();
    while (times.length < ROUNDS && performance.now() - t0 < 10_000) times.push(run());
    return median(times);
}

function time(f) {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
}

function measure(engine, text) {
    const session = new Session('visitor');
    session.updateProfile(profile(text));
    session.watch(engine);
    for (let i = 0; i < HISTORY; i++) session.track(event(text, i), NOW);
    const track = median(
        Array.from({ length: ROUNDS * 4 }, (_, r) => time(() => session.track(event(text, HISTORY + r), NOW)) * 1000),
    );
    session.free();

    const one = lead('l0', text);
    const leadMs = medianWithin(() => time(() => engine.score(one, NOW)));

    // The heaviest call: as many leads as one call's input limit admits (MessagePack
    // is about JSON's size), either with full histories or with profiles only.
    const shapes = [one, { id: 'p', profile: profile(text), events: [] }].map((shape) => {
        const count = Math.max(1, Math.floor(limits().maxInputBytes / Buffer.byteLength(JSON.stringify(shape))));
        const leads = Array.from({ length: count }, (_, i) => ({ ...shape, id: `l${i}` }));
        let refused;
        const ms = medianWithin(() =>
            time(() => {
                try {
                    engine.scoreMany(leads, NOW);
                } catch (e) {
                    refused = `${e.code} at ${e.path}`;
                }
            }),
        );
        return { count, ms, refused };
    });
    const heaviest = shapes.reduce((a, b) => (b.ms > a.ms ? b : a));
    return { track, leadMs, heaviest };
}

console.log(`Node.js ${process.version}, ${dir}`);
console.log('| Rule set | Text | track (µs) | lead of 1,000 events (ms) | heaviest call |');
console.log('|---|---|---|---|---|');
for (const [name, { n, build }] of Object.entries(RULE_SETS)) {
    let refused;
    try {
        new Engine(build(n + 1)).free();
    } catch (e) {
        refused = e.problems?.map((p) => p.code).join(', ');
    }
    if (!refused?.split(', ').includes('tooCostly'))
        throw new Error(`${name}: one more is not refused as tooCostly (${refused})`);
    const engine = new Engine(build(n));
    for (const [kind, text] of Object.entries(TEXTS)) {
        const { track, leadMs, heaviest } = measure(engine, text);
        const outcome = heaviest.refused ? `, ${heaviest.refused}` : '';
        const call = `${heaviest.ms.toFixed(0)} ms (${heaviest.count} leads${outcome})`;
        console.log(`| ${name} | ${kind} | ${track.toFixed(0)} | ${leadMs.toFixed(0)} | ${call} |`);
    }
    engine.free();
}
