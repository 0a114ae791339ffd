//! `cxstat clv ORDERS`: customer lifetime value and churn risk. Each customer's history from
//! the orders, the BG/NBD model of purchases and the Gamma-Gamma model of spend fitted by
//! maximum likelihood on the distinct histories, and per customer P(alive), the expected
//! purchases and spend over the horizon, CLV, value tier and whether at risk.
//!
//! Usage: cxstat clv orders.csv [--as-of DATE] [--by COL] [--time-unit week] [--horizon 52w]
//!        [--margin 1] [--discount 10%] [--tiers 20,20] [--customers FILE] [--chart FILE]
//!        [--holdout-from DATE] [--format …] [-o FILE]

use anyhow::Result;
use chrono::NaiveDate;

use crate::chart::{self, Chart, Point, Series, Trend};
use crate::cli::{ClvArgs, TimeUnit};
use crate::cmd::repeat::check_problems;
use crate::cmd::{max_invalid, open_checked, resolve_group_column_of, Opened};
use crate::error::{data_err, usage};
use crate::input::roles::Kind;
use crate::input::trace::Timer;
use crate::metrics::orders::clv::{tracking, ClvSettings, ClvSummary, CustomerClv, Histories, Predicted, CUSTOMER_COLUMNS, HOLDOUT_TOP};
use crate::metrics::orders::{latest_purchase, read_orders, unreadable_amounts, OrderRows, OrderSpec};
use crate::metrics::period::Period;
use crate::output::columns::human_number;
use crate::output::{choose_format, emit, write_atomic, Cell, Format, Report, Table, Target, FORMULA_STARTS};
use crate::stats::clv::{fit_bgnbd, fit_gamma_gamma, BgNbd, Fitted, GammaGamma, Spend, BOUNDARY};
use crate::Io;

/// Fewer repeat customers than this and the models are not fitted: four or three parameters
/// from a handful of repeat buyers are noise.
pub const MIN_REPEAT: f64 = 10.0;

/// The frequency–monetary correlation above which the Gamma-Gamma model's assumption of
/// independence is said not to hold.
pub const STRONG_CORRELATION: f64 = 0.3;

/// Runs `cxstat clv`.
pub fn run(args: &ClvArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let customers_format = args.customers.as_deref().map(|p| choose_format(None, Some(p), false)).transpose()?;
    if let Some(path) = &args.chart {
        chart::ChartFormat::of(path)?;
    }
    if args.holdout_from.is_some() && args.customers.is_some() {
        return Err(usage("--customers writes the predictions of a fit on all the orders; --holdout-from fits on part of them to check the model: run them apart"));
    }
    let (opened, ()) = open_checked(&args.input, Some(Kind::Orders), io, |_| Ok(()))?;
    let prepared = prepare(args, &opened, io)?;
    if let Some(from) = args.holdout_from {
        let (report, chart) = validate(&prepared, &opened, from)?;
        if let Some(path) = &args.chart {
            chart::write(&chart, path)?;
        }
        return emit(&report, format, args.output.target(), io);
    }
    let fit = analyse(&prepared, &opened, io)?;
    if let (Some(path), Some(f)) = (&args.customers, customers_format) {
        let _timer = Timer::stage("--customers");
        let by = prepared.by.as_deref();
        let safe_csv = args.output.safe_csv;
        match f {
            // Every customer: polars' writer (seconds faster on a million customers).
            Format::Csv | Format::Tsv => {
                let separator = if f == Format::Tsv { b'\t' } else { b',' };
                let formula_starts: &[char] = if safe_csv { &FORMULA_STARTS } else { &[] };
                let csv = fit.predicted.customers_csv(&opened.data, prepared.unit.days(), by, separator, formula_starts)?;
                io.done();
                write_atomic(path, &csv)?;
            }
            _ => {
                let table = customer_table(&fit.predicted.customers()?, prepared.unit, by);
                emit(&Report { machine: table.clone(), human: table, ..Default::default() }, f, Target { path: Some(path), safe_csv }, io)?;
            }
        }
    }
    if let Some(path) = &args.chart {
        let chart = lorenz_chart(&fit, &opened)
            .ok_or_else(|| data_err(format!("{}: no CLV to draw: the orders have no amounts", opened.data.name)))?;
        chart::write(&chart, path)?;
    }
    let report = clv_report(&fit, &opened, prepared.by.as_deref());
    emit(&report, format, args.output.target(), io)
}

