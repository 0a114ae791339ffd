//! `--weight` on survey and compare: weighted values, Kish's effective sample size, bad weights.

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, row, workdir};
use predicates::prelude::*;

#[test]
fn weighted_survey_reports_n_and_n_eff() {
    let file = fixture("survey_weighted.csv");
    let out = cxstat()
        .args(["survey", file.to_str().unwrap(), "--weight", "weight", "--variance", "kish"])
        .assert()
        .success()
        // Rows 7–10 have weights 0, blank, 'heavy' and −1: reported and left out.
        .stderr(predicate::str::contains("column 'weight': 4 invalid values").and(predicate::str::contains("row 9: 'heavy'")));
    let rows = csv_rows(&out.get_output().stdout);
    let all = &rows[0];
    // Valid weights 1, 2, 1, 0.5, 2.5, 3: Σw = 10, Σw² = 21.5 → n_eff = 100/21.5 = 4.651163 of 6 answers.
    assert_eq!(all["csat_n"], "6");
    assert_close(num(all, "csat_n_eff"), 100.0 / 21.5, 1e-9);
    // CSAT top-2 weight 1 + 2 + 0.5 = 3.5 of 10 = 35 %; Wilson on n_eff: 8.996465–74.573404.
    assert_close(num(all, "csat_pct"), 35.0, 1e-9);
    assert_close(num(all, "csat_low"), 8.996_465, 1e-5);
    assert_close(num(all, "csat_high"), 74.573_404, 1e-5);
    // NPS: promoters 1 + 2 + 3 = 6, detractors 1 + 2.5 = 3.5 of 10 → 60 − 35 = 25.
    assert_close(num(all, "nps"), 25.0, 1e-9);
    // The NPS margin uses n_eff: var = 0.6 + 0.35 − 0.25² = 0.8875, 1.959964 × √(0.8875/4.651163) = 0.856153.
    assert_close(num(all, "nps_moe"), 85.6153, 1e-3);
}

#[test]
fn weighted_comparison_tests_on_n_eff() {
    let file = fixture("survey_weighted.csv");
    let out = cxstat()
        .args(["compare", file.to_str().unwrap(), "--weight", "weight", "--variance", "kish", "--segments", "segment"])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    // Segment a: weights 1, 2, 1, 3 (Σw 7, Σw² 15, n_eff 49/15 = 3.266667), top-2 weight 3 → 3/7.
    // Rest (b): weights 0.5, 2.5 (Σw 3, Σw² 6.5, n_eff 1.384615), top-2 weight 0.5 → 1/6.
    // Pooled p = (1.4 + 0.230769)/4.651282 = 0.350606; SE₀ = 0.483875; z = 0.261905/0.483875 = 0.541265, p = 0.588325.
    let a = row(&rows, &[("segment", "a"), ("metric", "csat_pct")]);
    assert_eq!((a["a_n"].as_str(), a["b_n"].as_str()), ("4", "2"));
    assert_close(num(a, "a_n_eff"), 49.0 / 15.0, 1e-9);
    assert_close(num(a, "b_n_eff"), 9.0 / 6.5, 1e-9);
    assert_close(num(a, "statistic"), 0.541_265, 1e-6);
    assert_close(num(a, "p_value"), 0.588_325, 1e-6);
    // Unknown weight column: a usage error.
    cxstat().args(["compare", file.to_str().unwrap(), "--weight", "nope"]).assert().code(2);
}

/// The example responses with a fractional weight per row (0.37 + 0.113 × (row mod 17): no
/// weight is a binary fraction), in the file's order or reversed.
fn weighted_examples(dir: &std::path::Path, reversed: bool) -> std::path::PathBuf {
    let mut reader = csv::Reader::from_path(example("responses.csv")).unwrap();
    let mut header = reader.headers().unwrap().clone();
    header.push_field("weight");
    let mut rows: Vec<csv::StringRecord> = reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.unwrap();
            r.push_field(&format!("{:.3}", 0.37 + 0.113 * (i % 17) as f64));
            r
        })
        .collect();
    if reversed {
        rows.reverse();
    }
    let path = dir.join(if reversed { "reversed.csv" } else { "weighted.csv" });
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&header).unwrap();
    for r in rows {
        writer.write_record(&r).unwrap();
    }
    path
}

#[test]
fn weighted_results_do_not_depend_on_batches_or_row_order() {
    // Weighted sums are exact (integers underneath), so every digit of the JSON is the same
    // however the rows are batched and in whatever order they come. Before, the streaming
    // engine added per-batch float sums in the order its threads finished: with 500-row
    // batches the last digits changed between runs and between the two orders.
    let dir = workdir();
    let run = |file: &std::path::Path| {
        let out = cxstat()
            .env("POLARS_IDEAL_MORSEL_SIZE", "500")
            .args(["survey", file.to_str().unwrap(), "--weight", "weight", "--by", "segment", "--period", "month", "--format", "json"])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let forward = run(&weighted_examples(dir.path(), false));
    assert!(forward.contains("csat_n_eff"), "{forward}");
    assert_eq!(run(&weighted_examples(dir.path(), true)), forward);
    assert_eq!(run(&dir.path().join("weighted.csv")), forward);
}

#[test]
fn weights_above_a_billion_are_invalid() {
    // 1e9 is the largest weight: it keeps the exact 128-bit sums far from overflowing. Row 3's
    // 2e9 is reported and left out, so only rows 2 and 4 count: Σw = 1e9 + 1, top-2 weight 1e9.
    let dir = workdir();
    let file = dir.path().join("big.csv");
    std::fs::write(&file, "csat,weight\n5,1e9\n5,2e9\n1,1\n").unwrap();
    let out = cxstat()
        .args(["survey", file.to_str().unwrap(), "--weight", "weight"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 invalid value").and(predicate::str::contains("row 3: '2e9'")));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["csat_n"], "2");
    assert_close(num(&rows[0], "csat_pct"), 100.0 * 1e9 / (1e9 + 1.0), 1e-9);
}
