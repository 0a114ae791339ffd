//! Repeat-purchase, return and churn rates per period, and purchase windows, from the orders
//! read once: customers active, new, returning and retained per period, counted by a word of
//! periods per customer (or by distinct customer–period pairs on long spans).

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use super::{purchases, OrderRows};
use crate::input::frame::{f64_at, strings_at, Dataset};
use crate::metrics::period::{index_label, period_index_of, Period};
use crate::metrics::words::{self, Collect};
use crate::stats::intervals::Share;

/// One period of the repeat table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepeatRow {
    pub period: String,
    pub index: i64,
    /// The period is not over on the as-of date.
    pub partial: bool,
    pub active: f64,
    pub new: f64,
    pub returning: f64,
    pub orders: f64,
    /// Orders with a valid amount (the base of the average order value).
    pub valued_orders: f64,
    pub revenue: f64,
    pub refunds: f64,
    pub refund_amount: f64,
    /// Customers of the previous period, and how many of them ordered again in this one.
    pub previous_active: f64,
    pub retained: f64,
    /// New customers of this period whose window had ended by the as-of date, and how many of
    /// them ordered again within it.
    pub window_eligible: f64,
    pub window_repeaters: f64,
    /// Customers who bought on at least two distinct days within the period (within the scope
    /// in the total row).
    pub repeat_customers: f64,
    /// The row for the whole scope: `active` and `repeat_customers` count each customer once,
    /// the other counts are the periods' sums; no previous period.
    pub total: bool,
}

/// A period of the repeat table with its rates.
#[derive(Debug, Clone)]
pub struct RepeatRates {
    pub row: RepeatRow,
    /// The period's customers who had ordered before: returning of active.
    pub repeat: Share,
    /// The previous period's customers who ordered again (回头率): retained of previous active.
    pub ret: Share,
    /// 100 − the return rate.
    pub churn: Option<f64>,
    /// Revenue per order with a valid amount.
    pub avg_order_value: Option<f64>,
    pub orders_per_customer: Option<f64>,
    /// New customers whose window had ended who ordered again within it.
    pub window: Share,
    /// The classic repeat-customer rate: active customers who bought on at least two distinct
    /// days (of the period, or of the scope in the total row).
    pub repeat_customer: Share,
}

/// The periods of `rows` from the one holding `from` to the one holding `to`.
pub fn in_span(rows: Vec<RepeatRow>, period: Period, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Vec<RepeatRow> {
    rows.into_iter()
        .filter(|r| from.is_none_or(|f| r.index >= period_index_of(f, period)))
        .filter(|r| to.is_none_or(|t| r.index <= period_index_of(t, period)))
        .collect()
}

/// Each period's rates, with Wilson intervals at `confidence`.
pub fn repeat_rates(rows: Vec<RepeatRow>, confidence: f64) -> Vec<RepeatRates> {
    rows.into_iter()
        .map(|r| {
            let ret = Share::of(r.retained, r.previous_active, confidence);
            RepeatRates {
                repeat: Share::of(r.returning, r.active, confidence),
                churn: ret.pct.map(|v| 100.0 - v),
                ret,
                avg_order_value: (r.valued_orders > 0.0).then(|| r.revenue / r.valued_orders),
                orders_per_customer: (r.active > 0.0).then(|| r.orders / r.active),
                window: Share::of(r.window_repeaters, r.window_eligible, confidence),
                repeat_customer: Share::of(r.repeat_customers, r.active, confidence),
                row: r,
            }
        })
        .collect()
}

/// What the repeat table is computed from: per period the purchases (`orders`, `valued`,
/// `revenue`) and refunds (`refunds`, `refund_amount`), and the customer, period and day (an
/// Int32 `__day`) of each purchase (`buys`; after a merge, one row for a customer's single
/// purchase day in a period, two made-up days for several). Period numbers are in `__p`. Made
/// once ([`repeat_base`], [`sums_base`]) for both the table and the partial results.
pub struct RepeatBase {
    per_period: LazyFrame,
    refunds: LazyFrame,
    buys: LazyFrame,
    /// The customers' words of periods and their first period, once the table has counted them
    /// (for [`repeat_total`]).
    words: std::cell::OnceCell<(DataFrame, i64)>,
    /// The first and last period of the orders read, when known (it spares a query).
    periods: Option<(i64, i64)>,
}

pub fn repeat_base(orders: &OrderRows) -> RepeatBase {
    let buys = purchases(orders);
    let per_period = buys.clone().group_by([col("__p")]).agg([
        len().cast(DataType::Float64).alias("orders"),
        col("__amount").count().cast(DataType::Float64).alias("valued"),
        col("__amount").sum().alias("revenue"),
    ]);
    let refunds = orders
        .rows
        .clone()
        .lazy()
        .filter(col("__day").is_not_null().and(col("__dup").not()).and(col("__amount").lt(lit(0.0)).fill_null(lit(false))))
        .group_by([col("__p")])
        .agg([len().cast(DataType::Float64).alias("refunds"), (-col("__amount")).sum().alias("refund_amount")]);
    let buys = buys.select([col("__customer"), col("__p"), col("__day").cast(DataType::Int32)]);
    RepeatBase { per_period, refunds, buys, words: Default::default(), periods: orders.periods }
}

/// One period's share of the repeat table in a form that adds up across shards (what
/// `repeat --emit-partials` writes): purchase and refund sums, the distinct customers who
/// bought in it, ascending, and for each of them the day (days since 1970-01-01) of their
/// purchases in the period when it is one day, null when they bought on several.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RepeatSums {
    pub orders: f64,
    pub valued_orders: f64,
    pub revenue: f64,
    pub refunds: f64,
    pub refund_amount: f64,
    pub customers: Vec<String>,
    pub days: Vec<Option<i32>>,
}

