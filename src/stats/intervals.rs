//! Confidence intervals for shares, NPS and means. Pure numeric code: no polars, no I/O.
//! `None` means "not computable" (no data, or too little for the method).

use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};

/// A point estimate with its interval, in the estimate's own units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// A share in percent (None when `n` is 0) and its Wilson interval in percent.
pub fn share_pct(yes: f64, n: f64, confidence: f64) -> (Option<f64>, Option<Interval>) {
    let pct = (n > 0.0).then(|| 100.0 * yes / n);
    let ci = wilson(yes, n, confidence).map(|i| Interval { low: 100.0 * i.low, high: 100.0 * i.high });
    (pct, ci)
}

/// A share of a count: `yes` of `n`, in percent, with its Wilson interval in percent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Share {
    pub yes: f64,
    pub n: f64,
    pub pct: Option<f64>,
    pub ci: Option<Interval>,
}

impl Share {
    /// `yes` of `n` ([`share_pct`]).
    pub fn of(yes: f64, n: f64, confidence: f64) -> Share {
        let (pct, ci) = share_pct(yes, n, confidence);
        Share { yes, n, pct, ci }
    }
}

/// The two-sided standard-normal quantile for a confidence level: 1.959964… for 0.95.
pub fn z_value(confidence: f64) -> f64 {
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    normal.inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

/// Wilson score interval for `successes` out of `n`, as proportions (0..1).
/// Wilson (1927); recommended over the Wald interval by Brown, Cai & DasGupta (2001).
pub fn wilson(successes: f64, n: f64, confidence: f64) -> Option<Interval> {
    if n <= 0.0 {
        return None;
    }
    let z = z_value(confidence);
    let p = successes / n;
    let z2n = z * z / n;
    let centre = (p + z2n / 2.0) / (1.0 + z2n);
    let half = z / (1.0 + z2n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    // At 0 or n successes the bound is exactly 0 or 1; the formula only gets there up to rounding.
    let low = if successes <= 0.0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if successes >= n { 1.0 } else { (centre + half).min(1.0) };
    Some(Interval { low, high })
}

/// How the NPS confidence interval is computed (`--nps-interval`, `nps_interval` in the config,
/// and in partial results as `wald` / `adjusted-wald`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NpsMethod {
    /// Normal approximation on the +1/0/−1 scores.
    #[default]
    Wald,
    /// Adjusted Wald: n+3, with 0.75 added to promoters and to detractors.
    // Rocks 2016.
    AdjustedWald,
}

/// An NPS interval in points (−100..100) and its margin of error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NpsInterval {
    pub margin: f64,
    pub interval: Interval,
}

/// Interval for NPS = 100 × (promoters − detractors) / n.
/// Variance of the +1/0/−1 score: p₊ + p₋ − (p₊ − p₋)²; SE = √(var / n).
pub fn nps_interval(promoters: f64, detractors: f64, n: f64, confidence: f64, method: NpsMethod) -> Option<NpsInterval> {
    if n <= 0.0 {
        return None;
    }
    let (pro, det, n) = match method {
        NpsMethod::Wald => (promoters, detractors, n),
        NpsMethod::AdjustedWald => (promoters + 0.75, detractors + 0.75, n + 3.0),
    };
    let (p_pro, p_det) = (pro / n, det / n);
    let centre = p_pro - p_det;
    let variance = (p_pro + p_det - centre * centre).max(0.0);
    let margin = z_value(confidence) * (variance / n).sqrt();
    Some(NpsInterval {
        margin: 100.0 * margin,
        interval: Interval { low: (100.0 * (centre - margin)).max(-100.0), high: (100.0 * (centre + margin)).min(100.0) },
    })
}

