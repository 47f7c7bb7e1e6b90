//! Compiling a rule-set document (JSON) into a [`RuleSet`]: every problem is
//! collected with its JSON path, and a rule set with any problem is refused whole.

use crate::by_name::ByName;
use crate::condition::{self, MAX_RULE_TEXT_LEN};
use crate::cost::{lead_cost, MAX_LEAD_COST};
use crate::error::{index, Problem, RuleSetError};
use crate::order::first_of_each;
use crate::reader::{object, Obj};
use crate::rules::*;
use crate::stages::{default_bands, Band, Grades, MqlStage, PqlStage, SqlStage, Stages, Trigger};
use crate::value::{json_text, type_name, FieldPath};
use crate::vocabulary::{PropertyType, Vocabulary};
use serde_json::Value;
use std::collections::BTreeMap;

/// The schema tag every rule set carries in `"schema"`.
pub const SCHEMA: &str = "leadscore.ruleset/v1";
/// Most rules (fit, engagement and disqualifiers together) in one rule set.
pub const MAX_RULES: usize = 1_000;
/// Largest rule-set document, in bytes of JSON text.
pub const MAX_RULESET_BYTES: usize = 1 << 20;
/// Most events a frequency rule or trigger may ask for.
pub const MAX_AT_LEAST: u32 = 1_000;
/// Longest id (of the rule set, a rule, a group, a band) and version, in bytes.
pub const MAX_ID_LEN: usize = 64;
/// Longest description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 1_000;
/// Longest label of a stage trigger or a disqualifier, in bytes: a few words for a
/// stage reason a sales rep reads ("requested a demo").
pub const MAX_LABEL_LEN: usize = 200;
/// The band of every disqualified lead, whatever its total: no band of a rule set
/// may have this name.
pub const DISQUALIFIED_BAND: &str = "disqualified";

const TOP_KEYS: &[&str] = &[
    "schema",
    "id",
    "version",
    "description",
    "events",
    "groups",
    "fit",
    "engagement",
    "recency",
    "total",
    "disqualifiers",
    "stages",
    "grades",
    "bands",
    "anonymousHistory",
    "$schema",
];

pub fn compile_str(text: &str) -> Result<RuleSet, RuleSetError> {
    check_size(text.len())?;
    let v: Value = serde_json::from_str(text).map_err(|e| {
        one("", "invalidJson", format!("the rule set is not valid JSON: {}", crate::error::json_syntax(&e)))
    })?;
    compile_value(&v)
}

/// Refuses a rule set of more than [`MAX_RULESET_BYTES`] as it arrived (JSON text,
/// or the bytes the WebAssembly layer receives).
pub fn check_size(bytes: usize) -> Result<(), RuleSetError> {
    if bytes > MAX_RULESET_BYTES {
        return Err(one("", "tooLarge", format!("the rule set is {bytes} bytes; the limit is {MAX_RULESET_BYTES}")));
    }
    Ok(())
}

fn one(path: &str, code: &'static str, message: String) -> RuleSetError {
    RuleSetError { problems: vec![Problem::new(path, code, message)] }
}

pub fn compile_value(v: &Value) -> Result<RuleSet, RuleSetError> {
    let mut p = Vec::new();
    match compile(v, &mut p) {
        Some(rule_set) if p.is_empty() => Ok(rule_set),
        _ => {
            if p.is_empty() {
                p.push(Problem::new("", "invalid", "the rule set could not be read"));
            }
            Err(RuleSetError { problems: p })
        }
    }
}

/// A rule set that passed every check: its rules, limits and stages, ready to be
/// made into an engine (which indexes them by event type).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub id: std::sync::Arc<str>,
    pub version: std::sync::Arc<str>,
    pub description: Option<String>,
    pub fit: Vec<FitRule>,
    pub engagement: Vec<EngagementRule>,
    pub groups: Vec<Group>,
    pub total: TotalLimits,
    pub disqualifiers: Vec<Disqualifier>,
    pub stages: Stages,
    pub grades: Grades,
    pub bands: Vec<Band>,
    pub count_anonymous: bool,
    pub vocabulary: Option<Vocabulary>,
    /// What the rule set says that is probably not meant (`crate::warnings`): found
    /// when it is compiled from JSON, not kept in its compiled form (empty when read
    /// from one).
    pub warnings: Vec<crate::warnings::Warning>,
}

