//! Design-based variances of weighted shares and means by Taylor linearisation (Wolter 2007,
//! ch. 6; Lumley 2010, §2.2 and appendix C), for a stratified sample of primary sampling units
//! (PSUs: clusters, or single responses) drawn with replacement — R's
//! `svydesign(ids, strata, weights)` and `svymean`. Pure numeric code: no polars, no I/O.
//!
//! The estimate of a domain d (a group, a period, everything) is the ratio ȳ = Σw·y / Σw over its
//! answers. Its linearised values are zᵢ = wᵢ(yᵢ − ȳ)/Σw for the domain's answers and 0 for every
//! other row of the design; z_hc is their sum over PSU c of stratum h. Then
//!
//!   V(ȳ) = Σ_h n_h/(n_h − 1) · Σ_c (z_hc − z̄_h)²  =  Σ_h n_h/(n_h − 1) · (Σ_c z_hc² − (Σ_c z_hc)²/n_h)
//!
//! with n_h the PSUs of stratum h in the whole design (a domain is a subset of the design, not a
//! design of its own: its missing PSUs are zeros). With A_c = Σw and B_c = Σw·y over the domain's
//! answers in PSU c, z_hc = (B_c − ȳ·A_c)/Σw, so the stratum needs only ΣA, ΣB, ΣA², ΣAB and ΣB²
//! over its PSUs — sums a grouped query gives.

use crate::stats::intervals::{t_quantile, Interval};

/// One stratum's sums over its PSUs c for one estimate of one domain: A_c = Σw and
/// B_c = Σw·(y − centre) over the domain's answers in PSU c (see the module doc; y is taken
/// from a centre near its mean so that the squares below do not cancel).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StratumSums {
    /// PSUs of the stratum with at least one of the domain's answers.
    pub psus: f64,
    pub a: f64,
    pub b: f64,
    pub aa: f64,
    pub ab: f64,
    pub bb: f64,
}

impl std::ops::AddAssign for StratumSums {
    fn add_assign(&mut self, o: Self) {
        self.psus += o.psus;
        self.a += o.a;
        self.b += o.b;
        self.aa += o.aa;
        self.ab += o.ab;
        self.bb += o.bb;
    }
}

/// A domain's estimate with its linearised variance and the design's degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linearised {
    pub estimate: f64,
    pub variance: f64,
    /// PSUs with answers in the domain minus the strata they are in (R's `degf` of the subset).
    pub df: f64,
}

/// A design-based estimate's standard error (in the table's units: percentage points for
/// shares, NPS points, CES points), design effect and degrees of freedom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DesignEstimate {
    pub se: f64,
    pub deff: Option<f64>,
    pub df: f64,
}

/// The linearised variance of a domain's ratio mean from its strata: (the stratum's sums, the
/// stratum's PSUs in the whole design n_h). `centre` is what was taken off y in the sums.
/// `None` without answers; a stratum with answers needs n_h ≥ 2 (checked for the whole design
/// before: a lonely PSU has no variance to estimate).
pub fn linearised(strata: &[(StratumSums, f64)], centre: f64) -> Option<Linearised> {
    let (w, b) = strata.iter().fold((0.0, 0.0), |(w, b), (s, _)| (w + s.a, b + s.b));
    if w <= 0.0 {
        return None;
    }
    let mean = b / w;
    let mut variance = 0.0;
    let (mut psus, mut used) = (0.0, 0.0);
    for (s, n) in strata.iter().filter(|(s, _)| s.psus > 0.0) {
        if *n < 2.0 {
            return None;
        }
        // Σ_c z_hc = (ΣB − ȳΣA)/W and Σ_c z_hc² = (ΣB² − 2ȳΣAB + ȳ²ΣA²)/W².
        let sum = (s.b - mean * s.a) / w;
        let squares = ((s.bb - 2.0 * mean * s.ab + mean * mean * s.aa) / (w * w)).max(0.0);
        variance += n / (n - 1.0) * (squares - sum * sum / n).max(0.0);
        psus += s.psus;
        used += 1.0;
    }
    Some(Linearised { estimate: mean + centre, variance, df: psus - used })
}

