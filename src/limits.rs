//! Every limit leadscore holds its input to, in one place (docs/RULESET.md, section
//! "Limits", states each with the code of the error it raises). The rule-set limits
//! live with the compiler that enforces them (`leadscore-rules`) and are re-exported
//! here, so that this module is the one list.

pub use leadscore_rules::condition::{MAX_CONDITION_DEPTH, MAX_LIST_LEN, MAX_RULE_TEXT_LEN};
pub use leadscore_rules::cost::MAX_LEAD_COST;
pub use leadscore_rules::ruleset::{MAX_AT_LEAST, MAX_RULES, MAX_RULESET_BYTES};
pub use leadscore_rules::time::{MAX_DURATION_MS, MAX_INSTANT_MS};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

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
/// How many problems of a rule set its error lists (and then how many more there are).
pub const MAX_LISTED_PROBLEMS: usize = 100;
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

// Histories, backtests and learning (feature `backtest`, docs/BACKTEST.md). A
// history holds its leads as a lead set does, within MAX_HELD_LEADS and
// MAX_HELD_EVENTS; the package sends its text in parts within the input limit.

/// How many unreadable rows a history describes (the rest are only counted).
pub const MAX_ROW_PROBLEMS: usize = 100;
/// Most events one behaviour-count cell of a history becomes.
pub const MAX_COUNT_EVENTS: u64 = HISTORY_LIMIT as u64;
/// Most features learning fits: the Hessian holds their square in numbers (8 MB).
pub const MAX_LEARN_FEATURES: usize = 1_000;

// Calls: what one call may take in, which an embedder may set (`CallLimits::set`).

/// The default of [`CallLimits::max_input_bytes`].
pub const DEFAULT_MAX_INPUT_BYTES: usize = 8 << 20;
/// The default of [`CallLimits::max_call_memory`].
pub const DEFAULT_MAX_CALL_MEMORY: usize = 16 << 20;
/// The default of [`CallLimits::max_call_steps`]: about a second in Node.js
/// (docs/SECURITY.md), what one lead may cost at most, and some forty times what
/// 8 MiB of leads like the examples' take (0.4 to 0.7 steps a byte).
pub const DEFAULT_MAX_CALL_STEPS: u64 = 250_000_000;
/// The least either byte limit may be set to: room for a full profile, or a few full
/// events, in one call.
pub const MIN_CALL_LIMIT: usize = 64 << 10;
/// The least [`CallLimits::max_call_steps`] may be set to.
pub const MIN_CALL_STEPS: u64 = 1_000_000;

static MAX_INPUT_BYTES: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_INPUT_BYTES);
static MAX_CALL_MEMORY: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_CALL_MEMORY);
static MAX_CALL_STEPS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_CALL_STEPS);

/// What one call may take in, for every call of the process (or of the
/// WebAssembly instance). Together they bound what a call can make the engine hold
/// and how long it reads, whatever the input: an input over either is refused with
/// `tooLarge` before anything past the limit is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// Most bytes one input may have as it arrives: JSON text, or the MessagePack the
    /// npm package sends. Refused before it is read. Default 8 MiB.
    pub max_input_bytes: usize,
    /// Most memory the leads one call reads may take once read (their events and the
    /// profile fields kept, as estimated while reading), across the leads of a list:
    /// reading stops at the first event or profile past it. Default 16 MiB.
    pub max_call_memory: usize,
    /// Most steps (docs/RULESET.md, section 11) one call over a list of leads may
    /// take to test their conditions: the call is refused with `tooCostly` at the
    /// first lead it reaches past the limit, so it takes at most this and one lead
    /// more. A single lead's cost is bounded when its rule set is compiled.
    /// Default 250,000,000, what one lead may cost at most.
    pub max_call_steps: u64,
}

impl Default for CallLimits {
    fn default() -> CallLimits {
        CallLimits {
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_call_memory: DEFAULT_MAX_CALL_MEMORY,
            max_call_steps: DEFAULT_MAX_CALL_STEPS,
        }
    }
}

impl CallLimits {
    /// The limits in force.
    pub fn get() -> CallLimits {
        CallLimits {
            max_input_bytes: MAX_INPUT_BYTES.load(Ordering::Relaxed),
            max_call_memory: MAX_CALL_MEMORY.load(Ordering::Relaxed),
            max_call_steps: MAX_CALL_STEPS.load(Ordering::Relaxed),
        }
    }

    /// Puts these limits in force for every call from now on. The byte limits must
    /// be at least [`MIN_CALL_LIMIT`] (64 KiB), so that a full profile or event
    /// still fits, and the steps at least [`MIN_CALL_STEPS`]. Nothing changes when
    /// one is refused.
    pub fn set(self) -> Result<(), crate::InputError> {
        let small = [
            ("maxInputBytes", self.max_input_bytes as u64, MIN_CALL_LIMIT as u64),
            ("maxCallMemory", self.max_call_memory as u64, MIN_CALL_LIMIT as u64),
            ("maxCallSteps", self.max_call_steps, MIN_CALL_STEPS),
        ];
        for (name, value, least) in small {
            if value < least {
                return Err(crate::InputError::new(
                    name,
                    "invalidValue",
                    format!("{name} is {value}; it must be at least {least}"),
                ));
            }
        }
        MAX_INPUT_BYTES.store(self.max_input_bytes, Ordering::Relaxed);
        MAX_CALL_MEMORY.store(self.max_call_memory, Ordering::Relaxed);
        MAX_CALL_STEPS.store(self.max_call_steps, Ordering::Relaxed);
        Ok(())
    }

    /// Refuses to go on to another lead of a call that began when
    /// [`leadscore_rules::meter::steps`] was `start`, once the steps since are over
    /// [`CallLimits::max_call_steps`]; the caller puts the lead's index in the path.
    #[cfg_attr(not(feature = "batch"), allow(dead_code))]
    pub(crate) fn check_steps(start: u64) -> Result<(), crate::InputError> {
        let taken = leadscore_rules::meter::steps().saturating_sub(start);
        let max = MAX_CALL_STEPS.load(Ordering::Relaxed);
        if taken > max {
            let message = format!(
                "the leads before this one took {taken} steps to score; one call takes at most {max} \
                 (maxCallSteps): send fewer leads in a call"
            );
            return Err(crate::InputError::new("", "tooCostly", message));
        }
        Ok(())
    }

    /// Refuses an input of `bytes` bytes over [`CallLimits::max_input_bytes`].
    pub(crate) fn check_input(bytes: usize, path: &str, what: &str) -> Result<(), crate::InputError> {
        let max = MAX_INPUT_BYTES.load(Ordering::Relaxed);
        if bytes > max {
            return Err(crate::InputError::new(
                path,
                "tooLarge",
                format!("{what} is {bytes} bytes; one call takes at most {max}"),
            ));
        }
        Ok(())
    }
}
