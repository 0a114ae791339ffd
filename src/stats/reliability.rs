//! Multi-item scales: a satisfaction index built from several items and how reliable it is.
//!
//! Everything here works on the items' covariance matrix over the complete rows (listwise
//! deletion), as `psych::alpha(na.omit(x))` does in R:
//! - Cronbach's α = k/(k−1)·(1 − Σσᵢ²/σ²ₓ), σ²ₓ = ΣᵢΣⱼ σᵢⱼ the variance of the items' sum
//!   (Cronbach 1951); the standardised α is the same on the correlation matrix,
//!   k·r̄/(1 + (k−1)·r̄).
//! - Feldt's interval for α (Feldt 1965; Feldt, Woodruff & Salih 1987): (1 − α)/(1 − α̂) follows
//!   F(n−1, (n−1)(k−1)), so α ∈ [1 − (1−α̂)·F₁₋γ/₂, 1 − (1−α̂)·Fγ/₂] (`psych::alpha.ci`).
//! - Each item's item-rest correlation (with the sum of the other items, `r.drop` in psych) and
//!   α if it is dropped (α of the other items).
//! - A composite Σwᵢ·(xᵢ − low)/(high − low)·100: its mean and, from the covariances, its
//!   variance, for a Student-t interval of the index.
//!
//! McDonald's ω is not computed: it needs a factor model fitted iteratively (minres or maximum
//! likelihood, as `psych::omega` does), whose result depends on the fitting method and its
//! stopping rule, so it could not be given exactly.

use statrs::distribution::{Continuous, ContinuousCDF, FisherSnedecor};

use crate::stats::drivers::Moments;
use crate::stats::intervals::{t_quantile, Interval};

/// The sample covariance matrix (divisor n − 1) of variables 0..k from their sums.
pub fn covariances(m: &Moments) -> Option<Vec<Vec<f64>>> {
    let k = m.sums.len();
    (m.n > 1.0).then(|| (0..k).map(|i| (0..k).map(|j| (m.cross[i][j] - m.sums[i] * m.sums[j] / m.n) / (m.n - 1.0)).collect()).collect())
}

/// Σ of the entries of `cov` whose row and column are both in `keep`.
fn total(cov: &[Vec<f64>], keep: &[usize]) -> f64 {
    keep.iter().map(|&i| keep.iter().map(|&j| cov[i][j]).sum::<f64>()).sum()
}

/// Cronbach's α of the items `keep` of `cov`; none for fewer than two items or a sum that does
/// not vary.
pub fn alpha_of(cov: &[Vec<f64>], keep: &[usize]) -> Option<f64> {
    let k = keep.len() as f64;
    let variance = total(cov, keep);
    if keep.len() < 2 || variance.is_nan() || variance <= 1e-12 * keep.iter().map(|&i| cov[i][i]).sum::<f64>().max(1e-300) {
        return None;
    }
    let diagonal: f64 = keep.iter().map(|&i| cov[i][i]).sum();
    Some(k / (k - 1.0) * (1.0 - diagonal / variance))
}

/// Cronbach's α of all the items.
pub fn alpha(cov: &[Vec<f64>]) -> Option<f64> {
    alpha_of(cov, &(0..cov.len()).collect::<Vec<_>>())
}

/// The standardised α, k·r̄/(1 + (k−1)·r̄) with r̄ the mean correlation between two different
/// items; none when an item does not vary.
pub fn standardised_alpha(cov: &[Vec<f64>]) -> Option<f64> {
    let k = cov.len();
    if k < 2 || cov.iter().enumerate().any(|(i, row)| row[i] <= 0.0) {
        return None;
    }
    let mut sum = 0.0;
    for i in 0..k {
        for j in 0..k {
            if i != j {
                sum += cov[i][j] / (cov[i][i] * cov[j][j]).sqrt();
            }
        }
    }
    let kf = k as f64;
    let mean = sum / (kf * (kf - 1.0));
    Some(kf * mean / (1.0 + (kf - 1.0) * mean))
}

/// The quantile of the F distribution with (`d1`, `d2`) degrees of freedom at `p`, to about
/// 1e-12 relative: statrs' inverse (a bisection) polished by Newton steps on its CDF.
pub fn f_quantile(p: f64, d1: f64, d2: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0 && d1 > 0.0 && d2 > 0.0) {
        return None;
    }
    let dist = FisherSnedecor::new(d1, d2).ok()?;
    let mut x = dist.inverse_cdf(p);
    for _ in 0..8 {
        let density = dist.pdf(x);
        if !(density.is_finite() && density > 0.0) {
            break;
        }
        let step = (dist.cdf(x) - p) / density;
        let next = if x - step > 0.0 { x - step } else { x / 2.0 };
        let moved = (next - x).abs();
        x = next;
        if moved <= 1e-15 * x.abs().max(1e-300) {
            break;
        }
    }
    x.is_finite().then_some(x)
}

