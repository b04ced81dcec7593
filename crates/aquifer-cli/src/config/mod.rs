//! Model configuration files (TOML) for `aquifer fit`.
//!
//! ```toml
//! seed = 42          # seed of every random matrix (default 0)
//! warmup = 100       # steps discarded at the start of each training series (default 0)
//!
//! [reservoir]
//! units = 500
//! spectral_radius = 1.25
//! leak_rate = 0.3                 # or one value per unit: [0.1, 0.2, ...]
//! input_scaling = 1.0             # or one value per input column
//! rc_connectivity = 0.1
//! input_connectivity = 0.1
//! activation = "tanh"             # sigmoid, relu, softplus, identity
//! w_values = { distribution = "normal", mean = 0.0, std = 1.0 }
//! win_values = { distribution = "bernoulli", p = 0.5 }
//! bias = { kind = "constant", value = 0.0 }
//! noise_in = 0.0
//! noise_rc = 0.0
//! # Import matrices built elsewhere instead of drawing them (paths relative to this file):
//! # w_file = "W.npy"        (N x N)
//! # win_file = "Win.npy"    (N x F)
//! # bias_file = "bias.npy"  (N)
//!
//! [readout]
//! ridge = 1e-6
//! fit_bias = true
//! input_to_readout = false
//! ```
//!
//! `kind` chooses the reservoir (default `"leaky"`, the leaky-integrator reservoir above); the
//! others take the same keys, and their own:
//!
//! ```toml
//! [reservoir]
//! kind = "ip"              # intrinsic plasticity: tanh (Gaussian target) or sigmoid (exponential)
//! mu = 0.0
//! sigma = 1.0
//! learning_rate = 5e-4     # or eta
//! epochs = 1
//! # kind = "es2n"          # edge of stability: proximity = 1.0 (replaces leak_rate)
//! # kind = "local"         # local plasticity of W: rule = "oja" (anti-oja, hebbian,
//! #                        # anti-hebbian, bcm), learning_rate = 1e-3, bcm_theta = 0.0,
//! #                        # synapse_normalization = false, epochs = 1
//! ```
//!
//! The plastic kinds (`ip`, `local`) first learn without targets from the training inputs
//! (after `warmup` steps of each series), then the readout is fitted. A next-generation
//! reservoir takes the place of `[reservoir]`:
//!
//! ```toml
//! [nvar]
//! delay = 2          # taps k
//! strides = 1        # steps s between taps
//! order = 2          # monomial order p
//! monomials = "order"  # or "up_to": every order 2..=p
//! constant = false
//! ```
//!
//! ReservoirPy's short names are accepted as aliases: `sr` for `spectral_radius`, `lr` for
//! `leak_rate`, `eta` for `learning_rate`, `local_rule` for `rule`, and `fit_intercept`
//! (Aquifer's earlier name) for `fit_bias`.
//!
//! Every key is optional, but one of `[reservoir]` and `[nvar]` must be there; defaults are
//! the library's ([`ReservoirParams::default`], ReservoirPy 0.4's; a `local` reservoir's
//! [`LocalBuild`](aquifer::nodes::LocalBuild)'s). A key that does not apply to the kind is
//! refused. An unknown key is an error naming it and its line. An imported `W` is rescaled only if `spectral_radius` is given; the hyperparameters
//! that only shape a drawn matrix (for example `rc_connectivity` with `w_file`) are refused
//! beside an imported one, so that no setting is silently ignored.

mod network;

pub use network::{Network, READOUT};

use crate::error::{Error, Result};
use crate::table;
use aquifer::activation::Activation;
use aquifer::init::{self, InputScaling, Values};
use aquifer::model::Esn;
use aquifer::nodes::{
    BiasInit, GivenMatrices, LeakRate, LocalBuild, LocalRule, NvarParams, Reservoir,
    ReservoirParams,
};
use aquifer::readout::{Ridge, RidgeParams};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A model configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Seed of every random matrix.
    #[serde(default)]
    pub seed: u64,
    /// Steps discarded at the start of each training series.
    #[serde(default)]
    pub warmup: usize,
    /// The reservoir (or `nvar`).
    #[serde(default)]
    pub reservoir: Option<ReservoirSection>,
    /// A next-generation reservoir, in place of the reservoir.
    #[serde(default)]
    pub nvar: Option<NvarParams>,
    /// The readout.
    #[serde(default)]
    pub readout: ReadoutSection,
    /// The file and text it was read from (to name the line of a value found out of range).
    #[serde(skip)]
    source: Option<(PathBuf, String)>,
}

