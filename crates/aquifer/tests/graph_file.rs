//! Models as graphs in model files: every node kind, delayed values and online training
//! continue bit for bit after a round trip; damaged or inconsistent files are refused.

use aquifer::io::{ModelFile, Tensor};
use aquifer::model::Model;
use aquifer::prelude::*;
use aquifer::readout::{LmsParams, RidgeParams, RlsParams};
use faer::Mat;

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aquifer-graph-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sines(t0: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(n, 1, |t, _| {
        let t = (t0 + t) as f64;
        0.5 * (t * 0.13).sin() + 0.3 * (t * 0.07).cos()
    })
}

/// Input, two reservoirs (one with per-unit leak rates), a ridge readout fed by the input and
/// both reservoirs, feeding back into the first reservoir two steps late.
fn feedback_model() -> Model {
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r1 = Reservoir::builder()
        .units(60)
        .spectral_radius(0.9)
        .leak_rate(0.4)
        .seed(1)
        .build(2)
        .unwrap();
    let r2 = Reservoir::builder()
        .units(40)
        .leak_rate(LeakRate::PerUnit(
            (0..40).map(|i| 0.2 + i as f64 / 80.0).collect(),
        ))
        .noise_rc(1e-3)
        .seed(2)
        .build(60)
        .unwrap();
    let r1 = b.node("r1", r1);
    let r2 = b.node("r2", r2);
    let out = b.ridge(
        "readout",
        RidgeParams {
            ridge: 1e-6,
            fit_bias: true,
        },
        1,
    );
    b.connect(u, r1).connect(r1, r2).merge(&[u, r1, r2], out);
    b.connect_delayed(out, r1, 2);
    b.build().unwrap()
}

#[test]
fn a_fitted_feedback_model_continues_bit_for_bit_after_loading() {
    let mut model = feedback_model();
    let x = sines(0, 600);
    let y = sines(1, 600);
    model.fit(&[x], &[y], 100).unwrap();
    // mid-stream: states and delayed values are not zero
    model.run(sines(600, 37)).unwrap();
    let path = temp_path("feedback.aqm");
    model.save(&path).unwrap();
    let mut loaded = Model::load(&path).unwrap();
    assert_eq!(loaded.output_names(), model.output_names());
    for name in ["r1", "r2"] {
        assert_eq!(
            loaded.node_state(name).unwrap(),
            model.node_state(name).unwrap()
        );
    }
    assert_eq!(
        loaded.weights("readout").unwrap(),
        model.weights("readout").unwrap()
    );
    let next = sines(637, 200);
    assert_eq!(loaded.run(&next).unwrap(), model.run(&next).unwrap());
    // and the same again after a reset (noise streams restart from their seed)
    model.reset();
    loaded.reset();
    assert_eq!(loaded.run(&next).unwrap(), model.run(&next).unwrap());
}

#[test]
fn online_training_continues_bit_for_bit_after_loading() {
    for lms in [false, true] {
        let mut b = Model::builder();
        let r = b.node(
            "reservoir",
            Reservoir::builder()
                .units(80)
                .spectral_radius(1.1)
                .leak_rate(0.5)
                .input_connectivity(1.0)
                .seed(5)
                .build(1)
                .unwrap(),
        );
        let out = if lms {
            b.lms(
                "readout",
                LmsParams {
                    learning_rate: 1e-3,
                    ..Default::default()
                },
                1,
            )
        } else {
            b.rls("readout", RlsParams::default(), 1)
        };
        b.connect(r, out).feedback(out, r);
        let mut model = b.build().unwrap();
        let none = |n| Mat::<f64>::zeros(n, 0);
        model.partial_fit(none(300), sines(0, 300)).unwrap();
        let path = temp_path(if lms { "lms.aqm" } else { "rls.aqm" });
        model.save(&path).unwrap();
        let mut loaded = Model::load(&path).unwrap();
        let a = model.partial_fit(none(200), sines(300, 200)).unwrap();
        let b = loaded.partial_fit(none(200), sines(300, 200)).unwrap();
        assert_eq!(a, b, "lms: {lms}");
        assert_eq!(
            loaded.weights("readout").unwrap(),
            model.weights("readout").unwrap()
        );
        let warm = sines(500, 50);
        assert_eq!(
            loaded.generate(100, &warm).unwrap(),
            model.generate(100, &warm).unwrap()
        );
    }
}

