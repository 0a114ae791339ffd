//! `cxstat sql` and `cxstat merge PLAN RESULT`: the queries run in DuckDB (from PyPI, installed
//! into target/pydeps when missing) give the local command's table byte for byte; results made
//! by hand give the figures worked out by hand; what SQL cannot read is refused.

use std::path::{Path, PathBuf};

use crate::workdir::{csv_rows, cxstat, example, fixture, num, workdir};
use predicates::prelude::*;

/// The DuckDB version the checks run (PyPI's `duckdb`).
const DUCKDB: &str = "duckdb==2.0.1";

/// A PYTHONPATH holding DuckDB: the user's own Python has it, or it is installed into
/// target/pydeps (once, under a lock, as tests run in parallel).
fn duckdb_path() -> PathBuf {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let deps = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("pydeps");
    let has = |path: &Path| {
        std::process::Command::new("python3").args(["-c", "import duckdb"]).env("PYTHONPATH", path).status().is_ok_and(|s| s.success())
    };
    if !has(&deps) {
        let install = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&deps)
            .arg(DUCKDB)
            .output()
            .expect("python3 runs pip");
        assert!(install.status.success(), "pip install {DUCKDB}: {}", String::from_utf8_lossy(&install.stderr));
        assert!(has(&deps), "duckdb not importable after installing it into {}", deps.display());
    }
    deps
}

/// Runs scripts/check_sql.py with DuckDB on the cases whose title contains `only`.
fn check_in_duckdb(only: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = assert_cmd::cargo::cargo_bin("cxstat");
    let dir = workdir();
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/check_sql.py"))
        .arg(&binary)
        .args(["--engine", "duckdb", "--only", only, "--work"])
        .arg(dir.path())
        .env("PYTHONPATH", duckdb_path())
        .output()
        .expect("python3 runs the check");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("byte for byte"), "{report}");
    assert!(report.lines().filter(|l| l.starts_with("ok ")).count() >= 2, "{report}");
}

#[test]
fn survey_results_of_duckdb_merge_into_the_local_table() {
    check_in_duckdb("survey");
}

#[test]
fn repeat_results_of_duckdb_merge_into_the_local_table() {
    check_in_duckdb("repeat");
}

#[test]
fn complaints_results_of_duckdb_merge_into_the_local_table() {
    check_in_duckdb("complaints");
}

