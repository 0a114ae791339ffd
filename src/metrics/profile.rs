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

/// Profiles every column of `data`; `checks` has one entry per column (None: no role to check).
pub fn profile(data: &Dataset, checks: &[Option<Check>]) -> Result<Profile> {
    let mut aggs = vec![len().cast(DataType::Float64).alias("__rows")];
    aggs.extend(data.ragged_count());
    for (i, header) in data.headers.iter().enumerate() {
        let t = clean::text(header);
        let present = t.clone().neq(lit("")).fill_null(lit(false));
        let number = t.clone().cast(DataType::Float64);
        let sum = |e: Expr, name: &str| e.cast(DataType::Float64).sum().alias(format!("{name}{i}"));
        aggs.push(sum(present.clone().not(), "b"));
        aggs.push(sum(number.clone().is_not_null(), "num"));
        aggs.push(sum((number.clone() % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)), "int"));
        // Year-last dates count as dates in either order.
        let any_date =
            clean::date_in(header, Some(clean::DateOrder::Mdy))
                .value
                .is_not_null()
                .or(clean::date_in(header, Some(clean::DateOrder::Dmy)).value.is_not_null());
        aggs.push(sum(any_date, "d"));
        aggs.push(t.filter(present).first().alias(format!("ex{i}")));
        let whole = number.clone().filter((number.clone() % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)));
        aggs.push(whole.clone().min().cast(DataType::Float64).alias(format!("lo_{i}")));
        aggs.push(whole.clone().max().cast(DataType::Float64).alias(format!("hi_{i}")));
        aggs.push(whole.clone().filter(whole.gt(lit(0.0))).min().cast(DataType::Float64).alias(format!("lop_{i}")));
        if let Some(Some(check)) = checks.get(i) {
            aggs.push(sum(check.cleaned.invalid.clone(), "bad"));
            // Score answers that were words or "N - label" rather than plain numbers (0 for dates).
            let labelled =
                check.cleaned.value.clone().is_not_null().and(clean::text(header).cast(DataType::Float64).is_null()).and(lit(check.score));
            aggs.push(sum(labelled, "lab"));
        }
    }
    let df = data.collect(data.lazy().select(aggs))?;
    let rows = f64_at(&df, "__rows", 0)? as u64;
    let count = |name: String| -> Result<u64> { Ok(f64_at(&df, &name, 0)? as u64) };
    let whole = |name: String| -> Result<Option<i64>> { Ok(df.column(&name)?.f64()?.get(0).map(|v| v as i64)) };
    let mut columns = Vec::with_capacity(data.headers.len());
    for i in 0..data.headers.len() {
        let blanks = count(format!("b{i}"))?;
        let checked = matches!(checks.get(i), Some(Some(_)));
        columns.push(ColumnProfile {
            values: rows - blanks,
            blanks,
            numeric: count(format!("num{i}"))?,
            integral: count(format!("int{i}"))?,
            dates: count(format!("d{i}"))?,
            invalid: if checked { Some(count(format!("bad{i}"))?) } else { None },
            labelled: if checked { Some(count(format!("lab{i}"))?) } else { None },
            // One line, at most 40 characters: a multi-line comment would break the table.
            example: df.column(&format!("ex{i}"))?.str()?.get(0).map(|s| s.replace(['\r', '\n'], "↵").chars().take(40).collect()),
            whole: whole(format!("lo_{i}"))?.zip(whole(format!("hi_{i}"))?),
            lowest_positive: whole(format!("lop_{i}"))?,
        });
    }
    Ok(Profile { rows, ragged: data.ragged_at(&df, 0)?, columns })
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
