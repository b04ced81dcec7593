//! Properties over random valid configurations and series: building, fitting, running, saving
//! and loading never panic; what is saved loads back to the same bits; series on disk read back
//! exactly; a damaged model file is an error, never a panic.

use aquifer::io::{parse_table, table_bytes, ModelFile, TableFormat};
use aquifer::prelude::*;
use faer::Mat;
use proptest::prelude::*;

fn bits(m: &Mat<f64>) -> Vec<u64> {
    (0..m.ncols())
        .flat_map(|j| (0..m.nrows()).map(move |i| m[(i, j)].to_bits()))
        .collect()
}

/// A series of `rows x cols` values drawn from `seed`, of magnitude up to `scale`.
fn series(rows: usize, cols: usize, seed: u64, scale: f64) -> Mat<f64> {
    Mat::from_fn(rows, cols, |t, j| {
        let k = (t as u64 * 31 + j as u64 * 17 + seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((k >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * scale
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn esns_fit_run_save_and_load_without_panicking_and_round_trip_bit_for_bit(
        units in 1usize..60,
        connectivity in 0.01f64..=1.0,
        radius in 0.0f64..2.0,
        leak in 0.01f64..=1.0,
        ridge in 1e-12f64..1.0,
        input_to_readout in any::<bool>(),
        inputs in 1usize..4,
        rows in 2usize..150,
        warmup in 0usize..20,
        scale in prop_oneof![Just(1.0), Just(1e-6), Just(1e6)],
        seed in any::<u64>(),
    ) {
        let built = Esn::builder()
            .units(units)
            .rc_connectivity(connectivity)
            .spectral_radius(radius)
            .leak_rate(leak)
            .ridge(ridge)
            .input_to_readout(input_to_readout)
            .seed(seed)
            .build(inputs, 1);
        // a valid configuration may still be refused (a W too sparse to scale): never a panic
        let Ok(mut esn) = built else { return Ok(()) };
        let x = series(rows, inputs, seed, scale);
        let y = series(rows, 1, seed ^ 1, scale);
        if esn.fit(&[&x], &[&y], warmup).is_err() {
            prop_assert!(warmup >= rows, "a fit failed on valid data");
            return Ok(());
        }
        let part = esn.to_part().unwrap();
        let bytes = part.to_bytes().unwrap();
        let mut loaded = Esn::from_part(&ModelFile::from_bytes(&bytes).unwrap()).unwrap();
        let (a, b) = (esn.run(&x), loaded.run(&x));
        match (a, b) {
            (Ok(a), Ok(b)) => prop_assert_eq!(bits(&a), bits(&b)),
            (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
        }
        prop_assert_eq!(esn.reservoir().state(), loaded.reservoir().state());
    }

    #[test]
    fn series_on_disk_read_back_exactly(
        rows in 1usize..40,
        cols in 1usize..6,
        seed in any::<u64>(),
        scale in prop_oneof![Just(1.0), Just(1e-300), Just(1e300), Just(1e-310)],
    ) {
        let x = series(rows, cols, seed, scale);
        let names: Vec<String> = (0..cols).map(|j| format!("c{j}")).collect();
        for format in [TableFormat::Csv, TableFormat::Npy] {
            let bytes = table_bytes(&names, x.as_ref(), format).unwrap();
            let back = parse_table(&bytes, format, "series").unwrap();
            prop_assert_eq!(bits(&back.data), bits(&x));
        }
    }

    #[test]
    fn a_damaged_model_file_is_an_error_never_a_panic(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        cut in any::<prop::sample::Index>(),
    ) {
        let esn = Esn::builder().units(8).seed(3).build(1, 1).unwrap();
        let part = esn.to_part().unwrap();
        let bytes = part.to_bytes().unwrap();
        let mut flipped = bytes.clone();
        let i = at.index(flipped.len());
        flipped[i] ^= byte.max(1);
        // refused, or harmless (a space of the header's padding turned into other whitespace)
        if let Ok(mut read) = ModelFile::from_bytes(&flipped) {
            read.written_by = None;
            prop_assert_eq!(read, part.clone());
        }
        let short = &bytes[..cut.index(bytes.len())];
        prop_assert!(ModelFile::from_bytes(short).is_err());
    }
}

#[test]
fn impossible_sizes_are_errors_not_allocation_panics() {
    use aquifer::init::{self, Values};
    use aquifer::readout::RidgeStats;
    let too_large = |r: aquifer::Result<()>| matches!(r, Err(aquifer::Error::TooLarge { .. }));
    assert!(too_large(
        Reservoir::builder().units(100_000_000).build(1).map(|_| ())
    ));
    assert!(too_large(
        Esn::builder()
            .units(4_000_000)
            .rc_connectivity(1.0)
            .build(1, 1)
            .map(|_| ())
    ));
    assert!(too_large(
        datasets::lorenz(&Lorenz::default(), usize::MAX / 4).map(|_| ())
    ));
    assert!(too_large(
        datasets::mackey_glass(&MackeyGlass::default(), 10_000_000_000_000).map(|_| ())
    ));
    let v = Values::uniform(-1.0, 1.0);
    assert!(too_large(
        init::random_dense(1 << 31, 1 << 31, v, 1.0, 0).map(|_| ())
    ));
    assert!(too_large(
        init::random_sparse(1 << 31, 1 << 31, v, 0.5, 0).map(|_| ())
    ));
    assert!(too_large(RidgeStats::new(10_000_000, 1).map(|_| ())));
    // a fitted network asked to generate more steps than memory holds
    let series = datasets::mackey_glass(&MackeyGlass::default(), 300).unwrap();
    let (x, y) = datasets::forecasting(&series, 1).unwrap();
    let mut esn = Esn::builder().units(20).seed(1).build(1, 1).unwrap();
    esn.fit(&[&x], &[&y], 10).unwrap();
    assert!(too_large(esn.generate(1 << 62, &x).map(|_| ())));
    // the message says what and how much
    let e = Reservoir::builder()
        .units(100_000_000)
        .build(1)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("a reservoir of 100000000 units would need about"),
        "{e}"
    );
}
