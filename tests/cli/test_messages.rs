//! Every error a user can meet says what is wrong in words (issue 25): it names the file, and
//! the row, column or flag where one applies; it never shows a library's internals (debug
//! formatting, serde's or polars' vocabulary) nor a panic; it exits with a documented code.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::workdir::{cxstat, fixture, put, workdir};

/// A bad run: its arguments, the exit code it must give and words its message must hold.
struct Case {
    args: Vec<String>,
    exit: i32,
    says: Vec<String>,
}

fn case(args: &[&dyn AsRef<std::ffi::OsStr>], exit: i32, says: &[&str]) -> Case {
    Case {
        args: args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect(),
        exit,
        says: says.iter().map(|s| s.to_string()).collect(),
    }
}

/// The partials a real run emits, for merge cases.
fn partials(dir: &Path, command: &str, input: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    cxstat().arg(command).arg(input).arg("--emit-partials").arg(&path).arg("-q").assert().success();
    path
}

#[test]
fn every_error_path_speaks_in_words_naming_file_row_column_or_flag() {
    let dir = workdir();
    let d = dir.path();
    let survey = fixture("survey_small.csv");
    let orders = fixture("orders_small.csv");
    let complaints = fixture("complaints_small.csv");
    let missing = d.join("nosuch.csv");
    let quote = put(d, "quote.csv", b"id,csat\n1,5\n2,\"4\n3,3\n");
    let nul = put(d, "nul.csv", b"id,csat\n1,4\0\n2,5\n");
    let binary = put(d, "binary.csv", &(0u8..=255).cycle().take(4096).collect::<Vec<_>>());
    let bad_toml = put(d, "bad.toml", b"[columns\ncsat = \"Q1\"\n");
    let unknown_key = put(d, "unknown.toml", b"[columns]\nsatisfaction_score = \"csat\"\n");
    let wrong_type = put(d, "type.toml", b"[survey]\nmin_n = \"many\"\n");
    let not_json = put(d, "p1.json", b"this is not JSON");
    let wrong_shape = put(d, "p2.json", b"{\"a\": 1}");
    let array = put(d, "p3.json", b"[1, 2, 3]");
    let survey_partials = partials(d, "survey", &survey, "s.json");
    let complaints_partials = partials(d, "complaints", &complaints, "c.json");
    let text_xlsx = put(d, "t.xlsx", b"id,csat\n1,5\n");
    let junk_parquet = put(d, "j.parquet", b"PAR1xxxxPAR1");
    let weights = put(d, "w.csv", b"id,csat,w\n1,5,heavy\n2,4,light\n");
    let no_dates = put(d, "nd.csv", b"id,submitted_at,csat\n1,soon,5\n2,later,4\n");
    let states = put(d, "states.csv", b"Date received,State,Complaint ID\n2020-03-18,CA,1\n2020-03-19,NY,2\n2020-03-20,closed,3\n");
    let s = |p: &Path| p.display().to_string();
    let cases = [
        case(&[&"survey", &missing], 66, &[&s(&missing), "No such file"]),
        case(&[&"survey", &d], 66, &[&s(d)]),
        case(&[&"survey", &fixture("empty.csv")], 65, &["empty.csv", "empty"]),
        case(&[&"survey", &fixture("header_only.csv")], 65, &["header_only.csv"]),
        case(&[&"survey", &fixture("survey_ragged.csv")], 65, &["survey_ragged.csv", "row "]),
        case(&[&"survey", &fixture("survey_text_satisfaction.csv")], 65, &["survey_text_satisfaction.csv", "satisfaction"]),
        case(&[&"survey", &quote], 65, &["quote.csv", "row 3", "never closed"]),
        case(&[&"survey", &nul, &"--strict"], 65, &["nul.csv", r"'4\0'"]),
        case(&[&"survey", &binary], 65, &["binary.csv"]),
        case(&[&"survey", &survey, &"--by", &"nosuch"], 2, &["--by", "nosuch", "segment"]),
        case(&[&"survey", &survey, &"--col", &"csat=nosuch"], 2, &["nosuch"]),
        case(&[&"survey", &survey, &"--config", &bad_toml], 2, &["bad.toml", "line 1"]),
        case(&[&"survey", &survey, &"--config", &unknown_key], 2, &["unknown.toml", "satisfaction_score"]),
        case(&[&"survey", &survey, &"--config", &wrong_type], 2, &["type.toml", "min_n"]),
        case(&[&"survey", &survey, &"--config", &missing], 66, &[&s(&missing)]),
        case(&[&"survey", &survey, &"--csat-scale", &"5-1"], 2, &["--csat-scale", "5-1"]),
        case(&[&"survey", &survey, &"--confidence", &"1.5"], 2, &["--confidence", "1.5"]),
        case(&[&"survey", &survey, &"--encoding", &"klingon"], 2, &["--encoding", "klingon"]),
        case(&[&"survey", &survey, &"--delimiter", &"ab"], 2, &["--delimiter", "ab"]),
        case(&[&"survey", &survey, &"--from", &"2026-02-30"], 2, &["--from", "2026-02-30"]),
        case(&[&"survey", &survey, &"-o", &d.join("no/such/dir/out.csv")], 74, &["no/such/dir/out.csv"]),
        case(&[&"survey", &survey, &"-o", &survey], 2, &["survey_small.csv", "input"]),
        case(&[&"survey", &weights, &"--weight", &"w"], 65, &["w.csv", "with a valid weight in 'w'"]),
        case(&[&"survey", &no_dates, &"--period", &"month"], 65, &["nd.csv", "submitted_at"]),
        case(&[&"survey", &fixture("survey_zh.xlsx"), &"--sheet", &"nope"], 2, &["--sheet nope", "survey_zh.xlsx"]),
        case(&[&"survey", &text_xlsx], 65, &["t.xlsx", "rename it .csv"]),
        case(&[&"survey", &junk_parquet], 65, &["j.parquet", "Parquet"]),
        case(&[&"survey", &fixture("sheet_far_cells.xlsx")], 65, &["sheet_far_cells.xlsx", "XFD1048576"]),
        case(&[&"repeat", &survey], 65, &["survey_small.csv", "no customer column", "--col customer=HEADER"]),
        case(&[&"complaints", &complaints, &"--orders", &survey], 65, &["survey_small.csv", "--orders-col ordered=HEADER"]),
        case(&[&"complaints", &fixture("cfpb_head.csv")], 65, &["cfpb_head.csv", "line 3 has 8", "--skip-rows 2"]),
        case(
            &[&"complaints", &states],
            65,
            &["states.csv", "column 'State' was taken as the status by its name", "'CA' (1)", "--col status=HEADER"],
        ),
        case(&[&"repeat", &orders, &"--from", &"2026-10-01", &"--to", &"2026-09-01"], 2, &["--from", "--to"]),
        case(&[&"drivers", &survey, &"--drivers", &"q_speed"], 2, &["--drivers", "q_speed", "submitted_at"]),
        case(&[&"drivers", &fixture("drivers_small.csv"), &"--drivers", &"q_speed", &"--to", &"2000-01-01"], 65, &["drivers_small.csv"]),
        case(&[&"merge", &not_json], 65, &["p1.json"]),
        case(&[&"merge", &wrong_shape], 65, &["p2.json"]),
        case(&[&"merge", &array], 65, &["p3.json"]),
        case(&[&"merge", &survey_partials, &complaints_partials], 65, &["c.json", "survey", "complaints"]),
        case(&[&"scorecard", &"--month", &"2026-13", &"--responses", &survey], 2, &["--month", "2026-13"]),
        case(&[&"scorecard", &"--month", &"2026-10", &"--responses", &survey, &"--out", &survey], 74, &["survey_small.csv"]),
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let out = cxstat().args(&case.args).env("NO_COLOR", "1").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code().unwrap_or(-1);
        let mut wrong = Vec::new();
        if code != case.exit {
            wrong.push(format!("exit {code}, not {}", case.exit));
        }
        if !stderr.starts_with("error: ") && !stderr.contains("\nerror: ") {
            wrong.push("no 'error: ' line".to_string());
        }
        for word in &case.says {
            if !stderr.contains(word.as_str()) {
                wrong.push(format!("does not say {word:?}"));
            }
        }
        if let Some(word) = cxstat::error::internal_word(&stderr) {
            wrong.push(format!("shows internals ({word})"));
        }
        if stderr.chars().any(|c| c.is_control() && c != '\n') {
            wrong.push("holds a control character".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!("cxstat {}\n  {}\n  {}", case.args.join(" "), wrong.join("; "), stderr.trim_end().replace('\n', "\n  ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} messages are wrong:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// A survey file taken for a complaint log: its response date is recognised as the opened date,
/// but with no handling column only counts could be given, and the run says so.
#[test]
fn a_file_that_is_not_a_complaint_log_is_said_to_give_counts_only() {
    cxstat()
        .arg("complaints")
        .arg(fixture("survey_small.csv"))
        .assert()
        .success()
        .stderr(predicates::str::contains("only 'submitted_at' was recognised (as when complaints were opened)"))
        .stderr(predicates::str::contains("--col resolved=HEADER"));
    // A complaint log is not warned about.
    cxstat().arg("complaints").arg(fixture("complaints_small.csv")).assert().success().stderr(predicates::str::contains("only '").not());
}
