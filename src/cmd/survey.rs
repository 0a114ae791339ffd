//! `cxstat survey FILE`: CSAT, NPS and CES with confidence intervals, per group.
//!
//! Usage: cxstat survey responses.csv [--by segment] [--period month] [--from D] [--to D]
//!        [--csat-scale 1-5 --csat-top 2] [--ces-scale 1-7] [--na-values 0,-99] [--strict]
//!        [--format table|csv|json|markdown] [-o FILE]

use anyhow::Result;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{self, Band, Chart, Histogram};
use crate::cli::ChartType;
use crate::cli::{MergeArgs, SurveyArgs};
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::{
    confidence_level, grouping_quick_first, high, key_cells, key_columns, low, open_input, quote_rows, report_problems, satisfaction_spec,
    weight_column, with_interval, Opened,
};
use crate::error::data_err;
use crate::error::usage;
use crate::input::clean::Scale;
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::grouping::{arrange, Group, Grouping, ResultRow, RowKind};
use crate::metrics::period::Period;
use crate::metrics::satisfaction::{
    aggregate_read, invalid_examples, invalid_labels, kish, score_counts, summarise, Metric, SatisfactionCounts, SatisfactionSpec,
    SatisfactionSummary, ScoreColumn, MAX_WEIGHT,
};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::partials;
use crate::stats::intervals::NpsMethod;
use crate::Io;
use clap::ValueEnum;

/// How many invalid rows are quoted per column.
const EXAMPLES: u32 = 5;

/// Everything `survey` needs, validated.
struct Plan {
    spec: SatisfactionSpec,
    grouping: Grouping,
    confidence: f64,
    nps_method: NpsMethod,
    min_n: u64,
    totals: bool,
}

/// Runs `cxstat survey`.
pub fn run(args: &SurveyArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    let (report, plan, opened) = execute(args, io)?;
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)?;
    if let Some(path) = &args.chart.chart {
        chart::write(&survey_chart(args, &report, &plan, &opened)?, path)?;
    }
    Ok(())
}

/// The result of `cxstat survey` with these arguments and the input it read, without writing
/// it (for the scorecard).
pub fn report(args: &SurveyArgs, io: &mut Io) -> Result<(Report, Opened)> {
    let (report, _, opened) = execute(args, io)?;
    Ok((report, opened))
}

fn execute(args: &SurveyArgs, io: &mut Io) -> Result<(Report, Plan, Opened)> {
    let opened = open_input(&args.input, Some(Kind::Responses), io)?;
    let mut plan = plan(args, &opened)?;
    if let Some(path) = &args.chart.chart {
        chart::ChartFormat::of(path)?;
    }
    let data = &opened.data;
    let (groups, _, read_with) = aggregate_read(data, &plan.spec, &plan.grouping)?;
    // The date order, where the quick readers could not read every date and it was looked for.
    plan.grouping = plan.grouping.with_order_found((!read_with.order_pending).then_some(read_with.date_order));
    check_invalid(&opened, &plan.spec, &plan.grouping, &groups, args.strict, io)?;
    if let Some(path) = &args.emit_partials {
        partials::write(path, "survey", vec![data.name.clone()], Settings::of(&plan), &groups, None)?;
    }
    let report = finish(&groups, &plan, &data.name, io)?;
    Ok((report, plan, opened))
}

/// From the groups' counts to the report: the undated rows reported, subtotals and total.
fn finish(groups: &[Group<SatisfactionCounts>], plan: &Plan, name: &str, io: &mut Io) -> Result<Report> {
    let undated: f64 = groups.iter().filter(|g| !g.dated).map(|g| g.counts.n).sum();
    if undated > 0.0 {
        io.warn(&format!(
            "{}: {undated} row{} no valid date in '{}' and {} left out",
            name,
            if undated == 1.0 { " has" } else { "s have" },
            plan.grouping.date.as_deref().unwrap_or(""),
            if undated == 1.0 { "was" } else { "were" }
        ));
    }
    let rows = arrange(groups, plan.totals);
    let in_scope: SatisfactionCounts =
        rows.iter().filter(|r| r.kind == RowKind::Group).fold(SatisfactionCounts::default(), |mut acc, r| {
            acc += r.counts;
            acc
        });
    if in_scope.n == 0.0 {
        return Err(data_err(format!("{name}: no responses to compute (no data rows in scope)")));
    }
    if in_scope.csat_n + in_scope.nps_n + in_scope.ces_n + in_scope.designation_n == 0.0 {
        return Err(data_err(format!("{name}: no valid CSAT, NPS or CES answers to compute")));
    }
    Ok(build_report(&rows, plan, name))
}

