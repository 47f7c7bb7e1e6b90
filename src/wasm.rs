//! The WebAssembly binding (`--features wasm`): a thin translation between
//! JavaScript values and the core API. No scoring logic lives here.
//!
//! Values cross the boundary as JSON: an argument is turned into JSON text by the
//! host's `JSON.stringify` (which refuses cycles and BigInts with a clear message),
//! read by `serde_json`, and a result is written as JSON text and handed back through
//! `JSON.parse`. One crossing per call, and the same reading as a JSON string would
//! get, so `score(lead)` and `scoreJson(JSON.stringify(lead))` cannot disagree.
//!
//! Every failure comes back as a thrown JS `Error` carrying data: `name` is
//! `"InputError"` (with `path`, `code` and `problems`) or `"RuleSetError"` (with
//! `problems`). Nothing here panics, and nothing here lets a JS exception unwind
//! through Rust frames: every call into JS is one that reports failure as a value.

use crate::{Engine, InputError, Problem, RuleSetError, Session};
use js_sys::{Array, Object, Reflect, JSON};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// Instants `now` may name: the range of a JavaScript `Date`.
const MAX_NOW_MS: f64 = crate::time::MAX_INSTANT_MS as f64;

// ---------------------------------------------------------------------------
// TypeScript: the shapes of the JSON that crosses the boundary, kept by hand in
// step with docs/RULESET.md and the core's `Serialize` types (tests/js checks the
// result shapes against real output).

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Milliseconds since the epoch, or RFC 3339 text such as "2026-11-20T09:30:00Z". */
export type Instant = number | string;
/** A duration: a whole number and a unit, like "90s", "30m", "36h", "7d", "2w". */
export type Duration = string;
export type Scalar = string | number | boolean;

/** A condition on a profile field or an event property (dotted paths reach into objects). */
export type Condition =
    | { all: Condition[] }
    | { any: Condition[] }
    | { not: Condition }
    | FieldCondition;

/** `field` and exactly one operator. Text comparisons ignore case. */
export type FieldCondition = { field: string } & (
    | { equals: Scalar }
    | { in: Scalar[] }
    | { notIn: Scalar[] }
    | { contains: string | string[] }
    | { startsWith: string | string[] }
    | { endsWith: string | string[] }
    | { word: string | string[] }
    | { like: string | string[] }
    | { gt: number }
    | { gte: number }
    | { lt: number }
    | { lte: number }
    | { between: [number, number] }
    | { exists: boolean }
);

export type Recency = "none" | { halfLife?: Duration; expireAfter?: Duration };

export interface FitRule {
    id: string;
    description?: string;
    group?: string;
    points: number;
    when: Condition;
}

export interface EngagementRule {
    id: string;
    description?: string;
    group?: string;
    /** The event type, or a list of types, to match. */
    event: string | string[];
    /** A condition on the event's properties. */
    where?: Condition;
    points: number;
    cap?: number;
    once?: boolean;
    count?: { atLeast: number; within?: Duration };
    sum?: { property: string; atLeast: number; within?: Duration };
    recency?: Recency;
}

export type Disqualifier =
    | { id: string; description?: string; when: Condition }
    | { id: string; description?: string; event: string | string[]; where?: Condition };

export interface StageTrigger {
    event: string | string[];
    where?: Condition;
    atLeast?: number;
    within?: Duration;
}

export interface RuleSet {
    schema: "leadscore.ruleset/v1";
    id: string;
    version: string;
    description?: string;
    /** Declared event types and their property types; undeclared events are not scored. */
    events?: Record<string, Record<string, "string" | "number" | "boolean">>;
    groups?: Record<string, { cap?: number; description?: string }>;
    fit?: FitRule[];
    engagement?: EngagementRule[];
    recency?: Recency;
    total?: { max?: number; floorAtZero?: boolean };
    disqualifiers?: Disqualifier[];
    stages?: {
        mql?: { threshold: number; minFit?: number; minEngagement?: number };
        sql?: { threshold?: number; on?: StageTrigger[] };
        pql?: { on: StageTrigger[]; minFit?: number };
        recycle?: boolean;
    };
    grades?: { fit?: [number, number, number]; engagement?: [number, number, number] };
    bands?: { name: string; atLeast?: number }[];
    anonymousHistory?: "count" | "ignore";
}

