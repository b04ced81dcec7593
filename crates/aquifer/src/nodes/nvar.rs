//! Nonlinear vector autoregression: the features of next-generation reservoir computing
//! (Gauthier, Bollt, Griffith & Barbosa, *Nature Communications* 12, 5564, 2021).
//!
//! At step `t`, with inputs `u[t]` of `d` features, delay `k`, stride `s` and order `p`:
//!
//! - the **linear part** `O_lin[t] = u[t] ⊕ u[t-s] ⊕ ... ⊕ u[t-(k-1)s]` (`k d` values; the
//!   features of `u[t]` first; taps before the start of the series are zeros);
//! - the **nonlinear part**, the unique monomials of the linear part: of order `p` only
//!   ([`Monomials::Order`], as ReservoirPy's `NVAR`) or of every order `2..=p`
//!   ([`Monomials::UpTo`], as the paper), each order in the order of Python's
//!   `itertools.combinations_with_replacement` over the linear features;
//! - optionally a **constant** 1 first (the paper's `c`; a ridge readout with `fit_bias` makes
//!   it unnecessary).
//!
//! The features are `[1] ⊕ O_lin ⊕ O_nonlin`: with the defaults (`k = 2`, `s = 1`, `p = 2`, no
//! constant, order `p` only) they equal ReservoirPy 0.4's `NVAR(delay=2, order=2, strides=1)`
//! column for column. Unlike ReservoirPy's, [`Nvar::reset`] clears the taps. Each monomial is
//! one multiplication per step: a monomial of order `q` is its prefix of order `q - 1` times one
//! linear feature, from tables made once.
//!
//! | parameter | Aquifer | ReservoirPy 0.4 |
//! |---|---|---|
//! | taps | `delay`, default 2 | `delay` (required) |
//! | stride between taps | `strides`, default 1 | `strides`, default 1 |
//! | monomial order | `order`, default 2 | `order` (required) |
//! | orders held | `monomials`, default `Order` (only `p`) | only `p` |
//! | constant term | `constant`, default `false` | none |
//!
//! ```
//! use aquifer::nodes::Nvar;
//! use aquifer::traits::Run;
//! use aquifer::faer::mat;
//!
//! let mut nvar = Nvar::builder().delay(2).order(2).build(1)?;
//! // linear [u[t], u[t-1]], then u[t]^2, u[t] u[t-1], u[t-1]^2
//! assert_eq!(nvar.output_dim(), 5);
//! let f = nvar.run(mat![[2.0], [3.0]])?;
//! assert_eq!(f.row(1).iter().copied().collect::<Vec<_>>(), [3.0, 2.0, 9.0, 6.0, 4.0]);
//! # Ok::<(), aquifer::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::io::{ModelFile, Tensor};
use crate::series::{check_finite_slice, AsSeries};
use crate::traits::{Persist, Run, Stateful, Step};
use faer::{Mat, MatRef};
use serde::{Deserialize, Serialize};

/// Which orders of monomials the nonlinear part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monomials {
    /// Only the monomials of order `p` (ReservoirPy's `NVAR`).
    #[default]
    Order,
    /// The monomials of every order from 2 to `p` (the paper's `O_nonlin`).
    UpTo,
}

/// The hyperparameters of an [`Nvar`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NvarParams {
    /// Number of taps `k` (>= 1): `u[t]` and `k - 1` delayed inputs.
    pub delay: usize,
    /// Steps `s` between taps (>= 1).
    pub strides: usize,
    /// Order `p` of the monomials (>= 1).
    pub order: usize,
    /// Which orders the nonlinear part holds.
    pub monomials: Monomials,
    /// Whether a constant 1 comes first.
    pub constant: bool,
}

impl Default for NvarParams {
    fn default() -> Self {
        NvarParams {
            delay: 2,
            strides: 1,
            order: 2,
            monomials: Monomials::Order,
            constant: false,
        }
    }
}

