// The tracker in a real browser: playwright-core drives headless Chromium over a
// small test site (tracker-site.mjs) whose prebuilt tracker sends to a counting
// collector, and each case asserts on what the collector received. Skipped when no
// Chromium is installed (Debian: apt-get install chromium; or set CHROME_BIN).
//
// A screenshot of the test page with the score the page computed is kept as
// target/tracker-artifacts/score.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PKG, ROOT } from './helpers.mjs';
import { SITE_RULES, chromiumPath, compiledRules, launch, startSite, trackerReady, until } from './tracker-site.mjs';

const skip = chromiumPath() ? false : 'no Chromium (apt-get install chromium, or set CHROME_BIN)';
const ARTIFACTS = path.join(ROOT, 'target', 'tracker-artifacts');
/** How long "nothing more arrives" is watched for after the tracker has settled. */
const QUIET_MS = 1200;

let browser;
before(async () => {
    if (!skip) browser = await launch();
});
after(async () => {
    if (browser) await browser.close();
});

/** A site and a fresh browser context (its own storage); `run(site, ctx)`, then both closed. */
async function withSite(options, run) {
    const site = await startSite(options);
    const ctx = await browser.newContext();
    const consoleErrors = [];
    ctx.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) consoleErrors.push(m.text());
    });
    try {
        await run(site, ctx, consoleErrors);
    } finally {
        await ctx.close();
        site.close();
    }
}

/** Opens `pathname` in `page` and waits for the tracker to have scored it. */
async function visit(page, site, pathname) {
    await page.goto(site.url + pathname);
    assert.equal(await trackerReady(page), true, `the tracker scores ${pathname}`);
}

const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));
const storageKeys = (page) => page.evaluate(() => Object.keys(localStorage).sort());

function checkRequest(r) {
    assert.equal(r.method, 'POST', 'only POSTs: no preflight');
    assert.equal(r.headers['content-type'], 'text/plain;charset=UTF-8', 'a CORS-simple content type');
    assert.equal(r.headers.cookie, undefined);
    // fetch sends none; a beacon sends the page's origin at most (the default policy, cross-origin).
    assert.ok(r.headers.referer === undefined || r.headers.referer === r.headers.origin + '/', 'no page path');
}

/**
 * The main cases with the rule set served as JSON (the full engine compiles it on
 * the page) and compiled (.lsc, made by the full package's compileRuleSet: the page
 * engine loads it, and the page never fetches the full module).
 */
