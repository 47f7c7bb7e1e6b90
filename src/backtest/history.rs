//! Histories: leads with known outcomes, read from CSV or NDJSON through a column
//! mapping (docs/BACKTEST.md, "Histories"). Reading is two steps, so that the
//! command line can do the second on every core: the text is cut into raw rows in
//! order ([`RawRows`]), and a [`Plan`] made from the mapping (and the CSV header)
//! turns each raw row into a lead on its own. A row that cannot be read is a
//! [`RowProblem`], never the end of the read.

use crate::error::InputError;
use crate::explain::EventTally;
use crate::lead::{prepared, Lead};
use crate::lead_set::LeadSet;
use crate::limits::MAX_EVENTS_PER_CALL;
use crate::wire::LeadFields;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::limits::MAX_COUNT_EVENTS as MAX_COUNT;
pub use crate::limits::MAX_ROW_PROBLEMS;

/// The outcome values that mean converted when the mapping names none.
const CONVERTED: [&str; 6] = ["1", "true", "yes", "y", "converted", "won"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Ndjson,
}

impl Format {
    /// NDJSON when the text starts with `{` (after blanks and a byte-order mark), else CSV.
    pub fn guess(text: &[u8]) -> Format {
        let start = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
        match start.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Ndjson,
            _ => Format::Csv,
        }
    }
}

/// What the columns of a history are (docs/BACKTEST.md, "Mapping").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mapping {
    pub format: Option<Format>,
    pub outcome: Option<String>,
    pub converted: Option<Vec<Value>>,
    pub id: Option<String>,
    pub profile: Option<Vec<String>>,
    #[serde(default)]
    pub numbers: Vec<String>,
    #[serde(default)]
    pub counts: Vec<String>,
    pub events: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub missing: Vec<String>,
    pub now: Option<Value>,
}

impl Mapping {
    /// A mapping from its JSON form; an unknown key or a value of the wrong type is
    /// an error at `mapping.…`.
    pub fn from_value(v: &Value) -> Result<Mapping, InputError> {
        if v.is_null() {
            return Ok(Mapping::default());
        }
        serde_json::from_value::<Mapping>(v.clone())
            .map_err(|e| InputError::new("mapping", "invalidMapping", format!("the history mapping: {e}")))
    }

    /// The outcome column or key.
    pub fn outcome(&self) -> &str {
        self.outcome.as_deref().unwrap_or("converted")
    }

