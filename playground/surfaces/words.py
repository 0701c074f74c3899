"""The surface lab's charts in words: a short text alternative for each, for screen readers and for anyone
who wants the numbers without reading them off a picture. Plain functions of a race and the iteration shown."""

from __future__ import annotations

import numpy as np

from .figures import to_scale
from .numbers import readable, readable_point


def _where(race, run, frame: int) -> str:
    i = min(frame, run.descent.iterations)
    return f"{run.label} at {readable_point(run.descent.points[i][:race.dims])}, f = {readable(run.descent.losses[i])}"


def describe_map(race, frame: int, view: str) -> str:
    """What the contour map, the 3-D view or the 1-D curve shows at iteration ``frame``."""
    (x0, x1) = (float(race.xs[0]), float(race.xs[-1]))
    if race.dims == 1:
        shape = f"The curve f(x) = {race.expression.text} for x from {readable(x0)} to {readable(x1)}"
    else:
        y0, y1 = float(race.ys[0]), float(race.ys[-1])
        kind = "3-D surface" if view == "3d" else "Contour map" + ("" if to_scale(race) else " (axes not to scale)")
        shape = (f"{kind} of f(x, y) = {race.expression.text} over x from {readable(x0)} to {readable(x1)} and "
                 f"y from {readable(y0)} to {readable(y1)}")
    minima = (f"; marked {'minima' if len(race.minima) > 1 else 'minimum'} at "
              + ", ".join(readable_point(m) for m in race.minima)) if race.minima else ""
    start = race.runs[0].descent.points[0][:race.dims] if race.runs else None
    paths = "; ".join(_where(race, run, frame) for run in race.runs)
    return (f"{shape}{minima}. Every path starts at {readable_point(start)}; at iteration {frame}: {paths}."
            if start is not None else f"{shape}{minima}.")


def describe_losses(race, frame: int) -> str:
    """What the loss chart shows: how each run's loss went, and where the dashed line (the iteration shown) is."""
    parts = []
    for run in race.runs:
        losses = run.descent.losses
        finite = losses[np.isfinite(losses)]
        low = f", lowest {readable(float(finite.min()))}" if finite.size else ""
        parts.append(f"{run.label} from {readable(losses[0])} to {readable(losses[-1])} after "
                     f"{run.descent.iterations} iterations{low}")
    return f"Loss per iteration, one line per run; the dashed line marks iteration {frame}. " + "; ".join(parts) + "."
