//! `cxstat themes FILE`: what do the comments say? Each comment is matched against the themes
//! (built-in and the config's `[themes.NAME]`, see `text::taxonomy`); per theme (and per `--by`
//! group and `--period`): how many of the comments mention it, the NPS, CSAT and CES of those who
//! do against the other commenters with the difference's interval and p-value (the tests of
//! `compare`, adjusted over the themes), the share of detractors among them, the theme's NPS
//! impact and up to three example quotes. `--quotes` lists the quotes, `--unmatched` the words
//! of the comments no theme matches, `--terms` the words that set detractors apart from
//! promoters.
//!
//! Each distinct comment is read once (segmented and matched, `text`); the rows are hashed to
//! their comment's theme mask and counted by polars (`metrics::themes`).
//!
//! Usage: cxstat themes responses.csv [--by COL] [--period month] [--from D --to D]
//!        [--quotes | --terms [--min-count N] | --unmatched] [--chart themes.png]

use anyhow::Result;

use crate::chart::{self, Chart, ThemeBar, ThemeChart};
use crate::cli::{Target, ThemesArgs};
use crate::cmd::{
    check_dates, grouping_for, key_cells, key_columns, max_invalid, open_checked, satisfaction_spec, scales, set_weight, Opened,
};
use crate::error::{data_err, usage};
use crate::input::roles::{list_headers, Kind, Role};
use crate::metrics::comparison::{self, ComparisonRow};
use crate::metrics::grouping::{Grouping, RowKind};
use crate::metrics::pct;
use crate::metrics::satisfaction::{SatisfactionCounts, SatisfactionSpec};
use crate::metrics::themes::{
    candidates, comments, low_base, mask_counts, mask_expr, nps_counts, read, terms, theme_rows, unmatched_terms, Candidate, Read, Side,
    Term, ThemeRow, NO_THEME, QUOTES, QUOTE_CHARS, TEXT_BIT,
};
use crate::output::columns::{always, human_number, Column, Rows, Show, Shown, Value};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::text::taxonomy;
use crate::text::Tokenizer;
use crate::Io;

/// Runs `cxstat themes`.
pub fn run(args: &ThemesArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let analysis = analyse(args, io)?;
    let report = if args.quotes {
        quotes_report(&analysis)
    } else if args.terms {
        terms_report(&analysis, args)
    } else if args.unmatched {
        unmatched_report(&analysis, args.top)
    } else {
        themes_report(&analysis, args)
    };
    emit(&report, format, args.output.target(), io)?;
    if let Some(path) = &args.chart {
        chart::write(&theme_chart(&analysis)?, path)?;
    }
    Ok(())
}

/// What a run found, for every view of it.
pub struct Analysis {
    pub rows: Vec<ThemeRow>,
    pub opened: Opened,
    pub grouping: Grouping,
    pub spec: SatisfactionSpec,
    pub comment: String,
    /// The sides of --terms and quotes: NPS (true) or CSAT.
    pub by_nps: bool,
    pub confidence: f64,
    /// Themes mentioned by fewer (or with fewer others) are low base and not tested.
    pub min_n: u64,
    /// The words and phrases of the comments no theme matches: (term, is phrase, comments).
    pub unmatched: Vec<(String, bool, f64)>,
    /// Comments with text and those no theme matches (all groups in scope).
    pub comments: f64,
    pub unmatched_comments: f64,
    /// The terms of --terms (computed only then).
    pub terms: Vec<Term>,
}

