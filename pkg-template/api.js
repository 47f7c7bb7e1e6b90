// The package's classes: Engine, Session and LeadSet. Each is a plain class that
// holds its object of the WebAssembly module privately (`#raw`, an object of the
// classes wasm-bindgen generates in leadscore.js) and calls it. Arguments cross as
// MessagePack bytes (codec.js); every call of the module answers in one value,
// the bytes of `[true, result]` or `[false, error]` (src/wasm/mod.rs), which
// `answer` decodes and turns into a result or a thrown InputError / RuleSetError.
//
// The entry points (index.js, node.js, index.workerd.js) initialize the module
// their own way and then call `markReady`; they also put the methods that score
// leads given whole on Engine (`withBatchCalls`). The page entry (page.js) does
// neither of the latter: scripts/build-pkg.sh bundles it with this file over the
// page module's glue, which has no compiler and no batch calls, and what only they
// use is left out of the bundle.
import * as glue from './leadscore.js';
import {
    Engine as RawEngine,
    Session as RawSession,
    canHold,
    inputRoom,
    moduleMemory,
    setCallLimits,
    callLimits,
    __wbg_reset_state as resetInstance,
} from './leadscore.js';
import { encode, decode, CodecError } from './codec.js';
import { InputError, RuleSetError, errorFrom, inputError, kind, ruleSetError } from './errors.js';

// ---------------------------------------------------------------------------
// The module's state

let ready = false;
let notReadyMessage = 'leadscore is not initialized';

/** Called by an entry point once the module is instantiated. */
export function markReady() {
    ready = true;
}

/** Sets what using the package before `markReady` says (the browser entry names `init()`). */
export function setNotReadyMessage(message) {
    notReadyMessage = message;
}

function ensureReady() {
    if (!ready) throw new Error(notReadyMessage);
}

/**
 * `init` and `initSync` of a browser entry (index.js, page.js) over its glue's
 * `initWasm` and `initWasmSync`: `init(input?)` loads the module once from `input`,
 * else from `wasmUrl()` (the .wasm next to the entry).
 */
