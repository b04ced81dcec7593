//! Input a hostile or careless user might give: every case ends in one clear error line (or the
//! right result), within the time limit, never a panic, an abort or a hang.

mod common;

use common::*;

#[test]
fn extreme_values_are_plotted_on_a_scaled_axis() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // the axis range 1e308 - (-1e308) overflows to infinity unless the values are scaled
    write(d, "huge.csv", "x\n1e308\n-1e308\n0\n");
    ok(d, &["plot", "huge.csv", "-o", "huge.png"]);
    write(
        d,
        "max.csv",
        "x\n1.7976931348623157e308\n1.7976931348623157e308\n",
    );
    ok(d, &["plot", "max.csv", "-o", "max.svg"]);
    let svg = std::fs::read_to_string(d.join("max.svg")).unwrap();
    assert!(svg.contains("x 1e308"), "the axis names its scale");
    // a single row is drawn as a point; tiny values get their own decimals
    write(d, "one.csv", "y\n3e-5\n");
    ok(d, &["plot", "one.csv", "-o", "one.svg"]);
    let svg = std::fs::read_to_string(d.join("one.svg")).unwrap();
    assert!(svg.contains("<circle"), "one row is a point");
    assert!(
        svg.contains("y (x 1e-5)"),
        "the y axis is named after the column"
    );
}

#[test]
fn sizes_that_cannot_fit_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.csv", "x\n0.1\n0.2\n0.3\n0.4\n0.5\n0.6\n");
    write(d, "huge.toml", "[reservoir]\nunits = 100000000\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "huge.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("100000000 units (reservoir.units) would need about"),
        "{e}"
    );
    for (args, option) in [
        (
            &["demo", "--units", "100000000", "-o", "d.png"][..],
            "(--units)",
        ),
        (
            &["bench", "harvest", "--units", "100000000"][..],
            "(--units)",
        ),
        (
            &["bench", "harvest", "--steps", "18446744073709551615"][..],
            "(--steps)",
        ),
        (
            &[
                "dataset",
                "lorenz",
                "--steps",
                "18446744073709551615",
                "--out",
                "l.csv",
            ][..],
            "(--steps)",
        ),
        (
            &[
                "dataset",
                "mackey-glass",
                "--steps",
                "10000000000000",
                "--out",
                "l.csv",
            ][..],
            "(--steps)",
        ),
        (
            &[
                "plot", "s.csv", "-o", "p.png", "--width", "100000", "--height", "100000",
            ][..],
            "--width and --height must lie in 1..=16384",
        ),
        (
            &["plot", "s.csv", "-o", "p.png", "--width", "4294967295"][..],
            "--width and --height",
        ),
    ] {
        let e = fails(d, args);
        assert!(e.contains(option), "{args:?}: {e}");
    }
    // large but possible: refused above --max-memory, with the bound that would allow it
    write(d, "big.toml", "[reservoir]\nunits = 50000\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "big.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("50000 units (reservoir.units) would need about")
            && (e.contains("pass --max-memory") || e.contains("of memory available")),
        "{e}"
    );
    let e = fails(
        d,
        &[
            "--max-memory",
            "1M",
            "dataset",
            "lorenz",
            "--steps",
            "100000",
            "--out",
            "l.csv",
        ],
    );
    assert!(
        e.contains("more than --max-memory 1.0 MB; pass --max-memory 1G"),
        "{e}"
    );
    assert!(!d.join("m.aqf").exists() && !d.join("l.csv").exists());
    let e = fails(d, &["--max-memory", "lots", "info", "m.aqf"]);
    assert!(e.contains("--max-memory") && e.contains("`lots`"), "{e}");
}

#[test]
fn a_generation_too_long_for_memory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &[
            "dataset",
            "mackey-glass",
            "--steps",
            "400",
            "--out",
            "mg.csv",
        ],
    );
    write(d, "esn.toml", "[reservoir]\nunits = 20\n");
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "mg.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    let e = fails(
        d,
        &[
            "generate",
            "m.aqf",
            "--warm",
            "mg.csv",
            "--steps",
            "100000000000",
            "-o",
            "g.csv",
        ],
    );
    assert!(
        e.contains("100000000000 steps (--steps) would need about 800.0 GB"),
        "{e}"
    );
}

