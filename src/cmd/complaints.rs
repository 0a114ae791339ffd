//! `cxstat complaints FILE`: complaint handling KPIs per group, the closed-loop funnel and the
//! Pareto of causes.
//!
//! Usage: cxstat complaints complaints.csv [--by category] [--period month] [--orders orders.csv]
//!        [--sla-response 4h --sla-resolve 72h] [--business-hours 09:00-18:00 --workdays mon-fri]
//!        [--funnel | --pareto category] [--as-of DATETIME] [--strict] [--format …] [-o FILE]

use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime};

use crate::chart::{self, Chart};
use crate::cli::ChartType;
use crate::cli::ComplaintsArgs;
use crate::cli::MergeArgs;
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::{
    confidence_level, grouping_quick_first, high, key_cells, key_columns, load_config, low, open_dataset, parse_date, quote_rows,
    report_problems, with_interval, Opened, SourceOptions,
};
use crate::error::{data_err, usage};
use crate::input::clean::{parse_duration, token_of};
use crate::input::frame::ReadOptions;
use crate::input::roles::{list_headers, resolve_group_column, Kind, Role};
use crate::metrics::complaints::{
    aggregate, pareto, pareto_counts, prepare, problem_counts, problem_examples, problem_values, ComplaintCounts, ComplaintSpec,
    ComplaintSums, Prepared, Problem, Sla, STAGES,
};
use crate::metrics::grouping::{arrange_with, Group, Grouping, ResultRow, RowKind};
use crate::metrics::orders::{order_counts, OrderCounts, OrderSums};
use crate::metrics::period::Period;
use crate::metrics::worktime::WorkCalendar;
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::partials::{self, OrderPartials};
use crate::stats::intervals::share_pct as share;
use crate::Io;
use serde::{Deserialize, Serialize};

const EXAMPLES: u32 = 5;

struct Plan {
    spec: ComplaintSpec,
    grouping: Grouping,
    totals: bool,
    min_n: u64,
    confidence: f64,
    pareto: Option<String>,
}

/// Runs `cxstat complaints`.
pub fn run(args: &ComplaintsArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    let (report, plan, opened) = execute(args, io)?;
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)?;
    let Some(path) = &args.chart.chart else { return Ok(()) };
    let chart = match &plan.pareto {
        Some(column) => {
            if args.chart.chart_type.is_some_and(|t| t != ChartType::Pareto) {
                return Err(usage("with --pareto the chart is a Pareto chart (--chart-type pareto)".to_string()));
            }
            let scope = format!("{} · {}", opened.data.name, charts::date_scope(&opened, &plan.grouping, Role::Opened)?);
            charts::pareto(&report.machine, column, scope)
        }
        None => {
            if args.funnel {
                return Err(usage("--chart draws KPI trends (--period) or a Pareto (--pareto COL), not the funnel".to_string()));
            }
            kpi_chart(args, &report, &plan, &opened)?
        }
    };
    chart::write(&chart, path)
}

/// The result of `cxstat complaints` with these arguments and the input it read, without writing
/// it (for the scorecard).
pub fn report(args: &ComplaintsArgs, io: &mut Io) -> Result<(Report, Opened)> {
    let (report, _, opened) = execute(args, io)?;
    Ok((report, opened))
}

