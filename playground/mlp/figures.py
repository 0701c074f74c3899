"""Plotly figures for the MLP lab: decision map with points, loss curves, gradient norms, histograms,
and the loss slice. Pure functions; no Streamlit import."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from engine.formatting import readable as format_readable
from playground.common.palette import LIGHT, Palette
from playground.surfaces.figures import LAYOUT, MAX_LOG_TICKS, readable

from .history import chart_records

CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
                "#999999", "#882255")
CLASS_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon", "pentagon",
                 "triangle-down")
VANISHING, EXPLODING = 1e-5, 1e2  # gradient-norm bands drawn on the norm chart


def boundary_figure(xs, ys, z, train, test, task: str, discrete: bool = False, update: int | None = None,
                    heatmap: bool = False, trapped: bool = False) -> go.Figure:
    """The decision map with the points, and ``update``, the update it shows, in its corner (``trapped``: the
    weights the NaN trap kept, said so); ``discrete`` colours
    only the predicted class (P(class 1) ≥ 0.5 or not), as TensorFlow Playground's "discretize output". A
    regression's map is a contour, or a heatmap when ``heatmap`` (plotly.js blanks a contour trace while it
    animates: plotly.js#4491)."""
    if task == "regression":
        style = dict(x=xs, y=ys, z=z, colorscale="Viridis", colorbar=dict(title="prediction"), hoverinfo="skip")
        fig = go.Figure(go.Heatmap(style, zsmooth="best") if heatmap else go.Contour(style, ncontours=20))
        for data, name, symbol in ((train, "train", "circle"), (test, "test", "square")):
            fig.add_trace(go.Scatter(x=data.x[:, 0], y=data.x[:, 1], mode="markers", name=name,
                                     marker=dict(color=data.y, colorscale="Viridis", symbol=symbol, size=8,
                                                 line=dict(color="white", width=1))))
    else:
        binary = z.max() <= 1.0 and len(set(np.unique(train.y))) <= 2
        if binary and discrete:
            z = discretized(z)
        fig = go.Figure(go.Heatmap(
            x=xs, y=ys, z=z, zmin=0, zmax=1 if binary else None, hoverinfo="skip", opacity=0.75,
            colorscale=[[0, "#9CC9E8"], [0.5, "#FFFFFF"], [1, "#F2B48C"]] if binary else "Viridis",
            colorbar=dict(title="P(class 1)" if binary and not discrete else "class")))
        for data, split_name, outline in ((train, "train", "white"), (test, "test", LIGHT.ink)):
            for c in np.unique(data.y):
                pts = data.x[data.y == c]
                fig.add_trace(go.Scatter(
                    x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"class {c} ({split_name})",
                    marker=dict(color=CLASS_COLORS[c % 10], symbol=CLASS_SYMBOLS[c % 10], size=8,
                                line=dict(color=outline, width=1.5))))
    if update is not None:
        fig.add_trace(update_label(xs, ys, update, trapped))
    fig.update_layout(height=460, xaxis_title="x1", yaxis_title="x2", **LAYOUT)
    return readable(fig)


def discretized(z):
    """P(class 1) as the class it predicts: 1 where it is at least 0.5, else 0 (not finite stays so)."""
    return np.where(np.isnan(z), np.nan, (z >= 0.5).astype(float))


HALO = "0 0 2px white, 0 0 4px white, 0 0 6px white"  # one 3 px glow left the text hard to read over the points


def update_label(xs, ys, update: int, trapped: bool = False) -> dict:
    """The update a map shows, in its top-right corner, as a text trace (an animation frame can change a trace,
    not the layout): dark on a white halo, legible on every colour of the map. ``trapped``: the weights the NaN
    trap kept, whose box says it 'keeps the ones from before update N + 1'."""
    text = f"update {update} <br>kept by the NaN trap " if trapped else f"update {update} "  # two lines: a phone's map
    return dict(type="scatter", mode="text", text=[text], textposition="bottom left",
                hoverinfo="skip", cliponaxis=False, showlegend=False, name="update", x=[float(xs[-1])],
                y=[float(ys[-1])], textfont=dict(size=15, color=LIGHT.ink, shadow=HALO))


