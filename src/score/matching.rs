//! What a lead's profile and each of its events match under one rule set, whatever
//! `now` is: the part of scoring a session can keep from one evaluation to the next.

use super::filter_cache::{self, Key};
use crate::engine::{Engine, ProfileTest, Target, TypeEntry};
use crate::event::Event;
use crate::explain::SkipReason;
use crate::rules::DisqualifierTest;
use leadscore_rules::condition::Condition;
use serde_json::{Map, Value};

/// What an event counts for under one rule set, whatever `now` is: what a session
/// keeps per held event and engine, so that evaluating it again tests no filters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventMatch {
    /// Never scored by this rule set, and why: anonymous history, an unknown type
    /// or a property of the wrong type.
    Never(SkipReason),
    /// The rules, stage triggers and disqualifiers whose type and filter it
    /// matches, as bits: the rules and triggers numbered as [`hit_slot`] numbers
    /// them, the disqualifiers after. No allocation of its own, since a session keeps
    /// one per held event and rule set.
    Targets(u64),
    /// The same, listed, for a rule set with more than 64 of them.
    Listed(Box<[Target]>),
}

impl EventMatch {
    /// Calls `f` with each target the event matched, in the order the index lists
    /// them (rules, then triggers, then disqualifiers).
    pub(crate) fn for_each_target(&self, engine: &Engine, mut f: impl FnMut(Target)) {
        match self {
            EventMatch::Never(_) => {}
            EventMatch::Targets(bits) => {
                let (rules, triggers) = (engine.rules.engagement.len(), engine.rules.stages.trigger_count());
                let disqualifiers = engine.rules.disqualifiers.len();
                set_bits(*bits).for_each(|bit| {
                    f(match bit.checked_sub(rules) {
                        None => Target::Rule(bit),
                        Some(k) if k < triggers => Target::Trigger(k),
                        Some(k) if k < triggers + disqualifiers => Target::Disqualifier(k - triggers),
                        Some(k) => Target::Then(k - triggers - disqualifiers),
                    })
                });
            }
            EventMatch::Listed(targets) => targets.iter().for_each(|t| f(*t)),
        }
    }

    /// Calls `f` with the [`hit_slot`] of each rule and trigger the event matched, of
    /// a rule set with `rules` engagement rules.
    pub(crate) fn for_each_hit_slot(&self, rules: usize, f: impl FnMut(usize)) {
        match self {
            EventMatch::Never(_) => {}
            // Disqualifiers' and sequences' bits come after every slot: the caller's
            // slice ends first.
            EventMatch::Targets(bits) => set_bits(*bits).for_each(f),
            EventMatch::Listed(targets) => targets.iter().filter_map(|t| hit_slot(*t, rules)).for_each(f),
        }
    }
}

/// The numbers of the bits set in `bits`, lowest first.
fn set_bits(bits: u64) -> impl Iterator<Item = usize> {
    let mut left = bits;
    std::iter::from_fn(move || {
        let bit = (left != 0).then(|| left.trailing_zeros() as usize)?;
        left &= left - 1;
        Some(bit)
    })
}

/// What a lead's profile matches under one rule set: each fit rule, and each
/// disqualifier that tests the profile. A session keeps it until the profile changes.
/// A condition that depends on `now` (a date relative to it) is kept as not holding
/// and tested again at each `now` (`now_dependent` says whether there is one).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProfileMatch {
    pub(crate) fit: Vec<bool>,
    pub(crate) disqualifiers: Vec<bool>,
    pub(crate) now_dependent: bool,
}

impl ProfileMatch {
    /// Whether the kept answer for `c` stands at any `now`.
    pub(crate) fn stands(&self, c: &Condition) -> bool {
        !self.now_dependent || !c.depends_on_now()
    }
}

