// Two (or more) builds of the package, timed in one Node process on the peers'
// workload: alternating rounds, medians. A change worth a few percent is lost in the
// noise between separate runs on a shared machine; in one process, taking turns,
// the builds see the same load.
//
//   git worktree add /tmp/before <commit> && (cd /tmp/before && scripts/build-pkg.sh)
//   node benches/peers/compare-builds.mjs /tmp/before/pkg pkg
//   ROUNDS=11 node benches/peers/compare-builds.mjs pkg /tmp/before/pkg   # swap the order too
//
// Reads the leads scripts/bench-js.sh generates (target/peers-bench, or
// $LEADSCORE_BENCH_DIR); every build must give the same totals, or it stops.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dirs = process.argv.slice(2).map((d) => path.resolve(d));
if (dirs.length < 2) {
    console.error('usage: node benches/peers/compare-builds.mjs <pkg dir> <pkg dir> [...]');
    process.exit(2);
}
const BENCH = process.env.LEADSCORE_BENCH_DIR || path.resolve(HERE, '../../target/peers-bench');
const { loadWorkload } = await import(pathToFileURL(path.join(BENCH, 'workload.mjs')).href);
const { asOf, leads: all } = await loadWorkload(BENCH);

const require = createRequire(import.meta.url);
const builds = dirs.map((d) => require(path.join(d, 'index.node.cjs')));
const rules = readFileSync(path.join(HERE, 'ruleset.json'), 'utf8');
const engines = builds.map((b) => new b.Engine(rules));
const leads = all.slice(0, 2000).map((l) => ({ id: l.id, profile: l.profile, events: l.events }));
const sessionLeads = leads.slice(0, 500);
const sessionEvents = sessionLeads.reduce((n, l) => n + l.events.length, 0);

// Each gives [a checksum, how many leads or events it timed].
const tests = {
    'score (µs / lead)': (b, e) => [leads.reduce((t, l) => t + e.score(l, asOf).total, 0), leads.length],
    'qualify (µs / lead)': (b, e) => [leads.reduce((t, l) => t + e.qualify(l, asOf).total, 0), leads.length],
    'track, engine watched (µs / event)': (b, e) => {
        let t = 0;
        for (const l of sessionLeads) {
            const s = new b.Session(l.id);
            s.updateProfile(l.profile);
            s.watch(e);
            for (const ev of l.events) t += s.track(ev, asOf).transitions.length;
            s.free();
        }
        return [t, sessionEvents];
    },
    'track alone (µs / event)': (b) => {
        let t = 0;
        for (const l of sessionLeads) {
            const s = new b.Session(l.id);
            for (const ev of l.events) t += s.track(ev, asOf).tracked === 'added' ? 1 : 0;
            s.free();
        }
        return [t, sessionEvents];
    },
    'track + evaluate (µs / event)': (b, e) => {
        let t = 0;
        for (const l of sessionLeads) {
            const s = new b.Session(l.id);
            s.updateProfile(l.profile);
            for (const ev of l.events) {
                s.track(ev, asOf);
                t += s.evaluate(e, asOf).result.total;
            }
            s.free();
        }
        return [t, sessionEvents];
    },
};

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`${dirs.length} builds, ${ROUNDS} rounds after one warm-up, node ${process.version}`);
for (const [name, run] of Object.entries(tests)) {
    const times = builds.map(() => []);
    let expected = null;
    for (let r = 0; r <= ROUNDS; r++) {
        builds.forEach((b, i) => {
            const t0 = performance.now();
            const [sum, n] = run(b, engines[i]);
            const us = ((performance.now() - t0) * 1000) / n;
            if (expected === null) expected = sum;
            else if (sum !== expected) throw new Error(`${name}: ${dirs[i]} gave ${sum}, the first build ${expected}`);
            if (r > 0) times[i].push(us);
        });
    }
    console.log(
        name.padEnd(36),
        dirs.map((d, i) => `${path.relative(process.cwd(), d) || '.'} ${median(times[i]).toFixed(3)}`).join('   '),
    );
}
