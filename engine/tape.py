"""Tape: a graph recorded once and replayed, for training at numpy's speed.

Recording walks the graph once (``topo_order``) and turns each op node into two small closures over the
op's own registry row: its forward (the node's value from its parents' current values), and its backward
(the node's gradient sent to each parent that needs one: ``upstream * local`` or the ``vjp``, summed back
to the parent's shape by ``unbroadcast``, then kept or added as that parent's). Everything that depends
only on the graph's structure is decided once, there: which registry function, which parents need a
gradient, which gradient a parent gets first and which are added to it, which leaf must copy its own.
Replaying calls the closures in order: no node is built, no graph sorted, no dict of pending gradients
kept, which is where an eager step spends its time beyond numpy's own.

The nodes are the graph's own, so after a replay every node holds what an eager ``backward`` over the same
numbers gives it, bit for bit (tests/test_tape.py), and the stepper's ``backward_steps`` over ``root``
shows the same one record per node. Only the graph's structure is fixed at recording (which op, which
parents, who needs a gradient); values and shapes are read at each replay, so new weights, or a new batch
of any size in a constant's ``value``, replay correctly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .graph import seed_for, topo_order
from .node import Node, _quiet, _restore, evaluate
from .ops import unbroadcast

_ndarray, _asarray, _array, _float64 = np.ndarray, np.asarray, np.array, np.float64

# How a gradient reaches its parent, as ``graph.backward`` sums them: the first one is kept (FIRST), later ones
# added to it (LATER). A leaf with a single gradient gets its own array, since an optimizer may scale it in
# place (LEAF_ONLY): copied only when it may be another node's too (the upstream passed on unchanged, or a
# view of it), which ``graph.backward`` settles by always copying.
FIRST, LATER, LEAF_ONLY = "first", "later", "leaf only"


def _forward_of(node: Node) -> Callable[[], None]:
    """A closure recomputing ``node.value`` as ``node.evaluate`` does (its error wording: see ``Tape.forward``)."""
    f, attrs, parents = node.op.forward, node.attrs, node.parents
    if len(parents) == 2 and not attrs:
        a, b = parents

        def run():
            v = f(a.value, b.value)
            node.value = v if type(v) is _ndarray else _asarray(v, dtype=_float64)
    elif len(parents) == 1 and not attrs:
        (x,) = parents

        def run():
            v = f(x.value)
            node.value = v if type(v) is _ndarray else _asarray(v, dtype=_float64)
    else:
        def run():
            v = f(*[p.value for p in parents], **attrs)
            node.value = v if type(v) is _ndarray else _asarray(v, dtype=_float64)
    return run


def _as_binary(op, i: int, attrs: dict) -> tuple[Callable | None, Callable | None]:
    """Input ``i``'s ``local`` (out, a, b) or ``vjp`` (upstream, out, a, b) from the registry row, called as if
    every op took two inputs (a unary op's b is None) and no attributes: the row's own function where it does."""
    local, vjp = (op.local[i], None) if op.local is not None else (None, op.vjp[i])
    if op.arity == 1 and local is not None:
        return (lambda out, x, _: local(out, x)), None
    if op.arity == 1:
        return None, lambda up, out, x, _: vjp(up, out, x, **attrs)
    if attrs:
        return None, lambda up, out, a, b: vjp(up, out, a, b, **attrs)
    return local, vjp


class _NoInput:
    value = None  # a unary op's second input


def _backward_of(node: Node, how: dict[tuple[Node, int], str]) -> Callable[[], None]:
    """A closure sending ``node.grad`` to each parent that needs a gradient: the gradient ``graph._send``
    computes, delivered as ``how`` says."""
    edges = tuple((*_as_binary(node.op, i, node.attrs), parent, how[node, i])
                  for i, parent in enumerate(node.parents) if parent.requires_grad)
    first, second = (*node.parents, _NoInput)[:2]

    def run():
        up, out, a, b = node.grad, node.value, first.value, second.value
        for local, vjp, parent, delivery in edges:
            if local is not None:
                d = local(out, a, b)
                g = (up if d == 1.0 else up * d) if type(d) is float else up * d  # a constant 1 passes up on
            else:
                g = vjp(up, out, a, b)
            if type(g) is not _ndarray:  # numpy returns scalars for 0-d arithmetic
                g = _asarray(g, dtype=_float64)
            shape = parent.value.shape
            if g.shape != shape:
                g = unbroadcast(g, shape)
            if delivery is FIRST:
                parent.grad = g
            elif delivery is LEAF_ONLY:
                parent.grad = g if g is not up and g.base is None else _array(g)
            else:
                g = parent.grad + g
                parent.grad = g if type(g) is _ndarray else _asarray(g)  # 0-d sums are numpy scalars
    return run


def deliveries(senders: list[Node]) -> dict[tuple[Node, int], str]:
    """How each gradient (sender, input index) reaches its parent, the senders visited in this order."""
    count: dict[Node, int] = {}
    for node in senders:
        for parent in node.parents:
            if parent.requires_grad:
                count[parent] = count.get(parent, 0) + 1
    how, reached = {}, set()
    for node in senders:
        for i, parent in enumerate(node.parents):
            if parent.requires_grad:
                how[node, i] = (LATER if parent in reached else
                                LEAF_ONLY if parent.op is None and count[parent] == 1 else FIRST)
                reached.add(parent)
    return how


class Tape:
    """``forward()`` recomputes every op node from the leaves' current values and returns the root's value;
    ``backward(seed)`` fills in ``grad`` on every node that needs one, exactly as ``engine.backward`` would.
    Unchecked, like ``backward``: ``forward_steps``/``backward_steps`` over ``root`` locate NaN/inf."""

    def __init__(self, root: Node):
        self.root = root
        self.order = topo_order(root)
        self.ops = [node for node in self.order if node.op is not None]
        senders = [node for node in reversed(self.ops) if node.requires_grad]  # ``backward``'s order
        how = deliveries(senders)
        self._forwards = [_forward_of(node) for node in self.ops]
        self._backwards = [_backward_of(node, how) for node in senders]
        self._silent = [node for node in self.order if not node.requires_grad]  # never get a gradient

    def forward(self) -> np.ndarray:
        state = _quiet()  # numpy's warnings off, as ``evaluate`` has them
        try:
            for run in self._forwards:
                run()
        except ValueError:  # a shape numpy refuses: let ``evaluate`` say at which node, in the engine's words
            for node in self.ops:
                evaluate(node)
            raise
        finally:
            _restore(state)
        return self.root.value

    def backward(self, seed=1.0) -> None:
        for node in self._silent:
            node.grad = None
        self.root.grad = seed_for(self.root, seed)
        for run in self._backwards:
            run()
