//! The language's features that the first compiled format could not say: what a
//! rule set uses of them is listed, by name, in its compiled form, so that an
//! engine handed a rule set with a feature newer than itself refuses it naming
//! the feature, rather than reading bytes it does not know (or, worse, scoring
//! without the feature).
//!
//! A feature joins the language by a line in [`FEATURES`]: its name and whether a
//! rule set uses it.
//! Its rules are written in format version 2 with the names of the features they
//! use ahead of them (`compiled.rs`); a rule set that uses none is written exactly
//! as before, in format version 1, and loads in every engine that ever read one.
//! An engine that reads format version 2 refuses an unknown name before it reads
//! any rule. In JSON an older compiler refuses the feature's key or operator by
//! name already (an unknown key is an error with its path).

use crate::condition::{Condition, Test};
use crate::rules::{Award, DisqualifierTest};
use crate::ruleset::RuleSet;

/// Whether a rule set uses a feature.
type Uses = fn(&RuleSet) -> bool;

/// The features this engine knows: the name a compiled rule set lists, and
/// whether a rule set uses it. Names are never reused or renamed.
pub const FEATURES: &[(&str, Uses)] = &[
    ("repeatingCount", |rs| rs.engagement.iter().any(|r| matches!(r.award, Award::Every { .. }))),
    ("pointsPerUnit", |rs| rs.engagement.iter().any(|r| matches!(r.award, Award::PerUnit { .. }))),
    ("distinctDays", |rs| rs.engagement.iter().any(|r| matches!(r.award, Award::Days { .. }))),
    ("sequence", |rs| rs.engagement.iter().any(|r| matches!(r.award, Award::Sequence { .. }))),
    ("likeEscape", |rs| any_test(rs, &|t| matches!(t, Test::Like(ps) if ps.iter().any(|p| p.escape().is_some())))),
    ("numberFromText", |rs| any_test(rs, &|t| matches!(t, Test::NumberFromText(_)))),
    ("fieldComparison", |rs| any_test(rs, &|t| t.other_field().is_some())),
    ("relativeDate", |rs| conditions(rs).into_iter().any(Condition::depends_on_now)),
    ("disqualifierWindow", |rs| rs.disqualifiers.iter().any(|d| d.within.is_some())),
];

/// Longest name of a feature, and most features one rule set lists.
pub const MAX_NAME_LEN: usize = 32;
pub const MAX_LISTED: usize = 64;

/// Whether this engine knows the feature `name`.
pub fn known(name: &str) -> bool {
    FEATURES.iter().any(|(n, _)| *n == name)
}

/// The features `rs` uses, by name, in [`FEATURES`]'s order, each once.
pub fn used(rs: &RuleSet) -> Vec<&'static str> {
    FEATURES.iter().filter(|(_, uses)| uses(rs)).map(|(name, _)| *name).collect()
}

/// Every condition of `rs`: fit rules', disqualifiers' and every event filter.
/// (Plain loops: the page module reads this on every load, and chained iterators
/// weigh a kilobyte more there.)
fn conditions(rs: &RuleSet) -> Vec<&Condition> {
    let mut out = Vec::new();
    for r in &rs.fit {
        out.push(&r.when);
    }
    for r in &rs.engagement {
        out.extend(&r.matcher.filter);
    }
    for d in &rs.disqualifiers {
        match &d.test {
            DisqualifierTest::Profile(c) => out.push(c),
            DisqualifierTest::Event(m) => out.extend(&m.filter),
        }
    }
    for on in [rs.stages.sql.as_ref().map(|s| &s.on), rs.stages.pql.as_ref().map(|p| &p.on)].into_iter().flatten() {
        for t in on {
            out.extend(&t.matcher.filter);
        }
    }
    out
}

/// Whether a test of some condition of `rs` is one `f` says.
fn any_test(rs: &RuleSet, f: &dyn Fn(&Test) -> bool) -> bool {
    conditions(rs).into_iter().any(|c| c.any_test(f))
}