export function initializer(initWasm, initWasmSync, wasmUrl) {
    let pending;
    const init = (input) => {
        if (ready) return Promise.resolve();
        if (!pending) {
            const module_or_path = input !== undefined ? input : wasmUrl();
            pending = initWasm({ module_or_path }).then(
                () => markReady(),
                (e) => {
                    pending = undefined;
                    throw explained(e);
                },
            );
        }
        return pending;
    };
    const initSync = (module) => {
        if (ready) return;
        try {
            initWasmSync({ module });
        } catch (e) {
            throw explained(e);
        }
        markReady();
    };
    return { init, initSync };
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

// ---------------------------------------------------------------------------
// A module that traps

/**
 * Which instance of the module objects belong to. No input can make the module
 * trap (docs/SECURITY.md); should it ever, the instance is replaced by a fresh one
 * (`resetInstance`, from wasm-bindgen's --experimental-reset-state-function), and
 * every object made before then says so instead of half working.
 */
let generation = 0;

/** The limits set with `setLimits`, put in force again in a fresh instance. */
let limitsSet = null;

/** What calls of the module write their input through: started again with the instance. */
let inputState = null;

/**
 * `call()`: the module's answer. An exception out of the module can only be a trap
 * (every call answers bad input as data): the instance is replaced, and the call
 * fails with an error saying so. The package's own errors (from the checks of an
 * object or an argument made within `call`) pass as they are.
 */
function guard(call) {
    try {
        return call();
    } catch (e) {
        if (e instanceof InputError || e instanceof RuleSetError) throw e;
        throw replaced(e);
    }
}

function replaced(cause) {
    generation++;
    inputState = null;
    maxInputBytes = 0;
    let restarted = true;
    try {
        resetInstance();
        if (limitsSet) answer(setCallLimits(...limitsSet));
    } catch {
        restarted = false;
    }
    const what = cause && cause.message ? cause.message : String(cause);
    return new InputError(
        '',
        'moduleFailed',
        `the engine's WebAssembly instance failed (${what})` +
            (restarted ? ' and was replaced by a fresh one: objects made before must be made again' : ''),
    );
}

/** The size of the module's memory, in bytes: it grows as inputs need and never shrinks. */
export function memoryBytes() {
    ensureReady();
    return guard(() => moduleMemory().buffer.byteLength);
}

/** The module's `maxInputBytes`, read once and kept in step by `setLimits`. */
let maxInputBytes = 0;

function inputLimit() {
    if (!maxInputBytes) maxInputBytes = guard(() => callLimits()[0]);
    return maxInputBytes;
}

/**
 * The limits of one call in force: `{ maxInputBytes, maxCallMemory, maxCallSteps }`
 * (docs/SECURITY.md).
 */
export function limits() {
    ensureReady();
    const [maxInputBytes, maxCallMemory, maxCallSteps] = guard(() => callLimits());
    return { maxInputBytes, maxCallMemory, maxCallSteps };
}

/**
 * Sets the limits of every call from now on; any may be left out to keep it. The
 * byte limits are at least 65,536, the steps at least 1,000,000. Lower them where
 * memory or time is tight (a Worker isolate).
 */
export function setLimits(given) {
    ensureReady();
    if (given === null || typeof given !== 'object') {
        throw inputError(
            '',
            'wrongType',
            `setLimits takes { maxInputBytes?, maxCallMemory?, maxCallSteps? }, not ${kind(given)}`,
        );
    }
    const now = limits();
    const value = (name, unit, max) => {
        const v = given[name] ?? now[name];
        if (!Number.isSafeInteger(v) || v < 0 || v > max) {
            throw inputError(
                name,
                'invalidValue',
                `${name} must be a whole number of ${unit}, not ${kind(v)} ${String(v)}`,
            );
        }
        return v;
    };
    const wanted = [
        value('maxInputBytes', 'bytes', 0xffffffff),
        value('maxCallMemory', 'bytes', 0xffffffff),
        value('maxCallSteps', 'steps', Number.MAX_SAFE_INTEGER),
    ];
    answer(guard(() => setCallLimits(...wanted)));
    limitsSet = wanted;
    maxInputBytes = 0;
}

// ---------------------------------------------------------------------------
// Data in and out

/**
 * Inputs of this many bytes or more cross only once the module has made room for
 * twice as many (`canHold`): the generated glue copies an input into memory it
 * allocates in the module, and an allocation the memory cannot grow to aborts the
 * module. Below this size the question costs more than it could save.
 */
const ASK_ROOM_FROM = 1 << 20;

/** The error for `n` bytes of `what` that the module's memory could not take. */
const cannotTake = (fail, path, what, n) =>
    fail(path, 'tooLarge', `${what} is ${n} bytes as MessagePack: more than the module's memory can take`);

/** `bytes`, or `fail(path, 'tooLarge', …)` when the module could not take them. */
function roomFor(bytes, path, what, fail) {
    const n = bytes.length;
    // Beyond 2 GiB nothing can be allocated on wasm32, and the glue would wrap a
    // larger number into a small one.
    if (n >= ASK_ROOM_FROM && !(2 * n <= 0x7fffffff && guard(() => canHold(2 * n))))
        throw cannotTake(fail, path, what, n);
    return bytes;
}

/** `n` bytes of `what` refused as over the call's input limit, before they cross. */
function checkInput(n, path, what, fail) {
    const max = inputLimit();
    if (n > max) throw fail(path, 'tooLarge', `${what} is ${n} bytes; one call takes at most ${max}`);
}

/**
 * `v` as MessagePack; what JSON cannot hold is refused with `fail(path, code,
 * message)`. `fromText`: `v` is what JSON.parse made of JSON text.
 */
function bytesOf(v, path, what, fail, fromText = false) {
    let bytes;
    try {
        bytes = encode(v, fromText);
    } catch (e) {
        if (!(e instanceof CodecError)) {
            // An exception from a toJSON() method, as JSON.stringify would let it out.
            throw fail(path, 'notJson', `${what} cannot be written as JSON: ${e && e.message}`);
        }
        throw fail(
            path,
            e.code,
            e.code === 'notJson' ? `${what} cannot be written as JSON: ${e.message}` : `${what} ${e.message}`,
        );
    }
    checkInput(bytes.length, path, what, fail);
    return roomFor(bytes, path, what, fail);
}

/**
 * JSON text as MessagePack: checked against the input limit as natively (its UTF-8
 * bytes are never fewer than its UTF-16 units, nor more than three times as many),
 * read by the host's JSON.parse, and refused where the core's own JSON reader
 * refuses it natively: a number out of range (`1e400`) or a lone surrogate
 * (`"\ud800"`) is `invalidJson`, as natively.
 */
function jsonBytes(text, path, what, fail) {
    if (typeof text !== 'string') throw fail(path, 'wrongType', `${what} must be JSON text, not ${kind(text)}`);
    const max = inputLimit();
    if (text.length > max || (text.length * 3 > max && utf8Length(text) > max)) {
        throw fail(path, 'tooLarge', `${what} is ${utf8Length(text)} bytes; one call takes at most ${max}`);
    }
    let v;
    try {
        v = JSON.parse(text);
    } catch (e) {
        throw fail(path, 'invalidJson', `${what} is not valid JSON: ${whyNotJson(text, e)}`);
    }
    return bytesOf(v, path, what, fail, true);
}

/**
 * Why `text` is not JSON, and where, as the core's reader says natively: its words,
 * then `(line L, column C)`. Each host's JSON.parse words its errors its own way,
 * and some give only an offset or no place at all, so the module reads the text
 * again, only once JSON.parse has refused it (crates/rules/src/json_place.rs); should it
 * find nothing wrong, or be the page module, which has no such reader, the host's
 * words are given.
 */
function whyNotJson(text, parseError) {
    // The page module has no jsonError (it takes JSON text only in Session.restore).
    const found = glue.jsonError ? guard(() => glue.jsonError(text)) : undefined;
    return found ?? (parseError && parseError.message ? parseError.message : String(parseError));
}

/** The bytes of `text` in UTF-8 (a lone surrogate counts as the three of U+FFFD). */
function utf8Length(text) {
    let n = text.length;
    for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x80) continue;
        if (c < 0x800) {
            n += 1;
            continue;
        }
        const next = text.charCodeAt(i + 1);
        if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            // A pair: two units, four bytes.
            n += 2;
            i++;
            continue;
        }
        n += 2;
    }
    return n;
}

const leadBytes = (v) => bytesOf(v, '', 'the lead', inputError);
const leadsBytes = (v) => bytesOf(v, '', 'the list of leads', inputError);
const ruleSetBytes = (v) => bytesOf(v, '', 'the rule set', ruleSetError);

/**
 * `now` as the module takes it: a float64, of which the module refuses NaN,
 * fractions and what lies beyond a Date's range. Anything but a number is refused
 * here, as the crossing would turn it into one ('1' into 1, null into 0).
 */
function timestamp(now) {
    if (typeof now === 'number') return now;
    const what = typeof now === 'string' ? `the string ${JSON.stringify(now.slice(0, 40))}` : kind(now);
    const hint = now instanceof Date ? ': pass date.getTime()' : '';
    throw inputError(
        'now',
        'wrongType',
        `now is milliseconds since the epoch, a number like Date.now(), not ${what}${hint}`,
    );
}

/**
 * The result a call of the module answered, or its error thrown. A success is
 * `[true, result]`, whose first two bytes are always 0x92 0xc3 (a list of two,
 * true): the result is read from the third byte on, with no list made for it.
 */
function answer(bytes) {
    if (bytes[0] === 0x92 && bytes[1] === 0xc3) return decode(bytes, 2);
    const [ok, value] = decode(bytes);
    if (ok) return value;
    throw errorFrom(value);
}

/** The object a constructor of the module made, or its error thrown. */
function made(value) {
    if (value instanceof Uint8Array) answer(value);
    return value;
}

/**
 * Ids the module refuses past 128 bytes: a string of more UTF-16 units has more
 * bytes still, and is refused before the glue copies it into the module.
 */
const MAX_ID_LEN = 128;

