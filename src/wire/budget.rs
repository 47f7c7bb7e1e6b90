//! Reading within a budget, so that no input can make a reader build more than a
//! limit allows. A value's *weight* is what docs/RULESET.md measures profiles and
//! events by: a text its bytes + 2, another plain value 8, a list 2 + for each item
//! its weight + 1, an object 2 + for each key its bytes + 4 + its value's weight.
//! [`Bounded`] builds a value while its weight fits what is left of a budget and
//! counts it down as it goes; past the budget, or past the nesting it allows, it
//! reads on to the value's end without building or keeping anything. Reading stays
//! linear in the input, and what is built is bounded by the budget.

use super::Key;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::Cell;
use std::fmt;

/// The weight of a plain value other than text.
pub(crate) const SCALAR_WEIGHT: usize = 8;

/// The weight of a text of `len` bytes.
pub(crate) const fn text_weight(len: usize) -> usize {
    len.saturating_add(2)
}

/// The weight a key of `len` bytes adds to its object, besides its value's.
pub(crate) const fn key_weight(len: usize) -> usize {
    len.saturating_add(4)
}

/// About the memory a value takes once built: its own slot and what it allocates
/// (a text's bytes, a list's slots, an object's entries and nodes). What a call's
/// memory limit counts ([`crate::limits::CallLimits::max_call_memory`]): an object
/// of one key takes some 700 bytes for 15 of weight, so weight alone bounds memory
/// only loosely.
pub(crate) fn memory_of(v: &Value) -> usize {
    const SLOT: usize = std::mem::size_of::<Value>();
    // A B-tree node of serde_json's map: 11 keys, 11 values and its links.
    const NODE: usize = 11 * (std::mem::size_of::<String>() + SLOT) + 16;
    SLOT + match v {
        Value::String(s) => s.capacity(),
        Value::Array(items) => (items.capacity() - items.len()) * SLOT + items.iter().map(memory_of).sum::<usize>(),
        Value::Object(map) => {
            map.len().div_ceil(11) * NODE + map.iter().map(|(k, v)| k.capacity() + memory_of(v) - SLOT).sum::<usize>()
        }
        _ => 0,
    }
}

/// What a reader may still build, counted down as it goes; shared by the readers of
/// one input (the properties of one event, the fields of one profile).
#[derive(Clone, Copy)]
pub(crate) struct Budget<'a>(&'a Cell<usize>);

impl<'a> Budget<'a> {
    pub(crate) fn new(left: &'a Cell<usize>) -> Budget<'a> {
        Budget(left)
    }

    /// Takes `weight` from what is left: false, and nothing taken, when less is left
    /// (then nothing more can be taken: a budget once spent stays spent).
    pub(crate) fn take(self, weight: usize) -> bool {
        match self.0.get().checked_sub(weight) {
            Some(left) => {
                self.0.set(left);
                true
            }
            None => {
                self.0.set(0);
                false
            }
        }
    }
}

/// What a value nested deeper than allowed becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TooDeep {
    /// An empty list or object of the same kind: the value's checks then refuse it
    /// as nested too deep at its own place, as they would the value itself (an event
    /// property).
    Mark,
    /// Nothing: the whole read is refused as nested too deep (a profile).
    Refuse,
}

/// A value read within a budget.
#[derive(Debug)]
pub(crate) enum Read {
    Value(Value),
    /// Heavier than the budget left: nothing was kept.
    TooHeavy,
    /// Nested deeper than allowed (with [`TooDeep::Refuse`]), whatever it weighed.
    TooDeep,
}

/// Reads a value whole while it fits `budget` and nests at most `levels` deep: with
/// `levels` 0 it is a plain value (or, with [`TooDeep::Refuse`], an empty list or
/// object), with 1 a list or object of such values, and so on. With `keep` false it
/// is only weighed and checked: nothing is built, and the value read is `null`.
#[derive(Clone, Copy)]
pub(crate) struct Bounded<'a> {
    pub(crate) budget: Budget<'a>,
    pub(crate) levels: usize,
    pub(crate) too_deep: TooDeep,
    pub(crate) keep: bool,
    /// Texts longer than this (an event property's limit) are refused for their own
    /// length, whatever else is wrong: such a text is kept as its first `text_limit`
    /// bytes and a character more, weighed as that, so that its checks still find it
    /// too long without the rest of it.
    pub(crate) text_limit: usize,
}

