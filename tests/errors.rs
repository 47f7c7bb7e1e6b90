//! Refusals and limits beyond tests/cases: messages only the native JSON reader
//! writes, and limits checked on inputs made to measure. Runs natively and, through
//! wasm-bindgen-test, compiled to wasm32 in Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;
use common::*;
use leadscore::{Engine, Session};
use serde_json::json;

#[test]
fn rule_set_text_that_is_not_json_says_where() {
    let err = Engine::from_json("{\"schema\": \n  oops}").unwrap_err();
    assert_eq!(err.problems[0].code, "invalidJson");
    assert!(err.problems[0].message.contains("line 2"), "{}", err.problems[0].message);
}

#[test]
fn properties_no_rule_reads_are_held_to_every_limit_exactly() {
    // The rule reads p0; the other properties are only checked, and must be checked
    // as a property that is read would be.
    let e = engine(
        json!({"engagement": [{"id": "p", "event": "x", "where": {"field": "p0", "equals": "a"}, "points": 5}]}),
    );
    let problem = |props: serde_json::Value| {
        let r = score(&e, json!({}), vec![ev_with("x", NOW - 1, props)], NOW);
        r.events.problems.first().map(|p| (p.path.clone(), p.code))
    };
    // The event's size as counted: 40 + its type's length, and per property its
    // name's length + 4 + its value's (a text's length + 2). Ten properties p0..p9:
    // 41 + 9 (p0: "a") + 9 × 8 + 8 × 450 + the last text's length.
    let sized = |last: usize| {
        let mut props = json!({"p0": "a"});
        for k in 1..10 {
            props[format!("p{k}")] = json!("x".repeat(if k == 9 { last } else { 450 }));
        }
        props
    };
    assert_eq!(problem(sized(4096 - 3722)), None, "4,096 bytes: the limit");
    assert_eq!(problem(sized(4097 - 3722)), Some(("events[0]".into(), "tooLarge")));
    assert_eq!(problem(json!({"p0": "a", "p5": "x".repeat(512)})), None);
    assert_eq!(problem(json!({"p0": "a", "p5": "x".repeat(513)})), Some(("events[0].p5".into(), "tooLong")));
    // 33 names, one read and 32 not: one too many.
    let mut many = json!({"p0": "a"});
    for k in 1..32 {
        many[format!("q{k}")] = json!(k);
    }
    assert_eq!(problem(many.clone()), None);
    many["q32"] = json!(32);
    assert_eq!(problem(many), Some(("events[0]".into(), "tooManyProperties")));
    // The first problem in order of name, whether its property is read or not.
    assert_eq!(problem(json!({"p0": "a".repeat(600), "p1": [[1]]})), Some(("events[0].p0".into(), "tooLong")));
    assert_eq!(problem(json!({"p0": "a", "o": [[1]], "p1": "x".repeat(600)})), Some(("events[0].o".into(), "tooDeep")));
}

#[test]
fn an_event_holds_at_most_32_property_names_counting_a_repeated_name_once() {
    let engine = Engine::from_value(&ruleset(json!({}))).unwrap();
    let event_text = |names: &[String]| {
        let props: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("\"{n}\": {i}")).collect();
        format!(r#"{{"type": "visit", "ts": {NOW}, {}}}"#, props.join(", "))
    };
    let problems = |names: Vec<String>| {
        let lead = format!(r#"{{"events": [{}]}}"#, event_text(&names));
        engine.score_json(&lead, NOW).unwrap().events.problems.into_iter().map(|p| (p.path, p.code)).collect::<Vec<_>>()
    };
    let names = |n: usize| (0..n).map(|i| format!("p{i:02}")).collect::<Vec<_>>();
    assert_eq!(problems(names(32)), vec![]);
    assert_eq!(problems(names(33)), vec![("events[0]".to_string(), "tooManyProperties")]);
    // Forty keys, eight of them repeats: thirty-two names.
    let mut repeated = names(32);
    repeated.extend(names(8));
    assert_eq!(problems(repeated), vec![]);
}

#[test]
fn a_session_id_is_at_most_128_bytes() {
    assert_eq!(Session::new("x".repeat(129)).unwrap_err().problem.code, "invalidId");
}
