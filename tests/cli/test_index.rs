//! `cxstat index` on fixtures/index_survey.csv (made by scripts/make_index_fixture.py), checked
//! against R: `Rscript scripts/check_index.R fixtures/index_survey.csv` (R 4.2, psych 2.2.9:
//! psych::alpha on the complete rows, psych::alpha.ci for Feldt's interval, t.test for the
//! index and the paired gaps). The numbers below are what it printed.

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row, workdir};
use predicates::prelude::*;

fn run(extra: &[&str]) -> Vec<std::collections::HashMap<String, String>> {
    let file = fixture("index_survey.csv");
    let config = fixture("index.toml");
    let mut args = vec!["index", file.to_str().unwrap(), "--config", config.to_str().unwrap(), "--format", "csv", "--na-values", "N/A"];
    args.extend(extra);
    let out = cxstat().args(&args).assert().success();
    csv_rows(&out.get_output().stdout)
}

#[test]
fn index_and_reliability_match_r_psych() {
    let rows = run(&["--items-detail"]);
    // satisfaction: CUSA1–3 on 1–10; rows 5, 18 and 34 lack CUSA2 → n = 57.
    let s = row(&rows, &[("construct", "satisfaction"), ("item", "")]);
    assert_eq!(s["n"], "57");
    assert_close(num(s, "index"), 66.0818713450292, 1e-12);
    assert_close(num(s, "index_low"), 61.5639720140695, 1e-12);
    assert_close(num(s, "index_high"), 70.599770675989, 1e-12);
    assert_close(num(s, "alpha"), 0.792600498043401, 1e-12);
    assert_close(num(s, "std_alpha"), 0.795745246915158, 1e-12);
    assert_close(num(s, "alpha_low"), 0.678035367364683, 1e-9);
    assert_close(num(s, "alpha_high"), 0.87102409452857, 1e-9);
    let c3 = row(&rows, &[("construct", "satisfaction"), ("item", "CUSA3")]);
    assert_close(num(c3, "item_rest"), 0.707415106667609, 1e-12);
    assert_close(num(c3, "alpha_if_dropped"), 0.647210403307964, 1e-12);
    // service: S1–S4_neg on 1–5, S4_neg reversed (6 − x) by the config; "N/A" in row 23 is not
    // answered (--na-values) → n = 59.
    let v = row(&rows, &[("construct", "service"), ("item", "")]);
    assert_eq!(v["n"], "59");
    assert_close(num(v, "index"), 57.4152542372881, 1e-12);
    assert_close(num(v, "alpha"), 0.793502750851454, 1e-12);
    assert_close(num(v, "std_alpha"), 0.79294027670889, 1e-12);
    assert_close(num(v, "alpha_low"), 0.691665021719613, 1e-9);
    assert_close(num(v, "alpha_high"), 0.867825340409065, 1e-9);
    let neg = row(&rows, &[("construct", "service"), ("item", "S4_neg")]);
    assert_eq!(neg["reversed"], "true");
    assert_close(num(neg, "item_rest"), 0.566466233974047, 1e-12);
    assert_close(num(neg, "alpha_if_dropped"), 0.760230717413271, 1e-12);
    // The item's mean as answered (before reversal) and its index after: 2.898 → (6 − 2.898 − 1)/4·100 = 52.54.
    assert_close(num(neg, "index"), (5.0 - num(neg, "mean")) / 4.0 * 100.0, 1e-9);
}

#[test]
fn a_reversed_item_left_unreversed_is_flagged() {
    let file = fixture("index_survey.csv");
    let out = cxstat()
        .args([
            "index",
            file.to_str().unwrap(),
            "--items",
            "S*",
            "--scale",
            "1-5",
            "--items-detail",
            "--format",
            "csv",
            "--na-values",
            "N/A",
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("item 'S4_neg' has a negative item-rest correlation")
                .and(predicate::str::contains("--reverse S4_neg")),
        );
    let rows = csv_rows(&out.get_output().stdout);
    let neg = row(&rows, &[("item", "S4_neg")]);
    assert!(num(neg, "item_rest") < 0.0);
    assert!(neg["note"].contains("reverse-coded?"), "{neg:?}");
    // With --reverse the same items give R's α.
    let out = cxstat()
        .args([
            "index",
            file.to_str().unwrap(),
            "--items",
            "S*",
            "--scale",
            "1-5",
            "--reverse",
            "S4_neg",
            "--format",
            "csv",
            "--na-values",
            "N/A",
        ])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(&rows[0], "alpha"), 0.793502750851454, 1e-12);
}

