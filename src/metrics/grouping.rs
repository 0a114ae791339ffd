//! Grouping shared by every command: `--by` columns, `--period` on a date column, the
//! `--from`/`--to` window, and the ordered result rows with period subtotals and a total.

use std::ops::AddAssign;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::period::{index_label, period_index, Period};

/// Column names used inside queries (the `__` prefix keeps them clear of user headers).
pub const DATE: &str = "__date";
pub const DATE_BAD: &str = "__date_bad";
pub const PERIOD: &str = "__period";
const NODATE: &str = "__nodate";

/// How rows are grouped and which rows are in scope.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    /// The date column's header (needed for `period`, `from`, `to`).
    pub date: Option<String>,
    pub period: Option<Period>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Headers to group by, in order.
    pub by: Vec<String>,
    /// How dates written with the year last (`10/03/2026`) are read; `None`: they are invalid.
    pub date_order: Option<clean::DateOrder>,
    /// Read dates in the plain ISO form only ([`clean::date_quick`]): the fast first pass. A
    /// caller that finds invalid dates with it reads the input again without it.
    pub quick: bool,
    /// The date column already holds dates, read by the caller (null where there is no valid
    /// date): it is used as it is, and its invalid values are the caller's to report.
    pub parsed: bool,
    /// A column that already holds each row's period number ([`period_index`] of the date), read
    /// with the rows, so that queries over them need not compute it again.
    pub period_column: Option<String>,
    /// `date_order` has not been looked for yet (no `--date-order`). The quick readers need no
    /// order: where they read every date, the file has no year-last dates and the order is
    /// `None`. A command whose quick pass finds dates it cannot read calls
    /// [`Grouping::with_date_order`] before reading them again. Saves the sample's read (BENCHMARKS.md,
    /// "What changed between the a33e370 and 49f7509 runs").
    pub order_pending: bool,
    /// `--fold-case`: the `--by` keys (and a Pareto's causes) trimmed and lower-cased, so that
    /// `Comcast` and `comcast ` are one group.
    pub fold_case: bool,
}

/// The identity of one group: its period label and its `--by` values (None = blank).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKey {
    pub period: Option<String>,
    pub by: Vec<Option<String>>,
}

/// One aggregated group as read back from polars.
#[derive(Debug, Clone)]
pub struct Group<C> {
    pub key: GroupKey,
    /// False for the rows that had no valid date while a date was needed: they are reported, not shown.
    pub dated: bool,
    pub counts: C,
}

/// Rows looked at to see whether a date column has year-last dates.
const DATE_SAMPLE: u32 = 10_000;

/// How the year-last dates (`10/03/2026`) of `column` are written, from the values (a first part
/// above 12 is a day, a second part above 12 is a month); month first when every such date could
/// be either (as US exports write them). `None` when the first rows have no such dates.
pub fn detect_date_order(data: &Dataset, column: &str) -> Result<Option<clean::DateOrder>> {
    let parts = || clean::year_last_parts(column);
    // The first rows tell whether there are such dates at all (a file is written one way), so
    // that the usual year-first file costs no pass over its dates.
    let sample = data.collect(data.lazy().limit(DATE_SAMPLE).select(parts()))?;
    if f64_at(&sample, "year_last", 0)? == 0.0 {
        return Ok(None);
    }
    let df = data.collect(data.lazy().select(parts()))?;
    let get = |name: &str| f64_at(&df, name, 0);
    Ok(Some(if get("max1")? > 12.0 && get("max2")? <= 12.0 { clean::DateOrder::Dmy } else { clean::DateOrder::Mdy }))
}

impl Grouping {
    /// This grouping with its date order looked for, if it is pending (see `order_pending`).
    pub fn with_date_order(&self, data: &Dataset) -> Result<Grouping> {
        match (&self.date, self.order_pending) {
            (Some(column), true) => Ok(Grouping { date_order: detect_date_order(data, column)?, order_pending: false, ..self.clone() }),
            _ => Ok(self.clone()),
        }
    }

    /// This grouping with the date order that a pass over the input looked for (`found`: `Some`
    /// where it did), if its own is still pending. Where no pass looked, every date was read by the
    /// quick readers and the pending order is `None`, as looking would have found.
    pub fn with_order_found(self, found: Option<Option<clean::DateOrder>>) -> Grouping {
        match (self.order_pending, found) {
            (true, Some(date_order)) => Grouping { date_order, order_pending: false, ..self },
            _ => self,
        }
    }

    /// True when the date column is needed.
    pub fn uses_date(&self) -> bool {
        self.period.is_some() || self.from.is_some() || self.to.is_some()
    }

