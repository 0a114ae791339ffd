//! Is a difference real? Two-group tests on sufficient statistics, the chi-square test of
//! homogeneity, and multiple-comparison adjustments. `None` means not computable (an empty
//! group, no variance), never NaN.
//!
//! References: two-proportion z-test (pooled SE for the test, unpooled for the interval), Agresti
//! (2013) §3.1; NPS difference with SE² = Var₁/n₁ + Var₂/n₂ on the +1/0/−1 scores; Welch (1947)
//! with the Welch–Satterthwaite df; Pearson's chi-square; Holm (1979); Benjamini & Hochberg (1995).

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

use crate::stats::intervals::{t_quantile, z_value, Interval};

/// The comparison of group 1 with group 2: difference 1 − 2, its interval, the test statistic
/// (z or t), its degrees of freedom (t only) and the two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub difference: f64,
    pub interval: Option<Interval>,
    pub statistic: f64,
    pub df: Option<f64>,
    pub p: f64,
}

fn normal_two_sided(z: f64) -> f64 {
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    (2.0 * n.sf(z.abs())).min(1.0)
}

/// Two-proportion z-test of x₁/n₁ against x₂/n₂ (difference in proportion units).
pub fn two_proportions(x1: f64, n1: f64, x2: f64, n2: f64, confidence: f64) -> Option<Comparison> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let (p1, p2) = (x1 / n1, x2 / n2);
    let pooled = (x1 + x2) / (n1 + n2);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se0 <= 0.0 {
        // Both groups all yes or all no: no variation to test against.
        return None;
    }
    let se = (p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2).sqrt();
    Some(z_test(p1 - p2, se0, se, confidence))
}

/// A z-test of `difference` with `se_test`, and its interval with `se_interval`.
fn z_test(difference: f64, se_test: f64, se_interval: f64, confidence: f64) -> Comparison {
    let half = z_value(confidence) * se_interval;
    let statistic = difference / se_test;
    Comparison {
        difference,
        interval: Some(Interval { low: difference - half, high: difference + half }),
        statistic,
        df: None,
        p: normal_two_sided(statistic),
    }
}

/// Difference of two NPS (in score units, −2…2; ×100 for points): z-test with
/// SE² = Var₁/n₁ + Var₂/n₂, Var = p₊ + p₋ − (p₊ − p₋)² of the +1/0/−1 scores.
pub fn nps_difference(first: (f64, f64, f64), second: (f64, f64, f64), confidence: f64) -> Option<Comparison> {
    let (pro1, det1, n1) = first;
    let (pro2, det2, n2) = second;
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let nps = |pro: f64, det: f64, n: f64| (pro - det) / n;
    let var = |pro: f64, det: f64, n: f64| ((pro + det) / n - nps(pro, det, n).powi(2)).max(0.0);
    let se = (var(pro1, det1, n1) / n1 + var(pro2, det2, n2) / n2).sqrt();
    if se <= 0.0 {
        return None;
    }
    Some(z_test(nps(pro1, det1, n1) - nps(pro2, det2, n2), se, se, confidence))
}

/// Welch's t-test of two means from (n, Σx, Σx²) each; needs n ≥ 2 in both and some variance.
pub fn welch(first: (f64, f64, f64), second: (f64, f64, f64), confidence: f64) -> Option<Comparison> {
    let moments = |(n, sum, sum_sq): (f64, f64, f64)| (n >= 2.0).then(|| (n, sum / n, ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0)));
    let (n1, m1, v1) = moments(first)?;
    let (n2, m2, v2) = moments(second)?;
    let (a, b) = (v1 / n1, v2 / n2);
    let se2 = a + b;
    if se2 <= 0.0 {
        return None;
    }
    let df = se2 * se2 / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
    let difference = m1 - m2;
    let se = se2.sqrt();
    let statistic = difference / se;
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let p = (2.0 * dist.sf(statistic.abs())).min(1.0);
    let half = t_quantile(1.0 - (1.0 - confidence) / 2.0, df)? * se;
    Some(Comparison {
        difference,
        interval: Some(Interval { low: difference - half, high: difference + half }),
        statistic,
        df: Some(df),
        p,
    })
}

/// Pearson's chi-square test of homogeneity on an r × c table of counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChiSquare {
    pub statistic: f64,
    pub df: f64,
    pub p: f64,
    /// The smallest expected count: below 5 the approximation is doubtful.
    pub min_expected: f64,
}

