//! The engine's entry points for scoring a lead in one call: typed ([`Lead`]), a
//! JSON value, or JSON text, each with the explanation (`score`) or without it
//! (`qualify`).

use crate::engine::Engine;
use crate::error::InputError;
use crate::event::Event;
use crate::explain::{EventTally, Qualification, ScoreResult};
use crate::history;
use crate::lead::{prepared, Lead};
use crate::limits::MAX_EVENTS_PER_CALL;
use crate::score::Matches;
use crate::wire::RawLead;
use serde_json::{Map, Value};

impl Engine {
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

    /// Scores a lead given as JSON: `{"id"?, "profile"?, "events"?}`. A lead that is
    /// not of that shape is an error; an event that is not valid is set aside, counted
    /// and described in the result's `events.problems`.
    pub fn score_value(&self, lead: &Value, now: i64) -> Result<ScoreResult, InputError> {
        self.score_raw(self.read_value(lead)?, now)
    }

    /// [`Engine::score_value`] without the explanation.
    pub fn qualify_value(&self, lead: &Value, now: i64) -> Result<Qualification, InputError> {
        self.qualify_raw(self.read_value(lead)?, now)
    }

    /// Scores a lead given as JSON text; see [`Engine::score_value`]. The text is
    /// read straight into events, without a `serde_json::Value` in between.
    pub fn score_json(&self, lead: &str, now: i64) -> Result<ScoreResult, InputError> {
        self.score_raw(self.read_json(lead)?, now)
    }

    /// [`Engine::score_json`] without the explanation.
    pub fn qualify_json(&self, lead: &str, now: i64) -> Result<Qualification, InputError> {
        self.qualify_raw(self.read_json(lead)?, now)
    }

    /// A lead from JSON text, keeping what this rule set reads.
    fn read_json(&self, lead: &str) -> Result<RawLead, InputError> {
        crate::limits::CallLimits::check_input(lead.len(), "", "the lead")?;
        let mut de = serde_json::Deserializer::from_str(lead);
        crate::wire::read_lead(&mut de, MAX_EVENTS_PER_CALL, self.lead_fields())
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| crate::wire::json_text_error(&e, "", "the lead"))
    }

    /// A lead from a JSON value, keeping what this rule set reads.
    fn read_value(&self, lead: &Value) -> Result<RawLead, InputError> {
        crate::wire::read_lead(lead, MAX_EVENTS_PER_CALL, self.lead_fields())
            .map_err(|e| crate::wire::input_error(e.to_string(), "", "the lead", "invalid"))
    }

    /// Scores a lead as [`crate::wire::read_lead`] read it, from whatever format
    /// carried it (JSON text or a value here, MessagePack in the WebAssembly layer).
    pub(crate) fn score_raw(&self, raw: RawLead, now: i64) -> Result<ScoreResult, InputError> {
        let (lead, tally) = prepared(raw)?;
        Ok(self.score_prepared(lead.id, &lead.profile, &lead.events, tally, now))
    }

    /// [`Engine::score_raw`] without the explanation.
    pub(crate) fn qualify_raw(&self, raw: RawLead, now: i64) -> Result<Qualification, InputError> {
        let (lead, tally) = prepared(raw)?;
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
        let figures = crate::score::figures(self, profile, events, Matches::Live, now, tally);
        let mut result = super::explanation::explain(self, figures);
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
        let figures = crate::score::figures(self, profile, events, Matches::Live, now, tally);
        let mut q = super::explanation::qualification(self, &figures);
        q.lead_id = lead_id;
        q
    }
}
