// A small test site with the prebuilt tracker, and a counting collector, both on
// 127.0.0.1 (two ports, so the collector is another origin, as in production). Used
// by tracker.test.mjs and benches/tracker.mjs.
//
// The site serves any path as a page (its title names the path; POST /thanks too,
// as a form's action), the package under /pkg/, and the rule set at /rules.json and
// /rules.lsc as `rules` says. The collector records every request it receives, answers a POST
// with the next of `answers` (then 200), and sends the CORS headers a collector
// needs (docs/SIGNALS.md).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { PKG } from './helpers.mjs';

/** The rule set the tracker tests score with: easy numbers, MQL at 50, SQL on a demo request. */
export const SITE_RULES = {
    schema: 'leadscore.ruleset/v1',
    id: 'site',
    version: '1',
    fit: [{ id: 'senior', points: 20, when: { field: 'jobTitle', word: ['vp', 'director'] } }],
    engagement: [
        { id: 'pricing', event: 'page_view', where: { field: 'url', startsWith: '/pricing' }, points: 20, cap: 60 },
        { id: 'docs', event: 'page_view', where: { field: 'url', startsWith: '/docs' }, points: 5, cap: 20 },
        { id: 'cta', event: 'cta_click', points: 10, cap: 40 },
        { id: 'reading', event: 'page_time', points: 5, sum: { property: 'seconds', atLeast: 600 } },
    ],
    stages: {
        mql: { threshold: 50 },
        sql: { on: [{ event: 'form_submit', where: { field: 'form', equals: 'demo_request' } }] },
    },
    bands: [{ name: 'hot', atLeast: 50 }, { name: 'warm', atLeast: 20 }, { name: 'cold' }],
};

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function page(pathname, snippet) {
    return `<!doctype html><html><head><meta charset="utf-8"><title>Acme ${pathname}</title>
<script>
window.pageErrors = [];
addEventListener('error', (e) => pageErrors.push(String(e.message)));
addEventListener('unhandledrejection', (e) => pageErrors.push('unhandled: ' + String(e.reason && e.reason.message || e.reason)));
window.ownClicks = 0;
document.addEventListener('leadscore:score', (e) => {
    const s = e.detail;
    document.getElementById('score').textContent = 'Your score: ' + s.total + ' (' + s.stage + ', ' + s.band + ')';
    document.getElementById('demo-cta').style.visibility = s.band === 'hot' ? 'visible' : 'hidden';
});
</script>
${snippet}
<style>body{font:16px sans-serif;margin:2em} #score{display:inline-block;width:24em;height:1.5em;font-weight:bold}</style>
</head><body>
<h1>Acme, ${pathname}</h1>
<p><output id="score">Scoring…</output> <a id="demo-cta" href="#demo" style="visibility:hidden">Book a demo now</a></p>
<p><a id="cta" href="#pricing" data-leadscore-event="cta_click" data-leadscore-label="pricing">See the plans</a>
 · <button id="own" onclick="ownClicks++; this.textContent = 'Clicked ' + ownClicks">The page's own button</button></p>
<form id="demo" method="post" action="/thanks" data-leadscore-event="form_submit" data-leadscore-form="demo_request">
<label>Job title <input name="jobTitle"></label> <label>Email <input name="email"></label>
<label>Phone <input name="phone"></label> <button id="send">Request a demo</button></form>
</body></html>`;
}

/** The snippet: the prebuilt tracker with `attrs` as its data- attributes. */
export function snippet(attrs) {
    const list = Object.entries(attrs)
        .filter(([, v]) => v != null)
        .map(([k, v]) => ` data-${k}="${String(v).replaceAll('"', '&quot;')}"`)
        .join('');
    return `<script async src="/pkg/tracker.min.js"${list}></script>`;
}