fn execute(args: &ComplaintsArgs, io: &mut Io) -> Result<(Report, Plan, Opened)> {
    let config = load_config(&args.input)?;
    let source = SourceOptions::of(&args.input);
    let (data, roles, kind) = open_dataset(&args.input.file, &source, &config, Some(Kind::Complaints), io)?;
    let opened = Opened { config, data, roles, kind };
    let mut plan = plan(args, &opened)?;
    if let Some(path) = &args.chart.chart {
        chart::ChartFormat::of(path)?;
    }
    let data = &opened.data;
    let prepared = prepare(data, &plan.spec, &plan.grouping)?;
    // The date order, where the quick readers could not read every timestamp and it was looked for.
    plan.grouping = plan.grouping.with_order_found(prepared.date_order);
    check_problems(&opened, &plan, &prepared, args.strict, io)?;

    if let Some(column) = &plan.pareto {
        let items = pareto(pareto_counts(data, &prepared, &plan.grouping, column)?);
        if items.is_empty() {
            return Err(data_err(format!("{}: no complaints in scope", data.name)));
        }
        let report = pareto_report(&items, column, &plan, &opened);
        return Ok((report, plan, opened));
    }

    let groups = aggregate(data, &prepared, &plan.spec, &plan.grouping)?;
    // The complaints' rows are no longer needed: their memory is freed, and given back to the
    // system, before the orders are read (peak memory is the larger of the two, not their sum;
    // jemalloc would keep the freed pages, 80-90 MB of the peak on the workload).
    let as_of = prepared.as_of;
    drop(prepared);
    crate::release_memory();
    warn_undated(&groups, &plan, &data.name, io);
    let rows = result_rows(&groups, &plan);
    if args.funnel && plan.spec.status.is_none() {
        return Err(data_err(format!(
            "{}: --funnel needs a status column and none was found; headers found: {}. Map one with --col status=HEADER",
            data.name,
            list_headers(&data.headers)
        )));
    }
    let orders_path = args.orders.clone().or_else(|| opened.config.complaints.orders.clone()).filter(|_| !args.funnel);
    let (rates, order_sums) = match orders_path {
        Some(path) => {
            let (rates, sums) = order_rates(&path, args, &opened, &plan, io)?;
            (Some(rates), Some(sums))
        }
        None => (None, None),
    };
    let report = complaints_report(&rows, rates.as_ref(), &plan, &data.name, args.funnel, as_of)?;
    if let Some(path) = &args.emit_partials {
        let orders = rates.as_ref().zip(order_sums).map(|(r, sums)| OrderPartials::new(r.name.clone(), &sums));
        let settings = Settings::of(&plan, as_of, args.funnel, orders.is_some());
        partials::write(path, "complaints", vec![data.name.clone()], settings, &groups, orders)?;
        if let (None, Some(t)) = (&args.as_of, as_of) {
            io.warn(&format!(
                "{}: open complaints aged to {}, the latest time in {}: partials merge only when every shard has the same --as-of",
                path.display(),
                t.format("%Y-%m-%d %H:%M:%S"),
                data.name
            ));
        }
    }
    Ok((report, plan, opened))
}

/// The groups in order with their subtotals and total (histograms added up), and their results.
fn result_rows(groups: &[Group<ComplaintSums>], plan: &Plan) -> Vec<ResultRow<ComplaintCounts>> {
    arrange_with(groups, plan.totals, ComplaintSums::sum_of)
        .into_iter()
        .map(|r| ResultRow { key: r.key, kind: r.kind, counts: r.counts.results() })
        .collect()
}

/// The KPI table or the funnel, from the result rows (the same for one run and for merged
/// partials).
fn complaints_report(
    rows: &[ResultRow<ComplaintCounts>],
    rates: Option<&Rates>,
    plan: &Plan,
    name: &str,
    funnel: bool,
    as_of: Option<NaiveDateTime>,
) -> Result<Report> {
    let in_scope: f64 = rows.iter().filter(|r| r.kind == RowKind::Group).map(|r| r.counts.n).sum();
    if in_scope == 0.0 {
        return Err(data_err(format!("{name}: no complaints to compute (no data rows in scope)")));
    }
    Ok(match funnel {
        true => funnel_report(rows, plan, name),
        false => kpi_report(rows, rates, plan, name, as_of),
    })
}

/// The settings that shape the complaints table, as partial results record them: partials
/// merge only when these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    spec: ComplaintSpec,
    date: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: Vec<String>,
    funnel: bool,
    orders: bool,
    totals: bool,
    min_n: u64,
    confidence: f64,
}

impl Settings {
    fn of(plan: &Plan, as_of: Option<NaiveDateTime>, funnel: bool, orders: bool) -> Settings {
        let g = &plan.grouping;
        Settings {
            spec: ComplaintSpec { as_of, ..plan.spec.clone() },
            date: g.date.clone(),
            from: g.from,
            to: g.to,
            by: g.by.clone(),
            funnel,
            orders,
            totals: plan.totals,
            min_n: plan.min_n,
            confidence: plan.confidence,
        }
    }

