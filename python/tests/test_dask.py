"""aquifer.dask on a LocalCluster of 2 worker processes: distributed fits equal local ones,
long series chunked along time, prediction gathered in order, bad input refused."""

from typing import Any, Iterator, List, Tuple

import numpy as np
import pytest

import sys
from pathlib import Path

import aquifer
import aquifer.dask as adask

# the objectives live in a module of their own, which the workers receive (upload_file)
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import dask_objectives  # noqa: E402
from dask_objectives import objective, slow_objective, threads_seen  # noqa: E402

distributed = pytest.importorskip("dask.distributed")
db = pytest.importorskip("dask.bag")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    c = distributed.Client(cluster)
    c.upload_file(str(HERE / "dask_objectives.py"))
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


def test_a_graph_on_a_long_series_carries_its_nodes_and_delays_across_chunks(client: Any) -> None:
    mg = aquifer.datasets.mackey_glass(4001)
    x, y = mg[:-1], mg[1:]

    def fed_back() -> aquifer.Model:
        # a deep reservoir whose readout feeds back (one step late) into the first reservoir
        r1 = aquifer.Reservoir(40, sr=0.9, lr=0.5, seed=1, name="r1")
        r2 = aquifer.Reservoir(40, sr=0.9, lr=0.5, seed=2, name="r2")
        out = aquifer.Ridge(ridge=1e-2, name="out")
        model = r1 >> r2 >> out
        r1 << out
        return model

    def nvar() -> aquifer.Model:
        # (at ridge 1e-3 the merges' rounding, times the quadratic features' conditioning,
        # reaches 2e-10)
        return aquifer.NVAR(delay=3, order=2, strides=2) >> aquifer.Ridge(ridge=1e-2, name="out")

    for make in (fed_back, nvar):
        local = make().fit(x, y, warmup=50)
        # one chunk: the same computation, bit for bit
        whole = adask.fit_long(make(), x, y, chunk=4000, warmup=50, client=client)
        assert np.array_equal(whole.nodes[-1].Wout, local.nodes[-1].Wout)
        chunked = adask.fit_long(make(), x, y, chunk=650, warmup=50, client=client)
        assert close(chunked.nodes[-1].Wout, local.nodes[-1].Wout)
        assert close(chunked.nodes[-1].bias, local.nodes[-1].bias)
        # cut without the state carried, the NVAR's delays and the feedback start from zero
        # at each chunk and the weights differ
        cut = adask.fit(make(), [(x[i : i + 650], y[i : i + 650]) for i in range(0, 4000, 650)], client=client)
        assert not close(cut.nodes[-1].Wout, local.nodes[-1].Wout, 1e-6)
    # a state from another graph is refused by name
    small = aquifer.NVAR(delay=2, order=2) >> aquifer.Ridge(ridge=1e-3, name="out")
    small.fit(x[:100], y[:100])
    big = nvar()
    big.fit(x[:100], y[:100])
    _, state = small._require_graph().statistics([x[:50]], [y[:50]], 0)
    with pytest.raises(aquifer.AquiferError, match="model state"):
        big._require_graph().statistics([x[:50]], [y[:50]], 0, state)
    with pytest.raises(aquifer.AquiferError, match="model state"):
        big._require_graph().statistics([x[:50]], [y[:50]], 0, b"{not json")


