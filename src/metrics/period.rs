//! Periods of time: the `--period` granularities, each period's position on a time line (an
//! index: consecutive periods differ by 1), its label, and the spans a scorecard covers. Every
//! command that groups or compares by period uses these, so a month is the same everywhere.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// Time granularity for `--period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// ISO 8601 week, labelled like 2026-W40.
    Week,
    Month,
    Quarter,
    Year,
}

impl Period {
    /// Every granularity, finest first.
    pub const ALL: [Period; 5] = [Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year];

    /// The name of the granularity, as `--period` takes it ("month").
    /// The most days a period of this kind has (366 for a leap year).
    pub fn max_days(self) -> u32 {
        match self {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 31,
            Period::Quarter => 92,
            Period::Year => 366,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// The granularity named `name` (as [`Period::name`] writes it), if any.
    pub fn from_name(name: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.name() == name)
    }

    /// How many periods back the same period a year before lies: 12 months, 4 quarters, 1 year,
    /// 52 weeks or 364 days (the same weekday).
    pub fn per_year(self) -> i64 {
        match self {
            Period::Day => 364,
            Period::Week => 52,
            Period::Month => 12,
            Period::Quarter => 4,
            Period::Year => 1,
        }
    }
}

/// A period's position on a time line (consecutive periods differ by 1), for a Date expression:
/// days, ISO weeks (Monday first), months, quarters or years.
pub fn period_index(date: Expr, period: Period) -> Expr {
    let day = date.clone().cast(DataType::Int64);
    match period {
        Period::Day => day,
        // Day 0 (1970-01-01) was a Thursday; shifted by whole weeks to keep `%` non-negative.
        Period::Week => {
            let shifted = day + lit(3 + 7 * 100_000i64);
            let monday_based = shifted.clone() - shifted % lit(7i64);
            (monday_based.cast(DataType::Float64) / lit(7.0)).cast(DataType::Int64) - lit(100_000i64)
        }
        Period::Month => date.clone().dt().year().cast(DataType::Int64) * lit(12i64) + date.dt().month().cast(DataType::Int64) - lit(1i64),
        Period::Quarter => {
            date.clone().dt().year().cast(DataType::Int64) * lit(4i64) + date.dt().quarter().cast(DataType::Int64) - lit(1i64)
        }
        Period::Year => date.dt().year().cast(DataType::Int64),
    }
}

/// [`period_index`] of dates between `first` and `last`: each day's index is computed once and
/// the rows look theirs up, faster than the calendar arithmetic on each row (BENCHMARKS.md, commit
/// 7cc4643). Falls back to [`period_index`] for a span above 100,000 days.
pub fn period_index_between(date: Expr, period: Period, first: NaiveDate, last: NaiveDate) -> Expr {
    let days = (last - first).num_days();
    if !(0..=100_000).contains(&days) {
        return period_index(date, period);
    }
    let table: Vec<i64> = first.iter_days().take(days as usize + 1).map(|d| period_index_of(d, period)).collect();
    let offset = (date.cast(DataType::Int32) - lit(first.to_epoch_days())).cast(IDX_DTYPE);
    lit(Series::new("__periods".into(), table)).gather(offset, true)
}

/// The period index of one date, as [`period_index`] computes it.
pub fn period_index_of(d: NaiveDate, period: Period) -> i64 {
    let day = i64::from(d.to_epoch_days());
    match period {
        Period::Day => day,
        Period::Week => (day + 3).div_euclid(7),
        Period::Month => i64::from(d.year()) * 12 + i64::from(d.month0()),
        Period::Quarter => i64::from(d.year()) * 4 + i64::from(d.month0() / 3),
        Period::Year => i64::from(d.year()),
    }
}

/// The label of the period at `index` (see [`period_index`]): 2026-10-03, 2026-W40 (ISO week), 2026-10, 2026-Q4, 2026.
pub fn index_label(index: i64, period: Period) -> String {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    match period {
        Period::Day => (epoch + chrono::Duration::days(index)).format("%Y-%m-%d").to_string(),
        Period::Week => (epoch + chrono::Duration::days(index * 7 - 3)).format("%G-W%V").to_string(),
        Period::Month => format!("{}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
        Period::Quarter => format!("{}-Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
        Period::Year => index.to_string(),
    }
}

/// The period index of a label made by [`index_label`] (None for anything else).
pub fn label_index(label: &str, period: Period) -> Option<i64> {
    let number = |s: &str| s.parse::<i64>().ok();
    match period {
        Period::Day => {
            let d = NaiveDate::parse_from_str(label, "%Y-%m-%d").ok()?;
            Some(i64::from(d.to_epoch_days()))
        }
        Period::Week => {
            let (year, week) = label.split_once("-W")?;
            let monday = NaiveDate::from_isoywd_opt(number(year)? as i32, number(week)? as u32, chrono::Weekday::Mon)?;
            Some(i64::from(monday.to_epoch_days()).div_euclid(7) + 1)
        }
        Period::Month => {
            let (year, month) = label.split_once('-')?;
            let m = number(month)?;
            if !(1..=12).contains(&m) {
                return None;
            }
            Some(number(year)? * 12 + m - 1)
        }
        Period::Quarter => {
            let (year, q) = label.split_once("-Q")?;
            let q = number(q)?;
            if !(1..=4).contains(&q) {
                return None;
            }
            Some(number(year)? * 4 + q - 1)
        }
        Period::Year => number(label),
    }
}

/// One period of a granularity, by its index: the month or quarter a scorecard covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub period: Period,
    pub index: i64,
}

impl Span {
    /// The period of `period` that holds `date`.
    pub fn containing(date: NaiveDate, period: Period) -> Span {
        Span { period, index: period_index_of(date, period) }
    }

    /// The label: 2026-10 or 2026-Q3.
    pub fn label(self) -> String {
        index_label(self.index, self.period)
    }

    /// Its first day.
    pub fn start(self) -> NaiveDate {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let (year, month0) = match self.period {
            Period::Day => return epoch + chrono::Duration::days(self.index),
            Period::Week => return epoch + chrono::Duration::days(self.index * 7 - 3),
            Period::Month => (self.index.div_euclid(12), self.index.rem_euclid(12)),
            Period::Quarter => (self.index.div_euclid(4), self.index.rem_euclid(4) * 3),
            Period::Year => (self.index, 0),
        };
        NaiveDate::from_ymd_opt(year as i32, month0 as u32 + 1, 1).expect("first of a month")
    }

    /// Its last day.
    pub fn end(self) -> NaiveDate {
        Span { index: self.index + 1, ..self }.start().pred_opt().expect("day before")
    }

    /// The period before.
    pub fn previous(self) -> Span {
        Span { index: self.index - 1, ..self }
    }

    /// The same period a year before ([`Period::per_year`] periods back).
    pub fn year_ago(self) -> Span {
        Span { index: self.index - self.period.per_year(), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The label of a date's period, formatted per row (what [`index_label`] must agree with): 2026-10-03, 2026-W40 (ISO week), 2026-10, 2026-Q4, 2026.
    fn period_label(date: Expr, period: Period) -> Expr {
        match period {
            Period::Day => date.dt().strftime("%Y-%m-%d"),
            Period::Week => date.dt().strftime("%G-W%V"),
            Period::Month => date.dt().strftime("%Y-%m"),
            Period::Quarter => concat_str(
                [date.clone().dt().year().cast(DataType::String), lit("-Q"), date.dt().quarter().cast(DataType::String)],
                "",
                false,
            ),
            Period::Year => date.dt().strftime("%Y"),
        }
    }

    #[test]
    fn period_indexes_and_labels_agree() {
        let dates = ["2026-01-01", "2025-12-29", "2026-10-31", "2020-02-29", "1969-12-31"];
        let s = Series::new("d".into(), dates.to_vec()).cast(&DataType::Date).unwrap();
        let df = DataFrame::new(s.len(), vec![s.into()]).unwrap();
        for period in [Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year] {
            let out = df
                .clone()
                .lazy()
                .select([period_index(col("d"), period).alias("i"), period_label(col("d"), period).alias("l")])
                .collect()
                .unwrap();
            let (i, l) = (out.column("i").unwrap().i64().unwrap(), out.column("l").unwrap().str().unwrap());
            for (k, date) in dates.iter().enumerate() {
                assert_eq!(index_label(i.get(k).unwrap(), period), l.get(k).unwrap(), "{period:?} {date}");
            }
        }
        // Consecutive: 2025-12-29 (Monday of ISO week 2026-W01) and 2026-01-01 share a week;
        // October 2026 is month 2026×12 + 9.
        assert_eq!(index_label(2026 * 12 + 9, Period::Month), "2026-10");
        for period in [Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year] {
            for index in [0, 1, 2_930, 20_000, 24_321] {
                let label = index_label(index, period);
                assert_eq!(label_index(&label, period), Some(index), "{period:?} {label}");
            }
        }
        assert_eq!(label_index("2026-13", Period::Month), None);
        assert_eq!(index_label(2026 * 4 + 3, Period::Quarter), "2026-Q4");
    }

    #[test]
    fn period_lookup_equals_the_calendar() {
        // Every day from 1969-12-20 to 2028-03-05 (leap days, the epoch, year ends), and a null,
        // in an order of their own: the lookup gives what the arithmetic gives.
        let first = NaiveDate::from_ymd_opt(1969, 12, 20).unwrap();
        let last = NaiveDate::from_ymd_opt(2028, 3, 5).unwrap();
        let mut days: Vec<Option<i32>> = first.iter_days().take_while(|d| *d <= last).map(|d| Some(d.to_epoch_days())).collect();
        days.reverse();
        days.insert(7, None);
        let s = Series::new("d".into(), days).cast(&DataType::Date).unwrap();
        let df = DataFrame::new(s.len(), vec![s.into()]).unwrap();
        for period in [Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year] {
            let out = df
                .clone()
                .lazy()
                .select([
                    period_index(col("d"), period).alias("calendar"),
                    period_index_between(col("d"), period, first, last).cast(DataType::Int64).alias("lookup"),
                ])
                .collect()
                .unwrap();
            assert!(out.column("calendar").unwrap().equals_missing(out.column("lookup").unwrap()), "{period:?}");
            assert_eq!(out.column("lookup").unwrap().null_count(), 1, "{period:?}");
        }
    }

    #[test]
    fn period_index_of_matches_labels() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        for p in [Period::Day, Period::Week, Period::Month, Period::Quarter, Period::Year] {
            let label = index_label(period_index_of(d, p), p);
            let want = match p {
                Period::Day => "2026-10-31",
                Period::Week => "2026-W44",
                Period::Month => "2026-10",
                Period::Quarter => "2026-Q4",
                Period::Year => "2026",
            };
            assert_eq!(label, want);
        }
    }

    #[test]
    fn names_round_trip() {
        for p in Period::ALL {
            assert_eq!(Period::from_name(p.name()), Some(p));
            assert_eq!(clap::ValueEnum::to_possible_value(&p).unwrap().get_name(), p.name());
        }
        assert_eq!(Period::from_name("fortnight"), None);
    }

    #[test]
    fn spans_of_every_granularity() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // October 2026: the 1st to the 31st; Q3 2026: July to September; 2024: a leap year.
        let m = Span::containing(d("2026-10-17"), Period::Month);
        assert_eq!((m.label(), m.start(), m.end()), ("2026-10".to_string(), d("2026-10-01"), d("2026-10-31")));
        assert_eq!((m.previous().label(), m.year_ago().label()), ("2026-09".to_string(), "2025-10".to_string()));
        let q = Span::containing(d("2026-08-01"), Period::Quarter);
        assert_eq!((q.label(), q.start(), q.end()), ("2026-Q3".to_string(), d("2026-07-01"), d("2026-09-30")));
        let y = Span::containing(d("2024-06-01"), Period::Year);
        assert_eq!((y.start(), y.end()), (d("2024-01-01"), d("2024-12-31")));
        // ISO week 2026-W44 runs Monday 26 October to Sunday 1 November.
        let w = Span::containing(d("2026-10-31"), Period::Week);
        assert_eq!((w.label(), w.start(), w.end()), ("2026-W44".to_string(), d("2026-10-26"), d("2026-11-01")));
        let day = Span::containing(d("2026-02-28"), Period::Day);
        assert_eq!((day.start(), day.end(), day.year_ago().label()), (d("2026-02-28"), d("2026-02-28"), "2025-03-01".to_string()));
    }
}
