// Cloudflare Workers (workerd): the runtime hands a .wasm import over as a compiled
// WebAssembly.Module, so the package is ready on import, with no fetch and no eval.
import wasmModule from './leadscore_bg.wasm';
import { initSync as initWasmSync } from './leadscore.js';
import { markReady, withBatchCalls } from './api.js';

initWasmSync({ module: wasmModule });
withBatchCalls();
markReady();

export { Engine, Session, LeadSet, compileRuleSet, defineRuleSet, memoryBytes, limits, setLimits } from './api.js';
export { InputError, RuleSetError } from './errors.js';

/** Already initialized on import; kept so that code shared with browsers runs unchanged. */
export function init() {
    return Promise.resolve();
}

export function initSync() {}
