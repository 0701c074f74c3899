"""Node: one value in a computational graph, and ``apply``, the one way an op makes a new node.

Values are computed eagerly when a node is made (as in micrograd), and can be recomputed later by
``forward_steps`` after leaf values change, so a graph built once can be trained many times.
Making a node only computes (it is the training hot path), with numpy's floating-point warnings
off, as everywhere an op's forward runs: a domain error gives NaN/inf and never a Python warning.
Where NaN/inf first appears is found by the step streams (``forward_steps``/``backward_steps``),
which call ``diagnose``.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from .errors import ShapeError
from .formatting import describe_shape
from .ops import OPS, Op

SHAPE_NEEDS = {"matmul": "vectors or matrices whose inner sizes agree, like a 2 × 3 matrix @ a vector of 3",
               "softmax_cross_entropy": "scores and one-hot labels of the same shape",
               "reshape": "the same number of entries before and after"}

_ids = itertools.count()

# Ops run with numpy's floating-point warnings off. ``np.errstate(all="ignore")`` rebuilds numpy's
# error-state object on every entry, which costs about as much as a whole scalar node; numpy 2 keeps
# that state in a context variable (per thread, as np.errstate does), so we set a prebuilt one
# (about 0.3 us a node). On numpy 1, whose np.errstate is np.seterr, np.seterr itself.
def _seterr_quiet() -> dict:
    return np.seterr(all="ignore")


def _seterr_restore(old: dict) -> None:
    np.seterr(**old)


try:
    from numpy._core._ufunc_config import _extobj_contextvar
    from numpy._core.umath import _make_extobj

    _quiet = functools.partial(_extobj_contextvar.set, _make_extobj(all="ignore"))
    _restore = _extobj_contextvar.reset
except ImportError:  # numpy < 2
    _quiet, _restore = _seterr_quiet, _seterr_restore


def all_finite(a: np.ndarray) -> bool:
    return math.isfinite(a) if a.ndim == 0 else bool(np.isfinite(a).all())


class Node:
    """A value in the graph. ``kind`` is "var" (a leaf we differentiate by), "const" or "op"."""

    __slots__ = ("value", "grad", "op", "parents", "attrs", "kind", "label", "id",
                 "requires_grad", "finite", "issue")
    __array_ufunc__ = None  # so `ndarray @ node` and `ndarray * node` call our reflected operators

    def __init__(self, value, kind: str, label: str, op: Op | None = None,
                 parents: tuple[Node, ...] = (), attrs: dict | None = None):
        self.value: np.ndarray = value
        self.grad: np.ndarray | None = None
        self.op = op
        self.parents = parents
        self.attrs = attrs or {}
        self.kind = kind
        self.label = label
        self.id = next(_ids)  # creation order: a parent's id is always smaller than its child's
        requires_grad = kind == "var"
        for p in parents:
            requires_grad = requires_grad or p.requires_grad
        self.requires_grad = requires_grad
        self.finite = True  # both set by diagnose(), i.e. by a forward_steps walk
        self.issue: str | None = None  # why this node is the first to hold NaN/inf, if it is

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    def item(self) -> float:
        return float(self.value)

    def __repr__(self) -> str:
        return f"Node({self.label!r}, kind={self.kind}, value={self.value!r})"

    # Python operators build graph nodes; the reflected forms keep operand order (a - b, not b - a).
    def __add__(self, other): return apply("add", self, other)
    def __radd__(self, other): return apply("add", other, self)
    def __sub__(self, other): return apply("sub", self, other)
    def __rsub__(self, other): return apply("sub", other, self)
    def __mul__(self, other): return apply("mul", self, other)
    def __rmul__(self, other): return apply("mul", other, self)
    def __truediv__(self, other): return apply("div", self, other)
    def __rtruediv__(self, other): return apply("div", other, self)
    def __pow__(self, other): return apply("pow", self, other)
    def __rpow__(self, other): return apply("pow", other, self)
    def __matmul__(self, other): return apply("matmul", self, other)
    def __rmatmul__(self, other): return apply("matmul", other, self)
    def __neg__(self): return apply("neg", self)

    def sum(self, axis=None): return apply("sum", self, axis=axis)
    def mean(self, axis=None): return apply("mean", self, axis=axis)
    def reshape(self, *shape): return apply("reshape", self, shape=shape[0] if len(shape) == 1 else shape)

    @property
    def T(self): return apply("transpose", self)


def _float_array(value) -> np.ndarray:
    return np.array(value, dtype=np.float64)  # a copy: a leaf must not alias the caller's array


def var(value, name: str = "x") -> Node:
    """A leaf we take gradients with respect to (a variable or a trainable parameter)."""
    return Node(_float_array(value), "var", name)


def const(value, label: str | None = None) -> Node:
    """A leaf that receives no gradient (data, targets, literal numbers)."""
    arr = _float_array(value)
    return Node(arr, "const", label or (f"{float(arr):g}" if arr.ndim == 0 else f"const{arr.shape}"))


def evaluate(node: Node) -> None:
    """(Re)compute an op node's value from its parents' values, with floating-point warnings off."""
    xs = [p.value for p in node.parents]
    state = _quiet()
    try:
        value = node.op.forward(*xs, **node.attrs)
    except ValueError:  # numpy's shape complaints (gufunc signatures…), in the engine's own words
        given = " and ".join(describe_shape(x.shape) for x in xs)
        need = SHAPE_NEEDS.get(node.op.name, "inputs of the same shape, or shapes that broadcast")
        raise ShapeError(f"{node.op.symbol} ({node.op.name}) was given {given}; it needs {need}") from None
    finally:
        _restore(state)
    node.value = value if type(value) is np.ndarray else np.asarray(value, dtype=np.float64)


def diagnose(node: Node) -> None:
    """Set ``finite``, and ``issue`` if this node is the first to hold NaN/inf (its parents are finite).

    Parents must have been diagnosed first, as a forward walk in topological order does.
    """
    node.finite = all_finite(node.value)
    node.issue = None
    if node.finite:
        return
    if node.op is None:
        node.issue = "this input is NaN/inf"
    elif all(p.finite for p in node.parents):
        xs = [p.value for p in node.parents]
        with np.errstate(all="ignore"):
            reason = node.op.domain(*xs) if node.op.domain else None
        node.issue = reason or f"{node.op.name} produced NaN/inf"


def apply(op_name: str, *inputs, **attrs) -> Node:
    """Make the node ``op(*inputs)``; numbers and arrays among the inputs become constants."""
    op = OPS[op_name]
    if len(inputs) != op.arity:
        raise ShapeError(f"{op_name} takes {op.arity} input(s), got {len(inputs)}")
    parents = tuple([x if isinstance(x, Node) else const(x) for x in inputs])
    node = Node(None, "op", op.symbol, op, parents, attrs)
    evaluate(node)
    return node
