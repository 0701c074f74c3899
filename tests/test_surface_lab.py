"""The surface lab: the race model, the figures, and the page through AppTest (its state: test_surfaces_state.py)."""


import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from labs.optim import OptimizerConfig
from playground.surfaces.figures import contour_figure, curve_figure, loss_figure, surface3d_figure
from playground.surfaces.race import STATUS, STEPS_TO_TOLERANCE, results_rows, run_race, stepper_query
from playground.surfaces.state import SurfaceState
from tests.apptest import open_page

LESSON = "|x| (step-size lesson)"


def lesson_race():
    runs = tuple(OptimizerConfig("sgd", lr=lr) for lr in (1.0, 5.0, 11.0))
    return run_race(SurfaceState.for_surface(LESSON, runs=runs, iterations=30))


def test_step_size_lesson_table():
    rows = results_rows(lesson_race())
    assert [r[STATUS] for r in rows] == ["converged at step 10", "converged at step 2",
                                           "never converges: cycle 10 ↔ -1 from step 0"]
    assert [r[STEPS_TO_TOLERANCE] for r in rows] == ["10", "2", "not reached"]


def test_default_race_shows_the_ravine_lesson():
    rows = results_rows(run_race(SurfaceState()))
    steps = {r["optimizer"].split(" ")[0]: r[STEPS_TO_TOLERANCE] for r in rows}
    assert int(steps["Momentum"]) < int(steps["SGD"]) and int(steps["AdaGrad"]) < int(steps["SGD"])


def test_start_outside_the_range_is_a_clear_error():
    from engine import EngineError
    with pytest.raises(EngineError, match="outside the plotted range"):
        run_race(SurfaceState(start=(50.0, 0.0)))


def test_figures_hold_every_path_up_to_the_frame():
    race = run_race(SurfaceState())
    fig = contour_figure(race, frame=5)
    paths = [t for t in fig.data if t.name in {r.label for r in race.runs}]
    assert len(paths) == 3 and all(len(t.x) == 6 for t in paths)
    assert any(t.name == "click grid" for t in fig.data)
    assert len(surface3d_figure(race, 5).data) == 4
    assert fig.layout.clickmode == "event+select"
    loss = loss_figure(race, 5)
    assert loss.layout.yaxis.type == "log" and len(loss.data) == 3
    curve = curve_figure(lesson_race(), 2)
    assert list(curve.data[3].x) == [10.0, -1.0, 10.0]


def test_stepper_link_query_opens_the_same_expression():
    race = lesson_race()
    query = stepper_query(race, np.array([-1.0]))
    assert query["expr"] == "abs(x)" and query["at"] == "x=-1.0"


def start_page(**query) -> AppTest:
    return open_page("surfaces/view.py", **query)


def results(at):
    return at.table[-1].value


def test_page_default_race():
    at = start_page()
    table = results(at)
    assert list(table["optimizer"])[0].startswith("SGD") and len(table) == 3
    assert at.query_params["surface"] in (["Ill-conditioned ravine"], "Ill-conditioned ravine")


def test_page_step_size_lesson_button():
    at = start_page()
    at.button(key="surfaces_lesson").click().run()
    assert not at.exception
    assert list(results(at)[STATUS]) == ["converged at step 10", "converged at step 2",
                                           "never converges: cycle 10 ↔ -1 from step 0"]


def test_page_restores_from_url_and_switches_surface():
    at = start_page(surface="Rosenbrock", f="(1 - x)**2 + 100*(y - x**2)**2", xr="-2,2", yr="-1,3",
                    start="-1.5,2", runs="adam:lr=0.05;sgd:lr=0.01", iters="300", frame="40")
    table = results(at)
    assert list(table["optimizer"]) == ["Adam (η=0.05)", "SGD (η=0.01)"]
    assert table[STATUS][1].startswith("diverged at step")
    at.selectbox(key="surfaces_surface").select("Himmelblau").run()
    assert not at.exception and at.text_input(key="surfaces_expr").value.startswith("(x**2 + y - 11)")
    assert at.number_input(key="surfaces_start_x").value == -0.5 and at.slider(key="surfaces_frame").value == 300
    assert list(results(at)["optimizer"]) == ["Adam (η=0.05)", "SGD (η=0.01)"]  # the runs stay


