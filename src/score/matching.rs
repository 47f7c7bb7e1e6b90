//! What a lead's profile and each of its events match under one rule set, whatever
//! `now` is: the part of scoring a session can keep from one evaluation to the next.

use crate::engine::{Engine, Target, TypeEntry};
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
                set_bits(*bits).for_each(|bit| {
                    f(match bit.checked_sub(rules) {
                        None => Target::Rule(bit),
                        Some(k) if k < triggers => Target::Trigger(k),
                        Some(k) => Target::Disqualifier(k - triggers),
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
            // Disqualifiers' bits come after every slot: the caller's slice ends first.
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
    let rules = &engine.rules;
    let profile_tests = rules.disqualifiers.iter().filter_map(|d| match &d.test {
        DisqualifierTest::Profile(c) => Some(c),
        DisqualifierTest::Event(_) => None,
    });
    ProfileMatch {
        fit: rules.fit.iter().map(|r| r.when.matches(profile)).collect(),
        disqualifiers: rules
            .disqualifiers
            .iter()
            .map(|d| matches!(&d.test, DisqualifierTest::Profile(c) if c.matches(profile)))
            .collect(),
        now_dependent: rules.fit.iter().map(|r| &r.when).chain(profile_tests).any(Condition::depends_on_now),
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
    let bit = |t: Target| match t {
        Target::Rule(i) => i,
        Target::Trigger(k) => rules + k,
        Target::Disqualifier(k) => rules + triggers + k,
    };
    match matched_targets(engine, e) {
        Err(why) => EventMatch::Never(why),
        Ok(targets) if rules + triggers + engine.rules.disqualifiers.len() > 64 => {
            EventMatch::Listed(targets.collect())
        }
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
    Ok(targets.iter().copied().filter(move |t| filter_holds(engine, *t, e)))
}

/// Whether `e` passes the `where` filter of what `target` names.
fn filter_holds(engine: &Engine, target: Target, e: &Event) -> bool {
    match target {
        Target::Rule(i) => engine.rules.engagement.get(i).is_some_and(|r| r.matcher.filter_holds(&e.properties)),
        Target::Trigger(k) => engine.rules.stages.trigger(k).is_some_and(|t| t.matcher.filter_holds(&e.properties)),
        Target::Disqualifier(k) => {
            matches!(engine.rules.disqualifiers.get(k).map(|d| &d.test), Some(DisqualifierTest::Event(m)) if m.filter_holds(&e.properties))
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
        Target::Disqualifier(_) => None,
    }
}
