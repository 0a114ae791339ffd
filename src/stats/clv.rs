//! Customer lifetime value: the BG/NBD model of purchase counts (Fader, Hardie & Lee 2005,
//! "Counting your customers the easy way", *Marketing Science* 24(2)) and the Gamma-Gamma model
//! of spend (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"), fitted by maximum
//! likelihood on the customers' histories, and what they predict per customer.
//!
//! A history is (x, tₓ, T): repeat purchases x, the time of the last one tₓ and the customer's
//! age T, both from the first purchase. Histories that are equal are one [`Pattern`] with a
//! weight, so each likelihood is evaluated once per distinct history.

use anyhow::{anyhow, Result};
use std::sync::{Arc, Mutex};

use argmin::core::{CostFunction, Error as ArgminError, Executor, Gradient};
use argmin::solver::linesearch::condition::ArmijoCondition;
use argmin::solver::linesearch::BacktrackingLineSearch;
use argmin::solver::quasinewton::BFGS;
use nalgebra::DMatrix;
use rayon::prelude::*;
use statrs::function::gamma::{digamma, ln_gamma};

/// One distinct history and how many customers have it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pattern {
    pub x: f64,
    pub t_x: f64,
    pub t: f64,
    pub weight: f64,
}

/// A repeat customer for the Gamma-Gamma model: (x, mean spend m of the repeat purchases, how
/// many customers have both).
pub type Spend = (f64, f64, f64);

/// The BG/NBD parameters: purchase rates Gamma(r, α), drop-out probabilities Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// The Gamma-Gamma parameters: spend per purchase Gamma(p, ν), ν ~ Gamma(q, γ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

/// A fitted model: the parameters (in the order of the model's struct), their standard errors
/// (from the inverse of the observed information, the Hessian of −log L), and the
/// log-likelihood at the maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted<M> {
    pub model: M,
    pub standard_errors: Vec<f64>,
    pub log_likelihood: f64,
    /// Evaluations of the likelihood the search took.
    pub iterations: u64,
}

/// The parts of a BG/NBD log-likelihood that depend on x alone: A₁ + A₂ (gamma functions), their
/// gradient, and ln a − ln(b + x − 1).
struct XTerms {
    x: f64,
    a12: f64,
    d12: [f64; 4],
    ln_a_b: f64,
}

/// ln(eᵘ + eᵛ) without overflow.
fn log_add_exp(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    m + ((u - m).exp() + (v - m).exp()).ln()
}

impl BgNbd {
    /// The parameters' names (as in JSON) and values, in the order of the standard errors.
    pub fn values(&self) -> [(&'static str, f64); 4] {
        [("r", self.r), ("alpha", self.alpha), ("a", self.a), ("b", self.b)]
    }

    /// The log-likelihood of one history (eq. 6 of the paper, written as in its section 7):
    /// L = Γ(r+x)αʳ/(Γ(r)(α+T)^(r+x)) · B(a, b+x)/B(a, b)
    ///     + [x > 0] Γ(r+x)αʳ/(Γ(r)(α+tₓ)^(r+x)) · B(a+1, b+x−1)/B(a, b).
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> f64 {
        self.terms(x, t_x, t).0
    }

    /// The log-likelihood of one history and its gradient in (ln r, ln α, ln a, ln b).
    fn terms(&self, x: f64, t_x: f64, t: f64) -> (f64, [f64; 4]) {
        self.pattern_terms(&self.x_terms(x), t_x, t)
    }

    /// The parts of the log-likelihood that depend on x alone (the gamma functions: most of the
    /// cost, computed once per distinct x).
    fn x_terms(&self, x: f64) -> XTerms {
        let BgNbd { r, alpha, a, b } = *self;
        let a12 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
        // ∂/∂r, ∂/∂α, ∂/∂a, ∂/∂b of A₁ + A₂.
        let d12 = [
            digamma(r + x) - digamma(r) + alpha.ln(),
            r / alpha,
            digamma(a + b) - digamma(a + b + x),
            digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x),
        ];
        let ln_a_b = if x > 0.0 { a.ln() - (b + x - 1.0).ln() } else { 0.0 };
        XTerms { x, a12, d12, ln_a_b }
    }

    /// The log-likelihood of a history with the x-terms `xt`, and its gradient in log parameters.
    fn pattern_terms(&self, xt: &XTerms, t_x: f64, t: f64) -> (f64, [f64; 4]) {
        let BgNbd { r, alpha, a, b } = *self;
        let x = xt.x;
        let a3 = -(r + x) * (alpha + t).ln();
        let d3 = [-(alpha + t).ln(), -(r + x) / (alpha + t), 0.0, 0.0];
        let (value, d) = if x > 0.0 {
            let a4 = xt.ln_a_b - (r + x) * (alpha + t_x).ln();
            let d4 = [-(alpha + t_x).ln(), -(r + x) / (alpha + t_x), 1.0 / a, -1.0 / (b + x - 1.0)];
            let l = log_add_exp(a3, a4);
            let (w3, w4) = ((a3 - l).exp(), (a4 - l).exp());
            (l, std::array::from_fn(|i| w3 * d3[i] + w4 * d4[i]))
        } else {
            (a3, d3)
        };
        let params = [r, alpha, a, b];
        (xt.a12 + value, std::array::from_fn(|i| (xt.d12[i] + d[i]) * params[i]))
    }

