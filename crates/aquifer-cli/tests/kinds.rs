//! Every kind of model from a configuration: `[reservoir] kind = "ip" | "es2n" | "local"` and
//! `[nvar]`, fitted, scored, run and generated from the shell as the library would.

mod common;

use aquifer::faer::Mat;
use aquifer::io::read as read_model;
use aquifer::metrics::Norm;
use aquifer::model::{Esn, Model};
use aquifer::nodes::{LocalParams, LocalReservoir, LocalRule};
use aquifer::prelude::*;
use aquifer::traits::Persist;
use common::*;
use std::path::Path;

/// The NRMSE of the first target in the output of `aquifer score`.
fn scored_nrmse(out: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with('x'))
        .unwrap_or_else(|| panic!("{out}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Fits `config` on Mackey-Glass one step ahead, then scores it on a later stretch.
fn fit_and_score(d: &Path, name: &str, config: &str) -> (String, f64) {
    write(d, &format!("{name}.toml"), config);
    let fitted = ok(
        d,
        &[
            "fit",
            "-c",
            &format!("{name}.toml"),
            "train.csv",
            "--horizon",
            "1",
            "-o",
            &format!("{name}.aqf"),
        ],
    );
    let scored = ok(d, &["score", &format!("{name}.aqf"), "test.csv"]);
    (fitted, scored_nrmse(&scored))
}

fn mackey_glass(d: &Path) {
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "3000", "-o", "mg.csv"],
    );
    let mg = read(&d.join("mg.csv"));
    let part = |from: usize, rows: usize, name: &str| {
        let text: String = std::iter::once("x".to_string())
            .chain((from..from + rows).map(|t| mg[(t, 0)].to_string()))
            .collect::<Vec<_>>()
            .join("\n");
        write(d, name, &text);
    };
    part(0, 2000, "train.csv");
    part(2000, 1000, "test.csv");
    part(2000, 500, "warm.csv");
}

#[test]
fn every_kind_fits_scores_runs_and_generates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mackey_glass(d);
    let reservoir = "seed = 3\nwarmup = 100\n[readout]\nridge = 1e-8\n[reservoir]\nunits = 200\n\
                     spectral_radius = 1.25\n";
    let kinds = [
        (
            "leaky",
            format!("{reservoir}leak_rate = 0.3\n"),
            "200 units",
        ),
        (
            "ip",
            format!("{reservoir}kind = \"ip\"\nleak_rate = 0.3\nsigma = 0.5\neta = 1e-4\n"),
            "an IP reservoir of 200 units",
        ),
        (
            "es2n",
            format!("{reservoir}kind = \"es2n\"\nproximity = 0.6\n"),
            "an ES2N of 200 units",
        ),
        (
            "local",
            format!("{reservoir}kind = \"local\"\nleak_rate = 0.3\nrule = \"anti-oja\"\nsynapse_normalization = true\n"),
            "200 units",
        ),
        (
            "nvar",
            "warmup = 100\n[readout]\nridge = 1e-8\n[nvar]\ndelay = 5\nstrides = 1\n\
             order = 3\nmonomials = \"up_to\"\nconstant = true\n"
                .to_string(),
            "an NVAR of 56 features",
        ),
    ];
    for (kind, config, what) in kinds {
        let (fitted, nrmse) = fit_and_score(d, kind, &config);
        println!("{kind}: one-step NRMSE {nrmse:.2e}");
        assert!(
            fitted.contains(&format!("fitted {what} on 1 series")),
            "{fitted}"
        );
        assert!(nrmse < 0.05, "{kind}: NRMSE {nrmse}");
        let info = ok(d, &["info", &format!("{kind}.aqf")]);
        assert!(info.contains(&format!("\"kind\": \"{kind}\"")), "{info}");
        // predictions are the columns y0, ... whatever the kind, and closed loop runs
        ok(
            d,
            &[
                "run",
                &format!("{kind}.aqf"),
                "test.csv",
                "-o",
                "p.csv",
                "--reset",
            ],
        );
        let header = std::fs::read_to_string(d.join("p.csv")).unwrap();
        assert!(header.starts_with("y0\n"), "{kind}: {}", &header[..20]);
        ok(
            d,
            &[
                "generate",
                &format!("{kind}.aqf"),
                "--warm",
                "warm.csv",
                "--steps",
                "50",
                "-o",
                "g.csv",
                "--reset",
            ],
        );
        // the closed loop follows the series for a while (row k estimates row 500 + k)
        let (g, truth) = (read(&d.join("g.csv")), read(&d.join("test.csv")));
        assert_eq!(g.nrows(), 50);
        let drift = (0..10)
            .map(|k| (g[(k, 0)] - truth[(500 + k, 0)]).abs())
            .fold(0.0, f64::max);
        println!("{kind}: closed loop off by {drift:.1e} over 10 steps");
        assert!(drift < 0.02, "{kind}: closed loop off by {drift}");
    }
}

