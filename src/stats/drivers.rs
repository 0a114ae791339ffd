//! Key-driver analysis on sufficient statistics: correlations from sums and cross-products,
//! Johnson's relative weights, and importance–performance quadrants.
//!
//! Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
//! variables in multiple regression. *Multivariate Behavioral Research* 35(1), 1–19.

use nalgebra::{DMatrix, DVector, SymmetricEigen};

/// Sums over the complete rows of a group, for variables 0..k (variable 0 is the target):
/// `sums[i]` = Σxᵢ and `cross[i][j]` = Σxᵢxⱼ (symmetric).
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    pub n: f64,
    pub sums: Vec<f64>,
    pub cross: Vec<Vec<f64>>,
}

impl Moments {
    /// Σ(xᵢ − x̄ᵢ)(xⱼ − x̄ⱼ).
    fn centred(&self, i: usize, j: usize) -> f64 {
        self.cross[i][j] - self.sums[i] * self.sums[j] / self.n
    }

    /// The mean of variable `i` (none without rows).
    pub fn mean(&self, i: usize) -> Option<f64> {
        (self.n > 0.0).then(|| self.sums[i] / self.n)
    }

    /// Whether variable `i` varies (its centred sum of squares is clearly above rounding).
    pub fn varies(&self, i: usize) -> bool {
        let ss = self.centred(i, i);
        self.n > 1.0 && ss > 1e-12 * self.cross[i][i].abs().max(1.0)
    }

    /// Pearson's r of variables `i` and `j`; none when either does not vary.
    pub fn correlation(&self, i: usize, j: usize) -> Option<f64> {
        if !self.varies(i) || !self.varies(j) {
            return None;
        }
        let r = self.centred(i, j) / (self.centred(i, i) * self.centred(j, j)).sqrt();
        Some(r.clamp(-1.0, 1.0))
    }

    /// Johnson's relative weights of the variables `drivers` on variable 0 (the target), from
    /// their correlations (0 where one does not vary); `None` when they are collinear.
    pub fn relative_weights(&self, drivers: &[usize]) -> Option<RelativeWeights> {
        let r = |i: usize, j: usize| if i == j { 1.0 } else { self.correlation(i, j).unwrap_or(0.0) };
        let rxx: Vec<Vec<f64>> = drivers.iter().map(|&i| drivers.iter().map(|&j| r(i, j)).collect()).collect();
        let rxy: Vec<f64> = drivers.iter().map(|&j| self.correlation(0, j).unwrap_or(0.0)).collect();
        relative_weights(&rxx, &rxy)
    }
}

/// Relative weights of the predictors: raw weights sum to the model R².
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeWeights {
    pub raw: Vec<f64>,
    pub r2: f64,
}

impl RelativeWeights {
    /// Each weight as a percentage of R² (none when R² is 0).
    pub fn percent(&self) -> Vec<Option<f64>> {
        self.raw.iter().map(|w| (self.r2 > 0.0).then(|| 100.0 * w / self.r2)).collect()
    }
}

/// Smallest eigenvalue of the predictors' correlation matrix below which they are taken to be
/// collinear (one is a linear combination of the others) and the weights are not computable.
const COLLINEAR: f64 = 1e-8;

/// Johnson's relative weights from the predictors' correlation matrix `rxx` (k×k) and their
/// correlations with the target `rxy`. With Rxx = VΛVᵀ and Λ½ = VΛ^½Vᵀ, the orthogonal
/// counterparts Z of the predictors give β = Λ½⁻¹·rxy, and the raw weight of predictor j is
/// εⱼ = Σₖ (Λ½)ⱼₖ² βₖ²; Σεⱼ = Σβₖ² = R². None when the predictors are collinear.
pub fn relative_weights(rxx: &[Vec<f64>], rxy: &[f64]) -> Option<RelativeWeights> {
    let k = rxy.len();
    if k == 0 || rxx.len() != k {
        return None;
    }
    let m = DMatrix::from_fn(k, k, |i, j| rxx[i][j]);
    let eigen = SymmetricEigen::new(m);
    if eigen.eigenvalues.iter().any(|&l| l.is_nan() || l <= COLLINEAR) {
        return None;
    }
    let v = &eigen.eigenvectors;
    let root = v * DMatrix::from_diagonal(&eigen.eigenvalues.map(f64::sqrt)) * v.transpose();
    let inverse_root = v * DMatrix::from_diagonal(&eigen.eigenvalues.map(|l| 1.0 / l.sqrt())) * v.transpose();
    let beta = inverse_root * DVector::from_column_slice(rxy);
    let squared = root.map(|x| x * x);
    let raw: Vec<f64> = (squared * beta.map(|b| b * b)).iter().copied().collect();
    let r2 = beta.iter().map(|b| b * b).sum();
    Some(RelativeWeights { raw, r2 })
}

