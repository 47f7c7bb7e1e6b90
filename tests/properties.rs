//! Batch scoring and sessions agree on every input: whatever order events arrive
//! in, however often the session is saved and restored or merged, and past the
//! history limit. Native only (proptest).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::*;
use leadscore::limits::HISTORY_LIMIT;
use leadscore::{Engine, Qualification, Session, SkipReason};
use proptest::prelude::*;
use serde_json::{json, Value};

fn examples() -> Vec<Engine> {
    ["b2b-saas", "product-led", "domain-defaults"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!("{}/examples/{name}/ruleset.json", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
            Engine::from_json(&text).unwrap()
        })
        .collect()
}

const TYPES: &[&str] = &[
    "page_view",
    "form_submit",
    "email_open",
    "email_click",
    "webinar_attended",
    "unsubscribe",
    "signup",
    "project_created",
    "invite_sent",
    "session_start",
    "session_end",
    "plan_limit_reached",
    "download",
    "demo_request",
    "bogus",
];
const URLS: &[&str] = &["/", "/pricing", "/pricing/enterprise", "/docs/api", "/careers", "/blog"];
const FORMS: &[&str] = &["whitepaper", "demo_request", "quote_request", "contact_sales", "newsletter"];

fn event() -> impl Strategy<Value = Value> {
    (0..TYPES.len(), 0i64..(200 * DAY), 0..URLS.len(), 0..FORMS.len(), 0u32..400, proptest::option::of(0u8..20))
        .prop_map(|(t, age, u, f, secs, id)| {
            let mut e = json!({"type": TYPES[t], "ts": NOW - age, "url": URLS[u], "form": FORMS[f], "seconds": secs, "minutes": secs / 4, "asset": "whitepaper"});
            if let Some(id) = id {
                e["id"] = json!(format!("e{id}"));
            }
            e
        })
}

fn profile() -> impl Strategy<Value = Value> {
    (0..4usize, 0..4usize, 1u32..10_000, -20i64..40, 0..3usize).prop_map(|(t, i, size, days, site)| {
        let title = ["VP Sales", "Student", "Marketing Manager", "Engineer"][t];
        let industry = ["software", "retail", "gambling", "fintech"][i];
        let email = ["a@acme.io", "b@gmail.com", "c@rival.io", "d@x.com"][t];
        let website = ["https://www.acme.io/", "gmail.com", "x.org"][site];
        json!({
            "jobTitle": title,
            "company": {"size": size, "industry": industry},
            "email": email,
            "teamSize": size % 20,
            "role": "data",
            // For the later features: dates around NOW (relative dates), a website
            // (domains compared) and a number written as text.
            "signedUpAt": NOW - days * DAY,
            "trialEndsAt": if days % 2 == 0 { json!(NOW + days * DAY) } else { json!("2026-11-24T12:00:00Z") },
            "website": website,
            "seats": (size % 30).to_string()
        })
    })
}

/// Tracks `events` (the i-th at `now_of(i)`) in a session watching `engines` and in
/// one evaluating each engine after every event: both must report the same
/// transitions and keep the same state, and score (with what they keep of each
/// event's matches) as a batch of the same events does.
fn watched_and_evaluated_agree(
    engines: &[&Engine],
    profile: &Value,
    events: &[Value],
    now_of: impl Fn(usize) -> i64,
) -> Result<(), TestCaseError> {
    let mut watched = Session::new("v").unwrap();
    let mut evaluated = Session::new("v").unwrap();
    watched.update_profile(profile).unwrap();
    evaluated.update_profile(profile).unwrap();
    for (i, e) in events.iter().enumerate() {
        let now = now_of(i);
        let event = leadscore::Event::from_value(e).unwrap();
        let reported = watched.track_and_evaluate(event.clone(), now, engines).unwrap();
        let tracked = evaluated.track(event, now).unwrap();
        let transitions: Vec<_> =
            engines.iter().flat_map(|engine| evaluated.evaluate(engine, now).transitions).collect();
        prop_assert_eq!(reported.tracked, tracked);
        prop_assert_eq!(reported.transitions, transitions, "event {}", i);
        prop_assert_eq!(watched.save(), evaluated.save());
        let so_far = events.get(..=i).unwrap_or_default();
        for engine in engines {
            prop_assert_eq!(essence(&watched.score(engine, now)), essence(&batch(engine, profile, so_far, now)));
        }
    }
    Ok(())
}

