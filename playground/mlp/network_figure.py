"""The Graphviz graph of an MLP: neurons as nodes, weights as edges (colour = sign, width = size).

The graph is a ``graphviz.Digraph``, which quotes every attribute. Labels are plain DOT strings, in
which a backslash starts an escape, ``&...;`` is an HTML entity and ``<...>`` would be read as HTML, so
the text put into them goes through ``_text`` first; ``\\n`` between lines is the one escape meant.
"""

from __future__ import annotations

import graphviz
import numpy as np

from engine.formatting import format_number
from playground.common.palette import LIGHT, Palette

MAX_EDGES = 600  # beyond this only the largest weights are drawn


def _text(*lines: str) -> str:
    """Lines as one literal DOT label: backslashes and ampersands kept as they are, never read as HTML."""
    return graphviz.nohtml("\\n".join(graphviz.escape(line.replace("&", "&amp;")) for line in lines))


def network_dot(trainer, selected: tuple[int, int] | None = None, info: dict | None = None,
                pal: Palette = LIGHT) -> graphviz.Digraph:
    """``selected`` is (layer, neuron) of a hidden neuron to highlight, with ``info`` from
    neuron_gradients shown on it. ``.source`` of the result is its DOT text; ``st.graphviz_chart`` takes
    it as it is."""
    sizes = trainer.cfg.net.sizes
    g = graphviz.Digraph(
        "N",
        graph_attr={"rankdir": "LR", "bgcolor": "transparent", "nodesep": "0.12", "ranksep": "1.1",
                    "splines": "line", "ordering": "out"},
        node_attr={"shape": "circle", "fixedsize": "true", "width": "0.45", "fontname": "Helvetica",
                   "fontsize": "10", "style": "filled", "fillcolor": "white", "color": pal.ink,
                   "fontcolor": pal.ink},
    )
    names = list(trainer.cfg.features)
    for layer, width in enumerate(sizes):
        with g.subgraph(name=f"L{layer}") as column:
            column.attr(rank="same")
            for j in range(width):
                label = names[j] if layer == 0 else ("out" + str(j) if layer == len(sizes) - 1 else f"{layer}.{j + 1}")
                if selected == (layer, j) and info:
                    column.node(f"n{layer}_{j}", _text(label, f"example {info['example'] + 1}",
                                                       f"up {format_number(info['upstream'])}",
                                                       f"× local {format_number(info['local'])}",
                                                       f"= down {format_number(info['downstream'])}"),
                                shape="box", fixedsize="false", fillcolor=pal.current, penwidth="2.5",
                                fontsize="12")
                else:
                    column.node(f"n{layer}_{j}", _text(label))
    edges = []
    for layer, lin in enumerate(trainer.model.layers):
        w = lin.weight.value
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                edges.append((abs(w[i, j]), layer, i, j, w[i, j]))
    if len(edges) > MAX_EDGES:
        edges = sorted(edges, reverse=True)[:MAX_EDGES]
    biggest = max((e[0] for e in edges if np.isfinite(e[0])), default=1.0) or 1.0
    for size, layer, i, j, value in edges:
        color = pal.edge_value if value >= 0 else pal.edge_gradient
        width = 0.3 + 4.0 * (size / biggest if np.isfinite(size) else 1.0)
        style = "solid" if value >= 0 else "dashed"  # sign is not shown by colour alone
        g.edge(f"n{layer}_{i}", f"n{layer + 1}_{j}", color=color, penwidth=f"{width:.2f}", style=style,
               arrowhead="none", tooltip=_text(f"w = {format_number(value)}"))
    return g
