//! `leadscore sample`, `backtest`, `suggest` and `learn` (docs/BACKTEST.md).
//!
//! A backtest streams the history: rows are cut from the file in order, in parts
//! of [`ROWS_PER_PART`], and each part is read and scored on every core (rayon),
//! keeping only each lead's figures, so memory holds one part and a few bytes a
//! lead. `learn` holds the history (within a lead set's limits): it fits on all of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadscore::backtest::{
    self, compare, report, BacktestReport, Bands, Format, History, HistoryReader, LeadFigures, LearnOptions, Mapping,
    Plan, RawRow, RawRows, ReportOptions, SampleOptions, ThresholdTarget,
};
use leadscore::Engine;
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Rows read and scored together.
pub const ROWS_PER_PART: usize = 8192;

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The mapping: a JSON file, JSON text, or none.
pub fn load_mapping(mapping: Option<&str>) -> Result<Mapping, ExitCode> {
    let Some(m) = mapping else { return Ok(Mapping::default()) };
    let text = if m.trim_start().starts_with('{') {
        m.to_string()
    } else {
        std::fs::read_to_string(m).map_err(|e| fail(format_args!("cannot read the mapping {m}: {e}")))?
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format_args!("the mapping {m} is not JSON: {e}")))?;
    Mapping::from_value(&value).map_err(fail)
}

/// A reader that counts the bytes read, for the progress bar.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A bar over the bytes of the history, on a terminal only.
fn bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {msg} (eta {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The first bytes of a file, to guess its format.
fn head(path: &str) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; 4096];
    let n = File::open(path)?.read(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// The history at `path` in order, row by row, with its plan.
fn rows(path: &str, mapping: &Mapping, read: Arc<AtomicU64>) -> Result<(Plan, RawRows<Counted<File>>), ExitCode> {
    let format = match mapping.format {
        Some(f) => f,
        None => Format::guess(&head(path).map_err(|e| fail(format_args!("cannot read {path}: {e}")))?),
    };
    let file = File::open(path).map_err(|e| fail(format_args!("cannot read {path}: {e}")))?;
    let mut raw = RawRows::new(Counted { inner: file, read }, format, None, 0);
    let header = match format {
        Format::Csv => Some(raw.header().cloned().ok_or_else(|| fail(format_args!("{path}: no header row")))?),
        Format::Ndjson => None,
    };
    let plan = Plan::new(mapping, format, header.as_ref()).map_err(|e| fail(format_args!("{path}: {e}")))?;
    Ok((plan, raw))
}

/// The next part of the rows.
fn part(raw: &mut impl Iterator<Item = RawRow>) -> Vec<RawRow> {
    raw.take(ROWS_PER_PART).collect()
}

/// What streaming a history through one or two engines gives.
struct Scored {
    figures: Vec<Vec<LeadFigures>>,
    skipped: u64,
    problems: Vec<backtest::RowProblem>,
}

/// The latest event time of the history: a pass of its own, for when no `now` is given.
fn latest(path: &str, mapping: &Mapping) -> Result<i64, ExitCode> {
    let read = Arc::new(AtomicU64::new(0));
    let (plan, mut raw) = rows(path, mapping, read)?;
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

/// Scores every row of the history with each engine at `now`, on every core.
fn stream(path: &str, mapping: &Mapping, engines: &[&Engine], now: i64) -> Result<Scored, ExitCode> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let read = Arc::new(AtomicU64::new(0));
    let (mut plan, mut raw) = rows(path, mapping, read.clone())?;
    if let [engine] = engines {
        plan.read_only_for(engine);
    }
    let bands: Vec<Bands> = engines.iter().map(|e| Bands::of(e)).collect();
    let bar = bar(size);
    let mut scored = Scored { figures: vec![Vec::new(); engines.len()], skipped: 0, problems: Vec::new() };
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
            let results: Vec<Result<Vec<LeadFigures>, backtest::RowProblem>> = rows
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
                        if scored.problems.len() < backtest::MAX_ROW_PROBLEMS {
                            scored.problems.push(p);
                        }
                    }
                }
            }
            bar.set_position(read.load(Ordering::Relaxed));
            bar.set_message(format!("{} leads", scored.figures.first().map_or(0, Vec::len)));
        }
    });
    bar.finish_and_clear();
    for p in &scored.problems {
        eprintln!(
            "{path}:{}: skipped ({}): {}{}",
            p.line,
            p.code,
            if p.column.is_empty() { String::new() } else { format!("{}: ", p.column) },
            p.message
        );
    }
    if scored.skipped > scored.problems.len() as u64 {
        eprintln!("{path}: {} more rows skipped", scored.skipped - scored.problems.len() as u64);
    }
    Ok(scored)
}

