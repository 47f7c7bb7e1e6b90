//! Sessions: a lead's profile and event history, observed one event at a time,
//! scored at any `now` against any rule set, saved and restored, merged, and
//! remembering which stage transitions it has already reported.

mod saved;

pub use saved::check_state_size;

use crate::by_name::ByName;
use crate::engine::{check_profile, Engine};
use crate::error::InputError;
use crate::event::Event;
use crate::explain::{Contribution, EventTally, Qualification, ScoreResult, SkipReason};
use crate::history::{self, Insert};
use crate::score::{self, match_event, match_profile, EventMatch, Figures, Hits, Matches, ProfileMatch};
use crate::stages::Stage;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Borrow;

/// How far past the caller's `now` an event's time may lie (clock skew between a
/// browser and a server); later events are refused.
pub const MAX_FUTURE_SKEW_MS: i64 = crate::time::HOUR;
/// The version of saved session state this build writes and reads.
pub const STATE_VERSION: u32 = 1;
/// Largest saved state this build reads, in bytes of JSON text.
pub const MAX_STATE_BYTES: usize = 8 << 20;

/// Where a lead stands with one rule set (`id@version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Progress {
    pub stage: Stage,
    /// Times the lead was recycled to an earlier stage (only with `recycle`).
    #[serde(skip_serializing_if = "is_zero")]
    pub cycle: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A change of stage, reported once per lead per rule-set version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    pub from: Stage,
    pub to: Stage,
    pub ruleset_id: std::sync::Arc<str>,
    pub ruleset_version: std::sync::Arc<str>,
    /// The lead id when known, else the session id.
    pub subject: String,
    /// The `now` of the evaluation that saw the change.
    pub at: i64,
    /// The same for the same lead, rule set, version, stage and cycle, wherever and
    /// however often it is computed: use it to drop repeats upstream.
    pub idempotency_key: String,
    pub reason: String,
    pub total: crate::explain::Points,
    /// The rules that fired: why the lead moved.
    pub reasons: Vec<Contribution>,
}

/// A score and the transitions it caused.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub result: ScoreResult,
    pub transitions: Vec<Transition>,
}

/// What `track` did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Tracked {
    Added,
    /// An event with the same id was already tracked; nothing changed.
    Duplicate,
    /// Added; the oldest event was dropped to keep the history limit.
    AddedDroppingOldest,
}

/// What [`Session::track_and_evaluate`] did: the event's fate, and the stage
/// transitions it caused with the rule sets evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackResult {
    pub tracked: Tracked,
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    #[serde(rename = "v")]
    version: u32,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    profile: Map<String, Value>,

    events: Vec<Event>,
    /// Events dropped to keep the history limit, over the session's life.
    #[serde(skip_serializing_if = "is_zero")]
    dropped: u32,
    /// By rule set (`id@version`).
    #[serde(skip_serializing_if = "ByName::is_empty")]
    progress: ByName<Progress>,
    #[serde(skip)]
    kept: KeptMatches,
    #[serde(skip)]
    ids: HeldIds,
}

/// A hash of each held event's id, in the order of the history (0 for an event
/// without one), made at the first `track` of an event with an id: `track` looks
/// for a repeated id through these numbers instead of through the events' text
/// (natively, 1.87 -> 0.66 µs per watched track in a session of 500 events with
/// ids). Different ids can share a hash, so a hash found is confirmed against the
/// event; hashes that no longer line up with the history are made again. Not saved
/// and not part of a session's value.
#[derive(Debug, Clone, Default)]
struct HeldIds(Option<Vec<u64>>);

impl PartialEq for HeldIds {
    fn eq(&self, _: &HeldIds) -> bool {
        true
    }
}

impl HeldIds {
    /// Whether an event of `events` has the id `id`, whose hash is `hash`.
    fn holds(&mut self, id: &str, hash: u64, events: &[Event]) -> bool {
        let hashes = match &mut self.0 {
            Some(hashes) if hashes.len() == events.len() => hashes,
            made => made.insert(events.iter().map(|e| id_hash(e.id.as_deref())).collect()),
        };
        hashes.iter().zip(events).any(|(held, e)| *held == hash && e.id.as_deref() == Some(id))
    }

    /// An event whose id has the hash `hash` went into the history at `at`, and the
    /// oldest left when `dropped_oldest`.
    fn inserted(&mut self, at: usize, hash: u64, dropped_oldest: bool) {
        let Some(hashes) = &mut self.0 else { return };
        if at <= hashes.len() {
            hashes.insert(at, hash);
        }
        if dropped_oldest && !hashes.is_empty() {
            hashes.remove(0);
        }
    }
}