/// What `cxstat themes` finds with these arguments, for every view of it (and the scorecard).
pub fn analyse(args: &ThemesArgs, io: &mut Io) -> Result<Analysis> {
    let (mut opened, (scales, max_invalid, themes)) = open_checked(&args.input, Some(Kind::Responses), io, |config| {
        check_dates(args.group.from, args.group.to)?;
        if let Some(path) = &args.chart {
            chart::ChartFormat::of(path)?;
        }
        if (args.terms || args.unmatched) && (args.group.period.is_some() || !args.group.by.is_empty()) {
            let flag = if args.terms { "--terms" } else { "--unmatched" };
            return Err(usage(format!("{flag} counts over all comments in --from/--to: drop --by and --period")));
        }
        if args.target == Some(Target::Ces) {
            return Err(usage("--target takes nps or csat: CES has no promoters and detractors"));
        }
        let themes = taxonomy::themes(&config.themes, !args.no_builtin_themes)?;
        Ok((scales(&args.scales, config)?, max_invalid(args.invalid.max_invalid, config)?, themes))
    })?;
    let name = opened.data.name.clone();
    let Some(comment) = opened.roles.get(Role::Comment).map(str::to_string) else {
        return Err(data_err(format!(
            "{name}: no comment column: no header ({}) reads as one (comment, feedback, why, 意见, 建议 …); map it with --col comment=HEADER",
            list_headers(&opened.data.headers)
        )));
    };
    let confidence = args.stats.confidence.unwrap_or(1.0 - args.alpha);
    let mut spec = satisfaction_spec(&scales, &args.input, &opened);
    set_weight(&mut spec, &opened, args.weight.as_deref())?;
    let by_nps = match args.target {
        Some(Target::Csat) if spec.csat.is_none() => {
            return Err(data_err(format!("{name}: --target csat needs a CSAT column; map one with --col csat=HEADER")))
        }
        Some(Target::Nps) if spec.nps.is_none() => {
            return Err(data_err(format!("{name}: --target nps needs an NPS column; map one with --col nps=HEADER")))
        }
        Some(t) => t == Target::Nps,
        None => spec.nps.is_some(),
    };
    if args.terms && spec.nps.is_none() && spec.csat.is_none() {
        return Err(data_err(format!(
            "{name}: --terms compares low and high scores and there is no NPS or CSAT column; map one with --col nps=HEADER"
        )));
    }
    let grouping = grouping_for(&args.group, &opened, Role::Date)?;

    io.progress(&format!("reading the comments of {name}"));
    let id = opened.roles.get(Role::Id).map(str::to_string);
    let tokenizer = Tokenizer::new(opened.config.words.stop_words());
    let (read_comments, per_comment) = comments(&opened.data, &spec, &grouping, &comment, id.as_deref(), by_nps)?;
    let distinct = &read_comments.distinct;
    let reads: Vec<Option<Read>> = distinct.iter().map(|d| read(&d.text, &tokenizer, &themes, &spec.na_values)).collect();
    let comments: f64 = distinct.iter().zip(&reads).filter(|(_, r)| r.is_some()).map(|(d, _)| d.total()).sum();
    if comments == 0.0 {
        return Err(data_err(format!(
            "{name}: no comment with text in '{comment}'{} (blanks, N/A, 无 and punctuation alone are no comment)",
            if grouping.from.is_some() || grouping.to.is_some() { " within --from/--to" } else { "" }
        )));
    }
    let masks: Vec<Option<u64>> = reads.iter().map(|r| r.as_ref().map(|r| r.mask)).collect();
    let counts = match per_comment {
        Some(per_comment) => per_comment.by_mask(&masks),
        None => {
            io.progress(&format!("counting the themes of {name}"));
            let (texts, text_masks): (Vec<String>, Vec<u64>) =
                distinct.iter().zip(&masks).filter_map(|(d, m)| m.map(|m| (d.text.to_string(), m))).unzip();
            opened.data.add_column(mask_expr(&comment, texts, text_masks));
            mask_counts(&opened.data, &spec, &grouping)?
        }
    };
    crate::cmd::survey::check_invalid(&opened, &counts.spec, &counts.grouping, &counts.groups, (args.stats.strict, max_invalid), io)?;
    let quotes = candidates(&read_comments, &masks);

    let names: Vec<&str> = themes.iter().map(|t| t.name.as_str()).collect();
    let total = (grouping.period.is_some() || !grouping.by.is_empty()) && !args.group.no_total;
    let min_n = args.group.min_n.or(opened.config.survey.min_n).unwrap_or(30);
    let rows = theme_rows(&counts, &quotes, &names, total, (&counts.spec, confidence, (args.adjust, args.alpha)), min_n);

    let unmatched_comments: f64 =
        distinct.iter().zip(&reads).filter(|(_, r)| r.as_ref().is_some_and(|r| r.mask == TEXT_BIT)).map(|(d, _)| d.total()).sum();
    let unmatched = unmatched_terms(distinct, &reads);
    let terms = if args.terms { terms(distinct, &reads, args.min_count) } else { Vec::new() };
    Ok(Analysis {
        rows,
        opened,
        grouping: counts.grouping,
        spec: counts.spec,
        comment,
        by_nps,
        confidence,
        min_n,
        unmatched,
        comments,
        unmatched_comments,
        terms,
    })
}

