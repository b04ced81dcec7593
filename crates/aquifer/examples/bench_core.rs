//! Timings of the core operations, printed as one JSON object per line, for side-by-side
//! comparisons with other libraries (`bench/run.sh`). Not a unit test: timings are noisy, so
//! compare ratios measured in the same run.
//!
//! `cargo run --release -p aquifer --example bench_core -- [--quick]`

use aquifer::init::{self, Values};
use aquifer::model::Model;
use aquifer::prelude::*;
use aquifer::readout::{Rls, RlsParams};
use std::time::Instant;

/// Best of `reps` wall-clock times, in seconds.
fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The reference "bare" kernel: one series, u32 CSR, four accumulators, and a fast rational
/// tanh (not accurate enough to be a default; a speed yardstick only).
fn bare_harvest(w: &init::Csr, win: &[f64], u: &[f64], lr: f64) -> Vec<f64> {
    let n = w.nrows();
    let (rp, ci, v) = (w.symbolic().row_ptr(), w.symbolic().col_idx(), w.val());
    let mut out = vec![0.0; n * u.len()];
    let mut prev = vec![0.0; n];
    for (t, &ut) in u.iter().enumerate() {
        let row = &mut out[t * n..(t + 1) * n];
        for i in 0..n {
            let (s, e) = (rp[i] as usize, rp[i + 1] as usize);
            let mut a = [0.0f64; 4];
            let mut k = s;
            while k + 4 <= e {
                for j in 0..4 {
                    a[j] += v[k + j] * prev[ci[k + j] as usize];
                }
                k += 4;
            }
            for (j, kk) in (k..e).enumerate() {
                a[j] += v[kk] * prev[ci[kk] as usize];
            }
            let x = (a[0] + a[1]) + (a[2] + a[3]) + win[i] * ut;
            let x = x.clamp(-3.0, 3.0);
            let th = x * (27.0 + x * x) / (27.0 + 9.0 * x * x);
            row[i] = (1.0 - lr) * prev[i] + lr * th;
        }
        prev.copy_from_slice(row);
    }
    out
}

