"""numpy in and out: shapes, dtypes, orders, views, and outputs handed over without a copy."""

import numpy as np
import pytest

import aquifer
from aquifer import _aquifer


@pytest.fixture
def reservoir():
    return aquifer.Reservoir(40, lr=0.5, sr=0.9, seed=3)


def test_shapes_of_one_series_and_of_many(reservoir):
    x = np.sin(np.linspace(0, 10, 60)).reshape(-1, 1)
    one = reservoir.run(x)
    assert one.shape == (60, 40) and one.dtype == np.float64
    reservoir.reset()
    # 1-D is one feature
    assert np.array_equal(reservoir.run(x.ravel()), one)
    reservoir.reset()
    # a list of series of different lengths: a list, each from the current (zero) state
    outs = reservoir.run([x, x[:25], x[:7]])
    assert [o.shape for o in outs] == [(60, 40), (25, 40), (7, 40)]
    assert np.array_equal(outs[1], one[:25])
    # a 3-D array: a 3-D array
    stacked = reservoir.run(np.stack([x, 2 * x]))
    assert stacked.shape == (2, 60, 40)
    assert np.array_equal(stacked[0], one)


def test_dtypes_are_converted(reservoir):
    x = np.arange(30).reshape(-1, 1)
    ref = reservoir.run(x.astype(np.float64))
    for dtype in (np.int32, np.int64, np.float32, np.uint8, bool):
        reservoir.reset()
        got = reservoir.run(x.astype(dtype))
        assert np.array_equal(got, reservoir.reset().run(x.astype(dtype).astype(np.float64)))
    reservoir.reset()
    assert np.array_equal(reservoir.run(x.tolist()), ref)


def test_orders_and_views_are_read_in_place():
    r = aquifer.Reservoir(30, seed=1)
    base = np.random.default_rng(0).normal(size=(200, 6))
    ref = r.run(np.ascontiguousarray(base[::2, 1:4]))
    variants = [
        np.asfortranarray(base[::2, 1:4]),  # Fortran order
        base[::2, 1:4],  # strided view
        np.ascontiguousarray(base.T).T[::2, 1:4],  # a transposed view
    ]
    for v in variants:
        r.reset()
        assert np.array_equal(r.run(v), ref)
    # reversed rows (negative strides)
    r.reset()
    assert np.array_equal(r.run(base[::-1, :3]), r.reset().run(np.ascontiguousarray(base[::-1, :3])))


def test_outputs_are_not_copied():
    """The result is a numpy array over the core's own buffer (its base), in Fortran order."""
    r = aquifer.Reservoir(50, seed=0)
    out = r.run(np.ones((1000, 1)))
    assert isinstance(out.base, _aquifer.Buffer)
    assert out.flags.f_contiguous and out.flags.writeable
    out[0, 0] = 7.0  # the array owns its memory through the buffer
    assert out[0, 0] == 7.0
    state = r.state()
    assert state.shape == (50,)


def test_input_is_not_modified_and_outputs_are_independent():
    r = aquifer.Reservoir(20, seed=2)
    x = np.linspace(-1, 1, 50).reshape(-1, 1)
    keep = x.copy()
    a = r.run(x)
    b = r.reset().run(x)
    assert np.array_equal(x, keep)
    a[:] = 0
    assert not np.array_equal(a, b)