    /// P(alive | x, tₓ, T) (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model",
    /// 2008): 1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)).
    pub fn p_alive(&self, x: f64, t_x: f64, t: f64) -> f64 {
        if x == 0.0 {
            return 1.0;
        }
        let BgNbd { r, alpha, a, b } = *self;
        let log_odds = (r + x) * ((alpha + t) / (alpha + t_x)).ln() + (a / (b + x - 1.0)).ln();
        1.0 / (1.0 + log_odds.exp())
    }

    /// The expected purchases in (T, T + `horizon`] of a customer with history (x, tₓ, T)
    /// (eq. 10 of the paper):
    /// (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
    ///   / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)),
    /// that is P(alive) × [`BgNbd::expected_purchases_if_alive`]. `None` as there.
    pub fn expected_purchases(&self, horizon: f64, x: f64, t_x: f64, t: f64) -> Option<f64> {
        Some(self.p_alive(x, t_x, t) * self.expected_purchases_if_alive(horizon, x, t)?)
    }

    /// The expected purchases in (T, T + `horizon`] of a customer alive at T with x purchases
    /// after the first: eq. 10 without its denominator (which is 1 / P(alive)),
    /// (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))].
    /// It does not depend on tₓ: customers with the same x and T share it.
    /// For a < 1 both factors are negative (the product is not); `None` where ₂F₁'s series
    /// does not apply (a + b + x − 1 ≤ 0) or does not converge.
    pub fn expected_purchases_if_alive(&self, horizon: f64, x: f64, t: f64) -> Option<f64> {
        let BgNbd { r, alpha, a, b } = *self;
        if horizon <= 0.0 {
            return Some(0.0);
        }
        let z = horizon / (alpha + t + horizon);
        let ln_hyp = ln_hyp2f1(r + x, b + x, a + b + x - 1.0, z)?;
        let second = -(ln_hyp + (r + x) * ((alpha + t) / (alpha + t + horizon)).ln()).exp_m1();
        Some((a + b + x - 1.0) / (a - 1.0) * second)
    }

    /// The expected purchases of a new customer in its first `t` time units (eq. 9 of the paper):
    /// (a+b−1)/(a−1) · [1 − (α/(α+t))ʳ · ₂F₁(r, b; a+b−1; t/(α+t))].
    pub fn expected_purchases_new(&self, t: f64) -> Option<f64> {
        let BgNbd { r, alpha, a, b } = *self;
        if t <= 0.0 {
            return Some(0.0);
        }
        let ln_hyp = ln_hyp2f1(r, b, a + b - 1.0, t / (alpha + t))?;
        Some((a + b - 1.0) / (a - 1.0) * -(ln_hyp + r * (alpha / (alpha + t)).ln()).exp_m1())
    }
}

impl GammaGamma {
    /// The parameters' names (as in JSON) and values, in the order of the standard errors.
    pub fn values(&self) -> [(&'static str, f64); 3] {
        [("p", self.p), ("q", self.q), ("gamma", self.gamma)]
    }

    /// The log-likelihood of a customer's x repeat purchases of mean value m (x > 0):
    /// ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + mx).
    pub fn log_likelihood(&self, x: f64, m: f64) -> f64 {
        self.terms(x, m).0
    }

    /// The log-likelihood and its gradient in (ln p, ln q, ln γ).
    fn terms(&self, x: f64, m: f64) -> (f64, [f64; 3]) {
        self.customer_terms(&self.x_terms(x), m, m.ln())
    }

    /// The gamma functions of x: ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ, ψ(px+q) − ψ(px),
    /// ψ(px+q) − ψ(q), and ln x.
    fn x_terms(&self, x: f64) -> [f64; 5] {
        let GammaGamma { p, q, gamma } = *self;
        let px = p * x;
        [
            ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q) + q * gamma.ln(),
            digamma(px + q) - digamma(px),
            digamma(px + q) - digamma(q),
            x.ln(),
            x,
        ]
    }

    /// The log-likelihood of a customer with the x-terms `xt`, mean spend m (ln m given).
    fn customer_terms(&self, xt: &[f64; 5], m: f64, ln_m: f64) -> (f64, [f64; 3]) {
        let GammaGamma { p, q, gamma } = *self;
        let [g, dpx, dq0, ln_x, x] = *xt;
        let px = p * x;
        let ln_gmx = (gamma + m * x).ln();
        let value = g + (px - 1.0) * ln_m + px * ln_x - (px + q) * ln_gmx;
        let dp = x * (dpx + ln_m + ln_x - ln_gmx);
        let dq = dq0 + gamma.ln() - ln_gmx;
        let dg = q / gamma - (px + q) / (gamma + m * x);
        (value, [dp * p, dq * q, dg * gamma])
    }

