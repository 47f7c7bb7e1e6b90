//! Histories too long to hold, backtested as they stream (native only): what the
//! command line's `backtest` and `suggest` and the Python package's `backtest` and
//! `suggest` run, so that both give the same report.
//!
//! Rows are cut from the text in order, in parts of [`ROWS_PER_PART`], and each
//! part is read and scored on every core (rayon), keeping only each lead's figures,
//! so memory holds one part and a few bytes a lead.

use super::{compare, report, BacktestReport, Bands, Comparison, Format, LeadFigures, Mapping, Plan, RawRow, RawRows};
use super::{ReportOptions, RowProblem, MAX_ROW_PROBLEMS};
use crate::engine::Engine;
use rayon::prelude::*;
use serde::Serialize;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Rows read and scored together.
pub const ROWS_PER_PART: usize = 8192;

/// Where a history is read from: a file, or text in memory.
#[derive(Debug, Clone, Copy)]
pub enum HistorySource<'a> {
    File(&'a Path),
    Text(&'a [u8]),
}

impl<'a> HistorySource<'a> {
    /// The name messages give it: the file's path, or `history`.
    pub fn name(&self) -> String {
        match self {
            HistorySource::File(p) => p.display().to_string(),
            HistorySource::Text(_) => "history".to_string(),
        }
    }

    /// Its length in bytes, when known (for a progress bar).
    pub fn len(&self) -> Option<u64> {
        match self {
            HistorySource::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            HistorySource::Text(t) => Some(t.len() as u64),
        }
    }

    /// Whether it is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    fn open(&self) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            HistorySource::File(p) => Box::new(File::open(p)?),
            HistorySource::Text(t) => Box::new(*t),
        })
    }

    /// The first bytes, to guess the format.
    fn head(&self) -> io::Result<Vec<u8>> {
        let mut buf = vec![0; 4096];
        let n = self.open()?.read(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// The whole text.
    pub fn read_all(&self) -> io::Result<Vec<u8>> {
        match self {
            HistorySource::File(p) => std::fs::read(p),
            HistorySource::Text(t) => Ok(t.to_vec()),
        }
    }
}

/// The mapping: a JSON file, JSON text (starting with `{`), or none (the default).
pub fn load_mapping(mapping: Option<&str>) -> Result<Mapping, String> {
    let Some(m) = mapping else { return Ok(Mapping::default()) };
    let text = if m.trim_start().starts_with('{') {
        m.to_string()
    } else {
        std::fs::read_to_string(m).map_err(|e| format!("cannot read the mapping {m}: {e}"))?
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the mapping {m} is not JSON: {e}"))?;
    Mapping::from_value(&value).map_err(|e| e.to_string())
}

/// A reader that reports the bytes read so far.
struct Counted<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

type Rows<'a> = RawRows<Counted<Box<dyn Read + Send + 'a>>>;

/// The history in order, row by row, with its plan.
fn rows<'a>(
    source: &HistorySource<'a>,
    mapping: &Mapping,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
) -> Result<(Plan, Rows<'a>), String> {
    let name = source.name();
    let format = match mapping.format {
        Some(f) => f,
        None => Format::guess(&source.head().map_err(|e| format!("cannot read {name}: {e}"))?),
    };
    let reader = source.open().map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut raw = RawRows::new(Counted { inner: reader, read }, format, None, 0);
    let header = match format {
        Format::Csv => Some(raw.header().cloned().ok_or_else(|| format!("{name}: no header row"))?),
        Format::Ndjson => None,
    };
    let plan = Plan::new(mapping, format, header.as_ref()).map_err(|e| format!("{name}: {e}"))?;
    Ok((plan, raw))
}

/// The next part of the rows.
fn part(raw: &mut impl Iterator<Item = RawRow>) -> Vec<RawRow> {
    raw.take(ROWS_PER_PART).collect()
}

/// The latest event time of the history (0 when it has none): a pass of its own.
pub fn latest_event(source: &HistorySource<'_>, mapping: &Mapping) -> Result<i64, String> {
    let (plan, mut raw) = rows(source, mapping, Default::default())?;
    let mut latest = None;
    loop {
        let rows = part(&mut raw);
        if rows.is_empty() {
            break;
        }
        let most = rows.par_iter().filter_map(|r| plan.row(r).ok().and_then(|row| row.latest)).max();
        latest = latest.max(most);
    }
    Ok(latest.unwrap_or(0))
}

/// When a history is scored: `now` when given, else the mapping's, else the latest
/// event time of the history.
pub fn history_now(now: Option<i64>, mapping: &Mapping, source: &HistorySource<'_>) -> Result<i64, String> {
    match (now, mapping.now().map_err(|e| e.to_string())?) {
        (Some(n), _) | (None, Some(n)) => Ok(n),
        (None, None) => latest_event(source, mapping),
    }
}

/// What streaming a history through one or more engines gives.
#[derive(Debug, Clone, Default)]
pub struct Streamed {
    /// Each engine's figures of every lead read, in order.
    pub figures: Vec<Vec<LeadFigures>>,
    /// Rows that could not be read.
    pub skipped: u64,
    /// The first [`MAX_ROW_PROBLEMS`] of them.
    pub problems: Vec<RowProblem>,
}

/// Scores every row of the history with each engine at `now`, on every core,
/// calling `progress(bytes read, leads scored)` after each part.
pub fn stream_history(
    source: &HistorySource<'_>,
    mapping: &Mapping,
    engines: &[&Engine],
    now: i64,
    progress: &mut dyn FnMut(u64, usize),
) -> Result<Streamed, String> {
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (mut plan, mut raw) = rows(source, mapping, read.clone())?;
    if let [engine] = engines {
        plan.read_only_for(engine);
    }
    let bands: Vec<Bands> = engines.iter().map(|e| Bands::of(e)).collect();
    let mut scored = Streamed { figures: vec![Vec::new(); engines.len()], skipped: 0, problems: Vec::new() };
    // One thread cuts the next parts while the cores read and score this one.
    let (send, parts) = std::sync::mpsc::sync_channel::<Vec<RawRow>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || loop {
            let rows = part(&mut raw);
            if rows.is_empty() || send.send(rows).is_err() {
                break;
            }
        });
        for rows in parts {
            let results: Vec<Result<Vec<LeadFigures>, RowProblem>> = rows
                .par_iter()
                .map(|r| {
                    let row = plan.row(r)?;
                    Ok(engines
                        .iter()
                        .zip(&bands)
                        .map(|(e, b)| b.figures(&row.qualify(e, now), row.converted))
                        .collect())
                })
                .collect();
            for result in results {
                match result {
                    Ok(f) => {
                        for (all, one) in scored.figures.iter_mut().zip(f) {
                            all.push(one);
                        }
                    }
                    Err(p) => {
                        scored.skipped += 1;
                        if scored.problems.len() < MAX_ROW_PROBLEMS {
                            scored.problems.push(p);
                        }
                    }
                }
            }
            progress(read.load(std::sync::atomic::Ordering::Relaxed), scored.figures.first().map_or(0, Vec::len));
        }
    });
    Ok(scored)
}