def test_several_readouts_take_their_targets_by_name(client: Any) -> None:
    data = pairs(6, 300)
    xs = [p[0] for p in data]
    ya = [p[1] for p in data]
    yb = [np.hstack([p[1] ** 2, -p[1]]) for p in data]

    def two() -> aquifer.Model:
        r = aquifer.Reservoir(30, sr=0.9, seed=1, name="r")
        return r >> [aquifer.Ridge(ridge=1e-3, name="a"), aquifer.Ridge(ridge=1e-2, name="b")]

    local = two().fit(xs, {"a": ya, "b": yb}, warmup=10)
    by_pairs = adask.fit(
        two(), [(x, {"b": b, "a": a}) for x, a, b in zip(xs, ya, yb)], warmup=10, client=client, partitions=3
    )
    by_lists = adask.fit(two(), xs, {"a": ya, "b": yb}, warmup=10, client=client)
    whole = np.vstack(xs)
    long_local = two().fit(whole, {"a": np.vstack(ya), "b": np.vstack(yb)}, warmup=10)
    chunked = adask.fit_long(two(), whole, {"a": np.vstack(ya), "b": np.vstack(yb)}, chunk=400, warmup=10, client=client)
    for far, near in ((by_pairs, local), (by_lists, local), (chunked, long_local)):
        for name in ("a", "b"):
            assert close(far[name].Wout, near[name].Wout)
    assert by_pairs["b"].Wout.shape == (30, 2)
    with pytest.raises(aquifer.AquiferError, match=r"no targets given for readout\(s\) \['b'\]"):
        adask.fit(two(), [(xs[0], {"a": ya[0]})], client=client)
    with pytest.raises(aquifer.AquiferError, match="give each readout as many series"):
        adask.fit(two(), xs, {"a": ya, "b": yb[:2]}, client=client)
    with pytest.raises(TypeError, match="aquifer.Model"):
        adask.fit(esn(), [(xs[0], {"a": ya[0]})], client=client)


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


def study(records: Any = None) -> Any:
    from aquifer.search import Study

    return Study(
        {"sr": ("log_uniform", 0.1, 2.0), "lr": ("uniform", 0.1, 1.0)},
        seed=5,
        batch=4,
        instances=2,
        records=records,
    )


def test_a_study_runs_its_trials_on_the_workers_as_in_one_process(client: Any, tmp_path: Any) -> None:
    import json

    records = tmp_path / "s.jsonl"
    far = adask.optimize(study(records), objective, 8, client=client)
    local = study().optimize(objective, 8)
    by_number = {t["number"]: t for t in local.trials}
    assert sorted(t["number"] for t in far.trials) == list(range(8))
    for t in far.trials:
        assert t["params"] == by_number[t["number"]]["params"]
        assert t["losses"] == by_number[t["number"]]["losses"]
        assert t.get("error") == by_number[t["number"]].get("error")
    # streamed to the records file, each trial once; resumed, the study goes on
    lines = [json.loads(l) for l in records.read_text().splitlines()]
    assert [l["record"] for l in lines].count("trial") == 8
    from aquifer.search import Study

    resumed = adask.optimize(Study.resume(records), objective, 12, client=client)
    assert sorted(t["number"] for t in resumed.trials) == list(range(12))
    lines = [json.loads(l) for l in records.read_text().splitlines()]
    assert sorted(l["number"] for l in lines if l["record"] == "trial") == list(range(12))
    # results told twice (a retried task) count once
    params, seeds = resumed._native.ask(3)
    assert resumed._native.tell(3, params, [0.5, 0.5], 0.1) is None


def heavy_pairs() -> List[Tuple[np.ndarray, np.ndarray]]:
    return pairs(24, 1500)


def heavy() -> aquifer.ESN:
    return aquifer.ESN(units=300, sr=1.1, lr=0.5, ridge=1e-2, seed=7)


def test_a_worker_killed_mid_fit_changes_nothing(client: Any) -> None:
    import os
    import threading
    import time

    data = heavy_pairs()
    reference = adask.fit(heavy(), data, warmup=30, client=client, partitions=24, split_every=2)
    result: List[Any] = []
    worker = threading.Thread(
        target=lambda: result.append(
            adask.fit(heavy(), data, warmup=30, client=client, partitions=24, split_every=2)
        )
    )
    worker.start()
    # wait until the workers are busy with this fit's tasks, then kill one worker process
    deadline = time.time() + 30
    while time.time() < deadline and not any(client.processing().values()):
        time.sleep(0.01)
    victim = next(iter(client.scheduler_info()["workers"]))
    killed_while_running = worker.is_alive()
    try:
        client.run(os._exit, 1, workers=[victim])
    except Exception:
        pass  # the worker died before it could answer
    worker.join(120)
    assert killed_while_running and not worker.is_alive()
    assert np.array_equal(result[0].Wout, reference.Wout)
    client.wait_for_workers(2, timeout=60)


