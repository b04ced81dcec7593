"""Datasets: the chaotic systems and the real series the field benchmarks on. Each generator
takes its parameters by name (defaults as ReservoirPy's) and returns a float64 array
``(timesteps, features)``.

>>> import aquifer
>>> aquifer.datasets.mackey_glass(500).shape
(500, 1)
>>> aquifer.datasets.lorenz(100, h=0.01).shape
(100, 3)
>>> x_train, y_train, x_test, y_test = aquifer.datasets.japanese_vowels()
>>> len(x_train), x_train[0].shape[1], len(x_test)
(270, 12, 370)
"""

from __future__ import annotations

from typing import Any, List, Sequence, Tuple

import numpy as np

from . import _aquifer, _params
from ._series import Array, as_series


def _gen(name: str, n_timesteps: int, params: Any) -> Array:
    return _aquifer.generate(name, int(n_timesteps), _params.dumps(params))


def mackey_glass(n_timesteps: int, **params: Any) -> Array:
    """Mackey-Glass delay equation (``tau``, ``a``, ``b``, ``n``, ``x0``, ``h``, ``seed``...);
    ``subsample=k`` keeps one value every ``k`` integration steps of ``h``."""
    return _gen("mackey_glass", n_timesteps, params)


def lorenz(n_timesteps: int, **params: Any) -> Array:
    """Lorenz-63 (``rho``, ``sigma``, ``beta``, ``x0``, ``h``)."""
    return _gen("lorenz", n_timesteps, params)


def rossler(n_timesteps: int, **params: Any) -> Array:
    """Rossler attractor."""
    return _gen("rossler", n_timesteps, params)


def multiscroll(n_timesteps: int, **params: Any) -> Array:
    """Multiscroll attractor."""
    return _gen("multiscroll", n_timesteps, params)


def rabinovich_fabrikant(n_timesteps: int, **params: Any) -> Array:
    """Rabinovich-Fabrikant system."""
    return _gen("rabinovich_fabrikant", n_timesteps, params)


def double_scroll(n_timesteps: int, **params: Any) -> Array:
    """The double-scroll electronic circuit (Gauthier et al. 2021)."""
    return _gen("double_scroll", n_timesteps, params)


def lorenz96(n_timesteps: int, **params: Any) -> Array:
    """Lorenz-96 (``n_dims``/``N``, ``F``...)."""
    return _gen("lorenz96", n_timesteps, params)


def henon_map(n_timesteps: int, **params: Any) -> Array:
    """Henon map."""
    return _gen("henon_map", n_timesteps, params)


def logistic_map(n_timesteps: int, **params: Any) -> Array:
    """Logistic map."""
    return _gen("logistic_map", n_timesteps, params)


def kuramoto_sivashinsky(n_timesteps: int, **params: Any) -> Array:
    """Kuramoto-Sivashinsky equation by ETDRK4 (ReservoirPy's defaults)."""
    return _gen("kuramoto_sivashinsky", n_timesteps, params)


#: Largest Lyapunov exponents from the literature (per time unit): Lorenz-63 at (10, 28, 8/3)
#: and Rossler at (0.2, 0.2, 5.7), Sprott 2003.
LYAPUNOV = {"lorenz": 0.9056, "rossler": 0.0714}


def largest_lyapunov_exponent(system: str, time: float = 1000.0, **params: Any) -> float:
    """The largest Lyapunov exponent (per time unit) of a flow (``"lorenz"``, ``"rossler"``,
    ``"multiscroll"``, ``"rabinovich_fabrikant"``, ``"double_scroll"``, ``"lorenz96"``,
    ``"kuramoto_sivashinsky"``,
    ``"mackey_glass"``) with the generator's parameters, by Benettin's method over ``time``
    time units.

    >>> import aquifer
    >>> round(aquifer.datasets.largest_lyapunov_exponent("lorenz", 400, h=0.01), 2)
    0.9
    """
    return float(_aquifer.largest_lyapunov_exponent(system, _params.dumps(params), float(time)))