pub(crate) fn match_profile(engine: &Engine, profile: &Map<String, Value>) -> ProfileMatch {
    let mut m = ProfileMatch {
        fit: vec![false; engine.rules.fit.len()],
        disqualifiers: vec![false; engine.rules.disqualifiers.len()],
        now_dependent: false,
    };
    profile_held(engine, profile, None, &mut m.fit, &mut m.disqualifiers);
    let profile_tests = engine.rules.disqualifiers.iter().filter_map(|d| match &d.test {
        DisqualifierTest::Profile(c) => Some(c),
        DisqualifierTest::Event(_) => None,
    });
    m.now_dependent = engine.rules.fit.iter().map(|r| &r.when).chain(profile_tests).any(Condition::depends_on_now);
    m
}

/// Sets, per fit rule in `fit` and per disqualifier testing the profile in
/// `disqualifiers`, whether `profile` meets it (the flags of event disqualifiers
/// are left as they are), at `now` (`None`: tests of dates relative to `now` do not
/// hold). Tests that read one field, and not `now`, are worked out per value of it,
/// through the filter cache.
pub(crate) fn profile_held(
    engine: &Engine,
    profile: &Map<String, Value>,
    now: Option<i64>,
    fit: &mut [bool],
    disqualifiers: &mut [bool],
) {
    let condition = |t: ProfileTest| match t {
        ProfileTest::Fit(i) => engine.rules.fit.get(i).map(|r| &r.when),
        ProfileTest::Disqualifier(k) => match engine.rules.disqualifiers.get(k).map(|d| &d.test) {
            Some(DisqualifierTest::Profile(c)) => Some(c),
            _ => None,
        },
    };
    let meets = |t: ProfileTest| condition(t).is_some_and(|c| c.matches_at(profile, now));
    let mut set = |t: ProfileTest, held: bool| {
        let flag = match t {
            ProfileTest::Fit(i) => fit.get_mut(i),
            ProfileTest::Disqualifier(k) => disqualifiers.get_mut(k),
        };
        if let Some(flag) = flag {
            *flag = held;
        }
    };
    for (n, (field, tests)) in engine.profile_index.by_field.iter().enumerate() {
        let test = || {
            tests.iter().enumerate().fold(0u64, |bits, (j, t)| match meets(*t) {
                true => bits | 1u64.checked_shl(j as u32).unwrap_or(0),
                false => bits,
            })
        };
        let number = filter_cache::PROFILE_FIELD | u32::try_from(n).unwrap_or(u32::MAX >> 1);
        let bits = match Key::of_values(std::iter::once(profile.get(&**field))) {
            Some(key) => filter_cache::held(engine.serial, number, &key, test),
            None => test(),
        };
        for (j, t) in tests.iter().enumerate() {
            set(*t, bits.checked_shr(j as u32).is_some_and(|b| b & 1 == 1));
        }
    }
    for t in &engine.profile_index.others {
        set(*t, meets(*t));
    }
}

/// Where scoring finds what the profile and each event match.
#[derive(Clone, Copy)]
pub(crate) enum Matches<'m> {
    /// Worked out as scoring goes (batch scoring).
    Live,
    /// Kept by a session: one per event (see [`match_event`]) and the profile's.
    /// What is not matched yet (`None`) is worked out as with `Live`.
    Kept { events: &'m [Option<EventMatch>], profile: Option<&'m ProfileMatch> },
}

/// What `e` counts for under `engine`, whatever `now` is.
pub(crate) fn match_event(engine: &Engine, e: &Event) -> EventMatch {
    let (rules, triggers) = (engine.rules.engagement.len(), engine.rules.stages.trigger_count());
    let disqualifiers = engine.rules.disqualifiers.len();
    let bit = |t: Target| match t {
        Target::Rule(i) => i,
        Target::Trigger(k) => rules + k,
        Target::Disqualifier(k) => rules + triggers + k,
        // Numbered by the rule: bits past the last sequence rule's stay unset.
        Target::Then(i) => rules + triggers + disqualifiers + i,
    };
    let last_then = engine.rules.engagement.iter().rposition(|r| r.then().is_some()).map_or(0, |i| i + 1);
    match matched_targets(engine, e) {
        Err(why) => EventMatch::Never(why),
        Ok(targets) if rules + triggers + disqualifiers + last_then > 64 => EventMatch::Listed(targets.collect()),
        Ok(targets) => {
            EventMatch::Targets(targets.fold(0, |bits, t| bits | 1u64.checked_shl(bit(t) as u32).unwrap_or(0)))
        }
    }
}

