"""Cycle detection in the surface lab: "never converges" only for a run that truly repeats forever.

The oracle is an independent long run of the same update rule on plain numpy with hand-written gradients (no
engine, no cycle detection): a run the lab calls a cycle must repeat with its period for thousands of
iterations, and a run that converges in the long run must never be called a cycle.
"""

import itertools

import numpy as np
import pytest

from labs.optim import Optimizer, OptimizerConfig
from labs.surfaces import descend, surface_expression
from labs.update_rules import initial_state, optimizer_step

SURFACES = {  # f as the lab parses it, and its gradient by hand
    "x**2": lambda p: 2 * p,
    "abs(x)": np.sign,
    "0.5*x**2 + 10*y**2": lambda p: np.array([1.0, 20.0]) * p,
}
STARTS = {"x**2": (1.0,), "abs(x)": (10.0,), "0.5*x**2 + 10*y**2": (-3.5, 1.5)}
LONG = 3000


def oracle(expr, cfg):
    """The points of a long run, one array per iteration, and the first iteration whose ‖∇f‖ ≤ 1e-6 (or None)."""
    gradient = SURFACES[expr]
    p = np.array(STARTS[expr], dtype=float)
    states = [initial_state(cfg.name, p.shape)]
    points = [p]
    for t in range(1, LONG + 1):
        with np.errstate(all="ignore"):
            g = gradient(p)
            if np.linalg.norm(g) <= 1e-6 or not np.all(np.isfinite(g)):
                return points, t - 1  # converged, or diverged: not a cycle either way
            (p,), _, _, _ = optimizer_step(cfg, [p], [g], states, t)
        points.append(p)
    return points, None


SWEEP = [OptimizerConfig(name, lr=lr, momentum=mu)
         for name, lr, mu in itertools.product(("sgd", "momentum", "nesterov"),
                                               (0.125, 0.25, 0.375, 0.5, 0.75, 1.0, 1.5, 5.0, 11.0),
                                               (0.0, 0.25, 0.5, 0.75))
         if name != "sgd" or mu == 0.0]


@pytest.mark.parametrize("expr", SURFACES)
def test_a_cycle_is_claimed_only_when_the_run_repeats_forever(expr):
    expression = surface_expression(expr)
    false_claims, cycles = [], 0
    for cfg in SWEEP:
        run = descend(expression, STARTS[expr], cfg, iterations=60)
        points, converged_at = oracle(expr, cfg)
        if run.status != "never converges":
            continue
        cycles += 1
        start, period = run.cycle_from, run.period
        repeats = converged_at is None and all(np.array_equal(points[t], points[t + period])
                                               for t in range(start, len(points) - period))
        if not repeats:
            false_claims.append((cfg.name, cfg.lr, cfg.momentum, run.reason))
    assert not false_claims
    if expr == "abs(x)":
        assert cycles > 0  # the sweep does contain real cycles (η = 11 from 10), so the check is not empty


def test_momentum_through_the_same_point_twice_converges():
    """Momentum on x² with η = 0.375, μ = 0.25 from 1: x₂ = x₃ = -0.125 but with different velocities."""
    run = descend(surface_expression("x**2"), (1.0,), OptimizerConfig("momentum", lr=0.375, momentum=0.25), 60)
    assert run.points[2][0] == run.points[3][0] == -0.125
    assert run.status == "converged" and run.cycle_from is None and abs(run.points[-1][0]) < 1e-6


def test_the_step_size_cycle_starts_at_step_0_and_runs_to_the_end():
    run = descend(surface_expression("abs(x)"), (10.0,), OptimizerConfig("sgd", lr=11.0), 30, min_value=0.0)
    assert run.status == "never converges" and (run.cycle_from, run.period) == (0, 2)
    assert run.iterations == 30 and [p[0] for p in run.points] == [10.0, -1.0] * 15 + [10.0]
    assert "10 ↔ -1" in run.reason


@pytest.mark.parametrize("cfg", [OptimizerConfig("adam", lr=0.5), OptimizerConfig("sgd", lr=1.0, schedule="step",
                                                                                   step_every=5, gamma=0.5),
                                 OptimizerConfig("sgd", lr=1.0, schedule="cosine", total=50)])
def test_the_iteration_count_is_part_of_the_state_while_updates_depend_on_it(cfg):
    opt = Optimizer([], cfg)
    assert opt.state_key()[1] == 0
    opt.t = 10_000_000 if cfg.name == "adam" else 60  # bias corrections rounded to 1; the schedule has settled
    settled = opt.state_key()[1] is None
    assert settled == (cfg.schedule != "step")
