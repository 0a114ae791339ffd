//! The first hour (issue 26): output formats, stdin without FILE, misspelled columns, help,
//! completions and the man page. The terminal table's fitting and colour are tested where they
//! are drawn (src/output/render.rs): a test's stdout is never a terminal.

use predicates::prelude::*;

use crate::workdir::cxstat;
use crate::workdir::{csv_rows, example, fixture, workdir};

#[test]
fn tsv_and_xlsx_by_extension_and_an_unknown_extension_refused() {
    let dir = workdir();
    let tsv = dir.path().join("by_segment.tsv");
    cxstat().args(["survey", "--by", "segment", "-o"]).arg(&tsv).arg(fixture("survey_small.csv")).assert().success();
    let text = std::fs::read_to_string(&tsv).unwrap();
    assert!(text.starts_with("segment\tn\tlow_base\t"), "{text}");
    assert_eq!(text.lines().count(), 4, "header, smb, vip, Total: {text}");
    // The same numbers as CSV, tab-separated.
    let csv = cxstat().args(["survey", "--by", "segment"]).arg(fixture("survey_small.csv")).output().unwrap().stdout;
    assert_eq!(text, String::from_utf8(csv).unwrap().replace(',', "\t"));

    let xlsx = dir.path().join("by_segment.xlsx");
    cxstat().args(["survey", "--by", "segment", "-o"]).arg(&xlsx).arg(fixture("survey_small.csv")).assert().success();
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip, as every .xlsx is");
    // cxstat reads its own workbook back: numbers come back as numbers.
    let back = cxstat().args(["inspect", "--format", "csv"]).arg(&xlsx).output().unwrap();
    let rows = csv_rows(&back.stdout);
    let n = rows.iter().find(|r| r["column"] == "n").expect("the n column");
    assert_eq!(n["type"], "integer", "{rows:?}");

    let pdf = dir.path().join("by_segment.pdf");
    cxstat().args(["survey", "-o"]).arg(&pdf).arg(fixture("survey_small.csv")).assert().code(2).stderr(
        predicate::str::contains("cannot tell the format from '.pdf'").and(predicate::str::contains(".tsv, .json, .md, .txt or .xlsx")),
    );
    assert!(!pdf.exists());
    // --format decides whatever the name.
    cxstat().args(["survey", "--format", "json", "-o"]).arg(&pdf).arg(fixture("survey_small.csv")).assert().success();
    assert!(std::fs::read_to_string(&pdf).unwrap().trim_start().starts_with('['));
}

#[test]
fn without_file_stdin_is_read_and_a_workbook_there_is_known_by_its_bytes() {
    let piped = cxstat().args(["survey", "--by", "segment"]).pipe_stdin(fixture("survey_small.csv")).unwrap().output().unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    let named = cxstat().args(["survey", "--by", "segment"]).arg(fixture("survey_small.csv")).output().unwrap();
    assert_eq!(piped.stdout, named.stdout);
    // An .xlsx on stdin is read as a workbook, not decoded as text; the messages say <stdin>.
    let from_sheet = cxstat().args(["survey", "--format", "csv", "-"]).pipe_stdin(fixture("survey_zh.xlsx")).unwrap().output().unwrap();
    assert!(from_sheet.status.success(), "{}", String::from_utf8_lossy(&from_sheet.stderr));
    let by_name = cxstat().args(["survey", "--format", "csv"]).arg(fixture("survey_zh.xlsx")).output().unwrap();
    assert_eq!(from_sheet.stdout, by_name.stdout);
    let stderr = String::from_utf8_lossy(&from_sheet.stderr);
    assert!(!stderr.contains(".cxstat-stdin-"), "{stderr}");
    // A broken workbook on stdin: bad data, named as stdin.
    let mut broken = std::fs::read(fixture("survey_zh.xlsx")).unwrap();
    broken.truncate(broken.len() / 2);
    let out = cxstat().args(["survey", "-"]).write_stdin(broken).output().unwrap();
    assert_eq!(out.status.code(), Some(65), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("<stdin>") && !stderr.contains(".cxstat-stdin-"), "{stderr}");
    // Parquet's magic bytes take it to the Parquet reader (this one is broken: said as such).
    let out = cxstat().arg("survey").write_stdin(&b"PAR1 this is not parquet at all PAR0"[..]).output().unwrap();
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("<stdin>: cannot read it as Parquet"));
    // Nothing of stdin's is left in the temp dir.
    let left = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with(".cxstat-stdin-"));
    assert!(!left, "a .cxstat-stdin-* file was left behind");
}

