//! Intrinsic plasticity moves the distribution of a reservoir's outputs to its target: the
//! histogram of every unit's output over a Mackey-Glass run, before and after training, beside
//! the target density (tanh units and a Gaussian of mean 0 and deviation 0.2; sigmoid units and
//! an exponential of mean 0.2). 100 units, spectral radius 0.95, 10 epochs over 3000 steps.
//!
//! Run: `cargo run --release -p aquifer-cli --example ip_histogram [-- PLOT.png]` (default
//! `docs/img/ip-histogram.png`).

use aquifer::activation::Activation;
use aquifer::datasets::{self, MackeyGlass};
use aquifer::faer::Mat;
use aquifer::nodes::{IpParams, IpReservoir};
use aquifer_cli::plot::{picture, Line, Panel, Stroke, PALETTE};
use std::path::PathBuf;

const BINS: usize = 80;

/// The density of the values in `[lo, hi)` over `BINS` bins (values outside are left out).
fn density(values: &[f64], lo: f64, hi: f64) -> Vec<f64> {
    let width = (hi - lo) / BINS as f64;
    let mut counts = vec![0.0; BINS];
    for v in values {
        let k = ((v - lo) / width).floor();
        if k >= 0.0 && (k as usize) < BINS {
            counts[k as usize] += 1.0;
        }
    }
    let total = values.len() as f64 * width;
    counts.iter().map(|c| c / total).collect()
}

/// Every output of the reservoir over `u` after a washout of 200 steps, from the zero state.
fn outputs(ip: &mut IpReservoir, u: &Mat<f64>) -> aquifer::Result<Vec<f64>> {
    ip.reset();
    let y = ip.run(u)?;
    Ok((200..y.nrows())
        .flat_map(|t| (0..y.ncols()).map(move |j| (t, j)))
        .map(|(t, j)| y[(t, j)])
        .collect())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let plot = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("docs/img/ip-histogram.png"), PathBuf::from);
    let mg = datasets::mackey_glass(&MackeyGlass::default(), 3000)?;
    let (lo, hi) = mg
        .col(0)
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let u = Mat::from_fn(3000, 1, |t, _| 2.0 * (mg[(t, 0)] - lo) / (hi - lo) - 1.0);
    let cases = [
        (
            Activation::Tanh,
            0.0,
            0.2,
            5e-4,
            -1.0,
            1.0,
            "tanh units, Gaussian target N(0, 0.2)",
        ),
        (
            Activation::Sigmoid,
            0.2,
            1.0,
            1e-3,
            0.0,
            1.0,
            "sigmoid units, exponential target of mean 0.2",
        ),
    ];
    let mut panels = Vec::new();
    for (activation, mu, sigma, eta, x_lo, x_hi, title) in cases {
        let params = IpParams {
            mu,
            sigma,
            learning_rate: eta,
            epochs: 10,
        };
        let mut ip = IpReservoir::builder()
            .units(100)
            .spectral_radius(0.95)
            .input_connectivity(1.0)
            .activation(activation)
            .seed(3)
            .build(1, params)?;
        let before = density(&outputs(&mut ip, &u)?, x_lo, x_hi);
        ip.fit(&[&u], 100)?;
        let after = density(&outputs(&mut ip, &u)?, x_lo, x_hi);
        let width = (x_hi - x_lo) / BINS as f64;
        let target: Vec<f64> = (0..BINS)
            .map(|k| {
                let x = x_lo + (k as f64 + 0.5) * width;
                match activation {
                    Activation::Sigmoid => (-x / mu).exp() / mu,
                    _ => {
                        let z = (x - mu) / sigma;
                        (-0.5 * z * z).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt())
                    }
                }
            })
            .collect();
        let line = |label: &str, values: Vec<f64>, color: usize, stroke| Line {
            label: label.into(),
            start: 0,
            values,
            color: PALETTE[color],
            stroke,
        };
        panels.push(Panel {
            title: title.into(),
            x_label: format!("output, {BINS} bins from {x_lo} to {x_hi}"),
            y_label: "density".into(),
            lines: vec![
                line("before training", before, 2, Stroke::Solid),
                line("after 10 epochs", after, 1, Stroke::Solid),
                line("target", target, 0, Stroke::Dashed),
            ],
        });
        println!("{title}: drawn");
    }
    let bytes = picture(&plot, &panels, 900, 300)?;
    if let Some(dir) = plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    aquifer::io::write_atomic(&plot, &bytes)?;
    println!("wrote {}", plot.display());
    Ok(())
}
