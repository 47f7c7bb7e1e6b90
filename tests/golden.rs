//! The example rule sets scored on their example leads must give byte-identical
//! JSON on every target: natively here, as wasm32 in Node (wasm-bindgen-test) and
//! in headless Chromium (tests/browser.rs); the JavaScript tests compare the npm
//! package in Node, Chromium and workerd with the same files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;

#[test]
fn examples_score_exactly_as_recorded() {
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("LEADSCORE_BLESS").is_some() {
        for (name, ruleset, leads, _) in common::golden::EXAMPLES {
            let path = format!("{}/tests/golden/{name}.ndjson", env!("CARGO_MANIFEST_DIR"));
            std::fs::write(path, common::golden::score_all(ruleset, leads)).unwrap();
        }
        return;
    }
    common::golden::check_all();
}
