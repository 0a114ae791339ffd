//! Spreadsheets (.xlsx, .xlsm, .xlsb, .xls, .ods) read with calamine: one sheet's cells become
//! text, as a CSV export of it would hold them. No polars here.

use std::path::Path;

use anyhow::Result;
use calamine::{open_workbook_auto, Data, Reader};

use crate::error::{data_err, no_input, usage};

/// File extensions read as spreadsheets.
const EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// True for a spreadsheet file name.
pub fn is_sheet(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// A sheet's cells as text, row by row (`None` = empty cell).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    /// The spreadsheet row number (1-based) of `rows[0]`.
    pub first_row: u32,
    pub rows: Vec<Vec<Option<String>>>,
}

/// A cell as the text a CSV export would hold: whole numbers without ".0", dates as
/// `2026-10-03` (with ` HH:MM:SS` when there is a time of day), booleans as true/false,
/// error cells as their code (`#N/A`), which then reads as an invalid value.
pub fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(d) => d.as_datetime().map(|t| {
            if t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

/// Reads sheet `wanted` (the first sheet by default) of the workbook at `path`.
pub fn read_sheet(path: &Path, wanted: Option<&str>) -> Result<Sheet> {
    let name = path.display().to_string();
    if let Err(e) = std::fs::metadata(path) {
        return Err(no_input(format!("cannot open {name}: {e}")));
    }
    let mut book = open_workbook_auto(path).map_err(|e| data_err(format!("{name}: cannot read the workbook: {e}")))?;
    let names = book.sheet_names();
    let sheet = match wanted {
        Some(w) => names.iter().find(|n| n.as_str() == w || n.eq_ignore_ascii_case(w)).cloned().ok_or_else(|| {
            usage(format!(
                "--sheet {w}: {name} has no such sheet; sheets: {}",
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ))
        })?,
        None => names.first().cloned().ok_or_else(|| data_err(format!("{name} has no sheets")))?,
    };
    let range = book.worksheet_range(&sheet).map_err(|e| data_err(format!("{name}: cannot read sheet '{sheet}': {e}")))?;
    let first_row = range.start().map_or(1, |(r, _)| r + 1);
    let rows = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
    Ok(Sheet { name: sheet, first_row, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_as_text() {
        assert_eq!(cell_text(&Data::Float(5.0)), Some("5".into()));
        assert_eq!(cell_text(&Data::Float(4.5)), Some("4.5".into()));
        assert_eq!(cell_text(&Data::Int(10)), Some("10".into()));
        assert_eq!(cell_text(&Data::String("  ".into())), None);
        assert_eq!(cell_text(&Data::Empty), None);
        assert!(is_sheet(Path::new("a/b.XLSX")) && !is_sheet(Path::new("b.csv")));
    }
}
