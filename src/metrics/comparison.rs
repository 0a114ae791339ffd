//! Is a change real? The comparisons of `cxstat compare`: two sides (a period and the one before
//! or a year before, or a segment and the rest), each metric's values, the difference with its
//! interval, the test and its p-value, adjusted over the groups of each metric.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::input::frame::Dataset;
use crate::metrics::design::{pair_cells, CellTable, PairCells, PsuCounts};
use crate::metrics::grouping::{Group, GroupKey, Grouping};
use crate::metrics::pct;
use crate::metrics::satisfaction::{aggregate_read, score_table, Metric, SatisfactionCounts, SatisfactionSpec};
use crate::stats::design::{linear_covariance, linear_variance, rao_scott};
use crate::stats::intervals::{Interval, NpsMethod};
use crate::stats::significance::{
    adjust, chi_square, cohen_d, cohen_h, cramer_v, detectable_multiple, nps_difference, t_test, two_proportions, welch, Adjust, Comparison,
};

/// One side of a comparison: its label and its sufficient statistics.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: String,
    pub counts: SatisfactionCounts,
    /// Answers per score value, per score metric.
    pub scores: BTreeMap<(u8, i64), f64>,
    /// The groups the side is made of (for the design's sums).
    pub keys: Vec<GroupKey>,
}

/// One comparison: a metric of a group, both sides and the test.
#[derive(Debug, Clone)]
pub struct ComparisonRow {
    pub group: Vec<String>,
    pub metric: &'static str,
    pub test: &'static str,
    pub a: (String, f64, Option<f64>),
    pub b: (String, f64, Option<f64>),
    /// Kish's effective sizes of both sides, with a weight.
    pub n_eff: Option<(f64, f64)>,
    pub result: Option<Tested>,
    pub note: String,
    /// The p-value adjusted over the groups of the metric, and whether it is under alpha.
    pub p_adjusted: Option<f64>,
    pub significant: Option<bool>,
}

