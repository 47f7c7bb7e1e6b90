// The playground page: the rule-set editor, the test visitor, the live result and
// its chart, the state in the URL, the tracker on the page, and the backtest panel.
import { Engine, init } from 'leadscore';
import { createEditor, eventTypesOf } from './editor.js';
import { rangeOfProblem } from './json-path.js';
import { decodeState, encodeState } from './share.js';
import { COLORS, lineChart } from './chart.js';
import {
    DAY,
    DAY0,
    TYPICAL_EVENTS,
    describeProps,
    leadOf,
    nowOnDay,
    parseProps,
    sampleProfile,
    typicalEvent,
} from './visitor.js';
import { startOwnVisit } from './own-visit.js';
import { setupBacktest } from './backtest.js';

export const EXAMPLES = [
    { name: 'b2b-saas', label: 'B2B SaaS (MQL)' },
    { name: 'product-led', label: 'Product-led (PQL)' },
    { name: 'domain-defaults', label: 'Common point values' },
];
const DEFAULT_EXAMPLE = 'b2b-saas';
const $ = (id) => document.getElementById(id);

const STAGES = {
    none: 'Not qualified yet',
    mql: 'MQL: ready for marketing follow-up',
    pql: 'PQL: qualified by product use',
    sql: 'SQL: ready for sales',
};

/** Everything the page shows comes from this state; the URL's hash holds it. */
const state = {
    rules: '',
    visitor: { profile: {}, events: [], day: 0, nextId: 1 },
};
/** The engine of the last rule set that compiled, and what it reads. */
let engine = null;
let reads = null;
let editor;
let chart;
/** The backtest panel, once set up. */
let backtest = null;

const fetchText = async (url) => {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return r.text();
};
const exampleText = (name) => fetchText(`dist/examples/${name}.json`);

function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...children.filter((c) => c != null && c !== false));
    return e;
}

const points = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

// ---------------------------------------------------------------------------
// The rules: checked as they are typed, problems shown at their place.

let checkTimer = 0;
function rulesChanged(text) {
    state.rules = text;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkRules, 200);
}

function checkRules() {
    const text = state.rules;
    const validation = Engine.validate(text);
    // Warnings (valid, but probably not meant) are shown as problems are, marked as warnings.
    const located = [
        ...validation.problems.map((p) => ({ ...p, severity: 'error' })),
        ...validation.warnings.map((p) => ({ ...p, severity: 'warning' })),
    ].map((p) => ({ ...p, ...rangeOfProblem(text, p) }));
    editor.showProblems(
        located.map((p) => ({
            from: p.from,
            to: p.to,
            severity: p.severity,
            message: p.message,
            source: p.path || 'rule set',
        })),
    );
    showProblemList(text, located);
    document.body.dataset.rules = validation.valid ? 'valid' : 'invalid';
    if (validation.valid) {
        engine?.free();
        engine = new Engine(text);
        reads = engine.reads;
        renderProfileFields();
        renderEventTypes(text);
        renderVisitor();
        backtest?.rulesChanged();
    } else {
        renderResult();
    }
    saveState();
}

function showProblemList(text, problems) {
    const box = $('problems');
    box.replaceChildren();
    const errors = problems.filter((p) => p.severity === 'error').length;
    if (errors === 0) box.append(el('p', { class: 'ok' }, '✓ The rules are valid.'));
    if (problems.length === 0) return;
    if (errors > 0) {
        box.append(
            el(
                'p',
                { class: 'error' },
                `${errors === 1 ? '1 problem' : `${errors} problems`}: the score below is from the last valid rules.`,
            ),
        );
    }
    const list = el('ul', { class: 'problem-list' });
    for (const p of problems) {
        const line = text.slice(0, p.from).split('\n').length;
        list.append(
            el(
                'li',
                {},
                el(
                    'button',
                    { type: 'button', class: 'link', onclick: () => editor.select(p.from, p.to) },
                    `Line ${line}`,
                ),
                ' ',
                el('code', {}, p.path || '(whole rule set)'),
                p.severity === 'warning' ? ' (warning): ' : ': ',
                p.message,
            ),
        );
    }
    box.append(list);
}

// ---------------------------------------------------------------------------
// The test visitor.

