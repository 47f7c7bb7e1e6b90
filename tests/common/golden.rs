//! The golden cases: each example rule set scored on its example leads at one
//! `now`, compared byte for byte with `tests/golden/<example>.ndjson`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use leadscore::Engine;
use serde_json::Value;

/// 2026-11-20T12:00:00Z, the `now` of every golden case.
pub const NOW: i64 = 1_795_176_000_000;

macro_rules! example {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../examples/", $name, "/ruleset.json")),
            include_str!(concat!("../../examples/", $name, "/leads.json")),
            include_str!(concat!("../golden/", $name, ".ndjson")),
        )
    };
}

/// (name, rule set, leads, expected NDJSON)
pub const EXAMPLES: &[(&str, &str, &str, &str)] =
    &[example!("b2b-saas"), example!("product-led"), example!("domain-defaults")];

pub fn score_all(ruleset: &str, leads: &str) -> String {
    let engine = Engine::from_json(ruleset).unwrap();
    let leads: Vec<Value> = serde_json::from_str(leads).unwrap();
    leads.iter().map(|l| engine.score_value(l, NOW).unwrap().to_json() + "\n").collect()
}

/// [`score_all`] with the engine loaded from the rule set's compiled form
/// (`Engine::to_compiled`, `Engine::from_compiled`), as the page module loads it.
pub fn score_all_compiled(ruleset: &str, leads: &str) -> String {
    let bytes = Engine::from_json(ruleset).unwrap().to_compiled();
    let engine = Engine::from_compiled(&bytes).unwrap();
    let leads: Vec<Value> = serde_json::from_str(leads).unwrap();
    leads.iter().map(|l| engine.score_value(l, NOW).unwrap().to_json() + "\n").collect()
}

pub fn check_all() {
    for (name, ruleset, leads, expected) in EXAMPLES {
        let got = score_all(ruleset, leads);
        assert_eq!(&got, expected, "golden output of {name} changed (LEADSCORE_BLESS=1 cargo test --test golden re-records it after an intended change)");
        let compiled = score_all_compiled(ruleset, leads);
        assert_eq!(&compiled, expected, "{name}: the engine loaded from the compiled rule set scores otherwise");
    }
}
