"""The echo state network: a reservoir and a ridge readout on Aquifer's fastest path."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _aquifer
from ._aquifer import AquiferError
from ._files import write_bytes
from ._series import Array, as_many, as_series, restore
from .nodes import Reservoir, Ridge, node_from_native

class ESN:
    """An echo state network: a leaky reservoir, optionally the input beside its states, and a
    ridge readout, on Aquifer's fastest path (series harvested in parallel, readout statistics
    merged in order). Takes every :class:`~aquifer.Reservoir` hyperparameter and ``ridge``,
    ``fit_bias``, ``input_to_readout``; or ``reservoir=`` and ``readout=`` nodes.

    >>> import numpy as np, aquifer
    >>> mg = aquifer.datasets.mackey_glass(2000)
    >>> esn = aquifer.ESN(units=300, lr=0.3, sr=1.25, ridge=1e-7, seed=1)
    >>> _ = esn.fit(mg[:1500], mg[1:1501], warmup=100)
    >>> bool(aquifer.metrics.nrmse(mg[1501:1900], esn.run(mg[1500:1899])) < 0.01)
    True
    >>> esn.generate(100, warmup=mg[1500:1900]).shape
    (100, 1)
    """

    def __init__(
        self,
        units: Optional[int] = None,
        lr: Any = 1.0,
        sr: Optional[float] = 1.0,
        input_scaling: Any = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        W: Any = "normal",
        Win: Any = "bernoulli",
        bias: Any = 0.0,
        activation: str = "tanh",
        noise_in: float = 0.0,
        noise_rc: float = 0.0,
        ridge: float = 0.0,
        fit_bias: bool = True,
        input_to_readout: bool = False,
        seed: Optional[int] = None,
        reservoir: Optional[Reservoir] = None,
        readout: Optional[Ridge] = None,
        name: Optional[str] = None,
    ) -> None:
        self.name = name or "ESN"
        if reservoir is None:
            reservoir = Reservoir(
                units, lr=lr, sr=sr, input_scaling=input_scaling,
                input_connectivity=input_connectivity, rc_connectivity=rc_connectivity,
                W=W, Win=Win, bias=bias, activation=activation, noise_in=noise_in,
                noise_rc=noise_rc, seed=seed,
            )
        if not isinstance(reservoir, Reservoir):
            raise TypeError("ESN: `reservoir` must be an aquifer.Reservoir (other nodes go in a Model)")
        if readout is None:
            readout = Ridge(ridge=ridge, fit_bias=fit_bias)
        if not isinstance(readout, Ridge):
            raise TypeError("ESN: `readout` must be an aquifer.Ridge (online readouts go in a Model)")
        self.reservoir = reservoir
        self.readout = readout
        self.input_to_readout = input_to_readout
        self._native: Optional[_aquifer.Esn] = None

    def _esn(self) -> _aquifer.Esn:
        if self._native is None:
            raise _aquifer.NotFittedError("the ESN is not fitted: call fit first")
        return self._native

    def fit(self, x: Any, y: Any, warmup: int = 0, solver: str = "normal") -> "ESN":
        """Fits the readout on the reservoir's states for input series ``x`` (one or several,
        harvested in parallel, each from the current state) towards ``y``, discarding
        ``warmup`` steps of each series.

        ``solver="normal"`` (the default) solves the ridge from the states' statistics (formed
        as they come, never holding every state; :meth:`set_ridge` re-solves from them).
        ``solver="qr"`` holds every state once and solves by a QR factorisation of them: the
        normal equations square the states' condition number and QR does not, so about twice
        the correct digits survive, which matters when a chaotic series is generated in closed
        loop for many steps (Jaeger & Haas's Mackey-Glass task)."""
        if solver not in ("normal", "qr"):
            raise AquiferError(f"solver = {solver!r}: use 'normal' or 'qr'")
        xs, _ = as_many(x, "x")
        ys, _ = as_many(y, "y")
        reservoir = self.reservoir._native_for(xs[0].shape[1])
        self._native = _aquifer.Esn.from_reservoir(
            reservoir, self.readout._params_json(), bool(self.input_to_readout), ys[0].shape[1]
        )
        self._native.fit(xs, ys, int(warmup), solver == "qr")
        return self

    def run(self, x: Any) -> Any:
        """Outputs for ``x`` from the current state (which moves on); several series run in
        parallel, each from the current state (left unchanged)."""
        esn = self._esn()
        xs, form = as_many(x, "x")
        if form == "one":
            return esn.run(xs[0])
        return restore(esn.run_many(xs), form)

    predict = run

    def run_with_states(self, x: Any) -> Tuple[Array, Array]:
        """Outputs and reservoir states for one series."""
        return self._esn().run_with_states(as_series(x, "x"))

    def generate(self, n: int, warmup: Any) -> Array:
        """Runs ``warmup`` (inputs), then feeds each output back as the next input for ``n``
        steps; returns those outputs."""
        return self._esn().generate(int(n), as_series(warmup, "warmup"))

    def free_run(self, n: int, first: Any) -> Array:
        """``n`` steps from the current state in closed loop, starting from input ``first`` (an
        output row, e.g. the last of a ``generate``): generating in pieces equals one call."""
        row = np.ascontiguousarray(first, dtype=np.float64).ravel()
        return self._esn().free_run(int(n), row)

    def set_ridge(self, ridge: float) -> "ESN":
        """Changes the readout's ridge and solves it again from the last fit's statistics,
        without harvesting again."""
        if self._native is not None:
            self._native.set_ridge(float(ridge))
        self.readout.ridge = ridge
        return self

    def reset(self) -> "ESN":
        """The reservoir back to a zero state (the readout stays fitted)."""
        if self._native is not None:
            self._native.reset()
        else:
            self.reservoir.reset()
        return self

    def state(self) -> Array:
        """The reservoir's state."""
        return np.array(self._esn().state())

    def set_state(self, state: Any) -> "ESN":
        self._esn().set_state(np.ascontiguousarray(state, dtype=np.float64).ravel())
        return self

    @property
    def fitted(self) -> bool:
        return self._native is not None and self._native.is_fitted

    @property
    def Wout(self) -> Optional[Array]:
        """Readout weights ``(features, outputs)`` (features: the units, then the inputs
        with ``input_to_readout``)."""
        w = None if self._native is None else self._native.weights()
        return None if w is None else w[0]

    @property
    def bias(self) -> Optional[Array]:
        w = None if self._native is None else self._native.weights()
        return None if w is None else w[1]

    def save(self, path: str) -> None:
        """Writes the fitted ESN to a model file (atomically): ``aquifer run`` and the Rust
        crate read it too."""
        write_bytes(path, bytes(self._esn().to_bytes()))

    @classmethod
    def _from_native(cls, native: _aquifer.Esn) -> "ESN":
        esn = cls.__new__(cls)
        esn.name = "ESN"
        esn.reservoir = node_from_native(native.reservoir())  # type: ignore[assignment]
        esn.readout = Ridge()
        esn.input_to_readout = native.input_dim + native.units == (esn.Wout_rows(native))
        esn._native = native
        return esn

    @staticmethod
    def Wout_rows(native: _aquifer.Esn) -> int:
        w = native.weights()
        return -1 if w is None else int(w[0].shape[0])

    def __reduce__(self) -> Any:
        if self._native is None:
            return (_unbuilt_esn, (self.__dict__,))
        return (_esn_from_bytes, (bytes(self._native.to_bytes()),))

    def __repr__(self) -> str:
        return f"ESN(units={getattr(self.reservoir, 'units', '?')}, {'fitted' if self.fitted else 'not fitted'})"


def _esn_from_bytes(data: bytes) -> ESN:
    return ESN._from_native(_aquifer.Esn.from_bytes(data))


def _unbuilt_esn(state: Dict[str, Any]) -> ESN:
    esn = ESN.__new__(ESN)
    esn.__dict__.update(state)
    return esn
