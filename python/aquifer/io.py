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
import tempfile
from typing import Any, Union

from . import _aquifer

PathLike = Union[str, "os.PathLike[str]"]


def write_bytes(path: PathLike, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically: into a file beside it, flushed to disk, then
    renamed over ``path`` (a crash leaves the old file or the new one, never half of one)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".aquifer-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def loads(data: bytes) -> Any:
    """The model held by a model file's bytes (an :class:`~aquifer.ESN`, a
    :class:`~aquifer.Model`, a node, a gated model or a liquid state machine)."""
    from .model import ESN, Model
    from .nodes import NODE_KINDS, node_from_native

    kind = _aquifer.kind_of(data)
    if kind == "esn":
        return ESN._from_native(_aquifer.Esn.from_bytes(data))
    if kind == "model":
        return Model._from_bytes(data)
    if kind in NODE_KINDS:
        return node_from_native(_aquifer.Node.from_bytes(data))
    from . import gated, spiking

    if kind == "gated":
        return gated.GatedModel._from_bytes(data)
    if kind == "lsm":
        return spiking.LSMClassifier._from_bytes(data)
    raise _aquifer.AquiferError(f"a `{kind}` model file cannot be loaded from Python")


def load(path: PathLike) -> Any:
    """Reads a model file written by ``save`` (here, by the command line or by the Rust crate)."""
    with open(os.fspath(path), "rb") as f:
        return loads(f.read())
