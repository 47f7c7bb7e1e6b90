//! Hostile input (docs/SECURITY.md): whatever a lead, an event, a profile, saved
//! state or a rule set holds, reading it builds no more than its limits allow, and
//! is refused with a clear error rather than grown without bound. What a call
//! allocates is measured by a counting allocator (this test binary's only), so the
//! bounds are checked, not timed. Runs natively only (the allocator, the file-sized
//! inputs).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use leadscore::limits::{CallLimits, DEFAULT_MAX_CALL_MEMORY, MAX_EVENT_BYTES, MAX_PROFILE_BYTES};
use leadscore::{Engine, InputError, Session};
use serde_json::json;
use std::sync::Mutex;

// dhat's allocator counts what is allocated: how much memory a call holds at once.
#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// One test at a time: dhat's counts are the process's, so a test running beside a
/// measure would count in it.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `f` and gives its answer and the most memory held at once while it ran,
/// beyond what was held before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get().curr_bytes;
    let out = f();
    let peak = dhat::HeapStats::get().max_bytes.saturating_sub(before);
    drop(profiler);
    (out, peak)
}

const NOW: i64 = 1_795_176_000_000;
const MIB: usize = 1 << 20;

fn engine() -> Engine {
    Engine::from_json(include_str!("../examples/b2b-saas/ruleset.json")).unwrap()
}

fn code_and_path(e: &InputError) -> (&str, &str) {
    (e.problem.code, e.problem.path.as_str())
}

#[test]
fn a_million_tiny_events_are_refused_at_the_calls_weight_limit_with_little_memory() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let e = engine();
    // About 8 MB of JSON: every event read takes some 200 bytes, so the call's
    // 16 MiB of memory is reached after about 80,000 of them.
    let text = format!("{{\"events\": [{}]}}", vec!["{\"a\":0}"; 1_000_000].join(","));
    assert!(text.len() < CallLimits::get().max_input_bytes);
    let (answer, peak) = peak_of(|| e.score_json(&text, NOW));
    let err = answer.unwrap_err();
    assert_eq!(code_and_path(&err), ("tooLarge", ""), "{err}");
    assert!(err.problem.message.contains(&DEFAULT_MAX_CALL_MEMORY.to_string()), "{err}");
    // The events read before the limit, as parts: a fraction of what they weigh
    // would take in a `serde_json::Value` tree (445 MiB for the same input once).
    assert!(peak < 48 * MIB, "reading held {peak} bytes at once");
}

#[test]
fn an_input_over_the_byte_limit_is_refused_before_it_is_read() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let e = engine();
    let text = format!("{{\"profile\": {{\"notes\": \"{}\"}}}}", "x".repeat(100 * MIB));
    let (answer, peak) = peak_of(|| e.score_json(&text, NOW));
    let err = answer.unwrap_err();
    assert_eq!(code_and_path(&err), ("tooLarge", ""), "{err}");
    assert!(peak < 64 << 10, "refusing held {peak} bytes");
    let (restored, peak) = peak_of(|| Session::restore(&text));
    assert_eq!(restored.err().map(|e| e.problem.code), Some("tooLarge"));
    assert!(peak < 64 << 10, "refusing saved state held {peak} bytes");
    let (compiled, _) = peak_of(|| Engine::from_json(&text));
    assert_eq!(compiled.err().map(|e| e.problems[0].code), Some("tooLarge"));
}

#[test]
fn a_profile_field_a_rule_reads_is_built_no_further_than_the_profiles_limit() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let e = engine();
    // jobTitle is read by the rule set: it was built whole before the limit was
    // checked (a second and 63 MiB for 200,000 objects in the package).
    let list = vec!["{\"a\":0}"; 200_000].join(",");
    for field in ["jobTitle", "notReadByAnyRule"] {
        let text = format!("{{\"profile\": {{\"{field}\": [{list}]}}}}");
        let (answer, peak) = peak_of(|| e.score_json(&text, NOW));
        let err = answer.unwrap_err();
        assert_eq!(code_and_path(&err), ("tooLarge", "profile"), "{field}: {err}");
        // The weight limit bounds what a field a rule reads is built to (64 KiB of
        // weight; objects of one key take some 40 times their weight).
        assert!(peak < 64 * MAX_PROFILE_BYTES, "{field}: reading held {peak} bytes at once");
    }
    // Too deep beats too large, wherever in the profile each is.
    let deep = "[".repeat(12) + &"]".repeat(12);
    let text = format!("{{\"profile\": {{\"a\": [{list}], \"b\": {deep}}}}}");
    assert_eq!(e.score_json(&text, NOW).unwrap_err().problem.code, "tooDeep");
    // A profile patch likewise.
    let mut s = Session::new("visitor").unwrap();
    let patch = format!("{{\"jobTitle\": [{list}]}}");
    let (answer, peak) = peak_of(|| s.update_profile_json(&patch));
    assert_eq!(answer.unwrap_err().problem.code, "tooLarge");
    assert!(peak < 64 * MAX_PROFILE_BYTES, "a patch held {peak} bytes at once");
    assert!(s.profile().is_empty(), "a refused patch changes nothing");
}

