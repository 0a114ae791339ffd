//! Metrics: polars expressions and aggregations per domain, returning plain structs.

pub mod grouping;
pub mod satisfaction;
pub mod worktime;
pub mod complaints;
pub mod orders;
