//! What a session keeps beside its state to make the next `track` cheap: a hash of
//! each held event's id, and what its profile and events match under the last few
//! rule sets it was evaluated with. Neither is saved; both are made again whenever
//! they no longer line up with the history.

use crate::engine::Engine;
use crate::event::Event;
use crate::score::{self, match_event, match_profile, EventMatch, Hits, Matches, ProfileMatch};
use crate::stages::Stage;
use serde_json::{Map, Value};

/// A hash of each held event's id, in the order of the history (0 for an event
/// without one), made at the first `track` of an event with an id: `track` looks
/// for a repeated id through these numbers instead of through the events' text
/// (natively, 1.87 -> 0.66 µs per watched track in a session of 500 events with
/// ids). Different ids can share a hash, so a hash found is confirmed against the
/// event; hashes that no longer line up with the history are made again. Not saved.
#[derive(Debug, Clone, Default)]
pub(super) struct HeldIds(Option<Vec<u64>>);

impl HeldIds {
    /// Whether an event of `events` has the id `id`, whose hash is `hash`.
    pub(super) fn holds(&mut self, id: &str, hash: u64, events: &[Event]) -> bool {
        let hashes = match &mut self.0 {
            Some(hashes) if hashes.len() == events.len() => hashes,
            made => made.insert(events.iter().map(|e| id_hash(e.id.as_deref())).collect()),
        };
        // The hashes alone, sixteen at a time without stopping inside (a loop the
        // compiler makes vector compares of), then the events of a group that holds
        // the hash: a `track` in a session of a thousand events looks through 8 KB of
        // hashes, not a thousand events.
        hashes.chunks(16).enumerate().any(|(c, group)| {
            group.iter().fold(false, |found, held| found | (*held == hash))
                && group.iter().enumerate().any(|(k, held)| {
                    *held == hash && events.get(c * 16 + k).is_some_and(|e| e.id.as_deref() == Some(id))
                })
        })
    }

    /// An event whose id has the hash `hash` went into the history at `at`, and the
    /// oldest left when `dropped_oldest`.
    pub(super) fn inserted(&mut self, at: usize, hash: u64, dropped_oldest: bool) {
        let Some(hashes) = &mut self.0 else { return };
        if at <= hashes.len() {
            hashes.insert(at, hash);
        }
        if dropped_oldest && !hashes.is_empty() {
            hashes.remove(0);
        }
    }
}

/// FNV-1a (64-bit) of an event's id; 0 for an event without one.
pub(super) fn id_hash(id: Option<&str>) -> u64 {
    id.map_or(0, |id| fnv1a(FNV1A_START, id.as_bytes()))
}

/// Where FNV-1a (64-bit) starts.
pub(super) const FNV1A_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a (64-bit) from `h` on, over `bytes`.
pub(super) fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Rule sets a session keeps event matches for at once (the engines a page watches).
const KEPT_RULE_SETS: usize = 4;

/// What the profile and each held event match under the last few rule sets the
/// session was evaluated with, by engine serial: evaluating again after one more
/// event then tests that event's filters only. `None` is what is not matched yet
/// (a new event, a changed profile). Not saved and not part of a session's value;
/// worked out again whenever it is missing.
#[derive(Debug, Clone, Default)]
pub(super) struct KeptMatches(Vec<Kept>);

#[derive(Debug, Clone)]
struct Kept {
    serial: u64,
    /// One per held event, in the order of the history.
    events: Vec<Option<EventMatch>>,
    /// Every event before this one is matched: [`KeptMatches::fill`] starts here, so
    /// that a long history is not looked through on every `track`.
    unmatched_from: usize,
    profile: Option<ProfileMatch>,
    /// The matched events matching each engagement rule, then each stage trigger
    /// (see [`score::hit_slot`]): what [`score::stage_ceiling`] reads.
    hits: Vec<Hits>,
    /// The rule set's engagement rules: where its triggers' counts start in `hits`.
    rules: usize,
}

impl Kept {
    fn new(engine: &Engine, events: usize) -> Kept {
        let rules = engine.rules.engagement.len();
        Kept {
            serial: engine.serial,
            events: vec![None; events],
            unmatched_from: 0,
            profile: None,
            hits: vec![Hits::default(); rules + engine.rules.stages.trigger_count()],
            rules,
        }
    }

