//! Scoring: every rule applied to a lead's profile and, in one pass, to its
//! (time-ordered, bounded) event history at an explicit `now`. Batch scoring and
//! sessions both end here, which is what makes their results the same.

mod ceiling;
mod entry_points;
mod explanation;
mod filter_cache;
mod matching;
pub(crate) mod set_aside;

pub(crate) use ceiling::{stage_ceiling, Hits};
pub(crate) use explanation::{explain, qualification};
use matching::profile_held;
pub(crate) use matching::{match_event, match_profile, EventMatch, Matches, ProfileMatch};

use crate::engine::{Engine, Target};
use crate::event::Event;
use crate::explain::{EventTally, SkipReason};
use crate::rules::{Award, Centi, DisqualifierTest, EngagementRule, Recency, MAX_PER_UNIT_AWARD};
use crate::stages::{Stage, StageInputs, StageReason, Trigger};
use crate::value::FieldPath;
use matching::matched_targets;
use serde_json::{Map, Value};

/// What one pass over the events gathers for one rule or trigger.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Tally {
    /// Matching events (within the rule's expiry and, for count and sum, its window).
    pub(crate) n: u32,
    /// Decayed points, summed oldest first (per-occurrence rules with a half-life).
    decayed: f64,
    /// Summed property, in thousandths (sum rules).
    sum_milli: i64,
    /// Time of the newest matching event.
    newest: i64,
    /// Units of the matching events, in thousandths (points-per-unit rules): summed,
    /// or the newest event's for `once`.
    pub(crate) units_milli: i64,
    /// Different days of the matching events (days rules), and the newest's day.
    pub(crate) days: u32,
    last_day: Option<i64>,
    /// Sequence rules: the newest first event (A) and its place in the history, and
    /// the newest A at an earlier place (what an event that is also a B follows).
    first: Option<(usize, i64)>,
    first_before: Option<i64>,
    /// Sequence rules: the time of the first event of the pair the award counts.
    pub(crate) paired_with: i64,
    /// What the rule awarded, when it fired: its points and whether its cap bit
    /// (engagement rules; set once the pass is over).
    pub(crate) award: Option<(Centi, bool)>,
}

/// Milliseconds in a day: a days rule's days are this long.
const DAY_MS: i64 = 86_400_000;

fn within(age: i64, window: Option<i64>) -> bool {
    window.is_none_or(|w| age <= w)
}

/// Decay factor of an occurrence `age` ms old: 2^(−age / halfLife), from `libm`
/// so that native and wasm32 builds agree to the bit.
fn decay(recency: Recency, age: i64) -> f64 {
    match recency.half_life {
        Some(h) if age > 0 => libm::exp2(-(age as f64) / (h as f64)),
        _ => 1.0,
    }
}