    fn plan(&self) -> Plan {
        Plan {
            spec: self.spec.clone(),
            grouping: Grouping {
                date: self.date.clone(),
                period: self.spec.period,
                from: self.from,
                to: self.to,
                by: self.by.clone(),
                ..Default::default()
            },
            totals: self.totals,
            min_n: self.min_n,
            confidence: self.confidence,
            pareto: None,
        }
    }
}

/// `cxstat merge` of complaints partials: each group's counts and time histograms added up
/// across shards, subtotals and total from those, and the orders' customers joined per period.
pub fn merge(files: &[(String, serde_json::Value)], args: &MergeArgs, io: &mut Io) -> Result<()> {
    // Open complaints are aged to the run's as-of time: shards aged to different times differ.
    let as_of = |v: &serde_json::Value| v.pointer("/settings/spec/as_of").cloned().unwrap_or_default();
    if let Some((first, first_value)) = files.first() {
        if let Some((other, value)) = files.iter().find(|(_, v)| as_of(v) != as_of(first_value)) {
            return Err(data_err(format!(
                "{other}: open complaints aged to {}, in {first} to {}: run every shard with the same --as-of",
                as_of(value),
                as_of(first_value)
            )));
        }
    }
    let combined: partials::Combined<Settings, ComplaintSums> = partials::combine(files)?;
    let plan = combined.settings.plan();
    let name = combined.inputs.join(" + ");
    warn_undated(&combined.groups, &plan, &name, io);
    let rows = result_rows(&combined.groups, &plan);
    let rates = combined.orders.map(|(names, periods)| Rates::of_sums(names.join(" + "), &periods));
    let report = complaints_report(&rows, rates.as_ref(), &plan, &name, combined.settings.funnel, plan.spec.as_of)?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
}

/// Complaint KPIs `--chart-metric` can name, the default first.
pub const TRENDS: [TrendMetric; 9] = [
    share_metric("resolved", "Resolution rate", "resolved %", ["resolved_pct", "resolved_low", "resolved_high"]),
    share_metric("fcr", "First-contact resolution", "FCR %", ["fcr_pct", "fcr_low", "fcr_high"]),
    share_metric("reopen", "Reopen rate", "reopened %", ["reopen_pct", "reopen_low", "reopen_high"]),
    share_metric("timely", "Timely response rate", "timely %", ["timely_pct", "timely_low", "timely_high"]),
    count_metric("response", "Median hours to first response", "hours (median)", "response_h_median"),
    count_metric("resolve", "Median hours to resolve", "hours (median)", "resolve_h_median"),
    share_metric("sla-response", "SLA compliance, first response", "within SLA %", ["sla_response_pct", "", ""]),
    share_metric("sla-resolve", "SLA compliance, resolution", "within SLA %", ["sla_resolve_pct", "", ""]),
    count_metric("per-1000-orders", "Complaints per 1,000 orders", "complaints per 1,000 orders", "per_1000_orders"),
];

/// A percentage with its interval columns (blank names: no interval).
const fn share_metric(name: &'static str, title: &'static str, axis: &'static str, columns: [&'static str; 3]) -> TrendMetric {
    let [value, low, high] = columns;
    let interval = !low.is_empty();
    TrendMetric {
        name,
        title,
        axis,
        value,
        low: if interval { Some(low) } else { None },
        high: if interval { Some(high) } else { None },
        limits: (0.0, 100.0),
    }
}

/// A non-negative quantity without an interval.
const fn count_metric(name: &'static str, title: &'static str, axis: &'static str, value: &'static str) -> TrendMetric {
    TrendMetric { name, title, axis, value, low: None, high: None, limits: (0.0, f64::MAX) }
}