impl std::ops::AddAssign for RepeatSums {
    fn add_assign(&mut self, o: Self) {
        self.orders += o.orders;
        self.valued_orders += o.valued_orders;
        self.revenue += o.revenue;
        self.refunds += o.refunds;
        self.refund_amount += o.refund_amount;
        let mut both: Vec<(String, Option<i32>)> = std::mem::take(&mut self.customers)
            .into_iter()
            .zip(std::mem::take(&mut self.days))
            .chain(o.customers.into_iter().zip(o.days))
            .collect();
        both.sort_by(|a, b| a.0.cmp(&b.0));
        // A customer in both shards bought on one day only if both say the same day.
        both.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same && kept.1 != later.1 {
                kept.1 = None;
            }
            same
        });
        (self.customers, self.days) = both.into_iter().unzip();
    }
}

/// Each period's [`RepeatSums`], by period number.
pub fn repeat_sums(data: &Dataset, base: &RepeatBase) -> Result<Vec<(i64, RepeatSums)>> {
    // Each customer's single day in the period, or null for several.
    let pairs = data
        .collect_reduced(day_span(base.buys.clone(), [col("__customer"), col("__p")]))?
        .lazy()
        .with_column(when(col("__first").eq(col("__last"))).then(col("__first")).otherwise(lit(NULL).cast(DataType::Int32)).alias("__one"));
    let customers = pairs.group_by([col("__p")]).agg([
        col("__customer").sort(SortOptions::default()).alias("__customers"),
        col("__one").sort_by([col("__customer")], SortMultipleOptions::default()).alias("__days"),
    ]);
    // Every period with a purchase or a refund.
    let keys = concat([base.per_period.clone().select([col("__p")]), base.refunds.clone().select([col("__p")])], UnionArgs::default())?
        .group_by([col("__p")])
        .agg(Vec::<Expr>::new());
    let df = data.collect_in_memory(
        keys.join(base.per_period.clone(), [col("__p")], [col("__p")], JoinArgs::new(JoinType::Left))
            .join(base.refunds.clone(), [col("__p")], [col("__p")], JoinArgs::new(JoinType::Left))
            .join(customers, [col("__p")], [col("__p")], JoinArgs::new(JoinType::Left))
            .sort(["__p"], SortMultipleOptions::default()),
    )?;
    let index = df.column("__p")?.cast(&DataType::Int64)?;
    let index = index.i64()?;
    let or_zero = |name: &str, i: usize| -> Result<f64> { Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(i).unwrap_or(0.0)) };
    (0..df.height())
        .map(|i| {
            let sums = RepeatSums {
                orders: or_zero("orders", i)?,
                valued_orders: or_zero("valued", i)?,
                revenue: or_zero("revenue", i)?,
                refunds: or_zero("refunds", i)?,
                refund_amount: or_zero("refund_amount", i)?,
                customers: strings_at(&df, "__customers", i)?,
                days: days_at(&df, "__days", i)?,
            };
            Ok((index.get(i).unwrap_or(0), sums))
        })
        .collect()
}

