//! Every limit leadscore holds its input to, in one place (docs/RULESET.md, section
//! "Limits", states each with the code of the error it raises). The rule-set limits
//! live with the compiler that enforces them (`leadscore-rules`) and are re-exported
//! here, so that this module is the one list.

pub use leadscore_rules::condition::{MAX_CONDITION_DEPTH, MAX_LIST_LEN, MAX_RULE_TEXT_LEN};
pub use leadscore_rules::cost::MAX_LEAD_COST;
pub use leadscore_rules::ruleset::{MAX_AT_LEAST, MAX_RULES, MAX_RULESET_BYTES};
pub use leadscore_rules::time::{MAX_DURATION_MS, MAX_INSTANT_MS};

// What the compiler assumes of leads to estimate what a rule set costs to score
// one (`tooCostly`) is what these limits hold them to.
const _: () = assert!(
    leadscore_rules::cost::EVENT_VALUE_BYTES == MAX_EVENT_BYTES as u64
        && leadscore_rules::cost::PROFILE_VALUE_BYTES == MAX_PROFILE_BYTES as u64
        && leadscore_rules::cost::HISTORY_EVENTS == HISTORY_LIMIT as u64
);

// Events.

/// Longest event type and property name, in bytes.
pub const MAX_TYPE_LEN: usize = 64;
/// Longest event id, session id and lead id, in bytes.
pub const MAX_ID_LEN: usize = 128;
/// Most properties of one event.
pub const MAX_PROPERTIES: usize = 32;
/// Longest text property value, in bytes.
pub const MAX_STRING_LEN: usize = 512;
/// Most items of a list property, and keys of an object property.
pub const MAX_LIST_ITEMS: usize = 32;
/// Largest event, in bytes of its JSON text (estimated while reading it): with the
/// history limit this bounds a session's memory.
pub const MAX_EVENT_BYTES: usize = 4 * 1024;

// Profiles.

/// Largest profile, in bytes of JSON text (estimated while reading).
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;
/// Deepest nesting of objects and lists in a profile.
pub const MAX_PROFILE_DEPTH: usize = 8;

// Histories and calls.

/// The newest events a lead's history keeps; older ones are dropped, in batch and
/// session alike.
pub const HISTORY_LIMIT: usize = 1_000;
/// Most events one call may pass in.
pub const MAX_EVENTS_PER_CALL: usize = 100_000;
/// How many refused events a result describes in full (the rest are only counted).
pub const MAX_REPORTED_EVENT_PROBLEMS: usize = 10;
/// Deepest nesting of lists and maps the MessagePack reader follows (the package's
/// codec writes at most 128), so that no input can exhaust the stack.
pub const MAX_MSGPACK_DEPTH: usize = 200;

// Sessions.

/// How far past the caller's `now` an event's time may lie (clock skew between a
/// browser and a server); later events are refused.
pub const MAX_FUTURE_SKEW_MS: i64 = leadscore_rules::time::HOUR;
/// Largest saved state a session is restored from, in bytes (JSON text or MessagePack).
pub const MAX_STATE_BYTES: usize = 8 << 20;

// Lead sets.

/// Most events a lead set holds, across its leads: about 185 bytes each once read,
/// with their leads' profiles (the peers' 10,000 leads: 255,377 events in 45 MiB),
/// so a full set takes some 350 MiB.
pub const MAX_HELD_EVENTS: usize = 2_000_000;
/// Most leads a lead set holds: about 130 bytes each without their events and
/// profile fields, so that a list of empty objects cannot exhaust the module's memory.
pub const MAX_HELD_LEADS: usize = 1_000_000;
