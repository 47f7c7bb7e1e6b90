// leadscore/backtest: everything of the full package (its types are index.d.ts's),
// and histories, backtests and learning, over a module of its own
// (leadscore_backtest_bg.wasm). `await init()` once, or `initSync(bytes)`.
import type { Engine, Stage, RuleSet } from './index.js';
export * from './index.js';

// ---------------------------------------------------------------------------
// Backtesting and learning (docs/BACKTEST.md). Every call is synchronous and meant
// for a Web Worker; `onProgress` is called between the parts the work is done in.

/** Called between parts of a long call: `done` of `total` units (leads, or passes for `learn`). */
export type OnProgress = (done: number, total: number, phase: string) => void;

/** A cell value in the mapping's outcome lists. */
export type CellValue = string | number | boolean;

/**
 * How the rows of a history become leads with an outcome (docs/BACKTEST.md,
 * "Mapping"). Column names are field paths: `company.size` becomes the profile's
 * `{company: {size}}`.
 */
export interface HistoryMapping {
    /** `csv` (a header row, then one lead a row) or `ndjson` (one lead object a line). Default: `ndjson` when the text starts with `{`, else `csv`. */
    format?: 'csv' | 'ndjson';
    /** The column (CSV) or key (NDJSON) holding the outcome. Default `converted`. */
    outcome?: string;
    /** Outcome values that mean converted, compared as text without case. Default `["1", "true", "yes", "y", "converted", "won"]`. */
    converted?: CellValue[];
    /** The column holding the lead id (CSV); NDJSON leads keep their `id`. */
    id?: string;
    /** Text columns kept as profile fields. Default (CSV): every column not named elsewhere in the mapping. */
    profile?: string[];
    /** Numeric columns kept as numeric profile fields; a cell that is not a number skips its row. */
    numbers?: string[];
    /** Behaviour counts: each column's whole number n becomes n events of the column's name as type, at `now` (at most 1,000 a column). */
    counts?: string[];
    /** The column holding a JSON list of events (CSV); NDJSON leads keep their `events`. */
    events?: string;
    /** Columns (CSV) or profile fields (NDJSON) left out: leaked columns, free text, personal data. */
    exclude?: string[];
    /** Cell texts that mean "no value", besides the empty cell (e.g. `["Select", "NA"]`); compared without case. */
    missing?: string[];
    /** When the history is seen (milliseconds since the epoch, or RFC 3339 text): count events are placed at it (at 0 when not given) and backtests score at it. Default: the latest event time in the history, or 0. */
    now?: number | string;
}

/** A row that could not be read: skipped, counted, and the first 100 described. */
export interface RowProblem {
    /** The 1-based line of the text where the row starts (the header is line 1 in CSV). */
    line: number;
    /** The column (CSV) or JSON path (NDJSON) at fault; "" for the whole row. */
    column: string;
    code: string;
    message: string;
}

/**
 * Historical leads with outcomes, read once and held in the module (within the
 * limits of a `LeadSet`: 1,000,000 leads, 2,000,000 events), to be backtested with
 * any number of rule sets and learnt from. `free()` it when done.
 */
export declare class History {
    /**
     * Reads `text` (CSV or NDJSON, as `mapping` says) in parts, calling `onProgress`
     * between them. Unreadable rows are skipped and reported in `problems`; throws
     * an `InputError` only for a mapping that cannot apply (a named column that the
     * header lacks, `code: "unknownColumn"`) or a history past the limits (`tooMany`).
     */
    constructor(text: string | Uint8Array, mapping?: HistoryMapping, options?: { onProgress?: OnProgress });
    /** A deterministic synthetic B2B history (docs/BACKTEST.md, "Sample"): the page's default. */
    static sample(options?: { leads?: number; seed?: number; now?: number; onProgress?: OnProgress }): History;
    /** `History.sample`'s leads as NDJSON text (what `leadscore sample` writes), at most 20,000. */
    static sampleText(options?: { leads?: number; seed?: number; now?: number }): string;
    free(): void;
    [Symbol.dispose](): void;
    /** Leads held. */
    readonly length: number;
    /** Leads held that converted. */
    readonly converted: number;
    /** Events held, across the leads. */
    readonly events: number;
    /** When the history is seen (see `HistoryMapping.now`). */
    readonly now: number;
    /** Rows skipped as unreadable. */
    readonly skipped: number;
    /** The first 100 unreadable rows, in order. */
    readonly problems: RowProblem[];
    /** The profile fields and event types found, with counts: what a mapping or a rule set can use. */
    readonly fields: HistoryFields;
}