#[test]
fn a_local_reservoir_from_the_shell_learns_as_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mackey_glass(d);
    write(
        d,
        "local.toml",
        "seed = 5\nwarmup = 20\n[reservoir]\nkind = \"local\"\nunits = 60\nrule = \"bcm\"\n\
         bcm_theta = 0.1\neta = 0.01\nsynapse_normalization = true\nepochs = 2\n",
    );
    ok(
        d,
        &[
            "fit",
            "-c",
            "local.toml",
            "train.csv",
            "--horizon",
            "1",
            "-o",
            "l.aqf",
        ],
    );
    let esn = Esn::from_part(&read_model(d.join("l.aqf")).unwrap()).unwrap();
    let x = read(&d.join("train.csv"));
    let x = x.subrows(0, x.nrows() - 1).to_owned();
    let mut local = LocalReservoir::builder()
        .units(60)
        .seed(5)
        .build(
            1,
            LocalParams {
                rule: LocalRule::Bcm,
                learning_rate: 0.01,
                bcm_theta: 0.1,
                synapse_normalization: true,
                epochs: 2,
            },
        )
        .unwrap();
    let drawn = local.reservoir().w().val().to_vec();
    local.fit(&[&x], 20).unwrap();
    assert_eq!(esn.reservoir().w().val(), local.reservoir().w().val());
    assert_ne!(esn.reservoir().w().val(), &drawn[..]);
}

#[test]
fn an_nvar_from_the_shell_predicts_as_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["dataset", "lorenz", "--steps", "1200", "-o", "l.csv"]);
    write(
        d,
        "nvar.toml",
        "warmup = 2\n[readout]\nridge = 1e-6\n[nvar]\ndelay = 2\nconstant = true\n",
    );
    ok(
        d,
        &[
            "fit",
            "-c",
            "nvar.toml",
            "l.csv",
            "--horizon",
            "1",
            "-o",
            "n.aqf",
        ],
    );
    ok(d, &["run", "n.aqf", "l.csv", "-o", "p.csv", "--reset"]);
    let shell = read(&d.join("p.csv"));

    let l = read(&d.join("l.csv"));
    let (x, y) = (l.subrows(0, 1199).to_owned(), l.subrows(1, 1199).to_owned());
    let mut b = Model::builder();
    let u = b.input("u", 3);
    let n = b.node(
        "nvar",
        aquifer::nodes::Nvar::builder()
            .delay(2)
            .constant(true)
            .build(3)
            .unwrap(),
    );
    let r = b.ridge(
        "y",
        aquifer::readout::RidgeParams {
            ridge: 1e-6,
            fit_bias: true,
        },
        3,
    );
    b.chain(&[u, n, r]);
    let mut model = b.build().unwrap();
    model
        .fit(std::slice::from_ref(&x), std::slice::from_ref(&y), 2)
        .unwrap();
    model.reset();
    let lib = model.run(&l).unwrap().get("y").unwrap().to_owned();
    assert_eq!((shell.nrows(), shell.ncols()), (1200, 3));
    let worst = (0..1200)
        .flat_map(|t| (0..3).map(move |j| (t, j)))
        .map(|(t, j)| (shell[(t, j)] - lib[(t, j)]).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-9, "{worst}");
    let e =
        aquifer::metrics::nrmse(y.subrows(10, 1189), shell.subrows(10, 1189), Norm::Std).unwrap();
    assert!(e < 0.01, "{e}");
}

#[test]
fn keys_that_do_not_apply_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = Mat::from_fn(50, 1, |t, _| (t as f64 * 0.2).sin());
    let text: String = std::iter::once("x".to_string())
        .chain((0..50).map(|t| data[(t, 0)].to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    write(d, "s.csv", &text);
    let fit = |config: &str| {
        write(d, "c.toml", config);
        fails(
            d,
            &[
                "fit",
                "-c",
                "c.toml",
                "s.csv",
                "--horizon",
                "1",
                "-o",
                "m.aqf",
            ],
        )
    };
    let e = fit("[reservoir]\nunits = 10\nkind = \"ip\"\nproximity = 0.5\n");
    assert!(
        e.contains("line 4") && e.contains("reservoir.proximity") && e.contains("\"es2n\""),
        "{e}"
    );
    let e = fit("[reservoir]\nkind = \"es2n\"\nunits = 10\nleak_rate = 0.5\n");
    assert!(e.contains("line 4") && e.contains("leak_rate"), "{e}");
    let e = fit("[reservoir]\nunits = 10\nrule = \"oja\"\n");
    assert!(e.contains("line 3") && e.contains("\"local\""), "{e}");
    let e = fit("[reservoir]\nunits = 10\n[nvar]\ndelay = 2\n");
    assert!(e.contains("line 3") && e.contains("keep one"), "{e}");
    let e = fit("seed = 1\n");
    assert!(e.contains("[reservoir]") && e.contains("[nvar]"), "{e}");
    let e = fit("[nvar]\norder = 0\n");
    assert!(e.contains("line 2") && e.contains("order"), "{e}");
    let e = fit("[nvar]\n[readout]\ninput_to_readout = true\n");
    assert!(e.contains("line 3") && e.contains("linear part"), "{e}");
    let e = fit("[reservoir]\nkind = \"ip\"\nunits = 10\nactivation = \"relu\"\n");
    assert!(e.contains("activation"), "{e}");
    let e = fit("[reservoir]\nkind = \"local\"\nunits = 10\neta = -1.0\n");
    assert!(e.contains("line 4") && e.contains("learning_rate"), "{e}");
    let e = fit("[reservoir]\nkind = \"local\"\nunits = 10\nrule = \"hebb\"\n");
    assert!(e.contains("line 4") && e.contains("hebbian"), "{e}");
    let e = fit("[reservoir]\nkind = \"gru\"\n");
    assert!(e.contains("line 2") && e.contains("es2n"), "{e}");
    assert!(!d.join("m.aqf").exists());
}
