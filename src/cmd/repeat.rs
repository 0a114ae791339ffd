//! `cxstat repeat ORDERS`: repeat-purchase rate, return rate (回头率) and churn per period;
//! purchase windows, cohort retention and RFM segments.
//!
//! Usage: cxstat repeat orders.csv [--period month] [--as-of DATE] [--from D] [--to D]
//!        [--window 90d] [--cohorts [--counts] | --rfm [--customers FILE]] [--format …] [-o FILE]

use anyhow::Result;

use crate::input::frame::Dataset;
use chrono::NaiveDate;

use crate::chart;
use crate::cli::ChartType;
use crate::cli::MergeArgs;
use crate::cli::RepeatArgs;
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::{confidence_level, high, low, open_input, parse_date, quote_rows, report_problems, window_days, with_interval, Opened};
use crate::error::{data_err, usage};
use crate::input::roles::{Kind, Role};
use crate::metrics::grouping::Grouping;
use crate::metrics::grouping::{Group, GroupKey};
use crate::metrics::orders::cohorts::{cohorts, rfm, RfmCustomer, SEGMENTS};
use crate::metrics::orders::repeat::{repeat_base, repeat_sums, repeat_table, repeat_table_of_sums, RepeatRow, RepeatSums};
use crate::metrics::orders::{order_problem_counts, order_problem_examples, read_orders, OrderProblem, OrderRows, OrderSpec};
use crate::metrics::period::Period;
use crate::metrics::period::{index_label, label_index, period_index_of};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::partials;
use crate::stats::intervals::share_pct as share;
use crate::Io;
use serde::{Deserialize, Serialize};

/// Runs `cxstat repeat`.
pub fn run(args: &RepeatArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    execute(args, io, Some(format)).map(drop)
}

/// The result of `cxstat repeat` with these arguments and the input it read, without writing
/// it (for the scorecard).
pub fn report(args: &RepeatArgs, io: &mut Io) -> Result<(Report, Opened)> {
    execute(args, io, None)
}

/// Computes the result; with a format, writes it (and the chart) too.
fn execute(args: &RepeatArgs, io: &mut Io, format: Option<crate::output::Format>) -> Result<(Report, Opened)> {
    let opened = open_input(&args.input, Some(Kind::Orders), io)?;
    let data = &opened.data;
    let spec = crate::cmd::order_spec(data, &opened.roles, "--col", true)?;
    let defaults = &opened.config.repeat;
    let period = args.period.or(defaults.period).unwrap_or(Period::Month);
    let as_of = parse_date("--as-of", args.as_of.as_deref())?.unwrap_or_else(|| chrono::Local::now().date_naive());
    let (from, to) = (parse_date("--from", args.from.as_deref())?, parse_date("--to", args.to.as_deref())?);
    let window = args.window.as_deref().or(defaults.window.as_deref()).map(|w| window_days(w, "90d")).transpose()?;
    let confidence = confidence_level(args.confidence, defaults.confidence)?;

    if args.emit_partials.is_some() && window.is_some() {
        return Err(usage(
            "--emit-partials cannot carry --window (a purchase window needs each customer's orders): run the shards without it \
             (and without [repeat] window in the config)"
                .to_string(),
        ));
    }

    let orders = read_orders(data, &spec, period, as_of)?;
    check_problems(data, &spec, &orders, args.strict, io)?;

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
    let report = if args.cohorts {
        cohort_report(data, &orders, as_of, from, to, args.counts, &opened)?
    } else if args.rfm {
        let customers = rfm(data, &orders, as_of)?;
        if customers.is_empty() {
            return Err(data_err(format!("{}: no purchases up to {as_of}", data.name)));
        }
        if let Some(path) = &args.customers {
            let table = Table {
                columns: ["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "score", "segment"]
                    .map(String::from)
                    .to_vec(),
                rows: customers
                    .iter()
                    .map(|c| {
                        vec![
                            Cell::Text(c.customer.clone()),
                            Cell::Int(c.recency_days),
                            Cell::Int(c.frequency),
                            Cell::Num(c.monetary, 2),
                            Cell::Int(c.r),
                            Cell::Int(c.f),
                            Cell::Int(c.m),
                            Cell::Int(c.r * 100 + c.f * 10 + c.m),
                            Cell::Text(c.segment.to_string()),
                        ]
                    })
                    .collect(),
            };
            let report = Report { machine: table.clone(), human: table, ..Default::default() };
            emit(&report, choose_format(None, Some(path), false), Some(path), &mut *io.stdout)?;
        }
        rfm_report(&customers, as_of, &opened)
    } else {
        let settings = Settings { period, as_of, from, to, confidence, amount: spec.amount.is_some() };
        let base = repeat_base(&orders);
        let rows = repeat_table(data, &orders, &base, as_of, window)?;
        let report = shown_report(rows, window, &settings, &data.name)?;
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
        }
        report
    };
    let Some(format) = format else { return Ok((report, opened)) };
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)?;
    if let Some(path) = &args.chart.chart {
        let name = period.name();
        let window = Grouping { from, to, ..Default::default() };
        let scope = format!("{} · as of {as_of} · {}", data.name, charts::date_scope(&opened, &window, Role::Ordered)?);
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
    Ok((report, opened))
}

