//! `cxstat loyalty --responses R --orders O [--window 180d]`: does satisfaction bring customers
//! back? For promoters, passives and detractors (and CSAT boxes): how many surveyed customers
//! ordered again within the window after their survey, orders and revenue per customer, with
//! intervals, and a chi-square test of group against ordering again.
//!
//! Each customer counts once, with their first response in scope. Orders on the survey day are
//! not counted (dates carry no time, so they may precede the survey); customers whose window
//! ends after the as-of date are left out, so every customer had the same time to come back.

use anyhow::Result;

use crate::cli::{InputArgs, LoyaltyArgs};
use crate::cmd::repeat::check_problems;
use crate::cmd::survey::check_invalid;
use crate::cmd::{confidence_level, open_dataset, open_input, order_spec, parse_date, satisfaction_spec, window_days, SourceOptions};
use crate::error::data_err;
use crate::input::frame::ReadOptions;
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::grouping::Grouping;
use crate::metrics::loyalty::{loyalty, Loyalty, LoyaltyCounts, LoyaltySpec};
use crate::metrics::orders::{purchases, read_orders};
use crate::metrics::period::Period;
use crate::metrics::satisfaction::aggregate;
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::stats::intervals::{mean_t_interval, share_pct, Interval};
use crate::stats::significance::{chi_square, ChiSquare};
use crate::Io;

/// Runs `cxstat loyalty`.
pub fn run(args: &LoyaltyArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    let input = InputArgs {
        file: args.responses.clone(),
        delimiter: None,
        skip_rows: 0,
        encoding: None,
        columns: args.columns.clone(),
        config: args.config.clone(),
        na_values: args.na_values.clone(),
        source: None,
        header_rows: None,
        keep_all: false,
        sheet: None,
        streaming: false,
    };
    let window_days = window_days(&args.window, "180d")?;
    let (from, to) = (parse_date("--from", args.from.as_deref())?, parse_date("--to", args.to.as_deref())?);
    let as_of_flag = parse_date("--as-of", args.as_of.as_deref())?;
    let confidence = confidence_level(args.confidence, None)?;

    let responses = open_input(&input, Some(Kind::Responses), io)?;
    let spec = satisfaction_spec(&args.scales, &input, &responses)?;
    let data = &responses.data;
    let missing = |what: &str, role: &str| {
        data_err(format!(
            "{}: no {what} column found; headers found: {}. Map one with --col {role}=HEADER",
            data.name,
            list_headers(&data.headers)
        ))
    };
    let customer = responses.roles.get(Role::Customer).ok_or_else(|| missing("customer id", "customer"))?.to_string();
    let date = responses.roles.get(Role::Date).ok_or_else(|| missing("survey date", "date"))?.to_string();
    if spec.nps.is_none() && spec.csat.is_none() {
        return Err(missing("NPS or CSAT", "nps"));
    }
    // Invalid scores and dates are reported as `survey` reports them.
    let grouping = Grouping { date: Some(date.clone()), from, to, ..Default::default() };
    let groups = aggregate(data, &spec, &grouping)?;
    check_invalid(&responses, &spec, &grouping, &groups, args.strict, io)?;

    let source = SourceOptions { read: ReadOptions::default(), columns: &args.orders_columns };
    let (orders_data, roles, _) = open_dataset(&args.orders, &source, &responses.config, Some(Kind::Orders), io)?;
    let order_spec = order_spec(&orders_data, &roles, "--orders-col", true)?;
    let all_orders = read_orders(&orders_data, &order_spec, Period::Month, as_of_flag.unwrap_or(chrono::NaiveDate::MAX))?;
    check_problems(&orders_data, &order_spec, &all_orders, args.strict, io)?;
    let as_of = match as_of_flag {
        Some(d) => d,
        None => latest_purchase(&orders_data, &all_orders)?
            .ok_or_else(|| data_err(format!("{}: no purchases with a valid date and customer", orders_data.name)))?,
    };
    let loyalty_spec = LoyaltySpec {
        customer,
        date,
        nps: spec.nps.clone(),
        csat: spec.csat.clone(),
        csat_top_min: spec.csat_top_min,
        na_values: spec.na_values.clone(),
        labels: spec.labels.clone(),
        window_days,
        from,
        to,
        as_of,
    };
    let result = loyalty(data, &loyalty_spec, purchases(&all_orders))?;
    if result.no_customer > 0.0 {
        let one = result.no_customer == 1.0;
        io.warn(&format!(
            "{}: {} response{} no customer id and cannot be linked to orders (left out)",
            data.name,
            result.no_customer,
            if one { " has" } else { "s have" }
        ));
    }
    if result.all.customers == 0.0 {
        return Err(data_err(format!(
            "{}: no surveyed customer whose {window_days}-day window ends by {as_of} (the last day of order data; \
             set --as-of or a shorter --window)",
            data.name
        )));
    }
    let report = build_report(&result, &loyalty_spec, confidence, order_spec.amount.is_some(), (&data.name, &orders_data.name));
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
}

/// The latest purchase day in the orders file.
fn latest_purchase(data: &crate::input::frame::Dataset, orders: &crate::metrics::orders::OrderRows) -> Result<Option<chrono::NaiveDate>> {
    use polars::prelude::*;
    let df = data.collect(purchases(orders).select([col("__day").max()]))?;
    let days = df.column("__day")?.cast(&DataType::Int32)?;
    Ok(days.i32()?.get(0).map(|d| chrono::NaiveDate::from_epoch_days(d).unwrap_or(chrono::NaiveDate::MAX)))
}

