//! Key-driver analysis: for each driver (a rating question), its mean (performance), Pearson and
//! Spearman correlation with the target, Johnson's relative weight (raw, summing to the model R²,
//! and as % of R²), and its importance–performance quadrant; per group with a total.
//!
//! Rows count when the target and every driver are answered and valid (listwise deletion);
//! polars reduces them to sums and cross-products (of the values and of their ranks within the
//! group) in one pass, and the statistics are computed from those (`stats::drivers`).

use anyhow::Result;
use polars::prelude::*;

use crate::input::clean::Cleaned;
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::count_where;
use crate::metrics::grouping::{groups_with_total, GroupKey, Grouping, RowKind};
use crate::stats::drivers::{bootstrap, Bootstrapped, Moments, Quadrant};

/// The target and driver columns and how to read them, and the grouping.
pub struct DriversSpec {
    /// Header of the target, then the drivers' headers.
    pub columns: Vec<String>,
    /// The target's cleaning (a score on its scale) and each driver's (any number).
    pub cleaned: Vec<Cleaned>,
    pub grouping: Grouping,
    /// A total row over every group (when grouped).
    pub totals: bool,
}

/// The sums of one group.
#[derive(Debug, Clone)]
pub struct Sums {
    pub rows: f64,
    pub invalid: Vec<u64>,
    /// Per column, what its valid values look like.
    pub seen: Vec<Seen>,
    pub values: Moments,
    /// Per driver: the moments of (target rank, driver rank) over the complete rows.
    pub ranks: Vec<Moments>,
}

/// What a column's valid values look like: how many, how many are 0, are not whole, the
/// lowest above 0 and the highest (over the rows read, complete or not).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Seen {
    pub valid: u64,
    pub zeros: u64,
    pub fractional: u64,
    pub lowest_positive: Option<f64>,
    pub highest: Option<f64>,
}

impl Seen {
    fn join(self, o: Seen) -> Seen {
        let pick = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        Seen {
            valid: self.valid + o.valid,
            zeros: self.zeros + o.zeros,
            fractional: self.fractional + o.fractional,
            lowest_positive: pick(self.lowest_positive, o.lowest_positive, f64::min),
            highest: pick(self.highest, o.highest, f64::max),
        }
    }

    /// A rating question on 1–`high` (whole numbers, 4 to 10 points) that also has 0s: most
    /// often a "not applicable" code, which read as a number is averaged in as a score.
    pub fn zero_below_a_scale(&self) -> Option<i64> {
        let high = self.highest?;
        (self.zeros > 0 && self.fractional == 0 && self.lowest_positive == Some(1.0) && (4.0..=10.0).contains(&high)).then_some(high as i64)
    }
}

/// One driver's results in a group.
#[derive(Debug, Clone, Default)]
pub struct DriverResult {
    pub mean: Option<f64>,
    pub pearson: Option<f64>,
    pub spearman: Option<f64>,
    pub weight: Option<f64>,
    pub weight_pct: Option<f64>,
    pub rank: Option<usize>,
    pub quadrant: Option<Quadrant>,
}

/// A group's results.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub key: GroupKey,
    pub kind: RowKind,
    pub rows: f64,
    pub n: f64,
    pub r2: Option<f64>,
    pub drivers: Vec<DriverResult>,
    pub note: String,
}

fn v(i: usize) -> String {
    format!("__v{i}")
}

/// Ranks (average for ties) within the group, as floats.
fn rank(i: usize) -> Expr {
    col(v(i).as_str()).rank(RankOptions { method: RankMethod::Average, descending: false }, None).cast(DataType::Float64)
}

/// The per-group sums: values of the complete rows (null elsewhere), their cross-products, and
/// the ranks' sums and cross-products with the target's rank.
fn aggregations(k: usize) -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Float64).alias("rows"), count_where(col("__ok")).alias("n")];
    for i in 0..k {
        aggs.push(count_where(col(format!("__bad{i}").as_str())).alias(format!("bad{i}")));
        let x = col(format!("__x{i}").as_str());
        aggs.push(count_where(x.clone().is_not_null()).alias(format!("valid{i}")));
        aggs.push(count_where(x.clone().eq(lit(0.0))).alias(format!("zeros{i}")));
        aggs.push(count_where((x.clone() % lit(1.0)).neq(lit(0.0))).alias(format!("fractional{i}")));
        aggs.push(x.clone().filter(x.clone().gt(lit(0.0))).min().alias(format!("lowpos{i}")));
        aggs.push(x.max().alias(format!("highest{i}")));
        aggs.push(col(v(i).as_str()).sum().alias(format!("s{i}")));
        for j in i..k {
            aggs.push((col(v(i).as_str()) * col(v(j).as_str())).sum().alias(format!("c{i}_{j}")));
        }
        aggs.push(rank(i).sum().alias(format!("rs{i}")));
        aggs.push((rank(i) * rank(i)).sum().alias(format!("rss{i}")));
        aggs.push((rank(i) * rank(0)).sum().alias(format!("rc{i}")));
    }
    aggs
}