/// The design effect of a domain's mean: its linearised variance over the variance the same
/// weighted answers would give as a simple random sample of n drawn with replacement,
/// s²/n with s² = n/(n − 1) · (Σw·y²/Σw − ȳ²) (R's `svymean(deff = "replace")`). `None` when
/// that variance is 0 (every answer the same) or n < 2.
pub fn design_effect(variance: f64, n: f64, w: f64, wy: f64, wy2: f64) -> Option<f64> {
    if n < 2.0 || w <= 0.0 {
        return None;
    }
    let mean = wy / w;
    let spread = (wy2 / w - mean * mean) * n / (n - 1.0);
    (spread > 0.0).then(|| variance / (spread / n))
}

/// The interval of a share p with standard error `se` on the logit scale, with Student's t on
/// the design's `df` (R's `svyciprop(method = "logit")`, Korn & Graubard 1999 §5.2): logit p ±
/// t·se/(p(1 − p)), mapped back. `None` at p = 0 or 1 (no variance to scale) or df < 1.
pub fn logit_interval(p: f64, se: f64, df: f64, confidence: f64) -> Option<Interval> {
    if !(p > 0.0 && p < 1.0) || df < 1.0 {
        return None;
    }
    let t = t_quantile(1.0 - (1.0 - confidence) / 2.0, df)?;
    let logit = (p / (1.0 - p)).ln();
    let half = t * se / (p * (1.0 - p));
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    Some(Interval { low: expit(logit - half), high: expit(logit + half) })
}

/// estimate ± t(df)·se (R's `confint(svymean(…), df = degf(design))`). `None` when df < 1.
pub fn t_interval(estimate: f64, se: f64, df: f64, confidence: f64) -> Option<Interval> {
    if df < 1.0 {
        return None;
    }
    let half = t_quantile(1.0 - (1.0 - confidence) / 2.0, df)? * se;
    Some(Interval { low: estimate - half, high: estimate + half })
}

/// One stratum's sums over its PSUs of vectors x_c (a PSU's weights per cell of a table): n_h
/// (the stratum's PSUs in the whole design), Σ x_c and Σ x_c x_cᵀ. Any estimate that is a smooth
/// function of the cells' totals is linearised as z_c = uᵀx_c for a vector u (see
/// [`linear_variance`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StratumCells {
    pub n: f64,
    pub s1: nalgebra::DVector<f64>,
    pub s2: nalgebra::DMatrix<f64>,
}

/// V = Σ_h n_h/(n_h − 1)·(uᵀS2_h u − (uᵀS1_h)²/n_h): the linearised variance of an estimate whose
/// linearised value in PSU c is uᵀx_c.
pub fn linear_variance(strata: &[StratumCells], u: &nalgebra::DVector<f64>) -> f64 {
    strata
        .iter()
        .filter(|s| s.n >= 2.0)
        .map(|s| {
            let sum = u.dot(&s.s1);
            s.n / (s.n - 1.0) * ((u.transpose() * &s.s2 * u)[(0, 0)] - sum * sum / s.n).max(0.0)
        })
        .sum()
}

/// The covariance matrix of several linearised estimates (the columns of `u`), as
/// [`linear_variance`] for each pair.
pub fn linear_covariance(strata: &[StratumCells], u: &nalgebra::DMatrix<f64>) -> nalgebra::DMatrix<f64> {
    let k = u.ncols();
    let mut v = nalgebra::DMatrix::zeros(k, k);
    for s in strata.iter().filter(|s| s.n >= 2.0) {
        let sum = u.transpose() * &s.s1;
        v += (u.transpose() * &s.s2 * u - &sum * sum.transpose() / s.n) * (s.n / (s.n - 1.0));
    }
    v
}

/// Rao and Scott's second-order corrected chi-square (R's `svychisq(statistic = "F")`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaoScott {
    pub f: f64,
    pub df_num: f64,
    pub df_den: f64,
    pub p: f64,
}

