//! A deterministic synthetic workload for the B2B example rule set: leads shaped
//! like the peers benchmark's (1 to 50 events each over the last 180 days).
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use leadscore::{Engine, Lead, Session};
use serde_json::{json, Value};

pub const NOW: i64 = 1_795_176_000_000;
const DAY: i64 = 86_400_000;

/// xorshift64*: small, seeded, identical everywhere.
pub struct Rng(u64);
impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const TITLES: &[&str] = &[
    "Director of Engineering",
    "VP Sales",
    "Head of Growth",
    "CTO",
    "Software Engineer",
    "Marketing Manager",
    "Student",
    "Intern",
    "Founder",
    "Consultant",
];
const INDUSTRIES: &[&str] = &["software", "fintech", "healthcare", "retail", "education", "gambling", "media"];
const COUNTRIES: &[&str] = &["US", "CA", "GB", "DE", "FR", "IN", "BR", "JP"];
const DOMAINS: &[&str] = &["gmail.com", "acme.io", "globex.com", "rival.io", "initech.com", "umbrella.co"];
const URLS: &[&str] =
    &["/pricing", "/docs/getting-started", "/docs/api", "/careers", "/blog/post-1", "/", "/pricing-faq", "/product"];
const FORMS: &[&str] = &["whitepaper", "demo_request", "newsletter", "quote_request"];
const TYPES: &[&str] = &[
    "page_view",
    "page_view",
    "page_view",
    "page_view",
    "email_open",
    "email_click",
    "form_submit",
    "webinar_attended",
    "unsubscribe",
    "login",
];

pub fn lead_json(rng: &mut Rng, i: usize) -> Value {
    let n = 1 + rng.below(50);
    let mut events: Vec<Value> = (0..n)
        .map(|_| {
            let t = rng.pick(TYPES);
            let ts = NOW - (rng.next_u64() % (180 * DAY as u64)) as i64;
            match t {
                "page_view" => json!({"type": t, "ts": ts, "url": rng.pick(URLS), "seconds": rng.below(300)}),
                "form_submit" => json!({"type": t, "ts": ts, "form": rng.pick(FORMS)}),
                _ => json!({"type": t, "ts": ts}),
            }
        })
        .collect();
    events.sort_by_key(|e| e["ts"].as_i64());
    json!({
        "id": format!("lead-{i}"),
        "profile": {
            "email": format!("p{i}@{}", rng.pick(DOMAINS)),
            "jobTitle": rng.pick(TITLES),
            "country": rng.pick(COUNTRIES),
            "company": {"size": 1 + rng.below(20_000), "industry": rng.pick(INDUSTRIES)}
        },
        "events": events
    })
}

pub fn engine() -> Engine {
    Engine::from_json(include_str!("../../examples/b2b-saas/ruleset.json")).unwrap()
}

/// The same leads as JSON text.
pub fn lead_texts(n: usize) -> Vec<String> {
    let mut rng = Rng::new(42);
    (0..n).map(|i| lead_json(&mut rng, i).to_string()).collect()
}

/// Parsed leads, ready to score (parsing is not part of scoring), read from
/// JSON text the way a batch job reads them.
pub fn leads(n: usize) -> Vec<Lead> {
    let mut rng = Rng::new(42);
    (0..n)
        .map(|i| {
            let v: Value = serde_json::from_str(&lead_json(&mut rng, i).to_string()).unwrap();
            leadscore::Lead::from_value(&v).unwrap()
        })
        .collect()
}

/// One session per lead, holding its profile and events.
pub fn sessions(leads: &[Lead]) -> Vec<Session> {
    leads
        .iter()
        .map(|l| {
            let mut s = Session::new(l.id.clone().unwrap_or_default()).unwrap();
            s.update_profile(&Value::Object(l.profile.clone())).unwrap();
            for e in &l.events {
                s.track(e.clone(), NOW).unwrap();
            }
            s
        })
        .collect()
}

/// An event as the module reads it for `Session.track`: from the MessagePack bytes
/// codec.js writes, then checked.
pub fn read_tracked(bytes: &[u8]) -> leadscore::Event {
    let raw = leadscore::test_support::read_event(&mut leadscore::test_support::msgpack::Reader::new(bytes)).unwrap();
    leadscore::test_support::event_from_raw(raw).unwrap()
}

/// A page's loop over leads (each its events and profile): a session per lead, given
/// the profile, the engine watched, and each event, made by `event`, tracked. Gives
/// the number of transitions.
pub fn watched_loop<'a, E: 'a>(
    engine: &Engine,
    leads: impl Iterator<Item = (&'a [E], &'a Value)>,
    now: i64,
    event: impl Fn(&E) -> leadscore::Event,
) -> usize {
    let mut transitions = 0;
    for (events, profile) in leads {
        let mut s = Session::new("v").unwrap();
        s.update_profile(profile).unwrap();
        for e in events {
            transitions += s.track_and_evaluate(event(e), now, &[engine]).unwrap().transitions.len();
        }
    }
    transitions
}
