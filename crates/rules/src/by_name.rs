//! Short lists of named things, in order of name: a session's progress by rule set,
//! a rule set's event types and their properties. They hold a handful of names, so
//! a binary search over one list does, where a `BTreeMap` would bring its code into
//! the WebAssembly module once for every kind of value it holds.

use serde::{Serialize, Serializer};

/// Values by name, in order of name (bytewise, as a JSON object's keys are read).
#[derive(Debug, Clone, PartialEq)]
pub struct ByName<V>(Vec<(Box<str>, V)>);

impl<V> Default for ByName<V> {
    fn default() -> Self {
        ByName(Vec::new())
    }
}

impl<V> ByName<V> {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| (**n).cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.find(name).ok().and_then(|i| self.0.get(i)).map(|(_, v)| v)
    }

    /// Gives `name` the value `value`, adding the name in its place when it is new.
    pub fn set(&mut self, name: &str, value: V) {
        match self.find(name) {
            Ok(i) => {
                if let Some((_, v)) = self.0.get_mut(i) {
                    *v = value;
                }
            }
            Err(i) => self.0.insert(i, (name.into(), value)),
        }
    }

    /// Adds every name `other` holds, in one pass over both lists; where both hold
    /// a name, or only `other` does, `pick(mine, theirs)` gives its value.
    pub fn merge(&mut self, other: &ByName<V>, mut pick: impl FnMut(Option<&V>, &V) -> V) {
        let mine = std::mem::take(&mut self.0);
        let mut merged = Vec::with_capacity(mine.len() + other.0.len());
        let mut mine = mine.into_iter().peekable();
        for (name, theirs) in &other.0 {
            while let Some((held, v)) = mine.next_if(|(held, _)| held < name) {
                merged.push((held, v));
            }
            let value = match mine.next_if(|(held, _)| held == name) {
                Some((_, v)) => pick(Some(&v), theirs),
                None => pick(None, theirs),
            };
            merged.push((name.clone(), value));
        }
        merged.extend(mine);
        self.0 = merged;
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(n, v)| (&**n, v))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| &**n)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// As a JSON object (a map), in order of name.
impl<V: Serialize> Serialize for ByName<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_in_order_and_once_each() {
        let mut m = ByName::default();
        for (name, v) in [("web", 1), ("ads", 2), ("email", 3), ("ads", 4), ("", 5)] {
            m.set(name, v);
        }
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![("", &5), ("ads", &4), ("email", &3), ("web", &1)]);
        assert_eq!((m.get("email"), m.get("nope"), m.len()), (Some(&3), None, 4));
        assert_eq!(serde_json::to_string(&m).unwrap(), r#"{"":5,"ads":4,"email":3,"web":1}"#);
    }

    #[test]
    fn a_merge_keeps_every_name_once_and_picks_where_both_hold_one() {
        let list = |pairs: &[(&str, i32)]| {
            let mut m = ByName::default();
            pairs.iter().for_each(|(n, v)| m.set(n, *v));
            m
        };
        let mut mine = list(&[("b", 1), ("d", 2), ("f", 3)]);
        mine.merge(&list(&[("a", 10), ("d", 20), ("g", 30)]), |mine, theirs| mine.map_or(*theirs, |m| m + theirs));
        assert_eq!(mine, list(&[("a", 10), ("b", 1), ("d", 22), ("f", 3), ("g", 30)]));
        let mut empty = ByName::default();
        empty.merge(&list(&[("x", 1)]), |_, theirs| *theirs);
        assert_eq!(empty, list(&[("x", 1)]));
    }
}
