//! Orders: the purchases read once (customer, day, amount; refunds and repeated ids flagged),
//! their counts per period (the denominators of complaint rates), and the problems found.
//! Repeat-purchase rates are in `repeat`, cohorts and RFM segments in `cohorts`.
//!
//! Every order is read once into a small frame (customer, day, amount); the measures are
//! aggregations and joins on it. A negative amount is a refund: it is not a purchase (no order,
//! no customer activity, no revenue) and is counted on its own.

pub mod clv;
pub mod cohorts;
pub mod repeat;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{f64_at, strings_at, Dataset, ROW};
use crate::metrics::grouping::{Group, Grouping, Levels};
use crate::metrics::period::{period_index, period_index_between, period_index_of, Period};

/// Which columns hold the order's id, customer, date and amount.
#[derive(Debug, Clone)]
pub struct OrderSpec {
    pub order: Option<String>,
    pub customer: Option<String>,
    pub ordered: String,
    pub amount: Option<String>,
    /// The amounts are written with a decimal comma (`1.234,50`).
    pub amount_comma: bool,
    /// How dates written with the year last (`03.10.2026`) read (`--date-order`); `None`: from
    /// the values, where the quick reader finds dates it cannot read.
    pub date_order: Option<clean::DateOrder>,
    /// A column kept with each order as text, `__by` (`clv --by`).
    pub by: Option<String>,
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

/// Whether the ids `__id` never go back, blank ids aside: each sorts on or after the last id
/// above it, as text, or (numbers that grow a digit: O99999, O100000) by length and then as
/// text. Where that holds (an export in order of its ids, as most are), a repeated id is on the
/// rows right after its first one, in either order, and the ids need not be hashed: comparing
/// each with the one before is much cheaper (BENCHMARKS.md, "What changed between the 97ef513
/// and 491a919 runs", and "CLV").
fn in_order() -> Expr {
    // Blank ids are left out, so each id is compared with the last id above it (no copy of the
    // column with the gaps filled forward).
    let ids = col("__id").drop_nulls();
    let before = ids.clone().shift(lit(1));
    let as_text = ids.clone().gt_eq(before.clone()).fill_null(lit(true)).all(true);
    let (length, length_before) = (ids.clone().str().len_bytes(), before.clone().str().len_bytes());
    let by_length =
        length.clone().gt(length_before.clone()).or(length.eq(length_before).and(ids.gt_eq(before))).fill_null(lit(true)).all(true);
    as_text.or(by_length)
}

/// In ids that are [`in_order`]: true on a row whose id equals the last id above it, which is
/// then what [`clean::seen_before`] finds.
fn repeats_in_order() -> Expr {
    let id = col("__id");
    let before = id.clone().fill_null_with_strategy(FillNullStrategy::Forward(None)).shift(lit(1));
    id.clone().is_not_null().and(id.eq(before).fill_null(lit(false)))
}

/// What one pass over the read rows finds: whether their ids are in order (see [`in_order`]),
/// and the first and last day `__day`.
struct Checked {
    in_order: bool,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

impl Checked {
    fn of(data: &Dataset, rows: &DataFrame) -> Result<Checked> {
        let d = col("__day");
        let query = rows.clone().lazy().select([
            in_order().alias("in_order"),
            d.clone().min().cast(DataType::Int32).alias("first"),
            d.max().cast(DataType::Int32).alias("last"),
        ]);
        let check = data.collect(query)?;
        let day_at =
            |name: &str| -> Result<Option<NaiveDate>> { Ok(check.column(name)?.i32()?.get(0).and_then(NaiveDate::from_epoch_days)) };
        let in_order = check.column("in_order")?.bool()?.get(0).unwrap_or(false);
        Ok(Checked { in_order, first: day_at("first")?, last: day_at("last")? })
    }