#[test]
fn an_events_properties_are_built_no_further_than_the_events_limit() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let e = engine();
    let list = vec!["{\"a\":0}"; 100_000].join(",");
    // `url` is read by the rule set, `junk` is not: each is checked alike.
    for name in ["url", "junk"] {
        let event = format!("{{\"type\": \"page_view\", \"ts\": {NOW}, \"{name}\": [{list}]}}");
        let mut s = Session::new("visitor").unwrap();
        let (answer, peak) = peak_of(|| s.track_json(&event, NOW));
        let err = answer.unwrap_err();
        assert_eq!(code_and_path(&err), ("tooLarge", "event"), "{name}: {err}");
        assert!(peak < 64 * MAX_EVENT_BYTES, "{name}: reading held {peak} bytes at once");
        // In a batch the event is set aside and described, and the rest is scored.
        let lead =
            format!("{{\"events\": [{event}, {{\"type\": \"page_view\", \"ts\": {NOW}, \"url\": \"/pricing\"}}]}}");
        let r = e.score_json(&lead, NOW).unwrap();
        assert_eq!(
            r.events.problems.iter().map(|p| (p.path.as_str(), p.code)).collect::<Vec<_>>(),
            [("events[0]", "tooLarge")]
        );
        assert_eq!(r.events.scored, 1);
    }
}

#[test]
fn saved_state_with_a_property_repeated_a_million_times_is_refused_with_little_memory() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 8 MB under the 8 MiB limit: one event whose properties repeat one name.
    let props = vec!["\"a\":\"xxxx\""; 700_000].join(",");
    let text = format!("{{\"v\":1,\"id\":\"s\",\"events\":[{{\"type\":\"x\",\"ts\":1,\"p\":{{{props}}}}}]}}");
    assert!(text.len() < 8 * MIB);
    let (answer, peak) = peak_of(|| Session::restore(&text));
    let err = answer.err().unwrap();
    assert_eq!(code_and_path(&err), ("tooLarge", "events[0]"), "{err}");

    assert!(peak < 64 * MAX_EVENT_BYTES, "restoring held {peak} bytes at once");
}

#[test]
fn saved_state_that_repeats_an_event_id_scores_as_a_batch_call() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // save() never writes an id twice; restored, the repeats scored three times
    // where a batch call drops them (45 points against 15 once).
    let e = engine();
    let event = |ts: i64| json!({"type": "page_view", "ts": NOW - ts, "id": "e1", "url": "/pricing"});
    let saved_event = |ts: i64| json!({"type": "page_view", "ts": NOW - ts, "id": "e1", "p": {"url": "/pricing"}});
    let state = json!({"v": 1, "id": "s", "events": [saved_event(3), saved_event(2), saved_event(1)]});
    let session = Session::restore(&state.to_string()).unwrap();
    let batch = e.score_value(&json!({"id": "s", "events": [event(3), event(2), event(1)]}), NOW).unwrap();
    let restored = session.score(&e, NOW);
    assert_eq!((restored.total, restored.engagement), (batch.total, batch.engagement));
    let pricing = |r: &leadscore::ScoreResult| {
        r.contributions.iter().find(|c| c.id.as_ref() == "pricing_views").and_then(|c| c.matched)
    };
    assert_eq!((pricing(&restored), pricing(&batch)), (Some(1), Some(1)));
}

