//! The shared vocabulary: every family answers to the same traits, unfitted models refuse to
//! run with the same error, every model saves and loads bit for bit through `Persist`, files
//! written before the vocabulary still load, a node of your own plugs into a graph, and graph
//! errors name what is wrong.

use aquifer::gated::{tasks, GatedModel, GatedParams, GatedTraining};
use aquifer::model::Model;
use aquifer::prelude::*;
use aquifer::readout::{GradientParams, GradientReadout, Lms, LmsParams, Rls, RlsParams};
use aquifer::spiking::{Liquid, LiquidParams, LsmClassifier, SurrogateParams};
use std::path::PathBuf;

fn sine(n: usize, shift: usize) -> Mat<f64> {
    Mat::from_fn(n, 1, |t, _| ((t + shift) as f64 * 0.13).sin())
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v1")
        .join(name)
}

/// Reads a matrix written as its shape and then one f64 per line, as hexadecimal bits.
fn bits(name: &str) -> Mat<f64> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut lines = text.lines();
    let shape: Vec<usize> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let values: Vec<f64> = lines
        .map(|l| f64::from_bits(u64::from_str_radix(l, 16).unwrap()))
        .collect();
    Mat::from_fn(shape[0], shape[1], |i, j| values[i * shape[1] + j])
}

/// A node of a user's own: `y = 2 x + 1`, feature by feature.
#[derive(Debug)]
struct Affine(usize);