def test_a_scheduler_and_workers_over_tcp(tmp_path: Any) -> None:
    import subprocess
    import time

    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [
        subprocess.Popen(
            dask + ["--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                    "--scheduler-file", str(scheduler_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
        )
    ]
    try:
        deadline = time.time() + 60
        while not scheduler_file.exists() and time.time() < deadline:
            time.sleep(0.1)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                     str(scheduler_file), "--nthreads", "1", "--host", "127.0.0.1",
                     "--dashboard-address", ":0"],
                    # elsewhere than the sources, so that `aquifer` is the installed package
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
                )
            )
        with distributed.Client(scheduler_file=str(scheduler_file), timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
            c.upload_file(str(HERE / "dask_objectives.py"))
            assert all(a.startswith("tcp://127.0.0.1") for a in c.scheduler_info()["workers"])
            data = pairs(8, 300)
            far = adask.fit(esn(), data, warmup=30, client=c)
            local = esn().fit([p[0] for p in data], [p[1] for p in data], warmup=30)
            assert close(far.Wout, local.Wout)
            s = adask.optimize(study(tmp_path / "tcp.jsonl"), objective, 4, client=c)
            assert sorted(t["number"] for t in s.trials) == [0, 1, 2, 3]
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(30)


def test_a_worker_killed_mid_search_loses_and_repeats_no_trial(client: Any, tmp_path: Any) -> None:
    import json
    import os
    import threading
    import time

    records = tmp_path / "k.jsonl"
    done: List[Any] = []
    runner = threading.Thread(
        target=lambda: done.append(adask.optimize(study(records), slow_objective, 8, client=client))
    )
    runner.start()
    deadline = time.time() + 30
    while time.time() < deadline and not any(client.processing().values()):
        time.sleep(0.01)
    victim = next(iter(client.scheduler_info()["workers"]))
    killed_while_running = runner.is_alive()
    try:
        client.run(os._exit, 1, workers=[victim])
    except Exception:
        pass
    runner.join(120)
    assert killed_while_running and not runner.is_alive()
    lines = [json.loads(l) for l in records.read_text().splitlines()]
    numbers = sorted(l["number"] for l in lines if l["record"] == "trial")
    assert numbers == list(range(8)), "every trial recorded once"
    local = {t["number"]: t for t in study().optimize(objective, 8).trials}
    for l in lines[1:]:
        assert l["params"] == local[l["number"]]["params"]
        assert l["losses"] == local[l["number"]]["losses"]
    client.wait_for_workers(2, timeout=60)


def test_peak_memory_is_reported_per_worker(client: Any) -> None:
    peaks = adask.peak_memory(client)
    assert set(peaks) == set(client.scheduler_info()["workers"])
    assert all(50e6 < v < 4e9 for v in peaks.values()), peaks


def test_dask_arrays_chunked_along_the_series_fit_on_the_workers(client: Any) -> None:
    import dask.array as da

    data = pairs(12, 300)
    x = np.stack([p[0] for p in data])
    y = np.stack([p[1] for p in data])
    local = esn().fit(x, y, warmup=30)
    far = adask.fit(esn(), da.from_array(x, chunks=(3, 300, 1)), da.from_array(y, chunks=(3, 300, 1)), warmup=30, client=client)
    assert close(far.Wout, local.Wout)
    with pytest.raises(aquifer.AquiferError, match="chunked"):
        adask.fit(esn(), da.from_array(x, chunks=(3, 100, 1)), da.from_array(y, chunks=(3, 100, 1)), client=client)


def test_each_trial_is_held_to_its_thread_budget(client: Any) -> None:
    s = adask.optimize(study(), threads_seen, 4, client=client)
    assert all(t["losses"] == [1.0, 1.0] for t in s.trials), s.trials
    s = adask.optimize(study(), threads_seen, 4, client=client, threads_per_trial=2)
    assert all(t["losses"] == [2.0, 2.0] for t in s.trials), s.trials
