//! Binomial logistic regression on grouped counts (iteratively reweighted least squares, as R's
//! `glm(cbind(yes, no) ~ …, family = binomial)`), its likelihood-ratio test of nested models, and
//! the Cochran–Armitage test for a trend in proportions over ordered groups (R's
//! `prop.trend.test`). Pure numeric code: no polars, no I/O.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// One cell of a grouped binomial regression: its covariate row, trials and successes.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub x: Vec<f64>,
    pub n: f64,
    pub yes: f64,
}

/// A fitted model: coefficients, their covariance (the inverse Fisher information) and the
/// log-likelihood Σ yes·ln p + (n − yes)·ln(1 − p) (without the binomial coefficients, the same
/// in every model of the same cells).
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub beta: Vec<f64>,
    pub covariance: DMatrix<f64>,
    pub log_likelihood: f64,
    pub iterations: usize,
}

/// Why a model could not be fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoFit {
    /// The columns are linearly dependent (a covariate repeats another, or a level of one is
    /// a level of another).
    Collinear,
    /// The estimates run off to infinity: some cells are all yes or all no in a way the model can
    /// fit exactly (separation); the likelihood has no maximum.
    Separation,
}

/// The largest number of IRLS steps; R's `glm` stops at 25 by default, fits here converge in
/// under 10.
const MAX_STEPS: usize = 100;

/// Fits the model by IRLS from β = 0, to a change of the deviance below 1e-12 relative (R's
/// `glm` uses 1e-8). Cells without trials are ignored.
pub fn fit(cells: &[Cell]) -> Result<Fit, NoFit> {
    let cells: Vec<&Cell> = cells.iter().filter(|c| c.n > 0.0).collect();
    let k = cells.first().map_or(0, |c| c.x.len());
    let mut beta = DVector::zeros(k);
    let mut last = f64::NEG_INFINITY;
    for step in 1..=MAX_STEPS {
        let (info, score) = information(&cells, &beta);
        let chol = info.cholesky().ok_or(NoFit::Collinear)?;
        beta += chol.solve(&score);
        let ll = log_likelihood(&cells, &beta);
        if beta.iter().any(|b| !b.is_finite() || b.abs() > 30.0) {
            return Err(NoFit::Separation);
        }
        if (ll - last).abs() <= 1e-12 * (ll.abs() + 0.1) {
            // The covariance at the estimate.
            let covariance = information(&cells, &beta).0.cholesky().ok_or(NoFit::Collinear)?.inverse();
            return Ok(Fit { beta: beta.iter().copied().collect(), covariance, log_likelihood: ll, iterations: step });
        }
        last = ll;
    }
    Err(NoFit::Separation)
}

/// The Fisher information Σ n·p(1 − p)·x xᵀ and the score Σ (yes − n·p)·x at `beta`.
fn information(cells: &[&Cell], beta: &DVector<f64>) -> (DMatrix<f64>, DVector<f64>) {
    let k = beta.len();
    let mut info = DMatrix::zeros(k, k);
    let mut score = DVector::zeros(k);
    for c in cells {
        let x = DVector::from_column_slice(&c.x);
        let p = expit(x.dot(beta));
        info += &x * x.transpose() * (c.n * p * (1.0 - p));
        score += &x * (c.yes - c.n * p);
    }
    (info, score)
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn log_likelihood(cells: &[&Cell], beta: &DVector<f64>) -> f64 {
    cells
        .iter()
        .map(|c| {
            let eta = DVector::from_column_slice(&c.x).dot(beta);
            // ln p = −ln(1 + e^−η), ln(1 − p) = −ln(1 + e^η), computed without overflow.
            let log1pexp = |t: f64| if t > 0.0 { t + (-t).exp().ln_1p() } else { t.exp().ln_1p() };
            -c.yes * log1pexp(-eta) - (c.n - c.yes) * log1pexp(eta)
        })
        .sum()
}

/// A chi-square test: statistic, degrees of freedom, p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    pub statistic: f64,
    pub df: f64,
    pub p: f64,
}

/// The likelihood-ratio test of a model against the model with `df` fewer parameters nested in it:
/// 2·(ℓ_full − ℓ_reduced) against χ²(df).
pub fn likelihood_ratio(full: &Fit, reduced: &Fit, df: f64) -> Option<Test> {
    let statistic = (2.0 * (full.log_likelihood - reduced.log_likelihood)).max(0.0);
    let p = ChiSquared::new(df).ok()?.sf(statistic);
    Some(Test { statistic, df, p })
}

