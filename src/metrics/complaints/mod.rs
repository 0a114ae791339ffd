//! Complaint handling: resolution, first-contact resolution, reopen and timely shares, response
//! and resolution times, SLA compliance, backlog, funnel stages and causes.
//!
//! The row-level work is done once: timestamps and yes/no columns are parsed, durations and SLA
//! outcomes derived, and the result (only the columns needed) is kept in memory. Each group's
//! counts and exact histograms of its durations are aggregated from those rows; the period
//! subtotals and the total add up the groups' (histograms too), so medians and p90s are exact at
//! every level, and partial results of shards merge into the same numbers.

pub mod kpis;
pub mod pareto;
pub mod problems;

pub use problems::Problem;

use anyhow::Result;
use chrono::NaiveDateTime;
use polars::prelude::*;

use crate::metrics::count_where;

use crate::input::clean::{self, token_of};
use crate::input::frame::{f64_at, Dataset, ROW};
use crate::metrics::grouping::{detect_date_order, Group, Grouping};
use crate::metrics::period::period_index;
use crate::metrics::period::Period;
use crate::metrics::worktime::WorkCalendar;
use crate::stats::histogram::{Durations, Histogram};

/// The stages of the closed loop, in order.
pub const STAGES: [&str; 6] = ["received", "assigned", "in_progress", "follow_up", "resolved", "closed"];

/// Status names recognised per stage (as tokens: lower-case, `_` for spaces).
const STAGE_NAMES: &[(&str, usize)] = &[
    ("received", 0),
    ("new", 0),
    ("open", 0),
    ("受理", 0),
    ("已受理", 0),
    ("待处理", 0),
    ("assigned", 1),
    ("分派", 1),
    ("已分派", 1),
    ("in_progress", 2),
    ("processing", 2),
    ("处理", 2),
    ("处理中", 2),
    ("follow_up", 3),
    ("pending", 3),
    ("跟进", 3),
    ("跟进中", 3),
    ("resolved", 4),
    ("solved", 4),
    ("回访", 4),
    ("已解决", 4),
    ("closed", 5),
    ("归档", 5),
    ("已归档", 5),
    ("已关闭", 5),
];

/// Statuses that mean resolved when there is no resolution timestamp (configurable).
pub const RESOLVED_STATUS: &[&str] = &["resolved", "closed", "solved", "已解决", "已关闭", "回访", "归档", "已归档"];

/// Severities known without configuration.
pub const SEVERITIES: &[&str] = &["low", "medium", "high", "critical", "低", "中", "高", "紧急", "严重"];

/// SLA targets in hours: defaults and per severity (a `None` there falls back to the default).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sla {
    pub response: Option<f64>,
    pub resolve: Option<f64>,
    pub by_severity: Vec<(String, Option<f64>, Option<f64>)>,
}

impl Sla {
    fn any_response(&self) -> bool {
        self.response.is_some() || self.by_severity.iter().any(|s| s.1.is_some())
    }

    fn any_resolve(&self) -> bool {
        self.resolve.is_some() || self.by_severity.iter().any(|s| s.2.is_some())
    }

    /// The target (hours) of each row, from its severity token in `__sev`.
    fn target(&self, resolve: bool, has_severity: bool) -> Expr {
        let default = if resolve { self.resolve } else { self.response };
        let fallback = default.map_or(lit(NULL).cast(DataType::Float64), lit);
        if !has_severity {
            return fallback;
        }
        self.by_severity.iter().rev().fold(fallback, |acc, (sev, response, resolve_h)| {
            let t = if resolve { resolve_h.or(default) } else { response.or(default) };
            let t = t.map_or(lit(NULL).cast(DataType::Float64), lit);
            when(col("__sev").eq(lit(sev.as_str())).fill_null(lit(false))).then(t).otherwise(acc)
        })
    }
}

