//! Satisfaction metrics: CSAT (top-box share and mean), NPS and CES. Polars computes the
//! sufficient statistics per group in one pass; the summary is pure arithmetic on them.

use std::ops::AddAssign;

use anyhow::Result;
use polars::prelude::*;

use crate::metrics::{count_where, exact_at, exact_sum, pct};

use crate::input::clean::{self, Scale};
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::grouping::{arrange, Group, GroupKey, Grouping, RowKind, DATE_BAD};
use crate::stats::intervals::{mean_t_interval, nps_interval, wilson, Interval, NpsMethod};

/// NPS is always asked on 0–10.
pub const NPS_SCALE: Scale = Scale { low: 0, high: 10 };

/// A score column and its scale.
#[derive(Debug, Clone)]
pub struct ScoreColumn {
    pub header: String,
    pub scale: Scale,
}

/// Which satisfaction columns to use and how to score them.
#[derive(Debug, Clone)]
pub struct SatisfactionSpec {
    pub csat: Option<ScoreColumn>,
    /// Lowest CSAT score counted as satisfied (4 for top-2-box on 1–5).
    pub csat_top_min: i64,
    pub nps: Option<ScoreColumn>,
    pub ces: Option<ScoreColumn>,
    /// Lowest CES score counted as easy (5 on 1–7).
    pub ces_easy_min: i64,
    /// A yes/no column: did the customer ask for the brand by name (designation, 指名度).
    pub designation: Option<String>,
    /// A weight per response (`--weight`): positive numbers up to [`MAX_WEIGHT`]; rows with a
    /// zero, negative, larger, missing or invalid weight are left out of every metric.
    pub weight: Option<String>,
    /// The weights are written with a decimal comma (`1,25`).
    pub weight_comma: bool,
    pub na_values: Vec<String>,
    /// Answer labels and their scale points (the config's `[labels]`), before the built-in wordings.
    pub labels: Vec<(String, f64)>,
    /// Read scores as plain numbers only (no labels): the fast first pass of [`aggregate`].
    pub numbers_only: bool,
}

/// Sufficient statistics of one group: counts and sums, so that groups add up exactly.
///
/// `…_n` is the number of valid answers. With weights, `…_w` is Σw and `…_w2` is Σw² over
/// them, and the other fields are weighted sums (Σw for a count, Σwx for a sum); without
/// weights every w is 1, so `…_w` = `…_w2` = `…_n`.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SatisfactionCounts {
    pub n: f64,
    pub csat_n: f64,
    pub csat_w: f64,
    pub csat_w2: f64,
    pub csat_top: f64,
    pub csat_sum: f64,
    pub nps_n: f64,
    pub nps_w: f64,
    pub nps_w2: f64,
    pub promoters: f64,
    pub detractors: f64,
    pub ces_n: f64,
    pub ces_w: f64,
    pub ces_w2: f64,
    pub ces_sum: f64,
    pub ces_sum_sq: f64,
    pub ces_easy: f64,
    pub designation_n: f64,
    pub designation_w: f64,
    pub designation_w2: f64,
    pub designation_yes: f64,
    pub invalid: InvalidCounts,
}

/// Kish's effective sample size (Σw)²/Σw² (0 without answers).
pub fn kish(w: f64, w2: f64) -> f64 {
    if w2 > 0.0 {
        w * w / w2
    } else {
        0.0
    }
}

/// Invalid values per column (excluded from the metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InvalidCounts {
    pub csat: u64,
    pub nps: u64,
    pub ces: u64,
    pub designation: u64,
    pub date: u64,
    /// Zero, negative, larger than [`MAX_WEIGHT`], missing or invalid weights (those rows are
    /// left out).
    pub weight: u64,
    /// Records with more fields than the header.
    pub ragged: u64,
}

impl AddAssign for InvalidCounts {
    fn add_assign(&mut self, o: Self) {
        self.csat = self.csat.saturating_add(o.csat);
        self.nps = self.nps.saturating_add(o.nps);
        self.ces = self.ces.saturating_add(o.ces);
        self.designation = self.designation.saturating_add(o.designation);
        self.date = self.date.saturating_add(o.date);
        self.weight = self.weight.saturating_add(o.weight);
        self.ragged = self.ragged.saturating_add(o.ragged);
    }
}

impl SatisfactionCounts {
    /// Adds `sign` × the statistics of `o` (the invalid counts are left alone).
    fn combine(&mut self, o: &Self, sign: f64) {
        self.n += sign * o.n;
        self.csat_n += sign * o.csat_n;
        self.csat_w += sign * o.csat_w;
        self.csat_w2 += sign * o.csat_w2;
        self.csat_top += sign * o.csat_top;
        self.csat_sum += sign * o.csat_sum;
        self.nps_n += sign * o.nps_n;
        self.nps_w += sign * o.nps_w;
        self.nps_w2 += sign * o.nps_w2;
        self.promoters += sign * o.promoters;
        self.detractors += sign * o.detractors;
        self.ces_n += sign * o.ces_n;
        self.ces_w += sign * o.ces_w;
        self.ces_w2 += sign * o.ces_w2;
        self.ces_sum += sign * o.ces_sum;
        self.ces_sum_sq += sign * o.ces_sum_sq;
        self.ces_easy += sign * o.ces_easy;
        self.designation_n += sign * o.designation_n;
        self.designation_w += sign * o.designation_w;
        self.designation_w2 += sign * o.designation_w2;
        self.designation_yes += sign * o.designation_yes;
    }

    /// The statistics as an unweighted sample of each metric's Kish effective size: the weighted
    /// sums scaled by n_eff/Σw = Σw/Σw². Shares and means are unchanged, and every interval and
    /// test computed from the result uses n_eff. Without weights this is the identity.
    pub fn effective(&self) -> Self {
        let k = |metric| self.effective_scale(metric);
        let (kc, kn, ke, kd) = (k(Metric::Csat), k(Metric::Nps), k(Metric::Ces), k(Metric::Designation));
        let csat_n = kish(self.csat_w, self.csat_w2);
        let nps_n = kish(self.nps_w, self.nps_w2);
        let ces_n = kish(self.ces_w, self.ces_w2);
        let designation_n = kish(self.designation_w, self.designation_w2);
        Self {
            csat_n,
            csat_w: csat_n,
            csat_w2: csat_n,
            csat_top: self.csat_top * kc,
            csat_sum: self.csat_sum * kc,
            nps_n,
            nps_w: nps_n,
            nps_w2: nps_n,
            promoters: self.promoters * kn,
            detractors: self.detractors * kn,
            ces_n,
            ces_w: ces_n,
            ces_w2: ces_n,
            ces_sum: self.ces_sum * ke,
            ces_sum_sq: self.ces_sum_sq * ke,
            ces_easy: self.ces_easy * ke,
            designation_n,
            designation_w: designation_n,
            designation_w2: designation_n,
            designation_yes: self.designation_yes * kd,
            ..*self
        }
    }

