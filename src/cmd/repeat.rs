//! `cxstat repeat ORDERS`: repeat-purchase rate, return rate (回头率) and churn per period;
//! purchase windows, cohort retention and RFM segments.
//!
//! Usage: cxstat repeat orders.csv [--period month] [--as-of DATE] [--from D] [--to D]
//!        [--window 90d] [--cohorts [--counts] | --rfm [--customers FILE]] [--format …] [-o FILE]

use anyhow::Result;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart;
use crate::cli::values::{self, in_config};
use crate::cli::{ChartType, MergeArgs, RepeatArgs, SqlOptions};
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::engine::{check_encoding, refuse_local_dates, refuse_options, LocalOnly, Query, SqlOutcome, DECIMAL_POINT};
use crate::cmd::{check_dates, confidence_level, open_checked, quote_rows, report_problems, Opened, Outcome};
use crate::error::{data_err, usage};
use crate::input::frame::Dataset;
use crate::input::roles::{Kind, Role};
use crate::metrics::grouping::{Group, GroupKey, Grouping};
use crate::metrics::orders::cohorts::{cohorts, rfm, segments, RfmCustomer, Segment};
use crate::metrics::orders::repeat::{
    in_span, repeat_base, repeat_rates, repeat_sums, repeat_table, repeat_table_of_sums, repeat_total, rows_of_counts, sums_base,
    total_row, PeriodCounts, RepeatRates, RepeatRow, RepeatSums,
};
use crate::metrics::orders::{
    latest_purchase, order_problem_counts, order_problem_examples, read_orders, OrderProblem, OrderRows, OrderSpec,
};
use crate::metrics::period::{index_label, label_index, period_index_of, Period};
use crate::output::columns::{always, shown_keys, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::partials;
use crate::sql::result::ResultTable;
use crate::Io;

/// Runs `cxstat repeat`.
pub fn run(args: &RepeatArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    execute(args, io, Some(format)).map(drop)
}

/// The result of `cxstat repeat` with these arguments and the input it read, without writing
/// it (for the scorecard).
pub fn report(args: &RepeatArgs, io: &mut Io) -> Result<Outcome<RepeatRates>> {
    execute(args, io, None)
}

/// Computes the result; with a format, writes it (and the chart) too.
/// Computes the result (the repeat table's rows too; none for cohorts and RFM); with a format,
/// writes it (and the chart) too.
fn execute(args: &RepeatArgs, io: &mut Io, format: Option<crate::output::Format>) -> Result<Outcome<RepeatRates>> {
    let (opened, (period, window, confidence)) = open_checked(&args.input, Some(Kind::Orders), io, |config| {
        let defaults = &config.repeat;
        check_dates(args.from, args.to)?;
        let period = match (args.period, &defaults.period) {
            (Some(p), _) => p,
            (None, Some(text)) => in_config(values::period, "[repeat] period", text)?,
            (None, None) => Period::Month,
        };
        let window = match (args.window, &defaults.window) {
            (Some(days), _) => Some(days),
            (None, Some(text)) => Some(in_config(values::days, "[repeat] window", text)?),
            (None, None) => None,
        };
        if args.emit_partials.is_some() && window.is_some() {
            return Err(usage(
                "--emit-partials cannot carry --window (a purchase window needs each customer's orders): run the shards without it \
                 (and without [repeat] window in the config)"
                    .to_string(),
            ));
        }
        if let Some(path) = &args.chart.chart {
            chart::ChartFormat::of(path)?;
            let wanted = args.chart.chart_type;
            let fits = if args.cohorts {
                wanted.is_none_or(|t| t == ChartType::Cohorts)
            } else {
                !args.rfm && wanted.is_none_or(|t| t == ChartType::Trend)
            };
            if !fits {
                return Err(usage(
                    "repeat draws a trend of its rates (--chart-type trend) or, with --cohorts, the retention heatmap (cohorts); RFM has no chart".to_string(),
                ));
            }
        }
        Ok((period, window, confidence_level(args.stats.confidence, defaults.confidence, "[repeat] confidence")?))
    })?;
    let data = &opened.data;
    let spec = OrderSpec { date_order: args.date_order, ..crate::cmd::order_spec(data, &opened.roles, "--col", true)? };
    let (from, to) = (args.from, args.to);
    // Without --as-of, "today" is the day of the latest purchase in the file (as complaints and
    // loyalty take theirs): a report run later, or from an old export, measures to the data's end.
    let orders = read_orders(data, &spec, period, args.as_of.unwrap_or(NaiveDate::MAX))?;
    let as_of = match args.as_of {
        Some(d) => d,
        None => latest_purchase(data, &orders)?
            .ok_or_else(|| data_err(format!("{}: no purchases with a valid date and customer", data.name)))?,
    };
    check_problems(data, &spec, &orders, args.stats.strict, io)?;

    let (report, rows, shown) = if args.cohorts {
        (cohort_report(data, &orders, as_of, from, to, args.counts, &opened)?, Vec::new(), Vec::new())
    } else if args.rfm {
        let customers = rfm(data, &orders, as_of)?;
        if customers.is_empty() {
            return Err(data_err(format!("{}: no purchases up to {as_of}", data.name)));
        }
        if let Some(path) = &args.customers {
            let labels = |c: &RfmCustomer| vec![Cell::Text(c.customer.clone())];
            let label_columns = ["customer_id".to_string()];
            let table = Rows { plan: &(), label_columns: &label_columns, labels: &labels, rows: &customers }.machine(CUSTOMER_COLUMNS);
            let report = Report { machine: table.clone(), human: table, ..Default::default() };
            emit(
                &report,
                choose_format(None, Some(path), false)?,
                crate::output::Target { path: Some(path), safe_csv: args.output.safe_csv },
                io,
            )?;
        }
        (rfm_report(&customers, as_of, &opened), Vec::new(), Vec::new())
    } else {
        let settings = Settings { period, as_of, from, to, confidence, amount: spec.amount.is_some(), total: !args.no_total };
        let base = repeat_base(&orders);
        let rows = repeat_table(data, &orders, &base, as_of, window)?;
        let (report, rows, shape) = shown_report(rows, window, &settings, &data.name, |shown| repeat_total(Some(data), &base, shown))?;
        if let Some(path) = &args.emit_partials {
            // Every period up to --as-of: the merge picks the ones in --from/--to.
            let groups: Vec<Group<RepeatSums>> = repeat_sums(data, &base)?
                .into_iter()
                .map(|(k, sums)| Group {
                    key: GroupKey { period: Some(index_label(k, period)), by: Vec::new() },
                    dated: true,
                    counts: sums,
                })
                .collect();
            partials::write(path, "repeat", vec![data.name.clone()], settings, &groups, None)?;
            if args.as_of.is_none() {
                io.warn(&format!(
                    "{}: measured to {as_of}, the latest purchase in {}: partials merge only when every shard has the same --as-of",
                    path.display(),
                    data.name
                ));
            }
        }
        (report, rows, shown_keys(REPEAT_COLUMNS, &shape))
    };
    let Some(format) = format else { return Ok(Outcome { report, rows, shown, opened }) };
    emit(&report, format, args.output.target(), io)?;
    if let Some(path) = &args.chart.chart {
        let name = period.name();
        let window = Grouping { from, to, ..Default::default() };
        let scope = format!("{} · as of {as_of} · {}", data.name, charts::date_scope(&opened, &window, Role::Ordered)?.0);
        let chart = if args.cohorts {
            charts::heatmap(&report.machine, args.counts, name, scope)
        } else {
            let m = charts::pick(&TRENDS, args.chart.chart_metric.as_deref(), &report.machine)?;
            let partial = charts::column(&report.machine, "partial");
            let marks = |i: usize| match partial.map(|k| &report.machine.rows[i][k]) {
                Some(Cell::Bool(true)) => " (partial)",
                _ => "",
            };
            let band = format!("{} confidence interval", charts::level_text(confidence));
            charts::trend(&report.machine, &[], m, scope, (name, band), &marks)?
        };
        chart::write(&chart, path)?;
    }
    Ok(Outcome { report, rows, shown, opened })
}

/// The periods in `--from`/`--to` (and their total row, made by `total` from them), as the
/// report, with their rates and the table's shape.
fn shown_report(
    rows: Vec<RepeatRow>,
    window: Option<i64>,
    settings: &Settings,
    name: &str,
    total: impl FnOnce(&[RepeatRow]) -> Result<RepeatRow>,
) -> Result<(Report, Vec<RepeatRates>, Shape)> {
    let mut shown = in_span(rows, settings.period, settings.from, settings.to);
    if shown.is_empty() {
        return Err(data_err(format!("{name}: no purchases in scope (up to {})", settings.as_of)));
    }
    if settings.total {
        let row = total(&shown)?;
        shown.push(row);
    }
    let shape = Shape { amount: settings.amount, window, as_of: settings.as_of };
    let rates = repeat_rates(shown, settings.confidence);
    Ok((repeat_report(&rates, &shape, name), rates, shape))
}

/// The settings that shape the repeat table, as partial results record them: partials merge
/// only when these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    period: Period,
    as_of: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    confidence: f64,
    amount: bool,
    /// With the Total row.
    total: bool,
}

