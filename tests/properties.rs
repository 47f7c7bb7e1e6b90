//! Batch scoring and sessions agree on every input: whatever order events arrive
//! in, however often the session is saved and restored or merged, and past the
//! history limit. Native only (proptest).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
use common::*;
use leadscore::history::HISTORY_LIMIT;
use leadscore::{Engine, Session};
use proptest::prelude::*;
use serde_json::{json, Value};

fn examples() -> Vec<Engine> {
    ["b2b-saas", "product-led", "domain-defaults"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!("{}/examples/{name}/ruleset.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
            Engine::from_json(&text).unwrap()
        })
        .collect()
}

const TYPES: &[&str] = &[
    "page_view", "form_submit", "email_open", "email_click", "webinar_attended", "unsubscribe", "signup", "project_created",
    "invite_sent", "session_start", "session_end", "plan_limit_reached", "download", "demo_request", "bogus",
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
    (0..4usize, 0..4usize, 1u32..10_000).prop_map(|(t, i, size)| {
        let title = ["VP Sales", "Student", "Marketing Manager", "Engineer"][t];
        let industry = ["software", "retail", "gambling", "fintech"][i];
        let email = ["a@acme.io", "b@gmail.com", "c@rival.io", "d@x.com"][t];
        json!({
            "jobTitle": title,
            "company": {"size": size, "industry": industry},
            "email": email,
            "teamSize": size % 20,
            "role": "data"
        })
    })
}

fn batch(engine: &Engine, profile: &Value, events: &[Value], now: i64) -> leadscore::ScoreResult {
    engine.score_value(&json!({"profile": profile, "events": events}), now).unwrap()
}

/// The parts of a result that the two modes must agree on (the lead id and the
/// duplicate count differ by construction: a session refuses duplicates at `track`).
fn essence(r: &leadscore::ScoreResult) -> String {
    let mut r = r.clone();
    r.lead_id = None;
    r.events.skipped.remove("duplicate");
    r.to_json()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn tracking_in_order_equals_batch_at_every_step(p in profile(), events in proptest::collection::vec(event(), 0..40), save_every in 1usize..8) {
        for engine in examples() {
            let mut s = Session::new("v");
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
            let mut s = Session::new("v");
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
        let mut a = Session::new("cookie");
        for e in &anon { a.track_value(e, NOW).unwrap(); }
        let mut k = Session::new("device");
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn past_the_history_limit_both_keep_the_newest(events in proptest::collection::vec(event(), HISTORY_LIMIT..HISTORY_LIMIT + 300)) {
        let events: Vec<Value> = events.into_iter().map(|mut e| { e.as_object_mut().unwrap().remove("id"); e }).collect();
        let engine = &examples()[0];
        let mut s = Session::new("v");
        for e in &events { s.track_value(e, NOW).unwrap(); }
        prop_assert_eq!(s.events().len(), HISTORY_LIMIT);
        let b = batch(engine, &json!({}), &events, NOW);
        prop_assert_eq!(b.events.skipped.get("overHistoryLimit").copied(), Some((events.len() - HISTORY_LIMIT) as u32));
        prop_assert_eq!(essence(&s.score(engine, NOW)), essence(&b));
    }
}
