// The peer workload in headless Chromium: leadscore's browser entry (pkg/index.js,
// init() fetching the .wasm) against the hand-written scorer and the plain-JS
// interpreter of shared/peers-bench (reference.mjs, loaded as is), timed in the same
// page, plus leadscore's batch call and session loop. Every engine's scores are
// checked against the hand-written ones. Run from a prepared copy of the peer
// benchmark (scripts/bench-js.sh does that):
//
//   node leadscore-chromium.mjs [--runs 5] [--leads 10000] [--session-leads 1000] [--dir .]
//
// Chromium: CHROME_BIN, else chromium on PATH (Debian: apt-get install chromium).
// Passes last 100 ms or more, so the page's coarse clock (0.1 ms) does not matter.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileIn, findChromium, runPage } from '../../tests/js/helpers.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : d;
};
const RUNS = Number(opt('--runs', 5));
const LEADS = Number(opt('--leads', 10000));
const SESSION_LEADS = Number(opt('--session-leads', 1000));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = process.env.LEADSCORE_PKG || path.resolve(HERE, '../../pkg');
const BENCH = path.resolve(opt('--dir', process.cwd()));
const load = () =>
    os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ');

const chromium = findChromium();
if (!chromium) {
    console.log('Chromium: skipped (no Chromium: apt-get install chromium, or set CHROME_BIN)');
    process.exit(0);
}
const version = (await import('node:child_process'))
    .spawnSync(chromium, ['--version'], { encoding: 'utf8' })
    .stdout.trim();

// The page: everything it measures and checks, posted back as JSON.
const PAGE = `<!doctype html><meta charset="utf-8"><title>leadscore bench</title>
<script type="module">
const out = { errors: [] };
try {
    const { init, Engine, Session, LeadSet } = await import('/pkg/index.js');
    const { makeNeutralInterpreter, scoreLeadHandwritten } = await import('/peers/reference.mjs');
    const config = await (await fetch('/config.json')).json();
    await init();
    const data = await (await fetch('/peers/leads.json')).json();
    const neutral = await (await fetch('/peers/ruleset.neutral.json')).json();
    const rules = await (await fetch('/ruleset.json')).json();
    const asOf = data.asOf;
    // As the peer harness's loadWorkload does: every engine reads asOf from the lead.
    for (const l of data.leads) l.asOf = asOf;
    const leads = data.leads.slice(0, config.leads);
    const ours = leads.map((l) => ({ id: l.id, profile: l.profile, events: l.events }));
    const expected = leads.map((l) => scoreLeadHandwritten(l));
    const interp = makeNeutralInterpreter(neutral);
    const engine = new Engine(rules);
    const chunks = [];
    for (let i = 0; i < ours.length; i += 1000) chunks.push(ours.slice(i, i + 1000));
    const asPair = (r) => ({ score: r.total, mql: r.stage !== 'none' });
    const engines = {
        'hand-written JS': () => leads.map((l) => scoreLeadHandwritten(l)),
        'plain-JS interpreter': () => leads.map((l) => interp(l)),
        'leadscore engine.score': () => ours.map((l) => asPair(engine.score(l, asOf))),
        'leadscore engine.qualify': () => ours.map((l) => asPair(engine.qualify(l, asOf))),
        'leadscore scoreMany (1000 per call)': () => chunks.flatMap((c) => engine.scoreMany(c, asOf)).map(asPair),
        'leadscore qualifyMany (1000 per call)': () => chunks.flatMap((c) => engine.qualifyMany(c, asOf)).map(asPair),
        // A backtest re-run: the leads read once into a LeadSet (below), scored again.
        'leadscore qualifyMany(LeadSet)': () => engine.qualifyMany(held, asOf).map(asPair),
    };
    const held = new LeadSet(ours);
    out.mismatches = {};
    for (const [name, run] of Object.entries(engines)) {
        const got = run();
        out.mismatches[name] = got.filter((r, i) => r.score !== expected[i].score || r.mql !== expected[i].mql).length;
    }
    const times = Object.fromEntries(Object.keys(engines).map((k) => [k, []]));
    const names = Object.keys(engines);
    for (let r = 0; r < config.runs; r++) {
        for (let k = 0; k < names.length; k++) {
            const name = names[(k + r) % names.length];
            const t0 = performance.now();
            engines[name]();
            times[name].push(performance.now() - t0);
        }
    }
    out.throughput = times;
    out.events = leads.reduce((s, l) => s + l.events.length, 0);

    // Session loop: a visitor's events one at a time, as the page tracks them.
    const sessionLeads = ours.slice(0, config.sessionLeads);
    out.sessionEvents = sessionLeads.reduce((s, l) => s + l.events.length, 0);
    const { sessionLoop } = await import('/session-loop.mjs');
    const { times: sess, mismatches } = sessionLoop({ Session, engine, leads: sessionLeads, expected, asOf, runs: config.runs });
    out.sessionMismatches = mismatches;
    out.sessions = sess;
} catch (e) {
    out.errors.push(String((e && e.stack) || e));
}
await fetch('/result', { method: 'POST', body: JSON.stringify(out) });
</script>`;

