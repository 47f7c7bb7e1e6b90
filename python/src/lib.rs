//! `leadscore._native`: the engine for Python. A thin translation, as `src/wasm` is
//! for JavaScript: rule sets and leads go in as JSON text (or Arrow data), results
//! come out as the core serializes them. The Python package (`leadscore/`) adds the
//! argument handling, the exceptions and the DuckDB, Spark and frame helpers.

use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder, UInt8Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use leadscore::backtest::{HistorySource, LearnOptions, ReportOptions, RowProblem, ThresholdTarget};
use leadscore::limits::MAX_INSTANT_MS;
use leadscore::{InputError, Problem, Qualification, RuleSetError};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3_arrow::input::AnyArray;
use pyo3_arrow::{PyArray, PyTable};
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

pyo3::create_exception!(_native, RuleSetRefused, PyValueError, "A rule set refused: (message, problems).");
pyo3::create_exception!(_native, LeadRefused, PyValueError, "A lead refused: (message, path, code, detail).");

/// Every problem as (path, code, message), the order the compiler found them in.
fn problems(list: &[Problem]) -> Vec<(String, &'static str, String)> {
    list.iter().map(|p| (p.path.clone(), p.code, p.message.clone())).collect()
}

fn rule_set_refused(e: &RuleSetError) -> PyErr {
    RuleSetRefused::new_err((e.to_string(), problems(&e.problems)))
}

fn lead_refused(e: &InputError) -> PyErr {
    let p = &e.problem;
    LeadRefused::new_err((e.to_string(), p.path.clone(), p.code, p.message.clone()))
}

fn check_now(now: i64) -> Result<i64, String> {
    if (-MAX_INSTANT_MS..=MAX_INSTANT_MS).contains(&now) {
        Ok(now)
    } else {
        Err(format!(
            "now {now} is out of range: it must lie within ±{MAX_INSTANT_MS} ms of 1970-01-01T00:00:00Z, \
             the range of every timestamp"
        ))
    }
}

#[pyclass(frozen, module = "leadscore._native")]
struct Engine {
    inner: Arc<leadscore::Engine>,
}