#[test]
fn a_malformed_first_line_is_an_error_and_numeric_headers_are_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "comma.csv", "1,\n2,3\n4,5\n");
    let e = fails(d, &["plot", "comma.csv", "-o", "p.png"]);
    assert!(e.contains("line 1, column 2: empty value"), "{e}");
    write(d, "dots.csv", "1.2.3,4\n2,3\n");
    let e = fails(d, &["plot", "dots.csv", "-o", "p.png"]);
    assert!(
        e.contains("line 1, column 1: `1.2.3` is not a number"),
        "{e}"
    );
    // pandas' header of numbers: data by default, names with --header yes
    write(d, "pandas.csv", "0,1\n5,6\n7,8\n");
    write(d, "esn.toml", "warmup = 0\n[reservoir]\nunits = 10\n");
    let fit = |header: &str| {
        let args = [
            "--header",
            header,
            "fit",
            "-c",
            "esn.toml",
            "pandas.csv",
            "--inputs",
            "0",
            "--targets",
            "1",
            "-o",
            "m.aqf",
        ];
        ok(d, &args)
    };
    assert!(fit("auto").contains("(3 steps"), "three rows of data");
    assert!(fit("yes").contains("(2 steps"), "a header and two rows");
    let e = fails(d, &["--header", "no", "plot", "esn.toml", "-o", "p.png"]);
    assert!(e.contains("is not a number"), "{e}");
    // hints for the usual mistakes
    write(d, "semi.csv", "a;b\n1;2\n");
    let e = fails(d, &["plot", "semi.csv", "-o", "p.png"]);
    assert!(e.contains("seems to use semicolons"), "{e}");
    write(d, "over.csv", "x\n1e400\n");
    let e = fails(d, &["plot", "over.csv", "-o", "p.png"]);
    assert!(e.contains("`1e400` overflows a 64-bit float"), "{e}");
}

#[test]
fn outputs_never_overwrite_inputs_or_each_other_and_match_their_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "300", "-o", "s.csv"],
    );
    write(d, "esn.toml", "[reservoir]\nunits = 20\n");
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    let before = std::fs::read(d.join("s.csv")).unwrap();
    for (args, says) in [
        (
            &[
                "run", "m.aqf", "s.csv", "-o", "p.csv", "--states", "./p.csv",
            ][..],
            "--states and --out both name",
        ),
        (
            &["run", "m.aqf", "s.csv", "-o", "s.csv"][..],
            "would overwrite the input",
        ),
        (
            &[
                "fit",
                "-c",
                "esn.toml",
                "s.csv",
                "--horizon",
                "1",
                "-o",
                "s.csv",
            ][..],
            "would overwrite the input",
        ),
        (
            &[
                "fit",
                "-c",
                "esn.toml",
                "s.csv",
                "--horizon",
                "1",
                "-o",
                "esn.toml",
            ][..],
            "would overwrite the input",
        ),
        (
            &["plot", "s.csv", "-o", "s.csv"][..],
            "would overwrite the input",
        ),
        (
            &[
                "fit",
                "-c",
                "esn.toml",
                "s.csv",
                "--horizon",
                "1",
                "-o",
                "m.csv",
            ][..],
            "a model file must not be named like a series",
        ),
        (
            &["plot", "s.csv", "-o", "p.jpg"][..],
            "a picture is written as PNG",
        ),
        (
            &["run", "m.aqf", "s.csv", "-o", "p.npz"][..],
            "a series is written as CSV",
        ),
        (
            &["run", "m.aqf", "s.csv", "-o", "p.png"][..],
            "a series is written as CSV",
        ),
        (
            &[
                "generate", "m.aqf", "--warm", "s.csv", "--steps", "5", "-o", "m.aqf",
            ][..],
            "would overwrite the input",
        ),
    ] {
        let e = fails(d, args);
        assert!(e.contains(says), "{args:?}: {e}");
    }
    assert_eq!(std::fs::read(d.join("s.csv")).unwrap(), before);
    assert!(!d.join("p.csv").exists());
}

