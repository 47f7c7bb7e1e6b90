//! What the targets share: the example rule sets and leads, the instants they score
//! at, and the checks every result and every session must pass.
#![allow(dead_code)]

use leadscore::limits::MAX_INSTANT_MS;
use leadscore::test_support::msgpack::Reader;
use leadscore::test_support::{restore_bytes, save_bytes};
use leadscore::{Engine, ScoreResult, Session};
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// 2026-11-20T12:00:00Z, the examples' `now`.
pub const NOW: i64 = 1_795_176_000_000;

/// Where results are computed: the examples' `now` and both ends of the range of an
/// instant, where ages and windows are largest.
pub const NOWS: [i64; 3] = [NOW, MAX_INSTANT_MS, -MAX_INSTANT_MS];

const RULESETS: [&str; 3] = [
    include_str!("../../../examples/b2b-saas/ruleset.json"),
    include_str!("../../../examples/product-led/ruleset.json"),
    include_str!("../../../examples/domain-defaults/ruleset.json"),
];

const LEADS: [&str; 3] = [
    include_str!("../../../examples/b2b-saas/leads.json"),
    include_str!("../../../examples/product-led/leads.json"),
    include_str!("../../../examples/domain-defaults/leads.json"),
];

/// The example rule sets, compiled once.
pub fn engines() -> &'static [Engine] {
    static ENGINES: OnceLock<Vec<Engine>> = OnceLock::new();
    ENGINES
        .get_or_init(|| RULESETS.iter().map(|r| Engine::from_json(r).expect("an example rule set compiles")).collect())
}

/// Every example lead, as compact JSON text.
pub fn example_leads() -> &'static [String] {
    static LEAD_TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    LEAD_TEXTS.get_or_init(|| {
        LEADS
            .iter()
            .flat_map(|text| match serde_json::from_str::<Value>(text).expect("example leads are JSON") {
                Value::Array(leads) => leads,
                _ => panic!("example leads are a list"),
            })
            .map(|lead| lead.to_string())
            .collect()
    })
}

/// `value` as JSON text, which must read back as JSON: what every successful result
/// is sent on as. (Read back without serde_json's limit of 128 levels of nesting:
/// MessagePack may nest 200, and text that deep is still JSON.)
pub fn to_json<T: Serialize>(value: &T, what: &str) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|e| panic!("{what} does not serialise to JSON: {e}"));
    if let Err(e) = serde_json::from_str::<IgnoredAny>(&text) {
        panic!("{what} serialised to text that is not JSON ({e}): {text}");
    }
    text
}

/// A result serialises, and its lines add up exactly to its total (docs/RULESET.md 12).
pub fn check_result(r: &ScoreResult) {
    to_json(r, "a score result");
    let lines: i128 = r.contributions.iter().map(|c| i128::from(c.points.0)).sum();
    assert_eq!(lines, i128::from(r.total.0), "the lines do not add up to the total: {r:?}");
}

/// A session saves to text and to bytes that restore to the same state, and the
/// restored sessions score as it does with every example rule set (two sessions
/// with equal states score alike, whatever they keep beside the state).
pub fn check_session(session: &Session) {
    let text = session.save();
    let from_text = Session::restore(&text).unwrap_or_else(|e| panic!("saved state does not restore: {e}: {text}"));
    assert_eq!(from_text.state(), session.state(), "saved as text and restored, the state changed: {text}");
    let bytes = save_bytes(session).unwrap_or_else(|e| panic!("a session does not save as bytes: {e}"));
    let from_bytes = restore_bytes(&bytes).unwrap_or_else(|e| panic!("saved bytes do not restore: {e}: {text}"));
    assert_eq!(from_bytes.state(), session.state(), "saved as bytes and restored, the state changed: {text}");
    for engine in engines() {
        for now in NOWS {
            let result = session.score(engine, now);
            check_result(&result);
            assert_eq!(from_text.score(engine, now), result, "a restored session scores differently: {text}");
            let q = session.qualify(engine, now);
            assert_eq!((q.total, q.stage), (result.total, result.stage), "qualify and score disagree: {text}");
        }
    }
}

/// Whether MessagePack `bytes` hold a number that is not finite. A
/// `serde_json::Value` holds none: it reads NaN and the infinities as null, where
/// leadscore's own readers refuse them as numbers, so comparing the two on such
/// bytes compares different inputs (a NaN property makes an event invalid as "not a
/// number", the null it became as a value is "not null").
pub fn has_non_finite(bytes: &[u8]) -> bool {
    NonFinite::deserialize(&mut Reader::new(bytes)).is_ok_and(|n| n.0)
}

/// Whether a value holds a number that is not finite.
struct NonFinite(bool);

impl<'de> Deserialize<'de> for NonFinite {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NonFinite, D::Error> {
        d.deserialize_any(NonFiniteVisitor)
    }
}

struct NonFiniteVisitor;

impl<'de> Visitor<'de> for NonFiniteVisitor {
    type Value = NonFinite;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_f64<E>(self, v: f64) -> Result<NonFinite, E> {
        Ok(NonFinite(!v.is_finite()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_i64<E>(self, _: i64) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_u64<E>(self, _: u64) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_str<E>(self, _: &str) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_unit<E>(self) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_none<E>(self) -> Result<NonFinite, E> {
        Ok(NonFinite(false))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NonFinite, A::Error> {
        let mut any = false;
        while let Some(NonFinite(item)) = seq.next_element()? {
            any |= item;
        }
        Ok(NonFinite(any))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NonFinite, A::Error> {
        let mut any = false;
        while let Some((IgnoredAny, NonFinite(item))) = map.next_entry()? {
            any |= item;
        }
        Ok(NonFinite(any))
    }
}