#[pymethods]
impl Engine {
    /// An engine from rule-set JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Engine> {
        let engine = py.detach(|| leadscore::Engine::from_json(text)).map_err(|e| rule_set_refused(&e))?;
        Ok(Engine { inner: Arc::new(engine) })
    }

    /// An engine from a compiled rule set (`leadscore compile`, `to_compiled`).
    #[staticmethod]
    fn from_compiled(bytes: &[u8]) -> PyResult<Engine> {
        let engine = leadscore::Engine::from_compiled(bytes)
            .map_err(|e| rule_set_refused(&RuleSetError { problems: vec![e.problem] }))?;
        Ok(Engine { inner: Arc::new(engine) })
    }

    /// The mark a compiled rule set starts with.
    #[staticmethod]
    fn compiled_magic(py: Python<'_>) -> Bound<'_, PyBytes> {
        PyBytes::new(py, &leadscore::COMPILED_MAGIC)
    }

    fn to_compiled<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_compiled())
    }

    /// `id@version`.
    #[getter]
    fn key(&self) -> String {
        self.inner.key().to_string()
    }

    /// The result of one lead as the CLI writes it: `Engine::score_json`, serialized
    /// by the core (`ScoreResult::to_json`, the serializer the CLI's writer runs).
    fn score_json(&self, py: Python<'_>, lead: &str, now: i64) -> PyResult<String> {
        let now = check_now(now).map_err(PyValueError::new_err)?;
        let engine = &self.inner;
        py.detach(|| engine.score_json(lead, now).map(|r| r.to_json())).map_err(|e| lead_refused(&e))
    }

    /// Scores every lead of `data` (JSON text, or rows of profile columns with a list
    /// column of events) and returns the result table (python/README.md, "Batches").
    #[pyo3(signature = (data, now, now_column = None, explain = false, threads = None, id_column = "id", events_column = "events"))]
    #[allow(clippy::too_many_arguments)]
    fn score_arrow(
        &self,
        py: Python<'_>,
        data: AnyArray,
        now: Option<i64>,
        now_column: Option<PyArray>,
        explain: bool,
        threads: Option<usize>,
        id_column: &str,
        events_column: &str,
    ) -> PyResult<Py<PyAny>> {
        let nows = match (now, now_column) {
            (Some(n), None) => Now::Fixed(check_now(n).map_err(PyValueError::new_err)?),
            (None, Some(column)) => {
                let column = column.array().clone();
                if column.as_primitive_opt::<Int64Type>().is_none() {
                    return Err(PyTypeError::new_err(format!(
                        "now_column must hold int64 milliseconds, not {}",
                        column.data_type()
                    )));
                }
                Now::Column(column, 0)
            }
            _ => return Err(PyTypeError::new_err("give exactly one of now and now_column")),
        };
        let reader = data.into_reader()?;
        let field = reader.field();
        let chunks = reader.collect::<Result<Vec<ArrayRef>, _>>().map_err(|e| PyValueError::new_err(e.to_string()))?;
        let schema = result_schema(explain);
        let shape = LeadShape::of(field.data_type(), id_column, events_column).map_err(PyTypeError::new_err)?;
        if let Now::Column(column, _) = &nows {
            let rows: usize = chunks.iter().map(|c| c.len()).sum();
            if column.len() != rows {
                return Err(PyValueError::new_err(format!(
                    "now_column has {} rows and the leads {rows}",
                    column.len()
                )));
            }
        }
        let engine = Arc::clone(&self.inner);
        let schema_for_batches = Arc::clone(&schema);
        let batches = py
            .detach(move || {
                // One thread scores on this one: no pool to start for each call (a
                // Spark task calls once per batch).
                let pool = match threads {
                    Some(0) => return Err("threads must be at least 1".to_string()),
                    Some(1) => Threads::This,
                    Some(n) => Threads::Pool(
                        rayon::ThreadPoolBuilder::new().num_threads(n).build().map_err(|e| e.to_string())?,
                    ),
                    None => Threads::Global,
                };
                let mut nows = nows;
                let mut batches = Vec::with_capacity(chunks.len());
                for chunk in &chunks {
                    let texts = shape.lead_texts(chunk)?;
                    let outcomes = match &pool {
                        Threads::This => {
                            texts.iter().enumerate().map(|(row, t)| outcome(&engine, row, t, &nows, explain)).collect()
                        }
                        Threads::Pool(pool) => pool.install(|| score_chunk(&engine, &texts, &nows, explain)),
                        Threads::Global => score_chunk(&engine, &texts, &nows, explain),
                    };
                    batches.push(result_batch(&schema_for_batches, outcomes, explain)?);
                    nows.advance(chunk.len());
                }
                Ok(batches)
            })
            .map_err(PyValueError::new_err)?;
        let table = PyTable::try_new(batches, schema)?;
        Ok(table.into_pyarrow(py)?.unbind())
    }
}

/// The `now` of each lead: one for all, or a column of them (milliseconds) with the
/// offset of the current chunk in it.
enum Now {
    Fixed(i64),
    Column(ArrayRef, usize),
}

impl Now {
    fn at(&self, row: usize) -> Result<i64, String> {
        match self {
            Now::Fixed(n) => Ok(*n),
            Now::Column(column, offset) => {
                let column = column.as_primitive::<Int64Type>();
                let i = offset + row;
                if column.is_null(i) {
                    Err("now is null".to_string())
                } else {
                    check_now(column.value(i))
                }
            }
        }
    }

    fn advance(&mut self, rows: usize) {
        if let Now::Column(_, offset) = self {
            *offset += rows;
        }
    }
}

/// How the leads are laid out in the Arrow data.
enum LeadShape {
    /// One JSON text per lead.
    Text,
    /// Rows: an optional id column, an optional list column of events, and the
    /// profile's fields in the other columns.
    Rows { id: Option<usize>, events: Option<usize>, profile: Vec<usize> },
}