    /// `now` as milliseconds, when given.
    pub fn now(&self) -> Result<Option<i64>, InputError> {
        let bad = |m: String| InputError::new("mapping.now", "invalidTimestamp", m);
        match &self.now {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => crate::time::parse_rfc3339(s).map(Some).map_err(bad),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(ms) if ms.abs() <= crate::limits::MAX_INSTANT_MS => Ok(Some(ms)),
                _ => Err(bad(format!("now is {n}: give whole milliseconds since the epoch"))),
            },
            Some(other) => Err(bad(format!("now must be a number or RFC 3339 text, not {other}"))),
        }
    }

    fn converted_values(&self) -> Vec<String> {
        match &self.converted {
            Some(values) => values.iter().map(|v| cell_text(v).to_lowercase()).collect(),
            None => CONVERTED.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// A value as the text of a cell: a JSON text without its quotes.
fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A row that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowProblem {
    /// The 1-based line of the text where the row starts.
    pub line: u64,
    /// The column (CSV) or JSON path (NDJSON) at fault; "" for the whole row.
    pub column: String,
    pub code: &'static str,
    pub message: String,
}

impl RowProblem {
    fn new(line: u64, column: impl Into<String>, code: &'static str, message: impl Into<String>) -> RowProblem {
        RowProblem { line, column: column.into(), code, message: message.into() }
    }
}

/// One row as cut from the text, not yet read.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub line: u64,
    pub data: RawData,
}

#[derive(Debug, Clone)]
pub enum RawData {
    Csv(csv::StringRecord),
    Ndjson(String),
    /// A row the cutting could not take (bytes that are not UTF-8, a CSV error).
    Broken(String),
}

/// A row read: the lead as scoring takes it, and its outcome.
#[derive(Debug)]
pub struct Row {
    pub lead: Lead,
    pub set_aside: EventTally,
    pub converted: bool,
    /// The latest event time of the lead, if it has events.
    pub latest: Option<i64>,
}

/// What each CSV column is.
#[derive(Debug, Clone)]
enum Role {
    Skip,
    Id,
    Outcome,
    Text(Vec<String>),
    Number(Vec<String>),
    Count(String),
    Events,
}

/// How raw rows become leads: the mapping, resolved against the header for CSV.
#[derive(Debug, Clone)]
pub struct Plan {
    format: Format,
    roles: Vec<(String, Role)>,
    outcome: String,
    converted: Vec<String>,
    missing: Vec<String>,
    exclude: Vec<Vec<String>>,
    /// Where count events are placed.
    count_at: i64,
    /// What of a lead is kept: all of it, unless [`Plan::read_only_for`].
    fields: LeadFields,
}

/// A column name as a field path: its names split at the dots.
fn path_of(name: &str) -> Vec<String> {
    name.split('.').map(str::to_string).collect()
}

impl Plan {
    /// The plan for NDJSON, or for CSV with its `header`; a column that the mapping
    /// names and the header lacks is an error.
    pub fn new(mapping: &Mapping, format: Format, header: Option<&csv::StringRecord>) -> Result<Plan, InputError> {
        let mut plan = Plan {
            format,
            roles: Vec::new(),
            outcome: mapping.outcome().to_string(),
            converted: mapping.converted_values(),
            missing: mapping.missing.iter().map(|m| m.trim().to_lowercase()).collect(),
            exclude: mapping.exclude.iter().map(|e| path_of(e)).collect(),
            count_at: mapping.now()?.unwrap_or(0),
            fields: LeadFields::ALL,
        };
        let Some(header) = header else { return Ok(plan) };
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.to_string())
            .collect();
        let find = |key: &str, i: usize, name: &str| -> Result<usize, InputError> {
            names.iter().position(|n| n == name).ok_or_else(|| {
                InputError::new(
                    if key.is_empty() { "mapping.outcome".to_string() } else { format!("mapping.{key}[{i}]") },
                    "unknownColumn",
                    format!("the history has no column \"{name}\"; its columns are {}", names.join(", ")),
                )
            })
        };
        let mut roles: Vec<Option<Role>> = vec![None; names.len()];
        let mut assign = |at: usize, role: Role| {
            if let Some(slot) = roles.get_mut(at) {
                *slot = Some(role);
            }
        };
        for (i, name) in mapping.exclude.iter().enumerate() {
            if let Ok(at) = find("exclude", i, name) {
                assign(at, Role::Skip);
            }
        }
        for (i, name) in mapping.numbers.iter().enumerate() {
            assign(find("numbers", i, name)?, Role::Number(path_of(name)));
        }
        for (i, name) in mapping.counts.iter().enumerate() {
            assign(find("counts", i, name)?, Role::Count(name.clone()));
        }
        if let Some(name) = &mapping.events {
            assign(find("events", 0, name).map_err(|e| renamed(e, "mapping.events"))?, Role::Events);
        }
        if let Some(name) = &mapping.id {
            assign(find("id", 0, name).map_err(|e| renamed(e, "mapping.id"))?, Role::Id);
        }
        if let Some(list) = &mapping.profile {
            for (i, name) in list.iter().enumerate() {
                assign(find("profile", i, name)?, Role::Text(path_of(name)));
            }
        }
        assign(find("", 0, &plan.outcome)?, Role::Outcome);
        let rest_is_profile = mapping.profile.is_none();
        plan.roles = names
            .into_iter()
            .zip(roles)
            .map(|(name, role)| {
                let role =
                    role.unwrap_or_else(|| if rest_is_profile { Role::Text(path_of(&name)) } else { Role::Skip });
                (name, role)
            })
            .collect();
        Ok(plan)
    }

    pub fn format(&self) -> Format {
        self.format
    }

    fn is_missing(&self, cell: &str) -> bool {
        let cell = cell.trim();
        cell.is_empty() || (!self.missing.is_empty() && self.missing.iter().any(|m| *m == cell.to_lowercase()))
    }

    /// Reads one raw row into a lead and its outcome.
    pub fn row(&self, raw: &RawRow) -> Result<Row, RowProblem> {
        match &raw.data {
            RawData::Csv(record) => self.csv_row(raw.line, record),
            RawData::Ndjson(text) => self.ndjson_row(raw.line, text),
            RawData::Broken(message) => Err(RowProblem::new(raw.line, "", "unreadableRow", message.clone())),
        }
    }

    fn outcome_of(&self, line: u64, column: &str, v: Option<&Value>) -> Result<bool, RowProblem> {
        let text = match v {
            None | Some(Value::Null) => None,
            Some(v) => Some(cell_text(v)),
        };
        match text {
            Some(t) if !self.is_missing(&t) => Ok(self.converted.iter().any(|c| *c == t.trim().to_lowercase())),
            _ => Err(RowProblem::new(line, column, "missingOutcome", "the row has no outcome")),
        }
    }

    fn csv_row(&self, line: u64, record: &csv::StringRecord) -> Result<Row, RowProblem> {
        if record.len() != self.roles.len() {
            return Err(RowProblem::new(
                line,
                "",
                "wrongCellCount",
                format!("the row has {} cells; the header has {}", record.len(), self.roles.len()),
            ));
        }
        let mut profile = Map::new();
        let mut events: Vec<Value> = Vec::new();
        let mut id = None;
        let mut converted = None;
        for ((name, role), cell) in self.roles.iter().zip(record.iter()) {
            let problem = |code, message: String| RowProblem::new(line, name.as_str(), code, message);
            match role {
                Role::Skip => {}
                Role::Outcome => {
                    converted = Some(self.outcome_of(line, name, Some(&Value::String(cell.to_string())))?);
                }
                _ if self.is_missing(cell) => {}
                Role::Id => id = Some(Value::String(cell.to_string())),
                Role::Text(path) => insert(&mut profile, path, Value::String(cell.to_string())),
                Role::Number(path) => {
                    let n = number_of(cell.trim())
                        .ok_or_else(|| problem("notANumber", format!("\"{}\" is not a number", short(cell))))?;
                    insert(&mut profile, path, Value::Number(n));
                }
                Role::Count(kind) => {
                    let n = count_of(cell.trim()).ok_or_else(|| {
                        problem("notACount", format!("\"{}\" is not a whole number from 0", short(cell)))
                    })?;
                    let event = serde_json::json!({"type": kind, "ts": self.count_at});
                    events.extend(std::iter::repeat_n(event, n.min(MAX_COUNT) as usize));
                }
                Role::Events => match serde_json::from_str::<Value>(cell) {
                    Ok(Value::Array(list)) => events.extend(list),
                    Ok(_) => return Err(problem("notEvents", "the cell is not a JSON list of events".into())),
                    Err(e) => return Err(problem("notEvents", format!("the cell is not a JSON list of events: {e}"))),
                },
            }
        }
        let converted =
            converted.ok_or_else(|| RowProblem::new(line, self.outcome.as_str(), "missingOutcome", "no outcome"))?;
        let mut lead = Map::new();
        if let Some(id) = id {
            lead.insert("id".into(), id);
        }
        lead.insert("profile".into(), Value::Object(profile));
        lead.insert("events".into(), Value::Array(events));
        finish(line, &Value::Object(lead), converted, |path| path.to_string())
    }

    fn ndjson_row(&self, line: u64, text: &str) -> Result<Row, RowProblem> {
        if self.exclude.is_empty() && self.missing.is_empty() {
            return self.ndjson_row_as_is(line, text);
        }
        let mut v: Value = serde_json::from_str(text)
            .map_err(|e| RowProblem::new(line, "", "invalidJson", format!("the line is not JSON: {e}")))?;
        let Some(object) = v.as_object_mut() else {
            return Err(RowProblem::new(line, "", "wrongType", "the line is not a JSON object (a lead)"));
        };
        let outcome = object.remove(&self.outcome);
        let converted = self.outcome_of(line, &self.outcome, outcome.as_ref())?;
        if let Some(Value::Object(profile)) = object.get_mut("profile") {
            for path in &self.exclude {
                remove(profile, path);
            }
            if !self.missing.is_empty() {
                drop_missing(profile, &self.missing);
            }
        }
        finish(line, &v, converted, |path| path.to_string())
    }
}

