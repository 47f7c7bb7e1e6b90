// The package's classes: Engine, Session and LeadSet. Each is a plain class that
// holds its object of the WebAssembly module privately (`#raw`, an object of the
// classes wasm-bindgen generates in leadscore.js) and calls it. Arguments cross as
// MessagePack bytes (codec.js); every call of the module answers in one value,
// the bytes of `[true, result]` or `[false, error]` (src/wasm/mod.rs), which
// `answer` decodes and turns into a result or a thrown InputError / RuleSetError.
//
// The entry points (index.js, node.js, index.workerd.js) initialize the module
// their own way and then call `markReady`.
import {
    Engine as RawEngine,
    Session as RawSession,
    LeadSet as RawLeadSet,
    canHold,
    inputRoom,
    moduleMemory,
} from './leadscore.js';
import { encode, decode, CodecError } from './codec.js';
import { InputError, errorFrom, inputError, kind, ruleSetError } from './errors.js';

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

/** The size of the module's memory, in bytes: it grows as inputs need and never shrinks. */
export function memoryBytes() {
    ensureReady();
    return moduleMemory().buffer.byteLength;
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
    if (n >= ASK_ROOM_FROM && !(2 * n <= 0x7fffffff && canHold(2 * n))) throw cannotTake(fail, path, what, n);
    return bytes;
}

