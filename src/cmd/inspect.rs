//! `cxstat inspect FILE`: what cxstat sees in a file — encoding, delimiter, rows, and for
//! each column its role, type, blanks and invalid values. The first command to run on a new export.
//!
//! Usage: cxstat inspect responses.csv [--col ROLE=HEADER] [--encoding gbk] [--format json]

use anyhow::Result;
use clap::ValueEnum;
use polars::prelude::*;

use crate::cli::InspectArgs;
use crate::cmd::{open_input, satisfaction_spec};
use crate::input::clean;
use crate::input::frame::{f64_at, Layout};
use crate::input::roles::{Origin, Role};
use crate::output::{choose_format, emit, Cell, Report, Table};
use crate::Io;

/// What was counted for one column.
struct ColumnFacts {
    values: u64,
    blanks: u64,
    numeric: u64,
    integral: u64,
    dates: u64,
    invalid: Option<u64>,
    example: Option<String>,
}

/// The column's type as a person would name it.
fn type_name(f: &ColumnFacts) -> String {
    match f.values {
        0 => "empty".to_string(),
        v if f.dates == v => "date".to_string(),
        v if f.integral == v => "integer".to_string(),
        v if f.numeric == v => "number".to_string(),
        v if f.numeric > 0 => format!("text ({} of {v} numeric)", f.numeric),
        _ => "text".to_string(),
    }
}