/// The number of monomials of order `q` in `n` variables, `C(n + q - 1, q)`, or `None` beyond
/// `u128`.
fn monomial_count(n: usize, q: usize) -> Option<u128> {
    let mut c: u128 = 1;
    for i in 1..=q as u128 {
        // C(n - 1 + i, i) = C(n - 2 + i, i - 1) * (n - 1 + i) / i, exact at every step
        c = c.checked_mul(n as u128 - 1 + i)? / i;
    }
    Some(c)
}

impl NvarParams {
    /// Checks the parameters for inputs of `inputs` features.
    fn validate(&self, inputs: usize) -> Result<()> {
        for (name, v) in [
            ("delay", self.delay),
            ("strides", self.strides),
            ("order", self.order),
        ] {
            if v == 0 {
                return Err(Error::invalid(name, v, "must be at least 1"));
            }
        }
        if inputs == 0 {
            return Err(Error::invalid(
                "inputs",
                0,
                "an NVAR needs at least one input feature",
            ));
        }
        let bytes = self.memory(inputs);
        crate::memory::check(
            || {
                format!(
                    "an NVAR of delay {}, order {} over {inputs} inputs ({} features)",
                    self.delay,
                    self.order,
                    self.features(inputs)
                        .map_or("too many".to_string(), |f| f.to_string())
                )
            },
            bytes,
        )
    }

    /// The number of features for inputs of `inputs` features, or `None` beyond `u128`.
    pub fn features(&self, inputs: usize) -> Option<u128> {
        let linear = (self.delay as u128).checked_mul(inputs as u128)?;
        let l = usize::try_from(linear).ok()?;
        let nonlinear = match self.monomials {
            Monomials::Order => monomial_count(l, self.order)?,
            Monomials::UpTo => (2..=self.order)
                .map(|q| monomial_count(l, q))
                .try_fold(0u128, |a, c| a.checked_add(c?))?,
        };
        u128::from(self.constant)
            .checked_add(linear)?
            .checked_add(nonlinear)
    }

    /// The bytes an NVAR takes beside its outputs: the monomial tables and products of every
    /// order up to `p` (12 bytes a monomial) and one row of features.
    pub fn memory(&self, inputs: usize) -> u128 {
        let l = self.delay.saturating_mul(inputs);
        let tables = (1..=self.order)
            .map(|q| monomial_count(l, q).unwrap_or(u128::MAX))
            .fold(0u128, u128::saturating_add);
        tables
            .saturating_mul(20)
            .saturating_add(self.features(inputs).unwrap_or(u128::MAX).saturating_mul(8))
    }

    /// Builds the NVAR for inputs of `inputs` features.
    pub fn build(&self, inputs: usize) -> Result<Nvar> {
        self.validate(inputs)?;
        Nvar::new(self.clone(), inputs)
    }
}

/// Fluent builder of an [`Nvar`] (a thin layer over [`NvarParams`]).
#[derive(Debug, Clone, Default)]
pub struct NvarBuilder {
    params: NvarParams,
}

impl NvarBuilder {
    /// Number of taps `k`.
    pub fn delay(mut self, k: usize) -> Self {
        self.params.delay = k;
        self
    }
    /// Steps between taps `s`.
    pub fn strides(mut self, s: usize) -> Self {
        self.params.strides = s;
        self
    }
    /// Order `p` of the monomials.
    pub fn order(mut self, p: usize) -> Self {
        self.params.order = p;
        self
    }
    /// Which orders the nonlinear part holds.
    pub fn monomials(mut self, m: Monomials) -> Self {
        self.params.monomials = m;
        self
    }
    /// Whether a constant 1 comes first.
    pub fn constant(mut self, yes: bool) -> Self {
        self.params.constant = yes;
        self
    }
    /// The hyperparameters gathered so far.
    pub fn params(&self) -> &NvarParams {
        &self.params
    }
    /// Builds the NVAR for inputs of `inputs` features.
    pub fn build(&self, inputs: usize) -> Result<Nvar> {
        self.params.build(inputs)
    }
}