/// FNV-1a (64-bit) of an event's id; 0 for an event without one.
fn id_hash(id: Option<&str>) -> u64 {
    id.map_or(0, |id| fnv1a(FNV1A_START, id.as_bytes()))
}

/// Where FNV-1a (64-bit) starts.
const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64-bit) from `h` on, over `bytes`.
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Rule sets a session keeps event matches for at once (the engines a page watches).
const KEPT_RULE_SETS: usize = 4;

/// What the profile and each held event match under the last few rule sets the
/// session was evaluated with, by engine serial: evaluating again after one more
/// event then tests that event's filters only. `None` is what is not matched yet
/// (a new event, a changed profile). Not saved and not part of a session's value;
/// worked out again whenever it is missing.
#[derive(Debug, Clone, Default)]
struct KeptMatches(Vec<Kept>);

#[derive(Debug, Clone)]
struct Kept {
    serial: u64,
    /// One per held event, in the order of the history.
    events: Vec<Option<EventMatch>>,
    /// Every event before this one is matched: [`KeptMatches::fill`] starts here, so
    /// that a long history is not looked through on every `track`.
    unmatched_from: usize,
    profile: Option<ProfileMatch>,
    /// The matched events matching each engagement rule, then each stage trigger
    /// (see [`score::hit_slot`]): what [`score::stage_ceiling`] reads.
    hits: Vec<Hits>,
    /// The rule set's engagement rules: where its triggers' counts start in `hits`.
    rules: usize,
}

impl Kept {
    fn new(engine: &Engine, events: usize) -> Kept {
        let rules = engine.engagement.len();
        Kept {
            serial: engine.serial,
            events: vec![None; events],
            unmatched_from: 0,
            profile: None,
            hits: vec![Hits::default(); rules + engine.stages.trigger_count()],
            rules,
        }
    }

    /// Counts what an event at `ts` matches in `hits`, or (`None`) stops counting
    /// what the oldest event of the history matched.
    fn count(hits: &mut [Hits], rules: usize, m: &EventMatch, ts: Option<i64>) {
        m.for_each_hit_slot(rules, |slot| {
            if let Some(h) = hits.get_mut(slot) {
                match ts {
                    Some(ts) => h.add(ts),
                    None => h.drop_oldest(),
                }
            }
        });
    }
}

impl PartialEq for KeptMatches {
    fn eq(&self, _: &KeptMatches) -> bool {
        true
    }
}

impl KeptMatches {
    /// An event went into the history at `at`, and the oldest left when `dropped_oldest`.
    fn inserted(&mut self, at: usize, dropped_oldest: bool) {
        for Kept { events: kept, unmatched_from, hits, rules, .. } in &mut self.0 {
            if at <= kept.len() {
                kept.insert(at, None);
                *unmatched_from = (*unmatched_from).min(at);
            } else {
                kept.clear();
                *unmatched_from = 0;
                hits.fill(Hits::default());
            }
            if dropped_oldest && !kept.is_empty() {
                *unmatched_from = unmatched_from.saturating_sub(1);
                if let Some(gone) = kept.remove(0) {
                    Kept::count(hits, *rules, &gone, None);
                }
            }
        }
    }

    /// The profile changed.
    fn profile_changed(&mut self) {
        for kept in &mut self.0 {
            kept.profile = None;
        }
    }

