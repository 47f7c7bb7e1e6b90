//! Saved session state as MessagePack bytes, as the package's `restoreBytes` reads
//! it: `test_support::restore_bytes` (the MessagePack reader, then the checks of
//! `Session::restore`). It agrees with `Session::restore_value` of the same bytes
//! read as a JSON value (where they hold no NaN or infinity); a restored session saves to text and to bytes that restore
//! to an equal state, and scores alike (common::check_session).
#![no_main]

mod common;

use common::{check_session, has_non_finite, to_json};
use leadscore::test_support::msgpack::Reader;
use leadscore::test_support::restore_bytes;
use leadscore::Session;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let restored = restore_bytes(data);
    let mut reader = Reader::new(data);
    let value = Value::deserialize(&mut reader).and_then(|v| reader.end().map(|()| v));
    if let Some(v) = value.ok().filter(|_| !has_non_finite(data)) {
        match (&restored, Session::restore_value(v)) {
            (Ok(a), Ok(b)) => assert_eq!(a.state(), b.state(), "restore_bytes and restore_value give different states"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "restore_bytes and restore_value disagree: {:?} / {:?}",
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
