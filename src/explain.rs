//! What a score is made of: the result of scoring a lead, with one line for every
//! rule that fired and every limit that bit, adding up exactly to the total.

use crate::stages::Stage;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::sync::Arc;

pub use crate::rules::Points;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ContributionKind {
    /// A fit rule matched the profile.
    Fit,
    /// An engagement rule earned points from events.
    Engagement,
    /// A group's cap took points away from its rules.
    GroupCap,
    /// The rule set's maximum total took points away.
    TotalMax,
    /// The floor at zero gave points back.
    Floor,
}

/// One line of a score's explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contribution {
    /// The rule's id, or the group's name for a group cap.
    pub id: Arc<str>,
    pub kind: ContributionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Arc<str>>,
    /// Points after decay and the rule's own cap (or the adjustment, for limits).
    pub points: Points,
    /// Events that matched (engagement rules only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<u32>,
    /// Whether the rule's cap took points away.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub capped: bool,
    /// How many times a repeating rule (`count.every`) earned its points:
    /// ⌊matched / every⌋, before its cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Points-per-unit rules (`perUnit`): the units the points were earned for,
    /// before decay and the cap (the newest event's for `once`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Units>,
    /// Days rules (`days`): on how many different days the matching events fell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Sequence rules (`then`): the pair the points are for, the newest B that
    /// completes one and the newest A before it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pair: Option<Pair>,
}

/// The two events of a sequence, by their times (ms since the epoch, as `now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub first: i64,
    pub then: i64,
}

/// Units of a points-per-unit rule, held as exact thousandths. Serialized as a JSON
/// number, whole ones as integers (`15`, `22.5`, `12.345`), as [`Points`] are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Units(pub i64);

impl Serialize for Units {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 1000 == 0 {
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.0 as f64 / 1000.0)
        }
    }
}

/// A disqualifier that holds for the lead.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disqualification {
    pub id: Arc<str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Arc<str>>,
}

/// Why an event was set aside instead of scored (docs/RULESET.md, "Admission").
/// Declared in the order of their names, the order results list them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// Later than the evaluation's `now`.
    AfterNow,
    /// Tracked before the visitor was identified, under `anonymousHistory: "ignore"`.
    AnonymousHistory,
    /// The same id as an earlier event.
    Duplicate,
    /// Refused when read (see `EventTally::problems`).
    Invalid,
    /// Dropped from a session to keep the history limit.
    OverHistoryLimit,
    /// A type the rule set's vocabulary does not declare.
    UnknownType,
    /// A declared property of the wrong JSON type.
    WrongPropertyType,
}

impl SkipReason {
    pub const ALL: [SkipReason; 7] = [
        SkipReason::AfterNow,
        SkipReason::AnonymousHistory,
        SkipReason::Duplicate,
        SkipReason::Invalid,
        SkipReason::OverHistoryLimit,
        SkipReason::UnknownType,
        SkipReason::WrongPropertyType,
    ];

    /// The name results use: `afterNow`, `unknownType`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::AfterNow => "afterNow",
            SkipReason::AnonymousHistory => "anonymousHistory",
            SkipReason::Duplicate => "duplicate",
            SkipReason::Invalid => "invalid",
            SkipReason::OverHistoryLimit => "overHistoryLimit",
            SkipReason::UnknownType => "unknownType",
            SkipReason::WrongPropertyType => "wrongPropertyType",
        }
    }
}

/// How many events were set aside, per reason: a count for each, no allocation.
/// Serialized as an object of the reasons that occurred, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Skipped([u32; SkipReason::ALL.len()]);

impl Skipped {
    /// How many events were set aside for `reason`.
    pub fn get(&self, reason: SkipReason) -> u32 {
        self.0.get(reason as usize).copied().unwrap_or(0)
    }

    pub fn set(&mut self, reason: SkipReason, count: u32) {
        if let Some(n) = self.0.get_mut(reason as usize) {
            *n = count;
        }
    }

    pub(crate) fn add(&mut self, reason: SkipReason) {
        if let Some(n) = self.0.get_mut(reason as usize) {
            *n = n.saturating_add(1);
        }
    }

    /// The reasons that occurred, with their counts, in the order of their names.
    pub fn iter(&self) -> impl Iterator<Item = (SkipReason, u32)> + '_ {
        SkipReason::ALL.into_iter().map(|r| (r, self.get(r))).filter(|(_, n)| *n > 0)
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl Serialize for Skipped {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.iter().count()))?;
        for (reason, n) in self.iter() {
            map.serialize_entry(reason.as_str(), &n)?;
        }
        map.end()
    }
}

