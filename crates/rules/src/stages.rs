//! Lifecycle stages (MQL, PQL, SQL), fit grades, engagement levels and score bands.

use crate::rules::{Centi, EventMatcher, Points};
use serde::Serialize;

/// Stages in the order a lead moves through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    #[default]
    None,
    Mql,
    Pql,
    Sql,
}

impl Stage {
    #[inline]
    pub fn parse(s: &str) -> Option<Stage> {
        [Stage::None, Stage::Mql, Stage::Pql, Stage::Sql].into_iter().find(|st| st.as_str() == s)
    }

    #[inline]
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::None => "none",
            Stage::Mql => "mql",
            Stage::Pql => "pql",
            Stage::Sql => "sql",
        }
    }
}

/// An event-based stage trigger: at least `at_least` matching events, within
/// `within` of now when given.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub path: String,
    /// What the trigger means, in words a sales rep reads ("requested a demo"):
    /// stage reasons name the trigger by it, else by its path.
    pub label: Option<Box<str>>,
    pub matcher: EventMatcher,
    pub at_least: u32,
    pub within: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct MqlStage {
    pub threshold: Centi,
    pub min_fit: Option<Centi>,
    pub min_engagement: Option<Centi>,
}

#[derive(Debug, Clone)]
pub struct SqlStage {
    pub threshold: Option<Centi>,
    pub on: Vec<Trigger>,
}

#[derive(Debug, Clone)]
pub struct PqlStage {
    pub on: Vec<Trigger>,
    pub min_fit: Option<Centi>,
}

#[derive(Debug, Clone, Default)]
pub struct Stages {
    pub mql: Option<MqlStage>,
    pub sql: Option<SqlStage>,
    pub pql: Option<PqlStage>,
    /// When false (the default) a lead's stage never moves backwards.
    pub recycle: bool,
}

/// Why a lead is at its stage: a result's `stageReason`, in words when displayed.
#[derive(Debug, Clone, Copy)]
pub enum StageReason<'s> {
    /// A disqualifier holds: the label of the first that holds, when it has one.
    Disqualified(Option<&'s str>),
    /// An SQL trigger fired.
    IntentTrigger(&'s Trigger),
    SqlThreshold {
        total: Centi,
        threshold: Centi,
    },
    /// A PQL trigger fired.
    ProductTrigger(&'s Trigger),
    MqlThreshold {
        total: Centi,
        threshold: Centi,
    },
    NoStage,
}

impl std::fmt::Display for StageReason<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            StageReason::Disqualified(None) => f.write_str("disqualified"),
            StageReason::Disqualified(Some(label)) => write!(f, "disqualified: \"{label}\""),
            StageReason::IntentTrigger(t) => write!(f, "intent trigger {} fired", TriggerName(t)),
            StageReason::SqlThreshold { total, threshold } => {
                write!(f, "total {} reached the SQL threshold {}", Points(total), Points(threshold))
            }
            StageReason::ProductTrigger(t) => write!(f, "product trigger {} fired", TriggerName(t)),
            StageReason::MqlThreshold { total, threshold } => {
                write!(f, "total {} reached the MQL threshold {}", Points(total), Points(threshold))
            }
            StageReason::NoStage => f.write_str("no stage's conditions hold"),
        }
    }
}

/// A trigger as a stage reason names it: `"its label"` in quotes, else its path
/// (`stages.sql.on[0]`).
struct TriggerName<'t>(&'t Trigger);

impl std::fmt::Display for TriggerName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.label {
            Some(label) => write!(f, "\"{label}\""),
            None => f.write_str(&self.0.path),
        }
    }
}

/// What the stage rules see of a scored lead.
pub struct StageInputs<F: Fn(usize, &Trigger) -> bool> {
    pub total: Centi,
    pub fit: Centi,
    pub engagement: Centi,
    pub disqualified: bool,
    /// Whether the `k`-th trigger of [`Stages::triggers`] holds now. Asked only
    /// until one fires: a scorer need not collect them all first (scoring and a
    /// watched `track` ask on every call, and a list would be an allocation).
    pub fired: F,
}

