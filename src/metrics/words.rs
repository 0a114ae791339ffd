//! The periods each customer was active in, as the bits of one 64-bit word: bit `i` for the
//! `i`-th period from the first. One hash grouping by customer ORs together the bits of the
//! customer's rows; every per-period count of customers is then a sum over the words.
//!
//! This replaces a grouping by (customer, period) and further groupings over its pairs, which took
//! more than twice as long for repeat's active, new and retained customers per month
//! (BENCHMARKS.md, "What changed between the two runs of 2026-11-30"). Spans of more than
//! [`MAX_PERIODS`] periods (a year of days, say) are counted the other way by the callers.

use anyhow::Result;
use polars::prelude::*;

use crate::input::frame::f64_at;

/// The most periods a word holds.
pub const MAX_PERIODS: i64 = 64;

/// The customers per period of a span, from their words.
#[derive(Debug, Default, PartialEq)]
pub struct WordCounts {
    /// The first period's number; the vectors hold one count per period from it.
    pub first: i64,
    /// Customers with a row in the period.
    pub active: Vec<f64>,
    /// Customers whose first period is this one.
    pub new: Vec<f64>,
    /// Customers with a row in this period and in the one before (0 for the first).
    pub retained: Vec<f64>,
    /// Customers with rows on two or more distinct days in the period (all 0 without days).
    pub repeaters: Vec<f64>,
    /// The distinct words with how many customers have them (`__word`, `__repeat`, `__n`), for
    /// counts over several periods ([`scope_counts`]).
    pub words: DataFrame,
}

/// The day column of [`count`] and how many of its low bits tell two days of one period apart:
/// two distinct days `δ` apart differ in bit `trailing_zeros(δ)`, below `day_bits` when every
/// period is shorter than `2^day_bits` days.
pub struct Days<'a> {
    pub column: &'a str,
    pub day_bits: u32,
}

/// Runs a query: the caller picks the engine.
pub type Collect<'a> = dyn Fn(LazyFrame) -> Result<DataFrame> + 'a;

/// The first and last period number in column `period` of `rows`, when they are at most
/// [`MAX_PERIODS`] apart (none without rows, or over a wider span).
pub fn span(rows: &LazyFrame, period: &str, collect: &Collect) -> Result<Option<(i64, u32)>> {
    let df = collect(
        rows.clone().select([col(period).min().cast(DataType::Int64).alias("lo"), col(period).max().cast(DataType::Int64).alias("hi")]),
    )?;
    let at = |name: &str| -> Result<Option<i64>> { Ok(df.column(name)?.i64()?.get(0)) };
    Ok(at("lo")?.zip(at("hi")?).and_then(fits))
}

/// The span from period `lo` to `hi` as (first, number of periods), when it fits a word.
pub fn fits((lo, hi): (i64, i64)) -> Option<(i64, u32)> {
    (0..MAX_PERIODS).contains(&(hi - lo)).then(|| (lo, (hi - lo + 1) as u32))
}

/// Counts the customers (`customer`, not null) of `rows` per period (`period`, not null)
/// over the `periods` periods from `first`: the words are made by `reduce` (a hash grouping
/// of millions of ids: streaming), the counts over them by `collect`.
///
/// With `days`, also the customers with rows on two or more distinct days of a period, in the
/// same grouping: a second word per customer, `__repeat`, has bit `i` set when two of the
/// customer's days in period `i` differ in one of the low `day_bits` bits of the day number
/// (some bit `k` is 1 on one day and 0 on another: the OR of the period bits of the rows with bit
/// `k` set meets that of the rows with it clear).
pub fn count(
    rows: LazyFrame,
    customer: &str,
    period: &str,
    (first, periods): (i64, u32),
    days: Option<Days>,
    (collect, reduce): (&Collect, &Collect),
) -> Result<WordCounts> {
    let bits = Series::new("__bits".into(), (0..periods).map(|i| 1u64 << i).collect::<Vec<u64>>());
    let bit = lit(bits).gather((col(period).cast(DataType::Int64) - lit(first)).cast(IDX_DTYPE), true);
    // The bit is a column before the grouping: looked up inside the aggregation, the grouping
    // took several times as long, on either engine.
    let mut aggs = vec![col("__bit").bitwise_or().alias("__word")];
    let mut masked = Vec::new();
    let mut repeat = lit(0u64);
    if let Some(days) = &days {
        // Days before 1970 are negative: 2^40 added keeps the low bits and makes them positive.
        let day = col(days.column).cast(DataType::Int64) + lit(1i64 << 40);
        for k in 0..days.day_bits {
            let set = day.clone().and(lit(1i64 << k)).neq(lit(0i64)).cast(DataType::UInt64);
            if periods <= 32 {
                // Both halves in one word, a column per bit of the day (half the memory): the
                // period bit where the day's bit k is clear, 32 places up where it is set.
                let d = format!("__d{k}");
                masked.push((col("__bit") * (lit(1u64) + set * lit(u64::from(u32::MAX)))).alias(d.as_str()));
                aggs.push(col(d.as_str()).bitwise_or());
                // Clear and set in one period: the low half moved up meets the high half.
                let met = (col(d.as_str()).and(lit(u64::from(u32::MAX))) * lit(1u64 << 32)).and(col(d.as_str()));
                repeat = repeat.or(met / lit(1u64 << 32));
            } else {
                // The period bit where the day's bit k is set, else 0; and the other way round.
                // Made as columns before the grouping, with arithmetic, as the bit is (see above).
                let one = col("__bit") * set;
                masked.push(one.clone().alias(format!("__one{k}")));
                masked.push((col("__bit") - one).alias(format!("__zero{k}")));
                aggs.push(col(format!("__one{k}")).bitwise_or());
                aggs.push(col(format!("__zero{k}")).bitwise_or());
                repeat = repeat.or(col(format!("__one{k}")).and(col(format!("__zero{k}"))));
            }
        }
    }
    let words = rows
        .filter(col(customer).is_not_null().and(col(period).is_not_null()))
        .with_column(bit.alias("__bit"))
        .with_columns(masked)
        .group_by([col(customer)])
        .agg(aggs)
        .select([col("__word"), repeat.cast(DataType::UInt64).alias("__repeat")]);
    let words = reduce(words)?;
    // Customers with the same words are counted together: far fewer words than customers.
    let words = collect(words.lazy().group_by([col("__word"), col("__repeat")]).agg([len().cast(DataType::Float64).alias("__n")]))?;
    let counted = words.clone().lazy();
    let sum_where = |holds: Expr| when(holds).then(col("__n")).otherwise(lit(0.0)).sum();
    // Every bit of `m` set; and bit `i` the lowest set bit (bits 0 to i are exactly it).
    let all_of = |m: u64| sum_where(col("__word").and(lit(m)).eq(lit(m)));
    let lowest = |i: u32| sum_where(col("__word").and(lit(u64::MAX >> (63 - i))).eq(lit(1u64 << i)));
    let mut sums = Vec::new();
    for i in 0..periods {
        sums.push(all_of(1u64 << i).alias(format!("active{i}")));
        sums.push(sum_where(col("__repeat").and(lit(1u64 << i)).neq(lit(0u64))).alias(format!("repeaters{i}")));
        sums.push(lowest(i).alias(format!("new{i}")));
        if i > 0 {
            sums.push(all_of(3u64 << (i - 1)).alias(format!("retained{i}")));
        }
    }
    let df = collect(counted.select(sums))?;
    let column = |name: &str, from: u32| {
        (0..periods).map(|i| if i < from { Ok(0.0) } else { f64_at(&df, &format!("{name}{i}"), 0) }).collect::<Result<Vec<f64>>>()
    };
    Ok(WordCounts {
        first,
        active: column("active", 0)?,
        new: column("new", 0)?,
        retained: column("retained", 1)?,
        repeaters: column("repeaters", 0)?,
        words,
    })
}

