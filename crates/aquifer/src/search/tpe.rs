//! The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl, NeurIPS 2011), one
//! hyperparameter at a time as hyperopt and Optuna's default: the finished trials are split
//! into the best few ("good") and the rest; each side's values become a Parzen density (a
//! mixture of Gaussians at the observed values with a prior component), and the next value is
//! the candidate, among some drawn from the good density, that maximises the ratio
//! `l(x) / g(x)` of the good density to the other.

use super::space::{Domain, Params, Space};
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

/// The settings of the TPE sampler.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TpeParams {
    /// Trials drawn from the prior before the estimator takes over.
    pub startup: usize,
    /// Candidates drawn from the good density per suggestion.
    pub candidates: usize,
    /// Weight of the prior component of each density.
    pub prior_weight: f64,
}

impl Default for TpeParams {
    fn default() -> Self {
        TpeParams {
            startup: 10,
            candidates: 24,
            prior_weight: 1.0,
        }
    }
}

/// How many of `n` finished trials count as good: 10%, at least 1, at most 25 (Optuna's rule).
fn good_count(n: usize) -> usize {
    n.div_ceil(10).clamp(1, 25)
}

/// A one-dimensional Parzen density: Gaussians with weights, truncated to `[low, high]` (or not).
struct Parzen {
    mus: Vec<f64>,
    sigmas: Vec<f64>,
    weights: Vec<f64>,
    /// Per component, the log of its mass inside the bounds.
    log_mass: Vec<f64>,
    bounds: Option<(f64, f64)>,
}

fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

impl Parzen {
    /// The density of the observations `obs` with a prior component of mean `prior_mu` and
    /// width `prior_sigma`; `bounds` truncates every component.
    fn new(obs: &[f64], prior: (f64, f64), prior_weight: f64, bounds: Option<(f64, f64)>) -> Self {
        let (prior_mu, prior_sigma) = prior;
        let mut mus: Vec<f64> = obs.to_vec();
        mus.push(prior_mu);
        let mut order: Vec<usize> = (0..mus.len()).collect();
        order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]));
        // each component as wide as the larger gap to its neighbours, clipped
        let n = obs.len();
        let (lo_edge, hi_edge) = bounds.unwrap_or((
            mus[order[0]] - prior_sigma,
            mus[order[order.len() - 1]] + prior_sigma,
        ));
        let min_sigma = prior_sigma / (1.0 + n as f64).min(100.0);
        let mut sigmas = vec![prior_sigma; mus.len()];
        for (k, &i) in order.iter().enumerate() {
            let left = if k == 0 { lo_edge } else { mus[order[k - 1]] };
            let right = if k + 1 == order.len() {
                hi_edge
            } else {
                mus[order[k + 1]]
            };
            sigmas[i] = (mus[i] - left)
                .max(right - mus[i])
                .clamp(min_sigma, prior_sigma);
        }
        sigmas[n] = prior_sigma;
        let mut weights = vec![1.0; mus.len()];
        weights[n] = prior_weight;
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        let log_mass = mus
            .iter()
            .zip(&sigmas)
            .map(|(&mu, &s)| match bounds {
                Some((a, b)) => {
                    let mass = normal_cdf((b - mu) / s) - normal_cdf((a - mu) / s);
                    mass.max(1e-300).ln()
                }
                None => 0.0,
            })
            .collect();
        Parzen {
            mus,
            sigmas,
            weights,
            log_mass,
            bounds,
        }
    }

    fn sample(&self, rng: &mut impl rand::Rng) -> f64 {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let mut k = self.weights.len() - 1;
        for (i, w) in self.weights.iter().enumerate() {
            acc += w;
            if u < acc {
                k = i;
                break;
            }
        }
        let (mu, s) = (self.mus[k], self.sigmas[k]);
        for _ in 0..100 {
            let z: f64 = StandardNormal.sample(rng);
            let x = mu + s * z;
            match self.bounds {
                Some((a, b)) if x < a || x > b => continue,
                _ => return x,
            }
        }
        // a component almost entirely outside the bounds: its nearest point inside
        let (a, b) = self.bounds.expect("rejection only with bounds");
        mu.clamp(a, b)
    }

    fn log_pdf(&self, x: f64) -> f64 {
        let half_log_two_pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        let term = |i: usize| {
            let z = (x - self.mus[i]) / self.sigmas[i];
            self.weights[i].ln()
                - 0.5 * z * z
                - self.sigmas[i].ln()
                - half_log_two_pi
                - self.log_mass[i]
        };
        // log-sum-exp over the components, without a buffer
        let n = self.mus.len();
        let max = (0..n).map(term).fold(f64::NEG_INFINITY, f64::max);
        max + (0..n).map(|i| (term(i) - max).exp()).sum::<f64>().ln()
    }
}