    /// Adds the parsed date, applies the date window and adds the key columns.
    /// Rows without a valid date stay in, under `dated = false`, so that they can be counted.
    pub fn apply(&self, lf: LazyFrame) -> (LazyFrame, Vec<Expr>) {
        let mut lf = lf;
        let mut keys = Vec::new();
        if let (true, Some(date_column)) = (self.uses_date(), &self.date) {
            // Parsed once: the invalid flag reads the parsed column rather than parsing again.
            let bad = if self.parsed {
                lit(false)
            } else {
                clean::answered(date_column, self.quick && self.date_order.is_none()).and(col(DATE).is_null())
            };
            lf = lf.with_column(self.date_of(date_column).alias(DATE)).with_column(bad.alias(DATE_BAD));
            let d = col(DATE);
            let mut window = None;
            if let Some(from) = self.from {
                window = Some(d.clone().gt_eq(lit(from)));
            }
            if let Some(to) = self.to {
                let before = d.clone().lt_eq(lit(to));
                window = Some(window.map_or(before.clone(), |w| w.and(before)));
            }
            // Without --from/--to no row is filtered (a filter would copy every column).
            if let Some(window) = window {
                lf = lf.filter(d.clone().is_null().or(window));
            }
            // Rows without a valid date are a group of their own: with a period, the one whose
            // period is null (one key fewer to group by: a key is hashed on every row).
            if self.period.is_none() {
                keys.push(d.clone().is_null().alias(NODATE));
            }
            if let Some(period) = self.period {
                // Grouped by the period's number; labelled after aggregating (one label per group,
                // not one string per row).
                let index = match &self.period_column {
                    Some(c) => col(c.as_str()),
                    None => period_index(d, period),
                };
                keys.push(index.alias(PERIOD));
            }
        }
        for (i, header) in self.by.iter().enumerate() {
            let key = if self.fold_case { self.key_text(header) } else { col(header.as_str()).cast(DataType::String) };
            keys.push(key.alias(format!("__by{i}")));
        }
        (lf, keys)
    }

    /// A grouping column's values as keys: trimmed, and lower-cased with `fold_case`.
    pub fn key_text(&self, header: &str) -> Expr {
        let t = clean::text(header);
        if self.fold_case {
            t.str().to_lowercase()
        } else {
            t
        }
    }

    /// Aggregates `aggs` per group (or over everything when there are no keys) and reads the
    /// groups back, with `read` turning row `i` of the result into the command's counts.
    pub fn aggregate<C>(
        &self,
        lf: LazyFrame,
        aggs: Vec<Expr>,
        collect: impl FnOnce(LazyFrame) -> Result<DataFrame>,
        read: impl Fn(&DataFrame, usize) -> Result<C>,
    ) -> Result<Vec<Group<C>>> {
        let (lf, keys) = self.apply(lf);
        let query = if keys.is_empty() { lf.select(aggs) } else { lf.group_by(keys).agg(aggs) };
        self.read_groups(&collect(query)?, read)
    }

    /// Like [`Grouping::aggregate`], with a query of one's own: `query` gets the rows with the
    /// key columns added and those columns, and must give one row per group with the key columns
    /// kept. Without grouping the key is one constant column (one group).
    pub fn aggregate_query<C>(
        &self,
        lf: LazyFrame,
        query: impl FnOnce(LazyFrame, Vec<Expr>) -> LazyFrame,
        collect: impl FnOnce(LazyFrame) -> Result<DataFrame>,
        read: impl Fn(&DataFrame, usize) -> Result<C>,
    ) -> Result<Vec<Group<C>>> {
        self.read_groups(&collect(self.keyed_query(lf, query))?, read)
    }

