#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
pub mod golden;
use leadscore::{Engine, ScoreResult};
use serde_json::{json, Value};

pub const DAY: i64 = 86_400_000;
/// 2026-11-20T12:00:00Z
pub const NOW: i64 = 1_795_176_000_000;

/// A rule set: the given keys over a minimal valid document.
pub fn ruleset(extra: Value) -> Value {
    let mut doc = json!({"schema": "leadscore.ruleset/v1", "id": "t", "version": "1"});
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

/// A rule of 15 points for each view of /pricing, with the given keys over it.
pub fn pricing_rule(extra: serde_json::Value) -> serde_json::Value {
    let mut r =
        json!({"id": "pricing", "event": "page_view", "where": {"field": "url", "equals": "/pricing"}, "points": 15});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// `n` views of /pricing, one a second before `NOW`, the first at `NOW`.
pub fn pricing_views(n: i64) -> Vec<serde_json::Value> {
    (0..n).map(|i| ev_with("page_view", NOW - i * 1000, json!({"url": "/pricing"}))).collect()
}

pub fn engine(extra: Value) -> Engine {
    Engine::from_value(&ruleset(extra)).unwrap_or_else(|e| panic!("{e}"))
}

pub fn ev(kind: &str, ts: i64) -> Value {
    json!({"type": kind, "ts": ts})
}

pub fn ev_with(kind: &str, ts: i64, props: Value) -> Value {
    let mut e = ev(kind, ts);
    for (k, v) in props.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

pub fn score(engine: &Engine, profile: Value, events: Vec<Value>, now: i64) -> ScoreResult {
    let r = engine.score_value(&json!({"profile": profile, "events": events}), now).unwrap();
    assert_adds_up(&r);
    r
}

/// The explanation's lines add up exactly to the total, always.
pub fn assert_adds_up(r: &ScoreResult) {
    let sum: i64 = r.contributions.iter().map(|c| c.points.0).sum();
    assert_eq!(sum, r.total.0, "contributions {:?} do not add up to {}", r.contributions, r.total);
}

pub fn points_of(r: &ScoreResult, id: &str) -> Option<f64> {
    r.contributions.iter().find(|c| &*c.id == id).map(|c| c.points.as_f64())
}