/// The chi-square test of group (rows) against ordering again or not (columns).
fn independence(groups: &[(&'static str, LoyaltyCounts)]) -> Option<ChiSquare> {
    let table: Vec<Vec<f64>> = groups.iter().map(|(_, c)| vec![c.reordered, c.customers - c.reordered]).collect();
    chi_square(&table)
}

struct Line {
    measure: &'static str,
    group: &'static str,
    counts: LoyaltyCounts,
    test: Option<ChiSquare>,
}

fn build_report(r: &Loyalty, spec: &LoyaltySpec, confidence: f64, revenue: bool, (responses, orders): (&str, &str)) -> Report {
    let mut lines = vec![Line { measure: "all", group: "all", counts: r.all, test: None }];
    for (measure, groups) in [("nps_group", &r.nps), ("csat_box", &r.csat)] {
        let test = independence(groups);
        lines.extend(groups.iter().map(|(g, c)| Line { measure, group: g, counts: *c, test }));
    }
    let columns: Vec<String> = [
        "measure",
        "group",
        "customers",
        "reordered",
        "reorder_pct",
        "reorder_low",
        "reorder_high",
        "orders_per_customer",
        "orders_low",
        "orders_high",
        "revenue_per_customer",
        "revenue_low",
        "revenue_high",
        "chi_square",
        "df",
        "p_value",
        "note",
    ]
    .map(String::from)
    .to_vec();
    let level = format!("{}%", (confidence * 1000.0).round() / 10.0);
    let human_columns: Vec<String> = vec![
        "measure".into(),
        "group".into(),
        "customers".into(),
        format!("ordered again % ({level} CI)"),
        format!("orders / customer ({level} CI)"),
        format!("revenue / customer ({level} CI)"),
        "note".into(),
    ];
    let (mut machine, mut human) = (Vec::new(), Vec::new());
    for line in &lines {
        let c = &line.counts;
        let (pct, ci) = share_pct(c.reordered, c.customers, confidence);
        // Counts and revenue are never negative: the t interval is cut at 0 (it dips below at small n).
        let at_least_zero = |m: Option<(f64, Option<Interval>)>| m.map(|(v, i)| (v, i.map(|i| Interval { low: i.low.max(0.0), ..i })));
        let orders = at_least_zero(mean_t_interval(c.customers, c.orders, c.orders_sq, confidence));
        let money = if revenue { at_least_zero(mean_t_interval(c.customers, c.revenue, c.revenue_sq, confidence)) } else { None };
        let note = if c.customers == 0.0 {
            "not computable: no customers".to_string()
        } else if line.test.is_some_and(|t| t.min_expected < 5.0) {
            "expected counts below 5: p is approximate".to_string()
        } else {
            String::new()
        };
        let value = |m: Option<(f64, Option<Interval>)>| m.map(|(v, _)| v);
        let bound = |m: Option<(f64, Option<Interval>)>, low: bool| m.and_then(|(_, i)| i).map(|i| if low { i.low } else { i.high });
        machine.push(vec![
            Cell::Text(line.measure.to_string()),
            Cell::Text(line.group.to_string()),
            Cell::Int(c.customers as i64),
            Cell::Int(c.reordered as i64),
            Cell::num(pct, 1),
            Cell::num(ci.map(|i| i.low), 1),
            Cell::num(ci.map(|i| i.high), 1),
            Cell::num(value(orders), 3),
            Cell::num(bound(orders, true), 3),
            Cell::num(bound(orders, false), 3),
            Cell::num(value(money), 2),
            Cell::num(bound(money, true), 2),
            Cell::num(bound(money, false), 2),
            Cell::num(line.test.map(|t| t.statistic), 3),
            Cell::num(line.test.map(|t| t.df), 0),
            Cell::num(line.test.map(|t| t.p), 4),
            Cell::Text(note.clone()),
        ]);
        let shown = |m: Option<(f64, Option<Interval>)>, d: usize| crate::cmd::with_interval(value(m), m.and_then(|(_, i)| i), d, false);
        human.push(vec![
            Cell::Text(line.measure.replace('_', " ")),
            Cell::Text(line.group.to_string()),
            Cell::Int(c.customers as i64),
            crate::cmd::with_interval(pct, ci, 1, false),
            shown(orders, 2),
            shown(money, 2),
            Cell::Text(note),
        ]);
    }
    let mut caption = vec![
        format!(
            "{responses} + {orders} · each customer's first survey{} · ordered again = a purchase 1–{} days after the survey · orders up to {}",
            match (spec.from, spec.to) {
                (None, None) => String::new(),
                (f, t) => format!(
                    " from {} to {}",
                    f.map_or("the start".to_string(), |d| d.to_string()),
                    t.map_or("the end".to_string(), |d| d.to_string())
                ),
            },
            spec.window_days,
            spec.as_of
        ),
        format!(
            "{} surveyed customer{} left out: their window ends after {}",
            r.censored,
            if r.censored == 1.0 { "" } else { "s" },
            spec.as_of
        ),
    ];
    for (name, groups) in [("NPS group", &r.nps), ("CSAT box", &r.csat)] {
        if groups.is_empty() {
            continue;
        }
        caption.push(match independence(groups) {
            Some(t) => format!("{name} vs ordering again: chi-square {:.3}, df {}, p = {:.4}", t.statistic, t.df, t.p),
            None => format!("{name} vs ordering again: not computable (a group or an outcome is empty)"),
        });
    }
    Report {
        machine: Table { columns, rows: machine },
        human: Table { columns: human_columns, rows: human },
        caption,
        ..Default::default()
    }
}