def narma(n_timesteps: int, **params: Any) -> Tuple[Array, Array]:
    """NARMA: the input series ``u`` and the target ``y`` (``order``, ``seed``...)."""
    return _aquifer.narma(int(n_timesteps), _params.dumps(params))


def narma10(n_timesteps: int, seed: int = 0, **params: Any) -> Tuple[Array, Array]:
    """The classic NARMA-10 of Atiya & Parlos (2000): order 10, ``a1 = 0.3, a2 = 0.05,
    b = 1.5, c = 0.1`` (``narma`` uses ReservoirPy's constants unless told otherwise).

    >>> import aquifer
    >>> u, y = aquifer.datasets.narma10(1000)
    >>> u.shape, bool(0.0 <= u.min() and u.max() <= 0.5)
    ((1000, 1), True)
    """
    constants = {"order": 10, "a1": 0.3, "a2": 0.05, "b": 1.5, "c": 0.1, "seed": int(seed)}
    constants.update(params)
    return _aquifer.narma(int(n_timesteps), _params.dumps(constants))


def mso(n_timesteps: int, freqs: Sequence[float], normalize: bool = True) -> Array:
    """A sum of sines of the frequencies ``freqs``."""
    return _aquifer.mso(int(n_timesteps), [float(f) for f in freqs], bool(normalize))


def to_forecasting(series: Any, forecast: int = 1, test_size: Any = None) -> Any:
    """Input and target ``forecast`` steps ahead; with ``test_size`` (steps, or a fraction),
    also split into ``(x_train, x_test, y_train, y_test)`` as ReservoirPy does."""
    s = as_series(series, "series")
    if forecast < 1 or forecast >= s.shape[0]:
        raise ValueError(f"forecast: must be in [1, {s.shape[0] - 1}], got {forecast}")
    x, y = s[:-forecast], s[forecast:]
    if test_size is None:
        return x, y
    n = x.shape[0]
    test = int(round(test_size * n)) if isinstance(test_size, float) and test_size < 1 else int(test_size)
    if not 0 < test < n:
        raise ValueError(f"test_size: must leave training and test steps, got {test_size}")
    return x[:-test], x[-test:], y[:-test], y[-test:]


def sunspots(monthly: bool = True) -> Array:
    """Sunspot numbers (SILSO), monthly or yearly."""
    return _aquifer.real_series("sunspots_monthly" if monthly else "sunspots_yearly")


def santafe_laser() -> Array:
    """The Santa Fe competition's laser series (set A)."""
    return _aquifer.real_series("santafe_laser")


def japanese_vowels(one_hot_encode: bool = True, repeat_targets: bool = False) -> Tuple[List[Array], Any, List[Array], Any]:
    """Japanese vowels (270 training and 370 test utterances of 12 LPC coefficients, 9
    speakers): ``(x_train, y_train, x_test, y_test)``. Labels one-hot ``(1, 9)`` per series
    (ReservoirPy's default), ``repeat_targets`` repeats them over the series' steps;
    ``one_hot_encode=False`` gives integer labels."""
    xtr, ltr, xte, lte = _aquifer.japanese_vowels()

    def targets(xs: List[Array], labels: List[int]) -> Any:
        if not one_hot_encode:
            return np.asarray(labels)
        out = []
        for x, c in zip(xs, labels):
            row = np.zeros((1, 9))
            row[0, c] = 1.0
            out.append(np.repeat(row, x.shape[0], axis=0) if repeat_targets else row)
        return out

    return list(xtr), targets(xtr, ltr), list(xte), targets(xte, lte)


def digits() -> Tuple[Array, Array]:
    """The 8x8 handwritten digits: images as rows of 64 values, and labels."""
    images, labels = _aquifer.digits()
    return images, np.asarray(labels)


def mnist1d() -> Tuple[Array, Array, Array, Array]:
    """MNIST-1D: training rows, labels, test rows, labels."""
    a, la, b, lb = _aquifer.mnist1d()
    return a, np.asarray(la), b, np.asarray(lb)