    /// Counts what an event at `ts` matches in `hits`, or (`None`) stops counting
    /// what the oldest event of the history matched.
    fn count(hits: &mut [Hits], rules: usize, m: &EventMatch, ts: Option<i64>) {
        m.for_each_hit_slot(rules, |slot| {
            if let Some(h) = hits.get_mut(slot) {
                match ts {
                    Some(ts) => h.add(ts),
                    None => h.drop_oldest(),
                }
            }
        });
    }
}

impl KeptMatches {
    /// An event went into the history at `at`, and the oldest left when `dropped_oldest`.
    pub(super) fn inserted(&mut self, at: usize, dropped_oldest: bool) {
        for Kept { events: kept, unmatched_from, hits, rules, .. } in &mut self.0 {
            if at <= kept.len() {
                kept.insert(at, None);
                *unmatched_from = (*unmatched_from).min(at);
            } else {
                kept.clear();
                *unmatched_from = 0;
                hits.fill(Hits::default());
            }
            if dropped_oldest && !kept.is_empty() {
                *unmatched_from = unmatched_from.saturating_sub(1);
                if let Some(gone) = kept.remove(0) {
                    Kept::count(hits, *rules, &gone, None);
                }
            }
        }
    }

    /// The profile changed.
    pub(super) fn profile_changed(&mut self) {
        for kept in &mut self.0 {
            kept.profile = None;
        }
    }

    /// The matches kept for `engine` over `events`, when they line up with them.
    pub(super) fn get(&self, engine: &Engine, events: &[Event]) -> Matches<'_> {
        match self.0.iter().find(|k| k.serial == engine.serial) {
            Some(k) if k.events.len() == events.len() => {
                Matches::Kept { events: &k.events, profile: k.profile.as_ref() }
            }
            _ => Matches::Live,
        }
    }

    /// Matches the profile and every event not matched yet for `engine`, one of
    /// `watched` engines a `track` evaluates after each event (0 for an evaluation of
    /// its own). Keeps [`KEPT_RULE_SETS`] rule sets, or as many as are watched (the
    /// least recently added goes first): a page watching more than four would
    /// otherwise throw each one's matches away just before they are needed again.
    /// The first evaluation of its own with a rule set only makes room: a session
    /// restored to be evaluated once (an edge request) would not gain from keeping
    /// anything. A watched `track` matches at once: the matches may spare it the
    /// scoring, which would match every event anyway. Whether everything is matched.
    pub(super) fn fill(
        &mut self,
        engine: &Engine,
        profile: &Map<String, Value>,
        events: &[Event],
        watched: usize,
    ) -> bool {
        let at = match self.0.iter().position(|k| k.serial == engine.serial) {
            Some(at) => at,
            None => {
                if self.0.len() >= KEPT_RULE_SETS.max(watched) {
                    self.0.remove(0);
                }
                self.0.push(Kept::new(engine, events.len()));
                if watched == 0 {
                    return false;
                }
                self.0.len() - 1
            }
        };
        let Some(Kept { events: kept, unmatched_from, profile: kept_profile, hits, rules, .. }) = self.0.get_mut(at)
        else {
            return false;
        };
        if kept_profile.is_none() {
            *kept_profile = Some(match_profile(engine, profile));
        }
        if kept.len() != events.len() {
            kept.clear();
            kept.resize(events.len(), None);
            *unmatched_from = 0;
            hits.fill(Hits::default());
        }
        let from = (*unmatched_from).min(kept.len());
        for (slot, e) in kept.iter_mut().skip(from).zip(events.iter().skip(from)) {
            if slot.is_none() {
                let m = match_event(engine, e);
                Kept::count(hits, *rules, &m, Some(e.ts));
                *slot = Some(m);
            }
        }
        *unmatched_from = kept.len();
        true
    }

    /// [`score::stage_ceiling`] at `now` of what is kept for `engine`, once
    /// [`KeptMatches::fill`] has matched everything.
    pub(super) fn ceiling(&self, engine: &Engine, now: i64) -> Option<Stage> {
        let kept = self.0.iter().find(|k| k.serial == engine.serial)?;
        let (rule_hits, trigger_hits) = kept.hits.split_at_checked(kept.rules)?;
        Some(score::stage_ceiling(engine, kept.profile.as_ref()?, rule_hits, trigger_hits, now))
    }
}
