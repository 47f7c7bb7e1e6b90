//! The wire formats: reading leads, events, profiles and saved session state from
//! JSON text, a parsed JSON value or MessagePack (`msgpack`, the npm package's
//! format), and writing results as MessagePack.
//!
//! Readers build no `serde_json::Value` tree first: an event's keys go straight into
//! its short inline names and its values into its property list, or, for a lead
//! scored in one call, are only measured when no rule reads them (see
//! [`LeadFields`]). Nothing here judges the input; anything of the wrong shape is
//! kept as the name of its JSON type, and `event.rs`, `lead.rs`, `profile.rs` and
//! `session/saved.rs` check the parts with paths and messages, whichever way the
//! JSON arrived.

#[macro_use]
mod macros;
pub mod msgpack;
mod profile;
mod state;

pub(crate) use state::{read_state, RawSavedEvent, RawState};

use crate::limits::{MAX_PROPERTIES, MAX_STRING_LEN};
use crate::profile::ProfileRead;
use compact_str::CompactString;
use profile::ProfileSeed;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// An event's parts as found, or the JSON type it had instead of an object.
pub type RawEvent = Result<EventParts, &'static str>;

#[derive(Debug, Default)]
pub struct EventParts {
    /// The type as inline text (no allocation up to 24 bytes), or the JSON type it
    /// had instead of text.
    pub kind: Option<Result<CompactString, &'static str>>,
    pub ts: Option<Value>,
    /// The id as inline text like the type, or the JSON type it had instead.
    pub id: Option<Result<CompactString, &'static str>>,
    /// Every other key that the reader keeps (see [`LeadFields`]), in the order found.
    pub properties: Vec<(CompactString, Value)>,
    /// The other keys, which no rule reads: as much of their values as the checks
    /// on properties need, in the order found.
    pub unread: Vec<(CompactString, Unread)>,
}

impl EventParts {
    /// Room, once, for the property just found and the keys left but `type` and `ts`
    /// when still to come (`left`, when the format tells it): a session holds the
    /// list as it is, and growing it from empty would leave room for four.
    fn reserve_properties(&mut self, left: Option<usize>) {
        let to_come = usize::from(self.kind.is_none()) + usize::from(self.ts.is_none());
        let room = left.map_or(1, |left| (left + 1).saturating_sub(to_come).max(1));
        self.properties.reserve_exact(room.min(MAX_PROPERTIES));
    }
}

/// The value of a property no rule reads: text and other plain values measured and
/// let go, a list or an object kept whole to be checked. `size` is what
/// `event::json_size` gives the value and `too_long_text` what `check_property`
/// refuses; the event property test in tests/msgpack.rs holds the two together.
#[derive(Debug)]
pub enum Unread {
    Plain { size: usize, too_long_text: bool },
    Whole(Value),
}

/// Names a reader keeps: every one, or those a rule set reads (by the first step of
/// their paths: `company` for `company.size`).
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// `None`: every name.
    names: Option<Vec<Box<str>>>,
}

/// Past this many names a reader keeps every one: each name read is compared with
/// each kept one, and a rule set seldom reads more than a dozen.
const MAX_NAMES: usize = 32;

impl Names {
    /// Keeps every name.
    pub const ALL: Names = Names { names: None };

    /// Keeps only the names given (every name, past `MAX_NAMES` (32) of them).
    pub fn only<'a>(names: impl IntoIterator<Item = &'a str>) -> Names {
        let mut kept: Vec<Box<str>> = Vec::new();
        for name in names {
            if kept.iter().all(|k| **k != *name) {
                if kept.len() == MAX_NAMES {
                    return Names::ALL;
                }
                kept.push(name.into());
            }
        }
        Names { names: Some(kept) }
    }

    pub(crate) fn keeps(&self, name: &str) -> bool {
        self.names.as_ref().is_none_or(|names| names.iter().any(|n| **n == *name))
    }
}

/// What a reader keeps of a lead: the profile fields and event properties a rule
/// set reads. The rest is checked against the limits as it is read and let go, so
/// that a CRM record or a richly tracked event costs little more than what is read.
#[derive(Debug, Clone, Default)]
pub struct LeadFields {
    pub profile: Names,
    pub properties: Names,
}