/// The summary totals of `cxstat clv` with these arguments as of each of `days` (for the
/// scorecard), the orders read and checked once, up to --as-of (every day on or before it):
/// each when both models could be fitted; without amounts there is no value at risk (exit 65).
pub fn totals(args: &ClvArgs, days: &[NaiveDate], io: &mut Io) -> Result<Vec<Result<ClvSummary>>> {
    let (opened, ()) = open_checked(&args.input, Some(Kind::Orders), io, |_| Ok(()))?;
    let prepared = prepare(args, &opened, io)?;
    if !prepared.amount {
        return Err(data_err(format!("{}: no amount column: no value to put at risk", opened.data.name)));
    }
    Ok(days
        .iter()
        .map(|&day| {
            let fit = analyse_at(&prepared, day, &opened, io)?;
            Ok(fit.predicted.summary.last().map(|(_, s)| *s).unwrap_or_default())
        })
        .collect())
}

/// What `cxstat clv` computed.
pub struct Clv {
    pub as_of: NaiveDate,
    pub unit: TimeUnit,
    pub settings: ClvSettings,
    pub bgnbd: Fitted<BgNbd>,
    /// None without an amount column.
    pub spend: Option<Fitted<GammaGamma>>,
    /// The frequency–monetary correlation of the repeat customers (weighted Pearson).
    pub correlation: Option<f64>,
    /// Repeat customers left out of the spend model: a mean spend of 0 or less, or no repeat day
    /// whose spend is known.
    pub spend_dropped: u64,
    /// Per customer (for --customers), the summary per group of --by then the total (`None`),
    /// and the share of CLV (percent) of the top 0%, 5%, … 100% of customers by CLV.
    pub predicted: Predicted,
    /// Distinct histories (x, tₓ, T): the terms of the BG/NBD likelihood.
    pub distinct_histories: usize,
}

/// The orders read and the settings: what a fit and a validation share.
pub struct Prepared {
    pub orders: OrderRows,
    /// The --by column.
    pub by: Option<String>,
    pub amount: bool,
    pub as_of: NaiveDate,
    pub unit: TimeUnit,
    pub settings: ClvSettings,
}

/// Reads the orders (problems reported) and the settings.
pub fn prepare(args: &ClvArgs, opened: &Opened, io: &mut Io) -> Result<Prepared> {
    let data = &opened.data;
    let by = args.by.as_deref().map(|b| resolve_group_column_of(opened, b, "--by")).transpose()?;
    let spec = OrderSpec { date_order: args.date_order, by: by.clone(), ..crate::cmd::order_spec(data, &opened.roles, "--col", true)? };
    let orders = read_orders(data, &spec, Period::Month, args.as_of.unwrap_or(NaiveDate::MAX))?;
    let as_of = match args.as_of {
        Some(d) => d,
        None => latest_purchase(data, &orders)?
            .ok_or_else(|| data_err(format!("{}: no purchases with a valid date and customer", data.name)))?,
    };
    check_problems(data, &spec, &orders, args.stats.strict, io)?;
    if let Some(amount) = &spec.amount {
        check_amounts(data, amount, &orders, max_invalid(args.invalid.max_invalid, &opened.config)?)?;
    }
    let unit = args.time_unit.unwrap_or(TimeUnit::Week);
    let settings = ClvSettings {
        unit_days: unit.days(),
        horizon_days: args.horizon.unwrap_or(364) as f64,
        margin: args.margin.unwrap_or(1.0),
        discount: args.discount.unwrap_or(0.1),
        tiers: args.tiers.unwrap_or((0.2, 0.2)),
    };
    Ok(Prepared { orders, amount: spec.amount.is_some(), as_of, unit, settings, by })
}

