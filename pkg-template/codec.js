// The package's wire format: JavaScript values to MessagePack bytes for the
// WebAssembly, and MessagePack bytes from it back to plain objects. One walk over
// a value each way, with no JSON text in between (src/wire/msgpack.rs reads and
// writes the bytes in the module).
//
// encode() follows JSON.stringify's rules, so that an object and its JSON text
// read the same: toJSON() is called (a Date becomes its ISO text), boxed primitives
// are unwrapped, undefined / functions / symbols are left out of objects and are
// null in lists, NaN and ±Infinity are null, cycles and BigInts are refused, and so is
// text with a lone surrogate (its JSON text would be refused by the core's reader).
// Integers in ±2^64 are MessagePack integers (what a JSON reader makes of their
// text), everything else a float64. Lists and objects nest at most 128 deep, the
// limit the native JSON reader keeps.

/** Nesting deeper than this is refused, as serde_json refuses it natively. */
export const MAX_DEPTH = 128;
const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const TWO_64 = 18446744073709551616;

/** A value that has no JSON form, or nests too deep: `code` is notJson or tooDeep. */
export class CodecError extends Error {
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}

const hasOwn = Object.prototype.hasOwnProperty;
const utf8 = new TextEncoder();

/**
 * Whether text has no lone surrogate: UTF-8, and so leadscore's text, cannot hold
 * one (TextEncoder would write U+FFFD in its place, and two different texts would
 * become one), and JSON.stringify writes it as an escape that JSON readers refuse.
 */