fn batch(engine: &Engine, profile: &Value, events: &[Value], now: i64) -> leadscore::ScoreResult {
    engine.score_value(&json!({"profile": profile, "events": events}), now).unwrap()
}

/// The parts of a result that the two modes must agree on (the lead id and the
/// duplicate count differ by construction: a session refuses duplicates at `track`).
fn essence(r: &leadscore::ScoreResult) -> String {
    let mut r = r.clone();
    r.lead_id = None;
    r.events.skipped.set(SkipReason::Duplicate, 0);
    r.to_json()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tracking_in_order_equals_batch_at_every_step(p in profile(), events in proptest::collection::vec(event(), 0..40), save_every in 1usize..8) {
        for engine in examples() {
            let mut s = Session::new("v").unwrap();
            s.update_profile(&p).unwrap();
            for (i, e) in events.iter().enumerate() {
                s.track_value(e, NOW).unwrap();
                if i % save_every == 0 {
                    s = Session::restore(&s.save()).unwrap();
                }
                let b = batch(&engine, &p, &events[..=i], NOW);
                prop_assert_eq!(essence(&s.score(&engine, NOW)), essence(&b));
                assert_adds_up(&b);
            }
        }
    }

    #[test]
    fn what_a_session_keeps_between_evaluations_changes_no_score(
        p in profile(),
        events in proptest::collection::vec(event(), 0..40),
        other in proptest::collection::vec(event(), 0..10),
        identify_at in 0usize..40,
        merge_at in 0usize..40,
        p2 in profile(),
        profile_at in 0usize..40,
        later in 0i64..(60 * DAY),
    ) {
        // A session evaluated after every event keeps what each event matches per rule
        // set; scoring it must give what the same state, restored without any of that
        // (so worked out from scratch), gives: with events arriving out of order,
        // repeated ids, anonymous events, a merge, a changed profile, several rule sets
        // in turn and other values of now.
        let engines = examples();
        let mut s = Session::new("v").unwrap();
        s.update_profile(&p).unwrap();
        for (i, e) in events.iter().enumerate() {
            if i == identify_at {
                s.identify("lead-1").unwrap();
            }
            if i == profile_at {
                s.update_profile(&p2).unwrap();
            }
            if i == merge_at {
                let mut o = Session::new("other").unwrap();
                for e in &other { o.track_value(e, NOW).unwrap(); }
                s.merge(&o);
            }
            s.track_value(e, NOW).unwrap();
            let engine = &engines[i % engines.len()];
            s.evaluate(engine, NOW);
            let fresh = Session::restore(&s.save()).unwrap();
            for engine in &engines {
                for now in [NOW, NOW + later, NOW - later] {
                    prop_assert_eq!(s.score(engine, now).to_json(), fresh.score(engine, now).to_json());
                }
            }
        }
    }

    #[test]
    fn qualify_gives_the_figures_score_explains(p in profile(), events in proptest::collection::vec(event(), 0..40), later in 0i64..(60 * DAY)) {
        // `qualify` skips writing the explanation; its figures must be the ones the
        // explained result holds, in a batch and in a session, at any now.
        let lead = leadscore::Lead::from_value(&json!({"id": "l", "profile": p, "events": events})).unwrap();
        let mut s = Session::new("v").unwrap();
        s.update_profile(&p).unwrap();
        for e in &events {
            s.track_value(e, NOW).unwrap();
        }
        for engine in examples() {
            for now in [NOW, NOW + later, NOW - later] {
                prop_assert_eq!(engine.qualify(&lead, now), Qualification::from(engine.score(&lead, now)));
                prop_assert_eq!(s.qualify(&engine, now), Qualification::from(s.score(&engine, now)));
            }
        }
    }

    #[test]
    fn watched_tracking_reports_what_evaluating_reports(p in profile(), events in proptest::collection::vec(event(), 0..40), months_every in 2usize..9) {
        // A session with engines watched explains a result only when the stage moves;
        // it must report the transitions, and keep the progress, that tracking and
        // then evaluating each engine gives. Now moves on, so stages also fall back.
        let engines = examples();
        let watched: Vec<&Engine> = engines.iter().collect();
        watched_and_evaluated_agree(&watched, &p, &events, |i| NOW + (i / months_every) as i64 * 30 * DAY)?;
    }

    #[test]
    fn arrival_order_does_not_matter(p in profile(), events in proptest::collection::vec(event(), 0..40), seed in any::<u64>(), later in 0i64..(60 * DAY)) {
        // Distinct ids (or none): which of two different events sharing an id wins
        // depends on arrival by design.
        let events: Vec<Value> = events.into_iter().enumerate().map(|(i, mut e)| { if e.get("id").is_some() { e["id"] = json!(format!("u{i}")); } e }).collect();
        let mut shuffled = events.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        for engine in examples() {
            let mut s = Session::new("v").unwrap();
            s.update_profile(&p).unwrap();
            for e in &shuffled {
                s.track_value(e, NOW).unwrap();
            }
            for now in [NOW, NOW + later, NOW - later] {
                prop_assert_eq!(essence(&s.score(&engine, now)), essence(&batch(&engine, &p, &events, now)));
            }
        }
    }

    #[test]
    fn merging_an_anonymous_session_equals_scoring_everything(p in profile(), anon in proptest::collection::vec(event(), 0..20), known in proptest::collection::vec(event(), 0..20)) {
        let strip = |v: &Vec<Value>, tag: &str| -> Vec<Value> { v.iter().enumerate().map(|(i, e)| { let mut e = e.clone(); e["id"] = json!(format!("{tag}{i}")); e }).collect() };
        let (anon, known) = (strip(&anon, "a"), strip(&known, "k"));
        let mut a = Session::new("cookie").unwrap();
        for e in &anon { a.track_value(e, NOW).unwrap(); }
        let mut k = Session::new("device").unwrap();
        k.identify("lead-1").unwrap();
        k.update_profile(&p).unwrap();
        for e in &known { k.track_value(e, NOW).unwrap(); }
        k.merge(&a);
        let all: Vec<Value> = anon.iter().chain(known.iter()).cloned().collect();
        for engine in examples() {
            prop_assert_eq!(essence(&k.score(&engine, NOW)), essence(&batch(&engine, &p, &all, NOW)));
        }
    }
}

