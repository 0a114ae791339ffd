//! `cxstat index`'s sums: multi-item constructs (a satisfaction index and its reliability) and
//! SERVQUAL dimensions (perceived − expected), per group with a total, in one pass.
//!
//! Each result is computed from a [`Block`]: a few values per row (items, or the means of a
//! dimension's expected and perceived items), counted on the rows where all of them are answered
//! and valid (listwise deletion, as `psych::alpha(na.omit(x))`), reduced by polars to n, Σxᵢ and
//! Σxᵢxⱼ (and how many rows have some values below 0); the statistics come from those sums
//! (`stats::reliability`).

use anyhow::Result;
use polars::prelude::*;

use crate::input::clean::{Cleaned, Scale};
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::count_where;
use crate::metrics::grouping::{GroupKey, Grouping, RowKind};
use crate::stats::drivers::Moments;
use crate::stats::intervals::Interval;
use crate::stats::reliability::{alpha, composite, covariances, feldt_interval, item_fit, mean_interval, standardised_alpha, ItemFit};

/// Values computed from the cleaned columns (`x(j)`), counted together.
#[derive(Clone)]
pub struct Block {
    pub values: Vec<Expr>,
    /// Expressions over the values whose rows below 0 are counted (e.g. a gap).
    pub negatives: Vec<Expr>,
}

/// The cleaned value of column `j` (null when not answered or invalid).
pub fn x(j: usize) -> Expr {
    col(format!("__x{j}").as_str())
}

/// What to read: the columns, how each is cleaned, the blocks, and the grouping.
pub struct IndexSpec {
    pub columns: Vec<String>,
    pub cleaned: Vec<Cleaned>,
    pub blocks: Vec<Block>,
    pub grouping: Grouping,
    /// A total row over every group (when grouped).
    pub totals: bool,
    /// The columns cleaned as plain numbers only (no answer labels, untrimmed): the fast first
    /// pass, read again with `cleaned` when it finds any invalid value.
    pub quick: Option<Vec<Cleaned>>,
}

/// The sums of one block in one group.
#[derive(Debug, Clone)]
pub struct BlockSums {
    pub moments: Moments,
    /// Per `negatives` expression: rows below 0.
    pub negative: Vec<f64>,
}

/// The sums of one group.
#[derive(Debug, Clone)]
pub struct Sums {
    pub rows: f64,
    /// Per column: invalid values, and valid ones.
    pub invalid: Vec<u64>,
    pub valid: Vec<u64>,
    pub blocks: Vec<BlockSums>,
}

fn v(b: usize, i: usize) -> String {
    format!("__b{b}_{i}")
}

/// The scan with the cleaned columns (`__x{j}`, `__bad{j}`) and each block's values on its
/// complete rows (`__b{b}_{i}`, null elsewhere).
fn prepared(data: &Dataset, spec: &IndexSpec, columns: &[Cleaned], with_rows: bool) -> LazyFrame {
    let lf = if with_rows { data.lazy_with_rows() } else { data.lazy() };
    let mut cleaned = Vec::new();
    for (j, c) in columns.iter().enumerate() {
        cleaned.push(c.value.clone().alias(format!("__x{j}")));
        cleaned.push(c.invalid.clone().alias(format!("__bad{j}")));
    }
    let mut values = Vec::new();
    for (b, block) in spec.blocks.iter().enumerate() {
        values.extend(block.values.iter().enumerate().map(|(i, e)| e.clone().alias(v(b, i))));
    }
    let mut complete = Vec::new();
    for (b, block) in spec.blocks.iter().enumerate() {
        let ok = (0..block.values.len()).fold(lit(true), |acc, i| acc.and(col(v(b, i).as_str()).is_not_null()));
        complete.extend(
            (0..block.values.len())
                .map(|i| when(ok.clone()).then(col(v(b, i).as_str())).otherwise(lit(NULL).cast(DataType::Float64)).alias(v(b, i))),
        );
    }
    lf.with_columns(cleaned).with_columns(values).with_columns(complete)
}

