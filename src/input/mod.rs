//! Input: where bytes come from, how they are decoded, which columns play which role,
//! and how raw text becomes validated values. Polars is used here and in `metrics` only.

pub mod clean;
pub mod config;
pub mod frame;
pub mod layout;
pub mod roles;
pub mod sheet;
pub mod source;
pub mod trace;
