// Cold start of the package in workerd (the runtime of Cloudflare Workers), with the
// workerd npm package that tests/js installs (scripts/test-js.sh, scripts/bench-js.sh).
//
//   node workerd-coldstart.mjs [--n 5] [--dir <prepared peers-bench copy>]
//
// Three workers, each started --n times in a fresh workerd process (interleaved):
//   baseline  no leadscore: the same JSON modules, answers {ok: true}
//   eager     imports the workerd entry (instantiates the module), compiles the rule
//             set and scores the sample lead at the top level (module evaluation)
//   lazy      imports the workerd entry at the top level; compiles the rule set and
//             scores the sample lead in the first request
// Timings from outside (Node, hrtime): spawn until the first HTTP answer (polling
// connect every 2 ms), and for `lazy` the latency of the first and of the second request.
// Timings from inside (Date.now() and performance.now(), whole milliseconds): at the
// top level of a module workerd reports 0 for both (no clock at startup), so module
// load cannot be timed from inside; in a request handler the clock runs (1 ms steps;
// Cloudflare's production runtime moreover advances it only on I/O), so `lazy` gives
// the engine compile + first score as seen inside. All figures are reported as read.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (k, d) => {
    const i = args.indexOf(k);
    return i >= 0 ? args[i + 1] : d;
};
const N = Number(opt('--n', 5));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const PKG = process.env.LEADSCORE_PKG || path.join(ROOT, 'pkg');
const BENCH = path.resolve(opt('--dir', process.cwd()));

let workerd;
try {
    workerd = createRequire(path.join(ROOT, 'tests/js/package.json'))('workerd');
} catch {
    console.log('workerd-coldstart: skipped, workerd is not installed in tests/js (run scripts/test-js.sh once)');
    process.exit(0);
}

const sample = JSON.parse(fs.readFileSync(path.join(BENCH, 'sample-lead.json'), 'utf8'));
const lead = { id: sample.lead.id, profile: sample.lead.profile, events: sample.lead.events };

const T0 = `export const d0 = Date.now(); export const p0 = performance.now();\n`;
const WORKERS = {
    baseline: `import { d0, p0 } from './t0.js';
import rules from './ruleset.json';
import sample from './sample.json';
const inside = { d0, p0, dEnd: Date.now(), pEnd: performance.now(), rules: rules.id, lead: sample.lead.id };
export default { async fetch() { return Response.json({ ok: true, inside }); } };
`,
    eager: `import { d0, p0 } from './t0.js';
import { Engine } from './index.workerd.js';
import rules from './ruleset.json';
import sample from './sample.json';
const dImported = Date.now(), pImported = performance.now();
const engine = new Engine(rules);
const dCompiled = Date.now(), pCompiled = performance.now();
const first = engine.score(sample.lead, sample.asOf);
const inside = { d0, p0, dImported, pImported, dCompiled, pCompiled, dEnd: Date.now(), pEnd: performance.now() };
export default { async fetch() { return Response.json({ ok: true, total: first.total, stage: first.stage, inside }); } };
`,
    lazy: `import { d0, p0 } from './t0.js';
import { Engine } from './index.workerd.js';
import rules from './ruleset.json';
import sample from './sample.json';
const dImported = Date.now(), pImported = performance.now();
let engine;
export default {
    async fetch() {
        const d1 = Date.now(), p1 = performance.now();
        const cold = !engine;
        engine ??= new Engine(rules);
        const r = engine.score(sample.lead, sample.asOf);
        return Response.json({ ok: true, cold, total: r.total, stage: r.stage, inside: { d0, p0, dImported, pImported, d1, p1, dEnd: Date.now(), pEnd: performance.now() } });
    },
};
`,
};

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

const dirs = {};
for (const name of Object.keys(WORKERS)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `leadscore-workerd-cold-${name}-`));
    dirs[name] = dir;
    for (const f of ['index.workerd.js', 'leadscore.js', 'api.js', 'errors.js', 'codec.js', 'leadscore_bg.wasm'])
        fs.copyFileSync(path.join(PKG, f), path.join(dir, f));
    fs.copyFileSync(path.join(HERE, 'ruleset.json'), path.join(dir, 'ruleset.json'));
    fs.writeFileSync(path.join(dir, 'sample.json'), JSON.stringify({ asOf: sample.asOf, lead }));
    fs.writeFileSync(path.join(dir, 't0.js'), T0);
    fs.writeFileSync(path.join(dir, 'worker.js'), WORKERS[name]);
}

const hr = () => Number(process.hrtime.bigint()) / 1e6;