impl LeadShape {
    fn of(ty: &DataType, id: &str, events: &str) -> Result<LeadShape, String> {
        match ty {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(LeadShape::Text),
            DataType::Struct(fields) => {
                let position = |name: &str| fields.iter().position(|f| f.name() == name);
                let (id, events) = (position(id), position(events));
                if let Some(f) = events.and_then(|i| fields.get(i)) {
                    if !matches!(f.data_type(), DataType::List(_) | DataType::LargeList(_) | DataType::ListView(_)) {
                        return Err(format!("the events column {:?} must be a list, not {}", f.name(), f.data_type()));
                    }
                }
                let profile = (0..fields.len()).filter(|i| Some(*i) != id && Some(*i) != events).collect();
                Ok(LeadShape::Rows { id, events, profile })
            }
            other => Err(format!(
                "the leads must be JSON text (string) or a table (struct) of profile columns and an events list, not {other}"
            )),
        }
    }

    /// The JSON text of each lead of a chunk; `None` for a null one.
    fn lead_texts<'a>(&self, chunk: &'a ArrayRef) -> Result<Vec<Option<Cow<'a, str>>>, String> {
        let borrowed = |it: &mut dyn Iterator<Item = Option<&'a str>>| it.map(|t| t.map(Cow::Borrowed)).collect();
        match self {
            LeadShape::Text => {
                if let Some(a) = chunk.as_string_opt::<i32>() {
                    Ok(borrowed(&mut a.iter()))
                } else if let Some(a) = chunk.as_string_opt::<i64>() {
                    Ok(borrowed(&mut a.iter()))
                } else if let Some(a) = chunk.as_string_view_opt() {
                    Ok(borrowed(&mut a.iter()))
                } else {
                    Err(format!("the leads changed type from chunk to chunk: {}", chunk.data_type()))
                }
            }
            LeadShape::Rows { id, events, profile } => rows_as_json(chunk, *id, *events, profile),
        }
    }
}

/// Each row of a struct array written as a lead's JSON text, `{"id", "profile",
/// "events"}`, by arrow-json (null fields left out; timestamps as RFC 3339 with
/// their offset, naive ones without, which the engine refuses as it refuses a
/// naive `now`).
fn rows_as_json(
    chunk: &ArrayRef,
    id: Option<usize>,
    events: Option<usize>,
    profile: &[usize],
) -> Result<Vec<Option<Cow<'static, str>>>, String> {
    let rows = chunk.as_struct_opt().ok_or_else(|| format!("the leads changed type: {}", chunk.data_type()))?;
    let column = |i: usize| -> Result<(Arc<Field>, ArrayRef), String> {
        let f = rows.fields().get(i).ok_or("a column went missing")?;
        Ok((Arc::clone(f), Arc::clone(rows.column(i))))
    };
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    if let Some(i) = id {
        let (f, c) = column(i)?;
        fields.push(Arc::new(Field::new("id", f.data_type().clone(), true)));
        columns.push(c);
    }
    let (pf, pc): (Vec<_>, Vec<_>) =
        profile.iter().map(|i| column(*i)).collect::<Result<Vec<_>, _>>()?.into_iter().unzip();
    let profile_array = StructArray::try_new_with_length(pf.into(), pc, None, rows.len()).map_err(|e| e.to_string())?;
    fields.push(Arc::new(Field::new("profile", profile_array.data_type().clone(), true)));
    columns.push(Arc::new(profile_array));
    if let Some(i) = events {
        let (f, c) = column(i)?;
        fields.push(Arc::new(Field::new("events", f.data_type().clone(), true)));
        columns.push(c);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| e.to_string())?;
    let mut writer = arrow_json::WriterBuilder::new()
        .with_explicit_nulls(false)
        .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%S%.f%:z".to_string())
        .build::<_, arrow_json::writer::LineDelimited>(Vec::new());
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    let text = String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())?;
    let mut texts: Vec<Option<Cow<'static, str>>> = text.lines().map(|l| Some(Cow::Owned(l.to_string()))).collect();
    if texts.len() != rows.len() {
        return Err(format!("{} rows were written as {} leads", rows.len(), texts.len()));
    }
    // A null row is a null lead.
    for (i, t) in texts.iter_mut().enumerate() {
        if rows.is_null(i) {
            *t = None;
        }
    }
    Ok(texts)
}

/// What became of one lead.
enum Outcome {
    Scored(Qualification, Option<String>),
    Failed(String),
}

/// Where a batch is scored.
enum Threads {
    /// On the calling thread.
    This,
    Pool(rayon::ThreadPool),
    /// rayon's global pool, a thread per core.
    Global,
}

