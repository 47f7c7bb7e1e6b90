//! Leads read and checked once, then held to be scored with any number of rule
//! sets: a backtest run again after every edit of the rules, two definitions of
//! an MQL compared on the same history. Reading a lead (its profile checked, its
//! events built and put in time order) is most of what scoring it in one call
//! costs; a held lead is only scored.

use crate::engine::Engine;
use crate::error::InputError;
use crate::explain::{EventTally, Qualification, ScoreResult};
use crate::lead::{prepared, Lead};
use crate::limits::{MAX_HELD_EVENTS, MAX_HELD_LEADS};
use crate::wire::RawLead;
use std::ops::Range;

/// Leads held for scoring, in the order they were added.
#[derive(Debug)]
pub struct LeadSet {
    leads: Vec<HeldLead>,
    events: usize,
    /// [`MAX_HELD_LEADS`] and [`MAX_HELD_EVENTS`], but for the tests of the limits.
    max_leads: usize,
    max_events: usize,
}

impl Default for LeadSet {
    fn default() -> LeadSet {
        LeadSet { leads: Vec::new(), events: 0, max_leads: MAX_HELD_LEADS, max_events: MAX_HELD_EVENTS }
    }
}

/// A lead as a set holds it: every profile field and event property kept (any
/// rule set may read them), its events in the order scoring takes them, and what
/// reading set aside, which every result for it reports.
#[derive(Debug)]
struct HeldLead {
    lead: Lead,
    set_aside: EventTally,
}

impl LeadSet {
    pub fn new() -> LeadSet {
        LeadSet::default()
    }

    /// How many leads the set holds.
    pub fn len(&self) -> usize {
        self.leads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.leads.is_empty()
    }

    /// How many events the set holds, across its leads.
    pub fn events(&self) -> usize {
        self.events
    }

    /// Adds leads as [`crate::wire::read_leads`] read them, with every field kept
    /// ([`crate::wire::LeadFields::ALL`]). All or none: a lead that is not a lead
    /// refuses the whole list, with its index in the list in the error's path
    /// (`[3].profile`), and the set stays as it was. Invalid events are set aside
    /// and reported in each result, as `score` reports them.
    pub fn add_raw(&mut self, raw: Vec<RawLead>) -> Result<(), InputError> {
        let room = self.max_leads.saturating_sub(self.leads.len());
        if raw.len() > room {
            let message = format!(
                "a lead set holds at most {} leads; it holds {} and this list has {}",
                self.max_leads,
                self.leads.len(),
                raw.len()
            );
            // Named by the first lead past the limit.
            return Err(InputError::new("", "tooMany", message).in_list(room));
        }
        let mut added = Vec::with_capacity(raw.len());
        let mut events = self.events;
        for (i, r) in raw.into_iter().enumerate() {
            let (lead, set_aside) = prepared(r).map_err(|e| e.in_list(i))?;
            events += lead.events.len();
            if events > self.max_events {
                let message = format!(
                    "a lead set holds at most {} events; this lead would bring it to {events}",
                    self.max_events
                );
                return Err(InputError::new("events", "tooMany", message).in_list(i));
            }
            added.push(HeldLead { lead, set_aside });
        }
        self.leads.append(&mut added);
        self.events = events;
        Ok(())
    }

    /// Adds one lead already read and put in order ([`prepared`]), within the
    /// limits; a lead past them is refused and the set stays as it was.
    #[cfg(feature = "backtest")]
    pub(crate) fn add_prepared(&mut self, lead: Lead, set_aside: EventTally) -> Result<(), InputError> {
        if self.leads.len() >= self.max_leads {
            let message = format!("a lead set holds at most {} leads", self.max_leads);
            return Err(InputError::new("", "tooMany", message));
        }
        let events = self.events + lead.events.len();
        if events > self.max_events {
            let message =
                format!("a lead set holds at most {} events; this lead would bring it to {events}", self.max_events);
            return Err(InputError::new("events", "tooMany", message));
        }
        self.events = events;
        self.leads.push(HeldLead { lead, set_aside });
        Ok(())
    }

    /// The leads held, in order.
    #[cfg(feature = "backtest")]
    pub(crate) fn held(&self) -> impl Iterator<Item = &Lead> {
        self.leads.iter().map(|h| &h.lead)
    }

