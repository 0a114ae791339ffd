//! Validation as polars expressions: raw text columns become typed values plus an
//! "invalid" flag per row, vectorised. Blank and `--na-values` mean "not answered".

use polars::prelude::*;

/// An answer scale, inclusive at both ends (e.g. 1–5, 0–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub low: i64,
    pub high: i64,
}

impl Scale {
    /// Parses `LOW-HIGH`, e.g. `1-7` (also `1..7`, `1–7`), low below high.
    /// The most points a scale may have (0–1000 is the widest).
    pub const MAX_SCALE_POINTS: i64 = 1001;
    /// The largest end of a scale, either way.
    pub const MAX_SCALE_VALUE: i64 = 1_000_000;

    pub fn parse(text: &str) -> Option<Scale> {
        let parts: Vec<&str> = text.trim().split(['-', '–']).filter(|p| !p.is_empty()).collect();
        let parts: Vec<&str> = if parts.len() == 1 { text.trim().split("..").collect() } else { parts };
        let [low, high] = parts[..] else { return None };
        let (low, high): (i64, i64) = (low.trim().parse().ok()?, high.trim().parse().ok()?);
        // Bounded, because per-point tables are allocated from it: a scale of at most
        // MAX_SCALE_POINTS points within ±MAX_SCALE_VALUE.
        let fits = |v: i64| v.abs() <= Self::MAX_SCALE_VALUE;
        (low < high && fits(low) && fits(high) && high - low < Self::MAX_SCALE_POINTS).then_some(Scale { low, high })
    }

    /// Number of points on the scale.
    pub fn points(self) -> i64 {
        self.high - self.low + 1
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}–{}", self.low, self.high)
    }
}

/// A cleaned column: the typed value (null when blank or invalid) and whether the raw value was invalid.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub value: Expr,
    pub invalid: Expr,
}

/// The column as trimmed text (null stays null), whatever its stored type.
pub fn text(column: &str) -> Expr {
    col(column).cast(DataType::String).str().strip_chars(lit(NULL))
}

/// True where the raw value means "not answered": null, empty, or one of `na_values`
/// (matched as text, and as a number when the NA value is numeric, so `-99` also matches `-99.0`).
fn not_answered(t: Expr, na_values: &[String]) -> Expr {
    let mut blank = t.clone().is_null().or(t.clone().eq(lit("")).fill_null(lit(false)));
    for na in na_values {
        let na = na.trim();
        blank = blank.or(t.clone().eq(lit(na)).fill_null(lit(false)));
        if let Ok(number) = na.parse::<f64>() {
            blank = blank.or(t.clone().cast(DataType::Float64).eq(lit(number)).fill_null(lit(false)));
        }
    }
    blank
}

/// Answer wordings of the common 5-point scales (1–5), lower-case: satisfaction, agreement,
/// ease, in English and Chinese.
const FIVE_POINT: &[(&str, f64)] = &[
    ("very dissatisfied", 1.0),
    ("extremely dissatisfied", 1.0),
    ("dissatisfied", 2.0),
    ("somewhat dissatisfied", 2.0),
    ("neither satisfied nor dissatisfied", 3.0),
    ("neutral", 3.0),
    ("satisfied", 4.0),
    ("somewhat satisfied", 4.0),
    ("very satisfied", 5.0),
    ("extremely satisfied", 5.0),
    ("strongly disagree", 1.0),
    ("disagree", 2.0),
    ("neither agree nor disagree", 3.0),
    ("agree", 4.0),
    ("strongly agree", 5.0),
    ("very difficult", 1.0),
    ("difficult", 2.0),
    ("neither easy nor difficult", 3.0),
    ("easy", 4.0),
    ("very easy", 5.0),
    ("very poor", 1.0),
    ("poor", 2.0),
    ("fair", 3.0),
    ("good", 4.0),
    ("excellent", 5.0),
    ("非常不满意", 1.0),
    ("很不满意", 1.0),
    ("不满意", 2.0),
    ("比较不满意", 2.0),
    ("一般", 3.0),
    ("中立", 3.0),
    ("满意", 4.0),
    ("比较满意", 4.0),
    ("非常满意", 5.0),
    ("很满意", 5.0),
    ("非常不同意", 1.0),
    ("不同意", 2.0),
    ("同意", 4.0),
    ("非常同意", 5.0),
    ("非常困难", 1.0),
    ("困难", 2.0),
    ("容易", 4.0),
    ("非常容易", 5.0),
];

/// 7-point wordings (1–7): Qualtrics' satisfaction and agreement scales, the CES ease scale.
const SEVEN_POINT: &[(&str, f64)] = &[
    ("extremely dissatisfied", 1.0),
    ("moderately dissatisfied", 2.0),
    ("slightly dissatisfied", 3.0),
    ("neither satisfied nor dissatisfied", 4.0),
    ("slightly satisfied", 5.0),
    ("moderately satisfied", 6.0),
    ("extremely satisfied", 7.0),
    ("strongly disagree", 1.0),
    ("disagree", 2.0),
    ("somewhat disagree", 3.0),
    ("neither agree nor disagree", 4.0),
    ("somewhat agree", 5.0),
    ("agree", 6.0),
    ("strongly agree", 7.0),
    ("very difficult", 1.0),
    ("difficult", 2.0),
    ("somewhat difficult", 3.0),
    ("neither easy nor difficult", 4.0),
    ("somewhat easy", 5.0),
    ("easy", 6.0),
    ("very easy", 7.0),
    ("非常不同意", 1.0),
    ("不同意", 2.0),
    ("有点不同意", 3.0),
    ("一般", 4.0),
    ("有点同意", 5.0),
    ("同意", 6.0),
    ("非常同意", 7.0),
];