for (const [format, siteOptions, rulesPath] of [
    ['JSON', {}, '/rules.json'],
    ['compiled', { compiled: true }, '/rules.lsc'],
]) {
    /** The engine the rule set's form needs was fetched, and not the other. */
    const engineFetched = (site) => {
        const pkg = site.asked.filter((p) => p.startsWith('/pkg/'));
        const [wanted, unwanted] =
            format === 'compiled'
                ? [
                      ['/pkg/page.js', '/pkg/leadscore_page_bg.wasm'],
                      ['/pkg/leadscore_bg.wasm', '/pkg/tracker-full.min.js'],
                  ]
                : [
                      ['/pkg/tracker-full.min.js', '/pkg/leadscore_bg.wasm'],
                      ['/pkg/leadscore_page_bg.wasm', '/pkg/page.js'],
                  ];
        for (const f of wanted) assert.ok(pkg.includes(f), `${f} fetched: ${pkg.join(', ')}`);
        for (const f of unwanted) assert.ok(!pkg.includes(f), `${f} not fetched: ${pkg.join(', ')}`);
    };

    test(`an unqualified visitor causes no request after the rule set is fetched (${format})`, { skip }, async () => {
        await withSite(siteOptions, async (site, ctx, consoleErrors) => {
            const page = await ctx.newPage();
            await visit(page, site, '/');
            await visit(page, site, '/docs/start');
            assert.ok(site.asked.includes(rulesPath));
            engineFetched(site);
            await page.click('#cta');
            await quiet();
            assert.deepEqual(site.received, []);
            const score = await page.evaluate(() => window.leadscore.score());
            assert.equal(score.total, 15);
            assert.equal(score.stage, 'none');
            assert.deepEqual(consoleErrors, []);
        });
    });

    test(
        `a visitor who reaches MQL sends one MQL signal, with only what the rule set reads (${format})`,
        { skip },
        async () => {
            await withSite(siteOptions, async (site, ctx) => {
                const page = await ctx.newPage();
                await visit(page, site, '/pricing?utm_source=news&utm_campaign=dec');
                await visit(page, site, '/pricing/teams');
                assert.deepEqual(site.received, [], 'nothing before the transition');
                await visit(page, site, '/pricing/enterprise');
                await until(() => site.received.length >= 1, 'the MQL signal');
                await quiet();
                assert.equal(site.received.length, 1);
                checkRequest(site.received[0]);
                const [s] = site.accepted();
                assert.equal(s.v, 1);
                assert.match(s.key, /^ls1-[0-9a-f]{16}$/);
                assert.match(s.visitor, /^v-/);
                assert.equal(s.lead, undefined);
                assert.deepEqual(s.ruleset, { id: 'site', version: '1' });
                assert.equal(s.from, 'none');
                assert.equal(s.to, 'mql');
                assert.equal(s.total, 60);
                assert.equal(s.fit, 0);
                assert.equal(s.engagement, 60);
                assert.equal(s.band, 'hot');
                assert.deepEqual(s.profile, {});
                // page_time too when a page was visible a second or more: the rule set reads its seconds.
                const views = s.events.filter((e) => e.type !== 'page_time');
                assert.deepEqual(
                    views.map((e) => [e.type, e.url]),
                    [
                        ['page_view', '/pricing'],
                        ['page_view', '/pricing/teams'],
                        ['page_view', '/pricing/enterprise'],
                    ],
                );
                for (const e of s.events) {
                    const read = e.type === 'page_time' ? 'seconds' : 'url';
                    assert.deepEqual(Object.keys(e).sort(), ['anon', 'id', read, 'ts', 'type'].sort());
                }
                const body = site.received[0].body;
                for (const leak of ['utm', 'news', 'Acme', 'title', 'referrer', '"visit"', '"n"'])
                    assert.ok(!body.includes(leak), `the signal carries no ${leak}`);
                engineFetched(site);
            });
        },
    );

    test(
        `a demo-request form fast-tracks to SQL with one signal; unlisted fields never leave (${format})`,
        { skip },
        async () => {
            // phone is allowlisted but read by no rule: stored, never sent. email is not allowlisted.
            await withSite({ ...siteOptions, attrs: { allow: 'jobTitle,phone' } }, async (site, ctx) => {
                const page = await ctx.newPage();
                // 40 points of pricing views: the title's 20 would make an MQL, but the form's
                // fields go with its event, which goes straight to SQL: one act, one signal.
                await visit(page, site, '/pricing');
                await visit(page, site, '/pricing/teams');
                await page.fill('input[name=jobTitle]', 'VP Sales');
                await page.fill('input[name=email]', 'secret.person@example.com');
                await page.fill('input[name=phone]', '+1 555 0100');
                await Promise.all([page.waitForURL('**/thanks'), page.click('#send')]);
                await trackerReady(page);
                await until(() => site.received.length >= 1, 'the SQL signal');
                await quiet();
                assert.equal(site.received.length, 1);
                checkRequest(site.received[0]);
                const [s] = site.accepted();
                assert.equal(s.from, 'none');
                assert.equal(s.to, 'sql');
                assert.match(s.reason, /intent trigger stages.sql.on\[0\] fired/);
                assert.deepEqual(s.profile, { jobTitle: 'VP Sales' });
                assert.equal(s.fit, 20);
                assert.equal(s.total, 60);
                // The page views and the form: types the rule set reads (and page_time, with its
                // seconds only, when a page was visible a second or more).
                for (const e of s.events.filter((e) => e.type === 'page_time'))
                    assert.deepEqual(Object.keys(e).sort(), ['anon', 'id', 'seconds', 'ts', 'type']);
                assert.deepEqual(
                    s.events.filter((e) => e.type !== 'page_time').map((e) => [e.type, e.form ?? e.url]),
                    [
                        ['page_view', '/pricing'],
                        ['page_view', '/pricing/teams'],
                        ['form_submit', 'demo_request'],
                    ],
                );
                for (const r of site.received) {
                    // Whole values: a time or an id may hold any three digits.
                    for (const leak of ['secret.person', 'example.com', '555 0100'])
                        assert.ok(!r.body.includes(leak), leak);
                }
                const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
                assert.ok(!stored.includes('secret.person'), 'a field outside the allowlist is not even stored');
                assert.ok(stored.includes('555 0100'), 'an allowlisted field is kept in the session');
                engineFetched(site);
            });
        },
    );
}

