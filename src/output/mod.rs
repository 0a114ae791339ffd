//! Output: one table model rendered as a terminal table, CSV, JSON or Markdown, written to
//! stdout or atomically to a file. Renderers format; they never compute.

pub mod columns;
mod render;
mod sink;

use std::io::Write;
use std::path::Path;

use anyhow::Result;

pub use render::{human_text, machine_text, render};
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

/// Renders `report` and writes it to `output` (atomically) or to `stdout`.
pub fn emit(report: &Report, format: Format, output: Option<&Path>, stdout: &mut dyn Write) -> Result<()> {
    let bytes = render(report, format)?;
    match output {
        Some(path) => write_atomic(path, &bytes),
        None => {
            stdout.write_all(&bytes)?;
            Ok(())
        }
    }
}
