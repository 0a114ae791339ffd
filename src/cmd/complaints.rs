//! `cxstat complaints FILE`: complaint handling KPIs per group, the closed-loop funnel and the
//! Pareto of causes.
//!
//! Usage: cxstat complaints complaints.csv [--by category] [--period month] [--orders orders.csv]
//!        [--sla-response 4h --sla-resolve 72h] [--business-hours 09:00-18:00 --workdays mon-fri]
//!        [--funnel | --pareto category] [--as-of DATETIME] [--strict] [--format …] [-o FILE]

use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::chart::{self, Chart};
use crate::cli::values::{self, in_config};
use crate::cli::{ChartType, ComplaintsArgs, InputArgs, MergeArgs, SqlOptions};
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::engine::{
    check_encoding, refuse_local_timestamps, refuse_options, sample_input, LocalOnly, Query, SqlOutcome, ORDER_COLUMNS,
};
use crate::cmd::{
    check_dates, confidence_level, grouping_quick_first, key_cells, key_columns, low_base_note, open_checked, open_dataset, quote_rows,
    report_problems, Opened, Outcome, SourceOptions,
};
use crate::error::{data_err, usage};
use crate::input::clean::token_of;
use crate::input::config::Config;
use crate::input::frame::ReadOptions;
use crate::input::roles::{list_headers, resolve_group_column, Kind, Origin, Role};
use crate::metrics::complaints::kpis::{self, ComplaintRow, FunnelRow, Rates};
use crate::metrics::complaints::pareto::{pareto, pareto_counts, ParetoItem};
use crate::metrics::complaints::problems::{problem_counts, problem_examples, problem_values, rows_in_scope, Problem};
use crate::metrics::complaints::{aggregate, hours_of_ms, prepare, ComplaintCounts, ComplaintSpec, ComplaintSums, Prepared, Sla, STAGES};
use crate::metrics::grouping::{Group, GroupKey, Grouping, ResultRow};
use crate::metrics::orders::{order_counts, OrderCounts, OrderSums};
use crate::metrics::period::{index_label, Period};
use crate::metrics::worktime::WorkCalendar;
use crate::output::columns::{always, shown_keys, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::partials::{self, OrderPartials};
use crate::sql::result::ResultTable;
use crate::stats::histogram::Histogram;
use crate::Io;

const EXAMPLES: u32 = 5;

struct Plan {
    spec: ComplaintSpec,
    grouping: Grouping,
    totals: bool,
    min_n: u64,
    confidence: f64,
    pareto: Option<String>,
    /// Complaints per 1,000 orders and ordering customers (an orders file was given).
    orders: bool,
}

/// Runs `cxstat complaints`.
pub fn run(args: &ComplaintsArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let (report, _, plan, opened) = execute(args, io)?;
    emit(&report, format, args.output.target(), io)?;
    let Some(path) = &args.chart.chart else { return Ok(()) };
    let chart = match &plan.pareto {
        Some(column) => {
            if args.chart.chart_type.is_some_and(|t| t != ChartType::Pareto) {
                return Err(usage("with --pareto the chart is a Pareto chart (--chart-type pareto)".to_string()));
            }
            let scope = format!("{} · {}", opened.data.name, charts::date_scope(&opened, &plan.grouping, Role::Opened)?.0);
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
pub fn report(args: &ComplaintsArgs, io: &mut Io) -> Result<Outcome<ComplaintRow>> {
    let (report, rows, plan, opened) = execute(args, io)?;
    Ok(Outcome { report, rows, shown: shown_keys(KPI_COLUMNS, &plan), opened })
}

/// The report, and the KPI rows (none for the funnel and the Pareto).
fn execute(args: &ComplaintsArgs, io: &mut Io) -> Result<(Report, Vec<ComplaintRow>, Plan, Opened)> {
    let (opened, handling) = open_checked(&args.input, Some(Kind::Complaints), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if args.pareto.is_some() && (!args.group.by.is_empty() || args.group.period.is_some()) {
            return Err(usage("--pareto ranks causes over the whole scope: use --from/--to, not --by or --period".to_string()));
        }
        if let Some(path) = &args.chart.chart {
            chart::ChartFormat::of(path)?;
        }
        handling(args, config)
    })?;
    let mut plan = plan(args, &opened, handling)?;
    let data = &opened.data;
    if let Some(warning) = counts_only(&plan.spec, &data.name, &data.headers) {
        io.warn(&warning);
    }
    let prepared = prepare(data, &plan.spec, &plan.grouping)?;
    // The date order, where the quick readers could not read every timestamp and it was looked for.
    plan.grouping = plan.grouping.with_order_found(prepared.date_order);
    check_problems(&opened, &plan, &prepared, args.stats.strict, io)?;

    if let Some(column) = &plan.pareto {
        let items = pareto(pareto_counts(data, &prepared, &plan.grouping, column)?);
        if items.is_empty() {
            return Err(data_err(format!("{}: no complaints in scope", data.name)));
        }
        let report = pareto_report(&items, column, &plan, &opened);
        return Ok((report, Vec::new(), plan, opened));
    }

    let groups = aggregate(data, &prepared, &plan.spec, &plan.grouping)?;
    // The complaints' rows are no longer needed: their memory is freed, and given back to the
    // system, before the orders are read (peak memory is the larger of the two, not their sum;
    // jemalloc would keep the freed pages; BENCHMARKS.md, commit a33e370).
    let as_of = prepared.as_of;
    drop(prepared);
    crate::release_memory();
    warn_undated(&groups, &plan, &data.name, io);
    let rows = kpis::result_rows(&groups, plan.totals);
    if args.funnel && plan.spec.status.is_none() {
        return Err(data_err(format!(
            "{}: --funnel needs a status column and none was found; headers found: {}. Map one with --col status=HEADER",
            data.name,
            list_headers(&data.headers)
        )));
    }
    let orders_path = args.orders.clone().or_else(|| opened.config.complaints.orders.clone()).filter(|_| !args.funnel);
    plan.orders = orders_path.is_some();
    let (rates, order_sums) = match orders_path {
        Some(path) => {
            let (rates, sums) = order_rates(&path, args, &opened, &plan, io)?;
            (Some(rates), Some(sums))
        }
        None => (None, None),
    };
    let (report, rows) = complaints_report(&rows, rates.as_ref(), &plan, &data.name, args.funnel, as_of)?;
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
    Ok((report, rows, plan, opened))
}

/// The KPI table (and its rows) or the funnel, from the result rows (the same for one run and for
/// merged partials).
fn complaints_report(
    rows: &[ResultRow<ComplaintCounts>],
    rates: Option<&Rates>,
    plan: &Plan,
    name: &str,
    funnel: bool,
    as_of: Option<NaiveDateTime>,
) -> Result<(Report, Vec<ComplaintRow>)> {
    if kpis::in_scope(rows) == 0.0 {
        return Err(data_err(format!("{name}: no complaints to compute (no data rows in scope)")));
    }
    if funnel {
        return Ok((funnel_report(&kpis::funnel_rows(rows), plan, name), Vec::new()));
    }
    let rows = kpis::kpi_rows(rows, plan.grouping.period.is_some(), rates, plan.confidence);
    Ok((kpi_report(&rows, rates, plan, name, as_of), rows))
}

/// The settings that shape the complaints table, as partial results record them: partials
/// merge only when these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
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
            orders: self.orders,
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
    let rows = kpis::result_rows(&combined.groups, plan.totals);
    let rates = combined.orders.map(|(names, periods)| Rates::of_sums(names.join(" + "), &periods));
    let (report, _) = complaints_report(&rows, rates.as_ref(), &plan, &name, combined.settings.funnel, plan.spec.as_of)?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    emit(&report, format, args.output.target(), io)
}

/// `cxstat sql complaints`: the query of every group's counts and exact time histograms (and
/// with `--orders-table` the orders' counts per period), with the settings of the run it stands
/// for. Working-hours durations, the Pareto and what only cxstat's readers read are refused.
pub(crate) fn sql(args: &ComplaintsArgs, orders_table: Option<&str>, options: &SqlOptions, io: &mut Io) -> Result<Query<Settings>> {
    let local = LocalOnly::of(&args.chart, &args.emit_partials, &args.output, args.group.date_order.is_some(), &args.input);
    refuse_options(
        local,
        &[
            (args.pareto.is_some(), "--pareto", "a Pareto of causes needs each cause's rows; run cxstat complaints on the data"),
            (args.business_hours.is_some() || args.workdays.is_some(), "--business-hours or --workdays", WORKING_HOURS),
            (args.orders.is_some(), "--orders FILE", "name the orders table with --orders-table"),
        ],
    )?;
    let (opened, handling) = open_checked(&args.input, Some(Kind::Complaints), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if config.calendar.business_hours.is_some() {
            return Err(usage(format!("the config's [calendar] asks for working hours: {WORKING_HOURS}")));
        }
        if config.complaints.orders.is_some() && orders_table.is_none() {
            return Err(usage("the config's [complaints] orders names an orders file: name the orders table with --orders-table"));
        }
        handling(args, config)
    })?;
    let plan = plan(args, &opened, handling)?;
    let data = &opened.data;
    if let Some(warning) = counts_only(&plan.spec, &data.name, &data.headers) {
        io.warn(&warning);
    }
    check_encoding(data)?;
    for column in [Some(&plan.spec.opened), plan.spec.responded.as_ref(), plan.spec.resolved.as_ref()].into_iter().flatten() {
        refuse_local_timestamps(data, column)?;
    }
    let orders = match orders_table {
        Some(table) => {
            let input = sample_input(
                &InputArgs { file: None, columns: args.orders_columns.clone(), ..args.input.clone() },
                &SqlOptions { table_columns: Vec::new(), ..options.clone() },
                ORDER_COLUMNS,
            )?;
            let source = SourceOptions::of(&input.args);
            let (data, roles, _) =
                open_dataset(input.args.path(), &source, &opened.config, Some(Kind::Orders), io).map_err(|e| input.named(e))?;
            let spec = crate::cmd::order_spec(&data, &roles, "--orders-col", false).map_err(|e| input.named(e))?;
            Some((table.to_string(), spec))
        }
        None => None,
    };
    let table = options.table.clone().unwrap_or_else(|| "complaints".to_string());
    let mut columns = vec!["part".to_string()];
    columns.extend(crate::sql::key_names(&plan.grouping));
    columns.extend(crate::sql::complaints::statistics());
    let sql =
        crate::sql::complaints::query(options.dialect, &table, &plan.spec, &plan.grouping, orders.as_ref().map(|(t, s)| (t.as_str(), s)));
    let mut tables = vec![table];
    tables.extend(orders.as_ref().map(|(t, _)| t.clone()));
    let mut plan = plan;
    plan.orders = orders.is_some();
    // A status column found by its name alone is checked on the result (as a local run checks it).
    let guessed: Vec<String> = plan
        .spec
        .status
        .iter()
        .filter(|s| opened.roles.role_of(s).is_some_and(|(_, origin)| origin == Origin::Recognised))
        .map(|_| "status".to_string())
        .collect();
    Ok(Query {
        command: "complaints",
        dialect: options.dialect,
        sql,
        tables,
        columns,
        settings: Settings::of(&plan, plan.spec.as_of, args.funnel, orders.is_some()),
        max_invalid: None,
        guessed,
        strict: args.stats.strict,
    })
}

/// Why working hours are refused by `cxstat sql`.
const WORKING_HOURS: &str =
    "durations in working hours need the calendar's arithmetic on every complaint; run cxstat complaints on the data";

/// `cxstat merge PLAN RESULT` of a complaints plan: each group's counts and time histograms as
/// the engine made them, the orders' counts per period, and the table made from them as from a
/// local run's.
pub(crate) fn from_sql(name: &str, value: &serde_json::Value, result: &ResultTable, io: &mut Io) -> Result<SqlOutcome<ComplaintRow>> {
    let sql_plan: partials::SqlPlan<Settings> = partials::plan_of(name, value)?;
    let index = result.require(&sql_plan.columns)?;
    let at = |n: &str| sql_plan.columns.iter().position(|c| c == n).map(|k| index[k]);
    let column = |n: &str| at(n).unwrap_or(0);
    let mut settings = sql_plan.settings.clone();
    if settings.spec.as_of.is_none() {
        // The latest time the engine found (milliseconds since 1970).
        let found = (0..result.rows.len()).find_map(|i| result.integer(i, column("as_of_ms")).transpose());
        settings.spec.as_of = found.transpose()?.and_then(chrono::DateTime::from_timestamp_millis).map(|t| t.naive_utc());
    }
    let plan = settings.plan();
    let mut groups: Vec<Group<ComplaintSums>> = Vec::new();
    let mut times: std::collections::BTreeMap<(GroupKey, bool, bool), Vec<(i64, u64)>> = Default::default();
    let mut by_period = Vec::new();
    let mut total = OrderCounts::default();
    let mut problems = [0u64; crate::sql::complaints::PROBLEMS.len()];
    for i in 0..result.rows.len() {
        let get = |n: &str| at(n).map_or(Ok(0.0), |c| result.number(i, c));
        let (key, dated) = crate::sql::group_key(result, i, &plan.grouping, &at)?;
        match result.text(i, column("part")) {
            Some("group") => {
                let mut c = ComplaintCounts { n: get("n")?, ..Default::default() };
                for (v, n) in [
                    (&mut c.resolved, "resolved"),
                    (&mut c.open_scope, "open_scope"),
                    (&mut c.open_end, "open_end"),
                    (&mut c.fcr_yes, "fcr_yes"),
                    (&mut c.fcr_n, "fcr_n"),
                    (&mut c.reopen_yes, "reopen_yes"),
                    (&mut c.reopen_n, "reopen_n"),
                    (&mut c.timely_yes, "timely_yes"),
                    (&mut c.timely_n, "timely_n"),
                    (&mut c.sla_resp_met, "sla_resp_met"),
                    (&mut c.sla_resp_n, "sla_resp_n"),
                    (&mut c.sla_resol_met, "sla_resol_met"),
                    (&mut c.sla_resol_n, "sla_resol_n"),
                    (&mut c.stage_unknown, "stage_unknown"),
                ] {
                    *v = get(n)?;
                }
                for (k, v) in c.stages.iter_mut().enumerate() {
                    *v = get(&format!("stage{k}"))?;
                }
                for (k, p) in crate::sql::complaints::PROBLEMS.iter().enumerate() {
                    problems[k] += get(p)? as u64;
                }
                groups.push(Group { key, dated, counts: ComplaintSums { counts: c, ..Default::default() } });
            }
            Some(part @ ("response" | "resolve")) => {
                let ms = result.integer(i, column("ms"))?.unwrap_or(-1);
                let n = get("n")?;
                times.entry((key, dated, part == "resolve")).or_default().push((ms, n as u64));
            }
            Some("orders") => {
                let label = result.integer(i, column("period"))?.zip(plan.grouping.period).map(|(k, p)| index_label(k, p));
                let counts = OrderCounts::new(get("orders")?, get("customers")?);
                by_period.extend(label.map(|l| (l, counts)));
            }
            Some("orders_total") => total = OrderCounts::new(get("orders")?, get("customers")?),
            other => {
                return Err(data_err(format!(
                    "{}: row {}: part '{}' is not group, response, resolve, orders or orders_total; not the result of this plan's query",
                    result.name,
                    i + 2,
                    crate::error::printable(other.unwrap_or(""))
                )))
            }
        }
    }
    for ((key, dated, resolve), mut entries) in times {
        let Some(g) = groups.iter_mut().find(|g| g.key == key && g.dated == dated) else {
            return Err(data_err(format!("{}: durations of a group with no counts row; not the result of this plan's query", result.name)));
        };
        entries.sort_by_key(|e| e.0);
        let ms: Vec<i64> = entries.iter().map(|e| e.0).collect();
        let histogram = Histogram { hours: hours_of_ms(&ms)?, counts: entries.iter().map(|e| e.1).collect() };
        *(if resolve { &mut g.counts.resolve_hours } else { &mut g.counts.response_hours }) = histogram;
    }
    for g in &groups {
        if let Some(problem) = partials::Checked::problem(&g.counts, &settings) {
            return Err(data_err(format!(
                "{}: {}: {}; not the result of this plan's query",
                result.name,
                partials::label_of(&g.key.period, &g.key.by),
                crate::error::printable(&problem)
            )));
        }
    }
    let name = sql_plan.tables.first().cloned().unwrap_or_default();
    let unknown = problems[crate::sql::complaints::PROBLEMS.iter().position(|p| *p == "status_unknown").unwrap_or(0)];
    let rows: f64 = groups.iter().map(|g| g.counts.counts.n).sum();
    if let (true, Some(status)) = (sql_plan.guessed.iter().any(|g| g == "status"), &plan.spec.status) {
        if unknown > 0 && unknown as f64 * 2.0 >= rows {
            return Err(data_err(format!(
                "{name}: column '{status}' was taken as the status by its name, but {unknown} of {rows} rows' values are not statuses \
                 (the engine counted them; SELECT {status}, COUNT(*) … GROUP BY 1 lists them); map the status column with \
                 --col status=HEADER in cxstat sql"
            )));
        }
    }
    let messages: Vec<String> = crate::sql::complaints::PROBLEMS
        .iter()
        .zip(problems)
        .filter(|(_, n)| *n > 0)
        .map(|(p, n)| format!("{name}: {n} row{} with {}, counted by the engine", if n == 1 { "" } else { "s" }, p.replace('_', " ")))
        .collect();
    report_problems(&messages, sql_plan.strict, io)?;
    warn_undated(&groups, &plan, &name, io);
    let rows = kpis::result_rows(&groups, plan.totals);
    let rates = settings.orders.then(|| Rates { by_period, total, name: sql_plan.tables.get(1).cloned().unwrap_or_default() });
    let (report, rows) = complaints_report(&rows, rates.as_ref(), &plan, &name, settings.funnel, plan.spec.as_of)?;
    Ok(SqlOutcome { report, rows, shown: shown_keys(KPI_COLUMNS, &plan) })
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
    let (dates, span) = charts::date_scope(opened, g, Role::Opened)?;
    let scope = format!("{} · {dates}", opened.data.name);
    let band = format!("{} confidence interval", charts::level_text(plan.confidence));
    let marks = charts::partial_marks(&report.machine, g.period, span);
    charts::trend(&report.machine, &g.by, m, scope, (g.period.map_or("period", Period::name), band), &marks)
}

/// What the flags and the config say of complaint handling, checked before the input is opened.
struct Handling {
    sla: Sla,
    calendar: Option<WorkCalendar>,
    resolved_status: Vec<String>,
    stages: Vec<(String, usize)>,
    severities: Vec<String>,
    confidence: f64,
}

fn handling(args: &ComplaintsArgs, config: &Config) -> Result<Handling> {
    let hours = |flag: Option<f64>, text: &Option<String>, setting: &str| match (flag, text) {
        (Some(h), _) => Ok(Some(h)),
        (None, Some(t)) => in_config(values::hours, setting, t).map(Some),
        (None, None) => Ok(None),
    };
    let mut by_severity = Vec::new();
    for (severity, target) in &config.sla.severity {
        let name = format!("[sla.{severity}]");
        by_severity.push((
            token_of(severity),
            hours(None, &target.response, &format!("{name} response"))?,
            hours(None, &target.resolve, &format!("{name} resolve"))?,
        ));
    }
    let sla = Sla {
        response: hours(args.sla_response, &config.sla.response, "[sla] response")?,
        resolve: hours(args.sla_resolve, &config.sla.resolve, "[sla] resolve")?,
        by_severity,
    };
    let calendar_config = &config.calendar;
    let working_hours = match (args.business_hours, &calendar_config.business_hours) {
        (Some(h), _) => Some(h),
        (None, Some(t)) => Some(in_config(values::business_hours, "[calendar] business_hours", t)?),
        (None, None) => None,
    };
    let calendar = match working_hours {
        Some(hours) => {
            let days = match (args.workdays, &calendar_config.workdays) {
                (Some(d), _) => d,
                (None, Some(t)) => in_config(values::workdays, "[calendar] workdays", t)?,
                (None, None) => values::workdays("mon-fri").expect("mon-fri"),
            };
            Some(WorkCalendar::new(hours, days, &calendar_config.holidays, &calendar_config.extra_workdays)?)
        }
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
    let confidence = confidence_level(args.stats.confidence, config.complaints.confidence, "[complaints] confidence")?;
    Ok(Handling { sla, calendar, resolved_status, stages, severities, confidence })
}

fn plan(args: &ComplaintsArgs, opened: &Opened, handling: Handling) -> Result<Plan> {
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

    let Handling { sla, calendar, resolved_status, stages, severities, confidence } = handling;
    let as_of = args.as_of;
    let pareto = args.pareto.as_deref().map(|name| resolve_group_column(&data.headers, roles, name, "--pareto")).transpose()?;
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
        date_order: args.group.date_order,
        keep,
    };
    Ok(Plan {
        spec,
        totals: !args.group.no_total,
        min_n: args.group.min_n.or(config.complaints.min_n).unwrap_or(30),
        confidence,
        grouping,
        pareto,
        orders: false,
    })
}

/// A file with an opened date but none of the handling columns (first response, resolution,
/// status, category…) gives counts only: said, so that a survey or an order file taken for a
/// complaint log by mistake does not pass for one.
fn counts_only(spec: &ComplaintSpec, file: &str, headers: &[String]) -> Option<String> {
    let handling = [&spec.responded, &spec.resolved, &spec.status, &spec.severity, &spec.reopened, &spec.fcr, &spec.timely];
    if handling.iter().any(|c| c.is_some()) {
        return None;
    }
    Some(format!(
        "{file}: only '{}' was recognised (as when complaints were opened): no response, resolution or status \
         column; headers found: {}. Only counts are given: map the others with --col responded=HEADER, \
         --col resolved=HEADER, --col status=HEADER",
        spec.opened,
        list_headers(headers)
    ))
}

/// What a problem's rows are, and what becomes of them; `dated`: the run groups or filters by
/// the opened date (a complaint without a valid one is then left out; otherwise it counts, with
/// no times).
fn problem_text(p: Problem, dated: bool) -> &'static str {
    match p {
        Problem::OpenedInvalid if dated => "invalid timestamp (expected e.g. 2026-10-03 14:05; left out)",
        Problem::OpenedInvalid => "invalid timestamp (expected e.g. 2026-10-03 14:05; counted, but left out of times and SLA)",
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
                // A column taken as the status by its name alone (a US 'State') whose values are
                // mostly not statuses would make every complaint open: not guessed further.
                let guessed = opened.roles.role_of(&column).is_some_and(|(_, origin)| origin == Origin::Recognised);
                if problem == Problem::UnknownStatus && guessed && count * 2 >= rows_in_scope(data, prepared, &plan.grouping)? {
                    return Err(data_err(format!(
                        "{}: column '{column}' was taken as the status by its name, but {count} rows' values are not \
                         statuses ({}); map the status column with --col status=HEADER (headers found: {})",
                        data.name,
                        listed.join(", "),
                        list_headers(&data.headers)
                    )));
                }
                listed.join(", ")
            }
            _ => {
                let examples = problem_examples(data, prepared, &plan.grouping, problem, &column, EXAMPLES)?;
                quote_rows(&examples, count)
            }
        };
        messages.push(format!(
            "{}: column '{column}': {count} {rows}: {}: {detail}",
            data.name,
            problem_text(problem, plan.grouping.uses_date())
        ));
    }
    report_problems(&messages, strict, io)
}

