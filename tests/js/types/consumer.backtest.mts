// Type-checked: leadscore/backtest used as a Web Worker would, every call and report field.
import { init, Engine, History, backtest, compareRuleSets, learn, InputError } from 'leadscore/backtest';
import type {
    BacktestReport,
    Comparison,
    HistoryMapping,
    LearnResult,
    OnProgress,
    RowProblem,
} from 'leadscore/backtest';

await init();
const onProgress: OnProgress = (done, total, phase) => console.log(done / total, phase);
const mapping: HistoryMapping = {
    format: 'csv',
    id: 'Prospect ID',
    outcome: 'Converted',
    converted: ['1', 1, true],
    numbers: ['TotalVisits'],
    counts: ['visits'],
    exclude: ['Tags'],
    missing: ['Select'],
    now: '2026-12-01T00:00:00Z',
};
const history = new History('a,Converted\n1,1\n', mapping, { onProgress });
const problems: RowProblem[] = history.problems;
console.log(history.length, history.converted, history.events, history.now, history.skipped, problems[0]?.line);
console.log(history.fields.profile[0]?.numeric, history.fields.events[0]?.type);
const sample = History.sample({ leads: 100, seed: 1, onProgress });
const text: string = History.sampleText({ leads: 10 });
const engine = new Engine({ schema: 'leadscore.ruleset/v1', id: 'x', version: '1' });
const report: BacktestReport = backtest(engine, sample, {
    bins: 10,
    sweepSteps: 20,
    target: { conversionRate: 0.4 },
    onProgress,
});
console.log(
    report.auc,
    report.sweep[0]?.captured,
    report.roc[0]?.fpr,
    report.matrix[0]?.cell,
    report.suggested?.threshold,
);
const c: Comparison = compareRuleSets(engine, engine, sample);
console.log(c.aucDelta, c.agreement.onlyB.rate);
const learnt: LearnResult = learn(sample, {
    seed: 2,
    holdout: 0.25,
    l2: 1,
    bins: 10,
    minZ: 1,
    compareWith: engine,
    onProgress,
});
new Engine(learnt.ruleSet).free();
console.log(learnt.auc.holdout, learnt.handWrittenAuc?.holdout, learnt.features[0]?.dropped, text.length);
// @ts-expect-error a history is text or bytes
new History(42);
console.log(InputError);
history.free();