/// The list of days in row `i` of list column `name` (empty when null).
fn days_at(df: &DataFrame, name: &str, i: usize) -> Result<Vec<Option<i32>>> {
    let Some(list) = df.column(name)?.list()?.get_as_series(i) else { return Ok(Vec::new()) };
    let days = list.cast(&DataType::Int32)?;
    Ok(days.i32()?.iter().collect())
}

/// The made-up days of a customer who bought on several days of a period, in a merge: two
/// distinct days no real date has.
const SEVERAL_DAYS: [i32; 2] = [i32::MIN, i32::MIN + 1];

/// What the repeat table is computed from, out of merged [`RepeatSums`] (by period number).
pub fn sums_base(sums: &[(i64, RepeatSums)]) -> Result<RepeatBase> {
    let column = |name: &str, f: fn(&RepeatSums) -> f64| Column::new(name.into(), sums.iter().map(|(_, s)| f(s)).collect::<Vec<f64>>());
    let periods = DataFrame::new(
        sums.len(),
        vec![
            Column::new("__p".into(), sums.iter().map(|(k, _)| *k).collect::<Vec<i64>>()),
            column("orders", |s| s.orders),
            column("valued", |s| s.valued_orders),
            column("revenue", |s| s.revenue),
            column("refunds", |s| s.refunds),
            column("refund_amount", |s| s.refund_amount),
        ],
    )?
    .lazy();
    // The table has the periods with a purchase; refunds are looked up by period.
    let per_period = periods.clone().filter(col("orders").gt(lit(0.0))).select([col("__p"), col("orders"), col("valued"), col("revenue")]);
    let refunds = periods.select([col("__p"), col("refunds"), col("refund_amount")]);
    let mut day_rows: (Vec<&str>, Vec<i64>, Vec<i32>) = Default::default();
    for (k, s) in sums {
        if s.days.len() != s.customers.len() {
            return Err(crate::error::data_err(format!(
                "partial results of period {k}: {} customers but {} days",
                s.customers.len(),
                s.days.len()
            )));
        }
        for (c, d) in s.customers.iter().zip(&s.days) {
            let days = match d {
                Some(d) => &[*d][..],
                None => &SEVERAL_DAYS[..],
            };
            for d in days {
                day_rows.0.push(c);
                day_rows.1.push(*k);
                day_rows.2.push(*d);
            }
        }
    }
    let days = DataFrame::new(
        day_rows.0.len(),
        vec![Column::new("__customer".into(), day_rows.0), Column::new("__p".into(), day_rows.1), Column::new("__day".into(), day_rows.2)],
    )?;
    Ok(RepeatBase { per_period, refunds, buys: days.lazy(), words: Default::default(), periods: None })
}

/// The repeat table from merged [`RepeatSums`] ([`sums_base`]), as [`repeat_table`] computes it
/// from the rows (no purchase window: it needs each customer's orders).
pub fn repeat_table_of_sums(base: &RepeatBase, period: Period, as_of: NaiveDate) -> Result<Vec<RepeatRow>> {
    let collect = |q: LazyFrame| Ok(q.collect()?);
    repeat_rows(&collect, &collect, base, None, period, as_of)
}

/// The first and last purchase day (`__first`, `__last`) of each group of `buys` by `keys`:
/// different where the group bought on two or more distinct days.
fn day_span(buys: LazyFrame, keys: impl AsRef<[Expr]>) -> LazyFrame {
    buys.group_by(keys).agg([col("__day").min().alias("__first"), col("__day").max().alias("__last")])
}

