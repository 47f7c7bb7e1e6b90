/**
 * Bad input (a lead, an event, a profile, saved state or an argument); the call
 * changed nothing. `instanceof InputError` holds for every error named "InputError".
 */
export declare class InputError extends Error {
    constructor(path: string, code: string, message: string);
    name: 'InputError';
    /** Where, as a JSON path such as `events[3].ts`; "" for the whole argument. */
    path: string;
    /** A stable code such as "wrongType", "invalidTimestamp", "freed". */
    code: string;
    /** The one problem, as `{path, code, message}`. */
    problems: [Problem];
}

/**
 * A rule set that was refused whole, with every problem found in it.
 * `instanceof RuleSetError` holds for every error named "RuleSetError".
 */
export declare class RuleSetError extends Error {
    constructor(problems: Problem[]);
    name: 'RuleSetError';
    problems: Problem[];
}

/** `WebAssembly.Module` where the project's lib declares it (DOM, workers types), else never. */
type CompiledModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } }
    ? M
    : never;

/** Where the WebAssembly comes from: its URL, a fetch Response, its bytes or a compiled module. */
export type InitInput = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | CompiledModule;

/**
 * Loads the WebAssembly; needed once in browsers before anything else. Without an
 * argument it fetches `leadscore_bg.wasm` next to the module. In Node.js and
 * Cloudflare Workers the package is ready on import and this resolves at once.
 */
export declare function init(input?: InitInput | Promise<InitInput>): Promise<void>;

/** `init` from bytes or a compiled module, synchronously (browsers only; a no-op elsewhere). */
export declare function initSync(module?: ArrayBuffer | ArrayBufferView | CompiledModule): void;

// `free()` is also `[Symbol.dispose]()`, for `using`. Declared here as @types/node
// does, so that projects whose `lib` predates esnext.disposable still type-check.
declare global {
    interface SymbolConstructor {
        readonly dispose: unique symbol;
    }
}
