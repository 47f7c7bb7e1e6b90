//! `leadscore`: score leads from the command line with a rule set.
//!
//!     leadscore score --rules examples/b2b-saas/ruleset.json --leads examples/b2b-saas/leads.json --now 2026-11-20T12:00:00Z
//!     leadscore check --rules my-rules.json
//!     leadscore compile --rules my-rules.json --out my-rules.lsc
//!     leadscore sample --leads 10000 --seed 1 > history.ndjson
//!     leadscore backtest --rules examples/b2b-saas/ruleset.json --history history.ndjson
//!     leadscore suggest --rules examples/b2b-saas/ruleset.json --history history.ndjson --conversion-rate 0.4
//!     leadscore learn --history leads.csv --mapping mapping.json --out learnt.json
//!
//! `compile` writes the rule set's compiled form, which the npm package's page
//! module (`leadscore/page`) loads with `Engine.fromCompiled`; `score` and `check`
//! take a compiled rule set as `--rules` too.
//!
//! Leads are a JSON array or NDJSON (one lead per line); results are NDJSON on
//! stdout, or a table with `--format table`. Problems go to stderr, and with
//! `--debug` every event the rule set sets aside, and why; `check` writes each
//! warning of a valid rule set there too, and exits 1 for them only with
//! `--deny-warnings`.
//!
//! Leads are streamed: each NDJSON line, or each element of an array, is read,
//! scored and its result written before the next is read, so memory holds one lead
//! at a time however large the file (44 MB of leads took 375 MB resident as NDJSON
//! and 698 MB as an array when read whole; streamed, 3.3 and 4.1 MB). When stderr
//! is a terminal, stdout is not (results drawn over the bar would garble both),
//! and the leads come from a file, a progress bar shows the bytes read of the
//! file's size and the leads scored.

