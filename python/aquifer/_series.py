"""Series in and out: the shapes numpy users write, checked and turned into what the core reads.

A series is a float64 array of shape ``(timesteps, features)``; a 1-D array is one feature.
Several series are a list of such arrays (lengths may differ) or one array of shape
``(series, timesteps, features)``. Other numeric dtypes are converted; C- and Fortran-ordered
arrays and strided views are read in place.
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
SeriesLike = Union[npt.ArrayLike, Sequence[npt.ArrayLike]]


def as_series(x: Any, what: str = "x") -> Array:
    """One series as a 2-D float64 array ``(timesteps, features)``."""
    a = _numeric(x, what)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim != 2:
        raise ValueError(
            f"{what}: expected one series of shape (timesteps, features) or (timesteps,), "
            f"got an array of shape {a.shape}"
        )
    return a


def as_many(x: Any, what: str = "x") -> Tuple[List[Array], str]:
    """Series as a list of 2-D arrays, and the form they came in: ``"one"`` (a 1-D or 2-D
    array), ``"list"`` (a list or tuple of series) or ``"stack"`` (a 3-D array)."""
    if isinstance(x, (list, tuple)) and len(x) > 0 and _is_series(x[0]):
        return [as_series(s, f"{what}[{i}]") for i, s in enumerate(x)], "list"
    a = _numeric(x, what)
    if a.ndim == 3:
        return [a[i] for i in range(a.shape[0])], "stack"
    return [as_series(a, what)], "one"


def restore(outputs: List[Array], form: str) -> Any:
    """Outputs in the form the inputs came in."""
    if form == "one":
        return outputs[0]
    if form == "stack":
        return np.stack(outputs)
    return outputs


def _is_series(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.ndim >= 1 or (
        isinstance(x, (list, tuple)) and len(x) > 0 and isinstance(x[0], (list, tuple, np.ndarray))
    )


def _numeric(x: Any, what: str) -> Array:
    if x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{what}: expected a numeric array, got {type(x).__name__}")
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what}: not a numeric array ({e})") from None
    if a.dtype == object or a.dtype.kind in "USVMm":
        raise TypeError(f"{what}: expected a numeric array, got dtype {a.dtype}")
    if a.dtype.kind == "c":
        raise TypeError(f"{what}: complex values are not supported")
    if a.dtype != np.float64:
        a = a.astype(np.float64)
    if a.size == 0:
        raise ValueError(f"{what}: empty series (shape {a.shape})")
    return a


def labels(y: Any, what: str = "y") -> npt.NDArray[Any]:
    """A 1-D array of class labels."""
    a = np.asarray(y)
    if a.ndim != 1:
        raise ValueError(f"{what}: expected one label per series (a 1-D array), got shape {a.shape}")
    return a
