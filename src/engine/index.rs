//! Event type → the rules, stage triggers and disqualifiers that look at events of
//! that type, built once per rule set, so that each event is tested only by what
//! can match it.

use crate::by_name::ByName;
use crate::rules::{Disqualifier, DisqualifierTest, EngagementRule, EventMatcher};
use crate::stages::Stages;
use crate::vocabulary::{PropertyType, Vocabulary};
use std::cmp::Ordering;
use std::collections::BTreeMap;

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
    /// In order of [`quick_key`], then name: a long list (a rule set may name
    /// thousands of types) is searched by halves.
    by_type: Vec<TypeEntry>,
    pub(crate) vocabulary_declared: bool,
}

/// Up to this many types are looked up one by one, which is quicker than halving.
const SCANNED_TYPES: usize = 16;

impl EventIndex {
    pub(crate) fn build(
        engagement: &[EngagementRule],
        stages: &Stages,
        disqualifiers: &[Disqualifier],
        vocabulary: Option<&Vocabulary>,
    ) -> EventIndex {
        let mut index = EventIndex { vocabulary_declared: vocabulary.is_some(), ..EventIndex::default() };
        // Where each type's entry is, while the index is built: a rule set may
        // name many types, each many times.
        let mut at: BTreeMap<Box<str>, usize> = BTreeMap::new();
        for (name, props) in vocabulary.into_iter().flat_map(ByName::iter) {
            at.insert(name.into(), index.by_type.len());
            index.by_type.push(TypeEntry {
                quick: quick_key(name),
                name: name.into(),
                targets: Vec::new(),
                declared: Some(props.clone()),
            });
        }
        let mut add = |m: &EventMatcher, t: Target| {
            for ty in &m.types {
                match at.get(ty).and_then(|&i| index.by_type.get_mut(i)) {
                    Some(entry) => entry.targets.push(t),
                    None => {
                        at.insert(ty.clone(), index.by_type.len());
                        index.by_type.push(TypeEntry {
                            quick: quick_key(ty),
                            name: ty.clone(),
                            targets: vec![t],
                            declared: None,
                        });
                    }
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
        index.by_type.sort_unstable_by(|a, b| a.quick.cmp(&b.quick).then_with(|| a.name.cmp(&b.name)));
        index
    }

    pub(crate) fn entry(&self, kind: &str) -> Option<&TypeEntry> {
        let quick = quick_key(kind);
        if self.by_type.len() <= SCANNED_TYPES {
            return self.by_type.iter().find(|e| e.quick == quick && (quick.0 <= 16 || *e.name == *kind));
        }
        // A name of up to sixteen bytes is all in its quick key.
        let i = self
            .by_type
            .binary_search_by(|e| {
                e.quick.cmp(&quick).then_with(|| if quick.0 <= 16 { Ordering::Equal } else { (*e.name).cmp(kind) })
            })
            .ok()?;
        self.by_type.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ruleset::compile_value;
    use serde_json::json;

    /// Every type finds its own entry, among few types or thousands, short names
    /// or names alike in their first sixteen bytes; other names find none.
    #[test]
    fn every_type_finds_its_entry() {
        for n in [3usize, 16, 17, 5_000] {
            let types: Vec<String> =
                (0..n).map(|i| if i % 2 == 0 { format!("t{i}") } else { format!("a_long_event_type_{i}") }).collect();
            // Ten types a rule, and one they all share.
            let rules: Vec<_> = types
                .chunks(10)
                .enumerate()
                .map(|(k, ts)| {
                    let event: Vec<&str> = ts.iter().map(String::as_str).chain(["shared"]).collect();
                    json!({"id": format!("r{k}"), "event": event, "points": 1})
                })
                .collect();
            let doc = json!({"schema": "leadscore.ruleset/v1", "id": "t", "version": "1", "engagement": rules});
            let rs = compile_value(&doc).unwrap();
            let index = EventIndex::build(&rs.engagement, &rs.stages, &rs.disqualifiers, None);
            for (i, t) in types.iter().enumerate() {
                assert_eq!(index.entry(t).map(|e| e.targets.clone()), Some(vec![Target::Rule(i / 10)]), "{t} of {n}");
            }
            assert_eq!(index.entry("shared").map(|e| e.targets.len()), Some(n.div_ceil(10)));
            for other in ["", "t", "t1", "a_long_event_type_0", "a_long_event_type_", "zzz"] {
                assert!(index.entry(other).is_none() || types.iter().any(|t| t == other), "{other} of {n}");
            }
        }
    }
}
