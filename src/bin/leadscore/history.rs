//! `leadscore sample`, `backtest`, `suggest` and `learn` (docs/BACKTEST.md).
//!
//! A backtest streams the history (`leadscore::backtest::backtest_stream`: parts
//! of [`ROWS_PER_PART`] rows scored on every core, keeping only each lead's
//! figures). `learn` holds the history (within a lead set's limits): it fits on
//! all of it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadscore::backtest::{
    self, backtest_stream, read_history, BacktestReport, Backtested, HistorySource, LearnOptions, ReportOptions,
    RowProblem, SampleOptions, ThresholdTarget, ROWS_PER_PART,
};
use leadscore::Engine;
use rayon::prelude::*;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The mapping: a JSON file, JSON text, or none.
pub fn load_mapping(mapping: Option<&str>) -> Result<backtest::Mapping, ExitCode> {
    backtest::load_mapping(mapping).map_err(fail)
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

/// The rows skipped, as the first of them are described.
fn report_skipped(path: &str, problems: &[RowProblem], skipped: u64) {
    for p in problems {
        eprintln!(
            "{path}:{}: skipped ({}): {}{}",
            p.line,
            p.code,
            if p.column.is_empty() { String::new() } else { format!("{}: ", p.column) },
            p.message
        );
    }
    if skipped > problems.len() as u64 {
        eprintln!("{path}: {} more rows skipped", skipped - problems.len() as u64);
    }
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

/// `leadscore backtest` and `leadscore suggest`: the history streamed
/// ([`backtest_stream`], which the Python package's `backtest` calls too).
pub fn backtest(args: BacktestArgs, load: impl Fn(&str) -> Result<Engine, ExitCode>) -> ExitCode {
    let run = || -> Result<ExitCode, ExitCode> {
        let mapping = load_mapping(args.mapping)?;
        let a = load(args.rules)?;
        let b = args.compare.map(&load).transpose()?;
        let source = HistorySource::File(Path::new(args.history));
        let options = ReportOptions { target: args.target, ..ReportOptions::default() };
        // Before the clock starts: without a `now`, finding it is a pass of its own.
        let now = backtest::history_now(args.now, &mapping, &source).map_err(fail)?;
        let started = std::time::Instant::now();
        let bar = bar(source.len().unwrap_or(0));
        let done = backtest_stream(&source, &mapping, &a, b.as_ref(), Some(now), &options, &mut |read, leads| {
            bar.set_position(read);
            bar.set_message(format!("{leads} leads"));
        });
        bar.finish_and_clear();
        let done = done.map_err(fail)?;
        report_skipped(args.history, &done.problems, done.skipped);
        eprintln!("{} leads scored in {:.2} s", done.leads, started.elapsed().as_secs_f64());
        let mut out = BufWriter::new(io::stdout().lock());
        let written = if args.json {
            serde_json::to_writer_pretty(&mut out, &done.result).map_err(io::Error::other)
        } else {
            match &done.result {
                Backtested::Comparison(c) => {
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
                Backtested::Report(r) => write_summary(&mut out, r),
            }
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
        let history = read_history(&text, mapping).map_err(|e| fail(format_args!("{}: {e}", args.history)))?;
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
