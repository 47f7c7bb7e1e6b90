//! Event type → the rules, stage triggers and disqualifiers that look at events of
//! that type, built once per rule set, so that each event is tested only by what
//! can match it.

use crate::by_name::ByName;
use crate::rules::{Disqualifier, DisqualifierTest, EngagementRule, EventMatcher};
use crate::stages::Stages;
use crate::vocabulary::{PropertyType, Vocabulary};

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
pub(crate) struct TypeEntry {
    /// Length and first sixteen bytes: settles every lookup of a type name of up
    /// to sixteen bytes without comparing text.
    quick: (usize, u128),
    name: Box<str>,
    pub(crate) targets: Vec<Target>,
    pub(crate) declared: Option<ByName<PropertyType>>,
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
pub(crate) struct EventIndex {
    by_type: Vec<TypeEntry>,
    pub(crate) vocabulary_declared: bool,
}

impl EventIndex {
    pub(crate) fn build(
        engagement: &[EngagementRule],
        stages: &Stages,
        disqualifiers: &[Disqualifier],
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

    pub(crate) fn entry(&self, kind: &str) -> Option<&TypeEntry> {
        let quick = quick_key(kind);
        self.by_type.iter().find(|e| e.quick == quick && (quick.0 <= 16 || *e.name == *kind))
    }
}
