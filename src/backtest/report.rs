//! What a backtest reports (docs/BACKTEST.md, "Backtest"), from each lead's
//! figures: the total, the outcome, and where the rule set put the lead.

use crate::engine::Engine;
use crate::explain::Qualification;
use crate::stages::Stage;
use serde::{Deserialize, Serialize};

/// What a backtest keeps of one lead: a few bytes, so that a million fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadFigures {
    /// The total in hundredths of a point.
    pub total: i64,
    pub converted: bool,
    /// The band's index in [`Bands::names`].
    pub band: u16,
    /// Grade (0 = A … 3 = D) × 4 + level − 1.
    pub cell: u8,
    pub stage: Stage,
}

/// A rule set's band names in its order, then `disqualified`.
#[derive(Debug, Clone)]
pub struct Bands {
    pub names: Vec<String>,
}

impl Bands {
    pub fn of(engine: &Engine) -> Bands {
        let mut names: Vec<String> = engine.rules.bands.iter().map(|b| b.name.to_string()).collect();
        names.push("disqualified".into());
        Bands { names }
    }

    /// A lead's figures from its qualification.
    pub fn figures(&self, q: &Qualification, converted: bool) -> LeadFigures {
        let band = self.names.iter().position(|n| **n == *q.band).unwrap_or(self.names.len().saturating_sub(1));
        let grade = match q.grade {
            "A" => 0,
            "B" => 1,
            "C" => 2,
            _ => 3,
        };
        LeadFigures {
            total: q.total.0,
            converted,
            band: band as u16,
            cell: grade * 4 + q.level.clamp(1, 4) - 1,
            stage: q.stage,
        }
    }
}

/// A target for the suggested threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThresholdTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mqls: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mql_share: Option<f64>,
}

/// The report's options (`onProgress` stays in JavaScript).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportOptions {
    pub now: Option<f64>,
    pub bins: Option<u32>,
    pub sweep_steps: Option<u32>,
    pub roc_points: Option<u32>,
    pub target: Option<ThresholdTarget>,
}