/// 0–10 likelihood ends (the points between are numbers, or labels with a leading number).
const ELEVEN_POINT: &[(&str, f64)] =
    &[("not at all likely", 0.0), ("extremely likely", 10.0), ("完全不可能", 0.0), ("非常可能", 10.0), ("极有可能", 10.0)];

/// The built-in wordings for a scale: 1–5, 1–7 and 0–10 have tables; other scales none.
pub fn builtin_labels(scale: Scale) -> &'static [(&'static str, f64)] {
    match (scale.low, scale.high) {
        (1, 5) => FIVE_POINT,
        (1, 7) => SEVEN_POINT,
        (0, 10) => ELEVEN_POINT,
        _ => &[],
    }
}

/// A leading number followed by a label: "9 - Very likely", "10 = Extremely likely", "5 (非常满意)".
const LEADING_NUMBER: &str = r"^(\d+(?:\.\d+)?)\s*(?:[-–—:=.)(（、]|\s)\s*\S";

/// A score on `scale`: whole numbers within the scale are valid (`4` and `4.0` alike); so are
/// labels with a leading number (`9 - Very likely` → 9) and answer wordings: `labels` (the
/// config's `[labels]`, first) and the built-in tables for the scale (`Very satisfied` → 5 on
/// 1–5, `非常满意` → 5). Other text, fractions and values outside the scale are invalid.
///
/// With `labels` `None`, only numbers are read, untrimmed (the fast path for numeric exports:
/// the caller reads the file again with labels when it finds invalid values).
pub fn score(column: &str, scale: Scale, na_values: &[String], labels: Option<&[(String, f64)]>) -> Cleaned {
    let (number, answered) = score_parts(column, na_values, labels, scale);
    score_from(number, answered, scale)
}

/// The two halves of [`score`]: the value read as a number (or null), and whether an answer
/// was given; [`score_from`] joins them. A caller can materialise the number once and refer to
/// it by name in the second step, rather than parsing the text twice.
pub fn score_parts(column: &str, na_values: &[String], labels: Option<&[(String, f64)]>, scale: Scale) -> (Expr, Expr) {
    let Some(labels) = labels else {
        let raw = col(column).cast(DataType::String);
        return (raw.clone().cast(DataType::Float64), not_answered(raw, na_values).not());
    };
    let t = text(column);
    let mut number = t.clone().cast(DataType::Float64);
    let lower = t.clone().str().to_lowercase();
    let leading = t.str().extract(lit(LEADING_NUMBER), 1).cast(DataType::Float64);
    // The config's labels first: a wording it names replaces the built-in one.
    let mut words: Vec<String> = Vec::new();
    let mut points: Vec<f64> = Vec::new();
    let wordings = labels.iter().map(|(l, v)| (l.trim().to_lowercase(), *v));
    for (label, value) in wordings.chain(builtin_labels(scale).iter().map(|(l, v)| (l.to_string(), *v))) {
        if !words.contains(&label) {
            words.push(label);
            points.push(value);
        }
    }
    number = number.fill_null(leading);
    if !words.is_empty() {
        // One hash lookup per row, whatever the number of wordings.
        let worded = lower.replace_strict(
            lit(Series::new("".into(), words)),
            lit(Series::new("".into(), points)),
            Some(lit(NULL).cast(DataType::Float64)),
            Some(DataType::Float64),
        );
        number = number.fill_null(worded);
    }
    (number, not_answered(text(column), na_values).not())
}

/// A score from its parts (see [`score_parts`]): valid when answered, whole and on the scale.
pub fn score_from(number: Expr, answered: Expr, scale: Scale) -> Cleaned {
    let valid = number
        .clone()
        .gt_eq(lit(scale.low as f64))
        .and(number.clone().lt_eq(lit(scale.high as f64)))
        .and((number.clone() % lit(1.0)).eq(lit(0.0)))
        .fill_null(lit(false));
    Cleaned {
        value: when(answered.clone().and(valid.clone())).then(number).otherwise(lit(NULL).cast(DataType::Float64)),
        invalid: answered.and(valid.not()),
    }
}

/// A number (any finite value, `4.5` and `-2` alike). Blank and `na_values` are not answered
/// (null, not invalid); text, `inf` and `NaN` are invalid.
pub fn number(column: &str, na_values: &[String]) -> Cleaned {
    let number = text(column).cast(DataType::Float64);
    let finite = number.clone().lt(lit(f64::INFINITY)).and(number.clone().gt(lit(f64::NEG_INFINITY))).fill_null(lit(false));
    let answered = not_answered(text(column), na_values).not();
    Cleaned {
        value: when(answered.clone().and(finite.clone())).then(number).otherwise(lit(NULL).cast(DataType::Float64)),
        invalid: answered.and(finite.not()),
    }
}

/// The date form a SQL engine reads (`cxstat sql`): `2026-10-03` at the start of the trimmed
/// text, alone or before `T` or a space. The queries and the check of a sample (what only
/// cxstat's own readers read) use this one pattern.
pub const SQL_DATE_FORM: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}($|[T ])";

/// The timestamp form a SQL engine reads: a date, then optionally `T` or a space and
/// `HH:MM[:SS]` (two digits each), then the end or one of `.,Zz+ -` (fractions of a second and
/// zones are not read). Its parts are at fixed places.
pub const SQL_TIMESTAMP_FORM: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?($|[.,Zz+ -])";

/// Matches `2026-10-03`, `2026/10/03`, `2026.10.3`, `2026年10月3日`, with any time after a space or `T`.
const DATE_PATTERN: &str = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:$|[T\s])";

/// A date from the forms above (the time of day, and any zone, is ignored: the date is taken as
/// written). Impossible dates such as 2026-02-30 are invalid.
pub fn date(column: &str) -> Cleaned {
    date_in(column, None)
}

/// The order of day and month in dates written with the year last (`10/03/2026`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DateOrder {
    /// Month first, as US exports write them (SurveyMonkey, Google Forms in US English).
    Mdy,
    /// Day first, as most other locales write them.
    Dmy,
}