/// The KPI trend asked for with `--chart` (needs `--period`).
fn kpi_chart(args: &ComplaintsArgs, report: &Report, plan: &Plan, opened: &Opened) -> Result<Chart> {
    let g = &plan.grouping;
    match args.chart.chart_type {
        None | Some(ChartType::Trend) => {}
        Some(ChartType::Pareto) => return Err(usage("--chart-type pareto needs --pareto COL (the cause column)".to_string())),
        Some(_) => return Err(usage("complaints draws a trend (with --period) or a Pareto (with --pareto COL)".to_string())),
    }
    if g.period.is_none() {
        return Err(usage("--chart draws complaint KPIs over time: add --period (or use --pareto COL for causes)".to_string()));
    }
    let m = charts::pick(&TRENDS, args.chart.chart_metric.as_deref(), &report.machine)?;
    let scope = format!("{} · {}", opened.data.name, charts::date_scope(opened, g, Role::Opened)?);
    let band = format!("{} confidence interval", charts::level_text(plan.confidence));
    charts::trend(&report.machine, &g.by, m, scope, (g.period.map_or("period", Period::name), band), &|_| "")
}

fn hours_flag(flag: &str, text: Option<&str>) -> Result<Option<f64>> {
    text.map(|t| {
        parse_duration(t, 'h').map(|s| s / 3600.0).ok_or_else(|| usage(format!("{flag} takes a duration such as 4h, 30m or 3d; got '{t}'")))
    })
    .transpose()
}

fn parse_datetime(flag: &str, text: &str) -> Result<NaiveDateTime> {
    let t = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(d);
        }
    }
    match parse_date(flag, Some(t))? {
        // A date alone means the end of that day.
        Some(d) => Ok(d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).expect("midnight")),
        None => Err(usage(format!("{flag} takes YYYY-MM-DD[ HH:MM[:SS]]; got '{text}'"))),
    }
}

fn plan(args: &ComplaintsArgs, opened: &Opened) -> Result<Plan> {
    let config = &opened.config;
    let roles = &opened.roles;
    let data = &opened.data;
    let Some(opened_at) = roles.get(Role::Opened) else {
        return Err(data_err(format!(
            "{}: no column for when complaints were opened; headers found: {}. Map one with --col opened=HEADER",
            data.name,
            list_headers(&data.headers)
        )));
    };
    let grouping = grouping_quick_first(&args.group, opened, Role::Opened)?;
    let get = |r: Role| roles.get(r).map(str::to_string);

    let mut by_severity = Vec::new();
    for (severity, target) in &config.sla.severity {
        let name = format!("[sla.{severity}]");
        by_severity.push((
            token_of(severity),
            hours_flag(&format!("{name} response"), target.response.as_deref())?,
            hours_flag(&format!("{name} resolve"), target.resolve.as_deref())?,
        ));
    }
    let sla = Sla {
        response: hours_flag("--sla-response", args.sla_response.as_deref().or(config.sla.response.as_deref()))?,
        resolve: hours_flag("--sla-resolve", args.sla_resolve.as_deref().or(config.sla.resolve.as_deref()))?,
        by_severity,
    };
    let calendar = match args.business_hours.as_deref().or(config.calendar.business_hours.as_deref()) {
        Some(hours) => Some(WorkCalendar::parse(
            hours,
            args.workdays.as_deref().or(config.calendar.workdays.as_deref()).unwrap_or("mon-fri"),
            &config.calendar.holidays,
            &config.calendar.extra_workdays,
        )?),
        None => {
            if args.workdays.is_some() {
                return Err(usage("--workdays needs --business-hours (or [calendar] business_hours)".to_string()));
            }
            None
        }
    };
    let mut extra_stages = Vec::new();
    for (stage, names) in &config.complaints.stages {
        let Some(k) = STAGES.iter().position(|s| *s == token_of(stage)) else {
            return Err(usage(format!("[complaints.stages]: unknown stage '{stage}'; stages are {}", STAGES.join(", "))));
        };
        extra_stages.extend(names.iter().map(|n| (n.clone(), k)));
    }
    let mut severities = config.complaints.severities.clone();
    severities.extend(config.sla.severity.keys().cloned());
    let (resolved_status, stages, severities) =
        ComplaintSpec::names(config.complaints.resolved_status.as_deref(), &extra_stages, &severities);
    let as_of = args.as_of.as_deref().map(|t| parse_datetime("--as-of", t)).transpose()?;
    let pareto = args.pareto.as_deref().map(|name| resolve_group_column(&data.headers, roles, name, "--pareto")).transpose()?;
    if pareto.is_some() && (!grouping.by.is_empty() || grouping.period.is_some()) {
        return Err(usage("--pareto ranks causes over the whole scope: use --from/--to, not --by or --period".to_string()));
    }
    let mut keep = grouping.by.clone();
    keep.extend(pareto.clone());
    let spec = ComplaintSpec {
        opened: opened_at.to_string(),
        id: get(Role::Id),
        responded: get(Role::Responded),
        resolved: get(Role::Resolved),
        status: get(Role::Status),
        severity: get(Role::Severity),
        reopened: get(Role::Reopened),
        fcr: get(Role::Fcr),
        timely: get(Role::Timely),
        resolved_status,
        stages,
        severities,
        sla,
        calendar,
        as_of,
        scope_end: grouping.to.and_then(|d| d.succ_opt()).map(|d| d.and_hms_opt(0, 0, 0).expect("midnight")),
        period: grouping.period,
        keep,
    };
    Ok(Plan {
        spec,
        totals: !args.group.no_total,
        min_n: args.group.min_n.or(config.complaints.min_n).unwrap_or(30),
        confidence: confidence_level(args.confidence, config.complaints.confidence)?,
        grouping,
        pareto,
    })
}

