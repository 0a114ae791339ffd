//! `cxstat clv`'s computations on the orders: each customer's history (x, tₓ, T and the mean
//! spend of the repeat purchase days), the distinct histories the models are fitted on, and
//! per customer what the fitted models predict, with the value tiers and the summary.
//!
//! A purchase is a day with orders (refunds and repeated order ids left out, see
//! [`purchases`]): several orders on one day are one purchase, their amounts summed.

use anyhow::{anyhow, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;

use crate::input::frame::Dataset;
use crate::metrics::orders::{purchases, OrderRows};
use crate::stats::clv::{discounted_purchases_if_alive, BgNbd, GammaGamma, Pattern, Spend};

/// Days in a year and in a month (a twelfth of it).
pub const YEAR_DAYS: f64 = 365.25;
pub const MONTH_DAYS: f64 = YEAR_DAYS / 12.0;

/// The purchase days up to `as_of`: one row per customer and day with orders (`__customer`,
/// `__day`), and `aggs` over that day's orders.
fn purchase_days(orders: &OrderRows, as_of: NaiveDate, aggs: Vec<Expr>) -> LazyFrame {
    let day = col("__day");
    purchases(orders).filter(day.clone().lt_eq(lit(as_of))).group_by([col("__customer"), day]).agg(aggs)
}

/// The customers' histories as of `as_of`, one row each, by customer id: `__customer`,
/// `x` (purchase days after the first), `recency_days` (first to last purchase day),
/// `age_days` (first purchase day to `as_of`), `priced_x` (the repeat purchase days whose
/// every order has a readable amount), `monetary` (the mean spend of those days, 0 without
/// one) and `past_value` (the readable amounts of all purchase days summed).
///
/// A day with an unreadable amount (warned about) still counts as a purchase, but its spend is
/// unknown: it is left out of the mean spend, which would otherwise take it as a day of spend 0
/// (or of its readable orders only) and come out too low.
fn histories(data: &Dataset, orders: &OrderRows, as_of: NaiveDate) -> Result<DataFrame> {
    // Amounts are summed in fixed point (see fixed_sum): added as floats, a customer's total
    // would depend on the order the engine adds the rows in, and so would the fit.
    let day = col("__day");
    let mut spend = Vec::from(fixed_sum(col("__amount"), "__spend"));
    spend.push(col("__amount").is_not_null().any(true).alias("__any_priced"));
    spend.push(col("__amount").is_not_null().all(true).cast(DataType::Int64).alias("__priced"));
    // With a --by column, each customer belongs to the group of their first purchase day
    // (the lowest value when that day's orders differ).
    let by = orders.rows.get_column_index("__by").is_some();
    if by {
        spend.push(col("__by").min());
    }
    let priced_only = |c: &str| when(col("__priced").eq(lit(1i64))).then(col(c)).otherwise(lit(0i64)).alias(format!("__priced{c}"));
    let days = purchase_days(orders, as_of, spend).with_columns([priced_only("__spend_whole"), priced_only("__spend_part")]);
    let first = day.clone().min();
    // The first day's value of a column: the minimum of (day, value) packed into one integer,
    // a fast aggregation (taking it by the position of the first day, or filtering inside the
    // aggregation, runs group by group: 2–5 s more on the 6 million orders).
    let on_first = |c: &str| {
        let packed = (day.clone().cast(DataType::Int32).cast(DataType::Int64) + lit(DAY_OFFSET)) * lit(PACK) + col(c);
        packed.min() % lit(PACK)
    };
    let after_first = |c: &str| col(c).sum() - on_first(c);
    let mut aggs = vec![
        (len().cast(DataType::Int64) - lit(1i64)).alias("x"),
        (day.clone().max() - first.clone()).dt().total_days(false).alias("recency_days"),
        (lit(as_of) - first.clone()).dt().total_days(false).alias("age_days"),
        after_first("__priced").alias("priced_x"),
        after_first("__priced__spend_whole").alias("__repeat_whole"),
        after_first("__priced__spend_part").alias("__repeat_part"),
        col("__spend_whole").sum().alias("__past_whole"),
        col("__spend_part").sum().alias("__past_part"),
        col("__any_priced").any(true).alias("__any_priced"),
    ];
    if by {
        // Text cannot be packed: by position (slower, only with --by).
        aggs.push(col("__by").get(day.clone().arg_min(), false).alias("__by"));
    }
    let q = days
        .group_by([col("__customer")])
        .agg(aggs)
        .with_columns([
            when(col("priced_x").gt(lit(0i64)))
                .then(fixed_value("__repeat") / col("priced_x").cast(DataType::Float64))
                .otherwise(lit(0.0))
                .alias("monetary"),
            when(col("__any_priced")).then(fixed_value("__past")).otherwise(lit(0.0)).alias("past_value"),
        ])
        .select([
            col("__customer"),
            col("x"),
            col("recency_days"),
            col("age_days"),
            col("priced_x"),
            col("monetary"),
            col("past_value"),
            by_column(by),
        ])
        .sort(["__customer"], SortMultipleOptions::default());
    // Integer sums, counts, minima and maxima: the same in any order of the rows, so the
    // streaming engine's batches (2–4× faster on these groupings) change nothing.
    let mut df = data.collect_reduced(q)?;
    df.rechunk_mut();
    Ok(df)
}

/// Packing a day with a spend of it into one integer, (day + DAY_OFFSET)·PACK + spend: days
/// from 1697 on (epoch day −100,000) up to 2328 (2¹⁷ − 100,000) and a day's spend parts below 2⁴⁶
/// (7·10¹³ units, or as many billionths summed) keep their order and come apart again.
const DAY_OFFSET: i64 = 100_000;
const PACK: i64 = 1 << 46;

/// The steps of a unit in [`fixed_sum`]: 10⁹ (nanos).
const FIXED: f64 = 1e9;

/// Σx of amounts x ≥ 0 in fixed point, as two integer sums: the whole units (`{name}_whole`) and
/// the fractions in billionths (`{name}_part`, rounded: amounts in cents or finer down to 10⁻⁹
/// add up exactly). Integer sums are the same in any order of the rows. Not
/// [`crate::metrics::exact_sum`]: polars sums its i128 parts per group on a slow path, which took
/// 15 s of the 6 million orders' 19 (BENCHMARKS.md, "CLV").
fn fixed_sum(x: Expr, name: &str) -> [Expr; 2] {
    let whole = x.clone().cast(DataType::Int64);
    let part = ((x - whole.clone().cast(DataType::Float64)) * lit(FIXED) + lit(0.5)).cast(DataType::Int64);
    [whole.sum().alias(format!("{name}_whole")), part.sum().alias(format!("{name}_part"))]
}

/// The value of a [`fixed_sum`] (both parts summed again, as integers, by the caller).
fn fixed_value(name: &str) -> Expr {
    col(format!("{name}_whole")).cast(DataType::Float64) + col(format!("{name}_part")).cast(DataType::Float64) / lit(FIXED)
}

/// The customer's group (`__by`), null without --by.
fn by_column(by: bool) -> Expr {
    if by {
        col("__by")
    } else {
        lit(NULL).cast(DataType::String).alias("__by")
    }
}

/// A column of whole numbers as `f64`s.
fn floats(df: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// The distinct histories (x, tₓ, T in days) with how many customers have each, ordered.
fn pattern_frame(data: &Dataset, histories: &DataFrame) -> Result<DataFrame> {
    let keys = [col("x"), col("recency_days"), col("age_days")];
    data.collect_reduced(
        histories
            .clone()
            .lazy()
            .group_by(keys.clone())
            .agg([len().cast(DataType::Float64).alias("weight")])
            .sort(["x", "recency_days", "age_days"], SortMultipleOptions::default()),
    )
}

/// The patterns of [`pattern_frame`] in time units of `unit_days` days.
fn patterns(frame: &DataFrame, unit_days: f64) -> Result<Vec<Pattern>> {
    let (x, t_x, t, w) = (floats(frame, "x")?, floats(frame, "recency_days")?, floats(frame, "age_days")?, floats(frame, "weight")?);
    Ok((0..frame.height()).map(|i| Pattern { x: x[i], t_x: t_x[i] / unit_days, t: t[i] / unit_days, weight: w[i] }).collect())
}

/// The repeat customers' (x, mean spend, how many have both) for the Gamma-Gamma fit, x the
/// repeat days with a known spend, and how many repeat customers were left out: a mean spend of
/// 0 or less (the model needs m > 0), or no repeat day whose spend is known.
fn spend_pairs(data: &Dataset, histories: &DataFrame) -> Result<(Vec<Spend>, u64)> {
    let df = data.collect_reduced(
        histories
            .clone()
            .lazy()
            .filter(col("x").gt(lit(0i64)))
            .group_by([col("priced_x"), col("monetary")])
            .agg([len().cast(DataType::Float64).alias("weight")])
            .sort(["priced_x", "monetary"], SortMultipleOptions::default()),
    )?;
    let (x, m, w) = (floats(&df, "priced_x")?, floats(&df, "monetary")?, floats(&df, "weight")?);
    let mut kept = Vec::with_capacity(x.len());
    let mut dropped = 0u64;
    for i in 0..x.len() {
        if x[i] > 0.0 && m[i] > 0.0 {
            kept.push((x[i], m[i], w[i]));
        } else {
            dropped += w[i] as u64;
        }
    }
    Ok((kept, dropped))
}

/// How CLV is computed: the horizon, margin and discount rate, in the fit's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClvSettings {
    /// Days per time unit.
    pub unit_days: f64,
    pub horizon_days: f64,
    pub margin: f64,
    /// The annual discount rate (0.1 = 10%).
    pub discount: f64,
    /// The shares of customers in the top and bottom tiers by CLV.
    pub tiers: (f64, f64),
}

/// What the fitted models predict for each distinct history (the rows of [`pattern_frame`]):
/// P(alive), the expected purchases over the horizon, and those purchases discounted month by
/// month (see [`discounted_purchases_if_alive`]).
fn pattern_predictions(frame: &DataFrame, patterns: &[Pattern], model: &BgNbd, settings: &ClvSettings) -> Result<DataFrame> {
    let unit = settings.unit_days;
    let horizon = settings.horizon_days / unit;
    // The expectations of a customer alive at T depend on (x, T) only: a dozen ₂F₁ series per
    // distinct (x, T), far fewer than the histories (x, tₓ, T), spread over the cores; each
    // history then scales them by its P(alive).
    let mut keys: Vec<(f64, f64)> = patterns.iter().map(|p| (p.x, p.t)).collect();
    keys.sort_by(|u, v| u.0.total_cmp(&v.0).then(u.1.total_cmp(&v.1)));
    keys.dedup();
    let if_alive: Vec<(f64, f64)> = keys
        .par_iter()
        .map(|&(x, t)| {
            discounted_purchases_if_alive(model, (x, t), horizon, MONTH_DAYS / unit, (settings.discount, YEAR_DAYS / unit)).ok_or_else(
                || anyhow!("the expected purchases of customers with x = {x}, T = {t} cannot be computed (₂F₁ does not converge)"),
            )
        })
        .collect::<Result<_>>()?;
    let n = patterns.len();
    let (mut alive, mut expected, mut discounted) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for p in patterns {
        let at = keys.partition_point(|&(x, t)| x.total_cmp(&p.x).then(t.total_cmp(&p.t)).is_lt());
        let (d, e) = if_alive[at];
        let a = model.p_alive(p.x, p.t_x, p.t);
        alive.push(a);
        expected.push(a * e);
        discounted.push(a * d);
    }
    let mut out = frame.select(["x", "recency_days", "age_days"])?;
    out.with_column(Column::new("p_alive".into(), alive))?;
    out.with_column(Column::new("expected_purchases".into(), expected))?;
    out.with_column(Column::new("__discounted".into(), discounted))?;
    Ok(out)
}

/// Per customer (by id): the history, P(alive), expected purchases and spend, CLV, value tier
/// and whether at risk (P(alive) < 0.5 and past value above the median customer's). Without a
/// spend model (no amounts), spend, CLV, tier and risk are null.
fn customers(
    data: &Dataset,
    histories: &DataFrame,
    predictions: &DataFrame,
    spend: Option<&GammaGamma>,
    settings: &ClvSettings,
) -> Result<DataFrame> {
    let keys = [col("x"), col("recency_days"), col("age_days")];
    // In the histories' order (by id).
    let in_order = JoinArgs { maintain_order: MaintainOrderJoin::Left, ..JoinArgs::new(JoinType::Left) };
    let joined = histories.clone().lazy().join(predictions.clone().lazy(), keys.clone(), keys, in_order);
    let q = match spend {
        Some(&GammaGamma { p, q, gamma }) => {
            // The spend model's x: the repeat days whose spend is known (the mean is of those).
            let x = col("priced_x").cast(DataType::Float64);
            let w = lit(p) * x.clone() / (lit(p) * x + lit(q - 1.0));
            let expected_spend = (lit(1.0) - w.clone()) * lit(p * gamma / (q - 1.0)) + w * col("monetary");
            let n = len().cast(DataType::Float64);
            let rank = col("clv").rank(RankOptions { method: RankMethod::Min, descending: true }, None).cast(DataType::Float64);
            let (top, bottom) = settings.tiers;
            joined
                .with_column(expected_spend.alias("expected_spend"))
                .with_column((lit(settings.margin) * col("expected_spend") * col("__discounted")).alias("clv"))
                .with_columns([
                    when(rank.clone().lt_eq(lit(top) * n.clone()))
                        .then(lit("top"))
                        .when(rank.gt(lit(1.0 - bottom) * n))
                        .then(lit("bottom"))
                        .otherwise(lit("middle"))
                        .alias("tier"),
                    col("p_alive").lt(lit(0.5)).and(col("past_value").gt(col("past_value").median())).alias("at_risk"),
                ])
        }
        None => joined.with_columns([
            lit(NULL).cast(DataType::Float64).alias("expected_spend"),
            lit(NULL).cast(DataType::Float64).alias("clv"),
            lit(NULL).cast(DataType::String).alias("tier"),
            lit(NULL).cast(DataType::Boolean).alias("at_risk"),
        ]),
    };
    data.collect_in_memory(q.drop(cols(["__discounted"])))
}

/// The summary of `cxstat clv`: customers, repeat customers, expected purchases over the
/// horizon, CLV in total and per customer, the share of CLV per tier, and the customers at risk
/// with the value they bought so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ClvSummary {
    pub customers: f64,
    pub repeat_customers: f64,
    pub expected_purchases: f64,
    pub clv: f64,
    pub clv_mean: f64,
    pub top_share_pct: f64,
    pub middle_share_pct: f64,
    pub bottom_share_pct: f64,
    pub at_risk: f64,
    pub at_risk_past_value: f64,
    pub past_value: f64,
}

