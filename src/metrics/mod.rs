//! Metrics: polars expressions and aggregations per domain, returning plain structs.

use polars::prelude::{DataType, Expr};

/// An aggregation counting the rows where `predicate` holds (nulls do not count).
pub(crate) fn count_where(predicate: Expr) -> Expr {
    predicate.cast(DataType::Float64).sum()
}

pub mod grouping;
pub mod satisfaction;
pub mod worktime;
pub mod complaints;
pub mod orders;
pub mod loyalty;
pub mod words;
