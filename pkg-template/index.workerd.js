// Cloudflare Workers (workerd): the runtime hands a .wasm import over as a compiled
// WebAssembly.Module, so the package is ready on import, with no fetch and no eval.
import wasmModule from './leadscore_bg.wasm';
import { initSync as initWasmSync, Engine as RawEngine, Session as RawSession } from './leadscore.js';
import { guardClasses, InputError, RuleSetError } from './common.js';

initWasmSync({ module: wasmModule });
const { Engine, Session } = guardClasses(RawEngine, RawSession);

export { Engine, Session, InputError, RuleSetError };

/** Already initialized on import; kept so that code shared with browsers runs unchanged. */
export function init() {
    return Promise.resolve();
}

export function initSync() {}