/// Stops (exit 65) when more than `max_pct`% of the orders' amounts are unreadable: the spend
/// per purchase would rest on the few that are left (a text column taken as the amount, amounts
/// in a form not read). Below it each is a warning, and its day is left out of the mean spend.
fn check_amounts(data: &crate::input::frame::Dataset, amount: &str, orders: &OrderRows, max_pct: f64) -> Result<()> {
    let (bad, all) = unreadable_amounts(data, orders)?;
    let pct = if all > 0 { 100.0 * bad as f64 / all as f64 } else { 0.0 };
    if pct > max_pct {
        return Err(data_err(format!(
            "{}: column '{amount}': {bad} of {all} orders ({pct:.1}%) have an amount that is not a number, more than --max-invalid {max_pct}% allows: the spend per purchase from the rest would not be a result (see the warning above for examples). \
             Map the amount with --col amount=HEADER, write decimal commas as --decimal-comma reads them, or raise --max-invalid to fit on the readable amounts",
            data.name
        )));
    }
    Ok(())
}

/// Fits BG/NBD on the histories' distinct patterns, after checking there are enough repeat
/// customers.
fn fit_purchases(name: &str, history: &Histories, until: NaiveDate) -> Result<Fitted<BgNbd>> {
    if history.is_empty() {
        return Err(data_err(format!("{name}: no purchases up to {until}")));
    }
    let repeat: f64 = history.patterns.iter().filter(|p| p.x > 0.0).map(|p| p.weight).sum();
    if repeat < MIN_REPEAT {
        return Err(data_err(format!(
            "{name}: {repeat} of {} customers bought again (on a later day) up to {until}: the models need {MIN_REPEAT} repeat customers at least",
            history.len()
        )));
    }
    fit_bgnbd(&history.patterns).map_err(|e| data_err(format!("{name}: BG/NBD: {e}")))
}

/// Fits the models on all the orders and predicts per customer.
pub fn analyse(prepared: &Prepared, opened: &Opened, io: &mut Io) -> Result<Clv> {
    analyse_at(prepared, prepared.as_of, opened, io)
}

/// [`analyse`] as of `as_of` (on or before the prepared orders' --as-of).
fn analyse_at(prepared: &Prepared, as_of: NaiveDate, opened: &Opened, io: &mut Io) -> Result<Clv> {
    let data = &opened.data;
    let name = &data.name;
    let Prepared { orders, amount, unit, settings, .. } = prepared;
    let (unit, settings) = (*unit, *settings);
    let timer = Timer::stage("histories");
    let history = Histories::read(data, orders, as_of, unit.days())?;
    drop(timer);
    let timer = Timer::stage("BG/NBD fit");
    let bgnbd = fit_purchases(name, &history, as_of)?;
    drop(timer);
    let _timer = Timer::stage("Gamma-Gamma fit");
    let (spend, correlation, spend_dropped) = if *amount {
        let (pairs, dropped) = history.spend(data)?;
        let n: f64 = pairs.iter().map(|p| p.2).sum();
        if n < MIN_REPEAT {
            return Err(data_err(format!(
                "{name}: {n} repeat customers with a positive mean spend: the Gamma-Gamma model needs {MIN_REPEAT} at least"
            )));
        }
        let fit = fit_gamma_gamma(&pairs).map_err(|e| data_err(format!("{name}: Gamma-Gamma: {e}")))?;
        if fit.model.q <= 1.0 {
            return Err(data_err(format!(
                "{name}: Gamma-Gamma: q = {:.4} ≤ 1: the model's mean spend is infinite; the spend per purchase varies too much between customers for it",
                fit.model.q
            )));
        }
        (Some(fit), weighted_correlation(&pairs), dropped)
    } else {
        (None, None, 0)
    };
    if let Some(r) = correlation.filter(|r| r.abs() >= STRONG_CORRELATION) {
        io.warn(&format!(
            "{name}: the repeat customers' purchases and mean spend correlate (r = {r:.3}): the Gamma-Gamma model assumes they do not, so the expected spend leans {}",
            if r > 0.0 { "low for frequent buyers" } else { "high for frequent buyers" }
        ));
    }
    let mut bgnbd = bgnbd;
    if at_boundary(&bgnbd, name, io) {
        // Not estimable apart: their standard errors are not given.
        bgnbd.standard_errors[2] = f64::NAN;
        bgnbd.standard_errors[3] = f64::NAN;
    }
    drop(_timer);
    let _timer = Timer::stage("predictions");
    let predicted =
        history.predict(data, &bgnbd.model, spend.as_ref().map(|s| &s.model), &settings).map_err(|e| data_err(format!("{name}: {e}")))?;
    Ok(Clv { as_of, unit, settings, bgnbd, spend, correlation, spend_dropped, predicted, distinct_histories: history.patterns.len() })
}