/// `cxstat merge` of repeat partials: per period the sums added and the customers joined, then
/// the table computed from them as from the rows (new customers: those whose first period it is
/// across every shard; retained: those also in the period before, in any shard).
pub fn merge(files: &[(String, serde_json::Value)], args: &MergeArgs, io: &mut Io) -> Result<()> {
    let combined: partials::Combined<Settings, RepeatSums> = partials::combine(files)?;
    let settings = combined.settings;
    let name = combined.inputs.join(" + ");
    let mut sums = Vec::with_capacity(combined.groups.len());
    for g in combined.groups {
        let label = g.key.period.unwrap_or_default();
        let k = label_index(&label, settings.period)
            .ok_or_else(|| data_err(format!("{name}: partial results with a period '{label}' that is not a {}", settings.period.name())))?;
        sums.push((k, g.counts));
    }
    sums.sort_by_key(|(k, _)| *k);
    let base = sums_base(&sums)?;
    let rows = repeat_table_of_sums(&base, settings.period, settings.as_of)?;
    let (report, _, _) = shown_report(rows, None, &settings, &name, |shown| repeat_total(None, &base, shown))?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    emit(&report, format, args.output.target(), io)
}

/// `cxstat sql repeat`: the query of each period's sums and customers, counted by the engine,
/// with the settings of the run it stands for. What needs each customer's orders (windows,
/// cohorts, RFM) is refused, and so is a sample whose dates or amounts only cxstat reads.
pub(crate) fn sql(args: &RepeatArgs, options: &SqlOptions, io: &mut Io) -> Result<Query<serde_json::Value>> {
    let local = LocalOnly::of(&args.chart, &args.emit_partials, &args.output, args.date_order.is_some(), &args.input);
    refuse_options(
        local,
        &[
            (args.window.is_some(), "--window", "a purchase window needs each customer's orders; run cxstat repeat on the data"),
            (args.cohorts, "--cohorts", "cohorts need each customer's orders; run cxstat repeat on the data"),
            (args.rfm, "--rfm", "RFM segments need each customer's orders; run cxstat repeat on the data"),
        ],
    )?;
    let (opened, (period, confidence)) = open_checked(&args.input, Some(Kind::Orders), io, |config| {
        let defaults = &config.repeat;
        check_dates(args.from, args.to)?;
        if defaults.window.is_some() {
            return Err(usage(
                "the config's [repeat] window asks for a purchase window, which needs each customer's orders: leave it out for cxstat sql",
            ));
        }
        let period = match (args.period, &defaults.period) {
            (Some(p), _) => p,
            (None, Some(text)) => in_config(values::period, "[repeat] period", text)?,
            (None, None) => Period::Month,
        };
        Ok((period, confidence_level(args.stats.confidence, defaults.confidence, "[repeat] confidence")?))
    })?;
    let data = &opened.data;
    let spec = crate::cmd::order_spec(data, &opened.roles, "--col", true)?;
    check_encoding(data)?;
    if spec.amount_comma {
        return Err(data_err(format!(
            "{}: amounts written with a decimal comma in '{}': {DECIMAL_POINT}",
            data.name,
            spec.amount.as_deref().unwrap_or("")
        )));
    }
    refuse_local_dates(data, &spec.ordered)?;
    let table = options.table.clone().unwrap_or_else(|| "orders".to_string());
    let span = (args.from.map(|d| period_index_of(d, period)), args.to.map(|d| period_index_of(d, period)));
    let settings = Settings {
        period,
        as_of: args.as_of.unwrap_or(NaiveDate::MIN),
        from: args.from,
        to: args.to,
        confidence,
        amount: spec.amount.is_some(),
        total: !args.no_total,
    };
    let mut settings = serde_json::to_value(settings)?;
    if args.as_of.is_none() {
        // The engine finds the latest purchase; the result carries it.
        if let Some(map) = settings.as_object_mut() {
            map.remove("as_of");
        }
    }
    Ok(Query {
        command: "repeat",
        dialect: options.dialect,
        sql: crate::sql::repeat::query(options.dialect, &table, &spec, period, args.as_of, span),
        tables: vec![table],
        columns: crate::sql::repeat::COLUMNS.iter().map(|c| c.to_string()).collect(),
        settings,
        max_invalid: None,
        guessed: Vec::new(),
        strict: args.stats.strict,
    })
}

