//! Is a difference real? Two-group tests on sufficient statistics, the chi-square test of
//! homogeneity, and multiple-comparison adjustments. `None` means not computable (an empty
//! group, no variance), never NaN.
//!
//! References: two-proportion z-test (pooled SE for the test), Agresti (2013) §3.1, with
//! Newcombe's (1998, method 10) hybrid score interval of the difference; NPS difference with
//! SE² = Var₁/n₁ + Var₂/n₂ on the +1/0/−1 scores, or adjusted-Wald (Rocks 2016; Lewis & Sauro
//! 2021); Welch (1947) with the Welch–Satterthwaite df; Pearson's chi-square; Cohen (1988) for
//! h, d and w (= Cramér's V on two rows); Holm (1979); Benjamini & Hochberg (1995).

use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Normal, StudentsT};

use crate::stats::intervals::{t_quantile, wilson, z_value, Interval, NpsMethod};

/// The comparison of group 1 with group 2: difference 1 − 2, its interval, the test statistic
/// (z or t), its degrees of freedom (t only) and the two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    pub difference: f64,
    pub interval: Option<Interval>,
    pub statistic: f64,
    pub df: Option<f64>,
    pub p: f64,
    /// The standard error the test divided by (for the detectable difference).
    pub se: f64,
}

fn normal_two_sided(z: f64) -> f64 {
    let n = Normal::new(0.0, 1.0).expect("standard normal");
    (2.0 * n.sf(z.abs())).min(1.0)
}

/// Two-proportion z-test of x₁/n₁ against x₂/n₂ (difference in proportion units), with
/// Newcombe's hybrid score interval of the difference ([`newcombe`]).
pub fn two_proportions(x1: f64, n1: f64, x2: f64, n2: f64, confidence: f64) -> Option<Comparison> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let pooled = (x1 + x2) / (n1 + n2);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if se0 <= 0.0 {
        // Both groups all yes or all no: no variation to test against.
        return None;
    }
    let mut c = z_test(x1 / n1 - x2 / n2, se0, se0, confidence);
    c.interval = newcombe(x1, n1, x2, n2, confidence);
    Some(c)
}

/// Newcombe's hybrid score interval for p₁ − p₂ (Newcombe 1998, method 10): with the Wilson
/// intervals (l₁, u₁) and (l₂, u₂) of each share, d − √((p₁ − l₁)² + (u₂ − p₂)²) to
/// d + √((u₁ − p₁)² + (p₂ − l₂)²). It stays within −1…1 and agrees with each share's own interval.
pub fn newcombe(x1: f64, n1: f64, x2: f64, n2: f64, confidence: f64) -> Option<Interval> {
    let (w1, w2) = (wilson(x1, n1, confidence)?, wilson(x2, n2, confidence)?);
    let (p1, p2) = (x1 / n1, x2 / n2);
    let d = p1 - p2;
    Some(Interval {
        low: d - ((p1 - w1.low).powi(2) + (w2.high - p2).powi(2)).sqrt(),
        high: d + ((w1.high - p1).powi(2) + (p2 - w2.low).powi(2)).sqrt(),
    })
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
        se: se_test,
    }
}

/// Difference of two NPS (in score units, −2…2; ×100 for points): z-test with
/// SE² = Var₁/n₁ + Var₂/n₂, Var = p₊ + p₋ − (p₊ − p₋)² of the +1/0/−1 scores, on the counts
/// (promoters, detractors, n) as they are (`Wald`) or, `AdjustedWald`, each side with ¾ promoter,
/// ¾ detractor and 3 answers added (Rocks 2016; Lewis & Sauro 2021): the test and the interval
/// are then of the adjusted difference, the difference itself stays the observed one.
pub fn nps_difference(first: (f64, f64, f64), second: (f64, f64, f64), confidence: f64, method: NpsMethod) -> Option<Comparison> {
    if first.2 <= 0.0 || second.2 <= 0.0 {
        return None;
    }
    let nps = |(pro, det, n): (f64, f64, f64)| (pro - det) / n;
    let observed = nps(first) - nps(second);
    let adjust = |(pro, det, n): (f64, f64, f64)| match method {
        NpsMethod::Wald => (pro, det, n),
        NpsMethod::AdjustedWald => (pro + 0.75, det + 0.75, n + 3.0),
    };
    let (a, b) = (adjust(first), adjust(second));
    let var = |side: (f64, f64, f64)| ((side.0 + side.1) / side.2 - nps(side).powi(2)).max(0.0);
    let se = (var(a) / a.2 + var(b) / b.2).sqrt();
    if se <= 0.0 || var(first) + var(second) <= 0.0 {
        return None;
    }
    let mut c = z_test(nps(a) - nps(b), se, se, confidence);
    c.difference = observed;
    Some(c)
}

