//! Durations in working time: `--business-hours 09:00-18:00 --workdays mon-fri` plus holidays
//! (and make-up working days) from the config.
//!
//! Vectorised with a "working clock": W(t) is the working time from a fixed origin to t, so the
//! working time between a and b is W(b) − W(a). W(t) is the working days before t's day times the
//! day's length, plus the part of t's day already worked. Working days before day d are counted in
//! whole weeks plus the weekdays before d's weekday, minus holidays before d, plus make-up days.

use anyhow::Result;
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use polars::prelude::*;

use crate::error::usage;

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: f64 = 3_600_000.0;
/// Whole weeks added so that day numbers before 1970 stay positive in the weekday arithmetic.
const WEEK_SHIFT: i64 = 100_000;

/// Working hours, working weekdays and exceptions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkCalendar {
    /// Start and end of the working day, in milliseconds after midnight (start < end).
    pub start_ms: i64,
    pub end_ms: i64,
    /// Monday first.
    pub workdays: [bool; 7],
    /// Days off that would otherwise be working days.
    pub holidays: Vec<NaiveDate>,
    /// Working days that would otherwise be days off (e.g. make-up Saturdays).
    pub extra_workdays: Vec<NaiveDate>,
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn parse_time(text: &str) -> Option<i64> {
    let t = text.trim();
    let time = if t == "24:00" { return Some(DAY_MS) } else { NaiveTime::parse_from_str(t, "%H:%M").ok()? };
    Some(i64::from(time.num_seconds_from_midnight()) * 1000)
}

use chrono::Timelike;

fn weekday_index(text: &str) -> Option<usize> {
    let t = text.trim().to_lowercase();
    WEEKDAYS.iter().position(|w| t.starts_with(w))
}

/// Working hours `09:00-18:00` as their start and end in milliseconds after midnight (start
/// before end; `24:00` ends the day).
pub fn parse_hours(text: &str) -> Option<(i64, i64)> {
    let (a, b) = text.split_once('-')?;
    let (start_ms, end_ms) = (parse_time(a)?, parse_time(b)?);
    (start_ms < end_ms).then_some((start_ms, end_ms))
}

