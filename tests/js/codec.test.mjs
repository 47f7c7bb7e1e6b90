// The package's wire format (pkg/codec.js): a JavaScript value reads back as its
// JSON text would, the bytes are standard MessagePack (checked against the
// reference implementation, @msgpack/msgpack), and what JSON cannot hold is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { encode as referenceEncode, decode as referenceDecode } from '@msgpack/msgpack';
import { PKG } from './helpers.mjs';

const { encode, decode, CodecError, MAX_DEPTH } = await import(pathToFileURL(path.join(PKG, 'codec.js')).href);

/** What the JSON route makes of `v`. */
const viaJson = (v) => JSON.parse(JSON.stringify(v));
/** encode() hands out a view of a shared buffer: copy it before the next call. */
const bytes = (v) => encode(v).slice();

const NUMBERS = [
    0,
    -0,
    1,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53 - 1,
    2 ** 53,
    2 ** 63,
    2 ** 64 - 2048,
    2 ** 64,
    -1,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2 ** 31),
    -(2 ** 31) - 1,
    -(2 ** 53),
    -(2 ** 63),
    -(2 ** 64),
    0.5,
    -1.25,
    1e21,
    1e-7,
    5e-324,
    Number.MAX_VALUE,
    Math.PI,
    1_795_176_000_000,
    NaN,
    Infinity,
    -Infinity,
];
const STRINGS = [
    '',
    'a',
    'page_view',
    'x'.repeat(31),
    'y'.repeat(32),
    'z'.repeat(63),
    'w'.repeat(64),
    'v'.repeat(300),
    'é',
    'Ünïcödé title',
    '日本語',
    '🎯 emoji',
    '\u0000\n"\\',
    'a'.repeat(70) + 'é',
];