/** A lead's fields, as the fit rules read them. */
export type Profile = Record<string, unknown>;

/** One event: every key besides `type`, `ts` and `id` is a property. A `Date` as `ts` is sent as its ISO text. */
export interface LeadEvent {
    type: string;
    ts: Instant | Date;
    id?: string;
    [property: string]: unknown;
}

export interface Lead {
    id?: string | number | null;
    profile?: Profile | null;
    events?: LeadEvent[] | null;
}

export type Stage = "none" | "mql" | "pql" | "sql";

export interface Problem {
    /** Where, as a JSON path such as `engagement[2].where.in`; "" for the whole input. */
    path: string;
    /** A stable code such as "unknownKey" or "wrongType". */
    code: string;
    message: string;
}

export interface Contribution {
    /** The rule's id, or the group's name for a group cap. */
    id: string;
    kind: "fit" | "engagement" | "groupCap" | "totalMax" | "floor";
    group?: string;
    description?: string;
    points: number;
    /** Events that matched (engagement rules only). */
    matched?: number;
    /** Present (true) when the rule's cap took points away. */
    capped?: true;
}

export type SkipReason =
    | "afterNow" | "unknownType" | "wrongPropertyType" | "anonymousHistory"
    | "invalid" | "duplicate" | "overHistoryLimit";

export interface ScoreResult {
    /** The lead's id (batch) or the session's subject, when known. */
    leadId?: string;
    rulesetId: string;
    rulesetVersion: string;
    now: number;
    total: number;
    fit: number;
    engagement: number;
    stage: Stage;
    stageReason: string;
    grade: "A" | "B" | "C" | "D";
    level: 1 | 2 | 3 | 4;
    /** Grade and level together: "A1" … "D4". */
    matrix: string;
    band: string;
    disqualified: boolean;
    disqualifications?: { id: string; description?: string }[];
    /** Every rule that fired and every limit that bit; the points add up to `total`. */
    contributions: Contribution[];
    events: {
        scored: number;
        skipped?: Partial<Record<SkipReason, number>>;
        /** The first few events refused as invalid. */
        problems?: Problem[];
    };
}

export interface Transition {
    from: Stage;
    to: Stage;
    rulesetId: string;
    rulesetVersion: string;
    /** The lead id when known, else the session id. */
    subject: string;
    /** The `now` of the evaluation that saw the change. */
    at: number;
    /** The same wherever and however often the transition is computed: drop repeats with it. */
    idempotencyKey: string;
    reason: string;
    total: number;
    reasons: Contribution[];
}

export interface Evaluation {
    result: ScoreResult;
    transitions: Transition[];
}

/** What `track` did with an event. */
export type Tracked = "added" | "duplicate" | "addedDroppingOldest";
"#;

// ---------------------------------------------------------------------------
// Errors

fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting an own property of a fresh plain object or Error cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn problem_object(p: &Problem) -> JsValue {
    let o: JsValue = Object::new().into();
    set(&o, "path", &JsValue::from_str(&p.path));
    set(&o, "code", &JsValue::from_str(p.code));
    set(&o, "message", &JsValue::from_str(&p.message));
    o
}

fn problems_array(problems: &[Problem]) -> JsValue {
    problems.iter().map(problem_object).collect::<Array>().into()
}

/// An `Error` named `InputError` with `path`, `code` and `problems` (one entry).
fn input_error(e: &InputError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("InputError");
    let v: JsValue = err.into();
    set(&v, "path", &JsValue::from_str(&e.problem.path));
    set(&v, "code", &JsValue::from_str(e.problem.code));
    set(&v, "problems", &problems_array(std::slice::from_ref(&e.problem)));
    v
}

