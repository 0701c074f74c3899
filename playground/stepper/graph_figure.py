"""The Graphviz graph of a walkthrough at one step: left to right, like the course diagrams.

Each node is a box with its op symbol (or variable name), its value once known and its gradient once
known. Edges carry the value flowing forward (blue, "=") and the gradient flowing back (vermillion,
"grad"). The current node is filled yellow and marked "▶ now"; nodes not computed yet are grey and
dashed; in the backward pass, a node waiting for its gradient (an input too) is white with a dashed vermillion
outline and "grad ?"; a node where NaN/inf first appears is marked "⚠" with the reason.

The graph is a ``graphviz.Digraph``: it quotes every attribute. Labels are HTML-like (``<...>``), which
graphviz passes through raw, so every piece of text inside them goes through ``_text`` here: HTML
escaping, and a doubled backslash, since Graphviz reads ``\\N``, ``\\G`` (the node's, the graph's name)
even inside HTML-like labels.
"""

from __future__ import annotations

from html import escape

import graphviz

from engine.formatting import format_shape, readable_array
from playground.common.palette import LIGHT, Palette

MAX_ITEMS = 4  # vector entries shown inside a node before eliding
MAX_NEIGHBOURS = 8  # inputs, and nodes using it, drawn around the current node of a graph too big to draw whole


def _text(text: str) -> str:
    """``text`` drawn literally inside an HTML-like label."""
    return escape(text).replace("\\", "\\\\")


def _num(a) -> str:
    return _text(readable_array(a, digits=4, max_items=MAX_ITEMS))


def _cell(text: str, color: str, size: int, bold: bool = False) -> str:
    return f'<FONT COLOR="{color}" POINT-SIZE="{size}">{f"<B>{text}</B>" if bold else text}</FONT>'


def _node_label(node, view, pal: Palette) -> str:
    """A node's rows, kept few so a graph of 15 nodes and its ledger fit one laptop screen: its title and value on
    one row for an input ("w0 = 2") or a constant ("2"), its symbol and name on one row for an op ("× q₁ · mul")."""
    if node.kind == "const":
        return "<" + _cell(_num(node.value), pal.value, 16, bold=True) + ">"
    if node.id in view.values:
        shown_whole = node.value.ndim == 1 and node.value.size <= MAX_ITEMS  # a short vector shows its size
        shape = "" if node.value.ndim == 0 or shown_whole else f" ({format_shape(node.shape)})"
        value = _cell(f"= {_num(node.value)}{_text(shape)}", pal.value, 15, bold=True)
    else:
        value = _cell("= ?", pal.muted, 15)
    if node.op is None:
        rows = [_cell(_text(node.label), pal.ink, 17, bold=True) + " " + value]
    else:  # its name in the ledger's formulas, and the op's name when the symbol is short
        name = node.label + (f" · {node.op.name}" if node.op.symbol != node.op.name else "")
        rows = [_cell(_text(node.op.symbol), pal.ink, 17, bold=True) + " " + _cell(_text(name), pal.ink, 14), value]
    if node.id in view.grads:
        rows.append(_cell(f"grad {_num(view.grads[node.id])}", pal.gradient, 15, bold=True))
    elif waits_for_gradient(node, view):
        rows.append(_cell("grad ?", pal.gradient, 15, bold=True))
    is_current = view.current is not None and node.id == view.current.id
    if is_current and view.backward is not None and node.op is not None:
        local = ", ".join(_num(x) for x in view.backward.local if x is not None)
        if local:
            rows.append(_cell(f"local {local}", pal.ink, 14))
    if is_current:
        rows.append(_cell("▶ now", pal.ink, 14, bold=True))
    if node.issue and node.id in view.values:
        rows.append(_cell(f"⚠ {_text(node.issue)}", pal.ink, 12))
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
            + "".join(f"<TR><TD>{row}</TD></TR>" for row in rows) + "</TABLE>>")