impl LeadFields {
    /// Keeps everything.
    pub const ALL: LeadFields = LeadFields { profile: Names::ALL, properties: Names::ALL };
}

/// A lead's parts as found, or the JSON type it had instead of an object.
pub type RawLead = Result<LeadParts, &'static str>;

#[derive(Debug, Default)]
pub struct LeadParts {
    pub id: Option<Value>,
    pub profile: Option<ProfileRead>,
    /// The events, or the JSON type `events` had instead of a list.
    pub events: Option<Result<Vec<RawEvent>, &'static str>>,
    /// How many events the list held (more are counted than kept past the limit).
    pub event_count: usize,
    /// The first key that is not `id`, `profile` or `events`.
    pub unknown_key: Option<String>,
}

/// Reads a lead from anything serde can drive (JSON text, a `Value`), keeping at
/// most `keep_events` events, and of the profile and the events what `fields` names.
pub fn read_lead<'de, D: Deserializer<'de>>(
    d: D,
    keep_events: usize,
    fields: &LeadFields,
) -> Result<RawLead, D::Error> {
    d.deserialize_any(LeadVisitor { keep_events, fields })
}

/// Reads a list of leads: each lead, or the JSON type the whole had instead of a list.
pub fn read_leads<'de, D: Deserializer<'de>>(
    d: D,
    keep_events: usize,
    fields: &LeadFields,
) -> Result<Result<Vec<RawLead>, &'static str>, D::Error> {
    d.deserialize_any(LeadsVisitor { keep_events, fields })
}

/// Reads one event, keeping every property.
pub fn read_event<'de, D: Deserializer<'de>>(d: D) -> Result<RawEvent, D::Error> {
    d.deserialize_any(EventSeed(&Names::ALL))
}

/// Reads an event keeping the properties `0` names.
#[derive(Clone, Copy)]
struct EventSeed<'a>(&'a Names);

impl<'de> de::DeserializeSeed<'de> for EventSeed<'_> {
    type Value = RawEvent;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawEvent, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_> {
    type Value = RawEvent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
        let mut parts = EventParts::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key.as_str() {
                "type" => parts.kind = Some(map.next_value::<Text>()?.0),
                "ts" => parts.ts = Some(map.next_value()?),
                "id" => parts.id = Some(map.next_value::<Text>()?.0),
                name if self.0.keeps(name) => {
                    if parts.properties.capacity() == 0 {
                        parts.reserve_properties(map.size_hint());
                    }
                    parts.properties.push((key.into_name(), map.next_value()?))
                }
                _ => parts.unread.push((key.into_name(), map.next_value::<UnreadValue>()?.0)),
            }
        }
        Ok(Ok(parts))
    }

    scalars_are_wrong!(Err);
    lists_and_null_are_wrong!();
}

/// A property value read as [`Unread`].
struct UnreadValue(Unread);

impl<'de> Deserialize<'de> for UnreadValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct UnreadVisitor;
        const PLAIN: UnreadValue = UnreadValue(Unread::Plain { size: 8, too_long_text: false });
        impl<'de> Visitor<'de> for UnreadVisitor {
            type Value = UnreadValue;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any valid JSON value")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<UnreadValue, E> {
                Ok(UnreadValue(Unread::Plain { size: s.len() + 2, too_long_text: s.len() > MAX_STRING_LEN }))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            fn visit_unit<E: de::Error>(self) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            fn visit_none<E: de::Error>(self) -> Result<UnreadValue, E> {
                Ok(PLAIN)
            }

            // Lists and objects, seldom properties, are read as JSON values (by
            // serde_json's own reader), for the same checks.
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<UnreadValue, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|v| UnreadValue(Unread::Whole(v)))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<UnreadValue, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| UnreadValue(Unread::Whole(v)))
            }
        }
        d.deserialize_any(UnreadVisitor)
    }
}

/// Lets a `Result` (`RawEvent`, `RawSavedEvent`) be read as a list element.
struct Wrapped<T>(T);

struct LeadVisitor<'a> {
    keep_events: usize,
    fields: &'a LeadFields,
}