test('a reload and a second tab resend nothing', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        await page.click('#cta');
        await page.click('#cta');
        await page.click('#cta');
        await until(() => site.received.length >= 1, 'the MQL signal');
        await page.waitForFunction(() => !localStorage.getItem('leadscore:outbox')?.includes('"k"'));
        await page.reload();
        await trackerReady(page);
        const second = await ctx.newPage();
        await visit(second, site, '/pricing/again');
        await trackerReady(page);
        await quiet();
        assert.equal(site.received.length, 1);
        // Both tabs share the session: the second saw the first's events.
        const total = await second.evaluate(() => window.leadscore.score().total);
        assert.equal(total, 60 + 30, 'pricing capped at 60 (3 views), three clicks');
    });
});

test('two tabs open at once: one sends, the transition in the other arrives once', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const first = await ctx.newPage();
        await visit(first, site, '/pricing');
        const second = await ctx.newPage();
        await visit(second, site, '/pricing/teams');
        // Whichever tab holds the sender's lock, the clicks in the second make the MQL.
        for (let i = 0; i < 2; i++) await second.click('#cta');
        await until(() => site.received.length >= 1, 'the MQL signal');
        await first.click('#cta');
        await second.click('#cta');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.equal(site.accepted()[0].to, 'mql');
        assert.equal(site.accepted()[0].total, 50, "both tabs' page views and the first click");
        // The first tab learned of the second's events through storage.
        await first.waitForFunction(() => window.leadscore.score().stage === 'mql');
    });
});

test('another lead on the same browser has stages of their own', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        await page.evaluate(() => window.leadscore.identify('ann@acme.io', { jobTitle: 'VP' }));
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.received.length >= 1, "Ann's MQL");
        await page.evaluate(() => window.leadscore.identify('bo@initech.com', { jobTitle: 'Director' }));
        await visit(page, site, '/pricing/teams');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.received.length >= 2, "Bo's MQL");
        await quiet();
        assert.deepEqual(
            site.accepted().map((s) => [s.lead, s.to]),
            [
                ['ann@acme.io', 'mql'],
                ['bo@initech.com', 'mql'],
            ],
        );
        assert.ok(!site.received[1].body.includes('/pricing"'), "Bo's signal has none of Ann's events");
    });
});

test('a transition that happens offline arrives once after going back online', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        await ctx.setOffline(true);
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await page.waitForFunction(() => window.leadscore.score().stage === 'mql');
        await quiet();
        assert.deepEqual(site.received, []);
        const outbox = await page.evaluate(() => JSON.parse(localStorage.getItem('leadscore:outbox')));
        assert.equal(outbox.length, 1, 'the signal waits in the outbox');
        await ctx.setOffline(false);
        await until(() => site.received.length >= 1, 'the signal after going online');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.equal(site.accepted()[0].to, 'mql');
    });
});

