//! `cxstat inspect` end to end.

use predicates::prelude::*;

use crate::workdir::{csv_rows, cxstat, fixture, row};

#[test]
fn shows_roles_types_and_invalid_counts() {
    let out = cxstat().args(["inspect", "--format", "csv"]).arg(fixture("survey_invalid.csv")).assert().success();
    let rows = csv_rows(&out.get_output().stdout);
    let csat = row(&rows, &[("column", "csat")]);
    assert_eq!(csat["role"], "csat");
    assert_eq!(csat["mapped"], "recognised");
    assert_eq!(csat["invalid"], "3", "abc, 6 and 3.5");
    assert_eq!(csat["type"], "text (5 of 6 numeric)");
    let date = row(&rows, &[("column", "submitted_at")]);
    assert_eq!((date["role"].as_str(), date["invalid"].as_str()), ("date", "1"));
    let ces = row(&rows, &[("column", "ces")]);
    assert_eq!(ces["blanks"], "1", "a lone space is blank");
    assert_eq!(row(&rows, &[("column", "segment")])["type"], "text");
}

#[test]
fn json_names_encoding_delimiter_and_rows() {
    let out = cxstat().args(["inspect", "--format", "json"]).arg(fixture("survey_gbk.csv")).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["encoding"], "GBK");
    assert_eq!(v["delimiter"], ",");
    assert_eq!(v["rows"], 12);
    let columns = v["columns"].as_array().unwrap();
    let roles: Vec<_> = columns.iter().map(|c| c["role"].clone()).collect();
    assert_eq!(roles[1], "date");
    assert_eq!(roles[3], "csat");
    assert_eq!(columns[1]["type"], "date");
    assert_eq!(columns[1]["invalid"], 0);
}

#[test]
fn table_shows_bom_and_delimiter() {
    cxstat()
        .args(["inspect", "--format", "table"])
        .arg(fixture("survey_bom.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("delimiter ';' · encoding UTF-8 with BOM"))
        .stdout(predicate::str::contains("rows: 12"));
}

#[test]
fn inspect_proposes_scales_and_flags_values_that_do_not_fit() {
    let dir = crate::workdir::workdir();
    let file = dir.path().join("scales.csv");
    // csat on 1–10; ces with a 0 below 1–7; q_staff, a rating without a role, with 0 below 1–5.
    std::fs::write(&file, "id,csat,ces,q_staff\n1,7,0,5\n2,9,3,1\n3,2,5,0\n4,10,6,3\n").unwrap();
    let out = cxstat().args(["inspect", "--format", "csv"]).arg(&file).assert().success();
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    let column = |name: &str| crate::workdir::row(&rows, &[("column", name)]).clone();
    assert_eq!(column("csat")["seen"], "2–10");
    assert_eq!(column("csat")["suggestion"], "values 2–10 do not fit 1–5: --csat-scale 1-10");
    assert_eq!(column("ces")["suggestion"], "0 seen: if it means not applicable, --na-values 0");
    assert_eq!(column("q_staff")["suggestion"], "0 seen below 1–5: if it means not applicable, --na-values 0");
    // An id is no rating: no range shown.
    assert_eq!(column("id")["seen"], "");
    // A text column taken as CSAT by its name.
    let out = cxstat().args(["inspect", "--format", "csv"]).arg(fixture("survey_text_satisfaction.csv")).assert().success();
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    let satisfaction = crate::workdir::row(&rows, &[("column", "satisfaction")]);
    assert!(satisfaction["suggestion"].starts_with("name fits, values do not: 6 of 10 answers are not scores"), "{satisfaction:?}");
}