/// A fit with the mean drop-out probability a/(a + b) near 0 says the customers show no sign of
/// leaving (the model is then the NBD, P(alive) about 1); a and b are then not estimable apart.
fn at_boundary(fit: &Fitted<BgNbd>, name: &str, io: &mut Io) -> bool {
    let BgNbd { a, b, .. } = fit.model;
    let boundary = a / (a + b) < BOUNDARY;
    if boundary {
        io.warn(&format!(
            "{name}: BG/NBD: the drop-out probability after a purchase is about 0 (a = {a:.3e}, b = {b:.3e}): the customers show no sign of leaving, P(alive) is about 1 for everyone, and a and b are not estimable apart"
        ));
    }
    boundary
}

/// A parameter or standard error for people: 4 decimals, or 4 significant digits in scientific
/// notation when tiny or huge; "–" when not given.
fn sig(v: f64) -> String {
    match v {
        v if !v.is_finite() => "–".to_string(),
        v if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e6) => format!("{v:.3e}").replace('-', "−"),
        v => human_number(v, 4, false),
    }
}

/// Parameters for people, "r = 0.9511 (SE 0.0496), α = …" (without standard errors when
/// `errors` is empty).
fn estimates_text(values: &[(&str, f64)], errors: &[f64]) -> String {
    let shown = |key: &str| {
        match key {
            "alpha" => "α",
            "gamma" => "γ",
            k => k,
        }
        .to_string()
    };
    let text = |i: usize, (key, v): &(&str, f64)| match errors.get(i) {
        Some(se) => format!("{} = {} (SE {})", shown(key), sig(*v), sig(*se)),
        None => format!("{} = {}", shown(key), sig(*v)),
    };
    values.iter().enumerate().map(|(i, kv)| text(i, kv)).collect::<Vec<_>>().join(", ")
}

/// Parameters for JSON: name → value.
fn parameter_cells(values: &[(&str, f64)]) -> Vec<(String, Cell)> {
    values.iter().map(|(k, v)| (k.to_string(), Cell::num(Some(*v), 6))).collect()
}

/// Standard errors for JSON: name → error (null where not given).
fn error_cells(values: &[(&str, f64)], errors: &[f64]) -> Vec<(String, Cell)> {
    values.iter().zip(errors).map(|((k, _), se)| (k.to_string(), Cell::num(Some(*se), 6))).collect()
}

/// Pearson's correlation of x and m over (x, m, weight), weighted.
fn weighted_correlation(pairs: &[Spend]) -> Option<f64> {
    let n: f64 = pairs.iter().map(|p| p.2).sum();
    let mx = pairs.iter().map(|p| p.0 * p.2).sum::<f64>() / n;
    let mm = pairs.iter().map(|p| p.1 * p.2).sum::<f64>() / n;
    let (mut sxx, mut smm, mut sxm) = (0.0, 0.0, 0.0);
    for &(x, m, w) in pairs {
        sxx += w * (x - mx) * (x - mx);
        smm += w * (m - mm) * (m - mm);
        sxm += w * (x - mx) * (m - mm);
    }
    (sxx > 0.0 && smm > 0.0).then(|| sxm / (sxx * smm).sqrt())
}