/// A backtest's result: one rule set's report, or two compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Backtested {
    Report(Box<BacktestReport>),
    Comparison(Box<Comparison>),
}

/// A streamed backtest: the result, and the rows that could not be read.
#[derive(Debug, Clone)]
pub struct StreamedBacktest {
    pub result: Backtested,
    /// The instant the leads were scored at.
    pub now: i64,
    /// How many leads were scored.
    pub leads: usize,
    pub skipped: u64,
    /// The first [`MAX_ROW_PROBLEMS`] rows skipped.
    pub problems: Vec<RowProblem>,
}

/// Backtests `engine` (and `other`, compared with it, when given) on the history
/// at `now` ([`history_now`]), streaming it: what `leadscore backtest` and
/// `leadscore suggest` report. `options.now` is not read: `now` is.
pub fn backtest_stream(
    source: &HistorySource<'_>,
    mapping: &Mapping,
    engine: &Engine,
    other: Option<&Engine>,
    now: Option<i64>,
    options: &ReportOptions,
    progress: &mut dyn FnMut(u64, usize),
) -> Result<StreamedBacktest, String> {
    let now = history_now(now, mapping, source)?;
    let engines: Vec<&Engine> = [Some(engine), other].into_iter().flatten().collect();
    let scored = stream_history(source, mapping, &engines, now, progress)?;
    let leads = scored.figures.first().map_or(0, Vec::len);
    let result = match (other, scored.figures.as_slice()) {
        (Some(b), [fa, fb]) => {
            Backtested::Comparison(Box::new(compare((engine, fa), (b, fb), now, scored.skipped, options)))
        }
        (_, [fa, ..]) => {
            Backtested::Report(Box::new(report(engine, &Bands::of(engine), fa, now, scored.skipped, options)))
        }
        _ => return Err("no rule set to backtest".to_string()),
    };
    Ok(StreamedBacktest { result, now, leads, skipped: scored.skipped, problems: scored.problems })
}
