//! Date and number parsing: any lines as the values of one column, read as dates (either
//! order), timestamps, amounts (either decimal mark), numbers, scores and yes/no answers, and
//! the first line through every flag parser.
#![no_main]

use cxstat::cli::values;
use cxstat::input::clean::{self, DateOrder, Scale};
use libfuzzer_sys::fuzz_target;
use polars::prelude::*;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::one_thread();
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.split('\n').take(64).collect();
    let first = lines[0];
    // Flag parsers: an error is a message, never a panic.
    let _ = values::scale(first);
    let _ = values::nps_scale(first);
    let _ = values::header_rows(first);
    let _ = values::period(first);
    let _ = values::percent(first);
    let _ = values::confidence(first);
    let _ = values::alpha(first);
    let _ = values::date(first);
    let _ = values::datetime(first);
    let _ = values::hours(first);
    let _ = values::days(first);
    let _ = values::business_hours(first);
    let _ = values::workdays(first);
    let _ = values::delimiter(first);
    let _ = values::encoding(first);
    let _ = values::mapping(first);
    let _ = values::threshold(first);
    let _ = values::month(first);
    let _ = values::quarter(first);
    let _ = clean::parse_duration(first, 'h');
    let _ = clean::parse_duration(first, 'd');
    // The column parsers, as one lazy query over the lines.
    let column = Column::new("v".into(), lines.clone());
    let Ok(frame) = DataFrame::new(lines.len(), vec![column]) else { return };
    let na = vec!["N/A".to_string(), "-".to_string()];
    let parsed = [
        clean::date_in("v", None),
        clean::date_in("v", Some(DateOrder::Dmy)),
        clean::date_in("v", Some(DateOrder::Mdy)),
        clean::datetime_in("v", None),
        clean::datetime_in("v", Some(DateOrder::Dmy)),
        clean::amount_in("v", false),
        clean::amount_in("v", true),
        clean::number_in("v", &na, false),
        clean::number_in("v", &na, true),
        clean::score("v", Scale { low: 0, high: 10 }, &na, None),
        clean::boolean("v"),
    ];
    let exprs: Vec<Expr> = parsed
        .into_iter()
        .enumerate()
        .flat_map(|(i, c)| [c.value.alias(format!("value{i}")), c.invalid.alias(format!("invalid{i}"))])
        .collect();
    // A polars error is allowed here (a type the expression refuses); a panic is not.
    let _ = frame.lazy().select(exprs).collect();
});
