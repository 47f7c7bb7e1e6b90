//! A compiled rule set, as the package's `Engine` holds it.

#[cfg(feature = "batch")]
use super::lead_set::WasmLeadSet;
#[cfg(feature = "batch")]
use super::outcome::now_of;
#[cfg(any(feature = "batch", feature = "compiler"))]
use super::outcome::read_all;
#[cfg(feature = "compiler")]
use super::outcome::unreadable;
use super::outcome::{made, outcome, Failure};
#[cfg(any(feature = "batch", feature = "compiler"))]
use crate::error::InputError;
#[cfg(feature = "compiler")]
use crate::error::RuleSetError;
#[cfg(any(feature = "batch", feature = "compiler"))]
use crate::limits::CallLimits;
#[cfg(feature = "batch")]
use crate::limits::MAX_EVENTS_PER_CALL;
#[cfg(feature = "batch")]
use crate::wire::{LeadFields, RawLead};
use crate::Engine;
#[cfg(feature = "batch")]
use std::cell::Cell;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[cfg(feature = "batch")]
thread_local! {
    /// The step count (`leadscore_rules::meter`) when the list being scored began:
    /// its parts cross in calls of their own.
    static LIST_START: Cell<u64> = const { Cell::new(0) };
}

#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    /// Shared with the sessions that watch it, so that freeing the JS object while
    /// a session still watches it is safe.
    pub(crate) inner: Arc<Engine>,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Compiles a rule set sent as MessagePack: the engine, or the bytes of a
    /// `RuleSetError`.
    #[cfg(feature = "compiler")]
    pub fn compile(ruleset: &[u8]) -> JsValue {
        made(compile(ruleset).map(|inner| WasmEngine { inner: Arc::new(inner) }).map_err(Failure::from))
    }

    /// Loads a compiled rule set (`toCompiled`): the engine, or the bytes of an
    /// `InputError` (code `compiledRuleSet`) saying what is wrong with the bytes.
    #[wasm_bindgen(js_name = fromCompiled)]
    pub fn from_compiled(bytes: &[u8]) -> JsValue {
        made(Engine::from_compiled(bytes).map(|inner| WasmEngine { inner: Arc::new(inner) }).map_err(Failure::from))
    }

    /// The compiled form of the rule set, for `fromCompiled` (the package's
    /// `compileRuleSet`).
    #[cfg(feature = "compiler")]
    #[wasm_bindgen(js_name = toCompiled)]
    pub fn to_compiled(&self) -> Vec<u8> {
        self.inner.to_compiled()
    }

    /// The rule set's warnings (`Engine::warnings`): the outcome of a list of problems.
    #[cfg(feature = "compiler")]
    pub fn warnings(&self) -> Vec<u8> {
        outcome(Ok(self.inner.warnings()))
    }

    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    pub fn description(&self) -> Option<String> {
        self.inner.description().map(str::to_string)
    }

    /// What the rule set reads (`Engine::reads`): the outcome of
    /// `[profile, [[type, properties], …]]`, lists that the package makes
    /// `{ profile, events }` of (no maps: their serde code weighs on the page module).
    pub fn reads(&self) -> Vec<u8> {
        let reads = self.inner.reads();
        outcome(Ok((reads.profile, reads.events)))
    }

    #[cfg(feature = "batch")]
    /// One lead scored at `now`: the outcome of a `ScoreResult`.
    pub fn score(&self, lead: &[u8], now: f64) -> Vec<u8> {
        outcome(self.one(lead, now, Engine::score_raw))
    }

    #[cfg(feature = "batch")]
    /// One lead qualified at `now`: the outcome of a `Qualification`.
    pub fn qualify(&self, lead: &[u8], now: f64) -> Vec<u8> {
        outcome(self.one(lead, now, Engine::qualify_raw))
    }

    #[cfg(feature = "batch")]
    /// A list of leads scored at `now`: the outcome of a list of `ScoreResult`s. A
    /// lead that is not a lead fails the call, with its index in the path. `first`
    /// is false for the second and later parts of one list (the package sends a
    /// long list in parts), which count toward the same `maxCallSteps`.
    #[wasm_bindgen(js_name = scoreMany)]
    pub fn score_many(&self, leads: &[u8], now: f64, first: bool) -> Vec<u8> {
        outcome(self.many(leads, now, first, Engine::score_raw))
    }

    #[cfg(feature = "batch")]
    /// [`WasmEngine::score_many`] without the explanations.
    #[wasm_bindgen(js_name = qualifyMany)]
    pub fn qualify_many(&self, leads: &[u8], now: f64, first: bool) -> Vec<u8> {
        outcome(self.many(leads, now, first, Engine::qualify_raw))
    }

    #[cfg(feature = "batch")]
    /// The leads `from..to` of a lead set, scored at `now` (the package asks in
    /// parts, as it sends lists).
    #[wasm_bindgen(js_name = scoreHeld)]
    pub fn score_held(&self, set: &WasmLeadSet, now: f64, from: usize, to: usize) -> Vec<u8> {
        outcome(now_of(now).map(|now| set.inner.score_range(&self.inner, now, from..to)).map_err(Failure::from))
    }

    #[cfg(feature = "batch")]
    /// [`WasmEngine::score_held`] without the explanations.
    #[wasm_bindgen(js_name = qualifyHeld)]
    pub fn qualify_held(&self, set: &WasmLeadSet, now: f64, from: usize, to: usize) -> Vec<u8> {
        outcome(now_of(now).map(|now| set.inner.qualify_range(&self.inner, now, from..to)).map_err(Failure::from))
    }
}

