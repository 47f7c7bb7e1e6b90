//! Errors as data: every problem carries the JSON path it was found at,
//! a stable code and a message a person can act on.

use serde::Serialize;
use std::fmt;

/// One thing wrong with an input, at a JSON path such as `engagement[2].where.all[0].in`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

/// The longest path a problem names, in bytes: a longer one (a key of a megabyte,
/// say) is cut, so that an error never repeats its input at length.
pub const MAX_PROBLEM_PATH: usize = 256;
/// The longest message a problem has, in bytes, cut likewise.
pub const MAX_PROBLEM_MESSAGE: usize = 1024;

impl Problem {
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Problem { path: cut(path.into(), MAX_PROBLEM_PATH), code, message: cut(message.into(), MAX_PROBLEM_MESSAGE) }
    }
}

/// `text`, or its first `max` bytes (to a character's end) and an ellipsis.
fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let end = (0..=max).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(end);
        text.push('…');
    }
    text
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} ({})", self.message, self.code)
        } else {
            write!(f, "{}: {} ({})", self.path, self.message, self.code)
        }
    }
}

/// A rule set that was refused whole, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct RuleSetError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the rule set has {} problem(s)", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// An input other than a rule set (an event, a lead, saved session state, a call's
/// arguments) that was refused. Nothing was changed by the call that returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{problem}")]
pub struct InputError {
    #[serde(flatten)]
    pub problem: Problem,
}

impl InputError {
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        InputError { problem: Problem::new(path, code, message) }
    }

    /// The error of item `i` of a list: its path prefixed with the index (`[3].events`).
    pub fn in_list(mut self, i: usize) -> Self {
        self.problem.path = join(&index("", i), &self.problem.path);
        self
    }
}

/// serde_json's complaint about `what` (e.g. "the lead") as an input error. serde_json
/// stops at 128 levels of nesting rather than exhaust the stack: that is `tooDeep`.
pub fn json_error(e: &serde_json::Error, path: &str, what: &str) -> InputError {
    if e.to_string().starts_with("recursion limit exceeded") {
        InputError::new(path, "tooDeep", format!("{what} nests lists and objects more than 128 levels deep"))
    } else {
        InputError::new(path, "invalidJson", format!("{what} is not valid JSON: {}", json_syntax(e)))
    }
}

/// What the JSON reader found wrong with a text, then where, as every message of
/// leadscore gives it: `EOF while parsing an object (line 1, column 1)`, lines from
/// 1 and columns in bytes (the reader's own "at line 1 column 1" is left out).
pub fn json_syntax(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let at = format!(" at line {} column {}", e.line(), e.column());
    format!("{} (line {}, column {})", text.strip_suffix(&at).unwrap_or(&text), e.line(), e.column())
}

/// Joins a JSON path prefix and a child: `join("fit[0]", "when")` is `fit[0].when`.
pub fn join(prefix: &str, child: &str) -> String {
    if prefix.is_empty() {
        child.to_string()
    } else if child.is_empty() {
        prefix.to_string()
    } else if child.starts_with('[') {
        format!("{prefix}{child}")
    } else {
        format!("{prefix}.{child}")
    }
}

pub fn index(prefix: &str, i: usize) -> String {
    format!("{prefix}[{i}]")
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped
/// as in JSON: how messages show a value the user gave.
pub fn quoted(text: &str) -> String {
    // Messages are cut at MAX_PROBLEM_MESSAGE anyway; a long value need not be copied whole.
    let text = text.get(..text.len().min(MAX_PROBLEM_MESSAGE)).unwrap_or(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
