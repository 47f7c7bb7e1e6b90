//! Native throughput of the scoring core on the B2B example rule set, and on the
//! peers' workload when `scripts/bench-js.sh` has generated its leads.
//!
//!     cargo bench --bench throughput
//!
//! Reports leads/s; events/s is leads/s times the mean events per lead (printed).
#![allow(clippy::unwrap_used)]

mod workload;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use leadscore::test_support::msgpack;
use leadscore::test_support::LeadFields;
use leadscore::Session;
use std::hint::black_box;

fn scoring(c: &mut Criterion) {
    let engine = workload::engine();
    let leads = workload::leads(2_000);
    let events: usize = leads.iter().map(|l| l.events.len()).sum();
    eprintln!("workload: {} leads, {events} events ({:.1} per lead)", leads.len(), events as f64 / leads.len() as f64);

    let mut g = c.benchmark_group("b2b-saas");
    g.throughput(Throughput::Elements(events as u64));
    g.bench_function("score (batch), per event", |b| {
        b.iter(|| {
            let mut mql = 0;
            for lead in &leads {
                mql += usize::from(engine.score(black_box(lead), workload::NOW).stage != leadscore::Stage::None);
            }
            mql
        })
    });
    let texts = workload::lead_texts(2_000);
    g.bench_function("score_json (parse JSON text + score), per event", |b| {
        b.iter(|| texts.iter().map(|t| engine.score_json(black_box(t), workload::NOW).unwrap().total.0).sum::<i64>())
    });
    g.bench_function("parse JSON text into a lead only, per event", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    leadscore::Lead::from_value(&serde_json::from_str(black_box(t)).unwrap()).unwrap().events.len()
                })
                .sum::<usize>()
        })
    });
    // What the WebAssembly module does for engine.score / engine.qualify, natively:
    // the lead as codec.js writes it (MessagePack), read, scored, the answer written.
    let packed: Vec<Vec<u8>> = texts
        .iter()
        .map(|t| msgpack::to_vec(&serde_json::from_str::<serde_json::Value>(t).unwrap()).unwrap())
        .collect();
    g.bench_function("read MessagePack into a lead only, per event", |b| {
        b.iter(|| {
            packed
                .iter()
                .map(|p| {
                    leadscore::test_support::lead_from_raw(read_packed(black_box(p), &LeadFields::ALL))
                        .unwrap()
                        .0
                        .events
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("MessagePack in, score, result out (engine.score's module work), per event", |b| {
        b.iter(|| {
            packed
                .iter()
                .map(|p| {
                    msgpack::to_vec(
                        &leadscore::test_support::score_raw(
                            &engine,
                            read_packed(black_box(p), leadscore::test_support::lead_fields(&engine)),
                            workload::NOW,
                        )
                        .unwrap(),
                    )
                    .unwrap()
                    .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("MessagePack in, qualify, answer out (engine.qualify's module work), per event", |b| {
        b.iter(|| packed.iter().map(|p| qualify_packed(&engine, black_box(p), workload::NOW)).sum::<usize>())
    });
    let sessions = workload::sessions(&leads);
    g.bench_function("session score, per event", |b| {
        b.iter(|| sessions.iter().map(|s| s.score(&engine, workload::NOW).total.0).sum::<i64>())
    });
    g.finish();

    // A live session: every event tracked, then evaluated. 200 leads keep a run
    // short; the throughput counts their events, not the whole workload's.
    let live = leads.get(..200).unwrap_or(&leads);
    let mut g = c.benchmark_group("b2b-saas live session");
    g.throughput(Throughput::Elements(live.iter().map(|l| l.events.len() as u64).sum()));
    g.bench_function("session track + evaluate, per event", |b| {
        b.iter(|| {
            let mut transitions = 0;
            for l in live {
                let mut s = Session::new("v").unwrap();
                for e in &l.events {
                    s.track(e.clone(), workload::NOW).unwrap();
                    transitions += s.evaluate(&engine, workload::NOW).transitions.len();
                }
            }
            transitions
        })
    });
    // What a page does with the engine watched. This rule set has a stage trigger
    // (a demo request makes an SQL), which the peers' rule set has not: each event
    // also works out which triggers could fire.
    g.bench_function("track with the engine watched, per event", |b| {
        b.iter(|| {
            let mut transitions = 0;
            for l in live {
                let mut s = Session::new("v").unwrap();
                s.update_profile(&serde_json::Value::Object(l.profile.clone())).unwrap();
                for e in &l.events {
                    transitions +=
                        s.track_and_evaluate(e.clone(), workload::NOW, &[&engine]).unwrap().transitions.len();
                }
            }
            transitions
        })
    });
    g.finish();

    // A visitor tracked for weeks: 500 events held, then 100 more tracked with the
    // engine watched. What one `track` costs should not grow with the history.
    let mut g = c.benchmark_group("b2b-saas long session");
    g.throughput(Throughput::Elements(100));
    for (name, with_ids) in [("500 events held", false), ("500 events held, every event with an id", true)] {
        let event = |i: i64| {
            let mut v = serde_json::json!({"type": "page_view", "ts": workload::NOW - 30 * 86_400_000 + i * 60_000, "url": "/blog/post-1"});
            if let (true, Some(o)) = (with_ids, v.as_object_mut()) {
                o.insert("id".into(), format!("e{i}").into());
            }
            leadscore::Event::from_value(&v).unwrap()
        };
        let mut held = Session::new("v").unwrap();
        held.update_profile(&serde_json::json!({"jobTitle": "Software Engineer", "country": "DE"})).unwrap();
        for i in 0..500 {
            held.track_and_evaluate(event(i), workload::NOW, &[&engine]).unwrap();
        }
        let more: Vec<leadscore::Event> = (500..600).map(event).collect();
        g.bench_function(format!("track with the engine watched, {name}, per event"), |b| {
            b.iter_batched(
                || (held.clone(), more.clone()),
                |(mut s, more)| {
                    more.into_iter()
                        .map(|e| s.track_and_evaluate(e, workload::NOW, &[&engine]).unwrap().transitions.len())
                        .sum::<usize>()
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();

    // The edge worker's request: a session's saved state comes in with one event, is
    // scored authoritatively, and goes out again.
    let saved: Vec<String> = sessions.iter().map(Session::save).collect();
    let event =
        leadscore::Event::from_value(&serde_json::json!({"type": "page_view", "ts": workload::NOW, "url": "/pricing"}))
            .unwrap();
    let mut edge = c.benchmark_group("b2b-saas edge request");
    edge.throughput(Throughput::Elements(saved.len() as u64));
    edge.bench_function("restore a session, track an event, evaluate, save; per session", |b| {
        b.iter(|| {
            saved
                .iter()
                .map(|text| {
                    let mut s = Session::restore(black_box(text)).unwrap();
                    s.track(event.clone(), workload::NOW).unwrap();
                    let moved = s.evaluate(&engine, workload::NOW).transitions.len();
                    s.save().len() + moved
                })
                .sum::<usize>()
        })
    });
    edge.finish();

    // Account-based marketing: one fit rule testing the email domain against a list of
    // 5,000 target accounts (half the leads are on it).
    let accounts: Vec<String> = (0..5000).map(|i| format!("account-{i}.com")).collect();
    let abm = leadscore::Engine::from_value(&serde_json::json!({
        "schema": "leadscore.ruleset/v1", "id": "abm", "version": "1",
        "fit": [{"id": "target_account", "points": 30, "when": {"field": "emailDomain", "in": accounts}}]
    }))
    .unwrap();
    let abm_leads: Vec<leadscore::Lead> = (0..2000)
        .map(|i| {
            let domain = if i % 2 == 0 { format!("Account-{}.com", i * 2) } else { format!("other-{i}.com") };
            leadscore::Lead::from_value(&serde_json::json!({"profile": {"emailDomain": domain}})).unwrap()
        })
        .collect();
    let mut lists = c.benchmark_group("long in list");
    lists.throughput(Throughput::Elements(abm_leads.len() as u64));
    lists.bench_function("a 5,000-account in list, per lead", |b| {
        b.iter(|| abm_leads.iter().map(|l| abm.score(black_box(l), workload::NOW).total.0).sum::<i64>())
    });
    lists.finish();
}

/// A lead as `codec.js` writes it (MessagePack), read as the module reads it.
fn read_packed(bytes: &[u8], fields: &LeadFields) -> leadscore::test_support::RawLead {
    leadscore::test_support::read_lead(&mut msgpack::Reader::new(bytes), 100_000, fields).unwrap()
}

/// What the WebAssembly module does for `engine.qualify`, natively: read the lead,
/// score it, write the answer. Gives the answer's length.
fn qualify_packed(engine: &leadscore::Engine, bytes: &[u8], now: i64) -> usize {
    msgpack::to_vec(
        &leadscore::test_support::qualify_raw(
            engine,
            read_packed(bytes, leadscore::test_support::lead_fields(engine)),
            now,
        )
        .unwrap(),
    )
    .unwrap()
    .len()
}

/// The peers' own workload (`../shared/peers-bench`: 21 rules, 10,000 leads) scored
/// natively, to tell the core's share of a wasm call from the boundary's. It reads
/// the leads `scripts/bench-js.sh` generates into `target/peers-bench` (or the file
/// `LEADSCORE_PEERS_LEADS` names) and is skipped when they are absent.
fn peers_workload(c: &mut Criterion) {
    let file = std::env::var("LEADSCORE_PEERS_LEADS")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/peers-bench/leads.json").into());
    let Ok(text) = std::fs::read_to_string(&file) else {
        eprintln!("peers workload: skipped, no {file} (run scripts/bench-js.sh --quick throughput once)");
        return;
    };
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    let now = data.get("asOf").and_then(serde_json::Value::as_i64).unwrap();
    let engine = leadscore::Engine::from_json(include_str!("peers/ruleset.json")).unwrap();
    // A leadscore lead is {id, profile, events}; the harness's leads also carry asOf.
    let inputs: Vec<serde_json::Value> = data
        .get("leads")
        .and_then(serde_json::Value::as_array)
        .unwrap()
        .iter()
        .map(|l| serde_json::json!({"id": l.get("id"), "profile": l.get("profile"), "events": l.get("events")}))
        .collect();
    let leads: Vec<leadscore::Lead> = inputs.iter().map(|l| leadscore::Lead::from_value(&l.clone()).unwrap()).collect();
    let packed: Vec<Vec<u8>> = inputs.iter().map(|l| msgpack::to_vec(l).unwrap()).collect();
    let mut g = c.benchmark_group("peers workload");
    g.throughput(Throughput::Elements(leads.len() as u64));
    g.bench_function("score parsed leads, per lead", |b| {
        b.iter(|| leads.iter().map(|l| engine.score(black_box(l), now).total.0).sum::<i64>())
    });
    g.bench_function("qualify parsed leads, per lead", |b| {
        b.iter(|| leads.iter().map(|l| engine.qualify(black_box(l), now).total.0).sum::<i64>())
    });
    // Reading leads as a batch job reads them: JSON text of one lead at a time (an
    // NDJSON line, or an element of a JSON array), read and scored.
    let texts: Vec<String> = inputs.iter().map(|l| serde_json::to_string(l).unwrap()).collect();
    g.bench_function("score_json (read JSON text + score), per lead", |b| {
        b.iter(|| texts.iter().map(|t| engine.score_json(black_box(t), now).unwrap().total.0).sum::<i64>())
    });
    g.bench_function("qualify_json (read JSON text + qualify), per lead", |b| {
        b.iter(|| texts.iter().map(|t| engine.qualify_json(black_box(t), now).unwrap().total.0).sum::<i64>())
    });
    g.bench_function("MessagePack in, qualify, answer out (engine.qualify's module work), per lead", |b| {
        b.iter(|| packed.iter().map(|p| qualify_packed(&engine, black_box(p), now)).sum::<usize>())
    });
    // The same leads with an id on every event, as a CRM or a tracking pipeline
    // sends them ("lead-00042-e7"): ids are read, and checked for repeats.
    let packed_with_ids: Vec<Vec<u8>> = inputs
        .iter()
        .map(|l| {
            let mut l = l.clone();
            let lead_id = l.get("id").and_then(serde_json::Value::as_str).unwrap_or("").to_string();
            for (i, e) in
                l.get_mut("events").and_then(serde_json::Value::as_array_mut).into_iter().flatten().enumerate()
            {
                e.as_object_mut().unwrap().insert("id".into(), format!("{lead_id}-e{i}").into());
            }
            msgpack::to_vec(&l).unwrap()
        })
        .collect();
    g.bench_function("the same, every event with an id, per lead", |b| {
        b.iter(|| packed_with_ids.iter().map(|p| qualify_packed(&engine, black_box(p), now)).sum::<usize>())
    });
    // The same leads with 60 more profile fields, as a CRM record holds them: the
    // rule set reads 5, and the rest are measured for the limits and let go. The
    // second bench keeps every field, as reading did before.
    let packed_wide: Vec<Vec<u8>> = inputs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut l = l.clone();
            let profile = l.get_mut("profile").and_then(serde_json::Value::as_object_mut).unwrap();
            for k in 0..60 {
                let v = if k % 3 == 0 { serde_json::json!(k * i) } else { serde_json::json!(format!("value {i} {k}")) };
                profile.insert(format!("field_{k}"), v);
            }
            msgpack::to_vec(&l).unwrap()
        })
        .collect();
    g.bench_function("the same, 60 more profile fields no rule reads, per lead", |b| {
        b.iter(|| packed_wide.iter().map(|p| qualify_packed(&engine, black_box(p), now)).sum::<usize>())
    });
    g.bench_function("the same, every profile field kept, per lead", |b| {
        b.iter(|| {
            packed_wide
                .iter()
                .map(|p| {
                    msgpack::to_vec(
                        &leadscore::test_support::qualify_raw(
                            &engine,
                            read_packed(black_box(p), &LeadFields::ALL),
                            now,
                        )
                        .unwrap(),
                    )
                    .unwrap()
                    .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();

    // The page's loop: a session with the engine watched, each event tracked and the
    // session evaluated at once (Session.track with watch(engine) in the package).
    let live = leads.get(..1_000).unwrap_or(&leads);
    let profiles: Vec<serde_json::Value> = live.iter().map(|l| serde_json::Value::Object(l.profile.clone())).collect();
    let mut g = c.benchmark_group("peers workload live session");
    g.throughput(Throughput::Elements(live.iter().map(|l| l.events.len() as u64).sum()));
    g.bench_function("track with the engine watched, per event", |b| {
        b.iter(|| {
            workload::watched_loop(&engine, live.iter().map(|l| &l.events[..]).zip(&profiles), now, |e| e.clone())
        })
    });
    // The same loop as the module runs it for Session.track: each event arrives as
    // the MessagePack bytes codec.js writes, and is read and checked first.
    let packed_events: Vec<Vec<Vec<u8>>> =
        live.iter().map(|l| l.events.iter().map(|e| msgpack::to_vec(e).unwrap()).collect()).collect();
    g.bench_function("the same, each event read from MessagePack first, per event", |b| {
        b.iter(|| {
            workload::watched_loop(&engine, packed_events.iter().map(|l| &l[..]).zip(&profiles), now, |bytes| {
                workload::read_tracked(black_box(bytes))
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = scoring, peers_workload
}
criterion_main!(benches);
