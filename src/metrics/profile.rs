//! Column profiles for `inspect`: per column, its values, blanks, how many read as numbers, whole
//! numbers and dates, an example, and for role columns the invalid values and the answers read
//! from labels. One pass over the file.

use anyhow::Result;
use polars::prelude::*;

use crate::input::clean::{self, Cleaned};
use crate::input::frame::{f64_at, Dataset};

/// How a role column is checked: its cleaning, and whether it is a score (answers read from
/// labels are counted for scores).
pub struct Check {
    pub cleaned: Cleaned,
    pub score: bool,
}

/// What was counted for one column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    pub values: u64,
    pub blanks: u64,
    pub numeric: u64,
    pub integral: u64,
    /// Values with a digit (every date has one).
    pub with_digit: u64,
    /// Values read as dates: counted only where every value could be one, else 0.
    pub dates: u64,
    /// Invalid values and score answers read from labels (role columns only).
    pub invalid: Option<u64>,
    pub labelled: Option<u64>,
    /// The first value, on one line, at most 40 characters.
    pub example: Option<String>,
    /// The smallest and largest whole number among the values, and the smallest above 0.
    pub whole: Option<(i64, i64)>,
    pub lowest_positive: Option<i64>,
}

impl ColumnProfile {
    /// Every value could be a date: each has a digit, and a column of numbers only when they
    /// are all whole numbers of 8 digits (compact dates, `20261003`).
    pub fn could_be_dates(&self) -> bool {
        let compact = self.integral == self.values && self.whole.is_some_and(|(lo, hi)| lo >= 10_000_101 && hi <= 99_991_231);
        self.values > 0 && self.with_digit == self.values && (self.numeric < self.values || compact)
    }

    /// The column's type as a person would name it.
    pub fn type_name(&self) -> String {
        match self.values {
            0 => "empty".to_string(),
            v if self.dates == v => "date".to_string(),
            v if self.integral == v => "integer".to_string(),
            v if self.numeric == v => "number".to_string(),
            v if self.numeric > 0 => format!("text ({} of {v} numeric)", self.numeric),
            _ => "text".to_string(),
        }
    }
}

/// The profile of a file.
pub struct Profile {
    /// Data rows.
    pub rows: u64,
    /// Rows with more fields than the header.
    pub ragged: u64,
    pub columns: Vec<ColumnProfile>,
}

/// Columns per query. Polars plans a query's expressions as one tree, and a file of 10,000
/// columns would make one tree of 100,000; in batches the work grows with the columns.
const BATCH: usize = 256;
/// Columns per query of the date check, whose expressions are the largest (a dozen regular
/// expressions a column).
const DATE_BATCH: usize = 32;

/// Profiles every column of `data`; `checks` has one entry per column (None: no role to check).
/// The date check runs only on columns where every value could be a date (see
/// [`ColumnProfile::could_be_dates`]).
pub fn profile(data: &Dataset, checks: &[Option<Check>]) -> Result<Profile> {
    let n = data.headers.len();
    let mut head = vec![len().cast(DataType::Float64).alias("__rows")];
    head.extend(data.ragged_count());
    let (mut rows, mut ragged) = (0, 0);
    let mut columns = Vec::with_capacity(n);
    let starts: Vec<usize> = (0..n.max(1)).step_by(BATCH).collect();
    for (b, &first) in starts.iter().enumerate() {
        let batch = first..(first + BATCH).min(n);
        let mut aggs = if b == 0 { std::mem::take(&mut head) } else { Vec::new() };
        for i in batch.clone() {
            aggs.extend(column_aggs(&data.headers[i], i, checks.get(i).and_then(Option::as_ref)));
        }
        let df = data.collect(data.lazy().select(aggs))?;
        if b == 0 {
            rows = f64_at(&df, "__rows", 0)? as u64;
            ragged = data.ragged_at(&df, 0)?;
        }
        for i in batch {
            columns.push(column_profile(&df, i, rows, matches!(checks.get(i), Some(Some(_))))?);
        }
    }
    let candidates: Vec<usize> = (0..n).filter(|&i| columns[i].could_be_dates()).collect();
    for batch in candidates.chunks(DATE_BATCH) {
        let aggs = batch.iter().map(|&i| {
            let header = &data.headers[i];
            // Year-last dates count as dates in either order.
            let read = |order| clean::date_in(header, Some(order)).value.is_not_null();
            read(clean::DateOrder::Mdy).or(read(clean::DateOrder::Dmy)).cast(DataType::Float64).sum().alias(format!("d{i}"))
        });
        let df = data.collect(data.lazy().select(aggs.collect::<Vec<_>>()))?;
        for &i in batch {
            columns[i].dates = f64_at(&df, &format!("d{i}"), 0)? as u64;
        }
    }
    Ok(Profile { rows, ragged, columns })
}