/// Over the periods `lo` to `hi` (numbers; the span's first is `first`) of [`WordCounts::words`]:
/// the customers with a row in them, and those with rows on two or more distinct days in them
/// (on days of two periods, or two days of one).
pub fn scope_counts(words: &DataFrame, first: i64, (lo, hi): (i64, i64)) -> Result<(f64, f64)> {
    let (lo, hi) = ((lo - first).clamp(0, 63) as u32, (hi - first).clamp(0, 63) as u32);
    let mask = (u64::MAX >> (63 - hi)) & (u64::MAX << lo);
    let seen = col("__word").and(lit(mask));
    let df = words
        .clone()
        .lazy()
        .select([
            when(seen.clone().neq(lit(0u64))).then(col("__n")).otherwise(lit(0.0)).sum().alias("active"),
            when(seen.bitwise_count_ones().gt_eq(lit(2)).or(col("__repeat").and(lit(mask)).neq(lit(0u64))))
                .then(col("__n"))
                .otherwise(lit(0.0))
                .sum()
                .alias("repeaters"),
        ])
        .collect()?;
    Ok((f64_at(&df, "active", 0)?, f64_at(&df, "repeaters", 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(rows: &[(Option<&str>, Option<i64>)]) -> WordCounts {
        let df = df!(
            "c" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "p" => rows.iter().map(|r| r.1).collect::<Vec<_>>()
        )
        .unwrap()
        .lazy();
        let collect = |q: LazyFrame| Ok(q.collect()?);
        let span = span(&df.clone().filter(col("c").is_not_null()), "p", &collect).unwrap().unwrap();
        count(df, "c", "p", span, None, (&collect, &collect)).unwrap()
    }

    #[test]
    fn words_counted_by_hand() {
        // Periods 10 to 13. A in 10 (twice) and 11; B in 11 and 13; C in 13; a row without a
        // customer in 12 and one without a period are left out. Active: 1, 2, 0, 2. New: A in
        // 10, B in 11, C in 13. Retained: A in 11 (from 10); nobody in 13 (no one in 12).
        let c = counts(&[
            (Some("A"), Some(10)),
            (Some("B"), Some(11)),
            (Some("A"), Some(11)),
            (Some("A"), Some(10)),
            (None, Some(12)),
            (Some("C"), Some(13)),
            (Some("B"), Some(13)),
            (Some("D"), None),
        ]);
        assert_eq!(c.first, 10);
        assert_eq!(c.active, vec![1.0, 2.0, 0.0, 2.0]);
        assert_eq!(c.new, vec![1.0, 1.0, 0.0, 1.0]);
        assert_eq!(c.retained, vec![0.0, 1.0, 0.0, 0.0]);
        // 64 periods fill one word: period 63 is the top bit.
        let c = counts(&[(Some("A"), Some(0)), (Some("A"), Some(62)), (Some("A"), Some(63)), (Some("B"), Some(63))]);
        assert_eq!((c.active[63], c.new[63], c.retained[63], c.active[62]), (2.0, 1.0, 1.0, 1.0));
        // A span of 65 periods is too wide for a word, and one that ends before it starts is empty.
        let df = df!("p" => [0i64, 64]).unwrap().lazy();
        assert_eq!(span(&df, "p", &|q: LazyFrame| Ok(q.collect()?)).unwrap(), None);
        assert_eq!((fits((0, 63)), fits((0, 64)), fits((5, 4))), (Some((0, 64)), None, None));
    }
}