fn problem_text(p: Problem) -> &'static str {
    match p {
        Problem::OpenedInvalid => "invalid timestamp (expected e.g. 2026-10-03 14:05; excluded)",
        Problem::RespondedInvalid | Problem::ResolvedInvalid => "invalid timestamp (excluded from times and SLA)",
        Problem::RespondedBeforeOpened => "first response before the complaint was opened (excluded from times and SLA)",
        Problem::ResolvedBeforeOpened => "resolved before the complaint was opened (excluded from times and SLA)",
        Problem::FcrInvalid | Problem::ReopenedInvalid | Problem::TimelyInvalid => {
            "not a yes/no value (expected true/false, yes/no, 1/0, 是/否; excluded)"
        }
        Problem::UnknownSeverity => "unknown severity (no per-severity SLA target applies)",
        Problem::UnknownStatus => "unknown status (not a funnel stage nor a resolved status; map it in [complaints.stages])",
        Problem::Duplicate => "duplicate id (the first row of each id is kept, the others left out)",
        Problem::Ragged => "",
    }
}

/// Reports duplicates, invalid values and unknown names; `--strict` makes them an error.
fn check_problems(opened: &Opened, plan: &Plan, prepared: &Prepared, strict: bool, io: &mut Io) -> Result<()> {
    let data = &opened.data;
    let counts = problem_counts(data, prepared, &plan.grouping)?;
    let mut messages = Vec::new();
    for (problem, count) in counts {
        if count == 0 {
            continue;
        }
        if problem == Problem::Ragged {
            data.check_ragged(count)?;
            continue;
        }
        let Some(column) = problem.column(&plan.spec) else { continue };
        let rows = if count == 1 { "row" } else { "rows" };
        let detail = match problem {
            Problem::UnknownSeverity | Problem::UnknownStatus => {
                let values = problem_values(data, prepared, &plan.grouping, problem, &column, 8)?;
                let listed: Vec<String> = values.iter().map(|(v, n)| format!("'{v}' ({n})")).collect();
                listed.join(", ")
            }
            _ => {
                let examples = problem_examples(data, prepared, &plan.grouping, problem, &column, EXAMPLES)?;
                quote_rows(&examples, count)
            }
        };
        messages.push(format!("{}: column '{column}': {count} {rows}: {}: {detail}", data.name, problem_text(problem)));
    }
    report_problems(&messages, strict, io)
}

fn warn_undated(groups: &[Group<ComplaintSums>], plan: &Plan, name: &str, io: &mut Io) {
    let n: f64 = groups.iter().filter(|g| !g.dated).map(|g| g.counts.counts.n).sum();
    if n > 0.0 {
        io.warn(&format!(
            "{name}: {n} complaint{} no valid date in '{}' and {} left out",
            if n == 1.0 { " has" } else { "s have" },
            plan.spec.opened,
            if n == 1.0 { "was" } else { "were" }
        ));
    }
}

/// Orders and ordering customers per period (and over the scope) from the orders export.
struct Rates {
    by_period: Vec<(String, OrderCounts)>,
    total: Option<OrderCounts>,
    name: String,
}