fn compile(v: &Value, p: &mut Vec<Problem>) -> Option<RuleSet> {
    let top = object(v, "", "a rule set", TOP_KEYS, p)?;
    match top.get("schema") {
        Some(Value::String(s)) if s == SCHEMA => {}
        Some(other) => p.push(Problem::new(
            top.at("schema"),
            "unknownSchema",
            format!("the schema is {}; this version of leadscore reads \"{SCHEMA}\"", json_text(other)),
        )),
        None => p.push(Problem::new("schema", "missingKey", format!("\"schema\" is required: write \"{SCHEMA}\""))),
    }
    // Where an editor finds the rule set's JSON Schema (docs/ruleset.schema.json): any
    // text, ignored.
    if let Some(other) = top.get("$schema").filter(|v| !v.is_string()) {
        p.push(Problem::new(
            "$schema",
            "wrongType",
            format!("\"$schema\" is the path or URL of the rule set's JSON Schema, as text, not {}", type_name(other)),
        ));
    }
    let id = top.text("id", Some("a name for the rule set, like \"b2b-mql\""), MAX_ID_LEN, p).filter(|id| {
        // No "@": sessions key their progress by "id@version".
        let ok = id.chars().all(is_id_char);
        if !ok {
            p.push(Problem::new(
                top.at("id"),
                "invalidId",
                format!("the rule set id \"{id}\" may hold only letters, digits and _ - . :"),
            ));
        }
        ok
    });
    let version = top.text("version", Some("the rule set's version, like \"2026-11-01\" or \"3\""), MAX_ID_LEN, p);
    let description = top.text("description", None, MAX_DESCRIPTION_LEN, p);
    let vocabulary = top.get("events").and_then(|v| read_vocabulary(v, &top.at("events"), p));
    let groups = read_groups(&top, p);
    let recency = top.get("recency").map(|v| read_recency(v, &top.at("recency"), p)).unwrap_or_default();

    let mut ctx = Ctx { p, ids: BTreeMap::new(), groups: &groups, vocabulary: vocabulary.as_ref(), rule_count: 0 };
    // Paths from `top.at`: a misspelt key that stands in for one (`engagment`) is
    // where the value is.
    let fit: Vec<FitRule> = top
        .list("fit", ctx.p)
        .iter()
        .enumerate()
        .filter_map(|(i, r)| ctx.fit_rule(r, &index(&top.at("fit"), i)))
        .collect();
    let engagement: Vec<EngagementRule> = top
        .list("engagement", ctx.p)
        .iter()
        .enumerate()
        .filter_map(|(i, r)| ctx.engagement_rule(r, &index(&top.at("engagement"), i), recency))
        .collect();
    let disqualifiers: Vec<Disqualifier> = top
        .list("disqualifiers", ctx.p)
        .iter()
        .enumerate()
        .filter_map(|(i, r)| ctx.disqualifier(r, &index(&top.at("disqualifiers"), i)))
        .collect();
    if ctx.rule_count > MAX_RULES {
        ctx.p.push(Problem::new(
            "",
            "tooManyRules",
            format!("the rule set has {} rules; the limit is {MAX_RULES}", ctx.rule_count),
        ));
    }
    let total = top.get("total").map(|v| ctx.total_limits(v, &top.at("total"))).unwrap_or_default();
    let stages = top.get("stages").map(|v| ctx.stages(v, &top.at("stages"))).unwrap_or_default();
    // Of the rules that compiled: a rule set with others refused costs more still.
    let cost = lead_cost(&fit, &engagement, &disqualifiers, &stages);
    if cost > MAX_LEAD_COST {
        ctx.p.push(Problem::new(
            "",
            "tooCostly",
            format!(
                "scoring a lead could take an estimated {cost} steps with these conditions; the limit is \
                 {MAX_LEAD_COST}. Each `contains` or `word` text and `like` pattern costs 4,096,000 steps in \
                 the filters of an event type and 65,536 in the profile conditions, a comparison a sixteenth of \
                 that (section 11 of the rule-set reference): test fewer texts, patterns or values"
            ),
        ));
    }
    let grades = top.get("grades").map(|v| read_grades(v, &top.at("grades"), ctx.p)).unwrap_or_default();
    let bands = match top.get("bands") {
        Some(v) => read_bands(v, &top.at("bands"), ctx.p),
        None => default_bands(stages.mql.as_ref().map(|m| m.threshold)),
    };
    let count_anonymous = match top.get("anonymousHistory") {
        None => true,
        Some(Value::String(s)) if s == "count" => true,
        Some(Value::String(s)) if s == "ignore" => false,
        Some(other) => {
            ctx.p.push(Problem::new(
                top.at("anonymousHistory"),
                "invalidValue",
                format!("\"anonymousHistory\" must be \"count\" or \"ignore\", not {}", json_text(other)),
            ));
            true
        }
    };

    for (gi, g) in groups.iter().enumerate() {
        let has_fit = fit.iter().any(|r| r.group == Some(gi));
        if has_fit && engagement.iter().any(|r| r.group == Some(gi)) {
            ctx.p.push(Problem::new(
                crate::error::join(&top.at("groups"), &g.name),
                "mixedGroup",
                format!("group \"{}\" holds both fit and engagement rules; a group caps one kind of points, so make two groups", g.name),
            ));
        }
    }
    // With rules already refused the best case is unknown, so this check waits
    // until the rest is clean rather than report a threshold as unreachable wrongly.
    let valid = ctx.p.is_empty() && {
        check_reachable(&fit, &engagement, &groups, total, &stages, ctx.p);
        ctx.p.is_empty()
    };

    let mut rule_set = RuleSet {
        id: id?.into(),
        version: version?.into(),
        description,
        fit,
        engagement,
        groups,
        total,
        disqualifiers,
        stages,
        grades,
        bands,
        count_anonymous,
        vocabulary,
        warnings: Vec::new(),
    };
    if valid {
        rule_set.warnings = crate::warnings::warnings(v, &rule_set);
    }
    Some(rule_set)
}

struct Ctx<'a, 'p> {
    p: &'p mut Vec<Problem>,
    /// Rule ids seen so far, with the path where each was first defined: ordered, as
    /// the ids are the author's to choose (docs/SECURITY.md, hash flooding).
    ids: BTreeMap<String, String>,
    /// The groups defined, in order of name (as `read_groups` reads them).
    groups: &'a [Group],
    vocabulary: Option<&'a Vocabulary>,
    rule_count: usize,
}

