//! `cxstat drivers FILE --target csat|nps|ces --drivers 'q_*'`: what drives satisfaction?
//! For each driver (a rating question): its mean (performance), Pearson and Spearman correlation
//! with the target, Johnson's relative weight (raw, summing to the model R², and as % of R²), and
//! its importance–performance quadrant; per `--by`/`--period` group with a total.
//!
//! Rows count when the target and every driver are answered and valid (listwise deletion);
//! polars reduces them to sums and cross-products (of the values and of their ranks within the
//! group) in one pass, and the statistics are computed from those.

use anyhow::Result;
use polars::prelude::*;

use crate::chart::{self, Chart, QuadrantPoint, Quadrants};
use crate::cli::{DriversArgs, Target};
use crate::cmd::{grouping_for, key_cells, key_columns, open_input, quote_rows, report_problems, satisfaction_spec, Opened};
use crate::error::{data_err, usage};
use crate::input::clean::{self, Cleaned};
use crate::input::frame::f64_at;
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::count_where;
use crate::metrics::grouping::{GroupKey, Grouping, RowKind};
use crate::metrics::satisfaction::Metric;
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::stats::drivers::{relative_weights, Moments, Quadrant};
use crate::Io;

/// How many invalid rows are quoted per column.
const EXAMPLES: u32 = 5;

/// The target and driver columns, validated.
struct Plan {
    /// Header of the target, then the drivers' headers.
    columns: Vec<String>,
    /// The target's cleaning (a score on its scale) and each driver's (any number).
    cleaned: Vec<Cleaned>,
    target_name: &'static str,
    grouping: Grouping,
    totals: bool,
    min_n: u64,
}

impl Plan {
    fn drivers(&self) -> &[String] {
        &self.columns[1..]
    }
}

/// The sums of one group.
#[derive(Debug, Clone)]
struct Sums {
    rows: f64,
    invalid: Vec<u64>,
    values: Moments,
    /// Per driver: the moments of (target rank, driver rank) over the complete rows.
    ranks: Vec<Moments>,
}

/// One driver's results in a group.
#[derive(Debug, Clone, Default)]
struct DriverResult {
    mean: Option<f64>,
    pearson: Option<f64>,
    spearman: Option<f64>,
    weight: Option<f64>,
    weight_pct: Option<f64>,
    rank: Option<usize>,
    quadrant: Option<Quadrant>,
}

/// A group's results.
#[derive(Debug, Clone)]
struct Analysis {
    key: GroupKey,
    kind: RowKind,
    rows: f64,
    n: f64,
    r2: Option<f64>,
    drivers: Vec<DriverResult>,
    note: String,
}

/// Runs `cxstat drivers`.
pub fn run(args: &DriversArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    if let Some(path) = &args.chart {
        chart::ChartFormat::of(path)?;
    }
    let opened = open_input(&args.input, Some(Kind::Responses), io)?;
    let plan = plan(args, &opened)?;
    let groups = sums(&opened, &plan)?;
    check_invalid(&opened, &plan, &groups, args.strict, io)?;
    let analyses: Vec<Analysis> = groups.iter().map(|(key, kind, s)| analyse(key.clone(), *kind, s)).collect();
    if analyses.iter().all(|a| a.n == 0.0) {
        return Err(data_err(format!(
            "{}: no row has the target '{}' and every driver answered and valid",
            opened.data.name, plan.columns[0]
        )));
    }
    let report = build_report(&analyses, &plan, &opened);
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)?;
    if let Some(path) = &args.chart {
        chart::write(&matrix(&analyses, &plan, &opened)?, path)?;
    }
    Ok(())
}

/// Headers matching a pattern with `*` (any run of characters) and `?` (one character).
fn matching<'a>(headers: &'a [String], pattern: &str) -> Result<Vec<&'a String>> {
    if !pattern.contains(['*', '?']) {
        return Ok(headers.iter().filter(|h| h.trim() == pattern.trim()).collect());
    }
    let mut re = String::from("^");
    for c in pattern.trim().chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    let re = regex::Regex::new(&re).map_err(|e| usage(format!("--drivers '{pattern}': {e}")))?;
    Ok(headers.iter().filter(|h| re.is_match(h)).collect())
}

