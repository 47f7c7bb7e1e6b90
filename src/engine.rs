//! A compiled rule set, ready to score many leads.

use crate::error::{index, InputError, RuleSetError};
use crate::event::Event;
use crate::explain::{EventTally, Qualification, ScoreResult};
use crate::history::{self, MAX_EVENTS_PER_CALL};
use crate::profile::ProfileRead;
use crate::rules::*;
use crate::ruleset::RuleSet;
use crate::score::Matches;
use crate::stages::{Band, Grades, Stages};
use crate::value::type_name;
use crate::wire::{LeadFields, Names, RawLead};
use serde_json::{Map, Value};
use std::sync::Arc;

pub use crate::profile::{check_profile, MAX_PROFILE_BYTES, MAX_PROFILE_DEPTH};
pub use crate::vocabulary::Vocabulary;

/// How many refused events a result describes in full (the rest are only counted).
const MAX_REPORTED_EVENT_PROBLEMS: usize = 10;

/// A rule set compiled once; scoring with it never changes it.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) id: Arc<str>,
    pub(crate) version: Arc<str>,
    pub(crate) description: Option<String>,
    pub(crate) fit: Vec<FitRule>,
    pub(crate) engagement: Vec<EngagementRule>,
    pub(crate) groups: Vec<Group>,
    pub(crate) total: TotalLimits,
    pub(crate) disqualifiers: Vec<Disqualifier>,
    pub(crate) stages: Stages,
    pub(crate) grades: Grades,
    pub(crate) bands: Vec<Band>,
    pub(crate) count_anonymous: bool,
    pub(crate) index: crate::score::EventIndex,
    /// Tells this compiled rule set apart from every other one in the process (a
    /// clone is the same rule set and keeps it): sessions key what they keep per
    /// rule set by it.
    pub(crate) serial: u64,
    /// `id@version`, made once: sessions look their stage up by it on every evaluation.
    pub(crate) key: Box<str>,
    /// The profile fields and event properties its rules read: all a lead scored in
    /// one call needs.
    pub(crate) lead_fields: LeadFields,
}

/// A serial no other engine of this process has.
pub(crate) fn next_serial() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A lead to score in one call: its profile and its events.
#[derive(Debug, Clone, Default)]
pub struct Lead {
    pub id: Option<String>,
    pub profile: Map<String, Value>,
    pub events: Vec<Event>,
}

impl Engine {
    /// Compiles a rule set from JSON text; a bad one is refused with every problem.
    pub fn from_json(text: &str) -> Result<Engine, RuleSetError> {
        crate::ruleset::compile_str(text).map(Engine::from_rule_set)
    }

    pub fn from_value(v: &Value) -> Result<Engine, RuleSetError> {
        crate::ruleset::compile_value(v).map(Engine::from_rule_set)
    }