/// Feldt's interval for α from `n` complete rows and `k` items, at `confidence`.
pub fn feldt_interval(alpha: f64, n: f64, k: usize, confidence: f64) -> Option<Interval> {
    if n < 2.0 || k < 2 {
        return None;
    }
    let (d1, d2) = (n - 1.0, (n - 1.0) * (k as f64 - 1.0));
    let tail = (1.0 - confidence) / 2.0;
    Some(Interval { low: 1.0 - (1.0 - alpha) * f_quantile(1.0 - tail, d1, d2)?, high: 1.0 - (1.0 - alpha) * f_quantile(tail, d1, d2)? })
}

/// One item's place in the scale: its correlation with the sum of the other items, and α
/// without it (none with fewer than three items, where one item would be left).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemFit {
    pub item_rest: Option<f64>,
    pub alpha_if_dropped: Option<f64>,
}

/// [`ItemFit`] of item `i`.
pub fn item_fit(cov: &[Vec<f64>], i: usize) -> ItemFit {
    let rest: Vec<usize> = (0..cov.len()).filter(|&j| j != i).collect();
    let with_rest: f64 = rest.iter().map(|&j| cov[i][j]).sum();
    let rest_variance = total(cov, &rest);
    let item_rest = (cov[i][i] > 0.0 && rest_variance > 0.0).then(|| (with_rest / (cov[i][i] * rest_variance).sqrt()).clamp(-1.0, 1.0));
    ItemFit { item_rest, alpha_if_dropped: if rest.len() >= 2 { alpha_of(cov, &rest) } else { None } }
}

/// The mean of a composite Σwᵢ·yᵢ and its variance Σᵢⱼ wᵢwⱼσᵢⱼ over the rows, given the items'
/// means and covariances (any affine rescaling of each item is in `w` and `shift`:
/// composite = Σwᵢxᵢ + shift).
pub fn composite(means: &[f64], cov: &[Vec<f64>], w: &[f64], shift: f64) -> (f64, f64) {
    let mean = means.iter().zip(w).map(|(m, w)| m * w).sum::<f64>() + shift;
    let mut variance = 0.0;
    for i in 0..w.len() {
        for j in 0..w.len() {
            variance += w[i] * w[j] * cov[i][j];
        }
    }
    (mean, variance.max(0.0))
}

