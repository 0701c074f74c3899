"""Live η and μ sliders, Distill-style: one run of the race repeated over a grid of learning rates (and momenta),
computed once on the server, drawn in one Plotly figure whose own sliders switch between the paths in the browser
(no server round trip while dragging). At the iteration shown, arrows draw the step the gradient alone asks for,
−η∇f, and for momentum methods the step the velocity takes, −ηv.

How two sliders pick one path without any script of ours: every (η, μ) path is a trace; the η slider sets which
traces are *visible* (those of its η), the μ slider sets which are *opaque* (those of its μ); a path shows when
both agree. No Streamlit import.
"""

from __future__ import annotations

import functools
import textwrap

import numpy as np
import plotly.graph_objects as go

from engine import EngineError
from engine.formatting import format_number
from labs.optim import OptimizerConfig
from labs.surfaces import Sweep, elementwise, surface_expression, sweep
from playground.common.palette import LIGHT
from playground.common.plain_figure import PlainFigure

from .figures import (
    COLOUR_BAR_BAND,
    COLOUR_BAR_PAD,
    LAYOUT,
    map_axes,
    map_height,
    mark_start_and_minima,
    on_map,
    readable,
    rounded,
    run_color,
    surface_contour,
    to_screen,
)
from .numbers import readable as number
from .numbers import readable_point
from .race import SECONDS_PER_NODE_STEP, STEP_OVERHEAD_NODES, graph_size

LR_FACTORS = 2.0 ** (np.arange(-6, 5) / 2)  # η × 1/8 … × 4, in steps of √2 (× 1 is the table's own η)
MOMENTA = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
MOMENTUM_METHODS = ("momentum", "nesterov")
MAX_ITERATIONS = 150  # drawn per path: every (η, μ) path is sent to the browser, so their length is kept short
SWEEP_SECONDS = 0.15  # of server CPU for the whole grid (one vectorized pass per iteration; a pass costs ~2 steps)
GRADIENT_COLOR, VELOCITY_COLOR = "#FFFFFF", "#FF4F9A"
GRADIENT_ON_CURVE = "#333333"  # on the 1-D curve's white background
ARROW_WIDTH = 3
SLIDER_HEIGHT = 85  # px


def grid(cfg: OptimizerConfig) -> tuple[np.ndarray, np.ndarray]:
    """The η values (around the run's own) and μ values (only the run's own unless it uses momentum)."""
    lrs = np.unique(np.append([float(f"{v:.2g}") for v in cfg.lr * LR_FACTORS], cfg.lr))  # labels read 0.14
    momenta = np.unique(np.append(MOMENTA, cfg.momentum)) if cfg.name in MOMENTUM_METHODS else np.array([cfg.momentum])
    return lrs, momenta


def explorer_iterations(nodes: int, iterations: int) -> int:
    per_iteration = 2 * (nodes + STEP_OVERHEAD_NODES) * SECONDS_PER_NODE_STEP
    return max(1, min(iterations, MAX_ITERATIONS, int(SWEEP_SECONDS / per_iteration)))


def run_sweep(race, run) -> tuple[Sweep | None, str | None]:
    """The run repeated over its (η, μ) grid, or None and why not."""
    start = tuple(float(v) for v in run.descent.points[0])
    try:
        return _sweep(race.expression.text, start, run.cfg, race.frames, race.tolerance), None
    except EngineError as e:
        return None, str(e)


@functools.lru_cache(maxsize=16)
def _sweep(expr: str, start: tuple, cfg: OptimizerConfig, iterations: int, tolerance: float) -> Sweep:
    expression = surface_expression(expr)
    if not elementwise(expression):
        raise EngineError("this f mixes points (sum, mean or @), so its runs can't be computed together")
    lrs, momenta = grid(cfg)
    return sweep(expression, start, cfg, lrs, momenta, explorer_iterations(graph_size(expression), iterations),
                 tolerance)


