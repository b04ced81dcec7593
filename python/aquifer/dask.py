"""Fitting and prediction spread over a Dask cluster (``pip install aquifer[dask]``).

An offline fit is a reduction: each worker harvests its series and forms the readout's ridge
statistics (features x features, whatever the number of rows), the statistics are merged by a
tree reduction on the workers (only those small matrices travel), and the readout is solved
once, on the client. The result equals a fit of all the series in one process up to rounding
(the merges sum in another order; within 1e-10 relative in the tests).

Series come as a ``dask.bag.Bag`` of ``(x, y)`` pairs, a list of pairs, or two lists (or 3-D
arrays, one series per row of the first axis). Every series starts from the model's initial
state, as in ``fit``. The model is built on the client first (its random weights drawn from its
seed) and shipped to the workers as a model file's bytes, so every worker uses the same
weights.

One long series is cut into chunks along time by :func:`fit_long`: the model's state (an
ESN's reservoir; a graph's nodes and delayed edges) carries from one chunk to the next, so
the chunks of one series run one after the other (each a task on some worker, handed the
previous chunk's final state); only the statistics and the states travel. Several long
series run side by side.

>>> import aquifer, aquifer.dask
>>> mg = aquifer.datasets.mackey_glass(2001)
>>> pairs = [(mg[i * 400:(i + 1) * 400 - 1], mg[i * 400 + 1:(i + 1) * 400]) for i in range(5)]
>>> esn = aquifer.dask.fit(aquifer.ESN(units=50, sr=1.1, ridge=1e-2, seed=1), pairs, warmup=20)
>>> local = aquifer.ESN(units=50, sr=1.1, ridge=1e-2, seed=1).fit(
...     [p[0] for p in pairs], [p[1] for p in pairs], warmup=20)
>>> bool(abs(esn.Wout - local.Wout).max() < 1e-10 * abs(local.Wout).max())
True
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

import numpy as np

from . import _aquifer
from ._series import Array, as_many, as_series
from .esn import ESN
from .graph import Model
from .search import Study

__all__ = ["Statistics", "fit", "fit_long", "optimize", "peak_memory", "predict", "statistics"]


class Statistics:
    """Mergeable ridge statistics of one readout: the checksummed bytes of a
    ``ridge-statistics`` model file (what ``aquifer stats`` writes). They pickle as those bytes.
    """

    def __init__(self, data: bytes, readout: str = "") -> None:
        self.data = bytes(data)
        self.readout = readout
        self.count, self.features, self.targets = _aquifer.statistics_shape(self.data)

    def merge(self, *others: "Statistics") -> "Statistics":
        """These statistics and ``others``, merged in that order."""
        return Statistics(
            _aquifer.merge_statistics([self.data] + [o.data for o in others]), self.readout
        )

    def __reduce__(self) -> Any:
        return (Statistics, (self.data, self.readout))

    def __repr__(self) -> str:
        return (
            f"Statistics({self.count} rows, {self.features} features -> {self.targets} targets"
            + (f", readout {self.readout!r})" if self.readout else ")")
        )


Pairs = List[Tuple[Array, Array]]
Native = Union["_aquifer.Esn", "_aquifer.Graph"]


def _client_or_default(client: Any) -> Any:
    try:
        from dask.distributed import default_client
    except ImportError as e:  # pragma: no cover - the extra is missing
        raise ImportError("aquifer.dask needs Dask: pip install 'aquifer[dask]'") from e
    if client is not None:
        return client
    try:
        return default_client()
    except ValueError:
        return None


def _block_pairs(x: Any, y: Any) -> List[Tuple[Array, Array]]:
    """The (x, y) pairs of one block of 3-D arrays (series along the first axis)."""
    return [(as_series(x[i], "x"), as_series(y[i], "y")) for i in range(x.shape[0])]


#: A series' targets: one series, or one per readout of a graph (``{readout name: series}``).
Target = Union[Array, Dict[str, Array]]


def _target(y: Any, where: str) -> Target:
    if isinstance(y, dict):
        return {str(k): as_series(v, f"{where}[{k!r}]") for k, v in y.items()}
    return as_series(y, where)


def _many_targets(y: Any) -> List[Target]:
    """Target series from one series, a list of them, or a dict of either by readout name."""
    if not isinstance(y, dict):
        return list(as_many(_computed(y), "y")[0])
    per = {str(k): as_many(_computed(v), f"y[{k!r}]")[0] for k, v in y.items()}
    counts = {len(v) for v in per.values()}
    if len(counts) > 1:
        raise _aquifer.AquiferError(
            "targets by readout: give each readout as many series ("
            + ", ".join(f"{k}: {len(v)}" for k, v in per.items())
            + ")"
        )
    n = counts.pop() if counts else 0
    return [{k: v[i] for k, v in per.items()} for i in range(n)]


def _stacked(y: Target, names: Optional[List[str]]) -> Array:
    """A series' targets as the native model takes them: the readouts' targets side by side,
    in the graph's order of its trained readouts."""
    if not isinstance(y, dict):
        return y
    if names is None:
        raise TypeError("targets by readout name are for an aquifer.Model")
    missing = [k for k in names if k not in y]
    if missing:
        raise _aquifer.AquiferError(f"no targets given for readout(s) {missing}")
    unknown = sorted(set(y) - set(names))
    if unknown:
        raise _aquifer.AquiferError(f"targets for {unknown}: no such readout in the model")
    rows = {len(y[k]) for k in names}
    if len(rows) > 1:
        raise _aquifer.AquiferError(
            "the readouts' targets of one series differ in length ("
            + ", ".join(f"{k}: {len(y[k])}" for k in names)
            + ")"
        )
    return np.hstack([y[k] for k in names]) if len(names) > 1 else y[names[0]]


