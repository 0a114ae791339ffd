//! Value parsers: each flag's text becomes its typed, checked value while the command line is
//! parsed, before any input is opened. The domain parsers live beside their types; these say
//! what a flag takes, and clap names the flag and exits with the usage code (2).
//!
//! Config files give some of the same settings as text; the commands read those with the same
//! parsers ([`in_config`]), so a value means the same wherever it is written.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use crate::input::clean::{parse_duration, Scale};
use crate::input::source::Delimiter;
use crate::metrics::period::Period;
use crate::metrics::worktime::{parse_hours, parse_workdays};
use crate::report::kpis::KPIS;

/// An answer scale, `LOW-HIGH`.
pub fn scale(text: &str) -> Result<Scale, String> {
    Scale::parse(text)
        .ok_or_else(|| "expected LOW-HIGH with whole numbers, low below high, at most 1,001 points (e.g. 1-5, 0-10, 0-100)".to_string())
}

/// An NPS scale: 0-10, or 1-10 (the same bands without a 0).
pub fn nps_scale(text: &str) -> Result<Scale, String> {
    scale(text).ok().filter(|s| s.high == 10 && (s.low == 0 || s.low == 1)).ok_or_else(|| "expected 0-10 or 1-10".to_string())
}

/// A number of header rows: at least one, which names the columns.
pub fn header_rows(text: &str) -> Result<usize, String> {
    text.trim().parse::<usize>().map_err(|_| "expected a number of rows (0 for a file without a header row)".to_string())
}

/// A period granularity by its name: day, week, month, quarter or year.
pub fn period(text: &str) -> Result<Period, String> {
    Period::from_name(&text.trim().to_ascii_lowercase()).ok_or_else(|| "expected day, week, month, quarter or year".to_string())
}

/// A percentage from 0 to 100.
pub fn percent(text: &str) -> Result<f64, String> {
    text.trim()
        .trim_end_matches('%')
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| "expected a percentage from 0 to 100".to_string())
}

/// A confidence level, strictly between 0 and 1.
pub fn confidence(text: &str) -> Result<f64, String> {
    level(text, "a confidence level between 0 and 1, e.g. 0.95")
}

/// A significance level, strictly between 0 and 1.
pub fn alpha(text: &str) -> Result<f64, String> {
    level(text, "a significance level between 0 and 1, e.g. 0.05")
}

/// A share written as a percentage (`10%`) or a fraction (`0.1`).
fn share(text: &str) -> Option<f64> {
    let t = text.trim();
    match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
        None => t.parse::<f64>().ok(),
    }
    .filter(|v| v.is_finite())
}

/// An annual discount rate: `10%` or `0.1`, from 0 up to 100%.
pub fn rate(text: &str) -> Result<f64, String> {
    share(text).filter(|r| (0.0..=1.0).contains(r)).ok_or_else(|| "expected a rate such as 10% or 0.1 (0 to 100%)".to_string())
}

/// A profit margin: `30%`, `0.3` or `1` (the spend itself), above 0 and at most 100%.
pub fn margin(text: &str) -> Result<f64, String> {
    share(text).filter(|m| *m > 0.0 && *m <= 1.0).ok_or_else(|| "expected a margin such as 30% or 0.3 (above 0, at most 1)".to_string())
}

/// The top and bottom tiers' shares of customers, `20,20` (percent): each above 0, together
/// below 100.
pub fn tiers(text: &str) -> Result<(f64, f64), String> {
    let parts: Vec<Option<f64>> = text.split(',').map(|p| p.trim().trim_end_matches('%').parse::<f64>().ok()).collect();
    match parts.as_slice() {
        [Some(top), Some(bottom)] if *top > 0.0 && *bottom > 0.0 && top + bottom < 100.0 => Ok((top / 100.0, bottom / 100.0)),
        _ => Err("expected the top and bottom tiers' percentages of customers, e.g. 20,20 (each above 0, together below 100)".to_string()),
    }
}

fn level(text: &str, what: &str) -> Result<f64, String> {
    text.trim().parse::<f64>().ok().filter(|c| *c > 0.0 && *c < 1.0).ok_or_else(|| format!("expected {what}"))
}

/// Years a flag may name: four digits, so that date arithmetic on them (windows, a year back)
/// cannot leave the calendar.
pub const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// A day, `YYYY-MM-DD` (or `YYYY/MM/DD`), in a four-digit year.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text.trim(), "%Y/%m/%d"))
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| "expected a date as YYYY-MM-DD (years 1000 to 9999)".to_string())
}

