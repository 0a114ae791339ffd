//! `--emit-partials` and `cxstat merge`: shards of a file merge into the table of one run; `--streaming` gives the same table.

use std::path::{Path, PathBuf};

use crate::workdir::{csv_rows, cxstat, example, fixture, num, workdir};
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
    // Weighted sums add exactly here (weights 0.5 … 3 are exact in binary): same bytes. Partials
    // hold Kish's sums (Taylor variances do not add up across shards).
    let file = fixture("survey_weighted.csv");
    let (merged, single) = merged_and_single(&file, 2, &["--weight", "weight", "--variance", "kish", "--by", "segment"], "csv");
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
    let plain = cxstat()
        .args(["repeat", fixture("orders_small.csv").to_str().unwrap(), "--as-of", "2026-10-31", "--format", "csv"])
        .assert()
        .success();
    let streamed = cxstat()
        .args(["repeat", fixture("orders_small.csv").to_str().unwrap(), "--as-of", "2026-10-31", "--format", "csv", "--streaming"])
        .assert()
        .success();
    assert_eq!(plain.get_output().stdout, streamed.get_output().stdout);
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `complaints ARGS` on 3 shards of the example complaints (with `orders`, each shard with
/// its own third of the example orders) writing partials, and returns the merge in `format`
/// and one run over both whole files.
fn complaints_merged_and_single(args: &[&str], orders: bool, format: &str) -> (String, String) {
    let dir = workdir();
    let complaints = shards(&example("complaints.csv"), 3, dir.path());
    let orders_dir = dir.path().join("orders");
    std::fs::create_dir(&orders_dir).unwrap();
    let order_shards = shards(&example("orders.csv"), 3, &orders_dir);
    let mut partials = Vec::new();
    for (i, shard) in complaints.iter().enumerate() {
        let partial = dir.path().join(format!("part{i}.json"));
        let mut run = cxstat();
        run.args(["complaints", text(shard)]).args(args).args(["--emit-partials", text(&partial)]);
        if orders {
            run.args(["--orders", text(&order_shards[i])]);
        }
        run.assert().success();
        partials.push(partial);
    }
    let merged = cxstat().arg("merge").args(&partials).args(["--format", format]).assert().success();
    let mut single = cxstat();
    single.args(["complaints", text(&example("complaints.csv"))]).args(args).args(["--format", format]);
    if orders {
        single.args(["--orders", text(&example("orders.csv"))]);
    }
    let single = single.assert().success();
    let out = |o: &std::process::Output| String::from_utf8(o.stdout.clone()).unwrap();
    (out(merged.get_output()), out(single.get_output()))
}

#[test]
fn complaint_shards_merge_into_one_run() {
    // Medians and p90s come from exact histograms, which add up across shards; ordering
    // customers are joined per period (a customer ordering in two shards counts once).
    let as_of = ["--as-of", "2026-10-31 23:59:59"];
    let kpis = ["--by", "category", "--period", "month", "--sla-response", "4h", "--sla-resolve", "72h"];
    for (args, orders) in [
        ([&as_of[..], &kpis[..]].concat(), true),
        ([&as_of[..], &["--period", "quarter", "--business-hours", "09:00-18:00"][..]].concat(), false),
        ([&as_of[..], &["--funnel", "--period", "quarter"][..]].concat(), false),
        (as_of.to_vec(), true),
    ] {
        for format in ["csv", "json"] {
            let (merged, single) = complaints_merged_and_single(&args, orders, format);
            assert_eq!(merged, single, "{args:?} {format}");
        }
    }
    // The figures are those of one run, which scripts/check_complaints.py checks independently:
    // here, 600 complaints over all months, and customers per 1,000 counted once across shards.
    let (merged, _) = complaints_merged_and_single(&as_of, true, "csv");
    let rows = csv_rows(merged.as_bytes());
    assert_eq!(num(&rows[0], "n"), 600.0);
    assert!(num(&rows[0], "ordering_customers") < num(&rows[0], "orders"));
}

#[test]
fn complaint_partials_need_one_as_of() {
    // Without --as-of, open complaints are aged to each shard's latest time: a warning when
    // writing, and the merge refuses (exit 65) rather than mixing two moments.
    let dir = workdir();
    let parts: Vec<PathBuf> = (0..2).map(|i| dir.path().join(format!("p{i}.json"))).collect();
    for (i, shard) in shards(&example("complaints.csv"), 2, dir.path()).iter().enumerate() {
        cxstat()
            .args(["complaints", text(shard), "--period", "month", "--emit-partials", text(&parts[i])])
            .assert()
            .success()
            .stderr(predicate::str::contains("partials merge only when every shard has the same --as-of"));
    }
    cxstat()
        .arg("merge")
        .args(&parts)
        .assert()
        .code(65)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("run every shard with the same --as-of"));
    // With and without --orders: other settings.
    let shard = dir.path().join("shard0.csv");
    let with = ["complaints", text(&shard), "--as-of", "2026-10-31", "--emit-partials"];
    cxstat().args(with).arg(text(&parts[0])).assert().success();
    cxstat().args(with).arg(text(&parts[1])).args(["--orders", text(&example("orders.csv"))]).assert().success();
    cxstat().arg("merge").args(&parts).assert().code(65).stderr(predicate::str::contains("written with other settings"));
    // --pareto has no partials.
    cxstat().args(["complaints", text(&shard), "--pareto", "category", "--emit-partials", text(&parts[0])]).assert().code(2);
}