    /// The expected mean spend per purchase of a customer with x repeat purchases of mean m:
    /// (1 − w)·pγ/(q−1) + w·m with w = px/(px+q−1); `None` when q ≤ 1 (no finite mean).
    pub fn expected_spend(&self, x: f64, m: f64) -> Option<f64> {
        let GammaGamma { p, q, gamma } = *self;
        if q <= 1.0 {
            return None;
        }
        let w = p * x / (p * x + q - 1.0);
        Some((1.0 - w) * p * gamma / (q - 1.0) + w * m)
    }
}

/// The terms of ₂F₁'s series summed at most: beyond, the series is said not to converge.
pub const HYP2F1_MAX_TERMS: usize = 1_000_000;

/// ln ₂F₁(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1, by its power series
/// Σₙ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ.
///
/// Every term is positive, so the sum has no cancellation: each term adds a relative rounding
/// error of about 10⁻¹⁶. The ratio of term n+1 to term n is ρₙ = (a+n)(b+n)/((c+n)(n+1))·z,
/// which tends to z < 1; once ρₙ < 1 the rest of the series is at most tₙ·q/(1−q) with
/// q = max(ρₙ, z), and the sum stops when that bound is below 10⁻¹⁷ of the sum (the ratio is a
/// ratio of quadratics in n, so past its one turning point it moves monotonically to z). The
/// sum is carried with a scale so that terms beyond 10³⁰⁸ (many purchases, z near 1) do not
/// overflow. For large n, ρₙ ≈ z·(1 + k/n) with k = a + b − c − 1: the terms grow up to
/// n ≈ zk/(1 − z), then fall by about z a term, some (zk + 40)/(1 − z) terms in all; for
/// BG/NBD k = r − a and x and z = t/(α + T + t). `None` when the inputs are outside that
/// domain or after [`HYP2F1_MAX_TERMS`].
pub fn ln_hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(a > 0.0 && b > 0.0 && c > 0.0 && (0.0..1.0).contains(&z)) {
        return None;
    }
    const RESCALE: f64 = 1e200;
    let (mut sum, mut term, mut ln_scale) = (1.0f64, 1.0f64, 0.0f64);
    for n in 0..HYP2F1_MAX_TERMS {
        let nf = n as f64;
        let ratio = (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
        term *= ratio;
        sum += term;
        if sum > RESCALE {
            sum /= RESCALE;
            term /= RESCALE;
            ln_scale += RESCALE.ln();
        }
        let next = (a + nf + 1.0) * (b + nf + 1.0) / ((c + nf + 1.0) * (nf + 2.0)) * z;
        if next < 1.0 {
            let q = next.max(z);
            if term * q / (1.0 - q) <= 1e-17 * sum {
                return Some(sum.ln() + ln_scale);
            }
        }
    }
    None
}

/// The discounted expected purchases over a horizon, for CLV, and the expected purchases over
/// the whole horizon, of a customer alive at T with x purchases after the first (multiply both by
/// P(alive) for a customer's history): the horizon is cut into steps of `step` time units (the
/// last one shorter), the purchases expected in each step (differences of
/// [`BgNbd::expected_purchases_if_alive`]) discounted to today at `rate` per `year` time units
/// from the step's end: Σₖ (E[N(tₖ)] − E[N(tₖ₋₁)]) / (1 + rate)^(tₖ/year).
pub fn discounted_purchases_if_alive(
    model: &BgNbd,
    (x, t): (f64, f64),
    horizon: f64,
    step: f64,
    (rate, year): (f64, f64),
) -> Option<(f64, f64)> {
    let steps = (horizon / step).ceil().max(1.0) as usize;
    let (mut total, mut before) = (0.0, 0.0);
    for k in 1..=steps {
        let end = (k as f64 * step).min(horizon);
        let upto = model.expected_purchases_if_alive(end, x, t)?;
        total += (upto - before) / (1.0 + rate).powf(end / year);
        before = upto;
    }
    Some((total, before))
}

// ---- Fitting -------------------------------------------------------------------------------

/// −(mean log-likelihood) of the weighted patterns and its gradient, in log parameters.
struct BgNbdProblem<'a> {
    patterns: &'a [Pattern],
    total_weight: f64,
}

fn bgnbd_of(p: &[f64]) -> BgNbd {
    BgNbd { r: p[0].exp(), alpha: p[1].exp(), a: p[2].exp(), b: p[3].exp() }
}

/// Patterns or customers per chunk of a likelihood's sum: the chunks are summed on all cores,
/// their partial sums then added in order (the same result on any number of threads).
const CHUNK: usize = 8192;

/// Σ over chunks of `part` (value, gradient), the chunks in parallel and their sums in order.
fn sum_chunks<T: Sync, const K: usize>(items: &[T], part: impl Fn(&[T]) -> (f64, [f64; K]) + Sync + Send) -> (f64, [f64; K]) {
    let parts: Vec<(f64, [f64; K])> = items.par_chunks(CHUNK).map(part).collect();
    parts.into_iter().fold((0.0, [0.0; K]), |(v, g), (pv, pg)| (v + pv, std::array::from_fn(|i| g[i] + pg[i])))
}