    /// What a metric's weighted sums are multiplied by to count as a sample of n_eff answers:
    /// n_eff/Σw = Σw/Σw² (1 without weights, 0 without answers).
    pub fn effective_scale(&self, metric: Metric) -> f64 {
        let (_, w, w2) = self.weights(metric);
        if w2 > 0.0 {
            w / w2
        } else {
            0.0
        }
    }

    /// A metric's valid answers, Σw and Σw² (zeros for the weight column itself).
    pub fn weights(&self, metric: Metric) -> (f64, f64, f64) {
        match metric {
            Metric::Csat => (self.csat_n, self.csat_w, self.csat_w2),
            Metric::Nps => (self.nps_n, self.nps_w, self.nps_w2),
            Metric::Ces => (self.ces_n, self.ces_w, self.ces_w2),
            Metric::Designation => (self.designation_n, self.designation_w, self.designation_w2),
            Metric::Weight => (0.0, 0.0, 0.0),
        }
    }

    /// The statistics of the whole minus one part (sums subtract exactly); no invalid counts.
    pub fn minus(&self, part: &Self) -> Self {
        let mut rest = Self { invalid: InvalidCounts::default(), ..*self };
        rest.combine(part, -1.0);
        rest
    }
}

impl AddAssign for SatisfactionCounts {
    fn add_assign(&mut self, o: Self) {
        self.combine(&o, 1.0);
        self.invalid += o.invalid;
    }
}

/// A score column of the spec: which one, for messages and for finding invalid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Csat,
    Nps,
    Ces,
    /// The yes/no designation column (not a score).
    Designation,
    /// The `--weight` column (for reporting invalid weights).
    Weight,
}

impl SatisfactionSpec {
    /// The score column of a metric (none for designation, which is yes/no).
    pub fn column(&self, metric: Metric) -> Option<&ScoreColumn> {
        match metric {
            Metric::Csat => self.csat.as_ref(),
            Metric::Nps => self.nps.as_ref(),
            Metric::Ces => self.ces.as_ref(),
            Metric::Designation | Metric::Weight => None,
        }
    }

    /// A score column's parts (see [`clean::score_parts`]): numbers only, untrimmed, in the fast pass.
    fn parts(&self, metric: Metric) -> Option<(Expr, Expr, clean::Scale)> {
        self.column(metric).map(|c| {
            let labels = (!self.numbers_only).then_some(self.labels.as_slice());
            let (number, answered) = clean::score_parts(&c.header, &self.na_values, labels, c.scale);
            (number, answered, c.scale)
        })
    }

    /// Adds `__csat`, `__nps`, `__ces` (valid values or null) and their `…_bad` flags; with a
    /// weight, `__w` (positive weights, else null), `__weight_bad`, and values only where `__w` is set.
    ///
    /// Each text column is parsed once: the parsed numbers are columns of their own
    /// (`…_num`, `…_ans`), which the values and flags then read.
    pub(crate) fn with_scores(&self, lf: LazyFrame) -> LazyFrame {
        let mut parsed = Vec::new();
        let mut columns = Vec::new();
        if let Some(header) = &self.weight {
            parsed.push(clean::number_in(header, &self.na_values, self.weight_comma).value.alias("__w_num"));
            let valid = valid_weight(col("__w_num"));
            columns.push(when(valid.clone()).then(col("__w_num")).otherwise(lit(NULL).cast(DataType::Float64)).alias(WEIGHT));
            columns.push(valid.not().alias("__weight_bad"));
        }
        // Values count only where the weight is valid (read from the number, as `__w` is made
        // in the same step).
        let weighted = |value: Expr| match &self.weight {
            Some(_) => when(valid_weight(col("__w_num"))).then(value).otherwise(lit(NULL)),
            None => value,
        };
        for (metric, name) in [(Metric::Csat, "__csat"), (Metric::Nps, "__nps"), (Metric::Ces, "__ces")] {
            if let Some((number, answered, scale)) = self.parts(metric) {
                let (num, ans) = (format!("{name}_num"), format!("{name}_ans"));
                parsed.push(number.alias(num.as_str()));
                parsed.push(answered.alias(ans.as_str()));
                let c = clean::score_from(col(num.as_str()), col(ans.as_str()), scale);
                columns.push(weighted(c.value).alias(name));
                columns.push(c.invalid.alias(format!("{name}_bad")));
            }
        }
        if let Some(header) = &self.designation {
            let c = clean::boolean(header);
            columns.push(weighted(c.value).alias("__designation"));
            columns.push(c.invalid.alias("__designation_bad"));
        }
        let lf = if parsed.is_empty() { lf } else { lf.with_columns(parsed) };
        if columns.is_empty() {
            lf
        } else {
            lf.with_columns(columns)
        }
    }
}

/// The weight column added by `with_scores`.
const WEIGHT: &str = "__w";

/// The largest weight accepted. Larger ones are invalid like zero or negative weights: they keep
/// the exact sums below far from overflowing (Σw² of 10¹⁴ rows of 10⁹ fits in them).
pub const MAX_WEIGHT: f64 = 1e9;

/// A weight is valid when it is positive and at most [`MAX_WEIGHT`] (false for null).
fn valid_weight(w: Expr) -> Expr {
    w.clone().gt(lit(0.0)).and(w.lt_eq(lit(MAX_WEIGHT))).fill_null(lit(false))
}

/// A sum made by [`weight_where`], [`weighted_sum`] or [`weight_sums`] in row `i`: exact with
/// weights, a plain float without.
fn sum_at(spec: &SatisfactionSpec, df: &DataFrame, name: &str, i: usize) -> Result<f64> {
    match &spec.weight {
        Some(_) => exact_at(df, name, i),
        None => f64_at(df, name, i),
    }
}