test('a signal waiting offline survives a reload and is sent once online', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        await ctx.setOffline(true);
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await page.waitForFunction(() => window.leadscore.score().stage === 'mql');
        await page.close();
        await ctx.setOffline(false);
        assert.deepEqual(site.received, [], 'nothing went as the page closed offline');
        const next = await ctx.newPage();
        await visit(next, site, '/');
        await until(() => site.received.length >= 1, 'the signal on the next page');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.equal(site.accepted()[0].to, 'mql');
    });
});

test('a collector answering 500, then 429 with Retry-After, then 200 receives it once', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        site.answers.push(500, { status: 429, retryAfter: 2 });
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.accepted().length >= 1, 'the signal accepted', 20_000);
        await quiet();
        const posts = site.posts();
        assert.deepEqual(
            posts.map((r) => r.status),
            [500, 429, 200],
        );
        assert.equal(new Set(posts.map((r) => r.body)).size, 1, 'the same signal each time');
        assert.ok(posts[2].at - posts[1].at >= 1900, `Retry-After honoured (${posts[2].at - posts[1].at} ms)`);
        assert.equal(site.accepted().length, 1);
    });
});

test('a signal the collector refuses with 422 is dropped once, the reason on the console', { skip }, async () => {
    await withSite({}, async (site, ctx, consoleErrors) => {
        const error = { code: 'keyMismatch', path: 'transition.key', message: 'the key is not the one computed' };
        site.answers.push({ status: 422, body: { error } });
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.posts().length >= 1, 'the signal posted');
        await until(() => consoleErrors.some((m) => m.includes('dropped')), 'the refusal reported');
        await quiet();
        assert.deepEqual(
            site.posts().map((r) => r.status),
            [422],
            'a refusal is final: not sent again',
        );
        const said = consoleErrors.filter((m) => m.startsWith('leadscore tracker:'));
        assert.equal(said.length, 1, consoleErrors.join('\n'));
        assert.match(
            said[0],
            /refused with HTTP 422 \(keyMismatch at transition\.key: the key is not the one computed\): dropped/,
        );
    });
});

test('before consent nothing is stored or sent; consent sends what qualified', { skip }, async () => {
    await withSite({ attrs: { consent: null } }, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await page.waitForFunction(() => window.leadscore.score().stage === 'mql');
        await quiet();
        assert.deepEqual(await storageKeys(page), [], 'nothing in localStorage');
        assert.deepEqual(await ctx.cookies(), []);
        assert.deepEqual(site.received, []);
        assert.equal(
            await page.evaluate(() => document.getElementById('score').textContent),
            'Your score: 50 (mql, hot)',
        );
        await page.evaluate(() => window.leadscore.consent(true));
        await until(() => site.received.length >= 1, 'the signal after consent');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.ok((await storageKeys(page)).includes('leadscore:session'));
        // Consent withdrawn: what was stored is removed, and the page goes on in memory
        // as a new visitor.
        await page.evaluate(() => window.leadscore.consent(false));
        assert.deepEqual(await storageKeys(page), []);
        await page.click('#cta');
        await page.waitForFunction(() => window.leadscore.score().total === 10);
        assert.deepEqual(await storageKeys(page), []);
        await page.evaluate(() => window.leadscore.consent(true));
        await page.waitForFunction(() => localStorage.getItem('leadscore:session') !== null);
        // Opting out removes everything (but the opt-out itself).
        await page.evaluate(() => window.leadscore.optOut());
        assert.deepEqual(await storageKeys(page), ['leadscore:optout']);
        await page.reload();
        await page.click('#cta');
        await quiet();
        assert.deepEqual(await storageKeys(page), ['leadscore:optout']);
        assert.equal(site.received.length, 1);
    });
});