function listen(server) {
    return new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${server.address().port}`)));
}

/**
 * Starts the site and the collector. `attrs`: the snippet's data- attributes (the
 * endpoint is filled in); `pkg`: the package directory served under /pkg/; `cache`:
 * the package and the rule set may be cached for an hour (else nothing is cached);
 * `compiled`: the rule set is served compiled (bytes made by the full package's
 * compileRuleSet, as application/octet-stream) at /rules.lsc, which the snippet names.
 */
export async function startSite({ attrs = {}, pkg = PKG, cache = false, compiled = false } = {}) {
    const site = {
        rules: compiled ? await compiledRules(pkg) : { type: 'application/json', body: JSON.stringify(SITE_RULES) },
        attrs: {
            'rules-url': compiled ? '/rules.lsc' : '/rules.json',
            consent: 'granted',
            allow: 'jobTitle',
            ...attrs,
        },
        /** Paths the site was asked for, in order. */
        asked: [],
        /** Every request the collector received: { method, path, headers, body, at, status }. */
        received: [],
        /** What the collector answers the next POSTs: a status, or { status, retryAfter, body }. */
        answers: [],
        /** Delay of each file under /pkg/, in ms (a slow network). */
        delayMs: 0,
        /** What loads the tracker in each page's head: the prebuilt snippet with `attrs`, unless replaced. */
        head: () => snippet(site.attrs),
    };
    const collector = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
            const cors = {
                'access-control-allow-origin': '*',
                'access-control-expose-headers': 'Retry-After',
            };
            let answer = req.method === 'POST' ? (site.answers.shift() ?? 200) : 204;
            if (typeof answer === 'number') answer = { status: answer };
            const headers = { ...cors };
            if (answer.retryAfter != null) headers['retry-after'] = String(answer.retryAfter);
            site.received.push({
                method: req.method,
                path: req.url,
                headers: req.headers,
                body,
                at: Date.now(),
                status: answer.status,
            });
            if (answer.body != null) headers['content-type'] = 'application/json';
            res.writeHead(answer.status, headers).end(answer.body == null ? undefined : JSON.stringify(answer.body));
        });
    });
    const collectorUrl = await listen(collector);
    site.attrs.endpoint ??= `${collectorUrl}/collect`;
    const server = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://x');
        site.asked.push(url.pathname);
        req.resume();
        const rules = url.pathname === '/rules.json' || url.pathname === '/rules.lsc';
        const cacheable = cache && (rules || url.pathname.startsWith('/pkg/'));
        const send = (type, body, status = 200) =>
            res
                .writeHead(status, { 'content-type': type, 'cache-control': cacheable ? 'max-age=3600' : 'no-store' })
                .end(body);
        if (rules) return send(site.rules.type, site.rules.body);
        if (url.pathname === '/favicon.ico') return send('text/plain', '', 404);
        if (url.pathname.startsWith('/pkg/')) {
            const file = path.join(pkg, path.basename(url.pathname));
            if (!fs.existsSync(file)) return send('text/plain', 'not found', 404);
            const body = fs.readFileSync(file);
            const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
            if (site.delayMs) return setTimeout(() => send(type, body), site.delayMs);
            return send(type, body);
        }
        send('text/html', page(url.pathname, site.head(url.pathname)));
    });
    site.url = await listen(server);
    site.collectorUrl = collectorUrl;
    /** The signals the collector accepted (2xx), parsed. */
    site.accepted = () =>
        site.received.filter((r) => r.method === 'POST' && r.status < 300).map((r) => JSON.parse(r.body));
    site.posts = () => site.received.filter((r) => r.method === 'POST');
    site.close = () => {
        server.closeAllConnections?.();
        collector.closeAllConnections?.();
        server.close();
        collector.close();
    };
    return site;
}

/** SITE_RULES compiled by `pkg`'s full package (compileRuleSet), as the site serves them. */
export async function compiledRules(pkg = PKG, rules = SITE_RULES) {
    const { compileRuleSet } = await import(pathToFileURL(path.join(pkg, 'index.node.js')).href);
    return { type: 'application/octet-stream', body: Buffer.from(compileRuleSet(rules)) };
}

/** The Chromium executable for playwright-core: CHROME_BIN, else chromium on PATH; null if none. */
export function chromiumPath() {
    for (const c of [process.env.CHROME_BIN, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
        if (path.isAbsolute(c) && fs.existsSync(c)) return c;
        const r = spawnSync('sh', ['-c', `command -v "${c}"`], { encoding: 'utf8' });
        if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
    }
    return null;
}

/** Launches headless Chromium through playwright-core (its flags as the other browser tests use). */
export async function launch() {
    const { chromium } = await import('playwright-core');
    return chromium.launch({
        executablePath: chromiumPath(),
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
        timeout: 60_000,
    });
}

/** Waits until the page's tracker has scored what it queued; its answer (true when scoring). */
export async function trackerReady(page) {
    await page.waitForFunction(() => window.leadscore && typeof window.leadscore.ready === 'function', null, {
        timeout: 20_000,
    });
    return page.evaluate(() => window.leadscore.ready());
}

/** Resolves when `cond()` holds, checking every 50 ms; rejects after `ms` with `what`. */
export async function until(cond, what, ms = 15_000) {
    const end = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