/// The Rao–Scott F test of independence of a two-way table: `p` the estimated cell proportions
/// (rows × columns, the row index running fastest, as R's `interaction(rows, cols)`), `v` their
/// linearised covariance, `n` the responses, `nu` the design's degrees of freedom. With C the
/// interaction contrasts orthogonal to the main effects and D = diag(p), the design effects are
/// Δ = (CᵀD⁻¹C/n)⁻¹·CᵀD⁻¹VD⁻¹C; Pearson's X² of the proportions scaled to n is divided by tr Δ
/// and referred to F(d, d·ν) with d = (tr Δ)²/tr Δ². `None` when a row or a column is empty.
pub fn rao_scott(p: &[f64], rows: usize, cols: usize, v: &nalgebra::DMatrix<f64>, n: f64, nu: f64) -> Option<RaoScott> {
    use nalgebra::DMatrix;
    use statrs::distribution::{ContinuousCDF, FisherSnedecor};
    let k = rows * cols;
    if rows < 2 || cols < 2 || p.len() != k || nu < 1.0 {
        return None;
    }
    let at = |r: usize, c: usize| p[c * rows + r];
    let row_total: Vec<f64> = (0..rows).map(|r| (0..cols).map(|c| at(r, c)).sum()).collect();
    let col_total: Vec<f64> = (0..cols).map(|c| (0..rows).map(|r| at(r, c)).sum()).collect();
    if row_total.iter().chain(&col_total).any(|t| *t <= 0.0) {
        return None;
    }
    // Pearson's X² of the proportions scaled to n.
    let scaled: Vec<Vec<f64>> = (0..rows).map(|r| (0..cols).map(|c| n * at(r, c)).collect()).collect();
    let x2 = crate::stats::significance::chi_square(&scaled)?.statistic;
    // Main effects X1 (intercept, row and column dummies) and the interaction dummies.
    let main = 1 + (rows - 1) + (cols - 1);
    let x1 = DMatrix::from_fn(k, main, |i, j| {
        let (r, c) = (i % rows, i / rows);
        match j {
            0 => 1.0,
            j if j < rows => f64::from(r == j),
            j => f64::from(c == j - rows + 1),
        }
    });
    let x12 = DMatrix::from_fn(k, (rows - 1) * (cols - 1), |i, j| {
        let (r, c) = (i % rows, i / rows);
        let (jr, jc) = (1 + j % (rows - 1), 1 + j / (rows - 1));
        f64::from(r == jr && c == jc)
    });
    let projection = &x1 * (x1.transpose() * &x1).try_inverse()? * x1.transpose();
    let cmat = (DMatrix::identity(k, k) - projection) * x12;
    let inverse_d = DMatrix::from_diagonal(&nalgebra::DVector::from_iterator(k, p.iter().map(|&q| if q > 0.0 { 1.0 / q } else { 0.0 })));
    let denominator = cmat.transpose() * &inverse_d * &cmat / n;
    let numerator = cmat.transpose() * &inverse_d * v * &inverse_d * &cmat;
    let delta = denominator.lu().solve(&numerator)?;
    let trace = delta.trace();
    let trace2 = (&delta * &delta).trace();
    if trace <= 0.0 || trace2 <= 0.0 {
        return None;
    }
    let d0 = trace * trace / trace2;
    let f = x2 / trace;
    let p_value = FisherSnedecor::new(d0, d0 * nu).ok()?.sf(f);
    Some(RaoScott { f, df_num: d0, df_den: d0 * nu, p: p_value })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PSU sums of one stratum from its PSUs' (A_c, B_c).
    fn stratum(psus: &[(f64, f64)]) -> StratumSums {
        let mut s = StratumSums::default();
        for &(a, b) in psus {
            s += StratumSums { psus: f64::from(a > 0.0), a, b, aa: a * a, ab: a * b, bb: b * b };
        }
        s
    }

    #[test]
    fn linearised_variance_by_hand() {
        // Four responses, no clusters, one stratum: w = 1, 1, 2, 4 and y = 1, 0, 1, 0.
        // ȳ = 3/8; z = w(y − ȳ)/8 = 5/64, −3/64, 10/64, −12/64 (sum 0);
        // V = 4/3 · Σz² = 4/3 · (25 + 9 + 100 + 144)/4096 = 4/3 · 278/4096 = 0.0904947916….
        let s = stratum(&[(1.0, 1.0), (1.0, 0.0), (2.0, 2.0), (4.0, 0.0)]);
        let l = linearised(&[(s, 4.0)], 0.0).unwrap();
        assert_eq!(l.estimate, 0.375);
        assert!((l.variance - 4.0 / 3.0 * 278.0 / 4096.0).abs() < 1e-15, "{l:?}");
        assert_eq!(l.df, 3.0);
        // The same from y − ½ (B_c = w(y − ½)): the centre does not change the variance.
        let c = stratum(&[(1.0, 0.5), (1.0, -0.5), (2.0, 1.0), (4.0, -2.0)]);
        let lc = linearised(&[(c, 4.0)], 0.5).unwrap();
        assert!((lc.estimate - 0.375).abs() < 1e-15 && (lc.variance - l.variance).abs() < 1e-15);
    }

    #[test]
    fn a_domain_keeps_the_design_psus_and_strata_add_up() {
        // Stratum 1: PSUs (A, B) = (2, 2), (3, 0) and a third PSU of the design without answers
        // in the domain (n₁ = 3); stratum 2: (1, 1), (4, 2), n₂ = 2. W = 10, ȳ = 5/10 = 0.5.
        // z: stratum 1: (2 − 1)/10 = 0.1, (0 − 1.5)/10 = −0.15, 0 → Σz = −0.05, Σz² = 0.0325:
        //   3/2 · (0.0325 − 0.0025/3) = 0.047500…;
        // stratum 2: (1 − 0.5)/10 = 0.05, (2 − 2)/10 = 0 → Σz = 0.05, Σz² = 0.0025:
        //   2/1 · (0.0025 − 0.0025/2) = 0.0025. V = 0.0475 + 0.0025 = 0.05.
        let one = stratum(&[(2.0, 2.0), (3.0, 0.0)]);
        let two = stratum(&[(1.0, 1.0), (4.0, 2.0)]);
        let l = linearised(&[(one, 3.0), (two, 2.0)], 0.0).unwrap();
        assert_eq!(l.estimate, 0.5);
        assert!((l.variance - 0.05).abs() < 1e-15, "{l:?}");
        // 4 PSUs with answers in 2 strata.
        assert_eq!(l.df, 2.0);
        // No answers: no estimate; a lonely PSU: no variance.
        assert_eq!(linearised(&[(StratumSums::default(), 3.0)], 0.0), None);
        assert_eq!(linearised(&[(stratum(&[(1.0, 1.0)]), 1.0)], 0.0), None);
    }

    #[test]
    fn design_effect_by_hand() {
        // The four responses above: Σw = 8, Σwy = Σwy² = 3, n = 4: s² = 4/3 · (3/8 − 9/64)
        // = 4/3 · 15/64 = 0.3125; s²/n = 0.078125; deff = 0.0904947916… / 0.078125 = 1.158333….
        let v = 4.0 / 3.0 * 278.0 / 4096.0;
        let d = design_effect(v, 4.0, 8.0, 3.0, 3.0).unwrap();
        assert!((d - 278.0 / 240.0).abs() < 1e-14, "{d}");
        assert_eq!(design_effect(v, 1.0, 8.0, 3.0, 3.0), None);
        assert_eq!(design_effect(0.0, 4.0, 8.0, 8.0, 8.0), None);
    }

    #[test]
    fn intervals_by_hand() {
        // p = 0.8, se = 0.05, df = 9: t = 2.2621571627982049 (R: qt(0.975, 9));
        // logit 0.8 = ln 4, half = t·0.05/(0.8·0.2) = t·0.3125; back: R's
        // plogis(qlogis(0.8) + c(-1, 1) * h) = 0.66359812873595159, 0.89024230103350810.
        let i = logit_interval(0.8, 0.05, 9.0, 0.95).unwrap();
        assert!((i.low - 0.663_598_128_735_951_6).abs() < 1e-13, "{i:?}");
        assert!((i.high - 0.890_242_301_033_508_1).abs() < 1e-13, "{i:?}");
        assert_eq!(logit_interval(1.0, 0.0, 9.0, 0.95), None);
        assert_eq!(logit_interval(0.5, 0.1, 0.0, 0.95), None);
        let m = t_interval(5.0, 0.5, 9.0, 0.95).unwrap();
        assert!(
            (m.low - (5.0 - 2.262_157_162_798_205 * 0.5)).abs() < 1e-13 && (m.high - (5.0 + 2.262_157_162_798_205 * 0.5)).abs() < 1e-13
        );
        assert_eq!(t_interval(5.0, 0.5, 0.0, 0.95), None);
    }
}
