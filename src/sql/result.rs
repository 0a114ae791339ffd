//! The result of a `cxstat sql` query as the engine wrote it: a CSV file with a header (DuckDB's
//! `COPY … TO 'r.csv'`, Spark's `.csv(…, header=True)`), a Parquet file, or a folder of such
//! parts (Spark writes `part-*.csv` and `_SUCCESS` into a folder). Results are small (one row
//! per group, or per group and duration), so they are read whole, every value as text.

use std::path::{Path, PathBuf};

use anyhow::Result;
use polars::prelude::*;

use crate::error::{data_err, no_input};

/// The rows of a result: its columns, and per row a value (or null) per column.
#[derive(Debug, Clone, Default)]
pub struct ResultTable {
    /// The file (or folder) read, for messages.
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// Reads a result file or folder.
pub fn read(path: &Path) -> Result<ResultTable> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| no_input(format!("cannot read {name}: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let file = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
                // Spark's markers (_SUCCESS) and checksums (.part-….crc) are not results.
                p.is_file() && !file.starts_with(['_', '.'])
            })
            .collect();
        parts.sort();
        if parts.is_empty() {
            return Err(data_err(format!("{name}: a folder without result files (part-*.csv or part-*.parquet)")));
        }
        parts
    } else {
        vec![path.to_path_buf()]
    };
    let mut table = ResultTable { name: name.clone(), ..Default::default() };
    for file in &files {
        let part = if is_parquet(file)? { read_parquet(file)? } else { read_csv(file)? };
        let Some((columns, rows)) = part else { continue };
        if table.columns.is_empty() {
            table.columns = columns;
        } else if table.columns != columns {
            return Err(data_err(format!(
                "{}: its columns ({}) are not those of the other parts ({})",
                file.display(),
                columns.join(", "),
                table.columns.join(", ")
            )));
        }
        table.rows.extend(rows);
    }
    if table.columns.is_empty() {
        return Err(data_err(format!("{name}: an empty result (no header row): write the result with its header")));
    }
    Ok(table)
}

/// Parquet files start (and end) with `PAR1`.
fn is_parquet(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(|e| no_input(format!("cannot read {}: {e}", path.display())))?;
    let n = file.read(&mut head)?;
    Ok(n == 4 && &head == b"PAR1")
}

type Part = Option<(Vec<String>, Vec<Vec<Option<String>>>)>;

/// A CSV part: `None` for an empty file (Spark writes some for empty partitions).
fn read_csv(path: &Path) -> Result<Part> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
    if bytes.is_empty() {
        return Ok(None);
    }
    let text =
        String::from_utf8(bytes).map_err(|_| data_err(format!("{name}: not UTF-8 text; write the result as UTF-8 CSV or Parquet")))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let columns: Vec<String> =
        reader.headers().map_err(|e| data_err(format!("{name}: not CSV: {e}")))?.iter().map(|h| h.trim().to_string()).collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| data_err(format!("{name}: row {}: not CSV: {e}", i + 2)))?;
        rows.push(record.iter().map(|v| (!v.is_empty()).then(|| v.to_string())).collect());
    }
    Ok(Some((columns, rows)))
}