fn aggregations(spec: &IndexSpec) -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Float64).alias("rows")];
    for j in 0..spec.columns.len() {
        aggs.push(count_where(col(format!("__bad{j}").as_str())).alias(format!("bad{j}")));
        aggs.push(count_where(x(j).is_not_null()).alias(format!("valid{j}")));
    }
    for (b, block) in spec.blocks.iter().enumerate() {
        let k = block.values.len();
        aggs.push(count_where(col(v(b, 0).as_str()).is_not_null()).alias(format!("n{b}")));
        for i in 0..k {
            aggs.push(col(v(b, i).as_str()).sum().alias(format!("s{b}_{i}")));
            for j in i..k {
                aggs.push((col(v(b, i).as_str()) * col(v(b, j).as_str())).sum().alias(format!("c{b}_{i}_{j}")));
            }
        }
        // The negatives are expressions of the block's values (`__b{b}_{i}`, complete rows only).
        for (e, neg) in block.negatives.iter().enumerate() {
            aggs.push(count_where(neg.clone().lt(lit(0.0)).fill_null(lit(false))).alias(format!("neg{b}_{e}")));
        }
    }
    aggs
}

fn read_sums(df: &DataFrame, row: usize, spec: &IndexSpec) -> Result<Sums> {
    let get = |name: String| f64_at(df, &name, row);
    let columns = spec.columns.len();
    let mut blocks = Vec::with_capacity(spec.blocks.len());
    for (b, block) in spec.blocks.iter().enumerate() {
        let k = block.values.len();
        let sums = (0..k).map(|i| get(format!("s{b}_{i}"))).collect::<Result<Vec<_>>>()?;
        let cross = (0..k)
            .map(|i| (0..k).map(|j| get(format!("c{b}_{}_{}", i.min(j), i.max(j)))).collect::<Result<Vec<f64>>>())
            .collect::<Result<Vec<_>>>()?;
        let negative = (0..block.negatives.len()).map(|e| get(format!("neg{b}_{e}"))).collect::<Result<Vec<_>>>()?;
        blocks.push(BlockSums { moments: Moments { n: get(format!("n{b}"))?, sums, cross }, negative });
    }
    Ok(Sums {
        rows: get("rows".into())?,
        invalid: (0..columns).map(|j| get(format!("bad{j}")).map(|b| b as u64)).collect::<Result<_>>()?,
        valid: (0..columns).map(|j| get(format!("valid{j}")).map(|v| v as u64)).collect::<Result<_>>()?,
        blocks,
    })
}

/// The value of block `b`'s value `i` on its complete rows, for `negatives` expressions.
pub fn block_value(b: usize, i: usize) -> Expr {
    col(v(b, i).as_str())
}

impl Sums {
    /// Adds another group's sums (all of them are counts and sums over rows).
    fn add(&mut self, other: &Sums) {
        self.rows += other.rows;
        let columns = self.invalid.iter_mut().zip(&other.invalid).chain(self.valid.iter_mut().zip(&other.valid));
        columns.for_each(|(a, b)| *a += b);
        for (a, b) in self.blocks.iter_mut().zip(&other.blocks) {
            a.moments.n += b.moments.n;
            a.moments.sums.iter_mut().zip(&b.moments.sums).for_each(|(x, y)| *x += y);
            for (row, other) in a.moments.cross.iter_mut().zip(&b.moments.cross) {
                row.iter_mut().zip(other).for_each(|(x, y)| *x += y);
            }
            a.negative.iter_mut().zip(&b.negative).for_each(|(x, y)| *x += y);
        }
    }
}

/// Sums per group (dated groups only, in key order) and, when grouped, over everything in scope
/// (the groups' sums added, in key order: one pass over the rows). The items are read as plain
/// numbers first, and again with answer labels only when that finds invalid values.
pub fn sums(data: &Dataset, spec: &IndexSpec) -> Result<Vec<(GroupKey, RowKind, Sums)>> {
    let run = |columns: &[Cleaned]| {
        let aggregate = |q| data.collect(q);
        spec.grouping.aggregate(prepared(data, spec, columns, false), aggregations(spec), aggregate, |df, i| read_sums(df, i, spec))
    };
    let mut groups = match &spec.quick {
        Some(quick) => run(quick)?,
        None => run(&spec.cleaned)?,
    };
    if spec.quick.is_some() && groups.iter().any(|g| g.counts.invalid.iter().any(|&b| b > 0)) {
        groups = run(&spec.cleaned)?;
    }
    let mut rows: Vec<(GroupKey, RowKind, Sums)> =
        groups.into_iter().filter(|g| g.dated).map(|g| (g.key, RowKind::Group, g.counts)).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if spec.totals && !rows.is_empty() {
        let mut total = rows[0].2.clone();
        rows[1..].iter().for_each(|(_, _, s)| total.add(s));
        rows.push((GroupKey { period: None, by: vec![None; spec.grouping.by.len()] }, RowKind::Total, total));
    }
    Ok(rows)
}