    /// Like [`Grouping::aggregate_query`], for aggregates with many rows per group (the cells of
    /// a survey design): the collected frame, its distinct groups (in order of first appearance;
    /// no counts) and each row's group as an index into them. The key columns are read once as
    /// whole columns, not row by row.
    pub fn aggregate_indexed(
        &self,
        lf: LazyFrame,
        query: impl FnOnce(LazyFrame, Vec<Expr>) -> LazyFrame,
        collect: impl FnOnce(LazyFrame) -> Result<DataFrame>,
    ) -> Result<(DataFrame, Vec<Group<()>>, Vec<u32>)> {
        let df = collect(self.keyed_query(lf, query))?;
        let dated_key = self.uses_date() && self.date.is_some();
        let period = match self.period {
            Some(_) => Some(df.column(PERIOD)?.cast(&DataType::Int64)?),
            None => None,
        };
        let period = period.as_ref().map(|c| c.i64()).transpose()?;
        let nodate = if dated_key && self.period.is_none() { Some(df.column(NODATE)?.bool()?) } else { None };
        let by: Vec<&StringChunked> = (0..self.by.len()).map(|k| Ok(df.column(&format!("__by{k}"))?.str()?)).collect::<Result<_>>()?;
        let mut groups = Vec::new();
        // A row's key as read: the period's number, undated, the `--by` values.
        type Read<'a> = (Option<i64>, bool, Vec<Option<&'a str>>);
        let mut seen: std::collections::HashMap<Read, u32> = std::collections::HashMap::new();
        let mut index = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let p = period.and_then(|c| c.get(i));
            let undated = nodate.is_some_and(|c| c.get(i).unwrap_or(false));
            let values: Vec<Option<&str>> = by.iter().map(|c| c.get(i)).collect();
            let next = groups.len() as u32;
            let id = *seen.entry((p, undated, values)).or_insert_with(|| {
                let label = p.map(|n| index_label(n, self.period.expect("a period key")));
                let dated = match (dated_key, self.period.is_some()) {
                    (false, _) => true,
                    (true, true) => label.is_some(),
                    (true, false) => !undated,
                };
                let by = by.iter().map(|c| c.get(i).map(str::to_string)).collect();
                groups.push(Group { key: GroupKey { period: label, by }, dated, counts: () });
                next
            });
            index.push(id);
        }
        Ok((df, groups, index))
    }

    /// `query` over the rows with the key columns of [`Grouping::apply`] (one constant key
    /// without grouping).
    fn keyed_query(&self, lf: LazyFrame, query: impl FnOnce(LazyFrame, Vec<Expr>) -> LazyFrame) -> LazyFrame {
        let (lf, keys) = self.apply(lf);
        let mut names: Vec<Expr> = Vec::new();
        if self.uses_date() && self.date.is_some() {
            names.push(col(if self.period.is_some() { PERIOD } else { NODATE }));
        }
        names.extend((0..self.by.len()).map(|i| col(format!("__by{i}"))));
        debug_assert_eq!(names.len(), keys.len());
        let lf = if keys.is_empty() {
            names.push(col("__all"));
            lf.with_column(lit(true).alias("__all"))
        } else {
            lf.with_columns(keys)
        };
        query(lf, names)
    }

    /// The groups of an aggregate with the key columns of [`Grouping::apply`].
    fn read_groups<C>(&self, df: &DataFrame, read: impl Fn(&DataFrame, usize) -> Result<C>) -> Result<Vec<Group<C>>> {
        let mut groups = Vec::with_capacity(df.height());
        for i in 0..df.height() {
            let period = match self.period {
                Some(p) => period_at(df, p, i)?,
                None => None,
            };
            let dated = is_dated(df, i, self.uses_date() && self.date.is_some(), self.period.is_some(), &period)?;
            let by = (0..self.by.len()).map(|k| str_at(df, &format!("__by{k}"), i)).collect::<Result<_>>()?;
            groups.push(Group { key: GroupKey { period, by }, dated, counts: read(df, i)? });
        }
        Ok(groups)
    }
}

/// The dated groups of `run` on `grouping`, in key order, then (when `totals`) the dated rows of
/// `run` over everything in scope as the total row.
pub fn groups_with_total<C>(
    grouping: &Grouping,
    totals: bool,
    run: impl Fn(&Grouping) -> Result<Vec<Group<C>>>,
) -> Result<Vec<(GroupKey, RowKind, C)>> {
    let mut groups: Vec<(GroupKey, RowKind, C)> =
        run(grouping)?.into_iter().filter(|g| g.dated).map(|g| (g.key, RowKind::Group, g.counts)).collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    if totals {
        let overall = Grouping { period: None, by: Vec::new(), ..grouping.clone() };
        let n_by = grouping.by.len();
        for g in run(&overall)?.into_iter().filter(|g| g.dated) {
            groups.push((GroupKey { period: None, by: vec![None; n_by] }, RowKind::Total, g.counts));
        }
    }
    Ok(groups)
}

impl Grouping {
    /// The date of each row as this grouping reads it.
    pub fn date_of(&self, column: &str) -> Expr {
        match (self.quick, self.date_order) {
            _ if self.parsed => col(column).cast(DataType::Date),
            (true, None) => clean::date_quick(column),
            _ => clean::date_in(column, self.date_order).value,
        }
    }