/// Sums the per-customer frame of [`customers`] into the summary.
fn summary(data: &Dataset, customers: &DataFrame, by: bool) -> Result<Vec<(Option<String>, ClvSummary)>> {
    let tier_clv = |t: &str| col("clv").filter(col("tier").eq(lit(t))).sum().alias(t);
    let aggs = || {
        [
            len().cast(DataType::Float64).alias("customers"),
            col("x").gt(lit(0i64)).cast(DataType::Float64).sum().alias("repeat"),
            col("expected_purchases").sum().alias("expected"),
            col("clv").sum().alias("clv"),
            tier_clv("top"),
            tier_clv("middle"),
            tier_clv("bottom"),
            col("at_risk").cast(DataType::Float64).sum().alias("at_risk"),
            col("past_value").filter(col("at_risk").fill_null(lit(false))).sum().alias("at_risk_value"),
            col("past_value").sum().alias("past_value"),
        ]
    };
    let lf = customers.clone().lazy();
    let mut frames = Vec::new();
    if by {
        frames.push(data.collect_in_memory(lf.clone().group_by([col("__by")]).agg(aggs()).sort(["__by"], SortMultipleOptions::default()))?);
    }
    frames.push(data.collect_in_memory(lf.select(aggs()))?);
    let mut out = Vec::new();
    for (f, df) in frames.iter().enumerate() {
        let total = f + 1 == frames.len();
        let groups: Vec<Option<String>> =
            if total { vec![None] } else { df.column("__by")?.str()?.iter().map(|g| Some(g.unwrap_or("(blank)").to_string())).collect() };
        for (i, group) in groups.into_iter().enumerate() {
            let get = |name: &str| -> Result<f64> { Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(i).unwrap_or(0.0)) };
            let (n, clv) = (get("customers")?, get("clv")?);
            let share = |v: f64| if clv != 0.0 { 100.0 * v / clv } else { 0.0 };
            out.push((
                group,
                ClvSummary {
                    customers: n,
                    repeat_customers: get("repeat")?,
                    expected_purchases: get("expected")?,
                    clv,
                    clv_mean: if n > 0.0 { clv / n } else { 0.0 },
                    top_share_pct: share(get("top")?),
                    middle_share_pct: share(get("middle")?),
                    bottom_share_pct: share(get("bottom")?),
                    at_risk: get("at_risk")?,
                    at_risk_past_value: get("at_risk_value")?,
                    past_value: get("past_value")?,
                },
            ));
        }
    }
    Ok(out)
}

