//! Scoring: one pass of every rule over a lead's profile and its (time-ordered,
//! bounded) event history at an explicit `now`. Batch scoring and sessions both end
//! here, which is what makes their results the same.

use crate::engine::Engine;
use crate::event::Event;
use crate::explain::{Contribution, ContributionKind, Disqualification, EventTally, Points, ScoreResult};
use crate::rules::{Award, Centi, DisqualifierTest, EngagementRule, Recency};
use crate::stages::{band_of, StageInputs, Trigger};
use serde_json::{Map, Value};

/// Scores `events` (ascending by time, at most the history limit) at `now`.
/// `tally` arrives holding what the caller already set aside.
pub fn evaluate(engine: &Engine, profile: &Map<String, Value>, events: &[Event], now: i64, mut tally: EventTally) -> ScoreResult {
    let scored: Vec<&Event> = events.iter().filter(|e| admit(engine, e, now, &mut tally)).collect();
    tally.scored = u32::try_from(scored.len()).unwrap_or(u32::MAX);

    let mut contributions = Vec::new();
    let mut fit_raw: Centi = 0;
    for rule in engine.fit.iter().filter(|r| r.when.matches(profile)) {
        fit_raw += rule.points;
        contributions.push(Contribution {
            id: rule.id.clone(),
            kind: ContributionKind::Fit,
            group: rule.group.and_then(|g| engine.groups.get(g)).map(|g| g.name.clone()),
            description: rule.description.clone(),
            points: Points(rule.points),
            matched: None,
            capped: false,
        });
    }
    let mut eng_raw: Centi = 0;
    for rule in &engine.engagement {
        if let Some((points, matched, capped)) = engagement_points(rule, &scored, now) {
            eng_raw += points;
            contributions.push(Contribution {
                id: rule.id.clone(),
                kind: ContributionKind::Engagement,
                group: rule.group.and_then(|g| engine.groups.get(g)).map(|g| g.name.clone()),
                description: rule.description.clone(),
                points: Points(points),
                matched: Some(matched),
                capped,
            });
        }
    }

    // Group caps, each an explicit line so the explanation still adds up.
    let (mut fit, mut engagement) = (fit_raw, eng_raw);
    for (gi, group) in engine.groups.iter().enumerate() {
        let Some(cap) = group.cap else { continue };
        let in_group = |c: &&Contribution| c.group.as_deref() == Some(group.name.as_str());
        let sum: Centi = contributions.iter().filter(in_group).map(|c| c.points.0).sum();
        if sum > cap {
            let is_fit = engine.fit.iter().any(|r| r.group == Some(gi));
            if is_fit {
                fit -= sum - cap;
            } else {
                engagement -= sum - cap;
            }
            contributions.push(adjustment(&group.name, ContributionKind::GroupCap, cap - sum, Some(group.name.clone())));
        }
    }
    let mut total = fit + engagement;
    if let Some(max) = engine.total.max.filter(|m| total > *m) {
        contributions.push(adjustment("total.max", ContributionKind::TotalMax, max - total, None));
        total = max;
    }
    if engine.total.floor_at_zero && total < 0 {
        contributions.push(adjustment("total.floorAtZero", ContributionKind::Floor, -total, None));
        total = 0;
    }

    let disqualifications: Vec<Disqualification> = engine
        .disqualifiers
        .iter()
        .filter(|d| match &d.test {
            DisqualifierTest::Profile(c) => c.matches(profile),
            DisqualifierTest::Event(m) => scored.iter().any(|e| m.matches(e)),
        })
        .map(|d| Disqualification { id: d.id.clone(), description: d.description.clone() })
        .collect();

    let fired: Vec<&str> = engine.stages.triggers().filter(|t| trigger_holds(t, &scored, now)).map(|t| t.path.as_str()).collect();
    let (stage, stage_reason) = engine.stages.qualify(&StageInputs {
        total,
        fit,
        engagement,
        disqualified: !disqualifications.is_empty(),
        fired_triggers: &fired,
    });
    let grade = engine.grades.grade(fit);
    let level = engine.grades.level(engagement);
    ScoreResult {
        lead_id: None,
        ruleset_id: engine.id.clone(),
        ruleset_version: engine.version.clone(),
        now,
        total: Points(total),
        fit: Points(fit),
        engagement: Points(engagement),
        stage,
        stage_reason,
        grade,
        level,
        matrix: format!("{grade}{level}"),
        band: band_of(&engine.bands, total).to_string(),
        disqualified: !disqualifications.is_empty(),
        disqualifications,
        contributions,
        events: tally,
    }
}

