//! `cxstat index FILE`: satisfaction measured by several items. Per construct (the config's
//! `[index.NAME]` tables, or `--items` on the command line) and group: the 0–100 index with its
//! interval, Cronbach's α with Feldt's interval and the standardised α; `--items-detail` adds each
//! item's own index, item-rest correlation and α if dropped. `--servqual`: per SERVQUAL dimension
//! (`[servqual.DIMENSION]`), the gap perceived − expected with its paired-t interval and the share
//! of respondents below zero, and the overall (and importance-weighted) SERVQUAL score.
//!
//! A construct counts the rows where all of its items are answered and valid (listwise
//! deletion, as `psych::alpha(na.omit(x))`); a dimension the rows with all of its items.

use anyhow::Result;

use crate::chart::{self, Chart, IntervalBar, IntervalChart};
use crate::cli::{IndexArgs, ItemWeights, Target};
use crate::cmd::{
    check_dates, confidence_level, grouping_for, key_cells, key_columns, matching, max_invalid, open_checked, quote_rows, report_problems,
    satisfaction_spec, scales, Opened, Scales,
};
use crate::error::{data_err, usage};
use crate::input::clean::{self, Scale};
use crate::input::config::{ConstructConfig, DimensionConfig, Importance};
use crate::input::roles::{did_you_mean, list_headers, Kind, Role};
use crate::metrics::grouping::{GroupKey, RowKind};
use crate::metrics::index::{
    analyse_construct, analyse_dimension, analyse_overall, analyse_weighted, column_checks, invalid_examples, relative_item_weights,
    servqual_block, sums, weighted_servqual_block, Block, Construct, ConstructResult, Dimension, GapResult, ImportanceOf, IndexSpec,
    ItemResult, Sums,
};
use crate::metrics::satisfaction::Metric;
use crate::output::columns::{always, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::stats::intervals::Interval;
use crate::Io;

/// How many invalid rows are quoted per column.
const EXAMPLES: u32 = 5;

/// The five SERVQUAL dimensions in their usual order (English and Chinese names); other names
/// follow alphabetically.
const SERVQUAL_ORDER: [[&str; 2]; 5] =
    [["tangibles", "有形性"], ["reliability", "可靠性"], ["responsiveness", "响应性"], ["assurance", "保证性"], ["empathy", "移情性"]];

/// What the run computes.
enum Mode {
    Constructs { constructs: Vec<Construct>, weights: Weighting },
    Servqual { dimensions: Vec<Dimension>, importance: Option<Points> },
}

/// How the items of each construct are weighted.
enum Weighting {
    Equal,
    /// Relative weights against the outcome: the outcome's column and the name of the target.
    Relative {
        target: usize,
        name: &'static str,
    },
}

/// The importance points of the dimensions: fixed, or each respondent's own.
enum Points {
    Fixed(Vec<f64>),
    Columns,
}

struct Plan {
    spec: IndexSpec,
    mode: Mode,
    /// The scale of each column (for messages), and whether it is read as a plain number
    /// (importance points) rather than a score.
    scales: Vec<Scale>,
    numbers: Vec<bool>,
    min_n: u64,
    confidence: f64,
    detail: bool,
}

/// Runs `cxstat index`.
pub fn run(args: &IndexArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let (opened, (scales, max_invalid, confidence)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if let Some(path) = &args.chart {
            chart::ChartFormat::of(path)?;
        }
        Ok((
            scales(&args.scales, config)?,
            max_invalid(args.invalid.max_invalid, config)?,
            confidence_level(args.stats.confidence, config.survey.confidence, "[survey] confidence")?,
        ))
    })?;
    let plan = plan(args, &opened, &scales, confidence)?;
    let groups = sums(&opened.data, &plan.spec)?;
    if groups.iter().all(|(_, _, s)| s.rows == 0.0) {
        let window = if args.group.from.is_some() || args.group.to.is_some() { " within --from/--to" } else { "" };
        return Err(data_err(format!("{}: no responses{window}: nothing to compute", opened.data.name)));
    }
    check_invalid(&opened, &plan, &groups, (args.stats.strict, max_invalid), io)?;
    let report = match &plan.mode {
        Mode::Constructs { constructs, weights } => {
            let weights = item_weights(constructs, weights, &groups, &opened)?;
            let results: Vec<(GroupKey, RowKind, f64, Vec<ConstructResult>)> = groups
                .iter()
                .map(|(key, kind, s)| {
                    let r = constructs
                        .iter()
                        .enumerate()
                        .map(|(c, con)| analyse_construct(con, &s.blocks[c], &weights[c], plan.confidence))
                        .collect();
                    (key.clone(), *kind, s.rows, r)
                })
                .collect();
            if results.iter().all(|(_, _, _, r)| r.iter().all(|c| c.n == 0.0)) {
                return Err(data_err(format!(
                    "{}: no row has every item of a construct answered and valid ({})",
                    opened.data.name,
                    constructs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            warn_reversed(constructs, &results, &plan, &opened, io);
            if let Some(path) = &args.chart {
                chart::write(&index_chart(constructs, &results, &opened)?, path)?;
            }
            index_report(constructs, &weights, &results, &plan, &opened)
        }
        Mode::Servqual { dimensions, importance } => {
            let results: Vec<GroupGaps> = groups
                .iter()
                .map(|(key, kind, s)| (key.clone(), *kind, gaps(dimensions, importance.as_ref(), s, plan.confidence)))
                .collect();
            if results.iter().all(|(_, _, r)| r.iter().all(|(_, g)| g.n == 0.0)) {
                return Err(data_err(format!(
                    "{}: no row has every expected and perceived item of a dimension answered and valid",
                    opened.data.name
                )));
            }
            if let Some(path) = &args.chart {
                chart::write(&gap_chart(&results, &opened)?, path)?;
            }
            servqual_report(dimensions, importance.as_ref(), &results, &plan, &opened)
        }
    };
    emit(&report, format, args.output.target(), io)
}

/// The headers a list of patterns names, in order, each once.
fn resolve(headers: &[String], patterns: &[String], what: &str) -> Result<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    for pattern in patterns {
        let matched = matching(headers, pattern, what)?;
        if matched.is_empty() {
            let guess =
                if pattern.contains(['*', '?']) { String::new() } else { did_you_mean(pattern, headers.iter().map(String::as_str)) };
            return Err(usage(format!("{what}: no column matches '{pattern}';{guess} headers found: {}", list_headers(headers))));
        }
        for h in matched {
            if !found.contains(h) {
                found.push(h.clone());
            }
        }
    }
    Ok(found)
}

/// A scale from the config's text, or the default.
fn scale_of(text: Option<&str>, default: Scale, setting: &str) -> Result<Scale> {
    match text {
        Some(t) => Scale::parse(t).ok_or_else(|| usage(format!("config {setting}: '{t}' is not a scale LOW-HIGH such as 1-7"))),
        None => Ok(default),
    }
}

/// The columns read, each with its scale: one cleaned column per (header, scale).
#[derive(Default)]
struct Columns {
    headers: Vec<String>,
    scales: Vec<Scale>,
    /// Importance columns are read as plain numbers.
    numbers: Vec<bool>,
}

impl Columns {
    fn add(&mut self, header: &str, scale: Scale, number: bool) -> usize {
        if let Some(j) =
            (0..self.headers.len()).find(|&j| self.headers[j] == header && self.scales[j] == scale && self.numbers[j] == number)
        {
            return j;
        }
        self.headers.push(header.to_string());
        self.scales.push(scale);
        self.numbers.push(number);
        self.headers.len() - 1
    }
}

fn plan(args: &IndexArgs, opened: &Opened, scales: &Scales, confidence: f64) -> Result<Plan> {
    let headers = &opened.data.headers;
    let config = &opened.config;
    let survey = satisfaction_spec(scales, &args.input, opened);
    let mut columns = Columns::default();
    let mut blocks: Vec<Block> = Vec::new();
    let mode = if args.servqual {
        if config.servqual.is_empty() {
            return Err(usage(
                "--servqual: the config has no [servqual.DIMENSION] tables; add one per dimension with expected = [...] and perceived = [...] \
                 (and --config FILE)",
            ));
        }
        let mut named: Vec<(&String, &DimensionConfig)> = config.servqual.iter().collect();
        named.sort_by_key(|(name, _)| {
            let lower = name.to_lowercase();
            (SERVQUAL_ORDER.iter().position(|pair| pair.contains(&lower.as_str())).unwrap_or(SERVQUAL_ORDER.len()), lower)
        });
        let given = named.iter().filter(|(_, d)| d.importance.is_some()).count();
        if given > 0 && given < named.len() {
            let missing: Vec<&str> = named.iter().filter(|(_, d)| d.importance.is_none()).map(|(n, _)| n.as_str()).collect();
            return Err(usage(format!(
                "[servqual]: importance is given for some dimensions but not for {}: give it for all or none",
                missing.join(", ")
            )));
        }
        let fixed = named.iter().all(|(_, d)| matches!(d.importance, Some(Importance::Points(_))));
        let by_column = named.iter().all(|(_, d)| matches!(d.importance, Some(Importance::Column(_))));
        if given > 0 && !fixed && !by_column {
            return Err(usage("[servqual]: importance must be points (a number) for every dimension or a column for every one, not a mix"));
        }
        let mut dimensions = Vec::new();
        for (name, d) in &named {
            let setting = format!("[servqual.{name}]");
            let scale = scale_of(d.scale.as_deref(), scales.csat, &format!("{setting} scale"))?;
            let mut side = |patterns: &[String], what: &str| -> Result<Vec<usize>> {
                if patterns.is_empty() {
                    return Err(usage(format!("config {setting}: {what} is empty")));
                }
                Ok(resolve(headers, patterns, &format!("{setting} {what}"))?.iter().map(|h| columns.add(h, scale, false)).collect())
            };
            let expected = side(&d.expected, "expected")?;
            let perceived = side(&d.perceived, "perceived")?;
            let importance = match &d.importance {
                None => None,
                Some(Importance::Points(p)) if p.is_finite() && *p >= 0.0 => Some(ImportanceOf::Points(*p)),
                Some(Importance::Points(p)) => {
                    return Err(usage(format!("config {setting}: importance must be 0 or more points; got {p}")))
                }
                Some(Importance::Column(c)) => {
                    let h = resolve(headers, std::slice::from_ref(c), &format!("{setting} importance"))?;
                    Some(ImportanceOf::Column(columns.add(&h[0], scale, true)))
                }
            };
            dimensions.push(Dimension { name: name.to_string(), expected, perceived, importance });
        }
        if fixed && given > 0 && dimensions.iter().all(|d| d.importance == Some(ImportanceOf::Points(0.0))) {
            return Err(usage("[servqual]: the importance points are all 0"));
        }
        for (b, d) in dimensions.iter().enumerate() {
            blocks.push(d.block(b));
        }
        let points: Option<Vec<f64>> = (fixed && given > 0)
            .then(|| dimensions.iter().map(|d| if let Some(ImportanceOf::Points(p)) = d.importance { p } else { 0.0 }).collect());
        blocks.push(servqual_block(&dimensions, blocks.len(), points.as_deref()));
        let importance = if by_column && given > 0 {
            blocks.push(weighted_servqual_block(&dimensions, blocks.len()));
            Some(Points::Columns)
        } else {
            points.map(Points::Fixed)
        };
        Mode::Servqual { dimensions, importance }
    } else {
        let named: Vec<(String, ConstructConfig, String)> = if !args.items.is_empty() {
            let scale = args.scale.map(|s| format!("{}-{}", s.low, s.high));
            vec![(
                args.name.clone(),
                ConstructConfig { items: args.items.clone(), scale, reverse: args.reverse.clone() },
                "--items".to_string(),
            )]
        } else if !config.index.is_empty() {
            config.index.iter().map(|(n, c)| (n.clone(), c.clone(), format!("[index.{n}]"))).collect()
        } else {
            let servqual = if config.servqual.is_empty() { "" } else { " (the config has [servqual] tables: add --servqual for the gaps)" };
            return Err(usage(format!(
                "no construct: name its items with --items 'q_*' (and --scale LOW-HIGH), or add [index.NAME] tables with items = [...] to the config{servqual}"
            )));
        };
        let mut constructs = Vec::new();
        for (name, c, setting) in named {
            let scale = scale_of(c.scale.as_deref(), scales.csat, &format!("{setting} scale"))?;
            let items = resolve(headers, &c.items, &format!("{setting} items"))?;
            let date = opened.roles.get(Role::Date);
            if let Some(d) = items.iter().find(|h| Some(h.as_str()) == date) {
                return Err(usage(format!("{setting}: '{d}' is the date column, not an item")));
            }
            let reverse = resolve(headers, &c.reverse, &format!("{setting} reverse"))?;
            if let Some(r) = reverse.iter().find(|r| !items.contains(r)) {
                return Err(usage(format!("{setting} reverse: '{r}' is not one of the construct's items ({})", items.join(", "))));
            }
            let reversed = items.iter().map(|h| reverse.contains(h)).collect();
            let items = items.iter().map(|h| columns.add(h, scale, false)).collect();
            constructs.push(Construct { name, items, scale, reversed });
        }
        blocks.extend(constructs.iter().map(Construct::block));
        let weights = match args.weights {
            ItemWeights::Equal => Weighting::Equal,
            ItemWeights::Relative => {
                let (metric, name) = match args.target {
                    Target::Csat => (Metric::Csat, "csat"),
                    Target::Nps => (Metric::Nps, "nps"),
                    Target::Ces => (Metric::Ces, "ces"),
                };
                let Some(outcome) = survey.column(metric) else {
                    return Err(data_err(format!(
                        "{}: --weights relative needs the outcome: no {} column found; headers found: {}. Map one with --col {name}=HEADER",
                        opened.data.name,
                        name.to_uppercase(),
                        list_headers(headers)
                    )));
                };
                let target = columns.add(&outcome.header, outcome.scale, false);
                blocks.extend(constructs.iter().map(|c| c.block_with(target)));
                Weighting::Relative { target, name }
            }
        };
        Mode::Constructs { constructs, weights }
    };
    // With answer labels, and (the fast first pass) as plain numbers only.
    let cleaned_with = |labels: Option<&[(String, f64)]>| {
        (0..columns.headers.len())
            .map(|j| {
                if columns.numbers[j] {
                    clean::number(&columns.headers[j], &survey.na_values)
                } else {
                    clean::score(&columns.headers[j], columns.scales[j], &survey.na_values, labels)
                }
            })
            .collect()
    };
    let (cleaned, quick) = (cleaned_with(Some(&survey.labels)), Some(cleaned_with(None)));
    let grouping = grouping_for(&args.group, opened, Role::Date)?;
    Ok(Plan {
        spec: IndexSpec {
            columns: columns.headers,
            cleaned,
            quick,
            blocks,
            totals: !args.group.no_total && (grouping.period.is_some() || !grouping.by.is_empty()),
            grouping,
        },
        mode,
        scales: columns.scales,
        numbers: columns.numbers,
        min_n: args.group.min_n.or(opened.config.survey.min_n).unwrap_or(30),
        confidence,
        detail: args.items_detail,
    })
}

/// Invalid values, counted over the groups: reported with examples, or an error under
/// `--strict`; more than `max_invalid` % of a column's answers invalid stops the run (most often
/// the wrong scale, or a column that is not a rating).
fn check_invalid(
    opened: &Opened,
    plan: &Plan,
    groups: &[(GroupKey, RowKind, Sums)],
    (strict, max_invalid): (bool, f64),
    io: &mut Io,
) -> Result<()> {
    let (invalid, valid) = column_checks(groups, plan.spec.columns.len());
    let name = &opened.data.name;
    let mut messages = Vec::new();
    for (j, count) in invalid.iter().enumerate().filter(|(_, c)| **c > 0) {
        let header = &plan.spec.columns[j];
        let examples = invalid_examples(&opened.data, &plan.spec, j, EXAMPLES)?;
        let expected =
            if plan.numbers[j] { "numbers (importance points)".to_string() } else { format!("whole scores on {}", plan.scales[j]) };
        let answered = count + valid[j];
        let share = 100.0 * *count as f64 / answered as f64;
        if share > max_invalid {
            return Err(data_err(format!(
                "{name}: column '{header}': {count} of {answered} answers ({share:.1}%) are not {expected} ({}), more than \
                 --max-invalid {max_invalid}%: if the items are on another scale, give it (--scale LOW-HIGH, or scale = \"LOW-HIGH\" in the \
                 config's table); if the values mean \"not answered\", add them to --na-values; if the column is not a rating, leave it out",
                quote_rows(&examples, *count)
            )));
        }
        messages.push(format!(
            "{name}: column '{header}': {count} invalid value{} (expected {expected}; the row is left out of the construct): {}",
            if *count == 1 { "" } else { "s" },
            quote_rows(&examples, *count)
        ));
    }
    report_problems(&messages, strict, io)
}

/// Each construct's item weights (shares summing to 1): equal, or relative weights from the
/// overall rows (the total row when grouped), the same for every group so that groups compare.
fn item_weights(
    constructs: &[Construct],
    weights: &Weighting,
    groups: &[(GroupKey, RowKind, Sums)],
    opened: &Opened,
) -> Result<Vec<Vec<f64>>> {
    match weights {
        Weighting::Equal => Ok(constructs.iter().map(|c| vec![1.0 / c.items.len() as f64; c.items.len()]).collect()),
        Weighting::Relative { name, .. } => {
            let overall = groups
                .iter()
                .find(|g| g.1 == RowKind::Total)
                .or(groups.first())
                .filter(|_| groups.len() == 1 || groups.iter().any(|g| g.1 == RowKind::Total));
            let Some((_, _, s)) = overall else {
                return Err(usage("--weights relative needs the overall rows: leave out --no-total"));
            };
            constructs
                .iter()
                .enumerate()
                .map(|(c, con)| {
                    relative_item_weights(&s.blocks[constructs.len() + c]).ok_or_else(|| {
                        data_err(format!(
                            "{}: --weights relative: the relative weights of {}'s items against {} are not computable (too few complete rows, an \
                             item or the outcome that does not vary, or items that are combinations of each other); use --weights equal",
                            opened.data.name,
                            con.name,
                            name.to_uppercase()
                        ))
                    })
                })
                .collect()
        }
    }
}

/// Warns once per item whose item-rest correlation is negative overall.
fn warn_reversed(
    constructs: &[Construct],
    results: &[(GroupKey, RowKind, f64, Vec<ConstructResult>)],
    plan: &Plan,
    opened: &Opened,
    io: &mut Io,
) {
    let overall = results.iter().find(|r| r.1 == RowKind::Total).or(results.first());
    let Some((_, _, _, overall)) = overall else { return };
    for (con, r) in constructs.iter().zip(overall) {
        for (i, item) in r.items.iter().enumerate() {
            if item.looks_reversed() {
                let header = &plan.spec.columns[con.items[i]];
                let fix = if con.reversed[i] {
                    "it is reversed already: check the config".to_string()
                } else {
                    format!("if it is scored the other way round (1 = best), add it to reverse = [\"{header}\"] (or --reverse {header})")
                };
                io.warn(&format!(
                    "{}: construct '{}': item '{header}' has a negative item-rest correlation ({:.3}): {fix}",
                    opened.data.name,
                    con.name,
                    item.fit.and_then(|f| f.item_rest).unwrap_or(0.0)
                ));
            }
        }
    }
}

/// A row of the index table: a construct, or one of its items (`item` set).
struct IndexRow {
    key: GroupKey,
    kind: RowKind,
    construct: String,
    item: Option<String>,
    items: usize,
    result: ConstructResult,
    detail: Option<ItemResult>,
    reversed: bool,
}

fn index_report(
    constructs: &[Construct],
    weights: &[Vec<f64>],
    results: &[(GroupKey, RowKind, f64, Vec<ConstructResult>)],
    plan: &Plan,
    opened: &Opened,
) -> Report {
    let g = &plan.spec.grouping;
    let mut caption = vec![format!(
        "{} · {} construct{} · rows with every item of the construct answered · index 0–100 with its {:.0}% t interval · α: Cronbach, Feldt interval",
        opened.data.name,
        constructs.len(),
        if constructs.len() == 1 { "" } else { "s" },
        plan.confidence * 100.0
    )];
    for (c, con) in constructs.iter().enumerate() {
        let items: Vec<String> = con
            .items
            .iter()
            .zip(&con.reversed)
            .zip(&weights[c])
            .map(|((&j, &r), w)| {
                format!(
                    "{}{}{}",
                    plan.spec.columns[j],
                    if r { " (reversed)" } else { "" },
                    if matches!(plan.mode, Mode::Constructs { weights: Weighting::Relative { .. }, .. }) {
                        format!(" {:.1}%", w * 100.0)
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        caption.push(format!("{}: {} on {}", con.name, items.join(", "), con.scale));
    }
    if let Mode::Constructs { weights: Weighting::Relative { target, name }, .. } = &plan.mode {
        caption.push(format!(
            "items weighted by their relative weights against {} ('{}'), from the overall rows",
            name.to_uppercase(),
            plan.spec.columns[*target]
        ));
    }
    let mut rows = Vec::new();
    for (key, kind, _, rs) in results {
        for (con, r) in constructs.iter().zip(rs) {
            rows.push(IndexRow {
                key: key.clone(),
                kind: *kind,
                construct: con.name.clone(),
                item: None,
                items: con.items.len(),
                result: r.clone(),
                detail: None,
                reversed: false,
            });
            if plan.detail {
                for (i, item) in r.items.iter().enumerate() {
                    rows.push(IndexRow {
                        key: key.clone(),
                        kind: *kind,
                        construct: con.name.clone(),
                        item: Some(plan.spec.columns[con.items[i]].clone()),
                        items: con.items.len(),
                        result: r.clone(),
                        detail: Some(item.clone()),
                        reversed: con.reversed[i],
                    });
                }
            }
        }
    }
    let label_columns = key_columns(g);
    let labels = |r: &IndexRow| key_cells(&r.key, r.kind, g);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows: &rows };
    Report { machine: table.machine(INDEX_COLUMNS), human: table.human(INDEX_VIEWS, INDEX_COLUMNS), caption, ..Default::default() }
}

fn low(i: Option<Interval>) -> Value {
    Value::low(i)
}

fn high(i: Option<Interval>) -> Value {
    Value::high(i)
}

fn detail(p: &Plan) -> bool {
    p.detail
}

/// The index's value or its item's.
fn index_of(r: &IndexRow) -> (Option<f64>, Option<Interval>) {
    match &r.detail {
        Some(d) => (d.index, d.index_ci),
        None => (r.result.index, r.result.index_ci),
    }
}

fn row_note(r: &IndexRow, p: &Plan) -> String {
    let mut notes = Vec::new();
    if (r.result.n as u64) < p.min_n {
        notes.push(format!("low base (n < {})", p.min_n));
    }
    match &r.detail {
        Some(d) if d.looks_reversed() => notes.push(if r.reversed {
            "negative item-rest r although reversed".into()
        } else {
            "negative item-rest r: reverse-coded?".into()
        }),
        Some(_) => {}
        None if !r.result.note.is_empty() => notes.push(r.result.note.clone()),
        None => {}
    }
    notes.join("; ")
}

const INDEX_COLUMNS: &[Column<IndexRow, Plan>] = &[
    Column { key: "construct", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.construct.clone())) },
    Column { key: "item", decimals: 0, shown: detail, value: |r, _| Value::Text(r.item.clone()) },
    Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.result.n) },
    Column { key: "index", decimals: 1, shown: always, value: |r, _| Value::Num(index_of(r).0) },
    Column { key: "index_low", decimals: 1, shown: always, value: |r, _| low(index_of(r).1) },
    Column { key: "index_high", decimals: 1, shown: always, value: |r, _| high(index_of(r).1) },
    Column { key: "alpha", decimals: 3, shown: always, value: |r, _| Value::Num(r.detail.is_none().then_some(r.result.alpha).flatten()) },
    Column { key: "alpha_low", decimals: 3, shown: always, value: |r, _| low(r.detail.is_none().then_some(r.result.alpha_ci).flatten()) },
    Column { key: "alpha_high", decimals: 3, shown: always, value: |r, _| high(r.detail.is_none().then_some(r.result.alpha_ci).flatten()) },
    Column {
        key: "std_alpha",
        decimals: 3,
        shown: always,
        value: |r, _| Value::Num(r.detail.is_none().then_some(r.result.std_alpha).flatten()),
    },
    Column { key: "items", decimals: 0, shown: always, value: |r, _| Value::Count(r.items as f64) },
    Column { key: "mean", decimals: 2, shown: detail, value: |r, _| Value::Num(r.detail.as_ref().and_then(|d| d.mean)) },
    Column { key: "sd", decimals: 2, shown: detail, value: |r, _| Value::Num(r.detail.as_ref().and_then(|d| d.sd)) },
    Column { key: "weight", decimals: 3, shown: detail, value: |r, _| Value::Num(r.detail.as_ref().map(|d| d.weight)) },
    Column { key: "item_rest", decimals: 3, shown: detail, value: |r, _| Value::Num(r.detail.as_ref().and_then(|d| d.fit?.item_rest)) },
    Column {
        key: "alpha_if_dropped",
        decimals: 3,
        shown: detail,
        value: |r, _| Value::Num(r.detail.as_ref().and_then(|d| d.fit?.alpha_if_dropped)),
    },
    Column { key: "reversed", decimals: 0, shown: detail, value: |r, _| Value::Flag(r.reversed) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag((r.result.n as u64) < p.min_n) },
    Column { key: "note", decimals: 0, shown: always, value: |r, p| Value::Text(Some(row_note(r, p))) },
];

const INDEX_VIEWS: &[Shown<IndexRow, Plan>] = &[
    Shown { header: |_| "construct".into(), shown: always, show: Show::Column("construct") },
    Shown { header: |_| "item".into(), shown: detail, show: Show::Column("item") },
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("n") },
    Shown {
        header: |p| format!("index 0–100 ({:.0}% CI)", p.confidence * 100.0),
        shown: always,
        show: Show::Interval { value: "index", low: "index_low", high: "index_high", signed: false },
    },
    Shown {
        header: |_| "Cronbach α (CI)".into(),
        shown: always,
        show: Show::Interval { value: "alpha", low: "alpha_low", high: "alpha_high", signed: false },
    },
    Shown { header: |_| "std. α".into(), shown: always, show: Show::Column("std_alpha") },
    Shown { header: |_| "mean".into(), shown: detail, show: Show::Column("mean") },
    Shown { header: |_| "item-rest r".into(), shown: detail, show: Show::Column("item_rest") },
    Shown { header: |_| "α if dropped".into(), shown: detail, show: Show::Column("alpha_if_dropped") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Column("note") },
];

/// The gaps of one group: each dimension, the overall score, and the weighted one.
fn gaps(dimensions: &[Dimension], importance: Option<&Points>, s: &Sums, confidence: f64) -> Vec<(String, GapResult)> {
    let mut out: Vec<(String, GapResult)> =
        dimensions.iter().zip(&s.blocks).map(|(d, b)| (d.name.clone(), analyse_dimension(b, confidence))).collect();
    let overall = &s.blocks[dimensions.len()];
    out.push((OVERALL.to_string(), analyse_overall(overall, None, 0, confidence)));
    match importance {
        Some(Points::Fixed(points)) => out.push((WEIGHTED.to_string(), analyse_overall(overall, Some(points), 1, confidence))),
        Some(Points::Columns) => out.push((WEIGHTED.to_string(), analyse_weighted(&s.blocks[dimensions.len() + 1], confidence))),
        None => {}
    }
    out
}

/// One group's gaps: its key, its kind, and (row name, gap) per dimension and overall score.
type GroupGaps = (GroupKey, RowKind, Vec<(String, GapResult)>);

/// The names of the overall rows.
const OVERALL: &str = "SERVQUAL (unweighted)";
const WEIGHTED: &str = "SERVQUAL (weighted)";

struct GapRow {
    key: GroupKey,
    kind: RowKind,
    dimension: String,
    importance: Option<f64>,
    result: GapResult,
}

fn servqual_report(dimensions: &[Dimension], importance: Option<&Points>, results: &[GroupGaps], plan: &Plan, opened: &Opened) -> Report {
    let g = &plan.spec.grouping;
    let mut caption = vec![format!(
        "{} · SERVQUAL: gap = perceived − expected (mean of each side's items) · {:.0}% paired t intervals · rows with every item of the dimension answered",
        opened.data.name,
        plan.confidence * 100.0
    )];
    let shares: Option<Vec<f64>> = match importance {
        Some(Points::Fixed(p)) => {
            let total: f64 = p.iter().sum();
            Some(p.iter().map(|v| 100.0 * v / total).collect())
        }
        _ => None,
    };
    caption.push(format!("{OVERALL}: the mean of the dimensions' gaps, on the rows with every dimension"));
    match importance {
        Some(Points::Fixed(_)) => caption.push(format!("{WEIGHTED}: the gaps weighted by the importance points of the config")),
        Some(Points::Columns) => caption.push(format!("{WEIGHTED}: each respondent's gaps weighted by their own importance points")),
        None => {}
    }
    let mut rows = Vec::new();
    for (key, kind, rs) in results {
        for (i, (name, r)) in rs.iter().enumerate() {
            let importance = shares.as_ref().and_then(|s| (i < dimensions.len()).then(|| s[i]));
            rows.push(GapRow { key: key.clone(), kind: *kind, dimension: name.clone(), importance, result: r.clone() });
        }
    }
    let label_columns = key_columns(g);
    let labels = |r: &GapRow| key_cells(&r.key, r.kind, g);
    let table = Rows { plan, label_columns: &label_columns, labels: &labels, rows: &rows };
    Report { machine: table.machine(GAP_COLUMNS), human: table.human(GAP_VIEWS, GAP_COLUMNS), caption, ..Default::default() }
}

fn gap_note(r: &GapRow, p: &Plan) -> String {
    if r.result.n == 0.0 {
        "not computable: no row has every item".into()
    } else if (r.result.n as u64) < p.min_n {
        format!("low base (n < {})", p.min_n)
    } else {
        String::new()
    }
}

const GAP_COLUMNS: &[Column<GapRow, Plan>] = &[
    Column { key: "dimension", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.dimension.clone())) },
    Column { key: "n", decimals: 0, shown: always, value: |r, _| Value::Count(r.result.n) },
    Column { key: "expected", decimals: 2, shown: always, value: |r, _| Value::Num(r.result.expected) },
    Column { key: "perceived", decimals: 2, shown: always, value: |r, _| Value::Num(r.result.perceived) },
    Column { key: "gap", decimals: 2, shown: always, value: |r, _| Value::Num(r.result.gap) },
    Column { key: "gap_low", decimals: 2, shown: always, value: |r, _| low(r.result.gap_ci) },
    Column { key: "gap_high", decimals: 2, shown: always, value: |r, _| high(r.result.gap_ci) },
    Column { key: "negative_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.result.negative_pct) },
    Column { key: "importance_pct", decimals: 1, shown: always, value: |r, _| Value::Num(r.importance) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag((r.result.n as u64) < p.min_n) },
    Column { key: "note", decimals: 0, shown: always, value: |r, p| Value::Text(Some(gap_note(r, p))) },
];

