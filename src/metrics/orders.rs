//! Orders: counts per period (the denominators of complaint rates) and repeat-purchase,
//! return and churn rates, purchase windows, cohorts and RFM segments.
//!
//! Every order is read once into a small frame (customer, day, amount); the measures are
//! aggregations and joins on it. A negative amount is a refund: it is not a purchase (no order,
//! no customer activity, no revenue) and is counted on its own.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{f64_at, strings_at, Dataset, ROW};
use crate::metrics::grouping::{Group, Grouping, Levels};
use crate::metrics::period::Period;
use crate::metrics::period::{index_label, period_index, period_index_between, period_index_of};
use crate::metrics::words::{self, Collect};

/// Which columns hold the order's id, customer, date and amount.
#[derive(Debug, Clone)]
pub struct OrderSpec {
    pub order: Option<String>,
    pub customer: Option<String>,
    pub ordered: String,
    pub amount: Option<String>,
}

/// Orders and ordering customers of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OrderCounts {
    pub orders: f64,
    pub customers: f64,
    /// Rows whose date or amount the quick first pass could not read (it reads again).
    unread: f64,
}

/// Orders and the distinct ordering customers (their ids, ascending) of one period: what
/// complaints' rates need from the orders, in a form that adds up across shards.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrderSums {
    pub orders: f64,
    pub customers: Vec<String>,
}

impl std::ops::AddAssign for OrderSums {
    fn add_assign(&mut self, o: Self) {
        self.orders += o.orders;
        join_ids(&mut self.customers, o.customers);
    }
}

/// Adds `more` to the ascending distinct ids `ids`, which stay ascending and distinct.
fn join_ids(ids: &mut Vec<String>, more: Vec<String>) {
    ids.extend(more);
    ids.sort_unstable();
    ids.dedup();
}

impl OrderSums {
    pub fn counts(&self) -> OrderCounts {
        OrderCounts::new(self.orders, self.customers.len() as f64)
    }
}

impl OrderCounts {
    pub fn new(orders: f64, customers: f64) -> OrderCounts {
        OrderCounts { orders, customers, unread: 0.0 }
    }
}

fn customer_text(spec: &OrderSpec) -> Expr {
    spec.customer.as_deref().map_or(lit(NULL).cast(DataType::String), clean::given)
}

/// The order id as compared for duplicates: trimmed, blank as null (never a duplicate).
fn order_id(spec: &OrderSpec) -> Expr {
    spec.order.as_deref().map_or(lit(NULL).cast(DataType::String), clean::given)
}

/// True where the id `__id` is null or sorts after the last id above it. Where that holds on
/// every row (an export in order of its ids, as most are), no id is repeated and the ids need
/// not be hashed: comparing each with the one before is some 15 times cheaper on 6 M ids.
fn ascends() -> Expr {
    // Blank ids are left out, so each id is compared with the last id above it (no copy of the
    // column with the gaps filled forward).
    let ids = col("__id").drop_nulls();
    ids.clone().gt(ids.shift(lit(1))).fill_null(lit(true))
}

/// What one pass over the read rows finds: whether their ids ascend (see [`ascends`]), and the
/// first and last day `__day`.
struct Checked {
    ascending: bool,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

impl Checked {
    fn of(data: &Dataset, rows: &DataFrame) -> Result<Checked> {
        let d = col("__day");
        let query = rows.clone().lazy().select([
            ascends().all(true).alias("ascending"),
            d.clone().min().cast(DataType::Int32).alias("first"),
            d.max().cast(DataType::Int32).alias("last"),
        ]);
        let check = data.collect(query)?;
        let day_at =
            |name: &str| -> Result<Option<NaiveDate>> { Ok(check.column(name)?.i32()?.get(0).and_then(NaiveDate::from_epoch_days)) };
        let ascending = check.column("ascending")?.bool()?.get(0).unwrap_or(false);
        Ok(Checked { ascending, first: day_at("first")?, last: day_at("last")? })
    }

    /// `__dup`: true on a row whose id `__id` ([`order_id`]) an earlier row has, as
    /// [`clean::repeated`] finds it (the first row of each id is kept). The ids are hashed only
    /// when they are not in ascending order.
    fn duplicates(&self) -> Expr {
        let dup = if self.ascending { lit(false) } else { clean::seen_before(col("__id")) };
        dup.alias("__dup")
    }

