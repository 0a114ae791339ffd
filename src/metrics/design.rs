//! The survey design behind `--weight`, `--strata` and `--cluster`: the per-stratum sums over
//! primary sampling units (PSUs) that Taylor linearisation needs ([`crate::stats::design`]),
//! computed by polars for every row of the survey table, and the design-based standard errors,
//! design effects and intervals made from them.

use std::collections::BTreeMap;
use std::ops::AddAssign;

use anyhow::Result;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{f64_at, Dataset, ROW};
use crate::metrics::grouping::{Grouping, Levels, RowKind};
use crate::metrics::satisfaction::{Metric, SatisfactionCounts, SatisfactionSpec, SurveyRow};
use crate::metrics::{exact_at, exact_sum, exact_value};
use crate::stats::design::{design_effect, linearised, logit_interval, t_interval, DesignEstimate, StratumSums};
use crate::stats::intervals::Interval;

/// How the rows were sampled: strata and clusters (the PSUs, read within their stratum, as
/// `svydesign(nest = TRUE)`); without either, every response is a PSU of one stratum.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Design {
    pub strata: Option<String>,
    pub cluster: Option<String>,
}

/// The estimates given a design-based variance, in this order: the CSAT top-box share, NPS
/// (the mean of +1 promoter, 0, −1 detractor), the CES mean and the asked-by-name share.
pub const ESTIMATES: [Metric; 4] = [Metric::Csat, Metric::Nps, Metric::Ces, Metric::Designation];

/// The stratum and PSU key columns.
const STRATUM: &str = "__stratum";
const PSU: &str = "__psu";

/// A domain's sums per stratum (by the stratum's value), one [`StratumSums`] per estimate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DomainSums {
    pub strata: BTreeMap<String, [StratumSums; 4]>,
}

impl AddAssign for DomainSums {
    fn add_assign(&mut self, o: Self) {
        for (stratum, sums) in o.strata {
            let mine = self.strata.entry(stratum).or_default();
            for (m, s) in mine.iter_mut().zip(sums) {
                *m += s;
            }
        }
    }
}

impl DomainSums {
    /// Every sum, stratum by stratum (for ordering).
    fn flat(&self) -> Vec<f64> {
        self.strata.values().flat_map(|sums| sums.iter().flat_map(|s| [s.psus, s.a, s.b, s.aa, s.ab, s.bb])).collect()
    }
}

/// Each stratum's PSUs in the whole design, with one of them (for messages).
pub type Strata = BTreeMap<String, (f64, String)>;

/// The PSUs of each stratum in the whole design (the rows in scope with a valid weight).
pub type PsuCounts = BTreeMap<String, f64>;

/// The value of an estimate in a response (`None` when not answered) and the centre taken off it
/// in the sums: the middle of its range, near its mean.
fn estimate(spec: &SatisfactionSpec, metric: Metric) -> Option<(Expr, f64)> {
    match metric {
        Metric::Csat => spec.csat.as_ref().map(|_| (col("__csat").gt_eq(lit(spec.csat_top_min as f64)).cast(DataType::Float64), 0.5)),
        Metric::Nps => spec.nps.as_ref().map(|_| {
            let v = col("__nps");
            (v.clone().gt_eq(lit(9.0)).cast(DataType::Float64) - v.lt_eq(lit(6.0)).cast(DataType::Float64), 0.0)
        }),
        Metric::Ces => spec.ces.as_ref().map(|c| (col("__ces"), (c.scale.low + c.scale.high) as f64 / 2.0)),
        Metric::Designation => spec.designation.as_ref().map(|_| (col("__designation").cast(DataType::Float64), 0.5)),
        Metric::Weight => None,
    }
}

/// The rows' weight (1 without `--weight`; null where the weight is invalid).
fn weight(spec: &SatisfactionSpec) -> Expr {
    match spec.weight {
        Some(_) => col("__w"),
        None => lit(1.0),
    }
}

impl Design {
    /// Adds the stratum and PSU keys (one stratum without `--strata`; each response its own PSU
    /// without `--cluster`).
    fn with_keys(&self, lf: LazyFrame) -> LazyFrame {
        let key = |column: &Option<String>, otherwise: Expr| match column {
            Some(c) => clean::text(c),
            None => otherwise,
        };
        let lf = lf.with_column(key(&self.strata, lit("")).alias(STRATUM));
        match &self.cluster {
            Some(c) => lf.with_column(clean::text(c).alias(PSU)),
            None => lf,
        }
    }

