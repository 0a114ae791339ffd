//! `cxstat complaints` end to end.
//!
//! fixtures/complaints_small.csv, worked by hand (K2 appears twice: the second row is dropped):
//! response hours  K1 Fri 10-02 17:00 → Mon 10-05 10:00 = 65, K2 2, K3 1, K5 0.5, K6 −1 (invalid) →
//!   sorted 0.5, 1, 2, 65: median (1+2)/2 = 1.5; p90 at position 0.9×3 = 2.7 → 2 + 0.7×63 = 46.1;
//!   mean 68.5/4 = 17.125.
//! resolution hours K1 96, K2 6, K5 552 (23 days), K6 24 → sorted 6, 24, 96, 552: median 60;
//!   p90 96 + 0.7×456 = 415.2; mean 678/4 = 169.5.
//! resolved K1 K2 K5 K6 = 4 of 6; FCR of resolved: true, false, true, yes = 3/4; reopened: 1/4.

use predicates::prelude::*;

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row, workdir};

#[test]
fn totals_match_hand_arithmetic() {
    let out = cxstat()
        .args(["complaints", "--as-of", "2026-10-31 00:00", "--sla-response", "4h", "--sla-resolve", "72h"])
        .arg(fixture("complaints_small.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("duplicate id").and(predicate::str::contains("row 7: 'K2'")))
        .stderr(predicate::str::contains("first response before the complaint was opened").and(predicate::str::contains("row 8")))
        .stderr(predicate::str::contains("unknown severity").and(predicate::str::contains("'urgent' (1)")));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r["n"], "6");
    assert_eq!(r["resolved_n"], "4");
    assert_close(num(r, "resolved_pct"), 400.0 / 6.0, 1e-9);
    assert_eq!(r["open_at_end"], "2", "K3 and K4 are unresolved");
    assert_close(num(r, "fcr_pct"), 75.0, 1e-12);
    assert_close(num(r, "reopen_pct"), 25.0, 1e-12);
    assert_close(num(r, "response_h_median"), 1.5, 1e-9);
    assert_close(num(r, "response_h_p90"), 46.1, 1e-9);
    assert_close(num(r, "response_h_mean"), 17.125, 1e-9);
    assert_close(num(r, "resolve_h_median"), 60.0, 1e-9);
    assert_close(num(r, "resolve_h_p90"), 415.2, 1e-9);
    assert_close(num(r, "resolve_h_mean"), 169.5, 1e-9);
    // Response within 4 h: K1 65 breach, K2 2 met, K3 1 met, K4 unanswered for 732 h breach, K5 met,
    // K6 invalid (not judged) → 3 of 5. Resolution within 72 h: K1 96 breach, K2 6 met, K3 open for
    // 256 h breach, K4 open breach, K5 552 breach, K6 24 met → 2 of 6.
    assert_eq!(r["sla_response_n"], "5");
    assert_close(num(r, "sla_response_pct"), 60.0, 1e-9);
    assert_eq!(r["sla_resolve_n"], "6");
    assert_close(num(r, "sla_resolve_pct"), 200.0 / 6.0, 1e-9);
    // Wilson 95% for 4 of 6: centre (4 + 1.92)/(6 + 3.84) = 0.6016; half-width 0.3208 → 30.1–92.2 %.
    assert_close(num(r, "resolved_low"), 30.0, 0.2);
    assert_close(num(r, "resolved_high"), 90.3, 0.2);
}

/// Per month: September = K4, K5; October = K1, K2, K3, K6. Backlog at the end of September: K4
/// (open) and K5 (resolved 10-03, after the month) = 2; October: K3 = 1. With the orders fixture
/// (purchases: Sep 2 orders by 2 customers, Oct 4 orders by 4 customers, 8 orders by 5 customers
/// in all): 2/2 × 1000, 4/4 × 1000, total 6/8 × 1000 = 750 per 1,000 orders and 6/5 × 1000 = 1200
/// per 1,000 customers.
#[test]
fn by_month_with_backlog_and_rates_per_1000_orders() {
    let out = cxstat()
        .args(["complaints", "--period", "month", "--format", "csv", "--orders"])
        .arg(fixture("orders_small.csv"))
        .arg(fixture("complaints_small.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let sep = row(&rows, &[("period", "2026-09")]);
    assert_eq!((sep["n"].as_str(), sep["open_at_end"].as_str()), ("2", "2"));
    assert_close(num(sep, "per_1000_orders"), 1000.0, 1e-9);
    let oct = row(&rows, &[("period", "2026-10")]);
    assert_eq!((oct["n"].as_str(), oct["open_at_end"].as_str(), oct["orders"].as_str()), ("4", "1", "4"));
    let total = row(&rows, &[("period", "Total")]);
    assert_eq!(total["orders"], "8");
    assert_close(num(total, "per_1000_orders"), 750.0, 1e-9);
    assert_close(num(total, "per_1000_customers"), 1200.0, 1e-9);
}

/// Categories of a month add up to the month's rate: the group's complaints ÷ all the month's orders.
#[test]
fn category_rates_add_up_to_the_period() {
    let out = cxstat()
        .args(["complaints", "--period", "month", "--by", "category", "--format", "csv", "--orders"])
        .arg(fixture("orders_small.csv"))
        .arg(fixture("complaints_small.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let oct: Vec<_> = rows.iter().filter(|r| r["period"] == "2026-10" && r["category"] != "Total").collect();
    let sum: f64 = oct.iter().map(|r| num(r, "per_1000_orders")).sum();
    let month = row(&rows, &[("period", "2026-10"), ("category", "Total")]);
    assert_close(sum, num(month, "per_1000_orders"), 1e-9);
    // October delivery = K1, K3: 2 of 4 orders → 500.
    assert_close(num(row(&rows, &[("period", "2026-10"), ("category", "delivery")]), "per_1000_orders"), 500.0, 1e-9);
}

/// Working hours 09:00–18:00 Mon–Fri, 2026-10-01 a holiday (fixtures/complaints.toml):
/// response K1 Fri 17:00 → Mon 10:00 = 1 + 1 = 2 h; K2 2 h; K3 opened 08:00, answered 09:00 = 0 h;
/// K5 Thu 10:00 → 10:30 = 0.5 h → sorted 0, 0.5, 2, 2: median 1.25.
/// K5 resolution Thu 09-10 10:00 → Sat 10-03 10:00: 8 h on 09-10; from 09-11 to 10-02 there are
/// 1 + 5 + 5 + 3 + 2 = 16 weekdays, less the holiday 10-01 = 15 × 9 = 135 h; total 143 h.
/// The critical target of 1 h ([sla.critical]) makes K2's 2 h a breach: 2 of 5 within target.
#[test]
fn business_hours_and_per_severity_targets() {
    let out = cxstat()
        .args(["complaints", "--as-of", "2026-10-31", "--sla-response", "4h", "--config"])
        .arg(fixture("complaints.toml"))
        .arg(fixture("complaints_small.csv"))
        .args(["--by", "category", "--format", "csv"])
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let total = row(&rows, &[("category", "Total")]);
    assert_close(num(total, "response_h_median"), 1.25, 1e-9);
    let returns = row(&rows, &[("category", "returns")]);
    assert_close(num(returns, "resolve_h_median"), 143.0, 1e-9);
    // In working hours K1 answers in 2 h (met); K4 unanswered since Wed 09-30 12:00 (breach);
    // K2 critical 2 h > 1 h (breach); K3 0 h, K5 0.5 h (met) → 3 of 5.
    assert_close(num(total, "sla_response_pct"), 60.0, 1e-9);
}

/// Stages: received K4 (K2's duplicate dropped), in_progress K3, resolved K2, closed K1 K5 K6.
#[test]
fn funnel_counts_each_stage_and_what_reached_it() {
    let out = cxstat().args(["complaints", "--funnel", "--format", "csv"]).arg(fixture("complaints_small.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let at = |stage: &str| row(&rows, &[("stage", stage)]).clone();
    assert_eq!(at("received")["at_stage"], "1");
    assert_eq!(at("received")["reached"], "6");
    assert_eq!(at("assigned")["reached"], "5");
    assert_eq!(at("in_progress")["at_stage"], "1");
    assert_eq!(at("resolved")["reached"], "4");
    assert_eq!(at("closed")["at_stage"], "3");
    assert_close(num(&at("closed"), "reached_pct"), 50.0, 1e-9);
    assert_close(num(&at("closed"), "from_previous_pct"), 75.0, 1e-9);
}

/// delivery 3 (K1 K3 K4), billing 2 (K2 K6), returns 1 → 50, 83.3, 100 %: delivery and billing
/// make up 80% (billing crosses it).
#[test]
fn pareto_of_categories() {
    let out =
        cxstat().args(["complaints", "--pareto", "category", "--format", "csv"]).arg(fixture("complaints_small.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let names: Vec<&str> = rows.iter().map(|r| r["category"].as_str()).collect();
    assert_eq!(names, ["delivery", "billing", "returns"]);
    assert_close(num(&rows[1], "cumulative_pct"), 500.0 / 6.0, 1e-9);
    let vital: Vec<&str> = rows.iter().map(|r| r["vital_few"].as_str()).collect();
    assert_eq!(vital, ["true", "true", "false"]);
}

#[test]
fn strict_refuses_bad_rows() {
    cxstat()
        .args(["complaints", "--strict"])
        .arg(fixture("complaints_small.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("duplicate id"));
}

/// A CFPB-style export: two lines before the header, resolution from the company's response
/// ("Closed …" counts as resolved), timeliness from "Timely response?".
#[test]
fn cfpb_layout_with_status_and_timely_columns() {
    let out = cxstat()
        .args(["complaints", "--skip-rows", "2", "--col", "status=Company response to consumer", "--by", "Product"])
        .args(["--format", "csv"])
        .arg(fixture("cfpb_head.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let debt = row(&rows, &[("Product", "Debt collection")]);
    // "In progress" is open, "Closed with explanation" resolved: 1 of 2; timely: Yes, No → 1 of 2.
    assert_close(num(debt, "resolved_pct"), 50.0, 1e-9);
    assert_close(num(debt, "timely_pct"), 50.0, 1e-9);
    let total = row(&rows, &[("Product", "Total")]);
    assert_close(num(total, "resolved_pct"), 75.0, 1e-9);
    assert_close(num(total, "timely_pct"), 75.0, 1e-9);
}

/// The bundled example data recomputed by scripts/check_complaints.py (standard library only):
/// monthly complaint KPIs, complaints per 1,000 orders and repeat/return rates agree to 1e-9.
#[test]
fn agrees_with_independent_computation_on_generated_data() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let complaints = crate::workdir::example("complaints.csv");
    let orders = crate::workdir::example("orders.csv");
    let dir = crate::workdir::workdir();
    let (c_out, r_out) = (dir.path().join("complaints.csv"), dir.path().join("repeat.csv"));
    cxstat()
        .args(["complaints", "--period", "month", "--sla-response", "4h", "--sla-resolve", "72h"])
        .args(["--as-of", "2026-10-31 23:59:59", "--orders"])
        .arg(&orders)
        .arg("-o")
        .arg(&c_out)
        .arg(&complaints)
        .assert()
        .success();
    cxstat().args(["repeat", "--as-of", "2026-10-31", "-o"]).arg(&r_out).arg(&orders).assert().success();
    let check = std::process::Command::new("python3")
        .arg(root.join("scripts/check_complaints.py"))
        .args([&complaints, &orders, &c_out, &r_out])
        .output()
        .expect("python3 runs the cross-check script");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}{}", String::from_utf8_lossy(&check.stderr));
    assert_eq!(report.matches(" 0 differences").count(), 2, "{report}");
}

#[test]
fn trace_goes_to_stderr_and_leaves_the_data_alone() {
    // CXSTAT_TRACE=1 times each query on stderr, naming the source line that ran it; stdout
    // carries the same bytes as without it.
    let run = |trace: &str| {
        cxstat()
            .env("CXSTAT_TRACE", trace)
            .args(["complaints", "--period", "month", "--format", "csv", "--orders"])
            .arg(fixture("orders_small.csv"))
            .arg(fixture("complaints_small.csv"))
            .assert()
            .success()
            .get_output()
            .clone()
    };
    let (plain, traced) = (run("0"), run("1"));
    assert_eq!(plain.stdout, traced.stdout);
    let stderr = String::from_utf8(traced.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("trace: ")).collect();
    assert!(lines.iter().any(|l| l.contains("src/metrics/orders/")), "{stderr}");
    assert!(lines.iter().all(|l| l.contains(" s ") && (l.contains("streaming") || l.contains("in-memory"))), "{stderr}");
    assert!(!String::from_utf8(plain.stderr).unwrap().contains("trace: "));
}

#[test]
fn invalid_values_are_quoted_from_the_file() {
    // The rows kept in memory hold parsed values only; the raw text of bad rows is read again
    // from the input. Row 3: an opening time that is no date (the full reader's second pass);
    // row 4: a yes/no value that is neither; row 5: a first response before the opening.
    let dir = crate::workdir::workdir();
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "complaint_id,opened_at,first_response_at,resolved_at,category,first_contact_resolution\n\
         K1,2026-10-01 09:00:00,2026-10-01 10:00:00,2026-10-02 09:00:00,billing,yes\n\
         K2,sometime in October,2026-10-01 10:00:00,,billing,no\n\
         K3,2026-10-03 09:00:00,2026-10-03 09:30:00,2026-10-03 12:00:00,delivery,perhaps\n\
         K4,2026-10-04 09:00:00,2026-10-04 08:00:00,2026-10-04 18:00:00,delivery,yes\n",
    )
    .unwrap();
    cxstat()
        .args(["complaints", "--format", "csv"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("row 3: 'sometime in October'"))
        .stderr(predicate::str::contains("row 4: 'perhaps'"))
        .stderr(predicate::str::contains("row 5: '2026-10-04 08:00:00'"));
}

#[test]
fn day_first_opening_dates_are_grouped_by_their_month() {
    // 13/10/2026 can only be day first, so 01/10 is 1 October: two complaints in 2026-10, one in
    // 2026-11. The quick readers cannot read these, so the date order is looked for only then.
    let dir = crate::workdir::workdir();
    let file = dir.path().join("dmy.csv");
    std::fs::write(&file, "complaint_id,opened_at,category\nK1,13/10/2026,billing\nK2,01/10/2026,billing\nK3,02/11/2026,delivery\n")
        .unwrap();
    let out = cxstat().args(["complaints", "--period", "month", "--format", "csv"]).arg(&file).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(row(&rows, &[("period", "2026-10")])["n"], "2");
    assert_eq!(row(&rows, &[("period", "2026-11")])["n"], "1");
    // Month first, 13/10 is no date.
    cxstat()
        .args(["complaints", "--period", "month", "--date-order", "mdy", "--format", "csv"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("row 2: '13/10/2026'"));
}

#[test]
fn handling_settings_are_checked_before_the_input_is_opened() {
    // The input does not exist (exit 66 if it were opened): these are usage errors (2).
    let dir = workdir();
    let missing = dir.path().join("missing.csv");
    for flags in [
        &["--sla-response", "4x"][..],
        &["--business-hours", "18:00-09:00"],
        &["--workdays", "mon-fri"],
        &["--pareto", "category", "--period", "month"],
        &["--as-of", "yesterday"],
    ] {
        cxstat().arg("complaints").arg(&missing).args(flags).assert().code(2);
    }
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[sla]\nresolve = \"3 days\"\n[calendar]\nbusiness_hours = \"9-5\"\n").unwrap();
    cxstat()
        .arg("complaints")
        .arg(&missing)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("config [calendar] business_hours: expected HH:MM-HH:MM"));
}

#[test]
fn a_help_desk_export_is_read_by_its_own_header_names() {
    // Headers as a telecom's ticket log writes them: 'Ticket #', 'Date', 'Received Via'.
    let dir = workdir();
    let file = dir.path().join("tickets.csv");
    std::fs::write(
        &file,
        "Ticket #,Customer,Date,Received Via,Category,Status\nT1,C1,2026-10-01 09:00,Phone,billing,closed\n\
         T2,C2,2026-10-02 10:00,Email,delivery,open\nT3,C3,2026-10-03 11:00,Phone,billing,resolved\n",
    )
    .unwrap();
    let out = cxstat().args(["complaints", "--by", "channel", "--format", "csv"]).arg(&file).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    // Phone: 2 complaints, both resolved (closed, resolved); Email: 1, open.
    let phone = row(&rows, &[("Received Via", "Phone")]);
    assert_eq!((phone["n"].as_str(), phone["resolved_n"].as_str()), ("2", "2"));
    assert_eq!(row(&rows, &[("Received Via", "Email")])["open_at_end"], "1");
}

#[test]
fn day_first_timestamps_are_read_not_warned_about() {
    // Opening and resolution times written day first (-, / and .): before, the months were right
    // but every timestamp was called invalid and excluded: resolution times were lost and --strict
    // failed on valid data. K1 22 Apr 10:00 → 23 Apr 12:00 = 26 h; K3 13 May 08:00 → 14 May 09:00
    // = 25 h; K2 is open.
    let dir = workdir();
    let file = dir.path().join("day_first.csv");
    std::fs::write(
        &file,
        "id,opened_at,resolved_at,status\nK1,22-04-2015 10:00,23-04-2015 12:00,closed\nK2,05.05.2015 09:30,,open\n\
         K3,13/05/2015 08:00,14/05/2015 09:00:00,closed\n",
    )
    .unwrap();
    let out = cxstat()
        .args(["complaints", "--period", "month", "--strict", "--format", "csv"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("invalid").not());
    let rows = csv_rows(&out.get_output().stdout);
    let april = row(&rows, &[("period", "2015-04")]);
    assert_eq!((april["resolved_n"].as_str(), april["resolve_h_median"].as_str()), ("1", "26"));
    let total = row(&rows, &[("period", "Total")]);
    assert_eq!((total["n"].as_str(), total["resolved_n"].as_str(), total["open_at_end"].as_str()), ("3", "2", "1"));
    assert_close(num(total, "resolve_h_mean"), 25.5, 1e-12);
    // Without --period too (no grouping by date: the order comes from the opening times).
    let out = cxstat().args(["complaints", "--format", "csv"]).arg(&file).assert().success();
    assert_eq!(csv_rows(&out.get_output().stdout)[0]["resolve_n"], "2");
}

/// A telecom-style log (Ticket #, Date as `22-Apr-15`, Received Via): every date reads, so there
/// is no warning and `--strict` passes; the months hold all 8 tickets.
#[test]
fn month_name_dates_read_without_warnings() {
    let out = cxstat()
        .args(["complaints", "--period", "month", "--strict", "--format", "csv"])
        .arg(fixture("complaints_month_names.csv"))
        .assert()
        .success()
        .stderr("");
    let rows = csv_rows(&out.get_output().stdout);
    // 18-Apr and 22-Apr; 26-May; 23-Jun and 24-Jun; 05-Jul; 04-Aug; 06-Dec (all 2015).
    let months: Vec<(&str, &str)> = rows.iter().map(|r| (r["period"].as_str(), r["n"].as_str())).collect();
    assert_eq!(
        months,
        vec![("2015-04", "2"), ("2015-05", "1"), ("2015-06", "2"), ("2015-07", "1"), ("2015-08", "1"), ("2015-12", "1"), ("Total", "8")]
    );
}

/// A warning counts exactly the rows it leaves out: 2 invalid dates and 1 blank among 5
/// complaints leave n = 2 by month; without dates in play all 5 count and the warning says so.
#[test]
fn warnings_count_the_rows_they_leave_out() {
    let dir = workdir();
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, "id,opened_at,status\n1,22-Apr-15,Closed\n2,31-Apr-15,Closed\n3,Apr 23 2015,Open\n4,someday,Closed\n5,,Closed\n")
        .unwrap();
    let out = cxstat()
        .args(["complaints", "--period", "month", "--format", "csv"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 rows: invalid timestamp (expected e.g. 2026-10-03 14:05; left out): row 3: '31-Apr-15', row 5: 'someday'",
        ))
        .stderr(predicate::str::contains("3 complaints have no valid date in 'opened_at' and were left out"));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(row(&rows, &[("period", "Total")])["n"], (5 - 3).to_string());
    let out = cxstat()
        .args(["complaints", "--format", "csv"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 rows: invalid timestamp (expected e.g. 2026-10-03 14:05; counted, but left out of times and SLA)",
        ))
        .stderr(predicate::str::contains("were left out").not());
    assert_eq!(csv_rows(&out.get_output().stdout)[0]["n"], "5");
}

/// `--fold-case`: `Comcast`, `comcast ` and `COMCAST` are one cause (3 of 4 complaints) in the
/// Pareto and one `--by` group, and the caption says so; without it they are three.
#[test]
fn fold_case_makes_one_cause_of_spellings() {
    let dir = workdir();
    let path = dir.path().join("causes.csv");
    std::fs::write(&path, "id,opened_at,category,status\n1,2026-10-01,Comcast,closed\n2,2026-10-02,comcast ,open\n3,2026-10-03,COMCAST,closed\n4,2026-10-04,billing,closed\n").unwrap();
    let out = cxstat().args(["complaints", "--pareto", "category", "--fold-case", "--format", "csv"]).arg(&path).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!((rows.len(), row(&rows, &[("category", "comcast")])["count"].as_str()), (2, "3"));
    let out = cxstat().args(["complaints", "--by", "category", "--fold-case", "--format", "csv"]).arg(&path).assert().success();
    assert_eq!(row(&csv_rows(&out.get_output().stdout), &[("category", "comcast")])["n"], "3");
    cxstat()
        .args(["complaints", "--pareto", "category", "--fold-case", "--format", "markdown"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("keys trimmed and lower-cased (--fold-case)"));
    let out = cxstat().args(["complaints", "--pareto", "category", "--format", "csv"]).arg(&path).assert().success();
    assert_eq!(csv_rows(&out.get_output().stdout).len(), 4);
}