fn warn_undated(groups: &[Group<ComplaintSums>], plan: &Plan, name: &str, io: &mut Io) {
    let n = kpis::undated(groups);
    if n > 0.0 {
        io.warn(&format!(
            "{name}: {n} complaint{} no valid date in '{}' and {} left out",
            if n == 1.0 { " has" } else { "s have" },
            plan.spec.opened,
            if n == 1.0 { "was" } else { "were" }
        ));
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
    Ok((Rates::of_levels(data.name, &levels, plan.grouping.period.is_some()), sums))
}

fn kpi_report(rows: &[ComplaintRow], rates: Option<&Rates>, plan: &Plan, name: &str, as_of: Option<NaiveDateTime>) -> Report {
    let spec = &plan.spec;
    let g = &plan.grouping;
    let label_columns = key_columns(g);
    let labels = |r: &ComplaintRow| key_cells(&r.key, r.kind, g);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows };
    let mut caption = vec![format!("{name} · complaints opened '{}'", spec.opened)];
    if plan.grouping.fold_case && !plan.grouping.by.is_empty() {
        caption.push(crate::cmd::FOLDED.to_string());
    }
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
    // A customer who ordered in several periods is one customer of the whole span: the Total's
    // base is smaller than the sum of the periods', so its rate is above theirs.
    if rates.is_some() && g.period.is_some() && rows.iter().any(|r| r.kind != crate::metrics::grouping::RowKind::Group) {
        caption.push(
            "per 1k customers: a period's complaints per 1,000 of its ordering customers; in a total, per 1,000 distinct customers of \
             all its periods (each counted once), so it is above the periods' own"
                .to_string(),
        );
    }
    Report { machine: table.machine(KPI_COLUMNS), human: table.human(KPI_VIEWS, KPI_COLUMNS), caption, ..Default::default() }
}