def _array_pairs(data: Any, targets: Any) -> Any:
    """A bag of pairs from dask arrays chunked along the series (the first axis): each block
    is read on a worker, never on the client."""
    import dask.bag as db
    from dask.delayed import delayed

    for name, a in (("x", data), ("y", targets)):
        if a.ndim != 3 or any(n != 1 for n in a.numblocks[1:]):
            raise _aquifer.AquiferError(
                f"{name}: a dask array of series must be 3-D (series, steps, features) and chunked "
                "along the series only"
            )
    if data.chunks[0] != targets.chunks[0]:
        raise _aquifer.AquiferError("x and y: chunk the series the same way")
    xb, yb = data.to_delayed().ravel(), targets.to_delayed().ravel()
    return db.from_delayed([delayed(_block_pairs)(a, b) for a, b in zip(xb, yb)])


def _pairs(data: Any, targets: Any) -> Any:
    """A bag of (x, y) pairs, or a list of them, from what the caller gave."""
    if targets is not None and _is_dask_array(data) and _is_dask_array(targets):
        return _array_pairs(data, targets)
    if targets is not None:
        xs, _ = as_many(_computed(data), "x")
        ys = _many_targets(targets)
        if len(xs) != len(ys):
            raise _aquifer.AquiferError(f"{len(xs)} input series but {len(ys)} target series")
        return list(zip(xs, ys))
    if _is_bag(data):
        return data
    pairs = list(data)
    for i, p in enumerate(pairs):
        if not (isinstance(p, (tuple, list)) and len(p) == 2):
            raise TypeError(f"series {i}: expected an (x, y) pair")
    return [(as_series(x, f"x[{i}]"), _target(y, f"y[{i}]")) for i, (x, y) in enumerate(pairs)]


def _computed(a: Any) -> Any:
    compute = getattr(a, "compute", None)
    return compute() if callable(compute) and not isinstance(a, np.ndarray) else a


def _is_dask_array(a: Any) -> bool:
    return type(a).__module__.startswith("dask.array")


def _is_bag(a: Any) -> bool:
    return type(a).__module__.startswith("dask.bag")


def _first(pairs: Any) -> Tuple[Array, Target]:
    if _is_bag(pairs):
        # from the first partitions only: never compute the whole bag here
        k, got = 1, ()
        while not got:
            got = pairs.take(1, npartitions=min(k, pairs.npartitions), warn=False)
            if k >= pairs.npartitions:
                break
            k *= 2
        if not got:
            raise _aquifer.AquiferError("no training series")
        x, y = got[0]
        return as_series(x, "x[0]"), _target(y, "y[0]")
    if not pairs:
        raise _aquifer.AquiferError("no training series")
    x, y = pairs[0]
    return as_series(x, "x[0]"), _target(y, "y[0]")


