"""The surface lab's model: a race of optimizers on one surface, and the table of how each ended."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from engine import EngineError
from engine.formatting import format_number
from engine.graph import topo_order
from labs.optim import OptimizerConfig
from labs.surfaces import (
    BOUND,
    SURFACES,
    Descent,
    Expression,
    cycle_points,
    descend,
    dims_of,
    evaluate_grid,
    surface_expression,
)

from .numbers import readable, readable_point
from .runs import NAMES
from .state import SurfaceState

GRID_RESOLUTION = 100  # per axis: the browser traces 30 contours through it (at 160, 2.5 × the points, slower)


@dataclass
class Run:
    label: str
    cfg: OptimizerConfig
    descent: Descent


@dataclass
class Race:
    expression: Expression
    dims: int
    xs: np.ndarray
    ys: np.ndarray | None
    z: np.ndarray
    runs: list[Run]
    min_value: float | None
    minima: tuple
    tolerance: float = 1e-6
    notice: str | None = None  # why the race runs fewer iterations than asked (the work budget)

    @property
    def frames(self) -> int:
        return max(r.descent.iterations for r in self.runs)


def run_label(cfg: OptimizerConfig) -> str:
    extras = []
    if cfg.name in ("momentum", "nesterov"):  # always: μ shapes the path as much as η does
        extras.append(f"μ={format_number(cfg.momentum)}")
    if cfg.weight_decay:
        extras.append(f"λ={format_number(cfg.weight_decay)}")
    if cfg.clip_norm or cfg.clip_value:
        extras.append("clipped")
    if cfg.schedule != "constant":
        extras.append(cfg.schedule)
    return f"{NAMES[cfg.name]} (η={format_number(cfg.lr)}{''.join(', ' + e for e in extras)})"


# --- the work budget: one page open or click may cost about WORK_SECONDS of server CPU for the race ---
# Measured on the 2-core development machine: one iteration of one run costs about 5.5 µs per node of f's graph,
# plus about 12 nodes' worth for the optimizer step; a grid point costs about 1/1000 of that per node (vectorized).
SECONDS_PER_NODE_STEP = 5.5e-6
STEP_OVERHEAD_NODES = 12
WORK_SECONDS = 0.8  # the costliest link allowed measured 1.8–2.0 s at 1.5, against the hostile-link suite's 2 s
WORK_BUDGET = int(WORK_SECONDS / SECONDS_PER_NODE_STEP)  # node-steps


def graph_size(expression: Expression) -> int:
    """Nodes in f's graph: the cost of one forward and backward pass, in node-steps."""
    root, _ = expression.build({v: 0.5 for v in expression.variables})
    return len(topo_order(root))


