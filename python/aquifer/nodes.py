"""Nodes: reservoirs, NVAR and readouts, with ReservoirPy's names and defaults.

A node is built lazily, when it first sees data (its input dimension is then known). Nodes
compose into a :class:`~aquifer.Model` with ``>>`` (an edge), ``<<`` (feedback, one step late),
``&`` (both) and lists (parallel branches). Once a node belongs to a model that has run, the
model holds it: read its state and weights through the node, run it through the model.

>>> import numpy as np, aquifer
>>> reservoir = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=42)
>>> states = reservoir.run(np.sin(np.linspace(0, 20, 300)))
>>> states.shape
(300, 100)
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _aquifer, _params
from ._series import Array, as_many, as_series
from .graph import KINDS, Node

class _ReservoirBase(Node):
    """Hyperparameters shared by the reservoirs, ReservoirPy's names and defaults."""

    _kind = "reservoir"

    def __init__(
        self,
        units: Optional[int],
        *,
        lr: Any,
        sr: Optional[float],
        input_scaling: Any,
        input_connectivity: float,
        rc_connectivity: float,
        W: Any,
        Win: Any,
        bias: Any,
        activation: str,
        noise_in: float,
        noise_rc: float,
        input_dim: Optional[int],
        seed: Optional[int],
        name: Optional[str],
    ) -> None:
        super().__init__(name)
        self.units = units
        self.lr = lr
        self.sr = sr
        self.input_scaling = input_scaling
        self.input_connectivity = input_connectivity
        self.rc_connectivity = rc_connectivity
        self.activation = _params.activation(activation)
        self.noise_in = noise_in
        self.noise_rc = noise_rc
        self.seed = _params.seed_or_random(seed)
        given = [m for m in (W, Win) if not isinstance(m, (str, dict))]
        self._matrices: Optional[Tuple[Any, Any, Any]] = None
        if given:
            if len(given) != 2:
                raise ValueError("W and Win: give both as matrices, or both as distributions")
            self._matrices = (W, Win, bias)
            self.W_init, self.Win_init, self.bias_init = "given", "given", "given"
        else:
            _params.distribution(W, "W")
            _params.distribution(Win, "Win")
            if isinstance(bias, (str, dict)):
                _params.distribution(bias, "bias")
            self.W_init, self.Win_init, self.bias_init = W, Win, bias
        if self._matrices is None:
            self.units = _params.check_units(units)
        if input_dim is not None:
            self._native = self._build(int(input_dim))

    def _reservoir_json(self, **overrides: Any) -> str:
        args: Dict[str, Any] = dict(
            units=self.units,
            lr=self.lr,
            sr=self.sr,
            input_scaling=self.input_scaling,
            input_connectivity=self.input_connectivity,
            rc_connectivity=self.rc_connectivity,
            W=self.W_init,
            Win=self.Win_init,
            bias=self.bias_init,
            activation_name=self.activation,
            noise_in=self.noise_in,
            noise_rc=self.noise_rc,
            seed=self.seed,
        )
        args.update(overrides)
        return _params.reservoir(**args)

    def _extra(self) -> str:
        return "null"

    def _build(self, input_dim: int) -> _aquifer.Node:
        if self._matrices is not None:
            return _from_matrices(*self._matrices, lr=self.lr, activation=self.activation)
        return _aquifer.Node.reservoir(self._kind, self._reservoir_json(), self._extra(), input_dim)

    def _matrix_parts(self) -> Any:
        if self._owner is not None:
            raise _aquifer.AquiferError(f"node `{self.name}` belongs to a model; read its matrices before")
        if self._native is None:
            raise _aquifer.NotFittedError(f"node `{self.name}` has not been built yet")
        parts = self._native.matrices()
        if parts is None:
            raise _aquifer.AquiferError(f"a `{self._native.kind}` does not expose W, Win and bias")
        return parts

    @property
    def W(self) -> Any:
        """The recurrent matrix (a ``scipy.sparse.csr_matrix`` when scipy is installed, else
        a dense array)."""
        indptr, indices, data, _, _ = self._matrix_parts()
        n = len(indptr) - 1
        try:
            import scipy.sparse as sp

            return sp.csr_matrix((np.array(data), np.array(indices), np.array(indptr)), shape=(n, n))
        except ImportError:  # pragma: no cover - scipy is optional
            dense = np.zeros((n, n))
            for i in range(n):
                for k in range(indptr[i], indptr[i + 1]):
                    dense[i, indices[k]] = data[k]
            return dense

    @property
    def Win(self) -> Array:
        """The input matrix ``(units, features)``."""
        return np.array(self._matrix_parts()[3])

    @property
    def bias(self) -> Array:
        """The bias vector."""
        return np.array(self._matrix_parts()[4])


