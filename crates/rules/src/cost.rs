//! What scoring one lead can cost under a rule set, estimated when the rule set is
//! compiled, so that a rule set which could make scoring slow is refused rather
//! than run (docs/RULESET.md, section 11).
//!
//! Every test of a condition reads the value it tests at most once per text,
//! pattern or comparison it makes (`contains`, `word` and `like` in one pass each:
//! see [`crate::search`] and [`crate::wildcard`]), and a value holds at most so
//! many bytes: an event's properties weigh at most [`EVENT_VALUE_BYTES`] together,
//! a profile at most [`PROFILE_VALUE_BYTES`]. A comparison (`equals`, `in`,
//! `startsWith`, checking that text is ASCII, lowercasing it) reads many bytes at
//! a time, a search one byte at a time: measured natively, a byte of a search
//! took 1.2 to 3.5 ns and of a comparison 0.07 to 0.1 ns. So a *step* is a byte of
//! a search or [`COMPARED_PER_STEP`] bytes of a comparison, and a condition's
//! *weight* counts its passes over the value, a comparison as 1 and a search as
//! `COMPARED_PER_STEP`. Scoring a lead tests the profile conditions once and, for
//! each of the [`HISTORY_EVENTS`] events its history holds, the `where` filters of
//! what looks at the event's type.

use crate::condition::{Condition, ScalarList, Test};
use crate::order::name_order;
use crate::rules::{Award, DisqualifierTest, EngagementRule, EventMatcher, FitRule};
use crate::stages::Stages;
use crate::{rules::Disqualifier, wildcard::Wildcard};

/// The most bytes one value in an event's properties can hold: an event weighs at
/// most this much (`leadscore::limits::MAX_EVENT_BYTES`).
pub const EVENT_VALUE_BYTES: u64 = 4_096;
/// The most bytes one value in a profile can hold (`MAX_PROFILE_BYTES`).
pub const PROFILE_VALUE_BYTES: u64 = 65_536;
/// The events a lead's history holds (`HISTORY_LIMIT`).
pub const HISTORY_EVENTS: u64 = 1_000;
/// The bytes a comparison reads in one step, and so the weight of a search.
pub const COMPARED_PER_STEP: u64 = 16;
/// The most a rule set may cost to score one lead, in steps (`tooCostly`).
pub const MAX_LEAD_COST: u64 = 250_000_000;

/// What scoring one lead may cost under these rules, in steps: the weight of the
/// profile conditions (fit rules and profile disqualifiers) over a profile value
/// of [`PROFILE_VALUE_BYTES`], once, plus, [`HISTORY_EVENTS`] times, the weight of
/// the `where` filters of every engagement rule, stage trigger and event
/// disqualifier of the event type whose filters weigh the most, over an event
/// value of [`EVENT_VALUE_BYTES`]: profile weight × 4,096 + event weight × 256,000.
pub fn lead_cost(
    fit: &[FitRule],
    engagement: &[EngagementRule],
    disqualifiers: &[Disqualifier],
    stages: &Stages,
) -> u64 {
    let (profile, event) = weights(fit, engagement, disqualifiers, stages);
    let per_pass = |bytes: u64| bytes / COMPARED_PER_STEP;
    profile
        .saturating_mul(per_pass(PROFILE_VALUE_BYTES))
        .saturating_add(event.saturating_mul(per_pass(EVENT_VALUE_BYTES)).saturating_mul(HISTORY_EVENTS))
}