/// The settings that shape the survey table, as partial results record them: partials merge
/// only when these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Settings {
    csat: Option<Column>,
    csat_top_min: i64,
    nps: Option<Column>,
    ces: Option<Column>,
    ces_easy_min: i64,
    designation: Option<String>,
    weight: Option<String>,
    date: Option<String>,
    period: Option<Period>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    by: Vec<String>,
    confidence: f64,
    nps_interval: NpsMethod,
    min_n: u64,
    totals: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Column {
    header: String,
    low: i64,
    high: i64,
}

impl Settings {
    fn of(plan: &Plan) -> Settings {
        let column =
            |c: &Option<ScoreColumn>| c.as_ref().map(|c| Column { header: c.header.clone(), low: c.scale.low, high: c.scale.high });
        let spec = &plan.spec;
        let g = &plan.grouping;
        Settings {
            csat: column(&spec.csat),
            csat_top_min: spec.csat_top_min,
            nps: column(&spec.nps),
            ces: column(&spec.ces),
            ces_easy_min: spec.ces_easy_min,
            designation: spec.designation.clone(),
            weight: spec.weight.clone(),
            date: g.date.clone(),
            period: g.period,
            from: g.from,
            to: g.to,
            by: g.by.clone(),
            confidence: plan.confidence,
            nps_interval: plan.nps_method,
            min_n: plan.min_n,
            totals: plan.totals,
        }
    }

    fn plan(&self) -> Result<Plan> {
        let column =
            |c: &Option<Column>| c.as_ref().map(|c| ScoreColumn { header: c.header.clone(), scale: Scale { low: c.low, high: c.high } });
        Ok(Plan {
            spec: SatisfactionSpec {
                csat: column(&self.csat),
                csat_top_min: self.csat_top_min,
                nps: column(&self.nps),
                ces: column(&self.ces),
                ces_easy_min: self.ces_easy_min,
                designation: self.designation.clone(),
                weight: self.weight.clone(),
                na_values: Vec::new(),
                labels: Vec::new(),
                numbers_only: false,
            },
            grouping: Grouping {
                date: self.date.clone(),
                period: self.period,
                from: self.from,
                to: self.to,
                by: self.by.clone(),
                ..Default::default()
            },
            confidence: self.confidence,
            nps_method: self.nps_interval,
            min_n: self.min_n,
            totals: self.totals,
        })
    }
}

/// `cxstat merge` of survey partials: the counts of every shard added per group, then the same
/// table as `cxstat survey` over all the shards' rows.
pub fn merge(files: &[(String, serde_json::Value)], args: &MergeArgs, io: &mut Io) -> Result<()> {
    let partials::Combined { settings, inputs, groups, .. }: partials::Combined<Settings, SatisfactionCounts> = partials::combine(files)?;
    let plan = settings.plan()?;
    let name = inputs.join(" + ");
    let mut invalid = crate::metrics::satisfaction::InvalidCounts::default();
    for g in &groups {
        invalid += g.counts.invalid;
    }
    for (count, what) in
        [(invalid.csat, "CSAT"), (invalid.nps, "NPS"), (invalid.ces, "CES"), (invalid.weight, "weight"), (invalid.date, "date")]
    {
        if count > 0 {
            io.warn(&format!(
                "{name}: {count} invalid {what} value{} excluded (the runs that wrote the partials quoted them)",
                if count == 1 { "" } else { "s" }
            ));
        }
    }
    let report = finish(&groups, &plan, &name, io)?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
}

