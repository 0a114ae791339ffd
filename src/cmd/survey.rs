//! `cxstat survey FILE`: CSAT, NPS and CES with confidence intervals, per group.
//!
//! Usage: cxstat survey responses.csv [--by segment] [--period month] [--from D] [--to D]
//!        [--csat-scale 1-5 --csat-top 2] [--ces-scale 1-7] [--na-values 0,-99] [--strict]
//!        [--format table|csv|json|markdown] [-o FILE]

use anyhow::Result;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::chart::{self, Band, Chart, Histogram};
use crate::cli::{ChartType, MergeArgs, SqlOptions, SurveyArgs};
use crate::cmd::charts::{self, TrendMetric};
use crate::cmd::engine::{check_encoding, refuse_local_dates, refuse_options, LocalOnly, Query, SqlOutcome, DECIMAL_POINT};
use crate::cmd::{
    check_dates, checked_design, confidence_level, design_of, grouping_quick_first, key_cells, key_columns, low_base_note, max_invalid,
    open_checked, quote_rows, report_problems, satisfaction_spec, scales, set_weight, Opened, Outcome, Scales,
};
use crate::error::{data_err, usage};
use crate::input::clean::Scale;
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::design::{sum_domains, Design, DomainSums, FirstPass, PsuCounts};
use crate::metrics::grouping::{Group, Grouping, Levels};
use crate::metrics::period::Period;
use crate::metrics::satisfaction::{
    aggregate_finer, aggregate_read, invalid_examples, invalid_labels, invalid_values, read_only_locally, score_counts, survey_table,
    whole_number_range, InvalidCounts, Metric, SatisfactionCounts, SatisfactionSpec, ScoreColumn, SurveyRow, SurveyTable, MAX_WEIGHT,
};
use crate::output::columns::{always, shown_keys, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::partials;
use crate::sql::result::ResultTable;
use crate::stats::design::DesignEstimate;
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
    /// The survey design of `--variance taylor` (the default with a weight, strata or clusters);
    /// `None` for Kish's effective sizes and for unweighted runs.
    design: Option<Design>,
}

/// Runs `cxstat survey`.
pub fn run(args: &SurveyArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let (report, _, plan, opened) = execute(args, io)?;
    emit(&report, format, args.output.target(), io)?;
    if let Some(path) = &args.chart.chart {
        chart::write(&survey_chart(args, &report, &plan, &opened)?, path)?;
    }
    Ok(())
}

/// The result of `cxstat survey` with these arguments and the input it read, without writing
/// it (for the scorecard).
pub fn report(args: &SurveyArgs, io: &mut Io) -> Result<Outcome<SurveyRow>> {
    let (report, table, plan, opened) = execute(args, io)?;
    Ok(Outcome { report, rows: table.rows, shown: shown_keys(COLUMNS, &plan), opened })
}

fn execute(args: &SurveyArgs, io: &mut Io) -> Result<(Report, SurveyTable, Plan, Opened)> {
    let (opened, (scales, confidence, max_invalid)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if let Some(path) = &args.chart.chart {
            chart::ChartFormat::of(path)?;
        }
        let scales = scales(&args.scales, config)?;
        let confidence = confidence_level(args.stats.confidence, config.survey.confidence, "[survey] confidence")?;
        Ok((scales, confidence, max_invalid(args.invalid.max_invalid, config)?))
    })?;
    let mut plan = plan(args, &opened, &scales, confidence)?;
    let data = &opened.data;
    // A design without strata and clusters is summed in the first pass (one pass over the rows).
    let (groups, first_pass, read_with) = match plan.design.as_ref().and_then(|d| d.first_pass(&plan.spec)) {
        Some(finer) => {
            let (both, _, read_with) = aggregate_finer(data, &plan.spec, &plan.grouping, &finer)?;
            let (groups, sums) = both
                .into_iter()
                .map(|g| {
                    let (counts, sums) = g.counts;
                    (Group { key: g.key.clone(), dated: g.dated, counts }, Group { key: g.key, dated: g.dated, counts: sums })
                })
                .unzip();
            (groups, Some(sums), read_with)
        }
        None => {
            let (groups, _, read_with) = aggregate_read(data, &plan.spec, &plan.grouping)?;
            (groups, None, read_with)
        }
    };
    // The date order, where the quick readers could not read every date and it was looked for.
    plan.grouping = plan.grouping.with_order_found((!read_with.order_pending).then_some(read_with.date_order));
    check_invalid(&opened, &plan.spec, &plan.grouping, &groups, (args.stats.strict, max_invalid), io)?;
    if let Some(path) = &args.emit_partials {
        partials::write(path, "survey", vec![data.name.clone()], Settings::of(&plan), &groups, None)?;
    }
    let design = match (&plan.design, first_pass) {
        (Some(design), Some(sums)) => Some(first_pass_sums(&opened, &plan, design, sums)?),
        (Some(design), None) => Some(design_sums(&opened, &plan, design)?),
        (None, _) => None,
    };
    let (report, table) = finish(&groups, &plan, &data.name, design.as_ref(), io)?;
    Ok((report, table, plan, opened))
}

/// The design's sums per domain and PSUs per stratum (see [`checked_design`]).
fn design_sums(opened: &Opened, plan: &Plan, design: &Design) -> Result<(Levels<DomainSums>, PsuCounts)> {
    let psus = checked_design(opened, &plan.spec, &plan.grouping, design)?;
    Ok((design.domain_sums(&opened.data, &plan.spec, &plan.grouping, plan.totals)?, psus))
}