impl ReportOptions {
    fn bins(&self) -> usize {
        self.bins.unwrap_or(20).clamp(1, 200) as usize
    }
    fn sweep_steps(&self) -> usize {
        self.sweep_steps.unwrap_or(50).clamp(2, 500) as usize
    }
    fn roc_points(&self) -> usize {
        self.roc_points.unwrap_or(200).clamp(2, 2000) as usize
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepRow {
    pub threshold: f64,
    pub mqls: u64,
    pub mql_share: f64,
    pub converted_mqls: u64,
    pub conversion_rate: f64,
    pub captured: f64,
    pub precision: f64,
    pub recall: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Cell {
    pub leads: u64,
    pub converted: u64,
    pub rate: f64,
}

impl Cell {
    fn add(&mut self, converted: bool) {
        self.leads += 1;
        self.converted += u64::from(converted);
    }
    fn done(mut self) -> Cell {
        self.rate = ratio(self.converted, self.leads);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub converted: Vec<u64>,
    #[serde(rename = "notConverted")]
    pub not_converted: Vec<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RocPoint {
    pub threshold: f64,
    pub fpr: f64,
    pub tpr: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandCell {
    pub band: String,
    #[serde(flatten)]
    pub cell: Cell,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixCell {
    pub cell: &'static str,
    pub grade: &'static str,
    pub level: u8,
    #[serde(flatten)]
    pub figures: Cell,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageCell {
    pub stage: Stage,
    #[serde(flatten)]
    pub cell: Cell,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MqlCell {
    #[serde(flatten)]
    pub cell: Cell,
    pub captured: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggested {
    pub target: ThresholdTarget,
    pub threshold: Option<f64>,
    pub row: SweepRow,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSetName {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BacktestReport {
    pub rule_set: RuleSetName,
    pub now: i64,
    pub leads: u64,
    pub converted: u64,
    pub skipped: u64,
    pub auc: f64,
    pub histogram: Histogram,
    pub sweep: Vec<SweepRow>,
    pub roc: Vec<RocPoint>,
    pub bands: Vec<BandCell>,
    pub matrix: Vec<MatrixCell>,
    pub stages: Vec<StageCell>,
    pub mql: MqlCell,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested: Option<Suggested>,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn points(centi: i64) -> f64 {
    centi as f64 / 100.0
}

/// Totals in descending order, grouped: each distinct total with how many leads
/// have it and how many of them converted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub total: i64,
    pub leads: u64,
    pub converted: u64,
}

/// The distinct totals of `scored` (total, converted), highest first.
pub fn levels(scored: impl IntoIterator<Item = (i64, bool)>) -> Vec<Level> {
    let mut all: Vec<(i64, bool)> = scored.into_iter().collect();
    all.sort_unstable_by_key(|a| std::cmp::Reverse(a.0));
    let mut out: Vec<Level> = Vec::new();
    for (total, converted) in all {
        match out.last_mut() {
            Some(l) if l.total == total => {
                l.leads += 1;
                l.converted += u64::from(converted);
            }
            _ => out.push(Level { total, leads: 1, converted: u64::from(converted) }),
        }
    }
    out
}

/// The area under the ROC curve of totals grouped by [`levels`]: the probability
/// that a converted lead has a higher total than a not converted one, a tie
/// counting one half. NaN when either class is empty.
pub fn auc(levels: &[Level]) -> f64 {
    let positives: u64 = levels.iter().map(|l| l.converted).sum();
    let negatives: u64 = levels.iter().map(|l| l.leads - l.converted).sum();
    if positives == 0 || negatives == 0 {
        return f64::NAN;
    }
    // Walking from the lowest total up: each converted lead beats the not converted
    // ones below it and ties with half of those at its total.
    let mut below = 0.0;
    let mut wins = 0.0;
    for l in levels.iter().rev() {
        let n = (l.leads - l.converted) as f64;
        wins += l.converted as f64 * (below + n / 2.0);
        below += n;
    }
    wins / (positives as f64 * negatives as f64)
}

/// The sweep row at threshold `t` (hundredths): the leads with total ≥ t are MQLs.
fn row_at(levels: &[Level], t: i64, leads: u64, positives: u64) -> SweepRow {
    let (mqls, converted) =
        levels.iter().take_while(|l| l.total >= t).fold((0, 0), |(m, c), l| (m + l.leads, c + l.converted));
    row(points(t), mqls, converted, leads, positives)
}

fn row(threshold: f64, mqls: u64, converted: u64, leads: u64, positives: u64) -> SweepRow {
    let precision = ratio(converted, mqls);
    let recall = ratio(converted, positives);
    SweepRow {
        threshold,
        mqls,
        mql_share: ratio(mqls, leads),
        converted_mqls: converted,
        conversion_rate: precision,
        captured: recall,
        precision,
        recall,
    }
}

/// The threshold for `target` over every distinct total: for a conversion rate,
/// the lowest total whose MQLs convert at least at it; for a volume, the lowest
/// total with at most that many MQLs.
pub fn suggest(levels: &[Level], target: ThresholdTarget) -> Suggested {
    let leads: u64 = levels.iter().map(|l| l.leads).sum();
    let positives: u64 = levels.iter().map(|l| l.converted).sum();
    let most = target.mqls.or(target.mql_share.map(|s| s * leads as f64));
    let (mut mqls, mut converted) = (0u64, 0u64);
    let mut best: Option<SweepRow> = None;
    for l in levels {
        mqls += l.leads;
        converted += l.converted;
        let meets = match (target.conversion_rate, most) {
            (Some(rate), _) => ratio(converted, mqls) >= rate,
            (None, Some(most)) => mqls as f64 <= most,
            (None, None) => false,
        };
        if meets {
            best = Some(row(points(l.total), mqls, converted, leads, positives));
        } else if target.conversion_rate.is_none() {
            // A volume only grows as the threshold falls.
            break;
        }
    }
    Suggested { target, threshold: best.map(|r| r.threshold), row: best.unwrap_or_default() }
}

/// The ROC curve, one point per distinct total from the highest down, after (0, 0),
/// thinned to at most `most` points (the first and last kept).
fn roc(levels: &[Level], most: usize) -> Vec<RocPoint> {
    let positives: u64 = levels.iter().map(|l| l.converted).sum();
    let negatives: u64 = levels.iter().map(|l| l.leads - l.converted).sum();
    let start = levels.first().map_or(0, |l| l.total + 1);
    let mut all = vec![RocPoint { threshold: points(start), fpr: 0.0, tpr: 0.0 }];
    let (mut tp, mut fp) = (0, 0);
    for l in levels {
        tp += l.converted;
        fp += l.leads - l.converted;
        all.push(RocPoint { threshold: points(l.total), fpr: ratio(fp, negatives), tpr: ratio(tp, positives) });
    }
    if all.len() <= most {
        return all;
    }
    let last = all.len() - 1;
    (0..most).filter_map(|i| all.get(i * last / (most - 1)).copied()).collect()
}

/// The report of a backtest from the figures of every lead.
pub fn report(
    engine: &Engine,
    bands: &Bands,
    figures: &[LeadFigures],
    now: i64,
    skipped: u64,
    options: &ReportOptions,
) -> BacktestReport {
    let levels = levels(figures.iter().map(|f| (f.total, f.converted)));
    let leads = figures.len() as u64;
    let positives: u64 = levels.iter().map(|l| l.converted).sum();
    let (low, high) = (levels.last().map_or(0, |l| l.total), levels.first().map_or(0, |l| l.total));

    let bins = options.bins();
    let width = ((high - low) as f64 / bins as f64).max(1.0);
    let mut histogram = Histogram {
        edges: (0..=bins).map(|i| points(low) + i as f64 * width / 100.0).collect(),
        converted: vec![0; bins],
        not_converted: vec![0; bins],
    };
    for l in &levels {
        let at = (((l.total - low) as f64 / width) as usize).min(bins - 1);
        if let (Some(c), Some(n)) = (histogram.converted.get_mut(at), histogram.not_converted.get_mut(at)) {
            *c += l.converted;
            *n += l.leads - l.converted;
        }
    }

    let steps = options.sweep_steps();
    let sweep = (0..steps)
        .map(|i| {
            let t = low + ((high - low) as f64 * i as f64 / (steps - 1) as f64).round() as i64;
            row_at(&levels, t, leads, positives)
        })
        .collect();

    let mut band_cells = vec![Cell::default(); bands.names.len()];
    let mut matrix = [Cell::default(); 16];
    let mut stages = [Cell::default(); 4];
    let mut mql = Cell::default();
    for f in figures {
        if let Some(c) = band_cells.get_mut(f.band as usize) {
            c.add(f.converted);
        }
        if let Some(c) = matrix.get_mut(f.cell as usize) {
            c.add(f.converted);
        }
        if let Some(c) = stages.get_mut(f.stage as usize) {
            c.add(f.converted);
        }
        if f.stage >= Stage::Mql {
            mql.add(f.converted);
        }
    }
    const CELLS: [&str; 16] =
        ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "D1", "D2", "D3", "D4"];
    const GRADES: [&str; 4] = ["A", "B", "C", "D"];
    let last_band = bands.names.len().saturating_sub(1);
    BacktestReport {
        rule_set: RuleSetName { id: engine.id().to_string(), version: engine.version().to_string() },
        now,
        leads,
        converted: positives,
        skipped,
        auc: auc(&levels),
        histogram,
        sweep,
        roc: roc(&levels, options.roc_points()),
        bands: bands
            .names
            .iter()
            .zip(band_cells)
            .enumerate()
            // `disqualified` only when a lead is in it.
            .filter(|(i, (_, c))| *i < last_band || c.leads > 0)
            .map(|(_, (name, c))| BandCell { band: name.clone(), cell: c.done() })
            .collect(),
        matrix: CELLS
            .iter()
            .zip(matrix)
            .enumerate()
            .map(|(i, (cell, c))| MatrixCell {
                cell,
                grade: GRADES.get(i / 4).copied().unwrap_or("D"),
                level: (i % 4) as u8 + 1,
                figures: c.done(),
            })
            .collect(),
        stages: [Stage::None, Stage::Mql, Stage::Pql, Stage::Sql]
            .into_iter()
            .zip(stages)
            .map(|(stage, c)| StageCell { stage, cell: c.done() })
            .collect(),
        mql: MqlCell { captured: ratio(mql.converted, positives), cell: mql.done() },
        suggested: options.target.map(|t| suggest(&levels, t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Totals in points with outcomes.
    fn lv(scored: &[(i64, bool)]) -> Vec<Level> {
        levels(scored.iter().map(|&(t, c)| (t * 100, c)))
    }

    #[test]
    fn auc_counts_pairs_and_ties_count_one_half() {
        // Converted 30, 20, 10; not converted 20, 5. Pairs (6): 30>20, 30>5, 20=20
        // (½), 20>5, 10<20, 10>5: 4.5 / 6.
        let l = lv(&[(30, true), (20, true), (10, true), (20, false), (5, false)]);
        assert!((auc(&l) - 0.75).abs() < 1e-12);
        assert!((auc(&lv(&[(1, true), (1, false)])) - 0.5).abs() < 1e-12);
        assert_eq!(auc(&lv(&[(9, true), (1, false)])), 1.0);
        assert_eq!(auc(&lv(&[(1, true), (9, false)])), 0.0);
        assert!(auc(&lv(&[(1, true)])).is_nan());
    }

    #[test]
    fn sweep_rows_count_the_leads_at_or_above_the_threshold() {
        let l = lv(&[(30, true), (20, true), (10, true), (20, false), (5, false)]);
        let r = row_at(&l, 2000, 5, 3);
        assert_eq!((r.mqls, r.converted_mqls), (3, 2));
        assert!((r.conversion_rate - 2.0 / 3.0).abs() < 1e-12 && (r.captured - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.mql_share - 0.6).abs() < 1e-12);
        assert_eq!(r.precision, r.conversion_rate);
        let none = row_at(&l, 3100, 5, 3);
        assert_eq!((none.mqls, none.conversion_rate, none.recall), (0, 0.0, 0.0));
    }

    #[test]
    fn the_suggested_threshold_is_the_lowest_that_meets_the_target() {
        // Highest first: 40 ✓, 30 ✗, 20 ✓, 10 ✗, 10 ✗, 0 ✓.
        let l = lv(&[(40, true), (30, false), (20, true), (10, false), (10, false), (0, true)]);
        let at = |t: ThresholdTarget| suggest(&l, t).threshold;
        // Rates by threshold: 40 → 1, 30 → ½, 20 → ⅔, 10 → 2/5, 0 → ½.
        assert_eq!(at(ThresholdTarget { conversion_rate: Some(0.6), ..Default::default() }), Some(20.0));
        assert_eq!(at(ThresholdTarget { conversion_rate: Some(0.5), ..Default::default() }), Some(0.0));
        assert_eq!(at(ThresholdTarget { conversion_rate: Some(1.1), ..Default::default() }), None);
        // Volumes: 40 → 1, 30 → 2, 20 → 3, 10 → 5, 0 → 6.
        assert_eq!(at(ThresholdTarget { mqls: Some(4.0), ..Default::default() }), Some(20.0));
        assert_eq!(at(ThresholdTarget { mql_share: Some(0.5), ..Default::default() }), Some(20.0));
        assert_eq!(at(ThresholdTarget { mqls: Some(0.0), ..Default::default() }), None);
        let s = suggest(&l, ThresholdTarget { conversion_rate: Some(0.6), ..Default::default() });
        assert_eq!((s.row.mqls, s.row.converted_mqls), (3, 2));
    }

    #[test]
    fn the_roc_runs_from_origin_to_one_and_is_thinned_keeping_its_ends() {
        let l = lv(&[(30, true), (20, true), (10, true), (20, false), (5, false)]);
        let r = roc(&l, 100);
        let pts: Vec<_> = r.iter().map(|p| (p.threshold, p.fpr, p.tpr)).collect();
        assert_eq!(
            pts,
            [(30.01, 0.0, 0.0), (30.0, 0.0, 1.0 / 3.0), (20.0, 0.5, 2.0 / 3.0), (10.0, 0.5, 1.0), (5.0, 1.0, 1.0)]
        );
        let many = lv(&(0..1000).map(|i| (i, i % 3 == 0)).collect::<Vec<_>>());
        let thin = roc(&many, 10);
        assert_eq!(thin.len(), 10);
        assert_eq!((thin[0].fpr, thin[0].tpr), (0.0, 0.0));
        assert_eq!((thin[9].fpr, thin[9].tpr), (1.0, 1.0));
    }
}