impl Bounded<'_> {
    fn inner(self) -> Self {
        Bounded { levels: self.levels.saturating_sub(1), ..self }
    }

    /// A value of weight `weight`, built by `make` when kept.
    fn value(self, weight: usize, make: impl FnOnce() -> Value) -> Read {
        match (self.budget.take(weight), self.keep) {
            (false, _) => Read::TooHeavy,
            (true, true) => Read::Value(make()),
            (true, false) => Read::Value(Value::Null),
        }
    }

    /// What a value that went past the budget comes to, once the rest of it is read
    /// (`deep`: whether something in it nests deeper than allowed).
    fn finish(self, deep: bool) -> Read {
        if deep && self.too_deep == TooDeep::Refuse {
            Read::TooDeep
        } else {
            Read::TooHeavy
        }
    }

    /// A list or object met where none may be: an empty one of its kind to mark it,
    /// or a refusal; either way what it holds is read past.
    /// (`held`: whether it held anything; an empty one is no deeper than a plain
    /// value, and [`TooDeep::Refuse`] lets it be.)
    fn nested_too_deep(self, held: bool, empty: fn() -> Value) -> Read {
        match self.too_deep {
            TooDeep::Refuse if held => Read::TooDeep,
            _ => self.value(2, empty),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Read;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Read;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Read, E> {
        Ok(self.value(SCALAR_WEIGHT, || Value::Bool(b)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Read, E> {
        Ok(self.value(SCALAR_WEIGHT, || Value::Number(n.into())))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Read, E> {
        Ok(self.value(SCALAR_WEIGHT, || Value::Number(n.into())))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Read, E> {
        // As serde_json reads it: a number JSON cannot hold is null.
        Ok(self.value(SCALAR_WEIGHT, || Number::from_f64(n).map_or(Value::Null, Value::Number)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Read, E> {
        let s = super::at_most(s, self.text_limit);
        Ok(self.value(text_weight(s.len()), || Value::String(s.to_owned())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Read, E> {
        Ok(self.value(SCALAR_WEIGHT, || Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Read, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Read, A::Error> {
        if self.levels == 0 {
            let held = drain_seq(&mut seq, 0)?;
            return Ok(self.nested_too_deep(held, || Value::Array(Vec::new())));
        }
        if !self.budget.take(2) {
            return Ok(self.finish(drain_seq(&mut seq, self.levels)?));
        }
        // Sized from the list's length when the format tells it, within what the budget
        // could hold: a length is a claim until the items are read.
        let room = if self.keep { seq.size_hint().unwrap_or(0).min(self.budget.0.get() / 9) } else { 0 };
        let mut items = Vec::with_capacity(room);
        loop {
            // Each item weighs one more than its value (a separator): taken once it
            // is known to be there, so that the list's end costs nothing.
            let item = match seq.next_element_seed(self.inner())? {
                Some(Read::Value(_)) if !self.budget.take(1) => Some(Read::TooHeavy),
                item => item,
            };
            match item {
                None => return Ok(Read::Value(if self.keep { Value::Array(items) } else { Value::Null })),
                Some(Read::Value(v)) => {
                    if self.keep {
                        items.push(v)
                    }
                }
                Some(past) => {
                    // What was built goes before the rest is read past.
                    drop(items);
                    let deep = drain_seq(&mut seq, self.levels)?;
                    return Ok(if matches!(past, Read::TooDeep) { Read::TooDeep } else { self.finish(deep) });
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
        if self.levels == 0 {
            let held = drain_map(&mut map, 0)?;
            return Ok(self.nested_too_deep(held, || Value::Object(Map::new())));
        }
        if !self.budget.take(2) {
            return Ok(self.finish(drain_map(&mut map, self.levels)?));
        }
        let mut entries = Map::new();
        while let Some(key) = map.next_key::<Key>()? {
            let fits = self.budget.take(key_weight(key.as_str().len()));
            // Past the budget the value is read on with nothing left: too heavy, or
            // too deep when it is.
            let value = match map.next_value_seed(self.inner())? {
                Read::Value(_) if !fits => Read::TooHeavy,
                value => value,
            };
            match value {
                // The last of a repeated key wins, as JSON readers keep it; each counts.
                Read::Value(v) => {
                    if self.keep {
                        entries.insert(key.into_name().into(), v);
                    }
                }
                past => {
                    drop(entries);
                    let deep = drain_map(&mut map, self.levels)?;
                    return Ok(if matches!(past, Read::TooDeep) { Read::TooDeep } else { self.finish(deep) });
                }
            }
        }
        Ok(Read::Value(if self.keep { Value::Object(entries) } else { Value::Null }))
    }
}

/// Reads the rest of a list at a place allowing `levels` levels of nesting, keeping
/// nothing: whether it nests deeper (its items are allowed one level less; with no
/// level left, a list is too deep when it holds anything).
fn drain_seq<'de, A: SeqAccess<'de>>(seq: &mut A, levels: usize) -> Result<bool, A::Error> {
    if levels == 0 {
        let mut held = false;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            held = true;
        }
        return Ok(held);
    }
    let unlimited = Cell::new(usize::MAX);
    let mut deep = false;
    while let Some(item) = seq.next_element_seed(weigh_only(&unlimited, levels - 1))? {
        deep |= matches!(item, Read::TooDeep);
    }
    Ok(deep)
}

fn drain_map<'de, A: MapAccess<'de>>(map: &mut A, levels: usize) -> Result<bool, A::Error> {
    if levels == 0 {
        let mut held = false;
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
            held = true;
        }
        return Ok(held);
    }
    let unlimited = Cell::new(usize::MAX);
    let mut deep = false;
    while map.next_key::<IgnoredAny>()?.is_some() {
        deep |= matches!(map.next_value_seed(weigh_only(&unlimited, levels - 1))?, Read::TooDeep);
    }
    Ok(deep)
}

/// A reader that keeps nothing and only tells whether a value nests deeper than
/// `levels` (the same reader, so that the module holds one copy of it).
fn weigh_only(unlimited: &Cell<usize>, levels: usize) -> Bounded<'_> {
    Bounded { budget: Budget::new(unlimited), levels, too_deep: TooDeep::Refuse, keep: false, text_limit: usize::MAX }
}
