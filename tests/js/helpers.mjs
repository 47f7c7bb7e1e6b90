// Shared fixtures: the example rule sets (examples/<name>/ruleset.json, leads.json)
// with their golden results (tests/golden/<name>.ndjson), and a small inline rule set.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The package as users get it: scripts/test-js.sh packs pkg/ with `npm pack` and
 * installs the tarball here, so a file missing from package.json's `files` is
 * missing from this directory too.
 */
export const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'leadscore');

/**
 * The package's WebAssembly glue (leadscore.js) with an instance of its own, for
 * tests of what the module exports to the package (canHold, inputRoom,
 * moduleMemory): the package's classes never hand those out.
 */
export async function moduleGlue() {
    const glue = await import(pathToFileURL(path.join(PKG, 'leadscore.js')).href);
    glue.initSync({ module: fs.readFileSync(path.join(PKG, 'leadscore_bg.wasm')) });
    return glue;
}

/** 2026-11-20T12:00:00Z, the `now` of every golden case (tests/golden.rs). */
export const NOW = 1_795_176_000_000;
export const DAY = 86_400_000;

/** Every example that has a rule set, leads and golden lines. */
export function examples() {
    const dir = path.join(ROOT, 'examples');
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .sort()
        .map((name) => ({
            name,
            rulesetPath: path.join(dir, name, 'ruleset.json'),
            leadsPath: path.join(dir, name, 'leads.json'),
            goldenPath: path.join(ROOT, 'tests', 'golden', `${name}.ndjson`),
        }))
        .filter((e) => fs.existsSync(e.rulesetPath) && fs.existsSync(e.leadsPath))
        .map((e) => ({
            name: e.name,
            rulesetText: fs.readFileSync(e.rulesetPath, 'utf8'),
            leads: JSON.parse(fs.readFileSync(e.leadsPath, 'utf8')),
            golden: fs.existsSync(e.goldenPath)
                ? fs.readFileSync(e.goldenPath, 'utf8').split('\n').filter(Boolean)
                : null,
        }));
}

/** The data runtime-scenario.js runs on: every example, RULESET and NOW. */
export function scenarioData(exs) {
    return {
        now: NOW,
        ruleset: RULESET,
        examples: exs.map(({ name, rulesetText, leads }) => ({ name, rulesetText, leads })),
    };
}

/**
 * Checks the answer of runtime-scenario.js run in `runtime` on scenarioData(exs):
 * every example as tests/golden records, byte for byte; the same results however
 * the leads crossed; both error classes; a session's transition reported once.
 */
export function checkScenario(out, exs, runtime, log = '') {
    assert.deepEqual(out.errors, [], log);
    // defineRuleSet, before init(): the very object it was given.
    assert.deepEqual(out.defineRuleSet, { same: true, keys: Object.keys(RULESET) });
    assert.equal(out.examples.length, exs.length);
    for (const [i, ex] of exs.entries()) {
        const got = out.examples[i];
        if (ex.golden)
            assert.deepEqual(got.lines, ex.golden, `${ex.name}: ${runtime} matches tests/golden byte for byte`);
        assert.deepEqual(
            got.compiled,
            got.lines,
            `${ex.name}: in ${runtime}, the rule set compiled ahead scores alike`,
        );
        assert.deepEqual(
            got.objects,
            got.lines.map((l) => JSON.parse(l)),
        );
        assert.deepEqual(got.many, got.objects);
        assert.deepEqual(got.held, got.objects, `${ex.name}: a LeadSet in ${runtime} scores as score does`);
    }
    assert.equal(out.ruleSetError.isClass, true);
    assert.equal(out.ruleSetError.name, 'RuleSetError');
    assert.deepEqual(
        out.ruleSetError.problems.map((p) => [p.path, p.code]),
        [['fit[0].points', 'zeroPoints']],
    );
    const valid = { valid: true, problems: [], warnings: [] };
    assert.deepEqual(out.validate.valid, valid, `${runtime}: Engine.validate of a valid rule set`);
    assert.deepEqual(out.validate.text, valid, `${runtime}: Engine.validate of its JSON text`);
    assert.equal(out.validate.invalid.valid, false);
    assert.deepEqual(out.validate.invalid.warnings, []);
    assert.deepEqual(
        out.validate.invalid.problems.map((p) => [p.path, p.code]),
        [
            ['colour', 'unknownKey'],
            ['fit[0].points', 'zeroPoints'],
            ['fit[0].when.in', 'twoOperators'],
        ],
        `${runtime}: Engine.validate lists every problem`,
    );
    assert.deepEqual(out.inputError, { isClass: true, name: 'InputError', path: 'events', code: 'wrongType' });
    assert.deepEqual(out.session, { transitions: ['mql'], again: 0, total: 50 });
    // As natively (worked out independently of the core from docs/RULESET.md section 8).
    assert.deepEqual(out.ids, {
        session: ['~DwjvqGIfLQH', '~Bwsmv-nQc_h'],
        tab: ['~A8s4wd3Z8jh', '~FtJobV-IEzK'],
        setAside: [['unusedType', 'pageview', 'page_view', '~A8s4wd3Z8jh']],
    });
}

/** A small rule set whose numbers are easy to work out by hand. */
export const RULESET = {
    schema: 'leadscore.ruleset/v1',
    id: 'inline',
    version: '1',
    fit: [{ id: 'title', points: 20, when: { field: 'jobTitle', word: ['vp', 'director'] } }],
    engagement: [
        { id: 'pricing', event: 'page_view', where: { field: 'url', equals: '/pricing' }, points: 15, cap: 45 },
        { id: 'demo', event: 'form_submit', where: { field: 'form', equals: 'demo' }, points: 30, once: true },
    ],
    stages: {
        mql: { threshold: 50 },
        sql: { on: [{ event: 'form_submit', where: { field: 'form', equals: 'demo' } }] },
    },
};

