//! Output: one table model rendered as a terminal table, CSV, JSON or Markdown, written to
//! stdout or atomically to a file. Renderers format; they never compute.

pub mod columns;
mod render;
mod sink;

use std::io::Write;
use std::path::Path;

use anyhow::Result;

pub use render::{human_text, machine_text, markdown_text, render, render_on, without_blank_columns};
pub use sink::{check_folder, check_outputs, write_atomic, NamedStdout};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    /// Tab-separated: CSV's quoting rules with a tab between fields.
    Tsv,
    Json,
    Markdown,
    /// An Excel workbook: one sheet, numbers as numbers, the header row frozen.
    Xlsx,
}

/// Where a terminal table is shown: the width it must fit (`None`: a file or a pipe, as wide as
/// it is) and whether it is coloured (`--color`, `NO_COLOR`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Screen {
    pub width: Option<usize>,
    pub color: bool,
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
    /// Named values, for the facts of a JSON result (`meta`): an object there; in a table, its
    /// values listed.
    Object(Vec<(String, Cell)>),
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
/// and CSV in a pipe. An extension that names no format is refused (exit 2) rather than
/// written as CSV under a name that promises something else; so is a workbook on a terminal.
pub fn choose_format(flag: Option<Format>, output: Option<&Path>, stdout_is_terminal: bool) -> Result<Format> {
    let format = match (flag, output) {
        (Some(f), _) => f,
        (None, Some(path)) => {
            let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
            match ext.as_deref() {
                None | Some("csv") => Format::Csv,
                Some("tsv" | "tab") => Format::Tsv,
                Some("json") => Format::Json,
                Some("md" | "markdown") => Format::Markdown,
                Some("txt") => Format::Table,
                Some("xlsx") => Format::Xlsx,
                Some(other) => {
                    return Err(crate::error::usage(format!(
                        "-o {}: cannot tell the format from '.{other}': name the file .csv, .tsv, .json, .md, .txt or .xlsx, or give --format csv|tsv|json|markdown|table|xlsx",
                        path.display()
                    )))
                }
            }
        }
        (None, None) if stdout_is_terminal => Format::Table,
        (None, None) => Format::Csv,
    };
    if format == Format::Xlsx && output.is_none() && stdout_is_terminal {
        return Err(crate::error::usage(
            "--format xlsx writes a workbook, not text for a terminal: add -o FILE.xlsx (or redirect stdout to a file)",
        ));
    }
    Ok(format)
}

/// Where a result goes: a file (atomically) or stdout; `safe_csv` neutralises formulas in a CSV
/// file ([`for_spreadsheets`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    pub path: Option<&'a Path>,
    pub safe_csv: bool,
}

/// Renders `report` and writes it to the target's file (atomically), or to stdout drawn for
/// its screen. CSV on stdout stays byte-exact for pipes: `safe_csv` applies to files only.
pub fn emit(report: &Report, format: Format, target: Target<'_>, io: &mut crate::Io) -> Result<()> {
    io.done();
    match target.path {
        Some(path) if target.safe_csv && matches!(format, Format::Csv | Format::Tsv) => {
            write_atomic(path, &render(&for_spreadsheets(report), format)?)
        }
        Some(path) => write_atomic(path, &render(report, format)?),
        None => {
            io.stdout.write_all(&render_on(report, format, io.screen)?)?;
            Ok(())
        }
    }
}

/// What a cell of text that a spreadsheet would run as a formula starts with (OWASP's rule
/// against CSV injection).
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A copy of `report` whose text cells and headers that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a CR) start with `'` instead (OWASP's rule
/// against CSV injection). Numbers are cells of their own kind and stay numbers.
pub fn for_spreadsheets(report: &Report) -> Report {
    let safe = |s: &str| {
        if s.starts_with(FORMULA_STARTS) {
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
    fn the_format_comes_from_the_flag_then_the_extension_and_an_unknown_extension_is_refused() {
        let of = |flag, path: Option<&str>, terminal| choose_format(flag, path.map(Path::new), terminal);
        assert_eq!(of(None, None, true).unwrap(), Format::Table);
        assert_eq!(of(None, None, false).unwrap(), Format::Csv);
        for (name, format) in [
            ("a.csv", Format::Csv),
            ("a.TSV", Format::Tsv),
            ("a.tab", Format::Tsv),
            ("a.json", Format::Json),
            ("a.md", Format::Markdown),
            ("a.txt", Format::Table),
            ("a.xlsx", Format::Xlsx),
            ("a", Format::Csv),
        ] {
            assert_eq!(of(None, Some(name), true).unwrap(), format, "{name}");
        }
        let refused = of(None, Some("report.pdf"), false).unwrap_err();
        assert_eq!(crate::error::exit_for(&refused), crate::error::Exit::Usage);
        assert!(refused.to_string().contains("cannot tell the format from '.pdf'"), "{refused}");
        // The flag decides whatever the name.
        assert_eq!(of(Some(Format::Json), Some("report.pdf"), false).unwrap(), Format::Json);
        // A workbook is never poured onto a terminal; into a pipe or a file it is.
        assert!(of(Some(Format::Xlsx), None, true).is_err());
        assert_eq!(of(Some(Format::Xlsx), None, false).unwrap(), Format::Xlsx);
    }

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
