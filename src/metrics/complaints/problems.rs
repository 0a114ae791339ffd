//! Problems found in complaint rows (invalid timestamps and yes/no values, times before the
//! opening, unknown severities and statuses, duplicate ids): how many rows in scope have each,
//! and the first of them quoted from the input.

use anyhow::Result;
use polars::prelude::*;

use super::{ComplaintSpec, Prepared};
use crate::input::clean;
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::count_where;
use crate::metrics::grouping::Grouping;

/// A problem found in the rows, with the column it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    OpenedInvalid,
    RespondedInvalid,
    RespondedBeforeOpened,
    ResolvedInvalid,
    ResolvedBeforeOpened,
    FcrInvalid,
    ReopenedInvalid,
    TimelyInvalid,
    UnknownSeverity,
    UnknownStatus,
    Duplicate,
    Ragged,
}

impl Problem {
    pub const ALL: [Problem; 12] = [
        Problem::Duplicate,
        Problem::OpenedInvalid,
        Problem::RespondedInvalid,
        Problem::RespondedBeforeOpened,
        Problem::ResolvedInvalid,
        Problem::ResolvedBeforeOpened,
        Problem::FcrInvalid,
        Problem::ReopenedInvalid,
        Problem::TimelyInvalid,
        Problem::UnknownSeverity,
        Problem::UnknownStatus,
        Problem::Ragged,
    ];

    /// The row flag's column.
    pub fn flag(self) -> &'static str {
        match self {
            Problem::OpenedInvalid => "__opened_bad",
            Problem::RespondedInvalid => "__responded_bad",
            Problem::RespondedBeforeOpened => "__resp_before",
            Problem::ResolvedInvalid => "__resolved_bad",
            Problem::ResolvedBeforeOpened => "__resol_before",
            Problem::FcrInvalid => "__fcr_bad",
            Problem::ReopenedInvalid => "__reopened_bad",
            Problem::TimelyInvalid => "__timely_bad",
            Problem::UnknownSeverity => "__sev_unknown",
            Problem::UnknownStatus => "__status_unknown",
            Problem::Duplicate => "__dup",
            Problem::Ragged => "__ragged",
        }
    }

    /// The raw column the problem is in.
    pub fn column(self, spec: &ComplaintSpec) -> Option<String> {
        match self {
            Problem::OpenedInvalid => Some(spec.opened.clone()),
            Problem::RespondedInvalid | Problem::RespondedBeforeOpened => spec.responded.clone(),
            Problem::ResolvedInvalid | Problem::ResolvedBeforeOpened => spec.resolved.clone(),
            Problem::FcrInvalid => spec.fcr.clone(),
            Problem::ReopenedInvalid => spec.reopened.clone(),
            Problem::TimelyInvalid => spec.timely.clone(),
            Problem::UnknownSeverity => spec.severity.clone(),
            Problem::UnknownStatus => spec.status.clone(),
            Problem::Duplicate => spec.id.clone(),
            Problem::Ragged => None,
        }
    }
}

/// The prepared rows within the date window (rows without a valid date kept, to be reported).
fn scoped(prepared: &Prepared, grouping: &Grouping) -> LazyFrame {
    prepared.over(grouping).apply(prepared.rows.clone().lazy()).0
}

/// How many rows are in scope.
pub fn rows_in_scope(data: &Dataset, prepared: &Prepared, grouping: &Grouping) -> Result<u64> {
    let df = data.collect(scoped(prepared, grouping).select([len().cast(DataType::Float64).alias("rows")]))?;
    Ok(f64_at(&df, "rows", 0)? as u64)
}

/// How many rows in scope have each problem (duplicates: rows after the first of their id).
pub fn problem_counts(data: &Dataset, prepared: &Prepared, grouping: &Grouping) -> Result<Vec<(Problem, u64)>> {
    let present: Vec<Problem> = Problem::ALL.into_iter().filter(|p| prepared.rows.get_column_index(p.flag()).is_some()).collect();
    if present.is_empty() {
        return Ok(Vec::new());
    }
    let df = data.collect(
        scoped(prepared, grouping).select(present.iter().map(|p| count_where(col(p.flag())).alias(p.flag())).collect::<Vec<_>>()),
    )?;
    present.into_iter().map(|p| Ok((p, f64_at(&df, p.flag(), 0)? as u64))).collect()
}

/// The first `limit` rows in scope with `problem`: (row number, raw value).
pub fn problem_examples(
    data: &Dataset,
    prepared: &Prepared,
    grouping: &Grouping,
    problem: Problem,
    column: &str,
    limit: u32,
) -> Result<Vec<(u64, String)>> {
    data.examples_from_input(scoped(prepared, grouping).filter(col(problem.flag())), column, limit)
}

/// The distinct values of `column` among rows in scope with `problem`, most frequent first.
pub fn problem_values(
    data: &Dataset,
    prepared: &Prepared,
    grouping: &Grouping,
    problem: Problem,
    column: &str,
    limit: usize,
) -> Result<Vec<(String, u64)>> {
    let df = data.collect(
        scoped(prepared, grouping)
            .filter(col(problem.flag()))
            .group_by([clean::text(column).alias("__value")])
            .agg([len().cast(DataType::Float64).alias("__n")]),
    )?;
    let values = df.column("__value")?.str()?;
    let mut out: Vec<(String, u64)> =
        (0..df.height()).map(|i| Ok((values.get(i).unwrap_or("").to_string(), f64_at(&df, "__n", i)? as u64))).collect::<Result<_>>()?;
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(limit);
    Ok(out)
}
