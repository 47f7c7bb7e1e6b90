// Configuration written as JSON in a var (ROUTING, SLA, VARIANTS): parsed and checked
// once per isolate, before the first request is served. A mistake is a 500 naming the
// var and the JSON path inside it (`ROUTING.rules[2].team`), logged, on every request
// until the configuration is fixed: a worker half configured routes nobody.
import { Problem } from './http.js';

export class ConfigError extends Problem {
    /** @param {string} path the var, then the JSON path inside it */
    constructor(path, message) {
        super(500, 'badConfig', `${path}: ${message}`, path);
    }
}

const parsed = new Map();

/**
 * The var `name` parsed as JSON and given to `check(value, path)`, which answers the
 * configuration or throws a `ConfigError`; `fallback` when the var is unset or empty.
 * Remembered by the var's text, so a changed var is read again.
 */
export function jsonVar(env, name, check, fallback) {
    const text = env[name];
    if (text === undefined || text === null || String(text).trim() === '') return fallback;
    const memo = `${name}\u0000${typeof text === 'string' ? text : JSON.stringify(text)}`;
    if (parsed.has(memo)) return parsed.get(memo);
    let value = text;
    if (typeof text === 'string') {
        try {
            value = JSON.parse(text);
        } catch (err) {
            throw new ConfigError(name, `not JSON text: ${err.message}`);
        }
    }
    const config = check(value, name);
    parsed.set(memo, config);
    return config;
}

export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Throws unless `value` is an object with no keys but `allowed`. */
export function onlyKeys(value, path, allowed) {
    if (!isObject(value)) throw new ConfigError(path, 'must be an object');
    for (const k of Object.keys(value))
        if (!allowed.includes(k)) throw new ConfigError(`${path}.${k}`, `unknown key (known: ${allowed.join(', ')})`);
    return value;
}

export function nonEmptyText(value, path) {
    if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(path, 'must be a non-empty string');
    return value;
}

export function positiveNumber(value, path) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
        throw new ConfigError(path, 'must be a number greater than 0');
    return value;
}