/// `cxstat merge PLAN RESULT` of a repeat plan: each period's counts as the engine made them,
/// the table made from them as from a local run's.
pub(crate) fn from_sql(name: &str, value: &serde_json::Value, result: &ResultTable, io: &mut Io) -> Result<SqlOutcome<RepeatRates>> {
    let columns: Vec<String> = crate::sql::repeat::COLUMNS.iter().map(|c| c.to_string()).collect();
    let index = result.require(&columns)?;
    let at = |n: &str| index[columns.iter().position(|c| c == n).unwrap_or(0)];
    // The as-of day: the plan's, or the one the engine found (days since 1970).
    let mut value = value.clone();
    let found = match result.rows.first() {
        Some(_) => result.integer(0, at("as_of"))?,
        None => None,
    };
    if let Some(settings) = value.get_mut("settings").and_then(|s| s.as_object_mut()) {
        if !settings.contains_key("as_of") {
            let day = found
                .and_then(|d| i32::try_from(d).ok())
                .and_then(NaiveDate::from_epoch_days)
                .ok_or_else(|| data_err(format!("{}: no purchases with a valid date and customer (no as-of day)", result.name)))?;
            settings.insert("as_of".to_string(), serde_json::to_value(day)?);
        }
    }
    let plan: partials::SqlPlan<Settings> = partials::plan_of(name, &value)?;
    let settings = plan.settings;
    let mut periods = Vec::new();
    let mut total = None;
    for i in 0..result.rows.len() {
        let get = |n: &str| result.number(i, at(n));
        match result.text(i, at("part")) {
            Some("period") => {
                let k = result
                    .integer(i, at("p"))?
                    .ok_or_else(|| data_err(format!("{}: row {}: a period row without a period", result.name, i + 2)))?;
                let c = PeriodCounts {
                    orders: get("orders")?,
                    valued_orders: get("valued")?,
                    revenue: get("revenue")?,
                    refunds: get("refunds")?,
                    refund_amount: get("refund_amount")?,
                    active: get("active")?,
                    new: get("new")?,
                    retained: get("retained")?,
                    repeaters: get("repeaters")?,
                };
                if let Some(problem) = period_problem(&c) {
                    return Err(data_err(format!("{}: row {}: {problem}; not the result of this plan's query", result.name, i + 2)));
                }
                periods.push((k, c));
            }
            Some("total") => {
                let problems = [
                    (OrderProblem::Duplicate, "duplicate_ids"),
                    (OrderProblem::DateInvalid, "date_invalid"),
                    (OrderProblem::DateMissing, "date_missing"),
                    (OrderProblem::AmountInvalid, "amount_invalid"),
                    (OrderProblem::CustomerMissing, "customer_missing"),
                ]
                .into_iter()
                .map(|(p, n)| Ok((p, get(n)? as u64)))
                .collect::<Result<Vec<_>>>()?;
                total = Some((get("active")?, get("repeaters")?, problems));
            }
            other => {
                return Err(data_err(format!(
                    "{}: row {}: part '{}' is not period or total; not the result of this plan's query",
                    result.name,
                    i + 2,
                    crate::error::printable(other.unwrap_or(""))
                )))
            }
        }
    }
    let Some((active, repeaters, problems)) = total else {
        return Err(data_err(format!("{}: no total row; not the result of this plan's query", result.name)));
    };
    let name = plan.tables.join(" + ");
    let messages: Vec<String> = problems
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(p, n)| format!("{name}: {n} row{}: {}, counted by the engine", if n == 1 { "" } else { "s" }, problem_text(p)))
        .collect();
    report_problems(&messages, plan.strict, io)?;
    let rows = rows_of_counts(&periods, settings.period, settings.as_of);
    let (report, rows, shape) = shown_report(rows, None, &settings, &name, |shown| Ok(total_row(shown, active, repeaters)))?;
    Ok(SqlOutcome { report, rows, shown: shown_keys(REPEAT_COLUMNS, &shape) })
}