impl Plan {
    /// An NDJSON lead taken as it is, read in one pass by the engine's reader
    /// straight from its text, the outcome taken on the way: no `Value` tree.
    fn ndjson_row_as_is(&self, line: u64, text: &str) -> Result<Row, RowProblem> {
        let mut de = serde_json::Deserializer::from_str(text);
        let mut raw = crate::wire::read_lead_with(&mut de, MAX_EVENTS_PER_CALL, &self.fields, &self.outcome)
            .and_then(|raw| de.end().map(|()| raw))
            .map_err(|e| {
                let p = crate::wire::json_text_error(&e, "", "the line").problem;
                RowProblem::new(line, p.path, "invalidJson", p.message)
            })?;
        let outcome = match &mut raw {
            Ok(parts) => parts.extra.take(),
            Err(_) => return Err(RowProblem::new(line, "", "wrongType", "the line is not a JSON object (a lead)")),
        };
        let converted = self.outcome_of(line, &self.outcome, outcome.as_ref())?;
        let (lead, set_aside) =
            prepared(raw).map_err(|e| RowProblem::new(line, e.problem.path, e.problem.code, e.problem.message))?;
        let latest = lead.events.iter().map(|e| e.ts).max();
        Ok(Row { lead, set_aside, converted, latest })
    }

