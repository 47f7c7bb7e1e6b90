// The edge worker's figures in workerd (Miniflare), never pass/fail
// (docs/PERFORMANCE.md, "The edge worker"):
//
//   1. a 50-event signal (`POST /signals`, each for a new lead, reaching MQL at its
//      50th event): wall time per request seen from Node, p50 and p99, beside a
//      request that takes the same path (worker, the lead's Durable Object, its
//      storage) without scoring (`POST /crm/accepted` of an unknown key); and the
//      workerd process's CPU time (utime + stime of /proc/<pid>/stat) over all the
//      requests, per request. workerd reports no CPU time per request locally (a tail
//      worker's `cpuTime` is 0), and its clock inside a request moves in whole
//      milliseconds, so the per-request figure is wall time, and the CPU figure a mean.
//   2. the scoring alone in workerd (benches/edge-scoring-worker.js): what the lead's
//      Durable Object does for a 50-event signal (restore, track, evaluate, save),
//      timed inside the worker with performance.now(); as workerd's clock moves in
//      whole milliseconds, each request runs it --repeat times and answers the mean:
//      p50 and p99 over the requests of those means;
//   3. cold start: a fresh workerd process (a new Miniflare) answers its first
//      `GET /rules/:id` (the module and the engine loaded, the rule set compiled) and
//      its first signal; against the second of each. Medians over --cold runs.
//
//   node benches/edge.mjs [--n 400] [--repeat 100] [--cold 5]      (Node 22 or later; pkg/ built,
//   edge/node_modules installed: scripts/test-edge.sh once)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { build, bundle } from '../edge/scripts/build.mjs';
import { miniflareOptions } from '../edge/scripts/miniflare.mjs';
import { makeSignal, ORIGIN } from '../edge/test/harness.mjs';

// Miniflare as edge/ installs it.
const { Miniflare } = await import(
    pathToFileURL(createRequire(new URL('../edge/package.json', import.meta.url)).resolve('miniflare')).href
);

const args = process.argv.slice(2);
const flag = (name, dflt) => {
    const i = args.indexOf(name);
    return i < 0 ? dflt : Number(args[i + 1]);
};
const N = flag('--n', 400);
const COLD = flag('--cold', 5);
const REPEAT = flag('--repeat', 100);
const BASE = 'http://edge.test';
const HOUR = 3_600_000;
const PROFILE = { jobTitle: 'VP Sales', company: { size: 200, industry: 'software' }, country: 'US' };

/**
 * A signal of 50 events for a new lead: page views that score little, then the five
 * events that take PROFILE's lead to MQL, as many views first as make the 50th event
 * the one that reaches it.
 */
function signal50(i, at) {
    const tail = [
        { type: 'page_view', ts: at - 3 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - 2 * HOUR, url: '/pricing' },
        { type: 'page_view', ts: at - HOUR, url: '/pricing' },
        { type: 'form_submit', ts: at - HOUR / 2, form: 'whitepaper' },
        { type: 'form_submit', ts: at - HOUR / 4, form: 'whitepaper' },
    ];
    for (let views = 45; views < 50; views++) {
        const events = [
            ...Array.from({ length: views }, (_, j) => ({
                type: 'page_view',
                ts: at - 5 * HOUR + j * 1000,
                url: `/about/${j}`,
            })),
            ...tail,
        ].slice(0, 50);
        const s = makeSignal({ lead: `bench-${process.pid}-${i}@example.com`, profile: PROFILE, events, at });
        if (s.events.length === 50 && s.to === 'mql') return s;
    }
    throw new Error('no 50-event signal reaching MQL at its 50th event');
}

const quantile = (xs, q) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);
const ms = (x) => x.toFixed(2);

function workerdPid() {
    const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => /workerd/.test(l));
    if (!line) throw new Error('no workerd child process');
    return Number(line.trim().split(/\s+/)[0]);
}
/** The process's user + system CPU time, ms (clock ticks of 10 ms). */
function cpuMs(pid) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
}

// The CRM: a receiver on 127.0.0.1 that takes every delivery (the queue's consumer
// runs in the same workerd process, so its work is in the CPU figures).
const crm = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end()));
await new Promise((resolve) => crm.listen(0, '127.0.0.1', resolve));
const WEBHOOK_URL = `http://127.0.0.1:${crm.address().port}/hook`;

async function start() {
    const mf = new Miniflare(
        miniflareOptions({
            vars: { WEBHOOK_URL, ALLOWED_ORIGINS: ORIGIN, SLA: '', CRM_TOKEN: 'bench' },
            // All the bench's requests come from one address: its limiter is checked, never reached.
            limits: { ADDRESS_LIMITER: 1_000_000 },
        }),
    );
    await mf.ready;
    return mf;
}

const postSignal = (mf, s) =>
    mf.dispatchFetch(`${BASE}/signals`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: ORIGIN },
        body: JSON.stringify(s),
    });
const postAccepted = (mf, i) =>
    mf.dispatchFetch(`${BASE}/crm/accepted`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench' },
        body: JSON.stringify({ lead: `nobody-${i}@example.com`, key: 'ls1-0000000000000000' }),
    });

async function timed(fn) {
    const t = performance.now();
    const res = await fn();
    await res.arrayBuffer();
    return { wall: performance.now() - t, status: res.status };
}

