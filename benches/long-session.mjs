// A long-lived session in Node: 500 events held, then 100 more tracked with the
// engine watched (as a page does for a visitor tracked over weeks), with and
// without an id on every event. Medians of 15 sessions per round, µs per track;
// with several package builds, they take turns in one process.
//
//   node benches/long-session.mjs [pkg dir ...]      # default: pkg
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dirs = process.argv.slice(2);
const builds = (dirs.length ? dirs : [path.join(HERE, '../pkg')]).map((d) => ({
    dir: d,
    pkg: require(path.resolve(d, 'index.node.cjs')),
}));
const rules = readFileSync(path.join(HERE, 'peers/ruleset.json'), 'utf8');
const NOW = 1_795_000_000_000;
const HELD = 500;
const MORE = 100;
const ts = (i) => NOW - 30 * 86_400_000 + i * 60_000;
const event = (i, withId) =>
    withId
        ? { type: 'page_view', ts: ts(i), url: '/blog/post-1', id: `e${i}` }
        : { type: 'page_view', ts: ts(i), url: '/blog/post-1' };

function median(pkg, withId) {
    const engine = new pkg.Engine(rules);
    const times = [];
    for (let r = 0; r < 15; r++) {
        const s = new pkg.Session('visitor');
        s.updateProfile({ jobTitle: 'Software Engineer', country: 'DE' });
        s.watch(engine);
        for (let i = 0; i < HELD; i++) s.track(event(i, withId), NOW);
        const t0 = performance.now();
        for (let i = HELD; i < HELD + MORE; i++) s.track(event(i, withId), NOW);
        times.push(((performance.now() - t0) * 1000) / MORE);
        s.free();
    }
    engine.free();
    return times.sort((a, b) => a - b)[times.length >> 1];
}

console.log(`| round | package | µs per track, ${HELD} events held | the same, every event with an id |`);
console.log('|---|---|---|---|');
for (let round = 1; round <= 5; round++) {
    for (const { dir, pkg } of builds) {
        console.log(`| ${round} | ${dir} | ${median(pkg, false).toFixed(2)} | ${median(pkg, true).toFixed(2)} |`);
    }
}
