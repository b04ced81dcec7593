"""The ReservoirPy vocabulary backed by the core: nodes, graphs, ESN, online learning,
generation, state, NVAR, plastic reservoirs, gated and spiking models, datasets, metrics."""

import numpy as np
import pytest

import aquifer


@pytest.fixture(scope="module")
def mg():
    return aquifer.datasets.mackey_glass(3000)


def test_reservoir_hyperparameters_and_seed():
    a = aquifer.Reservoir(100, lr=0.3, sr=1.25, input_scaling=0.5, rc_connectivity=0.2, bias=0.1, seed=7)
    b = aquifer.Reservoir(100, lr=0.3, sr=1.25, input_scaling=0.5, rc_connectivity=0.2, bias=0.1, seed=7)
    c = aquifer.Reservoir(100, lr=0.3, sr=1.25, input_scaling=0.5, rc_connectivity=0.2, bias=0.1, seed=8)
    x = np.sin(np.arange(100) / 5.0)
    assert np.array_equal(a.run(x), b.run(x))
    assert not np.array_equal(a.reset().run(x), c.run(x))
    # the spectral radius is the one asked for
    eig = np.abs(np.linalg.eigvals(a.W.toarray())).max()
    assert abs(eig - 1.25) < 1e-8
    assert abs(a.W.nnz / 100**2 - 0.2) < 0.01
    assert np.allclose(a.bias, 0.1)
    assert set(np.unique(a.Win)) <= {-0.5, 0.0, 0.5}


def test_model_fit_run_and_node_access(mg):
    reservoir = aquifer.Reservoir(300, lr=0.3, sr=1.25, seed=0)
    readout = aquifer.Ridge(ridge=1e-7)
    model = reservoir >> readout
    model.fit(mg[:2000], mg[1:2001], warmup=100)
    pred = model.run(mg[2000:2999])
    assert pred.shape == (999, 1)
    assert aquifer.metrics.nrmse(mg[2001:3000], pred) < 5e-3
    assert readout.Wout.shape == (300, 1) and readout.bias.shape == (1,)
    assert reservoir.state().shape == (300,)
    assert np.array_equal(model["Ridge-" + readout.name.split("-")[1]].Wout, readout.Wout)
    with pytest.raises(aquifer.AquiferError, match="belongs to a model"):
        reservoir.run(mg[:10])
    # the same as an ESN (one reservoir, one ridge), bit for bit
    esn = aquifer.ESN(units=300, lr=0.3, sr=1.25, ridge=1e-7, seed=0).fit(mg[:2000], mg[1:2001], warmup=100)
    model.reset()
    esn.reset()
    assert np.array_equal(esn.run(mg[2000:2999]), model.run(mg[2000:2999]))


def test_standalone_nodes_compose_after_training(mg):
    reservoir = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=1)
    states = reservoir.run(mg[:1500])
    readout = aquifer.Ridge(ridge=1e-6).fit(states, mg[1:1501], warmup=100)
    direct = readout.run(reservoir.run(mg[1500:1600]))
    reservoir.reset()
    reservoir.set_state(states[-1])
    model = reservoir >> readout
    assert np.allclose(model.run(mg[1500:1600]), direct, atol=1e-12)


