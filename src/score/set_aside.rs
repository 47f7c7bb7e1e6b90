//! Which events do not count with a rule set, one by one and in words: for a
//! watched `track`'s answer, a session's debugging and `leadscore score
//! --debug`. Scoring itself only counts them (`EventTally`); this is worked
//! out on demand, apart from the scoring path, except for the one check a watched
//! `track` makes of the event it adds ([`never_counted`]).

use super::matching::static_admission;
use crate::engine::Engine;
use crate::error::{index, InputError};
use crate::event::Event;
use crate::explain::{SetAside, SetAsideReason, SkipReason};
use crate::limits::HISTORY_LIMIT;
use crate::suggest::nearest;
use crate::value::type_name;
use crate::vocabulary::PropertyType;
use serde_json::Value;
use std::sync::Arc;

/// An entry for `engine` with nothing filled in but the reason and its words.
fn entry(engine: &Engine, reason: SetAsideReason, message: String) -> SetAside {
    SetAside {
        ruleset_id: engine.rules.id.clone(),
        ruleset_version: engine.rules.version.clone(),
        index: None,
        event_type: None,
        ts: None,
        id: None,
        reason,
        did_you_mean: None,
        property: None,
        message,
    }
}

/// `entry` for the event `e`.
fn about(engine: &Engine, e: &Event, reason: SetAsideReason, message: String) -> SetAside {
    SetAside { event_type: Some(e.kind.clone()), ts: Some(e.ts), id: e.id.clone(), ..entry(engine, reason, message) }
}

/// A declared property type as a message names it.
fn declared_as(ty: PropertyType) -> &'static str {
    match ty {
        PropertyType::String => "text",
        PropertyType::Number => "a number",
        PropertyType::Boolean => "true or false",
    }
}

/// Why `engine` never counts `e`, whatever `now` is: set aside for good
/// (anonymous history it ignores, a type its vocabulary does not declare, a
/// declared property of another type), or, in a rule set without a vocabulary, of
/// a type no rule, trigger or disqualifier looks at. `None` for an event it can
/// count, which costs a look-up of its type and the check of its declared
/// properties, as matching it does.
pub(crate) fn never_counted(engine: &Engine, e: &Event) -> Option<SetAside> {
    let type_entry = engine.index.entry(&e.kind);
    let admitted = static_admission(engine, type_entry, e);
    if admitted.is_ok() && (type_entry.is_some() || engine.index.vocabulary_declared) {
        return None;
    }
    let kind = &*e.kind;
    Some(match admitted {
        Ok(()) => {
            let near = nearest(kind, engine.index.names());
            SetAside {
                did_you_mean: near.map(Arc::from),
                ..about(
                    engine,
                    e,
                    SetAsideReason::UnusedType,
                    format!("no rule, stage trigger or disqualifier looks at events of type \"{kind}\"{}", hint(near)),
                )
            }
        }
        Err(SkipReason::UnknownType) => {
            let near = nearest(kind, engine.rules.vocabulary.iter().flat_map(|v| v.names()));
            SetAside {
                did_you_mean: near.map(Arc::from),
                ..about(
                    engine,
                    e,
                    SetAsideReason::UnknownType,
                    format!(
                        "event type \"{kind}\" is not declared in the rule set's \"events\", so the event is set \
                         aside{}",
                        hint(near)
                    ),
                )
            }
        }
        Err(SkipReason::WrongPropertyType) => {
            let declared = type_entry.and_then(|t| t.declared.as_ref());
            let wrong = e.properties.iter().find_map(|(k, v)| {
                let ty = declared?.get(k).copied()?;
                (!ty.admits(v)).then_some((k, ty, v))
            });
            let (property, message) = match wrong {
                Some((k, ty, v)) => (
                    Some(k.into()),
                    format!(
                        "property \"{k}\" of events of type \"{kind}\" is declared as {}, and this event's is {}, so \
                         the event is set aside",
                        declared_as(ty),
                        type_name(v)
                    ),
                ),
                None => (None, format!("a property of this \"{kind}\" event is not of its declared type")),
            };
            SetAside { property, ..about(engine, e, SetAsideReason::WrongPropertyType, message) }
        }
        Err(_) => about(
            engine,
            e,
            SetAsideReason::AnonymousHistory,
            "the event was tracked before the visitor was identified, and the rule set ignores anonymous history \
             (\"anonymousHistory\": \"ignore\")"
                .into(),
        ),
    })
}