/// The per-customer table of `--customers`, recency and T in the time unit.
fn customer_table(customers: &[CustomerClv], unit: TimeUnit, by: Option<&str>) -> Table {
    let days = unit.days();
    let rows = customers
        .iter()
        .map(|c| {
            let mut row = vec![Cell::Text(c.id.clone())];
            if by.is_some() {
                row.push(Cell::text(c.group.as_deref()));
            }
            row.extend([
                Cell::Int(c.x),
                Cell::num(Some(c.recency_days / days), 4),
                Cell::num(Some(c.age_days / days), 4),
                Cell::num(Some(c.monetary), 2),
                Cell::num(Some(c.past_value), 2),
                Cell::num(Some(c.p_alive), 4),
                Cell::num(Some(c.expected_purchases), 4),
                Cell::num(c.expected_spend, 2),
                Cell::num(c.clv, 2),
                Cell::text(c.tier.as_deref()),
                c.at_risk.map_or(Cell::Null, Cell::Bool),
            ]);
            row
        })
        .collect();
    let mut columns: Vec<String> = vec!["customer_id".to_string()];
    columns.extend(by.map(str::to_string));
    columns.extend(CUSTOMER_COLUMNS.map(str::to_string));
    Table { columns, rows }
}

/// The summary table (one row, the whole file), the fit in the caption and in JSON's facts.
fn clv_report(fit: &Clv, opened: &Opened, by: Option<&str>) -> Report {
    let amount = fit.spend.is_some();
    let money = |v: f64| if amount { Cell::Num(v, 2) } else { Cell::Null };
    let pct = |v: f64| if amount { Cell::Num(v, 1) } else { Cell::Null };
    let mut columns: Vec<String> = by.map(str::to_string).into_iter().collect();
    columns.extend(
        [
            "customers",
            "repeat_customers",
            "expected_purchases",
            "clv_total",
            "clv_mean",
            "top_tier_clv_pct",
            "middle_tier_clv_pct",
            "bottom_tier_clv_pct",
            "at_risk",
            "at_risk_past_value",
        ]
        .map(str::to_string),
    );
    let rows = fit
        .predicted
        .summary
        .iter()
        .map(|(group, s)| {
            let mut row: Vec<Cell> = by.map(|_| Cell::Text(group.clone().unwrap_or_else(|| "Total".to_string()))).into_iter().collect();
            row.extend([
                Cell::Int(s.customers as i64),
                Cell::Int(s.repeat_customers as i64),
                Cell::Num(s.expected_purchases, 1),
                money(s.clv),
                money(s.clv_mean),
                pct(s.top_share_pct),
                pct(s.middle_share_pct),
                pct(s.bottom_share_pct),
                if amount { Cell::Int(s.at_risk as i64) } else { Cell::Null },
                money(s.at_risk_past_value),
            ]);
            row
        })
        .collect();
    let table = Table { columns, rows };
    let total = fit.predicted.summary.last().map(|(_, s)| *s).unwrap_or_default();
    let b = &fit.bgnbd;
    let unit = fit.unit.name();
    let mut caption = vec![
        format!(
            "{} · as of {} · time unit {unit} · horizon {} days · discount {}% a year · margin {}",
            opened.data.name,
            fit.as_of,
            fit.settings.horizon_days,
            fit.settings.discount * 100.0,
            fit.settings.margin
        ),
        format!(
            "BG/NBD: {}; log-likelihood {}",
            estimates_text(&b.model.values(), &b.standard_errors),
            human_number(b.log_likelihood, 2, false)
        ),
    ];
    match &fit.spend {
        Some(g) => caption.push(format!(
            "Gamma-Gamma: {}; log-likelihood {}; purchases–spend correlation {}",
            estimates_text(&g.model.values(), &g.standard_errors),
            human_number(g.log_likelihood, 2, false),
            fit.correlation.map_or("–".to_string(), |r| human_number(r, 3, false))
        )),
        None => caption.push("no amount column: spend and CLV are not given (map one with --col amount=HEADER)".to_string()),
    }
    let (top, bottom) = fit.settings.tiers;
    caption.push(format!(
        "tiers by CLV: top {:.0}%, middle {:.0}%, bottom {:.0}% of customers · at risk: P(alive) < 0.5 and past value above the median",
        top * 100.0,
        (1.0 - top - bottom) * 100.0,
        bottom * 100.0
    ));
    let num = |v: f64| Cell::num(Some(v), 6);
    let mut parameters = parameter_cells(&b.model.values());
    let mut errors = error_cells(&b.model.values(), &b.standard_errors);
    let mut likelihood = vec![("bgnbd".to_string(), num(b.log_likelihood))];
    let mut evaluations = vec![("bgnbd".to_string(), Cell::Int(b.iterations as i64))];
    if let Some(g) = &fit.spend {
        parameters.extend(parameter_cells(&g.model.values()));
        errors.extend(error_cells(&g.model.values(), &g.standard_errors));
        likelihood.push(("gamma_gamma".to_string(), num(g.log_likelihood)));
        evaluations.push(("gamma_gamma".to_string(), Cell::Int(g.iterations as i64)));
    }
    Report {
        machine: table.clone(),
        human: table,
        caption,
        meta: vec![
            ("as_of".to_string(), Cell::Text(fit.as_of.to_string())),
            ("time_unit".to_string(), Cell::Text(unit.to_string())),
            ("horizon_days".to_string(), num(fit.settings.horizon_days)),
            ("discount".to_string(), num(fit.settings.discount)),
            ("margin".to_string(), num(fit.settings.margin)),
            ("parameters".to_string(), Cell::Object(parameters)),
            ("standard_errors".to_string(), Cell::Object(errors)),
            ("log_likelihood".to_string(), Cell::Object(likelihood)),
            ("frequency_monetary_correlation".to_string(), Cell::num(fit.correlation, 6)),
            ("spend_excluded".to_string(), Cell::Int(fit.spend_dropped as i64)),
            ("distinct_histories".to_string(), Cell::Int(fit.distinct_histories as i64)),
            ("evaluations".to_string(), Cell::Object(evaluations)),
            ("customers".to_string(), Cell::Int(total.customers as i64)),
        ],
        rows_key: "summary",
    }
}

