"""Bad input raises ValueError / TypeError / the module's exceptions, with the core's message;
never a crash of the interpreter."""

import numpy as np
import pytest

import aquifer


def test_wrong_types_and_shapes():
    r = aquifer.Reservoir(10, seed=0)
    with pytest.raises(TypeError):
        r.run("not a series")
    with pytest.raises(TypeError):
        r.run(None)
    with pytest.raises(TypeError, match="complex"):
        r.run(np.ones(5, dtype=complex))
    with pytest.raises(ValueError, match="empty"):
        r.run(np.zeros((0, 1)))
    with pytest.raises(ValueError, match="shape"):
        r.run(np.zeros((2, 3, 4, 5)))
    r.run(np.zeros((3, 2)))
    with pytest.raises(aquifer.AquiferError, match="takes 2 features, got 3"):
        r.run(np.zeros((3, 3)))


def test_non_finite_values_are_named():
    r = aquifer.Reservoir(10, seed=0)
    x = np.ones((10, 1))
    x[4, 0] = np.nan
    with pytest.raises(aquifer.AquiferError, match="(?i)nan|finite"):
        r.run(x)
    x[4, 0] = np.inf
    with pytest.raises(ValueError):
        aquifer.Ridge().fit(x, x)


def test_non_finite_hyperparameters_are_named_not_a_json_syntax_error():
    x = np.ones((20, 1))
    with pytest.raises(aquifer.AquiferError, match=r"`spectral_radius`: nan"):
        aquifer.Reservoir(10, sr=float("nan"), seed=0).run(x)
    with pytest.raises(aquifer.AquiferError, match=r"`leak_rate\[1\]`: inf"):
        aquifer.Reservoir(2, lr=[0.5, float("inf")], seed=0).run(x)
    with pytest.raises(aquifer.AquiferError, match=r"`ridge`: nan"):
        aquifer.Ridge(ridge=float("nan")).fit(x, x)
    with pytest.raises(aquifer.AquiferError, match=r"`ridge`: -inf"):
        aquifer.ESN(units=5, ridge=float("-inf"), seed=0).fit(x, x)
    with pytest.raises(aquifer.AquiferError, match=r"`tau`: nan"):
        aquifer.datasets.mackey_glass(10, tau=float("nan"))


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="units"):
        aquifer.Reservoir(0)
    with pytest.raises(ValueError, match="units"):
        aquifer.Reservoir()
    with pytest.raises(aquifer.AquiferError, match="leak_rate"):
        aquifer.Reservoir(10, lr=1.5, seed=0).run(np.ones(3))
    with pytest.raises(aquifer.AquiferError, match="ridge"):
        aquifer.Ridge(ridge=-1.0).fit(np.ones((5, 1)), np.ones((5, 1)))
    with pytest.raises(ValueError, match="activation"):
        aquifer.Reservoir(10, activation="swish")
    with pytest.raises(ValueError, match="distribution"):
        aquifer.Reservoir(10, W="cauchy")
    with pytest.raises(ValueError, match="seed"):
        aquifer.Reservoir(10, seed=-3)
    with pytest.raises(aquifer.AquiferError, match="proximity"):
        aquifer.ES2N(10, proximity=2.0, seed=0).run(np.ones(3))
    with pytest.raises(TypeError):
        aquifer.Reservoir(10, spectral_radius=1.0)  # ReservoirPy's name is `sr`
    with pytest.raises(TypeError, match="unknown"):
        aquifer.LSMClassifier(units=10, tau=3)


def test_unfitted_models():
    x = np.ones((10, 1))
    with pytest.raises(aquifer.NotFittedError):
        aquifer.ESN(units=10, seed=0).run(x)
    with pytest.raises(aquifer.NotFittedError):
        (aquifer.Reservoir(10, seed=0) >> aquifer.Ridge()).run(x)
    with pytest.raises(aquifer.NotFittedError):
        aquifer.Ridge().run(x)
    with pytest.raises(aquifer.NotFittedError):
        aquifer.GatedModel().run(x)
    # NotFittedError is a ValueError, as scikit-learn's
    assert issubclass(aquifer.NotFittedError, ValueError)
    assert issubclass(aquifer.AquiferError, ValueError)


def test_training_errors():
    x = np.ones((10, 1))
    with pytest.raises(aquifer.AquiferError, match="(?i)warm"):
        aquifer.ESN(units=10, seed=0).fit(x, x, warmup=10)
    with pytest.raises(aquifer.AquiferError):
        aquifer.ESN(units=10, seed=0).fit([x, x], [x])
    with pytest.raises(aquifer.AquiferError, match="cycle"):
        a, b = aquifer.Reservoir(5, seed=0), aquifer.Reservoir(5, seed=1)
        ((a >> b) & (b >> a)).run(x)
    with pytest.raises(aquifer.AquiferError, match="several readouts"):
        r = aquifer.Reservoir(5, seed=0)
        (r >> [aquifer.Ridge(), aquifer.Ridge()]).fit(x, x)
    with pytest.raises(aquifer.AquiferError, match="does not learn online"):
        z = np.arange(10.0).reshape(-1, 1)
        native = aquifer.Ridge().fit(z, z)._native
        native.partial_fit(x, x)


def test_an_internal_panic_becomes_an_exception():
    """A panic in Rust reaches Python as an AquiferError (not an abort), and the interpreter
    goes on."""
    from aquifer import _aquifer

    with pytest.raises(aquifer.AquiferError, match="internal error.*deliberate panic"):
        _aquifer._panic_in_rust()
    assert aquifer.Reservoir(5, seed=0).run(np.ones(2)).shape == (2, 5)


def test_garbage_model_files_are_errors():
    for blob in (b"", b"\x00" * 8, b"\xff" * 64, bytes(range(256)) * 4):
        with pytest.raises(aquifer.AquiferError):
            aquifer.loads(blob)
    assert aquifer.Reservoir(5, seed=0).run(np.ones(2)).shape == (2, 5)
