//! `cxstat survey` end to end.

use predicates::prelude::*;

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row, workdir};

/// The hand-worked answers of fixtures/survey_small.csv (12 responses):
/// CSAT 5,4,2,5,3,1,4,5,–,4,5,3 → 11 answers, 7 in the top two boxes → 63.63…%, mean 41/11 = 3.7272…
/// NPS 10,9,3,10,7,0,8,9,10,6,–,9 → 11 answers: 6 promoters, 2 passives, 3 detractors → NPS 300/11 = 27.27…
/// CES 7,6,2,–,5,1,–,7,6,3,5,4 → 10 answers, sum 46 → mean 4.6; easy (≥5) 6 → 60 %.
#[test]
fn totals_match_hand_arithmetic() {
    let out = cxstat().args(["survey"]).arg(fixture("survey_small.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows.len(), 1, "no grouping: one row");
    let r = &rows[0];
    assert_eq!(r["n"], "12");
    assert_eq!(r["csat_n"], "11");
    assert_close(num(r, "csat_pct"), 700.0 / 11.0, 1e-9);
    assert_close(num(r, "csat_mean"), 41.0 / 11.0, 1e-9);
    assert_eq!(r["nps_n"], "11");
    assert_close(num(r, "promoters_pct"), 600.0 / 11.0, 1e-9);
    assert_close(num(r, "passives_pct"), 200.0 / 11.0, 1e-9);
    assert_close(num(r, "detractors_pct"), 300.0 / 11.0, 1e-9);
    assert_close(num(r, "nps"), 300.0 / 11.0, 1e-9);
    // var = 6/11 + 3/11 − (3/11)² = 0.818182 − 0.074380 = 0.743802; SE = √(0.743802/11) = 0.260037;
    // MOE = 1.959964 × 0.260037 × 100 = 50.966 points.
    assert_close(num(r, "nps_moe"), 50.966, 1e-3);
    assert_close(num(r, "nps_low"), 300.0 / 11.0 - num(r, "nps_moe"), 1e-9);
    assert_close(num(r, "ces_mean"), 4.6, 1e-12);
    assert_close(num(r, "ces_easy_pct"), 60.0, 1e-12);
    assert_eq!(r["low_base"], "true", "12 < default --min-n 30");
}

/// September smb = R01..R03: CSAT 5,4,2 → 2/3 top-2; NPS 10,9,3 → 2 promoters, 1 detractor → 33.3;
/// CES 7,6,2 → mean 5. October vip = R08,R09,R10,R12: CSAT 5,–,4,3 → 2/3; NPS 9,10,6,9 → 3−1 of 4 = 50.
#[test]
fn by_segment_and_month_with_subtotals() {
    let out = cxstat()
        .args(["survey", "--by", "segment", "--period", "month", "--format", "csv"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    let keys: Vec<(String, String)> = rows.iter().map(|r| (r["period"].clone(), r["segment"].clone())).collect();
    let k = |p: &str, s: &str| (p.to_string(), s.to_string());
    assert_eq!(
        keys,
        vec![
            k("2026-09", "smb"),
            k("2026-09", "vip"),
            k("2026-09", "Total"),
            k("2026-10", "smb"),
            k("2026-10", "vip"),
            k("2026-10", "Total"),
            k("Total", "Total"),
        ]
    );
    let sep_smb = row(&rows, &[("period", "2026-09"), ("segment", "smb")]);
    assert_close(num(sep_smb, "csat_pct"), 200.0 / 3.0, 1e-9);
    assert_close(num(sep_smb, "nps"), 100.0 / 3.0, 1e-9);
    assert_close(num(sep_smb, "ces_mean"), 5.0, 1e-12);
    let oct_vip = row(&rows, &[("period", "2026-10"), ("segment", "vip")]);
    assert_eq!(oct_vip["n"], "4");
    assert_close(num(oct_vip, "csat_pct"), 200.0 / 3.0, 1e-9);
    assert_close(num(oct_vip, "nps"), 50.0, 1e-9);
    // September has R01..R05 = 5 responses; October R06..R12 = 7.
    assert_eq!(row(&rows, &[("period", "2026-09"), ("segment", "Total")])["n"], "5");
    assert_eq!(row(&rows, &[("period", "2026-10"), ("segment", "Total")])["n"], "7");
    assert_close(num(row(&rows, &[("period", "Total")]), "nps"), 300.0 / 11.0, 1e-9);
}

#[test]
fn date_window_is_inclusive_and_no_total_drops_totals() {
    // 2026-10-05 .. 2026-10-12 holds R07, R08, R09 (R09 is "2026-10-12 14:05").
    let out = cxstat()
        .args(["survey", "--from", "2026-10-05", "--to", "2026-10-12", "--by", "segment", "--no-total"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(row(&rows, &[("segment", "smb")])["n"], "1");
    assert_eq!(row(&rows, &[("segment", "vip")])["n"], "2");
}

#[test]
fn gbk_file_with_chinese_headers_gives_the_same_numbers() {
    let utf8 = cxstat().args(["survey", "--by", "segment"]).arg(fixture("survey_small.csv")).assert().success();
    let gbk = cxstat().args(["survey", "--by", "客户类型"]).arg(fixture("survey_gbk.csv")).assert().success();
    let (a, b) = (csv_rows(&utf8.get_output().stdout), csv_rows(&gbk.get_output().stdout));
    assert_eq!(b[0]["客户类型"], "中小企业");
    for (x, y) in a.iter().zip(&b) {
        for column in ["n", "csat_pct", "nps", "nps_low", "ces_mean", "ces_high"] {
            assert_eq!(x[column], y[column], "{column}");
        }
    }
    // The role name works as a --by column too, and the month grouping reads 2026年9月3日.
    let by_role = cxstat().args(["survey", "--by", "segment", "--period", "month"]).arg(fixture("survey_gbk.csv")).assert().success();
    let rows = csv_rows(&by_role.get_output().stdout);
    assert_eq!(row(&rows, &[("period", "2026-09"), ("客户类型", "Total")])["n"], "5");
}

#[test]
fn bom_and_semicolons_are_handled() {
    let out = cxstat().args(["survey"]).arg(fixture("survey_bom.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(&rows[0], "nps"), 300.0 / 11.0, 1e-9);
}

#[test]
fn header_variants_are_recognised_in_tsv() {
    let out = cxstat().args(["survey", "--period", "month"]).arg(fixture("survey_variants.tsv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(row(&rows, &[("period", "Total")]), "csat_pct"), 700.0 / 11.0, 1e-9);
}

#[test]
fn stdin_is_read_with_dash() {
    let input = std::fs::read(fixture("survey_small.csv")).unwrap();
    let out = cxstat().args(["survey", "-"]).write_stdin(input).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(&rows[0], "ces_mean"), 4.6, 1e-12);
}

#[test]
fn config_maps_columns_and_sets_scale() {
    // Q1 is CSAT on 1–7: 7,6,5,2 → top-2 (6–7) = 2 of 4 = 50 %; Q3 CES 5,3,–,7 → mean 5.
    let out = cxstat().args(["survey", "--config"]).arg(fixture("custom.toml")).arg(fixture("custom_headers.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(&rows[0], "csat_pct"), 50.0, 1e-12);
    assert_close(num(&rows[0], "ces_mean"), 5.0, 1e-12);
    assert_eq!(rows[0]["low_base"], "false", "min_n = 2 from the config");
    // --col wins over the config: Q2 as CSAT on 1–10 with top-3 boxes (8–10): 10, 8, 9 of 4 = 75 %.
    let out = cxstat()
        .args(["survey", "--col", "csat=Q2", "--csat-scale", "1-10", "--csat-top", "3", "--config"])
        .arg(fixture("custom.toml"))
        .arg(fixture("custom_headers.csv"))
        .assert()
        .success();
    assert_close(num(&csv_rows(&out.get_output().stdout)[0], "csat_pct"), 75.0, 1e-12);
}

/// survey_invalid.csv: CSAT 'abc' (row 3), 6 (row 4), 3.5 (row 5) are invalid; the valid CSAT
/// answers are 5, 4, 4.0 → 3 of 3 satisfied. NPS 11 (row 4) and -99 (row 6) are invalid.
/// Half the CSAT answers are invalid, above the default --max-invalid 10: these runs allow 60%.
#[test]
fn invalid_values_are_reported_and_excluded() {
    let out = cxstat()
        .args(["survey", "--max-invalid", "60"])
        .arg(fixture("survey_invalid.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'csat': 3 invalid values"))
        .stderr(predicate::str::contains("row 3: 'abc', row 4: '6', row 5: '3.5'"))
        .stderr(predicate::str::contains("column 'nps': 2 invalid values"));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["csat_n"], "3");
    assert_close(num(&rows[0], "csat_pct"), 100.0, 1e-12);
    // With -99 and 0 as "not answered": NPS keeps one invalid (11); CES none (-99, 0 and blank are unanswered).
    let out = cxstat()
        .args(["survey", "--na-values", "-99,0", "--max-invalid", "60"])
        .arg(fixture("survey_invalid.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'nps': 1 invalid value "))
        .stderr(predicate::str::contains("'ces'").not());
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["ces_n"], "3");
}

/// A metric built from a minority of its answers is not a result: past --max-invalid (10% by
/// default) of a score column's answers, the run stops and says what was seen and what fits.
#[test]
fn a_score_column_with_mostly_invalid_answers_stops_the_run() {
    // 'satisfaction' is text: 'satisfied' reads as a label (4), the 6 'neutral or dissatisfied'
    // do not: 6 of 10 answers (60%). Before, CSAT was 100.0 from the 4 others, with exit 0.
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_text_satisfaction.csv"))
        .assert()
        .code(65)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("column 'satisfaction': 6 of 10 answers (60.0%) are not whole numbers 1–5"))
        .stderr(predicate::str::contains("Most frequent: 'neutral or dissatisfied' (6)"))
        .stderr(predicate::str::contains("[labels] \"neutral or dissatisfied\""));
    // A 1–10 item as CSAT: 7 of 10 answers (6, 7, 8, 9, 9, 10, 10) are above 5 (70%).
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_csat_1to10.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("7 of 10 answers (70.0%)"))
        .stderr(predicate::str::contains("add --csat-scale 1-10"));
    // With the scale it names: 3 top boxes (8, 9, 10) → 8, 9, 10, 9, 10 = 5 of 10 satisfied.
    let out = cxstat().args(["survey", "--csat-scale", "1-10", "--csat-top", "3"]).arg(fixture("survey_csat_1to10.csv")).assert().success();
    assert_close(num(&csv_rows(&out.get_output().stdout)[0], "csat_pct"), 50.0, 1e-12);
    // Up to the threshold it is a warning: 7 of 10 invalid is within --max-invalid 70.
    cxstat()
        .args(["survey", "--max-invalid", "70"])
        .arg(fixture("survey_csat_1to10.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'csat': 7 invalid values"));
    // The config sets it too ([survey] max_invalid).
    let dir = workdir();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[survey]\nmax_invalid = 75\n").unwrap();
    cxstat().args(["survey", "--config"]).arg(&config).arg(fixture("survey_csat_1to10.csv")).assert().success();
}

#[test]
fn strict_turns_invalid_values_into_exit_65() {
    cxstat()
        .args(["survey", "--strict", "--max-invalid", "60"])
        .arg(fixture("survey_invalid.csv"))
        .assert()
        .code(65)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("row 3: 'abc'"));
}

#[test]
fn invalid_dates_are_reported_when_grouping_by_period() {
    cxstat()
        .args(["survey", "--period", "month", "--na-values", "-99,0", "--max-invalid", "60"])
        .arg(fixture("survey_invalid.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'submitted_at': 1 invalid value"))
        .stderr(predicate::str::contains("row 6: 'not a date'"))
        .stderr(predicate::str::contains("1 row has no valid date in 'submitted_at' and was left out"));
}

#[test]
fn missing_columns_list_the_headers_and_the_fix() {
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_nocols.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("'score_a'").and(predicate::str::contains("--col csat=")));
    cxstat()
        .args(["survey", "--col", "csat=Nope"])
        .arg(fixture("survey_nocols.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("'Nope'"));
    cxstat()
        .args(["survey", "--by", "tier"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--by: no column 'tier'"));
}

/// Row 3 has an unquoted comma in its comment ("Great, thanks"): its CSAT would be read from
/// "thanks" and its NPS from 4. That must stop the run, not shift values silently.
#[test]
fn rows_with_extra_fields_stop_the_run() {
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_ragged.csv"))
        .assert()
        .code(65)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("1 row has more fields than the header (5 columns); the first is row 3 with 6 fields"));
    // inspect still shows the file, with the same problem as a warning.
    cxstat()
        .args(["inspect"])
        .arg(fixture("survey_ragged.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: ").and(predicate::str::contains("row 3 with 6 fields")));
}

#[test]
fn empty_and_header_only_files_are_bad_data() {
    cxstat().args(["survey"]).arg(fixture("empty.csv")).assert().code(65).stderr(predicate::str::contains("empty.csv is empty"));
    cxstat().args(["survey"]).arg(fixture("header_only.csv")).assert().code(65).stderr(predicate::str::contains("no responses"));
}

#[test]
fn missing_file_is_exit_66_and_bad_flags_exit_2() {
    cxstat().args(["survey", "no/such/file.csv"]).assert().code(66).stderr(predicate::str::contains("no/such/file.csv"));
    cxstat().args(["survey", "--period", "fortnight"]).arg(fixture("survey_small.csv")).assert().code(2);
    cxstat()
        .args(["survey", "--from", "2026-13-01"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
    cxstat().args(["survey", "--confidence", "95"]).arg(fixture("survey_small.csv")).assert().code(2);
}

#[test]
fn flag_and_config_errors_come_before_the_input_is_opened() {
    // The input does not exist (exit 66 if it were opened): each of these is a usage error (2)
    // found in the flags, or in the config read with them, before the file is looked at.
    let dir = workdir();
    let missing = dir.path().join("missing.csv");
    for flags in [
        &["--csat-scale", "7-1"][..],
        &["--csat-top", "9"],
        &["--ces-easy", "1"],
        &["--from", "2026-10-02", "--to", "2026-10-01"],
        &["--col", "csat"],
        &["--col", "bogus=Q1"],
        &["--encoding", "klingon"],
        &["--delimiter", "ab"],
        &["--header-rows", "x"],
        &["--no-header", "--header-rows", "2"],
    ] {
        cxstat().arg("survey").arg(&missing).args(flags).assert().code(2);
    }
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[survey]\ncsat_scale = \"1to5\"\nconfidence = 1.5\n").unwrap();
    cxstat()
        .arg("survey")
        .arg(&missing)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("config [survey] csat_scale: expected LOW-HIGH").and(predicate::str::contains("got '1to5'")));
    std::fs::write(&config, "[survey]\nconfidence = 1.5\n").unwrap();
    cxstat()
        .arg("survey")
        .arg(&missing)
        .arg("--config")
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("config [survey] confidence must be between 0 and 1"));
    // With valid flags, the missing input is what fails.
    cxstat().arg("survey").arg(&missing).args(["--csat-scale", "1-7"]).assert().code(66);
}

#[test]
fn output_file_is_written_atomically_and_format_follows_extension() {
    let dir = workdir();
    let target = dir.path().join("result.json");
    cxstat()
        .args(["survey", "--by", "segment", "-o"])
        .arg(&target)
        .arg(fixture("survey_small.csv"))
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3, "smb, vip, Total");
    assert_eq!(json[2]["segment"], "Total");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left behind");
    // Unwritable destination: exit 74.
    cxstat().args(["survey", "-o", "/nonexistent-dir/out.csv"]).arg(fixture("survey_small.csv")).assert().code(74);
}

#[test]
fn table_and_markdown_formats_render() {
    // Run from the repository root with a relative path: the caption names the file as given.
    let out = cxstat()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["survey", "--by", "segment", "--format", "markdown", "fixtures/survey_small.csv"])
        .assert()
        .success();
    insta::assert_snapshot!(String::from_utf8(out.get_output().stdout.clone()).unwrap());
    cxstat()
        .args(["survey", "--format", "table"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("+27.3 (−23.7 to 78.2)"));
}

#[test]
fn adjusted_wald_differs_from_wald() {
    let out = cxstat().args(["survey", "--nps-interval", "adjusted-wald"]).arg(fixture("survey_small.csv")).assert().success();
    let r = &csv_rows(&out.get_output().stdout)[0];
    // n' = 14, p₊ = 6.75/14, p₋ = 3.75/14: centre 0.214286, var = 0.75 − 0.045918 = 0.704082,
    // MOE = 1.959964 × √(0.704082/14) × 100 = 43.954 points.
    assert_close(num(r, "nps_moe"), 43.954, 1e-3);
    assert_close(num(r, "nps"), 300.0 / 11.0, 1e-9);
}

#[test]
fn parquet_input_gives_the_same_numbers() {
    use polars::prelude::*;
    let dir = workdir();
    let path = dir.path().join("responses.parquet");
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(fixture("survey_small.csv")))
        .unwrap()
        .finish()
        .unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap()).finish(&mut df).unwrap();
    let out = cxstat().args(["survey", "--period", "month"]).arg(&path).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_close(num(row(&rows, &[("period", "Total")]), "nps"), 300.0 / 11.0, 1e-9);
    assert_eq!(row(&rows, &[("period", "2026-09")])["n"], "5");
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("cxstat"))
        .args(["survey", "--by", "segment,region", "--period", "day", "--format", "csv"])
        .arg(crate::workdir::example("responses.csv"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then drop: the pipe closes
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "status {status:?}, stderr {err}");
    assert!(!err.contains("error"), "{err}");
}

/// The bundled example data (made by shared/gen/gen_data.py) recomputed by an independent
/// stdlib-only Python script: every value of every group must agree to 1e-9.
#[test]
fn agrees_with_independent_computation_on_generated_data() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let responses = crate::workdir::example("responses.csv");
    let dir = workdir();
    let produced = dir.path().join("survey.csv");
    cxstat()
        .args(["survey", "--by", "segment", "--period", "month", "--format", "csv", "-o"])
        .arg(&produced)
        .arg(&responses)
        .assert()
        .success();
    let check = std::process::Command::new("python3")
        .arg(root.join("scripts/check_survey.py"))
        .arg(&responses)
        .arg(&produced)
        .output()
        .expect("python3 runs the cross-check script");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{report}{}", String::from_utf8_lossy(&check.stderr));
    assert!(report.contains(" 0 differences"), "{report}");
}

/// ISO weeks: 2026-09-03 (Thu) is W36, 2026-09-20 (Sun) still W38, 2026-09-28 (Mon) W40,
/// 2026-10-31 (Sat) W44. Quarters: September is Q3 (5 responses), October Q4 (7).
#[test]
fn iso_week_and_quarter_labels() {
    let out = cxstat().args(["survey", "--period", "week"]).arg(fixture("survey_small.csv")).assert().success();
    let weeks: Vec<String> = csv_rows(&out.get_output().stdout).iter().map(|r| r["period"].clone()).collect();
    assert_eq!(weeks, ["2026-W36", "2026-W37", "2026-W38", "2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44", "Total"]);
    let out = cxstat().args(["survey", "--period", "quarter"]).arg(fixture("survey_small.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(row(&rows, &[("period", "2026-Q3")])["n"], "5");
    assert_eq!(row(&rows, &[("period", "2026-Q4")])["n"], "7");
}

#[test]
fn encoding_and_delimiter_can_be_forced() {
    cxstat()
        .args(["survey", "--encoding", "gb18030", "--by", "客户类型"])
        .arg(fixture("survey_gbk.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("中小企业"));
    // Reading GBK bytes as UTF-8 cannot work: a clear error that names the fix, not mojibake.
    cxstat()
        .args(["survey", "--encoding", "utf-8", "--col", "csat=满意度"])
        .arg(fixture("survey_gbk.csv"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--encoding"));
    // A forced delimiter that does not split the header finds no score column.
    cxstat()
        .args(["survey", "--delimiter", "tab"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("no CSAT, NPS or CES column found"));
    cxstat().args(["survey", "--encoding", "klingon"]).arg(fixture("survey_small.csv")).assert().code(2);
}

#[test]
fn designation_share_from_a_chinese_yes_no_column() {
    // 指名购买: 是, 否, 是, yes, maybe → 4 valid answers, 3 yes = 75 %; 'maybe' (row 6) is invalid.
    // October: 是, yes (and 'maybe' left out) → 2 of 2 = 100 %.
    let out = cxstat().args(["survey", fixture("survey_zh.csv").to_str().unwrap(), "--period", "month"]).assert().success();
    let output = out.get_output();
    let rows = csv_rows(&output.stdout);
    let total = row(&rows, &[("period", "Total")]);
    assert_close(num(total, "designation_n"), 4.0, 0.0);
    assert_close(num(total, "designation_pct"), 75.0, 1e-9);
    assert_close(num(row(&rows, &[("period", "2026-10")]), "designation_pct"), 100.0, 1e-9);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("column '指名购买': 1 invalid value") && stderr.contains("row 6: 'maybe'"), "{stderr}");
}

#[test]
fn nps_on_one_to_ten() {
    // A likelihood-to-recommend item on 1–10: the same bands (1–6 detractors, 9–10 promoters),
    // a 0 is invalid, and the caption says which scale. 10, 9, 7, 3, 1: 2 promoters, 2 detractors
    // of 5 → NPS 0; the 0 answer is excluded.
    let dir = workdir();
    let file = dir.path().join("ltr.csv");
    std::fs::write(&file, "id,nps\n1,10\n2,9\n3,7\n4,3\n5,1\n6,0\n").unwrap();
    let out = cxstat()
        .args(["survey", "--nps-scale", "1-10", "--max-invalid", "20", "--format", "csv"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'nps': 1 invalid value (expected whole numbers 1–10"));
    let rows = csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["nps_n"], "5");
    assert_close(num(&rows[0], "nps"), 0.0, 1e-12);
    cxstat()
        .args(["survey", "--nps-scale", "1-10", "--max-invalid", "20", "--format", "markdown"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("NPS 'nps' 1–10 (1–6 detractors, 9–10 promoters)"));
    cxstat().args(["survey", "--nps-scale", "1-5"]).arg(&file).assert().code(2);
}

/// Below --max-invalid the invalid answers stay warnings, and the table says how many of each
/// score's answers were left out: fixtures/survey_invalid.csv has 3 of 6 CSAT answers invalid
/// ('abc', 6, 3.5), 2 of 6 NPS (11, −99) and 2 of the 5 CES answers (−99, 0).
#[test]
fn the_caption_counts_the_answers_left_out() {
    cxstat()
        .args(["survey", "--max-invalid", "60", "--format", "markdown"])
        .arg(fixture("survey_invalid.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("column 'csat': 3 invalid values"))
        .stdout(predicate::str::contains(
            "excluded as invalid (see the warnings): CSAT 3 of 6 answers, NPS 2 of 6 answers, CES 2 of 5 answers",
        ));
    cxstat()
        .args(["survey", "--format", "markdown"])
        .arg(fixture("survey_small.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("excluded as invalid").not());
}