test("before consent with beforeConsent 'none' nothing is even fetched; GPC refuses consent", { skip }, async () => {
    await withSite({ attrs: { consent: null, 'before-consent': 'none', gpc: 'true' } }, async (site, ctx) => {
        await ctx.addInitScript(() =>
            Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
        );
        const page = await ctx.newPage();
        await page.goto(site.url + '/pricing');
        await page.click('#cta');
        await page.evaluate(() => window.leadscore.consent(true));
        await quiet();
        assert.ok(!site.asked.includes('/rules.json'), 'no rule set fetched');
        assert.ok(!site.asked.some((p) => p.includes('tracker-core')), 'no engine loaded');
        assert.deepEqual(await storageKeys(page), []);
        assert.deepEqual(site.received, []);
    });
});

test('with storage blocked the session lives in memory, and qualifies all the same', { skip }, async () => {
    await withSite({}, async (site, ctx, consoleErrors) => {
        await ctx.addInitScript(() =>
            Object.defineProperty(window, 'localStorage', {
                get() {
                    throw new DOMException('blocked', 'SecurityError');
                },
            }),
        );
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.received.length >= 1, 'the MQL signal');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.deepEqual(await page.evaluate(() => window.pageErrors), []);
        assert.deepEqual(consoleErrors, []);
    });
});

test('captures visible time, returning visits and events of the site', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/docs/a');
        await page.evaluate(() => window.leadscore.track('calculator', { seats: 40 }));
        await new Promise((r) => setTimeout(r, 1600));
        await visit(page, site, '/docs/b');
        // 31 minutes without activity: the next page starts visit 2.
        await page.evaluate(() => {
            const v = JSON.parse(localStorage.getItem('leadscore:visitor'));
            v.last -= 31 * 60_000;
            localStorage.setItem('leadscore:visitor', JSON.stringify(v));
        });
        await visit(page, site, '/docs/c');
        const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('leadscore:session')));
        const events = saved.events.map((e) => ({ type: e.type, ...e.p }));
        const of = (type) => events.filter((e) => e.type === type);
        assert.deepEqual(
            of('visit').map((e) => [e.n, e.returning]),
            [
                [1, false],
                [2, true],
            ],
        );
        assert.deepEqual(
            of('page_view').map((e) => [e.url, e.visit]),
            [
                ['/docs/a', 1],
                ['/docs/b', 1],
                ['/docs/c', 2],
            ],
        );
        assert.equal(of('page_view')[0].title, 'Acme /docs/a');
        const times = of('page_time');
        assert.ok(times.length >= 1 && times[0].url === '/docs/a' && times[0].seconds >= 1, JSON.stringify(times));
        assert.deepEqual(
            of('calculator').map((e) => e.seats),
            [40],
        );
        assert.ok(
            saved.events.every((e) => typeof e.id === 'string'),
            'every event has an id',
        );
        assert.deepEqual(site.received, []);
    });
});

test('the tracker never listens to unload or beforeunload', () => {
    for (const f of ['tracker.js', 'tracker-core.js', 'tracker.min.js', 'tracker-core.min.js']) {
        const src = fs.readFileSync(path.join(PKG, f), 'utf8');
        assert.doesNotMatch(src, /["'](before)?unload["']|\bonunload\b|onbeforeunload/, f);
    }
});

test('identify merges the anonymous history into the known lead', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        await page.click('#cta');
        await page.evaluate(() =>
            window.leadscore.identify('ann@acme.io', { jobTitle: 'VP Marketing', email: 'ann@acme.io', phone: '1' }),
        );
        await until(() => site.received.length >= 1, 'the MQL signal');
        const [s] = site.accepted();
        assert.equal(s.lead, 'ann@acme.io');
        assert.match(s.visitor, /^v-/);
        assert.equal(s.to, 'mql');
        assert.equal(s.total, 50);
        assert.deepEqual(s.profile, { jobTitle: 'VP Marketing' });
        assert.ok(
            s.events.every((e) => e.anon === true),
            'the events before identify, marked anonymous',
        );
        assert.ok(!site.received[0].body.includes('"phone"'));
    });
});

