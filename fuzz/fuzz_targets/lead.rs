//! A lead as JSON text (`Engine::score_json`) and as a parsed value
//! (`Engine::score_value`), scored with each example rule set at the examples' `now`
//! and at both ends of time. The two agree (same result, or both refuse), agree with
//! `Lead::from_json` + `Engine::score` where that reads the lead, and `qualify`
//! agrees with `score`; a result serialises and its lines add up to its total.
#![no_main]

mod common;

use common::{check_result, engines, to_json, NOWS};
use leadscore::Lead;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let value = serde_json::from_str::<Value>(text).ok();
    let lead = Lead::from_json(text).ok();
    for engine in engines() {
        for now in NOWS {
            let from_text = engine.score_json(text, now);
            match &from_text {
                Ok(result) => {
                    check_result(result);
                    let q = engine.qualify_json(text, now).expect("qualify_json refused what score_json took");
                    assert_eq!((q.total, q.stage), (result.total, result.stage), "qualify and score disagree");
                }
                Err(e) => {
                    to_json(e, "an input error");
                }
            }
            if let Some(v) = &value {
                match (&from_text, engine.score_value(v, now)) {
                    (Ok(a), Ok(b)) => assert_eq!(*a, b, "score_json and score_value give different results"),
                    (Err(_), Err(_)) => {}
                    (a, b) => panic!("score_json and score_value disagree: {a:?} / {b:?}"),
                }
            }
            if let (Some(lead), Ok(result)) = (&lead, &from_text) {
                assert_eq!(engine.score(lead, now), *result, "Lead::from_json + score and score_json disagree");
            }
        }
    }
});
