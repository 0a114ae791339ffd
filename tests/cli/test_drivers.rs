//! `cxstat drivers` on a small fixture, checked against numpy/scipy
//! (`python3 scripts/relative_weights.py fixtures/drivers_small.csv csat q_speed q_staff q_price`).

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, row, workdir};
use predicates::prelude::*;

#[test]
fn key_drivers_match_an_independent_computation() {
    let file = fixture("drivers_small.csv");
    let out = cxstat()
        .args(["drivers", file.to_str().unwrap(), "--drivers", "q_speed,q_staff,q_pr*", "--by", "segment"])
        .assert()
        .success()
        // Row 13 (id 12) has q_staff 'slow': reported and left out, like row 12's blank q_speed.
        .stderr(predicate::str::contains("column 'q_staff': 1 invalid value").and(predicate::str::contains("row 13: 'slow'")));
    let rows = csv_rows(&out.get_output().stdout);
    // 14 rows, 2 incomplete → n = 12. numpy: R² 0.958232 (least squares gives the same);
    // q_speed mean 3.25, r 0.893386, Spearman 0.886867 (scipy), weight 0.482824 = 50.3870 % of R².
    let speed = row(&rows, &[("segment", "Total"), ("driver", "q_speed")]);
    assert_eq!(speed["n"], "12");
    assert_close(num(speed, "mean"), 3.25, 1e-12);
    assert_close(num(speed, "pearson"), 0.893_386, 1e-6);
    assert_close(num(speed, "spearman"), 0.886_867, 1e-6);
    assert_close(num(speed, "weight"), 0.482_824, 1e-6);
    assert_close(num(speed, "weight_pct"), 50.3870, 1e-4);
    assert_close(num(speed, "r2"), 0.958_232, 1e-6);
    let staff = row(&rows, &[("segment", "Total"), ("driver", "q_staff")]);
    assert_close(num(staff, "weight"), 0.306_508, 1e-6);
    assert_close(num(staff, "spearman"), 0.820_513, 1e-6);
    let price = row(&rows, &[("segment", "Total"), ("driver", "q_price")]);
    assert_close(num(price, "weight"), 0.168_899, 1e-6);
    // The raw weights add up to R².
    assert_close(num(speed, "weight") + num(staff, "weight") + num(price, "weight"), num(speed, "r2"), 1e-12);
    // Ranks by weight; crosshairs at mean importance 33.3 % and mean score (3.25+3.1667+2.8333)/3 = 3.0833.
    assert_eq!((speed["rank"].as_str(), staff["rank"].as_str(), price["rank"].as_str()), ("1", "2", "3"));
    assert_eq!(speed["quadrant"], "keep up the good work");
    assert_eq!(staff["quadrant"], "possible overkill");
    assert_eq!(price["quadrant"], "low priority");
    // Segment a alone (6 rows): numpy R² 0.997036, q_speed weight 0.478501, Spearman 0.955882.
    let a = row(&rows, &[("segment", "a"), ("driver", "q_speed")]);
    assert_close(num(a, "r2"), 0.997_036, 1e-6);
    assert_close(num(a, "weight"), 0.478_501, 1e-6);
    assert_close(num(a, "spearman"), 0.955_882, 1e-6);
    assert_eq!(a["low_base"], "true");
}

