"""What the gradient-trained models share: defaults read from the core, overridden by name."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Type, TypeVar

from . import _aquifer
from ._files import write_bytes


def defaults(kind: str) -> Dict[str, Any]:
    return dict(json.loads(_aquifer.default_params(kind)))


def schedule(
    base: Dict[str, Any],
    *,
    learning_rate: Optional[float],
    epochs: Optional[int],
    batch_size: Optional[int],
    clip: Any,
    validation_fraction: Optional[float],
    patience: Optional[int],
    seed: Optional[int],
) -> Dict[str, Any]:
    s = dict(base)
    s["adam"] = dict(s["adam"])
    if learning_rate is not None:
        s["adam"]["learning_rate"] = float(learning_rate)
    for key, value in (("epochs", epochs), ("batch_size", batch_size), ("patience", patience), ("seed", seed)):
        if value is not None:
            s[key] = int(value)
    if validation_fraction is not None:
        s["validation_fraction"] = float(validation_fraction)
    if clip != "default":
        s["clip"] = None if clip is None else float(clip)
    return s


def report(native: Any) -> Optional[Dict[str, Any]]:
    r = native.report()
    if r is None:
        return None
    train, val, best = r
    return {"train_loss": list(train), "validation_loss": list(val), "best_epoch": int(best)}


S = TypeVar("S", bound="Saved")


class Saved:
    """Saving and pickling of a model held by a native object (through model-file bytes)."""

    _native: Any
    _native_type: Any

    def _model(self) -> Any:  # pragma: no cover - defined by each model
        raise NotImplementedError

    def save(self, path: str) -> None:
        """Writes the fitted model to a model file, atomically (``aquifer.load`` reads it)."""
        write_bytes(path, bytes(self._model().to_bytes()))

    @classmethod
    def _from_bytes(cls: Type[S], data: bytes) -> S:
        m = cls()
        m._native = cls._native_type.from_bytes(data)
        return m

    def __getstate__(self) -> Dict[str, Any]:
        d = dict(self.__dict__)
        d["_native"] = None if self._native is None else bytes(self._native.to_bytes())
        return d

    def __setstate__(self, d: Dict[str, Any]) -> None:
        native = d.pop("_native")
        self.__dict__.update(d)
        self._native = None if native is None else self._native_type.from_bytes(native)
