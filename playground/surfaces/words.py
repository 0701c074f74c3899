"""The surface lab's charts in words: a short text alternative for each, for screen readers and for anyone
who wants the numbers without reading them off a picture. Plain functions of a race and the iteration shown."""

from __future__ import annotations

import numpy as np

from .figures import on_map, to_scale
from .numbers import readable, readable_point


def _where(race, run, frame: int) -> str:
    i = min(frame, run.descent.iterations)
    stopped = f" (stopped at iteration {i})" if i < frame else ""  # a run ends early when it diverges or converges
    return (f"{run.label} at {readable_point(run.descent.points[i][:race.dims])}, f = "
            f"{readable(run.descent.losses[i])}{stopped}")


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


def map_caption(race, locked: bool) -> str:
    """The contour map's key: the ★ only where the surface has a minimum marked on it. A locked map takes no
    selection, so its Pause can't hand the iteration back (pause.py)."""
    return (("" if locked else "Click anywhere on the contour map to start every optimizer from there. ")
            + "✕ start" + (" · ★ minimum" if race.minima else "") + ". ▶ Play runs in your browser; "
            + ("the numbers below stay at the iteration shown." if locked else
               "❚❚ Pause shows the iteration it stopped at in the numbers below."))


def left_the_map(race, run) -> int | None:
    """The first iteration at which ``run``'s point is outside the plotted ranges (None: it stays on the map)."""
    inside = on_map(race, run.descent.points)
    return None if inside.all() else int(np.argmin(inside))


def off_the_map(race) -> str | None:
    """Which paths leave the map, and when: past the frame nothing of them is drawn."""
    left = [(run, at) for run in race.runs if (at := left_the_map(race, run)) is not None]
    if not left:
        return None
    frame = f"x from {readable(float(race.xs[0]))} to {readable(float(race.xs[-1]))}" + (
        f", y from {readable(float(race.ys[0]))} to {readable(float(race.ys[-1]))}" if race.dims == 2 else "")
    when = "; ".join(f"{run.label} at iteration {at}" for run, at in left)
    who = ("The path leaves" if len(race.runs) == 1 else "Every path leaves" if len(left) == len(race.runs) else
           f"{len(left)} of the {len(race.runs)} paths leave")
    return f"{who} the map ({frame}): {when}. The results table says where each one ended."