impl Ctx<'_, '_> {
    fn rule_id(&mut self, o: &Obj<'_>) -> Option<String> {
        self.rule_count += 1;
        let id = o.text("id", Some("a unique id for the rule, like \"pricing_page\""), MAX_ID_LEN, self.p)?;
        if !id.chars().all(is_id_char) {
            self.p.push(Problem::new(
                o.at("id"),
                "invalidId",
                format!("rule id \"{id}\" may hold only letters, digits and _ - . :"),
            ));
            return None;
        }
        if let Some(first) = self.ids.get(&id) {
            self.p.push(Problem::new(
                o.at("id"),
                "duplicateId",
                format!("rule id \"{id}\" is already used at {first}"),
            ));
            return None;
        }
        self.ids.insert(id.clone(), o.path.clone());
        Some(id)
    }

    fn group(&mut self, o: &Obj<'_>) -> Option<Option<usize>> {
        let Some(name) = o.text("group", None, MAX_ID_LEN, self.p) else {
            return Some(None);
        };
        match self.groups.binary_search_by(|g| (*g.name).cmp(name.as_str())) {
            Ok(i) => Some(Some(i)),
            Err(_) => {
                let known = self.groups.iter().map(|g| &*g.name);
                self.p.push(Problem::new(
                    o.at("group"),
                    "unknownGroup",
                    format!(
                        "no group \"{name}\" is defined in \"groups\"{}",
                        match crate::suggest::nearest(&name, known.clone()) {
                            Some(near) => format!(": did you mean \"{near}\"?"),
                            None if self.groups.is_empty() => String::new(),
                            None => format!(" (defined: {})", some_names(known, self.groups.len())),
                        }
                    ),
                ));
                None
            }
        }
    }

    fn fit_rule(&mut self, v: &Value, path: &str) -> Option<FitRule> {
        let o = object(v, path, "a fit rule", &["id", "description", "group", "points", "when"], self.p)?;
        let id = self.rule_id(&o);
        let description = o.text("description", None, MAX_DESCRIPTION_LEN, self.p);
        let group = self.group(&o);
        let points = self.nonzero_points(&o);
        let when = match o.get("when") {
            Some(c) => condition::compile(c, &o.at("when"), self.p),
            None => {
                self.p.push(Problem::new(
                    o.at("when"),
                    "missingKey",
                    "\"when\" is required: the condition on the lead's profile",
                ));
                None
            }
        };
        Some(FitRule {
            id: id?.into(),
            description: description.map(Into::into),
            group: group?,
            points: points?,
            when: when?,
        })
    }

    fn nonzero_points(&mut self, o: &Obj<'_>) -> Option<Centi> {
        let c = o.points("points", Some("the points the rule adds (negative to subtract)"), self.p)?;
        if c == 0 {
            self.p.push(Problem::new(
                o.at("points"),
                "zeroPoints",
                "a rule worth 0 points does nothing; remove it or give it points",
            ));
            return None;
        }
        Some(c)
    }

    fn matcher(&mut self, o: &Obj<'_>) -> Option<EventMatcher> {
        let types: Vec<Box<str>> = match o.get("event") {
            Some(Value::String(s)) if !s.is_empty() => vec![Box::from(s.as_str())],
            Some(Value::Array(items))
                if !items.is_empty() && items.iter().all(|i| i.as_str().is_some_and(|s| !s.is_empty())) =>
            {
                let types: Vec<Box<str>> = items.iter().filter_map(|i| i.as_str()).map(Box::from).collect();
                let names: Vec<&str> = types.iter().map(|t| &**t).collect();
                let repeat = first_of_each(&names).iter().position(|first| !first);
                if let Some((at, name)) = repeat.and_then(|at| Some((at, names.get(at)?))) {
                    self.p.push(Problem::new(
                        index(&o.at("event"), at),
                        "duplicateType",
                        format!("event type \"{name}\" is listed twice"),
                    ));
                    return None;
                }
                types
            }
            None => {
                self.p.push(Problem::new(
                    o.at("event"),
                    "missingKey",
                    "\"event\" is required: the event type (or a list of types) to match",
                ));
                return None;
            }
            Some(other) => {
                self.p.push(Problem::new(
                    o.at("event"),
                    "wrongType",
                    format!("\"event\" must be an event type or a non-empty list of them, not {}", json_text(other)),
                ));
                return None;
            }
        };
        let filter = match o.get("where") {
            Some(c) => Some(condition::compile(c, &o.at("where"), self.p)?),
            None => None,
        };
        // An event's age is what within and expireAfter test; a date in its
        // properties relative to now would make what it matches change with now.
        let mut relative = Vec::new();
        filter.iter().for_each(|f| f.relative_tests(&o.at("where"), &mut relative));
        for at in &relative {
            self.p.push(Problem::new(
                at.as_str(),
                "relativeDateInWhere",
                "an event's \"where\" cannot test a date relative to now: use \"within\" (or \"expireAfter\") for the event's own age, or test the profile",
            ));
        }
        if !relative.is_empty() {
            return None;
        }
        if let Some(vocab) = self.vocabulary {
            let mut ok = true;
            let mut declared = Vec::new();
            for t in &types {
                match vocab.get(t) {
                    None => {
                        ok = false;
                        self.p.push(Problem::new(
                            o.at("event"),
                            "unknownEventType",
                            match crate::suggest::nearest(t, vocab.names()) {
                                Some(near) => {
                                    format!(
                                        "event type \"{t}\" is not declared in \"events\": did you mean \"{near}\"?"
                                    )
                                }
                                None => format!(
                                    "event type \"{t}\" is not declared in \"events\" (declared: {})",
                                    some_names(vocab.names(), vocab.len())
                                ),
                            },
                        ));
                    }
                    Some(props) => declared.push((&**t, props)),
                }
            }
            // One problem per property read that a declared type lacks, naming the
            // first few such types: not one per type and property.
            for name in filter.as_ref().map(distinct_reads).unwrap_or_default() {
                let lacking: Vec<&str> =
                    declared.iter().filter(|(_, props)| props.get(name).is_none()).map(|(t, _)| *t).take(4).collect();
                if !lacking.is_empty() {
                    ok = false;
                    self.p.push(Problem::new(
                        o.at("where"),
                        "unknownProperty",
                        format!("events of {} declare no property \"{name}\"", type_list(&lacking)),
                    ));
                }
            }
            if !ok {
                return None;
            }
        }
        Some(EventMatcher { types, filter })
    }

