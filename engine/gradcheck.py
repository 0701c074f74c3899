"""Gradient checking: analytic gradients from ``backward`` against float64 central differences.

With an output gradient (``seed``) g, both sides are of the scalar ``sum(g * f)``: ``backward(f, g)``
against central differences of ``sum(g * f)``, so the check covers exactly the pass the learner saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import EngineError, ShapeError
from .graph import backward, forward_steps, seed_for, topo_order
from .limits import MAX_CHECK_EVALUATIONS
from .node import Node

STEP = 1e-6  # relative step: h = STEP * max(1, |x|)
TOLERANCE = 1e-5
KINK_RADIUS = 1e-4  # a relu/abs/max/min input this close to its kink makes differences unreliable


@dataclass(frozen=True)
class VariableCheck:
    name: str
    analytic: np.ndarray
    numeric: np.ndarray
    error: float  # max over elements of |a - n| / max(1, |a|, |n|): relative, absolute below 1

    @property
    def passed(self) -> bool:
        return self.error <= TOLERANCE


@dataclass(frozen=True)
class GradCheck:
    variables: tuple[VariableCheck, ...]
    kink_warnings: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.variables)


def _output(root: Node, order: list[Node], seed: np.ndarray) -> float:
    for _ in forward_steps(root, order):
        pass
    return float(np.sum(seed * root.value))


def numeric_gradient(root: Node, leaf: Node, order: list[Node] | None = None, seed=1.0) -> np.ndarray:
    """d sum(seed * root) / d leaf by central differences, one element at a time (values restored after)."""
    order = order or topo_order(root)
    seed = seed_for(root, seed)
    grad = np.zeros_like(leaf.value)
    flat, out = leaf.value.reshape(-1), grad.reshape(-1)  # views: writing flat moves leaf.value
    for i in range(flat.size):
        original = flat[i]
        h = STEP * max(1.0, abs(original))
        flat[i] = original + h
        up = _output(root, order, seed)
        flat[i] = original - h
        down = _output(root, order, seed)
        flat[i] = original
        out[i] = (up - down) / (2 * h)
    _output(root, order, seed)
    return grad


def kink_warnings(order: list[Node]) -> tuple[str, ...]:
    warnings = []
    for node in order:
        if node.op is not None and node.op.kink is not None:
            distance = node.op.kink(*(p.value for p in node.parents))
            if np.any(distance < KINK_RADIUS):
                warnings.append(f"{node.op.name} (node {node.label}) is evaluated at or next to its "
                                f"kink: its derivative jumps there, so differences are unreliable")
    return tuple(warnings)


def check_cost(order: list[Node], variables: list[Node]) -> int:
    """Node evaluations central differences need: two forward passes of the graph per entry of each variable."""
    return 2 * sum(leaf.value.size for leaf in variables) * len(order)


def gradient_check(root: Node, variables: list[Node] | None = None, seed=1.0) -> GradCheck:
    """Compare ``backward(root, seed)`` with central differences of ``sum(seed * root)`` for every
    variable leaf of ``root``. ``seed`` is the output gradient: a number for a scalar output, or an
    array of the output's shape."""
    if root.value.ndim and np.ndim(seed) == 0:
        raise ShapeError("gradient check needs a scalar output: wrap it in sum(...)")
    seed = seed_for(root, seed)
    order = topo_order(root)
    variables = variables or [n for n in order if n.kind == "var"]
    cost = check_cost(order, variables)
    if cost > MAX_CHECK_EVALUATIONS:
        raise EngineError(f"this gradient check would evaluate {cost:,} nodes (two forward passes per input entry), "
                          f"more than the {MAX_CHECK_EVALUATIONS:,} one check may: use fewer or shorter inputs")
    backward(root, seed)
    checks = []
    for leaf in variables:
        analytic = leaf.grad.copy()
        numeric = numeric_gradient(root, leaf, order, seed)
        with np.errstate(all="ignore"):
            scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numeric)))
            error = float(np.max(np.abs(analytic - numeric) / scale, initial=0.0))
        checks.append(VariableCheck(leaf.label, analytic, numeric, error if np.isfinite(error) else np.inf))
    return GradCheck(tuple(checks), kink_warnings(order))