/// Cohen's h of two shares: 2·asin √p₁ − 2·asin √p₂ (0.2 small, 0.5 medium, 0.8 large).
pub fn cohen_h(p1: f64, p2: f64) -> f64 {
    2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin()
}

/// Cohen's d of two means from (n, Σx, Σx²) each: the difference over the pooled standard
/// deviation √(((n₁ − 1)s₁² + (n₂ − 1)s₂²)/(n₁ + n₂ − 2)). `None` without a spread.
pub fn cohen_d(first: (f64, f64, f64), second: (f64, f64, f64)) -> Option<f64> {
    let (n1, s1, q1) = first;
    let (n2, s2, q2) = second;
    if n1 <= 0.0 || n2 <= 0.0 || n1 + n2 <= 2.0 {
        return None;
    }
    let pooled = ((q1 - s1 * s1 / n1).max(0.0) + (q2 - s2 * s2 / n2).max(0.0)) / (n1 + n2 - 2.0);
    (pooled > 0.0).then(|| (s1 / n1 - s2 / n2) / pooled.sqrt())
}

/// Cramér's V of a chi-square on a table of `total` answers whose smaller side has `k` levels:
/// √(χ²/(total·(k − 1))); on two groups it is Cohen's w.
pub fn cramer_v(statistic: f64, total: f64, k: f64) -> Option<f64> {
    (total > 0.0 && k >= 2.0).then(|| (statistic / (total * (k - 1.0))).sqrt())
}

/// The minimum detectable difference of a two-sided z-test at level `alpha` with power `power`,
/// in units of the test's standard error: the k with Φ(k − z) + Φ(−k − z) = power, z = z₁₋α/₂
/// (both tails, as statsmodels' `NormalIndPower`); k ≈ z + z_power, 2.8016 at α = 0.05 and 80%.
pub fn detectable_multiple(alpha: f64, power: f64) -> Option<f64> {
    let normal = Normal::new(0.0, 1.0).ok()?;
    if !(alpha > 0.0 && alpha < 1.0 && power > alpha && power < 1.0) {
        return None;
    }
    let z = normal.inverse_cdf(1.0 - alpha / 2.0);
    let mut k = z + normal.inverse_cdf(power);
    for _ in 0..20 {
        let f = normal.cdf(k - z) + normal.cdf(-k - z) - power;
        let slope = normal.pdf(k - z) - normal.pdf(-k - z);
        let step = f / slope;
        k -= step;
        if step.abs() < 1e-15 {
            break;
        }
    }
    Some(k)
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
    t_test(m1 - m2, se2.sqrt(), df, confidence)
}

