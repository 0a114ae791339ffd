//! `cxstat compare` on the small fixture, with the tests worked by hand.

use predicates::prelude::*;

use crate::workdir::{assert_close, csv_rows, cxstat, example, fixture, num, row, workdir};

#[test]
fn latest_month_against_the_previous_one() {
    let out = cxstat().args(["compare", fixture("survey_small.csv").to_str().unwrap()]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    // CSAT October 4/6 against September 3/5: pooled p = 7/11, SE₀ = √(7/11 · 4/11 · (1/6 + 1/5))
    // = 0.291288, z = (0.666667 − 0.6)/0.291288 = 0.228869, p = 0.818970.
    let csat = row(&rows, &[("metric", "csat_pct")]);
    assert_eq!((csat["a"].as_str(), csat["b"].as_str()), ("2026-10", "2026-09"));
    assert_close(num(csat, "difference"), 100.0 * (4.0 / 6.0 - 0.6), 1e-9);
    assert_close(num(csat, "statistic"), 0.228_869, 1e-6);
    assert_close(num(csat, "p_value"), 0.818_970, 1e-6);
    assert_eq!(csat["significant"], "false");
    // NPS October (3 − 2)/6 against September (3 − 1)/5: Var = 5/6 − 1/36 and 4/5 − 4/25,
    // SE = √(0.805556/6 + 0.64/5) = 0.512113, z = −0.233333/0.512113 = −0.455629, p = 0.648657.
    let nps = row(&rows, &[("metric", "nps")]);
    assert_close(num(nps, "difference"), 100.0 * (1.0 / 6.0 - 0.4), 1e-9);
    assert_close(num(nps, "statistic"), -0.455_629, 1e-6);
    assert_close(num(nps, "p_value"), 0.648_657, 1e-6);
    // One comparison per metric: nothing to adjust.
    assert_eq!(nps["p_value"], nps["p_adjusted"]);
    // Tiny groups: the chi-square rows say their p is approximate.
    assert!(row(&rows, &[("metric", "nps_distribution")])["note"].contains("expected counts below 5"));
}

#[test]
fn two_segments_are_one_test() {
    // With two segments, "smb against the rest" is smb against vip, and "vip against the rest"
    // the same test mirrored: one row per metric, smb against vip, adjusted as one test.
    let out = cxstat().args(["compare", fixture("survey_small.csv").to_str().unwrap(), "--segments", "segment"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let csat: Vec<_> = rows.iter().filter(|r| r["metric"] == "csat_pct").collect();
    assert_eq!(csat.len(), 1);
    let smb = csat[0];
    assert_eq!((smb["segment"].as_str(), smb["a"].as_str(), smb["b"].as_str()), ("smb", "smb", "vip"));
    assert_close(num(smb, "difference"), num(smb, "a_value") - num(smb, "b_value"), 1e-9);
    assert_eq!(smb["p_adjusted"], smb["p_value"]);
    // Three segments: each against the rest (smb, vip and a blank-free third made by hand).
    let dir = crate::workdir::workdir();
    let three = dir.path().join("three.csv");
    std::fs::write(&three, "segment,csat\na,5\na,4\na,2\nb,3\nb,5\nb,1\nc,4\nc,4\nc,2\n").unwrap();
    let out = cxstat().args(["compare", three.to_str().unwrap(), "--segments", "segment"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let csat: Vec<_> = rows.iter().filter(|r| r["metric"] == "csat_pct").map(|r| (r["a"].as_str(), r["b"].as_str())).collect();
    assert_eq!(csat, [("a", "rest"), ("b", "rest"), ("c", "rest")]);
}

#[test]
fn degenerate_comparisons_say_not_computable() {
    let dir = crate::workdir::workdir();
    let file = dir.path().join("all_promoters.csv");
    std::fs::write(&file, "submitted_at,nps\n2026-09-01,10\n2026-09-02,9\n2026-10-01,10\n2026-10-05,10\n").unwrap();
    let out = cxstat().args(["compare", file.to_str().unwrap()]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let nps = row(&rows, &[("metric", "nps")]);
    assert_eq!(nps["p_value"], "");
    assert!(nps["note"].starts_with("not computable: no variation"), "{nps:?}");
    // An empty earlier period.
    let out = cxstat().args(["compare", file.to_str().unwrap(), "--against", "yoy"]).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert!(row(&rows, &[("metric", "nps")])["note"].contains("too few answers in 2025-10"));
    cxstat().args(["compare", file.to_str().unwrap(), "--alpha", "2"]).assert().code(2);
}

#[test]
fn tiny_p_values_read_as_less_than_a_ten_thousandth_and_stay_exact_in_csv() {
    // Consumers against the rest on the example data: the NPS difference has p far below 1e-4.
    let args = ["compare", "--segments", "segment", "--from", "2026-07-01"];
    let out = cxstat().args(args).arg(example("responses.csv")).arg("--format").arg("csv").assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let nps = row(&rows, &[("segment", "consumer"), ("metric", "nps")]);
    let p: f64 = nps["p_value"].parse().unwrap();
    assert!(p < 1e-4 && p > 0.0, "{p}");
    // In scientific notation: digits, not a run of zeros.
    assert!(nps["p_value"].contains("e-"), "{}", nps["p_value"]);
    let out = cxstat().args(args).arg(example("responses.csv")).arg("--format").arg("markdown").assert().success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let line = table.lines().find(|l| l.contains("| consumer") && l.contains("| nps ")).unwrap();
    assert!(line.contains("<0.0001"), "{line}");
}

/// compare reads the scores as survey does: a text `satisfaction` column (6 of 10 answers are
/// words) stops the run rather than test the 4 left; a few invalid answers are a warning, and
/// an error under --strict.
#[test]
fn invalid_answers_are_reported_as_survey_reports_them() {
    cxstat()
        .arg("compare")
        .arg(fixture("survey_text_satisfaction.csv"))
        .assert()
        .code(65)
        .stdout("")
        .stderr(predicate::str::contains("column 'satisfaction': 6 of 10 answers (60.0%)"));
    let dir = workdir();
    let path = dir.path().join("few.csv");
    let mut text = String::from("id,date,segment,csat\n");
    for i in 0..20 {
        text.push_str(&format!(
            "{i},2026-10-{:02},{},{}\n",
            i % 28 + 1,
            if i % 2 == 0 { "a" } else { "b" },
            if i == 3 { "x" } else { "4" }
        ));
    }
    std::fs::write(&path, text).unwrap();
    cxstat()
        .args(["compare", "--segments", "segment", "--format", "csv"])
        .arg(&path)
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'csat': 1 invalid value").and(predicate::str::contains("row 5: 'x'")));
    cxstat().args(["compare", "--segments", "segment", "--strict"]).arg(&path).assert().code(65);
}

/// Newcombe's interval, the effect sizes, the detectable difference and adjusted-Wald NPS on the
/// example responses, smb against the rest. References from statsmodels 0.15 and scipy 1.17
/// (`python3 scripts/check_compare.py examples/data/responses.csv segment BINARY [--adjusted]`
/// compares all 124 values of this run to 1e-9: 0 differences).
#[test]
fn newcombe_interval_effect_sizes_and_detectable_differences() {
    let file = example("responses.csv");
    let run = |extra: &[&str]| {
        let out =
            cxstat().args(["compare", file.to_str().unwrap(), "--segments", "segment", "--adjust", "none"]).args(extra).assert().success();
        csv_rows(&out.get_output().stdout)
    };
    let rows = run(&[]);
    // CSAT top-2: smb 868 of 1,137 against the rest's 2,026 of 2,752.
    // statsmodels confint_proportions_2indep(method="newcomb"): −0.0030054425198890143 to
    // 0.05633656194232496 — it crosses 0, as the test (p = 0.0768) says; proportion_effectsize:
    // h = 0.06286747034038598.
    let csat = row(&rows, &[("segment", "smb"), ("metric", "csat_pct")]);
    assert_close(num(csat, "diff_low"), -0.300_544_251_988_901_43, 1e-9);
    assert_close(num(csat, "diff_high"), 5.633_656_194_232_496, 1e-9);
    assert_close(num(csat, "effect_size"), 0.062_867_470_340_385_98, 1e-12);
    assert_eq!(csat["effect_measure"], "h");
    // Detectable: k·SE₀, k = 2.8015817870803623 (Φ(k − z) + Φ(−k − z) = 0.8: the other tail takes
    // 3.4e-6 off z + z₀.₈ = 2.8015852), with p̄ = 2894/3889, SE₀ = √(p̄(1 − p̄)(1/1137 + 1/2752)).
    let p: f64 = 2894.0 / 3889.0;
    let se0 = (p * (1.0 - p) * (1.0 / 1137.0 + 1.0 / 2752.0)).sqrt();
    assert_close(num(csat, "detectable_80") / (100.0 * se0), 2.801_581_787_080_362, 1e-9);
    assert_eq!(csat["significant"], "false");
    assert!(csat["note"].contains("too few answers to detect less than ±4.3 (80% power)"), "{}", csat["note"]);
    // The chi-square's effect is Cramér's V, and it has no detectable difference.
    let dist = row(&rows, &[("segment", "smb"), ("metric", "csat_distribution")]);
    assert_eq!((dist["effect_measure"].as_str(), dist["detectable_80"].as_str()), ("V", ""));
    assert_close(num(dist, "effect_size"), (num(dist, "statistic") / 3889.0).sqrt(), 1e-12);
    // NPS, adjusted Wald: smb 497 promoters and 193 detractors of 1,134, the rest 1,146 and 561
    // of 2,754. With ¾, ¾ and 3 added: 304/1137 against 585/2757; Var = (691.5/1137 − (304/1137)²)
    // and (1708.5/2757 − (585/2757)²).
    let adjusted = run(&["--nps-interval", "adjusted-wald"]);
    let nps = row(&adjusted, &[("segment", "smb"), ("metric", "nps")]);
    let (d, va, vb) =
        (304.0 / 1137.0 - 585.0 / 2757.0, 691.5 / 1137.0 - (304.0f64 / 1137.0).powi(2), 1708.5 / 2757.0 - (585.0f64 / 2757.0).powi(2));
    let se = (va / 1137.0 + vb / 2757.0).sqrt();
    assert_close(num(nps, "difference"), 100.0 * (304.0 / 1134.0 - 585.0 / 2754.0), 1e-9);
    assert_close(num(nps, "statistic"), d / se, 1e-9);
    assert_close(num(nps, "diff_low"), 100.0 * (d - 1.959_963_984_540_054 * se), 1e-9);
}
