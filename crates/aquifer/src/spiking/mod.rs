//! Liquid state machines: spiking reservoirs of leaky integrate-and-fire neurons with Dale's
//! law and three topologies ([`Liquid`]), input encoders ([`encode`]), and readout features from
//! spikes ([`Feature`]) for a trained readout such as [`Ridge`](crate::readout::Ridge).
//!
//! ```
//! use aquifer::prelude::*;
//! use aquifer::spiking::{encode, Feature, Liquid, LiquidParams};
//! // two classes of series: slow and fast oscillations, as currents into the liquid
//! let series: Vec<faer::Mat<f64>> = (0..40)
//!     .map(|k| {
//!         let freq = if k % 2 == 0 { 0.1 } else { 0.4 };
//!         faer::Mat::from_fn(60, 1, |t, _| 1.5 * (1.0 + (freq * t as f64 + k as f64).sin()))
//!     })
//!     .collect();
//! let liquid = Liquid::new(&LiquidParams { units: 150, seed: 3, ..Default::default() }, 1)?;
//! let f = liquid.features(&series, Feature::Counts, 6)?;
//! let labels: Vec<usize> = (0..40).map(|k| k % 2).collect();
//! let targets = faer::Mat::from_fn(40, 2, |k, c| (labels[k] == c) as u8 as f64);
//! let mut ridge = Ridge::new(1e-2)?;
//! ridge.fit(&[f.features.subrows(0, 30)], &[targets.subrows(0, 30)], 0)?;
//! let pred = ridge.run(f.features.subrows(30, 10))?;
//! let correct = (0..10).filter(|&k| (pred[(k, 1)] > pred[(k, 0)]) == (labels[30 + k] == 1)).count();
//! assert!(correct >= 9);
//! assert!(f.excitatory_rate > 0.0 && f.inhibitory_rate > 0.0);
//! # Ok::<(), aquifer::Error>(())
//! ```

pub mod encode;
mod features;
mod file;
mod liquid;
pub mod surrogate;

pub use features::{Feature, LiquidFeatures};
pub use liquid::{Liquid, LiquidParams, LiquidState, Propagation, Reset, Topology};
pub use surrogate::{LsmClassifier, Surrogate, SurrogateParams};
