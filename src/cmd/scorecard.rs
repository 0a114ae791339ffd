//! `cxstat scorecard`: the unattended monthly (or quarterly) report. It runs the survey,
//! complaints and repeat commands with the same definitions a user gets at the prompt (the
//! notes list the equivalent command lines), picks the current, previous and year-ago periods
//! out of their tables, and writes Markdown, HTML, CSV, JSON and charts into OUT/PERIOD/,
//! replacing an earlier run atomically.
//!
//! Usage: cxstat scorecard --responses R [--complaints C] [--orders O] [--month 2026-10|last |
//!        --quarter 2026-Q3|last] [--as-of DATE] --out DIR [--by segment] [--fail-under nps=30]
//!        [--fail-over complaints_per_1000=5] [--config cxstat.toml]

use std::path::{Path, PathBuf};

use crate::stats::significance::two_proportions;
use anyhow::Result;
use chrono::NaiveDate;
use clap::Parser;

use crate::chart::{self, Chart};
use crate::cli::{Cli, Command, ScorecardArgs};
use crate::cmd::charts::{self, number};
use crate::cmd::{parse_date, Opened};
use crate::error::{io_err, usage, CxError, Exit};
use crate::input::config::Config;
use crate::input::roles::Role;
use crate::metrics::period::{Period, Span};
use crate::output::{render, Cell, Format, Report, Table};
use crate::report::{self, Figure, Kpi, Scorecard, Section};
use crate::Io;

/// The KPI names alerts may use.
pub const KPI_KEYS: [&str; 13] = [
    "csat",
    "csat_mean",
    "nps",
    "promoters_pct",
    "ces",
    "designation_pct",
    "complaints_per_1000",
    "resolved_pct",
    "resolve_hours_median",
    "sla_pct",
    "repeat_rate",
    "return_rate",
    "revenue",
];

/// The span a scorecard covers, from `--month` / `--quarter` (`last` = the last complete one
/// before `as_of`).
pub fn parse_span(month: Option<&str>, quarter: Option<&str>, as_of: NaiveDate) -> Result<Span> {
    let (period, text, flag) = match (month, quarter) {
        (_, Some(q)) => (Period::Quarter, q.trim(), "--quarter"),
        (Some(m), None) => (Period::Month, m.trim(), "--month"),
        (None, None) => (Period::Month, "last", "--month"),
    };
    if text.eq_ignore_ascii_case("last") {
        return Ok(Span::containing(as_of, period).previous());
    }
    let bad = || usage(format!("{flag} takes {} or 'last'; got '{text}'", if period == Period::Month { "YYYY-MM" } else { "YYYY-Qn" }));
    let (year, part) = text.split_once('-').ok_or_else(bad)?;
    let year: i64 = year.parse().map_err(|_| bad())?;
    let index = match period {
        Period::Quarter => {
            let q: i64 = part.trim_start_matches(['Q', 'q']).parse().map_err(|_| bad())?;
            if !(1..=4).contains(&q) || !part.starts_with(['Q', 'q']) {
                return Err(bad());
            }
            year * 4 + q - 1
        }
        _ => {
            let m: i64 = part.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&m) {
                return Err(bad());
            }
            year * 12 + m - 1
        }
    };
    Ok(Span { period, index })
}

/// A threshold: alert when the KPI is under (or over) the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub kpi: String,
    pub under: bool,
    pub value: f64,
}

