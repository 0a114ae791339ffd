//! `cxstat inspect FILE`: what cxstat sees in a file — encoding, delimiter, rows, and for
//! each column its role, type, blanks and invalid values. The first command to run on a new export.
//!
//! Usage: cxstat inspect responses.csv [--col ROLE=HEADER] [--encoding gbk] [--format json]

use anyhow::Result;
use clap::ValueEnum;

use crate::cli::InspectArgs;
use crate::cmd::{open_checked, satisfaction_spec, scales};
use crate::input::clean::{self, Scale};
use crate::input::frame::Layout;
use crate::input::roles::{Origin, Role};
use crate::input::source::Delimiter;
use crate::metrics::profile::{profile, Check, ColumnProfile};
use crate::output::columns::{always, Column, Rows, Value};
use crate::output::{choose_format, emit, Cell, Report};
use crate::Io;

/// One column of the file as inspect shows it: its profile, role and what its values should be.
struct Inspected {
    header: String,
    role: Option<(Role, Origin)>,
    expected: Option<String>,
    profile: ColumnProfile,
    question: Option<String>,
    import_id: Option<String>,
    /// For a score role: its scale and the flag that sets it (None for NPS, always 0–10).
    scale: Option<(Scale, Option<&'static str>)>,
}

impl Inspected {
    /// The whole numbers seen, "1–10": of a score, or of a column without a role whose values are
    /// whole numbers on a rating's range (at most 11 points: a driver question).
    fn seen(&self) -> Option<String> {
        let p = &self.profile;
        let (lo, hi) = p.whole?;
        let rating = self.role.is_none() && p.integral == p.values && hi - lo <= 10;
        (self.scale.is_some() || rating).then(|| format!("{lo}–{hi}"))
    }

    /// What to do where a score's values do not fit its scale ("name fits, values do not"), or
    /// where a rating question has 0 below a 1–5 or 1–7 range (a "not applicable" code that would
    /// be averaged in as a score).
    fn suggestion(&self) -> Option<String> {
        let p = &self.profile;
        let Some((scale, flag)) = self.scale else {
            let (lo, hi) = p.whole?;
            let na_code = self.seen().is_some() && lo == 0 && p.lowest_positive == Some(1) && (4..=7).contains(&hi);
            return na_code.then(|| format!("0 seen below 1–{hi}: if it means not applicable, --na-values 0"));
        };
        let invalid = p.invalid.unwrap_or(0);
        let mut out = Vec::new();
        if let Some((lo, hi)) = p.whole.filter(|(lo, hi)| *lo < scale.low || *hi > scale.high) {
            // A 0 below a scale that otherwise fits is most often a "not applicable" code.
            if lo == 0 && hi <= scale.high && p.lowest_positive.is_some_and(|l| l >= scale.low) {
                out.push("0 seen: if it means not applicable, --na-values 0".to_string());
            } else {
                let (low, high) = (lo.min(scale.low), hi.max(scale.high));
                out.push(match flag {
                    Some(flag) => format!("values {lo}–{hi} do not fit {scale}: {flag} {low}-{high}"),
                    None => format!("values {lo}–{hi} do not fit {scale}: is it the likelihood to recommend?"),
                });
            }
        }
        if invalid > 0 && p.numeric < p.values / 2 {
            out.push(format!("name fits, values do not: {invalid} of {} answers are not scores (map labels in [labels])", p.values));
        }
        (!out.is_empty()).then(|| out.join("; "))
    }
}

/// Runs `cxstat inspect`.
pub fn run(args: &InspectArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal)?;
    let (opened, scales) = open_checked(&args.input, None, io, |config| scales(&args.scales, config))?;
    let spec = satisfaction_spec(&scales, &args.input, &opened);
    let data = &opened.data;

    // Year-last dates of the date column are read in the order its values show.
    let order = match opened.roles.get(Role::Date) {
        Some(h) => crate::cmd::date_order(data, h, None)?,
        None => None,
    };
    // Expected values of role columns, and how invalid ones are found.
    let checked = |header: &str| -> Option<(String, Check)> {
        let (role, _) = opened.roles.role_of(header)?;
        let score = |c: &crate::metrics::satisfaction::ScoreColumn| {
            let cleaned = clean::score(header, c.scale, &spec.na_values, Some(&spec.labels));
            (format!("{}", c.scale), Check { cleaned, score: true })
        };
        match role {
            Role::Csat => spec.csat.as_ref().map(score),
            Role::Nps => spec.nps.as_ref().map(score),
            Role::Ces => spec.ces.as_ref().map(score),
            Role::Date => Some(("date".to_string(), Check { cleaned: clean::date_in(header, order), score: false })),
            _ => None,
        }
    };
    let (expected, checks): (Vec<Option<String>>, Vec<Option<Check>>) =
        data.headers.iter().map(|h| checked(h).map_or((None, None), |(e, c)| (Some(e), Some(c)))).unzip();
    let found = profile(data, &checks)?;
    let rows = found.rows;
    // inspect reports rather than refuses: a ragged row is a warning here, an error in the metrics.
    if let Err(problem) = data.check_ragged(found.ragged) {
        io.warn(&format!("{problem}"));
    }