#[path = "leadscore/history.rs"]
mod history;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadscore::limits::MAX_INSTANT_MS;
use leadscore::{Engine, ScoreResult, SkipReason};
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "leadscore", version, about = "Score leads with a declarative rule set")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Score every lead in a file.
    Score {
        /// The rule set (JSON).
        #[arg(long)]
        rules: String,
        /// The leads: a JSON array or NDJSON, `-` for standard input.
        #[arg(long)]
        leads: String,
        /// When to score at: milliseconds since the epoch or RFC 3339, within
        /// ±8.64 × 10^15 ms of 1970-01-01T00:00:00Z. Defaults to the current time.
        #[arg(long, allow_negative_numbers = true)]
        now: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        /// Also write to stderr every event the rule set sets aside, and why: a type
        /// it does not know (with the nearest it does), a property of the wrong type,
        /// after --now, a repeated id, invalid, over the history limit.
        #[arg(long)]
        debug: bool,
    },
    /// Check a rule set and list every problem in it, and every warning: what is
    /// valid but probably not meant (to stderr, each with its JSON path and code).
    Check {
        #[arg(long)]
        rules: String,
        /// Exit with 1 when the rule set has warnings (it is still valid).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Compile a rule set ahead, for the page module (`Engine.fromCompiled`).
    Compile {
        /// The rule set (JSON).
        #[arg(long)]
        rules: String,
        /// Where to write its compiled form (a `.lsc` file), replaced whole.
        #[arg(long)]
        out: String,
    },
    /// Write a synthetic history of B2B leads with outcomes, as NDJSON (docs/BACKTEST.md).
    Sample {
        /// How many leads.
        #[arg(long, default_value_t = 5000)]
        leads: u32,
        /// The same seed gives the same leads, byte for byte.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// When the history is seen: its events fall in the 90 days before. Default 2026-12-01T00:00:00Z.
        #[arg(long, allow_negative_numbers = true)]
        now: Option<String>,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<String>,
    },
    /// Backtest a rule set on a history of leads with outcomes; with --compare, two rule sets.
    Backtest {
        #[command(flatten)]
        history: HistoryArgs,
        /// A second rule set, backtested on the same leads and compared.
        #[arg(long)]
        compare: Option<String>,
        /// Suggest the lowest threshold whose MQLs convert at least at this rate (0-1).
        #[arg(long)]
        conversion_rate: Option<f64>,
        /// Suggest the lowest threshold with at most this many MQLs.
        #[arg(long)]
        mqls: Option<f64>,
        /// Suggest the lowest threshold with at most this share (0-1) of the leads as MQLs.
        #[arg(long)]
        mql_share: Option<f64>,
        /// Write the whole report as JSON (docs/BACKTEST.md) instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// Suggest an MQL threshold for a target conversion rate or MQL volume.
    Suggest {
        #[command(flatten)]
        history: HistoryArgs,
        /// The lowest threshold whose MQLs convert at least at this rate (0-1).
        #[arg(long, required_unless_present_any = ["mqls", "mql_share"])]
        conversion_rate: Option<f64>,
        /// The lowest threshold with at most this many MQLs.
        #[arg(long)]
        mqls: Option<f64>,
        /// The lowest threshold with at most this share (0-1) of the leads as MQLs.
        #[arg(long)]
        mql_share: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Learn a rule set with integer points from a history (L2 logistic regression).
    Learn {
        /// The history: CSV or NDJSON.
        #[arg(long)]
        history: String,
        /// The column mapping: a JSON file or JSON text (docs/BACKTEST.md, "Mapping").
        #[arg(long)]
        mapping: Option<String>,
        /// A hand-written rule set whose AUC is reported beside the learnt one's.
        #[arg(long)]
        compare: Option<String>,
        /// Where to write the learnt rule set (default: standard output).
        #[arg(long)]
        out: Option<String>,
        /// Learn's options as JSON (seed, holdout, l2, bins, minLeads, pointsPerDoubling, minZ, target, id, version).
        #[arg(long)]
        options: Option<String>,
        /// Seeds the train/holdout split.
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// The rule set and the history a backtest reads.
#[derive(Args)]
struct HistoryArgs {
    /// The rule set (JSON or compiled).
    #[arg(long)]
    rules: String,
    /// The history: CSV or NDJSON (docs/BACKTEST.md).
    #[arg(long)]
    history: String,
    /// The column mapping: a JSON file or JSON text.
    #[arg(long)]
    mapping: Option<String>,
    /// When to score: ms since the epoch or RFC 3339. Default: the mapping's `now`,
    /// else the latest event time of the history (found by a pass of its own).
    #[arg(long, allow_negative_numbers = true)]
    now: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Ndjson,
    Table,
}

/// How much of the input is read at a time.
const READ_BUFFER: usize = 64 * 1024;

/// A line buffer grown past this by one long lead is given back after it.
const KEEP_LINE_BUFFER: usize = 1024 * 1024;

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { rules, deny_warnings } => match load_engine(&rules) {
            Ok(engine) => {
                for w in engine.warnings() {
                    eprintln!("warning: {rules}: {w}");
                }
                println!("{}: rule set {} is valid", rules, engine.key());
                if deny_warnings && !engine.warnings().is_empty() {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(code) => code,
        },
        Command::Score { rules, leads, now, format, debug } => score(&rules, &leads, now.as_deref(), format, debug),
        Command::Compile { rules, out } => compile(&rules, &out),
        Command::Sample { leads, seed, now, out } => {
            let now = match now.as_deref().map(|n| parse_now(Some(n))).transpose() {
                Ok(n) => n.unwrap_or(leadscore::backtest::SampleOptions::default().now),
                Err(e) => return usage(&e),
            };
            history::sample(leadscore::backtest::SampleOptions { leads, seed, now }, out.as_deref())
        }
        Command::Backtest { history, compare, conversion_rate, mqls, mql_share, json } => {
            let target = target(conversion_rate, mqls, mql_share);
            run_backtest(&history, compare.as_deref(), target, json)
        }
        Command::Suggest { history, conversion_rate, mqls, mql_share, json } => {
            run_backtest(&history, None, target(conversion_rate, mqls, mql_share), json)
        }
        Command::Learn { history: path, mapping, compare, out, options, seed } => {
            let mut options: leadscore::backtest::LearnOptions =
                match options.as_deref().map(serde_json::from_str).transpose() {
                    Ok(o) => o.unwrap_or_default(),
                    Err(e) => return usage(&format!("--options: {e}")),
                };
            if seed.is_some() {
                options.seed = seed;
            }
            let args = history::LearnArgs {
                history: &path,
                mapping: mapping.as_deref(),
                compare: compare.as_deref(),
                out: out.as_deref(),
                options,
            };
            history::learn(args, load_engine)
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn target(
    conversion_rate: Option<f64>,
    mqls: Option<f64>,
    mql_share: Option<f64>,
) -> Option<leadscore::backtest::ThresholdTarget> {
    (conversion_rate.is_some() || mqls.is_some() || mql_share.is_some())
        .then_some(leadscore::backtest::ThresholdTarget { conversion_rate, mqls, mql_share })
}

fn run_backtest(
    h: &HistoryArgs,
    compare: Option<&str>,
    target: Option<leadscore::backtest::ThresholdTarget>,
    json: bool,
) -> ExitCode {
    let now = match h.now.as_deref().map(|n| parse_now(Some(n))).transpose() {
        Ok(n) => n,
        Err(e) => return usage(&e),
    };
    let args = history::BacktestArgs {
        rules: &h.rules,
        compare,
        history: &h.history,
        mapping: h.mapping.as_deref(),
        now,
        target,
        json,
    };
    history::backtest(args, load_engine)
}

/// The engine of the rule set at `path`: JSON text, or a compiled rule set (which
/// starts with its mark).
fn load_engine(path: &str) -> Result<Engine, ExitCode> {
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read the rule set {path}: {e}");
        ExitCode::from(2)
    })?;
    let fail = |e: &dyn fmt::Display| {
        eprintln!("error: {path}: {e}");
        ExitCode::from(2)
    };
    if bytes.starts_with(&leadscore::COMPILED_MAGIC) {
        return Engine::from_compiled(&bytes).map_err(|e| fail(&e));
    }
    let text = String::from_utf8(bytes).map_err(|e| fail(&format_args!("the rule set is not UTF-8 text: {e}")))?;
    Engine::from_json(&text).map_err(|e| fail(&e))
}

/// `leadscore compile`: the rule set at `rules` compiled, its compiled form written
/// to `out` through a file beside it, so that `out` is never left half written.
fn compile(rules: &str, out: &str) -> ExitCode {
    let engine = match load_engine(rules) {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let bytes = engine.to_compiled();
    let partial = format!("{out}.partial-{}", std::process::id());
    let written = std::fs::write(&partial, &bytes).and_then(|()| std::fs::rename(&partial, out));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        eprintln!("error: cannot write the compiled rule set to {out}: {e}");
        return ExitCode::from(2);
    }
    println!("{rules}: rule set {} compiled to {out} ({} bytes)", engine.key(), bytes.len());
    ExitCode::SUCCESS
}

/// `--now`: whole milliseconds since the epoch or RFC 3339 text, within the range
/// docs/RULESET.md gives every timestamp (±8.64 × 10^15 ms). Past it ages overflow,
/// and an event of any age would score as fresh.
fn parse_now(now: Option<&str>) -> Result<i64, String> {
    let ms = match now {
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .map_err(|e| format!("the system clock is before 1970: {e}"))?,
        Some(t) => {
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                // Too many digits for an i64 is out of range too.
                t.parse::<i64>().map_err(|_| out_of_range(t))?
            } else {
                leadscore::parse_rfc3339(t).map_err(|e| {
                    format!(
                        "--now: {e}; give RFC 3339 text or whole milliseconds since \
                         1970-01-01T00:00:00Z within ±{MAX_INSTANT_MS} ms"
                    )
                })?
            }
        }
    };
    if (-MAX_INSTANT_MS..=MAX_INSTANT_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(out_of_range(now.unwrap_or(&ms.to_string())))
    }
}

fn out_of_range(now: &str) -> String {
    format!(
        "--now {now} is out of range: it must lie within ±{MAX_INSTANT_MS} ms (±8.64 × 10^15 ms, \
         some 273,790 years) of 1970-01-01T00:00:00Z, the range of every timestamp"
    )
}

/// Where a lead was found in the input, for messages: `path:line` or `path[index]`.
#[derive(Clone, Copy)]
enum At {
    Line(usize),
    Index(usize),
}

struct Place<'a>(&'a str, At);

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            At::Line(n) => write!(f, "{}:{n}", self.0),
            At::Index(i) => write!(f, "{}[{i}]", self.0),
        }
    }
}

