// The backtest panel: past leads with outcomes (the sample history, or a CSV or
// NDJSON file with a column mapping), how the rules separate converted from not
// converted leads (distributions, threshold sweep, ROC and AUC, conversion by band
// and matrix cell, a suggested threshold), two rule sets compared, and rules learnt
// from the history. The work runs in worker.js; this module draws the answers.
import { applyEdits, modify } from 'jsonc-parser';
import uPlot from 'uplot';
import { COLORS, lineChart } from './chart.js';
import { csvRecords, guessRole } from './csv-head.js';

const ROLES = [
    ['profile', 'Profile (text)'],
    ['number', 'Profile (number)'],
    ['count', 'Behaviour count'],
    ['events', 'Events (JSON list)'],
    ['outcome', 'Outcome (converted?)'],
    ['id', 'Lead id'],
    ['exclude', 'Leave out'],
];
const DEFAULT_CONVERTED = '1, true, yes, y, converted, won';

const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
const num = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 2 }) : '–');
const auc = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'not defined (one outcome only)');
const list = (text) =>
    text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** The worker, called as a function: `run(op, args, onProgress)` resolves to its result. */
function workerClient(onProgress) {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const pending = new Map();
    let next = 1;
    worker.onmessage = (e) => {
        const { id, progress, result, error } = e.data;
        const p = pending.get(id);
        if (!p) return;
        if (progress) return onProgress(progress);
        pending.delete(id);
        if (error) p.reject(Object.assign(new Error(error.message), { problems: error.problems }));
        else p.resolve(result);
    };
    worker.onerror = (e) => {
        for (const p of pending.values()) p.reject(new Error(e.message || 'the backtest worker failed'));
        pending.clear();
    };
    return (op, args) =>
        new Promise((resolve, reject) => {
            const id = next++;
            pending.set(id, { resolve, reject });
            worker.postMessage({ id, op, ...args });
        });
}