    /// Keeps of each lead only what `engine` reads (as scoring one lead does): for
    /// a backtest of that one rule set, reading takes less.
    pub fn read_only_for(&mut self, engine: &crate::Engine) {
        self.fields = engine.lead_fields().clone();
    }
}

fn renamed(mut e: InputError, path: &str) -> InputError {
    e.problem.path = path.to_string();
    e
}

/// A cell's text cut for a message.
fn short(cell: &str) -> String {
    let mut end = cell.len().min(40);
    while !cell.is_char_boundary(end) {
        end -= 1;
    }
    let cut = cell.get(..end).unwrap_or("");
    if end < cell.len() {
        format!("{cut}…")
    } else {
        cut.to_string()
    }
}

/// A cell as a JSON number: an integer when it is one, else a finite float.
fn number_of(cell: &str) -> Option<Number> {
    if let Ok(i) = cell.parse::<i64>() {
        return Some(Number::from(i));
    }
    cell.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(Number::from_f64)
}

/// A count cell: a whole number from 0 (`3` or `3.0`).
fn count_of(cell: &str) -> Option<u64> {
    if let Ok(n) = cell.parse::<u64>() {
        return Some(n);
    }
    let f = cell.parse::<f64>().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f <= u64::MAX as f64).then_some(f as u64)
}

/// Sets `value` at `path` in `map`, making objects on the way.
fn insert(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let slot = map.entry(first.clone()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert(inner, rest, value);
            }
        }
    }
}

fn remove(map: &mut Map<String, Value>, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            map.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(Value::Object(inner)) = map.get_mut(first) {
                remove(inner, rest);
            }
        }
    }
}

/// Takes out text values that mean "no value".
fn drop_missing(map: &mut Map<String, Value>, missing: &[String]) {
    map.retain(|_, v| match v {
        Value::String(s) => {
            let s = s.trim();
            !s.is_empty() && !missing.iter().any(|m| *m == s.to_lowercase())
        }
        _ => true,
    });
    for v in map.values_mut() {
        if let Value::Object(inner) = v {
            drop_missing(inner, missing);
        }
    }
}

