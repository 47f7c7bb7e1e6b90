//! leadscore's rule-set language: the compiled rule model (rules, conditions,
//! stages, the event vocabulary) and the compiler that reads a rule set, checks it
//! and lists every problem with its JSON path (`ruleset`), and what a valid rule
//! set says that is probably not meant (`warnings`). The `leadscore` crate
//! scores with what this one compiles, and re-exports its modules.
//!
//! A crate of its own so that the npm package can build it for size: the compiler
//! runs once per rule set, and at opt-level 3 it was a quarter of the package's
//! WebAssembly. What scoring calls on every lead (a condition's tests, case
//! folding, a stage's checks, reading a timestamp) is `#[inline]` or generic, so
//! that it is compiled into `leadscore`, for speed.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod alphanumeric;
pub mod by_name;
pub mod compiled;
pub mod condition;
pub mod cost;
pub mod error;
pub mod features;
pub mod json_place;
pub mod lowercase;
pub mod meter;
pub mod order;
mod reader;
#[cfg(test)]
mod repository;
pub mod rules;
pub mod ruleset;
pub mod search;
pub mod stages;
pub mod suggest;
pub mod time;
pub mod value;
pub mod vocabulary;
pub mod warnings;
pub mod wildcard;
