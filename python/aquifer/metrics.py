"""Metrics on series ``(timesteps, features)`` (1-D arrays are one feature).

>>> import numpy as np, aquifer
>>> y = np.array([0.0, 1.0, 2.0, 3.0])
>>> aquifer.metrics.rmse(y, y + 0.5)
0.5
>>> round(aquifer.metrics.nrmse(y, y + 0.3), 12)   # by the range of y, as ReservoirPy
0.1
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from . import _aquifer
from ._series import as_series


def _pair(y: Any, y_hat: Any) -> Tuple[Any, Any]:
    return as_series(y, "y"), as_series(y_hat, "y_hat")


def mse(y: Any, y_hat: Any) -> float:
    """Mean squared error."""
    return float(_aquifer.metric("mse", *_pair(y, y_hat)))


def rmse(y: Any, y_hat: Any) -> float:
    """Root mean squared error."""
    return float(_aquifer.metric("rmse", *_pair(y, y_hat)))


def mae(y: Any, y_hat: Any) -> float:
    """Mean absolute error."""
    return float(_aquifer.metric("mae", *_pair(y, y_hat)))


def nrmse(y: Any, y_hat: Any, norm: str = "minmax") -> float:
    """RMSE normalised by ``y``'s range (``"minmax"``, ReservoirPy's default), ``"std"``,
    ``"var"``, ``"mean"`` or ``"q1q3"`` (interquartile range)."""
    names = {"minmax": "range", "range": "range", "std": "std", "var": "var", "mean": "mean", "q1q3": "iqr", "iqr": "iqr"}
    if norm not in names:
        raise ValueError(f"norm: {norm!r} is not one of minmax, std, var, mean, q1q3")
    return float(_aquifer.metric("nrmse", *_pair(y, y_hat), names[norm]))


def rsquare(y: Any, y_hat: Any) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``, pooled over features (each centred
    on its own mean)."""
    return float(_aquifer.metric("r2", *_pair(y, y_hat)))


r2 = rsquare


def valid_prediction_time(y: Any, y_hat: Any, threshold: float = 0.4, sigma: Any = None) -> int:
    """Steps until the error, normalised per feature by ``sigma`` (the attractor's standard
    deviation, from a long trajectory) or else by ``y``'s own, first exceeds ``threshold``."""
    s = None if sigma is None else [float(v) for v in np.ravel(sigma)]
    return int(_aquifer.valid_prediction_time(*_pair(y, y_hat), float(threshold), s))


def lyapunov_times(steps: int, dt: float, exponent: float) -> float:
    """``steps`` samples ``dt`` time units apart, in Lyapunov times of a system whose largest
    exponent is ``exponent`` (see :func:`aquifer.datasets.largest_lyapunov_exponent`)."""
    return float(steps) * float(dt) * float(exponent)


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of equal labels."""
    a, b = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if a.shape != b.shape:
        raise ValueError(f"{a.size} true labels but {b.size} predicted")
    return float(np.mean(a == b)) if a.size else float("nan")


def memory_capacity(reservoir: Any, max_delay: int, train: int = 2000, test: int = 1000, ridge: float = 1e-8, seed: int = 0) -> Tuple[np.ndarray, float]:
    """Memory capacity (Jaeger 2001) of a one-input :class:`~aquifer.Reservoir`: the squared
    correlation of each delay's reconstruction, and their sum (at most the units)."""
    native = reservoir._native_for(1)
    per, total = _aquifer.memory_capacity(native, int(max_delay), int(train), int(test), float(ridge), int(seed))
    return np.asarray(per), float(total)
