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
use crate::metrics::satisfaction::{Finer, Metric, SatisfactionCounts, SatisfactionSpec, SurveyRow};
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
    let v = col(score_column(metric)?);
    match metric {
        Metric::Csat => spec.csat.as_ref().map(|_| (v.gt_eq(lit(spec.csat_top_min as f64)).cast(DataType::Float64), 0.5)),
        Metric::Nps => {
            spec.nps.as_ref().map(|_| (v.clone().gt_eq(lit(9.0)).cast(DataType::Float64) - v.lt_eq(lit(6.0)).cast(DataType::Float64), 0.0))
        }
        Metric::Ces => spec.ces.as_ref().map(|c| (v, (c.scale.low + c.scale.high) as f64 / 2.0)),
        Metric::Designation => spec.designation.as_ref().map(|_| (v.cast(DataType::Float64), 0.5)),
        Metric::Weight => None,
    }
}

/// The column of a metric's valid answers (see [`SatisfactionSpec::with_scores`]).
fn score_column(metric: Metric) -> Option<&'static str> {
    match metric {
        Metric::Csat => Some("__csat"),
        Metric::Nps => Some("__nps"),
        Metric::Ces => Some("__ces"),
        Metric::Designation => Some("__designation"),
        Metric::Weight => None,
    }
}

/// Whether a key column is blank (null or empty).
fn blank(c: &str) -> Expr {
    col(c).is_null().or(col(c).eq(lit(""))).fill_null(lit(true))
}

/// The rows' weight (1 without `--weight`; null where the weight is invalid).
fn weight(spec: &SatisfactionSpec) -> Expr {
    match spec.weight {
        Some(_) => col("__w"),
        None => lit(1.0),
    }
}

impl Design {
    /// How the sample was drawn, for captions: "weighted by 'w', strata 's', clusters 'c'" (or
    /// "each response a PSU" without clusters).
    pub fn described(&self, weight: Option<&str>) -> String {
        let mut drawn: Vec<String> = weight.iter().map(|w| format!("weighted by '{w}'")).collect();
        drawn.extend(self.strata.iter().map(|s| format!("strata '{s}'")));
        drawn.push(self.cluster.as_ref().map_or("each response a PSU".to_string(), |c| format!("clusters '{c}'")));
        drawn.join(", ")
    }

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

    /// The row numbers of the first `limit` responses of the design whose stratum or cluster is
    /// blank (how many there are, [`Design::psu_counts`] tells).
    pub fn blank_keys(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, limit: u32) -> Result<Vec<u64>> {
        let mut missing = lit(false);
        if self.strata.is_some() {
            missing = missing.or(blank(STRATUM));
        }
        if self.cluster.is_some() {
            missing = missing.or(blank(PSU));
        }
        let lf = self.rows(data, spec, grouping).filter(missing);
        let rows = data.collect(lf.select([col(ROW).cast(DataType::UInt64)]).limit(limit))?;
        Ok(rows.column(ROW)?.u64()?.iter().flatten().collect())
    }

    /// The PSUs per stratum of the whole design with a PSU of each stratum (for messages: a
    /// cluster, or a response's row number), and the responses with a blank stratum or cluster
    /// (see [`Design::blank_keys`]): one pass.
    pub fn psu_counts(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<(Strata, u64)> {
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
        let present = present(spec);
        let lf = self.with_keys(spec.with_scores(data.lazy_with_rows())).with_columns(per_row(spec, &present));
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
            Ok(lf.group_by(keys).agg(moment_sums(&present)))
        };
        let read = |df: &DataFrame, i: usize| -> Result<DomainSums> {
            let stratum = df.column(STRATUM)?.str()?.get(i).unwrap_or_default().to_string();
            Ok(DomainSums { strata: BTreeMap::from([(stratum, read_moments(df, i, &present)?)]) })
        };
        // Without clusters every response is a PSU of one domain, so the levels above the groups
        // add up; with clusters a PSU spans domains and each level is read from the rows.
        let levels = grouping.query_levels(
            lf,
            query,
            totals,
            |q| data.collect_reduced(q),
            read,
            (!cluster).then_some(&sum_domains as &dyn Fn(&[&DomainSums]) -> DomainSums),
        )?;
        Ok(merge_strata(levels))
    }

