//! Result columns, declared once. A command lists its columns — key, decimals, when the run shows
//! it, how its value is read from a typed result row — and the cells people see, each naming the
//! columns it shows. The machine table (CSV, JSON), the human table (terminal, Markdown), charts
//! and the scorecard all read these lists, so a new column is one summary field and one entry.

use super::{Cell, Table};
use crate::stats::intervals::Interval;

/// The value of a column in one row, before it is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A count: a whole number.
    Count(f64),
    /// A statistic (`None` or not finite: not computable), shown with the column's decimals.
    Num(Option<f64>),
    /// A sum, shown as it is with the column's decimals.
    Sum(f64),
    /// A p-value (`None`: no test).
    P(Option<f64>),
    Flag(bool),
    Text(Option<String>),
}

impl Value {
    /// The low end of an interval (not computable without one).
    pub fn low(interval: Option<Interval>) -> Value {
        Value::Num(interval.map(|i| i.low))
    }

    /// The high end of an interval.
    pub fn high(interval: Option<Interval>) -> Value {
        Value::Num(interval.map(|i| i.high))
    }

    fn cell(self, decimals: usize) -> Cell {
        match self {
            Value::Count(n) => Cell::Int(n as i64),
            Value::Num(v) => Cell::num(v, decimals),
            Value::Sum(v) => Cell::Num(v, decimals),
            Value::P(p) => Cell::p(p),
            Value::Flag(b) => Cell::Bool(b),
            Value::Text(t) => t.map_or(Cell::Null, Cell::Text),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Count(n) => Some(*n),
            Value::Num(v) => *v,
            Value::Sum(v) => Some(*v),
            Value::P(p) => *p,
            _ => None,
        }
    }
}

/// One column of a result table of rows `R`, for a run planned as `P`.
pub struct Column<R, P> {
    /// Its name in CSV and JSON, by which charts and the scorecard find it too.
    pub key: &'static str,
    /// Decimals shown to people (CSV and JSON keep full precision).
    pub decimals: usize,
    /// Whether this run's table has it (a mapped score, a weight, an orders file).
    pub shown: fn(&P) -> bool,
    /// Its value in a row.
    pub value: fn(&R, &P) -> Value,
}

/// What a cell of the human table shows.
pub enum Show<R, P> {
    /// The column with this key, rounded.
    Column(&'static str),
    /// A value and its interval, "82.4 (80.1–84.5)" (signed: "+12.0 (…)"), from three columns.
    Interval { value: &'static str, low: &'static str, high: &'static str, signed: bool },
    /// A cell made for people only (a note, a summary of several columns).
    Cell(fn(&R, &P) -> Cell),
}

/// One column of the human table: its header and what its cells show.
pub struct Shown<R, P> {
    pub header: fn(&P) -> String,
    pub shown: fn(&P) -> bool,
    pub show: Show<R, P>,
}

/// Shown in every run.
pub fn always<P>(_: &P) -> bool {
    true
}

/// The keys of the columns a run planned as `plan` shows.
pub fn shown_keys<R, P>(columns: &[Column<R, P>], plan: &P) -> Vec<&'static str> {
    columns.iter().filter(|c| (c.shown)(plan)).map(|c| c.key).collect()
}

/// The declared column with this key.
///
/// Panics when no column has the key: the declarations are constant, and a test of each command
/// checks every key its views, charts and scorecard KPIs name.
pub fn column<'a, R, P>(columns: &'a [Column<R, P>], key: &str) -> &'a Column<R, P> {
    columns.iter().find(|c| c.key == key).unwrap_or_else(|| panic!("no column '{key}' is declared"))
}

/// The keys that `views` and `named` (chart metrics, scorecard KPIs) name but `columns` do not
/// declare: none, for a command's declarations (each command's tests check it).
#[cfg(test)]
pub fn undeclared<'a, R, P>(columns: &[Column<R, P>], views: &'a [Shown<R, P>], named: &[&'a str]) -> Vec<&'a str> {
    let mut keys: Vec<&str> = named.to_vec();
    for view in views {
        match view.show {
            Show::Column(key) => keys.push(key),
            Show::Interval { value, low, high, .. } => keys.extend([value, low, high]),
            Show::Cell(_) => {}
        }
    }
    keys.retain(|k| !columns.iter().any(|c| c.key == *k));
    keys
}

/// The rows of a result: its label columns (period, groups) and its declared columns.
pub struct Rows<'a, R, P> {
    pub plan: &'a P,
    pub label_columns: &'a [String],
    pub labels: &'a dyn Fn(&R) -> Vec<Cell>,
    pub rows: &'a [R],
}

