//! ES2N: an orthogonal `O`, and a longer memory than a leaky reservoir of the same size at its
//! best leak rate (Ceni & Gallicchio 2024).

use aquifer::metrics::{memory_capacity, memory_capacity_of};
use aquifer::model::Model;
use aquifer::nodes::Es2n;
use aquifer::prelude::*;

const UNITS: usize = 100;

fn es2n_capacity(beta: f64, seed: u64) -> f64 {
    let mut e = Es2n::builder()
        .units(UNITS)
        .proximity(beta)
        .spectral_radius(0.9)
        .input_scaling(0.1)
        .seed(seed)
        .build(1)
        .unwrap();
    memory_capacity_of(|u| e.run(u), 200, 3000, 1000, 1e-9, 11)
        .unwrap()
        .total
}

fn leaky_capacity(leak: f64, seed: u64) -> f64 {
    let mut r = Reservoir::builder()
        .units(UNITS)
        .leak_rate(leak)
        .spectral_radius(0.9)
        .input_scaling(0.1)
        .seed(seed)
        .build(1)
        .unwrap();
    memory_capacity(&mut r, 200, 3000, 1000, 1e-9, 11)
        .unwrap()
        .total
}

#[test]
fn es2n_remembers_longer_than_a_leaky_reservoir_at_its_best_leak() {
    let leaks = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0];
    let best_leaky = leaks
        .iter()
        .map(|&l| leaky_capacity(l, 5))
        .fold(0.0, f64::max);
    let es2n: Vec<(f64, f64)> = [0.01, 0.05, 0.1, 0.3]
        .iter()
        .map(|&b| (b, es2n_capacity(b, 5)))
        .collect();
    println!("memory capacity, {UNITS} units: leaky best {best_leaky:.1}; ES2N {es2n:?}");
    let best_es2n = es2n.iter().map(|e| e.1).fold(0.0, f64::max);
    assert!(best_es2n > best_leaky + 5.0, "{best_es2n} vs {best_leaky}");
    assert!(best_es2n <= UNITS as f64 + 1e-6, "MC <= N");
}

#[test]
fn o_is_orthogonal_and_the_node_runs_in_graphs() {
    let e = Es2n::builder()
        .units(80)
        .proximity(0.2)
        .seed(9)
        .build(2)
        .unwrap();
    let o = e.orthogonal();
    let mut worst = 0.0f64;
    for i in 0..80 {
        for j in 0..80 {
            let dot: f64 = (0..80).map(|k| o[(k, i)] * o[(k, j)]).sum();
            let want = if i == j { 1.0 } else { 0.0 };
            worst = worst.max((dot - want).abs());
        }
    }
    assert!(worst < 1e-12, "O^T O - I: {worst}");
    // input -> ES2N -> ridge, fitted, saved and loaded
    let mut b = Model::builder();
    let u = b.input("u", 2);
    let r = b.node("es2n", e);
    let out = b.ridge("readout", RidgeParams::default(), 1);
    b.chain(&[u, r, out]);
    let mut model = b.build().unwrap();
    let x = aquifer::faer::Mat::from_fn(300, 2, |t, j| ((t + 5 * j) as f64 * 0.1).sin());
    let y = aquifer::faer::Mat::from_fn(300, 1, |t, _| ((t + 1) as f64 * 0.1).sin());
    model
        .fit(std::slice::from_ref(&x), std::slice::from_ref(&y), 20)
        .unwrap();
    let path = std::env::temp_dir().join(format!("aquifer-es2n-{}.aqm", std::process::id()));
    model.save(&path).unwrap();
    let mut loaded = Model::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(
        loaded.run(&x).unwrap().get("readout"),
        model.run(&x).unwrap().get("readout")
    );
}