fn input(path: &str, code: &'static str, message: impl Into<String>) -> JsValue {
    input_error(&InputError::new(path, code, message))
}

/// An `Error` named `RuleSetError` with every problem in `problems`.
fn rule_set_error(e: &RuleSetError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("RuleSetError");
    let v: JsValue = err.into();
    set(&v, "problems", &problems_array(&e.problems));
    v
}

// ---------------------------------------------------------------------------
// Values in and out

/// How a JS value is named in messages: `undefined`, `null`, `a string`, …
fn js_kind(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if v.is_instance_of::<js_sys::Date>() {
        "a Date".into()
    } else if Array::is_array(v) {
        "a list".into()
    } else if let Some(s) = v.as_string() {
        let shown: String = s.chars().take(40).collect();
        format!("the string {}", Value::from(shown))
    } else {
        let t = v.js_typeof().as_string().unwrap_or_default();
        match t.as_str() {
            "object" => "an object".into(),
            "number" => format!("the number {}", number_text(v.as_f64().unwrap_or(f64::NAN))),
            other => format!("a {other}"),
        }
    }
}

// Messages show texts as JSON strings and numbers as JavaScript writes them, through
// serde_json (which the module has anyway), never with `{:?}` or `{}` on an `f64`:
// those would pull Rust's own float formatting and Debug escaping into the module.

/// A number as JavaScript shows it: `NaN`, `Infinity`, `1.5`, `42`, `1e21`.
fn number_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        let text = Value::from(f).to_string();
        match text.strip_suffix(".0") {
            Some(whole) => whole.to_string(),
            None => text,
        }
    }
}

/// The JSON text of a JS value, as `JSON.stringify` writes it. `what` names the
/// value in messages ("the lead", "the event").
fn json_text(v: &JsValue, path: &str, what: &str) -> Result<String, InputError> {
    if v.is_undefined() {
        return Err(InputError::new(path, "missing", format!("{what} is undefined")));
    }
    let text = JSON::stringify(v).map_err(|e| {
        let why = e.dyn_ref::<js_sys::Error>().and_then(|e| e.message().as_string()).unwrap_or_else(|| "JSON.stringify refused it".into());
        InputError::new(path, "notJson", format!("{what} cannot be written as JSON: {why}"))
    })?;
    text.as_string().ok_or_else(|| InputError::new(path, "notJson", format!("{what} is {}, which has no JSON form", js_kind(v))))
}

/// Reads a JS value as JSON data.
fn json_value(v: &JsValue, path: &str, what: &str) -> Result<Value, JsValue> {
    let text = json_text(v, path, what).map_err(|e| input_error(&e))?;
    parse_json(&text, path, what)
}

fn parse_json(text: &str, path: &str, what: &str) -> Result<Value, JsValue> {
    serde_json::from_str(text).map_err(|e| input_error(&crate::error::json_error(&e, path, what)))
}

/// Hands a result to JS as a plain object.
fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsValue> {
    JSON::parse(&to_json(v)?)
}

fn to_json<T: Serialize>(v: &T) -> Result<String, JsValue> {
    serde_json::to_string(v).map_err(|e| input("", "internal", format!("the result could not be written as JSON: {e}")))
}

/// `now`: a whole number of milliseconds since the epoch, within the range of a Date.
fn now_of(v: &JsValue) -> Result<i64, JsValue> {
    let Some(f) = v.as_f64() else {
        let hint = if v.is_instance_of::<js_sys::Date>() { ": pass date.getTime()" } else { "" };
        return Err(input("now", "wrongType", format!("now is milliseconds since the epoch, a number like Date.now(), not {}{hint}", js_kind(v))));
    };
    if !f.is_finite() || f.fract() != 0.0 || f.abs() > MAX_NOW_MS {
        return Err(input("now", "invalidTimestamp", format!("now is {}: it must be a whole number of milliseconds since the epoch, within ±8.64e15", number_text(f))));
    }
    Ok(f as i64)
}