fn date_or(d: Option<NaiveDate>, default: &str) -> String {
    d.map_or(default.to_string(), |d| d.to_string())
}

fn funnel_report(rows: &[FunnelRow], plan: &Plan, name: &str) -> Report {
    let label_columns = key_columns(&plan.grouping);
    let labels = |r: &FunnelRow| key_cells(&r.key, r.kind, &plan.grouping);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows }.machine(FUNNEL_COLUMNS);
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

fn pareto_report(items: &[ParetoItem], column: &str, plan: &Plan, opened: &Opened) -> Report {
    let label_columns = [column.to_string()];
    let labels = |i: &ParetoItem| vec![Cell::Text(i.value.clone().unwrap_or_else(|| "(blank)".into()))];
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows: items };
    let vital = items.iter().filter(|i| i.vital).count();
    let mut caption =
        vec![format!("{} · Pareto of '{column}': {vital} of {} causes make up 80% of complaints", opened.data.name, items.len())];
    if plan.grouping.fold_case {
        caption.push(crate::cmd::FOLDED.to_string());
    }
    if plan.grouping.from.is_some() || plan.grouping.to.is_some() {
        caption.push(format!("dates {} to {}", date_or(plan.grouping.from, "start"), date_or(plan.grouping.to, "end")));
    }
    Report { machine: table.machine(PARETO_COLUMNS), human: table.human(PARETO_VIEWS, PARETO_COLUMNS), caption, ..Default::default() }
}