/// The names of the two sides (low, high).
fn side_names(by_nps: bool) -> (&'static str, &'static str) {
    if by_nps {
        ("detractors", "promoters")
    } else {
        ("bottom boxes", "top boxes")
    }
}

// ---- The themes table -------------------------------------------------------------------

/// What the run's table has: the scores the input has, and the low-base threshold.
pub struct Plan {
    pub nps: bool,
    pub csat: bool,
    pub ces: bool,
    pub min_n: u64,
}

fn has_nps(p: &Plan) -> bool {
    p.nps
}
fn has_csat(p: &Plan) -> bool {
    p.csat
}
fn has_ces(p: &Plan) -> bool {
    p.ces
}

fn tested<T>(t: &Option<ComparisonRow>, f: impl Fn(&comparison::Tested) -> Option<T>) -> Option<T> {
    t.as_ref().and_then(|r| r.result.as_ref()).and_then(f)
}

fn nps_of(c: &SatisfactionCounts) -> Option<f64> {
    nps_counts(c).nps()
}
fn csat_of(c: &SatisfactionCounts) -> Option<f64> {
    pct(c.csat_top, c.csat_w)
}
fn ces_of(c: &SatisfactionCounts) -> Option<f64> {
    (c.ces_w > 0.0).then(|| c.ces_sum / c.ces_w)
}

fn quote(r: &ThemeRow, k: usize) -> Value {
    Value::Text(r.quotes.get(k).map(|q| q.text.to_string()))
}
fn quote_id(r: &ThemeRow, k: usize) -> Value {
    Value::Text(r.quotes.get(k).map(quote_ref))
}

/// Where a quote comes from: its response id, else its row ("row 57").
fn quote_ref(q: &Candidate) -> String {
    q.id.clone().unwrap_or_else(|| format!("row {}", q.row))
}

/// A comment on one line, for screens and report tables: its line breaks and runs of spaces are
/// one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The overall rows: the total's when grouped, else the only group's; `None` when grouped
/// without a total (`--no-total`).
fn overall(a: &Analysis) -> Option<Vec<&ThemeRow>> {
    if a.rows.iter().any(|r| r.kind == RowKind::Total) {
        Some(a.rows.iter().filter(|r| r.kind == RowKind::Total).collect())
    } else if a.rows.iter().all(|r| r.key == a.rows[0].key) {
        Some(a.rows.iter().collect())
    } else {
        None
    }
}