/// The trends `--chart-metric` can name, the default first.
pub const TRENDS: [TrendMetric; 4] = [
    TrendMetric {
        name: "csat",
        title: "CSAT (top-box %)",
        axis: "CSAT top-box %",
        value: "csat_pct",
        low: Some("csat_low"),
        high: Some("csat_high"),
        limits: (0.0, 100.0),
    },
    TrendMetric {
        name: "nps",
        title: "NPS",
        axis: "NPS (promoters % − detractors %)",
        value: "nps",
        low: Some("nps_low"),
        high: Some("nps_high"),
        limits: (-100.0, 100.0),
    },
    TrendMetric {
        name: "ces",
        title: "CES (mean effort score)",
        axis: "CES mean",
        value: "ces_mean",
        low: Some("ces_low"),
        high: Some("ces_high"),
        limits: (0.0, 100.0),
    },
    TrendMetric {
        name: "csat-mean",
        title: "CSAT mean score",
        axis: "CSAT mean",
        value: "csat_mean",
        low: None,
        high: None,
        limits: (0.0, 100.0),
    },
];

/// The chart asked for with `--chart`, drawn from the result table.
fn survey_chart(args: &SurveyArgs, report: &Report, plan: &Plan, opened: &Opened) -> Result<Chart> {
    let g = &plan.grouping;
    let scope = format!("{} · {}", opened.data.name, charts::date_scope(opened, g, Role::Date)?);
    let band = format!("{} confidence interval", charts::level_text(plan.confidence));
    let default = if g.period.is_some() {
        ChartType::Trend
    } else if plan.spec.nps.is_some() {
        ChartType::Nps
    } else {
        ChartType::Distribution
    };
    let metric = args.chart.chart_metric.as_deref();
    match args.chart.chart_type.unwrap_or(default) {
        ChartType::Trend => {
            let m = charts::pick(&TRENDS, metric, &report.machine)?;
            let period = g.period.map_or("period", Period::name);
            charts::trend(&report.machine, &g.by, m, scope, (period, band), &|_| "")
        }
        ChartType::Nps => charts::composition(&report.machine, &g.by, g.period.is_some(), scope),
        ChartType::Distribution => distribution(metric, plan, opened, scope),
        other => Err(usage(format!(
            "--chart-type {}: survey draws trend, nps or distribution",
            other.to_possible_value().map_or(String::new(), |v| v.get_name().to_string())
        ))),
    }
}

/// The score distribution of `--chart-metric` (NPS by default, else CSAT, else CES).
fn distribution(metric: Option<&str>, plan: &Plan, opened: &Opened, scope: String) -> Result<Chart> {
    let spec = &plan.spec;
    let available: Vec<(&str, Metric)> = [("nps", Metric::Nps), ("csat", Metric::Csat), ("ces", Metric::Ces)]
        .into_iter()
        .filter(|(_, m)| spec.column(*m).is_some())
        .collect();
    let chosen = match metric {
        None => available.first(),
        Some(name) => available.iter().find(|(n, _)| name.eq_ignore_ascii_case(n)),
    };
    let Some((_, which)) = chosen.copied() else {
        let names: Vec<&str> = available.iter().map(|(n, _)| *n).collect();
        return Err(usage(format!("--chart-metric for a distribution is one of: {}", names.join(", "))));
    };
    let (column, high_from, bands, title) = match which {
        Metric::Nps => (spec.nps.as_ref(), 9, ["detractors (0–6)", "passives (7–8)", "promoters (9–10)"], "NPS"),
        Metric::Csat => (spec.csat.as_ref(), spec.csat_top_min, ["dissatisfied", "neutral", "satisfied (top box)"], "CSAT"),
        Metric::Ces => (spec.ces.as_ref(), spec.ces_easy_min, ["difficult", "neutral", "easy"], "CES"),
        Metric::Designation | Metric::Weight => (None, 0, ["", "", ""], ""),
    };
    let Some(column) = column else { unreachable!("only score metrics are offered") };
    let scale = column.scale;
    // NPS: 0–6 low; otherwise as many low points as there are high ones.
    let low_to = if which == Metric::Nps { 6 } else { scale.low + (scale.high - high_from) };
    let counts = score_counts(&opened.data, spec, &plan.grouping, which)?;
    let n = counts.iter().fold(0.0, |a, c| a + c.1);
    let bins = counts
        .into_iter()
        .map(|(v, c)| {
            let band = if v >= high_from {
                Band::High
            } else if v <= low_to {
                Band::Low
            } else {
                Band::Middle
            };
            (v, c, band)
        })
        .collect();
    Ok(Chart::Histogram(Histogram {
        title: format!("{title} score distribution ('{}')", column.header),
        subtitle: match &spec.weight {
            Some(w) => format!("{scope} · bars are weighted answers (Σ '{w}' = {n:.1})"),
            None => format!("{scope} · n = {n} valid answers"),
        },
        x_label: format!("score ({})", scale),
        bands: bands.map(String::from),
        bins,
    }))
}