const GAP_VIEWS: &[Shown<GapRow, Plan>] = &[
    Shown { header: |_| "dimension".into(), shown: always, show: Show::Column("dimension") },
    Shown { header: |_| "n".into(), shown: always, show: Show::Column("n") },
    Shown { header: |_| "expected".into(), shown: always, show: Show::Column("expected") },
    Shown { header: |_| "perceived".into(), shown: always, show: Show::Column("perceived") },
    Shown {
        header: |p| format!("gap ({:.0}% CI)", p.confidence * 100.0),
        shown: always,
        show: Show::Interval { value: "gap", low: "gap_low", high: "gap_high", signed: true },
    },
    Shown { header: |_| "% below 0".into(), shown: always, show: Show::Column("negative_pct") },
    Shown { header: |_| "importance %".into(), shown: always, show: Show::Column("importance_pct") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Cell(|r, p| Cell::Text(gap_note(r, p))) },
];

fn index_chart(constructs: &[Construct], results: &[(GroupKey, RowKind, f64, Vec<ConstructResult>)], opened: &Opened) -> Result<Chart> {
    let overall = results.iter().find(|r| r.1 == RowKind::Total).or(results.first());
    let Some((_, _, _, rs)) = overall else { return Err(data_err("--chart: no result to draw".to_string())) };
    let bars: Vec<IntervalBar> = constructs
        .iter()
        .zip(rs)
        .filter_map(|(c, r)| {
            Some(IntervalBar { label: c.name.clone(), value: r.index?, low: r.index_ci.map(|i| i.low), high: r.index_ci.map(|i| i.high) })
        })
        .collect();
    Ok(Chart::Intervals(IntervalChart {
        title: "Satisfaction index by construct (0–100)".to_string(),
        subtitle: format!(
            "{} · whiskers: confidence intervals · n = {}",
            opened.data.name,
            rs.iter().map(|r| r.n.to_string()).collect::<Vec<_>>().join(" / ")
        ),
        y_label: "index (0–100)".to_string(),
        limits: (0.0, 100.0),
        bars,
    }))
}

