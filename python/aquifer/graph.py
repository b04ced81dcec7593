"""Graphs: every node's shared behaviour (a name, lazy building, state, persistence and
ReservoirPy's operators) and the :class:`Model` they compose into.

>>> import numpy as np, aquifer
>>> x = np.sin(np.linspace(0, 40, 801)).reshape(-1, 1)
>>> reservoir = aquifer.Reservoir(100, lr=0.3, sr=1.25, seed=0)
>>> readout = aquifer.Ridge(ridge=1e-6)
>>> model = reservoir >> readout
>>> _ = model.fit(x[:600], x[1:601], warmup=50)
>>> bool(aquifer.metrics.nrmse(x[601:], model.run(x[600:800])) < 1e-2)
True
>>> reservoir.state().shape
(100,)
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Type

import numpy as np

from . import _aquifer
from ._files import write_bytes
from ._series import Array, as_many, as_series, restore

_counters: Dict[str, Iterator[int]] = {}


def _auto_name(prefix: str) -> str:
    return f"{prefix}-{next(_counters.setdefault(prefix, itertools.count()))}"


class Node:
    """What every node shares: a name, lazy building, state, persistence and the graph
    operators."""

    _prefix = "Node"
    #: A trained readout's kind in a graph (``"ridge"``, ``"rls"``, ``"lms"``), None for others.
    _readout_tag: Optional[str] = None

    def _params_json(self) -> str:
        """A readout's hyperparameters as the core's JSON."""
        raise NotImplementedError

    def _readout_fitted(self) -> bool:
        """Whether a readout has been trained (False for other nodes)."""
        return False

    def _learn_inputs(self, xs: List[Array], warmup: int) -> None:
        """Learns from the model's input series before the model's first fit (the plastic
        reservoirs); nothing for other nodes."""

    def __init__(self, name: Optional[str] = None) -> None:
        self.name: str = name if name is not None else _auto_name(self._prefix)
        self._native: Optional[_aquifer.Node] = None
        self._owner: Optional["Model"] = None
        self._feedback: List[Node] = []

    # ---- building ------------------------------------------------------------------------
    def _build(self, input_dim: int) -> _aquifer.Node:  # pragma: no cover - abstract
        raise NotImplementedError

    def _native_for(self, input_dim: int) -> _aquifer.Node:
        """The native node, built for ``input_dim`` features if it is not yet."""
        if self._native is None:
            self._native = self._build(input_dim)
        elif self._native.input_dim != input_dim:
            raise _aquifer.AquiferError(
                f"node `{self.name}` takes {self._native.input_dim} features, "
                f"got {input_dim}"
            )
        return self._native

    def _standalone(self, what: str) -> None:
        if self._owner is not None:
            raise _aquifer.AquiferError(
                f"node `{self.name}` belongs to a model: {what} the model instead"
            )

    @property
    def initialized(self) -> bool:
        """Whether the node has been built (it has seen data or been loaded)."""
        return self._native is not None or self._owner is not None

    @property
    def input_dim(self) -> Optional[int]:
        """Features of the input, once built."""
        if self._owner is not None:
            return None
        return None if self._native is None else self._native.input_dim

    @property
    def output_dim(self) -> Optional[int]:
        """Features of the output, once built."""
        if self._owner is not None:
            return None
        return None if self._native is None else self._native.output_dim

    # ---- running -------------------------------------------------------------------------
    def run(self, x: Any) -> Any:
        """Outputs for a series ``(timesteps, features)`` from the current state, which moves
        on; for several series (a list or a 3-D array), the outputs of each from the current
        state, which is left unchanged (the series run in parallel)."""
        self._standalone("run")
        xs, form = as_many(x)
        native = self._native_for(xs[0].shape[1])
        if form == "one":
            return native.run(xs[0])
        return restore(native.run_many(xs), form)

    predict = run

    def reset(self) -> "Node":
        """Back to the initial state (zeros)."""
        if self._owner is not None:
            self._owner._require_graph().set_node_state(self.name, np.zeros(len(self.state())))
        elif self._native is not None:
            self._native.reset()
        return self

    def state(self) -> Array:
        """A copy of the state (a reservoir's units; empty for stateless nodes)."""
        if self._owner is not None:
            return np.array(self._owner._require_graph().node_state(self.name))
        if self._native is None:
            raise _aquifer.NotFittedError(f"node `{self.name}` has not been built yet")
        return np.array(self._native.state())

    def set_state(self, state: Any) -> "Node":
        """Sets the state."""
        s = np.ascontiguousarray(state, dtype=np.float64).ravel()
        if self._owner is not None:
            self._owner._require_graph().set_node_state(self.name, s)
        elif self._native is None:
            raise _aquifer.NotFittedError(f"node `{self.name}` has not been built yet")
        else:
            self._native.set_state(s)
        return self

    # ---- graph operators -----------------------------------------------------------------
    def __rshift__(self, other: Any) -> "Model":
        return Model._link(self, other)

    def __rrshift__(self, other: Any) -> "Model":
        return Model._link(other, self)

    def __lshift__(self, other: Any) -> "Model":
        return Model._feedback_of(self, other)

    def __ilshift__(self, other: "Node") -> "Node":  # type: ignore[misc]
        """``node <<= readout``: ``readout`` feeds back into this node (one step late) in every
        model holding both."""
        if not isinstance(other, Node):
            raise TypeError("<<= takes a node")
        self._feedback.append(other)
        return self

    def __and__(self, other: Any) -> "Model":
        return Model._merge(self, other)

    # ---- persistence ---------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Writes the built node to a model file (atomically), readable by ``aquifer.load``,
        the command line and the Rust crate."""
        write_bytes(path, self._bytes())

    def _bytes(self) -> bytes:
        self._standalone("save")
        if self._native is None:
            raise _aquifer.NotFittedError(f"node `{self.name}` has not been built yet")
        return bytes(self._native.to_bytes())

    def __getstate__(self) -> Dict[str, Any]:
        d = dict(self.__dict__)
        if self._owner is not None:
            raise _aquifer.AquiferError(
                f"node `{self.name}` belongs to a model: pickle the model instead"
            )
        d["_native"] = None if self._native is None else bytes(self._native.to_bytes())
        return d

    def __setstate__(self, d: Dict[str, Any]) -> None:
        native = d.pop("_native")
        self.__dict__.update(d)
        self._native = None if native is None else _aquifer.Node.from_bytes(native)

    def __repr__(self) -> str:
        if self._native is not None:
            dims = f"{self._native.input_dim} -> {self._native.output_dim}"
        elif self._owner is not None:
            dims = "in a model"
        else:
            dims = "not built"
        return f"{type(self).__name__}('{self.name}', {dims})"



#: An edge: source, destination, delay in steps, and whether ``<<`` wrote it (feedback).
Edge = Tuple[Node, Node, int, bool]


class Model:
    """A graph of nodes. Nodes without an incoming edge (feedback aside) receive the input
    series; nodes without an outgoing edge (feedback aside) are the outputs. ``run`` returns
    the output's series, or a dict ``{name: series}`` when there are several.

    The graph is built when it first sees data: then every node's dimensions are known, the
    plastic reservoirs fed by the input learn from it (``fit``), and the model holds its nodes
    (read a node's ``state()`` or ``Wout`` through the node, run the model).
    """

    def __init__(self, nodes: Sequence[Node] = (), edges: Sequence[Edge] = (), name: Optional[str] = None) -> None:
        self.name = name or "Model"
        self.nodes: List[Node] = []
        for n in nodes:
            if all(n is not m for m in self.nodes):
                self.nodes.append(n)
        self.edges: List[Edge] = list(edges)
        self._graph: Optional[_aquifer.Graph] = None

    # ---- composition ----------------------------------------------------------------------
    @staticmethod
    def _parts(x: Any) -> Tuple[List[Node], List[Edge], List[Node], List[Node]]:
        """Nodes, edges, entry nodes and exit nodes of a node, model or list of them."""
        if isinstance(x, Node):
            return [x], [], [x], [x]
        if isinstance(x, Model):
            if x._graph is not None:
                raise _aquifer.AquiferError("a model that has run cannot be composed further")
            return list(x.nodes), list(x.edges), x._sources(), x._leaves()
        if isinstance(x, (list, tuple)):
            nodes: List[Node] = []
            edges: List[Edge] = []
            ins: List[Node] = []
            outs: List[Node] = []
            for item in x:
                n, e, i, o = Model._parts(item)
                nodes += n
                edges += e
                ins += i
                outs += o
            return nodes, edges, ins, outs
        raise TypeError(f"cannot connect a {type(x).__name__}: expected a node, a model or a list")

    @staticmethod
    def _connect(sender: Any, receiver: Any, feedback: bool) -> "Model":
        """Both graphs, with edges from the sender's exits to the receiver's entries (one step
        late for feedback)."""
        ns, es, _, outs = Model._parts(sender)
        nr, er, ins, _ = Model._parts(receiver)
        new = [(o, i, int(feedback), feedback) for o in outs for i in ins]
        return Model(ns + nr, es + er + new)

    @staticmethod
    def _link(a: Any, b: Any) -> "Model":
        return Model._connect(a, b, feedback=False)

    @staticmethod
    def _feedback_of(receiver: Any, sender: Any) -> "Model":
        return Model._connect(sender, receiver, feedback=True)

    @staticmethod
    def _merge(a: Any, b: Any) -> "Model":
        na, ea, _, _ = Model._parts(a)
        nb, eb, _, _ = Model._parts(b)
        edges: List[Edge] = []
        for e in ea + eb:
            if not any(e[0] is f[0] and e[1] is f[1] and e[2] == f[2] for f in edges):
                edges.append(e)
        return Model(na + nb, edges)

    def __rshift__(self, other: Any) -> "Model":
        return Model._link(self, other)

    def __rrshift__(self, other: Any) -> "Model":
        return Model._link(other, self)

    def __lshift__(self, other: Any) -> "Model":
        return Model._feedback_of(self, other)

    def __and__(self, other: Any) -> "Model":
        return Model._merge(self, other)

    def __rand__(self, other: Any) -> "Model":
        return Model._merge(other, self)

    def __getitem__(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(f"no node named {name!r} in the model")

    def _all_edges(self) -> List[Edge]:
        edges = list(self.edges)
        for n in self.nodes:
            for f in n._feedback:
                if any(f is m for m in self.nodes):
                    edges.append((f, n, 1, True))
        return edges

    def _sources(self) -> List[Node]:
        edges = self._all_edges()
        return [n for n in self.nodes if not any(e[1] is n and not e[3] for e in edges)]

    def _leaves(self) -> List[Node]:
        edges = self._all_edges()
        return [n for n in self.nodes if not any(e[0] is n and not e[3] for e in edges)]

    @property
    def input_nodes(self) -> List[Node]:
        """The nodes that receive the input series."""
        return self._sources()

    @property
    def output_nodes(self) -> List[Node]:
        """The nodes whose series ``run`` returns."""
        return self._leaves()

    # ---- building --------------------------------------------------------------------------
    def _order(self) -> List[Node]:
        edges = [e for e in self._all_edges() if not e[3]]
        order: List[Node] = []
        pending = list(self.nodes)
        while pending:
            ready = [n for n in pending if not any(e[1] is n and any(e[0] is p for p in pending) for e in edges)]
            if not ready:
                names = ", ".join(n.name for n in pending)
                raise _aquifer.AquiferError(
                    f"the model has a cycle through {names}: close loops with `<<` (one step late)"
                )
            order += ready
            pending = [n for n in pending if all(n is not r for r in ready)]
        return order

    def _require_graph(self) -> _aquifer.Graph:
        if self._graph is None:
            raise _aquifer.NotFittedError("the model has not seen data yet")
        return self._graph

    def _build(self, input_dim: int, targets: Dict[str, int], xs: Optional[List[Array]] = None, warmup: int = 0) -> _aquifer.Graph:
        if self._graph is not None:
            return self._graph
        if not self.nodes:
            raise _aquifer.AquiferError("the model has no nodes")
        names = [n.name for n in self.nodes]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise _aquifer.AquiferError(f"two nodes of the model are named {sorted(dup)[0]!r}")
        for n in self.nodes:
            if n._owner is not None:
                raise _aquifer.AquiferError(f"node `{n.name}` already belongs to another model")
        order = self._order()
        edges = self._all_edges()
        sources = self._sources()
        out_dim: Dict[int, int] = {}

        def dim_of(n: Node) -> int:
            if id(n) in out_dim:
                return out_dim[id(n)]
            if n._readout_tag is not None:
                if n._native is not None:
                    return int(n._native.output_dim)
                if n.name in targets:
                    return targets[n.name]
                raise _aquifer.NotFittedError(
                    f"readout `{n.name}` is not trained: fit the model (or it) first"
                )
            if n._native is not None:
                return int(n._native.output_dim)
            units = getattr(n, "units", None)
            if units is not None:
                return int(units)
            raise _aquifer.AquiferError(f"the output size of node `{n.name}` is not known yet")

        spec: List[Tuple[str, str, Any, int]] = [("__input__", "input", None, input_dim)]
        index: Dict[int, int] = {}
        for n in order:
            width = sum(dim_of(e[0]) for e in edges if e[1] is n) + (input_dim if any(n is s for s in sources) else 0)
            if n._readout_tag is not None and n._native is None:
                spec.append((n.name, n._readout_tag, n._params_json(), dim_of(n)))
            else:
                native = n._native_for(width)
                if xs is not None and any(n is s for s in sources) and not any(e[1] is n for e in edges):
                    n._learn_inputs(xs, warmup)
                spec.append((n.name, "node", native, int(native.output_dim)))
            out_dim[id(n)] = spec[-1][3]
            index[id(n)] = len(spec) - 1
        rust_edges = [(0, index[id(s)], 0) for s in sources]
        rust_edges += [(index[id(e[0])], index[id(e[1])], e[2]) for e in edges]
        outputs = [index[id(n)] for n in self._leaves()]
        self._graph = _aquifer.Graph.build(spec, rust_edges, outputs)
        for n in self.nodes:
            n._owner = self
            n._native = None
        return self._graph

    def _target_dims(self, y: Any) -> Tuple[Dict[str, int], Any]:
        readouts = [n for n in self.nodes if n._readout_tag is not None]
        if isinstance(y, dict):
            unknown = set(y) - {r.name for r in readouts}
            if unknown:
                raise _aquifer.AquiferError(f"targets for {sorted(unknown)}: no such readout in the model")
            per = {k: as_many(v, f"y[{k!r}]")[0] for k, v in y.items()}
            return {k: v[0].shape[1] for k, v in per.items()}, per
        ys, _ = as_many(y, "y")
        untrained = [r for r in readouts if not r._readout_fitted()] or readouts
        if len(readouts) == 0:
            raise _aquifer.AquiferError("the model has no readout to train")
        if len(untrained) > 1 and len(readouts) > 1:
            names = ", ".join(r.name for r in readouts)
            raise _aquifer.AquiferError(
                f"the model has several readouts ({names}): give the targets as a dict by name"
            )
        target = untrained[0] if len(readouts) > 1 else readouts[0]
        return {target.name: ys[0].shape[1]}, {target.name: ys}

    def _targets_in_order(self, per: Dict[str, List[Array]], n_series: int) -> List[Array]:
        graph = self._require_graph()
        names = graph.trained_names
        missing = [k for k in names if k not in per]
        if missing:
            raise _aquifer.AquiferError(f"no targets given for readout(s) {missing}")
        for k in names:
            if len(per[k]) != n_series:
                raise _aquifer.AquiferError(
                    f"{n_series} input series but {len(per[k])} target series for `{k}`"
                )
        return [
            np.hstack([per[k][i] for k in names]) if len(names) > 1 else per[names[0]][i]
            for i in range(n_series)
        ]

    # ---- learning and running ---------------------------------------------------------------
    def fit(self, x: Any, y: Any, warmup: int = 0) -> "Model":
        """Trains the offline readouts (ridge) on input series ``x`` towards targets ``y``
        (teacher forcing: a readout that feeds back feeds the target), discarding ``warmup``
        steps of each series; each series starts from the state the model is in. ``y`` is a
        series (or several) for a model with one readout, else a dict ``{readout name: y}``."""
        xs, _ = as_many(x, "x")
        dims, per = self._target_dims(y)
        self._build(xs[0].shape[1], dims, xs, int(warmup))
        ys = self._targets_in_order(per, len(xs))
        self._require_graph().fit(xs, ys, int(warmup))
        return self

    def partial_fit(self, x: Any, y: Any) -> Any:
        """Online learning (RLS, LMS readouts) along a series; returns the outputs produced
        while learning."""
        xs = [as_series(x, "x")]
        dims, per = self._target_dims(y)
        self._build(xs[0].shape[1], dims, xs)
        ys = self._targets_in_order(per, 1)
        return self._outputs(self._require_graph().partial_fit(xs[0], ys[0]))

    def run(self, x: Any) -> Any:
        """The output nodes' series for ``x`` from the current state (which moves on); for
        several series, each from the current state (left unchanged), returned in a list (or
        stacked for a 3-D input)."""
        xs, form = as_many(x, "x")
        graph = self._build(xs[0].shape[1], {})
        if form == "one":
            return self._outputs(graph.run(xs[0]))
        outs = [self._outputs(o) for o in graph.run_many(xs)]
        if outs and isinstance(outs[0], dict):
            return outs
        return restore(outs, form)

    predict = run

    def generate(self, n: int, warmup: Any) -> Any:
        """Closed loop: runs ``warmup`` (an input series), then feeds the output back as the
        next input for ``n`` steps and returns those ``n`` outputs. (For a model without
        inputs whose readouts feed back, ``warmup`` is the readouts' teacher series.)"""
        w = as_series(warmup, "warmup")
        graph = self._require_graph()
        return self._outputs(graph.generate(int(n), w))

    def reset(self) -> "Model":
        """Every node back to its initial state, every delayed edge to zero."""
        if self._graph is not None:
            self._graph.reset()
        else:
            for n in self.nodes:
                n.reset()
        return self

    def _outputs(self, named: List[Tuple[str, Array]]) -> Any:
        if len(named) == 1:
            return named[0][1]
        return {k: v for k, v in named}

    # ---- persistence -------------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Writes the model (once it has seen data) to a model file, atomically."""
        write_bytes(path, bytes(self._require_graph().to_bytes()))

    @classmethod
    def _from_bytes(cls, data: bytes) -> "Model":
        graph = _aquifer.Graph.from_bytes(data)
        config = json.loads(_aquifer.describe(data))
        model = cls()
        py_nodes: List[Optional[Node]] = []
        for spec in config["nodes"]:
            if spec["kind"] == "input":
                py_nodes.append(None)
                continue
            cls_ = _kind_class(spec["kind"])
            node = cls_.__new__(cls_)
            Node.__init__(node, spec["name"])
            node._owner = model
            model.nodes.append(node)
            py_nodes.append(node)
        for e in config["edges"]:
            a, b = py_nodes[e["from"]], py_nodes[e["to"]]
            if a is not None and b is not None:
                model.edges.append((a, b, int(e.get("delay", 0)), int(e.get("delay", 0)) > 0))
        model._graph = graph
        return model

    def __reduce__(self) -> Any:
        if self._graph is None:
            return (Model, (self.nodes, self.edges, self.name))
        return (Model._from_bytes, (bytes(self._graph.to_bytes()),))

    def __repr__(self) -> str:
        inner = " >> ".join(n.name for n in self._order()) if self.nodes else ""
        return f"Model({inner}{', built' if self._graph is not None else ''})"



#: Model-file kinds of nodes and the class that holds each (filled by ``aquifer.nodes``).
KINDS: Dict[str, Type[Node]] = {}


def _kind_class(kind: str) -> Type[Node]:
    if kind not in KINDS:
        raise _aquifer.AquiferError(f"unknown node kind `{kind}` in the model file")
    return KINDS[kind]
