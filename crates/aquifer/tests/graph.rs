//! Models as graphs: equivalence with the ESN, delays, cycles, reset, teacher forcing, deep and
//! parallel reservoirs, an NVAR-style delay line, FORCE learning with feedback.

use aquifer::model::Model;
use aquifer::prelude::*;
use aquifer::readout::{RidgeParams, RlsParams};
use faer::{Mat, MatRef};

/// A node that passes its input through (to observe what edges carry).
#[derive(Debug, Clone)]
struct Identity(usize);

impl Node for Identity {
    fn output_dim(&self) -> usize {
        self.0
    }
    fn input_dim(&self) -> usize {
        self.0
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> aquifer::Result<()> {
        out.copy_from_slice(x);
        Ok(())
    }
    fn reset(&mut self) {}
    fn state(&self) -> Vec<f64> {
        Vec::new()
    }
    fn set_state(&mut self, _: &[f64]) -> aquifer::Result<()> {
        Ok(())
    }
}

fn mg() -> (datasets::Pair, datasets::Pair) {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 2501).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    datasets::split(&x, &y, 2000).unwrap()
}

fn reservoir(units: usize, lr: f64, inputs: usize, seed: u64) -> Reservoir {
    Reservoir::builder()
        .units(units)
        .spectral_radius(1.1)
        .leak_rate(lr)
        .seed(seed)
        .build(inputs)
        .unwrap()
}

const RIDGE: RidgeParams = RidgeParams {
    ridge: 1e-7,
    fit_bias: true,
};

#[test]
fn the_esn_graph_equals_the_esn() {
    let ((xtr, ytr), (xte, _)) = mg();
    for input_to_readout in [false, true] {
        let mut esn = Esn::builder()
            .units(150)
            .spectral_radius(1.1)
            .leak_rate(0.3)
            .ridge(1e-7)
            .input_to_readout(input_to_readout)
            .seed(4)
            .build(1, 1)
            .unwrap();
        let mut b = Model::builder();
        let u = b.input("u", 1);
        let r = b.node("reservoir", esn.reservoir().clone());
        let out = b.ridge("readout", RIDGE, 1);
        if input_to_readout {
            b.connect(u, out);
        }
        b.chain(&[u, r, out]);
        let mut model = b.build().unwrap();
        esn.fit(&[&xtr], &[&ytr], 100).unwrap();
        model.fit(&[&xtr], &[&ytr], 100).unwrap();
        let (w, bias) = model.weights("readout").unwrap().unwrap();
        assert_eq!(&w, esn.readout().weights().unwrap());
        assert_eq!(&bias[..], esn.readout().intercept().unwrap());
        assert_eq!(
            model.node_state("reservoir").unwrap(),
            esn.reservoir().state().to_vec()
        );
        let ours = model.run(&xte).unwrap();
        assert_eq!(ours.get("readout").unwrap(), &esn.run(&xte).unwrap());
    }
}

#[test]
fn a_delayed_edge_delays_by_exactly_k_steps_across_calls() {
    for k in [0usize, 1, 3, 7] {
        let mut b = Model::builder();
        let u = b.input("u", 2);
        let id = b.node("late", Identity(2));
        b.connect_delayed(u, id, k);
        let mut model = b.build().unwrap();
        let x = Mat::from_fn(20, 2, |t, j| (t * 10 + j) as f64 + 1.0);
        let whole = model.run(&x).unwrap();
        let y = whole.get("late").unwrap();
        for t in 0..20 {
            for j in 0..2 {
                let expected = if t >= k { x[(t - k, j)] } else { 0.0 };
                assert_eq!(y[(t, j)], expected, "k={k} t={t}");
            }
        }
        // in two calls: the edge remembers its last k values
        model.reset();
        let a = model.run(x.subrows(0, 5)).unwrap();
        let b2 = model.run(x.subrows(5, 15)).unwrap();
        assert_eq!(a.get("late").unwrap().as_ref(), y.subrows(0, 5));
        assert_eq!(b2.get("late").unwrap().as_ref(), y.subrows(5, 15));
    }
}