#: The hyperparameters every reservoir class passes to `_ReservoirBase`.
_SHARED = (
    "lr", "sr", "input_scaling", "input_connectivity", "rc_connectivity", "W", "Win", "bias",
    "activation", "noise_in", "noise_rc", "input_dim", "seed", "name",
)


def _shared(args: Dict[str, Any]) -> Dict[str, Any]:
    """A subclass's arguments that `_ReservoirBase` takes (leak 1 and no noise where the class
    has none)."""
    out = {k: args[k] for k in _SHARED if k in args}
    out.setdefault("lr", 1.0)
    out.setdefault("noise_in", 0.0)
    out.setdefault("noise_rc", 0.0)
    return out


def _from_matrices(W: Any, Win: Any, bias: Any, *, lr: Any, activation: str) -> _aquifer.Node:
    try:
        import scipy.sparse as sp

        Wc = sp.csr_matrix(W)
        Wc.sort_indices()
        indptr, indices, data, n = Wc.indptr, Wc.indices, Wc.data.astype(np.float64), Wc.shape[0]
        if Wc.shape[0] != Wc.shape[1]:
            raise ValueError(f"W: must be square, got shape {Wc.shape}")
    except ImportError:  # pragma: no cover - scipy is optional
        Wd = np.asarray(W, dtype=np.float64)
        if Wd.ndim != 2 or Wd.shape[0] != Wd.shape[1]:
            raise ValueError(f"W: must be square, got shape {Wd.shape}")
        n = Wd.shape[0]
        rows, cols = np.nonzero(Wd)
        data = Wd[rows, cols]
        indices = cols
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    win = as_series(np.asarray(Win, dtype=np.float64), "Win")
    b = np.asarray(bias, dtype=np.float64).ravel()
    if b.size == 1 and n != 1:
        b = np.full(n, float(b[0]))
    return _aquifer.Node.reservoir_from_matrices(
        int(n),
        [int(v) for v in indptr],
        [int(v) for v in indices],
        np.ascontiguousarray(data, dtype=np.float64),
        win,
        np.ascontiguousarray(b),
        _params.dumps(_params.scalar_or_list(lr, "lr"), "lr"),
        json.dumps(activation),
    )


class Reservoir(_ReservoirBase):
    """A leaky-integrator reservoir,
    ``x[t+1] = (1 - lr) x[t] + lr f(W x[t] + Win u[t+1] + bias)``, with ReservoirPy's names and
    defaults: ``W`` normal, ``Win`` Bernoulli +/-1, spectral radius ``sr``, leak rate ``lr``
    (scalar or one per unit), ``input_scaling`` (scalar or one per feature), connectivities,
    constant ``bias``. ``W``, ``Win`` (and ``bias``) may also be given as matrices, e.g. to
    import a reservoir built by another library.

    >>> import numpy as np, aquifer
    >>> r = aquifer.Reservoir(50, lr=0.5, sr=0.9, seed=1)
    >>> a = r.run(np.ones((10, 2)))
    >>> b = aquifer.Reservoir(50, lr=0.5, sr=0.9, seed=1).run(np.ones((10, 2)))
    >>> bool((a == b).all())
    True
    """

    _prefix = "Reservoir"
    _kind = "reservoir"

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
        input_dim: Optional[int] = None,
        seed: Optional[int] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(units, **_shared(locals()))