export interface HistoryFields {
    /** Each profile field: how many leads have it, and whether every value is a number. */
    profile: { field: string; leads: number; numeric: boolean; values: number }[];
    /** Each event type: how many leads have one, and how many events in all. */
    events: { type: string; leads: number; events: number }[];
}

/** A target for the suggested threshold: a conversion rate among MQLs, or a number or share of MQLs. */
export interface ThresholdTarget {
    /** The lowest threshold whose MQLs convert at least at this rate (0–1). */
    conversionRate?: number;
    /** The lowest threshold that makes at most this many MQLs. */
    mqls?: number;
    /** The lowest threshold that makes at most this share (0–1) of the leads MQLs. */
    mqlShare?: number;
}

export interface BacktestOptions {
    /** When to score (milliseconds since the epoch). Default: the history's `now`. */
    now?: number;
    /** Histogram bins over the score range. Default 20 (1–200). */
    bins?: number;
    /** Threshold sweep rows, evenly spaced over the score range. Default 50 (2–500). */
    sweepSteps?: number;
    /** Most ROC points returned (the AUC uses every lead). Default 200 (2–2000). */
    rocPoints?: number;
    /** Adds `suggested` to the report. */
    target?: ThresholdTarget;
    onProgress?: OnProgress;
}

/** One threshold of the sweep: the leads whose total is at least `threshold` are the MQLs. */
export interface SweepRow {
    threshold: number;
    /** MQL volume: leads with total >= threshold. */
    mqls: number;
    /** `mqls` / all leads. */
    mqlShare: number;
    /** Converted leads among the MQLs. */
    convertedMqls: number;
    /** Conversion rate among MQLs (0 when there are none); the same number as `precision`. */
    conversionRate: number;
    /** Share of all conversions captured by the MQLs; the same number as `recall`. */
    captured: number;
    precision: number;
    recall: number;
}

/** Leads and conversions in one group (a band, a matrix cell, a stage). */
export interface ConversionCell {
    leads: number;
    converted: number;
    /** converted / leads, 0 for no leads. */
    rate: number;
}

export interface SuggestedThreshold {
    target: ThresholdTarget;
    /** The threshold (a total reached by some lead), or null when no threshold reaches the target. */
    threshold: number | null;
    /** The sweep row at that threshold (all zero when `threshold` is null). */
    row: SweepRow;
}

export interface BacktestReport {
    ruleSet: { id: string; version: string };
    now: number;
    leads: number;
    converted: number;
    /** Rows of the history skipped as unreadable (not scored). */
    skipped: number;
    /** Area under the ROC curve of the total; tied totals count one half. NaN when one class is empty. */
    auc: number;
    /** Totals of converted and not converted leads in `bins` equal bins from `edges[0]` to `edges[bins]`; the last bin includes its upper edge. */
    histogram: { edges: number[]; converted: number[]; notConverted: number[] };
    sweep: SweepRow[];
    /** ROC points from (0,0) to (1,1), one per distinct total (thinned to `rocPoints`), each with its threshold. */
    roc: { threshold: number; fpr: number; tpr: number }[];
    /** Conversion by band, in the rule set's band order. */
    bands: (ConversionCell & { band: string })[];
    /** Conversion by grade x level cell, A1 … D4 (all 16, empty ones with zeros). */
    matrix: (ConversionCell & { cell: string; grade: string; level: number })[];
    /** Conversion by stage (the rule set's own definitions: MQL threshold, fit floor, SQL triggers, disqualifiers). */
    stages: (ConversionCell & { stage: Stage })[];
    /** Leads at stage MQL or beyond by the rule set's own definition. */
    mql: ConversionCell & { captured: number };
    suggested?: SuggestedThreshold;
}

