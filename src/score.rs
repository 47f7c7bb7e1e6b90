//! Scoring: every rule applied to a lead's profile and, in one pass, to its
//! (time-ordered, bounded) event history at an explicit `now`. Batch scoring and
//! sessions both end here, which is what makes their results the same.

use crate::by_name::ByName;
use crate::engine::{Engine, Vocabulary};
use crate::event::{Event, PropertyType};
use crate::explain::{
    Contribution, ContributionKind, Disqualification, EventTally, Points, Qualification, ScoreResult, SkipReason,
};
use crate::rules::{Award, Centi, DisqualifierTest, EngagementRule, EventMatcher, Recency};
use crate::stages::{band_of, Stage, StageInputs, StageReason, Stages, Trigger};
use serde_json::{Map, Value};
use std::sync::Arc;

/// What looks at events of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Rule(usize),
    Trigger(usize),
    Disqualifier(usize),
}

/// One event type: what looks at it, and its declared properties when the rule
/// set declares an event vocabulary.
#[derive(Debug, Clone)]
struct TypeEntry {
    /// Length and first sixteen bytes: settles every lookup of a type name of up
    /// to sixteen bytes without comparing text.
    quick: (usize, u128),
    name: Box<str>,
    targets: Vec<Target>,
    declared: Option<ByName<PropertyType>>,
}

fn quick_key(s: &str) -> (usize, u128) {
    let mut prefix = [0u8; 16];
    for (slot, b) in prefix.iter_mut().zip(s.bytes()) {
        *slot = b;
    }
    (s.len(), u128::from_le_bytes(prefix))
}

/// Event type → the rules, stage triggers and disqualifiers that match that type,
/// built once per rule set so each event is tested only by what can match it.
#[derive(Debug, Clone, Default)]
pub struct EventIndex {
    by_type: Vec<TypeEntry>,
    vocabulary_declared: bool,
}

impl EventIndex {
    pub fn build(
        engagement: &[EngagementRule],
        stages: &Stages,
        disqualifiers: &[crate::rules::Disqualifier],
        vocabulary: Option<&Vocabulary>,
    ) -> EventIndex {
        let mut index = EventIndex { vocabulary_declared: vocabulary.is_some(), ..EventIndex::default() };
        for (name, props) in vocabulary.into_iter().flat_map(ByName::iter) {
            index.by_type.push(TypeEntry {
                quick: quick_key(name),
                name: name.into(),
                targets: Vec::new(),
                declared: Some(props.clone()),
            });
        }
        let mut add = |m: &EventMatcher, t: Target| {
            for ty in &m.types {
                match index.by_type.iter_mut().find(|e| e.name == *ty) {
                    Some(entry) => entry.targets.push(t),
                    None => index.by_type.push(TypeEntry {
                        quick: quick_key(ty),
                        name: ty.clone(),
                        targets: vec![t],
                        declared: None,
                    }),
                }
            }
        };
        for (i, r) in engagement.iter().enumerate() {
            add(&r.matcher, Target::Rule(i));
        }
        for (i, t) in stages.triggers().enumerate() {
            add(&t.matcher, Target::Trigger(i));
        }
        for (i, d) in disqualifiers.iter().enumerate() {
            if let DisqualifierTest::Event(m) = &d.test {
                add(m, Target::Disqualifier(i));
            }
        }
        index
    }

    fn entry(&self, kind: &str) -> Option<&TypeEntry> {
        let quick = quick_key(kind);
        self.by_type.iter().find(|e| e.quick == quick && (quick.0 <= 16 || *e.name == *kind))
    }
}

/// What one pass over the events gathers for one rule or trigger.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    /// Matching events (within the rule's expiry and, for count and sum, its window).
    n: u32,
    /// Decayed points, summed oldest first (per-occurrence rules with a half-life).
    decayed: f64,
    /// Summed property, in thousandths (sum rules).
    sum_milli: i64,
    /// Time of the newest matching event.
    newest: i64,
    /// What the rule awarded, when it fired: its points and whether its cap bit
    /// (engagement rules; set once the pass is over).
    award: Option<(Centi, bool)>,
}

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
                let (rules, triggers) = (engine.engagement.len(), engine.stages.trigger_count());
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
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProfileMatch {
    fit: Vec<bool>,
    disqualifiers: Vec<bool>,
}

