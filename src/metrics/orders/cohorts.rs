//! Cohort retention (first-purchase period × periods since) and RFM segments (recency,
//! frequency and monetary quintiles), from the orders read once.

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;

use super::{purchases, OrderRows};
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::period::{index_label, period_index_of};

/// Cohort retention: for each first-purchase period, its customers and how many were active
/// 0, 1, 2, … periods later.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub period: String,
    pub index: i64,
    pub customers: f64,
    /// Active customers by periods since the first purchase (index 0 = the cohort itself).
    pub active: Vec<f64>,
}

impl Cohort {
    /// The share of the cohort's customers active `k` periods after their first (None past the
    /// as-of date, or without customers).
    pub fn share(&self, k: usize) -> Option<f64> {
        let n = self.active.get(k)?;
        (self.customers > 0.0).then(|| 100.0 * n / self.customers)
    }
}

pub fn cohorts(data: &Dataset, orders: &OrderRows, as_of: NaiveDate) -> Result<Vec<Cohort>> {
    let buys = purchases(orders);
    let firsts = buys.clone().group_by([col("__customer")]).agg([col("__p").min().alias("__first_p")]);
    let q = buys
        .select([col("__customer"), col("__p")])
        .unique(None, UniqueKeepStrategy::Any)
        .join(firsts, [col("__customer")], [col("__customer")], JoinArgs::new(JoinType::Inner))
        .group_by([col("__first_p"), (col("__p") - col("__first_p")).alias("__since")])
        .agg([len().cast(DataType::Float64).alias("n")]);
    let df = data.collect(q)?;
    let first = df.column("__first_p")?.cast(&DataType::Int64)?;
    let since = df.column("__since")?.cast(&DataType::Int64)?;
    let (first, since) = (first.i64()?, since.i64()?);
    // The last period with data: up to `as_of`, and no later than the latest purchase, so that a
    // month after the data's end is blank rather than 0%.
    let data_end = (0..df.height()).filter_map(|i| Some(first.get(i)? + since.get(i)?)).max();
    let last = data_end.map_or(period_index_of(as_of, orders.period), |end| end.min(period_index_of(as_of, orders.period)));
    let mut out: Vec<Cohort> = Vec::new();
    for i in 0..df.height() {
        let (f, s) = (first.get(i).unwrap_or(0), since.get(i).unwrap_or(0));
        let n = f64_at(&df, "n", i)?;
        let pos = match out.iter().position(|c| c.index == f) {
            Some(p) => p,
            None => {
                let width = (last - f + 1).max(1) as usize;
                out.push(Cohort { period: index_label(f, orders.period), index: f, customers: 0.0, active: vec![0.0; width] });
                out.len() - 1
            }
        };
        let c = &mut out[pos];
        if (s as usize) < c.active.len() {
            c.active[s as usize] = n;
        }
        if s == 0 {
            c.customers = n;
        }
    }
    out.sort_by_key(|c| c.index);
    Ok(out)
}

/// RFM scores of one customer.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmCustomer {
    pub customer: String,
    pub recency_days: i64,
    pub frequency: i64,
    pub monetary: f64,
    pub r: i64,
    pub f: i64,
    pub m: i64,
    pub segment: &'static str,
}

/// One RFM segment: its customers, revenue and average scores' inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: &'static str,
    pub customers: f64,
    pub customers_pct: f64,
    pub revenue: f64,
    /// Of all customers' revenue (None when it sums to 0).
    pub revenue_share_pct: Option<f64>,
    /// Means over the segment's customers (None for an empty segment).
    pub avg_recency_days: Option<f64>,
    pub avg_frequency: Option<f64>,
    pub avg_monetary: Option<f64>,
}

