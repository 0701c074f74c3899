"""Plotly figures for the surface lab: contour or 3-D surface with paths, a 1-D curve, loss curves.

Pure functions of a race and the frame to show; no Streamlit import.
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from playground.common.palette import LIGHT, Palette
from playground.common.plain_figure import PlainFigure
from playground.common.png import png

# Okabe-Ito, in an order where neighbours stay distinguishable: one colour per optimizer run.
RUN_COLORS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
CLICK_GRID = 41  # invisible points per axis that make "click to set the start" possible
LAYOUT = dict(margin=dict(l=10, r=10, t=60, b=10), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
              font=dict(size=14), uirevision="keep")


MAX_LOG_TICKS = 8
# A map's colour scale lies under it, on its right (beside it, it took a sixth of a phone's width, and the ravine's
# map came out about 235 × 120 px), its title on the x axis title's row, right of it; the rows under a map (Play /
# Pause, "Start the race here") go down by COLOUR_BAR_BAND. Pixel offsets from the plot's bottom edge, so they hold at
# any height the page fits the map to.
COLOUR_BAR_PAD = 40  # px from the map's bottom edge to the bar's title: under the x axis's numbers
COLOUR_BAR_BAND = 62  # px the bar and its numbers add under the x axis
UNDER_MAP = dict(orientation="h", thickness=10, len=0.45, lenmode="fraction", x=1, xanchor="right", y=0,
                 yanchor="top", ypad=COLOUR_BAR_PAD)


def readable(fig: go.Figure) -> go.Figure:
    """Axis numbers as people read them: powers of ten (10⁻⁵), never SI prefixes (1µ, 100f, 10T); a log axis
    is labelled at whole powers of ten only (no bare "5, 2" minor labels that read as 5 and 2), every one or
    every few, so that at most about MAX_LOG_TICKS labels show."""
    fig.update_xaxes(exponentformat="power")
    fig.update_yaxes(exponentformat="power")
    fig.update_scenes(xaxis_exponentformat="power", yaxis_exponentformat="power", zaxis_exponentformat="power")
    fig.update_traces(colorbar_exponentformat="power", selector=lambda t: "colorbar" in t)
    if fig.layout.yaxis.type == "log":
        ys = np.concatenate([np.asarray(trace.y, dtype=float).ravel() for trace in fig.data if trace.y is not None]
                            or [np.ones(1)])
        ys = ys[np.isfinite(ys) & (ys > 0)]
        decades = np.ptp(np.log10(ys)) + 1 if ys.size else 1
        fig.update_yaxes(dtick=max(1, int(np.ceil(decades / MAX_LOG_TICKS))))
    return fig


def run_color(i: int) -> str:
    return RUN_COLORS[i % len(RUN_COLORS)]


def shown_z(z: np.ndarray) -> tuple[np.ndarray, str]:
    """Heights to colour by: log-scaled when the range spans many orders of magnitude."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return z, "f"
    low, high = float(finite.min()), float(finite.max())
    if high - low > 1e3 * max(1.0, abs(np.median(finite) - low)):
        with np.errstate(all="ignore"):
            return np.log10(z - low + 1e-3), "log₁₀(f − min f)"
    return z, "f"


def _frame_index(run, frame: int) -> int:
    return min(frame, run.descent.iterations)


def surface_contour(race, every: int = 1) -> go.Contour:
    """The surface's contours, from every ``every``-th grid point (a second map needs fewer)."""
    z, z_title = shown_z(race.z)
    # float32: half the bytes sent (Plotly sends arrays as binary), and still more digits than a contour can show
    return go.Contour(x=race.xs[::every], y=race.ys[::every], z=z[::every, ::every].astype(np.float32),
                      colorscale="Viridis", ncontours=BANDS, hoverinfo="skip",
                      colorbar=UNDER_MAP | dict(title=dict(text=z_title, side="top")), name="surface")


def on_map(race, points) -> np.ndarray:
    """For each of ``points`` (one per row), whether it lies within the map's plotted ranges (NaN: off it)."""
    points = np.asarray(points)[:, : race.dims]
    ranges = [(race.xs[0], race.xs[-1])] + ([(race.ys[0], race.ys[-1])] if race.dims == 2 else [])
    with np.errstate(invalid="ignore"):
        return np.all([(points[:, a] >= low) & (points[:, a] <= high) for a, (low, high) in enumerate(ranges)], axis=0)