    /// Keeps the first `len` leads (an add that failed part way is undone so).
    pub fn truncate(&mut self, len: usize) {
        for dropped in self.leads.drain(len.min(self.leads.len())..) {
            self.events = self.events.saturating_sub(dropped.lead.events.len());
        }
    }

    /// Every lead held, scored by `engine` at `now`: each result the one
    /// [`Engine::score`] gives the lead as it was added.
    pub fn score(&self, engine: &Engine, now: i64) -> Vec<ScoreResult> {
        self.score_range(engine, now, 0..self.len())
    }

    /// [`LeadSet::score`] without the explanations, as [`Engine::qualify`].
    pub fn qualify(&self, engine: &Engine, now: i64) -> Vec<Qualification> {
        self.qualify_range(engine, now, 0..self.len())
    }

    /// [`LeadSet::score`] for the leads in `range` (clamped to the set): a long set
    /// scored in parts.
    pub fn score_range(&self, engine: &Engine, now: i64, range: Range<usize>) -> Vec<ScoreResult> {
        self.part(range)
            .iter()
            .map(|h| {
                engine.score_prepared(h.lead.id.clone(), &h.lead.profile, &h.lead.events, h.set_aside.clone(), now)
            })
            .collect()
    }

    /// [`LeadSet::qualify`] for the leads in `range` (clamped to the set).
    pub fn qualify_range(&self, engine: &Engine, now: i64, range: Range<usize>) -> Vec<Qualification> {
        self.part(range)
            .iter()
            .map(|h| {
                engine.qualify_prepared(h.lead.id.clone(), &h.lead.profile, &h.lead.events, h.set_aside.clone(), now)
            })
            .collect()
    }

    fn part(&self, range: Range<usize>) -> &[HeldLead] {
        let end = range.end.min(self.leads.len());
        self.leads.get(range.start.min(end)..end).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{read_leads, LeadFields};

    fn read(leads: serde_json::Value) -> Vec<RawLead> {
        read_leads(leads, usize::MAX, &LeadFields::ALL).unwrap().unwrap()
    }

    fn views(n: i64) -> serde_json::Value {
        serde_json::json!({"events": (0..n).map(|i| serde_json::json!({"type": "page_view", "ts": i})).collect::<Vec<_>>()})
    }

    #[test]
    fn the_lead_limit_is_inclusive_and_a_list_past_it_is_refused_whole() {
        let mut set = LeadSet { max_leads: 3, ..LeadSet::default() };
        set.add_raw(read(serde_json::json!([{}, views(1)]))).unwrap();
        let err = set.add_raw(read(serde_json::json!([{}, {}]))).unwrap_err();
        assert_eq!((err.problem.path.as_str(), err.problem.code), ("[1]", "tooMany"));
        assert!(
            err.problem.message.contains("at most 3 leads; it holds 2 and this list has 2"),
            "{}",
            err.problem.message
        );
        assert_eq!((set.len(), set.events()), (2, 1));
        set.add_raw(read(serde_json::json!([views(2)]))).unwrap();
        assert_eq!((set.len(), set.events()), (3, 3));
        assert_eq!(set.add_raw(read(serde_json::json!([{}]))).unwrap_err().problem.path, "[0]");
        set.add_raw(Vec::new()).unwrap();
    }

    #[test]
    fn the_event_limit_is_inclusive_and_a_lead_past_it_refuses_its_list() {
        let mut set = LeadSet { max_events: 5, ..LeadSet::default() };
        set.add_raw(read(serde_json::json!([views(3), views(2)]))).unwrap();
        assert_eq!((set.len(), set.events()), (2, 5));
        let err = set.add_raw(read(serde_json::json!([{}, views(1)]))).unwrap_err();
        assert_eq!((err.problem.path.as_str(), err.problem.code), ("[1].events", "tooMany"));
        assert!(
            err.problem.message.contains("at most 5 events; this lead would bring it to 6"),
            "{}",
            err.problem.message
        );
        assert_eq!((set.len(), set.events()), (2, 5));
        set.truncate(1);
        assert_eq!((set.len(), set.events()), (1, 3));
        set.add_raw(read(serde_json::json!([{}, views(2)]))).unwrap();
        assert_eq!((set.len(), set.events()), (3, 5));
    }
}