/// Every segment of [`SEGMENTS`], in order, from the customers' scores.
pub fn segments(customers: &[RfmCustomer]) -> Vec<Segment> {
    let total_customers = customers.len() as f64;
    let total_revenue = customers.iter().fold(0.0, |a, c| a + c.monetary);
    SEGMENTS
        .iter()
        .map(|name| {
            let members: Vec<&RfmCustomer> = customers.iter().filter(|c| c.segment == *name).collect();
            let n = members.len() as f64;
            let revenue = members.iter().fold(0.0, |a, c| a + c.monetary);
            let mean = |f: &dyn Fn(&&RfmCustomer) -> f64| (n > 0.0).then(|| members.iter().map(f).fold(0.0, |a, v| a + v) / n);
            Segment {
                name,
                customers: n,
                customers_pct: 100.0 * n / total_customers,
                revenue,
                revenue_share_pct: (total_revenue != 0.0).then(|| 100.0 * revenue / total_revenue),
                avg_recency_days: mean(&|c| c.recency_days as f64),
                avg_frequency: mean(&|c| c.frequency as f64),
                avg_monetary: mean(&|c| c.monetary),
            }
        })
        .collect()
}

/// The named RFM segments, in the order they are shown.
pub const SEGMENTS: [&str; 6] = ["champions", "loyal", "potential", "at risk", "hibernating", "lost"];

/// The segment of R and F scores (first rule that matches): champions R≥4 and F≥4; loyal R≥3 and
/// F≥3; potential R≥3; at risk F≥3; hibernating R=2; lost R=1.
pub fn segment(r: i64, f: i64) -> &'static str {
    if r >= 4 && f >= 4 {
        "champions"
    } else if r >= 3 && f >= 3 {
        "loyal"
    } else if r >= 3 {
        "potential"
    } else if f >= 3 {
        "at risk"
    } else if r == 2 {
        "hibernating"
    } else {
        "lost"
    }
}

/// Quintile score 1–5 of a value: ⌈5 × r / n⌉ where r is 1 + the number of customers with a worse
/// value (the lowest rank of its ties), so ties share the score of the lowest of them: when 60% of
/// customers bought once, they all score F = 1. For recency, smaller is better.
fn quintile(value: Expr, higher_is_better: bool) -> Expr {
    let (v, descending) = (value, !higher_is_better);
    let rank = v.rank(RankOptions { method: RankMethod::Min, descending }, None).cast(DataType::Int64);
    let n = len().cast(DataType::Int64);
    // ⌈5·rank/n⌉ = ⌊(5·rank + n − 1)/n⌋, in integers.
    let x = lit(5i64) * rank + n.clone() - lit(1i64);
    ((x.clone() - x % n.clone()).cast(DataType::Float64) / n.cast(DataType::Float64)).cast(DataType::Int64)
}

