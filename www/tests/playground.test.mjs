// The playground in headless Chromium: the page served by www/server.mjs, driven
// as a marketer would (clicks, keys), with axe-core's accessibility check.
// Screenshots are kept in www/test-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { editorText, launch, openPlayground, screenshot, serve, skip, typeRules } from './browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const B2B = fs.readFileSync(path.join(ROOT, 'examples/b2b-saas/ruleset.json'), 'utf8');

let browser;
let server;
before(async () => {
    if (skip) return;
    browser = await launch();
    server = await serve({ port: 0 });
});
after(async () => {
    await browser?.close();
    server?.close();
});

const figure = async (page, id) => Number(await page.textContent(`#${id}`));

/** Adds the typical events by their button keys, in order. */
async function addEvents(page, keys) {
    for (const k of keys) await page.click(`#typical [data-event=${k}]`);
}

async function setDay(page, day) {
    await page.locator('#day').fill(String(day));
}

test('the page opens on the example rule set, valid, with no error', { skip }, async () => {
    const { page, ctx, errors } = await openPlayground(browser, server.url);
    assert.equal(await editorText(page), B2B);
    assert.equal(await page.getAttribute('body', 'data-rules'), 'valid');
    // The sample visitor's profile is filled for the fields the rule set reads.
    assert.equal(await page.inputValue('#profile-fields [data-field=jobTitle]'), 'Marketing Director');
    assert.equal(await figure(page, 'fit'), 50);
    assert.equal(await figure(page, 'total'), 50);
    await screenshot(page, 'start');
    assert.deepEqual(errors, []);
    await ctx.close();
});

test('a broken rule shows its error at the right place in the editor', { skip }, async () => {
    const { page, ctx } = await openPlayground(browser, server.url);
    // The first fit rule's "points" misspelt, and an unknown operator in an engagement rule.
    const broken = B2B.replace(
        '"points": 20, "description": "Decision-maker title"',
        '"poinst": 20, "description": "Decision-maker title"',
    ).replace(
        '"where": { "field": "url", "startsWith": "/docs/" }',
        '"where": { "field": "url", "startWith": "/docs/" }',
    );
    assert.notEqual(broken, B2B);
    await typeRules(page, broken);
    await page.waitForSelector('body[data-rules=invalid]');
    const marks = page.locator('#editor .cm-lintRange-error');
    await assert.doesNotReject(marks.first().waitFor());
    assert.deepEqual(await marks.allTextContents(), ['"poinst"', '"startWith"']);
    // Each on its own line: the line of title_senior and the line of docs_views.
    const lines = broken.split('\n');
    const lineOf = (s) => lines.findIndex((l) => l.includes(s)) + 1;
    const listed = await page.locator('#problems li').allTextContents();
    assert.equal(listed.length, 2);
    assert.match(listed[0], new RegExp(`^Line ${lineOf('"poinst"')} fit\\[0\\]\\.poinst: .*did you mean "points"`));
    assert.match(listed[1], new RegExp(`^Line ${lineOf('"startWith"')} engagement\\[1\\]\\.where\\.startWith: `));
    // The problem's button puts the cursor on it.
    await page.click('#problems li:first-child button');
    const selected = await page.evaluate(() => getSelection().toString());
    assert.equal(selected, '"poinst"');
    await screenshot(page, 'broken-rule');

    // Invalid JSON: marked at the line and column the compiler names.
    await typeRules(page, B2B.replace('"id": "b2b-saas-mql",', '"id": "b2b-saas-mql",,'));
    await page.waitForFunction(() => document.querySelector('#problems li')?.textContent.includes('not valid JSON'));
    const jsonLine = B2B.split('\n').findIndex((l) => l.includes('"b2b-saas-mql"')) + 1;
    assert.match(await page.textContent('#problems li'), new RegExp(`^Line ${jsonLine} `));
    await ctx.close();
});

test('the editor completes keys, operators and event types', { skip }, async () => {
    const { page, ctx } = await openPlayground(browser, server.url);
    // The cursor inside the title_manager rule's condition, then keys.
    const inCondition = B2B.indexOf('"word": "manager"') + '"word": "manager"'.length;
    await page.evaluate((at) => window.playground.select(at), inCondition);
    await page.keyboard.type(', "sta');
    await page.keyboard.press('Control+Space');
    const options = page.locator('.cm-tooltip-autocomplete li .cm-completionLabel');
    await options.first().waitFor();
    assert.ok((await options.allTextContents()).includes('"startsWith"'));
    await page.keyboard.press('Escape');
    // An event type in an engagement rule: the declared types are offered.
    const webinarRule = (await editorText(page)).indexOf('{ "id": "webinar"');
    await page.evaluate((at) => window.playground.select(at), webinarRule);
    await page.keyboard.type('{ "id": "x", "event": "ema');
    await page.keyboard.press('Control+Space');
    await options.first().waitFor();
    const types = await options.allTextContents();
    assert.ok(types.includes('"email_click"') && types.includes('"email_open"'), types.join());
    assert.ok(!types.includes('"page_view"'), 'filtered by what is typed');
    await ctx.close();
});

