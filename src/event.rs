//! Events: what a lead did, when. Read from JSON once, checked against the limits,
//! and kept in a compact form that sessions store and every rule set can score.

use crate::error::InputError;
use crate::limits::{MAX_EVENT_BYTES, MAX_ID_LEN, MAX_LIST_ITEMS, MAX_PROPERTIES, MAX_STRING_LEN, MAX_TYPE_LEN};
use crate::time::instant_from_json;
use crate::value::Fields;
use crate::wire::{RawEvent, Unread};
use compact_str::CompactString;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One event. On the wire: `{"type": "page_view", "ts": 1795685400000, "url": "/pricing"}`:
/// every key besides `type`, `ts` and the optional `id` is a property.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: CompactString,
    pub ts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<CompactString>,
    #[serde(skip_serializing_if = "Properties::is_empty", rename = "p")]
    pub properties: Properties,
    /// Tracked while the visitor was anonymous (before `identify`).
    #[serde(skip_serializing_if = "std::ops::Not::not", rename = "anon")]
    pub anonymous: bool,
}

impl Event {
    /// Reads and checks one event given as a JSON value; errors name it `event`
    /// (`event.ts`), as [`crate::Session::track_value`] does.
    pub fn from_value(v: &Value) -> Result<Event, InputError> {
        Event::from_value_at(v, "event")
    }

    /// [`Event::from_value`] from JSON text, read without a `Value` in between.
    pub fn from_json(text: &str) -> Result<Event, InputError> {
        crate::limits::CallLimits::check_input(text.len(), "event", "the event")?;
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = crate::wire::read_event(&mut de)
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| crate::error::json_error(&e, "event", "the event"))?;
        Event::from_raw(raw, "event")
    }

    /// [`Event::from_value`] with `path` naming the event in errors (`events[3]`).
    pub(crate) fn from_value_at(v: &Value, path: &str) -> Result<Event, InputError> {
        let raw = crate::wire::read_event(v).map_err(|e| InputError::new(path, "invalidEvent", e.to_string()))?;
        Event::from_raw(raw, path)
    }

    /// Checks an event's parts as read from JSON (see [`crate::wire`]).
    pub(crate) fn from_raw(raw: RawEvent, path: &str) -> Result<Event, InputError> {
        Event::from_raw_at(raw, &|| path.to_string())
    }

    /// [`Event::from_raw`] with the event's path made only for an error: a lead's
    /// events are numbered (`events[3]`), and most are valid.
    pub(crate) fn from_raw_at(raw: RawEvent, path: &dyn Fn() -> String) -> Result<Event, InputError> {
        let err =
            |at: &str, code: &'static str, msg: String| InputError::new(crate::error::join(&path(), at), code, msg);
        let too_large = || {
            err("", "tooLarge", format!("the event weighs more than {MAX_EVENT_BYTES} (about as many bytes of JSON)"))
        };
        let parts = raw.map_err(|t| {
            err(
                "",
                "wrongType",
                format!("an event is an object like {{\"type\": \"page_view\", \"ts\": 1795685400000}}, not {t}"),
            )
        })?;
        // Reading kept nothing past the weight limit: whatever else is wrong with it,
        // the event is too large.
        if parts.too_large {
            return Err(too_large());
        }
        let kind = match parts.kind {
            Some(Ok(s)) if s.is_empty() => return Err(err("type", "invalidEvent", "the event type is empty".into())),
            Some(Ok(s)) if s.len() > MAX_TYPE_LEN => {
                return Err(err("type", "tooLong", format!("the event type is longer than {MAX_TYPE_LEN} bytes")))
            }
            Some(Ok(s)) => s,
            Some(Err(other)) => {
                return Err(err("type", "wrongType", format!("the event type must be text, not {other}")))
            }
            None => return Err(err("type", "missingKey", "the event has no \"type\"".into())),
        };
        let ts = match &parts.ts {
            Some(t) => instant_from_json(t).map_err(|m| err("ts", "invalidTimestamp", format!("the timestamp {m}")))?,
            None => {
                return Err(err(
                    "ts",
                    "missingKey",
                    "the event has no \"ts\" (milliseconds since the epoch, or RFC 3339 text)".into(),
                ))
            }
        };
        let id = match parts.id {
            None | Some(Err("null")) => None,
            Some(Ok(s)) if s.len() <= MAX_ID_LEN && !s.is_empty() => Some(s),
            Some(Ok(_)) => {
                return Err(err(
                    "id",
                    "invalidEvent",
                    format!("the event id is empty or longer than {MAX_ID_LEN} bytes"),
                ))
            }
            Some(Err(other)) => return Err(err("id", "wrongType", format!("the event id must be text, not {other}"))),
        };
        // Each list sorted by name (see `sort_by_name`): the properties kept, and
        // those no rule reads (see `wire::LeadFields`), which are only checked. A name
        // is in one list or the other, so the two together are the event's properties.
        let too_many = || err("", "tooManyProperties", format!("the event has more than {MAX_PROPERTIES} properties"));
        let mut properties = parts.properties;
        let mut unread = parts.unread;
        let kept = sort_by_name(&mut properties, MAX_PROPERTIES).ok_or_else(too_many)?;
        sort_by_name(&mut unread, MAX_PROPERTIES - kept).ok_or_else(too_many)?;
        // Checked in order of name across both lists.
        let mut size = kind.len() + id.as_deref().map_or(0, crate::wire::id_weight) + 40;
        let (mut next_kept, mut next_unread) = (0, 0);
        loop {
            let kept_first = match (properties.get(next_kept), unread.get(next_unread)) {
                (Some((k, _)), Some((u, _))) => k < u,
                (kept, _) => kept.is_some(),
            };
            let (k, (checked, value_size)) = if kept_first {
                let Some((k, v)) = properties.get(next_kept) else { break };
                next_kept += 1;
                (k, (check_property(v, 0), json_size(v)))
            } else {
                let Some((k, u)) = unread.get(next_unread) else { break };
                next_unread += 1;
                (k, checked_unread(u))
            };
            if k.len() > MAX_TYPE_LEN {
                return Err(err(k, "tooLong", format!("the property name is longer than {MAX_TYPE_LEN} bytes")));
            }
            checked.map_err(|(code, m)| err(k, code, m))?;
            size += k.len() + 4 + value_size;
            if size > MAX_EVENT_BYTES {
                return Err(too_large());
            }
        }
        Ok(Event { kind, ts, id, properties: Properties(properties), anonymous: false })
    }
}

