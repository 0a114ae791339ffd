//! Pure numeric code: intervals, tests, weights, quantiles. No polars, no I/O.

pub mod drivers;
pub mod histogram;
pub mod intervals;
pub mod significance;