def map_axes(race) -> dict:
    """The contour map's axes: the plotted ranges, to scale when that isn't a sliver."""
    # no grid: the map's colours are its background, and a grid drawn over the bands (while Play runs, when only
    # the picture under the contours is left) read as contour lines
    yaxis = dict(range=[float(race.ys[0]), float(race.ys[-1])], title="y", showgrid=False)
    if to_scale(race):  # one unit is as long on both axes, so a gradient step is drawn perpendicular to its contour
        yaxis.update(scaleanchor="x", scaleratio=1, constrain="domain", constraintoward="top")
    return dict(xaxis=dict(range=[float(race.xs[0]), float(race.xs[-1])], title=dict(text="x", standoff=4),
                           constrain="domain", showgrid=False), yaxis=yaxis)


# --- Play, in the browser: the server sends every frame once, as Plotly animation frames, and the browser plays
# them (no server round trip per frame). Each frame holds the paths up to its iteration, so the frames cost
# O(frames × iterations): at most MAX_FRAMES of them, the whole race playing in about PLAY_SECONDS. ---
MAX_FRAMES = 50
PLAY_SECONDS = 6.0
PLAY_ID, PAUSE_ID = "play", "pause"


def animation_frames(race, most: int = MAX_FRAMES) -> list[int]:
    """The iterations that get an animation frame: all of them, or every k-th (and the last)."""
    every = max(1, int(np.ceil(race.frames / most)))
    return sorted({*range(0, race.frames + 1, every), race.frames})


def iteration_label(race, k: int, top: float, on_map: bool = True) -> dict:
    """The iteration the chart shows while it plays, as a text trace in its top-right corner, at height ``top``
    (frames can change traces without a redraw, not the layout): white on a map, ink on a plain chart."""
    font = dict(color="white", shadow="0 0 3px black") if on_map else dict(color=LIGHT.ink)
    return dict(type="scatter", mode="text", text=[f"iteration {k} "], textposition="bottom left", hoverinfo="skip",
                cliponaxis=False, textfont=dict(size=15, **font), showlegend=False, name="iteration",
                x=[float(race.xs[-1])], y=[top])


def map_iteration_label(k: int) -> dict:
    """The iteration the map shows while it plays, on the Play / Pause row just after the buttons (a layout
    annotation, which the frames change: the map redraws each frame). Inside the map's top-right corner it hid the
    corner, and on a phone it ran into the colour bar's title; at the row's right end it ran into Pause."""
    return dict(text=f"iteration {k}", xref="paper", x=0, xanchor="left", xshift=PLAY_BUTTONS_WIDTH, yref="paper",
                y=0, yanchor="middle", yshift=-PLAY_ROW_SHIFT, showarrow=False, font=dict(size=15), name="iteration")


PLAY_ROW_SHIFT = 54 + COLOUR_BAR_BAND  # px from a map's bottom edge to the middle of its Play / Pause row (pad 36
# + half a button, under the colour bar)
PLAY_BUTTONS_WIDTH = 160  # px: ▶ Play and ❚❚ Pause at font size 14 take 150


def animated(fig: PlainFigure, frames: list[tuple[int, list[dict]]], animated_traces: list[int],
             redraw: bool = False, layout=None, below: int = 0) -> go.Figure:
    """``fig`` with the animation frames (iteration, trace dicts for ``animated_traces``) and Play / Pause buttons
    under the chart, as plain dicts (Plotly's validating classes cost ~1 ms per trace per frame). ``redraw``: a 3-D
    scene can't change its traces without one. ``layout(k)``: what a frame changes in the layout (with redraw).
    ``below``: px more between the chart and the buttons (a map's colour bar)."""
    duration = int(np.clip(1000 * PLAY_SECONDS / max(1, len(frames)), 40, 300))
    play = dict(label="▶ Play", method="animate", name=PLAY_ID,
                args=[None, dict(frame=dict(duration=duration, redraw=redraw), transition=dict(duration=0),
                                 fromcurrent=True, mode="immediate")])
    pause = dict(label="❚❚ Pause", method="animate", name=PAUSE_ID,
                 args=[[None], dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0),
                                    mode="immediate")])
    fig.update_layout(updatemenus=[dict(type="buttons", direction="right", x=0, xanchor="left", y=0, yanchor="top",
                                        pad=dict(t=36 + below), showactive=False, buttons=[play, pause],
                                        font=dict(size=14))])
    fig.update_layout(margin=dict(b=fig.layout.margin.b + 48 + below), height=fig.layout.height + 48 + below)
    return fig.add_plain(frames=[dict(name=str(k), data=data, traces=animated_traces) | ({"layout": layout(k)}
                                                                                         if layout else {})
                                 for k, data in frames])


