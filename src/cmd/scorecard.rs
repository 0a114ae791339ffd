//! `cxstat scorecard`: the unattended monthly (or quarterly) report. It runs the survey,
//! complaints and repeat commands with the same definitions a user gets at the prompt (the
//! notes list the equivalent command lines), picks the current, previous and year-ago periods
//! out of their tables, and writes Markdown, HTML, CSV, JSON and charts into OUT/PERIOD/,
//! replacing an earlier run atomically.
//!
//! Usage: cxstat scorecard --responses R [--complaints C] [--orders O] [--month 2026-10|last |
//!        --quarter 2026-Q3|last] [--as-of DATE] --out DIR [--by segment] [--fail-under nps=30]
//!        [--fail-over complaints_per_1000=5] [--config cxstat.toml]

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::NaiveDate;

use crate::chart::{self, Chart};
use crate::cli::values::{self, Chosen};
use crate::cli::{Command, ScorecardArgs};
use crate::cmd::charts;
use crate::cmd::{open_input, Opened, Outcome};
use crate::error::{data_err, exit_for, io_err, usage, CxError, Exit};
use crate::input::config::Config;
use crate::input::roles::{Kind, Role};
use crate::metrics::comparison::ComparisonRow;
use crate::metrics::complaints::kpis::ComplaintRow;
use crate::metrics::grouping::Grouping;
use crate::metrics::orders::clv::ClvSummary;
use crate::metrics::orders::repeat::RepeatRates;
use crate::metrics::period::{Period, Span};
use crate::metrics::satisfaction::SurveyRow;
use crate::output::{render, Cell, Format, Report, Table};
use crate::report::alerts::{check_alerts, Threshold};
use crate::report::kpis::{clv_kpis, complaint_kpis, mark_tested, repeat_kpis, survey_kpis, ClvAt};
use crate::report::{self, Figure, Kpi, Scorecard, Section};
use crate::Io;

/// The span a scorecard covers, from `--month` / `--quarter` (`last` = the last complete one
/// before `as_of`; a month by default).
pub fn span(month: Option<Chosen>, quarter: Option<Chosen>, as_of: NaiveDate) -> Span {
    let (period, chosen) = match (month, quarter) {
        (_, Some(q)) => (Period::Quarter, q),
        (Some(m), None) => (Period::Month, m),
        (None, None) => (Period::Month, Chosen::Last),
    };
    match chosen {
        Chosen::Last => Span::containing(as_of, period).previous(),
        Chosen::Index(index) => Span { period, index },
    }
}

/// `--fail-under` / `--fail-over` entries, then the config's tables; KPI names are checked.
pub fn thresholds(under: &[(String, f64)], over: &[(String, f64)], config: &Config) -> Result<Vec<Threshold>> {
    let mut out = Vec::new();
    let mut add = |kpi: &str, under: bool, value: f64| {
        out.retain(|t: &Threshold| !(t.kpi == kpi && t.under == under));
        out.push(Threshold { kpi: kpi.to_string(), under, value });
    };
    for (table, under) in [(&config.scorecard.fail_under, true), (&config.scorecard.fail_over, false)] {
        for (kpi, value) in table {
            let kpi = kpi.trim().to_ascii_lowercase();
            let origin = if under { "[scorecard.fail_under]" } else { "[scorecard.fail_over]" };
            values::known_kpi(&kpi).map_err(|e| usage(format!("{origin}: {e}")))?;
            add(&kpi, under, *value);
        }
    }
    // The flags' KPIs are checked when parsed.
    for (list, under) in [(under, true), (over, false)] {
        for (kpi, value) in list {
            add(kpi, under, *value);
        }
    }
    Ok(out)
}

/// A trend chart with the thresholds set on its KPI drawn across it ("target 30" for
/// `--fail-under nps=30`, "alert above 60" for `--fail-over`).
fn with_targets(chart: Chart, kpi: &str, thresholds: &[Threshold]) -> Chart {
    match chart {
        Chart::Trend(mut t) => {
            t.targets = thresholds
                .iter()
                .filter(|th| th.kpi == kpi)
                .map(|th| {
                    (
                        format!("{} {}", if th.under { "target" } else { "alert above" }, crate::report::grouped(&th.value.to_string())),
                        th.value,
                    )
                })
                .collect();
            Chart::Trend(t)
        }
        other => other,
    }
}

/// How many themes "What customers say" shows.
const VOICE_THEMES: usize = 5;

/// Inputs and settings, validated before any work.
struct Plan {
    config_path: Option<PathBuf>,
    config: Config,
    responses: Option<PathBuf>,
    complaints: Option<PathBuf>,
    orders: Option<PathBuf>,
    out: PathBuf,
    span: Span,
    trend: Period,
    as_of: NaiveDate,
    segments: Vec<String>,
    thresholds: Vec<Threshold>,
    min_n: u64,
}

fn plan(args: &ScorecardArgs) -> Result<Plan> {
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let base = args.config.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf).unwrap_or_default();
    let from_config = |p: &Option<PathBuf>| p.as_ref().map(|p| if p.is_absolute() { p.clone() } else { base.join(p) });
    let sc = &config.scorecard;
    let responses = args.responses.clone().or_else(|| from_config(&sc.responses));
    let complaints = args.complaints.clone().or_else(|| from_config(&sc.complaints));
    let orders = args.orders.clone().or_else(|| from_config(&sc.orders));
    if responses.is_none() && complaints.is_none() && orders.is_none() && args.sql_results.is_none() {
        return Err(usage("scorecard needs --responses, --complaints or --orders (or [scorecard] in the config)".to_string()));
    }
    let out = args
        .out
        .clone()
        .or_else(|| from_config(&sc.out))
        .ok_or_else(|| usage("scorecard needs --out DIR (or [scorecard] out = \"DIR\" in the config)".to_string()))?;
    let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let span = span(args.month, args.quarter, as_of);
    let segments = if args.by.is_empty() { sc.segments.clone().unwrap_or_default() } else { args.by.clone() };
    let thresholds = thresholds(&args.fail_under, &args.fail_over, &config)?;
    Ok(Plan {
        config_path: args.config.clone(),
        min_n: args.min_n.or(sc.min_n).unwrap_or(30),
        trend: args.period.unwrap_or(span.period),
        config,
        responses,
        complaints,
        orders,
        out,
        span,
        as_of,
        segments,
        thresholds,
    })
}