pub(crate) fn match_profile(engine: &Engine, profile: &Map<String, Value>) -> ProfileMatch {
    ProfileMatch {
        fit: engine.fit.iter().map(|r| r.when.matches(profile)).collect(),
        disqualifiers: engine
            .disqualifiers
            .iter()
            .map(|d| matches!(&d.test, DisqualifierTest::Profile(c) if c.matches(profile)))
            .collect(),
    }
}

/// The held events matching one engagement rule or stage trigger, as a session
/// keeps them for [`stage_ceiling`]: how many, the newest time, and the oldest when
/// known (it is not once the oldest of them left the history).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hits {
    n: u32,
    newest: i64,
    oldest: Option<i64>,
}

impl Default for Hits {
    fn default() -> Hits {
        Hits { n: 0, newest: i64::MIN, oldest: None }
    }
}

impl Hits {
    pub(crate) fn add(&mut self, ts: i64) {
        self.oldest = if self.n == 0 { Some(ts) } else { self.oldest.map(|o| o.min(ts)) };
        self.newest = self.newest.max(ts);
        self.n = self.n.saturating_add(1);
    }

    /// The oldest event of the history, one of these, left it.
    pub(crate) fn drop_oldest(&mut self) {
        self.n = self.n.saturating_sub(1);
        *self = if self.n == 0 { Hits::default() } else { Hits { oldest: None, ..*self } };
    }

    /// Whether one of the events may be at or before `now` (scoring sets aside the
    /// ones after it).
    fn may_count(&self, now: i64) -> bool {
        self.n > 0 && self.oldest.is_none_or(|o| o <= now)
    }

    /// Whether one of the events may be within `window` of `now`.
    fn may_be_within(&self, window: Option<i64>, now: i64) -> bool {
        window.is_none_or(|w| self.newest >= now.saturating_sub(w))
    }
}

/// The highest stage a lead could reach at `now`, from what its profile matches and
/// the held events matching each engagement rule (`rule_hits`) and each stage
/// trigger (`trigger_hits`, in the order of [`Stages::triggers`]).
///
/// Each rule is taken at the most its matching events can award (decay only takes
/// away; an expiry or a window with none of the events in it gives nothing; a
/// negative rule gives nothing unless it cannot fade), triggers fire on any count
/// that reaches theirs with an event in their window, and caps, the total's limits
/// and disqualifiers are left out. Every stage's condition only gets easier as the
/// total, fit, engagement and fired triggers rise, so an evaluation at `now` never
/// qualifies the lead above this: a session with engines watched skips evaluating
/// one under which its lead already stands there (most events of most visitors).
pub(crate) fn stage_ceiling(
    engine: &Engine,
    profile: &ProfileMatch,
    rule_hits: &[Hits],
    trigger_hits: &[Hits],
    now: i64,
) -> Stage {
    let fit: Centi = engine.fit.iter().zip(&profile.fit).filter(|(_, held)| **held).map(|(r, _)| r.points).sum();
    let engagement: Centi =
        engine.engagement.iter().zip(rule_hits).map(|(rule, hits)| most_awarded(rule, hits, now)).sum();
    // (The floor at zero lifts no total to a threshold: thresholds are above zero.)
    let total = fit + engagement;
    let fired = |k: usize, t: &Trigger| {
        trigger_hits
            .get(k)
            .is_some_and(|hits| hits.n >= t.at_least && hits.may_count(now) && hits.may_be_within(t.within, now))
    };
    engine.stages.qualify(&StageInputs { total, fit, engagement, disqualified: false, fired }).0
}