/// The pass over `events` (ascending by time): each admitted event is offered to
/// what it matches, with the checks that depend on `now` (expiry, windows). Gives
/// a tally per engagement rule, then per stage trigger, and sets the flag in
/// `event_disqualified` (one per disqualifier) of each disqualifier an event meets.
fn pass_over_events(
    engine: &Engine,
    events: &[Event],
    now: i64,
    matches: Matches<'_>,
    events_tally: &mut EventTally,
    event_disqualified: &mut [bool],
) -> Vec<Tally> {
    let rules = &engine.rules.engagement;
    let stages = &engine.rules.stages;
    let mut tallies = vec![Tally::default(); rules.len() + stages.trigger_count()];
    let mut scored = 0u32;
    let mut offer = |target: Target, e: &Event, at: usize, age: i64| match target {
        Target::Rule(i) => {
            if let (Some(rule), Some(t)) = (rules.get(i), tallies.get_mut(i)) {
                if let Award::Sequence { .. } = rule.award {
                    // A sequence's first event: its age is not the pair's.
                    if let Some((_, ts)) = t.first.filter(|(place, _)| *place != at) {
                        t.first_before = Some(ts);
                    }
                    t.first = Some((at, e.ts));
                } else if within(age, rule.recency.expire_after) {
                    observe(rule, t, e, age);
                }
            }
        }
        Target::Then(i) => {
            if let (Some(Award::Sequence { within: gap, .. }), Some(t)) =
                (rules.get(i).map(|r| &r.award), tallies.get_mut(i))
            {
                // The newest A before this event in the history (not this event).
                let first = match t.first {
                    Some((place, _)) if place == at => t.first_before,
                    other => other.map(|(_, ts)| ts),
                };
                let expiry = rules.get(i).and_then(|r| r.recency.expire_after);
                if let Some(a) = first.filter(|a| within(e.ts.saturating_sub(*a), *gap)) {
                    if within(age, expiry) {
                        t.n += 1;
                        t.newest = e.ts;
                        t.paired_with = a;
                    }
                }
            }
        }
        Target::Trigger(k) => {
            if let (Some(trigger), Some(t)) = (stages.trigger(k), tallies.get_mut(rules.len() + k)) {
                if within(age, trigger.within) {
                    t.n += 1;
                }
            }
        }
        Target::Disqualifier(k) => {
            let window = engine.rules.disqualifiers.get(k).and_then(|d| d.within);
            if let Some(flag) = event_disqualified.get_mut(k).filter(|_| within(age, window)) {
                *flag = true;
            }
        }
    };
    for (i, e) in events.iter().enumerate() {
        if e.ts > now {
            events_tally.skip(SkipReason::AfterNow);
            continue;
        }
        let age = now.saturating_sub(e.ts);
        let kept = match matches {
            Matches::Kept { events: kept, .. } => kept.get(i).and_then(Option::as_ref),
            Matches::Live => None,
        };
        match kept {
            Some(EventMatch::Never(why)) => events_tally.skip(*why),
            Some(m) => {
                scored += 1;
                m.for_each_target(engine, |t| offer(t, e, i, age));
            }
            None => match matched_targets(engine, e) {
                Err(why) => events_tally.skip(why),
                Ok(targets) => {
                    scored += 1;
                    targets.for_each(|t| offer(t, e, i, age));
                }
            },
        }
    }
    events_tally.scored = scored;
    tallies
}

/// What scoring a lead comes to before it is explained: the totals and the stage,
/// and what each rule, cap and disqualifier came to. A [`Qualification`] is read
/// off it and a [`ScoreResult`] explains it, so the two agree by construction;
/// what only needs the outcome (`qualify`, a session's `track`) writes no
/// explanation.
pub(crate) struct Figures<'e> {
    pub(crate) now: i64,
    pub(crate) fit: Centi,
    pub(crate) engagement: Centi,
    pub(crate) total: Centi,
    /// Per fit rule whether it held, then per disqualifier whether it holds: one
    /// allocation for both (see `fit_held` and `disqualified_by`).
    held: Vec<bool>,
    fit_rules: usize,
    /// Per engagement rule, then per stage trigger: what the pass gathered, and
    /// what each rule awarded. (What the group caps took off is worked out again
    /// from these and `fit_held` when explained: see [`group_cuts`].)
    pub(crate) tallies: Vec<Tally>,
    /// What `total.max` took off (negative), when it bit.
    pub(crate) max_cut: Option<Centi>,
    /// What `total.floorAtZero` added, when it bit.
    pub(crate) floor_lift: Option<Centi>,
    pub(crate) stage: Stage,
    pub(crate) reason: StageReason<'e>,
    pub(crate) events: EventTally,
}

impl Figures<'_> {
    /// Per fit rule: whether it held.
    pub(crate) fn fit_held(&self) -> &[bool] {
        self.held.get(..self.fit_rules).unwrap_or(&[])
    }

    /// Per disqualifier: whether it holds.
    pub(crate) fn disqualified_by(&self) -> &[bool] {
        self.held.get(self.fit_rules..).unwrap_or(&[])
    }
}

/// Each capped group whose rules came to more than its cap, and what the cap takes
/// off (negative). A group holds fit rules or engagement rules, never both.
pub(crate) fn group_cuts<'a>(
    engine: &'a Engine,
    fit_held: &'a [bool],
    tallies: &'a [Tally],
) -> impl Iterator<Item = (usize, Centi)> + 'a {
    engine.rules.groups.iter().enumerate().filter_map(move |(gi, group)| {
        let cap = group.cap?;
        let fit_sum: Centi = engine
            .rules
            .fit
            .iter()
            .zip(fit_held)
            .filter(|(r, held)| **held && r.group == Some(gi))
            .map(|(r, _)| r.points)
            .sum();
        let engagement_sum: Centi = engine
            .rules
            .engagement
            .iter()
            .zip(tallies)
            .filter(|(r, _)| r.group == Some(gi))
            .filter_map(|(_, t)| t.award)
            .map(|(points, _)| points)
            .sum();
        let sum = fit_sum + engagement_sum;
        (sum > cap).then_some((gi, cap - sum))
    })
}

