//! leadscore: lead scoring from one declarative rule set, the same everywhere.
//!
//! A rule set (JSON, see `docs/RULESET.md`) is compiled once into an [`Engine`].
//! The engine scores a lead in one call ([`Engine::score`]) or a [`Session`]
//! observes events one at a time and reports stage transitions. `now` is always an
//! argument: nothing here reads a clock, so the same inputs give the same result,
//! to the bit, natively and in WebAssembly.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod by_name;
pub mod condition;
pub mod engine;
pub mod error;
pub mod event;
pub mod explain;
pub mod history;
pub mod lowercase;
pub mod msgpack;
mod reader;
pub mod rules;
pub mod ruleset;
mod score;
pub mod session;
pub mod stages;
pub mod time;
pub mod value;
pub mod wire;
#[cfg(feature = "wasm")]
mod wasm;

pub use engine::{Engine, Lead};
pub use error::{InputError, Problem, RuleSetError};
pub use event::Event;
pub use explain::{Contribution, ContributionKind, Points, Qualification, ScoreResult, SkipReason, Skipped};
pub use session::{Evaluation, Session, TrackResult, Tracked, Transition};
pub use stages::Stage;
