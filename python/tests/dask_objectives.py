"""Objectives for the distributed-search tests: a module of its own, which the tests send to
the Dask workers (``Client.upload_file``), as a user ships their code to a cluster."""

from typing import Any

import aquifer

SERIES = aquifer.datasets.mackey_glass(1200)


def objective(p: Any, seed: int) -> float:
    """An ESN's validation NRMSE on Mackey-Glass; fails on purpose for very small radii."""
    if p["sr"] < 0.12:
        raise ValueError("radius too small")
    e = aquifer.ESN(units=40, sr=p["sr"], lr=p["lr"], ridge=1e-6, seed=seed)
    e.fit(SERIES[:800], SERIES[1:801], warmup=50)
    return float(aquifer.metrics.nrmse(SERIES[801:1100], e.run(SERIES[800:1099])))


def slow_objective(p: Any, seed: int) -> float:
    """The same, a third of a second slower (time to kill a worker meanwhile)."""
    import time

    time.sleep(0.3)
    return objective(p, seed)


def threads_seen(p: Any, seed: int) -> float:
    """The thread budget Aquifer's work has inside the trial."""
    return float(aquifer._aquifer.current_threads())