/// A moment, `YYYY-MM-DD[ HH:MM[:SS]]`; a day alone means the end of that day.
pub fn datetime(text: &str) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, format) {
            if !YEARS.contains(&d.year()) {
                break;
            }
            return Ok(d);
        }
    }
    let d = date(t).map_err(|_| "expected YYYY-MM-DD[ HH:MM[:SS]] (years 1000 to 9999)".to_string())?;
    Ok(d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).expect("midnight"))
}

/// The longest duration a flag takes: 100 years of days.
pub const MAX_DAYS: f64 = 36_525.0;

/// An SLA target in hours: `4h`, `30m`, `3d` (a bare number is hours); at most 100 years.
pub fn hours(text: &str) -> Result<f64, String> {
    parse_duration(text, 'h')
        .filter(|s| *s <= MAX_DAYS * 86_400.0)
        .map(|s| s / 3600.0)
        .ok_or_else(|| "expected a duration such as 4h, 30m or 3d (at most 100 years)".to_string())
}

/// A window of whole days: `90d`, `26w`, or a bare number of days; from one day to 100 years.
pub fn days(text: &str) -> Result<i64, String> {
    parse_duration(text, 'd')
        .map(|s| (s / 86_400.0).round())
        .filter(|d| (1.0..=MAX_DAYS).contains(d))
        // In range, so the conversion is exact.
        .map(|d| d as i64)
        .ok_or_else(|| "expected a number of days such as 90d or 26w (from 1 day to 100 years, 36525d)".to_string())
}

/// Working hours, `HH:MM-HH:MM`: their start and end in milliseconds after midnight.
pub fn business_hours(text: &str) -> Result<(i64, i64), String> {
    parse_hours(text).ok_or_else(|| "expected HH:MM-HH:MM, e.g. 09:00-18:00".to_string())
}

/// Working days, `mon-fri` or a list such as `mon,tue,sat` (Monday first).
pub fn workdays(text: &str) -> Result<[bool; 7], String> {
    parse_workdays(text).ok_or_else(|| "expected days such as mon-fri or mon,tue,sat".to_string())
}

/// A field delimiter: one ASCII character, `tab` or `\t`.
pub fn delimiter(text: &str) -> Result<Delimiter, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(Delimiter::Char(b'\t')),
        "whitespace" | "space" => Ok(Delimiter::Whitespace),
        v if v.len() == 1 && v.is_ascii() => Ok(Delimiter::Char(v.as_bytes()[0])),
        _ => Err("expected one ASCII character, 'tab' or 'whitespace'".to_string()),
    }
}

/// A text encoding's label: `utf-8`, `gbk`, `gb18030`, `big5`, `utf-16le` …
pub fn encoding(text: &str) -> Result<&'static encoding_rs::Encoding, String> {
    encoding_rs::Encoding::for_label(text.trim().as_bytes())
        .ok_or_else(|| "is not an encoding (try utf-8, gbk, gb18030, big5, utf-16le)".to_string())
}

/// A column mapping, `ROLE=HEADER` (the role is checked against the command's roles later).
pub fn mapping(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((role, header)) if !role.trim().is_empty() && !header.trim().is_empty() => Ok(text.to_string()),
        _ => Err("expected ROLE=HEADER, e.g. csat=\"Overall satisfaction\"".to_string()),
    }
}

/// An alert threshold, `KPI=NUMBER`, on a KPI of the scorecard.
pub fn threshold(text: &str) -> Result<(String, f64), String> {
    let (kpi, value) = text
        .split_once('=')
        .and_then(|(k, v)| v.trim().parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (k.trim().to_ascii_lowercase(), v)))
        .ok_or_else(|| "expected KPI=NUMBER, e.g. nps=30".to_string())?;
    known_kpi(&kpi)?;
    Ok((kpi, value))
}

/// Checks that `kpi` names a scorecard KPI.
pub fn known_kpi(kpi: &str) -> Result<(), String> {
    if KPIS.iter().any(|k| k.0 == kpi) {
        return Ok(());
    }
    let keys: Vec<&str> = KPIS.iter().map(|k| k.0).collect();
    Err(format!("unknown KPI '{kpi}'; KPIs are {}", keys.join(", ")))
}

/// A period of the scorecard: `last` (the last complete one), or one by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Last,
    Index(i64),
}

