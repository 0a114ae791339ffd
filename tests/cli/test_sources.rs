//! Survey platforms' exports: the same five answers as `fixtures/platform_plain.csv`, laid out as
//! Qualtrics (3 header rows, a matrix question, NPS with its `_NPS_GROUP`, a preview row),
//! SurveyMonkey (2 header rows, BOM, a matrix question) and Google Forms give the same metrics.

use crate::workdir::{assert_close, csv_rows, cxstat, fixture, num, row};
use predicates::prelude::*;

const CSAT: &str = "csat=Overall, how satisfied are you with our service?";
const NPS: &str = "nps=How likely are you to recommend us to a friend?";

fn survey(file: &str, extra: &[&str]) -> String {
    let out = cxstat().args(["survey", fixture(file).to_str().unwrap()]).args(extra).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn every_platform_gives_the_plain_numbers() {
    // CSAT 5,4,2,3,5 → 3 of 5 top-2 = 60 %, mean 3.8; NPS 10,9,6,8,3 → 40 − 40 = 0.
    let plain = survey("platform_plain.csv", &[]);
    assert!(plain.contains(",60,") && plain.contains(",3.8,"), "{plain}");
    for file in ["qualtrics_export.csv", "surveymonkey_export.csv", "googleforms_export.csv"] {
        assert_eq!(survey(file, &["--col", CSAT, "--col", NPS]), plain, "{file}");
    }
    // Qualtrics columns also map by import id, and the NPS question is found by its _NPS_GROUP column.
    assert_eq!(survey("qualtrics_export.csv", &["--col", "csat=QID1"]), plain);
    // Without any mapping: the one question asking "how satisfied" is CSAT, "recommend" is NPS
    // (the matrix "Please rate: - Speed / - Staff" asks neither).
    // qualtrics_export_utf16.tsv: the same export as Qualtrics writes TSV, UTF-16LE with a BOM.
    for file in ["qualtrics_export.csv", "qualtrics_export_utf16.tsv", "surveymonkey_export.csv", "googleforms_export.csv"] {
        assert_eq!(survey(file, &[]), plain, "{file} without --col");
    }
}

#[test]
fn qualtrics_previews_are_left_out_unless_kept() {
    cxstat()
        .args(["survey", fixture("qualtrics_export.csv").to_str().unwrap(), "--col", "csat=QID1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("1 preview, test or spam response (Status / DistributionChannel) left out"));
    let kept = survey("qualtrics_export.csv", &["--col", "csat=QID1", "--keep-all"]);
    assert!(kept.lines().nth(1).unwrap().starts_with("6,"), "{kept}");
}

#[test]
fn inspect_names_the_layout_and_the_questions() {
    let out = cxstat().args(["inspect", fixture("qualtrics_export.csv").to_str().unwrap(), "--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["source"], "qualtrics");
    assert_eq!(json["header_rows"], 3);
    let q3 = json["columns"].as_array().unwrap().iter().find(|c| c["column"] == "Q3").unwrap();
    assert_eq!(q3["role"], "nps");
    assert_eq!(q3["import_id"], "QID3_NPS_GROUP");
    assert_eq!(q3["question"], "How likely are you to recommend us to a friend?");
    // The real Qualtrics layouts from the qualtRics package's tests (copied small here would be
    // a copy of shared/; they are read from there when present).
    let real = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realdata/qualtrics");
    for (file, source, rows) in [("sample.csv", "qualtrics", 3), ("sample_legacy.csv", "qualtrics-legacy", 2)] {
        let path = real.join(file);
        if !path.exists() {
            continue;
        }
        let out = cxstat().args(["inspect", path.to_str().unwrap(), "--format", "json"]).assert().success();
        let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!((json["source"].as_str().unwrap(), json["header_rows"].as_i64().unwrap()), (source, rows), "{file}");
        assert_eq!(json["rows"], 1, "{file}: one response");
    }
    // SurveyMonkey: names from both header rows.
    let out = cxstat().args(["inspect", fixture("surveymonkey_export.csv").to_str().unwrap(), "--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["source"], "surveymonkey");
    let names: Vec<&str> = json["columns"].as_array().unwrap().iter().map(|c| c["column"].as_str().unwrap()).collect();
    assert!(names.contains(&"Please rate: - Speed") && names.contains(&"Please rate: - Staff"), "{names:?}");
}

#[test]
fn header_rows_can_be_forced() {
    // Read as a plain table with 3 header rows: the export tags name the columns, rows 2–3 skipped.
    let out = survey("qualtrics_export.csv", &["--source", "plain", "--header-rows", "3", "--col", "csat=Q1", "--col", "nps=Q3"]);
    // No preview filtering for a plain table: 6 rows.
    assert!(out.lines().nth(1).unwrap().starts_with("6,"), "{out}");
}

#[test]
fn label_answers_read_as_scale_points() {
    // The plain answers written as labels (English, Chinese, "10 - Extremely likely", "8 = Likely"), with a BOM.
    assert_eq!(survey("survey_labels.csv", &[]), survey("platform_plain.csv", &[]));
    // inspect says how many answers were read from labels: all 5 CSAT, 3 of 5 NPS ("9" and "6" are numbers).
    let out = cxstat().args(["inspect", fixture("survey_labels.csv").to_str().unwrap(), "--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let expected = |name: &str| json["columns"].as_array().unwrap().iter().find(|c| c["column"] == name).unwrap()["expected"].clone();
    assert_eq!(expected("csat"), "1–5 (5 read from labels)");
    assert_eq!(expected("nps"), "0–10 (3 read from labels)");
    let dir = crate::workdir::workdir();
    let file = dir.path().join("meh.csv");
    std::fs::write(&file, "csat\nMeh\nSo-so\nVery satisfied\nMeh\n").unwrap();
    // Unknown labels are invalid, listed once each with how to map them (3 of 4 answers: within
    // --max-invalid 80, a warning; past the default 10%, the run stops).
    cxstat().args(["survey", file.to_str().unwrap()]).assert().code(65);
    cxstat().args(["survey", file.to_str().unwrap(), "--max-invalid", "80"]).assert().success().stderr(predicate::str::contains(
        "Labels not on the scale: 'Meh', 'So-so'. Map them to scale points in the config, e.g. [labels] \"Meh\" = 3",
    ));
    // Mapped in the config (any case): (3 + 2 + 5 + 3) / 4 = 3.25.
    let config = dir.path().join("labels.toml");
    std::fs::write(&config, "[labels]\n\"Meh\" = 3\n\"so-so\" = 2\n").unwrap();
    let out = cxstat().args(["survey", file.to_str().unwrap(), "--config", config.to_str().unwrap()]).assert().success();
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["csat_n"], "4");
    crate::workdir::assert_close(crate::workdir::num(&rows[0], "csat_mean"), 3.25, 1e-12);
}

#[test]
fn excel_workbooks_read_like_csv() {
    // fixtures/survey_zh.xlsx (written by openpyxl 3.1.5): sheet 答卷 with Chinese headers, real
    // Excel dates, numbers and Chinese labels (满意, 一般, 非常满意) and a number stored as text;
    // a second sheet 说明 of notes. Same five answers as the plain file.
    assert_eq!(survey("survey_zh.xlsx", &["--period", "month"]), survey("platform_plain.csv", &["--period", "month"]));
    let out = cxstat().args(["inspect", fixture("survey_zh.xlsx").to_str().unwrap(), "--format", "json"]).assert().success();
    let json: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(json["format"], "spreadsheet");
    assert_eq!(json["rows"], 5);
    cxstat()
        .args(["survey", fixture("survey_zh.xlsx").to_str().unwrap(), "--sheet", "Sheet9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such sheet; sheets: '答卷', '说明'"));
    // The notes sheet has no scores: a clear data error, not a panic.
    cxstat().args(["survey", fixture("survey_zh.xlsx").to_str().unwrap(), "--sheet", "说明"]).assert().code(65);
}

#[test]
fn year_last_dates_by_month_or_day_first() {
    // SurveyMonkey writes US dates (10/01/2026 09:00:00 AM): read month first, all in 2026-10.
    let args = ["--col", CSAT, "--col", NPS, "--period", "month"];
    assert_eq!(survey("surveymonkey_export.csv", &args), survey("platform_plain.csv", &["--period", "month"]));
    // 13/10/2026 can only be day first: the column is read day first (01/10 is 1 October).
    let dir = crate::workdir::workdir();
    let file = dir.path().join("dmy.csv");
    std::fs::write(&file, "date,csat\n13/10/2026,5\n01/10/2026,4\n02/11/2026,3\n").unwrap();
    let out = survey_at(&file, &["--period", "month"]);
    assert!(out.contains("2026-10,2,") && out.contains("2026-11,1,"), "{out}");
    // --date-order mdy forces month first: 13/10 is then invalid.
    cxstat()
        .args(["survey", file.to_str().unwrap(), "--period", "month", "--date-order", "mdy"])
        .assert()
        .success()
        .stderr(predicate::str::contains("row 2: '13/10/2026'"));
}

fn survey_at(file: &std::path::Path, extra: &[&str]) -> String {
    let out = cxstat().args(["survey", file.to_str().unwrap()]).args(extra).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn a_row_starting_with_a_nul_byte_is_read_like_any_other() {
    // cxstat has polars take lines that start with a NUL byte as comments (its faster line
    // splitting), but only for text without any NUL byte. Row 3 here starts with one, and is
    // still a response, from a file and from stdin: CSAT 5, 4, 1 → 2 of 3 top-2 = 66.67 %.
    let dir = tempfile::tempdir().unwrap();
    let with_nul = dir.path().join("nul.csv");
    std::fs::write(&with_nul, b"id,csat\nr1,5\nr2,4\n\0r3,1\n").unwrap();
    let plain = dir.path().join("plain.csv");
    std::fs::write(&plain, b"id,csat\nr1,5\nr2,4\nr3,1\n").unwrap();
    let expected = survey_at(&plain, &[]);
    assert!(expected.starts_with("n,") && expected.contains("\n3,true,3,66.66666666666667,"), "{expected}");
    assert_eq!(survey_at(&with_nul, &[]), expected);
    let piped = cxstat().args(["survey", "-"]).write_stdin(&b"id,csat\nr1,5\nr2,4\n\0r3,1\n"[..]).assert().success();
    assert_eq!(String::from_utf8(piped.get_output().stdout.clone()).unwrap(), expected);
}

/// A headerless order log: `--no-header` names the columns 1, 2, … and `--col` maps them by
/// number; the same numbers as fixtures/orders_small.csv's first four orders (Aug: C1, C2, 150;
/// Sep: C1 returning, C3 new, 100). `--header-rows 0` is the same.
#[test]
fn headerless_files_map_columns_by_number() {
    let maps = ["--col", "order=1", "--col", "customer=2", "--col", "ordered=3", "--col", "amount=4"];
    let run = |flag: &[&str]| {
        let out = cxstat()
            .args(["repeat", "--format", "csv"])
            .args(flag)
            .args(maps)
            .arg(fixture("orders_headerless.csv"))
            .assert()
            .success()
            .stderr("");
        csv_rows(&out.get_output().stdout)
    };
    let rows = run(&["--no-header"]);
    let aug = row(&rows, &[("period", "2026-08")]);
    assert_eq!((aug["active_customers"].as_str(), aug["orders"].as_str(), aug["revenue"].as_str()), ("2", "2", "150"));
    let sep = row(&rows, &[("period", "2026-09")]);
    assert_eq!((sep["new_customers"].as_str(), sep["returning_customers"].as_str(), sep["revenue"].as_str()), ("1", "1", "100"));
    assert_eq!(run(&["--header-rows", "0"]), rows);
    cxstat()
        .args(["inspect", "--no-header"])
        .arg(fixture("orders_headerless.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("\n1,,,text,4,").and(predicate::str::contains("\n4,,,")));
}

/// Space-aligned columns (leading spaces, a tab, runs of spaces): `--delimiter whitespace`.
/// smb 5, 4 → CSAT 100%, mean 4.5, NPS 9, 10 → +100; enterprise 2, 3 → 0%, NPS 3, 7 → −50.
#[test]
fn space_aligned_columns_split_on_whitespace() {
    let out = cxstat()
        .args(["survey", "--delimiter", "whitespace", "--by", "segment", "--format", "csv"])
        .arg(fixture("survey_aligned.txt"))
        .assert()
        .success()
        .stderr("");
    let rows = csv_rows(&out.get_output().stdout);
    let smb = row(&rows, &[("segment", "smb")]);
    assert_eq!((smb["csat_pct"].as_str(), smb["csat_mean"].as_str(), smb["nps"].as_str()), ("100", "4.5", "100"));
    let ent = row(&rows, &[("segment", "enterprise")]);
    assert_eq!((ent["csat_pct"].as_str(), ent["nps"].as_str()), ("0", "-50"));
    cxstat()
        .args(["inspect", "--delimiter", "whitespace"])
        .arg(fixture("survey_aligned.txt"))
        .arg("--format")
        .arg("table")
        .assert()
        .success()
        .stdout(predicate::str::contains("delimiter whitespace"));
}

/// Decimal commas in a `;` file, found from the values: weights 1,5 + 0,5 + 1.000,0 + 2 =
/// 1004; satisfied (4–5) weigh 2 → CSAT 2/1004 = 0.199203…%; mean (7.5 + 2 + 2000 + 6)/1004.
/// Amounts 1.234,50 + € 10,25 + 99 = 1343.75, a refund of 5,00, and day-first dates 03.10.2026.
#[test]
fn decimal_commas_in_semicolon_files() {
    let out = cxstat()
        .args(["survey", "--weight", "weight", "--format", "csv"])
        .arg(fixture("survey_decimal_comma.csv"))
        .assert()
        .success()
        .stderr("");
    let r = &csv_rows(&out.get_output().stdout)[0];
    assert_close(num(r, "csat_pct"), 200.0 / 1004.0, 1e-12);
    assert_close(num(r, "csat_mean"), 2015.5 / 1004.0, 1e-12);
    let out = cxstat().args(["repeat", "--format", "csv"]).arg(fixture("orders_decimal_comma.csv")).assert().success().stderr("");
    let rows = csv_rows(&out.get_output().stdout);
    let oct = row(&rows, &[("period", "2026-10")]);
    assert_close(num(oct, "revenue"), 1343.75, 1e-9);
    assert_close(num(oct, "refund_amount"), 5.0, 1e-12);
    assert_eq!(oct["orders"], "3");
    // Said outright, the same; in a comma-separated file `--decimal-comma` is how to ask.
    let forced =
        cxstat().args(["repeat", "--decimal-comma", "--format", "csv"]).arg(fixture("orders_decimal_comma.csv")).assert().success();
    assert_eq!(csv_rows(&forced.get_output().stdout), rows);
}

/// Two "how satisfied" columns (a matrix) and no CSAT header: no CSAT is computed from a guess,
/// the run says so naming this file's columns and the --col to use; the one "recommend"
/// question is the NPS (promoters 9, 10 and a detractor 6: +33.3).
#[test]
fn a_matrix_question_is_named_not_guessed() {
    let out = cxstat()
        .args(["survey", "--format", "csv"])
        .arg(fixture("survey_matrix.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "2 columns ask for CSAT ('How satisfied were you with - Delivery', 'How satisfied were you with - Staff': a matrix question?)",
        ))
        .stderr(predicate::str::contains("--col csat=\"How satisfied were you with - Delivery\""));
    let r = &csv_rows(&out.get_output().stdout)[0];
    assert!(!r.contains_key("csat_pct"));
    assert_close(num(r, "nps"), 100.0 / 3.0, 1e-12);
    // Mapped, CSAT is computed and nothing is said: 4, 4, 3 → 2 of 3 satisfied.
    let out = cxstat()
        .args(["survey", "--format", "csv", "--col", "csat=How satisfied were you with - Staff"])
        .arg(fixture("survey_matrix.csv"))
        .assert()
        .success()
        .stderr("");
    assert_close(num(&csv_rows(&out.get_output().stdout)[0], "csat_pct"), 200.0 / 3.0, 1e-12);
}
