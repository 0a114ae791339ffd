//! `cxstat clv` on fixtures/clv_orders.csv (1,500 customers drawn from BG/NBD with r = 0.9,
//! α = 6, a = 0.8, b = 2.5 and Gamma-Gamma with p = 5, q = 4, γ = 150; scripts/make_clv_fixture.py),
//! checked against the Python `lifetimes` package 0.11.3 by scripts/check_clv.py, which agrees on
//! all 12,016 values it recomputes (histories, parameters and standard errors to 1e-4, the
//! log-likelihoods and every customer's P(alive), expected purchases, spend and CLV to 1e-9 at
//! cxstat's parameters):
//!
//!   cxstat clv fixtures/clv_orders.csv --format json -o clv.json --customers customers.csv
//!   python3 scripts/check_clv.py fixtures/clv_orders.csv clv.json customers.csv --show C00000,C00001,C00007
//!
//! The figures below are lifetimes' own (its fit and its predictions at its parameters); cxstat's
//! parameters are within 2.1e-7 of them, so its predictions within about 1e-6.

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, put, row, workdir};
use predicates::prelude::*;

fn close(actual: f64, expected: f64, rel: f64) {
    assert_close(actual, expected, rel * expected.abs());
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = cxstat().arg("clv").args(args).args(["--format", "json"]).assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn the_fit_agrees_with_lifetimes() {
    let file = fixture("clv_orders.csv");
    let v = json(&[file.to_str().unwrap()]);
    let p = &v["parameters"];
    let se = &v["standard_errors"];
    for (k, want, want_se) in [
        ("r", 0.951_128_593_725_233_2, 0.049_629_733_753_105_774),
        ("alpha", 6.575_342_854_143_35, 0.457_528_730_891_479_2),
        ("a", 0.820_222_032_389_010_7, 0.114_839_367_676_422_96),
        ("b", 2.544_114_404_624_591, 0.469_907_150_266_291_26),
        ("p", 4.619_185_436_088_474, 0.547_086_522_924_106_3),
        ("q", 4.376_743_900_838_062, 0.271_740_236_731_619_2),
        ("gamma", 184.402_352_982_281, 31.744_892_320_044_865),
    ] {
        close(p[k].as_f64().unwrap(), want, 1e-6);
        close(se[k].as_f64().unwrap(), want_se, 1e-5);
    }
    // In weeks (lifetimes' mean negative log-likelihood × 1,500 customers, at its parameters).
    close(v["log_likelihood"]["bgnbd"].as_f64().unwrap(), -15_271.286_694_549_79, 1e-9);
    // 1,500 customers, 1,248 bought on a later day; the refunds and the repeated order id are
    // left out (a warning names row 103).
    assert_eq!(v["customers"], 1500);
    assert_eq!(v["summary"][0]["repeat_customers"], 1248);
    assert_eq!(v["as_of"], "2026-06-29");
    assert_eq!(v["time_unit"], "week");
}

#[test]
fn each_customer_gets_p_alive_purchases_spend_and_clv() {
    let dir = workdir();
    let customers = dir.path().join("customers.csv");
    let file = fixture("clv_orders.csv");
    cxstat()
        .args(["clv", file.to_str().unwrap(), "--format", "csv", "--customers", customers.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("duplicate order id").and(predicate::str::contains("row 103")));
    let rows = csv_rows(&std::fs::read(&customers).unwrap());
    assert_eq!(rows.len(), 1500);
    let get = |id: &str, k: &str| -> f64 { row(&rows, &[("customer_id", id)])[k].parse().unwrap() };
    // C00000: one purchase 76.7 weeks ago: alive for sure in BG/NBD (drop-out follows a repeat
    // purchase), 0.523 purchases in the next 52 weeks, the population's mean spend 252.25.
    assert_eq!((get("C00000", "frequency"), get("C00000", "p_alive")), (0.0, 1.0));
    close(get("C00000", "expected_purchases"), 0.522_846_923_115_096_2, 1e-5);
    close(get("C00000", "expected_spend"), 252.251_484_948_205_84, 1e-5);
    close(get("C00000", "clv"), 125.561_446_712_643_98, 1e-5);
    // C00001: one repeat purchase in week 7, none in the 40 weeks since: P(alive) 0.174.
    assert_eq!((get("C00001", "frequency"), get("C00001", "recency")), (1.0, 7.0));
    close(get("C00001", "T"), 47.285_714_285_714_285, 1e-12);
    close(get("C00001", "p_alive"), 0.174_078_970_744_846_77, 1e-5);
    close(get("C00001", "expected_purchases"), 0.265_280_807_938_352_6, 1e-5);
    close(get("C00001", "expected_spend"), 432.363_478_855_108_7, 1e-5);
    close(get("C00001", "clv"), 109.327_828_741_330_56, 1e-5);
    // Past value 858.86 above the median, P(alive) below 0.5: at risk.
    assert_eq!(row(&rows, &[("customer_id", "C00001")])["at_risk"], "true");
    // C00007: six repeat purchases, mean 178.34.
    close(get("C00007", "monetary"), 178.338_333_333_333_34, 1e-12);
    close(get("C00007", "p_alive"), 0.495_400_273_322_027_9, 1e-5);
    close(get("C00007", "expected_purchases"), 2.869_924_633_045_991_8, 1e-5);
    close(get("C00007", "clv"), 510.373_657_025_940_2, 1e-5);
    // The tiers: 20% of customers top, 60% middle, 20% bottom (no ties in CLV here).
    let count = |t: &str| rows.iter().filter(|r| r["tier"] == t).count();
    assert_eq!((count("top"), count("middle"), count("bottom")), (300, 900, 300));
}

#[test]
fn the_summary_adds_up_the_customers() {
    let dir = workdir();
    let customers = dir.path().join("c.csv");
    let file = fixture("clv_orders.csv");
    let out =
        cxstat().args(["clv", file.to_str().unwrap(), "--format", "csv", "--customers", customers.to_str().unwrap()]).assert().success();
    let summary = &csv_rows(&out.get_output().stdout)[0];
    let rows = csv_rows(&std::fs::read(&customers).unwrap());
    let sum = |k: &str, f: &dyn Fn(&std::collections::HashMap<String, String>) -> bool| -> f64 {
        rows.iter().filter(|r| f(r)).map(|r| r[k].parse::<f64>().unwrap()).sum()
    };
    let all = |_: &std::collections::HashMap<String, String>| true;
    let total = sum("clv", &all);
    close(summary["clv_total"].parse().unwrap(), total, 1e-9);
    close(summary["clv_mean"].parse().unwrap(), total / 1500.0, 1e-9);
    close(summary["expected_purchases"].parse().unwrap(), sum("expected_purchases", &all), 1e-9);
    let top = sum("clv", &|r| r["tier"] == "top");
    close(summary["top_tier_clv_pct"].parse().unwrap(), 100.0 * top / total, 1e-9);
    let risk = rows.iter().filter(|r| r["at_risk"] == "true").count();
    assert_eq!(summary["at_risk"], risk.to_string());
    close(summary["at_risk_past_value"].parse().unwrap(), sum("past_value", &|r| r["at_risk"] == "true"), 1e-9);
}

#[test]
fn settings_change_the_clv_as_defined() {
    let file = fixture("clv_orders.csv");
    let base = json(&[file.to_str().unwrap()]);
    // Margin 30%: CLV × 0.3 exactly; no discount: more.
    let margin = json(&[file.to_str().unwrap(), "--margin", "30%"]);
    close(margin["summary"][0]["clv_total"].as_f64().unwrap(), 0.3 * base["summary"][0]["clv_total"].as_f64().unwrap(), 1e-12);
    let undiscounted = json(&[file.to_str().unwrap(), "--discount", "0"]);
    assert!(undiscounted["summary"][0]["clv_total"].as_f64().unwrap() > base["summary"][0]["clv_total"].as_f64().unwrap());
    // In days the parameters r, a, b stay and α is 7 times the weeks' (the same model).
    let days = json(&[file.to_str().unwrap(), "--time-unit", "day"]);
    close(days["parameters"]["r"].as_f64().unwrap(), base["parameters"]["r"].as_f64().unwrap(), 1e-6);
    close(days["parameters"]["alpha"].as_f64().unwrap(), 7.0 * base["parameters"]["alpha"].as_f64().unwrap(), 1e-6);
    close(days["summary"][0]["expected_purchases"].as_f64().unwrap(), base["summary"][0]["expected_purchases"].as_f64().unwrap(), 1e-6);
}

#[test]
fn data_that_cannot_be_fitted_is_refused() {
    let dir = workdir();
    // Everyone bought once, on one day: no time to see repeat purchases.
    let one_day = put(dir.path(), "one_day.csv", b"customer_id,order_date,amount\nC1,2026-01-05,10\nC2,2026-01-05,20\nC3,2026-01-05,5\n");
    cxstat()
        .args(["clv", one_day.to_str().unwrap()])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("0 of 3 customers bought again").and(predicate::str::contains("10 repeat customers")));
    // Amounts beyond what the sums hold (7·10¹³ per customer): refused, not summed wrongly.
    let huge = put(dir.path(), "huge.csv", b"customer_id,order_date,amount\nC1,2026-01-01,1e14\nC1,2026-02-01,5\n");
    cxstat()
        .args(["clv", huge.to_str().unwrap()])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("a customer spent 1.00000000000005e14"));
    // No customer column.
    let anonymous = put(dir.path(), "anon.csv", b"order_date,amount\n2026-01-05,10\n");
    cxstat().args(["clv", anonymous.to_str().unwrap()]).assert().code(65).stderr(predicate::str::contains("no customer column"));
    // Bad settings are usage errors.
    let file = fixture("clv_orders.csv");
    cxstat().args(["clv", file.to_str().unwrap(), "--discount", "150%"]).assert().code(2);
    cxstat().args(["clv", file.to_str().unwrap(), "--tiers", "60,50"]).assert().code(2);
}