/// The total row of the periods `shown` (in order): each customer who bought in them counted
/// once, and as a repeat customer when they bought on two or more distinct days; the other counts
/// added up. `data` runs the query on the input's engine; without it, in memory (a merge).
pub fn repeat_total(data: Option<&Dataset>, base: &RepeatBase, shown: &[RepeatRow]) -> Result<RepeatRow> {
    let (Some(first), Some(last)) = (shown.first(), shown.last()) else { return Ok(RepeatRow { total: true, ..Default::default() }) };
    let (active, repeaters) = match base.words.get() {
        Some((words, start)) => words::scope_counts(words, *start, (first.index, last.index))?,
        None => scope_by_customer(data, base, (first.index, last.index))?,
    };
    Ok(total_row(shown, active, repeaters))
}

/// The total row of the periods `shown`, with the customers who bought in them (`active`) and
/// those who bought on two or more distinct days of them (`repeaters`), each counted once; the
/// other counts added up.
pub fn total_row(shown: &[RepeatRow], active: f64, repeaters: f64) -> RepeatRow {
    let sum = |f: fn(&RepeatRow) -> f64| shown.iter().map(f).sum::<f64>();
    let new = sum(|r| r.new);
    RepeatRow {
        period: "Total".to_string(),
        index: i64::MAX,
        partial: false,
        active,
        new,
        returning: active - new,
        orders: sum(|r| r.orders),
        valued_orders: sum(|r| r.valued_orders),
        revenue: sum(|r| r.revenue),
        refunds: sum(|r| r.refunds),
        refund_amount: sum(|r| r.refund_amount),
        previous_active: 0.0,
        retained: 0.0,
        window_eligible: sum(|r| r.window_eligible),
        window_repeaters: sum(|r| r.window_repeaters),
        repeat_customers: repeaters,
        total: true,
    }
}

/// One period's purchases, refunds and customers as an engine counted them (`cxstat sql
/// repeat`): what [`repeat_rows`] counts from the rows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PeriodCounts {
    pub orders: f64,
    pub valued_orders: f64,
    pub revenue: f64,
    pub refunds: f64,
    pub refund_amount: f64,
    pub active: f64,
    pub new: f64,
    pub retained: f64,
    pub repeaters: f64,
}

/// The repeat table from each period's counts (by period number), as [`repeat_table`] computes
/// it from the rows: the periods with a purchase, the previous period's customers looked up.
pub fn rows_of_counts(periods: &[(i64, PeriodCounts)], p: Period, as_of: NaiveDate) -> Vec<RepeatRow> {
    let active: HashMap<i64, f64> = periods.iter().map(|(k, c)| (*k, c.active)).collect();
    let as_of_index = period_index_of(as_of, p);
    let next_day_index = period_index_of(as_of + chrono::Duration::days(1), p);
    let mut rows: Vec<RepeatRow> = periods
        .iter()
        .filter(|(_, c)| c.orders > 0.0)
        .map(|(k, c)| RepeatRow {
            period: index_label(*k, p),
            index: *k,
            partial: *k == as_of_index && next_day_index == as_of_index,
            active: c.active,
            new: c.new,
            returning: c.active - c.new,
            orders: c.orders,
            valued_orders: c.valued_orders,
            revenue: c.revenue,
            refunds: c.refunds,
            refund_amount: c.refund_amount,
            previous_active: active.get(&(k - 1)).copied().unwrap_or(0.0),
            retained: c.retained,
            window_eligible: 0.0,
            window_repeaters: 0.0,
            repeat_customers: c.repeaters,
            total: false,
        })
        .collect();
    rows.sort_by_key(|r| r.index);
    rows
}

/// The customers who bought in periods `lo` to `hi`, and those who bought on two or more
/// distinct days of them, by a grouping over the customers (for spans too long for words).
fn scope_by_customer(data: Option<&Dataset>, base: &RepeatBase, (lo, hi): (i64, i64)) -> Result<(f64, f64)> {
    let q = day_span(base.buys.clone().filter(col("__p").gt_eq(lit(lo)).and(col("__p").lt_eq(lit(hi)))), [col("__customer")]).select([
        len().cast(DataType::Float64).alias("active"),
        col("__first").neq(col("__last")).cast(DataType::Float64).sum().alias("repeaters"),
    ]);
    let df = match data {
        Some(data) => data.collect_reduced(q)?,
        None => q.collect()?,
    };
    Ok((f64_at(&df, "active", 0)?, f64_at(&df, "repeaters", 0)?))
}