impl Likelihood for BgNbdProblem<'_> {
    fn value_and_gradient(&self, p: &[f64]) -> (f64, Vec<f64>) {
        let model = bgnbd_of(p);
        let (value, gradient) = sum_chunks(self.patterns, |chunk| {
            let (mut value, mut gradient) = (0.0, [0.0; 4]);
            // The patterns come ordered by x: the gamma functions once per distinct x.
            let mut xt = model.x_terms(chunk.first().map_or(0.0, |p| p.x));
            for pat in chunk {
                if pat.x != xt.x {
                    xt = model.x_terms(pat.x);
                }
                let (l, d) = model.pattern_terms(&xt, pat.t_x, pat.t);
                value -= pat.weight * l;
                for (g, d) in gradient.iter_mut().zip(d) {
                    *g -= pat.weight * d;
                }
            }
            (value, gradient)
        });
        (value / self.total_weight, gradient.into_iter().map(|g| g / self.total_weight).collect())
    }
}

struct GammaGammaProblem<'a> {
    /// (x, m, weight, ln m) of the repeat customers, ordered by x.
    customers: &'a [(f64, f64, f64, f64)],
    total_weight: f64,
}

fn gamma_gamma_of(p: &[f64]) -> GammaGamma {
    GammaGamma { p: p[0].exp(), q: p[1].exp(), gamma: p[2].exp() }
}

impl Likelihood for GammaGammaProblem<'_> {
    fn value_and_gradient(&self, p: &[f64]) -> (f64, Vec<f64>) {
        let model = gamma_gamma_of(p);
        let (value, gradient) = sum_chunks(self.customers, |chunk| {
            let (mut value, mut gradient) = (0.0, [0.0; 3]);
            let mut xt = model.x_terms(chunk.first().map_or(1.0, |c| c.0));
            for &(x, m, w, ln_m) in chunk {
                if x != xt[4] {
                    xt = model.x_terms(x);
                }
                let (l, d) = model.customer_terms(&xt, m, ln_m);
                value -= w * l;
                for (g, d) in gradient.iter_mut().zip(d) {
                    *g -= w * d;
                }
            }
            (value, gradient)
        });
        (value / self.total_weight, gradient.into_iter().map(|g| g / self.total_weight).collect())
    }
}

/// A problem with the best parameters seen kept aside and a budget of evaluations: argmin's
/// line searches have no limit of their own, and at the limit of floating-point noise a BFGS
/// step of zero length makes the next direction NaN (yₖ·sₖ = 0), after which a backtracking
/// search would never end. Not-a-number parameters and an exhausted budget stop the run, and
/// the best parameters seen are judged by their gradient.
struct Tracked<P> {
    problem: P,
    /// The lowest cost seen, its parameters and the evaluations so far.
    best: Arc<Mutex<(f64, Vec<f64>, u64)>>,
    /// The last point evaluated, its cost and gradient: argmin asks for the cost and then the
    /// gradient of the same point, which one evaluation gives.
    last: Mutex<Option<Evaluated>>,
}

/// A point, its cost and its gradient.
type Evaluated = (Vec<f64>, f64, Vec<f64>);

/// −(mean log-likelihood) and its gradient, in log parameters.
trait Likelihood {
    fn value_and_gradient(&self, p: &[f64]) -> (f64, Vec<f64>);
}

impl<P: Likelihood> Likelihood for &P {
    fn value_and_gradient(&self, p: &[f64]) -> (f64, Vec<f64>) {
        (*self).value_and_gradient(p)
    }
}

/// The largest |ln θ| searched: parameters between e⁻³⁰ and e³⁰ (10⁻¹³ to 10¹³). Far out the
/// likelihoods lose their digits (terms of 10⁹⁰ that should cancel) and can seem to rise without
/// end: from ln θ = 0.1 a first step along the gradient once led the Gamma-Gamma search to
/// ln p = −156, ln γ = 220 (the orders of `fixtures/clv_orders.csv` to 2026-04-30).
const LOG_BOUND: f64 = 30.0;

/// Evaluations of the likelihood allowed in one fit.
const BUDGET: u64 = 20_000;

impl<P: Likelihood> Tracked<P> {
    fn evaluate(&self, p: &[f64]) -> Result<(f64, Vec<f64>), ArgminError> {
        if p.iter().any(|v| !v.is_finite()) {
            return Err(anyhow!("stopped"));
        }
        if p.iter().any(|v| v.abs() > LOG_BOUND) {
            // Out of bounds: no value, so the line search shortens the step.
            return Ok((f64::INFINITY, vec![0.0; p.len()]));
        }
        let mut last = self.last.lock().map_err(|_| anyhow!("poisoned"))?;
        if let Some((at, cost, gradient)) = last.as_ref() {
            if at.as_slice() == p {
                return Ok((*cost, gradient.clone()));
            }
        }
        let mut best = self.best.lock().map_err(|_| anyhow!("poisoned"))?;
        best.2 += 1;
        if best.2 > BUDGET {
            return Err(anyhow!("stopped"));
        }
        let (cost, gradient) = self.problem.value_and_gradient(p);
        if cost < best.0 {
            (best.0, best.1) = (cost, p.to_vec());
        }
        *last = Some((p.to_vec(), cost, gradient.clone()));
        Ok((cost, gradient))
    }
}

