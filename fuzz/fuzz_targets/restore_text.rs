//! Saved session state as JSON text, as an attacker may hand it to the edge:
//! `Session::restore`. It agrees with `Session::restore_value` of the same JSON (the
//! same state, or both refuse); a restored session saves to text and to bytes that
//! restore to an equal state, and scores alike (common::check_session).
#![no_main]

mod common;

use common::{check_session, to_json};
use leadscore::Session;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let restored = Session::restore(text);
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        match (&restored, Session::restore_value(v)) {
            (Ok(a), Ok(b)) => assert_eq!(a.state(), b.state(), "restore and restore_value give different states"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "restore and restore_value disagree: {:?} / {:?}",
                a.as_ref().map(Session::state),
                b.as_ref().map(Session::state)
            ),
        }
    }
    match restored {
        Ok(session) => check_session(&session),
        Err(e) => {
            to_json(&e, "an input error");
        }
    }
});
