"""The surface lab's figures: maps to scale, 3-D paths on the surface, and every chart in words."""

import numpy as np
import pytest

from playground.surfaces.figures import contour_figure, label_position, shown_z, surface3d_figure
from playground.surfaces.race import run_race
from playground.surfaces.state import SurfaceState
from playground.surfaces.words import describe_losses, describe_map
from tests.apptest import open_page


def beale(x, y):  # by hand, not through the engine
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


@pytest.mark.parametrize("name", ["Ill-conditioned ravine", "Himmelblau", "Rosenbrock"])
def test_a_contour_map_has_equal_units_on_both_axes(name):
    fig = contour_figure(run_race(SurfaceState.for_surface(name)), 5)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1


def test_a_sliver_of_a_range_is_stretched_and_says_so():
    race = run_race(SurfaceState("custom", "x**2 + y**2", (-100.0, 100.0), (-1.0, 1.0), (50.0, 0.5)))
    assert contour_figure(race, 5).layout.yaxis.scaleanchor is None
    assert "axes not to scale" in describe_map(race, 5, "contour")


def test_a_3d_path_follows_the_surface_between_iterates():
    race = run_race(SurfaceState.for_surface("Beale", iterations=20))
    fig = surface3d_figure(race, 20)
    surface_z = shown_z(race.z)[0]  # the heights the surface is drawn from (sent as float32)
    np.testing.assert_allclose(fig.data[0].z, surface_z, rtol=1e-6)
    lift = 0.01 * float(np.ptp(surface_z[np.isfinite(surface_z)]))
    for trace, run in zip(fig.data[1:], race.runs, strict=True):
        x, y, z = (np.asarray(v, dtype=float) for v in (trace.x, trace.y, trace.z))
        assert len(x) > 3 * run.descent.iterations  # samples between the iterates, not one chord per step
        np.testing.assert_allclose(z - lift, beale(x, y), rtol=1e-9, atol=1e-9)  # on the surface, just above
        dots = np.asarray(trace.marker.size) > 0
        np.testing.assert_allclose(np.column_stack([x[dots], y[dots]]), run.descent.points)


def captions(at) -> str:
    return " ".join(c.value for c in at.caption).replace("\\", "")  # as read: Markdown escapes removed


def test_every_chart_has_its_words_on_the_page():
    at = open_page("surfaces/view.py", surface="Himmelblau", frame="10")
    race = run_race(SurfaceState.for_surface("Himmelblau", frame=10))
    assert describe_map(race, 10, "contour") in captions(at) and describe_losses(race, 10) in captions(at)
    for run in race.runs:
        assert run.label.split(" ")[0] in describe_map(race, 10, "contour")
        assert run.label.split(" ")[0] in describe_losses(race, 10)
    at = open_page("surfaces/view.py", surface="Himmelblau", view="3d")
    assert "3-D surface of f(x, y) = (x**2 + y - 11)**2" in captions(at)


def test_3d_axes_and_colour_scales_use_powers_of_ten_never_si_prefixes():
    race = run_race(SurfaceState.for_surface("Beale"))  # f up to 1.8 × 10⁵: was labelled 180k
    fig = surface3d_figure(race, 5)
    assert {fig.layout.scene[a].exponentformat for a in ("xaxis", "yaxis", "zaxis")} == {"power"}
    for figure in (fig, contour_figure(race, 5)):
        assert figure.data[0].colorbar.exponentformat == "power"


def test_every_play_frame_holds_each_path_up_to_its_iteration():
    from playground.surfaces import controls
    from playground.surfaces.figures import MAX_FRAMES, curve_figure

    beale = run_race(SurfaceState.for_surface("Beale", iterations=120))
    lesson = run_race(controls.step_size_lesson())
    for race, figure, dots in ((beale, contour_figure, False), (beale, surface3d_figure, True),
                               (lesson, curve_figure, False)):
        frames = figure(race, 0).to_dict()["frames"]
        assert 2 < len(frames) <= MAX_FRAMES and frames[-1]["name"] == str(race.frames)
        for frame in frames:
            k = int(frame["name"])
            paths = [t for t in frame["data"] if "x" in t and t.get("mode") != "text"]
            if not dots:
                paths = paths[::2] if figure is contour_figure else paths  # the map also moves each run's dot
            for run, trace in zip(race.runs, paths, strict=True):
                shown = sum(s > 0 for s in trace["marker"]["size"]) if dots else len(trace["x"])
                assert shown == min(k, run.descent.iterations) + 1, (figure.__name__, k, run.label)
                x = trace["x"][np.flatnonzero(trace["marker"]["size"])[-1]] if dots else trace["x"][-1]
                assert x == pytest.approx(run.descent.points[min(k, run.descent.iterations)][0], abs=1e-3)


def test_the_map_draws_no_grid_over_its_colours():
    """While Play runs only the picture of the bands is left under the paths; a grid over it read as contours."""
    layout = contour_figure(run_race(SurfaceState()), 0).layout
    assert layout.xaxis.showgrid is False and layout.yaxis.showgrid is False
    assert any(image.layer == "below" and image.source.startswith("data:image/png") for image in layout.images)


def test_the_map_says_its_iteration_on_the_play_row_under_it_in_every_frame():
    """Not inside the map's top-right corner (it hid the corner, and on a phone ran into the colour bar's f)."""
    race = run_race(SurfaceState.for_surface("Himmelblau", iterations=60))
    spec = contour_figure(race, 7).to_dict()
    (label,) = spec["layout"]["annotations"]
    assert label["text"] == "iteration 7"
    assert label["yref"] == "paper" and label["y"] == 0 and label["yshift"] < -36  # under the plot, past its ticks
    (row,) = spec["layout"]["updatemenus"]
    assert row["y"] == 0 and row["yanchor"] == "top" and row["pad"]["t"] < -label["yshift"]  # on the buttons' row
    assert not any(t.get("mode") == "text" for t in spec["data"])  # no label drawn in the map itself
    for frame in spec["frames"]:
        assert frame["layout"]["annotations"][0]["text"] == f"iteration {frame['name']}"


@pytest.mark.parametrize("start,expected", [
    ((-3.5, 1.5), "bottom right"),  # the ravine's start, by the top-left corner: "race st…" was cut off there
    ((0.0, 0.0), "top center"),
    ((3.5, -1.5), "top left"),
    ((-3.5, -1.5), "top right"),
])
def test_the_start_label_runs_away_from_the_nearer_edge(start, expected):
    race = run_race(SurfaceState(start=start, iterations=5, frame=5))  # the ravine: x from -4 to 4, y from -2 to 2
    assert label_position(start, race) == expected
    marker = next(t for t in contour_figure(race, 5).data if getattr(t, "mode", None) == "markers+text")
    assert marker.textposition == expected and tuple(marker.x + marker.y) == start


def test_the_map_in_words_says_when_a_run_stopped_before_the_iteration_shown():
    """The fifth review: on x*y the caption put Momentum 'at iteration 100' where its run had stopped (diverged)
    at step 92, as the table said."""
    state = SurfaceState(surface="custom", expr="x*y")  # the default runs and start, as /surfaces?f=x*y
    race, frame = run_race(state), state.iterations
    text = describe_map(race, frame, "contour")
    stopped = [run for run in race.runs if run.descent.iterations < frame]
    assert stopped  # the claim needs a run that ended early
    for run in stopped:
        assert f"{run.label} at " in text and f"(stopped at iteration {run.descent.iterations})" in text
    for run in race.runs:
        if run.descent.iterations >= frame:
            assert f"{run.label} at" in text and f"{run.label} (stopped" not in text
