// The TypeScript declarations: they compile in the kinds of project that use the
// package (browser and Node, ESM and CommonJS), they reject misuse, and the result
// interfaces, kept by hand in pkg-template/index.d.ts, still describe what the core returns;
// and the declarations are exactly what the package exports, every member used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Engine, RuleSetError, Session } from 'leadscore';
import { examples, NOW, PKG, ROOT, RULESET } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DTS = fs.readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');

let tsc = null;
try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
    // typescript is a devDependency of tests/js: `npm install` there (scripts/test-js.sh does).
}

for (const config of ['tsconfig.json', 'tsconfig.esnext.json', 'tsconfig.node.json', 'tsconfig.nodenext.json']) {
    test(`tsc -p types/${config}`, { skip: tsc ? false : 'typescript is not installed in tests/js' }, () => {
        const r = spawnSync(process.execPath, [tsc, '-p', path.join(HERE, 'types', config)], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
}

/** Every rule set of tests/cases that compiles (the file's named ones and the cases' own). */
function validCaseRuleSets() {
    const dir = path.join(ROOT, 'tests', 'cases');
    const found = [];
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
        const named = Object.entries(doc.rulesets ?? {}).map(([name, r]) => [`${file} rulesets.${name}`, r]);
        const own = doc.cases
            .filter((c) => c.ruleset && typeof c.ruleset === 'object')
            .map((c) => [`${file} "${c.name}"`, c.ruleset]);
        for (const [where, ruleSet] of [...named, ...own]) {
            try {
                new Engine(ruleSet).free();
                found.push({ where, ruleSet });
            } catch (e) {
                if (!(e instanceof RuleSetError)) throw e;
            }
        }
    }
    return found;
}

test(
    'every rule set of tests/cases that compiles type-checks as new Engine takes a JSON import of it',
    { skip: tsc ? false : 'typescript is not installed in tests/js' },
    () => {
        const valid = validCaseRuleSets();
        assert.ok(valid.length >= 30, `${valid.length} rule sets`);
        const files = {};
        const lines = ["import { Engine } from 'leadscore';"];
        valid.forEach(({ where, ruleSet }, i) => {
            files[`r${i}.json`] = JSON.stringify(ruleSet, null, 2);
            lines.push(`// ${where.replace(/\n/g, ' ')}`);
            lines.push(`import r${i} from './r${i}.json' with { type: 'json' };`, `new Engine(r${i});`);
        });
        const r = tscProject({ ...files, 'check.mts': lines.join('\n') + '\n' });
        assert.equal(r.status, 0, r.stdout + r.stderr + '\n' + lines.join('\n'));
    },
);

/**
 * tsc run on a project of `files` (name: text) in a directory of its own that sees
 * tests/js/node_modules, with the options of types/tsconfig.nodenext.json.
 */
function tscProject(files) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-types-'));
    try {
        fs.symlinkSync(path.join(HERE, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
        for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
        const config = JSON.parse(fs.readFileSync(path.join(HERE, 'types', 'tsconfig.nodenext.json'), 'utf8'));
        const base = JSON.parse(fs.readFileSync(path.join(HERE, 'types', 'tsconfig.json'), 'utf8'));
        const compilerOptions = { ...base.compilerOptions, ...config.compilerOptions };
        const sources = Object.keys(files).filter((f) => /\.[cm]?ts$/.test(f));
        fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: sources }));
        return spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test(
    "the README's TypeScript type-checks, beside a ruleset.json, and refuses what its comments say",
    { skip: tsc ? false : 'typescript is not installed in tests/js' },
    () => {
        const readme = fs.readFileSync(path.join(ROOT, 'pkg-template', 'README.md'), 'utf8');
        const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
        assert.ok(blocks.length >= 1, `${blocks.length} TypeScript blocks`);
        const ruleSetJson = fs.readFileSync(path.join(ROOT, 'examples', 'b2b-saas', 'ruleset.json'), 'utf8');
        let refusals = 0;
        for (const [i, code] of blocks.entries()) {
            const r = tscProject({ 'ruleset.json': ruleSetJson, 'readme.mts': code });
            assert.equal(r.status, 0, `block ${i}:\n${r.stdout}${r.stderr}\n${code}`);
            // `x; // 'y' is a type error here`: with 'y' in place of x's text, tsc refuses that line.
            for (const [line, n] of code.split('\n').map((l, n) => [l, n])) {
                const m = line.match(/'([^']*)'[^']*\/\/ '([^']*)' is a type error here$/);
                if (!m) continue;
                const wrong = code
                    .split('\n')
                    .map((l, k) => (k === n ? l.replace(`'${m[1]}'`, `'${m[2]}'`) : l))
                    .join('\n');
                const bad = tscProject({ 'ruleset.json': ruleSetJson, 'readme.mts': wrong });
                assert.notEqual(bad.status, 0, `block ${i}: '${m[2]}' type-checks`);
                assert.match(bad.stdout, new RegExp(`(^|/)readme\\.mts\\(${n + 1},`, 'm'), bad.stdout);
                refusals++;
            }
        }
        assert.ok(refusals >= 1, `${refusals} refusals checked`);
    },
);