fn score_chunk(engine: &leadscore::Engine, texts: &[Option<Cow<'_, str>>], nows: &Now, explain: bool) -> Vec<Outcome> {
    texts.par_iter().enumerate().map(|(row, text)| outcome(engine, row, text, nows, explain)).collect()
}

fn outcome(engine: &leadscore::Engine, row: usize, text: &Option<Cow<'_, str>>, nows: &Now, explain: bool) -> Outcome {
    let Some(text) = text else { return Outcome::Failed("the lead is null".to_string()) };
    let now = match nows.at(row) {
        Ok(n) => n,
        Err(e) => return Outcome::Failed(e),
    };
    if explain {
        match engine.score_json(text, now) {
            Ok(r) => {
                let line = r.to_json();
                Outcome::Scored(Qualification::from(r), Some(line))
            }
            Err(e) => Outcome::Failed(e.to_string()),
        }
    } else {
        match engine.qualify_json(text, now) {
            Ok(q) => Outcome::Scored(q, None),
            Err(e) => Outcome::Failed(e.to_string()),
        }
    }
}

/// The result table's schema: fixed, documented in python/README.md.
fn result_schema(explain: bool) -> SchemaRef {
    let mut fields = vec![
        Field::new("lead_id", DataType::Utf8, true),
        Field::new("total", DataType::Float64, true),
        Field::new("fit", DataType::Float64, true),
        Field::new("engagement", DataType::Float64, true),
        Field::new("stage", DataType::Utf8, true),
        Field::new("grade", DataType::Utf8, true),
        Field::new("level", DataType::UInt8, true),
        Field::new("band", DataType::Utf8, true),
        Field::new("disqualified", DataType::Boolean, true),
    ];
    if explain {
        fields.push(Field::new("explanation", DataType::Utf8, true));
    }
    fields.push(Field::new("error", DataType::Utf8, true));
    Arc::new(Schema::new(fields))
}

fn result_batch(schema: &SchemaRef, outcomes: Vec<Outcome>, explain: bool) -> Result<RecordBatch, String> {
    let n = outcomes.len();
    let mut lead_id = StringBuilder::with_capacity(n, n * 16);
    let mut total = Float64Builder::with_capacity(n);
    let mut fit = Float64Builder::with_capacity(n);
    let mut engagement = Float64Builder::with_capacity(n);
    let mut stage = StringBuilder::with_capacity(n, n * 4);
    let mut grade = StringBuilder::with_capacity(n, n);
    let mut level = UInt8Builder::with_capacity(n);
    let mut band = StringBuilder::with_capacity(n, n * 4);
    let mut disqualified = BooleanBuilder::with_capacity(n);
    let mut explanation = StringBuilder::new();
    let mut error = StringBuilder::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Scored(q, line) => {
                lead_id.append_option(q.lead_id.as_deref());
                total.append_value(q.total.as_f64());
                fit.append_value(q.fit.as_f64());
                engagement.append_value(q.engagement.as_f64());
                stage.append_value(q.stage.as_str());
                grade.append_value(q.grade);
                level.append_value(q.level);
                band.append_value(&*q.band);
                disqualified.append_value(q.disqualified);
                explanation.append_option(line);
                error.append_null();
            }
            Outcome::Failed(why) => {
                lead_id.append_null();
                total.append_null();
                fit.append_null();
                engagement.append_null();
                stage.append_null();
                grade.append_null();
                level.append_null();
                band.append_null();
                disqualified.append_null();
                explanation.append_null();
                error.append_value(why);
            }
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(lead_id.finish()),
        Arc::new(total.finish()),
        Arc::new(fit.finish()),
        Arc::new(engagement.finish()),
        Arc::new(stage.finish()),
        Arc::new(grade.finish()),
        Arc::new(level.finish()),
        Arc::new(band.finish()),
        Arc::new(disqualified.finish()),
    ];
    if explain {
        columns.push(Arc::new(explanation.finish()));
    }
    columns.push(Arc::new(error.finish()));
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| e.to_string())
}