#[test]
fn a_command_writing_several_files_leaves_none_when_it_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "300", "-o", "s.csv"],
    );
    write(d, "esn.toml", "[reservoir]\nunits = 20\n");
    ok(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    // the states cannot be written (no such folder): no predictions either
    fails(
        d,
        &[
            "run",
            "m.aqf",
            "s.csv",
            "-o",
            "p.csv",
            "--states",
            "nowhere/s.npy",
        ],
    );
    // the model cannot be saved: no plot either
    fails(
        d,
        &[
            "demo",
            "--units",
            "20",
            "-o",
            "d.png",
            "--save",
            "nowhere/m.aqf",
        ],
    );
    // a folder output in the way is refused before anything is written
    std::fs::create_dir(d.join("jv")).unwrap();
    write(d, "jv/keep.txt", "mine");
    let e = fails(d, &["dataset", "japanese-vowels", "-o", "jv"]);
    assert!(e.contains("the folder exists and is not empty"), "{e}");
    let mut left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["esn.toml", "jv", "m.aqf", "s.csv"]);
    // and written whole when it can be
    ok(d, &["dataset", "japanese-vowels", "-o", "vowels"]);
    assert_eq!(std::fs::read_dir(d.join("vowels")).unwrap().count(), 640);
}

#[test]
fn misleading_messages_name_the_real_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "300", "-o", "s.csv"],
    );
    // a connectivity too low to hold a cycle is named, not the spectral radius
    write(
        d,
        "sparse.toml",
        "[reservoir]\nunits = 20\nrc_connectivity = 1e-9\n",
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "sparse.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("`rc_connectivity`") && e.contains("too sparse for 20 units"),
        "{e}"
    );
    // a warm-up longer than a file names the file
    write(d, "short.csv", "x\n1\n2\n3\n");
    write(d, "esn.toml", "warmup = 10\n[reservoir]\nunits = 20\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "s.csv",
            "short.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("short.csv: 2 rows (after the horizon): too short for warmup = 10"),
        "{e}"
    );
    // --steps 0 by its option's name
    let e = fails(d, &["dataset", "lorenz", "--steps", "0", "-o", "l.csv"]);
    assert!(e.contains("--steps must be at least 1"), "{e}");
    // `predict --help` is about predict
    let help = ok(d, &["predict", "--help"]);
    assert!(help.contains("Usage: aquifer predict"), "{help}");
    // a long output name still gets its temporary file
    let long = format!("{}.csv", "n".repeat(250));
    ok(d, &["dataset", "lorenz", "--steps", "10", "-o", &long]);
    assert!(d.join(&long).exists());
    // a .npy array without columns
    let mut npy = Vec::new();
    {
        use npyz::WriterBuilder;
        let w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&[5, 0])
            .writer(&mut npy)
            .begin_nd()
            .unwrap();
        w.finish().unwrap();
    }
    std::fs::write(d.join("empty.npy"), npy).unwrap();
    let e = fails(d, &["plot", "empty.npy", "-o", "p.png"]);
    assert!(e.contains("has no columns"), "{e}");
}

#[test]
fn a_series_stored_features_by_time_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 3 rows of 100,000 columns: with the inputs fed to the readout, 100,100 features
    let mut npy = Vec::new();
    {
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&[3, 100_000])
            .writer(&mut npy)
            .begin_nd()
            .unwrap();
        for k in 0..300_000 {
            w.push(&((k % 7) as f64 * 0.1)).unwrap();
        }
        w.finish().unwrap();
    }
    std::fs::write(d.join("wide.npy"), npy).unwrap();
    write(
        d,
        "esn.toml",
        "[reservoir]\nunits = 100\n[readout]\ninput_to_readout = true\n",
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "wide.npy",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains(
            "100 units and 100000 input columns (reservoir.units, readout.input_to_readout)"
        ) && e.contains("has 2 rows and 100000 columns: a series is one row per time step"),
        "{e}"
    );
}