    /// The number of each row's period (see [`period_index_between`]).
    fn period(&self, period: Period) -> Expr {
        let d = col("__day");
        match (self.first, self.last) {
            (Some(first), Some(last)) => period_index_between(d, period, first, last),
            _ => period_index(d, period),
        }
    }
}

/// The amount as read: the plain numbers of the quick first pass, or every form.
fn amount_value(header: &str, quick: bool) -> Expr {
    if quick {
        clean::amount_quick(header)
    } else {
        clean::amount(header).value
    }
}

/// Orders (purchases: refunds and repeated order ids left out) and distinct ordering customers
/// per period of `grouping` (its `--by` is ignored), with a total over the scope. Read once when
/// dates are `2026-10-03…` and amounts plain numbers; otherwise read again with every form.
/// With `sums`, also each period's [`OrderSums`] (for partial results).
pub fn order_counts(
    data: &Dataset,
    spec: &OrderSpec,
    grouping: &Grouping,
    sums: bool,
) -> Result<(Levels<OrderCounts>, Vec<Group<OrderSums>>)> {
    let quick = order_counts_with(data, spec, grouping, true, sums)?;
    let levels = &quick.0;
    let all = || levels.groups.iter().chain(&levels.period_totals).chain(&levels.total);
    if all().all(|g| g.dated && g.counts.unread == 0.0) {
        return Ok(quick);
    }
    order_counts_with(data, spec, grouping, false, sums)
}

fn order_counts_with(
    data: &Dataset,
    spec: &OrderSpec,
    grouping: &Grouping,
    quick: bool,
    sums: bool,
) -> Result<(Levels<OrderCounts>, Vec<Group<OrderSums>>)> {
    let reader = Grouping { date: Some(spec.ordered.clone()), by: Vec::new(), quick, ..grouping.clone() };
    let mut lf = data.lazy();
    let mut unread = lit(false);
    let buy = match &spec.amount {
        Some(a) => {
            lf = lf.with_column(amount_value(a, quick).alias("__amount"));
            if quick {
                unread = clean::answered(a, true).and(col("__amount").is_null());
            }
            col("__amount").lt(lit(0.0)).fill_null(lit(false)).not()
        }
        None => lit(true),
    };
    // Every row is kept, so that the quick pass sees the values it could not read. The few
    // columns needed, the date parsed, are read into memory once, as every level is
    // aggregated from them.
    let slim = lf.select([
        reader.date_of(&spec.ordered).alias("__day"),
        customer_text(spec).alias("__customer"),
        buy.alias("__buy"),
        unread.alias("__unread"),
        order_id(spec).alias("__id"),
    ]);
    // Only counted, so left in the read batches (see collect_reduced).
    let rows = data.collect_reduced(slim)?;
    // The period's number is computed once, rather than by every level's query, and from a
    // table of the days between the first and the last (see period_index_between).
    let checked = Checked::of(data, &rows)?;
    let mut added = vec![checked.duplicates()];
    added.extend(reader.period.map(|p| checked.period(p).cast(DataType::Int64).alias("__p")));
    let rows = data.collect(rows.lazy().with_columns(added))?.drop("__id")?;
    let slim = rows.lazy().with_column(col("__dup").not().and(col("__buy")).alias("__purchase"));
    let period_column = reader.period.map(|_| "__p".to_string());
    let grouping = Grouping { date: Some("__day".to_string()), parsed: true, period_column, ..reader };
    // Counts: the total is the sum of the periods' (whole numbers, exact in any order).
    let mut levels = grouping.aggregate_levels(
        slim.clone(),
        vec![
            col("__purchase").cast(DataType::Float64).sum().alias("orders"),
            col("__unread").cast(DataType::Float64).sum().alias("unread"),
        ],
        true,
        |q| data.collect(q),
        |df, i| Ok(OrderCounts { orders: f64_at(df, "orders", i)?, customers: 0.0, unread: f64_at(df, "unread", i)? }),
        Some(&|parts: &[&OrderCounts]| OrderCounts {
            orders: parts.iter().map(|c| c.orders).sum(),
            customers: 0.0,
            unread: parts.iter().map(|c| c.unread).sum(),
        }),
    )?;
    let sums = match sums {
        true => grouping.aggregate_query(slim.clone(), order_sums_query, |q| data.collect(q), read_order_sums)?,
        false => Vec::new(),
    };
    // The purchases, filtered once for both distinct counts below (not once by each), with only
    // the columns they need; the rows of every order are dropped before the counts' hashing.
    let mut kept = vec![col("__customer"), col("__day")];
    kept.extend(reader.period.map(|_| col("__p")));
    let bought = data.collect(slim.filter(col("__purchase")).select(kept))?.lazy();
    // Per period, distinct customers are counted faster in memory; over the whole scope, a
    // reduction of millions of ids, on the streaming engine (see collect_reduced).
    let customers = grouping.distinct_levels(bought, "__customer", true, |q| data.collect(q), |q| data.collect_reduced(q))?;
    levels.join(&customers, |c, n| c.customers = *n);
    Ok((levels, sums))
}

/// Per group: purchases, and the distinct customers with a purchase, ascending.
fn order_sums_query(lf: LazyFrame, keys: Vec<Expr>) -> LazyFrame {
    let mut by_customer = keys.clone();
    by_customer.push(col("__customer"));
    let bought = col("__orders").gt(lit(0.0)).and(col("__customer").is_not_null());
    lf.group_by(by_customer)
        .agg([col("__purchase").cast(DataType::Float64).sum().alias("__orders")])
        .group_by(keys)
        .agg([col("__orders").sum().alias("__orders"), col("__customer").filter(bought).sort(SortOptions::default()).alias("__customers")])
}

fn read_order_sums(df: &DataFrame, i: usize) -> Result<OrderSums> {
    Ok(OrderSums { orders: f64_at(df, "__orders", i)?, customers: strings_at(df, "__customers", i)? })
}

/// A problem in an orders file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderProblem {
    Duplicate,
    DateInvalid,
    DateMissing,
    AmountInvalid,
    CustomerMissing,
    Ragged,
}