/// The profile weight and the event weight (that of the heaviest event type).
pub fn weights(
    fit: &[FitRule],
    engagement: &[EngagementRule],
    disqualifiers: &[Disqualifier],
    stages: &Stages,
) -> (u64, u64) {
    let mut profile = 0u64;
    // Each matcher with what its rule reads of the event beyond the filter: a
    // points-per-unit rule's number, weighed as a comparison.
    let mut matchers: Vec<(&EventMatcher, u64)> =
        engagement.iter().map(|r| (&r.matcher, u64::from(matches!(r.award, Award::PerUnit { .. })))).collect();
    // A sequence's second matcher is offered each event of its types as a rule is.
    matchers.extend(engagement.iter().filter_map(|r| r.then().map(|m| (m, 0))));
    matchers.extend(stages.triggers().map(|t| (&t.matcher, 0)));
    for r in fit {
        profile = profile.saturating_add(r.when.weight());
    }
    for d in disqualifiers {
        match &d.test {
            DisqualifierTest::Profile(c) => profile = profile.saturating_add(c.weight()),
            DisqualifierTest::Event(m) => matchers.push((m, 0)),
        }
    }
    // Each type a matcher names, with the weight of its filter; summed by type.
    let (mut types, mut weights) = (Vec::new(), Vec::new());
    for (m, reads) in matchers {
        let w = m.filter.as_ref().map_or(0, Condition::weight).saturating_add(reads);
        for t in &m.types {
            types.push(&**t);
            weights.push(w);
        }
    }
    let (mut event, mut sum, mut last) = (0u64, 0u64, None);
    for i in name_order(&types) {
        let t = types.get(i).copied();
        if t != last {
            sum = 0;
            last = t;
        }
        sum = sum.saturating_add(weights.get(i).copied().unwrap_or(0));
        event = event.max(sum);
    }
    (profile, event)
}

impl Condition {
    /// How many passes testing the condition may make over the value of each
    /// field it tests, a search counting [`COMPARED_PER_STEP`], added up over its
    /// leaves (every leaf of an `all` or `any` may be tested).
    pub fn weight(&self) -> u64 {
        match self {
            Condition::All(cs) | Condition::Any(cs) => cs.iter().fold(0u64, |sum, c| sum.saturating_add(c.weight())),
            Condition::Not(c) => c.weight(),
            Condition::Leaf { test, .. } => test.weight(),
        }
    }
}

impl Test {
    /// Comparisons: 1 for `equals`, the numeric tests and `exists`; one per value
    /// of a short `in` list and ⌈log2 n⌉ + 1 for a long one (a binary search); one
    /// per text of `startsWith` and `endsWith`. Searches, [`COMPARED_PER_STEP`]
    /// each: one per text of `contains` and `word`; for `like`, one per pattern
    /// and one more per run of its characters between its first and last `*`. A
    /// number read from text, one more for the reading (of at most 17 bytes).
    /// `equalsField`, 2 comparisons; `sameDomainAs`, 2 searches.
    pub(crate) fn weight(&self) -> u64 {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        match self {
            Test::In(list) | Test::NotIn(list) => list_weight(list),
            Test::StartsWith(ns) | Test::EndsWith(ns) => count(ns.len()),
            Test::Contains(ns) | Test::Word(ns) => count(ns.len()).saturating_mul(COMPARED_PER_STEP),
            Test::Like(ps) => ps.iter().map(Wildcard::weight).fold(0u64, u64::saturating_add),
            Test::NumberFromText(test) => test.weight().saturating_add(1),
            // Two values read: compared, or each searched for its domain.
            Test::EqualsField(_) => 2,
            // An instant read (RFC 3339 text is at most a few dozen bytes).
            Test::WithinLast(_) | Test::WithinNext(_) => 1,
            Test::SameDomainAs(_) => 2 * COMPARED_PER_STEP,
            Test::Equals(_)
            | Test::Gt(_)
            | Test::Gte(_)
            | Test::Lt(_)
            | Test::Lte(_)
            | Test::Between(..)
            | Test::Exists(_) => 1,
        }
    }
}

fn list_weight(list: &ScalarList) -> u64 {
    let n = u64::try_from(list.len()).unwrap_or(u64::MAX);
    if list.is_sorted() {
        // ⌈log2 n⌉ + 1 comparisons.
        u64::from(u64::BITS - n.saturating_sub(1).leading_zeros()) + 1
    } else {
        n
    }
}