/// Rule sets made up for the test: a few fit rules, engagement rules of every kind
/// (per occurrence with or without cap, once, decay and expiry; count; repeating
/// count with or without cap; sum; points per unit, as per occurrence; distinct
/// days at a UTC offset; sequences, of two types or of one, with decay and expiry), groups
/// with caps, the total's limits, and MQL, PQL and SQL stages on thresholds and
/// triggers, with points and thresholds drawn so that stages are reached on the edge.
const MADE_UP_TYPES: [&str; 3] = ["view", "form", "open"];

fn made_up_rule_set() -> impl Strategy<Value = Value> {
    let fit = (0..8usize, -30i64..40).prop_map(|(test, points)| {
        let when = [
            json!({"field": "jobTitle", "word": "vp"}),
            json!({"field": "company.size", "between": [50, 5000]}),
            json!({"field": "email", "endsWith": "@gmail.com"}),
            json!({"field": "signedUpAt", "withinLast": "10d"}),
            json!({"field": "trialEndsAt", "withinNext": "5d"}),
            json!({"not": {"field": "trialEndsAt", "withinNext": "20d"}}),
            json!({"field": "email", "sameDomainAs": "website"}),
            json!({"field": "seats", "gte": 10, "read": "number"}),
        ][test]
            .clone();
        (when, if points == 0 { 5 } else { points })
    });
    let engagement = (
        (0..3usize, 0..3usize, -40i64..60, 0..9usize),
        (
            proptest::option::of(1i64..80),
            any::<bool>(),
            0..5usize,
            1u32..4,
            proptest::option::of(1i64..20),
            1u32..900,
            proptest::option::of(0..2usize),
        ),
    )
        .prop_map(|((ty, filter, points, kind), (cap, once, recency, at_least, within, sum_at_least, group))| {
            let mut r = json!({"event": MADE_UP_TYPES[ty], "points": if points == 0 { 7 } else { points }});
            match filter {
                1 => r["where"] = json!({"field": "url", "equals": "/pricing"}),
                2 => r["where"] = json!({"field": "url", "startsWith": "/docs"}),
                _ => {}
            }
            let within = within.map(|d| format!("{d}d"));
            match kind {
                3 => r["count"] = json!({"atLeast": at_least, "within": within}),
                4 => r["sum"] = json!({"property": "seconds", "atLeast": sum_at_least, "within": within}),
                7 => {
                    let offset = ["+00:00", "-05:30", "+14:00"][ty];
                    r["days"] = json!({"atLeast": at_least, "within": within, "utcOffset": offset});
                }
                8 => {
                    // A second type of its own, or the same (an event may be A and B).
                    let then = MADE_UP_TYPES[(ty + at_least as usize - 1) % 3];
                    r["then"] = json!({"event": then, "within": within});
                    if at_least == 2 {
                        r["then"]["where"] = json!({"field": "url", "startsWith": "/docs"});
                    }
                    r["recency"] =
                        [json!("none"), json!({"halfLife": "5d"}), json!({"expireAfter": "20d"})][recency % 3].clone();
                }
                5 => {
                    r["count"] = json!({"every": at_least, "within": within});
                    r["cap"] = json!(cap);
                }
                _ => {
                    if kind == 6 {
                        r["perUnit"] = json!("seconds");
                    }
                    if once {
                        r["once"] = json!(true);
                    } else if let Some(cap) = cap {
                        r["cap"] = json!(cap);
                    }
                    r["recency"] = match recency {
                        0 => json!("none"),
                        1 => json!({"halfLife": "5d"}),
                        2 => json!({"expireAfter": "20d"}),
                        3 => json!({"halfLife": "3d", "expireAfter": "30d"}),
                        _ => Value::Null,
                    };
                }
            }
            if let Some(g) = group {
                r["group"] = json!(format!("g{g}"));
            }
            let r = r
                .as_object()
                .unwrap()
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>();
            Value::Object(r)
        });
    let trigger = (0..3usize, 1u32..4, proptest::option::of(1i64..20)).prop_map(|(ty, at_least, within)| {
        let mut t = json!({"event": MADE_UP_TYPES[ty], "atLeast": at_least});
        if ty == 1 {
            t["where"] = json!({"field": "form", "equals": "demo"});
        }
        if let Some(d) = within {
            t["within"] = json!(format!("{d}d"));
        }
        t
    });
    let stages = (
        (1i64..200, proptest::option::of(-20i64..40), proptest::option::of(0i64..60)),
        proptest::option::of((proptest::option::of(50i64..250), proptest::option::of(trigger.clone()))),
        proptest::option::of((trigger, proptest::option::of(-10i64..30))),
        0..5u8,
    )
        .prop_map(|((threshold, min_fit, min_engagement), sql, pql, recycle)| {
            let mut stages = json!({"mql": {"threshold": threshold}, "recycle": recycle == 0});
            if let Some(m) = min_fit {
                stages["mql"]["minFit"] = json!(m);
            }
            if let Some(m) = min_engagement {
                stages["mql"]["minEngagement"] = json!(m);
            }
            match sql {
                Some((Some(th), on)) => {
                    stages["sql"] = json!({"threshold": th});
                    if let Some(t) = on {
                        stages["sql"]["on"] = json!([t]);
                    }
                }
                Some((None, Some(t))) => stages["sql"] = json!({"on": [t]}),
                _ => {}
            }
            if let Some((t, min_fit)) = pql {
                stages["pql"] = json!({"on": [t]});
                if let Some(m) = min_fit {
                    stages["pql"]["minFit"] = json!(m);
                }
            }
            stages
        });
    (proptest::collection::vec(fit, 0..3), proptest::collection::vec(engagement, 1..6), stages, (1i64..60, 1i64..60), any::<bool>(), proptest::option::of(30i64..200), 0..3u8)
        .prop_map(|(fit, engagement, mut stages, (cap0, cap1), floor, max, disqualifier)| {
            let most_fit: i64 = fit.iter().map(|(_, points)| (*points).max(0)).sum();
            for stage in ["mql", "pql"] {
                if let Some(m) = stages[stage]["minFit"].as_i64() {
                    stages[stage]["minFit"] = json!(m.min(most_fit));
                }
            }
            let fit: Vec<Value> = fit.into_iter().enumerate().map(|(i, (when, points))| json!({"id": format!("f{i}"), "points": points, "when": when})).collect();
            // One rule without a cap, so that every threshold can be reached (the
            // compiler refuses one that cannot be).
            let unbounded = json!({"event": "open", "points": 1, "recency": "none"});
            let engagement: Vec<Value> = engagement.into_iter().chain([unbounded]).enumerate().map(|(i, mut r)| { r["id"] = json!(format!("e{i}")); r }).collect();
            let mut total = json!({"floorAtZero": floor});
            if let Some(m) = max {
                let thresholds = [&stages["mql"]["threshold"], &stages["sql"]["threshold"]].into_iter().filter_map(Value::as_i64);
                total["max"] = json!(thresholds.fold(m, i64::max));
            }
            // A rare event that disqualifies: a long look at the careers page.
            // With a window, it stops disqualifying as now moves on.
            let careers = json!({"id": "d0", "event": "view", "where": {"all": [{"field": "url", "equals": "/careers"}, {"field": "seconds", "gt": 300}]}});
            let disqualifiers = match disqualifier {
                0 => json!([]),
                1 => json!([careers]),
                _ => json!([{"within": "10d", "id": "d0", "event": "view", "where": careers["where"].clone()}]),
            };
            json!({
                "schema": "leadscore.ruleset/v1", "id": "made-up", "version": "1",
                "groups": {"g0": {"cap": cap0}, "g1": {"cap": cap1}},
                "fit": fit, "engagement": engagement, "total": total, "stages": stages, "disqualifiers": disqualifiers
            })
        })
}

