//! The compiled rule model: what a validated rule set becomes. Points are held as
//! integer hundredths ("centipoints") so sums are exact and identical on every target.

use crate::condition::Condition;
use crate::value::{FieldPath, Fields};
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::Arc;

/// Hundredths of a point.
pub type Centi = i64;

/// The most a points-per-unit rule adds or takes away, in hundredths (10^9 points),
/// whatever its events' numbers: what keeps sums of points exact and in range.
pub const MAX_PER_UNIT_AWARD: Centi = 100_000_000_000;

/// Points, held as exact hundredths. Serialized as a JSON number: `15`, `12.5`, `-0.25`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Points(pub Centi);

impl Points {
    #[inline]
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Points {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (whole, frac) = (self.0.unsigned_abs() / 100, self.0.unsigned_abs() % 100);
        match frac {
            0 => write!(f, "{sign}{whole}"),
            f2 if f2 % 10 == 0 => write!(f, "{sign}{whole}.{}", f2 / 10),
            f2 => write!(f, "{sign}{whole}.{f2:02}"),
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            s.serialize_i64(self.0 / 100)
        } else {
            s.serialize_f64(self.as_f64())
        }
    }
}

#[derive(Debug, Clone)]
pub struct FitRule {
    pub id: Arc<str>,
    pub description: Option<Arc<str>>,
    pub group: Option<usize>,
    pub points: Centi,
    pub when: Condition,
}

/// Which events a rule, a disqualifier or a stage trigger looks at.
#[derive(Debug, Clone)]
pub struct EventMatcher {
    pub types: Vec<Box<str>>,
    pub filter: Option<Condition>,
}

impl EventMatcher {
    /// Whether the `where` filter holds for an event (the type is matched by the
    /// scorer's index, not here).
    #[inline]
    pub fn filter_holds<F: Fields + ?Sized>(&self, properties: &F) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(properties))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recency {
    /// Points of an occurrence halve every `half_life` ms of its age.
    pub half_life: Option<i64>,
    /// Occurrences older than this many ms no longer count.
    pub expire_after: Option<i64>,
}

#[derive(Debug, Clone)]
pub enum Award {
    /// `points` per matching event (decayed by age), at most `cap` in all; `once`
    /// counts only the most recent matching event.
    PerOccurrence { cap: Option<Centi>, once: bool },
    /// `points` once when at least `at_least` matching events fall within `within`.
    Frequency { at_least: u32, within: Option<i64> },
    /// `points` once when the property summed over matching events within `within`
    /// reaches `at_least` (both in thousandths of the property's unit).
    Sum { property: FieldPath, at_least_milli: i64, within: Option<i64> },
    /// `points` for every `every` matching events within `within` (points × ⌊n /
    /// every⌋), at most `cap` in all: a repeating count.
    Every { every: u32, within: Option<i64>, cap: Option<Centi> },
    /// `points` per unit of the number at `property` of each matching event
    /// (decayed by age), at most `cap` in all; `once` counts only the most recent
    /// matching event.
    PerUnit { property: FieldPath, cap: Option<Centi>, once: bool },
    /// `points` once when the matching events within `within` fall on at least
    /// `at_least` different days, a day starting at 00:00 at UTC + `utc_offset` ms.
    Days { at_least: u32, within: Option<i64>, utc_offset: i64 },
    /// `points` once when a matching event A is followed by an event matching
    /// `then` (B) at most `within` ms later, decayed and expired by the age of the
    /// newest such B: a sequence.
    Sequence { then: EventMatcher, within: Option<i64> },
}

/// The most a `days.utcOffset` may be from UTC either way: 23:59.
pub const MAX_UTC_OFFSET_MS: i64 = (23 * 60 + 59) * 60_000;

#[derive(Debug, Clone)]
pub struct EngagementRule {
    pub id: Arc<str>,
    pub description: Option<Arc<str>>,
    pub group: Option<usize>,
    pub matcher: EventMatcher,
    pub points: Centi,
    pub award: Award,
    pub recency: Recency,
}

impl EngagementRule {
    /// The matcher of a sequence's second event.
    pub fn then(&self) -> Option<&EventMatcher> {
        match &self.award {
            Award::Sequence { then, .. } => Some(then),
            _ => None,
        }
    }

    /// The most this rule can add in absolute value, or `None` when it is unbounded.
    pub fn max_magnitude(&self) -> Option<Centi> {
        match &self.award {
            Award::PerOccurrence { cap: Some(c), .. } => Some(*c),
            Award::PerOccurrence { cap: None, once: true } => Some(self.points.abs()),
            Award::PerOccurrence { cap: None, once: false } => None,
            Award::Frequency { .. } | Award::Sum { .. } | Award::Days { .. } | Award::Sequence { .. } => {
                Some(self.points.abs())
            }
            Award::Every { cap, .. } | Award::PerUnit { cap, .. } => *cap,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: Arc<str>,
    /// The most the group's rules may add together; `None` for no cap.
    pub cap: Option<Centi>,
}

#[derive(Debug, Clone)]
pub enum DisqualifierTest {
    Profile(Condition),
    Event(EventMatcher),
}

#[derive(Debug, Clone)]
pub struct Disqualifier {
    pub id: Arc<str>,
    /// What the disqualifier means, in words a sales rep reads ("works at a
    /// competitor"): the stage reason of a lead it disqualifies gives it.
    pub label: Option<Arc<str>>,
    pub description: Option<Arc<str>>,
    pub test: DisqualifierTest,
    /// For an event disqualifier: it holds only while a matching event is at most
    /// this many ms old (`within`); at any age without it.
    pub within: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct TotalLimits {
    pub max: Option<Centi>,
    pub floor_at_zero: bool,
}