/// Why the leads could not all be read: nothing after it was scored.
enum Stop {
    Read(io::Error),
    Write(io::Error),
    NotArray(serde_json::Error),
}

/// Scores leads one at a time as they are read and writes each result at once.
struct Scorer<'a, W: Write> {
    engine: &'a Engine,
    now: i64,
    format: Format,
    /// Write every event set aside, and why, to stderr.
    debug: bool,
    out: W,
    /// Flush after every result: standard input may be a live stream.
    flush_each: bool,
    path: &'a str,
    /// Leads seen (scored or not).
    leads: usize,
    failed: usize,
    bar: Option<ProgressBar>,
}

impl<W: Write> Scorer<'_, W> {
    /// A line on stderr, drawn above the progress bar when there is one.
    fn note(&self, line: fmt::Arguments<'_>) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Scores one lead's JSON text and writes its result; only a failed write is an error.
    fn lead(&mut self, at: At, text: &str) -> io::Result<()> {
        self.leads += 1;
        match self.engine.score_json(text, self.now) {
            Ok(r) => {
                if let Some(first) = r.events.problems.first() {
                    self.note(format_args!(
                        "warning: {}: {} event(s) set aside as invalid, first: {first}",
                        Place(self.path, at),
                        r.events.skipped.get(SkipReason::Invalid)
                    ));
                }
                if self.debug {
                    self.log_set_aside(at, text);
                }
                match self.format {
                    Format::Ndjson => {
                        serde_json::to_writer(&mut self.out, &r)?;
                        self.out.write_all(b"\n")?;
                    }
                    Format::Table => write_row(&mut self.out, &r)?,
                }
                if self.flush_each {
                    self.out.flush()?;
                }
            }
            Err(e) if e.problem.code == "invalidJson" => {
                // As serde_json words it, as this command always has.
                let why =
                    serde_json::from_str::<IgnoredAny>(text).err().map_or_else(|| e.to_string(), |e| e.to_string());
                self.failed(at, format_args!("not JSON: {why}"));
            }
            Err(e) => self.failed(at, format_args!("{e}")),
        }
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} leads", self.leads));
        }
        Ok(())
    }

    /// One line on stderr for each event of a lead (scored already) that the rule
    /// set does not count.
    fn log_set_aside(&self, at: At, text: &str) {
        for s in self.engine.set_aside_json(text, self.now).unwrap_or_default() {
            let which = match (s.index, &s.event_type) {
                (Some(i), Some(t)) => format!("events[{i}] ({})", serde_json::Value::from(t.as_str())),
                (Some(i), None) => format!("events[{i}]"),
                (None, _) => "events".to_string(),
            };
            let reason = s.reason.as_str();
            self.note(format_args!("set aside: {}: {which}: {} ({reason})", Place(self.path, at), s.message));
        }
    }

    /// A lead that could not be scored.
    fn failed(&mut self, at: At, why: fmt::Arguments<'_>) {
        self.failed += 1;
        self.note(format_args!("error: {}: {why}", Place(self.path, at)));
    }

    /// A line that is not UTF-8 text: counted as a lead that failed.
    fn not_text(&mut self, at: At) {
        self.leads += 1;
        self.failed(at, format_args!("not JSON: the line is not UTF-8 text"));
    }

    /// Scores every lead `input` holds: a JSON array (its first character is `[`)
    /// or NDJSON.
    fn read<R: BufRead>(&mut self, mut input: R) -> Result<(), Stop> {
        let (first, newlines) = skip_whitespace(&mut input).map_err(Stop::Read)?;
        match first {
            None => Ok(()),
            Some(b'[') => self.array(input),
            Some(_) => self.ndjson(input, newlines),
        }
    }

    /// NDJSON, line by line; `skipped` lines were blank before the first lead.
    fn ndjson<R: BufRead>(&mut self, mut input: R, skipped: usize) -> Result<(), Stop> {
        let mut line = Vec::new();
        let mut number = skipped;
        loop {
            line.clear();
            if line.capacity() > KEEP_LINE_BUFFER {
                line.shrink_to(KEEP_LINE_BUFFER);
            }
            if input.read_until(b'\n', &mut line).map_err(Stop::Read)? == 0 {
                return Ok(());
            }
            number += 1;
            let at = At::Line(number);
            // The line's end as `BufRead::lines` takes it off: "\n" or "\r\n".
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            match std::str::from_utf8(text) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => self.lead(at, text).map_err(Stop::Write)?,
                Err(_) => self.not_text(at),
            }
        }
    }

    /// A JSON array, element by element: each is read as text (no value tree) and
    /// scored before the next is read.
    fn array<R: BufRead>(&mut self, input: R) -> Result<(), Stop> {
        let mut de = serde_json::Deserializer::from_reader(input);
        let mut write_error = None;
        let read = de::Deserializer::deserialize_seq(&mut de, Elements { scorer: self, write_error: &mut write_error })
            .and_then(|()| de.end());
        match (read, write_error) {
            (_, Some(e)) => Err(Stop::Write(e)),
            (Err(e), None) if e.is_io() => Err(Stop::Read(e.into())),
            (Err(e), None) => Err(Stop::NotArray(e)),
            (Ok(()), None) => Ok(()),
        }
    }
}

