//! Events as JSON text, one per line of the input: `Event::from_json` and
//! `Session::track_json`, tracked into one session (identified half way) and
//! evaluated with each example rule set after every event. An event read
//! serialises and reads alike from a value; `track_json` refuses what
//! `Event::from_json` refuses and agrees with `track_value`; `track_and_evaluate`
//! reports the transitions `track` + `evaluate` report; and the session at the end
//! saves and restores to the same state, which scores alike (common::check_session).
#![no_main]

mod common;

use common::{check_result, check_session, engines, to_json, NOW};
use leadscore::{Event, Session};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The most events one input tracks: enough to reach every rule, few enough to stay fast.
const MAX_LINES: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let new = Session::new("visitor").expect("a valid session id");
    // Tracked from text, from values, with track_and_evaluate, and with track then evaluate.
    let (mut by_text, mut by_value, mut evaluated, mut stepped) = (new.clone(), new.clone(), new.clone(), new);
    let lines: Vec<&str> = text.lines().take(MAX_LINES).collect();
    for (i, line) in lines.iter().enumerate() {
        if i == lines.len() / 2 {
            for s in [&mut by_text, &mut by_value, &mut evaluated, &mut stepped] {
                s.identify("lead-1").expect("a valid lead id");
            }
        }
        let event = Event::from_json(line);
        let value = serde_json::from_str::<Value>(line).ok();
        if let Ok(e) = &event {
            to_json(e, "an event");
            if let Some(v) = &value {
                assert_eq!(Event::from_value(v).as_ref().ok(), Some(e), "Event::from_json and from_value disagree");
            }
        }
        let tracked = by_text.track_json(line, NOW);
        if event.is_err() {
            assert!(tracked.is_err(), "track_json took an event Event::from_json refused");
        }
        if let Some(v) = &value {
            let other = by_value.track_value(v, NOW);
            assert_eq!(tracked.as_ref().ok(), other.as_ref().ok(), "track_json and track_value disagree");
        }
        let Ok(event) = event else { continue };
        let at_once = evaluated.track_and_evaluate(event.clone(), NOW, engines());
        let step = stepped.track(event, NOW);
        assert_eq!(step.as_ref().ok(), tracked.as_ref().ok(), "track and track_json disagree");
        match (at_once, step) {
            (Ok(result), Ok(_)) => {
                to_json(&result, "a track result");
                let mut transitions = Vec::new();
                for engine in engines() {
                    let evaluation = stepped.evaluate(engine, NOW);
                    check_result(&evaluation.result);
                    transitions.extend(evaluation.transitions);
                }
                assert_eq!(result.transitions, transitions, "track_and_evaluate and track + evaluate disagree");
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("track_and_evaluate and track disagree: {a:?} / {b:?}"),
        }
    }
    if by_value.state() != by_text.state() {
        // Lines that are not JSON values were not tracked by value.
        assert!(lines.iter().any(|l| serde_json::from_str::<Value>(l).is_err()), "track_json and track_value disagree");
    }
    assert_eq!(evaluated.state(), stepped.state(), "track_and_evaluate and track + evaluate leave different states");
    for engine in engines() {
        to_json(&by_text.evaluate(engine, NOW), "an evaluation");
    }
    check_session(&by_text);
    check_session(&stepped);
});