def to_screen(values, span: float) -> list:
    """Values to a ten-thousandth of ``span`` (what a screen can show), as a list: a far smaller page than full
    float64 digits, or than float32 arrays in plain dicts (which JSON writes as 0.30000001192092896)."""
    span = span if np.isfinite(span) and span > 0 else 1.0
    with np.errstate(all="ignore"):
        return np.round(np.asarray(values, dtype=float), max(0, 4 - int(np.floor(np.log10(span))))).tolist()


def rounded(values: np.ndarray, race) -> list:
    """Coordinates in the plane to a ten-thousandth of the plotted span."""
    spans = [race.xs[-1] - race.xs[0]] + ([race.ys[-1] - race.ys[0]] if race.ys is not None else [])
    return to_screen(values, float(min(spans)))


def _path_traces(race, k: int) -> list[dict]:
    """Each run's path up to iteration ``k`` and its current point, as the map's animated traces."""
    out = []
    for run in race.runs:
        pts = rounded(run.descent.points[: _frame_index(run, k) + 1], race)
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out += [dict(type="scatter", x=xs, y=ys), dict(type="scatter", x=xs[-1:], y=ys[-1:])]
    return out


def surface_image(race) -> dict:
    """The contour map's colour bands as a picture under it (a layout image, which no animation touches): while
    Play runs, plotly.js removes a contour trace from the chart until the last frame (plotly.js#4491, still so
    with a redraw per frame), and the paths grew on white."""
    z, _ = shown_z(race.z)
    finite = np.isfinite(z)
    low, high = (float(z[finite].min()), float(z[finite].max())) if finite.any() else (0.0, 1.0)
    with np.errstate(all="ignore"):
        scaled = np.nan_to_num((z - low) / ((high - low) or 1.0), posinf=1.0, neginf=0.0)
    bands = np.clip((scaled * BANDS).astype(int), 0, BANDS - 1)
    colours = np.array([[int(v) for v in c[4:-1].split(",")] + [255] for c in
                        sample_colorscale("Viridis", list((np.arange(BANDS) + 0.5) / BANDS))], dtype=np.uint8)
    pixels = colours[bands]
    pixels[~finite] = 0  # transparent where f can't be computed
    picture = png(np.ascontiguousarray(pixels[::-1]))  # row 0 of a picture is its top: the largest y
    x0, x1, y0, y1 = float(race.xs[0]), float(race.xs[-1]), float(race.ys[0]), float(race.ys[-1])
    return dict(source="data:image/png;base64," + base64.b64encode(picture).decode(), xref="x", yref="y",
                x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch", layer="below")


BANDS = 30  # the contour trace's ncontours, and the bands of its picture


def contour_figure(race, frame: int) -> go.Figure:
    fig = PlainFigure(surface_contour(race))
    fig.add_layout_image(surface_image(race))
    gx, gy = np.meshgrid(np.linspace(race.xs[0], race.xs[-1], CLICK_GRID),
                         np.linspace(race.ys[0], race.ys[-1], CLICK_GRID))
    fig.add_trace(go.Scatter(x=gx.ravel(), y=gy.ravel(), mode="markers", marker=dict(size=12, opacity=0),
                             hovertemplate="click to start here: (%{x:.2f}, %{y:.2f})<extra></extra>",
                             showlegend=False, name="click grid"))
    for i, run in enumerate(race.runs):
        k = _frame_index(run, frame)
        pts = run.descent.points[: k + 1]
        fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], mode="lines+markers", name=run.label,
                                 line=dict(color=run_color(i), width=2.5), marker=dict(size=5),
                                 hovertemplate=f"{run.label}<br>step %{{pointNumber}}: (%{{x:.4g}}, %{{y:.4g}})"
                                               "<extra></extra>"))
        fig.add_trace(go.Scatter(x=pts[-1:, 0], y=pts[-1:, 1], mode="markers", showlegend=False,
                                 marker=dict(size=15, color=run_color(i), symbol="circle",
                                             line=dict(color="white", width=2)), hoverinfo="skip"))
    first = len(fig.data) - 2 * len(race.runs)
    mark_start_and_minima(fig, race)
    fig.update_layout(**map_axes(race), height=map_height(race), clickmode="event+select", dragmode="pan",
                      annotations=[map_iteration_label(frame)], **LAYOUT)
    frames = [(k, _path_traces(race, k)) for k in animation_frames(race)]
    # redraw: with redraw off, plotly.js blanks a contour trace when an animation starts (plotly.js#4491,
    # plotly.py#2151): Play left the paths on white. A full redraw per frame keeps the map (and its label).
    return animated(readable(fig), frames, list(range(first, first + 2 * len(race.runs))), redraw=True,
                    layout=lambda k: {"annotations": [map_iteration_label(k)]}, below=COLOUR_BAR_BAND)