async function runOnce(name) {
    const dir = dirs[name];
    const port = await freePort();
    const leadscoreModules =
        name === 'baseline'
            ? ''
            : `    (name = "index.workerd.js", esModule = embed "index.workerd.js"),
    (name = "leadscore.js", esModule = embed "leadscore.js"),
    (name = "api.js", esModule = embed "api.js"),
    (name = "errors.js", esModule = embed "errors.js"),
    (name = "codec.js", esModule = embed "codec.js"),
    (name = "leadscore_bg.wasm", wasm = embed "leadscore_bg.wasm"),
`;
    fs.writeFileSync(
        path.join(dir, 'config.capnp'),
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "t0.js", esModule = embed "t0.js"),
${leadscoreModules}    (name = "ruleset.json", json = embed "ruleset.json"),
    (name = "sample.json", json = embed "sample.json"),
  ],
  compatibilityDate = "${workerd.compatibilityDate ?? '2025-01-01'}",
);
`,
    );
    const t0 = hr();
    const child = spawn(workerd.default, ['serve', path.join(dir, 'config.capnp')], {
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (c) => (log += c));
    let exitCode = null;
    const exited = new Promise((r) => child.on('exit', (code) => r((exitCode = code ?? 'signal'))));
    try {
        // Wait for the socket, then time the requests.
        for (;;) {
            if (exitCode !== null) throw new Error(`workerd exited (${exitCode}):\n${log}`);
            if (hr() - t0 > 30_000) throw new Error(`workerd did not listen in 30 s:\n${log}`);
            const ok = await new Promise((r) => {
                const s = net.connect(port, '127.0.0.1', () => {
                    s.destroy();
                    r(true);
                });
                s.on('error', () => r(false));
            });
            if (ok) break;
            await new Promise((r) => setTimeout(r, 2));
        }
        const tListen = hr();
        const r1 = await (await fetch(`http://127.0.0.1:${port}/`)).json();
        const tFirst = hr();
        const r2 = await (await fetch(`http://127.0.0.1:${port}/`)).json();
        const tSecond = hr();
        return {
            listenMs: tListen - t0,
            firstAnswerMs: tFirst - t0,
            firstReqMs: tFirst - tListen,
            secondReqMs: tSecond - tFirst,
            first: r1,
            second: r2,
        };
    } finally {
        child.kill('SIGKILL');
        await exited;
    }
}

const samples = Object.fromEntries(Object.keys(WORKERS).map((k) => [k, []]));
for (const name of Object.keys(WORKERS)) await runOnce(name); // warm the file cache
for (let i = 0; i < N; i++) for (const name of Object.keys(WORKERS)) samples[name].push(await runOnce(name));
for (const dir of Object.values(dirs)) fs.rmSync(dir, { recursive: true, force: true });

const med = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const m = (name, k) => med(samples[name].map((s) => s[k])).toFixed(1);
console.log(
    `workerd ${workerd.version ?? ''} (compatibility date ${workerd.compatibilityDate}), ${N} fresh processes per worker, medians; loadavg ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
);
console.log('| worker | spawn → listening ms | spawn → first answer ms | 1st request ms | 2nd request ms | score |');
console.log('|---|---|---|---|---|---|');
for (const name of Object.keys(WORKERS)) {
    const f = samples[name][0].first;
    console.log(
        `| ${name} | ${m(name, 'listenMs')} | ${m(name, 'firstAnswerMs')} | ${m(name, 'firstReqMs')} | ${m(name, 'secondReqMs')} | ${f.total === undefined ? '-' : `${f.total} (${f.stage})`} |`,
    );
}
const inside = (name) => {
    const i = samples[name][0].first.inside;
    return Object.entries(i)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
};
console.log('inside the worker, first sample as read (ms):');
for (const name of Object.keys(WORKERS)) console.log(`  ${name}: ${inside(name)}`);
const handler = (r) => r.inside.dEnd - r.inside.d1;
console.log(
    `lazy, inside the fetch handler (Date.now(), 1 ms steps), median: first request (new Engine + first score) ${med(samples.lazy.map((s) => handler(s.first)))} ms, second request (score) ${med(samples.lazy.map((s) => handler(s.second)))} ms`,
);
const { scoreLeadHandwritten } = await import(new URL(`file://${path.join(BENCH, 'reference.mjs')}`).href);
const want = scoreLeadHandwritten({ ...lead, asOf: sample.asOf });
const got = [...samples.eager, ...samples.lazy].flatMap((s) => [s.first, s.second]);
const bad = got.filter((r) => r.total !== want.score || (r.stage !== 'none') !== want.mql).length;
console.log(
    `sample lead: hand-written ${want.score} (mql ${want.mql}); workerd answers ${bad === 0 ? 'all identical' : `${bad} MISMATCHES`}; loadavg at end ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
);
if (bad) process.exitCode = 1;
