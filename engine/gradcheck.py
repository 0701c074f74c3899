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
    checked: tuple[int, ...] | None = None  # the flat entries compared, when not all (``spread``); others are NaN

    @property
    def defined(self) -> bool:
        """Central differences gave a number at every entry compared. Where f is NaN or inf within h of the point
        (log at -1, sqrt at 0) they give none, and there is nothing to check the analytic gradient against."""
        at = slice(None) if self.checked is None else list(self.checked)
        return bool(np.all(np.isfinite(np.ravel(self.numeric)[at])))

    @property
    def passed(self) -> bool:
        return self.error <= TOLERANCE  # an undefined check has error inf


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


def numeric_gradient(root: Node, leaf: Node, order: list[Node] | None = None, seed=1.0,
                     entries=None) -> np.ndarray:
    """d sum(seed * root) / d leaf by central differences, one element at a time (values restored after); with
    ``entries`` (flat indices), only those, the others NaN."""
    order = order or topo_order(root)
    seed = seed_for(root, seed)
    grad = np.zeros_like(leaf.value) if entries is None else np.full_like(leaf.value, np.nan)
    flat, out = leaf.value.reshape(-1), grad.reshape(-1)  # views: writing flat moves leaf.value
    for i in range(flat.size) if entries is None else entries:
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


def spread_entries(order: list[Node], variables: list[Node]) -> list[tuple[int, ...] | None]:
    """For a check over its budget: the entries of each variable to compare, evenly spread over it (first and last
    included), as many for each as the budget allows; None for a variable whose every entry fits. EngineError when
    not even one entry per variable fits."""
    per_variable = MAX_CHECK_EVALUATIONS // (2 * len(order)) // max(1, len(variables))
    if per_variable < 1:
        raise EngineError(f"this gradient check can't compare even one entry of each of its {len(variables)} "
                          f"variables within {MAX_CHECK_EVALUATIONS:,} node evaluations: use fewer inputs")
    spread = []
    for leaf in variables:
        size = leaf.value.size
        spread.append(None if size <= per_variable else
                      tuple(int(i) for i in np.unique(np.linspace(0, size - 1, per_variable).round())))
    return spread


def gradient_check(root: Node, variables: list[Node] | None = None, seed=1.0, spread: bool = False) -> GradCheck:
    """Compare ``backward(root, seed)`` with central differences of ``sum(seed * root)`` for every
    variable leaf of ``root``. ``seed`` is the output gradient: a number for a scalar output, or an
    array of the output's shape. Over the budget of node evaluations, EngineError; or, with ``spread``, a check of
    as many entries of each variable as the budget allows (each VariableCheck says which)."""
    if root.value.ndim and np.ndim(seed) == 0:
        raise ShapeError("gradient check needs a scalar output: wrap it in sum(...)")
    seed = seed_for(root, seed)
    order = topo_order(root)
    variables = variables or [n for n in order if n.kind == "var"]
    cost = check_cost(order, variables)
    entries: list = [None] * len(variables)
    if cost > MAX_CHECK_EVALUATIONS and spread:
        entries = spread_entries(order, variables)
    elif cost > MAX_CHECK_EVALUATIONS:
        raise EngineError(f"this gradient check would evaluate {cost:,} nodes (two forward passes per input entry), "
                          f"more than the {MAX_CHECK_EVALUATIONS:,} one check may: use fewer or shorter inputs")
    backward(root, seed)
    checks = []
    for leaf, checked in zip(variables, entries, strict=True):
        analytic = leaf.grad.copy()
        numeric = numeric_gradient(root, leaf, order, seed, checked)
        a, n = (analytic, numeric) if checked is None else (analytic.flat[list(checked)], numeric.flat[list(checked)])
        with np.errstate(all="ignore"):
            scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(n)))
            error = float(np.max(np.abs(a - n) / scale, initial=0.0))
        checks.append(VariableCheck(leaf.label, analytic, numeric, error if np.isfinite(error) else np.inf, checked))
    return GradCheck(tuple(checks), kink_warnings(order))