fn text_of(v: &JsValue, path: &str, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| input(path, "wrongType", format!("{what} is text, not {}", js_kind(v))))
}

/// Prefixes an error's path with the place of an item in a batch: `[3].events`.
fn in_batch(mut e: InputError, i: usize) -> InputError {
    let at = format!("[{i}]");
    e.problem.path = match e.problem.path.as_str() {
        "" => at,
        p if p.starts_with('[') => format!("{at}{p}"),
        p => format!("{at}.{p}"),
    };
    e
}

fn score_all(engine: &Engine, leads: Value, now: i64) -> Result<Vec<crate::ScoreResult>, JsValue> {
    let items = match leads {
        Value::Array(items) => items,
        other => return Err(input("", "wrongType", format!("leads is a list of leads, not {}", crate::value::type_name(&other)))),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, lead)| engine.score_owned(lead, now).map_err(|e| input_error(&in_batch(e, i))))
        .collect()
}

// ---------------------------------------------------------------------------
// Engine

/// A compiled rule set. Scoring never changes it; one engine serves any number of
/// leads and sessions.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    inner: Engine,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Compiles a rule set given as JSON text or as a plain object. A bad rule set
    /// throws a `RuleSetError` whose `problems` lists every problem with its path.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "RuleSet | string")] ruleset: JsValue) -> Result<WasmEngine, JsValue> {
        let text = match ruleset.as_string() {
            Some(text) => text,
            None => json_text(&ruleset, "", "the rule set")
                .map_err(|e| rule_set_error(&RuleSetError { problems: vec![e.problem] }))?,
        };
        Self::compile(&text)
    }

    /// Compiles a rule set from JSON text.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<WasmEngine, JsValue> {
        let text = text_of(&text, "", "the rule set's JSON").map_err(|_| {
            let problem = Problem::new("", "wrongType", format!("Engine.fromJson takes JSON text, not {}", js_kind(&text)));
            rule_set_error(&RuleSetError { problems: vec![problem] })
        })?;
        Self::compile(&text)
    }

    fn compile(text: &str) -> Result<WasmEngine, JsValue> {
        Engine::from_json(text).map(|inner| WasmEngine { inner }).map_err(|e| rule_set_error(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.inner.version().to_string()
    }

    #[wasm_bindgen(getter)]
    pub fn description(&self) -> Option<String> {
        self.inner.description().map(str::to_string)
    }

    /// Scores one lead at `now` (milliseconds since the epoch).
    #[wasm_bindgen(unchecked_return_type = "ScoreResult")]
    pub fn score(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(&now)?;
        let text = json_text(&lead, "", "the lead").map_err(|e| input_error(&e))?;
        let result = self.inner.score_json(&text, now).map_err(|e| input_error(&e))?;
        to_js(&result)
    }

    /// Scores a lead given as JSON text; returns the result as JSON text.
    #[wasm_bindgen(js_name = scoreJson)]
    pub fn score_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] lead: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<String, JsValue> {
        let now = now_of(&now)?;
        let text = text_of(&lead, "", "the lead's JSON")?;
        let result = self.inner.score_json(&text, now).map_err(|e| input_error(&e))?;
        to_json(&result)
    }

    /// Scores a list of leads in one call: the same results as `score` on each.
    /// A lead that is not a lead throws, with its index in the error's path.
    #[wasm_bindgen(js_name = scoreMany, unchecked_return_type = "ScoreResult[]")]
    pub fn score_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Lead[]")] leads: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(&now)?;
        let leads = json_value(&leads, "", "the list of leads")?;
        to_js(&score_all(&self.inner, leads, now)?)
    }

    /// `scoreMany` over JSON text: a JSON list of leads in, a JSON list of results out.
    #[wasm_bindgen(js_name = scoreManyJson)]
    pub fn score_many_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] leads: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<String, JsValue> {
        let now = now_of(&now)?;
        let text = text_of(&leads, "", "the leads' JSON")?;
        let leads = parse_json(&text, "", "the list of leads")?;
        to_json(&score_all(&self.inner, leads, now)?)
    }
}