#[test]
fn repeat_shards_merge_into_one_run() {
    // New, returning and retained customers need each customer's periods across shards: the
    // partials carry the distinct customers per period. Order and refund sums add up; added
    // in another order they agree to 1e-9 (not always to the last binary digit), and the
    // table as shown (2 decimals) is the same.
    let dir = workdir();
    let orders = example("orders.csv");
    let order_shards = shards(&orders, 3, dir.path());
    for args in
        [&["--as-of", "2026-10-31"][..], &["--as-of", "2026-10-31", "--period", "week", "--from", "2025-03-01", "--to", "2025-09-30"][..]]
    {
        let partials: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("r{i}.json"))).collect();
        for (shard, partial) in order_shards.iter().zip(&partials) {
            cxstat().args(["repeat", text(shard)]).args(args).args(["--emit-partials", text(partial)]).assert().success();
        }
        let run = |merge: bool, format: &str| {
            let mut c = cxstat();
            match merge {
                true => c.arg("merge").args(&partials),
                false => c.args(["repeat", text(&orders)]).args(args),
            };
            String::from_utf8(c.args(["--format", format]).assert().success().get_output().stdout.clone()).unwrap()
        };
        let (merged, single) = (csv_rows(run(true, "csv").as_bytes()), csv_rows(run(false, "csv").as_bytes()));
        assert_eq!(merged.len(), single.len());
        assert!(merged.len() > 5, "{args:?}");
        for (m, s) in merged.iter().zip(&single) {
            for (column, value) in s {
                if ["revenue", "avg_order_value", "refund_amount"].contains(&column.as_str()) {
                    let (a, b) = (num(m, column), num(s, column));
                    assert!((a - b).abs() <= 1e-9 * b.abs(), "{column}: {a} vs {b}");
                } else {
                    assert_eq!(&m[column], value, "{args:?} {} {column}", s["period"]);
                }
            }
        }
        // The tables shown differ only in the caption's input names.
        let body = |t: String| t.lines().skip(1).map(str::to_string).collect::<Vec<_>>();
        assert_eq!(body(run(true, "markdown")), body(run(false, "markdown")));
    }
    // A purchase window needs each customer's orders: not in partials (usage error, exit 2).
    cxstat()
        .args(["repeat", text(&orders), "--window", "90d", "--emit-partials", text(&dir.path().join("w.json"))])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--emit-partials cannot carry --window"));
    assert!(!dir.path().join("w.json").exists());
}