/// The next value of one hyperparameter, from the coordinates of its good and bad values.
fn suggest_one(
    space: &Space,
    good: &[f64],
    bad: &[f64],
    p: &TpeParams,
    rng: &mut impl rand::Rng,
) -> f64 {
    match space.domain() {
        Domain::Categories(n) => {
            let weights = |obs: &[f64]| {
                let mut w = vec![p.prior_weight / n as f64; n];
                for &o in obs {
                    w[(o as usize).min(n - 1)] += 1.0;
                }
                let total: f64 = w.iter().sum();
                w.into_iter().map(|v| v / total).collect::<Vec<f64>>()
            };
            let (l, g) = (weights(good), weights(bad));
            let mut best = (f64::NEG_INFINITY, 0);
            for _ in 0..p.candidates {
                let u: f64 = rng.random();
                let mut acc = 0.0;
                let mut c = n - 1;
                for (i, w) in l.iter().enumerate() {
                    acc += w;
                    if u < acc {
                        c = i;
                        break;
                    }
                }
                let score = l[c].ln() - g[c].ln();
                if score > best.0 {
                    best = (score, c);
                }
            }
            best.1 as f64
        }
        domain => {
            let (prior, bounds) = match domain {
                Domain::Interval(a, b) => (((a + b) / 2.0, b - a), Some((a, b))),
                Domain::Line(mu, sigma) => ((mu, sigma), None),
                Domain::Categories(_) => unreachable!("handled above"),
            };
            let l = Parzen::new(good, prior, p.prior_weight, bounds);
            let g = Parzen::new(bad, prior, p.prior_weight, bounds);
            let mut best = (f64::NEG_INFINITY, l.mus[0]);
            for _ in 0..p.candidates {
                let x = l.sample(rng);
                let score = l.log_pdf(x) - g.log_pdf(x);
                if score > best.0 {
                    best = (score, x);
                }
            }
            best.1
        }
    }
}

/// The next trial's hyperparameters from the finished trials `history` (parameters and the
/// loss to minimise), drawn from the prior during the first `startup` trials.
pub(crate) fn suggest(
    space: &[(String, Space)],
    history: &[(&Params, f64)],
    p: &TpeParams,
    rng: &mut impl rand::Rng,
) -> Params {
    let mut ranked: Vec<&(&Params, f64)> = history.iter().filter(|(_, l)| l.is_finite()).collect();
    if ranked.len() < p.startup.max(1) {
        return space
            .iter()
            .map(|(name, s)| (name.clone(), s.sample(rng)))
            .collect();
    }
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    let n_good = good_count(ranked.len());
    space
        .iter()
        .map(|(name, s)| {
            let coordinates = |trials: &[&(&Params, f64)]| -> Vec<f64> {
                trials
                    .iter()
                    .filter_map(|(params, _)| params.get(name).and_then(|v| s.coordinate(v)))
                    .collect()
            };
            let (good, bad) = (
                coordinates(&ranked[..n_good]),
                coordinates(&ranked[n_good..]),
            );
            (
                name.clone(),
                s.value_at(suggest_one(s, &good, &bad, p, rng)),
            )
        })
        .collect()
}