/// The design's sums from the first pass (a design without strata and clusters, see
/// [`Design::first_pass`]): each group's sums, the levels above them added up, and the PSUs (the
/// rows with a valid weight, dated or not). Fewer than two PSUs: the design's own refusal.
fn first_pass_sums(
    opened: &Opened,
    plan: &Plan,
    design: &Design,
    groups: Vec<Group<FirstPass>>,
) -> Result<(Levels<DomainSums>, PsuCounts)> {
    let rows: f64 = groups.iter().map(|g| g.counts.1).sum();
    if rows < 2.0 {
        return design_sums(opened, plan, design);
    }
    let groups = groups
        .into_iter()
        .map(|g| Group { key: g.key, dated: g.dated, counts: DomainSums { strata: [(String::new(), g.counts.0)].into() } })
        .collect();
    let levels = plan.grouping.levels_of(groups, plan.totals, &sum_domains);
    Ok((levels, [(String::new(), rows)].into()))
}

/// From the groups' counts to the report: the undated rows reported, subtotals and total, and
/// with a design its variances.
fn finish(
    groups: &[Group<SatisfactionCounts>],
    plan: &Plan,
    name: &str,
    design: Option<&(Levels<DomainSums>, PsuCounts)>,
    io: &mut Io,
) -> Result<(Report, SurveyTable)> {
    let ces_scale = plan.spec.ces.as_ref().map(|c| c.scale);
    let mut table = survey_table(groups, plan.totals, plan.confidence, plan.nps_method, ces_scale);
    if let Some((sums, psus)) = design {
        crate::metrics::design::apply(&mut table.rows, sums, &plan.spec, psus, plan.confidence);
    }
    let undated = table.undated;
    if undated > 0.0 {
        io.warn(&format!(
            "{}: {undated} row{} no valid date in '{}' and {} left out",
            name,
            if undated == 1.0 { " has" } else { "s have" },
            plan.grouping.date.as_deref().unwrap_or(""),
            if undated == 1.0 { "was" } else { "were" }
        ));
    }
    let in_scope = &table.in_scope;
    if in_scope.n == 0.0 {
        return Err(data_err(format!("{name}: no responses to compute (no data rows in scope)")));
    }
    if in_scope.csat_n + in_scope.nps_n + in_scope.ces_n + in_scope.designation_n == 0.0 {
        let weighted = plan.spec.weight.as_deref().map(|w| format!(" (with a valid weight in '{w}')")).unwrap_or_default();
        return Err(data_err(format!("{name}: no valid CSAT, NPS or CES answers{weighted} to compute")));
    }
    let mut report = build_report(&table.rows, plan, name);
    report.caption.extend(excluded_line(groups, plan));
    Ok((report, table))
}

/// The invalid answers and the valid counts of all `groups`, added up.
fn answers(groups: &[Group<SatisfactionCounts>]) -> (InvalidCounts, SatisfactionCounts) {
    let mut invalid = InvalidCounts::default();
    let mut valid = SatisfactionCounts::default();
    for g in groups {
        invalid += g.counts.invalid;
        valid += g.counts;
    }
    (invalid, valid)
}

/// The caption line counting the answers left out as invalid (each reported on stderr), per
/// score column, of its answers: "excluded as invalid: CSAT 3 of 6 answers".
fn excluded_line(groups: &[Group<SatisfactionCounts>], plan: &Plan) -> Option<String> {
    let (invalid, valid) = answers(groups);
    let spec = &plan.spec;
    let parts: Vec<String> = [
        ("CSAT", spec.csat.is_some(), invalid.csat, valid.csat_n),
        ("NPS", spec.nps.is_some(), invalid.nps, valid.nps_n),
        ("CES", spec.ces.is_some(), invalid.ces, valid.ces_n),
    ]
    .into_iter()
    .filter(|(_, used, count, _)| *used && *count > 0)
    .map(|(metric, _, count, n)| format!("{metric} {count} of {} answers", count as f64 + n))
    .collect();
    (!parts.is_empty()).then(|| format!("excluded as invalid (see the warnings): {}", parts.join(", ")))
}

/// The settings that shape the survey table, as partial results record them: partials merge
/// only when these are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Settings {
    csat: Option<SettingsColumn>,
    csat_top_min: i64,
    nps: Option<SettingsColumn>,
    ces: Option<SettingsColumn>,
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
struct SettingsColumn {
    header: String,
    low: i64,
    high: i64,
}

