// The peer-benchmark adapter of leadscore-adapter.mjs calling engine.qualify: the
// same score and stage, without the explanation (no contributions to build and
// hand back), as a backtest or a provisional score on a page would call it.
export { init } from './leadscore-adapter.mjs';
import { prepareWith } from './leadscore-adapter.mjs';

export const info = { name: 'leadscore (wasm, engine.qualify)', kind: 'wasm', package: 'leadscore' };
export const prepare = prepareWith('qualify');
