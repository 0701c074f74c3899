"""Graphviz DOT of an MLP: neurons as nodes, weights as edges (colour = sign, width = size)."""

from __future__ import annotations

import numpy as np

from engine.formatting import format_number
from playground.common.palette import LIGHT, Palette

MAX_EDGES = 600  # beyond this only the largest weights are drawn


def network_dot(trainer, selected: tuple[int, int] | None = None, info: dict | None = None,
                pal: Palette = LIGHT) -> str:
    """``selected`` is (layer, neuron) of a hidden neuron to highlight, with ``info`` from
    neuron_gradients shown on it."""
    sizes = trainer.cfg.net.sizes
    lines = ["digraph N {",
             '  rankdir=LR; bgcolor="transparent"; nodesep=0.12; ranksep=1.1; splines=line; ordering=out;',
             '  node [shape=circle, fixedsize=true, width=0.45, fontname="Helvetica", fontsize=10, '
             f'style=filled, fillcolor="white", color="{pal.ink}", fontcolor="{pal.ink}"];']
    names = list(trainer.cfg.features)
    for layer, width in enumerate(sizes):
        lines.append(f"  subgraph L{layer} {{ rank=same;")
        for j in range(width):
            label = names[j] if layer == 0 else ("out" + str(j) if layer == len(sizes) - 1 else f"{layer}.{j + 1}")
            attrs = f'label="{label}"'
            if selected == (layer, j) and info:
                attrs = (f'label="{label}\\nup {format_number(info["upstream"], 3)}\\nlocal '
                         f'{format_number(info["local"], 3)}\\ndown {format_number(info["downstream"], 3)}", '
                         f'shape=box, fixedsize=false, fillcolor="{pal.current}", penwidth=2.5, fontsize=12')
            lines.append(f"    n{layer}_{j} [{attrs}];")
        lines.append("  }")
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
        lines.append(f'  n{layer}_{i} -> n{layer + 1}_{j} [color="{color}", penwidth={width:.2f}, '
                     f'style={style}, arrowhead=none, tooltip="w = {format_number(value)}"];')
    lines.append("}")
    return "\n".join(lines)