/// Which columns to use and how to read them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComplaintSpec {
    pub opened: String,
    pub id: Option<String>,
    pub responded: Option<String>,
    pub resolved: Option<String>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub reopened: Option<String>,
    pub fcr: Option<String>,
    pub timely: Option<String>,
    /// Status tokens that mean resolved (a status matches a token, or starts with it and `_`).
    pub resolved_status: Vec<String>,
    /// Status token → stage index.
    pub stages: Vec<(String, usize)>,
    /// Severity tokens that are known.
    pub severities: Vec<String>,
    pub sla: Sla,
    pub calendar: Option<WorkCalendar>,
    /// "Now" for open complaints; `None` = the latest timestamp in the file.
    pub as_of: Option<NaiveDateTime>,
    /// The end of the scope (the day after `--to`), for the backlog at the end.
    pub scope_end: Option<NaiveDateTime>,
    pub period: Option<Period>,
    /// `--date-order` for timestamps written with the year last; `None`: found from the opening
    /// times. How the input is read, not what the results mean: not part of partial results.
    #[serde(skip)]
    pub date_order: Option<clean::DateOrder>,
    /// Raw columns the command needs besides the roles (grouping, pareto).
    pub keep: Vec<String>,
}

impl ComplaintSpec {
    /// Built-in status and severity names plus configured ones.
    pub fn names(
        resolved_status: Option<&[String]>,
        extra_stages: &[(String, usize)],
        extra_severities: &[String],
    ) -> (Vec<String>, Vec<(String, usize)>, Vec<String>) {
        let resolved = match resolved_status {
            Some(list) => list.iter().map(|s| token_of(s)).collect(),
            None => RESOLVED_STATUS.iter().map(|s| token_of(s)).collect(),
        };
        let mut stages: Vec<(String, usize)> = extra_stages.iter().map(|(s, k)| (token_of(s), *k)).collect();
        stages.extend(STAGE_NAMES.iter().map(|(s, k)| (token_of(s), *k)));
        let mut severities: Vec<String> = SEVERITIES.iter().map(|s| token_of(s)).collect();
        severities.extend(extra_severities.iter().map(|s| token_of(s)));
        (resolved, stages, severities)
    }

    pub fn has_resolution(&self) -> bool {
        self.resolved.is_some() || self.status.is_some()
    }

    /// Resolution times and resolve SLAs need a resolution timestamp.
    pub fn has_resolve_times(&self) -> bool {
        self.resolved.is_some()
    }

    pub fn sla_response(&self) -> bool {
        self.responded.is_some() && self.sla.any_response()
    }

    pub fn sla_resolve(&self) -> bool {
        self.resolved.is_some() && self.sla.any_resolve()
    }
}

/// True where the status token is `name` or starts with `name_` ("closed_with_explanation").
fn status_is(name: &str) -> Expr {
    let s = col("__status");
    s.clone().eq(lit(name)).or(s.str().starts_with(lit(format!("{name}_")))).fill_null(lit(false))
}

fn hours(spec: &ComplaintSpec, a: Expr, b: Expr) -> Expr {
    match &spec.calendar {
        Some(c) => c.hours_between(a, b),
        None => ms_to_hours(b.cast(DataType::Int64) - a.cast(DataType::Int64)),
    }
}

/// Hours of a duration in milliseconds (an Int64 expression): multiplied by the inverse of an
/// hour's milliseconds, written out (polars' optimiser turns a division by a constant into
/// that, but not always), so that the floats do not depend on how a query is optimised.
fn ms_to_hours(ms: Expr) -> Expr {
    ms.cast(DataType::Float64) * lit(1.0 / 3_600_000.0)
}