#[test]
fn run_reads_the_training_columns_by_name_and_starts_as_training_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // two short series of inputs u, v and a target y
    let series = |phase: f64, swap: bool| {
        let mut text = String::from(if swap { "y,v,u\n" } else { "u,v,y\n" });
        for t in 0..80 {
            let (u, v) = ((t as f64 * 0.3 + phase).sin(), (t as f64 * 0.1).cos());
            let y = u * v;
            text += &if swap {
                format!("{y},{v},{u}\n")
            } else {
                format!("{u},{v},{y}\n")
            };
        }
        text
    };
    write(d, "a.csv", &series(0.0, false));
    write(d, "b.csv", &series(1.0, false));
    write(d, "swapped.csv", &series(2.0, true));
    write(d, "plain.csv", &series(2.0, false));
    write(
        d,
        "esn.toml",
        "seed = 7\nwarmup = 5\n[reservoir]\nunits = 30\n",
    );
    let fit = [
        "fit",
        "-c",
        "esn.toml",
        "a.csv",
        "b.csv",
        "--inputs",
        "u,v",
        "--targets",
        "y",
        "-o",
        "m.aqf",
    ];
    ok(d, &fit);
    // columns are found by name, whatever their order
    let o = aquifer_in(d, &["run", "m.aqf", "swapped.csv", "-o", "p1.csv"]);
    assert!(o.status.success());
    let note = String::from_utf8_lossy(&o.stderr);
    assert!(
        note.contains("fitted on 2 series, each from the zero state: started from zero"),
        "{note}"
    );
    ok(d, &["run", "m.aqf", "plain.csv", "-o", "p2.csv"]);
    assert_eq!(read(&d.join("p1.csv")), read(&d.join("p2.csv")));
    // several series: from zero by default, as --reset; --continue goes on
    ok(d, &["run", "m.aqf", "plain.csv", "--reset", "-o", "p3.csv"]);
    assert_eq!(read(&d.join("p2.csv")), read(&d.join("p3.csv")));
    ok(
        d,
        &["run", "m.aqf", "plain.csv", "--continue", "-o", "p4.csv"],
    );
    assert_ne!(read(&d.join("p2.csv")), read(&d.join("p4.csv")));
    // a missing column is named
    write(d, "partial.csv", "u,w\n0.1,0.2\n0.3,0.4\n");
    let e = fails(d, &["run", "m.aqf", "partial.csv", "-o", "p5.csv"]);
    assert!(
        e.contains("no column v (the model's inputs are u, v"),
        "{e}"
    );
    // files named differently at fit time are refused
    write(
        d,
        "other.csv",
        &series(0.0, false).replacen("u,v,y", "p,q,y", 1),
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "esn.toml",
            "a.csv",
            "other.csv",
            "--inputs",
            "0,1",
            "--targets",
            "2",
            "-o",
            "n.aqf",
        ],
    );
    assert!(e.contains("columns p,q -> y where"), "{e}");
    // info says what the model was made from
    let info = ok(d, &["info", "m.aqf"]);
    for needle in [
        "written by: aquifer",
        "\"seed\": 7",
        "\"warmup\": 5",
        "\"spectral_radius\": 1.0",
        "\"series\": 2",
        "\"u\"",
    ] {
        assert!(info.contains(needle), "{needle}: {info}");
    }
}

#[test]
fn out_of_range_values_name_the_file_and_line_and_overflow_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(
        d,
        &["dataset", "mackey-glass", "--steps", "2000", "-o", "s.csv"],
    );
    write(
        d,
        "lr.toml",
        "seed = 1\n[reservoir]\nunits = 20\nleak_rate = 2.0\n",
    );
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "lr.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("lr.toml: line 4: invalid value for `leak_rate`: 2"),
        "{e}"
    );
    write(d, "sr.toml", "[reservoir]\nsr = -1.0\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "sr.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("sr.toml: line 2: invalid value for `spectral_radius`"),
        "{e}"
    );
    write(d, "ridge.toml", "[reservoir]\n[readout]\nridge = -1\n");
    let e = fails(
        d,
        &[
            "fit",
            "-c",
            "ridge.toml",
            "s.csv",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
        ],
    );
    assert!(
        e.contains("ridge.toml: line 3: invalid value for `ridge`"),
        "{e}"
    );
    // an unstable linear reservoir fitted on a few steps overflows on a long run
    write(
        d,
        "short.csv",
        "x\n0.5\n0.6\n0.7\n0.8\n0.9\n0.8\n0.7\n0.6\n0.5\n0.4\n",
    );
    write(
        d,
        "unstable.toml",
        "[reservoir]\nunits = 20\nrc_connectivity = 0.5\nspectral_radius = 3.0\nactivation = \"identity\"\n",
    );
    ok(
        d,
        &[
            "fit",
            "-c",
            "unstable.toml",
            "short.csv",
            "--horizon",
            "1",
            "-o",
            "u.aqf",
        ],
    );
    let e = fails(d, &["run", "u.aqf", "s.csv", "-o", "p.csv"]);
    assert!(e.contains("reservoir states, which overflowed"), "{e}");
}
