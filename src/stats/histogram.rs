//! Exact histograms of durations: each distinct value once with its count. They add up across
//! groups and shards, and the quantiles and mean read from them are those of the values
//! themselves, so merged partial results give the same medians as one run over all the rows.

/// Count, median, p90 and mean of durations in hours (None when there are none).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Durations {
    pub n: f64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub mean: Option<f64>,
}

/// The durations of a group as an exact histogram: each distinct value (hours) once, ascending,
/// with how many complaints took it. Histograms add up across groups and shards, and the median,
/// p90 and mean read from them are those of the durations themselves: merged partials give the
/// same times as one run over all the rows. Its size is at most the number of durations.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Histogram {
    pub hours: Vec<f64>,
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Adds `o`'s counts.
    pub fn add(&mut self, o: &Histogram) {
        if !o.hours.is_empty() {
            *self = Histogram::sum_of([&*self, o]);
        }
    }

    /// The sum of `parts`: what adding them one by one gives, made by one sort of all their
    /// values rather than by merging each into a growing total, which is quadratic in the number
    /// of groups (BENCHMARKS.md, the run at f0f1837). Each part is ascending, and the stable sort
    /// merges such runs: linear for two parts.
    pub fn sum_of<'a>(parts: impl IntoIterator<Item = &'a Histogram>) -> Histogram {
        let mut pairs: Vec<(f64, u64)> = Vec::new();
        for p in parts {
            pairs.extend(p.hours.iter().copied().zip(p.counts.iter().copied()));
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut sum = Histogram { hours: Vec::with_capacity(pairs.len()), counts: Vec::with_capacity(pairs.len()) };
        for (h, c) in pairs {
            match sum.hours.last() {
                Some(last) if last.total_cmp(&h).is_eq() => {
                    let count = sum.counts.last_mut().expect("a count for each value");
                    *count = count.saturating_add(c);
                }
                _ => {
                    sum.hours.push(h);
                    sum.counts.push(c);
                }
            }
        }
        sum
    }

    /// What is wrong with a histogram read from a partial file, named `name`, of a group of `n`
    /// complaints: lists of different lengths, durations that are not ascending numbers of hours
    /// (0 or more), counts of 0 or above 2^53, more durations than complaints.
    pub fn problem(&self, name: &str, n: f64) -> Option<String> {
        if self.hours.len() != self.counts.len() {
            return Some(format!("{name} has {} hours and {} counts", self.hours.len(), self.counts.len()));
        }
        if let Some(h) = self.hours.iter().find(|h| !(h.is_finite() && **h >= 0.0)) {
            return Some(format!("{name}.hours has {h}, not a duration (hours, 0 or more)"));
        }
        if self.hours.windows(2).any(|w| w[0] >= w[1]) {
            return Some(format!("{name}.hours are not ascending"));
        }
        if let Some(c) = self.counts.iter().find(|c| **c == 0 || **c as f64 > super::MAX_COUNT) {
            return Some(format!("{name}.counts has {c}, not a count from 1 to 2^53"));
        }
        let total = self.counts.iter().fold(0u64, |t, c| t.saturating_add(*c));
        (total as f64 > n).then(|| format!("{name} counts {total} durations in a group of {n} complaints"))
    }

    /// The histogram of `values`, which are ascending: one entry per run of equal values.
    pub fn of_sorted(values: &[f64]) -> Histogram {
        let mut h = Histogram::default();
        for run in values.chunk_by(|a, b| a.total_cmp(b).is_eq()) {
            h.hours.push(run[0]);
            h.counts.push(run.len() as u64);
        }
        h
    }

    /// The `k`-th smallest duration (from 0).
    fn nth(&self, k: u64) -> f64 {
        let mut seen: u64 = 0;
        for (h, c) in self.hours.iter().zip(&self.counts) {
            seen = seen.saturating_add(*c);
            if k < seen {
                return *h;
            }
        }
        self.hours.last().copied().unwrap_or(f64::NAN)
    }

    /// The `q` quantile, interpolated between the two nearest durations as polars'
    /// `QuantileMethod::Linear` does: at position q·(n − 1) of the sorted durations.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n: u64 = self.counts.iter().sum();
        if n == 0 {
            return None;
        }
        let position = (n - 1) as f64 * q;
        let (low, high) = (position as u64, position.ceil() as u64);
        let lower = self.nth(low);
        if low == high {
            return Some(lower);
        }
        let upper = self.nth(high);
        Some(if lower == upper { lower } else { (position - low as f64) * (upper - lower) + lower })
    }

    /// Count, median, p90 and mean.
    pub fn durations(&self) -> Durations {
        let n: u64 = self.counts.iter().sum();
        let sum: f64 = self.hours.iter().zip(&self.counts).map(|(h, c)| h * *c as f64).sum();
        Durations { n: n as f64, median: self.quantile(0.5), p90: self.quantile(0.9), mean: (n > 0).then(|| sum / n as f64) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn histogram(values: &[f64]) -> Histogram {
        let mut h = Histogram::default();
        for v in values {
            h.add(&Histogram { hours: vec![*v], counts: vec![1] });
        }
        h
    }

    #[test]
    fn a_histogram_counts_runs_of_sorted_values() {
        // 1.0 twice, 2.5 once, 4.0 three times.
        let h = Histogram::of_sorted(&[1.0, 1.0, 2.5, 4.0, 4.0, 4.0]);
        assert_eq!(h, Histogram { hours: vec![1.0, 2.5, 4.0], counts: vec![2, 1, 3] });
        // Median at position (6 − 1) × 0.5 = 2.5: between the 3rd (2.5) and 4th (4.0) values,
        // 2.5 + 0.5 × 1.5 = 3.25.
        assert_eq!(h.quantile(0.5), Some(3.25));
        assert_eq!(Histogram::of_sorted(&[]), Histogram::default());
    }

    proptest! {
        /// The histogram of sorted values is the one made by adding them one at a time.
        #[test]
        fn runs_of_sorted_values_are_the_histogram(values in proptest::collection::vec(0u32..50, 0..80)) {
            let mut hours: Vec<f64> = values.iter().map(|x| f64::from(*x) / 3.0).collect();
            hours.sort_by(f64::total_cmp);
            prop_assert_eq!(Histogram::of_sorted(&hours), histogram(&hours));
        }
    }

    /// The linear quantile of the values themselves, sorted (what polars computes).
    fn quantile_of(values: &[f64], q: f64) -> Option<f64> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let position = (v.len().checked_sub(1)? as f64) * q;
        let (low, high) = (position as usize, position.ceil() as usize);
        Some(if low == high || v[low] == v[high] { v[low] } else { (position - low as f64) * (v[high] - v[low]) + v[low] })
    }

    #[test]
    fn histogram_quantiles_worked_by_hand() {
        // Durations 4, 2, 1, 2 hours: sorted 1, 2, 2, 4.
        let h = histogram(&[4.0, 2.0, 1.0, 2.0]);
        assert_eq!((h.hours.clone(), h.counts.clone()), (vec![1.0, 2.0, 4.0], vec![1, 2, 1]));
        let d = h.durations();
        assert_eq!(d.n, 4.0);
        // Median at position 0.5 × 3 = 1.5: between the 2nd and 3rd values, both 2.
        assert_eq!(d.median, Some(2.0));
        // p90 at position 0.9 × 3 = 2.7: 2 + 0.7 × (4 − 2) = 3.4.
        assert!((d.p90.unwrap() - 3.4).abs() < 1e-12);
        // Mean (1 + 2 + 2 + 4) / 4 = 2.25.
        assert_eq!(d.mean, Some(2.25));
        assert_eq!(Histogram::default().durations(), Durations::default());
        // {1: 1, 3: 2} + {2: 1, 3: 1} = {1: 1, 2: 1, 3: 3}.
        let mut a = Histogram { hours: vec![1.0, 3.0], counts: vec![1, 2] };
        a.add(&Histogram { hours: vec![2.0, 3.0], counts: vec![1, 1] });
        assert_eq!(a, Histogram { hours: vec![1.0, 2.0, 3.0], counts: vec![1, 1, 3] });
    }

    proptest! {
        /// Shards' histograms add up to the histogram of all durations, and its median and p90
        /// are those of the durations themselves.
        #[test]
        fn merged_histograms_are_exact(
            a in proptest::collection::vec(0u32..500, 0..60),
            b in proptest::collection::vec(0u32..500, 0..60),
        ) {
            let hours = |v: &[u32]| v.iter().map(|x| f64::from(*x) / 7.0).collect::<Vec<f64>>();
            let (a, b) = (hours(&a), hours(&b));
            let all: Vec<f64> = a.iter().chain(&b).copied().collect();
            let mut merged = histogram(&a);
            merged.add(&histogram(&b));
            prop_assert_eq!(&merged, &histogram(&all));
            prop_assert_eq!(&Histogram::sum_of([&histogram(&a), &histogram(&b)]), &merged);
            prop_assert_eq!(merged.quantile(0.5), quantile_of(&all, 0.5));
            prop_assert_eq!(merged.quantile(0.9), quantile_of(&all, 0.9));
            prop_assert_eq!(merged.counts.iter().sum::<u64>() as usize, all.len());
        }
    }
}