fn plan(args: &DriversArgs, opened: &Opened) -> Result<Plan> {
    let spec = satisfaction_spec(&args.scales, &args.input, opened)?;
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
        let found = matching(headers, pattern)?;
        if found.is_empty() {
            return Err(usage(format!("--drivers: no column matches '{pattern}'; headers found: {}", list_headers(headers))));
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
        columns,
        cleaned,
        target_name,
        totals: !args.group.no_total && (grouping.period.is_some() || !grouping.by.is_empty()),
        min_n: args.group.min_n.or(opened.config.survey.min_n).unwrap_or(30),
        grouping,
    })
}

fn v(i: usize) -> String {
    format!("__v{i}")
}

/// Ranks (average for ties) within the group, as floats.
fn rank(i: usize) -> Expr {
    col(v(i).as_str()).rank(RankOptions { method: RankMethod::Average, descending: false }, None).cast(DataType::Float64)
}

/// The per-group sums: values of the complete rows (null elsewhere), their cross-products, and
/// the ranks' sums and cross-products with the target's rank.
fn aggregations(k: usize) -> Vec<Expr> {
    let mut aggs = vec![len().cast(DataType::Float64).alias("rows"), count_where(col("__ok")).alias("n")];
    for i in 0..k {
        aggs.push(count_where(col(format!("__bad{i}").as_str())).alias(format!("bad{i}")));
        aggs.push(col(v(i).as_str()).sum().alias(format!("s{i}")));
        for j in i..k {
            aggs.push((col(v(i).as_str()) * col(v(j).as_str())).sum().alias(format!("c{i}_{j}")));
        }
        aggs.push(rank(i).sum().alias(format!("rs{i}")));
        aggs.push((rank(i) * rank(i)).sum().alias(format!("rss{i}")));
        aggs.push((rank(i) * rank(0)).sum().alias(format!("rc{i}")));
    }
    aggs
}

fn read_sums(df: &DataFrame, row: usize, k: usize) -> Result<Sums> {
    let get = |name: String| f64_at(df, &name, row);
    let n = get("n".into())?;
    let sums = (0..k).map(|i| get(format!("s{i}"))).collect::<Result<Vec<_>>>()?;
    // Only i ≤ j is aggregated: the matrix is symmetric.
    let cross = (0..k)
        .map(|i| (0..k).map(|j| get(format!("c{}_{}", i.min(j), i.max(j)))).collect::<Result<Vec<f64>>>())
        .collect::<Result<Vec<_>>>()?;
    let (rs0, rss0) = (get("rs0".into())?, get("rss0".into())?);
    let mut ranks = Vec::with_capacity(k - 1);
    for i in 1..k {
        let (rs, rss, rc) = (get(format!("rs{i}"))?, get(format!("rss{i}"))?, get(format!("rc{i}"))?);
        ranks.push(Moments { n, sums: vec![rs0, rs], cross: vec![vec![rss0, rc], vec![rc, rss]] });
    }
    Ok(Sums {
        rows: get("rows".into())?,
        invalid: (0..k).map(|i| get(format!("bad{i}")).map(|b| b as u64)).collect::<Result<_>>()?,
        values: Moments { n, sums, cross },
        ranks,
    })
}

/// The scan with the cleaned values of the complete rows as `__v0…` (null elsewhere).
fn prepared(opened: &Opened, plan: &Plan, with_rows: bool) -> LazyFrame {
    let lf = if with_rows { opened.data.lazy_with_rows() } else { opened.data.lazy() };
    let k = plan.columns.len();
    let mut cleaned = Vec::new();
    for (i, c) in plan.cleaned.iter().enumerate() {
        cleaned.push(c.value.clone().alias(format!("__x{i}")));
        cleaned.push(c.invalid.clone().alias(format!("__bad{i}")));
    }
    let ok = (0..k).fold(lit(true), |acc, i| acc.and(col(format!("__x{i}").as_str()).is_not_null()));
    lf.with_columns(cleaned).with_columns([ok.alias("__ok")]).with_columns(
        (0..k)
            .map(|i| when(col("__ok")).then(col(format!("__x{i}").as_str())).otherwise(lit(NULL).cast(DataType::Float64)).alias(v(i)))
            .collect::<Vec<_>>(),
    )
}