/// Scores `events` (ascending by time, at most the history limit) at `now`, with
/// what each event matches worked out as it goes or kept by a session.
/// `events_tally` arrives holding what the caller already set aside.
pub(crate) fn figures<'e>(
    engine: &'e Engine,
    profile: &Map<String, Value>,
    events: &[Event],
    matches: Matches<'_>,
    now: i64,
    mut events_tally: EventTally,
) -> Figures<'e> {
    let rules = &engine.rules.engagement;
    let fit_rules = engine.rules.fit.len();
    let mut held = vec![false; fit_rules + engine.rules.disqualifiers.len()];
    let (fit_held, disqualified_by) = held.split_at_mut_checked(fit_rules).unwrap_or_default();
    let mut tallies = pass_over_events(engine, events, now, matches, &mut events_tally, disqualified_by);

    let kept_profile = match matches {
        Matches::Kept { profile, .. } => profile,
        Matches::Live => None,
    };
    // The pass set the flags of event disqualifiers; the profile's are set here.
    match kept_profile {
        Some(m) if m.fit.len() == fit_rules => {
            for ((held, kept), r) in fit_held.iter_mut().zip(&m.fit).zip(&engine.rules.fit) {
                *held = if m.stands(&r.when) { *kept } else { r.when.matches_at(profile, Some(now)) };
            }
            for (k, (d, flag)) in engine.rules.disqualifiers.iter().zip(disqualified_by.iter_mut()).enumerate() {
                if let DisqualifierTest::Profile(c) = &d.test {
                    let kept = m.disqualifiers.get(k).copied().filter(|_| m.stands(c));
                    *flag = kept.unwrap_or_else(|| c.matches_at(profile, Some(now)));
                }
            }
        }
        _ => profile_held(engine, profile, Some(now), fit_held, disqualified_by),
    }
    let mut fit: Centi =
        engine.rules.fit.iter().zip(&*fit_held).filter(|(_, held)| **held).map(|(r, _)| r.points).sum();
    for (rule, t) in rules.iter().zip(tallies.iter_mut()) {
        t.award = award(rule, t, now);
    }
    let mut engagement: Centi = tallies.iter().filter_map(|t| t.award).map(|(points, _)| points).sum();
    for (gi, cut) in group_cuts(engine, fit_held, &tallies) {
        if engine.rules.fit.iter().any(|r| r.group == Some(gi)) {
            fit += cut;
        } else {
            engagement += cut;
        }
    }
    let mut total = fit + engagement;
    let max_cut = engine.rules.total.max.filter(|m| total > *m).map(|max| max - total);
    total += max_cut.unwrap_or(0);
    let floor_lift = (engine.rules.total.floor_at_zero && total < 0).then_some(-total);
    total += floor_lift.unwrap_or(0);

    let disqualified = disqualified_by.contains(&true);

    let trigger_tallies = tallies.get(rules.len()..).unwrap_or(&[]);
    let fired = |k: usize, trigger: &Trigger| trigger_tallies.get(k).is_some_and(|t| t.n >= trigger.at_least);
    let (stage, mut reason) = engine.rules.stages.qualify(&StageInputs { total, fit, engagement, disqualified, fired });
    if let StageReason::Disqualified(label) = &mut reason {
        // Named by the first disqualifier that holds, when it has a label.
        let first = engine.rules.disqualifiers.iter().zip(disqualified_by.iter()).find(|(_, holds)| **holds);
        *label = first.and_then(|(d, _)| d.label.as_deref());
    }
    Figures {
        now,
        fit,
        engagement,
        total,
        held,
        fit_rules,
        tallies,
        max_cut,
        floor_lift,
        stage,
        reason,
        events: events_tally,
    }
}