impl Settings {
    fn of(plan: &Plan) -> Settings {
        let column =
            |c: &Option<ScoreColumn>| c.as_ref().map(|c| SettingsColumn { header: c.header.clone(), low: c.scale.low, high: c.scale.high });
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
        let column = |c: &Option<SettingsColumn>| {
            c.as_ref().map(|c| ScoreColumn { header: c.header.clone(), scale: Scale { low: c.low, high: c.high } })
        };
        Ok(Plan {
            spec: SatisfactionSpec {
                csat: column(&self.csat),
                csat_top_min: self.csat_top_min,
                nps: column(&self.nps),
                ces: column(&self.ces),
                ces_easy_min: self.ces_easy_min,
                designation: self.designation.clone(),
                weight: self.weight.clone(),
                weight_comma: false,
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
            design: None,
        })
    }
}

/// `cxstat merge` of survey partials: the counts of every shard added per group, then the same
/// table as `cxstat survey` over all the shards' rows.
pub fn merge(files: &[(String, serde_json::Value)], args: &MergeArgs, io: &mut Io) -> Result<()> {
    let partials::Combined { settings, inputs, groups, .. }: partials::Combined<Settings, SatisfactionCounts> = partials::combine(files)?;
    let plan = settings.plan()?;
    let name = inputs.join(" + ");
    let mut invalid = InvalidCounts::default();
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
    let (report, _) = finish(&groups, &plan, &name, None, io)?;
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    emit(&report, format, args.output.target(), io)
}

/// `cxstat sql survey`: the query of every group's counts and sums, with the settings of the
/// run it stands for. The options a query cannot carry are refused, and so is a sample whose
/// answers or dates only cxstat's own readers read (labels, year-last dates, decimal commas,
/// text in another encoding than UTF-8).
pub(crate) fn sql(args: &SurveyArgs, options: &SqlOptions, io: &mut Io) -> Result<Query<Settings>> {
    let local = LocalOnly::of(&args.chart, &args.emit_partials, &args.output, args.group.date_order.is_some(), &args.input);
    refuse_options(
        local,
        &[(
            args.design.strata.is_some() || args.design.cluster.is_some(),
            "--strata or --cluster",
            "design-based variances need each unit's sums; run cxstat survey on the data",
        )],
    )?;
    let (opened, (scales, confidence, max_invalid)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        let scales = scales(&args.scales, config)?;
        let confidence = confidence_level(args.stats.confidence, config.survey.confidence, "[survey] confidence")?;
        Ok((scales, confidence, max_invalid(args.invalid.max_invalid, config)?))
    })?;
    let plan = plan(args, &opened, &scales, confidence)?;
    if plan.design.is_some() {
        return Err(usage(
            "cxstat sql survey --weight: the query sums the weights as Kish's effective sizes need them; Taylor linearisation, the default \
             with a weight, needs each response. Add --variance kish",
        ));
    }
    if !plan.spec.labels.is_empty() {
        return Err(usage(
            "the config's [labels] map answer wordings to scale points, which only cxstat's own reader does; the query reads numbers only. \
             Map the wordings to numbers in the engine (CASE … END in a view), or run cxstat survey on the data",
        ));
    }
    check_sample(&opened, &plan.spec, &plan.grouping)?;
    if plan.spec.weight_comma {
        return Err(data_err(format!("{}: weights written with a decimal comma: {DECIMAL_POINT}", opened.data.name)));
    }
    let table = options.table.clone().unwrap_or_else(|| "responses".to_string());
    let mut columns = crate::sql::key_names(&plan.grouping);
    columns.extend(crate::sql::survey::statistics(&plan.spec, &plan.grouping));
    Ok(Query {
        command: "survey",
        dialect: options.dialect,
        sql: crate::sql::survey::query(options.dialect, &table, &plan.spec, &plan.grouping),
        tables: vec![table],
        columns,
        settings: Settings::of(&plan),
        max_invalid: Some(max_invalid),
        guessed: Vec::new(),
        strict: args.stats.strict,
    })
}

/// Refuses a sample whose scores or dates only cxstat's own readers read: counted as invalid by
/// the query, they would leave answers out of the engine's result that a local run counts.
fn check_sample(opened: &Opened, spec: &SatisfactionSpec, grouping: &Grouping) -> Result<()> {
    let data = &opened.data;
    check_encoding(data)?;
    if let Some((header, count, examples)) = read_only_locally(data, spec)?.into_iter().next() {
        return Err(data_err(format!(
            "{}: column '{header}': {count} value{} that SQL cannot read as cxstat does ({}): the query reads whole numbers on the \
             scale; answers written as words (or '4 - satisfied') are read by cxstat's own reader only: map them to numbers in the \
             engine (CASE … END in a view), or run cxstat survey on the data",
            data.name,
            if count == 1 { "" } else { "s" },
            examples.iter().map(|e| format!("'{}'", crate::error::printable(e))).collect::<Vec<_>>().join(", ")
        )));
    }
    if let (true, Some(date)) = (grouping.uses_date(), &grouping.date) {
        refuse_local_dates(data, date)?;
    }
    Ok(())
}

/// `cxstat merge PLAN RESULT` of a survey plan: each row of the engine's result is a group's
/// counts; the table is made from them as from a local run's.
pub(crate) fn from_sql(name: &str, value: &serde_json::Value, result: &ResultTable, io: &mut Io) -> Result<SqlOutcome<SurveyRow>> {
    let sql_plan: partials::SqlPlan<Settings> = partials::plan_of(name, value)?;
    let plan = sql_plan.settings.plan()?;
    let index = result.require(&sql_plan.columns)?;
    let column = |n: &str| sql_plan.columns.iter().position(|c| c == n).map(|k| index[k]);
    let weighted = plan.spec.weight.is_some();
    let mut groups = Vec::with_capacity(result.rows.len());
    for i in 0..result.rows.len() {
        let get = |n: &str| column(n).map_or(Ok(0.0), |c| result.number(i, c));
        let whole = |n: &str| -> Result<u64> { Ok(get(n)? as u64) };
        let key = crate::sql::group_key(result, i, &plan.grouping, &|n| column(n))?;
        let mut c = SatisfactionCounts { n: get("n")?, ..Default::default() };
        for (metric, n, w, w2) in [
            ("csat", &mut c.csat_n, &mut c.csat_w, &mut c.csat_w2),
            ("nps", &mut c.nps_n, &mut c.nps_w, &mut c.nps_w2),
            ("ces", &mut c.ces_n, &mut c.ces_w, &mut c.ces_w2),
            ("designation", &mut c.designation_n, &mut c.designation_w, &mut c.designation_w2),
        ] {
            *n = get(&format!("{metric}_n"))?;
            (*w, *w2) = if weighted { (get(&format!("{metric}_w"))?, get(&format!("{metric}_w2"))?) } else { (*n, *n) };
        }
        (c.csat_top, c.csat_sum) = (get("csat_top")?, get("csat_sum")?);
        (c.promoters, c.detractors) = (get("promoters")?, get("detractors")?);
        (c.ces_sum, c.ces_sum_sq, c.ces_easy) = (get("ces_sum")?, get("ces_sum_sq")?, get("ces_easy")?);
        c.designation_yes = get("designation_yes")?;
        c.invalid.csat = whole("csat_bad")?;
        c.invalid.nps = whole("nps_bad")?;
        c.invalid.ces = whole("ces_bad")?;
        c.invalid.designation = whole("designation_bad")?;
        c.invalid.weight = whole("weight_bad")?;
        c.invalid.date = whole("date_bad")?;
        let group = Group { key: key.0, dated: key.1, counts: c };
        if let Some(problem) = partials::Checked::problem(&group.counts, &sql_plan.settings) {
            return Err(data_err(format!(
                "{}: row {}: {}; not the result of this plan's query",
                result.name,
                i + 2,
                crate::error::printable(&problem)
            )));
        }
        groups.push(group);
    }
    let name = sql_plan.tables.join(" + ");
    check_result_invalid(&groups, &plan, &name, (sql_plan.strict, sql_plan.max_invalid.unwrap_or(10.0)), io)?;
    let (report, table) = finish(&groups, &plan, &name, None, io)?;
    Ok(SqlOutcome { report, rows: table.rows, shown: shown_keys(COLUMNS, &plan) })
}