/// Where a driver falls on the importance–performance grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// Important and below-average performance: fix first.
    ConcentrateHere,
    /// Important and performing well.
    KeepUpTheGoodWork,
    /// Less important and performing below average.
    LowPriority,
    /// Less important but performing well: effort may be better spent elsewhere.
    PossibleOverkill,
}

impl Quadrant {
    /// Quadrant for a driver, with the crosshairs at the mean importance and mean performance
    /// (ties count as high).
    pub fn of(importance: f64, performance: f64, importance_mid: f64, performance_mid: f64) -> Quadrant {
        match (importance >= importance_mid, performance >= performance_mid) {
            (true, false) => Quadrant::ConcentrateHere,
            (true, true) => Quadrant::KeepUpTheGoodWork,
            (false, false) => Quadrant::LowPriority,
            (false, true) => Quadrant::PossibleOverkill,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Quadrant::ConcentrateHere => "concentrate here",
            Quadrant::KeepUpTheGoodWork => "keep up the good work",
            Quadrant::LowPriority => "low priority",
            Quadrant::PossibleOverkill => "possible overkill",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlation_from_sums_by_hand() {
        // x = 1,2,3,4; y = 2,4,5,9. x̄ = 2.5, ȳ = 5; Σ(x−x̄)(y−ȳ) = (−1.5)(−3)+(−.5)(−1)+(.5)(0)+(1.5)(4) = 11;
        // Σ(x−x̄)² = 5, Σ(y−ȳ)² = 9+1+0+16 = 26 → r = 11/√130 = 0.964764.
        let m = Moments { n: 4.0, sums: vec![10.0, 20.0], cross: vec![vec![30.0, 61.0], vec![61.0, 126.0]] };
        assert!((m.correlation(0, 1).unwrap() - 11.0 / 130f64.sqrt()).abs() < 1e-12);
        assert_eq!(m.mean(1), Some(5.0));
        // A constant does not vary: no correlation.
        let flat = Moments { n: 3.0, sums: vec![6.0, 9.0], cross: vec![vec![14.0, 18.0], vec![18.0, 27.0]] };
        assert!(!flat.varies(1));
        assert_eq!(flat.correlation(0, 1), None);
    }

    #[test]
    fn uncorrelated_predictors_weigh_their_squared_correlations() {
        // With Rxx = I the relative weights are the squared correlations: 0.5² = 0.25, 0.3² = 0.09; R² = 0.34.
        let w = relative_weights(&[vec![1.0, 0.0], vec![0.0, 1.0]], &[0.5, 0.3]).unwrap();
        assert!((w.raw[0] - 0.25).abs() < 1e-12 && (w.raw[1] - 0.09).abs() < 1e-12);
        assert!((w.r2 - 0.34).abs() < 1e-12);
        let pct = w.percent();
        assert!((pct[0].unwrap() - 73.529412).abs() < 1e-6);
    }

    #[test]
    fn two_correlated_predictors_match_numpy() {
        // Rxx = [[1, .5], [.5, 1]], rxy = [.6, .4]. R² = rᵀRxx⁻¹r = (.36 + .16 − 2·.5·.6·.4)/(1 − .25)
        // = 0.28/0.75 = 0.373333. Weights from `python3 scripts/relative_weights.py --example`
        // (numpy 2.1.3): 0.286667, 0.086667.
        let w = relative_weights(&[vec![1.0, 0.5], vec![0.5, 1.0]], &[0.6, 0.4]).unwrap();
        assert!((w.r2 - 0.28 / 0.75).abs() < 1e-12, "{}", w.r2);
        assert!((w.raw[0] - 0.286667).abs() < 1e-6, "{:?}", w.raw);
        assert!((w.raw[1] - 0.086667).abs() < 1e-6, "{:?}", w.raw);
    }

    #[test]
    fn three_predictors_match_numpy() {
        // `python3 scripts/relative_weights.py --example` (numpy 2.1.3) gives R² 0.481089 and raw
        // weights 0.253597, 0.084759, 0.142733.
        let rxx = vec![vec![1.0, 0.4, 0.3], vec![0.4, 1.0, 0.5], vec![0.3, 0.5, 1.0]];
        let w = relative_weights(&rxx, &[0.6, 0.45, 0.5]).unwrap();
        let expected = [0.253597, 0.084759, 0.142733];
        for (got, want) in w.raw.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{:?}", w.raw);
        }
        assert!((w.r2 - 0.481089).abs() < 1e-6);
        assert!((w.raw.iter().sum::<f64>() - w.r2).abs() < 1e-12);
    }

    #[test]
    fn collinear_predictors_are_not_computable() {
        assert_eq!(relative_weights(&[vec![1.0, 1.0], vec![1.0, 1.0]], &[0.5, 0.5]), None);
        assert_eq!(relative_weights(&[], &[]), None);
    }

    #[test]
    fn quadrants() {
        assert_eq!(Quadrant::of(40.0, 3.1, 25.0, 3.5), Quadrant::ConcentrateHere);
        assert_eq!(Quadrant::of(40.0, 4.1, 25.0, 3.5), Quadrant::KeepUpTheGoodWork);
        assert_eq!(Quadrant::of(10.0, 3.1, 25.0, 3.5), Quadrant::LowPriority);
        assert_eq!(Quadrant::of(10.0, 4.1, 25.0, 3.5), Quadrant::PossibleOverkill);
    }
}

/// A bootstrap of the relative weights: each driver's percentile interval of its % of R² and of
/// its rank (1 = most important).
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrapped {
    pub weight_pct: Vec<Option<(f64, f64)>>,
    pub rank: Vec<Option<(f64, f64)>>,
    /// Replicates in which the weights were computable (a resample can leave a driver constant).
    pub used: usize,
}

/// Percentile bootstrap of Johnson's relative weights (Tonidandel, LeBreton & Johnson 2009).
/// `patterns` are the group's distinct complete rows (target first, then every driver) with their
/// counts; `drivers` the drivers (1-based columns) the weights are over. Each of `replicates`
/// resamples draws as many rows as the group has, with replacement, as a multinomial over the
/// patterns (sequential binomials: the same as resampling rows, at the cost of the patterns
/// rather than the rows); replicate b draws from PCG-64 seeded with `seed` and b, so the result
/// does not depend on the threads. Intervals are the `(1 − confidence)/2` and
/// `(1 + confidence)/2` quantiles (R's type 7).
pub fn bootstrap(patterns: &[(Vec<f64>, f64)], drivers: &[usize], replicates: usize, seed: u64, confidence: f64) -> Bootstrapped {
    use rand::SeedableRng;
    use rand_distr::{Binomial, Distribution};
    use rayon::prelude::*;
    let total: f64 = patterns.iter().map(|p| p.1).sum();
    let width = patterns.first().map_or(0, |p| p.0.len());
    let draws: Vec<Option<Vec<f64>>> = (0..replicates)
        .into_par_iter()
        .map(|b| {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(b as u64));
            let mut moments = Moments { n: 0.0, sums: vec![0.0; width], cross: vec![vec![0.0; width]; width] };
            let (mut left, mut mass) = (total as u64, total);
            for (values, count) in patterns {
                if left == 0 {
                    break;
                }
                let p = (count / mass).clamp(0.0, 1.0);
                let k = Binomial::new(left, p).map_or(0, |d| d.sample(&mut rng)) as f64;
                (left, mass) = (left - k as u64, mass - count);
                if k > 0.0 {
                    moments.n += k;
                    for i in 0..width {
                        moments.sums[i] += k * values[i];
                        for j in i..width {
                            moments.cross[i][j] += k * values[i] * values[j];
                        }
                    }
                }
            }
            for i in 0..width {
                for j in 0..i {
                    moments.cross[i][j] = moments.cross[j][i];
                }
            }
            weights_pct(&moments, drivers)
        })
        .collect();
    let used: Vec<Vec<f64>> = draws.into_iter().flatten().collect();
    let level = (1.0 - confidence) / 2.0;
    let interval = |mut values: Vec<f64>| -> Option<(f64, f64)> {
        values.sort_by(f64::total_cmp);
        Some((quantile(&values, level)?, quantile(&values, 1.0 - level)?))
    };
    let weight_pct = (0..drivers.len()).map(|d| interval(used.iter().map(|w| w[d]).collect())).collect();
    let rank =
        (0..drivers.len()).map(|d| interval(used.iter().map(|w| 1.0 + w.iter().filter(|&&o| o > w[d]).count() as f64).collect())).collect();
    Bootstrapped { weight_pct, rank, used: used.len() }
}