def test_parallel_branches_and_merge():
    r1 = aquifer.Reservoir(30, seed=1)
    r2 = aquifer.Reservoir(20, lr=0.5, seed=2)
    readout = aquifer.Ridge(ridge=1e-6)
    model = [r1, r2] >> readout
    x = np.sin(np.arange(400) / 7.0).reshape(-1, 1)
    model.fit(x[:-1], x[1:], warmup=20)
    assert readout.Wout.shape == (50, 1)
    # deep: r1 >> r2 >> readout, and & of two chains
    a, b, out = aquifer.Reservoir(20, seed=3), aquifer.Reservoir(20, seed=4), aquifer.Ridge(1e-6)
    deep = (a >> b) & (b >> out)
    deep.fit(x[:-1], x[1:])
    assert out.Wout.shape == (20, 1)
    # fan-out: one reservoir, two readouts, targets by name
    r = aquifer.Reservoir(25, seed=5)
    o1, o2 = aquifer.Ridge(1e-6, name="o1"), aquifer.Ridge(1e-6, name="o2")
    fan = r >> [o1, o2]
    fan.fit(x[:-1], {"o1": x[1:], "o2": 2 * x[1:]})
    out = fan.run(x[:50])
    assert set(out) == {"o1", "o2"}
    assert np.allclose(out["o2"], 2 * out["o1"], atol=1e-6)


def test_feedback_and_generation(mg):
    reservoir = aquifer.Reservoir(200, lr=0.3, sr=1.25, seed=2)
    readout = aquifer.Ridge(ridge=1e-7)
    reservoir <<= readout
    model = reservoir >> readout
    model.fit(mg[:2000], mg[1:2001], warmup=100)
    assert readout.Wout.shape == (200, 1)
    # generation of an ESN: warm up, then feed outputs back
    esn = aquifer.ESN(units=300, lr=0.3, sr=1.25, ridge=1e-7, seed=0).fit(mg[:2000], mg[1:2001], warmup=100)
    gen = esn.generate(100, warmup=mg[1800:2000])
    assert gen.shape == (100, 1)
    assert aquifer.metrics.nrmse(mg[2000:2100], gen) < 0.05
    # a model graph generates the same way
    plain = aquifer.Reservoir(300, lr=0.3, sr=1.25, seed=0) >> aquifer.Ridge(1e-7)
    plain.fit(mg[:2000], mg[1:2001], warmup=100)
    plain.reset()
    esn.reset()
    assert np.allclose(plain.generate(100, warmup=mg[1800:2000]), esn.generate(100, warmup=mg[1800:2000]), atol=1e-9)


def test_online_learning(mg):
    rls = aquifer.RLS(alpha=1e-6)
    model = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=0) >> rls
    out = model.partial_fit(mg[:1000], mg[1:1001])
    assert out.shape == (1000, 1)
    late = np.abs(out[-200:] - mg[801:1001]).mean()
    assert late < 1e-2
    lms = aquifer.LMS(learning_rate=1e-2)
    x = np.random.default_rng(0).normal(size=(3000, 3))
    for _ in range(3):
        lms.partial_fit(x, x @ [[1.0], [-2.0], [0.5]])
    assert np.allclose(lms.Wout.ravel(), [1.0, -2.0, 0.5], atol=1e-3)
    with pytest.raises(aquifer.AquiferError):
        (aquifer.Reservoir(10, seed=0) >> aquifer.Ridge()).partial_fit(mg[:10], mg[1:11])


def test_nvar_forecasts_lorenz():
    x = aquifer.datasets.lorenz(3000, h=0.025)
    nvar = aquifer.NVAR(delay=2, order=2, strides=1)
    readout = aquifer.Ridge(ridge=2.5e-6)
    model = nvar >> readout
    model.fit(x[:2000], x[1:2001] - x[:2000], warmup=5)
    pred = model.run(x[2000:2999])
    assert aquifer.metrics.nrmse(x[2001:3000] - x[2000:2999], pred) < 0.05