/// The invalid answers the engine counted: reported per column, an error under `--strict`, and
/// a score column with more than `max_invalid` % of its answers invalid stops the merge, as it
/// stops a local run (the rows cannot be quoted: they are in the engine).
fn check_result_invalid(
    groups: &[Group<SatisfactionCounts>],
    plan: &Plan,
    name: &str,
    (strict, max_invalid): (bool, f64),
    io: &mut Io,
) -> Result<()> {
    let (invalid, valid) = answers(groups);
    let spec = &plan.spec;
    if let Some((metric, count, answered)) = over_max_invalid(&invalid, &valid, max_invalid) {
        let name_of = match metric {
            Metric::Csat => "CSAT",
            Metric::Nps => "NPS",
            _ => "CES",
        };
        if let Some(column) = spec.column(metric) {
            return Err(data_err(format!(
                "{name}: column '{}': {count} of {answered} answers ({:.1}%) are not whole numbers {}, more than --max-invalid {max_invalid}% \
                 allows: {name_of} from the other answers would not be a result. The query reads numbers only: look at the values in the \
                 engine (SELECT {}, COUNT(*) … GROUP BY 1), or run cxstat inspect on a sample",
                column.header,
                100.0 * count as f64 / answered,
                column.scale,
                column.header
            )));
        }
    }
    let mut messages = Vec::new();
    for (_, count, column) in invalid_columns(spec, &plan.grouping, &invalid, "an ISO date such as 2026-10-03") {
        if let (Some((header, expected)), true) = (column, count > 0) {
            messages.push(format!(
                "{name}: column '{header}': {count} invalid value{} (expected {expected}; excluded), counted by the engine",
                if count == 1 { "" } else { "s" }
            ));
        }
    }
    report_problems(&messages, strict, io)
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
    let (dates, span) = charts::date_scope(opened, g, Role::Date)?;
    let scope = format!("{} · {dates}", opened.data.name);
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
            let marks = charts::partial_marks(&report.machine, g.period, span);
            charts::trend(&report.machine, &g.by, m, scope, (period, band), &marks)
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

fn plan(args: &SurveyArgs, opened: &Opened, scales: &Scales, confidence: f64) -> Result<Plan> {
    let defaults = &opened.config.survey;
    let headers = &opened.data.headers;
    let mut spec = satisfaction_spec(scales, &args.input, opened);
    set_weight(&mut spec, opened, args.weight.as_deref())?;
    let design = design_of(&args.design, opened, spec.weight.is_some())?;
    if design.is_some() && args.emit_partials.is_some() {
        return Err(usage(
            "--emit-partials with a design-based variance: partial results hold sums that add up across shards, and Taylor \
             variances do not. Add --variance kish (Kish's effective sizes add up), or run on the whole file",
        ));
    }
    if spec.csat.is_none() && spec.nps.is_none() && spec.ces.is_none() && spec.designation.is_none() {
        return Err(data_err(format!(
            "{}: no CSAT, NPS or CES column found; headers found: {}. Map one with --col csat=HEADER \
             (or nps=, ces=), or in the config's [columns] table",
            opened.data.name,
            list_headers(headers)
        )));
    }
    let grouping = grouping_quick_first(&args.group, opened, Role::Date)?;
    let nps_method = args.nps_interval.or(defaults.nps_interval).unwrap_or_default();
    Ok(Plan {
        spec,
        grouping,
        confidence,
        nps_method,
        min_n: args.group.min_n.or(defaults.min_n).unwrap_or(30),
        totals: !args.group.no_total,
        design,
    })
}

/// Reports invalid values per column on stderr (first rows quoted); under `--strict` they are an error.
///
/// A score column whose invalid answers are more than `max_invalid` % of its answers stops the run
/// (exit 65), whatever `strict` says: a metric from the rest would not be a result.
pub(crate) fn check_invalid(
    opened: &Opened,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    groups: &[Group<SatisfactionCounts>],
    (strict, max_invalid): (bool, f64),
    io: &mut Io,
) -> Result<()> {
    let (invalid, valid) = answers(groups);
    opened.data.check_ragged(invalid.ragged)?;
    if let Some((metric, count, answered)) = over_max_invalid(&invalid, &valid, max_invalid) {
        return Err(too_many_invalid(opened, spec, grouping, metric, (count, answered), max_invalid));
    }
    let mut messages = Vec::new();
    for (metric, count, column) in invalid_columns(spec, grouping, &invalid, "a date such as 2026-10-03") {
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

/// The first score column whose invalid answers are more than `max_invalid` % of its answers:
/// its metric, invalid answers and answers.
fn over_max_invalid(invalid: &InvalidCounts, valid: &SatisfactionCounts, max_invalid: f64) -> Option<(Metric, u64, f64)> {
    [(Metric::Csat, invalid.csat, valid.csat_n), (Metric::Nps, invalid.nps, valid.nps_n), (Metric::Ces, invalid.ces, valid.ces_n)]
        .into_iter()
        .map(|(metric, count, answers)| (metric, count, answers + count as f64))
        .find(|(_, count, answered)| *count > 0 && 100.0 * *count as f64 > max_invalid * answered)
}

/// A column's metric (none for the date), invalid values, and header with what it should hold.
type InvalidColumn = (Option<Metric>, u64, Option<(String, String)>);

/// The columns whose invalid values are reported: each with its metric (none for the date), its
/// invalid values, and its header and what it should hold (none when the run has no such
/// column); `date` says what the date column should hold.
fn invalid_columns(spec: &SatisfactionSpec, grouping: &Grouping, invalid: &InvalidCounts, date: &str) -> [InvalidColumn; 6] {
    let score = |c: &Option<ScoreColumn>| c.as_ref().map(|c| (c.header.clone(), format!("whole numbers {}", c.scale)));
    [
        (Some(Metric::Csat), invalid.csat, score(&spec.csat)),
        (Some(Metric::Nps), invalid.nps, score(&spec.nps)),
        (Some(Metric::Ces), invalid.ces, score(&spec.ces)),
        (
            Some(Metric::Designation),
            invalid.designation,
            spec.designation.clone().map(|h| (h, "yes/no, true/false, 1/0 or 是/否".to_string())),
        ),
        (None, invalid.date, grouping.date.clone().map(|d| (d, date.to_string()))),
        (
            Some(Metric::Weight),
            invalid.weight,
            spec.weight.clone().map(|h| (h, format!("a positive number up to {MAX_WEIGHT:e}; the whole row"))),
        ),
    ]
}

/// The error of a score column with too many invalid answers: the share, the most frequent
/// invalid values, and the fix that fits what was seen (another scale, labels, another column).
fn too_many_invalid(
    opened: &Opened,
    spec: &SatisfactionSpec,
    grouping: &Grouping,
    metric: Metric,
    (invalid, answered): (u64, f64),
    max_invalid: f64,
) -> anyhow::Error {
    let column = spec.column(metric).expect("a score column");
    let (name, role, flag) = match metric {
        Metric::Csat => ("CSAT", "csat", Some("--csat-scale")),
        Metric::Nps => ("NPS", "nps", None),
        _ => ("CES", "ces", Some("--ces-scale")),
    };
    let found = (invalid_values(&opened.data, spec, grouping, metric, 5), whole_number_range(&opened.data, spec, grouping, metric));
    let (values, range) = match found {
        (Ok(values), Ok(range)) => (values, range),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let listed: Vec<String> = values.iter().map(|(v, n)| format!("'{v}' ({n})")).collect();
    let mut fixes = Vec::new();
    let scale = column.scale;
    if let Some((lo, hi)) = range.filter(|(lo, hi)| *lo < scale.low || *hi > scale.high) {
        // The scale that holds every whole number seen, and the configured one.
        let (low, high) = (lo.min(scale.low), hi.max(scale.high));
        fixes.push(match flag {
            Some(flag) => format!("whole numbers {lo}–{hi} seen: for a {low}–{high} scale add {flag} {low}-{high}"),
            None => format!("whole numbers {lo}–{hi} seen, and NPS answers are 0–10: is '{}' the likelihood to recommend?", column.header),
        });
    }
    let words: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).filter(|v| v.parse::<f64>().is_err()).collect();
    if let Some(first) = words.first() {
        fixes.push(format!(
            "{} text value{} seen: map {} to scale points in the config ([labels] \"{first}\" = a score on {}), or name {} with --na-values \
             if {} no answer",
            words.len(),
            if words.len() == 1 { "" } else { "s" },
            if words.len() == 1 { "it" } else { "them" },
            scale,
            if words.len() == 1 { "it" } else { "them" },
            if words.len() == 1 { "it means" } else { "they mean" }
        ));
    }
    fixes.push(format!("or map another column with --col {role}=HEADER"));
    data_err(format!(
        "{}: column '{}': {invalid} of {answered} answers ({:.1}%) are not whole numbers {scale}, more than --max-invalid {max_invalid}% \
         allows: {name} from the other answers would not be a result. Most frequent: {}. {}",
        opened.data.name,
        column.header,
        100.0 * invalid as f64 / answered,
        listed.join(", "),
        fixes.join("; ")
    ))
}

/// Whether the run has each score (and a weight).
fn has_csat(p: &Plan) -> bool {
    p.spec.csat.is_some()
}
fn has_nps(p: &Plan) -> bool {
    p.spec.nps.is_some()
}
fn has_ces(p: &Plan) -> bool {
    p.spec.ces.is_some()
}
fn has_designation(p: &Plan) -> bool {
    p.spec.designation.is_some()
}
fn weighted(p: &Plan) -> bool {
    p.spec.weight.is_some()
}
fn designed(p: &Plan) -> bool {
    p.design.is_some()
}

/// The design-based estimate `k` of a row (see [`crate::metrics::design::ESTIMATES`]).
fn estimate(r: &SurveyRow, k: usize) -> Option<DesignEstimate> {
    r.design.and_then(|d| d[k])
}

/// The index of the headline metric among the design's estimates: NPS, else CSAT, else CES,
/// else asked by name.
fn headline(p: &Plan) -> usize {
    [has_nps(p), has_csat(p), has_ces(p)].iter().zip([1, 0, 2]).find(|(has, _)| **has).map_or(3, |(_, k)| k)
}

/// The survey table's columns, in their order in CSV and JSON. With a weight, each metric's
/// Kish effective sample size follows its count of answers.
const COLUMNS: &[Column<SurveyRow, Plan>] = &[
    Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.counts.n) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag((r.counts.n as u64) < p.min_n) },
    Column { key: "csat_n", decimals: 0, shown: has_csat, value: |r, _| Value::Count(r.counts.csat_n) },
    Column { key: "csat_n_eff", decimals: 1, shown: |p| has_csat(p) && weighted(p), value: |r, _| Value::Num(Some(r.n_eff(Metric::Csat))) },
    Column { key: "csat_pct", decimals: 1, shown: has_csat, value: |r, _| Value::Num(r.summary.csat_pct) },
    Column { key: "csat_low", decimals: 1, shown: has_csat, value: |r, _| Value::low(r.summary.csat_ci) },
    Column { key: "csat_high", decimals: 1, shown: has_csat, value: |r, _| Value::high(r.summary.csat_ci) },
    Column { key: "csat_se", decimals: 2, shown: |p| has_csat(p) && designed(p), value: |r, _| Value::Num(estimate(r, 0).map(|e| e.se)) },
    Column {
        key: "csat_deff",
        decimals: 2,
        shown: |p| has_csat(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 0).and_then(|e| e.deff)),
    },
    Column { key: "csat_df", decimals: 0, shown: |p| has_csat(p) && designed(p), value: |r, _| Value::Num(estimate(r, 0).map(|e| e.df)) },
    Column { key: "csat_mean", decimals: 2, shown: has_csat, value: |r, _| Value::Num(r.summary.csat_mean) },
    Column { key: "nps_n", decimals: 0, shown: has_nps, value: |r, _| Value::Count(r.counts.nps_n) },
    Column { key: "nps_n_eff", decimals: 1, shown: |p| has_nps(p) && weighted(p), value: |r, _| Value::Num(Some(r.n_eff(Metric::Nps))) },
    Column { key: "promoters_pct", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.summary.promoters_pct) },
    Column { key: "passives_pct", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.summary.passives_pct) },
    Column { key: "detractors_pct", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.summary.detractors_pct) },
    Column { key: "nps", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.summary.nps) },
    Column { key: "nps_moe", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.summary.nps_margin) },
    Column { key: "nps_low", decimals: 1, shown: has_nps, value: |r, _| Value::low(r.summary.nps_ci) },
    Column { key: "nps_high", decimals: 1, shown: has_nps, value: |r, _| Value::high(r.summary.nps_ci) },
    Column { key: "nps_se", decimals: 2, shown: |p| has_nps(p) && designed(p), value: |r, _| Value::Num(estimate(r, 1).map(|e| e.se)) },
    Column {
        key: "nps_deff",
        decimals: 2,
        shown: |p| has_nps(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 1).and_then(|e| e.deff)),
    },
    Column { key: "nps_df", decimals: 0, shown: |p| has_nps(p) && designed(p), value: |r, _| Value::Num(estimate(r, 1).map(|e| e.df)) },
    Column { key: "ces_n", decimals: 0, shown: has_ces, value: |r, _| Value::Count(r.counts.ces_n) },
    Column { key: "ces_n_eff", decimals: 1, shown: |p| has_ces(p) && weighted(p), value: |r, _| Value::Num(Some(r.n_eff(Metric::Ces))) },
    Column { key: "ces_mean", decimals: 2, shown: has_ces, value: |r, _| Value::Num(r.summary.ces_mean) },
    Column { key: "ces_low", decimals: 2, shown: has_ces, value: |r, _| Value::low(r.summary.ces_ci) },
    Column { key: "ces_high", decimals: 2, shown: has_ces, value: |r, _| Value::high(r.summary.ces_ci) },
    Column { key: "ces_se", decimals: 2, shown: |p| has_ces(p) && designed(p), value: |r, _| Value::Num(estimate(r, 2).map(|e| e.se)) },
    Column {
        key: "ces_deff",
        decimals: 2,
        shown: |p| has_ces(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 2).and_then(|e| e.deff)),
    },
    Column { key: "ces_df", decimals: 0, shown: |p| has_ces(p) && designed(p), value: |r, _| Value::Num(estimate(r, 2).map(|e| e.df)) },
    Column { key: "ces_easy_pct", decimals: 1, shown: has_ces, value: |r, _| Value::Num(r.summary.ces_easy_pct) },
    Column { key: "designation_n", decimals: 0, shown: has_designation, value: |r, _| Value::Count(r.counts.designation_n) },
    Column {
        key: "designation_n_eff",
        decimals: 1,
        shown: |p| has_designation(p) && weighted(p),
        value: |r, _| Value::Num(Some(r.n_eff(Metric::Designation))),
    },
    Column { key: "designation_pct", decimals: 1, shown: has_designation, value: |r, _| Value::Num(r.summary.designation_pct) },
    Column { key: "designation_low", decimals: 1, shown: has_designation, value: |r, _| Value::low(r.summary.designation_ci) },
    Column { key: "designation_high", decimals: 1, shown: has_designation, value: |r, _| Value::high(r.summary.designation_ci) },
    Column {
        key: "designation_se",
        decimals: 2,
        shown: |p| has_designation(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 3).map(|e| e.se)),
    },
    Column {
        key: "designation_deff",
        decimals: 2,
        shown: |p| has_designation(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 3).and_then(|e| e.deff)),
    },
    Column {
        key: "designation_df",
        decimals: 0,
        shown: |p| has_designation(p) && designed(p),
        value: |r, _| Value::Num(estimate(r, 3).map(|e| e.df)),
    },
];