fn read_sums(df: &DataFrame, row: usize, k: usize) -> Result<Sums> {
    let get = |name: String| f64_at(df, &name, row);
    let n = get("n".into())?;
    let sums = (0..k).map(|i| get(format!("s{i}"))).collect::<Result<Vec<_>>>()?;
    // Only i ≤ j is aggregated: the matrix is symmetric.
    let cross = (0..k)
        .map(|i| (0..k).map(|j| get(format!("c{}_{}", i.min(j), i.max(j)))).collect::<Result<Vec<f64>>>())
        .collect::<Result<Vec<_>>>()?;
    let (rs0, rss0) = (get("rs0".into())?, get("rss0".into())?);
    let mut ranks = Vec::with_capacity(k - 1);
    for i in 1..k {
        let (rs, rss, rc) = (get(format!("rs{i}"))?, get(format!("rss{i}"))?, get(format!("rc{i}"))?);
        ranks.push(Moments { n, sums: vec![rs0, rs], cross: vec![vec![rss0, rc], vec![rc, rss]] });
    }
    Ok(Sums {
        rows: get("rows".into())?,
        invalid: (0..k).map(|i| get(format!("bad{i}")).map(|b| b as u64)).collect::<Result<_>>()?,
        seen: (0..k)
            .map(|i| {
                let maybe = |name: String| -> Result<Option<f64>> { Ok(df.column(&name)?.cast(&DataType::Float64)?.f64()?.get(row)) };
                Ok(Seen {
                    valid: get(format!("valid{i}"))? as u64,
                    zeros: get(format!("zeros{i}"))? as u64,
                    fractional: get(format!("fractional{i}"))? as u64,
                    lowest_positive: maybe(format!("lowpos{i}"))?,
                    highest: maybe(format!("highest{i}"))?,
                })
            })
            .collect::<Result<_>>()?,
        values: Moments { n, sums, cross },
        ranks,
    })
}

/// The scan with the cleaned values of the complete rows as `__v0…` (null elsewhere).
fn prepared(data: &Dataset, spec: &DriversSpec, with_rows: bool) -> LazyFrame {
    let lf = if with_rows { data.lazy_with_rows() } else { data.lazy() };
    let k = spec.columns.len();
    let mut cleaned = Vec::new();
    for (i, c) in spec.cleaned.iter().enumerate() {
        cleaned.push(c.value.clone().alias(format!("__x{i}")));
        cleaned.push(c.invalid.clone().alias(format!("__bad{i}")));
    }
    let ok = (0..k).fold(lit(true), |acc, i| acc.and(col(format!("__x{i}").as_str()).is_not_null()));
    lf.with_columns(cleaned).with_columns([ok.alias("__ok")]).with_columns(
        (0..k)
            .map(|i| when(col("__ok")).then(col(format!("__x{i}").as_str())).otherwise(lit(NULL).cast(DataType::Float64)).alias(v(i)))
            .collect::<Vec<_>>(),
    )
}

/// Sums per group (dated groups only) and, when grouped, over everything in scope.
pub fn sums(data: &Dataset, spec: &DriversSpec) -> Result<Vec<(GroupKey, RowKind, Sums)>> {
    let k = spec.columns.len();
    let run = |grouping: &Grouping| {
        grouping.aggregate(prepared(data, spec, false), aggregations(k), |q| data.collect(q), |df, i| read_sums(df, i, k))
    };
    groups_with_total(&spec.grouping, spec.totals, run)
}

/// A group's distinct complete rows (target first, then the drivers) with their counts, sorted.
pub type Patterns = Vec<(Vec<f64>, f64)>;

/// The distinct complete rows of every group (and of everything in scope, when grouped), for the
/// bootstrap: rating answers take few values, so there are far fewer patterns than rows.
pub fn patterns(data: &Dataset, spec: &DriversSpec) -> Result<Vec<(GroupKey, RowKind, Patterns)>> {
    let k = spec.columns.len();
    let run = |grouping: &Grouping| {
        let query = |lf: LazyFrame, mut names: Vec<Expr>| {
            names.extend((0..k).map(|i| col(v(i).as_str())));
            lf.filter(col("__ok")).group_by(names).agg([len().cast(DataType::Float64).alias("__count")])
        };
        let read = |df: &DataFrame, i: usize| -> Result<(Vec<f64>, f64)> {
            Ok(((0..k).map(|j| f64_at(df, &v(j), i)).collect::<Result<_>>()?, f64_at(df, "__count", i)?))
        };
        grouping.aggregate_query(prepared(data, spec, false), query, |q| data.collect(q), read)
    };
    let rows = groups_with_total(&spec.grouping, spec.totals, run)?;
    let mut out: Vec<(GroupKey, RowKind, Patterns)> = Vec::new();
    for (key, kind, pattern) in rows {
        match out.iter_mut().find(|(k, w, _)| *k == key && *w == kind) {
            Some(group) => group.2.push(pattern),
            None => out.push((key, kind, vec![pattern])),
        }
    }
    for (_, _, p) in out.iter_mut() {
        p.sort_by(|a, b| a.0.iter().zip(&b.0).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal));
    }
    Ok(out)
}

