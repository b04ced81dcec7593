//! Model files: bit-for-bit round trips, atomic writes, and corrupted files that must be refused
//! with an error (never a panic).

use aquifer::io::{self, ModelFile};
use aquifer::prelude::*;
use faer::Mat;

fn fitted_esn(per_unit_leak: bool) -> (Esn, Mat<f64>) {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 1500).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    let ((x_train, y_train), (x_test, _)) = datasets::split(&x, &y, 1000).unwrap();
    let mut b = Esn::builder()
        .units(120)
        .spectral_radius(1.1)
        .ridge(1e-7)
        .input_to_readout(true)
        .seed(9);
    b = if per_unit_leak {
        b.leak_rate((0..120).map(|i| 0.1 + 0.005 * i as f64).collect::<Vec<_>>())
    } else {
        b.leak_rate(0.3)
    };
    let mut esn = b.build(1, 1).unwrap();
    esn.fit(&[&x_train], &[&y_train], 50).unwrap();
    (esn, x_test)
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aquifer-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn round_trip_reproduces_predictions_bit_for_bit() {
    for per_unit in [false, true] {
        let (mut esn, x_test) = fitted_esn(per_unit);
        let path = temp_path(&format!("mg-{per_unit}.aqf"));
        esn.save(&path).unwrap();
        let mut loaded = Esn::load(&path).unwrap();
        // the state is saved too: both continue from the end of training
        assert_eq!(esn.run(&x_test).unwrap(), loaded.run(&x_test).unwrap());
        assert_eq!(
            esn.generate(50, x_test.subrows(0, 20)).unwrap(),
            loaded.generate(50, x_test.subrows(0, 20)).unwrap()
        );
        // no temporary file is left beside it
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}

#[test]
fn a_noisy_network_continues_its_noise_after_loading() {
    let series = datasets::mackey_glass(&MackeyGlass::default(), 700).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    let mut esn = Esn::builder()
        .units(80)
        .noise_in(1e-3)
        .noise_rc(1e-3)
        .seed(4)
        .build(1, 1)
        .unwrap();
    esn.fit(&[x.subrows(0, 500)], &[y.subrows(0, 500)], 50)
        .unwrap();
    esn.run(x.subrows(500, 33)).unwrap();
    let path = temp_path("noisy.aqf");
    esn.save(&path).unwrap();
    let mut loaded = Esn::load(&path).unwrap();
    let rest = x.subrows(533, 150);
    assert_eq!(loaded.run(rest).unwrap(), esn.run(rest).unwrap());
}

#[test]
fn an_unfitted_network_stays_unfitted() {
    let esn = Esn::builder().units(30).seed(1).build(2, 1).unwrap();
    let path = temp_path("unfitted.aqf");
    esn.save(&path).unwrap();
    let mut loaded = Esn::load(&path).unwrap();
    assert!(matches!(
        loaded.run(Mat::<f64>::zeros(3, 2)),
        Err(Error::NotFitted { .. })
    ));
    assert_eq!(loaded.reservoir().w().val(), esn.reservoir().w().val());
}

#[test]
fn truncated_and_flipped_files_are_refused_without_panicking() {
    let (esn, _) = fitted_esn(false);
    let bytes = esn.to_part().unwrap().to_bytes().unwrap();
    assert!(ModelFile::from_bytes(&bytes).is_ok());
    let mut offsets: Vec<usize> = (0..64).collect();
    offsets.extend((64..bytes.len()).step_by(bytes.len() / 300 + 1));
    offsets.push(bytes.len() - 1);
    for &cut in &offsets {
        assert!(
            ModelFile::from_bytes(&bytes[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    for &pos in &offsets {
        let mut flipped = bytes.clone();
        flipped[pos] ^= 0x5a;
        let result = ModelFile::from_bytes(&flipped).and_then(|m| Esn::from_part(&m));
        assert!(result.is_err(), "flipped byte {pos} was not detected");
    }
}

#[test]
fn wrong_kinds_versions_and_contents_are_refused() {
    let (esn, _) = fitted_esn(false);
    let good = esn.to_part().unwrap();
    // a future format version
    let bytes = good.to_bytes().unwrap();
    let needle = b"\"format_version\":\"1\"";
    let start = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("version in the header");
    let mut future = bytes.clone();
    future[start + 18] = b'9';
    let err = ModelFile::from_bytes(&future).unwrap_err().to_string();
    assert!(err.contains("newer"), "{err}");
    // not a model file at all
    assert!(ModelFile::from_bytes(b"hello world, this is not a model").is_err());
    assert!(ModelFile::from_bytes(&[]).is_err());
    // another kind of model
    let mut other = good.clone();
    other.kind = "nvar".into();
    assert!(Esn::from_part(&ModelFile::from_bytes(&other.to_bytes().unwrap()).unwrap()).is_err());
    // unknown configuration keys
    let mut extra = good.clone();
    extra.config["surprise"] = serde_json::json!(1);
    let err = Esn::from_part(&extra).unwrap_err().to_string();
    assert!(err.contains("surprise"), "{err}");
    // shapes that do not match the configuration
    let mut wrong = good.clone();
    wrong.config["reservoir"]["units"] = serde_json::json!(121);
    assert!(Esn::from_part(&wrong).is_err());
    let mut absurd = good.clone();
    absurd.config["reservoir"]["units"] = serde_json::json!(u64::MAX);
    assert!(Esn::from_part(&absurd).is_err());
    // invalid sparse structure
    let mut broken = good.clone();
    if let Some(io::Tensor::U32 { data, .. }) = broken.tensors.get_mut("reservoir.w.col_idx") {
        data[0] = 10_000;
    }
    assert!(matches!(Esn::from_part(&broken), Err(Error::Data { .. })));
    // non-finite weights
    let mut nan = good;
    if let Some(io::Tensor::F64 { data, .. }) = nan.tensors.get_mut("readout.weights") {
        data[3] = f64::NAN;
    }
    assert!(matches!(Esn::from_part(&nan), Err(Error::NonFinite { .. })));
}

#[test]
fn io_errors_name_the_path() {
    let missing = temp_path("does-not-exist.aqf");
    match Esn::load(&missing) {
        Err(Error::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("{other:?}"),
    }
    let esn = Esn::builder().units(10).build(1, 1).unwrap();
    let nowhere = temp_path("no-such-dir").join("sub").join("m.aqf");
    assert!(matches!(esn.save(&nowhere), Err(Error::Io { .. })));
}
