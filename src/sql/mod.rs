//! cxstat's definitions as SQL, for the engines where large data lives (Spark SQL, DuckDB): the
//! reading rules (trimmed text, numbers, blanks and `--na-values`, ISO dates, periods, `--by`
//! keys) as expressions of a dialect, each command's sufficient statistics as one query
//! ([`survey`], [`complaints`], [`repeat`]), and the reading of the engine's result file
//! ([`result`]). `cxstat sql` prints the query; `cxstat merge PLAN RESULT` turns its result into
//! the command's table.
//!
//! The SQL is written for what both engines share: `CASE`, `COUNT`, `SUM`, `MIN`, `MAX`,
//! `COUNT(DISTINCT …)`, subqueries and `UNION ALL`. Where they differ (quoting, string escapes,
//! `TRY_CAST`, regular expressions, day numbers, trimming) [`Dialect`] writes each its own way.

pub mod complaints;
pub mod repeat;
pub mod result;
pub mod survey;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use anyhow::Result;

use crate::input::clean::{NO, NOT_APPLICABLE, SQL_DATE_FORM, YES};
use crate::metrics::grouping::{GroupKey, Grouping};
use crate::metrics::period::{index_label, Period};
use result::ResultTable;

/// The SQL dialect a query is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// DuckDB (1.x and 2.x).
    Duckdb,
    /// Spark SQL (3.4 and later, ANSI mode on or off).
    Spark,
}

/// The characters trimmed from both ends of a value: those Rust's `char::is_whitespace` knows,
/// as cxstat's readers trim them (the ideographic space U+3000 and the no-break space included).
const WHITESPACE: &[u32] = &[
    0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
    0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
];

/// Currency signs and spaces, dropped from an amount (as cxstat's amount reader drops them).
const MONEY: &str = "[¥￥$€£\\s]";

/// A plain decimal number as cxstat's readers take one (`4`, `-0.5`, `+3.`, `.5`, `1e3`): other
/// text (`4d`, `0x10`, `1_000`, `Infinity`), which one engine or another would also cast, is
/// not a number.
const NUMBER: &str = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$";

