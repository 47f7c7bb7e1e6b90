// The npm README's code, kept true to the package: every JavaScript block parses,
// and the quick start runs against the built package with the values its comments
// promise (`result.total; // 35`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './helpers.mjs';

const README = fs.readFileSync(path.join(ROOT, 'pkg-template/README.md'), 'utf8');
const HERE = path.dirname(new URL(import.meta.url).pathname);

/** The ```js blocks of the README, each with the heading it sits under. */
function jsBlocks() {
    const blocks = [];
    let heading = '';
    for (const part of README.split(/^```/m).map((p, i) => ({ p, code: i % 2 === 1 }))) {
        if (!part.code) {
            const headings = part.p.match(/^#+ .*$/gm);
            if (headings) heading = headings[headings.length - 1];
        } else if (part.p.startsWith('js\n')) {
            blocks.push({ heading, code: part.p.slice(3) });
        }
    }
    return blocks;
}

test('every JavaScript block in the README parses', () => {
    const { transformSync } = createRequire(import.meta.url)('esbuild');
    const blocks = jsBlocks();
    assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
    for (const { heading, code } of blocks) {
        // A block that requires is CommonJS; the others are modules (top-level await allowed).
        const format = /\brequire\(/.test(code) ? 'cjs' : 'esm';
        assert.doesNotThrow(
            () => transformSync(code, { loader: 'js', format, target: 'es2022' }),
            `${heading}: ${code}`,
        );
    }
});

test('the quick start runs, with the values its comments give', () => {
    const quick = jsBlocks().find((b) => b.heading === '## Quick start');
    assert.ok(quick, 'a quick start');
    // `expr; // literal` lines become checks; the beacon goes to a stub (no navigator in Node 20).
    let checks = 0;
    const code = quick.code.replace(/^(\S.*?);\s*\/\/ (\d+|'[^']*')$/gm, (_, expr, literal) => {
        checks++;
        return `check(${expr}, ${literal}, ${JSON.stringify(expr)});`;
    });
    assert.ok(checks >= 2, `${checks} checked values`);
    const program = [
        'const sent = []; globalThis.navigator ??= { sendBeacon: (url, body) => sent.push(url, body) };',
        'function check(got, want, what) { if (got !== want) { console.error(`${what} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}`); process.exit(1); } }',
        code,
        'console.log(JSON.stringify({ ok: true, checks: ' + checks + ' }));',
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: HERE, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr || r.stdout);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { ok: true, checks });
});
