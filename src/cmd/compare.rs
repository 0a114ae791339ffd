//! `cxstat compare FILE`: is a change real? The latest period against the previous one (or the
//! same period a year before), per `--by` group, or each segment against the rest of the
//! responses. For every metric: both values, the difference with its interval, the test
//! statistic, the p-value (adjusted over the groups of the metric) and a significance flag.
//!
//! Usage: cxstat compare responses.csv [--period month] [--against previous|yoy] [--by COL]
//!        [--segments COL] [--from D --to D] [--alpha 0.05] [--adjust holm|bh|none]

use std::collections::BTreeMap;

use anyhow::Result;

use crate::cli::{AdjustMethod, Against, CompareArgs};
use crate::cmd::{confidence_level, grouping_for, open_input, resolve_group_column_of, satisfaction_spec, weight_column, Opened};
use crate::error::{data_err, usage};
use crate::input::roles::{Kind, Role};
use crate::metrics::grouping::{GroupKey, Grouping};
use crate::metrics::period::{index_label, label_index, Period};
use crate::metrics::satisfaction::{aggregate_read, score_table, Metric, SatisfactionCounts, SatisfactionSpec};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::stats::intervals::Interval;
use crate::stats::significance::{adjust, chi_square, nps_difference, two_proportions, welch, Adjust, Comparison};
use crate::Io;

/// One side of a comparison: its label and its sufficient statistics.
#[derive(Debug, Clone)]
struct Side {
    label: String,
    counts: SatisfactionCounts,
    /// Answers per score value, per score metric.
    scores: BTreeMap<(u8, i64), f64>,
}

/// One comparison row before adjustment.
struct Row {
    group: Vec<String>,
    metric: &'static str,
    test: &'static str,
    a: (String, f64, Option<f64>),
    b: (String, f64, Option<f64>),
    /// Kish's effective sizes of both sides, with a weight.
    n_eff: Option<(f64, f64)>,
    result: Option<Tested>,
    note: String,
}

/// A test's outcome in the units shown.
struct Tested {
    difference: Option<f64>,
    interval: Option<Interval>,
    statistic: f64,
    df: Option<f64>,
    p: f64,
}

fn scaled(c: Comparison, by: f64) -> Tested {
    Tested {
        difference: Some(c.difference * by),
        interval: c.interval.map(|i| Interval { low: i.low * by, high: i.high * by }),
        statistic: c.statistic,
        df: c.df,
        p: c.p,
    }
}

fn metric_code(m: Metric) -> u8 {
    match m {
        Metric::Csat => 0,
        Metric::Nps => 1,
        Metric::Ces => 2,
        Metric::Designation => 3,
        Metric::Weight => 4,
    }
}

/// Runs `cxstat compare`.
pub fn run(args: &CompareArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    let (report, _) = report(args, io)?;
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
}

/// The result of `cxstat compare` with these arguments and the input it read, without writing
/// it (for the scorecard's significance marks).
pub fn report(args: &CompareArgs, io: &mut Io) -> Result<(Report, Opened)> {
    let opened = open_input(&args.input, Some(Kind::Responses), io)?;
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(usage(format!("--alpha must be between 0 and 1 (e.g. 0.05); got {}", args.alpha)));
    }
    let confidence = confidence_level(args.confidence.or(Some(1.0 - args.alpha)), None)?;
    let mut spec = satisfaction_spec(&args.scales, &args.input, &opened)?;
    spec.weight = weight_column(&opened, args.weight.as_deref())?;
    let method = match args.adjust {
        AdjustMethod::Holm => Adjust::Holm,
        AdjustMethod::Bh => Adjust::BenjaminiHochberg,
        AdjustMethod::None => Adjust::None,
    };
    let pairs = match &args.segments {
        Some(column) => segment_pairs(args, column, &opened, &spec)?,
        None => period_pairs(args, &opened, &spec)?,
    };
    let mut rows = Vec::new();
    for (group, a, b) in &pairs {
        rows.extend(compare_sides(group, a, b, &spec, confidence));
    }
    let report = build_report(rows, args, &pairs, method, confidence, &opened);
    Ok((report, opened))
}