/// The themes table's columns, in their order in CSV and JSON (after the groups).
pub const COLUMNS: &[Column<ThemeRow, Plan>] = &[
    Column { key: "theme", decimals: 0, shown: always, value: |r, _| Value::Text(Some(r.theme.clone())) },
    Column { key: "responses", decimals: 0, shown: always, value: |r, _| Value::Count(r.respondents) },
    Column { key: "comments", decimals: 0, shown: always, value: |r, _| Value::Count(r.comments) },
    Column { key: "mentions", decimals: 0, shown: always, value: |r, _| Value::Count(r.mentions) },
    Column { key: "mention_pct", decimals: 1, shown: always, value: |r, _| Value::Num(pct(r.mentions, r.comments)) },
    Column { key: "nps", decimals: 1, shown: has_nps, value: |r, _| Value::Num(nps_of(&r.mentioners)) },
    Column { key: "nps_others", decimals: 1, shown: has_nps, value: |r, _| Value::Num(nps_of(&r.others)) },
    Column { key: "nps_diff", decimals: 1, shown: has_nps, value: |r, _| Value::Num(tested(&r.nps, |t| t.difference)) },
    Column { key: "nps_diff_low", decimals: 1, shown: has_nps, value: |r, _| Value::Num(tested(&r.nps, |t| t.interval.map(|i| i.low))) },
    Column { key: "nps_diff_high", decimals: 1, shown: has_nps, value: |r, _| Value::Num(tested(&r.nps, |t| t.interval.map(|i| i.high))) },
    Column { key: "nps_p", decimals: 4, shown: has_nps, value: |r, _| Value::P(tested(&r.nps, |t| Some(t.p))) },
    Column { key: "nps_p_adjusted", decimals: 4, shown: has_nps, value: |r, _| Value::P(r.nps.as_ref().and_then(|t| t.p_adjusted)) },
    Column {
        key: "detractor_pct",
        decimals: 1,
        shown: has_nps,
        value: |r, _| Value::Num(pct(r.mentioners.detractors, r.mentioners.nps_w)),
    },
    Column { key: "nps_impact", decimals: 1, shown: has_nps, value: |r, _| Value::Num(r.impact) },
    Column { key: "csat_pct", decimals: 1, shown: has_csat, value: |r, _| Value::Num(csat_of(&r.mentioners)) },
    Column { key: "csat_pct_others", decimals: 1, shown: has_csat, value: |r, _| Value::Num(csat_of(&r.others)) },
    Column { key: "csat_diff", decimals: 1, shown: has_csat, value: |r, _| Value::Num(tested(&r.csat, |t| t.difference)) },
    Column { key: "csat_diff_low", decimals: 1, shown: has_csat, value: |r, _| Value::Num(tested(&r.csat, |t| t.interval.map(|i| i.low))) },
    Column {
        key: "csat_diff_high",
        decimals: 1,
        shown: has_csat,
        value: |r, _| Value::Num(tested(&r.csat, |t| t.interval.map(|i| i.high))),
    },
    Column { key: "csat_p", decimals: 4, shown: has_csat, value: |r, _| Value::P(tested(&r.csat, |t| Some(t.p))) },
    Column { key: "csat_p_adjusted", decimals: 4, shown: has_csat, value: |r, _| Value::P(r.csat.as_ref().and_then(|t| t.p_adjusted)) },
    Column { key: "ces_mean", decimals: 2, shown: has_ces, value: |r, _| Value::Num(ces_of(&r.mentioners)) },
    Column { key: "ces_mean_others", decimals: 2, shown: has_ces, value: |r, _| Value::Num(ces_of(&r.others)) },
    Column { key: "ces_diff", decimals: 2, shown: has_ces, value: |r, _| Value::Num(tested(&r.ces, |t| t.difference)) },
    Column { key: "ces_diff_low", decimals: 2, shown: has_ces, value: |r, _| Value::Num(tested(&r.ces, |t| t.interval.map(|i| i.low))) },
    Column { key: "ces_diff_high", decimals: 2, shown: has_ces, value: |r, _| Value::Num(tested(&r.ces, |t| t.interval.map(|i| i.high))) },
    Column { key: "ces_p", decimals: 4, shown: has_ces, value: |r, _| Value::P(tested(&r.ces, |t| Some(t.p))) },
    Column { key: "ces_p_adjusted", decimals: 4, shown: has_ces, value: |r, _| Value::P(r.ces.as_ref().and_then(|t| t.p_adjusted)) },
    Column { key: "low_base", decimals: 0, shown: always, value: |r, p| Value::Flag(r.theme != NO_THEME && low_base(r, p.min_n)) },
    Column { key: "note", decimals: 0, shown: always, value: |r, p| Value::Text(Some(note(r, p))) },
    Column { key: "quote_1", decimals: 0, shown: always, value: |r, _| quote(r, 0) },
    Column { key: "quote_1_id", decimals: 0, shown: always, value: |r, _| quote_id(r, 0) },
    Column { key: "quote_2", decimals: 0, shown: always, value: |r, _| quote(r, 1) },
    Column { key: "quote_2_id", decimals: 0, shown: always, value: |r, _| quote_id(r, 1) },
    Column { key: "quote_3", decimals: 0, shown: always, value: |r, _| quote(r, 2) },
    Column { key: "quote_3_id", decimals: 0, shown: always, value: |r, _| quote_id(r, 2) },
];

/// A difference with its interval and a mark when significant after adjustment: "−45.0 (−60.2
/// to −29.8) ▼".
fn difference(t: &Option<ComparisonRow>, decimals: usize) -> Cell {
    let Some(row) = t else { return Cell::Null };
    let Some((d, i)) = row.result.as_ref().and_then(|r| r.difference.zip(r.interval)) else { return Cell::Null };
    let mark = match row.significant {
        Some(true) if d < 0.0 => " ▼",
        Some(true) if d > 0.0 => " ▲",
        _ => "",
    };
    Cell::Text(format!(
        "{} ({} to {}){mark}",
        human_number(d, decimals, true),
        human_number(i.low, decimals, true),
        human_number(i.high, decimals, true)
    ))
}

