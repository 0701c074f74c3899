"""Loss surfaces f(x, y) or f(x), and gradient descent paths on them.

Every surface, preset or typed, is an expression for the safe parser. The plotting grid is one
forward pass of the engine over meshgrid arrays (no per-point loop); the gradients along a path come
from the engine's backward pass on a graph built once and re-run every iteration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from engine import Tape
from engine.errors import EngineError
from engine.formatting import format_number
from engine.graph import backward, forward_steps, topo_order
from engine.limits import MAX_ITERATIONS, MAX_RESOLUTION
from engine.node import var
from engine.parser import Expression, parse
from labs.optim import Optimizer, OptimizerConfig, Update
from labs.update_rules import initial_state, optimizer_step

COORDS = ("x", "y")


@dataclass(frozen=True)
class Surface:
    name: str
    expr: str
    x_range: tuple[float, float]
    y_range: tuple[float, float] | None  # None: a 1-D surface f(x)
    start: tuple[float, ...]
    min_value: float | None = None  # the global minimum's value, when known
    minima: tuple[tuple[float, ...], ...] = ()
    note: str = ""
    runs: tuple[OptimizerConfig, ...] = ()  # the optimizer rows it opens with, tuned so none of them diverges

    @property
    def dims(self) -> int:
        return 1 if self.y_range is None else 2


def _runs(*specs: tuple) -> tuple[OptimizerConfig, ...]:
    return tuple(OptimizerConfig(name, lr=lr, **settings) for name, lr, *rest in specs for settings in (rest or [{}]))


# Each surface's own optimizer rows: the step sizes differ by orders of magnitude between surfaces (rows tuned for
# the ravine diverge within 3-6 steps on Himmelblau and Beale), so a surface opens with rows that suit it.
SURFACES = {s.name: s for s in (
    Surface("Convex bowl", "x**2 + y**2", (-3, 3), (-3, 3), (2.5, -2.0), 0.0, ((0, 0),),
            "Every optimizer gets there; compare how fast.",
            _runs(("sgd", 0.1), ("momentum", 0.05), ("adam", 0.3))),
    Surface("Ill-conditioned ravine", "0.5*x**2 + 10*y**2", (-4, 4), (-2, 2), (-3.5, 1.5), 0.0, ((0, 0),),
            "Curvature 20× steeper across than along: plain SGD zig-zags across the valley; tuned "
            "momentum and AdaGrad need half the steps. Add Adam (η = 0.1): at a constant step it circles the "
            "bottom for a long time and converges only near step 300.",
            _runs(("sgd", 0.09), ("momentum", 0.1, {"momentum": 0.4}), ("adagrad", 0.9))),
    Surface("Rosenbrock", "(1 - x)**2 + 100*(y - x**2)**2", (-2, 2), (-1, 3), (-1.5, 2.0), 0.0,
            ((1, 1),), "A curved banana valley: easy to find, slow to follow to (1, 1).",
            _runs(("sgd", 0.001), ("momentum", 0.001), ("adam", 0.05))),
    Surface("Himmelblau", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", (-5, 5), (-5, 5), (-0.5, -0.5), 0.0,
            ((3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
            "Four equal minima: which one you reach depends on the start and the optimizer.",
            _runs(("sgd", 0.01), ("momentum", 0.002), ("adam", 0.1))),
    Surface("Beale", "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.5), 0.0, ((3, 0.5),),
            "Flat plateaus and sharp walls: adaptive step sizes help.",
            _runs(("sgd", 0.01), ("momentum", 0.002), ("adam", 0.3))),
    Surface("Saddle", "x**2 - y**2", (-2, 2), (-2, 2), (1.5, 0.01), None, (),
            "A saddle point at (0, 0): gradient descent slides off along y, slowly at first.",
            _runs(("sgd", 0.05), ("momentum", 0.02), ("adam", 0.05))),
    Surface("Rastrigin (many minima)", "20 + x**2 - 10*cos(2*pi*x) + y**2 - 10*cos(2*pi*y)",
            (-5.12, 5.12), (-5.12, 5.12), (3.2, -2.1), 0.0, ((0, 0),),
            "A bumpy bowl: local minima everywhere trap plain gradient descent.",
            _runs(("sgd", 0.002), ("momentum", 0.002), ("adam", 0.05))),
    Surface("|x| (step-size lesson)", "abs(x)", (-12, 12), None, (10.0,), 0.0, ((0,),),
            "From x = 10: step 1 takes 10 steps, step 5 takes 2, step 11 bounces 10 ↔ -1 forever, from step 0.",
            _runs(("sgd", 1.0), ("sgd", 5.0), ("sgd", 11.0))),
)}


def surface_expression(text: str) -> Expression:
    """Parse a surface: its variables must be x, or x and y."""
    expression = parse(text)
    extra = [v for v in expression.variables if v not in COORDS]
    if extra:
        raise EngineError(f"a surface may only use x and y; found {', '.join(extra)}")
    if not expression.variables:
        raise EngineError("a surface needs x (and optionally y)")
    return expression


def dims_of(expression: Expression) -> int:
    return 2 if "y" in expression.variables else 1


def evaluate_grid(expression: Expression, x_range, y_range=None, resolution: int = 200):
    """The surface on a grid, in one vectorized forward pass: (xs, ys, Z) or (xs, None, z)."""
    resolution = max(2, min(int(resolution), MAX_RESOLUTION))
    xs = np.linspace(*x_range, resolution)
    if y_range is None:
        root, _ = expression.build({"x": xs})
        return xs, None, np.broadcast_to(root.value, xs.shape).copy()
    ys = np.linspace(*y_range, resolution)
    gx, gy = np.meshgrid(xs, ys)  # Z[i, j] = f(xs[j], ys[i]), as plotting libraries expect
    values = {"x": gx, "y": gy}
    root, _ = expression.build({v: values[v] for v in expression.variables})
    return xs, ys, np.broadcast_to(root.value, gx.shape).copy()


BOUND = 1e6  # a run whose point leaves |p| ≤ BOUND stops: diverged, or running off downhill


@dataclass
class Descent:
    """A path of one optimizer on one surface, and how it ended."""

    points: np.ndarray  # (n + 1, dims): the start, then after each update
    losses: np.ndarray  # (n + 1,)
    grads: np.ndarray  # (n + 1, dims)
    updates: list[Update] = field(default_factory=list)
    status: str = "still moving"  # "converged" | "diverged" | "running off" | "never converges" | "still moving"
    reason: str = ""
    stopped_at: int | None = None  # iteration where it stopped (a cycle, or a run still in bounds, runs to the end)
    reached_tolerance_at: int | None = None  # first iteration within tolerance of the known minimum
    cycle_from: int | None = None  # "never converges": the first iteration of the repeating cycle
    period: int | None = None  # and its length in iterations
    floor: float | None = None  # "running off" judged on leaving the map: the lowest f anywhere on the map

    @property
    def iterations(self) -> int:
        return len(self.points) - 1


def descend(expression: Expression, start, cfg: OptimizerConfig, iterations: int = 200,
            tolerance: float = 1e-6, min_value: float | None = None, bound: float = BOUND,
            area: tuple | None = None, floor: float | None = None) -> Descent:
    """Run ``cfg`` from ``start`` for up to ``iterations`` updates, stopping early when it converges
    (gradient ≈ 0), diverges (NaN/inf, or |p| > bound with f not falling: the steps overshoot) or runs off
    downhill (|p| > bound with f at its lowest yet, or f = -inf: f has no minimum along the path). A run still in
    bounds at the end whose f falls faster at every one of its last DOWNHILL_STEPS steps, its gradient growing,
    is running off too (x*y: the same behaviour as a run that left the bound, said with the same words); so is one
    that ends outside the plotted ``area`` (a (low, high) range per coordinate), lower than ``floor`` (the lowest f
    on the map), still falling with a gradient that does not shrink (``leaving_downhill``: AdaGrad on x*y, whose
    steps shrink as 1/√t, falls at a steady pace, never faster).

    A run whose point *and* optimizer state (velocity, moments, and the iteration count while later updates
    depend on it) repeat an earlier iteration's is in a cycle and never converges: it is marked so and still
    runs to the end, so its path and loss curve show the repeating cycle. Comparing points alone is not
    enough: momentum can pass through the same point twice with different velocities and still converge.
    """
    dims = dims_of(expression)
    start = [float(v) for v in start][:dims]
    if len(start) != dims or not all(math.isfinite(v) for v in start):
        raise EngineError(f"the start point needs {dims} finite coordinate(s)")
    iterations = max(0, min(int(iterations), MAX_ITERATIONS))
    root, leaves = expression.build({c: v for c, v in zip(COORDS, start, strict=False)
                                     if c in expression.variables})
    order = topo_order(root)
    # A surface that never uses x (f = y**2 + 1) is still a surface over (x, y): x is a parameter whose
    # gradient is 0, so every path, point and chart has both coordinates.
    params = [leaves[c] if c in leaves else var(v, c) for c, v in zip(COORDS[:dims], start, strict=True)]
    optimizer = Optimizer(params, cfg)
    points, losses, grads, seen = [], [], [], {}
    run = Descent(np.empty((0, dims)), np.empty(0), np.empty((0, dims)))
    for t in range(iterations + 1):
        for _ in forward_steps(root, order):
            pass
        with np.errstate(all="ignore"):
            backward(root)
        point = np.array([float(p.value) for p in params])
        grad = np.array([float(p.grad) if p.grad is not None else 0.0 for p in params])
        loss = float(root.value)
        points.append(point)
        losses.append(loss)
        grads.append(grad)
        if min_value is not None and run.reached_tolerance_at is None and loss - min_value <= tolerance:
            run.reached_tolerance_at = t
        if run.cycle_from is None:
            ending = _ending(point, losses, grad, bound, tolerance, t)
            if ending:
                run.status, run.reason = ending
                run.stopped_at = t
                break
            state = (point.tobytes(), optimizer.state_key())
            earlier = seen.get(state)
            if earlier is not None:
                run.cycle_from, run.period = earlier, t - earlier
                run.status, run.reason = "never converges", _cycle_reason(points, earlier, t)
            seen[state] = t
        if t < iterations:
            run.updates.append(optimizer.step())
    run.points, run.losses, run.grads = np.array(points), np.array(losses), np.array(grads)
    if run.status == "still moving" and min_value is None and speeding_downhill(run.losses, run.grads):
        run.status = "running off"
        run.reason = (f"f fell faster at each of the last {DOWNHILL_STEPS} iterations, to "
                      f"{format_number(run.losses[-1])} at iteration {run.iterations}, while ‖∇f‖ grew: the point is "
                      "running off downhill, with no minimum in reach along its path")
    elif (run.status == "still moving" and min_value is None and area is not None and floor is not None
          and leaving_downhill(run.points, run.losses, run.grads, area, floor)):
        run.status, run.floor = "running off", floor
        run.reason = (f"the point left the map and f fell to {format_number(run.losses[-1])} at iteration "
                      f"{run.iterations}, lower than anywhere on the map ({format_number(floor)}), still falling while "
                      "‖∇f‖ grows: it is running off downhill, with no minimum in reach along its path")
    return run


DOWNHILL_STEPS = 10  # a run still in bounds is running off when f fell faster at each of this many last steps
SPEEDUP = 1.05  # ... and its last drop of f is this much larger than the first of them


def speeding_downhill(losses: np.ndarray, grads: np.ndarray, steps: int = DOWNHILL_STEPS) -> bool:
    """Whether f fell at each of the last ``steps`` iterations, each time by more than the time before and at
    the end SPEEDUP times faster, while ‖∇f‖ grew each time: a descent that speeds up rather than settles (a
    minimum ahead would slow it down). SGD crawling along Rosenbrock's valley speeds up too, 0.25 % in 10 steps:
    not running off; x*y from (1, 0.5) with η = 0.01, 12 %: running off."""
    if len(losses) < steps + 2:
        return False
    drops = -np.diff(losses[-(steps + 1):])
    norms = np.linalg.norm(grads[-(steps + 1):], axis=-1)
    return bool(np.all(drops > 0) and np.all(np.diff(drops) > 0) and drops[-1] >= SPEEDUP * drops[0]
                and np.all(np.diff(norms) > 0))


def leaving_downhill(points: np.ndarray, losses: np.ndarray, grads: np.ndarray, area, floor: float,
                     steps: int = DOWNHILL_STEPS) -> bool:
    """Whether a run ends outside the plotted ``area``, with f below ``floor`` (the lowest f on the map), having
    fallen at each of its last ``steps`` iterations while ‖∇f‖ never shrank: a slope that keeps steepening, no
    minimum ahead (one would flatten it). A run reaching for a minimum just off the map has a shrinking gradient;
    one that overshoots it has f rising again."""
    if len(losses) < steps + 2 or not losses[-1] < floor:
        return False
    outside = any(not low <= v <= high for v, (low, high) in zip(points[-1], area, strict=False))
    drops = -np.diff(losses[-(steps + 1):])
    norms = np.linalg.norm(grads[-(steps + 1):], axis=-1)
    return bool(outside and np.all(drops > 0) and np.all(np.diff(norms) >= 0))


def _ending(point, losses: list[float], grad, bound, tolerance, t) -> tuple[str, str] | None:
    loss = losses[-1]
    if loss == -math.inf:
        return "running off", f"f reached -inf at iteration {t}: it has no minimum along this path"
    if not math.isfinite(loss):
        return "diverged", f"the loss became {loss} at iteration {t}"
    if not np.all(np.isfinite(grad)) or not np.all(np.isfinite(point)):
        return "diverged", f"the gradient or the point became NaN/inf at iteration {t}"
    if np.max(np.abs(point)) > bound:
        if loss < losses[0] and loss <= min(losses[:-1]):  # at its lowest yet: it went far by going downhill
            return "running off", (f"the point left |p| ≤ {bound:g} at iteration {t} with f = {format_number(loss)}, "
                                   "its lowest yet: it is running off downhill, with no minimum in reach")
        if loss > losses[0]:
            return "diverged", (f"the point left |p| ≤ {bound:g} at iteration {t} with f = {format_number(loss)}, "
                                "above where it started: the steps overshoot (η too large for this curvature)")
        return "diverged", f"the point left |p| ≤ {bound:g} at iteration {t}"
    if float(np.linalg.norm(grad)) <= tolerance:
        # not "vanished": that word is the MLP lab's, for gradients that shrink layer by layer while far from done
        return "converged", f"the gradient reached zero (‖g‖ ≤ {tolerance:g}) at iteration {t}: a stationary point"
    return None


def cycle_points(points, start: int, period: int) -> str:
    """The points of a cycle in words: 10 ↔ -1 for two, a → b → c → a for three, else how many."""
    shown = [_point_text(p) for p in points[start: start + period]]
    if period == 1:
        return f"stuck at {shown[0]}"
    if period == 2:
        return f"{shown[0]} ↔ {shown[1]}"
    if period <= 4:
        return " → ".join([*shown, shown[0]])
    return f"{period} points"


def _point_text(point) -> str:
    parts = [format_number(v) for v in point]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def _cycle_reason(points, earlier: int, t: int) -> str:
    return (f"iteration {t} is back where iteration {earlier} was, with the same optimizer state: from "
            f"iteration {earlier} on it repeats the cycle {cycle_points(points, earlier, t - earlier)} forever")


@dataclass
class Sweep:
    """One optimizer run repeated over a grid of learning rates η and momenta μ, all at once: what the live η/μ
    sliders switch between. Index ``[i, j]`` is η = ``lrs[i]``, μ = ``momenta[j]``."""

    lrs: np.ndarray  # (a,)
    momenta: np.ndarray  # (b,)
    points: np.ndarray  # (a, b, n + 1, dims); past a run's end (``ends``) the values mean nothing
    grads: np.ndarray  # (a, b, n + 1, dims): ∇f at each point
    losses: np.ndarray  # (a, b, n + 1): f at each point
    steps: np.ndarray  # (a, b, n, dims): the update subtracted after each point (the last point has none)
    velocities: np.ndarray | None  # (a, b, n, dims): momentum's v after each update (None without momentum)
    ends: np.ndarray  # (a, b): the last iteration of each run, where ``descend`` stops it


def elementwise(expression: Expression) -> bool:
    """Whether f, evaluated on vectors of points, treats each point on its own (no sum(), mean() or @ mixing
    them): then one vectorized pass is every run's pass."""
    probe = np.linspace(0.1, 0.3, 3)
    root, _ = expression.build({v: probe for v in expression.variables})
    return all(node.value.shape == probe.shape for node in topo_order(root) if node.requires_grad)