    fn engagement_rule(&mut self, v: &Value, path: &str, default_recency: Recency) -> Option<EngagementRule> {
        let keys = [
            "id",
            "description",
            "group",
            "event",
            "where",
            "points",
            "cap",
            "once",
            "count",
            "sum",
            "perUnit",
            "days",
            "then",
            "recency",
        ];
        let o = object(v, path, "an engagement rule", &keys, self.p)?;
        let id = self.rule_id(&o);
        let description = o.text("description", None, MAX_DESCRIPTION_LEN, self.p);
        let group = self.group(&o);
        let points = self.nonzero_points(&o);
        let matcher = self.matcher(&o);
        let cap = o.positive_points("cap", None, self.p);
        let once = o.boolean("once", self.p).unwrap_or(false);
        let days = o.get("days");
        let per_unit = o.get("perUnit").map(|_| {
            o.text("perUnit", None, MAX_RULE_TEXT_LEN, self.p).and_then(|t| {
                FieldPath::parse(&t).map_err(|m| self.p.push(Problem::new(o.at("perUnit"), "invalidField", m))).ok()
            })
        });
        if per_unit.is_some() && (o.get("count").is_some() || o.get("sum").is_some() || days.is_some()) {
            self.p.push(Problem::new(
                o.at("perUnit"),
                "conflictingKeys",
                "\"perUnit\" makes a per-occurrence rule's points proportional to a property; a count, sum or \
                 days rule awards fixed points: make two rules",
            ));
        }
        if let (Some(_), Some(other)) = (days, ["count", "sum"].into_iter().find(|k| o.get(k).is_some())) {
            self.p.push(Problem::new(
                o.at("days"),
                "conflictingKeys",
                format!("a rule has \"days\" or \"{other}\", not both: make two rules"),
            ));
        }
        let then = o.get("then");
        let other_kind = ["count", "sum", "perUnit", "days", "cap", "once"].into_iter().find(|k| o.get(k).is_some());
        if let (Some(_), Some(other)) = (then, other_kind) {
            self.p.push(Problem::new(
                o.at("then"),
                "conflictingKeys",
                format!(
                    "a sequence (\"then\") awards its points once for a pair of events; it does not go with \
                     \"{other}\": make two rules"
                ),
            ));
        }
        let award = match (o.get("count"), o.get("sum")) {
            _ if then.is_some() => match other_kind {
                None => then.and_then(|t| self.sequence(t, &o.at("then"))),
                Some(_) => None,
            },
            (None, None) if days.is_some() => days.and_then(|d| self.days(d, &o.at("days"))),
            _ if days.is_some() => None,
            (Some(_), Some(_)) => {
                self.p.push(Problem::new(
                    path,
                    "conflictingKeys",
                    "a rule has \"count\" or \"sum\", not both: make two rules",
                ));
                None
            }
            (Some(c), None) => self.frequency(c, &o.at("count"), cap),
            (None, Some(s)) => self.sum(s, &o.at("sum")),
            (None, None) => match per_unit {
                Some(property) => property.map(|property| Award::PerUnit { property, cap, once }),
                None => Some(Award::PerOccurrence { cap, once }),
            },
        };
        if matches!(award, Some(Award::Every { .. })) && o.get("once").is_some() {
            self.p.push(Problem::new(
                o.at("once"),
                "conflictingKeys",
                "\"once\" does not go with \"count.every\", which awards the points again for every so many \
                 events: write \"count\": {\"atLeast\": …} to award them once",
            ));
        }
        if matches!(award, Some(Award::Frequency { .. } | Award::Sum { .. } | Award::Days { .. })) {
            for k in ["cap", "once"] {
                if o.get(k).is_some() {
                    self.p.push(Problem::new(
                        o.at(k),
                        "conflictingKeys",
                        format!(
                            "\"{k}\" applies to per-occurrence rules; a count, sum or days rule awards its points once"
                        ),
                    ));
                }
            }
        }
        if once && o.get("cap").is_some() {
            self.p.push(Problem::new(
                o.at("cap"),
                "conflictingKeys",
                "a \"once\" rule awards its points at most once, so \"cap\" has no effect: remove one",
            ));
        }
        let recency = match o.get("recency") {
            Some(r) => read_recency(r, &o.at("recency"), self.p),
            None => default_recency,
        };
        if o.get("recency").and_then(|r| r.get("halfLife")).is_some()
            && matches!(
                award,
                Some(Award::Frequency { .. } | Award::Sum { .. } | Award::Every { .. } | Award::Days { .. })
            )
        {
            self.p.push(Problem::new(
                o.at("recency.halfLife"),
                "conflictingKeys",
                "decay applies to per-occurrence rules; a count or sum rule's window already says how recent",
            ));
        }
        let (award, matcher) = (award?, matcher?);
        let property_at = match &award {
            Award::Sum { property, .. } => Some((property, o.at("sum.property"))),
            Award::PerUnit { property, .. } => Some((property, o.at("perUnit"))),
            _ => None,
        };
        if let (Some((property, at)), Some(vocab)) = (property_at, self.vocabulary) {
            for t in &matcher.types {
                match vocab.get(t).and_then(|props| props.get(property.first())) {
                    Some(PropertyType::Number) => {}
                    Some(_) => self.p.push(Problem::new(
                        &at,
                        "wrongType",
                        format!("events of type \"{t}\" declare \"{}\" as a non-number", property.first()),
                    )),
                    None => self.p.push(Problem::new(
                        &at,
                        "unknownProperty",
                        format!("events of type \"{t}\" declare no property \"{}\"", property.first()),
                    )),
                }
            }
        }
        Some(EngagementRule {
            id: id?.into(),
            description: description.map(Into::into),
            group: group?,
            matcher,
            points: points?,
            award,
            recency,
        })
    }

