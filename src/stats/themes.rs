//! The statistics of comment themes (issue 27, groundwork; no command uses them yet): how many
//! points of NPS a theme accounts for, and which words set detractors apart from promoters.

/// The NPS answers of a group of respondents.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NpsCounts {
    pub promoters: f64,
    pub detractors: f64,
    pub n: f64,
}

impl NpsCounts {
    /// NPS = 100 × (promoters − detractors) / n; `None` without answers.
    pub fn nps(self) -> Option<f64> {
        (self.n > 0.0).then(|| 100.0 * (self.promoters - self.detractors) / self.n)
    }
}

/// How many points of the commenters' NPS a theme accounts for: the mentioners' share of the
/// commenters × (their NPS − the others' NPS). The commenters' NPS is s·NPS_m + (1 − s)·NPS_o;
/// had the mentioners answered as the others did it would be NPS_o, s·(NPS_m − NPS_o) lower.
/// `None` when either side has no answers.
pub fn nps_impact(mentioners: NpsCounts, others: NpsCounts) -> Option<f64> {
    let (m, o) = (mentioners.nps()?, others.nps()?);
    let share = mentioners.n / (mentioners.n + others.n);
    Some(share * (m - o))
}

/// A word's log-odds ratio between two groups of comments with an informative Dirichlet prior,
/// its variance and z-score (Monroe, Colaresi & Quinn 2008, "Fightin' Words", *Political
/// Analysis* 16(4), eq. 16, 18–19).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogOdds {
    pub delta: f64,
    pub variance: f64,
    pub z: f64,
}

/// The prior count of a word: `alpha_0` spread over the words in proportion to their count in
/// the background (both groups together), α_w = α_0 · y_w / n.
pub fn prior(word_count: f64, total_words: f64, alpha_0: f64) -> f64 {
    alpha_0 * word_count / total_words
}

/// δ_w = ln((y_i + α_w)/(n_i + α_0 − y_i − α_w)) − ln((y_j + α_w)/(n_j + α_0 − y_j − α_w)),
/// σ² ≈ 1/(y_i + α_w) + 1/(y_j + α_w), z = δ/σ: `y` the word's count in a group, `n` the
/// group's count of all words. Positive: the word leans to group i.
pub fn log_odds((y_i, n_i): (f64, f64), (y_j, n_j): (f64, f64), alpha_w: f64, alpha_0: f64) -> LogOdds {
    let odds = |y: f64, n: f64| ((y + alpha_w) / (n + alpha_0 - y - alpha_w)).ln();
    let delta = odds(y_i, n_i) - odds(y_j, n_j);
    let variance = 1.0 / (y_i + alpha_w) + 1.0 / (y_j + alpha_w);
    LogOdds { delta, variance, z: delta / variance.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nps_impact_is_the_share_times_the_gap() {
        // 1,000 commenters. 200 mention delivery: 30 promoters, 120 detractors, NPS = 100 × (30 −
        // 120)/200 = −45. The other 800: 400 promoters, 160 detractors, NPS = 100 × 240/800 = 30.
        // Impact = 200/1000 × (−45 − 30) = −15: the commenters' NPS is 100 × (430 − 280)/1000 = 15,
        // and 30 had the mentioners answered as the others did.
        let mentioners = NpsCounts { promoters: 30.0, detractors: 120.0, n: 200.0 };
        let others = NpsCounts { promoters: 400.0, detractors: 160.0, n: 800.0 };
        assert_eq!(mentioners.nps(), Some(-45.0));
        assert_eq!(others.nps(), Some(30.0));
        let impact = nps_impact(mentioners, others).unwrap();
        assert!((impact - -15.0).abs() < 1e-12, "{impact}");
        let all = NpsCounts { promoters: 430.0, detractors: 280.0, n: 1000.0 };
        assert!((others.nps().unwrap() - all.nps().unwrap() + impact).abs() < 1e-12);
        assert_eq!(nps_impact(NpsCounts::default(), others), None);
    }

    #[test]
    fn log_odds_with_a_prior_by_hand() {
        // y_i = 10 of n_i = 100 words, y_j = 2 of n_j = 200, α_w = 1, α_0 = 10:
        // δ = ln(11/99) − ln(3/207) = −2.1972246 + 4.2341065 = 2.0368819;
        // σ² = 1/11 + 1/3 = 0.4242424; z = 2.0368819/0.6513389 = 3.1272227.
        let w = log_odds((10.0, 100.0), (2.0, 200.0), 1.0, 10.0);
        assert!((w.delta - 2.03688192726104).abs() < 1e-12, "{w:?}");
        assert!((w.variance - 0.4242424242424242).abs() < 1e-15);
        assert!((w.z - 3.1272226784079673).abs() < 1e-12);
        // Swapping the groups flips the sign only.
        let back = log_odds((2.0, 200.0), (10.0, 100.0), 1.0, 10.0);
        assert!((back.z + w.z).abs() < 1e-12);
        // The prior: α_0 = 10 spread by the background, 12 of 300 words → 0.4.
        assert!((prior(12.0, 300.0, 10.0) - 0.4).abs() < 1e-15);
    }
}
