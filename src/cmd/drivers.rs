//! `cxstat drivers FILE --target csat|nps|ces --drivers 'q_*'`: what drives satisfaction?
//! For each driver (a rating question): its mean (performance), Pearson and Spearman correlation
//! with the target, Johnson's relative weight (raw, summing to the model R², and as % of R²), and
//! its importance–performance quadrant; per `--by`/`--period` group with a total.
//!
//! Rows count when the target and every driver are answered and valid (listwise deletion); the
//! statistics are computed in `metrics::drivers`, and this file matches the driver columns and
//! lays out the table and the importance–performance chart.

use anyhow::Result;

use crate::chart::{self, Chart, QuadrantPoint, Quadrants};
use crate::cli::{DriversArgs, Target};
use crate::cmd::charts;
use crate::cmd::{
    check_dates, grouping_for, key_cells, key_columns, matching, max_invalid, open_checked, quote_rows, report_problems, satisfaction_spec,
    scales, Opened, Scales,
};
use crate::error::{data_err, usage};
use crate::input::clean;
use crate::input::roles::{did_you_mean, list_headers, Kind, Role};
use crate::metrics::drivers::{
    analyse, bootstrapped, invalid_counts, invalid_examples, patterns, seen_values, sums, Analysis, DriverResult, DriversSpec, Sums,
};
use crate::metrics::grouping::{GroupKey, RowKind};
use crate::metrics::satisfaction::Metric;
use crate::output::columns::{always, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::stats::drivers::{Bootstrapped, Quadrant};
use crate::Io;

/// How many invalid rows are quoted per column.
const EXAMPLES: u32 = 5;

/// The target and driver columns, validated.
struct Plan {
    spec: DriversSpec,
    target_name: &'static str,
    min_n: u64,
    /// Bootstrap resamples (0: none), their seed and the intervals' level.
    bootstrap: usize,
    seed: u64,
    confidence: f64,
}

impl Plan {
    /// The target's header.
    fn target(&self) -> &str {
        &self.spec.columns[0]
    }

    fn drivers(&self) -> &[String] {
        &self.spec.columns[1..]
    }
}

/// Runs `cxstat drivers`.
pub fn run(args: &DriversArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let (opened, (scales, max_invalid)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if let Some(path) = &args.chart {
            chart::ChartFormat::of(path)?;
        }
        Ok((scales(&args.scales, config)?, max_invalid(args.invalid.max_invalid, config)?))
    })?;
    let plan = plan(args, &opened, &scales)?;
    let groups = sums(&opened.data, &plan.spec)?;
    check_invalid(&opened, &plan, &groups, (args.strict, max_invalid), io)?;
    let analyses: Vec<Analysis> = groups.iter().map(|(key, kind, s)| analyse(key.clone(), *kind, s)).collect();
    if analyses.iter().all(|a| a.n == 0.0) {
        return Err(data_err(format!(
            "{}: no row has the target '{}' and every driver answered and valid",
            opened.data.name,
            plan.target()
        )));
    }
    let boots = bootstraps(&opened, &plan, &analyses)?;
    let report = build_report(&analyses, &boots, &plan, &opened);
    emit(&report, format, args.output.target(), io)?;
    if let Some(path) = &args.chart {
        chart::write(&matrix(&analyses, &plan, &opened)?, path)?;
    }
    Ok(())
}

fn plan(args: &DriversArgs, opened: &Opened, scales: &Scales) -> Result<Plan> {
    let spec = satisfaction_spec(scales, &args.input, opened);
    let (metric, target_name, role) = match args.target {
        Target::Csat => (Metric::Csat, "csat", "csat"),
        Target::Nps => (Metric::Nps, "nps", "nps"),
        Target::Ces => (Metric::Ces, "ces", "ces"),
    };
    let Some(target) = spec.column(metric) else {
        return Err(data_err(format!(
            "{}: no {} column found for --target {role}; headers found: {}. Map one with --col {role}=HEADER",
            opened.data.name,
            role.to_uppercase(),
            list_headers(&opened.data.headers)
        )));
    };
    let headers = &opened.data.headers;
    let date = opened.roles.get(Role::Date);
    let mut drivers: Vec<String> = Vec::new();
    for pattern in &args.drivers {
        let found = matching(headers, pattern, "--drivers")?;
        if found.is_empty() {
            let guess =
                if pattern.contains(['*', '?', '[']) { String::new() } else { did_you_mean(pattern, headers.iter().map(String::as_str)) };
            return Err(usage(format!("--drivers: no column matches '{pattern}';{guess} headers found: {}", list_headers(headers))));
        }
        for h in found {
            if h != &target.header && Some(h.as_str()) != date && !drivers.contains(h) {
                drivers.push(h.clone());
            }
        }
    }
    if drivers.is_empty() {
        return Err(usage(format!("--drivers matches only the target '{}': name the rating questions", target.header)));
    }
    let grouping = grouping_for(&args.group, opened, Role::Date)?;
    let mut cleaned = vec![clean::score(&target.header, target.scale, &spec.na_values, Some(&spec.labels))];
    cleaned.extend(drivers.iter().map(|d| clean::number(d, &spec.na_values)));
    let mut columns = vec![target.header.clone()];
    columns.extend(drivers);
    Ok(Plan {
        spec: DriversSpec {
            columns,
            cleaned,
            totals: !args.group.no_total && (grouping.period.is_some() || !grouping.by.is_empty()),
            grouping,
        },
        target_name,
        min_n: args.group.min_n.or(opened.config.survey.min_n).unwrap_or(30),
        bootstrap: args.bootstrap,
        seed: args.seed,
        confidence: args.confidence.unwrap_or(0.95),
    })
}