fn plan(args: &SurveyArgs, opened: &Opened) -> Result<Plan> {
    let defaults = &opened.config.survey;
    let headers = &opened.data.headers;
    let mut spec = satisfaction_spec(&args.scales, &args.input, opened)?;
    spec.weight = weight_column(opened, args.weight.as_deref())?;
    if spec.csat.is_none() && spec.nps.is_none() && spec.ces.is_none() && spec.designation.is_none() {
        return Err(data_err(format!(
            "{}: no CSAT, NPS or CES column found; headers found: {}. Map one with --col csat=HEADER \
             (or nps=, ces=), or in the config's [columns] table",
            opened.data.name,
            list_headers(headers)
        )));
    }
    let confidence = confidence_level(args.confidence, defaults.confidence)?;
    let grouping = grouping_quick_first(&args.group, opened, Role::Date)?;
    let nps_method = args.nps_interval.or(defaults.nps_interval).unwrap_or_default();
    Ok(Plan {
        spec,
        grouping,
        confidence,
        nps_method,
        min_n: args.group.min_n.or(defaults.min_n).unwrap_or(30),
        totals: !args.group.no_total,
    })
}

/// Reports invalid values per column on stderr (first rows quoted); under `--strict` they are an error.
pub(crate) fn check_invalid(
    opened: &Opened,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    groups: &[Group<SatisfactionCounts>],
    strict: bool,
    io: &mut Io,
) -> Result<()> {
    let mut invalid = crate::metrics::satisfaction::InvalidCounts::default();
    for g in groups {
        invalid += g.counts.invalid;
    }
    opened.data.check_ragged(invalid.ragged)?;
    let checks = [
        (Some(Metric::Csat), invalid.csat, spec.csat.as_ref().map(|c| (c.header.clone(), format!("whole numbers {}", c.scale)))),
        (Some(Metric::Nps), invalid.nps, spec.nps.as_ref().map(|c| (c.header.clone(), format!("whole numbers {}", c.scale)))),
        (Some(Metric::Ces), invalid.ces, spec.ces.as_ref().map(|c| (c.header.clone(), format!("whole numbers {}", c.scale)))),
        (
            Some(Metric::Designation),
            invalid.designation,
            spec.designation.clone().map(|h| (h, "yes/no, true/false, 1/0 or 是/否".to_string())),
        ),
        (None, invalid.date, grouping.date.clone().map(|d| (d, "a date such as 2026-10-03".to_string()))),
        (
            Some(Metric::Weight),
            invalid.weight,
            spec.weight.clone().map(|h| (h, format!("a positive number up to {MAX_WEIGHT:e}; the whole row"))),
        ),
    ];
    let mut messages = Vec::new();
    for (metric, count, column) in checks {
        let Some((header, expected)) = column else { continue };
        if count == 0 {
            continue;
        }
        let examples = invalid_examples(&opened.data, spec, grouping, metric, EXAMPLES)?;
        // Answers exported as words the scale tables do not know: list them and say how to map them.
        let words = match metric {
            Some(m @ (Metric::Csat | Metric::Nps | Metric::Ces)) => invalid_labels(&opened.data, spec, grouping, m, 10)?,
            _ => Vec::new(),
        };
        let hint = match words.first() {
            Some(first) => format!(
                ". Labels not on the scale: {}. Map them to scale points in the config, e.g. [labels] \"{first}\" = 3",
                words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
            ),
            None => String::new(),
        };
        messages.push(format!(
            "{}: column '{header}': {count} invalid value{} (expected {expected}; excluded): {}{hint}",
            opened.data.name,
            if count == 1 { "" } else { "s" },
            quote_rows(&examples, count)
        ));
    }
    report_problems(&messages, strict, io)
}

