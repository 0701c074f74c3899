"""The live η / μ sliders' model: every path of a sweep is the path ``descend`` takes with that η and μ, and the
figure's two sliders together show exactly one path."""

import numpy as np
import pytest

from engine import EngineError
from engine.formatting import format_number
from labs.optim import OptimizerConfig
from labs.surfaces import SURFACES, descend, elementwise, surface_expression, sweep
from playground.surfaces.live import NOTE_CHARACTERS, explorer_figure, grid, note_lines, run_sweep, sweep_note
from playground.surfaces.numbers import readable, readable_point
from playground.surfaces.race import run_race
from playground.surfaces.state import SurfaceState

CASES = [("Ill-conditioned ravine", OptimizerConfig("momentum", lr=0.1, momentum=0.4)),
         ("Rosenbrock", OptimizerConfig("nesterov", lr=0.001)),  # its larger η diverge
         ("Himmelblau", OptimizerConfig("adam", lr=0.1, weight_decay=0.01)),
         ("Beale", OptimizerConfig("rmsprop", lr=0.01, clip_value=1.0, schedule="cosine", total=40))]


@pytest.mark.parametrize("name,cfg", CASES, ids=[c[0] for c in CASES])
def test_every_swept_path_is_descend_s_path(name, cfg):
    surface = SURFACES[name]
    expression = surface_expression(surface.expr)
    lrs, momenta = grid(cfg)
    found = sweep(expression, surface.start, cfg, lrs, momenta, 40)
    endings = set()
    for (i, j), end in np.ndenumerate(found.ends):
        run = descend(expression, surface.start, OptimizerConfig(**{**cfg.__dict__, "lr": lrs[i],
                                                                   "momentum": momenta[j]}), 40)
        endings.add(run.status)
        assert end == run.iterations
        np.testing.assert_allclose(found.points[i, j, : end + 1], run.points, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(found.grads[i, j, : end + 1], run.grads, rtol=1e-9, atol=1e-12)
    if name == "Rosenbrock":
        assert "diverged" in endings  # the sweep stops a diverging run where descend does


def test_a_grid_holds_the_run_s_own_eta_and_mu_and_momentum_only_for_momentum_methods():
    lrs, momenta = grid(OptimizerConfig("momentum", lr=0.09, momentum=0.4))
    assert 0.09 in lrs and 0.4 in momenta and len(momenta) > 5 and lrs.min() < 0.09 / 4 < 0.09 * 2 < lrs.max()
    assert len(grid(OptimizerConfig("adam", lr=0.3))[1]) == 1


def test_an_f_that_mixes_points_or_a_norm_clip_is_not_swept():
    assert not elementwise(surface_expression("x**2 + sum(y)"))
    assert elementwise(surface_expression("max(x, y) + y**2"))
    with pytest.raises(EngineError):
        sweep(surface_expression("x**2 + y**2"), (1, 1), OptimizerConfig(clip_norm=1.0), [0.1], [0.9], 5)
    race = run_race(SurfaceState(expr="x**2 + y**2", surface="custom", runs=(OptimizerConfig(clip_norm=1.0),)))
    assert run_sweep(race, race.runs[0])[0] is None


def test_the_two_sliders_show_one_path_and_its_arrows_at_the_iteration_shown():
    race = run_race(SurfaceState(iterations=30, frame=30))
    index = 1  # the ravine's momentum row
    found, _ = run_sweep(race, race.runs[index])
    spec = explorer_figure(race, index, found, 7).to_dict()
    eta, mu = spec["layout"]["sliders"]
    for i in (0, len(found.lrs) - 1):
        for j in (0, len(found.momenta) - 1):
            visible, opacity = eta["steps"][i]["args"][0]["visible"], mu["steps"][j]["args"][0]["opacity"]
            shown = [t for t, v, o in zip(spec["data"], visible, opacity, strict=True)
                     if v and o and t.get("name", "").startswith(("path", "gradient", "velocity"))]
            k = min(7, int(found.ends[i, j]))
            names = sorted(t["name"].split(" η=")[0] for t in shown)
            # a run that stopped (diverged) before iteration 7 has no next step, so no velocity to draw
            assert names == ["gradient arrow", "path"] + (["velocity arrow"] if k < found.ends[i, j] else [])
            path = next(t for t in shown if t["name"].startswith("path"))
            assert path["name"] == f"path η={format_number(found.lrs[i])}, μ={format_number(found.momenta[j])}"
            np.testing.assert_allclose(np.column_stack([path["x"], path["y"]]), found.points[i, j, : k + 1],
                                       atol=1e-3)


def test_on_a_curve_the_eta_slider_switches_between_descend_s_paths_along_f():
    from playground.surfaces import controls

    race = run_race(controls.step_size_lesson())  # |x| from 10, SGD with steps 1, 5, 11
    found, _ = run_sweep(race, race.runs[1])
    spec = explorer_figure(race, 1, found, 30).to_dict()
    (eta,) = spec["layout"]["sliders"]  # SGD has no μ to drag
    expression = surface_expression("abs(x)")
    for i, lr in enumerate(found.lrs):
        visible = eta["steps"][i]["args"][0]["visible"]
        (path,) = [t for t, v in zip(spec["data"], visible, strict=True) if v and t.get("name", "").startswith("path")]
        run = descend(expression, (10.0,), OptimizerConfig("sgd", lr=float(lr)), 30)
        np.testing.assert_allclose(path["x"], run.points[:, 0], atol=1e-3)
        np.testing.assert_allclose(path["y"], run.losses, atol=1e-3)  # each point drawn on the curve f(x)
    assert 10.0 in found.lrs  # from η = 5, the slider reaches the step that lands on the minimum at once


# --- the play review: η = 0.2 drew lines shooting off the map, with no word of why or where the arrows went ---

def ravine_sweep(frame: int):
    race = run_race(SurfaceState(iterations=100, frame=frame))
    found, _ = run_sweep(race, race.runs[1])  # momentum, η = 0.1, μ = 0.4
    return race, found, list(found.lrs).index(0.2), list(found.momenta).index(0.4)


def test_a_diverging_eta_and_mu_says_so_and_where_its_point_and_arrows_are():
    race, found, i, j = ravine_sweep(100)
    run = descend(surface_expression(race.expression.text), (-3.5, 1.5),
                  OptimizerConfig("momentum", lr=0.2, momentum=0.4), 100)
    assert run.status == "diverged"
    end = run.stopped_at
    off = next(t for t, (x, y) in enumerate(run.points) if not (-4 <= x <= 4 and -2 <= y <= 2))
    note = sweep_note(race, found, i, j, 100)
    assert note == (f"η = 0.2, μ = 0.4 diverges: f grows from {readable(run.losses[0])} to {readable(run.losses[-1])} "
                    f"by iteration {end}. It leaves the map at iteration {off}. At iteration {end} (where the run "
                    f"stops), the point and its arrows are at {readable_point(run.points[end])}, off the map.")
    _, found_early, *_ = ravine_sweep(1)  # before the run stops: where the point is at the iteration shown
    assert sweep_note(race, found_early, i, j, 1).endswith(
        f"At iteration 1, the point and its arrows are at {readable_point(run.points[1])}, off the map.")
    own = list(found.lrs).index(0.1)
    assert sweep_note(race, found, own, j, 100) is None  # the table's own run converges on the map


def test_the_note_shows_with_its_eta_and_mu_only_above_the_map():
    race, found, i, j = ravine_sweep(100)
    spec = explorer_figure(race, 1, found, 100).to_dict()
    eta, mu = spec["layout"]["sliders"]
    for a in range(len(found.lrs)):
        for b in range(len(found.momenta)):
            visible, opacity = eta["steps"][a]["args"][0]["visible"], mu["steps"][b]["args"][0]["opacity"]
            notes = [t["text"][0] for t, v, o in zip(spec["data"], visible, opacity, strict=True)
                     if v and o and t.get("name") == "note"]
            expected = sweep_note(race, found, a, b, 100)
            assert notes == ([] if expected is None else ["<br>".join(note_lines(expected))])
            if (a, b) == (i, j):
                assert notes and "diverges" in notes[0]
    note = next(t for t in spec["data"] if t.get("name") == "note")
    assert note["y"] == [float(race.ys[-1])] and note["textposition"] == "top right"  # over the map's top edge
    assert all(len(line) <= NOTE_CHARACTERS for line in note["text"][0].split("<br>"))


def test_a_step_that_jumps_off_the_map_and_back_says_so_and_where_the_point_is_only_when_it_is_off():
    from playground.surfaces import controls

    race = run_race(controls.step_size_lesson())  # |x| from 10 on -12 … 12; the run with η = 11
    found, _ = run_sweep(race, race.runs[2])
    i = list(found.lrs).index(31.0)
    path = descend(surface_expression("abs(x)"), (10.0,), OptimizerConfig("sgd", lr=31.0), 30).points[:, 0]
    assert list(path[:3]) == [10, -21, 10]  # off the map and back, for ever
    at_end = sweep_note(race, found, i, 0, 30)
    assert at_end.startswith("η = 31 goes off the map and back: f is 10 at iteration 30, as at the start.")
    assert "falls" not in at_end and "the point and its arrows" not in at_end  # at iteration 30 it is on the map
    assert sweep_note(race, found, i, 0, 29).endswith(
        f"At iteration 29, the point and its arrows are at {readable_point(path[29:30])}, off the map.")