impl OrderProblem {
    pub const ALL: [OrderProblem; 6] = [
        OrderProblem::Duplicate,
        OrderProblem::DateInvalid,
        OrderProblem::DateMissing,
        OrderProblem::AmountInvalid,
        OrderProblem::CustomerMissing,
        OrderProblem::Ragged,
    ];

    pub fn flag(self) -> &'static str {
        match self {
            OrderProblem::Duplicate => "__dup",
            OrderProblem::DateInvalid => "__date_bad",
            OrderProblem::DateMissing => "__date_missing",
            OrderProblem::AmountInvalid => "__amount_bad",
            OrderProblem::CustomerMissing => "__customer_missing",
            OrderProblem::Ragged => "__ragged",
        }
    }

    pub fn column(self, spec: &OrderSpec) -> Option<String> {
        match self {
            OrderProblem::Duplicate => spec.order.clone(),
            OrderProblem::DateInvalid | OrderProblem::DateMissing => Some(spec.ordered.clone()),
            OrderProblem::AmountInvalid => spec.amount.clone(),
            OrderProblem::CustomerMissing => spec.customer.clone(),
            OrderProblem::Ragged => None,
        }
    }
}

/// The orders read once: one row per order with its customer, day number, period index and
/// amount, plus problem flags and the raw columns for messages.
pub struct OrderRows {
    pub rows: DataFrame,
    pub period: Period,
    /// The period numbers of the first and last day among the rows (up to the as-of date),
    /// when any row has a date.
    pub periods: Option<(i64, i64)>,
}

/// Reads the orders (up to and including `as_of`): once when dates are `2026-10-03…` and
/// amounts plain numbers, otherwise again with every form.
pub fn read_orders(data: &Dataset, spec: &OrderSpec, period: Period, as_of: NaiveDate) -> Result<OrderRows> {
    let quick = read_orders_with(data, spec, period, as_of, true)?;
    let mut unread = 0.0;
    for flag in ["__date_bad", "__amount_bad"] {
        if let Ok(c) = quick.rows.column(flag) {
            unread += c.cast(&DataType::Float64)?.f64()?.sum().unwrap_or(0.0);
        }
    }
    if unread == 0.0 {
        return Ok(quick);
    }
    drop(quick);
    read_orders_with(data, spec, period, as_of, false)
}

