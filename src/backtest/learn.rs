//! A rule set learnt from a history (docs/BACKTEST.md, "Learn"): features from the
//! training leads, a regularised logistic regression ([`super::newton`]), its
//! coefficients as integer points, written as an ordinary rule set and checked by
//! compiling and scoring it with the engine.

use super::history::History;
use super::newton::{self, Rows};
use super::report::{self, auc, levels, BacktestReport, Bands, ReportOptions, ThresholdTarget};
use crate::engine::Engine;
use crate::error::InputError;
use crate::lead::Lead;
use crate::limits::MAX_LEARN_FEATURES as MAX_FEATURES;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LearnOptions {
    pub seed: Option<u64>,
    pub holdout: Option<f64>,
    pub l2: Option<f64>,
    pub bins: Option<u32>,
    pub min_leads: Option<u32>,
    pub points_per_doubling: Option<f64>,
    pub min_z: Option<f64>,
    pub target: Option<ThresholdTarget>,
    pub id: Option<String>,
    pub version: Option<String>,
    pub now: Option<f64>,
}

impl LearnOptions {
    fn checked(&self) -> Result<Settings, InputError> {
        let bad = |key: &str, m: &str| InputError::new(key, "invalidValue", format!("{key} {m}"));
        let holdout = self.holdout.unwrap_or(0.25);
        if !(0.05..=0.5).contains(&holdout) {
            return Err(bad("holdout", "must be from 0.05 to 0.5"));
        }
        let l2 = self.l2.unwrap_or(1.0);
        if !(l2 > 0.0 && l2.is_finite()) {
            return Err(bad("l2", "must be a number above 0"));
        }
        let bins = self.bins.unwrap_or(10);
        if !(2..=10).contains(&bins) {
            return Err(bad("bins", "must be from 2 to 10"));
        }
        let ppd = self.points_per_doubling.unwrap_or(10.0);
        if !(ppd > 0.0 && ppd <= 1000.0) {
            return Err(bad("pointsPerDoubling", "must be above 0 and at most 1000"));
        }
        let min_z = self.min_z.unwrap_or(1.0);
        if !(min_z >= 0.0 && min_z.is_finite()) {
            return Err(bad("minZ", "must be a number from 0"));
        }
        Ok(Settings {
            seed: self.seed.unwrap_or(1),
            holdout,
            l2,
            bins: bins as usize,
            min_leads: self.min_leads.map(|m| m.max(1) as usize),
            scale: ppd / std::f64::consts::LN_2,
            min_z,
        })
    }
}

struct Settings {
    seed: u64,
    holdout: f64,
    l2: f64,
    bins: usize,
    min_leads: Option<usize>,
    /// Points per unit of log odds.
    scale: f64,
    min_z: f64,
}

