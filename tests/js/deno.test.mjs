// The package in Deno (npm package `deno`, a devDependency of tests/js), as a Deno
// program imports it: by its name, which Deno resolves through node_modules to the
// Node.js entry, and by the URL of the ESM entry, whose init() reads the .wasm
// beside it. Deno may read the package, the test's files and its data, and nothing
// else: no network, no environment. Every example scores exactly as tests/golden
// records. Skipped when Deno is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkScenario, examples, PKG, scenarioData } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DENO = path.join(HERE, 'node_modules', '.bin', 'deno');
const EXAMPLES = examples();

const entries = [
    ['by name (the Node.js entry, through node_modules)', 'leadscore', 'index.node.js'],
    [
        'by the URL of the ESM entry (index.js, init reads the .wasm)',
        pathToFileURL(path.join(PKG, 'index.js')).href,
        'index.js',
    ],
];

for (const [how, entry, file] of entries) {
    test(
        `Deno imports the package ${how}`,
        { skip: fs.existsSync(DENO) ? false : 'Deno is not installed in tests/js', timeout: 120_000 },
        () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-deno-'));
            try {
                const data = path.join(dir, 'data.json');
                fs.writeFileSync(data, JSON.stringify(scenarioData(EXAMPLES)));
                const run = spawnSync(
                    DENO,
                    [
                        'run',
                        '--no-prompt',
                        `--allow-read=${[PKG, HERE, dir].join(',')}`,
                        path.join(HERE, 'deno-run.js'),
                        entry,
                        data,
                    ],
                    {
                        cwd: HERE,
                        encoding: 'utf8',
                        env: { ...process.env, DENO_DIR: path.join(dir, 'cache'), NO_COLOR: '1' },
                        maxBuffer: 64 << 20,
                    },
                );
                const log = `${run.stderr}`;
                assert.equal(run.status, 0, `deno exited ${run.status}:\n${log}`);
                const out = JSON.parse(run.stdout);
                assert.equal(path.basename(fileURLToPath(out.resolved)), file, `resolved to ${out.resolved}`);
                checkScenario(out, EXAMPLES, 'Deno', log);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        },
    );
}