test('a new rule-set version re-scores the kept history and resends nothing', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.received.length >= 1, 'the MQL signal');
        site.rules.body = JSON.stringify({ ...SITE_RULES, version: '2' });
        await visit(page, site, '/');
        await quiet();
        assert.equal(site.received.length, 1, 'MQL again under version 2 is not sent');
        const state = await page.evaluate(() => JSON.parse(localStorage.getItem('leadscore:state')));
        assert.equal(state.rules, 'site@2');
        await page.fill('input[name=jobTitle]', 'Director');
        await Promise.all([page.waitForURL('**/thanks'), page.click('#send')]);
        await until(() => site.received.length >= 2, 'the SQL signal');
        await quiet();
        const signals = site.accepted();
        assert.equal(signals.length, 2);
        assert.deepEqual([signals[1].from, signals[1].to, signals[1].ruleset.version], ['mql', 'sql', '2']);
    });
});

test("the README's snippet, as it is written", { skip }, async () => {
    const readme = fs.readFileSync(path.join(ROOT, 'pkg-template/README.md'), 'utf8');
    const block = /### The snippet[\s\S]*?```html\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'pkg-template/README.md shows the snippet under "### The snippet"');
    // The snippet serves the rule set compiled (rules.lsc): the page engine loads it.
    await withSite({ compiled: true }, async (site, ctx, consoleErrors) => {
        site.head = () =>
            block[1]
                .replaceAll('/js/leadscore/', '/pkg/')
                .replace('/leadscore/rules.lsc', '/rules.lsc')
                .replace('https://collect.example.com/signals', site.attrs.endpoint);
        const page = await ctx.newPage();
        await visit(page, site, '/');
        await page.fill('input[name=jobTitle]', 'VP Sales');
        await Promise.all([page.waitForURL('**/thanks'), page.click('#send')]);
        await until(() => site.received.length >= 1, 'the SQL signal');
        assert.equal(site.accepted()[0].to, 'sql');
        assert.deepEqual(site.accepted()[0].profile, { jobTitle: 'VP Sales' });
        assert.ok(site.asked.includes('/rules.lsc') && site.asked.includes('/pkg/leadscore_page_bg.wasm'));
        assert.ok(!site.asked.includes('/pkg/leadscore_bg.wasm'), 'the full module is not fetched');
        assert.deepEqual(consoleErrors, []);
    });
});

test('leadscore/tracker as an ES module, with the rule set given inline', { skip }, async () => {
    await withSite({}, async (site, ctx, consoleErrors) => {
        const options = { rules: SITE_RULES, endpoint: site.attrs.endpoint, consent: true, allow: ['jobTitle'] };
        site.head = () => `<script type="module">
import * as tracker from '/pkg/tracker.js';
window.leadscore = tracker;
tracker.start(${JSON.stringify(options)});
</script>`;
        const page = await ctx.newPage();
        await visit(page, site, '/pricing');
        for (let i = 0; i < 3; i++) await page.click('#cta');
        await until(() => site.received.length >= 1, 'the MQL signal');
        await quiet();
        assert.equal(site.received.length, 1);
        assert.equal(site.accepted()[0].to, 'mql');
        assert.ok(!site.asked.includes('/rules.json'));
        assert.ok(site.asked.includes('/pkg/tracker-core.js') && site.asked.includes('/pkg/index.js'));
        assert.deepEqual(consoleErrors, []);
    });
});