/// The aggregates of column `i` but its dates.
fn column_aggs(header: &str, i: usize, check: Option<&Check>) -> Vec<Expr> {
    let t = clean::text(header);
    let present = t.clone().neq(lit("")).fill_null(lit(false));
    let number = t.clone().cast(DataType::Float64);
    let sum = |e: Expr, name: &str| e.cast(DataType::Float64).sum().alias(format!("{name}{i}"));
    let whole = number.clone().filter((number.clone() % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)));
    let mut aggs = vec![
        sum(present.clone().not(), "b"),
        sum(number.clone().is_not_null(), "num"),
        sum((number.clone() % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)), "int"),
        sum(t.clone().str().contains(lit("[0-9]"), false).fill_null(lit(false)), "dig"),
        t.filter(present).first().alias(format!("ex{i}")),
        whole.clone().min().cast(DataType::Float64).alias(format!("lo_{i}")),
        whole.clone().max().cast(DataType::Float64).alias(format!("hi_{i}")),
        whole.clone().filter(whole.gt(lit(0.0))).min().cast(DataType::Float64).alias(format!("lop_{i}")),
    ];
    if let Some(check) = check {
        aggs.push(sum(check.cleaned.invalid.clone(), "bad"));
        // Score answers that were words or "N - label" rather than plain numbers (0 for dates).
        let labelled =
            check.cleaned.value.clone().is_not_null().and(clean::text(header).cast(DataType::Float64).is_null()).and(lit(check.score));
        aggs.push(sum(labelled, "lab"));
    }
    aggs
}

/// Column `i`'s profile from its aggregates in `df` (dates still 0).
fn column_profile(df: &DataFrame, i: usize, rows: u64, checked: bool) -> Result<ColumnProfile> {
    let count = |name: String| -> Result<u64> { Ok(f64_at(df, &name, 0)? as u64) };
    let whole = |name: String| -> Result<Option<i64>> { Ok(df.column(&name)?.f64()?.get(0).map(|v| v as i64)) };
    let blanks = count(format!("b{i}"))?;
    Ok(ColumnProfile {
        values: rows - blanks,
        blanks,
        numeric: count(format!("num{i}"))?,
        integral: count(format!("int{i}"))?,
        with_digit: count(format!("dig{i}"))?,
        dates: 0,
        invalid: if checked { Some(count(format!("bad{i}"))?) } else { None },
        labelled: if checked { Some(count(format!("lab{i}"))?) } else { None },
        // One line, at most 40 characters: a multi-line comment would break the table.
        example: df.column(&format!("ex{i}"))?.str()?.get(0).map(|s| s.replace(['\r', '\n'], "↵").chars().take(40).collect()),
        whole: whole(format!("lo_{i}"))?.zip(whole(format!("hi_{i}"))?),
        lowest_positive: whole(format!("lop_{i}"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        let p = |values, numeric, integral, dates| ColumnProfile {
            values,
            blanks: 0,
            numeric,
            integral,
            with_digit: values,
            dates,
            invalid: None,
            labelled: None,
            example: None,
            whole: None,
            lowest_positive: None,
        };
        assert_eq!(p(0, 0, 0, 0).type_name(), "empty");
        assert_eq!(p(4, 0, 0, 4).type_name(), "date");
        assert_eq!(p(4, 4, 4, 0).type_name(), "integer");
        assert_eq!(p(4, 4, 3, 0).type_name(), "number");
        assert_eq!(p(4, 1, 1, 0).type_name(), "text (1 of 4 numeric)");
        assert_eq!(p(4, 0, 0, 0).type_name(), "text");
    }
}