/// The first count of a period that cannot be one (a negative count, more of a part than of
/// its whole).
fn period_problem(c: &PeriodCounts) -> Option<String> {
    use partials::check::{at_most, count, first};
    first([
        count("orders", c.orders),
        count("valued", c.valued_orders),
        count("refunds", c.refunds),
        count("active", c.active),
        count("new", c.new),
        count("retained", c.retained),
        count("repeaters", c.repeaters),
        at_most(("valued", c.valued_orders), ("orders", c.orders)),
        at_most(("active", c.active), ("orders", c.orders)),
        at_most(("new", c.new), ("active", c.active)),
        at_most(("retained", c.retained), ("active", c.active)),
        at_most(("repeaters", c.repeaters), ("active", c.active)),
    ])
}

/// Repeat rates `--chart-metric` can name, the default first.
pub const TRENDS: [TrendMetric; 4] = [
    TrendMetric {
        name: "repeat",
        title: "Repeat-purchase rate",
        axis: "customers who had ordered before %",
        value: "repeat_rate",
        low: Some("repeat_low"),
        high: Some("repeat_high"),
        limits: (0.0, 100.0),
    },
    TrendMetric {
        name: "return",
        title: "Return rate (回头率)",
        axis: "previous period's customers who ordered again %",
        value: "return_rate",
        low: Some("return_low"),
        high: Some("return_high"),
        limits: (0.0, 100.0),
    },
    TrendMetric {
        name: "churn",
        title: "Churn rate",
        axis: "previous period's customers who did not order %",
        value: "churn_rate",
        low: None,
        high: None,
        limits: (0.0, 100.0),
    },
    TrendMetric {
        name: "window",
        title: "Repeat within the window",
        axis: "new customers who ordered again in the window %",
        value: "window_repeat_rate",
        low: Some("window_low"),
        high: Some("window_high"),
        limits: (0.0, 100.0),
    },
];