/// Sums of counts and score tables per group key.
fn sides(
    opened: &Opened,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    label: impl Fn(&GroupKey) -> String,
) -> Result<BTreeMap<GroupKey, Side>> {
    let mut out: BTreeMap<GroupKey, Side> = BTreeMap::new();
    // The score tables read the scores as the counts did (numbers only when that was enough).
    let (groups, spec, grouping) = aggregate_read(&opened.data, spec, grouping)?;
    let (spec, grouping) = (&spec, &grouping);
    for g in groups.into_iter().filter(|g| g.dated) {
        let label = label(&g.key);
        out.entry(g.key.clone())
            .or_insert_with(|| Side { label, counts: SatisfactionCounts::default(), scores: BTreeMap::new() })
            .counts += g.counts;
    }
    for metric in [Metric::Csat, Metric::Nps, Metric::Ces] {
        for (key, score, n) in score_table(&opened.data, spec, grouping, metric)? {
            if let Some(side) = out.get_mut(&key) {
                *side.scores.entry((metric_code(metric), score)).or_insert(0.0) += n;
            }
        }
    }
    Ok(out)
}

type Pair = (Vec<String>, Side, Side);

/// The latest period against the previous one or the one a year before, per `--by` group.
fn period_pairs(args: &CompareArgs, opened: &Opened, spec: &SatisfactionSpec) -> Result<Vec<Pair>> {
    let mut group = args.group.clone();
    let period = *group.period.get_or_insert(Period::Month);
    let grouping = grouping_for(&group, opened, Role::Date)?;
    let all = sides(opened, spec, &grouping, |k| k.period.clone().unwrap_or_default())?;
    let Some(latest) = all.keys().filter_map(|k| k.period.clone()).max() else {
        return Err(data_err(format!("{}: no dated responses in scope", opened.data.name)));
    };
    let index = label_index(&latest, period).ok_or_else(|| data_err(format!("unexpected period label '{latest}'")))?;
    let back = match args.against {
        Against::Previous => 1,
        Against::Yoy => period.per_year(),
    };
    let earlier = index_label(index - back, period);
    let mut groups: Vec<Vec<Option<String>>> = all.keys().map(|k| k.by.clone()).collect();
    groups.sort();
    groups.dedup();
    let empty = |label: &str| Side { label: label.to_string(), counts: SatisfactionCounts::default(), scores: BTreeMap::new() };
    let mut pairs = Vec::new();
    for by in groups {
        let find = |label: &str| all.get(&GroupKey { period: Some(label.to_string()), by: by.clone() }).cloned();
        let a = find(&latest).unwrap_or_else(|| empty(&latest));
        let b = find(&earlier).unwrap_or_else(|| empty(&earlier));
        let names = by.iter().map(|v| v.clone().unwrap_or_else(|| "(blank)".to_string())).collect();
        pairs.push((names, a, b));
    }
    Ok(pairs)
}

/// Each value of the segment column against all other responses in scope.
fn segment_pairs(args: &CompareArgs, column: &str, opened: &Opened, spec: &SatisfactionSpec) -> Result<Vec<Pair>> {
    if args.group.period.is_some() || !args.group.by.is_empty() {
        return Err(usage("--segments compares over --from/--to: drop --period and --by".to_string()));
    }
    let header = resolve_group_column_of(opened, column, "--segments")?;
    let mut grouping = grouping_for(&args.group, opened, Role::Date)?;
    grouping.by = vec![header];
    let all = sides(opened, spec, &grouping, |k| k.by[0].clone().unwrap_or_else(|| "(blank)".to_string()))?;
    let mut total = Side { label: "all".to_string(), counts: SatisfactionCounts::default(), scores: BTreeMap::new() };
    for side in all.values() {
        total.counts += side.counts;
        for (k, v) in &side.scores {
            *total.scores.entry(*k).or_insert(0.0) += v;
        }
    }
    let mut pairs = Vec::new();
    for side in all.values() {
        let mut rest = Side { label: "rest".to_string(), counts: total.counts.minus(&side.counts), scores: total.scores.clone() };
        for (k, v) in &side.scores {
            *rest.scores.entry(*k).or_insert(0.0) -= v;
        }
        pairs.push((vec![side.label.clone()], side.clone(), rest));
    }
    Ok(pairs)
}