    /// `__dup`: true on a row whose id `__id` ([`order_id`]) an earlier row has, as
    /// [`clean::seen_before`] finds it (the first row of each id is kept). The ids are hashed
    /// only when they are not in order.
    fn duplicates(&self) -> Expr {
        let dup = if self.in_order { repeats_in_order() } else { clean::seen_before(col("__id")) };
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

/// The amount as read: the plain numbers of the quick first pass, or every form; amounts with a
/// decimal comma always with their own reader (the quick one would take `1.234` for 1.234).
fn amount_value(spec: &OrderSpec, header: &str, quick: bool) -> Expr {
    if quick && !spec.amount_comma {
        clean::amount_quick(header)
    } else {
        clean::amount_in(header, spec.amount_comma).value
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
            lf = lf.with_column(amount_value(spec, a, quick).alias("__amount"));
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
    let date_order = match spec.date_order {
        Some(order) => Some(order),
        None => crate::metrics::grouping::detect_date_order(data, &spec.ordered)?,
    };
    read_orders_with(data, &OrderSpec { date_order, ..spec.clone() }, period, as_of, false)
}

fn read_orders_with(data: &Dataset, spec: &OrderSpec, period: Period, as_of: NaiveDate, quick: bool) -> Result<OrderRows> {
    let day = if quick { clean::date_quick(&spec.ordered) } else { clean::date_in(&spec.ordered, spec.date_order).value };
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
            columns.push(amount_value(spec, h, quick).alias("__amount"));
            columns.push(col(h.as_str()).cast(DataType::String));
            flags.push(if quick {
                clean::answered(h, true).and(col("__amount").is_null()).alias("__amount_bad")
            } else {
                clean::amount_in(h, spec.amount_comma).invalid.alias("__amount_bad")
            });
        }
        None => columns.push(lit(NULL).cast(DataType::Float64).alias("__amount")),
    }
    for h in [&spec.order, &spec.customer].into_iter().flatten() {
        if h != &spec.ordered && Some(h) != spec.amount.as_ref() {
            columns.push(col(h.as_str()).cast(DataType::String));
        }
    }
    if let Some(h) = &spec.by {
        columns.push(col(h.as_str()).cast(DataType::String).alias("__by"));
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
    if spec.by.is_some() {
        kept.push(col("__by"));
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

/// The latest purchase day (None without purchases).
pub fn latest_purchase(data: &Dataset, orders: &OrderRows) -> Result<Option<NaiveDate>> {
    let df = data.collect(purchases(orders).select([col("__day").max()]))?;
    let days = df.column("__day")?.cast(&DataType::Int32)?;
    Ok(days.i32()?.get(0).map(|d| NaiveDate::from_epoch_days(d).unwrap_or(NaiveDate::MAX)))
}

/// The orders counted as purchases or refunds (a valid date and a customer, not a repeated id)
/// and how many of them have an amount that is not a number (`__amount_bad`); (0, 0) without
/// an amount column.
pub fn unreadable_amounts(data: &Dataset, orders: &OrderRows) -> Result<(u64, u64)> {
    if orders.rows.get_column_index("__amount_bad").is_none() {
        return Ok((0, 0));
    }
    let counted = col("__day").is_not_null().and(col("__customer").is_not_null()).and(col("__dup").not());
    let df = data.collect(
        orders
            .rows
            .clone()
            .lazy()
            .filter(counted)
            .select([col("__amount_bad").cast(DataType::Float64).sum().alias("bad"), len().cast(DataType::Float64).alias("all")]),
    )?;
    Ok((f64_at(&df, "bad", 0)? as u64, f64_at(&df, "all", 0)? as u64))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the ids read as in order, the repeats found by comparing neighbours, and by hashing.
    fn ids_frame(ids: &[Option<&str>]) -> (bool, Vec<bool>, Vec<bool>) {
        let spec = OrderSpec {
            order: Some("id".into()),
            customer: None,
            ordered: "d".into(),
            amount: None,
            amount_comma: false,
            date_order: None,
            by: None,
        };
        let df = DataFrame::new(ids.len(), vec![Series::new("id".into(), ids.to_vec()).into()]).unwrap();
        let out = df
            .lazy()
            .with_column(order_id(&spec).alias("__id"))
            .select([in_order().alias("a"), repeats_in_order().alias("n"), clean::repeated("id").alias("r")])
            .collect()
            .unwrap();
        let all = out.column("a").unwrap().bool().unwrap().get(0).unwrap();
        let flags = |c: &str| out.column(c).unwrap().bool().unwrap().iter().map(|r| r.unwrap_or(false)).collect();
        (all, flags("n"), flags("r"))
    }

    #[test]
    fn ids_in_order_skip_the_hash_test_and_find_the_same_repeats() {
        // Sorted, with blanks and padding between: no id repeats, and the check says so.
        assert_eq!(ids_frame(&[Some("O1"), Some(""), None, Some(" O2 "), Some("O3")]), (true, vec![false; 5], vec![false; 5]));
        // The same id after a blank, and after padding: compared with the last id given.
        let twice = vec![false, false, true];
        assert_eq!(ids_frame(&[Some("O1"), Some(" "), Some("O1")]), (true, twice.clone(), twice));
        assert_eq!(ids_frame(&[Some("O1"), Some(" O1")]), (true, vec![false, true], vec![false, true]));
        // Numbers that grow a digit are in order too.
        assert_eq!(ids_frame(&[Some("O9"), Some("O10"), Some("O10"), Some("O11")]).1, vec![false, false, true, false]);
        assert!(ids_frame(&[Some("O9"), Some("O10"), Some("O10"), Some("O11")]).0);
        // Out of order: the hash test runs, and finds the repeat the neighbours do not show.
        let (in_order, _, hashed) = ids_frame(&[Some("O2"), Some("O1"), Some("O2")]);
        assert_eq!((in_order, hashed), (false, vec![false, false, true]));
    }

    proptest::proptest! {
        /// Whenever the ids read as in order, comparing neighbours finds exactly the repeats the
        /// hash test finds: the fast path never hides a duplicate.
        #[test]
        fn ids_in_order_repeat_where_the_hash_test_says(ids in proptest::collection::vec(proptest::option::of("( |)[ab]{0,2}( |)"), 1..12)) {
            let refs: Vec<Option<&str>> = ids.iter().map(|s| s.as_deref()).collect();
            let (in_order, neighbours, hashed) = ids_frame(&refs);
            if in_order {
                proptest::prop_assert_eq!(neighbours, hashed, "{:?}", ids);
            }
        }

        /// Sorted ids (so in order) with repeats: the same check on inputs that take the fast
        /// path, sorted as text or as numbers (O9 before O10).
        #[test]
        fn sorted_ids_with_repeats(mut ids in proptest::collection::vec(0u32..200, 1..12), as_numbers: bool) {
            ids.sort();
            let mut ids: Vec<String> = ids.iter().map(|n| format!("O{n}")).collect();
            if !as_numbers {
                ids.sort();
            }
            let refs: Vec<Option<&str>> = ids.iter().map(|s| Some(s.as_str())).collect();
            let (in_order, neighbours, hashed) = ids_frame(&refs);
            proptest::prop_assert!(in_order);
            proptest::prop_assert_eq!(neighbours, hashed, "{:?}", ids);
        }
    }
}
