//! The Kuramoto-Sivashinsky equation, integrated in Fourier space by ETDRK4.

use super::chaos::check_steps;
use crate::error::{Error, Result};
use faer::Mat;
use realfft::num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::Arc;

/// Largest grid accepted (the coefficients are `O(n x contour_points)`).
const MAX_GRID: usize = 1 << 24;

/// The Kuramoto-Sivashinsky equation `u_t = -u u_x - u_xx - u_xxxx` on the periodic domain
/// `[0, 2 pi scale]`, sampled on `n` grid points every `h`.
///
/// Defaults as ReservoirPy 0.4 (and Kassam & Trefethen's `kursiv.m`): `n = 128`, a domain of
/// `32 pi`, 16 contour points, `h = 0.25`, `u0(x) = cos(x / 16) (1 + sin(x / 16))`.
/// ReservoirPy's single `M` sets both the domain scale and the contour points; here they are
/// two parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KuramotoSivashinsky {
    /// Grid points (even, >= 4).
    pub n: usize,
    /// The domain is `[0, 2 pi scale]` (ReservoirPy's `M`).
    pub scale: f64,
    /// Points on the contour that evaluates the ETDRK4 coefficients (ReservoirPy's `M`).
    pub contour_points: usize,
    /// Sampling (and integration) step.
    pub h: f64,
    /// Initial condition on the grid (`n` values); `None`: `cos(x / scale) (1 + sin(x /
    /// scale))` at `x = 2 pi scale k / n`, `k = 1..=n`.
    pub x0: Option<Vec<f64>>,
    /// Samples run and discarded before the returned series.
    pub warmup: usize,
}

impl Default for KuramotoSivashinsky {
    fn default() -> Self {
        KuramotoSivashinsky {
            n: 128,
            scale: 16.0,
            contour_points: 16,
            h: 0.25,
            x0: None,
            warmup: 0,
        }
    }
}

/// The ETDRK4 scheme for one grid and step (Kassam & Trefethen 2005): the linear operator's
/// exponentials and the coefficients of the nonlinear terms, per wavenumber `0..=n/2` (the
/// spectrum of a real field is Hermitian: half of it holds it all, and stays exactly Hermitian).
struct Etdrk4 {
    /// `exp(h L)` and `exp(h L / 2)`.
    e: Vec<f64>,
    e2: Vec<f64>,
    /// The coefficients of the nonlinear terms, by contour integrals.
    q: Vec<f64>,
    f1: Vec<f64>,
    f2: Vec<f64>,
    f3: Vec<f64>,
    /// `-i k / 2`: the nonlinear term `-u u_x = -(u^2)_x / 2` in Fourier space.
    g: Vec<Complex64>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    /// Buffers: the grid, a spectrum, the transforms' scratch, the stages `a, b, c` and the
    /// nonlinear terms.
    grid: Vec<f64>,
    spectrum: Vec<Complex64>,
    scratch: Vec<Complex64>,
    stages: [Vec<Complex64>; 7],
}

impl Etdrk4 {
    fn new(n: usize, scale: f64, contour_points: usize, h: f64) -> Self {
        let half = n / 2;
        // wavenumbers 0, 1, ..., n/2 - 1 and 0 for the Nyquist mode, over the domain's scale
        let k: Vec<f64> = (0..=half)
            .map(|i| if i == half { 0.0 } else { i as f64 / scale })
            .collect();
        let l: Vec<f64> = k.iter().map(|k| k * k - k.powi(4)).collect();
        let m = contour_points as f64;
        let roots: Vec<Complex64> = (1..=contour_points)
            .map(|j| Complex64::from_polar(1.0, PI * (j as f64 - 0.5) / m))
            .collect();
        // h times the mean over the contour of phi at h L + r (its real part), per wavenumber
        let coefficient = |phi: &dyn Fn(Complex64) -> Complex64| -> Vec<f64> {
            l.iter()
                .map(|&l| h * roots.iter().map(|r| phi(h * l + r)).sum::<Complex64>().re / m)
                .collect()
        };
        let q = coefficient(&|z| ((z / 2.0).exp() - 1.0) / z);
        let f1 = coefficient(&|z| (-4.0 - z + z.exp() * (4.0 - 3.0 * z + z * z)) / z.powi(3));
        let f2 = coefficient(&|z| (2.0 + z + z.exp() * (z - 2.0)) / z.powi(3));
        let f3 = coefficient(&|z| (-4.0 - 3.0 * z - z * z + z.exp() * (4.0 - z)) / z.powi(3));
        let e = l.iter().map(|l| (h * l).exp()).collect();
        let e2 = l.iter().map(|l| (h * l / 2.0).exp()).collect();
        let g = k.iter().map(|k| Complex64::new(0.0, -0.5 * k)).collect();
        let mut planner = RealFftPlanner::new();
        let (forward, inverse) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
        let len = forward.get_scratch_len().max(inverse.get_scratch_len());
        let zero = vec![Complex64::new(0.0, 0.0); half + 1];
        Etdrk4 {
            e,
            e2,
            q,
            f1,
            f2,
            f3,
            g,
            forward,
            inverse,
            grid: vec![0.0; n],
            spectrum: zero.clone(),
            scratch: vec![Complex64::new(0.0, 0.0); len],
            stages: std::array::from_fn(|_| zero.clone()),
        }
    }

    /// The spectrum of the grid values `u`.
    fn spectrum_of(&mut self, u: &[f64]) -> Vec<Complex64> {
        self.grid.copy_from_slice(u);
        let mut v = self.spectrum.clone();
        transformed(
            self.forward
                .process_with_scratch(&mut self.grid, &mut v, &mut self.scratch),
        );
        v
    }

