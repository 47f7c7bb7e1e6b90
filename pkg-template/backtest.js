// leadscore/backtest: the full package and backtesting and learning (docs/BACKTEST.md):
// History, backtest, compareRuleSets and learn beside Engine, Session and LeadSet.
// Its module (leadscore_backtest_bg.wasm) is the full module with histories,
// backtests and learning, kept apart so that the full module does not carry them:
// meant for a Web Worker of a page that backtests, or for Node. `await init()` once
// (it fetches leadscore_backtest_bg.wasm next to this file, or reads it from disk in
// Node, unless given a URL, a Response, the bytes or a compiled WebAssembly.Module),
// or initSync(bytes).
//
// scripts/build-pkg.sh bundles this file, api.js, codec.js and errors.js into the
// package's backtest.js over the backtest module's glue (leadscore_backtest.js,
// which it imports as ./leadscore.js here).
import initWasm, { initSync as initWasmSync } from './leadscore.js';
import { initializer, setNotReadyMessage, withBatchCalls } from './api.js';

export {
    Engine,
    Session,
    LeadSet,
    History,
    backtest,
    compareRuleSets,
    learn,
    compileRuleSet,
    defineRuleSet,
    memoryBytes,
    limits,
    setLimits,
} from './api.js';
export { InputError, RuleSetError } from './errors.js';

withBatchCalls();
setNotReadyMessage(
    'leadscore/backtest is not initialized: `await init()` once before using it (or call initSync(bytes))',
);

export const { init, initSync } = initializer(initWasm, initWasmSync, () => {
    const url = new URL('./leadscore_backtest_bg.wasm', import.meta.url);
    // Node.js (20.16 or later): fetch cannot read a file: URL, the file system can,
    // reached through process.getBuiltinModule (no import: bundlers leave it alone).
    const fs = url.protocol === 'file:' && globalThis.process?.getBuiltinModule?.('node:fs');
    return fs ? fs.promises.readFile(url) : url;
});
