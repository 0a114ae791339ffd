//! Metrics: polars expressions and aggregations per domain, returning plain structs.

use anyhow::Result;
use polars::prelude::*;

/// `part` as a percentage of `whole` (`None` when `whole` is not positive).
pub fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| 100.0 * part / whole)
}

/// An aggregation counting the rows where `predicate` holds (nulls do not count).
pub(crate) fn count_where(predicate: Expr) -> Expr {
    predicate.cast(DataType::Float64).sum()
}

/// The scales of the two integer parts of an exact sum: 2²⁰ and 2¹⁰⁰.
const HI_SCALE: f64 = (1u128 << 20) as f64;
const LO_SCALE: f64 = (1u128 << 100) as f64;

/// Σx of a weighted value x (nulls left out), exact and the same in any order of the rows.
///
/// Floating-point sums are not: the streaming engine adds its batches' partial sums in the order
/// its threads finish, and a grouping's rows come in varying order, so the last digits of a
/// result changed from run to run. Here each x is split into two integers, `hi` = x·2²⁰
/// truncated and `lo` = the rest·2¹⁰⁰ truncated, and the integers are summed in 128 bits. The split is exact for every x from
/// 2⁻⁴⁸ (3.6·10⁻¹⁵) up: x − hi/2²⁰ is x's bits below 2⁻²⁰, and below 2⁻¹⁰⁰ nothing is left.
/// So the sum is exact until [`exact_at`] rounds it once to a float. Named `{name}_hi` and
/// `{name}_lo`.
pub(crate) fn exact_sum(x: Expr, name: &str) -> [Expr; 2] {
    let hi = (x.clone() * lit(HI_SCALE)).cast(DataType::Int128);
    let lo = ((x - hi.clone().cast(DataType::Float64) / lit(HI_SCALE)) * lit(LO_SCALE)).cast(DataType::Int128);
    [hi.sum().alias(format!("{name}_hi")), lo.sum().alias(format!("{name}_lo"))]
}

/// The value of an [`exact_sum`] in row `i` (0 without rows).
pub(crate) fn exact_at(df: &DataFrame, name: &str, i: usize) -> Result<f64> {
    let part = |suffix: &str| -> Result<f64> { Ok(df.column(&format!("{name}_{suffix}"))?.i128()?.get(i).unwrap_or(0) as f64) };
    Ok(part("hi")? / HI_SCALE + part("lo")? / LO_SCALE)
}

/// The value of an [`exact_sum`] as an expression, per row of an aggregate.
pub(crate) fn exact_value(name: &str) -> Expr {
    let part = |suffix: &str, scale: f64| col(format!("{name}_{suffix}")).cast(DataType::Float64) / lit(scale);
    part("hi", HI_SCALE) + part("lo", LO_SCALE)
}

pub mod comparison;
pub mod complaints;
pub mod design;
pub mod drivers;
pub mod grouping;
pub mod index;
pub mod loyalty;
pub mod orders;
pub mod period;
pub mod profile;
pub mod satisfaction;
pub mod themes;
pub mod words;
pub mod worktime;
