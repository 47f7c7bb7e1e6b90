//! Any bytes as a history (`leadscore::backtest`, feature `backtest`), read whole and
//! in two parts cut at a newline, as NDJSON and as CSV through a mapping of every
//! kind of column; then backtested with each example rule set. Reading never stops
//! at a bad row: every row is a lead or a problem with a line, the two reads agree,
//! and the report's counts add up to the leads.
#![no_main]

mod common;

use common::engines;
use leadscore::backtest::{backtest, read_history, HistoryReader, Mapping, ReportOptions};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let mappings = [
        json!({"format": "ndjson"}),
        json!({"format": "csv"}),
        json!({"format": "csv", "outcome": "c", "id": "id", "numbers": ["n"], "counts": ["k"], "events": "e",
               "missing": ["Select"], "now": 1795176000000i64}),
    ];
    for m in &mappings {
        let mapping = Mapping::from_value(m).expect("a mapping of the target");
        let whole = match read_history(data, mapping.clone()) {
            Ok(h) => h,
            // Only a mapping that names a column the header lacks stops a read.
            Err(e) => {
                assert_eq!(e.problem.code, "unknownColumn", "{e:?}");
                continue;
            }
        };
        assert!(whole.problems().len() <= whole.skipped());
        assert!(whole.problems().iter().all(|p| p.line >= 1));
        if let Some(cut) = data.iter().position(|b| *b == b'\n').map(|i| i + 1) {
            let (a, b) = data.split_at(cut);
            let mut reader = HistoryReader::new(mapping).expect("a mapping of the target");
            if reader.feed(a).is_ok() && reader.feed(b).is_ok() && !m["format"].eq("csv") {
                let parts = reader.finish();
                assert_eq!((parts.len(), parts.skipped()), (whole.len(), whole.skipped()), "parts and whole differ");
            }
        }
        for engine in engines() {
            let r = backtest(engine, &whole, &ReportOptions::default(), &mut |_, _| {}).expect("a backtest");
            assert_eq!(r.leads as usize, whole.len());
            assert_eq!(
                r.histogram.converted.iter().sum::<u64>() + r.histogram.not_converted.iter().sum::<u64>(),
                r.leads
            );
            assert_eq!(r.matrix.iter().map(|c| c.figures.leads).sum::<u64>(), r.leads);
            assert!(r.auc.is_nan() || (0.0..=1.0).contains(&r.auc));
        }
    }
});
