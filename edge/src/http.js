// Answers: JSON bodies, problems as `{ error: { code, message, path } }`, and CORS for
// the configured site origins only.

/** Origins allowed to post signals and read rule sets: `ALLOWED_ORIGINS`, comma-separated. */
export function allowedOrigins(env) {
    return new Set(
        String(env.ALLOWED_ORIGINS || '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );
}

/**
 * The CORS headers for `request`: the origin echoed when it is configured, none
 * otherwise (a browser then hides the answer from the page). `Vary: Origin` either
 * way: the answer depends on the Origin, and a cache must not serve a copy made for
 * one origin (or none) to another.
 * @param {Request} request
 * @param {Record<string, unknown>} env
 * @returns {Record<string, string>}
 */
export function corsHeaders(request, env) {
    const origin = request.headers.get('origin');
    if (!origin || !allowedOrigins(env).has(origin)) return { vary: 'Origin' };
    return {
        'access-control-allow-origin': origin,
        'access-control-expose-headers': 'Retry-After, ETag, x-leadscore-variant',
        vary: 'Origin',
    };
}

/** A JSON answer. */
export function json(body, status = 200, headers = {}) {
    return new Response(JSON.stringify(body), {
        status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });
}

/** A problem, named with its code and the JSON path of what is wrong (`''`: the whole body). */
export class Problem extends Error {
    /**
     * @param {number} status
     * @param {string} code
     * @param {string} message
     * @param {string} [path]
     * @param {Record<string, unknown>} [detail]
     */
    constructor(status, code, message, path = '', detail = undefined) {
        super(message);
        this.status = status;
        this.code = code;
        this.path = path;
        this.detail = detail;
    }

    response(headers = {}) {
        const error = { code: this.code, message: this.message, path: this.path, ...this.detail };
        return json({ error }, this.status, headers);
    }
}

/**
 * The body's bytes, read no further than `limit`: a larger body is refused (413)
 * without being held whole, whatever its Content-Length says.
 * @param {Request} request
 * @param {number} limit
 */
export async function readLimited(request, limit) {
    const declared = Number(request.headers.get('content-length'));
    const tooLarge = () => new Problem(413, 'bodyTooLarge', `the body is larger than ${limit} bytes`, '');
    if (Number.isFinite(declared) && declared > limit) throw tooLarge();
    if (!request.body) return new Uint8Array(0);
    const reader = request.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limit) {
            await reader.cancel();
            throw tooLarge();
        }
        chunks.push(value);
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
        out.set(c, at);
        at += c.byteLength;
    }
    return out;
}
