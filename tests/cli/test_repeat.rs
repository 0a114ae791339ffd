//! `cxstat repeat` end to end.
//!
//! fixtures/orders_small.csv, worked by hand: O7 is a refund (−80, not a purchase), O8 appears
//! twice (the second row is dropped), O9 has an invalid amount (an order without a value).
//! Aug: C1, C2 (both new), 2 orders, revenue 150.
//! Sep: C1 (returning), C3 (new), 2 orders, revenue 100; repeat 1/2; return: of Aug's C1, C2 → C1 = 1/2.
//! Oct: C2, C3 (returning), C4, C5 (new), 4 orders, revenue 60 + 40 + 30 = 130 over 3 valued orders;
//!      repeat 2/4; return: of Sep's C1, C3 → C3 = 1/2; one refund of 80.

use predicates::prelude::*;

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row, workdir};

#[test]
fn periods_match_hand_arithmetic() {
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--window", "30d", "--format", "csv"])
        .arg(fixture("orders_small.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("duplicate order id").and(predicate::str::contains("row 10: 'O8'")))
        .stderr(predicate::str::contains("invalid amount").and(predicate::str::contains("row 11: 'abc'")));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows.len(), 4, "three months and the total");
    let aug = row(&rows, &[("period", "2026-08")]);
    assert_eq!((aug["active_customers"].as_str(), aug["new_customers"].as_str()), ("2", "2"));
    assert_close(num(aug, "revenue"), 150.0, 1e-9);
    assert_eq!(aug["return_rate"], "", "no previous period");
    let sep = row(&rows, &[("period", "2026-09")]);
    assert_close(num(sep, "repeat_rate"), 50.0, 1e-12);
    assert_close(num(sep, "return_rate"), 50.0, 1e-12);
    assert_close(num(sep, "churn_rate"), 50.0, 1e-12);
    let oct = row(&rows, &[("period", "2026-10")]);
    assert_eq!(oct["active_customers"], "4");
    assert_eq!(oct["returning_customers"], "2");
    assert_eq!(oct["orders"], "4");
    assert_close(num(oct, "revenue"), 130.0, 1e-9);
    assert_close(num(oct, "avg_order_value"), 130.0 / 3.0, 1e-9);
    assert_close(num(oct, "orders_per_customer"), 1.0, 1e-12);
    assert_eq!(oct["refunds"], "1");
    assert_close(num(oct, "refund_amount"), 80.0, 1e-9);
    assert_close(num(oct, "repeat_rate"), 50.0, 1e-12);
    assert_close(num(oct, "return_rate"), 50.0, 1e-12);
    assert_eq!(oct["partial"], "false", "2026-10-31 ends October");
    // 30-day window, as of 10-31 (first purchase on or before 10-01): C1 08-05 → 09-03 (29 days, a
    // repeat); C2 08-20 → 10-01 (42 days, not); C3 09-15 → 10-31 (46 days, not); C4, C5 too recent.
    assert_eq!(aug["window_eligible"], "2");
    assert_close(num(aug, "window_repeat_rate"), 50.0, 1e-12);
    assert_eq!(sep["window_eligible"], "1");
    assert_close(num(sep, "window_repeat_rate"), 0.0, 1e-12);
    assert_eq!(oct["window_eligible"], "0");
}

#[test]
fn orders_after_the_as_of_day_are_left_out() {
    // As of 10-05, October holds O5 (C2, 60) and O6 (C4, 40) only: O7's refund (10-30), O8
    // (10-31) and O9 (10-10) come later. C2 bought in August: returning; C4 is new. Of
    // September's C1 and C3 none bought again by 10-05: retained 0 = 2 + 2 − |{C1, C3, C2, C4}|.
    let out = cxstat().args(["repeat", "--as-of", "2026-10-05", "--format", "csv"]).arg(fixture("orders_small.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let oct = row(&rows, &[("period", "2026-10")]);
    assert_eq!(oct["partial"], "true", "October is not over on 10-05");
    assert_eq!((oct["active_customers"].as_str(), oct["new_customers"].as_str(), oct["orders"].as_str()), ("2", "1", "2"));
    assert_close(num(oct, "revenue"), 100.0, 1e-9);
    assert_eq!(oct["refunds"], "0");
    assert_eq!((oct["previous_customers"].as_str(), oct["retained_customers"].as_str()), ("2", "0"));
    // September is as before: of August's C1, C2, C1 came back (1 = 2 + 2 − |{C1, C2, C3}|).
    let sep = row(&rows, &[("period", "2026-09")]);
    assert_eq!((sep["previous_customers"].as_str(), sep["retained_customers"].as_str()), ("2", "1"));
}

/// Aug cohort C1, C2: C1 again in Sep, C2 in Oct → 100, 50, 50. Sep cohort C3: again in Oct → 100, 100.
#[test]
fn cohort_matrix_small_enough_to_check_by_eye() {
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--cohorts", "--format", "csv"])
        .arg(fixture("orders_small.csv"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text, "cohort,customers,0,1,2\n2026-08,2,100,50,50\n2026-09,1,100,100,\n2026-10,2,100,,\n");
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--cohorts", "--counts", "--format", "csv"])
        .arg(fixture("orders_small.csv"))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("2026-08,2,2,1,1\n"), "{text}");
}

/// RFM as of 10-31 over 5 customers (purchases only):
/// recency days C1 58 (09-03), C2 30, C3 0, C4 29, C5 21; frequency C1 2, C2 2, C3 2, C4 1, C5 1;
/// monetary C1 180, C2 110, C3 50, C4 40, C5 0 (its one order has no valid amount).
/// R (smaller is better; lowest rank of ties from the worst): C1 rank 1 → ⌈5×1/5⌉ = 1; C2 2; C4 3;
/// C5 4; C3 5. F: C4, C5 tie at the bottom → rank 1 → 1; C1–C3 rank 3 → 3. M: C5 1, C4 2, C3 3, C2 4, C1 5.
/// Segments: C1 R1 F3 → at risk; C2 R2 F3 → at risk; C3 R5 F3 → loyal; C4 R3 F1 → potential; C5 R4 F1 → potential.
#[test]
fn rfm_segments_and_customer_table() {
    let dir = crate::workdir::workdir();
    let customers = dir.path().join("customers.csv");
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--rfm", "--format", "csv", "--customers"])
        .arg(&customers)
        .arg(fixture("orders_small.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(row(&rows, &[("segment", "at risk")])["customers"], "2");
    assert_eq!(row(&rows, &[("segment", "loyal")])["customers"], "1");
    assert_eq!(row(&rows, &[("segment", "potential")])["customers"], "2");
    // Revenue 380 in all; at risk C1 + C2 = 290 → 76.3 %.
    assert_close(num(row(&rows, &[("segment", "at risk")]), "revenue_share_pct"), 29000.0 / 380.0, 1e-9);
    let table = std::fs::read_to_string(&customers).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "customer_id,recency_days,frequency,monetary,r,f,m,score,segment");
    assert_eq!(lines[1], "C1,58,2,180,1,3,5,135,at risk");
    assert_eq!(lines[3], "C3,0,2,50,5,3,3,533,loyal");
    assert_eq!(lines[5], "C5,21,1,0,4,1,1,411,potential");
}

#[test]
fn row_order_does_not_change_the_numbers() {
    // orders_small without its repeated O8 row: ids O1…O9 in order, which lets cxstat skip
    // hashing the ids (no id can repeat). The same rows reversed take the hashing path; a copy
    // with O3's id given again on the last row must lose that row in both orders.
    let text = std::fs::read_to_string(fixture("orders_small.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (header, mut body) = (lines[0], lines[1..].to_vec());
    body.dedup();
    let dir = crate::workdir::workdir();
    let write = |name: &str, rows: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path
    };
    let reversed: Vec<&str> = body.iter().rev().copied().collect();
    let mut repeated = body.clone();
    repeated.push("O3,C9,2026-10-20,999.00,web");
    let mut repeated_reversed = reversed.clone();
    repeated_reversed.insert(0, "O3,C9,2026-10-20,999.00,web");
    let run = |path: &std::path::Path, command: &str| {
        let mut cmd = cxstat();
        match command {
            "repeat" => cmd.args(["repeat", "--as-of", "2026-10-31", "--format", "csv"]).arg(path),
            _ => {
                cmd.args(["complaints", "--period", "month", "--format", "csv", "--orders"]).arg(path).arg(fixture("complaints_small.csv"))
            }
        };
        cmd.assert().success().get_output().stdout.clone()
    };
    for command in ["repeat", "complaints"] {
        let sorted = run(&write("sorted.csv", &body), command);
        assert_eq!(sorted, run(&write("reversed.csv", &reversed), command), "{command}");
        // The O3 given again is a duplicate wherever it is: the first row of an id is kept,
        // so the sorted file keeps C1's O3 and the reversed one keeps C9's; both drop one.
        let dup = run(&write("dup.csv", &repeated), command);
        assert_eq!(dup, sorted, "{command}: the later O3 is left out");
        let kept_later = run(&write("dup_reversed.csv", &repeated_reversed), command);
        if command == "repeat" {
            let rows = csv_rows(&kept_later);
            assert_eq!(row(&rows, &[("period", "2026-09")])["orders"], "1", "C1's O3 is the repeat here");
            assert_eq!(row(&rows, &[("period", "2026-10")])["orders"], "5", "C9's O3 is kept");
        }
    }
}

#[test]
fn streaming_gives_the_same_sums_as_memory() {
    // With --streaming the file is read in batches (500 rows each here, so that the 12,000
    // example orders make many); revenue, refund and RFM monetary sums must still add in the
    // same order as without it: the same bytes, down to the last digit, table and partial alike.
    let dir = crate::workdir::workdir();
    let run = |args: &[&str], streaming: bool, partial: &str| {
        let mut cmd = cxstat();
        cmd.env("POLARS_IDEAL_MORSEL_SIZE", "500").args(["repeat", "--as-of", "2026-10-31", "--format", "json"]).args(args);
        if streaming {
            cmd.arg("--streaming");
        }
        if !partial.is_empty() {
            cmd.arg("--emit-partials").arg(dir.path().join(partial));
        }
        cmd.arg(crate::workdir::example("orders.csv")).assert().success().get_output().stdout.clone()
    };
    assert_eq!(run(&[], false, "memory.json"), run(&[], true, "streaming.json"));
    let partial = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(partial("memory.json"), partial("streaming.json"));
    assert_eq!(run(&["--rfm"], false, ""), run(&["--rfm"], true, ""));
    assert_eq!(run(&["--period", "week"], false, ""), run(&["--period", "week"], true, ""));
}

#[test]
fn without_as_of_the_data_ends_at_its_latest_purchase() {
    // orders_small.csv ends on 2026-10-31: no --as-of measures to that day, whatever today is (a
    // cron job's report of an old export is the same every day).
    let run = |extra: &[&str]| {
        let out = cxstat().args(["repeat", "--format", "csv"]).args(extra).arg(fixture("orders_small.csv")).assert().success();
        out.get_output().stdout.clone()
    };
    assert_eq!(run(&[]), run(&["--as-of", "2026-10-31"]));
    let dir = workdir();
    // A log ending mid-month: its last month is partial.
    let mid = dir.path().join("mid.csv");
    std::fs::write(&mid, "order_id,customer_id,ordered_at\nO1,C1,2026-09-03\nO2,C2,2026-10-05\nO3,C1,2026-10-12\n").unwrap();
    let out = cxstat().args(["repeat", "--format", "csv"]).arg(&mid).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!((rows[1]["period"].as_str(), rows[1]["partial"].as_str()), ("2026-10", "true"));
}

#[test]
fn cohort_months_after_the_data_are_blank_not_zero() {
    // orders_small.csv ends on 2026-10-31: an --as-of two months later adds no 0% columns for
    // November and December (no data, not no customers).
    let run = |as_of: &str| {
        let out =
            cxstat().args(["repeat", "--cohorts", "--format", "csv", "--as-of", as_of]).arg(fixture("orders_small.csv")).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    assert_eq!(run("2026-12-31"), run("2026-10-31"));
    assert_eq!(run("2026-12-31"), "cohort,customers,0,1,2\n2026-08,2,100,50,50\n2026-09,1,100,100,\n2026-10,2,100,,\n");
}

/// fixtures/orders_repeat_log.csv as of 2026-10-31, worked by hand. Purchases (refund 8, the
/// second row of order 10 and E's order of 11-02 left out):
/// Sep: A on 09-03 (two lines: one purchase day) and 09-20; B 09-05; C 09-10 (two lines).
///      3 customers, 1 on two distinct days (A): 1/3.
/// Oct: B 10-05; D 10-01 (two lines; its 10-02 line repeats order id 10); E 10-15; F 10-20 and
///      10-28. 4 customers, 1 on two days (F): 1/4.
/// Total: A–F = 6 customers; on two or more days: A, B (09-05, 10-05), F = 3: 50%, Wilson 95%
/// with z = 1.959964: centre (0.5 + z²/12) / (1 + z²/6) = 0.5, half-width
/// z·√(0.25/6 + z²/144) / (1 + z²/6) = 0.312384 → 18.76–81.24.
#[test]
fn repeat_customer_rate_counts_distinct_purchase_days() {
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--format", "csv"])
        .arg(fixture("orders_repeat_log.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("1 row: duplicate order id").and(predicate::str::contains("row 12: '10'")));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows.len(), 3);
    let sep = row(&rows, &[("period", "2026-09")]);
    assert_eq!((sep["active_customers"].as_str(), sep["repeat_customers"].as_str()), ("3", "1"));
    assert_close(num(sep, "repeat_customer_pct"), 100.0 / 3.0, 1e-12);
    let oct = row(&rows, &[("period", "2026-10")]);
    assert_eq!((oct["active_customers"].as_str(), oct["repeat_customers"].as_str()), ("4", "1"));
    assert_close(num(oct, "repeat_customer_pct"), 25.0, 1e-12);
    let total = row(&rows, &[("period", "Total")]);
    assert_eq!((total["active_customers"].as_str(), total["repeat_customers"].as_str()), ("6", "3"));
    assert_eq!((total["new_customers"].as_str(), total["orders"].as_str()), ("6", "12"));
    // 52.50 in September (10 + 5 + 7.5 + 20 + 8 + 2) and 54.00 in October (20 + 12 + 3 + 9 + 4 + 6).
    assert_close(num(total, "revenue"), 106.5, 1e-9);
    assert_close(num(total, "orders_per_customer"), 2.0, 1e-12);
    assert_close(num(total, "repeat_customer_pct"), 50.0, 1e-12);
    assert_close(num(total, "repeat_customer_low"), 18.7616306, 1e-6);
    assert_close(num(total, "repeat_customer_high"), 81.2383694, 1e-6);
    assert_eq!((total["previous_customers"].as_str(), total["return_rate"].as_str()), ("", ""), "no previous period for the total");

    // --no-total drops it; --from October: the total is October's customers (B on one day in scope).
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--no-total", "--format", "csv"])
        .arg(fixture("orders_repeat_log.csv"))
        .assert()
        .success();
    assert!(csv_rows(&out.get_output().stdout).iter().all(|r| r["period"] != "Total"));
    let out = cxstat()
        .args(["repeat", "--as-of", "2026-10-31", "--from", "2026-10-01", "--format", "csv"])
        .arg(fixture("orders_repeat_log.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let total = row(&rows, &[("period", "Total")]);
    assert_eq!((total["active_customers"].as_str(), total["repeat_customers"].as_str()), ("4", "1"));
}

/// Two shards of fixtures/orders_repeat_log.csv that split customer A's and B's purchase days
/// merge to the table of the whole file, Total row included.
#[test]
fn repeat_customers_merge_across_shards() {
    let dir = workdir();
    let text = std::fs::read_to_string(fixture("orders_repeat_log.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Shard one: A's 09-03 lines, B's 09-05; shard two: A's 09-20 and the rest.
    let (one, two) = ([0, 1, 2, 4], [0, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    for (name, picks) in [("one.csv", &one[..]), ("two.csv", &two[..])] {
        let shard: Vec<&str> = picks.iter().map(|i| lines[*i]).collect();
        std::fs::write(dir.path().join(name), shard.join("\n") + "\n").unwrap();
    }
    for name in ["one", "two"] {
        cxstat()
            .current_dir(dir.path())
            .args(["repeat", "--as-of", "2026-10-31", "--emit-partials", &format!("{name}.json"), "-o", &format!("{name}.out.csv")])
            .arg(format!("{name}.csv"))
            .assert()
            .success();
    }
    let merged = cxstat().current_dir(dir.path()).args(["merge", "one.json", "two.json", "--format", "csv"]).assert().success();
    let whole =
        cxstat().args(["repeat", "--as-of", "2026-10-31", "--format", "csv"]).arg(fixture("orders_repeat_log.csv")).assert().success();
    let (merged, whole) = (csv_rows(&merged.get_output().stdout), csv_rows(&whole.get_output().stdout));
    assert_eq!(merged, whole);
    assert_eq!(row(&merged, &[("period", "Total")])["repeat_customers"], "3");
}

/// Dates written as 8-digit integers (`20260903`) under `InvoiceDate` read as dates: no
/// warning, and the months are those of the values. A, B and C bought on 2 distinct days each.
#[test]
fn compact_dates_read_as_dates() {
    let out =
        cxstat().args(["repeat", "--strict", "--format", "csv"]).arg(fixture("orders_compact_dates.csv")).assert().success().stderr("");
    let rows = csv_rows(&out.get_output().stdout);
    let periods: Vec<&str> = rows.iter().map(|r| r["period"].as_str()).collect();
    assert_eq!(periods, vec!["2026-09", "2026-10", "2026-12", "Total"]);
    let total = row(&rows, &[("period", "Total")]);
    assert_eq!((total["active_customers"].as_str(), total["repeat_customers"].as_str(), total["orders"].as_str()), ("3", "3", "6"));
}
