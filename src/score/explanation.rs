//! The explanation of a score: the figures of one scoring written out as a
//! [`ScoreResult`], one line for every rule that fired and every limit that bit, or
//! only the outcome as a [`Qualification`].

use super::{group_cuts, Figures};
use crate::engine::Engine;
use crate::explain::{
    Contribution, ContributionKind, Disqualification, Pair, Points, Qualification, ScoreResult, Units,
};
use crate::rules::{Award, Centi};
use crate::ruleset::DISQUALIFIED_BAND;
use crate::stages::{band_of, StageReason};
use std::sync::Arc;

/// The figures with every fired rule and every limit that bit, in the order a
/// reader adds them up: fit rules, engagement rules, group caps, the total's limits.
pub(crate) fn explain(engine: &Engine, f: Figures<'_>) -> ScoreResult {
    let group_name = |g: Option<usize>| g.and_then(|g| engine.rules.groups.get(g)).map(|g| g.name.clone());
    // Room for what fired (and the limits that may bite), not for every rule.
    let fired =
        f.fit_held().iter().filter(|held| **held).count() + f.tallies.iter().filter(|t| t.award.is_some()).count();
    let mut contributions = Vec::with_capacity(fired + engine.rules.groups.len() + 2);
    for (rule, _) in engine.rules.fit.iter().zip(f.fit_held()).filter(|(_, held)| **held) {
        contributions.push(Contribution {
            description: rule.description.clone(),
            ..line(rule.id.clone(), ContributionKind::Fit, rule.points, group_name(rule.group))
        });
    }
    for (rule, t) in engine.rules.engagement.iter().zip(&f.tallies) {
        if let Some((points, capped)) = t.award {
            contributions.push(Contribution {
                description: rule.description.clone(),
                matched: Some(t.n),
                capped,
                times: match rule.award {
                    Award::Every { every, .. } => Some(t.n / every),
                    _ => None,
                },
                units: match rule.award {
                    Award::PerUnit { .. } => Some(Units(t.units_milli)),
                    _ => None,
                },
                days: matches!(rule.award, Award::Days { .. }).then_some(t.days),
                pair: matches!(rule.award, Award::Sequence { .. })
                    .then_some(Pair { first: t.paired_with, then: t.newest }),
                ..line(rule.id.clone(), ContributionKind::Engagement, points, group_name(rule.group))
            });
        }
    }
    for (gi, cut) in group_cuts(engine, f.fit_held(), &f.tallies) {
        if let Some(group) = engine.rules.groups.get(gi) {
            contributions.push(line(group.name.clone(), ContributionKind::GroupCap, cut, Some(group.name.clone())));
        }
    }
    if let Some(cut) = f.max_cut {
        contributions.push(line(Arc::from("total.max"), ContributionKind::TotalMax, cut, None));
    }
    if let Some(lift) = f.floor_lift {
        contributions.push(line(Arc::from("total.floorAtZero"), ContributionKind::Floor, lift, None));
    }
    let disqualifications: Vec<Disqualification> = engine
        .rules
        .disqualifiers
        .iter()
        .zip(f.disqualified_by())
        .filter(|(_, holds)| **holds)
        .map(|(d, _)| Disqualification { id: d.id.clone(), label: d.label.clone(), description: d.description.clone() })
        .collect();
    let q = qualification(engine, &f);
    ScoreResult {
        lead_id: None,
        ruleset_id: engine.rules.id.clone(),
        ruleset_version: engine.rules.version.clone(),
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
    // A disqualified lead is in a band of its own, whatever its total: sales must
    // not read it as hot (docs/RULESET.md, section 9).
    let disqualified = f.disqualified_by().contains(&true);
    Qualification {
        lead_id: None,
        total: Points(f.total),
        fit: Points(f.fit),
        engagement: Points(f.engagement),
        stage: f.stage,
        grade: engine.rules.grades.grade(f.fit),
        level: engine.rules.grades.level(f.engagement),
        matrix: engine.rules.grades.matrix(f.fit, f.engagement),
        band: match disqualified {
            true => Arc::from(DISQUALIFIED_BAND),
            false => band_of(&engine.rules.bands, f.total).cloned().unwrap_or_else(|| Arc::from("")),
        },
        disqualified,
    }
}

/// A line of `points` with nothing more to say: the adjustments (group caps, the
/// total's limits) as they are, and the rules' lines as their fields start.
fn line(id: Arc<str>, kind: ContributionKind, points: Centi, group: Option<Arc<str>>) -> Contribution {
    Contribution {
        id,
        kind,
        group,
        description: None,
        points: Points(points),
        matched: None,
        capped: false,
        times: None,
        units: None,
        days: None,
        pair: None,
    }
}