/// One feature of the model and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearntFeature {
    pub id: String,
    pub description: String,
    pub leads: u64,
    pub coefficient: f64,
    pub standard_error: f64,
    pub points: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AucPair {
    pub train: f64,
    pub holdout: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadCounts {
    pub train: u64,
    pub holdout: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearnResult {
    pub rule_set: Value,
    pub threshold: f64,
    pub auc: AucPair,
    pub model_auc: AucPair,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hand_written_auc: Option<AucPair>,
    pub leads: LeadCounts,
    pub features: Vec<LearntFeature>,
    pub iterations: u32,
    pub converged: bool,
    pub holdout_report: BacktestReport,
}

/// What a feature tests.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// A profile field equal to a value (texts compared without case, as `equals` does).
    Equals { field: String, value: Value },
    /// A numeric profile field in [from, to) (either end open when absent).
    Range { field: String, from: Option<f64>, to: Option<f64> },
    /// A profile field that the lead lacks.
    Missing { field: String },
    /// At least `from` and (when given) fewer than `to` events of a type.
    Count { kind: String, from: u32, to: Option<u32> },
}

impl Test {
    fn holds(&self, profile: &Flat, counts: &BTreeMap<String, u32>) -> bool {
        match self {
            Test::Equals { field, value } => profile.get(field).is_some_and(|v| key_of(v) == key_of(value)),
            // As `exists: false` holds: no value, or an empty list.
            Test::Missing { field } => profile.get(field).is_none_or(|v| v.as_array().is_some_and(Vec::is_empty)),
            Test::Range { field, from, to } => profile
                .get(field)
                .and_then(Value::as_f64)
                .is_some_and(|x| from.is_none_or(|f| x >= f) && to.is_none_or(|t| x < t)),
            Test::Count { kind, from, to } => {
                let n = counts.get(kind).copied().unwrap_or(0);
                n >= *from && to.is_none_or(|t| n < t)
            }
        }
    }

    fn describe(&self) -> String {
        let num = |x: f64| format!("{x}");
        match self {
            Test::Equals { field, value } => format!("{field} is {value}"),
            Test::Missing { field } => format!("{field} unknown"),
            Test::Range { field, from: Some(f), to: Some(t) } => {
                format!("{field} from {} to below {}", num(*f), num(*t))
            }
            Test::Range { field, from: Some(f), to: None } => format!("{field} at least {}", num(*f)),
            Test::Range { field, from: None, to: Some(t) } => format!("{field} below {}", num(*t)),
            Test::Range { field, .. } => format!("{field} known"),
            Test::Count { kind, from, to: Some(t) } if *t == from + 1 => format!("{from} {kind}"),
            Test::Count { kind, from, to: Some(t) } => format!("{from} to {} {kind}", t - 1),
            Test::Count { kind, from, to: None } => format!("at least {from} {kind}"),
        }
    }
}

/// A profile flattened to its dotted paths and their scalar values.
type Flat = BTreeMap<String, Value>;

fn flatten(map: &Map<String, Value>, prefix: &str, out: &mut Flat) {
    for (k, v) in map {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) => flatten(inner, &path, out),
            Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Array(_) => {
                out.insert(path, v.clone());
            }
            Value::Null => {}
        }
    }
}

/// How a value is told apart from others of its field: texts without case.
fn key_of(v: &Value) -> String {
    match v {
        Value::String(s) => format!("s:{}", s.to_lowercase()),
        other => format!("v:{other}"),
    }
}

/// What the features are read from, per lead: its profile and counts of events at or before `now`.
struct LeadView {
    profile: Flat,
    counts: BTreeMap<String, u32>,
}

fn view(lead: &Lead, now: i64) -> LeadView {
    let mut profile = Flat::new();
    flatten(&lead.profile, "", &mut profile);
    let mut counts = BTreeMap::new();
    for e in lead.events.iter().filter(|e| e.ts <= now) {
        *counts.entry(e.kind.to_string()).or_insert(0u32) += 1;
    }
    LeadView { profile, counts }
}