function renderProfileFields() {
    const box = $('profile-fields');
    const fields = reads?.profile ?? [];
    const shown = [...box.querySelectorAll('input')].map((i) => i.dataset.field);
    if (shown.join('\n') === fields.join('\n')) return;
    box.replaceChildren();
    if (fields.length === 0) box.append(el('p', { class: 'hint' }, 'These rules read no profile field.'));
    for (const field of fields) {
        const id = `profile-${field.replace(/[^\w-]/g, '_')}`;
        const input = el('input', {
            id,
            'data-field': field,
            autocomplete: 'off',
            oninput: (e) => {
                state.visitor.profile[field] = e.target.value;
                renderResult();
                saveState();
            },
        });
        input.value = state.visitor.profile[field] ?? '';
        box.append(el('div', { class: 'field' }, el('label', { for: id }, field), input));
    }
}

function renderEventTypes(text) {
    const types = new Set([...eventTypesOf(text), ...Object.keys(reads?.events ?? {})]);
    $('event-types').replaceChildren(...[...types].sort().map((t) => el('option', { value: t })));
}

function addEvent(type, props, label) {
    const v = state.visitor;
    const event = { id: `e${v.nextId++}`, day: v.day, type, props, ...(label ? { label } : {}) };
    // Kept in day order; on the same day, in the order added.
    const at = v.events.findIndex((e) => e.day > v.day);
    if (at < 0) v.events.push(event);
    else v.events.splice(at, 0, event);
    renderVisitor();
    saveState();
}

function removeEvent(id) {
    const v = state.visitor;
    const i = v.events.findIndex((e) => e.id === id);
    if (i < 0) return;
    v.events.splice(i, 1);
    renderVisitor();
    saveState();
    // The focus goes to the next event's button, else the list's heading.
    const buttons = $('events').querySelectorAll('button');
    (buttons[i] ?? buttons[i - 1] ?? $('clear-events')).focus();
}

function dayDate(day) {
    return new Date(DAY0 + day * DAY).toLocaleDateString('en-GB', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        timeZone: 'UTC',
    });
}

function renderVisitor() {
    const v = state.visitor;
    $('day').value = String(v.day);
    $('day-value').value = String(v.day);
    $('day-date').textContent = `(${dayDate(v.day)})`;
    const list = $('events');
    list.replaceChildren(
        ...v.events.map((e) => {
            const later = e.day > v.day;
            const data = `${e.type}${Object.keys(e.props).length ? ` (${describeProps(e.props)})` : ''}`;
            const what = e.label ? `${e.label}: ${data}` : data;
            return el(
                'li',
                { class: later ? 'later' : null },
                el('span', {}, `Day ${e.day}: ${what}${later ? ' — not yet happened on this day' : ''}`),
                ' ',
                el(
                    'button',
                    {
                        type: 'button',
                        class: 'small',
                        'aria-label': `Remove day ${e.day} ${what}`,
                        onclick: () => removeEvent(e.id),
                    },
                    'Remove',
                ),
            );
        }),
    );
    $('no-events').hidden = v.events.length > 0;
    $('clear-events').hidden = v.events.length === 0;
    renderResult();
}

// ---------------------------------------------------------------------------
// The result.

function renderResult() {
    if (!engine) return;
    const lead = leadOf(state.visitor);
    const now = nowOnDay(state.visitor.day);
    let r;
    try {
        r = engine.score(lead, now);
    } catch (e) {
        $('stage-reason').textContent = `The visitor could not be scored: ${e.message}`;
        return;
    }
    $('total').textContent = points(r.total);
    $('fit').textContent = points(r.fit);
    $('engagement').textContent = points(r.engagement);
    $('stage').textContent = STAGES[r.stage] ?? r.stage;
    $('stage').dataset.stage = r.stage;
    $('band').textContent = r.band;
    $('band').dataset.band = r.band;
    $('stage-reason').textContent = `Why this stage: ${r.stageReason}.`;
    renderMatrix(r);
    renderWhy(r);
    renderHistory(lead, r);
    document.body.dataset.stage = r.stage;
}

