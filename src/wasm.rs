//! The WebAssembly binding (`--features wasm`): a thin translation between
//! JavaScript values and the core API. No scoring logic lives here.
//!
//! Data crosses the boundary as MessagePack bytes. The package's JavaScript
//! (`pkg-template/codec.js`) walks an argument once, with `JSON.stringify`'s rules
//! (`toJSON`, dropped `undefined`, `NaN` as null, cycles refused), into bytes that
//! `crate::msgpack` reads here through the same serde visitors that read JSON text
//! natively; results go back the same way and become plain objects. One copy each
//! way, no JSON text printed or parsed on either side, and `score(lead)` and
//! `scoreJson(JSON.stringify(lead))` read the same data. The generated TypeScript
//! (`unchecked_param_type`) describes the methods as the package exports them,
//! after `pkg-template/common.js` has wrapped them with the codec.
//!
//! Every failure comes back as a thrown JS `Error` carrying data: `name` is
//! `"InputError"` (with `path`, `code` and `problems`) or `"RuleSetError"` (with
//! `problems`). Nothing here panics, and nothing here lets a JS exception unwind
//! through Rust frames: every call into JS is one that reports failure as a value.

use crate::history::{HISTORY_LIMIT, MAX_EVENTS_PER_CALL};
use crate::msgpack;
use crate::wire::RawLead;
use crate::{Engine, Event, InputError, LeadSet, Problem, RuleSetError, Session, Tracked};
use js_sys::{Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::rc::Rc;
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

/** A score and stage without the explanation (`qualify`): the same figures as the `ScoreResult`. */
export interface Qualification {
    /** The lead's id (batch) or the session's subject, when known. */
    leadId?: string;
    total: number;
    fit: number;
    engagement: number;
    stage: Stage;
    grade: "A" | "B" | "C" | "D";
    level: 1 | 2 | 3 | 4;
    /** Grade and level together: "A1" … "D4". */
    matrix: string;
    band: string;
    disqualified: boolean;
}

/** A score with its explanation (`score`): a `Qualification` and why. */
export interface ScoreResult extends Qualification {
    rulesetId: string;
    rulesetVersion: string;
    now: number;
    stageReason: string;
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

/** `track`'s answer: the event's fate, and the transitions it caused with the watched engines. */
export interface TrackResult {
    tracked: Tracked;
    transitions: Transition[];
}
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
        format!("the string {}", crate::error::quoted(&shown))
    } else {
        let t = v.js_typeof().as_string().unwrap_or_default();
        match t.as_str() {
            "object" => "an object".into(),
            "number" => format!("the number {}", number_text(v)),
            other => format!("a {other}"),
        }
    }
}

/// A number as JavaScript shows it (`NaN`, `1.5`, `1e21`), by JavaScript itself:
/// formatting floats here would pull Rust's float printing into the module.
fn number_text(v: &JsValue) -> String {
    v.unchecked_ref::<js_sys::Number>().to_string_with_radix(10).map(String::from).unwrap_or_else(|_| "a number".into())
}

