//! Warnings: what a valid rule set says that is probably not meant (docs/RULESET.md,
//! "Warnings"). They are found after the rule set compiled, from the compiled rules
//! and the JSON as written (a duration's unit is gone once compiled), and change
//! nothing of what compiles or how it scores.

use crate::error::{index, join, quoted, Problem};
use crate::rules::{Award, EngagementRule};
use crate::ruleset::{best_cases, RuleSet};
use crate::stages::fmt_points;
use serde_json::Value;

/// A warning has the shape of a problem: a JSON path, a stable code and a message.
pub type Warning = Problem;

/// The keys whose values are durations, as rules, recency and triggers name them.
const DURATION_KEYS: [&str; 3] = ["halfLife", "expireAfter", "within"];

/// The warnings of `rs`, compiled from `doc` without a problem.
pub fn warnings(doc: &Value, rs: &RuleSet) -> Vec<Warning> {
    let mut w = Vec::new();
    for key in ["recency", "fit", "engagement", "disqualifiers", "stages"] {
        if let Some(v) = doc.get(key) {
            minute_durations(v, key, &mut w);
        }
    }
    let top_half_life = doc.get("recency").and_then(|r| r.get("halfLife")).and_then(Value::as_str);
    let written = doc.get("engagement").and_then(Value::as_array);
    for (i, rule) in rs.engagement.iter().enumerate() {
        let Some(json) = written.and_then(|list| list.get(i)) else { continue };
        engagement_warnings(rule, json, &index("engagement", i), top_half_life, &mut w);
    }
    unreachable_cutoffs(doc, rs, &mut w);
    w
}

/// `minutesDuration`: a duration written in minutes, under an hour, anywhere outside
/// conditions and the event vocabulary.
fn minute_durations(v: &Value, path: &str, w: &mut Vec<Warning>) {
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| minute_durations(x, &index(path, i), w)),
        Value::Object(o) => {
            for (k, x) in o {
                let at = join(path, k);
                match x {
                    Value::String(text) if DURATION_KEYS.contains(&k.as_str()) => minutes_warning(text, at, w),
                    // Conditions test values; a key named `within` there is not a
                    // duration, but the argument of `withinLast` / `withinNext` is.
                    _ if k == "where" || k == "when" => condition_durations(x, &at, w),
                    _ => minute_durations(x, &at, w),
                }
            }
        }
        _ => {}
    }
}

/// `minutesDuration` in a condition: the durations of `withinLast` and `withinNext`.
fn condition_durations(v: &Value, path: &str, w: &mut Vec<Warning>) {
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| condition_durations(x, &index(path, i), w)),
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("withinLast" | "withinNext", Value::String(text)) => minutes_warning(text, join(path, k), w),
                    ("all" | "any" | "not", x) => condition_durations(x, &join(path, k), w),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// Warns of `text` at `at` when it is a duration in minutes, under an hour.
fn minutes_warning(text: &str, at: String, w: &mut Vec<Warning>) {
    if let Some(minutes) = minutes_under_an_hour(text) {
        w.push(Warning::new(
            at,
            "minutesDuration",
            format!(
                "{} is {minutes} minute{}, not days or hours: write \"{minutes}d\" for days or \"{minutes}h\" for \
                 hours, or \"{}s\" if minutes are meant",
                quoted(text),
                if minutes == 1 { "" } else { "s" },
                minutes * 60
            ),
        ));
    }
}

/// The minutes of a duration written with the unit `m` (minutes, not `ms`) that is
/// less than an hour: `"6m"` is 6, `"90m"` and `"6h"` are `None`.
fn minutes_under_an_hour(text: &str) -> Option<u32> {
    let digits = text.strip_suffix('m')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().filter(|m| (1..60).contains(m))
}