/// The histories for validation: each customer who first bought by `calibration_end`, with x,
/// recency and age (to `calibration_end`) from the purchases up to that day, and `holdout`, the
/// purchase days after it up to `as_of`.
fn holdout_histories(data: &Dataset, orders: &OrderRows, calibration_end: NaiveDate, as_of: NaiveDate) -> Result<DataFrame> {
    let day = col("__day");
    let days = purchase_days(orders, as_of, vec![len()]);
    let first = day.clone().min();
    let in_calibration = col("__day").lt_eq(lit(calibration_end));
    let q = days
        .with_columns([
            in_calibration.clone().alias("__in"),
            when(in_calibration).then(day.clone()).otherwise(lit(NULL)).alias("__calibration_day"),
        ])
        .group_by([col("__customer")])
        .agg([
            first.clone().alias("__first"),
            (col("__in").cast(DataType::Int64).sum() - lit(1i64)).alias("x"),
            (col("__calibration_day").max() - first.clone()).dt().total_days(false).alias("recency_days"),
            (lit(calibration_end) - first).dt().total_days(false).alias("age_days"),
            col("__in").not().cast(DataType::Int64).sum().alias("holdout"),
        ])
        .filter(col("__first").lt_eq(lit(calibration_end)))
        .sort(["__customer"], SortMultipleOptions::default());
    data.collect_in_memory(q)
}

