"""What the gradient-trained models share: defaults read from the core, overridden by name."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from . import _aquifer


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
