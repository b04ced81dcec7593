"""aquifer.optuna: an Optuna study tunes an ESN, the ridge solved in closed form per trial."""

from typing import Any

import numpy as np
import pytest

import aquifer
import aquifer.optuna as aoptuna

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)

X = aquifer.datasets.mackey_glass(1500)
TRAIN, VALID = (X[:1000], X[1:1001]), (X[1000:1399], X[1001:1400])
SPACE = {"sr": ("log_uniform", 0.3, 1.5), "lr": ("uniform", 0.1, 1.0), "input_scaling": ("choice", [0.5, 1.0])}


def run(seed: int) -> Any:
    objective = aoptuna.esn_objective(TRAIN, VALID, SPACE, units=80, warmup=100, seeds=(0, 1))
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=12)
    return study


def test_an_optuna_study_tunes_an_esn_and_records_the_ridge() -> None:
    study = run(0)
    best = study.best_trial
    assert study.best_value < 0.05
    ridge = best.user_attrs["ridge"]
    assert ridge in [10.0**k for k in range(-10, 1)]
    # the value is what the chosen settings give, fitted directly
    losses = []
    for seed in (0, 1):
        esn = aquifer.ESN(units=80, ridge=ridge, seed=seed, **best.params).fit(*TRAIN, warmup=100)
        losses.append(aquifer.metrics.nrmse(VALID[1], esn.run(VALID[0])))
    assert abs(np.mean(losses) - study.best_value) < 1e-12
    # the same sampler seed: the same study
    again = run(0)
    assert again.best_params == study.best_params and again.best_value == study.best_value


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="loss"):
        aoptuna.esn_objective(TRAIN, VALID, SPACE, loss="nope")
    with pytest.raises(ValueError, match="ridges"):
        aoptuna.esn_objective(TRAIN, VALID, SPACE, ridges=())
    objective = aoptuna.esn_objective(TRAIN, VALID, {"sr": ("normal", 1.0, 0.1)}, units=20)
    study = optuna.create_study()
    study.optimize(objective, n_trials=1, catch=(ValueError,))
    assert study.trials[0].state == optuna.trial.TrialState.FAIL