/// Reads one whole value from bytes that `codec.js` wrote.
fn read_all<'b, T>(
    bytes: &'b [u8],
    read: impl FnOnce(&mut msgpack::Reader<'b>) -> Result<T, msgpack::Error>,
) -> Result<T, msgpack::Error> {
    let mut reader = msgpack::Reader::new(bytes);
    let value = read(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Bytes that `codec.js` wrote and that do not read back: only a call that
/// bypassed the package's wrappers can send them.
fn unreadable(path: &str, what: &str, e: &msgpack::Error) -> InputError {
    InputError::new(path, "invalid", format!("{what} could not be read: {e}"))
}

/// Reads bytes from `codec.js` as JSON data.
fn json_value(bytes: &[u8], path: &str, what: &str) -> Result<Value, InputError> {
    read_all(bytes, |r| Value::deserialize(r)).map_err(|e| unreadable(path, what, &e))
}

/// A list of leads from `codec.js`, each read keeping what `fields` names.
fn read_leads(bytes: &[u8], fields: &crate::wire::LeadFields) -> Result<Vec<RawLead>, JsValue> {
    read_all(bytes, |r| crate::wire::read_leads(r, MAX_EVENTS_PER_CALL, fields))
        .map_err(|e| input_error(&unreadable("", "the list of leads", &e)))?
        .map_err(|t| input("", "wrongType", format!("leads is a list of leads, not {t}")))
}

/// Hands a result to `codec.js`.
fn to_bytes<T: Serialize>(v: &T) -> Result<Vec<u8>, JsValue> {
    msgpack::to_vec(v).map_err(|e| input("", "internal", format!("the result could not be written: {e}")))
}

/// `now`: a whole number of milliseconds since the epoch, within the range of a Date.
/// It crosses as an f64, so reading it costs no call back into JavaScript (a tenth
/// of a `track`); `common.js` refuses what is not a number before the crossing
/// would turn it into one.
fn now_of(now: f64) -> Result<i64, JsValue> {
    if !now.is_finite() || now.fract() != 0.0 || now.abs() > MAX_NOW_MS {
        return Err(input(
            "now",
            "invalidTimestamp",
            format!(
                "now is {}: it must be a whole number of milliseconds since the epoch, within ±8.64e15",
                number_text(&JsValue::from_f64(now))
            ),
        ));
    }
    Ok(now as i64)
}

fn text_of(v: &JsValue, path: &str, what: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| input(path, "wrongType", format!("{what} is text, not {}", js_kind(v))))
}

// ---------------------------------------------------------------------------
// Engine

/// A compiled rule set. Scoring never changes it; one engine serves any number of
/// leads and sessions.
#[wasm_bindgen(js_name = Engine)]
pub struct WasmEngine {
    /// Shared with the sessions that watch it, so that freeing the JS object
    /// while a session still watches it is safe.
    inner: Rc<Engine>,
}

#[wasm_bindgen(js_class = Engine)]
impl WasmEngine {
    /// Compiles a rule set given as JSON text or as a plain object. A bad rule set
    /// throws a `RuleSetError` whose `problems` lists every problem with its path.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "RuleSet | string")] ruleset: &[u8],
    ) -> Result<WasmEngine, JsValue> {
        Self::compile(ruleset)
    }

    /// Compiles a rule set from JSON text.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(#[wasm_bindgen(unchecked_param_type = "string")] ruleset: &[u8]) -> Result<WasmEngine, JsValue> {
        Self::compile(ruleset)
    }

    fn compile(bytes: &[u8]) -> Result<WasmEngine, JsValue> {
        crate::ruleset::check_size(bytes.len()).map_err(|e| rule_set_error(&e))?;
        let value = json_value(bytes, "", "the rule set")
            .map_err(|e| rule_set_error(&RuleSetError { problems: vec![e.problem] }))?;
        Engine::from_value(&value).map(|inner| WasmEngine { inner: Rc::new(inner) }).map_err(|e| rule_set_error(&e))
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
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        to_bytes(&self.score_lead(lead, now, Engine::score_raw)?)
    }

    /// Scores a lead given as JSON text; returns the result as JSON text.
    // (`common.js` parses the text and writes the result; this takes and gives the
    // bytes. Plain comments like this one stay out of the generated declarations.)
    #[wasm_bindgen(js_name = scoreJson, unchecked_return_type = "string")]
    pub fn score_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] lead: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        self.score(lead, now)
    }

    /// One lead read and scored by `score` (`Engine::score_raw` or `qualify_raw`),
    /// for `score` and `qualify` (as `score_leads` is for a batch).
    fn score_lead<T>(
        &self,
        bytes: &[u8],
        now: f64,
        score: fn(&Engine, RawLead, i64) -> Result<T, InputError>,
    ) -> Result<T, JsValue> {
        let now = now_of(now)?;
        let raw = read_all(bytes, |r| crate::wire::read_lead(r, MAX_EVENTS_PER_CALL, self.inner.lead_fields()))
            .map_err(|e| input_error(&unreadable("", "the lead", &e)))?;
        score(&self.inner, raw, now).map_err(|e| input_error(&e))
    }

    /// Scores a list of leads in one call: the same results as `score` on each.
    /// A lead that is not a lead throws, with its index in the error's path. A
    /// `LeadSet` in place of the list scores the leads it holds, with no reading.
    #[wasm_bindgen(js_name = scoreMany, unchecked_return_type = "ScoreResult[]")]
    pub fn score_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Lead[] | LeadSet")] leads: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        to_bytes(&self.score_leads(leads, now, Engine::score_raw)?)
    }

    /// Scores one lead and gives its score and stage without the explanation:
    /// the same figures as `score`, lighter to return.
    #[wasm_bindgen(unchecked_return_type = "Qualification")]
    pub fn qualify(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Lead")] lead: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        to_bytes(&self.score_lead(lead, now, Engine::qualify_raw)?)
    }

    /// `qualify` for a list of leads in one call (a backtest, an edge batch), or for
    /// the leads a `LeadSet` holds.
    #[wasm_bindgen(js_name = qualifyMany, unchecked_return_type = "Qualification[]")]
    pub fn qualify_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Lead[] | LeadSet")] leads: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        to_bytes(&self.score_leads(leads, now, Engine::qualify_raw)?)
    }

    /// `scoreMany` of the leads of a `LeadSet` from `from` to `to` (`common.js`
    /// asks in parts, as it sends lists).
    #[wasm_bindgen(js_name = __scoreHeld, skip_typescript)]
    pub fn score_held(&self, set: &WasmLeadSet, now: f64, from: usize, to: usize) -> Result<Vec<u8>, JsValue> {
        to_bytes(&set.inner.score_range(&self.inner, now_of(now)?, from..to))
    }

    /// `qualifyMany` of the leads of a `LeadSet` from `from` to `to`.
    #[wasm_bindgen(js_name = __qualifyHeld, skip_typescript)]
    pub fn qualify_held(&self, set: &WasmLeadSet, now: f64, from: usize, to: usize) -> Result<Vec<u8>, JsValue> {
        to_bytes(&set.inner.qualify_range(&self.inner, now_of(now)?, from..to))
    }

    /// Each lead of a batch scored by `score`.
    fn score_leads<T>(
        &self,
        leads: &[u8],
        now: f64,
        score: fn(&Engine, RawLead, i64) -> Result<T, InputError>,
    ) -> Result<Vec<T>, JsValue> {
        let now = now_of(now)?;
        let raw = read_leads(leads, self.inner.lead_fields())?;
        raw.into_iter()
            .enumerate()
            .map(|(i, lead)| score(&self.inner, lead, now).map_err(|e| input_error(&e.in_list(i))))
            .collect()
    }

    /// `scoreMany` over JSON text: a JSON list of leads in, a JSON list of results out.
    // (`common.js` parses and writes the text, as for `scoreJson`.)
    #[wasm_bindgen(js_name = scoreManyJson, unchecked_return_type = "string")]
    pub fn score_many_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] leads: &[u8],
        now: f64,
    ) -> Result<Vec<u8>, JsValue> {
        self.score_many(leads, now)
    }
}