/// [`match_event`] as it goes, without collecting: the targets whose type and
/// filter `e` passes, or why the rule set never scores it.
pub(crate) fn matched_targets<'a>(
    engine: &'a Engine,
    e: &'a Event,
) -> Result<impl Iterator<Item = Target> + 'a, SkipReason> {
    let entry = engine.index.entry(&e.kind);
    static_admission(engine, entry, e)?;
    let targets = entry.map_or(&[][..], |en| en.targets.as_slice());
    let held = entry.and_then(|en| filters_held(engine, en, e));
    Ok(targets
        .iter()
        .enumerate()
        .filter(move |(j, t)| match held {
            Some(bits) => bits.checked_shr(*j as u32).is_some_and(|b| b & 1 == 1),
            None => filter_holds(engine, **t, e),
        })
        .map(|(_, t)| *t))
}

/// Per target of `entry`, as bit `j` for the `j`th, whether `e` passes its `where`
/// filter: from the filter cache when the values read fit a key, else tested. `None`
/// for an entry of more than 64 targets, whose filters are tested one by one.
fn filters_held(engine: &Engine, entry: &TypeEntry, e: &Event) -> Option<u64> {
    if entry.targets.len() > 64 {
        return None;
    }
    if entry.reads.is_empty() {
        // No filter: every target passes.
        return Some(u64::MAX);
    }
    let test = || {
        entry.targets.iter().enumerate().fold(0u64, |bits, (j, t)| match filter_holds(engine, *t, e) {
            true => bits | 1u64.checked_shl(j as u32).unwrap_or(0),
            false => bits,
        })
    };
    Some(match Key::of(&entry.reads, &e.properties) {
        Some(key) => filter_cache::held(engine.serial, entry.number, &key, test),
        None => test(),
    })
}

/// Whether `e` passes the `where` filter of what `target` names.
fn filter_holds(engine: &Engine, target: Target, e: &Event) -> bool {
    match target {
        Target::Rule(i) => engine.rules.engagement.get(i).is_some_and(|r| r.matcher.filter_holds(&e.properties)),
        Target::Trigger(k) => engine.rules.stages.trigger(k).is_some_and(|t| t.matcher.filter_holds(&e.properties)),
        Target::Disqualifier(k) => {
            matches!(engine.rules.disqualifiers.get(k).map(|d| &d.test), Some(DisqualifierTest::Event(m)) if m.filter_holds(&e.properties))
        }
        Target::Then(i) => {
            engine.rules.engagement.get(i).and_then(|r| r.then()).is_some_and(|m| m.filter_holds(&e.properties))
        }
    }
}

/// The checks of an event that do not depend on `now`: whether this rule set ever
/// scores it, and if not why. (Events after `now` are set aside before these.)
pub(super) fn static_admission(engine: &Engine, entry: Option<&TypeEntry>, e: &Event) -> Result<(), SkipReason> {
    if e.anonymous && !engine.rules.count_anonymous {
        return Err(SkipReason::AnonymousHistory);
    }
    if engine.index.vocabulary_declared {
        let Some(declared) = entry.and_then(|en| en.declared.as_ref()) else {
            return Err(SkipReason::UnknownType);
        };
        let wrong = e.properties.iter().any(|(k, v)| declared.get(k).is_some_and(|ty| !ty.admits(v)));
        if wrong {
            return Err(SkipReason::WrongPropertyType);
        }
    }
    Ok(())
}

