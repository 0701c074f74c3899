"""Neuron heatmaps, as in TensorFlow Playground: what each hidden neuron computes over the input plane (x1, x2),
from one batched forward pass of the network over a coarse grid. Each layer becomes one picture, its neurons as
tiles left to right, wrapping after a row of them; a chosen neuron is drawn large, with its incoming weights."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine.formatting import readable
from labs.mlp.datasets import featurize
from playground.surfaces.figures import LAYOUT
from playground.surfaces.figures import readable as readable_figure

from .lab import plot_range

RESOLUTION = 25  # grid points per axis: 625 points through the network, one batch
TILE_PIXELS = 3  # each grid point is drawn as a 3 × 3 block: a tile is 75 px, crisp at any zoom
TILES_PER_ROW = 8
WIDE = 16  # tiles a row, 2 × 2 pixels a grid point, for a layer wider than TILES_PER_ROW: a 32-neuron layer in 2 rows
GAP = 4  # pixels between tiles
NEGATIVE, ZERO, POSITIVE = np.array([213, 94, 0]), np.array([255, 255, 255]), np.array([0, 114, 178])  # as the edges


def neuron_activations(trainer, data, resolution: int = RESOLUTION):
    """xs, ys and, per hidden layer, the activations on the grid, shaped (resolution, resolution, width): row i is
    ys[i], column j is xs[j], as the decision map."""
    (x0, x1), (y0, y1) = plot_range(data)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        _, hidden = trainer.model(featurize(np.stack([gx.ravel(), gy.ravel()], axis=1), trainer.cfg.features))
    return xs, ys, [h.value.reshape(resolution, resolution, -1) for h in hidden]


def scale_of(a: np.ndarray) -> float:
    """The colour scale's end: the layer's largest finite |activation| (1 when there is none)."""
    finite = np.abs(a[np.isfinite(a)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def colours(a: np.ndarray, scale: float) -> np.ndarray:
    """Activations as RGB: orange for negative, white for 0, blue for positive, full at ±scale; NaN grey."""
    t = np.clip(np.nan_to_num(a / scale, nan=0.0), -1.0, 1.0)[..., None]
    rgb = np.where(t >= 0, ZERO + t * (POSITIVE - ZERO), ZERO - t * (NEGATIVE - ZERO))
    rgb[~np.isfinite(a)] = 128
    return rgb.astype(np.uint8)


def layer_picture(a: np.ndarray) -> np.ndarray:
    """One layer's neurons as tiles on a white picture (RGB, uint8), y up as on the plot: first neuron top left."""
    res, _, width = a.shape
    pixels, cols = (2, min(width, WIDE)) if width > TILES_PER_ROW else (TILE_PIXELS, width)
    tile = res * pixels
    rows = -(-width // cols)
    picture = np.full((rows * (tile + GAP) - GAP, cols * (tile + GAP) - GAP, 3), 255, np.uint8)
    rgb = colours(a, scale_of(a))[::-1]  # row 0 of the grid is the lowest y: the picture's bottom
    for k in range(width):
        r, c = divmod(k, cols)
        block = np.repeat(np.repeat(rgb[:, :, k], pixels, axis=0), pixels, axis=1)
        picture[r * (tile + GAP): r * (tile + GAP) + tile, c * (tile + GAP): c * (tile + GAP) + tile] = block
    return picture


def layer_caption(layer: int, activation: str, a: np.ndarray) -> str:
    """Under a layer's picture, and its text alternative: which neuron is where and what the colours mean."""
    width = a.shape[2]
    finite = a[np.isfinite(a)]
    spread = f"from {readable(float(finite.min()), 2)} to {readable(float(finite.max()), 2)}" if finite.size else "NaN"
    order = (f"neurons {layer}.1 to {layer}.{width}, left to right" if width > 1 else f"neuron {layer}.1") + (
        f", {WIDE} a row" if width > WIDE else "")
    return (f"Layer {layer} ({activation}): {order}. Activations over the plane {spread}; blue positive, orange "
            f"negative, white 0, full colour at ±{readable(scale_of(a), 2)}.")


def incoming(trainer, layer: int, neuron: int) -> list[tuple[str, float]]:
    """(from, weight) into hidden neuron ``neuron`` (0-based) of ``layer`` (1-based), and its bias if it has one."""
    lin = trainer.model.layers[layer - 1]
    names = list(trainer.cfg.features) if layer == 1 else [f"{layer - 1}.{i + 1}" for i in range(lin.weight.shape[0])]
    out = [(name, float(w)) for name, w in zip(names, lin.weight.value[:, neuron], strict=True)]
    return out + ([("bias", float(lin.bias.value[neuron]))] if lin.bias is not None else [])


def colour_range(a: np.ndarray) -> dict:
    """The large heatmap's colour bar over the activations' own range: white at 0, blue positive, orange negative,
    and only the side that occurs (a ReLU is never negative: 0 … max, white to blue)."""
    scale, finite = scale_of(a), a[np.isfinite(a)]
    orange, blue = "rgb(213,94,0)", "rgb(0,114,178)"
    if finite.size and finite.min() >= 0:
        return dict(zmin=0.0, zmax=scale, colorscale=[[0, "white"], [1, blue]])
    if finite.size and finite.max() <= 0:
        return dict(zmin=-scale, zmax=0.0, colorscale=[[0, orange], [1, "white"]])
    return dict(zmin=-scale, zmax=scale, colorscale=[[0, orange], [0.5, "white"], [1, blue]])


def neuron_figure(xs, ys, a: np.ndarray, layer: int, neuron: int, train) -> go.Figure:
    """Hidden neuron ``neuron`` (0-based) of ``layer`` over the plane, large, with the training points."""
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=a, **colour_range(a), colorbar=dict(title="activation"),
                               hovertemplate="x1 %{x:.2f}, x2 %{y:.2f}: %{z:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=train.x[:, 0], y=train.x[:, 1], mode="markers", name="training points",
                             marker=dict(size=5, color="rgba(0,0,0,0.35)"), hoverinfo="skip"))
    fig.update_layout(height=360, xaxis_title="x1", yaxis_title="x2", showlegend=False,
                      title=dict(text=f"Neuron {layer}.{neuron + 1}"), **LAYOUT)
    return readable_figure(fig)


