//! A small reader over rule-set JSON objects that records every problem with its
//! path instead of stopping at the first one.

use crate::error::{join, Problem};
use crate::rules::Centi;
use crate::value::{json_text, type_name};
use serde_json::{Map, Value};

/// Largest number of points anything in a rule set may name.
pub const MAX_POINTS: f64 = 1_000_000.0;

pub struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub path: String,
}

/// Reads `v` as an object whose keys must be among `allowed`; unknown keys are
/// problems (a typo must not become a rule that silently never fires).
pub fn object<'a>(v: &'a Value, path: &str, what: &str, allowed: &[&str], p: &mut Vec<Problem>) -> Option<Obj<'a>> {
    let Some(map) = v.as_object() else {
        p.push(Problem::new(path, "wrongType", format!("{what} is an object, not {}", type_name(v))));
        return None;
    };
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            let hint = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(k) || a.replace('_', "").eq_ignore_ascii_case(&k.replace('_', "")))
                .map(|a| format!(" (did you mean \"{a}\"?)"))
                .unwrap_or_default();
            p.push(Problem::new(
                join(path, k),
                "unknownKey",
                format!("{what} has no key \"{k}\"{hint}; its keys are {}", allowed.join(", ")),
            ));
        }
    }
    Some(Obj { map, path: path.to_string() })
}

impl<'a> Obj<'a> {
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(k).filter(|v| !v.is_null())
    }

    pub fn at(&self, k: &str) -> String {
        join(&self.path, k)
    }

    fn missing(&self, k: &str, what: &str, p: &mut Vec<Problem>) {
        p.push(Problem::new(self.at(k), "missingKey", format!("\"{k}\" is required: {what}")));
    }

    pub fn text(&self, k: &str, required: Option<&str>, max_len: usize, p: &mut Vec<Problem>) -> Option<String> {
        match self.get(k) {
            None => {
                if let Some(what) = required {
                    self.missing(k, what, p);
                }
                None
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                p.push(Problem::new(self.at(k), "empty", format!("\"{k}\" is empty")));
                None
            }
            Some(Value::String(s)) if s.len() > max_len => {
                p.push(Problem::new(self.at(k), "tooLong", format!("\"{k}\" is longer than {max_len} bytes")));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                p.push(Problem::new(self.at(k), "wrongType", format!("\"{k}\" is text, not {}", type_name(other))));
                None
            }
        }
    }

    /// Points: a number with at most two decimals, within ±1,000,000.
    pub fn points(&self, k: &str, required: Option<&str>, p: &mut Vec<Problem>) -> Option<Centi> {
        let v = match self.get(k) {
            None => {
                if let Some(what) = required {
                    self.missing(k, what, p);
                }
                return None;
            }
            Some(v) => v,
        };
        match points_of(v) {
            Ok(c) => Some(c),
            Err(m) => {
                p.push(Problem::new(self.at(k), "invalidPoints", format!("\"{k}\" {m}")));
                None
            }
        }
    }

    pub fn positive_points(&self, k: &str, required: Option<&str>, p: &mut Vec<Problem>) -> Option<Centi> {
        let c = self.points(k, required, p)?;
        if c <= 0 {
            p.push(Problem::new(self.at(k), "notPositive", format!("\"{k}\" must be more than 0")));
            return None;
        }
        Some(c)
    }

    pub fn duration(&self, k: &str, p: &mut Vec<Problem>) -> Option<i64> {
        match self.get(k)? {
            Value::String(s) => match crate::time::parse_duration(s) {
                Ok(0) => {
                    p.push(Problem::new(
                        self.at(k),
                        "invalidDuration",
                        format!("\"{k}\" is zero: no event could ever fall within it"),
                    ));
                    None
                }
                Ok(ms) => Some(ms),
                Err(m) => {
                    p.push(Problem::new(self.at(k), "invalidDuration", m));
                    None
                }
            },
            other => {
                p.push(Problem::new(
                    self.at(k),
                    if other.as_f64().is_some_and(|f| f < 0.0) { "invalidDuration" } else { "wrongType" },
                    format!("\"{k}\" is a duration written as text, like \"7d\" or \"36h\", not {}", type_name(other)),
                ));
                None
            }
        }
    }

    pub fn boolean(&self, k: &str, p: &mut Vec<Problem>) -> Option<bool> {
        match self.get(k)? {
            Value::Bool(b) => Some(*b),
            other => {
                p.push(Problem::new(
                    self.at(k),
                    "wrongType",
                    format!("\"{k}\" is true or false, not {}", type_name(other)),
                ));
                None
            }
        }
    }

    /// A whole number from 1 to `max`: a JSON number whose value is whole, however
    /// it is written (`3`, `3.0`, `3e0`), since JavaScript's `JSON.parse`, which
    /// reads rule sets for the npm package, cannot tell them apart.
    pub fn count(&self, k: &str, max: u32, p: &mut Vec<Problem>) -> Option<u32> {
        let v = self.get(k)?;
        match v.as_f64().filter(|f| f.fract() == 0.0 && (1.0..=f64::from(max)).contains(f)) {
            // Whole and within 1..=max, so the conversion is exact.
            Some(n) => Some(n as u32),
            None => {
                p.push(Problem::new(
                    self.at(k),
                    "invalidCount",
                    format!("\"{k}\" is a whole number from 1 to {max}, not {}", json_text(v)),
                ));
                None
            }
        }
    }

    pub fn list(&self, k: &str, p: &mut Vec<Problem>) -> &'a [Value] {
        match self.get(k) {
            None => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                p.push(Problem::new(self.at(k), "wrongType", format!("\"{k}\" is a list, not {}", type_name(other))));
                &[]
            }
        }
    }
}

pub fn points_of(v: &Value) -> Result<Centi, String> {
    let Some(f) = v.as_f64() else {
        return Err(format!("is a number of points, not {}", type_name(v)));
    };
    if !f.is_finite() || f.abs() > MAX_POINTS {
        return Err(format!("is {}, outside ±1000000", json_text(v)));
    }
    let centi = (f * 100.0).round();
    if (f * 100.0 - centi).abs() > 1e-6 {
        return Err(format!("is {}: points have at most two decimals", json_text(v)));
    }
    Ok(centi as Centi)
}
