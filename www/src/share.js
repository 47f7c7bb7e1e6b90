// The rule set and the test visitor in the URL's hash, so that a link shares them:
// JSON, compressed with the platform's CompressionStream (deflate-raw), in base64url.
const PREFIX = '#s=';

function toBase64Url(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
    const bin = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function through(bytes, stream) {
    return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer());
}

/** The hash (`#s=…`) that holds `state`. */
export async function encodeState(state) {
    const bytes = new TextEncoder().encode(JSON.stringify(state));
    return PREFIX + toBase64Url(await through(bytes, new CompressionStream('deflate-raw')));
}

/** The state a hash holds; null when it holds none; throws when it is damaged. */
export async function decodeState(hash) {
    if (!hash.startsWith(PREFIX)) return null;
    const bytes = await through(fromBase64Url(hash.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
    return JSON.parse(new TextDecoder().decode(bytes));
}
