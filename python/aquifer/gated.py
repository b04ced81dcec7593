"""Gated reservoirs (ESGP): a fixed sparse recurrent matrix with learned input and gate weights,
stacked layers, and a linear head, trained end to end by backpropagation through time (full or
truncated) with Adam.

>>> import numpy as np, aquifer
>>> rng = np.random.default_rng(0)
>>> xs = [rng.normal(size=(20, 2)) for _ in range(64)]
>>> labels = np.array([int(x[:, 0].sum() > 0) for x in xs])
>>> model = aquifer.GatedModel(units=16, epochs=30, learning_rate=2e-2, seed=0)
>>> _ = model.fit(xs, labels, task="classes")
>>> bool(aquifer.metrics.accuracy(labels, model.classify(xs)) > 0.9)
True
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from . import _aquifer, _params, _trained
from ._series import Array, as_many, as_series, labels as as_labels, restore


class GatedModel(_trained.Saved):
    """A gated reservoir and its head. ``fit(x, y, task=...)`` learns target series
    (``"series"``: an output at every step), one row per series (``"last"``), or classes
    (``"classes"``: integer labels, softmax cross-entropy).

    Hyperparameters: ``units``, ``layers``, ``rc_connectivity``, ``sr``, ``input_bias``, and the
    training's ``learning_rate``, ``epochs``, ``batch_size``, ``clip``, ``validation_fraction``,
    ``patience``, ``window`` (truncated BPTT), ``refit_ridge`` (closed-form head after
    training), ``seed``; unset ones keep the core's defaults.
    """

    def __init__(
        self,
        units: Optional[int] = None,
        layers: Optional[int] = None,
        rc_connectivity: Optional[float] = None,
        sr: Optional[float] = None,
        input_bias: Optional[bool] = None,
        learning_rate: Optional[float] = None,
        epochs: Optional[int] = None,
        batch_size: Optional[int] = None,
        clip: Any = "default",
        validation_fraction: Optional[float] = None,
        patience: Optional[int] = None,
        window: Optional[int] = None,
        refit_ridge: Optional[float] = None,
        seed: int = 0,
    ) -> None:
        self.params = _trained.defaults("gated")
        for key, value in (("units", units), ("layers", layers), ("rc_connectivity", rc_connectivity), ("spectral_radius", sr), ("input_bias", input_bias)):
            if value is not None:
                self.params[key] = value
        self.params["seed"] = int(seed)
        self.training = _trained.defaults("gated_training")
        self.training["schedule"] = _trained.schedule(
            self.training["schedule"], learning_rate=learning_rate, epochs=epochs,
            batch_size=batch_size, clip=clip, validation_fraction=validation_fraction,
            patience=patience, seed=seed,
        )
        self.training["window"] = window
        self.training["refit_ridge"] = refit_ridge
        self.task: Optional[str] = None
        self.classes_: Optional[np.ndarray] = None
        self._native: Optional[_aquifer.Gated] = None

    _native_type = _aquifer.Gated

    def _model(self) -> _aquifer.Gated:
        if self._native is None:
            raise _aquifer.NotFittedError("the gated model is not fitted: call fit first")
        return self._native

    def fit(self, x: Any, y: Any, task: str = "series", warmup: int = 0) -> "GatedModel":
        """Trains on series ``x`` towards ``y``: target series (``task="series"``), one row
        per series (``"last"``), or class labels (``"classes"``)."""
        xs, _ = as_many(x, "x")
        inputs = xs[0].shape[1]
        if task == "series":
            ys, _ = as_many(y, "y")
            self._native = self._build(inputs, ys[0].shape[1])
            self._native.fit_series(xs, ys, int(warmup))
        elif task == "last":
            Y = as_series(y, "y")
            self._native = self._build(inputs, Y.shape[1])
            self._native.fit_last(xs, Y)
        elif task == "classes":
            lab = as_labels(y)
            self.classes_, codes = np.unique(lab, return_inverse=True)
            self._native = self._build(inputs, len(self.classes_))
            self._native.fit_classes(xs, [int(c) for c in codes], len(self.classes_))
        else:
            raise ValueError(f"task: {task!r} is not one of series, last, classes")
        self.task = task
        return self

    def _build(self, inputs: int, outputs: int) -> _aquifer.Gated:
        return _aquifer.Gated.build(_params.dumps(self.params), _params.dumps(self.training), inputs, outputs)

    def run(self, x: Any) -> Any:
        """Outputs: ``(timesteps, outputs)`` for series targets, ``(1, outputs)`` (the last
        step's values or class scores) otherwise; a list for several series."""
        xs, form = as_many(x, "x")
        if form == "one":
            return self._model().run(xs[0])
        return restore(self._model().run_many(xs), form)

    predict = run

    def classify(self, x: Any) -> np.ndarray:
        """The class of each series (for a model fitted with ``task="classes"``)."""
        xs, _ = as_many(x, "x")
        codes = np.asarray(self._model().classify(xs), dtype=int)
        return codes if self.classes_ is None else self.classes_[codes]

    def reset(self) -> "GatedModel":
        self._model().reset()
        return self

    @property
    def report(self) -> Optional[Dict[str, Any]]:
        """Training (and validation) loss per epoch, and the epoch kept."""
        return None if self._native is None else _trained.report(self._native)
