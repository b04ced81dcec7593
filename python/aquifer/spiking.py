"""Liquid state machines: a spiking LIF liquid (Dale's law, Erdos-Renyi, Watts-Strogatz or
Barabasi-Albert topology) whose binned firing rates feed a readout, trained together by
surrogate gradients.

>>> import numpy as np, aquifer
>>> rng = np.random.default_rng(1)
>>> xs = [np.abs(rng.normal(size=(24, 3))) * (1 + (i % 2)) for i in range(60)]
>>> labels = np.array([i % 2 for i in range(60)])
>>> lsm = aquifer.LSMClassifier(units=40, epochs=15, learning_rate=1e-2, seed=0)
>>> _ = lsm.fit(xs, labels)
>>> bool(aquifer.metrics.accuracy(labels, lsm.classify(xs)) > 0.8)
True
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from . import _aquifer, _params, _trained
from ._series import as_many, labels as as_labels, restore


class LSMClassifier(_trained.Saved):
    """A liquid of ``units`` LIF neurons and a readout of its binned rates, classifying whole
    series. Liquid hyperparameters by name (``rc_connectivity``, ``sr``, ``exc_ratio``,
    ``beta``, ``threshold``, ``refractory``, ``topology``, ``input_scaling``,
    ``input_connectivity``...) and training ones (``bins``, ``train_input``,
    ``train_recurrent``, ``learning_rate``, ``epochs``, ``batch_size``, ``clip``,
    ``validation_fraction``, ``patience``); unset ones keep the core's defaults."""

    _liquid_keys = {
        "units": "units", "rc_connectivity": "rc_connectivity", "sr": "spectral_radius",
        "exc_ratio": "exc_ratio", "beta": "beta", "threshold": "threshold",
        "refractory": "refractory", "topology": "topology", "input_scaling": "input_scaling",
        "input_connectivity": "input_connectivity", "reset": "reset", "inhibition": "inhibition",
    }

    def __init__(
        self,
        units: Optional[int] = None,
        bins: Optional[int] = None,
        train_input: Optional[bool] = None,
        train_recurrent: Optional[bool] = None,
        learning_rate: Optional[float] = None,
        epochs: Optional[int] = None,
        batch_size: Optional[int] = None,
        clip: Any = "default",
        validation_fraction: Optional[float] = None,
        patience: Optional[int] = None,
        seed: int = 0,
        **liquid: Any,
    ) -> None:
        unknown = set(liquid) - set(self._liquid_keys)
        if unknown:
            raise TypeError(f"LSMClassifier: unknown hyperparameter(s) {sorted(unknown)}")
        self.liquid = _trained.defaults("liquid")
        if units is not None:
            self.liquid["units"] = int(units)
        for key, value in liquid.items():
            self.liquid[self._liquid_keys[key]] = value
        self.liquid["seed"] = int(seed)
        self.training = _trained.defaults("surrogate")
        for key, value in (("bins", bins), ("train_input", train_input), ("train_recurrent", train_recurrent)):
            if value is not None:
                self.training[key] = value
        self.training["schedule"] = _trained.schedule(
            self.training["schedule"], learning_rate=learning_rate, epochs=epochs,
            batch_size=batch_size, clip=clip, validation_fraction=validation_fraction,
            patience=patience, seed=seed,
        )
        self.classes_: Optional[np.ndarray] = None
        self._native: Optional[_aquifer.Lsm] = None

    _native_type = _aquifer.Lsm

    def _model(self) -> _aquifer.Lsm:
        if self._native is None:
            raise _aquifer.NotFittedError("the classifier is not fitted: call fit first")
        return self._native

    def fit(self, x: Any, y: Any) -> "LSMClassifier":
        """Trains on series ``x`` and one label per series ``y``."""
        xs, _ = as_many(x, "x")
        lab = as_labels(y)
        self.classes_, codes = np.unique(lab, return_inverse=True)
        self._native = _aquifer.Lsm.build(
            _params.dumps(self.liquid), _params.dumps(self.training), xs[0].shape[1], len(self.classes_)
        )
        self._native.fit(xs, [int(c) for c in codes], len(self.classes_))
        return self

    def run(self, x: Any) -> Any:
        """Class scores ``(1, classes)`` of each series."""
        xs, form = as_many(x, "x")
        out = self._model().run_many(xs)
        return out[0] if form == "one" else restore(out, form)

    def classify(self, x: Any) -> np.ndarray:
        """The class of each series."""
        xs, _ = as_many(x, "x")
        codes = np.asarray(self._model().classify(xs), dtype=int)
        return codes if self.classes_ is None else self.classes_[codes]

    predict = classify

    @property
    def report(self) -> Optional[Dict[str, Any]]:
        return None if self._native is None else _trained.report(self._native)