/// [`ms_to_hours`] of durations in memory (an engine's result, `cxstat merge`): the same floats
/// as a local run's.
pub fn hours_of_ms(ms: &[i64]) -> Result<Vec<f64>> {
    let df = DataFrame::new(ms.len(), vec![Column::new("ms".into(), ms)])?;
    let out = df.lazy().select([ms_to_hours(col("ms")).alias("h")]).collect()?;
    Ok(out.column("h")?.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn ms_literal(t: NaiveDateTime) -> Expr {
    lit(t.and_utc().timestamp_millis()).cast(DataType::Datetime(TimeUnit::Milliseconds, None))
}

/// The parsed and derived rows, in memory, and the "now" used for open complaints.
pub struct Prepared {
    pub rows: DataFrame,
    pub as_of: Option<NaiveDateTime>,
    /// The grouping's order of year-last dates, when the full readers read the file (the quick
    /// readers need none): for a caller whose grouping left it pending.
    pub date_order: Option<Option<clean::DateOrder>>,
}

/// The day each complaint was opened, as the grouping reads it, parsed once by [`prepare`].
const OPENED_DAY: &str = "__opened_day";

impl Prepared {
    /// `grouping` over the rows in memory: its dates are the opening days parsed by [`prepare`]
    /// (not the raw column, parsed again by every query).
    fn over(&self, grouping: &Grouping) -> Grouping {
        match grouping.uses_date() {
            true => Grouping { date: Some(OPENED_DAY.to_string()), parsed: true, ..grouping.clone() },
            false => grouping.clone(),
        }
    }
}

/// Parses and derives every row (one read of the input when every timestamp is written
/// `2026-10-03 09:05:00`; otherwise a second read with every form [`clean::datetime`] knows).
/// The day of opening that `grouping` groups by is read here too (when it uses dates): the
/// functions below take the same `grouping` and use that day.
pub fn prepare(data: &Dataset, spec: &ComplaintSpec, grouping: &Grouping) -> Result<Prepared> {
    let quick = prepare_with(data, spec, grouping, None)?;
    let mut invalid = 0.0;
    for name in ["__opened_bad", "__responded_bad", "__resolved_bad"] {
        if let Ok(c) = quick.rows.column(name) {
            invalid += c.cast(&DataType::Float64)?.f64()?.sum().unwrap_or(0.0);
        }
    }
    if invalid == 0.0 {
        return Ok(quick);
    }
    drop(quick);
    let grouping = grouping.with_date_order(data)?;
    // Timestamps written with the year last (22-04-2015 10:00) are read in the order of the
    // opening times, as their days are grouped: the flag's, the grouping's, else the values'.
    let order = match (spec.date_order, &grouping.date) {
        (Some(order), _) => Some(order),
        (None, Some(_)) => grouping.date_order,
        (None, None) => detect_date_order(data, &spec.opened)?,
    };
    Ok(Prepared { date_order: Some(grouping.date_order), ..prepare_with(data, spec, &grouping, Some(order))? })
}

/// `full`: the second read, with the order of year-last timestamps (`None`: the quick first pass).
fn prepare_with(data: &Dataset, spec: &ComplaintSpec, grouping: &Grouping, full: Option<Option<clean::DateOrder>>) -> Result<Prepared> {
    let quick = full.is_none();
    let mut parsed = Vec::new();
    // Flags that read a parsed column (quick pass: the value is parsed once, then tested).
    let mut flags = Vec::new();
    // Raw text kept in memory: the grouping and Pareto columns, and the statuses and severities
    // (unknown ones are listed by value). Messages about other columns quote their rows from the
    // input ([`Dataset::examples_from_input`]), rather than keep every complaint's raw timestamps,
    // yes/no values and ids (BENCHMARKS.md, commit 89bc2a7).
    let mut keep: Vec<String> = Vec::new();
    let timestamp = |h: &str, name: &str, parsed: &mut Vec<Expr>, flags: &mut Vec<Expr>| {
        if quick {
            parsed.push(clean::datetime_quick(h).alias(name));
            flags.push(clean::answered(h, true).and(col(name).is_null()).alias(format!("{name}_bad")));
        } else {
            let cleaned = clean::datetime_in(h, full.flatten());
            parsed.push(cleaned.value.alias(name));
            parsed.push(cleaned.invalid.alias(format!("{name}_bad")));
        }
    };
    timestamp(&spec.opened, "__opened", &mut parsed, &mut flags);
    let mut kept = parsed_names(spec);
    if let (true, Some(column)) = (grouping.uses_date(), &grouping.date) {
        // The quick pass goes on only when every opening time is `2026-10-03[ 09:05:00]`, whose
        // day is the grouping's date; otherwise the grouping's own reader (year-last dates too).
        let day = if quick { col("__opened").cast(DataType::Date) } else { grouping.date_of(column) };
        flags.push(day.alias(OPENED_DAY));
        kept.push(OPENED_DAY.to_string());
    }
    for (header, name) in [(&spec.responded, "__responded"), (&spec.resolved, "__resolved")] {
        if let Some(h) = header {
            timestamp(h, name, &mut parsed, &mut flags);
        }
    }
    let add = |header: &Option<String>, name: &str, c: fn(&str) -> clean::Cleaned, parsed: &mut Vec<Expr>| {
        if let Some(h) = header {
            let cleaned = c(h);
            parsed.push(cleaned.value.alias(name));
            parsed.push(cleaned.invalid.alias(format!("{name}_bad")));
        }
    };
    add(&spec.fcr, "__fcr", clean::boolean, &mut parsed);
    add(&spec.reopened, "__reopened", clean::boolean, &mut parsed);
    add(&spec.timely, "__timely", clean::boolean, &mut parsed);
    for (header, name) in [(&spec.status, "__status"), (&spec.severity, "__sev")] {
        if let Some(h) = header {
            parsed.push(clean::token(h).alias(name));
            keep.push(h.clone());
        }
    }
    parsed.push(
        match &spec.id {
            Some(h) => clean::repeated(h),
            None => lit(false),
        }
        .alias("__dup"),
    );
    parsed.push(data.ragged_flag().unwrap_or(lit(false)).alias("__ragged"));
    keep.extend(spec.keep.iter().cloned());
    keep.sort();
    keep.dedup();

    let mut select: Vec<Expr> = vec![col(ROW)];
    select.extend(keep.iter().map(|h| col(h.as_str())));
    let step1 = data
        .lazy_with_rows()
        .with_columns(parsed)
        .with_columns(flags)
        .select(select.into_iter().chain(kept.iter().map(|n| col(n.as_str()))).collect::<Vec<_>>());
    let rows = data.collect_rows(step1)?;

    let as_of = match spec.as_of {
        Some(t) => Some(t),
        None => latest(&rows, &["__opened", "__responded", "__resolved"])?,
    };
    let (durations, derived) = derive(spec, as_of);
    let rows = data.collect(rows.lazy().with_columns(durations).with_columns(derived))?;
    Ok(Prepared { rows, as_of, date_order: None })
}

fn parsed_names(spec: &ComplaintSpec) -> Vec<String> {
    let mut names = vec!["__opened".to_string(), "__opened_bad".to_string()];
    for (h, n) in [
        (&spec.responded, "__responded"),
        (&spec.resolved, "__resolved"),
        (&spec.fcr, "__fcr"),
        (&spec.reopened, "__reopened"),
        (&spec.timely, "__timely"),
    ] {
        if h.is_some() {
            names.push(n.to_string());
            names.push(format!("{n}_bad"));
        }
    }
    for (h, n) in [(&spec.status, "__status"), (&spec.severity, "__sev")] {
        if h.is_some() {
            names.push(n.to_string());
        }
    }
    names.extend(["__dup".to_string(), "__ragged".to_string()]);
    names
}

/// The latest of the timestamp columns present.
fn latest(df: &DataFrame, names: &[&str]) -> Result<Option<NaiveDateTime>> {
    let mut best: Option<i64> = None;
    for name in names {
        if let Ok(c) = df.column(name) {
            let ms = c.cast(&DataType::Int64)?.i64()?.max();
            best = best.max(ms);
        }
    }
    Ok(best.and_then(chrono::DateTime::from_timestamp_millis).map(|d| d.naive_utc()))
}

/// Durations; then resolution, backlog, SLA outcomes, stages and problem flags per row.
fn derive(spec: &ComplaintSpec, as_of: Option<NaiveDateTime>) -> (Vec<Expr>, Vec<Expr>) {
    let mut durations = Vec::new();
    let opened = col("__opened");
    let age = as_of.map(|t| hours(spec, opened.clone(), ms_literal(t)));
    if spec.responded.is_some() {
        let h = hours(spec, opened.clone(), col("__responded"));
        durations.push(when(h.clone().gt_eq(lit(0.0))).then(h.clone()).otherwise(lit(NULL).cast(DataType::Float64)).alias("__resp_h"));
        durations.push(h.lt(lit(0.0)).fill_null(lit(false)).alias("__resp_before"));
    }
    if spec.resolved.is_some() {
        let h = hours(spec, opened.clone(), col("__resolved"));
        durations.push(when(h.clone().gt_eq(lit(0.0))).then(h.clone()).otherwise(lit(NULL).cast(DataType::Float64)).alias("__resol_h"));
        durations.push(h.lt(lit(0.0)).fill_null(lit(false)).alias("__resol_before"));
    }
    let mut out = Vec::new();
    // Resolved: a resolution timestamp, else a resolved status.
    let resolved_by_status = spec.resolved_status.iter().fold(lit(false), |acc, name| acc.or(status_is(name)));
    let is_resolved = if spec.resolved.is_some() {
        col("__resolved").is_not_null()
    } else if spec.status.is_some() {
        resolved_by_status.clone()
    } else {
        lit(NULL).cast(DataType::Boolean)
    };
    out.push(is_resolved.clone().alias("__is_resolved"));
    // Backlog at the end of the scope, and at the end of the row's own period.
    let still_open = |after: Option<Expr>| match (&spec.resolved, after) {
        (Some(_), Some(after)) => is_resolved.clone().not().or(after.fill_null(lit(false))),
        _ => is_resolved.clone().not(),
    };
    let scope_after = spec.scope_end.map(|end| col("__resolved").gt_eq(ms_literal(end)));
    out.push(still_open(scope_after).alias("__open_scope"));
    if let Some(period) = spec.period {
        let later = spec.resolved.as_ref().map(|_| {
            period_index(col("__resolved").cast(DataType::Date), period).gt(period_index(col("__opened").cast(DataType::Date), period))
        });
        out.push(still_open(later).alias("__open_end"));
    }
    // SLA outcomes: met, breached (also while still open past the target), or undecided (null).
    let sla = |target: Expr, duration: &str, stamp: &str| {
        let mut e = when(target.clone().is_null())
            .then(lit(NULL).cast(DataType::Boolean))
            .when(col(duration).is_not_null())
            .then(col(duration).lt_eq(target.clone()));
        if let Some(age) = &age {
            e = e.when(col(stamp).is_null().and(col(format!("{stamp}_bad")).not()).and(age.clone().gt(target))).then(lit(false));
        }
        e.otherwise(lit(NULL).cast(DataType::Boolean))
    };
    let has_sev = spec.severity.is_some();
    if spec.sla_response() {
        out.push(sla(spec.sla.target(false, has_sev), "__resp_h", "__responded").alias("__sla_resp"));
    }
    if spec.sla_resolve() {
        out.push(sla(spec.sla.target(true, has_sev), "__resol_h", "__resolved").alias("__sla_resol"));
    }
    // Funnel stage of the status.
    if spec.status.is_some() {
        let stage = spec
            .stages
            .iter()
            .rev()
            .fold(lit(NULL).cast(DataType::Int32), |acc, (name, k)| when(status_is(name)).then(lit(*k as i32)).otherwise(acc));
        let present = col("__status").is_not_null().and(col("__status").neq(lit(""))).fill_null(lit(false));
        out.push(stage.clone().alias("__stage"));
        out.push(present.and(stage.is_null()).and(resolved_by_status.not()).alias("__status_unknown"));
    }
    if spec.severity.is_some() {
        let known = spec.severities.iter().fold(lit(false), |acc, s| acc.or(col("__sev").eq(lit(s.as_str())).fill_null(lit(false))));
        let present = col("__sev").is_not_null().and(col("__sev").neq(lit(""))).fill_null(lit(false));
        out.push(present.and(known.not()).alias("__sev_unknown"));
    }
    (durations, out)
}

/// The timestamps of `column` that cxstat's reader takes and a SQL engine's reading
/// (`cxstat sql complaints`, [`clean::SQL_TIMESTAMP_FORM`]) does not. Their count and the first
/// few distinct values.
pub fn timestamps_read_only_locally(data: &Dataset, column: &str) -> Result<Option<(u64, Vec<String>)>> {
    let order = detect_date_order(data, column)?;
    let local = clean::datetime_in(column, order).value.is_not_null();
    crate::metrics::satisfaction::only_locally_in_form(data, column, local, clean::SQL_TIMESTAMP_FORM)
}

/// The sufficient results of one group. The counts add up across groups and shards
/// ([`ComplaintCounts::add_counts`]); the durations' statistics do not (see [`ComplaintSums`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComplaintCounts {
    pub n: f64,
    pub resolved: f64,
    pub open_scope: f64,
    pub open_end: f64,
    pub fcr_yes: f64,
    pub fcr_n: f64,
    pub reopen_yes: f64,
    pub reopen_n: f64,
    pub timely_yes: f64,
    pub timely_n: f64,
    #[serde(skip)]
    pub resp: Durations,
    #[serde(skip)]
    pub resol: Durations,
    pub sla_resp_met: f64,
    pub sla_resp_n: f64,
    pub sla_resol_met: f64,
    pub sla_resol_n: f64,
    /// Complaints per funnel stage (current status).
    pub stages: [f64; 6],
    /// Complaints whose status is none of the stages.
    pub stage_unknown: f64,
}

impl ComplaintCounts {
    /// Adds the counts of `o` (not the durations' statistics, which do not add up).
    fn add_counts(&mut self, o: &ComplaintCounts) {
        for (a, b) in [
            (&mut self.n, o.n),
            (&mut self.resolved, o.resolved),
            (&mut self.open_scope, o.open_scope),
            (&mut self.open_end, o.open_end),
            (&mut self.fcr_yes, o.fcr_yes),
            (&mut self.fcr_n, o.fcr_n),
            (&mut self.reopen_yes, o.reopen_yes),
            (&mut self.reopen_n, o.reopen_n),
            (&mut self.timely_yes, o.timely_yes),
            (&mut self.timely_n, o.timely_n),
            (&mut self.sla_resp_met, o.sla_resp_met),
            (&mut self.sla_resp_n, o.sla_resp_n),
            (&mut self.sla_resol_met, o.sla_resol_met),
            (&mut self.sla_resol_n, o.sla_resol_n),
            (&mut self.stage_unknown, o.stage_unknown),
        ] {
            *a += b;
        }
        for (a, b) in self.stages.iter_mut().zip(o.stages) {
            *a += b;
        }
    }
}

/// A group's mergeable statistics (what `--emit-partials` writes): its counts, and its response
/// and resolution times as exact histograms.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComplaintSums {
    pub counts: ComplaintCounts,
    pub response_hours: Histogram,
    pub resolve_hours: Histogram,
}

