//! Hostile and broken inputs and outputs (issue 25): what is not ours is never destroyed.

use std::path::Path;

use predicates::prelude::*;

use crate::workdir::{cxstat, fixture, workdir};

#[cfg(unix)]
#[test]
fn a_device_output_is_written_through_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    cxstat().args(["survey"]).arg(fixture("survey_small.csv")).args(["-o", "/dev/null"]).assert().success();
    let kind = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(kind.is_char_device(), "/dev/null is still the device");
    // /dev/stdout is a link to the process's stdout: the CSV arrives there.
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_small.csv"))
        .args(["-o", "/dev/stdout", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("n,low_base,"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_exit_74_for_files_and_for_stdout() {
    cxstat()
        .args(["survey"])
        .arg(fixture("survey_small.csv"))
        .args(["-o", "/dev/full"])
        .assert()
        .code(74)
        .stderr(predicate::str::contains("cannot write /dev/full: No space left on device"));
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cxstat"))
        .args(["survey", "--format", "csv"])
        .arg(fixture("survey_small.csv"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(74));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write to stdout: No space left on device"));
}

#[cfg(unix)]
#[test]
fn a_link_output_stays_a_link_and_its_file_is_written() {
    let dir = workdir();
    let real = dir.path().join("real.csv");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // The link points at nothing yet: the file is made where it points.
    cxstat().args(["survey"]).arg(fixture("survey_small.csv")).arg("-o").arg(&link).assert().success();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().starts_with("n,low_base,"));
    // Written again through the link.
    std::fs::write(&real, "old").unwrap();
    cxstat().args(["survey"]).arg(fixture("survey_small.csv")).arg("-o").arg(&link).assert().success();
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().starts_with("n,low_base,"));
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_written() {
    let dir = workdir();
    let input = dir.path().join("responses.csv");
    std::fs::copy(fixture("survey_small.csv"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    for flag in ["-o", "--chart", "--emit-partials"] {
        cxstat()
            .args(["survey"])
            .arg(&input)
            .arg(flag)
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is the input").and(predicate::str::contains("never overwrites its input")));
    }
    // The same file by another name (a relative path from its folder).
    cxstat().current_dir(dir.path()).args(["survey", "responses.csv", "-o", "./responses.csv"]).assert().code(2);
    // Orders of complaints, partials of merge, the config.
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "").unwrap();
    cxstat().args(["survey"]).arg(&input).arg("--config").arg(&config).arg("-o").arg(&config).assert().code(2);
    assert_eq!(std::fs::read(&input).unwrap(), before, "the input is untouched");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "");
}

fn scorecard_into(out: &Path, responses: &Path) -> assert_cmd::assert::Assert {
    cxstat().args(["scorecard", "--month", "2026-10", "--as-of", "2026-11-02", "--responses"]).arg(responses).arg("--out").arg(out).assert()
}

#[test]
fn the_scorecard_never_deletes_an_input_inside_its_folder() {
    let dir = workdir();
    let month = dir.path().join("2026-10");
    std::fs::create_dir(&month).unwrap();
    let input = month.join("responses.csv");
    std::fs::copy(fixture("survey_small.csv"), &input).unwrap();
    scorecard_into(dir.path(), &input)
        .code(2)
        .stderr(predicate::str::contains("is inside").and(predicate::str::contains("choose another --out")));
    assert!(input.is_file(), "the input is still there");
}

#[cfg(unix)]
#[test]
fn the_scorecard_cleans_up_after_a_killed_run_and_restores_its_report() {
    let dir = workdir();
    let responses = fixture("survey_small.csv");
    // A killed run (process 4194303 is not running) left a half-built folder, and had moved the
    // report aside without putting the new one in place.
    let pid = 4_194_303;
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    let half = dir.path().join(format!(".2026-10.new-{pid}-abc"));
    let old = dir.path().join(format!(".2026-10.old-{pid}-"));
    std::fs::create_dir(&half).unwrap();
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("scorecard.md"), "the last report").unwrap();
    // This run fails (its input is missing) after the clean-up: the old report is back in place.
    scorecard_into(dir.path(), &dir.path().join("missing.csv"))
        .code(66)
        .stderr(predicate::str::contains("restored").and(predicate::str::contains("removed")));
    assert!(!half.exists() && !old.exists());
    assert_eq!(std::fs::read_to_string(dir.path().join("2026-10/scorecard.md")).unwrap(), "the last report");
    // A successful run replaces it and leaves nothing beside it.
    scorecard_into(dir.path(), &responses).success();
    assert_ne!(std::fs::read_to_string(dir.path().join("2026-10/scorecard.md")).unwrap(), "the last report");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["2026-10"]);
}

/// Emits `command`'s partials of `file`, changes them with `tamper`, and merges them: the exit
/// code and standard error.
fn merge_tampered(command: &str, file: &str, tamper: impl Fn(&mut serde_json::Value)) -> (i32, String) {
    let dir = workdir();
    let partial = dir.path().join("part.json");
    cxstat().args([command]).arg(fixture(file)).arg("--emit-partials").arg(&partial).assert().success();
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(&partial).unwrap()).unwrap();
    tamper(&mut value);
    std::fs::write(&partial, serde_json::to_vec(&value).unwrap()).unwrap();
    let out = cxstat().arg("merge").arg(&partial).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn tampered_partials_stop_the_merge_naming_file_group_and_field() {
    let survey = |path: &str, v: serde_json::Value| {
        let path = path.to_string();
        merge_tampered("survey", "survey_small.csv", move |p| *p.pointer_mut(&path).unwrap() = v.clone())
    };
    for (path, value, says) in [
        ("/groups/0/counts/n", serde_json::json!(-5.0), "n = -5 is not a count"),
        // 7 of 11 top boxes in the file; 30 would be a CSAT of 272.7 %.
        ("/groups/0/counts/csat_top", serde_json::json!(30.0), "csat_top = 30 is above csat_w = 11"),
        ("/groups/0/counts/n", serde_json::json!(1e308), "is not a count"),
        ("/groups/0/counts/csat_sum", serde_json::json!(1000.0), "csat_sum = 1000 is not the sum of 11 answers on 1–5"),
        ("/groups/0/counts/invalid/csat", serde_json::json!(u64::MAX), "invalid.csat = 18446744073709551615 is above 2^53"),
        ("/settings/confidence", serde_json::json!(1.5), "confidence = 1.5 is not between 0 and 1"),
        ("/settings/csat/high", serde_json::json!(3_000_000_000_i64), "csat scale 1–3000000000 is not a scale"),
    ] {
        let (code, stderr) = survey(path, value);
        assert_eq!(code, 65, "{path}: {stderr}");
        assert!(stderr.contains("part.json:") && stderr.contains(says) && stderr.contains("damaged"), "{path}: {stderr}");
    }
    let (_, stderr) = survey("/groups/0/counts/n", serde_json::json!(-5.0));
    assert!(stderr.contains("group (all)"), "{stderr}");

    let complaints = |tamper: fn(&mut serde_json::Value)| merge_tampered("complaints", "complaints_small.csv", tamper);
    let (code, stderr) = complaints(|p| p["groups"][0]["counts"]["response_hours"]["counts"] = serde_json::json!([1, 1]));
    assert_eq!(code, 65);
    assert!(stderr.contains("response_hours has 4 hours and 2 counts"), "{stderr}");
    let (code, stderr) = complaints(|p| p["groups"][0]["counts"]["resolve_hours"]["hours"][0] = serde_json::json!(-6.0));
    assert_eq!(code, 65);
    assert!(stderr.contains("resolve_hours.hours has -6, not a duration"), "{stderr}");
    let (code, stderr) = complaints(|p| p["groups"][0]["counts"]["counts"]["resolved"] = serde_json::json!(60.0));
    assert_eq!(code, 65);
    assert!(stderr.contains("resolved = 60 is above n = 6"), "{stderr}");

    let (code, stderr) = merge_tampered("repeat", "orders_small.csv", |p| p["groups"][0]["counts"]["orders"] = serde_json::json!(-1e6));
    assert_eq!(code, 65);
    assert!(stderr.contains("group 2026-08: orders = -1000000 is not a count"), "{stderr}");
    // Another version, or none (found by the merge fuzz target: it printed `Some(1)`).
    let (code, stderr) = merge_tampered("repeat", "orders_small.csv", |p| p["version"] = serde_json::json!(1));
    assert_eq!(code, 65);
    assert!(stderr.contains("partial results of version 1; this cxstat reads version 2"), "{stderr}");
    let (code, stderr) = merge_tampered("repeat", "orders_small.csv", |p| p.as_object_mut().unwrap().retain(|k, _| k != "version"));
    assert_eq!(code, 65);
    assert!(stderr.contains("partial results of no version;") && cxstat::error::internal_word(&stderr).is_none(), "{stderr}");
    // A fraction where a whole number belongs (found by the merge fuzz target): named by its path.
    let (code, stderr) = merge_tampered("repeat", "orders_small.csv", |p| p["groups"][0]["counts"]["days"][0] = serde_json::json!(207.27));
    assert_eq!(code, 65);
    assert!(stderr.contains("groups[0].counts.days[0]: found the number 207.27, expected a whole number"), "{stderr}");
    assert!(cxstat::error::internal_word(&stderr).is_none(), "{stderr}");
    let (code, stderr) = merge_tampered("repeat", "orders_small.csv", |p| p["groups"][0]["counts"]["days"] = serde_json::json!([1]));
    assert_eq!(code, 65);
    assert!(stderr.contains("days has 1 entries for 2 customers"), "{stderr}");
}

#[test]
fn partial_counts_that_add_up_beyond_2_to_the_53_are_refused() {
    let dir = workdir();
    let partial = dir.path().join("part.json");
    cxstat().args(["survey"]).arg(fixture("survey_small.csv")).arg("--emit-partials").arg(&partial).assert().success();
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(&partial).unwrap()).unwrap();
    // 2^53 responses (11 with a CSAT answer): valid alone, but two such files sum past 2^53.
    value["groups"][0]["counts"]["n"] = serde_json::json!(9_007_199_254_740_992.0_f64);
    std::fs::write(&partial, serde_json::to_vec(&value).unwrap()).unwrap();
    cxstat().arg("merge").arg(&partial).assert().success();
    cxstat()
        .arg("merge")
        .arg(&partial)
        .arg(&partial)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("part.json + ").and(predicate::str::contains("n = 18014398509481984 is not a count")));
}