/** Text the module takes as a string argument (an id); anything else is refused. */
function text(v, path, what) {
    if (typeof v !== 'string') throw inputError(path, 'wrongType', `${what} must be text, not ${kind(v)}`);
    if (v.length > MAX_ID_LEN)
        throw inputError(path, 'invalidId', `${what} is empty or longer than ${MAX_ID_LEN} bytes`);
    return v;
}

// ---------------------------------------------------------------------------
// Lists in parts

/**
 * Leads per crossing in `scoreMany` and `qualifyMany`: a batch of up to this many
 * crosses once, a longer list in parts. WebAssembly memory never shrinks, and a list
 * of 10,000 leads sent whole grew it by 18 MB for good; in parts, one part's bytes
 * are held at a time, and a long list is about 10% faster
 * (docs/decisions/0007-batches-cross-in-parts-of-256.md).
 */
const LEADS_PER_CROSSING = 256;

/** `e` with the lead index that leads its path moved on by `by` (a part's start). */
function shifted(e, by) {
    const at = e instanceof InputError && typeof e.path === 'string' ? /^\[(\d+)\]/.exec(e.path) : null;
    if (!at) return e;
    const path = `[${Number(at[1]) + by}]${e.path.slice(at[0].length)}`;
    return new InputError(path, e.code, e.problems[0].message);
}

/**
 * Calls `f(part, first)` with each part of `list`, LEADS_PER_CROSSING leads at a
 * time, in order (`first` for the first part); an error from a part names its lead
 * by the lead's index in the whole list.
 */
function eachPart(list, f) {
    for (let from = 0; from < list.length; from += LEADS_PER_CROSSING) {
        try {
            f(list.slice(from, from + LEADS_PER_CROSSING), from === 0);
        } catch (e) {
            throw shifted(e, from);
        }
    }
}

/**
 * The results of `score(listBytes, first)` for each lead of `list`, asked for in
 * parts of LEADS_PER_CROSSING leads; the module counts the steps of all the parts
 * of one list toward `maxCallSteps` (`first` starts the count). What is not a list
 * crosses whole, for the module to refuse.
 */
function inParts(list, score) {
    if (!Array.isArray(list) || list.length <= LEADS_PER_CROSSING) return answer(score(leadsBytes(list), true));
    const results = [];
    eachPart(list, (part, first) => {
        for (const r of answer(score(leadsBytes(part), first))) results.push(r);
    });
    return results;
}

/**
 * The results of `score(from, to)` for the leads a set of `n` holds, asked for in
 * parts as lists are sent. An empty set still crosses once, so that `now` is checked.
 */
function heldInParts(n, score) {
    const results = [];
    let from = 0;
    do {
        for (const r of answer(score(from, from + LEADS_PER_CROSSING))) results.push(r);
        from += LEADS_PER_CROSSING;
    } while (from < n);
    return results;
}

// ---------------------------------------------------------------------------
// The classes

/** A method called on something that is not an object of its class. */
function wrongThis(self, cls, member) {
    const lower = cls.name.charAt(0).toLowerCase() + cls.name.slice(1);
    return new InputError(
        '',
        'wrongType',
        `${cls.name}.${member} was called on ${kind(self)}: call it as ${lower}.${member}(…)`,
    );
}

const freedError = (cls) =>
    new InputError('', 'freed', `this ${cls} was freed (free() or a using block) and cannot be used again`);

/** How each class's objects are made, for a message about an argument that is not one. */
const MADE_WITH = {
    Engine: 'new Engine(ruleSet)',
    Session: 'new Session(id) or Session.restore(saved)',
    LeadSet: 'new LeadSet(leads)',
};

/** An argument that should be an object of `cls`. */
function wrongArg(v, cls, path) {
    const article = /^[AEIOU]/.test(cls) ? 'an' : 'a';
    const made = MADE_WITH[cls] ? ` (made with ${MADE_WITH[cls]})` : '';
    return new InputError(path, 'wrongType', `${path} must be ${article} ${cls}${made}, not ${kind(v)}`);
}

/** An object of an instance of the module that failed and was replaced. */
const lostError = (cls, path) =>
    new InputError(
        path,
        'moduleFailed',
        `this ${cls} was made before the engine's WebAssembly instance failed and was replaced: make it again`,
    );

const freedArg = (cls, path) =>
    new InputError(path, 'freed', `the ${cls} passed as ${path} was freed and cannot be used again`);

/** Gives `self` its module object (ModuleObject sets it). */
let holding;
/** Whether `self` still holds its module object (it was not freed). */
let holds;
/** The module object of `self`, called as `cls.member`; a clear error when there is none. */
let rawOf;
/** The module object of an argument that should be a `cls`, passed as `path`. */
let rawArg;

/**
 * What the package's classes share: the object of the module each holds privately,
 * the checks of a call on it or of an argument that should be one, and `free()`.
 */
class ModuleObject {
    #raw = null;
    /** The instance of the module `#raw` belongs to. */
    #generation = generation;

