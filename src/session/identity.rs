//! The id a session gives an event that comes without one, so that every event a
//! session holds has an id and [`super::Session::merge`] is exact: two tabs that
//! restored the same saved state and tracked on hold the events of that state under
//! the same ids, and each event tracked since under an id made from its content, so
//! a merge adds exactly what the other tab tracked since, and merging again adds
//! nothing (docs/RULESET.md, section 8).
//!
//! The id is a function of the event's content (type, time and properties, read as
//! values) and of the ids already held, nothing else: no clock, no randomness, no
//! runtime's number or text formatting, so that natively, in Node, Chromium and
//! workerd the same event gets the same id. A second event identical to a held one
//! is another event, as in a batch call: it gets the next id of its content.

use super::kept::{fnv1a, FNV1A_START};
use crate::event::Event;
use crate::wire::{GENERATED_ID_LEN, GENERATED_ID_MARK};
use compact_str::CompactString;
use leadscore_rules::order::name_order;
use serde_json::Value;

/// The characters of base64url (RFC 4648, section 5), by value.
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The id for `e` (which has none): of the ids of its content, the first that
/// `held` says no held event has. The k-th id of a content (k from 1) is the
/// content's hash, continued for k ≥ 2 over k as 4 bytes, little-endian.
pub(super) fn generated_id(e: &Event, mut held: impl FnMut(&str) -> bool) -> CompactString {
    let content = content_hash(e);
    let mut k: u32 = 1;
    loop {
        let hash = if k == 1 { content } else { fnv1a(content, &k.to_le_bytes()) };
        let id = encode(hash);
        // A session holds at most 1,001 events: some k up to there is free.
        if !held(&id) || k > 2_000 {
            return id;
        }
        k += 1;
    }
}

/// `~` and the 64 bits of `hash` in base64url, most significant first (the first
/// character holds the top 4 bits).
fn encode(hash: u64) -> CompactString {
    let mut out = [GENERATED_ID_MARK; GENERATED_ID_LEN];
    for (i, slot) in out.iter_mut().skip(1).enumerate() {
        let shift = 60 - 6 * i;
        let sextet = (hash >> shift) & 63;
        *slot = BASE64URL.get(usize::try_from(sextet).unwrap_or(0)).copied().unwrap_or(b'A');
    }
    // Every byte is ASCII.
    CompactString::from_utf8(out).unwrap_or_default()
}

/// 64-bit FNV-1a over the bytes of an event's content, written as [`Content`] does.
fn content_hash(e: &Event) -> u64 {
    let mut c = Content(FNV1A_START);
    c.text(&e.kind);
    c.bytes(&e.ts.to_le_bytes());
    c.len(e.properties.len());
    for (name, v) in e.properties.iter() {
        c.text(name);
        c.value(v);
    }
    c.0
}

/// Writes an event's content into a hash, in a form where no two contents meet:
/// every text and list led by its length, every value by a byte for its kind.
/// Numbers are written as the double they are (`40`, `40.0` and `4e1` are one
/// number, as in JavaScript), objects in byte order of their keys.
struct Content(u64);

impl Content {
    fn bytes(&mut self, b: &[u8]) {
        self.0 = fnv1a(self.0, b);
    }