/// A scorecard month: `YYYY-MM` as its month index (year × 12 + month − 1), or `last`.
pub fn month(text: &str) -> Result<Chosen, String> {
    span(text, "expected YYYY-MM or 'last'", |part| part.parse::<i64>().ok().filter(|m| (1..=12).contains(m)).map(|m| (12, m)))
}

/// A scorecard quarter: `YYYY-Qn` as its quarter index (year × 4 + n − 1), or `last`.
pub fn quarter(text: &str) -> Result<Chosen, String> {
    span(text, "expected YYYY-Qn or 'last'", |part| {
        let n = part.strip_prefix(['Q', 'q'])?.parse::<i64>().ok()?;
        (1..=4).contains(&n).then_some((4, n))
    })
}

fn span(text: &str, what: &str, part: impl Fn(&str) -> Option<(i64, i64)>) -> Result<Chosen, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("last") {
        return Ok(Chosen::Last);
    }
    let (year, rest) = text.split_once('-').ok_or_else(|| what.to_string())?;
    let year: i32 = year.parse().ok().filter(|y| YEARS.contains(y)).ok_or_else(|| format!("{what} (years 1000 to 9999)"))?;
    let year = i64::from(year);
    let (per_year, n) = part(rest).ok_or_else(|| what.to_string())?;
    Ok(Chosen::Index(year * per_year + n - 1))
}

/// A config setting read with a flag's parser: its error names the setting.
pub fn in_config<T>(parse: fn(&str) -> Result<T, String>, setting: &str, text: &str) -> anyhow::Result<T> {
    parse(text).map_err(|e| crate::error::usage(format!("config {setting}: {e}; got '{text}'")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_typed_values() {
        assert_eq!(scale("1-7"), Ok(Scale { low: 1, high: 7 }));
        assert_eq!((period("Quarter"), period("fortnight").is_err()), (Ok(Period::Quarter), true));
        assert_eq!((percent("12.5"), percent("100%"), percent("101").is_err()), (Ok(12.5), Ok(100.0), true));
        assert_eq!(
            (nps_scale("1-10"), nps_scale("0..10").is_ok(), nps_scale("1-5").is_err()),
            (Ok(Scale { low: 1, high: 10 }), true, true)
        );
        assert!(scale("7-1").is_err());
        assert_eq!((confidence("0.9"), confidence("95").is_err(), confidence("1").is_err()), (Ok(0.9), true, true));
        assert_eq!(date("2026/10/03"), Ok(NaiveDate::from_ymd_opt(2026, 10, 3).unwrap()));
        assert!(date("2026-13-01").is_err());
        // A day alone is the end of that day.
        assert_eq!(datetime("2026-10-31").unwrap().to_string(), "2026-11-01 00:00:00");
        assert_eq!(datetime("2026-10-31 12:30").unwrap().to_string(), "2026-10-31 12:30:00");
        assert_eq!((hours("30m"), hours("2"), hours("4x").is_err()), (Ok(0.5), Ok(2.0), true));
        assert_eq!((days("26w"), days("90"), days("0d").is_err()), (Ok(182), Ok(90), true));
        assert_eq!(business_hours("09:00-18:00"), Ok((9 * 3_600_000, 18 * 3_600_000)));
        assert!(business_hours("25:00-18:00").is_err());
        assert_eq!(workdays("sat-mon"), Ok([true, false, false, false, false, true, true]));
        assert_eq!(
            (delimiter("tab"), delimiter(";"), delimiter("ab").is_err()),
            (Ok(Delimiter::Char(b'\t')), Ok(Delimiter::Char(b';')), true)
        );
        assert_eq!(delimiter("whitespace"), Ok(Delimiter::Whitespace));
        assert!(encoding("gbk").is_ok() && encoding("klingon").is_err());
        assert!(mapping("csat=Q1").is_ok() && mapping("csat").is_err() && mapping("=Q1").is_err());
        assert_eq!(threshold(" NPS = 30"), Ok(("nps".to_string(), 30.0)));
        assert!(threshold("bogus=1").unwrap_err().contains("unknown KPI 'bogus'"));
        assert_eq!((header_rows("2"), header_rows("0"), header_rows("x").is_err()), (Ok(2), Ok(0), true));
        assert_eq!(
            (month("2026-10"), month("last"), month("2026-13").is_err()),
            (Ok(Chosen::Index(2026 * 12 + 9)), Ok(Chosen::Last), true)
        );
        let q = |n: i64| Ok(Chosen::Index(2026 * 4 + n));
        assert_eq!((quarter("2026-Q1"), quarter("2026-q4"), quarter("2026-5").is_err()), (q(0), q(3), true));
    }
}