/// The most `rule` can award at `now` with the matching events `hits` describes.
/// [`award`] rounds a value at most this (decay factors are at most 1).
fn most_awarded(rule: &EngagementRule, hits: &Hits, now: i64) -> Centi {
    if !hits.may_count(now) {
        return 0;
    }
    let n = hits.n;
    if rule.points < 0 {
        // At least one occurrence at or before `now` that neither decays nor expires
        // counts whole: the least such a rule takes away.
        let lasting = rule.recency == Recency::default() && hits.oldest.is_some_and(|o| o <= now);
        return match &rule.award {
            Award::PerOccurrence { cap, once } if lasting => {
                if *once {
                    rule.points
                } else {
                    cap.map_or(rule.points, |c| rule.points.max(-c))
                }
            }
            _ => 0,
        };
    }
    if !hits.may_be_within(rule.recency.expire_after, now) {
        return 0;
    }
    match &rule.award {
        Award::PerOccurrence { cap, once } => {
            let raw = if *once { rule.points } else { rule.points.saturating_mul(Centi::from(n)) };
            cap.map_or(raw, |c| raw.min(c))
        }
        Award::Frequency { at_least, within } => {
            if n >= *at_least && hits.may_be_within(*within, now) {
                rule.points
            } else {
                0
            }
        }
        Award::Sum { within, .. } => {
            if hits.may_be_within(*within, now) {
                rule.points
            } else {
                0
            }
        }
    }
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
    let (rules, triggers) = (engine.engagement.len(), engine.stages.trigger_count());
    let bit = |t: Target| match t {
        Target::Rule(i) => i,
        Target::Trigger(k) => rules + k,
        Target::Disqualifier(k) => rules + triggers + k,
    };
    match matched_targets(engine, e) {
        Err(why) => EventMatch::Never(why),
        Ok(targets) if rules + triggers + engine.disqualifiers.len() > 64 => EventMatch::Listed(targets.collect()),
        Ok(targets) => {
            EventMatch::Targets(targets.fold(0, |bits, t| bits | 1u64.checked_shl(bit(t) as u32).unwrap_or(0)))
        }
    }
}

/// [`match_event`] as it goes, without collecting: the targets whose type and
/// filter `e` passes, or why the rule set never scores it.
fn matched_targets<'a>(engine: &'a Engine, e: &'a Event) -> Result<impl Iterator<Item = Target> + 'a, SkipReason> {
    let entry = engine.index.entry(&e.kind);
    static_admission(engine, entry, e)?;
    let targets = entry.map_or(&[][..], |en| en.targets.as_slice());
    Ok(targets.iter().copied().filter(move |t| filter_holds(engine, *t, e)))
}