const files = {
    '/config.json': () => ({
        type: 'application/json',
        body: JSON.stringify({ runs: RUNS, leads: LEADS, sessionLeads: SESSION_LEADS }),
    }),
    '/ruleset.json': () => fileIn(HERE, 'ruleset.json'),
    '/session-loop.mjs': () => fileIn(HERE, 'session-loop.mjs'),
};
const route = (url) => {
    if (url.pathname === '/') return { type: 'text/html', body: PAGE };
    if (files[url.pathname]) return files[url.pathname]();
    if (url.pathname.startsWith('/pkg/')) return fileIn(PKG, url.pathname);
    if (url.pathname.startsWith('/peers/')) return fileIn(BENCH, url.pathname);
    return null;
};
const {
    results: [out],
} = await runPage(chromium, route, { timeoutMs: 600_000 });
if (out.errors.length) {
    console.error(out.errors.join('\n'));
    process.exit(1);
}

const median = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const leads = Math.min(LEADS, 10000);
console.log(
    `${version}, headless; ${leads} leads, ${out.events} events, ${RUNS} runs interleaved, medians; loadavg ${load()}`,
);
let bad = 0;
for (const [name, n] of Object.entries(out.mismatches)) {
    console.log(`${name.padEnd(40)} verify: ${n === 0 ? 'OK, identical scores+MQL for all leads' : `${n} MISMATCHES`}`);
    bad += n;
}
console.log('\n| engine (in Chromium) | ms / pass (median, min-max) | leads/s | events/s | µs/lead |');
console.log('|---|---|---|---|---|');
for (const [name, t] of Object.entries(out.throughput)) {
    const ms = median(t);
    console.log(
        `| ${name} | ${ms.toFixed(1)} (${Math.min(...t).toFixed(1)}-${Math.max(...t).toFixed(1)}) | ${Math.round(leads / (ms / 1000)).toLocaleString('en-US')} | ${Math.round(out.events / (ms / 1000)).toLocaleString('en-US')} | ${((ms * 1000) / leads).toFixed(2)} |`,
    );
}
console.log(
    `\nsession verify: ${out.sessionMismatches === 0 ? 'OK, 0 mismatches' : `${out.sessionMismatches} MISMATCHES`} (the total and qualified stage of each session, in an untimed pass of each mode before the timed ones and after)`,
);
bad += out.sessionMismatches;
console.log(
    `| session loop in Chromium (${SESSION_LEADS} leads, ${out.sessionEvents} events) | ms (median) | µs per tracked event |`,
);
console.log('|---|---|---|');
for (const [mode, t] of Object.entries(out.sessions)) {
    const ms = median(t);
    console.log(`| ${mode} | ${ms.toFixed(1)} | ${((ms * 1000) / out.sessionEvents).toFixed(2)} |`);
}
console.log(`loadavg at end: ${load()}`);
if (bad) process.exitCode = 1;
