//! End to end: demo, fit -> model file -> run / generate, importing a reservoir, plots.

mod common;

use aquifer::faer::Mat;
use aquifer::prelude::*;
use common::*;

const CONFIG: &str = "seed = 7\nwarmup = 50\n\n[reservoir]\nunits = 120\nspectral_radius = 1.25\n\
                      leak_rate = 0.3\n\n[readout]\nridge = 1e-7\n";

#[test]
fn demo_prints_its_scores_and_draws_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &["demo", "--units", "300", "--save", "mg.aqf"]);
    let value = |key: &str| -> String {
        let line = out
            .lines()
            .find(|l| l.contains(key))
            .unwrap_or_else(|| panic!("{out}"));
        line.split_whitespace()
            .rev()
            .find(|w| w.parse::<f64>().is_ok())
            .unwrap()
            .to_string()
    };
    let nrmse: f64 = value("one-step NRMSE").parse().unwrap();
    let r2: f64 = value("one-step R2").parse().unwrap();
    let vpt: f64 = value("valid prediction time").parse().unwrap();
    assert!(nrmse < 1e-2, "{out}");
    assert!(r2 > 0.999, "{out}");
    assert!(vpt >= 100.0, "{out}");
    assert!(out.contains("fit time"), "{out}");
    assert!(out.contains("plot: aquifer-demo.png"), "{out}");
    let png = std::fs::read(d.join("aquifer-demo.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1000, 640));
    // the saved model is the demo's network
    let esn = Esn::load(d.join("mg.aqf")).unwrap();
    assert_eq!(esn.reservoir().units(), 300);
}

fn mackey_glass_csv(dir: &std::path::Path, name: &str, steps: &str, seed: &str) {
    ok(
        dir,
        &[
            "dataset",
            "mackey-glass",
            "--steps",
            steps,
            "--seed",
            seed,
            "--out",
            name,
        ],
    );
}

#[test]
fn fit_save_load_run_matches_the_library_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    mackey_glass_csv(d, "train.csv", "1500", "1");
    // longer than a chunk of steps: predictions and states are written chunk by chunk
    mackey_glass_csv(d, "test.npy", "9000", "2");
    let out = ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "train.csv",
            "--inputs",
            "x",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        out.contains("fitted 120 units on 1 series (1499 steps"),
        "{out}"
    );
    ok(
        d,
        &[
            "run",
            "m.aqf",
            "test.npy",
            "-o",
            "pred.csv",
            "--states",
            "states.npy",
        ],
    );
    let pred = read(&d.join("pred.csv"));
    let states = read(&d.join("states.npy"));
    assert_eq!((pred.nrows(), pred.ncols(), states.ncols()), (9000, 1, 120));

    // The same model made in-process from the same configuration and data.
    let cfg = aquifer_cli::config::load(&d.join("esn.toml")).unwrap();
    let mut esn = cfg.build(d, 1, 1).unwrap();
    let train = read(&d.join("train.csv"));
    let (x, y) = datasets::forecasting(&train, 1).unwrap();
    esn.fit(&[&x], &[&y], 50).unwrap();
    let test = read(&d.join("test.npy"));
    let mut loaded = Esn::load(d.join("m.aqf")).unwrap();
    let expected = esn.clone().run(&test).unwrap();
    assert_eq!(pred, expected, "CLI predictions differ from the library's");
    assert_eq!(loaded.run(&test).unwrap(), expected);
    let (_, st) = esn.run_with_states(&test).unwrap();
    assert_eq!(states, st);
    assert!(std::fs::read_to_string(d.join("pred.csv"))
        .unwrap()
        .starts_with("y0\n"));

    // --reset starts from the zero state
    ok(
        d,
        &["predict", "m.aqf", "test.npy", "--reset", "-o", "pred0.npy"],
    );
    let pred0 = read(&d.join("pred0.npy"));
    let mut fresh = Esn::load(d.join("m.aqf")).unwrap();
    fresh.reset();
    assert_eq!(pred0, fresh.run(&test).unwrap());
    // after a 100-step transient the one-step forecast of this unseen series is good
    let (_, truth) = datasets::forecasting(&test, 1).unwrap();
    let e = metrics::nrmse(
        truth.subrows(100, 499),
        pred0.subrows(100, 499),
        Norm::Range,
    )
    .unwrap();
    assert!(e < 0.01, "NRMSE {e}");
}

