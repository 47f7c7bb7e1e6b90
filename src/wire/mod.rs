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
pub(crate) mod budget;
pub mod msgpack;
mod profile;
mod state;

pub(crate) use state::{read_state, RawSavedEvent, RawState};

use crate::limits::{MAX_EVENT_BYTES, MAX_ID_LEN, MAX_PROPERTIES, MAX_STRING_LEN, MAX_TYPE_LEN};
use crate::profile::ProfileRead;
use budget::{key_weight, text_weight, Bounded, Budget, Read, TooDeep, SCALAR_WEIGHT};
use compact_str::CompactString;
use profile::ProfileSeed;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::Cell;
use std::fmt;

/// An event's parts as found, or the JSON type it had instead of an object.
pub type RawEvent = Result<EventParts, &'static str>;

#[derive(Debug, Default)]
pub struct EventParts {
    /// The type as inline text (no allocation up to 24 bytes), or the JSON type it
    /// had instead of text.
    pub kind: EventText,
    pub ts: Option<Value>,
    /// The id as inline text like the type, or the JSON type it had instead.
    pub id: EventText,
    /// Every other key that the reader keeps (see [`LeadFields`]), in the order found.
    pub properties: Vec<(CompactString, Value)>,
    /// The other keys, which no rule reads: as much of their values as the checks
    /// on properties need, in the order found.
    pub unread: Vec<(CompactString, Unread)>,
    /// The event weighs more than [`MAX_EVENT_BYTES`]: reading kept nothing past
    /// the limit, and the event is refused as too large.
    pub too_large: bool,
}

/// The weight of an event before its type, id and properties (docs/RULESET.md 10.1).
pub(crate) const EVENT_BASE_WEIGHT: usize = 40;

/// The first character of the id a session gives an event without one
/// (`src/session/identity.rs`).
pub(crate) const GENERATED_ID_MARK: u8 = b'~';
/// The length of such an id in bytes: the mark and 11 characters of base64url,
/// which fit inline in a `CompactString` on wasm32 (12 bytes) as natively.
pub(crate) const GENERATED_ID_LEN: usize = 12;

/// Whether `id` has the form of the id a session gives an event without one: `~`
/// and 11 characters of base64url.
pub(crate) fn is_generated_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == GENERATED_ID_LEN
        && b.first() == Some(&GENERATED_ID_MARK)
        && b.iter().skip(1).all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

/// What an event's id weighs: its bytes, but nothing for an id of the form a
/// session gives an event without one, so that an event keeps its weight when it
/// gets one, and restores as it was tracked (docs/RULESET.md, section 10.1).
pub(crate) fn id_weight(id: &str) -> usize {
    if is_generated_id(id) {
        0
    } else {
        id.len()
    }
}

/// An event's type or id as read: inline text, or the JSON type it had instead.
pub(crate) type EventText = Option<Result<CompactString, &'static str>>;

/// The parts every event has, fresh or saved: type, time, id, and whether it went
/// over its weight.
pub(crate) trait EventHead {
    fn head(&mut self) -> (&mut EventText, &mut Option<Value>, &mut EventText, &mut bool);
}

impl EventHead for EventParts {
    fn head(&mut self) -> (&mut EventText, &mut Option<Value>, &mut EventText, &mut bool) {
        (&mut self.kind, &mut self.ts, &mut self.id, &mut self.too_large)
    }
}

