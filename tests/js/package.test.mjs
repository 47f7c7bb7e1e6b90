// The package itself: its files, its export conditions and its entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PKG } from './helpers.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));

test('package.json: name, module type, files', () => {
    assert.equal(pkg.name, 'leadscore');
    assert.equal(pkg.type, 'module');
    const cargo = fs.readFileSync(path.join(PKG, '..', 'Cargo.toml'), 'utf8');
    assert.equal(pkg.version, cargo.match(/^version = "([^"]+)"/m)[1], 'the crate version');
    for (const f of pkg.files) assert.ok(fs.existsSync(path.join(PKG, f)), `${f} is in pkg/`);
});

test('export conditions map to the entry for each runtime', () => {
    const root = pkg.exports['.'];
    assert.deepEqual(Object.keys(root), ['types', 'workerd', 'node', 'browser', 'default']);
    assert.equal(root.workerd, './index.workerd.js');
    assert.equal(root.browser, './index.js');
    assert.equal(root.default, './index.js');
    assert.deepEqual(root.node, { require: './index.node.cjs', default: './index.node.js' });
    assert.deepEqual(root.types, { require: './index.d.cts', default: './index.d.ts' });
    for (const target of [root.workerd, root.browser, root.node.require, root.node.default, root.types.require, root.types.default]) {
        assert.ok(fs.existsSync(path.join(PKG, target)), target);
    }
});

/** What `import 'leadscore'` resolves to under extra conditions, as Node sees it. */
function resolveWith(conditions) {
    const r = spawnSync(
        process.execPath,
        [...conditions.map((c) => `--conditions=${c}`), '--input-type=module', '-e', "console.log(import.meta.resolve('leadscore'))"],
        { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return path.basename(r.stdout.trim());
}

test('Node resolves import to index.node.js, and the workerd condition to index.workerd.js', () => {
    assert.equal(resolveWith([]), 'index.node.js');
    assert.equal(resolveWith(['workerd']), 'index.workerd.js');
});

test('no entry uses eval, new Function or a dynamic import', () => {
    for (const f of pkg.files.filter((f) => /\.c?js$/.test(f))) {
        const src = fs.readFileSync(path.join(PKG, f), 'utf8');
        assert.doesNotMatch(src, /\beval\s*\(|new Function\s*\(|\bimport\s*\(/, f);
    }
    // Only the browser path fetches, and only when init() is given no module.
    for (const f of ['index.workerd.js', 'index.node.js', 'index.node.cjs', 'common.js', 'common.cjs']) {
        assert.doesNotMatch(fs.readFileSync(path.join(PKG, f), 'utf8'), /\bfetch\s*\(/, f);
    }
});

test('the wasm module is one file, and small enough', () => {
    const bytes = fs.readFileSync(path.join(PKG, 'leadscore_bg.wasm'));
    assert.ok(WebAssembly.validate(bytes));
    assert.ok(bytes.length < 1_000_000, `${bytes.length} bytes`);
    assert.equal(fs.readdirSync(PKG).filter((f) => f.endsWith('.wasm')).length, 1);
});
