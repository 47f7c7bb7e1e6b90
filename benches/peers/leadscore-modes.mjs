// The leadscore calls the peer harness (bench.mjs, one evaluate(lead) at a time)
// cannot time: the other ways into the package over the same workload, and the
// session loop, all checked against the harness's hand-written scores. Run from a
// prepared copy of shared/peers-bench (leads.json written by `node workload.mjs`);
// scripts/bench-js.sh does that.
//
//   node --expose-gc leadscore-modes.mjs [--runs 5] [--chunk 1000] [--session-leads 1000]
//
// Modes (medians over --runs timed passes over the 10,000 leads, interleaved):
//   score            engine.score(lead, now)                           (the harness's adapter)
//   scoreJson        engine.scoreJson(JSON.stringify(lead), now), JSON.parse of the result
//   scoreJson-only   engine.scoreJson(text, now) on pre-stringified leads, result left as text
//                    (JSON.parse, encode, score, decode, JSON.stringify inside the call)
//   scoreMany        engine.scoreMany(chunk, now), chunks of --chunk leads
//   scoreManyJson    engine.scoreManyJson(JSON.stringify(chunk), now), JSON.parse of the result
//   qualify          engine.qualify(lead, now): the figures without the explanation
//   qualifyMany      engine.qualifyMany(chunk, now)
// The session loop over the first --session-leads leads (session-loop.mjs says
// which modes): µs per tracked event, each session's score checked against the
// hand-written one in untimed passes before and after the timed ones.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sessionLoop } from './session-loop.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : d;
};
const RUNS = Number(opt('--runs', 5));
const CHUNK = Number(opt('--chunk', 1000));
const SESSION_LEADS = Number(opt('--session-leads', 1000));
const gc = globalThis.gc ?? (() => {});
const load = () =>
    os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = process.env.LEADSCORE_PKG || path.resolve(HERE, '../../pkg');
const BENCH = path.resolve(opt('--dir', process.cwd()));
const { loadWorkload } = await import(pathToFileURL(path.join(BENCH, 'workload.mjs')).href);
const { scoreLeadHandwritten } = await import(pathToFileURL(path.join(BENCH, 'reference.mjs')).href);
const { Engine, Session } = await import(pathToFileURL(path.join(PKG, 'index.node.js')).href);

const { asOf, leads } = await loadWorkload(BENCH);
const expected = leads.map(scoreLeadHandwritten);
const ours = leads.map((l) => ({ id: l.id, profile: l.profile, events: l.events }));
const texts = ours.map((l) => JSON.stringify(l));
const nEvents = leads.reduce((s, l) => s + l.events.length, 0);
const engine = new Engine(readFileSync(path.join(HERE, 'ruleset.json'), 'utf8'));
console.log(
    `leadscore modes: ${leads.length} leads, ${nEvents} events; node ${process.version}; pkg ${PKG}; loadavg ${load()}`,
);

const chunks = (a) =>
    Array.from({ length: Math.ceil(a.length / CHUNK) }, (_, i) => a.slice(i * CHUNK, (i + 1) * CHUNK));
const leadChunks = chunks(ours);

// Each mode returns [{total, stage}] for the verification pass; timed passes reuse it.
const modes = {
    score: () => ours.map((l) => engine.score(l, asOf)),
    scoreJson: () => ours.map((l) => JSON.parse(engine.scoreJson(JSON.stringify(l), asOf))),
    'scoreJson-only': () => texts.map((t) => engine.scoreJson(t, asOf)),
    scoreMany: () => leadChunks.flatMap((c) => engine.scoreMany(c, asOf)),
    scoreManyJson: () => leadChunks.flatMap((c) => JSON.parse(engine.scoreManyJson(JSON.stringify(c), asOf))),
    qualify: () => ours.map((l) => engine.qualify(l, asOf)),
    qualifyMany: () => leadChunks.flatMap((c) => engine.qualifyMany(c, asOf)),
};

function check(name, results) {
    let bad = 0;
    results.forEach((r, i) => {
        if (typeof r === 'string') r = JSON.parse(r);
        if (r.total !== expected[i].score || (r.stage !== 'none') !== expected[i].mql) bad++;
    });
    console.log(`${name.padEnd(15)} verify: ${bad === 0 ? 'OK, 0 mismatches' : `${bad} MISMATCHES`}`);
    if (bad) process.exitCode = 1;
}
for (const [name, run] of Object.entries(modes)) check(name, run());