export const pricing = (ts, extra = {}) => ({ type: 'page_view', ts, url: '/pricing', ...extra });

/** A lead: a VP with `views` pricing-page views, one a minute before NOW. */
export function lead(views = 2, extra = {}) {
    return {
        id: 'ann@acme.io',
        profile: { jobTitle: 'VP Sales', company: { size: 120 } },
        events: Array.from({ length: views }, (_, i) => pricing(NOW - (i + 1) * 60_000)),
        ...extra,
    };
}

const TYPES = {
    '.js': 'text/javascript',
    '.mjs': 'text/javascript',
    '.wasm': 'application/wasm',
    '.json': 'application/json',
    '.html': 'text/html',
};

/**
 * The page head the package README shows "On a page without a bundler" (its
 * preloads, and the module script that imports the package and awaits init()),
 * with the package served from `prefix` instead of /js/leadscore/.
 */
export function readmePageHead(prefix) {
    const readme = fs.readFileSync(path.join(ROOT, 'pkg-template/README.md'), 'utf8');
    const block = /On a page without a bundler[\s\S]*?```html\n([\s\S]*?)```/.exec(readme);
    if (!block) throw new Error('pkg-template/README.md shows no page under "On a page without a bundler"');
    return block[1].replaceAll('/js/leadscore/', prefix);
}

/** A file directly in `dir` (the last part of `name` only, so no `..`) as `servePage` answers it, or null. */
export function fileIn(dir, name) {
    const file = path.join(dir, path.basename(name));
    if (!fs.existsSync(file)) return null;
    return { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: fs.readFileSync(file) };
}

/**
 * A local HTTP server for a page under test. `route(url)` answers a GET with
 * `{ type, body, headers?, delayMs? }` (sent `delayMs` later, as a slow network
 * would), or null for a 404. A POST to one of `resultPaths` is
 * the JSON the page reports: `results[path]` resolves with it. `requests` lists the
 * paths asked for, in order.
 */
export async function servePage(route, resultPaths = ['/result']) {
    const results = {};
    const waiting = {};
    for (const p of resultPaths) results[p] = new Promise((r) => (waiting[p] = r));
    const requests = [];
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://x');
        requests.push(url.pathname);
        if (req.method === 'POST' && waiting[url.pathname]) {
            let body = '';
            req.on('data', (c) => (body += c));
            req.on('end', () => {
                res.end('ok');
                waiting[url.pathname](JSON.parse(body));
            });
            return;
        }
        const answer = route(url);
        if (!answer) return res.writeHead(404).end();
        const send = () => res.writeHead(200, { 'content-type': answer.type, ...answer.headers }).end(answer.body);
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${server.address().port}/`, results, requests, close: () => server.close() };
}

/**
 * Serves a page (`route` and `resultPaths` as `servePage` takes them), opens it in a
 * headless Chromium (`open`: openInChromium's options) and, once both are closed,
 * gives what the page posted to each of `resultPaths`, in order, and the paths it
 * asked for.
 */
export async function runPage(chromiumPath, route, { resultPaths = ['/result'], ...open } = {}) {
    const page = await servePage(route, resultPaths);
    const browser = openInChromium(chromiumPath, page.url, {
        describe: () => `(requests: ${page.requests.join(' ')})`,
        ...open,
    });
    try {
        const results = await Promise.race([Promise.all(resultPaths.map((p) => page.results[p])), browser.failed]);
        return { results, requests: page.requests };
    } finally {
        await browser.close();
        page.close();
    }
}

/** The Chromium to drive (CHROME_BIN, else the usual names on PATH), or null. */
export function findChromium() {
    const candidates = [
        process.env.CHROME_BIN,
        'chromium',
        'chromium-browser',
        'google-chrome',
        'google-chrome-stable',
    ].filter(Boolean);
    for (const c of candidates) {
        const r = spawnSync(c, ['--version'], { encoding: 'utf8' });
        if (r.status === 0) return c;
    }
    return null;
}

/**
 * Opens `url` in a headless Chromium with a fresh profile. `failed` rejects if the
 * browser exits first or after `timeoutMs` (with what it printed and `describe()`);
 * `close()` ends it and removes the profile.
 */
export function openInChromium(chromiumPath, url, { timeoutMs = 90_000, describe = () => '' } = {}) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'leadscore-chromium-'));
    const chromium = spawn(
        chromiumPath,
        [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--no-first-run',
            '--no-default-browser-check',
            `--user-data-dir=${profile}`,
            url,
        ],
        // Its own process group, so close() ends the helper processes too.
        { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    let stderr = '';
    chromium.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise((r) => chromium.on('exit', r));
    let timer;
    const failed = Promise.race([
        exited.then((code) => Promise.reject(new Error(`Chromium exited (${code}) before reporting:\n${stderr}`))),
        new Promise(
            (_, reject) =>
                (timer = setTimeout(
                    () =>
                        reject(new Error(`no result from Chromium in ${timeoutMs / 1000} s ${describe()}:\n${stderr}`)),
                    timeoutMs,
                )),
        ),
    ]);
    failed.catch(() => {});
    return {
        failed,
        async close() {
            clearTimeout(timer);
            try {
                process.kill(-chromium.pid, 'SIGKILL');
            } catch {
                chromium.kill('SIGKILL');
            }
            await exited;
            // The last helper processes may still be on their way out: retry rather than
            // fail on ENOTEMPTY.
            fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
        },
    };
}
