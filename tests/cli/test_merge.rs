//! `--emit-partials` and `cxstat merge`: shards of a file merge into the table of one run; `--streaming` gives the same table.

use std::path::{Path, PathBuf};

use crate::workdir::{csv_rows, cxstat, fixture, num, workdir};
use predicates::prelude::*;

/// Splits a CSV file into `n` shards (record i goes to shard i mod n), each with the header.
fn shards(file: &Path, n: usize, dir: &Path) -> Vec<PathBuf> {
    let mut reader = csv::Reader::from_path(file).unwrap();
    let header = reader.headers().unwrap().clone();
    let paths: Vec<PathBuf> = (0..n).map(|i| dir.join(format!("shard{i}.csv"))).collect();
    let mut writers: Vec<csv::Writer<std::fs::File>> = paths.iter().map(|p| csv::Writer::from_path(p).unwrap()).collect();
    for w in &mut writers {
        w.write_record(&header).unwrap();
    }
    for (i, record) in reader.records().enumerate() {
        writers[i % n].write_record(&record.unwrap()).unwrap();
    }
    for mut w in writers {
        w.flush().unwrap();
    }
    paths
}

/// Runs `survey ARGS` on each shard with --emit-partials, merges, and returns the merged output
/// and the output of one run over the whole file, both in `format`.
fn merged_and_single(file: &Path, n: usize, args: &[&str], format: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = workdir();
    let mut partials = Vec::new();
    for (i, shard) in shards(file, n, dir.path()).iter().enumerate() {
        let partial = dir.path().join(format!("part{i}.json"));
        cxstat()
            .args(["survey", shard.to_str().unwrap()])
            .args(args)
            .args(["--emit-partials", partial.to_str().unwrap(), "--format", format])
            .assert()
            .success();
        partials.push(partial.to_str().unwrap().to_string());
    }
    let merged = cxstat().arg("merge").args(&partials).args(["--format", format]).assert().success();
    let single = cxstat().args(["survey", file.to_str().unwrap()]).args(args).args(["--format", format]).assert().success();
    (merged.get_output().stdout.clone(), single.get_output().stdout.clone())
}

#[test]
fn merged_shards_equal_one_run() {
    let file = fixture("survey_small.csv");
    for args in [&["--by", "segment", "--period", "month"][..], &["--period", "week", "--no-total"][..], &[][..]] {
        for format in ["csv", "json"] {
            let (merged, single) = merged_and_single(&file, 3, args, format);
            assert_eq!(String::from_utf8_lossy(&merged), String::from_utf8_lossy(&single), "{args:?} {format}");
        }
    }
    // And the figures are those of the whole file (see test_survey): 12 responses, 11 CSAT answers.
    let (merged, _) = merged_and_single(&file, 2, &[], "csv");
    let rows = csv_rows(&merged);
    assert_eq!(num(&rows[0], "n"), 12.0);
    assert_eq!(num(&rows[0], "csat_n"), 11.0);
}

#[test]
fn merged_weighted_shards_equal_one_run() {
    // Weighted sums add exactly here (weights 0.5 … 3 are exact in binary): same bytes.
    let file = fixture("survey_weighted.csv");
    let (merged, single) = merged_and_single(&file, 2, &["--weight", "weight", "--by", "segment"], "csv");
    assert_eq!(String::from_utf8_lossy(&merged), String::from_utf8_lossy(&single));
}

#[test]
fn partials_of_other_settings_do_not_merge() {
    let dir = workdir();
    let file = fixture("survey_small.csv");
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    cxstat().args(["survey", file.to_str().unwrap(), "--by", "segment", "--emit-partials", a.to_str().unwrap()]).assert().success();
    cxstat().args(["survey", file.to_str().unwrap(), "--period", "month", "--emit-partials", b.to_str().unwrap()]).assert().success();
    cxstat()
        .args(["merge", a.to_str().unwrap(), b.to_str().unwrap()])
        .assert()
        .code(65)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("b.json: written with other settings than").and(predicate::str::contains("a.json")));
    // Not a partial results file at all.
    cxstat()
        .args(["merge", file.to_str().unwrap()])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("survey_small.csv: not a partial results file"));
    cxstat().args(["merge", dir.path().join("missing.json").to_str().unwrap()]).assert().code(66);
}

#[test]
fn streaming_gives_the_same_table() {
    // --streaming reads the file in chunks on polars' streaming engine: same bytes out.
    let file = fixture("survey_small.csv");
    for args in [&["--by", "segment", "--period", "month"][..], &[][..]] {
        let plain = cxstat().args(["survey", file.to_str().unwrap(), "--format", "csv"]).args(args).assert().success();
        let streamed = cxstat().args(["survey", file.to_str().unwrap(), "--format", "csv", "--streaming"]).args(args).assert().success();
        assert_eq!(plain.get_output().stdout, streamed.get_output().stdout);
    }
    let plain = cxstat().args(["repeat", fixture("orders_small.csv").to_str().unwrap(), "--as-of", "2026-10-31", "--format", "csv"]).assert().success();
    let streamed = cxstat()
        .args(["repeat", fixture("orders_small.csv").to_str().unwrap(), "--as-of", "2026-10-31", "--format", "csv", "--streaming"])
        .assert()
        .success();
    assert_eq!(plain.get_output().stdout, streamed.get_output().stdout);
}