    /// A `count`: `atLeast` (the points once) or `every` (the points for every so
    /// many events, at most the rule's `cap`).
    fn frequency(&mut self, v: &Value, path: &str, cap: Option<Centi>) -> Option<Award> {
        let o = object(v, path, "\"count\"", &["atLeast", "every", "within"], self.p)?;
        let at_least = o.count("atLeast", MAX_AT_LEAST, self.p);
        let every = o.count("every", MAX_AT_LEAST, self.p);
        let within = o.duration("within", self.p);
        match (o.get("atLeast").is_some(), o.get("every").is_some()) {
            (true, true) => {
                self.p.push(Problem::new(
                    path,
                    "conflictingKeys",
                    "\"count\" has \"atLeast\" (the points once) or \"every\" (the points again for every so many \
                     events), not both: make two rules",
                ));
                None
            }
            (false, true) => Some(Award::Every { every: every?, within, cap }),
            (true, false) => Some(Award::Frequency { at_least: at_least?, within }),
            (false, false) => {
                self.p.push(Problem::new(
                    o.at("atLeast"),
                    "missingKey",
                    "\"atLeast\" is required: how many matching events earn the points (or \"every\": the points \
                     again for every so many events)",
                ));
                None
            }
        }
    }

    /// A sequence's second event: `event` and `where` as a rule's, and `within`, how
    /// long after the first it may come.
    fn sequence(&mut self, v: &Value, path: &str) -> Option<Award> {
        let o = object(v, path, "\"then\"", &["event", "where", "within"], self.p)?;
        let within = o.duration("within", self.p);
        let then = self.matcher(&o)?;
        Some(Award::Sequence { then, within })
    }

    /// A `days` rule: events on at least `atLeast` different days, a day starting at
    /// 00:00 at `utcOffset` (UTC when absent).
    fn days(&mut self, v: &Value, path: &str) -> Option<Award> {
        let o = object(v, path, "\"days\"", &["atLeast", "within", "utcOffset"], self.p)?;
        let at_least = o.count("atLeast", MAX_AT_LEAST, self.p);
        if o.get("atLeast").is_none() {
            self.p.push(Problem::new(
                o.at("atLeast"),
                "missingKey",
                "\"atLeast\" is required: on how many different days matching events earn the points",
            ));
        }
        let within = o.duration("within", self.p);
        let utc_offset = match o.get("utcOffset") {
            None => Some(0),
            Some(Value::String(t)) => crate::time::parse_utc_offset(t)
                .map_err(|m| self.p.push(Problem::new(o.at("utcOffset"), "invalidValue", m)))
                .ok(),
            Some(other) => {
                self.p.push(Problem::new(
                    o.at("utcOffset"),
                    "wrongType",
                    format!("\"utcOffset\" must be text like \"+02:00\", not {}", type_name(other)),
                ));
                None
            }
        };
        Some(Award::Days { at_least: at_least?, within, utc_offset: utc_offset? })
    }

    fn sum(&mut self, v: &Value, path: &str) -> Option<Award> {
        let o = object(v, path, "\"sum\"", &["property", "atLeast", "within"], self.p)?;
        let property = o
            .text("property", Some("the numeric event property to add up, like \"seconds\""), MAX_RULE_TEXT_LEN, self.p)
            .and_then(|t| {
                FieldPath::parse(&t).map_err(|m| self.p.push(Problem::new(o.at("property"), "invalidField", m))).ok()
            });
        let at_least = match o.get("atLeast") {
            Some(Value::Number(n)) if n.as_f64().is_some_and(|f| (0.001..=1e12).contains(&f)) => {
                n.as_f64().map(|f| (f * 1000.0).round() as i64)
            }
            Some(other) => {
                self.p.push(Problem::new(
                    o.at("atLeast"),
                    "invalidValue",
                    format!(
                        "\"atLeast\" must be a number from 0.001 to 1e12 (sums are kept in thousandths), not {}",
                        json_text(other)
                    ),
                ));
                None
            }
            None => {
                self.p.push(Problem::new(
                    o.at("atLeast"),
                    "missingKey",
                    "\"atLeast\" is required: the sum that earns the points",
                ));
                None
            }
        };
        let within = o.duration("within", self.p);
        Some(Award::Sum { property: property?, at_least_milli: at_least?, within })
    }

