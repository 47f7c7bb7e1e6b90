//! Sessions: a lead's profile and event history, observed one event at a time,
//! scored at any `now` against any rule set, saved and restored, merged, and
//! remembering which stage transitions it has already reported.

mod identity;
mod kept;
mod saved;

// The WebAssembly layer and test_support::restore_bytes check bytes with it.
pub(crate) use saved::check_state_size;
pub use saved::{Progress, SavedState, STATE_VERSION};

use kept::{fnv1a, id_hash, HeldIds, KeptMatches, FNV1A_START};

use crate::engine::Engine;
use crate::error::InputError;
use crate::event::Event;
use crate::explain::{Contribution, EventTally, Qualification, ScoreResult, SetAside, SkipReason};
use crate::history::{self, Insert};
use crate::limits::MAX_FUTURE_SKEW_MS;
use crate::profile::check_profile;
use crate::score::Figures;
use crate::stages::Stage;
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Borrow;
use std::sync::Arc;

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

/// What [`Session::track_and_evaluate`] did: the event's fate, the stage
/// transitions it caused with the rule sets evaluated, and what might be a mistake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackResult {
    pub tracked: Tracked,
    pub transitions: Vec<Transition>,
    /// For each rule set evaluated that will never count the event (an event type
    /// it does not know, a property of the wrong type, ignored anonymous history),
    /// why. Empty for a duplicate, which changed nothing.
    #[serde(rename = "setAside", skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<SetAside>,
    /// Set when no rule set was evaluated although the session was restored with
    /// progress recorded for some: probably engines not watched again after a
    /// restore, so no transition can be reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// One lead's profile and event history, observed one event at a time: its state
/// (what [`Session::save`] writes), and what it keeps beside it to make the next
/// `track` cheap.
#[derive(Debug, Clone)]
pub struct Session {
    state: SavedState,
    kept: KeptMatches,
    ids: HeldIds,
    /// The engines [`Session::track_watched`] evaluates with (not saved).
    watched: Vec<Arc<Engine>>,
    /// Restored with progress recorded for some rule set, and since then neither
    /// watching one nor evaluated: a `track` that evaluates nothing warns.
    unwatched_progress: bool,
}

impl Session {
    /// A new, anonymous session. `id` names the visitor (a cookie or device id):
    /// 1 to 128 bytes.
    pub fn new(id: impl Into<String>) -> Result<Session, InputError> {
        let id = id.into();
        check_id(&id, "id", "the session id")?;
        Ok(Session::from_state(SavedState::new(id)))
    }

    /// A session holding `state`, with nothing kept beside it yet.
    fn from_state(state: SavedState) -> Session {
        Session {
            state,
            kept: KeptMatches::default(),
            ids: HeldIds::default(),
            watched: Vec::new(),
            unwatched_progress: false,
        }
    }

    /// The session's state: what [`Session::save`] writes and [`Session::restore`]
    /// reads back. Two sessions with equal states score, evaluate and save alike.
    pub fn state(&self) -> &SavedState {
        &self.state
    }

    pub fn id(&self) -> &str {
        &self.state.id
    }

    pub fn lead_id(&self) -> Option<&str> {
        self.state.lead.as_deref()
    }

    pub fn profile(&self) -> &Map<String, Value> {
        &self.state.profile
    }

    pub fn events(&self) -> &[Event] {
        &self.state.events
    }

    /// The lead id when known, else the session id.
    pub fn subject(&self) -> &str {
        self.state.lead.as_deref().unwrap_or(&self.state.id)
    }

    /// Marks the visitor as a known lead; events tracked from now on are not anonymous.
    pub fn identify(&mut self, lead_id: &str) -> Result<(), InputError> {
        check_id(lead_id, "leadId", "the lead id")?;
        self.state.lead = Some(lead_id.to_string());
        Ok(())
    }

    /// Sets profile fields: each key of `patch` replaces the session's value (null removes it).
    pub fn update_profile(&mut self, patch: &Value) -> Result<(), InputError> {
        self.update_profile_owned(patch.clone())
    }

    /// [`Session::update_profile`] from JSON text, read within the profile's limits
    /// without a `Value` in between.
    pub fn update_profile_json(&mut self, patch: &str) -> Result<(), InputError> {
        crate::limits::CallLimits::check_input(patch.len(), "profile", "the profile")?;
        let mut de = serde_json::Deserializer::from_str(patch);
        let read = crate::wire::read_profile(&mut de)
            .and_then(|read| de.end().map(|()| read))
            .map_err(|e| crate::wire::json_text_error(&e, "profile", "the profile"))?;
        let fields = crate::profile::checked(read, "profile")?;
        self.update_profile_owned(fields.into())
    }