    /// The first and last valid date in scope (within `--from`/`--to`), for chart and report
    /// subtitles; `None` without a date column or without valid dates.
    pub fn date_span(&self, lf: LazyFrame, collect: impl FnOnce(LazyFrame) -> Result<DataFrame>) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let Some(column) = &self.date else { return Ok(None) };
        let d = col(DATE);
        let mut keep = d.clone().is_not_null();
        if let Some(from) = self.from {
            keep = keep.and(d.clone().gt_eq(lit(from)));
        }
        if let Some(to) = self.to {
            keep = keep.and(d.clone().lt_eq(lit(to)));
        }
        let days = |e: Expr| e.cast(DataType::Int32).cast(DataType::Float64);
        let query = lf.select([self.date_of(column).alias(DATE)]).filter(keep).select([
            len().cast(DataType::Float64).alias("n"),
            days(d.clone().min()).alias("first"),
            days(d.max()).alias("last"),
        ]);
        let df = collect(query)?;
        let get = |name: &str| crate::input::frame::f64_at(&df, name, 0);
        if get("n")? == 0.0 {
            return Ok(None);
        }
        // Polars dates count days from 1970-01-01.
        let date = |days: f64| NaiveDate::from_epoch_days(days as i32);
        Ok(date(get("first")?).zip(date(get("last")?)))
    }
}

impl Grouping {
    /// Aggregates `aggs` at every level shown: the groups, each period's subtotal (with both
    /// `--period` and `--by`) and the grand total (with any grouping). Without `sum`, each level
    /// is computed from the rows themselves, so that aggregations that do not add up (distinct
    /// counts) are right at every level; `lf` should then be in memory or cheap to scan, as it is
    /// read once per level. With `sum`, for aggregations that add up exactly (counts), only the
    /// groups are aggregated from the rows, and each subtotal and total (dated and undated apart)
    /// is `sum` of its groups: one pass over the rows in all.
    pub fn aggregate_levels<C>(
        &self,
        lf: LazyFrame,
        aggs: Vec<Expr>,
        totals: bool,
        collect: impl Fn(LazyFrame) -> Result<DataFrame>,
        read: impl Fn(&DataFrame, usize) -> Result<C>,
        sum: Option<SumOf<C>>,
    ) -> Result<Levels<C>> {
        let query = |lf: LazyFrame, names: Vec<Expr>, _| match names.is_empty() {
            true => Ok(lf.select(aggs.clone())),
            false => Ok(lf.group_by(names).agg(aggs.clone())),
        };
        self.levels_by(lf, query, totals, |q, _| collect(q), read, sum)
    }

    /// The number of distinct non-null values of `column` at every level (see
    /// [`Grouping::aggregate_levels`]), in `distinct`. A level split into groups (periods,
    /// `--by` values) counts with `n_unique()` per group, the groups hashed in parallel, run by
    /// `collect_groups`; a level of one large group (the total) as the groups of a hash grouping
    /// by the value, which polars runs in parallel (`n_unique()` would hash it on one thread, 3×
    /// slower), run by `collect_one`. Measured in BENCHMARKS.md.
    pub fn distinct_levels(
        &self,
        lf: LazyFrame,
        column: &str,
        totals: bool,
        collect_groups: impl Fn(LazyFrame) -> Result<DataFrame>,
        collect_one: impl Fn(LazyFrame) -> Result<DataFrame>,
    ) -> Result<Levels<f64>> {
        let n = || len().cast(DataType::Float64).alias("distinct");
        let values =
            |lf: LazyFrame, rows: Expr| lf.filter(rows.and(col(column).is_not_null())).group_by([col(column)]).agg(Vec::<Expr>::new());
        let query = |lf: LazyFrame, names: Vec<Expr>, split: bool| -> Result<LazyFrame> {
            if split {
                return Ok(lf.group_by(names).agg([col(column).drop_nulls().n_unique().cast(DataType::Float64).alias("distinct")]));
            }
            // A level not split into groups has no key, or only the undated flag.
            if names.is_empty() {
                return Ok(values(lf, lit(true)).select([n()]));
            }
            debug_assert!(names == [col(NODATE)]);
            // Dated and undated rows grouped apart, by the value alone: a second key would be
            // hashed with it on every row. A part without rows gives no group.
            let part = |undated: bool| {
                let rows = if undated { col(NODATE) } else { col(NODATE).not() };
                values(lf.clone(), rows).select([lit(undated).alias(NODATE), n()])
            };
            Ok(concat([part(false), part(true)], UnionArgs::default())?.filter(col("distinct").gt(lit(0.0))))
        };
        let collect = |q: LazyFrame, split: bool| if split { collect_groups(q) } else { collect_one(q) };
        self.levels_by(lf, query, totals, collect, |df, i| crate::input::frame::f64_at(df, "distinct", i), None)
    }