impl Rates {
    /// The rates' base from merged partials: per period, and over all periods (the customers
    /// of every period, each once).
    fn of_sums(name: String, periods: &[Group<OrderSums>]) -> Rates {
        let dated = || periods.iter().filter(|g| g.dated);
        let by_period = dated().filter_map(|g| g.key.period.clone().map(|p| (p, g.counts.counts()))).collect();
        let mut customers: Vec<&String> = dated().flat_map(|g| &g.counts.customers).collect();
        customers.sort_unstable();
        customers.dedup();
        let orders = dated().map(|g| g.counts.orders).sum();
        Rates { by_period, total: Some(OrderCounts::new(orders, customers.len() as f64)), name }
    }

    fn for_row(&self, row: &ResultRow<ComplaintCounts>) -> Option<OrderCounts> {
        match (&row.key.period, row.kind) {
            (Some(p), RowKind::Group | RowKind::PeriodTotal) => {
                Some(self.by_period.iter().find(|(k, _)| k == p).map_or_else(OrderCounts::default, |(_, c)| *c))
            }
            _ => self.total,
        }
    }
}

/// The orders and ordering customers of every period; with `--emit-partials`, also each
/// period's [`OrderSums`].
fn order_rates(
    path: &std::path::Path,
    args: &ComplaintsArgs,
    opened: &Opened,
    plan: &Plan,
    io: &mut Io,
) -> Result<(Rates, Vec<Group<OrderSums>>)> {
    let source =
        SourceOptions { read: ReadOptions { streaming: args.input.streaming, ..ReadOptions::default() }, columns: &args.orders_columns };
    let (data, roles, _) = open_dataset(path, &source, &opened.config, Some(Kind::Orders), io)?;
    let spec = crate::cmd::order_spec(&data, &roles, "--orders-col", false)?;
    let (levels, sums) = order_counts(&data, &spec, &plan.grouping, args.emit_partials.is_some())?;
    if let Some(undated) = levels.undated() {
        io.warn(&format!("{}: {} orders have no valid date in '{}' and are not counted", data.name, undated.orders, spec.ordered));
    }
    let dated = |g: &&crate::metrics::grouping::Group<OrderCounts>| g.dated;
    let by_period = levels.groups.iter().filter(dated).filter_map(|g| g.key.period.clone().map(|p| (p, g.counts))).collect();
    let total = if plan.grouping.period.is_none() && levels.total.is_empty() {
        levels.groups.iter().find(|g| g.dated).map(|g| g.counts)
    } else {
        levels.total.iter().find(|g| g.dated).map(|g| g.counts)
    };
    Ok((Rates { by_period, total: Some(total.unwrap_or_default()), name: data.name }, sums))
}

fn per_1000(n: f64, base: f64) -> Option<f64> {
    (base > 0.0).then(|| 1000.0 * n / base)
}