def test_plastic_reservoirs_learn_and_compose(mg):
    ip = aquifer.IPReservoir(100, sr=0.95, mu=0.0, sigma=0.5, learning_rate=1e-3, epochs=2, seed=0)
    before = ip.run(mg[:500]).std()
    ip.reset()
    ip.fit(mg[:2000])
    assert ip.trained
    after = ip.run(mg[:500]).std()
    assert before != after
    # the local rule changes W, and a model trains it from its inputs before the readout
    alone = aquifer.LocalPlasticityReservoir(100, local_rule="anti-oja", eta=1e-4, seed=0, input_dim=1)
    w0 = alone.W.toarray()
    alone.fit(mg[:2000])
    assert not np.array_equal(alone.W.toarray(), w0)
    local = aquifer.LocalPlasticityReservoir(100, local_rule="anti-oja", eta=1e-4, seed=0)
    model = local >> aquifer.Ridge(ridge=1e-7)
    model.fit(mg[:2000], mg[1:2001], warmup=100)
    assert local.trained
    assert aquifer.metrics.nrmse(mg[2001:2500], model.run(mg[2000:2499])) < 0.05
    es2n = aquifer.ES2N(100, proximity=0.2, sr=0.9, seed=0) >> aquifer.Ridge(1e-7)
    es2n.fit(mg[:2000], mg[1:2001], warmup=100)
    assert aquifer.metrics.nrmse(mg[2001:2500], es2n.run(mg[2000:2499])) < 0.05


def test_gated_model_tasks():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(15, 2)) for _ in range(48)]
    last = np.array([[x[:, 0].mean()] for x in xs])
    m = aquifer.GatedModel(units=16, epochs=40, learning_rate=2e-2, seed=1).fit(xs, last, task="last")
    pred = np.vstack(m.run(xs))
    assert pred.shape == (48, 1)
    assert np.corrcoef(pred.ravel(), last.ravel())[0, 1] > 0.9
    assert m.report["best_epoch"] >= 1 and len(m.report["train_loss"]) >= 1
    seq = aquifer.GatedModel(units=8, epochs=3, seed=0).fit(xs, [x[:, :1] for x in xs])
    assert seq.run(xs[0]).shape == (15, 1)
    labels = np.array(["a" if x[:, 1].sum() > 0 else "b" for x in xs])
    clf = aquifer.GatedModel(units=16, epochs=40, learning_rate=2e-2, seed=0).fit(xs, labels, task="classes")
    assert set(clf.classify(xs)) <= {"a", "b"}
    assert aquifer.metrics.accuracy(labels, clf.classify(xs)) > 0.85


def test_lsm_classifier_on_digits():
    images, labels = aquifer.datasets.digits()
    xs = [img.reshape(8, 8) / 16.0 for img in images[:300]]
    lsm = aquifer.LSMClassifier(units=100, epochs=10, learning_rate=5e-3, seed=0).fit(xs[:200], labels[:200])
    acc = aquifer.metrics.accuracy(labels[200:300], lsm.classify(xs[200:300]))
    assert acc > 0.6
    assert lsm.run(xs[0]).shape == (1, len(np.unique(labels[:200])))


def test_datasets():
    d = aquifer.datasets
    assert d.mackey_glass(100, tau=17, seed=1).shape == (100, 1)
    assert d.lorenz(50).shape == (50, 3)
    assert d.rossler(50).shape == (50, 3)
    assert d.henon_map(50).shape == (50, 2)
    assert d.logistic_map(50).shape == (50, 1)
    assert d.lorenz96(50).shape[0] == 50
    assert d.multiscroll(50).shape == (50, 3)
    assert d.rabinovich_fabrikant(50).shape == (50, 3)
    assert d.double_scroll(50).shape == (50, 3)
    assert d.kuramoto_sivashinsky(10).shape == (10, 128)
    u, y = d.narma(200, order=10)
    assert u.shape == y.shape == (200, 1)
    assert d.mso(100, [0.2, 0.311]).shape == (100, 1)
    assert d.sunspots().shape[1] == 1 and d.santafe_laser().shape[1] == 1
    a, la, b, lb = d.mnist1d()
    assert a.shape[0] == len(la) and b.shape[0] == len(lb)
    xtr, ytr, xte, yte = d.japanese_vowels()
    assert (len(xtr), len(xte), ytr[0].shape) == (270, 370, (1, 9))
    _, labels, _, _ = d.japanese_vowels(one_hot_encode=False)
    assert labels.shape == (270,) and labels.max() == 8
    x, y = d.to_forecasting(d.mackey_glass(100), forecast=2)
    assert x.shape == (98, 1)
    with pytest.raises(aquifer.AquiferError, match="unknown field"):
        d.mackey_glass(10, tau_=3)


