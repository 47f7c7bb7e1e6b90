//! Rule-set JSON text, as an untrusted author may write it: `Engine::from_json`.
//! A rule set refused has at least one problem and its error serialises; one
//! compiled agrees with `Engine::from_value`, and scores every example lead at the
//! examples' `now` and at both ends of time with results that serialise and add up.
#![no_main]

mod common;

use common::{check_result, example_leads, to_json, NOWS};
use leadscore::Engine;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let compiled = Engine::from_json(text);
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let from_value = Engine::from_value(&v);
        assert_eq!(
            compiled.as_ref().map(Engine::key).map_err(|e| &e.problems),
            from_value.as_ref().map(Engine::key).map_err(|e| &e.problems),
            "from_json and from_value disagree"
        );
    }
    match compiled {
        Err(e) => {
            assert!(!e.problems.is_empty(), "a rule set refused with no problem");
            to_json(&e, "a rule-set error");
        }
        Ok(engine) => {
            for lead in example_leads() {
                for now in NOWS {
                    let result = engine.score_json(lead, now).expect("an example lead is well formed");
                    check_result(&result);
                    let q = engine.qualify_json(lead, now).expect("an example lead is well formed");
                    assert_eq!((q.total, q.stage), (result.total, result.stage), "qualify and score disagree");
                }
            }
        }
    }
});