fn machine_table(rows: &[ResultRow<SatisfactionCounts>], summaries: &[SatisfactionSummary], plan: &Plan) -> Table {
    let spec = &plan.spec;
    let weighted = spec.weight.is_some();
    let mut columns = key_columns(&plan.grouping);
    columns.extend(["n", "low_base"].map(String::from));
    // With a weight, each metric's Kish effective sample size follows its count of answers.
    let counted = |columns: &mut Vec<String>, metric: &str, rest: &[&str]| {
        columns.push(format!("{metric}_n"));
        if weighted {
            columns.push(format!("{metric}_n_eff"));
        }
        columns.extend(rest.iter().map(|c| c.to_string()));
    };
    if spec.csat.is_some() {
        counted(&mut columns, "csat", &["csat_pct", "csat_low", "csat_high", "csat_mean"]);
    }
    if spec.nps.is_some() {
        counted(&mut columns, "nps", &["promoters_pct", "passives_pct", "detractors_pct", "nps", "nps_moe", "nps_low", "nps_high"]);
    }
    if spec.ces.is_some() {
        counted(&mut columns, "ces", &["ces_mean", "ces_low", "ces_high", "ces_easy_pct"]);
    }
    if spec.designation.is_some() {
        counted(&mut columns, "designation", &["designation_pct", "designation_low", "designation_high"]);
    }
    let rows = rows
        .iter()
        .zip(summaries)
        .map(|(row, s)| {
            let c = &row.counts;
            let mut cells = key_cells(&row.key, row.kind, &plan.grouping);
            cells.extend([Cell::Int(c.n as i64), Cell::Bool((c.n as u64) < plan.min_n)]);
            let counted = |cells: &mut Vec<Cell>, metric: Metric| {
                let (n, w, w2) = c.weights(metric);
                cells.push(Cell::Int(n as i64));
                if weighted {
                    cells.push(Cell::num(Some(kish(w, w2)), 1));
                }
            };
            if spec.csat.is_some() {
                counted(&mut cells, Metric::Csat);
                cells.extend([Cell::num(s.csat_pct, 1), low(s.csat_ci), high(s.csat_ci), Cell::num(s.csat_mean, 2)]);
            }
            if spec.nps.is_some() {
                counted(&mut cells, Metric::Nps);
                cells.extend([
                    Cell::num(s.promoters_pct, 1),
                    Cell::num(s.passives_pct, 1),
                    Cell::num(s.detractors_pct, 1),
                    Cell::num(s.nps, 1),
                    Cell::num(s.nps_margin, 1),
                    low(s.nps_ci),
                    high(s.nps_ci),
                ]);
            }
            if spec.ces.is_some() {
                counted(&mut cells, Metric::Ces);
                cells.extend([
                    Cell::num(s.ces_mean, 2),
                    Cell::num(s.ces_ci.map(|i| i.low), 2),
                    Cell::num(s.ces_ci.map(|i| i.high), 2),
                    Cell::num(s.ces_easy_pct, 1),
                ]);
            }
            if spec.designation.is_some() {
                counted(&mut cells, Metric::Designation);
                cells.extend([Cell::num(s.designation_pct, 1), low(s.designation_ci), high(s.designation_ci)]);
            }
            cells
        })
        .collect();
    Table { columns, rows }
}