const times = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
const names = Object.keys(modes);
for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        gc();
        const t0 = performance.now();
        modes[name]();
        times[name].push(performance.now() - t0);
    }
}
const median = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
    `\n| leadscore call (${RUNS} runs, chunks of ${CHUNK}) | ms / 10k leads (median, min-max) | leads/s | events/s | µs/lead |`,
);
console.log('|---|---|---|---|---|');
for (const name of names) {
    const ms = median(times[name]);
    console.log(
        `| ${name} | ${ms.toFixed(1)} (${Math.min(...times[name]).toFixed(1)}-${Math.max(...times[name]).toFixed(1)}) | ${Math.round(leads.length / (ms / 1000)).toLocaleString('en-US')} | ${Math.round(nEvents / (ms / 1000)).toLocaleString('en-US')} | ${((ms * 1000) / leads.length).toFixed(2)} |`,
    );
}

// Session loop.
const sessionLeads = leads.slice(0, SESSION_LEADS);
const sessionEvents = sessionLeads.reduce((s, l) => s + l.events.length, 0);
const { times: sess, mismatches: sessBad } = sessionLoop({
    Session,
    engine,
    leads: sessionLeads,
    expected,
    asOf,
    runs: RUNS,
    beforePass: gc,
});
console.log(
    `\nsession verify: ${sessBad === 0 ? 'OK, 0 mismatches' : `${sessBad} MISMATCHES`} (the total and qualified stage of each of ${sessionLeads.length} sessions, in an untimed pass of each mode before the timed ones and after)`,
);
if (sessBad) process.exitCode = 1;
console.log(
    `| session loop (${sessionLeads.length} leads, ${sessionEvents} events, ${RUNS} runs) | ms (median) | µs per tracked event |`,
);
console.log('|---|---|---|');
for (const [name, t] of Object.entries(sess)) {
    const ms = median(t);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((ms * 1000) / sessionEvents).toFixed(2)} |`);
}
// The edge worker's request: a saved session comes in with one event, is tracked and
// evaluated authoritatively, and is saved again; the state kept as JSON text (save /
// restore) or as bytes (saveBytes / restoreBytes). Every answer is checked against a
// session kept in memory that saw the same event.
const edgeSessions = sessionLeads.map((l) => {
    const s = new Session(l.id);
    s.updateProfile(l.profile);
    for (const e of l.events) s.track(e, asOf);
    s.evaluate(engine, asOf);
    return s;
});
const edgeEvent = { type: 'page_view', ts: asOf, url: '/pricing' };
const edgeWant = edgeSessions.map((s) => {
    const c = Session.restore(s.save());
    c.track(edgeEvent, asOf);
    const t = c.evaluate(engine, asOf).result.total;
    c.free();
    return t;
});
const edgeText = edgeSessions.map((s) => s.save());
const edgeBytes = edgeSessions.map((s) => s.saveBytes());
/** One pass of edge requests over `states`, kept with `restore` / `save`; counts wrong totals. */
const edgeRequests = (states, restore, save) => () => {
    let bad = 0;
    for (let i = 0; i < states.length; i++) {
        const s = restore(states[i]);
        s.track(edgeEvent, asOf);
        if (s.evaluate(engine, asOf).result.total !== edgeWant[i]) bad++;
        save(s);
        s.free();
    }
    return bad;
};
const EDGE = {
    'state as JSON text (restore / save)': edgeRequests(
        edgeText,
        (x) => Session.restore(x),
        (s) => s.save(),
    ),
    'state as bytes (restoreBytes / saveBytes)': edgeRequests(
        edgeBytes,
        (x) => Session.restoreBytes(x),
        (s) => s.saveBytes(),
    ),
};
const edge = Object.fromEntries(Object.keys(EDGE).map((m) => [m, []]));
let edgeBad = Object.values(EDGE).reduce((n, f) => n + f(), 0);
for (let r = 0; r < RUNS; r++) {
    for (const [name, f] of Object.entries(EDGE)) {
        gc();
        const t0 = performance.now();
        edgeBad += f();
        edge[name].push(performance.now() - t0);
    }
}
const mean = (xs) => Math.round(xs.reduce((a, x) => a + x.length, 0) / xs.length);
console.log(
    `\nedge verify: ${edgeBad === 0 ? 'OK, 0 mismatches' : `${edgeBad} MISMATCHES`}; saved state: ${mean(edgeText)} characters of JSON, ${mean(edgeBytes)} bytes`,
);
if (edgeBad) process.exitCode = 1;
console.log(
    `| edge request: restore, track, evaluate, save (${edgeSessions.length} sessions, ${RUNS} runs) | ms (median) | µs per request |`,
);
console.log('|---|---|---|');
for (const [name, t] of Object.entries(edge)) {
    const ms = median(t);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((ms * 1000) / edgeSessions.length).toFixed(1)} |`);
}
edgeSessions.forEach((s) => s.free());

console.log(`\nloadavg at end: ${load()}`);