fn read_orders_with(data: &Dataset, spec: &OrderSpec, period: Period, as_of: NaiveDate, quick: bool) -> Result<OrderRows> {
    let day = if quick { clean::date_quick(&spec.ordered) } else { clean::date(&spec.ordered).value };
    // Parsed first; the flags then read the parsed columns.
    let mut columns = vec![
        col(ROW),
        day.alias("__day"),
        customer_text(spec).alias("__customer"),
        order_id(spec).alias("__id"),
        data.ragged_flag().unwrap_or(lit(false)).alias("__ragged"),
        col(spec.ordered.as_str()).cast(DataType::String),
    ];
    let mut flags = vec![
        clean::answered(&spec.ordered, quick).and(col("__day").is_null()).alias("__date_bad"),
        clean::answered(&spec.ordered, quick).not().alias("__date_missing"),
        col("__customer").is_null().alias("__customer_missing"),
    ];
    match &spec.amount {
        Some(h) => {
            columns.push(amount_value(h, quick).alias("__amount"));
            columns.push(col(h.as_str()).cast(DataType::String));
            flags.push(if quick {
                clean::answered(h, true).and(col("__amount").is_null()).alias("__amount_bad")
            } else {
                clean::amount(h).invalid.alias("__amount_bad")
            });
        }
        None => columns.push(lit(NULL).cast(DataType::Float64).alias("__amount")),
    }
    for h in [&spec.order, &spec.customer].into_iter().flatten() {
        if h != &spec.ordered && Some(h) != spec.amount.as_ref() {
            columns.push(col(h.as_str()).cast(DataType::String));
        }
    }
    // The raw text is needed only for the flags; problem messages read it again from the file.
    let mut kept: Vec<Expr> =
        [ROW, "__day", "__customer", "__id", "__ragged", "__amount", "__date_bad", "__date_missing", "__customer_missing"]
            .into_iter()
            .map(col)
            .collect();
    if spec.amount.is_some() {
        kept.push(col("__amount_bad"));
    }
    let every = data.collect_rows(data.lazy_with_rows().select(columns).with_columns(flags).select(kept))?;
    // Duplicates are found among all rows, then rows after `as_of` are left out. By default
    // `as_of` is the last order's day: the filter is skipped when no row is later, as it would
    // copy every column only to keep them all.
    let checked = Checked::of(data, &every)?;
    let mut rows = data.collect(every.lazy().with_column(checked.duplicates()))?.drop("__id")?.lazy();
    let (first, last) = (checked.first, checked.last);
    let d = col("__day");
    if last.is_some_and(|last| last > as_of) {
        rows = rows.filter(d.clone().is_null().or(d.lt_eq(lit(as_of))));
    }
    let rows = rows.with_columns([checked.period(period).alias("__p")]);
    let mut rows = data.collect(rows)?;
    rows.rechunk_mut();
    let periods = first.zip(last.map(|last| last.min(as_of))).map(|(f, l)| (period_index_of(f, period), period_index_of(l, period)));
    Ok(OrderRows { rows, period, periods })
}

/// Rows with each problem.
pub fn order_problem_counts(data: &Dataset, orders: &OrderRows) -> Result<Vec<(OrderProblem, u64)>> {
    let present: Vec<OrderProblem> = OrderProblem::ALL.into_iter().filter(|p| orders.rows.get_column_index(p.flag()).is_some()).collect();
    let df = data.collect(
        orders
            .rows
            .clone()
            .lazy()
            .select(present.iter().map(|p| col(p.flag()).cast(DataType::Float64).sum().alias(p.flag())).collect::<Vec<_>>()),
    )?;
    present.into_iter().map(|p| Ok((p, f64_at(&df, p.flag(), 0)? as u64))).collect()
}

/// The first rows with `problem`: (row number, raw value of `column`).
pub fn order_problem_examples(
    data: &Dataset,
    orders: &OrderRows,
    problem: OrderProblem,
    column: &str,
    limit: u32,
) -> Result<Vec<(u64, String)>> {
    data.examples_from_input(orders.rows.clone().lazy().filter(col(problem.flag())), column, limit)
}

/// The purchases: valid date, a customer, not a repeated id, not a refund.
pub fn purchases(orders: &OrderRows) -> LazyFrame {
    orders.rows.clone().lazy().filter(
        col("__day")
            .is_not_null()
            .and(col("__customer").is_not_null())
            .and(col("__dup").not())
            .and(col("__amount").lt(lit(0.0)).fill_null(lit(false)).not()),
    )
}

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
}

/// What the repeat table is computed from: per period the purchases (`orders`, `valued`,
/// `revenue`) and refunds (`refunds`, `refund_amount`), and the customer and period of each
/// purchase (`buys`; after a merge, each distinct pair once). Period numbers are in `__p`.
/// Made once ([`repeat_base`]) for both the table and the partial results.
pub struct RepeatBase {
    per_period: LazyFrame,
    refunds: LazyFrame,
    buys: LazyFrame,
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
    RepeatBase { per_period, refunds, buys: buys.select([col("__customer"), col("__p")]), periods: orders.periods }
}

