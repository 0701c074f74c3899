"""What the lab's controls do, as plain functions the page calls: stepping through the iterations,
a click on the contour map, picking a surface or the step-size lesson, and which widgets a new state changes."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES
from playground.common.fields import StateSpec

from .pause import PAUSED
from .runs import run_to_row
from .state import CUSTOM, RangeKind, SurfaceState

LESSON = "|x| (step-size lesson)"
CLICK_DIGITS = 3  # a clicked start point is rounded to this many decimals


# --- stepping through the iterations (Play runs in the browser: figures.animated) ---

def step(frame: int, last: int) -> int:
    return min(frame + 1, last)


# --- what the buttons and the map change ---

def start_from_click(state: SurfaceState, event: Mapping[str, Any] | None) -> SurfaceState | None:
    """A click on the contour map starts every run there, shown to the end; None if it selected no point. The map's
    Pause selects a point of curve PAUSED whose x is the iteration the map stopped at: that iteration is shown."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    if points[0].get("curve_number") == PAUSED:
        return replace(state, frame=min(max(0, int(points[0]["x"])), state.iterations))
    x, y = (round(float(points[0][c]), CLICK_DIGITS) for c in ("x", "y"))
    return replace(state, start=(x, y), frame=state.iterations)


def own_runs(state: SurfaceState) -> tuple[OptimizerConfig, ...] | None:
    """The optimizer rows the surface shown opens with (None for a typed surface: it has none of its own). Found
    by f, not by name: while the surface box already names the next surface, f is still the one shown."""
    preset = next((s for s in SURFACES.values() if s.expr == state.expr), None)
    return preset.runs if preset is not None else None


def pick_surface(state: SurfaceState, name: str) -> SurfaceState:
    """A preset surface with its own f, ranges and start, shown to the end, keeping the other settings; choosing
    "custom" changes nothing (the learner types f next). The optimizer rows become the new surface's own unless
    the learner changed them (rows tuned for one surface often diverge on another: η differs by 100×)."""
    if name == CUSTOM:
        return replace(state, surface=CUSTOM)
    runs = SURFACES[name].runs if state.runs == own_runs(state) else state.runs
    return SurfaceState.for_surface(name, runs=runs, iterations=state.iterations, frame=state.iterations,
                                    tolerance=state.tolerance, view=state.view)


def surface_rows(state: SurfaceState) -> SurfaceState:
    """The surface's own optimizer rows instead of the table's (a typed surface keeps the table's)."""
    return replace(state, runs=own_runs(state) or state.runs)


def step_size_lesson() -> SurfaceState:
    """|x| from 10 with steps 1, 5 and 11: 10 steps, 2 steps, and a bounce that never ends."""
    return SurfaceState.for_surface(LESSON, iterations=30, frame=30)


def new_row(state: SurfaceState) -> dict[str, Any]:
    """What a row added to the optimizer table starts with: the surface's first own row (on a typed surface,
    the table's first row), so it can run at once on this surface."""
    first = (own_runs(state) or state.runs or (OptimizerConfig(),))[0]
    return run_to_row(OptimizerConfig(first.name, lr=first.lr))


def inspector_box(labels: list[str], inspected: str | None) -> tuple[str, int]:
    """The inspector's optimizer box for these runs: a widget key of its own for every set of run labels (a box
    kept across races showed a previous race's run), and the run it opens on: the one inspected before, if it is
    still racing, else the first."""
    box = "surfaces_inspect_" + format(zlib.crc32("\n".join(labels).encode()), "08x")
    return box, labels.index(inspected) if inspected in labels else 0


def explored_box(race_runs, explored: str | None) -> tuple[str, int]:
    """The live sliders' run box for these runs (a key of its own per set of runs, as the inspector's), opening on
    the run explored before if it still races, else on the first momentum run (the one two sliders suit), else
    the first."""
    labels = [r.label for r in race_runs]
    box = "surfaces_explore_" + format(zlib.crc32("\n".join(labels).encode()), "08x")
    if explored in labels:
        return box, labels.index(explored)
    return box, next((i for i, r in enumerate(race_runs) if r.cfg.name in ("momentum", "nesterov")), 0)


def unusable(state: SurfaceState) -> str | None:
    """Why the settings in the widgets can't be raced (checked before the surface itself), or None."""
    if not state.runs:
        return "Add at least one optimizer row with a positive learning rate."
    for axis, low_high in (("x", state.x_range), ("y", state.y_range)):
        try:
            RangeKind().check(low_high)
        except ValueError as e:
            return f"Can't draw this surface: the plotted {axis} range {e} ('from' < 'to')."
    return None


def shown_changes(spec: StateSpec, session: Mapping[str, Any], state) -> dict[str, Any]:
    """The session entries that make the widgets show ``state``, for the fields they don't show already (so
    a new start point leaves the optimizer table, and any row being typed in, alone)."""
    changes = {}
    for f in spec.fields:
        key, value = spec.widget_key(f.name), getattr(state, f.name)
        try:
            shown = f.kind.from_widgets(key, session)
        except KeyError:
            shown = None
        if shown != value or any(session.get(k) is None for k in f.kind.widget_keys(key)):
            changes.update(f.kind.widget_values(key, value))
    return changes
