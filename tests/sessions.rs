//! Sessions beyond tests/cases: a session watching rule sets against one evaluating
//! them, histories of a thousand events, profile limits found by search. Runs
//! natively and, through wasm-bindgen-test, compiled to wasm32 in Node.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

mod common;
use common::*;
use leadscore::{Engine, Session, Stage, Tracked};
use serde_json::json;

/// The rule set of tests/cases/sessions.json's "staged", for the profile limits.
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
            "every",
            json!({"engagement": [pricing_rule(json!({"count": {"every": 3}, "points": 40, "cap": 45})), {"id": "any", "event": "page_view", "points": 1, "cap": 2}], "stages": {"mql": {"threshold": 42}}}),
            &view,
        ),
        (
            "days",
            json!({"engagement": [pricing_rule(json!({"days": {"atLeast": 3}, "points": 40})), {"id": "any", "event": "page_view", "points": 1, "cap": 2}], "stages": {"mql": {"threshold": 42}}}),
            &|i| ev_with("page_view", NOW - 10 * DAY + i * DAY, json!({"url": "/pricing", "seconds": 100})),
        ),
        (
            "sequence",
            json!({"engagement": [pricing_rule(json!({"then": {"event": "form_submit", "where": {"field": "form", "equals": "demo"}, "within": "1d"}, "points": 45})), {"id": "forms", "event": "form_submit", "points": 1, "cap": 1}], "stages": {"mql": {"threshold": 46}}}),
            &|i| if i < 2 { view(i) } else { form(i) },
        ),
        (
            "perUnit",
            json!({"engagement": [pricing_rule(json!({"perUnit": "seconds", "points": 0.1, "cap": 45}))], "stages": {"mql": {"threshold": 30}}}),
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

    // Saved state written by hand may hold an id twice: restored, it keeps the first
    // event with the id, as a batch call does (it would score the repeat twice).
    let events: Vec<serde_json::Value> =
        (0..limit).map(|i| with_id(i, &if i < 2 { "a".to_string() } else { format!("b{i}") })).collect();
    let mut s = Session::restore(&json!({"v": 1, "id": "v", "events": events}).to_string()).unwrap();
    assert_eq!(s.events().len(), HISTORY_LIMIT - 1);
    assert_eq!(s.events()[0].ts, NOW - 10 * limit, "the first of the two");
    assert_eq!(s.track_value(&with_id(limit, "c"), NOW).unwrap(), Tracked::Added);
    assert_eq!(s.track_value(&with_id(limit + 1, "a"), NOW).unwrap(), Tracked::Duplicate);
}

/// An event of exactly the weight limit, without an id: 40, "visit", and eight
/// properties of text (docs/RULESET.md 10.1).
fn heaviest_event(ts: i64) -> serde_json::Value {
    use leadscore::limits::{MAX_EVENT_BYTES, MAX_STRING_LEN};
    let mut e = json!({"type": "visit", "ts": ts});
    let mut left = MAX_EVENT_BYTES - 40 - "visit".len();
    for i in 0..8 {
        // A property "pN" of text weighs 2 + 4 + its bytes + 2.
        let len = (left - 8 * (8 - i)).min(MAX_STRING_LEN);
        e[format!("p{i}")] = json!("x".repeat(len));
        left -= 8 + len;
    }
    assert_eq!(left, 0);
    e
}

#[test]
fn an_event_keeps_its_weight_with_the_id_a_session_gives_it() {
    let e = heaviest_event(NOW - 10);
    let mut with_id = e.clone();
    with_id["id"] = json!("x");
    let mut s = Session::new("v").unwrap();
    assert_eq!(s.track_value(&with_id, NOW).unwrap_err().problem.code, "tooLarge", "one byte over");
    assert_eq!(s.track_value(&e, NOW).unwrap(), Tracked::Added);
    let id = s.events()[0].id.clone().unwrap();
    assert!(id.starts_with('~') && id.len() == 12, "{id}");
    // Saved with its id, the event restores as it was: the id weighs nothing.
    let back = Session::restore(&s.save()).unwrap();
    assert_eq!(back.state(), s.state());
    // In a batch too, an id of that form weighs nothing.
    let mut lead_event = e.clone();
    lead_event["id"] = json!(id.as_str());
    let r = staged().score_value(&json!({"events": [lead_event]}), NOW).unwrap();
    assert_eq!(r.events.skipped.get(leadscore::SkipReason::Invalid), 0);
}