def loss_figure(history, pal: Palette = LIGHT, waiting: bool = True) -> go.Figure:
    """Train (and test) loss per update on a log axis; before the first update, ``waiting`` says how to start."""
    if not history and waiting:
        return _waiting(go.Figure(layout=dict(height=300, **LAYOUT)), "Press Play or +10 to start training")
    history = chart_records(history)
    updates = [r.update for r in history]
    fig = go.Figure(go.Scatter(x=updates, y=[r.train_loss for r in history], name="train loss",
                               line=dict(color=pal.edge_value, width=2.5)))
    if history and history[0].test_loss is not None:
        fig.add_trace(go.Scatter(x=updates, y=[r.test_loss for r in history], name="test loss",
                                 line=dict(color=pal.edge_gradient, width=2.5, dash="dash")))
    fig.update_layout(height=300, xaxis_title="update", yaxis_title="loss", yaxis_type="log", **LAYOUT)
    losses = [x for r in history for x in (r.train_loss, r.test_loss) if x is not None]
    return readable(fig).update_yaxes(**log_ticks(losses))


NICE_STEPS = (1, 2, 5)  # tick steps: these times a power of ten
MIN_TICKS, MAX_TICKS = 3, 8


def log_ticks(values) -> dict:
    """Y-axis settings for a log axis over ``values`` that label at least MIN_TICKS readable numbers: whole powers
    of ten when the values span three or more (Plotly's own labels), else 1, 2, 5 × 10ᵏ, else (within less than a
    decade, e.g. a loss that stays near 0.69) evenly spaced plain numbers such as 0.65, 0.7, 0.75."""
    ys = np.asarray([v for v in values if np.isfinite(v) and v > 0], dtype=float)
    if ys.size == 0:
        return {}
    low, high = float(ys.min()), float(ys.max())
    if high < low * 1.3:  # (nearly) flat: widen so that the line sits inside a few labelled values
        middle = (low * high) ** 0.5
        low, high = middle / 1.15, middle * 1.15
    powers = range(int(np.floor(np.log10(low))) - 1, int(np.ceil(np.log10(high))) + 1)
    if sum(low <= 10.0 ** k <= high for k in powers) >= MIN_TICKS:
        return {}
    ticks = [m * 10.0 ** k for k in powers for m in NICE_STEPS if low <= m * 10.0 ** k <= high]
    if not MIN_TICKS <= len(ticks) <= MAX_TICKS:
        ticks = even_ticks(low, high)
    pad = 0.05 * (np.log10(high) - np.log10(low))
    return dict(tickmode="array", tickvals=ticks, ticktext=[format_readable(t, 3) for t in ticks],
                range=[np.log10(low) - pad, np.log10(high) + pad])


def log_range(values) -> dict:
    """log_ticks, with the range always set: an animated chart keeps the axes it starts with, so they must already
    span every value its frames will draw."""
    ys = [v for v in values if np.isfinite(v) and v > 0]
    if not ys:
        return {}
    low, high = np.log10(min(ys)), np.log10(max(ys))
    pad = 0.05 * (high - low) if high > low else 0.1
    axis = dict(range=[low - pad, high + pad]) | log_ticks(ys)
    if "tickvals" not in axis:  # Plotly's powers of ten, spaced for this range as readable() spaces them for the data
        # a figure starts with: Play's loss curve starts with less than its frames draw, and labelled every one of
        # the exploding lesson's 24 decades, one on another
        axis["dtick"] = max(1, int(np.ceil((high - low + 1) / MAX_LOG_TICKS)))
    return axis


def even_ticks(low: float, high: float) -> list[float]:
    """The multiples between ``low`` and ``high`` of the largest 1, 2, 5 × 10ᵏ step that gives four to MAX_TICKS of
    them (the line is then read to a finer step), or failing that at least MIN_TICKS."""
    exponent = int(np.floor(np.log10(high - low)))
    steps = sorted((m * 10.0 ** k for k in range(exponent - 2, exponent + 1) for m in NICE_STEPS), reverse=True)
    found = []
    for step in steps:
        ticks = [float(f"{t:.12g}") for t in np.arange(np.ceil(low / step), np.floor(high / step) + 1) * step]
        if MIN_TICKS + 1 <= len(ticks) <= MAX_TICKS:
            return ticks
        found += [ticks] if len(ticks) >= MIN_TICKS else []
    return found[0] if found else [low, (low * high) ** 0.5, high]