#[test]
fn groups_have_their_own_index() {
    let rows = run(&["--by", "segment"]);
    // R on the 29 complete retail rows: index 66.1558109833972 (59.5831243187844 to 72.72849764801), α 0.811361321715514.
    let r = row(&rows, &[("segment", "retail"), ("construct", "satisfaction")]);
    assert_eq!(r["n"], "29");
    assert_eq!(r["low_base"], "true");
    assert_close(num(r, "index"), 66.1558109833972, 1e-12);
    assert_close(num(r, "index_low"), 59.5831243187844, 1e-12);
    assert_close(num(r, "alpha"), 0.811361321715514, 1e-12);
    assert_close(num(r, "alpha_low"), 0.650533129255934, 1e-9);
    let t = row(&rows, &[("segment", "Total"), ("construct", "satisfaction")]);
    assert_close(num(t, "index"), 66.0818713450292, 1e-12);
}

#[test]
fn servqual_gaps_match_paired_t_tests_in_r() {
    let rows = run(&["--servqual"]);
    // Dimensions in SERVQUAL's order, whatever the config's (responsiveness came first there).
    let names: Vec<&str> = rows.iter().map(|r| r["dimension"].as_str()).collect();
    assert_eq!(names, ["tangibles", "reliability", "responsiveness", "SERVQUAL (unweighted)", "SERVQUAL (weighted)"]);
    let t = row(&rows, &[("dimension", "tangibles")]);
    assert_eq!(t["n"], "60");
    assert_close(num(t, "gap"), -0.625, 1e-12);
    assert_close(num(t, "gap_low"), -0.900925802809245, 1e-12);
    assert_close(num(t, "gap_high"), -0.349074197190755, 1e-12);
    assert_close(num(t, "negative_pct"), 65.0, 1e-12);
    // Perceived 5.175 − expected 5.8 = −0.625.
    assert_close(num(t, "perceived") - num(t, "expected"), -0.625, 1e-12);
    let r = row(&rows, &[("dimension", "reliability")]);
    assert_eq!(r["n"], "58");
    assert_close(num(r, "gap"), -1.12931034482759, 1e-12);
    assert_close(num(r, "gap_low"), -1.38824984387384, 1e-12);
    assert_close(num(r, "negative_pct"), 84.4827586206897, 1e-12);
    let o = row(&rows, &[("dimension", "SERVQUAL (unweighted)")]);
    assert_eq!(o["n"], "58");
    assert_close(num(o, "gap"), -1.14942528735632, 1e-12);
    assert_close(num(o, "gap_low"), -1.3554126777942, 1e-12);
    assert_close(num(o, "negative_pct"), 89.6551724137931, 1e-12);
    // Each respondent's own points (IMP_*; row 51 has none for responsiveness): n = 57.
    let w = row(&rows, &[("dimension", "SERVQUAL (weighted)")]);
    assert_eq!(w["n"], "57");
    assert_close(num(w, "gap"), -1.13815789473684, 1e-12);
    assert_close(num(w, "gap_low"), -1.36303782844045, 1e-12);
    assert_close(num(w, "gap_high"), -0.913277961033238, 1e-12);
}

#[test]
fn servqual_with_fixed_importance_points() {
    let dir = workdir();
    let config = std::fs::read_to_string(fixture("index.toml")).unwrap();
    let config = config.replace("\"IMP_res\"", "30").replace("\"IMP_tan\"", "20").replace("\"IMP_rel\"", "50");
    std::fs::write(dir.path().join("points.toml"), config).unwrap();
    let file = fixture("index_survey.csv");
    let out = cxstat()
        .current_dir(dir.path())
        .args(["index", file.to_str().unwrap(), "--config", "points.toml", "--servqual", "--format", "csv", "--chart", "gaps.svg"])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    // R: the gaps weighted 0.2/0.5/0.3 on the 58 rows with every dimension.
    let w = row(&rows, &[("dimension", "SERVQUAL (weighted)")]);
    assert_eq!(w["n"], "58");
    assert_close(num(w, "gap"), -1.19741379310345, 1e-12);
    assert_close(num(w, "gap_low"), -1.40464676815853, 1e-12);
    assert_close(num(w, "negative_pct"), 91.3793103448276, 1e-12);
    assert_close(num(row(&rows, &[("dimension", "reliability")]), "importance_pct"), 50.0, 1e-12);
    let svg = std::fs::read_to_string(dir.path().join("gaps.svg")).unwrap();
    assert!(svg.contains("SERVQUAL gaps") && svg.contains("below zero"));
}