/// The Student-t interval of a mean from its sample variance and n.
pub fn mean_interval(mean: f64, variance: f64, n: f64, confidence: f64) -> Option<Interval> {
    if n < 2.0 {
        return None;
    }
    let margin = t_quantile(1.0 - (1.0 - confidence) / 2.0, n - 1.0)? * (variance / n).sqrt();
    Some(Interval { low: mean - margin, high: mean + margin })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three items on 1–5 over five respondents:
    ///   a = 4 5 3 4 2, b = 3 5 3 4 1, c = 4 4 2 5 2.
    fn example() -> Moments {
        let rows = [[4.0, 3.0, 4.0], [5.0, 5.0, 4.0], [3.0, 3.0, 2.0], [4.0, 4.0, 5.0], [2.0, 1.0, 2.0]];
        let mut m = Moments { n: 5.0, sums: vec![0.0; 3], cross: vec![vec![0.0; 3]; 3] };
        for r in rows {
            for i in 0..3 {
                m.sums[i] += r[i];
                for j in 0..3 {
                    m.cross[i][j] += r[i] * r[j];
                }
            }
        }
        m
    }

    #[test]
    fn alpha_worked_by_hand() {
        // Means 3.6, 3.2, 3.4. Deviations a: .4 1.4 −.6 .4 −1.6; b: −.2 1.8 −.2 .8 −2.2;
        // c: .6 .6 −1.4 1.6 −1.4. Σ squares: a 5.2, b 8.8, c 7.2; Σ products: ab 6.4, ac 4.8, bc 5.6.
        // Covariances (÷4): var 1.3, 2.2, 1.8; cov ab 1.6, ac 1.2, bc 1.4.
        let cov = covariances(&example()).unwrap();
        assert!((cov[0][0] - 1.3).abs() < 1e-12 && (cov[0][1] - 1.6).abs() < 1e-12 && (cov[1][2] - 1.4).abs() < 1e-12);
        // σ²ₓ = 1.3 + 2.2 + 1.8 + 2·(1.6 + 1.2 + 1.4) = 5.3 + 8.4 = 13.7;
        // α = 3/2 · (1 − 5.3/13.7) = 1.5 · 8.4/13.7 = 0.919708029.
        assert!((alpha(&cov).unwrap() - 1.5 * 8.4 / 13.7).abs() < 1e-12);
        // Item a against b + c: cov(a, b+c) = 1.6 + 1.2 = 2.8; var(b+c) = 2.2 + 1.8 + 2.8 = 6.8;
        // r = 2.8/√(1.3·6.8) = 0.941…; α without a = 2·(1 − 4.0/6.8) = 0.823529412.
        let fit = item_fit(&cov, 0);
        assert!((fit.item_rest.unwrap() - 2.8 / (1.3f64 * 6.8).sqrt()).abs() < 1e-12);
        assert!((fit.alpha_if_dropped.unwrap() - 2.0 * (1.0 - 4.0 / 6.8)).abs() < 1e-12);
        // Standardised: r_ab = 1.6/√(1.3·2.2), r_ac = 1.2/√(1.3·1.8), r_bc = 1.4/√(2.2·1.8);
        // r̄ = their mean; α_std = 3r̄/(1 + 2r̄).
        let r = (1.6 / (1.3f64 * 2.2).sqrt() + 1.2 / (1.3f64 * 1.8).sqrt() + 1.4 / (2.2f64 * 1.8).sqrt()) / 3.0;
        assert!((standardised_alpha(&cov).unwrap() - 3.0 * r / (1.0 + 2.0 * r)).abs() < 1e-12);
    }

    #[test]
    fn a_reversed_item_turns_its_item_rest_correlation_negative() {
        // c reversed on 1–5 (6 − c): its covariances with a and b change sign, α falls.
        let mut cov = covariances(&example()).unwrap();
        for j in [0, 1] {
            cov[2][j] = -cov[2][j];
            cov[j][2] = -cov[j][2];
        }
        assert!(item_fit(&cov, 2).item_rest.unwrap() < 0.0);
        // σ²ₓ = 5.3 + 2·(1.6 − 1.2 − 1.4) = 3.3; α = 1.5·(1 − 5.3/3.3) < 0.
        assert!((alpha(&cov).unwrap() - 1.5 * (1.0 - 5.3 / 3.3)).abs() < 1e-12);
    }

    #[test]
    fn no_alpha_without_two_items_or_variance() {
        assert_eq!(alpha(&[vec![1.0]]), None);
        assert_eq!(alpha(&[vec![0.0, 0.0], vec![0.0, 0.0]]), None);
        assert_eq!(item_fit(&[vec![1.0, 0.5], vec![0.5, 1.0]], 0).alpha_if_dropped, None);
    }

    #[test]
    fn f_quantiles_match_r() {
        // R 4.2: qf(0.975, 4, 8) = 5.052632217363511; qf(0.025, 4, 8) = 0.111363778014429.
        assert!((f_quantile(0.975, 4.0, 8.0).unwrap() - 5.052632217363511).abs() < 1e-12);
        assert!((f_quantile(0.025, 4.0, 8.0).unwrap() - 0.111363778014429).abs() < 1e-13);
    }

    #[test]
    fn feldt_interval_worked_by_hand() {
        // n = 5, k = 3: F(4, 8). α̂ = 0.919708: low = 1 − 0.080292·5.052632, high = 1 − 0.080292·0.111364.
        let a = 1.5 * 8.4 / 13.7;
        let ci = feldt_interval(a, 5.0, 3, 0.95).unwrap();
        assert!((ci.low - (1.0 - (1.0 - a) * 5.052632217363511)).abs() < 1e-12, "{ci:?}");
        assert!((ci.high - (1.0 - (1.0 - a) * 0.111363778014429)).abs() < 1e-12, "{ci:?}");
    }

    #[test]
    fn composite_of_rescaled_items() {
        // Index of a and b on 1–5 with equal weights: each (x − 1)/4·100, averaged:
        // w = 12.5 each, shift = −25. Mean = 12.5·(3.6 + 3.2) − 25 = 60;
        // variance = 12.5²·(1.3 + 2.2 + 2·1.6) = 156.25·6.7 = 1046.875.
        let cov = covariances(&example()).unwrap();
        let (mean, var) = composite(&[3.6, 3.2], &[cov[0][..2].to_vec(), cov[1][..2].to_vec()], &[12.5, 12.5], -25.0);
        assert!((mean - 60.0).abs() < 1e-12 && (var - 1046.875).abs() < 1e-9);
        // Per respondent: (4,3) → 62.5, (5,5) → 100, (3,3) → 50, (4,4) → 75, (2,1) → 12.5:
        // mean 60, deviations 2.5 40 −10 15 −47.5, Σ squares 4187.5, ÷4 = 1046.875. ✓
        let ci = mean_interval(mean, var, 5.0, 0.95).unwrap();
        // t(0.975, 4) = 2.776445 (R: qt(0.975, 4)); margin = 2.776445·√(1046.875/5) = 40.17…
        assert!((ci.high - 60.0 - 2.776445105197793 * (209.375f64).sqrt()).abs() < 1e-9);
    }
}