fn gap_chart(results: &[GroupGaps], opened: &Opened) -> Result<Chart> {
    let overall = results.iter().find(|r| r.1 == RowKind::Total).or(results.first());
    let Some((_, _, rs)) = overall else { return Err(data_err("--chart: no result to draw".to_string())) };
    let bars: Vec<IntervalBar> = rs
        .iter()
        .filter_map(|(name, r)| {
            Some(IntervalBar { label: name.clone(), value: r.gap?, low: r.gap_ci.map(|i| i.low), high: r.gap_ci.map(|i| i.high) })
        })
        .collect();
    Ok(Chart::Intervals(IntervalChart {
        title: "SERVQUAL gaps: perceived − expected".to_string(),
        subtitle: format!("{} · below zero (red): service falls short of expectations · whiskers: confidence intervals", opened.data.name),
        y_label: "gap (scale points)".to_string(),
        limits: (f64::NEG_INFINITY, f64::INFINITY),
        bars,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::undeclared;

    #[test]
    fn views_name_declared_columns() {
        assert_eq!(undeclared(INDEX_COLUMNS, INDEX_VIEWS, &[]), Vec::<&str>::new());
        assert_eq!(undeclared(GAP_COLUMNS, GAP_VIEWS, &[]), Vec::<&str>::new());
    }
}