def planned_iterations(nodes: int, runs: int, iterations: int, grid_points: int) -> int:
    """The most iterations (up to ``iterations``) that ``runs`` runs on a graph of ``nodes`` nodes can take
    within the work budget, after the grid's share."""
    grid_cost = grid_points * nodes // 1000
    per_iteration = max(1, runs) * (nodes + STEP_OVERHEAD_NODES)
    return max(1, min(iterations, (WORK_BUDGET - grid_cost) // per_iteration))


def run_race(state: SurfaceState) -> Race:
    """Grid and every optimizer's path, within the work budget. Raises EngineError for a bad surface or start
    point. Cached on what the race depends on (not the iteration shown or the view): a Contour ↔ 3-D toggle,
    a Step, or a second student opening the same link costs nothing. Treat the result as read-only."""
    return _race(replace(state, frame=0, view="contour"))


def race_or_trouble(state: SurfaceState, trouble: str | None) -> tuple[Race | None, str | None, str | None]:
    """The race, or why there is none, and for a typed f that can't be read the text with a caret under the
    column (for a code block: the learner's text is never read as Markdown, as the stepper shows it)."""
    if trouble is not None:
        return None, trouble, None
    try:
        return run_race(state), None, None
    except EngineError as e:
        return None, f"Can't draw this surface: {getattr(e, 'message', e)}", getattr(e, "format", lambda: None)()


@functools.lru_cache(maxsize=16)
def _race(state: SurfaceState) -> Race:
    expression = surface_expression(state.expr)
    dims = dims_of(expression)
    start = state.start[:dims]
    (x0, x1), (y0, y1) = state.x_range, state.y_range
    if not x0 <= start[0] <= x1 or (dims == 2 and not y0 <= start[1] <= y1):
        raise EngineError(f"the start point {readable_point(start)} is outside the "
                          f"plotted range; move it inside x ∈ [{readable(x0)}, {readable(x1)}]"
                          + (f", y ∈ [{readable(y0)}, {readable(y1)}]" if dims == 2 else ""))
    preset = SURFACES.get(state.surface)
    min_value = preset.min_value if preset and preset.expr == state.expr else None
    xs, ys, z = _grid(state.expr, state.x_range, state.y_range if dims == 2 else None)
    nodes = graph_size(expression)
    iterations = planned_iterations(nodes, len(state.runs), state.iterations, z.size)
    notice = None
    if iterations < state.iterations:
        wanted = len(state.runs) * state.iterations * (nodes + STEP_OVERHEAD_NODES) * SECONDS_PER_NODE_STEP
        notice = (f"All {state.iterations:,} iterations of {len(state.runs)} runs on this f ({nodes} operations) "
                  f"would take about {wanted:.1f} s of server time, more than the {WORK_SECONDS:g} s one page may "
                  f"use: the race runs the first {iterations:,} iterations. Fewer runs, fewer iterations or a "
                  "shorter f let it run further.")
    area = (state.x_range, state.y_range)[:dims]
    finite = z[np.isfinite(z)]
    floor = float(finite.min()) if finite.size else None
    runs = [Run(run_label(cfg), cfg, descend(expression, start, cfg, iterations, state.tolerance, min_value,
                                             area=area, floor=floor)) for cfg in state.runs]
    minima = preset.minima if preset and preset.expr == state.expr else ()
    return Race(expression, dims, xs, ys, z, runs, min_value, minima, state.tolerance, notice)


@functools.lru_cache(maxsize=16)
def _grid(expr: str, x_range: tuple, y_range: tuple | None) -> tuple:
    """The surface on the plotting grid, cached apart from the runs (new rows, the same surface: no new grid)."""
    xs, ys, z = evaluate_grid(surface_expression(expr), x_range, y_range, GRID_RESOLUTION)
    for array in (xs, ys, z):
        if array is not None:
            array.flags.writeable = False  # shared by every race on this surface
    return xs, ys, z


def status_text(d: Descent, min_value: float | None = None, tolerance: float = 1e-6) -> str:
    """How a run ended, in words that agree with the table's numbers: a run whose gradient vanished above a
    known minimum is stuck (Rastrigin's local minima), not converged."""
    if d.status == "converged":
        gap = float(d.losses[-1]) - min_value if min_value is not None else 0.0
        if gap > tolerance:
            return f"stuck at step {d.stopped_at}: ‖∇f‖ ≈ 0 but f − min f = {readable(gap)}"
        return f"converged at step {d.stopped_at}"
    if d.status == "diverged" and d.stopped_at == 0 and not np.isfinite(d.losses[0]):
        return "f is not defined at the start: nothing ran (pick a start inside f's domain)"
    loss, gradient = float(d.losses[-1]), readable(float(np.linalg.norm(d.grads[-1])), 3)
    if d.status == "diverged":  # a blow-up: NaN/inf, or far out with f above where it started (steps overshoot)
        if np.isfinite(loss) and loss > d.losses[0]:
            return f"diverged at step {d.stopped_at}: f grew to {readable(loss)}, the steps overshoot (η too large)"
        return f"diverged at step {d.stopped_at}" + ("" if np.isfinite(loss) else f": f = {readable(loss)}")
    if d.status == "running off":  # downhill with no end in sight: the same words whether it left the bound or not
        if d.floor is not None:
            return (f"running off downhill: after {d.iterations} steps f = {readable(loss)}, lower than anywhere on "
                    f"the map ({readable(d.floor)}), and still falling (‖∇f‖ = {gradient}); no minimum in reach")
        if d.stopped_at is None:
            return (f"running off downhill: after {d.iterations} steps f = {readable(loss)}, falling faster each step "
                    f"(‖∇f‖ = {gradient}); no minimum in reach")
        where = ("reached -inf" if loss == -np.inf else
                 f"= {readable(loss)} and falling when |p| passed {readable(BOUND)}")
        return f"running off downhill: f {where} at step {d.stopped_at}; no minimum in reach"
    if d.status == "never converges":
        return f"never converges: cycle {cycle_points(d.points, d.cycle_from, d.period)} from step {d.cycle_from}"
    return f"still moving after {d.iterations} steps (‖∇f‖ = {gradient})"


# Two different stops, said in the headers: a run reaches the tolerance on f long before its gradient is ~0.
STEPS_TO_TOLERANCE = "steps until f − min f ≤ tolerance"
STATUS = "status (a run stops when ‖∇f‖ ≈ 0)"


def results_rows(race: Race) -> list[dict[str, str]]:
    """One row per run; the steps to tolerance only for a surface with a known minimum (there is no min f else)."""
    rows = []
    for run in race.runs:
        d = run.descent
        rows.append({
            "optimizer": run.label,
            "final loss": readable(d.losses[-1]),
            "final point": readable_point(d.points[-1]),
            STEPS_TO_TOLERANCE: (str(d.reached_tolerance_at) if d.reached_tolerance_at is not None
                                 else "not reached"),
            STATUS: status_text(d, race.min_value, race.tolerance),
        })
        if race.min_value is None:
            del rows[-1][STEPS_TO_TOLERANCE]
    return rows


def point_at(run: Run, frame: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Point, loss and gradient at iteration ``frame`` (the last one if the run stopped earlier)."""
    d = run.descent
    i = min(frame, d.iterations)
    return d.points[i], float(d.losses[i]), d.grads[i]


def inspection(race: Race, run: Run, frame: int) -> tuple[list[str], str | None]:
    """What the inspector says at iteration ``frame``: the point, loss and gradient, and the update that led
    there (None at the start)."""
    point, loss, grad = point_at(run, frame)
    names = ("x", "y")[: race.dims]
    lines = [f"point: {readable_point(point, names, 6)}",
             f"loss f = {readable(loss, 6)}",
             f"gradient ∇f = {readable_point(grad, None, 6)}, ‖∇f‖ = {readable(float(np.linalg.norm(grad)))}"]
    if np.isnan(loss) and np.all(np.isfinite(grad)):  # log at -3.5: f undefined, its derivative's formula finite
        lines.append("f is undefined here (NaN), so it has no slope: the gradient is its derivative's formula "
                     "evaluated at the point anyway (as PyTorch and JAX do), and means nothing")
    if not 1 <= frame <= len(run.descent.updates):
        return lines, None
    u = run.descent.updates[frame - 1]
    return lines, (f"update {u.iteration}: η = {readable(u.lr)}, step length {readable(u.update_norm)}"
                   + (" (gradient clipped)" if u.clipped else ""))


def stepper_query(race: Race, point) -> dict[str, str]:
    """URL parameters that open the stepper on this surface at ``point``, ready to step backward."""
    names = ("x", "y")[: race.dims]
    return {"expr": race.expression.text, "at": ";".join(f"{n}={float(v)!r}" for n, v in zip(names, point,
                                                                                          strict=True)),
            "seed": "1", "step": "0", "mode": "learn"}