/// The repeat table per period (all periods with orders; the caller picks the ones shown).
pub fn repeat_table(
    data: &Dataset,
    orders: &OrderRows,
    base: &RepeatBase,
    as_of: NaiveDate,
    window_days: Option<i64>,
) -> Result<Vec<RepeatRow>> {
    let window = window_days.map(|days| window_counts(data, orders, as_of, days)).transpose()?;
    repeat_rows(&|q| data.collect_in_memory(q), &|q| data.collect_reduced(q), base, window, orders.period, as_of)
}

/// Per first-purchase period: the new customers whose window of `days` had ended by `as_of`,
/// and how many of them bought again within it.
type WindowCounts = (Vec<(i64, f64)>, Vec<(i64, f64)>);

fn window_counts(data: &Dataset, orders: &OrderRows, as_of: NaiveDate, days: i64) -> Result<WindowCounts> {
    let buys = purchases(orders);
    let eligible_until = as_of - chrono::Duration::days(days);
    // Customers whose first purchase was at least `days` before as_of; a repeat is any
    // other purchase on or before first day + days.
    // First purchase per customer (over all history up to as_of).
    let firsts =
        buys.clone().group_by([col("__customer")]).agg([col("__p").min().alias("__first_p"), col("__day").min().alias("__first_day")]);
    let w = buys
        .join(firsts, [col("__customer")], [col("__customer")], JoinArgs::new(JoinType::Inner))
        .filter(col("__first_day").lt_eq(lit(eligible_until)))
        .group_by([col("__customer")])
        .agg([
            col("__first_p").first().alias("__p"),
            col("__day")
                .lt_eq(col("__first_day").first() + lit(chrono::Duration::days(days)))
                .cast(DataType::Float64)
                .sum()
                .alias("__within"),
        ])
        .group_by([col("__p")])
        .agg([
            len().cast(DataType::Float64).alias("eligible"),
            col("__within").gt_eq(lit(2.0)).cast(DataType::Float64).sum().alias("repeaters"),
        ]);
    let w = data.collect(w)?;
    Ok((by_period(&w, "eligible")?, by_period(&w, "repeaters")?))
}

/// (period number, value) of each row of a frame keyed by `__p`.
fn by_period(df: &DataFrame, name: &str) -> Result<Vec<(i64, f64)>> {
    let idx = df.column("__p")?.cast(&DataType::Int64)?;
    let idx = idx.i64()?;
    (0..df.height()).map(|i| Ok((idx.get(i).unwrap_or(0), f64_at(df, name, i)?))).collect()
}

/// The distinct (customer, period) pairs of `buys`, by a hash grouping on the customer ids.
fn distinct_pairs(buys: &LazyFrame) -> LazyFrame {
    buys.clone().group_by([col("__customer"), col("__p")]).agg(Vec::<Expr>::new())
}

/// Customers per period: active (with a purchase in it), new (their first purchase is in it)
/// and retained (active in it and in the period before).
#[derive(Debug, Default, PartialEq)]
struct Activity {
    active: HashMap<i64, f64>,
    new: HashMap<i64, f64>,
    retained: HashMap<i64, f64>,
    /// Customers who bought on two or more distinct days of the period.
    repeaters: HashMap<i64, f64>,
    /// The words counted ([`words::WordCounts::words`]) and their first period, when counted by words.
    words: Option<(DataFrame, i64)>,
}

/// [`Activity`] from the customer, period and day of each purchase (`__customer`, `__p`,
/// `__day`) in periods of kind `period`: by each customer's word of periods within
/// [`words::MAX_PERIODS`] periods (five years of months), else by the distinct (customer,
/// period) pairs. Both give the same counts (tested). The span is `periods` (of all orders
/// read, so at least that of the purchases) when it fits a word, else the purchases' own.
fn customer_activity(
    buys: &LazyFrame,
    periods: Option<(i64, i64)>,
    period: Period,
    (collect, reduce): (&Collect, &Collect),
) -> Result<Activity> {
    let span = match periods.and_then(words::fits) {
        Some(span) => Some(span),
        None => words::span(buys, "__p", collect)?,
    };
    let Some(span) = span else {
        return activity_by_pairs(buys, collect, reduce);
    };
    let days = words::Days { column: "__day", day_bits: u32::BITS - (period.max_days() - 1).leading_zeros() };
    Ok(activity_of_words(words::count(buys.clone(), "__customer", "__p", span, Some(days), (collect, reduce))?))
}