#[test]
fn ids_given_from_content_make_merges_of_two_tabs_exact() {
    let e = staged();
    let mut first = Session::new("v").unwrap();
    first.update_profile(&json!({"title": "VP"})).unwrap();
    for i in 0..3 {
        first.track_value(&ev_with("page_view", NOW - 100 + i, json!({"url": "/pricing"})), NOW).unwrap();
    }
    let saved = first.save();
    let (mut tab_a, mut tab_b) = (Session::restore(&saved).unwrap(), Session::restore(&saved).unwrap());
    tab_a.track_value(&ev_with("page_view", NOW - 10, json!({"url": "/pricing"})), NOW).unwrap();
    tab_b.track_value(&ev_with("feature_used", NOW - 5, json!({})), NOW).unwrap();
    tab_a.merge(&tab_b);
    assert_eq!(tab_a.events().len(), 5, "3 held by both, one tracked in each");
    assert_eq!(tab_a.score(&e, NOW).total.0, 30_00 + 4 * 15_00 + 5_00);
    let again = tab_a.state().clone();
    tab_a.merge(&tab_b);
    assert_eq!(tab_a.state(), &again, "merging again adds nothing");
    // An identical event tracked twice in one session counts twice, as in a batch.
    let mut s = Session::new("v").unwrap();
    let same = ev_with("page_view", NOW - 1, json!({"url": "/pricing"}));
    assert_eq!(s.track_value(&same, NOW).unwrap(), Tracked::Added);
    assert_eq!(s.track_value(&same, NOW).unwrap(), Tracked::Added);
    assert_ne!(s.events()[0].id, s.events()[1].id);
    assert_eq!(s.score(&e, NOW).engagement.0, 30_00);
}

#[test]
fn a_restored_session_watches_the_engines_it_is_given_and_lists_what_it_sets_aside() {
    use std::sync::Arc;
    let e = Arc::new(staged());
    let mut s = Session::new("v").unwrap();
    s.update_profile(&json!({"title": "VP"})).unwrap();
    s.evaluate(&e, NOW);
    s.track_value(&ev_with("pageview", NOW - 20, json!({"url": "/pricing"})), NOW).unwrap();
    s.track_value(&ev_with("page_view", NOW + 1_000, json!({"url": "/pricing"})), NOW + 1_000).unwrap();
    let saved = s.save();

    let mut unwatched = Session::restore(&saved).unwrap();
    let event = || leadscore::Event::from_value(&ev_with("page_view", NOW - 10, json!({"url": "/pricing"}))).unwrap();
    let r = unwatched.track_watched(event(), NOW).unwrap();
    assert!(r.warning.as_deref().is_some_and(|w| w.contains("\"t@1\"")), "{r:?}");
    assert!(unwatched.track_watched(event(), NOW).unwrap().warning.is_some(), "until it watches");

    let mut watched = Session::restore_watching(&saved, &[Arc::clone(&e)]).unwrap();
    assert_eq!(watched.watched().len(), 1);
    let r = watched.track_watched(event(), NOW).unwrap();
    assert_eq!((r.warning, r.transitions.len(), r.set_aside.len()), (None, 0, 0));
    let r = watched.track_watched(event(), NOW).unwrap();
    assert_eq!(r.transitions.iter().map(|t| t.to).collect::<Vec<_>>(), [Stage::Mql]);

    // What the debug option logs: each held event the rule set does not count, and why.
    let list = watched.set_aside(&e, NOW);
    let reasons: Vec<(&str, Option<&str>)> =
        list.iter().map(|s| (s.reason.as_str(), s.did_you_mean.as_deref())).collect();
    assert_eq!(reasons, [("unusedType", Some("page_view")), ("afterNow", None)]);
    assert_eq!(list[0].index, Some(0));
    assert_eq!(list[1].index, Some(3));
}

#[test]
fn the_ids_a_session_gives_are_those_docs_ruleset_md_defines() {
    // Worked out independently of the core from docs/RULESET.md section 8; the
    // package gives the same in Node, Chromium, workerd and Deno
    // (tests/js/runtime-scenario.js).
    let mut s = Session::new("tab").unwrap();
    s.track_value(&json!({"type": "pageview", "ts": NOW - 200}), NOW).unwrap();
    let rich = json!({
        "type": "page_view", "ts": NOW - 100, "url": "/pricing", "n": -0.0,
        "tags": ["a", 1.5, true, null], "utm": {"source": "ads", "medium": "cpc"}, "é": "ü"
    });
    s.track_value(&rich, NOW).unwrap();
    s.track_value(&json!({"type": "visit", "ts": NOW, "url": "/b", "n": 1}), NOW).unwrap();
    let ids: Vec<&str> = s.events().iter().map(|e| e.id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["~A8s4wd3Z8jh", "~FtJobV-IEzK", "~H943DSXb4xc"]);
}