/// Working days `mon-fri` (a range wraps past Sunday) or a list such as `mon,tue,sat`, Monday
/// first; at least one.
pub fn parse_workdays(text: &str) -> Option<[bool; 7]> {
    let mut days = [false; 7];
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((x, y)) => {
                let (x, y) = (weekday_index(x)?, weekday_index(y)?);
                let mut d = x;
                loop {
                    days[d] = true;
                    if d == y {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days[weekday_index(part)?] = true,
        }
    }
    days.iter().any(|d| *d).then_some(days)
}

impl WorkCalendar {
    /// The calendar of working `hours` ([`parse_hours`]) on `days` ([`parse_workdays`]), with
    /// holidays and extra working days as YYYY-MM-DD.
    pub fn new((start_ms, end_ms): (i64, i64), days: [bool; 7], holidays: &[String], extra: &[String]) -> Result<WorkCalendar> {
        let dates = |list: &[String], what: &str| -> Result<Vec<NaiveDate>> {
            list.iter()
                .map(|d| {
                    NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| usage(format!("{what}: '{d}' is not a date as YYYY-MM-DD")))
                })
                .collect()
        };
        let mut holidays = dates(holidays, "holidays")?;
        let mut extra_workdays = dates(extra, "extra_workdays")?;
        // Only exceptions that change something count.
        holidays.retain(|d| days[d.weekday().num_days_from_monday() as usize]);
        extra_workdays.retain(|d| !days[d.weekday().num_days_from_monday() as usize]);
        holidays.sort();
        holidays.dedup();
        extra_workdays.sort();
        extra_workdays.dedup();
        Ok(WorkCalendar { start_ms, end_ms, workdays: days, holidays, extra_workdays })
    }

    fn day_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// The working clock W(t) in milliseconds, for a Datetime(ms) expression.
    fn clock(&self, t: Expr) -> Expr {
        // Shifted by whole weeks so that every value is positive and `%` is a plain remainder.
        let ms = t.cast(DataType::Int64) + lit(WEEK_SHIFT * 7 * DAY_MS);
        let time_of_day = ms.clone() % lit(DAY_MS);
        let day = exact_div(ms - time_of_day.clone(), DAY_MS);
        // 1970-01-01 was a Thursday: weekday (Monday = 0) is (day + 3) mod 7.
        let weekday = (day.clone() + lit(3i64)) % lit(7i64);
        let weeks = exact_div(day.clone() + lit(3i64) - weekday.clone(), 7) - lit(WEEK_SHIFT);
        let per_week = self.workdays.iter().filter(|d| **d).count() as i64;
        let mut before = weeks * lit(per_week);
        let mut working = lit(false);
        for (w, on) in self.workdays.iter().enumerate() {
            if *on {
                before = before + weekday.clone().gt(lit(w as i64)).cast(DataType::Int64);
                working = working.or(weekday.clone().eq(lit(w as i64)));
            }
        }
        for h in &self.holidays {
            let h = i64::from(h.to_epoch_days()) + 7 * WEEK_SHIFT;
            before = before - day.clone().gt(lit(h)).cast(DataType::Int64);
            working = working.and(day.clone().neq(lit(h)));
        }
        for e in &self.extra_workdays {
            let e = i64::from(e.to_epoch_days()) + 7 * WEEK_SHIFT;
            before = before + day.clone().gt(lit(e)).cast(DataType::Int64);
            working = working.or(day.clone().eq(lit(e)));
        }
        let into_day = time_of_day - lit(self.start_ms);
        let worked = when(into_day.clone().lt(lit(0i64)))
            .then(lit(0i64))
            .when(into_day.clone().gt(lit(self.day_ms())))
            .then(lit(self.day_ms()))
            .otherwise(into_day);
        before * lit(self.day_ms()) + when(working).then(worked).otherwise(lit(0i64))
    }

    /// Working hours from `a` to `b` (Datetime(ms) expressions); negative when b is before a.
    pub fn hours_between(&self, a: Expr, b: Expr) -> Expr {
        (self.clock(b) - self.clock(a)).cast(DataType::Float64) / lit(HOUR_MS)
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.extra_workdays.contains(&date) {
            return true;
        }
        self.workdays[date.weekday().num_days_from_monday() as usize] && !self.holidays.contains(&date)
    }

    /// Working hours from `a` to `b` day by day: the plain definition that [`hours_between`]
    /// must agree with (used in tests).
    pub fn hours_between_by_days(&self, a: NaiveDateTime, b: NaiveDateTime) -> f64 {
        let (lo, hi, sign) = if a <= b { (a, b, 1.0) } else { (b, a, -1.0) };
        let mut total = 0i64;
        let mut day = lo.date();
        while day <= hi.date() {
            if self.is_working_day(day) {
                let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
                let open = midnight + chrono::Duration::milliseconds(self.start_ms);
                let close = midnight + chrono::Duration::milliseconds(self.end_ms);
                let (s, e) = (open.max(lo), close.min(hi));
                if e > s {
                    total += (e - s).num_milliseconds();
                }
            }
            day = day.succ_opt().expect("date in range");
        }
        sign * total as f64 / HOUR_MS
    }
}

