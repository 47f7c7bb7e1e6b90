//! leadscore: lead scoring from one declarative rule set, the same everywhere.
//!
//! A rule set (JSON, see `docs/RULESET.md`) is compiled once into an [`Engine`].
//! The engine scores a lead in one call ([`Engine::score`]) or a [`Session`]
//! observes events one at a time and reports stage transitions; a [`LeadSet`] holds
//! leads read once, to be scored by any number of rule sets (a backtest run again
//! after each edit). `now` is always an argument: nothing here reads a clock, so
//! the same inputs give the same result, to the bit, natively and in WebAssembly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

// The rule-set language (its model, its compiler, and the text, time and value
// rules they share) is the crate `leadscore-rules`, so that it can be built for
// size in the npm package while scoring is built for speed (Cargo.toml). Its
// modules read as this crate's own.
pub use leadscore_rules::{by_name, condition, error, lowercase, rules, ruleset, stages, time, value, vocabulary};

pub mod engine;
pub mod event;
pub mod explain;
pub mod history;
pub mod lead_set;
pub mod msgpack;
// The visitor-method macros of `wire` serve `profile` too.
#[macro_use]
pub mod wire;
pub mod profile;
mod score;
pub mod session;
#[cfg(feature = "wasm")]
mod wasm;

pub use engine::{Engine, Lead};
pub use error::{InputError, Problem, RuleSetError};
pub use event::Event;
pub use explain::{Contribution, ContributionKind, Points, Qualification, ScoreResult, SkipReason, Skipped};
pub use lead_set::LeadSet;
pub use session::{Evaluation, Session, TrackResult, Tracked, Transition};
pub use stages::Stage;