/// Whether lead `index` is held out: a hash of the seed and the index.
fn held_out(seed: u64, index: u64, share: f64) -> bool {
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index.wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// The cut points of `values` (sorted) at the quantiles k / bins, distinct and
/// above the lowest value.
fn quantile_cuts(values: &[f64], bins: usize) -> Vec<f64> {
    let mut cuts: Vec<f64> = Vec::new();
    let n = values.len();
    let lowest = values.first().copied().unwrap_or(0.0);
    for k in 1..bins {
        if let Some(&c) = values.get(k * n / bins) {
            if c > lowest && cuts.last().is_none_or(|&l| c > l) {
                cuts.push(c);
            }
        }
    }
    cuts
}

/// A profile field across the training leads: its numbers, its values by
/// [`key_of`] with a leads count, and whether every value is a number.
type FieldSeen = (Vec<f64>, BTreeMap<String, (Value, usize)>, bool);

/// The features of the training leads.
fn features(train: &[&LeadView], s: &Settings) -> Vec<Test> {
    let min_leads = s.min_leads.unwrap_or_else(|| 10usize.max(train.len() / 200));
    let mut fields: BTreeMap<&str, FieldSeen> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for lead in train {
        for (field, v) in lead.profile.iter().filter(|(_, v)| !v.is_array()) {
            let entry = fields.entry(field).or_insert_with(|| (Vec::new(), BTreeMap::new(), true));
            match v.as_f64() {
                Some(x) if v.is_number() => entry.0.push(x),
                _ => entry.2 = false,
            }
            entry.1.entry(key_of(v)).or_insert_with(|| (v.clone(), 0)).1 += 1;
        }
        for (kind, &n) in &lead.counts {
            kinds.entry(kind).or_default().push(f64::from(n));
        }
    }
    let mut out = Vec::new();
    // Each field's most common range or value is its baseline (with its rare
    // values): the others' points, and the points of lacking the field, are against
    // it. Without a baseline the features of a field would move with the intercept,
    // and no one of them would stand out from its standard error.
    for (field, (mut numbers, values, numeric)) in fields {
        let present: usize = values.values().map(|v| v.1).sum();
        let missing = Test::Missing { field: field.to_string() };
        let lacking = train.len() - present;
        if numeric && values.len() > s.bins {
            numbers.sort_by(f64::total_cmp);
            let cuts = quantile_cuts(&numbers, s.bins);
            let mut ranges = Vec::new();
            let mut from = None;
            for to in cuts.iter().copied().map(Some).chain([None]) {
                let leads =
                    numbers.iter().filter(|&&x| from.is_none_or(|f| x >= f) && to.is_none_or(|t| x < t)).count();
                ranges.push((leads, Test::Range { field: field.to_string(), from, to }));
                from = to;
            }
            let most = ranges.iter().map(|r| r.0).max().unwrap_or(0);
            let baseline = ranges.iter().position(|r| r.0 == most);
            out.extend(
                ranges
                    .into_iter()
                    .enumerate()
                    .filter(|(i, r)| Some(*i) != baseline && r.0 >= min_leads)
                    .map(|(_, r)| r.1),
            );
            if lacking >= min_leads {
                out.push(missing);
            }
            continue;
        }
        // Identifiers, names and free text: many values, few leads each.
        if values.len() > 50 && present / values.len() < min_leads {
            continue;
        }
        if lacking >= min_leads {
            out.push(missing);
        }
        let most = values.values().map(|v| v.1).max().unwrap_or(0);
        let baseline = values.iter().find(|v| v.1 .1 == most).map(|v| v.0.clone());
        for (key, (value, leads)) in values {
            if leads >= min_leads && Some(&key) != baseline.as_ref() {
                out.push(Test::Equals { field: field.to_string(), value });
            }
        }
    }
    for (kind, mut counts) in kinds {
        counts.sort_by(f64::total_cmp);
        let mut starts = vec![1.0];
        starts.extend(quantile_cuts(&counts, s.bins).into_iter().filter(|&c| c > 1.0));
        starts.dedup();
        let ends = starts.iter().skip(1).map(|&e| Some(e)).chain([None]);
        for (from, to) in starts.iter().zip(ends) {
            let leads = counts.iter().filter(|&&x| x >= *from && to.is_none_or(|t| x < t)).count();
            let from = (*from as u32).min(crate::limits::MAX_AT_LEAST);
            let to = to.map(|t| (t as u32).min(crate::limits::MAX_AT_LEAST));
            // A rule per range counts from its start to the next one's: a range with
            // too few leads joins the one below it, so that no count falls between.
            match out.last_mut() {
                Some(Test::Count { kind: k, to: end, .. }) if leads < min_leads && k == kind && *end == Some(from) => {
                    *end = to;
                }
                _ if leads < min_leads && from == 1 => {}
                _ => out.push(Test::Count { kind: kind.to_string(), from, to }),
            }
        }
    }
    out
}

/// A rule id from a description: ASCII letters, digits and `_`, at most 64 bytes, unique.
fn rule_id(text: &str, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut id = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('_') && !id.is_empty() {
            id.push('_');
        }
    }
    let mut id: String = id.trim_end_matches('_').chars().take(56).collect();
    if id.is_empty() {
        id.push_str("rule");
    }
    let base = id.clone();
    let mut n = 2;
    while !taken.insert(id.clone()) {
        id = format!("{base}_{n}");
        n += 1;
    }
    id
}