/// Invalid target and driver values, counted over all groups (the total row, when there is
/// one, repeats them): reported with examples, or an error under `--strict`; more than
/// `max_invalid` % of a column's answers invalid stops the run (the rest would not be a
/// result). A driver on 1–k that also has 0s (a "not applicable" code, averaged in as a score
/// unless `--na-values 0` says otherwise) is warned about.
fn check_invalid(
    opened: &Opened,
    plan: &Plan,
    groups: &[(GroupKey, RowKind, Sums)],
    (strict, max_invalid): (bool, f64),
    io: &mut Io,
) -> Result<()> {
    let k = plan.spec.columns.len();
    let (invalid, seen) = (invalid_counts(groups, k), seen_values(groups, k));
    let name = &opened.data.name;
    let mut messages = Vec::new();
    for (i, count) in invalid.iter().enumerate().filter(|(_, c)| **c > 0) {
        let header = &plan.spec.columns[i];
        let examples = invalid_examples(&opened.data, &plan.spec, i, EXAMPLES)?;
        let expected = if i == 0 { "a score on the target's scale" } else { "a number" };
        let answered = count + seen[i].valid;
        let share = 100.0 * *count as f64 / answered as f64;
        if share > max_invalid {
            return Err(data_err(format!(
                "{name}: column '{header}': {count} of {answered} answers ({share:.1}%) are not {expected} ({}), more than --max-invalid \
                 {max_invalid}%: if they mean \"not answered\", add them to --na-values; if the column is not a rating, leave it out of --drivers",
                quote_rows(&examples, *count)
            )));
        }
        messages.push(format!(
            "{name}: column '{header}': {count} invalid value{} (expected {expected}; the row is left out): {}",
            if *count == 1 { "" } else { "s" },
            quote_rows(&examples, *count)
        ));
    }
    for (i, s) in seen.iter().enumerate().skip(1) {
        if let Some(high) = s.zero_below_a_scale() {
            io.warn(&format!(
                "{name}: column '{}': {} answer{} of 0 below 1–{high}, read as scores of 0: if 0 means \"not applicable\", add --na-values 0",
                plan.spec.columns[i],
                s.zeros,
                if s.zeros == 1 { "" } else { "s" }
            ));
        }
    }
    report_problems(&messages, strict, io)
}

/// The most arithmetic the bootstrap may take (patterns × resamples × columns²): about half a
/// minute on two cores.
const BOOTSTRAP_WORK: f64 = 3e10;

/// Each analysis' bootstrap intervals (none without `--bootstrap`).
fn bootstraps(opened: &Opened, plan: &Plan, analyses: &[Analysis]) -> Result<Vec<Option<Bootstrapped>>> {
    if plan.bootstrap == 0 {
        return Ok(vec![None; analyses.len()]);
    }
    let found = patterns(&opened.data, &plan.spec)?;
    let columns = plan.spec.columns.len() as f64;
    let distinct: f64 = found.iter().map(|(_, _, p)| p.len() as f64).sum();
    if distinct * plan.bootstrap as f64 * columns * columns > BOOTSTRAP_WORK {
        return Err(data_err(format!(
            "{}: --bootstrap {} over {distinct} distinct answer patterns would take minutes (the drivers are not rating scales with              few points?): use --bootstrap 200, or --bootstrap 0 for no intervals",
            opened.data.name, plan.bootstrap
        )));
    }
    Ok(analyses
        .iter()
        .map(|a| {
            let p = found.iter().find(|(k, kind, _)| *k == a.key && *kind == a.kind).map(|(_, _, p)| p)?;
            bootstrapped(a, p, plan.bootstrap, plan.seed, plan.confidence)
        })
        .collect())
}

