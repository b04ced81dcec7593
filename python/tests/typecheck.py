"""Checked by mypy --strict (scripts/test): the public API as a user writes it."""

from typing import Any, List

import numpy as np
import numpy.typing as npt

import aquifer


def forecast(series: npt.NDArray[np.float64]) -> float:
    reservoir = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=0)
    readout = aquifer.Ridge(ridge=1e-7)
    model: aquifer.Model = reservoir >> readout
    model.fit(series[:-1], series[1:], warmup=10)
    pred: Any = model.run(series)
    state: npt.NDArray[np.float64] = reservoir.state()
    esn = aquifer.ESN(units=50, seed=1).fit(series[:-1], series[1:])
    generated: npt.NDArray[np.float64] = esn.generate(10, warmup=series)
    esn.save("model.aqf")
    loaded: Any = aquifer.load("model.aqf")
    labels: List[int] = [0, 1]
    _ = (pred, state, generated, loaded, labels)
    return aquifer.metrics.nrmse(series[1:], series[:-1])
