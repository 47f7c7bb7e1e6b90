// The package itself: its files, its export conditions and its entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PKG, ROOT, RULESET } from './helpers.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));

test('package.json: name, module type, files', () => {
    assert.equal(pkg.name, 'leadscore');
    assert.equal(pkg.type, 'module');
    const cargo = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
    assert.equal(pkg.version, cargo.match(/^version = "([^"]+)"/m)[1], 'the crate version');
    for (const f of pkg.files) assert.ok(fs.existsSync(path.join(PKG, f)), `${f} is in the packed package`);
});

test('every file the README links to is in the package, the rule-set reference among them', () => {
    const readme = fs.readFileSync(path.join(PKG, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
    assert.ok(links.includes('docs/RULESET.md') && links.includes('docs/SECURITY.md'), links.join(', '));
    for (const link of links) assert.ok(fs.existsSync(path.join(PKG, link)), `${link} is in the packed package`);
    const reference = fs.readFileSync(path.join(PKG, 'docs/RULESET.md'), 'utf8');
    assert.equal(reference, fs.readFileSync(path.join(ROOT, 'docs/RULESET.md'), 'utf8'), "the repository's own");
});

test('export conditions map to the entry for each runtime', () => {
    const root = pkg.exports['.'];
    assert.deepEqual(Object.keys(root), ['types', 'workerd', 'node', 'worker', 'browser', 'import', 'default']);
    assert.equal(root.workerd, './index.workerd.js');
    for (const condition of ['worker', 'browser', 'import', 'default'])
        assert.equal(root[condition], './index.js', condition);
    assert.deepEqual(root.node, { require: './index.node.cjs', default: './index.node.js' });
    assert.deepEqual(root.types, { require: './index.d.cts', default: './index.d.ts' });
    for (const target of [
        root.workerd,
        root.browser,
        root.node.require,
        root.node.default,
        root.types.require,
        root.types.default,
    ]) {
        assert.ok(fs.existsSync(path.join(PKG, target)), target);
    }
});

/** What `import 'leadscore'` resolves to under extra conditions, as Node sees it. */
function resolveWith(conditions) {
    const r = spawnSync(
        process.execPath,
        [
            ...conditions.map((c) => `--conditions=${c}`),
            '--input-type=module',
            '-e',
            "console.log(import.meta.resolve('leadscore'))",
        ],
        { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return path.basename(r.stdout.trim());
}

test('Node resolves import to index.node.js, and the workerd condition to index.workerd.js', () => {
    assert.equal(resolveWith([]), 'index.node.js');
    assert.equal(resolveWith(['workerd']), 'index.workerd.js');
});

/** The entry a bundler picks for `import 'leadscore'` under `conditions` (esbuild, platform neutral). */
async function bundledEntry(conditions) {
    const { build } = createRequire(import.meta.url)('esbuild');
    const out = await build({
        stdin: {
            contents: "import { Engine } from 'leadscore'; export default Engine;",
            resolveDir: path.dirname(new URL(import.meta.url).pathname),
        },
        bundle: true,
        write: false,
        metafile: true,
        platform: 'neutral',
        format: 'esm',
        mainFields: ['module', 'main'],
        conditions,
        external: ['*.wasm'],
        logLevel: 'silent',
    });
    const entries = Object.keys(out.metafile.inputs)
        .map((f) => path.basename(f))
        .filter((f) => /^index\.[\w.]*js$/.test(f));
    assert.equal(entries.length, 1, entries.join(', '));
    return entries[0];
}

test('bundlers pick the Workers entry for workerd, and the explicit-init entry for other workers and ESM', async () => {
    // wrangler resolves workerd, worker, browser in that order: workerd wins.
    assert.equal(await bundledEntry(['workerd', 'worker', 'browser']), 'index.workerd.js');
    // Other worker runtimes (and Web Workers) may not import a .wasm file as a module:
    // they get the entry whose init() takes a URL, a Response, bytes or a Module.
    assert.equal(await bundledEntry(['worker']), 'index.js');
    assert.equal(await bundledEntry(['edge-light', 'worker', 'browser']), 'index.js');
    assert.equal(await bundledEntry([]), 'index.js');
});

test('no entry uses eval, new Function or a dynamic import (but the tracker, for its lazy parts)', () => {
    // The tracker loads its core, and the core the engine, when the page is idle: those
    // imports, and no other.
    const lazy = {
        'tracker.js': ['./tracker-core.js'],
        'tracker-core.js': ['./page.js', './index.js'],
        'tracker.min.js': ['./tracker-core.min.js'],
        'tracker-core.min.js': ['./page.js', './tracker-full.min.js'],
    };
    for (const f of pkg.files.filter((f) => /\.c?js$/.test(f))) {
        const src = fs.readFileSync(path.join(PKG, f), 'utf8');
        assert.doesNotMatch(src, /\beval\s*\(|new Function\s*\(/, f);
        const imports = [...src.matchAll(/\bimport\s*\(\s*(['"][^'"]*['"])?/g)].map((m) => m[1] && m[1].slice(1, -1));
        assert.deepEqual(imports, lazy[f] ?? [], f);
    }
    // Only the browser path fetches, and only when init() is given no module.
    for (const f of ['index.workerd.js', 'index.node.js', 'index.node.cjs', 'api.js', 'errors.js', 'codec.js']) {
        assert.doesNotMatch(fs.readFileSync(path.join(PKG, f), 'utf8'), /\bfetch\s*\(/, f);
    }
});

test('the wasm module names no directory of the machine that built it', () => {
    // scripts/build-pkg.sh remaps CARGO_HOME in the dependencies' source paths, so the
    // package is the same bytes wherever it is built.
    const local = [ROOT, os.homedir(), process.env.CARGO_HOME, process.env.RUSTUP_HOME].filter(
        (d) => d && d.length > 1,
    );
    for (const file of ['leadscore_bg.wasm', 'leadscore_page_bg.wasm']) {
        const bytes = fs.readFileSync(path.join(PKG, file)).toString('latin1');
        for (const dir of local) assert.ok(!bytes.includes(dir), `${file} contains ${dir}`);
    }
});

test('each wasm module is one file, and small enough', () => {
    for (const file of ['leadscore_backtest_bg.wasm', 'leadscore_bg.wasm', 'leadscore_page_bg.wasm']) {
        const bytes = fs.readFileSync(path.join(PKG, file));
        assert.ok(WebAssembly.validate(bytes), file);
        assert.ok(bytes.length < 1_000_000, `${file}: ${bytes.length} bytes`);
    }
    assert.deepEqual(
        fs
            .readdirSync(PKG)
            .filter((f) => f.endsWith('.wasm'))
            .sort(),
        ['leadscore_backtest_bg.wasm', 'leadscore_bg.wasm', 'leadscore_page_bg.wasm'],
    );
});

test('leadscore/backtest resolves to the backtest entry, its types and its module', () => {
    assert.deepEqual(pkg.exports['./backtest'], { types: './backtest.d.ts', default: './backtest.js' });
    assert.equal(pkg.exports['./leadscore_backtest_bg.wasm'], './leadscore_backtest_bg.wasm');
    const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', "console.log(import.meta.resolve('leadscore/backtest'))"],
        { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8' },
    );
    assert.equal(path.basename(new URL(r.stdout.trim()).pathname), 'backtest.js', r.stderr);
});

test('leadscore/page resolves to the page entry, its types and its module', () => {
    assert.deepEqual(pkg.exports['./page'], { types: './page.d.ts', default: './page.js' });
    assert.equal(pkg.exports['./leadscore_page_bg.wasm'], './leadscore_page_bg.wasm');
    const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', "console.log(import.meta.resolve('leadscore/page'))"],
        {
            cwd: path.dirname(new URL(import.meta.url).pathname),
            encoding: 'utf8',
        },
    );
    assert.equal(path.basename(new URL(r.stdout.trim()).pathname), 'page.js', r.stderr);
});

test('objects made with new share one hidden class in V8, and the exported classes can be subclassed', () => {
    // Objects that each had a hidden class of their own (a Proxy as their new.target)
    // made every method call miss V8's inline caches: a session's track was 14%
    // slower. %HaveSameMap is V8's own test, behind --allow-natives-syntax.
    const program = `
        const { Engine, Session, LeadSet } = require(${JSON.stringify(path.join(PKG, 'index.node.cjs'))});
        const rules = ${JSON.stringify(JSON.stringify(RULESET))};
        const pairs = { Engine: [new Engine(rules), new Engine(rules)], Session: [new Session('a'), new Session('b')], LeadSet: [new LeadSet([]), new LeadSet([])] };
        console.log(JSON.stringify(Object.fromEntries(Object.entries(pairs).map(([k, [a, b]]) => [k, %HaveSameMap(a, b)]))));`;
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', program], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { Engine: true, Session: true, LeadSet: true });

    const { Session, Engine } = createRequire(import.meta.url)(path.join(PKG, 'index.node.cjs'));
    class Visit extends Session {
        label() {
            return `visit ${this.id}`;
        }
    }
    const v = new Visit('v-1');
    assert.ok(v instanceof Visit && v instanceof Session);
    assert.equal(v.label(), 'visit v-1');
    assert.equal(v.track({ type: 'page_view', ts: 1 }, 2).tracked, 'added');
    v.free();
    class Named extends Engine {}
    assert.ok(new Named(RULESET) instanceof Named);
});

test('the browser entry imports every module it needs itself, so a page asks for them all at once', () => {
    // A page loading index.js as is learns of a module only when a file importing
    // it has arrived: one network round trip per level of imports.
    const importsOf = (file) =>
        [
            ...fs
                .readFileSync(path.join(PKG, file), 'utf8')
                .matchAll(/^import\s+(?:[^'"]*?\s+from\s+)?'\.\/([\w.]+\.js)';/gm),
        ].map((m) => m[1]);
    const direct = new Set(importsOf('index.js'));
    const all = new Set();
    const visit = (file) => {
        for (const dep of importsOf(file)) {
            if (!all.has(dep)) {
                all.add(dep);
                visit(dep);
            }
        }
    };
    visit('index.js');
    assert.deepEqual([...all].sort(), ['api.js', 'codec.js', 'errors.js', 'leadscore.js']);
    assert.deepEqual([...direct].sort(), [...all].sort(), 'every module of the graph is imported by index.js itself');
});