/// One driver in one group's analysis: a row of the table.
struct DriverRow {
    key: GroupKey,
    kind: RowKind,
    driver: String,
    n: f64,
    r2: Option<f64>,
    note: String,
    result: DriverResult,
    /// The bootstrap intervals of the driver's % of R² and rank.
    weight_ci: Option<(f64, f64)>,
    rank_ci: Option<(f64, f64)>,
}

fn build_report(analyses: &[Analysis], boots: &[Option<Bootstrapped>], plan: &Plan, opened: &Opened) -> Report {
    let g = &plan.spec.grouping;
    let mut caption = vec![format!(
        "{} · target '{}' ({}) · {} drivers · rows with the target and every driver answered",
        opened.data.name,
        plan.target(),
        plan.target_name.to_uppercase(),
        plan.drivers().len()
    )];
    let mut rows = Vec::new();
    for (a, boot) in analyses.iter().zip(boots) {
        let keys = key_cells(&a.key, a.kind, g);
        let low_base = (a.n as u64) < plan.min_n;
        let label = {
            let texts: Vec<String> = keys
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    _ => String::new(),
                })
                .collect();
            if texts.is_empty() {
                "all".to_string()
            } else {
                texts.join(" · ")
            }
        };
        caption.push(format!(
            "{label}: n = {} of {} rows · R² = {}{}{}",
            a.n,
            a.rows,
            a.r2.map_or("–".to_string(), |r| format!("{r:.3}")),
            if low_base { format!(" · low base (n < {})", plan.min_n) } else { String::new() },
            if a.note.is_empty() { String::new() } else { format!(" · {}", a.note) }
        ));
        // Most important first (by rank; drivers without one keep their order, after the ranked).
        let mut order: Vec<(usize, (&String, &DriverResult))> = plan.drivers().iter().zip(&a.drivers).enumerate().collect();
        order.sort_by_key(|(_, (_, d))| d.rank.unwrap_or(usize::MAX));
        for (j, (name, d)) in order {
            let rank_ci = boot.as_ref().and_then(|b| b.rank[j]);
            rows.push(DriverRow {
                weight_ci: boot.as_ref().and_then(|b| b.weight_pct[j]),
                rank_ci,
                key: a.key.clone(),
                kind: a.kind,
                driver: name.clone(),
                n: a.n,
                r2: a.r2,
                note: notes(&[a.note.as_str(), driver_note(d), &rank_note(rank_ci)]),
                result: d.clone(),
            });
        }
    }
    caption.push(
        "relative weights: Johnson (2000), summing to R² · quadrants: crosshairs at the mean importance and the mean score".to_string(),
    );
    if plan.bootstrap > 0 {
        let dropped: usize = boots.iter().flatten().map(|b| plan.bootstrap - b.used).sum();
        caption.push(format!(
            "{} intervals of % of R² and rank: percentile bootstrap, {} resamples of the rows (seed {}){}",
            charts::level_text(plan.confidence),
            plan.bootstrap,
            plan.seed,
            if dropped > 0 { format!("; {dropped} resamples with a constant column left out") } else { String::new() }
        ));
    }
    let label_columns = key_columns(g);
    let labels = |r: &DriverRow| key_cells(&r.key, r.kind, g);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows: &rows };
    Report { machine: table.machine(COLUMNS), human: table.human(VIEWS, COLUMNS), caption, ..Default::default() }
}

/// What a driver's own numbers call for: a negative relation with the target is most often an
/// item scored the other way round (1 = best).
fn driver_note(d: &DriverResult) -> &'static str {
    if d.pearson.is_some_and(|r| r < 0.0) {
        "negative relation: reverse-coded item?"
    } else {
        ""
    }
}

/// Whether the run bootstraps the weights.
fn bootstrapping(p: &Plan) -> bool {
    p.bootstrap > 0
}

/// A row's note as people see it: the driver's own, and an uncertain rank.
fn row_note(r: &DriverRow) -> String {
    notes(&[driver_note(&r.result), &rank_note(r.rank_ci)])
}

/// The note of a rank whose bootstrap interval spans more than one rank (else none).
fn rank_note(rank_ci: Option<(f64, f64)>) -> String {
    match rank_ci {
        Some((low, high)) if low < high => format!("rank {low}–{high} in the resamples"),
        _ => String::new(),
    }
}

/// The notes that say something, joined.
fn notes(parts: &[&str]) -> String {
    parts.iter().filter(|n| !n.is_empty()).copied().collect::<Vec<_>>().join("; ")
}