// ---------------------------------------------------------------------------
// LeadSet

/// Bytes a held lead takes in the module per byte it took to send (the peers'
/// leads: 12 MB sent, 45 MB held).
const HELD_PER_SENT_BYTE: usize = 4;

/// Has the allocator take `bytes` from the host in one step, and keep them free for
/// what comes next; when that made the module's memory grow, it takes half as much
/// again as the memory had, so that a set added to in many small lists grows its
/// memory a handful of times, not once per list. Left to itself the allocator grows
/// memory 64 KiB at a time, and in Node each growth past the first tens of MB set
/// off a full garbage collection of the JavaScript heap: a second set of 10,000
/// leads took 3.4 s to build instead of 0.13 s, and one added to 100 leads at a time
/// 1.6 s. (WebAssembly memory never shrinks; what is freed here stays the
/// allocator's, and pages nothing writes to take no memory from the system.)
fn make_room(bytes: usize) {
    let before = memory_bytes();
    if !reserve(bytes) || memory_bytes() == before {
        return;
    }
    reserve(bytes.saturating_add(before / 2));
}

/// Allocates `bytes` and frees them: whether the allocator could.
fn reserve(bytes: usize) -> bool {
    let mut room: Vec<u8> = Vec::new();
    let got = room.try_reserve_exact(bytes).is_ok();
    // Kept from the optimizer, which may drop an allocation nothing uses.
    std::hint::black_box(&mut room);
    got
}

/// The size of the module's memory.
fn memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size::<0>().saturating_mul(65_536);
    #[cfg(not(target_arch = "wasm32"))]
    return 0;
}