    /// The grid values of the spectrum `v`, into `out`.
    fn grid_values(&mut self, v: &[Complex64], out: &mut [f64]) {
        self.spectrum.copy_from_slice(v);
        transformed(
            self.inverse
                .process_with_scratch(&mut self.spectrum, out, &mut self.scratch),
        );
        let n = out.len() as f64;
        out.iter_mut().for_each(|o| *o /= n);
    }

    /// The nonlinear term `g F[(F^-1 v)^2]` of the spectrum `v`, into `out`.
    fn nonlinear(&mut self, v: &[Complex64], out: &mut [Complex64]) {
        let n = self.grid.len() as f64;
        self.spectrum.copy_from_slice(v);
        transformed(self.inverse.process_with_scratch(
            &mut self.spectrum,
            &mut self.grid,
            &mut self.scratch,
        ));
        self.grid.iter_mut().for_each(|u| *u = (*u / n) * (*u / n));
        transformed(
            self.forward
                .process_with_scratch(&mut self.grid, out, &mut self.scratch),
        );
        out.iter_mut().zip(&self.g).for_each(|(o, g)| *o *= g);
    }

    /// One step of the scheme on the spectrum `v`.
    fn step(&mut self, v: &mut [Complex64]) {
        let [mut nv, mut a, mut na, mut b, mut nb, mut c, mut nc] =
            std::mem::take(&mut self.stages);
        self.nonlinear(v, &mut nv);
        for i in 0..v.len() {
            a[i] = self.e2[i] * v[i] + self.q[i] * nv[i];
        }
        self.nonlinear(&a, &mut na);
        for i in 0..v.len() {
            b[i] = self.e2[i] * v[i] + self.q[i] * na[i];
        }
        self.nonlinear(&b, &mut nb);
        for i in 0..v.len() {
            c[i] = self.e2[i] * a[i] + self.q[i] * (2.0 * nb[i] - nv[i]);
        }
        self.nonlinear(&c, &mut nc);
        for i in 0..v.len() {
            v[i] = self.e[i] * v[i]
                + nv[i] * self.f1[i]
                + 2.0 * (na[i] + nb[i]) * self.f2[i]
                + nc[i] * self.f3[i];
        }
        self.stages = [nv, a, na, b, nb, c, nc];
    }
}

/// A transform's result: the buffers are sized by the plans and the spectra of real fields
/// have real first and last values, so no error can arise.
fn transformed(r: std::result::Result<(), realfft::FftError>) {
    debug_assert!(r.is_ok(), "{r:?}");
}

/// A Kuramoto-Sivashinsky trajectory (`T x n`, one column per grid point; row 0 is the initial
/// condition after `warmup` steps), integrated by ETDRK4 (Kassam & Trefethen, SIAM J. Sci.
/// Comput. 2005) as ReservoirPy 0.4 does. ReservoirPy counts its `warmup` inside
/// `n_timesteps`; here `n_timesteps` rows follow the warm-up.
///
/// ```
/// use aquifer::datasets::{kuramoto_sivashinsky, KuramotoSivashinsky};
/// let u = kuramoto_sivashinsky(&KuramotoSivashinsky::default(), 100)?;
/// assert_eq!((u.nrows(), u.ncols()), (100, 128));
/// # Ok::<(), aquifer::Error>(())
/// ```
pub fn kuramoto_sivashinsky(p: &KuramotoSivashinsky, n_timesteps: usize) -> Result<Mat<f64>> {
    let n = p.n;
    if n < 4 || n % 2 == 1 || n > MAX_GRID {
        return Err(Error::invalid(
            "n",
            n,
            &format!("the grid needs an even number of points, 4 to {MAX_GRID}"),
        ));
    }
    check_steps(n_timesteps, n)?;
    if !(p.h.is_finite() && p.h > 0.0) {
        return Err(Error::invalid("h", p.h, "must be finite and > 0"));
    }
    if !(p.scale.is_finite() && p.scale > 0.0) {
        return Err(Error::invalid("scale", p.scale, "must be finite and > 0"));
    }
    if p.contour_points == 0 || p.contour_points > 4096 {
        return Err(Error::invalid(
            "contour_points",
            p.contour_points,
            "must be 1 to 4096",
        ));
    }
    let x0 = match &p.x0 {
        Some(v) if v.len() != n => {
            return Err(Error::shape(
                "Kuramoto-Sivashinsky x0",
                format!("{n} values (one per grid point)"),
                format!("{} values", v.len()),
            ))
        }
        Some(v) => {
            crate::series::check_finite_slice("Kuramoto-Sivashinsky x0", v)?;
            v.clone()
        }
        None => (1..=n)
            .map(|k| {
                // x = 2 pi scale k / n, at which u0 = cos(x / scale) (1 + sin(x / scale))
                let x = 2.0 * PI * k as f64 / n as f64;
                x.cos() * (1.0 + x.sin())
            })
            .collect(),
    };
    let mut scheme = Etdrk4::new(n, p.scale, p.contour_points, p.h);
    let mut v = scheme.spectrum_of(&x0);
    let mut out = Mat::zeros(n_timesteps, n);
    let mut row = vec![0.0; n];
    for t in 0..p.warmup + n_timesteps {
        if t > 0 {
            scheme.step(&mut v);
        }
        if t < p.warmup {
            continue;
        }
        scheme.grid_values(&v, &mut row);
        if let Some(j) = row.iter().position(|u| !u.is_finite()) {
            return Err(Error::Data {
                source_name: "Kuramoto-Sivashinsky".into(),
                reason: format!(
                    "the solution diverged at step {t}, grid point {j} (try a smaller h)"
                ),
            });
        }
        row.iter()
            .enumerate()
            .for_each(|(j, u)| out[(t - p.warmup, j)] = *u);
    }
    Ok(out)
}
