//! One visitor's session, as the package's `Session` holds it: with the engines
//! `track` evaluates after every event (`watch`), which are not part of saved state.

use super::engine::WasmEngine;
use super::input::with_input;
use super::outcome::{bytes_value, made, now_of, outcome, read_all, unreadable, Failure};
use crate::error::InputError;
use crate::limits::HISTORY_LIMIT;
use crate::session::check_state_size;
use crate::wire::{msgpack, RawState};
use crate::{Event, Session, TrackResult, Tracked};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(js_name = Session)]
pub struct WasmSession {
    /// The session, with the engines `track` evaluates with (`watch`).
    inner: Session,
}

impl WasmSession {
    fn wrapping(inner: Session) -> WasmSession {
        WasmSession { inner }
    }

    /// A session from saved state, however it arrived (text or bytes).
    fn restored(state: RawState) -> Result<WasmSession, Failure> {
        Ok(Session::restore_raw(state).map(WasmSession::wrapping)?)
    }

    /// `track` of the event the package wrote into the input room.
    fn track_input(&mut self, len: usize, now: f64) -> Result<TrackResult, Failure> {
        let now = now_of(now)?;
        crate::limits::CallLimits::check_input(len, "event", "the event")?;
        let event = with_input(len, |bytes| {
            let raw =
                read_all(bytes, |r| crate::wire::read_event(r)).map_err(|e| unreadable("event", "the event", &e))?;
            Event::from_raw(raw, "event")
        })
        .unwrap_or_else(|| Err(InputError::new("event", "internal", "the event could not be read")))?;
        Ok(self.inner.track_watched(event, now)?)
    }
}

#[wasm_bindgen(js_class = Session)]
impl WasmSession {
    /// A new, anonymous session: the session, or the bytes of an `InputError`.
    pub fn create(id: &str) -> JsValue {
        made(Session::new(id).map(WasmSession::wrapping).map_err(Failure::from))
    }

    /// A session from saved state written by `save` (sent as MessagePack).
    pub fn restore(saved: &[u8]) -> JsValue {
        made(check_state_size(saved.len()).map_err(Failure::from).and_then(|()| {
            let state = read_all(saved, |r| crate::wire::read_state(r, HISTORY_LIMIT))
                .map_err(|e| unreadable("", "saved state", &e))?;
            WasmSession::restored(state)
        }))
    }

    /// A session from the bytes `saveBytes` wrote.
    #[wasm_bindgen(js_name = restoreBytes)]
    pub fn restore_bytes(saved: &[u8]) -> JsValue {
        made(check_state_size(saved.len()).map_err(Failure::from).and_then(|()| {
            let state = read_all(saved, |r| crate::wire::read_state(r, HISTORY_LIMIT)).map_err(|e| {
                InputError::new("", "invalidState", format!("saved state is not what saveBytes() writes: {e}"))
            })?;
            WasmSession::restored(state)
        }))
    }

    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    #[wasm_bindgen(js_name = leadId)]
    pub fn lead_id(&self) -> Option<String> {
        self.inner.lead_id().map(str::to_string)
    }

    /// Marks the visitor as a known lead: the outcome of nothing.
    pub fn identify(&mut self, lead: &str) -> Vec<u8> {
        outcome(self.inner.identify(lead).map_err(Failure::from))
    }

    /// Sets profile fields (sent as MessagePack): the outcome of nothing.
    #[wasm_bindgen(js_name = updateProfile)]
    pub fn update_profile(&mut self, patch: &[u8]) -> Vec<u8> {
        let patch = crate::limits::CallLimits::check_input(patch.len(), "profile", "the profile")
            .and_then(|()| {
                read_all(patch, |r| crate::wire::read_profile(r)).map_err(|e| unreadable("profile", "the profile", &e))
            })
            .and_then(|read| crate::profile::checked(read, "profile"));
        outcome(patch.and_then(|fields| self.inner.update_profile_owned(fields.into())).map_err(Failure::from))
    }

    /// Has `track` evaluate with this engine; watching the same rule set
    /// (`id@version`) again replaces the engine watched for it.
    pub fn watch(&mut self, engine: &WasmEngine) {
        self.inner.watch(Arc::clone(&engine.inner));
    }

    pub fn unwatch(&mut self, engine: &WasmEngine) {
        self.inner.unwatch(&engine.inner);
    }

    /// How many engines `track` evaluates with.
    pub fn watching(&self) -> usize {
        self.inner.watched().len()
    }

    /// Records the event the package wrote into the input room (`len` bytes), then
    /// evaluates with every watched engine. Most events are added and move no stage:
    /// that answer is a number (0 added, 1 duplicate, 2 added dropping the oldest),
    /// with nothing to write or decode. Any other answer, transitions, events set
    /// aside, a warning or an error, is the bytes of its outcome (`{tracked,
    /// transitions, setAside?, warning?}`).
    pub fn track(&mut self, len: usize, now: f64) -> JsValue {
        match self.track_input(len, now) {
            Ok(TrackResult { tracked, transitions, set_aside, warning })
                if transitions.is_empty() && set_aside.is_empty() && warning.is_none() =>
            {
                JsValue::from(match tracked {
                    Tracked::Added => 0,
                    Tracked::Duplicate => 1,
                    Tracked::AddedDroppingOldest => 2,
                })
            }
            answer => bytes_value(&outcome(answer)),
        }
    }

    /// The outcome of the list of the session's events that the engine does not
    /// count at `now`, and why (`Session::set_aside`): what the package's debug
    /// option logs.
    #[wasm_bindgen(js_name = setAside)]
    pub fn set_aside(&self, engine: &WasmEngine, now: f64) -> Vec<u8> {
        outcome(now_of(now).map(|now| self.inner.set_aside(&engine.inner, now)).map_err(Failure::from))
    }

    /// Scores at `now` and records the stage: the outcome of an `Evaluation`.
    pub fn evaluate(&mut self, engine: &WasmEngine, now: f64) -> Vec<u8> {
        outcome(now_of(now).map(|now| self.inner.evaluate(&engine.inner, now)).map_err(Failure::from))
    }

    /// Scores at `now` without changing anything: the outcome of a `ScoreResult`.
    pub fn score(&self, engine: &WasmEngine, now: f64) -> Vec<u8> {
        outcome(now_of(now).map(|now| self.inner.score(&engine.inner, now)).map_err(Failure::from))
    }

    /// The outcome of a `Qualification` at `now`.
    pub fn qualify(&self, engine: &WasmEngine, now: f64) -> Vec<u8> {
        outcome(now_of(now).map(|now| self.inner.qualify(&engine.inner, now)).map_err(Failure::from))
    }

    /// The stage last reached with the engine's rule set and version.
    pub fn stage(&self, engine: &WasmEngine) -> String {
        self.inner.stage(&engine.inner).as_str().to_string()
    }

    /// The session's state as MessagePack (the package writes `save`'s JSON text
    /// from it, and hands it out as is from `saveBytes`).
    pub fn save(&self) -> Vec<u8> {
        msgpack::to_vec(self.inner.state()).unwrap_or_default()
    }

    /// Folds another session into this one.
    pub fn merge(&mut self, other: &WasmSession) {
        self.inner.merge(&other.inner);
    }
}