impl std::ops::AddAssign for ComplaintSums {
    fn add_assign(&mut self, o: Self) {
        self.counts.add_counts(&o.counts);
        self.response_hours.add(&o.response_hours);
        self.resolve_hours.add(&o.resolve_hours);
    }
}

impl ComplaintSums {
    /// The sum of `parts`, as adding them one by one in order gives (the histograms made at once:
    /// [`Histogram::sum_of`]).
    pub fn sum_of(parts: &[&ComplaintSums]) -> ComplaintSums {
        let mut counts = ComplaintCounts::default();
        for p in parts {
            counts.add_counts(&p.counts);
        }
        ComplaintSums {
            counts,
            response_hours: Histogram::sum_of(parts.iter().map(|p| &p.response_hours)),
            resolve_hours: Histogram::sum_of(parts.iter().map(|p| &p.resolve_hours)),
        }
    }

    /// The group's results, the times read from the histograms.
    pub fn results(&self) -> ComplaintCounts {
        ComplaintCounts { resp: self.response_hours.durations(), resol: self.resolve_hours.durations(), ..self.counts.clone() }
    }
}

/// The mergeable statistics of each group of `grouping` (its subtotals and total are the sums of
/// its groups: [`crate::metrics::grouping::arrange`]). Duplicates are left out: the first row of
/// an id is kept.
pub fn aggregate(data: &Dataset, prepared: &Prepared, spec: &ComplaintSpec, grouping: &Grouping) -> Result<Vec<Group<ComplaintSums>>> {
    let grouping = prepared.over(grouping);
    let rows = prepared.rows.clone().lazy().filter(col("__dup").not());
    // The durations' histograms come from the same query as the counts: each group's durations,
    // sorted, counted in runs ([`Histogram::of_sorted`]), rather than a query of their own grouped
    // by key and value, which took more time and memory (BENCHMARKS.md, commit 1b594f5).
    let durations: Vec<&str> =
        [(spec.responded.is_some(), "__resp_h"), (spec.resolved.is_some(), "__resol_h")].into_iter().filter(|d| d.0).map(|d| d.1).collect();
    let one_group = grouping.apply(rows.clone()).1.is_empty();
    let mut aggs = aggregations(spec);
    for column in &durations {
        let sorted = col(*column).drop_nulls().sort(SortOptions::default());
        // Without keys the aggregation is a select, in which a column is not made a list by itself.
        aggs.push(if one_group { sorted.implode(true) } else { sorted }.alias(format!("{column}_sorted")));
    }
    grouping.aggregate(
        rows,
        aggs,
        |q| data.collect(q),
        |df, i| {
            let histogram = |column: &str| -> Result<Histogram> {
                if !durations.contains(&column) {
                    return Ok(Histogram::default());
                }
                let name = format!("{column}_sorted");
                let values = df.column(&name)?.list()?.get_as_series(i);
                let values =
                    values.unwrap_or_else(|| Series::new_empty(name.as_str().into(), &DataType::Float64)).cast(&DataType::Float64)?;
                Ok(Histogram::of_sorted(values.f64()?.rechunk().cont_slice()?))
            };
            Ok(ComplaintSums { counts: read(df, i, spec)?, response_hours: histogram("__resp_h")?, resolve_hours: histogram("__resol_h")? })
        },
    )
}

