"""scikit-learn estimators: :class:`ESNRegressor` (a time series, step by step) and
:class:`ESNClassifier` (one label per series), usable in ``Pipeline`` and ``GridSearchCV``.

* ``ESNRegressor``: ``X`` of shape ``(timesteps, features)`` is **one series** (rows are time
  steps, as everywhere in Aquifer), ``y`` its targets at every step; ``predict`` runs a series
  from a zero state. Several series: a list or a 3-D array, and a matching ``y``.
* ``ESNClassifier``: each sample is a series. A 2-D ``X`` ``(samples, timesteps)`` holds one
  univariate series per row (sktime's convention); a 3-D array ``(samples, timesteps,
  features)`` or a list of ``(timesteps, features)`` arrays holds multivariate series of any
  lengths. The readout learns the class at every step; a series' class is the argmax of its
  outputs averaged over all steps (``decision="mean"``) or its last ``last_steps``
  (``decision="last"``). Each series starts from a zero state.

>>> import numpy as np, aquifer.sklearn
>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import StandardScaler
>>> x = aquifer.datasets.mackey_glass(1200)
>>> reg = make_pipeline(StandardScaler(), aquifer.sklearn.ESNRegressor(units=200, lr=0.3, sr=1.25, ridge=1e-7, warmup=100, random_state=0))
>>> _ = reg.fit(x[:1000], x[1:1001].ravel())
>>> pred = reg.predict(x[1000:1199])          # from a zero state: skip its first steps
>>> bool(aquifer.metrics.nrmse(x[1101:1200], pred[100:]) < 0.01)
True
"""

from __future__ import annotations

import numbers
from typing import Any, List, Optional, Tuple

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ImportError as e:  # pragma: no cover - optional dependency
    raise ImportError("aquifer.sklearn needs scikit-learn: pip install 'aquifer[sklearn]'") from e

from . import _aquifer, _params
from ._series import as_many
from .esn import ESN