    /// The matches kept for `engine` over `events`, when they line up with them.
    fn get(&self, engine: &Engine, events: &[Event]) -> Matches<'_> {
        match self.0.iter().find(|k| k.serial == engine.serial) {
            Some(k) if k.events.len() == events.len() => {
                Matches::Kept { events: &k.events, profile: k.profile.as_ref() }
            }
            _ => Matches::Live,
        }
    }

    /// Matches the profile and every event not matched yet for `engine`, keeping at
    /// most [`KEPT_RULE_SETS`] rule sets (the least recently added goes first). The
    /// first evaluation with a rule set only makes room (`at_once` false): a session
    /// restored to be evaluated once (an edge request) would not gain from keeping
    /// anything. A watched `track` matches at once (`at_once`): the matches may spare
    /// it the scoring, which would match every event anyway.
    /// Whether everything is matched.
    fn fill(&mut self, engine: &Engine, profile: &Map<String, Value>, events: &[Event], at_once: bool) -> bool {
        let at = match self.0.iter().position(|k| k.serial == engine.serial) {
            Some(at) => at,
            None => {
                if self.0.len() >= KEPT_RULE_SETS {
                    self.0.remove(0);
                }
                self.0.push(Kept::new(engine, events.len()));
                if !at_once {
                    return false;
                }
                self.0.len() - 1
            }
        };
        let Some(Kept { events: kept, unmatched_from, profile: kept_profile, hits, rules, .. }) = self.0.get_mut(at)
        else {
            return false;
        };
        if kept_profile.is_none() {
            *kept_profile = Some(match_profile(engine, profile));
        }
        if kept.len() != events.len() {
            kept.clear();
            kept.resize(events.len(), None);
            *unmatched_from = 0;
            hits.fill(Hits::default());
        }
        let from = (*unmatched_from).min(kept.len());
        for (slot, e) in kept.iter_mut().skip(from).zip(events.iter().skip(from)) {
            if slot.is_none() {
                let m = match_event(engine, e);
                Kept::count(hits, *rules, &m, Some(e.ts));
                *slot = Some(m);
            }
        }
        *unmatched_from = kept.len();
        true
    }

    /// [`score::stage_ceiling`] at `now` of what is kept for `engine`, once
    /// [`KeptMatches::fill`] has matched everything.
    fn ceiling(&self, engine: &Engine, now: i64) -> Option<Stage> {
        let kept = self.0.iter().find(|k| k.serial == engine.serial)?;
        let (rule_hits, trigger_hits) = kept.hits.split_at_checked(kept.rules)?;
        Some(score::stage_ceiling(engine, kept.profile.as_ref()?, rule_hits, trigger_hits, now))
    }
}