    /// Without strata and clusters (each response its own PSU, one stratum) the design's sums
    /// are aggregates of the survey's first pass over the rows: its domains' sums, and the rows
    /// with a valid weight (the PSUs) of each group. `None` for other designs.
    pub fn first_pass(&self, spec: &SatisfactionSpec) -> Option<Finer<impl Fn(&DataFrame, usize) -> Result<FirstPass>>> {
        if self.strata.is_some() || self.cluster.is_some() {
            return None;
        }
        let present = present(spec);
        let mut aggs = moment_sums(&present);
        aggs.push(crate::metrics::count_where(weight(spec).is_not_null()).alias("__design_rows"));
        Some(Finer {
            with_rows: false,
            columns: per_row(spec, &present),
            keys: Vec::new(),
            aggs,
            read: move |df: &DataFrame, i: usize| Ok((read_moments(df, i, &present)?, f64_at(df, "__design_rows", i)?)),
        })
    }
}

/// A group's design sums from the first pass: its one stratum's sums per estimate, and its rows
/// with a valid weight.
pub type FirstPass = ([StratumSums; 4], f64);

/// The estimates asked for: their index in [`ESTIMATES`], value and centre.
fn present(spec: &SatisfactionSpec) -> Vec<(usize, Expr, f64)> {
    ESTIMATES.iter().enumerate().filter_map(|(k, m)| estimate(spec, *m).map(|(y, centre)| (k, y, centre))).collect()
}

/// A and B of each estimate per response (`__a{k}`, `__b{k}`): Σw and Σw(y − centre) over its answers.
fn per_row(spec: &SatisfactionSpec, present: &[(usize, Expr, f64)]) -> Vec<Expr> {
    let w = weight(spec);
    present
        .iter()
        .flat_map(|(k, y, centre)| {
            let answered = y.clone().is_not_null();
            [
                when(answered.clone()).then(w.clone()).otherwise(lit(0.0)).alias(format!("__a{k}")),
                when(answered).then(w.clone() * (y.clone() - lit(*centre))).otherwise(lit(0.0)).alias(format!("__b{k}")),
            ]
        })
        .collect()
}

/// Per estimate: the PSUs with answers, and the exact sums of A, B, A², AB, B².
fn moment_sums(present: &[(usize, Expr, f64)]) -> Vec<Expr> {
    let mut sums = Vec::new();
    for (k, _, _) in present {
        let (a, b) = (col(format!("__a{k}")), col(format!("__b{k}")));
        sums.push(a.clone().gt(lit(0.0)).cast(DataType::Float64).sum().alias(format!("psus{k}")));
        for (name, x) in [("a", a.clone()), ("b", b.clone()), ("aa", a.clone() * a.clone()), ("ab", a * b.clone()), ("bb", b.clone() * b)] {
            sums.extend(exact_sum(x, &format!("{name}{k}")));
        }
    }
    sums
}

