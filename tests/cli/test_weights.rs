//! `--weight` on survey and compare: weighted values, Kish's effective sample size, bad weights.

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row};
use predicates::prelude::*;

#[test]
fn weighted_survey_reports_n_and_n_eff() {
    let file = fixture("survey_weighted.csv");
    let out = cxstat()
        .args(["survey", file.to_str().unwrap(), "--weight", "weight"])
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
        .args(["compare", file.to_str().unwrap(), "--weight", "weight", "--segments", "segment"])
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