impl Wildcard {
    /// A search for the pattern, and one more for each run between its first and
    /// last `*`.
    fn weight(&self) -> u64 {
        u64::try_from(self.middle_runs()).unwrap_or(u64::MAX).saturating_add(1).saturating_mul(COMPARED_PER_STEP)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repository::{read_json, repository_rule_sets};
    use crate::ruleset::{compile_value, RuleSet};
    use serde_json::Value;

    fn cost(rs: &RuleSet) -> u64 {
        lead_cost(&rs.fit, &rs.engagement, &rs.disqualifiers, &rs.stages)
    }

    /// The examples cost what docs/RULESET.md (section 11) says, and every rule set
    /// of the examples, the benchmarks and the shared cases at most a tenth of the
    /// limit.
    #[test]
    fn the_repository_s_rule_sets_cost_a_fraction_of_the_limit() {
        let examples = [("b2b-saas", 6_299_648), ("domain-defaults", 905_216), ("product-led", 481_280)];
        for (name, expected) in examples {
            let rs = compile_value(&read_json(&format!("examples/{name}/ruleset.json"))).unwrap();
            assert_eq!(cost(&rs), expected, "{name}");
        }
        let compiled = repository_rule_sets();
        assert!(compiled.len() > 30, "{} rule sets", compiled.len());
        for rs in &compiled {
            assert!(cost(rs) <= MAX_LEAD_COST / 10, "{}: {}", rs.id, cost(rs));
        }
    }

    /// A points-per-unit rule reads a number of each event of its types: 1 each, as
    /// a comparison; the other kinds read nothing beyond their filters.
    #[test]
    fn a_points_per_unit_rule_weighs_as_a_comparison() {
        let rules = |extra: Value| {
            let mut doc = serde_json::json!({"schema": "leadscore.ruleset/v1", "id": "c", "version": "1", "engagement": [
                {"id": "f", "event": "v", "points": 1, "where": {"field": "u", "equals": "x"}}]});
            doc["engagement"].as_array_mut().unwrap().push(extra);
            cost(&compile_value(&doc).unwrap())
        };
        let per_event = 256_000;
        assert_eq!(rules(serde_json::json!({"id": "p", "event": "v", "points": 1, "perUnit": "n"})), 2 * per_event);
        assert_eq!(rules(serde_json::json!({"id": "p", "event": "w", "points": 1, "perUnit": "n"})), per_event);
        for kind in [
            serde_json::json!({"count": {"every": 3}}),
            serde_json::json!({"days": {"atLeast": 3, "utcOffset": "+01:00"}}),
        ] {
            let mut rule = serde_json::json!({"id": "k", "event": "v", "points": 1});
            rule.as_object_mut().unwrap().extend(kind.as_object().unwrap().clone());
            assert_eq!(rules(rule), per_event);
        }
    }

    /// A sequence's second matcher weighs toward its own types, as a rule's does.
    #[test]
    fn a_sequence_s_second_filter_weighs_toward_its_types() {
        let doc = serde_json::json!({"schema": "leadscore.ruleset/v1", "id": "c", "version": "1", "engagement": [
            {"id": "s", "event": "v", "points": 1, "where": {"field": "u", "equals": "x"},
             "then": {"event": ["v", "w"], "where": {"field": "f", "in": ["a", "b", "c"]}}}]});
        assert_eq!(cost(&compile_value(&doc).unwrap()), (1 + 3) * 256_000);
    }

    #[test]
    fn weights() {
        let weight = |c: Value| crate::condition::compile(&c, "", &mut vec![]).unwrap().weight();
        let many = |n: usize| Value::from((0..n).map(|i| format!("v{i}")).collect::<Vec<_>>());
        assert_eq!(weight(serde_json::json!({"field": "a", "equals": "x"})), 1);
        assert_eq!(weight(serde_json::json!({"field": "a", "in": many(16)})), 16);
        assert_eq!(weight(serde_json::json!({"field": "a", "in": many(17)})), 6);
        assert_eq!(weight(serde_json::json!({"field": "a", "notIn": many(10_000)})), 15);
        assert_eq!(weight(serde_json::json!({"field": "a", "word": many(7)})), 7 * 16);
        assert_eq!(weight(serde_json::json!({"field": "a", "startsWith": many(7)})), 7);
        assert_eq!(
            weight(serde_json::json!({"field": "a", "like": ["/docs/*", "*@gmail.*", "*a?b*c", "**x**"]})),
            8 * 16
        );
        let tree = serde_json::json!({"all": [{"not": {"field": "a", "exists": true}}, {"any": [
            {"field": "b", "contains": ["x", "y"]}, {"field": "c", "between": [1, 2]}]}]});
        assert_eq!(weight(tree), 1 + 2 * 16 + 1);
    }
}