fn engagement_warnings(
    rule: &EngagementRule,
    json: &Value,
    path: &str,
    top_half_life: Option<&str>,
    w: &mut Vec<Warning>,
) {
    let own_recency = json.get("recency");
    // `unreachableDays`: a window shorter than the days it asks for.
    if let Award::Days { at_least, within: Some(window), .. } = rule.award {
        let most = most_days_within(window);
        if i64::from(at_least) > most {
            w.push(Warning::new(
                join(path, "days.atLeast"),
                "unreachableDays",
                format!(
                    "events at most {} old fall on at most {most} different days, so this rule never fires: ask for \
                     {most} days or fewer, or a longer \"within\"",
                    json.pointer("/days/within").and_then(Value::as_str).unwrap_or("that")
                ),
            ));
        }
    }
    if let (Award::Every { cap: Some(cap), .. }, true) = (&rule.award, rule.points < 0) {
        cap_on_negative(*cap, rule, path, w);
    }
    let (cap, once) = match rule.award {
        Award::PerOccurrence { cap, once } | Award::PerUnit { cap, once, .. } => (cap, once),
        _ => return,
    };
    // `recencyDropsDecay`: an own recency object without `halfLife` replaces the rule
    // set's, decay included. `"none"` says "no decay" in so many words: no warning.
    // A `once` rule is left out: no decay is what `onceDecays` advises for it.
    if let (Some(Value::Object(own)), Some(half_life), false) = (own_recency, top_half_life, once) {
        if !own.contains_key("halfLife") {
            let mut keep = format!("\"halfLife\": {}", quoted(half_life));
            if let Some(expire) = own.get("expireAfter").and_then(Value::as_str) {
                keep.push_str(&format!(", \"expireAfter\": {}", quoted(expire)));
            }
            w.push(Warning::new(
                join(path, "recency"),
                "recencyDropsDecay",
                format!(
                    "a rule's own \"recency\" replaces the rule set's whole, so this rule's points do not decay \
                     although the rule set's halve every {}: to keep the decay write \"recency\": {{{keep}}}; for \
                     no decay and no expiry write \"recency\": \"none\"",
                    quoted(half_life)
                ),
            ));
        }
    }
    // `onceDecays`: a `once` rule taking the rule set's half-life.
    if once && own_recency.is_none() && rule.recency.half_life.is_some() {
        if let Some(half_life) = top_half_life {
            w.push(Warning::new(
                join(path, "once"),
                "onceDecays",
                format!(
                    "this \"once\" rule takes the rule set's half-life of {}: its {} points halve as its newest \
                     event ages; to award them in full write \"recency\": \"none\" on the rule (or an \"expireAfter\" \
                     alone), or write the \"halfLife\" in the rule's own \"recency\" if the decay is meant",
                    quoted(half_life),
                    fmt_points(rule.points)
                ),
            ));
        }
    }
    if let (Some(cap), true) = (cap, rule.points < 0) {
        cap_on_negative(cap, rule, path, w);
    }
}

/// The most different days events at most `window` ms old can fall on: a window of
/// whole days d touches d + 1 days (both edges are in it), any other ⌈d⌉ + 1.
fn most_days_within(window: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    window / DAY + if window % DAY == 0 { 1 } else { 2 }
}

/// `capOnNegative`: the cap bounds what the rule subtracts, not the score.
fn cap_on_negative(cap: i64, rule: &EngagementRule, path: &str, w: &mut Vec<Warning>) {
    let once = match rule.award {
        Award::Every { .. } => "\"count\": {\"atLeast\": …}",
        _ => "\"once\": true",
    };
    w.push(Warning::new(
        join(path, "cap"),
        "capOnNegative",
        format!(
            "on a negative rule \"cap\" limits how much the rule subtracts (at most {} in all), not how low the \
             score goes: to subtract once write {once} instead; to keep the total from going below 0 write \
             \"total\": {{\"floorAtZero\": true}}",
            fmt_points(cap)
        ),
    ));
}