impl Dialect {
    /// The dialect's name as `--dialect` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Spark => "spark",
        }
    }

    /// A quoted identifier (a column or table name).
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Duckdb => format!("\"{}\"", name.replace('"', "\"\"")),
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
        }
    }

    /// A table name as given: `db.schema.table` is quoted part by part; a name in quotes or
    /// backticks is used as written.
    pub fn table(self, name: &str) -> String {
        if name.contains(['"', '`', '(', ' ']) {
            return name.to_string();
        }
        name.split('.').map(|p| self.ident(p)).collect::<Vec<_>>().join(".")
    }

    /// A string literal.
    pub fn string(self, s: &str) -> String {
        match self {
            Dialect::Duckdb => format!("'{}'", s.replace('\'', "''")),
            // Spark reads backslash escapes in literals.
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }

    /// The whitespace characters of [`WHITESPACE`] as a string expression.
    fn whitespace(self) -> String {
        match self {
            Dialect::Duckdb => format!("concat({})", WHITESPACE.iter().map(|c| format!("chr({c})")).collect::<Vec<_>>().join(", ")),
            Dialect::Spark => format!("'{}'", WHITESPACE.iter().map(|c| format!("\\u{c:04X}")).collect::<String>()),
        }
    }

    /// A column's value as text, trimmed of whitespace (null stays null). Trimming with a set of
    /// characters is slow (DuckDB: 3.5 s of a 3.7 s query on 2 M rows), so only the values that
    /// start or end with one of them are trimmed.
    pub fn text(self, column: &str) -> String {
        let t = self.raw_text(column);
        let w = self.whitespace();
        let trim = match self {
            Dialect::Duckdb => format!("trim({t}, {w})"),
            Dialect::Spark => format!("btrim({t}, {w})"),
        };
        format!("CASE WHEN instr({w}, left({t}, 1)) > 0 OR instr({w}, right({t}, 1)) > 0 THEN {trim} ELSE {t} END")
    }

    /// Trimmed text `t` read as an amount: a plain number, else with currency signs and spaces
    /// removed and commas that group thousands dropped (`¥1,234.50`); null where it is none.
    /// The plain number is tried first, so a clean column costs one regular expression.
    pub fn amount(self, t: &str) -> String {
        let money = self.replace_all(t, MONEY);
        let thousands = "^-?[0-9]{1,3}(,[0-9]{3})+([.][0-9]+)?$";
        let plain = format!("CASE WHEN {} THEN replace({money}, ',', '') ELSE {money} END", self.matches(&money, thousands));
        format!("CASE WHEN {} THEN {} ELSE {} END", self.matches(t, NUMBER), self.try_cast(t, "DOUBLE"), self.number(&plain))
    }

    /// A null of the text type.
    pub fn null_text(self) -> String {
        match self {
            Dialect::Duckdb => "CAST(NULL AS VARCHAR)".to_string(),
            Dialect::Spark => "CAST(NULL AS STRING)".to_string(),
        }
    }

    /// Text `t` without currency signs and spaces (an amount as written, [`Dialect::amount`]).
    pub(crate) fn without_money_signs(self, t: &str) -> String {
        self.replace_all(t, MONEY)
    }

    /// Text `t` with every match of `pattern` removed.
    fn replace_all(self, t: &str, pattern: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_replace({t}, {}, '', 'g')", self.string(pattern)),
            Dialect::Spark => format!("regexp_replace({t}, {}, '')", self.string(pattern)),
        }
    }

    /// A column's value as text, as it is (for `--by` keys, which are not trimmed).
    pub fn raw_text(self, column: &str) -> String {
        let c = self.ident(column);
        match self {
            Dialect::Duckdb => format!("CAST({c} AS VARCHAR)"),
            Dialect::Spark => format!("CAST({c} AS STRING)"),
        }
    }

    /// True where text `t` matches the regular expression `pattern` somewhere (the patterns here
    /// are anchored).
    fn matches(self, t: &str, pattern: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_matches({t}, {})", self.string(pattern)),
            Dialect::Spark => format!("({t} RLIKE {})", self.string(pattern)),
        }
    }

    /// `CAST(x AS type)` that gives null rather than an error.
    fn try_cast(self, x: &str, ty: &str) -> String {
        match self {
            Dialect::Duckdb => format!("TRY_CAST({x} AS {ty})"),
            Dialect::Spark => format!("try_cast({x} AS {ty})"),
        }
    }

    /// Text `t` read as a number (a double), null where it is not a plain number ([`NUMBER`]).
    pub fn number(self, t: &str) -> String {
        format!("CASE WHEN {} THEN {} END", self.matches(t, NUMBER), self.try_cast(t, "DOUBLE"))
    }

    /// Text `t` read as a date: written `2026-10-03`, alone or before a time; null otherwise and
    /// for impossible dates such as 2026-02-30.
    pub fn date(self, t: &str) -> String {
        format!("CASE WHEN {} THEN {} END", self.matches(t, SQL_DATE_FORM), self.try_cast(&format!("substr({t}, 1, 10)"), "DATE"))
    }

    /// A yes/no column's code: 1 yes, 0 no, 2 blank or not applicable, 3 anything else.
    pub(crate) fn yes_no(self, t: &str) -> String {
        let t = format!("lower(coalesce({t}, ''))");
        let list = |words: &[&str]| words.iter().map(|w| self.string(w)).collect::<Vec<_>>().join(", ");
        format!(
            "CASE WHEN {t} IN ({}) THEN 1 WHEN {t} IN ({}) THEN 0 WHEN {t} IN ({}, '') THEN 2 ELSE 3 END",
            list(YES),
            list(NO),
            list(NOT_APPLICABLE)
        )
    }

    /// A date literal.
    pub fn date_literal(self, d: NaiveDate) -> String {
        format!("DATE '{}'", d.format("%Y-%m-%d"))
    }

    /// Days since 1970-01-01 of date `d`.
    pub fn days(self, d: &str) -> String {
        match self {
            Dialect::Duckdb => format!("date_diff('day', DATE '1970-01-01', {d})"),
            Dialect::Spark => format!("datediff({d}, DATE '1970-01-01')"),
        }
    }

    /// The period number of date `d`, as cxstat numbers periods
    /// ([`crate::metrics::period::period_index`]).
    pub fn period_index(self, d: &str, period: Period) -> String {
        let e = match period {
            Period::Day => self.days(d),
            Period::Week => format!("floor(({} + 3) / 7.0)", self.days(d)),
            Period::Month => format!("year({d}) * 12 + month({d}) - 1"),
            Period::Quarter => format!("year({d}) * 4 + quarter({d}) - 1"),
            Period::Year => format!("year({d})"),
        };
        format!("CAST({e} AS BIGINT)")
    }

    /// `1` where `condition` holds, else `0` (also where it is null).
    pub fn flag(self, condition: &str) -> String {
        format!("CASE WHEN {condition} THEN 1 ELSE 0 END")
    }
}