    /// The engine for a checked rule set: its rules indexed by event type.
    pub fn from_rule_set(rs: RuleSet) -> Engine {
        let index =
            crate::score::EventIndex::build(&rs.engagement, &rs.stages, &rs.disqualifiers, rs.vocabulary.as_ref());
        let lead_fields = fields_read(&rs);
        Engine {
            index,
            lead_fields,
            key: format!("{}@{}", rs.id, rs.version).into(),
            id: rs.id.into(),
            version: rs.version.into(),
            description: rs.description,
            fit: rs.fit,
            engagement: rs.engagement,
            groups: rs.groups,
            total: rs.total,
            disqualifiers: rs.disqualifiers,
            stages: rs.stages,
            grades: rs.grades,
            bands: rs.bands,
            count_anonymous: rs.count_anonymous,
            serial: next_serial(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// `id@version`: the key under which sessions remember stages for this rule set.
    pub fn key(&self) -> String {
        self.key.to_string()
    }

    /// The profile fields and event properties this rule set reads: pass them to
    /// [`crate::wire::read_lead`] to read a lead for it without building the rest.
    pub fn lead_fields(&self) -> &LeadFields {
        &self.lead_fields
    }

    /// Scores one lead at `now` (milliseconds since the epoch).
    pub fn score(&self, lead: &Lead, now: i64) -> ScoreResult {
        let mut tally = EventTally::default();
        let events = history::prepare(&lead.events, &mut tally);
        self.score_prepared(lead.id.clone(), &lead.profile, &events, tally, now)
    }

    /// [`Engine::score`] without the explanation: the same figures and stage,
    /// with no contribution lines or reasons written.
    pub fn qualify(&self, lead: &Lead, now: i64) -> Qualification {
        let mut tally = EventTally::default();
        let events = history::prepare(&lead.events, &mut tally);
        self.qualify_prepared(lead.id.clone(), &lead.profile, &events, tally, now)
    }

    /// [`Engine::score_raw`] without the explanation.
    pub fn qualify_raw(&self, raw: RawLead, now: i64) -> Result<Qualification, InputError> {
        let (lead, tally) = prepared_lead(raw)?;
        Ok(self.qualify_prepared(lead.id, &lead.profile, &lead.events, tally, now))
    }

    /// Scores events already in order (see [`history::prepare`]); `tally` holds the
    /// events set aside on the way.
    pub(crate) fn score_prepared(
        &self,
        lead_id: Option<String>,
        profile: &Map<String, Value>,
        events: &[Event],
        tally: EventTally,
        now: i64,
    ) -> ScoreResult {
        let mut result =
            crate::score::explain(self, crate::score::figures(self, profile, events, Matches::Live, now, tally));
        result.lead_id = lead_id;
        result
    }

    pub(crate) fn qualify_prepared(
        &self,
        lead_id: Option<String>,
        profile: &Map<String, Value>,
        events: &[Event],
        tally: EventTally,
        now: i64,
    ) -> Qualification {
        let mut q =
            crate::score::qualification(self, &crate::score::figures(self, profile, events, Matches::Live, now, tally));
        q.lead_id = lead_id;
        q
    }

    /// Scores a lead given as JSON: `{"id"?, "profile"?, "events"?}`. A lead that is
    /// not of that shape is an error; an event that is not valid is set aside, counted
    /// and described in the result's `events.problems`.
    pub fn score_value(&self, lead: &Value, now: i64) -> Result<ScoreResult, InputError> {
        self.score_owned(lead.clone(), now)
    }

    /// Scores a lead given as JSON text; see [`Engine::score_value`]. The text is
    /// read straight into events, without a `serde_json::Value` in between.
    pub fn score_json(&self, lead: &str, now: i64) -> Result<ScoreResult, InputError> {
        let mut de = serde_json::Deserializer::from_str(lead);
        let raw = crate::wire::read_lead(&mut de, MAX_EVENTS_PER_CALL, self.lead_fields())
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| crate::error::json_error(&e, "", "the lead"))?;
        self.score_raw(raw, now)
    }

    /// Scores a lead as [`crate::wire::read_lead`] read it, from whatever format
    /// carried it (JSON text here, MessagePack in the WebAssembly layer).
    pub fn score_raw(&self, raw: RawLead, now: i64) -> Result<ScoreResult, InputError> {
        let (lead, tally) = prepared_lead(raw)?;
        Ok(self.score_prepared(lead.id, &lead.profile, &lead.events, tally, now))
    }

    /// [`Engine::score_value`], taking the JSON by value so nothing is copied.
    pub fn score_owned(&self, lead: Value, now: i64) -> Result<ScoreResult, InputError> {
        self.score_raw(read_value(lead, "", self.lead_fields())?, now)
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

/// Reads a lead keeping everything (its whole profile, every property); invalid
/// events are left out and reported in the tally.
pub fn lead_from_owned(v: Value, path: &str) -> Result<(Lead, EventTally), InputError> {
    lead_from_raw(read_value(v, path, &LeadFields::ALL)?, path)
}

fn read_value(v: Value, path: &str, fields: &LeadFields) -> Result<RawLead, InputError> {
    crate::wire::read_lead(v, MAX_EVENTS_PER_CALL, fields).map_err(|e| InputError::new(path, "invalid", e.to_string()))
}

/// A lead read as [`lead_from_raw`] reads it, with its events put in the order
/// scoring takes them ([`history::prepare_owned`]); the tally holds what both set
/// aside. What scoring a lead in one call and holding it in a `LeadSet` start from.
// One copy for its three callers: inlined into each, the module was 0.2 KB gzip larger.
#[inline(never)]
pub(crate) fn prepared_lead(raw: RawLead) -> Result<(Lead, EventTally), InputError> {
    let (mut lead, mut tally) = lead_from_raw(raw, "")?;
    lead.events = history::prepare_owned(lead.events, &mut tally);
    Ok((lead, tally))
}

/// Checks a lead's parts as read from JSON (see [`crate::wire`]).
pub fn lead_from_raw(raw: RawLead, path: &str) -> Result<(Lead, EventTally), InputError> {
    let parts = raw.map_err(|t| {
        InputError::new(
            path,
            "wrongType",
            format!("a lead is an object like {{\"profile\": {{…}}, \"events\": […]}}, not {t}"),
        )
    })?;
    if let Some(k) = &parts.unknown_key {
        return Err(InputError::new(
            crate::error::join(path, k),
            "unknownKey",
            format!("a lead has no key \"{k}\"; its keys are id, profile, events"),
        ));
    }
    let id = match parts.id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(InputError::new(
                crate::error::join(path, "id"),
                "wrongType",
                format!("the lead id is text, not {}", type_name(&other)),
            ))
        }
    };
    let profile = match parts.profile {
        None | Some(ProfileRead { fields: Err("null"), .. }) => Map::new(),
        Some(p) => crate::profile::checked(p, &crate::error::join(path, "profile"))?,
    };
    let mut tally = EventTally::default();
    let events_path = crate::error::join(path, "events");
    if parts.event_count > MAX_EVENTS_PER_CALL {
        return Err(InputError::new(
            events_path,
            "tooMany",
            format!("{} events in one call; the limit is {MAX_EVENTS_PER_CALL}", parts.event_count),
        ));
    }
    let events = match parts.events {
        None => Vec::new(),
        Some(Ok(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| match Event::from_raw_at(e, &|| index(&events_path, i)) {
                Ok(e) => Some(e),
                Err(err) => {
                    tally.skip(crate::explain::SkipReason::Invalid);
                    if tally.problems.len() < MAX_REPORTED_EVENT_PROBLEMS {
                        tally.problems.push(err.problem);
                    }
                    None
                }
            })
            .collect(),
        Some(Err(t)) => {
            return Err(InputError::new(events_path, "wrongType", format!("\"events\" is a list, not {t}")))
        }
    };
    Ok((Lead { id, profile, events }, tally))
}
