// The workerd entry in workerd itself (npm package `workerd`, a devDependency of
// tests/js): the .wasm import arrives as a compiled module, nothing is fetched or
// evaluated, and every example scores exactly as tests/golden records. Skipped
// when workerd is not installed.
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { checkScenario, examples, PKG, scenarioData } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

let workerd = null;
try {
    const mod = createRequire(import.meta.url)('workerd');
    if (fs.existsSync(mod.default)) workerd = { bin: mod.default, compatibilityDate: mod.compatibilityDate };
} catch {
    // not installed
}

const EXAMPLES = examples();

// The worker runs runtime-scenario.js through the workerd entry.
const WORKER = `
import * as leadscore from './index.workerd.js';
import { scenario } from './runtime-scenario.js';
import data from './data.json';

export default {
    async fetch() {
        return Response.json(await scenario(leadscore, data));
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

test(
    'the workerd entry in workerd',
    { skip: workerd ? false : 'workerd is not installed in tests/js', timeout: 120_000 },
    async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-workerd-'));
        for (const f of ['index.workerd.js', 'leadscore.js', 'api.js', 'errors.js', 'codec.js', 'leadscore_bg.wasm'])
            fs.copyFileSync(path.join(PKG, f), path.join(dir, f));
        fs.copyFileSync(path.join(HERE, 'runtime-scenario.js'), path.join(dir, 'runtime-scenario.js'));
        fs.writeFileSync(path.join(dir, 'worker.js'), WORKER);
        fs.writeFileSync(path.join(dir, 'data.json'), JSON.stringify(scenarioData(EXAMPLES)));
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
    (name = "runtime-scenario.js", esModule = embed "runtime-scenario.js"),
    (name = "index.workerd.js", esModule = embed "index.workerd.js"),
    (name = "leadscore.js", esModule = embed "leadscore.js"),
    (name = "api.js", esModule = embed "api.js"),
    (name = "errors.js", esModule = embed "errors.js"),
    (name = "codec.js", esModule = embed "codec.js"),
    (name = "leadscore_bg.wasm", wasm = embed "leadscore_bg.wasm"),
    (name = "data.json", json = embed "data.json"),
  ],
  compatibilityDate = "${workerd.compatibilityDate ?? '2025-01-01'}",
);
`,
        );
        const child = spawn(workerd.bin, ['serve', path.join(dir, 'config.capnp')], {
            stdio: ['ignore', 'pipe', 'pipe'],
        });
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
            checkScenario(out, EXAMPLES, 'workerd', log);
        } finally {
            child.kill('SIGKILL');
            await exited;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
);