/// A cxstat command line as the scorecard runs it inside this process (with its config).
fn command(words: &[String], plan: &Plan) -> Result<Command> {
    let mut argv: Vec<String> = vec!["cxstat".into()];
    argv.extend(words.iter().cloned());
    if let Some(p) = &plan.config_path {
        argv.extend(["--config".to_string(), p.display().to_string()]);
    }
    let cli = crate::cli::try_parse_from(&argv).map_err(|e| usage(format!("scorecard: {}", e.to_string().trim())))?;
    Ok(cli.command)
}

/// Runs a survey command line: its result with typed rows.
fn survey(words: &[String], plan: &Plan, io: &mut Io) -> Result<Outcome<SurveyRow>> {
    match command(words, plan)? {
        Command::Survey(a) => crate::cmd::survey::report(&a, io),
        _ => unreachable!("a survey command line"),
    }
}

fn complaints(words: &[String], plan: &Plan, io: &mut Io) -> Result<Outcome<ComplaintRow>> {
    match command(words, plan)? {
        Command::Complaints(a) => crate::cmd::complaints::report(&a, io),
        _ => unreachable!("a complaints command line"),
    }
}

/// Runs a clv command line as of each of `days` (on or before its --as-of): the total of each
/// summary, when both models could be fitted.
fn clv(words: &[String], days: &[NaiveDate], plan: &Plan, io: &mut Io) -> Result<Vec<Result<ClvSummary>>> {
    match command(words, plan)? {
        Command::Clv(a) => crate::cmd::clv::totals(&a, days, io),
        _ => unreachable!("a clv command line"),
    }
}

fn repeat(words: &[String], plan: &Plan, io: &mut Io) -> Result<Outcome<RepeatRates>> {
    match command(words, plan)? {
        Command::Repeat(a) => crate::cmd::repeat::report(&a, io),
        _ => unreachable!("a repeat command line"),
    }
}

/// Runs a themes command line: what it found, and its table.
fn themes(words: &[String], plan: &Plan, io: &mut Io) -> Result<(crate::cmd::themes::Analysis, Report)> {
    match command(words, plan)? {
        Command::Themes(a) => {
            let analysis = crate::cmd::themes::analyse(&a, io)?;
            let report = crate::cmd::themes::themes_report(&analysis, &a);
            Ok((analysis, report))
        }
        _ => unreachable!("a themes command line"),
    }
}

fn compare(words: &[String], plan: &Plan, io: &mut Io) -> Result<Outcome<ComparisonRow>> {
    match command(words, plan)? {
        Command::Compare(a) => crate::cmd::compare::report(&a, io),
        _ => unreachable!("a compare command line"),
    }
}

/// A command runner of the scorecard.
type Runner<R> = fn(&[String], &Plan, &mut Io) -> Result<Outcome<R>>;

/// Runs a command of the scorecard's period, and fails (exit 65) when the period lies outside the
/// dates of its input (`role` names the date column): a report of a month without data is not a
/// report, and its cron job should hear so.
/// The first and last valid date of an input.
type Dates = Option<(NaiveDate, NaiveDate)>;

