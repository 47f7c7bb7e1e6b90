// The peers' leads as leads arrive from a CRM or a tracking pipeline: as they are,
// with an id on every event, with 60 more profile fields than the rule set reads,
// with both, with eight more properties per event (as a tracking snippet records a
// page view), and with all three. `qualify` and `score` per lead, for one build or several taking
// turns in one process (medians of the rounds after the first).
//
//   node benches/peers/lead-shapes.mjs pkg
//   ROUNDS=11 node benches/peers/lead-shapes.mjs /tmp/before/pkg pkg
//
// Reads the leads scripts/bench-js.sh generates (target/peers-bench, or
// $LEADSCORE_BENCH_DIR). The leads go through JSON text first, so that their
// objects are shaped as JSON.parse makes them (a request body, a file).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dirs = process.argv.slice(2).map((d) => path.resolve(d));
if (dirs.length < 1) {
    console.error('usage: node benches/peers/lead-shapes.mjs <pkg dir> [<pkg dir> ...]');
    process.exit(2);
}
const BENCH = process.env.LEADSCORE_BENCH_DIR || path.resolve(HERE, '../../target/peers-bench');
const ROUNDS = Number(process.env.ROUNDS || 9);
const { loadWorkload } = await import(pathToFileURL(path.join(BENCH, 'workload.mjs')).href);
const { asOf, leads: all } = await loadWorkload(BENCH);

const plain = all.slice(0, 2000).map((l) => ({ id: l.id, profile: l.profile, events: l.events }));
const withIds = (l) => ({ ...l, events: l.events.map((e, i) => ({ id: `${l.id}-e${i}`, ...e })) });
const wide = (l, n) => {
    const profile = { ...l.profile };
    for (let k = 0; k < 60; k++) profile[`field_${k}`] = k % 3 ? `value ${n} ${k}` : k * n;
    return { ...l, profile };
};
// A page view as a tracking snippet records it: eight properties the rule set does not read.
const tracked = (l) => ({
    ...l,
    events: l.events.map((e, i) => ({
        ...e,
        referrer: 'https://www.google.com/',
        title: `Page ${i}`,
        path: e.url || '/',
        utm_source: 'newsletter',
        utm_medium: 'email',
        utm_campaign: 'nov-launch',
        session_id: `s-${i >> 3}`,
        screen: '1920x1080',
    })),
});
const parsed = (leads) => JSON.parse(JSON.stringify(leads));
const shapes = {
    'as they are': parsed(plain),
    'an id on every event': parsed(plain.map(withIds)),
    '60 more profile fields': parsed(plain.map(wide)),
    both: parsed(plain.map((l, n) => withIds(wide(l, n)))),
    '8 more properties per event': parsed(plain.map(tracked)),
    'all three': parsed(plain.map((l, n) => withIds(tracked(wide(l, n))))),
};

const require = createRequire(import.meta.url);
const rules = readFileSync(path.join(HERE, 'ruleset.json'), 'utf8');
const engines = dirs.map((d) => new (require(path.join(d, 'index.node.cjs')).Engine)(rules));
const times = {};
const sums = {};
for (let round = 0; round < ROUNDS; round++) {
    for (const [shape, leads] of Object.entries(shapes)) {
        for (const call of ['qualify', 'score']) {
            for (const [k, engine] of engines.entries()) {
                const t0 = performance.now();
                let sum = 0;
                for (const lead of leads) sum += engine[call](lead, asOf).total;
                const us = ((performance.now() - t0) * 1000) / leads.length;
                const key = `${call}|${shape}`;
                if (round > 0) (times[`${key}|${k}`] ||= []).push(us);
                if (sums[key] !== undefined && sums[key] !== sum)
                    throw new Error(`${dirs[k]} gives other totals for ${key}`);
                sums[key] = sum;
            }
        }
    }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`| call | leads | ${dirs.map((d) => path.relative(process.cwd(), d) || '.').join(' | ')} |`);
console.log(`|---|---|${dirs.map(() => '---|').join('')}`);
for (const call of ['qualify', 'score']) {
    for (const shape of Object.keys(shapes)) {
        console.log(
            `| ${call} | ${shape} | ${engines.map((_, k) => median(times[`${call}|${shape}|${k}`]).toFixed(1)).join(' | ')} |`,
        );
    }
}
