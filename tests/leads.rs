//! Reading leads beyond tests/cases: the profile fields kept, JSON text with escaped
//! keys, the text of a result, and lead sets. Runs natively and, through
//! wasm-bindgen-test, compiled to wasm32 in Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;
use common::*;
use leadscore::SkipReason;
use serde_json::json;

#[test]
fn a_lead_scores_the_same_whatever_else_its_profile_holds_and_all_of_it_counts_toward_the_limits() {
    let e = engine(json!({
        "fit": [
            {"id": "big", "points": 20, "when": {"all": [{"field": "company.size", "gte": 200}, {"not": {"field": "jobTitle", "word": "intern"}}]}},
            {"id": "us", "points": 5, "when": {"field": "country", "in": ["US"]}}
        ],
        "disqualifiers": [{"id": "rival", "when": {"field": "email", "endsWith": "@rival.io"}}]
    }));
    let read = json!({"company": {"size": 500}, "jobTitle": "VP", "country": "US", "email": "ann@acme.io"});
    let mut wide = read.clone();
    for k in 0..80 {
        wide[format!("crm_field_{k}")] = json!({"value": format!("something {k}"), "history": [1, 2, 3]});
    }
    let narrow = score(&e, read.clone(), vec![], NOW);
    assert_eq!(narrow.total.as_f64(), 25.0);
    let lead = json!({"id": "l", "profile": wide, "events": []});
    let r = e.score_value(&lead, NOW).unwrap();
    assert_eq!(r.to_json(), e.score_json(&lead.to_string(), NOW).unwrap().to_json());
    assert_eq!((r.total, r.fit, r.contributions.len()), (narrow.total, narrow.fit, narrow.contributions.len()));
    // The whole profile, as Engine::score is given it, scores alike.
    let (whole, _) = leadscore::Lead::from_value(&lead.clone()).map(|lead| (lead, ())).unwrap();
    assert_eq!(whole.profile.len(), 84);
    assert_eq!(e.score(&whole, NOW).to_json(), r.to_json());
    // What only a disqualifier reads is kept too.
    let mut rival = lead.clone();
    rival["profile"]["email"] = json!("bo@rival.io");
    assert!(e.score_value(&rival, NOW).unwrap().disqualified);
    // A field no rule reads still counts toward the size and depth limits.
    let mut large = read.clone();
    large["notes"] = json!("x".repeat(70_000));
    let err = e.score_value(&json!({"profile": large}), NOW).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("profile", "tooLarge"));
    let mut deep = read;
    deep["tree"] = json!([[[[[[[[["leaf"]]]]]]]]]);
    let err = e.score_value(&json!({"profile": deep}), NOW).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("profile", "tooDeep"));
}