pub struct BacktestArgs<'a> {
    pub rules: &'a str,
    pub compare: Option<&'a str>,
    pub history: &'a str,
    pub mapping: Option<&'a str>,
    pub now: Option<i64>,
    pub target: Option<ThresholdTarget>,
    pub json: bool,
}

fn now_for(args_now: Option<i64>, mapping: &Mapping, path: &str) -> Result<i64, ExitCode> {
    match (args_now, mapping.now().map_err(fail)?) {
        (Some(n), _) | (None, Some(n)) => Ok(n),
        (None, None) => latest(path, mapping),
    }
}

/// `leadscore backtest` and `leadscore suggest`.
pub fn backtest(args: BacktestArgs, load: impl Fn(&str) -> Result<Engine, ExitCode>) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let mapping = load_mapping(args.mapping)?;
        let a = load(args.rules)?;
        let b = args.compare.map(&load).transpose()?;
        let now = now_for(args.now, &mapping, args.history)?;
        let engines: Vec<&Engine> = [Some(&a), b.as_ref()].into_iter().flatten().collect();
        let started = std::time::Instant::now();
        let scored = stream(args.history, &mapping, &engines, now)?;
        let options = ReportOptions { target: args.target, ..ReportOptions::default() };
        let leads = scored.figures.first().map_or(0, Vec::len);
        eprintln!("{leads} leads scored in {:.2} s", started.elapsed().as_secs_f64());
        let mut out = BufWriter::new(io::stdout().lock());
        let written = match (&b, scored.figures.as_slice()) {
            (Some(b), [fa, fb]) => {
                let c = compare((&a, fa), (b, fb), now, scored.skipped, &options);
                if args.json {
                    serde_json::to_writer_pretty(&mut out, &c).map_err(io::Error::other)
                } else {
                    write_summary(&mut out, &c.a).and_then(|()| write_summary(&mut out, &c.b)).and_then(|()| {
                        let g = &c.agreement;
                        writeln!(out, "AUC b − a: {:+.4}", c.auc_delta)?;
                        for (name, cell) in
                            [("both MQL", g.both), ("only a", g.only_a), ("only b", g.only_b), ("neither", g.neither)]
                        {
                            writeln!(out, "{name:>9}: {:>9} leads, {:>6.2} % convert", cell.leads, cell.rate * 100.0)?;
                        }
                        Ok(())
                    })
                }
            }
            (_, [fa, ..]) => {
                let r = report(&a, &Bands::of(&a), fa, now, scored.skipped, &options);
                if args.json {
                    serde_json::to_writer_pretty(&mut out, &r).map_err(io::Error::other)
                } else {
                    write_summary(&mut out, &r)
                }
            }
            _ => Ok(()),
        };
        written
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush())
            .map_err(|e| fail(format_args!("cannot write: {e}")))?;
        Ok(ExitCode::SUCCESS)
    };
    run().unwrap_or_else(|code| code)
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn write_summary(out: &mut impl Write, r: &BacktestReport) -> io::Result<()> {
    writeln!(out, "rule set {}@{} at {}", r.rule_set.id, r.rule_set.version, r.now)?;
    writeln!(
        out,
        "leads {}, converted {} ({}), rows skipped {}",
        r.leads,
        r.converted,
        pct(r.converted as f64 / r.leads.max(1) as f64),
        r.skipped
    )?;
    writeln!(out, "AUC {:.4}", r.auc)?;
    writeln!(
        out,
        "MQL by the rule set: {} leads, {} convert, {} of conversions captured",
        r.mql.cell.leads,
        pct(r.mql.cell.rate),
        pct(r.mql.captured)
    )?;
    if let Some(s) = &r.suggested {
        match s.threshold {
            Some(t) => writeln!(
                out,
                "suggested threshold {t}: {} MQLs ({}), {} convert, {} of conversions captured",
                s.row.mqls,
                pct(s.row.mql_share),
                pct(s.row.conversion_rate),
                pct(s.row.captured)
            )?,
            None => writeln!(out, "no threshold reaches the target")?,
        }
    }
    writeln!(out, "{:>10} {:>10} {:>9} {:>10} {:>9}", "threshold", "MQLs", "share", "conv.rate", "captured")?;
    for row in r.sweep.iter().step_by((r.sweep.len() / 10).max(1)) {
        writeln!(
            out,
            "{:>10} {:>10} {:>9} {:>10} {:>9}",
            row.threshold,
            row.mqls,
            pct(row.mql_share),
            pct(row.conversion_rate),
            pct(row.captured)
        )?;
    }
    for b in &r.bands {
        writeln!(out, "band {:<12} {:>10} leads, {} convert", b.band, b.cell.leads, pct(b.cell.rate))?;
    }
    Ok(())
}