fn pct(part: f64, n: f64) -> Option<f64> {
    (n > 0.0).then(|| 100.0 * part / n)
}

/// Why a test could not be made.
fn not_computable(a: &(String, f64, Option<f64>), b: &(String, f64, Option<f64>), min_n: f64) -> String {
    if a.1 < min_n || b.1 < min_n {
        let empty = if a.1 < min_n { &a.0 } else { &b.0 };
        format!("not computable: too few answers in {empty}")
    } else {
        "not computable: no variation (every answer the same)".to_string()
    }
}

/// All metric comparisons of one pair of sides. With a weight, values are weighted and every
/// test and interval runs on the effective counts (Kish's n eff.); the raw counts are shown too.
fn compare_sides(group: &[String], a: &Side, b: &Side, spec: &SatisfactionSpec, confidence: f64) -> Vec<Row> {
    let (ra, rb) = (&a.counts, &b.counts);
    let (ea, eb) = (ra.effective(), rb.effective());
    let (ca, cb) = (&ea, &eb);
    let weighted = spec.weight.is_some();
    let mut rows = Vec::new();
    let mut push =
        |metric, test, av: (f64, f64, Option<f64>), bv: (f64, f64, Option<f64>), result: Option<Tested>, min_n: f64, caveat: &str| {
            let a_side = (a.label.clone(), av.0, av.2);
            let b_side = (b.label.clone(), bv.0, bv.2);
            let note = if result.is_none() { not_computable(&a_side, &b_side, min_n) } else { caveat.to_string() };
            let n_eff = weighted.then_some((av.1, bv.1));
            rows.push(Row { group: group.to_vec(), metric, test, a: a_side, b: b_side, n_eff, result, note });
        };
    if spec.csat.is_some() {
        let r = two_proportions(ca.csat_top, ca.csat_n, cb.csat_top, cb.csat_n, confidence).map(|c| scaled(c, 100.0));
        push(
            "csat_pct",
            "two-proportion z",
            (ra.csat_n, ca.csat_n, pct(ca.csat_top, ca.csat_n)),
            (rb.csat_n, cb.csat_n, pct(cb.csat_top, cb.csat_n)),
            r,
            1.0,
            "",
        );
    }
    if spec.nps.is_some() {
        let r = nps_difference((ca.promoters, ca.detractors, ca.nps_n), (cb.promoters, cb.detractors, cb.nps_n), confidence)
            .map(|c| scaled(c, 100.0));
        let nps = |c: &SatisfactionCounts| pct(c.promoters - c.detractors, c.nps_n);
        push("nps", "NPS difference z", (ra.nps_n, ca.nps_n, nps(ca)), (rb.nps_n, cb.nps_n, nps(cb)), r, 1.0, "");
    }
    if spec.ces.is_some() {
        let r = welch((ca.ces_n, ca.ces_sum, ca.ces_sum_sq), (cb.ces_n, cb.ces_sum, cb.ces_sum_sq), confidence).map(|c| scaled(c, 1.0));
        let mean = |c: &SatisfactionCounts| (c.ces_n > 0.0).then(|| c.ces_sum / c.ces_n);
        push("ces_mean", "Welch t", (ra.ces_n, ca.ces_n, mean(ca)), (rb.ces_n, cb.ces_n, mean(cb)), r, 2.0, "");
    }
    if spec.designation.is_some() {
        let r = two_proportions(ca.designation_yes, ca.designation_n, cb.designation_yes, cb.designation_n, confidence)
            .map(|c| scaled(c, 100.0));
        push(
            "designation_pct",
            "two-proportion z",
            (ra.designation_n, ca.designation_n, pct(ca.designation_yes, ca.designation_n)),
            (rb.designation_n, cb.designation_n, pct(cb.designation_yes, cb.designation_n)),
            r,
            1.0,
            "",
        );
    }
    for (metric, name, column) in [
        (Metric::Csat, "csat_distribution", spec.csat.as_ref()),
        (Metric::Nps, "nps_distribution", spec.nps.as_ref()),
        (Metric::Ces, "ces_distribution", spec.ces.as_ref()),
    ] {
        let weights = |c: &SatisfactionCounts| c.weights(metric);
        let Some(column) = column else { continue };
        let code = metric_code(metric);
        // Weighted answers per score, scaled to the side's effective size (n eff./Σw = Σw/Σw²).
        let row = |s: &Side| {
            let k = s.counts.effective_scale(metric);
            (column.scale.low..=column.scale.high).map(|v| k * s.scores.get(&(code, v)).copied().unwrap_or(0.0)).collect::<Vec<f64>>()
        };
        let (row_a, row_b) = (row(a), row(b));
        let (na, nb) = (row_a.iter().sum::<f64>(), row_b.iter().sum::<f64>());
        let chi = chi_square(&[row_a, row_b]);
        let caveat = if chi.is_some_and(|c| c.min_expected < 5.0) { "expected counts below 5: p is approximate" } else { "" };
        let r = chi.map(|c| Tested { difference: None, interval: None, statistic: c.statistic, df: Some(c.df), p: c.p });
        push(name, "chi-square", (weights(ra).0, na, None), (weights(rb).0, nb, None), r, 1.0, caveat);
    }
    rows
}