#[test]
fn without_amounts_purchases_are_predicted_and_value_is_not_given() {
    let dir = workdir();
    let text = std::fs::read_to_string(fixture("clv_orders.csv")).unwrap();
    // The orders without their amounts (and without the refunds, which only amounts mark).
    let mut out = String::from("order_id,customer_id,order_date\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if !f[3].starts_with('-') {
            out.push_str(&format!("{},{},{}\n", f[0], f[1], f[2]));
        }
    }
    let file = put(dir.path(), "no_amount.csv", out.as_bytes());
    let v = json(&[file.to_str().unwrap()]);
    let with = json(&[fixture("clv_orders.csv").to_str().unwrap()]);
    // The same purchases, so the same BG/NBD fit; no Gamma-Gamma, no CLV.
    close(v["parameters"]["r"].as_f64().unwrap(), with["parameters"]["r"].as_f64().unwrap(), 1e-9);
    assert!(v["parameters"].get("p").is_none());
    assert!(v["summary"][0]["clv_total"].is_null());
    cxstat()
        .args(["clv", file.to_str().unwrap(), "--format", "table"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no amount column: spend and CLV are not given"));
}

#[test]
fn a_holdout_checks_the_model_against_what_happened() {
    // Fit on the purchases up to 2025-12-31, predict 2026-01-01 … 2026-06-29 (180 days). The
    // reference: lifetimes' BetaGeoFitter on the calibration histories (summary_data_from_transaction_data
    // to 2025-12-31) and its conditional expectations over 180/7 weeks, per calibration frequency.
    let dir = workdir();
    let chart = dir.path().join("tracking.svg");
    let file = fixture("clv_orders.csv");
    let v = json(&[file.to_str().unwrap(), "--holdout-from", "2026-01-01", "--chart", chart.to_str().unwrap()]);
    assert_eq!((v["calibration_end"].as_str(), v["as_of"].as_str()), (Some("2025-12-31"), Some("2026-06-29")));
    for (k, want) in [("r", 0.967_563_27), ("alpha", 6.767_479_4), ("a", 0.789_944_36), ("b", 2.426_013_99)] {
        close(v["parameters"][k].as_f64().unwrap(), want, 1e-6);
    }
    let rows = v["validation"].as_array().unwrap();
    let want = [
        ("0", 353, 413, 373.680_244),
        ("1", 350, 233, 245.057_503),
        ("2", 203, 244, 227.684_069),
        ("3", 103, 143, 141.568_218),
        ("4", 63, 76, 104.478_701),
        ("5", 38, 88, 87.159_335),
        ("6", 24, 58, 71.654_388),
        ("7+", 83, 363, 380.274_425),
        ("Total", 1217, 1618, 1_631.556_883),
    ];
    assert_eq!(rows.len(), want.len());
    for (r, (f, n, actual, predicted)) in rows.iter().zip(want) {
        assert_eq!((r["frequency"].as_str(), r["customers"].as_i64(), r["actual"].as_i64()), (Some(f), Some(n), Some(actual)));
        close(r["predicted"].as_f64().unwrap(), predicted, 1e-6);
    }
    // Error: (1631.56 − 1618) / 1618 = +0.84%.
    close(v["holdout_error_pct"].as_f64().unwrap(), 100.0 * (1_631.556_883 - 1618.0) / 1618.0, 1e-5);
    let svg = std::fs::read_to_string(&chart).unwrap();
    assert!(svg.contains("actual") && svg.contains("predicted"));
    // A holdout after the data's end is a usage error; with --customers too.
    cxstat().args(["clv", file.to_str().unwrap(), "--holdout-from", "2027-01-01"]).assert().code(2);
    cxstat().args(["clv", file.to_str().unwrap(), "--holdout-from", "2026-01-01", "--customers", "x.csv"]).assert().code(2);
}

#[test]
fn the_lorenz_curve_shows_how_concentrated_value_is() {
    let dir = workdir();
    let chart = dir.path().join("lorenz.svg");
    let file = fixture("clv_orders.csv");
    let v = json(&[file.to_str().unwrap(), "--chart", chart.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&chart).unwrap();
    // The subtitle's share of the top 20% is the summary's top tier share (no ties in CLV).
    let top = v["summary"][0]["top_tier_clv_pct"].as_f64().unwrap();
    assert!(svg.contains(&format!("top 20% of customers hold {top:.1}% of CLV")), "{top}");
}

#[test]
fn by_a_column_the_groups_add_up_to_the_total() {
    let dir = workdir();
    let customers = dir.path().join("c.csv");
    let file = fixture("clv_orders.csv");
    let out = cxstat()
        .args(["clv", file.to_str().unwrap(), "--by", "channel", "--format", "csv", "--customers", customers.to_str().unwrap()])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let order: Vec<&str> = rows.iter().map(|r| r["channel"].as_str()).collect();
    assert_eq!(order, ["app", "store", "web", "Total"]);
    let total = row(&rows, &[("channel", "Total")]);
    let sum = |k: &str| -> f64 { rows.iter().filter(|r| r["channel"] != "Total").map(|r| r[k].parse::<f64>().unwrap()).sum() };
    assert_eq!(sum("customers"), 1500.0);
    close(sum("clv_total"), total["clv_total"].parse().unwrap(), 1e-9);
    close(sum("at_risk_past_value"), total["at_risk_past_value"].parse().unwrap(), 1e-9);
    // Each customer is in the group of their first order (the fixture gives a customer one
    // channel): the per-customer file names it, and its counts are the group's.
    let per = csv_rows(&std::fs::read(&customers).unwrap());
    let app = per.iter().filter(|r| r["channel"] == "app").count();
    assert_eq!(row(&rows, &[("channel", "app")])["customers"], app.to_string());
}

#[test]
fn the_search_stays_where_the_likelihood_is_computable() {
    // Up to 2026-04-30 the Gamma-Gamma search once ran off to ln p = −156, ln γ = 220, where the
    // likelihood's digits are lost; now bounded, it finds lifetimes' maximum (GammaGammaFitter on
    // the 1,178 repeat customers of summary_data_from_transaction_data to 2026-04-30).
    let file = fixture("clv_orders.csv");
    let v = json(&[file.to_str().unwrap(), "--as-of", "2026-04-30"]);
    for (k, want) in [("p", 4.394_019_033_959_801), ("q", 4.447_058_104_618_67), ("gamma", 198.242_195_949_859_3)] {
        close(v["parameters"][k].as_f64().unwrap(), want, 1e-6);
    }
}

#[test]
fn the_customers_file_takes_its_format_from_its_name_and_guards_formulas() {
    // The fixture with customer C00001 renamed "=C00001" and C00007 "-C00007" (what a
    // spreadsheet would run as formulas).
    let dir = workdir();
    let text = std::fs::read_to_string(fixture("clv_orders.csv")).unwrap();
    let orders = put(dir.path(), "orders.csv", text.replace(",C00001,", ",=C00001,").replace(",C00007,", ",-C00007,").as_bytes());
    let run = |name: &str, safe: bool| -> Vec<u8> {
        let path = dir.path().join(name);
        let mut cmd = cxstat();
        cmd.args(["clv", orders.to_str().unwrap(), "--format", "csv", "--customers", path.to_str().unwrap()]);
        if safe {
            cmd.arg("--safe-csv");
        }
        cmd.assert().success();
        std::fs::read(path).unwrap()
    };
    let plain = csv_rows(&run("plain.csv", false));
    let safe = csv_rows(&run("safe.csv", true));
    assert_eq!(plain.len(), 1500);
    // As given without --safe-csv; with it, a ' before (OWASP's rule), the numbers unchanged.
    let p_alive = |rows: &[std::collections::HashMap<String, String>], id: &str| -> f64 {
        row(rows, &[("customer_id", id)])["p_alive"].parse().unwrap()
    };
    close(p_alive(&plain, "=C00001"), 0.174_078_970_744_846_77, 1e-5);
    assert_eq!(p_alive(&safe, "'=C00001"), p_alive(&plain, "=C00001"));
    assert_eq!(p_alive(&safe, "'-C00007"), p_alive(&plain, "-C00007"));
    assert_eq!(row(&safe, &[("customer_id", "C00000")])["tier"], "middle");
    // Tab-separated by the name .tsv: the same header and rows, tabs between.
    let tsv = String::from_utf8(run("c.tsv", false)).unwrap();
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer_id\tfrequency\trecency\tT\tmonetary\tpast_value\tp_alive\texpected_purchases\texpected_spend\tclv\ttier\tat_risk"
    );
    assert_eq!(lines.count(), 1500);
    // JSON by the name .json: one object per customer, as in the CSV.
    let json: serde_json::Value = serde_json::from_slice(&run("c.json", false)).unwrap();
    let rows = json["rows"].as_array().or_else(|| json.as_array()).unwrap();
    assert_eq!(rows.len(), 1500);
    let c1 = rows.iter().find(|r| r["customer_id"] == "=C00001").unwrap();
    assert_eq!(c1["p_alive"].as_f64().unwrap(), p_alive(&plain, "=C00001"));
}

#[test]
fn a_day_with_an_unreadable_amount_counts_as_a_purchase_but_not_in_the_mean_spend() {
    // C00007's repeat purchase of 2026-03-27 (301.42) written "3O1.42". Its six repeat days
    // stay six purchases; the mean spend is of the five known:
    // (80.04 + 198.82 + 187.23 + 117.89 + 184.63) / 5 = 768.61 / 5 = 153.722
    // (taken as 0, the day would make it 768.61 / 6 = 128.10). Past value: 114.18 + 768.61.
    let dir = workdir();
    let text = std::fs::read_to_string(fixture("clv_orders.csv")).unwrap();
    let orders =
        put(dir.path(), "orders.csv", text.replace("O005503,C00007,2026-03-27,301.42", "O005503,C00007,2026-03-27,3O1.42").as_bytes());
    let customers = dir.path().join("c.csv");
    cxstat()
        .args(["clv", orders.to_str().unwrap(), "--format", "csv", "--customers", customers.to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'amount': 1 row: invalid amount").and(predicate::str::contains("'3O1.42'")));
    let rows = csv_rows(&std::fs::read(&customers).unwrap());
    let c7 = row(&rows, &[("customer_id", "C00007")]);
    assert_eq!(c7["frequency"], "6");
    close(c7["monetary"].parse().unwrap(), 153.722, 1e-12);
    close(c7["past_value"].parse().unwrap(), 882.79, 1e-12);
}

#[test]
fn mostly_unreadable_amounts_stop_the_run() {
    // Every fifth order's amount is text: 20% of the amounts, above --max-invalid's 10%.
    let dir = workdir();
    let text = std::fs::read_to_string(fixture("clv_orders.csv")).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<&str> = l.split(',').collect();
            if i > 0 && i % 5 == 0 {
                f[3] = "pending";
            }
            f.join(",")
        })
        .collect();
    let orders = put(dir.path(), "orders.csv", (lines.join("\n") + "\n").as_bytes());
    cxstat().args(["clv", orders.to_str().unwrap()]).assert().code(65).stderr(
        predicate::str::contains("column 'amount': ")
            .and(predicate::str::contains("(20.0%) have an amount that is not a number"))
            .and(predicate::str::contains("--max-invalid 10%"))
            .and(predicate::str::contains("--col amount=HEADER")),
    );
    // Allowed: fitted on the readable amounts.
    cxstat().args(["clv", orders.to_str().unwrap(), "--max-invalid", "25"]).assert().success();
}