fn main() -> aquifer::Result<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let t_len = if quick { 2000 } else { 10_000 };
    let reps = if quick { 2 } else { 5 };
    let u = init::random_dense(t_len, 1, Values::uniform(-1.0, 1.0), 1.0, 1)?;
    let u_vec: Vec<f64> = (0..t_len).map(|t| u[(t, 0)]).collect();

    for n in [100, 500, 1000, 2000] {
        let mut r = Reservoir::builder()
            .units(n)
            .spectral_radius(0.9)
            .leak_rate(0.3)
            .seed(1)
            .build(1)?;
        let ours = best_of(reps, || {
            r.reset();
            std::hint::black_box(r.run(&u).unwrap());
        });
        let win: Vec<f64> = r.win().col_as_slice(0).to_vec();
        let bare = best_of(reps, || {
            std::hint::black_box(bare_harvest(r.w(), &win, &u_vec, 0.3));
        });
        println!(
            "{{\"bench\":\"harvest\",\"units\":{n},\"steps\":{t_len},\"aquifer_steps_per_s\":{:.1},\"bare_kernel_steps_per_s\":{:.1}}}",
            t_len as f64 / ours,
            t_len as f64 / bare
        );
    }

    // many series: 64 series of 1000 steps, N = 500
    let series: Vec<Mat<f64>> = (0..64)
        .map(|i| init::random_dense(1000, 1, Values::uniform(-1.0, 1.0), 1.0, 100 + i))
        .collect::<aquifer::Result<_>>()?;
    let r = Reservoir::builder()
        .units(500)
        .spectral_radius(0.9)
        .leak_rate(0.3)
        .seed(1)
        .build(1)?;
    let many = best_of(reps, || {
        std::hint::black_box(r.run_many(&series).unwrap());
    });
    println!(
        "{{\"bench\":\"run_many\",\"units\":500,\"series\":64,\"steps\":1000,\"aquifer_steps_per_s\":{:.1}}}",
        64_000.0 / many
    );

    // ridge fit on precomputed states, N = 1000, T = 10000
    let states = init::random_dense(t_len, 1000, Values::uniform(-1.0, 1.0), 1.0, 5)?;
    let targets = init::random_dense(t_len, 1, Values::uniform(-1.0, 1.0), 1.0, 6)?;
    let ridge = best_of(reps.min(3), || {
        let mut rd = Ridge::new(1e-6).unwrap();
        rd.fit(&[&states], &[&targets], 0).unwrap();
        std::hint::black_box(rd.weights());
    });
    println!(
        "{{\"bench\":\"ridge_fit\",\"features\":1000,\"steps\":{t_len},\"aquifer_s\":{ridge:.4}}}"
    );

    // reservoir initialisation with spectral-radius rescaling, N = 2000
    let init_t = best_of(reps.min(3), || {
        std::hint::black_box(
            Reservoir::builder()
                .units(2000)
                .spectral_radius(0.9)
                .seed(3)
                .build(1)
                .unwrap(),
        );
    });
    println!("{{\"bench\":\"init_sr\",\"units\":2000,\"aquifer_s\":{init_t:.4}}}");

    // online training: reservoir N = 300 stepped and an RLS readout updated at every step
    let t_online = if quick { 1000 } else { 5000 };
    let mut r = Reservoir::builder()
        .units(300)
        .spectral_radius(0.9)
        .leak_rate(0.3)
        .seed(1)
        .build(1)?;
    let rls_t = best_of(reps.min(3), || {
        r.reset();
        let mut rls = Rls::new(300, 1, RlsParams::default()).unwrap();
        let mut out = [0.0];
        for t in 0..t_online {
            let state = r.step(&[u_vec[t]]).unwrap();
            rls.train_step(state, &[u_vec[t + 1]], &mut out).unwrap();
        }
        std::hint::black_box(out);
    });
    println!(
        "{{\"bench\":\"rls_online\",\"units\":300,\"steps\":{t_online},\"aquifer_steps_per_s\":{:.1}}}",
        t_online as f64 / rls_t
    );

    // closed-loop generation: reservoir << ridge readout, fitted on a sine, then free-running
    let t_gen = if quick { 500 } else { 2000 };
    for n in [100, 300, 500] {
        let mut b = Model::builder();
        let res = Reservoir::builder()
            .units(n)
            .spectral_radius(0.9)
            .leak_rate(0.3)
            .seed(1)
            .build(1)?;
        let r = b.node("reservoir", res);
        let out = b.ridge("readout", RidgeParams::default(), 1);
        b.connect(r, out).feedback(out, r);
        let mut model = b.build()?;
        let y = Mat::from_fn(2000, 1, |t, _| (t as f64 * 0.1).sin());
        model.fit(&[Mat::<f64>::zeros(2000, 0)], &[y], 100)?;
        let free = Mat::<f64>::zeros(t_gen, 0);
        let gen_t = best_of(reps.min(3), || {
            std::hint::black_box(model.run(&free).unwrap());
        });
        println!(
            "{{\"bench\":\"generate\",\"units\":{n},\"steps\":{t_gen},\"aquifer_steps_per_s\":{:.1}}}",
            t_gen as f64 / gen_t
        );
    }
    // NVAR features and NG-RC training (NVAR -> ridge) on a 3-variable series
    let lorenz = datasets::lorenz(&datasets::Lorenz::default(), t_len)?;
    for (k, p) in [(2, 2), (4, 3)] {
        let nvar = aquifer::nodes::Nvar::builder().delay(k).order(p).build(3)?;
        let feat_t = best_of(reps, || {
            std::hint::black_box(nvar.clone().run(&lorenz).unwrap());
        });
        println!(
            "{{\"bench\":\"nvar\",\"delay\":{k},\"order\":{p},\"features\":{},\"steps\":{t_len},\"aquifer_steps_per_s\":{:.1}}}",
            nvar.output_dim(),
            t_len as f64 / feat_t
        );
    }
    let x = lorenz.subrows(0, t_len - 1).to_owned();
    let dx = Mat::from_fn(t_len - 1, 3, |t, j| lorenz[(t + 1, j)] - lorenz[(t, j)]);
    let ngrc_t = best_of(reps, || {
        let mut b = Model::builder();
        let u = b.input("u", 3);
        let nvar = b.node("nvar", aquifer::nodes::Nvar::builder().build(3).unwrap());
        let out = b.ridge(
            "readout",
            RidgeParams {
                ridge: 2.5e-6,
                fit_bias: true,
            },
            3,
        );
        b.chain(&[u, nvar, out]);
        let mut model = b.build().unwrap();
        model
            .fit(std::slice::from_ref(&x), std::slice::from_ref(&dx), 200)
            .unwrap();
        std::hint::black_box(model);
    });
    println!("{{\"bench\":\"ngrc_fit\",\"steps\":{t_len},\"aquifer_s\":{ngrc_t:.5}}}");
    Ok(())
}