/// The drivers table's columns, in their order in CSV and JSON (after the groups).
const COLUMNS: &[Column<DriverRow, Plan>] = &[
    Column { key: "driver", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.driver.clone())) },
    Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.n) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag((r.n as u64) < p.min_n) },
    Column { key: "mean", decimals: 2, shown: always, value: |r, _| Value::Num(r.result.mean) },
    Column { key: "pearson", decimals: 3, shown: always, value: |r, _| Value::Num(r.result.pearson) },
    Column { key: "spearman", decimals: 3, shown: always, value: |r, _| Value::Num(r.result.spearman) },
    Column { key: "weight", decimals: 3, shown: always, value: |r, _| Value::Num(r.result.weight) },
    Column { key: "weight_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.result.weight_pct) },
    Column { key: "weight_pct_low", decimals: 1, shown: bootstrapping, value: |r, _| Value::Num(r.weight_ci.map(|c| c.0)) },
    Column { key: "weight_pct_high", decimals: 1, shown: bootstrapping, value: |r, _| Value::Num(r.weight_ci.map(|c| c.1)) },
    Column { key: "rank", decimals: 0, shown: always, value: |r, _| r.result.rank.map_or(Value::Num(None), |k| Value::Count(k as f64)) },
    Column { key: "rank_low", decimals: 1, shown: bootstrapping, value: |r, _| Value::Num(r.rank_ci.map(|c| c.0)) },
    Column { key: "rank_high", decimals: 1, shown: bootstrapping, value: |r, _| Value::Num(r.rank_ci.map(|c| c.1)) },
    Column { key: "quadrant", decimals: 0, shown: always, value: |r, _| Value::Text(r.result.quadrant.map(|q| q.name().to_string())) },
    Column { key: "r2", decimals: 4, shown: always, value: |r, _| Value::Num(r.r2) },
    Column { key: "note", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.note.clone())) },
];

/// The drivers table as people see it.
const VIEWS: &[Shown<DriverRow, Plan>] = &[
    Shown { header: |_| "driver".into(), shown: always, show: Show::Column("driver") },
    Shown { header: |_| "mean".into(), shown: always, show: Show::Column("mean") },
    Shown { header: |_| "Pearson r".into(), shown: always, show: Show::Column("pearson") },
    Shown { header: |_| "Spearman ρ".into(), shown: always, show: Show::Column("spearman") },
    Shown { header: |_| "rel. weight".into(), shown: always, show: Show::Column("weight") },
    Shown { header: |_| "% of R²".into(), shown: |p| !bootstrapping(p), show: Show::Column("weight_pct") },
    Shown {
        header: |p| format!("% of R² ({} CI)", charts::level_text(p.confidence)),
        shown: bootstrapping,
        show: Show::Interval { value: "weight_pct", low: "weight_pct_low", high: "weight_pct_high", signed: false },
    },
    Shown { header: |_| "rank".into(), shown: always, show: Show::Column("rank") },
    Shown { header: |_| "quadrant".into(), shown: always, show: Show::Column("quadrant") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Cell(|r, _| Cell::Text(row_note(r))) },
];

/// The importance–performance matrix of the overall analysis (the total row when grouped).
fn matrix(analyses: &[Analysis], plan: &Plan, opened: &Opened) -> Result<Chart> {
    let overall = analyses.iter().find(|a| a.kind == RowKind::Total).or(analyses.first());
    let Some(a) = overall.filter(|a| a.r2.is_some()) else {
        return Err(data_err("--chart: the relative weights are not computable, so there is no matrix to draw".to_string()));
    };
    let points: Vec<QuadrantPoint> = plan
        .drivers()
        .iter()
        .zip(&a.drivers)
        .filter_map(|(name, d)| Some(QuadrantPoint { label: name.clone(), x: d.mean?, y: d.weight_pct? }))
        .collect();
    let count = points.len() as f64;
    Ok(Chart::Quadrants(Quadrants {
        title: format!("What drives {}: importance vs performance", plan.target_name.to_uppercase()),
        subtitle: format!(
            "{} · target '{}' · n = {} complete rows · R² = {:.3} · crosshairs at the means",
            opened.data.name,
            plan.target(),
            a.n,
            a.r2.unwrap_or(0.0)
        ),
        x_label: "performance (mean score of the driver)".to_string(),
        y_label: "importance (relative weight, % of R²)".to_string(),
        x_mid: points.iter().map(|p| p.x).sum::<f64>() / count,
        y_mid: points.iter().map(|p| p.y).sum::<f64>() / count,
        names: [Quadrant::ConcentrateHere, Quadrant::KeepUpTheGoodWork, Quadrant::LowPriority, Quadrant::PossibleOverkill]
            .map(|q| q.name().to_string()),
        points,
    }))
}

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