/// A nonlinear vector autoregression node (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Nvar {
    params: NvarParams,
    inputs: usize,
    /// The last `(k - 1) s + 1` inputs, a ring of rows of `inputs` values.
    taps: Vec<f64>,
    /// The row of `taps` that holds the newest input.
    newest: usize,
    /// Per monomial of orders `1..=p` (in order, concatenated): the index of its prefix among
    /// the products (the previous order's), and its last linear feature.
    prefix: Vec<u32>,
    last: Vec<u32>,
    /// Where each order's monomials start in `products` (`p + 1` offsets).
    starts: Vec<usize>,
    /// Scratch: the products of every monomial at the current step.
    products: Vec<f64>,
    features: usize,
}

impl Nvar {
    /// A builder with the default hyperparameters.
    pub fn builder() -> NvarBuilder {
        NvarBuilder::default()
    }

    fn new(params: NvarParams, inputs: usize) -> Result<Self> {
        let too_many = || {
            Error::invalid(
                "order",
                params.order,
                "gives more features than fit in memory",
            )
        };
        let features = usize::try_from(params.features(inputs).ok_or_else(too_many)?)
            .map_err(|_| too_many())?;
        let l = params.delay * inputs;
        if u32::try_from(l).is_err() {
            return Err(too_many());
        }
        // order 1: the linear features; order q: each monomial of order q - 1 times every
        // linear feature from its last one on (combinations with replacement, in order)
        let mut prefix: Vec<u32> = vec![0; l];
        let mut last: Vec<u32> = (0..l as u32).collect();
        let mut starts = vec![0, l];
        for _ in 2..=params.order {
            let (from, to) = (starts[starts.len() - 2], starts[starts.len() - 1]);
            for m in from..to {
                for j in last[m]..l as u32 {
                    let parent = u32::try_from(m - from).map_err(|_| too_many())?;
                    prefix.push(parent);
                    last.push(j);
                }
            }
            starts.push(prefix.len());
        }
        let rows = (params.delay - 1) * params.strides + 1;
        Ok(Nvar {
            taps: vec![0.0; rows * inputs],
            newest: 0,
            products: vec![0.0; prefix.len()],
            prefix,
            last,
            starts,
            features,
            inputs,
            params,
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &NvarParams {
        &self.params
    }

    /// Features of the input.
    pub fn input_dim(&self) -> usize {
        self.inputs
    }

    /// Features of the output: the constant (if any), `k d` linear ones and the monomials.
    pub fn output_dim(&self) -> usize {
        self.features
    }

    /// The number of rows of taps kept.
    fn rows(&self) -> usize {
        self.taps.len() / self.inputs
    }

    /// One step: takes the input `x`, writes the features to `out`. Allocates nothing.
    pub fn step_into(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        if x.len() != self.inputs || out.len() != self.features {
            return Err(Error::shape(
                "NVAR step",
                format!("{} inputs, {} outputs", self.inputs, self.features),
                format!("{} inputs, {} outputs", x.len(), out.len()),
            ));
        }
        check_finite_slice("NVAR input", x)?;
        self.push(x);
        self.write_features(out);
        Ok(())
    }

    /// Takes `x` as the newest input.
    fn push(&mut self, x: &[f64]) {
        let (d, rows) = (self.inputs, self.rows());
        self.newest = (self.newest + rows - 1) % rows;
        self.taps[self.newest * d..(self.newest + 1) * d].copy_from_slice(x);
    }

    /// The features of the current taps.
    fn write_features(&mut self, out: &mut [f64]) {
        let (d, rows, s) = (self.inputs, self.rows(), self.params.strides);
        let l = self.starts[1];
        // linear part: the taps, newest first
        for i in 0..self.params.delay {
            let row = (self.newest + i * s) % rows;
            self.products[i * d..(i + 1) * d].copy_from_slice(&self.taps[row * d..(row + 1) * d]);
        }
        // each order from the previous one: one multiplication per monomial
        for q in 2..self.starts.len() {
            let (from, to) = (self.starts[q - 1], self.starts[q]);
            let before = self.starts[q - 2];
            let (done, here) = self.products.split_at_mut(from);
            for (m, p) in here[..to - from].iter_mut().enumerate() {
                let k = from + m;
                *p = done[before + self.prefix[k] as usize] * done[self.last[k] as usize];
            }
        }
        let mut at = 0;
        if self.params.constant {
            out[0] = 1.0;
            at = 1;
        }
        out[at..at + l].copy_from_slice(&self.products[..l]);
        at += l;
        let p = self.params.order;
        // order p only (for p = 1, the linear part again, as ReservoirPy), or orders 2..=p
        let nonlinear = match self.params.monomials {
            Monomials::Order => self.starts[p - 1]..self.starts[p],
            Monomials::UpTo => self.starts[1]..self.starts[p],
        };
        out[at..].copy_from_slice(&self.products[nonlinear]);
    }

    /// The features of every row of `x` from the current taps (`T x output_dim`); the taps
    /// move on to the end of `x`.
    fn features_of(&mut self, x: MatRef<'_, f64>) -> Result<Mat<f64>> {
        let (inputs, features) = (self.inputs, self.features);
        super::step_through("NVAR", x, inputs, features, |u, f| {
            self.push(u);
            self.write_features(f);
            Ok(())
        })
    }
}

impl Nvar {
    /// The features at every step of `x` (`T x output_dim`) from the current taps, which move
    /// on to the end of `x`.
    pub fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        self.features_of(x.as_series())
    }

    /// The features of each series, each from the current taps (left unchanged); series run in
    /// parallel within the thread budget.
    pub fn run_many<S: AsSeries + Sync>(&self, xs: &[S]) -> Result<Vec<Mat<f64>>> {
        use rayon::prelude::*;
        let one = |x: &S| crate::parallel::serial(|| self.clone().features_of(x.as_series()));
        if crate::parallel::budget() > 1 && xs.len() > 1 {
            xs.par_iter().map(one).collect()
        } else {
            xs.iter().map(one).collect()
        }
    }

    /// One step: takes the input `x`, writes the features to `out`. Allocates nothing.
    pub fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.step_into(x, out)
    }

    /// Clears the taps (the inputs before the next one are zeros).
    pub fn reset(&mut self) {
        self.taps.fill(0.0);
        self.newest = 0;
    }

    /// The taps: the last `(k - 1) s + 1` inputs, newest first, `d` values each.
    pub fn state(&self) -> Vec<f64> {
        let (d, rows) = (self.inputs, self.rows());
        (0..rows)
            .flat_map(|i| {
                let row = (self.newest + i) % rows;
                self.taps[row * d..(row + 1) * d].iter().copied()
            })
            .collect()
    }

    /// Sets the taps (as [`Nvar::state`] gives them).
    pub fn set_state(&mut self, state: &[f64]) -> Result<()> {
        if state.len() != self.taps.len() {
            return Err(Error::shape(
                "NVAR state",
                format!("{} values", self.taps.len()),
                format!("{} values", state.len()),
            ));
        }
        check_finite_slice("NVAR state", state)?;
        self.taps.copy_from_slice(state);
        self.newest = 0;
        Ok(())
    }
}

impl Run for Nvar {
    /// The features at every step (`T x output_dim`).
    type Output = Mat<f64>;
    fn run(&mut self, x: impl AsSeries) -> Result<Mat<f64>> {
        Nvar::run(self, x)
    }
    fn run_many<S: AsSeries + Sync>(&mut self, xs: &[S]) -> Result<Vec<Mat<f64>>> {
        Nvar::run_many(self, xs)
    }
}

impl Step for Nvar {
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> Result<()> {
        self.step_into(x, out)
    }
}

impl Stateful for Nvar {
    /// The taps: the last `(k - 1) s + 1` inputs, newest first, `d` values each.
    type State = Vec<f64>;
    fn reset(&mut self) {
        Nvar::reset(self)
    }
    fn state(&self) -> Vec<f64> {
        Nvar::state(self)
    }
    fn set_state(&mut self, state: &Vec<f64>) -> Result<()> {
        Nvar::set_state(self, state)
    }
}

/// The configuration part of a saved [`Nvar`] (its tensor `state` holds the taps).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedNvar {
    inputs: usize,
    delay: usize,
    strides: usize,
    order: usize,
    monomials: Monomials,
    constant: bool,
}