#[test]
fn a_misspelled_column_gets_a_suggestion() {
    for (args, said) in [
        (vec!["survey", "--by", "segmnt"], "--by: no column 'segmnt'; did you mean 'segment'?"),
        (vec!["survey", "--col", "csat=csta"], "column 'csta' (mapped to csat) is not in the file; did you mean 'csat'?"),
        (vec!["drivers", "--drivers", "q_speeed"], "--drivers: no column matches 'q_speeed'; did you mean 'q_speed'?"),
    ] {
        cxstat().args(&args).arg(example("responses.csv")).assert().code(2).stderr(predicate::str::contains(said));
    }
}

#[test]
fn help_ends_with_examples_that_run_and_the_exit_codes() {
    let top = cxstat().arg("--help").output().unwrap();
    let top = String::from_utf8(top.stdout).unwrap();
    assert!(top.contains("Examples:") && top.contains("  3   scorecard only: an alert fired"), "{top}");
    for command in ["survey", "complaints", "repeat", "compare", "drivers", "loyalty", "inspect", "merge", "scorecard"] {
        let help = String::from_utf8(cxstat().args([command, "--help"]).output().unwrap().stdout).unwrap();
        let examples = help.split("Examples:\n").nth(1).unwrap_or_else(|| panic!("{command}: no examples"));
        assert!(examples.contains("Exit codes:"), "{command}");
        let block: Vec<&str> = examples.lines().take_while(|l| !l.is_empty()).collect();
        let count = block.iter().filter(|l| l.starts_with("  cxstat ")).count();
        // Continuation lines are indented under their command; every line fits 80 columns.
        for line in &block {
            assert!(line.starts_with("  cxstat ") || line.starts_with("    "), "{command}: {line:?}");
            assert!(line.chars().count() <= 80, "{command}: {line:?}");
        }
        assert!((2..=3).contains(&count), "{command}: {count} examples");
    }
    let survey = String::from_utf8(cxstat().args(["survey", "--help"]).output().unwrap().stdout).unwrap();
    assert!(survey.contains("- distribution:") && !survey.contains("- pareto") && !survey.contains("- cohorts"), "{survey}");
    let complaints = String::from_utf8(cxstat().args(["complaints", "-h"]).output().unwrap().stdout).unwrap();
    assert!(complaints.contains("values: trend, pareto]"), "{complaints}");
}

/// Every example in the help runs on the repository's files (in a scratch folder for what it
/// writes): help that fails as written is worse than none.
#[test]
fn the_help_examples_run() {
    let dir = workdir();
    let root = env!("CARGO_MANIFEST_DIR");
    for link in ["examples", "fixtures"] {
        std::os::unix::fs::symlink(std::path::Path::new(root).join(link), dir.path().join(link)).unwrap();
    }
    std::fs::copy(fixture("survey_small.csv"), dir.path().join("part1.csv")).unwrap();
    std::fs::copy(fixture("survey_small.csv"), dir.path().join("part2.csv")).unwrap();
    let mut ran = 0;
    for command in ["", "survey", "complaints", "repeat", "compare", "drivers", "loyalty", "inspect", "merge", "scorecard"] {
        let mut help = cxstat();
        if !command.is_empty() {
            help.arg(command);
        }
        let text = String::from_utf8(help.arg("--help").output().unwrap().stdout).unwrap();
        let examples = text.split("Examples:\n").nth(1).unwrap().split("\n\n").next().unwrap().replace("\\\n", "");
        for line in examples.lines() {
            let line = line.trim().trim_start_matches("cxstat ");
            let args: Vec<String> = line.split_whitespace().take_while(|w| *w != ">").map(|w| w.trim_matches('\'').to_string()).collect();
            let out = cxstat().current_dir(dir.path()).args(&args).output().unwrap();
            // An alert is the point of --fail-under: exit 3, the report written.
            let expected = if line.contains("--fail-under") { 3 } else { 0 };
            assert_eq!(out.status.code(), Some(expected), "cxstat {line}: {}", String::from_utf8_lossy(&out.stderr));
            ran += 1;
        }
    }
    assert!(ran >= 20, "{ran} examples");
}

#[test]
fn completions_for_each_shell_and_a_man_page() {
    for (shell, mark) in
        [("bash", "_cxstat()"), ("zsh", "#compdef cxstat"), ("fish", "complete -c cxstat"), ("powershell", "Register-ArgumentCompleter")]
    {
        cxstat()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(mark).and(predicate::str::contains("scorecard")));
    }
    let man = cxstat().arg("man").output().unwrap();
    assert!(man.status.success());
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.contains(".TH cxstat"), "{}", &page[..200]);
    assert!(page.contains(".SH \"CXSTAT SURVEY\"") && page.contains("\\-\\-by"), "every subcommand's options");
}