    /// The rows of the design (in scope, with a valid weight), with their stratum and PSU keys.
    fn rows(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> LazyFrame {
        let (lf, _) = grouping.apply(spec.with_scores(data.lazy_with_rows()));
        let lf = match spec.weight {
            Some(_) => lf.filter(col("__w").is_not_null()),
            None => lf,
        };
        self.with_keys(lf)
    }

    /// The first rows of the design whose stratum or cluster is blank, as (row, column), and how
    /// many there are.
    pub fn blank_keys(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, limit: u32) -> Result<(u64, Vec<u64>)> {
        let blank = |c: &str| col(c).is_null().or(col(c).eq(lit(""))).fill_null(lit(true));
        let mut missing = lit(false);
        if self.strata.is_some() {
            missing = missing.or(blank(STRATUM));
        }
        if self.cluster.is_some() {
            missing = missing.or(blank(PSU));
        }
        let lf = self.rows(data, spec, grouping).filter(missing);
        let count = data.collect(lf.clone().select([len().cast(DataType::Float64).alias("n")]))?;
        let rows = data.collect(lf.select([col(ROW).cast(DataType::UInt64)]).limit(limit))?;
        let numbers = rows.column(ROW)?.u64()?;
        Ok((f64_at(&count, "n", 0)? as u64, (0..numbers.len()).filter_map(|i| numbers.get(i)).collect()))
    }

    /// The PSUs per stratum of the whole design with a PSU of each stratum (for messages: a
    /// cluster, or a response's row number), and the responses with a blank stratum or cluster
    /// (see [`Design::blank_keys`]): one pass.
    pub fn psu_counts(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<(Strata, u64)> {
        let blank = |c: &str| col(c).is_null().or(col(c).eq(lit(""))).fill_null(lit(true));
        let (psus, example, blank_psu) = match &self.cluster {
            Some(_) => (col(PSU).n_unique().cast(DataType::Float64), col(PSU).first(), crate::metrics::count_where(blank(PSU))),
            // Each response is its own PSU.
            None => (len().cast(DataType::Float64), col(ROW).first().cast(DataType::String), lit(0.0)),
        };
        let aggs = [psus.alias("psus"), example.alias("example"), blank_psu.alias("blank"), len().cast(DataType::Float64).alias("rows")];
        let lf = self.rows(data, spec, grouping).group_by([col(STRATUM)]).agg(aggs);
        let df = data.collect(lf)?;
        let (strata, examples) = (df.column(STRATUM)?.str()?, df.column("example")?.str()?);
        let mut counts = BTreeMap::new();
        let mut blanks = 0.0;
        for i in 0..df.height() {
            let example = examples.get(i).unwrap_or_default().to_string();
            let stratum = strata.get(i).filter(|s| !s.is_empty());
            match stratum {
                None if self.strata.is_some() => blanks += f64_at(&df, "rows", i)?,
                _ => {
                    blanks += f64_at(&df, "blank", i)?;
                    counts.insert(stratum.unwrap_or_default().to_string(), (f64_at(&df, "psus", i)?, example));
                }
            }
        }
        Ok((counts, blanks as u64))
    }

    /// Each level's domains (the groups, each period's subtotal, the total; see
    /// [`Grouping::query_levels`]) with their sums per stratum.
    pub fn domain_sums(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, totals: bool) -> Result<Levels<DomainSums>> {
        let present: Vec<(usize, Expr, f64)> =
            ESTIMATES.iter().enumerate().filter_map(|(k, m)| estimate(spec, *m).map(|(y, centre)| (k, y, centre))).collect();
        let w = weight(spec);
        // A and B of each estimate per response: Σw and Σw(y − centre) over its answers.
        let per_row: Vec<Expr> = present
            .iter()
            .flat_map(|(k, y, centre)| {
                let answered = y.clone().is_not_null();
                [
                    when(answered.clone()).then(w.clone()).otherwise(lit(0.0)).alias(format!("__a{k}")),
                    when(answered).then(w.clone() * (y.clone() - lit(*centre))).otherwise(lit(0.0)).alias(format!("__b{k}")),
                ]
            })
            .collect();
        let lf = self.with_keys(spec.with_scores(data.lazy_with_rows())).with_columns(per_row);
        let moments = |k: usize| -> Vec<Expr> {
            let (a, b) = (col(format!("__a{k}")), col(format!("__b{k}")));
            let mut sums = vec![a.clone().gt(lit(0.0)).cast(DataType::Float64).sum().alias(format!("psus{k}"))];
            for (name, x) in
                [("a", a.clone()), ("b", b.clone()), ("aa", a.clone() * a.clone()), ("ab", a * b.clone()), ("bb", b.clone() * b)]
            {
                sums.extend(exact_sum(x, &format!("{name}{k}")));
            }
            sums
        };
        let cluster = self.cluster.is_some();
        let query = |lf: LazyFrame, names: Vec<Expr>, _| -> Result<LazyFrame> {
            let mut keys = names.clone();
            keys.push(col(STRATUM));
            let lf = if cluster {
                // The PSUs' A and B first (exact sums, so that the order of the rows does not matter).
                let mut psu_keys = keys.clone();
                psu_keys.push(col(PSU));
                let sums: Vec<Expr> = present
                    .iter()
                    .flat_map(|(k, _, _)| [format!("__a{k}"), format!("__b{k}")])
                    .flat_map(|c| exact_sum(col(c.as_str()), &c))
                    .collect();
                let values: Vec<Expr> = present
                    .iter()
                    .flat_map(|(k, _, _)| [format!("__a{k}"), format!("__b{k}")])
                    .map(|c| exact_value(&c).alias(c.as_str()))
                    .collect();
                lf.group_by(psu_keys).agg(sums).with_columns(values)
            } else {
                lf
            };
            Ok(lf.group_by(keys).agg(present.iter().flat_map(|(k, _, _)| moments(*k)).collect::<Vec<_>>()))
        };
        let read = |df: &DataFrame, i: usize| -> Result<DomainSums> {
            let stratum = df.column(STRATUM)?.str()?.get(i).unwrap_or_default().to_string();
            let mut sums = [StratumSums::default(); 4];
            for (k, _, _) in &present {
                let get = |name: &str| exact_at(df, &format!("{name}{k}"), i);
                sums[*k] = StratumSums {
                    psus: f64_at(df, &format!("psus{k}"), i)?,
                    a: get("a")?,
                    b: get("b")?,
                    aa: get("aa")?,
                    ab: get("ab")?,
                    bb: get("bb")?,
                };
            }
            Ok(DomainSums { strata: BTreeMap::from([(stratum, sums)]) })
        };
        // Without clusters every response is a PSU of one domain, so the levels above the groups
        // add up; with clusters a PSU spans domains and each level is read from the rows.
        let sum = |parts: &[&DomainSums]| {
            // Added in an order of their own (floats do not add associatively, and the groups
            // come in any order), so that the same groups give the same digits on every run.
            let mut parts = parts.to_vec();
            parts.sort_by(|x, y| {
                x.flat().iter().zip(y.flat()).map(|(a, b)| a.total_cmp(&b)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
            });
            let mut total = DomainSums::default();
            for p in parts {
                total += p.clone();
            }
            total
        };
        let levels = grouping.query_levels(
            lf,
            query,
            totals,
            |q| data.collect_reduced(q),
            read,
            (!cluster).then_some(&sum as &dyn Fn(&[&DomainSums]) -> DomainSums),
        )?;
        Ok(merge_strata(levels))
    }
}

/// The groups of each level merged by key: the query gives a row per group and stratum.
fn merge_strata(levels: Levels<DomainSums>) -> Levels<DomainSums> {
    let merge = |groups: Vec<crate::metrics::grouping::Group<DomainSums>>| {
        let mut merged: Vec<crate::metrics::grouping::Group<DomainSums>> = Vec::new();
        for g in groups {
            match merged.iter_mut().find(|m| m.dated == g.dated && m.key == g.key) {
                Some(m) => m.counts += g.counts,
                None => merged.push(g),
            }
        }
        merged
    };
    Levels { groups: merge(levels.groups), period_totals: merge(levels.period_totals), total: merge(levels.total) }
}

/// The design-based estimates of one domain, in [`ESTIMATES`]' order: `None` where the estimate
/// is not asked for or has no answers. `psus` are the strata's PSUs in the whole design.
pub fn estimates(sums: &DomainSums, counts: &SatisfactionCounts, spec: &SatisfactionSpec, psus: &PsuCounts) -> [Option<DesignEstimate>; 4] {
    let mut out = [None; 4];
    for (k, metric) in ESTIMATES.iter().enumerate() {
        let Some((_, centre)) = estimate(spec, *metric) else { continue };
        let strata: Vec<(StratumSums, f64)> =
            sums.strata.iter().map(|(stratum, s)| (s[k], psus.get(stratum).copied().unwrap_or(0.0))).collect();
        let Some(mut l) = linearised(&strata, centre) else { continue };
        // Σw·y and Σw·y² of the answers, from the counts, for the design effect.
        let (n, w, _) = counts.weights(*metric);
        let (wy, wy2) = match metric {
            Metric::Csat => (counts.csat_top, counts.csat_top),
            Metric::Nps => (counts.promoters - counts.detractors, counts.promoters + counts.detractors),
            Metric::Ces => (counts.ces_sum, counts.ces_sum_sq),
            _ => (counts.designation_yes, counts.designation_yes),
        };
        // Every answer the same (a share of 0 or 100%, all promoters or all detractors): no
        // variance, whatever the rounding of the sums above leaves.
        let constant = match metric {
            Metric::Ces => false,
            Metric::Nps => counts.promoters == w || counts.detractors == w,
            _ => wy == 0.0 || wy == w,
        };
        if constant {
            l.variance = 0.0;
        }
        // Shares and NPS are shown in percent and points.
        let unit = if *metric == Metric::Ces { 1.0 } else { 100.0 };
        out[k] = Some(DesignEstimate { se: unit * l.variance.sqrt(), deff: design_effect(l.variance, n, w, wy, wy2), df: l.df });
    }
    out
}

/// The design-based estimates of each row of the survey table (found by its level and key), and
/// its intervals replaced by the design's: shares on the logit scale, NPS and the CES mean as
/// estimate ± t·SE, each with t on its degrees of freedom. A share of 0% or 100% keeps its
/// Wilson interval on Kish's effective size (its linearised variance is 0).
pub fn apply(rows: &mut [SurveyRow], levels: &Levels<DomainSums>, spec: &SatisfactionSpec, psus: &PsuCounts, confidence: f64) {
    // (yes, Σw) of a share: every answer the same keeps Wilson's interval.
    let share = |pct: Option<f64>, e: &Option<DesignEstimate>, (yes, w): (f64, f64), wilson: Option<Interval>| match (pct, e) {
        (Some(_), Some(_)) if yes == 0.0 || yes == w => wilson,
        (Some(p), Some(e)) => {
            logit_interval(p / 100.0, e.se / 100.0, e.df, confidence).map(|i| Interval { low: 100.0 * i.low, high: 100.0 * i.high })
        }
        _ => None,
    };
    for row in rows.iter_mut() {
        let level = match row.kind {
            RowKind::Group => &levels.groups,
            RowKind::PeriodTotal => &levels.period_totals,
            RowKind::Total => &levels.total,
        };
        let none = DomainSums::default();
        let sums = level.iter().find(|g| g.dated && g.key == row.key).map_or(&none, |g| &g.counts);
        let e = estimates(sums, &row.counts, spec, psus);
        let s = &mut row.summary;
        s.csat_ci = share(s.csat_pct, &e[0], (row.counts.csat_top, row.counts.csat_w), s.csat_ci);
        if let (Some(nps), Some(d)) = (s.nps, &e[1]) {
            let i = t_interval(nps, d.se, d.df, confidence);
            s.nps_margin = i.map(|i| (i.high - i.low) / 2.0);
            s.nps_ci = i.map(|i| Interval { low: i.low.max(-100.0), high: i.high.min(100.0) });
        } else {
            (s.nps_margin, s.nps_ci) = (None, None);
        }
        let ces_scale = spec.ces.as_ref().map(|c| c.scale);
        s.ces_ci = match (s.ces_mean, &e[2], ces_scale) {
            (Some(mean), Some(d), Some(scale)) => t_interval(mean, d.se, d.df, confidence).map(|i| Interval {
                low: i.low.clamp(scale.low as f64, scale.high as f64),
                high: i.high.clamp(scale.low as f64, scale.high as f64),
            }),
            _ => None,
        };
        s.designation_ci = share(s.designation_pct, &e[3], (row.counts.designation_yes, row.counts.designation_w), s.designation_ci);
        row.design = Some(e);
    }
}

/// A score metric's weights per group, stratum, PSU (without clusters: none, every response its
/// own PSU) and score value, for comparisons under a design: Σw, Σw² and the responses.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRow {
    pub key: crate::metrics::grouping::GroupKey,
    pub stratum: String,
    pub psu: Option<String>,
    pub score: i64,
    pub w: f64,
    pub w2: f64,
    pub n: f64,
}

impl Design {
    /// The [`CellRow`]s of `metric` (a score) for every dated group of `grouping`.
    pub fn cells(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, metric: Metric) -> Result<Vec<CellRow>> {
        let name = match metric {
            Metric::Csat => "__csat",
            Metric::Nps => "__nps",
            Metric::Ces => "__ces",
            Metric::Designation => "__designation",
            Metric::Weight => return Ok(Vec::new()),
        };
        let w = weight(spec);
        let lf = self
            .with_keys(spec.with_scores(data.lazy_with_rows()))
            .filter(col(name).is_not_null())
            .with_columns([col(name).cast(DataType::Int64).alias("__score"), w.clone().alias("__wt")]);
        let cluster = self.cluster.is_some();
        let query = |lf: LazyFrame, mut names: Vec<Expr>| {
            names.extend([col(STRATUM), col("__score")]);
            if cluster {
                names.push(col(PSU));
            }
            let mut aggs: Vec<Expr> = exact_sum(col("__wt"), "w").into();
            aggs.extend(exact_sum(col("__wt") * col("__wt"), "w2"));
            aggs.push(len().cast(DataType::Float64).alias("n"));
            lf.group_by(names).agg(aggs)
        };
        let read = |df: &DataFrame, i: usize| -> Result<(String, Option<String>, i64, f64, f64, f64)> {
            let text = |c: &str| -> Result<Option<String>> { Ok(df.column(c)?.str()?.get(i).map(str::to_string)) };
            let score = df.column("__score")?.i64()?.get(i).unwrap_or_default();
            let psu = if cluster { text(PSU)? } else { None };
            Ok((text(STRATUM)?.unwrap_or_default(), psu, score, exact_at(df, "w", i)?, exact_at(df, "w2", i)?, f64_at(df, "n", i)?))
        };
        let groups = grouping.aggregate_query(lf, query, |q| data.collect_reduced(q), read)?;
        Ok(groups
            .into_iter()
            .filter(|g| g.dated)
            .map(|g| {
                let (stratum, psu, score, w, w2, n) = g.counts;
                CellRow { key: g.key, stratum, psu, score, w, w2, n }
            })
            .collect())
    }
}

/// The two sides of a comparison under a design: each stratum's sums over PSUs of the vector of
/// weights per (side, score) cell — side a's scores first, then side b's, in `scores`' order — and
/// the design's degrees of freedom over the PSUs with answers on either side.
#[derive(Debug, Clone, PartialEq)]
pub struct PairCells {
    pub scores: Vec<i64>,
    pub strata: Vec<crate::stats::design::StratumCells>,
    /// PSUs with answers on either side minus the strata they are in.
    pub df: f64,
    /// The responses on either side.
    pub n: f64,
}

/// The [`PairCells`] of side a (the rows of `a`'s group keys) against side b (`b`'s).
pub fn pair_cells(
    rows: &[CellRow],
    a: &[crate::metrics::grouping::GroupKey],
    b: &[crate::metrics::grouping::GroupKey],
    psus: &PsuCounts,
) -> PairCells {
    use nalgebra::{DMatrix, DVector};
    let side = |r: &CellRow| {
        if a.contains(&r.key) {
            Some(0)
        } else if b.contains(&r.key) {
            Some(1)
        } else {
            None
        }
    };
    let mut scores: Vec<i64> = rows.iter().filter(|r| side(r).is_some()).map(|r| r.score).collect();
    scores.sort_unstable();
    scores.dedup();
    let width = scores.len();
    let index = |r: &CellRow, s: usize| s * width + scores.binary_search(&r.score).expect("a score of the rows");
    let k = 2 * width;
    let mut strata: BTreeMap<String, (DVector<f64>, DMatrix<f64>)> = BTreeMap::new();
    let mut units: BTreeMap<(String, Option<String>), DVector<f64>> = BTreeMap::new();
    let mut n = 0.0;
    let mut answered_psus = 0.0;
    for r in rows {
        let Some(s) = side(r) else { continue };
        n += r.n;
        let j = index(r, s);
        let entry = strata.entry(r.stratum.clone()).or_insert_with(|| (DVector::zeros(k), DMatrix::zeros(k, k)));
        entry.0[j] += r.w;
        match &r.psu {
            // Every response its own PSU: Σ x xᵀ is diagonal, Σw² per cell.
            None => {
                entry.1[(j, j)] += r.w2;
                answered_psus += r.n;
            }
            Some(psu) => units.entry((r.stratum.clone(), Some(psu.clone()))).or_insert_with(|| DVector::zeros(k))[j] += r.w,
        }
    }
    for ((stratum, _), x) in &units {
        if let Some(entry) = strata.get_mut(stratum) {
            entry.1 += x * x.transpose();
        }
        answered_psus += 1.0;
    }
    let df = answered_psus - strata.len() as f64;
    let strata = strata
        .into_iter()
        .map(|(stratum, (s1, s2))| crate::stats::design::StratumCells { n: psus.get(&stratum).copied().unwrap_or(0.0), s1, s2 })
        .collect();
    PairCells { scores, strata, df, n }
}
