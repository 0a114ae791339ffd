//! A per-test work directory and helpers to run the binary and read its CSV output.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository's fixtures folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// The repository's bundled example data.
pub fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join("data").join(name)
}

/// `cxstat` with its stdout piped (so the default format is CSV).
pub fn cxstat() -> Command {
    Command::cargo_bin("cxstat").expect("binary built")
}

/// Parses CSV output into rows keyed by column name.
pub fn csv_rows(stdout: &[u8]) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(stdout);
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers.iter().map(str::to_string).zip(r.iter().map(str::to_string)).collect()
        })
        .collect()
}

/// The row whose `key` columns have the given values.
pub fn row<'a>(rows: &'a [HashMap<String, String>], keys: &[(&str, &str)]) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| keys.iter().all(|(k, v)| r.get(*k).map(String::as_str) == Some(*v)))
        .unwrap_or_else(|| panic!("no row with {keys:?} in {rows:#?}"))
}

/// A cell as a number.
pub fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row.get(column)))
}

/// Asserts two floats agree within `tol`.
pub fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!((actual - expected).abs() <= tol, "expected {expected}, got {actual}");
}

/// A temporary directory for a test's outputs.
pub fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}