def layer_colors(layers: int) -> list[str]:
    """One colour per layer in depth order, input side dark purple to output side green (Viridis without its
    pale yellow end, which is unreadable on white): up to 9 layers, every one distinct."""
    return sample_colorscale("Viridis", [0.82 * i / max(layers - 1, 1) for i in range(layers)])


def _waiting(fig: go.Figure, text: str = "Train to see gradients: press +1 or Play") -> go.Figure:
    """Before the first update there is nothing to draw: say so instead of drawing empty axes."""
    fig.add_annotation(text=text, x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font=dict(size=16))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return readable(fig)


def _band(fig: go.Figure, low: float, high: float, color: str, opacity: float, text: str) -> None:
    """A shaded band from ``low`` to ``high`` on the log y axis, labelled in its middle. Plotly places
    annotations on a log axis at log10 of the value (a raw value is read as an exponent), hence the log."""
    fig.add_hrect(y0=low, y1=high, fillcolor=color, opacity=opacity, line_width=0, layer="below")
    fig.add_annotation(text=text, x=0.01, xref="paper", xanchor="left", y=float(np.log10(np.sqrt(low * high))),
                       yref="y", showarrow=False, font=dict(size=13))


def grad_norm_figure(history) -> go.Figure:
    """‖∂L/∂z‖, the gradient backprop delivers to each layer, on a log axis, with the vanishing and exploding
    bands marked and labelled inside them."""
    fig = go.Figure()
    fig.update_layout(height=300, xaxis_title="update", yaxis_title="‖∂L/∂z‖ reaching each layer", **LAYOUT)
    if not history:
        return _waiting(fig)
    history = chart_records(history)
    updates = [r.update for r in history]
    layers = len(history[0].signal_norms)
    for i, color in enumerate(layer_colors(layers)):
        fig.add_trace(go.Scatter(x=updates, y=[max(r.signal_norms[i], 1e-30) for r in history],
                                 name=f"layer {i + 1}" + (" (output)" if i == layers - 1 else ""),
                                 line=dict(color=color, width=2)))
    norms = [n for r in history for n in r.signal_norms if np.isfinite(n) and n > 0]
    low, high = min(norms + [1e-3]) / 10, max(norms + [10.0]) * 10
    if low < VANISHING:  # bands span only the visible axis, so their labels sit where they are drawn
        _band(fig, low, VANISHING, "#56B4E9", 0.15, "vanishing")
    if high > EXPLODING:
        _band(fig, EXPLODING, high, "#D55E00", 0.12, "exploding")
    fig.update_layout(yaxis=dict(type="log", range=[np.log10(low), np.log10(high)]))
    return readable(fig)


def gradient_histogram_figure(trainer) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(height=300, barmode="overlay", xaxis_title="∂L/∂w (latest update)", yaxis_title="count",
                      **LAYOUT)
    if not trainer.history:
        return _waiting(fig)
    for i, (w, color) in enumerate(zip(trainer.weights, layer_colors(len(trainer.weights)), strict=True)):
        if w.grad is not None:
            values = w.grad.ravel()
            fig.add_trace(go.Histogram(x=values[np.isfinite(values)], name=f"layer {i + 1}", opacity=0.6,
                                       marker_color=color, nbinsx=40))
    return readable(fig)


def loss_slice_figure(land) -> go.Figure:
    with np.errstate(all="ignore"):
        z = np.log10(land.loss - np.nanmin(land.loss) + 1e-6)
    fig = go.Figure(go.Contour(x=land.alphas, y=land.betas, z=z, colorscale="Viridis", ncontours=25,
                               colorbar=dict(title="log₁₀(L − min L)"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=land.path[:, 0], y=land.path[:, 1], mode="lines+markers", name="training path",
                             line=dict(color="white", width=2), marker=dict(size=4, color="white")))
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="now", marker=dict(size=14, symbol="star",
                                                                                  color=LIGHT.current)))
    fig.update_layout(height=420, xaxis_title="α (direction 1)", yaxis_title="β (direction 2)", **LAYOUT)
    return readable(fig)