/// Σw over the rows where `predicate` holds (a count without weights).
fn weight_where(spec: &SatisfactionSpec, predicate: Expr, name: &str) -> Vec<Expr> {
    match &spec.weight {
        Some(_) => exact_sum(when(predicate.fill_null(lit(false))).then(col(WEIGHT)).otherwise(lit(NULL)), name).into(),
        None => vec![count_where(predicate).alias(name)],
    }
}

/// Σw·x (Σx without weights).
fn weighted_sum(spec: &SatisfactionSpec, x: Expr, name: &str) -> Vec<Expr> {
    match &spec.weight {
        Some(_) => exact_sum(x * col(WEIGHT), name).into(),
        None => vec![x.sum().alias(name)],
    }
}

/// Σw and Σw² over the valid answers of `v`, named `{name}_w` and `{name}_w2` (only with weights:
/// without, both are the count).
fn weight_sums(spec: &SatisfactionSpec, v: &Expr, name: &str) -> Vec<Expr> {
    match &spec.weight {
        Some(_) => {
            let answered = v.clone().is_not_null();
            let mut sums = Vec::from(exact_sum(when(answered.clone()).then(col(WEIGHT)).otherwise(lit(NULL)), &format!("{name}_w")));
            sums.extend(exact_sum(when(answered).then(col(WEIGHT) * col(WEIGHT)).otherwise(lit(NULL)), &format!("{name}_w2")));
            sums
        }
        None => Vec::new(),
    }
}

/// The per-group aggregations: one pass over the data.
fn aggregations(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Float64).alias("n")];
    aggs.extend(data.ragged_count());
    if spec.weight.is_some() {
        aggs.push(count_where(col("__weight_bad")).alias("weight_bad"));
    }
    if spec.csat.is_some() {
        let v = col("__csat");
        aggs.extend([v.clone().count().cast(DataType::Float64).alias("csat_n"), count_where(col("__csat_bad")).alias("csat_bad")]);
        aggs.extend(weight_where(spec, v.clone().gt_eq(lit(spec.csat_top_min as f64)), "csat_top"));
        aggs.extend(weighted_sum(spec, v.clone(), "csat_sum"));
        aggs.extend(weight_sums(spec, &v, "csat"));
    }
    if spec.nps.is_some() {
        let v = col("__nps");
        aggs.extend([v.clone().count().cast(DataType::Float64).alias("nps_n"), count_where(col("__nps_bad")).alias("nps_bad")]);
        aggs.extend(weight_where(spec, v.clone().gt_eq(lit(9.0)), "promoters"));
        aggs.extend(weight_where(spec, v.clone().lt_eq(lit(6.0)), "detractors"));
        aggs.extend(weight_sums(spec, &v, "nps"));
    }
    if spec.ces.is_some() {
        let v = col("__ces");
        aggs.extend([v.clone().count().cast(DataType::Float64).alias("ces_n"), count_where(col("__ces_bad")).alias("ces_bad")]);
        aggs.extend(weighted_sum(spec, v.clone(), "ces_sum"));
        aggs.extend(weighted_sum(spec, v.clone() * v.clone(), "ces_sum_sq"));
        aggs.extend(weight_where(spec, v.clone().gt_eq(lit(spec.ces_easy_min as f64)), "ces_easy"));
        aggs.extend(weight_sums(spec, &v, "ces"));
    }
    if spec.designation.is_some() {
        let v = col("__designation");
        aggs.extend([
            v.clone().count().cast(DataType::Float64).alias("designation_n"),
            count_where(col("__designation_bad")).alias("designation_bad"),
        ]);
        aggs.extend(weight_where(spec, v.clone().eq(lit(true)), "designation_yes"));
        aggs.extend(weight_sums(spec, &v, "designation"));
    }
    if grouping.uses_date() && grouping.date.is_some() {
        aggs.push(count_where(col(DATE_BAD)).alias("date_bad"));
    }
    aggs
}