def test_metrics_match_numpy():
    rng = np.random.default_rng(0)
    y, p = rng.normal(size=(100, 2)), rng.normal(size=(100, 2))
    assert aquifer.metrics.mse(y, p) == pytest.approx(np.mean((y - p) ** 2), rel=1e-12)
    assert aquifer.metrics.rmse(y, p) == pytest.approx(np.sqrt(np.mean((y - p) ** 2)), rel=1e-12)
    assert aquifer.metrics.nrmse(y[:, :1], p[:, :1]) == pytest.approx(
        np.sqrt(np.mean((y[:, 0] - p[:, 0]) ** 2)) / np.ptp(y[:, 0]), rel=1e-12
    )
    pooled = 1 - ((y - p) ** 2).sum() / ((y - y.mean(0)) ** 2).sum()
    assert aquifer.metrics.rsquare(y, p) == pytest.approx(pooled, rel=1e-12)
    per, total = aquifer.metrics.memory_capacity(aquifer.Reservoir(50, sr=0.9, input_scaling=0.1, seed=0), 60)
    assert per.shape == (60,) and 5 < total <= 50


def test_force_learning_generates_a_sine():
    """FORCE: an RLS readout fed back into the reservoir learns online to produce a sine, then
    goes on producing it alone."""
    reservoir = aquifer.Reservoir(300, lr=1.0, sr=1.2, seed=0)
    rls = aquifer.RLS(alpha=1.0)
    reservoir <<= rls
    model = reservoir >> rls
    t = np.arange(4400)
    target = np.sin(t / 8.0).reshape(-1, 1)
    silent = np.zeros((4400, 1))
    out = model.partial_fit(silent[:4000], target[1:4001])
    assert np.abs(out[-500:] - target[3501:4001]).max() < 0.05
    alone = model.run(silent[4000:4300])
    assert np.abs(alone - target[4001:4301]).max() < 0.05


def test_the_ridge_changes_without_harvesting_again(mg):
    esn = aquifer.ESN(units=200, lr=0.3, sr=1.25, ridge=1e-2, seed=3).fit(mg[:2000], mg[1:2001], warmup=100)
    esn.set_ridge(1e-8)
    direct = aquifer.ESN(units=200, lr=0.3, sr=1.25, ridge=1e-8, seed=3).fit(mg[:2000], mg[1:2001], warmup=100)
    assert np.array_equal(esn.Wout, direct.Wout)
    readout = aquifer.Ridge(ridge=1.0)
    model = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=0) >> readout
    model.fit(mg[:2000], mg[1:2001], warmup=100)
    coarse = readout.Wout
    readout.set_ridge(1e-8)
    fine = aquifer.Ridge(ridge=1e-8)
    other = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=0) >> fine
    other.fit(mg[:2000], mg[1:2001], warmup=100)
    assert np.array_equal(readout.Wout, fine.Wout) and not np.array_equal(coarse, fine.Wout)
    with pytest.raises(aquifer.AquiferError, match="fit it again"):
        aquifer.loads(esn._native.to_bytes()).set_ridge(1e-3)