/// The lead as scoring takes it, read by the engine's own reader; its problem
/// names the path within the lead.
fn finish(line: u64, lead: &Value, converted: bool, column: impl Fn(&str) -> String) -> Result<Row, RowProblem> {
    let raw = crate::wire::read_lead(lead, MAX_EVENTS_PER_CALL, &LeadFields::ALL)
        .map_err(|e| RowProblem::new(line, "", "invalidLead", e.to_string()))?;
    let (lead, set_aside) = prepared(raw).map_err(|e| {
        let p = e.problem;
        RowProblem::new(line, column(&p.path), p.code, p.message)
    })?;
    let latest = lead.events.iter().map(|e| e.ts).max();
    Ok(Row { lead, set_aside, converted, latest })
}

/// Cuts text into raw rows, in order: CSV records (RFC 4180, a record may span
/// lines) or NDJSON lines (blank ones skipped). The first CSV record is the
/// header, which [`RawRows::header`] gives once it is read.
pub struct RawRows<R: std::io::Read> {
    inner: Cutter<R>,
    header: Option<csv::StringRecord>,
    /// Lines before this reader's text (a text read in parts).
    line_offset: u64,
}

enum Cutter<R: std::io::Read> {
    Csv(csv::Reader<R>),
    Ndjson { lines: std::io::BufReader<R>, line: u64, buffer: Vec<u8> },
}

impl<R: std::io::Read> RawRows<R> {
    /// Rows of `reader`. For CSV with `header` given (a later part of a text read in
    /// parts), every record is a row; without it the first is the header.
    pub fn new(reader: R, format: Format, header: Option<csv::StringRecord>, line_offset: u64) -> RawRows<R> {
        let inner = match format {
            Format::Csv => Cutter::Csv(
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .buffer_capacity(1 << 16)
                    .from_reader(reader),
            ),
            Format::Ndjson => Cutter::Ndjson {
                lines: std::io::BufReader::with_capacity(1 << 16, reader),
                line: 0,
                buffer: Vec::new(),
            },
        };
        RawRows { inner, header, line_offset }
    }

    /// The CSV header, once read (by the first call of `next`).
    pub fn header(&mut self) -> Option<&csv::StringRecord> {
        if self.header.is_none() {
            if let Cutter::Csv(reader) = &mut self.inner {
                let mut record = csv::StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(true) => self.header = Some(record),
                    Ok(false) | Err(_) => return None,
                }
            }
        }
        self.header.as_ref()
    }

    /// The header, given back for the next part of the text.
    pub fn into_header(self) -> Option<csv::StringRecord> {
        self.header
    }
}

impl<R: std::io::Read> Iterator for RawRows<R> {
    type Item = RawRow;

    fn next(&mut self) -> Option<RawRow> {
        if matches!(self.inner, Cutter::Csv(_)) {
            self.header()?;
        }
        let offset = self.line_offset;
        match &mut self.inner {
            Cutter::Csv(reader) => {
                let mut record = csv::StringRecord::new();
                match reader.read_record(&mut record) {
                    Ok(true) => {
                        let line = record.position().map_or(0, |p| p.line()) + offset;
                        Some(RawRow { line, data: RawData::Csv(record) })
                    }
                    Ok(false) => None,
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.line()) + offset;
                        let stop = matches!(e.kind(), csv::ErrorKind::Io(_));
                        (!stop).then(|| RawRow { line, data: RawData::Broken(format!("the row is not CSV: {e}")) })
                    }
                }
            }
            Cutter::Ndjson { lines, line, buffer } => loop {
                buffer.clear();
                match std::io::BufRead::read_until(lines, b'\n', buffer) {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
                *line += 1;
                let at = *line + offset;
                let text = buffer.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buffer);
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(match std::str::from_utf8(text) {
                    Ok(s) => RawRow { line: at, data: RawData::Ndjson(s.to_string()) },
                    Err(_) => RawRow { line: at, data: RawData::Broken("the line is not UTF-8 text".into()) },
                });
            },
        }
    }
}

/// Leads with outcomes, held to be backtested and learnt from: a [`LeadSet`] and
/// what it does not keep.
#[derive(Debug, Default)]
pub struct History {
    pub(crate) leads: LeadSet,
    pub(crate) outcomes: Vec<bool>,
    converted: usize,
    skipped: usize,
    problems: Vec<RowProblem>,
    latest: Option<i64>,
    given_now: Option<i64>,
}