/// The themes table as people see it.
const VIEWS: &[Shown<ThemeRow, Plan>] = &[
    Shown { header: |_| "theme".into(), shown: always, show: Show::Column("theme") },
    Shown { header: |_| "mentions".into(), shown: always, show: Show::Column("mentions") },
    Shown { header: |_| "share %".into(), shown: always, show: Show::Column("mention_pct") },
    Shown { header: |_| "NPS impact".into(), shown: has_nps, show: Show::Column("nps_impact") },
    Shown { header: |_| "NPS".into(), shown: has_nps, show: Show::Column("nps") },
    Shown { header: |_| "NPS others".into(), shown: has_nps, show: Show::Column("nps_others") },
    Shown { header: |_| "NPS diff. (CI)".into(), shown: has_nps, show: Show::Cell(|r, _| difference(&r.nps, 1)) },
    Shown { header: |_| "detr. %".into(), shown: has_nps, show: Show::Column("detractor_pct") },
    Shown { header: |_| "note".into(), shown: always, show: Show::Column("note") },
    Shown { header: |_| "CSAT %".into(), shown: has_csat, show: Show::Column("csat_pct") },
    Shown { header: |_| "CSAT % others".into(), shown: has_csat, show: Show::Column("csat_pct_others") },
    Shown { header: |_| "CSAT diff. (CI)".into(), shown: has_csat, show: Show::Cell(|r, _| difference(&r.csat, 1)) },
    Shown { header: |_| "CES".into(), shown: has_ces, show: Show::Column("ces_mean") },
    Shown { header: |_| "CES others".into(), shown: has_ces, show: Show::Column("ces_mean_others") },
    Shown { header: |_| "CES diff. (CI)".into(), shown: has_ces, show: Show::Cell(|r, _| difference(&r.ces, 2)) },
];

fn plan(a: &Analysis) -> Plan {
    Plan { nps: a.spec.nps.is_some(), csat: a.spec.csat.is_some(), ces: a.spec.ces.is_some(), min_n: a.min_n }
}

/// Why a row has no test.
fn note(r: &ThemeRow, p: &Plan) -> String {
    match () {
        _ if r.theme == NO_THEME => "untested".to_string(),
        _ if r.mentions < p.min_n as f64 => format!("low base: < {} mentions, untested", p.min_n),
        _ if low_base(r, p.min_n) => format!("low base: < {} others, untested", p.min_n),
        _ => String::new(),
    }
}

/// "great (1,204), service (1,204), …": the first `n` terms of a kind.
fn listed(terms: &[(String, bool, f64)], phrase: bool, n: usize) -> String {
    let shown: Vec<String> = terms.iter().filter(|t| t.1 == phrase).take(n).map(|t| format!("{} ({})", t.0, t.2 as u64)).collect();
    if shown.is_empty() {
        "none".to_string()
    } else {
        shown.join(", ")
    }
}

/// The themes table (the default view).
pub fn themes_report(a: &Analysis, args: &ThemesArgs) -> Report {
    let plan = plan(a);
    let label_columns = key_columns(&a.grouping);
    let labels = |r: &ThemeRow| key_cells(&r.key, r.kind, &a.grouping);
    let table = Rows { plan: &plan, label_columns: &label_columns, labels: &labels, rows: &a.rows };
    let respondents: f64 = a.rows.iter().filter(|r| r.theme == NO_THEME && r.kind != RowKind::Total).map(|r| r.respondents).sum();
    let mut caption = vec![
        format!(
            "{} · {} of {} responses have a comment ('{}'); a comment can mention several themes",
            a.opened.data.name, a.comments as u64, respondents as u64, a.comment
        ),
        format!(
            "mentioners against the other commenters: diff. = mentioners − others ({} CI), ▲▼ significant at {} ({} over the themes)",
            crate::cmd::charts::level_text(a.confidence),
            args.alpha,
            args.adjust.name()
        ),
    ];
    if plan.nps {
        caption.push("NPS impact = share × (NPS − NPS others): the points of the commenters' NPS that the theme accounts for".to_string());
    }
    caption.push(format!(
        "no theme: {:.1}% of comments; most used words there: {}; phrases: {} (see --unmatched, --quotes, --terms)",
        100.0 * a.unmatched_comments / a.comments,
        listed(&a.unmatched, false, 5),
        listed(&a.unmatched, true, 3)
    ));
    Report {
        machine: table.machine(COLUMNS),
        human: table.human(VIEWS, COLUMNS),
        caption,
        meta: vec![
            ("comment_column".to_string(), Cell::Text(a.comment.clone())),
            ("responses".to_string(), Cell::Int(respondents as i64)),
            ("comments".to_string(), Cell::Int(a.comments as i64)),
            ("unmatched_pct".to_string(), Cell::num(pct(a.unmatched_comments, a.comments), 1)),
        ],
        rows_key: "themes",
    }
}