/// RFM per customer as of `as_of`: recency in days since the last purchase, frequency in
/// purchases, monetary in revenue; each scored 1–5 by quintile.
pub fn rfm(data: &Dataset, orders: &OrderRows, as_of: NaiveDate) -> Result<Vec<RfmCustomer>> {
    let q = purchases(orders)
        .group_by([col("__customer")])
        .agg([
            (lit(as_of) - col("__day").max()).dt().total_days(false).alias("recency"),
            len().cast(DataType::Int64).alias("frequency"),
            col("__amount").sum().alias("monetary"),
        ])
        .with_columns([
            quintile(col("recency"), false).alias("r"),
            quintile(col("frequency"), true).alias("f"),
            quintile(col("monetary"), true).alias("m"),
        ])
        .sort(["__customer"], SortMultipleOptions::default());
    let df = data.collect_in_memory(q)?;
    let ints = |name: &str| -> Result<Vec<i64>> {
        let c = df.column(name)?.cast(&DataType::Int64)?;
        let c = c.i64()?;
        Ok((0..c.len()).map(|i| c.get(i).unwrap_or(0)).collect())
    };
    let (recency, frequency, r, f, m) = (ints("recency")?, ints("frequency")?, ints("r")?, ints("f")?, ints("m")?);
    let customers = df.column("__customer")?.str()?;
    (0..df.height())
        .map(|i| {
            Ok(RfmCustomer {
                customer: customers.get(i).unwrap_or("").to_string(),
                recency_days: recency[i],
                frequency: frequency[i],
                monetary: f64_at(&df, "monetary", i)?,
                r: r[i],
                f: f[i],
                m: m[i],
                segment: segment(r[i], f[i]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_follow_the_rules() {
        assert_eq!(segment(5, 5), "champions");
        assert_eq!(segment(4, 3), "loyal");
        assert_eq!(segment(3, 3), "loyal");
        assert_eq!(segment(5, 1), "potential");
        assert_eq!(segment(2, 5), "at risk");
        assert_eq!(segment(1, 3), "at risk");
        assert_eq!(segment(2, 2), "hibernating");
        assert_eq!(segment(1, 1), "lost");
    }

    #[test]
    fn quintiles_share_ties() {
        // Values 1,1,1,2,3,4,5,6,7,8 (n = 10): lowest ranks 1,1,1,4,5,…,10; ⌈5r/10⌉ = ⌈r/2⌉:
        // the three 1s → 1; 2 → 2; 3 → ⌈2.5⌉ = 3; 4 → 3; 5 → ⌈3.5⌉ = 4; 6 → 4; 7 → 5; 8 → 5.
        let s = Series::new("v".into(), vec![1i64, 1, 1, 2, 3, 4, 5, 6, 7, 8]);
        let df = DataFrame::new(10, vec![s.into()]).unwrap();
        let out = df.lazy().select([quintile(col("v"), true).alias("q"), quintile(col("v"), false).alias("r")]).collect().unwrap();
        let q: Vec<i64> = out.column("q").unwrap().i64().unwrap().into_no_null_iter().collect();
        assert_eq!(q, vec![1, 1, 1, 2, 3, 3, 4, 4, 5, 5]);
        // Smaller is better: ranks from the top: 8 → 1, 7 → 2, …, 2 → 7, the 1s → 8.
        // Scores ⌈r/2⌉: the 1s → 4; 2 → ⌈3.5⌉ = 4; 3 → 3; 4 → 3; 5 → 2; 6 → 2; 7 → 1; 8 → 1.
        let r: Vec<i64> = out.column("r").unwrap().i64().unwrap().into_no_null_iter().collect();
        assert_eq!(r, vec![4, 4, 4, 4, 3, 3, 2, 2, 1, 1]);
    }

    #[test]
    fn segments_worked_by_hand() {
        // Two champions (revenue 100 and 300, recency 2 and 4 days) and a lost customer (100):
        // champions are 2 of 3 = 66.7% of customers and 400 of 500 = 80% of revenue.
        let customer = |segment, monetary, recency_days| RfmCustomer {
            customer: String::new(),
            recency_days,
            frequency: 1,
            monetary,
            r: 0,
            f: 0,
            m: 0,
            segment,
        };
        let s = segments(&[customer("champions", 100.0, 2), customer("lost", 100.0, 9), customer("champions", 300.0, 4)]);
        assert_eq!(s.len(), SEGMENTS.len());
        assert_eq!((s[0].customers, s[0].revenue, s[0].revenue_share_pct), (2.0, 400.0, Some(80.0)));
        assert!((s[0].customers_pct - 200.0 / 3.0).abs() < 1e-12);
        assert_eq!((s[0].avg_recency_days, s[0].avg_monetary), (Some(3.0), Some(200.0)));
        assert_eq!((s[1].customers, s[1].avg_frequency), (0.0, None));
        // A cohort of 4 with 1 active a period later: 25%; none past the as-of date.
        let c = Cohort { period: String::new(), index: 0, customers: 4.0, active: vec![4.0, 1.0] };
        assert_eq!((c.share(1), c.share(2)), (Some(25.0), None));
    }
}
