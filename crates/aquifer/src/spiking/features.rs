//! Readout features from a liquid's activity: spike counts, rates, exponentially filtered
//! traces, membrane potentials, optionally per time bin.

use super::liquid::{Liquid, SampleState};
use crate::error::{check_positive, Error, Result};
use crate::series::{check_series, AsSeries};
use faer::Mat;
use rayon::prelude::*;

/// What to read from the neurons.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Spikes per neuron in the bin.
    Counts,
    /// Spikes per neuron per step in the bin.
    Rates,
    /// The spike train filtered by `x <- x exp(-1 / tau) + s`, read at the end of the bin.
    Trace {
        /// Time constant in steps (> 0).
        tau: f64,
    },
    /// The membrane potential at the end of the bin.
    Membrane,
}

/// Features of a set of series: one row per series, `bins x units` columns (bin-major), and
/// the firing rates of the two populations.
#[derive(Debug, Clone)]
pub struct LiquidFeatures {
    /// `series x (bins units)`.
    pub features: Mat<f64>,
    /// Mean spikes per excitatory neuron per step, over every series.
    pub excitatory_rate: f64,
    /// Mean spikes per inhibitory neuron per step, over every series.
    pub inhibitory_rate: f64,
}

impl Liquid {
    /// Runs each series (`T_i x inputs`) from rest, independently and in parallel, and reads
    /// `feature` over `bins` consecutive time bins of near-equal length (`bins = 1`: the whole
    /// series). Every series must have at least `bins` steps.
    ///
    /// ```
    /// use aquifer::spiking::{Feature, Liquid, LiquidParams};
    /// let liquid = Liquid::new(&LiquidParams { units: 100, seed: 2, ..Default::default() }, 1)?;
    /// let series: Vec<_> = (0..3)
    ///     .map(|k| faer::Mat::from_fn(50, 1, |t, _| 2.0 * ((t + k) as f64 * 0.3).sin().abs()))
    ///     .collect();
    /// let f = liquid.features(&series, Feature::Counts, 5)?;
    /// assert_eq!((f.features.nrows(), f.features.ncols()), (3, 5 * 100));
    /// # Ok::<(), aquifer::Error>(())
    /// ```
    pub fn features<S: AsSeries + Sync>(
        &self,
        series: &[S],
        feature: Feature,
        bins: usize,
    ) -> Result<LiquidFeatures> {
        if series.is_empty() {
            return Err(Error::Empty {
                what: "series list".into(),
            });
        }
        if bins == 0 {
            return Err(Error::invalid("bins", 0, "must be >= 1"));
        }
        if let Feature::Trace { tau } = feature {
            check_positive("tau", tau)?;
        }
        for (k, s) in series.iter().enumerate() {
            let s = s.as_series();
            check_series(
                &format!("liquid input series {k}"),
                s,
                Some(self.input_dim()),
            )?;
            if s.nrows() < bins {
                return Err(Error::invalid(
                    "bins",
                    bins,
                    &format!("series {k} has only {} steps", s.nrows()),
                ));
            }
        }
        let n = self.units();
        let rows: Vec<(Vec<f64>, usize, usize)> = series
            .par_iter()
            .map(|s| self.sample_features(s.as_series(), feature, bins))
            .collect();
        let mut features = Mat::zeros(series.len(), bins * n);
        let (mut exc_spikes, mut inh_spikes, mut steps) = (0usize, 0usize, 0usize);
        for (k, (row, exc, inh)) in rows.into_iter().enumerate() {
            row.iter()
                .enumerate()
                .for_each(|(j, v)| features[(k, j)] = *v);
            exc_spikes += exc;
            inh_spikes += inh;
            steps += series[k].as_series().nrows();
        }
        let rate = |spikes: usize, neurons: usize| {
            if neurons == 0 {
                0.0
            } else {
                spikes as f64 / (neurons * steps) as f64
            }
        };
        Ok(LiquidFeatures {
            features,
            excitatory_rate: rate(exc_spikes, self.excitatory()),
            inhibitory_rate: rate(inh_spikes, n - self.excitatory()),
        })
    }

    /// One series: its feature row and its excitatory and inhibitory spike totals.
    fn sample_features(
        &self,
        x: faer::MatRef<'_, f64>,
        feature: Feature,
        bins: usize,
    ) -> (Vec<f64>, usize, usize) {
        let n = self.units();
        let t_len = x.nrows();
        let mut state = self.init_state(1);
        let mut scratch = self.scratch();
        let mut row = vec![0.0; self.input_dim()];
        let mut out = vec![0.0; bins * n];
        let mut acc = vec![0.0; n];
        let decay = match feature {
            Feature::Trace { tau } => (-1.0 / tau).exp(),
            _ => 0.0,
        };
        let (mut exc, mut inh) = (0, 0);
        let excitatory = self.excitatory() as u32;
        let mut sample: SampleState<'_> = state.sample_mut().next().expect("batch of one");
        for bin in 0..bins {
            let (start, end) = (bin * t_len / bins, (bin + 1) * t_len / bins);
            if !matches!(feature, Feature::Trace { .. }) {
                acc.iter_mut().for_each(|v| *v = 0.0);
            }
            for t in start..end {
                row.iter_mut().enumerate().for_each(|(j, v)| *v = x[(t, j)]);
                self.step_sample(&row, &mut sample, &mut scratch);
                if let Feature::Trace { .. } = feature {
                    acc.iter_mut().for_each(|v| *v *= decay);
                }
                for &i in sample.active.iter() {
                    if i < excitatory {
                        exc += 1;
                    } else {
                        inh += 1;
                    }
                    if !matches!(feature, Feature::Membrane) {
                        acc[i as usize] += 1.0;
                    }
                }
            }
            let dst = &mut out[bin * n..(bin + 1) * n];
            match feature {
                Feature::Counts | Feature::Trace { .. } => dst.copy_from_slice(&acc),
                Feature::Rates => {
                    let len = (end - start) as f64;
                    dst.iter_mut().zip(&acc).for_each(|(d, a)| *d = a / len);
                }
                Feature::Membrane => dst.copy_from_slice(sample.mem),
            }
        }
        (out, exc, inh)
    }
}