/// `--fail-under` / `--fail-over` entries, then the config's tables; KPI names are checked.
pub fn thresholds(under: &[String], over: &[String], config: &Config) -> Result<Vec<Threshold>> {
    let mut out = Vec::new();
    let mut add = |kpi: &str, under: bool, value: f64, origin: &str| -> Result<()> {
        let kpi = kpi.trim().to_ascii_lowercase();
        if !KPI_KEYS.contains(&kpi.as_str()) {
            return Err(usage(format!("{origin}: unknown KPI '{kpi}'; KPIs are {}", KPI_KEYS.join(", "))));
        }
        out.retain(|t: &Threshold| !(t.kpi == kpi && t.under == under));
        out.push(Threshold { kpi, under, value });
        Ok(())
    };
    for (table, under) in [(&config.scorecard.fail_under, true), (&config.scorecard.fail_over, false)] {
        for (kpi, value) in table {
            add(kpi, under, *value, if under { "[scorecard.fail_under]" } else { "[scorecard.fail_over]" })?;
        }
    }
    for (list, under, flag) in [(under, true, "--fail-under"), (over, false, "--fail-over")] {
        for entry in list {
            let (kpi, value) = entry
                .split_once('=')
                .and_then(|(k, v)| v.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (k, v)))
                .ok_or_else(|| usage(format!("{flag} takes KPI=NUMBER, e.g. nps=30; got '{entry}'")))?;
            add(kpi, under, value, flag)?;
        }
    }
    Ok(out)
}

/// Checks the KPIs against the thresholds; returns one line per breach and marks the KPIs.
pub fn check_alerts(kpis: &mut [Kpi], thresholds: &[Threshold], period: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for t in thresholds {
        let word = if t.under { "under" } else { "over" };
        match kpis.iter_mut().find(|k| k.key == t.kpi) {
            Some(k) => match k.value {
                Some(v) if (t.under && v < t.value) || (!t.under && v > t.value) => {
                    let line = format!("{} {v:.*} is {word} {} in {period}", t.kpi, k.decimals, t.value);
                    k.alert = Some(format!("{word} {}", t.value));
                    lines.push(line);
                }
                Some(_) => {}
                None => {
                    k.alert = Some("not computable".to_string());
                    lines.push(format!("{} cannot be checked against {word} {}: no value for {period}", t.kpi, t.value));
                }
            },
            None => lines.push(format!("{} cannot be checked against {word} {}: its input is not part of this scorecard", t.kpi, t.value)),
        }
    }
    lines
}

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
    if responses.is_none() && complaints.is_none() && orders.is_none() {
        return Err(usage("scorecard needs --responses, --complaints or --orders (or [scorecard] in the config)".to_string()));
    }
    let out = args
        .out
        .clone()
        .or_else(|| from_config(&sc.out))
        .ok_or_else(|| usage("scorecard needs --out DIR (or [scorecard] out = \"DIR\" in the config)".to_string()))?;
    let as_of = parse_date("--as-of", args.as_of.as_deref())?.unwrap_or_else(|| chrono::Local::now().date_naive());
    let span = parse_span(args.month.as_deref(), args.quarter.as_deref(), as_of)?;
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

/// Runs a cxstat command line inside this process; returns its result table and the input it read.
fn run_command(words: &[String], plan: &Plan, io: &mut Io) -> Result<(Report, Opened)> {
    let mut argv: Vec<String> = vec!["cxstat".into()];
    argv.extend(words.iter().cloned());
    if let Some(p) = &plan.config_path {
        argv.extend(["--config".to_string(), p.display().to_string()]);
    }
    let cli = Cli::try_parse_from(&argv).map_err(|e| usage(format!("scorecard: {}", e.to_string().trim())))?;
    match cli.command {
        Command::Survey(a) => crate::cmd::survey::report(&a, io),
        Command::Complaints(a) => crate::cmd::complaints::report(&a, io),
        Command::Repeat(a) => crate::cmd::repeat::report(&a, io),
        Command::Compare(a) => crate::cmd::compare::report(&a, io).map(|(r, _, o)| (r, o)),
        _ => unreachable!("the scorecard runs survey, complaints, repeat and compare"),
    }
}

/// The same command at the trend charts' granularity (`--period`), or its table when it already is.
fn at_trend_period(cmd: &[String], table: &Report, plan: &Plan, io: &mut Io) -> Result<Report> {
    if plan.trend == plan.span.period {
        return Ok(table.clone());
    }
    let mut words = cmd.to_vec();
    if let Some(i) = words.iter().position(|w| w == "--period") {
        words[i + 1] = plan.trend.name().to_string();
    }
    Ok(run_command(&words, plan, io)?.0)
}

