//! The Pareto of complaint causes: complaints per value of a column, largest first, with shares,
//! the cumulative share and the vital few that make up 80%.

use anyhow::Result;
use polars::prelude::*;

use super::Prepared;
use crate::input::frame::{f64_at, Dataset};
use crate::metrics::grouping::{Grouping, DATE};

/// One cause in a Pareto table.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoItem {
    pub value: Option<String>,
    pub count: u64,
    pub share_pct: f64,
    pub cumulative_pct: f64,
    /// Among the causes that together make up the first 80% (the one crossing 80% included).
    pub vital: bool,
}

/// Counts per value of `column` in scope (duplicates left out), as a Pareto table.
pub fn pareto_counts(data: &Dataset, prepared: &Prepared, grouping: &Grouping, column: &str) -> Result<Vec<(Option<String>, u64)>> {
    let (scoped, _) = prepared.over(grouping).apply(prepared.rows.clone().lazy().filter(col("__dup").not()));
    let scoped = if grouping.uses_date() { scoped.filter(col(DATE).is_not_null()) } else { scoped };
    let df =
        data.collect(scoped.group_by([grouping.key_text(column).alias("__value")]).agg([len().cast(DataType::Float64).alias("__n")]))?;
    let values = df.column("__value")?.str()?;
    (0..df.height())
        .map(|i| {
            let v = values.get(i).filter(|s| !s.is_empty()).map(str::to_string);
            Ok((v, f64_at(&df, "__n", i)? as u64))
        })
        .collect()
}

/// Sorts counts (largest first; ties by name, blank last) and adds shares and the vital few.
pub fn pareto(mut counts: Vec<(Option<String>, u64)>) -> Vec<ParetoItem> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| (a.0.is_none(), &a.0).cmp(&(b.0.is_none(), &b.0))));
    let total: u64 = counts.iter().map(|c| c.1).sum();
    let mut cumulative = 0u64;
    let mut reached = false;
    counts
        .into_iter()
        .map(|(value, count)| {
            let vital = !reached;
            cumulative += count;
            let cumulative_pct = 100.0 * cumulative as f64 / total as f64;
            // Within a tolerance, so that exactly 80% counts as reached despite rounding.
            if cumulative_pct >= 80.0 - 1e-9 {
                reached = true;
            }
            ParetoItem { value, count, share_pct: 100.0 * count as f64 / total as f64, cumulative_pct, vital }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pareto_marks_the_vital_few() {
        // 50 + 30 = 80 of 100: delivery and billing make up exactly 80%.
        let items = pareto(vec![
            (Some("staff".into()), 5),
            (Some("billing".into()), 30),
            (None, 5),
            (Some("delivery".into()), 50),
            (Some("returns".into()), 10),
        ]);
        let shown: Vec<(Option<&str>, u64, f64, bool)> =
            items.iter().map(|i| (i.value.as_deref(), i.count, i.cumulative_pct, i.vital)).collect();
        assert_eq!(
            shown,
            vec![
                (Some("delivery"), 50, 50.0, true),
                (Some("billing"), 30, 80.0, true),
                (Some("returns"), 10, 90.0, false),
                (Some("staff"), 5, 95.0, false),
                (None, 5, 100.0, false),
            ]
        );
        // 45 + 30 = 75 < 80: the third cause (crossing 80%) is vital too.
        let items = pareto(vec![(Some("a".into()), 45), (Some("b".into()), 30), (Some("c".into()), 15), (Some("d".into()), 10)]);
        assert_eq!(items.iter().filter(|i| i.vital).count(), 3);
        assert_eq!(items[1].share_pct, 30.0);
    }
}
