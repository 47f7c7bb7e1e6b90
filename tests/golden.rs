//! The example rule sets scored on their example leads must give byte-identical
//! JSON on every target. `tests/golden/<example>.ndjson` holds the expected lines
//! (checked by reading them, and re-written with LEADSCORE_BLESS=1 after an
//! intended change); the JavaScript tests compare Node, Chromium and workerd
//! output with the same files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use leadscore::Engine;
use serde_json::Value;

/// 2026-11-20T12:00:00Z, the `now` of every golden case.
const NOW: i64 = 1_795_176_000_000;

macro_rules! example {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../examples/", $name, "/ruleset.json")),
            include_str!(concat!("../examples/", $name, "/leads.json")),
            include_str!(concat!("golden/", $name, ".ndjson")),
        )
    };
}

const EXAMPLES: &[(&str, &str, &str, &str)] = &[example!("b2b-saas"), example!("product-led"), example!("domain-defaults")];

fn score_all(ruleset: &str, leads: &str) -> String {
    let engine = Engine::from_json(ruleset).unwrap();
    let leads: Vec<Value> = serde_json::from_str(leads).unwrap();
    leads.iter().map(|l| engine.score_value(l, NOW).unwrap().to_json() + "\n").collect()
}

#[test]
fn examples_score_exactly_as_recorded() {
    for (name, ruleset, leads, expected) in EXAMPLES {
        let got = score_all(ruleset, leads);
        #[cfg(not(target_arch = "wasm32"))]
        if std::env::var_os("LEADSCORE_BLESS").is_some() {
            std::fs::write(format!("{}/tests/golden/{name}.ndjson", env!("CARGO_MANIFEST_DIR")), &got).unwrap();
            continue;
        }
        assert_eq!(&got, expected, "golden output of {name} changed (LEADSCORE_BLESS=1 re-records it after an intended change)");
    }
}
