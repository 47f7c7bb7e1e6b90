//! A lead's event history: ordered by time, free of duplicate ids, and bounded.
//! Batch scoring and sessions both keep history by these rules, so a session that
//! has seen the same events as a batch call scores them the same.

use crate::event::Event;
use crate::explain::{EventTally, SkipReason};
use std::borrow::Cow;
use std::collections::HashSet;

/// The newest events a lead's history keeps; older ones are dropped, in batch and
/// session alike.
pub const HISTORY_LIMIT: usize = 1_000;
/// Most events one call may pass in.
pub const MAX_EVENTS_PER_CALL: usize = 100_000;

/// Orders a batch of events by time (equal times keep their input order), drops
/// later events whose `id` repeats an earlier one, and keeps the newest
/// [`HISTORY_LIMIT`]. Borrows when the input already satisfies all three.
pub fn prepare<'e>(events: &'e [Event], tally: &mut EventTally) -> Cow<'e, [Event]> {
    let sorted = events.windows(2).all(|w| matches!(w, [a, b] if a.ts <= b.ts));
    let has_ids = events.iter().any(|e| e.id.is_some());
    if sorted && !has_ids && events.len() <= HISTORY_LIMIT {
        return Cow::Borrowed(events);
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut kept: Vec<Event> = Vec::with_capacity(events.len());
    for e in events {
        if let Some(id) = e.id.as_deref() {
            if !seen.insert(id) {
                tally.skip(SkipReason::Duplicate);
                continue;
            }
        }
        kept.push(e.clone());
    }
    sort_by_time(&mut kept);
    if kept.len() > HISTORY_LIMIT {
        let excess = kept.len() - HISTORY_LIMIT;
        for _ in 0..excess {
            tally.skip(SkipReason::OverHistoryLimit);
        }
        kept.drain(..excess);
    }
    Cow::Owned(kept)
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
    insert_at(history, e).0
}

/// [`insert`], also telling where the event went (before the oldest was dropped,
/// when one was), for what is kept alongside the history.
pub(crate) fn insert_at(history: &mut Vec<Event>, e: Event) -> (Insert, usize) {
    if let Some(id) = e.id.as_deref() {
        if history.iter().any(|h| h.id.as_deref() == Some(id)) {
            return (Insert::Duplicate, 0);
        }
    }
    let at = history.partition_point(|h| h.ts <= e.ts);
    history.insert(at, e);
    if history.len() > HISTORY_LIMIT {
        history.remove(0);
        (Insert::AddedDroppingOldest, at)
    } else {
        (Insert::Added, at)
    }
}