#[test]
fn items_on_another_scale_stop_the_run() {
    // CUSA1–3 are on 1–10; read on the default CSAT scale 1–5 most answers are out of range.
    let file = fixture("index_survey.csv");
    cxstat()
        .args(["index", file.to_str().unwrap(), "--items", "CUSA*"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("are not whole scores on 1–5").and(predicate::str::contains("--scale LOW-HIGH")));
    // No construct at all: a usage error naming both ways.
    cxstat().args(["index", file.to_str().unwrap()]).assert().code(2).stderr(predicate::str::contains("--items"));
    // An empty window is said, not written as a report.
    cxstat()
        .args(["index", file.to_str().unwrap(), "--items", "CUSA*", "--scale", "1-10", "--from", "2027-01-01"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("no responses within --from/--to"));
    // A reverse item outside the construct.
    cxstat()
        .args(["index", file.to_str().unwrap(), "--items", "S1,S2", "--scale", "1-5", "--reverse", "S4_neg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'S4_neg' is not one of the construct's items"));
}

#[test]
fn relative_weights_weigh_the_items_by_the_outcome() {
    let file = fixture("index_survey.csv");
    let out = cxstat()
        .args([
            "index",
            file.to_str().unwrap(),
            "--items",
            "CUSA*",
            "--scale",
            "1-10",
            "--weights",
            "relative",
            "--items-detail",
            "--format",
            "csv",
        ])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let items: Vec<_> = rows.iter().filter(|r| !r["item"].is_empty()).collect();
    let total: f64 = items.iter().map(|r| num(r, "weight")).sum();
    assert_close(total, 1.0, 1e-12);
    // The index is the weighted mean of the items' own indexes (same complete rows).
    let index: f64 = items.iter().map(|r| num(r, "weight") * num(r, "index")).sum();
    assert_close(num(row(&rows, &[("item", "")]), "index"), index, 1e-9);
}

#[test]
fn worded_and_padded_answers_read_as_their_numbers() {
    // The first pass reads items as plain numbers; a worded answer ("Very satisfied" = 5 on 1–5)
    // or a padded one (" 4 ") sends the run to the full reader, which must give the same table
    // as the plain numbers.
    let dir = workdir();
    let plain = "q1,q2,q3\n5,4,4\n3,3,2\n4,5,4\n2,2,3\n5,5,5\n1,2,1\n";
    let worded = "q1,q2,q3\nVery satisfied,4,4\n3,3,2\n4,5,\" 4 \"\n2,Dissatisfied,3\n5,5,5\n1,2,1\n";
    let mut tables = Vec::new();
    for (name, text) in [("plain.csv", plain), ("worded.csv", worded)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = cxstat().args(["index", path.to_str().unwrap(), "--items", "q*", "--scale", "1-5", "--format", "csv"]).assert().success();
        tables.push(out.get_output().stdout.clone());
    }
    assert_eq!(String::from_utf8_lossy(&tables[0]), String::from_utf8_lossy(&tables[1]));
    // By hand: rows' means (5+4+4)/3 … on 0–100: ((x − 1)/4·100); the index is the mean of the
    // item means rescaled: item means 20/6, 21/6, 19/6 → (60/18 − 1)/4·100 = 58.33….
    let rows = csv_rows(&tables[1]);
    assert_eq!(row(&rows, &[("construct", "index")])["n"], "6");
    assert_close(num(row(&rows, &[("construct", "index")]), "index"), (60.0 / 18.0 - 1.0) / 4.0 * 100.0, 1e-12);
}
