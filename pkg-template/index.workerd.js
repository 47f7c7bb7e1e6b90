// Cloudflare Workers (workerd): the runtime hands a .wasm import over as a compiled
// WebAssembly.Module, so the package is ready on import, with no fetch and no eval.
import wasmModule from './leadscore_bg.wasm';
import {
    initSync as initWasmSync,
    Engine as RawEngine,
    Session as RawSession,
    LeadSet as RawLeadSet,
} from './leadscore.js';
import { guardClasses, InputError, RuleSetError } from './common.js';

initWasmSync({ module: wasmModule });
const { Engine, Session, LeadSet } = guardClasses({ Engine: RawEngine, Session: RawSession, LeadSet: RawLeadSet });

export { Engine, Session, LeadSet, InputError, RuleSetError };

/** Already initialized on import; kept so that code shared with browsers runs unchanged. */
export function init() {
    return Promise.resolve();
}

export function initSync() {}