/// Rows of a history that could not be read: (line, column, code, message), the
/// first `MAX_ROW_PROBLEMS`, and how many in all.
type Skipped = (Vec<(u64, String, &'static str, String)>, u64);

fn skipped(problems: &[RowProblem], all: u64) -> Skipped {
    (problems.iter().map(|p| (p.line, p.column.clone(), p.code, p.message.clone())).collect(), all)
}

/// The history: a file at `path`, or `text`.
fn history_source<'a>(path: Option<&'a str>, text: Option<&'a [u8]>) -> PyResult<HistorySource<'a>> {
    match (path, text) {
        (Some(p), None) => Ok(HistorySource::File(Path::new(p))),
        (None, Some(t)) => Ok(HistorySource::Text(t)),
        _ => Err(PyTypeError::new_err("give exactly one of path and text")),
    }
}

/// A backtest of `engine` (compared with `compare` when given) on a history,
/// streamed as `leadscore backtest` streams it (`backtest_stream`): the report (or
/// comparison) as JSON, and the rows skipped.
#[pyfunction]
#[pyo3(signature = (engine, path = None, text = None, mapping = None, now = None, compare = None, conversion_rate = None, mqls = None, mql_share = None))]
#[allow(clippy::too_many_arguments)]
fn backtest(
    py: Python<'_>,
    engine: &Engine,
    path: Option<&str>,
    text: Option<&[u8]>,
    mapping: Option<&str>,
    now: Option<i64>,
    compare: Option<PyRef<'_, Engine>>,
    conversion_rate: Option<f64>,
    mqls: Option<f64>,
    mql_share: Option<f64>,
) -> PyResult<(String, Skipped)> {
    let source = history_source(path, text)?;
    let now = now.map(check_now).transpose().map_err(PyValueError::new_err)?;
    let a = Arc::clone(&engine.inner);
    let b = compare.map(|e| Arc::clone(&e.inner));
    let target = (conversion_rate.is_some() || mqls.is_some() || mql_share.is_some()).then_some(ThresholdTarget {
        conversion_rate,
        mqls,
        mql_share,
    });
    let options = ReportOptions { target, ..ReportOptions::default() };
    py.detach(|| {
        let mapping = leadscore::backtest::load_mapping(mapping)?;
        let done =
            leadscore::backtest::backtest_stream(&source, &mapping, &a, b.as_deref(), now, &options, &mut |_, _| {})?;
        let json = serde_json::to_string(&done.result).map_err(|e| e.to_string())?;
        Ok((json, skipped(&done.problems, done.skipped)))
    })
    .map_err(|e: String| PyValueError::new_err(e))
}

/// A rule set learnt from a whole history, as `leadscore learn` learns it: the
/// result (`LearnResult`, with the rule set) as JSON, and the rows skipped.
#[pyfunction]
#[pyo3(signature = (path = None, text = None, mapping = None, options = None, compare = None))]
fn learn(
    py: Python<'_>,
    path: Option<&str>,
    text: Option<&[u8]>,
    mapping: Option<&str>,
    options: Option<&str>,
    compare: Option<PyRef<'_, Engine>>,
) -> PyResult<(String, Skipped)> {
    let source = history_source(path, text)?;
    let hand = compare.map(|e| Arc::clone(&e.inner));
    py.detach(|| {
        let options: LearnOptions =
            options.map(serde_json::from_str).transpose().map_err(|e| format!("options: {e}"))?.unwrap_or_default();
        let mapping = leadscore::backtest::load_mapping(mapping)?;
        let name = source.name();
        let text = source.read_all().map_err(|e| format!("cannot read {name}: {e}"))?;
        let history = leadscore::backtest::read_history(&text, mapping).map_err(|e| format!("{name}: {e}"))?;
        let learnt = leadscore::backtest::learn(&history, &options, hand.as_deref(), &mut |_, _, _| {})
            .map_err(|e| format!("{name}: {e}"))?;
        let json = serde_json::to_string(&learnt).map_err(|e| e.to_string())?;
        Ok((json, skipped(history.problems(), history.skipped() as u64)))
    })
    .map_err(|e: String| PyValueError::new_err(e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(learn, m)?)?;
    m.add("RuleSetRefused", m.py().get_type::<RuleSetRefused>())?;
    m.add("LeadRefused", m.py().get_type::<LeadRefused>())?;
    m.add("MAX_INSTANT_MS", MAX_INSTANT_MS)?;
    Ok(())
}
