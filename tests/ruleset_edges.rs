//! Edges of the rule-set format that an independent scorer written from
//! docs/RULESET.md could read two ways, each decided there and checked here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::*;
use serde_json::{json, Value};

/// Section 3, value rules: a list with no element other than null (an empty list
/// included) is a missing field, for profile fields and event properties alike.
#[test]
fn a_list_without_values_is_a_missing_field() {
    let e = engine(json!({"fit": [
        {"id": "known", "points": 1, "when": {"field": "stack", "exists": true}},
        {"id": "unknown", "points": 2, "when": {"field": "stack", "exists": false}},
        {"id": "not_aws", "points": 4, "when": {"field": "stack", "notIn": ["aws"]}},
        {"id": "aws", "points": 8, "when": {"field": "stack", "in": ["aws"]}},
    ]}));
    let total = |stack: Value| score(&e, json!({ "stack": stack }), vec![], NOW).total.as_f64();
    // Missing, null, an empty list and a list of nulls: only `exists: false` holds.
    assert_eq!(score(&e, json!({}), vec![], NOW).total.as_f64(), 2.0);
    assert_eq!(total(json!(null)), 2.0);
    assert_eq!(total(json!([])), 2.0);
    assert_eq!(total(json!([null])), 2.0);
    assert_eq!(total(json!([null, null])), 2.0);
    // A list with a value is present; its nulls match nothing, in or notIn.
    assert_eq!(total(json!([null, "snowflake"])), 1.0 + 4.0);
    assert_eq!(total(json!([null, "AWS"])), 1.0 + 8.0);
    assert_eq!(total(json!(["snowflake", "aws"])), 1.0 + 8.0);

    let e = engine(json!({"engagement": [
        {"id": "untagged", "event": "signup", "where": {"field": "tags", "exists": false}, "points": 3},
        {"id": "tagged", "event": "signup", "where": {"field": "tags", "exists": true}, "points": 5},
    ]}));
    let total = |tags: Value| score(&e, json!({}), vec![ev_with("signup", NOW, json!({ "tags": tags }))], NOW).total;
    assert_eq!(total(json!([])).as_f64(), 3.0);
    assert_eq!(total(json!([null])).as_f64(), 3.0);
    assert_eq!(total(json!([null, 1])).as_f64(), 5.0);
}