/// The first rows (number, raw value) whose column `j` is invalid.
pub fn invalid_examples(data: &Dataset, spec: &IndexSpec, j: usize, limit: u32) -> Result<Vec<(u64, String)>> {
    let (lf, _) = spec.grouping.apply(prepared(data, spec, &spec.cleaned, true));
    data.examples(lf.filter(col(format!("__bad{j}").as_str())), &spec.columns[j], limit)
}

/// Per column over the groups (not the total, which repeats them): invalid values, and valid ones.
pub fn column_checks(groups: &[(GroupKey, RowKind, Sums)], columns: usize) -> (Vec<u64>, Vec<u64>) {
    let mut invalid = vec![0u64; columns];
    let mut valid = vec![0u64; columns];
    for (_, _, s) in groups.iter().filter(|g| g.1 == RowKind::Group) {
        for j in 0..columns {
            invalid[j] += s.invalid[j];
            valid[j] += s.valid[j];
        }
    }
    (invalid, valid)
}

/// A construct: its items (indexes into [`IndexSpec::columns`]), their scale, which are reversed.
#[derive(Debug, Clone)]
pub struct Construct {
    pub name: String,
    pub items: Vec<usize>,
    pub scale: Scale,
    pub reversed: Vec<bool>,
}

impl Construct {
    /// The items as counted: reversed ones as low + high − x.
    pub fn block(&self) -> Block {
        let (low, high) = (self.scale.low as f64, self.scale.high as f64);
        let values = self.items.iter().zip(&self.reversed).map(|(&j, &r)| if r { lit(low + high) - x(j) } else { x(j) }).collect();
        Block { values, negatives: Vec::new() }
    }

    /// The outcome `target` (a column index) first, then the items: for their relative weights.
    pub fn block_with(&self, target: usize) -> Block {
        let mut values = vec![x(target)];
        values.extend(self.block().values);
        Block { values, negatives: Vec::new() }
    }
}

/// A SERVQUAL dimension: its expectation and perception items, and its importance.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub name: String,
    pub expected: Vec<usize>,
    pub perceived: Vec<usize>,
    pub importance: Option<ImportanceOf>,
}

/// The importance of a dimension: fixed points, or a column of each respondent's points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImportanceOf {
    Points(f64),
    Column(usize),
}

fn mean_of(columns: &[usize]) -> Expr {
    columns.iter().fold(lit(0.0), |acc, &j| acc + x(j)) / lit(columns.len() as f64)
}

impl Dimension {
    /// (mean of the expected items, mean of the perceived items) per row; `b` is the block's
    /// own index, for its gap's negatives.
    pub fn block(&self, b: usize) -> Block {
        Block { values: vec![mean_of(&self.expected), mean_of(&self.perceived)], negatives: vec![block_value(b, 1) - block_value(b, 0)] }
    }
}

/// The overall SERVQUAL score per row: each dimension's (expected, perceived) means, on the rows
/// with every dimension; its negatives are the unweighted score (the mean gap) and, with fixed
/// points, the weighted one.
pub fn servqual_block(dimensions: &[Dimension], b: usize, points: Option<&[f64]>) -> Block {
    let values: Vec<Expr> = dimensions.iter().flat_map(|d| [mean_of(&d.expected), mean_of(&d.perceived)]).collect();
    let gap = |d: usize| block_value(b, 2 * d + 1) - block_value(b, 2 * d);
    let count = dimensions.len() as f64;
    let mut negatives = vec![(0..dimensions.len()).fold(lit(0.0), |acc, d| acc + gap(d)) / lit(count)];
    if let Some(points) = points {
        let total: f64 = points.iter().sum();
        negatives.push((0..dimensions.len()).fold(lit(0.0), |acc, d| acc + gap(d) * lit(points[d] / total)));
    }
    Block { values, negatives }
}