/// Whether `e` passes the `where` filter of what `target` names.
fn filter_holds(engine: &Engine, target: Target, e: &Event) -> bool {
    match target {
        Target::Rule(i) => engine.engagement.get(i).is_some_and(|r| r.matcher.filter_holds(&e.properties)),
        Target::Trigger(k) => engine.stages.trigger(k).is_some_and(|t| t.matcher.filter_holds(&e.properties)),
        Target::Disqualifier(k) => {
            matches!(engine.disqualifiers.get(k).map(|d| &d.test), Some(DisqualifierTest::Event(m)) if m.filter_holds(&e.properties))
        }
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
    let rules = &engine.engagement;
    let stages = &engine.stages;
    let mut tallies = vec![Tally::default(); rules.len() + stages.trigger_count()];
    let mut scored = 0u32;
    let mut offer = |target: Target, e: &Event, age: i64| match target {
        Target::Rule(i) => {
            if let (Some(rule), Some(t)) = (rules.get(i), tallies.get_mut(i)) {
                if within(age, rule.recency.expire_after) {
                    observe(rule, t, e, age);
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
            if let Some(flag) = event_disqualified.get_mut(k) {
                *flag = true;
            }
        }
    };
    for (i, e) in events.iter().enumerate() {
        if e.ts > now {
            events_tally.skip(SkipReason::AfterNow);
            continue;
        }
        let age = now - e.ts;
        let kept = match matches {
            Matches::Kept { events: kept, .. } => kept.get(i).and_then(Option::as_ref),
            Matches::Live => None,
        };
        match kept {
            Some(EventMatch::Never(why)) => events_tally.skip(*why),
            Some(m) => {
                scored += 1;
                m.for_each_target(engine, |t| offer(t, e, age));
            }
            None => match matched_targets(engine, e) {
                Err(why) => events_tally.skip(why),
                Ok(targets) => {
                    scored += 1;
                    targets.for_each(|t| offer(t, e, age));
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
    tallies: Vec<Tally>,
    /// What `total.max` took off (negative), when it bit.
    max_cut: Option<Centi>,
    /// What `total.floorAtZero` added, when it bit.
    floor_lift: Option<Centi>,
    pub(crate) stage: Stage,
    pub(crate) reason: StageReason<'e>,
    pub(crate) events: EventTally,
}

impl Figures<'_> {
    /// Per fit rule: whether it held.
    fn fit_held(&self) -> &[bool] {
        self.held.get(..self.fit_rules).unwrap_or(&[])
    }

    /// Per disqualifier: whether it holds.
    fn disqualified_by(&self) -> &[bool] {
        self.held.get(self.fit_rules..).unwrap_or(&[])
    }
}

/// Each capped group whose rules came to more than its cap, and what the cap takes
/// off (negative). A group holds fit rules or engagement rules, never both.
fn group_cuts<'a>(
    engine: &'a Engine,
    fit_held: &'a [bool],
    tallies: &'a [Tally],
) -> impl Iterator<Item = (usize, Centi)> + 'a {
    engine.groups.iter().enumerate().filter_map(move |(gi, group)| {
        let cap = group.cap?;
        let fit_sum: Centi = engine
            .fit
            .iter()
            .zip(fit_held)
            .filter(|(r, held)| **held && r.group == Some(gi))
            .map(|(r, _)| r.points)
            .sum();
        let engagement_sum: Centi = engine
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
    let rules = &engine.engagement;
    let fit_rules = engine.fit.len();
    let mut held = vec![false; fit_rules + engine.disqualifiers.len()];
    let (fit_held, disqualified_by) = held.split_at_mut_checked(fit_rules).unwrap_or_default();
    let mut tallies = pass_over_events(engine, events, now, matches, &mut events_tally, disqualified_by);

    let kept_profile = match matches {
        Matches::Kept { profile, .. } => profile,
        Matches::Live => None,
    };
    match kept_profile {
        Some(m) if m.fit.len() == fit_rules => fit_held.iter_mut().zip(&m.fit).for_each(|(held, kept)| *held = *kept),
        _ => fit_held.iter_mut().zip(&engine.fit).for_each(|(held, r)| *held = r.when.matches(profile)),
    }
    let mut fit: Centi = engine.fit.iter().zip(&*fit_held).filter(|(_, held)| **held).map(|(r, _)| r.points).sum();
    for (rule, t) in rules.iter().zip(tallies.iter_mut()) {
        t.award = award(rule, t, now);
    }
    let mut engagement: Centi = tallies.iter().filter_map(|t| t.award).map(|(points, _)| points).sum();
    for (gi, cut) in group_cuts(engine, fit_held, &tallies) {
        if engine.fit.iter().any(|r| r.group == Some(gi)) {
            fit += cut;
        } else {
            engagement += cut;
        }
    }
    let mut total = fit + engagement;
    let max_cut = engine.total.max.filter(|m| total > *m).map(|max| max - total);
    total += max_cut.unwrap_or(0);
    let floor_lift = (engine.total.floor_at_zero && total < 0).then_some(-total);
    total += floor_lift.unwrap_or(0);

    // The pass set the flags of event disqualifiers; the profile's are set here.
    for (k, (d, flag)) in engine.disqualifiers.iter().zip(disqualified_by.iter_mut()).enumerate() {
        if let DisqualifierTest::Profile(c) = &d.test {
            *flag = kept_profile.and_then(|m| m.disqualifiers.get(k).copied()).unwrap_or_else(|| c.matches(profile));
        }
    }
    let disqualified = disqualified_by.contains(&true);

    let trigger_tallies = tallies.get(rules.len()..).unwrap_or(&[]);
    let fired = |k: usize, trigger: &Trigger| trigger_tallies.get(k).is_some_and(|t| t.n >= trigger.at_least);
    let (stage, reason) = engine.stages.qualify(&StageInputs { total, fit, engagement, disqualified, fired });
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

/// The figures with every fired rule and every limit that bit, in the order a
/// reader adds them up: fit rules, engagement rules, group caps, the total's limits.
pub(crate) fn explain(engine: &Engine, f: Figures<'_>) -> ScoreResult {
    let group_name = |g: Option<usize>| g.and_then(|g| engine.groups.get(g)).map(|g| g.name.clone());
    let mut contributions = Vec::with_capacity(engine.fit.len() + engine.engagement.len());
    for (rule, _) in engine.fit.iter().zip(f.fit_held()).filter(|(_, held)| **held) {
        contributions.push(Contribution {
            id: rule.id.clone(),
            kind: ContributionKind::Fit,
            group: group_name(rule.group),
            description: rule.description.clone(),
            points: Points(rule.points),
            matched: None,
            capped: false,
        });
    }
    for (rule, t) in engine.engagement.iter().zip(&f.tallies) {
        if let Some((points, capped)) = t.award {
            contributions.push(Contribution {
                id: rule.id.clone(),
                kind: ContributionKind::Engagement,
                group: group_name(rule.group),
                description: rule.description.clone(),
                points: Points(points),
                matched: Some(t.n),
                capped,
            });
        }
    }
    for (gi, cut) in group_cuts(engine, f.fit_held(), &f.tallies) {
        if let Some(group) = engine.groups.get(gi) {
            contributions.push(adjustment(
                group.name.clone(),
                ContributionKind::GroupCap,
                cut,
                Some(group.name.clone()),
            ));
        }
    }
    if let Some(cut) = f.max_cut {
        contributions.push(adjustment(Arc::from("total.max"), ContributionKind::TotalMax, cut, None));
    }
    if let Some(lift) = f.floor_lift {
        contributions.push(adjustment(Arc::from("total.floorAtZero"), ContributionKind::Floor, lift, None));
    }
    let disqualifications: Vec<Disqualification> = engine
        .disqualifiers
        .iter()
        .zip(f.disqualified_by())
        .filter(|(_, holds)| **holds)
        .map(|(d, _)| Disqualification { id: d.id.clone(), description: d.description.clone() })
        .collect();
    let q = qualification(engine, &f);
    ScoreResult {
        lead_id: None,
        ruleset_id: engine.id.clone(),
        ruleset_version: engine.version.clone(),
        now: f.now,
        total: q.total,
        fit: q.fit,
        engagement: q.engagement,
        stage: q.stage,
        stage_reason: reason_text(&f.reason),
        grade: q.grade,
        level: q.level,
        matrix: q.matrix,
        band: q.band,
        disqualified: q.disqualified,
        disqualifications,
        contributions,
        events: f.events,
    }
}

/// The stage reason in words, written into room for the longest of them: growing
/// a string as `to_string` does reallocated it about once a lead.
fn reason_text(reason: &StageReason<'_>) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(64);
    // Writing into a String cannot fail.
    let _ = write!(text, "{reason}");
    text
}

/// The outcome the figures come to, without the explanation.
pub(crate) fn qualification(engine: &Engine, f: &Figures<'_>) -> Qualification {
    Qualification {
        lead_id: None,
        total: Points(f.total),
        fit: Points(f.fit),
        engagement: Points(f.engagement),
        stage: f.stage,
        grade: engine.grades.grade(f.fit),
        level: engine.grades.level(f.engagement),
        matrix: engine.grades.matrix(f.fit, f.engagement),
        band: band_of(&engine.bands, f.total).cloned().unwrap_or_else(|| Arc::from("")),
        disqualified: f.disqualified_by().contains(&true),
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
        Award::Frequency { within: w, .. } => {
            if within(age, *w) {
                t.n += 1;
            }
        }
        Award::Sum { property, within: w, .. } => {
            if within(age, *w) {
                t.n += 1;
                let v =
                    property.lookup(&e.properties).and_then(Value::as_f64).map_or(0, |f| (f * 1000.0).round() as i64);
                t.sum_milli = t.sum_milli.saturating_add(v);
            }
        }
    }
}

/// The rule's points and whether its cap bit; `None` when it did not fire.
fn award(rule: &EngagementRule, t: &Tally, now: i64) -> Option<(Centi, bool)> {
    if t.n == 0 {
        return None;
    }
    match &rule.award {
        Award::PerOccurrence { cap, once } => {
            let raw = if *once {
                rule.points as f64 * decay(rule.recency, now - t.newest)
            } else if rule.recency.half_life.is_some() {
                t.decayed
            } else {
                rule.points as f64 * f64::from(t.n)
            };
            let (value, capped) = match cap {
                Some(c) if raw.abs() > *c as f64 => (raw.signum() * *c as f64, true),
                _ => (raw, false),
            };
            let points = value.round() as Centi;
            (points != 0).then_some((points, capped))
        }
        Award::Frequency { at_least, .. } => (t.n >= *at_least).then_some((rule.points, false)),
        Award::Sum { at_least_milli, .. } => (t.sum_milli >= *at_least_milli).then_some((rule.points, false)),
    }
}

fn adjustment(id: Arc<str>, kind: ContributionKind, points: Centi, group: Option<Arc<str>>) -> Contribution {
    Contribution { id, kind, group, description: None, points: Points(points), matched: None, capped: false }
}

/// The checks of an event that do not depend on `now`: whether this rule set ever
/// scores it, and if not why. (Events after `now` are set aside before these.)
fn static_admission(engine: &Engine, entry: Option<&TypeEntry>, e: &Event) -> Result<(), SkipReason> {
    if e.anonymous && !engine.count_anonymous {
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