/// Runs `cxstat inspect`.
pub fn run(args: &InspectArgs, io: &mut Io) -> Result<()> {
    let format = choose_format(args.output.format, args.output.output.as_deref(), io.stdout_is_terminal);
    let opened = open_input(&args.input, None, io)?;
    let spec = satisfaction_spec(&args.scales, &args.input, &opened)?;
    let data = &opened.data;

    // Year-last dates of the date column are read in the order its values show.
    let order = match opened.roles.get(Role::Date) {
        Some(h) => crate::cmd::date_order(data, h, None)?,
        None => None,
    };
    // Expected values of role columns, and the expression that flags invalid ones.
    let checked = |header: &str| -> Option<(String, clean::Cleaned)> {
        let (role, _) = opened.roles.role_of(header)?;
        match role {
            Role::Csat => {
                spec.csat.as_ref().map(|c| (format!("{}", c.scale), clean::score(header, c.scale, &spec.na_values, Some(&spec.labels))))
            }
            Role::Nps => {
                spec.nps.as_ref().map(|c| (format!("{}", c.scale), clean::score(header, c.scale, &spec.na_values, Some(&spec.labels))))
            }
            Role::Ces => {
                spec.ces.as_ref().map(|c| (format!("{}", c.scale), clean::score(header, c.scale, &spec.na_values, Some(&spec.labels))))
            }
            Role::Date => Some(("date".to_string(), clean::date_in(header, order))),
            _ => None,
        }
    };

    let mut aggs = vec![len().cast(DataType::Float64).alias("__rows")];
    aggs.extend(data.ragged_count());
    for (i, header) in data.headers.iter().enumerate() {
        let t = clean::text(header);
        let present = t.clone().neq(lit("")).fill_null(lit(false));
        let number = t.clone().cast(DataType::Float64);
        let sum = |e: Expr, name: &str| e.cast(DataType::Float64).sum().alias(format!("{name}{i}"));
        aggs.push(sum(present.clone().not(), "b"));
        aggs.push(sum(number.clone().is_not_null(), "num"));
        aggs.push(sum((number % lit(1.0)).eq(lit(0.0)).fill_null(lit(false)), "int"));
        // Year-last dates count as dates in either order.
        let any_date =
            clean::date_in(header, Some(clean::DateOrder::Mdy))
                .value
                .is_not_null()
                .or(clean::date_in(header, Some(clean::DateOrder::Dmy)).value.is_not_null());
        aggs.push(sum(any_date, "d"));
        aggs.push(t.filter(present).first().alias(format!("ex{i}")));
        if let Some((_, c)) = checked(header) {
            aggs.push(sum(c.invalid, "bad"));
            // Score answers that were words or "N - label" rather than plain numbers (0 for dates).
            let is_score = matches!(opened.roles.role_of(header), Some((Role::Csat | Role::Nps | Role::Ces, _)));
            let labelled = c.value.is_not_null().and(clean::text(header).cast(DataType::Float64).is_null()).and(lit(is_score));
            aggs.push(sum(labelled, "lab"));
        }
    }
    let df = data.collect(data.lazy().select(aggs))?;
    let rows = f64_at(&df, "__rows", 0)? as u64;
    // inspect reports rather than refuses: a ragged row is a warning here, an error in the metrics.
    if let Err(problem) = data.check_ragged(data.ragged_at(&df, 0)?) {
        io.warn(&format!("{problem}"));
    }

    // Survey platforms' exports: each column's question text and import id.
    let detailed = data.info.iter().any(|i| i.question.is_some() || i.import_id.is_some());
    let mut columns: Vec<String> =
        ["column", "role", "mapped", "type", "values", "blanks", "invalid", "expected", "example"].map(String::from).to_vec();
    if detailed {
        columns.extend(["question", "import_id"].map(String::from));
    }
    let mut machine = Table { columns, rows: Vec::new() };
    for (i, header) in data.headers.iter().enumerate() {
        let blanks = f64_at(&df, &format!("b{i}"), 0)? as u64;
        let check = checked(header);
        let facts = ColumnFacts {
            values: rows - blanks,
            blanks,
            numeric: f64_at(&df, &format!("num{i}"), 0)? as u64,
            integral: f64_at(&df, &format!("int{i}"), 0)? as u64,
            dates: f64_at(&df, &format!("d{i}"), 0)? as u64,
            invalid: match check {
                Some(_) => Some(f64_at(&df, &format!("bad{i}"), 0)? as u64),
                None => None,
            },
            // One line, at most 40 characters: a multi-line comment would break the table.
            example: df.column(&format!("ex{i}"))?.str()?.get(0).map(|s| s.replace(['\r', '\n'], "↵").chars().take(40).collect()),
        };
        let role = opened.roles.role_of(header);
        machine.rows.push(vec![
            Cell::Text(header.clone()),
            Cell::text(role.map(|(r, _)| r.name())),
            Cell::text(role.map(|(_, o)| match o {
                Origin::Mapped => "mapped",
                Origin::Recognised => "recognised",
            })),
            Cell::Text(type_name(&facts)),
            Cell::Int(facts.values as i64),
            Cell::Int(facts.blanks as i64),
            facts.invalid.map_or(Cell::Null, |n| Cell::Int(n as i64)),
            match &check {
                Some((e, _)) => match f64_at(&df, &format!("lab{i}"), 0)? as u64 {
                    0 => Cell::Text(e.clone()),
                    n => Cell::Text(format!("{e} ({n} read from labels)")),
                },
                None => Cell::Null,
            },
            Cell::text(facts.example.as_deref()),
        ]);
        if detailed {
            let info = &data.info[i];
            let row = machine.rows.last_mut().expect("just pushed");
            row.push(Cell::text(info.question.as_deref()));
            row.push(Cell::text(info.import_id.as_deref()));
        }
    }

    let (format_name, encoding, bom, delimiter) = match &data.layout {
        Layout::Delimited { encoding, bom, delimiter } => {
            let d = if *delimiter == b'\t' { "tab".to_string() } else { (*delimiter as char).to_string() };
            ("delimited text", Cell::Text(encoding.to_string()), Cell::Bool(*bom), Cell::Text(d))
        }
        Layout::Parquet => ("parquet", Cell::Null, Cell::Null, Cell::Null),
        Layout::Sheet { .. } => ("spreadsheet", Cell::Null, Cell::Null, Cell::Null),
    };
    let caption = vec![
        format!("file: {}", data.name),
        match &data.layout {
            Layout::Delimited { encoding, bom, delimiter } => format!(
                "format: delimited text, delimiter {} · encoding {encoding}{}",
                if *delimiter == b'\t' { "tab".to_string() } else { format!("'{}'", *delimiter as char) },
                if *bom { " with BOM" } else { "" }
            ),
            Layout::Parquet => "format: parquet".to_string(),
            Layout::Sheet { sheet } => format!("format: spreadsheet, sheet '{sheet}' (--sheet NAME for another)"),
        },
        format!(
            "source: {} · header rows: {} · map columns by name{}",
            data.export.name(),
            data.header_rows,
            if detailed { ", import id or question text (--col nps=QID7)" } else { "" }
        ),
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
    emit(&report, format, args.output.output.as_deref(), &mut *io.stdout)
}