    fn disqualifier(&mut self, v: &Value, path: &str) -> Option<Disqualifier> {
        let o = object(
            v,
            path,
            "a disqualifier",
            &["id", "label", "description", "when", "event", "where", "within"],
            self.p,
        )?;
        let id = self.rule_id(&o);
        let label = o.text("label", None, MAX_LABEL_LEN, self.p);
        let description = o.text("description", None, MAX_DESCRIPTION_LEN, self.p);
        let test = match (o.get("when"), o.get("event")) {
            (Some(c), None) => {
                if o.get("where").is_some() {
                    self.p.push(Problem::new(
                        o.at("where"),
                        "conflictingKeys",
                        "\"where\" filters events; with \"when\" use the condition alone",
                    ));
                }
                if o.get("within").is_some() {
                    self.p.push(Problem::new(
                        o.at("within"),
                        "conflictingKeys",
                        "\"within\" is the window on a disqualifying event's age; a profile condition (\"when\") has none: test a date of the profile with \"withinLast\"",
                    ));
                }
                condition::compile(c, &o.at("when"), self.p).map(DisqualifierTest::Profile)
            }
            (None, Some(_)) => self.matcher(&o).map(DisqualifierTest::Event),
            _ => {
                self.p.push(Problem::new(path, "conflictingKeys", "a disqualifier has either \"when\" (a profile condition) or \"event\" (with an optional \"where\")"));
                None
            }
        };
        let within = o.duration("within", self.p);
        Some(Disqualifier {
            id: id?.into(),
            label: label.map(Into::into),
            description: description.map(Into::into),
            test: test?,
            within,
        })
    }

    fn total_limits(&mut self, v: &Value, path: &str) -> TotalLimits {
        let Some(o) = object(v, path, "\"total\"", &["max", "floorAtZero"], self.p) else {
            return TotalLimits::default();
        };
        TotalLimits {
            max: o.positive_points("max", None, self.p),
            floor_at_zero: o.boolean("floorAtZero", self.p).unwrap_or(false),
        }
    }

    fn triggers(&mut self, o: &Obj<'_>) -> Vec<Trigger> {
        let mut out = Vec::new();
        let list = o.list("on", self.p);
        if list.is_empty() && o.get("on").is_some_and(Value::is_array) {
            self.p.push(Problem::new(
                o.at("on"),
                "emptyList",
                "\"on\" lists no trigger, so it would never fire: add one or remove \"on\"",
            ));
        }
        for (i, t) in list.iter().enumerate() {
            let path = index(&o.at("on"), i);
            let keys = ["label", "event", "where", "atLeast", "within"];
            let Some(to) = object(t, &path, "a stage trigger", &keys, self.p) else {
                continue;
            };
            let label = to.text("label", None, MAX_LABEL_LEN, self.p);
            let matcher = self.matcher(&to);
            let at_least = to.count("atLeast", MAX_AT_LEAST, self.p).unwrap_or(1);
            let within = to.duration("within", self.p);
            if let Some(matcher) = matcher {
                out.push(Trigger { path, label: label.map(Into::into), matcher, at_least, within });
            }
        }
        out
    }

    fn stages(&mut self, v: &Value, path: &str) -> Stages {
        let mut stages = Stages::default();
        let Some(o) = object(v, path, "\"stages\"", &["mql", "sql", "pql", "recycle"], self.p) else {
            return stages;
        };
        stages.recycle = o.boolean("recycle", self.p).unwrap_or(false);
        if let Some(m) = o
            .get("mql")
            .and_then(|m| object(m, &o.at("mql"), "the MQL stage", &["threshold", "minFit", "minEngagement"], self.p))
        {
            let threshold =
                m.positive_points("threshold", Some("the total that makes a lead an MQL, like 100"), self.p);
            let min_fit = m.points("minFit", None, self.p);
            let min_engagement = m.points("minEngagement", None, self.p);
            stages.mql = threshold.map(|threshold| MqlStage { threshold, min_fit, min_engagement });
        }
        if let Some(s) =
            o.get("sql").and_then(|s| object(s, &o.at("sql"), "the SQL stage", &["threshold", "on"], self.p))
        {
            let threshold = s.positive_points("threshold", None, self.p);
            let on = self.triggers(&s);
            if threshold.is_none() && on.is_empty() && s.get("on").is_none() && s.get("threshold").is_none() {
                self.p.push(Problem::new(
                    s.path.clone(),
                    "missingKey",
                    "the SQL stage needs \"on\" (intent events such as a demo request) or a \"threshold\"",
                ));
            }
            stages.sql = Some(SqlStage { threshold, on });
        }
        if let Some(s) = o.get("pql").and_then(|s| object(s, &o.at("pql"), "the PQL stage", &["on", "minFit"], self.p))
        {
            let min_fit = s.points("minFit", None, self.p);
            let on = self.triggers(&s);
            if s.get("on").is_none() {
                self.p.push(Problem::new(
                    s.at("on"),
                    "missingKey",
                    "the PQL stage needs \"on\": the product-usage events that qualify a lead",
                ));
            }
            stages.pql = Some(PqlStage { on, min_fit });
        }
        stages
    }
}

/// The properties `c` reads (the first name of each field), once each, in the
/// order the condition first reads them.
fn distinct_reads(c: &condition::Condition) -> Vec<&str> {
    let mut reads = Vec::new();
    collect_fields(c, &mut reads);
    let first = first_of_each(&reads);
    reads.into_iter().zip(first).filter_map(|(f, first)| first.then_some(f)).collect()
}

/// Names for a message: the first [`NAMES_SHOWN`] of the `count` that `names`
/// gives, then how many more there are.
fn some_names<'a>(names: impl Iterator<Item = &'a str>, count: usize) -> String {
    let shown: Vec<&str> = names.take(NAMES_SHOWN).collect();
    match count.checked_sub(shown.len()).filter(|&more| more > 0) {
        Some(more) => format!("{} and {more} more", shown.join(", ")),
        None => shown.join(", "),
    }
}

