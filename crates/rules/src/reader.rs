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
    /// Keys the object lacks, each with the unknown key near it in spelling that
    /// stands in for it (`poinst` for `points`): its value is read as the key's, and
    /// the key is not also reported missing. The unknown key is a problem already.
    stand_ins: Vec<(&'static str, &'a str)>,
}

/// Reads `v` as an object whose keys must be among `allowed`; unknown keys are
/// problems (a typo must not become a rule that silently never fires), each with
/// the allowed key nearest in spelling when one is near (`suggest`). An unknown
/// key near an allowed key the object lacks stands in for it: `"poinst": 10` is
/// one problem, not also a missing `points`, and its value is checked as the
/// value of `points`.
pub fn object<'a>(
    v: &'a Value,
    path: &str,
    what: &str,
    allowed: &[&'static str],
    p: &mut Vec<Problem>,
) -> Option<Obj<'a>> {
    let Some(map) = v.as_object() else {
        p.push(Problem::new(path, "wrongType", format!("{what} must be an object, not {}", type_name(v))));
        return None;
    };
    let mut stand_ins: Vec<(&'static str, &'a str)> = Vec::new();
    for k in map.keys() {
        if !allowed.contains(&k.as_str()) {
            let message = match crate::suggest::nearest(k, allowed.iter().copied()) {
                Some(near) => {
                    let taken = map.contains_key(near) || stand_ins.iter().any(|(key, _)| *key == near);
                    if !taken {
                        stand_ins.push((near, k.as_str()));
                    }
                    format!("{what} has no key \"{k}\": did you mean \"{near}\"?")
                }
                None => format!("{what} has no key \"{k}\"; its keys are {}", allowed.join(", ")),
            };
            p.push(Problem::new(join(path, k), "unknownKey", message));
        }
    }
    Some(Obj { map, path: path.to_string(), stand_ins })
}

impl<'a> Obj<'a> {
    /// The value of key `k` (or of the unknown key that stands in for it); a key
    /// whose value is `null` counts as absent.
    pub fn get(&self, k: &str) -> Option<&'a Value> {
        self.map.get(self.key(k)).filter(|v| !v.is_null())
    }

    /// The path of key `k`: where its value is, under the unknown key that stands
    /// in for it if one does.
    pub fn at(&self, k: &str) -> String {
        join(&self.path, self.key(k))
    }

    /// The key that holds `k`'s value: `k`, or the unknown key standing in for it.
    fn key<'k>(&self, k: &'k str) -> &'k str
    where
        'a: 'k,
    {
        match self.map.contains_key(k) {
            true => k,
            false => self.stand_ins.iter().find(|(key, _)| *key == k).map_or(k, |(_, typed)| typed),
        }
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
                p.push(Problem::new(
                    self.at(k),
                    "wrongType",
                    format!("\"{k}\" must be text, not {}", type_name(other)),
                ));
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
                    format!(
                        "\"{k}\" must be a duration written as text, like \"7d\" or \"36h\", not {}",
                        type_name(other)
                    ),
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
                    format!("\"{k}\" must be true or false, not {}", type_name(other)),
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
                    format!("\"{k}\" must be a whole number from 1 to {max}, not {}", json_text(v)),
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
                p.push(Problem::new(
                    self.at(k),
                    "wrongType",
                    format!("\"{k}\" must be a list, not {}", type_name(other)),
                ));
                &[]
            }
        }
    }
}

pub fn points_of(v: &Value) -> Result<Centi, String> {
    let Some(f) = v.as_f64() else {
        return Err(format!("must be a number of points, not {}", type_name(v)));
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
