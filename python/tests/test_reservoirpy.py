"""A reservoir built by ReservoirPy 0.4.2, imported through its matrices, gives ReservoirPy's
states (fixture written by fixtures/make_reservoirpy.py)."""

import pathlib

import numpy as np
import pytest

import aquifer

FIXTURE = np.load(pathlib.Path(__file__).with_name("fixtures") / "reservoirpy.npz")


@pytest.mark.parametrize("name", ["leaky", "plain"])
def test_imported_reservoir_gives_reservoirpys_states(name):
    sp = pytest.importorskip("scipy.sparse")
    f = {k[len(name) + 1:]: FIXTURE[k] for k in FIXTURE.files if k.startswith(name + "_")}
    n = len(f["indptr"]) - 1
    W = sp.csr_matrix((f["data"], f["indices"], f["indptr"]), shape=(n, n))
    r = aquifer.Reservoir(W=W, Win=f["Win"], bias=f["bias"], lr=float(f["lr"]))
    states = r.run(FIXTURE["x"])
    assert states.shape == f["states"].shape
    np.testing.assert_allclose(states, f["states"], rtol=0, atol=1e-13)
    # the matrices read back are the ones given
    assert np.array_equal(r.W.toarray(), W.toarray())
    assert np.array_equal(r.Win, f["Win"])


def test_dense_matrices_are_accepted_too():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(20, 20)) * (rng.random((20, 20)) < 0.2)
    Win = rng.normal(size=(20, 2))
    r = aquifer.Reservoir(W=W, Win=Win, bias=0.0, lr=0.5)
    x = rng.normal(size=(30, 2))
    s, expected = np.zeros(20), []
    for u in x:
        s = 0.5 * s + 0.5 * np.tanh(W @ s + Win @ u)
        expected.append(s)
    np.testing.assert_allclose(r.run(x), np.array(expected), atol=1e-13)