#[test]
fn a_state_sent_as_json_continues_another_copy_exactly_and_a_damaged_one_is_refused() {
    let build = || {
        let mut b = Model::builder();
        let u = b.input("u", 2);
        let id = b.node("late", Identity(2));
        b.connect_delayed(u, id, 3);
        b.build().unwrap()
    };
    let x = Mat::from_fn(20, 2, |t, j| (t * 10 + j) as f64 + 1.0);
    let mut here = build();
    here.run(x.subrows(0, 8)).unwrap();
    let wire = serde_json::to_value(here.state()).unwrap();
    let mut there = build();
    there
        .set_state(&serde_json::from_value(wire.clone()).unwrap())
        .unwrap();
    let a = here.run(x.subrows(8, 12)).unwrap();
    let b = there.run(x.subrows(8, 12)).unwrap();
    assert_eq!(a.get("late").unwrap(), b.get("late").unwrap());
    // the input keeps the delayed edge's ring: a position outside its 3 steps, a ring too short
    let mut bad = wire.clone();
    bad["hist_pos"][0] = 3.into();
    let refused = there
        .set_state(&serde_json::from_value(bad).unwrap())
        .unwrap_err();
    assert!(refused.to_string().contains("model state"), "{refused}");
    let mut short = wire;
    short["hist"][0].as_array_mut().unwrap().pop();
    assert!(there
        .set_state(&serde_json::from_value(short).unwrap())
        .is_err());
    // the refused states left the copy as it was
    assert_eq!(there.state(), here.state());
}

/// A node keeping the first of two features.
#[derive(Debug, Clone)]
struct First;

