//! NARMA-10 and memory capacity rows.

use super::{esn, timed, Row, Size, SEEDS};
use crate::error::Result;
use aquifer::datasets::{self, Narma};
use aquifer::metrics::{self, Norm};
use aquifer::prelude::*;

/// NARMA-10 (Atiya & Parlos constants): NRMSE (std) on 2000 test steps after 5000 training
/// steps, for N = 100, 200, 400.
pub(super) fn narma10(size: Size) -> Result<Vec<Row>> {
    let sizes: &[(usize, f64)] = if size == Size::Full {
        &[(100, 0.32), (200, 0.21), (400, 0.16)]
    } else {
        &[(100, 0.32)]
    };
    let (train, test) = if size == Size::Full {
        (5000, 2000)
    } else {
        (2000, 1000)
    };
    let mut rows = Vec::new();
    for &(units, lit) in sizes {
        rows.push(timed(|| {
            let mut values = Vec::new();
            for seed in SEEDS {
                let (u, y) = datasets::narma(
                    &Narma {
                        seed: 100 + seed,
                        ..Narma::narma10()
                    },
                    train + test,
                )?;
                let mut e = esn(units, 1.0, 0.9, 0.5, 1e-8, seed)
                    .input_to_readout(true)
                    .build(1, 1)?;
                e.fit(&[u.subrows(0, train)], &[y.subrows(0, train)], 200)?;
                let pred = e.run(u.subrows(train, test))?;
                values.push(metrics::nrmse(y.subrows(train, test), &pred, Norm::Std)?);
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Ok(Row {
                id: format!("narma10-{units}"),
                task: format!("NARMA-10, N = {units}"),
                setup: format!(
                    "leak 1, sr 0.9, input scaling 0.5, ridge 1e-8, input to readout; train \
                     {train}, test {test}"
                ),
                metric: "NRMSE (std)".into(),
                literature: format!("about {lit} (ESN literature, e.g. Rodan & Tino 2011)"),
                values,
                higher_is_better: false,
                verdict: if mean <= lit * 1.05 {
                    "reached".into()
                } else {
                    format!("short by {:.0}%", 100.0 * (mean / lit - 1.0))
                },
                seconds: 0.0,
            })
        })?);
    }
    Ok(rows)
}

/// The reservoir of the memory-capacity rows: dense, radius 0.95, input scaling 0.1.
fn mc_reservoir(units: usize, act: Activation, seed: u64) -> Result<Reservoir> {
    Ok(Reservoir::builder()
        .units(units)
        .spectral_radius(0.95)
        .input_scaling(0.1)
        .input_connectivity(1.0)
        .rc_connectivity(1.0)
        .activation(act)
        .seed(seed)
        .build(1)?)
}

/// Memory capacity (Jaeger 2001) of tanh and linear reservoirs, with the bound MC <= N.
pub(super) fn memory_capacity(size: Size) -> Result<Vec<Row>> {
    let sizes: &[usize] = if size == Size::Full {
        &[20, 50, 100]
    } else {
        &[20]
    };
    let mut rows = Vec::new();
    for &units in sizes {
        for (name, act) in [("tanh", Activation::Tanh), ("linear", Activation::Identity)] {
            rows.push(timed(|| {
                let mut values = Vec::new();
                for seed in SEEDS {
                    let mut r = mc_reservoir(units, act, seed)?;
                    let mc = metrics::memory_capacity(&mut r, 2 * units, 4000, 2000, 1e-10, seed)?;
                    values.push(mc.total);
                }
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                Ok(Row {
                    id: format!("mc-{name}-{units}"),
                    task: format!("memory capacity, N = {units}, {name}"),
                    setup: "dense W, sr 0.95, input scaling 0.1, delays up to 2N, 4000 training \
                            and 2000 test steps, ridge 1e-10"
                        .into(),
                    metric: "MC".into(),
                    literature: format!("at most N = {units} (Jaeger 2001); linear near N"),
                    values,
                    higher_is_better: true,
                    verdict: if mean <= units as f64 + 1e-6 {
                        format!("{:.0}% of the bound", 100.0 * mean / units as f64)
                    } else {
                        "ABOVE THE BOUND".into()
                    },
                    seconds: 0.0,
                })
            })?);
        }
    }
    Ok(rows)
}

/// The figure: the squared correlation per delay of N = 100 reservoirs (seed 0), tanh and
/// linear; the memory capacity is the area under each curve.
pub(super) fn figure(size: Size) -> Result<Vec<crate::plot::Panel>> {
    use super::chaos::line;
    use crate::plot::{Panel, Stroke};
    let units = if size == Size::Full { 100 } else { 20 };
    let mut lines = Vec::new();
    for (k, (name, act)) in [("tanh", Activation::Tanh), ("linear", Activation::Identity)]
        .into_iter()
        .enumerate()
    {
        let mut r = mc_reservoir(units, act, 0)?;
        let mc = metrics::memory_capacity(&mut r, 2 * units, 4000, 2000, 1e-10, 0)?;
        lines.push(line(
            &format!("{name} (MC {:.1})", mc.total),
            mc.per_delay,
            k,
            Stroke::Solid,
        ));
    }
    Ok(vec![Panel {
        title: format!("memory capacity of N = {units} reservoirs: squared correlation per delay"),
        x_label: "delay - 1".into(),
        y_label: "r^2".into(),
        lines,
    }])
}