/// Chi-square test on `table` (rows = groups, columns = categories). Empty rows and columns
/// are dropped; at least 2 × 2 must remain.
pub fn chi_square(table: &[Vec<f64>]) -> Option<ChiSquare> {
    let width = table.iter().map(Vec::len).max().unwrap_or(0);
    let col_total = |j: usize| table.iter().fold(0.0, |a, r| a + r.get(j).copied().unwrap_or(0.0));
    let cols: Vec<usize> = (0..width).filter(|&j| col_total(j) > 0.0).collect();
    let rows: Vec<&Vec<f64>> = table.iter().filter(|r| r.iter().any(|v| *v > 0.0)).collect();
    if rows.len() < 2 || cols.len() < 2 {
        return None;
    }
    let total: f64 = rows.iter().flat_map(|r| r.iter()).fold(0.0, |a, v| a + v);
    let mut statistic = 0.0;
    let mut min_expected = f64::INFINITY;
    for r in &rows {
        let row_total = r.iter().fold(0.0, |a, v| a + v);
        for &j in &cols {
            let expected = row_total * col_total(j) / total;
            min_expected = min_expected.min(expected);
            let observed = r.get(j).copied().unwrap_or(0.0);
            statistic += (observed - expected).powi(2) / expected;
        }
    }
    let df = ((rows.len() - 1) * (cols.len() - 1)) as f64;
    let p = ChiSquared::new(df).ok()?.sf(statistic);
    Some(ChiSquare { statistic, df, p, min_expected })
}

/// How p-values of one family of tests are adjusted (`--adjust`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Adjust {
    /// Holm's step-down method (controls the family-wise error rate).
    Holm,
    /// Benjamini–Hochberg (controls the false discovery rate).
    #[value(name = "bh")]
    BenjaminiHochberg,
    /// No adjustment.
    None,
}

impl Adjust {
    /// The method's name for captions.
    pub fn name(self) -> &'static str {
        match self {
            Adjust::Holm => "Holm",
            Adjust::BenjaminiHochberg => "Benjamini–Hochberg",
            Adjust::None => "none",
        }
    }
}