impl Persist for Nvar {
    const KIND: &'static str = "nvar";

    /// The NVAR as a model-file part (kind `nvar`): its parameters and its taps (`state`).
    fn to_part(&self) -> Result<ModelFile> {
        let mut file = ModelFile::empty(Self::KIND);
        file.tensors
            .insert("state".into(), Tensor::vector(self.state()));
        let p = &self.params;
        file.set_config(&SavedNvar {
            inputs: self.inputs,
            delay: p.delay,
            strides: p.strides,
            order: p.order,
            monomials: p.monomials,
            constant: p.constant,
        })?;
        Ok(file)
    }

    fn from_part(file: &ModelFile) -> Result<Self> {
        crate::traits::check_kind(file, Self::KIND)?;
        let c: SavedNvar = file.config_as()?;
        let params = NvarParams {
            delay: c.delay,
            strides: c.strides,
            order: c.order,
            monomials: c.monomials,
            constant: c.constant,
        };
        let mut nvar = params.build(c.inputs).map_err(|e| Error::Data {
            source_name: "model file".into(),
            reason: format!("NVAR parameters: {e}"),
        })?;
        let rows = nvar.rows();
        let state = file.f64_tensor("state", &[rows * c.inputs])?.to_vec();
        nvar.set_state(&state)?;
        Ok(nvar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The features written out plainly: taps by index, monomials by enumerating
    /// combinations with replacement recursively.
    fn reference(x: MatRef<'_, f64>, p: &NvarParams) -> Mat<f64> {
        fn combos(
            l: usize,
            q: usize,
            from: usize,
            acc: &mut Vec<usize>,
            out: &mut Vec<Vec<usize>>,
        ) {
            if acc.len() == q {
                out.push(acc.clone());
                return;
            }
            for j in from..l {
                acc.push(j);
                combos(l, q, j, acc, out);
                acc.pop();
            }
        }
        let d = x.ncols();
        let l = p.delay * d;
        let orders: Vec<usize> = match p.monomials {
            Monomials::Order => vec![p.order],
            Monomials::UpTo => (2..=p.order).collect(),
        };
        let mut monomials = Vec::new();
        for q in orders {
            combos(l, q, 0, &mut Vec::new(), &mut monomials);
        }
        let width = usize::from(p.constant) + l + monomials.len();
        Mat::from_fn(x.nrows(), width, |t, j| {
            let lin = |i: usize| {
                let (tap, f) = (i / d, i % d);
                let back = tap * p.strides;
                if back > t {
                    0.0
                } else {
                    x[(t - back, f)]
                }
            };
            let j = if p.constant {
                if j == 0 {
                    return 1.0;
                }
                j - 1
            } else {
                j
            };
            if j < l {
                lin(j)
            } else {
                monomials[j - l].iter().map(|&i| lin(i)).product()
            }
        })
    }

    fn series(rows: usize, d: usize) -> Mat<f64> {
        Mat::from_fn(rows, d, |t, j| {
            ((t * 7 + j * 3) as f64 * 0.37).sin() + 0.1 * j as f64
        })
    }

    #[test]
    fn features_equal_the_plain_reference() {
        for (k, s, p, d, m, c) in [
            (2, 1, 2, 3, Monomials::Order, false),
            (2, 1, 2, 3, Monomials::UpTo, true),
            (3, 2, 3, 2, Monomials::Order, false),
            (3, 2, 3, 2, Monomials::UpTo, true),
            (1, 1, 1, 4, Monomials::Order, false),
            (4, 3, 2, 1, Monomials::UpTo, false),
            (2, 5, 4, 2, Monomials::UpTo, false),
        ] {
            let params = NvarParams {
                delay: k,
                strides: s,
                order: p,
                monomials: m,
                constant: c,
            };
            let x = series(40, d);
            let mut nvar = params.build(d).unwrap();
            let got = nvar.run(&x).unwrap();
            let want = reference(x.as_ref(), &params);
            assert_eq!(got.ncols() as u128, params.features(d).unwrap());
            assert_eq!(got, want, "{params:?}");
            // step by step, and in two pieces, the same
            nvar.reset();
            let mut row = vec![0.0; nvar.output_dim()];
            for t in 0..40 {
                let xr: Vec<f64> = x.row(t).iter().copied().collect();
                nvar.step(&xr, &mut row).unwrap();
                assert!(row.iter().zip(want.row(t).iter()).all(|(a, b)| a == b));
            }
            nvar.reset();
            let a = nvar.run(x.subrows(0, 17)).unwrap();
            let b = nvar.run(x.subrows(17, 23)).unwrap();
            assert_eq!(a, want.subrows(0, 17).to_owned());
            assert_eq!(b, want.subrows(17, 23).to_owned());
        }
    }

    #[test]
    fn counts_follow_the_binomial_and_bad_parameters_are_named() {
        let p = NvarParams::default();
        // Lorenz-63 as the paper: k = 2, d = 3: 6 linear, 21 quadratic, + constant = 28
        let paper = NvarParams {
            constant: true,
            monomials: Monomials::UpTo,
            ..p.clone()
        };
        assert_eq!(paper.features(3), Some(28));
        assert_eq!(monomial_count(6, 2), Some(21));
        assert_eq!(monomial_count(10, 3), Some(220));
        for (name, params) in [
            (
                "delay",
                NvarParams {
                    delay: 0,
                    ..p.clone()
                },
            ),
            (
                "strides",
                NvarParams {
                    strides: 0,
                    ..p.clone()
                },
            ),
            (
                "order",
                NvarParams {
                    order: 0,
                    ..p.clone()
                },
            ),
        ] {
            match params.build(2) {
                Err(Error::InvalidParameter { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }
        let huge = NvarParams {
            delay: 1000,
            order: 6,
            ..p
        };
        assert!(matches!(huge.build(100), Err(Error::TooLarge { .. })));
    }

    #[test]
    fn state_reads_sets_and_saves() {
        let mut nvar = Nvar::builder()
            .delay(3)
            .strides(2)
            .order(2)
            .build(2)
            .unwrap();
        let x = series(30, 2);
        nvar.run(x.subrows(0, 20)).unwrap();
        let state = nvar.state();
        assert_eq!(state.len(), 5 * 2);
        assert_eq!(state[..2], [x[(19, 0)], x[(19, 1)]]);
        let rest = nvar.clone().run(x.subrows(20, 10)).unwrap();
        let part = nvar.to_part().unwrap();
        let mut back = Nvar::from_part(&part).unwrap();
        assert_eq!(back.run(x.subrows(20, 10)).unwrap(), rest);
        let mut other = Nvar::builder()
            .delay(3)
            .strides(2)
            .order(2)
            .build(2)
            .unwrap();
        other.set_state(&state).unwrap();
        assert_eq!(other.run(x.subrows(20, 10)).unwrap(), rest);
        assert!(other.set_state(&[0.0; 3]).is_err());
        assert!(other.set_state(&[f64::NAN; 10]).is_err());
        nvar.reset();
        assert!(nvar.state().iter().all(|v| *v == 0.0));
    }
}