fn build_report(rows: Vec<Row>, args: &CompareArgs, pairs: &[Pair], method: Adjust, confidence: f64, opened: &Opened) -> Report {
    // Adjust within each metric, over its groups.
    let mut adjusted: Vec<Option<f64>> = vec![None; rows.len()];
    let metrics: Vec<&str> = {
        let mut m: Vec<&str> = rows.iter().map(|r| r.metric).collect();
        m.sort_unstable();
        m.dedup();
        m
    };
    for metric in metrics {
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].metric == metric).collect();
        let ps: Vec<Option<f64>> = idx.iter().map(|&i| rows[i].result.as_ref().map(|t| t.p)).collect();
        for (k, p) in adjust(&ps, method).into_iter().enumerate() {
            adjusted[idx[k]] = p;
        }
    }
    let group_columns: Vec<String> = match &args.segments {
        Some(c) => vec![c.clone()],
        None => args.group.by.clone(),
    };
    let weighted = rows.iter().any(|r| r.n_eff.is_some());
    let mut columns = group_columns.clone();
    columns.extend(["metric", "test", "a", "a_n"].map(String::from));
    if weighted {
        columns.push("a_n_eff".to_string());
    }
    columns.extend(["a_value", "b", "b_n"].map(String::from));
    if weighted {
        columns.push("b_n_eff".to_string());
    }
    columns.extend(
        ["b_value", "difference", "diff_low", "diff_high", "statistic", "df", "p_value", "p_adjusted", "significant", "note"]
            .map(String::from),
    );
    let mut human_columns = group_columns;
    human_columns.extend(
        ["metric", "a", "n", "value", "b", "n", "value", "difference (CI)", "test", "p", "p adj.", "sig.", "note"].map(String::from),
    );
    let mut machine = Vec::new();
    let mut human = Vec::new();
    for (row, p_adj) in rows.iter().zip(&adjusted) {
        let t = row.result.as_ref();
        let significant = p_adj.map(|p| p < args.alpha);
        let decimals = if row.metric == "ces_mean" { 2 } else { 1 };
        let mut m: Vec<Cell> = row.group.iter().map(|g| Cell::Text(g.clone())).collect();
        let mut h = m.clone();
        m.extend([
            Cell::Text(row.metric.to_string()),
            Cell::Text(row.test.to_string()),
            Cell::Text(row.a.0.clone()),
            Cell::Int(row.a.1 as i64),
        ]);
        if let Some((a_eff, _)) = row.n_eff {
            m.push(Cell::num(Some(a_eff), 1));
        }
        m.extend([Cell::num(row.a.2, decimals), Cell::Text(row.b.0.clone()), Cell::Int(row.b.1 as i64)]);
        if let Some((_, b_eff)) = row.n_eff {
            m.push(Cell::num(Some(b_eff), 1));
        }
        m.extend([
            Cell::num(row.b.2, decimals),
            Cell::num(t.and_then(|t| t.difference), decimals),
            Cell::num(t.and_then(|t| t.interval).map(|i| i.low), decimals),
            Cell::num(t.and_then(|t| t.interval).map(|i| i.high), decimals),
            Cell::num(t.map(|t| t.statistic), 3),
            Cell::num(t.and_then(|t| t.df), 1),
            Cell::num(t.map(|t| t.p), 4),
            Cell::num(*p_adj, 4),
            significant.map_or(Cell::Null, Cell::Bool),
            Cell::Text(row.note.clone()),
        ]);
        let difference = match t.and_then(|t| t.difference.zip(t.interval)) {
            Some((d, i)) => Cell::Text(format!("{d:+.decimals$} ({:+.decimals$} to {:+.decimals$})", i.low, i.high)),
            None => Cell::Null,
        };
        let flag = match (significant, t.and_then(|t| t.difference)) {
            (Some(true), Some(d)) if d > 0.0 => "▲ yes",
            (Some(true), Some(d)) if d < 0.0 => "▼ yes",
            (Some(true), _) => "yes",
            _ => "",
        };
        h.extend([
            Cell::Text(row.metric.to_string()),
            Cell::Text(row.a.0.clone()),
            Cell::Int(row.a.1 as i64),
            Cell::num(row.a.2, decimals),
            Cell::Text(row.b.0.clone()),
            Cell::Int(row.b.1 as i64),
            Cell::num(row.b.2, decimals),
            difference,
            Cell::Text(row.test.to_string()),
            Cell::num(t.map(|t| t.p), 4),
            Cell::num(*p_adj, 4),
            Cell::Text(flag.to_string()),
            Cell::Text(row.note.clone()),
        ]);
        machine.push(m);
        human.push(h);
    }
    let adjust_name = match method {
        Adjust::Holm => "Holm",
        Adjust::BenjaminiHochberg => "Benjamini–Hochberg",
        Adjust::None => "none",
    };
    let what = match &args.segments {
        Some(c) => format!("each value of '{c}' against all other responses"),
        None => {
            let first = pairs.first().map(|(_, a, b)| format!("{} against {}", a.label, b.label)).unwrap_or_default();
            format!("{first}{}", if args.group.by.is_empty() { String::new() } else { format!(", per {}", args.group.by.join(", ")) })
        }
    };
    let level = (confidence * 1000.0).round() / 10.0;
    Report {
        machine: Table { columns, rows: machine },
        human: Table { columns: human_columns, rows: human },
        caption: vec![
            format!("{} · {what} · difference = a − b", opened.data.name),
            format!(
                "alpha {} · p adjusted over the groups of each metric: {adjust_name} · {level}% intervals of the differences",
                args.alpha
            ),
        ],
        ..Default::default()
    }
}