/// Matches `10/03/2026`, `3.10.2026`, `10-3-2026`, with any time after a space or `T`.
const YEAR_LAST_PATTERN: &str = r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:$|[T\s])";

/// Dates with the month's name, day first: `22-Apr-15`, `22 April 2015`, `3.Okt.2026` is not
/// one (English names only). A two-digit year is 2000–2029 for 00–29, else 1930–1999 (Excel's
/// rule).
const NAMED_DAY_FIRST: &str = r"^(\d{1,2})[-\s/.]*([A-Za-z]{3,9})\.?[-\s/.,]*(\d{4}|\d{2})";

/// Dates with the month's name first: `Apr 22, 2015`, `April 22nd 2015`.
const NAMED_MONTH_FIRST: &str = r"^([A-Za-z]{3,9})\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})";

/// Compact dates, `19970101`: eight digits, year first.
const COMPACT: &str = r"^(\d{4})(\d{2})(\d{2})";

/// What may follow a date: the end, or a time after `T` or a space.
const DATE_END: &str = r"(?:$|[T\s])";

/// An optional time of day `HH:MM[:SS]` after a space or `T`, then the end or a fraction or zone.
const TIME_TAIL: &str = r"(?:(?:T|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?(?:$|[.,Zz+\-\s])";

/// The month numbered `01`–`12` from its English name or abbreviation (`Apr`, `april`,
/// `Sept`); null for any other word.
fn month_of_name(name: Expr) -> Expr {
    let names = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    let (mut words, mut numbers) = (Vec::new(), Vec::new());
    for (i, word) in names.iter().chain(&full).chain(&["sept"]).enumerate() {
        if !words.contains(word) {
            words.push(*word);
            numbers.push(format!("{:02}", if i < 24 { i % 12 + 1 } else { 9 }));
        }
    }
    name.str().to_lowercase().replace_strict(
        lit(Series::new("".into(), words)),
        lit(Series::new("".into(), numbers)),
        Some(lit(NULL).cast(DataType::String)),
        Some(DataType::String),
    )
}

/// A four-digit year from a year of two or four digits (see [`NAMED_DAY_FIRST`]).
fn full_year(year: Expr) -> Expr {
    let y = year.clone().cast(DataType::Int32);
    when(year.str().len_chars().eq(lit(2)))
        .then(when(y.clone().lt(lit(30))).then(y.clone() + lit(2000)).otherwise(y.clone() + lit(1900)))
        .otherwise(y)
        .cast(DataType::String)
}

/// A date form: its pattern, the positions of its year, month and day groups, and how the year
/// and the month read.
type DateForm = (String, [usize; 3], fn(Expr) -> Expr, fn(Expr) -> Expr);

/// The dates no order of day and month makes ambiguous, beyond year-first ones: month names and
/// compact `yyyymmdd`. Each form is a pattern whose groups `[year, month, day]` sit at the given
/// positions, then `tail`, and how its year and month read.
fn other_forms(tail: &str) -> Vec<DateForm> {
    let same = |e: Expr| e;
    let padded = |e: Expr| e.str().zfill(lit(2));
    vec![
        (format!("{NAMED_DAY_FIRST}{tail}"), [3, 2, 1], full_year, month_of_name),
        (format!("{NAMED_MONTH_FIRST}{tail}"), [3, 1, 2], same, month_of_name),
        (format!("{COMPACT}{tail}"), [1, 2, 3], same, padded),
    ]
}

/// For each form of [`other_forms`], the text `yyyy-mm-dd` of `t` (null where the form does not
/// match), and the form's pattern (whose groups 4 to 6 are a time of day when `tail` has them).
fn other_dates(t: &Expr, tail: &str) -> Vec<(Expr, String)> {
    other_forms(tail)
        .into_iter()
        .map(|(pattern, [y, m, d], year, month)| {
            let part = |i: usize| t.clone().str().extract(lit(pattern.clone()), i);
            (concat_str([year(part(y)), month(part(m)), part(d).str().zfill(lit(2))], "-", false), pattern)
        })
        .collect()
}

/// A date as [`date`] reads it, and with `order` also with the year last (`10/03/2026`).
/// Dates with month names (`22-Apr-15`, `Apr 22, 2015`) and compact ones (`19970101`) read
/// without an order: they are never ambiguous.
pub fn date_in(column: &str, order: Option<DateOrder>) -> Cleaned {
    let t = text(column);
    let parse = |iso: Expr| iso.str().to_date(StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: true });
    let part = |i| t.clone().str().extract(lit(DATE_PATTERN), i);
    let mut value = parse(concat_str([part(1), part(2).str().zfill(lit(2)), part(3).str().zfill(lit(2))], "-", false));
    for (iso, _) in other_dates(&t, DATE_END) {
        value = value.fill_null(parse(iso));
    }
    if let Some(order) = order {
        let last = |i| t.clone().str().extract(lit(YEAR_LAST_PATTERN), i).str().zfill(lit(2));
        let (month, day) = match order {
            DateOrder::Mdy => (last(1), last(2)),
            DateOrder::Dmy => (last(2), last(1)),
        };
        value = value.fill_null(parse(concat_str([t.clone().str().extract(lit(YEAR_LAST_PATTERN), 3), month, day], "-", false)));
    }
    let answered = filled(t);
    Cleaned { invalid: answered.and(value.clone().is_null()), value }
}

/// True where a value is given. `raw`: any non-empty value counts, as the quick readers see it
/// (a value of spaces then reads as invalid, and the full reader, which trims, sees a blank).
pub fn answered(column: &str, raw: bool) -> Expr {
    filled(if raw { col(column).cast(DataType::String) } else { text(column) })
}

/// True where a text value is neither null nor empty.
fn filled(t: Expr) -> Expr {
    t.clone().is_not_null().and(t.neq(lit("")).fill_null(lit(false)))
}