def neuron_words(layer: int, neuron: int, a: np.ndarray, weights: list[tuple[str, float]]) -> str:
    """The chosen neuron in words: its range over the plane and its incoming weights."""
    finite = a[np.isfinite(a)]
    spread = (f"from {readable(float(finite.min()), 2)} to {readable(float(finite.max()), 2)}, positive on "
              f"{100 * float(np.mean(finite > 0)):.0f}% of the plane") if finite.size else "not finite"
    into = ", ".join(f"{name} {readable(w, 3)}" for name, w in weights)
    return f"Neuron {layer}.{neuron + 1}'s activation over the plane: {spread}. Incoming weights: {into}."


def input_features(trainer, xs, ys) -> np.ndarray:
    """The network's input features on the grid, shaped (len(ys), len(xs), features), each divided by its largest
    |value| so that each is drawn at its own scale (x1² reaches 36 where sin x1 stays within ±1)."""
    gx, gy = np.meshgrid(xs, ys)
    features = featurize(np.stack([gx.ravel(), gy.ravel()], axis=1), trainer.cfg.features)
    features = features / np.maximum(np.abs(features).max(axis=0), 1e-12)
    return features.reshape(len(ys), len(xs), -1)


def pictures(trainer, xs, ys, acts: list[np.ndarray]) -> list[tuple[np.ndarray, str]]:
    """The input features' picture, then each hidden layer's, with their captions. The pictures are padded with
    white to one width, so that drawn at the column's width every layer's tiles are scaled alike (a narrow layer
    is not stretched)."""
    inputs = (f"Inputs: {', '.join(trainer.cfg.features)}, left to right, each at its own scale (blue positive, "
              "orange negative, white 0).")
    drawn = [(layer_picture(input_features(trainer, xs, ys)), inputs)] + [
        (layer_picture(a), layer_caption(i, act, a))
        for i, (a, act) in enumerate(zip(acts, trainer.cfg.net.activations, strict=True), start=1)]
    width = max(p.shape[1] for p, _ in drawn)
    return [(np.pad(p, ((0, 0), (0, width - p.shape[1]), (0, 0)), constant_values=255), text) for p, text in drawn]


def chosen(trainer, xs, ys, acts: list[np.ndarray], layer: int, neuron: int) -> tuple[go.Figure, str]:
    """The chosen neuron (``neuron`` 0-based, ``layer`` 1-based) large, and in words with its incoming weights."""
    a = acts[layer - 1][:, :, neuron]
    return (neuron_figure(xs, ys, a, layer, neuron, trainer.train_set),
            neuron_words(layer, neuron, a, incoming(trainer, layer, neuron)))