/// The Student-t quantile for probability `p` with `df` degrees of freedom, to ~1e-12 relative.
///
/// statrs inverts through √(df·(1−y)/y) with y near 1, which loses about six digits at large df
/// (1.9599936384 instead of 1.9599936383715 at df = 80,000). Below 1,000 df, Newton steps on its
/// CDF (accurate there) recover them; from 1,000 df on, the Cornish–Fisher expansion of t around
/// the normal quantile (Hill 1970, CACM Algorithm 396, terms to 1/df⁴) is exact to double precision.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    // Also rejects NaN arguments.
    let valid = p > 0.0 && p < 1.0 && df > 0.0;
    if !valid {
        return None;
    }
    if df >= 1000.0 {
        let z = Normal::new(0.0, 1.0).ok()?.inverse_cdf(p);
        let z2 = z * z;
        let g1 = (z2 + 1.0) * z / 4.0;
        let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
        let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
        let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
        return Some(z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df);
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let mut t = dist.inverse_cdf(p);
    for _ in 0..4 {
        let density = dist.pdf(t);
        if density.is_nan() || density <= 0.0 {
            break;
        }
        let step = (dist.cdf(t) - p) / density;
        t -= step;
        if step.abs() <= 1e-15 * t.abs().max(1.0) {
            break;
        }
    }
    t.is_finite().then_some(t)
}