#[cfg(feature = "batch")]
impl WasmEngine {
    /// One lead read and scored by `score` (`Engine::score_raw` or `qualify_raw`).
    fn one<T>(
        &self,
        bytes: &[u8],
        now: f64,
        score: fn(&Engine, RawLead, i64) -> Result<T, InputError>,
    ) -> Result<T, Failure> {
        let now = now_of(now)?;
        CallLimits::check_input(bytes.len(), "", "the lead")?;
        let fields = self.inner.lead_fields();
        let raw = read_all(bytes, |r| crate::wire::read_lead(r, MAX_EVENTS_PER_CALL, fields))
            .map_err(|e| crate::wire::input_error(e.to_string(), "", "the lead", "invalid"))?;
        Ok(score(&self.inner, raw, now)?)
    }

    /// Each lead of a list scored by `score`, within the call's steps.
    fn many<T>(
        &self,
        leads: &[u8],
        now: f64,
        first: bool,
        score: fn(&Engine, RawLead, i64) -> Result<T, InputError>,
    ) -> Result<Vec<T>, Failure> {
        let now = now_of(now)?;
        let raw = read_leads(leads, self.inner.lead_fields())?;
        if first {
            LIST_START.set(leadscore_rules::meter::steps());
        }
        let start = LIST_START.get();
        let mut results = Vec::with_capacity(raw.len());
        for (i, lead) in raw.into_iter().enumerate() {
            if !first || i > 0 {
                CallLimits::check_steps(start).map_err(|e| e.in_list(i))?;
            }
            results.push(score(&self.inner, lead, now).map_err(|e| e.in_list(i))?);
        }
        Ok(results)
    }
}

#[cfg(feature = "compiler")]
fn compile(bytes: &[u8]) -> Result<Engine, RuleSetError> {
    let one = |e: InputError| RuleSetError { problems: vec![e.problem] };
    CallLimits::check_input(bytes.len(), "", "the rule set").map_err(one)?;
    let read =
        read_all(bytes, |r| crate::wire::read_rule_set(r)).map_err(|e| one(unreadable("", "the rule set", &e)))?;
    Engine::compile_read(read)
}

/// A list of leads from `codec.js`, each read keeping what `fields` names.
#[cfg(feature = "batch")]
pub(crate) fn read_leads(bytes: &[u8], fields: &LeadFields) -> Result<Vec<RawLead>, InputError> {
    CallLimits::check_input(bytes.len(), "", "the list of leads")?;
    read_all(bytes, |r| crate::wire::read_leads(r, MAX_EVENTS_PER_CALL, fields))
        .map_err(|e| crate::wire::input_error(e.to_string(), "", "the list of leads", "invalid"))?
        .map_err(|t| InputError::new("", "wrongType", format!("leads must be a list of leads, not {t}")))
}