fn problem_text(p: OrderProblem) -> &'static str {
    match p {
        OrderProblem::Duplicate => "duplicate order id (the first row of each id is kept)",
        OrderProblem::DateInvalid => "invalid date (expected e.g. 2026-10-03; left out)",
        OrderProblem::DateMissing => "no date (left out)",
        OrderProblem::AmountInvalid => "invalid amount (the order counts, its value does not)",
        OrderProblem::CustomerMissing => "no customer id (left out)",
        OrderProblem::Ragged => "",
    }
}

pub(crate) fn check_problems(data: &Dataset, spec: &OrderSpec, orders: &OrderRows, strict: bool, io: &mut Io) -> Result<()> {
    let mut messages = Vec::new();
    for (problem, count) in order_problem_counts(data, orders)? {
        if count == 0 {
            continue;
        }
        if problem == OrderProblem::Ragged {
            data.check_ragged(count)?;
            continue;
        }
        let Some(column) = problem.column(spec) else { continue };
        let examples = order_problem_examples(data, orders, problem, &column, 5)?;
        messages.push(format!(
            "{}: column '{column}': {count} row{}: {}: {}",
            data.name,
            if count == 1 { "" } else { "s" },
            problem_text(problem),
            quote_rows(&examples, count)
        ));
    }
    report_problems(&messages, strict, io)
}

/// What shapes the repeat table: amounts (revenue columns), a purchase window, the as-of date.
struct Shape {
    amount: bool,
    window: Option<i64>,
    as_of: NaiveDate,
}

