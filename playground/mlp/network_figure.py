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

FULL_DRAWING = 150  # weights: above this, each neuron shows only its STRONGEST_INCOMING largest |w|
STRONGEST_INCOMING = 2
# Inches, which the browser draws at 96 px: the diagram's column on a 1366-px screen is about 700 px wide, and the
# columns (layers) come closer together, down to MIN_RANKSEP, until the diagram fits it (8 hidden layers do: they
# were cut off at the column's edge). Text keeps its size: a narrower screen scrolls the diagram sideways.
FIT_WIDTH, MIN_RANKSEP, MAX_RANKSEP, PHONE_WIDTH = 7.0, 0.25, 1.1, 3.7


def layout(sizes: tuple[int, ...]) -> tuple[float, float, float]:
    """The neurons' width, the gap between two layers' columns, and the diagram's width (inches, about)."""
    node = 0.38 if max(sizes) > 10 else 0.45  # wide layers: smaller circles, so a 16-neuron column fits a screen
    gap = min(MAX_RANKSEP, max(MIN_RANKSEP, (FIT_WIDTH - len(sizes) * node) / max(len(sizes) - 1, 1)))
    return node, gap, len(sizes) * node + (len(sizes) - 1) * gap


def _text(*lines: str) -> str:
    """Lines as one literal DOT label: backslashes and ampersands kept as they are, never read as HTML."""
    return graphviz.nohtml("\\n".join(graphviz.escape(line.replace("&", "&amp;")) for line in lines))


def shown_edges(trainer) -> tuple[list[tuple[float, int, int, int, float]], int]:
    """The weights drawn as (|w|, layer, i, j, w), and how many weights there are. A big net shows, for each
    neuron, only its STRONGEST_INCOMING largest incoming weights: every neuron stays connected, the drawing
    stays readable (a 6×16 net has 1,344 weights)."""
    edges, total = [], 0
    for layer, lin in enumerate(trainer.model.layers):
        w = lin.weight.value
        total += w.size
        for j in range(w.shape[1]):
            incoming = [(abs(w[i, j]), layer, i, j, w[i, j]) for i in range(w.shape[0])]
            edges.append(incoming)
    if total <= FULL_DRAWING:
        return [e for incoming in edges for e in incoming], total
    strongest = [sorted(incoming, key=lambda e: -e[0] if np.isfinite(e[0]) else -np.inf)[:STRONGEST_INCOMING]
                 for incoming in edges]
    return [e for incoming in strongest for e in incoming], total


def edges_caption(trainer) -> str:
    drawn, total = shown_edges(trainer)
    text = "Edges: solid blue = positive weight, dashed orange = negative; thicker = larger |w|."
    if len(drawn) < total:
        text += (f" Only each neuron's {STRONGEST_INCOMING} largest incoming weights are drawn ({len(drawn):,} "
                 f"of {total:,}), so the picture stays readable.")
    if layout(trainer.cfg.net.sizes)[2] > PHONE_WIDTH:
        text += " On a narrow screen, swipe the diagram sideways to see the outputs."
    return text


def network_dot(trainer, selected: tuple[int, int] | None = None, info: dict | None = None,
                pal: Palette = LIGHT) -> graphviz.Digraph:
    """``selected`` is (layer, neuron) of a hidden neuron to highlight (its gradients are in the caption beside
    the drawing: written on the node they sat under the edges). ``.source`` of the result is its DOT text;
    ``st.graphviz_chart`` takes it as it is."""
    sizes = trainer.cfg.net.sizes
    node, gap, _ = layout(sizes)
    small = max(sizes) > 10
    g = graphviz.Digraph(
        "N",
        graph_attr={"rankdir": "LR", "bgcolor": "transparent", "nodesep": "0.08" if small else "0.12",
                    "ranksep": f"{gap:.2f}", "splines": "line", "outputorder": "edgesfirst"},  # edges under nodes
        node_attr={"shape": "circle", "fixedsize": "true", "width": f"{node}",
                   "fontname": "Helvetica", "fontsize": "9" if small else "10", "style": "filled",
                   "fillcolor": "white", "color": pal.ink, "fontcolor": pal.ink},
    )
    names = list(trainer.cfg.features)
    for layer, width in enumerate(sizes):
        with g.subgraph(name=f"L{layer}") as column:
            column.attr(rank="same")
            for j in range(width):
                label = names[j] if layer == 0 else (f"out{j + 1}" if layer == len(sizes) - 1 else f"{layer}.{j + 1}")
                if selected == (layer, j) and info:
                    column.node(f"n{layer}_{j}", _text(label), fillcolor=pal.current, penwidth="3",
                                tooltip=_text(f"up {format_number(info['upstream'])} × local "
                                              f"{format_number(info['local'])} = down "
                                              f"{format_number(info['downstream'])}"))
                else:
                    column.node(f"n{layer}_{j}", _text(label))
            for j in range(width - 1):  # an invisible chain keeps the neurons in order, top to bottom
                column.edge(f"n{layer}_{j}", f"n{layer}_{j + 1}", style="invis")
    for layer in range(len(sizes) - 1):  # and heavy invisible rungs line every column up at the top
        for j in range(min(sizes[layer], sizes[layer + 1])):
            g.edge(f"n{layer}_{j}", f"n{layer + 1}_{j}", style="invis", weight="100")
    edges, _ = shown_edges(trainer)
    biggest = max((e[0] for e in edges if np.isfinite(e[0])), default=1.0) or 1.0
    for size, layer, i, j, value in edges:
        color = pal.edge_value if value >= 0 else pal.edge_gradient
        width = 0.3 + 4.0 * (size / biggest if np.isfinite(size) else 1.0)
        style = "solid" if value >= 0 else "dashed"  # sign is not shown by colour alone
        g.edge(f"n{layer}_{i}", f"n{layer + 1}_{j}", color=color, penwidth=f"{width:.2f}", style=style,
               arrowhead="none", tooltip=_text(f"w = {format_number(value)}"))
    return g
