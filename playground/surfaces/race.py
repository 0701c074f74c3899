"""The surface lab's model: a race of optimizers on one surface, and the table of how each ended."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import EngineError
from engine.formatting import format_number
from labs.optim import OptimizerConfig
from labs.surfaces import (
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

GRID_RESOLUTION = 160


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

    @property
    def frames(self) -> int:
        return max(r.descent.iterations for r in self.runs)


def run_label(cfg: OptimizerConfig) -> str:
    extras = []
    if cfg.name in ("momentum", "nesterov") and cfg.momentum != 0.9:
        extras.append(f"μ={format_number(cfg.momentum)}")
    if cfg.weight_decay:
        extras.append(f"λ={format_number(cfg.weight_decay)}")
    if cfg.clip_norm or cfg.clip_value:
        extras.append("clipped")
    if cfg.schedule != "constant":
        extras.append(cfg.schedule)
    return f"{NAMES[cfg.name]} (η={format_number(cfg.lr)}{''.join(', ' + e for e in extras)})"


def run_race(state: SurfaceState) -> Race:
    """Grid and every optimizer's path. Raises EngineError for a bad surface or start point."""
    expression = surface_expression(state.expr)
    dims = dims_of(expression)
    start = state.start[:dims]
    (x0, x1), (y0, y1) = state.x_range, state.y_range
    if not x0 <= start[0] <= x1 or (dims == 2 and not y0 <= start[1] <= y1):
        raise EngineError(f"the start point {tuple(start)} is outside the plotted range; move it inside "
                          f"x ∈ [{x0:g}, {x1:g}]" + (f", y ∈ [{y0:g}, {y1:g}]" if dims == 2 else ""))
    preset = SURFACES.get(state.surface)
    min_value = preset.min_value if preset and preset.expr == state.expr else None
    xs, ys, z = evaluate_grid(expression, state.x_range, state.y_range if dims == 2 else None,
                              GRID_RESOLUTION)
    runs = [Run(run_label(cfg), cfg, descend(expression, start, cfg, state.iterations, state.tolerance,
                                             min_value)) for cfg in state.runs]
    minima = preset.minima if preset and preset.expr == state.expr else ()
    return Race(expression, dims, xs, ys, z, runs, min_value, minima, state.tolerance)


def status_text(d: Descent, min_value: float | None = None, tolerance: float = 1e-6) -> str:
    """How a run ended, in words that agree with the table's numbers: a run whose gradient vanished above a
    known minimum is stuck (Rastrigin's local minima), not converged."""
    if d.status == "converged":
        gap = float(d.losses[-1]) - min_value if min_value is not None else 0.0
        if gap > tolerance:
            return f"stuck at step {d.stopped_at}: ‖∇f‖ ≈ 0 but f − min f = {readable(gap)}"
        return f"converged at step {d.stopped_at}"
    if d.status == "diverged":
        return f"diverged at step {d.stopped_at}"
    if d.status == "never converges":
        return f"never converges: cycle {cycle_points(d.points, d.cycle_from, d.period)} from step {d.cycle_from}"
    return f"still moving after {d.iterations} steps (‖∇f‖ = {readable(float(np.linalg.norm(d.grads[-1])), 3)})"


def results_rows(race: Race) -> list[dict[str, str]]:
    rows = []
    for run in race.runs:
        d = run.descent
        rows.append({
            "optimizer": run.label,
            "final loss": readable(d.losses[-1]),
            "final point": readable_point(d.points[-1]),
            "steps to tolerance": ("—" if race.min_value is None else
                                   str(d.reached_tolerance_at) if d.reached_tolerance_at is not None
                                   else "not reached"),
            "status": status_text(d, race.min_value, race.tolerance),
        })
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
