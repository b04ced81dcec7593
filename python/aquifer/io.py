"""Model files: the same versioned, checksummed format as the command line and the Rust crate.

>>> import numpy as np, aquifer, tempfile, os
>>> esn = aquifer.ESN(units=50, ridge=1e-6, seed=0).fit(np.ones((100, 1)), np.ones((100, 1)))
>>> path = os.path.join(tempfile.mkdtemp(), "model.aqf")
>>> esn.save(path)
>>> again = aquifer.load(path)
>>> bool((again.run(np.ones((5, 1))) == esn.reset().run(np.ones((5, 1)))).all())
True
"""

from __future__ import annotations

import os
from typing import Any

from . import _aquifer
from ._files import PathLike, write_bytes
from .esn import ESN
from .gated import GatedModel
from .graph import Model
from .nodes import NODE_KINDS, node_from_native
from .spiking import LSMClassifier

__all__ = ["load", "loads", "write_bytes"]


def loads(data: bytes) -> Any:
    """The model held by a model file's bytes (an :class:`~aquifer.ESN`, a
    :class:`~aquifer.Model`, a node, a gated model or a liquid state machine)."""
    kind = _aquifer.kind_of(data)
    if kind == "esn":
        return ESN._from_native(_aquifer.Esn.from_bytes(data))
    if kind == "model":
        return Model._from_bytes(data)
    if kind in NODE_KINDS:
        return node_from_native(_aquifer.Node.from_bytes(data))
    if kind == "gated":
        return GatedModel._from_bytes(data)
    if kind == "lsm":
        return LSMClassifier._from_bytes(data)
    raise _aquifer.AquiferError(f"a `{kind}` model file cannot be loaded from Python")


def load(path: PathLike) -> Any:
    """Reads a model file written by ``save`` (here, by the command line or by the Rust crate)."""
    with open(os.fspath(path), "rb") as f:
        return loads(f.read())
