// What the playground's tests share: the page served on 127.0.0.1 (server.mjs),
// headless Chromium through playwright-core, and screenshots kept in
// www/test-artifacts/.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve } from '../server.mjs';

const WWW = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ARTIFACTS = path.join(WWW, 'test-artifacts');

/** The Chromium executable: CHROME_BIN, else chromium on PATH; null if none. */
export function chromiumPath() {
    for (const c of [process.env.CHROME_BIN, '/usr/bin/chromium', 'chromium', 'chromium-browser'].filter(Boolean)) {
        if (path.isAbsolute(c)) {
            if (fs.existsSync(c)) return c;
            continue;
        }
        const r = spawnSync('sh', ['-c', `command -v "${c}"`], { encoding: 'utf8' });
        if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    }
    return null;
}

export const skip = chromiumPath()
    ? fs.existsSync(path.join(WWW, 'dist', 'app.js'))
        ? false
        : 'no www/dist: run scripts/build-www.sh'
    : 'no Chromium (apt-get install chromium, or set CHROME_BIN)';

export async function launch() {
    const { chromium } = await import('playwright-core');
    return chromium.launch({
        executablePath: chromiumPath(),
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
        timeout: 60_000,
    });
}

export { serve };

/**
 * A fresh page on `url`, waiting until the playground has started; collects the
 * page's errors (uncaught exceptions and console errors, less the tracker's notice
 * that it has no endpoint, which is the point on this page).
 */
export async function openPlayground(browser, url, { width = 1280, height = 900 } = {}) {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/no endpoint/.test(m.text())) errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 30_000 });
    const ready = await page.evaluate(() => document.body.dataset.ready);
    if (ready !== 'true') throw new Error(`the playground did not start: ${await page.textContent('#problems')}`);
    // The sample history's first backtest done (or not possible): the panel's buttons are enabled.
    await page.waitForSelector('body[data-backtest]:not([data-backtest=working])', { timeout: 60_000 });
    return { page, ctx, errors };
}

export async function screenshot(page, name) {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Puts `text` into the rule-set editor as typed input (select all, then insert). */
export async function typeRules(page, text) {
    await page.locator('#editor .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
}

/** The text of the rule-set editor. */
export const editorText = (page) => page.evaluate(() => window.playground.rules());