test('simulated events move the lead to MQL, and the matrix and explanation follow', { skip }, async () => {
    const { page, ctx, errors } = await openPlayground(browser, server.url);
    assert.equal(await page.getAttribute('#matrix', 'data-matrix'), 'A4');
    await addEvents(page, ['pricing', 'pricing']);
    assert.equal(await page.getAttribute('#stage', 'data-stage'), 'none');
    await addEvents(page, ['pricing', 'webinar']);
    // Fit 50 (title, size, industry, country); 3 pricing visits and a webinar, hours old.
    assert.equal(await figure(page, 'fit'), 50);
    assert.ok((await figure(page, 'total')) >= 100);
    assert.equal(await page.getAttribute('#stage', 'data-stage'), 'mql');
    assert.equal(await page.getAttribute('#matrix', 'data-matrix'), 'A2');
    assert.equal(await page.textContent('#matrix td.here'), 'A2 this lead');
    assert.equal(await page.textContent('#band'), 'hot');
    const why = await page.locator('#why li').allTextContents();
    assert.ok(
        why.some((l) => /^\+4\d\.\d+ Visited the pricing page \(pricing_views, engagement, 3 events\)$/.test(l)),
        why.join('\n'),
    );
    assert.ok(
        why.some((l) => /^\+10 Came back three times in a week/.test(l)),
        why.join('\n'),
    );
    // The lines add up to the total.
    const sum = why.reduce((s, l) => s + Number(l.split(' ')[0]), 0);
    assert.ok(Math.abs(sum - (await figure(page, 'total'))) < 0.005, `${sum}`);
    assert.equal(await page.locator('#events li').count(), 4);
    // A demo request is an SQL trigger; removing it brings the lead back to MQL.
    await addEvents(page, ['demo']);
    assert.equal(await page.getAttribute('#stage', 'data-stage'), 'sql');
    await page.click('#events li:last-child button');
    assert.equal(await page.getAttribute('#stage', 'data-stage'), 'mql');
    await screenshot(page, 'mql');
    assert.deepEqual(errors, []);
    await ctx.close();
});

test('the day slider decays the score and the chart follows it', { skip }, async () => {
    const { page, ctx } = await openPlayground(browser, server.url);
    // Events without count or sum rules, which do not decay but leave their window.
    await addEvents(page, ['webinar', 'email', 'whitepaper']);
    const engagement0 = await figure(page, 'engagement');
    const caption0 = await page.textContent('#history-caption');
    await setDay(page, 30);
    // A 30-day half-life: engagement halves in 30 days; fit does not decay.
    const engagement30 = await figure(page, 'engagement');
    assert.ok(Math.abs(engagement30 - engagement0 / 2) <= 0.05, `${engagement30} is half of ${engagement0}`);
    assert.equal(await figure(page, 'fit'), 50);
    assert.notEqual(await page.textContent('#history-caption'), caption0);
    assert.match(await page.textContent('#history-caption'), /today \(day 30\)/);
    // Past expireAfter (180 days) no event counts.
    await setDay(page, 180);
    assert.equal(await figure(page, 'engagement'), 0);
    await screenshot(page, 'decayed');
    await ctx.close();
});

test('a shared link restores the same rules and visitor', { skip }, async () => {
    const first = await openPlayground(browser, server.url);
    const edited = B2B.replace('"threshold": 100, "minFit": 20', '"threshold": 80, "minFit": 20');
    await typeRules(first.page, edited);
    await first.page.fill('#profile-fields [data-field=jobTitle]', 'Head of Growth');
    await addEvents(first.page, ['pricing', 'email']);
    await setDay(first.page, 9);
    await first.page.waitForFunction(() => location.hash.startsWith('#s=') && !document.body.dataset.saving);
    const url = first.page.url();
    const before = {
        total: await first.page.textContent('#total'),
        events: await first.page.locator('#events li').allTextContents(),
        matrix: await first.page.getAttribute('#matrix', 'data-matrix'),
    };
    await first.ctx.close();

    const second = await openPlayground(browser, url);
    assert.equal(await editorText(second.page), edited);
    assert.equal(await second.page.inputValue('#profile-fields [data-field=jobTitle]'), 'Head of Growth');
    assert.equal(await second.page.inputValue('#day'), '9');
    assert.deepEqual(
        {
            total: await second.page.textContent('#total'),
            events: await second.page.locator('#events li').allTextContents(),
            matrix: await second.page.getAttribute('#matrix', 'data-matrix'),
        },
        before,
    );
    assert.deepEqual(second.errors, []);
    await second.ctx.close();
});

