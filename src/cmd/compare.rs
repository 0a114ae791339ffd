//! `cxstat compare FILE`: is a change real? The latest period against the previous one (or the
//! same period a year before), per `--by` group, or each segment against the rest of the
//! responses. For every metric: both values, the difference with its interval, the test
//! statistic, the p-value (adjusted over the groups of the metric) and a significance flag.
//!
//! Usage: cxstat compare responses.csv [--period month] [--against previous|yoy] [--by COL]
//!        [--segments COL] [--from D --to D] [--alpha 0.05] [--adjust holm|bh|none]

use std::collections::BTreeMap;

use anyhow::Result;

use crate::cli::{Against, CompareArgs};
use crate::cmd::{
    check_dates, checked_design, design_of, grouping_for, max_invalid, open_checked, resolve_group_column_of, satisfaction_spec, scales,
    set_weight, Opened, Outcome,
};
use crate::error::{data_err, usage};
use crate::input::roles::{Kind, Role};
use crate::metrics::comparison::{self, sides, ComparisonRow, Pair, Side, Sides};
use crate::metrics::grouping::GroupKey;
use crate::metrics::period::{index_label, label_index, Period};
use crate::metrics::satisfaction::SatisfactionSpec;
use crate::output::columns::{always, human_number, shown_keys, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::Io;

/// Runs `cxstat compare`.
pub fn run(args: &CompareArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let report = report(args, io)?.report;
    emit(&report, format, args.output.target(), io)
}

/// The result of `cxstat compare` with these arguments and the input it read, without writing
/// it (for the scorecard's significance marks).
pub fn report(args: &CompareArgs, io: &mut Io) -> Result<Outcome<ComparisonRow>> {
    let (opened, (scales, max_invalid)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if args.segments.is_some() && (args.group.period.is_some() || !args.group.by.is_empty()) {
            return Err(usage("--segments compares over --from/--to: drop --period and --by".to_string()));
        }
        Ok((scales(&args.scales, config)?, max_invalid(args.invalid.max_invalid, config)?))
    })?;
    // Both levels are checked when parsed: alpha in (0, 1), so 1 − alpha too.
    let confidence = args.stats.confidence.unwrap_or(1.0 - args.alpha);
    let mut spec = satisfaction_spec(&scales, &args.input, &opened);
    set_weight(&mut spec, &opened, args.weight.as_deref())?;
    let read = match &args.segments {
        Some(column) => segment_sides(args, column, &opened, &spec)?,
        None => period_sides(args, &opened, &spec)?,
    };
    // Invalid answers as `survey` reports them: a warning, an error under --strict, and a stop
    // when they are more than --max-invalid of a column's answers.
    crate::cmd::survey::check_invalid(&opened, &read.spec, &read.grouping, &read.groups, (args.stats.strict, max_invalid), io)?;
    // Nothing valid to compare (every weight invalid, say) is no result, as in `survey`.
    let answers: f64 = read.groups.iter().map(|g| g.counts.csat_n + g.counts.nps_n + g.counts.ces_n + g.counts.designation_n).sum();
    if answers == 0.0 {
        let why = if read.spec.weight.is_some() { " (with a valid weight)" } else { "" };
        return Err(data_err(format!("{}: no valid CSAT, NPS or CES answers{why} to compare", opened.data.name)));
    }
    let pairs = match &args.segments {
        Some(_) => comparison::segment_pairs(&read.sides),
        None => period_pairs(args, &read.sides, opened.data.name.as_str())?,
    };
    let nps_method = args.nps_interval.or(opened.config.survey.nps_interval).unwrap_or_default();
    let testing = comparison::Testing { confidence, nps_method, alpha: args.alpha };
    let design = match design_of(&args.design, &opened, spec.weight.is_some())? {
        Some(design) => {
            let psus = checked_design(&opened, &read.spec, &read.grouping, &design)?;
            let cells = design.cells(&opened.data, &read.spec, &read.grouping)?;
            Some((design, comparison::CompareDesign { cells, psus }))
        }
        None => None,
    };
    let rows = comparison::compare(&pairs, &spec, testing, args.adjust, design.as_ref().map(|d| &d.1));
    let mut report = build_report(&rows, args, &pairs, confidence, &opened);
    if let Some((design, _)) = &design {
        report.caption.push(format!(
            "{}: differences by Taylor linearisation, t on the design's df − 1 (as svyttest); distributions by Rao–Scott F (as svychisq)",
            design.described(spec.weight.as_deref())
        ));
    }
    let shown = shown_keys(COLUMNS, &spec.weight.is_some());
    Ok(Outcome { report, rows, shown, opened })
}

