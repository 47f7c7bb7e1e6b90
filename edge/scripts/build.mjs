// Bundles the worker as wrangler would: src/index.js and its imports (the package's
// workerd entry, the rule sets' JSON) into dist/index.js, with the engine's .wasm
// beside it, imported as a compiled module. Run by the tests and by `npm run dev`.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const EDGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(EDGE, 'dist');

/**
 * Bundles `entry` and its imports into `outfile` as wrangler would (ES module, the
 * package's workerd entry, the .wasm left as an import); an entry outside edge/ (the
 * benchmarks') finds the packages of edge/node_modules too.
 */
export async function bundle(entry, outfile) {
    await esbuild.build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'es2022',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['module', 'main'],
        external: ['cloudflare:*', '*.wasm'],
        nodePaths: [path.join(EDGE, 'node_modules')],
        logLevel: 'warning',
    });
}

export async function build() {
    fs.rmSync(DIST, { recursive: true, force: true });
    await bundle(path.join(EDGE, 'src/index.js'), path.join(DIST, 'index.js'));
    const pkgJson = createRequire(path.join(EDGE, 'package.json')).resolve('leadscore/package.json');
    fs.copyFileSync(path.join(path.dirname(pkgJson), 'leadscore_bg.wasm'), path.join(DIST, 'leadscore_bg.wasm'));
    return DIST;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    await build();
    console.log(`built ${path.relative(process.cwd(), DIST)}/index.js`);
}