fn read_counts(data: &Dataset, df: &DataFrame, i: usize, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<SatisfactionCounts> {
    let get = |name: &str| f64_at(df, name, i);
    let sum = |name: &str| sum_at(spec, df, name, i);
    // Σw and Σw² of a metric: aggregated with weights, the count without.
    let weights = |name: &str, n: f64| -> Result<(f64, f64)> {
        match &spec.weight {
            Some(_) => Ok((sum(&format!("{name}_w"))?, sum(&format!("{name}_w2"))?)),
            None => Ok((n, n)),
        }
    };
    let mut c = SatisfactionCounts { n: get("n")?, ..Default::default() };
    c.invalid.ragged = data.ragged_at(df, i)?;
    if spec.weight.is_some() {
        c.invalid.weight = get("weight_bad")? as u64;
    }
    if spec.csat.is_some() {
        (c.csat_n, c.csat_top, c.csat_sum) = (get("csat_n")?, sum("csat_top")?, sum("csat_sum")?);
        c.invalid.csat = get("csat_bad")? as u64;
        (c.csat_w, c.csat_w2) = weights("csat", c.csat_n)?;
    }
    if spec.nps.is_some() {
        (c.nps_n, c.promoters, c.detractors) = (get("nps_n")?, sum("promoters")?, sum("detractors")?);
        c.invalid.nps = get("nps_bad")? as u64;
        (c.nps_w, c.nps_w2) = weights("nps", c.nps_n)?;
    }
    if spec.ces.is_some() {
        (c.ces_n, c.ces_sum, c.ces_sum_sq, c.ces_easy) = (get("ces_n")?, sum("ces_sum")?, sum("ces_sum_sq")?, sum("ces_easy")?);
        c.invalid.ces = get("ces_bad")? as u64;
        (c.ces_w, c.ces_w2) = weights("ces", c.ces_n)?;
    }
    if spec.designation.is_some() {
        (c.designation_n, c.designation_yes) = (get("designation_n")?, sum("designation_yes")?);
        c.invalid.designation = get("designation_bad")? as u64;
        (c.designation_w, c.designation_w2) = weights("designation", c.designation_n)?;
    }
    if grouping.uses_date() && grouping.date.is_some() {
        c.invalid.date = get("date_bad")? as u64;
    }
    Ok(c)
}

/// Counts per group, in one pass over the input when every score is a plain number and every
/// date is written `2026-10-03…`; when some are not, a second pass reads them with the answer
/// labels and every date form (words and regular expressions are costly, and most exports
/// need neither).
pub fn aggregate(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<Vec<Group<SatisfactionCounts>>> {
    Ok(aggregate_read(data, spec, grouping)?.0)
}

/// [`aggregate`], and the spec and grouping that read the input (the quick readers when they
/// were enough), for further passes over the same file.
pub fn aggregate_read(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<Read<SatisfactionCounts>> {
    let none = Finer { with_rows: false, columns: Vec::new(), keys: Vec::new(), aggs: Vec::new(), read: |_: &DataFrame, _: usize| Ok(()) };
    let (groups, spec, grouping) = aggregate_finer(data, spec, grouping, &none)?;
    Ok((groups.into_iter().map(|g| Group { key: g.key, dated: g.dated, counts: g.counts.0 }).collect(), spec, grouping))
}

/// Groups as read, with the spec and grouping that read them (see [`aggregate_read`]).
pub type Read<C> = (Vec<Group<C>>, SatisfactionSpec, Grouping);

/// Finer groups for [`aggregate_finer`]: `columns` are added to the rows (after the scores
/// `__csat`, `__nps`, `__ces`, and with the record numbers [`ROW`] when `with_rows`), the
/// groups are split further by `keys`, `aggs` are computed beside the counts, and `read` reads
/// them from row `i` of the result.
pub struct Finer<R> {
    pub with_rows: bool,
    pub columns: Vec<Expr>,
    pub keys: Vec<Expr>,
    pub aggs: Vec<Expr>,
    pub read: R,
}

/// [`aggregate_read`] with each group split further and more aggregates (see [`Finer`]), in the
/// same one or two passes.
pub fn aggregate_finer<X, R: Fn(&DataFrame, usize) -> Result<X>>(
    data: &Dataset,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    finer: &Finer<R>,
) -> Result<Read<(SatisfactionCounts, X)>> {
    let run = |spec: &SatisfactionSpec, grouping: &Grouping| {
        let rows = if finer.with_rows { data.lazy_with_rows() } else { data.lazy() };
        let mut aggs = aggregations(data, spec, grouping);
        aggs.extend(finer.aggs.iter().cloned());
        let lf = spec.with_scores(rows);
        let lf = if finer.columns.is_empty() { lf } else { lf.with_columns(finer.columns.clone()) };
        let collect = |query| data.collect_reduced(query);
        let read = |df: &DataFrame, i| Ok((read_counts(data, df, i, spec, grouping)?, (finer.read)(df, i)?));
        if finer.keys.is_empty() {
            // Without keys an empty input is one group with no rows, not none.
            return grouping.aggregate(lf, aggs, collect, read);
        }
        grouping.aggregate_query(
            lf,
            |lf, mut names| {
                names.extend(finer.keys.iter().cloned());
                lf.group_by(names).agg(aggs)
            },
            collect,
            read,
        )
    };
    let fast = SatisfactionSpec { numbers_only: true, ..spec.clone() };
    let quick = Grouping { quick: true, ..grouping.clone() };
    let groups = run(&fast, &quick)?;
    let invalid = groups.iter().fold(InvalidCounts::default(), |mut acc, g| {
        acc += g.counts.0.invalid;
        acc
    });
    let scores_again = invalid.csat + invalid.nps + invalid.ces > 0 && !spec.numbers_only;
    let dates_again = invalid.date > 0 && !grouping.quick;
    if !scores_again && !dates_again {
        return Ok((groups, fast, quick));
    }
    let spec = if scores_again { spec.clone() } else { fast };
    let grouping = if dates_again { grouping.with_date_order(data)? } else { quick };
    Ok((run(&spec, &grouping)?, spec, grouping))
}

/// The first `limit` invalid values of a column in scope, as (row number, raw value).
/// Row 1 is the header, so the first data record is row 2.
pub fn invalid_examples(
    data: &Dataset,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    metric: Option<Metric>,
    limit: u32,
) -> Result<Vec<(u64, String)>> {
    let (header, flag) = match metric {
        Some(Metric::Designation) => match &spec.designation {
            Some(h) => (h.clone(), "__designation_bad".to_string()),
            None => return Ok(Vec::new()),
        },
        Some(Metric::Weight) => match &spec.weight {
            Some(h) => (h.clone(), "__weight_bad".to_string()),
            None => return Ok(Vec::new()),
        },
        Some(m) => match spec.column(m) {
            Some(c) => (c.header.clone(), format!("__{}_bad", metric_name(m))),
            None => return Ok(Vec::new()),
        },
        None => match &grouping.date {
            Some(d) => (d.clone(), DATE_BAD.to_string()),
            None => return Ok(Vec::new()),
        },
    };
    let (lf, _) = grouping.apply(spec.with_scores(data.lazy_with_rows()));
    data.examples(lf.filter(col(flag.as_str())), &header, limit)
}

/// The distinct invalid answers of a score column that are words rather than numbers (labels not
/// on the scale), at most `limit`, in order of first appearance.
/// The most frequent invalid answers of a score column in scope, with their counts, most
/// frequent first (ties by value).
pub fn invalid_values(
    data: &Dataset,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    metric: Metric,
    limit: u32,
) -> Result<Vec<(String, u64)>> {
    let Some(column) = spec.column(metric) else { return Ok(Vec::new()) };
    let flag = format!("__{}_bad", metric_name(metric));
    let (lf, _) = grouping.apply(spec.with_scores(data.lazy()));
    let counts = lf
        .filter(col(flag.as_str()))
        .group_by([clean::text(&column.header).alias("__value")])
        .agg([len().cast(DataType::Float64).alias("__n")])
        .sort_by_exprs([col("__n"), col("__value")], SortMultipleOptions::default().with_order_descending_multi([true, false]))
        .limit(limit);
    let df = data.collect(counts)?;
    let values = df.column("__value")?.str()?;
    (0..df.height()).map(|i| Ok((values.get(i).unwrap_or_default().to_string(), f64_at(&df, "__n", i)? as u64))).collect()
}

/// The smallest and largest whole number among a score column's answers in scope (valid or not),
/// to tell what scale the answers are on.
pub fn whole_number_range(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, metric: Metric) -> Result<Option<(i64, i64)>> {
    let Some(column) = spec.column(metric) else { return Ok(None) };
    let (lf, _) = grouping.apply(data.lazy());
    let number = clean::text(&column.header).cast(DataType::Float64);
    let whole = number.clone().filter((number.clone() % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)));
    let df = data.collect(lf.select([whole.clone().min().alias("__lo"), whole.max().alias("__hi")]))?;
    let at = |name: &str| -> Result<Option<f64>> { Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(0)) };
    Ok(at("__lo")?.zip(at("__hi")?).map(|(lo, hi)| (lo as i64, hi as i64)))
}

pub fn invalid_labels(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, metric: Metric, limit: u32) -> Result<Vec<String>> {
    let Some(column) = spec.column(metric) else { return Ok(Vec::new()) };
    let flag = format!("__{}_bad", metric_name(metric));
    let (lf, _) = grouping.apply(spec.with_scores(data.lazy()));
    let raw = clean::text(&column.header);
    let words = lf
        .filter(col(flag.as_str()).and(raw.clone().cast(DataType::Float64).is_null()))
        .select([raw.alias("__label")])
        .unique_stable(None, UniqueKeepStrategy::First)
        .limit(limit);
    let df = data.collect(words)?;
    let labels = df.column("__label")?.str()?;
    Ok((0..df.height()).filter_map(|i| labels.get(i).map(str::to_string)).collect())
}

/// The score values that cxstat's readers take and a SQL engine's reading (`cxstat sql`) does
/// not (labels, `4 - satisfied`): per score column, the count of such values and the first few.
/// SQL reads a score as the trimmed text cast to a number.
pub fn read_only_locally(data: &Dataset, spec: &SatisfactionSpec) -> Result<Vec<(String, u64, Vec<String>)>> {
    let mut found = Vec::new();
    for metric in [Metric::Csat, Metric::Nps, Metric::Ces] {
        let Some(column) = spec.column(metric) else { continue };
        let (number, answered) = clean::score_parts(&column.header, &spec.na_values, Some(&spec.labels), column.scale);
        let local = clean::score_from(number, answered.clone(), column.scale).value.is_not_null();
        let plain = clean::score_from(clean::text(&column.header).cast(DataType::Float64), answered, column.scale).value.is_not_null();
        if let Some((n, examples)) = only_locally(data, &column.header, local, plain)? {
            found.push((column.header.clone(), n, examples));
        }
    }
    Ok(found)
}

/// The dates of `column` that cxstat's reader takes (year-last dates in the order the values
/// show, `2026/10/03`, `2026年10月3日`) and SQL's does not ([`clean::SQL_DATE_FORM`]). Their
/// count and the first few.
pub fn dates_read_only_locally(data: &Dataset, column: &str) -> Result<Option<(u64, Vec<String>)>> {
    let order = crate::metrics::grouping::detect_date_order(data, column)?;
    only_locally_in_form(data, column, clean::date_in(column, order).value.is_not_null(), clean::SQL_DATE_FORM)
}

/// The values of `column` where `local` (cxstat's reader) reads one and SQL does not: SQL reads
/// the trimmed text in `form` (a regular expression) whose first ten characters are a day.
pub fn only_locally_in_form(data: &Dataset, column: &str, local: Expr, form: &str) -> Result<Option<(u64, Vec<String>)>> {
    let t = clean::text(column);
    let in_form = t.clone().str().contains(lit(form), true).fill_null(lit(false));
    let options = StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: false };
    let plain = in_form.and(t.str().slice(lit(0), lit(10)).str().to_date(options).is_not_null());
    only_locally(data, column, local, plain)
}