test('index.d.ts and index.d.cts are the same declarations', () => {
    assert.equal(fs.readFileSync(path.join(PKG, 'index.d.cts'), 'utf8'), DTS);
});

/** The `{ … }` body of `export interface name`, and the interfaces it extends. */
function body(name) {
    const m = DTS.match(new RegExp(`export interface ${name}(?: extends ([\\w, ]+))? \\{`));
    assert.ok(m, `index.d.ts declares interface ${name}`);
    const open = m.index + m[0].length - 1;
    let depth = 0;
    for (let i = open; i < DTS.length; i++) {
        if (DTS[i] === '{') depth++;
        if (DTS[i] === '}' && --depth === 0)
            return { text: DTS.slice(open + 1, i), bases: m[1] ? m[1].split(',').map((b) => b.trim()) : [] };
    }
    throw new Error(`unbalanced interface ${name}`);
}

/** Property names anywhere in an interface (its bases' too), and those required at its top level. */
function declared(name) {
    const { text: raw, bases } = body(name);
    const text = raw.replace(/\/\*\*[\s\S]*?\*\//g, '');
    const all = new Set([...text.matchAll(/(\w+)\??:/g)].map((m) => m[1]));
    const required = new Set();
    let depth = 0;
    for (const line of text.split('\n')) {
        const m = depth === 0 && line.match(/^\s*(\w+):/);
        if (m) required.add(m[1]);
        depth += (line.match(/[{[]/g) || []).length - (line.match(/[}\]]/g) || []).length;
    }
    for (const base of bases) {
        const inherited = declared(base);
        inherited.all.forEach((k) => all.add(k));
        inherited.required.forEach((k) => required.add(k));
    }
    return { all, required };
}

function union(name) {
    const m = DTS.match(new RegExp(`export type ${name} =([^;]+);`));
    assert.ok(m, `index.d.ts declares type ${name}`);
    return new Set([...m[1].matchAll(/["'](\w+)["']/g)].map((x) => x[1]));
}

function covers(name, value, where) {
    const { all, required } = declared(name);
    for (const k of Object.keys(value))
        assert.ok(all.has(k), `${where}: "${k}" is not declared in ${name} (pkg-template/index.d.ts)`);
    for (const k of required)
        assert.ok(k in value, `${where}: ${name} declares "${k}" as always present, and it is missing`);
}

function checkResult(r, where) {
    covers('ScoreResult', r, where);
    const nested = declared('ScoreResult').all;
    for (const k of Object.keys(r.events)) assert.ok(nested.has(k), `${where}: events.${k} is not declared`);
    for (const k of Object.keys(r.events.skipped ?? {}))
        assert.ok(union('SkipReason').has(k), `${where}: skip reason ${k} is not in SkipReason`);
    for (const p of r.events.problems ?? []) covers('Problem', p, `${where} events.problems`);
    for (const d of r.disqualifications ?? [])
        for (const k of Object.keys(d)) assert.ok(nested.has(k), `${where}: disqualifications[].${k}`);
    for (const c of r.contributions) covers('Contribution', c, `${where} contribution ${c.id}`);
    assert.ok(['none', 'mql', 'pql', 'sql'].includes(r.stage));
    assert.ok(['A', 'B', 'C', 'D'].includes(r.grade));
    assert.ok([1, 2, 3, 4].includes(r.level));
    assert.equal(typeof r.total, 'number');
}

test('the declared result types describe real results', () => {
    let n = 0;
    for (const ex of examples()) {
        const e = new Engine(ex.rulesetText);
        for (const [i, l] of ex.leads.entries()) {
            checkResult(e.score(l, NOW), `${ex.name} lead ${i}`);
            covers('Qualification', e.qualify(l, NOW), `${ex.name} lead ${i} (qualify)`);
            n++;
            const s = new Session(`s${i}`);
            if (l.profile) s.updateProfile(l.profile);
            for (const event of l.events ?? []) {
                try {
                    s.track(event, NOW);
                } catch {}
            }
            const ev = s.evaluate(e, NOW);
            covers('Evaluation', ev, `${ex.name} session ${i}`);
            checkResult(ev.result, `${ex.name} session ${i}`);
            for (const t of ev.transitions) {
                covers('Transition', t, `${ex.name} transition`);
                for (const c of t.reasons) covers('Contribution', c, `${ex.name} transition reason`);
            }
        }
    }
    const e = new Engine(RULESET);
    const r = e.score(
        {
            events: [
                { type: 'page_view', ts: 'x' },
                { type: 'page_view', ts: NOW + 1 },
            ],
        },
        NOW,
    );
    checkResult(r, 'inline');
    n++;
    assert.ok(n > 0);
    assert.ok(union('Tracked').has(new Session('t').track({ type: 'x', ts: NOW }, NOW).tracked));
});

/**
 * What index.d.ts declares a user can call: each exported function and class, and
 * each class's constructor, static and instance members, as `Name` and
 * `Name.member` (`Name.new` for a constructor), from the TypeScript compiler itself.
 */
function declaredApi(ts) {
    const file = path.join(PKG, 'index.d.ts');
    const program = ts.createProgram([file], { strict: true, noEmit: true, types: [] });
    const source = program.getSourceFile(file);
    const api = new Set();
    const exported = (node) => node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    for (const node of source.statements) {
        if (ts.isFunctionDeclaration(node) && exported(node)) api.add(node.name.text);
        if (ts.isClassDeclaration(node) && exported(node)) {
            const cls = node.name.text;
            api.add(cls);
            for (const m of node.members) {
                if (ts.isConstructorDeclaration(m)) api.add(`${cls}.new`);
                else if (m.name && ts.isComputedPropertyName(m.name))
                    api.add(`${cls}.[${m.name.expression.getText(source)}]`);
                else if (m.name) api.add(`${cls}.${m.name.text}`);
            }
        }
    }
    return { api, program };
}

/** The members of `api` that the consumer files use, as the type checker resolves them. */
function usedApi(ts, api) {
    const files = ['consumer.mts', 'consumer.cts', 'consumer.dom.mts', 'consumer.ruleset.mts'].map((f) =>
        path.join(HERE, 'types', f),
    );
    const program = ts.createProgram(files, {
        strict: true,
        noEmit: true,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        target: ts.ScriptTarget.ES2022,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
        types: [],
    });
    const checker = program.getTypeChecker();
    const used = new Set();
    const nameOf = (decl) => {
        if (!decl || !decl.getSourceFile().fileName.endsWith(path.join('leadscore', 'index.d.ts'))) return null;
        if (ts.isClassDeclaration(decl) || ts.isFunctionDeclaration(decl)) return decl.name.text;
        const cls = decl.parent && ts.isClassDeclaration(decl.parent) ? decl.parent.name.text : null;
        if (!cls) return null;
        if (ts.isConstructorDeclaration(decl)) return `${cls}.new`;
        if (decl.name && ts.isComputedPropertyName(decl.name))
            return `${cls}.[${decl.name.expression.getText(decl.getSourceFile())}]`;
        return decl.name ? `${cls}.${decl.name.text}` : null;
    };
    for (const file of files) {
        const source = program.getSourceFile(file);
        const visit = (node) => {
            if (ts.isNewExpression(node)) {
                const sig = checker.getResolvedSignature(node);
                const name = nameOf(sig?.declaration);
                if (name) used.add(name);
            }
            // An import names a member without using it.
            if (ts.isImportDeclaration(node) || ts.isImportEqualsDeclaration(node)) return;
            if (ts.isIdentifier(node)) {
                let symbol = checker.getSymbolAtLocation(node);
                if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
                for (const decl of symbol?.declarations ?? []) {
                    const name = nameOf(decl);
                    if (name && api.has(name)) used.add(name);
                }
            }
            if (ts.isElementAccessExpression(node)) {
                // `x[Symbol.dispose]`: the member of the class that x's type is.
                const cls = checker.getTypeAtLocation(node.expression).getSymbol()?.name;
                const name = `${cls}.[${node.argumentExpression.getText(source)}]`;
                if (api.has(name)) used.add(name);
            }
            ts.forEachChild(node, visit);
        };
        visit(source);
    }
    return used;
}

test(
    'every function, class and member index.d.ts declares is used by a consumer compiled with --strict',
    { skip: tsc ? false : 'typescript is not installed in tests/js' },
    () => {
        const ts = createRequire(import.meta.url)('typescript');
        const { api } = declaredApi(ts);
        assert.ok(api.has('Engine.score') && api.has('Session.new') && api.has('init'), [...api].join(', '));
        const used = usedApi(ts, api);
        const unused = [...api].filter((name) => !used.has(name));
        assert.deepEqual(unused, [], 'declared but used by no file in tests/js/types');
    },
);

test('index.d.ts declares exactly what the package exports, and each class exactly its members', async () => {
    const ts = createRequire(import.meta.url)('typescript');
    const { api } = declaredApi(ts);
    const pkg = await import('leadscore');
    const runtime = new Set(Object.keys(pkg));
    for (const [name, value] of Object.entries(pkg)) {
        if (typeof value !== 'function' || !/^[A-Z]/.test(name)) continue;
        runtime.add(`${name}.new`);
        // Its own members and those it inherits from the package's classes (not Error's).
        for (
            let proto = value.prototype;
            proto && proto !== Object.prototype && proto !== Error.prototype;
            proto = Object.getPrototypeOf(proto)
        ) {
            for (const member of Object.getOwnPropertyNames(proto)) {
                if (member !== 'constructor') runtime.add(`${name}.${member}`);
            }
        }
        if (typeof Symbol.dispose === 'symbol' && Symbol.dispose in value.prototype) {
            runtime.add(`${name}.[Symbol.dispose]`);
        }
        for (const member of Object.getOwnPropertyNames(value)) {
            if (!['length', 'name', 'prototype'].includes(member)) runtime.add(`${name}.${member}`);
        }
    }
    // Error classes: their data members are set in the constructor, and what they
    // inherit from Error (stack, cause) is the platform's.
    const declaredOnly = [...api].filter((n) => !runtime.has(n));
    const dataMembers = ['InputError.name', 'InputError.path', 'InputError.code', 'InputError.problems'];
    const errorData = ['RuleSetError.name', 'RuleSetError.problems'];
    assert.deepEqual(declaredOnly.sort(), [...dataMembers, ...errorData].sort(), 'declared, not in the package');
    const e = new pkg.InputError('p', 'c', 'm');
    for (const m of dataMembers) assert.ok(m.split('.')[1] in e, m);
    for (const m of errorData) assert.ok(m.split('.')[1] in new pkg.RuleSetError([]), m);
    const runtimeOnly = [...runtime].filter(
        (n) => !api.has(n) && !/^(InputError|RuleSetError)\.\[Symbol\.hasInstance\]$/.test(n),
    );
    assert.deepEqual(runtimeOnly, [], 'in the package, not declared');
});

test('tracker.d.ts declares exactly what leadscore/tracker exports', async () => {
    const tracker = await import('leadscore/tracker');
    const dts = fs.readFileSync(path.join(PKG, 'tracker.d.ts'), 'utf8');
    const declaredFns = [...dts.matchAll(/export declare function (\w+)/g)].map((m) => m[1]).sort();
    assert.deepEqual(Object.keys(tracker).sort(), declaredFns);
    for (const name of declaredFns) assert.equal(typeof tracker[name], 'function', name);
});