impl History {
    /// An empty history seen at `now` (the mapping's), if given.
    pub fn new(now: Option<i64>) -> History {
        History { given_now: now, ..History::default() }
    }

    /// Adds a row read, or counts the problem; refuses a row past the limits of a
    /// [`LeadSet`] (the history is then as it was).
    pub fn add(&mut self, row: Result<Row, RowProblem>) -> Result<(), InputError> {
        match row {
            Ok(row) => {
                self.leads.add_prepared(row.lead, row.set_aside).map_err(|e| e.in_list(self.outcomes.len()))?;
                self.outcomes.push(row.converted);
                self.converted += usize::from(row.converted);
                self.latest = self.latest.max(row.latest);
            }
            Err(problem) => self.skip(problem),
        }
        Ok(())
    }

    pub fn skip(&mut self, problem: RowProblem) {
        self.skipped += 1;
        if self.problems.len() < MAX_ROW_PROBLEMS {
            self.problems.push(problem);
        }
    }

    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    pub fn converted(&self) -> usize {
        self.converted
    }

    pub fn events(&self) -> usize {
        self.leads.events()
    }

    pub fn skipped(&self) -> usize {
        self.skipped
    }

    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// When the history is seen: the mapping's `now`, else the latest event time, else 0.
    pub fn now(&self) -> i64 {
        self.given_now.or(self.latest).unwrap_or(0)
    }

    /// The profile fields and event types the leads have, with counts.
    pub fn fields(&self) -> HistoryFields {
        let mut profile: std::collections::BTreeMap<String, (u64, bool, std::collections::BTreeSet<String>)> =
            std::collections::BTreeMap::new();
        let mut events: std::collections::BTreeMap<&str, (u64, u64)> = std::collections::BTreeMap::new();
        for (lead, _) in self.leads() {
            let mut flat = Vec::new();
            flat_fields(&lead.profile, "", &mut flat);
            for (path, v) in flat {
                let entry = profile.entry(path).or_insert_with(|| (0, true, Default::default()));
                entry.0 += 1;
                entry.1 &= v.is_number();
                // Counting values up to a point is enough to tell a category from an id.
                if entry.2.len() <= MAX_COUNTED_VALUES {
                    entry.2.insert(v.to_string());
                }
            }
            let mut seen: Vec<&str> = Vec::new();
            for e in &lead.events {
                let entry = events.entry(e.kind.as_str()).or_insert((0, 0));
                entry.1 += 1;
                if !seen.contains(&e.kind.as_str()) {
                    seen.push(e.kind.as_str());
                    entry.0 += 1;
                }
            }
        }
        HistoryFields {
            profile: profile
                .into_iter()
                .map(|(field, (leads, numeric, values))| ProfileField {
                    field,
                    leads,
                    numeric,
                    values: values.len() as u64,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|(t, (leads, events))| EventField { kind: t.to_string(), leads, events })
                .collect(),
        }
    }

    /// The leads held, with their outcomes, in order.
    pub fn leads(&self) -> impl Iterator<Item = (&Lead, bool)> {
        self.leads.held().zip(self.outcomes.iter().copied())
    }
}

/// Past this many distinct values a field's count stops (`values` is then one more).
const MAX_COUNTED_VALUES: usize = 1000;

/// The profile fields and event types of a history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryFields {
    pub profile: Vec<ProfileField>,
    pub events: Vec<EventField>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileField {
    pub field: String,
    pub leads: u64,
    pub numeric: bool,
    pub values: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventField {
    #[serde(rename = "type")]
    pub kind: String,
    pub leads: u64,
    pub events: u64,
}

/// A profile's scalar values by dotted path.
fn flat_fields<'v>(map: &'v Map<String, Value>, prefix: &str, out: &mut Vec<(String, &'v Value)>) {
    for (k, v) in map {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) => flat_fields(inner, &path, out),
            Value::Null => {}
            _ => out.push((path, v)),
        }
    }
}

