//! leadscore: lead scoring from one declarative rule set, the same everywhere.
//!
//! A rule set (JSON, see `docs/RULESET.md`) is compiled once into an [`Engine`], or
//! compiled ahead into its compact binary form ([`Engine::to_compiled`]), which
//! [`Engine::from_compiled`] loads without the compiler (feature `compiler`).
//! The engine scores a lead in one call ([`Engine::score`]) or a [`Session`]
//! observes events one at a time and reports stage transitions; a [`LeadSet`] holds
//! leads read once, to be scored by any number of rule sets (a backtest run again
//! after each edit). `now` is always an argument: nothing here reads a clock, so
//! the same inputs give the same result, to the bit, natively and in WebAssembly.
//!
//! Each entry point comes typed ([`Engine::score`] of a [`Lead`], [`Session::track`]
//! of an [`Event`]), over a parsed JSON value (`score_value`, `track_value`) and over
//! JSON text (`score_json`, `track_json`), as the CLI, the npm package and the edge
//! worker each need. Problems are data: [`RuleSetError`] lists every problem of a rule
//! set, [`InputError`] the one problem of any other input, each with its JSON path.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

// The rule-set language (its model, its compiler, and the text, time and value
// rules they share) is the crate `leadscore-rules`, so that it can be built for
// size in the npm package while scoring is built for speed (Cargo.toml). Its
// modules read as this crate's own.
use leadscore_rules::{by_name, error, rules, ruleset, stages, suggest, time, value, vocabulary};

#[cfg(feature = "backtest")]
pub mod backtest;
mod engine;
mod event;
mod explain;
mod history;
mod lead;
mod lead_set;
pub mod limits;
mod profile;
mod score;
mod session;
mod wire;

#[cfg(feature = "wasm")]
mod wasm;

#[doc(hidden)]
pub mod test_support;

pub use engine::{Engine, Reads};
pub use error::{InputError, Problem, RuleSetError};
pub use event::{Event, Properties};
pub use explain::{
    Contribution, ContributionKind, Disqualification, EventTally, Pair, Points, Qualification, ScoreResult, SetAside,
    SetAsideReason, SkipReason, Skipped, Units,
};
pub use lead::Lead;
pub use lead_set::LeadSet;
/// The first bytes of every compiled rule set ([`Engine::to_compiled`]).
pub use leadscore_rules::compiled::{FORMAT_VERSION as COMPILED_FORMAT_VERSION, MAGIC as COMPILED_MAGIC};
pub use session::{Evaluation, Progress, SavedState, Session, TrackResult, Tracked, Transition, STATE_VERSION};
pub use stages::Stage;
pub use time::parse_rfc3339;