impl partials::Checked for Settings {
    fn problem(&self, _: &()) -> Option<String> {
        let scale = |name: &str, c: &Option<SettingsColumn>| {
            c.as_ref().and_then(|c| {
                Scale::parse(&format!("{}..{}", c.low, c.high))
                    .is_none()
                    .then(|| format!("{name} scale {}–{} is not a scale (low below high, at most 1,001 points)", c.low, c.high))
            })
        };
        let within = |name: &str, v: i64, c: &Option<SettingsColumn>| {
            c.as_ref().and_then(|c| (!(c.low..=c.high).contains(&v)).then(|| format!("{name} = {v} is outside {}–{}", c.low, c.high)))
        };
        partials::check::first([
            partials::check::confidence(self.confidence),
            scale("csat", &self.csat),
            scale("nps", &self.nps),
            scale("ces", &self.ces),
            within("csat_top_min", self.csat_top_min, &self.csat),
            within("ces_easy_min", self.ces_easy_min, &self.ces),
        ])
    }
}

impl partials::Checked<Settings> for SatisfactionCounts {
    fn problem(&self, settings: &Settings) -> Option<String> {
        use partials::check::{at_most, count, first, sum, weight, whole};
        let i = &self.invalid;
        // A mean of a scale's answers lies on the scale.
        let mean_on = |name: &str, total: f64, w: f64, c: &Option<SettingsColumn>| {
            let c = c.as_ref()?;
            let (low, high) = (c.low as f64 * w, c.high as f64 * w);
            let slack = 1e-9 * low.abs().max(high.abs()).max(1.0);
            (w > 0.0 && !(low - slack..=high + slack).contains(&total))
                .then(|| format!("{name} = {total} is not the sum of {w} answers on {}–{}", c.low, c.high))
        };
        first([
            count("n", self.n),
            count("csat_n", self.csat_n),
            count("nps_n", self.nps_n),
            count("ces_n", self.ces_n),
            count("designation_n", self.designation_n),
            weight("csat_w", self.csat_w),
            weight("csat_w2", self.csat_w2),
            weight("csat_top", self.csat_top),
            weight("nps_w", self.nps_w),
            weight("nps_w2", self.nps_w2),
            weight("promoters", self.promoters),
            weight("detractors", self.detractors),
            weight("ces_w", self.ces_w),
            weight("ces_w2", self.ces_w2),
            weight("ces_easy", self.ces_easy),
            weight("designation_w", self.designation_w),
            weight("designation_w2", self.designation_w2),
            weight("designation_yes", self.designation_yes),
            sum("csat_sum", self.csat_sum),
            sum("ces_sum", self.ces_sum),
            weight("ces_sum_sq", self.ces_sum_sq),
            at_most(("csat_n", self.csat_n), ("n", self.n)),
            at_most(("nps_n", self.nps_n), ("n", self.n)),
            at_most(("ces_n", self.ces_n), ("n", self.n)),
            at_most(("designation_n", self.designation_n), ("n", self.n)),
            at_most(("csat_top", self.csat_top), ("csat_w", self.csat_w)),
            at_most(("promoters + detractors", self.promoters + self.detractors), ("nps_w", self.nps_w)),
            at_most(("ces_easy", self.ces_easy), ("ces_w", self.ces_w)),
            at_most(("designation_yes", self.designation_yes), ("designation_w", self.designation_w)),
            mean_on("csat_sum", self.csat_sum, self.csat_w, &settings.csat),
            mean_on("ces_sum", self.ces_sum, self.ces_w, &settings.ces),
            whole("invalid.csat", i.csat),
            whole("invalid.nps", i.nps),
            whole("invalid.ces", i.ces),
            whole("invalid.designation", i.designation),
            whole("invalid.date", i.date),
            whole("invalid.weight", i.weight),
            whole("invalid.ragged", i.ragged),
        ])
    }
}