    /// Like [`Grouping::aggregate_levels`], with a query of one's own: `query` gets the rows
    /// with the key columns and the names of a level's keys, and gives rows holding those keys
    /// (several rows of a group are fine when `read` leaves them for the caller to merge).
    pub fn query_levels<C>(
        &self,
        lf: LazyFrame,
        query: impl Fn(LazyFrame, Vec<Expr>, bool) -> Result<LazyFrame>,
        totals: bool,
        collect: impl Fn(LazyFrame) -> Result<DataFrame>,
        read: impl Fn(&DataFrame, usize) -> Result<C>,
        sum: Option<SumOf<C>>,
    ) -> Result<Levels<C>> {
        self.levels_by(lf, query, totals, |q, _| collect(q), read, sum)
    }

    fn levels_by<C>(
        &self,
        lf: LazyFrame,
        query: impl Fn(LazyFrame, Vec<Expr>, bool) -> Result<LazyFrame>,
        totals: bool,
        collect: impl Fn(LazyFrame, bool) -> Result<DataFrame>,
        read: impl Fn(&DataFrame, usize) -> Result<C>,
        sum: Option<SumOf<C>>,
    ) -> Result<Levels<C>> {
        // `query` and `collect` are told whether the level is split into groups (by period or
        // `--by`), as against one group of all rows in scope (and one of the undated).
        let (lf, mut keys) = self.apply(lf);
        let dated_key = self.uses_date() && self.date.is_some();
        if dated_key && self.period.is_some() {
            // The levels above the periods tell the undated rows apart by this flag.
            keys.push(col(DATE).is_null().alias(NODATE));
        }
        let lf = if keys.is_empty() { lf } else { lf.with_columns(keys) };
        let by_keys: Vec<String> = (0..self.by.len()).map(|i| format!("__by{i}")).collect();
        let run = |with_period: bool, with_by: bool| -> Result<Vec<Group<C>>> {
            let by_period = with_period && self.period.is_some();
            let mut names: Vec<Expr> = Vec::new();
            if dated_key && !by_period {
                names.push(col(NODATE));
            }
            if by_period {
                names.push(col(PERIOD));
            }
            if with_by {
                names.extend(by_keys.iter().map(|k| col(k.as_str())));
            }
            let split = by_period || (with_by && !self.by.is_empty());
            let df = collect(query(lf.clone(), names, split)?, split)?;
            let mut groups = Vec::with_capacity(df.height());
            for i in 0..df.height() {
                let period = match self.period {
                    Some(p) if with_period => period_at(&df, p, i)?,
                    _ => None,
                };
                let dated = is_dated(&df, i, dated_key, by_period, &period)?;
                let by =
                    if with_by { by_keys.iter().map(|k| str_at(&df, k, i)).collect::<Result<_>>()? } else { vec![None; self.by.len()] };
                groups.push(Group { key: GroupKey { period, by }, dated, counts: read(&df, i)? });
            }
            Ok(groups)
        };
        let groups = run(true, true)?;
        if let Some(sum) = sum {
            return Ok(self.levels_of(groups, totals, sum));
        }
        // A level above the groups, from the rows.
        let (with_period_totals, with_total) = self.levels_above(totals);
        let period_totals = if with_period_totals { run(true, false)? } else { Vec::new() };
        let total = if with_total { run(false, false)? } else { Vec::new() };
        Ok(Levels { groups, period_totals, total })
    }

    /// The levels of [`Grouping::query_levels`] from the groups alone (the groups of an
    /// [`Grouping::aggregate`]), each level above them the `sum` of the groups it holds.
    pub fn levels_of<C>(&self, groups: Vec<Group<C>>, totals: bool, sum: SumOf<C>) -> Levels<C> {
        let (with_period_totals, with_total) = self.levels_above(totals);
        let level = |with_period: bool| sum_groups(&groups, with_period, self.by.len(), sum);
        let period_totals = if with_period_totals { level(true) } else { Vec::new() };
        let total = if with_total { level(false) } else { Vec::new() };
        Levels { groups, period_totals, total }
    }

    /// Which levels above the groups there are: each period's subtotal, the total.
    fn levels_above(&self, totals: bool) -> (bool, bool) {
        let grouped = self.period.is_some() || !self.by.is_empty();
        let dated_key = self.uses_date() && self.date.is_some();
        (totals && self.period.is_some() && !self.by.is_empty(), grouped && (totals || dated_key))
    }
}

/// How a level's counts are made from its groups' (see [`Grouping::aggregate_levels`]).
pub type SumOf<'a, C> = &'a dyn Fn(&[&C]) -> C;

