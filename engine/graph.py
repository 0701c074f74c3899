"""Graph walks: topological order, and the forward and backward passes as streams of steps.

Every consumer (the stepper page, the CLI, the tests, ``backward()``) reads the same streams, so
what a learner is shown is exactly what the engine computed. Walks are iterative (no recursion
limit) and deterministic: parents are visited in argument order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .errors import ShapeError
from .node import Node, all_finite, diagnose, evaluate
from .ops import unbroadcast


class ForwardStep(NamedTuple):
    index: int
    node: Node
    inputs: tuple[np.ndarray, ...]  # the parents' values (empty for a leaf)
    value: np.ndarray
    issue: str | None  # set on the step whose node is the first to hold NaN/inf


class BackwardStep(NamedTuple):
    index: int
    node: Node
    upstream: np.ndarray  # d root / d node, already summed over every consumer of node
    local: tuple[np.ndarray | None, ...]  # elementwise d node / d parent_i (None: not elementwise)
    downstream: tuple[np.ndarray | None, ...]  # gradient sent to parent_i (None: needs none)
    issue: str | None  # set where a finite upstream first turns into a NaN/inf downstream
    note: str | None = None  # set where an input sits on a kink or tie: the derivative's convention there

    @property
    def is_leaf(self) -> bool:
        return self.node.op is None


def topo_order(root: Node) -> list[Node]:
    """Every node that ``root`` depends on, parents before children, in a deterministic order.

    Ids count up in creation order and a parent always exists before its child, so sorting the
    ancestors by id is a topological order (and, for a parsed expression, its reading order).
    """
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=_by_id)


def _by_id(node: Node) -> int:
    return node.id


def forward_steps(root: Node, order: list[Node] | None = None):
    """Recompute every op node from its parents, yielding one ``ForwardStep`` per node.

    Each node's ``finite`` and ``issue`` are set on the way, so the first NaN/inf is located.
    """
    for index, node in enumerate(order or topo_order(root)):
        if node.op is not None:
            evaluate(node)  # warnings off: a domain error gives NaN/inf, reported as the issue
        diagnose(node)
        yield ForwardStep(index, node, tuple(p.value for p in node.parents), node.value, node.issue)


def seed_for(root: Node, seed) -> np.ndarray:
    """The output gradient as a new float64 array of the output's shape, or ``ShapeError``."""
    seed = np.array(seed, dtype=np.float64)  # a copy: root.grad must not alias the caller's array
    if seed.shape == root.shape:
        return seed
    if root.value.ndim and seed.ndim == 0:
        raise ShapeError(f"backward needs a scalar output, but this one has shape {root.shape}: "
                         f"wrap it in sum(...) or mean(...)")
    raise ShapeError(f"the seed gradient has shape {seed.shape}, the output {root.shape}")


def _send(node: Node, upstream: np.ndarray):
    """The local and downstream gradient for each parent of an op node (None where none is needed)."""
    op, parents, out = node.op, node.parents, node.value
    xs = [p.value for p in parents]
    local: list = [None] * len(parents)
    downstream: list = [None] * len(parents)
    for i, parent in enumerate(parents):
        if not parent.requires_grad:
            continue
        if op.local is not None:
            d_local = op.local[i](out, *xs)
            if type(d_local) is float:  # a constant: 1 for the add gate passes upstream unchanged
                grad = upstream if d_local == 1.0 else upstream * d_local
                d_local = np.float64(d_local)
            else:
                grad = upstream * d_local
            local[i] = d_local
        else:
            grad = op.vjp[i](upstream, out, *xs, **node.attrs)
        if type(grad) is not np.ndarray:  # numpy returns scalars for 0-d arithmetic
            grad = np.asarray(grad, dtype=np.float64)
        shape = parent.value.shape
        downstream[i] = grad if grad.shape == shape else unbroadcast(grad, shape)
    return tuple(local), tuple(downstream)


def jacobian(node: Node, arg: int) -> np.ndarray:
    """∂node/∂(input ``arg``) as the n × m matrix of the course notes: row i for the input's entry i, column j
    for the output's entry j, so that ∂L/∂input = J · ∂L/∂node. Built from the backward rule itself: column j
    is what the node sends back for a one-hot upstream at output entry j."""
    columns = []
    for j in range(node.value.size):
        upstream = np.zeros(node.value.shape)
        upstream.flat[j] = 1.0
        columns.append(_send(node, upstream)[1][arg].reshape(-1))
    return np.stack(columns, axis=1)