/// The rows where `local` holds and `plain` does not: their count and the first five distinct
/// values of `header` among them.
fn only_locally(data: &Dataset, header: &str, local: Expr, plain: Expr) -> Result<Option<(u64, Vec<String>)>> {
    let only = local.and(plain.not());
    let df = data.collect(data.lazy().select([
        count_where(only.clone()).alias("__n"),
        clean::text(header).filter(only).unique_stable().head(Some(5)).implode(true).alias("__examples"),
    ]))?;
    let n = f64_at(&df, "__n", 0)? as u64;
    Ok((n > 0).then(|| crate::input::frame::strings_at(&df, "__examples", 0)).transpose()?.map(|examples| (n, examples)))
}

/// Valid answers per score value of one metric in scope (within `--from`/`--to`), every
/// point of the scale listed (zero when nobody gave it). Empty when the metric is not mapped.
pub fn score_counts(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, metric: Metric) -> Result<Vec<(i64, f64)>> {
    let Some(column) = spec.column(metric) else { return Ok(Vec::new()) };
    let scope = Grouping { period: None, by: Vec::new(), ..grouping.clone() };
    let mut counts: Vec<(i64, f64)> = (column.scale.low..=column.scale.high).map(|v| (v, 0.0)).collect();
    for (_, score, n) in score_table(data, spec, &scope, metric)? {
        if let Some(slot) = counts.iter_mut().find(|(v, _)| *v == score) {
            slot.1 += n;
        }
    }
    Ok(counts)
}

/// The score column's key while counting answers per score value.
const SCORE_KEY: &str = "__score";

/// Valid answers per group and score value of one metric (dated groups only, within
/// `--from`/`--to`): (group, score, count), the count weighted (Σw) with a weight. Empty when
/// the metric is not mapped.
pub fn score_table(data: &Dataset, spec: &SatisfactionSpec, grouping: &Grouping, metric: Metric) -> Result<Vec<(GroupKey, i64, f64)>> {
    if spec.column(metric).is_none() {
        return Ok(Vec::new());
    }
    let name = format!("__{}", metric_name(metric));
    let mut by_score = grouping.clone();
    by_score.by.push(SCORE_KEY.to_string());
    let lf = spec
        .with_scores(data.lazy())
        .filter(col(name.as_str()).is_not_null())
        .with_columns([col(name.as_str()).cast(DataType::Int64).alias(SCORE_KEY)]);
    let count = match &spec.weight {
        Some(_) => exact_sum(col(WEIGHT), "count").into(),
        None => vec![len().cast(DataType::Float64).alias("count")],
    };
    let groups = by_score.aggregate(lf, count, |q| data.collect(q), |df, i| sum_at(spec, df, "count", i))?;
    Ok(groups
        .into_iter()
        .filter(|g| g.dated)
        .filter_map(|mut g| {
            let score = g.key.by.pop()??.parse().ok()?;
            Some((g.key, score, g.counts))
        })
        .collect())
}

fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::Csat => "csat",
        Metric::Nps => "nps",
        Metric::Ces => "ces",
        Metric::Designation => "designation",
        Metric::Weight => "weight",
    }
}

