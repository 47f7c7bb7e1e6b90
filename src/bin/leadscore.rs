//! `leadscore`: score leads from the command line with a rule set.
//!
//!     leadscore score --rules examples/b2b-saas/ruleset.json --leads examples/b2b-saas/leads.json --now 2026-11-20T12:00:00Z
//!     leadscore check --rules my-rules.json
//!
//! Leads are a JSON array or NDJSON (one lead per line); results are NDJSON on
//! stdout, or a table with `--format table`. Problems go to stderr.

use clap::{Parser, Subcommand, ValueEnum};
use leadscore::limits::MAX_INSTANT_MS;
use leadscore::{Engine, ScoreResult};
use serde_json::Value;
use std::io::{self, BufRead, Read, Write};
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
    },
    /// Check a rule set and list every problem in it.
    Check {
        #[arg(long)]
        rules: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Ndjson,
    Table,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { rules } => match load_engine(&rules) {
            Ok(engine) => {
                println!("{}: rule set {} is valid", rules, engine.key());
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Score { rules, leads, now, format } => score(&rules, &leads, now.as_deref(), format),
    }
}

fn load_engine(path: &str) -> Result<Engine, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read the rule set {path}: {e}");
        ExitCode::from(2)
    })?;
    Engine::from_json(&text).map_err(|e| {
        eprintln!("error: {path}: {e}");
        ExitCode::from(2)
    })
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

/// A lead as read, or why it could not be read, with where it came from.
type SourcedLead = (String, Result<Value, String>);

fn read_leads(path: &str) -> Result<Vec<SourcedLead>, String> {
    let mut text = String::new();
    if path == "-" {
        io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read standard input: {e}"))?;
    } else {
        text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    }
    if text.trim_start().starts_with('[') {
        let all: Value =
            serde_json::from_str(&text).map_err(|e| format!("{path} is not a JSON array of leads: {e}"))?;
        let items = all.as_array().cloned().unwrap_or_default();
        return Ok(items.into_iter().enumerate().map(|(i, v)| (format!("{path}[{i}]"), Ok(v))).collect());
    }
    Ok(io::Cursor::new(text)
        .lines()
        .enumerate()
        .filter(|(_, l)| l.as_ref().map_or(true, |l| !l.trim().is_empty()))
        .map(|(i, l)| {
            let at = format!("{path}:{}", i + 1);
            let v = l
                .map_err(|e| e.to_string())
                .and_then(|l| serde_json::from_str(&l).map_err(|e| format!("not JSON: {e}")));
            (at, v)
        })
        .collect())
}

fn score(rules: &str, leads: &str, now: Option<&str>, format: Format) -> ExitCode {
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
    let leads = match read_leads(leads) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut failed = 0usize;
    let mut results = Vec::new();
    for (at, lead) in &leads {
        let result =
            lead.as_ref().map_err(String::clone).and_then(|v| engine.score_value(v, now).map_err(|e| e.to_string()));
        match result {
            Ok(r) => {
                if let Some(first) = r.events.problems.first() {
                    eprintln!(
                        "warning: {at}: {} event(s) set aside as invalid, first: {first}",
                        r.events.skipped.get(leadscore::SkipReason::Invalid)
                    );
                }
                match format {
                    Format::Ndjson => {
                        let _ = writeln!(out, "{}", r.to_json());
                    }
                    Format::Table => results.push(r),
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {at}: {e}");
            }
        }
    }
    if let Format::Table = format {
        let _ = write_table(&mut out, &engine, now, &results);
    }
    let _ = out.flush();
    if failed > 0 {
        eprintln!("{failed} of {} lead(s) could not be scored", leads.len());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn write_table(out: &mut impl Write, engine: &Engine, now: i64, results: &[ScoreResult]) -> io::Result<()> {
    writeln!(out, "rule set {} scored at {now} ms", engine.key())?;
    writeln!(
        out,
        "{:<18} {:>7} {:>6} {:>6}  {:<5} {:<3} {:<5} why",
        "lead", "total", "fit", "eng", "stage", "grd", "band"
    )?;
    for r in results {
        let mut why: Vec<String> =
            r.contributions.iter().map(|c| format!("{} {:+}", c.id, c.points.as_f64())).collect();
        for d in &r.disqualifications {
            why.insert(0, format!("DISQUALIFIED by {}", d.id));
        }
        writeln!(
            out,
            "{:<18} {:>7} {:>6} {:>6}  {:<5} {:<3} {:<5} {}",
            r.lead_id.as_deref().unwrap_or("-"),
            r.total.to_string(),
            r.fit.to_string(),
            r.engagement.to_string(),
            r.stage.as_str().to_uppercase(),
            r.matrix,
            r.band,
            why.join(", ")
        )?;
    }
    Ok(())
}
