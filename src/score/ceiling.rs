//! The highest stage a lead could reach: what lets a session with engines watched
//! skip scoring a rule set under which its lead cannot move.

use super::matching::ProfileMatch;
use crate::engine::Engine;
use crate::rules::{Award, Centi, EngagementRule, Recency, MAX_PER_UNIT_AWARD};
use crate::stages::{Stage, StageInputs, Trigger};

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
    // A fit rule whose condition depends on `now` is taken as holding when it adds
    // points, and as not holding when it takes them away: the most it can give.
    let fit: Centi = engine
        .rules
        .fit
        .iter()
        .zip(&profile.fit)
        .filter(|(r, held)| if profile.stands(&r.when) { **held } else { r.points > 0 })
        .map(|(r, _)| r.points)
        .sum();
    let engagement: Centi =
        engine.rules.engagement.iter().zip(rule_hits).map(|(rule, hits)| most_awarded(rule, hits, now)).sum();
    // (The floor at zero lifts no total to a threshold: thresholds are above zero.)
    let total = fit + engagement;
    let fired = |k: usize, t: &Trigger| {
        trigger_hits
            .get(k)
            .is_some_and(|hits| hits.n >= t.at_least && hits.may_count(now) && hits.may_be_within(t.within, now))
    };
    engine.rules.stages.qualify(&StageInputs { total, fit, engagement, disqualified: false, fired }).0
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
    if let Award::Sequence { .. } = rule.award {
        // The hits are the first events'; a pair's second event, newer, is what
        // expires, so a held first event may still earn the points.
        return rule.points;
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
        // The events' numbers are not kept: at most the cap, or the most any such rule adds.
        Award::PerUnit { cap, .. } => cap.unwrap_or(MAX_PER_UNIT_AWARD),
        Award::Every { every, within, cap } => {
            if hits.may_be_within(*within, now) {
                let raw = rule.points.saturating_mul(Centi::from(n / every));
                cap.map_or(raw, |c| raw.min(c))
            } else {
                0
            }
        }
        // Never more different days than events.
        Award::Days { at_least, within, .. } => {
            if n >= *at_least && hits.may_be_within(*within, now) {
                rule.points
            } else {
                0
            }
        }
        Award::Sequence { .. } => rule.points,
        Award::Sum { within, .. } => {
            if hits.may_be_within(*within, now) {
                rule.points
            } else {
                0
            }
        }
    }
}