/// The reported metrics of one group. `None` = not computable (no valid answers).
/// Shares are percentages (0–100); NPS is in points (−100–100).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SatisfactionSummary {
    pub csat_pct: Option<f64>,
    pub csat_ci: Option<Interval>,
    pub csat_mean: Option<f64>,
    pub promoters_pct: Option<f64>,
    pub passives_pct: Option<f64>,
    pub detractors_pct: Option<f64>,
    pub nps: Option<f64>,
    pub nps_margin: Option<f64>,
    pub nps_ci: Option<Interval>,
    pub ces_mean: Option<f64>,
    pub ces_ci: Option<Interval>,
    pub ces_easy_pct: Option<f64>,
    /// Share who asked for the brand by name, with its Wilson interval.
    pub designation_pct: Option<f64>,
    pub designation_ci: Option<Interval>,
}

fn scaled(i: Interval, by: f64) -> Interval {
    Interval { low: i.low * by, high: i.high * by }
}

/// CSAT, NPS and CES from a group's counts.
pub fn summarise(counts: &SatisfactionCounts, confidence: f64, nps_method: NpsMethod) -> SatisfactionSummary {
    let c = &counts.effective();
    let nps_ci = nps_interval(c.promoters, c.detractors, c.nps_n, confidence, nps_method);
    let ces = mean_t_interval(c.ces_n, c.ces_sum, c.ces_sum_sq, confidence);
    SatisfactionSummary {
        csat_pct: pct(c.csat_top, c.csat_n),
        csat_ci: wilson(c.csat_top, c.csat_n, confidence).map(|i| scaled(i, 100.0)),
        csat_mean: (c.csat_n > 0.0).then(|| c.csat_sum / c.csat_n),
        promoters_pct: pct(c.promoters, c.nps_n),
        passives_pct: pct(c.nps_n - c.promoters - c.detractors, c.nps_n),
        detractors_pct: pct(c.detractors, c.nps_n),
        nps: pct(c.promoters - c.detractors, c.nps_n),
        nps_margin: nps_ci.map(|r| r.margin),
        nps_ci: nps_ci.map(|r| r.interval),
        ces_mean: ces.map(|(mean, _)| mean),
        ces_ci: ces.and_then(|(_, i)| i),
        ces_easy_pct: pct(c.ces_easy, c.ces_n),
        designation_pct: pct(c.designation_yes, c.designation_n),
        designation_ci: wilson(c.designation_yes, c.designation_n, confidence).map(|i| scaled(i, 100.0)),
    }
}

/// A row of the survey table (a group, a period's subtotal or the total): its counts and their
/// statistics.
#[derive(Debug, Clone)]
pub struct SurveyRow {
    pub key: GroupKey,
    pub kind: RowKind,
    pub counts: SatisfactionCounts,
    pub summary: SatisfactionSummary,
    /// With a survey design (`--variance taylor`): the design-based standard error, design
    /// effect and degrees of freedom of CSAT top-box, NPS, CES mean and asked-by-name, in
    /// the order of `ESTIMATES` in the design module.
    pub design: Option<[Option<crate::stats::design::DesignEstimate>; 4]>,
}

impl SurveyRow {
    /// Kish's effective sample size of a metric's answers (the count of answers without weights).
    pub fn n_eff(&self, metric: Metric) -> f64 {
        let (_, w, w2) = self.counts.weights(metric);
        kish(w, w2)
    }
}

/// The survey table from the groups' counts.
#[derive(Debug, Clone)]
pub struct SurveyTable {
    /// Groups in order, with subtotals and the total ([`arrange`]), each summarised.
    pub rows: Vec<SurveyRow>,
    /// The counts of every group in scope (dated rows).
    pub in_scope: SatisfactionCounts,
    /// Rows without a valid date (left out).
    pub undated: f64,
}

/// A mean's t interval clipped to the scale its answers are on: a mean of 1–7 answers lies in
/// 1–7, however few the answers (two answers of 1 and 7 give 4 ± 38.1 at 95%, shown as 1 to 7).
fn on_scale(interval: Option<Interval>, scale: Option<Scale>) -> Option<Interval> {
    match (interval, scale) {
        (Some(i), Some(s)) => {
            let (low, high) = (s.low as f64, s.high as f64);
            Some(Interval { low: i.low.clamp(low, high), high: i.high.clamp(low, high) })
        }
        (i, _) => i,
    }
}

/// Orders and summarises the groups: the survey table. CES intervals are clipped to
/// `ces_scale` ([`on_scale`]), for every reader of the rows: the table, charts, the scorecard.
pub fn survey_table(
    groups: &[Group<SatisfactionCounts>],
    totals: bool,
    confidence: f64,
    nps_method: NpsMethod,
    ces_scale: Option<Scale>,
) -> SurveyTable {
    let undated = groups.iter().filter(|g| !g.dated).map(|g| g.counts.n).sum();
    let rows = arrange(groups, totals);
    let mut in_scope = SatisfactionCounts::default();
    for r in rows.iter().filter(|r| r.kind == RowKind::Group) {
        in_scope += r.counts;
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut summary = summarise(&r.counts, confidence, nps_method);
            summary.ces_ci = on_scale(summary.ces_ci, ces_scale);
            SurveyRow { summary, key: r.key, kind: r.kind, counts: r.counts, design: None }
        })
        .collect();
    SurveyTable { rows, in_scope, undated }
}