/// Also the first and last date of the input, to mark the trend periods it covers in part.
fn run_in_span<R>(run: Runner<R>, cmd: &[String], role: Role, plan: &Plan, io: &mut Io) -> Result<(Outcome<R>, Dates)> {
    match run(cmd, plan, io) {
        Ok(outcome) => {
            let dates = check_covered(&outcome.opened, role, plan.span)?;
            Ok((outcome, dates))
        }
        // Nothing in the scorecard's window: say whether the file covers the period at all.
        Err(e) if exit_for(&e) == Exit::DataErr => {
            let (input, kind) = match command(cmd, plan)? {
                Command::Survey(a) => (a.input, Kind::Responses),
                Command::Complaints(a) => (a.input, Kind::Complaints),
                Command::Repeat(a) => (a.input, Kind::Orders),
                _ => return Err(e),
            };
            check_covered(&open_input(&input, Some(kind), io)?, role, plan.span)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Fails when `span` is outside the first and last valid date of the input's `role` column;
/// returns those dates.
fn check_covered(opened: &Opened, role: Role, span: Span) -> Result<Dates> {
    let Some(column) = opened.roles.get(role) else { return Ok(None) };
    let all = Grouping { date: Some(column.to_string()), ..Default::default() };
    let found = all.date_span(opened.data.lazy(), |q| opened.data.collect(q))?;
    let name = &opened.data.name;
    match found {
        Some((first, last)) if span.start() <= last && span.end() >= first => Ok(Some((first, last))),
        Some((first, last)) => Err(data_err(format!(
            "{name}: no data for {} ({} to {}): its dates in '{column}' run from {first} to {last}; choose a --month or \
             --quarter within them (or check that the export is the latest)",
            span.label(),
            span.start(),
            span.end()
        ))),
        None => Err(data_err(format!("{name}: no valid dates in '{column}', so no data for {}", span.label()))),
    }
}

/// The result table at the trend charts' granularity (`--period`), and the columns it shows: the
/// same command again, or the result itself when it already is at that granularity.
fn at_trend_period<R>(
    cmd: &[String],
    outcome: &Outcome<R>,
    plan: &Plan,
    io: &mut Io,
    run: Runner<R>,
) -> Result<(Table, Vec<&'static str>)> {
    if plan.trend == plan.span.period {
        return Ok((outcome.report.machine.clone(), outcome.shown.clone()));
    }
    let mut words = cmd.to_vec();
    if let Some(i) = words.iter().position(|w| w == "--period") {
        words[i + 1] = plan.trend.name().to_string();
    }
    let trend = run(&words, plan, io)?;
    Ok((trend.report.machine, trend.shown))
}

fn words(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// A report section showing a command's result table (its CSV beside the report).
fn section(title: &str, note: String, report: &Report, csv: &str) -> Section {
    Section { title: title.to_string(), note, table: report.human.clone(), csv: csv.to_string() }
}

fn figure(stem: &str, chart: Chart) -> Result<(Figure, Chart)> {
    let figure = Figure { stem: stem.to_string(), title: chart.title().to_string(), svg: chart::svg(&chart)? };
    Ok((figure, chart))
}

/// The commands whose queries the scorecard's `--emit-sql` writes, their default tables, and
/// the settings their plans must have for `--sql-results` (where the period sits in them).
const SQL_KINDS: [(&str, &str, &str); 3] = [
    ("survey", "responses", "/settings/period"),
    ("complaints", "complaints", "/settings/spec/period"),
    ("repeat", "orders", "/settings/period"),
];

/// `--emit-sql DIR`: the queries and plans of the scorecard's survey, complaints and repeat
/// tables (those of `--sql-table`, or all three), as `cxstat sql` writes them.
fn emit_sql(args: &ScorecardArgs, dir: &Path, io: &mut Io) -> Result<()> {
    let dialect = args.dialect.map(|d| d.name()).unwrap_or("duckdb");
    let mut tables: Vec<(String, String)> = Vec::new();
    for entry in &args.sql_table {
        let (kind, name) =
            entry.split_once('=').ok_or_else(|| usage(format!("--sql-table {entry}: expected KIND=NAME (responses=db.survey)")))?;
        let kind = kind.trim().to_ascii_lowercase();
        if !SQL_KINDS.iter().any(|(_, k, _)| *k == kind) {
            return Err(usage(format!("--sql-table {entry}: the kinds are responses, complaints and orders")));
        }
        tables.push((kind, name.trim().to_string()));
    }
    if tables.is_empty() {
        tables = SQL_KINDS.iter().map(|(_, k, _)| (k.to_string(), k.to_string())).collect();
    }
    let table = |kind: &str| tables.iter().find(|(k, _)| k == kind).map(|(_, n)| n.clone());
    let as_of = args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive());
    let span = span(args.month, args.quarter, as_of);
    let (from, to) = (span.year_ago().start().to_string(), span.end().to_string());
    std::fs::create_dir_all(dir).map_err(|e| io_err(format!("cannot create {}: {e}", dir.display())))?;
    for (command, kind, _) in SQL_KINDS {
        let Some(name) = table(kind) else { continue };
        let file = |ext: &str| path_text(&dir.join(format!("{command}.{ext}")));
        let mut line =
            words(&["sql", command, "--dialect", dialect, "--table", &name, "--period", span.period.name(), "--from", &from, "--to", &to]);
        if command != "survey" {
            line.extend(words(&["--as-of", &to]));
        }
        if let (true, Some(orders)) = (command == "complaints", table("orders")) {
            line.extend(words(&["--orders-table", &orders]));
        }
        line.extend(words(&["--emit-plan", &file("plan.json"), "-o", &file("sql")]));
        if let Some(p) = &args.config {
            line.extend(["--config".to_string(), path_text(p)]);
        }
        let mut argv = vec!["cxstat".to_string()];
        argv.extend(line.iter().cloned());
        let cli = crate::cli::try_parse_from(&argv).map_err(|e| usage(format!("scorecard: {}", e.to_string().trim())))?;
        match cli.command {
            Command::Sql(c) => crate::cmd::sql::run(&c, io)?,
            _ => unreachable!("a cxstat sql command line"),
        }
        if !io.quiet {
            let _ = writeln!(io.stderr, "wrote {} and {} (cxstat {})", file("sql"), file("plan.json"), line.join(" "));
        }
    }
    Ok(())
}

/// The engine's result of `command`'s query in `dir`, with its plan, checked to be the plan
/// this scorecard needs (its period and dates); `None` when `dir` has no such plan.
fn engine_result(
    dir: &Path,
    command: &str,
    period_at: &str,
    plan: &Plan,
) -> Result<Option<(String, serde_json::Value, crate::sql::result::ResultTable)>> {
    let plan_path = dir.join(format!("{command}.plan.json"));
    if !plan_path.exists() {
        return Ok(None);
    }
    let name = path_text(&plan_path);
    let (found, value) = crate::partials::read(&plan_path)?;
    if !crate::partials::is_plan(&value) || found != command {
        return Err(data_err(format!("{name}: not a plan of cxstat sql {command}")));
    }
    let expected = [
        (period_at, serde_json::to_value(plan.span.period)?),
        ("/settings/from", serde_json::to_value(plan.span.year_ago().start())?),
        ("/settings/to", serde_json::to_value(plan.span.end())?),
    ];
    for (at, want) in expected {
        let got = value.pointer(at).cloned().unwrap_or_default();
        if got != want {
            return Err(data_err(format!(
                "{name}: made with {} = {got}, and the scorecard of {} needs {want}: write the plans for this scorecard with \
                 cxstat scorecard --emit-sql (with the same --month or --quarter) and run them again",
                at.rsplit('/').next().unwrap_or(at),
                plan.span.label()
            )));
        }
    }
    let result = [format!("{command}.csv"), format!("{command}.parquet"), command.to_string()]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.exists())
        .ok_or_else(|| {
            data_err(format!("{name}: no result beside it ({command}.csv, {command}.parquet or a {command}/ folder of parts)"))
        })?;
    Ok(Some((name, value, crate::sql::result::read(&result)?)))
}

/// Fails (exit 65) when the engine's table has no row of the scorecard's period: a report of a
/// month without data is not a report.
fn check_period_in(table: &Table, label: &str, name: &str) -> Result<()> {
    let column = charts::column(table, "period");
    let found = column.is_some_and(|k| table.rows.iter().any(|r| matches!(&r[k], Cell::Text(t) if t == label)));
    if found {
        Ok(())
    } else {
        Err(data_err(format!("{name}: the engine's result has no data for {label}; check that the tables are the latest")))
    }
}

/// Runs `cxstat scorecard`.
pub fn run(args: &ScorecardArgs, io: &mut Io) -> Result<()> {
    if let Some(dir) = &args.emit_sql {
        return emit_sql(args, dir, io);
    }
    let plan = plan(args)?;
    let span = plan.span;
    let read: Vec<&Path> = [&plan.responses, &plan.complaints, &plan.orders, &plan.config_path, &args.sql_results]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path)
        .collect();
    crate::output::check_folder(&read, &plan.out.join(span.label()))?;
    for line in clean_stale(&plan.out, &span.label()) {
        io.warn(&line);
    }
    let (prev, ago) = (span.previous(), span.year_ago());
    let labels = [span.label(), prev.label(), ago.label()];
    let period_word = span.period.name();
    let trend_word = plan.trend.name();
    let (from, to) = (ago.start().to_string(), span.end().to_string());
    let (start, end) = (span.start().to_string(), span.end().to_string());
    let mut kpis: Vec<Kpi> = Vec::new();
    let mut sections = Vec::new();
    let mut figures: Vec<(Figure, Chart)> = Vec::new();
    let mut notes = Vec::new();
    let mut inputs = Vec::new();
    let mut csvs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut indicators = Vec::new();

    if let Some(dir) = &args.sql_results {
        let band = |c: Option<f64>| format!("{} confidence interval", charts::level_text(c.unwrap_or(0.95)));
        let mut found = 0;
        for (command, _, period_at) in SQL_KINDS {
            let Some((name, value, result)) = engine_result(dir, command, period_at, &plan)? else { continue };
            found += 1;
            io.progress(&format!("scorecard {}: the engine's {command} result {}", labels[0], result.name));
            inputs.push(result.name.clone());
            notes.push(format!(
                "{command} KPIs: the engine's result {} of the query in {}",
                result.name,
                name.replace(".plan.json", ".sql")
            ));
            let scope = format!("{} · dates {from} to {to}", result.name);
            // Trend charts at the scorecard's own granularity (the engine counted that one).
            let trend = plan.trend == span.period;
            match command {
                "survey" => {
                    let o = crate::cmd::survey::from_sql(&name, &value, &result, io)?;
                    check_period_in(&o.report.machine, &labels[0], &result.name)?;
                    kpis.extend(survey_kpis(&o.rows, &labels, |k| o.shows(k), plan.min_n));
                    csvs.push(("survey_by_period.csv".into(), render(&crate::output::for_spreadsheets(&o.report), Format::Csv)?));
                    for m in crate::cmd::survey::TRENDS[..2].iter().filter(|m| trend && o.shows(m.value)) {
                        let c = charts::trend(
                            &o.report.machine,
                            &[],
                            m,
                            scope.clone(),
                            (trend_word, band(plan.config.survey.confidence)),
                            &|_| "",
                        )?;
                        let kpi = if m.name == "nps" { "nps" } else { "csat" };
                        figures.push(figure(&format!("{}_trend", m.name), with_targets(c, kpi, &plan.thresholds))?);
                    }
                }
                "complaints" => {
                    let o = crate::cmd::complaints::from_sql(&name, &value, &result, io)?;
                    check_period_in(&o.report.machine, &labels[0], &result.name)?;
                    kpis.extend(complaint_kpis(&o.rows, &labels, |k| o.shows(k), plan.min_n));
                    csvs.push(("complaints_by_period.csv".into(), render(&crate::output::for_spreadsheets(&o.report), Format::Csv)?));
                    if trend && o.shows("resolved_pct") {
                        let m = crate::cmd::complaints::TRENDS[0];
                        let c = charts::trend(
                            &o.report.machine,
                            &[],
                            &m,
                            scope,
                            (trend_word, band(plan.config.complaints.confidence)),
                            &|_| "",
                        )?;
                        figures.push(figure("resolution_trend", with_targets(c, "resolved_pct", &plan.thresholds))?);
                    }
                }
                _ => {
                    let o = crate::cmd::repeat::from_sql(&name, &value, &result, io)?;
                    check_period_in(&o.report.machine, &labels[0], &result.name)?;
                    kpis.extend(repeat_kpis(&o.rows, &labels, |k| o.shows(k), plan.min_n));
                    csvs.push(("repeat_by_period.csv".into(), render(&crate::output::for_spreadsheets(&o.report), Format::Csv)?));
                    if trend {
                        let m = crate::cmd::repeat::TRENDS[0];
                        let c =
                            charts::trend(&o.report.machine, &[], &m, scope, (trend_word, band(plan.config.repeat.confidence)), &|_| "")?;
                        figures.push(figure("repeat_trend", with_targets(c, "repeat_rate", &plan.thresholds))?);
                    }
                }
            }
        }
        if found == 0 {
            return Err(usage(format!(
                "{}: no survey.plan.json, complaints.plan.json or repeat.plan.json: write them with cxstat scorecard --emit-sql {} \
                 --dialect …, run the queries in the engine and put each result beside its plan",
                dir.display(),
                dir.display()
            )));
        }
        if plan.trend != span.period {
            notes.push(format!("no trend charts by {trend_word}: the engine's results are by {period_word} (write the plans with --period {trend_word} for them)"));
        }
        notes.push(
            "made from the engine's results: the tests of the NPS and CES changes (cxstat compare), the themes of the comments, the \
             segment tables, the complaint causes and the churn risk need the rows, and are left out (the shares' changes are tested \
             on the counts, as from files)"
                .to_string(),
        );
    }

    if let Some(r) = &plan.responses {
        io.progress(&format!("scorecard {}: survey responses {}", labels[0], r.display()));
        inputs.push(path_text(r));
        let cmd = words(&["survey", &path_text(r), "--period", period_word, "--from", &from, "--to", &to]);
        let (result, dates) = run_in_span(survey, &cmd, Role::Date, &plan, io)?;
        notes.push(format!("survey KPIs: cxstat {}", cmd.join(" ")));
        kpis.extend(survey_kpis(&result.rows, &labels, |k| result.shows(k), plan.min_n));
        csvs.push(("survey_by_period.csv".into(), render(&crate::output::for_spreadsheets(&result.report), Format::Csv)?));
        // NPS and CES changes are tested as `cxstat compare` tests them (the shares above already are).
        for against in ["previous", "yoy"] {
            let cmd = words(&[
                "compare",
                &path_text(r),
                "--period",
                period_word,
                "--from",
                &from,
                "--to",
                &to,
                "--against",
                against,
                "--adjust",
                "none",
            ]);
            let tests = compare(&cmd, &plan, io)?;
            notes.push(format!("significance of the NPS and CES changes: cxstat {}", cmd.join(" ")));
            mark_tested(&mut kpis, &tests.rows, &labels, against == "yoy");
        }
        let (trend_table, trend_shows) = at_trend_period(&cmd, &result, &plan, io, survey)?;
        let scope = format!("{} · dates {from} to {to}", path_text(r));
        let band = format!("{} confidence interval", charts::level_text(plan.config.survey.confidence.unwrap_or(0.95)));
        // CSAT and NPS, the first two survey trends.
        for m in &crate::cmd::survey::TRENDS[..2] {
            if trend_shows.contains(&m.value) {
                let marks = charts::partial_marks(&trend_table, Some(plan.trend), dates);
                let c = charts::trend(&trend_table, &[], m, scope.clone(), (trend_word, band.clone()), &marks)?;
                let kpi = if m.name == "nps" { "nps" } else { "csat" };
                figures.push(figure(&format!("{}_trend", m.name), with_targets(c, kpi, &plan.thresholds))?);
            }
        }
        // What the comments of the period say, when the responses have a comment column.
        if result.opened.roles.get(Role::Comment).is_some() {
            let cmd = words(&["themes", &path_text(r), "--from", &start, "--to", &end]);
            match themes(&cmd, &plan, io) {
                Ok((analysis, full)) => {
                    csvs.push(("themes.csv".into(), render(&crate::output::for_spreadsheets(&full), Format::Csv)?));
                    sections.push(Section {
                        title: format!("What customers say, {}", labels[0]),
                        note: format!(
                            "the themes that move the NPS most, costliest first: NPS impact = share of comments × (NPS of those who mention the theme − NPS of the other commenters); each with a customer's words, chosen by the rule in the README (themes, quotes). cxstat {}",
                            cmd.join(" ")
                        ),
                        table: crate::cmd::themes::voice_table(&analysis, VOICE_THEMES),
                        csv: "themes.csv".into(),
                    });
                }
                Err(e) if exit_for(&e) == Exit::DataErr => notes.push(format!("no comments to read in {}: {e}", labels[0])),
                Err(e) => return Err(e),
            }
        }
        for (k, segment) in plan.segments.iter().enumerate() {
            let cmd = words(&["survey", &path_text(r), "--by", segment, "--from", &start, "--to", &end]);
            let by = survey(&cmd, &plan, io)?;
            let csv = format!("survey_by_{}.csv", file_stem(segment));
            csvs.push((csv.clone(), render(&crate::output::for_spreadsheets(&by.report), Format::Csv)?));
            sections.push(section(
                &format!("Satisfaction by {segment}, {}", labels[0]),
                format!("cxstat {}", cmd.join(" ")),
                &by.report,
                &csv,
            ));
            if k == 0 && by.shows("nps") {
                let c = charts::composition(
                    &by.report.machine,
                    std::slice::from_ref(segment),
                    false,
                    format!("{} · dates {start} to {end}", path_text(r)),
                )?;
                figures.push(figure(&format!("nps_by_{}", file_stem(segment)), c)?);
            }
        }
    }

    if let Some(c) = &plan.complaints {
        io.progress(&format!("scorecard {}: complaints {}", labels[0], c.display()));
        inputs.push(path_text(c));
        let mut cmd = words(&["complaints", &path_text(c), "--period", period_word, "--from", &from, "--to", &to, "--as-of", &end]);
        if let Some(o) = &plan.orders {
            cmd.extend(words(&["--orders", &path_text(o)]));
        }
        let (result, dates) = run_in_span(complaints, &cmd, Role::Opened, &plan, io)?;
        notes.push(format!("complaint KPIs: cxstat {}", cmd.join(" ")));
        kpis.extend(complaint_kpis(&result.rows, &labels, |k| result.shows(k), plan.min_n));
        csvs.push(("complaints_by_period.csv".into(), render(&crate::output::for_spreadsheets(&result.report), Format::Csv)?));
        let trend_metric = crate::cmd::complaints::TRENDS[0];
        if result.shows("resolved_pct") {
            let scope = format!("{} · dates {from} to {to}", path_text(c));
            let band = format!("{} confidence interval", charts::level_text(plan.config.complaints.confidence.unwrap_or(0.95)));
            let (trend_table, _) = at_trend_period(&cmd, &result, &plan, io, complaints)?;
            let marks = charts::partial_marks(&trend_table, Some(plan.trend), dates);
            let chart = charts::trend(&trend_table, &[], &trend_metric, scope, (trend_word, band), &marks)?;
            figures.push(figure("resolution_trend", with_targets(chart, "resolved_pct", &plan.thresholds))?);
        }
        if result.opened.roles.get(Role::Category).is_some() {
            let cmd = words(&["complaints", &path_text(c), "--pareto", "category", "--from", &start, "--to", &end, "--as-of", &end]);
            match complaints(&cmd, &plan, io) {
                Ok(Outcome { report: pareto, .. }) => {
                    csvs.push(("complaints_pareto.csv".into(), render(&crate::output::for_spreadsheets(&pareto), Format::Csv)?));
                    sections.push(section(
                        &format!("Complaint causes, {}", labels[0]),
                        format!("cxstat {}", cmd.join(" ")),
                        &pareto,
                        "complaints_pareto.csv",
                    ));
                    figures.push(figure(
                        "complaints_pareto",
                        charts::pareto(&pareto.machine, "category", format!("{} · dates {start} to {end}", path_text(c))),
                    )?);
                }
                Err(e) if crate::error::exit_for(&e) == Exit::DataErr => {
                    notes.push(format!("no complaint causes to rank in {}: {e}", labels[0]))
                }
                Err(e) => return Err(e),
            }
        }
    }

    if let Some(o) = &plan.orders {
        io.progress(&format!("scorecard {}: orders {}", labels[0], o.display()));
        inputs.push(path_text(o));
        let cmd = words(&["repeat", &path_text(o), "--period", period_word, "--from", &from, "--to", &to, "--as-of", &end]);
        let (result, dates) = run_in_span(repeat, &cmd, Role::Ordered, &plan, io)?;
        notes.push(format!("loyalty KPIs: cxstat {}", cmd.join(" ")));
        kpis.extend(repeat_kpis(&result.rows, &labels, |k| result.shows(k), plan.min_n));
        csvs.push(("repeat_by_period.csv".into(), render(&crate::output::for_spreadsheets(&result.report), Format::Csv)?));
        let m = crate::cmd::repeat::TRENDS[0];
        let band = format!("{} confidence interval", charts::level_text(plan.config.repeat.confidence.unwrap_or(0.95)));
        let (trend_table, _) = at_trend_period(&cmd, &result, &plan, io, repeat)?;
        let scope = format!("{} · dates {from} to {to}", path_text(o));
        let marks = charts::partial_marks(&trend_table, Some(plan.trend), dates);
        let chart = charts::trend(&trend_table, &[], &m, scope, (trend_word, band), &marks)?;
        figures.push(figure("repeat_trend", with_targets(chart, "repeat_rate", &plan.thresholds))?);
        // Churn risk as of each period's end; where the models cannot be fitted (too few repeat
        // customers, no amounts), a note says why and the KPIs are left out.
        io.progress(&format!("scorecard {}: churn risk {}", labels[0], o.display()));
        // The orders read once (to the period's end), the models fitted as of each period's end.
        let cmd = words(&["clv", &path_text(o), "--as-of", &span.end().to_string()]);
        let mut at: Vec<ClvAt> = Vec::new();
        match clv(&cmd, &[span.end(), prev.end(), ago.end()], &plan, io) {
            Ok(fits) => {
                for ((label, day), fit) in labels.iter().zip([span.end(), prev.end(), ago.end()]).zip(fits) {
                    match fit {
                        Ok(summary) => at.push(ClvAt { period: label.clone(), summary }),
                        Err(e) if exit_for(&e) == Exit::DataErr => {
                            if day == span.end() {
                                notes.push(format!("no churn-risk KPIs for {}: {e}", labels[0]));
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) if exit_for(&e) == Exit::DataErr => notes.push(format!("no churn-risk KPIs for {}: {e}", labels[0])),
            Err(e) => return Err(e),
        }
        if at.first().is_some_and(|a| a.period == labels[0]) {
            notes.push(format!("churn-risk KPIs: cxstat clv {} --as-of {} (and as of the other periods' ends)", path_text(o), span.end()));
            kpis.extend(clv_kpis(&at, &labels, plan.min_n));
        }
    }

    // The five classic satisfaction indicators, where the data allows.
    let find = |key: &str| kpis.iter().find(|k| k.key == key);
    let show = |k: Option<&Kpi>| k.map_or("not available (no input)".to_string(), report::value_with_unit);
    indicators.push((
        "Reputation (美誉度)".to_string(),
        format!("promoters {} · CSAT top-box {}", show(find("promoters_pct")), show(find("csat"))),
        "share of promoters (NPS 9–10) and of top-box CSAT answers".to_string(),
    ));
    indicators.push((
        "Return rate (回头率)".to_string(),
        show(find("return_rate")),
        "share of the previous period's customers who ordered again".to_string(),
    ));
    indicators.push(("Complaint rate (抱怨率)".to_string(), show(find("complaints_per_1000")), "complaints per 1,000 orders".to_string()));
    let growth = find("revenue").and_then(Kpi::change_pct).map_or(String::new(), |g| format!(" ({g:+.1}% vs {})", labels[1]));
    indicators.push((
        "Sales power (销售力)".to_string(),
        format!("{}{growth}", show(find("revenue"))),
        "revenue of the period and its growth".to_string(),
    ));
    indicators.push(match find("designation_pct") {
        Some(k) => (
            "Designation (指名度)".to_string(),
            report::value_with_unit(k),
            "share of respondents who asked for the brand by name".to_string(),
        ),
        None => (
            "Designation (指名度)".to_string(),
            "not measured".to_string(),
            "map the yes/no survey question in the config: [columns] designation = \"HEADER\"".to_string(),
        ),
    });

    notes.push(format!(
        "▲/▼ mark changes significant at {} (two-sided): two-proportion z for shares, NPS difference z, Welch t for CES; \
         the p-values are in summary.csv and in the HTML tooltips. Other changes are shown without a mark.",
        report::ALPHA
    ));
    let alerts = check_alerts(&mut kpis, &plan.thresholds, &labels[0]);
    let scorecard = Scorecard {
        title: "Customer satisfaction scorecard".to_string(),
        period: labels[0].clone(),
        previous: labels[1].clone(),
        year_ago: labels[2].clone(),
        dates: format!("{start} to {end}"),
        as_of: plan.as_of.to_string(),
        inputs,
        kpis,
        indicators,
        alerts: alerts.clone(),
        notes,
        sections,
        figures: figures.iter().map(|(f, _)| f.clone()).collect(),
        currency: plan.config.report.currency.clone().unwrap_or_default(),
    };
    io.progress(&format!("scorecard {}: writing {}", labels[0], plan.out.join(&labels[0]).display()));
    let folder = write_folder(&plan.out, &labels[0], &scorecard, &figures, &csvs)?;
    if !alerts.is_empty() {
        for line in &alerts {
            let _ = std::io::Write::write_all(&mut io.stderr, format!("alert: {line}\n").as_bytes());
        }
        return Err(CxError {
            exit: Exit::Alert,
            message: format!(
                "{} alert{} fired; the scorecard is in {}",
                alerts.len(),
                if alerts.len() == 1 { "" } else { "s" },
                folder.display()
            ),
        }
        .into());
    }
    Ok(())
}

/// A header turned into a safe file-name part.
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Builds the report folder in a temporary folder beside its final place, then swaps it in.
fn write_folder(out: &Path, label: &str, s: &Scorecard, figures: &[(Figure, Chart)], csvs: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    let fail = |what: &Path, e: std::io::Error| io_err(format!("cannot write {}: {e}", what.display()));
    std::fs::create_dir_all(out).map_err(|e| fail(out, e))?;
    let prefix = aside(&out.join(label), "new", std::process::id());
    let prefix = prefix.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = tempfile::Builder::new().prefix(&prefix).tempdir_in(out).map_err(|e| fail(out, e))?;
    let dir = tmp.path();
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| fail(&path, e))
    };
    write("scorecard.md", report::markdown(s).as_bytes())?;
    write("scorecard.html", report::html(s).as_bytes())?;
    let summary = Report {
        machine: report::summary_table(s),
        human: report::summary_table(s),
        caption: Vec::new(),
        meta: vec![
            ("period".to_string(), Cell::Text(s.period.clone())),
            ("dates".to_string(), Cell::Text(s.dates.clone())),
            ("previous_period".to_string(), Cell::Text(s.previous.clone())),
            ("year_ago_period".to_string(), Cell::Text(s.year_ago.clone())),
            ("as_of".to_string(), Cell::Text(s.as_of.clone())),
            ("alerts".to_string(), Cell::Int(s.alerts.len() as i64)),
        ],
        rows_key: "kpis",
    };
    write("summary.csv", &render(&crate::output::for_spreadsheets(&summary), Format::Csv)?)?;
    write("summary.json", &render(&summary, Format::Json)?)?;
    for (name, bytes) in csvs {
        write(name, bytes)?;
    }
    if !figures.is_empty() {
        let charts_dir = dir.join("charts");
        std::fs::create_dir(&charts_dir).map_err(|e| fail(&charts_dir, e))?;
        for (f, c) in figures {
            write(&format!("charts/{}.svg", f.stem), f.svg.as_bytes())?;
            write(&format!("charts/{}.png", f.stem), &chart::png(c)?)?;
        }
    }
    // The folder is complete: make it readable like any other, then swap it in.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(|e| fail(dir, e))?;
    }
    let target = out.join(label);
    let built = tmp.keep();
    swap_in(&built, &target).map_err(|e| {
        let _ = std::fs::remove_dir_all(&built);
        fail(&target, e)
    })?;
    Ok(target)
}

/// Puts the finished folder `built` at `target`, and deletes what was there. On Linux the two
/// are exchanged in one step (`renameat2` with `RENAME_EXCHANGE`), so a reader or a killed run
/// always finds a whole report at `target`. Elsewhere (or on a file system without the exchange)
/// the old folder is first moved aside to `.LABEL.old-PID`, which the next run restores if this
/// one was killed in between.
fn swap_in(built: &Path, target: &Path) -> std::io::Result<()> {
    if !target.exists() {
        return std::fs::rename(built, target);
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        if renameat_with(CWD, built, CWD, target, RenameFlags::EXCHANGE).is_ok() {
            // `built` now holds the old report.
            let _ = std::fs::remove_dir_all(built);
            return Ok(());
        }
    }
    let old = aside(target, "old", std::process::id());
    std::fs::rename(target, &old)?;
    if let Err(e) = std::fs::rename(built, target) {
        let _ = std::fs::rename(&old, target);
        return Err(e);
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// `OUT/.LABEL.KIND-PID`: a folder being built (`new`) or an old report moved aside (`old`).
fn aside(target: &Path, kind: &str, pid: u32) -> PathBuf {
    let label = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{label}.{kind}-{pid}-"))
}

/// True when process `pid` is running (Linux: /proc/PID exists); elsewhere every other process
/// is taken for gone.
fn alive(pid: u32) -> bool {
    pid == std::process::id() || (cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists())
}

/// Cleans up after runs that were killed: their half-built `.LABEL.new-PID-*` folders are removed,
/// and an old report moved aside (`.LABEL.old-PID-*`) is put back when no report is in place
/// (else removed). Folders of runs still going are left alone.
fn clean_stale(out: &Path, label: &str) -> Vec<String> {
    let mut done = Vec::new();
    let Ok(entries) = std::fs::read_dir(out) else { return done };
    let target = out.join(label);
    let mut olds: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&format!(".{label}.")) else { continue };
        let Some((kind, tail)) = rest.split_once('-') else { continue };
        let Some(pid) = tail.split('-').next().and_then(|p| p.parse::<u32>().ok()) else { continue };
        if alive(pid) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        match kind {
            "new" if std::fs::remove_dir_all(entry.path()).is_ok() => {
                done.push(format!("removed {}, left by a run that was stopped", entry.path().display()));
            }
            "old" => olds.push((entry.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), entry.path())),
            _ => {}
        }
    }
    // The newest old report is the one a killed run moved aside last.
    olds.sort();
    if !target.exists() {
        if let Some((_, newest)) = olds.pop() {
            if std::fs::rename(&newest, &target).is_ok() {
                done.push(format!("restored {} from {}, moved aside by a run that was stopped", target.display(), newest.display()));
            }
        }
    }
    for (_, old) in olds {
        if std::fs::remove_dir_all(&old).is_ok() {
            done.push(format!("removed {}, left by a run that was stopped", old.display()));
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_in_replaces_the_folder_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let (target, built) = (dir.path().join("2026-10"), dir.path().join(".2026-10.new-1-x"));
        for (folder, text) in [(&target, "old"), (&built, "new")] {
            std::fs::create_dir(folder).unwrap();
            std::fs::write(folder.join("scorecard.md"), text).unwrap();
        }
        swap_in(&built, &target).unwrap();
        assert_eq!(std::fs::read_to_string(target.join("scorecard.md")).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The span of `--month` / `--quarter` text, as the command line reads it.
    fn parse_span(month: Option<&str>, quarter: Option<&str>, as_of: NaiveDate) -> Result<Span, String> {
        Ok(span(month.map(values::month).transpose()?, quarter.map(values::quarter).transpose()?, as_of))
    }

    #[test]
    fn spans() {
        // "last" on 2026-11-02 is October 2026; January's previous month is December.
        let s = parse_span(Some("last"), None, d("2026-11-02")).unwrap();
        assert_eq!((s.label(), s.start(), s.end()), ("2026-10".to_string(), d("2026-10-01"), d("2026-10-31")));
        assert_eq!(s.previous().label(), "2026-09");
        assert_eq!(s.year_ago().label(), "2025-10");
        let j = parse_span(Some("2026-01"), None, d("2026-11-02")).unwrap();
        assert_eq!(j.previous().label(), "2025-12");
        assert_eq!(parse_span(Some("2024-02"), None, d("2026-01-01")).unwrap().end(), d("2024-02-29"));
        let q = parse_span(None, Some("last"), d("2026-11-02")).unwrap();
        assert_eq!((q.label(), q.start(), q.end()), ("2026-Q3".to_string(), d("2026-07-01"), d("2026-09-30")));
        assert_eq!(q.year_ago().label(), "2025-Q3");
        assert_eq!(parse_span(None, Some("2026-Q1"), d("2026-11-02")).unwrap().previous().label(), "2025-Q4");
        for bad in ["2026-13", "2026", "26-1x", "last-1", "2026-QQ1"] {
            assert!(parse_span(Some(bad), None, d("2026-11-02")).is_err(), "{bad}");
        }
        assert!(parse_span(None, Some("2026-Q5"), d("2026-11-02")).is_err());
    }

    #[test]
    fn alerts_fire_under_and_over_and_on_missing_values() {
        let config = Config::parse("[scorecard.fail_under]\nnps = 50\n").unwrap();
        let flag = |text: &str| values::threshold(text).unwrap();
        let t = thresholds(&[flag("csat=80")], &[flag("complaints_per_1000=5")], &config).unwrap();
        assert_eq!(t.len(), 3);
        assert!(thresholds(&[], &[], &Config::parse("[scorecard.fail_over]\nbogus = 1\n").unwrap()).is_err());
        let kpi = |key: &'static str, value: Option<f64>| Kpi {
            key,
            label: key,
            unit: "",
            decimals: 1,
            higher_is_better: true,
            value,
            low: None,
            high: None,
            n: None,
            low_base: false,
            previous: None,
            year_ago: None,
            p_previous: None,
            p_year_ago: None,
            alert: None,
            target: None,
        };
        // NPS 42 < 50 fires; CSAT 80 is not under 80; 6.5 complaints > 5 fires.
        let mut kpis = vec![kpi("nps", Some(42.0)), kpi("csat", Some(80.0)), kpi("complaints_per_1000", Some(6.5))];
        let lines = check_alerts(&mut kpis, &t, "2026-10");
        assert_eq!(lines, ["nps 42.0 is under 50 in 2026-10", "complaints_per_1000 6.5 is over 5 in 2026-10"]);
        assert_eq!(kpis[0].alert.as_deref(), Some("under 50"));
        assert_eq!(kpis[1].alert, None);
        let mut none = vec![kpi("nps", None)];
        assert_eq!(check_alerts(&mut none, &t[..1], "2026-10"), ["nps cannot be checked against under 50: no value for 2026-10"]);
    }

    /// Every KPI reads a column its command declares: with every column shown, each command gives
    /// all of its KPIs.
    #[test]
    fn kpis_read_declared_columns() {
        let labels = ["2026-10".to_string(), "2026-09".to_string(), "2025-10".to_string()];
        let survey = survey_kpis(&[], &labels, crate::cmd::survey::declares, 30);
        let complaints = complaint_kpis(&[], &labels, crate::cmd::complaints::declares, 30);
        let repeat = repeat_kpis(&[], &labels, crate::cmd::repeat::declares, 30);
        let clv = crate::report::kpis::clv_kpis(&[], &labels, 30);
        let keys: Vec<&str> = survey.iter().chain(&complaints).chain(&repeat).chain(&clv).map(|k| k.key).collect();
        assert_eq!(keys, crate::report::kpis::KPIS.map(|k| k.0));
    }
}
