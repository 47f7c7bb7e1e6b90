// Browsers and bundlers (and the default for runtimes without their own entry):
// `await init()` once, then use Engine and Session. init() fetches
// leadscore_bg.wasm next to this file unless given a URL, a Response, the bytes or a
// compiled WebAssembly.Module.
import initWasm, {
    initSync as initWasmSync,
    Engine as RawEngine,
    Session as RawSession,
    LeadSet as RawLeadSet,
} from './leadscore.js';
import { guardClasses, InputError, RuleSetError } from './common.js';
// common.js imports codec.js; importing it here too lets a page that loads this file
// as is ask for every module at once, instead of learning of codec.js only once
// common.js has arrived (one round trip less: benches/page-load.mjs).
import './codec.js';

let initialized = false;
let pending;

function ready() {
    if (!initialized) {
        throw new Error('leadscore is not initialized: `await init()` once before using it (or call initSync(bytes))');
    }
}

export const { Engine, Session, LeadSet } = guardClasses(
    { Engine: RawEngine, Session: RawSession, LeadSet: RawLeadSet },
    ready,
);
export { InputError, RuleSetError };

export function init(input) {
    if (initialized) return Promise.resolve();
    if (!pending) {
        const module_or_path = input !== undefined ? input : new URL('./leadscore_bg.wasm', import.meta.url);
        pending = initWasm({ module_or_path }).then(
            () => {
                initialized = true;
            },
            (e) => {
                pending = undefined;
                throw e;
            },
        );
    }
    return pending;
}

export function initSync(module) {
    if (initialized) return;
    initWasmSync({ module });
    initialized = true;
}