/// Reads the value of `key` into `parts` when it is `type`, `ts` or `id`, the keys
/// fresh and saved events share, counting its weight against `budget`; false for
/// any other key, whose value is left to the caller.
pub(crate) fn read_head<'de, A: MapAccess<'de>>(
    parts: &mut impl EventHead,
    key: &str,
    map: &mut A,
    budget: &Budget<'_>,
) -> Result<bool, A::Error> {
    let (kind, ts, id, too_large) = parts.head();
    match key {
        "type" => {
            let (text, len) = map.next_value_seed(TextSeed { limit: MAX_TYPE_LEN })?;
            *too_large |= !budget.take(len);
            *kind = Some(text);
        }
        "ts" => *ts = Some(map.next_value_seed(PlainSeed { text_limit: MAX_TIMESTAMP_TEXT })?),
        "id" => {
            let (text, len) = map.next_value_seed(TextSeed { limit: MAX_ID_LEN })?;
            let weight = match &text {
                Ok(t) if t.len() == len => id_weight(t),
                _ => len,
            };
            *too_large |= !budget.take(weight);
            *id = Some(text);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

impl EventParts {
    /// About the memory the event takes as read (see [`budget::memory_of`]).
    fn memory(&self) -> usize {
        let name = std::mem::size_of::<CompactString>();
        let properties = self.properties.iter().map(|(k, v)| name + k.len() + budget::memory_of(v));
        let unread = self.unread.iter().map(|(k, u)| {
            name + k.len()
                + match u {
                    Unread::Whole(v) => budget::memory_of(v),
                    Unread::Plain { .. } => std::mem::size_of::<Unread>(),
                }
        });
        std::mem::size_of::<RawEvent>() + properties.sum::<usize>() + unread.sum::<usize>()
    }

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
    /// The value of the key [`read_lead_with`] was asked to take: a history's outcome.
    #[cfg(feature = "backtest")]
    pub extra: Option<Value>,
}

/// Reads a lead from anything serde can drive (JSON text, a `Value`), keeping at
/// most `keep_events` events, and of the profile and the events what `fields` names.
pub fn read_lead<'de, D: Deserializer<'de>>(
    d: D,
    keep_events: usize,
    fields: &LeadFields,
) -> Result<RawLead, D::Error> {
    let call = call_budget();
    d.deserialize_any(LeadVisitor {
        keep_events,
        fields,
        call: Budget::new(&call),
        #[cfg(feature = "backtest")]
        extra: None,
    })
}

/// [`read_lead`] that also takes the value of the key `extra` (a history's outcome
/// beside the lead's keys) into [`LeadParts::extra`], in the same pass.
#[cfg(feature = "backtest")]
pub fn read_lead_with<'de, D: Deserializer<'de>>(
    d: D,
    keep_events: usize,
    fields: &LeadFields,
    extra: &str,
) -> Result<RawLead, D::Error> {
    let call = call_budget();
    d.deserialize_any(LeadVisitor { keep_events, fields, call: Budget::new(&call), extra: Some(extra) })
}

/// Reads a rule-set document whole, within its weight limit ([`MAX_RULESET_BYTES`]).
#[cfg(feature = "compiler")]
pub(crate) fn read_rule_set<'de, D: Deserializer<'de>>(d: D) -> Result<Read, D::Error> {
    let left = Cell::new(crate::limits::MAX_RULESET_BYTES);
    de::DeserializeSeed::deserialize(
        Bounded {
            budget: Budget::new(&left),
            levels: usize::MAX,
            too_deep: TooDeep::Refuse,
            keep: true,
            text_limit: usize::MAX,
        },
        d,
    )
}

/// Reads a profile whole (every field kept), within the profile's limits: a profile
/// patch (`Session::update_profile`).
pub(crate) fn read_profile<'de, D: Deserializer<'de>>(d: D) -> Result<crate::profile::ProfileRead, D::Error> {
    de::DeserializeSeed::deserialize(ProfileSeed(&Names::ALL), d)
}

/// Weighs a value already parsed, against the weight `left`: `Err` when heavier.
#[cfg(feature = "compiler")]
pub(crate) fn weigh(v: &Value, left: &Cell<usize>) -> Result<(), ()> {
    let weigh = Bounded {
        budget: Budget::new(left),
        levels: usize::MAX,
        too_deep: TooDeep::Refuse,
        keep: false,
        text_limit: usize::MAX,
    };
    match de::DeserializeSeed::deserialize(weigh, v) {
        Ok(Read::Value(_)) => Ok(()),
        _ => Err(()),
    }
}

/// What the message of a reader's error says when a call's input weighed more than
/// [`crate::limits::CallLimits::max_call_memory`]: [`input_error`] makes it `tooLarge`.
const CALL_TOO_HEAVY: &str = "the input's leads take more memory than one call may";

/// The weight one call may still read (see [`crate::limits::CallLimits`]).
fn call_budget() -> Cell<usize> {
    Cell::new(crate::limits::CallLimits::get().max_call_memory)
}

/// JSON text's reader's error about `what` as an input error at `path`: the call's
/// weight limit as `tooLarge`, else as `crate::error::json_error` says.
pub(crate) fn json_text_error(e: &serde_json::Error, path: &str, what: &str) -> crate::InputError {
    let message = e.to_string();
    if message.contains(CALL_TOO_HEAVY) {
        return input_error(message, path, what, "invalidJson");
    }
    crate::error::json_error(e, path, what)
}

/// A reader's error about `what` (say, "the lead") as an input error at `path`: the
/// call's weight limit as `tooLarge`, anything else as `code`.
pub(crate) fn input_error(message: String, path: &str, what: &str, code: &'static str) -> crate::InputError {
    if message.contains(CALL_TOO_HEAVY) {
        let max = crate::limits::CallLimits::get().max_call_memory;
        return crate::InputError::new(
            path,
            "tooLarge",
            format!("{what}: the leads of one call take at most {max} bytes of memory once read, and these take more"),
        );
    }
    crate::InputError::new(path, code, message)
}

/// Reads a list of leads: each lead, or the JSON type the whole had instead of a list.
pub fn read_leads<'de, D: Deserializer<'de>>(
    d: D,
    keep_events: usize,
    fields: &LeadFields,
) -> Result<Result<Vec<RawLead>, &'static str>, D::Error> {
    let call = call_budget();
    d.deserialize_any(LeadsVisitor { keep_events, fields, call: Budget::new(&call) })
}

/// Reads one event, keeping every property.
pub fn read_event<'de, D: Deserializer<'de>>(d: D) -> Result<RawEvent, D::Error> {
    // One event is within its own weight limit, far below any call's.
    let call = Cell::new(usize::MAX);
    d.deserialize_any(EventSeed(&Names::ALL, Budget::new(&call)))
}

/// Reads an event keeping the properties `0` names; what it weighs counts toward the
/// call's budget `1`, and an event past that budget fails the whole read.
#[derive(Clone, Copy)]
struct EventSeed<'a>(&'a Names, Budget<'a>);

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
        // The event's weight, counted down as it is read: nothing is kept past it.
        let left = Cell::new(MAX_EVENT_BYTES);
        let budget = Budget::new(&left);
        parts.too_large = !budget.take(EVENT_BASE_WEIGHT);
        while let Some(key) = map.next_key::<Key>()? {
            if read_head(&mut parts, key.as_str(), &mut map, &budget)? {
                continue;
            }
            let name = key.as_str();
            let keep = self.0.keeps(name);
            if !budget.take(key_weight(name.len())) {
                parts.too_large = true;
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if keep {
                match map.next_value_seed(Bounded {
                    budget,
                    levels: 1,
                    too_deep: TooDeep::Mark,
                    keep: true,
                    text_limit: MAX_STRING_LEN,
                })? {
                    Read::Value(v) => {
                        if parts.properties.capacity() == 0 {
                            parts.reserve_properties(map.size_hint());
                        }
                        parts.properties.push((key.into_name(), v));
                    }
                    Read::TooHeavy | Read::TooDeep => parts.too_large = true,
                }
            } else {
                match map.next_value_seed(UnreadSeed(budget))? {
                    Some(unread) => parts.unread.push((key.into_name(), unread)),
                    None => parts.too_large = true,
                }
            }
        }
        if !self.1.take(parts.memory()) {
            return Err(de::Error::custom(CALL_TOO_HEAVY));
        }
        Ok(Ok(parts))
    }

    scalars_are_wrong!(Err);
    lists_and_null_are_wrong!();
}

/// A property value read as [`Unread`], within the event's budget: `None` when the
/// event went past it.
#[derive(Clone, Copy)]
struct UnreadSeed<'a>(Budget<'a>);

