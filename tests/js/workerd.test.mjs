// The workerd entry in workerd itself (npm package `workerd`, a devDependency of
// tests/js): the .wasm import arrives as a compiled module, nothing is fetched or
// evaluated, and every example scores exactly as tests/golden records. Skipped
// when workerd is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { examples, NOW, PKG, RULESET } from './helpers.mjs';

let workerd = null;
try {
    const mod = createRequire(import.meta.url)('workerd');
    if (fs.existsSync(mod.default)) workerd = { bin: mod.default, compatibilityDate: mod.compatibilityDate };
} catch {
    // not installed
}

const EXAMPLES = examples();

const WORKER = `
import { Engine, Session, LeadSet, InputError, RuleSetError, init } from './index.workerd.js';
import data from './data.json';

export default {
    async fetch() {
        const out = { errors: [] };
        try {
            await init();
            out.examples = data.examples.map((ex) => {
                const engine = new Engine(ex.rulesetText);
                return {
                    name: ex.name,
                    lines: ex.leads.map((l) => engine.scoreJson(JSON.stringify(l), data.now)),
                    objects: ex.leads.map((l) => engine.score(l, data.now)),
                    many: engine.scoreMany(ex.leads, data.now),
                    held: engine.scoreMany(new LeadSet(ex.leads), data.now),
                };
            });
            try {
                new Engine({ schema: 'leadscore.ruleset/v1', id: 'x', version: '1', fit: [{ id: 'a', points: 0, when: { field: 'x', exists: true } }] });
            } catch (e) {
                out.ruleSetError = { isClass: e instanceof RuleSetError, name: e.name, problems: e.problems };
            }
            const engine = new Engine(data.ruleset);
            try {
                engine.score({ events: 'no' }, data.now);
            } catch (e) {
                out.inputError = { isClass: e instanceof InputError, name: e.name, path: e.path, code: e.code };
            }
            const s = new Session('edge');
            s.updateProfile({ jobTitle: 'VP' });
            s.track({ type: 'page_view', ts: data.now - 1000, url: '/pricing' }, data.now);
            s.track({ type: 'page_view', ts: data.now - 500, url: '/pricing' }, data.now);
            const first = s.evaluate(engine, data.now);
            const again = Session.restore(s.save()).evaluate(engine, data.now);
            out.session = { transitions: first.transitions.map((t) => t.to), again: again.transitions.length, total: first.result.total };
        } catch (e) {
            out.errors.push(String((e && e.stack) || e));
        }
        return Response.json(out);
    },
};
`;

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

test('the workerd entry in workerd', { skip: workerd ? false : 'workerd is not installed in tests/js', timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-workerd-'));
    for (const f of ['index.workerd.js', 'leadscore.js', 'common.js', 'codec.js', 'leadscore_bg.wasm']) fs.copyFileSync(path.join(PKG, f), path.join(dir, f));
    fs.writeFileSync(path.join(dir, 'worker.js'), WORKER);
    fs.writeFileSync(
        path.join(dir, 'data.json'),
        JSON.stringify({ now: NOW, ruleset: RULESET, examples: EXAMPLES.map(({ name, rulesetText, leads }) => ({ name, rulesetText, leads })) }),
    );
    const port = await freePort();
    fs.writeFileSync(
        path.join(dir, 'config.capnp'),
        `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "index.workerd.js", esModule = embed "index.workerd.js"),
    (name = "leadscore.js", esModule = embed "leadscore.js"),
    (name = "common.js", esModule = embed "common.js"),
    (name = "codec.js", esModule = embed "codec.js"),
    (name = "leadscore_bg.wasm", wasm = embed "leadscore_bg.wasm"),
    (name = "data.json", json = embed "data.json"),
  ],
  compatibilityDate = "${workerd.compatibilityDate ?? '2025-01-01'}",
);
`,
    );
    const child = spawn(workerd.bin, ['serve', path.join(dir, 'config.capnp')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (c) => (log += c));
    child.stderr.on('data', (c) => (log += c));
    let exitCode = null;
    const exited = new Promise((r) => child.on('exit', (code) => r((exitCode = code ?? 'signal'))));
    try {
        let out = null;
        const deadline = Date.now() + 60_000;
        while (!out) {
            if (exitCode !== null) throw new Error(`workerd exited (${exitCode}):\n${log}`);
            if (Date.now() > deadline) throw new Error(`workerd did not answer in 60 s:\n${log}`);
            try {
                const res = await fetch(`http://127.0.0.1:${port}/`);
                out = await res.json();
            } catch {
                await new Promise((r) => setTimeout(r, 200));
            }
        }
        assert.deepEqual(out.errors, [], log);
        assert.equal(out.examples.length, EXAMPLES.length);
        for (const [i, ex] of EXAMPLES.entries()) {
            const got = out.examples[i];
            if (ex.golden) assert.deepEqual(got.lines, ex.golden, `${ex.name}: workerd matches tests/golden byte for byte`);
            assert.deepEqual(got.objects, got.lines.map((l) => JSON.parse(l)));
            assert.deepEqual(got.many, got.objects);
            assert.deepEqual(got.held, got.objects, `${ex.name}: a LeadSet in workerd scores as score does`);
        }
        assert.equal(out.ruleSetError.isClass, true);
        assert.deepEqual(out.ruleSetError.problems.map((p) => [p.path, p.code]), [['fit[0].points', 'zeroPoints']]);
        assert.deepEqual(out.inputError, { isClass: true, name: 'InputError', path: 'events', code: 'wrongType' });
        assert.deepEqual(out.session, { transitions: ['mql'], again: 0, total: 50 });
    } finally {
        child.kill('SIGKILL');
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
