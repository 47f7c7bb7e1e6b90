//! Conditions that cannot be written as tests/cases data: long `in` lists, made in a
//! loop. Runs natively and, through wasm-bindgen-test, compiled to wasm32 in Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;
use common::*;
use serde_json::json;

#[test]
fn long_in_lists_match_as_short_ones_do() {
    // A target-account list of thousands of domains, with a number and a non-ASCII
    // name among them: each value matches folded, as with a list of three.
    let mut accounts: Vec<serde_json::Value> = (0..5000).map(|i| json!(format!("account-{i}.com"))).collect();
    accounts.push(json!("Müller-GmbH.de"));
    accounts.push(json!(42));
    for list in [accounts.clone(), vec![json!("account-17.com"), json!("müller-gmbh.de"), json!(42)]] {
        let e = engine(json!({
            "fit": [
                {"id": "target", "points": 30, "when": {"field": "domain", "in": list.clone()}},
                {"id": "other", "points": 5, "when": {"field": "domain", "notIn": list}}
            ]
        }));
        let total = |domain: serde_json::Value| score(&e, json!({"domain": domain}), vec![], NOW).total.as_f64();
        assert_eq!(total(json!("account-17.com")), 30.0);
        assert_eq!(total(json!("ACCOUNT-17.com")), 30.0, "ASCII folded");
        assert_eq!(total(json!("MÜLLER-GMBH.DE")), 30.0, "Unicode folded");
        assert_eq!(total(json!(42)), 30.0, "numbers stay numbers");
        assert_eq!(total(json!("42")), 5.0, "text is not a number");
        assert_eq!(total(json!("account-17.co")), 5.0);
        assert_eq!(total(json!(["x.io", "Account-17.com"])), 30.0, "any item of a list");
        assert_eq!(total(json!(null)), 0.0, "a missing field matches neither");
    }
}