/// Whether the table declares the column `key` (for the scorecard's tests).
#[cfg(test)]
pub(crate) fn declares(key: &str) -> bool {
    COLUMNS.iter().any(|c| c.key == key)
}

/// The survey table as people see it: each score with its interval in one cell.
const VIEWS: &[Shown<SurveyRow, Plan>] = &[
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("n") },
    Shown {
        header: |_| "n eff.".into(),
        shown: weighted,
        // The effective size of the headline metric: NPS, else CSAT, else CES.
        show: Show::Cell(|r, p| {
            let headline = if has_nps(p) {
                Metric::Nps
            } else if has_csat(p) {
                Metric::Csat
            } else {
                Metric::Ces
            };
            Cell::num(Some(r.n_eff(headline)), 1)
        }),
    },
    Shown {
        header: |_| "deff".into(),
        shown: designed,
        // The design effect of the headline metric.
        show: Show::Cell(|r, p| Cell::num(estimate(r, headline(p)).and_then(|e| e.deff), 2)),
    },
    Shown {
        header: |p| {
            let boxes = p.spec.csat.as_ref().map_or(0, |c| c.scale.high - p.spec.csat_top_min + 1);
            format!("CSAT top-{boxes} % ({} CI)", charts::level_text(p.confidence))
        },
        shown: has_csat,
        show: Show::Interval { value: "csat_pct", low: "csat_low", high: "csat_high", signed: false },
    },
    Shown { header: |_| "CSAT mean".into(), shown: has_csat, show: Show::Column("csat_mean") },
    Shown {
        header: |p| format!("NPS ({} CI)", charts::level_text(p.confidence)),
        shown: has_nps,
        show: Show::Interval { value: "nps", low: "nps_low", high: "nps_high", signed: true },
    },
    Shown { header: |_| "Prom %".into(), shown: has_nps, show: Show::Column("promoters_pct") },
    Shown { header: |_| "Pass %".into(), shown: has_nps, show: Show::Column("passives_pct") },
    Shown { header: |_| "Detr %".into(), shown: has_nps, show: Show::Column("detractors_pct") },
    Shown {
        header: |p| format!("CES mean ({} CI)", charts::level_text(p.confidence)),
        shown: has_ces,
        show: Show::Interval { value: "ces_mean", low: "ces_low", high: "ces_high", signed: false },
    },
    Shown { header: |_| "CES easy %".into(), shown: has_ces, show: Show::Column("ces_easy_pct") },
    Shown {
        header: |p| format!("asked by name % ({} CI)", charts::level_text(p.confidence)),
        shown: has_designation,
        show: Show::Interval { value: "designation_pct", low: "designation_low", high: "designation_high", signed: false },
    },
    Shown { header: |_| "note".into(), shown: always, show: Show::Cell(|r, p| low_base_note(r.counts.n, p.min_n)) },
];