/// The relative weights as % of R² of `drivers` (columns of `m`, the target being 0); `None`
/// when a column does not vary or they are collinear.
pub fn weights_pct(m: &Moments, drivers: &[usize]) -> Option<Vec<f64>> {
    if !m.varies(0) || drivers.iter().any(|&j| !m.varies(j)) {
        return None;
    }
    m.relative_weights(drivers)?.percent().into_iter().collect()
}

/// The `p` quantile of sorted values by linear interpolation (R's type 7, numpy's default).
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = p * last as f64;
    let (lo, hi) = (h.floor() as usize, (h.ceil() as usize).min(last));
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

#[cfg(test)]
mod bootstrap_tests {
    use super::*;

    /// Moments of rows given as (values, count).
    fn moments(patterns: &[(Vec<f64>, f64)]) -> Moments {
        let width = patterns[0].0.len();
        let mut m = Moments { n: 0.0, sums: vec![0.0; width], cross: vec![vec![0.0; width]; width] };
        for (v, c) in patterns {
            m.n += c;
            for i in 0..width {
                m.sums[i] += c * v[i];
                for j in 0..width {
                    m.cross[i][j] += c * v[i] * v[j];
                }
            }
        }
        m
    }

    fn patterns() -> Vec<(Vec<f64>, f64)> {
        // target, driver 1, driver 2: driver 1 follows the target closely, driver 2 loosely.
        vec![
            (vec![1.0, 1.0, 2.0], 30.0),
            (vec![2.0, 2.0, 1.0], 25.0),
            (vec![3.0, 3.0, 3.0], 40.0),
            (vec![4.0, 4.0, 3.0], 35.0),
            (vec![5.0, 4.0, 5.0], 30.0),
            (vec![2.0, 3.0, 4.0], 20.0),
            (vec![4.0, 3.0, 2.0], 20.0),
        ]
    }