/// The Spark dialect in Spark's local mode, where `pyspark` (PyPI) and a Java runtime are
/// installed (`scripts/check_sql.py --engine spark`); skipped, and said, where they are not.
#[test]
fn spark_results_merge_into_the_local_tables_where_spark_is_installed() {
    let has = |program: &str, args: &[&str]| std::process::Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if !has("python3", &["-c", "import pyspark"]) || !has("java", &["-version"]) {
        eprintln!("skipped: no pyspark or no Java runtime (pip install pyspark; apt-get install default-jre-headless)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = workdir();
    let out = std::process::Command::new("python3")
        .arg(root.join("scripts/check_sql.py"))
        .arg(assert_cmd::cargo::cargo_bin("cxstat"))
        .args([
            "--engine",
            "spark",
            "--ansi",
            "--only",
            "survey by segment and month|complaints by category and month|repeat by month",
            "--work",
        ])
        .arg(dir.path())
        .output()
        .expect("python3 runs the check");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert!(report.contains("byte for byte"), "{report}");
}

/// Writes `text` to `name` in `dir`.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `cxstat merge PLAN RESULT` stops with exit 65 and says `message`.
fn merge_fails(plan: &Path, result: &Path, message: &str) {
    cxstat().arg("merge").arg(plan).arg(result).assert().code(65).stderr(predicate::str::contains(message));
}

/// A survey plan for the contract's columns, by segment.
fn survey_plan(dir: &Path) -> PathBuf {
    let plan = dir.join("plan.json");
    cxstat()
        .args(["sql", "survey", "--dialect", "duckdb", "--by", "segment", "--emit-plan"])
        .arg(&plan)
        .assert()
        .success()
        .stdout(predicate::str::contains("GROUP BY period, by_1, dated"));
    plan
}

const SURVEY_HEADER: &str =
    "period,by_1,dated,n,csat_n,csat_bad,csat_top,csat_sum,nps_n,nps_bad,promoters,detractors,ces_n,ces_bad,ces_sum,ces_sum_sq,ces_easy";

#[test]
fn a_result_written_by_hand_gives_the_figures_worked_out_by_hand() {
    let dir = workdir();
    let plan = survey_plan(dir.path());
    // Segment a: 10 rows, 8 CSAT answers of which 6 in the top box (75 %), sum 30 (mean 3.75);
    // 10 NPS answers, 5 promoters and 2 detractors: NPS = 50 − 20 = 30; 4 CES answers 5, 6, 7, 2:
    // sum 20 (mean 5), squares 25 + 36 + 49 + 4 = 114, 3 of them 5 or more (75 %).
    // Segment b (blank): 2 rows, 1 CSAT answer 1 (0 %), 1 invalid; no NPS or CES answers.
    let result = write(
        dir.path(),
        "result.csv",
        &format!("{SURVEY_HEADER}\n,a,1,10,8,0,6,30.0,10,0,5,2,4,0,20.0,114.0,3\n,,1,2,1,1,0,1.0,0,0,0,0,0,0,,,0\n"),
    );
    let out = cxstat().args(["merge"]).arg(&plan).arg(&result).args(["--format", "csv"]).assert().success();
    out.stderr(predicate::str::contains("column 'csat': 1 invalid value").and(predicate::str::contains("counted by the engine")));
    let out = cxstat().args(["merge"]).arg(&plan).arg(&result).args(["--format", "csv"]).output().unwrap();
    let rows = csv_rows(&out.stdout);
    let a = rows.iter().find(|r| r["segment"] == "a").expect("segment a");
    assert_eq!(num(a, "n"), 10.0);
    assert_eq!(num(a, "csat_pct"), 75.0);
    assert_eq!(num(a, "csat_mean"), 3.75);
    assert_eq!(num(a, "nps"), 30.0);
    assert_eq!(num(a, "ces_mean"), 5.0);
    // The total adds both segments: 9 CSAT answers, 6 in the top box (66.67 %).
    let total = rows.iter().find(|r| r["segment"] == "Total").expect("a total row");
    assert_eq!(num(total, "n"), 12.0);
    assert_eq!(num(total, "csat_n"), 9.0);
    assert!((num(total, "csat_pct") - 600.0 / 9.0).abs() < 0.01);
}

#[test]
fn a_damaged_or_foreign_result_is_refused() {
    let dir = workdir();
    let plan = survey_plan(dir.path());
    // More top-box answers than answers.
    let bad = write(dir.path(), "bad.csv", &format!("{SURVEY_HEADER}\n,a,1,10,8,0,9,30.0,10,0,5,2,4,0,20.0,114.0,3\n"));
    merge_fails(&plan, &bad, "bad.csv: row 2: csat_top = 9 is above csat_w = 8");
    // The result of another query.
    let other = write(dir.path(), "other.csv", "period,n\n,3\n");
    merge_fails(&plan, &other, "no column by_1");
    // Not a number where a count belongs.
    let text = write(dir.path(), "text.csv", &format!("{SURVEY_HEADER}\n,a,1,ten,8,0,6,30.0,10,0,5,2,4,0,20.0,114.0,3\n"));
    merge_fails(&plan, &text, "row 2, column 'n': ten is not a number");
    // Two results: their distinct counts would not add up.
    let good = write(dir.path(), "good.csv", &format!("{SURVEY_HEADER}\n,a,1,10,8,0,6,30.0,10,0,5,2,4,0,20.0,114.0,3\n"));
    cxstat().arg("merge").arg(&plan).arg(&good).arg(&good).assert().code(2).stderr(predicate::str::contains("takes one result"));
    cxstat().arg("merge").arg(&plan).assert().code(2).stderr(predicate::str::contains("cxstat merge PLAN RESULT"));
}

#[test]
fn too_many_invalid_answers_in_the_engine_stop_the_merge() {
    let dir = workdir();
    let plan = survey_plan(dir.path());
    // 30 of 40 CSAT answers invalid (75 %, above the default 10 %): the labels of a survey tool.
    let result = write(dir.path(), "r.csv", &format!("{SURVEY_HEADER}\n,a,1,40,10,30,6,30.0,0,0,0,0,0,0,,,0\n"));
    merge_fails(&plan, &result, "30 of 40 answers (75.0%) are not whole numbers 1–5");
}

#[test]
fn what_sql_cannot_read_is_refused() {
    // A sample whose answers are labels: the query would count them as invalid.
    cxstat()
        .args(["sql", "survey", "--dialect", "spark"])
        .arg(fixture("survey_labels.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("that SQL cannot read as cxstat does"));
    // A GBK sample: the engine's CSV reader would garble it.
    cxstat()
        .args(["sql", "survey", "--dialect", "duckdb"])
        .arg(fixture("survey_gbk.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("GBK"));
    // Year-last dates, by flag.
    cxstat()
        .args(["sql", "survey", "--dialect", "duckdb", "--period", "month", "--date-order", "dmy"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ISO dates"));
    // A weight with Taylor linearisation, the default.
    cxstat()
        .args(["sql", "survey", "--dialect", "duckdb", "--columns", "csat,weight", "--weight", "weight"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--variance kish"));
    // A sample of plain numbers and ISO dates is fine, and so is the example data.
    cxstat().args(["sql", "survey", "--dialect", "duckdb", "--period", "month"]).arg(example("responses.csv")).assert().success();
}

#[test]
fn the_columns_are_found_among_the_tables_columns() {
    // Without a sample, --columns names the table's columns and the roles are found among them.
    cxstat()
        .args(["sql", "survey", "--dialect", "spark", "--table", "db.survey", "--columns", "id,likelihood_to_recommend,created"])
        .args(["--col", "nps=likelihood_to_recommend", "--col", "date=created", "--period", "quarter"])
        .assert()
        .success()
        .stdout(predicate::str::contains("FROM `db`.`survey`").and(predicate::str::contains("`likelihood_to_recommend`")))
        .stdout(predicate::str::contains("year(d) * 4 + quarter(d) - 1"));
    cxstat()
        .args(["sql", "survey", "--dialect", "spark", "--columns", "id,comment"])
        .assert()
        .code(65)
        .stderr(predicate::str::contains("no CSAT, NPS or CES column found"));
}

/// Runs scripts/run_sql.py on the queries in `dir` over the example data's three files.
fn run_queries_in_duckdb(dir: &Path, parquet: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut run = std::process::Command::new("python3");
    run.arg(root.join("scripts/run_sql.py")).arg(dir);
    for (table, file) in [("responses", "responses.csv"), ("complaints", "complaints.csv"), ("orders", "orders.csv")] {
        run.arg(format!("{table}={}", example(file).display()));
    }
    if parquet {
        run.arg("--parquet");
    }
    let out = run.env("PYTHONPATH", duckdb_path()).output().expect("python3 runs the queries");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_scorecard_from_the_engines_results_has_the_local_scorecards_tables_and_kpis() {
    let dir = workdir();
    let queries = dir.path().join("q");
    cxstat()
        .args(["scorecard", "--month", "2026-09", "--dialect", "duckdb", "--emit-sql"])
        .arg(&queries)
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote").and(predicate::str::contains("--orders-table orders")));
    run_queries_in_duckdb(&queries, true);
    let (engine, local) = (dir.path().join("engine"), dir.path().join("local"));
    cxstat()
        .args(["scorecard", "--month", "2026-09", "--as-of", "2026-10-31", "--sql-results"])
        .arg(&queries)
        .arg("--out")
        .arg(&engine)
        .assert()
        .success();
    cxstat()
        .args(["scorecard", "--month", "2026-09", "--as-of", "2026-10-31", "--responses"])
        .arg(example("responses.csv"))
        .arg("--complaints")
        .arg(example("complaints.csv"))
        .arg("--orders")
        .arg(example("orders.csv"))
        .arg("--out")
        .arg(&local)
        .assert()
        .success();
    for table in ["survey_by_period.csv", "complaints_by_period.csv", "repeat_by_period.csv"] {
        let read = |root: &Path| std::fs::read_to_string(root.join("2026-09").join(table)).unwrap();
        assert_eq!(read(&engine), read(&local), "{table}");
    }
    // Every KPI of the engine's scorecard is the local one's, value for value (the local one
    // has the churn-risk KPIs too, which need the rows).
    let kpis = |root: &Path| csv_rows(&std::fs::read(root.join("2026-09/summary.csv")).unwrap());
    let (from_engine, from_files) = (kpis(&engine), kpis(&local));
    assert!(from_engine.len() >= 10, "{from_engine:?}");
    for k in &from_engine {
        let same = from_files.iter().find(|l| l["kpi"] == k["kpi"] && l["period"] == k["period"]).expect("the KPI in the local scorecard");
        assert_eq!(k["value"], same["value"], "{}", k["kpi"]);
    }
    let md = std::fs::read_to_string(engine.join("2026-09/scorecard.md")).unwrap();
    assert!(md.contains("made from the engine's results"), "{md}");
}

#[test]
fn a_scorecard_refuses_results_made_for_another_period() {
    let dir = workdir();
    let queries = dir.path().join("q");
    cxstat().args(["scorecard", "--month", "2026-08", "--dialect", "duckdb", "--emit-sql"]).arg(&queries).assert().success();
    cxstat()
        .args(["scorecard", "--month", "2026-09", "--as-of", "2026-10-31", "--sql-results"])
        .arg(&queries)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("made with from = \"2025-08-01\"").and(predicate::str::contains("--emit-sql")));
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    cxstat()
        .args(["scorecard", "--month", "2026-09", "--sql-results"])
        .arg(&empty)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no survey.plan.json"));
    assert!(!dir.path().join("out/2026-09").exists());
}

#[test]
fn orders_and_complaints_that_sql_cannot_read_are_refused() {
    // Compact dates (20260903): the query reads ISO dates only.
    cxstat()
        .args(["sql", "repeat", "--dialect", "spark"])
        .arg(fixture("orders_compact_dates.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("column 'InvoiceDate': 6 dates that SQL cannot read").and(predicate::str::contains("'20260903'")));
    // Amounts with a decimal comma.
    cxstat()
        .args(["sql", "repeat", "--dialect", "duckdb"])
        .arg(fixture("orders_decimal_comma.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("decimal comma"));
    // Timestamps written 22-Apr-15.
    cxstat()
        .args(["sql", "complaints", "--dialect", "duckdb"])
        .arg(fixture("complaints_month_names.csv"))
        .assert()
        .code(65)
        .stderr(predicate::str::contains("timestamps that SQL cannot read").and(predicate::str::contains("'22-Apr-15'")));
    // What needs each row: working hours, a purchase window, a Pareto.
    for args in [
        &["complaints", "--business-hours", "09:00-18:00"][..],
        &["repeat", "--window", "90d"][..],
        &["repeat", "--cohorts"][..],
        &["complaints", "--pareto", "category"][..],
    ] {
        cxstat()
            .arg("sql")
            .args(args)
            .args(["--dialect", "duckdb"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("cxstat sql takes no"));
    }
}

#[test]
fn a_status_guessed_by_name_is_checked_on_the_result() {
    let dir = workdir();
    // 'State' is taken as the status by its name; the engine finds its values are not statuses.
    let plan = dir.path().join("plan.json");
    cxstat()
        .args(["sql", "complaints", "--dialect", "duckdb", "--columns", "id,opened_at,State", "--emit-plan"])
        .arg(&plan)
        .assert()
        .success();
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(value["guessed"], serde_json::json!(["status"]));
    let columns: Vec<String> = value["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    // One group of 10 complaints, 8 of whose statuses are none of the stages.
    let cell = |c: &str| match c {
        "part" => "group",
        "dated" => "1",
        "n" | "stage_unknown" => "10",
        "status_unknown" => "8",
        "period" | "ms" | "as_of_ms" | "orders" | "customers" => "",
        _ => "0",
    };
    let row: Vec<&str> = columns.iter().map(|c| cell(c)).collect();
    let result = write(dir.path(), "r.csv", &format!("{}\n{}\n", columns.join(","), row.join(",")));
    merge_fails(&plan, &result, "column 'State' was taken as the status by its name, but 8 of 10 rows");
}

/// Parquet written by an engine often has DECIMAL columns (amounts, sums), which this build of
/// polars does not read: a file (or a result) with one is refused by name, not a crash.
#[test]
fn decimal_columns_in_parquet_are_refused_by_name() {
    let dir = workdir();
    let file = dir.path().join("d.parquet");
    let make = std::process::Command::new("python3")
        .args([
            "-c",
            &format!(
                "import duckdb; duckdb.connect().execute(\"COPY (SELECT 4::DECIMAL(10,2) AS csat, 9 AS nps) TO '{}' (FORMAT parquet)\")",
                file.display()
            ),
        ])
        .env("PYTHONPATH", duckdb_path())
        .output()
        .unwrap();
    assert!(make.status.success(), "{}", String::from_utf8_lossy(&make.stderr));
    cxstat().arg("survey").arg(&file).assert().code(65).stderr(predicate::str::contains("column 'csat' is DECIMAL"));
    let plan = survey_plan(dir.path());
    merge_fails(&plan, &file, "column 'csat' is a DECIMAL");
}