/// Writes `bytes` to a file named `name` in `dir`.
fn file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    crate::workdir::put(dir.path(), name, bytes)
}

/// The CSV output's first data row's `n` and `csat_mean` (ungrouped survey).
fn survey_n_mean(path: &Path, extra: &[&str]) -> (String, String) {
    let out = cxstat().arg("survey").arg(path).args(extra).assert().success();
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    (rows[0]["n"].clone(), rows[0]["csat_mean"].clone())
}

#[test]
fn lone_cr_utf16_without_bom_and_mostly_utf8_files_read() {
    let dir = workdir();
    // Old-Mac line ends: 3 responses, CSAT 5, 4, 3 → mean 4.
    let cr = file(&dir, "cr.csv", b"id,csat\r1,5\r2,4\r3,3\r");
    assert_eq!(survey_n_mean(&cr, &[]), ("3".to_string(), "4".to_string()));
    // UTF-16 without a BOM, either byte order: 2 responses, 5 and 4 → 4.5.
    let text = "id,满意度\n1,5\n2,4\n";
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [("le.csv", le), ("be.csv", be)] {
        let path = file(&dir, name, &bytes);
        assert_eq!(survey_n_mean(&path, &["--col", "csat=满意度"]), ("2".to_string(), "4.5".to_string()), "{name}");
    }
    // UTF-8 with one bad byte in row 3: read as UTF-8 (not GBK mojibake), the byte reported.
    let mut bytes = "id,segment,csat\n1,北京,5\n".as_bytes().to_vec();
    bytes.extend_from_slice(b"2,\xe5\xb9\xbf\xff,3\n");
    for i in 3..20 {
        bytes.extend_from_slice(format!("{i},上海,4\n").as_bytes());
    }
    let bad = file(&dir, "bad.csv", &bytes);
    let out = cxstat().arg("survey").arg(&bad).args(["--by", "segment"]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("北京,1,") && stdout.contains("上海,17,"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("1 byte sequence is not valid UTF-8 (row 3), read as U+FFFD"), "{stderr}");
}

#[test]
fn an_unterminated_quote_names_its_row_without_polars_words() {
    let dir = workdir();
    let path = file(&dir, "quote.csv", b"id,csat\n1,5\n2,\"4\n3,5\n4,2\n");
    cxstat()
        .arg("survey")
        .arg(&path)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("row 3: a quoted field starts there and is never closed"))
        .stderr(predicate::str::contains("infer_schema_length").not());
}