/// Mean and Student-t interval from n, Σx and Σx². The interval needs n ≥ 2.
pub fn mean_t_interval(n: f64, sum: f64, sum_sq: f64, confidence: f64) -> Option<(f64, Option<Interval>)> {
    if n <= 0.0 {
        return None;
    }
    let mean = sum / n;
    if n < 2.0 {
        return Some((mean, None));
    }
    // Sample variance s² = (Σx² − (Σx)²/n) / (n − 1); clamp the rounding noise of exact zero.
    let variance = ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0);
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1.0)?;
    let half = t * (variance / n).sqrt();
    Some((mean, Some(Interval { low: mean - half, high: mean + half })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn z_for_95_and_90() {
        assert!(close(z_value(0.95), 1.959_963_984_540_054, 1e-9));
        assert!(close(z_value(0.90), 1.644_853_626_951_472, 1e-9));
    }

    #[test]
    fn wilson_by_hand() {
        // 8 of 10, z = 1.959964: z²/n = 0.3841459; centre = (0.8 + 0.1920729)/1.3841459 = 0.7167..
        // half = 1.959964/1.3841459 × √(0.16/10 + 3.8414588/400) = 1.4160 × √0.0256037 = 0.226578
        // → [0.490162, 0.943318] (same as R's prop.test(8, 10, correct = FALSE)).
        let i = wilson(8.0, 10.0, 0.95).unwrap();
        assert!(close(i.low, 0.490_162, 1e-6), "{i:?}");
        assert!(close(i.high, 0.943_318, 1e-6), "{i:?}");
        // All successes: upper bound 1, lower bound n/(n+z²) = 10/13.841459 = 0.722467.
        let all = wilson(10.0, 10.0, 0.95).unwrap();
        assert!(close(all.high, 1.0, 1e-12) && close(all.low, 0.722_467, 1e-6));
        assert_eq!(wilson(0.0, 0.0, 0.95), None);
        // None of 2: exactly 0 at the bottom (the formula gives 5.6e-15); top = z²/(n+z²) = 3.841459/5.841459 = 0.657620.
        let none = wilson(0.0, 2.0, 0.95).unwrap();
        assert_eq!(none.low, 0.0);
        assert!(close(none.high, 0.657_620, 1e-6));
    }

    #[test]
    fn nps_wald_by_hand() {
        // 6 promoters, 2 passives, 2 detractors of 10 → NPS = 60 − 20 = 40.
        // var = 0.6 + 0.2 − 0.4² = 0.64; SE = √(0.64/10) = 0.252982; MOE = 1.959964 × 0.252982 = 0.495836
        // → 49.58 points; interval [40 − 49.58, 40 + 49.58] = [−9.58, 89.58].
        let r = nps_interval(6.0, 2.0, 10.0, 0.95, NpsMethod::Wald).unwrap();
        assert!(close(r.margin, 49.583_6, 1e-3), "{r:?}");
        assert!(close(r.interval.low, -9.583_6, 1e-3) && close(r.interval.high, 89.583_6, 1e-3));
    }

    #[test]
    fn nps_adjusted_wald_by_hand() {
        // Same data, adjusted: n' = 13, p₊ = 6.75/13 = 0.519231, p₋ = 2.75/13 = 0.211538,
        // centre = 0.307692; var = 0.730769 − 0.094675 = 0.636095; SE = √(0.636095/13) = 0.221202;
        // MOE = 1.959964 × 0.221202 = 0.433548 → [−12.59, 74.12] points.
        let r = nps_interval(6.0, 2.0, 10.0, 0.95, NpsMethod::AdjustedWald).unwrap();
        assert!(close(r.margin, 43.354_8, 1e-3), "{r:?}");
        assert!(close(r.interval.low, -12.585_6, 1e-3) && close(r.interval.high, 74.124_0, 1e-3));
    }

    #[test]
    fn nps_all_promoters_has_zero_width_wald() {
        let r = nps_interval(10.0, 0.0, 10.0, 0.95, NpsMethod::Wald).unwrap();
        assert_eq!(r.margin, 0.0);
        assert_eq!((r.interval.low, r.interval.high), (100.0, 100.0));
        assert_eq!(nps_interval(0.0, 0.0, 0.0, 0.95, NpsMethod::Wald), None);
    }

    #[test]
    fn t_quantiles_match_scipy() {
        // scipy.stats.t.ppf(0.975, df), an independent implementation (Boost's incomplete beta).
        for (df, expected) in [
            (3.0, 3.182_446_305_283_707_8),
            (30.0, 2.042_272_456_301_237_8),
            (999.0, 1.962_341_461_133_449_4),
            (1000.0, 1.962_339_080_826_408_3),
            (40_000.0, 1.960_023_293_084_913),
            (80_000.0, 1.959_993_638_371_452_7),
            (1_900_000.0, 1.959_965_233_104_641_5),
        ] {
            let t = t_quantile(0.975, df).unwrap();
            assert!(close(t, expected, 1e-11 * expected), "df {df}: {t} vs {expected}");
        }
        // Other levels on both sides of the 1,000 df switch: 99 % at 5,000 df, 90 % at 2 df.
        assert!(close(t_quantile(0.995, 5000.0).unwrap(), 2.576_812_966_556_280_2, 1e-11));
        assert!(close(t_quantile(0.95, 2.0).unwrap(), 2.919_985_580_353_724_2, 1e-11));
        // The lower tail mirrors the upper one.
        assert!(close(t_quantile(0.025, 12.0).unwrap(), -t_quantile(0.975, 12.0).unwrap(), 1e-12));
    }

    #[test]
    fn t_interval_by_hand() {
        // Scores 2, 4, 4, 5, 7 (CES): n = 5, Σx = 22, Σx² = 110, mean = 4.4,
        // s² = (110 − 22²/5)/4 = (110 − 96.8)/4 = 3.3, SE = √(3.3/5) = 0.812404,
        // t(0.975, 4) = 2.776445 → half = 2.776445 × 0.812404 = 2.255595 → [2.144405, 6.655595].
        let (mean, i) = mean_t_interval(5.0, 22.0, 110.0, 0.95).unwrap();
        let i = i.unwrap();
        assert!(close(mean, 4.4, 1e-12));
        assert!(close(i.low, 2.144_405, 1e-5) && close(i.high, 6.655_595, 1e-5), "{i:?}");
        // One response: a mean but no interval; none: nothing.
        assert_eq!(mean_t_interval(1.0, 6.0, 36.0, 0.95), Some((6.0, None)));
        assert_eq!(mean_t_interval(0.0, 0.0, 0.0, 0.95), None);
        // Zero variance: zero width, not NaN.
        let (_, z) = mean_t_interval(3.0, 15.0, 75.0, 0.95).unwrap();
        assert_eq!(z, Some(Interval { low: 5.0, high: 5.0 }));
    }
}