fn has_resolution(p: &Plan) -> bool {
    p.spec.has_resolution()
}
fn has_fcr(p: &Plan) -> bool {
    p.spec.fcr.is_some()
}
fn has_reopen(p: &Plan) -> bool {
    p.spec.reopened.is_some()
}
fn has_timely(p: &Plan) -> bool {
    p.spec.timely.is_some()
}
fn has_response(p: &Plan) -> bool {
    p.spec.responded.is_some()
}
fn has_resolve_times(p: &Plan) -> bool {
    p.spec.has_resolve_times()
}
fn has_sla_response(p: &Plan) -> bool {
    p.spec.sla_response()
}
fn has_sla_resolve(p: &Plan) -> bool {
    p.spec.sla_resolve()
}
fn has_orders(p: &Plan) -> bool {
    p.orders
}
fn orders_of(r: &ComplaintRow) -> OrderCounts {
    r.orders.unwrap_or_default()
}

/// The KPI table's columns, in their order in CSV and JSON.
const KPI_COLUMNS: &[Column<ComplaintRow, Plan>] = &[
    Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.counts.n) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag((r.counts.n as u64) < p.min_n) },
    Column { key: "open_at_end", decimals: 0, shown: has_resolution, value: |r, _| Value::Count(r.open) },
    Column { key: "resolved_n", decimals: 0, shown: has_resolution, value: |r, _| Value::Count(r.resolved.yes) },
    Column { key: "resolved_pct", decimals: 1, shown: has_resolution, value: |r, _| Value::Num(r.resolved.pct) },
    Column { key: "resolved_low", decimals: 1, shown: has_resolution, value: |r, _| Value::low(r.resolved.ci) },
    Column { key: "resolved_high", decimals: 1, shown: has_resolution, value: |r, _| Value::high(r.resolved.ci) },
    Column { key: "fcr_n", decimals: 0, shown: has_fcr, value: |r, _| Value::Count(r.fcr.n) },
    Column { key: "fcr_pct", decimals: 1, shown: has_fcr, value: |r, _| Value::Num(r.fcr.pct) },
    Column { key: "fcr_low", decimals: 1, shown: has_fcr, value: |r, _| Value::low(r.fcr.ci) },
    Column { key: "fcr_high", decimals: 1, shown: has_fcr, value: |r, _| Value::high(r.fcr.ci) },
    Column { key: "reopen_n", decimals: 0, shown: has_reopen, value: |r, _| Value::Count(r.reopen.n) },
    Column { key: "reopen_pct", decimals: 1, shown: has_reopen, value: |r, _| Value::Num(r.reopen.pct) },
    Column { key: "reopen_low", decimals: 1, shown: has_reopen, value: |r, _| Value::low(r.reopen.ci) },
    Column { key: "reopen_high", decimals: 1, shown: has_reopen, value: |r, _| Value::high(r.reopen.ci) },
    Column { key: "timely_n", decimals: 0, shown: has_timely, value: |r, _| Value::Count(r.timely.n) },
    Column { key: "timely_pct", decimals: 1, shown: has_timely, value: |r, _| Value::Num(r.timely.pct) },
    Column { key: "timely_low", decimals: 1, shown: has_timely, value: |r, _| Value::low(r.timely.ci) },
    Column { key: "timely_high", decimals: 1, shown: has_timely, value: |r, _| Value::high(r.timely.ci) },
    Column { key: "response_n", decimals: 0, shown: has_response, value: |r, _| Value::Count(r.counts.resp.n) },
    Column { key: "response_h_median", decimals: 1, shown: has_response, value: |r, _| Value::Num(r.counts.resp.median) },
    Column { key: "response_h_p90", decimals: 1, shown: has_response, value: |r, _| Value::Num(r.counts.resp.p90) },
    Column { key: "response_h_mean", decimals: 1, shown: has_response, value: |r, _| Value::Num(r.counts.resp.mean) },
    Column { key: "resolve_n", decimals: 0, shown: has_resolve_times, value: |r, _| Value::Count(r.counts.resol.n) },
    Column { key: "resolve_h_median", decimals: 1, shown: has_resolve_times, value: |r, _| Value::Num(r.counts.resol.median) },
    Column { key: "resolve_h_p90", decimals: 1, shown: has_resolve_times, value: |r, _| Value::Num(r.counts.resol.p90) },
    Column { key: "resolve_h_mean", decimals: 1, shown: has_resolve_times, value: |r, _| Value::Num(r.counts.resol.mean) },
    Column { key: "sla_response_n", decimals: 0, shown: has_sla_response, value: |r, _| Value::Count(r.counts.sla_resp_n) },
    Column { key: "sla_response_pct", decimals: 1, shown: has_sla_response, value: |r, _| Value::Num(r.sla_response) },
    Column { key: "sla_resolve_n", decimals: 0, shown: has_sla_resolve, value: |r, _| Value::Count(r.counts.sla_resol_n) },
    Column { key: "sla_resolve_pct", decimals: 1, shown: has_sla_resolve, value: |r, _| Value::Num(r.sla_resolve) },
    Column { key: "orders", decimals: 0, shown: has_orders, value: |r, _| Value::Count(orders_of(r).orders) },
    Column { key: "ordering_customers", decimals: 0, shown: has_orders, value: |r, _| Value::Count(orders_of(r).customers) },
    Column { key: "per_1000_orders", decimals: 2, shown: has_orders, value: |r, _| Value::Num(r.per_1000_orders) },
    Column { key: "per_1000_customers", decimals: 2, shown: has_orders, value: |r, _| Value::Num(r.per_1000_customers) },
];