#[test]
fn a_header_line_longer_than_the_sample_is_read_whole() {
    let dir = workdir();
    // A 1.3 MB column name between two others: the column after it is still there.
    let mut text = format!("csat,{},last\n", "x".repeat(1_300_000));
    text.push_str("5,1,9\n4,1,9\n");
    let path = file(&dir, "long.csv", text.as_bytes());
    cxstat().args(["survey"]).arg(&path).args(["--by", "last"]).assert().success().stdout(predicate::str::contains("\n9,2,"));
}

#[cfg(unix)]
#[test]
fn a_fifo_is_read_as_a_stream() {
    let dir = workdir();
    let fifo = dir.path().join("pipe.csv");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let (fifo, source) = (fifo.clone(), fixture("survey_small.csv"));
        std::thread::spawn(move || std::fs::write(&fifo, std::fs::read(source).unwrap()).unwrap())
    };
    let (n, _) = survey_n_mean(&fifo, &[]);
    writer.join().unwrap();
    assert_eq!(n, "12");
}

#[test]
fn amounts_and_weights_that_are_not_finite_are_invalid() {
    let dir = workdir();
    // Amounts inf, NaN and 1e308 are invalid: revenue is the one valid amount, 10.
    let orders = file(
        &dir,
        "orders.csv",
        b"order_id,customer_id,order_date,amount\n1,C1,2026-10-01,inf\n2,C2,2026-10-02,NaN\n3,C3,2026-10-03,1e308\n4,C1,2026-10-04,10\n",
    );
    let out = cxstat().arg("repeat").arg(&orders).assert().success();
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    assert_eq!(rows[0]["revenue"], "10");
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("3 rows: invalid amount"));
    // compare with every weight invalid: reported, and no result (exit 65).
    let weights = file(
        &dir,
        "weights.csv",
        b"id,submitted_at,csat,weight\n1,2026-09-01,5,inf\n2,2026-09-02,4,NaN\n3,2026-10-01,3,abc\n4,2026-10-02,5,-1\n",
    );
    cxstat()
        .args(["compare"])
        .arg(&weights)
        .args(["--weight", "weight"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("column 'weight': 4 invalid values"))
        .stderr(predicate::str::contains("no valid CSAT, NPS or CES answers (with a valid weight) to compare"));
}