def _arrow(tail, step, color: str, label: str, name: str, where: str) -> dict:
    """An arrow from ``tail`` along ``step``, its label at the head (a plain trace dict: hundreds of these are
    built per page, and Plotly's validating classes took 0.15 s for them)."""
    head = tail + step
    still = not np.any(step)  # no step: no arrowhead pointing anywhere, no label
    return dict(type="scatter", x=[float(tail[0]), float(head[0])], y=[float(tail[1]), float(head[1])], name=name,
                mode="lines+markers+text", text=["", "" if still else label], textposition=where, showlegend=False,
                textfont=dict(color=color, size=15, shadow="none" if color == GRADIENT_ON_CURVE else "0 0 3px black"),
                hoverinfo="skip", line=dict(color=color, width=ARROW_WIDTH),
                marker=dict(symbol="arrow", size=[0, 0 if still else 14], angleref="previous", color=color))


def sweep_note(race, found: Sweep, i: int, j: int, frame: int) -> str | None:
    """What the (η, μ) at index ``[i, j]`` does when its path shoots off: it diverges (f not a number, or above
    where it started), or leaves the map; and where the point and its arrows are at the iteration shown, when
    that is off the map. None for a run that stays on the map without blowing up."""
    end = int(found.ends[i, j])
    shown = min(frame, end)
    losses, points = found.losses[i, j, : end + 1], found.points[i, j, : end + 1, : race.dims]
    inside = on_map(race, points)
    off = int(np.argmin(inside)) if not inside.all() else None
    name = f"η = {format_number(found.lrs[i])}" + (f", μ = {format_number(found.momenta[j])}"
                                                    if found.momenta.size > 1 else "")
    if not (np.isfinite(losses[-1]) and np.all(np.isfinite(points[-1]))):
        lines = [f"{name} diverges: f is {number(losses[-1])} at iteration {end}."]
    elif off is None:
        return None
    elif losses[-1] > losses[0]:
        lines = [f"{name} diverges: f grows from {number(losses[0])} to {number(losses[-1])} by iteration {end}."]
    elif losses[-1] < losses[0]:
        lines = [f"{name} runs off: f falls to {number(losses[-1])} by iteration {end}."]
    else:  # back where it started: a cycle through points off the map (|x| from 10 with η = 31: 10 ↔ -21)
        lines = [f"{name} goes off the map and back: f is {number(losses[-1])} at iteration {end}, as at the start."]
    if off is not None:
        lines.append(f"It leaves the map at iteration {off}.")
        if not inside[shown]:
            at = f"At iteration {shown}" + (" (where the run stops)" if shown < frame else "")
            lines.append(f"{at}, the point and its arrows are at {readable_point(points[shown])}, off the map."
                         if np.all(np.isfinite(points[shown])) else f"{at}, the point is not a number: not drawn.")
    return " ".join(lines)


NOTE_CHARACTERS = 44  # per line: on a phone the note has about 330 px
NOTE_LINE = 17  # px


def note_lines(note: str) -> list[str]:
    return textwrap.wrap(note, NOTE_CHARACTERS)  # numbers hold together: their spaces are non-breaking


