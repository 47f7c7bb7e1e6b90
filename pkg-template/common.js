// Shared by every entry point: the error classes, and the wrappers that turn the
// generated Engine and Session classes into the package's API: data arguments
// encoded for the WebAssembly and results decoded (codec.js), and clear errors for
// misuse (a freed object, a wrong argument, use before init) instead of
// wasm-bindgen's internal ones.
// scripts/build-pkg.sh derives common.cjs from this file: keep to `export class`,
// `export function` and `export const` at the top level, and imports of the form
// `import { a, b } from './x.js'`.
import { encode, decode, CodecError } from './codec.js';

function kind(v) {
    if (v === undefined || v === null) return String(v);
    if (Array.isArray(v)) return 'a list';
    if (typeof v === 'object') {
        const name = v.constructor && v.constructor.name;
        return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
    return `a ${typeof v}`;
}

function line(p) {
    return p.path ? `${p.path}: ${p.message} (${p.code})` : `${p.message} (${p.code})`;
}

/**
 * Bad input: an event, a lead, a profile, saved state or an argument. Thrown with
 * `path`, `code` and `problems` (one entry); nothing was changed by the call.
 * `instanceof InputError` holds for every error named "InputError".
 */
export class InputError extends Error {
    constructor(path, code, message) {
        super(line({ path, code, message }));
        this.name = 'InputError';
        this.path = path;
        this.code = code;
        this.problems = [{ path, code, message }];
    }

    static [Symbol.hasInstance](v) {
        return v instanceof Error && v.name === 'InputError';
    }
}

/**
 * A rule set that was refused, with every problem in `problems`.
 * `instanceof RuleSetError` holds for every error named "RuleSetError".
 */
export class RuleSetError extends Error {
    constructor(problems) {
        super([`the rule set has ${problems.length} problem(s)`, ...problems.map((p) => `  - ${line(p)}`)].join('\n'));
        this.name = 'RuleSetError';
        this.problems = problems;
    }

    static [Symbol.hasInstance](v) {
        return v instanceof Error && v.name === 'RuleSetError';
    }
}

// ---------------------------------------------------------------------------
// Data in and out of the WebAssembly (src/wasm.rs takes and gives MessagePack).

const inputError = (path, code, message) => new InputError(path, code, message);
const ruleSetError = (path, code, message) => new RuleSetError([{ path, code, message }]);

/**
 * Inputs of this many bytes or more cross only once the module has made room for
 * twice as many (`Session.__canHold`): the generated glue copies an input into
 * memory it allocates in the module, and an allocation the memory cannot grow to
 * aborts the module with "RuntimeError: unreachable". Below this size the question
 * costs more than it could save: a module that cannot grow by 2 MiB fails anyway.
 */
const ASK_ROOM_FROM = 1 << 20;

/** Whether the module can make room for `n` bytes (guardClasses sets it). */
let canHold = () => true;

/** The error for `n` bytes of `what` that the module's memory could not take. */
const cannotTake = (fail, path, what, n) =>
    fail(path, 'tooLarge', `${what} is ${n} bytes as MessagePack: more than the module's memory can take`);

/** `bytes`, or `fail(path, 'tooLarge', …)` when the module could not take them. */
function roomFor(bytes, path, what, fail) {
    const n = bytes.length;
    if (n >= ASK_ROOM_FROM && !canHold(2 * n)) throw cannotTake(fail, path, what, n);
    return bytes;
}

/** `v` encoded; what JSON cannot hold is refused with `fail(path, code, message)`. */
function bytesOf(v, path, what, fail) {
    return roomFor(encoded(v, path, what, fail), path, what, fail);
}

function encoded(v, path, what, fail) {
    try {
        return encode(v);
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
}

/** JSON text read with the host's JSON.parse. */
function parsed(text, path, what, fail) {
    if (typeof text !== 'string') throw fail(path, 'wrongType', `${what} is JSON text, not ${kind(text)}`);
    try {
        return JSON.parse(text);
    } catch (e) {
        throw fail(path, 'invalidJson', `${what} is not valid JSON: ${e.message}`);
    }
}

const lead = (v) => bytesOf(v, '', 'the lead', inputError);
const leadText = (text) => lead(parsed(text, '', "the lead's JSON", inputError));
const leads = (v) => bytesOf(v, '', 'the list of leads', inputError);
const ruleSet = (v) =>
    bytesOf(typeof v === 'string' ? parsed(v, '', 'the rule set', ruleSetError) : v, '', 'the rule set', ruleSetError);

/**
 * `now` as the module takes it: a float64, of which src/wasm.rs refuses NaN,
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
 * A method `(first, now)` whose first argument goes through `input` (to bytes) and
 * whose result is decoded, then written as JSON text when `asText`.
 */
const crossing = (input, asText) => (fn) =>
    function (first, now) {
        const result = decode(fn.call(this, input(first), timestamp(now)));
        return asText ? JSON.stringify(result) : result;
    };
const asIs = (v) => v;

/**
 * Leads per crossing in `scoreMany` and `qualifyMany`: a batch of up to this many
 * crosses once, a longer list in parts. WebAssembly memory never shrinks, and a list
 * of 10,000 leads sent whole grew it by 18 MB for good; in parts, one part's bytes
 * are held at a time, and a long list is about 10% faster (BENCHMARKS.md: parts of
 * 16 to 256 leads measured alike, of 1,024 slower).
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
 * Calls `f` with each part of `list`, LEADS_PER_CROSSING leads at a time, in order;
 * an error from a part names its lead by the lead's index in the whole list.
 */
function eachPart(list, f) {
    for (let from = 0; from < list.length; from += LEADS_PER_CROSSING) {
        try {
            f(list.slice(from, from + LEADS_PER_CROSSING));
        } catch (e) {
            throw shifted(e, from);
        }
    }
}

/** The package's LeadSet (guardClasses sets it): batch methods score the leads one holds. */
let LeadSetClass = null;

/**
 * The results of `method` (the generated `__scoreHeld` or `__qualifyHeld`) for the
 * leads `set` holds, asked for in parts of LEADS_PER_CROSSING leads, as lists are
 * sent. An empty set still crosses once, so that `now` is checked.
 */
function fromHeld(engine, method, set, now) {
    checkArg(set, LeadSetClass, 'leads', null);
    const at = timestamp(now);
    const n = set.length;
    const results = [];
    let from = 0;
    do {
        for (const r of decode(method.call(engine, set, at, from, from + LEADS_PER_CROSSING))) results.push(r);
        from += LEADS_PER_CROSSING;
    } while (from < n);
    return results;
}

/**
 * A batch method `(list, now)` whose list (JSON text first through `parse` when
 * `asText`) crosses in parts of LEADS_PER_CROSSING leads; the results come back as
 * one list (as JSON text when `asText`), and a bad lead is named by its index in
 * the whole list. What is not a list crosses whole, for the module to refuse. Given
 * a LeadSet, the generated method named `held` scores the leads it holds.
 */
const inParts = (asText, held) => (fn) =>
    function (list, now) {
        if (held && list instanceof LeadSetClass) return fromHeld(this, this[held], list, now);
        const all = asText ? parsed(list, '', "the leads' JSON", inputError) : list;
        const cross = (part) => decode(fn.call(this, leads(part), timestamp(now)));
        let results;
        if (!Array.isArray(all) || all.length <= LEADS_PER_CROSSING) {
            results = cross(all);
        } else {
            results = [];
            eachPart(all, (part) => {
                for (const r of cross(part)) results.push(r);
            });
        }
        return asText ? JSON.stringify(results) : results;
    };

/**
 * Per method, how its data crosses: `(fn) => wrapper`, where fn is the generated
 * method taking and giving bytes. Methods not listed take and give plain values.
 */
const ENGINE_METHODS = {
    score: crossing(lead, false),
    scoreJson: crossing(leadText, true),
    scoreMany: inParts(false, '__scoreHeld'),
    scoreManyJson: inParts(true),
    qualify: crossing(lead, false),
    qualifyMany: inParts(false, '__qualifyHeld'),
};

const LEAD_SET_METHODS = {
    // A long list is added in parts, all or none: when a part is refused, the parts
    // before it are taken out again, and the error names the lead by its index in
    // the whole list.
    add: (fn) =>
        function (list) {
            if (!Array.isArray(list) || list.length <= LEADS_PER_CROSSING) return fn.call(this, leads(list));
            const before = this.length;
            try {
                eachPart(list, (part) => fn.call(this, leads(part)));
            } catch (e) {
                this.__truncate(before);
                throw e;
            }
        },
};

const ENGINE_STATICS = {
    fromJson: (fn) =>
        function (text) {
            if (typeof text !== 'string')
                throw ruleSetError('', 'wrongType', `Engine.fromJson takes JSON text, not ${kind(text)}`);
            return fn.call(this, ruleSet(text));
        },
};

/** The room for input a module keeps; more than this is given back after use. */
const INPUT_ROOM = 1024;

/**
 * `input(bytes)` copies bytes into the room the module of `cls` keeps for input
 * (Session.__inputRoom) and returns their length: no allocation in the module for
 * each call. The room's address holds until room is asked for again; the view of
 * the memory is made again when the memory has grown (which detaches the old one).
 * Room made for an oversized input (which the module refuses) is given back at the
 * next call.
 */
function moduleInput(cls) {
    let at = 0;
    let room = 0;
    let memory = null;
    let view = new Uint8Array(0);
    return (bytes) => {
        const n = bytes.length;
        const want = Math.max(n, INPUT_ROOM);
        if (n > room || room > want) {
            const next = cls.__inputRoom(want);
            if (!next) throw cannotTake(inputError, 'event', 'the event', n);
            at = next;
            room = want;
        }
        if (view.byteLength === 0) {
            memory ??= cls.__memory();
            view = new Uint8Array(memory.buffer);
        }
        view.set(bytes, at);
        return n;
    };
}

/** What `track` did with an event, by the number src/wasm.rs returns for it. */
const TRACKED = ['added', 'duplicate', 'addedDroppingOldest'];

const SESSION_METHODS = {
    updateProfile: (fn) =>
        function (patch) {
            return fn.call(this, bytesOf(patch, 'profile', 'the profile', inputError));
        },
    // The event's bytes go into the room the module keeps for input, and the
    // generated track takes their length (see track in src/wasm.rs). It returns what
    // became of the event (an index into TRACKED), plus 4 when it caused transitions,
    // which __takeTransitions hands over, or 8 for an error, which __takeError does.
    track: (fn, cls) => {
        const input = moduleInput(cls);
        return function (event, now) {
            const code = fn.call(this, input(bytesOf(event, 'event', 'the event', inputError)), timestamp(now));
            if (code & 8) throw this.__takeError();
            return { tracked: TRACKED[code & 3], transitions: code & 4 ? decode(this.__takeTransitions()) : [] };
        };
    },
    evaluate: crossing(asIs, false),
    score: crossing(asIs, false),
    qualify: crossing(asIs, false),
    save: (fn) =>
        function () {
            return JSON.stringify(decode(fn.call(this)));
        },
};

const SESSION_STATICS = {
    restore: (fn) =>
        function (text) {
            return fn.call(this, bytesOf(parsed(text, '', 'saved state', inputError), '', 'saved state', inputError));
        },
    // The generated glue would copy any array-like (a list of numbers, a string's
    // characters) into the module: only bytes are let through.
    restoreBytes: (fn) =>
        function (bytes) {
            let view;
            if (ArrayBuffer.isView(bytes)) view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            else if (Object.prototype.toString.call(bytes) === '[object ArrayBuffer]') view = new Uint8Array(bytes);
            else
                throw inputError(
                    '',
                    'wrongType',
                    `saved state for restoreBytes is the Uint8Array (or ArrayBuffer) that saveBytes() returned, not ${kind(bytes)}`,
                );
            return fn.call(this, roomFor(view, '', 'saved state', inputError));
        },
};

// ---------------------------------------------------------------------------
// Guards

const INTERNAL = new Set(['constructor', 'free', '__destroy_into_raw']);

function checkThis(self, cls, member) {
    if (!(self instanceof cls)) {
        const lower = cls.name.charAt(0).toLowerCase() + cls.name.slice(1);
        throw new InputError(
            '',
            'wrongType',
            `${cls.name}.${member} was called on ${kind(self)}: call it as ${lower}.${member}(…)`,
        );
    }
    if (!self.__wbg_ptr) {
        throw new InputError(
            '',
            'freed',
            `this ${cls.name} was freed (free() or a using block) and cannot be used again`,
        );
    }
}

function checkArg(v, cls, path, self) {
    if (!(v instanceof cls)) {
        throw new InputError(path, 'wrongType', `${path} is a ${cls.name}, not ${kind(v)}`);
    }
    if (!v.__wbg_ptr) {
        throw new InputError(path, 'freed', `the ${cls.name} passed as ${path} was freed and cannot be used again`);
    }
    if (v === self) {
        throw new InputError(path, 'sameObject', `a ${cls.name} cannot merge itself`);
    }
}

function named(fn, name) {
    return Object.defineProperty(fn, 'name', { value: name });
}

/**
 * Wraps the members of a generated class (once): `methods` and `statics` give the
 * data crossing of each (see ENGINE_METHODS), `objectArgs` maps a method to the name
 * and class of its first argument when that is an Engine or a Session, and `ready`
 * (browser only) reports whether the WebAssembly module is initialized.
 */
function guard(cls, { methods, statics, objectArgs }, ready) {
    if (cls.__leadscoreGuarded) return;
    Object.defineProperty(cls, '__leadscoreGuarded', { value: true });
    const proto = cls.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
        // Generated methods named __x are the wrappers' own, called after their checks.
        if (INTERNAL.has(name) || name.startsWith('__')) continue;
        const desc = Object.getOwnPropertyDescriptor(proto, name);
        if (desc.get) {
            const get = desc.get;
            Object.defineProperty(proto, name, {
                ...desc,
                get: named(function () {
                    checkThis(this, cls, name);
                    return get.call(this);
                }, name),
            });
        } else if (typeof desc.value === 'function') {
            const raw = desc.value;
            if (raw.length > 2)
                throw new Error(`leadscore: ${cls.name}.${name} takes ${raw.length} arguments; guard() passes two`);
            const fn = methods[name] ? methods[name](raw, cls) : raw;
            const arg = objectArgs[name];
            proto[name] = named(
                arg
                    ? function (a, b) {
                          checkThis(this, cls, name);
                          checkArg(a, arg[1], arg[0], this);
                          return fn.call(this, a, b);
                      }
                    : function (a, b) {
                          checkThis(this, cls, name);
                          return fn.call(this, a, b);
                      },
                name,
            );
        }
    }
    // free() twice, or after a using block, is harmless.
    const free = proto.free;
    proto.free = named(function () {
        if (this instanceof cls && this.__wbg_ptr) free.call(this);
    }, 'free');
    if (typeof Symbol.dispose === 'symbol') proto[Symbol.dispose] = proto.free;
    for (const name of Object.getOwnPropertyNames(cls)) {
        const raw = cls[name];
        if (typeof raw !== 'function' || name.startsWith('__')) continue;
        if (raw.length > 1)
            throw new Error(`leadscore: ${cls.name}.${name} takes ${raw.length} arguments; guard() passes one`);
        const fn = statics[name] ? statics[name](raw) : raw;
        cls[name] = named(function (a) {
            if (ready) ready();
            return fn.call(this, a);
        }, name);
    }
}

/**
 * `new target(...args)` as `new proxy(...)` asked for it: a plain `new` of the
 * exported class makes an object of the generated class itself. Made with the Proxy
 * as its new.target, each object got a hidden class of its own in V8, and every
 * method call on it missed V8's caches (a session's `track` was 14% slower in Node,
 * `new Session` + `free` 2.4 µs instead of 0.5).
 */
function constructed(proxy, target, args, newTarget) {
    return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
}

/** The class as exported: `new` checks `ready()` and encodes its argument with `args`. */
function constructing(cls, args, ready) {
    const proxy = new Proxy(cls, {
        construct(target, given, newTarget) {
            if (ready) ready();
            return constructed(proxy, target, args ? args(given) : given, newTarget);
        },
    });
    return proxy;
}

/**
 * The LeadSet as exported: `new LeadSet(list)` sends a short list with the call; a
 * long one it adds in parts to a set made empty (`add`, as wrapped), which it frees
 * if a part is refused.
 */
function constructingLeadSet(cls, ready) {
    const proxy = new Proxy(cls, {
        construct(target, given, newTarget) {
            if (ready) ready();
            const list = given[0];
            const long = Array.isArray(list) && list.length > LEADS_PER_CROSSING;
            const set = constructed(proxy, target, [leads(long ? [] : list)], newTarget);
            if (long) {
                try {
                    set.add(list);
                } catch (e) {
                    set.free();
                    throw e;
                }
            }
            return set;
        },
    });
    return proxy;
}

/**
 * Turns the generated classes into the package's Engine, Session and LeadSet (the
 * prototypes are wrapped in place, once) and returns them as exported.
 */
export function guardClasses({ Engine, Session, LeadSet }, ready) {
    LeadSetClass = LeadSet;
    // Beyond isize::MAX on wasm32 nothing can be allocated, and the glue would wrap
    // a larger number into a small one.
    canHold = (n) => n <= 0x7fffffff && Session.__canHold(n);
    guard(Engine, { methods: ENGINE_METHODS, statics: ENGINE_STATICS, objectArgs: {} }, ready);
    guard(LeadSet, { methods: LEAD_SET_METHODS, statics: {}, objectArgs: {} }, ready);
    guard(
        Session,
        {
            methods: SESSION_METHODS,
            statics: SESSION_STATICS,
            objectArgs: {
                evaluate: ['engine', Engine],
                score: ['engine', Engine],
                qualify: ['engine', Engine],
                stage: ['engine', Engine],
                watch: ['engine', Engine],
                unwatch: ['engine', Engine],
                merge: ['other', Session],
            },
        },
        ready,
    );
    return {
        Engine: constructing(Engine, (given) => [ruleSet(given[0])], ready),
        Session: constructing(Session, null, ready),
        LeadSet: constructingLeadSet(LeadSet, ready),
    };
}