fn kpi_report(rows: &[ResultRow<ComplaintCounts>], rates: Option<&Rates>, plan: &Plan, name: &str, as_of: Option<NaiveDateTime>) -> Report {
    let spec = &plan.spec;
    let g = &plan.grouping;
    let level = format!("{}%", (plan.confidence * 100.0 * 10.0).round() / 10.0);
    let mut machine = key_columns(g);
    let mut human = key_columns(g);
    machine.extend(["n", "low_base"].map(String::from));
    human.push("n".into());
    if spec.has_resolution() {
        machine.extend(["open_at_end", "resolved_n", "resolved_pct", "resolved_low", "resolved_high"].map(String::from));
        human.extend(["open".into(), format!("resolved % ({level} CI)")]);
    }
    for (on, name, label) in [
        (spec.fcr.is_some(), "fcr", "FCR %"),
        (spec.reopened.is_some(), "reopen", "reopen %"),
        (spec.timely.is_some(), "timely", "timely %"),
    ] {
        if on {
            machine.extend([format!("{name}_n"), format!("{name}_pct"), format!("{name}_low"), format!("{name}_high")]);
            human.push(label.to_string());
        }
    }
    let unit = if spec.calendar.is_some() { "working h" } else { "h" };
    for (on, name, label) in [(spec.responded.is_some(), "response", "1st response"), (spec.has_resolve_times(), "resolve", "resolve")] {
        if on {
            machine.extend(["n", "h_median", "h_p90", "h_mean"].map(|s| format!("{name}_{s}")));
            human.extend([format!("{label} {unit} median"), format!("{label} {unit} p90")]);
        }
    }
    if spec.sla_response() {
        machine.extend(["sla_response_n", "sla_response_pct"].map(String::from));
        human.push("SLA response %".into());
    }
    if spec.sla_resolve() {
        machine.extend(["sla_resolve_n", "sla_resolve_pct"].map(String::from));
        human.push("SLA resolve %".into());
    }
    if rates.is_some() {
        machine.extend(["orders", "ordering_customers", "per_1000_orders", "per_1000_customers"].map(String::from));
        human.extend(["per 1k orders".into(), "per 1k customers".into()]);
    }
    human.push("note".into());

    let mut machine_rows = Vec::new();
    let mut human_rows = Vec::new();
    for row in rows {
        let c = &row.counts;
        let mut m = key_cells(&row.key, row.kind, g);
        let mut h = m.clone();
        m.extend([Cell::Int(c.n as i64), Cell::Bool((c.n as u64) < plan.min_n)]);
        h.push(Cell::Int(c.n as i64));
        if spec.has_resolution() {
            let open = if g.period.is_some() && row.kind != RowKind::Total { c.open_end } else { c.open_scope };
            let (pct, ci) = share(c.resolved, c.n, plan.confidence);
            m.extend([Cell::Int(open as i64), Cell::Int(c.resolved as i64), Cell::num(pct, 1), low(ci), high(ci)]);
            h.extend([Cell::Int(open as i64), with_interval(pct, ci, 1, false)]);
        }
        for (on, yes, n) in [
            (spec.fcr.is_some(), c.fcr_yes, c.fcr_n),
            (spec.reopened.is_some(), c.reopen_yes, c.reopen_n),
            (spec.timely.is_some(), c.timely_yes, c.timely_n),
        ] {
            if on {
                let (pct, ci) = share(yes, n, plan.confidence);
                m.extend([Cell::Int(n as i64), Cell::num(pct, 1), low(ci), high(ci)]);
                h.push(Cell::num(pct, 1));
            }
        }
        for (on, d) in [(spec.responded.is_some(), c.resp), (spec.has_resolve_times(), c.resol)] {
            if on {
                m.extend([Cell::Int(d.n as i64), Cell::num(d.median, 1), Cell::num(d.p90, 1), Cell::num(d.mean, 1)]);
                h.extend([Cell::num(d.median, 1), Cell::num(d.p90, 1)]);
            }
        }
        for (on, met, n) in [(spec.sla_response(), c.sla_resp_met, c.sla_resp_n), (spec.sla_resolve(), c.sla_resol_met, c.sla_resol_n)] {
            if on {
                let pct = (n > 0.0).then(|| 100.0 * met / n);
                m.extend([Cell::Int(n as i64), Cell::num(pct, 1)]);
                h.push(Cell::num(pct, 1));
            }
        }
        if let Some(rates) = rates {
            let o = rates.for_row(row).unwrap_or_default();
            let (po, pc) = (per_1000(c.n, o.orders), per_1000(c.n, o.customers));
            m.extend([Cell::Int(o.orders as i64), Cell::Int(o.customers as i64), Cell::num(po, 2), Cell::num(pc, 2)]);
            h.extend([Cell::num(po, 2), Cell::num(pc, 2)]);
        }
        let low_base = (c.n as u64) < plan.min_n;
        h.push(Cell::Text(if low_base { format!("low base (n < {})", plan.min_n) } else { String::new() }));
        machine_rows.push(m);
        human_rows.push(h);
    }
    let mut caption = vec![format!("{name} · complaints opened '{}'", spec.opened)];
    let mut notes = Vec::new();
    if let Some(t) = as_of {
        notes.push(format!("open complaints aged to {}", t.format("%Y-%m-%d %H:%M")));
    }
    if let Some(c) = &spec.calendar {
        notes.push(format!(
            "working hours {:02}:{:02}–{:02}:{:02}, {} holiday(s)",
            c.start_ms / 3_600_000,
            c.start_ms / 60_000 % 60,
            c.end_ms / 3_600_000,
            c.end_ms / 60_000 % 60,
            c.holidays.len()
        ));
    }
    if spec.resolved.is_none() && spec.status.is_some() {
        notes.push("resolution from the status column".to_string());
    }
    if let Some(r) = rates {
        notes.push(format!("orders from {}", r.name));
    }
    if !notes.is_empty() {
        caption.push(notes.join(" · "));
    }
    if g.from.is_some() || g.to.is_some() {
        caption.push(format!("dates {} to {}", date_or(g.from, "start"), date_or(g.to, "end")));
    }
    Report {
        machine: Table { columns: machine, rows: machine_rows },
        human: Table { columns: human, rows: human_rows },
        caption,
        ..Default::default()
    }
}