impl UnreadSeed<'_> {
    fn plain(self, size: usize, too_long_text: bool) -> Option<Unread> {
        self.0.take(size).then_some(Unread::Plain { size, too_long_text })
    }

    /// Lists and objects, seldom properties, are read whole (within the budget) for
    /// the same checks as a property a rule reads.
    fn whole(read: Read) -> Option<Unread> {
        match read {
            Read::Value(v) => Some(Unread::Whole(v)),
            Read::TooHeavy | Read::TooDeep => None,
        }
    }
}

impl<'de> de::DeserializeSeed<'de> for UnreadSeed<'_> {
    type Value = Option<Unread>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Unread>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UnreadSeed<'_> {
    type Value = Option<Unread>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Unread>, E> {
        // A text too long is weighed as what a kept one keeps of it (see
        // `Bounded::text_limit`): its checks refuse it for its length.
        let kept = at_most(s, MAX_STRING_LEN).len();
        if !self.0.take(text_weight(kept)) {
            return Ok(None);
        }
        Ok(Some(Unread::Plain { size: text_weight(s.len()), too_long_text: s.len() > MAX_STRING_LEN }))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Unread>, E> {
        Ok(self.plain(SCALAR_WEIGHT, false))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Unread>, E> {
        Ok(self.plain(SCALAR_WEIGHT, false))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Unread>, E> {
        Ok(self.plain(SCALAR_WEIGHT, false))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Unread>, E> {
        Ok(self.plain(SCALAR_WEIGHT, false))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Unread>, E> {
        Ok(self.plain(SCALAR_WEIGHT, false))
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<Unread>, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<Unread>, A::Error> {
        Bounded { budget: self.0, levels: 1, too_deep: TooDeep::Mark, keep: true, text_limit: MAX_STRING_LEN }
            .visit_seq(seq)
            .map(Self::whole)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Unread>, A::Error> {
        Bounded { budget: self.0, levels: 1, too_deep: TooDeep::Mark, keep: true, text_limit: MAX_STRING_LEN }
            .visit_map(map)
            .map(Self::whole)
    }
}

/// Lets a `Result` (`RawEvent`, `RawSavedEvent`) be read as a list element.
struct Wrapped<T>(T);

struct LeadVisitor<'a> {
    keep_events: usize,
    fields: &'a LeadFields,
    call: Budget<'a>,
    #[cfg(feature = "backtest")]
    extra: Option<&'a str>,
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
                "id" => parts.id = Some(map.next_value_seed(PlainSeed { text_limit: MAX_ID_LEN })?),
                "profile" => {
                    let profile = map.next_value_seed(ProfileSeed(&self.fields.profile))?;
                    let kept = profile
                        .fields
                        .as_ref()
                        .map_or(0, |f| f.iter().map(|(k, v)| k.len() + budget::memory_of(v)).sum());
                    if !self.call.take(kept) {
                        return Err(de::Error::custom(CALL_TOO_HEAVY));
                    }
                    parts.profile = Some(profile);
                }
                "events" => {
                    let events = ListSeed {
                        keep: self.keep_events,
                        what: "a list of events",
                        item: EventSeed(&self.fields.properties, self.call),
                    };
                    let Listed { items, count } = map.next_value_seed(events)?;
                    parts.events = items;
                    parts.event_count = count;
                }
                #[cfg(feature = "backtest")]
                _ if self.extra == Some(key.as_str()) => parts.extra = Some(map.next_value::<Value>()?),
                _ => {
                    if parts.unknown_key.is_none() {
                        // Named in an error, so kept short.
                        parts.unknown_key = Some(at_most(key.as_str(), 64).to_string());
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
    call: Budget<'a>,
}

impl<'de> Visitor<'de> for LeadsVisitor<'_> {
    type Value = Result<Vec<RawLead>, &'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of leads")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut leads = Vec::new();
        while let Some(Wrapped(lead)) =
            seq.next_element_seed(LeadSeed { keep_events: self.keep_events, fields: self.fields, call: self.call })?
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
    call: Budget<'a>,
}

impl<'de> de::DeserializeSeed<'de> for LeadSeed<'_> {
    type Value = Wrapped<RawLead>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LeadVisitor {
            keep_events: self.keep_events,
            fields: self.fields,
            call: self.call,
            #[cfg(feature = "backtest")]
            extra: None,
        })
        .map(Wrapped)
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

/// Text read into an inline string, or the name of the JSON type found instead, with
/// the text's length in bytes. Text longer than `limit` bytes is cut after its first
/// character past the limit: enough to be refused as too long, without keeping it.
#[derive(Clone, Copy)]
pub(crate) struct TextSeed {
    pub(crate) limit: usize,
}

/// `s`, or its start when it is longer than `limit` bytes: its first `limit` bytes and
/// the character after them.
pub(crate) fn at_most(s: &str, limit: usize) -> &str {
    if s.len() <= limit {
        return s;
    }
    let end = (limit + 1..=s.len()).find(|i| s.is_char_boundary(*i)).unwrap_or(s.len());
    s.get(..end).unwrap_or(s)
}

impl<'de> de::DeserializeSeed<'de> for TextSeed {
    type Value = (Result<CompactString, &'static str>, usize);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = (Result<CompactString, &'static str>, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok((Ok(CompactString::from(at_most(s, self.limit))), s.len()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok((Err("an object"), 0))
    }

    numbers_and_booleans_are_wrong!(|kind| (Err(kind), 0));
    lists_and_null_are_wrong!(|kind| (Err(kind), 0));
}

/// The longest timestamp text kept as it is (RFC 3339 with nanoseconds and an offset
/// is 35 bytes); a longer one is kept only to be shown in the error that refuses it.
pub(crate) const MAX_TIMESTAMP_TEXT: usize = 64;

/// A value where a plain one is wanted (a timestamp, a version, an id), as found: a
/// number, boolean, null or text (cut after `text_limit` bytes and marked with an
/// ellipsis: longer than anything valid there, and kept only for its error), or a
/// list or object, read past and kept only as an empty one of its kind.
#[derive(Clone, Copy)]
pub(crate) struct PlainSeed {
    pub(crate) text_limit: usize,
}

impl<'de> de::DeserializeSeed<'de> for PlainSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PlainSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a plain value")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        let kept = at_most(s, self.text_limit);
        Ok(Value::String(if kept.len() < s.len() { format!("{kept}…") } else { kept.to_owned() }))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array(Vec::new()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object(serde_json::Map::new()))
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
