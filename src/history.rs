//! A lead's event history: ordered by time, free of duplicate ids, and bounded.
//! Batch scoring and sessions both keep history by these rules, so a session that
//! has seen the same events as a batch call scores them the same.

use crate::event::Event;
use crate::explain::{EventTally, SkipReason};
use crate::limits::HISTORY_LIMIT;
use leadscore_rules::order::first_of_each;
use std::borrow::Cow;

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
    let mut first = first_with_their_ids(events.iter().map(|e| e.id.as_deref())).into_iter();
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
    let named = events.iter().filter_map(|e| e.id.as_deref());
    if ids <= FEW_IDS {
        // Each against those before it: no allocation, for the common few.
        return named.clone().enumerate().any(|(i, id)| named.clone().take(i).any(|earlier| earlier == id));
    }
    let ids: Vec<&str> = named.collect();
    first_of_each(&ids).contains(&false)
}

/// Up to this many ids, [`repeats_an_id`] compares each with those before it
/// (at most 120 comparisons) rather than ordering them.
const FEW_IDS: usize = 16;

/// For each of `ids`, in their order, whether it is the first with its id (an
/// event without one always is). Ordered, not hashed: event ids are the input's to
/// choose, and ids chosen to collide under a hasher with fixed keys (wasm32 has no
/// randomness to seed one) would make every lookup slow; ordering costs a logarithm
/// per id, whatever the ids. By leadscore-rules' one sort of positions rather than
/// a `BTreeSet`, whose code the module would carry for each kind of key.
pub(crate) fn first_with_their_ids<'a>(ids: impl Iterator<Item = Option<&'a str>>) -> Vec<bool> {
    let ids: Vec<Option<&str>> = ids.collect();
    let named: Vec<&str> = ids.iter().flatten().copied().collect();
    let mut first = first_of_each(&named).into_iter();
    ids.iter().map(|id| id.is_none() || first.next().unwrap_or(true)).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Events of type `e` at time 0 with these ids (`None`: without one).
    fn events(ids: &[Option<String>]) -> Vec<Event> {
        let event = |id: &Option<String>| match id {
            Some(id) => json!({"type": "e", "ts": 0, "id": id}),
            None => json!({"type": "e", "ts": 0}),
        };
        ids.iter().map(|id| Event::from_value(&event(id)).unwrap()).collect()
    }

    /// Whether each is the first with its id, by a scan of those before it.
    fn firsts_by_scan(ids: &[Option<String>]) -> Vec<bool> {
        ids.iter().enumerate().map(|(i, id)| id.is_none() || !ids[..i].contains(id)).collect()
    }

    #[test]
    fn the_first_with_each_id_is_found_with_few_ids_and_many() {
        // Ids drawn from `kinds` values: repeats for some lengths, none for others,
        // on both sides of FEW_IDS.
        for len in [0, 1, 2, 5, FEW_IDS, FEW_IDS + 1, 40] {
            for kinds in [1, 3, 7, 1000] {
                let ids: Vec<Option<String>> =
                    (0..len).map(|i| (i % 5 != 4).then(|| format!("id{}", (i * 7) % kinds))).collect();
                let firsts = firsts_by_scan(&ids);
                assert_eq!(first_with_their_ids(ids.iter().map(|id| id.as_deref())), firsts, "{ids:?}");
                assert_eq!(repeats_an_id(&events(&ids)), firsts.contains(&false), "{ids:?}");
            }
        }
    }
}