const wellFormed = String.prototype.isWellFormed
    ? (s) => s.isWellFormed()
    : (s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
const fromUtf8 = new TextDecoder();

// ---------------------------------------------------------------------------
// Writing

/** A growable output buffer. One is shared; a nested encode (from a toJSON) gets its own. */
class Writer {
    constructor(size) {
        this.buf = new Uint8Array(size);
        this.view = new DataView(this.buf.buffer);
        this.pos = 0;
        this.stack = [];
        this.busy = false;
        /** The value was read from JSON text (see `number`). */
        this.fromText = false;
    }

    reserve(n) {
        if (this.pos + n <= this.buf.length) return;
        let size = this.buf.length * 2;
        while (size < this.pos + n) size *= 2;
        const next = new Uint8Array(size);
        next.set(this.buf.subarray(0, this.pos));
        this.buf = next;
        this.view = new DataView(next.buffer);
    }

    byte(b) {
        this.reserve(1);
        this.buf[this.pos++] = b;
    }

    string(s) {
        const n = s.length;
        if (n < 64) {
            // Short text is usually ASCII: copied a character at a time, with a
            // one-byte header, and redone by the encoder at the first other character.
            this.reserve(2 + n);
            const buf = this.buf;
            let p = this.pos + (n < 32 ? 1 : 2);
            for (let i = 0; i < n; i++) {
                const c = s.charCodeAt(i);
                if (c > 0x7f) return this.longString(s);
                buf[p++] = c;
            }
            if (n < 32) buf[this.pos] = 0xa0 | n;
            else {
                buf[this.pos] = 0xd9;
                buf[this.pos + 1] = n;
            }
            this.pos = p;
            return;
        }
        this.longString(s);
    }

    longString(s) {
        if (!wellFormed(s)) {
            throw new CodecError('invalidJson', 'holds a text with a lone surrogate, which no JSON reader takes');
        }
        const max = s.length * 3;
        this.reserve(5 + max);
        const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos + 5, this.pos + 5 + max));
        this.buf[this.pos] = 0xdb;
        this.view.setUint32(this.pos + 1, written);
        this.pos += 5 + written;
    }

    number(x) {
        this.reserve(9);
        const buf = this.buf;
        if (Number.isInteger(x)) {
            if (x >= 0) {
                if (x < 0x80) {
                    buf[this.pos++] = x;
                    return;
                }
                if (x < 0x100) {
                    buf[this.pos] = 0xcc;
                    buf[this.pos + 1] = x;
                    this.pos += 2;
                    return;
                }
                if (x < 0x10000) {
                    buf[this.pos] = 0xcd;
                    this.view.setUint16(this.pos + 1, x);
                    this.pos += 3;
                    return;
                }
                if (x < TWO_32) {
                    buf[this.pos] = 0xce;
                    this.view.setUint32(this.pos + 1, x);
                    this.pos += 5;
                    return;
                }
                if (x < TWO_64) {
                    const hi = Math.floor(x / TWO_32);
                    buf[this.pos] = 0xcf;
                    this.view.setUint32(this.pos + 1, hi);
                    this.view.setUint32(this.pos + 5, x - hi * TWO_32);
                    this.pos += 9;
                    return;
                }
            } else {
                if (x >= -32) {
                    buf[this.pos++] = x & 0xff;
                    return;
                }
                if (x >= -0x80000000) {
                    buf[this.pos] = 0xd2;
                    this.view.setInt32(this.pos + 1, x);
                    this.pos += 5;
                    return;
                }
                if (x >= -TWO_63) {
                    const hi = Math.floor(x / TWO_32);
                    buf[this.pos] = 0xd3;
                    this.view.setInt32(this.pos + 1, hi);
                    this.view.setUint32(this.pos + 5, x - hi * TWO_32);
                    this.pos += 9;
                    return;
                }
            }
        } else if (x !== x || x === Infinity || x === -Infinity) {
            // From JSON text only a number out of range (1e400) is infinite, and JSON
            // readers refuse it; in a value it is null, as JSON.stringify writes it.
            if (this.fromText)
                throw new CodecError('invalidJson', 'holds a number out of range, which no JSON reader takes');
            buf[this.pos++] = 0xc0;
            return;
        }
        buf[this.pos] = 0xcb;
        this.view.setFloat64(this.pos + 1, x);
        this.pos += 9;
    }

    value(v, depth) {
        switch (typeof v) {
            case 'string':
                return this.string(v);
            case 'number':
                return this.number(v);
            case 'boolean':
                return this.byte(v ? 0xc3 : 0xc2);
            case 'object':
                if (v === null) return this.byte(0xc0);
                return this.object(v, depth);
            case 'bigint':
                throw new CodecError('notJson', 'a BigInt has no JSON form (convert it to a number or text first)');
            default:
                // undefined, a function or a symbol, in a list: JSON writes null.
                return this.byte(0xc0);
        }
    }

    object(v, depth) {
        if (typeof v.toJSON === 'function') return this.value(v.toJSON(''), depth);
        if (v instanceof Number || v instanceof String || v instanceof Boolean) return this.value(v.valueOf(), depth);
        if (depth >= MAX_DEPTH)
            throw new CodecError('tooDeep', `nests lists and objects more than ${MAX_DEPTH} levels deep`);
        const stack = this.stack;
        if (stack.includes(v))
            throw new CodecError('notJson', 'it contains itself (a circular structure), which has no JSON form');
        stack.push(v);
        if (Array.isArray(v)) {
            const n = v.length;
            if (n < 16) this.byte(0x90 | n);
            else {
                this.reserve(5);
                this.buf[this.pos] = 0xdd;
                this.view.setUint32(this.pos + 1, n);
                this.pos += 5;
            }
            for (let i = 0; i < n; i++) this.value(v[i], depth + 1);
        } else {
            // The count is known at the end: a map32 header, filled in then. for…in
            // with the own-property test visits Object.keys(v) in its order, without
            // making that array (15% faster on leads).
            this.reserve(5);
            const at = this.pos;
            this.pos += 5;
            let count = 0;
            for (const key in v) {
                if (!hasOwn.call(v, key)) continue;
                const x = v[key];
                if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
                this.string(key);
                this.value(x, depth + 1);
                count++;
            }
            this.buf[at] = 0xdf;
            this.view.setUint32(at + 1, count);
        }
        stack.pop();
    }
}

let shared = new Writer(16384);

/**
 * `v` as MessagePack, by JSON.stringify's rules. The bytes are valid until the next
 * call; the WebAssembly glue copies them at once. Throws a CodecError for what JSON
 * cannot hold, and for undefined, a function or a symbol as the value itself (code
 * `missing` for undefined).
 */
export function encode(v, fromText = false) {
    const t = typeof v;
    if (v === undefined) throw new CodecError('missing', 'is undefined');
    if (t === 'function' || t === 'symbol') throw new CodecError('notJson', `is a ${t}, which has no JSON form`);
    let w = shared;
    if (w.busy) w = new Writer(1024);
    else if (w.buf.length > 1 << 20) w = shared = new Writer(16384); // let a big batch's buffer go
    w.busy = true;
    w.pos = 0;
    w.fromText = fromText;
    try {
        w.value(v, 0);
        return w.buf.subarray(0, w.pos);
    } finally {
        w.busy = false;
        // Empty after a value is written; left full only by a throw. (Setting the
        // length of an array costs more than the rest of encoding a small event.)
        if (w.stack.length) w.stack.length = 0;
    }
}

// ---------------------------------------------------------------------------
// Reading