/// Reads a history from text given in parts cut at row boundaries (the package
/// sends a long text so, to report progress), or whole.
pub struct HistoryReader {
    mapping: Mapping,
    plan: Option<Plan>,
    header: Option<csv::StringRecord>,
    lines: u64,
    history: History,
}

impl HistoryReader {
    pub fn new(mapping: Mapping) -> Result<HistoryReader, InputError> {
        let now = mapping.now()?;
        Ok(HistoryReader { mapping, plan: None, header: None, lines: 0, history: History::new(now) })
    }

    /// Reads the rows of the next part of the text. A part must end at a row's end
    /// (after a newline outside quotes, or at the end of the text).
    pub fn feed(&mut self, text: &[u8]) -> Result<(), InputError> {
        let format = match &self.plan {
            Some(plan) => plan.format(),
            None => self.mapping.format.unwrap_or_else(|| Format::guess(text)),
        };
        let mut rows = RawRows::new(text, format, self.header.take(), self.lines);
        if self.plan.is_none() {
            let header = match format {
                Format::Csv => match rows.header() {
                    Some(h) => Some(h.clone()),
                    None => return Ok(()),
                },
                Format::Ndjson => None,
            };
            self.plan = Some(Plan::new(&self.mapping, format, header.as_ref())?);
            if format == Format::Csv {
                // The header takes its line(s) of this part.
            }
        }
        let plan = self.plan.as_ref().ok_or_else(|| InputError::new("", "internal", "no plan"))?;
        for raw in rows.by_ref() {
            self.history.add(plan.row(&raw))?;
        }
        self.header = rows.into_header();
        self.lines += text.iter().filter(|b| **b == b'\n').count() as u64;
        Ok(())
    }

    /// Rows read so far, skipped ones included.
    pub fn rows(&self) -> usize {
        self.history.len() + self.history.skipped()
    }

    pub fn finish(self) -> History {
        self.history
    }

    /// The history read so far.
    pub fn history(&self) -> &History {
        &self.history
    }
}

