// The errors the package throws. Both carry their problems as data: `path` (a JSON
// path such as `events[3].ts`, "" for the whole input), a stable `code`, and a
// `message` for people (docs/RULESET.md, "Errors").

/** One problem as a line: `path: message (code)`. */
function line(p) {
    return p.path ? `${p.path}: ${p.message} (${p.code})` : `${p.message} (${p.code})`;
}

/**
 * Bad input: an event, a lead, a profile, saved state or an argument. Thrown with
 * `path`, `code` and `problems` (one entry); nothing was changed by the call.
 */
export class InputError extends Error {
    constructor(path, code, message) {
        super(line({ path, code, message }));
        this.name = 'InputError';
        this.path = path;
        this.code = code;
        this.problems = [{ path, code, message }];
    }

    // An error from another copy of the package (a bundle beside a CDN copy, say)
    // is an InputError too.
    static [Symbol.hasInstance](v) {
        return v instanceof Error && v.name === 'InputError';
    }
}

/** A rule set that was refused, with every problem in `problems`. */
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

export const inputError = (path, code, message) => new InputError(path, code, message);
export const ruleSetError = (path, code, message) => new RuleSetError([{ path, code, message }]);

/** The error the module described as `{name, problems}`. */
export function errorFrom({ name, problems }) {
    if (name === 'RuleSetError') return new RuleSetError(problems);
    const [{ path, code, message }] = problems;
    return new InputError(path, code, message);
}

/** How a value is named in messages: `undefined`, `a list`, `an object`, `a Date`, `a number`. */
export function kind(v) {
    if (v === undefined || v === null) return String(v);
    if (Array.isArray(v)) return 'a list';
    if (typeof v === 'object') {
        const name = v.constructor && v.constructor.name;
        if (!name || name === 'Object') return 'an object';
        return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
    }
    return `a ${typeof v}`;
}
