"""Drag the start point: every run of the race repeated from a grid of start points over the map, computed once on
the server (labs.surfaces.sweep_starts, one vectorized pass per iteration), sent with the chart as float32 arrays;
a script in the page snaps the dragged start to the nearest grid point and redraws every path from there, with no
server round trip while dragging. The chart's button "Start the race here" sends the drawn start to the server as a
selection of the chart, which the page reads as it reads a click on the map. No Streamlit import.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import zlib
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from engine import EngineError
from engine.formatting import format_number
from labs.optim import OptimizerConfig
from labs.surfaces import StartSweep, elementwise, surface_expression, sweep_starts
from playground.common.chart_script import FIND_CHARTS
from playground.common.palette import LIGHT
from playground.common.plain_figure import PlainFigure

from .figures import (
    COLOUR_BAR_BAND,
    EDGE,
    LAYOUT,
    label_position,
    map_axes,
    map_height,
    mark_minima,
    readable,
    rounded,
    run_color,
    surface_contour,
    to_scale,
)
from .race import SECONDS_PER_NODE_STEP, STEP_OVERHEAD_NODES, graph_size

MAX_POINTS = 60_000  # path points sent (runs × starts × iterations): 480 KB as float32
MAX_ITERATIONS = 150  # drawn per path while dragging
SWEEP_SECONDS = 0.3  # of server CPU for every run's sweep (a vectorized pass over the starts costs ~2 steps)
NICE = (1.0, 2.0, 2.5, 5.0)  # grid spacings, times a power of ten: the snapped start reads (-1.5, 0.5)
START_HERE = "start_here"  # the chart button's name, which the page's script listens for
START_TRACE = "dragged start"


@dataclass(frozen=True)
class Drag:
    """Every draggable run's paths from every grid start; ``runs[r]`` is the race's run ``indices[r]``."""

    xs: np.ndarray  # the grid's x values (ascending); a start is (xs[i], ys[j]), index j * len(xs) + i
    ys: np.ndarray
    iterations: int  # per path
    indices: tuple[int, ...]
    runs: tuple[StartSweep, ...]
    left_out: tuple[str, ...]  # labels of the runs that can't be swept (clipped by the gradient's norm)

    @property
    def starts(self) -> np.ndarray:
        gx, gy = np.meshgrid(self.xs, self.ys)
        return np.column_stack([gx.ravel(), gy.ravel()])


def nice_step(least: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ᵏ at least ``least``."""
    power = 10.0 ** math.floor(math.log10(least))
    return next((n * power for n in NICE if n * power >= least * (1 - 1e-9)), 10 * power)


def axis_points(low: float, high: float, step: float) -> np.ndarray:
    """The multiples of ``step`` strictly inside (low, high)."""
    first, last = math.floor(low / step) + 1, math.ceil(high / step) - 1
    return np.round(np.arange(first, last + 1) * step, 10)


