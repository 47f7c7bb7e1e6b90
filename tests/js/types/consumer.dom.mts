// Type-checked with the DOM lib: init accepts what a browser has at hand, and only that.
import { init, initSync } from 'leadscore';

declare const compiled: WebAssembly.Module;
declare const bytes: ArrayBuffer;
await init(compiled);
await init(fetch('/leadscore_bg.wasm'));
await init(WebAssembly.compile(bytes));
await init(new Response(bytes));
initSync(compiled);
initSync(bytes);
initSync(new Uint8Array(bytes));

// The DOM lib's WebAssembly.Module has no members, so these passed for one.
// @ts-expect-error: a number is no WebAssembly
await init(42);
// @ts-expect-error: nor is a plain object
await init({});
// @ts-expect-error: nor for initSync
initSync({});
// @ts-expect-error: initSync needs the bytes or the module
initSync();
// @ts-expect-error: initSync does not fetch
initSync('/leadscore_bg.wasm');
// @ts-expect-error: a URL is fetched when given as it is, not when a promise brings it
await init(Promise.resolve('/leadscore_bg.wasm'));