class ES2N(_ReservoirBase):
    """Edge-of-stability reservoir (Ceni & Gallicchio 2024):
    ``x[t+1] = (1 - proximity) O x[t] + proximity f(W x[t] + Win u[t+1] + bias)`` with ``O`` a
    random orthogonal matrix.

    >>> import numpy as np, aquifer
    >>> aquifer.ES2N(30, proximity=0.1, seed=3).run(np.ones((5, 1))).shape
    (5, 30)
    """

    _prefix = "ES2N"
    _kind = "es2n"

    def __init__(
        self,
        units: Optional[int] = None,
        proximity: float = 1.0,
        sr: Optional[float] = 1.0,
        input_scaling: Any = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        W: Any = "normal",
        Win: Any = "bernoulli",
        bias: Any = 0.0,
        activation: str = "tanh",
        input_dim: Optional[int] = None,
        seed: Optional[int] = None,
        name: Optional[str] = None,
    ) -> None:
        self.proximity = proximity
        super().__init__(units, **_shared(locals()))
        if self._matrices is not None:
            raise ValueError("ES2N: W and Win must be distributions (its O is drawn with them)")

    def _extra(self) -> str:
        return _params.dumps(float(self.proximity), "proximity")


class _Plastic(_ReservoirBase):
    """A reservoir that learns from its inputs alone (``fit(X)``), then runs."""

    def fit(self, x: Any, y: Any = None, warmup: int = 0) -> "_Plastic":
        """Learns from the series ``x`` (targets are not used), discarding ``warmup`` steps of
        each."""
        self._standalone("fit")
        xs, _ = as_many(x)
        self._native_for(xs[0].shape[1]).fit_unsupervised(xs, int(warmup))
        self._trained = True
        return self

    partial_fit = fit

    @property
    def trained(self) -> bool:
        """Whether ``fit`` has run."""
        return getattr(self, "_trained", False)

    def _learn_inputs(self, xs: List[Array], warmup: int) -> None:
        if not self.trained:
            self.fit(xs, warmup=warmup)


class IPReservoir(_Plastic):
    """A reservoir with intrinsic plasticity (Schrauwen et al. 2008 for ``tanh``, Triesch 2005
    for ``sigmoid``): each unit's gain and bias learn, without targets, to make its output
    follow a Gaussian (``mu``, ``sigma``) or exponential (``mu``) distribution. Defaults as
    ReservoirPy's ``IPReservoir`` (``W`` uniform and unscaled, Bernoulli bias).

    >>> import numpy as np, aquifer
    >>> ip = aquifer.IPReservoir(40, sr=0.9, learning_rate=5e-3, seed=0)
    >>> _ = ip.fit(np.sin(np.linspace(0, 60, 1000)))
    >>> ip.run(np.zeros(3)).shape
    (3, 40)
    """

    _prefix = "IPReservoir"
    _kind = "ip"

    def __init__(
        self,
        units: Optional[int] = None,
        sr: Optional[float] = None,
        lr: float = 1.0,
        mu: float = 0.0,
        sigma: float = 1.0,
        learning_rate: float = 5e-4,
        epochs: int = 1,
        input_scaling: Any = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        W: Any = "uniform",
        Win: Any = "bernoulli",
        bias: Any = "bernoulli",
        activation: str = "tanh",
        input_dim: Optional[int] = None,
        seed: Optional[int] = None,
        name: Optional[str] = None,
    ) -> None:
        self.mu, self.sigma, self.learning_rate, self.epochs = mu, sigma, learning_rate, epochs
        super().__init__(units, **_shared(locals()))
        if self._matrices is not None:
            raise ValueError("IPReservoir: W and Win must be distributions")

    def _extra(self) -> str:
        return _params.dumps(
            {
                "mu": float(self.mu),
                "sigma": float(self.sigma),
                "learning_rate": float(self.learning_rate),
                "epochs": int(self.epochs),
            }
        )


class LocalPlasticityReservoir(_Plastic):
    """A reservoir whose recurrent weights learn by a local rule (``"oja"``, ``"anti-oja"``,
    ``"hebbian"``, ``"anti-hebbian"``, ``"bcm"``) on their nonzero entries, without targets;
    then it runs as a plain reservoir. Defaults as ReservoirPy's.

    >>> import numpy as np, aquifer
    >>> r = aquifer.LocalPlasticityReservoir(30, local_rule="anti-oja", eta=1e-3, seed=0)
    >>> _ = r.fit(np.sin(np.linspace(0, 30, 500)))
    >>> r.W.shape
    (30, 30)
    """

    _prefix = "LocalPlasticityReservoir"
    _kind = "local"

    def __init__(
        self,
        units: Optional[int] = None,
        local_rule: str = "oja",
        eta: float = 1e-3,
        bcm_theta: float = 0.0,
        synapse_normalization: bool = False,
        epochs: int = 1,
        sr: Optional[float] = 1.0,
        lr: Any = 1.0,
        input_scaling: Any = 1.0,
        input_connectivity: float = 0.1,
        rc_connectivity: float = 0.1,
        W: Any = "uniform",
        Win: Any = "bernoulli",
        bias: Any = "bernoulli",
        activation: str = "tanh",
        input_dim: Optional[int] = None,
        seed: Optional[int] = None,
        name: Optional[str] = None,
    ) -> None:
        self.local_rule, self.eta, self.bcm_theta = local_rule, eta, bcm_theta
        self.synapse_normalization, self.epochs = synapse_normalization, epochs
        super().__init__(units, **_shared(locals()))
        if self._matrices is not None:
            raise ValueError("LocalPlasticityReservoir: W and Win must be distributions")

    def _extra(self) -> str:
        return _params.dumps(
            {
                "rule": self.local_rule,
                "learning_rate": float(self.eta),
                "bcm_theta": float(self.bcm_theta),
                "synapse_normalization": bool(self.synapse_normalization),
                "epochs": int(self.epochs),
            }
        )