/// A two-sided t-test of `difference` with standard error `se` on `df` degrees of freedom, and
/// the interval difference ± t·se.
pub fn t_test(difference: f64, se: f64, df: f64, confidence: f64) -> Option<Comparison> {
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
        se,
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
        // Newcombe: Wilson 45/100 = 0.3561453798–0.5475539700, 30/100 = 0.2189488529–0.3958485463
        // (statsmodels proportion_confint(method="wilson")); 0.15 − √(0.0938546² + 0.0958485²)
        // to 0.15 + √(0.0975540² + 0.0810511²): statsmodels confint_proportions_2indep(method=
        // "newcomb") = 0.015852195068122632 to 0.2768308539196249.
        let c = two_proportions(45.0, 100.0, 30.0, 100.0, 0.95).unwrap();
        assert!(close(c.statistic, 2.190_890_2, 1e-6), "{c:?}");
        assert!(close(c.p, 0.028_459_7, 1e-6), "{c:?}");
        let i = c.interval.unwrap();
        let low = 0.15 - ((0.45f64 - 0.356_145_379_8).powi(2) + (0.395_848_546_3f64 - 0.30).powi(2)).sqrt();
        assert!(close(i.low, low, 1e-9) && close(i.low, 0.015_852_195_068_122_632, 1e-13), "{i:?}");
        assert!(close(i.high, 0.276_830_853_919_624_9, 1e-13), "{i:?}");
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
        let c = nps_difference((50.0, 20.0, 100.0), (40.0, 30.0, 100.0), 0.95, NpsMethod::Wald).unwrap();
        assert!(close(c.difference, 0.20, 1e-12));
        assert!(close(c.statistic, 1.754_116, 1e-6), "{c:?}");
        assert!(close(c.p, 0.079_410_6, 1e-6), "{c:?}");
        // Adjusted Wald: 50.75 and 20.75 of 103 → 0.2912621, Var = 0.6941748 − 0.0848336 =
        // 0.6093411; 40.75 and 30.75 of 103 → 0.0970874, Var = 0.6941748 − 0.0094260 = 0.6847488.
        // SE = √((0.6093411 + 0.6847488)/103) = 0.1120892; z = 0.1941748/0.1120892 = 1.732324.
        let a = nps_difference((50.0, 20.0, 100.0), (40.0, 30.0, 100.0), 0.95, NpsMethod::AdjustedWald).unwrap();
        assert!(close(a.difference, 0.20, 1e-12) && close(a.statistic, 1.732_324, 1e-6), "{a:?}");
        let i = a.interval.unwrap();
        assert!(close(i.low, 0.194_174_8 - 1.959_964 * 0.112_089_2, 1e-6), "{i:?}");
        // All promoters in both groups: zero variance, not computable (adjusted or not).
        assert_eq!(nps_difference((10.0, 0.0, 10.0), (5.0, 0.0, 5.0), 0.95, NpsMethod::Wald), None);
        assert_eq!(nps_difference((10.0, 0.0, 10.0), (5.0, 0.0, 5.0), 0.95, NpsMethod::AdjustedWald), None);
    }

    #[test]
    fn effect_sizes_and_detectable_differences_by_hand() {
        // h of 0.45 and 0.30: 2·asin √0.45 − 2·asin √0.30 = 1.4706289 − 1.1592795 = 0.3113494.
        assert!(close(cohen_h(0.45, 0.30), 0.311_349_4, 1e-7));
        // d of {1, 2, 3} and {2, 4, 6}: means 2 and 4, SS 2 and 8, pooled s² = 10/4 → d = −2/√2.5.
        assert!(close(cohen_d(sums(&[1.0, 2.0, 3.0]), sums(&[2.0, 4.0, 6.0])).unwrap(), -2.0 / 2.5f64.sqrt(), 1e-12));
        assert_eq!(cohen_d(sums(&[2.0, 2.0]), sums(&[2.0, 2.0])), None);
        // V on 2 rows: √(χ²/N), e.g. χ² = 12.528 on 200 answers → 0.2502799.
        assert!(close(cramer_v(12.528, 200.0, 2.0).unwrap(), (12.528f64 / 200.0).sqrt(), 1e-15));
        // k with Φ(k − z) + Φ(−k − z) = 0.8 at z = z₀.₉₇₅: 2.8015817870803623, 3.4e-6 below
        // z + z₀.₈ = 2.8015852 (the other tail adds power); statsmodels' NormalIndPower().power at
        // it is 0.8 to 1e-9 (scripts/check_compare.py).
        let k = detectable_multiple(0.05, 0.8).unwrap();
        let normal = Normal::new(0.0, 1.0).unwrap();
        let z = 1.959_963_984_540_054;
        assert!(close(normal.cdf(k - z) + normal.cdf(-k - z), 0.8, 1e-14), "{k}");
        assert!(close(k, 2.801_581_787_080_362, 1e-12), "{k}");
        assert_eq!(detectable_multiple(0.05, 0.01), None);
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
