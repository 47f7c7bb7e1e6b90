//! Heap allocations per scored event and per lead, counted by dhat.
//!
//!     cargo bench --bench allocations
#![allow(clippy::unwrap_used)]

mod workload;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    let engine = workload::engine();
    let leads = workload::leads(2_000);
    let events: usize = leads.iter().map(|l| l.events.len()).sum();
    let sessions = workload::sessions(&leads);
    // The same leads as JSON text, parsed once for the two measures of reading below.
    let parsed: Vec<Value> =
        workload::lead_texts(leads.len()).iter().map(|t| serde_json::from_str(t).unwrap()).collect();
    // The leads as the bytes engine.qualify sends into the module (MessagePack).
    let packed: Vec<Vec<u8>> =
        parsed.iter().map(|lead| leadscore::test_support::msgpack::to_vec(lead).unwrap()).collect();

    let _profiler = dhat::Profiler::builder().testing().build();
    let measure = |what: &str, f: &dyn Fn() -> i64| {
        let before = dhat::HeapStats::get();
        std::hint::black_box(f());
        let after = dhat::HeapStats::get();
        let blocks = after.total_blocks - before.total_blocks;
        let bytes = after.total_bytes - before.total_bytes;
        println!(
            "{what:<28} {:>6.2} allocations/event  {:>7.1} bytes/event  {:>6.1} allocations/lead",
            blocks as f64 / events as f64,
            bytes as f64 / events as f64,
            blocks as f64 / leads.len() as f64
        );
    };
    println!("workload: {} leads, {events} events, b2b-saas rule set", leads.len());
    measure("score (batch, parsed leads)", &|| leads.iter().map(|l| engine.score(l, workload::NOW).total.0).sum());
    measure("session score", &|| sessions.iter().map(|s| s.score(&engine, workload::NOW).total.0).sum());
    // engine.qualify's work in the module: read the lead, qualify it, write the answer.
    measure("qualify (MessagePack in, out)", &|| {
        packed
            .iter()
            .map(|p| {
                let raw = leadscore::test_support::read_lead(
                    &mut leadscore::test_support::msgpack::Reader::new(p),
                    100_000,
                    leadscore::test_support::lead_fields(&engine),
                )
                .unwrap();
                leadscore::test_support::msgpack::to_vec(
                    &leadscore::test_support::qualify_raw(&engine, raw, workload::NOW).unwrap(),
                )
                .unwrap()
                .len() as i64
            })
            .sum()
    });

    // What a session holds per event tracked, as the module reads events: keys in the
    // order a page writes them (`type`, `ts`, then the properties).
    let tracked: Vec<Vec<Vec<u8>>> = parsed
        .iter()
        .map(|lead| {
            let events = lead.get("events").and_then(Value::as_array).unwrap();
            events
                .iter()
                .map(|e| leadscore::test_support::msgpack::to_vec(&AsTracked(e.as_object().unwrap())).unwrap())
                .collect()
        })
        .collect();
    // A page's loop with the engine watched: each event read, tracked and the session
    // evaluated (Session.track after watch(engine)); a session per lead, its
    // profile given first.
    let profiles: Vec<Value> = parsed.iter().map(|lead| lead.get("profile").cloned().unwrap_or(Value::Null)).collect();
    measure("track, engine watched", &|| {
        workload::watched_loop(&engine, tracked.iter().map(|l| &l[..]).zip(&profiles), workload::NOW, |bytes| {
            workload::read_tracked(bytes)
        }) as i64
    });
    let before = dhat::HeapStats::get();
    let held: Vec<leadscore::Session> = tracked
        .iter()
        .map(|events| {
            let mut s = leadscore::Session::new("visitor").unwrap();
            for bytes in events {
                s.track(workload::read_tracked(bytes), workload::NOW).unwrap();
            }
            s
        })
        .collect();
    let after = dhat::HeapStats::get();
    println!(
        "{:<28} {:>7.1} bytes held per event tracked",
        "sessions (MessagePack events)",
        (after.curr_bytes - before.curr_bytes) as f64 / events as f64
    );
    drop(held);
}

/// An event's keys as a page's object has them: `type` and `ts` first.
struct AsTracked<'a>(&'a Map<String, Value>);

impl Serialize for AsTracked<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        let first = ["type", "ts"];
        for k in first {
            if let Some(v) = self.0.get(k) {
                map.serialize_entry(k, v)?;
            }
        }
        for (k, v) in self.0.iter().filter(|(k, _)| !first.contains(&k.as_str())) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}