/// How many events were looked at, and how many were set aside and why.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTally {
    /// Events that the rules were applied to.
    pub scored: u32,
    /// Events set aside, by reason.
    #[serde(skip_serializing_if = "Skipped::is_empty")]
    pub skipped: Skipped,
    /// The first few events that were refused as invalid, with where and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<crate::error::Problem>,
}

impl EventTally {
    pub(crate) fn skip(&mut self, reason: SkipReason) {
        self.skipped.add(reason);
    }
}

/// The result of scoring one lead at one `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreResult {
    /// The lead's id (batch) or the session's subject, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    pub ruleset_id: Arc<str>,
    pub ruleset_version: Arc<str>,
    /// The evaluation time, milliseconds since the epoch.
    pub now: i64,
    pub total: Points,
    /// Fit points after fit groups' caps, before the total's limits.
    pub fit: Points,
    /// Engagement points after engagement groups' caps, before the total's limits.
    pub engagement: Points,
    pub stage: Stage,
    /// Why the lead is at this stage, in words.
    pub stage_reason: String,
    /// Fit grade, A (best) to D.
    pub grade: &'static str,
    /// Engagement level, 1 (most engaged) to 4.
    pub level: u8,
    /// Grade and level together, as sales reads them: "A1" … "D4".
    pub matrix: &'static str,
    pub band: Arc<str>,
    pub disqualified: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disqualifications: Vec<Disqualification>,
    /// Every rule that fired and every limit that bit; the points add up to `total`.
    pub contributions: Vec<Contribution>,
    pub events: EventTally,
}

impl ScoreResult {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A score without its explanation: the figures and the stage, for when only the
/// outcome is wanted (a backtest over thousands of leads, a provisional score on
/// a page). The same numbers as the [`ScoreResult`] it comes from, by construction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Qualification {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_id: Option<String>,
    pub total: Points,
    pub fit: Points,
    pub engagement: Points,
    pub stage: Stage,
    pub grade: &'static str,
    pub level: u8,
    pub matrix: &'static str,
    pub band: Arc<str>,
    pub disqualified: bool,
}

impl From<ScoreResult> for Qualification {
    fn from(r: ScoreResult) -> Qualification {
        Qualification {
            lead_id: r.lead_id,
            total: r.total,
            fit: r.fit,
            engagement: r.engagement,
            stage: r.stage,
            grade: r.grade,
            level: r.level,
            matrix: r.matrix,
            band: r.band,
            disqualified: r.disqualified,
        }
    }
}

/// Why an event does not count with a rule set (docs/RULESET.md, section 10.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SetAsideReason {
    /// Later than `now`: it counts from its time on.
    AfterNow,
    /// Tracked before the visitor was identified, under `anonymousHistory: "ignore"`.
    AnonymousHistory,
    /// The same id as an earlier event (a batch lead).
    Duplicate,
    /// Refused when read (a batch lead).
    Invalid,
    /// Older than the newest 1,000 events.
    OverHistoryLimit,
    /// A type the rule set's vocabulary does not declare.
    UnknownType,
    /// A declared property of another JSON type.
    WrongPropertyType,
    /// A type no rule, stage trigger or disqualifier looks at, in a rule set without
    /// a vocabulary: the event is scored, but nothing can count it.
    UnusedType,
}

impl SetAsideReason {
    /// The name answers and messages use: `unknownType`, `afterNow`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            SetAsideReason::AfterNow => "afterNow",
            SetAsideReason::AnonymousHistory => "anonymousHistory",
            SetAsideReason::Duplicate => "duplicate",
            SetAsideReason::Invalid => "invalid",
            SetAsideReason::OverHistoryLimit => "overHistoryLimit",
            SetAsideReason::UnknownType => "unknownType",
            SetAsideReason::WrongPropertyType => "wrongPropertyType",
            SetAsideReason::UnusedType => "unusedType",
        }
    }
}

/// One event that does not count with one rule set, and why: what a watched
/// `track` reports ([`crate::TrackResult::set_aside`]), and what
/// [`crate::Session::set_aside`], [`crate::Engine::set_aside_value`] and
/// `leadscore score --debug` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAside {
    pub ruleset_id: Arc<str>,
    pub ruleset_version: Arc<str>,
    /// Where the event is: its index in the lead's `events`, or in the session's
    /// history (oldest first). Absent in `track`'s answer (the event just tracked),
    /// and for events a session dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The event's type (absent for an invalid event or events a session dropped).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub event_type: Option<compact_str::CompactString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<compact_str::CompactString>,
    pub reason: SetAsideReason,
    /// For an unknown or unused type: the type the rule set knows that is nearest
    /// in spelling, when one is near.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did_you_mean: Option<Arc<str>>,
    /// For a property of the wrong type: its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<compact_str::CompactString>,
    /// The reason in words.
    pub message: String,
}
