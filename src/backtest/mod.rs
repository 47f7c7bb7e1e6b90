//! Backtesting and learning (feature `backtest`; docs/BACKTEST.md): a rule set
//! scored on leads with known outcomes, two compared on the same leads, one learnt
//! from them. The command line and the package's `History`, `backtest` and `learn`
//! call this module; the page module has none of it. Streaming a history from a
//! file or text (`files`, native only) is what the command line and the Python
//! package run.
//!
//! Scoring is the engine's own ([`Engine::qualify`] on held leads, at an explicit
//! `now`); what a backtest keeps of each lead is a [`LeadFigures`] of a few bytes.

#[cfg(not(target_arch = "wasm32"))]
mod files;
mod history;
mod learn;
mod newton;
mod report;
pub mod sample;

#[cfg(not(target_arch = "wasm32"))]
pub use files::{
    backtest_stream, history_now, latest_event, load_mapping, stream_history, Backtested, HistorySource, Streamed,
    StreamedBacktest, ROWS_PER_PART,
};
pub use history::{
    read_history, EventField, Format, History, HistoryFields, HistoryReader, Mapping, Plan, ProfileField, RawData,
    RawRow, RawRows, Row, RowProblem, MAX_ROW_PROBLEMS,
};
pub use learn::{learn, LearnOptions, LearnResult, LearntFeature};
pub use report::{
    auc, levels, report, suggest, BacktestReport, Bands, Cell, LeadFigures, Level, ReportOptions, SweepRow,
    ThresholdTarget,
};
pub use sample::{sample_lead, sample_ndjson, SampleOptions};

use crate::engine::Engine;
use serde::Serialize;

impl Row {
    /// The lead scored by `engine` at `now`, without the explanation: what
    /// [`Engine::qualify`] gives, without putting its events in order again.
    pub fn qualify(&self, engine: &Engine, now: i64) -> crate::Qualification {
        engine.qualify_prepared(
            self.lead.id.clone(),
            &self.lead.profile,
            &self.lead.events,
            self.set_aside.clone(),
            now,
        )
    }
}

/// How many leads are scored between two progress reports.
pub const LEADS_PER_PART: usize = 4096;

/// The figures of every lead of `history` scored by `engine` at `now`, in parts,
/// calling `progress(done, total)` after each.
pub fn score_history(
    engine: &Engine,
    history: &History,
    now: i64,
    progress: &mut dyn FnMut(usize, usize),
) -> Vec<LeadFigures> {
    let bands = Bands::of(engine);
    let mut figures = Vec::with_capacity(history.len());
    let total = history.len();
    let mut from = 0;
    while from < total {
        let to = (from + LEADS_PER_PART).min(total);
        let scored = history.leads.qualify_range(engine, now, from..to);
        let outcomes = history.outcomes.get(from..to).unwrap_or(&[]);
        figures.extend(scored.iter().zip(outcomes).map(|(q, &c)| bands.figures(q, c)));
        from = to;
        progress(from, total);
    }
    figures
}

/// The figures of the leads of `history` in `range`, scored by `engine` at `now`:
/// a long history scored in parts.
pub fn score_part(
    engine: &Engine,
    bands: &Bands,
    history: &History,
    now: i64,
    range: std::ops::Range<usize>,
) -> Vec<LeadFigures> {
    let outcomes = history.outcomes.get(range.start.min(history.len())..range.end.min(history.len())).unwrap_or(&[]);
    let scored = history.leads.qualify_range(engine, now, range);
    scored.iter().zip(outcomes).map(|(q, &c)| bands.figures(q, c)).collect()
}

/// Backtests `engine` on `history` (at `options.now`, else the history's `now`).
pub fn backtest(
    engine: &Engine,
    history: &History,
    options: &ReportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<BacktestReport, crate::InputError> {
    let now = now_of(options, history)?;
    let figures = score_history(engine, history, now, progress);
    Ok(report(engine, &Bands::of(engine), &figures, now, history.skipped() as u64, options))
}

/// `options.now` checked, else the history's.
pub(crate) fn now_of(options: &ReportOptions, history: &History) -> Result<i64, crate::InputError> {
    match options.now {
        None => Ok(history.now()),
        Some(n) if n.is_finite() && n.fract() == 0.0 && n.abs() <= crate::limits::MAX_INSTANT_MS as f64 => Ok(n as i64),
        Some(n) => Err(crate::InputError::new(
            "now",
            "invalidTimestamp",
            format!("now is {n}: it must be a whole number of milliseconds since the epoch"),
        )),
    }
}

/// Two rule sets on the same leads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub a: BacktestReport,
    pub b: BacktestReport,
    pub auc_delta: f64,
    pub agreement: Agreement,
}

/// Leads by who makes them MQL (stage MQL or beyond).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    pub both: Cell,
    pub only_a: Cell,
    pub only_b: Cell,
    pub neither: Cell,
}

/// The comparison of two backtests from the figures of the same leads, in order.
pub fn compare(
    (a, fa): (&Engine, &[LeadFigures]),
    (b, fb): (&Engine, &[LeadFigures]),
    now: i64,
    skipped: u64,
    options: &ReportOptions,
) -> Comparison {
    let mut agreement = Agreement::default();
    for (x, y) in fa.iter().zip(fb) {
        let cell = match (x.stage >= crate::Stage::Mql, y.stage >= crate::Stage::Mql) {
            (true, true) => &mut agreement.both,
            (true, false) => &mut agreement.only_a,
            (false, true) => &mut agreement.only_b,
            (false, false) => &mut agreement.neither,
        };
        cell.leads += 1;
        cell.converted += u64::from(x.converted);
    }
    for c in [&mut agreement.both, &mut agreement.only_a, &mut agreement.only_b, &mut agreement.neither] {
        c.rate = if c.leads == 0 { 0.0 } else { c.converted as f64 / c.leads as f64 };
    }
    let ra = report(a, &Bands::of(a), fa, now, skipped, options);
    let rb = report(b, &Bands::of(b), fb, now, skipped, options);
    Comparison { auc_delta: rb.auc - ra.auc, a: ra, b: rb, agreement }
}