/// A number as the rule set writes it: whole when it is.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The profile condition of a test, or None for an event count.
fn condition(test: &Test) -> Option<Value> {
    match test {
        Test::Equals { field, value } => Some(json!({"field": field, "equals": value})),
        Test::Missing { field } => Some(json!({"field": field, "exists": false})),
        Test::Range { field, from: Some(f), to: Some(t) } => {
            Some(json!({"all": [{"field": field, "gte": number(*f)}, {"field": field, "lt": number(*t)}]}))
        }
        Test::Range { field, from: Some(f), to: None } => Some(json!({"field": field, "gte": number(*f)})),
        Test::Range { field, from: None, to: Some(t) } => Some(json!({"field": field, "lt": number(*t)})),
        Test::Range { field, .. } => Some(json!({"field": field, "exists": true})),
        Test::Count { .. } => None,
    }
}

/// The threshold for `target`, or maximising recall − false-positive rate, over `totals`.
fn choose_threshold(scored: &[(i64, bool)], target: Option<ThresholdTarget>) -> Option<i64> {
    let lv = levels(scored.iter().copied());
    if let Some(t) = target {
        return report::suggest(&lv, t).threshold.map(|p| (p * 100.0).round() as i64);
    }
    let positives: u64 = lv.iter().map(|l| l.converted).sum();
    let negatives: u64 = lv.iter().map(|l| l.leads - l.converted).sum();
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut best: Option<(f64, i64)> = None;
    for l in &lv {
        tp += l.converted;
        fp += l.leads - l.converted;
        let j = tp as f64 / positives.max(1) as f64 - fp as f64 / negatives.max(1) as f64;
        if best.is_none_or(|(b, _)| j > b) {
            best = Some((j, l.total));
        }
    }
    best.map(|b| b.1)
}

/// A quantile of sorted values.
fn quantile(sorted: &[i64], q: f64) -> i64 {
    let at = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
    sorted.get(at).copied().unwrap_or(0)
}

/// Three strictly descending cut-offs (points) at the 75th, 50th and 25th percentiles.
fn cutoffs(mut values: Vec<i64>) -> [i64; 3] {
    values.sort_unstable();
    let a = quantile(&values, 0.75);
    let b = quantile(&values, 0.5).min(a - 1);
    let c = quantile(&values, 0.25).min(b - 1);
    [a, b, c]
}

