// leadscore adapter for the peer benchmark in shared/peers-bench (see its README and
// scripts/bench-js.sh): the built npm package (pkg/, its Node.js entry) scoring the
// neutral 21-rule workload, pre-translated by hand into benches/peers/ruleset.json.
//
//   init()     imports the package (a dynamic import): Node's entry reads, compiles
//              and instantiates leadscore_bg.wasm synchronously as it loads, so the
//              whole WebAssembly load is in init (coldstart.mjs's "init" column).
//   prepare()  compiles the rule set once (new Engine).
//   evaluate() engine.score(lead, asOf): the lead goes in as MessagePack (codec.js),
//              the full ScoreResult comes back as a plain object, and
//              {score: total, mql: stage !== 'none'} is read from it.
//              leadscore-qualify-adapter.mjs does the same with engine.qualify.
//
// LEADSCORE_PKG=/abs/path/to/pkg points it at another build of the package.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PKG = process.env.LEADSCORE_PKG || path.resolve(HERE, '../../pkg');
export const RULESET_PATH = path.join(HERE, 'ruleset.json');

export const info = { name: 'leadscore (wasm, engine.score)', kind: 'wasm', package: 'leadscore' };

let leadscore;
export async function init() {
    leadscore ??= await import(pathToFileURL(path.join(PKG, 'index.node.js')).href);
}

/** The neutral rule set must be the one ruleset.json was translated from. */
function checkNeutral(neutral) {
    const ours = JSON.parse(readFileSync(RULESET_PATH, 'utf8'));
    const want = [...ours.fit, ...ours.engagement].map((r) => `${r.id}:${r.points}`).join(',');
    const got = neutral.rules.map((r) => `${r.id}:${r.kind === 'profile' ? r.points : r.pointsPerEvent}`).join(',');
    if (neutral.name !== 'lead-scoring-v1' || got !== want || neutral.threshold.gte !== ours.stages.mql.threshold) {
        throw new Error(
            `leadscore adapter: benches/peers/ruleset.json translates lead-scoring-v1, not this rule set (${neutral.name}: ${got})`,
        );
    }
    return ours;
}

/** `prepare` calling `method` (score, or qualify: the same figures without the explanation). */
export function prepareWith(method) {
    return (neutral, _opts) => {
        const engine = new leadscore.Engine(checkNeutral(neutral));
        return (lead) => {
            // A leadscore lead is {id?, profile?, events?}; the harness adds asOf, which is `now`.
            const r = engine[method]({ id: lead.id, profile: lead.profile, events: lead.events }, lead.asOf);
            return { score: r.total, mql: r.stage !== 'none' };
        };
    };
}

export const prepare = prepareWith('score');
