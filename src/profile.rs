//! A lead's profile and the limits it is held to. A CRM record carries dozens of
//! fields and a rule set reads a handful: a lead scored in one call keeps those, and
//! the rest are measured for the limits and let go as they are read, never built
//! (`wire::profile`).

use crate::error::InputError;
use crate::limits::{MAX_PROFILE_BYTES, MAX_PROFILE_DEPTH};
use crate::value::type_name;
use serde_json::{Map, Value};

/// Checks a profile already parsed into a value against the limits and hands back
/// its fields.
pub(crate) fn check_profile(v: Value, path: &str) -> Result<Map<String, Value>, InputError> {
    let weight = match json_size(&v, 0) {
        None => ProfileWeight::TooDeep,
        Some(size) if size > MAX_PROFILE_BYTES => ProfileWeight::TooHeavy,
        Some(size) => ProfileWeight::Within(size),
    };
    let read = match v {
        Value::Object(map) => ProfileRead { fields: Ok(map), weight },
        other => ProfileRead { fields: Err(type_name(&other)), weight },
    };
    checked(read, path)
}

/// A profile's fields as read, checked against the limits: too deep first, then too
/// heavy, then not an object.
pub(crate) fn checked(read: ProfileRead, path: &str) -> Result<Map<String, Value>, InputError> {
    match (read.fields, read.weight) {
        (_, ProfileWeight::TooDeep) => {
            Err(InputError::new(path, "tooDeep", format!("the profile nests deeper than {MAX_PROFILE_DEPTH} levels")))
        }
        (Ok(_), ProfileWeight::TooHeavy) => Err(InputError::new(
            path,
            "tooLarge",
            format!("the profile weighs more than {MAX_PROFILE_BYTES}, its limit (about as many bytes of JSON)"),
        )),
        (Ok(map), _) => Ok(map),
        (Err(other), _) => Err(InputError::new(
            path,
            "wrongType",
            format!("the profile must be an object of the lead's fields, not {other}"),
        )),
    }
}

/// Rough size of a JSON value in bytes, or `None` past the depth limit.
pub(crate) fn json_size(v: &Value, depth: usize) -> Option<usize> {
    if depth > MAX_PROFILE_DEPTH {
        return None;
    }
    Some(match v {
        Value::String(s) => s.len() + 2,
        Value::Array(a) => a.iter().map(|x| json_size(x, depth + 1).map(|s| s + 1)).sum::<Option<usize>>()? + 2,
        Value::Object(m) => {
            m.iter().map(|(k, x)| json_size(x, depth + 1).map(|s| s + k.len() + 4)).sum::<Option<usize>>()? + 2
        }
        _ => 8,
    })
}

/// A profile as read: the fields kept, or the JSON type it had instead of an object,
/// and what all of it (kept or not) weighs against the limits. Every field given
/// counts toward the weight, a repeated one each time.
#[derive(Debug)]
pub struct ProfileRead {
    pub fields: Result<Map<String, Value>, &'static str>,
    pub weight: ProfileWeight,
}

/// What a profile weighs against its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileWeight {
    Within(usize),
    /// Heavier than the limit (reading built nothing past it).
    TooHeavy,
    /// Something in it nests deeper than the limit.
    TooDeep,
}