def _prepare(model: Any, x0: Array, y0: Target, warmup: int) -> Tuple[str, bytes, Optional[List[str]]]:
    """Builds the model's native object for these shapes (unfitted) and returns its kind,
    model-file bytes (for the workers), and a graph's trained readouts in the order their
    targets stand side by side (None for an ESN)."""
    if isinstance(model, ESN):
        if isinstance(y0, dict):
            raise TypeError("targets by readout name are for an aquifer.Model; an ESN takes one series")
        reservoir = model.reservoir._native_for(x0.shape[1])
        model._native = _aquifer.Esn.from_reservoir(
            reservoir, model.readout._params_json(), bool(model.input_to_readout), y0.shape[1]
        )
        return "esn", bytes(model._native.to_bytes()), None
    if isinstance(model, Model):
        dims, _ = model._target_dims(y0)
        if isinstance(y0, dict):
            readouts = [n.name for n in model.nodes if n._readout_tag is not None]
            missing = [k for k in readouts if k not in y0]
            if missing:
                raise _aquifer.AquiferError(f"no targets given for readout(s) {missing}")
        graph = model._build(x0.shape[1], dims, [x0], int(warmup))
        return "graph", bytes(graph.to_bytes()), list(graph.trained_names)
    raise TypeError("aquifer.dask fits an aquifer.ESN or an aquifer.Model (with ridge readouts)")


def _native(kind: str, blob: bytes) -> Native:
    return _aquifer.Esn.from_bytes(blob) if kind == "esn" else _aquifer.Graph.from_bytes(blob)


def _stats_of(native: Native, xs: List[Array], ys: List[Array], warmup: int) -> Dict[str, Statistics]:
    if isinstance(native, _aquifer.Esn):
        data, _ = native.statistics(xs, ys, warmup)
        return {"": Statistics(data)}
    parts, _ = native.statistics(xs, ys, warmup)
    return {name: Statistics(data, name) for name, data in parts}


def _partition_statistics(
    kind: str, blob: bytes, warmup: int, names: Optional[List[str]]
) -> Callable[[Iterable[Any]], Any]:
    def run(pairs: Iterable[Any]) -> Optional[Dict[str, Statistics]]:
        got = list(pairs)
        if not got:
            return None
        xs = [as_series(x, "x") for x, _ in got]
        ys = [_stacked(_target(y, "y"), names) for _, y in got]
        return _stats_of(_native(kind, blob), xs, ys, warmup)

    return run


def _merge_all(parts: Iterable[Optional[Dict[str, Statistics]]]) -> Optional[Dict[str, Statistics]]:
    acc: Optional[Dict[str, Statistics]] = None
    for p in parts:
        if p is None:
            continue
        acc = dict(p) if acc is None else {k: acc[k].merge(p[k]) for k in acc}
    return acc


def _solve(model: Any, stats: Dict[str, Statistics]) -> Any:
    if isinstance(model, ESN):
        assert model._native is not None
        model._native.fit_statistics(stats[""].data)
    else:
        model._require_graph().fit_statistics([(k, s.data) for k, s in stats.items()])
    return model


def statistics(model: Any, x: Any, y: Any, warmup: int = 0) -> Dict[str, Statistics]:
    """The readout statistics of series ``x`` towards ``y`` in this process (the model is
    built for their shapes if it is not yet; its state is left unchanged), by readout name
    (``""`` for an ESN's)."""
    xs, _ = as_many(x, "x")
    ys = _many_targets(y)
    kind, blob, names = _prepare(model, xs[0], ys[0], warmup)
    return _stats_of(_native(kind, blob), xs, [_stacked(t, names) for t in ys], int(warmup))


def fit(
    model: Any,
    data: Any,
    targets: Any = None,
    warmup: int = 0,
    *,
    client: Any = None,
    partitions: Optional[int] = None,
    split_every: int = 8,
) -> Any:
    """Fits ``model`` (an :class:`aquifer.ESN`, or an :class:`aquifer.Model` with ridge
    readouts: NVAR, deep or parallel reservoirs) on series spread over a Dask cluster.

    ``data`` is a ``dask.bag.Bag`` of ``(x, y)`` pairs, a list of pairs, or the input series
    with ``targets`` the target series (lists, 3-D arrays, or dask arrays chunked along the
    series). A model with several readouts takes each series' targets as a dict by readout
    name (in the pairs, or ``targets={name: series}``), as ``Model.fit`` does. Lists are split into ``partitions`` (default: twice the workers' threads). Each
    partition's statistics are formed on a worker, merged by a tree reduction of fan-in
    ``split_every`` on the workers, and solved once here. Without a client (none given and
    none running), Dask's local scheduler runs the same graph. Returns the fitted model.
    """
    import dask.bag as db

    client = _client_or_default(client)
    pairs = _pairs(data, targets)
    x0, y0 = _first(pairs)
    kind, blob, names = _prepare(model, x0, y0, warmup)
    if not _is_bag(pairs):
        n = partitions or max(1, 2 * _threads(client))
        pairs = db.from_sequence(pairs, npartitions=min(n, len(pairs)))
    reduced = pairs.reduction(
        _partition_statistics(kind, blob, int(warmup), names), _merge_all, split_every=split_every
    )
    stats = client.compute(reduced).result() if client is not None else reduced.compute()
    if stats is None:
        raise _aquifer.AquiferError("no training series")
    return _solve(model, stats)