#[test]
fn generate_in_pieces_equals_one_closed_loop() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    mackey_glass_csv(d, "train.csv", "2000", "1");
    mackey_glass_csv(d, "warm.csv", "300", "4");
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "train.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    // 4500 steps: three pieces of the progress loop
    ok(
        d,
        &[
            "generate", "m.aqf", "--warm", "warm.csv", "--steps", "4500", "-o", "gen.npy",
        ],
    );
    let generated = read(&d.join("gen.npy"));
    let mut esn = Esn::load(d.join("m.aqf")).unwrap();
    let expected = esn.generate(4500, read(&d.join("warm.csv"))).unwrap();
    assert_eq!(generated, expected);
    // a model whose outputs are not its inputs cannot generate
    mackey_glass_csv(d, "two.csv", "400", "1");
    let lorenz = d.join("lorenz.csv");
    ok(
        d,
        &[
            "dataset",
            "lorenz",
            "--steps",
            "400",
            "--out",
            lorenz.to_str().unwrap(),
        ],
    );
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "lorenz.csv",
            "--inputs",
            "x",
            "--targets",
            "y,z",
            "-o",
            "xyz.aqf",
        ],
    );
    let e = fails(
        d,
        &[
            "generate",
            "xyz.aqf",
            "--warm",
            "lorenz.csv",
            "--inputs",
            "x",
            "--steps",
            "10",
            "-o",
            "g.csv",
        ],
    );
    assert!(e.contains("outputs are fed back"), "{e}");
}

#[test]
fn many_series_fit_in_batches_like_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "esn.toml", CONFIG);
    let mut names = Vec::new();
    for k in 0..11 {
        let name = format!("s{k}.csv");
        ok(
            d,
            &[
                "dataset",
                "narma10",
                "--steps",
                "300",
                "--seed",
                &k.to_string(),
                "--out",
                &name,
            ],
        );
        names.push(name);
    }
    let mut args = vec![
        "fit",
        "-c",
        "esn.toml",
        "--inputs",
        "u",
        "--targets",
        "y",
        "-o",
        "n.aqf",
    ];
    args.extend(names.iter().map(String::as_str));
    let o = aquifer_in(d, &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // not a terminal: no progress bar on stderr
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("on 11 series (3300 steps"));

    let cfg = aquifer_cli::config::load(&d.join("esn.toml")).unwrap();
    let mut esn = cfg.build(d, 1, 1).unwrap();
    let series: Vec<Mat<f64>> = names.iter().map(|n| read(&d.join(n))).collect();
    let xs: Vec<Mat<f64>> = series.iter().map(|s| s.subcols(0, 1).to_owned()).collect();
    let ys: Vec<Mat<f64>> = series.iter().map(|s| s.subcols(1, 1).to_owned()).collect();
    esn.fit(&xs, &ys, 50).unwrap();
    let cli = Esn::load(d.join("n.aqf")).unwrap();
    let (a, b) = (
        cli.readout().weights().unwrap(),
        esn.readout().weights().unwrap(),
    );
    let scale = b.norm_max();
    assert!(
        (a - b).norm_max() <= 1e-8 * scale,
        "batched statistics differ from one fit"
    );
    // and the state after fitting is the end of the last series, as after `fit`
    assert_eq!(cli.reservoir().state(), esn.reservoir().state());
}

#[test]
fn a_reservoirpy_reservoir_is_imported_and_reproduced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fx = fixture("reservoirpy");
    let cfg = format!(
        "warmup = 10\n[reservoir]\nleak_rate = 0.3\nw_file = {:?}\nwin_file = {:?}\nbias_file = {:?}\n",
        fx.join("W.npy"),
        fx.join("Win.npy"),
        fx.join("bias.npy")
    );
    write(d, "import.toml", &cfg);
    let input = fx.join("input.npy");
    let input = input.to_str().unwrap();
    ok(
        d,
        &[
            "fit",
            "-c",
            "import.toml",
            input,
            "--horizon",
            "1",
            "-o",
            "imp.aqf",
        ],
    );
    ok(
        d,
        &[
            "run", "imp.aqf", input, "--reset", "-o", "p.npy", "--states", "s.npy",
        ],
    );
    let ours = read(&d.join("s.npy"));
    let theirs = read(&fx.join("states.npy"));
    assert_eq!((ours.nrows(), ours.ncols()), (300, 50));
    let diff = (&ours - &theirs).norm_max();
    assert!(diff < 1e-12, "states differ from ReservoirPy's by {diff}");

    // a generation hyperparameter beside an imported matrix is refused, not ignored
    write(
        d,
        "both.toml",
        &format!("{cfg}spectral_radius = 0.5\nrc_connectivity = 0.3\n"),
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "both.toml",
            input,
            "--horizon",
            "1",
            "-o",
            "x.aqf",
        ],
    );
    assert!(e.contains("reservoir.rc_connectivity has no effect"), "{e}");
    // units must agree with the imported matrices
    write(d, "units.toml", &format!("{cfg}units = 40\n"));
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "units.toml",
            input,
            "--horizon",
            "1",
            "-o",
            "x.aqf",
        ],
    );
    assert!(e.contains("units = 40") && e.contains("50 units"), "{e}");
}