def convention_note(node: Node) -> str | None:
    """The op's stated convention, if it decides the derivative sent to some input that needs one."""
    op = node.op
    if op is None or op.at_convention is None:
        return None
    xs = [p.value for p in node.parents]
    where = None
    with np.errstate(all="ignore"):
        for parent, applies in zip(node.parents, op.at_convention, strict=True):
            if parent.requires_grad:
                hit = applies(*xs)
                where = hit if where is None else where | hit
    hits = 0 if where is None else int(np.count_nonzero(where))
    if not hits:
        return None
    size = np.size(where)
    return op.convention if size == 1 else f"{op.convention} (at {hits} of {size} elements)"


def through_undefined_note(node: Node, downstream) -> str | None:
    """Where a node turns finite inputs into NaN yet sends a finite gradient on (log at -1: its local 1/x is -1). The
    engine keeps PyTorch's and JAX's rule, the derivative's formula evaluated at the input whatever the value;
    the learner is told that such a number is no slope of anything."""
    with np.errstate(all="ignore"):
        if not np.any(np.isnan(node.value)) or not all(all_finite(p.value) for p in node.parents):
            return None
        sent = [g for p, g in zip(node.parents, downstream, strict=True) if g is not None and p.requires_grad]
        if not any(np.any(np.isfinite(g)) for g in sent):
            return None
    return (f"{node.op.name}'s value here is NaN, yet it sends a finite gradient on: like PyTorch and JAX, the "
            f"engine evaluates the formula of {node.op.name}'s derivative at its input whatever the value. Where a "
            "function is undefined it has no slope, so a gradient that passed through a NaN means nothing, and the "
            "gradient check cannot confirm it")


def backward_steps(root: Node, seed=1.0, order: list[Node] | None = None, check_finite: bool = True):
    """Reverse-mode sweep from ``root``, yielding one ``BackwardStep`` per node that needs a gradient.

    Each node's ``grad`` is set when its step is reached (earlier gradients are cleared first), and
    holds the gradient summed over every path to ``root``: a writable array of the node's shape.
    A leaf's is its own (shared with no other node's ``grad``, nor with ``seed``); an op node's may
    share memory with its neighbours' (the add gate passes its upstream on unchanged, a reshape
    sends a view of it).

    With ``check_finite`` (the stepper's path) the step where a finite gradient first turns NaN/inf
    carries an ``issue``, and a step whose inputs sit on a kink or tie carries its ``note``; without
    it (the training hot path) nothing is checked, and numpy's own warnings are the only sign.
    """
    order = order or topo_order(root)
    for node in order:
        node.grad = None
    pending = {root: seed_for(root, seed)}
    index = 0
    for node in reversed(order):
        if not node.requires_grad:
            continue
        upstream = pending.pop(node)
        if node.op is None:
            node.grad = upstream = _own(upstream)
            yield BackwardStep(index, node, upstream, (), (), None)
            index += 1
            continue
        node.grad = upstream
        issue = note = None
        if check_finite:
            with np.errstate(all="ignore"):
                local, downstream = _send(node, upstream)
            if all_finite(upstream) and not all(all_finite(g) for g in downstream if g is not None):
                issue = f"the gradient through {node.op.name} becomes NaN/inf here"
            note = "; ".join(n for n in (convention_note(node), through_undefined_note(node, downstream)) if n) or None
        else:
            local, downstream = _send(node, upstream)
        for parent, grad in zip(node.parents, downstream, strict=True):
            if grad is not None:
                pending[parent] = pending[parent] + grad if parent in pending else grad
        yield BackwardStep(index, node, upstream, local, downstream, issue, note)
        index += 1


def _own(upstream: np.ndarray) -> np.ndarray:
    """A leaf's gradient as its own array: an optimizer updates grads in place, while the add gate sends one
    array to both its inputs and a reshape sends a view."""
    return np.array(upstream)


def backward(root: Node, seed=1.0, order: list[Node] | None = None) -> None:
    """Fill in ``grad`` on every node that needs one: the same sweep as ``backward_steps`` (the same ``_send``
    per node, the same sums), without step records, for training's hot path. Unchecked, for speed: use
    ``backward_steps`` (or ``forward_steps``) to locate NaN/inf."""
    order = order or topo_order(root)
    for node in order:
        node.grad = None
    root.grad = seed_for(root, seed)
    for node in reversed(order):
        upstream = node.grad
        if upstream is None:  # needs no gradient (a constant, or only constants below it)
            continue
        if node.op is None:
            node.grad = _own(upstream)
            continue
        for parent, grad in zip(node.parents, _send(node, upstream)[1], strict=True):
            if grad is not None:
                parent.grad = grad if parent.grad is None else parent.grad + grad