await build();
console.log(`load: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

// 1. Signals, warm.
{
    const mf = await start();
    const pid = workerdPid();
    const at = Date.now();
    const signals = Array.from({ length: N + 20 }, (_, i) => signal50(i, at));
    const bodies = signals.map((s) => s); // built before timing
    for (let i = 0; i < 20; i++) await timed(() => postSignal(mf, bodies[i])); // warm-up
    const rounds = { signal: [], path: [] };
    const cpu = { signal: 0, path: 0 };
    // Alternating blocks of 20: both kinds see the same machine load.
    for (let b = 0; b < N; b += 20) {
        let c = cpuMs(pid);
        for (let i = b; i < b + 20; i++) {
            const r = await timed(() => postSignal(mf, bodies[20 + i]));
            if (r.status !== 200) throw new Error(`signal answered ${r.status}`);
            rounds.signal.push(r.wall);
        }
        cpu.signal += cpuMs(pid) - c;
        c = cpuMs(pid);
        for (let i = b; i < b + 20; i++) {
            const r = await timed(() => postAccepted(mf, i));
            if (r.status !== 404) throw new Error(`acceptance answered ${r.status}`);
            rounds.path.push(r.wall);
        }
        cpu.path += cpuMs(pid) - c;
    }
    await mf.dispose();
    console.log(`\n1. ${N} requests of each kind, wall ms per request (from Node), workerd CPU ms per request (mean)`);
    console.log('| request | p50 | p99 | workerd CPU, mean |');
    console.log('|---|---|---|---|');
    for (const [name, label] of [
        ['signal', 'POST /signals, 50 events, new lead (re-scored, MQL queued)'],
        ['path', 'POST /crm/accepted, unknown key (same path, no scoring)'],
    ])
        console.log(
            `| ${label} | ${ms(median(rounds[name]))} | ${ms(quantile(rounds[name], 0.99))} | ${ms(cpu[name] / rounds[name].length)} |`,
        );
    console.log(
        `| difference: what a signal adds (parse, check, score, store, the funnel's count, queue and deliver) | ${ms(median(rounds.signal) - median(rounds.path))} | | ${ms((cpu.signal - cpu.path) / N)} |`,
    );
}

// 2. The scoring alone, timed inside workerd.
{
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-edge-bench-'));
    const edge = fileURLToPath(new URL('../edge/', import.meta.url));
    await bundle(fileURLToPath(new URL('edge-scoring-worker.js', import.meta.url)), path.join(dir, 'index.js'));
    fs.copyFileSync(path.join(edge, 'dist/leadscore_bg.wasm'), path.join(dir, 'leadscore_bg.wasm'));
    const mf = new Miniflare({
        modulesRoot: dir,
        modules: [
            { type: 'ESModule', path: path.join(dir, 'index.js') },
            { type: 'CompiledWasm', path: path.join(dir, 'leadscore_bg.wasm') },
        ],
        compatibilityDate: miniflareOptions().compatibilityDate,
    });
    await mf.ready;
    const signal = signal50('scoring', Date.now());
    const run = async () =>
        (
            await mf.dispatchFetch(`${BASE}/`, { method: 'POST', body: JSON.stringify({ signal, repeat: REPEAT }) })
        ).json();
    const first = await run();
    const means = [];
    for (let i = 0; i < Math.max(20, Math.round(N / 4)); i++) {
        const r = await run();
        if (r.transitions !== 1) throw new Error(`the scoring made ${r.transitions} transitions, not 1`);
        means.push(r.perSignalMs);
    }
    await mf.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(
        `\n2. the scoring of one 50-event signal inside workerd, ms (${means.length} requests, each the mean of ${REPEAT} runs)`,
    );
    console.log('| p50 | p99 | min | first request: engine load (rule set compiled), first scoring |');
    console.log('|---|---|---|---|');
    console.log(
        `| ${ms(median(means))} | ${ms(quantile(means, 0.99))} | ${ms(Math.min(...means))} | ${ms(first.loadMs)}, ${ms(first.perSignalMs)} |`,
    );
}

// 3. Cold start.
{
    const first = { ready: [], rules: [], signal: [], rules2: [], signal2: [] };
    const at = Date.now();
    for (let run = 0; run < COLD; run++) {
        const t = performance.now();
        const mf = await start();
        first.ready.push(performance.now() - t);
        first.rules.push((await timed(() => mf.dispatchFetch(`${BASE}/rules/b2b-saas-mql`))).wall);
        first.rules2.push((await timed(() => mf.dispatchFetch(`${BASE}/rules/product-led-pql`))).wall);
        first.signal.push((await timed(() => postSignal(mf, signal50(`cold-${run}-a`, at)))).wall);
        first.signal2.push((await timed(() => postSignal(mf, signal50(`cold-${run}-b`, at)))).wall);
        await mf.dispose();
    }
    console.log(`\n3. cold start, medians of ${COLD} fresh workerd processes, ms`);
    console.log('| step | median | min | max |');
    console.log('|---|---|---|---|');
    for (const [name, label] of [
        ['ready', 'workerd process up (new Miniflare to ready)'],
        ['rules', 'first request: GET /rules/b2b-saas-mql (module, engine, rule set compiled)'],
        ['rules2', 'then GET /rules/product-led-pql (another rule set compiled)'],
        ['signal', 'first signal (a new Durable Object, 50 events)'],
        ['signal2', 'second signal'],
    ])
        console.log(
            `| ${label} | ${ms(median(first[name]))} | ${ms(Math.min(...first[name]))} | ${ms(Math.max(...first[name]))} |`,
        );
}
console.log(`\nload: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
crm.close();
