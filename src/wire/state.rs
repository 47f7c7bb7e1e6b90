//! Reading saved session state (the compact JSON `Session::save` writes, or its
//! MessagePack form) into its parts in one pass, with no JSON value tree built for
//! its events; `session::saved` checks the parts.

use super::budget::{key_weight, Bounded, Budget, Read, TooDeep};
use super::{read_head, EventHead, EventText, Key, ListSeed, Listed, PlainSeed, EVENT_BASE_WEIGHT};
use crate::limits::{MAX_EVENT_BYTES, MAX_ID_LEN, MAX_PROFILE_BYTES, MAX_STRING_LEN};
use compact_str::CompactString;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::Cell;
use std::fmt;

/// Most a saved session's progress (a small record per rule set it was evaluated
/// with, by `id@version`) may weigh: some 1,500 rule sets.
const MAX_PROGRESS_WEIGHT: usize = 256 * 1024;

/// A saved session's parts as found, or the JSON type it had instead of an object.
/// `session.rs` checks them in the order it always has, so that text, bytes and a
/// parsed value refuse alike; keys are weighed as a JSON object holds them (the
/// last of a repeated key wins, the first unknown key is the first in sorted order).
pub type RawState = Result<StateParts, &'static str>;

#[derive(Debug, Default)]
pub struct StateParts {
    pub version: Option<Value>,
    pub id: Option<Value>,
    pub lead: Option<Value>,
    pub profile: Option<Read>,
    /// The events (at most the history limit of them), or the JSON type `events`
    /// had instead of a list.
    pub events: Option<Result<Vec<RawSavedEvent>, &'static str>>,
    /// How many events the list held (more are counted than kept past the limit).
    pub event_count: usize,
    pub dropped: Option<Value>,
    /// The progress as read, or how it broke the limits.
    pub progress: Option<Read>,
    /// The first key, in sorted order, that saved state does not have.
    pub unknown_key: Option<String>,
}

/// A saved event's parts as found, or the JSON type it had instead of an object.
pub type RawSavedEvent = Result<SavedEventParts, &'static str>;

/// An event as `Session::save` writes it: `type`, `ts`, `id`, its properties under
/// `p` and `anon` for anonymous history.
#[derive(Debug, Default)]
pub struct SavedEventParts {
    pub kind: EventText,
    pub ts: Option<Value>,
    pub id: EventText,
    pub anon: Option<Value>,
    /// The properties as written (`Event::from_raw_at` sorts them and keeps the last
    /// of a repeated name), or the JSON type `p` had instead of an object.
    pub properties: Option<Result<Vec<(CompactString, Value)>, &'static str>>,
    /// The first key, in sorted order, that a saved event does not have.
    pub unknown_key: Option<String>,
    /// The event weighs more than an event may: nothing was kept past the limit.
    pub too_large: bool,
}

impl EventHead for SavedEventParts {
    fn head(&mut self) -> (&mut EventText, &mut Option<Value>, &mut EventText, &mut bool) {
        (&mut self.kind, &mut self.ts, &mut self.id, &mut self.too_large)
    }
}

/// Reads saved session state from anything serde can drive (JSON text,
/// MessagePack, a `Value`), keeping at most `keep_events` events.
pub fn read_state<'de, D: Deserializer<'de>>(d: D, keep_events: usize) -> Result<RawState, D::Error> {
    d.deserialize_any(StateVisitor { keep_events })
}

/// Keeps the smaller of two unknown keys: what `keys().find(..)` over a JSON
/// object (sorted by key) would name first.
fn note_unknown(slot: &mut Option<String>, key: &str) {
    if slot.as_deref().is_none_or(|k| key < k) {
        // Named in an error, so kept short.
        *slot = Some(super::at_most(key, 64).to_string());
    }
}

struct StateVisitor {
    keep_events: usize,
}