/** `v` as MessagePack; what JSON cannot hold is refused with `fail(path, code, message)`. */
function bytesOf(v, path, what, fail) {
    let bytes;
    try {
        bytes = encode(v);
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
    return roomFor(bytes, path, what, fail);
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

const leadBytes = (v) => bytesOf(v, '', 'the lead', inputError);
const leadsBytes = (v) => bytesOf(v, '', 'the list of leads', inputError);
const ruleSetBytes = (v) =>
    bytesOf(typeof v === 'string' ? parsed(v, '', 'the rule set', ruleSetError) : v, '', 'the rule set', ruleSetError);

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

/** Text the module takes as a string argument; anything else is refused. */
function text(v, path, what) {
    if (typeof v !== 'string') throw inputError(path, 'wrongType', `${what} is text, not ${kind(v)}`);
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

/**
 * The results of `score(listBytes)` for each lead of `list`, asked for in parts of
 * LEADS_PER_CROSSING leads. What is not a list crosses whole, for the module to
 * refuse.
 */
function inParts(list, score) {
    if (!Array.isArray(list) || list.length <= LEADS_PER_CROSSING) return answer(score(leadsBytes(list)));
    const results = [];
    eachPart(list, (part) => {
        for (const r of answer(score(leadsBytes(part)))) results.push(r);
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

/** An argument that should be an object of `cls`. */
function wrongArg(v, cls, path) {
    return new InputError(path, 'wrongType', `${path} is a ${cls}, not ${kind(v)}`);
}

const freedArg = (cls, path) =>
    new InputError(path, 'freed', `the ${cls} passed as ${path} was freed and cannot be used again`);

/** Gives `self` its module object (ModuleObject sets it). */
let holding;
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

    static {
        holding = (self, raw) => {
            self.#raw = raw;
        };
        rawOf = (self, cls, member) => {
            if (!(self instanceof cls) || !(#raw in self)) throw wrongThis(self, cls, member);
            if (!self.#raw) throw freedError(cls.name);
            return self.#raw;
        };
        rawArg = (v, cls, path) => {
            if (!(v instanceof cls) || !(#raw in v)) throw wrongArg(v, cls.name, path);
            if (!v.#raw) throw freedArg(cls.name, path);
            return v.#raw;
        };
    }

    /** Gives the object's memory in the module back; using it afterwards throws. Calling it again is harmless. */
    free() {
        if (this instanceof ModuleObject && #raw in this && this.#raw) {
            this.#raw.free();
            this.#raw = null;
        }
    }
}

/** A compiled rule set. Scoring never changes it; one engine serves any number of leads and sessions. */
export class Engine extends ModuleObject {
    /** Compiles a rule set given as a plain object or as JSON text; a bad one throws a RuleSetError. */
    constructor(ruleSet) {
        ensureReady();
        super();
        holding(this, made(RawEngine.compile(ruleSetBytes(ruleSet))));
    }

    /** Compiles a rule set from JSON text. */
    static fromJson(text) {
        ensureReady();
        if (typeof text !== 'string')
            throw ruleSetError('', 'wrongType', `Engine.fromJson takes JSON text, not ${kind(text)}`);
        return new Engine(text);
    }

    get id() {
        return rawOf(this, Engine, 'id').id();
    }

    get version() {
        return rawOf(this, Engine, 'version').version();
    }

    get description() {
        return rawOf(this, Engine, 'description').description();
    }

    score(lead, now) {
        const raw = rawOf(this, Engine, 'score');
        return answer(raw.score(leadBytes(lead), timestamp(now)));
    }

    scoreJson(leadText, now) {
        const raw = rawOf(this, Engine, 'scoreJson');
        const lead = leadBytes(parsed(leadText, '', "the lead's JSON", inputError));
        return JSON.stringify(answer(raw.score(lead, timestamp(now))));
    }

    qualify(lead, now) {
        const raw = rawOf(this, Engine, 'qualify');
        return answer(raw.qualify(leadBytes(lead), timestamp(now)));
    }

    scoreMany(leads, now) {
        const raw = rawOf(this, Engine, 'scoreMany');
        return many(raw, leads, now, 'scoreMany', 'scoreHeld');
    }

    scoreManyJson(leadsText, now) {
        const raw = rawOf(this, Engine, 'scoreManyJson');
        const leads = parsed(leadsText, '', "the leads' JSON", inputError);
        return JSON.stringify(many(raw, leads, now, 'scoreMany', null));
    }

    qualifyMany(leads, now) {
        const raw = rawOf(this, Engine, 'qualifyMany');
        return many(raw, leads, now, 'qualifyMany', 'qualifyHeld');
    }
}

/**
 * A batch method of the module engine `raw`: `method` for a list, `held` (when
 * given) for a LeadSet.
 */
function many(raw, leads, now, method, held) {
    if (held && leads instanceof LeadSet) {
        const set = rawArg(leads, LeadSet, 'leads');
        const at = timestamp(now);
        return heldInParts(set.length(), (from, to) => raw[held](set, at, from, to));
    }
    const at = typeof now === 'number' ? now : null;
    return inParts(leads, (bytes) => raw[method](bytes, at ?? timestamp(now)));
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
        holding(this, made(RawLeadSet.create(leadsBytes(long ? [] : leads))));
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
        const raw = rawOf(this, LeadSet, 'add');
        if (!Array.isArray(leads) || leads.length <= LEADS_PER_CROSSING) {
            answer(raw.add(leadsBytes(leads)));
            return;
        }
        const before = raw.length();
        try {
            eachPart(leads, (part) => answer(raw.add(leadsBytes(part))));
        } catch (e) {
            raw.truncate(before);
            throw e;
        }
    }

    /** How many leads the set holds. */
    get length() {
        return rawOf(this, LeadSet, 'length').length();
    }

    /** How many events the set holds, across its leads. */
    get events() {
        return rawOf(this, LeadSet, 'events').events();
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
const writeInput = (() => {
    let at = 0;
    let room = 0;
    let view = new Uint8Array(0);
    return (bytes) => {
        const n = bytes.length;
        const want = Math.max(n, INPUT_ROOM);
        if (n > room || room > want) {
            const next = inputRoom(want);
            if (!next) throw cannotTake(inputError, 'event', 'the event', n);
            at = next;
            room = want;
        }
        if (view.byteLength === 0) view = new Uint8Array(moduleMemory().buffer);
        view.set(bytes, at);
        return n;
    };
})();

/** What `Session.restore` passes its constructor in place of an id: only this module holds it. */
const RESTORED = Symbol('restored');

/** What `track` did with an event, by the number the module answers for it. */
const TRACKED = ['added', 'duplicate', 'addedDroppingOldest'];

/**
 * One visitor's profile and events, observed one event at a time; remembers which
 * stage transitions it has reported. Save it with `save()`, bring it back with
 * `Session.restore(text)`.
 */
export class Session extends ModuleObject {
    /** A new, anonymous session; `id` names the visitor (a cookie or device id). */
    constructor(id, restored) {
        ensureReady();
        const raw = id === RESTORED ? restored : made(RawSession.create(text(id, 'id', 'the session id')));
        super();
        holding(this, raw);
    }

    /** Brings back a session from the text `save()` wrote. */
    static restore(saved) {
        ensureReady();
        const state = bytesOf(parsed(saved, '', 'saved state', inputError), '', 'saved state', inputError);
        return Session.#wrap(made(RawSession.restore(state)));
    }

    /** Brings back a session from the bytes `saveBytes()` wrote. */
    static restoreBytes(saved) {
        ensureReady();
        // The glue would copy any array-like (a list of numbers, a string's
        // characters) into the module: only bytes are let through.
        let view;
        if (ArrayBuffer.isView(saved)) view = new Uint8Array(saved.buffer, saved.byteOffset, saved.byteLength);
        else if (Object.prototype.toString.call(saved) === '[object ArrayBuffer]') view = new Uint8Array(saved);
        else {
            throw inputError(
                '',
                'wrongType',
                `saved state for restoreBytes is the Uint8Array (or ArrayBuffer) that saveBytes() returned, not ${kind(saved)}`,
            );
        }
        return Session.#wrap(made(RawSession.restoreBytes(roomFor(view, '', 'saved state', inputError))));
    }

    /** A Session around a module session that `restore` made. */
    static #wrap(raw) {
        return new Session(RESTORED, raw);
    }

    get id() {
        return rawOf(this, Session, 'id').id();
    }

    /** The lead id given to `identify`, if any. */
    get leadId() {
        return rawOf(this, Session, 'leadId').leadId();
    }

    /** Marks the visitor as a known lead; events tracked from now on are not anonymous. */
    identify(leadId) {
        const raw = rawOf(this, Session, 'identify');
        answer(raw.identify(text(leadId, 'leadId', 'the lead id')));
    }

    /** Sets profile fields: each key replaces the session's value (null removes it). */
    updateProfile(patch) {
        const raw = rawOf(this, Session, 'updateProfile');
        answer(raw.updateProfile(bytesOf(patch, 'profile', 'the profile', inputError)));
    }

    /** Has `track` evaluate with this engine after every event and return the transitions. */
    watch(engine) {
        const raw = rawOf(this, Session, 'watch');
        raw.watch(rawArg(engine, Engine, 'engine'));
    }

    /** Stops evaluating with this engine's rule set on `track`. */
    unwatch(engine) {
        const raw = rawOf(this, Session, 'unwatch');
        raw.unwatch(rawArg(engine, Engine, 'engine'));
    }

    /**
     * Records an event, then evaluates the session at `now` with every watched
     * engine: `{tracked, transitions}`. `now` also refuses events from the far future.
     */
    track(event, now) {
        const raw = rawOf(this, Session, 'track');
        const out = raw.track(writeInput(bytesOf(event, 'event', 'the event', inputError)), timestamp(now));
        return typeof out === 'number' ? { tracked: TRACKED[out], transitions: [] } : answer(out);
    }

    /** Scores the session at `now` and reports each stage transition the first time it happens. */
    evaluate(engine, now) {
        const raw = rawOf(this, Session, 'evaluate');
        return answer(raw.evaluate(rawArg(engine, Engine, 'engine'), timestamp(now)));
    }

    /** Scores the session at `now` without changing it. */
    score(engine, now) {
        const raw = rawOf(this, Session, 'score');
        return answer(raw.score(rawArg(engine, Engine, 'engine'), timestamp(now)));
    }

    /** The session's score and stage at `now` without the explanation. Changes nothing. */
    qualify(engine, now) {
        const raw = rawOf(this, Session, 'qualify');
        return answer(raw.qualify(rawArg(engine, Engine, 'engine'), timestamp(now)));
    }

    /** The stage this session last reached with the engine's rule set and version. */
    stage(engine) {
        const raw = rawOf(this, Session, 'stage');
        return raw.stage(rawArg(engine, Engine, 'engine'));
    }

    /** The session's state as compact JSON text, for `Session.restore`. */
    save() {
        return JSON.stringify(decode(rawOf(this, Session, 'save').save()));
    }

    /** The session's state as bytes (MessagePack), for `Session.restoreBytes`. */
    saveBytes() {
        return rawOf(this, Session, 'saveBytes').save();
    }

    /** Folds another session (say, a visitor's anonymous history) into this one. */
    merge(other) {
        const raw = rawOf(this, Session, 'merge');
        if (other === this) throw new InputError('other', 'sameObject', 'a Session cannot merge itself');
        raw.merge(rawArg(other, Session, 'other'));
    }
}

// `free()` is also `[Symbol.dispose]()`, for `using`, where the runtime has the symbol.
if (typeof Symbol.dispose === 'symbol') ModuleObject.prototype[Symbol.dispose] = ModuleObject.prototype.free;
