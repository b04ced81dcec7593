//! Ridge statistics as a model-file part: what one process hands on to be merged and solved
//! by another.

use crate::error::Result;
use crate::statistics::RidgeStats;
use faer::Mat;
use serde::{Deserialize, Serialize};

/// The configuration part of saved statistics (the tensors hold the values).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedStats {
    features: usize,
    targets: usize,
    count: u64,
}

/// Statistics save as a model-file part of kind `ridge-statistics` (versioned, checksummed,
/// written atomically by [`crate::io::write`]): what a worker or a job of a cluster hands on to
/// be merged and solved elsewhere. Loading checks every shape and value.
///
/// ```
/// use aquifer::prelude::*;
/// use aquifer::traits::Persist;
/// let x = Mat::from_fn(50, 3, |i, j| ((i * (j + 2)) % 7) as f64);
/// let y = Mat::from_fn(50, 1, |i, _| i as f64);
/// let stats = RidgeStats::from_series(x.as_ref(), y.as_ref(), 5)?;
/// let bytes = stats.to_part()?.to_bytes()?;
/// let back = RidgeStats::from_part(&aquifer::io::ModelFile::from_bytes(&bytes)?)?;
/// assert_eq!(back, stats);
/// # Ok::<(), aquifer::Error>(())
/// ```
impl crate::traits::Persist for RidgeStats {
    const KIND: &'static str = "ridge-statistics";
    fn to_part(&self) -> Result<crate::io::ModelFile> {
        use crate::io::Tensor;
        let mut part = crate::io::ModelFile::empty(Self::KIND);
        part.set_config(&SavedStats {
            features: self.features(),
            targets: self.targets(),
            count: self.count(),
        })?;
        let t = &mut part.tensors;
        t.insert("mean_x".into(), Tensor::vector(self.mean_x().to_vec()));
        t.insert("mean_y".into(), Tensor::vector(self.mean_y().to_vec()));
        t.insert("cxx".into(), Tensor::matrix(self.cxx()));
        t.insert("cxy".into(), Tensor::matrix(self.cxy()));
        Ok(part)
    }
    fn from_part(part: &crate::io::ModelFile) -> Result<Self> {
        crate::traits::check_kind(part, Self::KIND)?;
        let c: SavedStats = part.config_as()?;
        let (f, m) = (c.features, c.targets);
        let cxx = part.f64_matrix("cxx", f, f)?;
        let cxy = part.f64_matrix("cxy", f, m)?;
        let column_major = |a: &Mat<f64>| -> Vec<f64> {
            (0..a.ncols())
                .flat_map(|j| a.col(j).iter().copied().collect::<Vec<_>>())
                .collect()
        };
        RidgeStats::from_parts(
            f,
            m,
            c.count,
            part.f64_tensor("mean_x", &[f])?.to_vec(),
            part.f64_tensor("mean_y", &[m])?.to_vec(),
            column_major(&cxx),
            column_major(&cxy),
        )
    }
}
