//! Not part of leadscore's API: the internals that the project's own tests and
//! benchmarks reach into (the readers the npm package uses, the MessagePack codec).
//! Anything here may change in any release.

pub use crate::wire::msgpack;
pub use crate::wire::{read_event, read_lead, read_leads, LeadFields, Names, RawLead};

use crate::{Engine, Event, EventTally, InputError, Lead, LeadSet, Qualification, ScoreResult};

/// A lead as the npm package reads it (`read_lead`), checked, with the events it set
/// aside: what `Engine::score_value` starts from.
pub fn lead_from_raw(raw: RawLead) -> Result<(Lead, EventTally), InputError> {
    crate::lead::read(raw, "")
}

/// The fields `engine`'s rules read: what the package's reader keeps of a lead.
pub fn lead_fields(engine: &Engine) -> &LeadFields {
    engine.lead_fields()
}

/// [`Engine::score`] of a lead as `read_lead` read it, as the package scores it.
pub fn score_raw(engine: &Engine, raw: RawLead, now: i64) -> Result<ScoreResult, InputError> {
    engine.score_raw(raw, now)
}

/// [`Engine::qualify`] of a lead as `read_lead` read it, as the package scores it.
pub fn qualify_raw(engine: &Engine, raw: RawLead, now: i64) -> Result<Qualification, InputError> {
    engine.qualify_raw(raw, now)
}

/// An event as `read_event` read it, checked as `Session::track_value` checks it.
pub fn event_from_raw(raw: crate::wire::RawEvent) -> Result<Event, InputError> {
    Event::from_raw(raw, "event")
}

/// Adds leads as `read_leads` read them to `set`, as the package's `LeadSet` does.
pub fn add_raw(set: &mut LeadSet, raw: Vec<RawLead>) -> Result<(), InputError> {
    set.add_raw(raw)
}

/// Checks a profile against the limits, as a lead's or a session's profile is.
pub fn check_profile(profile: serde_json::Value) -> Result<serde_json::Map<String, serde_json::Value>, InputError> {
    crate::profile::check_profile(profile, "profile")
}

/// A session from saved state as MessagePack bytes, as the package's
/// `Session.restoreBytes` reads it (`src/wasm/session.rs`), without the module: the
/// size checked, the state read by the MessagePack reader, then checked as
/// [`crate::Session::restore`] checks it. For tests and the fuzz targets.
pub fn restore_bytes(saved: &[u8]) -> Result<crate::Session, InputError> {
    crate::session::check_state_size(saved.len())?;
    let mut reader = msgpack::Reader::new(saved);
    let state = crate::wire::read_state(&mut reader, crate::limits::HISTORY_LIMIT)
        .and_then(|state| reader.end().map(|()| state))
        .map_err(|e| InputError::new("", "invalidState", format!("saved state is not what saveBytes() writes: {e}")))?;
    crate::Session::restore_raw(state)
}

/// Saved state as MessagePack bytes, as the package's `Session.saveBytes` writes it.
pub fn save_bytes(session: &crate::Session) -> Result<Vec<u8>, msgpack::Error> {
    msgpack::to_vec(session.state())
}

/// A rule set's bytes (as the compiled form holds them after its header) in the
/// header and checksum [`crate::Engine::to_compiled`] writes: for the fuzz target
/// `compiled`, whose made-up rule sets must pass the checksum to reach the checks
/// after it.
pub fn seal_compiled(payload: &[u8]) -> Vec<u8> {
    leadscore_rules::compiled::seal(payload, env!("CARGO_PKG_VERSION"))
}

/// [`seal_compiled`] in format 2, whose payload lists the later features a rule set
/// uses before its rules (docs/RULESET.md, section 15): so that fuzzing reaches them.
pub fn seal_compiled_listing(payload: &[u8]) -> Vec<u8> {
    leadscore_rules::compiled::seal_as(2, payload, env!("CARGO_PKG_VERSION"))
}