fn adjustment(id: &str, kind: ContributionKind, points: Centi, group: Option<String>) -> Contribution {
    Contribution { id: id.to_string(), kind, group, description: None, points: Points(points), matched: None, capped: false }
}

/// Whether an event takes part in scoring at `now`, counting it in `tally` when not.
fn admit(engine: &Engine, e: &Event, now: i64, tally: &mut EventTally) -> bool {
    if e.ts > now {
        tally.skip("afterNow");
        return false;
    }
    if e.anonymous && !engine.count_anonymous {
        tally.skip("anonymousHistory");
        return false;
    }
    if let Some(vocab) = &engine.vocabulary {
        let Some(props) = vocab.get(&*e.kind) else {
            tally.skip("unknownType");
            return false;
        };
        let wrong = props.iter().any(|(name, ty)| e.properties.get(name).is_some_and(|v| !ty.admits(v)));
        if wrong {
            tally.skip("wrongPropertyType");
            return false;
        }
    }
    true
}

/// Age of an event at `now`; events are at most `now` here.
fn age(e: &Event, now: i64) -> i64 {
    now - e.ts
}

fn within(age: i64, window: Option<i64>) -> bool {
    window.is_none_or(|w| age <= w)
}

fn live(rule: &EngagementRule, e: &Event, now: i64) -> bool {
    within(age(e, now), rule.recency.expire_after) && rule.matcher.matches(e)
}

/// Decay factor of an occurrence `age` ms old: 2^(−age / halfLife), from `libm`
/// so that native and wasm32 builds agree to the bit.
fn decay(recency: Recency, age: i64) -> f64 {
    match recency.half_life {
        Some(h) if age > 0 => libm::exp2(-(age as f64) / (h as f64)),
        _ => 1.0,
    }
}

/// Points, matched-event count and whether the cap bit; `None` when the rule did not fire.
fn engagement_points(rule: &EngagementRule, events: &[&Event], now: i64) -> Option<(Centi, u32, bool)> {
    let matching = events.iter().filter(|e| live(rule, e, now));
    match &rule.award {
        Award::PerOccurrence { cap, once } => {
            let (raw, matched) = if *once {
                let last = matching.clone().next_back()?;
                let n = u32::try_from(matching.count()).unwrap_or(u32::MAX);
                (rule.points as f64 * decay(rule.recency, age(last, now)), n)
            } else if rule.recency.half_life.is_none() {
                let n = matching.count();
                (rule.points as f64 * n as f64, u32::try_from(n).unwrap_or(u32::MAX))
            } else {
                // Summed oldest first: a fixed order keeps the float sum reproducible.
                let (sum, n) = matching.fold((0.0f64, 0u32), |(s, n), e| (s + rule.points as f64 * decay(rule.recency, age(e, now)), n + 1));
                (sum, n)
            };
            if matched == 0 {
                return None;
            }
            let (value, capped) = match cap {
                Some(c) if raw.abs() > *c as f64 => (raw.signum() * *c as f64, true),
                _ => (raw, false),
            };
            let points = value.round() as Centi;
            (points != 0).then_some((points, matched, capped))
        }
        Award::Frequency { at_least, within: w } => {
            let n = u32::try_from(matching.filter(|e| within(age(e, now), *w)).count()).unwrap_or(u32::MAX);
            (n >= *at_least).then_some((rule.points, n, false))
        }
        Award::Sum { property, at_least_milli, within: w } => {
            let (sum, n) = matching.filter(|e| within(age(e, now), *w)).fold((0i64, 0u32), |(s, n), e| {
                let v = property.lookup(&e.properties).and_then(Value::as_f64).map_or(0, |f| (f * 1000.0).round() as i64);
                (s.saturating_add(v), n + 1)
            });
            (sum >= *at_least_milli).then_some((rule.points, n, false))
        }
    }
}

fn trigger_holds(t: &Trigger, events: &[&Event], now: i64) -> bool {
    let n = events.iter().filter(|e| within(age(e, now), t.within) && t.matcher.matches(e)).count();
    n >= t.at_least as usize
}
