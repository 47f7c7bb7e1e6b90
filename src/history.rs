//! A lead's event history: ordered by time, free of duplicate ids, and bounded.
//! Batch scoring and sessions both keep history by these rules, so a session that
//! has seen the same events as a batch call scores them the same.

use crate::event::Event;
use crate::explain::{EventTally, SkipReason};
use crate::limits::HISTORY_LIMIT;
use std::borrow::Cow;
// Ordered sets, not hash sets: event ids are the input's to choose, and ids chosen
// to collide under a hasher with fixed keys (wasm32 has no randomness to seed one)
// would make every lookup slow. A B-tree costs a logarithm per id, whatever the ids.
use std::collections::BTreeSet;

/// Orders a batch of events by time (equal times keep their input order), drops
/// later events whose `id` repeats an earlier one, and keeps the newest
/// [`HISTORY_LIMIT`]. Borrows when the input already satisfies all three.
pub fn prepare<'e>(events: &'e [Event], tally: &mut EventTally) -> Cow<'e, [Event]> {
    if in_order(events) {
        Cow::Borrowed(events)
    } else {
        Cow::Owned(put_in_order(events.to_vec(), tally))
    }
}

/// [`prepare`] for events the caller owns (a lead just read): put in order where
/// they are, nothing copied.
pub fn prepare_owned(events: Vec<Event>, tally: &mut EventTally) -> Vec<Event> {
    if in_order(&events) {
        events
    } else {
        put_in_order(events, tally)
    }
}

/// Whether `prepare` would leave the events as they are.
fn in_order(events: &[Event]) -> bool {
    let sorted = events.windows(2).all(|w| matches!(w, [a, b] if a.ts <= b.ts));
    sorted && events.len() <= HISTORY_LIMIT && !repeats_an_id(events)
}

/// The first event with each id (in input order), ordered by time, the newest
/// [`HISTORY_LIMIT`] of them.
fn put_in_order(mut events: Vec<Event>, tally: &mut EventTally) -> Vec<Event> {
    let first_with_its_id: Vec<bool> = {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        events.iter().map(|e| e.id.as_deref().is_none_or(|id| seen.insert(id))).collect()
    };
    let mut first = first_with_its_id.into_iter();
    events.retain(|_| {
        let keep = first.next().unwrap_or(true);
        if !keep {
            tally.skip(SkipReason::Duplicate);
        }
        keep
    });
    sort_by_time(&mut events);
    if events.len() > HISTORY_LIMIT {
        let excess = events.len() - HISTORY_LIMIT;
        for _ in 0..excess {
            tally.skip(SkipReason::OverHistoryLimit);
        }
        events.drain(..excess);
    }
    events
}

/// Whether two events share an id. Events from a CRM or a tracking pipeline carry
/// ids as a rule, and seldom repeat one: that case is scored where it lies.
fn repeats_an_id(events: &[Event]) -> bool {
    let ids = events.iter().filter(|e| e.id.is_some()).count();
    if ids < 2 {
        return false;
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    events.iter().filter_map(|e| e.id.as_deref()).any(|id| !seen.insert(id))
}

/// Orders events by time, equal times keeping their order: the one place a
/// history is sorted (one instance of the sort in the module).
pub fn sort_by_time(events: &mut [Event]) {
    events.sort_by_key(|e| e.ts);
}

/// What happened to an event offered to a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    Added,
    /// An event with the same id is already held; nothing changed.
    Duplicate,
    /// Added, and the oldest event was dropped to stay within the limit (it may be
    /// the offered event itself, when it is older than everything held).
    AddedDroppingOldest,
}

/// Inserts `e` after every held event with a time at or before its own, so equal
/// times keep arrival order, as [`prepare`] keeps input order.
pub fn insert(history: &mut Vec<Event>, e: Event) -> Insert {
    if e.id.as_deref().is_some_and(|id| holds_id(history, id)) {
        return Insert::Duplicate;
    }
    match insert_new(history, e).1 {
        Some(_) => Insert::AddedDroppingOldest,
        None => Insert::Added,
    }
}

/// Whether a held event has the id `id`.
pub(crate) fn holds_id(history: &[Event], id: &str) -> bool {
    history.iter().any(|h| h.id.as_deref() == Some(id))
}

/// [`insert`] of an event whose id no held event has, telling where it went (before
/// the oldest was dropped, when one was) and the event dropped to keep the limit.
pub(crate) fn insert_new(history: &mut Vec<Event>, e: Event) -> (usize, Option<Event>) {
    let at = history.partition_point(|h| h.ts <= e.ts);
    history.insert(at, e);
    let dropped = (history.len() > HISTORY_LIMIT).then(|| history.remove(0));
    (at, dropped)
}