#[test]
fn degenerate_inputs_are_not_computable() {
    let dir = workdir();
    // Two identical drivers: collinear, so no weights; the correlations are still shown.
    let twin = dir.path().join("twin.csv");
    std::fs::write(&twin, "csat,q1,q2\n5,5,5\n4,4,4\n2,3,3\n1,1,1\n3,2,2\n").unwrap();
    let out = cxstat().args(["drivers", twin.to_str().unwrap(), "--drivers", "q*"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let q1 = row(&rows, &[("driver", "q1")]);
    assert_eq!(q1["weight"], "");
    assert!(q1["note"].contains("collinear"), "{q1:?}");
    assert!(!q1["pearson"].is_empty());
    // A target that never varies.
    let flat = dir.path().join("flat.csv");
    std::fs::write(&flat, "csat,q1,q2\n5,5,4\n5,4,2\n5,3,3\n5,1,1\n").unwrap();
    let out = cxstat().args(["drivers", flat.to_str().unwrap(), "--drivers", "q1,q2"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let q1 = row(&rows, &[("driver", "q1")]);
    assert_eq!(q1["pearson"], "");
    assert!(q1["note"].contains("the target does not vary"), "{q1:?}");
    // Fewer complete rows than drivers + 2.
    let few = dir.path().join("few.csv");
    std::fs::write(&few, "csat,q1,q2\n5,5,4\n3,4,2\n1,3,\n").unwrap();
    let out = cxstat().args(["drivers", few.to_str().unwrap(), "--drivers", "q1,q2"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert!(row(&rows, &[("driver", "q1")])["note"].contains("2 complete rows for 2 drivers"));
    // No pattern match is a usage error naming the headers.
    cxstat()
        .args(["drivers", few.to_str().unwrap(), "--drivers", "x_*"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no column matches 'x_*'"));
}

#[test]
fn importance_performance_chart() {
    let dir = workdir();
    let png = dir.path().join("ip.png");
    let svg = dir.path().join("ip.svg");
    let file = fixture("drivers_small.csv");
    for path in [&png, &svg] {
        cxstat()
            .args(["drivers", file.to_str().unwrap(), "--drivers", "q_*", "--by", "segment", "--chart", path.to_str().unwrap()])
            .assert()
            .success();
    }
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let text = std::fs::read_to_string(&svg).unwrap();
    for needle in ["concentrate here", "keep up the good work", "low priority", "possible overkill", "q_speed", "R² = 0.958"] {
        assert!(text.contains(needle), "{needle} missing from the SVG");
    }
}

#[test]
fn drivers_are_listed_by_importance_and_a_reversed_item_is_flagged() {
    let file = fixture("drivers_small.csv");
    let out = cxstat().args(["drivers", file.to_str().unwrap(), "--drivers", "q_price,q_staff,q_speed"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    // Named price, staff, speed; listed by rank (speed 1, staff 2, price 3, as the test above).
    let order: Vec<&str> = rows.iter().map(|r| r["driver"].as_str()).collect();
    assert_eq!(order, ["q_speed", "q_staff", "q_price"]);
    // An item scored the other way round (1 = best): its correlation with CSAT is negative.
    let dir = workdir();
    let reversed = dir.path().join("reversed.csv");
    std::fs::write(&reversed, "csat,q_speed,q_wait\n5,5,1\n4,4,2\n2,2,4\n1,1,5\n3,4,3\n4,3,2\n2,3,4\n5,4,1\n").unwrap();
    let out = cxstat().args(["drivers", reversed.to_str().unwrap(), "--drivers", "q_*"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let wait = row(&rows, &[("driver", "q_wait")]);
    assert!(num(wait, "pearson") < 0.0);
    assert!(wait["note"].contains("negative relation: reverse-coded item?"), "{wait:?}");
    assert!(!row(&rows, &[("driver", "q_speed")])["note"].contains("negative"));
}

/// fixtures/drivers_na_code.csv: `q_staff` is words (7 of its 8 answers are not numbers), so
/// the run stops rather than analyse the one row left; `q_speed` is 1–5 with two 0s, which are
/// averaged in as scores unless `--na-values 0` says they mean "not applicable": mean
/// (5 + 4 + 2 + 0 + 5 + 1 + 0 + 3)/8 = 2.5 over 8 rows, or 20/6 over the 6 others.
#[test]
fn drivers_refuse_text_and_warn_about_zero_codes() {
    cxstat()
        .args(["drivers", "--drivers", "q_*"])
        .arg(fixture("drivers_na_code.csv"))
        .assert()
        .code(65)
        .stdout("")
        .stderr(predicate::str::contains("column 'q_staff': 7 of 8 answers (87.5%) are not a number"))
        .stderr(predicate::str::contains("row 2: 'good'"))
        .stderr(predicate::str::contains("--max-invalid 10%"));
    // Allowed, the text is left out with a warning and one row is complete.
    cxstat()
        .args(["drivers", "--drivers", "q_*", "--max-invalid", "90", "--format", "csv"])
        .arg(fixture("drivers_na_code.csv"))
        .assert()
        .success();
    let out = cxstat()
        .args(["drivers", "--drivers", "q_speed", "--format", "csv"])
        .arg(fixture("drivers_na_code.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'q_speed': 2 answers of 0 below 1–5, read as scores of 0"))
        .stderr(predicate::str::contains("--na-values 0"));
    let r = &csv_rows(&out.get_output().stdout)[0];
    assert_eq!(r["n"], "8");
    assert_close(num(r, "mean"), 2.5, 1e-12);
    let out = cxstat()
        .args(["drivers", "--drivers", "q_speed", "--na-values", "0", "--format", "csv"])
        .arg(fixture("drivers_na_code.csv"))
        .assert()
        .success()
        .stderr("");
    let r = &csv_rows(&out.get_output().stdout)[0];
    assert_eq!(r["n"], "6");
    assert_close(num(r, "mean"), 20.0 / 6.0, 1e-12);
}

/// The bootstrap of the relative weights on the example data: seeded (the same bytes on every
/// run), the intervals bracket the weights, and a rank swap inside the noise is noted. An
/// independent bootstrap in numpy (`python3 scripts/check_drivers_bootstrap.py
/// examples/data/responses.csv csat BINARY q_speed q_staff q_price q_quality`, 4,000 resamples
/// with numpy's generator) put the 95% bounds of q_price at 13.8654 and 16.5542, of q_staff at
/// 27.4187 and 31.1183: cxstat's 1,000 resamples are within Monte Carlo error of them.
#[test]
fn bootstrap_intervals_of_the_relative_weights() {
    let file = example("responses.csv");
    let run = |extra: &[&str]| {
        let out = cxstat().args(["drivers", file.to_str().unwrap(), "--drivers", "q_*", "--format", "csv"]).args(extra).assert().success();
        out.get_output().stdout.clone()
    };
    let first = run(&[]);
    assert_eq!(first, run(&[]));
    assert_ne!(first, run(&["--seed", "7"]));
    let rows = csv_rows(&first);
    for r in &rows {
        let (low, w, high) = (num(r, "weight_pct_low"), num(r, "weight_pct"), num(r, "weight_pct_high"));
        assert!(low < w && w < high, "{r:?}");
    }
    let price = row(&rows, &[("driver", "q_price")]);
    assert!((num(price, "weight_pct_low") - 13.8654).abs() < 0.3 && (num(price, "weight_pct_high") - 16.5542).abs() < 0.3, "{price:?}");
    assert_eq!((price["rank_low"].as_str(), price["rank_high"].as_str()), ("4", "4"));
    let staff = row(&rows, &[("driver", "q_staff")]);
    assert!((num(staff, "weight_pct_low") - 27.4187).abs() < 0.3 && (num(staff, "weight_pct_high") - 31.1183).abs() < 0.3, "{staff:?}");
    assert!(num(staff, "rank_high") > 1.0 && staff["note"].contains("in the resamples"), "{staff:?}");
    // --bootstrap 0: no intervals, no columns.
    let plain = csv_rows(&run(&["--bootstrap", "0"]));
    assert!(!plain[0].contains_key("weight_pct_low") && !plain[0].contains_key("rank_low"));
}