test('an example is one click away', { skip }, async () => {
    const { page, ctx } = await openPlayground(browser, server.url);
    await page.click('[data-example=product-led]');
    await page.waitForFunction(() =>
        document.querySelector('#editor .cm-content').textContent.includes('"product-led'),
    );
    const pl = fs.readFileSync(path.join(ROOT, 'examples/product-led/ruleset.json'), 'utf8');
    assert.equal(await editorText(page), pl);
    assert.equal(await page.getAttribute('body', 'data-rules'), 'valid');
    assert.equal(await page.locator('#events li').count(), 0);
    await ctx.close();
});

test("the tracker on the page scores the visitor's own clicks, and sends nothing", { skip }, async () => {
    const { page, ctx, errors } = await openPlayground(browser, server.url);
    const requests = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
    await page.waitForSelector('#own-score[data-total]', { timeout: 20_000 });
    const before = Number(await page.getAttribute('#own-score', 'data-total'));
    // b2b-saas: an email click is worth 5 points (group email).
    await page.click('#own-buttons [data-leadscore-event=email_click]');
    await page.waitForFunction((b) => Number(document.querySelector('#own-score').dataset.total) > b, before);
    assert.equal(Number(await page.getAttribute('#own-score', 'data-total')), before + 5);
    // No request left the page but for its own files, and nothing was stored.
    assert.deepEqual(
        requests.filter((r) => !r.startsWith(`GET ${server.url}`)),
        [],
    );
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
    assert.deepEqual(errors, []);
    await ctx.close();
});

test('axe-core finds no serious accessibility violation, wide and narrow', { skip }, async () => {
    const { default: AxeBuilder } = await import('@axe-core/playwright');
    for (const width of [1280, 375]) {
        const { page, ctx } = await openPlayground(browser, server.url, { width });
        await addEvents(page, ['pricing', 'webinar']);
        const { violations } = await new AxeBuilder({ page }).analyze();
        const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(
            serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            [],
            `at ${width}px`,
        );
        // Nothing wider than the window at a phone's width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        assert.ok(overflow <= 0, `${overflow}px wider than the window at ${width}px`);
        await screenshot(page, `width-${width}`);
        await ctx.close();
    }
});

test('every control works from the keyboard', { skip }, async () => {
    const { page, ctx } = await openPlayground(browser, server.url);
    // Tab from the top reaches every control, the editor included, without a trap.
    // A radio group is one stop (arrow keys move within it): it counts by its name.
    const name = (e) =>
        e.type === 'radio'
            ? `radio:${e.name}`
            : e.id ||
              e.dataset.event ||
              e.dataset.example ||
              e.dataset.field ||
              e.dataset.leadscoreEvent ||
              e.textContent.trim();
    const controls = await page.evaluate((nameSrc) => {
        const nameOf = eval(nameSrc);
        return [
            ...document.querySelectorAll('button, input, summary, a[href], select, textarea, [contenteditable=true]'),
        ]
            .filter((e) => e.checkVisibility() && !e.disabled && e.tabIndex >= 0)
            .map(nameOf);
    }, name.toString());
    const reached = new Set();
    const current = () =>
        page.evaluate(
            (nameSrc) => (document.activeElement ? eval(nameSrc)(document.activeElement) : ''),
            name.toString(),
        );
    for (let i = 0; i < 400 && reached.size < controls.length; i += 1) {
        await page.keyboard.press('Tab');
        const c = await current();
        // Tab in the editor moves on (no indent-with-Tab trap).
        reached.add(c);
    }
    const missed = controls.filter((c) => !reached.has(c));
    assert.deepEqual(missed, [], 'every control is reached by Tab');

    // Add an event, move the day, remove the event: keys only.
    const focusOn = async (selector) => {
        for (let i = 0; i < 400; i += 1) {
            if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
            await page.keyboard.press('Tab');
        }
        assert.fail(`Tab never reached ${selector}`);
    };
    await focusOn('[data-event=pricing]');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    assert.equal(await page.locator('#events li').count(), 2);
    await focusOn('#day');
    for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowRight');
    assert.equal(await page.inputValue('#day'), '5');
    await focusOn('#events li:first-child button');
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#events li').count(), 1);
    // The focus stays in the list, on the next Remove button.
    assert.ok(await page.evaluate(() => document.activeElement.closest('#events') !== null));
    // Another event, by its form.
    await focusOn('#custom summary');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.type('email_click');
    await page.keyboard.press('Tab');
    await page.keyboard.type('campaign=spring');
    await page.keyboard.press('Enter');
    assert.match(await page.textContent('#events'), /email_click \(campaign spring\)/);
    // Focus is visible: the focused control has an outline.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await screenshot(page, 'keyboard');
    await ctx.close();
});
