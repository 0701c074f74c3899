"""The surface lab's work budget: a race is cached on its inputs, and a link that asks for more work than one
page may cost runs fewer iterations and says so (issue 15: one link made the server work for 47 s per student)."""

from dataclasses import replace

import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES
from playground.surfaces.race import STATUS, STEP_OVERHEAD_NODES, WORK_BUDGET, graph_size, run_race
from playground.surfaces.state import MAX_ITERATIONS, SurfaceState
from tests.apptest import open_page

LONG_F = " + ".join(f"{i % 7 + 1}*sin(x*{i % 5 + 1})*cos(y*{i % 3 + 1})" for i in range(30))  # 301 operations
SIX_RUNS = "adam:lr=0.01;sgd:lr=0.001;momentum:lr=0.001;rmsprop:lr=0.01;adagrad:lr=0.1;nesterov:lr=0.001"
HEAVY = SurfaceState("custom", LONG_F, (-3.0, 3.0), (-3.0, 3.0), (0.5, 0.5),
                     tuple(OptimizerConfig("adam", lr=0.001 * (i + 1)) for i in range(6)), MAX_ITERATIONS, 0.0,
                     MAX_ITERATIONS)


def work_done(race) -> int:
    """Node-steps the race's runs took: iterations × (f's operations + the optimizer step), over every run."""
    nodes = graph_size(race.expression)
    return sum(r.descent.iterations for r in race.runs) * (nodes + STEP_OVERHEAD_NODES)


def test_the_same_race_is_computed_once():
    state = SurfaceState.for_surface("Beale", iterations=80, frame=3)
    race = run_race(state)
    assert run_race(state) is race  # a second student with the same link
    assert run_race(replace(state, view="3d")) is race and run_race(replace(state, frame=70)) is race  # toggle, Step
    other = run_race(replace(state, runs=(OptimizerConfig("adam", lr=0.2),)))
    assert other is not race and other.z is race.z  # new rows on the same surface: the same grid


def test_an_over_budget_race_runs_fewer_iterations_and_says_why():
    race = run_race(HEAVY)
    assert work_done(race) <= WORK_BUDGET < len(HEAVY.runs) * MAX_ITERATIONS * graph_size(race.expression)
    assert 0 < race.frames < MAX_ITERATIONS
    assert "server time" in race.notice and f"first {race.frames:,} iterations" in race.notice


@pytest.mark.parametrize("name", list(SURFACES))
def test_every_preset_runs_all_iterations_the_slider_allows(name):
    state = SurfaceState.for_surface(name, iterations=MAX_ITERATIONS)
    race = run_race(replace(state, runs=state.runs * 2))  # six runs, the most a table holds
    assert race.notice is None and work_done(race) <= WORK_BUDGET


def test_an_over_budget_link_opens_with_the_message():
    at = open_page("surfaces/view.py", surface="custom", f=LONG_F, xr="-3,3", yr="-3,3", start="0.5,0.5",
                   runs=SIX_RUNS, iters=str(MAX_ITERATIONS), tol="0")
    assert any("server time" in w.value for w in at.warning)
    statuses = list(at.table[-1].value[STATUS])
    assert len(statuses) == 6 and not any(f"after {MAX_ITERATIONS} steps" in s for s in statuses)
