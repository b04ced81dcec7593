"""Aquifer: reservoir computing with a Rust core.

Echo state networks, model graphs built with ReservoirPy's operators, NVAR, plastic
reservoirs, online readouts, gated reservoirs and liquid state machines, datasets and metrics;
the work runs in Rust, outside the GIL. Series are numpy arrays ``(timesteps, features)``.

>>> import numpy as np, aquifer
>>> x = aquifer.datasets.mackey_glass(1000)
>>> model = aquifer.Reservoir(200, lr=0.3, sr=1.25, seed=0) >> aquifer.Ridge(ridge=1e-7)
>>> pred = model.fit(x[:700], x[1:701], warmup=100).run(x[700:999])
>>> bool(aquifer.metrics.nrmse(x[701:], pred) < 0.02)
True
"""

from . import audio, datasets, metrics, search
from ._aquifer import AquiferError, NotFittedError, __version__
from .gated import GatedModel
from .io import load, loads
from .esn import ESN
from .graph import Model, Node
from .spiking import LSMClassifier
from .nodes import (
    ES2N,
    LMS,
    NVAR,
    RLS,
    IPReservoir,
    LocalPlasticityReservoir,
    Reservoir,
    Ridge,
)

__all__ = [
    "AquiferError",
    "NotFittedError",
    "__version__",
    "audio",
    "datasets",
    "metrics",
    "search",
    "load",
    "loads",
    "ESN",
    "Model",
    "Node",
    "Reservoir",
    "ES2N",
    "IPReservoir",
    "LocalPlasticityReservoir",
    "NVAR",
    "Ridge",
    "RLS",
    "LMS",
    "GatedModel",
    "LSMClassifier",
]