/// Counts read without weights: every Σw and Σw² is the count of answers (for tests).
#[cfg(test)]
pub(crate) fn unweighted(c: SatisfactionCounts) -> SatisfactionCounts {
    SatisfactionCounts {
        csat_w: c.csat_n,
        csat_w2: c.csat_n,
        nps_w: c.nps_n,
        nps_w2: c.nps_n,
        ces_w: c.ces_n,
        ces_w2: c.ces_n,
        designation_w: c.designation_n,
        designation_w2: c.designation_n,
        ..c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ces_intervals_are_clipped_to_the_scale() {
        // Answers 1 and 7 on 1–7: mean 4, s = √18 = 4.243, SE = 3, t(0.975, 1) = 12.7062:
        // 4 ± 38.1186, which a mean of 1–7 answers cannot reach; clipped to 1 to 7.
        let c = SatisfactionCounts { n: 2.0, ces_n: 2.0, ces_w: 2.0, ces_w2: 2.0, ces_sum: 8.0, ces_sum_sq: 50.0, ..Default::default() };
        let raw = summarise(&c, 0.95, NpsMethod::Wald).ces_ci.unwrap();
        assert!((raw.low - (4.0 - 38.1186)).abs() < 1e-3, "{raw:?}");
        let clipped = on_scale(Some(raw), Some(Scale { low: 1, high: 7 })).unwrap();
        assert_eq!((clipped.low, clipped.high), (1.0, 7.0));
        // Inside the scale: unchanged; no scale: unchanged.
        let inside = Interval { low: 4.5, high: 5.5 };
        assert_eq!(on_scale(Some(inside), Some(Scale { low: 1, high: 7 })), Some(inside));
        assert_eq!(on_scale(Some(raw), None), Some(raw));
    }

    #[test]
    fn weights_use_the_kish_effective_size() {
        // Weights 1, 2, 1, 0.5, 2.5, 3 on CSAT 5, 4, 2, 5, 3, 3: Σw = 10, Σw² = 1+4+1+0.25+6.25+9 = 21.5,
        // n_eff = 100/21.5 = 4.651163. Top-2 weight 1+2+0.5 = 3.5 → 35 %; Σwx = 5+8+2+2.5+7.5+9 = 34 → mean 3.4.
        let c =
            SatisfactionCounts { n: 6.0, csat_n: 6.0, csat_w: 10.0, csat_w2: 21.5, csat_top: 3.5, csat_sum: 34.0, ..Default::default() };
        let e = c.effective();
        assert!((e.csat_n - 100.0 / 21.5).abs() < 1e-12);
        assert!((e.csat_top / e.csat_n - 0.35).abs() < 1e-12);
        let s = summarise(&c, 0.95, NpsMethod::Wald);
        assert!((s.csat_pct.unwrap() - 35.0).abs() < 1e-9 && (s.csat_mean.unwrap() - 3.4).abs() < 1e-12);
        // Wilson at p = 0.35, n = 4.651163, z = 1.959964: centre (0.35 + z²/2n)/(1 + z²/n) = 0.417816,
        // half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n) = 0.327881 → 8.99 % to 74.57 %.
        let ci = s.csat_ci.unwrap();
        assert!((ci.low - 8.996465).abs() < 1e-5 && (ci.high - 74.573404).abs() < 1e-5, "{ci:?}");
        // Equal weights change nothing: n_eff = n.
        let equal = SatisfactionCounts { csat_n: 4.0, csat_w: 8.0, csat_w2: 16.0, csat_top: 6.0, csat_sum: 30.0, ..Default::default() };
        assert!((equal.effective().csat_n - 4.0).abs() < 1e-12);
        assert_eq!(kish(0.0, 0.0), 0.0);
    }

    /// Σ of a column by [`exact_sum`], read back by [`exact_at`].
    pub(super) fn exact(values: &[f64]) -> f64 {
        let df = df!("x" => values).unwrap();
        let sums = df.lazy().select(exact_sum(col("x"), "s")).collect().unwrap();
        exact_at(&sums, "s", 0).unwrap()
    }

    #[test]
    fn exact_sums_do_not_depend_on_the_order() {
        // 0.1, 0.2 and 0.3 are not binary fractions: as floats they are 0.1000000000000000055511…,
        // 0.2000000000000000111022… and 0.2999999999999999888978…, which add up to
        // 0.6000000000000000055511…. The nearest float is 0.59999999999999997780 (2.8·10⁻¹⁷
        // away; the next one up, 0.60000000000000008882, is 8.3·10⁻¹⁷ away), written 0.6.
        // Added as floats, the result depends on the order: (0.1 + 0.2) + 0.3 = 0.6000000000000001.
        assert_eq!((0.1 + 0.2) + 0.3, 0.6000000000000001);
        assert_eq!((0.3 + 0.2) + 0.1, 0.6);
        assert_eq!(exact(&[0.1, 0.2, 0.3]), 0.6);
        assert_eq!(exact(&[0.3, 0.2, 0.1]), 0.6);
        // Large and small at once: 10¹⁸ (a weight of 10⁹ squared) twice, and 0.5 → 2·10¹⁸ (the
        // exact 2000000000000000000.5 rounds to it); 1 + 2⁻⁴⁰ keeps its last bit.
        assert_eq!(exact(&[1e18, 0.5, 1e18]), 2e18);
        assert_eq!(exact(&[1.0, 2f64.powi(-40)]), 1.0 + 2f64.powi(-40));
        // Below 2⁻²⁰ only the low part carries the value: the same three values times 2⁻³⁰
        // (an exact scaling) give 0.6 × 2⁻³⁰ again.
        let tiny = 2f64.powi(-30);
        assert_eq!((0.1 * tiny + 0.2 * tiny) + 0.3 * tiny, 0.6000000000000001 * tiny);
        assert_eq!(exact(&[0.1 * tiny, 0.2 * tiny, 0.3 * tiny]), 0.6 * tiny);
        // Negative values (weighted scores on a scale below zero) and nulls (left out).
        assert_eq!(exact(&[-0.1, -0.2, -0.3]), -0.6);
        let df = df!("x" => [Some(0.25), None, Some(0.5)]).unwrap();
        let sums = df.lazy().select(exact_sum(col("x"), "s")).collect().unwrap();
        assert_eq!(exact_at(&sums, "s", 0).unwrap(), 0.75);
        assert_eq!(exact(&[]), 0.0);
    }

    #[test]
    fn summary_by_hand() {
        // CSAT answers 5,5,4,3,1 → 3 of 5 in the top 2 boxes = 60 %, mean 18/5 = 3.6.
        // NPS answers 10,9,9,8,7,6,0,10,9,3 → 5 promoters, 2 passives, 3 detractors of 10 → NPS = 50 − 30 = 20.
        // CES answers 7,6,5,2 → mean 20/4 = 5, Σx² = 49+36+25+4 = 114, easy (≥5) 3 of 4 = 75 %.
        let c = unweighted(SatisfactionCounts {
            n: 10.0,
            csat_n: 5.0,
            csat_top: 3.0,
            csat_sum: 18.0,
            nps_n: 10.0,
            promoters: 5.0,
            detractors: 3.0,
            ces_n: 4.0,
            ces_sum: 20.0,
            ces_sum_sq: 114.0,
            ces_easy: 3.0,
            // Asked for the brand by name: 3 of 4 → 75 %.
            designation_n: 4.0,
            designation_yes: 3.0,
            invalid: InvalidCounts::default(),
            ..Default::default()
        });
        let s = summarise(&c, 0.95, NpsMethod::Wald);
        assert_eq!(s.designation_pct, Some(75.0));
        assert_eq!(s.csat_pct, Some(60.0));
        assert_eq!(s.csat_mean, Some(3.6));
        assert_eq!(s.promoters_pct, Some(50.0));
        assert_eq!(s.passives_pct, Some(20.0));
        assert_eq!(s.detractors_pct, Some(30.0));
        assert_eq!(s.nps, Some(20.0));
        // var = 0.5 + 0.3 − 0.2² = 0.76; MOE = 1.959964 × √(0.76/10) = 0.540327 → 54.03 points.
        assert!((s.nps_margin.unwrap() - 54.0327).abs() < 1e-3);
        assert_eq!(s.ces_mean, Some(5.0));
        assert_eq!(s.ces_easy_pct, Some(75.0));
        // s² = (114 − 400/4)/3 = 4.6667; SE = √(4.6667/4) = 1.080123; t(0.975, 3) = 3.182446 → ±3.437432.
        let ci = s.ces_ci.unwrap();
        assert!((ci.high - 8.437432).abs() < 1e-5 && (ci.low - 1.562568).abs() < 1e-5);
    }

    #[test]
    fn nothing_answered_is_not_computable() {
        let s = summarise(&SatisfactionCounts { n: 3.0, ..Default::default() }, 0.95, NpsMethod::Wald);
        assert_eq!(s, SatisfactionSummary::default());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn inside(value: Option<f64>, interval: Option<Interval>) -> bool {
        match (value, interval) {
            (Some(v), Some(i)) => i.low <= v + 1e-9 && v <= i.high + 1e-9,
            (None, None) => true,
            (Some(_), None) => true,
            (None, Some(_)) => false,
        }
    }

    proptest! {
        /// An exact sum is the same for every order of the values, and within the float
        /// rounding of the values' plain float sum (which differs by order in its last digits).
        #[test]
        fn exact_sums_are_the_same_in_every_order(
            values in proptest::collection::vec(1e-6f64..1e9, 1..60),
            rotate in 0usize..60,
        ) {
            let mut turned = values.clone();
            turned.rotate_left(rotate % values.len());
            turned.reverse();
            let (a, b) = (tests::exact(&values), tests::exact(&turned));
            prop_assert_eq!(a.to_bits(), b.to_bits());
            let plain: f64 = values.iter().sum();
            prop_assert!((a - plain).abs() <= plain * 1e-14, "{} {}", a, plain);
        }
    }

    proptest! {
        /// Multiplying every weight by the same factor changes no share, mean or interval:
        /// Σw and the weighted sums scale by f, Σw² by f², and n_eff is unchanged.
        #[test]
        fn scaling_all_weights_changes_nothing(
            tops in proptest::collection::vec((0.1f64..5.0, any::<bool>()), 1..40),
            factor in 0.01f64..100.0,
        ) {
            let counts = |f: f64| {
                let mut c = SatisfactionCounts { csat_n: tops.len() as f64, ..Default::default() };
                for (w, top) in &tops {
                    let w = w * f;
                    c.csat_w += w;
                    c.csat_w2 += w * w;
                    c.csat_sum += w * if *top { 5.0 } else { 2.0 };
                    if *top {
                        c.csat_top += w;
                    }
                }
                c
            };
            let (a, b) = (summarise(&counts(1.0), 0.95, NpsMethod::Wald), summarise(&counts(factor), 0.95, NpsMethod::Wald));
            let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() < 1e-6,
                (x, y) => x.is_none() && y.is_none(),
            };
            prop_assert!(close(a.csat_pct, b.csat_pct) && close(a.csat_mean, b.csat_mean));
            prop_assert!(close(a.csat_ci.map(|i| i.low), b.csat_ci.map(|i| i.low)));
            prop_assert!(close(a.csat_ci.map(|i| i.high), b.csat_ci.map(|i| i.high)));
        }
    }

    proptest! {
        #[test]
        fn metrics_stay_in_range_and_intervals_hold_their_estimate(
            promoters in 0u32..400, passives in 0u32..400, detractors in 0u32..400,
            csat_top in 0u32..400, csat_rest in 0u32..400,
            ces in proptest::collection::vec(1u32..=7, 0..60),
            confidence in 0.5f64..0.999,
            adjusted in any::<bool>(),
        ) {
            let nps_n = f64::from(promoters + passives + detractors);
            let csat_n = f64::from(csat_top + csat_rest);
            let c = unweighted(SatisfactionCounts {
                n: nps_n.max(csat_n),
                csat_n,
                csat_top: f64::from(csat_top),
                csat_sum: f64::from(csat_top) * 5.0 + f64::from(csat_rest) * 2.0,
                nps_n,
                promoters: f64::from(promoters),
                detractors: f64::from(detractors),
                ces_n: ces.len() as f64,
                ces_sum: ces.iter().map(|&v| f64::from(v)).sum(),
                ces_sum_sq: ces.iter().map(|&v| f64::from(v * v)).sum(),
                ces_easy: ces.iter().filter(|&&v| v >= 5).count() as f64,
                invalid: InvalidCounts::default(),
                ..Default::default()
            });
            let method = if adjusted { NpsMethod::AdjustedWald } else { NpsMethod::Wald };
            let s = summarise(&c, confidence, method);
            if let Some(nps) = s.nps {
                prop_assert!((-100.0..=100.0).contains(&nps));
                let i = s.nps_ci.unwrap();
                prop_assert!(-100.0 <= i.low && i.high <= 100.0);
            }
            for p in [s.csat_pct, s.promoters_pct, s.passives_pct, s.detractors_pct, s.ces_easy_pct].into_iter().flatten() {
                prop_assert!((0.0..=100.0 + 1e-9).contains(&p), "{p}");
            }
            prop_assert!(inside(s.csat_pct, s.csat_ci));
            if adjusted {
                // Adjusted Wald is centred on (p₊+0.75/(n+3)) − (p₋+0.75/(n+3)), which at tiny n can
                // sit outside the raw NPS (n = 1 promoter: interval tops out at 98.5): check its own centre.
                let n3 = nps_n + 3.0;
                let centre = 100.0 * ((c.promoters + 0.75) / n3 - (c.detractors + 0.75) / n3);
                prop_assert!(inside(Some(centre), s.nps_ci));
            } else {
                prop_assert!(inside(s.nps, s.nps_ci));
            }
            prop_assert!(inside(s.ces_mean, s.ces_ci));
            prop_assert_eq!(s.nps.is_some(), nps_n > 0.0);
        }
    }
}