impl Node for First {
    fn output_dim(&self) -> usize {
        1
    }
    fn input_dim(&self) -> usize {
        2
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> aquifer::Result<()> {
        out[0] = x[0];
        Ok(())
    }
    fn reset(&mut self) {}
    fn state(&self) -> Vec<f64> {
        Vec::new()
    }
    fn set_state(&mut self, _: &[f64]) -> aquifer::Result<()> {
        Ok(())
    }
}

#[test]
fn a_cycle_without_delay_is_rejected_with_its_nodes() {
    let cyclic = |delay: usize| {
        let mut b = Model::builder();
        let u = b.input("u", 1);
        let x = b.node("x", Identity(2));
        let w = b.node("w", First);
        let z = b.node("z", Identity(1));
        b.connect(u, x)
            .connect_delayed(z, x, delay)
            .connect(x, w)
            .connect(w, z)
            .output(z);
        b.build()
    };
    let err = cyclic(0).unwrap_err().to_string();
    assert!(err.contains("cycle without delay"), "{err}");
    assert!(
        ["x -> w -> z -> x", "w -> z -> x -> w", "z -> x -> w -> z"]
            .iter()
            .any(|c| err.contains(c)),
        "{err}"
    );
    // the same loop with a delay is feedback: x sees z one step late
    let mut model = cyclic(1).unwrap();
    let x = Mat::from_fn(5, 1, |t, _| t as f64 + 1.0);
    let out = model.run(&x).unwrap();
    let z = out.get("z").unwrap();
    assert_eq!(
        z.col(0).iter().copied().collect::<Vec<_>>(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0]
    );
}

#[test]
fn reset_restores_the_initial_outputs_bit_for_bit() {
    let ((xtr, ytr), (xte, _)) = mg();
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node("reservoir", reservoir(100, 0.3, 2, 1));
    let out = b.ridge("readout", RIDGE, 1);
    b.connect(u, r).feedback(out, r).connect(r, out);
    let mut model = b.build().unwrap();
    model.fit(&[&xtr], &[&ytr], 100).unwrap();
    model.reset();
    let first = model.run(&xte).unwrap();
    let second = model.run(&xte).unwrap();
    assert_ne!(first, second, "run continues from the current state");
    model.reset();
    assert_eq!(model.run(&xte).unwrap(), first);
    assert!(model
        .node_state("reservoir")
        .unwrap()
        .iter()
        .any(|&v| v != 0.0));
    model.reset();
    assert!(model
        .node_state("reservoir")
        .unwrap()
        .iter()
        .all(|&v| v == 0.0));
    // several series, each from the current state, which stays
    let before = model.node_state("reservoir").unwrap();
    let many = model
        .run_many(&[xte.subrows(0, 100), xte.subrows(100, 200)])
        .unwrap();
    assert_eq!(model.node_state("reservoir").unwrap(), before);
    assert_eq!(
        many[0].get("readout").unwrap().as_ref(),
        first.get("readout").unwrap().subrows(0, 100)
    );
    model.reset();
    let second = model.run(xte.subrows(100, 200)).unwrap();
    assert_eq!(many[1], second);
}

#[test]
fn teacher_forcing_equals_feeding_the_true_target() {
    // Fitting a readout that feeds back into the reservoir through a delay-1 edge gives the
    // same readout as fitting a model whose reservoir reads the target, one step late, as an
    // input.
    let ((xtr, ytr), _) = mg();
    let res = reservoir(80, 0.5, 2, 7);
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node("reservoir", res.clone());
    let out = b.ridge("readout", RIDGE, 1);
    b.connect(u, r).feedback(out, r).connect(r, out);
    let mut feedback = b.build().unwrap();
    feedback.fit(&[&xtr], &[&ytr], 50).unwrap();

    let mut b = Model::builder();
    let u = b.input("u", 1);
    let teacher = b.input("teacher", 1);
    let r = b.node("reservoir", res);
    let out = b.ridge("readout", RIDGE, 1);
    b.connect(u, r)
        .connect_delayed(teacher, r, 1)
        .connect(r, out);
    let mut open = b.build().unwrap();
    let both = Mat::from_fn(xtr.nrows(), 2, |t, j| {
        if j == 0 {
            xtr[(t, 0)]
        } else {
            ytr[(t, 0)]
        }
    });
    open.fit(&[&both], &[&ytr], 50).unwrap();
    assert_eq!(
        feedback.weights("readout").unwrap(),
        open.weights("readout").unwrap()
    );
    assert_eq!(
        feedback.node_state("reservoir").unwrap(),
        open.node_state("reservoir").unwrap()
    );
}

fn nrmse(model: &mut Model, x: MatRef<'_, f64>, y: MatRef<'_, f64>) -> f64 {
    let p = model.run(x).unwrap();
    let p = p.get("readout").unwrap();
    metrics::nrmse(y.subrows(100, 399), p.subrows(100, 399), Norm::Range).unwrap()
}

#[test]
fn deep_and_parallel_reservoirs_fit_and_run() {
    let ((xtr, ytr), (xte, yte)) = mg();
    // deep: u -> r1 -> r2 -> r3, every layer feeding the readout
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r1 = b.node("r1", reservoir(100, 0.3, 1, 1));
    let r2 = b.node("r2", reservoir(100, 0.3, 100, 2));
    let r3 = b.node("r3", reservoir(100, 0.3, 100, 3));
    let out = b.ridge("readout", RIDGE, 1);
    b.chain(&[u, r1, r2, r3]).merge(&[r1, r2, r3], out);
    let mut deep = b.build().unwrap();
    deep.fit(&[&xtr], &[&ytr], 100).unwrap();
    assert_eq!(deep.weights("readout").unwrap().unwrap().0.nrows(), 300);
    let e_deep = nrmse(&mut deep, xte.as_ref(), yte.as_ref());

    // parallel: two reservoirs with different leak rates side by side
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let slow = b.node("slow", reservoir(100, 0.1, 1, 4));
    let fast = b.node("fast", reservoir(100, 0.9, 1, 5));
    let out = b.ridge("readout", RIDGE, 1);
    b.connect(u, slow)
        .connect(u, fast)
        .merge(&[slow, fast], out);
    let mut parallel = b.build().unwrap();
    parallel.fit(&[&xtr], &[&ytr], 100).unwrap();
    let e_par = nrmse(&mut parallel, xte.as_ref(), yte.as_ref());
    println!("MG one-step NRMSE: deep {e_deep:.2e}, parallel {e_par:.2e}");
    assert!(e_deep < 1e-2 && e_par < 1e-2, "{e_deep} {e_par}");
}

#[test]
fn an_nvar_delay_line_recovers_a_linear_filter() {
    // y(t) = 0.5 u(t) - 0.3 u(t-1) + 0.2 u(t-2) + 0.1: a readout on [u(t), u(t-1), u(t-2)]
    let u = init::random_dense(500, 1, Values::uniform(-1.0, 1.0), 1.0, 3).unwrap();
    let at = |t: usize, k: usize| if t >= k { u[(t - k, 0)] } else { 0.0 };
    let y = Mat::from_fn(500, 1, |t, _| {
        0.5 * at(t, 0) - 0.3 * at(t, 1) + 0.2 * at(t, 2) + 0.1
    });
    let mut b = Model::builder();
    let input = b.input("u", 1);
    let out = b.ridge(
        "readout",
        RidgeParams {
            ridge: 0.0,
            fit_bias: true,
        },
        1,
    );
    for k in 0..3 {
        b.connect_delayed(input, out, k);
    }
    let mut model = b.build().unwrap();
    model.fit(&[&u], &[&y], 2).unwrap();
    let (w, bias) = model.weights("readout").unwrap().unwrap();
    for (k, expected) in [0.5, -0.3, 0.2].into_iter().enumerate() {
        assert!((w[(k, 0)] - expected).abs() < 1e-10, "{w:?}");
    }
    assert!((bias[0] - 0.1).abs() < 1e-10);
}

#[test]
fn force_learning_through_the_graph_keeps_generating() {
    let target = |t: usize| {
        let t = t as f64;
        0.5 * (2.0 * std::f64::consts::PI * t / 50.0).sin()
            + 0.3 * (2.0 * std::f64::consts::PI * t / 25.0).sin()
    };
    let res = Reservoir::builder()
        .units(300)
        .spectral_radius(1.2)
        .leak_rate(0.5)
        .input_connectivity(1.0)
        .seed(3)
        .build(1)
        .unwrap();
    let mut b = Model::builder();
    let r = b.node("reservoir", res);
    let out = b.rls(
        "readout",
        RlsParams {
            alpha: 1.0,
            ..Default::default()
        },
        1,
    );
    b.connect(r, out).feedback(out, r);
    let mut model = b.build().unwrap();
    let train = 3000;
    let y = Mat::from_fn(train, 1, |t, _| target(t));
    let during = model.partial_fit(Mat::<f64>::zeros(train, 0), &y).unwrap();
    let late = during.get("readout").unwrap();
    assert!((late[(train - 1, 0)] - target(train - 1)).abs() < 1e-2);
    let free = model.run(Mat::<f64>::zeros(500, 0)).unwrap();
    let free = free.get("readout").unwrap();
    let worst = (0..500)
        .map(|k| (free[(k, 0)] - target(train + k)).abs())
        .fold(0.0, f64::max);
    println!("FORCE through the graph: worst free-running error {worst:.2e}");
    assert!(worst < 0.05, "{worst}");
}

#[test]
fn misuse_is_a_clear_error() {
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node("reservoir", reservoir(10, 0.5, 1, 0));
    let out = b.ridge("readout", RIDGE, 1);
    b.chain(&[u, r, out]);
    let mut model = b.build().unwrap();
    let x = Mat::from_fn(50, 1, |t, _| t as f64 / 50.0);
    let e = model.run(&x).unwrap_err().to_string();
    assert!(e.contains("readout `readout` is not fitted"), "{e}");
    let e = model.partial_fit(&x, &x).unwrap_err().to_string();
    assert!(e.contains("learns with fit"), "{e}");
    let two = Mat::<f64>::zeros(50, 2);
    assert!(matches!(
        model.fit(&[&two], &[&x], 0),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        model.fit(&[&x], &[&x], 50),
        Err(Error::WarmupTooLong { .. })
    ));
    assert!(model
        .node_state("nope")
        .unwrap_err()
        .to_string()
        .contains("no node named `nope`"));
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node("r", reservoir(10, 0.5, 1, 0));
    b.connect(u, r);
    let orphan = b.node("orphan", Identity(1));
    let _ = orphan;
    let e = b.build().unwrap_err().to_string();
    assert!(e.contains("`orphan` receives no edge"), "{e}");
    let mut b = Model::builder();
    b.input("same", 1);
    b.input("same", 1);
    assert!(b.build().unwrap_err().to_string().contains("unique"));
}

#[test]
fn operators_write_the_same_edges_as_the_builder() {
    use aquifer::model::Edge;
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r1 = b.node("r1", Identity(1));
    let r2 = b.node("r2", Identity(1));
    let out = b.node("out", Identity(2));
    let e = |from, to, delay| Edge { from, to, delay };
    assert_eq!((u >> r1 >> out).edges(), [e(u, r1, 0), e(r1, out, 0)]);
    assert_eq!((u >> 3 >> r1).edges(), [e(u, r1, 3)]);
    assert_eq!((u >> [r1, r2]).edges(), [e(u, r1, 0), e(u, r2, 0)]);
    assert_eq!(([r1, r2] >> out).edges(), [e(r1, out, 0), e(r2, out, 0)]);
    assert_eq!((r1 << out).edges(), [e(out, r1, 1)]);
    assert_eq!(
        (u >> [r1, r2] >> out).edges(),
        [e(u, r1, 0), e(u, r2, 0), e(r1, out, 0), e(r2, out, 0)]
    );
    // a delay line written with operators delays by exactly 2 steps
    b.add((u >> 2 >> r1) & (u >> r2) & ([r1, r2] >> out));
    let mut model = b.build().unwrap();
    let x = Mat::from_fn(6, 1, |t, _| t as f64 + 1.0);
    let y = model.run(&x).unwrap();
    let y = y.get("out").unwrap();
    let col = |j: usize| y.col(j).iter().copied().collect::<Vec<_>>();
    assert_eq!(col(0), [0.0, 0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(col(1), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}
