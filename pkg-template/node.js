// Node.js: the module's bytes are read synchronously on load, so the package is
// ready with no await. scripts/build-pkg.sh bundles this file with esbuild into
// index.node.cjs (require), and index.node.js (import) re-exports that same module,
// so ESM and CommonJS code in one process share one instance.
import { readFileSync } from 'node:fs';
import { initSync as initWasmSync } from './leadscore.js';
import { markReady, withBatchCalls } from './api.js';

initWasmSync({ module: readFileSync(new URL('./leadscore_bg.wasm', import.meta.url)) });
withBatchCalls();
markReady();

export { Engine, Session, LeadSet, compileRuleSet, defineRuleSet, memoryBytes, limits, setLimits } from './api.js';
export { InputError, RuleSetError } from './errors.js';

/** Already initialized on load; kept so that code shared with browsers runs unchanged. */
export function init() {
    return Promise.resolve();
}

export function initSync() {}