/// One row of the validation table: the customers with a calibration frequency (the last row
/// holds `top` and more), their actual and predicted purchases in the holdout period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HoldoutRow {
    /// The calibration frequency; `None` for the total.
    pub frequency: Option<i64>,
    pub and_more: bool,
    pub customers: f64,
    pub actual: f64,
    pub predicted: f64,
}

/// The frequencies shown one by one in the validation table; the last holds this and more.
pub const HOLDOUT_TOP: i64 = 7;

/// Actual against predicted holdout purchases per calibration frequency (0 … 7+) and in total:
/// `predictions` holds `expected_purchases` over the holdout per distinct history.
fn holdout_table(data: &Dataset, histories: &DataFrame, predictions: &DataFrame) -> Result<Vec<HoldoutRow>> {
    let keys = [col("x"), col("recency_days"), col("age_days")];
    let joined = histories.clone().lazy().join(predictions.clone().lazy(), keys.clone(), keys, JoinArgs::new(JoinType::Left));
    let sums = || {
        [
            len().cast(DataType::Float64).alias("customers"),
            col("holdout").cast(DataType::Float64).sum().alias("actual"),
            col("expected_purchases").sum().alias("predicted"),
        ]
    };
    let bin = when(col("x").gt(lit(HOLDOUT_TOP))).then(lit(HOLDOUT_TOP)).otherwise(col("x"));
    let per = data.collect_in_memory(
        joined.clone().with_column(bin.alias("bin")).group_by([col("bin")]).agg(sums()).sort(["bin"], SortMultipleOptions::default()),
    )?;
    let total = data.collect_in_memory(joined.select(sums()))?;
    let (bins, customers, actual, predicted) =
        (floats(&per, "bin")?, floats(&per, "customers")?, floats(&per, "actual")?, floats(&per, "predicted")?);
    let mut rows: Vec<HoldoutRow> = (0..per.height())
        .map(|i| HoldoutRow {
            frequency: Some(bins[i] as i64),
            and_more: bins[i] as i64 == HOLDOUT_TOP,
            customers: customers[i],
            actual: actual[i],
            predicted: predicted[i],
        })
        .collect();
    let t = |name: &str| -> Result<f64> { Ok(floats(&total, name)?.first().copied().unwrap_or(0.0)) };
    rows.push(HoldoutRow {
        frequency: None,
        and_more: false,
        customers: t("customers")?,
        actual: t("actual")?,
        predicted: t("predicted")?,
    });
    Ok(rows)
}

