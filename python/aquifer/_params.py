"""ReservoirPy's hyperparameter names turned into the core's JSON hyperparameters."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Optional, Union

import numpy as np

from ._aquifer import AquiferError

Distribution = Union[str, Dict[str, Any]]

_DISTRIBUTIONS: Dict[str, Dict[str, Any]] = {
    "normal": {"distribution": "normal", "mean": 0.0, "std": 1.0},
    "uniform": {"distribution": "uniform", "low": -1.0, "high": 1.0},
    "bernoulli": {"distribution": "bernoulli", "p": 0.5},
}

ACTIVATIONS = ("tanh", "sigmoid", "relu", "softplus", "identity")


def distribution(value: Distribution, what: str) -> Dict[str, Any]:
    """``"normal"``, ``"uniform"``, ``"bernoulli"`` or a dict such as
    ``{"distribution": "uniform", "low": -0.5, "high": 0.5}``."""
    if isinstance(value, str):
        if value not in _DISTRIBUTIONS:
            raise ValueError(f"{what}: unknown distribution {value!r} (normal, uniform, bernoulli)")
        return dict(_DISTRIBUTIONS[value])
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(f"{what}: expected a distribution name or dict, got {type(value).__name__}")


def scalar_or_list(value: Any, what: str) -> Union[float, List[float]]:
    if np.ndim(value) == 0:
        return float(value)
    return [float(v) for v in np.asarray(value, dtype=np.float64).ravel()]


def activation(value: str) -> str:
    if value not in ACTIVATIONS:
        raise ValueError(f"activation: {value!r} is not one of {', '.join(ACTIVATIONS)}")
    return value


def reservoir(
    *,
    units: int,
    lr: Any,
    sr: Optional[float],
    input_scaling: Any,
    input_connectivity: float,
    rc_connectivity: float,
    W: Distribution,
    Win: Distribution,
    bias: Any,
    activation_name: str,
    noise_in: float,
    noise_rc: float,
    seed: int,
) -> str:
    """The JSON of ``ReservoirParams``."""
    if isinstance(bias, (int, float)) and not isinstance(bias, bool):
        bias_json: Dict[str, Any] = (
            {"kind": "none"} if bias == 0 else {"kind": "constant", "value": float(bias)}
        )
    elif isinstance(bias, (str, dict)):
        bias_json = {
            "kind": "random",
            "values": distribution(bias, "bias"),
            "connectivity": 1.0,
            "scaling": 1.0,
        }
    else:
        raise TypeError("bias: expected a number, a distribution, or an array with W and Win")
    return dumps(
        {
            "units": int(units),
            "spectral_radius": None if sr is None else float(sr),
            "leak_rate": scalar_or_list(lr, "lr"),
            "input_scaling": scalar_or_list(input_scaling, "input_scaling"),
            "input_connectivity": float(input_connectivity),
            "rc_connectivity": float(rc_connectivity),
            "w_values": distribution(W, "W"),
            "win_values": distribution(Win, "Win"),
            "bias": bias_json,
            "activation": activation(activation_name),
            "noise_in": float(noise_in),
            "noise_rc": float(noise_rc),
            "seed": int(seed),
        }
    )


def _check_finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise AquiferError(f"invalid value for `{path}`: {value} (must be a finite number)")
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_finite(v, f"{path}[{i}]")


def dumps(value: Any, what: str = "") -> str:
    """The JSON of hyperparameters for the core; a NaN or infinite number is refused here,
    naming its key (JSON has no such numbers, and the core would only see a syntax error)."""
    _check_finite(value, what)
    return json.dumps(value)


def check_units(units: Optional[int]) -> int:
    if units is None:
        raise ValueError("units: the number of reservoir units must be given")
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ValueError(f"units: must be a whole number >= 1, got {units!r}")
    return int(units)


def seed_or_random(seed: Optional[int]) -> int:
    """The seed, or a fresh one drawn from the operating system's entropy."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be a whole number >= 0, got {seed!r}")
    return int(seed) & 0xFFFF_FFFF_FFFF_FFFF