def _threads(client: Any) -> int:
    if client is None:
        return 2
    return max(1, int(sum(client.nthreads().values())))


def _chunk_statistics(
    kind: str, blob: bytes, x: Array, y: Array, warmup: int, state: Any
) -> Tuple[Dict[str, Statistics], Any]:
    """One chunk's statistics from ``state`` (None: the model's initial state) and the state
    it ends in (an ESN's state vector, or a graph's state as bytes)."""
    native = _native(kind, blob)
    if isinstance(native, _aquifer.Esn):
        data, last = native.statistics(
            [x], [y], warmup, None if state is None else [float(v) for v in state]
        )
        return {"": Statistics(data)}, last
    parts, after = native.statistics([x], [y], warmup, state)
    return {name: Statistics(data, name) for name, data in parts}, after


def fit_long(
    model: Any,
    x: Any,
    y: Any,
    chunk: int,
    warmup: int = 0,
    *,
    client: Any = None,
) -> Any:
    """Fits an :class:`aquifer.ESN`, or an :class:`aquifer.Model` with ridge readouts (NVAR,
    deep or parallel reservoirs, delays), on one long series (or several: a list) cut into
    chunks of ``chunk`` steps. The chunks of a series run in order, each as a task handed the
    state the previous one ended in (every node's state and every delayed edge's values; the
    warm-up is dropped from the first chunk only); several series run side by side. ``y`` is
    a dict by readout name for a model with several readouts. Only the
    statistics and the states travel; the result equals a fit of the whole series up to
    rounding."""
    from dask.delayed import delayed

    if not isinstance(model, (ESN, Model)):
        raise TypeError("fit_long fits an aquifer.ESN or an aquifer.Model (with ridge readouts)")
    if chunk < 1:
        raise _aquifer.AquiferError(f"chunk = {chunk}: must be at least 1 step")
    client = _client_or_default(client)
    xs, _ = as_many(_computed(x), "x")
    targets = _many_targets(y)
    if len(xs) != len(targets):
        raise _aquifer.AquiferError(f"{len(xs)} input series but {len(targets)} target series")
    kind, blob, names = _prepare(model, xs[0], targets[0], warmup)
    ys = [_stacked(t, names) for t in targets]
    tasks = []
    for s, (xi, yi) in enumerate(zip(xs, ys)):
        if len(xi) != len(yi):
            raise _aquifer.AquiferError(f"series {s}: {len(xi)} input rows but {len(yi)} target rows")
        if len(xi) <= warmup:
            raise _aquifer.AquiferError(f"series {s}: {len(xi)} rows, too short for warmup = {warmup}")
        # the warm-up belongs to the first chunk, which holds it whole
        bounds = []
        start, end = 0, min(len(xi), max(chunk, warmup + 1))
        while start < len(xi):
            bounds.append((start, end))
            start, end = end, min(len(xi), end + chunk)
        state = None
        for start, end in bounds:
            piece = delayed(_chunk_statistics, nout=2)(
                kind, blob, xi[start:end], yi[start:end], warmup if start == 0 else 0, state
            )
            tasks.append(piece[0])
            state = piece[1]
    merged = delayed(_merge_all)(tasks)
    result = client.compute(merged).result() if client is not None else merged.compute()
    return _solve(model, result)


def _run_partition(kind: str, blob: bytes) -> Callable[[Iterable[Any]], List[Any]]:
    def run(xs: Iterable[Any]) -> List[Any]:
        native = _native(kind, blob)
        series = [as_series(x, "x") for x in xs]
        if not series:
            return []
        out = native.run_many(series)
        return list(out)

    return run


