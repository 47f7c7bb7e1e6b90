// What wrangler.toml's vars configure beyond the bindings: lists written as
// comma-separated text (a var is text).

/** The var `name` as a list: comma-separated, each item trimmed, empty ones left out. */
export function listVar(env, name) {
    return String(env[name] || '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** Rule-set versions still known but retired (`RETIRED_VERSIONS`, `id@version` each). */
export function retiredVersions(env) {
    return new Set(listVar(env, 'RETIRED_VERSIONS'));
}

/**
 * Event types only other systems may report (`SERVER_VERIFIED_EVENTS`): a page's
 * signal that carries one is not believed, and the event is dropped before scoring.
 */
export function serverVerifiedTypes(env) {
    return new Set(listVar(env, 'SERVER_VERIFIED_EVENTS'));
}