fn words(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn path_text(p: &Path) -> String {
    p.display().to_string()
}

/// One row of a result table by its period label.
fn row_of<'a>(table: &'a Table, label: &str) -> Option<&'a [Cell]> {
    let at = charts::column(table, "period")?;
    table.rows.iter().find(|r| matches!(&r[at], Cell::Text(t) if t == label)).map(Vec::as_slice)
}

fn cell(table: &Table, row: Option<&[Cell]>, name: &str) -> Option<f64> {
    let at = charts::column(table, name)?;
    row.and_then(|r| number(&r[at]))
}

/// Reads a KPI out of a per-period table for the current, previous and year-ago periods
/// (`None` when the command's table has no such column, i.e. the input does not carry it).
fn kpi_from(
    table: &Table,
    spans: [&str; 3],
    (key, label, unit, decimals, higher_is_better): (&'static str, &'static str, &'static str, usize, bool),
    columns: [&str; 4],
    min_n: u64,
) -> Option<Kpi> {
    let [value, low, high, n] = columns;
    charts::column(table, value)?;
    let current = row_of(table, spans[0]);
    let base = cell(table, current, n);
    // A share (unit %) of a count: the two-proportion z-test of `compare` on the counts behind it.
    let share_p = |other: &str| {
        if unit != "%" {
            return None;
        }
        let counts = |label: &str| {
            let row = row_of(table, label);
            let (pct, n) = (cell(table, row, value)?, cell(table, row, n)?);
            Some(((pct * n / 100.0).round(), n))
        };
        let ((x1, n1), (x2, n2)) = (counts(spans[0])?, counts(other)?);
        two_proportions(x1, n1, x2, n2, 0.95).map(|c| c.p)
    };
    Some(Kpi {
        key,
        label,
        unit,
        decimals,
        higher_is_better,
        value: cell(table, current, value),
        low: cell(table, current, low),
        high: cell(table, current, high),
        n: base,
        low_base: base.is_some_and(|b| (b as u64) < min_n),
        previous: cell(table, row_of(table, spans[1]), value),
        year_ago: cell(table, row_of(table, spans[2]), value),
        p_previous: share_p(spans[1]),
        p_year_ago: share_p(spans[2]),
        alert: None,
    })
}

/// Puts the p-values of `cxstat compare`'s NPS and CES rows on their KPIs, when the rows compare
/// the scorecard's period with the previous one (or the one a year before, for `yoy`).
fn mark_tested(kpis: &mut [Kpi], tests: &Table, labels: &[String; 3], yoy: bool) {
    let text = |row: &[Cell], name: &str| {
        charts::column(tests, name).and_then(|i| match &row[i] {
            Cell::Text(t) => Some(t.clone()),
            _ => None,
        })
    };
    for row in &tests.rows {
        let key = match text(row, "metric").as_deref() {
            Some("nps") => "nps",
            Some("ces_mean") => "ces",
            _ => continue,
        };
        let against = if yoy { &labels[2] } else { &labels[1] };
        if text(row, "a").as_ref() != Some(&labels[0]) || text(row, "b").as_ref() != Some(against) {
            continue;
        }
        let p = charts::column(tests, "p_value").and_then(|i| number(&row[i]));
        if let Some(k) = kpis.iter_mut().find(|k| k.key == key) {
            if yoy {
                k.p_year_ago = p;
            } else {
                k.p_previous = p;
            }
        }
    }
}

/// A report section showing a command's result table (its CSV beside the report).
fn section(title: &str, note: String, report: &Report, csv: &str) -> Section {
    Section { title: title.to_string(), note, table: report.human.clone(), csv: csv.to_string() }
}

fn figure(stem: &str, chart: Chart) -> Result<(Figure, Chart)> {
    let figure = Figure { stem: stem.to_string(), title: chart.title().to_string(), svg: chart::svg(&chart)? };
    Ok((figure, chart))
}

/// Runs `cxstat scorecard`.
pub fn run(args: &ScorecardArgs, io: &mut Io) -> Result<()> {
    let plan = plan(args)?;
    let span = plan.span;
    let (prev, ago) = (span.previous(), span.year_ago());
    let labels = [span.label(), prev.label(), ago.label()];
    let label_refs = [labels[0].as_str(), labels[1].as_str(), labels[2].as_str()];
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

    if let Some(r) = &plan.responses {
        io.progress(&format!("scorecard {}: survey responses {}", labels[0], r.display()));
        inputs.push(path_text(r));
        let cmd = words(&["survey", &path_text(r), "--period", period_word, "--from", &from, "--to", &to]);
        let (table, _) = run_command(&cmd, &plan, io)?;
        notes.push(format!("survey KPIs: cxstat {}", cmd.join(" ")));
        let t = &table.machine;
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("csat", "CSAT (top-box %)", "%", 1, true),
            ["csat_pct", "csat_low", "csat_high", "csat_n"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(t, label_refs, ("csat_mean", "CSAT mean", "score", 2, true), ["csat_mean", "", "", "csat_n"], plan.min_n));
        kpis.extend(kpi_from(t, label_refs, ("nps", "NPS", "points", 1, true), ["nps", "nps_low", "nps_high", "nps_n"], plan.min_n));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("promoters_pct", "Promoters %", "%", 1, true),
            ["promoters_pct", "", "", "nps_n"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("ces", "CES (mean effort)", "score", 2, true),
            ["ces_mean", "ces_low", "ces_high", "ces_n"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("designation_pct", "Asked for the brand by name %", "%", 1, true),
            ["designation_pct", "designation_low", "designation_high", "designation_n"],
            plan.min_n,
        ));
        csvs.push(("survey_by_period.csv".into(), render(&table, Format::Csv)?));
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
            let (tests, _) = run_command(&cmd, &plan, io)?;
            notes.push(format!("significance of the NPS and CES changes: cxstat {}", cmd.join(" ")));
            mark_tested(&mut kpis, &tests.machine, &labels, against == "yoy");
        }
        let trend_table = at_trend_period(&cmd, &table, &plan, io)?;
        let scope = format!("{} · dates {from} to {to}", path_text(r));
        let band = format!("{} confidence interval", charts::level_text(plan.config.survey.confidence.unwrap_or(0.95)));
        // CSAT and NPS, the first two survey trends.
        for m in &crate::cmd::survey::TRENDS[..2] {
            if charts::column(&trend_table.machine, m.value).is_some() {
                let c = charts::trend(&trend_table.machine, &[], m, scope.clone(), (trend_word, band.clone()), &|_| "")?;
                figures.push(figure(&format!("{}_trend", m.name), c)?);
            }
        }
        for (k, segment) in plan.segments.iter().enumerate() {
            let cmd = words(&["survey", &path_text(r), "--by", segment, "--from", &start, "--to", &end]);
            let (by, _) = run_command(&cmd, &plan, io)?;
            let csv = format!("survey_by_{}.csv", file_stem(segment));
            csvs.push((csv.clone(), render(&by, Format::Csv)?));
            sections.push(section(&format!("Satisfaction by {segment}, {}", labels[0]), format!("cxstat {}", cmd.join(" ")), &by, &csv));
            if k == 0 && charts::column(&by.machine, "nps").is_some() {
                let c = charts::composition(
                    &by.machine,
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
        let (table, opened) = run_command(&cmd, &plan, io)?;
        notes.push(format!("complaint KPIs: cxstat {}", cmd.join(" ")));
        let t = &table.machine;
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("complaints_per_1000", "Complaints per 1,000 orders", "per 1,000", 2, false),
            ["per_1000_orders", "", "", "n"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("resolved_pct", "Resolution rate", "%", 1, true),
            ["resolved_pct", "resolved_low", "resolved_high", "n"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("resolve_hours_median", "Median hours to resolve", "hours", 1, false),
            ["resolve_h_median", "", "", "resolve_n"],
            plan.min_n,
        ));
        let sla = if charts::column(t, "sla_resolve_pct").is_some() {
            ["sla_resolve_pct", "", "", "sla_resolve_n"]
        } else {
            ["sla_response_pct", "", "", "sla_response_n"]
        };
        kpis.extend(kpi_from(t, label_refs, ("sla_pct", "SLA compliance", "%", 1, true), sla, plan.min_n));
        csvs.push(("complaints_by_period.csv".into(), render(&table, Format::Csv)?));
        let trend_metric = crate::cmd::complaints::TRENDS[0];
        if charts::column(t, "resolved_pct").is_some() {
            let scope = format!("{} · dates {from} to {to}", path_text(c));
            let band = format!("{} confidence interval", charts::level_text(plan.config.complaints.confidence.unwrap_or(0.95)));
            let trend_table = at_trend_period(&cmd, &table, &plan, io)?;
            let chart = charts::trend(&trend_table.machine, &[], &trend_metric, scope, (trend_word, band), &|_| "")?;
            figures.push(figure("resolution_trend", chart)?);
        }
        if opened.roles.get(Role::Category).is_some() {
            let cmd = words(&["complaints", &path_text(c), "--pareto", "category", "--from", &start, "--to", &end, "--as-of", &end]);
            match run_command(&cmd, &plan, io) {
                Ok((pareto, _)) => {
                    csvs.push(("complaints_pareto.csv".into(), render(&pareto, Format::Csv)?));
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
        let (table, _) = run_command(&cmd, &plan, io)?;
        notes.push(format!("loyalty KPIs: cxstat {}", cmd.join(" ")));
        let t = &table.machine;
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("repeat_rate", "Repeat-purchase rate", "%", 1, true),
            ["repeat_rate", "repeat_low", "repeat_high", "active_customers"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(
            t,
            label_refs,
            ("return_rate", "Return rate (回头率)", "%", 1, true),
            ["return_rate", "return_low", "return_high", "previous_customers"],
            plan.min_n,
        ));
        kpis.extend(kpi_from(t, label_refs, ("revenue", "Revenue", "amount", 2, true), ["revenue", "", "", "orders"], plan.min_n));
        csvs.push(("repeat_by_period.csv".into(), render(&table, Format::Csv)?));
        let m = crate::cmd::repeat::TRENDS[0];
        let band = format!("{} confidence interval", charts::level_text(plan.config.repeat.confidence.unwrap_or(0.95)));
        let trend_table = at_trend_period(&cmd, &table, &plan, io)?;
        let scope = format!("{} · dates {from} to {to}", path_text(o));
        figures.push(figure("repeat_trend", charts::trend(&trend_table.machine, &[], &m, scope, (trend_word, band), &|_| "")?)?);
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
    let tmp = tempfile::Builder::new().prefix(&format!(".{label}.new-")).tempdir_in(out).map_err(|e| fail(out, e))?;
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
    write("summary.csv", &render(&summary, Format::Csv)?)?;
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
    let old = out.join(format!(".{label}.old-{}", std::process::id()));
    let had_old = target.exists();
    if had_old {
        std::fs::rename(&target, &old).map_err(|e| fail(&target, e))?;
    }
    if let Err(e) = std::fs::rename(&built, &target) {
        if had_old {
            let _ = std::fs::rename(&old, &target);
        }
        let _ = std::fs::remove_dir_all(&built);
        return Err(fail(&target, e));
    }
    if had_old {
        let _ = std::fs::remove_dir_all(&old);
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
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
        for bad in ["2026-13", "2026", "26-1x", "last-1"] {
            assert!(parse_span(Some(bad), None, d("2026-11-02")).is_err(), "{bad}");
        }
        assert!(parse_span(None, Some("2026-Q5"), d("2026-11-02")).is_err());
    }

    #[test]
    fn alerts_fire_under_and_over_and_on_missing_values() {
        let config = Config::parse("[scorecard.fail_under]\nnps = 50\n").unwrap();
        let t = thresholds(&["csat=80".into()], &["complaints_per_1000=5".into()], &config).unwrap();
        assert_eq!(t.len(), 3);
        assert!(thresholds(&["bogus=1".into()], &[], &Config::default()).is_err());
        assert!(thresholds(&["nps".into()], &[], &Config::default()).is_err());
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
}