#[test]
fn control_characters_in_values_are_shown_escaped() {
    let dir = workdir();
    let path = file(&dir, "nul.csv", b"id,csat\n1,4\x00\n2,5\n3,x\x1b[2J\n");
    // As warnings (the row list) and in the error of too many invalid answers.
    cxstat()
        .arg("survey")
        .arg(&path)
        .args(["--max-invalid", "90"])
        .assert()
        .success()
        .stderr(predicate::str::contains(r"row 2: '4\0'").and(predicate::str::contains(r"row 4: 'x\u{1b}[2J'")));
    let out = cxstat().arg("survey").arg(&path).assert().code(65);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains(r"'4\0' (1)") && !stderr.contains('\0') && !stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn markdown_escapes_html_and_safe_csv_neutralises_formulas() {
    let dir = workdir();
    let path = file(
        &dir,
        "inj.csv",
        b"id,segment,csat\n1,<img src=x onerror=alert(1)>,5\n2,=HYPERLINK(\"http://x\"),4\n3,a|b,3\n4,![x](http://t/p.png),2\n",
    );
    cxstat()
        .arg("survey")
        .arg(&path)
        .args(["--by", "segment", "--format", "markdown"])
        .assert()
        .success()
        .stdout(predicate::str::contains("&lt;img src=x onerror=alert(1)>").and(predicate::str::contains("<img").not()))
        .stdout(predicate::str::contains(r"a\|b"))
        // No image or link either: the brackets are escaped.
        .stdout(predicate::str::contains(r"!\[x\](http://t/p.png)"))
        // What cannot be HTML stays readable.
        .stdout(predicate::str::contains("low base (n < 30)"));
    let out = dir.path().join("out.csv");
    cxstat().arg("survey").arg(&path).args(["--by", "segment", "--safe-csv", "-o"]).arg(&out).assert().success();
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("\"'=HYPERLINK(\"\"http://x\"\")\",1,"), "{written}");
    // On stdout the CSV is byte-exact.
    cxstat()
        .arg("survey")
        .arg(&path)
        .args(["--by", "segment", "--safe-csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\n\"=HYPERLINK("));
}