/// Cumulative repeat purchases per week from `start`, actual and as the model expects them, of
/// the customers who first bought by `calibration_end` (the tracking chart): for week k, the
/// repeat purchase days up to its end, and Σ over first-purchase days d of (customers who first
/// bought on d) × E[X(t − d)] with E the expected purchases of a new customer.
pub fn tracking(
    data: &Dataset,
    orders: &OrderRows,
    model: &BgNbd,
    (calibration_end, as_of): (NaiveDate, NaiveDate),
    unit_days: f64,
) -> Result<(NaiveDate, Vec<(f64, f64)>)> {
    let day = col("__day");
    let days = purchase_days(orders, as_of, vec![len()]);
    let first = day.clone().min().over([col("__customer")])?;
    let per_day = data.collect_in_memory(
        days.with_column(first.alias("__first"))
            .filter(col("__first").lt_eq(lit(calibration_end)))
            .with_column(day.clone().gt(col("__first")).alias("__repeat"))
            .group_by([day.clone()])
            .agg([
                col("__repeat").cast(DataType::Float64).sum().alias("repeat"),
                day.clone().eq(col("__first")).cast(DataType::Float64).sum().alias("new"),
            ])
            .sort(["__day"], SortMultipleOptions::default()),
    )?;
    let epoch = |name: &str| -> Result<Vec<i64>> {
        Ok(per_day.column(name)?.cast(&DataType::Int32)?.i32()?.iter().map(|d| i64::from(d.unwrap_or(0))).collect())
    };
    let days_of = epoch("__day")?;
    let (repeat, new) = (floats(&per_day, "repeat")?, floats(&per_day, "new")?);
    let Some(&start) = days_of.first() else { return Ok((as_of, Vec::new())) };
    let start_date = NaiveDate::from_epoch_days(start as i32).unwrap_or(as_of);
    let end = i64::from(as_of.to_epoch_days());
    let weeks = ((end - start) / 7 + 1) as usize;
    let mut out = Vec::with_capacity(weeks);
    let mut actual = 0.0;
    let mut i = 0;
    for k in 0..weeks {
        let week_end = (start + 7 * (k as i64 + 1) - 1).min(end);
        while i < days_of.len() && days_of[i] <= week_end {
            actual += repeat[i];
            i += 1;
        }
        let mut expected = 0.0;
        for (d, n) in days_of.iter().zip(&new) {
            if *n > 0.0 && *d < week_end + 1 {
                let t = (week_end + 1 - d) as f64 / unit_days;
                expected += n * model
                    .expected_purchases_new(t)
                    .ok_or_else(|| anyhow!("the expected purchases of a new customer over {t} cannot be computed"))?;
            }
        }
        out.push((actual, expected));
    }
    Ok((start_date, out))
}