MAX_ASPECT = 5.0  # beyond this a map to scale is a sliver: its axes are then stretched, and the caption says so


def aspect(race) -> float:
    """Height over width of the plotted ranges, in data units."""
    return float(race.ys[-1] - race.ys[0]) / float(race.xs[-1] - race.xs[0])


def to_scale(race) -> bool:
    return 1 / MAX_ASPECT <= aspect(race) <= MAX_ASPECT


def map_height(race) -> int:
    """Pixels for the contour map: about as tall as a to-scale map is on a wide screen (a wide ravine needs less
    than a square Himmelblau), plus room for the legend and axes."""
    return int(np.clip(600 * aspect(race), 260, 560)) + 170 if to_scale(race) else 560


EDGE = 1 / 3  # a start label in the map's left or right third of the width runs away from that edge


def label_position(point, race) -> str:
    """Where a start marker's label goes: above it (below it in the map's top quarter), running away from the
    nearer side edge, so that it is never cut off at the map's edge ("race st…" at x = -3.5 of -4 … 4)."""
    across = (float(point[0]) - float(race.xs[0])) / float(race.xs[-1] - race.xs[0])
    up = (float(point[1]) - float(race.ys[0])) / float(race.ys[-1] - race.ys[0])
    side = "right" if across < EDGE else "left" if across > 1 - EDGE else "center"
    return ("bottom " if up > 0.75 else "top ") + side


def mark_start_and_minima(fig, race) -> None:
    start = race.runs[0].descent.points[0] if race.runs else None
    if start is not None:
        fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers+text", text=["start"],
                                 textposition=label_position(start, race),
                                 textfont=dict(color="white", shadow="0 0 3px black"),  # on any band of the map
                                 showlegend=False, hoverinfo="skip",
                                 marker=dict(size=14, color="white", symbol="x",
                                             line=dict(color=LIGHT.ink, width=2))))
    mark_minima(fig, race)


def mark_minima(fig, race) -> None:
    if race.minima:
        mins = np.array(race.minima)
        fig.add_trace(go.Scatter(x=mins[:, 0], y=mins[:, 1], mode="markers", name="global minimum",
                                 marker=dict(size=14, color="white", symbol="star",
                                             line=dict(color=LIGHT.ink, width=1.5)), hoverinfo="skip"))


def surface3d_figure(race, frame: int) -> go.Figure:
    z, z_title = shown_z(race.z)
    logged = z_title != "f"
    fig = PlainFigure(go.Surface(x=race.xs, y=race.ys, z=z.astype(np.float32), colorscale="Viridis", opacity=0.85,
                               colorbar=dict(title=z_title), showscale=True, hoverinfo="skip"))
    low = float(np.nanmin(race.z[np.isfinite(race.z)])) if np.isfinite(race.z).any() else 0.0

    def height(f):
        with np.errstate(all="ignore"):
            return np.log10(f - low + 1e-3) if logged else f

    finite = z[np.isfinite(z)]
    lift = 0.01 * float(np.ptp(finite)) if finite.size else 0.0  # just above the surface, so it doesn't hide them
    def drawn(path, iterates, upto: int, compact: bool = False) -> dict:  # the path through iterate ``upto``
        rows = iterates[upto] + 1
        sizes = np.zeros(rows, dtype=int)
        sizes[iterates[: upto + 1]] = 4  # a dot at each iterate; the samples between them only shape the line
        x, y, h = path[:rows, 0], path[:rows, 1], height(path[:rows, 2]) + lift
        if compact:  # a frame: to what the screen shows
            x, y, h, sizes = rounded(x, race), rounded(y, race), to_screen(h, 100 * lift), sizes.tolist()
        return dict(type="scatter3d", x=x, y=y, z=h, marker=dict(size=sizes))

    first, lighter = len(fig.data), []
    for i, run in enumerate(race.runs):
        k = _frame_index(run, frame)
        path, iterates = path_on_surface(race, run.descent.points[: k + 1])
        trace = drawn(path, iterates, k)
        trace["marker"].update(color=run_color(i), line=dict(width=0))
        fig.add_trace(go.Scatter3d(trace, mode="lines+markers", name=run.label, hoverinfo="skip",
                                   line=dict(color=run_color(i), width=6)))
        lighter.append(path_on_surface(race, run.descent.points, FRAME_PATH_SAMPLES))
    fig.update_layout(height=600, scene=dict(xaxis_title="x", yaxis_title="y", zaxis_title=z_title),
                      **LAYOUT)
    frames = [(k, [drawn(*light, _frame_index(run, k), compact=True) for run, light in
                   zip(race.runs, lighter, strict=True)]) for k in animation_frames(race, MAX_FRAMES_3D)]
    return animated(readable(fig), frames, list(range(first, first + len(race.runs))), redraw=True)


