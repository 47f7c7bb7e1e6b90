// A backtest re-run: the peers' 10,000 leads scored again and again, as a marketer
// edits a rule set and scores the same history after each edit. The plain-JS
// interpreter and the hand-written scorer read their leads where they lie; leadscore
// scores them through the boundary (qualifyMany / scoreMany of the list: every lead
// written to bytes and read in the module on every run) or held in a LeadSet (read
// once; each run only scores). All in one process, taking turns; medians of the
// rounds after the first. Also: what building a set costs, as the first, while
// another is held, and 100 leads at a time, and the memory it holds.
//
// And the floor of any call that takes its lead from JavaScript (score, qualify):
// writing the lead as MessagePack (codec.js's encode, which those calls run first)
// plus scoring a lead already in the module (qualifyMany of the LeadSet). A call can
// cost no less, since it must do both, so against twice the interpreter's speed that
// sum says whether a faster reader in the module could ever meet the aim.
//
//   node benches/peers/lead-set.mjs            # pkg/
//   ROUNDS=11 node benches/peers/lead-set.mjs path/to/pkg
//
// Reads the leads scripts/bench-js.sh generates (target/peers-bench, or
// $LEADSCORE_BENCH_DIR); every engine must agree on every lead's score and MQL flag.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = path.resolve(process.argv[2] || path.join(HERE, '../../pkg'));
const BENCH = process.env.LEADSCORE_BENCH_DIR || path.resolve(HERE, '../../target/peers-bench');
const ROUNDS = Number(process.env.ROUNDS || 9);
const bench = (f) => import(pathToFileURL(path.join(BENCH, f)).href);
const { loadWorkload } = await bench('workload.mjs');
const { makeNeutralInterpreter, scoreLeadHandwritten } = await bench('reference.mjs');
const { ruleset: neutral, asOf, leads: all } = await loadWorkload(BENCH);

const { Engine, LeadSet } = createRequire(import.meta.url)(path.join(PKG, 'index.node.cjs'));
const { encode } = await import(pathToFileURL(path.join(PKG, 'codec.js')).href);
const engine = new Engine(readFileSync(path.join(HERE, 'ruleset.json'), 'utf8'));
const interpret = makeNeutralInterpreter(neutral);
const leads = all.map((l) => ({ id: l.id, profile: l.profile, events: l.events }));
const n = leads.length;

global.gc?.();
const rssBefore = process.memoryUsage().rss;
let t0 = performance.now();
const set = new LeadSet(leads);
const buildMs = performance.now() - t0;
global.gc?.();
const heldBytes = process.memoryUsage().rss - rssBefore;

/** Each returns every lead's [score, mql] as one string, to check they agree. */
const runs = {
    'hand-written JS': () => all.map((l) => `${scoreLeadHandwritten(l).score}`).join(),
    'plain-JS interpreter': () => all.map((l) => `${interpret(l).score}`).join(),
    'qualifyMany(list)': () =>
        engine
            .qualifyMany(leads, asOf)
            .map((q) => `${q.total}`)
            .join(),
    'qualifyMany(LeadSet)': () =>
        engine
            .qualifyMany(set, asOf)
            .map((q) => `${q.total}`)
            .join(),
    'scoreMany(LeadSet)': () =>
        engine
            .scoreMany(set, asOf)
            .map((r) => `${r.total}`)
            .join(),
};
const WRITE = 'writing each lead (encode), no call';
/** The bytes written, so that the work cannot be skipped. */
const write = () => leads.reduce((bytes, l) => bytes + encode(l).length, 0);
const names = Object.keys(runs);
const times = Object.fromEntries([...names, WRITE].map((k) => [k, []]));
let want;
let written;
for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? [...names, WRITE] : [WRITE, ...names].reverse();
    for (const name of order) {
        const t = performance.now();
        const got = name === WRITE ? write() : runs[name]();
        const ms = performance.now() - t;
        if (round > 0) times[name].push(ms);
        if (name === WRITE) {
            written = got;
            continue;
        }
        want ??= got;
        if (got !== want) throw new Error(`${name} disagrees with ${names[0]}`);
    }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const interp = median(times['plain-JS interpreter']);
console.log(
    `${n} leads, ${set.events} events; ${ROUNDS} rounds; ${os.cpus()[0].model}, load ${os.loadavg()[0].toFixed(2)}; ${PKG}\n`,
);
console.log('| run | ms / 10,000 leads (median) | µs / lead | × the interpreter |');
console.log('|---|---|---|---|');
for (const name of [...names, WRITE]) {
    const ms = median(times[name]);
    console.log(`| ${name} | ${ms.toFixed(1)} | ${((ms * 1000) / n).toFixed(2)} | ${(interp / ms).toFixed(2)} |`);
}
const perLead = (name) => (median(times[name]) * 1000) / n;
const floor = perLead(WRITE) + perLead('qualifyMany(LeadSet)');
console.log(
    `\nthe floor of a call that takes its lead from JavaScript: writing it ${perLead(WRITE).toFixed(2)} µs ` +
        `(${Math.round(written / n)} bytes a lead) + scoring it held ${perLead('qualifyMany(LeadSet)').toFixed(2)} µs = ` +
        `${floor.toFixed(2)} µs, ${(perLead('plain-JS interpreter') / floor).toFixed(2)}× the interpreter ` +
        `(twice the interpreter is ${(perLead('plain-JS interpreter') / 2).toFixed(2)} µs)`,
);
console.log(
    `\nnew LeadSet(leads): ${buildMs.toFixed(0)} ms (${((buildMs * 1000) / n).toFixed(1)} µs / lead), the process's resident memory grown by ${(heldBytes / 2 ** 20).toFixed(0)} MiB`,
);

// Building while another set is held, so that the module's memory must grow again
// (each growth in small steps once cost a full garbage collection in Node), and a
// set added to 100 leads at a time, as a file read in chunks would be.
t0 = performance.now();
const second = new LeadSet(leads);
const secondMs = performance.now() - t0;
t0 = performance.now();
const chunked = new LeadSet([]);
for (let i = 0; i < n; i += 100) chunked.add(leads.slice(i, i + 100));
const chunkedMs = performance.now() - t0;
console.log(
    `while it is held: another new LeadSet(leads) ${secondMs.toFixed(0)} ms; a set added to 100 leads at a time ${chunkedMs.toFixed(0)} ms`,
);
for (const s of [set, second, chunked]) s.free();