/// An event's properties: a short list sorted by name. Events hold a handful of
/// properties, and a list keeps them in one allocation where a map would take
/// hundreds of bytes per event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Properties(Vec<(CompactString, Value)>);

impl Properties {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Fields for Properties {
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k.as_str(), v)))
    }
}

/// Sorts `list` by name in place; of a name given twice the last value counts, as in
/// a JSON object read into a map. In the order they came, the first `sorted` are in
/// order, each next one moves back into its place among them (an event has a few),
/// a repeated name hands its value to the one held (what it leaves behind is cut
/// off at the end), and a name past `limit` distinct ones gives `None` at once. So
/// each entry costs at most the limit's worth of steps, however many repeats a list
/// holds. Gives the number of names.
fn sort_by_name<V>(list: &mut Vec<(CompactString, V)>, limit: usize) -> Option<usize> {
    let mut sorted = 0;
    for next in 0..list.len() {
        list.swap(sorted, next);
        let (held, rest) = list.split_at_mut(sorted);
        let Some(candidate) = rest.first_mut() else { break };
        match held.binary_search_by(|(name, _)| name.as_str().cmp(candidate.0.as_str())) {
            Ok(i) => {
                if let Some(same) = held.get_mut(i) {
                    std::mem::swap(&mut same.1, &mut candidate.1);
                }
            }
            Err(_) if sorted == limit => return None,
            Err(i) => {
                for k in (i..sorted).rev() {
                    list.swap(k, k + 1);
                }
                sorted += 1;
            }
        }
    }
    list.truncate(sorted);
    Some(sorted)
}

