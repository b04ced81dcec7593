"""Model files shared with the command line and the Rust crate; pickling through those bytes."""

import multiprocessing as mp
import pickle
import subprocess

import numpy as np
import pytest

import aquifer


@pytest.fixture(scope="module")
def mg():
    return aquifer.datasets.mackey_glass(1500)


def fitted_objects(mg):
    esn = aquifer.ESN(units=100, lr=0.3, sr=1.25, ridge=1e-7, seed=0).fit(mg[:1000], mg[1:1001], warmup=50)
    model = aquifer.Reservoir(60, lr=0.3, seed=1) >> aquifer.Ridge(1e-7)
    model.fit(mg[:1000], mg[1:1001], warmup=50)
    nvar = aquifer.NVAR(delay=2, order=2) >> aquifer.Ridge(1e-6)
    nvar.fit(mg[:1000], mg[1:1001])
    reservoir = aquifer.Reservoir(30, seed=2)
    reservoir.run(mg[:10])
    ridge = aquifer.Ridge(1e-6).fit(mg[:100], mg[1:101])
    return {"esn": esn, "model": model, "nvar": nvar, "reservoir": reservoir, "ridge": ridge}


def outputs(obj, x):
    if isinstance(obj, aquifer.Node) and not isinstance(obj, aquifer.Ridge):
        obj.reset()
    elif hasattr(obj, "reset"):
        obj.reset()
    return obj.run(x)


def test_save_load_and_pickle_round_trips(mg, tmp_path):
    for name, obj in fitted_objects(mg).items():
        ref = outputs(obj, mg[1000:1200])
        path = tmp_path / f"{name}.aqf"
        obj.save(str(path))
        loaded = aquifer.load(path)
        assert np.array_equal(outputs(loaded, mg[1000:1200]), ref), name
        again = pickle.loads(pickle.dumps(obj))
        assert np.array_equal(outputs(again, mg[1000:1200]), ref), name
    # no file is left beside the model
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".aqf"] * 5


def test_unfitted_objects_pickle_with_their_hyperparameters():
    r = aquifer.Reservoir(40, lr=0.2, sr=0.8, seed=9)
    r2 = pickle.loads(pickle.dumps(r))
    x = np.ones((5, 1))
    assert np.array_equal(r.run(x), r2.run(x))
    esn = pickle.loads(pickle.dumps(aquifer.ESN(units=20, seed=1)))
    assert esn.fitted is False
    m = pickle.loads(pickle.dumps(aquifer.Reservoir(10, seed=1) >> aquifer.Ridge()))
    assert len(m.nodes) == 2


def test_gated_and_lsm_pickle(tmp_path):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(10, 2)) for _ in range(20)]
    labels = np.arange(20) % 2
    for model in (
        aquifer.GatedModel(units=8, epochs=2, seed=0).fit(xs, labels, task="classes"),
        aquifer.LSMClassifier(units=20, epochs=2, seed=0).fit(xs, labels),
    ):
        again = pickle.loads(pickle.dumps(model))
        assert np.array_equal(again.classify(xs), model.classify(xs))
        model.save(str(tmp_path / "m.aqf"))
        assert np.array_equal(aquifer.load(tmp_path / "m.aqf").classify(xs), model.classify(xs))


def test_objects_cross_process_boundaries(mg):
    """Fresh interpreters (spawn) receive pickled models and run them as here."""
    esn = fitted_objects(mg)["esn"].reset()
    model = fitted_objects(mg)["model"].reset()
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        outs = pool.starmap_async(aquifer.ESN.run, [(esn, mg[1000:1100])] * 2).get(timeout=120)
        graph_out = pool.starmap_async(aquifer.Model.run, [(model, mg[1000:1100])]).get(timeout=120)
    ref = esn.run(mg[1000:1100])
    for o in outs:
        assert np.array_equal(o, ref)
    assert np.array_equal(graph_out[0], model.run(mg[1000:1100]))


def test_the_command_line_reads_python_models_bit_for_bit(mg, tmp_path, cli):
    esn = aquifer.ESN(units=100, lr=0.3, sr=1.25, ridge=1e-7, seed=0).fit(mg[:1000], mg[1:1001], warmup=50)
    esn.save(str(tmp_path / "esn.aqf"))
    np.save(tmp_path / "x.npy", mg[1000:1300])
    subprocess.run(
        [cli, "run", "--quiet", "--reset", str(tmp_path / "esn.aqf"), str(tmp_path / "x.npy"), "--out", str(tmp_path / "y.npy")],
        check=True,
    )
    assert np.array_equal(np.load(tmp_path / "y.npy"), esn.reset().run(mg[1000:1300]))


def test_python_reads_models_of_the_command_line_bit_for_bit(mg, tmp_path, cli):
    np.save(tmp_path / "train.npy", mg[:1000])
    (tmp_path / "esn.toml").write_text(
        "seed = 4\nwarmup = 50\n\n[reservoir]\nunits = 100\nleak_rate = 0.3\n"
        "spectral_radius = 1.25\n\n[readout]\nridge = 1e-7\n"
    )
    subprocess.run(
        [cli, "fit", "--quiet", "--config", str(tmp_path / "esn.toml"), "--horizon", "1", str(tmp_path / "train.npy"), "--out", str(tmp_path / "m.aqf")],
        check=True,
    )
    np.save(tmp_path / "x.npy", mg[1000:1300])
    subprocess.run(
        [cli, "run", "--quiet", "--reset", str(tmp_path / "m.aqf"), str(tmp_path / "x.npy"), "--out", str(tmp_path / "y.npy")],
        check=True,
    )
    esn = aquifer.load(tmp_path / "m.aqf")
    assert isinstance(esn, aquifer.ESN)
    assert np.array_equal(esn.reset().run(mg[1000:1300]), np.load(tmp_path / "y.npy"))


def test_damaged_files_are_refused(mg, tmp_path):
    esn = fitted_objects(mg)["esn"]
    esn.save(str(tmp_path / "m.aqf"))
    data = bytearray((tmp_path / "m.aqf").read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(aquifer.AquiferError, match="checksum|corrupt|damaged"):
        aquifer.loads(bytes(data))
    with pytest.raises(aquifer.AquiferError):
        aquifer.loads(bytes(data[:100]))
    with pytest.raises(OSError):
        aquifer.load(tmp_path / "missing.aqf")
