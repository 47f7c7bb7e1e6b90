//! The golden cases compiled to wasm32 and run in headless Chromium by
//! wasm-bindgen-test (scripts/test.sh sets CHROMEDRIVER).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

mod common;

#[wasm_bindgen_test]
fn examples_score_exactly_as_recorded_in_chromium() {
    common::golden::check_all();
}