/// One quote of --quotes.
struct QuoteRow<'a> {
    row: &'a ThemeRow,
    rank: usize,
    quote: &'a Candidate,
}

fn side_name(side: Side, by_nps: bool) -> &'static str {
    match (side, by_nps) {
        (Side::Low, _) => side_names(by_nps).0,
        (Side::High, _) => side_names(by_nps).1,
        (Side::Middle, true) => "passives",
        (Side::Middle, false) => "middle",
    }
}

fn quotes_report(a: &Analysis) -> Report {
    let rows: Vec<QuoteRow> =
        a.rows.iter().flat_map(|r| r.quotes.iter().enumerate().map(move |(k, q)| QuoteRow { row: r, rank: k + 1, quote: q })).collect();
    let mut columns = key_columns(&a.grouping);
    let mut headers = columns.clone();
    columns.extend(["theme", "rank", "response_id", "row", "side", "comment"].map(String::from));
    headers.extend(["theme", "rank", "response id", "row", "side", "comment"].map(String::from));
    let mut machine = Table { columns, rows: Vec::new() };
    let mut human = Table { columns: headers, rows: Vec::new() };
    for q in &rows {
        let mut cells = key_cells(&q.row.key, q.row.kind, &a.grouping);
        cells.extend([
            Cell::Text(q.row.theme.clone()),
            Cell::Int(q.rank as i64),
            Cell::text(q.quote.id.as_deref()),
            Cell::Int(q.quote.row as i64),
            Cell::Text(side_name(q.quote.side, a.by_nps).to_string()),
        ]);
        let mut shown = cells.clone();
        cells.push(Cell::Text(q.quote.text.to_string()));
        shown.push(Cell::Text(one_line(&q.quote.text)));
        machine.rows.push(cells);
        human.rows.push(shown);
    }
    Report {
        machine,
        human,
        caption: vec![
            format!("{} · up to {QUOTES} quotes per theme, whole comments from '{}'", a.opened.data.name, a.comment),
            format!(
                "chosen: {} first when the theme lowers the NPS ({} when it raises it), then comments of no other theme, then of {} to {} characters, then the first in the file",
                side_names(a.by_nps).0,
                side_names(a.by_nps).1,
                QUOTE_CHARS.0,
                QUOTE_CHARS.1
            ),
        ],
        ..Default::default()
    }
}

fn unmatched_report(a: &Analysis, top: usize) -> Report {
    let mut rows = Vec::new();
    for phrase in [false, true] {
        for (term, _, n) in a.unmatched.iter().filter(|t| t.1 == phrase).take(top) {
            rows.push(vec![
                Cell::Text(if phrase { "phrase" } else { "word" }.to_string()),
                Cell::Text(term.clone()),
                Cell::Int(*n as i64),
                Cell::num(pct(*n, a.unmatched_comments), 1),
            ]);
        }
    }
    let columns: Vec<String> = ["kind", "term", "comments", "pct_of_unmatched"].map(String::from).to_vec();
    let headers: Vec<String> = ["kind", "term", "comments", "% of unmatched"].map(String::from).to_vec();
    Report {
        machine: Table { columns, rows: rows.clone() },
        human: Table { columns: headers, rows },
        caption: vec![format!(
            "{} · {} of {} comments ({:.1}%) match no theme: their most used words and phrases (each comment counted once), to add to [themes.NAME] in the config",
            a.opened.data.name,
            a.unmatched_comments as u64,
            a.comments as u64,
            100.0 * a.unmatched_comments / a.comments
        )],
        ..Default::default()
    }
}