impl<R, P> Rows<'_, R, P> {
    /// The machine table: the label columns, then every column this run shows, at full precision.
    pub fn machine(&self, columns: &[Column<R, P>]) -> Table {
        let shown: Vec<&Column<R, P>> = columns.iter().filter(|c| (c.shown)(self.plan)).collect();
        let mut names = self.label_columns.to_vec();
        names.extend(shown.iter().map(|c| c.key.to_string()));
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = (self.labels)(r);
                cells.extend(shown.iter().map(|c| (c.value)(r, self.plan).cell(c.decimals)));
                cells
            })
            .collect();
        Table { columns: names, rows }
    }

    /// The human table: the label columns, then each view this run shows.
    pub fn human(&self, views: &[Shown<R, P>], columns: &[Column<R, P>]) -> Table {
        let shown: Vec<&Shown<R, P>> = views.iter().filter(|v| (v.shown)(self.plan)).collect();
        let mut names = self.label_columns.to_vec();
        names.extend(shown.iter().map(|v| (v.header)(self.plan)));
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = (self.labels)(r);
                cells.extend(shown.iter().map(|v| self.human_cell(&v.show, columns, r)));
                cells
            })
            .collect();
        Table { columns: names, rows }
    }

    fn human_cell(&self, show: &Show<R, P>, columns: &[Column<R, P>], row: &R) -> Cell {
        let value = |key: &str| {
            let c = column(columns, key);
            ((c.value)(row, self.plan), c.decimals)
        };
        match show {
            Show::Column(key) => {
                let (v, decimals) = value(key);
                v.cell(decimals)
            }
            Show::Interval { value: v, low, high, signed } => {
                let (v, decimals) = value(v);
                let interval = value(low).0.number().zip(value(high).0.number());
                with_interval(v.number(), interval, decimals, *signed)
            }
            Show::Cell(cell) => cell(row, self.plan),
        }
    }
}

/// "82.4 (80.1 to 84.5)", "+5.2 (−1.6 to 8.7)", or "–" when not computable.
pub fn with_interval(value: Option<f64>, interval: Option<(f64, f64)>, decimals: usize, signed: bool) -> Cell {
    let Some(v) = value else { return Cell::Null };
    let v = human_number(v, decimals, signed);
    Cell::Text(match interval {
        Some((low, high)) => format!("{v} ({} to {})", human_number(low, decimals, false), human_number(high, decimals, false)),
        None => v,
    })
}

/// A number rounded for people: a true minus sign (−) on negatives, a plus on positives when
/// `signed`, and never "-0.0" (a value that rounds to zero has no sign).
pub fn human_number(v: f64, decimals: usize, signed: bool) -> String {
    let text = format!("{:.decimals$}", v.abs());
    let zero = text.bytes().all(|b| b == b'0' || b == b'.');
    match () {
        _ if zero => text,
        _ if v < 0.0 => format!("−{text}"),
        _ if signed => format!("+{text}"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plan {
        extra: bool,
    }

    const COLUMNS: &[Column<(f64, f64), Plan>] = &[
        Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.0) },
        Column { key: "mean", decimals: 2, shown: always, value: |r, _| Value::Num(Some(r.1)) },
        Column { key: "low", decimals: 2, shown: |p| p.extra, value: |r, _| Value::Num(Some(r.1 - 1.0)) },
        Column { key: "high", decimals: 2, shown: |p| p.extra, value: |r, _| Value::Num(Some(r.1 + 1.0)) },
    ];

    /// The machine table shows the columns the plan shows; a human cell reads the columns it
    /// names whether or not the machine table shows them.
    #[test]
    fn both_tables_read_the_declaration() {
        let views: [Shown<(f64, f64), Plan>; 2] = [
            Shown {
                header: |_| "mean (CI)".into(),
                shown: always,
                show: Show::Interval { value: "mean", low: "low", high: "high", signed: false },
            },
            Shown { header: |p| format!("n{}", if p.extra { "+" } else { "" }), shown: always, show: Show::Column("n") },
        ];
        let rows = [(3.0, 2.5)];
        let labels = |_: &(f64, f64)| vec![Cell::Text("all".into())];
        for (extra, machine_keys, mean) in
            [(true, vec!["g", "n", "mean", "low", "high"], "2.50 (1.50 to 3.50)"), (false, vec!["g", "n", "mean"], "2.50 (1.50 to 3.50)")]
        {
            let plan = Plan { extra };
            let r = Rows { plan: &plan, label_columns: &["g".to_string()], labels: &labels, rows: &rows };
            let machine = r.machine(COLUMNS);
            assert_eq!(machine.columns, machine_keys);
            assert_eq!(machine.rows[0][1..3], [Cell::Int(3), Cell::Num(2.5, 2)]);
            let human = r.human(&views, COLUMNS);
            assert_eq!(human.rows[0], [Cell::Text("all".into()), Cell::Text(mean.into()), Cell::Int(3)]);
        }
    }

    #[test]
    fn intervals_read_as_text() {
        assert_eq!(with_interval(Some(12.04), Some((-1.0, 25.5)), 1, true), Cell::Text("+12.0 (−1.0 to 25.5)".into()));
        assert_eq!(with_interval(Some(-100.0), Some((-100.0, -100.0)), 1, true), Cell::Text("−100.0 (−100.0 to −100.0)".into()));
        // Rounded to zero: no sign, whichever side it came from.
        assert_eq!(with_interval(Some(-0.04), Some((-0.04, 0.04)), 1, true), Cell::Text("0.0 (0.0 to 0.0)".into()));
        assert_eq!(with_interval(Some(4.0), None, 2, false), Cell::Text("4.00".into()));
        assert_eq!(with_interval(None, Some((1.0, 2.0)), 1, false), Cell::Null);
    }
}
