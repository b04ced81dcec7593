"""aquifer.dask on a LocalCluster of 2 worker processes: distributed fits equal local ones,
long series chunked along time, prediction gathered in order, bad input refused."""

from typing import Any, Iterator, List, Tuple

import numpy as np
import pytest

import aquifer
import aquifer.dask as adask

distributed = pytest.importorskip("dask.distributed")
db = pytest.importorskip("dask.bag")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def pairs(n: int = 12, length: int = 300) -> List[Tuple[np.ndarray, np.ndarray]]:
    mg = aquifer.datasets.mackey_glass(n * length + 1)
    return [(mg[i * length : (i + 1) * length], mg[i * length + 1 : (i + 1) * length + 1]) for i in range(n)]


def esn() -> aquifer.ESN:
    return aquifer.ESN(units=80, sr=1.1, lr=0.5, ridge=1e-2, seed=3)


def close(a: np.ndarray, b: np.ndarray, tol: float = 1e-10) -> bool:
    return bool(np.abs(a - b).max() <= tol * np.abs(b).max())


def test_a_distributed_fit_equals_the_local_one(client: Any) -> None:
    data = pairs()
    xs, ys = [p[0] for p in data], [p[1] for p in data]
    local = esn().fit(xs, ys, warmup=30)
    from_pairs = adask.fit(esn(), data, warmup=30, client=client, partitions=5, split_every=2)
    from_lists = adask.fit(esn(), xs, ys, warmup=30, client=client)
    from_bag = adask.fit(esn(), db.from_sequence(data, npartitions=4), warmup=30, client=client)
    for m in (from_pairs, from_lists, from_bag):
        assert close(m.Wout, local.Wout)
        assert close(m.bias, local.bias)
    # the same partitions and fan-in give the same weights, bit for bit
    again = adask.fit(esn(), data, warmup=30, client=client, partitions=5, split_every=2)
    assert np.array_equal(again.Wout, from_pairs.Wout)
    # the statistics count every row after the warm-ups
    stats = adask.statistics(esn(), xs, ys, warmup=30)[""]
    assert (stats.count, stats.features, stats.targets) == (12 * 270, 80, 1)


def test_a_graph_and_an_nvar_fit_as_locally(client: Any) -> None:
    data = pairs(8, 250)
    xs, ys = [p[0] for p in data], [p[1] for p in data]

    def deep() -> aquifer.Model:
        r1 = aquifer.Reservoir(40, sr=0.9, lr=0.5, seed=1, name="r1")
        r2 = aquifer.Reservoir(40, sr=0.9, lr=0.5, seed=2, name="r2")
        return r1 >> r2 >> aquifer.Ridge(ridge=1e-2, name="out")

    def nvar() -> aquifer.Model:
        return aquifer.NVAR(delay=3, order=2, strides=1) >> aquifer.Ridge(ridge=1e-3, name="out")

    for make in (deep, nvar):
        local = make().fit(xs, ys, warmup=10)
        far = adask.fit(make(), data, warmup=10, client=client, partitions=3)
        assert close(far.nodes[-1].Wout, local.nodes[-1].Wout)
        local.reset()
        far.reset()
        assert close(far.run(xs[0]), local.run(xs[0]), 1e-9)


def test_a_long_series_is_fitted_chunk_by_chunk_with_its_state_carried(client: Any) -> None:
    mg = aquifer.datasets.mackey_glass(5001)
    x, y = mg[:-1], mg[1:]
    local = esn().fit(x, y, warmup=100)
    chunked = adask.fit_long(esn(), x, y, chunk=700, warmup=100, client=client)
    assert close(chunked.Wout, local.Wout)
    # two long series side by side
    two = adask.fit_long(esn(), [x[:2500], x[2500:]], [y[:2500], y[2500:]], chunk=600, warmup=50, client=client)
    both = esn().fit([x[:2500], x[2500:]], [y[:2500], y[2500:]], warmup=50)
    assert close(two.Wout, both.Wout)
    with pytest.raises(aquifer.AquiferError, match="chunk"):
        adask.fit_long(esn(), x, y, chunk=0, client=client)


def test_prediction_on_the_workers_is_gathered_in_order(client: Any) -> None:
    data = pairs(10, 200)
    xs = [p[0] for p in data]
    model = esn().fit(xs, [p[1] for p in data], warmup=20)
    local = model.run(xs)
    far = adask.predict(model, xs, client=client, partitions=4)
    assert len(far) == 10
    for a, b in zip(far, local):
        assert np.array_equal(a, b)
    from_bag = adask.predict(model, db.from_sequence(xs, npartitions=3), client=client)
    assert all(np.array_equal(a, b) for a, b in zip(from_bag, local))


def test_statistics_pickle_merge_and_refuse_damage() -> None:
    import pickle

    data = pairs(4, 200)
    xs, ys = [p[0] for p in data], [p[1] for p in data]
    a = adask.statistics(esn(), xs[:2], ys[:2])[""]
    b = adask.statistics(esn(), xs[2:], ys[2:])[""]
    back = pickle.loads(pickle.dumps(a))
    assert back.data == a.data and back.count == 400
    assert a.merge(b).count == 800
    with pytest.raises(aquifer.AquiferError):
        adask.Statistics(a.data[: len(a.data) // 2])
    other = adask.statistics(aquifer.ESN(units=10, seed=1), xs[:1], ys[:1])[""]
    with pytest.raises(aquifer.AquiferError):
        a.merge(other)
    with pytest.raises(TypeError):
        adask.fit(esn(), [xs[0]], warmup=0)
    with pytest.raises(aquifer.AquiferError, match="no training series"):
        adask.fit(esn(), [], warmup=0)