/// cxstat's own columns start with `__` (`__overflow` counts extra fields, `__day` holds dates):
/// an input header with that prefix is read under a name with one underscore, said in a
/// warning, and neither hides nor corrupts cxstat's columns.
#[test]
fn headers_named_like_cxstats_own_columns_are_renamed_not_mixed_up() {
    let dir = workdir();
    let path = file(&dir, "own.csv", b"id,__overflow,__day,csat\n1,a,x,5\n2,a,y,4\n3,b,z,2\n");
    let out = cxstat().arg("survey").arg(&path).args(["--by", "_overflow", "--format", "csv"]).assert().success().stderr(
        predicate::str::contains("columns read '__overflow' as '_overflow', '__day' as '_day' (names starting with '__' are cxstat's own)"),
    );
    let rows = crate::workdir::csv_rows(&out.get_output().stdout);
    // a: 5 and 4 → mean 4.5, 2 of 2 top-2; b: 2 → mean 2.
    assert_eq!((rows[0]["_overflow"].as_str(), rows[0]["n"].as_str(), rows[0]["csat_mean"].as_str()), ("a", "2", "4.5"));
    assert_eq!((rows[1]["_overflow"].as_str(), rows[1]["n"].as_str(), rows[1]["csat_mean"].as_str()), ("b", "1", "2"));
    // An extra field is still caught, by its row (cxstat's own __overflow column still works).
    let ragged = file(&dir, "ragged.csv", b"id,__overflow,csat\n1,a,5\n2,a,4,9\n");
    cxstat()
        .arg("survey")
        .arg(&ragged)
        .assert()
        .code(65)
        .stderr(predicate::str::contains("1 row has more fields than the header (3 columns); the first is row 3 with 4 fields"));
}

/// Two cells far apart make a sheet of 17 billion cells from 6 KB: refused by its span before
/// the grid is built (it aborted on the allocation before).
#[test]
fn a_sheet_whose_used_range_is_absurd_is_refused_with_its_last_cell() {
    cxstat()
        .arg("survey")
        .arg(fixture("sheet_far_cells.xlsx"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("spans 1048576 rows × 16384 columns (its last cell is XFD1048576)"))
        .stderr(predicate::str::contains("export the sheet as CSV"));
}

/// A workbook or a Parquet file that is empty, text or garbage is bad data (65), said in words.
#[test]
fn garbage_and_empty_workbooks_and_parquet_files_are_exit_65_in_words() {
    let dir = workdir();
    let cases: [(&str, &[u8], &str); 6] = [
        ("empty.xlsx", b"", "cannot read it as a .xlsx workbook: it is empty"),
        ("text.xlsx", b"id,csat\n1,5\n", "it holds text, not a workbook (a CSV file saved under this name? rename it .csv)"),
        ("junk.xlsx", b"\x01\x02\x03\x04\x05\x06\x07\x08\xff", "it is not a zip-based workbook"),
        ("junk.xls", b"PK\x03\x04\x00\x00\x00\x00", "it is not an Excel 97–2003 file"),
        ("empty.parquet", b"", "cannot read it as Parquet: File out of specification"),
        ("junk.parquet", b"PAR1 this is not parquet at all PAR0", "cannot read it as Parquet: File out of specification"),
    ];
    for (name, bytes, says) in cases {
        let path = file(&dir, name, bytes);
        let out = cxstat().arg("survey").arg(&path).assert().code(65);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(says) && stderr.contains(name), "{name}: {stderr}");
        assert!(cxstat::error::internal_word(&stderr).is_none(), "{name}: {stderr}");
    }
}
