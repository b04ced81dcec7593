//! The model a configuration makes, of any kind: an echo state network (`leaky`, and `local`
//! once its `W` has learned), or a graph `input -> node -> readout` (`ip`, `es2n`, `nvar`).
//! The plastic kinds learn from the training inputs here, before the readout is fitted.

use super::{Config, ReservoirKind, ReservoirSection};
use crate::error::{Error, Result};
use aquifer::faer::Mat;
use aquifer::io::ModelFile;
use aquifer::model::{Esn, Model};
use aquifer::nodes::{Es2n, IpParams, IpReservoir, LocalParams, LocalReservoir, Reservoir};
use aquifer::readout::RidgeParams;
use aquifer::traits::{Node, Persist};
use std::path::Path;

/// The name of the readout node of a graph: its outputs are the columns `y0`, `y1`, ... as an
/// echo state network's.
pub const READOUT: &str = "y";

/// A model made from a configuration, ready for its readout's fit.
#[derive(Debug)]
pub enum Network {
    /// An echo state network (`leaky` and `local` reservoirs).
    Esn(Box<Esn>),
    /// `input -> node -> ridge` (`ip`, `es2n`, `nvar`), with what the node is.
    Graph(Box<Model>, String),
}

impl Network {
    /// What the model is, for messages: "500 units", "an NVAR of 28 features".
    pub fn describe(&self) -> String {
        match self {
            Network::Esn(esn) => format!("{} units", esn.reservoir().units()),
            Network::Graph(_, what) => what.clone(),
        }
    }

    /// The model as a model-file part.
    pub fn to_part(&self) -> Result<ModelFile> {
        Ok(match self {
            Network::Esn(esn) => esn.to_part()?,
            Network::Graph(model, _) => model.to_part()?,
        })
    }
}

/// The node that makes a model's features: a reservoir (an ESN's), or another node with its
/// name in the graph and what it is.
enum Made {
    Reservoir(Box<Reservoir>),
    Node(Box<dyn Node>, &'static str, String),
}

impl Config {
    /// Builds the model for the training inputs `xs` and `outputs` target columns, reading
    /// imported matrices relative to `base`: an `ip` or `local` reservoir first learns from
    /// `xs` (without targets, after `warmup` steps of each series). A value out of range is
    /// named with the configuration file and its line.
    pub fn network(&self, base: &Path, xs: &[Mat<f64>], outputs: usize) -> Result<Network> {
        let built = self.made(base, xs, outputs).and_then(|made| match made {
            Made::Reservoir(r) => Ok(Network::Esn(Box::new(self.esn(*r, outputs)?))),
            Made::Node(node, name, what) => {
                let inputs = xs.first().map_or(0, |x| x.ncols());
                self.graph(name, node, inputs, outputs, what)
            }
        });
        built.map_err(|e| self.locate(e))
    }

    /// The node whose outputs feed the readout (built, and trained if plastic, as for
    /// [`Config::network`]), and whether the inputs feed the readout beside them.
    pub fn features(
        &self,
        base: &Path,
        xs: &[Mat<f64>],
        outputs: usize,
    ) -> Result<(Box<dyn Node>, bool)> {
        let made = self.made(base, xs, outputs).map_err(|e| self.locate(e))?;
        let node = match made {
            Made::Reservoir(r) => r as Box<dyn Node>,
            Made::Node(node, _, _) => node,
        };
        Ok((node, self.readout.input_to_readout))
    }

    fn made(&self, base: &Path, xs: &[Mat<f64>], outputs: usize) -> Result<Made> {
        let inputs = xs.first().map_or(0, |x| x.ncols());
        if let (None, Some(nvar)) = (&self.reservoir, &self.nvar) {
            if self.readout.input_to_readout {
                return Err(self.at_keys(
                    &["input_to_readout"],
                    "readout.input_to_readout: an NVAR's features already hold its inputs \
                     (its linear part); remove it"
                        .into(),
                ));
            }
            if outputs == 0 {
                return Err(Error::usage("no target columns"));
            }
            let features = nvar.features(inputs).unwrap_or(u128::MAX);
            crate::memory::check(
                &format!("fitting a readout on {features} NVAR features"),
                "nvar.delay, nvar.order",
                features
                    .saturating_mul(features)
                    .saturating_mul(24)
                    .saturating_add(nvar.memory(inputs)),
            )?;
            let node = nvar.build(inputs)?;
            let what = format!("an NVAR of {} features", node.output_dim());
            return Ok(Made::Node(Box::new(node), "nvar", what));
        }
        let r = self.check_sections()?;
        let (params, given) = self.reservoir_of(r, base, inputs, outputs)?;
        let units = params.units;
        let warmup = self.warmup;
        Ok(match r.kind {
            ReservoirKind::Leaky => Made::Reservoir(Box::new(params.build_with(inputs, given)?)),
            ReservoirKind::Local => {
                let mut local = LocalReservoir::from_reservoir(
                    params.build_with(inputs, given)?,
                    local_params(r),
                )?;
                local.fit(xs, warmup)?;
                Made::Reservoir(Box::new(local.into_reservoir()))
            }
            ReservoirKind::Ip => {
                let mut ip =
                    IpReservoir::from_reservoir(&params.build_with(inputs, given)?, ip_params(r))?;
                ip.fit(xs, warmup)?;
                let what = format!("an IP reservoir of {units} units");
                Made::Node(Box::new(ip), "reservoir", what)
            }
            ReservoirKind::Es2n => {
                let es2n = Es2n::builder()
                    .reservoir_params(params)
                    .proximity(r.proximity.unwrap_or(1.0))
                    .build(inputs)?;
                let what = format!("an ES2N of {units} units");
                Made::Node(Box::new(es2n), "reservoir", what)
            }
        })
    }

    /// `input -> node -> ridge` (and `input -> ridge` with `input_to_readout`).
    fn graph(
        &self,
        name: &str,
        node: Box<dyn Node>,
        inputs: usize,
        outputs: usize,
        what: String,
    ) -> Result<Network> {
        let mut b = Model::builder();
        let u = b.input("u", inputs);
        let n = b.boxed_node(name, node);
        let y = b.ridge(
            READOUT,
            RidgeParams {
                ridge: self.readout.ridge,
                fit_bias: self.readout.fit_bias,
            },
            outputs,
        );
        b.connect(u, n);
        if self.readout.input_to_readout {
            b.merge(&[n, u], y);
        } else {
            b.connect(n, y);
        }
        Ok(Network::Graph(Box::new(b.build()?), what))
    }
}

/// The learning of a `local` reservoir (defaults for the keys not set).
fn local_params(r: &ReservoirSection) -> LocalParams {
    let d = LocalParams::default();
    LocalParams {
        rule: r.rule.unwrap_or(d.rule),
        learning_rate: r.learning_rate.unwrap_or(d.learning_rate),
        bcm_theta: r.bcm_theta.unwrap_or(d.bcm_theta),
        synapse_normalization: r.synapse_normalization.unwrap_or(d.synapse_normalization),
        epochs: r.epochs.unwrap_or(d.epochs),
    }
}

/// The learning of an `ip` reservoir (defaults for the keys not set).
fn ip_params(r: &ReservoirSection) -> IpParams {
    let d = IpParams::default();
    IpParams {
        mu: r.mu.unwrap_or(d.mu),
        sigma: r.sigma.unwrap_or(d.sigma),
        learning_rate: r.learning_rate.unwrap_or(d.learning_rate),
        epochs: r.epochs.unwrap_or(d.epochs),
    }
}