/** A seeded generator of JSON-like values, with the odd things JSON.stringify meets. */
function mulberry32(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = Math.imul(a ^ (a >>> 15), a | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function randomValue(rng, depth) {
    const pick = (list) => list[Math.floor(rng() * list.length)];
    const r = rng();
    if (depth > 4 || r < 0.45) {
        return pick([
            () => pick(NUMBERS),
            () => pick(STRINGS),
            () => rng() < 0.5,
            () => null,
            () => rng() * 1e6 - 5e5,
            () => Math.floor(rng() * 2 ** 40),
        ])();
    }
    if (r < 0.6)
        return Array.from({ length: Math.floor(rng() * 20) }, () =>
            rng() < 0.05 ? pick([undefined, () => 1, Symbol('s')]) : randomValue(rng, depth + 1),
        );
    if (r < 0.65) return new Date(Math.floor(rng() * 2e12));
    if (r < 0.68)
        return pick([new Number(3), new String('boxed'), new Boolean(false), { toJSON: () => ({ replaced: true }) }]);
    const o = {};
    const n = Math.floor(rng() * 20);
    for (let i = 0; i < n; i++) {
        const key = rng() < 0.1 ? pick(STRINGS) : `k${Math.floor(rng() * 30)}`;
        o[key] = rng() < 0.05 ? pick([undefined, () => 1, Symbol('s')]) : randomValue(rng, depth + 1);
    }
    return o;
}

test('every kind of value reads back as its JSON text does', () => {
    for (const v of [
        ...NUMBERS,
        ...STRINGS,
        true,
        false,
        null,
        [],
        {},
        [undefined, () => 1, Symbol('x')],
        { a: undefined, b: () => 1, c: 1 },
    ]) {
        assert.deepEqual(decode(bytes(v)), viaJson(v), `${typeof v} ${JSON.stringify(v)}`);
    }
    assert.ok(Object.is(decode(bytes(-0)), 0), '-0 is 0, as JSON writes it');
    assert.deepEqual(decode(bytes({ when: new Date(1_795_176_000_000) })), { when: '2026-11-20T12:00:00.000Z' });
    assert.deepEqual(decode(bytes(Array.from({ length: 70000 }, (_, i) => i))).length, 70000);
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key${i}`, i]));
    assert.deepEqual(decode(bytes(wide)), wide);
});

test('random values read back as their JSON text does (2,000 seeded cases)', () => {
    const rng = mulberry32(7);
    for (let i = 0; i < 2000; i++) {
        const v = randomValue(rng, 0);
        assert.deepEqual(decode(bytes(v)), viaJson(v), `case ${i}: ${JSON.stringify(v)}`);
    }
});

test('the bytes are standard MessagePack, both ways', () => {
    const rng = mulberry32(11);
    for (let i = 0; i < 500; i++) {
        const v = viaJson(randomValue(rng, 0));
        assert.deepEqual(referenceDecode(bytes(v)), v, `ours → reference, case ${i}`);
        assert.deepEqual(decode(referenceEncode(v)), v, `reference → ours, case ${i}`);
    }
});

test('every number width of MessagePack reads as the number it holds', () => {
    const cases = [
        [[0xcc, 0xff], 255],
        [[0xcd, 0xff, 0xfe], 65534],
        [[0xce, 0xff, 0xff, 0xff, 0xfe], 2 ** 32 - 2],
        [[0xcf, 0, 0, 0, 1, 0, 0, 0, 2], 2 ** 32 + 2],
        [[0xd0, 0xdf], -33],
        [[0xd0, 0x7f], 127],
        [[0xd1, 0xff, 0x7f], -129],
        [[0xd1, 0x7f, 0xff], 32767],
        [[0xd2, 0x80, 0, 0, 0], -(2 ** 31)],
        [[0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe], -2],
        [[0xd3, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0], -(2 ** 33)],
        [[0xca, 0x3f, 0xc0, 0, 0], 1.5],
        [[0xcb, 0xc0, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], -Math.PI],
        [[0xda, 0, 2, 0x68, 0x69], 'hi'],
        [[0xdc, 0, 1, 0xc3], [true]],
        [[0xde, 0, 1, 0xa1, 0x6b, 0x01], { k: 1 }],
    ];
    for (const [b, want] of cases) assert.deepEqual(decode(Uint8Array.from(b)), want, `0x${b[0].toString(16)}`);
    // A view into a larger buffer, as the WebAssembly's results are not.
    const inner = new Uint8Array([9, 9, 0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, 9]).subarray(2, 11);
    assert.equal(decode(inner), Math.PI);
});

test('"__proto__" is an own key, as JSON.parse makes it', () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const back = decode(bytes(v));
    assert.deepEqual(Object.keys(back), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal({}.polluted, undefined);
});

test('what JSON cannot hold is refused with a code', () => {
    const refused = (v, code) => {
        assert.throws(
            () => encode(v),
            (e) => e instanceof CodecError && e.code === code,
            `${code} for a ${typeof v}`,
        );
    };
    const cyclic = { a: [1] };
    cyclic.a.push(cyclic);
    refused(cyclic, 'notJson');
    refused({ n: 10n }, 'notJson');
    refused(undefined, 'missing');
    refused(() => 1, 'notJson');
    refused(Symbol('s'), 'notJson');
    let deep = {};
    for (let i = 0; i < MAX_DEPTH; i++) deep = { d: deep };
    refused(deep, 'tooDeep');
    assert.doesNotThrow(() => encode(deep.d), 'the limit itself is fine');
    // The same object twice, side by side, is no cycle.
    const shared = { x: 1 };
    assert.deepEqual(decode(bytes({ a: shared, b: [shared, shared] })), { a: { x: 1 }, b: [{ x: 1 }, { x: 1 }] });
    // A refusal leaves the encoder usable.
    assert.deepEqual(decode(bytes({ ok: true })), { ok: true });
});

test('a toJSON that encodes something itself does not disturb the outer value', () => {
    const inner = { toJSON: () => decode(encode({ nested: 'yes' })) };
    const v = { before: 'x'.repeat(100), inner, after: [1, 2, 3] };
    assert.deepEqual(decode(bytes(v)), viaJson(v));
});

test('bytes that are not what the WebAssembly writes are refused', () => {
    assert.throws(() => decode(new Uint8Array([0xc1])), CodecError);
    assert.throws(() => decode(new Uint8Array([0xa5, 0x61])), CodecError, 'a string past the end');
    assert.throws(() => decode(new Uint8Array([0x01, 0x02])), CodecError, 'bytes after the value');
});
