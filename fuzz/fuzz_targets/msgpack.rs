//! The MessagePack reader (`test_support::msgpack::Reader`) on any bytes: as a JSON
//! value, which serialises and writes back (`msgpack::to_vec`) to bytes that read
//! to the same value; as a lead (`read_lead` with each example rule set's fields,
//! then `score_raw`), which agrees with `Engine::score_value` of the value; as an
//! event (`read_event`, `event_from_raw`), which agrees with `Event::from_value`
//! (both comparisons only where the bytes hold no NaN or infinity, which a
//! `serde_json::Value` cannot hold).
#![no_main]

mod common;

use common::{check_result, engines, has_non_finite, to_json, NOW};
use leadscore::limits::MAX_EVENTS_PER_CALL;
use leadscore::test_support::msgpack::{self, Reader};
use leadscore::test_support::{event_from_raw, lead_fields, read_event, read_lead, score_raw};
use leadscore::Event;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value;

fn read_value(bytes: &[u8]) -> Result<Value, msgpack::Error> {
    let mut reader = Reader::new(bytes);
    Value::deserialize(&mut reader).and_then(|v| reader.end().map(|()| v))
}

fuzz_target!(|data: &[u8]| {
    let value = read_value(data).ok();
    // The value to compare leadscore's own readers with: one that holds all the bytes say.
    let same = value.as_ref().filter(|_| !has_non_finite(data));
    if let Some(v) = &value {
        to_json(v, "a value read from MessagePack");
        let bytes = msgpack::to_vec(v).unwrap_or_else(|e| panic!("a value read does not write back: {e}"));
        assert_eq!(read_value(&bytes).as_ref().ok(), Some(v), "a value written back reads differently");
    }
    for engine in engines() {
        let mut reader = Reader::new(data);
        let Ok(raw) = read_lead(&mut reader, MAX_EVENTS_PER_CALL, lead_fields(engine)) else { continue };
        if reader.end().is_err() {
            continue;
        }
        let scored = score_raw(engine, raw, NOW);
        if let Ok(result) = &scored {
            check_result(result);
        }
        if let Some(v) = same {
            match (&scored, engine.score_value(v, NOW)) {
                (Ok(a), Ok(b)) => assert_eq!(*a, b, "read_lead + score_raw and score_value give different results"),
                (Err(_), Err(_)) => {}
                (a, b) => panic!("read_lead + score_raw and score_value disagree: {a:?} / {b:?}"),
            }
        }
    }
    let mut reader = Reader::new(data);
    if let Ok(raw) = read_event(&mut reader).and_then(|raw| reader.end().map(|()| raw)) {
        let event = event_from_raw(raw);
        if let Ok(e) = &event {
            to_json(e, "an event");
        }
        if let Some(v) = same {
            assert_eq!(event.ok(), Event::from_value(v).ok(), "read_event and Event::from_value disagree");
        }
    }
});