/// Reads a whole text as a history.
pub fn read_history(text: &[u8], mapping: Mapping) -> Result<History, InputError> {
    let mut reader = HistoryReader::new(mapping)?;
    reader.feed(text)?;
    Ok(reader.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_history(text: &str, mapping: Value) -> History {
        read_history(text.as_bytes(), Mapping::from_value(&mapping).unwrap()).unwrap()
    }

    #[test]
    fn csv_columns_become_profile_fields_numbers_and_count_events() {
        let text = "id,Title,company.size,visits,Converted,Notes\n\
                    a,CTO,120,3,Yes,x\n\
                    b,Select,,0,no,y\n";
        let h = csv_history(
            text,
            serde_json::json!({"id": "id", "outcome": "Converted", "numbers": ["company.size"],
                "counts": ["visits"], "exclude": ["Notes"], "missing": ["select"], "now": 1000}),
        );
        assert_eq!((h.len(), h.converted(), h.skipped(), h.now()), (2, 1, 0, 1000));
        let leads: Vec<_> = h.leads().collect();
        let (a, conv_a) = leads[0];
        assert!(conv_a);
        assert_eq!(a.id.as_deref(), Some("a"));
        assert_eq!(Value::Object(a.profile.clone()), serde_json::json!({"Title": "CTO", "company": {"size": 120}}));
        assert_eq!(a.events.len(), 3);
        assert!(a.events.iter().all(|e| e.kind == "visits" && e.ts == 1000));
        let (b, conv_b) = leads[1];
        assert!(!conv_b);
        assert!(b.profile.is_empty() && b.events.is_empty());
    }

    #[test]
    fn unreadable_rows_are_skipped_with_their_line_and_column() {
        let text = "n,converted\n1,1\nlots,0\n\"two\nlines\",1\n5\n6,\n7,0\n";
        let h = csv_history(text, serde_json::json!({"numbers": ["n"]}));
        assert_eq!((h.len(), h.skipped()), (2, 4));
        let p: Vec<_> = h.problems().iter().map(|p| (p.line, p.column.as_str(), p.code)).collect();
        assert_eq!(
            p,
            [
                (3, "n", "notANumber"),
                (4, "n", "notANumber"),
                (6, "", "wrongCellCount"),
                (7, "converted", "missingOutcome")
            ]
        );
    }

    #[test]
    fn a_named_column_the_header_lacks_is_an_error_at_its_mapping_path() {
        let m = Mapping::from_value(&serde_json::json!({"numbers": ["a", "nope"]})).unwrap();
        let e = read_history(b"a,converted\n1,1\n", m).unwrap_err();
        assert_eq!((e.problem.path.as_str(), e.problem.code), ("mapping.numbers[1]", "unknownColumn"));
        let e = Mapping::from_value(&serde_json::json!({"colums": []})).unwrap_err();
        assert_eq!(e.problem.code, "invalidMapping");
    }

    #[test]
    fn ndjson_leads_keep_their_shape_and_bad_lines_are_counted() {
        let text = "{\"id\": \"x\", \"profile\": {\"t\": \"a\", \"secret\": 1}, \"events\": [{\"type\": \"v\", \"ts\": 5}], \"converted\": true}\n\
                    \n\
                    not json\n\
                    {\"profile\": {}, \"converted\": 0}\n\
                    {\"profile\": 3, \"converted\": 0}\n";
        let h =
            read_history(text.as_bytes(), Mapping::from_value(&serde_json::json!({"exclude": ["secret"]})).unwrap())
                .unwrap();
        assert_eq!((h.len(), h.converted(), h.skipped(), h.now()), (2, 1, 2, 5));
        let (x, _) = h.leads().next().unwrap();
        assert_eq!(Value::Object(x.profile.clone()), serde_json::json!({"t": "a"}));
        let p: Vec<_> = h.problems().iter().map(|p| (p.line, p.column.as_str(), p.code)).collect();
        assert_eq!(p, [(3, "", "invalidJson"), (5, "profile", "wrongType")]);
    }

    #[test]
    fn ndjson_leads_read_in_one_pass_report_what_the_slow_path_reports() {
        let text = "{\"converted\": \"won\", \"id\": 7, \"events\": [{\"type\": \"v\", \"ts\": 9}, {\"ts\": 1}]}\n\
                    [1, 2]\n\
                    {\"profile\": {}, \"profil\": 1, \"converted\": false}\n\
                    {\"id\": \"late\"}\n";
        let h = read_history(text.as_bytes(), Mapping::from_value(&serde_json::json!({"converted": ["won"]})).unwrap())
            .unwrap();
        assert_eq!((h.len(), h.converted(), h.skipped(), h.now()), (1, 1, 3, 9));
        let (lead, _) = h.leads().next().unwrap();
        // The invalid event is set aside as scoring sets it aside, not the row.
        assert_eq!((lead.id.as_deref(), lead.events.len()), (Some("7"), 1));
        let p: Vec<_> = h.problems().iter().map(|p| (p.line, p.column.as_str(), p.code)).collect();
        assert_eq!(p, [(2, "", "wrongType"), (3, "profil", "unknownKey"), (4, "converted", "missingOutcome")]);
    }

    #[test]
    fn a_text_read_in_parts_reads_as_the_whole() {
        let text = "n,converted\n1,1\nx,0\n3,0\n4,1\n";
        let mapping = || Mapping::from_value(&serde_json::json!({"numbers": ["n"]})).unwrap();
        let whole = read_history(text.as_bytes(), mapping()).unwrap();
        let mut reader = HistoryReader::new(mapping()).unwrap();
        for part in ["n,converted\n1,1\n", "x,0\n3,0\n", "4,1\n"] {
            reader.feed(part.as_bytes()).unwrap();
        }
        let parts = reader.finish();
        assert_eq!(parts.len(), whole.len());
        assert_eq!(parts.problems(), whole.problems());
        assert_eq!(parts.problems()[0].line, 3);
        assert_eq!(parts.outcomes, whole.outcomes);
    }
}
