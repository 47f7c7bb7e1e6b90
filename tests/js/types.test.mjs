// The TypeScript declarations: they compile in the kinds of project that use the
// package (browser and Node, ESM and CommonJS), they reject misuse, and the result
// interfaces, kept by hand in src/wasm.rs, still describe what the core returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Engine, Session } from 'leadscore';
import { examples, NOW, PKG, RULESET } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DTS = fs.readFileSync(path.join(PKG, 'index.d.ts'), 'utf8');

let tsc = null;
try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
    // typescript is a devDependency of tests/js: `npm install` there (scripts/test-js.sh does).
}

for (const config of ['tsconfig.json', 'tsconfig.esnext.json', 'tsconfig.node.json']) {
    test(`tsc -p types/${config}`, { skip: tsc ? false : 'typescript is not installed in tests/js' }, () => {
        const r = spawnSync(process.execPath, [tsc, '-p', path.join(HERE, 'types', config)], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
}

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
    return new Set([...m[1].matchAll(/"(\w+)"/g)].map((x) => x[1]));
}

function covers(name, value, where) {
    const { all, required } = declared(name);
    for (const k of Object.keys(value))
        assert.ok(all.has(k), `${where}: "${k}" is not declared in ${name} (src/wasm.rs TS_TYPES)`);
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