def explorer_figure(race, index: int, found: Sweep, frame: int) -> go.Figure:
    """The contour map with run ``index``'s path for every (η, μ) of ``found`` up to iteration ``frame``, one shown
    at a time by two sliders that start at the table's η and μ; arrows at the iteration shown."""
    run = race.runs[index]
    cfg, color = run.cfg, run_color(index)
    flat = race.dims == 1  # a curve f(x): a path is (x, f(x)), and a step runs along x
    finite = race.z[np.isfinite(race.z)]
    f_span = float(np.ptp(finite)) if finite.size else 1.0
    if flat:
        fig = PlainFigure(go.Scatter(x=race.xs, y=race.z, mode="lines", name="f(x)", hoverinfo="skip",
                                     line=dict(color=LIGHT.edge, width=2)))
    else:
        fig = PlainFigure(surface_contour(race, every=2))
        mark_start_and_minima(fig, race)
    fixed = len(fig.data)
    own_i, own_j = int(np.argmin(abs(found.lrs - cfg.lr))), int(np.argmin(abs(found.momenta - cfg.momentum)))

    def in_plane(points, losses) -> np.ndarray:
        if flat:
            return np.column_stack([rounded(points[:, 0], race), to_screen(losses, f_span)])
        return np.array(rounded(points, race))

    def step(vector) -> np.ndarray:  # a step of the point, drawn in the chart's plane
        return np.array(rounded(np.append(vector, 0.0)[:2], race))

    traces, which, notes = [], [], 0  # which: (η index, μ index) of every trace after the fixed ones
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    note_height = high + 0.05 * f_span if flat else float(race.ys[-1])  # the plot's top edge
    for (i, j), end in np.ndenumerate(found.ends):
        k, lr = int(min(frame, end)), found.lrs[i]
        pts = in_plane(found.points[i, j, : k + 1], found.losses[i, j, : k + 1])
        here = np.append(found.points[i, j, k], found.losses[i, j, k])[:2]
        path = [dict(type="scatter", x=pts[:, 0].tolist(), y=pts[:, 1].tolist(), mode="lines+markers",
                     name=f"path η={format_number(lr)}, μ={format_number(found.momenta[j])}",
                     line=dict(color=color, width=2.5, dash="dot" if flat else "solid"), showlegend=False,
                     marker=dict(size=7 if flat else 5),
                     hovertemplate="step %{pointNumber}: (%{x:.4g}, %{y:.4g})<extra></extra>"),
                _arrow(here, step(-lr * found.grads[i, j, k]), GRADIENT_ON_CURVE if flat else GRADIENT_COLOR,
                       "−η∇f", "gradient arrow", "bottom left")]
        if found.velocities is not None and k < min(end, found.steps.shape[2]):
            path.append(_arrow(here, step(-lr * found.velocities[i, j, k]), VELOCITY_COLOR, "−ηv", "velocity arrow",
                               "top right"))
        note = note_lines(sweep_note(race, found, i, j, frame) or "")
        if note:  # above the map, where the path shot off from
            path.append(dict(type="scatter", x=[float(race.xs[0])], y=[note_height], mode="text",
                             text=["<br>".join(note)], textposition="top right", cliponaxis=False,
                             showlegend=False, hoverinfo="skip", name="note", textfont=dict(size=13)))
            notes = max(notes, len(note))
        for trace in path:
            trace.update(visible=i == own_i, opacity=float(j == own_j))
        traces += path
        which += [(i, j)] * len(path)

    def shown(i: int | None = None, j: int | None = None) -> dict:
        if i is not None:
            return {"visible": [True] * fixed + [a == i for a, _ in which]}
        return {"opacity": [1] * fixed + [float(b == j) for _, b in which]}

    sliders = [_slider("η = ", [format_number(v) for v in found.lrs], own_i, [shown(i=i) for i in
                                                                               range(len(found.lrs))],
                       int(len(found.momenta) > 1))]  # η on top
    if len(found.momenta) > 1:
        sliders.append(_slider("μ = ", [format_number(v) for v in found.momenta], own_j,
                               [shown(j=j) for j in range(len(found.momenta))], 0))
    note = NOTE_LINE * notes + 8 * bool(notes)
    for slider in sliders:  # above the note
        slider["pad"]["b"] += note
    extra = SLIDER_HEIGHT * len(sliders) + note  # the sliders sit above the map, which a phone draws short
    if flat:
        axes = dict(xaxis=dict(range=[float(race.xs[0]), float(race.xs[-1])], title="x"),
                    yaxis=dict(range=[low - 0.05 * f_span, high + 0.05 * f_span], title="f(x)"))
    else:
        axes = map_axes(race)
    below = 0 if flat else 10 + COLOUR_BAR_PAD + COLOUR_BAR_BAND - 36  # the colour bar under the x axis
    fig.update_layout(**axes, height=(420 if flat else map_height(race) - 60) + extra + below, sliders=sliders,
                      dragmode="pan", showlegend=False,
                      **(LAYOUT | dict(margin=dict(l=10, r=10, t=20 + extra, b=10 + below))))
    return readable(fig).add_plain(traces)


def _slider(prefix: str, labels: list[str], active: int, changes: list[dict], row: int) -> dict:
    """A slider above the map (row 0 the lowest), whose steps restyle the traces."""
    return dict(active=active, currentvalue=dict(prefix=prefix, font=dict(size=16)), len=1.0, x=0, y=1,
                yanchor="bottom", pad=dict(b=10 + SLIDER_HEIGHT * row, t=0), font=dict(size=11),
                name=prefix.strip(" ="), steps=[dict(method="restyle", label=label, args=[change])
                                                for label, change in zip(labels, changes, strict=True)])