/// The groups of a level above `groups`, each the `sum` of the groups it holds: per period
/// (`with_period`) or in all, the dated and the undated apart.
fn sum_groups<C>(groups: &[Group<C>], with_period: bool, n_by: usize, sum: SumOf<C>) -> Vec<Group<C>> {
    let mut parts: std::collections::BTreeMap<(bool, GroupKey), Vec<&C>> = std::collections::BTreeMap::new();
    for g in groups {
        let key = GroupKey { period: if with_period { g.key.period.clone() } else { None }, by: vec![None; n_by] };
        parts.entry((g.dated, key)).or_default().push(&g.counts);
    }
    parts.into_iter().map(|((dated, key), parts)| Group { counts: sum(&parts), key, dated }).collect()
}

/// The groups of every level, as computed by [`Grouping::aggregate_levels`].
#[derive(Debug, Clone)]
pub struct Levels<C> {
    pub groups: Vec<Group<C>>,
    pub period_totals: Vec<Group<C>>,
    /// The grand total: a dated and possibly an undated group.
    pub total: Vec<Group<C>>,
}

impl<C: Clone> Levels<C> {
    /// Adds to each group the value of the same group (same key, same level) in `other`, or
    /// `D::default()` where `other` has no such group.
    pub fn join<D: Default>(&mut self, other: &Levels<D>, mut set: impl FnMut(&mut C, &D)) {
        let none = D::default();
        let pairs = [(&mut self.groups, &other.groups), (&mut self.period_totals, &other.period_totals), (&mut self.total, &other.total)];
        for (mine, theirs) in pairs {
            for g in mine.iter_mut() {
                let found = theirs.iter().find(|o| o.dated == g.dated && o.key == g.key);
                set(&mut g.counts, found.map_or(&none, |o| &o.counts));
            }
        }
    }

    /// The rows without a valid date (when a date was needed), all groups together.
    pub fn undated(&self) -> Option<&C> {
        let source = if self.total.is_empty() { &self.groups } else { &self.total };
        source.iter().find(|g| !g.dated).map(|g| &g.counts)
    }
}

/// Periods in order, then `--by` values, blanks (None) after the values.
type SortKey = (bool, Option<String>, Vec<(bool, Option<String>)>);

fn sort_key(k: &GroupKey) -> SortKey {
    let by: Vec<(bool, Option<String>)> = k.by.iter().map(|v| (v.is_none(), v.clone())).collect();
    (k.period.is_none(), k.period.clone(), by)
}

/// The label of the period key ([`PERIOD`], a [`period_index`]) of row `i` of an aggregate.
fn period_at(df: &DataFrame, period: Period, i: usize) -> Result<Option<String>> {
    let index = df.column(PERIOD)?.cast(&DataType::Int64)?;
    Ok(index.i64()?.get(i).map(|n| index_label(n, period)))
}

fn str_at(df: &DataFrame, name: &str, i: usize) -> Result<Option<String>> {
    Ok(df.column(name)?.str()?.get(i).map(str::to_string))
}

/// Whether group `i` of an aggregate holds rows with a valid date (always, without a date key):
/// grouped by period, the groups whose period is not null; otherwise by the undated flag.
fn is_dated(df: &DataFrame, i: usize, dated_key: bool, by_period: bool, period: &Option<String>) -> Result<bool> {
    Ok(match (dated_key, by_period) {
        (false, _) => true,
        (true, true) => period.is_some(),
        (true, false) => !bool_at(df, NODATE, i)?,
    })
}

fn bool_at(df: &DataFrame, name: &str, i: usize) -> Result<bool> {
    Ok(df.column(name)?.bool()?.get(i).unwrap_or(false))
}

/// What a result row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Group,
    /// All groups of one period (only with both `--period` and `--by`).
    PeriodTotal,
    /// Everything in scope.
    Total,
}

/// A row of the final table.
#[derive(Debug, Clone)]
pub struct ResultRow<C> {
    pub key: GroupKey,
    pub kind: RowKind,
    pub counts: C,
}

/// Orders groups (periods, then `--by` values, blanks last) and adds totals: a subtotal after
/// each period's groups when grouping by both, and a grand total when there is any grouping.
/// Rows without a valid date are left out (the caller reports them).
pub fn arrange<C: Clone + Default + AddAssign>(groups: &[Group<C>], with_totals: bool) -> Vec<ResultRow<C>> {
    arrange_with(groups, with_totals, |parts| {
        let mut sum = C::default();
        for part in parts {
            sum += (*part).clone();
        }
        sum
    })
}