/// The [`moment_sums`] of row `i`.
fn read_moments(df: &DataFrame, i: usize, present: &[(usize, Expr, f64)]) -> Result<[StratumSums; 4]> {
    let mut sums = [StratumSums::default(); 4];
    for (k, _, _) in present {
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
    Ok(sums)
}

/// Domains' sums added in an order of their own (floats do not add associatively, and the
/// groups come in any order), so that the same groups give the same digits on every run.
pub fn sum_domains(parts: &[&DomainSums]) -> DomainSums {
    let mut parts = parts.to_vec();
    parts.sort_by(|x, y| {
        x.flat().iter().zip(y.flat()).map(|(a, b)| a.total_cmp(&b)).find(|o| o.is_ne()).unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut total = DomainSums::default();
    for p in parts {
        total += p.clone();
    }
    total
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
/// own PSU) and score value, for comparisons under a design: Σw, Σw² and the responses. Held as
/// columns, in the order of (stratum, PSU, group), so that a PSU's cells are neighbours; a cell
/// may take several rows (one per answer to the other metrics), whose sums add up.
#[derive(Debug, Clone, Default)]
pub struct CellTable {
    /// The distinct groups (the `group` column indexes them).
    pub groups: Vec<crate::metrics::grouping::Group<()>>,
    /// The scores with answers in each group, ascending.
    pub scores: Vec<Vec<i64>>,
    /// The strata's values (the `stratum` column indexes them).
    pub strata: Vec<String>,
    pub group: Vec<u32>,
    pub stratum: Vec<u32>,
    /// Each row's PSU, numbered across the design; `None` without clusters.
    pub psu: Option<Vec<u32>>,
    pub score: Vec<i64>,
    pub w: Vec<f64>,
    pub w2: Vec<f64>,
    pub n: Vec<f64>,
}

impl Design {
    /// The [`CellTable`] of each estimate the spec asks for (see [`ESTIMATES`]) over the groups
    /// of `grouping`, from one query: the responses' weights summed per group, stratum, PSU and
    /// answers to all of them.
    pub fn cells(&self, data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<Vec<(Metric, CellTable)>> {
        let names: Vec<(Metric, &str)> =
            ESTIMATES.iter().filter(|m| estimate(spec, **m).is_some()).filter_map(|m| score_column(*m).map(|c| (*m, c))).collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let score = |i: usize| format!("__score{i}");
        let answered = names.iter().fold(lit(false), |any, (_, name)| any.or(col(*name).is_not_null()));
        let mut columns: Vec<Expr> =
            names.iter().enumerate().map(|(i, (_, name))| col(*name).cast(DataType::Int64).alias(score(i))).collect();
        columns.push(weight(spec).alias("__wt"));
        let lf = self.with_keys(spec.with_scores(data.lazy())).filter(answered).with_columns(columns);
        let cluster = self.cluster.is_some();
        let answers: Vec<Expr> = (0..names.len()).map(|i| col(score(i))).collect();
        let query = |lf: LazyFrame, keys: Vec<Expr>| {
            let mut unit = vec![col(STRATUM)];
            if cluster {
                unit.push(col(PSU));
            }
            let mut aggs: Vec<Expr> = exact_sum(col("__wt"), "w").into();
            aggs.extend(exact_sum(col("__wt") * col("__wt"), "w2"));
            aggs.push(len().cast(DataType::Float64).alias("n"));
            // Sorted so that a PSU's cells are neighbours, in one order whatever the order of the
            // rows (so that each PSU's sums are added in one order).
            let order: Vec<Expr> = unit.iter().chain(&keys).chain(&answers).cloned().collect();
            let by: Vec<Expr> = keys.into_iter().chain(unit).chain(answers.iter().cloned()).collect();
            lf.group_by(by).agg(aggs).sort_by_exprs(order, SortMultipleOptions::default().with_nulls_last(true))
        };
        let (df, groups, group) = grouping.aggregate_indexed(lf, query, |q| data.collect_reduced(q))?;
        let exact = |name: &str| -> Result<Vec<f64>> {
            let values = df.clone().lazy().select([exact_value(name).alias(name)]).collect()?;
            Ok(values.column(name)?.f64()?.iter().map(Option::unwrap_or_default).collect())
        };
        let (w, w2) = (exact("w")?, exact("w2")?);
        let n: Vec<f64> = df.column("n")?.f64()?.iter().map(Option::unwrap_or_default).collect();
        // Strata and PSUs numbered as they come (the rows are in their order).
        let mut strata: Vec<String> = Vec::new();
        let mut stratum = Vec::with_capacity(df.height());
        let mut psu = cluster.then(|| Vec::with_capacity(df.height()));
        let psus = if cluster { Some(df.column(PSU)?.str()?) } else { None };
        let mut last: Option<(Option<&str>, Option<&str>)> = None;
        for (i, s) in df.column(STRATUM)?.str()?.iter().enumerate() {
            let unit = psus.map(|c| c.get(i));
            if last.map(|l| l.0) != Some(s) {
                strata.push(s.unwrap_or_default().to_string());
            }
            stratum.push(strata.len() as u32 - 1);
            if let (Some(ids), Some(unit)) = (psu.as_mut(), unit) {
                let next = match (last, ids.last()) {
                    (Some(l), Some(&id)) if l == (s, unit) => id,
                    (_, Some(&id)) => id + 1,
                    _ => 0,
                };
                ids.push(next);
            }
            last = Some((s, unit.flatten()));
        }
        // Each metric's table: the rows with an answer to it.
        let mut tables = Vec::with_capacity(names.len());
        for (m, (metric, _)) in names.iter().enumerate() {
            let answers = df.column(&score(m))?.i64()?;
            let rows: Vec<(usize, i64)> = answers.iter().enumerate().filter_map(|(i, a)| a.map(|a| (i, a))).collect();
            let pick = |column: &[f64]| rows.iter().map(|&(i, _)| column[i]).collect::<Vec<f64>>();
            let mut scores = vec![std::collections::BTreeSet::new(); groups.len()];
            for &(i, a) in &rows {
                scores[group[i] as usize].insert(a);
            }
            let table = CellTable {
                groups: groups.clone(),
                scores: scores.into_iter().map(|s| s.into_iter().collect()).collect(),
                strata: strata.clone(),
                group: rows.iter().map(|&(i, _)| group[i]).collect(),
                stratum: rows.iter().map(|&(i, _)| stratum[i]).collect(),
                psu: psu.as_ref().map(|ids| rows.iter().map(|&(i, _)| ids[i]).collect()),
                score: rows.iter().map(|&(_, a)| a).collect(),
                w: pick(&w),
                w2: pick(&w2),
                n: pick(&n),
            };
            tables.push((*metric, table));
        }
        Ok(tables)
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

/// The [`PairCells`] of side a (the dated groups of `a`'s keys) against side b (`b`'s): one walk
/// over the cells, each PSU's few cells multiplied out as it ends.
pub fn pair_cells(
    table: &CellTable,
    a: &[crate::metrics::grouping::GroupKey],
    b: &[crate::metrics::grouping::GroupKey],
    psus: &PsuCounts,
) -> PairCells {
    use nalgebra::{DMatrix, DVector};
    let side: Vec<Option<usize>> = table
        .groups
        .iter()
        .map(|g| match () {
            _ if !g.dated => None,
            _ if a.contains(&g.key) => Some(0),
            _ if b.contains(&g.key) => Some(1),
            _ => None,
        })
        .collect();
    let mut scores: Vec<i64> =
        table.scores.iter().zip(&side).filter(|(_, s)| s.is_some()).flat_map(|(scores, _)| scores.iter().copied()).collect();
    scores.sort_unstable();
    scores.dedup();
    let width = scores.len();
    let k = 2 * width;
    let mut strata: Vec<Option<(DVector<f64>, DMatrix<f64>)>> = vec![None; table.strata.len()];
    let (mut n, mut answered_psus) = (0.0, 0.0);
    // The current PSU's cells (index, Σw) and stratum.
    let mut unit: Vec<(usize, f64)> = Vec::new();
    let mut unit_stratum = 0usize;
    let flush = |unit: &mut Vec<(usize, f64)>, s2: &mut DMatrix<f64>, answered: &mut f64| {
        if unit.is_empty() {
            return;
        }
        for &(j, wj) in unit.iter() {
            for &(l, wl) in unit.iter() {
                s2[(j, l)] += wj * wl;
            }
        }
        *answered += 1.0;
        unit.clear();
    };
    for i in 0..table.group.len() {
        if let Some(ids) = &table.psu {
            if i > 0 && ids[i] != ids[i - 1] {
                if let Some((_, s2)) = strata[unit_stratum].as_mut() {
                    flush(&mut unit, s2, &mut answered_psus);
                }
            }
        }
        let Some(s) = side[table.group[i] as usize] else { continue };
        let h = table.stratum[i] as usize;
        let j = s * width + scores.binary_search(&table.score[i]).expect("a score of the sides");
        let w = table.w[i];
        n += table.n[i];
        let (s1, s2) = strata[h].get_or_insert_with(|| (DVector::zeros(k), DMatrix::zeros(k, k)));
        s1[j] += w;
        if table.psu.is_some() {
            unit_stratum = h;
            match unit.iter_mut().find(|(c, _)| *c == j) {
                Some((_, sum)) => *sum += w,
                None => unit.push((j, w)),
            }
        } else {
            // Every response its own PSU: Σ x xᵀ is diagonal, Σw² per cell.
            s2[(j, j)] += table.w2[i];
            answered_psus += table.n[i];
        }
    }
    if let Some((_, s2)) = strata.get_mut(unit_stratum).and_then(Option::as_mut) {
        flush(&mut unit, s2, &mut answered_psus);
    }
    let strata: Vec<_> = strata
        .into_iter()
        .zip(&table.strata)
        .filter_map(|(sums, name)| {
            sums.map(|(s1, s2)| crate::stats::design::StratumCells { n: psus.get(name).copied().unwrap_or(0.0), s1, s2 })
        })
        .collect();
    let df = answered_psus - strata.len() as f64;
    PairCells { scores, strata, df, n }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::grouping::{Group, GroupKey};

    fn key(by: &str) -> GroupKey {
        GroupKey { period: None, by: vec![Some(by.to_string())] }
    }

    #[test]
    fn pair_cells_multiply_out_each_psus_cells() {
        // One stratum ("s") of 3 PSUs (5 in the design), groups a, b and c (not compared), scores
        // 1 and 2. Cells: a = side 0, b = side 1, index side·2 + score position: a1 0, a2 1, b1 2,
        // b2 3. PSU 0: a score 1 w 1 and b score 1 w 2 → x = (1, 0, 2, 0). PSU 1: a score 2 w 3
        // and c score 1 w 7 (not on a side) → x = (0, 3, 0, 0). PSU 2: only c → not counted.
        let groups = ["a", "b", "c"].iter().map(|g| Group { key: key(g), dated: true, counts: () }).collect();
        let table = CellTable {
            groups,
            scores: vec![vec![1, 2], vec![1], vec![1]],
            strata: vec!["s".into()],
            group: vec![0, 1, 0, 2, 2],
            stratum: vec![0; 5],
            psu: Some(vec![0, 0, 1, 1, 2]),
            score: vec![1, 1, 2, 1, 1],
            w: vec![1.0, 2.0, 3.0, 7.0, 5.0],
            w2: vec![1.0, 4.0, 9.0, 49.0, 25.0],
            n: vec![1.0; 5],
        };
        let psus: PsuCounts = [("s".to_string(), 5.0)].into();
        let pair = pair_cells(&table, &[key("a")], &[key("b")], &psus);
        assert_eq!(pair.scores, vec![1, 2]);
        assert_eq!(pair.n, 3.0);
        // 2 PSUs with answers on a side − 1 stratum.
        assert_eq!(pair.df, 1.0);
        let s = &pair.strata[0];
        assert_eq!(s.n, 5.0);
        assert_eq!(s.s1.as_slice(), &[1.0, 3.0, 2.0, 0.0]);
        // S2 = x₀x₀ᵀ + x₁x₁ᵀ: (0,0) 1·1, (0,2) = (2,0) 1·2, (2,2) 2·2, (1,1) 3·3.
        let mut s2 = nalgebra::DMatrix::zeros(4, 4);
        for (j, l, v) in [(0, 0, 1.0), (0, 2, 2.0), (2, 0, 2.0), (2, 2, 4.0), (1, 1, 9.0)] {
            s2[(j, l)] = v;
        }
        assert_eq!(s.s2, s2);

        // A cell split over two rows (answers that differ in another metric) adds up: a score 1
        // in PSU 0 as 0.25 + 0.75 gives the same sums.
        let mut split = table.clone();
        split.group.insert(0, 0);
        split.stratum.insert(0, 0);
        split.psu.as_mut().unwrap().insert(0, 0);
        split.score.insert(0, 1);
        (split.w[0], split.w2[0], split.n[0]) = (0.75, 0.5625, 1.0);
        split.w.insert(0, 0.25);
        split.w2.insert(0, 0.0625);
        split.n.insert(0, 0.0);
        assert_eq!(pair_cells(&split, &[key("a")], &[key("b")], &psus).strata[0], *s);

        // Without clusters every response is its own PSU: S2 diagonal with Σw², df = 3 answers − 1.
        let unclustered = CellTable { psu: None, ..table };
        let pair = pair_cells(&unclustered, &[key("a")], &[key("b")], &psus);
        assert_eq!(pair.df, 2.0);
        let diagonal = nalgebra::DMatrix::from_diagonal(&nalgebra::DVector::from_vec(vec![1.0, 9.0, 4.0, 0.0]));
        assert_eq!(pair.strata[0].s2, diagonal);
    }
}
