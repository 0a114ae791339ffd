//! `cxstat scorecard` end to end on the small fixtures, with a fixed --as-of.

use std::path::Path;

use predicates::prelude::*;

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, row, workdir};

fn scorecard(out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cxstat()
        .args(["scorecard", "--month", "last", "--as-of", "2026-11-02", "--by", "segment"])
        .arg("--responses")
        .arg(fixture("survey_small.csv"))
        .arg("--complaints")
        .arg(fixture("complaints_small.csv"))
        .arg("--orders")
        .arg(fixture("orders_small.csv"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

#[test]
fn writes_every_file_with_hand_checked_kpis() {
    let dir = workdir();
    scorecard(dir.path(), &[]).success();
    let folder = dir.path().join("2026-10");
    for name in [
        "scorecard.md",
        "scorecard.html",
        "summary.csv",
        "summary.json",
        "survey_by_period.csv",
        "survey_by_segment.csv",
        "complaints_by_period.csv",
        "complaints_pareto.csv",
        "repeat_by_period.csv",
        "charts/csat_trend.svg",
        "charts/csat_trend.png",
        "charts/nps_trend.png",
        "charts/nps_by_segment.svg",
        "charts/complaints_pareto.png",
        "charts/resolution_trend.svg",
        "charts/repeat_trend.png",
    ] {
        assert!(folder.join(name).is_file(), "missing {name}");
    }
    let summary = std::fs::read(folder.join("summary.csv")).unwrap();
    let rows = csv_rows(&summary);
    // October CSAT: 5 of the 6 answers… top-2 (4 or 5) are 4,5,4,5 of 1,4,5,4,5,3 → 4/6 = 66.7%;
    // September 3 of 5 (5,4,5 of 5,4,2,5,3) = 60% → change +6.7 points.
    let csat = row(&rows, &[("kpi", "csat")]);
    assert_close(num(csat, "value"), 400.0 / 6.0, 1e-9);
    assert_close(num(csat, "previous"), 60.0, 1e-9);
    assert_close(num(csat, "change"), 400.0 / 6.0 - 60.0, 1e-9);
    assert_eq!(csat["year_ago"], "", "no October 2025 answers: no year-ago value");
    assert_eq!(csat["low_base"], "true");
    // NPS October: 0,8,9,10,6,9 → 3 promoters, 2 detractors of 6 → 16.7; September 10,9,3,10,7 → 40.
    let nps = row(&rows, &[("kpi", "nps")]);
    assert_close(num(nps, "value"), 100.0 / 6.0, 1e-9);
    assert_close(num(nps, "change"), 100.0 / 6.0 - 40.0, 1e-9);
    // The changes carry the p-values of `cxstat compare` (tests/cli/test_compare.rs works them by
    // hand): CSAT 4/6 vs 3/5 z = 0.228869, p = 0.818970; NPS z = −0.455629, p = 0.648657. Neither is
    // significant, so neither gets ▲/▼; the tooltip says so.
    assert_close(num(csat, "p_change"), 0.818_970, 1e-6);
    assert_close(num(nps, "p_change"), 0.648_657, 1e-6);
    assert_eq!(nps["p_change_yoy"], "", "no year-ago data: no test");
    // Complaints per 1,000 orders: October 4 complaints / 4 orders (O5, O6, O8 once, O9 with its
    // invalid amount; O7 is a refund) = 1000; September 2 / 2 = 1000.
    let rate = row(&rows, &[("kpi", "complaints_per_1000")]);
    assert_close(num(rate, "value"), 1000.0, 1e-9);
    assert_close(num(rate, "previous"), 1000.0, 1e-9);
    let html = std::fs::read_to_string(folder.join("scorecard.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("</html>"));
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(html.contains("change against 2026-09: not significant at 0.05: p = 0.6487"), "NPS tooltip");
    let md = std::fs::read_to_string(folder.join("scorecard.md")).unwrap();
    assert!(md.contains("# Customer satisfaction scorecard — 2026-10"));
    assert!(md.contains("![NPS by month](charts/nps_trend.svg)"));
}

#[test]
fn golden_summary() {
    let dir = workdir();
    scorecard(dir.path(), &[]).success();
    let folder = dir.path().join("2026-10");
    insta::assert_snapshot!("scorecard_summary_csv", std::fs::read_to_string(folder.join("summary.csv")).unwrap());
    insta::assert_snapshot!("scorecard_summary_json", std::fs::read_to_string(folder.join("summary.json")).unwrap());
}

#[test]
fn alerts_exit_3_after_writing_the_report() {
    let dir = workdir();
    scorecard(dir.path(), &["--fail-under", "nps=30,csat=50", "--fail-over", "complaints_per_1000=900"])
        .code(3)
        .stderr(predicates::str::contains("alert: nps 16.7 is under 30 in 2026-10"))
        .stderr(predicates::str::contains("alert: complaints_per_1000 1000.00 is over 900 in 2026-10"))
        .stderr(predicates::str::contains("csat").not());
    let summary = std::fs::read(dir.path().join("2026-10/summary.csv")).unwrap();
    let rows = csv_rows(&summary);
    assert_eq!(row(&rows, &[("kpi", "nps")])["alert"], "under 30");
    // Unknown KPI names are a usage error before any work.
    scorecard(dir.path(), &["--fail-under", "happiness=3"]).code(2).stderr(predicates::str::contains("unknown KPI 'happiness'"));
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn rerun_replaces_the_folder_and_leaves_no_temporaries() {
    let dir = workdir();
    scorecard(dir.path(), &[]).success();
    let folder = dir.path().join("2026-10");
    std::fs::write(folder.join("stale.txt"), "from an older run").unwrap();
    scorecard(dir.path(), &[]).success();
    assert!(!folder.join("stale.txt").exists(), "the old folder was replaced as a whole");
    assert!(folder.join("summary.csv").is_file());
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["2026-10"]);
}

#[test]
fn config_drives_a_cron_run() {
    let dir = workdir();
    let config = dir.path().join("cxstat.toml");
    let fixtures = fixture("");
    std::fs::write(
        &config,
        format!(
            "[scorecard]\nresponses = \"{0}/survey_small.csv\"\norders = \"{0}/orders_small.csv\"\nout = \"reports\"\nsegments = [\"segment\"]\n\n[scorecard.fail_under]\nrepeat_rate = 99\n",
            fixtures.display()
        ),
    )
    .unwrap();
    cxstat()
        .args(["scorecard", "--month", "2026-10", "--as-of", "2026-11-02", "--config"])
        .arg(&config)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("alert: repeat_rate"));
    // `out` is relative to the config file's folder.
    assert!(dir.path().join("reports/2026-10/summary.json").is_file());
    // Quarterly: 2026-Q3 from --quarter last.
    cxstat()
        .args(["scorecard", "--quarter", "last", "--as-of", "2026-11-02", "--quiet", "--config"])
        .arg(&config)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("in 2026-Q3"));
    assert!(dir.path().join("reports/2026-Q3/scorecard.html").is_file());
    // Nothing to read is a usage error.
    cxstat().args(["scorecard", "--out"]).arg(dir.path()).assert().code(2).stderr(predicates::str::contains("--responses"));
}

#[test]
fn a_month_without_data_is_exit_65_naming_the_month_and_the_data() {
    // The example data runs from 2024-10-31 to 2026-10-31: January 2027 has none. Before, the
    // scorecard wrote an all-dash report with exit 0 (and with --by failed without naming the month).
    let dir = workdir();
    let out = dir.path().join("reports");
    for by in [&[][..], &["--by", "segment"]] {
        cxstat()
            .args(["scorecard", "--month", "2027-01", "--responses"])
            .arg(example("responses.csv"))
            .arg("--orders")
            .arg(example("orders.csv"))
            .arg("--out")
            .arg(&out)
            .args(by)
            .assert()
            .code(65)
            .stderr(predicate::str::contains("no data for 2027-01 (2027-01-01 to 2027-01-31)"))
            .stderr(predicate::str::contains("run from 2024-10-31 to 2026-10-31"));
        assert!(!out.join("2027-01").exists());
    }
    // Orders alone, before the data starts.
    cxstat()
        .args(["scorecard", "--month", "2024-01", "--orders"])
        .arg(example("orders.csv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("orders.csv: no data for 2024-01"));
}

/// The page a manager forwards (issue 26): what changed in one sentence at the top, targets and
/// p-values on the page, amounts grouped with the configured currency, the CSV files linked, and
/// the Chinese text rendered by an embedded font cut to the page's characters.
#[test]
fn the_html_page_says_what_changed_and_carries_its_font() {
    let dir = workdir();
    let config = crate::workdir::put(dir.path(), "cx.toml", "[report]\ncurrency = \"¥\"\n".as_bytes());
    let out = dir.path().join("out");
    cxstat()
        .args(["scorecard", "--month", "2026-10", "--as-of", "2026-11-05", "--by", "segment", "--fail-under", "nps=30", "--quiet"])
        .arg("--responses")
        .arg(example("responses.csv"))
        .arg("--complaints")
        .arg(example("complaints.csv"))
        .arg("--orders")
        .arg(example("orders.csv"))
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(3);
    let html = std::fs::read_to_string(out.join("2026-10/scorecard.html")).unwrap();
    assert!(html.len() < 1_500_000, "{} bytes", html.len());
    assert!(html.contains("<p class=\"headline\">Against 2026-09: NPS fell 10.7 points to 25.4, below the target of 30"), "headline");
    assert!(html.contains("<div class=\"target\">target ≥ 30</div>"));
    assert!(html.contains("<span class=\"p\">p = 0.1938</span>"));
    assert!(html.contains("¥39,567.10"));
    assert!(html.contains("<a href=\"survey_by_segment.csv\">survey_by_segment.csv</a>"));
    assert!(html.contains("@media print") && html.contains("break-inside:avoid"));
    // The font: embedded once, first in the list, holding the page's Chinese characters.
    assert_eq!(html.matches("@font-face{font-family:'cxstat-noto-sc';src:url(data:font/otf;base64,").count(), 1);
    assert!(html.contains("font-family:'cxstat-noto-sc',system-ui"));
    assert!(html.contains("回头率"));
    let md = std::fs::read_to_string(out.join("2026-10/scorecard.md")).unwrap();
    assert!(md.contains("| NPS | 25.4 | 13.6 to 37.3 | 169 | -10.7 (p = 0.1938) | +5.8 (p = 0.4900) | target ≥ 30 | under 30 |"), "{md}");
}

/// The scorecard reads the survey's rows, so its CES interval is clipped to the scale as the
/// survey table's is: answers 1 and 7 give 4 ± 38.1 by the t formula, reported as 1 to 7.
#[test]
fn the_scorecard_clips_the_ces_interval_to_the_scale() {
    let dir = workdir();
    let responses = crate::workdir::put(
        dir.path(),
        "r.csv",
        b"response_id,submitted_at,csat,nps,ces\n1,2026-09-05,4,9,5\n2,2026-09-06,5,10,6\n3,2026-10-03,4,8,1\n4,2026-10-04,5,9,7\n",
    );
    let out = dir.path().join("out");
    cxstat().args(["scorecard", "--month", "2026-10", "--quiet", "--responses"]).arg(&responses).arg("--out").arg(&out).assert().success();
    let rows = csv_rows(&std::fs::read(out.join("2026-10/summary.csv")).unwrap());
    let ces = row(&rows, &[("kpi", "ces")]);
    assert_eq!((num(ces, "value"), num(ces, "low"), num(ces, "high")), (4.0, 1.0, 7.0));
}

/// "What customers say": the themes that move the NPS most, each with a customer's words, which
/// are the customer's text, not ours: escaped in the HTML page and defused in Markdown.
#[test]
fn the_scorecard_says_what_customers_say_in_their_own_escaped_words() {
    let dir = workdir();
    let mut csv = String::from("response_id,submitted_at,nps,comment\n");
    csv.push_str("H1,2026-10-01,2,\"<script>alert(1)</script> Delivery was late & the box was wet\"\n");
    for i in 0..40 {
        csv.push_str(&format!("D{i},2026-10-{:02},{},Delivery was late again\n", 2 + i % 20, i % 5));
        csv.push_str(&format!("P{i},2026-10-{:02},{},Friendly staff and a quick answer\n", 2 + i % 20, 9 + i % 2));
    }
    let responses = crate::workdir::put(dir.path(), "r.csv", csv.as_bytes());
    let out = dir.path().join("out");
    cxstat()
        .args(["scorecard", "--month", "2026-10", "--as-of", "2026-11-05", "--quiet", "--out"])
        .arg(&out)
        .arg("--responses")
        .arg(&responses)
        .assert()
        .success();
    let md = std::fs::read_to_string(out.join("2026-10/scorecard.md")).unwrap();
    // 81 commenters: 41 mention delivery (all detractors, NPS −100), 40 the staff (NPS +100);
    // delivery's impact 41/81 × (−100 − 100) = −101.2, staff's 40/81 × 200 = +98.8.
    assert!(md.contains("## What customers say, 2026-10"), "{md}");
    assert!(md.contains("| delivery | 41 | 50.6 | −100.0 | 100.0 | −101.2 | “&lt;script>alert(1)&lt;/script> Delivery was late & the box was wet” (H1) |"), "{md}");
    assert!(md.contains("| staff | 40 | 49.4 | 100.0 | −100.0 | +98.8 |"), "{md}");
    let html = std::fs::read_to_string(out.join("2026-10/scorecard.html")).unwrap();
    assert!(!html.contains("<script>alert"), "the customer's markup is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Delivery was late &amp; the box was wet"));
    assert!(out.join("2026-10/themes.csv").is_file());
}

#[test]
fn churn_risk_kpis_are_clv_as_of_each_period_end() {
    let dir = workdir();
    let out = dir.path().join("sc");
    let orders = fixture("clv_orders.csv");
    cxstat()
        .args(["scorecard", "--orders", orders.to_str().unwrap(), "--out", out.to_str().unwrap(), "--month", "2026-05"])
        .assert()
        .success();
    let summary = csv_rows(&std::fs::read(out.join("2026-05").join("summary.csv")).unwrap());
    let risk = row(&summary, &[("kpi", "customers_at_risk")]);
    // The same as `cxstat clv … --as-of` each period's end.
    let clv = |as_of: &str| {
        let out = cxstat().args(["clv", orders.to_str().unwrap(), "--as-of", as_of, "--format", "csv"]).assert().success();
        csv_rows(&out.get_output().stdout)[0]["at_risk"].clone()
    };
    assert_eq!(risk["value"], clv("2026-05-31"));
    assert_eq!(risk["previous"], clv("2026-04-30"));
    assert_eq!(risk["year_ago"], clv("2025-05-31"));
    assert_eq!(row(&summary, &[("kpi", "value_at_risk")])["unit"], "amount");
}