MAX_FRAMES_3D = 15  # a 3-D frame redraws the scene, and each holds every path sampled along the surface
FRAME_PATH_SAMPLES = 300


MAX_PATH_SAMPLES = 3000  # points per drawn 3-D path, whatever the number of iterations


def path_on_surface(race, points: np.ndarray, samples: int = MAX_PATH_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """(x, y, f(x, y)) along each straight step between iterates, sampled, so that a 3-D path follows the surface
    instead of cutting through it as a chord; and which rows are the iterates themselves."""
    per_step = int(np.clip(samples // max(1, len(points) - 1), 2, 12))
    t = np.linspace(0.0, 1.0, per_step, endpoint=False)
    starts, ends = points[:-1, :2], points[1:, :2]
    xy = (starts[:, None, :] + t[None, :, None] * (ends - starts)[:, None, :]).reshape(-1, 2)
    xy = np.vstack([xy, points[-1:, :2]])
    with np.errstate(all="ignore"):
        root, _ = race.expression.build({v: xy[:, "xy".index(v)] for v in race.expression.variables})
    z = np.broadcast_to(np.asarray(root.value, dtype=float), (len(xy),))
    return np.column_stack([xy, z]), np.arange(0, len(xy), per_step)


def curve_figure(race, frame: int, pal: Palette = LIGHT) -> go.Figure:
    """A 1-D surface: f(x) with each run's iterates on it, joined in order (zig-zags show)."""
    fig = PlainFigure(go.Scatter(x=race.xs, y=race.z, mode="lines", name="f(x)",
                               line=dict(color=pal.edge, width=2)))
    finite = race.z[np.isfinite(race.z)]
    f_span = float(np.ptp(finite)) if finite.size else 1.0

    def drawn(run, k: int, compact: bool = False) -> dict:
        k = _frame_index(run, k)
        x, f = run.descent.points[: k + 1, 0], run.descent.losses[: k + 1]
        return dict(type="scatter", x=rounded(x, race) if compact else x, y=to_screen(f, f_span) if compact else f)

    for i, run in enumerate(race.runs):
        fig.add_trace(go.Scatter(drawn(run, frame), mode="lines+markers", name=run.label,
                                 line=dict(color=run_color(i), width=2, dash="dot"), marker=dict(size=9),
                                 hovertemplate="step %{pointNumber}: x = %{x:.4g}, f = %{y:.4g}<extra></extra>"))
    top = float(np.nanmax(np.where(np.isfinite(race.z), race.z, np.nan)))
    fig.add_trace(iteration_label(race, frame, top, on_map=False))
    fig.update_layout(height=480, xaxis_title="x", yaxis_title="f(x)", **LAYOUT)
    frames = [(k, [*(drawn(run, k, compact=True) for run in race.runs),
                   iteration_label(race, k, top, on_map=False)]) for k in animation_frames(race)]
    return animated(readable(fig), frames, list(range(1, len(race.runs) + 2)))


def loss_figure(race, frame: int) -> go.Figure:
    fig = go.Figure()
    all_positive = True
    for i, run in enumerate(race.runs):
        losses = run.descent.losses
        all_positive &= bool(np.all(losses[np.isfinite(losses)] > 0))
        fig.add_trace(go.Scatter(y=losses, mode="lines", name=run.label, line=dict(color=run_color(i), width=2)))
    fig.add_vline(x=frame, line=dict(color=LIGHT.pending, dash="dash"))
    fig.update_layout(height=340, xaxis_title="iteration", yaxis_title="loss",
                      yaxis_type="log" if all_positive else "linear", **LAYOUT)
    return readable(fig)