#[test]
fn plot_draws_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &["dataset", "lorenz", "--steps", "500", "--out", "l.csv"],
    );
    ok(
        d,
        &["dataset", "lorenz", "--steps", "500", "--out", "l.npy"],
    );
    let out = ok(
        d,
        &[
            "plot",
            "l.csv",
            "--columns",
            "x,z",
            "--compare",
            "l.npy",
            "--compare-columns",
            "0",
            "-o",
            "l.png",
        ],
    );
    assert!(out.contains("wrote l.png"));
    let png = std::fs::read(d.join("l.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    ok(
        d,
        &[
            "plot",
            "l.csv",
            "--from",
            "100",
            "--to",
            "300",
            "--title",
            "Lorenz attractor",
            "-o",
            "l.svg",
        ],
    );
    let svg = std::fs::read_to_string(d.join("l.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("Lorenz attractor"),
        "{}",
        &svg[..200]
    );
    let e = fails(d, &["plot", "l.csv", "--columns", "w", "-o", "w.png"]);
    assert!(e.contains("no column `w`") && e.contains("x, y, z"), "{e}");
    let e = fails(d, &["plot", "l.csv", "--from", "900", "-o", "w.png"]);
    assert!(e.contains("no rows"), "{e}");
    assert!(!d.join("w.png").exists());
}

#[test]
fn run_and_generate_take_graph_model_files() {
    use aquifer::model::Model;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a graph with an input: input -> reservoir -> ridge, plus input -> ridge
    let mut b = Model::builder();
    let u = b.input("u", 1);
    let r = b.node(
        "reservoir",
        Reservoir::builder().units(60).seed(2).build(1).unwrap(),
    );
    let out = b.ridge("readout", RidgeParams::default(), 1);
    b.connect(u, r).merge(&[u, r], out);
    let mut model = b.build().unwrap();
    let x = Mat::from_fn(400, 1, |t, _| (t as f64 * 0.2).sin());
    let y = Mat::from_fn(400, 1, |t, _| (t as f64 * 0.2 + 0.2).sin());
    model.fit(std::slice::from_ref(&x), &[y], 50).unwrap();
    model.reset();
    model.save(d.join("graph.aqm")).unwrap();
    write(
        d,
        "x.csv",
        &(std::iter::once("u".to_string()))
            .chain((0..400).map(|t| format!("{:?}", x[(t, 0)])))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let said = ok(d, &["run", "graph.aqm", "x.csv", "--out", "pred.csv"]);
    assert!(said.contains("(readout)"), "{said}");
    let expected = model.run(&x).unwrap();
    let got = read(&d.join("pred.csv"));
    assert_eq!(got, *expected.get("readout").unwrap());
    let err = fails(
        d,
        &[
            "run",
            "graph.aqm",
            "x.csv",
            "--out",
            "p.csv",
            "--states",
            "s.csv",
        ],
    );
    assert!(err.contains("--states needs an ESN"), "{err}");
    // a generator: reservoir <-> readout feedback, warmed up on the teacher signal
    let mut b = Model::builder();
    let r = b.node(
        "reservoir",
        Reservoir::builder()
            .units(100)
            .spectral_radius(0.9)
            .leak_rate(0.5)
            .input_connectivity(1.0)
            .seed(1)
            .build(1)
            .unwrap(),
    );
    let out = b.ridge(
        "readout",
        RidgeParams {
            ridge: 1e-8,
            fit_bias: true,
        },
        1,
    );
    b.connect(r, out).feedback(out, r);
    let mut gen = b.build().unwrap();
    let s = Mat::from_fn(1000, 1, |t, _| (t as f64 * 0.1).sin());
    gen.fit(&[Mat::<f64>::zeros(1000, 0)], std::slice::from_ref(&s), 100)
        .unwrap();
    gen.reset();
    gen.save(d.join("gen.aqm")).unwrap();
    write(
        d,
        "warm.csv",
        &(std::iter::once("y".to_string()))
            .chain((0..300).map(|t| format!("{:?}", s[(t, 0)])))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    ok(
        d,
        &[
            "generate", "gen.aqm", "--warm", "warm.csv", "--steps", "200", "--out", "g.csv",
        ],
    );
    let expected = gen.generate(200, s.subrows(0, 300)).unwrap();
    assert_eq!(read(&d.join("g.csv")), *expected.get("readout").unwrap());
}

#[test]
fn the_kuramoto_sivashinsky_dataset_is_written_with_one_column_per_grid_point() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(
        d,
        &[
            "dataset",
            "kuramoto-sivashinsky",
            "--steps",
            "30",
            "-o",
            "ks.csv",
        ],
    );
    assert!(out.contains("wrote 30 x 128"), "{out}");
    let text = std::fs::read_to_string(d.join("ks.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!((header[0], header[127], header.len()), ("u0", "u127", 128));
    let lib = aquifer::datasets::kuramoto_sivashinsky(&Default::default(), 30).unwrap();
    let last: Vec<f64> = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((0..128).all(|j| (last[j] - lib[(29, j)]).abs() < 1e-12));
}
