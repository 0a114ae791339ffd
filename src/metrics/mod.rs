//! Metrics: polars expressions and aggregations per domain, returning plain structs.

use polars::prelude::{DataType, Expr};

/// An aggregation counting the rows where `predicate` holds (nulls do not count).
pub(crate) fn count_where(predicate: Expr) -> Expr {
    predicate.cast(DataType::Float64).sum()
}

pub mod comparison;
pub mod complaints;
pub mod drivers;
pub mod grouping;
pub mod loyalty;
pub mod orders;
pub mod period;
pub mod profile;
pub mod satisfaction;
pub mod words;
pub mod worktime;
