// leadscore/page: the engine a landing page needs, and no more. Its module
// (leadscore_page_bg.wasm) has no rule-set compiler and no batch calls: it loads
// rule sets compiled ahead (`leadscore compile`, or compileRuleSet() of the full
// package) with Engine.fromCompiled, and scores sessions. `await init()` once (it
// fetches leadscore_page_bg.wasm next to this file unless given a URL, a Response,
// the bytes or a compiled WebAssembly.Module), or initSync(bytes).
//
// scripts/build-pkg.sh bundles this file, api.js, codec.js and errors.js into the
// package's page.js over the page module's glue (leadscore_page.js, which it
// imports as ./leadscore.js here).
import initWasm, { initSync as initWasmSync } from './leadscore.js';
import { initializer, setNotReadyMessage } from './api.js';

export { Engine, Session, memoryBytes, limits, setLimits } from './api.js';
export { InputError, RuleSetError } from './errors.js';

setNotReadyMessage('leadscore/page is not initialized: `await init()` once before using it (or call initSync(bytes))');

export const { init, initSync } = initializer(
    initWasm,
    initWasmSync,
    () => new URL('./leadscore_page_bg.wasm', import.meta.url),
);