impl partials::Checked for Settings {
    fn problem(&self, _: &()) -> Option<String> {
        let sla = &self.spec.sla;
        let hours = std::iter::once(("sla.response", sla.response))
            .chain(std::iter::once(("sla.resolve", sla.resolve)))
            .chain(sla.by_severity.iter().flat_map(|(_, r, s)| [("sla.severity", *r), ("sla.severity", *s)]));
        let bad_hours = hours
            .filter_map(|(name, h)| h.filter(|h| !(h.is_finite() && *h >= 0.0)).map(|h| format!("{name} = {h} is not a number of hours")));
        partials::check::first(std::iter::once(partials::check::confidence(self.confidence)).chain(bad_hours.map(Some)))
    }
}

impl partials::Checked<Settings> for ComplaintSums {
    fn problem(&self, _: &Settings) -> Option<String> {
        use partials::check::{at_most, count, first};
        let c = &self.counts;
        let n = ("n", c.n);
        let pairs = [
            ("resolved", c.resolved, n),
            ("open_scope", c.open_scope, n),
            ("open_end", c.open_end, n),
            ("fcr_yes", c.fcr_yes, ("fcr_n", c.fcr_n)),
            ("fcr_n", c.fcr_n, n),
            ("reopen_yes", c.reopen_yes, ("reopen_n", c.reopen_n)),
            ("reopen_n", c.reopen_n, n),
            ("timely_yes", c.timely_yes, ("timely_n", c.timely_n)),
            ("timely_n", c.timely_n, n),
            ("sla_resp_met", c.sla_resp_met, ("sla_resp_n", c.sla_resp_n)),
            ("sla_resp_n", c.sla_resp_n, n),
            ("sla_resol_met", c.sla_resol_met, ("sla_resol_n", c.sla_resol_n)),
            ("sla_resol_n", c.sla_resol_n, n),
            ("stage_unknown", c.stage_unknown, n),
        ];
        let stages: f64 = c.stages.iter().sum::<f64>() + c.stage_unknown;
        first(
            std::iter::once(count("n", c.n))
                .chain(pairs.iter().map(|(name, v, _)| count(name, *v)))
                .chain(c.stages.iter().map(|v| count("stages", *v)))
                .chain(pairs.iter().map(|(name, v, of)| at_most((name, *v), *of)))
                .chain([
                    at_most(("stages + stage_unknown", stages), n),
                    self.response_hours.problem("response_hours", c.n),
                    self.resolve_hours.problem("resolve_hours", c.n),
                ]),
        )
    }
}