/// Sums per group (dated groups only) and, when grouped, over everything in scope.
fn sums(opened: &Opened, plan: &Plan) -> Result<Vec<(GroupKey, RowKind, Sums)>> {
    let k = plan.columns.len();
    let data = &opened.data;
    let run = |grouping: &Grouping| {
        grouping.aggregate(prepared(opened, plan, false), aggregations(k), |q| data.collect(q), |df, i| read_sums(df, i, k))
    };
    let mut groups: Vec<(GroupKey, RowKind, Sums)> =
        run(&plan.grouping)?.into_iter().filter(|g| g.dated).map(|g| (g.key, RowKind::Group, g.counts)).collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    if plan.totals {
        let overall = Grouping { period: None, by: Vec::new(), ..plan.grouping.clone() };
        let n_by = plan.grouping.by.len();
        for g in run(&overall)?.into_iter().filter(|g| g.dated) {
            groups.push((GroupKey { period: None, by: vec![None; n_by] }, RowKind::Total, g.counts));
        }
    }
    Ok(groups)
}

/// Invalid target and driver values, counted over all groups (the total row, when there is
/// one, repeats them): reported with examples, or an error under `--strict`.
fn check_invalid(opened: &Opened, plan: &Plan, groups: &[(GroupKey, RowKind, Sums)], strict: bool, io: &mut Io) -> Result<()> {
    let mut invalid = vec![0u64; plan.columns.len()];
    for (_, _, s) in groups.iter().filter(|g| g.1 == RowKind::Group) {
        for (total, count) in invalid.iter_mut().zip(&s.invalid) {
            *total += count;
        }
    }
    let mut messages = Vec::new();
    for (i, count) in invalid.iter().enumerate().filter(|(_, c)| **c > 0) {
        let header = &plan.columns[i];
        let (lf, _) = plan.grouping.apply(prepared(opened, plan, true));
        let examples = opened.data.examples(lf.filter(col(format!("__bad{i}").as_str())), header, EXAMPLES)?;
        let expected = if i == 0 { "a score on the target's scale" } else { "a number" };
        messages.push(format!(
            "{}: column '{header}': {count} invalid value{} (expected {expected}; the row is left out): {}",
            opened.data.name,
            if *count == 1 { "" } else { "s" },
            quote_rows(&examples, *count)
        ));
    }
    report_problems(&messages, strict, io)
}