/// One period's share of the repeat table in a form that adds up across shards (what
/// `repeat --emit-partials` writes): purchase and refund sums, and the distinct customers who
/// bought in it, ascending.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RepeatSums {
    pub orders: f64,
    pub valued_orders: f64,
    pub revenue: f64,
    pub refunds: f64,
    pub refund_amount: f64,
    pub customers: Vec<String>,
}

impl std::ops::AddAssign for RepeatSums {
    fn add_assign(&mut self, o: Self) {
        self.orders += o.orders;
        self.valued_orders += o.valued_orders;
        self.revenue += o.revenue;
        self.refunds += o.refunds;
        self.refund_amount += o.refund_amount;
        join_ids(&mut self.customers, o.customers);
    }
}

/// Each period's [`RepeatSums`], by period number.
pub fn repeat_sums(data: &Dataset, base: &RepeatBase) -> Result<Vec<(i64, RepeatSums)>> {
    let pairs = data.collect_reduced(distinct_pairs(&base.buys))?.lazy();
    let customers = pairs.group_by([col("__p")]).agg([col("__customer").sort(SortOptions::default()).alias("__customers")]);
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
            };
            Ok((index.get(i).unwrap_or(0), sums))
        })
        .collect()
}

/// The repeat table from merged [`RepeatSums`], as [`repeat_table`] computes it from the rows
/// (no purchase window: it needs each customer's orders).
pub fn repeat_table_of_sums(sums: &[(i64, RepeatSums)], period: Period, as_of: NaiveDate) -> Result<Vec<RepeatRow>> {
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
    let pair_index: Vec<i64> = sums.iter().flat_map(|(k, s)| std::iter::repeat_n(*k, s.customers.len())).collect();
    let pair_customers: Vec<&str> = sums.iter().flat_map(|(_, s)| s.customers.iter().map(String::as_str)).collect();
    let pairs =
        DataFrame::new(pair_index.len(), vec![Column::new("__customer".into(), pair_customers), Column::new("__p".into(), pair_index)])?;
    let base = RepeatBase { per_period, refunds, buys: pairs.lazy(), periods: None };
    let collect = |q: LazyFrame| Ok(q.collect()?);
    repeat_rows(&collect, &collect, &base, None, period, as_of)
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
}

/// [`Activity`] from the customer and period of each purchase (`__customer`, `__p`): by each
/// customer's word of periods within [`words::MAX_PERIODS`] periods (five years of months),
/// else by the distinct (customer, period) pairs. Both give the same counts (tested). The span
/// is `periods` (of all orders read, so at least that of the purchases) when it fits a word,
/// else the purchases' own.
fn customer_activity(buys: &LazyFrame, periods: Option<(i64, i64)>, collect: &Collect, reduce: &Collect) -> Result<Activity> {
    let span = match periods.and_then(words::fits) {
        Some(span) => Some(span),
        None => words::span(buys, "__p", collect)?,
    };
    let Some(span) = span else {
        return activity_by_pairs(buys, collect, reduce);
    };
    Ok(activity_of_words(&words::count(buys.clone(), "__customer", "__p", span, collect, reduce)?))
}

/// [`Activity`] from the counts of [`words::count`]; the periods of the span without a purchase
/// are not in the table.
fn activity_of_words(w: &words::WordCounts) -> Activity {
    let mut activity = Activity::default();
    for (i, &active) in w.active.iter().enumerate() {
        let p = w.first + i as i64;
        if active > 0.0 {
            activity.active.insert(p, active);
        }
        activity.new.insert(p, w.new[i]);
        activity.retained.insert(p, w.retained[i]);
    }
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
    let active: HashMap<i64, f64> = by_period(&reduce(active)?, "active")?.into_iter().collect();
    let new = by_period(&reduce(new)?, "new")?.into_iter().collect();
    let retained = by_period(&collect(union)?, "union")?
        .into_iter()
        .filter(|(p, _)| active.contains_key(p))
        .map(|(p, union)| (p, active[&p] + active.get(&(p - 1)).copied().unwrap_or(0.0) - union))
        .collect();
    Ok(Activity { active, new, retained })
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
    let activity = customer_activity(&base.buys, base.periods, collect, reduce)?;
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
        });
    }
    Ok(rows)
}