export function setupBacktest({ $, el, getRules, setRules, examples, fetchText }) {
    const body = $('backtest-body');
    const status = el('p', { id: 'bt-status', role: 'status', 'aria-live': 'polite' });
    const bar = el('progress', { id: 'bt-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Progress' });
    // body[data-backtest]: working, done (nothing more queued), error, no-sample; for the tests.
    const setState = (s) => (document.body.dataset.backtest = s);
    let busy = 0;
    const work = workerClient(({ done, total, phase }) => {
        bar.max = total || 1;
        bar.value = done;
        status.textContent = `${phase}: ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}…`;
    });
    /** Runs one worker operation with the progress shown and the buttons held. */
    async function run(what, op, args) {
        busy += 1;
        bar.hidden = false;
        bar.removeAttribute('value');
        status.textContent = `${what}…`;
        body.setAttribute('aria-busy', 'true');
        for (const b of body.querySelectorAll('button.bt-action')) b.disabled = true;
        setState('working');
        try {
            return await work(op, args);
        } finally {
            busy -= 1;
            if (busy === 0) {
                bar.hidden = true;
                body.removeAttribute('aria-busy');
                for (const b of body.querySelectorAll('button.bt-action')) b.disabled = false;
            }
        }
    }
    const fail = (what, e) => {
        status.textContent = `${what}: ${e.message}`;
        status.className = 'error';
        setState('error');
    };

    // -----------------------------------------------------------------------
    // The history: the sample, or a file and its mapping.

    const sampleButton = el(
        'button',
        { type: 'button', class: 'bt-action', id: 'bt-sample' },
        'Use the sample history',
    );
    const fileInput = el('input', { type: 'file', id: 'bt-file', accept: '.csv,.ndjson,.jsonl,.json,text/csv' });
    const mappingBox = el('div', { id: 'bt-mapping' });
    const summaryBox = el('div', { id: 'bt-summary', 'aria-live': 'polite' });
    const sampleLink = el(
        'a',
        { id: 'bt-sample-link', download: 'sample-history.ndjson', hidden: true },
        'Download the sample (NDJSON)',
    );
    body.append(
        el(
            'p',
            {},
            'Past leads with their outcome (converted or not) show how well the rules would have picked the ones that ' +
                'converted. The sample is a synthetic history of B2B leads made by leadscore, the same on every machine.',
        ),
        el(
            'div',
            { class: 'buttons' },
            sampleButton,
            sampleLink,
            el('label', { for: 'bt-file', class: 'file-label' }, 'Or load a CSV or NDJSON file of past leads: '),
            fileInput,
        ),
        mappingBox,
        el('div', { class: 'progress-line' }, bar, status),
        summaryBox,
    );

    let historyLoaded = false;
    async function loadHistory(text, mapping, name) {
        try {
            const s = await run(`Reading ${name}`, 'load', { text, mapping });
            historyLoaded = true;
            showSummary(s, name);
            await runBacktest();
        } catch (e) {
            fail(`${name} could not be read`, e);
        }
    }

    function showSummary(s, name) {
        const skipped = s.skipped
            ? el(
                  'details',
                  {},
                  el('summary', {}, `${s.skipped.toLocaleString('en-US')} rows could not be read and were skipped`),
                  el(
                      'ul',
                      {},
                      ...s.problems.map((p) =>
                          el('li', {}, `Line ${p.line}${p.column ? `, ${p.column}` : ''}: ${p.message}`),
                      ),
                  ),
              )
            : null;
        summaryBox.replaceChildren(
            ...[
                el(
                    'p',
                    { id: 'bt-history' },
                    el('strong', {}, name),
                    `: ${s.leads.toLocaleString('en-US')} leads, ${s.converted.toLocaleString('en-US')} converted (${pct(s.converted / s.leads)}), ` +
                        `${s.events.toLocaleString('en-US')} events${s.now > 0 ? `; scored as of ${new Date(s.now).toISOString().slice(0, 10)}` : ''}.`,
                ),
                skipped,
            ].filter(Boolean),
        );
    }

    sampleButton.addEventListener('click', loadSample);
    async function loadSample() {
        mappingBox.replaceChildren();
        const about = JSON.parse(await fetchText('dist/sample.json').catch(() => '{}'));
        if (!about.file) {
            status.textContent = `There is no sample history (${about.reason ?? 'scripts/build-www.sh writes it'}).`;
            setState('no-sample');
            return;
        }
        const text = await fetchText(`dist/${about.file}`);
        sampleLink.href = `dist/${about.file}`;
        sampleLink.hidden = false;
        await loadHistory(
            text,
            { format: 'ndjson' },
            `Sample history (${about.leads.toLocaleString('en-US')} synthetic leads)`,
        );
    }

    fileInput.addEventListener('change', async () => {
        const file = fileInput.files[0];
        if (!file) return;
        const text = await file.text();
        showMapping(text, file.name);
    });

    /** The mapping form for a file: a role per CSV column, or the outcome key of NDJSON. */
    function showMapping(text, name) {
        const ndjson = /^\s*\{/.test(text);
        const form = el('form', { id: 'bt-mapping-form' });
        const fields = el('div', { class: 'mapping' });
        let columns = [];
        if (ndjson) {
            const first = text
                .split('\n')
                .filter((l) => l.trim())
                .slice(0, 50)
                .map((l) => {
                    try {
                        return JSON.parse(l);
                    } catch {
                        return {};
                    }
                });
            const keys = [...new Set(first.flatMap((o) => Object.keys(o)))].filter(
                (k) => !['id', 'profile', 'events'].includes(k),
            );
            const profile = [...new Set(first.flatMap((o) => Object.keys(o.profile ?? {})))];
            fields.append(
                el('label', { for: 'bt-outcome' }, 'The key that says whether the lead converted'),
                el(
                    'select',
                    { id: 'bt-outcome' },
                    ...keys.map((k) => el('option', { value: k, selected: k === 'converted' ? true : null }, k)),
                ),
                el(
                    'fieldset',
                    {},
                    el('legend', {}, 'Profile fields to leave out (leaked or personal)'),
                    ...profile.map((f) => {
                        const id = `bt-ex-${f.replace(/[^\w-]/g, '_')}`;
                        return el(
                            'div',
                            {},
                            el('input', { type: 'checkbox', id, value: f, class: 'bt-exclude' }),
                            ' ',
                            el('label', { for: id }, f),
                        );
                    }),
                ),
            );
        } else {
            const [header = [], ...rows] = csvRecords(text, 60);
            columns = header;
            const table = el(
                'table',
                { class: 'data mapping-table' },
                el('caption', {}, `What each column of ${name} is`),
            );
            table.append(
                el(
                    'tr',
                    {},
                    el('th', { scope: 'col' }, 'Column'),
                    el('th', { scope: 'col' }, 'First value'),
                    el('th', { scope: 'col' }, 'Use as'),
                ),
            );
            header.forEach((col, i) => {
                const id = `bt-col-${i}`;
                const role = guessRole(
                    col,
                    rows.map((r) => r[i] ?? ''),
                );
                table.append(
                    el(
                        'tr',
                        {},
                        el('th', { scope: 'row' }, el('label', { for: id }, col)),
                        el('td', {}, (rows[0]?.[i] ?? '').slice(0, 40)),
                        el(
                            'td',
                            {},
                            el(
                                'select',
                                { id, 'data-column': col },
                                ...ROLES.map(([v, l]) =>
                                    el('option', { value: v, selected: v === role ? true : null }, l),
                                ),
                            ),
                        ),
                    ),
                );
            });
            fields.append(
                el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Column mapping' }, table),
            );
        }
        fields.append(
            el('label', { for: 'bt-converted' }, 'Outcome values that mean “converted” (comma-separated)'),
            el('input', { id: 'bt-converted', value: DEFAULT_CONVERTED }),
        );
        if (!ndjson) {
            fields.append(
                el(
                    'label',
                    { for: 'bt-missing' },
                    'Cell values that mean “no value” (comma-separated, e.g. Select, NA)',
                ),
                el('input', { id: 'bt-missing', value: '' }),
            );
        }
        form.append(fields, el('button', { type: 'submit', class: 'bt-action' }, `Read ${name} with this mapping`));
        form.addEventListener('submit', (e) => {
            e.preventDefault();
            const mapping = {
                format: ndjson ? 'ndjson' : 'csv',
                converted: list(form.querySelector('#bt-converted').value),
            };
            if (ndjson) {
                mapping.outcome = form.querySelector('#bt-outcome').value;
                mapping.exclude = [...form.querySelectorAll('.bt-exclude:checked')].map((c) => c.value);
            } else {
                const by = {};
                for (const s of form.querySelectorAll('select[data-column]'))
                    (by[s.value] ??= []).push(s.dataset.column);
                if ((by.outcome ?? []).length !== 1) {
                    status.textContent = 'Choose exactly one column as the outcome.';
                    status.className = 'error';
                    return;
                }
                mapping.outcome = by.outcome[0];
                if (by.id) mapping.id = by.id[0];
                if (by.events) mapping.events = by.events[0];
                mapping.profile = by.profile ?? [];
                mapping.numbers = by.number ?? [];
                mapping.counts = by.count ?? [];
                mapping.exclude = [...(by.exclude ?? []), ...(by.id ?? []).slice(1), ...(by.events ?? []).slice(1)];
                mapping.missing = list(form.querySelector('#bt-missing').value);
            }
            status.className = '';
            loadHistory(text, mapping, name);
        });
        mappingBox.replaceChildren(form);
        (form.querySelector('select') ?? form.querySelector('button')).focus();
    }

    // -----------------------------------------------------------------------
    // The report.

    const target = el('fieldset', { id: 'bt-target' });
    target.append(
        el('legend', {}, 'Suggest an MQL threshold for'),
        el(
            'div',
            {},
            el('input', { type: 'radio', name: 'bt-target', id: 'bt-target-rate', value: 'rate', checked: true }),
            ' ',
            el('label', { for: 'bt-target-rate' }, 'MQLs that convert at least at '),
            el('input', {
                type: 'number',
                id: 'bt-rate',
                min: '1',
                max: '100',
                step: '1',
                value: '30',
                'aria-label': 'Conversion rate among MQLs, percent',
            }),
            ' %',
        ),
        el(
            'div',
            {},
            el('input', { type: 'radio', name: 'bt-target', id: 'bt-target-volume', value: 'volume' }),
            ' ',
            el('label', { for: 'bt-target-volume' }, 'At most this many MQLs: '),
            el('input', {
                type: 'number',
                id: 'bt-volume',
                min: '1',
                step: '1',
                value: '200',
                'aria-label': 'Most MQLs',
            }),
        ),
    );
    const report = el('div', { id: 'bt-report', hidden: true });
    const figures = el('dl', { class: 'figures', id: 'bt-figures' });
    const suggested = el('div', { id: 'bt-suggested', 'aria-live': 'polite' });
    const charts = el('div', { class: 'charts' });
    const histBox = el('figure', { id: 'bt-hist' });
    const sweepBox = el('figure', { id: 'bt-sweep' });
    const rocBox = el('figure', { id: 'bt-roc' });
    charts.append(histBox, sweepBox, rocBox);
    const sweepTable = el('div', {
        class: 'scroll',
        id: 'bt-sweep-table',
        tabindex: '0',
        role: 'region',
        'aria-label': 'Threshold sweep table',
    });
    const cells = el('div', { class: 'charts', id: 'bt-cells' });
    report.append(
        el('h3', {}, 'How the rules did'),
        figures,
        target,
        suggested,
        charts,
        el('details', {}, el('summary', {}, 'The threshold sweep as a table'), sweepTable),
        cells,
    );
    body.append(report);
    const targetNow = () =>
        target.querySelector('#bt-target-volume').checked
            ? { mqls: Math.max(1, Math.round(Number(target.querySelector('#bt-volume').value) || 1)) }
            : {
                  conversionRate: Math.min(
                      1,
                      Math.max(0.01, (Number(target.querySelector('#bt-rate').value) || 30) / 100),
                  ),
              };
    target.addEventListener('change', () => historyLoaded && runBacktest());

    let charted = null;
    async function runBacktest() {
        if (!historyLoaded) return;
        const rules = getRules();
        try {
            const r = await run('Scoring the past leads', 'backtest', { rules, target: targetNow() });
            showReport(r);
            status.className = '';
            status.textContent = `Backtested ${r.ruleSet.id}@${r.ruleSet.version} on ${r.leads.toLocaleString('en-US')} leads.`;
            if (busy === 0) setState('done');
        } catch (e) {
            fail('The backtest stopped', e);
        }
    }

    function showReport(r) {
        report.hidden = false;
        $('bt-auc-hint')?.remove();
        figures.replaceChildren(
            el('div', {}, el('dt', {}, 'AUC'), el('dd', { id: 'bt-auc' }, auc(r.auc))),
            el('div', {}, el('dt', {}, 'MQLs by these rules'), el('dd', {}, `${num(r.mql.leads)}`)),
            el('div', {}, el('dt', {}, 'Of them converted'), el('dd', {}, pct(r.mql.rate))),
            el('div', {}, el('dt', {}, 'Conversions captured'), el('dd', {}, pct(r.mql.captured))),
        );
        figures.after(
            el(
                'p',
                { class: 'hint', id: 'bt-auc-hint' },
                `AUC ${auc(r.auc)}: the chance that a lead who converted scores higher than one who did not ` +
                    '(0.5 is a coin toss, 1 is perfect).',
            ),
        );
        const s = r.suggested;
        if (s && s.threshold != null) {
            suggested.replaceChildren(
                el(
                    'p',
                    {},
                    'Suggested MQL threshold: ',
                    el('strong', { id: 'bt-threshold' }, num(s.threshold)),
                    ` — ${num(s.row.mqls)} MQLs (${pct(s.row.mqlShare)} of leads), ${pct(s.row.conversionRate)} of them convert, ` +
                        `${pct(s.row.captured)} of all conversions captured. `,
                    el(
                        'button',
                        { type: 'button', id: 'bt-use-threshold', onclick: () => useThreshold(s.threshold) },
                        'Use this threshold in the rules',
                    ),
                ),
            );
        } else {
            suggested.replaceChildren(
                el('p', { id: 'bt-threshold-none' }, 'No threshold reaches that target on this history.'),
            );
        }
        drawCharts(r);
        drawTables(r);
    }

    function useThreshold(threshold) {
        const text = getRules();
        const edits = modify(text, ['stages', 'mql', 'threshold'], threshold, {
            formattingOptions: { insertSpaces: true, tabSize: 2 },
        });
        setRules(applyEdits(text, edits));
        status.textContent = `stages.mql.threshold is now ${threshold} in the rules.`;
    }

    function drawCharts(r) {
        const h = r.histogram;
        const centers = h.edges.slice(0, -1).map((e, i) => (e + h.edges[i + 1]) / 2);
        const share = (xs) => {
            const n = xs.reduce((a, b) => a + b, 0) || 1;
            return xs.map((x) => x / n);
        };
        const roc = r.roc;
        const suggestedAt = () => r.suggested?.threshold ?? null;
        if (!charted) {
            charted = {
                hist: lineChart(histBox, {
                    title: 'Scores of converted and not converted leads',
                    xLabel: 'Total score',
                    yLabel: 'Share of each group',
                    series: [
                        {
                            label: 'Converted',
                            stroke: COLORS.fit,
                            fill: 'rgba(46,133,64,0.25)',
                            paths: uPlot.paths.stepped({ align: 1 }),
                        },
                        {
                            label: 'Not converted',
                            stroke: COLORS.grey,
                            fill: 'rgba(107,107,107,0.2)',
                            paths: uPlot.paths.stepped({ align: 1 }),
                        },
                    ],
                }),
                sweep: lineChart(sweepBox, {
                    title: 'If the MQL threshold were…',
                    xLabel: 'Threshold',
                    yLabel: 'Share',
                    series: [
                        { label: 'MQLs that convert', stroke: COLORS.fit, width: 2 },
                        { label: 'Conversions captured', stroke: COLORS.total, width: 2 },
                        { label: 'Leads that are MQLs', stroke: COLORS.engagement, dash: [4, 3] },
                    ],
                    marker: () => charted?.suggestedAt(),
                    scales: { y: { range: [0, 1] } },
                }),
                roc: lineChart(rocBox, {
                    title: 'ROC curve',
                    xLabel: 'False-positive rate',
                    yLabel: 'Conversions captured',
                    series: [
                        { label: 'These rules', stroke: COLORS.total, width: 2 },
                        { label: 'Chance', stroke: COLORS.grey, dash: [4, 4] },
                    ],
                    scales: { x: { time: false, range: [0, 1] }, y: { range: [0, 1] } },
                }),
            };
            histBox.append(el('figcaption', { id: 'bt-hist-caption' }));
            sweepBox.append(el('figcaption', { id: 'bt-sweep-caption' }));
            rocBox.append(el('figcaption', { id: 'bt-roc-caption' }));
        }
        charted.suggestedAt = suggestedAt;
        charted.hist.setData([centers, share(h.converted), share(h.notConverted)]);
        charted.sweep.setData([
            r.sweep.map((x) => x.threshold),
            r.sweep.map((x) => x.conversionRate),
            r.sweep.map((x) => x.captured),
            r.sweep.map((x) => x.mqlShare),
        ]);
        charted.roc.setData([roc.map((p) => p.fpr), roc.map((p) => p.tpr), roc.map((p) => p.fpr)]);
        $('bt-hist-caption').textContent =
            `${num(r.converted)} converted and ${num(r.leads - r.converted)} not converted leads, by total score.`;
        $('bt-sweep-caption').textContent =
            r.suggested?.threshold != null
                ? `The dashed red line is the suggested threshold, ${num(r.suggested.threshold)}.`
                : 'Each threshold from the lowest total to the highest.';
        $('bt-roc-caption').textContent =
            `Each point is a threshold: the share of conversions it captures against the share of not converted ` +
            `leads it makes MQLs (the false-positive rate). Area under the curve (AUC): ${auc(r.auc)}.`;
    }

    function drawTables(r) {
        const head = (...cols) => el('tr', {}, ...cols.map((c) => el('th', { scope: 'col' }, c)));
        sweepTable.replaceChildren(
            el(
                'table',
                { class: 'data' },
                head(
                    'Threshold',
                    'MQLs',
                    'Share of leads',
                    'MQLs that convert (precision)',
                    'Conversions captured (recall)',
                ),
                ...r.sweep.map((x) =>
                    el(
                        'tr',
                        {},
                        ...[num(x.threshold), num(x.mqls), pct(x.mqlShare), pct(x.conversionRate), pct(x.captured)].map(
                            (v) => el('td', {}, v),
                        ),
                    ),
                ),
            ),
        );
        const bands = el(
            'table',
            { class: 'data', id: 'bt-bands' },
            el('caption', {}, 'Conversion by band'),
            head('Band', 'Leads', 'Converted', 'Rate'),
            ...r.bands.map((b) =>
                el(
                    'tr',
                    {},
                    el('th', { scope: 'row' }, b.band),
                    el('td', {}, num(b.leads)),
                    el('td', {}, num(b.converted)),
                    el('td', {}, pct(b.rate)),
                ),
            ),
        );
        const byCell = new Map(r.matrix.map((c) => [c.cell, c]));
        const matrix = el(
            'table',
            { class: 'data', id: 'bt-matrix' },
            el('caption', {}, 'Conversion by fit grade × engagement level (rate, and leads)'),
            el('tr', {}, el('td', {}), ...[1, 2, 3, 4].map((l) => el('th', { scope: 'col' }, `Level ${l}`))),
            ...['A', 'B', 'C', 'D'].map((g) =>
                el(
                    'tr',
                    {},
                    el('th', { scope: 'row' }, `Grade ${g}`),
                    ...[1, 2, 3, 4].map((l) => {
                        const c = byCell.get(`${g}${l}`) ?? { leads: 0, converted: 0, rate: 0 };
                        return el(
                            'td',
                            { 'data-cell': `${g}${l}` },
                            c.leads ? pct(c.rate) : '–',
                            el('br'),
                            el('small', {}, `${num(c.leads)} leads`),
                        );
                    }),
                ),
            ),
        );
        // Each in a region that scrolls sideways in a narrow window, not the page.
        const region = (table, label) =>
            el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': label }, table);
        cells.replaceChildren(region(bands, 'Conversion by band'), region(matrix, 'Conversion by matrix cell'));
    }

    // -----------------------------------------------------------------------
    // Compare two rule sets; learn one.

    const kept = new Map();
    const compareSelect = el(
        'select',
        { id: 'bt-compare-with' },
        ...examples.map((ex) => el('option', { value: `example:${ex.name}` }, `Example: ${ex.label}`)),
    );
    const keepButton = el('button', { type: 'button', id: 'bt-keep' }, 'Keep the current rules for comparing');
    const compareButton = el('button', { type: 'button', class: 'bt-action', id: 'bt-compare' }, 'Compare');
    const compareResult = el('div', { id: 'bt-compare-result', 'aria-live': 'polite' });
    const learnButton = el(
        'button',
        { type: 'button', class: 'bt-action', id: 'bt-learn' },
        'Learn rules from these leads',
    );
    const learnResult = el('div', { id: 'bt-learn-result', 'aria-live': 'polite' });
    body.append(
        el('h3', {}, 'Compare two rule sets on the same leads'),
        el(
            'p',
            { class: 'hint' },
            'A is the rules in the editor; B is the one chosen here. Keep a version of your rules, edit them, then compare.',
        ),
        el(
            'div',
            { class: 'buttons' },
            el('label', { for: 'bt-compare-with' }, 'B:'),
            compareSelect,
            compareButton,
            keepButton,
        ),
        compareResult,
        el('h3', {}, 'Learn rules from the history'),
        el(
            'p',
            { class: 'hint' },
            'Fits a model on three quarters of the leads and writes it as rules with whole points, checked on the other quarter. ' +
                'The learnt rules replace the editor’s (Ctrl+Z in the editor brings yours back).',
        ),
        learnButton,
        learnResult,
    );
    keepButton.addEventListener('click', () => {
        const key = `kept:${kept.size + 1}`;
        kept.set(key, getRules());
        const at = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
        compareSelect.append(el('option', { value: key, selected: true }, `Your rules, kept at ${at}`));
        status.textContent = 'Rules kept: choose them as B to compare.';
    });
    compareButton.addEventListener('click', async () => {
        if (!historyLoaded) return (status.textContent = 'Load a history first.');
        const v = compareSelect.value;
        const other = v.startsWith('example:') ? await fetchText(`dist/examples/${v.slice(8)}.json`) : kept.get(v);
        try {
            const c = await run('Comparing the two rule sets', 'compare', {
                rules: getRules(),
                other,
                target: targetNow(),
            });
            showComparison(c);
            status.textContent = 'Compared.';
            if (busy === 0) setState('done');
        } catch (e) {
            fail('The comparison stopped', e);
        }
    });

    function showComparison(c) {
        const row = (label, a, b) => el('tr', {}, el('th', { scope: 'row' }, label), el('td', {}, a), el('td', {}, b));
        const ag = c.agreement;
        compareResult.replaceChildren(
            el(
                'table',
                { class: 'data', id: 'bt-compare-table' },
                el(
                    'caption',
                    {},
                    `A: ${c.a.ruleSet.id}@${c.a.ruleSet.version} · B: ${c.b.ruleSet.id}@${c.b.ruleSet.version}`,
                ),
                el('tr', {}, el('td', {}), el('th', { scope: 'col' }, 'A (editor)'), el('th', { scope: 'col' }, 'B')),
                row('AUC', auc(c.a.auc), auc(c.b.auc)),
                row('MQLs', num(c.a.mql.leads), num(c.b.mql.leads)),
                row('MQLs that convert', pct(c.a.mql.rate), pct(c.b.mql.rate)),
                row('Conversions captured', pct(c.a.mql.captured), pct(c.b.mql.captured)),
            ),
            el(
                'p',
                {},
                `B’s AUC is ${c.aucDelta >= 0 ? 'higher' : 'lower'} by ${Math.abs(c.aucDelta).toFixed(3)}. Switching from A to B: ` +
                    `${num(ag.onlyA.leads)} leads would stop being MQLs (${num(ag.onlyA.converted)} of them converted), ` +
                    `${num(ag.onlyB.leads)} would become MQLs (${num(ag.onlyB.converted)} converted); ${num(ag.both.leads)} are MQLs under both.`,
            ),
        );
    }

    learnButton.addEventListener('click', async () => {
        if (!historyLoaded) return (status.textContent = 'Load a history first.');
        try {
            const l = await run('Learning rules', 'learn', { rules: getRules(), target: undefined });
            showLearnt(l);
            setRules(`${JSON.stringify(l.ruleSet, null, 2)}\n`);
            status.textContent = `Learnt rules loaded into the editor (${l.ruleSet.id}@${l.ruleSet.version}).`;
            if (busy === 0) setState('done');
        } catch (e) {
            fail('Learning stopped', e);
        }
    });

    function showLearnt(l) {
        const kept = l.features.filter((f) => f.points !== 0).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
        learnResult.replaceChildren(
            el(
                'p',
                { id: 'bt-learn-summary' },
                `On the ${num(l.leads.holdout)} held-out leads the learnt rules reach an AUC of `,
                el('strong', { id: 'bt-learn-auc' }, auc(l.auc.holdout)),
                l.handWrittenAuc ? `, against ${auc(l.handWrittenAuc.holdout)} for your rules` : '',
                ` (the model before rounding to whole points: ${auc(l.modelAuc.holdout)}). ${kept.length} rules from ${l.features.length} ` +
                    `features; MQL at ${num(l.threshold)}${l.converged ? '' : '; the fit did not fully converge'}.`,
            ),
            el(
                'details',
                {},
                el('summary', {}, 'The rules learnt, largest first'),
                el(
                    'div',
                    { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': 'Rules learnt' },
                    el(
                        'table',
                        { class: 'data' },
                        el(
                            'tr',
                            {},
                            ...['Points', 'Feature', 'Training leads'].map((c) => el('th', { scope: 'col' }, c)),
                        ),
                        ...kept.map((f) =>
                            el(
                                'tr',
                                {},
                                el('td', {}, `${f.points > 0 ? '+' : ''}${f.points}`),
                                el('td', { class: 'left' }, f.description),
                                el('td', {}, num(f.leads)),
                            ),
                        ),
                    ),
                ),
            ),
        );
    }

    return {
        /** Loads the sample history (the page's default). */
        loadSample,
        /** The rules changed and compile: the backtest follows, a little later. */
        rulesChanged: (() => {
            let t = 0;
            return () => {
                clearTimeout(t);
                t = setTimeout(runBacktest, 600);
            };
        })(),
    };
}