/// A Parquet part, every value as text (numbers in their shortest exact form).
fn read_parquet(path: &Path) -> Result<Part> {
    let name = path.display();
    // Decimals are not among the types this build of polars reads (the queries cast their
    // decimal sums to DOUBLE): refused by name rather than failing inside the reader.
    if let Some(column) = crate::input::frame::parquet_decimals(path)?.first() {
        return Err(data_err(format!(
            "{name}: column '{column}' is a DECIMAL, which cxstat does not read from Parquet: cast it to DOUBLE in the query, or write the result as CSV"
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| no_input(format!("cannot read {name}: {e}")))?;
    let df = ParquetReader::new(file).finish().map_err(|e| data_err(format!("{name}: not a Parquet file cxstat can read: {e}")))?;
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut values: Vec<Vec<Option<String>>> = Vec::with_capacity(columns.len());
    for c in df.columns() {
        let texts: Vec<Option<String>> = if c.dtype().is_primitive_numeric() {
            let f = c.cast(&DataType::Float64)?;
            f.f64()?.iter().map(|v| v.map(|v| format!("{v}"))).collect()
        } else {
            let s = c.cast(&DataType::String)?;
            s.str()?.iter().map(|v| v.map(str::to_string)).collect()
        };
        values.push(texts);
    }
    let rows = (0..df.height()).map(|i| values.iter().map(|v| v[i].clone()).collect()).collect();
    Ok(Some((columns, rows)))
}

impl ResultTable {
    /// The index of each of `names`, or an error naming those missing (the result of another
    /// query, or of an older plan).
    pub fn require(&self, names: &[String]) -> Result<Vec<usize>> {
        let lower: Vec<String> = self.columns.iter().map(|c| c.to_lowercase()).collect();
        let missing: Vec<&str> = names.iter().filter(|n| !lower.contains(&n.to_lowercase())).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(data_err(format!(
                "{}: not the result of this plan's query: no column {} (it has {})",
                self.name,
                missing.join(", "),
                self.columns.join(", ")
            )));
        }
        Ok(names.iter().map(|n| lower.iter().position(|c| *c == n.to_lowercase()).unwrap_or(0)).collect())
    }

    /// Row `i`'s value in column `c` as text.
    pub fn text(&self, i: usize, c: usize) -> Option<&str> {
        self.rows[i].get(c).and_then(|v| v.as_deref())
    }

    /// Row `i`'s value in column `c` as a number: 0 where it is null (a sum over no rows), an
    /// error naming the row and column where it is not a number.
    pub fn number(&self, i: usize, c: usize) -> Result<f64> {
        match self.text(i, c) {
            None => Ok(0.0),
            Some(t) => t.trim().parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                data_err(format!(
                    "{}: row {}, column '{}': {} is not a number",
                    self.name,
                    i + 2,
                    self.columns[c],
                    crate::error::printable(t)
                ))
            }),
        }
    }

    /// Row `i`'s value in column `c` as a whole number (a period number), `None` where null.
    pub fn integer(&self, i: usize, c: usize) -> Result<Option<i64>> {
        match self.text(i, c) {
            None => Ok(None),
            Some(_) => {
                let v = self.number(i, c)?;
                if v.fract() != 0.0 || v.abs() > 1e15 {
                    return Err(data_err(format!("{}: row {}, column '{}': {v} is not a whole number", self.name, i + 2, self.columns[c])));
                }
                Ok(Some(v as i64))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_parts_in_a_folder_are_one_result() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("part-00000.csv"), "period,by_1,n\n24312,a,3\n").unwrap();
        std::fs::write(dir.path().join("part-00001.csv"), "").unwrap();
        std::fs::write(dir.path().join("part-00002.csv"), "period,by_1,n\n,,4.0\n").unwrap();
        std::fs::write(dir.path().join("_SUCCESS"), "").unwrap();
        let t = read(dir.path()).unwrap();
        assert_eq!(t.columns, ["period", "by_1", "n"]);
        assert_eq!(t.rows.len(), 2);
        let idx = t.require(&["n".to_string(), "period".to_string()]).unwrap();
        assert_eq!(idx, [2, 0]);
        assert_eq!(t.number(1, 2).unwrap(), 4.0);
        assert_eq!(t.integer(0, 0).unwrap(), Some(24312));
        assert_eq!(t.integer(1, 0).unwrap(), None);
        assert_eq!(t.text(1, 1), None);
        let err = t.require(&["csat_n".to_string()]).unwrap_err().to_string();
        assert!(err.contains("no column csat_n"), "{err}");
    }

    #[test]
    fn a_value_that_is_not_a_number_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.csv");
        std::fs::write(&file, "n\nabc\n").unwrap();
        let t = read(&file).unwrap();
        let err = t.number(0, 0).unwrap_err().to_string();
        assert!(err.contains("row 2, column 'n': abc is not a number"), "{err}");
    }
}