/// The weighted SERVQUAL score per row with each respondent's importance points (columns):
/// Σ pᵣd·gapᵣd / Σ pᵣd, on rows whose points are all given, none negative, some above 0.
pub fn weighted_servqual_block(dimensions: &[Dimension], b: usize) -> Block {
    let points: Vec<Expr> = dimensions
        .iter()
        .map(|d| match d.importance {
            Some(ImportanceOf::Column(j)) => when(x(j).gt_eq(lit(0.0))).then(x(j)).otherwise(lit(NULL).cast(DataType::Float64)),
            Some(ImportanceOf::Points(p)) => lit(p),
            None => lit(NULL).cast(DataType::Float64),
        })
        .collect();
    let total = points.iter().fold(lit(0.0), |acc, p| acc + p.clone());
    let weighted =
        dimensions.iter().zip(&points).fold(lit(0.0), |acc, (d, p)| acc + p.clone() * (mean_of(&d.perceived) - mean_of(&d.expected)));
    let score = when(total.clone().gt(lit(0.0))).then(weighted / total).otherwise(lit(NULL).cast(DataType::Float64));
    Block { values: vec![score], negatives: vec![block_value(b, 0)] }
}

/// One item of a construct in one group.
#[derive(Debug, Clone, Default)]
pub struct ItemResult {
    /// The mean as answered (before any reversal).
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    /// Its own 0–100 score (after reversal) and interval.
    pub index: Option<f64>,
    pub index_ci: Option<Interval>,
    pub fit: Option<ItemFit>,
    /// Its weight in the index (a share, summing to 1 over the items).
    pub weight: f64,
}

impl ItemResult {
    /// A negative item-rest correlation: most often an item scored the other way round.
    pub fn looks_reversed(&self) -> bool {
        self.fit.and_then(|f| f.item_rest).is_some_and(|r| r < 0.0)
    }
}

/// A construct in one group.
#[derive(Debug, Clone, Default)]
pub struct ConstructResult {
    pub n: f64,
    pub index: Option<f64>,
    pub index_ci: Option<Interval>,
    pub alpha: Option<f64>,
    pub alpha_ci: Option<Interval>,
    pub std_alpha: Option<f64>,
    pub items: Vec<ItemResult>,
    pub note: String,
}

/// The index and reliability of `construct` from its block's sums, with `weights` (shares
/// summing to 1) of its items.
pub fn analyse_construct(construct: &Construct, sums: &BlockSums, weights: &[f64], confidence: f64) -> ConstructResult {
    let m = &sums.moments;
    let k = construct.items.len();
    let mut result = ConstructResult { n: m.n, ..Default::default() };
    let (low, range) = (construct.scale.low as f64, (construct.scale.high - construct.scale.low) as f64);
    let means: Vec<f64> = (0..k).map(|i| m.mean(i).unwrap_or(f64::NAN)).collect();
    let Some(cov) = covariances(m) else {
        result.note =
            if m.n == 0.0 { "not computable: no row has every item answered".into() } else { "one complete row: no interval or α".into() };
        if m.n > 0.0 {
            // One row: the index is its value, without an interval.
            let w: Vec<f64> = weights.iter().map(|w| w * 100.0 / range).collect();
            result.index = Some(composite(&means, &vec![vec![0.0; k]; k], &w, -100.0 * low / range).0);
        }
        return result;
    };
    // Index = Σ wᵢ·(yᵢ − low)/range·100: a composite with coefficients wᵢ·100/range.
    let w: Vec<f64> = weights.iter().map(|w| w * 100.0 / range).collect();
    let (mean, variance) = composite(&means, &cov, &w, -100.0 * low / range);
    result.index = Some(mean);
    result.index_ci = mean_interval(mean, variance, m.n, confidence);
    result.alpha = alpha(&cov);
    result.alpha_ci = result.alpha.and_then(|a| feldt_interval(a, m.n, k, confidence));
    result.std_alpha = standardised_alpha(&cov);
    let (high, shift) = (construct.scale.high as f64, construct.scale.low as f64);
    result.items = (0..k)
        .map(|i| {
            let scaled = 100.0 / range;
            let index = (means[i] - low) * scaled;
            let answered_mean = if construct.reversed[i] { shift + high - means[i] } else { means[i] };
            ItemResult {
                mean: Some(answered_mean),
                sd: Some(cov[i][i].max(0.0).sqrt()),
                index: Some(index),
                index_ci: mean_interval(index, cov[i][i] * scaled * scaled, m.n, confidence),
                fit: (k >= 2).then(|| item_fit(&cov, i)),
                weight: weights[i],
            }
        })
        .collect();
    let mut notes = Vec::new();
    if k < 2 {
        notes.push("one item: no α".to_string());
    } else if result.alpha.is_none() {
        notes.push("α not computable: the items' sum does not vary".to_string());
    }
    let flagged: Vec<String> =
        result.items.iter().enumerate().filter(|(_, r)| r.looks_reversed()).map(|(i, _)| format!("#{}", i + 1)).collect();
    if !flagged.is_empty() {
        notes.push(format!("negative item-rest correlation ({}): reverse-coded?", flagged.join(", ")));
    }
    result.note = notes.join("; ");
    result
}