/// The most names a message lists.
const NAMES_SHOWN: usize = 20;

/// Event types for a message (`lacking` holds up to four; a fourth means more):
/// `type "a"`, `types "a" and "b"`, `types "a", "b", "c" and others`.
fn type_list(lacking: &[&str]) -> String {
    let quoted: Vec<String> = lacking.iter().take(3).map(|t| format!("\"{t}\"")).collect();
    match (lacking.len(), quoted.as_slice()) {
        (1, [one]) => format!("type {one}"),
        (n, [first @ .., last]) if n <= 3 => format!("types {} and {last}", first.join(", ")),
        _ => format!("types {} and others", quoted.join(", ")),
    }
}

/// The first name of every field `c` reads, in the order written.
fn collect_fields<'c>(c: &'c condition::Condition, out: &mut Vec<&'c str>) {
    c.for_each_field(&mut |name| out.push(name));
}

fn read_vocabulary(v: &Value, at: &str, p: &mut Vec<Problem>) -> Option<Vocabulary> {
    let Some(map) = v.as_object() else {
        p.push(Problem::new(at, "wrongType", format!("\"events\" maps each event type to its properties, like {{\"page_view\": {{\"url\": \"string\"}}}}, not {}", type_name(v))));
        return None;
    };
    let mut vocab = Vocabulary::default();
    for (t, props) in map {
        let path = crate::error::join(at, t);
        let Some(props) = props.as_object() else {
            p.push(Problem::new(
                path,
                "wrongType",
                "an event type maps property names to \"string\", \"number\" or \"boolean\"",
            ));
            continue;
        };
        let mut declared = ByName::default();
        for (name, ty) in props {
            match ty.as_str().and_then(PropertyType::parse) {
                Some(ty) => declared.set(name, ty),
                None => p.push(Problem::new(
                    crate::error::join(&path, name),
                    "invalidValue",
                    format!("a property type must be \"string\", \"number\" or \"boolean\", not {}", json_text(ty)),
                )),
            }
        }
        vocab.set(t, declared);
    }
    Some(vocab)
}

fn read_groups(top: &Obj<'_>, p: &mut Vec<Problem>) -> Vec<Group> {
    let Some(v) = top.get("groups") else { return Vec::new() };
    let Some(map) = v.as_object() else {
        p.push(Problem::new(
            top.at("groups"),
            "wrongType",
            format!(
                "\"groups\" maps group names to their settings, like {{\"web\": {{\"cap\": 40}}}}, not {}",
                type_name(v)
            ),
        ));
        return Vec::new();
    };
    // In order of name whatever order the object's keys come in (serde_json keeps
    // them sorted unless a crate in the build turns on its preserve_order): rules
    // find their group by binary search.
    let mut caps: ByName<Option<Centi>> = ByName::default();
    for (name, g) in map {
        let path = crate::error::join(&top.at("groups"), name);
        if name.is_empty() || name.len() > MAX_ID_LEN {
            p.push(Problem::new(path, "invalidId", format!("a group name is 1 to {MAX_ID_LEN} bytes")));
            continue;
        }
        if let Some(o) = object(g, &path, "a group", &["cap", "description"], p) {
            o.text("description", None, MAX_DESCRIPTION_LEN, p);
            caps.set(name, o.positive_points("cap", None, p));
        }
    }
    caps.iter().map(|(name, cap)| Group { name: name.into(), cap: *cap }).collect()
}

fn read_recency(v: &Value, path: &str, p: &mut Vec<Problem>) -> Recency {
    if v.as_str() == Some("none") {
        return Recency::default();
    }
    let Some(o) = object(v, path, "\"recency\"", &["halfLife", "expireAfter"], p) else {
        return Recency::default();
    };
    let r = Recency { half_life: o.duration("halfLife", p), expire_after: o.duration("expireAfter", p) };
    if o.get("halfLife").is_none() && o.get("expireAfter").is_none() {
        p.push(Problem::new(
            path,
            "missingKey",
            "\"recency\" names a \"halfLife\", an \"expireAfter\" or both; write \"none\" for no decay",
        ));
    }
    r
}

fn read_grades(v: &Value, path: &str, p: &mut Vec<Problem>) -> Grades {
    let mut grades = Grades::default();
    let Some(o) = object(v, path, "\"grades\"", &["fit", "engagement"], p) else { return grades };
    for (key, slot) in [("fit", &mut grades.fit), ("engagement", &mut grades.engagement)] {
        let Some(list) = o.get(key) else { continue };
        let parsed: Option<Vec<Centi>> =
            list.as_array().and_then(|a| a.iter().map(|x| crate::reader::points_of(x).ok()).collect());
        match parsed.as_deref() {
            Some(&[a, b, c]) if a > b && b > c => *slot = [a, b, c],
            _ => p.push(Problem::new(
                o.at(key),
                "invalidCutoffs",
                format!("\"{key}\" is three cut-offs in strictly descending order, like [50, 30, 10]: at or above the first is {}", if key == "fit" { "grade A" } else { "level 1" }),
            )),
        }
    }
    grades
}

