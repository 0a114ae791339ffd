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