impl Node for Affine {
    fn input_dim(&self) -> usize {
        self.0
    }
    fn output_dim(&self) -> usize {
        self.0
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> aquifer::Result<()> {
        out.iter_mut().zip(x).for_each(|(o, v)| *o = 2.0 * v + 1.0);
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
fn a_node_of_your_own_runs_in_a_graph_with_a_ridge_readout() -> aquifer::Result<()> {
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node(
        "reservoir",
        Reservoir::builder().units(40).seed(2).build(2)?,
    );
    let affine = b.node("affine", Affine(1));
    let out = b.ridge("readout", RidgeParams::default(), 1);
    b.chain(&[u, affine, r, out]).connect(u, r);
    let mut model = b.build()?;
    let (x, y) = (sine(400, 0), sine(400, 1));
    model.fit(&[&x], &[&y], 50)?;
    let pred = model.run(sine(100, 400))?;
    let err = metrics::nrmse(sine(100, 401), pred.get("readout").unwrap(), Norm::Range)?;
    assert!(err < 0.05, "NRMSE {err}");
    // the user's node has no file form: saving names its type
    let e = model.save(std::env::temp_dir().join("never-written.aqm"));
    match e {
        Err(Error::InNode { node, source }) => {
            assert_eq!(node, "affine");
            assert!(source.to_string().contains("Affine"), "{source}");
            assert!(matches!(*source, Error::CannotSave { .. }));
        }
        other => panic!("{other:?}"),
    }
    Ok(())
}

/// What every trained model must do after a save and a load: the same outputs, bit for bit.
fn reloads_identically<M: Persist + Run<Output = Mat<f64>>>(model: &mut M, xs: &[Mat<f64>]) {
    let mut loaded = M::from_part(&model.to_part().unwrap()).unwrap();
    assert_eq!(loaded.run_many(xs).unwrap(), model.run_many(xs).unwrap());
    let bytes = model.to_part().unwrap().to_bytes().unwrap();
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        assert!(aquifer::io::ModelFile::from_bytes(&bytes[..cut])
            .and_then(|f| M::from_part(&f))
            .is_err());
    }
}

/// What every model that needs training must do before it: refuse to run.
fn refuses_to_run_unfitted<M: Run>(model: &mut M, x: &Mat<f64>) {
    assert!(matches!(model.run(x), Err(Error::NotFitted { .. })));
}

#[test]
fn every_family_refuses_to_run_unfitted_and_reloads_bit_for_bit_once_fitted() {
    let (x, y) = (sine(300, 0), sine(300, 1));
    let tests = [sine(50, 300), sine(30, 17)];

    let mut esn = Esn::builder().units(30).seed(1).build(1, 1).unwrap();
    refuses_to_run_unfitted(&mut esn, &x);
    esn.fit(&[&x], &[&y], 20).unwrap();
    reloads_identically(&mut esn, &tests);

    let mut ridge = Ridge::new(1e-6).unwrap();
    refuses_to_run_unfitted(&mut ridge, &x);
    ridge.fit(&[&x], &[&y], 0).unwrap();
    reloads_identically(&mut ridge, &tests);

    // gated: one class per series
    let (cx, ct) = tasks::digits_pixels(100, 1).unwrap().0;
    let params = GatedParams {
        units: 8,
        seed: 2,
        ..Default::default()
    };
    let training = GatedTraining::default().epochs(1);
    let mut gated = GatedModel::new(&params, training, 1, 10).unwrap();
    refuses_to_run_unfitted(&mut gated, &cx[0]);
    gated.fit(&cx[..64], &ct_prefix(&ct, 64), 0).unwrap();
    reloads_identically(&mut gated, &cx[64..70]);
    assert_eq!(gated.classify(&cx[64..70]).unwrap().len(), 6);

    // liquid state machine classifier
    let series: Vec<Mat<f64>> = (0..20)
        .map(|k| {
            Mat::from_fn(12, 1, |t, _| {
                if k % 2 == 0 {
                    1.5
                } else {
                    (t % 2) as f64 * 3.0
                }
            })
        })
        .collect();
    let labels: Vec<usize> = (0..20).map(|k| k % 2).collect();
    let liquid = Liquid::new(
        &LiquidParams {
            units: 20,
            seed: 1,
            ..Default::default()
        },
        1,
    )
    .unwrap();
    let sp = SurrogateParams {
        bins: 2,
        ..Default::default()
    }
    .epochs(2);
    let mut lsm = LsmClassifier::new(liquid, sp, 2).unwrap();
    refuses_to_run_unfitted(&mut lsm, &series[0]);
    let classes = Targets::Classes {
        labels: &labels,
        classes: 2,
    };
    lsm.fit(&series, classes.clone(), 0).unwrap();
    reloads_identically(&mut lsm, &series[..4]);

    // gradient readout on rows
    let mut readout = GradientReadout::new(GradientParams::default().epochs(3), 12, 2).unwrap();
    let rows: Vec<Mat<f64>> = series
        .iter()
        .map(|s| Mat::from_fn(1, 12, |_, j| s[(j, 0)]))
        .collect();
    refuses_to_run_unfitted(&mut readout, &rows[0]);
    readout.fit(&rows, classes, 0).unwrap();
    reloads_identically(&mut readout, &rows[..5]);
}

fn ct_prefix(t: &aquifer::gated::Target, n: usize) -> aquifer::gated::Target {
    match t {
        aquifer::gated::Target::Classes { labels, classes } => aquifer::gated::Target::Classes {
            labels: labels[..n].to_vec(),
            classes: *classes,
        },
        _ => unreachable!("digits are classes"),
    }
}

#[test]
fn online_readouts_save_mid_training_and_go_on_learning_identically() {
    let x = Mat::from_fn(200, 3, |t, j| ((t * (j + 1)) as f64 * 0.07).sin());
    let y = Mat::from_fn(200, 1, |t, _| (t as f64 * 0.07).cos());
    let mut rls = Rls::new(3, 1, RlsParams::default()).unwrap();
    let mut lms = Lms::new(3, 1, LmsParams::default()).unwrap();
    rls.partial_fit(x.subrows(0, 100), y.subrows(0, 100))
        .unwrap();
    lms.partial_fit(x.subrows(0, 100), y.subrows(0, 100))
        .unwrap();
    let mut rls2 = Rls::from_part(&rls.to_part().unwrap()).unwrap();
    let mut lms2 = Lms::from_part(&lms.to_part().unwrap()).unwrap();
    let (xr, yr) = (x.subrows(100, 100), y.subrows(100, 100));
    assert_eq!(
        rls2.partial_fit(xr, yr).unwrap(),
        rls.partial_fit(xr, yr).unwrap()
    );
    assert_eq!(
        lms2.partial_fit(xr, yr).unwrap(),
        lms.partial_fit(xr, yr).unwrap()
    );
}

#[test]
fn stepping_equals_running_and_state_round_trips() {
    let (x, y) = (sine(300, 0), sine(300, 1));
    let mut esn = Esn::builder().units(30).seed(5).build(1, 1).unwrap();
    esn.fit(&[&x], &[&y], 20).unwrap();
    let start = esn.state();
    let run = esn.run(sine(20, 300)).unwrap();
    esn.set_state(&start).unwrap();
    let xt = sine(20, 300);
    let mut out = [0.0];
    for t in 0..20 {
        esn.step(&[xt[(t, 0)]], &mut out).unwrap();
        assert!((out[0] - run[(t, 0)]).abs() <= 1e-12 * run[(t, 0)].abs().max(1.0));
    }
    esn.reset();
    assert!(esn.state().iter().all(|&v| v == 0.0));
    // with the input fed to the readout too
    let mut esn = Esn::builder()
        .units(30)
        .input_to_readout(true)
        .seed(6)
        .build(1, 1)
        .unwrap();
    esn.fit(&[&x], &[&y], 20).unwrap();
    let start = esn.state();
    let run = esn.run(&xt).unwrap();
    esn.set_state(&start).unwrap();
    for t in 0..20 {
        esn.step(&[xt[(t, 0)]], &mut out).unwrap();
        assert!((out[0] - run[(t, 0)]).abs() <= 1e-12 * run[(t, 0)].abs().max(1.0));
    }

    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node(
        "r",
        Reservoir::builder().units(20).seed(1).build(1).unwrap(),
    );
    let out_node = b.ridge("out", RidgeParams::default(), 1);
    b.chain(&[u, r, out_node]);
    let mut model = b.build().unwrap();
    model.fit(&[&x], &[&y], 10).unwrap();
    let saved = model.state();
    let whole = model.run(&xt).unwrap();
    model.set_state(&saved).unwrap();
    for t in 0..20 {
        model.step(&[xt[(t, 0)]], &mut out).unwrap();
        let w = whole.get("out").unwrap()[(t, 0)];
        assert!((out[0] - w).abs() <= 1e-12 * w.abs().max(1.0));
    }
}

#[test]
fn files_written_before_the_vocabulary_load_and_reproduce_their_outputs() {
    let xt = Mat::from_fn(40, 1, |t, _| ((200 + t) as f64 * 0.13).sin());
    let mut esn = Esn::load(fixture("esn_v1.aqm")).unwrap();
    assert_eq!(esn.run(&xt).unwrap(), bits("esn_v1.run.txt"));
    let mut graph = Model::load(fixture("graph_v1.aqm")).unwrap();
    assert_eq!(
        graph.run(&xt).unwrap().get("ridge").unwrap(),
        &bits("graph_v1.run.txt")
    );
    let mut online = Model::load(fixture("online_v1.aqm")).unwrap();
    assert_eq!(
        online.partial_fit(&xt, &xt).unwrap().get("rls").unwrap(),
        &bits("online_v1.partial_fit.txt")
    );
    let mut gated = GatedModel::load(fixture("gated_v1.aqm")).unwrap();
    let (cx, _) = tasks::digits_pixels(100, 1).unwrap().0;
    let pred = gated.run_many(&cx[64..70]).unwrap();
    let expected = bits("gated_v1.run_many.txt");
    for (i, p) in pred.iter().enumerate() {
        assert_eq!(p.row(0), expected.row(i));
    }
}

#[test]
fn graph_errors_say_what_is_wrong() {
    let tiny = || Reservoir::builder().units(3).rc_connectivity(1.0).seed(1);
    let id = || tiny().build(1).unwrap();
    // a cycle without delay, named node by node
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let res = |inputs| tiny().build(inputs).unwrap();
    let a = b.node("a", res(4)); // u and c
    let c = b.node("c", res(3));
    b.connect(u, a);
    b.add((a >> c) & (c >> a));
    match b.build() {
        Err(Error::Cycle { nodes }) => {
            assert_eq!(nodes.first(), nodes.last());
            assert!(nodes.contains(&"a".to_string()) && nodes.contains(&"c".to_string()));
        }
        other => panic!("{other:?}"),
    }
    // a width that does not match
    let mut b = Model::builder();
    let u = b.input("u", 2);
    let r = b.node("r", id());
    b.connect(u, r);
    assert!(matches!(
        b.build(),
        Err(Error::WidthMismatch { ref node, expected: 1, got: 2 }) if node == "r"
    ));
    // unknown names, and targets a family does not learn
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node("r", id());
    let o = b.ridge("o", RidgeParams::default(), 1);
    b.chain(&[u, r, o]);
    let model = b.build().unwrap();
    assert!(matches!(
        model.node_state("nope"),
        Err(Error::UnknownNode { ref name }) if name == "nope"
    ));
    let mut esn = Esn::builder().units(10).build(1, 2).unwrap();
    let labels = [0, 1];
    let x = [sine(10, 0), sine(10, 3)];
    assert!(matches!(
        esn.fit(
            &x,
            Targets::Classes {
                labels: &labels,
                classes: 2
            },
            0
        ),
        Err(Error::UnsupportedTargets { .. })
    ));
}
