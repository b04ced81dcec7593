//! `aquifer stats` on shards, `merge`, `solve`: the model `fit` gives on all the files, bit
//! for bit when the shards are whole batches merged in order; bad statistics files refused.

mod common;

use aquifer::model::{Esn, Model};
use aquifer::traits::{Persist, Stateful};
use common::*;
use std::path::{Path, PathBuf};

/// 32 short Mackey-Glass series (files `s00.csv`...), each a different stretch.
fn series(d: &Path) -> Vec<String> {
    let mg = aquifer::datasets::mackey_glass(&Default::default(), 32 * 120 + 1).unwrap();
    (0..32)
        .map(|k| {
            let mut text = String::from("x\n");
            for t in 0..120 {
                text.push_str(&format!("{}\n", mg[(k * 120 + t, 0)]));
            }
            let name = format!("s{k:02}.csv");
            write(d, &name, &text);
            name
        })
        .collect()
}

fn path(d: &Path, name: &str) -> PathBuf {
    d.join(name)
}

/// Fits on all the files, and through 4 shards of 8 files, merged and solved.
fn both_ways(d: &Path, config: &str) -> (PathBuf, PathBuf) {
    write(d, "model.toml", config);
    let files = series(d);
    let mut fit = vec!["fit", "-c", "model.toml", "--horizon", "1", "-o", "all.aqf"];
    fit.extend(files.iter().map(String::as_str));
    ok(d, &fit);
    let mut shards = Vec::new();
    for (k, chunk) in files.chunks(8).enumerate() {
        let out = format!("shard{k}.stats");
        let mut args = vec!["stats", "-c", "model.toml", "--horizon", "1", "-o", &out];
        args.extend(chunk.iter().map(String::as_str));
        let said = ok(d, &args);
        assert!(said.contains("statistics of 8 series"), "{said}");
        shards.push(out);
    }
    let mut merge = vec!["merge", "-o", "merged.stats"];
    merge.extend(shards.iter().map(String::as_str));
    assert!(ok(d, &merge).contains("merged 4 statistics files"));
    ok(
        d,
        &[
            "solve",
            "-c",
            "model.toml",
            "merged.stats",
            "-o",
            "solved.aqf",
        ],
    );
    (path(d, "all.aqf"), path(d, "solved.aqf"))
}

#[test]
fn shards_merged_and_solved_equal_a_fit_of_all_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (all, solved) = both_ways(
        d,
        "seed = 4\nwarmup = 20\n[readout]\nridge = 1e-7\n[reservoir]\nunits = 60\n\
         spectral_radius = 1.1\nleak_rate = 0.4\n",
    );
    let a = Esn::load(&all).unwrap();
    let b = Esn::load(&solved).unwrap();
    assert_eq!(a.readout().weights(), b.readout().weights());
    assert_eq!(a.readout().intercept(), b.readout().intercept());
    assert_eq!(a.state(), b.state());
    // the two model files predict the same, bit for bit
    ok(d, &["run", "all.aqf", "s03.csv", "-o", "a.csv"]);
    ok(d, &["run", "solved.aqf", "s03.csv", "-o", "b.csv"]);
    assert_eq!(
        std::fs::read(d.join("a.csv")).unwrap(),
        std::fs::read(d.join("b.csv")).unwrap()
    );
    // merged in another order: the same model up to rounding
    ok(
        d,
        &[
            "merge",
            "shard3.stats",
            "shard1.stats",
            "shard0.stats",
            "shard2.stats",
            "-o",
            "shuffled.stats",
        ],
    );
    ok(
        d,
        &["solve", "-c", "model.toml", "shuffled.stats", "-o", "s.aqf"],
    );
    let c = Esn::load(d.join("s.aqf")).unwrap();
    let (wa, wc) = (
        a.readout().weights().unwrap(),
        c.readout().weights().unwrap(),
    );
    assert!(
        (wa - wc).norm_max() <= 1e-6 * wa.norm_max(),
        "{}",
        (wa - wc).norm_max()
    );
}

#[test]
fn an_nvar_graph_shards_as_well() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (all, solved) = both_ways(
        d,
        "warmup = 10\n[readout]\nridge = 1e-6\n[nvar]\ndelay = 3\nstrides = 1\norder = 2\n",
    );
    let a = Model::load(&all).unwrap();
    let b = Model::load(&solved).unwrap();
    assert_eq!(a.weights("y").unwrap(), b.weights("y").unwrap());
    assert_eq!(a.node_state("nvar").unwrap(), b.node_state("nvar").unwrap());
}

#[test]
fn mismatched_or_damaged_statistics_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = series(d);
    write(
        d,
        "a.toml",
        "seed = 1\nwarmup = 10\n[reservoir]\nunits = 30\n",
    );
    write(
        d,
        "b.toml",
        "seed = 2\nwarmup = 10\n[reservoir]\nunits = 30\n",
    );
    write(
        d,
        "ip.toml",
        "warmup = 10\n[reservoir]\nunits = 30\nkind = \"ip\"\n",
    );
    ok(
        d,
        &[
            "stats",
            "-c",
            "a.toml",
            "--horizon",
            "1",
            "-o",
            "a.stats",
            &files[0],
        ],
    );
    ok(
        d,
        &[
            "stats",
            "-c",
            "b.toml",
            "--horizon",
            "1",
            "-o",
            "b.stats",
            &files[1],
        ],
    );
    // another configuration: merging and solving say so
    let err = fails(d, &["merge", "a.stats", "b.stats", "-o", "ab.stats"]);
    assert!(err.contains("`config` differs"), "{err}");
    assert!(!d.join("ab.stats").exists());
    let err = fails(d, &["solve", "-c", "b.toml", "a.stats", "-o", "m.aqf"]);
    assert!(err.contains("another configuration"), "{err}");
    // a plastic reservoir cannot be sharded
    let err = fails(
        d,
        &[
            "stats",
            "-c",
            "ip.toml",
            "--horizon",
            "1",
            "-o",
            "ip.stats",
            &files[0],
        ],
    );
    assert!(
        err.contains("learns its reservoir from all the training inputs"),
        "{err}"
    );
    // a model file is not a statistics file; a truncated one is refused
    ok(
        d,
        &[
            "fit",
            "-c",
            "a.toml",
            "--horizon",
            "1",
            "-o",
            "m.aqf",
            &files[0],
        ],
    );
    let err = fails(d, &["merge", "a.stats", "m.aqf", "-o", "x.stats"]);
    assert!(err.contains("not a statistics file"), "{err}");
    let bytes = std::fs::read(d.join("a.stats")).unwrap();
    std::fs::write(d.join("cut.stats"), &bytes[..bytes.len() / 2]).unwrap();
    let err = fails(d, &["solve", "-c", "a.toml", "cut.stats", "-o", "m2.aqf"]);
    assert!(err.contains("cut.stats"), "{err}");
    assert!(!d.join("m2.aqf").exists());
}
