//! Backtesting and learning for the package's `History`, `backtest`,
//! `compareRuleSets` and `learn` (feature `backtest`, the full module only;
//! docs/BACKTEST.md). The package sends the history text in parts and scores it
//! in parts, calling `onProgress` between them; mappings and options cross as
//! JSON text (small, and read once).

use super::engine::WasmEngine;
use super::input::make_room;
use super::outcome::{made, now_of, outcome, Failure};
use crate::backtest::{
    self, compare, report, sample_lead, Bands, HistoryReader, LeadFigures, LearnOptions, Mapping, ReportOptions,
    SampleOptions,
};
use crate::error::InputError;
use crate::limits::CallLimits;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

/// Bytes a held lead takes in the module per byte of its text (as for a LeadSet).
const HELD_PER_TEXT_BYTE: usize = 4;

fn json_arg<T: serde::de::DeserializeOwned + Default>(text: &str, what: &str) -> Result<T, InputError> {
    if text.is_empty() {
        return Ok(T::default());
    }
    CallLimits::check_input(text.len(), what, what)?;
    serde_json::from_str(text).map_err(|e| InputError::new(what, "invalidValue", format!("{what}: {e}")))
}

#[wasm_bindgen(js_name = History)]
pub struct WasmHistory {
    reader: HistoryReader,
}

#[wasm_bindgen(js_class = History)]
impl WasmHistory {
    /// An empty history read through `mapping` (JSON text): the history, or the
    /// bytes of an `InputError`.
    pub fn create(mapping: &str) -> JsValue {
        let made_one = || -> Result<WasmHistory, Failure> {
            let value: serde_json::Value = if mapping.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_str(mapping)
                    .map_err(|e| InputError::new("mapping", "invalidMapping", format!("the mapping: {e}")))?
            };
            Ok(WasmHistory { reader: HistoryReader::new(Mapping::from_value(&value)?)? })
        };
        made(made_one())
    }

    /// Reads the next part of the text (ending at a row's end): the outcome of nothing.
    pub fn feed(&mut self, part: &[u8]) -> Vec<u8> {
        let mut fed = || -> Result<(), Failure> {
            CallLimits::check_input(part.len(), "", "a part of the history")?;
            make_room(part.len().saturating_mul(HELD_PER_TEXT_BYTE));
            Ok(self.reader.feed(part)?)
        };
        outcome(fed())
    }

    /// Adds the synthetic sample (options as JSON text: leads, seed, now), lead
    /// `from` to lead `to`: the outcome of nothing.
    #[wasm_bindgen(js_name = feedSample)]
    pub fn feed_sample(&mut self, options: &str, from: u32, to: u32) -> Vec<u8> {
        let mut fed = || -> Result<(), Failure> {
            let o: SampleOptions = json_arg(options, "options")?;
            let mut text = String::new();
            for i in from..to.min(o.leads) {
                text.push_str(&sample_lead(o.seed, u64::from(i), o.now).to_string());
                text.push('\n');
            }
            Ok(self.reader.feed(text.as_bytes())?)
        };
        outcome(fed())
    }

    pub fn length(&self) -> usize {
        self.reader.history().len()
    }

    pub fn converted(&self) -> usize {
        self.reader.history().converted()
    }

    pub fn events(&self) -> usize {
        self.reader.history().events()
    }

    pub fn skipped(&self) -> usize {
        self.reader.history().skipped()
    }

    pub fn now(&self) -> f64 {
        self.reader.history().now() as f64
    }

    /// The outcome of the rows skipped, as `RowProblem`s.
    pub fn problems(&self) -> Vec<u8> {
        outcome::<&[backtest::RowProblem]>(Ok(self.reader.history().problems()))
    }

    /// The outcome of `HistoryFields`.
    pub fn fields(&self) -> Vec<u8> {
        outcome(Ok(self.reader.history().fields()))
    }
}

/// A backtest of one rule set, or two compared, scored in parts.
#[wasm_bindgen(js_name = Backtest)]
pub struct WasmBacktest {
    engines: Vec<Arc<crate::Engine>>,
    bands: Vec<Bands>,
    figures: Vec<Vec<LeadFigures>>,
    options: ReportOptions,
    now: i64,
}

#[wasm_bindgen(js_class = Backtest)]
impl WasmBacktest {
    /// A backtest of `a` on `history` with `options` (JSON text): the backtest, or
    /// the bytes of an `InputError`.
    pub fn create(history: &WasmHistory, a: &WasmEngine, options: &str) -> JsValue {
        made(WasmBacktest::new(history, &[a], options))
    }