function renderMatrix(r) {
    const table = $('matrix');
    const head = el(
        'tr',
        {},
        el('td', {}),
        ...[1, 2, 3, 4].map((l) =>
            el(
                'th',
                { scope: 'col' },
                `Level ${l}`,
                el('br'),
                el('small', {}, l === 1 ? 'most engaged' : l === 4 ? 'least' : ''),
            ),
        ),
    );
    const rows = ['A', 'B', 'C', 'D'].map((g) =>
        el(
            'tr',
            {},
            el(
                'th',
                { scope: 'row' },
                `Grade ${g}`,
                el('br'),
                el('small', {}, g === 'A' ? 'best fit' : g === 'D' ? 'weakest' : ''),
            ),
            ...[1, 2, 3, 4].map((l) => {
                const here = r.matrix === `${g}${l}`;
                return el(
                    'td',
                    { class: here ? 'here' : null, 'data-cell': `${g}${l}`, 'aria-current': here ? 'true' : null },
                    `${g}${l}`,
                    here ? el('span', { class: 'lead-mark' }, ' this lead') : null,
                );
            }),
        ),
    );
    table.replaceChildren(
        el('caption', { class: 'visually-hidden' }, `The lead is in cell ${r.matrix}`),
        el('thead', {}, head),
        el('tbody', {}, ...rows),
    );
    table.dataset.matrix = r.matrix;
}

function renderWhy(r) {
    const list = $('why');
    if (r.contributions.length === 0) {
        list.replaceChildren(el('li', { class: 'hint' }, 'No rule counted yet.'));
        return;
    }
    const kinds = {
        fit: 'fit',
        engagement: 'engagement',
        groupCap: 'group limit',
        totalMax: 'total limit',
        floor: 'floor at zero',
    };
    list.replaceChildren(
        ...r.contributions.map((c) => {
            const sign = c.points > 0 ? '+' : '';
            const detail = [
                kinds[c.kind],
                c.matched != null ? `${c.matched} event${c.matched === 1 ? '' : 's'}` : null,
                c.times != null ? `${c.times} time${c.times === 1 ? '' : 's'}` : null,
                c.units != null ? `${c.units} unit${c.units === 1 ? '' : 's'}` : null,
                c.days != null ? `${c.days} day${c.days === 1 ? '' : 's'}` : null,
                c.pair != null
                    ? `${new Date(c.pair.first).toISOString()}, then ${new Date(c.pair.then).toISOString()}`
                    : null,
                c.capped ? 'capped' : null,
            ]
                .filter(Boolean)
                .join(', ');
            return el(
                'li',
                { 'data-rule': c.id },
                el('span', { class: `pts ${c.points < 0 ? 'neg' : 'pos'}` }, `${sign}${points(c.points)}`),
                ' ',
                el('strong', {}, c.description ?? c.id),
                ` (${c.description ? `${c.id}, ` : ''}${detail})`,
            );
        }),
        ...(r.disqualifications ?? []).map((d) =>
            el('li', { class: 'error' }, `Disqualified: ${d.label ?? d.description ?? d.id}`),
        ),
    );
}

function renderHistory(lead, today) {
    const max = Number($('day').max);
    const days = [];
    const totals = [];
    const fits = [];
    const engs = [];
    for (let d = 0; d <= max; d += 1) {
        const q = engine.qualify(lead, nowOnDay(d));
        days.push(d);
        totals.push(q.total);
        fits.push(q.fit);
        engs.push(q.engagement);
    }
    if (!chart) {
        chart = lineChart($('history-chart'), {
            title: "The lead's score, day by day",
            xLabel: 'Day',
            yLabel: 'Points',
            series: [
                { label: 'Total', stroke: COLORS.total, width: 2 },
                { label: 'Fit', stroke: COLORS.fit, dash: [4, 3] },
                { label: 'Engagement', stroke: COLORS.engagement, dash: [2, 2] },
            ],
            marker: () => state.visitor.day,
        });
    }
    chart.setData([days, totals, fits, engs]);
    const peak = totals.reduce((best, t, d) => (t > totals[best] ? d : best), 0);
    $('history-caption').textContent =
        `Total ${points(today.total)} today (day ${state.visitor.day}); highest ${points(totals[peak])} on day ${peak}; ` +
        `${points(totals[max])} on day ${max}. The dashed red line is today.`;
}

// ---------------------------------------------------------------------------
// The state in the URL.