impl<'de> Visitor<'de> for LeadVisitor<'_> {
    type Value = RawLead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a lead")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawLead, A::Error> {
        let mut parts = LeadParts::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key.as_str() {
                "id" => parts.id = Some(map.next_value()?),
                "profile" => parts.profile = Some(map.next_value_seed(ProfileSeed(&self.fields.profile))?),
                "events" => {
                    let events = ListSeed {
                        keep: self.keep_events,
                        what: "a list of events",
                        item: EventSeed(&self.fields.properties),
                    };
                    let Listed { items, count } = map.next_value_seed(events)?;
                    parts.events = items;
                    parts.event_count = count;
                }
                _ => {
                    if parts.unknown_key.is_none() {
                        parts.unknown_key = Some(key.as_str().to_string());
                    }
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Ok(parts))
    }

    scalars_are_wrong!(Err);
    lists_and_null_are_wrong!();
}

struct LeadsVisitor<'a> {
    keep_events: usize,
    fields: &'a LeadFields,
}

impl<'de> Visitor<'de> for LeadsVisitor<'_> {
    type Value = Result<Vec<RawLead>, &'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of leads")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut leads = Vec::new();
        while let Some(Wrapped(lead)) =
            seq.next_element_seed(LeadSeed { keep_events: self.keep_events, fields: self.fields })?
        {
            leads.push(lead);
        }
        Ok(Ok(leads))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("an object"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null"))
    }

    scalars_are_wrong!(Err);
}

struct LeadSeed<'a> {
    keep_events: usize,
    fields: &'a LeadFields,
}

impl<'de> de::DeserializeSeed<'de> for LeadSeed<'_> {
    type Value = Wrapped<RawLead>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        read_lead(d, self.keep_events, self.fields).map(Wrapped)
    }
}

/// A list of up to `keep` items, past which items are only counted (so a huge list
/// cannot fill memory): `None` for null, or the JSON type found instead of a list.
struct Listed<T> {
    items: Option<Result<Vec<T>, &'static str>>,
    count: usize,
}

/// Reads a [`Listed`] list whose items `item` reads; `what` names it in the reader's
/// own errors.
struct ListSeed<S> {
    keep: usize,
    what: &'static str,
    item: S,
}

impl<'de, S: de::DeserializeSeed<'de> + Copy> de::DeserializeSeed<'de> for ListSeed<S> {
    type Value = Listed<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: de::DeserializeSeed<'de> + Copy> Visitor<'de> for ListSeed<S> {
    type Value = Listed<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Sized from the list's length when the format tells it (MessagePack does),
        // within reason: a length is a claim until the items are read.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(self.keep).min(1024));
        let mut count = 0;
        while count < self.keep {
            match seq.next_element_seed(self.item)? {
                Some(item) => items.push(item),
                None => return Ok(Listed { items: Some(Ok(items)), count }),
            }
            count += 1;
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            count += 1;
        }
        Ok(Listed { items: Some(Ok(items)), count })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Listed { items: Some(Err("an object")), count: 0 })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Listed { items: None, count: 0 })
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Listed { items: None, count: 0 })
    }

    scalars_are_wrong!(|kind| Listed { items: Some(Err(kind)), count: 0 });
}

/// Text read into an inline string, or the name of the JSON type found instead.
struct Text(Result<CompactString, &'static str>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(Ok(CompactString::from(s))))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(Err("an object")))
            }

            numbers_and_booleans_are_wrong!(|kind| Text(Err(kind)));
            lists_and_null_are_wrong!(|kind| Text(Err(kind)));
        }
        d.deserialize_any(TextVisitor)
    }
}

/// An object key: borrowed from the input when it holds the key as it is (MessagePack
/// always does, JSON text unless escaped), so that matching a known key (`type`,
/// `ts`, a name no rule reads) copies nothing; [`Key::into_name`] makes the inline
/// name to keep.
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(CompactString),
}

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    pub(crate) fn into_name(self) -> CompactString {
        match self {
            Key::Borrowed(s) => CompactString::from(s),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(s))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(CompactString::from(s)))
            }

            fn visit_string<E: de::Error>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(CompactString::from(s)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}