/// `unreachableCutoff`: a band or grade cut-off written in the rule set that is above
/// the best case (as for stage thresholds, which are refused instead).
fn unreachable_cutoffs(doc: &Value, rs: &RuleSet, w: &mut Vec<Warning>) {
    let best = best_cases(&rs.fit, &rs.engagement, &rs.groups, rs.total);
    let mut check = |path: String, need: i64, max: Option<i64>, what: &str, name: String| {
        if let Some(max) = max.filter(|max| need > *max) {
            w.push(Warning::new(
                path,
                "unreachableCutoff",
                format!(
                    "{name} starts at {} but at most {} {what} points are possible with these rules, caps and \
                     limits, so no lead is ever in it: lower the cut-off to {} or less",
                    fmt_points(need),
                    fmt_points(max),
                    fmt_points(max)
                ),
            ));
        }
    };
    if doc.get("bands").is_some() {
        for (i, band) in rs.bands.iter().enumerate() {
            if let Some(need) = band.at_least {
                check(
                    join(&index("bands", i), "atLeast"),
                    need,
                    best.total,
                    "total",
                    format!("band \"{}\"", band.name),
                );
            }
        }
    }
    if let Some(grades) = doc.get("grades") {
        for (key, cuts, max, names) in [
            ("fit", rs.grades.fit, best.fit, ["grade A", "grade B", "grade C"]),
            ("engagement", rs.grades.engagement, best.engagement, ["level 1", "level 2", "level 3"]),
        ] {
            if grades.get(key).is_none() {
                continue;
            }
            for (k, (need, name)) in cuts.into_iter().zip(names).enumerate() {
                check(index(&join("grades", key), k), need, max, key, name.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::repository::read_json;
    use crate::ruleset::compile_value;
    use serde_json::{json, Value};

    /// The warnings of a rule set made of the top-level keys `extra`, with one fit
    /// rule worth 10, as (path, code).
    fn warned(extra: Value) -> Vec<(String, &'static str)> {
        let mut doc = json!({
            "schema": "leadscore.ruleset/v1", "id": "w", "version": "1",
            "fit": [{"id": "f", "points": 10, "when": {"field": "title", "equals": "VP"}}]
        });
        for (k, v) in extra.as_object().unwrap() {
            doc[k] = v.clone();
        }
        let rs = compile_value(&doc).unwrap_or_else(|e| panic!("{e}"));
        rs.warnings.iter().map(|w| (w.path.clone(), w.code)).collect()
    }

    fn at(path: &str, code: &'static str) -> Vec<(String, &'static str)> {
        vec![(path.to_string(), code)]
    }

    #[test]
    fn a_duration_under_an_hour_in_minutes_warns_wherever_durations_are() {
        assert_eq!(warned(json!({"recency": {"halfLife": "6m"}})), at("recency.halfLife", "minutesDuration"));
        // The later features' durations: a disqualifier's window, a profile date.
        let window = json!({"disqualifiers": [{"id": "d", "event": "bounce", "within": "6m"}]});
        assert_eq!(warned(window), at("disqualifiers[0].within", "minutesDuration"));
        let date = json!({"fit": [{"id": "f", "points": 1, "when": {"not": {"field": "t", "withinLast": "14m"}}}]});
        assert_eq!(warned(date), at("fit[0].when.not.withinLast", "minutesDuration"));
        assert_eq!(
            warned(json!({"engagement": [{"id": "e", "event": "v", "points": 1, "recency": {"expireAfter": "59m"}}]})),
            at("engagement[0].recency.expireAfter", "minutesDuration")
        );
        assert_eq!(
            warned(
                json!({"engagement": [{"id": "e", "event": "v", "points": 1, "count": {"atLeast": 2, "within": "1m"}}]})
            ),
            at("engagement[0].count.within", "minutesDuration")
        );
        let trigger = json!({"stages": {"sql": {"on": [{"event": "demo", "within": "30m"}]}}});
        assert_eq!(warned(trigger), at("stages.sql.on[0].within", "minutesDuration"));
        // An hour or more, another unit, milliseconds, or a condition's text: nothing.
        for d in ["60m", "90m", "6h", "6d", "360s", "6ms"] {
            assert_eq!(warned(json!({"recency": {"halfLife": d}})), vec![], "{d}");
        }
        let text = json!({"engagement": [{"id": "e", "event": "v", "points": 1, "where": {"field": "within", "equals": "6m"}}]});
        assert_eq!(warned(text), vec![]);
        let w = &compile_value(
            &json!({"schema": "leadscore.ruleset/v1", "id": "w", "version": "1", "recency": {"halfLife": "6m"}}),
        )
        .unwrap()
        .warnings[0];
        assert!(
            w.message.starts_with("\"6m\" is 6 minutes")
                && w.message.contains("\"6d\"")
                && w.message.contains("\"360s\""),
            "{}",
            w.message
        );
    }

    #[test]
    fn an_own_recency_without_half_life_warns_when_the_rule_set_decays() {
        let rule = json!({"id": "e", "event": "v", "points": 5, "recency": {"expireAfter": "7d"}});
        let w = warned(json!({"recency": {"halfLife": "30d"}, "engagement": [rule.clone()]}));
        assert_eq!(w, at("engagement[0].recency", "recencyDropsDecay"));
        // No decay at the top, "none" said outright, a half-life of its own, or a once rule: nothing.
        assert_eq!(warned(json!({"recency": {"expireAfter": "90d"}, "engagement": [rule]})), vec![]);
        for own in [json!("none"), json!({"halfLife": "7d"})] {
            let rule = json!({"id": "e", "event": "v", "points": 5, "recency": own});
            assert_eq!(warned(json!({"recency": {"halfLife": "30d"}, "engagement": [rule]})), vec![]);
        }
        let once = json!({"id": "e", "event": "v", "points": 5, "once": true, "recency": {"expireAfter": "7d"}});
        assert_eq!(warned(json!({"recency": {"halfLife": "30d"}, "engagement": [once]})), vec![]);
        // A count rule never decays: its recency drops nothing.
        let count =
            json!({"id": "e", "event": "v", "points": 5, "count": {"atLeast": 2}, "recency": {"expireAfter": "7d"}});
        assert_eq!(warned(json!({"recency": {"halfLife": "30d"}, "engagement": [count]})), vec![]);
    }

    #[test]
    fn a_once_rule_taking_the_rule_sets_half_life_warns() {
        let once = json!({"id": "e", "event": "v", "points": 5, "once": true});
        assert_eq!(
            warned(json!({"recency": {"halfLife": "30d"}, "engagement": [once.clone()]})),
            at("engagement[0].once", "onceDecays")
        );
        assert_eq!(warned(json!({"recency": {"expireAfter": "30d"}, "engagement": [once]})), vec![]);
        let own = json!({"id": "e", "event": "v", "points": 5, "once": true, "recency": {"halfLife": "7d"}});
        assert_eq!(warned(json!({"recency": {"halfLife": "30d"}, "engagement": [own]})), vec![]);
    }

    #[test]
    fn a_cap_on_a_negative_rule_warns() {
        let rule = |points: i64| json!({"id": "e", "event": "v", "points": points, "cap": 20});
        assert_eq!(warned(json!({"engagement": [rule(-5)]})), at("engagement[0].cap", "capOnNegative"));
        assert_eq!(warned(json!({"engagement": [rule(5)]})), vec![]);
        // A repeating rule and a points-per-unit rule bound what they subtract alike.
        let every = json!({"id": "e", "event": "v", "points": -5, "cap": 20, "count": {"every": 2}});
        let doc = json!({"schema": "leadscore.ruleset/v1", "id": "w", "version": "1", "engagement": [every]});
        let w = compile_value(&doc).unwrap_or_else(|e| panic!("{e}")).warnings;
        assert_eq!(
            w.iter().map(|w| (w.path.as_str(), w.code)).collect::<Vec<_>>(),
            [("engagement[0].cap", "capOnNegative")]
        );
        assert!(w[0].message.contains("\"count\": {\"atLeast\": …}"), "{}", w[0].message);
        let per_unit = json!({"id": "e", "event": "v", "points": -1, "cap": 20, "perUnit": "seats"});
        assert_eq!(warned(json!({"engagement": [per_unit]})), at("engagement[0].cap", "capOnNegative"));
    }

    #[test]
    fn a_sequence_gap_in_minutes_warns() {
        let rule =
            |within: &str| json!({"id": "e", "event": "v", "points": 5, "then": {"event": "d", "within": within}});
        assert_eq!(warned(json!({"engagement": [rule("6m")]})), at("engagement[0].then.within", "minutesDuration"));
        assert_eq!(warned(json!({"engagement": [rule("6d")]})), vec![]);
    }

    #[test]
    fn a_days_rule_asking_for_more_days_than_its_window_touches_warns() {
        let rule = |at_least: u32, within: &str| json!({"id": "e", "event": "v", "points": 5, "days": {"atLeast": at_least, "within": within}});
        // 2 whole days touch 3 days; 36 hours touch 3 too; 1 ms touches 2.
        assert_eq!(warned(json!({"engagement": [rule(3, "2d")]})), vec![]);
        assert_eq!(warned(json!({"engagement": [rule(4, "2d")]})), at("engagement[0].days.atLeast", "unreachableDays"));
        assert_eq!(warned(json!({"engagement": [rule(3, "36h")]})), vec![]);
        assert_eq!(
            warned(json!({"engagement": [rule(4, "36h")]})),
            at("engagement[0].days.atLeast", "unreachableDays")
        );
        assert_eq!(warned(json!({"engagement": [rule(2, "1ms")]})), vec![]);
        assert_eq!(
            warned(json!({"engagement": [rule(3, "1ms")]})),
            at("engagement[0].days.atLeast", "unreachableDays")
        );
    }

    #[test]
    fn a_points_per_unit_rule_warns_as_a_per_occurrence_rule() {
        let own =
            json!({"id": "e", "event": "v", "points": 1, "perUnit": "minutes", "recency": {"expireAfter": "60d"}});
        assert_eq!(
            warned(json!({"recency": {"halfLife": "30d"}, "engagement": [own]})),
            at("engagement[0].recency", "recencyDropsDecay")
        );
    }

    #[test]
    fn a_band_or_grade_no_lead_can_reach_warns() {
        // Best total: fit 10 + a once rule's 5 + a group capped at 8 holding 20 = 23.
        let engagement = json!([
            {"id": "o", "event": "v", "points": 5, "once": true},
            {"id": "g", "event": "d", "points": 20, "once": true, "group": "web"}
        ]);
        let base =
            |bands: Value| json!({"groups": {"web": {"cap": 8}}, "engagement": engagement.clone(), "bands": bands});
        let band = |at: f64| json!([{"name": "hot", "atLeast": at}, {"name": "cold"}]);
        assert_eq!(warned(base(band(23.01))), at("bands[0].atLeast", "unreachableCutoff"));
        assert_eq!(warned(base(band(23.0))), vec![]);
        // total.max limits the best total.
        let mut limited = base(band(21.0));
        limited["total"] = json!({"max": 20});
        assert_eq!(warned(limited), at("bands[0].atLeast", "unreachableCutoff"));
        // An uncapped per-occurrence rule is unbounded: nothing is provable.
        let unbounded = json!({"engagement": [{"id": "u", "event": "v", "points": 1}], "bands": band(1000.0)});
        assert_eq!(warned(unbounded), vec![]);
        // Grades: best fit 10 (A at 50, B at 30 unreachable; C at 10 reachable); best engagement 13.
        let grades = json!({"groups": {"web": {"cap": 8}}, "engagement": engagement,
            "grades": {"fit": [50, 30, 10], "engagement": [14, 13, 1]}});
        assert_eq!(
            warned(grades),
            vec![
                ("grades.fit[0]".to_string(), "unreachableCutoff"),
                ("grades.fit[1]".to_string(), "unreachableCutoff"),
                ("grades.engagement[0]".to_string(), "unreachableCutoff"),
            ]
        );
        // The default grades and bands are not the author's: nothing.
        assert_eq!(warned(json!({})), vec![]);
    }

    #[test]
    fn warnings_are_not_part_of_the_compiled_form() {
        let doc = json!({"schema": "leadscore.ruleset/v1", "id": "w", "version": "1", "recency": {"halfLife": "6m"},
            "engagement": [{"id": "e", "event": "v", "points": -1, "cap": 3}]});
        let rs = compile_value(&doc).unwrap();
        assert_eq!(rs.warnings.len(), 2);
        let bytes = crate::compiled::write_rule_set(&rs);
        let read = crate::compiled::read(&crate::compiled::write(&rs, "test")).unwrap();
        assert!(read.warnings.is_empty());
        assert_eq!(crate::compiled::write_rule_set(&read), bytes);
    }

    /// The examples say what they mean: no warning (their decaying `once` rules
    /// write their half-life themselves).
    #[test]
    fn the_examples_warn_of_nothing() {
        for name in ["b2b-saas", "domain-defaults", "product-led"] {
            let rs = compile_value(&read_json(&format!("examples/{name}/ruleset.json"))).unwrap();
            let got: Vec<(&str, &str)> = rs.warnings.iter().map(|w| (w.path.as_str(), w.code)).collect();
            assert_eq!(got, Vec::<(&str, &str)>::new(), "{name}");
        }
    }
}