fn human_table(rows: &[ResultRow<SatisfactionCounts>], summaries: &[SatisfactionSummary], plan: &Plan) -> Table {
    let spec = &plan.spec;
    let level = format!("{}%", (plan.confidence * 100.0 * 10.0).round() / 10.0);
    let mut columns = key_columns(&plan.grouping);
    columns.push("n".to_string());
    if spec.weight.is_some() {
        columns.push("n eff.".to_string());
    }
    if let Some(csat) = &spec.csat {
        let boxes = csat.scale.high - spec.csat_top_min + 1;
        columns.push(format!("CSAT top-{boxes} % ({level} CI)"));
        columns.push("CSAT mean".to_string());
    }
    if spec.nps.is_some() {
        columns.extend([format!("NPS ({level} CI)"), "Prom %".into(), "Pass %".into(), "Detr %".into()]);
    }
    if spec.ces.is_some() {
        columns.extend([format!("CES mean ({level} CI)"), "CES easy %".into()]);
    }
    if spec.designation.is_some() {
        columns.push(format!("asked by name % ({level} CI)"));
    }
    columns.push("note".to_string());
    let rows = rows
        .iter()
        .zip(summaries)
        .map(|(row, s)| {
            let mut cells = key_cells(&row.key, row.kind, &plan.grouping);
            let c = &row.counts;
            cells.push(Cell::Int(c.n as i64));
            if spec.weight.is_some() {
                // The effective size of the headline metric: NPS, else CSAT, else CES.
                let headline = if spec.nps.is_some() {
                    Metric::Nps
                } else if spec.csat.is_some() {
                    Metric::Csat
                } else {
                    Metric::Ces
                };
                let (_, w, w2) = c.weights(headline);
                let n_eff = Some(kish(w, w2));
                cells.push(Cell::num(n_eff, 1));
            }
            if spec.csat.is_some() {
                cells.push(with_interval(s.csat_pct, s.csat_ci, 1, false));
                cells.push(Cell::num(s.csat_mean, 2));
            }
            if spec.nps.is_some() {
                cells.push(with_interval(s.nps, s.nps_ci, 1, true));
                cells.extend([Cell::num(s.promoters_pct, 1), Cell::num(s.passives_pct, 1), Cell::num(s.detractors_pct, 1)]);
            }
            if spec.ces.is_some() {
                cells.push(with_interval(s.ces_mean, s.ces_ci, 2, false));
                cells.push(Cell::num(s.ces_easy_pct, 1));
            }
            if spec.designation.is_some() {
                cells.push(with_interval(s.designation_pct, s.designation_ci, 1, false));
            }
            let low_base = (row.counts.n as u64) < plan.min_n;
            cells.push(Cell::Text(if low_base { format!("low base (n < {})", plan.min_n) } else { String::new() }));
            cells
        })
        .collect();
    Table { columns, rows }
}

fn caption(plan: &Plan, name: &str) -> Vec<String> {
    let spec = &plan.spec;
    let mut parts = vec![name.to_string()];
    if let Some(c) = &spec.csat {
        parts.push(format!("CSAT '{}' {} (satisfied ≥ {})", c.header, c.scale, spec.csat_top_min));
    }
    if let Some(c) = &spec.nps {
        parts.push(format!("NPS '{}' 0–10", c.header));
    }
    if let Some(c) = &spec.ces {
        parts.push(format!("CES '{}' {} (easy ≥ {})", c.header, c.scale, spec.ces_easy_min));
    }
    if let Some(w) = &spec.weight {
        parts.push(format!(
            "weighted by '{w}' · n eff. = Kish's (Σw)²/Σw² of the NPS answers (else CSAT, else CES); each interval uses its metric's n eff."
        ));
    }
    let mut lines = vec![parts.join(" · ")];
    match (plan.grouping.from, plan.grouping.to) {
        (None, None) => {}
        (f, t) => lines.push(format!(
            "dates {} to {}",
            f.map_or("start".to_string(), |d| d.to_string()),
            t.map_or("end".to_string(), |d| d.to_string())
        )),
    }
    lines
}

fn build_report(rows: &[ResultRow<SatisfactionCounts>], plan: &Plan, name: &str) -> Report {
    let summaries: Vec<SatisfactionSummary> = rows.iter().map(|r| summarise(&r.counts, plan.confidence, plan.nps_method)).collect();
    Report {
        machine: machine_table(rows, &summaries, plan),
        human: human_table(rows, &summaries, plan),
        caption: caption(plan, name),
        ..Default::default()
    }
}