#[test]
fn errors_do_not_repeat_their_input_at_length() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // 50,000 unknown keys, under the rule set's weight limit: one problem each was
    // about 10 MB of error text.
    let keys: Vec<String> = (0..50_000).map(|i| format!("\"k{i}\":1")).collect();
    let text = format!(r#"{{"schema":"leadscore.ruleset/v1","id":"x","version":"1",{}}}"#, keys.join(","));
    let err = Engine::from_json(&text).err().unwrap();
    assert_eq!(err.problems.len(), 101, "the first 100 problems and how many more");
    assert_eq!(err.problems[100].code, "tooManyProblems");
    assert!(err.problems[100].message.contains("49900 more"), "{}", err.problems[100].message);
    assert!(err.to_string().len() < 64 << 10, "{} bytes of error text", err.to_string().len());
    // A key of a megabyte is named, not repeated.
    let long = format!(r#"{{"schema":"leadscore.ruleset/v1","id":"x","version":"1","{}":1}}"#, "k".repeat(MIB));
    let err = Engine::from_json(&long).err().unwrap();
    assert!(err.to_string().len() < 4096, "{} bytes of error text", err.to_string().len());
    // A timestamp of a megabyte is not echoed whole.
    let mut s = Session::new("visitor").unwrap();
    let event = format!(r#"{{"type":"x","ts":"{}"}}"#, "9".repeat(MIB));
    let err = s.track_json(&event, NOW).unwrap_err();
    assert_eq!(code_and_path(&err), ("invalidTimestamp", "event.ts"));
    assert!(err.problem.message.len() < 256, "{}", err.problem.message);
}

#[test]
fn a_lead_id_is_at_most_128_bytes() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let e = engine();
    let r = e.score_json(&format!(r#"{{"id":"{}"}}"#, "i".repeat(128)), NOW).unwrap();
    assert_eq!(r.lead_id.map(|id| id.len()), Some(128));
    let err = e.score_json(&format!(r#"{{"id":"{}"}}"#, "i".repeat(129)), NOW).unwrap_err();
    assert_eq!(code_and_path(&err), ("invalidId", "id"));
}

#[test]
fn call_limits_can_be_lowered_but_not_below_what_one_event_or_profile_needs() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let defaults = CallLimits::get();
    assert_eq!(defaults, CallLimits::default());
    let err = CallLimits { max_input_bytes: 1024, ..defaults }.set().unwrap_err();
    assert_eq!(code_and_path(&err), ("invalidValue", "maxInputBytes"));
    assert_eq!(CallLimits::get(), defaults, "a refused setting changes nothing");
    let err = CallLimits { max_call_steps: 999_999, ..defaults }.set().unwrap_err();
    assert_eq!(code_and_path(&err), ("invalidValue", "maxCallSteps"));
    assert_eq!(CallLimits::get(), defaults);
    CallLimits { max_input_bytes: 1 << 20, max_call_memory: 64 << 10, ..defaults }.set().unwrap();
    let e = engine();
    let events = vec![format!(r#"{{"type":"page_view","ts":{NOW},"url":"/pricing"}}"#); 1000].join(",");
    let answer = e.score_json(&format!(r#"{{"events":[{events}]}}"#), NOW);
    CallLimits::default().set().unwrap();
    assert_eq!(answer.unwrap_err().problem.code, "tooLarge");
    assert!(e.score_json(&format!(r#"{{"events":[{events}]}}"#), NOW).is_ok(), "the default again");
}

#[test]
fn any_now_the_library_accepts_scores_without_overflow() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let engine = engine();
    let lead = leadscore::Lead::from_value(&json!({
        "id": "l1",
        "profile": {"country": "US"},
        "events": [{"type": "page_view", "ts": -8_640_000_000_000_000_i64, "properties": {"path": "/pricing"}}]
    }))
    .unwrap();
    for now in [i64::MIN, -1, 0, NOW, i64::MAX] {
        let result = engine.score(&lead, now);
        assert_eq!(result.now, now);
        assert!(result.to_json().contains("\"total\""));
    }
    let mut session = Session::new("s").unwrap();
    let event = json!({"type": "page_view", "ts": 8_640_000_000_000_000_i64});
    let err = session.track_value(&event, i64::MIN).unwrap_err();
    assert_eq!(code_and_path(&err), ("futureTimestamp", "event.ts"));
    assert!(session.events().is_empty());
    let err = session.track_value(&event, -8_640_000_000_000_000).unwrap_err();
    assert_eq!(code_and_path(&err), ("futureTimestamp", "event.ts"));
}