/// Reads the elements of a JSON array of leads, scoring each as it is read.
struct Elements<'s, 'a, W: Write> {
    scorer: &'s mut Scorer<'a, W>,
    write_error: &'s mut Option<io::Error>,
}

impl<'de, W: Write> Visitor<'de> for Elements<'_, '_, W> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of leads")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(lead) = seq.next_element::<Box<RawValue>>()? {
            if let Err(e) = self.scorer.lead(At::Index(i), lead.get()) {
                *self.write_error = Some(e);
                return Err(de::Error::custom("the results could not be written"));
            }
            i += 1;
        }
        Ok(())
    }
}

/// Consumes the whitespace before the first value: gives its first byte (none for
/// an input that is all whitespace) and how many lines that whitespace took.
fn skip_whitespace(input: &mut impl BufRead) -> io::Result<(Option<u8>, usize)> {
    let mut newlines = 0;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok((None, newlines));
        }
        let n = buf.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
        newlines += buf.iter().take(n).filter(|&&b| b == b'\n').count();
        let first = buf.get(n).copied();
        input.consume(n);
        if first.is_some() {
            return Ok((first, newlines));
        }
    }
}

/// A progress bar on stderr for a file of `len` bytes.
fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {bytes}/{total_bytes} {msg} (eta {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn score(rules: &str, leads: &str, now: Option<&str>, format: Format, debug: bool) -> ExitCode {
    let engine = match load_engine(rules) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let now = match parse_now(now) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let file = if leads == "-" {
        None
    } else {
        match File::open(leads) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("error: cannot read {leads}: {e}");
                return ExitCode::from(2);
            }
        }
    };
    // A bar only where someone watches it and it cannot be mixed with the results.
    let bar = match &file {
        Some(f) if io::stderr().is_terminal() && !io::stdout().is_terminal() => {
            f.metadata().ok().filter(std::fs::Metadata::is_file).map(|m| progress_bar(m.len()))
        }
        _ => None,
    };
    let mut scorer = Scorer {
        engine: &engine,
        now,
        format,
        debug,
        out: io::BufWriter::with_capacity(READ_BUFFER, io::stdout().lock()),
        flush_each: file.is_none(),
        path: leads,
        leads: 0,
        failed: 0,
        bar: bar.clone(),
    };
    let mut read = Ok(());
    if let Format::Table = format {
        read = write_table_head(&mut scorer.out, &engine, now).map_err(Stop::Write);
    }
    if read.is_ok() {
        read = match (file, &bar) {
            (None, _) => scorer.read(io::stdin().lock()),
            (Some(f), Some(bar)) => scorer.read(BufReader::with_capacity(READ_BUFFER, bar.wrap_read(f))),
            (Some(f), None) => scorer.read(BufReader::with_capacity(READ_BUFFER, f)),
        };
    }
    let read = read.and_then(|()| scorer.out.flush().map_err(Stop::Write));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let stopped = match read {
        Ok(()) => false,
        // The reader of the results went away (`| head`): nothing more to do.
        Err(Stop::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => false,
        Err(Stop::Write(e)) => {
            eprintln!("error: cannot write the results: {e}");
            true
        }
        Err(Stop::Read(e)) => {
            eprintln!("error: cannot read {leads}: {e}");
            true
        }
        Err(Stop::NotArray(e)) => {
            eprintln!("error: {leads} is not a JSON array of leads: {e}; stopped after {} lead(s)", scorer.leads);
            true
        }
    };
    if scorer.failed > 0 {
        eprintln!("{} of {} lead(s) could not be scored", scorer.failed, scorer.leads);
    }
    if stopped {
        ExitCode::from(2)
    } else if scorer.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn write_table_head(out: &mut impl Write, engine: &Engine, now: i64) -> io::Result<()> {
    writeln!(out, "rule set {} scored at {now} ms", engine.key())?;
    writeln!(
        out,
        "{:<18} {:>7} {:>6} {:>6}  {:<5} {:<3} {:<12} why",
        "lead", "total", "fit", "eng", "stage", "grd", "band"
    )
}

/// One lead's row of the table: its columns are of fixed width, so rows are written
/// as the leads are scored.
fn write_row(out: &mut impl Write, r: &ScoreResult) -> io::Result<()> {
    let mut why: Vec<String> = r.contributions.iter().map(|c| format!("{} {:+}", c.id, c.points.as_f64())).collect();
    for d in &r.disqualifications {
        why.insert(0, format!("DISQUALIFIED by {}", d.id));
    }
    writeln!(
        out,
        // The band's column holds "disqualified", the band of every disqualified lead.
        "{:<18} {:>7} {:>6} {:>6}  {:<5} {:<3} {:<12} {}",
        r.lead_id.as_deref().unwrap_or("-"),
        r.total.to_string(),
        r.fit.to_string(),
        r.engagement.to_string(),
        r.stage.as_str().to_uppercase(),
        r.matrix,
        r.band,
        why.join(", ")
    )
}