/// Which reservoir `[reservoir]` makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReservoirKind {
    /// The leaky-integrator echo state reservoir.
    #[default]
    #[serde(alias = "esn")]
    Leaky,
    /// Intrinsic plasticity (gains and biases learned without targets).
    Ip,
    /// The edge-of-stability reservoir.
    Es2n,
    /// Local plasticity of `W` (learned without targets).
    Local,
}

impl ReservoirKind {
    fn name(self) -> &'static str {
        match self {
            ReservoirKind::Leaky => "leaky",
            ReservoirKind::Ip => "ip",
            ReservoirKind::Es2n => "es2n",
            ReservoirKind::Local => "local",
        }
    }
}

/// The `[reservoir]` table: hyperparameters, or matrices to import.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservoirSection {
    #[serde(default)]
    kind: ReservoirKind,
    units: Option<usize>,
    #[serde(alias = "sr")]
    spectral_radius: Option<f64>,
    #[serde(alias = "lr")]
    leak_rate: Option<LeakRate>,
    input_scaling: Option<InputScaling>,
    input_connectivity: Option<f64>,
    rc_connectivity: Option<f64>,
    w_values: Option<Values>,
    win_values: Option<Values>,
    bias: Option<BiasInit>,
    activation: Option<Activation>,
    noise_in: Option<f64>,
    noise_rc: Option<f64>,
    w_file: Option<PathBuf>,
    win_file: Option<PathBuf>,
    bias_file: Option<PathBuf>,
    proximity: Option<f64>,
    mu: Option<f64>,
    sigma: Option<f64>,
    #[serde(alias = "eta")]
    learning_rate: Option<f64>,
    epochs: Option<usize>,
    #[serde(alias = "local_rule")]
    rule: Option<LocalRule>,
    bcm_theta: Option<f64>,
    synapse_normalization: Option<bool>,
}

impl ReservoirSection {
    /// The keys set that only some kinds take, with those kinds.
    fn kind_keys(&self) -> Vec<(&'static str, bool, &'static [ReservoirKind])> {
        use ReservoirKind::*;
        const DRAWN_OR_GIVEN: &[ReservoirKind] = &[Leaky, Ip, Local];
        vec![
            ("proximity", self.proximity.is_some(), &[Es2n]),
            ("mu", self.mu.is_some(), &[Ip]),
            ("sigma", self.sigma.is_some(), &[Ip]),
            ("learning_rate", self.learning_rate.is_some(), &[Ip, Local]),
            ("epochs", self.epochs.is_some(), &[Ip, Local]),
            ("rule", self.rule.is_some(), &[Local]),
            ("bcm_theta", self.bcm_theta.is_some(), &[Local]),
            (
                "synapse_normalization",
                self.synapse_normalization.is_some(),
                &[Local],
            ),
            ("leak_rate", self.leak_rate.is_some(), DRAWN_OR_GIVEN),
            ("noise_in", self.noise_in.is_some(), &[Leaky, Es2n, Local]),
            ("noise_rc", self.noise_rc.is_some(), &[Leaky, Es2n, Local]),
            ("w_file", self.w_file.is_some(), DRAWN_OR_GIVEN),
            ("win_file", self.win_file.is_some(), DRAWN_OR_GIVEN),
            ("bias_file", self.bias_file.is_some(), DRAWN_OR_GIVEN),
        ]
    }
}

/// The `[readout]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadoutSection {
    /// Ridge regularisation.
    #[serde(default = "default_ridge")]
    pub ridge: f64,
    /// Whether an (unpenalised) intercept is fitted.
    #[serde(default = "yes", alias = "fit_intercept")]
    pub fit_bias: bool,
    /// Whether the inputs feed the readout beside the states.
    #[serde(default)]
    pub input_to_readout: bool,
}

fn default_ridge() -> f64 {
    RidgeParams::default().ridge
}

fn yes() -> bool {
    true
}

impl Default for ReadoutSection {
    fn default() -> Self {
        ReadoutSection {
            ridge: default_ridge(),
            fit_bias: true,
            input_to_readout: false,
        }
    }
}