for (const [what, rules, said] of [
    [
        'a corrupted rule set',
        { type: 'application/json', body: '{"schema": "leadscore.ruleset/v1", "id": ' },
        /is not JSON/,
    ],
    [
        'an outdated rule set',
        { type: 'application/json', body: JSON.stringify({ ...SITE_RULES, schema: 'leadscore.ruleset/v0' }) },
        /unknownSchema/,
    ],
    [
        'compiled bytes the engine cannot read',
        { type: 'application/octet-stream', body: 'LSRB\u0001' },
        /compiled rule set/,
    ],
    ['a corrupted .lsc', 'corrupt', /compiledRuleSet|compiled rule set/],
]) {
    test(`${what} gives a clear console error and the page keeps working`, { skip }, async () => {
        await withSite({}, async (site, ctx, consoleErrors) => {
            if (rules === 'corrupt') {
                // A real compiled rule set with a byte flipped in its middle, served as /rules.lsc.
                const good = await compiledRules();
                const body = Buffer.from(good.body);
                body[body.length >> 1] ^= 0xff;
                site.rules = { type: good.type, body };
                site.attrs['rules-url'] = '/rules.lsc';
            } else site.rules = rules;
            const where = site.attrs['rules-url'];
            const page = await ctx.newPage();
            await page.goto(site.url + '/pricing');
            assert.equal(await trackerReady(page), false);
            await page.click('#own');
            await page.click('#cta');
            assert.equal(await page.evaluate(() => window.ownClicks), 1);
            assert.deepEqual(await page.evaluate(() => window.pageErrors), []);
            const said_ = consoleErrors.filter((m) => m.startsWith('leadscore tracker:'));
            assert.equal(said_.length, 1, consoleErrors.join('\n'));
            assert.ok(
                said_[0].includes(`the rule set at ${where} cannot be used, so the page is not scored`),
                said_[0],
            );
            assert.match(said_[0], said);
            assert.deepEqual(site.received, []);
        });
    });
}

/** What a page load shows of the tracker: when its lazy files were fetched, its scripts in long frames, layout shifts. */
async function measuredLoad(site, ctx) {
    const page = await ctx.newPage();
    await page.addInitScript(() => {
        window.perf = { frames: [], shifts: 0 };
        new PerformanceObserver((l) => {
            for (const e of l.getEntries())
                for (const s of e.scripts || [])
                    window.perf.frames.push({ url: s.sourceURL, duration: s.duration, invoker: s.invoker });
        }).observe({ type: 'long-animation-frame', buffered: true });
        new PerformanceObserver((l) => {
            for (const e of l.getEntries()) window.perf.shifts += e.value;
        }).observe({ type: 'layout-shift', buffered: true });
    });
    await visit(page, site, '/pricing');
    for (let i = 0; i < 3; i++) await page.click('#cta');
    await page.waitForFunction(() => window.leadscore.score().stage === 'mql');
    const t = await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        const at = (name) => res.find((r) => r.name.includes(name))?.startTime;
        return { load: nav.loadEventEnd, core: at('tracker-core'), wasm: at('leadscore_bg.wasm'), perf: window.perf };
    });
    t.long = t.perf.frames.filter((s) => /tracker|leadscore/.test(s.url) && s.duration > 50);
    return { page, t };
}

test('the engine loads after load; no long task of the tracker, no layout shift', { skip }, async () => {
    await withSite({}, async (site, ctx) => {
        // A task is timed on the wall clock, so a machine busy with other work can
        // stretch one past 50 ms: up to three fresh loads, and one must be clean. A task
        // the tracker itself makes long is long every time.
        const seen = [];
        let load;
        for (let attempt = 0; attempt < 3; attempt++) {
            await ctx.clearCookies();
            load = await measuredLoad(site, ctx);
            await load.page.evaluate(() => localStorage.clear());
            seen.push(load.t.long);
            if (!load.t.long.length) break;
            await load.page.close();
        }
        const { page, t } = load;
        assert.ok(t.core > t.load, `the core is fetched after load (${t.core} > ${t.load})`);
        assert.ok(t.wasm > t.load, 'the WebAssembly is fetched after load');
        assert.deepEqual(t.long, [], `no script of the tracker ran 50 ms in one task: ${JSON.stringify(seen)}`);
        assert.equal(t.perf.shifts, 0, 'no layout shift');
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'score.png') });
    });
});
