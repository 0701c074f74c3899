"""Dragging the start point: every path sent for a grid start is the path ``descend`` takes from there, the chart
opens on the race's own start and paths, the grid is round and inside the map, and what is sent stays small."""

import base64
import math
import time
from dataclasses import replace

import numpy as np
import plotly.io as pio
import pytest

from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES, descend, surface_expression, sweep_starts
from playground.surfaces.drag import MAX_POINTS, START_TRACE, drag_caption, drag_figure, run_drag, snap, start_grid
from playground.surfaces.race import run_race
from playground.surfaces.state import MAX_ITERATIONS, SurfaceState
from tests.test_surface_budget import HEAVY


def decoded(spec: dict) -> np.ndarray:
    raw = base64.b64decode(spec["bdata"])
    return np.frombuffer(raw, dtype={"f4": "<f4", "i2": "<i2"}[spec["dtype"]]).reshape(spec["shape"])


@pytest.mark.parametrize("name", ["Rosenbrock", "Himmelblau", "Beale", "Saddle"])
def test_every_start_s_path_is_descend_s_path_from_there(name):
    surface = SURFACES[name]
    expression = surface_expression(surface.expr)
    starts = np.array([[a, b] for a in np.linspace(*surface.x_range, 4)[1:-1]
                       for b in np.linspace(*surface.y_range, 4)[1:-1]])
    endings = set()
    extra = (OptimizerConfig("nesterov", lr=0.01, clip_value=2.0), OptimizerConfig("sgd", lr=0.01))  # this one
    for cfg in (*surface.runs, *extra):  # diverges on Rosenbrock
        found = sweep_starts(expression, starts, cfg, 40)
        for s, start in enumerate(starts):
            run = descend(expression, start, cfg, 40)
            endings.add(run.status)
            assert found.ends[s] == run.iterations
            np.testing.assert_allclose(found.points[s, : run.iterations + 1], run.points, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(found.losses[s, : run.iterations + 1], run.losses, rtol=1e-9, atol=1e-9)
    if name == "Rosenbrock":
        assert "diverged" in endings  # a sweep stops a run where descend does


def test_the_chart_opens_on_the_race_s_start_and_paths_and_carries_every_grid_start_s_paths():
    race = run_race(SurfaceState.for_surface("Himmelblau", iterations=60, frame=25))
    drag, why = run_drag(race)
    assert why is None
    spec = drag_figure(race, drag, 25).to_dict()
    meta = spec["layout"]["meta"]["drag"]
    start = spec["data"][meta["start"]]
    assert start["name"] == START_TRACE and (start["x"][0], start["y"][0]) == tuple(race.runs[0].descent.points[0])
    assert start["text"] == ["race start (-0.5, -0.5)"]  # Himmelblau's start, named as the race's
    index = snap(drag, (2.1, -3.2))  # some grid start near (2, -3)
    x, y = drag.starts[index]
    expression = surface_expression(race.expression.text)
    for r, run_index in enumerate(drag.indices):
        run = race.runs[run_index]
        sent = meta["runs"][r]
        path = spec["data"][sent["path"]]
        assert path["name"] == run.label
        np.testing.assert_allclose(np.column_stack([path["x"], path["y"]]), run.descent.points[:26], atol=1e-3)
        points, ends = decoded(sent["points"]), decoded(sent["ends"])
        assert points.shape == (drag.starts.shape[0], 26, 2)  # up to the iteration shown, no further
        by_hand = descend(expression, (x, y), run.cfg, 25)
        assert ends[index] == by_hand.iterations
        np.testing.assert_allclose(points[index, : ends[index] + 1], by_hand.points, rtol=1e-5, atol=1e-4)
    assert meta["xs"] == drag.xs.tolist() and meta["ys"] == drag.ys.tolist()


def test_snapping_picks_the_nearest_grid_start():
    race = run_race(SurfaceState.for_surface("Ill-conditioned ravine"))
    drag, _ = run_drag(race)
    rng = np.random.default_rng(0)
    for point in rng.uniform((-4, -2), (4, 2), size=(50, 2)):
        distances = np.linalg.norm(drag.starts - point, axis=1)
        assert distances[snap(drag, point)] == pytest.approx(distances.min())


@pytest.mark.parametrize("x_range,y_range,most", [((-4, 4), (-2, 2), 120), ((-5.12, 5.12), (-5.12, 5.12), 80),
                                                 ((-2, 2), (-1, 3), 200), ((0, 0.003), (-100, 100), 50)])
def test_the_grid_is_round_inside_the_map_and_within_its_size(x_range, y_range, most):
    same = 0.2 <= (y_range[1] - y_range[0]) / (x_range[1] - x_range[0]) <= 5
    xs, ys = start_grid(x_range, y_range, most, same)
    assert 4 <= xs.size * ys.size <= most and min(xs.size, ys.size) >= 2
    for values, (low, high) in ((xs, x_range), (ys, y_range)):
        assert low < values.min() and values.max() < high
        step = values[1] - values[0]
        np.testing.assert_allclose(np.diff(values), step)
        mantissa = step / 10 ** math.floor(math.log10(step))
        assert round(mantissa, 6) in (1, 2, 2.5, 5)  # the snapped start reads (-1.5, 0.5), not (-1.4667, 0.4667)
    if same:
        assert xs[1] - xs[0] == pytest.approx(ys[1] - ys[0])


@pytest.mark.parametrize("name", list(SURFACES))
def test_what_is_sent_and_computed_stays_small(name):
    state = SurfaceState.for_surface(name, iterations=MAX_ITERATIONS)
    race = run_race(replace(state, runs=state.runs * 2))  # six runs, the most a table holds
    if race.dims == 1:
        return
    drag, _ = run_drag(race)
    assert len(drag.indices) * drag.starts.shape[0] * (drag.iterations + 1) <= MAX_POINTS
    assert drag.xs.size * drag.ys.size >= 20  # still a grid to drag over (7 × 3 for six runs of 150 on the ravine)
    assert len(pio.to_json(drag_figure(race, drag, MAX_ITERATIONS), validate=False)) < 900_000


def test_a_long_f_sweeps_fewer_iterations_within_its_time():
    race = run_race(HEAVY)
    began = time.process_time()
    drag, _ = run_drag(replace(race, tolerance=race.tolerance + 1e-12))  # not cached by an earlier test
    spent = time.process_time() - began
    assert drag.iterations < race.frames and spent < 1.0


def test_an_f_that_mixes_points_is_not_dragged_and_a_norm_clipped_run_is_named():
    race = run_race(SurfaceState(expr="x**2 + sum(y)", surface="custom"))
    assert run_drag(race)[0] is None and "mixes points" in run_drag(race)[1]
    clipped = OptimizerConfig("sgd", lr=0.1, clip_norm=1.0)
    race = run_race(SurfaceState(expr="x**2 + y**2", surface="custom", runs=(OptimizerConfig("adam", lr=0.1), clipped)))
    drag, _ = run_drag(race)
    assert drag.indices == (0,) and drag.left_out == (race.runs[1].label,)
    assert race.runs[1].label in drag_caption(race, drag, 10)


def test_the_caption_says_the_start_snaps_and_which_start_the_numbers_are_for():
    race = run_race(SurfaceState.for_surface("Ill-conditioned ravine", iterations=300, frame=300))
    drag, _ = run_drag(race)
    caption = drag_caption(race, drag, 300)
    assert "snaps to the nearest point of a grid every 0.5" in caption
    assert f"to iteration {drag.iterations}" in caption and drag.iterations < 300  # the sweep's own length
    assert "stay with the race's start (-3.5, 1.5)" in caption and "Start the race here" in caption