fn made_up_event() -> impl Strategy<Value = Value> {
    (0..3usize, 0i64..(40 * DAY), 0..URLS.len(), 0u32..400, any::<bool>()).prop_map(|(t, age, u, secs, demo)| {
        json!({"type": MADE_UP_TYPES[t], "ts": NOW - age, "url": URLS[u], "seconds": secs, "form": if demo { "demo" } else { "other" }})
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn watched_tracking_reports_what_evaluating_reports_under_any_rule_set(
        ruleset in made_up_rule_set(), p in profile(), events in proptest::collection::vec(made_up_event(), 1..40), days_every in 1usize..6,
    ) {
        // Watched tracking skips evaluating an engine when its lead already stands at
        // the highest stage it could reach: under rule sets of every shape it must
        // still report every transition evaluating reports, and keep the same state.
        let engine = Engine::from_value(&ruleset).map_err(|e| TestCaseError::fail(format!("{e:?}\n{ruleset}")))?;
        watched_and_evaluated_agree(&[&engine], &p, &events, |i| NOW + (i / days_every) as i64 * 3 * DAY)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn what_a_session_keeps_follows_the_history_past_its_limit(events in proptest::collection::vec(event(), HISTORY_LIMIT + 1..HISTORY_LIMIT + 60)) {
        // A session watching the engine must report what evaluating reports while the
        // oldest events leave the history.
        let engine = &examples()[0];
        let mut s = Session::new("v").unwrap();
        let mut watched = Session::new("v").unwrap();
        for (i, e) in events.iter().enumerate() {
            s.track_value(e, NOW).unwrap();
            let reported = watched.track_and_evaluate(leadscore::Event::from_value(e).unwrap(), NOW, &[engine]).unwrap();
            prop_assert_eq!(reported.transitions, s.evaluate(engine, NOW).transitions);
            if i % 97 == 0 || i + 1 == events.len() {
                let fresh = Session::restore(&s.save()).unwrap();
                prop_assert_eq!(s.score(engine, NOW).to_json(), fresh.score(engine, NOW).to_json());
                prop_assert_eq!(watched.save(), s.save());
            }
        }
    }

    #[test]
    fn past_the_history_limit_both_keep_the_newest(events in proptest::collection::vec(event(), HISTORY_LIMIT + 1..HISTORY_LIMIT + 300)) {
        let events: Vec<Value> = events.into_iter().map(|mut e| { e.as_object_mut().unwrap().remove("id"); e }).collect();
        let engine = &examples()[0];
        let mut s = Session::new("v").unwrap();
        for e in &events { s.track_value(e, NOW).unwrap(); }
        prop_assert_eq!(s.events().len(), HISTORY_LIMIT);
        let b = batch(engine, &json!({}), &events, NOW);
        prop_assert_eq!(b.events.skipped.get(SkipReason::OverHistoryLimit), (events.len() - HISTORY_LIMIT) as u32);
        prop_assert_eq!(essence(&s.score(engine, NOW)), essence(&b));
    }
}

/// Any JSON value, biased towards the shapes rule sets and events use.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-zA-Z_.*?@/ ]{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("7d"),
            Just("-1d"),
            Just("0s"),
            Just("2026-11-20T09:30:00Z"),
            Just("page_view"),
            Just("all"),
            Just("in")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        let keys = prop_oneof![
            Just("field".to_string()),
            Just("all".to_string()),
            Just("any".to_string()),
            Just("not".to_string()),
            Just("in".to_string()),
            Just("between".to_string()),
            Just("like".to_string()),
            Just("word".to_string()),
            Just("id".to_string()),
            Just("points".to_string()),
            Just("event".to_string()),
            Just("where".to_string()),
            Just("count".to_string()),
            Just("sum".to_string()),
            Just("cap".to_string()),
            Just("type".to_string()),
            Just("ts".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `doc` with one value somewhere (in pre-order) replaced by arbitrary JSON.
fn mutated(doc: Value) -> impl Strategy<Value = Value> {
    (any::<u64>(), any_json()).prop_map(move |(pick, replacement)| {
        fn count(v: &Value) -> u64 {
            1 + match v {
                Value::Array(a) => a.iter().map(count).sum(),
                Value::Object(m) => m.values().map(count).sum(),
                _ => 0,
            }
        }
        fn replace_nth(v: &mut Value, n: &mut u64, with: &mut Option<Value>) {
            if *n == 0 {
                if let Some(w) = with.take() {
                    *v = w;
                }
                return;
            }
            *n -= 1;
            match v {
                Value::Array(a) => a.iter_mut().for_each(|x| replace_nth(x, n, with)),
                Value::Object(m) => m.values_mut().for_each(|x| replace_nth(x, n, with)),
                _ => {}
            }
        }
        let mut doc = doc.clone();
        let mut n = pick % count(&doc);
        replace_nth(&mut doc, &mut n, &mut Some(replacement));
        doc
    })
}

/// A valid example rule set with one value somewhere replaced by arbitrary JSON.
fn mutated_ruleset() -> impl Strategy<Value = Value> {
    (0usize..3).prop_flat_map(|which| {
        let name = ["b2b-saas", "product-led", "domain-defaults"][which];
        let text =
            std::fs::read_to_string(format!("{}/examples/{name}/ruleset.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
        mutated(serde_json::from_str(&text).unwrap())
    })
}

/// A session's saved state with events (one anonymous, with properties), a
/// profile, a lead id and progress, as JSON.
fn saved_state() -> Value {
    let engine = &examples()[0];
    let mut s = Session::new("visitor-1").unwrap();
    s.update_profile(
        &json!({"jobTitle": "VP Sales", "company": {"size": 300, "industry": "software"}, "email": "a@acme.io"}),
    )
    .unwrap();
    s.track_value(&json!({"type": "page_view", "ts": NOW - 5000, "url": "/pricing", "id": "e1"}), NOW).unwrap();
    s.identify("lead-1").unwrap();
    for (i, t) in ["form_submit", "email_open", "webinar_attended"].iter().enumerate() {
        s.track_value(&json!({"type": t, "ts": NOW - 1000 * i as i64, "form": "demo_request", "seconds": 40}), NOW)
            .unwrap();
    }
    s.evaluate(engine, NOW);
    serde_json::from_str(&s.save()).unwrap()
}

/// JSON text of `v` with each object's keys in an order drawn from `seed`, and
/// now and then a key written twice, its first value a decoy (a JSON object keeps
/// the last).
fn shuffled_text(v: &Value, seed: u64) -> String {
    fn next(rng: &mut u64) -> u64 {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    }
    fn write(v: &Value, rng: &mut u64, out: &mut String) {
        match v {
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    out.push_str(if i > 0 { "," } else { "" });
                    write(x, rng, out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                let mut entries: Vec<(&String, &Value)> = m.iter().collect();
                for i in (1..entries.len()).rev() {
                    entries.swap(i, (next(rng) % (i as u64 + 1)) as usize);
                }
                out.push('{');
                for (i, (k, x)) in entries.into_iter().enumerate() {
                    out.push_str(if i > 0 { "," } else { "" });
                    if next(rng) % 5 == 0 {
                        out.push_str(&format!(
                            "{}:{},",
                            json!(k),
                            if next(rng) % 2 == 0 { json!(7) } else { json!({"zz": 1}) }
                        ));
                    }
                    out.push_str(&format!("{}:", json!(k)));
                    write(x, rng, out);
                }
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut rng = seed | 1;
    let mut out = String::new();
    write(v, &mut rng, &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics(v in any_json(), now in any::<i64>()) {
        let _ = Engine::from_value(&v);
        let _ = Session::restore(&v.to_string());
        let engine = &examples()[0];
        let _ = engine.score_value(&v, now);
        let _ = engine.score_value(&json!({"profile": v.clone(), "events": [v.clone()]}), now);
        let mut s = Session::new("fuzz").unwrap();
        let before = s.clone();
        if s.track_value(&v, now).is_err() {
            prop_assert_eq!(s.state(), before.state());
        }
        let _ = s.update_profile(&v);
        let _ = s.evaluate(engine, now);
    }

    #[test]
    fn saved_state_is_read_alike_in_any_key_order(state in mutated(saved_state()), seed in any::<u64>()) {
        // Saved state is read in one pass, without a JSON tree: keys must weigh as a
        // JSON object holds them (the last of a repeated key wins; of several unknown
        // keys, the first in sorted order is named), so that text in any key order
        // restores, or is refused, as the same state parsed into a tree first.
        let text = shuffled_text(&state, seed);
        let tree: Value = serde_json::from_str(&text).unwrap();
        let outcome = |r: Result<Session, leadscore::InputError>| r.map(|s| s.save()).map_err(|e| e.problem);
        prop_assert_eq!(outcome(Session::restore(&text)), outcome(Session::restore_value(tree)), "{}", text);
    }

    #[test]
    fn mutated_rule_sets_compile_or_explain_why(doc in mutated_ruleset()) {
        match Engine::from_value(&doc) {
            Ok(engine) => {
                let leads: Vec<Value> = serde_json::from_str(include_str!("../examples/b2b-saas/leads.json")).unwrap();
                for lead in &leads {
                    let r = engine.score_value(lead, NOW).unwrap();
                    assert_adds_up(&r);
                }
            }
            Err(e) => {
                prop_assert!(!e.problems.is_empty());
                for p in &e.problems {
                    prop_assert!(!p.message.is_empty());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Text operators behave as if both sides were Unicode-lowercased, whether the
    /// text takes the in-place ASCII path or the folding path.
    #[test]
    fn text_operators_match_a_lowercasing_reference(text in "[aAbBvVpP éÉ\u{212A}kK_-]{0,10}", needle in "[aAbBvVpPéÉkK]{1,3}") {
        // Random text seldom equals the needle: the needle in capitals and as it is
        // are tried too, for the equality tests.
        for text in [text.clone(), needle.to_uppercase(), needle.clone()] {
            text_operators_agree_with_lowercasing(&text, &needle)?;
        }
    }
}

fn text_operators_agree_with_lowercasing(text: &str, needle: &str) -> Result<(), TestCaseError> {
    let t = text.to_lowercase();
    let n = needle.to_lowercase();
    let word = |t: &str| {
        t.match_indices(&n).any(|(i, m)| {
            let before = t[..i].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
            let after = t[i + m.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric());
            before && after
        })
    };
    // `in` on a short list (items compared one by one) and on a long one (sorted);
    // the lists' other items never equal the text.
    let short = json!(["zz", needle, 3, true]);
    let long: Vec<Value> = std::iter::once(json!(needle)).chain((0..20).map(|k| json!(format!("q{k}")))).collect();
    let cases = [
        ("contains", json!(needle), t.contains(&n)),
        ("startsWith", json!(needle), t.starts_with(&n)),
        ("endsWith", json!(needle), t.ends_with(&n)),
        ("equals", json!(needle), t == n),
        ("word", json!(needle), word(&t)),
        ("like", json!(format!("{needle}*")), t.starts_with(&n)),
        ("in", short.clone(), t == n),
        ("notIn", short, t != n),
        ("in", json!(long), t == n),
    ];
    for (op, arg, want) in cases {
        let e = engine(json!({"fit": [{"id": "r", "points": 1, "when": {"field": "f", op: arg}}]}));
        let got = e.score_value(&json!({"profile": {"f": text}}), NOW).unwrap().total.0 == 100;
        prop_assert_eq!(got, want, "{} {:?} {:?}", op, text, needle);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Reading a lead straight from JSON text and reading an already parsed value
    /// give the same result, valid or not.
    #[test]
    fn json_text_and_parsed_values_score_alike(p in profile(), events in proptest::collection::vec(prop_oneof![event(), any_json()], 0..12), junk in any_json()) {
        let engine = &examples()[0];
        for lead in [json!({"id": "x", "profile": p.clone(), "events": events.clone()}), json!({"profile": p.clone(), "events": junk.clone()}), junk.clone()] {
            let by_text = engine.score_json(&lead.to_string(), NOW).map(|r| r.to_json()).map_err(|e| e.problem);
            let by_value = engine.score_value(&lead, NOW).map(|r| r.to_json()).map_err(|e| e.problem);
            prop_assert_eq!(by_text, by_value);
        }
    }
}

#[test]
fn repeated_keys_keep_the_last_value_as_json_objects_do() {
    let engine = &examples()[2];
    let text = r#"{"profile": {"jobTitle": "Head of X"}, "events": [{"type": "page_view", "url": "/blog", "ts": 1795176000000, "url": "/pricing"}]}"#;
    let by_text = engine.score_json(text, NOW).unwrap();
    let by_value = engine.score_value(&serde_json::from_str(text).unwrap(), NOW).unwrap();
    assert_eq!(by_text.to_json(), by_value.to_json());
    assert_eq!(by_text.total.as_f64(), 35.0, "title 20 + pricing 15");
}

#[test]
fn a_merge_at_the_history_limit_leaves_nothing_stale() {
    // Merging into a full history changes its events but not their number: what the
    // session kept per event must be worked out again.
    let engine = &examples()[0];
    let mut s = Session::new("v").unwrap();
    for i in 0..HISTORY_LIMIT as i64 + 10 {
        let kind = if i % 2 == 0 { "email_open" } else { "page_view" };
        s.track_value(&json!({"type": kind, "ts": NOW - 100_000_000 + i * 1000, "url": "/blog"}), NOW).unwrap();
        s.evaluate(engine, NOW);
    }
    let mut other = Session::new("other").unwrap();
    for k in 0..5 {
        other.track_value(&json!({"type": "page_view", "ts": NOW - k, "url": "/pricing"}), NOW).unwrap();
    }
    s.merge(&other);
    assert_eq!(s.events().len(), HISTORY_LIMIT);
    s.evaluate(engine, NOW);
    let fresh = Session::restore(&s.save()).unwrap();
    assert_eq!(s.score(engine, NOW).to_json(), fresh.score(engine, NOW).to_json());
    assert!(
        s.score(engine, NOW).contributions.iter().any(|c| &*c.id == "pricing_views"),
        "the merged pricing views count"
    );
}