def test_page_bad_inputs_give_messages_not_tracebacks():
    at = start_page(frame="40")
    at.text_input(key="surfaces_expr").input("x +* y").run()
    assert not at.exception and any("Can't draw" in e.value for e in at.error)
    assert at.selectbox(key="surfaces_surface").value == "custom"  # a typed f is a custom surface
    assert at.query_params["f"] == "x +* y"  # the link still says what the widgets hold
    at.run()  # a run that draws no chart keeps the iteration shown and the speed
    at.text_input(key="surfaces_expr").input("x**2 + y**2").run()
    assert not at.exception and not at.error and at.slider(key="surfaces_frame").value == 40
    at = start_page()
    at.number_input(key="surfaces_start_x").set_value(99.0).run()
    assert not at.exception and any("outside the plotted range" in e.value for e in at.error)
    at = start_page()
    at.number_input(key="surfaces_x_range_to").set_value(-5.0).run()
    assert not at.exception and any("x range" in e.value for e in at.error)


def test_page_step_reset_and_fewer_iterations():
    at = start_page(iters="30", frame="1")
    at.button(key="surfaces_step").click().run()
    assert at.slider(key="surfaces_frame").value == 2
    at.button(key="surfaces_step").click().run()
    assert at.slider(key="surfaces_frame").value == 3 and at.query_params["frame"] == "3"
    at.button(key="surfaces_reset").click().run()
    assert at.slider(key="surfaces_frame").value == 0 and at.query_params["frame"] == "0"
    at.slider(key="surfaces_frame").set_value(25).run()
    at.slider(key="surfaces_iterations").set_value(20).run()  # the iteration shown follows, no crash
    assert not at.exception and at.slider(key="surfaces_frame").value == 20
    assert (at.query_params["iters"], at.query_params["frame"]) == ("20", "20") and not at.warning


def test_page_tampered_link_warns():
    at = start_page(runs="sgd:lr=-5", f="__import__('os')")
    assert len(at.warning) >= 2 and len(results(at)) == 3


def test_a_typed_surface_of_y_alone_draws():
    at = open_page("surfaces/view.py", surface="custom", f="y**2+1")
    assert at.get("plotly_chart") and not at.error


def test_axes_use_powers_of_ten_never_si_prefixes():
    from playground.mlp import figures as mlp_figures
    from playground.surfaces import figures as surface_figures
    from playground.surfaces.race import run_race
    from playground.surfaces.state import SurfaceState
    race = run_race(SurfaceState())
    figs = [surface_figures.contour_figure(race, 5), surface_figures.loss_figure(race, 5),
            mlp_figures.grad_norm_figure([])]
    for fig in figs:
        for axis in (fig.layout.xaxis, fig.layout.yaxis):
            assert axis.exponentformat == "power"
            assert axis.type != "log" or (isinstance(axis.dtick, int) and axis.dtick >= 1)
    ravine_rows = SurfaceState().runs  # on Himmelblau two of the ravine's rows blow up to about 1e57
    race = run_race(SurfaceState.for_surface("Himmelblau", runs=ravine_rows))
    fig = surface_figures.loss_figure(race, 20)
    losses = np.concatenate([r.descent.losses for r in race.runs])
    decades = np.ptp(np.log10(losses[np.isfinite(losses) & (losses > 0)])) + 1
    assert decades > 30 and fig.layout.yaxis.type == "log"
    assert decades / fig.layout.yaxis.dtick <= surface_figures.MAX_LOG_TICKS + 1  # a legible number of labels