fn aggregations(spec: &ComplaintSpec) -> Vec<Expr> {
    let resolved = col("__is_resolved");
    let mut aggs = vec![len().cast(DataType::Float64).alias("n")];
    if spec.has_resolution() {
        aggs.push(count_where(resolved.clone()).alias("resolved"));
        aggs.push(count_where(col("__open_scope")).alias("open_scope"));
        if spec.period.is_some() {
            aggs.push(count_where(col("__open_end")).alias("open_end"));
        }
    }
    let yes_of_resolved = |name: &str, prefix: &str| {
        let within = if spec.has_resolution() { resolved.clone() } else { lit(true) };
        vec![
            count_where(col(name).and(within.clone())).alias(format!("{prefix}_yes")),
            count_where(col(name).is_not_null().and(within)).alias(format!("{prefix}_n")),
        ]
    };
    if spec.fcr.is_some() {
        aggs.extend(yes_of_resolved("__fcr", "fcr"));
    }
    if spec.reopened.is_some() {
        aggs.extend(yes_of_resolved("__reopened", "reopen"));
    }
    if spec.timely.is_some() {
        aggs.push(count_where(col("__timely")).alias("timely_yes"));
        aggs.push(count_where(col("__timely").is_not_null()).alias("timely_n"));
    }
    if spec.sla_response() {
        aggs.push(count_where(col("__sla_resp")).alias("sla_resp_met"));
        aggs.push(count_where(col("__sla_resp").is_not_null()).alias("sla_resp_n"));
    }
    if spec.sla_resolve() {
        aggs.push(count_where(col("__sla_resol")).alias("sla_resol_met"));
        aggs.push(count_where(col("__sla_resol").is_not_null()).alias("sla_resol_n"));
    }
    if spec.status.is_some() {
        for k in 0..STAGES.len() {
            aggs.push(count_where(col("__stage").eq(lit(k as i32))).alias(format!("stage{k}")));
        }
        aggs.push(count_where(col("__stage").is_null()).alias("stage_unknown"));
    }
    aggs
}

