//! Saved session state: the compact JSON `save` writes (and the WebAssembly layer's
//! MessagePack form of it), read back in one pass (`wire::read_state`) and checked
//! as strictly as fresh input, with the path of whatever is damaged.

use super::{check_id, Session};
use crate::by_name::ByName;
use crate::engine::Engine;
use crate::error::InputError;
use crate::event::Event;
use crate::history;
use crate::limits::{HISTORY_LIMIT, MAX_PROFILE_BYTES, MAX_STATE_BYTES};
use crate::profile::check_profile;
use crate::stages::Stage;
use crate::wire::budget::Read;
use crate::wire::{read_state, EventParts, RawSavedEvent, RawState};
use serde::Serialize;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The version of saved session state this build writes and reads.
pub const STATE_VERSION: u32 = 1;

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

/// A session's state: its ids, profile, event history and where it stands with each
/// rule set. What [`Session::save`] writes (serialized with these field names) and
/// [`Session::restore`] reads back; all a session is, apart from what it keeps to
/// make the next `track` cheap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedState {
    #[serde(rename = "v")]
    pub(super) version: u32,
    pub(super) id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) lead: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub(super) profile: Map<String, Value>,
    pub(super) events: Vec<Event>,
    /// Events dropped to keep the history limit, over the session's life.
    #[serde(skip_serializing_if = "is_zero")]
    pub(super) dropped: u32,
    /// By rule set (`id@version`).
    #[serde(skip_serializing_if = "ByName::is_empty")]
    pub(super) progress: ByName<Progress>,
}

impl SavedState {
    /// The state of a new, anonymous session named `id` (already checked).
    pub(super) fn new(id: String) -> SavedState {
        SavedState {
            version: STATE_VERSION,
            id,
            lead: None,
            profile: Map::new(),
            events: Vec::new(),
            dropped: 0,
            progress: ByName::default(),
        }
    }
}

impl Session {
    /// Saved state as compact JSON; [`Session::restore`] reads it back.
    pub fn save(&self) -> String {
        serde_json::to_string(&self.state).unwrap_or_default()
    }

    /// Restores saved state, checking it as strictly as fresh input.
    pub fn restore(text: &str) -> Result<Session, InputError> {
        check_state_size(text.len())?;
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = read_state(&mut de, HISTORY_LIMIT).and_then(|raw| de.end().map(|()| raw)).map_err(|e| {
            InputError::new(
                "",
                "invalidJson",
                format!("saved state is not valid JSON: {}", crate::error::json_syntax(&e)),
            )
        })?;
        Session::restore_raw(raw)
    }

    /// [`Session::restore`], watching `engines` (see [`Session::watch`]): what a
    /// page does when it brings a visitor's session back, so that `track_watched`
    /// reports transitions again.
    pub fn restore_watching(text: &str, engines: &[Arc<Engine>]) -> Result<Session, InputError> {
        let mut session = Session::restore(text)?;
        engines.iter().for_each(|e| session.watch(Arc::clone(e)));
        Ok(session)
    }

    /// [`Session::restore`] from saved state already read into a JSON value.
    pub fn restore_value(v: Value) -> Result<Session, InputError> {
        let raw = read_state(v, HISTORY_LIMIT)
            .map_err(|e| InputError::new("", "invalidState", format!("saved state could not be read: {e}")))?;
        Session::restore_raw(raw)
    }