/// The items' weights in the index from their relative weights against the outcome (the
/// block of [`Construct::block_with`]): each raw weight over R². None when not computable.
pub fn relative_item_weights(sums: &BlockSums) -> Option<Vec<f64>> {
    let m = &sums.moments;
    let k = m.sums.len() - 1;
    if m.n <= k as f64 + 1.0 || !m.varies(0) || !(1..=k).all(|j| m.varies(j)) {
        return None;
    }
    let w = m.relative_weights(&(1..=k).collect::<Vec<_>>())?;
    (w.r2 > 0.0).then(|| w.raw.iter().map(|r| r / w.r2).collect())
}

/// A SERVQUAL dimension (or the overall score) in one group.
#[derive(Debug, Clone, Default)]
pub struct GapResult {
    pub n: f64,
    pub expected: Option<f64>,
    pub perceived: Option<f64>,
    /// Perceived − expected, with its paired-t interval.
    pub gap: Option<f64>,
    pub gap_ci: Option<Interval>,
    /// % of the rows with a gap below 0.
    pub negative_pct: Option<f64>,
}

fn gap_result(n: f64, mean_e: Option<f64>, mean_p: Option<f64>, gap: Option<(f64, f64)>, negative: f64, confidence: f64) -> GapResult {
    GapResult {
        n,
        expected: mean_e,
        perceived: mean_p,
        gap: gap.map(|g| g.0),
        gap_ci: gap.and_then(|(mean, variance)| mean_interval(mean, variance, n, confidence)),
        negative_pct: (n > 0.0).then(|| 100.0 * negative / n),
    }
}

/// A dimension's gap from its block (expected mean, perceived mean).
pub fn analyse_dimension(sums: &BlockSums, confidence: f64) -> GapResult {
    let m = &sums.moments;
    let gap = m.mean(1).zip(m.mean(0)).map(|(p, e)| {
        let variance = covariances(m).map_or(0.0, |c| (c[0][0] + c[1][1] - 2.0 * c[0][1]).max(0.0));
        (p - e, variance)
    });
    gap_result(m.n, m.mean(0), m.mean(1), gap, sums.negative[0], confidence)
}

/// The overall score from [`servqual_block`]'s sums: the mean gap (`points` None) or the gap
/// weighted by fixed points; `negative` is its index in the block's negatives.
pub fn analyse_overall(sums: &BlockSums, points: Option<&[f64]>, negative: usize, confidence: f64) -> GapResult {
    let m = &sums.moments;
    let d = m.sums.len() / 2;
    let shares: Vec<f64> = match points {
        Some(p) => {
            let total: f64 = p.iter().sum();
            p.iter().map(|v| v / total).collect()
        }
        None => vec![1.0 / d as f64; d],
    };
    let w_e: Vec<f64> = (0..2 * d).map(|i| if i % 2 == 0 { shares[i / 2] } else { 0.0 }).collect();
    let w_p: Vec<f64> = (0..2 * d).map(|i| if i % 2 == 1 { shares[i / 2] } else { 0.0 }).collect();
    let w_gap: Vec<f64> = w_p.iter().zip(&w_e).map(|(p, e)| p - e).collect();
    let means: Vec<f64> = (0..2 * d).map(|i| m.mean(i).unwrap_or(f64::NAN)).collect();
    let zero = vec![vec![0.0; 2 * d]; 2 * d];
    let cov = covariances(m).unwrap_or(zero);
    let known = m.n > 0.0;
    let (e, p) = (composite(&means, &cov, &w_e, 0.0).0, composite(&means, &cov, &w_p, 0.0).0);
    let gap = known.then(|| composite(&means, &cov, &w_gap, 0.0));
    gap_result(m.n, known.then_some(e), known.then_some(p), gap, sums.negative[negative], confidence)
}

/// The weighted score from [`weighted_servqual_block`]'s sums (each respondent's own points).
pub fn analyse_weighted(sums: &BlockSums, confidence: f64) -> GapResult {
    let m = &sums.moments;
    let gap = m.mean(0).map(|g| (g, covariances(m).map_or(0.0, |c| c[0][0].max(0.0))));
    gap_result(m.n, None, None, gap, sums.negative[0], confidence)
}