let saveTimer = 0;
let saves = 0;
function saveState() {
    clearTimeout(saveTimer);
    const n = ++saves;
    // `data-saving` is there while the URL lags behind what the page shows.
    document.body.dataset.saving = 'true';
    saveTimer = setTimeout(async () => {
        const hash = await encodeState({ v: 1, rules: state.rules, visitor: state.visitor });
        if (n !== saves) return; // a later change writes its own
        history.replaceState(null, '', hash);
        delete document.body.dataset.saving;
    }, 300);
}

/** A new test visitor: sample values for the profile fields the rules read, no events, day 0. */
function resetVisitor() {
    state.visitor = { profile: sampleProfile(reads?.profile ?? []), events: [], day: 0, nextId: 1 };
    renderProfileFields();
    for (const input of $('profile-fields').querySelectorAll('input')) {
        input.value = state.visitor.profile[input.dataset.field] ?? '';
    }
    renderVisitor();
    saveState();
}

async function loadExample(name) {
    const text = await exampleText(name);
    editor.setText(text);
    state.rules = text;
    checkRules();
    resetVisitor();
}

// ---------------------------------------------------------------------------

async function start() {
    await init();
    const schema = JSON.parse(await fetchText('dist/pkg/ruleset.schema.json'));
    let restored = null;
    try {
        restored = await decodeState(location.hash);
    } catch (e) {
        $('share-status').textContent =
            `The link's saved setup could not be read (${e.message}); the example is loaded instead.`;
    }
    if (restored?.rules != null) {
        state.rules = restored.rules;
        state.visitor = { profile: {}, events: [], day: 0, nextId: 1, ...restored.visitor };
    } else {
        state.rules = await exampleText(DEFAULT_EXAMPLE);
    }
    editor = createEditor({
        parent: $('editor'),
        doc: state.rules,
        schema,
        label: 'Scoring rules (JSON)',
        onChange: rulesChanged,
    });
    for (const ex of EXAMPLES) {
        $('examples').append(
            el('button', { type: 'button', 'data-example': ex.name, onclick: () => loadExample(ex.name) }, ex.label),
        );
    }
    for (const t of TYPICAL_EVENTS) {
        $('typical').append(
            el(
                'button',
                {
                    type: 'button',
                    'data-event': t.key,
                    onclick: () => {
                        const { type, ...props } = typicalEvent(t.key, reads);
                        addEvent(type, props, t.label);
                    },
                },
                t.label,
            ),
        );
    }
    $('custom-form').addEventListener('submit', (e) => {
        e.preventDefault();
        try {
            const props = parseProps($('custom-props').value);
            $('custom-error').textContent = '';
            addEvent($('custom-type').value.trim(), props);
        } catch (err) {
            $('custom-error').textContent = err.message;
        }
    });
    $('day').addEventListener('input', (e) => {
        state.visitor.day = Number(e.target.value);
        renderVisitor();
        saveState();
    });
    $('clear-events').addEventListener('click', () => {
        state.visitor.events = [];
        renderVisitor();
        saveState();
        $('typical').querySelector('button').focus();
    });
    $('share').addEventListener('click', async () => {
        const hash = await encodeState({ v: 1, rules: state.rules, visitor: state.visitor });
        history.replaceState(null, '', hash);
        const url = location.href;
        try {
            await navigator.clipboard.writeText(url);
            $('share-status').textContent = 'Link copied: it holds these rules and this visitor.';
        } catch {
            $('share-status').textContent = `Copy this link: ${url}`;
        }
    });
    checkRules();
    if (!restored) resetVisitor();
    backtest = setupBacktest({
        $,
        el,
        getRules: () => state.rules,
        setRules: (text) => editor.setText(text),
        examples: EXAMPLES,
        fetchText,
    });
    // For the console and the tests: the editor's whole text (the DOM holds only the lines in view).
    window.playground = { rules: () => editor.text(), select: (from, to = from) => editor.select(from, to) };
    document.body.dataset.ready = 'true';
    startOwnVisit({ $, el, rules: state.rules, reads });
    // The sample history is loaded and backtested without waiting for it.
    backtest.loadSample();
}

start().catch((e) => {
    document.body.dataset.ready = 'failed';
    const box = $('problems');
    box.replaceChildren(el('p', { class: 'error' }, `The playground could not start: ${e.message}`));
    console.error(e);
});
