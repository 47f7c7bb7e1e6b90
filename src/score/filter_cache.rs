//! What the `where` filters of one event type's rules, triggers and disqualifiers
//! make of an event, kept per distinct (rule set, event type, values of the
//! properties those filters read), and what the fit rules and profile
//! disqualifiers reading one profile field make of a value of it: most events of a
//! workload repeat a few such values (`page_view` of `/pricing`), most profiles a
//! few job titles and industries, and a hit replaces every test of them by one key
//! comparison (docs/decisions/0027-filter-results-cached-per-value.md).
//!
//! Hostile input cannot grow it or change an answer: each thread holds a fixed
//! number of slots, a key is placed by its hash and evicts what held that slot, and
//! a hit compares the whole key, never the hash alone. A key that does not fit in a
//! slot (long text, a list, an object) is not cached: the filters are tested, as
//! without the cache. A hit charges the step meter what testing the filters charged
//! when the answer was kept, so call limits count alike with or without it.

use crate::engine::FILTER_RESULTS_CACHED as CACHED;
use crate::event::Properties;
use serde_json::Value;
use std::cell::RefCell;

/// Added to a profile field's number to tell it from an event type's.
pub(crate) const PROFILE_FIELD: u32 = 1 << 31;

/// Slots of each thread's cache (80 bytes each).
pub(crate) const SLOTS: usize = 1024;

/// Bytes of the property values a key holds; an event whose read values take more
/// is not cached.
const KEY_BYTES: usize = 48;

/// The values of the properties a type's filters read, in the order of their
/// names, written so that two different lists of values never write the same bytes:
/// a tag per value, and the length before a text.
#[derive(PartialEq, Eq)]
pub(crate) struct Key {
    len: u8,
    bytes: [u8; KEY_BYTES],
}

impl Key {
    /// The key of `properties` for filters that read `reads`; `None` when it does
    /// not fit a slot or a value read is a list or an object.
    pub(crate) fn of(reads: &[Box<str>], properties: &Properties) -> Option<Key> {
        Key::of_values(reads.iter().map(|name| properties.get(name)))
    }

    /// The key of a list of values (`None` for one missing).
    pub(crate) fn of_values<'v>(values: impl Iterator<Item = Option<&'v Value>>) -> Option<Key> {
        if !CACHED {
            return None;
        }
        let mut key = Key { len: 0, bytes: [0; KEY_BYTES] };
        for value in values {
            match value {
                None => key.push(&[0])?,
                Some(Value::Null) => key.push(&[1])?,
                Some(Value::Bool(b)) => key.push(&[2 + u8::from(*b)])?,
                // Each kind of number its own tag: equal keys are equal values.
                Some(Value::Number(n)) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => key.push_tagged(4, &u.to_le_bytes())?,
                    (None, Some(i), _) => key.push_tagged(5, &i.to_le_bytes())?,
                    (None, None, Some(f)) => key.push_tagged(6, &f.to_bits().to_le_bytes())?,
                    (None, None, None) => return None,
                },
                Some(Value::String(s)) => {
                    key.push_tagged(7, &[u8::try_from(s.len()).ok()?])?;
                    key.push(s.as_bytes())?;
                }
                Some(Value::Array(_) | Value::Object(_)) => return None,
            }
        }
        Some(key)
    }

    fn push_tagged(&mut self, tag: u8, bytes: &[u8]) -> Option<()> {
        self.push(&[tag])?;
        self.push(bytes)
    }

    fn push(&mut self, bytes: &[u8]) -> Option<()> {
        let start = usize::from(self.len);
        let end = start.checked_add(bytes.len()).filter(|end| *end <= KEY_BYTES)?;
        self.bytes.get_mut(start..end)?.copy_from_slice(bytes);
        self.len = u8::try_from(end).ok()?;
        Some(())
    }

    /// The slot of this key of type entry `entry` of the rule set `serial`.
    fn slot(&self, serial: u64, entry: u32) -> usize {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = (serial ^ (u64::from(entry) << 40) ^ u64::from(self.len)).wrapping_mul(K);
        for word in self.bytes.chunks_exact(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            h = (h.rotate_left(26) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        (h >> 32) as usize % SLOTS
    }
}

#[derive(Clone, Copy)]
struct Slot {
    /// The rule set's serial; 0 (no engine's) for a slot never filled.
    serial: u64,
    entry: u32,
    key_len: u8,
    key: [u8; KEY_BYTES],
    held: u64,
    steps: u64,
}

const EMPTY: Slot = Slot { serial: 0, entry: 0, key_len: 0, key: [0; KEY_BYTES], held: 0, steps: 0 };

thread_local! {
    static CACHE: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// What `test` gives for `key` of type entry `entry` of the rule set `serial`:
/// kept from an earlier call with the same key, or worked out and kept.
pub(crate) fn held(serial: u64, entry: u32, key: &Key, test: impl FnOnce() -> u64) -> u64 {
    let at = key.slot(serial, entry);
    let kept = CACHE.with(|c| {
        let slots = c.try_borrow().ok()?;
        let s = slots.get(at)?;
        (s.serial == serial && s.entry == entry && s.key_len == key.len && s.key == key.bytes)
            .then_some((s.held, s.steps))
    });
    if let Some((held, steps)) = kept {
        leadscore_rules::meter::charge(steps);
        return held;
    }
    let before = leadscore_rules::meter::steps();
    let held = test();
    let steps = leadscore_rules::meter::steps().saturating_sub(before);
    CACHE.with(|c| {
        if let Ok(mut slots) = c.try_borrow_mut() {
            if slots.is_empty() {
                slots.resize(SLOTS, EMPTY);
            }
            if let Some(s) = slots.get_mut(at) {
                *s = Slot { serial, entry, key_len: key.len, key: key.bytes, held, steps };
            }
        }
    });
    held
}

/// Slots this thread's cache holds: [`SLOTS`] once used, however many keys it saw.
#[cfg(test)]
pub(crate) fn slots_held() -> usize {
    CACHE.with(|c| c.borrow().len())
}
