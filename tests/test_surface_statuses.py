"""How a run ended, in words that say what happened: on x*y (a saddle, unbounded below) every run that goes
downhill without end is 'running off downhill', whether it left the |p| bound (momentum) or not yet (SGD), and
'diverged' is kept for blow-ups: NaN/inf, or f growing as the steps overshoot."""

import numpy as np
import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import BOUND, descend, speeding_downhill, surface_expression
from playground.surfaces.numbers import parse_readable
from playground.surfaces.race import STATUS, results_rows, run_race, status_text
from playground.surfaces.state import SurfaceState
from tests.apptest import open_page

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"


def race_on(expr: str, start, *runs: OptimizerConfig, iterations: int = 100):
    return run_race(SurfaceState(surface="custom", expr=expr, start=start, runs=runs, iterations=iterations,
                                 frame=iterations, x_range=(-2.0, 2.0), y_range=(-1.0, 3.0)))


def test_on_x_times_y_the_runs_that_leave_the_bound_and_those_that_dont_yet_say_the_same():
    race = race_on("x*y", (1.0, 0.5), OptimizerConfig("sgd", lr=0.1), OptimizerConfig("momentum", lr=0.1),
                   OptimizerConfig("adam", lr=0.1))
    sgd, momentum, adam = (r.descent for r in race.runs)
    assert momentum.stopped_at is not None and np.abs(momentum.points[-1]).max() > BOUND  # it left the bound...
    assert sgd.stopped_at is None and np.abs(sgd.points[-1]).max() < BOUND  # ... the others are still in it
    statuses = [row[STATUS] for row in results_rows(race)]
    assert all(s.startswith("running off downhill") and s.endswith("no minimum in reach") for s in statuses)
    assert not any("diverged" in s or "still moving" in s for s in statuses)
    for d in (sgd, momentum, adam):
        assert d.losses[-1] < d.losses[0] and d.losses[-1] == d.losses.min()  # what the words say: downhill


def test_the_numbers_in_a_running_off_status_are_the_run_s():
    race = race_on("x*y", (1.0, 0.5), OptimizerConfig("sgd", lr=0.1), OptimizerConfig("momentum", lr=0.1))
    sgd, momentum = race.runs
    text = status_text(sgd.descent)
    assert f"after {sgd.descent.iterations} steps" in text
    assert parse_readable(text.split("f = ")[1].split(",")[0]) == pytest.approx(sgd.descent.losses[-1], rel=1e-3)
    assert parse_readable(text.split("‖∇f‖ = ")[1].split(")")[0]) == pytest.approx(
        np.linalg.norm(sgd.descent.grads[-1]), rel=5e-3)
    text = status_text(momentum.descent)
    assert f"at step {momentum.descent.stopped_at};" in text
    assert parse_readable(text.split("f = ")[1].split(" and")[0]) == pytest.approx(momentum.descent.losses[-1],
                                                                                   rel=1e-3)


def test_a_step_too_large_still_diverges_and_says_f_grew():
    race = race_on(ROSENBROCK, (-1.5, 2.0), OptimizerConfig("sgd", lr=0.01))
    d = race.runs[0].descent
    assert d.status == "diverged" and d.losses[-1] > d.losses[0]
    text = status_text(d)
    assert text.startswith(f"diverged at step {d.stopped_at}: f grew to") and "overshoot" in text
    assert parse_readable(text.split("grew to ")[1].split(",")[0]) == pytest.approx(d.losses[-1], rel=1e-3)


def test_nan_is_diverged_and_minus_infinity_is_running_off():
    nan = descend(surface_expression("sqrt(x) + y**2"), (1.0, 1.0), OptimizerConfig("sgd", lr=5.0), 20)
    assert nan.status == "diverged" and status_text(nan) == f"diverged at step {nan.stopped_at}: f = NaN"
    down = descend(surface_expression("-exp(x) + y**2"), (1.0, 1.0), OptimizerConfig("sgd", lr=0.5), 20)
    assert down.status == "running off" and down.losses[-1] == -np.inf
    assert status_text(down) == f"running off downhill: f reached -inf at step {down.stopped_at}; no minimum in reach"


def test_a_slow_crawl_along_a_valley_is_still_moving_not_running_off():
    # SGD along Rosenbrock's valley speeds up by 0.25 % in its last 10 steps: a minimum is ahead
    d = descend(surface_expression(ROSENBROCK), (-1.5, 2.0), OptimizerConfig("sgd", lr=0.001), 100)
    assert d.status == "still moving"
    # with the minimum known, a run is never said to run off
    d = descend(surface_expression("x*y + 0*x"), (1.0, 0.5), OptimizerConfig("sgd", lr=0.1), 100, min_value=-1.0)
    assert d.status == "still moving"


@pytest.mark.parametrize("losses,norms,expected", [
    ([10, 9, 7.9, 6.7, 5.4, 4.0, 2.5, 0.9, -0.8, -2.6, -4.5, -6.5], range(12), True),  # faster each step
    ([10, 9, 7.9, 6.7, 5.4, 4.0, 2.5, 0.9, -0.8, -2.6, -4.5, -6.5], range(12, 0, -1), False),  # ∇f shrinking
    ([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1], range(12), False),  # a steady fall: not faster
    ([10, 9, 7.9, 6.7, 5.4, 4.0, 2.5, 0.9, -0.8, -2.6, -4.5, -4.4], range(12), False),  # the last step went up
    ([9, 7.9, 6.7, 5.4, 4.0, 2.5, 0.9, -0.8, -2.6, -4.5], range(10), False),  # too short to tell
])
def test_speeding_downhill(losses, norms, expected):
    grads = np.column_stack([np.asarray(list(norms), dtype=float), np.zeros(len(losses))])
    assert speeding_downhill(np.asarray(losses, dtype=float), grads) is expected


def test_the_page_says_running_off_for_every_run_on_x_times_y():
    at = open_page("surfaces/view.py", surface="custom", f="x*y", start="1,0.5",
                   runs="sgd:lr=0.1;momentum:lr=0.1")
    statuses = list(at.table[-1].value[STATUS])
    assert len(statuses) == 2 and all(s.startswith("running off downhill") for s in statuses), statuses