/// True where text `t` (trimmed) is an answer: neither null, nor empty, nor one of `na_values`
/// (matched as text, and as a number when the NA value is one: `-99` also matches `-99.0`).
pub fn answered(dialect: Dialect, t: &str, na_values: &[String]) -> String {
    let mut parts = vec![format!("{t} IS NOT NULL"), format!("{t} <> ''")];
    for na in na_values {
        let na = na.trim();
        parts.push(format!("{t} <> {}", dialect.string(na)));
        if let Ok(n) = na.parse::<f64>() {
            if n.is_finite() {
                parts.push(format!("coalesce({} <> {}, TRUE)", dialect.number(t), number_literal(n)));
            }
        }
    }
    format!("({})", parts.join(" AND "))
}

/// A number as a SQL literal (a double: `4.0`, `-99.0`, `1e9`).
pub fn number_literal(n: f64) -> String {
    let s = format!("{n:?}");
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// The grouping of a query: the key columns it selects and groups by, and the filter of the
/// `--from`/`--to` window. `date` is the column (in the inner query) holding each row's date, or
/// null where it has none.
pub struct Keys {
    /// `expression AS name` for the select list of the rows.
    pub columns: Vec<String>,
    /// The names of the key columns (`period`, `by_1`, …, `dated`), in order.
    pub names: Vec<String>,
    /// The window's condition on the rows (rows without a date stay, as undated).
    pub filter: Option<String>,
}

/// The key columns of `grouping` (see [`Keys`]): `period` (the period number, null without a
/// period or a date), `by_1`…`by_k` (the values as text, untrimmed, or trimmed and lower-cased
/// with `--fold-case`; blank is null), and `dated` (0 for rows without a valid date where the
/// grouping needs one, else 1).
pub fn keys(dialect: Dialect, grouping: &Grouping, date: &str) -> Keys {
    let mut columns = Vec::new();
    let uses_date = grouping.uses_date() && grouping.date.is_some();
    let period = match (uses_date, grouping.period) {
        (true, Some(p)) => dialect.period_index(date, p),
        _ => "CAST(NULL AS BIGINT)".to_string(),
    };
    columns.push(format!("{period} AS period"));
    for (i, header) in grouping.by.iter().enumerate() {
        let value = if grouping.fold_case { format!("lower({})", dialect.text(header)) } else { dialect.raw_text(header) };
        columns.push(format!("nullif({value}, '') AS by_{}", i + 1));
    }
    let dated = if uses_date { dialect.flag(&format!("{date} IS NOT NULL")) } else { "1".to_string() };
    columns.push(format!("{dated} AS dated"));
    let mut window = Vec::new();
    if uses_date {
        if let Some(from) = grouping.from {
            window.push(format!("{date} >= {}", dialect.date_literal(from)));
        }
        if let Some(to) = grouping.to {
            window.push(format!("{date} <= {}", dialect.date_literal(to)));
        }
    }
    let filter = (!window.is_empty()).then(|| format!("{date} IS NULL OR ({})", window.join(" AND ")));
    Keys { columns, names: key_names(grouping), filter }
}

/// The `--by` columns, each once, quoted (they pass through a query's inner steps).
pub fn by_columns(dialect: Dialect, grouping: &Grouping) -> Vec<String> {
    let mut by: Vec<String> = Vec::new();
    for h in &grouping.by {
        if !by.contains(&dialect.ident(h)) {
            by.push(dialect.ident(h));
        }
    }
    by
}

/// The names of the key columns of `grouping` (see [`keys`]).
pub fn key_names(grouping: &Grouping) -> Vec<String> {
    let mut names = vec!["period".to_string()];
    names.extend((1..=grouping.by.len()).map(|i| format!("by_{i}")));
    names.push("dated".to_string());
    names
}

/// The group of row `i` of a result, and whether it is dated, from its key columns (found by
/// `column`): the period number labelled as cxstat labels periods, the `--by` values.
pub fn group_key(result: &ResultTable, i: usize, grouping: &Grouping, column: &dyn Fn(&str) -> Option<usize>) -> Result<(GroupKey, bool)> {
    let period = match (grouping.period, column("period")) {
        (Some(p), Some(c)) => result.integer(i, c)?.map(|n| index_label(n, p)),
        _ => None,
    };
    let by = (1..=grouping.by.len()).map(|k| column(&format!("by_{k}")).and_then(|c| result.text(i, c)).map(str::to_string)).collect();
    let dated = match column("dated") {
        Some(c) => result.number(i, c)? != 0.0,
        None => true,
    };
    // With a period, the undated rows are the group without one.
    let dated = dated && (grouping.period.is_none() || !grouping.uses_date() || period.is_some());
    Ok((GroupKey { period, by }, dated))
}

/// `COUNT` of the rows where `condition` holds.
pub fn count_where(condition: &str) -> String {
    format!("COUNT(CASE WHEN {condition} THEN 1 END)")
}

/// Indents each line of `s` by `n` spaces.
pub(crate) fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.lines().map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") }).collect::<Vec<_>>().join("\n")
}