/// The Lorenz curve of CLV: the percentage of the total CLV held by the top 0%, 5%, … 100% of
/// customers by CLV (the customer at each share's rank included, ⌈k·n/20⌉ customers).
fn lorenz(data: &Dataset, customers: &DataFrame) -> Result<Vec<f64>> {
    let n = customers.height();
    let ranks: Vec<u32> = (1..=20).map(|k| ((k * n).div_ceil(20)).saturating_sub(1) as u32).collect();
    let clv = col("clv").fill_null(lit(0.0));
    let rank = clv.clone().rank(RankOptions { method: RankMethod::Ordinal, descending: true }, None).cast(DataType::Int64);
    let total = clv.clone().sum();
    let shares: Vec<Expr> = ranks
        .iter()
        .enumerate()
        .map(|(k, r)| (clv.clone().filter(rank.clone().lt_eq(lit(i64::from(*r) + 1))).sum() / total.clone()).alias(format!("s{k}")))
        .collect();
    let q = customers.clone().lazy().select(shares);
    let df = data.collect_in_memory(q)?;
    let mut out = vec![0.0];
    for k in 0..ranks.len() {
        out.push(100.0 * floats(&df, &format!("s{k}"))?.first().copied().unwrap_or(0.0));
    }
    Ok(out)
}

/// The customers' histories read from the orders, with their distinct patterns (in the time
/// unit of the fit): what the models are fitted on and predict for.
pub struct Histories {
    customers: DataFrame,
    /// Each customer has a --by group.
    by: bool,
    frame: DataFrame,
    pub patterns: Vec<Pattern>,
}

