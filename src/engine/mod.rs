//! A compiled rule set, ready to score many leads: the rule set as the compiler
//! checked it, plus what scoring looks up on every event (the index by event type)
//! and on every lead (the fields its rules read). Scoring itself is `crate::score`
//! (the engine's `score` and `qualify` entry points are in `score/entry_points.rs`).

mod index;
mod profile_index;

pub(crate) use index::{EventIndex, Target, TypeEntry};
pub(crate) use profile_index::{ProfileIndex, ProfileTest, FILTER_RESULTS_CACHED};

use crate::error::InputError;
#[cfg(feature = "compiler")]
use crate::error::{Problem, RuleSetError};
use crate::limits::CallLimits;
#[cfg(feature = "compiler")]
use crate::limits::{MAX_LISTED_PROBLEMS, MAX_RULESET_BYTES};
use crate::rules::{Award, DisqualifierTest, EngagementRule, EventMatcher};
use crate::ruleset::RuleSet;
#[cfg(feature = "compiler")]
use crate::wire::budget::Read;
use crate::wire::{LeadFields, Names};
use leadscore_rules::condition::Condition;
use leadscore_rules::value::FieldPath;
#[cfg(feature = "compiler")]
use serde_json::Value;

/// A rule set compiled once; scoring with it never changes it.
#[derive(Debug, Clone)]
pub struct Engine {
    /// The rule set as the compiler checked it.
    pub(crate) rules: RuleSet,
    pub(crate) index: EventIndex,
    /// The fit rules and profile disqualifiers by the profile field they read.
    pub(crate) profile_index: ProfileIndex,
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

/// The error of a rule set heavier than its limit.
#[cfg(feature = "compiler")]
fn too_heavy() -> RuleSetError {
    one_problem(InputError::new(
        "",
        "tooLarge",
        format!("the rule set weighs more than {MAX_RULESET_BYTES}, its limit (about as many bytes of JSON)"),
    ))
}

/// An input error about the rule set as its only problem.
#[cfg(feature = "compiler")]
fn one_problem(e: InputError) -> RuleSetError {
    RuleSetError { problems: vec![e.problem] }
}

/// A serial no other engine of this process has.
fn next_serial() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Engine {
    /// Compiles a rule set from JSON text; a bad one is refused with every problem.
    #[cfg(feature = "compiler")]
    pub fn from_json(text: &str) -> Result<Engine, RuleSetError> {
        CallLimits::check_input(text.len(), "", "the rule set").map_err(one_problem)?;
        let mut de = serde_json::Deserializer::from_str(text);
        let read = crate::wire::read_rule_set(&mut de).and_then(|read| de.end().map(|()| read)).map_err(|e| {
            let message = format!("the rule set is not valid JSON: {}", crate::error::json_syntax(&e));
            one_problem(InputError::new("", "invalidJson", message))
        })?;
        Engine::compile_read(read)
    }

    /// Compiles a rule set already parsed into a JSON value.
    #[cfg(feature = "compiler")]
    pub fn from_value(v: &Value) -> Result<Engine, RuleSetError> {
        // Weighed as text would be, so that the same rule set is refused, or not, alike.
        let left = std::cell::Cell::new(MAX_RULESET_BYTES);
        match crate::wire::weigh(v, &left) {
            Ok(()) => Engine::compile(v),
            Err(()) => Err(too_heavy()),
        }
    }

    /// Compiles a rule set as [`crate::wire::read_rule_set`] read it.
    #[cfg(feature = "compiler")]
    pub(crate) fn compile_read(read: Read) -> Result<Engine, RuleSetError> {
        match read {
            Read::Value(doc) => Engine::compile(&doc),
            Read::TooHeavy | Read::TooDeep => Err(too_heavy()),
        }
    }

    /// Compiles a rule-set document: a bad one is refused with every problem, or the
    /// first [`MAX_LISTED_PROBLEMS`] and how many more.
    #[cfg(feature = "compiler")]
    fn compile(doc: &Value) -> Result<Engine, RuleSetError> {
        crate::ruleset::compile_value(doc).map(Engine::from_rule_set).map_err(|mut e| {
            if e.problems.len() > MAX_LISTED_PROBLEMS {
                let more = e.problems.len() - MAX_LISTED_PROBLEMS;
                e.problems.truncate(MAX_LISTED_PROBLEMS);
                e.problems.push(Problem::new(
                    "",
                    "tooManyProblems",
                    format!("and {more} more problems: the first {MAX_LISTED_PROBLEMS} are listed"),
                ));
            }
            e
        })
    }

    /// The compiled form of the rule set (see `leadscore_rules::compiled`), for
    /// [`Engine::from_compiled`]: what `leadscore compile` writes to a `.lsc` file
    /// and the package's `compileRuleSet` returns.
    #[cfg(feature = "compiler")]
    pub fn to_compiled(&self) -> Vec<u8> {
        leadscore_rules::compiled::write(&self.rules, env!("CARGO_PKG_VERSION"))
    }

    /// An engine from a compiled rule set ([`Engine::to_compiled`]), checked whole:
    /// bytes that are not one, are truncated, damaged, of a newer format or describe
    /// rules the compiler would refuse are an `InputError` with the code
    /// `compiledRuleSet` saying which. Loaded, it scores exactly as the engine that
    /// wrote it.
    pub fn from_compiled(bytes: &[u8]) -> Result<Engine, InputError> {
        CallLimits::check_input(bytes.len(), "", "the compiled rule set")?;
        leadscore_rules::compiled::read(bytes).map(Engine::from_rule_set)
    }

    /// The engine for a checked rule set: its rules indexed by event type.
    fn from_rule_set(rules: RuleSet) -> Engine {
        let index =
            EventIndex::build(&rules.engagement, &rules.stages, &rules.disqualifiers, rules.vocabulary.as_ref());
        Engine {
            index,
            profile_index: ProfileIndex::build(&rules.fit, &rules.disqualifiers),
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

    /// What the rule set says that is probably not meant, each with its JSON path and
    /// a code (docs/RULESET.md, "Warnings"); empty for an engine made from a
    /// compiled rule set, which keeps no warnings.
    #[cfg(feature = "compiler")]
    pub fn warnings(&self) -> &[Problem] {
        &self.rules.warnings
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

    /// What this rule set reads, path by path: what a page may send of a lead
    /// scored with it (the tracker's signals, docs/SIGNALS.md). Worked out from the
    /// compiled rules, so it is the same for an engine made from JSON and one loaded
    /// from compiled bytes.
    pub fn reads(&self) -> Reads {
        reads(&self.rules)
    }
}

/// What a rule set reads ([`Engine::reads`]): the profile fields its fit rules and
/// profile disqualifiers test, and for each event type that an engagement rule,
/// stage trigger or event disqualifier looks at, the properties their `where`
/// filters and `sum`s read. Paths are whole (`company.size`), each list in byte
/// order without repeats, and the event types in byte order too. A vocabulary's
/// declared properties are not among them unless a rule reads them: a signal
/// carries what the rules read (docs/SIGNALS.md), unlike [`fields_read`], which
/// keeps declared properties for their type checks.
///
/// Plain sorted lists rather than maps and sets: the page module answers
/// `engine.reads` with them, and `BTreeMap`s of strings, their serde maps and the
/// standard sort cost it 3.4 KB gzip more (docs/PERFORMANCE.md, the page engine).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reads {
    pub profile: Vec<String>,
    /// Each event type read, with the properties read of it.
    pub events: Vec<(String, Vec<String>)>,
}

impl Reads {
    /// The properties read of events of type `ty`; `None` when no rule looks at it.
    pub fn event(&self, ty: &str) -> Option<&[String]> {
        self.events.iter().find(|(t, _)| t == ty).map(|(_, read)| read.as_slice())
    }
}

/// Adds every field path `c` reads, whole, to `into`.
fn paths(c: &Condition, into: &mut Vec<String>) {
    c.for_each_path(&mut |p| add(into, p.text()));
}

/// Puts `name` in its place in `list`, kept in byte order without repeats. (Not a
/// sort at the end: each instance of the standard sort weighs about 2 KB on the page
/// module, and these lists are short.)
fn add(list: &mut Vec<String>, name: String) {
    if let Err(at) = list.binary_search(&name) {
        list.insert(at, name);
    }
}

fn reads(rs: &RuleSet) -> Reads {
    let mut profile = Vec::new();
    let mut events: Vec<(String, Vec<String>)> = Vec::new();
    for r in &rs.fit {
        paths(&r.when, &mut profile);
    }
    let mut matchers: Vec<(&EventMatcher, Option<&FieldPath>)> = Vec::new();
    for r in &rs.engagement {
        let sum = match &r.award {
            Award::Sum { property, .. } | Award::PerUnit { property, .. } => Some(property),
            _ => None,
        };
        matchers.push((&r.matcher, sum));
        matchers.extend(r.then().map(|then| (then, None)));
    }
    matchers.extend(rs.stages.triggers().map(|t| (&t.matcher, None)));
    for d in &rs.disqualifiers {
        match &d.test {
            DisqualifierTest::Profile(c) => paths(c, &mut profile),
            DisqualifierTest::Event(m) => matchers.push((m, None)),
        }
    }
    for (m, sum) in matchers {
        let mut read = Vec::new();
        if let Some(filter) = &m.filter {
            paths(filter, &mut read);
        }
        if let Some(sum) = sum {
            add(&mut read, sum.text());
        }
        for ty in &m.types {
            let at = match events.binary_search_by(|(t, _)| t.as_str().cmp(ty)) {
                Ok(at) => at,
                Err(at) => {
                    events.insert(at, (ty.to_string(), Vec::new()));
                    at
                }
            };
            if let Some((_, held)) = events.get_mut(at) {
                for name in &read {
                    add(held, name.clone());
                }
            }
        }
    }
    Reads { profile, events }
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
    matchers.extend(rs.engagement.iter().filter_map(EngagementRule::then));
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
        if let Award::Sum { property, .. } | Award::PerUnit { property, .. } = &r.award {
            properties.push(property.first());
        }
    }
    for (_, declared) in rs.vocabulary.iter().flat_map(crate::by_name::ByName::iter) {
        properties.extend(declared.names());
    }
    LeadFields { profile: Names::only(profile), properties: Names::only(properties) }
}

#[cfg(all(test, feature = "compiler"))]
mod tests {
    use super::*;
    use serde_json::json;

    fn both(doc: &Value) -> Reads {
        let engine = Engine::from_value(doc).unwrap();
        let loaded = Engine::from_compiled(&engine.to_compiled()).unwrap();
        assert_eq!(engine.reads(), loaded.reads(), "the same from JSON and from compiled bytes");
        engine.reads()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// What the b2b-saas example reads: where fields, a sum property, a trigger's
    /// `form`, types whose rules read nothing; whole profile paths.
    #[test]
    fn reads_of_the_b2b_example() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/b2b-saas/ruleset.json"));
        let r = both(&serde_json::from_str(&text.unwrap()).unwrap());
        assert_eq!(
            r.profile,
            names(&["company.industry", "company.size", "company.website", "country", "email", "jobTitle"])
        );
        let types: Vec<&str> = r.events.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            types,
            [
                "email_bounce",
                "email_click",
                "email_open",
                "form_submit",
                "page_view",
                "unsubscribe",
                "webinar_attended"
            ]
        );
        assert_eq!(r.event("page_view").unwrap(), names(&["seconds", "url"]));
        assert_eq!(r.event("form_submit").unwrap(), names(&["form"]));
        assert_eq!(r.event("email_open"), Some(&[][..]));
    }

    /// A sequence's second event is read as a rule's: its types and its filter's
    /// properties (a signal must carry them, and events keep them).
    #[test]
    fn reads_of_a_sequence() {
        let r = both(&json!({
            "schema": "leadscore.ruleset/v1", "id": "t", "version": "1",
            "engagement": [{ "id": "e", "event": "page_view", "points": 1, "where": { "field": "url", "equals": "/pricing" },
                "then": { "event": "form_submit", "where": { "field": "form", "equals": "demo" }, "within": "7d" } }],
        }));
        assert_eq!(r.events.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["form_submit", "page_view"]);
        assert_eq!(r.event("form_submit").unwrap(), names(&["form"]));
        assert_eq!(r.event("page_view").unwrap(), names(&["url"]));
    }

    /// Conditions nested in all, any and not; event and profile disqualifiers; PQL
    /// triggers; lists of types; properties and types
    /// declared by a vocabulary but read by no rule are not read.
    #[test]
    fn reads_of_every_part() {
        let r = both(&json!({
            "schema": "leadscore.ruleset/v1", "id": "t", "version": "1",
            "fit": [{ "id": "f", "points": 1, "when": { "all": [{ "field": "a", "exists": true },
                { "any": [{ "not": { "field": "b.c", "equals": "x" } }] }] } }],
            "engagement": [{ "id": "e", "event": ["x", "y"], "points": 1,
                "where": { "any": [{ "field": "p", "equals": 1 }, { "not": { "field": "q", "equals": 2 } }] } }],
            "disqualifiers": [{ "id": "dz", "event": "z", "where": { "field": "r", "equals": 1 } },
                { "id": "dd", "when": { "field": "d", "equals": 1 } }],
            "stages": { "pql": { "on": [{ "event": "login", "where": { "field": "plan.tier", "equals": "pro" } }] } },
        }));
        assert_eq!(r.profile, names(&["a", "b.c", "d"]));
        assert_eq!(r.events.len(), 4);
        assert_eq!(r.event("x").unwrap(), names(&["p", "q"]));
        assert_eq!(r.event("y").unwrap(), names(&["p", "q"]));
        assert_eq!(r.event("z").unwrap(), names(&["r"]));
        assert_eq!(r.event("login").unwrap(), names(&["plan.tier"]));

        let r = both(&json!({
            "schema": "leadscore.ruleset/v1", "id": "t", "version": "1",
            "events": { "page_view": { "url": "string", "title": "string" }, "other": { "n": "number" } },
            "engagement": [{ "id": "e", "event": "page_view", "points": 1,
                "where": { "field": "url", "startsWith": "/pricing" } }],
        }));
        assert!(r.profile.is_empty());
        assert_eq!(r.events.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["page_view"]);
        assert_eq!(r.event("page_view").unwrap(), names(&["url"]));
    }
}