    fn len(&mut self, n: usize) {
        self.bytes(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.bytes(s.as_bytes());
    }

    fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.bytes(&[0]),
            Value::Bool(b) => self.bytes(&[1, u8::from(*b)]),
            Value::Number(n) => {
                // Every number an event holds is finite; -0 is 0, as JSON text writes it.
                let f = n.as_f64().unwrap_or(0.0);
                let f = if f == 0.0 { 0.0 } else { f };
                self.bytes(&[2]);
                self.bytes(&f.to_bits().to_le_bytes());
            }
            Value::String(s) => {
                self.bytes(&[3]);
                self.text(s);
            }
            Value::Array(items) => {
                self.bytes(&[4]);
                self.len(items.len());
                items.iter().for_each(|i| self.value(i));
            }
            Value::Object(map) => {
                self.bytes(&[5]);
                self.len(map.len());
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                for k in name_order(&keys).into_iter().filter_map(|i| keys.get(i)) {
                    self.text(k);
                    if let Some(v) = map.get(*k) {
                        self.value(v);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::is_generated_id as is_generated;
    use serde_json::json;

    fn event(v: Value) -> Event {
        Event::from_value(&v).unwrap()
    }

    fn id(v: Value) -> CompactString {
        generated_id(&event(v), |_| false)
    }

    #[test]
    fn content_is_compared_by_value() {
        let a = id(json!({"type": "page_view", "ts": 5, "url": "/a", "n": 40, "l": [1, "a"], "o": {"x": 1, "y": "b"}}));
        assert_eq!(
            a,
            id(
                json!({"o": {"y": "b", "x": 1e0}, "l": [1.0, "a"], "n": 40.0, "url": "/a", "ts": 5, "type": "page_view"})
            )
        );
        for other in [
            json!({"type": "page_view", "ts": 6, "url": "/a", "n": 40, "l": [1, "a"], "o": {"x": 1, "y": "b"}}),
            json!({"type": "page_views", "ts": 5, "url": "/a", "n": 40, "l": [1, "a"], "o": {"x": 1, "y": "b"}}),
            json!({"type": "page_view", "ts": 5, "url": "/A", "n": 40, "l": [1, "a"], "o": {"x": 1, "y": "b"}}),
            json!({"type": "page_view", "ts": 5, "url": "/a", "n": "40", "l": [1, "a"], "o": {"x": 1, "y": "b"}}),
            json!({"type": "page_view", "ts": 5, "url": "/a", "n": 40, "l": ["a", 1], "o": {"x": 1, "y": "b"}}),
            json!({"type": "page_view", "ts": 5, "url": "/a", "n": 40, "l": [1, "a"], "o": {"x": 1, "y": "b"}, "m": null}),
            json!({"type": "page_view", "ts": 5, "url": "/a", "n": 40}),
        ] {
            assert_ne!(a, id(other.clone()), "{other}");
        }
        assert_eq!(id(json!({"type": "x", "ts": 1, "n": -0.0})), id(json!({"type": "x", "ts": 1, "n": 0})));
        // No two parts can run into each other.
        assert_ne!(id(json!({"type": "ab", "ts": 1})), id(json!({"type": "a", "ts": 1, "b": null})));
    }

    #[test]
    fn ids_have_their_form_and_fixed_values() {
        let first = id(json!({"type": "page_view", "ts": 1795176000000_i64, "url": "/pricing"}));
        assert!(is_generated(&first), "{first}");
        assert_eq!(first.len(), GENERATED_ID_LEN);
        // Pinned: the same in every runtime and every build (tests/cases/sessions.json too).
        assert_eq!(encode(0), "~AAAAAAAAAAA");
        assert_eq!(encode(u64::MAX), "~P__________");
        assert_eq!(encode(FNV1A_START), "~MvynOSEIiMl");
        assert!(!is_generated("~AAAAAAAAAA"), "too short");
        assert!(!is_generated("~AAAAAAAAAA+"), "not base64url");
        assert!(!is_generated("xAAAAAAAAAAA"), "no mark");
    }

    #[test]
    fn an_identical_event_gets_the_next_id_of_its_content() {
        let e = event(json!({"type": "page_view", "ts": 5, "url": "/a"}));
        let first = generated_id(&e, |_| false);
        let second = generated_id(&e, |id| id == first);
        let third = generated_id(&e, |id| id == first || id == second);
        assert!(first != second && second != third && first != third);
        assert!(is_generated(&second) && is_generated(&third));
        // The second id does not depend on which other ids are held.
        assert_eq!(generated_id(&e, |id| id == first || id == "~other"), second);
    }
}
