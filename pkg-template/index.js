// Browsers and bundlers (and the default for runtimes without their own entry):
// `await init()` once, then use Engine, Session and LeadSet. init() fetches
// leadscore_bg.wasm next to this file unless given a URL, a Response, the bytes or a
// compiled WebAssembly.Module.
import initWasm, { initSync as initWasmSync } from './leadscore.js';
import { initializer, setNotReadyMessage, withBatchCalls } from './api.js';
// api.js imports these too; importing them here as well lets a page that loads this
// file as is ask for every module at once, instead of learning of them one round
// trip at a time (docs/decisions/0016-browser-entry-imports-every-module-and-preloads.md).
import './codec.js';
import './errors.js';

export { Engine, Session, LeadSet, compileRuleSet, defineRuleSet, memoryBytes, limits, setLimits } from './api.js';
export { InputError, RuleSetError } from './errors.js';

withBatchCalls();
setNotReadyMessage('leadscore is not initialized: `await init()` once before using it (or call initSync(bytes))');

export const { init, initSync } = initializer(
    initWasm,
    initWasmSync,
    () => new URL('./leadscore_bg.wasm', import.meta.url),
);