/// Leads read and checked once, held in the module to be scored with any number of
/// rule sets: pass the set to `engine.scoreMany` or `engine.qualifyMany` in place of
/// a list (a backtest run again after each edit of the rules, two definitions
/// compared on the same leads). Each result is the one `score` gives the lead.
/// `free()` it (or a `using` block) to give its memory back.
#[wasm_bindgen(js_name = LeadSet)]
pub struct WasmLeadSet {
    inner: LeadSet,
}

#[wasm_bindgen(js_class = LeadSet)]
impl WasmLeadSet {
    /// Holds `leads` (`[]` for an empty set, to `add` to later); a lead that is not
    /// a lead throws, with its index in the path.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Lead[]")] leads: &[u8]) -> Result<WasmLeadSet, JsValue> {
        let mut set = WasmLeadSet { inner: LeadSet::new() };
        set.add(leads)?;
        Ok(set)
    }

    /// Adds leads after those held. All or none: a lead that is not a lead throws,
    /// with its index in `leads` in the path, and the set stays as it was.
    pub fn add(&mut self, #[wasm_bindgen(unchecked_param_type = "Lead[]")] leads: &[u8]) -> Result<(), JsValue> {
        make_room(leads.len().saturating_mul(HELD_PER_SENT_BYTE));
        let raw = read_leads(leads, &crate::wire::LeadFields::ALL)?;
        self.inner.add_raw(raw).map_err(|e| input_error(&e))
    }

    /// How many leads the set holds (at most 1,000,000).
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// How many events the set holds, across its leads (at most 2,000,000).
    #[wasm_bindgen(getter)]
    pub fn events(&self) -> usize {
        self.inner.events()
    }

    /// Keeps the first `len` leads: `common.js` undoes an `add` that failed in a
    /// later part of a long list.
    #[wasm_bindgen(js_name = __truncate, skip_typescript)]
    pub fn truncate(&mut self, len: usize) {
        self.inner.truncate(len);
    }
}

// ---------------------------------------------------------------------------
// Session

