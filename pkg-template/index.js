// Browsers and bundlers (and the default for runtimes without their own entry):
// `await init()` once, then use Engine, Session and LeadSet. init() fetches
// leadscore_bg.wasm next to this file unless given a URL, a Response, the bytes or a
// compiled WebAssembly.Module.
import initWasm, { initSync as initWasmSync } from './leadscore.js';
import { markReady, setNotReadyMessage } from './api.js';
// api.js imports these too; importing them here as well lets a page that loads this
// file as is ask for every module at once, instead of learning of them one round
// trip at a time (docs/decisions/0016-browser-entry-imports-every-module-and-preloads.md).
import './codec.js';
import './errors.js';

export { Engine, Session, LeadSet, defineRuleSet, memoryBytes, limits, setLimits } from './api.js';
export { InputError, RuleSetError } from './errors.js';

setNotReadyMessage('leadscore is not initialized: `await init()` once before using it (or call initSync(bytes))');

let initialized = false;
let pending;

export function init(input) {
    if (initialized) return Promise.resolve();
    if (!pending) {
        const module_or_path = input !== undefined ? input : new URL('./leadscore_bg.wasm', import.meta.url);
        pending = initWasm({ module_or_path }).then(
            () => {
                initialized = true;
                markReady();
            },
            (e) => {
                pending = undefined;
                throw explained(e);
            },
        );
    }
    return pending;
}

export function initSync(module) {
    if (initialized) return;
    try {
        initWasmSync({ module });
    } catch (e) {
        throw explained(e);
    }
    initialized = true;
    markReady();
}

/**
 * The browser's error when it refused to compile the module, with the fix named:
 * under a Content Security Policy without 'wasm-unsafe-eval' it says only that
 * "'unsafe-eval' is not an allowed source", which reads as if leadscore used eval.
 * Any other error passes as it is.
 */
function explained(e) {
    const said = String((e && e.message) || e);
    if (!/Content Security Policy|CSP|unsafe-eval/i.test(said)) return e;
    return new Error(
        "leadscore cannot start: the page's Content Security Policy does not allow WebAssembly. " +
            "Add 'wasm-unsafe-eval' to its script-src directive (for example script-src 'self' 'wasm-unsafe-eval'): " +
            `it allows compiling WebAssembly, not eval. The browser said: ${said}`,
        { cause: e },
    );
}
