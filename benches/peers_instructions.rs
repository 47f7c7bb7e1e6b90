//! Scores the peers' leads (target/peers-bench/leads.json) in `score_all`, for
//! `valgrind --tool=callgrind --toggle-collect='*score_all*'`: instruction counts
//! do not move with the machine's load.
//!
//!     cargo run --release --example peers_instructions -- [leads] [score|qualify] [passes]
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "a measuring tool: a missing file or key may stop it")]
use std::hint::black_box;

#[inline(never)]
fn score_all(engine: &leadscore::Engine, leads: &[leadscore::Lead], now: i64, explain: bool) -> i64 {
    if explain {
        leads.iter().map(|l| engine.score(black_box(l), now).total.0).sum()
    } else {
        leads.iter().map(|l| engine.qualify(black_box(l), now).total.0).sum()
    }
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let explain = std::env::args().nth(2).as_deref() != Some("qualify");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/target/peers-bench/leads.json")).unwrap();
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let now = data["asOf"].as_i64().unwrap();
    let engine = leadscore::Engine::from_json(include_str!("peers/ruleset.json")).unwrap();
    let leads: Vec<leadscore::Lead> = data["leads"].as_array().unwrap()[..n]
        .iter()
        .map(|l| {
            leadscore::Lead::from_value(
                &serde_json::json!({"id": l["id"], "profile": l["profile"], "events": l["events"]}),
            )
            .unwrap()
        })
        .collect();
    let warm = score_all(&engine, &leads, now, explain);
    // With a third argument, that many more passes timed: the fastest is the one the
    // machine's other work disturbed least.
    let passes: usize = std::env::args().nth(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let fastest = (0..passes)
        .map(|_| {
            let t = std::time::Instant::now();
            black_box(score_all(&engine, &leads, now, explain));
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .fold(f64::INFINITY, f64::min);
    println!("{warm}; fastest of {passes} passes: {fastest:.3} µs a lead");
}
