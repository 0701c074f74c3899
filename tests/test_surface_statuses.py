"""How a run ended, in words that say what happened: on x*y (a saddle, unbounded below) every run that goes
downhill without end is 'running off downhill', whether it left the |p| bound (momentum) or not yet (SGD), and
'diverged' is kept for blow-ups: NaN/inf, or f growing as the steps overshoot."""

import numpy as np
import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import BOUND, descend, leaving_downhill, speeding_downhill, surface_expression
from playground.surfaces.numbers import parse_readable
from playground.surfaces.race import STATUS, STEPS_TO_TOLERANCE, results_rows, run_race, status_text
from playground.surfaces.state import SurfaceState
from playground.surfaces.words import off_the_map
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


# --- the review: on x*y from the lab's start, AdaGrad (f = -632.8, off the map) read only "still moving" ---

def xy_race(iterations: int = 100):
    return run_race(SurfaceState(surface="custom", expr="x*y", iterations=iterations, frame=iterations))


@pytest.mark.parametrize("iterations", [100, 500])
def test_every_run_that_falls_without_end_says_running_off_whatever_the_optimizer(iterations):
    race = xy_race(iterations)  # the ravine's rows: SGD, momentum and AdaGrad
    assert {r.cfg.name for r in race.runs} == {"sgd", "momentum", "adagrad"}
    statuses = [row[STATUS] for row in results_rows(race)]
    assert all(s.startswith("running off downhill") and s.endswith("no minimum in reach") for s in statuses), statuses
    adagrad = next(r.descent for r in race.runs if r.cfg.name == "adagrad")
    text = status_text(adagrad)
    # its numbers: f where it ended, below the lowest f on the map (x*y over [-4, 4] × [-2, 2]: -8 at the corners)
    assert parse_readable(text.split("f = ")[1].split(",")[0]) == pytest.approx(adagrad.losses[-1], rel=1e-3)
    floor = parse_readable(text.split("on the map (")[1].split(")")[0])
    assert floor == pytest.approx(float(np.min(race.z)), rel=1e-3) and adagrad.losses[-1] < floor


def test_a_run_reaching_for_a_minimum_just_off_the_map_is_not_running_off():
    # f's minimum is at x = 6, off the map [-2, 2]: the run leaves the map below the map's lowest f, but slows down
    race = race_on("(x - 6)**2 + y**2", (1.0, 0.5), OptimizerConfig("sgd", lr=0.05), OptimizerConfig("adam", lr=0.1))
    for run in race.runs:
        assert run.descent.losses[-1] < float(np.min(race.z)) and run.descent.points[-1][0] > 2  # off, and lower
        assert run.descent.status != "running off", status_text(run.descent)
    # nor is a crawl along Rosenbrock's valley, on its own map
    assert race_on(ROSENBROCK, (-1.5, 2.0), OptimizerConfig("sgd", lr=0.001), iterations=500).runs[0].descent.status \
        == "still moving"


@pytest.mark.parametrize("last_point,last_loss,norms,expected", [
    ((5.0, 0.0), -20.0, range(12), True),  # off the map, below it, falling, the slope steepening
    ((1.0, 0.0), -20.0, range(12), False),  # still on the map
    ((5.0, 0.0), -5.0, range(12), False),  # not below the map's lowest f (-8)
    ((5.0, 0.0), -20.0, range(12, 0, -1), False),  # the slope flattening: a minimum ahead
])
def test_leaving_downhill(last_point, last_loss, norms, expected):
    losses = np.linspace(0.0, last_loss, 12)
    points = np.vstack([np.zeros((11, 2)), last_point])
    grads = np.column_stack([np.asarray(list(norms), dtype=float), np.zeros(12)])
    assert leaving_downhill(points, losses, grads, ((-4, 4), (-2, 2)), -8.0) is expected


def test_without_a_known_minimum_there_is_no_steps_to_tolerance_column():
    assert all(STEPS_TO_TOLERANCE not in row for row in results_rows(xy_race()))
    ravine = run_race(SurfaceState())
    assert all(row[STEPS_TO_TOLERANCE].isdigit() for row in results_rows(ravine))


def test_the_x_times_y_page_says_every_path_leaves_the_map_and_marks_no_minimum():
    at = open_page("surfaces/view.py", surface="custom", f="x*y")
    assert STEPS_TO_TOLERANCE not in at.table[-1].value.columns
    assert all(s.startswith("running off downhill") for s in at.table[-1].value[STATUS])
    key = next(c.value for c in at.caption if c.value.startswith("Click anywhere on the contour map"))
    assert "✕ start" in key and "★" not in key
    race = xy_race()
    left = [info.value for info in at.info if "leaves the map" in info.value]
    assert len(left) == 1 and left[0].startswith("Every path leaves the map (x from -4 to 4, y from -2 to 2)")
    for run in race.runs:  # the iteration it names is the first one off the map
        at_ = int(left[0].split(run.label + " at iteration ")[1].split(";")[0].split(".")[0])
        x, y = run.descent.points[at_]
        assert not (-4 <= x <= 4 and -2 <= y <= 2)
        assert all(-4 <= a <= 4 and -2 <= b <= 2 for a, b in run.descent.points[:at_])


def test_the_ravine_page_marks_its_minimum_and_its_paths_stay_on_the_map():
    at = open_page("surfaces/view.py")
    key = next(c.value for c in at.caption if c.value.startswith("Click anywhere on the contour map"))
    assert "★ minimum" in key
    assert not [info.value for info in at.info if "leaves the map" in info.value]
    assert STEPS_TO_TOLERANCE in at.table[-1].value.columns


def test_a_curve_f_x_says_when_its_path_leaves_the_plotted_x_range():
    lesson = run_race(SurfaceState.for_surface("|x| (step-size lesson)"))
    assert off_the_map(lesson) is None  # 10 ↔ -1 stays inside -12 … 12
    race = run_race(SurfaceState(surface="custom", expr="x**3", x_range=(-2.0, 2.0), start=(-0.5, 0.0),
                                 runs=(OptimizerConfig("sgd", lr=0.1),)))
    x = race.runs[0].descent.points[:, 0]
    first = int(np.argmax(x < -2))
    assert x[first] < -2 and first > 0
    assert off_the_map(race) == (f"The path leaves the map (x from -2 to 2): SGD (η=0.1) at iteration {first}. "
                                 "The results table says where each one ended.")
