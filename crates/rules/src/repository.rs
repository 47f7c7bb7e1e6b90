//! The repository's own rule sets, for tests that hold a property over all of them.

use crate::ruleset::{compile_value, RuleSet};
use serde_json::Value;

/// A JSON file of the repository, by its path from the repository's root.
pub fn read_json(path: &str) -> Value {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    serde_json::from_str(&std::fs::read_to_string(format!("{root}/{path}")).unwrap()).unwrap()
}

/// Every rule set of the examples, the benchmarks and the shared cases that compiles.
pub fn repository_rule_sets() -> Vec<RuleSet> {
    let mut docs: Vec<Value> = ["b2b-saas", "domain-defaults", "product-led"]
        .iter()
        .map(|name| read_json(&format!("examples/{name}/ruleset.json")))
        .collect();
    docs.push(read_json("benches/peers/ruleset.json"));
    let cases = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/cases");
    for entry in std::fs::read_dir(cases).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        docs.extend(file["rulesets"].as_object().into_iter().flat_map(|m| m.values().cloned()));
        docs.extend(file["cases"].as_array().into_iter().flatten().filter_map(|c| c.get("ruleset").cloned()));
    }
    docs.iter().filter_map(|d| compile_value(d).ok()).collect()
}
