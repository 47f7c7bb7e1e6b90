//! What a rule set means, checked on numbers worked out by hand. Runs natively and,
//! through wasm-bindgen-test, compiled to wasm32 in Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;
use common::*;
use leadscore::{ContributionKind, Engine, Session, SkipReason, Stage, Tracked};
use serde_json::json;

fn pricing_rule(extra: serde_json::Value) -> serde_json::Value {
    let mut r =
        json!({"id": "pricing", "event": "page_view", "where": {"field": "url", "equals": "/pricing"}, "points": 15});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

fn pricing_views(n: i64) -> Vec<serde_json::Value> {
    (0..n).map(|i| ev_with("page_view", NOW - i * 1000, json!({"url": "/pricing"}))).collect()
}

#[test]
fn points_per_occurrence_stop_at_the_cap() {
    let e = engine(json!({"engagement": [pricing_rule(json!({"cap": 45}))]}));
    let r = score(&e, json!({}), pricing_views(4), NOW);
    let c = &r.contributions[0];
    assert_eq!((c.points.as_f64(), c.matched, c.capped), (45.0, Some(4), true));
    let r = score(&e, json!({}), pricing_views(2), NOW);
    assert_eq!((r.total.as_f64(), r.contributions[0].capped), (30.0, false));
}

#[test]
fn once_rules_count_one_occurrence() {
    let e = engine(json!({"engagement": [pricing_rule(json!({"once": true}))]}));
    let r = score(&e, json!({}), pricing_views(3), NOW);
    assert_eq!((r.total.as_f64(), r.contributions[0].matched), (15.0, Some(3)));
}

#[test]
fn events_of_other_types_or_failing_the_filter_do_not_count() {
    let e = engine(json!({"engagement": [pricing_rule(json!({}))]}));
    let events = vec![
        ev_with("page_view", NOW, json!({"url": "/docs"})),
        ev_with("click", NOW, json!({"url": "/pricing"})),
        ev("page_view", NOW),
    ];
    let r = score(&e, json!({}), events, NOW);
    assert_eq!(r.total.0, 0);
    assert!(r.contributions.is_empty());
}

#[test]
fn decay_halves_points_every_half_life_and_expiry_is_inclusive() {
    let e = engine(json!({
        "recency": {"halfLife": "10d", "expireAfter": "30d"},
        "engagement": [{"id": "visit", "event": "page_view", "points": 20}]
    }));
    let at = |age: i64| score(&e, json!({}), vec![ev("page_view", NOW - age)], NOW).total.as_f64();
    assert_eq!(at(0), 20.0);
    assert_eq!(at(10 * DAY), 10.0);
    assert_eq!(at(20 * DAY), 5.0);
    assert_eq!(at(30 * DAY), 2.5, "an event exactly expireAfter old still counts");
    assert_eq!(at(30 * DAY + 1), 0.0, "one millisecond later it has expired");
    // 20 * 2^(-15/10) = 7.0710678… -> 7.07, rounded to hundredths.
    assert_eq!(at(15 * DAY), 7.07);
}

#[test]
fn decay_is_applied_per_event_before_the_cap() {
    let e = engine(json!({
        "recency": {"halfLife": "10d"},
        "engagement": [{"id": "visit", "event": "page_view", "points": 20, "cap": 30}]
    }));
    // 20 + 10 + 5 = 35, capped at 30.
    let r = score(
        &e,
        json!({}),
        vec![ev("page_view", NOW), ev("page_view", NOW - 10 * DAY), ev("page_view", NOW - 20 * DAY)],
        NOW,
    );
    assert_eq!((r.total.as_f64(), r.contributions[0].capped), (30.0, true));
    // 10 + 5 = 15: under the cap.
    let r = score(&e, json!({}), vec![ev("page_view", NOW - 10 * DAY), ev("page_view", NOW - 20 * DAY)], NOW);
    assert_eq!((r.total.as_f64(), r.contributions[0].capped), (15.0, false));
}

#[test]
fn fit_points_never_decay() {
    let e = engine(json!({
        "recency": {"halfLife": "1d"},
        "fit": [{"id": "vp", "points": 20, "when": {"field": "title", "word": "vp"}}]
    }));
    assert_eq!(score(&e, json!({"title": "VP Sales"}), vec![], NOW).total.as_f64(), 20.0);
}

#[test]
fn frequency_windows_include_their_edge() {
    let e = engine(
        json!({"engagement": [{"id": "returning", "event": "visit", "points": 10, "count": {"atLeast": 3, "within": "7d"}}]}),
    );
    let visits = |oldest: i64| vec![ev("visit", NOW - oldest), ev("visit", NOW - 3 * DAY), ev("visit", NOW)];
    let r = score(&e, json!({}), visits(7 * DAY), NOW);
    assert_eq!((r.total.as_f64(), r.contributions[0].matched), (10.0, Some(3)));
    assert_eq!(score(&e, json!({}), visits(7 * DAY + 1), NOW).total.0, 0);
}

#[test]
fn sum_rules_add_a_numeric_property_within_the_window() {
    let e = engine(
        json!({"engagement": [{"id": "time", "event": "page_view", "points": 10, "sum": {"property": "seconds", "atLeast": 300, "within": "1d"}}]}),
    );
    let base = vec![
        ev_with("page_view", NOW - DAY, json!({"seconds": 100})),
        ev_with("page_view", NOW - 3_600_000, json!({"seconds": 150.5})),
        ev_with("page_view", NOW, json!({"seconds": "lots"})),
    ];
    assert_eq!(score(&e, json!({}), base.clone(), NOW).total.0, 0, "250.5 seconds is not 300");
    let mut more = base;
    more.push(ev_with("page_view", NOW, json!({"seconds": 49.5})));
    let r = score(&e, json!({}), more.clone(), NOW);
    assert_eq!((r.total.as_f64(), r.contributions[0].matched), (10.0, Some(4)));
    // A day and a millisecond later the 100-second visit has left the window.
    assert_eq!(score(&e, json!({}), more, NOW + 1).total.0, 0);
}

#[test]
fn group_caps_are_explicit_lines() {
    let e = engine(json!({
        "groups": {"web": {"cap": 20}},
        "engagement": [
            pricing_rule(json!({"group": "web"})),
            {"id": "docs", "group": "web", "event": "page_view", "where": {"field": "url", "startsWith": "/docs"}, "points": 10},
            {"id": "webinar", "event": "webinar", "points": 15}
        ]
    }));
    let r = score(
        &e,
        json!({}),
        vec![
            ev_with("page_view", NOW, json!({"url": "/pricing"})),
            ev_with("page_view", NOW, json!({"url": "/docs/a"})),
            ev("webinar", NOW),
        ],
        NOW,
    );
    assert_eq!(r.total.as_f64(), 35.0);
    assert_eq!(r.engagement.as_f64(), 35.0);
    let cap = r.contributions.iter().find(|c| c.kind == ContributionKind::GroupCap).unwrap();
    assert_eq!((&*cap.id, cap.points.as_f64()), ("web", -5.0));
}

#[test]
fn total_limits_and_floor() {
    let e = engine(json!({
        "total": {"max": 50, "floorAtZero": true},
        "fit": [{"id": "big", "points": 40, "when": {"field": "size", "gte": 100}}, {"id": "student", "points": -30, "when": {"field": "title", "contains": "student"}}],
        "engagement": [{"id": "demo", "event": "demo", "points": 50}]
    }));
    let r = score(&e, json!({"size": 500}), vec![ev("demo", NOW)], NOW);
    assert_eq!((r.total.as_f64(), r.fit.as_f64(), r.engagement.as_f64()), (50.0, 40.0, 50.0));
    assert_eq!(points_of(&r, "total.max"), Some(-40.0));
    let r = score(&e, json!({"title": "Student"}), vec![], NOW);
    assert_eq!((r.total.as_f64(), r.fit.as_f64()), (0.0, -30.0));
    assert_eq!(points_of(&r, "total.floorAtZero"), Some(30.0));
}

#[test]
fn negative_engagement_subtracts() {
    let e = engine(
        json!({"engagement": [{"id": "unsub", "event": "unsubscribe", "points": -30, "once": true}, pricing_rule(json!({}))]}),
    );
    let mut events = pricing_views(3);
    events.push(ev("unsubscribe", NOW));
    assert_eq!(score(&e, json!({}), events, NOW).total.as_f64(), 15.0);
}

fn staged() -> Engine {
    engine(json!({
        "fit": [{"id": "vp", "points": 30, "when": {"field": "title", "word": "vp"}}],
        "engagement": [pricing_rule(json!({})), {"id": "feature", "event": "feature_used", "points": 5}],
        "disqualifiers": [
            {"id": "competitor", "description": "competitor domain", "when": {"field": "email", "endsWith": "@rival.io"}},
            {"id": "spam", "event": "spam_report"}
        ],
        "stages": {
            "mql": {"threshold": 60, "minFit": 30},
            "sql": {"on": [{"event": "form_submit", "where": {"field": "form", "equals": "demo"}}]},
            "pql": {"on": [{"event": "feature_used", "atLeast": 3, "within": "14d"}]}
        },
        "grades": {"fit": [30, 20, 10], "engagement": [45, 30, 15]},
        "bands": [{"name": "hot", "atLeast": 60}, {"name": "warm", "atLeast": 30}, {"name": "cold"}]
    }))
}

#[test]
fn mql_needs_the_threshold_and_the_minimum_fit() {
    let e = staged();
    let r = score(&e, json!({"title": "VP Sales"}), pricing_views(2), NOW);
    assert_eq!((r.stage, r.total.as_f64(), r.matrix, &*r.band), (Stage::Mql, 60.0, "A2", "hot"));
    // Enough points, but no fit: not an MQL.
    let r = score(&e, json!({"title": "Engineer"}), pricing_views(4), NOW);
    assert_eq!((r.stage, r.total.as_f64(), r.matrix), (Stage::None, 60.0, "D1"));
}

#[test]
fn sql_fast_track_and_pql() {
    let e = staged();
    let r = score(&e, json!({}), vec![ev_with("form_submit", NOW, json!({"form": "demo"}))], NOW);
    assert_eq!(r.stage, Stage::Sql);
    assert!(r.stage_reason.contains("stages.sql.on[0]"), "{}", r.stage_reason);
    let uses = |gap: i64| (0..3).map(|i| ev("feature_used", NOW - i * gap)).collect::<Vec<_>>();
    assert_eq!(score(&e, json!({}), uses(DAY), NOW).stage, Stage::Pql);
    assert_eq!(score(&e, json!({}), uses(8 * DAY), NOW).stage, Stage::None, "3 uses over 16 days are not within 14");
}

#[test]
fn disqualifiers_stop_qualification_and_say_why() {
    let e = staged();
    let r = score(
        &e,
        json!({"title": "VP", "email": "x@rival.io"}),
        vec![ev_with("form_submit", NOW, json!({"form": "demo"}))],
        NOW,
    );
    assert_eq!((r.stage, r.disqualified), (Stage::None, true));
    assert_eq!(&*r.disqualifications[0].id, "competitor");
    assert_eq!(r.disqualifications[0].description.as_deref(), Some("competitor domain"));
    let r = score(&e, json!({"title": "VP"}), vec![ev("spam_report", NOW - 100 * DAY)], NOW);
    assert_eq!(r.disqualifications.iter().map(|d| &*d.id).collect::<Vec<_>>(), vec!["spam"]);
}

#[test]
fn events_after_now_and_duplicates_are_set_aside_and_counted() {
    let e = engine(json!({"engagement": [pricing_rule(json!({}))]}));
    let mut events = pricing_views(2);
    events.push(ev_with("page_view", NOW + 1, json!({"url": "/pricing"})));
    events.push(ev_with("page_view", NOW, json!({"url": "/pricing", "id": "a"})));
    events.push(ev_with("page_view", NOW, json!({"url": "/pricing", "id": "a"})));
    events.push(json!({"type": "page_view", "ts": "yesterday"}));
    let r = score(&e, json!({}), events, NOW);
    assert_eq!(r.total.as_f64(), 45.0);
    assert_eq!(r.events.scored, 3);
    assert_eq!(r.events.skipped.get(SkipReason::AfterNow), 1);
    assert_eq!(r.events.skipped.get(SkipReason::Duplicate), 1);
    assert_eq!(r.events.skipped.get(SkipReason::Invalid), 1);
    assert_eq!(r.events.problems[0].path, "events[5].ts");
    // In a result: the reasons that occurred, by name, in name order.
    let written = serde_json::to_value(&r.events).unwrap();
    assert_eq!(written["skipped"], json!({"afterNow": 1, "duplicate": 1, "invalid": 1}));
    assert!(serde_json::to_string(&r.events)
        .unwrap()
        .contains(r#""skipped":{"afterNow":1,"duplicate":1,"invalid":1}"#));
    assert!(
        serde_json::to_value(score(&e, json!({}), pricing_views(1), NOW).events).unwrap().get("skipped").is_none(),
        "no reasons, no key"
    );
}

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
    let whole = leadscore::Lead::from_value(&lead).unwrap();
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
fn properties_no_rule_reads_are_held_to_every_limit_exactly() {
    // The rule reads p0; the other properties are only checked, and must be checked
    // as a property that is read would be.
    let e = engine(
        json!({"engagement": [{"id": "p", "event": "x", "where": {"field": "p0", "equals": "a"}, "points": 5}]}),
    );
    let problem = |props: serde_json::Value| {
        let r = score(&e, json!({}), vec![ev_with("x", NOW - 1, props)], NOW);
        r.events.problems.first().map(|p| (p.path.clone(), p.code))
    };
    // The event's size as counted: 40 + its type's length, and per property its
    // name's length + 4 + its value's (a text's length + 2). Ten properties p0..p9:
    // 41 + 9 (p0: "a") + 9 × 8 + 8 × 450 + the last text's length.
    let sized = |last: usize| {
        let mut props = json!({"p0": "a"});
        for k in 1..10 {
            props[format!("p{k}")] = json!("x".repeat(if k == 9 { last } else { 450 }));
        }
        props
    };
    assert_eq!(problem(sized(4096 - 3722)), None, "4,096 bytes: the limit");
    assert_eq!(problem(sized(4097 - 3722)), Some(("events[0]".into(), "tooLarge")));
    assert_eq!(problem(json!({"p0": "a", "p5": "x".repeat(512)})), None);
    assert_eq!(problem(json!({"p0": "a", "p5": "x".repeat(513)})), Some(("events[0].p5".into(), "tooLong")));
    // 33 names, one read and 32 not: one too many.
    let mut many = json!({"p0": "a"});
    for k in 1..32 {
        many[format!("q{k}")] = json!(k);
    }
    assert_eq!(problem(many.clone()), None);
    many["q32"] = json!(32);
    assert_eq!(problem(many), Some(("events[0]".into(), "tooManyProperties")));
    // The first problem in order of name, whether its property is read or not.
    assert_eq!(problem(json!({"p0": "a".repeat(600), "p1": [[1]]})), Some(("events[0].p0".into(), "tooLong")));
    assert_eq!(problem(json!({"p0": "a", "o": [[1]], "p1": "x".repeat(600)})), Some(("events[0].o".into(), "tooDeep")));
}

#[test]
fn a_repeated_id_is_set_aside_in_events_already_in_order() {
    let e = engine(json!({"engagement": [pricing_rule(json!({}))]}));
    let view = |ts: i64, id: &str| ev_with("page_view", ts, json!({"url": "/pricing", "id": id}));
    // Every id once: all scored.
    let r = score(&e, json!({}), vec![view(NOW - 3, "a"), view(NOW - 2, "b"), view(NOW - 1, "c")], NOW);
    assert_eq!((r.total.as_f64(), r.events.scored, r.events.skipped.get(SkipReason::Duplicate)), (45.0, 3, 0));
    // In time order, the last repeating the first: the repeat is set aside.
    let r = score(&e, json!({}), vec![view(NOW - 3, "a"), view(NOW - 2, "b"), view(NOW - 1, "a")], NOW);
    assert_eq!((r.total.as_f64(), r.events.scored, r.events.skipped.get(SkipReason::Duplicate)), (30.0, 2, 1));
}

#[test]
fn declared_event_vocabulary_sets_aside_unknown_types_and_wrong_property_types() {
    let e = engine(json!({
        "events": {"page_view": {"url": "string"}},
        "engagement": [pricing_rule(json!({}))]
    }));
    let events = vec![
        ev_with("page_view", NOW, json!({"url": "/pricing"})),
        ev("pageview", NOW),
        ev_with("page_view", NOW, json!({"url": 5})),
    ];
    let r = score(&e, json!({}), events, NOW);
    assert_eq!(r.total.as_f64(), 15.0);
    assert_eq!(r.events.skipped.get(SkipReason::UnknownType), 1);
    assert_eq!(r.events.skipped.get(SkipReason::WrongPropertyType), 1);
}

#[test]
fn a_session_reports_each_transition_once_and_stages_move_forward() {
    let e = staged();
    let mut s = Session::new("visitor-1").unwrap();
    s.update_profile(&json!({"title": "VP Marketing"})).unwrap();
    s.track_value(&ev_with("page_view", NOW - 3000, json!({"url": "/pricing"})), NOW).unwrap();
    assert!(s.evaluate(&e, NOW).transitions.is_empty(), "45 points: no stage yet");
    s.track_value(&ev_with("page_view", NOW - 2000, json!({"url": "/pricing"})), NOW).unwrap();
    let first = s.evaluate(&e, NOW);
    assert_eq!(first.transitions.len(), 1);
    let t = &first.transitions[0];
    assert_eq!((t.from, t.to, t.subject.as_str()), (Stage::None, Stage::Mql, "visitor-1"));
    assert!(t.reasons.iter().any(|c| &*c.id == "pricing"));
    assert!(s.evaluate(&e, NOW).transitions.is_empty(), "reported once");
    // Forty days on the pricing visits still count (no decay here), but the stage
    // never moves back without `recycle`.
    s.track_value(&ev_with("form_submit", NOW, json!({"form": "demo"})), NOW).unwrap();
    let sql = s.evaluate(&e, NOW);
    assert_eq!((sql.transitions[0].from, sql.transitions[0].to), (Stage::Mql, Stage::Sql));
    assert_ne!(sql.transitions[0].idempotency_key, t.idempotency_key);
    // The same lead in another session computes the same key for the same step.
    let mut again = Session::new("visitor-1").unwrap();
    again.update_profile(&json!({"title": "VP Marketing"})).unwrap();
    for ts in [NOW - 3000, NOW - 2000] {
        again.track_value(&ev_with("page_view", ts, json!({"url": "/pricing"})), NOW).unwrap();
    }
    assert_eq!(again.evaluate(&e, NOW).transitions[0].idempotency_key, t.idempotency_key);
}

#[test]
fn tracking_with_rule_sets_returns_each_transition_once() {
    let staged = staged();
    // Sessions remember stages by `id@version`: a second rule set needs its own id.
    let plain =
        engine(json!({"id": "plain", "engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 30}}}));
    let engines = [&staged, &plain];
    let mut s = Session::new("visitor-2").unwrap();
    s.update_profile(&json!({"title": "VP Marketing"})).unwrap();
    let view = |ts: i64| leadscore::Event::from_value(&ev_with("page_view", ts, json!({"url": "/pricing"}))).unwrap();
    let first = s.track_and_evaluate(view(NOW - 3000), NOW, &engines).unwrap();
    assert_eq!(first.tracked, Tracked::Added);
    assert!(first.transitions.is_empty(), "15 and 15 points: no stage yet");
    let second = s.track_and_evaluate(view(NOW - 2000), NOW, &engines).unwrap();
    let moved: Vec<_> = second.transitions.iter().map(|t| (&*t.ruleset_id, t.to)).collect();
    assert_eq!(moved, [("t", Stage::Mql), ("plain", Stage::Mql)], "both rule sets, in the order given");
    assert!(s.track_and_evaluate(view(NOW - 1000), NOW, &engines).unwrap().transitions.is_empty(), "reported once");
    // A refused event changes nothing and evaluates nothing.
    let held = s.events().len();
    let future = leadscore::Event::from_value(&ev("page_view", NOW + 2 * 3_600_000)).unwrap();
    assert_eq!(s.track_and_evaluate(future, NOW, &engines).unwrap_err().problem.code, "futureTimestamp");
    assert_eq!(s.events().len(), held);
}

/// Two sessions given the same events: one watching an engine (its `track` reports
/// the transitions, scoring only when the stage could move), one evaluating the
/// engine after each event. They must report the same transitions.
struct WatchedAndEvaluated {
    watched: Session,
    evaluated: Session,
}

impl WatchedAndEvaluated {
    fn new(profile: serde_json::Value) -> WatchedAndEvaluated {
        let mut pair =
            WatchedAndEvaluated { watched: Session::new("v").unwrap(), evaluated: Session::new("v").unwrap() };
        for s in [&mut pair.watched, &mut pair.evaluated] {
            s.update_profile(&profile).unwrap();
        }
        pair
    }

    /// Tracks `event` in both at `NOW`: the stages the lead moved to.
    fn track(&mut self, e: &Engine, event: &serde_json::Value, what: &str) -> Vec<Stage> {
        let tracked = leadscore::Event::from_value(event).unwrap();
        let reported = self.watched.track_and_evaluate(tracked.clone(), NOW, &[e]).unwrap().transitions;
        self.evaluated.track(tracked, NOW).unwrap();
        assert_eq!(reported, self.evaluated.evaluate(e, NOW).transitions, "{what}");
        reported.iter().map(|t| t.to).collect()
    }
}

#[test]
fn watched_tracking_reports_a_stage_reached_exactly_at_what_the_rules_allow() {
    // A session with rule sets watched skips evaluating one while its lead cannot
    // reach a higher stage with the events it holds. Each rule set here reaches its
    // stage with exactly the most its rules allow, on the third event.
    let view = |i: i64| ev_with("page_view", NOW - 10_000 + i, json!({"url": "/pricing", "seconds": 100}));
    let form = |i: i64| ev_with("form_submit", NOW - 10_000 + i, json!({"form": "demo"}));
    let cases = [
        (
            "cap",
            json!({"engagement": [pricing_rule(json!({"cap": 45}))], "stages": {"mql": {"threshold": 45}}}),
            &view as &dyn Fn(i64) -> serde_json::Value,
        ),
        (
            "fit",
            json!({"fit": [{"id": "vp", "points": 15, "when": {"field": "title", "word": "vp"}}], "engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 60}}}),
            &view,
        ),
        (
            "once",
            json!({"engagement": [pricing_rule(json!({"once": true, "points": 45})), {"id": "forms", "event": "form_submit", "points": 1, "cap": 1}], "stages": {"mql": {"threshold": 46}}}),
            &|i| if i < 2 { form(i) } else { view(i) },
        ),
        (
            "count",
            json!({"engagement": [pricing_rule(json!({"count": {"atLeast": 3}, "points": 40})), {"id": "any", "event": "page_view", "points": 1}], "stages": {"mql": {"threshold": 43}}}),
            &view,
        ),
        (
            "sum",
            json!({"engagement": [pricing_rule(json!({"sum": {"property": "seconds", "atLeast": 300}, "points": 40}))], "stages": {"mql": {"threshold": 40}}}),
            &view,
        ),
        (
            "trigger",
            json!({"engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 100}, "sql": {"on": [{"event": "form_submit", "atLeast": 3}]}}}),
            &form,
        ),
        (
            "minFit",
            json!({"fit": [{"id": "vp", "points": 15, "when": {"field": "title", "word": "vp"}}], "engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 45, "minFit": 15}, "pql": {"on": [{"event": "page_view", "atLeast": 3}], "minFit": 15}}}),
            &view,
        ),
    ];
    for (id, rules, event) in cases {
        let mut rules = rules;
        rules["id"] = json!(id);
        let e = engine(rules);
        let mut pair = WatchedAndEvaluated::new(json!({"title": "VP Sales"}));
        let mut moved_at = Vec::new();
        for i in 0..5 {
            moved_at.extend(pair.track(&e, &event(i), &format!("{id}, event {i}")).into_iter().map(|stage| (i, stage)));
        }
        let stage = if id == "trigger" {
            Stage::Sql
        } else if id == "minFit" {
            Stage::Pql
        } else {
            Stage::Mql
        };
        let expected: &[(i64, Stage)] =
            if id == "minFit" { &[(1, Stage::Mql), (2, Stage::Pql)] } else { &[(2, stage)] };
        assert_eq!(moved_at, expected, "{id}");
        assert_eq!(pair.watched.save(), pair.evaluated.save(), "{id}");
    }
}

#[test]
fn watched_tracking_reports_a_stage_reached_on_the_edge_of_what_counts() {
    // A watched session skips scoring an engine while its lead cannot reach a higher
    // stage at this `now`, judging windows and expiry by the events' times and
    // counting negative points that cannot fade. Each case reaches its stage on the
    // edge: an event exactly as old as a window allows, or at `now`, the first at or
    // before `now` after one after it, or with exactly the points a lasting negative
    // rule leaves.
    let view = |ts: i64| ev_with("page_view", ts, json!({"url": "/pricing", "seconds": 100}));
    let cases = [
        (
            "expiry",
            json!({"engagement": [pricing_rule(json!({"points": 50, "recency": {"expireAfter": "1d"}}))], "stages": {"mql": {"threshold": 50}}}),
            vec![view(NOW - DAY)],
            0,
        ),
        (
            "count",
            json!({"engagement": [pricing_rule(json!({"points": 50, "count": {"atLeast": 2, "within": "1d"}}))], "stages": {"mql": {"threshold": 50}}}),
            vec![view(NOW - DAY), view(NOW - DAY)],
            1,
        ),
        (
            "sum",
            json!({"engagement": [pricing_rule(json!({"points": 50, "sum": {"property": "seconds", "atLeast": 100, "within": "1d"}}))], "stages": {"mql": {"threshold": 50}}}),
            vec![view(NOW - DAY)],
            0,
        ),
        (
            "trigger",
            json!({"engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 100}, "sql": {"on": [{"event": "page_view", "within": "1d"}]}}}),
            vec![view(NOW - DAY)],
            0,
        ),
        (
            "now",
            json!({"engagement": [pricing_rule(json!({"points": 50}))], "stages": {"mql": {"threshold": 50}}}),
            vec![view(NOW)],
            0,
        ),
        (
            "after-now",
            json!({"engagement": [pricing_rule(json!({"points": 50}))], "stages": {"mql": {"threshold": 50}}}),
            vec![view(NOW + 30 * 60_000), view(NOW - 1000)],
            1,
        ),
        (
            "once",
            json!({"engagement": [pricing_rule(json!({"points": 30})), {"id": "unsub", "event": "unsubscribe", "points": -30, "once": true}], "stages": {"mql": {"threshold": 60}}}),
            vec![ev("unsubscribe", NOW - 5000), view(NOW - 4000), view(NOW - 3000), view(NOW - 2000)],
            3,
        ),
        (
            "capped",
            json!({"engagement": [pricing_rule(json!({"points": 30})), {"id": "blog", "event": "blog_view", "points": -30, "cap": 20}], "stages": {"mql": {"threshold": 70}}}),
            vec![ev("blog_view", NOW - 5000), view(NOW - 4000), view(NOW - 3000), view(NOW - 2000)],
            3,
        ),
    ];
    for (id, rules, events, reached_at) in cases {
        let mut rules = rules;
        rules["id"] = json!(id);
        rules["recency"] = json!("none");
        let e = engine(rules);
        let mut pair = WatchedAndEvaluated::new(json!({}));
        // An event no rule reads goes first, so that each case's events come to a
        // session that already keeps what its events match.
        assert!(pair.track(&e, &ev("login", NOW - 10 * DAY), id).is_empty());
        let mut moved_at = Vec::new();
        for (i, event) in events.iter().enumerate() {
            moved_at.extend(pair.track(&e, event, &format!("{id}, event {i}")).into_iter().map(|_| i));
        }
        assert_eq!(moved_at, [reached_at], "{id}");
    }
}

#[test]
fn watched_tracking_forgets_when_a_negative_event_left_the_history() {
    // The history starts full, its oldest event an unsubscribe (-30); another
    // unsubscribe lies half an hour after `now`, so it does not count yet. When a page
    // view pushes the first one out, nothing takes points away: the lead has 1 point,
    // the MQL threshold.
    use leadscore::limits::HISTORY_LIMIT;
    let e = engine(
        json!({"recency": "none", "engagement": [pricing_rule(json!({"points": 1})), {"id": "unsub", "event": "unsubscribe", "points": -30, "once": true}], "stages": {"mql": {"threshold": 1}}}),
    );
    let limit = HISTORY_LIMIT as i64;
    let mut history = vec![ev("unsubscribe", NOW - 10 * limit)];
    history.extend((1..limit - 1).map(|i| ev("login", NOW - 10 * limit + i)));
    history.push(ev("unsubscribe", NOW + 30 * 60_000));
    history.push(ev_with("page_view", NOW - 1, json!({"url": "/pricing"})));
    let mut pair = WatchedAndEvaluated::new(json!({}));
    let mut moved_at = Vec::new();
    for (i, event) in history.iter().enumerate() {
        moved_at.extend(pair.track(&e, event, &format!("event {i}")).into_iter().map(|stage| (i, stage)));
    }
    assert_eq!(moved_at, [(HISTORY_LIMIT, Stage::Mql)]);
}

#[test]
fn a_session_keeps_what_events_match_under_rule_sets_with_many_rules() {
    // 70 rules of a point each, and a trigger: a session watching the engine keeps
    // what every event matches, and scores and moves as evaluating does.
    let mut rules: Vec<_> =
        (0..70).map(|i| json!({"id": format!("r{i}"), "event": "page_view", "points": 1})).collect();
    rules.push(json!({"id": "forms", "event": "form_submit", "points": 1}));
    let e = engine(
        json!({"engagement": rules, "stages": {"mql": {"threshold": 140}, "sql": {"on": [{"event": "form_submit", "atLeast": 2}]}}}),
    );
    let events = [
        ev("page_view", NOW - 4000),
        ev("form_submit", NOW - 3000),
        ev("page_view", NOW - 2000),
        ev("form_submit", NOW - 1000),
    ];
    let mut pair = WatchedAndEvaluated::new(json!({}));
    let mut moved_at = Vec::new();
    for (i, event) in events.iter().enumerate() {
        moved_at.extend(pair.track(&e, event, &format!("event {i}")).into_iter().map(|stage| (i, stage)));
        for s in [&pair.watched, &pair.evaluated] {
            assert_eq!(s.qualify(&e, NOW).total, leadscore::Points(100 * [70, 71, 141, 142][i]));
        }
    }
    assert_eq!(moved_at, [(2, Stage::Mql), (3, Stage::Sql)]);
}

#[test]
fn a_session_keeps_matches_alike_on_either_side_of_64_rules_triggers_and_disqualifiers() {
    // A session keeps what an event matches as bits while the rule set has at most 64
    // rules, triggers and disqualifiers, and as a list past that: with 61 rules the
    // spam disqualifier is the 64th (the last bit), with 62 the 65th. Both fill the
    // history so that old matches leave it too, and track as evaluating does.
    use leadscore::limits::HISTORY_LIMIT;
    for n in [61, 62] {
        let mut rules: Vec<_> = (0..n).map(|i| json!({"id": format!("r{i}"), "event": "page_view", "where": {"field": "url", "equals": format!("/p{}", i % 3)}, "points": 1})).collect();
        rules.push(json!({"id": "forms", "event": "form_submit", "points": 5}));
        let e = engine(json!({
            "engagement": rules,
            "disqualifiers": [{"id": "spam", "event": "spam_report"}],
            "stages": {"mql": {"threshold": 1000000}, "sql": {"on": [{"event": "form_submit", "atLeast": 3}]}}
        }));
        let limit = HISTORY_LIMIT as i64;
        let at = |i: i64| NOW - 10 * limit + i;
        let mut history: Vec<_> = (0..limit)
            .map(|i| match i % 400 {
                0 => ev("form_submit", at(i)),
                k => ev_with("page_view", at(i), json!({"url": format!("/p{}", k % 4)})),
            })
            .collect();
        history.push(ev("spam_report", at(limit)));
        history.extend((1..4).map(|i| ev("form_submit", at(limit + i))));
        let mut pair = WatchedAndEvaluated::new(json!({}));
        let mut moved_at = Vec::new();
        for (i, event) in history.iter().enumerate() {
            moved_at
                .extend(pair.track(&e, event, &format!("{n} rules, event {i}")).into_iter().map(|stage| (i, stage)));
        }
        // Three form submissions reach SQL at the 800th event; the spam report
        // disqualifies the lead, which stays where it stood.
        assert_eq!(moved_at, [(800, Stage::Sql)], "{n} rules");
        let watched = pair.watched.score(&e, NOW);
        assert_eq!(watched, pair.evaluated.score(&e, NOW), "{n} rules");
        assert!(watched.disqualified, "{n} rules");
        // And as the batch scores the events the history holds, matching them afresh.
        let held = history.get(history.len() - HISTORY_LIMIT..).unwrap().to_vec();
        let batch = score(&e, json!({}), held, NOW);
        assert_eq!(
            (watched.total, &watched.contributions, watched.disqualified),
            (batch.total, &batch.contributions, batch.disqualified),
            "{n} rules"
        );
    }
}

#[test]
fn watched_tracking_counts_what_leaves_the_history() {
    // The history starts full: two pricing views (20 points), then other events. Two
    // more views push the old ones out (still 20); the third pushes out an event no
    // rule reads, and the lead reaches 30.
    use leadscore::limits::HISTORY_LIMIT;
    let e = engine(json!({"engagement": [pricing_rule(json!({"points": 10}))], "stages": {"mql": {"threshold": 30}}}));
    let limit = HISTORY_LIMIT as i64;
    let at = |i: i64| NOW - 10 * limit + i;
    let mut history: Vec<_> = (0..limit)
        .map(|i| if i < 2 { ev_with("page_view", at(i), json!({"url": "/pricing"})) } else { ev("login", at(i)) })
        .collect();
    history.extend((0..3).map(|i| ev_with("page_view", at(limit + i), json!({"url": "/pricing"}))));
    let mut pair = WatchedAndEvaluated::new(json!({}));
    let mut moved_at = Vec::new();
    for (i, event) in history.iter().enumerate() {
        moved_at.extend(pair.track(&e, event, &format!("event {i}")).into_iter().map(|stage| (i, stage)));
    }
    assert_eq!(moved_at, [(HISTORY_LIMIT + 2, Stage::Mql)]);
    assert_eq!(pair.watched.save(), pair.evaluated.save());
}

#[test]
fn stages_stay_without_recycle_and_move_back_with_it() {
    let rules = |recycle: bool| {
        engine(json!({
            "recency": {"expireAfter": "30d"},
            "engagement": [pricing_rule(json!({}))],
            "stages": {"mql": {"threshold": 30}, "recycle": recycle}
        }))
    };
    for recycle in [false, true] {
        let e = rules(recycle);
        let mut s = Session::new("v").unwrap();
        for ts in [NOW - 1000, NOW - 2000] {
            s.track_value(&ev_with("page_view", ts, json!({"url": "/pricing"})), NOW).unwrap();
        }
        let up = s.evaluate(&e, NOW).transitions;
        assert_eq!(up.len(), 1);
        let later = s.evaluate(&e, NOW + 31 * DAY);
        assert_eq!(later.result.total.0, 0, "the visits expired");
        if recycle {
            assert_eq!((later.result.stage, later.transitions[0].to), (Stage::None, Stage::None));
            assert_eq!(later.transitions[0].from, Stage::Mql);
            s.track_value(&ev_with("page_view", NOW + 31 * DAY, json!({"url": "/pricing"})), NOW + 31 * DAY).unwrap();
            s.track_value(&ev_with("page_view", NOW + 31 * DAY, json!({"url": "/pricing"})), NOW + 31 * DAY).unwrap();
            let again = s.evaluate(&e, NOW + 31 * DAY).transitions;
            assert_eq!(again[0].to, Stage::Mql);
            assert_ne!(again[0].idempotency_key, up[0].idempotency_key, "a new cycle is a new key");
        } else {
            assert_eq!((later.result.stage, later.transitions.len()), (Stage::Mql, 0));
        }
    }
}

#[test]
fn a_new_rule_set_version_reports_its_own_transitions() {
    let v1 = staged();
    let mut doc = ruleset(json!({"engagement": [pricing_rule(json!({}))], "stages": {"mql": {"threshold": 30}}}));
    doc["version"] = json!("2");
    let v2 = Engine::from_value(&doc).unwrap();
    let mut s = Session::new("v").unwrap();
    s.update_profile(&json!({"title": "VP"})).unwrap();
    for ts in [NOW - 1000, NOW - 2000] {
        s.track_value(&ev_with("page_view", ts, json!({"url": "/pricing"})), NOW).unwrap();
    }
    // One session, two rule sets (say an A/B test): each reports its own transition.
    assert_eq!(s.evaluate(&v1, NOW).transitions.len(), 1);
    assert_eq!(s.evaluate(&v2, NOW).transitions.len(), 1);
    assert_eq!((s.stage(&v1), s.stage(&v2)), (Stage::Mql, Stage::Mql));
}

#[test]
fn anonymous_history_counts_or_not_as_the_rule_set_says() {
    let counting = engine(json!({"engagement": [pricing_rule(json!({}))]}));
    let ignoring = engine(json!({"engagement": [pricing_rule(json!({}))], "anonymousHistory": "ignore"}));
    let mut anon = Session::new("cookie-1").unwrap();
    anon.track_value(&ev_with("page_view", NOW - 5000, json!({"url": "/pricing", "id": "e1"})), NOW).unwrap();
    let mut known = Session::new("device-2").unwrap();
    known.identify("lead-9").unwrap();
    known.track_value(&ev_with("page_view", NOW - 1000, json!({"url": "/pricing"})), NOW).unwrap();
    known.merge(&anon);
    known.merge(&anon);
    assert_eq!(known.events().len(), 2, "merging twice adds nothing: ids dedupe");
    assert_eq!(known.score(&counting, NOW).total.as_f64(), 30.0);
    let r = known.score(&ignoring, NOW);
    assert_eq!(r.total.as_f64(), 15.0);
    assert_eq!(r.events.skipped.get(SkipReason::AnonymousHistory), 1);
    assert_eq!(r.lead_id.as_deref(), Some("lead-9"));
}

#[test]
fn a_profile_update_is_held_to_the_limits_as_merged_and_a_refused_one_changes_nothing() {
    let e = staged();
    let text = |n: usize| json!("x".repeat(n));
    let mut s = Session::new("v").unwrap();
    s.update_profile(&json!({"title": "VP", "notes": text(40_000)})).unwrap();
    // Each patch is within the limit, the profile they would make is not.
    let before = s.clone();
    let err = s.update_profile(&json!({"more": text(30_000)})).unwrap_err();
    assert_eq!((err.problem.path.as_str(), err.problem.code), ("profile", "tooLarge"));
    assert_eq!(s.state(), before.state(), "a refused patch leaves the session as it was");
    assert_eq!(s.score(&e, NOW).fit.as_f64(), 30.0);
    // A field replaced, or removed with null, no longer counts.
    s.update_profile(&json!({"notes": text(60_000)})).unwrap();
    s.update_profile(&json!({"notes": null, "more": text(60_000)})).unwrap();
    assert_eq!(s.profile().get("notes"), None);
    assert_eq!(s.profile().get("more").and_then(|v| v.as_str()).map(str::len), Some(60_000));
    // At the limit: the longest field the whole profile could hold (found with
    // check_profile, the check a lead's profile gets) is taken, one byte more is not.
    let fits = |n: usize| {
        let mut whole = s.profile().clone();
        whole.insert("edge".into(), text(n));
        leadscore::test_support::check_profile(serde_json::Value::Object(whole)).is_ok()
    };
    let (mut fit, mut over) = (0, 70_000);
    assert!(fits(fit) && !fits(over));
    while over - fit > 1 {
        let mid = (fit + over) / 2;
        if fits(mid) {
            fit = mid;
        } else {
            over = mid;
        }
    }
    let before = s.clone();
    assert_eq!(s.update_profile(&json!({"edge": text(over)})).unwrap_err().problem.code, "tooLarge");
    assert_eq!(s.state(), before.state());
    s.update_profile(&json!({"edge": text(fit)})).unwrap();
}

#[test]
fn session_state_round_trips_and_bad_state_is_refused() {
    let e = staged();
    let mut s = Session::new("v").unwrap();
    s.update_profile(&json!({"title": "VP", "company": {"size": 40}})).unwrap();
    for i in 0..5 {
        s.track_value(&ev_with("page_view", NOW - i * DAY, json!({"url": "/pricing", "n": i})), NOW).unwrap();
    }
    s.evaluate(&e, NOW);
    let saved = s.save();
    let back = Session::restore(&saved).unwrap();
    assert_eq!(back.state(), s.state());
    assert_eq!(back.score(&e, NOW), s.score(&e, NOW));
    assert!(back.clone().evaluate(&e, NOW).transitions.is_empty(), "restored sessions remember what they reported");

    let err = |text: &str| Session::restore(text).unwrap_err().problem;
    assert_eq!(err("{").code, "invalidJson");
    assert_eq!(err(r#"{"v": 2, "id": "x"}"#).code, "unknownVersion");
    let mut doc: serde_json::Value = serde_json::from_str(&saved).unwrap();
    doc["events"][0]["ts"] = json!("x");
    assert_eq!((err(&doc.to_string()).path.as_str(), err(&doc.to_string()).code), ("events[0].ts", "invalidTimestamp"));
    doc["events"][0]["ts"] = json!(NOW);
    doc["events"][0]["was"] = json!(1);
    assert_eq!(err(&doc.to_string()).path, "events[0].was");
    // Several unknown keys: the first by name is named, in whatever order they were written.
    let unknown = saved.replacen('{', r#"{"zz": 1, "was": 2, "xx": 3, "#, 1);
    assert_eq!(err(&unknown).path, "was");
    // In an event's properties, likewise the first reserved name by name; and of a
    // name written twice, the last value counts (as a JSON object would hold it).
    let one = |p: &str| format!(r#"{{"v": 1, "id": "v", "events": [{{"type": "visit", "ts": {NOW}, "p": {p}}}]}}"#);
    assert_eq!(err(&one(r#"{"type": "x", "a": 1, "id": "y"}"#)).path, "events[0].p.id");
    let twice = Session::restore(&one(r#"{"url": "/a", "n": 1, "url": "/b"}"#)).unwrap();
    assert_eq!(twice.save(), Session::restore(&one(r#"{"n": 1, "url": "/b"}"#)).unwrap().save());
    let mut doc: serde_json::Value = serde_json::from_str(&saved).unwrap();
    doc["progress"]["t@1"]["stage"] = json!("vip");
    assert_eq!((err(&doc.to_string()).path.as_str(), err(&doc.to_string()).code), ("progress.t@1", "invalidState"));
}

#[test]
fn bad_events_leave_a_session_unchanged() {
    let mut s = Session::new("v").unwrap();
    s.track_value(&ev("visit", NOW), NOW).unwrap();
    let before = s.clone();
    for bad in [
        json!({"type": "visit"}),
        json!({"type": "visit", "ts": NOW + 2 * 3_600_000}),
        json!("visit"),
        json!({"type": "", "ts": NOW}),
    ] {
        assert!(s.track_value(&bad, NOW).is_err());
    }
    assert_eq!(s.state(), before.state());
    assert_eq!(s.track_value(&json!({"type": "visit", "ts": NOW, "id": "x"}), NOW).unwrap(), Tracked::Added);
    assert_eq!(s.track_value(&json!({"type": "visit", "ts": NOW, "id": "x"}), NOW).unwrap(), Tracked::Duplicate);
}

#[test]
fn the_idempotency_key_is_the_one_docs_ruleset_md_gives() {
    // docs/RULESET.md: subject `lead-42`, `acme-mql`, `2026-11-01`, `mql`, cycle 0.
    let e = engine(
        json!({"id": "acme-mql", "version": "2026-11-01", "engagement": [{"id": "visit", "event": "visit", "points": 100}], "stages": {"mql": {"threshold": 100}}}),
    );
    let mut s = Session::new("v").unwrap();
    s.identify("lead-42").unwrap();
    s.track_value(&ev("visit", NOW), NOW).unwrap();
    let t = s.evaluate(&e, NOW).transitions;
    assert_eq!(
        t.iter().map(|t| (t.to, t.idempotency_key.as_str())).collect::<Vec<_>>(),
        [(Stage::Mql, "ls1-061d1d268417b6ac")]
    );
}

#[test]
fn an_id_is_a_repeat_while_an_event_with_it_is_held() {
    use leadscore::limits::HISTORY_LIMIT;
    let limit = HISTORY_LIMIT as i64;
    let with_id = |i: i64, id: &str| json!({"type": "visit", "ts": NOW - 10 * limit + i, "id": id});
    let mut s = Session::new("v").unwrap();
    for i in 0..limit {
        assert_eq!(s.track_value(&with_id(i, &format!("e{i}")), NOW).unwrap(), Tracked::Added);
    }
    assert_eq!(s.track_value(&with_id(limit, "e5"), NOW).unwrap(), Tracked::Duplicate);
    // e0 leaves the history for the newest event: e1's id is still a repeat, and
    // e0's is new again (e1 leaves in its turn).
    assert_eq!(s.track_value(&with_id(limit, "new"), NOW).unwrap(), Tracked::AddedDroppingOldest);
    assert_eq!(s.track_value(&with_id(limit + 1, "e1"), NOW).unwrap(), Tracked::Duplicate);
    assert_eq!(s.track_value(&with_id(limit + 1, "e0"), NOW).unwrap(), Tracked::AddedDroppingOldest);
    assert_eq!(s.track_value(&with_id(limit + 2, "e1"), NOW).unwrap(), Tracked::AddedDroppingOldest);

    // Saved state written by hand may hold an id twice: it stays a repeat while
    // either event is held.
    let events: Vec<serde_json::Value> =
        (0..limit).map(|i| with_id(i, &if i < 2 { "a".to_string() } else { format!("b{i}") })).collect();
    let mut s = Session::restore(&json!({"v": 1, "id": "v", "events": events}).to_string()).unwrap();
    assert_eq!(s.track_value(&with_id(limit, "c"), NOW).unwrap(), Tracked::AddedDroppingOldest);
    assert_eq!(s.track_value(&with_id(limit + 1, "a"), NOW).unwrap(), Tracked::Duplicate);
}

#[test]
fn rule_set_problems_are_all_listed_with_paths() {
    let doc = json!({
        "schema": "leadscore.ruleset/v1", "id": "bad", "version": "1",
        "fit": [
            {"id": "a", "points": 10, "when": {"field": "x", "eq": 1}},
            {"id": "a", "points": 10, "when": {"field": "y", "in": []}}
        ],
        "engagement": [
            {"id": "b", "event": "e", "points": 5, "count": {"atLeast": 0, "within": "-3d"}},
            {"id": "c", "event": "e", "points": "ten", "cap": 5, "group": "nope"}
        ],
        "stages": {"mql": {"threshold": 1000}},
        "colour": "blue"
    });
    let problems = Engine::from_value(&doc).unwrap_err().problems;
    let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.code)).collect();
    assert_eq!(
        got,
        vec![
            ("colour", "unknownKey"),
            ("fit[0].when.eq", "unknownOperator"),
            ("fit[1].id", "duplicateId"),
            ("fit[1].when.in", "emptyList"),
            ("engagement[0].count.atLeast", "invalidCount"),
            ("engagement[0].count.within", "invalidDuration"),
            ("engagement[1].group", "unknownGroup"),
            ("engagement[1].points", "invalidPoints"),
        ]
    );
    assert!(problems.iter().all(|p| !p.message.is_empty()));
}

#[test]
fn thresholds_that_can_never_be_reached_are_refused() {
    let doc = ruleset(json!({
        "groups": {"web": {"cap": 20}},
        "fit": [{"id": "vp", "points": 20, "when": {"field": "t", "word": "vp"}}],
        "engagement": [pricing_rule(json!({"group": "web"}))],
        "stages": {"mql": {"threshold": 41, "minFit": 25}}
    }));
    let problems = Engine::from_value(&doc).unwrap_err().problems;
    let got: Vec<(&str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.code)).collect();
    assert_eq!(
        got,
        vec![("stages.mql.threshold", "unreachableThreshold"), ("stages.mql.minFit", "unreachableThreshold")]
    );
    assert!(problems[0].message.contains("at most 40"), "{}", problems[0].message);
    // Uncapped per-occurrence rules make any threshold reachable.
    let mut ok = doc.clone();
    ok["groups"] = json!({});
    ok["engagement"] = json!([pricing_rule(json!({}))]);
    ok["stages"] = json!({"mql": {"threshold": 10000}});
    assert!(Engine::from_value(&ok).is_ok());
}

#[test]
fn rule_set_text_that_is_not_json_says_where() {
    let err = Engine::from_json("{\"schema\": \n  oops}").unwrap_err();
    assert_eq!(err.problems[0].code, "invalidJson");
    assert!(err.problems[0].message.contains("line 2"), "{}", err.problems[0].message);
}

#[test]
fn review_findings_are_refused_or_accepted_as_documented() {
    let codes = |extra: serde_json::Value| -> Vec<(String, &'static str)> {
        match Engine::from_value(&ruleset(extra)) {
            Ok(_) => vec![],
            Err(e) => e.problems.into_iter().map(|p| (p.path, p.code)).collect(),
        }
    };
    // A type listed twice would count each event twice.
    assert_eq!(
        codes(json!({"engagement": [{"id": "x", "event": ["a", "a"], "points": 1}]})),
        vec![("engagement[0].event[1]".to_string(), "duplicateType")]
    );
    // minFit is compared before total.max: 80 fit points are possible.
    assert!(codes(json!({
        "fit": [{"id": "a", "points": 40, "when": {"field": "x", "exists": true}}, {"id": "b", "points": 40, "when": {"field": "y", "exists": true}}],
        "total": {"max": 50}, "stages": {"mql": {"threshold": 50, "minFit": 60}}
    })).is_empty());
    assert_eq!(codes(json!({"stages": {"sql": {"on": []}}})), vec![("stages.sql.on".to_string(), "emptyList")]);
    let mut doc = ruleset(json!({}));
    doc["id"] = json!("a@b");
    assert_eq!(Engine::from_value(&doc).unwrap_err().problems[0].code, "invalidId");
    assert_eq!(
        codes(
            json!({"events": {"page_view": {"url": "string"}}, "engagement": [{"id": "t", "event": "page_view", "points": 1, "sum": {"property": "seconds", "atLeast": 10}}]})
        ),
        vec![("engagement[0].sum.property".to_string(), "unknownProperty")]
    );
    assert_eq!(
        codes(
            json!({"engagement": [{"id": "t", "event": "v", "points": 1, "sum": {"property": "s", "atLeast": 0.0001}}]})
        ),
        vec![("engagement[0].sum.atLeast".to_string(), "invalidValue")]
    );
}

#[test]
fn names_in_problem_messages_come_once_each_in_order() {
    let doc = ruleset(json!({
        "groups": {"web": {}, "email": {}, "ads": {}},
        "events": {"page_view": {"url": "string"}, "download": {"asset": "string"}},
        "engagement": [
            {"id": "g", "event": "page_view", "points": 1, "group": "social"},
            {"id": "t", "event": ["page_view", "webinar"], "points": 1},
            {"id": "w", "event": "download", "points": 1, "where": {"any": [
                {"field": "size", "gte": 1}, {"field": "asset", "exists": true}, {"field": "kind", "equals": "pdf"},
                {"not": {"field": "size", "lt": 0}}
            ]}}
        ]
    }));
    let problems = Engine::from_value(&doc).unwrap_err().problems;
    let got: Vec<(&str, &str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.code, p.message.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (
                "engagement[0].group",
                "unknownGroup",
                "no group \"social\" is defined in \"groups\" (defined: ads, email, web)"
            ),
            (
                "engagement[1].event",
                "unknownEventType",
                "event type \"webinar\" is not declared in \"events\" (declared: download, page_view)"
            ),
            ("engagement[2].where", "unknownProperty", "events of type \"download\" declare no property \"size\""),
            ("engagement[2].where", "unknownProperty", "events of type \"download\" declare no property \"kind\""),
        ]
    );
}

#[test]
fn values_in_problem_messages_are_written_as_json() {
    let mut doc = ruleset(json!({
        "anonymousHistory": {"keep": true},
        "fit": [{"id": "f", "points": 1.005, "when": {"field": "n", "between": [5, 1.5]}}],
        "engagement": [{"id": "e", "event": 7, "points": 1}, {"id": "c", "event": "v", "points": 1, "count": {"atLeast": "two"}}]
    }));
    doc["schema"] = json!(["v2"]);
    let messages: Vec<String> = Engine::from_value(&doc)
        .unwrap_err()
        .problems
        .into_iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    assert_eq!(
        messages,
        vec![
            r#"schema: the schema is ["v2"]; this version of leadscore reads "leadscore.ruleset/v1""#,
            r#"fit[0].points: "points" is 1.005: points have at most two decimals"#,
            r#"fit[0].when.between: "between" [5,1.5] is empty: the low end comes first"#,
            r#"engagement[0].event: "event" is an event type or a non-empty list of them, not 7"#,
            r#"engagement[1].count.atLeast: "atLeast" is a whole number from 1 to 1000, not "two""#,
            r#"anonymousHistory: "anonymousHistory" is "count" or "ignore", not {"keep":true}"#,
        ]
    );
}

#[test]
fn an_event_holds_at_most_32_property_names_counting_a_repeated_name_once() {
    let engine = Engine::from_value(&ruleset(json!({}))).unwrap();
    let event_text = |names: &[String]| {
        let props: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("\"{n}\": {i}")).collect();
        format!(r#"{{"type": "visit", "ts": {NOW}, {}}}"#, props.join(", "))
    };
    let problems = |names: Vec<String>| {
        let lead = format!(r#"{{"events": [{}]}}"#, event_text(&names));
        engine.score_json(&lead, NOW).unwrap().events.problems.into_iter().map(|p| (p.path, p.code)).collect::<Vec<_>>()
    };
    let names = |n: usize| (0..n).map(|i| format!("p{i:02}")).collect::<Vec<_>>();
    assert_eq!(problems(names(32)), vec![]);
    assert_eq!(problems(names(33)), vec![("events[0]".to_string(), "tooManyProperties")]);
    // Forty keys, eight of them repeats: thirty-two names.
    let mut repeated = names(32);
    repeated.extend(names(8));
    assert_eq!(problems(repeated), vec![]);
}

#[test]
fn session_ids_are_checked() {
    assert_eq!(Session::new("").unwrap_err().problem.code, "invalidId");
    assert_eq!(Session::new("x".repeat(129)).unwrap_err().problem.code, "invalidId");
    let mut s = Session::new("v").unwrap();
    assert_eq!(s.identify("").unwrap_err().problem.path, "leadId");
    let state = s.save().replace("\"id\":\"v\"", "\"id\":\"\"");
    assert_eq!(Session::restore(&state).unwrap_err().problem.code, "invalidId");
}

#[test]
fn long_in_lists_match_as_short_ones_do() {
    // A target-account list of thousands of domains, with a number and a non-ASCII
    // name among them: each value matches folded, as with a list of three.
    let mut accounts: Vec<serde_json::Value> = (0..5000).map(|i| json!(format!("account-{i}.com"))).collect();
    accounts.push(json!("Müller-GmbH.de"));
    accounts.push(json!(42));
    for list in [accounts.clone(), vec![json!("account-17.com"), json!("müller-gmbh.de"), json!(42)]] {
        let e = engine(json!({
            "fit": [
                {"id": "target", "points": 30, "when": {"field": "domain", "in": list.clone()}},
                {"id": "other", "points": 5, "when": {"field": "domain", "notIn": list}}
            ]
        }));
        let total = |domain: serde_json::Value| score(&e, json!({"domain": domain}), vec![], NOW).total.as_f64();
        assert_eq!(total(json!("account-17.com")), 30.0);
        assert_eq!(total(json!("ACCOUNT-17.com")), 30.0, "ASCII folded");
        assert_eq!(total(json!("MÜLLER-GMBH.DE")), 30.0, "Unicode folded");
        assert_eq!(total(json!(42)), 30.0, "numbers stay numbers");
        assert_eq!(total(json!("42")), 5.0, "text is not a number");
        assert_eq!(total(json!("account-17.co")), 5.0);
        assert_eq!(total(json!(["x.io", "Account-17.com"])), 30.0, "any item of a list");
        assert_eq!(total(json!(null)), 0.0, "a missing field matches neither");
    }
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
