"""Tape: a graph recorded once and replayed, for training at numpy's speed.

Recording walks the graph once (``topo_order``) and writes its forward and backward passes out as
straight-line Python, one short block per op node, calling the op's own registry row: its
``forward``; then, per parent that needs a gradient, ``upstream * local`` or the ``vjp``, summed back to
the parent's shape by ``unbroadcast``. Replaying runs that code: no node is built, no graph
sorted, no loop walked and no per-node list, tuple or dict made, which is where an eager step spends its
time beyond numpy's own. (A tiny just-in-time compiler, in the way ``dataclasses`` writes ``__init__``:
the generated text holds only numbered names and registry keys, never a label or value, and
``Tape.source`` shows it. Python compiles it at about 0.2 ms a node, so a tape pays off on a graph replayed
many times, as training's is.)

The nodes are the graph's own, so after a replay every node holds what an eager ``backward`` over the same
numbers gives it, bit for bit (tests/test_tape.py), and the stepper's ``backward_steps`` over ``root``
shows the same one record per node. Only the graph's structure is fixed at recording (which op, which
parents, who needs a gradient); values and shapes are read at each replay, so new weights, or a new batch
of any size in a constant's ``value``, replay correctly.
"""

from __future__ import annotations

import numpy as np

from .graph import seed_for, topo_order
from .node import Node, _quiet, _restore, evaluate
from .ops import unbroadcast

# One op node's forward: its value from its parents' values, as ``node.evaluate`` computes it.
_FORWARD = """\
    v = f{k}({args})  # {name}
    n{k}.value = v if type(v) is ndarray else asarray(v, dtype=float64)
"""
# The gradient sent to one parent p: as ``graph._send`` computes it (a constant local 1 passes upstream on).
_LOCAL = """\
    d = local{k}_{i}(out, {args})
    g = (up if d == 1.0 else up * d) if type(d) is float else up * d
"""
_VJP = "    g = vjp{k}_{i}(up, out, {args}{attrs})\n"
_TO_SHAPE = """\
    if type(g) is not ndarray:
        g = asarray(g, dtype=float64)
    if g.shape != n{p}.value.shape:
        g = unbroadcast(g, n{p}.value.shape)
"""
# And how it reaches p, as ``graph.backward`` sums it: the first gradient is kept, later ones added to it. A leaf
# with a single gradient gets its own array (an optimizer may scale it in place), copied only when it may be
# another node's too: the upstream passed on unchanged, or a view of it.
_FIRST = "    n{p}.grad = g\n"
_LATER = """\
    g = n{p}.grad + g
    n{p}.grad = g if type(g) is ndarray else asarray(g)  # 0-d sums are numpy scalars
"""
_LEAF_ONLY = "    n{p}.grad = g if g is not up and g.base is None else array(g)\n"


BLOCKS_PER_FUNCTION = 64  # Python compiles one huge function in superlinear time: a long graph gets many


def _functions(kind: str, blocks: list[str]) -> str:
    """``blocks`` as functions ``{kind}_0``, ``{kind}_1``, ..., to be called in that order."""
    chunks = [blocks[i:i + BLOCKS_PER_FUNCTION] for i in range(0, len(blocks), BLOCKS_PER_FUNCTION)]
    return "\n".join(f"def {kind}_{j}():\n" + "".join(chunk) for j, chunk in enumerate(chunks))


def _compile(order: list[Node]) -> tuple[str, dict]:
    """The source of the ``forward_*`` and ``backward_*`` functions for the graph ``order`` (topological), and
    their globals."""
    index = {node: k for k, node in enumerate(order)}
    names = {"ndarray": np.ndarray, "asarray": np.asarray, "float64": np.float64, "array": np.array,
             "unbroadcast": unbroadcast}
    names.update({f"n{k}": node for k, node in enumerate(order)})

    def args(node):
        return ", ".join(f"n{index[p]}.value" for p in node.parents)

    forward = []
    for k, node in enumerate(order):
        if node.op is not None:
            names[f"f{k}"], names[f"attrs{k}"] = node.op.forward, node.attrs
            attrs = f", **attrs{k}" if node.attrs else ""
            forward.append(_FORWARD.format(k=k, args=args(node) + attrs, name=node.op.name))

    senders = [node for node in reversed(order) if node.op is not None and node.requires_grad]
    gradients = {}  # how many gradients each node receives
    for node in senders:
        for parent in node.parents:
            if parent.requires_grad:
                gradients[parent] = gradients.get(parent, 0) + 1
    backward, reached = [], set()
    for node in senders:
        k = index[node]
        block = [f"    up, out = n{k}.grad, n{k}.value  # {node.op.name}\n"]
        for i, parent in enumerate(node.parents):
            if not parent.requires_grad:
                continue
            p = index[parent]
            if node.op.local is not None:
                names[f"local{k}_{i}"] = node.op.local[i]
                block.append(_LOCAL.format(k=k, i=i, args=args(node)))
            else:
                names[f"vjp{k}_{i}"] = node.op.vjp[i]
                block.append(_VJP.format(k=k, i=i, args=args(node), attrs=f", **attrs{k}" if node.attrs else ""))
            block.append(_TO_SHAPE.format(p=p))
            if parent in reached:
                block.append(_LATER.format(p=p))
            elif parent.op is None and gradients[parent] == 1:
                block.append(_LEAF_ONLY.format(p=p))
            else:
                block.append(_FIRST.format(p=p))
            reached.add(parent)
        backward.append("".join(block))
    return _functions("forward", forward) + "\n" + _functions("backward", backward), names


class Tape:
    """``forward()`` recomputes every op node from the leaves' current values and returns the root's value;
    ``backward(seed)`` fills in ``grad`` on every node that needs one, exactly as ``engine.backward`` would.
    Unchecked, like ``backward``: ``forward_steps``/``backward_steps`` over ``root`` locate NaN/inf."""

    def __init__(self, root: Node):
        self.root = root
        self.order = topo_order(root)
        self.ops = [node for node in self.order if node.op is not None]
        self.source, names = _compile(self.order)
        exec(compile(self.source, "<engine.Tape>", "exec"), names)  # our own text, made above from numbered names
        self._forwards, self._backwards = _in_order(names, "forward"), _in_order(names, "backward")
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


def _in_order(names: dict, kind: str) -> list:
    """The functions ``{kind}_0``, ``{kind}_1``, ... that ``_functions`` wrote."""
    return [names[f"{kind}_{j}"] for j in range(sum(name.startswith(f"{kind}_") for name in names))]
