//! Output: one table model rendered as a terminal table, CSV, JSON or Markdown, written to
//! stdout or atomically to a file. Renderers format; they never compute.

pub mod columns;
mod render;
mod sink;

use std::io::Write;
use std::path::Path;

use anyhow::Result;

pub use render::{human_text, machine_text, markdown_text, render};
pub use sink::{check_folder, check_outputs, write_atomic, NamedStdout};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

/// A value in a result table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number, and the decimals to show it with in human formats (CSV and JSON keep full precision).
    Num(f64, usize),
    /// A p-value: four decimals for people, `<0.0001` below that (CSV and JSON keep it whole).
    P(f64),
    Bool(bool),
    /// Not computable or not applicable.
    Null,
}

impl Cell {
    /// A number, or Null for `None` and non-finite values.
    pub fn num(value: Option<f64>, decimals: usize) -> Cell {
        match value {
            Some(v) if v.is_finite() => Cell::Num(v, decimals),
            _ => Cell::Null,
        }
    }

    /// A p-value, or Null for `None` and non-finite values.
    pub fn p(value: Option<f64>) -> Cell {
        match value {
            Some(v) if v.is_finite() => Cell::P(v),
            _ => Cell::Null,
        }
    }

    /// Text, or Null for `None`.
    pub fn text(value: Option<&str>) -> Cell {
        value.map_or(Cell::Null, |s| Cell::Text(s.to_string()))
    }
}

/// A rectangular result: named columns and rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A result in the two shapes it is shown in: every column at full precision for machines
/// (CSV, JSON), and a compact, rounded view for people (terminal table, Markdown).
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub machine: Table,
    pub human: Table,
    /// Lines shown above the human table (source, scope); not part of CSV/JSON.
    pub caption: Vec<String>,
    /// Facts about the whole result for JSON: when present, JSON is an object with these
    /// fields and the rows under `rows_key`, instead of a bare array of rows.
    pub meta: Vec<(String, Cell)>,
    pub rows_key: &'static str,
}

/// The format to use: the flag, else the output file's extension, else table on a terminal
/// and CSV in a pipe.
pub fn choose_format(flag: Option<Format>, output: Option<&Path>, stdout_is_terminal: bool) -> Format {
    if let Some(f) = flag {
        return f;
    }
    if let Some(path) = output {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        return match ext.as_str() {
            "json" => Format::Json,
            "md" | "markdown" => Format::Markdown,
            "txt" => Format::Table,
            _ => Format::Csv,
        };
    }
    if stdout_is_terminal {
        Format::Table
    } else {
        Format::Csv
    }
}

/// Where a result goes: a file (atomically) or stdout; `safe_csv` neutralises formulas in a CSV
/// file ([`for_spreadsheets`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    pub path: Option<&'a Path>,
    pub safe_csv: bool,
}

/// Renders `report` and writes it to the target's file (atomically) or to `stdout`. CSV on stdout
/// stays byte-exact for pipes: `safe_csv` applies to files only.
pub fn emit(report: &Report, format: Format, target: Target<'_>, stdout: &mut dyn Write) -> Result<()> {
    match target.path {
        Some(path) if target.safe_csv && format == Format::Csv => write_atomic(path, &render(&for_spreadsheets(report), format)?),
        Some(path) => write_atomic(path, &render(report, format)?),
        None => {
            stdout.write_all(&render(report, format)?)?;
            Ok(())
        }
    }
}

/// A copy of `report` whose text cells and headers that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a CR) start with `'` instead (OWASP's rule
/// against CSV injection). Numbers are cells of their own kind and stay numbers.
pub fn for_spreadsheets(report: &Report) -> Report {
    let safe = |s: &str| {
        if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{s}")
        } else {
            s.to_string()
        }
    };
    let table = |t: &Table| Table {
        columns: t.columns.iter().map(|c| safe(c)).collect(),
        rows: t
            .rows
            .iter()
            .map(|r| r.iter().map(|c| if let Cell::Text(s) = c { Cell::Text(safe(s)) } else { c.clone() }).collect())
            .collect(),
    };
    Report { machine: table(&report.machine), human: table(&report.human), ..report.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_spreadsheets_prefixes_formula_starts_in_text_cells_and_headers_only() {
        let table = Table {
            columns: vec!["=h".into(), "n".into()],
            rows: vec![
                vec![Cell::Text("=1+1".into()), Cell::Int(-3)],
                vec![Cell::Text("+x".into()), Cell::Int(1)],
                vec![Cell::Text("-x".into()), Cell::Int(1)],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Int(1)],
                vec![Cell::Text("\tx".into()), Cell::Int(1)],
                vec![Cell::Text("\rx".into()), Cell::Int(1)],
                vec![Cell::Text("a=b".into()), Cell::Int(1)],
            ],
        };
        let report = Report { machine: table.clone(), human: table, ..Report::default() };
        let safe = for_spreadsheets(&report);
        assert_eq!(safe.machine.columns, vec!["'=h", "n"]);
        let firsts: Vec<_> = safe.machine.rows.iter().map(|r| r[0].clone()).collect();
        let want = ["'=1+1", "'+x", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "a=b"];
        assert_eq!(firsts, want.iter().map(|s| Cell::Text(s.to_string())).collect::<Vec<_>>());
        // Numbers stay numbers, negative or not.
        assert_eq!(safe.machine.rows[0][1], Cell::Int(-3));
    }
}