def waits_for_gradient(node, view) -> bool:
    """In the backward pass, a node (an input too) whose value is known and whose gradient is still to come."""
    return (view.phase in ("backward", "done") and node.requires_grad and node.id in view.values
            and node.id not in view.grads)


def _node_style(node, view, pal: Palette) -> dict[str, str]:
    if view.current is not None and node.id == view.current.id:
        return {"style": "filled,bold", "fillcolor": pal.current, "penwidth": "3", "color": pal.ink}
    if node.issue and node.id in view.values:
        return {"style": "filled", "fillcolor": pal.problem, "penwidth": "2", "color": pal.ink}
    if view.phase in ("backward", "done"):  # done once its gradient is known (or it needs none)
        done = node.id in view.grads or not node.requires_grad
    else:
        done = node.id in view.values
    if done:
        return {"style": "filled", "fillcolor": pal.done_fill, "color": pal.ink}
    if waits_for_gradient(node, view):  # its value is known: white, with a dashed outline in the gradient's colour
        return {"style": "filled,dashed", "fillcolor": pal.done_fill, "color": pal.gradient, "penwidth": "2"}
    return {"style": "filled,dashed", "fillcolor": pal.pending_fill, "color": pal.pending}


def neighbourhood(walkthrough, view) -> tuple[list, int]:
    """For a graph too big to draw whole: the node being explained (the output before the first step) with its
    inputs and the nodes that use it, at most MAX_NEIGHBOURS of each, in the graph's order; and how many nodes
    are left out."""
    centre = view.current or walkthrough.root
    users = [n for n in walkthrough.order if any(p is centre for p in n.parents)][:MAX_NEIGHBOURS]
    inputs = list(dict.fromkeys(centre.parents))[:MAX_NEIGHBOURS]
    ids = {n.id for n in [centre, *users, *inputs]}
    nodes = [n for n in walkthrough.order if n.id in ids]
    return nodes, len(walkthrough.order) - len(nodes)


def graph_dot(walkthrough, view, pal: Palette = LIGHT, nodes=None) -> graphviz.Digraph:
    """The graph of ``walkthrough`` as it stands at ``view``, in the colours of ``pal`` (``.source`` is
    its DOT text; ``st.graphviz_chart`` takes it as it is); with ``nodes``, only those and the edges between them
    (a part of a graph too big to draw whole)."""
    g = graphviz.Digraph(
        "G",
        graph_attr={"rankdir": "LR", "bgcolor": "transparent", "nodesep": "0.1", "ranksep": "0.8"},
        node_attr={"shape": "box", "fontname": "Helvetica", "margin": "0.1,0.02", "width": "1.1",
                   "height": "0.4", "color": pal.ink},
        edge_attr={"fontname": "Helvetica", "fontsize": "15", "color": pal.edge, "arrowsize": "0.7"},
    )
    nodes = walkthrough.order if nodes is None else nodes
    drawn = {n.id for n in nodes}
    for node in nodes:
        attrs = _node_style(node, view, pal)
        if node.kind == "const":
            attrs.update(shape="ellipse", width="0.5", height="0.35", margin="0.04,0.02")
        g.node(f"n{node.id}", _node_label(node, view, pal), **attrs)
    for node in nodes:
        for arg, parent in enumerate(node.parents):
            if parent.id not in drawn:
                continue
            parts = []
            if parent.id in view.values:
                parts.append(f'<FONT COLOR="{pal.edge_value}">= {_num(parent.value)}</FONT>')
            grad = view.edge_grads.get((parent.id, node.id, arg))
            if grad is not None:
                parts.append(f'<FONT COLOR="{pal.edge_gradient}"><B>grad {_num(grad)}</B></FONT>')
            label = f'<{"<BR/>".join(parts)}>' if parts else None
            g.edge(f"n{parent.id}", f"n{node.id}", label, headport="w")
    return g