/// Where each target of an event counts in a session's hit counts: engagement
/// rules first, then stage triggers (see [`stage_ceiling`]); disqualifiers do not.
pub(crate) fn hit_slot(target: Target, rules: usize) -> Option<usize> {
    match target {
        Target::Rule(i) => Some(i),
        Target::Trigger(k) => Some(rules + k),
        Target::Disqualifier(_) | Target::Then(_) => None,
    }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use serde_json::json;

    /// The targets `e` matches with every filter tested, and the steps that took.
    fn uncached(engine: &Engine, e: &Event) -> (Vec<Target>, u64) {
        let before = leadscore_rules::meter::steps();
        let targets = engine
            .index
            .entry(&e.kind)
            .map_or(vec![], |en| en.targets.iter().copied().filter(|t| filter_holds(engine, *t, e)).collect());
        (targets, leadscore_rules::meter::steps() - before)
    }

    fn cached(engine: &Engine, e: &Event) -> (Vec<Target>, u64) {
        let before = leadscore_rules::meter::steps();
        let targets = matched_targets(engine, e).map_or(vec![], Iterator::collect);
        (targets, leadscore_rules::meter::steps() - before)
    }

    /// Flooded with many more distinct values than it has slots, by two rule sets
    /// at once, the cache holds its fixed number of slots and every answer, first
    /// or again, is what testing the filters gives, with the same steps charged.
    #[test]
    fn a_flooded_filter_cache_stays_bounded_and_right() {
        let doc = |prefix: &str| {
            json!({"schema": "leadscore.ruleset/v1", "id": "t", "version": "1", "engagement": [
                {"id": "pricing", "event": "page_view", "points": 1, "where": {"field": "url", "equals": "/pricing"}},
                {"id": "docs", "event": "page_view", "points": 1, "where": {"field": "url", "startsWith": prefix}},
                {"id": "long", "event": "page_view", "points": 1,
                    "where": {"all": [{"field": "seconds", "gt": 30}, {"field": "url", "contains": "7"}]}},
                {"id": "any", "event": "page_view", "points": 1},
                {"id": "form", "event": "form_submit", "points": 1, "where": {"field": "form", "in": ["demo", "x"]}}]})
        };
        let engines = [Engine::from_value(&doc("/docs/")).unwrap(), Engine::from_value(&doc("/docs/1")).unwrap()];
        let events: Vec<Event> = (0..4 * filter_cache::SLOTS)
            .map(|i| {
                let url = match i % 4 {
                    0 => "/pricing".to_string(),
                    1 => format!("/docs/{i}"),
                    // Too long for a key: tested every time.
                    2 => format!("/docs/{}", "a".repeat(60 + i % 3)),
                    _ => format!("/p/{i}"),
                };
                let seconds = if i % 3 == 0 { json!(i % 60) } else { json!((i % 60) as f64 + 0.5) };
                let v = if i % 5 == 0 {
                    json!({"type": "form_submit", "ts": 1, "form": if i % 10 == 0 { "demo" } else { "other" }})
                } else {
                    json!({"type": "page_view", "ts": 1, "url": url, "seconds": seconds})
                };
                Event::from_value(&v).unwrap()
            })
            .collect();
        let mut fired = 0;
        for round in 0..2 {
            for e in &events {
                for engine in &engines {
                    let want = uncached(engine, e);
                    assert_eq!(cached(engine, e), want, "round {round}: {e:?}");
                    fired += want.0.len();
                }
            }
        }
        assert!(fired > events.len(), "the filters hold for some events");
        assert_eq!(filter_cache::slots_held(), filter_cache::SLOTS);
    }

    /// The same for fit rules and profile disqualifiers: fields read alone, with
    /// others, nested, and values of every kind, more of them than the cache holds.
    #[test]
    fn a_flooded_profile_cache_stays_bounded_and_right() {
        let engine = Engine::from_value(&json!({"schema": "leadscore.ruleset/v1", "id": "t", "version": "1",
            "fit": [
                {"id": "senior", "points": 1, "when": {"field": "title", "contains": ["director", "vp"]}},
                {"id": "size", "points": 1, "when": {"field": "size", "between": [50, 500]}},
                {"id": "both", "points": 1, "when": {"all": [{"field": "title", "startsWith": "vp"}, {"field": "size", "gt": 9}]}},
                {"id": "nested", "points": 1, "when": {"field": "company.industry", "in": ["software"]}},
                {"id": "missing", "points": 1, "when": {"not": {"field": "title", "exists": true}}}],
            "engagement": [{"id": "e", "event": "x", "points": 1}],
            "disqualifiers": [{"id": "student", "when": {"field": "title", "contains": "student"}},
                {"id": "ev", "event": "x", "where": {"field": "p", "equals": 1}}]}))
        .unwrap();
        let direct = |p: &Map<String, Value>| ProfileMatch {
            fit: engine.rules.fit.iter().map(|r| r.when.matches(p)).collect(),
            disqualifiers: engine
                .rules
                .disqualifiers
                .iter()
                .map(|d| matches!(&d.test, DisqualifierTest::Profile(c) if c.matches(p)))
                .collect(),
            now_dependent: false,
        };
        let profiles: Vec<Map<String, Value>> = (0..3 * filter_cache::SLOTS)
            .map(|i| {
                let title = match i % 5 {
                    0 => json!(format!("VP of thing {i}")),
                    1 => json!(format!("student {i}")),
                    2 => json!(null),
                    3 => json!(["director", i]),
                    _ => json!(format!("{} director", "x".repeat(i % 80))),
                };
                let size = if i % 2 == 0 { json!(i % 700) } else { json!(format!("{}", i % 700)) };
                let v = json!({"title": title, "size": size, "company": {"industry": if i % 3 == 0 { "software" } else { "x" }}});
                v.as_object().unwrap().clone()
            })
            .collect();
        for round in 0..2 {
            for p in &profiles {
                let before = leadscore_rules::meter::steps();
                let want = direct(p);
                let steps = leadscore_rules::meter::steps() - before;
                let before = leadscore_rules::meter::steps();
                assert_eq!(match_profile(&engine, p), want, "round {round}: {p:?}");
                assert_eq!(leadscore_rules::meter::steps() - before, steps, "round {round}: {p:?}");
            }
        }
        assert!(profiles.iter().any(|p| direct(p).fit.iter().filter(|h| **h).count() >= 2));
        assert_eq!(filter_cache::slots_held(), filter_cache::SLOTS);
    }
    /// A test of a date relative to `now` reads one field but is never kept per
    /// value: the same profile, tested again and again, follows `now`.
    #[test]
    fn a_date_relative_to_now_is_tested_at_each_now() {
        let engine = Engine::from_value(&json!({"schema": "leadscore.ruleset/v1", "id": "t", "version": "1",
            "fit": [
                {"id": "new", "points": 5, "when": {"field": "signedUpAt", "withinLast": "14d"}},
                {"id": "size", "points": 1, "when": {"field": "signedUpAt", "exists": true}}],
            "engagement": [{"id": "e", "event": "x", "points": 1}],
            "disqualifiers": [{"id": "ending", "when": {"field": "signedUpAt", "withinNext": "1d"}}]}))
        .unwrap();
        let p = json!({"signedUpAt": 1_000_000_000_000_i64}).as_object().unwrap().clone();
        let day = 86_400_000;
        let (mut fit, mut dq) = (vec![false; 2], vec![false; 1]);
        for round in 0..3 {
            for (now, new, ending) in [
                (1_000_000_000_000 + 3 * day, true, false),
                (1_000_000_000_000 + 15 * day, false, false),
                (1_000_000_000_000 - day / 2, false, true),
            ] {
                profile_held(&engine, &p, Some(now), &mut fit, &mut dq);
                assert_eq!((fit.clone(), dq.clone()), (vec![new, true], vec![ending]), "round {round}, now {now}");
            }
        }
        let kept = match_profile(&engine, &p);
        assert!(kept.now_dependent && kept.fit == [false, true] && kept.disqualifiers == [false]);
    }
}