/// Adjusted p-values in the order given (`None` entries stay `None` and do not count).
pub fn adjust(p: &[Option<f64>], method: Adjust) -> Vec<Option<f64>> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_some()).collect();
    order.sort_by(|&a, &b| p[a].unwrap_or(1.0).total_cmp(&p[b].unwrap_or(1.0)));
    let m = order.len() as f64;
    let mut out = vec![None; p.len()];
    match method {
        Adjust::None => return p.to_vec(),
        Adjust::Holm => {
            // p₍ᵢ₎ × (m − i + 1), made non-decreasing, capped at 1.
            let mut running: f64 = 0.0;
            for (k, &i) in order.iter().enumerate() {
                let v = (p[i].unwrap_or(1.0) * (m - k as f64)).min(1.0);
                running = running.max(v);
                out[i] = Some(running);
            }
        }
        Adjust::BenjaminiHochberg => {
            // p₍ᵢ₎ × m / i, made non-increasing from the largest, capped at 1.
            let mut running: f64 = 1.0;
            for (k, &i) in order.iter().enumerate().rev() {
                let v = (p[i].unwrap_or(1.0) * m / (k as f64 + 1.0)).min(1.0);
                running = running.min(v);
                out[i] = Some(running);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn two_proportions_by_hand() {
        // 45/100 vs 30/100: pooled p = 75/200 = 0.375, SE₀ = √(0.375·0.625·0.02) = 0.0684653,
        // z = 0.15/0.0684653 = 2.190890, two-sided p = 0.028459 (scipy: 2*norm.sf(2.190890)).
        // Unpooled SE = √(0.002475 + 0.0021) = √0.004575 = 0.0676387 → 0.15 ± 1.959964·0.0676387.
        let c = two_proportions(45.0, 100.0, 30.0, 100.0, 0.95).unwrap();
        assert!(close(c.statistic, 2.190_890_2, 1e-6), "{c:?}");
        assert!(close(c.p, 0.028_459_7, 1e-6), "{c:?}");
        let i = c.interval.unwrap();
        assert!(close(i.low, 0.15 - 1.959_964 * 0.067_638_7, 1e-6) && close(i.high, 0.15 + 1.959_964 * 0.067_638_7, 1e-6));
        // Degenerate: both all yes, or an empty group.
        assert_eq!(two_proportions(10.0, 10.0, 5.0, 5.0, 0.95), None);
        assert_eq!(two_proportions(1.0, 0.0, 5.0, 5.0, 0.95), None);
    }

    #[test]
    fn nps_difference_by_hand() {
        // Group 1: 50 promoters, 20 detractors of 100 → NPS 0.30, Var = 0.70 − 0.09 = 0.61.
        // Group 2: 40 promoters, 30 detractors of 100 → NPS 0.10, Var = 0.70 − 0.01 = 0.69.
        // SE = √(0.0061 + 0.0069) = √0.013 = 0.1140175, z = 0.20/0.1140175 = 1.754116,
        // p = 2·(1 − Φ(1.754116)) = 0.079411 (scipy: 2*norm.sf(1.754116)).
        let c = nps_difference((50.0, 20.0, 100.0), (40.0, 30.0, 100.0), 0.95).unwrap();
        assert!(close(c.difference, 0.20, 1e-12));
        assert!(close(c.statistic, 1.754_116, 1e-6), "{c:?}");
        assert!(close(c.p, 0.079_410_6, 1e-6), "{c:?}");
        // All promoters in both groups: zero variance, not computable.
        assert_eq!(nps_difference((10.0, 0.0, 10.0), (5.0, 0.0, 5.0), 0.95), None);
    }

    fn sums(xs: &[f64]) -> (f64, f64, f64) {
        (xs.len() as f64, xs.iter().sum(), xs.iter().map(|x| x * x).sum())
    }

    #[test]
    fn welch_textbook_example() {
        // Welch's t-test, Wikipedia's example 1: t = −2.46, df ≈ 25.0, p = 0.021; to more digits,
        // scipy.stats.ttest_ind(a, b, equal_var=False): t = −2.455356, df = 24.988529, p = 0.021378.
        let a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        let b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
        let c = welch(sums(&a), sums(&b), 0.95).unwrap();
        assert!(close(c.statistic, -2.455_356_4, 1e-6), "{c:?}");
        assert!(close(c.df.unwrap(), 24.988_529_3, 1e-6), "{c:?}");
        assert!(close(c.p, 0.021_378_0, 1e-6), "{c:?}");
        // Zero variance in both, or a single answer: not computable.
        assert_eq!(welch(sums(&[3.0, 3.0]), sums(&[3.0, 3.0, 3.0]), 0.95), None);
        assert_eq!(welch(sums(&[3.0]), sums(&[3.0, 4.0]), 0.95), None);
    }

    #[test]
    fn chi_square_example() {
        // 2 × 3 table [[10, 20, 30], [20, 20, 10]]: totals 60/50, columns 30/40/40 of 110;
        // expected [[16.364, 21.818, 21.818], [13.636, 18.182, 18.182]];
        // χ² = 2.475 + 0.152 + 3.068 + 2.970 + 0.182 + 3.682 = 12.5278, df 2, p = e^(−χ²/2) = 0.0019038
        // (scipy.stats.chi2_contingency(..., correction=False): 12.527778, p = 0.00190383).
        let c = chi_square(&[vec![10.0, 20.0, 30.0], vec![20.0, 20.0, 10.0]]).unwrap();
        assert!(close(c.statistic, 12.527_777_8, 1e-6), "{c:?}");
        assert_eq!(c.df, 2.0);
        assert!(close(c.p, 0.001_903_83, 1e-8), "{c:?}");
        assert!(close(c.min_expected, 150.0 / 11.0, 1e-9));
        // An empty category is dropped; one group alone is not a test.
        let with_empty = chi_square(&[vec![10.0, 0.0, 20.0, 30.0], vec![20.0, 0.0, 20.0, 10.0]]).unwrap();
        assert_eq!(with_empty, c);
        assert_eq!(chi_square(&[vec![10.0, 20.0], vec![0.0, 0.0]]), None);
    }

    #[test]
    fn holm_and_bh() {
        // p = 0.01, 0.04, 0.03. Holm: sorted 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 → max(0.04, 0.06) = 0.06.
        // BH: 0.04×3/3 = 0.04, 0.03×3/2 = 0.045 → 0.04, 0.01×3/1 = 0.03.
        let p = [Some(0.01), Some(0.04), Some(0.03), None];
        let holm = adjust(&p, Adjust::Holm);
        let bh = adjust(&p, Adjust::BenjaminiHochberg);
        let r = |v: Vec<Option<f64>>| v.into_iter().map(|x| x.map(|x| (x * 1e9).round() / 1e9)).collect::<Vec<_>>();
        assert_eq!(r(holm), [Some(0.03), Some(0.06), Some(0.06), None]);
        assert_eq!(r(bh), [Some(0.03), Some(0.04), Some(0.04), None]);
        assert_eq!(adjust(&p, Adjust::None), p.to_vec());
    }
}