    /// [`Session::update_profile`], taking the patch by value so that its fields move
    /// into the profile instead of being copied.
    pub fn update_profile_owned(&mut self, patch: Value) -> Result<(), InputError> {
        let patch = check_profile(patch, "profile")?;
        // Built afresh rather than cloned and edited: removing from a map would bring
        // the map's removal code (2 KB gzip) into the module for this one call.
        let mut next = Map::new();
        for (k, v) in &self.state.profile {
            if !patch.contains_key(k) {
                next.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in patch {
            if !v.is_null() {
                next.insert(k, v);
            }
        }
        self.state.profile = check_profile(Value::Object(next), "profile")?;
        self.kept.profile_changed();
        Ok(())
    }

    /// Records an event. `now` is the caller's clock, used only to refuse events
    /// more than [`MAX_FUTURE_SKEW_MS`] in its future. An event without an id gets
    /// one made from its type, time and properties (`~` and 11 characters; the next
    /// such id for an event identical to a held one), so that merges are exact.
    pub fn track(&mut self, event: Event, now: i64) -> Result<Tracked, InputError> {
        let given = event.id.is_some();
        self.record(event, now, given)
    }

    /// [`Session::track`] of an event that came with an id when `given`; without one
    /// it has one from [`Session::give_id`] (now, or already), which no held event
    /// has, so it is not looked for again.
    fn record(&mut self, mut event: Event, now: i64, given: bool) -> Result<Tracked, InputError> {
        if event.ts > now.saturating_add(MAX_FUTURE_SKEW_MS) {
            return Err(InputError::new(
                "event.ts",
                "futureTimestamp",
                format!(
                    "the event is {} ms after now ({now}); at most {MAX_FUTURE_SKEW_MS} ms of clock skew is accepted",
                    event.ts.saturating_sub(now)
                ),
            ));
        }
        event.anonymous = self.state.lead.is_none();
        self.give_id(&mut event);
        let hash = id_hash(event.id.as_deref());
        if given && event.id.as_deref().is_some_and(|id| self.ids.holds(id, hash, &self.state.events)) {
            return Ok(Tracked::Duplicate);
        }
        Ok(self.insert_new(event, hash))
    }

    /// Gives an event without an id one made from its content, that no held event
    /// has (identity.rs).
    fn give_id(&mut self, event: &mut Event) {
        if event.id.is_none() {
            let (ids, events) = (&mut self.ids, &self.state.events);
            event.id = Some(identity::generated_id(event, |id| ids.holds(id, id_hash(Some(id)), events)));
        }
    }

    /// Puts an event whose id (of hash `hash`) no held event has into the history.
    fn insert_new(&mut self, event: Event, hash: u64) -> Tracked {
        let (at, dropped) = history::insert_new(&mut self.state.events, event);
        self.ids.inserted(at, hash, dropped.is_some());
        self.kept.inserted(at, dropped.is_some());
        match dropped {
            None => Tracked::Added,
            Some(_) => {
                self.state.dropped = self.state.dropped.saturating_add(1);
                Tracked::AddedDroppingOldest
            }
        }
    }

    /// Records an event, then evaluates the session at `now` with each of `engines`
    /// (in order): the page's loop, where only the transitions go upstream. A refused
    /// event changes nothing and evaluates nothing. An engine under which the lead
    /// already stands at the highest stage its profile and events could reach is
    /// not scored: the transitions are those [`Session::evaluate`] would report.
    ///
    /// The answer also says, for each engine that will never count the event, why
    /// (`set_aside`), and warns when `engines` is empty although the session was
    /// restored with progress recorded for some rule set and not evaluated since.
    pub fn track_and_evaluate<E: Borrow<Engine>>(
        &mut self,
        mut event: Event,
        now: i64,
        engines: &[E],
    ) -> Result<TrackResult, InputError> {
        // Judged before the event moves into the history, as `track` will mark it and
        // with the id it will hold.
        event.anonymous = self.state.lead.is_none();
        let given = event.id.is_some();
        self.give_id(&mut event);
        let mut set_aside: Vec<SetAside> = engines
            .iter()
            .filter_map(|engine| crate::score::set_aside::never_counted(engine.borrow(), &event))
            .collect();
        let tracked = self.record(event, now, given)?;
        if tracked == Tracked::Duplicate {
            set_aside.clear();
        }
        let warning = match engines.is_empty() {
            true => self.unwatched_progress.then(|| self.unwatched_warning()),
            false => {
                self.unwatched_progress = false;
                None
            }
        };
        // Only the transitions are wanted: a result is explained only for a move.
        let mut transitions = Vec::new();
        for engine in engines.iter().map(Borrow::borrow) {
            if self.stands_at_its_highest(engine) {
                continue;
            }
            let matched = self.kept.fill(engine, &self.state.profile, &self.state.events, engines.len());
            if matched && self.cannot_move(engine, now) {
                continue;
            }
            if let (figures, before, Some(after)) = self.advance_matched(engine, now) {
                let result = self.explained(engine, figures);
                transitions.push(self.transition(engine, before, after, &result));
            }
        }
        Ok(TrackResult { tracked, transitions, set_aside, warning })
    }

    /// The warning of a `track` that evaluates nothing in a session restored with
    /// progress: which rule sets it records progress for (the first three).
    fn unwatched_warning(&self) -> String {
        let n = self.state.progress.len();
        let named: Vec<String> = self.state.progress.names().take(3).map(|k| format!("\"{k}\"")).collect();
        let more = if n > 3 { format!(" and {} more", n - 3) } else { String::new() };
        format!(
            "this session watches no rule set, but its saved state records progress with {}{more}: no stage \
             transition is reported until it watches them again (restore it with the engines to watch, or watch \
             them)",
            named.join(", ")
        )
    }

    /// Has [`Session::track_watched`] evaluate with `engine` after every event.
    /// Watching the same rule set (`id@version`) again replaces the engine watched
    /// for it. Not part of saved state: a restored session watches what
    /// [`Session::restore_watching`] is given.
    pub fn watch(&mut self, engine: Arc<Engine>) {
        self.unwatched_progress = false;
        match self.watched.iter_mut().find(|w| w.key == engine.key) {
            Some(slot) => *slot = engine,
            None => self.watched.push(engine),
        }
    }

    /// Stops evaluating with `engine`'s rule set (`id@version`) on `track_watched`.
    pub fn unwatch(&mut self, engine: &Engine) {
        self.watched.retain(|w| w.key != engine.key);
    }

    /// The engines [`Session::track_watched`] evaluates with.
    pub fn watched(&self) -> &[Arc<Engine>] {
        &self.watched
    }

    /// [`Session::track_and_evaluate`] with the engines the session watches.
    pub fn track_watched(&mut self, event: Event, now: i64) -> Result<TrackResult, InputError> {
        let engines = std::mem::take(&mut self.watched);
        let result = self.track_and_evaluate(event, now, &engines);
        self.watched = engines;
        result
    }

    /// Every event of the session that `engine` does not count at `now`, and why
    /// (after `now`, and the reasons [`TrackResult::set_aside`] gives), each with
    /// its index in the history, oldest first; and the events dropped to keep the
    /// history limit, when there were some. For debugging: scoring only counts them.
    pub fn set_aside(&self, engine: &Engine, now: i64) -> Vec<SetAside> {
        let mut list = crate::score::set_aside::held(engine, &self.state.events, now);
        if self.state.dropped > 0 {
            list.push(crate::score::set_aside::dropped(engine, self.state.dropped));
        }
        list
    }

    /// Reads an event from a JSON value and records it; see [`Session::track`].
    pub fn track_value(&mut self, event: &Value, now: i64) -> Result<Tracked, InputError> {
        self.track(Event::from_value(event)?, now)
    }

    /// Reads an event from JSON text and records it; see [`Session::track`].
    pub fn track_json(&mut self, event: &str, now: i64) -> Result<Tracked, InputError> {
        self.track(Event::from_json(event)?, now)
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
        if self.state.dropped > 0 {
            tally.skipped.set(SkipReason::OverHistoryLimit, self.state.dropped);
        }
        let matches = self.kept.get(engine, &self.state.events);
        crate::score::figures(engine, &self.state.profile, &self.state.events, matches, now, tally)
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
        self.unwatched_progress = false;
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
        self.kept.fill(engine, &self.state.profile, &self.state.events, 0);
        self.advance_matched(engine, now)
    }

    /// [`Session::advance`] once [`KeptMatches::fill`] has run for `engine`.
    fn advance_matched<'e>(&mut self, engine: &'e Engine, now: i64) -> (Figures<'e>, Progress, Option<Progress>) {
        let figures = self.figures(engine, now);
        let qualified = figures.stage;
        let stored = self.state.progress.get(&engine.key).copied();
        let before = stored.unwrap_or_default();
        let moves = qualified > before.stage || (engine.rules.stages.recycle && qualified < before.stage);
        let mut after = before;
        if moves {
            if qualified < before.stage {
                after.cycle = after.cycle.saturating_add(1);
            }
            after.stage = qualified;
        }
        if stored != Some(after) {
            self.state.progress.set(&engine.key, after);
        }
        (figures, before, moves.then_some(after))
    }

    /// Whether the lead already stands at the highest stage `engine` has, stages not
    /// recycling: nothing is left to reach, and a new event need not even be matched.
    fn stands_at_its_highest(&mut self, engine: &Engine) -> bool {
        !engine.rules.stages.recycle && self.stands_at(engine, engine.rules.stages.highest())
    }

    /// Whether an evaluation with `engine` at `now` could not move this lead's stage,
    /// now that everything is matched: stages do not recycle, and the lead already
    /// stands at [`score::stage_ceiling`].
    fn cannot_move(&mut self, engine: &Engine, now: i64) -> bool {
        !engine.rules.stages.recycle
            && self.kept.ceiling(engine, now).is_some_and(|ceiling| self.stands_at(engine, ceiling))
    }

    /// Whether the lead's stage with `engine` is at least `stage`. When it is, records
    /// where the lead stands as [`Session::advance`] would.
    fn stands_at(&mut self, engine: &Engine, stage: Stage) -> bool {
        let stored = self.state.progress.get(&engine.key).copied();
        if stage > stored.unwrap_or_default().stage {
            return false;
        }
        if stored.is_none() {
            self.state.progress.set(&engine.key, Progress::default());
        }
        true
    }

    fn transition(&self, engine: &Engine, before: Progress, after: Progress, result: &ScoreResult) -> Transition {
        Transition {
            from: before.stage,
            to: after.stage,
            ruleset_id: engine.rules.id.clone(),
            ruleset_version: engine.rules.version.clone(),
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
        self.state.progress.get(&engine.key).map(|p| p.stage).unwrap_or_default()
    }

    /// Folds another session (typically the anonymous history of a visitor who has
    /// just been identified, or another tab's copy of the same visitor) into this
    /// one: its events join the history, but not those this session already holds
    /// (the same id; a session gives every event without an id one made from its
    /// content, so two tabs that restored the same state hold its events under the
    /// same ids), its profile fills fields this one lacks, and each rule set's stage
    /// is the further of the two.
    pub fn merge(&mut self, other: &Session) {
        // Nothing here can fail, so this session is changed in place.
        // Every event a session holds has an id (identity.rs): an event of the
        // other's that this one holds is dropped as a duplicate.
        for e in &other.state.events {
            if history::insert(&mut self.state.events, e.clone()) == Insert::AddedDroppingOldest {
                self.state.dropped = self.state.dropped.saturating_add(1);
            }
        }
        self.state.dropped = self.state.dropped.saturating_add(other.state.dropped);
        for (k, v) in &other.state.profile {
            self.state.profile.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self.state.progress.merge(&other.state.progress, |mine, theirs| {
            let mine = mine.copied().unwrap_or_default();
            if theirs.stage > mine.stage {
                *theirs
            } else {
                mine
            }
        });
        if self.state.lead.is_none() {
            self.state.lead = other.state.lead.clone();
        }
        // The history changed throughout: what was kept for it no longer lines up.
        self.kept = KeptMatches::default();
        self.ids = HeldIds::default();
    }
}

pub(crate) fn check_id(id: &str, path: &str, what: &str) -> Result<(), InputError> {
    if id.is_empty() || id.len() > crate::limits::MAX_ID_LEN {
        return Err(InputError::new(
            path,
            "invalidId",
            format!("{what} is empty or longer than {} bytes", crate::limits::MAX_ID_LEN),
        ));
    }
    Ok(())
}

/// `ls1-` and 16 hex digits of FNV-1a (64-bit) over the subject, rule set, version,
/// stage and cycle: stable across builds and platforms, and no lead id in clear.
pub fn idempotency_key(subject: &str, engine: &Engine, to: Stage, cycle: u32) -> String {
    let parts = [subject, &engine.rules.id, &engine.rules.version, to.as_str(), &cycle.to_string()];
    // Each part followed by a 0 byte, so that parts cannot run into each other.
    let h = parts.iter().fold(FNV1A_START, |h, part| fnv1a(fnv1a(h, part.as_bytes()), &[0]));
    format!("ls1-{h:016x}")
}
