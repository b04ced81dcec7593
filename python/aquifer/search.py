"""Hyperparameter search: a study of any objective, with the random or TPE sampler, trials in
parallel, several seeds per trial, failures recorded, JSON-lines records that resume to the
same samples (the records ``aquifer report`` draws).

A space is a dict ``{name: space}``; a space is a tuple ``("uniform", low, high)``,
``("log_uniform", low, high)``, ``("q_uniform", low, high, q)``,
``("q_log_uniform", low, high, q)``, ``("int", low, high)``, ``("normal", mu, sigma)``,
``("log_normal", mu, sigma)``, ``("choice", [values...])``, or the dict of a study file
(``{"distribution": "log_uniform", "low": 1e-3, "high": 1.0}``).

The objective takes the sampled hyperparameters (a dict) and an instance's seed, and returns the
loss. Trials of a batch run in parallel; the objective's Aquifer calls release the GIL, so they
overlap.

>>> import aquifer
>>> from aquifer.search import Study
>>> x = aquifer.datasets.mackey_glass(1500)
>>> def objective(p, seed):
...     esn = aquifer.ESN(units=100, sr=p["sr"], lr=p["lr"], ridge=1e-7, seed=seed)
...     esn.fit(x[:1000], x[1:1001], warmup=100)
...     return aquifer.metrics.nrmse(x[1001:1400], esn.run(x[1000:1399]))
>>> study = Study({"sr": ("log_uniform", 0.1, 2.0), "lr": ("uniform", 0.05, 1.0)}, seed=0)
>>> _ = study.optimize(objective, 12)
>>> len(study.trials), study.best["loss"] < 0.05
(12, True)
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

from . import _aquifer, _params

_FIELDS = {
    "uniform": ("low", "high"),
    "log_uniform": ("low", "high"),
    "q_uniform": ("low", "high", "q"),
    "q_log_uniform": ("low", "high", "q"),
    "int": ("low", "high"),
    "normal": ("mu", "sigma"),
    "log_normal": ("mu", "sigma"),
    "choice": ("values",),
}


def _space(name: str, s: Any) -> Dict[str, Any]:
    if isinstance(s, Mapping):
        return dict(s)
    if isinstance(s, (tuple, list)) and s and isinstance(s[0], str):
        kind, args = s[0], list(s[1:])
        if kind not in _FIELDS:
            raise ValueError(f"space `{name}`: unknown distribution {kind!r} ({', '.join(_FIELDS)})")
        fields = _FIELDS[kind]
        if len(args) != len(fields):
            raise ValueError(f"space `{name}`: {kind} takes {', '.join(fields)}")
        return {"distribution": kind, **dict(zip(fields, args))}
    raise TypeError(f"space `{name}`: expected a tuple such as ('uniform', 0, 1) or a dict")


class Study:
    """A study of ``space`` (see the module documentation). ``sampler`` is ``"tpe"`` or
    ``"random"``; ``batch`` trials are drawn together from the history before them (so the
    samples depend on the seed and the batch, never on threads or interruptions);
    ``instances`` seeds per trial (the loss is their mean); ``direction`` ``"minimize"`` or
    ``"maximize"``; ``records`` a JSON-lines file appended trial by trial."""

    def __init__(
        self,
        space: Mapping[str, Any],
        *,
        name: str = "study",
        sampler: str = "tpe",
        seed: int = 0,
        batch: int = 4,
        instances: int = 1,
        direction: str = "minimize",
        loss: str = "loss",
        records: Optional[Union[str, "os.PathLike[str]"]] = None,
        _native: Optional[_aquifer.Study] = None,
    ) -> None:
        if _native is not None:
            self._native = _native
            return
        if sampler not in ("tpe", "random"):
            raise ValueError(f"sampler: {sampler!r} is not 'tpe' or 'random'")
        spec = {
            "name": name,
            "space": {k: _space(k, v) for k, v in space.items()},
            "sampler": json.loads(_aquifer.default_sampler()) if sampler == "tpe" else {"kind": "random"},
            "seed": int(seed),
            "batch": int(batch),
            "instances": int(instances),
            "direction": direction,
            "loss": loss,
        }
        self._native = _aquifer.Study.new(_params.dumps(spec), None if records is None else os.fspath(records))

    @classmethod
    def resume(cls, records: Union[str, "os.PathLike[str]"]) -> "Study":
        """The study recorded in ``records``, its trials kept; ``optimize`` goes on from them."""
        return cls({}, _native=_aquifer.Study.resume(os.fspath(records)))

    def optimize(self, objective: Callable[[Dict[str, Any], int], float], n_trials: int) -> "Study":
        """Runs trials until ``n_trials`` are finished in all (recorded ones count). A trial whose
        objective raises or returns a value that is not finite is recorded with the error, and
        the study goes on."""

        def call(params_json: str, seed: int) -> float:
            return float(objective(json.loads(params_json), int(seed)))

        self._native.optimize(int(n_trials), call)
        return self

    @property
    def spec(self) -> Dict[str, Any]:
        """What the study is (the first line of its records)."""
        return dict(json.loads(self._native.spec()))

    @property
    def trials(self) -> List[Dict[str, Any]]:
        """The finished trials: ``number``, ``params``, ``loss`` (None if it failed), ``losses``,
        ``spread``, ``seeds``, ``seconds``, ``error``."""
        return list(json.loads(self._native.trials()))

    @property
    def best(self) -> Optional[Dict[str, Any]]:
        """The best trial so far."""
        b = json.loads(self._native.best())
        return None if b is None else dict(b)

    @property
    def best_params(self) -> Optional[Dict[str, Any]]:
        b = self.best
        return None if b is None else dict(b["params"])