fn terms_report(a: &Analysis, args: &ThemesArgs) -> Report {
    let (low, high) = side_names(a.by_nps);
    let leaning_low = a.terms.iter().filter(|t| t.z > 0.0).take(args.top);
    let leaning_high = a.terms.iter().rev().filter(|t| t.z < 0.0).take(args.top);
    let columns: Vec<String> = vec![
        "leans_to".into(),
        "term".into(),
        "kind".into(),
        format!("{}_count", low.replace(' ', "_")),
        format!("{}_count", high.replace(' ', "_")),
        "log_odds".into(),
        "z".into(),
    ];
    let headers: Vec<String> =
        vec!["leans to".into(), "term".into(), "kind".into(), low.into(), high.into(), "log-odds".into(), "z".into()];
    let mut machine = Table { columns, rows: Vec::new() };
    let mut human = Table { columns: headers, rows: Vec::new() };
    for (side, t) in leaning_low.map(|t| (low, t)).chain(leaning_high.map(|t| (high, t))) {
        let cells = |decimals: usize| {
            vec![
                Cell::Text(side.to_string()),
                Cell::Text(t.text.clone()),
                Cell::Text(if t.phrase { "phrase" } else { "word" }.to_string()),
                Cell::Int(t.low as i64),
                Cell::Int(t.high as i64),
                Cell::Num(t.delta, decimals),
                Cell::Num(t.z, decimals),
            ]
        };
        machine.rows.push(cells(3));
        human.rows.push(cells(2));
    }
    Report {
        machine,
        human,
        caption: vec![
            format!("{} · the words and phrases of '{}' that most set {low} apart from {high}", a.opened.data.name, a.comment),
            format!(
                "log-odds ratio with an informative Dirichlet prior (all comments in scope) and its z-score (Monroe, Colaresi & Quinn 2008); |z| > 1.96 would be rare by chance for one term, but many terms are compared; used at least {} times by the two sides",
                args.min_count
            ),
        ],
        ..Default::default()
    }
}

/// The scorecard's "What customers say": the `n` themes of the overall rows that move the NPS
/// most (by the size of their impact; by mentions without NPS), costliest first, each with its
/// first quote on one line.
pub fn voice_table(a: &Analysis, n: usize) -> Table {
    let mut rows: Vec<&ThemeRow> = overall(a).unwrap_or_default();
    rows.retain(|r| r.theme != NO_THEME && r.mentions > 0.0);
    let weight = |r: &ThemeRow| r.impact.map_or(r.mentions, f64::abs);
    rows.sort_by(|x, y| weight(y).total_cmp(&weight(x)));
    rows.truncate(n);
    rows.sort_by(|x, y| x.impact.unwrap_or(0.0).total_cmp(&y.impact.unwrap_or(0.0)));
    let columns =
        ["theme", "mentions", "% of comments", "NPS", "NPS others", "NPS impact", "what a customer wrote"].map(String::from).to_vec();
    let cells = |r: &ThemeRow| {
        let quote = r.quotes.first().map(|q| format!("“{}” ({})", one_line(&q.text), quote_ref(q)));
        vec![
            Cell::Text(r.theme.clone()),
            Cell::Int(r.mentions as i64),
            Cell::num(pct(r.mentions, r.comments), 1),
            Cell::num(nps_of(&r.mentioners), 1),
            Cell::num(nps_of(&r.others), 1),
            Cell::text(r.impact.map(|v| human_number(v, 1, true)).as_deref()),
            Cell::text(quote.as_deref()),
        ]
    };
    Table { columns, rows: rows.into_iter().map(cells).collect() }
}

/// The chart: each theme's mention share, coloured by its mentioners' NPS (the overall rows:
/// the total when grouped).
fn theme_chart(a: &Analysis) -> Result<Chart> {
    let Some(overall) = overall(a) else {
        return Err(usage("--chart draws the overall themes: drop --no-total"));
    };
    let commenters = overall.first().map(|r| {
        let mut all = r.mentioners;
        all += r.others;
        all
    });
    let bars = overall
        .iter()
        .filter(|r| r.theme != NO_THEME)
        .map(|r| ThemeBar { label: r.theme.clone(), share: pct(r.mentions, r.comments).unwrap_or(0.0), nps: nps_of(&r.mentioners) })
        .collect();
    let (scope, _) = crate::cmd::charts::date_scope(&a.opened, &a.grouping, Role::Date)?;
    Ok(Chart::Themes(ThemeChart {
        title: "What customers say: themes of the comments".to_string(),
        subtitle: format!("{} · {scope} · {} comments · a comment can mention several themes", a.opened.data.name, a.comments as u64),
        overall: commenters.as_ref().and_then(nps_of),
        bars,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::undeclared;

    #[test]
    fn every_shown_key_is_declared() {
        assert!(undeclared(COLUMNS, VIEWS, &[]).is_empty());
    }
}
