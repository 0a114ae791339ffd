//! Satisfaction → loyalty: each surveyed customer's first response in scope, linked to the
//! purchases they made in the window after it, summed per NPS group and per CSAT box.

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use crate::input::clean;
use crate::input::frame::{f64_at, Dataset, ROW};
use crate::metrics::satisfaction::ScoreColumn;
use crate::metrics::{count_where, exact_at, exact_sum, exact_value};
use crate::stats::intervals::{mean_t_interval, Interval, Share};
use crate::stats::logistic::{fit, likelihood_ratio, Cell, NoFit, Test};
use crate::stats::significance::{chi_square, ChiSquare};

/// Which response columns to read and how the window is set.
#[derive(Debug, Clone)]
pub struct LoyaltySpec {
    pub customer: String,
    pub date: String,
    pub nps: Option<ScoreColumn>,
    pub csat: Option<ScoreColumn>,
    /// Lowest CSAT score counted as satisfied.
    pub csat_top_min: i64,
    pub na_values: Vec<String>,
    pub labels: Vec<(String, f64)>,
    pub window_days: i64,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The last day of order data: customers whose window ends later are left out.
    pub as_of: NaiveDate,
    /// Response columns to adjust the test of satisfaction against ordering again for
    /// (`--adjust-for`): each customer's value in their first response.
    pub covariates: Vec<String>,
}

/// Sums over the customers of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoyaltyCounts {
    pub customers: f64,
    /// Customers with at least one purchase in the window.
    pub reordered: f64,
    /// Purchases in the window, and Σ purchases² (per customer), for the mean and its interval.
    pub orders: f64,
    pub orders_sq: f64,
    pub revenue: f64,
    pub revenue_sq: f64,
}

/// The linked result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loyalty {
    /// Responses in scope with a valid date and score but no customer id (cannot be linked).
    pub no_customer: f64,
    /// Customers whose window had not ended by the as-of date (left out).
    pub censored: f64,
    /// Every customer whose window is complete.
    pub all: LoyaltyCounts,
    /// (group, counts) in the order promoters, passives, detractors (NPS) and satisfied,
    /// neutral, dissatisfied (CSAT); empty when the score is not mapped.
    pub nps: Vec<(&'static str, LoyaltyCounts)>,
    pub csat: Vec<(&'static str, LoyaltyCounts)>,
    /// With covariates: the adjusted test of the NPS groups and of the CSAT boxes.
    pub nps_adjusted: Option<Adjusted>,
    pub csat_adjusted: Option<Adjusted>,
}

/// The test of a measure's groups against ordering again, adjusted for covariates: the
/// likelihood-ratio test of the groups in a logistic regression of ordering again on the groups
/// and the covariates (as factors), against the covariates alone, and each group's adjusted odds
/// ratio against the lowest group (detractors, dissatisfied) with its Wald interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjusted {
    pub test: Result<Test, NoFit>,
    /// (group, odds ratio, interval) for the groups other than the reference.
    pub odds: Vec<(&'static str, f64, Interval)>,
    pub reference: &'static str,
    /// Customers in the model, and those left out for a blank covariate.
    pub customers: f64,
    pub left_out: f64,
}

pub const NPS_GROUPS: [&str; 3] = ["promoters", "passives", "detractors"];
pub const CSAT_BOXES: [&str; 3] = ["satisfied", "neutral", "dissatisfied"];

fn day_number(e: Expr) -> Expr {
    e.cast(DataType::Int32)
}

fn score(column: &Option<ScoreColumn>, na: &[String], labels: &[(String, f64)]) -> Expr {
    match column {
        Some(c) => clean::score(&c.header, c.scale, na, Some(labels)).value,
        None => lit(NULL).cast(DataType::Float64),
    }
}

/// Each customer's first response in scope (valid date and at least one valid score), with the
/// day number `__s`, in memory, and the count of such responses without a customer id: one
/// pass over the file. Of a customer's responses on one day, the first is the earliest by its
/// time of day, then the first in the file: the same whatever the order of the rows.
fn first_responses(responses: &Dataset, spec: &LoyaltySpec) -> Result<(LazyFrame, f64)> {
    let date = clean::date(&spec.date).value;
    let mut scope = col("__sday").is_not_null().and(col("__nps").is_not_null().or(col("__csat").is_not_null()));
    if let Some(from) = spec.from {
        scope = scope.and(col("__sday").gt_eq(lit(from)));
    }
    if let Some(to) = spec.to {
        scope = scope.and(col("__sday").lt_eq(lit(to)));
    }
    let mut columns = vec![
        clean::given(&spec.customer).alias("__customer"),
        date.alias("__sday"),
        clean::datetime(&spec.date).value.alias("__stime"),
        col(ROW),
        score(&spec.nps, &spec.na_values, &spec.labels).alias("__nps"),
        score(&spec.csat, &spec.na_values, &spec.labels).alias("__csat"),
    ];
    columns.extend(covariate_columns(spec));
    let rows = responses.lazy_with_rows().select(columns).filter(scope);
    let order = SortMultipleOptions::default().with_nulls_last(true).with_maintain_order(true);
    let by_day = |name: &str| col(name).sort_by([col("__sday"), col("__stime"), col(ROW)], order.clone()).first().alias(name);
    // The responses without a customer id form one group of their own (the null key).
    let mut firsts = vec![col("__sday").min().alias("__sday"), by_day("__nps"), by_day("__csat")];
    firsts.extend((0..spec.covariates.len()).map(|i| by_day(&format!("__cov{i}"))));
    firsts.push(len().cast(DataType::Float64).alias("__responses"));
    let per_customer = responses.collect(rows.group_by([col("__customer")]).agg(firsts))?;
    let unlinked =
        responses.collect(per_customer.clone().lazy().filter(col("__customer").is_null()).select([col("__responses").sum().alias("n")]))?;
    let first = per_customer.lazy().filter(col("__customer").is_not_null()).with_columns([day_number(col("__sday")).alias("__s")]);
    Ok((first, f64_at(&unlinked, "n", 0)?))
}

/// The covariates of `--adjust-for` as text (blank: null), `__cov0`, `__cov1`, ….
fn covariate_columns(spec: &LoyaltySpec) -> Vec<Expr> {
    spec.covariates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let t = clean::text(c);
            when(t.clone().eq(lit(""))).then(lit(NULL).cast(DataType::String)).otherwise(t).alias(format!("__cov{i}"))
        })
        .collect()
}