impl<P: Likelihood> CostFunction for Tracked<P> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, ArgminError> {
        Ok(self.evaluate(p)?.0)
    }
}

impl<P: Likelihood> Gradient for Tracked<P> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, ArgminError> {
        Ok(self.evaluate(p)?.1)
    }
}

/// The mean drop-out probability a/(a + b) under which a BG/NBD fit is on the boundary: no sign
/// of drop-out in the data (see [`fit_bgnbd`]).
pub const BOUNDARY: f64 = 1e-4;

/// The largest gradient norm (of the mean log-likelihood, in log parameters) accepted as a
/// maximum: at it, the parameters are within about 10⁻⁶ of the maximum, relative.
pub const GRADIENT_TOLERANCE: f64 = 1e-6;

/// Minimises `problem` (the mean −log L in log parameters) by BFGS with a backtracking line
/// search (Armijo) from `start`: the minimum and the evaluations, or why it failed. BFGS stops
/// when the gradient's norm is below 10⁻⁹ (or cannot get lower, see [`Tracked`]); the best
/// parameters seen are then the maximum if their gradient's norm is below
/// [`GRADIENT_TOLERANCE`].
fn minimise<P: Likelihood>(problem: P, start: Start) -> Result<Minimum> {
    let Start { at: start, inverse_hessian } = start;
    let k = start.len();
    let identity = || (0..k).map(|i| (0..k).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    let inverse_hessian: Vec<Vec<f64>> = inverse_hessian.unwrap_or_else(identity);
    let line_search = BacktrackingLineSearch::new(ArmijoCondition::new(1e-4)?).rho(0.5)?;
    let solver = BFGS::new(line_search).with_tolerance_grad(1e-9)?.with_tolerance_cost(0.0)?;
    let best = Arc::new(Mutex::new((f64::INFINITY, start.clone(), 0)));
    let tracked = Tracked { problem, best: Arc::clone(&best), last: Mutex::new(None) };
    // Ended by its own test or stopped (see Tracked): either way the best parameters seen are
    // judged by their gradient below.
    let _ = Executor::new(tracked, solver).configure(|state| state.param(start).inv_hessian(inverse_hessian).max_iters(1000)).run();
    let (_, best, evaluations) = best.lock().map_err(|_| anyhow!("the fit failed"))?.clone();
    Ok(Minimum { at: best, evaluations })
}

/// Searches from `start` and, while the best point's gradient is not below the tolerance,
/// again from that point with a fresh inverse Hessian, at most [`RESTARTS`] times. BFGS with
/// an Armijo line search (no curvature condition) can lose its way when an update makes the
/// inverse Hessian poor: on the orders of `fixtures/clv_orders.csv` to 2026-04-30 the
/// Gamma-Gamma search stalled with a gradient norm of 1.0, and a restart finds the maximum
/// lifetimes finds.
fn search<P: Likelihood>(problem: impl Fn() -> P, start: Start, gradient_at: impl Fn(&[f64]) -> Vec<f64>) -> Result<Minimum> {
    let mut found = minimise(problem(), start)?;
    for _ in 0..RESTARTS {
        if converged(&found, &gradient_at, GRADIENT_TOLERANCE).is_ok() {
            break;
        }
        let again = minimise(problem(), Start::at(found.at.clone()))?;
        found = Minimum { at: again.at, evaluations: found.evaluations + again.evaluations };
    }
    Ok(found)
}

/// Where a search starts: a point and, when known, the inverse of the Hessian there (BFGS's
/// first step is then a Newton step; else it starts from the identity).
struct Start {
    at: Vec<f64>,
    inverse_hessian: Option<Vec<Vec<f64>>>,
}

impl Start {
    fn at(at: Vec<f64>) -> Start {
        Start { at, inverse_hessian: None }
    }

    /// The maximum of a sample's likelihood (`few`, the mean −log L of the sample) and the
    /// inverse of its Hessian there: near the whole likelihood's maximum and curvature (both are
    /// means), so BFGS on all items starts with Newton steps (BG/NBD on the 6 million orders:
    /// 107 evaluations of the whole likelihood from ln θ = 0.1 and the identity; 238 from the
    /// sample's maximum with the identity). From ln θ = 0.1 when the sample's search fails; with
    /// the identity where its Hessian is not positive definite (a maximum on the boundary).
    fn from_sample<P: Likelihood>(few: P, k: usize) -> Start {
        let Ok(found) = minimise(&few, Start::at(vec![0.1; k])) else { return Start::at(vec![0.1; k]) };
        let hessian = hessian(&found.at, |p| few.value_and_gradient(p).1);
        let inverse_hessian = hessian.cholesky().map(|c| {
            let inverse = c.inverse();
            (0..k).map(|i| (0..k).map(|j| inverse[(i, j)]).collect()).collect()
        });
        Start { at: found.at, inverse_hessian }
    }
}

/// Fresh starts of a search that has not converged.
const RESTARTS: usize = 5;

/// The best point a search found and the evaluations it took.
struct Minimum {
    at: Vec<f64>,
    evaluations: u64,
}

/// Whether the gradient's norm at `m` is below [`GRADIENT_TOLERANCE`] (`tolerance`); else why not.
fn converged(m: &Minimum, gradient_at: &impl Fn(&[f64]) -> Vec<f64>, tolerance: f64) -> Result<()> {
    let norm = gradient_at(&m.at).iter().map(|g| g * g).sum::<f64>().sqrt();
    if !norm.is_finite() || norm >= tolerance || m.at.iter().any(|p| !p.is_finite()) {
        return Err(anyhow!("the fit did not converge (after {} evaluations the gradient's norm is {norm:.3e})", m.evaluations));
    }
    Ok(())
}

/// Standard errors of the parameters from the Hessian of the total −log L in log parameters
/// (central differences of the analytic gradient, step 10⁻⁵): Var(θᵢ) = θᵢ² [H⁻¹]ᵢᵢ by the delta
/// method. `None` where the Hessian is not invertible.
fn standard_errors(at: &[f64], total_weight: f64, gradient_at: impl Fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let k = at.len();
    match (hessian(at, gradient_at) * total_weight).try_inverse() {
        Some(inverse) => (0..k).map(|i| at[i].exp() * inverse[(i, i)].max(0.0).sqrt()).collect(),
        None => vec![f64::NAN; k],
    }
}

/// The Hessian at `at` by central differences of the gradient (step 10⁻⁵), made symmetric.
fn hessian(at: &[f64], gradient_at: impl Fn(&[f64]) -> Vec<f64>) -> DMatrix<f64> {
    let k = at.len();
    let h = 1e-5;
    let mut hessian = DMatrix::<f64>::zeros(k, k);
    for j in 0..k {
        let (mut up, mut down) = (at.to_vec(), at.to_vec());
        up[j] += h;
        down[j] -= h;
        let (gu, gd) = (gradient_at(&up), gradient_at(&down));
        for i in 0..k {
            hessian[(i, j)] = (gu[i] - gd[i]) / (2.0 * h);
        }
    }
    (&hessian + hessian.transpose()) / 2.0
}

/// Items of a likelihood above which the search starts from the maximum of a sample.
const SAMPLE: usize = 20_000;

/// Every k-th item of many (more than twice [`SAMPLE`]), about [`SAMPLE`] of them, in order: its
/// maximum likelihood is near the whole's and found in a fraction of the time, so the search on
/// all items starts there, with the sample's curvature (see [`Start::from_sample`]). `None` for
/// fewer items: the search starts from ln θ = 0.1 as `lifetimes` does.
fn sample<T: Copy>(items: &[T]) -> Option<Vec<T>> {
    (items.len() > 2 * SAMPLE).then(|| items.iter().step_by(items.len() / SAMPLE).copied().collect())
}

/// Fits the BG/NBD model to the patterns by maximum likelihood. Times are scaled so that the
/// oldest customer's T is 1 during the fit (α scales with them), as `lifetimes` does; the
/// search starts from ln θ = 0.1 for every parameter, or from a sample's maximum (see
/// [`sample`]). The log-likelihood is given in the
/// patterns' time unit.
pub fn fit_bgnbd(patterns: &[Pattern]) -> Result<Fitted<BgNbd>> {
    let scale = patterns.iter().map(|p| p.t).fold(0.0, f64::max);
    if scale <= 0.0 {
        return Err(anyhow!("every customer's first purchase is on the last day: no time to observe repeat purchases"));
    }
    let scaled: Vec<Pattern> = patterns.iter().map(|p| Pattern { x: p.x, t_x: p.t_x / scale, t: p.t / scale, weight: p.weight }).collect();
    let total_weight: f64 = scaled.iter().map(|p| p.weight).sum();
    let problem = || BgNbdProblem { patterns: &scaled, total_weight };
    let gradient_at = |p: &[f64]| problem().value_and_gradient(p).1;
    let start = match sample(&scaled) {
        Some(few) => Start::from_sample(BgNbdProblem { total_weight: few.iter().map(|p| p.weight).sum(), patterns: &few }, 4),
        None => Start::at(vec![0.1; 4]),
    };
    let found = search(problem, start, gradient_at)?;
    let (best, iterations) = (found.at.clone(), found.evaluations);
    if let Err(e) = converged(&found, &gradient_at, GRADIENT_TOLERANCE) {
        // The supremum on the boundary: with no sign of drop-out the likelihood keeps rising as
        // a → 0 (ln a → −∞), where its gradient in ln a fades but does not vanish. The limit
        // (the NBD model, P(alive) = 1) is what the data say; the caller warns.
        let m = bgnbd_of(&best);
        if !(m.a / (m.a + m.b) < BOUNDARY && converged(&found, &gradient_at, 1e-3).is_ok()) {
            return Err(e);
        }
    }
    let mut model = bgnbd_of(&best);
    model.alpha *= scale;
    let mut se = standard_errors(&best, total_weight, gradient_at);
    se[1] *= scale;
    // In the caller's time unit: the likelihood is a density of the purchase times, so it
    // depends on the unit (by scaleˣ per customer).
    let log_likelihood = patterns.iter().map(|p| p.weight * model.log_likelihood(p.x, p.t_x, p.t)).sum();
    Ok(Fitted { model, standard_errors: se, log_likelihood, iterations })
}

/// Fits the Gamma-Gamma model to the repeat customers' (x, mean spend m, weight), x > 0 and
/// m > 0, starting from ln θ = 0.1.
pub fn fit_gamma_gamma(customers: &[Spend]) -> Result<Fitted<GammaGamma>> {
    let total_weight: f64 = customers.iter().map(|c| c.2).sum();
    let with_ln: Vec<(f64, f64, f64, f64)> = customers.iter().map(|&(x, m, w)| (x, m, w, m.ln())).collect();
    let problem = || GammaGammaProblem { customers: &with_ln, total_weight };
    let gradient_at = |p: &[f64]| problem().value_and_gradient(p).1;
    let start = match sample(&with_ln) {
        Some(few) => Start::from_sample(GammaGammaProblem { total_weight: few.iter().map(|c| c.2).sum(), customers: &few }, 3),
        None => Start::at(vec![0.1; 3]),
    };
    let found = search(problem, start, gradient_at)?;
    converged(&found, &gradient_at, GRADIENT_TOLERANCE)?;
    let (best, iterations) = (found.at, found.evaluations);
    let mean = problem().value_and_gradient(&best).0;
    Ok(Fitted {
        model: gamma_gamma_of(&best),
        standard_errors: standard_errors(&best, total_weight, gradient_at),
        log_likelihood: -mean * total_weight,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) {
        assert!((a - b).abs() <= rel * b.abs().max(1e-300), "{a} vs {b}");
    }

    #[test]
    fn hyp2f1_agrees_with_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z: at z = 0.5, 2 ln 2 = 1.3862943611198906.
        close(ln_hyp2f1(1.0, 1.0, 2.0, 0.5).unwrap(), (2.0 * 2f64.ln()).ln(), 1e-14);
        // ₂F₁(a, b; b; z) = (1 − z)^(−a): a = 3.5, z = 0.99 → 100^3.5 = 10⁷, ln = 16.1180956509583.
        close(ln_hyp2f1(3.5, 2.0, 2.0, 0.99).unwrap(), 3.5 * 100f64.ln(), 1e-13);
        // Far beyond f64: a = 400, z = 0.99 → ln = 400·ln 100 = 1842.068074395237 (the terms
        // grow until n ≈ 40,000, then fall by 0.99 a term).
        close(ln_hyp2f1(400.0, 7.0, 7.0, 0.99).unwrap(), 400.0 * 100f64.ln(), 1e-11);
        // z = 0: 1.
        assert_eq!(ln_hyp2f1(2.0, 3.0, 4.0, 0.0), Some(0.0));
        // scipy.special.hyp2f1 (scipy 1.17.1; ln of its value) at arguments as BG/NBD's
        // expectations take them (r + x, b + x, a + b + x − 1, t/(α + T + t)) and beyond.
        for (a, b, c, z, want) in [
            (2.243, 4.426, 4.219, 0.601_754_345_360_705_4, 2.184_278_634_011_386_4),
            (0.9, 2.5, 2.3, 0.888_888_888_888_888_8, 2.236_560_771_095_916_8),
            (15.95, 17.54, 17.36, 0.375_180_375_180_375_17, 7.580_198_058_157_904_5),
            (1.2, 3.0, 2.5, 0.97, 5.567_173_545_171_2),
            (40.5, 41.5, 41.2, 0.9, 93.940_813_413_176_02),
            (2.0, 5.0, 3.0, 0.2, 0.757_136_234_361_734_7),
        ] {
            close(ln_hyp2f1(a, b, c, z).unwrap(), want, 1e-13);
        }
        // Outside the domain.
        assert_eq!(ln_hyp2f1(2.0, 3.0, 4.0, 1.0), None);
        assert_eq!(ln_hyp2f1(-1.0, 3.0, 4.0, 0.5), None);
    }

    /// Fader, Hardie & Lee's worked example (the CDNOW data, 2,357 customers, weeks):
    /// r = 0.243, α = 4.414, a = 0.793, b = 2.426. Values by hand from the formulas.
    fn cdnow() -> BgNbd {
        BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
    }

    #[test]
    fn p_alive_by_hand() {
        let m = cdnow();
        // x = 2, tₓ = 30.43, T = 38.86: a/(b+x−1) = 0.793/3.426 = 0.231465;
        // ((α+T)/(α+tₓ))^(r+x) = (43.274/34.844)^2.243 = 1.241935^2.243 = e^(2.243·0.216671) = 1.625789;
        // P = 1/(1 + 0.231465·1.625789) = 1/1.376314 = 0.726579.
        let odds = 0.793 / 3.426 * (43.274f64 / 34.844).powf(2.243);
        close(m.p_alive(2.0, 30.43, 38.86), 1.0 / (1.0 + odds), 1e-14);
        close(m.p_alive(2.0, 30.43, 38.86), 0.726_579, 1e-5);
        // No repeat purchase: alive for sure (the model's drop-out happens after a purchase).
        assert_eq!(m.p_alive(0.0, 0.0, 38.86), 1.0);
    }

    #[test]
    fn log_likelihood_by_hand() {
        let m = BgNbd { r: 0.5, alpha: 2.0, a: 1.5, b: 3.0 };
        // x = 0, T = 4: ln[(α/(α+T))^r] = 0.5·ln(2/6) = −0.549306; the Beta ratio is 1.
        close(m.log_likelihood(0.0, 0.0, 4.0), 0.5 * (1.0f64 / 3.0).ln(), 1e-14);
        // x = 1, tₓ = 2, T = 4: Γ(1.5)/Γ(0.5) = 0.5; αʳ = √2;
        // B(a, b+1)/B(a, b) = b/(a+b) = 3/4.5 = 2/3; B(a+1, b)/B(a, b) = a/(a+b) = 1.5/4.5 = 1/3.
        // L = 0.5·√2·[(2/3)/6^1.5 + (1/3)/4^1.5] = 0.707107·[0.045361 + 0.041667] = 0.061538.
        let l = 0.5 * 2f64.sqrt() * ((2.0 / 3.0) / 6f64.powf(1.5) + (1.0 / 3.0) / 4f64.powf(1.5));
        close(m.log_likelihood(1.0, 2.0, 4.0), l.ln(), 1e-13);
        close(l, 0.061_538, 1e-4);
    }

    #[test]
    fn gradients_match_differences() {
        let m = [0.5f64.ln(), 2f64.ln(), 1.5f64.ln(), 3f64.ln()];
        let patterns = [
            Pattern { x: 0.0, t_x: 0.0, t: 4.0, weight: 3.0 },
            Pattern { x: 2.0, t_x: 1.5, t: 4.0, weight: 1.0 },
            Pattern { x: 5.0, t_x: 3.9, t: 4.0, weight: 2.0 },
        ];
        let problem = BgNbdProblem { patterns: &patterns, total_weight: 6.0 };
        let (_, g) = problem.value_and_gradient(&m);
        for i in 0..4 {
            let (mut up, mut down) = (m.to_vec(), m.to_vec());
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let numeric = (problem.value_and_gradient(&up).0 - problem.value_and_gradient(&down).0) / 2e-6;
            close(g[i], numeric, 1e-6);
        }
        let customers: [Spend; 3] = [(1.0, 20.0, 2.0), (2.0, 12.25, 1.0), (4.0, 35.5, 1.0)];
        let with_ln: Vec<(f64, f64, f64, f64)> = customers.iter().map(|&(x, m, w)| (x, m, w, m.ln())).collect();
        let problem = GammaGammaProblem { customers: &with_ln, total_weight: 4.0 };
        let at = [2f64.ln(), 3f64.ln(), 15f64.ln()];
        let (_, g) = problem.value_and_gradient(&at);
        for i in 0..3 {
            let (mut up, mut down) = (at.to_vec(), at.to_vec());
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let numeric = (problem.value_and_gradient(&up).0 - problem.value_and_gradient(&down).0) / 2e-6;
            close(g[i], numeric, 1e-6);
        }
    }

    #[test]
    fn expected_purchases_of_a_new_customer_by_hand() {
        // With b → the Beta(a, b) mean drop-out a/(a+b): check against the conditional formula
        // for x = 0, tₓ = 0, T = 0, which is the same customer.
        let m = cdnow();
        let new = m.expected_purchases_new(39.0).unwrap();
        close(m.expected_purchases(39.0, 0.0, 0.0, 0.0).unwrap(), new, 1e-12);
        // The closed form: (a+b−1)/(a−1)·[1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))]; with
        // a = 0.793 < 1 both factors are negative.
        let hyp = ln_hyp2f1(0.243, 2.426, 0.793 + 2.426 - 1.0, 39.0 / 43.414).unwrap().exp();
        let by_hand = (0.793 + 2.426 - 1.0) / (0.793 - 1.0) * (1.0 - (4.414f64 / 43.414).powf(0.243) * hyp);
        close(new, by_hand, 1e-14);
        assert!(new > 0.0 && (0.793f64 + 2.426 - 1.0) / (0.793 - 1.0) < 0.0);
    }

    #[test]
    fn gamma_gamma_spend_by_hand() {
        // p = 6.25, q = 3.74, γ = 15.44 (Fader & Hardie's CDNOW fit): population mean
        // pγ/(q−1) = 96.5/2.74 = 35.2190; a customer with x = 2 purchases of mean 50:
        // w = 12.5/(12.5 + 2.74) = 0.820210; E = 0.179790·35.2190 + 0.820210·50 = 47.3426.
        let g = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
        let w = 12.5 / (12.5 + 2.74);
        close(g.expected_spend(2.0, 50.0).unwrap(), (1.0 - w) * 96.5 / 2.74 + w * 50.0, 1e-14);
        close(g.expected_spend(2.0, 50.0).unwrap(), 47.3426, 1e-5);
        assert_eq!(GammaGamma { q: 1.0, ..g }.expected_spend(2.0, 50.0), None);
    }
}