    static {
        holding = (self, raw) => {
            self.#raw = raw;
            self.#generation = generation;
        };
        holds = (self) => self instanceof ModuleObject && #raw in self && self.#raw !== null;
        rawOf = (self, cls, member) => {
            if (!(self instanceof cls) || !(#raw in self)) throw wrongThis(self, cls, member);
            if (!self.#raw) throw freedError(cls.name);
            if (self.#generation !== generation) throw lostError(cls.name, '');
            return self.#raw;
        };
        rawArg = (v, cls, path) => {
            if (!(v instanceof cls) || !(#raw in v)) throw wrongArg(v, cls.name, path);
            if (!v.#raw) throw freedArg(cls.name, path);
            if (v.#generation !== generation) throw lostError(cls.name, path);
            return v.#raw;
        };
    }

    /** Gives the object's memory in the module back; using it afterwards throws. Calling it again is harmless. */
    free() {
        if (this instanceof ModuleObject && #raw in this && this.#raw) {
            if (this.#generation === generation) this.#raw.free();
            this.#raw = null;
        }
    }
}

/**
 * Returns the rule set it is given, unchanged: what it adds is in the types, where a
 * rule set written in code is checked as a `RuleSet` (and completed by an editor)
 * where it is written. Needs no `init()`.
 */
export function defineRuleSet(ruleSet) {
    return ruleSet;
}
/** What `Engine.fromCompiled` passes its constructor in place of a rule set: only this module holds it. */
const LOADED = Symbol('loaded');

/** How to make an engine where the module has no compiler (the page module). */
const COMPILE_AHEAD =
    'compile the rule set ahead with `leadscore compile --rules R.json --out R.lsc` (the command line) or ' +
    "compileRuleSet(ruleSet) (the full package, 'leadscore'), then load the bytes with Engine.fromCompiled(bytes)";

/** A compiled rule set. Scoring never changes it; one engine serves any number of leads and sessions. */
export class Engine extends ModuleObject {
    /** Compiles a rule set given as a plain object or as JSON text; a bad one throws a RuleSetError. */
    constructor(ruleSet, loaded) {
        ensureReady();
        let raw = loaded;
        if (ruleSet !== LOADED) {
            if (!RawEngine.compile) {
                throw inputError(
                    '',
                    'compiledOnly',
                    `leadscore/page loads compiled rule sets only and cannot compile one: ${COMPILE_AHEAD}`,
                );
            }
            const bytes =
                typeof ruleSet === 'string'
                    ? jsonBytes(ruleSet, '', 'the rule set', ruleSetError)
                    : ruleSetBytes(ruleSet);
            raw = made(guard(() => RawEngine.compile(bytes)));
        }
        super();
        holding(this, raw);
    }

    /** Compiles a rule set from JSON text. */
    static fromJson(text) {
        ensureReady();
        if (typeof text !== 'string')
            throw ruleSetError('', 'wrongType', `Engine.fromJson takes JSON text, not ${kind(text)}`);
        return new Engine(text);
    }

    /**
     * Checks a rule set (an object or JSON text) as `new Engine` does, and answers
     * instead of throwing: `{ valid, problems, warnings }`, with every problem a
     * RuleSetError would list, and for a valid rule set every warning: what it says
     * that is probably not meant, in the shape of a problem (docs/RULESET.md,
     * "Warnings"). The engine compiled to check it is freed at once.
     */
    static validate(ruleSet) {
        let engine;
        try {
            engine = new Engine(ruleSet);
        } catch (e) {
            if (!(e instanceof RuleSetError)) throw e;
            return { valid: false, problems: e.problems, warnings: [] };
        }
        try {
            const warnings = answer(guard(() => rawOf(engine, Engine, 'validate').warnings()));
            return { valid: true, problems: [], warnings };
        } finally {
            engine.free();
        }
    }

    /**
     * An engine from a compiled rule set (the bytes `compileRuleSet` returns or
     * `leadscore compile` writes), checked whole: bytes that are not one, are
     * truncated, damaged or of a newer format throw an InputError with the code
     * `compiledRuleSet` saying which.
     */
    static fromCompiled(bytes) {
        ensureReady();
        const view = bytesArg(
            bytes,
            'the compiled rule set',
            'Engine.fromCompiled',
            'the Uint8Array that compileRuleSet() returned',
        );
        return new Engine(LOADED, made(guard(() => RawEngine.fromCompiled(view))));
    }

    get id() {
        return guard(() => rawOf(this, Engine, 'id').id());
    }

    get version() {
        return guard(() => rawOf(this, Engine, 'version').version());
    }

    get description() {
        return guard(() => rawOf(this, Engine, 'description').description());
    }

    /**
     * What the rule set reads: `{ profile, events }`, the profile fields its fit
     * rules and profile disqualifiers test, and per event type looked at the
     * properties its `where` filters and sums read. Worked out by the engine from the
     * compiled rules, so a rule set loaded compiled answers as its JSON does.
     */
    get reads() {
        // The module answers lists, `[profile, [[type, properties], …]]`: no maps.
        const [profile, list] = answer(guard(() => rawOf(this, Engine, 'reads').reads()));
        const events = {};
        for (const [type, read] of list) {
            // As the codec reads a map: "__proto__" is a key like any other.
            Object.defineProperty(events, type, { value: read, enumerable: true, writable: true, configurable: true });
        }
        return { profile, events };
    }
}

/**
 * A rule set compiled ahead (a plain object or JSON text, as `new Engine` takes
 * it): the bytes `Engine.fromCompiled` loads, in this package or in its page module
 * (`leadscore/page`). A bad rule set throws a RuleSetError, as `new Engine` does.
 */
export function compileRuleSet(ruleSet) {
    const engine = new Engine(ruleSet);
    try {
        return guard(() => rawOf(engine, Engine, 'toCompiled').toCompiled());
    } finally {
        engine.free();
    }
}

/**
 * The methods of Engine that score leads given whole: the full module's, which the
 * entries put on Engine with `withBatchCalls()`. The page module has none, and its
 * Engine none of them.
 */
class BatchCalls {
    // Each method checks its object, then writes its arguments (which may run a
    // toJSON() of the caller's, even one that frees this engine), then takes the
    // module object again to call it.

    score(lead, now) {
        rawOf(this, Engine, 'score');
        const bytes = leadBytes(lead);
        const at = timestamp(now);
        return answer(guard(() => rawOf(this, Engine, 'score').score(bytes, at)));
    }

    scoreJson(leadText, now) {
        rawOf(this, Engine, 'scoreJson');
        const bytes = jsonBytes(leadText, '', "the lead's JSON", inputError);
        const at = timestamp(now);
        return JSON.stringify(answer(guard(() => rawOf(this, Engine, 'scoreJson').score(bytes, at))));
    }

    qualify(lead, now) {
        rawOf(this, Engine, 'qualify');
        const bytes = leadBytes(lead);
        const at = timestamp(now);
        return answer(guard(() => rawOf(this, Engine, 'qualify').qualify(bytes, at)));
    }

    scoreMany(leads, now) {
        return many(this, 'scoreMany', leads, now, 'scoreHeld');
    }

    /**
     * `scoreMany` over JSON text: a JSON list of leads in, a JSON list of results out.
     * The text is one input, so at most `limits().maxInputBytes` of it; a longer list
     * goes to `scoreMany`, which sends it in parts, or into a LeadSet.
     */
    scoreManyJson(leadsText, now) {
        rawOf(this, Engine, 'scoreManyJson');
        const bytes = jsonBytes(leadsText, '', "the leads' JSON", inputError);
        const at = timestamp(now);
        return JSON.stringify(answer(guard(() => rawOf(this, Engine, 'scoreManyJson').scoreMany(bytes, at, true))));
    }

    qualifyMany(leads, now) {
        return many(this, 'qualifyMany', leads, now, 'qualifyHeld');
    }
}

/** Puts BatchCalls' methods on Engine (as class methods are: not enumerable). Called once by each full entry. */
export function withBatchCalls() {
    for (const name of Object.getOwnPropertyNames(BatchCalls.prototype)) {
        if (name !== 'constructor' && !Object.hasOwn(Engine.prototype, name))
            Object.defineProperty(Engine.prototype, name, Object.getOwnPropertyDescriptor(BatchCalls.prototype, name));
    }
}

/**
 * `engine`'s batch method `method` (the module's of that name for a list, `held`
 * for a LeadSet), each part's call taking the module object afresh.
 */
function many(engine, method, leads, now, held) {
    rawOf(engine, Engine, method);
    if (leads instanceof LeadSet) {
        const at = timestamp(now);
        const count = guard(() => rawArg(leads, LeadSet, 'leads').length());
        return heldInParts(count, (from, to) =>
            guard(() => rawOf(engine, Engine, method)[held](rawArg(leads, LeadSet, 'leads'), at, from, to)),
        );
    }
    const at = typeof now === 'number' ? now : null;
    return inParts(leads, (bytes, first) => {
        const when = at ?? timestamp(now);
        return guard(() => rawOf(engine, Engine, method)[method](bytes, when, first));
    });
}

/**
 * Leads read and checked once, held in the module to be scored with any number of
 * rule sets: pass the set to `scoreMany` or `qualifyMany` in place of a list.
 */
export class LeadSet extends ModuleObject {
    /** Holds `leads` (`[]` for an empty set); a lead that is not a lead throws, with its index in the path. */
    constructor(leads) {
        ensureReady();
        const long = Array.isArray(leads) && leads.length > LEADS_PER_CROSSING;
        super();
        const bytes = leadsBytes(long ? [] : leads);
        holding(this, made(guard(() => glue.LeadSet.create(bytes))));
        if (long) {
            try {
                this.add(leads);
            } catch (e) {
                this.free();
                throw e;
            }
        }
    }

    /**
     * Adds leads after those held, all or none: a long list is added in parts, and
     * when a part is refused the parts before it are taken out again.
     */
    add(leads) {
        rawOf(this, LeadSet, 'add');
        const addPart = (part) => {
            const bytes = leadsBytes(part);
            answer(guard(() => rawOf(this, LeadSet, 'add').add(bytes)));
        };
        if (!Array.isArray(leads) || leads.length <= LEADS_PER_CROSSING) {
            addPart(leads);
            return;
        }
        const before = guard(() => rawOf(this, LeadSet, 'add').length());
        try {
            eachPart(leads, addPart);
        } catch (e) {
            // The set may have been freed meanwhile (by a toJSON), with nothing to undo.
            if (holds(this)) guard(() => rawOf(this, LeadSet, 'add').truncate(before));
            throw e;
        }
    }

    /** How many leads the set holds. */
    get length() {
        return guard(() => rawOf(this, LeadSet, 'length').length());
    }

    /** How many events the set holds, across its leads. */
    get events() {
        return guard(() => rawOf(this, LeadSet, 'events').events());
    }
}

/** The room for input the module keeps; more than this is given back after use. */
const INPUT_ROOM = 1024;

/**
 * Copies `bytes` into the room the module keeps for `track`'s input and returns
 * their length: no allocation in the module for each event. The room's address
 * holds until room is asked for again; the view of the memory is made again when
 * the memory has grown (which detaches the old one). Room made for an oversized
 * input (which the module refuses) is given back at the next call.
 */
function writeInput(bytes) {
    // Where the room is and how large, and a view of the memory: kept from call to
    // call, and started afresh with a fresh instance.
    const state = (inputState ??= { at: 0, room: 0, view: new Uint8Array(0) });
    const n = bytes.length;
    const want = Math.max(n, INPUT_ROOM);
    if (n > state.room || state.room > want) {
        const next = guard(() => inputRoom(want));
        if (!next) throw cannotTake(inputError, 'event', 'the event', n);
        state.at = next;
        state.room = want;
    }
    if (state.view.byteLength === 0) state.view = new Uint8Array(guard(() => moduleMemory().buffer));
    state.view.set(bytes, state.at);
    return n;
}

/**
 * `v` as bytes to send (`what`, for `method`, which takes `wanted`): a Uint8Array,
 * another view of an ArrayBuffer, or an ArrayBuffer; within the input limit and
 * the module's room. The glue would copy any array-like (a list of numbers, a
 * string's characters) into the module: only bytes are let through.
 */
function bytesArg(v, what, method, wanted) {
    let view;
    try {
        if (ArrayBuffer.isView(v)) view = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        else if (Object.prototype.toString.call(v) === '[object ArrayBuffer]') view = new Uint8Array(v);
    } catch {
        // A detached buffer (transferred to a worker, say) cannot be viewed.
        throw inputError('', 'wrongType', `${what} for ${method} is in a detached buffer, which holds nothing`);
    }
    if (!view) throw inputError('', 'wrongType', `${what} for ${method} must be ${wanted}, not ${kind(v)}`);
    checkInput(view.length, '', what, inputError);
    return roomFor(view, '', what, inputError);
}

/** What `Session.restore` passes its constructor in place of an id: only this module holds it. */
const RESTORED = Symbol('restored');

/** What `track` did with an event, by the number the module answers for it. */
const TRACKED = ['added', 'duplicate', 'addedDroppingOldest'];

/** The options a Session takes. */
const SESSION_OPTIONS = ['watch', 'debug'];

/**
 * A session's options, checked before anything is made: `{ watch, debug }` with
 * `watch` a list of Engines and `debug` true or a function (the logger).
 */
function sessionOptions(options, call) {
    if (options === undefined || options === null) return { watch: [], log: null };
    if (typeof options !== 'object' || Array.isArray(options)) {
        throw inputError(
            'options',
            'wrongType',
            `the options of ${call} must be an object like { watch: [engine], debug: true }, not ${kind(options)}`,
        );
    }
    for (const k of Object.keys(options)) {
        if (!SESSION_OPTIONS.includes(k)) {
            throw inputError(
                `options.${k}`,
                'unknownKey',
                `${call} has no option "${k}"; its options are ${SESSION_OPTIONS.join(', ')}`,
            );
        }
    }
    const { watch = [], debug = false } = options;
    if (!Array.isArray(watch)) {
        throw inputError(
            'options.watch',
            'wrongType',
            `options.watch must be a list of Engines, like [engine], not ${kind(watch)}`,
        );
    }
    watch.forEach((e, i) => rawArg(e, Engine, `options.watch[${i}]`));
    if (typeof debug !== 'boolean' && typeof debug !== 'function') {
        throw inputError(
            'options.debug',
            'wrongType',
            `options.debug must be true, false or a function that logs an entry, not ${kind(debug)}`,
        );
    }
    const log = debug === true ? logToConsole : debug || null;
    return { watch, log };
}

/** The logger of `debug: true`. */
function logToConsole(entry) {
    console.debug(`leadscore: ${entry.message}`, entry);
}

/** What a debugging session logs an entry under, to log it once (see `Session#logNew`). */
function logKey(entry) {
    const about = entry.type === undefined ? entry.message : `${entry.type}\u0000${entry.ts}\u0000${entry.id ?? ''}`;
    return `${entry.rulesetId}@${entry.rulesetVersion}\u0000${entry.reason}\u0000${about}`;
}

/**
 * One visitor's profile and events, observed one event at a time; remembers which
 * stage transitions it has reported. Save it with `save()`, bring it back with
 * `Session.restore(text)`.
 */
export class Session extends ModuleObject {
    /** The debug logger (options.debug), or null. */
    #log = null;
    /** Debugging: how many entries of each key (`logKey`) were logged. */
    #logged = null;
    /** Debugging: whether `track`'s warning was logged. */
    #warned = false;

    /**
     * A new, anonymous session; `id` names the visitor (a cookie or device id).
     * `options.watch`: engines to watch at once; `options.debug`: log what does not
     * count (true for console.debug, or a function given each entry).
     */
    constructor(id, options) {
        ensureReady();
        let raw, opts;
        if (id === RESTORED) {
            ({ raw, opts } = options);
        } else {
            opts = sessionOptions(options, 'new Session');
            raw = made(guard(() => RawSession.create(text(id, 'id', 'the session id'))));
        }
        super();
        holding(this, raw);
        for (const engine of opts.watch) this.watch(engine);
        if (opts.log) {
            this.#log = opts.log;
            this.#logged = new Map();
        }
    }

    /**
     * Brings back a session from the text `save()` wrote. It watches the engines of
     * `options.watch` (none without), and logs as `options.debug` says.
     */
    static restore(saved, options) {
        ensureReady();
        const opts = sessionOptions(options, 'Session.restore');
        const bytes = jsonBytes(saved, '', 'saved state', inputError);
        return Session.#wrap(made(guard(() => RawSession.restore(bytes))), opts);
    }

    /** Brings back a session from the bytes `saveBytes()` wrote; `options` as for `restore`. */
    static restoreBytes(saved, options) {
        ensureReady();
        const opts = sessionOptions(options, 'Session.restoreBytes');
        const bytes = bytesArg(
            saved,
            'saved state',
            'restoreBytes',
            'the Uint8Array (or ArrayBuffer) that saveBytes() returned',
        );
        return Session.#wrap(made(guard(() => RawSession.restoreBytes(bytes))), opts);
    }

    /** A Session around a module session that `restore` made. */
    static #wrap(raw, opts) {
        return new Session(RESTORED, { raw, opts });
    }

    /**
     * Debugging: logs the entries of `list` (each an event the module says does not
     * count) not logged yet. Identical events log as often as they occur.
     */
    #logNew(list) {
        const counts = new Map();
        for (const entry of list) {
            const key = logKey(entry);
            const n = (counts.get(key) ?? 0) + 1;
            counts.set(key, n);
            if (n > (this.#logged.get(key) ?? 0)) {
                this.#logged.set(key, n);
                this.#log(entry);
            }
        }
    }

    /** Debugging: what `track` answered about `event`. */
    #logTrack(event, result) {
        if (result.setAside) this.#logNew(result.setAside);
        if (result.warning && !this.#warned) {
            this.#warned = true;
            this.#log({ reason: 'nothingWatched', message: result.warning });
        }
        if (result.tracked === 'duplicate') {
            this.#log({
                reason: 'duplicate',
                type: event.type,
                id: event.id,
                message: `the session already holds an event with the id ${JSON.stringify(event.id)}: nothing changed`,
            });
        }
    }

    /** Debugging: after a call that scored with `engine` at `at`, what it does not count. */
    #logScored(raw, engine, at) {
        if (this.#log) this.#logNew(answer(guard(() => raw.setAside(engine, at))));
    }

    get id() {
        return guard(() => rawOf(this, Session, 'id').id());
    }

    /** The lead id given to `identify`, if any. */
    get leadId() {
        return guard(() => rawOf(this, Session, 'leadId').leadId());
    }

    /** Marks the visitor as a known lead; events tracked from now on are not anonymous. */
    identify(leadId) {
        const raw = rawOf(this, Session, 'identify');
        const id = text(leadId, 'leadId', 'the lead id');
        answer(guard(() => raw.identify(id)));
    }

    /** Sets profile fields: each key replaces the session's value (null removes it). */
    updateProfile(patch) {
        rawOf(this, Session, 'updateProfile');
        const bytes = bytesOf(patch, 'profile', 'the profile', inputError);
        answer(guard(() => rawOf(this, Session, 'updateProfile').updateProfile(bytes)));
    }

    /** Has `track` evaluate with this engine after every event and return the transitions. */
    watch(engine) {
        const raw = rawOf(this, Session, 'watch');
        const watched = rawArg(engine, Engine, 'engine');
        guard(() => raw.watch(watched));
    }

    /** Stops evaluating with this engine's rule set on `track`. */
    unwatch(engine) {
        const raw = rawOf(this, Session, 'unwatch');
        const watched = rawArg(engine, Engine, 'engine');
        guard(() => raw.unwatch(watched));
    }

    /**
     * Records an event, then evaluates the session at `now` with every watched
     * engine: `{tracked, transitions}`, with `setAside` for the watched engines that
     * will never count the event and `warning` when a restored session watches
     * nothing. `now` also refuses events from the far future.
     */
    track(event, now) {
        rawOf(this, Session, 'track');
        const n = writeInput(bytesOf(event, 'event', 'the event', inputError));
        const at = timestamp(now);
        const out = guard(() => rawOf(this, Session, 'track').track(n, at));
        const result = typeof out === 'number' ? { tracked: TRACKED[out], transitions: [] } : answer(out);
        if (this.#log) this.#logTrack(event, result);
        return result;
    }

    /** Scores the session at `now` and reports each stage transition the first time it happens. */
    evaluate(engine, now) {
        const raw = rawOf(this, Session, 'evaluate');
        const e = rawArg(engine, Engine, 'engine');
        const at = timestamp(now);
        const evaluation = answer(guard(() => raw.evaluate(e, at)));
        this.#logScored(raw, e, at);
        return evaluation;
    }

    /** Scores the session at `now` without changing it. */
    score(engine, now) {
        const raw = rawOf(this, Session, 'score');
        const e = rawArg(engine, Engine, 'engine');
        const at = timestamp(now);
        const result = answer(guard(() => raw.score(e, at)));
        this.#logScored(raw, e, at);
        return result;
    }

    /** The session's score and stage at `now` without the explanation. Changes nothing. */
    qualify(engine, now) {
        const raw = rawOf(this, Session, 'qualify');
        const e = rawArg(engine, Engine, 'engine');
        const at = timestamp(now);
        const result = answer(guard(() => raw.qualify(e, at)));
        this.#logScored(raw, e, at);
        return result;
    }

    /** The stage this session last reached with the engine's rule set and version. */
    stage(engine) {
        const raw = rawOf(this, Session, 'stage');
        const e = rawArg(engine, Engine, 'engine');
        return guard(() => raw.stage(e));
    }

    /** The session's state as compact JSON text, for `Session.restore`. */
    save() {
        return JSON.stringify(decode(guard(() => rawOf(this, Session, 'save').save())));
    }

    /** The session's state as bytes (MessagePack), for `Session.restoreBytes`. */
    saveBytes() {
        return guard(() => rawOf(this, Session, 'saveBytes').save());
    }

    /** Folds another session (say, a visitor's anonymous history) into this one. */
    merge(other) {
        const raw = rawOf(this, Session, 'merge');
        if (other === this) throw new InputError('other', 'sameObject', 'a Session cannot merge itself');
        const o = rawArg(other, Session, 'other');
        guard(() => raw.merge(o));
    }
}

// `free()` is also `[Symbol.dispose]()`, for `using`, where the runtime has the symbol.
if (typeof Symbol.dispose === 'symbol') ModuleObject.prototype[Symbol.dispose] = ModuleObject.prototype.free;

// Each class keeps its own name in messages ("must be an Engine", "not a Session")
// and `constructor.name`: the Node.js entry is bundled with the module's glue, whose
// classes have the same names, so the bundler renames these (`_Engine`).
for (const [cls, name] of [
    [Engine, 'Engine'],
    [LeadSet, 'LeadSet'],
    [Session, 'Session'],
]) {
    Object.defineProperty(cls, 'name', { value: name });
}

// ---------------------------------------------------------------------------
// Backtesting and learning (docs/BACKTEST.md): the full package only. Each call is
// synchronous, meant for a Web Worker: the work is done in parts, and `onProgress`
// (when given) is called between them.

/** Bytes of history text per crossing: well under the default input limit. */
const HISTORY_BYTES_PER_PART = 1 << 20;
/** Leads scored per crossing in a backtest. */
const LEADS_PER_STEP = 4096;
/** Sample leads made per crossing. */
const SAMPLE_LEADS_PER_PART = 1000;

/** `options` as JSON text for the module, with `onProgress` taken off (and checked). */
function optionsText(options, what) {
    if (options === undefined || options === null) return { text: '', onProgress: null };
    if (typeof options !== 'object' || Array.isArray(options))
        throw inputError(what, 'wrongType', `${what} must be an object, not ${kind(options)}`);
    const { onProgress, compareWith, ...rest } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function')
        throw inputError(`${what}.onProgress`, 'wrongType', `onProgress must be a function, not ${kind(onProgress)}`);
    return { text: JSON.stringify(rest), onProgress: onProgress || null, compareWith };
}

/**
 * Where to cut `bytes` (UTF-8 of a history) into parts of about `size` bytes, each
 * ending after a newline that ends a row: outside quotes for CSV (a quoted cell may
 * hold newlines), any newline for NDJSON.
 */
function rowParts(bytes, size, csv) {
    const cuts = [];
    let start = 0;
    let quoted = false;
    let scanned = 0;
    while (bytes.length - start > size) {
        let cut = -1;
        for (let i = scanned; i < bytes.length; i++) {
            const b = bytes[i];
            if (csv && b === 0x22) quoted = !quoted;
            else if (b === 0x0a && !quoted && i + 1 - start >= size) {
                cut = i + 1;
                scanned = i + 1;
                break;
            }
        }
        if (cut < 0) break;
        cuts.push([start, cut]);
        start = cut;
    }
    cuts.push([start, bytes.length]);
    return cuts;
}

/** Whether a history's text is NDJSON: its mapping says so, or it starts with `{`. */
function isNdjson(bytes, mapping) {
    if (mapping && mapping.format) return mapping.format === 'ndjson';
    let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
    return bytes[i] === 0x7b;
}

/** Most leads `History.sampleText` writes: its text is made whole in the module. */
const MAX_SAMPLE_TEXT_LEADS = 20_000;

/** Historical leads with outcomes, held in the module to be backtested and learnt from. */
export class History extends ModuleObject {
    /** Reads `text` (CSV or NDJSON) through `mapping`; unreadable rows are skipped and listed in `problems`. */
    constructor(text, mapping, options) {
        ensureReady();
        super();
        const { onProgress } = optionsText(options, 'options');
        if (mapping !== undefined && mapping !== null && (typeof mapping !== 'object' || Array.isArray(mapping)))
            throw inputError('mapping', 'wrongType', `the mapping must be an object, not ${kind(mapping)}`);
        let bytes;
        if (typeof text === 'string') bytes = new TextEncoder().encode(text);
        else if (text instanceof Uint8Array) bytes = text;
        else if (text === SAMPLE) bytes = null;
        else
            throw inputError(
                '',
                'wrongType',
                `a history is CSV or NDJSON text (a string or a Uint8Array), not ${kind(text)}`,
            );
        holding(this, made(guard(() => glue.History.create(mapping ? JSON.stringify(mapping) : ''))));
        if (bytes === null) return;
        try {
            const parts = rowParts(bytes, HISTORY_BYTES_PER_PART, !isNdjson(bytes, mapping));
            for (const [from, to] of parts) {
                const part = bytes.subarray(from, to);
                answer(guard(() => rawOf(this, History, 'feed').feed(part)));
                if (onProgress) onProgress(to, bytes.length, 'read');
            }
        } catch (e) {
            this.free();
            throw e;
        }
    }

    /** A deterministic synthetic B2B history (docs/BACKTEST.md, "Sample"). */
    static sample(options) {
        const { text, onProgress } = optionsText(options, 'options');
        const leads = options && options.leads !== undefined ? options.leads : 5000;
        if (!Number.isInteger(leads) || leads < 0 || leads > 1_000_000)
            throw inputError('options.leads', 'invalidValue', 'leads must be a whole number from 0 to 1,000,000');
        const history = new History(SAMPLE);
        try {
            for (let from = 0; from < leads; from += SAMPLE_LEADS_PER_PART) {
                const to = Math.min(leads, from + SAMPLE_LEADS_PER_PART);
                answer(guard(() => rawOf(history, History, 'feedSample').feedSample(text, from, to)));
                if (onProgress) onProgress(to, leads, 'sample');
            }
        } catch (e) {
            history.free();
            throw e;
        }
        return history;
    }

    /** The sample as NDJSON text, as `leadscore sample` writes it (at most 20,000 leads). */
    static sampleText(options) {
        ensureReady();
        const { text } = optionsText(options, 'options');
        const leads = options && options.leads !== undefined ? options.leads : 5000;
        if (!Number.isInteger(leads) || leads < 0 || leads > MAX_SAMPLE_TEXT_LEADS)
            throw inputError(
                'options.leads',
                'invalidValue',
                `sampleText writes a whole number of leads from 0 to ${MAX_SAMPLE_TEXT_LEADS}; for more, use leadscore sample`,
            );
        return answer(guard(() => glue.sampleText(text)));
    }

    /** How many leads the history holds. */
    get length() {
        return guard(() => rawOf(this, History, 'length').length());
    }
    /** How many of them converted. */
    get converted() {
        return guard(() => rawOf(this, History, 'converted').converted());
    }
    /** How many events the leads hold. */
    get events() {
        return guard(() => rawOf(this, History, 'events').events());
    }
    /** When the history is seen (the mapping's `now`, else the latest event time). */
    get now() {
        return guard(() => rawOf(this, History, 'now').now());
    }
    /** Rows skipped as unreadable. */
    get skipped() {
        return guard(() => rawOf(this, History, 'skipped').skipped());
    }
    /** The first 100 unreadable rows: `{line, column, code, message}`. */
    get problems() {
        return answer(guard(() => rawOf(this, History, 'problems').problems()));
    }
    /** The profile fields and event types of the leads, with counts. */
    get fields() {
        return answer(guard(() => rawOf(this, History, 'fields').fields()));
    }
}

/** What `History.sample` passes its constructor: an empty history to fill. */
const SAMPLE = Symbol('sample');

/** Scores the history's leads with `engines` in parts and answers the report. */
function runBacktest(engines, history, options) {
    const { text, onProgress } = optionsText(options, 'options');
    rawArg(history, History, 'history');
    engines.forEach(([e, path]) => rawArg(e, Engine, path));
    const raw = guard(() => {
        const h = rawArg(history, History, 'history');
        return engines.length === 2
            ? glue.Backtest.compare(h, rawArg(engines[0][0], Engine, 'a'), rawArg(engines[1][0], Engine, 'b'), text)
            : glue.Backtest.create(h, rawArg(engines[0][0], Engine, engines[0][1]), text);
    });
    const run = made(raw);
    try {
        const total = guard(() => rawArg(history, History, 'history').length());
        let done = 0;
        do {
            done = guard(() => run.step(rawArg(history, History, 'history'), LEADS_PER_STEP));
            if (onProgress) onProgress(done, total, 'score');
        } while (done < total);
        return answer(guard(() => run.report(rawArg(history, History, 'history'))));
    } finally {
        run.free();
    }
}

/** Scores every lead of `history` with `engine` and reports how the scores separate conversions. */
export function backtest(engine, history, options) {
    ensureReady();
    return runBacktest([[engine, 'engine']], history, options);
}

/** Backtests two rule sets on the same leads: both reports, `aucDelta` and `agreement`. */
export function compareRuleSets(a, b, history, options) {
    ensureReady();
    return runBacktest(
        [
            [a, 'a'],
            [b, 'b'],
        ],
        history,
        options,
    );
}

/** Fits a regularised logistic regression on `history` and writes it as a rule set with integer points. */
export function learn(history, options) {
    ensureReady();
    const { text, onProgress, compareWith } = optionsText(options, 'options');
    rawArg(history, History, 'history');
    const progress = onProgress || (() => {});
    return answer(
        guard(() =>
            compareWith === undefined
                ? glue.learnRuleSet(rawArg(history, History, 'history'), text, progress)
                : glue.learnRuleSetAgainst(
                      rawArg(history, History, 'history'),
                      text,
                      rawArg(compareWith, Engine, 'options.compareWith'),
                      progress,
                  ),
        ),
    );
}