def sweep(expression: Expression, start, cfg: OptimizerConfig, lrs, momenta, iterations: int,
          tolerance: float = 1e-6, bound: float = BOUND) -> Sweep:
    """``cfg`` from ``start`` at every (η, μ) of the grid, each run stopped where ``descend`` would stop it
    (converged, diverged), in one vectorized pass per iteration: every run's coordinates are one vector, and the
    update is labs.update_rules' own, with η and μ as vectors. Needs an ``elementwise`` f; a clip by the global
    norm would mix the runs (update_rules' norm is over every entry), so it is refused."""
    dims = dims_of(expression)
    lrs, momenta = np.asarray(lrs, dtype=float), np.asarray(momenta, dtype=float)
    grid_lr, grid_mu = (a.ravel() for a in np.meshgrid(lrs, momenta, indexing="ij"))
    batch = replace(cfg, lr=grid_lr, momentum=grid_mu)  # update_rules reads opt.lr, opt.momentum: vectors work
    starts = np.tile(np.asarray(list(start)[:dims], dtype=float), (grid_lr.size, 1))
    pts, grd, fs, steps, velocities, ends = _many_runs(expression, starts, cfg, batch, iterations, tolerance, bound)
    shape = (lrs.size, momenta.size)
    return Sweep(lrs, momenta, pts.reshape(*shape, -1, dims), grd.reshape(*shape, -1, dims), fs.reshape(*shape, -1),
                 steps.reshape(*shape, -1, dims), None if velocities is None else velocities.reshape(*shape, -1, dims),
                 ends.reshape(shape))


