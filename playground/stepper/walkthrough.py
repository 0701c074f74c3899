"""The stepper's model: an expression's forward and backward streams, and what is known at step k.

Step 0 shows the graph with only its inputs. Steps 1..F compute one op node each (the forward
stream), then steps F+1..F+B process one node each in reverse (the backward stream). Everything shown
comes from the engine's step records; nothing here recomputes a gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import (
    BackwardStep,
    ForwardStep,
    Node,
    ShapeError,
    backward_steps,
    forward_steps,
    gradient_check,
    parse,
    topo_order,
)

from .state import parse_value


@dataclass(frozen=True)
class StepView:
    """What the learner sees after ``step`` steps."""

    step: int
    phase: str  # "start" | "forward" | "backward" | "done"
    current: Node | None
    forward: ForwardStep | None  # the step just taken, in the forward phase
    backward: BackwardStep | None  # the step just taken, in the backward phase
    values: frozenset[int]  # ids of nodes whose value is known
    grads: dict[int, np.ndarray]  # node id -> its gradient, once its backward step is done
    edge_grads: dict[tuple[int, int, int], np.ndarray]  # (parent id, child id, arg) -> grad sent


@dataclass
class Walkthrough:
    text: str
    root: Node
    leaves: dict[str, Node]
    order: list[Node]
    forward: list[ForwardStep]  # op nodes only: inputs are given, not computed
    backward: list[BackwardStep]
    backward_error: str | None = None  # why there is no backward pass (e.g. a vector output)
    output_grad: float = 1.0  # ∂L/∂output, where the backward pass starts

    @property
    def total_steps(self) -> int:
        return len(self.forward) + len(self.backward)

    def view(self, step: int) -> StepView:
        step = max(0, min(step, self.total_steps))
        nf = len(self.forward)
        values = {n.id for n in self.order if n.op is None}
        values |= {s.node.id for s in self.forward[:step]}
        grads, edge_grads = {}, {}
        for s in self.backward[: max(0, step - nf)]:
            grads[s.node.id] = s.upstream
            for arg, (parent, g) in enumerate(zip(s.node.parents, s.downstream, strict=True)):
                if g is not None:
                    edge_grads[(parent.id, s.node.id, arg)] = g
        fstep = self.forward[step - 1] if 0 < step <= nf else None
        bstep = self.backward[step - nf - 1] if step > nf else None
        phase = ("start" if step == 0 else "done" if step == self.total_steps
                 else "forward" if step <= nf else "backward")
        current = (fstep or bstep).node if (fstep or bstep) else None
        return StepView(step, phase, current, fstep, bstep, frozenset(values), grads, edge_grads)

    def contributions(self, node: Node, view: StepView) -> list[tuple[Node, np.ndarray]]:
        """What each consumer of ``node`` has sent back to it so far (the copy gate's addends)."""
        by_id = {n.id: n for n in self.order}
        return [(by_id[child], g) for (parent, child, _), g in view.edge_grads.items() if parent == node.id]

    @property
    def issues(self) -> list[tuple[Node, str]]:
        """Every node where NaN/inf first appears, with the reason."""
        return [(n, n.issue) for n in self.order if n.issue]


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def name_intermediates(order: list[Node], variables) -> None:
    """Call each op node q₁, q₂, … in forward order (as the course notes write q = x + y), so the graph and the
    ledger's formulas name a node's inputs the same way; another letter when the learner has a variable q."""
    taken = {name.rstrip("0123456789") for name in variables}
    letter = next((c for c in "quhsvprgkm" if c not in taken), "node")
    for k, node in enumerate((n for n in order if n.op is not None), 1):
        node.label = f"{letter}{str(k).translate(SUBSCRIPTS)}"


def build_walkthrough(text: str, values: dict[str, str], output_grad: float = 1.0) -> Walkthrough:
    """Parse, build and run both passes. Raises ``EngineError`` (``ParseError`` with a column) or
    ``ValueError`` for a variable value that is not a number or vector."""
    expression = parse(text)
    numbers = {}
    for name in expression.variables:
        try:
            numbers[name] = parse_value(values.get(name, "1"))
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None
    root, leaves = expression.build(numbers)
    order = topo_order(root)
    name_intermediates(order, expression.variables)
    forward = [s for s in forward_steps(root, order) if s.node.op is not None]
    backward, error = [], None
    try:
        backward = list(backward_steps(root, seed=output_grad, order=order))
    except ShapeError as e:
        error = str(e)
    if not expression.variables:
        error = "this expression has no variables, so there is nothing to differentiate"
    return Walkthrough(text, root, leaves, order, forward, backward, error, output_grad)


def check_gradients(walkthrough: Walkthrough):
    """Numerical vs analytic gradients on a fresh copy of the graph (the walkthrough is untouched), of the same
    backward pass the page steps through: the one started from the output gradient. A check too costly to compare
    every entry compares as many of each variable as its budget allows, evenly spread."""
    if walkthrough.root.value.ndim:
        raise ShapeError("the gradient check needs a scalar output: wrap it in sum(...)")
    root, _ = parse(walkthrough.text).build({n: leaf.value for n, leaf in walkthrough.leaves.items()})
    return gradient_check(root, seed=walkthrough.output_grad, spread=True)  # over its budget: entries spread out

