// Rate limits on `POST /signals`, with Cloudflare's rate-limiting binding (wrangler.toml
// `[[ratelimits]]`): per client address (`ADDRESS_LIMITER`, keyed by CF-Connecting-IP,
// checked before the body is read) and per visitor (`VISITOR_LIMITER`, keyed by the
// signal's visitor id). The binding counts per Cloudflare location and is
// approximate: it stops floods, not the tenth request exactly. A worker without the
// binding (not configured) takes every request.
import { Problem } from './http.js';

/** Seconds a refused client is told to wait: the limiters' period in wrangler.toml. */
export const RETRY_AFTER_SECONDS = 60;

class RateLimited extends Problem {
    response(headers = {}) {
        return super.response({ ...headers, 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
}

async function check(limiter, key, what, path) {
    if (!limiter) return;
    const { success } = await limiter.limit({ key });
    if (!success)
        throw new RateLimited(
            429,
            'rateLimited',
            `too many signals from this ${what}: try again in ${RETRY_AFTER_SECONDS} s`,
            path,
        );
}

/** Throws a 429 `Problem` (with Retry-After) when the client's address is over its limit. */
export function limitAddress(request, env) {
    const address = request.headers.get('cf-connecting-ip') || 'unknown';
    return check(env.ADDRESS_LIMITER, `address:${address}`, 'address', '');
}

/** Throws a 429 `Problem` (with Retry-After) when the visitor is over its limit. */
export function limitVisitor(visitor, env) {
    return check(env.VISITOR_LIMITER, `visitor:${visitor}`, 'visitor', 'visitor');
}
