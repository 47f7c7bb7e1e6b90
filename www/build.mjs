// Builds the playground into www/dist/ (git-ignored): the page's bundle (app.js)
// and its Web Worker (worker.js), made by esbuild from src/; the npm package as
// built in ../pkg (copied to dist/pkg/, which both import at run time); the
// example rule sets (dist/examples/). The sample history is written by the
// backtest engine's generator (scripts/build-www.sh). `node build.mjs --watch`
// rebuilds on each change.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(WWW);
const DIST = path.join(WWW, 'dist');
const PKG = process.env.LEADSCORE_PKG || path.join(ROOT, 'pkg');

if (!fs.existsSync(path.join(PKG, 'package.json'))) {
    console.error(`build: no package in ${PKG}: run scripts/build-pkg.sh`);
    process.exit(1);
}
fs.mkdirSync(DIST, { recursive: true });

// The package is loaded as it ships, from dist/pkg/, not bundled: its entry finds
// its .wasm beside itself, and the tracker imports its core lazily.
fs.rmSync(path.join(DIST, 'pkg'), { recursive: true, force: true });
fs.cpSync(PKG, path.join(DIST, 'pkg'), { recursive: true, filter: (f) => !f.endsWith('.md') });

const examples = path.join(DIST, 'examples');
fs.mkdirSync(examples, { recursive: true });
for (const name of fs.readdirSync(path.join(ROOT, 'examples'))) {
    const src = path.join(ROOT, 'examples', name, 'ruleset.json');
    if (fs.existsSync(src)) fs.copyFileSync(src, path.join(examples, `${name}.json`));
}

/** `leadscore` and `leadscore/x` stay imports of ./pkg/ (beside app.js and worker.js). */
const packageAtRunTime = {
    name: 'leadscore-at-run-time',
    setup(build) {
        const entries = {
            leadscore: './pkg/index.js',
            'leadscore/tracker': './pkg/tracker.js',
            'leadscore/backtest': './pkg/backtest.js',
        };
        build.onResolve({ filter: /^leadscore(\/.*)?$/ }, (args) => {
            const to = entries[args.path];
            if (!to) return { errors: [{ text: `no run-time entry for ${args.path}` }] };
            return { path: to, external: true };
        });
    },
};

const options = {
    entryPoints: { app: path.join(WWW, 'src/main.js'), worker: path.join(WWW, 'src/worker.js') },
    outdir: DIST,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    plugins: [packageAtRunTime],
    logLevel: 'warning',
};

if (process.argv.includes('--watch')) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    console.log('build: watching src/');
} else {
    const result = await esbuild.build({ ...options, metafile: true });
    for (const [file, out] of Object.entries(result.metafile.outputs)) {
        if (file.endsWith('.js'))
            console.log(`build: ${path.relative(WWW, file)} ${(out.bytes / 1024).toFixed(0)} KiB`);
    }
}