/// The adjusted test of `group`'s levels (`order`, the last the reference) against ordering
/// again, with the customers' covariates (see [`Adjusted`]): the customers are counted per
/// group and covariate levels, and the models fitted on those cells.
fn adjusted(linked: &DataFrame, group: Expr, order: &[&'static str], covariates: usize, data: &Dataset) -> Result<Adjusted> {
    let covs: Vec<String> = (0..covariates).map(|i| format!("__cov{i}")).collect();
    let mut keys = vec![col("__group")];
    keys.extend(covs.iter().map(|c| col(c.as_str())));
    let grouped = linked.clone().lazy().with_columns([group.alias("__group")]).filter(col("__group").is_not_null());
    let complete = covs.iter().fold(lit(true), |acc, c| acc.and(col(c.as_str()).is_not_null()));
    let left = data.collect(grouped.clone().select([count_where(complete.clone().not()).alias("n")]))?;
    let cells = data.collect(grouped.filter(complete).group_by(keys).agg([
        len().cast(DataType::Float64).alias("customers"),
        count_where(col("__orders").cast(DataType::Float64).gt(lit(0.0))).alias("reordered"),
    ]))?;
    let text = |name: &str, i: usize| -> Result<String> { Ok(cells.column(name)?.str()?.get(i).unwrap_or_default().to_string()) };
    // Levels of each covariate, sorted: the first is its reference.
    let mut levels: Vec<Vec<String>> = vec![Vec::new(); covariates];
    for (k, c) in covs.iter().enumerate() {
        for i in 0..cells.height() {
            levels[k].push(text(c, i)?);
        }
        levels[k].sort();
        levels[k].dedup();
    }
    let reference = *order.last().expect("groups");
    let present: Vec<&'static str> = order
        .iter()
        .copied()
        .filter(|g| *g != reference)
        .filter(|g| (0..cells.height()).any(|i| text("__group", i).is_ok_and(|t| t == *g)))
        .collect();
    let mut full = Vec::with_capacity(cells.height());
    let mut reduced = Vec::with_capacity(cells.height());
    let mut customers = 0.0;
    for i in 0..cells.height() {
        let mut x = vec![1.0];
        for (k, c) in covs.iter().enumerate() {
            let value = text(c, i)?;
            x.extend(levels[k][1..].iter().map(|l| f64::from(*l == value)));
        }
        let (n, yes) = (f64_at(&cells, "customers", i)?, f64_at(&cells, "reordered", i)?);
        customers += n;
        reduced.push(Cell { x: x.clone(), n, yes });
        let g = text("__group", i)?;
        x.extend(present.iter().map(|p| f64::from(*p == g)));
        full.push(Cell { x, n, yes });
    }
    let base = reduced.first().map_or(0, |c| c.x.len());
    let z = crate::stats::intervals::z_value(0.95);
    let fitted = fit(&full).and_then(|f| fit(&reduced).map(|r| (f, r)));
    let (test, odds) = match fitted {
        Ok((f, r)) => {
            let odds = present
                .iter()
                .enumerate()
                .map(|(j, g)| {
                    let (b, se) = (f.beta[base + j], f.covariance[(base + j, base + j)].sqrt());
                    (*g, b.exp(), Interval { low: (b - z * se).exp(), high: (b + z * se).exp() })
                })
                .collect();
            (likelihood_ratio(&f, &r, present.len() as f64).ok_or(NoFit::Collinear), odds)
        }
        Err(e) => (Err(e), Vec::new()),
    };
    Ok(Adjusted { test, odds, reference, customers, left_out: f64_at(&left, "n", 0)? })
}

/// The sums over a group's customers. Revenue is summed exactly ([`exact_sum`]): amounts are
/// fractions, and a float sum's last digits would depend on the order of the rows.
fn aggregations() -> Vec<Expr> {
    let orders = col("__orders").cast(DataType::Float64);
    let revenue = col("__revenue");
    let mut aggs = vec![
        len().cast(DataType::Float64).alias("customers"),
        count_where(orders.clone().gt(lit(0.0))).alias("reordered"),
        orders.clone().sum().alias("orders"),
        (orders.clone() * orders).sum().alias("orders_sq"),
    ];
    aggs.extend(exact_sum(revenue.clone(), "revenue"));
    aggs.extend(exact_sum(revenue.clone() * revenue, "revenue_sq"));
    aggs
}

fn read(df: &DataFrame, i: usize) -> Result<LoyaltyCounts> {
    let get = |name: &str| f64_at(df, name, i);
    Ok(LoyaltyCounts {
        customers: get("customers")?,
        reordered: get("reordered")?,
        orders: get("orders")?,
        orders_sq: get("orders_sq")?,
        revenue: exact_at(df, "revenue", i)?,
        revenue_sq: exact_at(df, "revenue_sq", i)?,
    })
}

/// Counts per value of `group` (a text expression; null rows are left out), in `order`.
fn per_group(linked: &DataFrame, group: Expr, order: &[&'static str], data: &Dataset) -> Result<Vec<(&'static str, LoyaltyCounts)>> {
    let df = data.collect(
        linked
            .clone()
            .lazy()
            .with_columns([group.alias("__group")])
            .filter(col("__group").is_not_null())
            .group_by([col("__group")])
            .agg(aggregations()),
    )?;
    let names = df.column("__group")?.str()?.clone();
    let mut out: Vec<(&'static str, LoyaltyCounts)> = order.iter().map(|g| (*g, LoyaltyCounts::default())).collect();
    for i in 0..df.height() {
        if let Some(slot) = out.iter_mut().find(|(g, _)| Some(*g) == names.get(i)) {
            slot.1 = read(&df, i)?;
        }
    }
    Ok(out)
}

/// Links each surveyed customer's first response to their purchases (`purchases`: `__customer`,
/// `__day`, `__amount`) on the days after it, up to `window_days` later.
pub fn loyalty(responses: &Dataset, spec: &LoyaltySpec, purchases: LazyFrame) -> Result<Loyalty> {
    let (first, no_customer) = first_responses(responses, spec)?;
    let window = lit(spec.window_days as i32);
    let as_of = lit(spec.as_of.to_epoch_days());
    let complete = (col("__s") + window.clone()).lt_eq(as_of);
    let counted = responses.collect(first.clone().select([count_where(complete.clone().not()).alias("censored")]))?;
    let eligible = first.filter(complete);
    let in_window = purchases
        .select([col("__customer"), day_number(col("__day")).alias("__d"), col("__amount")])
        .join(
            eligible.clone().select([col("__customer"), col("__s")]),
            [col("__customer")],
            [col("__customer")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("__d").gt(col("__s")).and(col("__d").lt_eq(col("__s") + window)))
        .group_by([col("__customer")])
        .agg([vec![len().alias("__orders")], exact_sum(col("__amount"), "__rev").into()].concat())
        .with_column(exact_value("__rev").alias("__revenue"));
    let linked = responses.collect(
        eligible
            .join(in_window, [col("__customer")], [col("__customer")], JoinArgs::new(JoinType::Left))
            .with_columns([col("__orders").fill_null(lit(0)), col("__revenue").fill_null(lit(0.0))]),
    )?;
    let all = read(&responses.collect(linked.clone().lazy().select(aggregations()))?, 0)?;
    // A measure's test adjusted for the covariates (none without `--adjust-for`).
    let adjust = |group: Expr, order: &[&'static str]| -> Result<Option<Adjusted>> {
        if spec.covariates.is_empty() {
            return Ok(None);
        }
        Ok(Some(adjusted(&linked, group, order, spec.covariates.len(), responses)?))
    };
    let (nps, nps_adjusted) = if spec.nps.is_some() {
        let v = col("__nps");
        let group = when(v.clone().gt_eq(lit(9.0)))
            .then(lit(NPS_GROUPS[0]))
            .when(v.clone().gt_eq(lit(7.0)))
            .then(lit(NPS_GROUPS[1]))
            .when(v.is_not_null())
            .then(lit(NPS_GROUPS[2]))
            .otherwise(lit(NULL).cast(DataType::String));
        (per_group(&linked, group.clone(), &NPS_GROUPS, responses)?, adjust(group, &NPS_GROUPS)?)
    } else {
        (Vec::new(), None)
    };
    let (csat, csat_adjusted) = match &spec.csat {
        Some(c) => {
            // As many dissatisfied points at the bottom as satisfied ones at the top.
            let low_to = c.scale.low + (c.scale.high - spec.csat_top_min);
            let v = col("__csat");
            let group = when(v.clone().gt_eq(lit(spec.csat_top_min as f64)))
                .then(lit(CSAT_BOXES[0]))
                .when(v.clone().lt_eq(lit(low_to as f64)))
                .then(lit(CSAT_BOXES[2]))
                .when(v.is_not_null())
                .then(lit(CSAT_BOXES[1]))
                .otherwise(lit(NULL).cast(DataType::String));
            (per_group(&linked, group.clone(), &CSAT_BOXES, responses)?, adjust(group, &CSAT_BOXES)?)
        }
        None => (Vec::new(), None),
    };
    Ok(Loyalty { no_customer, censored: f64_at(&counted, "censored", 0)?, all, nps, csat, nps_adjusted, csat_adjusted })
}

/// A line of the loyalty table: a group (or all customers) with its rates and the group's test.
#[derive(Debug, Clone)]
pub struct LoyaltyLine {
    /// `all`, `nps_group` or `csat_box`.
    pub measure: &'static str,
    pub group: &'static str,
    pub counts: LoyaltyCounts,
    /// Customers who ordered again within the window.
    pub reordered: Share,
    /// Orders and revenue per customer in the window, with t intervals cut at 0 (None for the
    /// revenue without amounts).
    pub orders: Option<(f64, Option<Interval>)>,
    pub revenue: Option<(f64, Option<Interval>)>,
    /// The chi-square test of the measure's groups against ordering again.
    pub test: Option<ChiSquare>,
    /// The Cochran–Armitage test of a trend over the measure's ordered groups.
    pub trend: Option<Test>,
    /// The measure's adjusted test, and this group's adjusted odds ratio (none for the reference).
    pub adjusted: Option<Adjusted>,
    pub odds: Option<(f64, Interval)>,
}

/// The chi-square test of group (rows) against ordering again or not (columns).
pub fn independence(groups: &[(&'static str, LoyaltyCounts)]) -> Option<ChiSquare> {
    let table: Vec<Vec<f64>> = groups.iter().map(|(_, c)| vec![c.reordered, c.customers - c.reordered]).collect();
    chi_square(&table)
}

/// The lines of the table: all customers, then the NPS groups and the CSAT boxes, with
/// `confidence` intervals (revenue only with `amounts`).
pub fn lines(r: &Loyalty, confidence: f64, amounts: bool) -> Vec<LoyaltyLine> {
    // Counts and revenue are never negative: the t interval is cut at 0 (it dips below at small n).
    let at_least_zero = |m: Option<(f64, Option<Interval>)>| m.map(|(v, i)| (v, i.map(|i| Interval { low: i.low.max(0.0), ..i })));
    let line = |measure, group, c: LoyaltyCounts, test, trend, adjusted: &Option<Adjusted>| LoyaltyLine {
        measure,
        group,
        reordered: Share::of(c.reordered, c.customers, confidence),
        orders: at_least_zero(mean_t_interval(c.customers, c.orders, c.orders_sq, confidence)),
        revenue: if amounts { at_least_zero(mean_t_interval(c.customers, c.revenue, c.revenue_sq, confidence)) } else { None },
        test,
        trend,
        odds: adjusted.as_ref().and_then(|a| a.odds.iter().find(|o| o.0 == group).map(|o| (o.1, o.2))),
        adjusted: adjusted.clone(),
        counts: c,
    };
    let mut out = vec![line("all", "all", r.all, None, None, &None)];
    for (measure, groups, adjusted) in [("nps_group", &r.nps, &r.nps_adjusted), ("csat_box", &r.csat, &r.csat_adjusted)] {
        let test = independence(groups);
        let trend = ordered_trend(groups);
        out.extend(groups.iter().map(|(g, c)| line(measure, g, *c, test, trend, adjusted)));
    }
    out
}

/// The Cochran–Armitage trend test over groups listed from the highest to the lowest (promoters
/// to detractors), scored 2, 1, 0 (equally spaced).
pub fn ordered_trend(groups: &[(&'static str, LoyaltyCounts)]) -> Option<Test> {
    let last = groups.len() as f64 - 1.0;
    let scored: Vec<(f64, f64, f64)> = groups.iter().enumerate().map(|(i, (_, c))| (last - i as f64, c.customers, c.reordered)).collect();
    crate::stats::logistic::trend(&scored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_worked_by_hand() {
        // 10 promoters of whom 6 ordered again, 10 detractors of whom 2: 60% and 20%; the 2×2
        // table [[6, 4], [2, 8]] has expected counts 4 and 6: chi-square = 2·(4/4 + 4/6) = 3.333.
        let c = |customers: f64, reordered: f64| LoyaltyCounts { customers, reordered, ..Default::default() };
        let r = Loyalty {
            all: c(20.0, 8.0),
            nps: vec![("promoters", c(10.0, 6.0)), ("passives", c(0.0, 0.0)), ("detractors", c(10.0, 2.0))],
            csat: Vec::new(),
            censored: 0.0,
            no_customer: 0.0,
            nps_adjusted: None,
            csat_adjusted: None,
        };
        let l = lines(&r, 0.95, false);
        assert_eq!(l.len(), 4);
        assert_eq!((l[0].measure, l[0].reordered.pct, l[0].test.is_none()), ("all", Some(40.0), true));
        assert_eq!((l[1].group, l[1].reordered.pct, l[3].reordered.pct), ("promoters", Some(60.0), Some(20.0)));
        let t = l[1].test.expect("a test");
        assert!((t.statistic - 10.0 / 3.0).abs() < 1e-12, "{}", t.statistic);
        // No amounts: no revenue; orders per customer 0 with no orders counted.
        assert_eq!((l[1].revenue, l[1].orders.map(|o| o.0)), (None, Some(0.0)));
    }
}