/// ` (did you mean "x"?)`, or nothing.
fn hint(near: Option<&str>) -> String {
    near.map(|n| format!(" (did you mean \"{n}\"?)")).unwrap_or_default()
}

fn after_now(engine: &Engine, e: &Event, now: i64) -> SetAside {
    about(
        engine,
        e,
        SetAsideReason::AfterNow,
        format!("the event's time, {}, is after now, {now}: it counts from its time on", e.ts),
    )
}

/// What `engine` does not count of `events` (a history in order, as held) at `now`,
/// each with its index there.
pub(crate) fn held(engine: &Engine, events: &[Event], now: i64) -> Vec<SetAside> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let found = if e.ts > now { Some(after_now(engine, e, now)) } else { never_counted(engine, e) };
        if let Some(mut s) = found {
            s.index = u32::try_from(i).ok();
            out.push(s);
        }
    }
    out
}

/// An entry for events a session dropped to keep its history limit.
pub(crate) fn dropped(engine: &Engine, dropped: u32) -> SetAside {
    entry(
        engine,
        SetAsideReason::OverHistoryLimit,
        format!("{dropped} older event(s) were dropped: a session keeps the newest {HISTORY_LIMIT}"),
    )
}

impl Engine {
    /// Every event of a lead given as JSON (`{"id"?, "profile"?, "events"?}`) that
    /// this rule set does not count at `now`, and why, in the order of the lead's
    /// `events`: invalid, a repeated id, over the history limit, after `now`, and
    /// the reasons of [`never_counted`]. For debugging a rule set or a feed of events
    /// (`leadscore score --debug`); a lead that [`Engine::score_value`]
    /// refuses is refused here too.
    pub fn set_aside_value(&self, lead: &Value, now: i64) -> Result<Vec<SetAside>, InputError> {
        // The lead's shape, checked as scoring checks it.
        self.score_value(lead, now)?;
        let items = lead.get("events").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let mut out = Vec::new();
        let mut events: Vec<(usize, Event)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match Event::from_value_at(item, &index("events", i)) {
                Ok(e) => events.push((i, e)),
                Err(err) => {
                    let at = err.problem.path.strip_prefix(&index("events", i)).unwrap_or("").trim_start_matches('.');
                    let place = if at.is_empty() { String::new() } else { format!(" at {at}") };
                    let message =
                        format!("the event is invalid{place} ({}): {}", err.problem.code, err.problem.message);
                    out.push(SetAside {
                        index: u32::try_from(i).ok(),
                        ..entry(self, SetAsideReason::Invalid, message)
                    });
                }
            }
        }
        // As `history::prepare` keeps them: the first with each id, in time order
        // (stable), the newest HISTORY_LIMIT.
        let firsts = crate::history::first_with_their_ids(events.iter().map(|(_, e)| e.id.as_deref()));
        let mut first = Vec::with_capacity(events.len());
        for ((i, e), is_first) in events.iter().zip(firsts) {
            match e.id.as_deref() {
                Some(id) if !is_first => out.push(SetAside {
                    index: u32::try_from(*i).ok(),
                    ..about(self, e, SetAsideReason::Duplicate, format!("an earlier event has the id \"{id}\""))
                }),
                _ => first.push((*i, e)),
            }
        }
        first.sort_by_key(|(_, e)| e.ts);
        let excess = first.len().saturating_sub(HISTORY_LIMIT);
        for (n, (i, e)) in first.into_iter().enumerate() {
            let found = if n < excess {
                Some(about(
                    self,
                    e,
                    SetAsideReason::OverHistoryLimit,
                    format!("only the newest {HISTORY_LIMIT} events of a lead are scored"),
                ))
            } else if e.ts > now {
                Some(after_now(self, e, now))
            } else {
                never_counted(self, e)
            };
            if let Some(s) = found {
                out.push(SetAside { index: u32::try_from(i).ok(), ..s });
            }
        }
        out.sort_by_key(|s| s.index);
        Ok(out)
    }

    /// [`Engine::set_aside_value`] of a lead given as JSON text.
    pub fn set_aside_json(&self, lead: &str, now: i64) -> Result<Vec<SetAside>, InputError> {
        crate::limits::CallLimits::check_input(lead.len(), "", "the lead")?;
        let value: Value = serde_json::from_str(lead).map_err(|e| crate::error::json_error(&e, "", "the lead"))?;
        self.set_aside_value(&value, now)
    }
}
