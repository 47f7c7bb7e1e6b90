// Type-checked with the DOM lib: init accepts what a browser has at hand.
import { init, initSync } from 'leadscore';

declare const compiled: WebAssembly.Module;
declare const bytes: ArrayBuffer;
await init(compiled);
await init(fetch('/leadscore_bg.wasm'));
await init(new Response(bytes));
initSync(compiled);
initSync(bytes);