/// [`Activity`] from the counts of [`words::count`]; the periods of the span without a purchase
/// are not in the table.
fn activity_of_words(w: words::WordCounts) -> Activity {
    let mut activity = Activity::default();
    for (i, &active) in w.active.iter().enumerate() {
        let p = w.first + i as i64;
        if active > 0.0 {
            activity.active.insert(p, active);
        }
        activity.new.insert(p, w.new[i]);
        activity.retained.insert(p, w.retained[i]);
        activity.repeaters.insert(p, w.repeaters[i]);
    }
    activity.words = Some((w.words, w.first));
    activity
}

/// [`Activity`] by the distinct (customer, period) pairs, for spans of more than
/// [`words::MAX_PERIODS`] periods. Retained customers come by inclusion–exclusion, |A(p) ∩ A(p−1)| =
/// |A(p)| + |A(p−1)| − |A(p) ∪ A(p−1)|: the union is each period's distinct customers among its
/// pairs and the previous period's, counted with `n_unique()` per period, in memory.
fn activity_by_pairs(buys: &LazyFrame, collect: &Collect, reduce: &Collect) -> Result<Activity> {
    let pairs = reduce(distinct_pairs(buys))?.lazy();
    let new = pairs
        .clone()
        .group_by([col("__customer")])
        .agg([col("__p").min()])
        .group_by([col("__p")])
        .agg([len().cast(DataType::Float64).alias("new")]);
    let active = pairs.clone().group_by([col("__p")]).agg([len().cast(DataType::Float64).alias("active")]);
    let next = pairs.clone().with_columns([(col("__p") + lit(1i64)).alias("__p")]);
    let union = concat([pairs, next], UnionArgs::default())?
        .group_by([col("__p")])
        .agg([col("__customer").n_unique().cast(DataType::Float64).alias("union")]);
    // Customers with purchases on two or more distinct days of a period.
    let repeaters = day_span(buys.clone(), [col("__customer"), col("__p")])
        .filter(col("__first").neq(col("__last")))
        .group_by([col("__p")])
        .agg([len().cast(DataType::Float64).alias("repeaters")]);
    let repeaters = by_period(&reduce(repeaters)?, "repeaters")?.into_iter().collect();
    let active: HashMap<i64, f64> = by_period(&reduce(active)?, "active")?.into_iter().collect();
    let new = by_period(&reduce(new)?, "new")?.into_iter().collect();
    let retained = by_period(&collect(union)?, "union")?
        .into_iter()
        .filter(|(p, _)| active.contains_key(p))
        .map(|(p, union)| (p, active[&p] + active.get(&(p - 1)).copied().unwrap_or(0.0) - union))
        .collect();
    Ok(Activity { active, new, retained, repeaters, words: None })
}