#[test]
fn escaped_keys_in_json_text_read_as_the_keys_they_spell() {
    let e = engine(json!({
        "fit": [{"id": "us", "points": 5, "when": {"field": "country", "in": ["US"]}}],
        "engagement": [pricing_rule(json!({}))]
    }));
    let plain = r#"{"id": "l", "profile": {"country": "US"}, "events": [{"type": "page_view", "ts": 1795176000000, "url": "/pricing", "seconds": 4}]}"#;
    let escaped = r#"{"\u0069d": "l", "pro\u0066ile": {"c\u006funtry": "US"}, "events": [{"\u0074ype": "page_view", "t\u0073": 1795176000000, "ur\u006c": "/pricing", "\u0073econds": 4}]}"#;
    let r = e.score_json(plain, NOW).unwrap();
    assert_eq!(r.total.as_f64(), 20.0, "{}", r.to_json());
    assert_eq!(e.score_json(escaped, NOW).unwrap().to_json(), r.to_json());
    // An escaped key no lead has is named as it is spelled.
    let err = e.score_json(r#"{"event\u0073x": []}"#, NOW).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("eventsx", "unknownKey"));
}

#[test]
fn a_result_writes_the_reasons_events_were_set_aside_in_name_order() {
    // The JSON text, not only its value: tests/cases/events.json compares values, whose
    // key order does not count.
    let e = engine(json!({"engagement": [pricing_rule(json!({}))]}));
    let mut events = pricing_views(2);
    events.push(ev_with("page_view", NOW + 1, json!({"url": "/pricing"})));
    events.push(ev_with("page_view", NOW, json!({"url": "/pricing", "id": "a"})));
    events.push(ev_with("page_view", NOW, json!({"url": "/pricing", "id": "a"})));
    events.push(json!({"type": "page_view", "ts": "yesterday"}));
    let r = score(&e, json!({}), events, NOW);
    assert!(serde_json::to_string(&r.events)
        .unwrap()
        .contains(r#""skipped":{"afterNow":1,"duplicate":1,"invalid":1}"#));
}

/// Leads read as a batch job reads them (every field kept), for a `LeadSet`.
fn raw_leads(leads: &serde_json::Value) -> Vec<leadscore::test_support::RawLead> {
    leadscore::test_support::read_leads(leads, usize::MAX, &leadscore::test_support::LeadFields::ALL).unwrap().unwrap()
}

#[test]
fn a_lead_set_scores_each_lead_as_score_does() {
    let leads = json!([
        {"id": "vp", "profile": {"jobTitle": "VP Sales"}, "events": pricing_views(3)},
        {"id": "out of order", "events": [ev_with("page_view", NOW - 1, json!({"url": "/pricing"})), ev_with("page_view", NOW - 5 * DAY, json!({"url": "/pricing"}))]},
        {"id": "repeats", "events": [ev_with("page_view", NOW - 3, json!({"url": "/pricing", "id": "a"})), ev_with("page_view", NOW - 2, json!({"url": "/pricing", "id": "a"}))]},
        {"id": "invalid", "events": [ev("page_view", NOW + 5 * DAY), {"ts": NOW}, 7, ev_with("page_view", NOW, json!({"url": "/pricing"}))]},
        {}
    ]);
    let mut set = leadscore::LeadSet::new();
    set.add_raw(raw_leads(&leads)).unwrap();
    assert_eq!((set.len(), set.events()), (5, 3 + 2 + 1 + 2));
    let engines = [
        engine(json!({"engagement": [pricing_rule(json!({"cap": 45}))]})),
        engine(json!({"recency": {"halfLife": "2d"}, "engagement": [pricing_rule(json!({}))]})),
    ];
    for e in &engines {
        for now in [NOW, NOW + 3 * DAY] {
            let one_by_one: Vec<_> = leads.as_array().unwrap().iter().map(|l| e.score_value(l, now).unwrap()).collect();
            assert_eq!(set.score(e, now), one_by_one);
            let qualified: Vec<_> =
                leads.as_array().unwrap().iter().map(|l| e.qualify_value(l, now).unwrap()).collect();
            assert_eq!(
                set.qualify(e, now).iter().map(|q| (q.total, q.stage)).collect::<Vec<_>>(),
                qualified.iter().map(|q| (q.total, q.stage)).collect::<Vec<_>>()
            );
        }
    }
    let held = set.score(&engines[0], NOW);
    assert_eq!(held[2].events.skipped.get(SkipReason::Duplicate), 1);
    assert_eq!(
        held[3].events.problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
        ["events[1].type", "events[2]"]
    );
    // Parts are clamped to the set.
    assert_eq!(
        set.score_range(&engines[0], NOW, 3..100).iter().map(|r| r.lead_id.clone()).collect::<Vec<_>>(),
        [Some("invalid".to_string()), None]
    );
    assert!(set.qualify_range(&engines[0], NOW, 7..9).is_empty());
    assert_eq!(set.qualify_range(&engines[0], NOW, 1..2).len(), 1);
}

#[test]
fn a_lead_set_takes_all_of_a_list_or_none_of_it() {
    let mut set = leadscore::LeadSet::new();
    set.add_raw(raw_leads(&json!([{"events": pricing_views(2)}]))).unwrap();
    let err = set.add_raw(raw_leads(&json!([{"events": pricing_views(4)}, {"profile": 3}]))).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("[1].profile", "wrongType"));
    let err = set.add_raw(raw_leads(&json!([{}, {}, {"events": [], "extra": 1}]))).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("[2].extra", "unknownKey"));
    assert_eq!((set.len(), set.events()), (1, 2));
}
