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
use crate::cmd::charts;
use crate::cmd::repeat::check_problems;
use crate::cmd::survey::check_invalid;
use crate::cmd::{
    check_dates, max_invalid, open_checked, open_dataset, order_spec, resolve_group_column_of, satisfaction_spec, scales, SourceOptions,
};
use crate::error::data_err;
use crate::input::frame::ReadOptions;
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::grouping::Grouping;
use crate::metrics::loyalty::{independence, lines, loyalty, ordered_trend, Adjusted, Loyalty, LoyaltyLine, LoyaltySpec};
use crate::metrics::orders::{latest_purchase, purchases, read_orders};
use crate::metrics::period::Period;
use crate::metrics::satisfaction::aggregate;
use crate::output::columns::{always, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::stats::logistic::NoFit;
use crate::Io;

/// Runs `cxstat loyalty`.
pub fn run(args: &LoyaltyArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let input = InputArgs {
        file: Some(args.responses.clone()),
        delimiter: None,
        skip_rows: 0,
        encoding: None,
        columns: args.columns.clone(),
        config: args.config.clone(),
        na_values: args.na_values.clone(),
        source: None,
        header_rows: None,
        no_header: false,
        decimal_comma: false,
        keep_all: false,
        sheet: None,
        streaming: false,
    };
    let window_days = args.window;
    let (from, to, as_of_flag) = (args.from, args.to, args.as_of);
    let confidence = args.stats.confidence.unwrap_or(0.95);
    let (responses, (scales, max_invalid)) = open_checked(&input, Some(Kind::Responses), io, |config| {
        check_dates(from, to)?;
        Ok((scales(&args.scales, config)?, max_invalid(args.invalid.max_invalid, config)?))
    })?;
    let spec = satisfaction_spec(&scales, &input, &responses);
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
    check_invalid(&responses, &spec, &grouping, &groups, (args.stats.strict, max_invalid), io)?;

    let source = SourceOptions { read: ReadOptions::default(), columns: &args.orders_columns };
    let (orders_data, roles, _) = open_dataset(&args.orders, &source, &responses.config, Some(Kind::Orders), io)?;
    let order_spec = order_spec(&orders_data, &roles, "--orders-col", true)?;
    let all_orders = read_orders(&orders_data, &order_spec, Period::Month, as_of_flag.unwrap_or(chrono::NaiveDate::MAX))?;
    check_problems(&orders_data, &order_spec, &all_orders, args.stats.strict, io)?;
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
        covariates: args.adjust_for.iter().map(|c| resolve_group_column_of(&responses, c, "--adjust-for")).collect::<Result<_>>()?,
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
    emit(&report, format, args.output.target(), io)
}

fn build_report(r: &Loyalty, spec: &LoyaltySpec, confidence: f64, revenue: bool, (responses, orders): (&str, &str)) -> Report {
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
    for (name, groups, adjusted) in [("NPS group", &r.nps, &r.nps_adjusted), ("CSAT box", &r.csat, &r.csat_adjusted)] {
        if groups.is_empty() {
            continue;
        }
        let mut line = match independence(groups) {
            Some(t) => format!("{name} vs ordering again: chi-square {:.3}, df {}, p = {:.4}", t.statistic, t.df, t.p),
            None => format!("{name} vs ordering again: not computable (a group or an outcome is empty)"),
        };
        if let Some(t) = ordered_trend(groups) {
            line.push_str(&format!(" · trend (Cochran–Armitage) {:.3}, p = {:.4}", t.statistic, t.p));
        }
        caption.push(line);
        if let Some(a) = adjusted {
            caption.push(adjusted_line(name, a, &spec.covariates));
        }
    }
    let rows = lines(r, confidence, revenue);
    let label_columns = ["measure".to_string(), "group".to_string()];
    let machine_labels = |l: &LoyaltyLine| vec![Cell::Text(l.measure.to_string()), Cell::Text(l.group.to_string())];
    let human_labels = |l: &LoyaltyLine| vec![Cell::Text(l.measure.replace('_', " ")), Cell::Text(l.group.to_string())];
    let plan = (confidence, !spec.covariates.is_empty());
    let machine = Rows { plan: &plan, label_columns: &label_columns, labels: &machine_labels, rows: &rows }.machine(COLUMNS);
    let human = Rows { plan: &plan, label_columns: &label_columns, labels: &human_labels, rows: &rows }.human(VIEWS, COLUMNS);
    Report { machine, human, caption, ..Default::default() }
}

/// The caption line of an adjusted test.
fn adjusted_line(name: &str, a: &Adjusted, covariates: &[String]) -> String {
    let what = format!("{name} adjusted for {}", covariates.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", "));
    let left = if a.left_out > 0.0 { format!("; {} customers without a value left out", a.left_out) } else { String::new() };
    match &a.test {
        Ok(t) => format!(
            "{what} (logistic regression, {} customers{left}): likelihood-ratio chi-square {:.3}, df {}, p = {:.4}; odds ratios against {}",
            a.customers, t.statistic, t.df, t.p, a.reference
        ),
        Err(NoFit::Collinear) => format!("{what}: not computable: the covariates repeat each other or the groups (collinear){left}"),
        Err(NoFit::Separation) => {
            format!("{what}: not computable: some covariate level or group has everyone or no one ordering again (separation){left}")
        }
    }
}

/// A mean with its interval: the mean, its low or its high end.
fn mean_of(m: Option<(f64, Option<crate::stats::intervals::Interval>)>) -> Value {
    Value::Num(m.map(|(v, _)| v))
}