/// Cohort retention: for each first-purchase period, its customers and how many were active
/// 0, 1, 2, … periods later.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub period: String,
    pub index: i64,
    pub customers: f64,
    /// Active customers by periods since the first purchase (index 0 = the cohort itself).
    pub active: Vec<f64>,
}

pub fn cohorts(data: &Dataset, orders: &OrderRows, as_of: NaiveDate) -> Result<Vec<Cohort>> {
    let buys = purchases(orders);
    let firsts = buys.clone().group_by([col("__customer")]).agg([col("__p").min().alias("__first_p")]);
    let q = buys
        .select([col("__customer"), col("__p")])
        .unique(None, UniqueKeepStrategy::Any)
        .join(firsts, [col("__customer")], [col("__customer")], JoinArgs::new(JoinType::Inner))
        .group_by([col("__first_p"), (col("__p") - col("__first_p")).alias("__since")])
        .agg([len().cast(DataType::Float64).alias("n")]);
    let df = data.collect(q)?;
    let first = df.column("__first_p")?.cast(&DataType::Int64)?;
    let since = df.column("__since")?.cast(&DataType::Int64)?;
    let (first, since) = (first.i64()?, since.i64()?);
    let last = period_index_of(as_of, orders.period);
    let mut out: Vec<Cohort> = Vec::new();
    for i in 0..df.height() {
        let (f, s) = (first.get(i).unwrap_or(0), since.get(i).unwrap_or(0));
        let n = f64_at(&df, "n", i)?;
        let pos = match out.iter().position(|c| c.index == f) {
            Some(p) => p,
            None => {
                let width = (last - f + 1).max(1) as usize;
                out.push(Cohort { period: index_label(f, orders.period), index: f, customers: 0.0, active: vec![0.0; width] });
                out.len() - 1
            }
        };
        let c = &mut out[pos];
        if (s as usize) < c.active.len() {
            c.active[s as usize] = n;
        }
        if s == 0 {
            c.customers = n;
        }
    }
    out.sort_by_key(|c| c.index);
    Ok(out)
}

/// RFM scores of one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmCustomer {
    pub customer: String,
    pub recency_days: i64,
    pub frequency: i64,
    pub monetary: f64,
    pub r: i64,
    pub f: i64,
    pub m: i64,
    pub segment: &'static str,
}

/// The named RFM segments, in the order they are shown.
pub const SEGMENTS: [&str; 6] = ["champions", "loyal", "potential", "at risk", "hibernating", "lost"];

/// The segment of R and F scores (first rule that matches): champions R≥4 and F≥4; loyal R≥3 and
/// F≥3; potential R≥3; at risk F≥3; hibernating R=2; lost R=1.
pub fn segment(r: i64, f: i64) -> &'static str {
    if r >= 4 && f >= 4 {
        "champions"
    } else if r >= 3 && f >= 3 {
        "loyal"
    } else if r >= 3 {
        "potential"
    } else if f >= 3 {
        "at risk"
    } else if r == 2 {
        "hibernating"
    } else {
        "lost"
    }
}

/// Quintile score 1–5 of a value: ⌈5 × r / n⌉ where r is 1 + the number of customers with a worse
/// value (the lowest rank of its ties), so ties share the score of the lowest of them: when 60% of
/// customers bought once, they all score F = 1. For recency, smaller is better.
fn quintile(value: Expr, higher_is_better: bool) -> Expr {
    let (v, descending) = (value, !higher_is_better);
    let rank = v.rank(RankOptions { method: RankMethod::Min, descending }, None).cast(DataType::Int64);
    let n = len().cast(DataType::Int64);
    // ⌈5·rank/n⌉ = ⌊(5·rank + n − 1)/n⌋, in integers.
    let x = lit(5i64) * rank + n.clone() - lit(1i64);
    ((x.clone() - x % n.clone()).cast(DataType::Float64) / n.cast(DataType::Float64)).cast(DataType::Int64)
}