def start_grid(x_range, y_range, most: int, same_step: bool) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` start points at round coordinates over the map (the same spacing on both axes when the
    map is drawn to scale), at least 2 per axis."""
    (x0, x1), (y0, y1) = x_range, y_range
    width, height = x1 - x0, y1 - y0
    most = max(4, most)
    if same_step:
        steps = [math.sqrt(width * height / most)] * 2
    else:
        steps = [width / math.sqrt(most), height / math.sqrt(most)]
    steps = [nice_step(s) for s in steps]
    while True:
        xs, ys = axis_points(x0, x1, steps[0]), axis_points(y0, y1, steps[1])
        if xs.size * ys.size <= most and min(xs.size, ys.size) >= 2:
            return xs, ys
        grow = xs.size * ys.size > most
        for axis, values in enumerate((xs, ys)):
            if grow:
                steps[axis] = nice_step(steps[axis] * 1.01)
            elif values.size < 2:
                steps[axis] = nice_step(steps[axis] / 2.6)


def snap(drag: Drag, point) -> int:
    """The index of the grid start nearest ``point`` (what the page's script does while dragging)."""
    return int(np.argmin(abs(drag.ys - point[1]))) * drag.xs.size + int(np.argmin(abs(drag.xs - point[0])))


def drag_iterations(nodes: int, runs: int, iterations: int) -> int:
    per_iteration = 2 * runs * (nodes + STEP_OVERHEAD_NODES) * SECONDS_PER_NODE_STEP
    return max(1, min(iterations, MAX_ITERATIONS, int(SWEEP_SECONDS / per_iteration)))


def run_drag(race) -> tuple[Drag | None, str | None]:
    """Every run of the race from a grid of starts, or None and why not."""
    key = (race.expression.text, (float(race.xs[0]), float(race.xs[-1])), (float(race.ys[0]), float(race.ys[-1])),
           tuple(r.cfg for r in race.runs), tuple(r.label for r in race.runs), race.frames, race.tolerance)
    try:
        return _drag(*key), None
    except EngineError as e:
        return None, str(e)


@functools.lru_cache(maxsize=8)
def _drag(expr: str, x_range, y_range, cfgs: tuple[OptimizerConfig, ...], labels: tuple[str, ...], frames: int,
          tolerance: float) -> Drag:
    expression = surface_expression(expr)
    if not elementwise(expression):
        raise EngineError("this f mixes points (sum, mean or @), so its runs can't be computed together")
    indices = tuple(i for i, cfg in enumerate(cfgs) if cfg.clip_norm is None)
    if not indices:
        raise EngineError("every run is clipped by its gradient's norm, which mixes runs computed together")
    iterations = drag_iterations(graph_size(expression), len(indices), frames)
    aspect = (y_range[1] - y_range[0]) / (x_range[1] - x_range[0])
    xs, ys = start_grid(x_range, y_range, MAX_POINTS // (len(indices) * (iterations + 1)), 0.2 <= aspect <= 5)
    starts = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])
    runs = tuple(sweep_starts(expression, starts, cfgs[i], iterations, tolerance) for i in indices)
    return Drag(xs, ys, iterations, indices, runs, tuple(labels[i] for i in range(len(cfgs)) if i not in indices))


def _typed(values: np.ndarray, dtype: str) -> dict:
    """An array as plotly.js reads typed arrays (and the page's script decodes them): little-endian base64."""
    with np.errstate(over="ignore"):  # a diverged run's last point may pass float32's range: inf, not drawn
        data = np.ascontiguousarray(values, dtype="<" + dtype)
    return dict(dtype=dtype, bdata=base64.b64encode(data.tobytes()).decode(), shape=list(data.shape))


def shown_iteration(drag: Drag, frame: int) -> int:
    return min(frame, drag.iterations)


def drag_figure(race, drag: Drag, frame: int) -> PlainFigure:
    """The contour map with every draggable run's path from the race's start up to the iteration shown (at most
    ``drag.iterations``), a start marker the page's script lets the learner drag, and in ``layout.meta.drag``
    every path from every grid start, for the script to switch to."""
    k = shown_iteration(drag, frame)
    fig = PlainFigure(surface_contour(race, every=2))
    mark_minima(fig, race)
    traces, runs = [], []
    for r, index in enumerate(drag.indices):
        run = race.runs[index]
        pts = np.array(rounded(run.descent.points[: min(k, run.descent.iterations) + 1], race))
        first = len(fig.data) + len(traces)
        traces += [dict(type="scatter", x=pts[:, 0].tolist(), y=pts[:, 1].tolist(), mode="lines+markers",
                        name=run.label, line=dict(color=run_color(index), width=2.5), marker=dict(size=5),
                        hovertemplate=f"{run.label}<br>step %{{pointNumber}}: (%{{x:.4g}}, %{{y:.4g}})<extra></extra>"),
                   dict(type="scatter", x=pts[-1:, 0].tolist(), y=pts[-1:, 1].tolist(), mode="markers",
                        showlegend=False, hoverinfo="skip", name=f"{run.label} now",
                        marker=dict(size=15, color=run_color(index), line=dict(color="white", width=2)))]
        sweep = drag.runs[r]
        runs.append(dict(path=first, now=first + 1, ends=_typed(np.minimum(sweep.ends, k), "i2"),
                         points=_typed(sweep.points[:, : k + 1], "f4")))
    start = race.runs[0].descent.points[0]
    start_trace = len(fig.data) + len(traces)
    traces.append(dict(type="scatter", x=[float(start[0])], y=[float(start[1])], mode="markers+text",
                       name=START_TRACE, text=[start_label(start)], textposition=label_position(start, race),
                       showlegend=False,
                       hoverinfo="skip", cliponaxis=False,
                       textfont=dict(size=14, color="white", shadow="0 0 3px black"),
                       marker=dict(size=22, color="rgba(255,255,255,0.85)", symbol="circle-x",
                                   line=dict(color=LIGHT.ink, width=2))))
    meta = dict(runs=runs, start=start_trace, xs=drag.xs.tolist(), ys=drag.ys.tolist(), iterations=k, edge=EDGE,
                x_range=[float(race.xs[0]), float(race.xs[-1])], y_range=[float(race.ys[0]), float(race.ys[-1])],
                xlabels=[format_number(v) for v in drag.xs], ylabels=[format_number(v) for v in drag.ys])
    meta["batch"] = format(zlib.crc32(json.dumps([meta, start.tolist()]).encode()), "08x")
    button = dict(type="buttons", direction="right", x=0, xanchor="left", y=0, yanchor="top",
                  pad=dict(t=36 + COLOUR_BAR_BAND),
                  showactive=False, font=dict(size=14),
                  buttons=[dict(label="⤓ Start the race here", method="skip", name=START_HERE, args=[None])])
    height = map_height(race) - 60 if to_scale(race) else map_height(race)
    fig.update_layout(**map_axes(race), height=height + 48 + COLOUR_BAR_BAND, dragmode="pan", clickmode="none",
                      showlegend=True, meta=dict(drag=meta), updatemenus=[button],
                      **(LAYOUT | dict(margin=dict(l=10, r=10, t=60, b=58 + COLOUR_BAR_BAND))))
    return readable(fig).add_plain(traces)


def start_label(point, snapped: bool = False) -> str:
    """What the start marker says (the script writes the snapped one from the grid's labels, the same way)."""
    where = f"({format_number(point[0])}, {format_number(point[1])})"
    return f"snapped start {where}" if snapped else f"race start {where}"


def drag_caption(race, drag: Drag, frame: int) -> str:
    start = race.runs[0].descent.points[0]
    step = [format_number(float(np.diff(a[:2])[0])) for a in (drag.xs, drag.ys)]
    spacing = step[0] if step[0] == step[1] else f"{step[0]} in x and {step[1]} in y"
    caption = (f"Drag the ⊗ start: it snaps to the nearest point of a grid every {spacing} ({drag.xs.size} × "
               f"{drag.ys.size} starts) and every path is redrawn from there, to iteration "
               f"{shown_iteration(drag, frame)}, in your browser. The results table, the inspector and the loss "
               f"chart stay with the race's start {start_label(start).removeprefix('race start ')} until you press "
               "“Start the race here” under this map.")
    if drag.left_out:
        caption += (" Not drawn here (clipped by the gradient's norm, which can't be swept): "
                    + ", ".join(drag.left_out) + ".")
    return caption


# Runs in the page itself (st.html with its JavaScript allowed); everything it reads is the chart's own meta,
# built above, no text from the user. It waits for the chart carrying this batch (React draws it after the script
# runs), then handles a drag that starts on the start marker itself: the pointer events are taken before plotly.js
# sees them (so the map doesn't pan), the pointer is turned into data coordinates by the axes' own p2l, and the
# paths of the nearest grid start are drawn with Plotly.restyle. gd._fullLayout.xaxis._offset and p2l are
# plotly.js internals with no public getter.
_DRAG_IN_BROWSER = """<script>/* start drag %(batch)s */
(function () {%(find)s
  whenDrawn(() => charts(%(key)s).find(g => g.layout && g.layout.meta && g.layout.meta.drag
                                           && g.layout.meta.drag.batch === %(batch)s && g._fullLayout
                                           && g._fullLayout.xaxis), wire);
  function wire(gd) {
    if (gd._startDragOff) gd._startDragOff();  // a chart redrawn in place keeps its element: one set of handlers
    const m = gd.layout.meta.drag;
    const decode = (spec, Type) => new Type(Uint8Array.from(atob(spec.bdata), c => c.charCodeAt(0)).buffer);
    const runs = m.runs.map(r => ({path: r.path, now: r.now, ends: decode(r.ends, Int16Array),
                                   points: decode(r.points, Float32Array)}));
    const rows = m.iterations + 1;
    const nearest = (values, v) => values.reduce(
      (best, u, i) => Math.abs(u - v) < Math.abs(values[best] - v) ? i : best, 0);
    function show(ix, iy) {
      const s = gd.data[m.start];
      if (s.x[0] === m.xs[ix] && s.y[0] === m.ys[iy]) return;
      const index = iy * m.xs.length + ix, xs = [], ys = [], traces = [];
      for (const r of runs) {
        const n = r.ends[index] + 1, at = index * rows * 2, px = [], py = [];
        for (let i = 0; i < n; i++) { px.push(r.points[at + 2 * i]); py.push(r.points[at + 2 * i + 1]); }
        xs.push(px, [px[n - 1]]); ys.push(py, [py[n - 1]]); traces.push(r.path, r.now);
      }
      window.Plotly.restyle(gd, {x: [...xs, [m.xs[ix]]], y: [...ys, [m.ys[iy]]]}, [...traces, m.start]);
      const across = (m.xs[ix] - m.x_range[0]) / (m.x_range[1] - m.x_range[0]);  // as figures.label_position
      const up = (m.ys[iy] - m.y_range[0]) / (m.y_range[1] - m.y_range[0]);
      const side = across < m.edge ? 'right' : across > 1 - m.edge ? 'left' : 'center';
      window.Plotly.restyle(gd, {text: [['snapped start (' + m.xlabels[ix] + ', ' + m.ylabels[iy] + ')']],
                                 textposition: [(up > 0.75 ? 'bottom ' : 'top ') + side]}, [m.start]);
    }
    function place(ev) {
      const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      return [xa.p2l(ev.clientX - box.left - xa._offset), ya.p2l(ev.clientY - box.top - ya._offset)];
    }
    function onStart(ev) {
      const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      const s = gd.data[m.start];
      const dx = ev.clientX - box.left - xa._offset - xa.l2p(s.x[0]);
      const dy = ev.clientY - box.top - ya._offset - ya.l2p(s.y[0]);
      return Math.hypot(dx, dy) <= (ev.pointerType === 'touch' ? 28 : 16);
    }
    let dragging = false, pending = null, frame = 0;
    const down = ev => {
      if (!onStart(ev)) return;
      dragging = true;
      ev.preventDefault(); ev.stopPropagation();
      gd.setPointerCapture(ev.pointerId);
    };
    const move = ev => {
      if (!dragging) return;
      ev.preventDefault(); ev.stopPropagation();
      const [x, y] = place(ev);
      pending = [nearest(m.xs, x), nearest(m.ys, y)];
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; show(...pending); });
    };
    const up = ev => {
      if (!dragging) return;
      dragging = false;
      ev.preventDefault(); ev.stopPropagation();
      const [x, y] = place(ev);
      show(nearest(m.xs, x), nearest(m.ys, y));
    };
    const touch = ev => { if (dragging) { ev.preventDefault(); ev.stopPropagation(); } };
    const commit = e => {
      if (!e || !e.button || e.button.name !== %(button)s) return;
      const s = gd.data[m.start];
      gd.emit('plotly_selected', {points: [{x: s.x[0], y: s.y[0], curveNumber: m.start, pointNumber: 0,
                                            pointIndex: 0}]});
    };
    gd.addEventListener('pointerdown', down, true);
    gd.addEventListener('pointermove', move, true);
    gd.addEventListener('pointerup', up, true);
    gd.addEventListener('touchstart', touch, {capture: true, passive: false});
    gd.addEventListener('touchmove', touch, {capture: true, passive: false});
    gd.on('plotly_buttonclicked', commit);
    gd._startDragOff = () => {
      gd.removeEventListener('pointerdown', down, true);
      gd.removeEventListener('pointermove', move, true);
      gd.removeEventListener('pointerup', up, true);
      gd.removeEventListener('touchstart', touch, true);
      gd.removeEventListener('touchmove', touch, true);
      gd.removeListener('plotly_buttonclicked', commit);
    };
  }
})();
</script>"""


def drag_script(key: str, fig: go.Figure) -> str:
    """The page script that makes the start of chart ``key`` (st.plotly_chart's key) draggable; one per batch
    (a new script is run by the browser, the same one again would not be)."""
    return _DRAG_IN_BROWSER % {"key": json.dumps(key), "batch": json.dumps(fig.layout.meta["drag"]["batch"]),
                               "button": json.dumps(START_HERE), "find": FIND_CHARTS}
