//! The package's MessagePack (src/msgpack.rs) against the reference implementation,
//! rmp-serde: the same bytes written for the same data, the same data read back
//! from rmp-serde's bytes, and no panic on any bytes at all. Native only (proptest).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use leadscore::test_support::msgpack::{self, Reader};
use leadscore::test_support::{LeadFields, Names};
use leadscore::{Engine, Session};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

fn read_value(bytes: &[u8]) -> Result<Value, msgpack::Error> {
    let mut r = Reader::new(bytes);
    let v = Value::deserialize(&mut r)?;
    r.end()?;
    Ok(v)
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(127),
            Just(128),
            Just(255),
            Just(256),
            Just(65_535),
            Just(65_536),
            Just(-32),
            Just(-33),
            Just(-128),
            Just(-129),
            Just(-32_768),
            Just(-32_769)
        ]
        .prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::from),
        (0usize..70_000).prop_map(|n| Value::from("é".repeat(n / 2))),
    ];
    leaf.prop_recursive(4, 64, 20, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..20).prop_map(Value::Array),
            proptest::collection::btree_map(".{0,10}", inner, 0..20)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An event's properties as they may come, names repeated: up to 72 names a..hh (so
/// sometimes more than the 32 an event may have) and now and then a name past the
/// length limit, with plain values of any size (some at the text limit), lists of up
/// to 40 items, objects of up to 40 keys, and values nested too deep.
fn any_properties() -> impl Strategy<Value = Vec<(String, Value)>> {
    let name = prop_oneof![30 => "[a-h]{1,2}", 1 => "[a-h]{65}"];
    let plain = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
        (0usize..300).prop_map(|n| Value::from("x".repeat(n))),
        (510usize..515).prop_map(|n| Value::from("é".repeat(n / 2) + &"x".repeat(n % 2))),
    ];
    let value = plain.prop_recursive(2, 40, 40, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..40).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z]{1,3}", inner, 0..40)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::vec((name, value), 0..48)
}