/// `collect` runs the sums of amounts, in memory so that they are added in the same order on
/// every run; `reduce` the groupings over the customer ids (on the streaming engine, faster
/// there).
fn repeat_rows(
    collect: &Collect,
    reduce: &Collect,
    base: &RepeatBase,
    window: Option<WindowCounts>,
    p: Period,
    as_of: NaiveDate,
) -> Result<Vec<RepeatRow>> {
    let mut activity = customer_activity(&base.buys, base.periods, p, (collect, reduce))?;
    if let Some(words) = activity.words.take() {
        // Kept for the total row; a base counted twice keeps the first.
        let _ = base.words.set(words);
    }
    let count = |counts: &HashMap<i64, f64>, k: i64| counts.get(&k).copied().unwrap_or(0.0);
    let mut table = collect(base.per_period.clone())?;
    let refunds = collect(base.refunds.clone())?;
    table.sort_in_place(["__p"], SortMultipleOptions::default())?;
    let idx = table.column("__p")?.cast(&DataType::Int64)?;
    let idx = idx.i64()?;
    let find = |list: &[(i64, f64)], k: i64| list.iter().find(|(i, _)| *i == k).map_or(0.0, |(_, v)| *v);
    let refund_n = by_period(&refunds, "refunds")?;
    let refund_amount = by_period(&refunds, "refund_amount")?;
    let as_of_index = period_index_of(as_of, p);
    let next_day_index = period_index_of(as_of + chrono::Duration::days(1), p);
    let mut rows: Vec<RepeatRow> = Vec::with_capacity(table.height());
    for i in 0..table.height() {
        let k = idx.get(i).unwrap_or(0);
        let (active, new) = (count(&activity.active, k), count(&activity.new, k));
        rows.push(RepeatRow {
            period: index_label(k, p),
            index: k,
            partial: k == as_of_index && next_day_index == as_of_index,
            active,
            new,
            returning: active - new,
            orders: f64_at(&table, "orders", i)?,
            valued_orders: f64_at(&table, "valued", i)?,
            revenue: f64_at(&table, "revenue", i)?,
            refunds: find(&refund_n, k),
            refund_amount: find(&refund_amount, k),
            previous_active: count(&activity.active, k - 1),
            retained: count(&activity.retained, k),
            window_eligible: window.as_ref().map_or(0.0, |(e, _)| find(e, k)),
            window_repeaters: window.as_ref().map_or(0.0, |(_, r)| find(r, k)),
            repeat_customers: count(&activity.repeaters, k),
            total: false,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Purchases as (customer, period, day of the period 0–30) rows (day number 31·period + day,
    /// negative before period 0), and their [`Activity`] counted both ways.
    fn activities(buys: &[(&str, i64, i64)]) -> (Activity, Activity) {
        let df = df!(
            "__customer" => buys.iter().map(|(c, _, _)| *c).collect::<Vec<_>>(),
            "__p" => buys.iter().map(|(_, p, _)| *p).collect::<Vec<_>>(),
            "__day" => buys.iter().map(|(_, p, d)| (31 * p + d) as i32).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy();
        let collect = |q: LazyFrame| Ok(q.collect()?);
        let span = words::span(&df, "__p", &collect).unwrap().expect("a span of at most 64 periods");
        let words = customer_activity(&df, Some((span.0, span.0 + span.1 as i64 - 1)), Period::Month, (&collect, &collect)).unwrap();
        (words, activity_by_pairs(&df, &collect, &collect).unwrap())
    }

    fn sorted(counts: &HashMap<i64, f64>) -> Vec<(i64, f64)> {
        let mut v: Vec<(i64, f64)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// Customers of periods `lo` to `hi`, and those on two or more distinct days, counted directly.
    fn scope_by_hand(buys: &[(&str, i64, i64)], (lo, hi): (i64, i64)) -> (f64, f64) {
        let mut days: HashMap<&str, std::collections::HashSet<i64>> = HashMap::new();
        for (c, p, d) in buys.iter().filter(|(_, p, _)| (lo..=hi).contains(p)) {
            days.entry(*c).or_default().insert(31 * p + d);
        }
        (days.len() as f64, days.values().filter(|d| d.len() >= 2).count() as f64)
    }

    #[test]
    fn customer_activity_worked_by_hand() {
        // Periods 10 to 13. A buys in 10 (twice, on days 3 and 5) and 11; B in 11 and 13; C in
        // 13 only, twice on day 7; nobody in 12. Active: 10 {A} 1, 11 {A, B} 2, 13 {B, C} 2 (12
        // is not a period of the table). New: A in 10, B in 11, C in 13. Retained: 11 has A from
        // 10 → 1; 13 has nobody from 12. On two days of a period: A in 10 only (C's are one day).
        let buys = [("A", 10, 3), ("B", 11, 0), ("A", 11, 1), ("A", 10, 5), ("C", 13, 7), ("B", 13, 30), ("C", 13, 7)];
        let (words, pairs) = activities(&buys);
        assert_eq!(sorted(&words.active), vec![(10, 1.0), (11, 2.0), (13, 2.0)]);
        assert_eq!(sorted(&words.new), vec![(10, 1.0), (11, 1.0), (12, 0.0), (13, 1.0)]);
        assert_eq!(words.retained[&11], 1.0);
        assert_eq!(words.retained[&13], 0.0);
        assert_eq!((words.repeaters[&10], words.repeaters[&11], words.repeaters[&13]), (1.0, 0.0, 0.0));
        assert_eq!(sorted(&pairs.active), sorted(&words.active));
        assert_eq!(pairs.retained[&11], 1.0);
        assert_eq!(sorted(&pairs.repeaters), vec![(10, 1.0)]);
        // Over 11 to 13: A, B, C bought; B on two days (11 and 13), A once (11), C once.
        let (counted, first) = words.words.as_ref().unwrap();
        assert_eq!(words::scope_counts(counted, *first, (11, 13)).unwrap(), (3.0, 1.0));
        assert_eq!(words::scope_counts(counted, *first, (10, 13)).unwrap(), (3.0, 2.0));
        // 64 periods fit one word: the top bit is period 63 (lowest and retained there too).
        let (words, pairs) = activities(&[("A", 0, 0), ("A", 62, 0), ("A", 63, 0), ("B", 63, 0), ("B", 63, 16)]);
        assert_eq!((words.active[&63], words.new[&63], words.retained[&63], words.repeaters[&63]), (2.0, 1.0, 1.0, 1.0));
        assert_eq!((pairs.active[&63], pairs.new[&63], pairs.retained[&63]), (2.0, 1.0, 1.0));
    }

    proptest::proptest! {
        /// The word of periods per customer gives the same active, new, retained and repeat
        /// customers as the distinct (customer, period) pairs, in every period with a purchase
        /// (days before 1970 too; spans of up to 32 periods and longer ones), and over any range
        /// of periods the same as a count by hand.
        #[test]
        fn activity_words_count_as_the_pairs_do(
            buys in proptest::collection::vec((0usize..6, 0i64..64, 0i64..31), 1..80),
            first in -30i64..30,
            range in (0i64..64, 0i64..64),
            narrow in proptest::bool::ANY,
        ) {
            let names = ["a", "b", "c", "d", "e", "f"];
            let buys: Vec<(&str, i64, i64)> =
                buys.iter().map(|(c, p, d)| (names[*c], first + if narrow { p % 20 } else { *p }, *d)).collect();
            let (words, pairs) = activities(&buys);
            proptest::prop_assert_eq!(sorted(&words.active), sorted(&pairs.active));
            for p in words.active.keys() {
                let w = (words.new.get(p), words.retained[p], words.repeaters[p]);
                let q = (pairs.new.get(p).or(Some(&0.0)), pairs.retained[p], pairs.repeaters.get(p).copied().unwrap_or(0.0));
                proptest::prop_assert_eq!(w, q, "period {}", p);
            }
            let (counted, start) = words.words.as_ref().unwrap();
            let (lo, hi) = (first + range.0.min(range.1), first + range.0.max(range.1));
            if lo >= *start && hi <= start + 63 {
                proptest::prop_assert_eq!(words::scope_counts(counted, *start, (lo, hi)).unwrap(), scope_by_hand(&buys, (lo, hi)));
            }
        }
    }

    #[test]
    fn rates_worked_by_hand() {
        // 40 active of whom 10 returning = 25%; 50 previous customers, 20 retained = return 40%,
        // churn 60%; 60 orders by 40 customers = 1.5; 300.0 revenue over 50 valued orders = 6.0.
        let row = RepeatRow {
            active: 40.0,
            returning: 10.0,
            previous_active: 50.0,
            retained: 20.0,
            orders: 60.0,
            valued_orders: 50.0,
            revenue: 300.0,
            ..Default::default()
        };
        let r = &repeat_rates(vec![row], 0.95)[0];
        assert_eq!((r.repeat.pct, r.ret.pct, r.churn), (Some(25.0), Some(40.0), Some(60.0)));
        assert_eq!((r.orders_per_customer, r.avg_order_value, r.window.pct), (Some(1.5), Some(6.0), None));
        // Months 2026-08 to 2026-10: --from 2026-09-15 keeps September on.
        let months: Vec<RepeatRow> = (8..=10).map(|m| RepeatRow { index: 2026 * 12 + m - 1, ..Default::default() }).collect();
        let from = NaiveDate::from_ymd_opt(2026, 9, 15);
        assert_eq!(in_span(months, Period::Month, from, None).len(), 2);
    }
}