    #[test]
    fn quantiles_are_rs_type_7() {
        // numpy.quantile([1, 2, 3, 4], 0.025) = 1.075; 0.975 → 3.925.
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025).unwrap() - 1.075).abs() < 1e-12 && (quantile(&v, 0.975).unwrap() - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn the_bootstrap_is_seeded_and_brackets_the_weights() {
        let p = patterns();
        let full = weights_pct(&moments(&p), &[1, 2]).unwrap();
        let a = bootstrap(&p, &[1, 2], 400, 7, 0.95);
        assert_eq!(a, bootstrap(&p, &[1, 2], 400, 7, 0.95));
        assert_ne!(a, bootstrap(&p, &[1, 2], 400, 8, 0.95));
        assert_eq!(a.used, 400);
        for (d, w) in full.iter().enumerate() {
            let (low, high) = a.weight_pct[d].unwrap();
            assert!(low < *w && *w < high, "{low} < {w} < {high}");
        }
        // Driver 1 carries most of R² in every resample: its rank interval is 1 to 1.
        assert_eq!(a.rank[0], Some((1.0, 1.0)));
        // A replicate that draws every row of one pattern: the same counts, the same weights.
        let single = [(vec![1.0, 1.0, 2.0], 5.0)];
        assert_eq!(bootstrap(&single, &[1, 2], 10, 1, 0.95).used, 0);
    }
}