/// Whether the table declares the column `key` (for the scorecard's tests).
#[cfg(test)]
pub(crate) fn declares(key: &str) -> bool {
    KPI_COLUMNS.iter().any(|c| c.key == key)
}

/// Hours, or working hours with a business calendar.
fn unit(p: &Plan) -> &'static str {
    if p.spec.calendar.is_some() {
        "working h"
    } else {
        "h"
    }
}

/// The KPI table as people see it.
const KPI_VIEWS: &[Shown<ComplaintRow, Plan>] = &[
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("n") },
    Shown { header: |_| "open".into(), shown: has_resolution, show: Show::Column("open_at_end") },
    Shown {
        header: |p| format!("resolved % ({} CI)", charts::level_text(p.confidence)),
        shown: has_resolution,
        show: Show::Interval { value: "resolved_pct", low: "resolved_low", high: "resolved_high", signed: false },
    },
    Shown { header: |_| "FCR %".into(), shown: has_fcr, show: Show::Column("fcr_pct") },
    Shown { header: |_| "reopen %".into(), shown: has_reopen, show: Show::Column("reopen_pct") },
    Shown { header: |_| "timely %".into(), shown: has_timely, show: Show::Column("timely_pct") },
    Shown { header: |p| format!("1st response {} median", unit(p)), shown: has_response, show: Show::Column("response_h_median") },
    Shown { header: |p| format!("1st response {} p90", unit(p)), shown: has_response, show: Show::Column("response_h_p90") },
    Shown { header: |p| format!("resolve {} median", unit(p)), shown: has_resolve_times, show: Show::Column("resolve_h_median") },
    Shown { header: |p| format!("resolve {} p90", unit(p)), shown: has_resolve_times, show: Show::Column("resolve_h_p90") },
    Shown { header: |_| "SLA response %".into(), shown: has_sla_response, show: Show::Column("sla_response_pct") },
    Shown { header: |_| "SLA resolve %".into(), shown: has_sla_resolve, show: Show::Column("sla_resolve_pct") },
    Shown { header: |_| "per 1k orders".into(), shown: has_orders, show: Show::Column("per_1000_orders") },
    Shown { header: |_| "per 1k customers".into(), shown: has_orders, show: Show::Column("per_1000_customers") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Cell(|r, p| low_base_note(r.counts.n, p.min_n)) },
];