/// [`arrange`] with the totals made by `sum` from the groups they hold, in order: for counts
/// whose sum is cheaper made at once than by adding one group at a time (complaints' histograms
/// of durations, which would otherwise be merged into the total once per group).
pub fn arrange_with<C: Clone>(groups: &[Group<C>], with_totals: bool, sum: impl Fn(&[&C]) -> C) -> Vec<ResultRow<C>> {
    let mut dated: Vec<&Group<C>> = groups.iter().filter(|g| g.dated).collect();
    dated.sort_by_cached_key(|g| sort_key(&g.key));
    let grouped = dated.first().is_some_and(|g| g.key.period.is_some() || !g.key.by.is_empty());
    let has_period = dated.iter().any(|g| g.key.period.is_some());
    let n_by = dated.first().map_or(0, |g| g.key.by.len());
    let mut rows = Vec::with_capacity(dated.len() + 8);
    let mut period_start = 0;
    for (i, g) in dated.iter().enumerate() {
        rows.push(ResultRow { key: g.key.clone(), kind: RowKind::Group, counts: g.counts.clone() });
        let period_ends = dated.get(i + 1).is_none_or(|next| next.key.period != g.key.period);
        if with_totals && has_period && n_by > 0 && period_ends {
            let parts: Vec<&C> = dated[period_start..=i].iter().map(|g| &g.counts).collect();
            let key = GroupKey { period: g.key.period.clone(), by: vec![None; n_by] };
            rows.push(ResultRow { key, kind: RowKind::PeriodTotal, counts: sum(&parts) });
        }
        if period_ends {
            period_start = i + 1;
        }
    }
    if with_totals && grouped {
        let parts: Vec<&C> = dated.iter().map(|g| &g.counts).collect();
        rows.push(ResultRow { key: GroupKey { period: None, by: vec![None; n_by] }, kind: RowKind::Total, counts: sum(&parts) });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(period: Option<&str>, by: &[Option<&str>], n: u64) -> Group<u64> {
        Group {
            key: GroupKey { period: period.map(str::to_string), by: by.iter().map(|v| v.map(str::to_string)).collect() },
            dated: true,
            counts: n,
        }
    }

    #[test]
    fn orders_groups_and_adds_subtotals_and_total() {
        let groups = vec![
            group(Some("2026-10"), &[Some("vip")], 1),
            group(Some("2026-09"), &[None], 2),
            group(Some("2026-09"), &[Some("smb")], 4),
            group(Some("2026-10"), &[Some("smb")], 8),
            Group { dated: false, ..group(None, &[Some("smb")], 100) },
        ];
        let rows = arrange(&groups, true);
        let shown: Vec<(Option<&str>, Option<&str>, RowKind, u64)> =
            rows.iter().map(|r| (r.key.period.as_deref(), r.key.by[0].as_deref(), r.kind, r.counts)).collect();
        use RowKind::{Group as G, PeriodTotal, Total};
        assert_eq!(
            shown,
            vec![
                (Some("2026-09"), Some("smb"), G, 4),
                (Some("2026-09"), None, G, 2),
                (Some("2026-09"), None, PeriodTotal, 6),
                (Some("2026-10"), Some("smb"), G, 8),
                (Some("2026-10"), Some("vip"), G, 1),
                (Some("2026-10"), None, PeriodTotal, 9),
                // 4 + 2 + 8 + 1 = 15; the undated 100 is left out.
                (None, None, Total, 15),
            ]
        );
        assert_eq!(arrange(&groups, false).len(), 4);
    }

    #[test]
    fn distinct_values_at_every_level_worked_by_hand() {
        // Jan: A, A, B → 2; Feb: A and a missing customer → 1; no date: C, C, A → 2.
        // Total: dated A, B → 2; undated C, A → 2 (A counts on both sides: a row each).
        let day = |d: &str| Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().to_epoch_days());
        let days = [day("2026-01-05"), day("2026-01-20"), day("2026-01-21"), day("2026-02-03"), day("2026-02-10"), None, None, None];
        let customers = [Some("A"), Some("A"), Some("B"), Some("A"), None, Some("C"), Some("C"), Some("A")];
        let df = DataFrame::new(
            8,
            vec![
                Series::new("d".into(), days.to_vec()).cast(&DataType::Date).unwrap().into(),
                Series::new("c".into(), customers.to_vec()).into(),
            ],
        )
        .unwrap();
        let grouping = Grouping { date: Some("d".into()), period: Some(Period::Month), parsed: true, ..Default::default() };
        let collect = |q: LazyFrame| Ok(q.collect()?);
        let levels = grouping.distinct_levels(df.lazy(), "c", true, collect, collect).unwrap();
        let found = |groups: &[Group<f64>]| -> Vec<(Option<String>, bool, f64)> {
            let mut v: Vec<_> = groups.iter().map(|g| (g.key.period.clone(), g.dated, g.counts)).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v
        };
        assert_eq!(
            found(&levels.groups),
            vec![(None, false, 2.0), (Some("2026-01".into()), true, 2.0), (Some("2026-02".into()), true, 1.0)]
        );
        assert_eq!(found(&levels.total), vec![(None, false, 2.0), (None, true, 2.0)]);
        // Every row dated: no undated group at either level.
        let dated = DataFrame::new(
            2,
            vec![
                Series::new("d".into(), [day("2026-01-05"), day("2026-02-03")].to_vec()).cast(&DataType::Date).unwrap().into(),
                Series::new("c".into(), ["A", "B"].to_vec()).into(),
            ],
        )
        .unwrap();
        let levels = grouping.distinct_levels(dated.lazy(), "c", true, collect, collect).unwrap();
        assert!(levels.groups.iter().chain(&levels.total).all(|g| g.dated));
        assert_eq!(found(&levels.total), vec![(None, true, 2.0)]);
    }

    #[test]
    fn summed_levels_equal_levels_from_the_rows() {
        // Rows (month, region, n): Jan north 1, Jan north 2, Jan south 4, Feb north 8, undated
        // north 16, undated south 32, and a row before --from (64) that no level counts.
        // Jan subtotal 1 + 2 + 4 = 7; Feb 8; undated 16 + 32 = 48 (as a period of its own);
        // total: dated 7 + 8 = 15, undated 48.
        let day = |d: &str| Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap().to_epoch_days());
        let days = [day("2026-01-05"), day("2026-01-20"), day("2026-01-21"), day("2026-02-03"), None, None, day("2025-12-31")];
        let regions = ["north", "north", "south", "north", "north", "south", "south"];
        let n = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
        let df = DataFrame::new(
            7,
            vec![
                Series::new("d".into(), days.to_vec()).cast(&DataType::Date).unwrap().into(),
                Series::new("r".into(), regions.to_vec()).into(),
                Series::new("n".into(), n.to_vec()).into(),
            ],
        )
        .unwrap();
        let from = NaiveDate::from_ymd_opt(2026, 1, 1);
        let collect = |q: LazyFrame| Ok(q.collect()?);
        let read = |df: &DataFrame, i: usize| crate::input::frame::f64_at(df, "n", i);
        let sorted = |groups: &[Group<f64>]| -> Vec<(bool, GroupKey, f64)> {
            let mut v: Vec<_> = groups.iter().map(|g| (g.dated, g.key.clone(), g.counts)).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v
        };
        let key = |p: Option<&str>, n_by: usize| GroupKey { period: p.map(str::to_string), by: vec![None; n_by] };
        for by in [vec![], vec!["r".to_string()]] {
            for period in [Some(Period::Month), None] {
                let grouping = Grouping { date: Some("d".into()), period, by: by.clone(), parsed: true, from, ..Default::default() };
                let rows = grouping.aggregate_levels(df.clone().lazy(), vec![col("n").sum()], true, collect, read, None).unwrap();
                let summed = grouping
                    .aggregate_levels(
                        df.clone().lazy(),
                        vec![col("n").sum()],
                        true,
                        collect,
                        read,
                        Some(&|parts: &[&f64]| parts.iter().copied().sum()),
                    )
                    .unwrap();
                assert_eq!(sorted(&summed.groups), sorted(&rows.groups), "{by:?} {period:?}");
                assert_eq!(sorted(&summed.period_totals), sorted(&rows.period_totals), "{by:?} {period:?}");
                assert_eq!(sorted(&summed.total), sorted(&rows.total), "{by:?} {period:?}");
                if period.is_some() && !by.is_empty() {
                    let expected =
                        vec![(false, key(None, 1), 48.0), (true, key(Some("2026-01"), 1), 7.0), (true, key(Some("2026-02"), 1), 8.0)];
                    assert_eq!(sorted(&summed.period_totals), expected);
                }
                if period.is_some() || !by.is_empty() {
                    assert_eq!(sorted(&summed.total), vec![(false, key(None, by.len()), 48.0), (true, key(None, by.len()), 15.0)]);
                }
            }
        }
    }

    #[test]
    fn no_grouping_is_one_row_without_extra_total() {
        let rows = arrange(&[group(None, &[], 7)], true);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].kind, RowKind::Group);
    }
}