    /// Checks saved state's parts as read (see [`crate::wire::read_state`]), with
    /// no JSON value tree built for its events.
    pub(crate) fn restore_raw(raw: RawState) -> Result<Session, InputError> {
        // Anything but an object has no version either.
        let parts = raw.unwrap_or_default();
        match parts.version.as_ref().and_then(Value::as_u64) {
            Some(n) if n == u64::from(STATE_VERSION) => {}
            Some(n) => {
                return Err(InputError::new(
                    "v",
                    "unknownVersion",
                    format!("saved state has version {n}; this build reads version {STATE_VERSION}"),
                ))
            }
            None => {
                return Err(InputError::new(
                    "v",
                    "missingKey",
                    "saved state has no version \"v\": is this a leadscore session?",
                ))
            }
        }
        if let Some(k) = &parts.unknown_key {
            return Err(damaged(k, format!("unknown key \"{k}\"")));
        }
        let id = match parts.id {
            Some(Value::String(id)) => id,
            _ => return Err(damaged("id", "the session id is missing".into())),
        };
        check_id(&id, "id", "the session id")?;
        let lead = match parts.lead {
            None | Some(Value::Null) => None,
            Some(Value::String(lead)) => {
                check_id(&lead, "lead", "the lead id")?;
                Some(lead)
            }
            Some(_) => return Err(damaged("lead", "the lead id is not text".into())),
        };
        let profile = match parts.profile {
            None => Map::new(),
            Some(Read::Value(p)) => check_profile(p, "profile")?,
            Some(_) => {
                return Err(InputError::new(
                    "profile",
                    "tooLarge",
                    format!(
                        "the profile weighs more than {MAX_PROFILE_BYTES}, its limit (about as many bytes of JSON)"
                    ),
                ))
            }
        };
        let events = match parts.events {
            None => Vec::new(),
            Some(Ok(_)) if parts.event_count > HISTORY_LIMIT => {
                return Err(InputError::new(
                    "events",
                    "tooMany",
                    format!("saved state holds {} events; the limit is {}", parts.event_count, HISTORY_LIMIT),
                ))
            }
            Some(Ok(items)) => items
                .into_iter()
                .enumerate()
                .map(|(i, e)| saved_event(e, &|| format!("events[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            Some(Err(_)) => return Err(damaged("events", "\"events\" is not a list".into())),
        };
        let dropped = match parts.dropped {
            None => 0,
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| damaged("dropped", "not a count".into()))?,
        };
        let mut progress = ByName::default();
        match parts.progress {
            None => {}
            Some(Read::Value(Value::Object(map))) => {
                for (key, p) in map {
                    let path = format!("progress.{key}");
                    let stage = p
                        .get("stage")
                        .and_then(Value::as_str)
                        .and_then(Stage::parse)
                        .ok_or_else(|| damaged(&path, "no valid \"stage\"".into()))?;
                    let cycle = match p.get("cycle") {
                        None => 0,
                        Some(c) => c
                            .as_u64()
                            .and_then(|c| u32::try_from(c).ok())
                            .ok_or_else(|| damaged(&path, "\"cycle\" is not a count".into()))?,
                    };
                    progress.set(&key, Progress { stage, cycle });
                }
            }
            Some(Read::TooHeavy) => return Err(InputError::new(
                "progress",
                "tooLarge",
                "saved state's progress is larger than any session's: it records more rule sets than leadscore keeps",
            )),
            Some(_) => return Err(damaged("progress", "\"progress\" is not an object".into())),
        }
        // `save` never writes an id twice; state that does (written by hand, or
        // damaged) keeps the first event with each id, as a batch call does, so that
        // the session scores as the batch.
        let mut first = history::first_with_their_ids(events.iter().map(|e| e.id.as_deref())).into_iter();
        let events: Vec<Event> = events.into_iter().filter(|_| first.next().unwrap_or(true)).collect();
        let mut state = SavedState { version: STATE_VERSION, id, lead, profile, events, dropped, progress };
        history::sort_by_time(&mut state.events);
        // State saved without ids (written by hand, or before sessions gave them) gets
        // them as `track` gives them, oldest first: every session restored from it
        // holds its events under the same ids, and merges them exactly.
        // (A scan of the ids for each: at most a million comparisons of short texts,
        // once, for state without ids; a set would bring a sort into the module.)
        for i in 0..state.events.len() {
            let Some(e) = state.events.get(i).filter(|e| e.id.is_none()) else { continue };
            let id = super::identity::generated_id(e, |id| history::holds_id(&state.events, id));
            if let Some(e) = state.events.get_mut(i) {
                e.id = Some(id);
            }
        }
        let mut session = Session::from_state(state);
        session.unwatched_progress = !session.state.progress.is_empty();
        Ok(session)
    }
}

/// Refuses saved state of more than [`MAX_STATE_BYTES`] as it arrived (JSON text, or
/// the bytes the WebAssembly layer receives).
pub(crate) fn check_state_size(bytes: usize) -> Result<(), InputError> {
    crate::limits::CallLimits::check_input(bytes, "", "saved state")?;
    if bytes > MAX_STATE_BYTES {
        return Err(InputError::new(
            "",
            "tooLarge",
            format!("saved state is {bytes} bytes; the limit is {MAX_STATE_BYTES}"),
        ));
    }
    Ok(())
}

fn damaged(path: &str, what: String) -> InputError {
    InputError::new(path, "invalidState", format!("saved state is damaged: {what}"))
}

/// An event as `save` writes it (`p` holds the properties, `anon` marks anonymous
/// history), checked by the same rules as a fresh event. `path` is made only for
/// an error.
fn saved_event(raw: RawSavedEvent, path: &dyn Fn() -> String) -> Result<Event, InputError> {
    let Ok(parts) = raw else {
        return Err(damaged(&path(), "an event is not an object".into()));
    };
    let anonymous = match parts.anon {
        None => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(damaged(&format!("{}.anon", path()), "not true or false".into())),
    };
    if let Some(k) = &parts.unknown_key {
        return Err(damaged(&format!("{}.{k}", path()), format!("unknown key \"{k}\"")));
    }
    let properties = match parts.properties {
        None => Vec::new(),
        Some(Ok(props)) => {
            // The first by name, as a JSON object (sorted by key) would name it.
            if let Some(k) = props.iter().map(|(k, _)| k.as_str()).filter(|k| matches!(*k, "type" | "ts" | "id")).min()
            {
                return Err(damaged(&format!("{}.p.{k}", path()), format!("\"{k}\" cannot be a property")));
            }
            props
        }
        Some(Err(_)) => return Err(damaged(&format!("{}.p", path()), "the properties are not an object".into())),
    };
    let mut e = Event::from_raw_at(
        Ok(EventParts {
            kind: parts.kind,
            ts: parts.ts,
            id: parts.id,
            properties,
            unread: Vec::new(),
            too_large: parts.too_large,
        }),
        path,
    )?;
    e.anonymous = anonymous;
    Ok(e)
}