#[test]
fn an_unfitted_model_stays_unfitted() {
    let model = feedback_model();
    let mut loaded = Model::from_part(&model.to_part().unwrap()).unwrap();
    let err = loaded.run(sines(0, 5)).unwrap_err().to_string();
    assert!(err.contains("not fitted"), "{err}");
}

/// A node of the user's own, which does not say how to save itself.
#[derive(Debug)]
struct Doubler;

impl Node for Doubler {
    fn output_dim(&self) -> usize {
        1
    }
    fn input_dim(&self) -> usize {
        1
    }
    fn step(&mut self, x: &[f64], out: &mut [f64]) -> aquifer::Result<()> {
        out[0] = 2.0 * x[0];
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
fn a_node_that_cannot_be_saved_is_named() {
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let d = b.node("double", Doubler);
    b.connect(u, d);
    let model = b.build().unwrap();
    let err = model.save(temp_path("never.aqm")).unwrap_err().to_string();
    assert!(err.contains("double") && err.contains("Doubler"), "{err}");
    assert!(!temp_path("never.aqm").exists());
}

#[test]
fn damaged_and_inconsistent_files_are_refused() {
    let mut model = feedback_model();
    model.fit(&[sines(0, 300)], &[sines(1, 300)], 50).unwrap();
    model.run(sines(300, 10)).unwrap();
    let good = model.to_part().unwrap();
    let bytes = good.to_bytes().unwrap();
    let load = |b: &[u8]| ModelFile::from_bytes(b).and_then(|f| Model::from_part(&f));
    assert!(load(&bytes).is_ok());
    for pos in (0..bytes.len()).step_by(bytes.len() / 250 + 1) {
        assert!(load(&bytes[..pos]).is_err(), "truncated at {pos}");
        let mut flipped = bytes.clone();
        flipped[pos] ^= 0x21;
        assert!(load(&flipped).is_err(), "flipped byte {pos}");
    }
    let refused = |f: ModelFile, needle: &str| {
        let err = Model::from_part(&f).unwrap_err().to_string();
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    };
    let mut esn = good.clone();
    esn.kind = "esn".into();
    refused(esn, "not a `model`");
    let mut extra = good.clone();
    extra.config["surprise"] = serde_json::json!(true);
    refused(extra, "surprise");
    let mut kind = good.clone();
    kind.config["nodes"][1]["kind"] = serde_json::json!("transformer");
    refused(kind, "transformer");
    let mut edge = good.clone();
    edge.config["edges"][0]["to"] = serde_json::json!(99);
    refused(edge, "names node 99");
    let mut pos = good.clone();
    pos.config["history_pos"][3] = serde_json::json!(2);
    refused(pos, "history position");
    let mut cycle = good.clone();
    let feedback = cycle.config["edges"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["delay"] == 2)
        .unwrap();
    cycle.config["edges"][feedback]["delay"] = serde_json::json!(0);
    refused(cycle, "cycle");
    let mut units = good.clone();
    units.config["nodes"][2]["config"]["units"] = serde_json::json!(41);
    refused(units, "r2");
    let mut nan = good.clone();
    if let Some(Tensor::F64 { data, .. }) = nan.tensors.get_mut("history.3") {
        data[1] = f64::NAN;
    }
    refused(nan, "delayed values");
    let mut huge = good.clone();
    huge.config["nodes"][0]["dim"] = serde_json::json!(1u64 << 60);
    refused(huge, "does not match tensor `output.0`");
    let mut delay = good.clone();
    delay.config["edges"][feedback]["delay"] = serde_json::json!(1u64 << 60);
    refused(delay, "does not hold");
    let mut p = good;
    p.tensors.remove("nodes.3.weights");
    refused(p, "node `readout`: tensor `weights` is missing");
}
