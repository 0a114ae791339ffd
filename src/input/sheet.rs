//! Spreadsheets (.xlsx, .xlsm, .xlsb, .xls, .ods) read with calamine: one sheet's cells become
//! text, as a CSV export of it would hold them. No polars here.

use std::path::Path;

use anyhow::Result;
use calamine::{open_workbook_auto, Data, Reader, Sheets};

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
        Data::Error(e) => Some(e.to_string()),
    }
}

/// The most cells (rows × columns of the used range) a sheet may span: a million rows of 50
/// columns. Two stray cells far apart (A1 and XFD1048576) would otherwise make a grid of 17
/// billion cells out of a file of a few kilobytes.
pub const MAX_SHEET_CELLS: u64 = 50_000_000;

/// Why a workbook could not be opened, in words: what the file is instead, where that can be
/// told from its first bytes, rather than the library's (`Could not find EOCD`).
fn workbook_error(name: &str, path: &Path, error: &calamine::Error) -> anyhow::Error {
    let mut head = [0u8; 8];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
    let head = &head[..read];
    let kind = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let zip = head.starts_with(b"PK\x03\x04");
    let ole = head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let what = if read == 0 {
        "it is empty".to_string()
    } else if !zip && !ole && std::str::from_utf8(head).is_ok_and(|t| !t.chars().any(|c| c.is_control() && !c.is_whitespace())) {
        "it holds text, not a workbook (a CSV file saved under this name? rename it .csv)".to_string()
    } else if (kind == "xls" && !ole) || (kind != "xls" && !zip) {
        format!(
            "it is not {} file (damaged, or another format under this name)",
            if kind == "xls" { "an Excel 97–2003" } else { "a zip-based workbook" }
        )
    } else {
        // A workbook's own container, damaged inside: the library's first line says where.
        let detail = error.to_string();
        format!("the workbook is damaged ({})", crate::error::printable(detail.lines().next().unwrap_or_default()))
    };
    data_err(format!("{name}: cannot read it as a .{kind} workbook: {what}"))
}

/// Refuses a used range beyond [`MAX_SHEET_CELLS`].
fn check_span(name: &str, sheet: &str, rows: u64, columns: u64, last: (u32, u32)) -> Result<()> {
    if rows.saturating_mul(columns) > MAX_SHEET_CELLS {
        return Err(data_err(format!(
            "{name}: sheet '{sheet}' spans {rows} rows × {columns} columns (its last cell is {}); cxstat reads up to \
             {MAX_SHEET_CELLS} cells of a sheet: delete the stray cells far from the data, or export the sheet as CSV",
            cell_name(last)
        )));
    }
    Ok(())
}

/// A cell's name as a spreadsheet shows it (0-based (row, column) → `XFD1048576`).
fn cell_name((row, column): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut c = u64::from(column) + 1;
    while c > 0 {
        let digit = ((c - 1) % 26) as u8;
        letters.push(b'A' + digit);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), u64::from(row) + 1)
}

/// The non-empty cells of an .xlsx sheet, streamed: the grid is built only once its span is
/// known to be within [`MAX_SHEET_CELLS`].
fn xlsx_rows<RS: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<RS>,
    name: &str,
    sheet: &str,
) -> Result<(u32, Vec<Vec<Option<String>>>)> {
    let unreadable =
        |e: calamine::XlsxError| data_err(format!("{name}: cannot read sheet '{sheet}': {}", crate::error::printable(&e.to_string())));
    let mut reader = book.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let mut cells: Vec<((u32, u32), String)> = Vec::new();
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let position = cell.get_position();
        if let Some(text) = cell_text(&Data::from(cell.get_value().clone())) {
            (top, bottom) = (top.min(position.0), bottom.max(position.0));
            (left, right) = (left.min(position.1), right.max(position.1));
            cells.push((position, text));
        }
    }
    if cells.is_empty() {
        return Ok((1, Vec::new()));
    }
    let (rows, columns) = (u64::from(bottom - top) + 1, u64::from(right - left) + 1);
    check_span(name, sheet, rows, columns, (bottom, right))?;
    let mut grid: Vec<Vec<Option<String>>> = vec![Vec::new(); rows as usize];
    for ((row, column), text) in cells {
        let line = &mut grid[(row - top) as usize];
        let at = (column - left) as usize;
        if line.len() <= at {
            line.resize(at + 1, None);
        }
        line[at] = Some(text);
    }
    Ok((top + 1, grid))
}

/// Reads sheet `wanted` (the first sheet by default) of the workbook at `path`.
pub fn read_sheet(path: &Path, wanted: Option<&str>) -> Result<Sheet> {
    let name = path.display().to_string();
    if let Err(e) = std::fs::metadata(path) {
        return Err(no_input(format!("cannot open {name}: {e}")));
    }
    let mut book = open_workbook_auto(path).map_err(|e| workbook_error(&name, path, &e))?;
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
    if let Sheets::Xlsx(xlsx) = &mut book {
        let (first_row, rows) = xlsx_rows(xlsx, &name, &sheet)?;
        return Ok(Sheet { name: sheet, first_row, rows });
    }
    // Other formats are read whole by the library (their grids are built before they can be
    // measured); the span is checked before the cells are copied.
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| data_err(format!("{name}: cannot read sheet '{sheet}': {}", crate::error::printable(&e.to_string()))))?;
    let (height, width) = range.get_size();
    check_span(&name, &sheet, height as u64, width as u64, range.end().unwrap_or_default())?;
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
        // Error cells as Excel shows them (their debug names were `#NA`, `#Div0`).
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::NA)), Some("#N/A".into()));
        assert_eq!(cell_text(&Data::Error(calamine::CellErrorType::Div0)), Some("#DIV/0!".into()));
        assert!(is_sheet(Path::new("a/b.XLSX")) && !is_sheet(Path::new("b.csv")));
    }

    #[test]
    fn cells_are_named_as_spreadsheets_name_them() {
        // Column 16,383 (0-based) is XFD: 16384 = 24·26² + 5·26 + 4 with digits 1–26 (X, F, D).
        assert_eq!(cell_name((1_048_575, 16_383)), "XFD1048576");
        assert_eq!(cell_name((0, 0)), "A1");
        assert_eq!(cell_name((9, 25)), "Z10");
        assert_eq!(cell_name((0, 26)), "AA1");
    }
}