// ---------------------------------------------------------------------------
// Session

/// One visitor's profile and events, observed one event at a time; remembers which
/// stage transitions it has reported. Save it with `save()`, bring it back with
/// `Session.restore(text)`.
#[wasm_bindgen(js_name = Session)]
pub struct WasmSession {
    inner: Session,
}

#[wasm_bindgen(js_class = Session)]
impl WasmSession {
    /// A new, anonymous session; `id` names the visitor (a cookie or device id).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Result<WasmSession, JsValue> {
        let inner = Session::new(text_of(&id, "id", "the session id")?).map_err(|e| input_error(&e))?;
        Ok(WasmSession { inner })
    }

    /// Brings back a session from the text `save()` wrote.
    pub fn restore(#[wasm_bindgen(unchecked_param_type = "string")] saved: JsValue) -> Result<WasmSession, JsValue> {
        let text = text_of(&saved, "", "saved state")?;
        Session::restore(&text).map(|inner| WasmSession { inner }).map_err(|e| input_error(&e))
    }

    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The lead id given to `identify`, if any.
    #[wasm_bindgen(getter, js_name = leadId)]
    pub fn lead_id(&self) -> Option<String> {
        self.inner.lead_id().map(str::to_string)
    }

    /// Marks the visitor as a known lead; events tracked from now on are not anonymous.
    pub fn identify(&mut self, #[wasm_bindgen(unchecked_param_type = "string")] lead: JsValue) -> Result<(), JsValue> {
        let lead = text_of(&lead, "leadId", "the lead id")?;
        self.inner.identify(&lead).map_err(|e| input_error(&e))
    }

    /// Sets profile fields: each key replaces the session's value (null removes it).
    #[wasm_bindgen(js_name = updateProfile)]
    pub fn update_profile(&mut self, #[wasm_bindgen(unchecked_param_type = "Profile")] patch: JsValue) -> Result<(), JsValue> {
        let patch = json_value(&patch, "profile", "the profile")?;
        self.inner.update_profile(&patch).map_err(|e| input_error(&e))
    }

    /// Records an event; `now` is used only to refuse events from the far future.
    #[wasm_bindgen(unchecked_return_type = "Tracked")]
    pub fn track(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "LeadEvent")] event: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = now_of(&now)?;
        let event = json_value(&event, "event", "the event")?;
        let tracked = self.inner.track_value(&event, now).map_err(|e| input_error(&e))?;
        to_js(&tracked)
    }

    /// Scores the session at `now` and reports each stage transition the first time
    /// it happens.
    #[wasm_bindgen(unchecked_return_type = "Evaluation")]
    pub fn evaluate(&mut self, engine: &WasmEngine, #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue) -> Result<JsValue, JsValue> {
        let now = now_of(&now)?;
        to_js(&self.inner.evaluate(&engine.inner, now))
    }

    /// Scores the session at `now` without changing it.
    #[wasm_bindgen(unchecked_return_type = "ScoreResult")]
    pub fn score(&self, engine: &WasmEngine, #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue) -> Result<JsValue, JsValue> {
        let now = now_of(&now)?;
        to_js(&self.inner.score(&engine.inner, now))
    }

    /// The stage this session last reached with the engine's rule set and version.
    #[wasm_bindgen(unchecked_return_type = "Stage")]
    pub fn stage(&self, engine: &WasmEngine) -> String {
        self.inner.stage(&engine.inner).as_str().to_string()
    }

    /// The session's state as compact JSON text, for `Session.restore`.
    pub fn save(&self) -> String {
        self.inner.save()
    }

    /// Folds another session (say, a visitor's anonymous history) into this one.
    pub fn merge(&mut self, other: &WasmSession) {
        self.inner.merge(&other.inner);
    }
}

