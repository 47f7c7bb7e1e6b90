//! Event type → the rules, stage triggers and disqualifiers that look at events of
//! that type, built once per rule set, so that each event is tested only by what
//! can match it.

use crate::by_name::ByName;
use crate::rules::{Award, Disqualifier, DisqualifierTest, EngagementRule, EventMatcher};
use crate::stages::Stages;
use crate::vocabulary::{PropertyType, Vocabulary};
use leadscore_rules::order::name_order;

/// What looks at events of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Rule(usize),
    Trigger(usize),
    Disqualifier(usize),
    /// The second event (`then`) of the sequence rule of this number.
    Then(usize),
}

/// One event type: what looks at it, and its declared properties when the rule
/// set declares an event vocabulary.
#[derive(Debug, Clone)]
pub(crate) struct TypeEntry {
    /// Length and first sixteen bytes: settles every lookup of a type name of up
    /// to sixteen bytes without comparing text.
    quick: (usize, u128),
    name: Box<str>,
    /// Its place in the index: what the filter cache knows the type by.
    pub(crate) number: u32,
    pub(crate) targets: Vec<Target>,
    /// The properties (first steps of their paths) that the `where` filters of its
    /// targets read, in byte order without repeats: what decides what the filters
    /// make of an event of this type, so the key of the filter cache.
    pub(crate) reads: Box<[Box<str>]>,
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
    /// In byte order of the names: a long list (a rule set may name thousands of
    /// types) is searched by halves.
    by_type: Vec<TypeEntry>,
    pub(crate) vocabulary_declared: bool,
}

/// Up to this many types are looked up one by one by their quick keys, which is
/// quicker than halving.
const SCANNED_TYPES: usize = 16;

impl EventIndex {
    pub(crate) fn build<'a>(
        engagement: &'a [EngagementRule],
        stages: &'a Stages,
        disqualifiers: &'a [Disqualifier],
        vocabulary: Option<&'a Vocabulary>,
    ) -> EventIndex {
        // Every type named, with what names it (nothing, for a declared type), in
        // the order of the targets: rules, then triggers, then disqualifiers.
        let mut named: Vec<(&'a str, Option<Target>)> =
            vocabulary.into_iter().flat_map(ByName::names).map(|name| (name, None)).collect();
        let mut add = |m: &'a EventMatcher, t: Target| named.extend(m.types.iter().map(|ty| (&**ty, Some(t))));
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
        for (i, r) in engagement.iter().enumerate() {
            if let Award::Sequence { then, .. } = &r.award {
                add(then, Target::Then(i));
            }
        }
        // One entry per name, in order of the names (a rule set may name many
        // types, each many times), its targets in the order above.
        let names: Vec<&str> = named.iter().map(|(name, _)| *name).collect();
        let mut by_type: Vec<TypeEntry> = Vec::new();
        for (name, target) in name_order(&names).into_iter().filter_map(|i| named.get(i)) {
            if by_type.last().is_none_or(|e| *e.name != **name) {
                by_type.push(TypeEntry {
                    quick: quick_key(name),
                    name: (*name).into(),
                    number: u32::try_from(by_type.len()).unwrap_or(u32::MAX),
                    targets: Vec::new(),
                    reads: Box::default(),
                    declared: vocabulary.and_then(|v| v.get(name)).cloned(),
                });
            }
            if let (Some(entry), Some(t)) = (by_type.last_mut(), target) {
                entry.targets.push(*t);
            }
        }
        let matcher = |t: &Target| match *t {
            Target::Rule(i) => engagement.get(i).map(|r| &r.matcher),
            Target::Trigger(k) => stages.trigger(k).map(|t| &t.matcher),
            Target::Disqualifier(k) => match disqualifiers.get(k).map(|d| &d.test) {
                Some(DisqualifierTest::Event(m)) => Some(m),
                _ => None,
            },
            Target::Then(i) => engagement.get(i).and_then(EngagementRule::then),
        };
        for entry in &mut by_type {
            let mut reads: Vec<&str> = Vec::new();
            for filter in entry.targets.iter().filter_map(matcher).filter_map(|m| m.filter.as_ref()) {
                filter.for_each_field(&mut |name| {
                    if let Err(at) = reads.binary_search(&name) {
                        reads.insert(at, name);
                    }
                });
            }
            entry.reads = reads.into_iter().map(Box::from).collect();
        }
        EventIndex { by_type, vocabulary_declared: vocabulary.is_some() }
    }

    /// Every type named (by the vocabulary, rules, triggers or disqualifiers), in
    /// byte order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.by_type.iter().map(|e| &*e.name)
    }

    pub(crate) fn entry(&self, kind: &str) -> Option<&TypeEntry> {
        if self.by_type.len() <= SCANNED_TYPES {
            let quick = quick_key(kind);
            return self.by_type.iter().find(|e| e.quick == quick && (quick.0 <= 16 || *e.name == *kind));
        }
        let i = self.by_type.binary_search_by(|e| (*e.name).cmp(kind)).ok()?;
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
