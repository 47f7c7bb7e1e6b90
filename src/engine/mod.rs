//! A compiled rule set, ready to score many leads: the rule set as the compiler
//! checked it, plus what scoring looks up on every event (the index by event type)
//! and on every lead (the fields its rules read). Scoring itself is `crate::score`
//! (the engine's `score` and `qualify` entry points are in `score/entry_points.rs`).

mod index;

pub(crate) use index::{EventIndex, Target, TypeEntry};

use crate::error::RuleSetError;
use crate::rules::{Award, DisqualifierTest, EventMatcher};
use crate::ruleset::RuleSet;
use crate::wire::{LeadFields, Names};
use serde_json::Value;

/// A rule set compiled once; scoring with it never changes it.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The rule set as the compiler checked it.
    pub(crate) rules: RuleSet,
    pub(crate) index: EventIndex,
    /// Tells this compiled rule set apart from every other one in the process (a
    /// clone is the same rule set and keeps it): sessions key what they keep per
    /// rule set by it.
    pub(crate) serial: u64,
    /// `id@version`, made once: sessions look their stage up by it on every evaluation.
    pub(crate) key: Box<str>,
    /// The profile fields and event properties its rules read: all a lead scored in
    /// one call needs.
    lead_fields: LeadFields,
}

/// A serial no other engine of this process has.
fn next_serial() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Engine {
    /// Compiles a rule set from JSON text; a bad one is refused with every problem.
    pub fn from_json(text: &str) -> Result<Engine, RuleSetError> {
        crate::ruleset::compile_str(text).map(Engine::from_rule_set)
    }

    /// Compiles a rule set already parsed into a JSON value.
    pub fn from_value(v: &Value) -> Result<Engine, RuleSetError> {
        crate::ruleset::compile_value(v).map(Engine::from_rule_set)
    }

    /// The engine for a checked rule set: its rules indexed by event type.
    fn from_rule_set(rules: RuleSet) -> Engine {
        let index =
            EventIndex::build(&rules.engagement, &rules.stages, &rules.disqualifiers, rules.vocabulary.as_ref());
        Engine {
            index,
            lead_fields: fields_read(&rules),
            key: format!("{}@{}", rules.id, rules.version).into(),
            serial: next_serial(),
            rules,
        }
    }

    pub fn id(&self) -> &str {
        &self.rules.id
    }

    pub fn version(&self) -> &str {
        &self.rules.version
    }

    pub fn description(&self) -> Option<&str> {
        self.rules.description.as_deref()
    }

    /// `id@version`: the key under which sessions remember stages for this rule set.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The profile fields and event properties this rule set reads: what a reader
    /// keeps of a lead scored with it.
    pub(crate) fn lead_fields(&self) -> &LeadFields {
        &self.lead_fields
    }
}

/// What a rule set reads of a lead: the profile fields its fit rules and profile
/// disqualifiers test, and the event properties its `where` filters, stage
/// triggers, event disqualifiers, sums and declared event types name.
fn fields_read(rs: &RuleSet) -> LeadFields {
    let mut profile = Vec::new();
    let mut properties = Vec::new();
    for r in &rs.fit {
        r.when.for_each_field(&mut |name| profile.push(name));
    }
    let mut matchers: Vec<&EventMatcher> = rs.engagement.iter().map(|r| &r.matcher).collect();
    matchers.extend(rs.stages.triggers().map(|t| &t.matcher));
    for d in &rs.disqualifiers {
        match &d.test {
            DisqualifierTest::Profile(c) => c.for_each_field(&mut |name| profile.push(name)),
            DisqualifierTest::Event(m) => matchers.push(m),
        }
    }
    for filter in matchers.iter().filter_map(|m| m.filter.as_ref()) {
        filter.for_each_field(&mut |name| properties.push(name));
    }
    for r in &rs.engagement {
        if let Award::Sum { property, .. } = &r.award {
            properties.push(property.first());
        }
    }
    for (_, declared) in rs.vocabulary.iter().flat_map(crate::by_name::ByName::iter) {
        properties.extend(declared.names());
    }
    LeadFields { profile: Names::only(profile), properties: Names::only(properties) }
}