/// A test's outcome in the units shown.
#[derive(Debug, Clone, Copy)]
pub struct Tested {
    pub difference: Option<f64>,
    pub interval: Option<Interval>,
    pub statistic: f64,
    pub df: Option<f64>,
    pub p: f64,
    /// The effect size (Cohen's h, d or Cramér's V) and its name.
    pub effect: Option<(&'static str, f64)>,
    /// The smallest difference the test would detect with 80% power at the unadjusted alpha, in
    /// the metric's units (differences only).
    pub detectable: Option<f64>,
}

/// The test of a difference under a survey design.
const DESIGN_T: &str = "design t (Taylor)";

/// The power that the detectable difference is given at.
pub const POWER: f64 = 0.8;

/// The test's outcome in the units shown (× `by`), with its effect size and, at level `alpha`,
/// the difference it would detect with [`POWER`].
fn scaled(c: Comparison, by: f64, effect: Option<(&'static str, f64)>, alpha: f64) -> Tested {
    Tested {
        difference: Some(c.difference * by),
        interval: c.interval.map(|i| Interval { low: i.low * by, high: i.high * by }),
        statistic: c.statistic,
        df: c.df,
        p: c.p,
        effect,
        detectable: detectable_multiple(alpha, POWER).map(|k| k * c.se * by),
    }
}

fn metric_code(m: Metric) -> u8 {
    match m {
        Metric::Csat => 0,
        Metric::Nps => 1,
        Metric::Ces => 2,
        Metric::Designation => 3,
        Metric::Weight => 4,
    }
}

/// Sums of counts and score tables per group key.
pub fn sides(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, label: impl Fn(&GroupKey) -> String) -> Result<Sides> {
    let mut out: BTreeMap<GroupKey, Side> = BTreeMap::new();
    // The score tables read the scores as the counts did (numbers only when that was enough).
    let (groups, read_spec, read_grouping) = aggregate_read(data, spec, grouping)?;
    let (spec, grouping) = (&read_spec, &read_grouping);
    for g in groups.iter().filter(|g| g.dated) {
        let label = label(&g.key);
        out.entry(g.key.clone())
            .or_insert_with(|| Side { label, counts: SatisfactionCounts::default(), scores: BTreeMap::new(), keys: vec![g.key.clone()] })
            .counts += g.counts;
    }
    for metric in [Metric::Csat, Metric::Nps, Metric::Ces] {
        for (key, score, n) in score_table(data, spec, grouping, metric)? {
            if let Some(side) = out.get_mut(&key) {
                *side.scores.entry((metric_code(metric), score)).or_insert(0.0) += n;
            }
        }
    }
    Ok(Sides { sides: out, groups, spec: read_spec, grouping: read_grouping })
}

/// The sides of [`sides`], with the groups they came from (undated ones too: their invalid
/// answers are reported) and the reading that made them.
pub struct Sides {
    pub sides: BTreeMap<GroupKey, Side>,
    pub groups: Vec<Group<SatisfactionCounts>>,
    pub spec: SatisfactionSpec,
    pub grouping: Grouping,
}

/// Why a test could not be made.
fn not_computable(a: &(String, f64, Option<f64>), b: &(String, f64, Option<f64>), min_n: f64) -> String {
    if a.1 < min_n || b.1 < min_n {
        let empty = if a.1 < min_n { &a.0 } else { &b.0 };
        format!("not computable: too few answers in {empty}")
    } else {
        "not computable: no variation (every answer the same)".to_string()
    }
}

/// How the tests are made: the interval level, the NPS method, and the alpha the detectable
/// differences are given at.
#[derive(Debug, Clone, Copy)]
pub struct Testing {
    pub confidence: f64,
    pub nps_method: NpsMethod,
    pub alpha: f64,
}

/// All metric comparisons of one pair of sides. With a weight, values are weighted and every
/// test and interval runs on the effective counts (Kish's n eff.); the raw counts are shown too.
pub fn compare_sides(
    group: &[String],
    (a, b): (&Side, &Side),
    spec: &SatisfactionSpec,
    testing: Testing,
    design: Option<&CompareDesign>,
) -> Vec<ComparisonRow> {
    let Testing { confidence, nps_method, alpha } = testing;
    // Under a design, each score metric's cells of the two sides, made once for its difference
    // and its distribution.
    let paired = design.map_or_else(Vec::new, |d| d.pairs(a, b));
    let pair = |metric: Metric| paired.iter().find(|(m, _)| *m == metric).map(|(_, p)| p);
    let (ra, rb) = (&a.counts, &b.counts);
    let (ea, eb) = (ra.effective(), rb.effective());
    let (ca, cb) = (&ea, &eb);
    let weighted = spec.weight.is_some();
    let mut rows = Vec::new();
    let mut push =
        |metric, test, av: (f64, f64, Option<f64>), bv: (f64, f64, Option<f64>), result: Option<Tested>, min_n: f64, caveat: &str| {
            let a_side = (a.label.clone(), av.0, av.2);
            let b_side = (b.label.clone(), bv.0, bv.2);
            let note = if result.is_none() { not_computable(&a_side, &b_side, min_n) } else { caveat.to_string() };
            let n_eff = weighted.then_some((av.1, bv.1));
            rows.push(ComparisonRow {
                group: group.to_vec(),
                metric,
                test,
                a: a_side,
                b: b_side,
                n_eff,
                result,
                note,
                p_adjusted: None,
                significant: None,
            });
        };
    if spec.csat.is_some() {
        let h = share_effect(ca.csat_top, ca.csat_n, cb.csat_top, cb.csat_n);
        let top = spec.csat_top_min;
        let (r, test) = match pair(Metric::Csat) {
            Some(pair) => (design_difference(pair, |v| f64::from(v >= top), 100.0, h, testing), DESIGN_T),
            None => (
                two_proportions(ca.csat_top, ca.csat_n, cb.csat_top, cb.csat_n, confidence).map(|c| scaled(c, 100.0, h, alpha)),
                "two-proportion z",
            ),
        };
        push(
            "csat_pct",
            test,
            (ra.csat_n, ca.csat_n, pct(ca.csat_top, ca.csat_n)),
            (rb.csat_n, cb.csat_n, pct(cb.csat_top, cb.csat_n)),
            r,
            1.0,
            "",
        );
    }
    if spec.nps.is_some() {
        // Cohen's d of the +1/0/−1 scores: Σx = promoters − detractors, Σx² = promoters + detractors.
        let scores = |c: &SatisfactionCounts| (c.nps_n, c.promoters - c.detractors, c.promoters + c.detractors);
        let d = cohen_d(scores(ca), scores(cb)).map(|d| ("d", d));
        let nps_score = |v: i64| f64::from(v >= 9) - f64::from(v <= 6);
        let (r, test) = match pair(Metric::Nps) {
            Some(pair) => (design_difference(pair, nps_score, 100.0, d, testing), DESIGN_T),
            None => (
                nps_difference((ca.promoters, ca.detractors, ca.nps_n), (cb.promoters, cb.detractors, cb.nps_n), confidence, nps_method)
                    .map(|c| scaled(c, 100.0, d, alpha)),
                "NPS difference z",
            ),
        };
        let nps = |c: &SatisfactionCounts| pct(c.promoters - c.detractors, c.nps_n);
        push("nps", test, (ra.nps_n, ca.nps_n, nps(ca)), (rb.nps_n, cb.nps_n, nps(cb)), r, 1.0, "");
    }
    if spec.ces.is_some() {
        let (sa, sb) = ((ca.ces_n, ca.ces_sum, ca.ces_sum_sq), (cb.ces_n, cb.ces_sum, cb.ces_sum_sq));
        let d = cohen_d(sa, sb).map(|d| ("d", d));
        let (r, test) = match pair(Metric::Ces) {
            Some(pair) => (design_difference(pair, |v| v as f64, 1.0, d, testing), DESIGN_T),
            None => (welch(sa, sb, confidence).map(|c| scaled(c, 1.0, d, alpha)), "Welch t"),
        };
        let mean = |c: &SatisfactionCounts| (c.ces_n > 0.0).then(|| c.ces_sum / c.ces_n);
        push("ces_mean", test, (ra.ces_n, ca.ces_n, mean(ca)), (rb.ces_n, cb.ces_n, mean(cb)), r, 2.0, "");
    }
    if spec.designation.is_some() {
        let h = share_effect(ca.designation_yes, ca.designation_n, cb.designation_yes, cb.designation_n);
        let (r, test) = match pair(Metric::Designation) {
            Some(pair) => (design_difference(pair, |v| v as f64, 100.0, h, testing), DESIGN_T),
            None => (
                two_proportions(ca.designation_yes, ca.designation_n, cb.designation_yes, cb.designation_n, confidence)
                    .map(|c| scaled(c, 100.0, h, alpha)),
                "two-proportion z",
            ),
        };
        push(
            "designation_pct",
            test,
            (ra.designation_n, ca.designation_n, pct(ca.designation_yes, ca.designation_n)),
            (rb.designation_n, cb.designation_n, pct(cb.designation_yes, cb.designation_n)),
            r,
            1.0,
            "",
        );
    }
    for (metric, name, column) in [
        (Metric::Csat, "csat_distribution", spec.csat.as_ref()),
        (Metric::Nps, "nps_distribution", spec.nps.as_ref()),
        (Metric::Ces, "ces_distribution", spec.ces.as_ref()),
    ] {
        let weights = |c: &SatisfactionCounts| c.weights(metric);
        let Some(column) = column else { continue };
        let code = metric_code(metric);
        // Weighted answers per score, scaled to the side's effective size (n eff./Σw = Σw/Σw²).
        let row = |s: &Side| {
            let k = s.counts.effective_scale(metric);
            (column.scale.low..=column.scale.high).map(|v| k * s.scores.get(&(code, v)).copied().unwrap_or(0.0)).collect::<Vec<f64>>()
        };
        let (row_a, row_b) = (row(a), row(b));
        let (na, nb) = (row_a.iter().sum::<f64>(), row_b.iter().sum::<f64>());
        let chi = chi_square(&[row_a, row_b]);
        if let Some(pair) = pair(metric) {
            let v = chi.and_then(|c| cramer_v(c.statistic, na + nb, 2.0)).map(|v| ("V", v));
            let (r, caveat) = design_distribution(pair, v).map_or((None, String::new()), |(t, note)| (Some(t), note));
            push(name, "Rao–Scott F", (weights(ra).0, na, None), (weights(rb).0, nb, None), r, 1.0, &caveat);
            continue;
        }
        let caveat = if chi.is_some_and(|c| c.min_expected < 5.0) { "expected counts below 5: p is approximate" } else { "" };
        let r = chi.map(|c| Tested {
            difference: None,
            interval: None,
            statistic: c.statistic,
            df: Some(c.df),
            p: c.p,
            effect: cramer_v(c.statistic, na + nb, 2.0).map(|v| ("V", v)),
            detectable: None,
        });
        push(name, "chi-square", (weights(ra).0, na, None), (weights(rb).0, nb, None), r, 1.0, caveat);
    }
    rows
}

/// The survey design of a comparison: each score metric's weights per group, stratum, PSU and
/// score ([`CellTable`]), and the PSUs per stratum of the whole design.
pub struct CompareDesign {
    pub cells: Vec<(Metric, CellTable)>,
    pub psus: PsuCounts,
}

impl CompareDesign {
    /// Each score metric's [`PairCells`] of side a against side b.
    fn pairs(&self, a: &Side, b: &Side) -> Vec<(Metric, PairCells)> {
        self.cells.iter().map(|(m, table)| (*m, pair_cells(table, &a.keys, &b.keys, &self.psus))).collect()
    }
}

/// The difference of the two sides' weighted means of y(score) under the design: Taylor
/// linearisation of θ_a − θ_b, tested by t = d/SE on the design's df − 1 with the interval
/// d ± t·SE (R's `svyttest(y ~ side, design)`), in units × `by`.
fn design_difference(
    pair: &PairCells,
    y: impl Fn(i64) -> f64,
    by: f64,
    effect: Option<(&'static str, f64)>,
    testing: Testing,
) -> Option<Tested> {
    use nalgebra::DVector;
    let width = pair.scores.len();
    let totals = pair.strata.iter().fold(DVector::zeros(2 * width), |acc, s| acc + &s.s1);
    let side = |s: usize| {
        let w: f64 = (0..width).map(|c| totals[s * width + c]).sum();
        let sum: f64 = (0..width).map(|c| totals[s * width + c] * y(pair.scores[c])).sum();
        (w > 0.0).then(|| (w, sum / w))
    };
    let ((wa, ta), (wb, tb)) = (side(0)?, side(1)?);
    let u = DVector::from_fn(2 * width, |j, _| {
        let (s, c) = (j / width, j % width);
        if s == 0 {
            (y(pair.scores[c]) - ta) / wa
        } else {
            -(y(pair.scores[c]) - tb) / wb
        }
    });
    let se = linear_variance(&pair.strata, &u).sqrt();
    let df = pair.df - 1.0;
    if se <= 0.0 || df < 1.0 {
        return None;
    }
    t_test(ta - tb, se, df, testing.confidence).map(|c| scaled(c, by, effect, testing.alpha))
}

/// The Rao–Scott F test of side × score under the design (R's `svychisq(~side + score, design)`),
/// with the note giving its two degrees of freedom.
fn design_distribution(pair: &PairCells, effect: Option<(&'static str, f64)>) -> Option<(Tested, String)> {
    use nalgebra::{DMatrix, DVector};
    let width = pair.scores.len();
    let k = 2 * width;
    let totals = pair.strata.iter().fold(DVector::zeros(k), |acc, s| acc + &s.s1);
    let total = totals.sum();
    if total <= 0.0 {
        return None;
    }
    // Cells in R's order (side fastest), and each one's linearised proportion.
    let order: Vec<usize> = (0..width).flat_map(|c| [c, width + c]).collect();
    let p: Vec<f64> = order.iter().map(|&j| totals[j] / total).collect();
    let u = DMatrix::from_fn(k, k, |i, col| (f64::from(i == order[col]) - p[col]) / total);
    let v = linear_covariance(&pair.strata, &u);
    let r = rao_scott(&p, 2, width, &v, pair.n, pair.df)?;
    let tested = Tested { difference: None, interval: None, statistic: r.f, df: Some(r.df_num), p: r.p, effect, detectable: None };
    Some((tested, format!("F on {:.2} and {:.1} df", r.df_num, r.df_den)))
}

/// Cohen's h of two shares given as (yes, n) (none when a side is empty).
fn share_effect(x1: f64, n1: f64, x2: f64, n2: f64) -> Option<(&'static str, f64)> {
    (n1 > 0.0 && n2 > 0.0).then(|| ("h", cohen_h(x1 / n1, x2 / n2)))
}

/// The pairs of sides to compare: the group's names, side a, side b.
pub type Pair = (Vec<String>, Side, Side);

/// Each group's period `latest` against the period `earlier` (an empty side where a group has no
/// answers in one of them).
pub fn period_pairs(all: &BTreeMap<GroupKey, Side>, latest: &str, earlier: &str) -> Vec<Pair> {
    let mut groups: Vec<Vec<Option<String>>> = all.keys().map(|k| k.by.clone()).collect();
    groups.sort();
    groups.dedup();
    let empty =
        |label: &str| Side { label: label.to_string(), counts: SatisfactionCounts::default(), scores: BTreeMap::new(), keys: Vec::new() };
    let mut pairs = Vec::new();
    for by in groups {
        let find = |label: &str| all.get(&GroupKey { period: Some(label.to_string()), by: by.clone() }).cloned();
        let a = find(latest).unwrap_or_else(|| empty(latest));
        let b = find(earlier).unwrap_or_else(|| empty(earlier));
        let names = by.iter().map(|v| v.clone().unwrap_or_else(|| "(blank)".to_string())).collect();
        pairs.push((names, a, b));
    }
    pairs
}

/// Each segment against all the other answers ("rest": the total minus the segment). With two
/// segments, each one's rest is the other: the two comparisons are one test seen from both
/// sides, so they are one pair, the first segment against the second (adjusted as one test).
pub fn segment_pairs(all: &BTreeMap<GroupKey, Side>) -> Vec<Pair> {
    if let [a, b] = all.values().collect::<Vec<_>>()[..] {
        return vec![(vec![a.label.clone()], a.clone(), b.clone())];
    }
    let mut total = Side { label: "all".to_string(), counts: SatisfactionCounts::default(), scores: BTreeMap::new(), keys: Vec::new() };
    for side in all.values() {
        total.counts += side.counts;
        total.keys.extend(side.keys.iter().cloned());
        for (k, v) in &side.scores {
            *total.scores.entry(*k).or_insert(0.0) += v;
        }
    }
    let mut pairs = Vec::new();
    for side in all.values() {
        let keys = total.keys.iter().filter(|k| !side.keys.contains(k)).cloned().collect();
        let mut rest = Side { label: "rest".to_string(), counts: total.counts.minus(&side.counts), scores: total.scores.clone(), keys };
        for (k, v) in &side.scores {
            *rest.scores.entry(*k).or_insert(0.0) -= v;
        }
        pairs.push((vec![side.label.clone()], side.clone(), rest));
    }
    pairs
}

/// Every metric of every pair compared, with the p-values adjusted by `method` within each
/// metric, over its groups, and marked significant under `alpha`.
pub fn compare(
    pairs: &[Pair],
    spec: &SatisfactionSpec,
    testing: Testing,
    method: Adjust,
    design: Option<&CompareDesign>,
) -> Vec<ComparisonRow> {
    let alpha = testing.alpha;
    let mut rows = Vec::new();
    for (group, a, b) in pairs {
        rows.extend(compare_sides(group, (a, b), spec, testing, design));
    }
    let metrics: Vec<&str> = {
        let mut m: Vec<&str> = rows.iter().map(|r| r.metric).collect();
        m.sort_unstable();
        m.dedup();
        m
    };
    for metric in metrics {
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].metric == metric).collect();
        let ps: Vec<Option<f64>> = idx.iter().map(|&i| rows[i].result.as_ref().map(|t| t.p)).collect();
        for (k, p) in adjust(&ps, method).into_iter().enumerate() {
            rows[idx[k]].p_adjusted = p;
            rows[idx[k]].significant = p.map(|p| p < alpha);
        }
    }
    // A difference found not significant says how large one would have had to be to be seen.
    for row in rows.iter_mut().filter(|r| r.significant == Some(false)) {
        if let Some(m) = row.result.as_ref().and_then(|t| t.detectable) {
            let decimals = if row.metric == "ces_mean" { 2 } else { 1 };
            let said = format!("too few answers to detect less than ±{m:.decimals$} (80% power)");
            row.note = if row.note.is_empty() { said } else { format!("{}; {said}", row.note) };
        }
    }
    rows
}