/// The sides per period (and `--by` group): the month by default.
fn period_sides(args: &CompareArgs, opened: &Opened, spec: &SatisfactionSpec) -> Result<Sides> {
    let mut group = args.group.clone();
    group.period.get_or_insert(Period::Month);
    let grouping = grouping_for(&group, opened, Role::Date)?;
    sides(&opened.data, spec, &grouping, |k| k.period.clone().unwrap_or_default())
}

/// The latest period against the previous one or the one a year before, per `--by` group.
fn period_pairs(args: &CompareArgs, all: &BTreeMap<GroupKey, Side>, name: &str) -> Result<Vec<Pair>> {
    let period = args.group.period.unwrap_or(Period::Month);
    let Some(latest) = all.keys().filter_map(|k| k.period.clone()).max() else {
        return Err(data_err(format!("{name}: no dated responses in scope")));
    };
    let index = label_index(&latest, period).ok_or_else(|| data_err(format!("unexpected period label '{latest}'")))?;
    let back = match args.against {
        Against::Previous => 1,
        Against::Yoy => period.per_year(),
    };
    let earlier = index_label(index - back, period);
    Ok(comparison::period_pairs(all, &latest, &earlier))
}

/// The sides per value of the segment column (each then against all other responses in scope).
fn segment_sides(args: &CompareArgs, column: &str, opened: &Opened, spec: &SatisfactionSpec) -> Result<Sides> {
    let header = resolve_group_column_of(opened, column, "--segments")?;
    let mut grouping = grouping_for(&args.group, opened, Role::Date)?;
    grouping.by = vec![header];
    sides(&opened.data, spec, &grouping, |k| k.by[0].clone().unwrap_or_else(|| "(blank)".to_string()))
}

fn build_report(rows: &[ComparisonRow], args: &CompareArgs, pairs: &[Pair], confidence: f64, opened: &Opened) -> Report {
    let adjust_name = args.adjust.name();
    let what = match &args.segments {
        Some(c) => format!("each value of '{c}' against all other responses"),
        None => {
            let first = pairs.first().map(|(_, a, b)| format!("{} against {}", a.label, b.label)).unwrap_or_default();
            format!("{first}{}", if args.group.by.is_empty() { String::new() } else { format!(", per {}", args.group.by.join(", ")) })
        }
    };
    let label_columns: Vec<String> = match &args.segments {
        Some(c) => vec![c.clone()],
        None => args.group.by.clone(),
    };
    let labels = |r: &ComparisonRow| r.group.iter().map(|g| Cell::Text(g.clone())).collect();
    let weighted = rows.iter().any(|r| r.n_eff.is_some());
    let table = Rows { plan: &weighted, label_columns: &label_columns, labels: &labels, rows };
    Report {
        machine: table.machine(COLUMNS),
        human: table.human(VIEWS, COLUMNS),
        caption: vec![
            format!("{} · {what} · difference = a − b", opened.data.name),
            format!(
                "alpha {} · p adjusted over the groups of each metric: {adjust_name} · {} intervals of the differences",
                args.alpha,
                crate::cmd::charts::level_text(confidence)
            ),
        ],
        ..Default::default()
    }
}

/// Whether the comparisons are weighted (their effective sizes are shown).
fn weighted(w: &bool) -> bool {
    *w
}

/// The decimals of a metric's values: two for CES means, one for shares and NPS.
fn decimals(r: &ComparisonRow) -> usize {
    if r.metric == "ces_mean" {
        2
    } else {
        1
    }
}

fn test_of<T>(r: &ComparisonRow, f: impl Fn(&comparison::Tested) -> Option<T>) -> Option<T> {
    r.result.as_ref().and_then(f)
}