fn read_bands(v: &Value, at: &str, p: &mut Vec<Problem>) -> Vec<Band> {
    let Some(items) = v.as_array().filter(|a| !a.is_empty()) else {
        p.push(Problem::new(
            at,
            "wrongType",
            "\"bands\" is a non-empty list like [{\"name\": \"hot\", \"atLeast\": 80}, {\"name\": \"cold\"}]",
        ));
        return Vec::new();
    };
    let mut bands: Vec<Band> = Vec::new();
    for (i, b) in items.iter().enumerate() {
        let path = index(at, i);
        let Some(o) = object(b, &path, "a band", &["name", "atLeast"], p) else { continue };
        let name = o.text("name", Some("the band's name, like \"hot\""), MAX_ID_LEN, p);
        let at_least = o.points("atLeast", None, p);
        let last = i + 1 == items.len();
        if at_least.is_none() && !last && o.get("atLeast").is_none() {
            p.push(Problem::new(o.at("atLeast"), "missingKey", "every band but the last needs \"atLeast\""));
        }
        if last && o.get("atLeast").is_some() {
            p.push(Problem::new(
                o.at("atLeast"),
                "unexpectedKey",
                "the last band catches every other total: leave out its \"atLeast\"",
            ));
        }
        if let (Some(prev), Some(cur)) = (bands.last().and_then(|b| b.at_least), at_least) {
            if cur >= prev {
                p.push(Problem::new(
                    o.at("atLeast"),
                    "invalidCutoffs",
                    "bands are listed from the highest \"atLeast\" down",
                ));
            }
        }
        if let Some(name) = name {
            if name == DISQUALIFIED_BAND {
                p.push(Problem::new(
                    o.at("name"),
                    "duplicateId",
                    format!(
                        "\"{DISQUALIFIED_BAND}\" is the band of every disqualified lead: give this band another name"
                    ),
                ));
            } else if bands.iter().any(|b| *b.name == *name) {
                p.push(Problem::new(o.at("name"), "duplicateId", format!("band \"{name}\" is listed twice")));
            }
            bands.push(Band { name: name.into(), at_least: if last { None } else { at_least } });
        }
    }
    bands
}

/// The most points a lead can have, from every rule's best case, the group caps and
/// the total's limit; `None` where unbounded.
#[derive(Debug, Clone, Copy)]
pub struct BestCases {
    /// The total, after the total's limit.
    pub total: Option<Centi>,
    /// Fit (fit rules only), before the total's limit.
    pub fit: Option<Centi>,
    /// Engagement (engagement rules only), before the total's limit.
    pub engagement: Option<Centi>,
}

pub fn best_cases(fit: &[FitRule], engagement: &[EngagementRule], groups: &[Group], total: TotalLimits) -> BestCases {
    // Best case of each part: `None` means unbounded.
    let add = |a: Option<Centi>, b: Option<Centi>| a.zip(b).map(|(a, b)| a.saturating_add(b));
    let best = |fit_on: bool, eng_on: bool, total_max: Option<Centi>| -> Option<Centi> {
        let mut per_group: Vec<Option<Centi>> = vec![Some(0); groups.len()];
        let mut ungrouped = Some(0);
        let mut put = |g: Option<usize>, v: Option<Centi>| match g.and_then(|g| per_group.get_mut(g)) {
            Some(slot) => *slot = add(*slot, v),
            None => ungrouped = add(ungrouped, v),
        };
        if fit_on {
            fit.iter().filter(|r| r.points > 0).for_each(|r| put(r.group, Some(r.points)));
        }
        if eng_on {
            engagement.iter().filter(|r| r.points > 0).for_each(|r| put(r.group, r.max_magnitude()));
        }
        let grouped = per_group.iter().zip(groups).try_fold(0, |acc: Centi, (v, g)| {
            let capped = match (v, g.cap) {
                (Some(v), Some(c)) => Some((*v).min(c)),
                (None, Some(c)) => Some(c),
                (v, None) => *v,
            };
            capped.map(|c| acc.saturating_add(c))
        });
        let sum = add(grouped, ungrouped);
        match (sum, total_max) {
            (Some(s), Some(m)) => Some(s.min(m)),
            (None, Some(m)) => Some(m),
            (s, None) => s,
        }
    };
    // Fit and engagement are compared before the total's limit applies.
    BestCases { total: best(true, true, total.max), fit: best(true, false, None), engagement: best(false, true, None) }
}

/// Refuses thresholds that no lead could ever reach, given every rule's best case,
/// the group caps and the total's limit.
fn check_reachable(
    fit: &[FitRule],
    engagement: &[EngagementRule],
    groups: &[Group],
    total: TotalLimits,
    stages: &Stages,
    p: &mut Vec<Problem>,
) {
    let best = best_cases(fit, engagement, groups, total);
    let (max_total, max_fit, max_eng) = (best.total, best.fit, best.engagement);
    let mut check = |path: &str, need: Option<Centi>, max: Option<Centi>, what: &str| {
        if let (Some(need), Some(max)) = (need, max) {
            if need > max {
                p.push(Problem::new(
                    path,
                    "unreachableThreshold",
                    format!(
                        "{} can never be reached: at most {} {what} points are possible with these rules, caps and limits",
                        crate::stages::fmt_points(need),
                        crate::stages::fmt_points(max)
                    ),
                ));
            }
        }
    };
    if let Some(m) = &stages.mql {
        check("stages.mql.threshold", Some(m.threshold), max_total, "total");
        check("stages.mql.minFit", m.min_fit, max_fit, "fit");
        check("stages.mql.minEngagement", m.min_engagement, max_eng, "engagement");
    }
    if let Some(s) = &stages.sql {
        check("stages.sql.threshold", s.threshold, max_total, "total");
    }
    if let Some(s) = &stages.pql {
        check("stages.pql.minFit", s.min_fit, max_fit, "fit");
    }
}

/// The characters of rule and rule-set ids: letters, digits and `_ - . :`.
pub fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}
