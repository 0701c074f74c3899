"""Graph walks: topological order, and the forward and backward passes as streams of steps.

Every consumer (the stepper page, the CLI, the tests, ``backward()``) reads the same streams, so
what a learner is shown is exactly what the engine computed. Walks are iterative (no recursion
limit) and deterministic: parents are visited in argument order.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np

from .errors import ShapeError
from .node import Node, _all_finite, evaluate
from .ops import unbroadcast


@dataclass(frozen=True, slots=True)
class ForwardStep:
    index: int
    node: Node
    inputs: tuple[np.ndarray, ...]  # the parents' values (empty for a leaf)
    value: np.ndarray
    issue: str | None  # set on the step whose node is the first to hold NaN/inf


@dataclass(frozen=True, slots=True)
class BackwardStep:
    index: int
    node: Node
    upstream: np.ndarray  # d root / d node, already summed over every consumer of node
    local: tuple[np.ndarray | None, ...]  # elementwise d node / d parent_i (None: not elementwise)
    downstream: tuple[np.ndarray | None, ...]  # gradient sent to parent_i (None: needs none)
    issue: str | None  # set where a finite upstream first turns into a NaN/inf downstream

    @property
    def is_leaf(self) -> bool:
        return self.node.op is None


def topo_order(root: Node) -> list[Node]:
    """Every node that ``root`` depends on, parents before children, in a deterministic order."""
    order: list[Node] = []
    seen = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def forward_steps(root: Node, order: list[Node] | None = None):
    """Recompute every op node from its parents, yielding one ``ForwardStep`` per node."""
    for index, node in enumerate(order or topo_order(root)):
        if node.op is not None:
            evaluate(node)
        yield ForwardStep(index, node, tuple(p.value for p in node.parents), node.value, node.issue)


def _seed_for(root: Node, seed) -> np.ndarray:
    seed = np.asarray(seed, dtype=np.float64)
    if seed.shape == root.shape:
        return seed
    if root.value.ndim and seed.ndim == 0:
        raise ShapeError(f"backward needs a scalar output, but this one has shape {root.shape}: "
                         f"wrap it in sum(...) or mean(...)")
    raise ShapeError(f"the seed gradient has shape {seed.shape}, the output {root.shape}")


def backward_steps(root: Node, seed=1.0, order: list[Node] | None = None):
    """Reverse-mode sweep from ``root``, yielding one ``BackwardStep`` per node that needs a gradient.

    Each node's ``grad`` is set when its step is reached (earlier gradients are cleared first).
    """
    order = order or topo_order(root)
    for node in order:
        node.grad = None
    pending = {root: _seed_for(root, seed)}
    index = 0
    for node in reversed(order):
        if not node.requires_grad:
            continue
        upstream = pending.pop(node)
        node.grad = upstream
        op = node.op
        if op is None:
            yield BackwardStep(index, node, upstream, (), (), None)
            index += 1
            continue
        xs = [p.value for p in node.parents]
        local, downstream = [], []
        with np.errstate(all="ignore"):  # a NaN/inf gradient is reported on the step, not raised
            for i, parent in enumerate(node.parents):
                if not parent.requires_grad:
                    local.append(None)
                    downstream.append(None)
                    continue
                if op.local is not None:
                    d_local = np.asarray(op.local[i](node.value, *xs))
                    grad = upstream * d_local
                else:
                    d_local = None
                    grad = op.vjp[i](upstream, node.value, *xs, **node.attrs)
                grad = unbroadcast(np.asarray(grad, dtype=np.float64), parent.value.shape)
                local.append(d_local)
                downstream.append(grad)
                pending[parent] = pending[parent] + grad if parent in pending else grad
        issue = None
        if _all_finite(upstream) and not all(_all_finite(g) for g in downstream if g is not None):
            issue = f"the gradient through {op.name} becomes NaN/inf here"
            if node.issue or any(not p.finite for p in node.parents):
                issue += " (its value is already NaN/inf)"
        yield BackwardStep(index, node, upstream, tuple(local), tuple(downstream), issue)
        index += 1


def backward(root: Node, seed=1.0) -> None:
    """Fill in ``grad`` on every node that needs one, by draining ``backward_steps``."""
    collections.deque(backward_steps(root, seed), maxlen=0)