/// One customer's history and what the models predict (see [`Histories::predict`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerClv {
    pub id: String,
    /// The group of --by (of the first purchase day).
    pub group: Option<String>,
    pub x: i64,
    pub recency_days: f64,
    pub age_days: f64,
    pub monetary: f64,
    pub past_value: f64,
    pub p_alive: f64,
    pub expected_purchases: f64,
    /// Without amounts: `None` (and so the CLV, tier and risk).
    pub expected_spend: Option<f64>,
    pub clv: Option<f64>,
    pub tier: Option<String>,
    pub at_risk: Option<bool>,
}

/// The predictions for every customer (by id), their sums and the Lorenz curve (with amounts).
pub struct Predicted {
    /// Per customer, the columns of [`CUSTOMER_COLUMNS`] as [`customers`] names them.
    frame: DataFrame,
    /// Per group of --by (by name), then the total (`None`).
    pub summary: Vec<(Option<String>, ClvSummary)>,
    pub lorenz: Option<Vec<f64>>,
}

/// The columns of the per-customer table after the id (and the --by group), as
/// [`Predicted::customers`] fills them.
pub const CUSTOMER_COLUMNS: [&str; 11] =
    ["frequency", "recency", "T", "monetary", "past_value", "p_alive", "expected_purchases", "expected_spend", "clv", "tier", "at_risk"];

impl Predicted {
    /// Every customer's history and predictions, by id.
    pub fn customers(&self) -> Result<Vec<CustomerClv>> {
        let df = &self.frame;
        let text =
            |name: &str| -> Result<Vec<Option<String>>> { Ok(df.column(name)?.str()?.iter().map(|v| v.map(str::to_string)).collect()) };
        let nums = |name: &str| -> Result<Vec<Option<f64>>> { Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.iter().collect()) };
        let (ids, groups, x, recency, age) = (text("__customer")?, text("__by")?, nums("x")?, nums("recency_days")?, nums("age_days")?);
        let (monetary, past, alive, expected) = (nums("monetary")?, nums("past_value")?, nums("p_alive")?, nums("expected_purchases")?);
        let (spend_of, clv, tier) = (nums("expected_spend")?, nums("clv")?, text("tier")?);
        let risk: Vec<Option<bool>> = df.column("at_risk")?.bool()?.iter().collect();
        Ok((0..df.height())
            .map(|i| CustomerClv {
                id: ids[i].clone().unwrap_or_default(),
                group: groups[i].clone(),
                x: x[i].unwrap_or(0.0) as i64,
                recency_days: recency[i].unwrap_or(0.0),
                age_days: age[i].unwrap_or(0.0),
                monetary: monetary[i].unwrap_or(0.0),
                past_value: past[i].unwrap_or(0.0),
                p_alive: alive[i].unwrap_or(f64::NAN),
                expected_purchases: expected[i].unwrap_or(f64::NAN),
                expected_spend: spend_of[i],
                clv: clv[i],
                tier: tier[i].clone(),
                at_risk: risk[i],
            })
            .collect())
    }

    /// The per-customer table as CSV with `separator` (a file of every customer: polars' writer,
    /// on all cores, instead of a cell per value): `customer_id`, the --by column as `by` names
    /// it, then [`CUSTOMER_COLUMNS`], recency and T in time units of `unit_days` days; numbers
    /// in their shortest exact form. `formula_starts`: text starting with one of these (what a
    /// spreadsheet would run as a formula) gets a `'` before it.
    pub fn customers_csv(
        &self,
        data: &Dataset,
        unit_days: f64,
        by: Option<&str>,
        separator: u8,
        formula_starts: &[char],
    ) -> Result<Vec<u8>> {
        let guard = |e: Expr| {
            let formula = formula_starts.iter().map(|c| e.clone().str().starts_with(lit(c.to_string()))).reduce(Expr::or);
            match formula {
                Some(formula) => when(formula).then(concat_str([lit("'"), e.clone()], "", false)).otherwise(e),
                None => e,
            }
        };
        let header = |h: &str| if h.starts_with(formula_starts) { format!("'{h}") } else { h.to_string() };
        let mut columns = vec![guard(col("__customer")).alias("customer_id")];
        if let Some(by) = by {
            columns.push(guard(col("__by")).alias(header(by)));
        }
        let mut frame = self.frame.clone();
        for (days, units) in [("recency_days", "__recency"), ("age_days", "__age")] {
            // Divided here: polars multiplies by the reciprocal of a constant divisor, which
            // leaves some quotients a last digit off (9.285714285714285 for 65 days / 7).
            let divided = frame.column(days)?.cast(&DataType::Float64)?.f64()?.apply_values(|d| d / unit_days);
            frame.with_column(divided.with_name(units.into()).into_column())?;
        }
        let values = [
            col("x"),
            col("__recency"),
            col("__age"),
            col("monetary"),
            col("past_value"),
            col("p_alive"),
            col("expected_purchases"),
            col("expected_spend"),
            col("clv"),
            col("tier"),
            col("at_risk"),
        ];
        columns.extend(values.into_iter().zip(CUSTOMER_COLUMNS).map(|(e, name)| e.alias(name)));
        let mut df = data.collect_in_memory(frame.lazy().select(columns))?;
        let mut out = Vec::new();
        CsvWriter::new(&mut out).with_separator(separator).finish(&mut df)?;
        Ok(out)
    }
}

