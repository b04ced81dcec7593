//! The Adam optimiser and gradient-norm clipping.

use crate::error::{check_positive, Error, Result};
use serde::{Deserialize, Serialize};

/// Hyperparameters of [`Adam`] (defaults: Kingma & Ba's, as PyTorch's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdamParams {
    /// Step size (> 0).
    pub learning_rate: f64,
    /// Decay of the first-moment estimate, in `[0, 1)`.
    pub beta1: f64,
    /// Decay of the second-moment estimate, in `[0, 1)`.
    pub beta2: f64,
    /// Added to the root of the second moment (> 0).
    pub eps: f64,
}

impl Default for AdamParams {
    fn default() -> Self {
        AdamParams {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

impl AdamParams {
    /// Checks the hyperparameters.
    pub fn validate(&self) -> Result<()> {
        check_positive("learning_rate", self.learning_rate)?;
        check_positive("eps", self.eps)?;
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::invalid(name, b, "must be in [0, 1)"));
            }
        }
        Ok(())
    }
}

/// The Adam optimiser (Kingma & Ba 2015) with bias correction, over a fixed list of tensors.
#[derive(Debug, Clone)]
pub struct Adam {
    params: AdamParams,
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    t: u64,
}

impl Adam {
    /// An optimiser for tensors of the given lengths.
    pub fn new(params: AdamParams, lengths: &[usize]) -> Result<Self> {
        params.validate()?;
        Ok(Adam {
            params,
            m: lengths.iter().map(|&n| vec![0.0; n]).collect(),
            v: lengths.iter().map(|&n| vec![0.0; n]).collect(),
            t: 0,
        })
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of every tensor from its gradient. Non-finite gradients are an error and
    /// leave the parameters unchanged.
    pub fn step(&mut self, params: &mut [&mut [f64]], grads: &[&[f64]]) -> Result<()> {
        if params.len() != self.m.len() || grads.len() != self.m.len() {
            return Err(Error::shape(
                "Adam tensors",
                format!("{} tensors", self.m.len()),
                format!("{} parameters and {} gradients", params.len(), grads.len()),
            ));
        }
        for (k, (p, g)) in params.iter().zip(grads).enumerate() {
            if p.len() != self.m[k].len() || g.len() != self.m[k].len() {
                return Err(Error::shape(
                    format!("Adam tensor {k}"),
                    format!("{} values", self.m[k].len()),
                    format!("{} parameters and {} gradients", p.len(), g.len()),
                ));
            }
            crate::series::check_finite_slice("gradient", g)?;
        }
        self.t += 1;
        let AdamParams {
            learning_rate,
            beta1,
            beta2,
            eps,
        } = self.params;
        let c1 = 1.0 - beta1.powi(self.t.min(i32::MAX as u64) as i32);
        let c2 = 1.0 - beta2.powi(self.t.min(i32::MAX as u64) as i32);
        for (k, (p, g)) in params.iter_mut().zip(grads).enumerate() {
            for ((w, &gi), (m, v)) in p
                .iter_mut()
                .zip(g.iter())
                .zip(self.m[k].iter_mut().zip(self.v[k].iter_mut()))
            {
                *m = beta1 * *m + (1.0 - beta1) * gi;
                *v = beta2 * *v + (1.0 - beta2) * gi * gi;
                *w -= learning_rate * (*m / c1) / ((*v / c2).sqrt() + eps);
            }
        }
        Ok(())
    }
}

/// Scales the gradients so that their joint Euclidean norm is at most `max_norm` (as PyTorch's
/// `clip_grad_norm_`); returns the norm before clipping.
pub fn clip_grad_norm(grads: &mut [&mut [f64]], max_norm: f64) -> Result<f64> {
    check_positive("max_norm", max_norm)?;
    let norm = grads
        .iter()
        .flat_map(|g| g.iter())
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    if norm > max_norm {
        let scale = max_norm / (norm + 1e-6);
        grads
            .iter_mut()
            .for_each(|g| g.iter_mut().for_each(|v| *v *= scale));
    }
    Ok(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_matches_the_published_update() {
        // first step: m = (1 - b1) g, v = (1 - b2) g^2, so the step is lr * g / (|g| + eps')
        let mut w = [1.0, -2.0];
        let g = vec![0.5, -4.0];
        let p = AdamParams::default();
        let mut adam = Adam::new(p, &[2]).unwrap();
        adam.step(&mut [&mut w[..]], &[&g[..]]).unwrap();
        for (k, (&w0, &gi)) in [1.0, -2.0].iter().zip(&g).enumerate() {
            let expected = w0 - p.learning_rate * gi / (gi.abs() + p.eps);
            assert!((w[k] - expected).abs() < 1e-15, "{} vs {expected}", w[k]);
        }
        assert!(adam
            .step(&mut [&mut w[..]], &[&[f64::NAN, 0.0][..]])
            .is_err());
        assert!(Adam::new(
            AdamParams {
                learning_rate: 0.0,
                ..p
            },
            &[1]
        )
        .is_err());
        assert!(Adam::new(AdamParams { beta1: 1.0, ..p }, &[1]).is_err());
    }

    #[test]
    fn clipping_scales_to_the_norm() {
        let mut a = [3.0];
        let mut b = [4.0];
        let norm = clip_grad_norm(&mut [&mut a[..], &mut b[..]], 1.0).unwrap();
        assert_eq!(norm, 5.0);
        assert!(((a[0] * a[0] + b[0] * b[0]).sqrt() - 1.0).abs() < 1e-6);
    }
}
