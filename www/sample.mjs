// Writes the sample history the page loads by default: the package's deterministic
// synthetic B2B history (History.sampleText, docs/BACKTEST.md "Sample"), as NDJSON.
// `node sample.mjs OUT [--leads N] [--seed S]`; beside OUT, sample.json tells the
// page what there is. A package without the generator writes no sample and says
// so there: the page then offers none.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const WWW = path.dirname(fileURLToPath(import.meta.url));
const PKG = process.env.LEADSCORE_PKG || path.join(WWW, '..', 'pkg');
export const SAMPLE = { leads: 2000, seed: 1 };

/** The package's backtest entry (leadscore/backtest) ready in Node, or null when the package has none. */
export async function loadBacktest(pkg) {
    const entry = path.join(pkg, 'backtest.js');
    if (!fs.existsSync(entry)) return null;
    const m = await import(pathToFileURL(entry).href);
    m.initSync(fs.readFileSync(path.join(pkg, 'leadscore_backtest_bg.wasm')));
    return m;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]);

async function main(out) {
    const arg = (name, fallback) => {
        const i = process.argv.indexOf(name);
        return i > 0 ? Number(process.argv[i + 1]) : fallback;
    };
    const m = await loadBacktest(PKG);
    if (!m?.History?.sampleText) {
        const reason = 'this build of the package has no backtest entry (leadscore/backtest): no sample history';
        console.error(`sample: ${reason}`);
        fs.rmSync(out, { force: true });
        fs.writeFileSync(path.join(path.dirname(out), 'sample.json'), JSON.stringify({ file: null, reason }));
    } else {
        const text = m.History.sampleText({ leads: arg('--leads', SAMPLE.leads), seed: arg('--seed', SAMPLE.seed) });
        fs.writeFileSync(out, text);
        const about = {
            file: path.basename(out),
            leads: arg('--leads', SAMPLE.leads),
            seed: arg('--seed', SAMPLE.seed),
        };
        fs.writeFileSync(path.join(path.dirname(out), 'sample.json'), JSON.stringify(about));
        console.log(`sample: ${path.relative(process.cwd(), out)} ${text.split('\n').filter(Boolean).length} leads`);
    }
}