/// RFM per customer as of `as_of`: recency in days since the last purchase, frequency in
/// purchases, monetary in revenue; each scored 1–5 by quintile.
pub fn rfm(data: &Dataset, orders: &OrderRows, as_of: NaiveDate) -> Result<Vec<RfmCustomer>> {
    let q = purchases(orders)
        .group_by([col("__customer")])
        .agg([
            (lit(as_of) - col("__day").max()).dt().total_days(false).alias("recency"),
            len().cast(DataType::Int64).alias("frequency"),
            col("__amount").sum().alias("monetary"),
        ])
        .with_columns([
            quintile(col("recency"), false).alias("r"),
            quintile(col("frequency"), true).alias("f"),
            quintile(col("monetary"), true).alias("m"),
        ])
        .sort(["__customer"], SortMultipleOptions::default());
    let df = data.collect_in_memory(q)?;
    let ints = |name: &str| -> Result<Vec<i64>> {
        let c = df.column(name)?.cast(&DataType::Int64)?;
        let c = c.i64()?;
        Ok((0..c.len()).map(|i| c.get(i).unwrap_or(0)).collect())
    };
    let (recency, frequency, r, f, m) = (ints("recency")?, ints("frequency")?, ints("r")?, ints("f")?, ints("m")?);
    let customers = df.column("__customer")?.str()?;
    (0..df.height())
        .map(|i| {
            Ok(RfmCustomer {
                customer: customers.get(i).unwrap_or("").to_string(),
                recency_days: recency[i],
                frequency: frequency[i],
                monetary: f64_at(&df, "monetary", i)?,
                r: r[i],
                f: f[i],
                m: m[i],
                segment: segment(r[i], f[i]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_frame(ids: &[Option<&str>]) -> (bool, Vec<bool>) {
        let spec = OrderSpec { order: Some("id".into()), customer: None, ordered: "d".into(), amount: None };
        let df = DataFrame::new(ids.len(), vec![Series::new("id".into(), ids.to_vec()).into()]).unwrap();
        let out = df
            .lazy()
            .with_column(order_id(&spec).alias("__id"))
            .select([ascends().all(true).alias("a"), clean::repeated("id").alias("r")])
            .collect()
            .unwrap();
        let all = out.column("a").unwrap().bool().unwrap().get(0).unwrap();
        (all, out.column("r").unwrap().bool().unwrap().iter().map(|r| r.unwrap_or(false)).collect())
    }

    #[test]
    fn ascending_ids_skip_the_hash_test_only_when_none_repeats() {
        // Sorted, with blanks and padding between: no id repeats, and the check says so.
        assert_eq!(ids_frame(&[Some("O1"), Some(""), None, Some(" O2 "), Some("O3")]), (true, vec![false; 5]));
        // The same id after a blank, and after padding: compared with the last id given.
        assert!(!ids_frame(&[Some("O1"), Some(" "), Some("O1")]).0);
        assert!(!ids_frame(&[Some("O1"), Some(" O1")]).0);
        // Out of order without repeats: the hash test runs (and finds none).
        assert_eq!(ids_frame(&[Some("O2"), Some("O1")]), (false, vec![false, false]));
    }

    proptest::proptest! {
        /// Whenever the ids read as ascending, no id is repeated: the fast path never hides a
        /// duplicate the hash test would find.
        #[test]
        fn ascending_ids_never_repeat(ids in proptest::collection::vec(proptest::option::of("( |)[ab]{0,2}( |)"), 1..12)) {
            let refs: Vec<Option<&str>> = ids.iter().map(|s| s.as_deref()).collect();
            let (ascending, repeated) = ids_frame(&refs);
            if ascending {
                proptest::prop_assert!(repeated.iter().all(|r| !r), "{ids:?}");
            }
        }
    }

    /// Purchases as (customer, period) rows, and their [`Activity`] counted both ways.
    fn activities(buys: &[(&str, i64)]) -> (Activity, Activity) {
        let df = df!(
            "__customer" => buys.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            "__p" => buys.iter().map(|(_, p)| *p).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy();
        let collect = |q: LazyFrame| Ok(q.collect()?);
        let span = words::span(&df, "__p", &collect).unwrap().expect("a span of at most 64 periods");
        let counted = words::count(df.clone(), "__customer", "__p", span, &collect, &collect).unwrap();
        (activity_of_words(&counted), activity_by_pairs(&df, &collect, &collect).unwrap())
    }

    fn sorted(counts: &HashMap<i64, f64>) -> Vec<(i64, f64)> {
        let mut v: Vec<(i64, f64)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    #[test]
    fn customer_activity_worked_by_hand() {
        // Periods 10 to 13. A buys in 10 (twice) and 11; B in 11 and 13; C in 13 only; nobody
        // in 12. Active: 10 {A} 1, 11 {A, B} 2, 13 {B, C} 2 (12 is not a period of the table).
        // New: A in 10, B in 11, C in 13. Retained: 11 has A from 10 → 1; 13 has nobody from 12.
        let (words, pairs) = activities(&[("A", 10), ("B", 11), ("A", 11), ("A", 10), ("C", 13), ("B", 13)]);
        assert_eq!(sorted(&words.active), vec![(10, 1.0), (11, 2.0), (13, 2.0)]);
        assert_eq!(sorted(&words.new), vec![(10, 1.0), (11, 1.0), (12, 0.0), (13, 1.0)]);
        assert_eq!(words.retained[&11], 1.0);
        assert_eq!(words.retained[&13], 0.0);
        assert_eq!(sorted(&pairs.active), sorted(&words.active));
        assert_eq!(pairs.retained[&11], 1.0);
        // 64 periods fit one word: the top bit is period 63 (lowest and retained there too).
        let (words, pairs) = activities(&[("A", 0), ("A", 62), ("A", 63), ("B", 63)]);
        assert_eq!((words.active[&63], words.new[&63], words.retained[&63]), (2.0, 1.0, 1.0));
        assert_eq!((pairs.active[&63], pairs.new[&63], pairs.retained[&63]), (2.0, 1.0, 1.0));
    }

    proptest::proptest! {
        /// The word of periods per customer gives the same active, new and retained customers
        /// as the distinct (customer, period) pairs, in every period with a purchase.
        #[test]
        fn activity_words_count_as_the_pairs_do(
            buys in proptest::collection::vec((0usize..6, 0i64..64), 1..80),
            first in -30i64..30,
        ) {
            let names = ["a", "b", "c", "d", "e", "f"];
            let buys: Vec<(&str, i64)> = buys.iter().map(|(c, p)| (names[*c], first + p)).collect();
            let (words, pairs) = activities(&buys);
            proptest::prop_assert_eq!(sorted(&words.active), sorted(&pairs.active));
            for p in words.active.keys() {
                let (w, q) = ((words.new.get(p), words.retained[p]), (pairs.new.get(p).or(Some(&0.0)), pairs.retained[p]));
                proptest::prop_assert_eq!(w, q, "period {}", p);
            }
        }
    }

    #[test]
    fn segments_follow_the_rules() {
        assert_eq!(segment(5, 5), "champions");
        assert_eq!(segment(4, 3), "loyal");
        assert_eq!(segment(3, 3), "loyal");
        assert_eq!(segment(5, 1), "potential");
        assert_eq!(segment(2, 5), "at risk");
        assert_eq!(segment(1, 3), "at risk");
        assert_eq!(segment(2, 2), "hibernating");
        assert_eq!(segment(1, 1), "lost");
    }

    #[test]
    fn quintiles_share_ties() {
        // Values 1,1,1,2,3,4,5,6,7,8 (n = 10): lowest ranks 1,1,1,4,5,…,10; ⌈5r/10⌉ = ⌈r/2⌉:
        // the three 1s → 1; 2 → 2; 3 → ⌈2.5⌉ = 3; 4 → 3; 5 → ⌈3.5⌉ = 4; 6 → 4; 7 → 5; 8 → 5.
        let s = Series::new("v".into(), vec![1i64, 1, 1, 2, 3, 4, 5, 6, 7, 8]);
        let df = DataFrame::new(10, vec![s.into()]).unwrap();
        let out = df.lazy().select([quintile(col("v"), true).alias("q"), quintile(col("v"), false).alias("r")]).collect().unwrap();
        let q: Vec<i64> = out.column("q").unwrap().i64().unwrap().into_no_null_iter().collect();
        assert_eq!(q, vec![1, 1, 1, 2, 3, 3, 4, 4, 5, 5]);
        // Smaller is better: ranks from the top: 8 → 1, 7 → 2, …, 2 → 7, the 1s → 8.
        // Scores ⌈r/2⌉: the 1s → 4; 2 → ⌈3.5⌉ = 4; 3 → 3; 4 → 3; 5 → 2; 6 → 2; 7 → 1; 8 → 1.
        let r: Vec<i64> = out.column("r").unwrap().i64().unwrap().into_no_null_iter().collect();
        assert_eq!(r, vec![4, 4, 4, 4, 3, 3, 2, 2, 1, 1]);
    }
}