fn date_or(d: Option<NaiveDate>, default: &str) -> String {
    d.map_or(default.to_string(), |d| d.to_string())
}

fn funnel_report(rows: &[ResultRow<ComplaintCounts>], plan: &Plan, name: &str) -> Report {
    let g = &plan.grouping;
    let mut columns = key_columns(g);
    columns.extend(["stage", "at_stage", "reached", "reached_pct", "from_previous_pct"].map(String::from));
    let mut table_rows = Vec::new();
    for row in rows {
        let c = &row.counts;
        let known: f64 = c.stages.iter().sum();
        for (k, stage) in STAGES.iter().enumerate() {
            // A complaint at a stage has passed every stage before it.
            let reached: f64 = c.stages[k..].iter().sum();
            let before: f64 = if k == 0 { known } else { c.stages[k - 1..].iter().sum() };
            let mut cells = key_cells(&row.key, row.kind, g);
            cells.extend([
                Cell::Text(stage.to_string()),
                Cell::Int(c.stages[k] as i64),
                Cell::Int(reached as i64),
                Cell::num((known > 0.0).then(|| 100.0 * reached / known), 1),
                Cell::num((before > 0.0).then(|| 100.0 * reached / before), 1),
            ]);
            table_rows.push(cells);
        }
        if c.stage_unknown > 0.0 {
            let mut cells = key_cells(&row.key, row.kind, g);
            cells.extend([Cell::Text("(unknown)".into()), Cell::Int(c.stage_unknown as i64), Cell::Null, Cell::Null, Cell::Null]);
            table_rows.push(cells);
        }
    }
    let table = Table { columns, rows: table_rows };
    Report {
        machine: table.clone(),
        human: table,
        caption: vec![format!(
            "{name} · closed loop by status '{}': reached = at this stage or later",
            plan.spec.status.as_deref().unwrap_or("")
        )],
        ..Default::default()
    }
}

fn pareto_report(items: &[crate::metrics::complaints::ParetoItem], column: &str, plan: &Plan, opened: &Opened) -> Report {
    let columns = vec![column.to_string(), "count".into(), "share_pct".into(), "cumulative_pct".into(), "vital_few".into()];
    let machine_rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|i| {
            vec![
                Cell::Text(i.value.clone().unwrap_or_else(|| "(blank)".into())),
                Cell::Int(i.count as i64),
                Cell::Num(i.share_pct, 1),
                Cell::Num(i.cumulative_pct, 1),
                Cell::Bool(i.vital),
            ]
        })
        .collect();
    let human_rows = machine_rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r[4] = Cell::Text(if r[4] == Cell::Bool(true) { "vital few".into() } else { String::new() });
            r
        })
        .collect();
    let vital = items.iter().filter(|i| i.vital).count();
    let mut caption =
        vec![format!("{} · Pareto of '{column}': {vital} of {} causes make up 80% of complaints", opened.data.name, items.len())];
    if plan.grouping.from.is_some() || plan.grouping.to.is_some() {
        caption.push(format!("dates {} to {}", date_or(plan.grouping.from, "start"), date_or(plan.grouping.to, "end")));
    }
    Report {
        machine: Table { columns: columns.clone(), rows: machine_rows },
        human: Table { columns, rows: human_rows },
        caption,
        ..Default::default()
    }
}