fn repeat_report(rows: &[RepeatRates], shape: &Shape, name: &str) -> Report {
    let as_of = shape.as_of;
    let label_columns = ["period".to_string()];
    let labels = |r: &RepeatRates| vec![Cell::Text(r.row.period.clone())];
    let table = Rows { plan: shape, label_columns: &label_columns, labels: &labels, rows };
    let window = shape.window;
    let mut caption = vec![format!(
        "{} · as of {as_of} · repeat % = share of the period's customers who had ordered before; return % = share of the previous period's customers who ordered again",
        name
    )];
    caption.push(
        "repeat cust. % = share of the customers who bought on two or more distinct days (in the period; in Total, in all periods shown; several lines on one day are one purchase)"
            .to_string(),
    );
    if let Some(days) = window {
        caption.push(format!("repeat ≤{days}d: new customers of the period who ordered again within {days} days of their first order (those whose window ends after {as_of} left out)"));
    }
    Report { machine: table.machine(REPEAT_COLUMNS), human: table.human(REPEAT_VIEWS, REPEAT_COLUMNS), caption, ..Default::default() }
}

fn has_amount(s: &Shape) -> bool {
    s.amount
}
fn has_window(s: &Shape) -> bool {
    s.window.is_some()
}

/// The repeat table's columns, in their order in CSV and JSON (after the period).
const REPEAT_COLUMNS: &[Column<RepeatRates, Shape>] = &[
    Column { key: "partial", decimals: 0, shown: always, value: |r, _| Value::Flag(r.row.partial) },
    Column { key: "active_customers", decimals: 0, shown: always, value: |r, _| Value::Count(r.row.active) },
    Column { key: "new_customers", decimals: 0, shown: always, value: |r, _| Value::Count(r.row.new) },
    Column { key: "returning_customers", decimals: 0, shown: always, value: |r, _| Value::Count(r.row.returning) },
    Column { key: "orders", decimals: 0, shown: always, value: |r, _| Value::Count(r.row.orders) },
    Column { key: "revenue", decimals: 2, shown: has_amount, value: |r, _| Value::Sum(r.row.revenue) },
    Column { key: "avg_order_value", decimals: 2, shown: has_amount, value: |r, _| Value::Num(r.avg_order_value) },
    Column { key: "refunds", decimals: 0, shown: has_amount, value: |r, _| Value::Count(r.row.refunds) },
    Column { key: "refund_amount", decimals: 2, shown: has_amount, value: |r, _| Value::Sum(r.row.refund_amount) },
    Column { key: "orders_per_customer", decimals: 2, shown: always, value: |r, _| Value::Num(r.orders_per_customer) },
    Column { key: "repeat_rate", decimals: 1, shown: always, value: |r, _| Value::Num(r.repeat.pct) },
    Column { key: "repeat_low", decimals: 1, shown: always, value: |r, _| Value::low(r.repeat.ci) },
    Column { key: "repeat_high", decimals: 1, shown: always, value: |r, _| Value::high(r.repeat.ci) },
    Column { key: "previous_customers", decimals: 0, shown: always, value: |r, _| per_period(r, r.row.previous_active) },
    Column { key: "retained_customers", decimals: 0, shown: always, value: |r, _| per_period(r, r.row.retained) },
    Column { key: "return_rate", decimals: 1, shown: always, value: |r, _| Value::Num(r.ret.pct) },
    Column { key: "return_low", decimals: 1, shown: always, value: |r, _| Value::low(r.ret.ci) },
    Column { key: "return_high", decimals: 1, shown: always, value: |r, _| Value::high(r.ret.ci) },
    Column { key: "churn_rate", decimals: 1, shown: always, value: |r, _| Value::Num(r.churn) },
    Column { key: "repeat_customers", decimals: 0, shown: always, value: |r, _| Value::Count(r.row.repeat_customers) },
    Column { key: "repeat_customer_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.repeat_customer.pct) },
    Column { key: "repeat_customer_low", decimals: 1, shown: always, value: |r, _| Value::low(r.repeat_customer.ci) },
    Column { key: "repeat_customer_high", decimals: 1, shown: always, value: |r, _| Value::high(r.repeat_customer.ci) },
    Column { key: "window_eligible", decimals: 0, shown: has_window, value: |r, _| Value::Count(r.row.window_eligible) },
    Column { key: "window_repeat_rate", decimals: 1, shown: has_window, value: |r, _| Value::Num(r.window.pct) },
    Column { key: "window_low", decimals: 1, shown: has_window, value: |r, _| Value::low(r.window.ci) },
    Column { key: "window_high", decimals: 1, shown: has_window, value: |r, _| Value::high(r.window.ci) },
];

/// A count that only a period has (blank in the Total row).
fn per_period(r: &RepeatRates, count: f64) -> Value {
    if r.row.total {
        Value::Text(None)
    } else {
        Value::Count(count)
    }
}

impl partials::Checked for Settings {
    fn problem(&self, _: &()) -> Option<String> {
        partials::check::confidence(self.confidence)
    }
}

impl partials::Checked<Settings> for RepeatSums {
    fn problem(&self, _: &Settings) -> Option<String> {
        use partials::check::{at_most, count, first, sum, weight};
        // Purchase days of the years a date can have (1000 to 9999), as days since 1970-01-01.
        let days = -354_285..=2_932_896;
        first([
            count("orders", self.orders),
            count("valued_orders", self.valued_orders),
            count("refunds", self.refunds),
            sum("revenue", self.revenue),
            weight("refund_amount", self.refund_amount.abs()),
            at_most(("valued_orders", self.valued_orders), ("orders", self.orders)),
            at_most(("customers", self.customers.len() as f64), ("orders", self.orders)),
            (self.days.len() != self.customers.len())
                .then(|| format!("days has {} entries for {} customers", self.days.len(), self.customers.len())),
            self.days.iter().flatten().find(|d| !days.contains(*d)).map(|d| format!("days has {d}, not a day of the years 1000 to 9999")),
        ])
    }
}

/// Whether the table declares the column `key` (for the scorecard's tests).
#[cfg(test)]
pub(crate) fn declares(key: &str) -> bool {
    REPEAT_COLUMNS.iter().any(|c| c.key == key)
}

/// The repeat table as people see it.
const REPEAT_VIEWS: &[Shown<RepeatRates, Shape>] = &[
    Shown { header: |_| "active".into(), shown: always, show: Show::Column("active_customers") },
    Shown { header: |_| "new".into(), shown: always, show: Show::Column("new_customers") },
    Shown { header: |_| "returning".into(), shown: always, show: Show::Column("returning_customers") },
    Shown { header: |_| "orders".into(), shown: always, show: Show::Column("orders") },
    Shown { header: |_| "revenue".into(), shown: has_amount, show: Show::Column("revenue") },
    Shown { header: |_| "AOV".into(), shown: has_amount, show: Show::Column("avg_order_value") },
    Shown { header: |_| "orders/cust".into(), shown: always, show: Show::Column("orders_per_customer") },
    Shown {
        header: |_| "repeat %".into(),
        shown: always,
        show: Show::Interval { value: "repeat_rate", low: "repeat_low", high: "repeat_high", signed: false },
    },
    Shown {
        header: |_| "return % (回头率)".into(),
        shown: always,
        show: Show::Interval { value: "return_rate", low: "return_low", high: "return_high", signed: false },
    },
    Shown { header: |_| "churn %".into(), shown: always, show: Show::Column("churn_rate") },
    Shown {
        header: |_| "repeat cust. %".into(),
        shown: always,
        show: Show::Interval { value: "repeat_customer_pct", low: "repeat_customer_low", high: "repeat_customer_high", signed: false },
    },
    Shown {
        header: |s| format!("repeat ≤{}d %", s.window.unwrap_or_default()),
        shown: has_window,
        show: Show::Interval { value: "window_repeat_rate", low: "window_low", high: "window_high", signed: false },
    },
    Shown {
        header: |_| "note".into(),
        shown: always,
        show: Show::Cell(|r, s| {
            Cell::Text(match (r.row.partial, r.row.total) {
                (true, _) => format!("partial (to {})", s.as_of),
                (_, true) => "all periods above".to_string(),
                _ => String::new(),
            })
        }),
    },
];

fn cohort_report(
    data: &crate::input::frame::Dataset,
    orders: &OrderRows,
    as_of: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    counts: bool,
    opened: &Opened,
) -> Result<Report> {
    let period = orders.period;
    let list: Vec<_> = cohorts(data, orders, as_of)?
        .into_iter()
        .filter(|c| from.is_none_or(|f| c.index >= period_index_of(f, period)))
        .filter(|c| to.is_none_or(|t| c.index <= period_index_of(t, period)))
        .collect();
    if list.is_empty() {
        return Err(data_err(format!("{}: no purchases in scope (up to {as_of})", data.name)));
    }
    // One column per period since the first purchase: as many as the oldest cohort has.
    let width = list.iter().map(|c| c.active.len()).max().unwrap_or(1);
    let mut columns = vec!["cohort".to_string(), "customers".to_string()];
    columns.extend((0..width).map(|k| k.to_string()));
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|c| {
            let mut cells = vec![Cell::Text(c.period.clone()), Cell::Int(c.customers as i64)];
            cells.extend((0..width).map(|k| match c.active.get(k) {
                None => Cell::Null,
                Some(n) if counts => Cell::Int(*n as i64),
                Some(_) => Cell::num(c.share(k), 1),
            }));
            cells
        })
        .collect();
    let table = Table { columns, rows };
    Ok(Report {
        machine: table.clone(),
        human: table,
        caption: vec![format!(
            "{} · as of {as_of} · cohort = period of the first purchase; column k = {} of the cohort's customers who ordered k periods later",
            opened.data.name,
            if counts { "how many" } else { "%" }
        )],
        ..Default::default()
    })
}

