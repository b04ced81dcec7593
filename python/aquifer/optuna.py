"""An objective for Optuna studies (``pip install optuna``): an echo state network's validation
loss, with the ridge solved in closed form over a grid for every trial.

Optuna draws the reservoir's hyperparameters; the returned objective fits the network once per
seed, then tries every ridge of the grid from the same statistics (no new harvest), keeps the
best mean validation loss, and records the chosen ridge as the trial's user attribute
``"ridge"``. Spaces are Aquifer's tuples (see :mod:`aquifer.search`), turned into
``trial.suggest_*`` calls.

>>> import optuna, aquifer, aquifer.optuna
>>> x = aquifer.datasets.mackey_glass(1500)
>>> objective = aquifer.optuna.esn_objective(
...     (x[:1000], x[1:1001]), (x[1000:1399], x[1001:1400]),
...     {"sr": ("log_uniform", 0.3, 1.5), "lr": ("uniform", 0.1, 1.0)}, units=100, warmup=100)
>>> optuna.logging.set_verbosity(optuna.logging.WARNING)
>>> study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
>>> study.optimize(objective, n_trials=10)
>>> study.best_value < 0.05, "ridge" in study.best_trial.user_attrs
(True, True)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Sequence, Tuple

import numpy as np

from . import metrics
from .esn import ESN

__all__ = ["RIDGES", "esn_objective", "suggest"]

#: The default ridge grid: every decade from 1e-10 to 1.
RIDGES: Tuple[float, ...] = tuple([10.0**k for k in range(-10, 1)])

LOSSES: Dict[str, Callable[[Any, Any], float]] = {
    "nrmse": lambda y, p: float(metrics.nrmse(y, p)),
    "rmse": lambda y, p: float(metrics.rmse(y, p)),
    "mse": lambda y, p: float(metrics.mse(y, p)),
}


def suggest(trial: Any, space: Mapping[str, Any]) -> Dict[str, Any]:
    """Hyperparameters for an Optuna ``trial`` from Aquifer's space tuples:
    ``("uniform", low, high)``, ``("log_uniform", low, high)``, ``("int", low, high)``,
    ``("q_uniform", low, high, q)``, ``("choice", [values])``."""
    out: Dict[str, Any] = {}
    for name, s in space.items():
        kind = s[0]
        if kind == "uniform":
            out[name] = trial.suggest_float(name, s[1], s[2])
        elif kind == "log_uniform":
            out[name] = trial.suggest_float(name, s[1], s[2], log=True)
        elif kind == "q_uniform":
            out[name] = trial.suggest_float(name, s[1], s[2], step=s[3])
        elif kind == "int":
            out[name] = trial.suggest_int(name, int(s[1]), int(s[2]))
        elif kind == "choice":
            out[name] = trial.suggest_categorical(name, list(s[1]))
        else:
            raise ValueError(f"{name}: space {kind!r} has no Optuna counterpart here")
    return out


def esn_objective(
    train: Tuple[Any, Any],
    valid: Tuple[Any, Any],
    space: Mapping[str, Any],
    *,
    units: int = 300,
    warmup: int = 0,
    ridges: Sequence[float] = RIDGES,
    seeds: Sequence[int] = (0,),
    loss: str = "nrmse",
    **fixed: Any,
) -> Callable[[Any], float]:
    """The objective of an Optuna study: an :class:`aquifer.ESN` of ``units`` units with the
    trial's hyperparameters (names of ``aquifer.ESN``'s arguments: ``sr``, ``lr``,
    ``input_scaling``...; ``fixed`` ones are passed as given), fitted on ``train = (x, y)``
    after ``warmup`` steps and scored on ``valid = (x, y)``, continuing from the training
    state. Returns the mean ``loss`` over ``seeds`` at the best ridge of ``ridges``."""
    if loss not in LOSSES:
        raise ValueError(f"loss {loss!r}: one of {sorted(LOSSES)}")
    if not ridges:
        raise ValueError("ridges: give at least one")
    score = LOSSES[loss]

    def objective(trial: Any) -> float:
        params = {**fixed, **suggest(trial, space)}
        grid = np.zeros((len(seeds), len(ridges)))
        for i, seed in enumerate(seeds):
            esn = ESN(units=units, seed=int(seed), **params)
            esn.fit(train[0], train[1], warmup=warmup)
            after = esn.state()
            for j, r in enumerate(ridges):
                esn.set_ridge(float(r))
                esn.set_state(after)
                grid[i, j] = score(valid[1], esn.run(valid[0]))
        mean = grid.mean(axis=0)
        finite = np.isfinite(mean)
        if not finite.any():
            raise ValueError("no ridge gave a finite loss")
        best = int(np.argmin(np.where(finite, mean, np.inf)))
        trial.set_user_attr("ridge", float(ridges[best]))
        return float(mean[best])

    return objective