/// The validation of `--holdout-from`: BG/NBD fitted on the purchases before `from`, the
/// holdout purchases predicted per customer, the table by calibration frequency and the
/// tracking chart.
fn validate(prepared: &Prepared, opened: &Opened, from: NaiveDate) -> Result<(Report, Chart)> {
    let data = &opened.data;
    let name = &data.name;
    let as_of = prepared.as_of;
    let Some(calibration_end) = from.pred_opt().filter(|_| from <= as_of) else {
        return Err(usage(format!("--holdout-from {from}: after --as-of {as_of}: the holdout period would be empty")));
    };
    let history = Histories::read_holdout(data, &prepared.orders, (calibration_end, as_of), prepared.unit.days())?;
    let fit = fit_purchases(name, &history, calibration_end)?;
    let duration = (as_of - calibration_end).num_days() as f64;
    let rows = history.holdout_table(data, &fit.model, &prepared.settings, duration).map_err(|e| data_err(format!("{name}: {e}")))?;
    let (start, weeks) = tracking(data, &prepared.orders, &fit.model, (calibration_end, as_of), prepared.unit.days())
        .map_err(|e| data_err(format!("{name}: {e}")))?;
    let total = rows.last().cloned().unwrap_or_default();
    let error = if total.actual > 0.0 { Some(100.0 * (total.predicted - total.actual) / total.actual) } else { None };
    let columns = ["frequency", "customers", "actual_mean", "predicted_mean", "actual", "predicted", "difference_pct"];
    let mean = |v: f64, n: f64| Cell::num((n > 0.0).then(|| v / n), 4);
    let table_rows = rows
        .iter()
        .map(|r| {
            vec![
                match r.frequency {
                    Some(f) if r.and_more => Cell::Text(format!("{f}+")),
                    Some(f) => Cell::Text(f.to_string()),
                    None => Cell::Text("Total".to_string()),
                },
                Cell::Int(r.customers as i64),
                mean(r.actual, r.customers),
                mean(r.predicted, r.customers),
                Cell::Int(r.actual as i64),
                Cell::Num(r.predicted, 1),
                Cell::num((r.actual > 0.0).then(|| 100.0 * (r.predicted - r.actual) / r.actual), 1),
            ]
        })
        .collect();
    let table = Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows: table_rows };
    let unit = prepared.unit.name();
    let b = &fit.model;
    let caption = vec![
        format!(
            "{name} · calibration: purchases up to {calibration_end} ({} customers) · holdout: {from} to {as_of} ({duration} days)",
            total.customers as i64
        ),
        format!(
            "BG/NBD on the calibration ({unit}s): {} · holdout purchases: {} actual, {:.1} predicted ({})",
            estimates_text(&b.values(), &[]),
            total.actual as i64,
            total.predicted,
            error.map_or("–".to_string(), |e| format!("{}{:.1}%", if e >= 0.0 { "+" } else { "−" }, e.abs()))
        ),
        format!("by the customers' purchases after the first in the calibration (0 … {HOLDOUT_TOP}+): mean purchases per customer in the holdout"),
    ];
    let num = |v: f64| Cell::num(Some(v), 6);
    let report = Report {
        machine: table.clone(),
        human: table,
        caption,
        meta: vec![
            ("calibration_end".to_string(), Cell::Text(calibration_end.to_string())),
            ("holdout_from".to_string(), Cell::Text(from.to_string())),
            ("as_of".to_string(), Cell::Text(as_of.to_string())),
            ("time_unit".to_string(), Cell::Text(unit.to_string())),
            ("parameters".to_string(), Cell::Object(parameter_cells(&b.values()))),
            ("log_likelihood".to_string(), num(fit.log_likelihood)),
            ("holdout_error_pct".to_string(), Cell::num(error, 6)),
        ],
        rows_key: "validation",
    };
    let week = |k: usize| (start + chrono::Duration::days(7 * k as i64)).to_string();
    let point = |v: f64| Some(Point { value: v, low: None, high: None, low_base: false });
    let chart = Chart::Trend(Trend {
        title: "Repeat purchases: actual and predicted (BG/NBD)".to_string(),
        subtitle: format!("{name} · cumulative, weekly · fitted up to {calibration_end}, holdout from {from}"),
        x_label: "week starting".to_string(),
        y_label: "cumulative repeat purchases".to_string(),
        limits: (0.0, f64::INFINITY),
        band: String::new(),
        periods: (0..weeks.len()).map(week).collect(),
        series: vec![
            Series { name: "actual".to_string(), points: weeks.iter().map(|w| point(w.0)).collect() },
            Series { name: "predicted".to_string(), points: weeks.iter().map(|w| point(w.1)).collect() },
        ],
        targets: Vec::new(),
    });
    Ok((report, chart))
}

/// The Lorenz curve of CLV: the share of the total CLV held by the top 0%, 5%, … 100% of
/// customers, against the line of equal shares.
fn lorenz_chart(fit: &Clv, opened: &Opened) -> Option<Chart> {
    let curve = fit.predicted.lorenz.as_ref()?;
    let point = |v: f64| Some(Point { value: v, low: None, high: None, low_base: false });
    Some(Chart::Trend(Trend {
        title: "Customer lifetime value: how concentrated".to_string(),
        subtitle: format!(
            "{} · as of {} · top 20% of customers hold {:.1}% of CLV",
            opened.data.name,
            fit.as_of,
            curve.get(4).copied().unwrap_or(0.0)
        ),
        x_label: "share of customers, highest CLV first (%)".to_string(),
        y_label: "share of CLV (%)".to_string(),
        limits: (0.0, 100.0),
        band: String::new(),
        periods: (0..curve.len()).map(|k| format!("{}", 5 * k)).collect(),
        series: vec![
            Series { name: "share of CLV".to_string(), points: curve.iter().map(|v| point(*v)).collect() },
            Series { name: "equal shares".to_string(), points: (0..curve.len()).map(|k| point(5.0 * k as f64)).collect() },
        ],
        targets: Vec::new(),
    }))
}