/// The bootstrap intervals of a group's relative weights (see [`bootstrap`]), over the drivers
/// that have a weight in `analysis`; `None` when it has none.
pub fn bootstrapped(analysis: &Analysis, patterns: &Patterns, replicates: usize, seed: u64, confidence: f64) -> Option<Bootstrapped> {
    let drivers: Vec<usize> = analysis.drivers.iter().enumerate().filter(|(_, d)| d.weight.is_some()).map(|(j, _)| j + 1).collect();
    if drivers.is_empty() || replicates == 0 {
        return None;
    }
    let b = bootstrap(patterns, &drivers, replicates, seed, confidence);
    // Back to one entry per driver of the analysis (none for those without a weight).
    let mut weight_pct = vec![None; analysis.drivers.len()];
    let mut rank = vec![None; analysis.drivers.len()];
    for (k, &j) in drivers.iter().enumerate() {
        weight_pct[j - 1] = b.weight_pct[k];
        rank[j - 1] = b.rank[k];
    }
    Some(Bootstrapped { weight_pct, rank, used: b.used })
}

/// The statistics of one group, or a note saying why they cannot be computed.
pub fn analyse(key: GroupKey, kind: RowKind, s: &Sums) -> Analysis {
    let m = &s.values;
    let k = m.sums.len() - 1;
    let mut drivers: Vec<DriverResult> = (1..=k)
        .map(|j| DriverResult {
            mean: m.mean(j),
            pearson: m.correlation(0, j),
            spearman: s.ranks[j - 1].correlation(0, 1),
            ..Default::default()
        })
        .collect();
    let mut analysis = Analysis { key, kind, rows: s.rows, n: m.n, r2: None, drivers: Vec::new(), note: String::new() };
    let varying: Vec<usize> = (1..=k).filter(|&j| m.varies(j)).collect();
    analysis.note = if m.n == 0.0 {
        "not computable: no complete rows".to_string()
    } else if !m.varies(0) {
        "not computable: the target does not vary".to_string()
    } else if varying.is_empty() {
        "not computable: no driver varies".to_string()
    } else if m.n <= varying.len() as f64 + 1.0 {
        format!("not computable: {} complete rows for {} drivers (need more than drivers + 1)", m.n, varying.len())
    } else {
        match m.relative_weights(&varying) {
            None => "not computable: the drivers are collinear (one is a combination of others)".to_string(),
            Some(w) => {
                analysis.r2 = Some(w.r2);
                for ((&j, raw), pct) in varying.iter().zip(&w.raw).zip(w.percent()) {
                    drivers[j - 1].weight = Some(*raw);
                    drivers[j - 1].weight_pct = pct;
                }
                let mut order: Vec<usize> = varying.iter().map(|j| j - 1).collect();
                order.sort_by(|&a, &b| drivers[b].weight.partial_cmp(&drivers[a].weight).unwrap_or(std::cmp::Ordering::Equal));
                for (r, &d) in order.iter().enumerate() {
                    drivers[d].rank = Some(r + 1);
                }
                let weighted: Vec<&DriverResult> = drivers.iter().filter(|d| d.weight_pct.is_some()).collect();
                let count = weighted.len() as f64;
                let importance_mid = weighted.iter().filter_map(|d| d.weight_pct).sum::<f64>() / count;
                let performance_mid = weighted.iter().filter_map(|d| d.mean).sum::<f64>() / count;
                for d in drivers.iter_mut() {
                    if let (Some(i), Some(p)) = (d.weight_pct, d.mean) {
                        d.quadrant = Some(Quadrant::of(i, p, importance_mid, performance_mid));
                    }
                }
                if varying.len() < k {
                    "drivers that do not vary are left out of the weights".to_string()
                } else {
                    String::new()
                }
            }
        }
    };
    analysis.drivers = drivers;
    analysis
}

/// The first rows (number, raw value) whose column `i` (0: the target) is invalid.
pub fn invalid_examples(data: &Dataset, spec: &DriversSpec, i: usize, limit: u32) -> Result<Vec<(u64, String)>> {
    let (lf, _) = spec.grouping.apply(prepared(data, spec, true));
    data.examples(lf.filter(col(format!("__bad{i}").as_str())), &spec.columns[i], limit)
}

/// What each column's valid values look like (target first), over the groups (not the total,
/// which repeats them).
pub fn seen_values(groups: &[(GroupKey, RowKind, Sums)], columns: usize) -> Vec<Seen> {
    let mut seen = vec![Seen::default(); columns];
    for (_, _, s) in groups.iter().filter(|g| g.1 == RowKind::Group) {
        for (total, one) in seen.iter_mut().zip(&s.seen) {
            *total = total.join(*one);
        }
    }
    seen
}

/// Invalid values per column (target first), over the groups (not the total, which repeats them).
pub fn invalid_counts(groups: &[(GroupKey, RowKind, Sums)], columns: usize) -> Vec<u64> {
    let mut invalid = vec![0u64; columns];
    for (_, _, s) in groups.iter().filter(|g| g.1 == RowKind::Group) {
        for (total, count) in invalid.iter_mut().zip(&s.invalid) {
            *total += count;
        }
    }
    invalid
}