impl Session {
    /// A new, anonymous session. `id` names the visitor (a cookie or device id):
    /// 1 to 128 bytes.
    pub fn new(id: impl Into<String>) -> Result<Session, InputError> {
        let id = id.into();
        check_id(&id, "id", "the session id")?;
        Ok(Session {
            version: STATE_VERSION,
            id,
            lead: None,
            profile: Map::new(),
            events: Vec::new(),
            dropped: 0,
            progress: ByName::default(),
            kept: KeptMatches::default(),
            ids: HeldIds::default(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn lead_id(&self) -> Option<&str> {
        self.lead.as_deref()
    }

    pub fn profile(&self) -> &Map<String, Value> {
        &self.profile
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The lead id when known, else the session id.
    pub fn subject(&self) -> &str {
        self.lead.as_deref().unwrap_or(&self.id)
    }

    /// Marks the visitor as a known lead; events tracked from now on are not anonymous.
    pub fn identify(&mut self, lead_id: &str) -> Result<(), InputError> {
        check_id(lead_id, "leadId", "the lead id")?;
        self.lead = Some(lead_id.to_string());
        Ok(())
    }

    /// Sets profile fields: each key of `patch` replaces the session's value (null removes it).
    pub fn update_profile(&mut self, patch: &Value) -> Result<(), InputError> {
        self.update_profile_owned(patch.clone())
    }

    /// [`Session::update_profile`], taking the patch by value so that its fields move
    /// into the profile instead of being copied.
    pub fn update_profile_owned(&mut self, patch: Value) -> Result<(), InputError> {
        let patch = check_profile(patch, "profile")?;
        // Built afresh rather than cloned and edited: removing from a map would bring
        // the map's removal code (2 KB gzip) into the module for this one call.
        let mut next = Map::new();
        for (k, v) in &self.profile {
            if !patch.contains_key(k) {
                next.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in patch {
            if !v.is_null() {
                next.insert(k, v);
            }
        }
        self.profile = check_profile(Value::Object(next), "profile")?;
        self.kept.profile_changed();
        Ok(())
    }

    /// Records an event. `now` is the caller's clock, used only to refuse events
    /// more than [`MAX_FUTURE_SKEW_MS`] in its future.
    pub fn track(&mut self, mut event: Event, now: i64) -> Result<Tracked, InputError> {
        if event.ts > now.saturating_add(MAX_FUTURE_SKEW_MS) {
            return Err(InputError::new(
                "event.ts",
                "futureTimestamp",
                format!(
                    "the event is {} ms after now ({now}); at most {MAX_FUTURE_SKEW_MS} ms of clock skew is accepted",
                    event.ts - now
                ),
            ));
        }
        event.anonymous = self.lead.is_none();
        let hash = id_hash(event.id.as_deref());
        if event.id.as_deref().is_some_and(|id| self.ids.holds(id, hash, &self.events)) {
            return Ok(Tracked::Duplicate);
        }
        let (at, dropped) = history::insert_new(&mut self.events, event);
        self.ids.inserted(at, hash, dropped.is_some());
        self.kept.inserted(at, dropped.is_some());
        Ok(match dropped {
            None => Tracked::Added,
            Some(_) => {
                self.dropped = self.dropped.saturating_add(1);
                Tracked::AddedDroppingOldest
            }
        })
    }

    /// Records an event, then evaluates the session at `now` with each of `engines`
    /// (in order): the page's loop, where only the transitions go upstream. A refused
    /// event changes nothing and evaluates nothing. An engine under which the lead
    /// already stands at the highest stage its profile and events could reach is
    /// not scored: the transitions are those [`Session::evaluate`] would report.
    pub fn track_and_evaluate<E: Borrow<Engine>>(
        &mut self,
        event: Event,
        now: i64,
        engines: &[E],
    ) -> Result<TrackResult, InputError> {
        let tracked = self.track(event, now)?;
        // Only the transitions are wanted: a result is explained only for a move.
        let mut transitions = Vec::new();
        for engine in engines.iter().map(Borrow::borrow) {
            if self.stands_at_its_highest(engine) {
                continue;
            }
            let matched = self.kept.fill(engine, &self.profile, &self.events, true);
            if matched && self.cannot_move(engine, now) {
                continue;
            }
            if let (figures, before, Some(after)) = self.advance_matched(engine, now) {
                let result = self.explained(engine, figures);
                transitions.push(self.transition(engine, before, after, &result));
            }
        }
        Ok(TrackResult { tracked, transitions })
    }

    /// Reads an event from JSON and records it; see [`Session::track`].
    pub fn track_value(&mut self, event: &Value, now: i64) -> Result<Tracked, InputError> {
        self.track(Event::from_json(event, "event")?, now)
    }

    /// Scores the session at `now` without changing it: the same result as a batch
    /// call with its profile and the events it holds (see docs/RULESET.md on where
    /// the two can differ: far-future events, ids of dropped events).
    pub fn score(&self, engine: &Engine, now: i64) -> ScoreResult {
        self.explained(engine, self.figures(engine, now))
    }

    /// [`Session::score`] without the explanation: the same figures and stage.
    pub fn qualify(&self, engine: &Engine, now: i64) -> Qualification {
        let mut q = crate::score::qualification(engine, &self.figures(engine, now));
        q.lead_id = Some(self.subject().to_string());
        q
    }

    fn figures<'e>(&self, engine: &'e Engine, now: i64) -> Figures<'e> {
        let mut tally = EventTally::default();
        if self.dropped > 0 {
            tally.skipped.set(SkipReason::OverHistoryLimit, self.dropped);
        }
        let matches = self.kept.get(engine, &self.events);
        crate::score::figures(engine, &self.profile, &self.events, matches, now, tally)
    }

    fn explained(&self, engine: &Engine, figures: Figures<'_>) -> ScoreResult {
        let mut result = crate::score::explain(engine, figures);
        result.lead_id = Some(self.subject().to_string());
        result
    }

    /// Scores the session at `now` and moves its stage for this rule set, reporting
    /// each transition the first time it happens. Stages only move forward unless
    /// the rule set sets `stages.recycle`.
    pub fn evaluate(&mut self, engine: &Engine, now: i64) -> Evaluation {
        let (figures, before, moved) = self.advance(engine, now);
        let mut result = self.explained(engine, figures);
        let mut transitions = Vec::new();
        match moved {
            Some(after) => transitions.push(self.transition(engine, before, after, &result)),
            None if result.stage < before.stage => {
                result.stage_reason =
                    format!("stays {} (stages only move forward); now: {}", before.stage.as_str(), result.stage_reason);
                result.stage = before.stage;
            }
            None => {}
        }
        Evaluation { result, transitions }
    }

    /// Scores the session at `now` (keeping what its events match for `engine`) and
    /// records where the lead stands: the figures, where it stood, and where it moved
    /// when that is a move (forward, or back under `stages.recycle`).
    fn advance<'e>(&mut self, engine: &'e Engine, now: i64) -> (Figures<'e>, Progress, Option<Progress>) {
        self.kept.fill(engine, &self.profile, &self.events, false);
        self.advance_matched(engine, now)
    }

    /// [`Session::advance`] once [`KeptMatches::fill`] has run for `engine`.
    fn advance_matched<'e>(&mut self, engine: &'e Engine, now: i64) -> (Figures<'e>, Progress, Option<Progress>) {
        let figures = self.figures(engine, now);
        let qualified = figures.stage;
        let stored = self.progress.get(&engine.key).copied();
        let before = stored.unwrap_or_default();
        let moves = qualified > before.stage || (engine.stages.recycle && qualified < before.stage);
        let mut after = before;
        if moves {
            if qualified < before.stage {
                after.cycle = after.cycle.saturating_add(1);
            }
            after.stage = qualified;
        }
        if stored != Some(after) {
            self.progress.set(&engine.key, after);
        }
        (figures, before, moves.then_some(after))
    }

    /// Whether the lead already stands at the highest stage `engine` has, stages not
    /// recycling: nothing is left to reach, and a new event need not even be matched.
    fn stands_at_its_highest(&mut self, engine: &Engine) -> bool {
        !engine.stages.recycle && self.stands_at(engine, engine.stages.highest())
    }

    /// Whether an evaluation with `engine` at `now` could not move this lead's stage,
    /// now that everything is matched: stages do not recycle, and the lead already
    /// stands at [`score::stage_ceiling`].
    fn cannot_move(&mut self, engine: &Engine, now: i64) -> bool {
        !engine.stages.recycle && self.kept.ceiling(engine, now).is_some_and(|ceiling| self.stands_at(engine, ceiling))
    }

    /// Whether the lead's stage with `engine` is at least `stage`. When it is, records
    /// where the lead stands as [`Session::advance`] would.
    fn stands_at(&mut self, engine: &Engine, stage: Stage) -> bool {
        let stored = self.progress.get(&engine.key).copied();
        if stage > stored.unwrap_or_default().stage {
            return false;
        }
        if stored.is_none() {
            self.progress.set(&engine.key, Progress::default());
        }
        true
    }

    fn transition(&self, engine: &Engine, before: Progress, after: Progress, result: &ScoreResult) -> Transition {
        Transition {
            from: before.stage,
            to: after.stage,
            ruleset_id: engine.id.clone(),
            ruleset_version: engine.version.clone(),
            subject: self.subject().to_string(),
            at: result.now,
            idempotency_key: idempotency_key(self.subject(), engine, after.stage, after.cycle),
            reason: result.stage_reason.clone(),
            total: result.total,
            reasons: result.contributions.clone(),
        }
    }

    /// The stage this session last reached with the rule set `id@version`.
    pub fn stage(&self, engine: &Engine) -> Stage {
        self.progress.get(&engine.key).map(|p| p.stage).unwrap_or_default()
    }

    /// Folds another session (typically the anonymous history of a visitor who has
    /// just been identified) into this one: its events join the history (duplicates by
    /// id are dropped), its profile fills fields this one lacks, and each rule set's
    /// stage is the further of the two.
    pub fn merge(&mut self, other: &Session) {
        // Nothing here can fail, so this session is changed in place.
        for e in &other.events {
            if history::insert(&mut self.events, e.clone()) == Insert::AddedDroppingOldest {
                self.dropped = self.dropped.saturating_add(1);
            }
        }
        self.dropped = self.dropped.saturating_add(other.dropped);
        for (k, v) in &other.profile {
            self.profile.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.progress.merge(&other.progress, |mine, theirs| {
            let mine = mine.copied().unwrap_or_default();
            if theirs.stage > mine.stage {
                *theirs
            } else {
                mine
            }
        });
        if self.lead.is_none() {
            self.lead = other.lead.clone();
        }
        // The history changed throughout: what was kept for it no longer lines up.
        self.kept = KeptMatches::default();
        self.ids = HeldIds::default();
    }
}

fn check_id(id: &str, path: &str, what: &str) -> Result<(), InputError> {
    if id.is_empty() || id.len() > crate::event::MAX_ID_LEN {
        return Err(InputError::new(
            path,
            "invalidId",
            format!("{what} is empty or longer than {} bytes", crate::event::MAX_ID_LEN),
        ));
    }
    Ok(())
}

/// `ls1-` and 16 hex digits of FNV-1a (64-bit) over the subject, rule set, version,
/// stage and cycle: stable across builds and platforms, and no lead id in clear.
pub fn idempotency_key(subject: &str, engine: &Engine, to: Stage, cycle: u32) -> String {
    let parts = [subject, &engine.id, &engine.version, to.as_str(), &cycle.to_string()];
    // Each part followed by a 0 byte, so that parts cannot run into each other.
    let h = parts.iter().fold(FNV1A_START, |h, part| fnv1a(fnv1a(h, part.as_bytes()), &[0]));
    format!("ls1-{h:016x}")
}