fn read(df: &DataFrame, i: usize, spec: &ComplaintSpec) -> Result<ComplaintCounts> {
    let get = |name: &str| f64_at(df, name, i);
    let mut c = ComplaintCounts { n: get("n")?, ..Default::default() };
    if spec.has_resolution() {
        c.resolved = get("resolved")?;
        c.open_scope = get("open_scope")?;
        if spec.period.is_some() {
            c.open_end = get("open_end")?;
        }
    }
    if spec.fcr.is_some() {
        (c.fcr_yes, c.fcr_n) = (get("fcr_yes")?, get("fcr_n")?);
    }
    if spec.reopened.is_some() {
        (c.reopen_yes, c.reopen_n) = (get("reopen_yes")?, get("reopen_n")?);
    }
    if spec.timely.is_some() {
        (c.timely_yes, c.timely_n) = (get("timely_yes")?, get("timely_n")?);
    }
    if spec.sla_response() {
        (c.sla_resp_met, c.sla_resp_n) = (get("sla_resp_met")?, get("sla_resp_n")?);
    }
    if spec.sla_resolve() {
        (c.sla_resol_met, c.sla_resol_n) = (get("sla_resol_met")?, get("sla_resol_n")?);
    }
    if spec.status.is_some() {
        for k in 0..STAGES.len() {
            c.stages[k] = get(&format!("stage{k}"))?;
        }
        c.stage_unknown = get("stage_unknown")?;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Many groups' histograms made into one at once are what adding them one at a time
        /// gives, and their counts add up in the same order.
        #[test]
        fn a_sum_at_once_is_the_sum_one_by_one(groups in proptest::collection::vec(proptest::collection::vec(0u32..40, 0..20), 0..12)) {
            let sums: Vec<ComplaintSums> = groups
                .iter()
                .map(|g| {
                    let mut hours: Vec<f64> = g.iter().map(|x| f64::from(*x) / 4.0).collect();
                    hours.sort_by(f64::total_cmp);
                    let counts = ComplaintCounts { n: g.len() as f64, resolved: (g.len() / 2) as f64, ..Default::default() };
                    let (response_hours, resolve_hours) = (Histogram::of_sorted(&hours), Histogram::of_sorted(&hours[hours.len() / 2..]));
                    ComplaintSums { counts, response_hours, resolve_hours }
                })
                .collect();
            let mut one_by_one = ComplaintSums::default();
            for s in &sums {
                one_by_one += s.clone();
            }
            let at_once = ComplaintSums::sum_of(&sums.iter().collect::<Vec<_>>());
            prop_assert_eq!(at_once.response_hours, one_by_one.response_hours);
            prop_assert_eq!(at_once.resolve_hours, one_by_one.resolve_hours);
            prop_assert_eq!(at_once.counts.n, one_by_one.counts.n);
            prop_assert_eq!(at_once.counts.resolved, one_by_one.counts.resolved);
        }
    }

    #[test]
    fn sla_targets_per_severity() {
        let sla = Sla {
            response: Some(4.0),
            resolve: None,
            by_severity: vec![("critical".into(), Some(1.0), Some(24.0)), ("low".into(), None, None)],
        };
        let s = Series::new("__sev".into(), vec![Some("critical"), Some("low"), Some("high"), None]);
        let df = DataFrame::new(4, vec![s.into()]).unwrap();
        let out = df.lazy().select([sla.target(false, true).alias("resp"), sla.target(true, true).alias("resol")]).collect().unwrap();
        let get = |n: &str| {
            let c = out.column(n).unwrap().f64().unwrap().clone();
            (0..4).map(|i| c.get(i)).collect::<Vec<_>>()
        };
        // critical has its own targets; low and high fall back to the default (no default for resolve).
        assert_eq!(get("resp"), vec![Some(1.0), Some(4.0), Some(4.0), Some(4.0)]);
        assert_eq!(get("resol"), vec![Some(24.0), None, None, None]);
    }
}