/// The statistics of one group, or a note saying why they cannot be computed.
fn analyse(key: GroupKey, kind: RowKind, s: &Sums) -> Analysis {
    let m = &s.values;
    let k = m.sums.len() - 1;
    let mut drivers: Vec<DriverResult> = (1..=k)
        .map(|j| DriverResult {
            mean: m.mean(j),
            pearson: m.correlation(0, j),
            spearman: s.ranks[j - 1].correlation(0, 1),
            ..Default::default()
        })
        .collect();
    let mut analysis = Analysis { key, kind, rows: s.rows, n: m.n, r2: None, drivers: Vec::new(), note: String::new() };
    let varying: Vec<usize> = (1..=k).filter(|&j| m.varies(j)).collect();
    analysis.note = if m.n == 0.0 {
        "not computable: no complete rows".to_string()
    } else if !m.varies(0) {
        "not computable: the target does not vary".to_string()
    } else if varying.is_empty() {
        "not computable: no driver varies".to_string()
    } else if m.n <= varying.len() as f64 + 1.0 {
        format!("not computable: {} complete rows for {} drivers (need more than drivers + 1)", m.n, varying.len())
    } else {
        let rxx: Vec<Vec<f64>> = varying
            .iter()
            .map(|&i| varying.iter().map(|&j| if i == j { 1.0 } else { m.correlation(i, j).unwrap_or(0.0) }).collect())
            .collect();
        let rxy: Vec<f64> = varying.iter().map(|&j| m.correlation(0, j).unwrap_or(0.0)).collect();
        match relative_weights(&rxx, &rxy) {
            None => "not computable: the drivers are collinear (one is a combination of others)".to_string(),
            Some(w) => {
                analysis.r2 = Some(w.r2);
                for ((&j, raw), pct) in varying.iter().zip(&w.raw).zip(w.percent()) {
                    drivers[j - 1].weight = Some(*raw);
                    drivers[j - 1].weight_pct = pct;
                }
                let mut order: Vec<usize> = varying.iter().map(|j| j - 1).collect();
                order.sort_by(|&a, &b| drivers[b].weight.partial_cmp(&drivers[a].weight).unwrap_or(std::cmp::Ordering::Equal));
                for (r, &d) in order.iter().enumerate() {
                    drivers[d].rank = Some(r + 1);
                }
                let weighted: Vec<&DriverResult> = drivers.iter().filter(|d| d.weight_pct.is_some()).collect();
                let count = weighted.len() as f64;
                let importance_mid = weighted.iter().filter_map(|d| d.weight_pct).sum::<f64>() / count;
                let performance_mid = weighted.iter().filter_map(|d| d.mean).sum::<f64>() / count;
                for d in drivers.iter_mut() {
                    if let (Some(i), Some(p)) = (d.weight_pct, d.mean) {
                        d.quadrant = Some(Quadrant::of(i, p, importance_mid, performance_mid));
                    }
                }
                if varying.len() < k {
                    "drivers that do not vary are left out of the weights".to_string()
                } else {
                    String::new()
                }
            }
        }
    };
    analysis.drivers = drivers;
    analysis
}

fn build_report(analyses: &[Analysis], plan: &Plan, opened: &Opened) -> Report {
    let g = &plan.grouping;
    let mut columns = key_columns(g);
    columns.extend(
        ["driver", "n", "low_base", "mean", "pearson", "spearman", "weight", "weight_pct", "rank", "quadrant", "r2", "note"]
            .map(String::from),
    );
    let mut human_columns = key_columns(g);
    human_columns.extend(["driver", "mean", "Pearson r", "Spearman ρ", "rel. weight", "% of R²", "rank", "quadrant"].map(String::from));
    let (mut machine, mut human) = (Vec::new(), Vec::new());
    let mut caption = vec![format!(
        "{} · target '{}' ({}) · {} drivers · rows with the target and every driver answered",
        opened.data.name,
        plan.columns[0],
        plan.target_name.to_uppercase(),
        plan.drivers().len()
    )];
    for a in analyses {
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
        for (name, d) in plan.drivers().iter().zip(&a.drivers) {
            let mut m = keys.clone();
            m.extend([
                Cell::Text(name.clone()),
                Cell::Int(a.n as i64),
                Cell::Bool(low_base),
                Cell::num(d.mean, 3),
                Cell::num(d.pearson, 3),
                Cell::num(d.spearman, 3),
                Cell::num(d.weight, 4),
                Cell::num(d.weight_pct, 1),
                d.rank.map_or(Cell::Null, |r| Cell::Int(r as i64)),
                Cell::text(d.quadrant.map(Quadrant::name)),
                Cell::num(a.r2, 4),
                Cell::Text(a.note.clone()),
            ]);
            let mut h = keys.clone();
            h.extend([
                Cell::Text(name.clone()),
                Cell::num(d.mean, 2),
                Cell::num(d.pearson, 3),
                Cell::num(d.spearman, 3),
                Cell::num(d.weight, 3),
                Cell::num(d.weight_pct, 1),
                d.rank.map_or(Cell::Null, |r| Cell::Int(r as i64)),
                Cell::text(d.quadrant.map(Quadrant::name)),
            ]);
            machine.push(m);
            human.push(h);
        }
    }
    caption.push(
        "relative weights: Johnson (2000), summing to R² · quadrants: crosshairs at the mean importance and the mean score".to_string(),
    );
    Report {
        machine: Table { columns, rows: machine },
        human: Table { columns: human_columns, rows: human },
        caption,
        ..Default::default()
    }
}

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
            plan.columns[0],
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