/// Why a line has no result, or that its test is approximate.
fn note(l: &LoyaltyLine) -> String {
    if l.counts.customers == 0.0 {
        "not computable: no customers".to_string()
    } else if l.test.is_some_and(|t| t.min_expected < 5.0) {
        "expected counts below 5: p is approximate".to_string()
    } else {
        String::new()
    }
}

/// Whether the run adjusts for covariates (the plan is the confidence level and that).
fn adjusting(p: &(f64, bool)) -> bool {
    p.1
}

/// A line's adjusted test, when it has one.
fn adjusted_test(l: &LoyaltyLine) -> Option<crate::stats::logistic::Test> {
    l.adjusted.as_ref().and_then(|a| a.test.ok())
}

/// The loyalty table's columns, in their order in CSV and JSON (after measure and group).
const COLUMNS: &[Column<LoyaltyLine, (f64, bool)>] = &[
    Column { key: "customers", decimals: 0, shown: always, value: |l, _| Value::Count(l.counts.customers) },
    Column { key: "reordered", decimals: 0, shown: always, value: |l, _| Value::Count(l.counts.reordered) },
    Column { key: "reorder_pct", decimals: 1, shown: always, value: |l, _| Value::Num(l.reordered.pct) },
    Column { key: "reorder_low", decimals: 1, shown: always, value: |l, _| Value::Num(l.reordered.ci.map(|i| i.low)) },
    Column { key: "reorder_high", decimals: 1, shown: always, value: |l, _| Value::Num(l.reordered.ci.map(|i| i.high)) },
    Column { key: "orders_per_customer", decimals: 2, shown: always, value: |l, _| mean_of(l.orders) },
    Column { key: "orders_low", decimals: 2, shown: always, value: |l, _| Value::low(l.orders.and_then(|(_, i)| i)) },
    Column { key: "orders_high", decimals: 2, shown: always, value: |l, _| Value::high(l.orders.and_then(|(_, i)| i)) },
    Column { key: "revenue_per_customer", decimals: 2, shown: always, value: |l, _| mean_of(l.revenue) },
    Column { key: "revenue_low", decimals: 2, shown: always, value: |l, _| Value::low(l.revenue.and_then(|(_, i)| i)) },
    Column { key: "revenue_high", decimals: 2, shown: always, value: |l, _| Value::high(l.revenue.and_then(|(_, i)| i)) },
    Column { key: "chi_square", decimals: 3, shown: always, value: |l, _| Value::Num(l.test.map(|t| t.statistic)) },
    Column { key: "df", decimals: 0, shown: always, value: |l, _| Value::Num(l.test.map(|t| t.df)) },
    Column { key: "p_value", decimals: 4, shown: always, value: |l, _| Value::P(l.test.map(|t| t.p)) },
    Column { key: "trend_chi_square", decimals: 3, shown: always, value: |l, _| Value::Num(l.trend.map(|t| t.statistic)) },
    Column { key: "trend_p", decimals: 4, shown: always, value: |l, _| Value::P(l.trend.map(|t| t.p)) },
    Column { key: "adjusted_lr", decimals: 3, shown: adjusting, value: |l, _| Value::Num(adjusted_test(l).map(|t| t.statistic)) },
    Column { key: "adjusted_df", decimals: 0, shown: adjusting, value: |l, _| Value::Num(adjusted_test(l).map(|t| t.df)) },
    Column { key: "adjusted_p", decimals: 4, shown: adjusting, value: |l, _| Value::P(adjusted_test(l).map(|t| t.p)) },
    Column { key: "odds_ratio", decimals: 3, shown: adjusting, value: |l, _| Value::Num(l.odds.map(|o| o.0)) },
    Column { key: "odds_ratio_low", decimals: 3, shown: adjusting, value: |l, _| Value::Num(l.odds.map(|o| o.1.low)) },
    Column { key: "odds_ratio_high", decimals: 3, shown: adjusting, value: |l, _| Value::Num(l.odds.map(|o| o.1.high)) },
    Column { key: "note", decimals: 0, shown: always, value: |l, _| Value::Text(Some(note(l))) },
];

/// The loyalty table as people see it.
const VIEWS: &[Shown<LoyaltyLine, (f64, bool)>] = &[
    Shown { header: |_| "customers".into(), shown: always, show: Show::Column("customers") },
    Shown {
        header: |c| format!("ordered again % ({} CI)", charts::level_text(c.0)),
        shown: always,
        show: Show::Interval { value: "reorder_pct", low: "reorder_low", high: "reorder_high", signed: false },
    },
    Shown {
        header: |c| format!("orders / customer ({} CI)", charts::level_text(c.0)),
        shown: always,
        show: Show::Interval { value: "orders_per_customer", low: "orders_low", high: "orders_high", signed: false },
    },
    Shown {
        header: |c| format!("revenue / customer ({} CI)", charts::level_text(c.0)),
        shown: always,
        show: Show::Interval { value: "revenue_per_customer", low: "revenue_low", high: "revenue_high", signed: false },
    },
    Shown {
        header: |_| "adj. odds ratio (95% CI)".into(),
        shown: adjusting,
        show: Show::Interval { value: "odds_ratio", low: "odds_ratio_low", high: "odds_ratio_high", signed: false },
    },
    Shown { header: |_| "note".into(), shown: always, show: Show::Column("note") },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::undeclared;

    /// Every column the human view names is declared.
    #[test]
    fn views_name_declared_columns() {
        assert_eq!(undeclared(COLUMNS, VIEWS, &[]), Vec::<&str>::new());
    }
}