    /// A backtest of `a` and `b` on the same leads, for their comparison.
    pub fn compare(history: &WasmHistory, a: &WasmEngine, b: &WasmEngine, options: &str) -> JsValue {
        made(WasmBacktest::new(history, &[a, b], options))
    }

    /// Scores the next `count` leads of `history`; answers how many are scored.
    pub fn step(&mut self, history: &WasmHistory, count: usize) -> usize {
        let h = history.reader.history();
        let from = self.figures.first().map_or(0, Vec::len);
        let to = from.saturating_add(count).min(h.len());
        for ((engine, bands), figures) in self.engines.iter().zip(&self.bands).zip(&mut self.figures) {
            figures.extend(backtest::score_part(engine, bands, h, self.now, from..to));
        }
        to
    }

    /// The outcome of the report (a `Comparison` for two rule sets).
    pub fn report(&self, history: &WasmHistory) -> Vec<u8> {
        let skipped = history.reader.history().skipped() as u64;
        match (self.engines.as_slice(), self.figures.as_slice()) {
            ([a, b], [fa, fb]) => outcome(Ok(compare((a, fa), (b, fb), self.now, skipped, &self.options))),
            ([a, ..], [fa, ..]) => outcome(Ok(report(a, &Bands::of(a), fa, self.now, skipped, &self.options))),
            _ => outcome::<()>(Err(InputError::new("", "internal", "a backtest without a rule set").into())),
        }
    }
}

impl WasmBacktest {
    fn new(history: &WasmHistory, engines: &[&WasmEngine], options: &str) -> Result<WasmBacktest, Failure> {
        let options: ReportOptions = json_arg(options, "options")?;
        let now = match options.now {
            Some(n) => now_of(n)?,
            None => history.reader.history().now(),
        };
        let engines: Vec<Arc<crate::Engine>> = engines.iter().map(|e| e.inner.clone()).collect();
        Ok(WasmBacktest {
            bands: engines.iter().map(|e| Bands::of(e)).collect(),
            figures: vec![Vec::with_capacity(history.length()); engines.len()],
            engines,
            options,
            now,
        })
    }
}

/// Most leads [`sample_text`] writes (the package checks it first).
const MAX_SAMPLE_TEXT_LEADS: u32 = 20_000;

/// The outcome of the sample (options as JSON text) as NDJSON text.
#[wasm_bindgen(js_name = sampleText)]
pub fn sample_text(options: &str) -> Vec<u8> {
    let text = || -> Result<String, Failure> {
        let o: SampleOptions = json_arg(options, "options")?;
        if o.leads > MAX_SAMPLE_TEXT_LEADS {
            return Err(InputError::new(
                "options.leads",
                "invalidValue",
                format!("at most {MAX_SAMPLE_TEXT_LEADS} leads"),
            )
            .into());
        }
        Ok(backtest::sample_ndjson(&o))
    };
    outcome(text())
}

/// Learns a rule set from `history` with `options` (JSON text), reporting
/// `compare`'s AUC beside it; `progress(done, total, phase)` is called between
/// steps. The outcome of a `LearnResult`.
#[wasm_bindgen(js_name = learnRuleSet)]
pub fn learn_rule_set(history: &WasmHistory, options: &str, progress: &js_sys::Function) -> Vec<u8> {
    learn(history, options, None, progress)
}

/// [`learn_rule_set`] with a hand-written rule set's AUC reported beside.
#[wasm_bindgen(js_name = learnRuleSetAgainst)]
pub fn learn_rule_set_against(
    history: &WasmHistory,
    options: &str,
    compare: &WasmEngine,
    progress: &js_sys::Function,
) -> Vec<u8> {
    learn(history, options, Some(compare), progress)
}

fn learn(history: &WasmHistory, options: &str, compare: Option<&WasmEngine>, progress: &js_sys::Function) -> Vec<u8> {
    let learnt = || -> Result<backtest::LearnResult, Failure> {
        let options: LearnOptions = json_arg(options, "options")?;
        let mut report_progress = |done: usize, total: usize, phase: &str| {
            // What the callback does or throws is the caller's: learning goes on.
            let _ = progress.call3(
                &JsValue::NULL,
                &JsValue::from(done as f64),
                &JsValue::from(total as f64),
                &JsValue::from_str(phase),
            );
        };
        let engine = compare.as_ref().map(|c| c.inner.clone());
        Ok(backtest::learn(history.reader.history(), &options, engine.as_deref(), &mut report_progress)?)
    };
    outcome(learnt())
}