def predict(model: Any, data: Any, *, client: Any = None, partitions: Optional[int] = None) -> List[Any]:
    """Runs a fitted model over many series on the workers, each from the model's current
    state (as ``run`` on a list), and gathers the outputs in the series' order. ``data`` is a
    ``dask.bag.Bag`` of series, a list, or a 3-D array."""
    import dask.bag as db

    client = _client_or_default(client)
    if isinstance(model, ESN):
        kind, blob = "esn", bytes(model._esn().to_bytes())
    elif isinstance(model, Model):
        kind, blob = "graph", bytes(model._require_graph().to_bytes())
    else:
        raise TypeError("aquifer.dask.predict runs an aquifer.ESN or an aquifer.Model")
    if _is_bag(data):
        bag = data
    else:
        xs, _ = as_many(_computed(data), "x")
        n = partitions or max(1, 2 * _threads(client))
        bag = db.from_sequence(xs, npartitions=min(n, len(xs)))
    outs = bag.map_partitions(_run_partition(kind, blob))
    got = client.compute(outs).result() if client is not None else outs.compute()
    if isinstance(model, Model):
        return [model._outputs(o) for o in got]
    return list(got)


def _run_trial(
    objective: Callable[[Dict[str, Any], int], float],
    params_json: str,
    seeds: List[int],
    threads: int,
) -> Tuple[List[Union[float, str]], float]:
    """One trial on a worker: the objective for each instance's seed, in order, with at most
    ``threads`` threads for the Aquifer work inside it; an exception is reported as a message
    (and ends the trial), as the study records it."""
    import json
    import time

    start = time.perf_counter()
    params = json.loads(params_json)
    results: List[Union[float, str]] = []
    for seed in seeds:
        try:
            loss = _aquifer.call_with_threads(threads, lambda: objective(params, int(seed)))
            results.append(float(loss))  # type: ignore[arg-type]
        except Exception as e:  # the study records the failure and goes on
            results.append(f"{type(e).__name__}: {e}")
            break
    return results, time.perf_counter() - start


def optimize(
    study: Study,
    objective: Callable[[Dict[str, Any], int], float],
    n_trials: int,
    *,
    client: Any = None,
    retries: int = 2,
    threads_per_trial: int = 1,
) -> Study:
    """Runs a study's trials as Dask tasks on the cluster's workers until ``n_trials`` are
    finished (recorded ones count: a resumed study goes on). ``objective(params, seed)``
    returns a loss, as for :meth:`aquifer.search.Study.optimize`, and must pickle (a function
    of a module, not a lambda typed at the prompt, when workers are other processes).

    Each trial is one task, its instances run one after the other on one worker thread; the
    trials of a batch run side by side, and a batch starts when the one before it is recorded
    (TPE draws from the batches before). Results come back to this process, which records
    each trial as it finishes (the study's JSON-lines file, when it has one). A task whose
    worker dies is run again by Dask (up to ``retries`` times); a trial is recorded once
    however often it ran. The hyperparameters and losses are those a single process gives.
    Aquifer's own parallel work inside a trial uses at most ``threads_per_trial`` threads (1:
    the worker thread running it), so a worker runs as many trials at once as it has threads
    and no more cores than that."""
    from dask.distributed import as_completed

    client = _client_or_default(client)
    if client is None:
        raise _aquifer.AquiferError("aquifer.dask.optimize needs a Dask client (Client(...))")
    native = study._native
    batch = int(study.spec["batch"])
    for first in range(0, int(n_trials), batch):
        done = {int(t["number"]) for t in study.trials}
        todo = [k for k in range(first, min(first + batch, int(n_trials))) if k not in done]
        if not todo:
            continue
        futures = {}
        for k in todo:
            params_json, seeds = native.ask(k)
            f = client.submit(
                _run_trial, objective, params_json, seeds, int(threads_per_trial),
                retries=retries, pure=False,
            )
            futures[f] = (k, params_json)
        for f in as_completed(list(futures)):
            k, params_json = futures[f]
            try:
                results, seconds = f.result()
            except Exception as e:  # the task itself failed (every retry)
                results, seconds = [f"the task failed: {type(e).__name__}: {e}"], 0.0
            native.tell(k, params_json, list(results), float(seconds))
    return study


def _max_rss() -> int:
    import resource
    import sys

    used = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return used if sys.platform == "darwin" else used * 1024


def peak_memory(client: Any = None) -> Dict[str, int]:
    """The largest resident memory (bytes) each worker process has held so far, by worker
    address: the interpreter, NumPy and Aquifer themselves (about 150 MB), and at most one
    partition's or chunk's series and states and the statistics on top."""
    client = _client_or_default(client)
    if client is None:
        raise _aquifer.AquiferError("peak_memory needs a Dask client")
    return {k: int(v) for k, v in client.run(_max_rss).items()}