/// Parses a configuration; errors name the key and the line (`origin` names the file).
pub fn parse(text: &str, origin: &Path) -> Result<Config> {
    let mut config: Config = toml::from_str(text).map_err(|e| toml_error(origin, text, e))?;
    config.source = Some((origin.to_path_buf(), text.to_string()));
    Ok(config)
}

/// A TOML error of the file `path` (its text `text`), named with its line.
pub(crate) fn toml_error(path: &Path, text: &str, e: toml::de::Error) -> Error {
    let reason = match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message().trim())
        }
        None => e.message().trim().to_string(),
    };
    Error::Config {
        path: path.to_path_buf(),
        reason: reason.replace('\n', " "),
    }
}

/// Reads and parses a configuration file.
pub fn load(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path)
}

impl Config {
    /// Whether building would draw a reservoir of at most `max_units` units (or an NVAR of
    /// at most that many features), learn over at most 3 epochs and read no file (used to
    /// bound fuzzing).
    pub fn is_small(&self, max_units: usize) -> bool {
        let reservoir = self.reservoir.as_ref().is_none_or(|r| {
            r.units.unwrap_or(ReservoirParams::default().units) <= max_units
                && r.epochs.unwrap_or(1) <= 3
                && r.w_file.is_none()
                && r.win_file.is_none()
                && r.bias_file.is_none()
        });
        let nvar = self.nvar.as_ref().is_none_or(|p| {
            p.features(4)
                .is_some_and(|f| f <= max_units as u128 && p.delay * p.strides <= max_units)
        });
        reservoir && nvar
    }

    /// The spectral radius `W` is scaled to: the configuration's, or the default for a drawn
    /// `W` (an imported one is used as it is without one); none for an NVAR.
    pub fn spectral_radius(&self) -> Option<f64> {
        let r = self.reservoir.as_ref()?;
        match (r.spectral_radius, &r.w_file) {
            (Some(sr), _) => Some(sr),
            (None, Some(_)) => None,
            (None, None) => ReservoirParams::default().spectral_radius,
        }
    }