/// A `SELECT` of `columns` from `from` (a table or a subquery), one column a line.
pub fn select(columns: &[String], from: &str, filter: Option<&str>) -> String {
    let mut s = format!("SELECT\n{}\nFROM {from}", indent(&columns.join(",\n"), 2));
    if let Some(f) = filter {
        s.push_str(&format!("\nWHERE {f}"));
    }
    s
}

/// `(query) alias`, indented.
pub fn subquery(query: &str, alias: &str) -> String {
    format!("(\n{}\n) {alias}", indent(query, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_per_dialect() {
        assert_eq!(Dialect::Duckdb.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Duckdb.string("it's"), "'it''s'");
        assert_eq!(Dialect::Spark.string("it's \\"), "'it\\'s \\\\'");
        assert_eq!(Dialect::Spark.table("db.orders"), "`db`.`orders`");
        assert_eq!(Dialect::Duckdb.table("read_parquet('x.parquet')"), "read_parquet('x.parquet')");
    }

    #[test]
    fn number_literals_are_doubles() {
        assert_eq!(number_literal(4.0), "4.0");
        assert_eq!(number_literal(-99.0), "-99.0");
        assert_eq!(number_literal(1e9), "1000000000.0");
        assert_eq!(number_literal(0.5), "0.5");
    }

    #[test]
    fn keys_of_a_grouping() {
        let g = Grouping {
            date: Some("d".into()),
            period: Some(Period::Month),
            from: NaiveDate::from_ymd_opt(2026, 1, 1),
            by: vec!["segment".into()],
            ..Default::default()
        };
        let k = keys(Dialect::Duckdb, &g, "__d");
        assert_eq!(k.names, ["period", "by_1", "dated"]);
        assert_eq!(k.columns[0], "CAST(year(__d) * 12 + month(__d) - 1 AS BIGINT) AS period");
        assert_eq!(k.columns[1], "nullif(CAST(\"segment\" AS VARCHAR), '') AS by_1");
        assert_eq!(k.filter.as_deref(), Some("__d IS NULL OR (__d >= DATE '2026-01-01')"));
        // Without dates every row is dated and there is no period.
        let k = keys(Dialect::Spark, &Grouping::default(), "__d");
        assert_eq!(k.columns, ["CAST(NULL AS BIGINT) AS period", "1 AS dated"]);
        assert_eq!(k.filter, None);
    }
}