/// The Cochran–Armitage test for a linear trend in the proportions yesᵢ/nᵢ over groups scored
/// sᵢ (Armitage 1955), as R's `prop.trend.test`: with p̄ = Σyes/N and s̄ = Σnᵢsᵢ/N,
/// χ² = (Σ yesᵢ(sᵢ − s̄))² / (p̄(1 − p̄)·Σ nᵢ(sᵢ − s̄)²), 1 df. `None` when every answer is
/// the same or only one group has customers.
pub fn trend(groups: &[(f64, f64, f64)]) -> Option<Test> {
    let total: f64 = groups.iter().map(|g| g.1).sum();
    let yes: f64 = groups.iter().map(|g| g.2).sum();
    if total <= 0.0 {
        return None;
    }
    let mean_score = groups.iter().map(|(s, n, _)| n * s).sum::<f64>() / total;
    let p = yes / total;
    let spread: f64 = groups.iter().map(|(s, n, _)| n * (s - mean_score).powi(2)).sum();
    let denominator = p * (1.0 - p) * spread;
    if denominator <= 0.0 {
        return None;
    }
    let numerator = groups.iter().map(|(s, _, y)| y * (s - mean_score)).sum::<f64>().powi(2);
    let statistic = numerator / denominator;
    Some(Test { statistic, df: 1.0, p: ChiSquared::new(1.0).ok()?.sf(statistic) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(x: &[f64], n: f64, yes: f64) -> Cell {
        Cell { x: x.to_vec(), n, yes }
    }

    #[test]
    fn a_saturated_two_group_model_by_hand() {
        // Group a: 6 of 10, group b: 2 of 10. With an intercept and a dummy for a, the fit is
        // exact: β₀ = logit 0.2 = −ln 4, β₁ = logit 0.6 − logit 0.2 = ln 1.5 + ln 4 = ln 6.
        // Var β₁ = 1/(10·0.6·0.4) + 1/(10·0.2·0.8) = 0.416667 + 0.625 = 1.041667.
        let cells = [cell(&[1.0, 1.0], 10.0, 6.0), cell(&[1.0, 0.0], 10.0, 2.0)];
        let f = fit(&cells).unwrap();
        assert!((f.beta[0] + 4f64.ln()).abs() < 1e-10 && (f.beta[1] - 6f64.ln()).abs() < 1e-10, "{f:?}");
        assert!((f.covariance[(1, 1)] - (1.0 / 2.4 + 1.0 / 1.6)).abs() < 1e-10);
        // ℓ = 6 ln 0.6 + 4 ln 0.4 + 2 ln 0.2 + 8 ln 0.8; the intercept-only model has p = 0.4:
        // ℓ₀ = 8 ln 0.4 + 12 ln 0.6. LR = 2(ℓ − ℓ₀) = 3.4522… (R: anova(glm, test = "LRT")).
        let ll = 6.0 * 0.6f64.ln() + 4.0 * 0.4f64.ln() + 2.0 * 0.2f64.ln() + 8.0 * 0.8f64.ln();
        assert!((f.log_likelihood - ll).abs() < 1e-10);
        let null = fit(&[cell(&[1.0], 10.0, 6.0), cell(&[1.0], 10.0, 2.0)]).unwrap();
        assert!((null.log_likelihood - (8.0 * 0.4f64.ln() + 12.0 * 0.6f64.ln())).abs() < 1e-10);
        let t = likelihood_ratio(&f, &null, 1.0).unwrap();
        assert!((t.statistic - 2.0 * (ll - 8.0 * 0.4f64.ln() - 12.0 * 0.6f64.ln())).abs() < 1e-9, "{t:?}");
    }

    #[test]
    fn collinear_and_separated_models_are_refused() {
        let twice = [cell(&[1.0, 1.0, 1.0], 10.0, 6.0), cell(&[1.0, 0.0, 0.0], 10.0, 2.0)];
        assert_eq!(fit(&twice), Err(NoFit::Collinear));
        // Group a all yes: its coefficient runs off to infinity.
        let separated = [cell(&[1.0, 1.0], 10.0, 10.0), cell(&[1.0, 0.0], 10.0, 2.0)];
        assert_eq!(fit(&separated), Err(NoFit::Separation));
    }

    #[test]
    fn trend_by_hand() {
        // Scores 0, 1, 2 with 2/10, 4/10, 6/10: N = 30, p̄ = 0.4, s̄ = 1;
        // numerator (2·(−1) + 4·0 + 6·1)² = 16; denominator 0.24·(10 + 0 + 10) = 4.8: χ² = 3.3333.
        let t = trend(&[(0.0, 10.0, 2.0), (1.0, 10.0, 4.0), (2.0, 10.0, 6.0)]).unwrap();
        assert!((t.statistic - 16.0 / 4.8).abs() < 1e-12, "{t:?}");
        assert_eq!(trend(&[(0.0, 10.0, 0.0), (1.0, 10.0, 0.0)]), None);
    }
}
