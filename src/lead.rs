//! A lead scored in one call: its id, profile and events, read from JSON (text, a
//! parsed value, or the package's MessagePack) and checked against the limits.

use crate::error::{index, join, InputError};
use crate::event::Event;
use crate::explain::{EventTally, SkipReason};
use crate::history;
use crate::limits::{CallLimits, MAX_EVENTS_PER_CALL, MAX_ID_LEN, MAX_REPORTED_EVENT_PROBLEMS};
use crate::profile::ProfileRead;
use crate::value::type_name;
use crate::wire::{LeadFields, RawLead};
use serde_json::{Map, Number, Value};

/// A lead to score in one call: its profile and its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lead {
    pub id: Option<String>,
    pub profile: Map<String, Value>,
    pub events: Vec<Event>,
}

impl Lead {
    /// Reads a lead, `{"id"?, "profile"?, "events"?}`, keeping every field. Unlike
    /// [`crate::Engine::score_value`], which sets an invalid event aside and reports
    /// it in the result, this refuses the lead at its first invalid event: a `Lead` is
    /// what the typed API scores, and holds only valid events.
    pub fn from_value(v: &Value) -> Result<Lead, InputError> {
        let raw = crate::wire::read_lead(v, MAX_EVENTS_PER_CALL, &LeadFields::ALL)
            .map_err(|e| crate::wire::input_error(e.to_string(), "", "the lead", "invalid"))?;
        Lead::strict(raw)
    }

    /// [`Lead::from_value`] from JSON text, read without a `Value` in between.
    pub fn from_json(text: &str) -> Result<Lead, InputError> {
        CallLimits::check_input(text.len(), "", "the lead")?;
        let mut de = serde_json::Deserializer::from_str(text);
        let raw = crate::wire::read_lead(&mut de, MAX_EVENTS_PER_CALL, &LeadFields::ALL)
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| crate::wire::json_text_error(&e, "", "the lead"))?;
        Lead::strict(raw)
    }

    fn strict(raw: RawLead) -> Result<Lead, InputError> {
        let (lead, tally) = read(raw, "")?;
        match tally.problems.into_iter().next() {
            Some(problem) => Err(InputError { problem }),
            None => Ok(lead),
        }
    }
}

/// A lead read as [`read`] reads it, with its events put in the order scoring takes
/// them ([`history::prepare_owned`]); the tally holds what both set aside. What
/// scoring a lead in one call and holding it in a `LeadSet` start from.
// One copy for its three callers: inlined into each, the module was 0.2 KB gzip larger.
#[inline(never)]
pub(crate) fn prepared(raw: RawLead) -> Result<(Lead, EventTally), InputError> {
    let (mut lead, mut tally) = read(raw, "")?;
    lead.events = history::prepare_owned(lead.events, &mut tally);
    Ok((lead, tally))
}

/// Checks a lead's parts as read from JSON (see [`crate::wire`]): a lead of the
/// wrong shape is an error; an invalid event is left out, counted in the tally and
/// described there (the first [`MAX_REPORTED_EVENT_PROBLEMS`]).
pub(crate) fn read(raw: RawLead, path: &str) -> Result<(Lead, EventTally), InputError> {
    let parts = raw.map_err(|t| {
        InputError::new(
            path,
            "wrongType",
            format!("a lead is an object like {{\"profile\": {{…}}, \"events\": […]}}, not {t}"),
        )
    })?;
    if let Some(k) = &parts.unknown_key {
        return Err(InputError::new(
            join(path, k),
            "unknownKey",
            format!("a lead has no key \"{k}\"; its keys are id, profile, events"),
        ));
    }
    let id = match parts.id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= MAX_ID_LEN => Some(s),
        Some(Value::String(_)) => {
            return Err(InputError::new(
                join(path, "id"),
                "invalidId",
                format!("the lead id is longer than {MAX_ID_LEN} bytes"),
            ))
        }
        Some(Value::Number(n)) => Some(id_of_number(&n).ok_or_else(|| {
            InputError::new(
                join(path, "id"),
                "wrongType",
                format!("a numeric lead id must be a whole number within ±{MAX_SAFE_INTEGER} (2^53 − 1); give other ids as text"),
            )
        })?),
        Some(other) => {
            return Err(InputError::new(
                join(path, "id"),
                "wrongType",
                format!("the lead id must be text or a whole number, not {}", type_name(&other)),
            ))
        }
    };
    let profile = match parts.profile {
        None | Some(ProfileRead { fields: Err("null"), .. }) => Map::new(),
        Some(p) => crate::profile::checked(p, &join(path, "profile"))?,
    };
    let mut tally = EventTally::default();
    let events_path = join(path, "events");
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
                    tally.skip(SkipReason::Invalid);
                    if tally.problems.len() < MAX_REPORTED_EVENT_PROBLEMS {
                        tally.problems.push(err.problem);
                    }
                    None
                }
            })
            .collect(),
        Some(Err(t)) => {
            return Err(InputError::new(events_path, "wrongType", format!("\"events\" must be a list, not {t}")))
        }
    };
    Ok((Lead { id, profile, events }, tally))
}

/// The largest integer every runtime holds exactly: JavaScript's
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A numeric lead id as text: a whole number within ±(2^53 − 1), written in decimal
/// without a fraction or an exponent (`42`, `42.0` and `4.2e1` are all "42"; `-0` is
/// "0"). JavaScript holds no other kind of number exactly, nor tells `42.0` from
/// `42`, so this is the one rule every runtime can follow; anything else is `None`.
fn id_of_number(n: &Number) -> Option<String> {
    let whole = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 => f as i64,
        _ => return None,
    };
    (whole.abs() <= MAX_SAFE_INTEGER).then(|| whole.to_string())
}