@dataclass
class StartSweep:
    """One optimizer run repeated from many start points at once: what dragging the start switches between.
    Index ``[s]`` is the run from ``starts[s]``."""

    starts: np.ndarray  # (s, dims)
    points: np.ndarray  # (s, n + 1, dims); past a run's end (``ends``) the values mean nothing
    losses: np.ndarray  # (s, n + 1)
    ends: np.ndarray  # (s,): the last iteration of each run, where ``descend`` stops it


def sweep_starts(expression: Expression, starts, cfg: OptimizerConfig, iterations: int, tolerance: float = 1e-6,
                 bound: float = BOUND) -> StartSweep:
    """``cfg`` from every point of ``starts`` (s, dims), each run stopped where ``descend`` would stop it, in one
    vectorized pass per iteration (as ``sweep``: an ``elementwise`` f, no clip by the global norm)."""
    starts = np.asarray(starts, dtype=float).reshape(-1, dims_of(expression))
    pts, _, fs, _, _, ends = _many_runs(expression, starts, cfg, cfg, iterations, tolerance, bound)
    return StartSweep(starts, pts, fs, ends)


def _many_runs(expression: Expression, starts: np.ndarray, cfg: OptimizerConfig, batch, iterations: int,
               tolerance: float, bound: float) -> tuple:
    """Runs of ``batch`` (``cfg`` with vector settings, or ``cfg`` itself) from each row of ``starts``, as one
    vector per coordinate: points, gradients, losses, steps, velocities (None without momentum), ends."""
    if cfg.clip_norm is not None:
        raise EngineError("a run clipped by its gradient's norm can't be swept")
    count, dims = starts.shape
    coords = [starts[:, d].copy() for d in range(dims)]
    root, leaves = expression.build({c: v for c, v in zip(COORDS, coords, strict=False)
                                     if c in expression.variables})
    tape = Tape(root)
    params = [leaves[c] if c in leaves else var(v, c) for c, v in zip(COORDS[:dims], coords, strict=True)]
    states = [initial_state(cfg.name, (count,)) for _ in params]
    points, grads, losses, steps, velocities = [], [], [], [], []
    seed = np.ones(count)
    with np.errstate(all="ignore"):
        for t in range(iterations + 1):
            losses.append(np.broadcast_to(tape.forward(), (count,)).copy())
            tape.backward(seed)
            values = [np.broadcast_to(p.value, (count,)) for p in params]
            gradient = [np.zeros(count) if p.grad is None else np.broadcast_to(p.grad, (count,)) for p in params]
            points.append(np.stack(values, axis=-1))
            grads.append(np.stack(gradient, axis=-1))
            if t == iterations:
                break
            new, step, _, _ = optimizer_step(batch, values, gradient, states, t + 1)
            steps.append(np.stack(step, axis=-1))
            if cfg.name in ("momentum", "nesterov"):
                velocities.append(np.stack(states, axis=-1))
            for p, value in zip(params, new, strict=True):
                p.value = value
        pts, grd, fs = np.stack(points, axis=1), np.stack(grads, axis=1), np.stack(losses, axis=1)  # (runs, n + 1…)
        stop = (~np.isfinite(fs) | ~np.isfinite(pts).all(-1) | ~np.isfinite(grd).all(-1)
                | (np.abs(pts).max(-1) > bound) | (np.linalg.norm(grd, axis=-1) <= tolerance))
    ends = np.where(stop.any(1), stop.argmax(1), iterations)
    return (pts, grd, fs, np.stack(steps, axis=1) if steps else np.zeros((count, 0, dims)),
            np.stack(velocities, axis=1) if velocities else None, ends)