/// Learns a rule set from `history`, optionally reporting `compare_with`'s AUC on
/// the same split; `progress(done, total, phase)` between steps.
pub fn learn(
    history: &History,
    options: &LearnOptions,
    compare_with: Option<&Engine>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Result<LearnResult, InputError> {
    let s = options.checked()?;
    let now = super::now_of(&ReportOptions { now: options.now, ..ReportOptions::default() }, history)?;
    let total = history.len();
    let views: Vec<(LeadView, bool, bool)> = history
        .leads()
        .enumerate()
        .map(|(i, (lead, converted))| (view(lead, now), converted, held_out(s.seed, i as u64, s.holdout)))
        .collect();
    progress(total, total, "features");
    let train: Vec<&LeadView> = views.iter().filter(|v| !v.2).map(|v| &v.0).collect();
    let train_converted: Vec<bool> = views.iter().filter(|v| !v.2).map(|v| v.1).collect();
    if !train_converted.iter().any(|&c| c) || train_converted.iter().all(|&c| c) {
        return Err(InputError::new(
            "",
            "oneOutcome",
            "the training leads all have the same outcome: learning needs converted and not converted leads",
        ));
    }
    let tests = features(&train, &s);
    if tests.len() > MAX_FEATURES {
        return Err(InputError::new(
            "",
            "tooMany",
            format!(
                "the history makes {} features; learning takes at most {MAX_FEATURES}: exclude some columns",
                tests.len()
            ),
        ));
    }
    let active: Vec<Vec<u32>> = views
        .iter()
        .map(|(v, _, _)| {
            tests.iter().enumerate().filter(|(_, t)| t.holds(&v.profile, &v.counts)).map(|(i, _)| i as u32).collect()
        })
        .collect();
    let train_active: Vec<Vec<u32>> = active.iter().zip(&views).filter(|(_, v)| !v.2).map(|(a, _)| a.clone()).collect();
    let mut rows = |active: &[Vec<u32>]| {
        newton::fit(&Rows { active, converted: &train_converted, features: tests.len() }, s.l2, &mut |i| {
            progress(i as usize, newton::MAX_ITERATIONS as usize, "fit")
        })
    };
    let first = rows(&train_active);
    // Features within `minZ` standard errors of 0 get no rule, and the model is
    // fitted again without them, so that the others take up what they carried
    // (one step of backward elimination).
    let significant: Vec<bool> =
        first.coefficients.iter().zip(&first.standard_errors).map(|(b, se)| (b / se).abs() >= s.min_z).collect();
    let keep = |a: &Vec<u32>| -> Vec<u32> {
        a.iter().copied().filter(|&f| significant.get(f as usize).copied().unwrap_or(false)).collect()
    };
    let fit = rows(&train_active.iter().map(keep).collect::<Vec<_>>());

    // Points, and what got none.
    let mut features_out = Vec::with_capacity(tests.len());
    let mut points: Vec<i64> = Vec::with_capacity(tests.len());
    let mut taken = std::collections::BTreeSet::new();
    for (i, test) in tests.iter().enumerate() {
        let kept = significant.get(i).copied().unwrap_or(false);
        let from = if kept { &fit } else { &first };
        let beta = from.coefficients.get(i).copied().unwrap_or(0.0);
        let se = from.standard_errors.get(i).copied().unwrap_or(f64::INFINITY);
        let raw = (beta * s.scale).round() as i64;
        let dropped = if !kept {
            Some("insignificant")
        } else if raw == 0 {
            Some("rounded")
        } else {
            None
        };
        let p = if dropped.is_some() { 0 } else { raw };
        points.push(p);
        let description = test.describe();
        features_out.push(LearntFeature {
            id: rule_id(&description, &mut taken),
            leads: train_active.iter().filter(|a| a.contains(&(i as u32))).count() as u64,
            description,
            coefficient: beta,
            standard_error: se,
            points: p,
            dropped,
        });
    }
    let lead_total = |a: &[u32]| -> i64 { a.iter().filter_map(|&f| points.get(f as usize)).sum() };

    // The threshold on the training totals; a base rule lifts the totals when it is not above 0.
    let train_scored: Vec<(i64, bool)> =
        train_active.iter().zip(&train_converted).map(|(a, &c)| (lead_total(a), c)).collect();
    let chosen = choose_threshold(&train_scored, options.target).unwrap_or(1);
    let base = if chosen < 1 { 1 - chosen } else { 0 };
    let threshold = chosen + base;

    let rule_set = write_rule_set(options, &s, &tests, &features_out, &points, base, threshold, &train_active, now);
    let engine = Engine::from_value(&rule_set).map_err(|e| {
        let (path, message) = e.problems.into_iter().next().map_or_else(Default::default, |p| (p.path, p.message));
        InputError::new(path, "internal", format!("the learnt rule set does not compile: {message}"))
    })?;

    // Checked by scoring with the engine.
    let score = |engine: &Engine, progress: &mut dyn FnMut(usize, usize, &str), phase: &str| {
        super::score_history(engine, history, now, &mut |d, t| progress(d, t, phase))
    };
    let figures = score(&engine, progress, "check");
    // The engine adds up what the model's points say, lead by lead.
    if let Some(i) = figures.iter().zip(&active).position(|(f, a)| f.total != (base + lead_total(a)) * 100) {
        return Err(InputError::new(
            format!("[{i}]"),
            "internal",
            "the learnt rule set scores this lead otherwise than its features' points add up to",
        ));
    }
    let split_auc = |scored: &mut dyn Iterator<Item = (bool, i64, bool)>| {
        let (mut tr, mut ho) = (Vec::new(), Vec::new());
        for (out, total, converted) in scored {
            if out {
                ho.push((total, converted))
            } else {
                tr.push((total, converted))
            }
        }
        AucPair { train: auc(&levels(tr)), holdout: auc(&levels(ho)) }
    };
    let auc_pair = split_auc(&mut figures.iter().zip(&views).map(|(f, v)| (v.2, f.total, f.converted)));
    // The model before rounding: its linear predictor, in millionths, as a total.
    let model_auc = split_auc(
        &mut active
            .iter()
            .zip(&views)
            .map(|(a, v)| (v.2, (newton::eta(fit.intercept, &fit.coefficients, a) * 1e6).round() as i64, v.1)),
    );
    let hand_written_auc = match compare_with {
        Some(other) => {
            let f = score(other, progress, "compare");
            Some(split_auc(&mut f.iter().zip(&views).map(|(f, v)| (v.2, f.total, f.converted))))
        }
        None => None,
    };
    let holdout_figures: Vec<_> = figures.iter().zip(&views).filter(|(_, v)| v.2).map(|(f, _)| *f).collect();
    let holdout_report =
        report::report(&engine, &Bands::of(&engine), &holdout_figures, now, 0, &ReportOptions::default());
    let holdout = views.iter().filter(|v| v.2).count() as u64;
    Ok(LearnResult {
        rule_set,
        threshold: threshold as f64,
        auc: auc_pair,
        model_auc,
        hand_written_auc,
        leads: LeadCounts { train: total as u64 - holdout, holdout },
        features: features_out,
        iterations: fit.iterations,
        converged: fit.converged,
        holdout_report,
    })
}

/// The UTC date of an instant, `YYYY-MM-DD` (Hinnant's days-to-civil algorithm).
fn date_of(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[allow(clippy::too_many_arguments)]
fn write_rule_set(
    options: &LearnOptions,
    s: &Settings,
    tests: &[Test],
    features: &[LearntFeature],
    points: &[i64],
    base: i64,
    threshold: i64,
    train_active: &[Vec<u32>],
    now: i64,
) -> Value {
    let mut fit_rules = Vec::new();
    let mut engagement = Vec::new();
    if base > 0 {
        fit_rules.push(json!({
            "id": "base", "points": base,
            "description": "Every lead: lifts the totals so that the MQL threshold is above 0",
            "when": {"any": [{"field": "id", "exists": true}, {"field": "id", "exists": false}]}
        }));
    }
    // Counts: a rule per range, worth the difference from the range below.
    let mut below: BTreeMap<&str, i64> = BTreeMap::new();
    for ((test, feature), &p) in tests.iter().zip(features).zip(points) {
        match (test, condition(test)) {
            (_, Some(when)) if p != 0 => {
                fit_rules
                    .push(json!({"id": feature.id, "points": p, "description": feature.description, "when": when}));
            }
            (Test::Count { kind, from, .. }, None) => {
                let before = below.insert(kind, p).unwrap_or(0);
                if p != before {
                    engagement.push(json!({
                        "id": feature.id, "points": p - before,
                        "description": format!("{}: {p} points in all", feature.description),
                        "event": kind, "count": {"atLeast": from}
                    }));
                }
            }
            _ => {}
        }
    }
    // Grades from the spread of the training leads' fit and engagement points.
    let (mut fit_totals, mut engagement_totals) = (Vec::new(), Vec::new());
    for a in train_active {
        let (mut f, mut e) = (base, 0);
        for &i in a {
            let p = points.get(i as usize).copied().unwrap_or(0);
            match tests.get(i as usize) {
                Some(Test::Count { .. }) => e += p,
                _ => f += p,
            }
        }
        fit_totals.push(f);
        engagement_totals.push(e);
    }
    let version = options.version.clone().unwrap_or_else(|| date_of(now));
    json!({
        "schema": "leadscore.ruleset/v1",
        "id": options.id.clone().unwrap_or_else(|| "learnt".into()),
        "version": version,
        "description": format!(
            "Learnt by L2 logistic regression (l2 {}, {} ranges per number, {} points per doubling of the odds, rules kept at |z| >= {}) on {} leads.",
            s.l2, s.bins, (s.scale * std::f64::consts::LN_2).round(), s.min_z, train_active.len()
        ),
        "fit": fit_rules,
        "engagement": engagement,
        "stages": {"mql": {"threshold": threshold}},
        "grades": {"fit": cutoffs(fit_totals), "engagement": cutoffs(engagement_totals)}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::{read_history, Mapping};

    /// A toy history where `plan` = pro converts far more than `team`, `team` more
    /// than `free`, and more visits convert more, with noise from the index.
    fn toy() -> History {
        let mut text = String::from("plan,visits,converted\n");
        for i in 0..600u32 {
            let plan = ["pro", "free", "team", "free"][(i % 4) as usize];
            let visits = i % 7;
            let p = match plan {
                "pro" => 0.7,
                "team" => 0.4,
                _ => 0.1,
            } + 0.03 * f64::from(visits);
            let converted = f64::from((i * 7919) % 100) / 100.0 < p;
            text.push_str(&format!("{plan},{visits},{}\n", u8::from(converted)));
        }
        read_history(text.as_bytes(), Mapping::from_value(&json!({"counts": ["visits"], "now": 1000})).unwrap())
            .unwrap()
    }

    #[test]
    fn learnt_points_follow_the_signal_and_the_rule_set_scores_as_the_model_adds() {
        let h = toy();
        let r = learn(&h, &LearnOptions::default(), None, &mut |_, _, _| {}).unwrap();
        let by = |d: &str| r.features.iter().find(|f| f.description == d).unwrap();
        // `free`, the most common plan, is the baseline: the others' points are against it.
        let (pro, team) = (by("plan is \"pro\""), by("plan is \"team\""));
        assert!(pro.points > team.points && team.points > 0, "{:?}", r.features);
        assert!(!r.features.iter().any(|f| f.description.contains("free")));
        // More visits, more points: each range's rule adds to the one below.
        let visits: Vec<i64> =
            r.features.iter().filter(|f| f.description.contains("visits")).map(|f| f.points).collect();
        assert!(visits.len() >= 2 && visits.last() > visits.first(), "{:?}", r.features);
        assert!(r.auc.holdout > 0.7 && r.auc.train > 0.7, "{:?}", r.auc);
        // Every lead's total is an integer number of points (learn checks that it is
        // the features' points added up).
        let engine = Engine::from_value(&r.rule_set).unwrap();
        for (lead, _) in h.leads() {
            assert_eq!(engine.qualify(lead, 1000).total.0 % 100, 0);
        }
        assert_eq!(r.rule_set["stages"]["mql"]["threshold"].as_f64(), Some(r.threshold));
        assert!(r.threshold >= 1.0);
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(1_796_083_200_000), "2026-12-01");
        assert_eq!(date_of(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn the_same_seed_learns_the_same_rule_set() {
        let h = toy();
        let a = learn(&h, &LearnOptions::default(), None, &mut |_, _, _| {}).unwrap();
        let b = learn(&h, &LearnOptions::default(), None, &mut |_, _, _| {}).unwrap();
        assert_eq!(a.rule_set, b.rule_set);
        let c = learn(&h, &LearnOptions { seed: Some(2), ..Default::default() }, None, &mut |_, _, _| {}).unwrap();
        assert_ne!(a.leads.holdout, 0);
        assert_ne!((a.auc.holdout, a.leads.train), (c.auc.holdout, c.leads.train));
    }
}