class NVAR(Node):
    """Next-generation reservoir computing features (Gauthier et al. 2021): ``delay`` taps
    ``strides`` steps apart, then their unique monomials of order ``order``
    (``monomials="order"``, ReservoirPy's, column for column) or of every order from 2 to
    ``order`` (``"up_to"``, the paper's), optionally a constant first.

    >>> import numpy as np, aquifer
    >>> aquifer.NVAR(delay=2, order=2).run(np.ones((4, 3))).shape
    (4, 27)
    """

    _prefix = "NVAR"

    def __init__(
        self,
        delay: int,
        order: int,
        strides: int = 1,
        monomials: str = "order",
        constant: bool = False,
        input_dim: Optional[int] = None,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(name)
        self.delay, self.order, self.strides = delay, order, strides
        self.monomials, self.constant = monomials, constant
        if input_dim is not None:
            self._native = self._build(int(input_dim))

    def _build(self, input_dim: int) -> _aquifer.Node:
        return _aquifer.Node.nvar(
            _params.dumps(
                {
                    "delay": int(self.delay),
                    "strides": int(self.strides),
                    "order": int(self.order),
                    "monomials": self.monomials,
                    "constant": bool(self.constant),
                }
            ),
            input_dim,
        )


class _Readout(Node):
    """A trained linear readout: ``y = x Wout + bias``."""

    @property
    def Wout(self) -> Optional[Array]:
        """The weights ``(features, outputs)``, once trained."""
        w = self._weights()
        return None if w is None else w[0]

    @property
    def bias(self) -> Optional[Array]:
        """The intercept ``(outputs,)``, once trained."""
        w = self._weights()
        return None if w is None else w[1]

    def _weights(self) -> Optional[Tuple[Array, Array]]:
        if self._owner is not None:
            return self._owner._require_graph().weights(self.name)
        return None if self._native is None else self._native.weights()

    def _build(self, input_dim: int) -> _aquifer.Node:
        raise _aquifer.NotFittedError(f"readout `{self.name}` must be trained before it runs")

    @property
    def fitted(self) -> bool:
        """Whether the readout has been trained."""
        return self._weights() is not None

    def _readout_fitted(self) -> bool:
        return self.fitted


class Ridge(_Readout):
    """Ridge regression readout, solved in closed form with an unpenalised intercept
    (``fit_bias``). ReservoirPy's default ``ridge=0.0`` (a minimum-norm solution when the
    features are degenerate).

    >>> import numpy as np, aquifer
    >>> x = np.random.default_rng(0).normal(size=(200, 3))
    >>> readout = aquifer.Ridge(ridge=1e-8).fit(x, x @ [[1.0], [2.0], [3.0]] + 0.5)
    >>> np.round(readout.Wout.ravel(), 6).tolist(), round(float(readout.bias[0]), 6)
    ([1.0, 2.0, 3.0], 0.5)
    """

    _prefix = "Ridge"
    _readout_tag = "ridge"

    def __init__(self, ridge: float = 0.0, fit_bias: bool = True, name: Optional[str] = None) -> None:
        super().__init__(name)
        self.ridge, self.fit_bias = ridge, fit_bias

    def _params_json(self) -> str:
        return _params.dumps({"ridge": float(self.ridge), "fit_bias": bool(self.fit_bias)})

    def fit(self, x: Any, y: Any, warmup: int = 0) -> "Ridge":
        """Solves the readout from features ``x`` and targets ``y`` (one series or several),
        discarding ``warmup`` steps of each series."""
        self._standalone("fit")
        xs, _ = as_many(x, "x")
        ys, _ = as_many(y, "y")
        self._native = _aquifer.Node.fit_ridge(self._params_json(), xs, ys, int(warmup))
        return self

    def set_ridge(self, ridge: float) -> "Ridge":
        """Changes the ridge and solves the readout again from its last fit's statistics,
        without the data (in a model too: no harvest again)."""
        if self._owner is not None:
            self._owner._require_graph().set_ridge(self.name, float(ridge))
        elif self._native is not None:
            self._native.set_ridge(float(ridge))
        self.ridge = ridge
        return self


class _Online(_Readout):

    def partial_fit(self, x: Any, y: Any) -> Array:
        """Learns online along a series, step by step, towards ``y``; returns the outputs
        produced while learning. A later call goes on from there."""
        self._standalone("partial_fit")
        xs = as_series(x, "x")
        ys = as_series(y, "y")
        if self._native is None:
            make = _aquifer.Node.rls if self._readout_tag == "rls" else _aquifer.Node.lms
            self._native = make(self._params_json(), xs.shape[1], ys.shape[1])
        return self._native.partial_fit(xs, ys)

    def fit(self, x: Any, y: Any, warmup: int = 0) -> "_Online":
        """Learns online along each series in turn (``warmup`` steps of each are run but not
        learned from)."""
        xs, _ = as_many(x, "x")
        ys, _ = as_many(y, "y")
        if len(xs) != len(ys):
            raise ValueError(f"{len(xs)} input series but {len(ys)} target series")
        for a, b in zip(xs, ys):
            self.partial_fit(a[warmup:], b[warmup:])
        return self


class RLS(_Online):
    """Recursive least squares readout (online; FORCE learning when it feeds back): ``alpha``
    sets ``P0 = I / alpha``, ``forgetting`` in (0, 1].

    >>> import numpy as np, aquifer
    >>> x = np.random.default_rng(1).normal(size=(300, 2))
    >>> rls = aquifer.RLS(alpha=1e-3)
    >>> _ = rls.partial_fit(x, x @ [[2.0], [-1.0]])
    >>> np.round(rls.Wout.ravel(), 2).tolist()
    [2.0, -1.0]
    """

    _prefix = "RLS"
    _readout_tag = "rls"

    def __init__(
        self,
        alpha: float = 1e-6,
        forgetting: float = 1.0,
        fit_bias: bool = True,
        name: Optional[str] = None,
    ) -> None:
        super().__init__(name)
        self.alpha, self.forgetting, self.fit_bias = alpha, forgetting, fit_bias

    def _params_json(self) -> str:
        return _params.dumps(
            {"alpha": float(self.alpha), "forgetting": float(self.forgetting), "fit_bias": bool(self.fit_bias)}
        )


class LMS(_Online):
    """Least mean squares readout (online), learning rate ``learning_rate``."""

    _prefix = "LMS"
    _readout_tag = "lms"

    def __init__(self, learning_rate: float = 1e-6, fit_bias: bool = True, name: Optional[str] = None) -> None:
        super().__init__(name)
        self.learning_rate, self.fit_bias = learning_rate, fit_bias

    def _params_json(self) -> str:
        return _params.dumps({"learning_rate": float(self.learning_rate), "fit_bias": bool(self.fit_bias)})


KINDS.update({
    "reservoir": Reservoir,
    "es2n": ES2N,
    "ip_reservoir": IPReservoir,
    "local_reservoir": LocalPlasticityReservoir,
    "nvar": NVAR,
    "ridge": Ridge,
    "rls": RLS,
    "lms": LMS,
})
#: Model-file kinds of nodes, and the class that holds each.
NODE_KINDS = KINDS


def node_from_native(native: _aquifer.Node, name: Optional[str] = None) -> Node:
    """A Python node around a loaded native node (hyperparameters as saved in it)."""
    cls = NODE_KINDS.get(native.kind)
    if cls is None:  # pragma: no cover - every native kind is listed
        raise _aquifer.AquiferError(f"unknown node kind `{native.kind}`")
    node = cls.__new__(cls)
    Node.__init__(node, name)
    node._native = native
    return node