/// What the checks make of a property no rule reads, as of a value: its problem, if
/// any, and its size.
fn checked_unread(u: &Unread) -> (Result<(), (&'static str, String)>, usize) {
    match u {
        Unread::Whole(v) => (check_property(v, 0), json_size(v)),
        Unread::Plain { size, too_long_text: true } => (Err(too_long_text_problem()), *size),
        Unread::Plain { size, too_long_text: false } => (Ok(()), *size),
    }
}

fn too_long_text_problem() -> (&'static str, String) {
    ("tooLong", format!("the text is longer than {MAX_STRING_LEN} bytes"))
}

/// Property values: text, numbers, booleans, null, and lists or one level of object
/// of those, each within the limits.
fn check_property(v: &Value, depth: usize) -> Result<(), (&'static str, String)> {
    match v {
        Value::String(s) if s.len() > MAX_STRING_LEN => Err(too_long_text_problem()),
        Value::Number(n) if n.as_f64().is_none_or(|f| !f.is_finite()) => {
            Err(("wrongType", "the number is not finite".into()))
        }
        Value::Array(_) | Value::Object(_) if depth > 0 => {
            Err(("tooDeep", "a property is a plain value, or a list or object of plain values".into()))
        }
        Value::Array(items) if items.len() > MAX_LIST_ITEMS => {
            Err(("tooLong", format!("the list has more than {MAX_LIST_ITEMS} items")))
        }
        Value::Object(map) if map.len() > MAX_LIST_ITEMS => {
            Err(("tooLong", format!("the object has more than {MAX_LIST_ITEMS} keys")))
        }
        Value::Array(items) => items.iter().try_for_each(|i| check_property(i, depth + 1)),
        Value::Object(map) => map.values().try_for_each(|i| check_property(i, depth + 1)),
        _ => Ok(()),
    }
}

/// Bytes of a property value's JSON text, near enough to enforce the size limit.
fn json_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|i| json_size(i) + 1).sum::<usize>(),
        Value::Object(map) => 2 + map.iter().map(|(k, i)| k.len() + 4 + json_size(i)).sum::<usize>(),
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map};

    #[test]
    fn reads_flat_events() {
        let e = Event::from_value_at(
            &json!({"type": "page_view", "ts": "2026-11-20T09:30:00Z", "url": "/pricing", "id": "e1"}),
            "e",
        )
        .unwrap();
        assert_eq!(&*e.kind, "page_view");
        assert_eq!(e.ts, 1_795_167_000_000);
        assert_eq!(e.properties.get("url"), Some(&json!("/pricing")));
        assert_eq!(e.id.as_deref(), Some("e1"));
    }

    #[test]
    fn refuses_bad_events_with_paths() {
        let code = |v: Value| Event::from_value_at(&v, "events[2]").map_err(|e| (e.problem.path, e.problem.code)).err();
        assert_eq!(code(json!({"ts": 1})), Some(("events[2].type".into(), "missingKey")));
        assert_eq!(code(json!({"type": "x"})), Some(("events[2].ts".into(), "missingKey")));
        assert_eq!(code(json!({"type": "x", "ts": 1.5})), Some(("events[2].ts".into(), "invalidTimestamp")));
        assert_eq!(code(json!({"type": "x", "ts": "1"})), Some(("events[2].ts".into(), "invalidTimestamp")));
        assert_eq!(code(json!({"type": "x", "ts": 1e300})), Some(("events[2].ts".into(), "invalidTimestamp")));
        assert_eq!(code(json!({"type": 5, "ts": 1})), Some(("events[2].type".into(), "wrongType")));
        assert_eq!(
            code(json!({"type": "x", "ts": 1, "url": "a".repeat(600)})),
            Some(("events[2].url".into(), "tooLong"))
        );
        assert_eq!(code(json!({"type": "x", "ts": 1, "deep": [[1]]})), Some(("events[2].deep".into(), "tooDeep")));
        assert_eq!(code(json!([1])), Some(("events[2]".into(), "wrongType")));
        assert_eq!(code(json!({"type": "x", "ts": 1, "id": 7})), Some(("events[2].id".into(), "wrongType")));
        assert_eq!(code(json!({"type": "x", "ts": 1, "id": ["a"]})), Some(("events[2].id".into(), "wrongType")));
        assert_eq!(code(json!({"type": "x", "ts": 1, "id": ""})), Some(("events[2].id".into(), "invalidEvent")));
        assert_eq!(
            code(json!({"type": "x", "ts": 1, "id": "i".repeat(MAX_ID_LEN + 1)})),
            Some(("events[2].id".into(), "invalidEvent"))
        );
        assert_eq!(code(json!({"type": "x", "ts": 1, "id": "i".repeat(MAX_ID_LEN)})), None);
        let message = |v: Value| Event::from_value_at(&v, "e").err().map(|e| e.problem.message);
        assert_eq!(
            message(json!({"type": "x", "ts": 1, "id": {"n": 1}})).as_deref(),
            Some("the event id must be text, not an object")
        );
        assert_eq!(Event::from_value_at(&json!({"type": "x", "ts": 1, "id": null}), "e").map(|e| e.id), Ok(None));
        // A time of each JSON type: read as text, as a number, or refused by its type.
        let time = |ts: Value| {
            Event::from_value_at(&json!({"type": "x", "ts": ts}), "e").map(|e| e.ts).map_err(|e| e.problem.message)
        };
        assert_eq!(time(json!("2026-11-20T10:30:00.250+01:00")), Ok(1_795_167_000_250));
        assert_eq!(time(json!(1_795_167_000_250u64)), Ok(1_795_167_000_250));
        assert_eq!(time(json!(-5)), Ok(-5));
        assert_eq!(time(json!(2.0)), Ok(2));
        let refused = |ts: Value| time(ts).err().unwrap_or_default();
        assert_eq!(refused(json!(null)), "the timestamp is null: give milliseconds since the epoch or RFC 3339 text");
        assert_eq!(
            refused(json!(true)),
            "the timestamp is a boolean, not a timestamp: give milliseconds since the epoch or RFC 3339 text"
        );
        assert_eq!(
            refused(json!([1])),
            "the timestamp is a list, not a timestamp: give milliseconds since the epoch or RFC 3339 text"
        );
        assert_eq!(
            refused(json!({"at": 1})),
            "the timestamp is an object, not a timestamp: give milliseconds since the epoch or RFC 3339 text"
        );
        assert_eq!(
            refused(json!(1.5)),
            "the timestamp 1.5 is not a whole number of milliseconds within the range of a date"
        );
        assert_eq!(
            refused(json!("2026-11-20")),
            "the timestamp \"2026-11-20\" is not an RFC 3339 timestamp like \"2026-11-20T09:30:00Z\""
        );
        let big: Map<String, Value> = (0..10).map(|i| (format!("p{i}"), json!("x".repeat(500)))).collect();
        let mut e = json!({"type": "x", "ts": 1});
        e.as_object_mut().unwrap().extend(big);
        assert_eq!(code(e), Some(("events[2]".into(), "tooLarge")));
    }
}
