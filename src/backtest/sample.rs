//! A synthetic history of B2B leads (docs/BACKTEST.md, "Sample"): the page's
//! default sample and the benchmark's million leads. Each lead comes from its own
//! generator, seeded by the sample's seed and the lead's index, so leads can be
//! made in any order or in parallel and the same seed gives the same bytes
//! everywhere (integer arithmetic and `libm` only).

use serde::Deserialize;
use serde_json::{json, Value};

/// 2026-12-01T00:00:00Z: the default `now` of a sample.
pub const DEFAULT_NOW: i64 = 1_796_083_200_000;
const DAY: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SampleOptions {
    #[serde(default = "default_leads")]
    pub leads: u32,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_now")]
    pub now: i64,
}

fn default_leads() -> u32 {
    5_000
}
fn default_seed() -> u64 {
    1
}
fn default_now() -> i64 {
    DEFAULT_NOW
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions { leads: default_leads(), seed: default_seed(), now: default_now() }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// One of `items` by weight.
    fn pick(&mut self, items: &[(&'static str, f64)]) -> &'static str {
        let total: f64 = items.iter().map(|i| i.1).sum();
        let mut x = self.unit() * total;
        for &(item, w) in items {
            if x < w {
                return item;
            }
            x -= w;
        }
        items.last().map_or("", |i| i.0)
    }
    /// About normal (mean 0, sd 1): the sum of four uniforms, scaled.
    fn normal(&mut self) -> f64 {
        ((self.unit() + self.unit() + self.unit() + self.unit()) - 2.0) * 1.732_050_8
    }
}

/// Titles with how much they tell of buying (the example rule sets' fit signals).
const TITLES: [(&str, f64, f64); 12] = [
    ("CEO", 0.6, 1.0),
    ("CTO", 0.8, 1.0),
    ("Founder", 0.6, 0.8),
    ("VP of Engineering", 1.0, 0.9),
    ("Director of Marketing", 1.0, 0.8),
    ("Head of Sales", 0.8, 0.8),
    ("Marketing Manager", 2.0, 0.4),
    ("Product Manager", 1.5, 0.3),
    ("Software Engineer", 3.0, 0.0),
    ("Analyst", 2.0, -0.1),
    ("Student", 1.2, -1.4),
    ("Intern", 0.6, -1.2),
];
const INDUSTRIES: [(&str, f64, f64); 8] = [
    ("software", 3.0, 0.6),
    ("fintech", 1.5, 0.6),
    ("healthcare", 1.5, 0.5),
    ("retail", 2.0, 0.0),
    ("education", 1.5, -0.2),
    ("manufacturing", 1.5, 0.0),
    ("media", 1.0, -0.1),
    ("gambling", 0.2, -1.5),
];
const COUNTRIES: [(&str, f64, f64); 10] = [
    ("US", 4.0, 0.3),
    ("GB", 1.5, 0.3),
    ("DE", 1.5, 0.3),
    ("CA", 1.0, 0.3),
    ("FR", 1.0, 0.2),
    ("NL", 0.6, 0.2),
    ("AU", 0.6, 0.2),
    ("IN", 2.0, -0.2),
    ("BR", 1.0, -0.1),
    ("NG", 0.5, -0.3),
];
const FREE_DOMAINS: [&str; 4] = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com"];
const PAGES: [(&str, f64); 7] = [
    ("/", 3.0),
    ("/product", 2.0),
    ("/blog/lead-scoring", 2.0),
    ("/docs/getting-started", 1.0),
    ("/customers", 1.0),
    ("/careers", 0.3),
    ("/about", 0.7),
];

fn weighted<const N: usize>(rng: &mut Rng, items: &[(&'static str, f64, f64); N]) -> (&'static str, f64) {
    let total: f64 = items.iter().map(|i| i.1).sum();
    let mut x = rng.unit() * total;
    for &(name, w, signal) in items {
        if x < w {
            return (name, signal);
        }
        x -= w;
    }
    items.last().map_or(("", 0.0), |&(n, _, s)| (n, s))
}

/// Lead `index` of the sample `seed` seen at `now`: `{"id", "profile", "events",
/// "converted"}`, its events in time order over the 90 days before `now`.
pub fn sample_lead(seed: u64, index: u64, now: i64) -> Value {
    let mut rng = Rng::new(seed, index);
    let (title, title_signal) = weighted(&mut rng, &TITLES);
    let (industry, industry_signal) = weighted(&mut rng, &INDUSTRIES);
    let (country, country_signal) = weighted(&mut rng, &COUNTRIES);
    // Company sizes spread over four orders of magnitude, most of them small.
    let size = (libm::exp(rng.unit() * 9.2) as u64).max(1);
    let size_signal = match size {
        0..=9 => -0.5,
        10..=49 => 0.0,
        50..=5000 => 0.5,
        _ => 0.2,
    };
    let free = rng.chance(0.25);
    let domain = if free {
        FREE_DOMAINS.get(rng.below(4) as usize).copied().unwrap_or("gmail.com").to_string()
    } else {
        format!("company{}.com", rng.below(50_000))
    };
    let fit = title_signal + industry_signal + country_signal + size_signal - if free { 0.6 } else { 0.0 };
    // Interest: what drives the behaviour, and with fit and noise, the outcome.
    let interest = rng.unit();
    let n = 10 + rng.below(31) as usize;
    let mut events: Vec<(i64, Value)> = Vec::with_capacity(n);
    let mut demo = false;
    let mut unsubscribed = false;
    for _ in 0..n {
        let ts = now - 1 - rng.below((90 * DAY) as u64 / 1000) as i64 * 1000;
        let x = rng.unit();
        let event = if x < 0.58 {
            let url = if rng.chance(0.05 + 0.3 * interest) { "/pricing" } else { rng.pick(&PAGES) };
            json!({"type": "page_view", "ts": ts, "url": url, "seconds": 5 + rng.below(30 + (240.0 * interest) as u64)})
        } else if x < 0.75 {
            json!({"type": "email_open", "ts": ts, "campaign": "newsletter"})
        } else if x < 0.75 + 0.12 * interest {
            json!({"type": "email_click", "ts": ts, "campaign": "newsletter"})
        } else if x < 0.90 {
            let form = if rng.chance(0.06 * interest) {
                demo = true;
                "demo_request"
            } else {
                "whitepaper"
            };
            json!({"type": "form_submit", "ts": ts, "form": form})
        } else if x < 0.90 + 0.07 * interest {
            json!({"type": "webinar_attended", "ts": ts, "webinar": "roi"})
        } else if rng.chance(0.03 * (1.0 - interest)) {
            unsubscribed = true;
            json!({"type": "unsubscribe", "ts": ts})
        } else if rng.chance(0.01) {
            json!({"type": "email_bounce", "ts": ts})
        } else {
            json!({"type": "login", "ts": ts})
        };
        events.push((ts, event));
    }
    events.sort_by_key(|e| e.0);
    let logit = -4.2 + 0.9 * fit + 3.0 * interest + if demo { 1.5 } else { 0.0 } - if unsubscribed { 1.0 } else { 0.0 }
        + 0.8 * rng.normal();
    let converted = rng.unit() < 1.0 / (1.0 + libm::exp(-logit));
    let name = format!("lead{index}");
    json!({
        "id": name,
        "profile": {
            "email": format!("{name}@{domain}"),
            "jobTitle": title,
            "country": country,
            "company": {"size": size, "industry": industry}
        },
        "events": events.into_iter().map(|e| e.1).collect::<Vec<_>>(),
        "converted": converted
    })
}

/// The sample as NDJSON text.
pub fn sample_ndjson(options: &SampleOptions) -> String {
    let mut out = String::new();
    for i in 0..u64::from(options.leads) {
        out.push_str(&sample_lead(options.seed, i, options.now).to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_leads_and_another_seed_others() {
        let a = sample_ndjson(&SampleOptions { leads: 50, seed: 7, now: DEFAULT_NOW });
        assert_eq!(a, sample_ndjson(&SampleOptions { leads: 50, seed: 7, now: DEFAULT_NOW }));
        assert_ne!(a, sample_ndjson(&SampleOptions { leads: 50, seed: 8, now: DEFAULT_NOW }));
        assert_eq!(a.lines().count(), 50);
    }

    #[test]
    fn leads_have_about_25_events_before_now_and_some_convert() {
        let leads: Vec<Value> = (0..2000).map(|i| sample_lead(1, i, DEFAULT_NOW)).collect();
        let events: usize = leads.iter().map(|l| l["events"].as_array().unwrap().len()).sum();
        assert!((23.0..27.0).contains(&(events as f64 / 2000.0)), "{events}");
        assert!(leads.iter().flat_map(|l| l["events"].as_array().unwrap()).all(|e| {
            let ts = e["ts"].as_i64().unwrap();
            (DEFAULT_NOW - 90 * DAY..DEFAULT_NOW).contains(&ts)
        }));
        let converted = leads.iter().filter(|l| l["converted"] == true).count() as f64 / 2000.0;
        assert!((0.10..0.20).contains(&converted), "{converted}");
    }
}