/// A date in the form most exports write (`2026-10-03`, alone or followed by `T` or a space and
/// anything), read without capturing regular expressions: the fast first pass. Every value it
/// reads, [`date`] reads the same; other forms are null here, and invalid where
/// [`answered`]`(column, true)`, and the caller then reads the column again with [`date_in`].
pub fn date_quick(column: &str) -> Expr {
    let t = col(column).cast(DataType::String);
    let form = t.clone().str().contains(lit(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])"), true).fill_null(lit(false));
    when(form).then(day_of_head(t)).otherwise(lit(NULL).cast(DataType::Date))
}

/// The first ten characters of `t` read as a `%Y-%m-%d` day, null where they are not one.
/// Without polars' cache: it holds the square root of a batch's length in values (some 300),
/// fewer than the distinct days of a year or two, so it mostly evicts; parsing is cheaper.
fn day_of_head(t: Expr) -> Expr {
    let options = StrptimeOptions { format: Some("%Y-%m-%d".into()), strict: false, exact: true, cache: false };
    t.str().slice(lit(0), lit(10)).str().to_date(options)
}

/// A timestamp written `2026-10-03 09:05:00` or `2026-10-03` (midnight), as [`datetime`] reads
/// it, without capturing regular expressions: the fast first pass (see [`date_quick`]).
pub fn datetime_quick(column: &str) -> Expr {
    let t = col(column).cast(DataType::String);
    let options = StrptimeOptions { format: Some("%Y-%m-%d %H:%M:%S".into()), strict: false, exact: true, cache: false };
    let full = t.clone().str().to_datetime(Some(TimeUnit::Milliseconds), None, options, lit("raise"));
    // The day alone is read from the first ten characters of every value (parsing a whole
    // timestamp as a day fails only after polars' slow general parser has tried it), and taken
    // only for a value that is a day alone.
    let day = when(t.clone().str().len_bytes().eq(lit(10)))
        .then(day_of_head(t.clone()))
        .otherwise(lit(NULL).cast(DataType::Date))
        .cast(DataType::Datetime(TimeUnit::Milliseconds, None));
    let form = t.str().contains(lit(r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2})?$"), true).fill_null(lit(false));
    when(form).then(full.fill_null(day)).otherwise(lit(NULL).cast(DataType::Datetime(TimeUnit::Milliseconds, None)))
}

/// An amount written as a plain number (`20.57`, `-3`), as [`amount`] reads it: the fast first
/// pass (see [`date_quick`]); currency signs, spaces and thousands separators need [`amount`].
pub fn amount_quick(column: &str) -> Expr {
    bounded(col(column).cast(DataType::String).cast(DataType::Float64), MAX_AMOUNT)
}

/// For a date column: the order its year-last dates are written in, from the values themselves
/// (a first part above 12 means day first, a second part above 12 month first), as aggregations
/// `max1`, `max2` and `year_last` (the count of such dates).
pub fn year_last_parts(column: &str) -> Vec<Expr> {
    let t = text(column);
    let part = |i| t.clone().str().extract(lit(YEAR_LAST_PATTERN), i).cast(DataType::Float64);
    vec![part(1).max().alias("max1"), part(2).max().alias("max2"), part(3).count().cast(DataType::Float64).alias("year_last")]
}

/// Matches the date forms of [`date`] followed by an optional time of day `HH:MM[:SS]`
/// (after a space or `T`; fractions of a second and any zone after it are ignored).
const DATETIME_PATTERN: &str = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:T|\s+)(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?)?(?:$|[.,Zz+\-\s秒])";