/// `x / k` for an integer expression that `k` divides exactly (exact in f64 at these sizes).
fn exact_div(x: Expr, k: i64) -> Expr {
    (x.cast(DataType::Float64) / lit(k as f64)).cast(DataType::Int64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A calendar from the flags' text.
    fn parsed(hours: &str, days: &str, holidays: &[String], extra: &[String]) -> Option<Result<WorkCalendar>> {
        Some(WorkCalendar::new(parse_hours(hours)?, parse_workdays(days)?, holidays, extra))
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn calendar() -> WorkCalendar {
        // 2026-10-01 (Thursday) is a holiday; Saturday 2026-10-10 is a make-up working day.
        parsed("09:00-18:00", "mon-fri", &["2026-10-01".into()], &["2026-10-10".into()]).unwrap().unwrap()
    }

    /// Runs `hours_between` in polars on pairs of timestamps.
    fn polars_hours(cal: &WorkCalendar, pairs: &[(NaiveDateTime, NaiveDateTime)]) -> Vec<f64> {
        let ms = |v: Vec<NaiveDateTime>| {
            Series::new("x".into(), v.iter().map(|d| d.and_utc().timestamp_millis()).collect::<Vec<i64>>())
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap()
        };
        let a = ms(pairs.iter().map(|p| p.0).collect()).with_name("a".into());
        let b = ms(pairs.iter().map(|p| p.1).collect()).with_name("b".into());
        let df = DataFrame::new(pairs.len(), vec![a.into(), b.into()]).unwrap();
        let out = df.lazy().select([cal.hours_between(col("a"), col("b")).alias("h")]).collect().unwrap();
        let h = out.column("h").unwrap().f64().unwrap();
        (0..h.len()).map(|i| h.get(i).unwrap()).collect()
    }

    #[test]
    fn parses_calendars() {
        let c = calendar();
        assert_eq!((c.start_ms, c.end_ms), (9 * 3_600_000, 18 * 3_600_000));
        assert_eq!(c.workdays, [true, true, true, true, true, false, false]);
        let c = parsed("08:30-17:30", "sat-mon", &[], &[]).unwrap().unwrap();
        assert_eq!(c.workdays, [true, false, false, false, false, true, true]);
        assert!(parse_hours("18:00-09:00").is_none());
        assert!(parse_workdays("someday").is_none());
        assert!(parsed("09:00-18:00", "mon-fri", &["1 Oct".into()], &[]).unwrap().is_err());
    }

    #[test]
    fn across_a_weekend_and_a_holiday() {
        let c = calendar();
        let cases = [
            // Friday 2026-10-02 17:00 → Monday 10-05 10:00: 1 h on Friday + 1 h on Monday = 2 h.
            (dt("2026-10-02 17:00"), dt("2026-10-05 10:00"), 2.0),
            // Wednesday 09-30 16:00 → Friday 10-02 10:00: 2 h Wed, Thursday is a holiday, 1 h Fri = 3 h.
            (dt("2026-09-30 16:00"), dt("2026-10-02 10:00"), 3.0),
            // Opened Saturday 10-03 at noon, answered Monday 10-05 09:30: the clock starts Monday 09:00 = 0.5 h.
            (dt("2026-10-03 12:00"), dt("2026-10-05 09:30"), 0.5),
            // Friday 10-09 18:30 → Monday 10-12 09:00: Saturday 10-10 is a make-up day = 9 h.
            (dt("2026-10-09 18:30"), dt("2026-10-12 09:00"), 9.0),
            // Same day, before opening to after closing: the whole 9 h day.
            (dt("2026-10-06 07:00"), dt("2026-10-06 20:00"), 9.0),
            // Monday 10-05 10:00 → Monday 10-12 10:00: 5 working days × 9 h, plus the make-up Saturday = 54 h.
            (dt("2026-10-05 10:00"), dt("2026-10-12 10:00"), 54.0),
            // Backwards: negative.
            (dt("2026-10-05 10:00"), dt("2026-10-02 17:00"), -2.0),
        ];
        let pairs: Vec<_> = cases.iter().map(|(a, b, _)| (*a, *b)).collect();
        let got = polars_hours(&c, &pairs);
        for ((a, b, want), got) in cases.iter().zip(got) {
            assert!((got - want).abs() < 1e-12, "{a} → {b}: got {got}, want {want}");
            assert!((c.hours_between_by_days(*a, *b) - want).abs() < 1e-12);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn clock_agrees_with_day_by_day(a in 0i64..(60 * 24 * 120), len in 0i64..(60 * 24 * 40)) {
            let origin = dt("2026-08-20 00:00");
            let start = origin + chrono::Duration::minutes(a);
            let end = start + chrono::Duration::minutes(len);
            let c = calendar();
            let got = polars_hours(&c, &[(start, end)])[0];
            prop_assert!((got - c.hours_between_by_days(start, end)).abs() < 1e-9);
        }
    }
}