thread_local! {
    /// What `common.js` writes for `track` (see `WasmSession::input_room`): kept from
    /// call to call.
    static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One visitor's profile and events, observed one event at a time; remembers which
/// stage transitions it has reported. Save it with `save()`, bring it back with
/// `Session.restore(text)`.
#[wasm_bindgen(js_name = Session)]
pub struct WasmSession {
    inner: Session,
    /// The engines `track` evaluates with (`watch`); not part of saved state.
    watched: Vec<Rc<Engine>>,
    /// The transitions of the last `track`, written for `__takeTransitions`.
    transitions: Vec<u8>,
    /// The error of the last `track`, for `__takeError`.
    error: Option<JsValue>,
}

impl WasmSession {
    /// `inner` as the package hands it out: no engine watched, nothing pending.
    fn wrapping(inner: Session) -> WasmSession {
        WasmSession { inner, watched: Vec::new(), transitions: Vec::new(), error: None }
    }

    /// A session from saved state, however it arrived (text or bytes).
    fn restored(state: crate::wire::RawState) -> Result<WasmSession, JsValue> {
        Session::restore_raw(state).map(WasmSession::wrapping).map_err(|e| input_error(&e))
    }

    /// `track` for the event `common.js` wrote into the input room: what became of it.
    fn track_input(&mut self, len: usize, now: f64) -> Result<u32, JsValue> {
        let now = now_of(now)?;
        // Read into an event, or a problem, before anything calls into JavaScript
        // (making an `Error` does): nothing else runs while the input is borrowed.
        let event = INPUT
            .try_with(|input| {
                let bytes = input.try_borrow().ok();
                let bytes = bytes.as_ref().and_then(|b| b.get(..len)).unwrap_or_default();
                let raw = read_all(bytes, |r| crate::wire::read_event(r))
                    .map_err(|e| unreadable("event", "the event", &e))?;
                Event::from_raw(raw, "event")
            })
            .map_err(|_| input("event", "internal", "the event could not be read"))?
            .map_err(|e| input_error(&e))?;
        let result = self.inner.track_and_evaluate(event, now, &self.watched).map_err(|e| input_error(&e))?;
        let tracked = match result.tracked {
            Tracked::Added => 0,
            Tracked::Duplicate => 1,
            Tracked::AddedDroppingOldest => 2,
        };
        if result.transitions.is_empty() {
            return Ok(tracked);
        }
        self.transitions = to_bytes(&result.transitions)?;
        Ok(tracked | 4)
    }
}

#[wasm_bindgen(js_class = Session)]
impl WasmSession {
    /// A new, anonymous session; `id` names the visitor (a cookie or device id).
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Result<WasmSession, JsValue> {
        Session::new(text_of(&id, "id", "the session id")?).map(WasmSession::wrapping).map_err(|e| input_error(&e))
    }

    /// Brings back a session from the text `save()` wrote.
    pub fn restore(#[wasm_bindgen(unchecked_param_type = "string")] saved: &[u8]) -> Result<WasmSession, JsValue> {
        crate::session::check_state_size(saved.len()).map_err(|e| input_error(&e))?;
        let state = read_all(saved, |r| crate::wire::read_state(r, HISTORY_LIMIT))
            .map_err(|e| input_error(&unreadable("", "saved state", &e)))?;
        WasmSession::restored(state)
    }

    /// Brings back a session from the bytes `saveBytes()` wrote.
    #[wasm_bindgen(js_name = restoreBytes)]
    pub fn restore_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] saved: &[u8],
    ) -> Result<WasmSession, JsValue> {
        crate::session::check_state_size(saved.len()).map_err(|e| input_error(&e))?;
        let state = read_all(saved, |r| crate::wire::read_state(r, HISTORY_LIMIT))
            .map_err(|e| input("", "invalidState", format!("saved state is not what saveBytes() writes: {e}")))?;
        WasmSession::restored(state)
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
    pub fn update_profile(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Profile")] patch: &[u8],
    ) -> Result<(), JsValue> {
        let patch = json_value(patch, "profile", "the profile").map_err(|e| input_error(&e))?;
        self.inner.update_profile_owned(patch).map_err(|e| input_error(&e))
    }

    /// Has `track` evaluate the session with this engine after every event and
    /// return the stage transitions (once each). Watching the same rule set
    /// (`id@version`) again replaces the engine watched for it.
    pub fn watch(&mut self, engine: &WasmEngine) {
        match self.watched.iter_mut().find(|w| w.key == engine.inner.key) {
            Some(slot) => *slot = Rc::clone(&engine.inner),
            None => self.watched.push(Rc::clone(&engine.inner)),
        }
    }

    /// Stops evaluating with this engine's rule set on `track`.
    pub fn unwatch(&mut self, engine: &WasmEngine) {
        self.watched.retain(|w| w.key != engine.inner.key);
    }

    /// Records an event, then evaluates the session at `now` with every watched
    /// engine: `{tracked, transitions}`. `now` also refuses events from the far future.
    //
    // `common.js` writes the event's bytes into the module's input room
    // (`__inputRoom`) and passes their length: a tracked event costs no allocation
    // and no free for its bytes, which the generated glue makes for a `&[u8]`. It
    // builds `{tracked, transitions}` from the number this returns: what became of the
    // event (0 added, 1 duplicate, 2 added dropping the oldest), plus 4 when there are
    // transitions, which `__takeTransitions` then hands over, or 8 alone for an error,
    // which `__takeError` hands over. Most events cause neither, and then nothing is
    // written, copied out or decoded, and the answer is one number (a `Result` would
    // come back as three, in an array V8 makes for each call). Per event in Node:
    // 1.4 -> 0.96 µs for the transitions; on the peers' events (2026-11-25), the call
    // itself 0.37 -> 0.33 µs for one number, and with the room the watched loop 3-6%
    // less (BENCHMARKS.md, "The watched `track`").
    #[wasm_bindgen(unchecked_return_type = "TrackResult")]
    pub fn track(
        &mut self,
        #[wasm_bindgen(js_name = "event", unchecked_param_type = "LeadEvent")] len: usize,
        now: f64,
    ) -> u32 {
        self.transitions.clear();
        match self.track_input(len, now) {
            Ok(code) => code,
            Err(e) => {
                self.error = Some(e);
                8
            }
        }
    }

    /// The error of the last `track`, once (`common.js` throws it).
    #[wasm_bindgen(js_name = __takeError, skip_typescript)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().unwrap_or(JsValue::UNDEFINED)
    }

    /// Room for `len` bytes of input to `track`, grown or shrunk to that: its
    /// address in the module's memory, valid until room is asked for again; 0 when
    /// the memory cannot hold that much (the room is then left as it was).
    #[wasm_bindgen(js_name = __inputRoom, skip_typescript)]
    pub fn input_room(len: usize) -> usize {
        INPUT
            .try_with(|input| {
                input.try_borrow_mut().map_or(0, |mut bytes| {
                    // Reserved first, so that a size the memory cannot hold is refused
                    // rather than aborting the module.
                    let more = len.saturating_sub(bytes.len());
                    if bytes.try_reserve_exact(more).is_err() {
                        return 0;
                    }
                    bytes.resize(len, 0);
                    bytes.shrink_to(len);
                    bytes.as_ptr() as usize
                })
            })
            .unwrap_or(0)
    }

    /// Whether the module's memory can make room for `len` bytes: reserved and given
    /// back at once. `common.js` asks before it hands the generated glue a large
    /// input, whose own allocation would abort the module where the memory cannot
    /// grow; asked for twice the input, so that what reading it keeps fits too. Room
    /// once made stays: WebAssembly memory never shrinks, and the allocator keeps
    /// what is given back.
    #[wasm_bindgen(js_name = __canHold, skip_typescript)]
    pub fn can_hold(len: usize) -> bool {
        let mut room = Vec::<u8>::new();
        let held = room.try_reserve_exact(len).is_ok();
        // The compiler may drop an allocation nothing reads, and answer yes.
        std::hint::black_box(room.as_mut_ptr());
        held
    }

    /// The module's memory, which `common.js` writes input into.
    #[wasm_bindgen(js_name = __memory, skip_typescript)]
    pub fn memory() -> JsValue {
        wasm_bindgen::memory()
    }

    /// The transitions of the last `track`, once (`common.js` calls it).
    #[wasm_bindgen(js_name = __takeTransitions, skip_typescript)]
    pub fn take_transitions(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.transitions)
    }

    /// Scores the session at `now` and reports each stage transition the first time
    /// it happens.
    #[wasm_bindgen(unchecked_return_type = "Evaluation")]
    pub fn evaluate(&mut self, engine: &WasmEngine, now: f64) -> Result<Vec<u8>, JsValue> {
        let now = now_of(now)?;
        to_bytes(&self.inner.evaluate(&engine.inner, now))
    }

    /// Scores the session at `now` without changing it.
    #[wasm_bindgen(unchecked_return_type = "ScoreResult")]
    pub fn score(&self, engine: &WasmEngine, now: f64) -> Result<Vec<u8>, JsValue> {
        let now = now_of(now)?;
        to_bytes(&self.inner.score(&engine.inner, now))
    }

    /// The session's score and stage at `now` without the explanation (a live score
    /// on the page): the figures of `score`, lighter to return. Changes nothing.
    #[wasm_bindgen(unchecked_return_type = "Qualification")]
    pub fn qualify(&self, engine: &WasmEngine, now: f64) -> Result<Vec<u8>, JsValue> {
        let now = now_of(now)?;
        to_bytes(&self.inner.qualify(&engine.inner, now))
    }

    /// The stage this session last reached with the engine's rule set and version.
    #[wasm_bindgen(unchecked_return_type = "Stage")]
    pub fn stage(&self, engine: &WasmEngine) -> String {
        self.inner.stage(&engine.inner).as_str().to_string()
    }

    /// The session's state as compact JSON text, for `Session.restore`.
    #[wasm_bindgen(unchecked_return_type = "string")]
    pub fn save(&self) -> Result<Vec<u8>, JsValue> {
        to_bytes(&self.inner)
    }

    /// The session's state as bytes (the same data as `save()`, in MessagePack), for
    /// `Session.restoreBytes`: for a store that keeps bytes (Workers KV, a cache),
    /// with no JSON text to write and parse on each request.
    // (The bytes `save` hands to `common.js`, which writes them as JSON text.)
    #[wasm_bindgen(js_name = saveBytes)]
    pub fn save_bytes(&self) -> Result<Vec<u8>, JsValue> {
        self.save()
    }

    /// Folds another session (say, a visitor's anonymous history) into this one.
    pub fn merge(&mut self, other: &WasmSession) {
        self.inner.merge(&other.inner);
    }
}