fn caption(plan: &Plan, name: &str) -> Vec<String> {
    let spec = &plan.spec;
    let mut parts = vec![name.to_string()];
    if let Some(c) = &spec.csat {
        parts.push(format!("CSAT '{}' {} (satisfied ≥ {})", c.header, c.scale, spec.csat_top_min));
    }
    if let Some(c) = &spec.nps {
        let bands = if c.scale.low == 1 { " (1–6 detractors, 9–10 promoters)" } else { "" };
        parts.push(format!("NPS '{}' {}{bands}", c.header, c.scale));
    }
    if let Some(c) = &spec.ces {
        parts.push(format!("CES '{}' {} (easy ≥ {})", c.header, c.scale, spec.ces_easy_min));
    }
    match (&spec.weight, &plan.design) {
        (Some(w), None) => parts.push(format!(
            "weighted by '{w}' · n eff. = Kish's (Σw)²/Σw² of the NPS answers (else CSAT, else CES); each interval uses its metric's n eff."
        )),
        (w, Some(design)) => parts.push(format!(
            "{} · variances by Taylor linearisation; deff = design effect of the NPS (else CSAT, else CES)",
            design.described(w.as_deref())
        )),
        (None, None) => {}
    }
    let mut lines = vec![parts.join(" · ")];
    if plan.grouping.fold_case {
        lines.push(crate::cmd::FOLDED.to_string());
    }
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

fn build_report(rows: &[SurveyRow], plan: &Plan, name: &str) -> Report {
    let label_columns = key_columns(&plan.grouping);
    let labels = |r: &SurveyRow| key_cells(&r.key, r.kind, &plan.grouping);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows };
    Report { machine: table.machine(COLUMNS), human: table.human(VIEWS, COLUMNS), caption: caption(plan, name), ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::grouping::{GroupKey, RowKind};
    use crate::metrics::satisfaction::{summarise, NPS_SCALE};
    use crate::output::columns::undeclared;

    fn plan(weight: bool) -> Plan {
        let score = |header: &str, low, high| Some(ScoreColumn { header: header.into(), scale: Scale { low, high } });
        Plan {
            spec: SatisfactionSpec {
                csat: score("csat", 1, 5),
                csat_top_min: 4,
                nps: score("nps", NPS_SCALE.low, NPS_SCALE.high),
                ces: score("ces", 1, 7),
                ces_easy_min: 5,
                designation: Some("asked".into()),
                weight: weight.then(|| "w".into()),
                weight_comma: false,
                labels: Vec::new(),
                numbers_only: false,
                na_values: Vec::new(),
            },
            grouping: Grouping::default(),
            confidence: 0.95,
            nps_method: NpsMethod::Wald,
            min_n: 30,
            totals: true,
            design: None,
        }
    }

    /// The table's columns are the declaration's, in its order: a new column is one entry there.
    #[test]
    fn columns_come_from_the_declaration() {
        let counts = SatisfactionCounts { n: 4.0, nps_n: 4.0, promoters: 2.0, nps_w: 4.0, nps_w2: 4.0, ..Default::default() };
        let row = SurveyRow {
            key: GroupKey { period: None, by: Vec::new() },
            kind: RowKind::Group,
            counts,
            summary: summarise(&counts, 0.95, NpsMethod::Wald),
            design: None,
        };
        let label_columns: Vec<String> = Vec::new();
        for weighted in [false, true] {
            let plan = plan(weighted);
            let rows = Rows { plan: &plan, label_columns: &label_columns, labels: &|_| Vec::new(), rows: std::slice::from_ref(&row) };
            let machine = rows.machine(COLUMNS).columns;
            let design = ["_se", "_deff", "_df"];
            let declared: Vec<&str> = COLUMNS
                .iter()
                .map(|c| c.key)
                .filter(|k| (weighted || !k.ends_with("_n_eff")) && !design.iter().any(|d| k.ends_with(d)))
                .collect();
            assert_eq!(machine, declared);
            let human = rows.human(VIEWS, COLUMNS);
            assert_eq!(human.columns.len(), if weighted { 12 } else { 11 });
            // NPS 2 promoters of 4 = 50.0; its interval ±100·1.96·√(0.5 − 0.25)/2 = ±49.0.
            let nps = human.columns.iter().position(|c| c == "NPS (95% CI)").unwrap();
            assert_eq!(human.rows[0][nps], Cell::Text("+50.0 (1.0 to 99.0)".into()));
        }
        // Without CES nor designation, their columns are not shown.
        let mut plan = plan(false);
        (plan.spec.ces, plan.spec.designation) = (None, None);
        let rows = Rows { plan: &plan, label_columns: &label_columns, labels: &|_| Vec::new(), rows: std::slice::from_ref(&row) };
        assert!(rows.machine(COLUMNS).columns.iter().all(|c| !c.starts_with("ces") && !c.starts_with("designation")));
    }

    /// Every column the human view and the charts name is declared.
    #[test]
    fn views_and_charts_name_declared_columns() {
        let charts: Vec<&str> = TRENDS.iter().flat_map(TrendMetric::keys).collect();
        assert_eq!(undeclared(COLUMNS, VIEWS, &charts), Vec::<&str>::new());
    }
}