/// `leadscore sample`: the synthetic history as NDJSON, made in parallel and
/// written in order.
pub fn sample(options: SampleOptions, out: Option<&str>) -> ExitCode {
    let run = || -> io::Result<()> {
        let sink: Box<dyn Write> = match out {
            Some(path) => Box::new(File::create(path)?),
            None => Box::new(io::stdout().lock()),
        };
        let mut sink = BufWriter::with_capacity(1 << 20, sink);
        let total = u64::from(options.leads);
        let mut from = 0;
        while from < total {
            let to = (from + ROWS_PER_PART as u64).min(total);
            let lines: Vec<String> = (from..to)
                .into_par_iter()
                .map(|i| backtest::sample_lead(options.seed, i, options.now).to_string())
                .collect();
            for line in lines {
                sink.write_all(line.as_bytes())?;
                sink.write_all(b"\n")?;
            }
            from = to;
        }
        sink.flush()
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(format_args!("cannot write the sample: {e}")),
    }
}

pub struct LearnArgs<'a> {
    pub history: &'a str,
    pub mapping: Option<&'a str>,
    pub compare: Option<&'a str>,
    pub out: Option<&'a str>,
    pub options: LearnOptions,
}

/// `leadscore learn`: the learnt rule set to `out` (or stdout), the figures to stderr.
pub fn learn(args: LearnArgs, load: impl Fn(&str) -> Result<Engine, ExitCode>) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let mapping = load_mapping(args.mapping)?;
        let hand = args.compare.map(&load).transpose()?;
        let text = std::fs::read(args.history).map_err(|e| fail(format_args!("cannot read {}: {e}", args.history)))?;
        let history = read(&text, mapping).map_err(|e| fail(format_args!("{}: {e}", args.history)))?;
        for p in history.problems() {
            eprintln!("{}:{}: skipped ({}): {} {}", args.history, p.line, p.code, p.column, p.message);
        }
        let bar = bar(100);
        let r = backtest::learn(&history, &args.options, hand.as_ref(), &mut |done, total, phase| {
            bar.set_message(phase.to_string());
            bar.set_position((done * 100 / total.max(1)) as u64);
        })
        .map_err(|e| fail(format_args!("{}: {e}", args.history)))?;
        bar.finish_and_clear();
        let rules = r.rule_set.get("fit").and_then(|v| v.as_array()).map_or(0, Vec::len)
            + r.rule_set.get("engagement").and_then(|v| v.as_array()).map_or(0, Vec::len);
        eprintln!(
            "learnt {rules} rules from {} features on {} leads ({} held out); MQL at {}",
            r.features.len(),
            r.leads.train,
            r.leads.holdout,
            r.threshold
        );
        eprintln!("AUC of the learnt rule set: train {:.4}, holdout {:.4}", r.auc.train, r.auc.holdout);
        eprintln!(
            "AUC of the model before rounding: train {:.4}, holdout {:.4}",
            r.model_auc.train, r.model_auc.holdout
        );
        if let Some(h) = r.hand_written_auc {
            eprintln!("AUC of {}: train {:.4}, holdout {:.4}", args.compare.unwrap_or(""), h.train, h.holdout);
        }
        let mut text = serde_json::to_string_pretty(&r.rule_set).map_err(fail)?;
        text.push('\n');
        match args.out {
            Some(path) => std::fs::write(path, text).map_err(|e| fail(format_args!("cannot write {path}: {e}")))?,
            None => io::stdout().write_all(text.as_bytes()).map_err(|e| fail(format_args!("cannot write: {e}")))?,
        }
        Ok(ExitCode::SUCCESS)
    };
    run().unwrap_or_else(|code| code)
}

/// A whole history, held.
fn read(text: &[u8], mapping: Mapping) -> Result<History, leadscore::InputError> {
    let mut reader = HistoryReader::new(mapping)?;
    reader.feed(text)?;
    Ok(reader.finish())
}
