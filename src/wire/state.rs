//! Reading saved session state (the compact JSON `Session::save` writes, or its
//! MessagePack form) into its parts in one pass, with no JSON value tree built for
//! its events; `session::saved` checks the parts.

use super::{Key, ListSeed, Listed, Text};
use compact_str::CompactString;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

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
    pub profile: Option<Value>,
    /// The events (at most the history limit of them), or the JSON type `events`
    /// had instead of a list.
    pub events: Option<Result<Vec<RawSavedEvent>, &'static str>>,
    /// How many events the list held (more are counted than kept past the limit).
    pub event_count: usize,
    pub dropped: Option<Value>,
    pub progress: Option<Value>,
    /// The first key, in sorted order, that saved state does not have.
    pub unknown_key: Option<String>,
}

/// A saved event's parts as found, or the JSON type it had instead of an object.
pub type RawSavedEvent = Result<SavedEventParts, &'static str>;

/// An event as `Session::save` writes it: `type`, `ts`, `id`, its properties under
/// `p` and `anon` for anonymous history.
#[derive(Debug, Default)]
pub struct SavedEventParts {
    pub kind: Option<Result<CompactString, &'static str>>,
    pub ts: Option<Value>,
    pub id: Option<Result<CompactString, &'static str>>,
    pub anon: Option<Value>,
    /// The properties as written (`Event::from_raw_at` sorts them and keeps the last
    /// of a repeated name), or the JSON type `p` had instead of an object.
    pub properties: Option<Result<Vec<(CompactString, Value)>, &'static str>>,
    /// The first key, in sorted order, that a saved event does not have.
    pub unknown_key: Option<String>,
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
        *slot = Some(key.to_string());
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
                "v" => parts.version = Some(map.next_value()?),
                "id" => parts.id = Some(map.next_value()?),
                "lead" => parts.lead = Some(map.next_value()?),
                "profile" => parts.profile = Some(map.next_value()?),
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
                "dropped" => parts.dropped = Some(map.next_value()?),
                "progress" => parts.progress = Some(map.next_value()?),
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
        while let Some(key) = map.next_key::<Key>()? {
            match key.as_str() {
                "type" => parts.kind = Some(map.next_value::<Text>()?.0),
                "ts" => parts.ts = Some(map.next_value()?),
                "id" => parts.id = Some(map.next_value::<Text>()?.0),
                "anon" => parts.anon = Some(map.next_value()?),
                "p" => parts.properties = Some(map.next_value::<Properties>()?.0),
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
/// object.
struct Properties(Result<Vec<(CompactString, Value)>, &'static str>);

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PropertiesVisitor;
        impl<'de> Visitor<'de> for PropertiesVisitor {
            type Value = Properties;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event's properties")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Properties, A::Error> {
                let mut found: Vec<(CompactString, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(key) = map.next_key::<Key>()? {
                    found.push((key.into_name(), map.next_value()?));
                }
                Ok(Properties(Ok(found)))
            }

            scalars_are_wrong!(|kind| Properties(Err(kind)));
            lists_and_null_are_wrong!(|kind| Properties(Err(kind)));
        }
        d.deserialize_any(PropertiesVisitor)
    }
}