/// The periods in `--from`/`--to`, as the report.
fn shown_report(rows: Vec<RepeatRow>, window: Option<i64>, settings: &Settings, name: &str) -> Result<Report> {
    let (period, as_of) = (settings.period, settings.as_of);
    let shown: Vec<RepeatRow> = rows
        .into_iter()
        .filter(|r| settings.from.is_none_or(|f| r.index >= period_index_of(f, period)))
        .filter(|r| settings.to.is_none_or(|t| r.index <= period_index_of(t, period)))
        .collect();
    if shown.is_empty() {
        return Err(data_err(format!("{name}: no purchases in scope (up to {as_of})")));
    }
    Ok(repeat_report(&shown, window, settings.confidence, as_of, name, settings.amount))
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
            .ok_or_else(|| data_err(format!("{name}: partial results with a period '{label}' that is not a {:?}", settings.period)))?;
        sums.push((k, g.counts));
    }
    sums.sort_by_key(|(k, _)| *k);
    let rows = repeat_table_of_sums(&sums, settings.period, settings.as_of)?;
    let report = shown_report(rows, None, &settings, &name)?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
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

fn repeat_report(rows: &[RepeatRow], window: Option<i64>, confidence: f64, as_of: NaiveDate, name: &str, has_amount: bool) -> Report {
    let mut machine: Vec<String> =
        ["period", "partial", "active_customers", "new_customers", "returning_customers", "orders"].map(String::from).to_vec();
    let mut human: Vec<String> = ["period", "active", "new", "returning", "orders"].map(String::from).to_vec();
    if has_amount {
        machine.extend(["revenue", "avg_order_value", "refunds", "refund_amount"].map(String::from));
        human.extend(["revenue", "AOV"].map(String::from));
    }
    machine.extend(
        ["orders_per_customer", "repeat_rate", "repeat_low", "repeat_high", "previous_customers", "retained_customers"].map(String::from),
    );
    machine.extend(["return_rate", "return_low", "return_high", "churn_rate"].map(String::from));
    human.extend(["orders/cust", "repeat %", "return % (回头率)", "churn %"].map(String::from));
    if let Some(days) = window {
        machine.extend(["window_eligible", "window_repeat_rate", "window_low", "window_high"].map(String::from));
        human.push(format!("repeat ≤{days}d %"));
    }
    human.push("note".into());
    let mut mrows = Vec::new();
    let mut hrows = Vec::new();
    for r in rows {
        let (repeat, repeat_ci) = share(r.returning, r.active, confidence);
        let (ret, ret_ci) = share(r.retained, r.previous_active, confidence);
        let churn = ret.map(|v| 100.0 - v);
        let aov = (r.valued_orders > 0.0).then(|| r.revenue / r.valued_orders);
        let per_customer = (r.active > 0.0).then(|| r.orders / r.active);
        let mut m = vec![
            Cell::Text(r.period.clone()),
            Cell::Bool(r.partial),
            Cell::Int(r.active as i64),
            Cell::Int(r.new as i64),
            Cell::Int(r.returning as i64),
            Cell::Int(r.orders as i64),
        ];
        let mut h = vec![
            Cell::Text(r.period.clone()),
            Cell::Int(r.active as i64),
            Cell::Int(r.new as i64),
            Cell::Int(r.returning as i64),
            Cell::Int(r.orders as i64),
        ];
        if has_amount {
            m.extend([Cell::Num(r.revenue, 2), Cell::num(aov, 2), Cell::Int(r.refunds as i64), Cell::Num(r.refund_amount, 2)]);
            h.extend([Cell::Num(r.revenue, 2), Cell::num(aov, 2)]);
        }
        m.extend([
            Cell::num(per_customer, 3),
            Cell::num(repeat, 1),
            low(repeat_ci),
            high(repeat_ci),
            Cell::Int(r.previous_active as i64),
            Cell::Int(r.retained as i64),
            Cell::num(ret, 1),
            low(ret_ci),
            high(ret_ci),
            Cell::num(churn, 1),
        ]);
        h.extend([
            Cell::num(per_customer, 2),
            with_interval(repeat, repeat_ci, 1, false),
            with_interval(ret, ret_ci, 1, false),
            Cell::num(churn, 1),
        ]);
        if window.is_some() {
            let (w, w_ci) = share(r.window_repeaters, r.window_eligible, confidence);
            m.extend([Cell::Int(r.window_eligible as i64), Cell::num(w, 1), low(w_ci), high(w_ci)]);
            h.push(with_interval(w, w_ci, 1, false));
        }
        h.push(Cell::Text(if r.partial { format!("partial (to {as_of})") } else { String::new() }));
        mrows.push(m);
        hrows.push(h);
    }
    let mut caption = vec![format!(
        "{} · as of {as_of} · repeat % = share of the period's customers who had ordered before; return % = share of the previous period's customers who ordered again",
        name
    )];
    if let Some(days) = window {
        caption.push(format!("repeat ≤{days}d: new customers of the period who ordered again within {days} days of their first order (those whose window ends after {as_of} left out)"));
    }
    Report { machine: Table { columns: machine, rows: mrows }, human: Table { columns: human, rows: hrows }, caption, ..Default::default() }
}

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
    let width = list.iter().map(|c| c.active.len()).max().unwrap_or(1);
    let mut columns = vec!["cohort".to_string(), "customers".to_string()];
    columns.extend((0..width).map(|k| k.to_string()));
    let rows: Vec<Vec<Cell>> = list
        .iter()
        .map(|c| {
            let mut cells = vec![Cell::Text(c.period.clone()), Cell::Int(c.customers as i64)];
            for k in 0..width {
                cells.push(match c.active.get(k) {
                    None => Cell::Null,
                    Some(n) if counts => Cell::Int(*n as i64),
                    Some(n) => Cell::num((c.customers > 0.0).then(|| 100.0 * n / c.customers), 1),
                });
            }
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

fn rfm_report(customers: &[RfmCustomer], as_of: NaiveDate, opened: &Opened) -> Report {
    let total_customers = customers.len() as f64;
    let total_revenue = customers.iter().fold(0.0, |a, c| a + c.monetary);
    let columns: Vec<String> =
        ["segment", "customers", "customers_pct", "revenue", "revenue_share_pct", "avg_recency_days", "avg_frequency", "avg_monetary"]
            .map(String::from)
            .to_vec();
    let rows: Vec<Vec<Cell>> = SEGMENTS
        .iter()
        .map(|segment| {
            let members: Vec<_> = customers.iter().filter(|c| c.segment == *segment).collect();
            let n = members.len() as f64;
            let revenue = members.iter().fold(0.0, |a, c| a + c.monetary);
            let mean = |f: &dyn Fn(&&RfmCustomer) -> f64| (n > 0.0).then(|| members.iter().map(f).fold(0.0, |a, v| a + v) / n);
            vec![
                Cell::Text(segment.to_string()),
                Cell::Int(n as i64),
                Cell::num(Some(100.0 * n / total_customers), 1),
                Cell::Num(revenue, 2),
                Cell::num((total_revenue != 0.0).then(|| 100.0 * revenue / total_revenue), 1),
                Cell::num(mean(&|c| c.recency_days as f64), 1),
                Cell::num(mean(&|c| c.frequency as f64), 2),
                Cell::num(mean(&|c| c.monetary), 2),
            ]
        })
        .collect();
    let table = Table { columns, rows };
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