def test_the_qr_solver_keeps_the_digits_of_ill_conditioned_states(mg):
    def esn():
        # a small input scaling keeps the states near-linear and strongly correlated
        return aquifer.ESN(units=60, lr=0.3, sr=0.9, input_scaling=0.05, ridge=0.0, input_to_readout=False, seed=2)

    x, y = mg[:1500], mg[1:1501]
    qr = esn().fit(x, y, warmup=100, solver="qr")
    normal = esn().fit(x, y, warmup=100)
    assert np.array_equal(qr.state(), normal.state())
    # the reference: numpy's least squares (by SVD) on the same states and a column of ones
    _, states = esn().fit(x, y, warmup=100).reset().run_with_states(x)
    a = np.hstack([states[100:], np.ones((1400, 1))])
    ref = np.linalg.lstsq(a, y[100:], rcond=None)[0]
    cond = np.linalg.cond(a[:, :-1] - a[:, :-1].mean(axis=0))
    fit_qr = np.abs(a @ np.vstack([qr.Wout, qr.bias]) - a @ ref).max()
    fit_normal = np.abs(a @ np.vstack([normal.Wout, normal.bias]) - a @ ref).max()
    assert cond > 1e5, cond
    assert fit_qr < 1e-8 and fit_qr * 1e4 < fit_normal, (fit_qr, fit_normal, cond)
    with pytest.raises(aquifer.AquiferError, match="fit it again"):
        qr.set_ridge(1e-3)
    with pytest.raises(aquifer.AquiferError, match="solver"):
        esn().fit(x, y, solver="cholesky")


def test_lyapunov_exponents_and_valid_time():
    lam = aquifer.datasets.largest_lyapunov_exponent("lorenz", 400, h=0.01)
    assert abs(lam - aquifer.datasets.LYAPUNOV["lorenz"]) < 0.03 * 0.9056
    y = np.sin(np.arange(200) / 9.0).reshape(-1, 1)
    y_hat = y + 0.003 * np.arange(200).reshape(-1, 1)
    assert aquifer.metrics.valid_prediction_time(y, y_hat, 0.4, sigma=[0.5]) == 67
    assert aquifer.metrics.lyapunov_times(100, 0.02, 0.9056) == pytest.approx(1.8112)
    fine = aquifer.datasets.mackey_glass(991, h=0.1)
    sampled = aquifer.datasets.mackey_glass(100, h=0.1, subsample=10)
    assert np.array_equal(sampled[:, 0], fine[::10, 0])
    with pytest.raises(aquifer.AquiferError):
        aquifer.datasets.largest_lyapunov_exponent("henon_map")


def test_sound_features_match_the_command_line_library():
    import pathlib

    wav = pathlib.Path(__file__).resolve().parents[2] / "data" / "spoken_digits" / "7_en-us_m1_s175p60.wav"
    samples, rate = aquifer.audio.read_wav(wav)
    assert rate == 8000 and samples.ndim == 1 and np.abs(samples).max() <= 1.0
    m = aquifer.audio.mfcc(samples, rate)
    ref = np.load(pathlib.Path(__file__).resolve().parents[2] / "crates/aquifer/tests/fixtures/mfcc/librosa_mfcc_7_en-us_m1_s175p60.npy")
    assert m.shape == ref.shape and np.abs(m - ref).max() < 1e-9
    noisy = aquifer.audio.add_noise(samples, 10.0, seed=1)
    snr = 10 * np.log10(np.mean(samples**2) / np.mean((noisy - samples) ** 2))
    assert abs(snr - 10.0) < 0.5
    with pytest.raises(OSError):
        aquifer.audio.read_wav("missing.wav")
    with pytest.raises(aquifer.AquiferError, match="n_mfcc"):
        aquifer.audio.mfcc(samples, rate, n_mfcc=80)


def test_free_run_continues_a_generation(mg):
    esn = aquifer.ESN(units=200, lr=0.3, sr=1.25, ridge=1e-7, seed=0).fit(mg[:2000], mg[1:2001], warmup=100)
    esn.reset()
    whole = esn.generate(60, warmup=mg[1800:2000])
    esn.reset()
    head = esn.generate(30, warmup=mg[1800:2000])
    tail = esn.free_run(31, head[-1])
    assert np.array_equal(np.vstack([head, tail[1:]]), whole)