def _seed(random_state: Any) -> int:
    if random_state is None:
        return _params.seed_or_random(None)
    if isinstance(random_state, numbers.Integral):
        return _params.seed_or_random(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError(f"random_state: expected None, an int or a RandomState, got {random_state!r}")


class _ESNParams(BaseEstimator):  # type: ignore[misc]
    """The hyperparameters the two estimators share (ReservoirPy's names)."""

    def _esn(self) -> ESN:
        return ESN(
            units=self.units,
            lr=self.lr,
            sr=self.sr,
            input_scaling=self.input_scaling,
            input_connectivity=self.input_connectivity,
            rc_connectivity=self.rc_connectivity,
            bias=self.bias,
            activation=self.activation,
            ridge=self.ridge,
            fit_bias=self.fit_bias,
            input_to_readout=self.input_to_readout,
            seed=_seed(self.random_state),
        )


def _is_many(X: Any) -> bool:
    return isinstance(X, (list, tuple)) and len(X) > 0 and np.ndim(X[0]) == 2 or (
        isinstance(X, np.ndarray) and X.ndim == 3
    )


class ESNRegressor(RegressorMixin, _ESNParams):  # type: ignore[misc]
    """Echo state network regression along a time series (see the module documentation)."""

    def __init__(
        self,
        units: int = 100,
        lr: float = 1.0,
        sr: float = 1.0,
        input_scaling: float = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        bias: float = 0.0,
        activation: str = "tanh",
        ridge: float = 1e-6,
        fit_bias: bool = True,
        input_to_readout: bool = True,
        warmup: int = 0,
        random_state: Any = None,
    ) -> None:
        self.units = units
        self.lr = lr
        self.sr = sr
        self.input_scaling = input_scaling
        self.input_connectivity = input_connectivity
        self.rc_connectivity = rc_connectivity
        self.bias = bias
        self.activation = activation
        self.ridge = ridge
        self.fit_bias = fit_bias
        self.input_to_readout = input_to_readout
        self.warmup = warmup
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> "ESNRegressor":
        """Fits on one series ``X`` (rows are time steps) and its targets ``y``, or on several
        series (a list or a 3-D array) and theirs."""
        if _is_many(X):
            xs, _ = as_many(X, "X")
            ys, _ = as_many(y, "y")
            self.n_features_in_ = xs[0].shape[1]
            self._y_1d = False
        else:
            Xv, yv = validate_data(self, X, y, multi_output=True, y_numeric=True)
            self._y_1d = yv.ndim == 1
            xs, ys = [Xv], [yv.reshape(len(yv), -1)]
        if self.warmup >= min(len(x) for x in xs):
            raise ValueError(f"warmup ({self.warmup}) must be shorter than every series")
        self.esn_ = self._esn().fit(xs, [np.asarray(v, dtype=np.float64) for v in ys], warmup=self.warmup)
        return self

    def predict(self, X: Any) -> Any:
        """Outputs along the series ``X`` from a zero state (a list for several series)."""
        check_is_fitted(self, "esn_")
        if _is_many(X):
            xs, form = as_many(X, "X")
            self.esn_.reset()
            out = self.esn_.run(xs)
            return out
        Xv = validate_data(self, X, reset=False)
        self.esn_.reset()
        out = self.esn_.run(Xv)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class ESNClassifier(ClassifierMixin, _ESNParams):  # type: ignore[misc]
    """Echo state network sequence classification (see the module documentation)."""

    def __init__(
        self,
        units: int = 100,
        lr: float = 1.0,
        sr: float = 1.0,
        input_scaling: float = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        bias: float = 0.0,
        activation: str = "tanh",
        ridge: float = 1e-6,
        fit_bias: bool = True,
        input_to_readout: bool = False,
        decision: str = "mean",
        last_steps: int = 1,
        random_state: Any = None,
    ) -> None:
        self.units = units
        self.lr = lr
        self.sr = sr
        self.input_scaling = input_scaling
        self.input_connectivity = input_connectivity
        self.rc_connectivity = rc_connectivity
        self.bias = bias
        self.activation = activation
        self.ridge = ridge
        self.fit_bias = fit_bias
        self.input_to_readout = input_to_readout
        self.decision = decision
        self.last_steps = last_steps
        self.random_state = random_state

    def _series(self, X: Any, reset: bool) -> List[np.ndarray]:
        if _is_many(X):
            xs, _ = as_many(X, "X")
            if reset:
                self.n_features_in_ = xs[0].shape[1]
            return xs
        Xv = validate_data(self, X, reset=reset)
        return [row.reshape(-1, 1) for row in Xv]

    def fit(self, X: Any, y: Any) -> "ESNClassifier":
        """Fits on series ``X`` (rows of a 2-D array, a 3-D array, or a list) and one label
        per series ``y``."""
        if self.decision not in ("mean", "last"):
            raise ValueError(f"decision: {self.decision!r} is not 'mean' or 'last'")
        if not _is_many(X):
            X, y = validate_data(self, X, y)
        xs = self._series(X, reset=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            import warnings

            from sklearn.exceptions import DataConversionWarning

            warnings.warn("y should be a 1-D array of labels", DataConversionWarning, stacklevel=2)
            y = y.ravel()
        check_classification_targets(y)
        if len(y) != len(xs):
            raise ValueError(f"{len(xs)} series but {len(y)} labels")
        self.classes_, codes = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        targets = []
        for x, c in zip(xs, codes):
            t = np.zeros((x.shape[0], k))
            t[:, c] = 1.0
            targets.append(t)
        self.esn_ = self._esn().fit(xs, targets)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Per series, the readout's outputs averaged over its steps (or its last
        ``last_steps``): one score per class."""
        check_is_fitted(self, "esn_")
        xs = self._series(X, reset=False)
        self.esn_.reset()
        outs = self.esn_.run(xs)
        if self.decision == "mean":
            scores = np.stack([o.mean(axis=0) for o in outs])
        else:
            scores = np.stack([o[-max(1, int(self.last_steps)):].mean(axis=0) for o in outs])
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, X: Any) -> np.ndarray:
        """The class of each series."""
        check_is_fitted(self, "esn_")
        scores = self.decision_function(X)
        codes = (scores > 0).astype(int) if scores.ndim == 1 else np.argmax(scores, axis=1)
        return np.asarray(self.classes_[codes])


#: The checks of ``sklearn.utils.estimator_checks`` expected to fail, and why.
EXPECTED_FAILED_CHECKS = {
    "ESNRegressor": {
        "check_methods_subset_invariance": "rows are time steps of one series: a row's "
        "prediction depends on the rows before it (the reservoir's memory)",
        "check_methods_sample_order_invariance": "rows are time steps: reordering them "
        "changes the series",
    },
    "ESNClassifier": {},
}