/// The date forms of [`YEAR_LAST_PATTERN`] followed by an optional time of day `HH:MM[:SS]`.
const YEAR_LAST_DATETIME_PATTERN: &str =
    r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})(?:(?:T|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?(?:$|[.,Zz+\-\s])";

/// A timestamp (milliseconds, no zone: taken as written) from the date forms of [`date`] with an
/// optional time of day; a date alone is midnight. Impossible dates and times are invalid.
pub fn datetime(column: &str) -> Cleaned {
    datetime_in(column, None)
}

/// A timestamp as [`datetime`] reads it, and with `order` also with the year last
/// (`22-04-2015 10:00`, `04/22/2015 10:00:05`), as [`date_in`] reads dates.
pub fn datetime_in(column: &str, order: Option<DateOrder>) -> Cleaned {
    let t = text(column);
    let two = |e: Expr| e.fill_null(lit("0")).str().zfill(lit(2));
    // The timestamp of a `yyyy-mm-dd` text and the groups `[hour, minute, second]` of `pattern`.
    let at = |date: Expr, pattern: &str, [hour, minute, second]: [usize; 3]| {
        let part = |i: usize| t.clone().str().extract(lit(pattern.to_string()), i);
        let time = concat_str([two(part(hour)), two(part(minute)), two(part(second))], ":", false);
        concat_str([date, time], " ", false).str().to_datetime(
            Some(TimeUnit::Milliseconds),
            None,
            StrptimeOptions { format: Some("%Y-%m-%d %H:%M:%S".into()), strict: false, exact: true, cache: false },
            lit("raise"),
        )
    };
    let moment = |pattern: &str, [year, month, day, hour, minute, second]: [usize; 6]| {
        let part = |i: usize| t.clone().str().extract(lit(pattern.to_string()), i);
        let date = concat_str([part(year), part(month).str().zfill(lit(2)), part(day).str().zfill(lit(2))], "-", false);
        at(date, pattern, [hour, minute, second])
    };
    let mut value = moment(DATETIME_PATTERN, [1, 2, 3, 4, 5, 6]);
    for (iso, pattern) in other_dates(&t, TIME_TAIL) {
        // The time's groups follow the date's three.
        value = value.fill_null(at(iso, &pattern, [4, 5, 6]));
    }
    if let Some(order) = order {
        let parts = match order {
            DateOrder::Mdy => [3, 1, 2, 4, 5, 6],
            DateOrder::Dmy => [3, 2, 1, 4, 5, 6],
        };
        value = value.fill_null(moment(YEAR_LAST_DATETIME_PATTERN, parts));
    }
    let answered = filled(t);
    Cleaned { invalid: answered.and(value.clone().is_null()), value }
}

/// The column as trimmed text, null where blank: an id as compared and counted.
pub fn given(column: &str) -> Expr {
    let t = text(column);
    when(t.clone().eq(lit(""))).then(lit(NULL).cast(DataType::String)).otherwise(t)
}

/// True for a non-blank value already seen on an earlier row (a repeated id: the first row is kept).
pub fn repeated(column: &str) -> Expr {
    seen_before(given(column))
}

/// [`repeated`] for ids already read with [`given`]: true for a non-null value on an earlier row.
pub fn seen_before(ids: Expr) -> Expr {
    ids.clone().is_not_null().and(ids.is_first_distinct().not())
}

/// Words read as yes and as no (compared lower-case); anything else that is not blank or
/// "n/a" is invalid.
pub const YES: &[&str] = &["true", "yes", "y", "t", "1", "1.0", "是", "已", "对", "√"];
pub const NO: &[&str] = &["false", "no", "n", "f", "0", "0.0", "否", "未", "不", "×"];
pub const NOT_APPLICABLE: &[&str] = &["n/a", "na", "null", "none", "-", "无"];

/// A yes/no column: true/false, yes/no, y/n, 1/0, 是/否 (any case). Blank and n/a are null.
pub fn boolean(column: &str) -> Cleaned {
    // One hash lookup per row: 1 yes, 0 no, 2 not applicable; anything else 3 (invalid).
    let words: Vec<&str> = YES.iter().chain(NO).chain(NOT_APPLICABLE).chain([&""]).copied().collect();
    let codes: Vec<i32> = YES.iter().map(|_| 1).chain(NO.iter().map(|_| 0)).chain(NOT_APPLICABLE.iter().chain([&""]).map(|_| 2)).collect();
    let code = text(column).fill_null(lit("")).str().to_lowercase().replace_strict(
        lit(Series::new("".into(), words)),
        lit(Series::new("".into(), codes)),
        Some(lit(3i32)),
        Some(DataType::Int32),
    );
    Cleaned {
        value: when(code.clone().eq(lit(1i32)))
            .then(lit(true))
            .when(code.clone().eq(lit(0i32)))
            .then(lit(false))
            .otherwise(lit(NULL).cast(DataType::Boolean)),
        invalid: code.eq(lit(3i32)).fill_null(lit(false)),
    }
}

/// Digits grouped by thousands with commas, e.g. `1,234.50`.
const THOUSANDS: &str = r"^-?\d{1,3}(,\d{3})+(\.\d+)?$";

/// A number written with a decimal comma: `1,25`, `-0,5`, `1.234,50`, `1234` (dots, if any,
/// group thousands).
const DECIMAL_COMMA: &str = r"^[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$";

/// True where a value of `column` is a number with a decimal comma and a comma in it (what
/// [`crate::input::frame::Dataset::decimal_comma`] looks for).
pub fn decimal_comma_form(column: &str) -> Expr {
    let t = money_text(column);
    t.clone().str().contains(lit(DECIMAL_COMMA), false).and(t.str().contains_literal(lit(","))).fill_null(lit(false))
}

/// The number of a text `t` written with a decimal comma (null where it is not one).
fn comma_number(t: Expr) -> Expr {
    let plain = t.clone().str().replace_all(lit("."), lit(""), true).str().replace(lit(","), lit("."), true);
    when(t.str().contains(lit(DECIMAL_COMMA), false).fill_null(lit(false)))
        .then(plain.cast(DataType::Float64))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// The largest amount read, either way: 10^15 (a quadrillion in any currency). Beyond it, and
/// `inf` or `NaN`, an amount is invalid: sums of such values would be no result.
pub const MAX_AMOUNT: f64 = 1e15;

/// `value` where its magnitude is at most `limit`, else null (NaN and infinities too).
fn bounded(value: Expr, limit: f64) -> Expr {
    let within = value.clone().lt_eq(lit(limit)).and(value.clone().gt_eq(lit(-limit))).fill_null(lit(false));
    when(within).then(value).otherwise(lit(NULL).cast(DataType::Float64))
}

/// An amount as [`amount`] reads it, or with `decimal_comma` written `1.234,50` (currency signs
/// and spaces dropped, dots grouping thousands).
pub fn amount_in(column: &str, decimal_comma: bool) -> Cleaned {
    if !decimal_comma {
        return amount(column);
    }
    let t = money_text(column);
    let value = bounded(comma_number(t.clone()), MAX_AMOUNT);
    let answered = filled(t);
    Cleaned { invalid: answered.and(value.clone().is_null()), value }
}

/// A number as [`number`] reads it, or with `decimal_comma` written `1,25` or `1.234,5`.
pub fn number_in(column: &str, na_values: &[String], decimal_comma: bool) -> Cleaned {
    if !decimal_comma {
        return number(column, na_values);
    }
    let value = bounded(comma_number(text(column)), f64::MAX);
    let answered = not_answered(text(column), na_values).not();
    Cleaned {
        value: when(answered.clone()).then(value.clone()).otherwise(lit(NULL).cast(DataType::Float64)),
        invalid: answered.and(value.is_null()),
    }
}

/// The column as trimmed text without currency signs and spaces: an amount as written.
fn money_text(column: &str) -> Expr {
    text(column).str().replace_all(lit(r"[¥￥$€£\s]"), lit(""), false)
}

/// A money amount: a number, with currency signs and spaces ignored and commas taken as thousands
/// separators only where they group digits by three (`12,50` is invalid, never 1250).
pub fn amount(column: &str) -> Cleaned {
    let t = money_text(column);
    let plain = when(t.clone().str().contains(lit(THOUSANDS), false).fill_null(lit(false)))
        .then(t.clone().str().replace_all(lit(","), lit(""), true))
        .otherwise(t.clone());
    let value = bounded(plain.cast(DataType::Float64), MAX_AMOUNT);
    let answered = filled(t);
    Cleaned { invalid: answered.and(value.clone().is_null()), value }
}

/// A duration such as `4h`, `90m`, `3d`, `2w`, `1.5h` or `45s`, in seconds. A bare number is
/// taken in `bare_unit` (`h` for SLA targets, `d` for windows).
pub fn parse_duration(text: &str, bare_unit: char) -> Option<f64> {
    let t = text.trim().to_lowercase();
    let (number, unit) = match t.find(|c: char| c.is_alphabetic()) {
        Some(i) => (t[..i].trim(), t[i..].trim()),
        None => (t.as_str(), ""),
    };
    let value: f64 = number.parse().ok()?;
    let unit = if unit.is_empty() { bare_unit.to_string() } else { unit.to_string() };
    let seconds = match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86_400.0,
        "w" | "wk" | "week" | "weeks" => 604_800.0,
        _ => return None,
    };
    (value.is_finite() && value >= 0.0).then_some(value * seconds)
}

/// Text compared the way status and severity values are: trimmed, lower-case, runs of spaces,
/// `-` and `_` as one `_` (`In progress` → `in_progress`).
pub fn token(column: &str) -> Expr {
    text(column).str().to_lowercase().str().replace_all(lit(r"[\s\-_]+"), lit("_"), false)
}

/// [`token`] for one value, in Rust (for configured names).
pub fn token_of(value: &str) -> String {
    value
        .trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(values: &[Option<&str>], exprs: Vec<Expr>) -> DataFrame {
        let s = Series::new("raw".into(), values.to_vec());
        DataFrame::new(s.len(), vec![s.into()]).unwrap().lazy().select(exprs).collect().unwrap()
    }

    #[test]
    fn scales_parse() {
        assert_eq!(Scale::parse("1-7").unwrap(), Scale { low: 1, high: 7 });
        assert_eq!(Scale::parse("0..10").unwrap(), Scale { low: 0, high: 10 });
        assert!(Scale::parse("5-1").is_none());
        assert!(Scale::parse("one-five").is_none());
    }

    #[test]
    fn scores_blank_na_invalid() {
        let values = [Some("5"), Some(" 4.0 "), None, Some(""), Some("-99"), Some("6"), Some("abc"), Some("3.5"), Some("-99.0")];
        let c = score("raw", Scale { low: 1, high: 5 }, &["-99".to_string()], Some(&[]));
        let df = run(&values, vec![c.value.alias("v"), c.invalid.alias("bad")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(5.0), Some(4.0), None, None, None, None, None, None, None]);
        let f = Some(false);
        let t = Some(true);
        assert_eq!(bad, vec![f, f, f, f, f, t, t, t, f]);
    }

    #[test]
    fn labels_map_to_scale_points() {
        let values = [
            Some("Very satisfied"),
            Some("非常满意"),
            Some("  neutral "),
            Some("9 - Very likely"),
            Some("3 (不满意)"),
            Some("Meh"),
            Some("Somewhat agree"),
            Some("4.5 - half"),
        ];
        let five = Scale { low: 1, high: 5 };
        let c = score("raw", five, &[], Some(&[("meh".to_string(), 2.0)]));
        let df = run(&values, vec![c.value.alias("v"), c.invalid.alias("bad")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        // "9 - Very likely" is 9: outside 1–5, invalid; "Somewhat agree" is only on the 7-point table;
        // "4.5 - half" has a fractional leading number: invalid.
        assert_eq!(v, vec![Some(5.0), Some(5.0), Some(3.0), None, Some(3.0), Some(2.0), None, None]);
        let seven = score("raw", Scale { low: 1, high: 7 }, &[], Some(&[]));
        let df = run(&[Some("Somewhat agree"), Some("Extremely satisfied"), Some("一般")], vec![seven.value.alias("v")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(5.0), Some(7.0), Some(4.0)]);
        let nps = score("raw", Scale { low: 0, high: 10 }, &[], Some(&[]));
        let df = run(&[Some("Extremely likely"), Some("0 - Not at all likely"), Some("7")], vec![nps.value.alias("v")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(10.0), Some(0.0), Some(7.0)]);
        // A config label wins over the built-in wording of the same text.
        let custom = score("raw", five, &[], Some(&[("Satisfied".to_string(), 5.0)]));
        let df = run(&[Some("satisfied")], vec![custom.value.alias("v")]);
        assert_eq!(df.column("v").unwrap().f64().unwrap().get(0), Some(5.0));
    }

    #[test]
    fn year_last_dates_in_either_order() {
        let values = [Some("10/03/2026 09:00:00 AM"), Some("3.10.2026"), Some("2026-10-03"), Some("13/10/2026"), Some("10/3/26")];
        let read = |order| {
            let c = date_in("raw", order);
            let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d").alias("d")]);
            let ca = df.column("d").unwrap().str().unwrap().clone();
            (0..ca.len()).map(|i| ca.get(i).map(str::to_string)).collect::<Vec<_>>()
        };
        let s = |t: &str| Some(t.to_string());
        // Month first: 13/10 is no date; a two-digit year is never read.
        assert_eq!(read(Some(DateOrder::Mdy)), vec![s("2026-10-03"), s("2026-03-10"), s("2026-10-03"), None, None]);
        assert_eq!(read(Some(DateOrder::Dmy)), vec![s("2026-03-10"), s("2026-10-03"), s("2026-10-03"), s("2026-10-13"), None]);
        // Without an order only year-first dates are dates.
        assert_eq!(read(None), vec![None, None, s("2026-10-03"), None, None]);
    }

    #[test]
    fn dates_with_month_names_and_compact_dates() {
        let values = [
            Some("22-Apr-15"),
            Some("22 April 2015"),
            Some("Apr 22, 2015"),
            Some("September 3rd 2026"),
            Some("3-Sept-99"),
            Some("19970101"),
            Some("20260230"),
            Some("22-Foo-15"),
            Some("2026-10-03"),
        ];
        let c = date_in("raw", None);
        let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d").alias("d"), c.invalid.alias("bad")]);
        let d: Vec<Option<&str>> = df.column("d").unwrap().str().unwrap().iter().collect();
        // Two-digit years: 15 is 2015, 99 is 1999 (Excel's pivot at 30); 30 February and a month
        // called Foo are no dates.
        assert_eq!(
            d,
            vec![
                Some("2015-04-22"),
                Some("2015-04-22"),
                Some("2015-04-22"),
                Some("2026-09-03"),
                Some("1999-09-03"),
                Some("1997-01-01"),
                None,
                None,
                Some("2026-10-03")
            ]
        );
        let bad: Vec<Option<bool>> = df.column("bad").unwrap().bool().unwrap().iter().collect();
        assert_eq!(bad.iter().filter(|b| **b == Some(true)).count(), 2);
        // As timestamps, with a time of day or without.
        let values = [Some("22-Apr-15 10:30"), Some("Apr 22, 2015 09:05:07"), Some("19970101"), Some("22-Apr-2015T23:59")];
        let c = datetime_in("raw", None);
        let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d %H:%M:%S").alias("t")]);
        let t: Vec<Option<&str>> = df.column("t").unwrap().str().unwrap().iter().collect();
        assert_eq!(
            t,
            vec![Some("2015-04-22 10:30:00"), Some("2015-04-22 09:05:07"), Some("1997-01-01 00:00:00"), Some("2015-04-22 23:59:00")]
        );
    }

    #[test]
    fn year_last_timestamps_in_either_order() {
        let values =
            [Some("22-04-2015 10:00"), Some("04/05/2015 09:30:15"), Some("13.05.2015"), Some("2015-05-13 08:00"), Some("31/04/2015 10:00")];
        let read = |order| {
            let c = datetime_in("raw", order);
            let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d %H:%M:%S").alias("t"), c.invalid.alias("bad")]);
            let ca = df.column("t").unwrap().str().unwrap().clone();
            let bad = df.column("bad").unwrap().bool().unwrap().clone();
            (0..ca.len()).map(|i| (ca.get(i).map(str::to_string), bad.get(i) == Some(true))).collect::<Vec<_>>()
        };
        let s = |t: &str| (Some(t.to_string()), false);
        let bad = (None, true);
        // Day first: 22 April 10:00; 4 May 09:30:15; 13 May midnight; 31 April is no day.
        assert_eq!(
            read(Some(DateOrder::Dmy)),
            vec![s("2015-04-22 10:00:00"), s("2015-05-04 09:30:15"), s("2015-05-13 00:00:00"), s("2015-05-13 08:00:00"), bad.clone()]
        );
        // Month first: 22-04 and 13.05 are no dates; 04/05 is 5 April.
        assert_eq!(
            read(Some(DateOrder::Mdy)),
            vec![bad.clone(), s("2015-04-05 09:30:15"), bad.clone(), s("2015-05-13 08:00:00"), bad.clone()]
        );
        // Without an order, only year-first timestamps.
        assert_eq!(read(None), vec![bad.clone(), bad.clone(), bad.clone(), s("2015-05-13 08:00:00"), bad]);
    }

    #[test]
    fn numbers_blank_na_invalid() {
        let values = [Some("4.5"), Some(" -2 "), None, Some("n/a"), Some("abc"), Some("inf"), Some("NaN"), Some("1e3")];
        let c = number("raw", &["n/a".to_string()]);
        let df = run(&values, vec![c.value.alias("v"), c.invalid.alias("bad")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(4.5), Some(-2.0), None, None, None, None, None, Some(1000.0)]);
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let (f, t) = (Some(false), Some(true));
        assert_eq!(bad, vec![f, f, f, f, t, t, t, f]);
    }

    #[test]
    fn datetimes_in_common_forms() {
        let values = [
            Some("2026-10-19 16:15:42"),
            Some("2026-10-19T16:15:42.123+08:00"),
            Some("2026/10/19 16:15"),
            Some("2026年10月19日 9:05"),
            Some("2026-10-19"),
            Some("2026-10-19 25:00"),
            Some("19/10/2026 16:15"),
            Some(""),
        ];
        let c = datetime("raw");
        let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d %H:%M:%S").alias("d"), c.invalid.alias("bad")]);
        let d: Vec<Option<&str>> = {
            let ca = df.column("d").unwrap().str().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(
            d,
            vec![
                Some("2026-10-19 16:15:42"),
                Some("2026-10-19 16:15:42"),
                Some("2026-10-19 16:15:00"),
                Some("2026-10-19 09:05:00"),
                Some("2026-10-19 00:00:00"),
                None,
                None,
                None
            ]
        );
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let (f, t) = (Some(false), Some(true));
        assert_eq!(bad, vec![f, f, f, f, f, t, t, f]);
    }

    #[test]
    fn booleans_amounts_durations_tokens() {
        let values = [Some("Yes"), Some("false"), Some("1"), Some("是"), Some("N/A"), None, Some("maybe")];
        let c = boolean("raw");
        let df = run(&values, vec![c.value.alias("v"), c.invalid.alias("bad")]);
        let v: Vec<Option<bool>> = {
            let ca = df.column("v").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(true), Some(false), Some(true), Some(true), None, None, None]);
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(bad.iter().filter(|b| **b == Some(true)).count(), 1);

        let values = [Some("53.09"), Some("-12.5"), Some("¥1,234.50"), Some("12,50"), Some("abc"), Some("")];
        let c = amount("raw");
        let df = run(&values, vec![c.value.alias("v"), c.invalid.alias("bad")]);
        let v: Vec<Option<f64>> = {
            let ca = df.column("v").unwrap().f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(v, vec![Some(53.09), Some(-12.5), Some(1234.5), None, None, None]);
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        assert_eq!(bad, vec![Some(false), Some(false), Some(false), Some(true), Some(true), Some(false)]);

        assert_eq!(parse_duration("4h", 'h'), Some(14_400.0));
        assert_eq!(parse_duration("90d", 'h'), Some(90.0 * 86_400.0));
        assert_eq!(parse_duration("1.5 hours", 'h'), Some(5_400.0));
        assert_eq!(parse_duration("72", 'h'), Some(72.0 * 3600.0));
        assert_eq!(parse_duration("30", 'd'), Some(30.0 * 86_400.0));
        assert_eq!(parse_duration("-1h", 'h'), None);
        assert_eq!(parse_duration("4 fortnights", 'h'), None);
        assert_eq!(token_of(" In progress "), "in_progress");
        assert_eq!(token_of("follow-up"), "follow_up");
    }

    #[test]
    fn dates_in_common_forms() {
        let values = [
            Some("2026-10-03"),
            Some("2026/10/03"),
            Some("2026-10-03 14:05"),
            Some("2026-10-03T14:05:00+08:00"),
            Some("2026年10月3日"),
            Some("2026-2-30"),
            Some("03/10/2026"),
            None,
        ];
        let c = date("raw");
        let df = run(&values, vec![c.value.dt().strftime("%Y-%m-%d").alias("d"), c.invalid.alias("bad")]);
        let d: Vec<Option<&str>> = {
            let ca = df.column("d").unwrap().str().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let ok = Some("2026-10-03");
        assert_eq!(d, vec![ok, ok, ok, ok, ok, None, None, None]);
        let bad: Vec<Option<bool>> = {
            let ca = df.column("bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let (f, t) = (Some(false), Some(true));
        assert_eq!(bad, vec![f, f, f, f, f, t, t, f]);
    }

    /// The quick readers (first pass) against the full ones, on the same values: where a quick
    /// reader gives a value, the full reader gives the same one; where it gives none for a
    /// given value, that value is flagged (so the caller reads again with the full reader).
    fn quick_agrees(values: &[String]) {
        let owned: Vec<Option<&str>> = values.iter().map(|v| Some(v.as_str())).collect();
        let scale = Scale { low: 1, high: 5 };
        let (n_quick, a_quick) = score_parts("raw", &[], None, scale);
        let (n_full, a_full) = score_parts("raw", &[], Some(&[]), scale);
        let q = score_from(n_quick, a_quick, scale);
        let f = score_from(n_full, a_full, scale);
        let ms = |e: Expr| e.cast(DataType::Int64);
        let df = run(
            &owned,
            vec![
                date_quick("raw").cast(DataType::Int32).alias("dq"),
                date("raw").value.cast(DataType::Int32).alias("df"),
                ms(datetime_quick("raw")).alias("tq"),
                ms(datetime("raw").value).alias("tf"),
                amount_quick("raw").alias("aq"),
                amount("raw").value.alias("af"),
                q.value.alias("sq"),
                f.value.alias("sf"),
                q.invalid.alias("sq_bad"),
                answered("raw", true).alias("given"),
            ],
        );
        let f64s = |name: &str| -> Vec<Option<f64>> {
            let c = df.column(name).unwrap().cast(&DataType::Float64).unwrap();
            let ca = c.f64().unwrap();
            (0..ca.len()).map(|i| ca.get(i)).collect()
        };
        let given: Vec<bool> = {
            let ca = df.column("given").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i).unwrap_or(false)).collect()
        };
        let score_bad: Vec<bool> = {
            let ca = df.column("sq_bad").unwrap().bool().unwrap();
            (0..ca.len()).map(|i| ca.get(i).unwrap_or(false)).collect()
        };
        for (quick, full) in [("dq", "df"), ("tq", "tf"), ("aq", "af"), ("sq", "sf")] {
            let (qv, fv) = (f64s(quick), f64s(full));
            for i in 0..values.len() {
                match qv[i] {
                    Some(x) => assert!(
                        fv[i].is_some_and(|y| y == x || (x.is_nan() && y.is_nan())),
                        "{quick} of {:?}: {x} vs {:?}",
                        values[i],
                        fv[i]
                    ),
                    // Not read quickly: either blank, or flagged (a second read follows).
                    None => {
                        let flagged = if quick == "sq" { score_bad[i] } else { given[i] };
                        assert!(flagged || fv[i].is_none(), "{quick} of {:?}: unflagged, full reads {:?}", values[i], fv[i]);
                    }
                }
            }
        }
    }

    #[test]
    fn quick_readers_agree_with_full_ones() {
        let values: Vec<String> = [
            "2026-10-03",
            "2026-10-03 09:05:00",
            "2026-10-03T09:05:00",
            "2026-10-03 9:05",
            "2026/10/03",
            " 2026-10-03",
            "2026-02-30",
            "02026-10-03",
            "+026-10-03",
            "2026-10-03x",
            "2026-10-03 25:00:00",
            "",
            "  ",
            "4",
            "4.0",
            " 4",
            "5 ",
            "1e0",
            "3.5",
            "-12.5",
            "¥1,234.50",
            "1,234",
            "nan",
            "inf",
            "10/03/2026",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        quick_agrees(&values);
    }

    proptest::proptest! {
        #[test]
        fn quick_readers_agree_on_any_text(values in proptest::collection::vec("[0-9 T:./+-]{0,21}|20[0-9]{2}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9]:[0-6][0-9])?", 1..40)) {
            quick_agrees(&values);
        }
    }
}