def test_a_typed_f_that_cant_be_read_is_echoed_as_typed_never_as_markdown():
    """`__import__('os')` showed as a bold "import" (the labs' review): the message is plain text and the typed f
    sits in a code block, with the caret under its column."""
    at = start_page()
    at.text_input(key="surfaces_expr").input("__import__('os')").run()
    assert not at.exception
    error = next(e.value for e in at.error if "Can't draw" in e.value)
    assert "unknown function" in error and "__" not in error.replace("\\_", "")  # every underscore escaped
    echo = next(c.value for c in at.code if "import" in c.value).splitlines()
    assert echo[0] == "__import__('os')" and echo[1].strip() == "^"


def test_the_step_size_lesson_button_is_off_on_the_lesson_itself():
    at = start_page()
    assert not at.button(key="surfaces_lesson").disabled
    at.button(key="surfaces_lesson").click().run()
    assert at.button(key="surfaces_lesson").disabled


def test_a_momentum_run_names_its_mu_even_at_the_default():
    """Rosenbrock's "Momentum (η=0.001)" left out μ = 0.9 while the ravine's said μ=0.4 (the labs' review)."""
    from playground.surfaces.race import run_label

    assert run_label(OptimizerConfig("momentum", lr=0.001, momentum=0.9)) == "Momentum (η=0.001, μ=0.9)"
    assert run_label(OptimizerConfig("sgd", lr=0.001)) == "SGD (η=0.001)"


def test_range_and_start_messages_write_numbers_as_people_read_them():
    at = start_page()
    at.number_input(key="surfaces_start_x").set_value(1e6).run()
    said = " ".join(e.value for e in at.error)
    assert "outside the plotted range" in said and "1 × 10⁶" in said.replace("\u00a0", " ")
    assert "1000000.0" not in said and "e+06" not in said
    at = start_page(xr="-1e7,1e7")
    said = " ".join(w.value for w in at.warning).replace("\u00a0", " ")
    assert "at most 1 × 10⁶ wide" in said and "1e+06" not in said


def test_the_inspector_says_a_gradient_at_an_undefined_point_means_nothing():
    """log(x) from -3.5: f is NaN while the formula 1/x gives -0.2857 (the labs' review); the stepper says the same
    at its log node."""
    from playground.surfaces.race import inspection

    race = run_race(SurfaceState(surface="custom", expr="log(x)", x_range=(-4, 4), start=(-3.5, 0.0),
                                 runs=(OptimizerConfig("sgd", lr=0.1),), iterations=5, frame=0))
    lines, _ = inspection(race, race.runs[0], 0)
    assert "loss f = NaN" in lines[1] and any("no slope" in line for line in lines)
    defined = run_race(SurfaceState(surface="custom", expr="log(x)", x_range=(0.5, 4), start=(3.5, 0.0),
                                    runs=(OptimizerConfig("sgd", lr=0.1),), iterations=5, frame=0))
    assert not any("no slope" in line for line in inspection(defined, defined.runs[0], 0)[0])


def test_the_map_says_its_play_is_the_browsers_and_pause_shows_where_it_stopped():
    """The chart's Play animated while the slider, caption and inspector stayed put, unexplained (the labs'
    review); Pause now hands the map's iteration to them (the play review). The numbers below the map are those of
    the slider's iteration."""
    at = start_page(frame="40")
    assert any("Play runs in your browser; ❚❚ Pause shows the iteration it stopped at in the numbers below" in c.value
               for c in at.caption)
    locked = open_page("surfaces/view.py", lock="setup")  # a locked map takes no selection: its Pause can't
    assert any("Play runs in your browser; the numbers below stay at the iteration shown" in c.value
               for c in locked.caption)
    assert at.slider(key="surfaces_frame").value == 40
    assert any("iteration 40" in m.value.lower() for m in [*at.markdown, *at.caption, *at.subheader])