/// A profile: an object of fields named a..dd, each some JSON nested in up to six
/// lists (so that some go past the depth limit), or any JSON at all.
fn any_profile() -> impl Strategy<Value = Value> {
    let nested = (any_json(), 0usize..7).prop_map(|(v, levels)| (0..levels).fold(v, |v, _| json!([v])));
    prop_oneof![
        4 => proptest::collection::btree_map("[a-d]{1,2}", nested, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => any_json(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn writes_what_rmp_serde_writes(v in any_json()) {
        prop_assert_eq!(msgpack::to_vec(&v).unwrap(), rmp_serde::to_vec_named(&v).unwrap());
    }

    #[test]
    fn reads_what_rmp_serde_writes(v in any_json()) {
        prop_assert_eq!(read_value(&rmp_serde::to_vec_named(&v).unwrap()).unwrap(), v);
    }

    #[test]
    fn a_profile_read_for_a_rule_set_keeps_what_it_reads_under_the_same_limits(profile in any_profile(), wanted in proptest::collection::vec("[a-d]{1,2}", 0..4)) {
        // What the whole profile, read into a JSON value and checked, comes to.
        let expected = match &profile {
            Value::Null => Ok(serde_json::Map::new()),
            whole => leadscore::test_support::check_profile(whole.clone()),
        };
        let bytes = msgpack::to_vec(&json!({"profile": profile})).unwrap();
        let fields = LeadFields { profile: Names::only(wanted.iter().map(String::as_str)), properties: Names::ALL };
        let raw = leadscore::test_support::read_lead(&mut Reader::new(&bytes), 10, &fields).unwrap();
        let read = leadscore::test_support::lead_from_raw(raw).map(|(lead, _)| lead.profile).map_err(|e| e.problem);
        match (expected, read) {
            (Ok(mut whole), Ok(kept)) => {
                whole.retain(|k, _| wanted.contains(k));
                prop_assert_eq!(kept, whole);
            }
            (Err(e), Err(problem)) => prop_assert_eq!(problem, e.problem),
            (expected, read) => prop_assert!(false, "expected {:?}, read {:?}", expected.map(|_| ()), read.map(|_| ())),
        }
    }

    #[test]
    fn an_event_read_for_a_rule_set_keeps_what_it_reads_under_the_same_checks(properties in any_properties(), wanted in proptest::collection::vec("[a-h]{1,2}", 0..6)) {
        // An event whose properties come as generated (names repeated, any values),
        // read whole and read keeping only the names wanted.
        let mut bytes = vec![0xdf];
        bytes.extend_from_slice(&u32::try_from(properties.len() + 2).unwrap().to_be_bytes());
        for (k, v) in [("type".to_string(), json!("visit")), ("ts".to_string(), json!(1))].iter().chain(&properties) {
            bytes.extend(msgpack::to_vec(k).unwrap());
            bytes.extend(msgpack::to_vec(v).unwrap());
        }
        let lead = |fields: &LeadFields| {
            let mut packed = vec![0x81];
            packed.extend(msgpack::to_vec("events").unwrap());
            packed.push(0x91);
            packed.extend_from_slice(&bytes);
            let raw = leadscore::test_support::read_lead(&mut Reader::new(&packed), 10, fields).unwrap();
            let (lead, tally) = leadscore::test_support::lead_from_raw(raw).unwrap();
            (lead.events, tally.problems)
        };
        let (whole, whole_problems) = lead(&LeadFields::ALL);
        let only = LeadFields { profile: Names::ALL, properties: Names::only(wanted.iter().map(String::as_str)) };
        let (read, read_problems) = lead(&only);
        prop_assert_eq!(read_problems, whole_problems, "the same event refused, the same way");
        prop_assert_eq!(read.len(), whole.len());
        for (r, w) in read.iter().zip(&whole) {
            let kept: Vec<(&str, &Value)> = w.properties.iter().filter(|(k, _)| wanted.iter().any(|n| n == k)).collect();
            prop_assert_eq!(r.properties.iter().collect::<Vec<_>>(), kept);
        }
    }

    #[test]
    fn any_bytes_read_or_fail_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = read_value(&bytes);
        let _ = leadscore::test_support::read_lead(&mut Reader::new(&bytes), 10, &LeadFields::ALL);
        let _ = leadscore::test_support::read_lead(&mut Reader::new(&bytes), 10, &LeadFields { profile: Names::only(["a"]), properties: Names::only(["b"]) });
    }
}

#[test]
fn results_and_saved_sessions_are_written_as_rmp_serde_writes_them() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/b2b-saas/ruleset.json")).unwrap();
    let engine = Engine::from_json(&text).unwrap();
    let now = 1_795_685_400_000;
    let lead = json!({
        "id": "L1",
        "profile": {"jobTitle": "VP Marketing", "company": {"size": 250}, "email": "a@gmail.com"},
        "events": [
            {"type": "page_view", "ts": now - 1000, "url": "/pricing"},
            {"type": "page_view", "ts": now + 1000, "url": "/pricing"},
            {"type": "form_submit", "ts": now - 5000, "form": "demo_request"},
            {"type": 7, "ts": now}
        ]
    });
    let result = engine.score_value(&lead, now).unwrap();
    assert!(
        !result.contributions.is_empty() && result.events.skipped.iter().count() == 2,
        "a result with every part: {result:?}"
    );
    assert_eq!(msgpack::to_vec(&result).unwrap(), rmp_serde::to_vec_named(&result).unwrap());
    assert_eq!(read_value(&msgpack::to_vec(&result).unwrap()).unwrap(), serde_json::to_value(&result).unwrap());

    let mut s = Session::new("visitor").unwrap();
    s.update_profile(&lead["profile"]).unwrap();
    for e in lead["events"].as_array().unwrap().iter().take(3) {
        s.track_value(e, now).unwrap();
    }
    let evaluation = s.evaluate(&engine, now);
    assert!(!evaluation.transitions.is_empty());
    assert_eq!(msgpack::to_vec(&evaluation).unwrap(), rmp_serde::to_vec_named(&evaluation).unwrap());
    assert_eq!(msgpack::to_vec(s.state()).unwrap(), rmp_serde::to_vec_named(s.state()).unwrap());
    assert_eq!(
        read_value(&msgpack::to_vec(s.state()).unwrap()).unwrap(),
        serde_json::from_str::<Value>(&s.save()).unwrap()
    );
}

#[test]
fn refuses_bytes_that_are_not_one_json_value() {
    let err = |bytes: &[u8]| read_value(bytes).unwrap_err().to_string();
    assert_eq!(err(&[]), "the data ends in the middle of a value");
    assert_eq!(err(&[0xa5, b'a', b'b']), "the data ends in the middle of a value");
    assert_eq!(err(&[0xa2, 0xff, 0xfe]), "text that is not UTF-8");
    assert_eq!(err(&[0xc0, 0xc0]), "unexpected bytes after the value");
    assert_eq!(err(&[0xd4, 0x01, 0x02]), "a MessagePack type that JSON data does not have");
    assert_eq!(err(&[0xc1]), "a MessagePack type that JSON data does not have");
    // A count far beyond the data is refused before anything is reserved for it.
    assert_eq!(err(&[0xdd, 0xff, 0xff, 0xff, 0xff]), "a list or map is longer than the data");
    let mut deep = vec![0x91; leadscore::limits::MAX_MSGPACK_DEPTH + 1];
    deep.push(0xc0);
    assert_eq!(err(&deep), "lists and maps nest too deeply");
    let mut ok = vec![0x91; leadscore::limits::MAX_MSGPACK_DEPTH];
    ok.push(0xc0);
    assert!(read_value(&ok).is_ok());
}

#[test]
fn saved_bytes_restore_through_the_reader_the_package_uses() {
    use leadscore::test_support::{restore_bytes, save_bytes};
    let mut s = Session::new("visitor").unwrap();
    s.track_value(&json!({"type": "page_view", "ts": 1_795_176_000_000_i64, "url": "/pricing"}), 1_795_176_000_000)
        .unwrap();
    s.identify("lead-1").unwrap();
    let restored = restore_bytes(&save_bytes(&s).unwrap()).unwrap();
    assert_eq!(restored.state(), s.state());
    let err = restore_bytes(&msgpack::to_vec(&json!({"v": 1})).unwrap()).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("id", "invalidState"));
    let err = restore_bytes(&[0xc0, 0xc0]).unwrap_err();
    assert_eq!(err.problem.code, "invalidState");
    let err = restore_bytes(&vec![0xc0; leadscore::limits::MAX_STATE_BYTES + 1]).unwrap_err();
    assert_eq!(err.problem.code, "tooLarge");
}