/// Adds one event that matched `rule` (type, filter and expiry) to its tally.
fn observe(rule: &EngagementRule, t: &mut Tally, e: &Event, age: i64) {
    match &rule.award {
        Award::PerOccurrence { once, .. } => {
            t.n += 1;
            t.newest = e.ts;
            if !once && rule.recency.half_life.is_some() {
                // Summed oldest first (events arrive in time order): a fixed order
                // keeps the float sum reproducible.
                t.decayed += rule.points as f64 * decay(rule.recency, age);
            }
        }
        Award::Frequency { within: w, .. } | Award::Every { within: w, .. } => {
            if within(age, *w) {
                t.n += 1;
            }
        }
        Award::Sum { property, within: w, .. } => {
            if within(age, *w) {
                t.n += 1;
                t.sum_milli = t.sum_milli.saturating_add(milli(property, e));
            }
        }
        Award::Days { within: w, utc_offset, .. } => {
            if within(age, *w) {
                t.n += 1;
                // Events arrive in time order, so a day differs from the last one's
                // only when it is new.
                let day = e.ts.saturating_add(*utc_offset).div_euclid(DAY_MS);
                if t.last_day != Some(day) {
                    t.days += 1;
                    t.last_day = Some(day);
                }
            }
        }
        // Tallied as the pass offers the pair's events.
        Award::Sequence { .. } => {}
        Award::PerUnit { property, once, .. } => {
            t.n += 1;
            t.newest = e.ts;
            // Units below 0 count none.
            let units = milli(property, e).max(0);
            if *once {
                t.units_milli = units;
            } else {
                t.units_milli = t.units_milli.saturating_add(units);
                // Oldest first, as for per-occurrence rules.
                t.decayed += per_unit(rule.points, units) * decay(rule.recency, age);
            }
        }
    }
}

/// The number an event holds at `property`, in thousandths (sum and points-per-unit
/// rules): rounded to thousandths (halves away from zero), 0 for anything else.
fn milli(property: &FieldPath, e: &Event) -> i64 {
    property.lookup(&e.properties).and_then(Value::as_f64).map_or(0, |f| (f * 1000.0).round() as i64)
}

/// `points` (hundredths) for `units` thousandths of a unit, undecayed: (P × u) / 1000.
fn per_unit(points: Centi, units: i64) -> f64 {
    points as f64 * units as f64 / 1000.0
}

/// The points of a raw value under an optional cap, rounded to hundredths, and
/// whether the cap bit; `None` when they round to 0.
fn capped_points(raw: f64, cap: Option<Centi>) -> Option<(Centi, bool)> {
    let (value, capped) = match cap {
        Some(c) if raw.abs() > c as f64 => (raw.signum() * c as f64, true),
        _ => (raw, false),
    };
    let points = value.round() as Centi;
    (points != 0).then_some((points, capped))
}

/// The rule's points and whether its cap bit; `None` when it did not fire.
fn award(rule: &EngagementRule, t: &Tally, now: i64) -> Option<(Centi, bool)> {
    if t.n == 0 {
        return None;
    }
    match &rule.award {
        Award::PerOccurrence { cap, once } => {
            let raw = if *once {
                rule.points as f64 * decay(rule.recency, now.saturating_sub(t.newest))
            } else if rule.recency.half_life.is_some() {
                t.decayed
            } else {
                rule.points as f64 * f64::from(t.n)
            };
            capped_points(raw, *cap)
        }
        Award::PerUnit { cap, once, .. } => {
            let raw = if *once {
                per_unit(rule.points, t.units_milli) * decay(rule.recency, now.saturating_sub(t.newest))
            } else {
                t.decayed
            };
            let limit = MAX_PER_UNIT_AWARD as f64;
            capped_points(raw.clamp(-limit, limit), *cap)
        }
        Award::Frequency { at_least, .. } => (t.n >= *at_least).then_some((rule.points, false)),
        Award::Sum { at_least_milli, .. } => (t.sum_milli >= *at_least_milli).then_some((rule.points, false)),
        Award::Days { at_least, .. } => (t.days >= *at_least).then_some((rule.points, false)),
        Award::Sequence { .. } => {
            capped_points(rule.points as f64 * decay(rule.recency, now.saturating_sub(t.newest)), None)
        }
        // Exact: points × times is whole hundredths far below 2^53.
        Award::Every { every, cap, .. } => capped_points(rule.points as f64 * f64::from(t.n / every), *cap),
    }
}