/// The funnel's columns (the same for people).
const FUNNEL_COLUMNS: &[Column<FunnelRow, Plan>] = &[
    Column { key: "stage", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.stage.unwrap_or("(unknown)").to_string())) },
    Column { key: "at_stage", decimals: 0, shown: always, value: |r, _| Value::Count(r.at_stage) },
    Column { key: "reached", decimals: 0, shown: always, value: |r, _| r.reached.map_or(Value::Num(None), Value::Count) },
    Column { key: "reached_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.reached_pct) },
    Column { key: "from_previous_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.from_previous_pct) },
];

/// The Pareto table's columns, after the cause.
const PARETO_COLUMNS: &[Column<ParetoItem, Plan>] = &[
    Column { key: "count", decimals: 0, shown: always, value: |i, _| Value::Count(i.count as f64) },
    Column { key: "share_pct", decimals: 1, shown: always, value: |i, _| Value::Num(Some(i.share_pct)) },
    Column { key: "cumulative_pct", decimals: 1, shown: always, value: |i, _| Value::Num(Some(i.cumulative_pct)) },
    Column { key: "vital_few", decimals: 0, shown: always, value: |i, _| Value::Flag(i.vital) },
];

const PARETO_VIEWS: &[Shown<ParetoItem, Plan>] = &[
    Shown { header: |_| "count".into(), shown: always, show: Show::Column("count") },
    Shown { header: |_| "share %".into(), shown: always, show: Show::Column("share_pct") },
    Shown { header: |_| "cumulative %".into(), shown: always, show: Show::Column("cumulative_pct") },
    Shown {
        header: |_| "vital few".into(),
        shown: always,
        show: Show::Cell(|i, _| Cell::Text(if i.vital { "vital few".into() } else { String::new() })),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::undeclared;

    /// Every column the human views and the charts name is declared.
    #[test]
    fn views_and_charts_name_declared_columns() {
        let charts: Vec<&str> = TRENDS.iter().flat_map(TrendMetric::keys).collect();
        assert_eq!(undeclared(KPI_COLUMNS, KPI_VIEWS, &charts), Vec::<&str>::new());
        assert_eq!(undeclared(PARETO_COLUMNS, PARETO_VIEWS, &[]), Vec::<&str>::new());
    }
}