/// The comparison table's columns, in their order in CSV and JSON (after the groups).
const COLUMNS: &[Column<ComparisonRow, bool>] = &[
    Column { key: "metric", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.metric.to_string())) },
    Column { key: "test", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.test.to_string())) },
    Column { key: "a", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.a.0.clone())) },
    Column { key: "a_n", decimals: 0, shown: always, value: |r, _| Value::Count(r.a.1) },
    Column { key: "a_n_eff", decimals: 1, shown: weighted, value: |r, _| Value::Num(r.n_eff.map(|n| n.0)) },
    Column { key: "a_value", decimals: 1, shown: always, value: |r, _| Value::Num(r.a.2) },
    Column { key: "b", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.b.0.clone())) },
    Column { key: "b_n", decimals: 0, shown: always, value: |r, _| Value::Count(r.b.1) },
    Column { key: "b_n_eff", decimals: 1, shown: weighted, value: |r, _| Value::Num(r.n_eff.map(|n| n.1)) },
    Column { key: "b_value", decimals: 1, shown: always, value: |r, _| Value::Num(r.b.2) },
    Column { key: "difference", decimals: 1, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.difference)) },
    Column { key: "diff_low", decimals: 1, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.interval.map(|i| i.low))) },
    Column { key: "diff_high", decimals: 1, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.interval.map(|i| i.high))) },
    Column { key: "statistic", decimals: 3, shown: always, value: |r, _| Value::Num(test_of(r, |t| Some(t.statistic))) },
    Column { key: "df", decimals: 1, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.df)) },
    Column { key: "p_value", decimals: 4, shown: always, value: |r, _| Value::P(test_of(r, |t| Some(t.p))) },
    Column { key: "p_adjusted", decimals: 4, shown: always, value: |r, _| Value::P(r.p_adjusted) },
    Column { key: "effect_size", decimals: 3, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.effect.map(|e| e.1))) },
    Column {
        key: "effect_measure",
        decimals: 0,
        shown: always,
        value: |r, _| Value::Text(test_of(r, |t| t.effect.map(|e| e.0.to_string()))),
    },
    Column { key: "detectable_80", decimals: 2, shown: always, value: |r, _| Value::Num(test_of(r, |t| t.detectable)) },
    Column { key: "significant", decimals: 0, shown: always, value: |r, _| r.significant.map_or(Value::Text(None), Value::Flag) },
    Column { key: "note", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.note.clone())) },
];

/// The comparison table as people see it: the answer (the difference and whether it is real)
/// first, so that it shows on a narrow terminal, then the two sides, then the test's details.
const VIEWS: &[Shown<ComparisonRow, bool>] = &[
    Shown { header: |_| "metric".into(), shown: always, show: Show::Column("metric") },
    Shown {
        header: |_| "difference (CI)".into(),
        shown: always,
        show: Show::Cell(|r, _| {
            let d = decimals(r);
            match test_of(r, |t| t.difference.zip(t.interval)) {
                Some((v, i)) => Cell::Text(format!(
                    "{} ({} to {})",
                    human_number(v, d, true),
                    human_number(i.low, d, true),
                    human_number(i.high, d, true)
                )),
                None => Cell::Null,
            }
        }),
    },
    Shown {
        header: |_| "sig.".into(),
        shown: always,
        show: Show::Cell(|r, _| {
            let flag = match (r.significant, test_of(r, |t| t.difference)) {
                (Some(true), Some(d)) if d > 0.0 => "▲ yes",
                (Some(true), Some(d)) if d < 0.0 => "▼ yes",
                (Some(true), _) => "yes",
                _ => "",
            };
            Cell::Text(flag.to_string())
        }),
    },
    Shown { header: |_| "a".into(), shown: always, show: Show::Column("a") },
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("a_n") },
    Shown { header: |_| "value".into(), shown: always, show: Show::Cell(|r, _| Cell::num(r.a.2, decimals(r))) },
    Shown { header: |_| "b".into(), shown: always, show: Show::Column("b") },
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("b_n") },
    Shown { header: |_| "value".into(), shown: always, show: Show::Cell(|r, _| Cell::num(r.b.2, decimals(r))) },
    Shown {
        header: |_| "effect".into(),
        shown: always,
        show: Show::Cell(|r, _| match test_of(r, |t| t.effect) {
            Some((name, v)) => Cell::Text(format!("{name} {}", human_number(v, 2, name != "V"))),
            None => Cell::Null,
        }),
    },
    Shown { header: |_| "p adj.".into(), shown: always, show: Show::Column("p_adjusted") },
    Shown { header: |_| "p".into(), shown: always, show: Show::Column("p_value") },
    Shown { header: |_| "test".into(), shown: always, show: Show::Column("test") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Column("note") },
];