    /// The kind of model: `leaky`, `ip`, `es2n`, `local` or `nvar`.
    pub fn kind(&self) -> &'static str {
        match &self.reservoir {
            Some(r) => r.kind.name(),
            None => "nvar",
        }
    }

    /// Builds the (unfitted) echo state network of a `leaky` reservoir for `inputs` input and
    /// `outputs` output columns, reading imported matrices relative to `base` (the
    /// configuration's folder). A value out of range is named with the configuration file and
    /// its line. [`Config::network`] builds every kind.
    pub fn build(&self, base: &Path, inputs: usize, outputs: usize) -> Result<Esn> {
        let built = self.check_sections().and_then(|r| {
            if r.kind != ReservoirKind::Leaky {
                return Err(Error::usage(format!(
                    "reservoir.kind = \"{}\" learns from the inputs before the readout: \
                     build it with Config::network",
                    r.kind.name()
                )));
            }
            let (params, given) = self.reservoir_of(r, base, inputs, outputs)?;
            self.esn(params.build_with(inputs, given)?, outputs)
        });
        built.map_err(|e| self.locate(e))
    }

    /// The `[reservoir]` table, once the tables and keys are checked against each other.
    fn check_sections(&self) -> Result<&ReservoirSection> {
        let r = match (&self.reservoir, &self.nvar) {
            (Some(_), Some(_)) => {
                return Err(self.at_keys(
                    &["[nvar]"],
                    "[reservoir] and [nvar] are two models: keep one".into(),
                ))
            }
            (None, None) => {
                return Err(
                    self.at_keys(&[], "no model: add a [reservoir] table (or [nvar])".into())
                )
            }
            (Some(r), None) => r,
            (None, Some(_)) => {
                return Err(Error::usage("no [reservoir] table (the model is an NVAR)"))
            }
        };
        for (key, set, kinds) in r.kind_keys() {
            if set && !kinds.contains(&r.kind) {
                let takes: Vec<String> =
                    kinds.iter().map(|k| format!("\"{}\"", k.name())).collect();
                return Err(self.at_keys(
                    &[key],
                    format!(
                        "reservoir.{key} does not apply to kind = \"{}\" (only to {}); remove it",
                        r.kind.name(),
                        takes.join(", ")
                    ),
                ));
            }
        }
        Ok(r)
    }

    /// A library error about a parameter, as an error of the configuration at the line that
    /// sets it (or of the file, for a default).
    fn locate(&self, e: Error) -> Error {
        let Error::Aquifer(aquifer::Error::InvalidParameter { name, .. }) = &e else {
            return e;
        };
        let keys: &[&str] = match *name {
            "spectral_radius" => &["spectral_radius", "sr"],
            "leak_rate" => &["leak_rate", "lr"],
            "learning_rate" => &["learning_rate", "eta"],
            "bias connectivity" | "bias_scaling" => &["bias"],
            other => &[other][..],
        };
        self.at_keys(keys, e.to_string())
    }

    /// An error of the configuration file at the first line that sets one of `keys` (or
    /// opens the table, for `[name]`), or of the file.
    fn at_keys(&self, keys: &[&str], reason: String) -> Error {
        let Some((path, text)) = &self.source else {
            return Error::Usage(reason);
        };
        let line = text.lines().position(|l| {
            let l = l.trim_start();
            keys.iter().any(|k| {
                if k.starts_with('[') {
                    return l.starts_with(k);
                }
                l.strip_prefix(k)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
        });
        Error::Config {
            path: path.clone(),
            reason: match line {
                Some(i) => format!("line {}: {reason}", i + 1),
                None => reason,
            },
        }
    }

    /// The reservoir's hyperparameters and imported matrices, checked against each other and
    /// against the memory a network of `inputs` and `outputs` columns would take.
    fn reservoir_of(
        &self,
        r: &ReservoirSection,
        base: &Path,
        inputs: usize,
        outputs: usize,
    ) -> Result<(ReservoirParams, GivenMatrices)> {
        let conflict = |file: &Option<PathBuf>, keys: &[(&str, bool)]| -> Result<()> {
            if let (Some(f), Some((key, _))) = (file, keys.iter().find(|(_, set)| *set)) {
                return Err(Error::usage(format!(
                    "reservoir.{key} has no effect on the matrix imported from {}; remove it",
                    f.display()
                )));
            }
            Ok(())
        };
        conflict(
            &r.w_file,
            &[
                ("rc_connectivity", r.rc_connectivity.is_some()),
                ("w_values", r.w_values.is_some()),
            ],
        )?;
        conflict(
            &r.win_file,
            &[
                ("input_scaling", r.input_scaling.is_some()),
                ("input_connectivity", r.input_connectivity.is_some()),
                ("win_values", r.win_values.is_some()),
            ],
        )?;
        conflict(&r.bias_file, &[("bias", r.bias.is_some())])?;

        let mut given = GivenMatrices::default();
        if let Some(f) = &r.w_file {
            let path = base.join(f);
            let m = table::read(&path)?.data;
            given.w = Some(init::csr_from_dense(m.as_ref())?);
        }
        if let Some(f) = &r.win_file {
            given.win = Some(table::read(&base.join(f))?.data);
        }
        if let Some(f) = &r.bias_file {
            let t = table::read(&base.join(f))?;
            if t.data.ncols() != 1 {
                return Err(Error::data(
                    &t.path,
                    format!("a bias is one column; found {}", t.data.ncols()),
                ));
            }
            given.bias = Some(t.data.col(0).iter().copied().collect());
        }

        // a local-plasticity reservoir's own defaults (ReservoirPy's): uniform W, a bias
        let defaults = match r.kind {
            ReservoirKind::Local => LocalBuild::default().params().clone(),
            _ => ReservoirParams::default(),
        };
        let imported_units = given.w.as_ref().map(|w| w.nrows()).or_else(|| {
            given
                .win
                .as_ref()
                .map(|m| m.nrows())
                .or(given.bias.as_ref().map(Vec::len))
        });
        let units = match (r.units, imported_units) {
            (Some(u), Some(n)) if u != n => {
                return Err(Error::usage(format!(
                    "reservoir.units = {u} but the imported matrices have {n} units"
                )))
            }
            (Some(u), _) => u,
            (None, Some(n)) => n,
            (None, None) => defaults.units,
        };
        let params = ReservoirParams {
            units,
            spectral_radius: self.spectral_radius(),
            leak_rate: r.leak_rate.clone().unwrap_or(defaults.leak_rate),
            input_scaling: r.input_scaling.clone().unwrap_or(defaults.input_scaling),
            input_connectivity: r.input_connectivity.unwrap_or(defaults.input_connectivity),
            rc_connectivity: r.rc_connectivity.unwrap_or(defaults.rc_connectivity),
            w_values: r.w_values.unwrap_or(defaults.w_values),
            win_values: r.win_values.unwrap_or(defaults.win_values),
            bias: r.bias.clone().unwrap_or(defaults.bias),
            activation: r.activation.unwrap_or(defaults.activation),
            noise_in: r.noise_in.unwrap_or(defaults.noise_in),
            noise_rc: r.noise_rc.unwrap_or(defaults.noise_rc),
            seed: self.seed,
        };
        let planned = Esn::builder()
            .reservoir_params(params.clone())
            .input_to_readout(self.readout.input_to_readout)
            .memory(inputs, outputs.max(1));
        let (what, keys) = if self.readout.input_to_readout {
            (
                format!("fitting a network of {units} units and {inputs} input columns"),
                "reservoir.units, readout.input_to_readout",
            )
        } else {
            (
                format!("fitting a network of {units} units"),
                "reservoir.units",
            )
        };
        crate::memory::check(&what, keys, planned)?;
        if outputs == 0 {
            return Err(Error::usage("no target columns"));
        }
        Ok((params, given))
    }

    /// The ridge readout of `[readout]`.
    fn ridge(&self) -> Result<Ridge> {
        Ok(Ridge::with_params(RidgeParams {
            ridge: self.readout.ridge,
            fit_bias: self.readout.fit_bias,
        })?)
    }

    /// The echo state network of `reservoir` and the readout.
    fn esn(&self, reservoir: Reservoir, outputs: usize) -> Result<Esn> {
        Ok(Esn::new(
            reservoir,
            self.ridge()?,
            self.readout.input_to_readout,
            outputs,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let e = parse(
            "seed = 1\n[reservoir]\nunits = 10\nspectral_radus = 0.9\n",
            "m.toml".as_ref(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("m.toml: line 4: unknown field `spectral_radus`"),
            "{e}"
        );
        let e = parse("[reservoir]\n[readout]\nridg = 1\n", "m.toml".as_ref())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("`ridg`"), "{e}");
        let e = parse("sed = 1\n[reservoir]\n", "m.toml".as_ref())
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("`sed`"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn values_and_defaults_are_read() {
        let c = parse(
            "seed = 3\nwarmup = 10\n[reservoir]\nunits = 20\nleak_rate = 0.5\n\
             w_values = { distribution = \"uniform\", low = -1.0, high = 1.0 }\n\
             bias = { kind = \"constant\", value = 0.1 }\n",
            "m.toml".as_ref(),
        )
        .unwrap();
        assert_eq!((c.seed, c.warmup), (3, 10));
        assert_eq!(c.readout.ridge, 1e-6);
        let esn = c.build(".".as_ref(), 2, 1).unwrap();
        assert_eq!(esn.reservoir().units(), 20);
        assert_eq!(esn.reservoir().bias()[0], 0.1);
        assert_eq!(esn.reservoir().leak_rate(), &LeakRate::Scalar(0.5));
        let bad = parse(
            "[reservoir]\nunits = 20\nleak_rate = 1.5\n",
            "m.toml".as_ref(),
        )
        .unwrap()
        .build(".".as_ref(), 1, 1)
        .unwrap_err()
        .to_string();
        assert!(bad.contains("leak_rate"), "{bad}");
    }

    #[test]
    fn reservoirpy_names_are_aliases() {
        let short =
            "[reservoir]\nunits = 30\nsr = 0.8\nlr = 0.4\n[readout]\nfit_intercept = false\n";
        let long = "[reservoir]\nunits = 30\nspectral_radius = 0.8\nleak_rate = 0.4\n\
                    [readout]\nfit_bias = false\n";
        let (a, b) = (
            parse(short, "a.toml".as_ref()).unwrap(),
            parse(long, "b.toml".as_ref()).unwrap(),
        );
        assert!(!a.readout.fit_bias);
        let (ea, eb) = (
            a.build(".".as_ref(), 1, 1).unwrap(),
            b.build(".".as_ref(), 1, 1).unwrap(),
        );
        assert_eq!(ea.reservoir().w().val(), eb.reservoir().w().val());
        assert_eq!(ea.reservoir().leak_rate(), &LeakRate::Scalar(0.4));
        // a key and its alias together are refused
        let both = "[reservoir]\nsr = 0.8\nspectral_radius = 0.9\n";
        let e = parse(both, "c.toml".as_ref()).unwrap_err().to_string();
        assert!(e.contains("spectral_radius"), "{e}");
    }
}