/** Two rule sets on the same history: the A/B question before switching definitions. */
export interface Comparison {
    a: BacktestReport;
    b: BacktestReport;
    /** b.auc − a.auc. */
    aucDelta: number;
    /** Leads by who makes them MQL (stage MQL or beyond) under each rule set. */
    agreement: { both: ConversionCell; onlyA: ConversionCell; onlyB: ConversionCell; neither: ConversionCell };
}

/** Scores every lead of `history` with `engine` and reports how the scores separate conversions. */
export declare function backtest(engine: Engine, history: History, options?: BacktestOptions): BacktestReport;

/** Backtests two rule sets on the same history (options as `backtest`, applied to both). */
export declare function compareRuleSets(a: Engine, b: Engine, history: History, options?: BacktestOptions): Comparison;

export interface LearnOptions {
    /** Seeds the train/holdout split. Default 1. */
    seed?: number;
    /** Share of the leads held out (0.05–0.5). Default 0.25. */
    holdout?: number;
    /** L2 penalty on the coefficients (> 0; the intercept is not penalised). Default 1. */
    l2?: number;
    /** Quantile ranges per numeric field and per event count. Default 10 (2–10). */
    bins?: number;
    /** Fewest training leads a category value needs to get its own rule. Default: the larger of 10 and 0.5 % of the training leads. */
    minLeads?: number;
    /** Points per doubling of the odds of converting. Default 10. */
    pointsPerDoubling?: number;
    /** Features whose coefficient is within this many standard errors of 0 get no rule (and the model is fitted again without them). Default 1. */
    minZ?: number;
    /** How the threshold is chosen on the training leads: a target, or by default the total that maximises recall − false-positive rate (Youden). */
    target?: ThresholdTarget;
    /** The rule set's `id`, `version` and `description`. Defaults: `learnt`, the date of `now`, a sentence saying how it was learnt. */
    id?: string;
    version?: string;
    /** A hand-written rule set to report beside the learnt one, on the same split. */
    compareWith?: Engine;
    /** When to score. Default: the history's `now`. */
    now?: number;
    onProgress?: OnProgress;
}

/** One feature of the model and what became of it. */
export interface LearntFeature {
    /** The rule's id in the learnt rule set (also for features that got no rule). */
    id: string;
    /** In words: `Lead Source is "Google"`, `TotalVisits from 3 to below 5`, `Country unknown`, `at least 2 page_view`. */
    description: string;
    /** Training leads that have it. */
    leads: number;
    coefficient: number;
    standardError: number;
    /** The integer points of its rule; 0 when it got none. */
    points: number;
    /** Why it got no rule: `insignificant` (|z| < minZ) or `rounded` (under half a point). */
    dropped?: 'insignificant' | 'rounded';
}

export interface AucPair {
    train: number;
    holdout: number;
}

export interface LearnResult {
    /** A rule set like any other (`new Engine(result.ruleSet)` compiles it): fit rules for profile features, engagement rules for event counts, MQL at `threshold`. */
    ruleSet: RuleSet;
    threshold: number;
    /** AUC of the learnt rule set's integer totals, scored by the engine. */
    auc: AucPair;
    /** AUC of the final fitted model before rounding to points (what the rounding cost). */
    modelAuc: AucPair;
    /** AUC of `compareWith` on the same split. */
    handWrittenAuc?: AucPair;
    leads: { train: number; holdout: number };
    features: LearntFeature[];
    /** Newton iterations taken, and whether the fit converged. */
    iterations: number;
    converged: boolean;
    /** The holdout backtest of the learnt rule set. */
    holdoutReport: BacktestReport;
}

/** Fits a regularised logistic regression on `history` and writes it as a rule set with integer points. */
export declare function learn(history: History, options?: LearnOptions): LearnResult;