impl Histories {
    /// Every customer's history as of `as_of`.
    pub fn read(data: &Dataset, orders: &OrderRows, as_of: NaiveDate, unit_days: f64) -> Result<Histories> {
        let by = orders.rows.get_column_index("__by").is_some();
        let customers = histories(data, orders, as_of)?;
        // A day's spend must fit beside its day in one integer (see PACK); a customer's past
        // spend bounds it.
        let most = customers.column("past_value")?.f64()?.max().unwrap_or(0.0);
        if most >= PACK as f64 {
            return Err(crate::error::data_err(format!(
                "{}: a customer spent {most:e} in all: clv sums amounts up to {:e} per customer (check the amount column's unit)",
                data.name, PACK as f64
            )));
        }
        Self::of(data, customers, unit_days, by)
    }

    /// The histories up to `calibration_end` of the customers who first bought by then, each
    /// with its purchase days after it up to `as_of` (for [`Histories::holdout_table`]).
    pub fn read_holdout(
        data: &Dataset,
        orders: &OrderRows,
        (calibration_end, as_of): (NaiveDate, NaiveDate),
        unit_days: f64,
    ) -> Result<Histories> {
        Self::of(data, holdout_histories(data, orders, calibration_end, as_of)?, unit_days, false)
    }

    fn of(data: &Dataset, customers: DataFrame, unit_days: f64, by: bool) -> Result<Histories> {
        let frame = pattern_frame(data, &customers)?;
        let patterns = patterns(&frame, unit_days)?;
        Ok(Histories { customers, by, frame, patterns })
    }

    /// How many customers.
    pub fn len(&self) -> usize {
        self.customers.height()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The repeat customers' (x, mean spend, count) for the Gamma-Gamma fit, and how many were
    /// left out for a mean spend of 0 or less.
    pub fn spend(&self, data: &Dataset) -> Result<(Vec<Spend>, u64)> {
        spend_pairs(data, &self.customers)
    }

    /// Every customer's P(alive), expected purchases, spend, CLV, tier and risk (by id), the
    /// summary and the Lorenz curve.
    pub fn predict(&self, data: &Dataset, model: &BgNbd, spend: Option<&GammaGamma>, settings: &ClvSettings) -> Result<Predicted> {
        let predictions = pattern_predictions(&self.frame, &self.patterns, model, settings)?;
        let df = customers(data, &self.customers, &predictions, spend, settings)?;
        let summary = summary(data, &df, self.by)?;
        let lorenz = if spend.is_some() { Some(lorenz(data, &df)?) } else { None };
        Ok(Predicted { frame: df, summary, lorenz })
    }

    /// Actual against predicted holdout purchases (over `holdout_days`) per calibration
    /// frequency and in total, for histories read by [`Histories::read_holdout`].
    pub fn holdout_table(&self, data: &Dataset, model: &BgNbd, settings: &ClvSettings, holdout_days: f64) -> Result<Vec<HoldoutRow>> {
        let settings = ClvSettings { horizon_days: holdout_days, ..*settings };
        let predictions = pattern_predictions(&self.frame, &self.patterns, model, &settings)?;
        holdout_table(data, &self.customers, &predictions)
    }
}
