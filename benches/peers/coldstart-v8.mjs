// Where a cold start in Node goes, and what V8's WebAssembly tiers do to it: fresh
// processes, each timing `require` of the package, the first `new Engine` of the
// peers' rule set and a second one, under V8 flag sets taking turns. Medians, ms.
// An investigation, not a pass/fail: the package cannot set V8 flags for its users.
// Also, in processes of their own (V8 caches a compiled module within a process),
// `new WebAssembly.Module` of the package's bytes alone: what no change outside the
// module's bytes can take off a cold start.
//
//   node benches/peers/coldstart-v8.mjs [pkg dir] [processes per flag set]
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(process.argv[2] || path.join(HERE, '../../pkg'));
const n = Number(process.argv[3] || 11);
const FLAG_SETS = [
    [],
    ['--no-wasm-lazy-compilation'],
    ['--wasm-lazy-validation'],
    ['--liftoff-only'],
    ['--no-wasm-dynamic-tiering'],
];
const CHILD = `
const rules = require('fs').readFileSync(${JSON.stringify(path.join(HERE, 'ruleset.json'))}, 'utf8');
let t = performance.now();
const { Engine } = require(${JSON.stringify(path.join(pkg, 'index.node.cjs'))});
const load = performance.now() - t;
t = performance.now(); new Engine(rules); const first = performance.now() - t;
t = performance.now(); new Engine(rules); const second = performance.now() - t;
console.log(JSON.stringify([load, first, second]));`;

const COMPILE_ONLY = `
const bytes = require('fs').readFileSync(${JSON.stringify(path.join(pkg, 'leadscore_bg.wasm'))});
const t = performance.now();
new WebAssembly.Module(bytes);
console.log(performance.now() - t);`;

const runs = FLAG_SETS.map(() => []);
const compileOnly = [];
for (let i = 0; i < n; i++) {
    FLAG_SETS.forEach((flags, k) =>
        runs[k].push(JSON.parse(execFileSync(process.execPath, [...flags, '-e', CHILD], { encoding: 'utf8' }))),
    );
    compileOnly.push(Number(execFileSync(process.execPath, ['-e', COMPILE_ONLY], { encoding: 'utf8' })));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log('| V8 flags | `require` | first `new Engine` | second | `require` + first |');
console.log('|---|---|---|---|---|');
FLAG_SETS.forEach((flags, k) => {
    const r = runs[k];
    const cols = [0, 1, 2].map((c) => median(r.map((x) => x[c])).toFixed(2));
    console.log(
        `| ${flags.join(' ') || '(defaults)'} | ${cols.join(' | ')} | ${median(r.map((x) => x[0] + x[1])).toFixed(1)} |`,
    );
});
console.log(
    `\n\`new WebAssembly.Module\` of leadscore_bg.wasm alone (defaults, ${n} fresh processes): ${median(compileOnly).toFixed(2)} ms median, ${Math.min(...compileOnly).toFixed(2)}-${Math.max(...compileOnly).toFixed(2)}`,
);