impl<'de> Visitor<'de> for StateVisitor {
    type Value = RawState;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("saved session state")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawState, A::Error> {
        let mut parts = StateParts::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key.as_str() {
                "v" => parts.version = Some(map.next_value_seed(PlainSeed { text_limit: 16 })?),
                "id" => parts.id = Some(map.next_value_seed(PlainSeed { text_limit: MAX_ID_LEN })?),
                "lead" => parts.lead = Some(map.next_value_seed(PlainSeed { text_limit: MAX_ID_LEN })?),
                "profile" => {
                    // Read as a value, as a parsed state holds it (a repeated key's
                    // first value is gone), then checked as any profile is.
                    let left = Cell::new(MAX_PROFILE_BYTES);
                    parts.profile = Some(map.next_value_seed(whole(&left))?);
                }
                "events" => {
                    let Listed { items, count } = map.next_value_seed(ListSeed {
                        keep: self.keep_events,
                        what: "a list of saved events",
                        item: SavedEventVisitor,
                    })?;
                    // Unlike a lead's `events`, null is not "no events" here: `save` never writes it.
                    parts.events = Some(items.unwrap_or(Err("null")));
                    parts.event_count = count;
                }
                "dropped" => parts.dropped = Some(map.next_value_seed(PlainSeed { text_limit: 16 })?),
                "progress" => {
                    let left = Cell::new(MAX_PROGRESS_WEIGHT);
                    parts.progress = Some(map.next_value_seed(whole(&left))?);
                }
                _ => {
                    note_unknown(&mut parts.unknown_key, key.as_str());
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Ok(parts))
    }

    scalars_are_wrong!(Err);
    lists_and_null_are_wrong!();
}

#[derive(Clone, Copy)]
struct SavedEventVisitor;

impl<'de> de::DeserializeSeed<'de> for SavedEventVisitor {
    type Value = RawSavedEvent;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawSavedEvent, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SavedEventVisitor {
    type Value = RawSavedEvent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a saved event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSavedEvent, A::Error> {
        let mut parts = SavedEventParts::default();
        // As a fresh event is read: nothing kept past the weight an event may have.
        let left = Cell::new(MAX_EVENT_BYTES);
        let budget = Budget::new(&left);
        parts.too_large = !budget.take(EVENT_BASE_WEIGHT);
        while let Some(key) = map.next_key::<Key>()? {
            if read_head(&mut parts, key.as_str(), &mut map, &budget)? {
                continue;
            }
            match key.as_str() {
                "anon" => parts.anon = Some(map.next_value_seed(PlainSeed { text_limit: 16 })?),
                "p" => {
                    let Properties { found, too_large } = map.next_value_seed(PropertiesSeed(budget))?;
                    parts.too_large |= too_large;
                    parts.properties = Some(found);
                }
                _ => {
                    note_unknown(&mut parts.unknown_key, key.as_str());
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Ok(parts))
    }

    scalars_are_wrong!(Err);
    lists_and_null_are_wrong!();
}

/// A saved event's properties as written, or the JSON type found instead of an
/// object, read within the event's budget.
struct Properties {
    found: Result<Vec<(CompactString, Value)>, &'static str>,
    too_large: bool,
}

#[derive(Clone, Copy)]
struct PropertiesSeed<'a>(Budget<'a>);

impl<'de> de::DeserializeSeed<'de> for PropertiesSeed<'_> {
    type Value = Properties;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Properties, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_> {
    type Value = Properties;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event's properties")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
        let mut found: Vec<(CompactString, Value)> = Vec::new();
        let mut too_large = false;
        while let Some(key) = map.next_key::<Key>()? {
            // Every name counts, a repeated one each time: a repeated name cannot make
            // the list longer than the weight allows.
            if too_large || !self.0.take(key_weight(key.as_str().len())) {
                too_large = true;
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match map.next_value_seed(Bounded {
                budget: self.0,
                levels: 1,
                too_deep: TooDeep::Mark,
                keep: true,
                text_limit: MAX_STRING_LEN,
            })? {
                Read::Value(v) => found.push((key.into_name(), v)),
                Read::TooHeavy | Read::TooDeep => too_large = true,
            }
        }
        Ok(Properties { found: Ok(found), too_large })
    }

    scalars_are_wrong!(|kind| Properties { found: Err(kind), too_large: false });
    lists_and_null_are_wrong!(|kind| Properties { found: Err(kind), too_large: false });
}

/// Reads saved state's profile or progress whole, as a parsed state holds it (a
/// repeated key's first value is gone), within the weight `left`; their shape and
/// depth are checked afterwards (the format's reader bounds the nesting itself).
fn whole(left: &Cell<usize>) -> Bounded<'_> {
    Bounded {
        budget: Budget::new(left),
        levels: usize::MAX,
        too_deep: TooDeep::Refuse,
        keep: true,
        text_limit: usize::MAX,
    }
}