// Short strings repeat (keys, rule ids, stage names): each is decoded once and
// found again by its bytes in a small direct-mapped cache.
const CACHE_SLOTS = 4096;
const MAX_CACHED = 24;
const cachedBytes = new Array(CACHE_SLOTS).fill(null);
const cachedText = new Array(CACHE_SLOTS).fill('');

// The bytes being read and the position in them. `var`, not `let`: V8 (Node 20)
// checks a module's `let` for use before its declaration on every access, and the
// reading loops access these on every byte (decoding a result took 5.1 µs with
// `let`, 4.4 with `var`).
var src = new Uint8Array(0);
var at = 0;

// Numbers are put together from the bytes by hand: a DataView over the result
// would make V8 give the small on-heap array its own ArrayBuffer, which cost more
// than reading a small result (0.7 µs of a 2.2 µs track call).
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function u16() {
    const v = (src[at] << 8) | src[at + 1];
    at += 2;
    return v;
}

function u32() {
    const v = src[at] * 0x1000000 + ((src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]);
    at += 4;
    return v;
}

/** A float of `n` bytes (4 or 8), big-endian in the data. */
function float(n, bytes, into) {
    for (let i = 0; i < n; i++) bytes[LITTLE_ENDIAN ? n - 1 - i : i] = src[at + i];
    at += n;
    return into[0];
}

/** MessagePack bytes (as src/wasm/ writes them) as plain objects, lists and values. */
export function decode(bytes, from = 0) {
    src = bytes;
    at = from;
    const v = read();
    if (at !== bytes.length) throw new CodecError('internal', `${bytes.length - at} bytes follow the value`);
    return v;
}

function read() {
    const b = src[at++];
    if (b < 0x80) return b;
    if (b < 0x90) return map(b & 0x0f);
    if (b < 0xa0) return list(b & 0x0f);
    if (b < 0xc0) return text(b & 0x1f);
    if (b >= 0xe0) return b - 0x100;
    switch (b) {
        case 0xc0:
            return null;
        case 0xc2:
            return false;
        case 0xc3:
            return true;
        case 0xca:
            return float(4, f32Bytes, f32);
        case 0xcb:
            return float(8, f64Bytes, f64);
        case 0xcc:
            return src[at++];
        case 0xcd:
            return u16();
        case 0xce:
            return u32();
        case 0xcf:
            return u32() * TWO_32 + u32();
        case 0xd0:
            return (src[at++] << 24) >> 24;
        case 0xd1:
            return (u16() << 16) >> 16;
        case 0xd2:
            return u32() | 0;
        case 0xd3:
            return (u32() | 0) * TWO_32 + u32();
        case 0xd9:
            return text(src[at++]);
        case 0xda:
            return text(u16());
        case 0xdb:
            return text(u32());
        case 0xdc:
            return list(u16());
        case 0xdd:
            return list(u32());
        case 0xde:
            return map(u16());
        case 0xdf:
            return map(u32());
        default:
            throw new CodecError('internal', `MessagePack type 0x${b.toString(16)} is not one leadscore writes`);
    }
}

function list(n) {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = read();
    return out;
}

function map(n) {
    const out = {};
    for (let i = 0; i < n; i++) {
        const key = read();
        // As JSON.parse does: "__proto__" is a key like any other, not the prototype.
        if (key === '__proto__')
            Object.defineProperty(out, key, { value: read(), enumerable: true, writable: true, configurable: true });
        else out[key] = read();
    }
    return out;
}

function text(n) {
    // Locals: the loops below would load the module's variables again on every step.
    const bytes = src;
    const start = at;
    const end = start + n;
    if (end > bytes.length) throw new CodecError('internal', 'a string runs past the end of the bytes');
    at = end;
    if (n > MAX_CACHED) return fromUtf8.decode(bytes.subarray(start, end));
    let h = n;
    for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]) | 0;
    const slot = (h ^ (h >>> 12)) & (CACHE_SLOTS - 1);
    const known = cachedBytes[slot];
    if (known !== null && known.length === n) {
        let i = 0;
        while (i < n && known[i] === bytes[start + i]) i++;
        if (i === n) return cachedText[slot];
    }
    const copy = bytes.slice(start, end);
    let ascii = true;
    for (let i = 0; i < n; i++) if (copy[i] > 0x7f) ascii = false;
    const s = ascii ? String.fromCharCode.apply(null, copy) : fromUtf8.decode(copy);
    cachedBytes[slot] = copy;
    cachedText[slot] = s;
    return s;
}
