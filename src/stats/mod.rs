//! Pure numeric code: intervals, tests, weights, quantiles. No polars, no I/O.

/// The largest count held exactly: 2^53, the largest whole number an f64 (and a JSON number)
/// holds exactly; sums beyond it would not add up exactly.
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

pub mod clv;
pub mod design;
pub mod drivers;
pub mod histogram;
pub mod intervals;
pub mod logistic;
pub mod reliability;
pub mod significance;
pub mod themes;
