// Shared by every entry point: the error classes, and the guards that give the
// generated Engine and Session classes clear errors for misuse (a freed object, a
// wrong argument, use before init) instead of wasm-bindgen's internal ones.
// scripts/build-pkg.sh derives common.cjs from this file: keep to `export class`,
// `export function` and `export const` at the top level.

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

const INTERNAL = new Set(['constructor', 'free', '__destroy_into_raw']);

function checkThis(self, cls, member) {
    if (!(self instanceof cls)) {
        const lower = cls.name.charAt(0).toLowerCase() + cls.name.slice(1);
        throw new InputError('', 'wrongType', `${cls.name}.${member} was called on ${kind(self)}: call it as ${lower}.${member}(…)`);
    }
    if (!self.__wbg_ptr) {
        throw new InputError('', 'freed', `this ${cls.name} was freed (free() or a using block) and cannot be used again`);
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
 * Wraps the members of a generated class (once). `objectArgs` maps a method to the
 * name and class of its first argument when that is an Engine or a Session.
 * `ready` (browser only) reports whether the WebAssembly module is initialized.
 */
export function guard(cls, objectArgs, ready) {
    if (cls.__leadscoreGuarded) return;
    Object.defineProperty(cls, '__leadscoreGuarded', { value: true });
    const proto = cls.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
        if (INTERNAL.has(name)) continue;
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
            const fn = desc.value;
            if (fn.length > 2) throw new Error(`leadscore: ${cls.name}.${name} takes ${fn.length} arguments; guard() passes two`);
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
    if (ready) {
        for (const name of Object.getOwnPropertyNames(cls)) {
            const fn = cls[name];
            if (typeof fn !== 'function' || name.startsWith('__')) continue;
            if (fn.length > 1) throw new Error(`leadscore: ${cls.name}.${name} takes ${fn.length} arguments; guard() passes one`);
            cls[name] = named(function (a) {
                ready();
                return fn.call(this, a);
            }, name);
        }
    }
}

/** A class whose `new` first checks `ready()`; `instanceof` and statics pass through. */
export function gated(cls, ready) {
    return new Proxy(cls, {
        construct(target, args, newTarget) {
            ready();
            return Reflect.construct(target, args, newTarget);
        },
    });
}

/** Guards both classes: Session methods that take an Engine or another Session check it. */
export function guardClasses(Engine, Session, ready) {
    guard(Engine, {}, ready);
    guard(
        Session,
        { evaluate: ['engine', Engine], score: ['engine', Engine], stage: ['engine', Engine], merge: ['other', Session] },
        ready,
    );
}