/// The RFM segments' columns (the same for people).
const SEGMENT_COLUMNS: &[Column<Segment, ()>] = &[
    Column { key: "customers", decimals: 0, shown: always, value: |s, _| Value::Count(s.customers) },
    Column { key: "customers_pct", decimals: 1, shown: always, value: |s, _| Value::Num(Some(s.customers_pct)) },
    Column { key: "revenue", decimals: 2, shown: always, value: |s, _| Value::Sum(s.revenue) },
    Column { key: "revenue_share_pct", decimals: 1, shown: always, value: |s, _| Value::Num(s.revenue_share_pct) },
    Column { key: "avg_recency_days", decimals: 1, shown: always, value: |s, _| Value::Num(s.avg_recency_days) },
    Column { key: "avg_frequency", decimals: 2, shown: always, value: |s, _| Value::Num(s.avg_frequency) },
    Column { key: "avg_monetary", decimals: 2, shown: always, value: |s, _| Value::Num(s.avg_monetary) },
];

fn rfm_report(customers: &[RfmCustomer], as_of: NaiveDate, opened: &Opened) -> Report {
    let label_columns = ["segment".to_string()];
    let labels = |s: &Segment| vec![Cell::Text(s.name.to_string())];
    let table = Rows { plan: &(), label_columns: &label_columns, labels: &labels, rows: &segments(customers) }.machine(SEGMENT_COLUMNS);
    Report {
        machine: table.clone(),
        human: table,
        caption: vec![format!(
            "{} · RFM as of {as_of} · scores 1–5 by quintile (ties share a score) · champions R≥4 F≥4; loyal R≥3 F≥3; potential R≥3; at risk F≥3; hibernating R=2; lost R=1",
            opened.data.name
        )],
        ..Default::default()
    }
}