    // Survey platforms' exports: each column's question text and import id.
    let detailed = data.info.iter().any(|i| i.question.is_some() || i.import_id.is_some());
    let columns: Vec<Inspected> = found
        .columns
        .into_iter()
        .zip(expected)
        .enumerate()
        .map(|(i, (profile, expected))| Inspected {
            header: data.headers[i].clone(),
            role: opened.roles.role_of(&data.headers[i]),
            expected,
            profile,
            question: data.info[i].question.clone(),
            import_id: data.info[i].import_id.clone(),
            scale: match opened.roles.role_of(&data.headers[i]) {
                Some((Role::Csat, _)) => Some((scales.csat, Some("--csat-scale"))),
                Some((Role::Ces, _)) => Some((scales.ces, Some("--ces-scale"))),
                Some((Role::Nps, _)) => Some((scales.nps, None)),
                _ => None,
            },
        })
        .collect();
    let label_columns = ["column".to_string()];
    let labels = |c: &Inspected| vec![Cell::Text(c.header.clone())];
    let machine = Rows { plan: &detailed, label_columns: &label_columns, labels: &labels, rows: &columns }.machine(COLUMNS);

    let (format_name, encoding, bom, delimiter) = match &data.layout {
        Layout::Delimited { encoding, bom, delimiter } => {
            let d = match delimiter {
                Delimiter::Char(c) if *c != b'\t' => (*c as char).to_string(),
                other => other.to_string(),
            };
            ("delimited text", Cell::Text(encoding.to_string()), Cell::Bool(*bom), Cell::Text(d))
        }
        Layout::Parquet => ("parquet", Cell::Null, Cell::Null, Cell::Null),
        Layout::Sheet { .. } => ("spreadsheet", Cell::Null, Cell::Null, Cell::Null),
    };
    let caption = vec![
        format!("file: {}", data.name),
        match &data.layout {
            Layout::Delimited { encoding, bom, delimiter } => {
                format!("format: delimited text, delimiter {delimiter} · encoding {encoding}{}", if *bom { " with BOM" } else { "" })
            }
            Layout::Parquet => "format: parquet".to_string(),
            Layout::Sheet { sheet } => format!("format: spreadsheet, sheet '{sheet}' (--sheet NAME for another)"),
        },
        if data.header_rows == 0 {
            "source: no header row (--no-header): columns are named 1, 2, … · map them by number (--col customer=2)".to_string()
        } else {
            format!(
                "source: {} · header rows: {} · map columns by name{}",
                data.export.name(),
                data.header_rows,
                if detailed { ", import id or question text (--col nps=QID7)" } else { "" }
            )
        },
        format!("rows: {rows} (data rows, header rows excluded) · columns: {}", data.headers.len()),
        format!(
            "answer labels: a leading number wins (\"9 - Very likely\" → 9); built-in wordings for 1–5, 1–7 and 0–10 \
             scales (English and Chinese: satisfied/agree/easy/非常满意 …){}",
            if spec.labels.is_empty() {
                String::new()
            } else {
                format!("; config [labels]: {}", spec.labels.iter().map(|(l, v)| format!("'{l}' = {v}")).collect::<Vec<_>>().join(", "))
            }
        ),
    ];
    let mut human = machine.clone();
    human.columns[2] = "how".to_string();
    let report = Report {
        machine,
        human,
        caption,
        meta: vec![
            ("file".into(), Cell::Text(data.name.clone())),
            ("format".into(), Cell::Text(format_name.into())),
            ("encoding".into(), encoding),
            ("bom".into(), bom),
            ("delimiter".into(), delimiter),
            ("source".into(), Cell::text(data.export.to_possible_value().as_ref().map(|v| v.get_name()))),
            ("header_rows".into(), Cell::Int(data.header_rows as i64)),
            ("rows".into(), Cell::Int(rows as i64)),
        ],
        rows_key: "columns",
    };
    emit(&report, format, args.output.target(), io)
}

fn detailed(d: &bool) -> bool {
    *d
}

/// The inspect table's columns, in their order in CSV and JSON (after the column's header).
const COLUMNS: &[Column<Inspected, bool>] = &[
    Column { key: "role", decimals: 0, shown: always, value: |c, _| Value::Text(c.role.map(|(r, _)| r.name().to_string())) },
    Column {
        key: "mapped",
        decimals: 0,
        shown: always,
        value: |c, _| {
            Value::Text(c.role.map(|(_, o)| {
                match o {
                    Origin::Mapped => "mapped",
                    Origin::Recognised => "recognised",
                }
                .to_string()
            }))
        },
    },
    Column { key: "type", decimals: 0, shown: always, value: |c, _| Value::Text(Some(c.profile.type_name())) },
    Column { key: "values", decimals: 0, shown: always, value: |c, _| Value::Count(c.profile.values as f64) },
    Column { key: "blanks", decimals: 0, shown: always, value: |c, _| Value::Count(c.profile.blanks as f64) },
    Column {
        key: "invalid",
        decimals: 0,
        shown: always,
        value: |c, _| c.profile.invalid.map_or(Value::Text(None), |n| Value::Count(n as f64)),
    },
    Column {
        key: "expected",
        decimals: 0,
        shown: always,
        value: |c, _| {
            Value::Text(c.expected.as_ref().map(|e| match c.profile.labelled.unwrap_or(0) {
                0 => e.clone(),
                n => format!("{e} ({n} read from labels)"),
            }))
        },
    },
    Column { key: "example", decimals: 0, shown: always, value: |c, _| Value::Text(c.profile.example.clone()) },
    Column { key: "seen", decimals: 0, shown: always, value: |c, _| Value::Text(c.seen()) },
    Column { key: "suggestion", decimals: 0, shown: always, value: |c, _| Value::Text(c.suggestion()) },
    Column { key: "question", decimals: 0, shown: detailed, value: |c, _| Value::Text(c.question.clone()) },
    Column { key: "import_id", decimals: 0, shown: detailed, value: |c, _| Value::Text(c.import_id.clone()) },
];
