//! `--chart`: every chart kind renders to PNG and SVG from fixtures.

use crate::workdir::{cxstat, fixture, workdir};

/// A PNG of the chart size: signature, IHDR width 1200 and height 700, and more than a blank canvas.
fn assert_png(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1200);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 700);
    // A white 1200×700 PNG compresses to ~3 KB; a drawn chart with text is well above.
    assert!(bytes.len() > 15_000, "{} is only {} bytes", path.display(), bytes.len());
}

fn assert_svg(path: &std::path::Path, must_contain: &[&str]) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"), "{}", path.display());
    assert!(text.contains(r#"width="1200""#) && text.contains(r#"height="700""#));
    for s in must_contain {
        assert!(text.contains(s), "{} lacks {s:?}", path.display());
    }
}

/// Runs cxstat with `args` plus `--chart DIR/name` for a PNG and an SVG, and checks both.
fn both(args: &[&str], name: &str, svg_text: &[&str]) {
    let dir = workdir();
    for ext in ["png", "svg"] {
        let path = dir.path().join(format!("{name}.{ext}"));
        cxstat().args(args).arg("--chart").arg(&path).assert().success();
        if ext == "png" {
            assert_png(&path);
        } else {
            assert_svg(&path, svg_text);
        }
    }
}

#[test]
fn survey_trend_composition_and_distribution() {
    let f = fixture("survey_small.csv");
    let f = f.to_str().unwrap();
    both(
        &["survey", f, "--period", "month"],
        "trend",
        &["CSAT (top-box %) by month", "2026-09", "2026-10", "dates 2026-09-03 to 2026-10-31"],
    );
    both(&["survey", f, "--period", "month", "--chart-metric", "nps"], "nps_trend", &["NPS by month"]);
    both(&["survey", f, "--by", "segment"], "composition", &["NPS composition by segment", "smb", "vip", "all", "n = 11"]);
    // NPS answers of the fixture: 0,3,6,7,8,9,9,9,10,10,10 → 3 detractors… 11 valid.
    both(&["survey", f, "--chart-type", "distribution"], "dist", &["NPS score distribution", "n = 11 valid answers"]);
}

#[test]
fn chinese_labels_reach_the_svg() {
    let f = fixture("survey_zh.csv");
    both(&["survey", f.to_str().unwrap(), "--by", "渠道"], "zh", &["线上", "门店", "NPS composition by 渠道"]);
}

#[test]
fn complaints_trend_and_pareto() {
    let c = fixture("complaints_small.csv");
    let o = fixture("orders_small.csv");
    let c = c.to_str().unwrap();
    both(
        &["complaints", c, "--period", "month", "--orders", o.to_str().unwrap(), "--chart-metric", "per-1000-orders"],
        "rate",
        &["Complaints per 1,000 orders by month"],
    );
    both(&["complaints", c, "--pareto", "category"], "pareto", &["Pareto of causes", "80% mark"]);
}

#[test]
fn repeat_trend_and_cohort_heatmap() {
    let o = fixture("orders_small.csv");
    let o = o.to_str().unwrap();
    both(&["repeat", o, "--as-of", "2026-10-20"], "repeat", &["Repeat-purchase rate by month", "2026-10 (partial)"]);
    both(&["repeat", o, "--as-of", "2026-11-15", "--cohorts"], "cohorts", &["Cohort retention", "2026-08 (n = 2)"]);
}

#[test]
fn chart_errors_are_usage_errors_and_write_nothing() {
    let dir = workdir();
    let f = fixture("survey_small.csv");
    let bad = dir.path().join("chart.jpg");
    cxstat().args(["survey", f.to_str().unwrap(), "--chart"]).arg(&bad).assert().code(2);
    let png = dir.path().join("c.png");
    // A trend needs periods; the message names the fix.
    cxstat()
        .args(["survey", f.to_str().unwrap(), "--chart-type", "trend", "--chart"])
        .arg(&png)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--period"));
    cxstat()
        .args(["survey", f.to_str().unwrap(), "--period", "month", "--chart-metric", "bogus", "--chart"])
        .arg(&png)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("choose one of: csat, nps, ces, csat-mean"));
    assert!(!png.exists() && !bad.exists());
}