/// The per-customer RFM table of `--customers` (after the customer id).
const CUSTOMER_COLUMNS: &[Column<RfmCustomer, ()>] = &[
    Column { key: "recency_days", decimals: 0, shown: always, value: |c, _| Value::Count(c.recency_days as f64) },
    Column { key: "frequency", decimals: 0, shown: always, value: |c, _| Value::Count(c.frequency as f64) },
    Column { key: "monetary", decimals: 2, shown: always, value: |c, _| Value::Sum(c.monetary) },
    Column { key: "r", decimals: 0, shown: always, value: |c, _| Value::Count(c.r as f64) },
    Column { key: "f", decimals: 0, shown: always, value: |c, _| Value::Count(c.f as f64) },
    Column { key: "m", decimals: 0, shown: always, value: |c, _| Value::Count(c.m as f64) },
    Column { key: "score", decimals: 0, shown: always, value: |c, _| Value::Count((c.r * 100 + c.f * 10 + c.m) as f64) },
    Column { key: "segment", decimals: 0, shown: always, value: |c, _| Value::Text(Some(c.segment.to_string())) },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::undeclared;

    /// Every column the human view and the charts name is declared.
    #[test]
    fn views_and_charts_name_declared_columns() {
        let charts: Vec<&str> = TRENDS.iter().flat_map(TrendMetric::keys).collect();
        assert_eq!(undeclared(REPEAT_COLUMNS, REPEAT_VIEWS, &charts), Vec::<&str>::new());
    }
}