impl Stages {
    /// The stage the lead's current numbers qualify it for, and why. The reason is
    /// written out only when a result is explained (a `Qualification` and a
    /// session's `track` never do).
    #[inline]
    pub fn qualify<'s, F: Fn(usize, &Trigger) -> bool>(&'s self, s: &StageInputs<F>) -> (Stage, StageReason<'s>) {
        if s.disqualified {
            return (Stage::None, StageReason::Disqualified(None));
        }
        if let Some(sql) = &self.sql {
            if let Some(t) = sql.on.iter().enumerate().find(|(k, t)| (s.fired)(*k, t)).map(|(_, t)| t) {
                return (Stage::Sql, StageReason::IntentTrigger(t));
            }
            if let Some(threshold) = sql.threshold.filter(|th| s.total >= *th) {
                return (Stage::Sql, StageReason::SqlThreshold { total: s.total, threshold });
            }
        }
        if let Some(pql) = &self.pql {
            if pql.min_fit.is_none_or(|m| s.fit >= m) {
                let first = self.sql_triggers().len();
                if let Some(t) = pql.on.iter().enumerate().find(|(k, t)| (s.fired)(first + k, t)).map(|(_, t)| t) {
                    return (Stage::Pql, StageReason::ProductTrigger(t));
                }
            }
        }
        if let Some(mql) = &self.mql {
            if s.total >= mql.threshold
                && mql.min_fit.is_none_or(|m| s.fit >= m)
                && mql.min_engagement.is_none_or(|m| s.engagement >= m)
            {
                return (Stage::Mql, StageReason::MqlThreshold { total: s.total, threshold: mql.threshold });
            }
        }
        (Stage::None, StageReason::NoStage)
    }

    /// The highest stage the rule set has: no lead qualifies above it.
    #[inline]
    pub fn highest(&self) -> Stage {
        if self.sql.is_some() {
            Stage::Sql
        } else if self.pql.is_some() {
            Stage::Pql
        } else if self.mql.is_some() {
            Stage::Mql
        } else {
            Stage::None
        }
    }

    /// The SQL stage's triggers, then the PQL stage's: trigger `k` in scoring
    /// (`Target::Trigger(k)`, a tally per trigger) is the k-th of these.
    #[inline]
    pub fn triggers(&self) -> impl Iterator<Item = &Trigger> {
        self.sql_triggers().iter().chain(self.pql_triggers())
    }

    /// The k-th of [`Stages::triggers`].
    #[inline]
    pub fn trigger(&self, k: usize) -> Option<&Trigger> {
        let sql = self.sql_triggers();
        match k.checked_sub(sql.len()) {
            None => sql.get(k),
            Some(k) => self.pql_triggers().get(k),
        }
    }

    #[inline]
    pub fn trigger_count(&self) -> usize {
        self.sql_triggers().len() + self.pql_triggers().len()
    }

    #[inline]
    fn sql_triggers(&self) -> &[Trigger] {
        self.sql.as_ref().map_or(&[], |s| &s.on)
    }

    #[inline]
    fn pql_triggers(&self) -> &[Trigger] {
        self.pql.as_ref().map_or(&[], |p| &p.on)
    }
}

/// Fit grades A–D and engagement levels 1–4 from three descending cut-offs each:
/// A (or 1) at or above the first, B (2) at or above the second, C (3) at or above
/// the third, D (4) below.
#[derive(Debug, Clone)]
pub struct Grades {
    pub fit: [Centi; 3],
    pub engagement: [Centi; 3],
}

impl Default for Grades {
    fn default() -> Self {
        Grades { fit: [5_000, 3_000, 1_000], engagement: [7_500, 5_000, 2_500] }
    }
}

impl Grades {
    #[inline]
    pub fn grade(&self, fit: Centi) -> &'static str {
        ["A", "B", "C"].into_iter().zip(self.fit).find(|(_, cut)| fit >= *cut).map_or("D", |(g, _)| g)
    }

    #[inline]
    pub fn level(&self, engagement: Centi) -> u8 {
        [1u8, 2, 3].into_iter().zip(self.engagement).find(|(_, cut)| engagement >= *cut).map_or(4, |(l, _)| l)
    }

    /// Grade and level as sales reads them: "A1" … "D4".
    #[inline]
    pub fn matrix(&self, fit: Centi, engagement: Centi) -> &'static str {
        const CELLS: [[&str; 4]; 4] =
            [["A1", "A2", "A3", "A4"], ["B1", "B2", "B3", "B4"], ["C1", "C2", "C3", "C4"], ["D1", "D2", "D3", "D4"]];
        let row = match self.grade(fit) {
            "A" => 0,
            "B" => 1,
            "C" => 2,
            _ => 3,
        };
        let col = usize::from(self.level(engagement).saturating_sub(1));
        CELLS.get(row).and_then(|r| r.get(col)).copied().unwrap_or("D4")
    }
}

/// A named score band; bands are held in descending order of `at_least`, the
/// last one (with `at_least: None`) catching every other total.
#[derive(Debug, Clone)]
pub struct Band {
    pub name: std::sync::Arc<str>,
    pub at_least: Option<Centi>,
}

#[inline]
pub fn band_of(bands: &[Band], total: Centi) -> Option<&std::sync::Arc<str>> {
    bands.iter().find(|b| b.at_least.is_none_or(|a| total >= a)).map(|b| &b.name)
}

/// Default bands: hot from the MQL threshold (100 without one), warm from half of it.
pub fn default_bands(mql_threshold: Option<Centi>) -> Vec<Band> {
    let hot = mql_threshold.unwrap_or(10_000);
    vec![
        Band { name: "hot".into(), at_least: Some(hot) },
        Band { name: "warm".into(), at_least: Some(hot / 2) },
        Band { name: "cold".into(), at_least: None },
    ]
}

pub fn fmt_points(c: Centi) -> String {
    Points(c).to_string()
}
