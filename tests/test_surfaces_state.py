"""The surface lab's state: one field spec behind its URL, its widgets and its JSON settings; the run text
format and the optimizer table; the decisions its controls make; and today's links opening the same state."""

import json
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st

from labs.optim import OPTIMIZERS, SCHEDULES
from labs.optim import OptimizerConfig as Opt
from labs.surfaces import SURFACES
from playground.common.presets import load_presets
from playground.surfaces import controls
from playground.surfaces.runs import COLUMNS, OptimizerKind, RunsKind, apply_edits, run_to_row, runs_from_rows
from playground.surfaces.state import CUSTOM, MAX_ITERATIONS, SURFACES_SPEC, SurfaceState, decode_runs, encode_run
from tests.apptest import open_page

SPEC = SURFACES_SPEC
DEFAULT = SurfaceState()
LESSON = "|x| (step-size lesson)"
ROSEN = "(1 - x)**2 + 100*(y - x**2)**2"
HIMMEL = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"


def page(**query):
    return open_page("surfaces/view.py", **query)


def page_state(at) -> SurfaceState:
    """The state the page's widgets hold, checked against the URL the page wrote back."""
    state = SPEC.from_session(at.session_state)
    assert SPEC.from_query(at.query_params) == (state, [])
    return state


# --- today's links (saved from lessons.json, the browser tests and the page as it wrote links before the
# field spec) open the same state; the expected states were checked against that page's own reader ---

OLD_LINKS = [
    ({"surface": LESSON, "f": "abs(x)", "xr": "-12,12", "yr": "-1,1", "start": "10,0",
      "runs": "sgd:lr=1;sgd:lr=5;sgd:lr=11", "iters": "30", "frame": "30"},
     SurfaceState(LESSON, "abs(x)", (-12, 12), (-1, 1), (10, 0), (Opt(lr=1), Opt(lr=5), Opt(lr=11)), 30, 1e-6, 30)),
    ({"surface": "Ill-conditioned ravine"}, DEFAULT),
    ({"surface": "Rosenbrock", "f": ROSEN, "xr": "-2,2", "yr": "-1,3", "start": "-1.5,2",
      "runs": "sgd:lr=0.001;momentum:lr=0.001;adam:lr=0.05", "iters": "500", "frame": "500"},
     SurfaceState("Rosenbrock", ROSEN, (-2, 2), (-1, 3), (-1.5, 2),
                  (Opt(lr=0.001), Opt("momentum", lr=0.001), Opt("adam", lr=0.05)), 500, 1e-6, 500)),
    ({"surface": "custom", "f": "x**2 + 3*y**2", "xr": "-2,2", "yr": "-2,2", "start": "1,-1",
      "runs": "sgd:lr=0.1", "iters": "5", "frame": "2"},
     SurfaceState("custom", "x**2 + 3*y**2", (-2, 2), (-2, 2), (1, -1), (Opt(),), 5, 1e-6, 2)),
    ({"surface": "Ill-conditioned ravine", "f": "0.5*x**2 + 10*y**2", "xr": "-4,4", "yr": "-2,2",
      "start": "-3.5,1.5", "runs": "sgd:lr=0.09;momentum:momentum=0.4;adagrad:lr=0.9", "iters": "100",
      "tol": "1e-06", "frame": "100", "view": "contour"}, DEFAULT),
    ({"hide": "results", "lock": "setup", "surface": "Himmelblau", "f": HIMMEL, "xr": "-5,5", "yr": "-5,5",
      "start": "-0.5,-0.5", "runs": "adam:lr=0.3,beta1=0.8,clip_norm=2;"
      "rmsprop:lr=0.01,weight_decay=0.1,decay_mode=decoupled,schedule=cosine,total=250", "iters": "250",
      "tol": "0.001", "frame": "17", "view": "3d"},
     SurfaceState("Himmelblau", HIMMEL, (-5, 5), (-5, 5), (-0.5, -0.5),
                  (Opt("adam", lr=0.3, beta1=0.8, clip_norm=2.0),
                   Opt("rmsprop", lr=0.01, weight_decay=0.1, decay_mode="decoupled", schedule="cosine", total=250)),
                  250, 0.001, 17, "3d")),
]


@pytest.mark.parametrize("query,expected", OLD_LINKS, ids=["step-size lesson", "ravine lesson", "Rosenbrock lesson",
                                                           "custom", "as the page wrote it", "teacher"])
def test_todays_links_open_the_same_state(query, expected):
    at = page(**query)
    assert not at.warning, [w.value for w in at.warning]
    assert page_state(at) == expected
    assert at.slider(key="surfaces_frame").value == expected.frame


def test_todays_teacher_link_hides_and_locks():
    at = page(**OLD_LINKS[-1][0])
    assert at.selectbox(key="surfaces_surface").disabled and at.text_input(key="surfaces_expr").disabled
    assert at.slider(key="surfaces_iterations").disabled and not at.table  # results hidden
    assert at.query_params["hide"] == "results" and at.query_params["lock"] == "setup"
    assert not any(t.key == "surfaces_json_text" for t in at.text_area)  # locked: no settings to paste


def test_every_surface_lesson_opens_without_a_warning():
    lessons = [lesson for section in load_presets("lessons") for lesson in section["lessons"]
               if lesson["page"] == "surfaces"]
    assert len(lessons) == 3
    for lesson, (query, expected) in zip(lessons, [OLD_LINKS[0], OLD_LINKS[1], OLD_LINKS[2]], strict=True):
        assert lesson["query"] == query
        assert SPEC.from_query(query) == (expected, [])


# --- any valid state, with every field away from its default, survives every round trip ---

CUSTOM_EXPRS = ["x**2 + 3*y**2", "sin(x) * cos(y) + 0.1*x**2", "abs(x)", "x**4 - x**2", "(x - 1)**2 + y**2 / 4",
                "x**2 + y**2"]
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
unit = st.floats(0.0, 0.99, allow_nan=False)
positive = st.floats(1e-4, 10.0, allow_nan=False)


@st.composite
def optimizer_runs(draw, iterations):
    runs = []
    for _ in range(draw(st.integers(1, 6))):
        schedule = draw(st.sampled_from(SCHEDULES))
        runs.append(Opt(draw(st.sampled_from(OPTIMIZERS)), lr=draw(positive), momentum=draw(unit), rho=draw(unit),
                        beta1=draw(unit), beta2=draw(unit), eps=draw(st.floats(1e-12, 1e-3)),
                        weight_decay=draw(st.floats(0.0, 1.0)), decay_mode=draw(st.sampled_from(("l2", "decoupled"))),
                        clip_norm=draw(st.none() | positive), clip_value=draw(st.none() | positive),
                        schedule=schedule, step_every=draw(st.integers(1, 500)), gamma=draw(st.floats(0.0, 1.0)),
                        min_lr=draw(st.floats(0.0, 0.1)), total=iterations if schedule == "cosine" else 1000))
    return tuple(runs)


@st.composite
def states(draw):
    preset = draw(st.sampled_from([None, *(n for n in SURFACES if n != DEFAULT.surface)]))
    surface, expr = (preset, SURFACES[preset].expr) if preset else (CUSTOM, draw(st.sampled_from(CUSTOM_EXPRS)))
    x_range, y_range = (tuple(sorted(draw(st.lists(finite, min_size=2, max_size=2, unique=True)))) for _ in "xy")
    start = tuple(low + draw(st.floats(-0.2, 1.2)) * (high - low) for low, high in (x_range, y_range))
    iterations = draw(st.integers(1, MAX_ITERATIONS).filter(lambda n: n != DEFAULT.iterations))
    state = SurfaceState(surface, expr, x_range, y_range, start, draw(optimizer_runs(iterations)), iterations,
                         draw(st.floats(0.0, 1e3, allow_nan=False)), draw(st.integers(0, iterations)), "3d")
    for name in ("x_range", "y_range", "start", "runs", "tolerance", "frame"):
        if getattr(state, name) == getattr(DEFAULT, name):
            reject()
    return state


# A page run takes up to a few seconds: a failing example is reported as found, not shrunk for minutes.
PAGE_EXAMPLES = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck),
                         phases=[Phase.explicit, Phase.reuse, Phase.generate])


def test_the_strategy_sets_every_field_away_from_its_default():
    @settings(max_examples=30, deadline=None)
    @given(states())
    def check(state):
        assert all(getattr(state, f.name) != getattr(DEFAULT, f.name) for f in SPEC.fields)
    check()


@settings(max_examples=200, deadline=None)
@given(states())
def test_spec_round_trips_url_json_and_widgets(state):
    assert SPEC.from_query(SPEC.to_query(state)) == (state, [])
    assert SPEC.from_json(json.loads(json.dumps(SPEC.to_json(state)))) == (state, [])
    session = {}
    SPEC.to_session(state, session)
    assert SPEC.from_session(session) == state


@PAGE_EXAMPLES
@given(states())
def test_url_to_widgets_to_url_through_the_page(state):
    at = page(**SPEC.to_query(state))
    assert not at.warning, [w.value for w in at.warning]
    assert at.query_params == SPEC.to_query(state)
    assert SPEC.from_session(at.session_state) == state


@PAGE_EXAMPLES
@given(states())
def test_json_to_widgets_to_json_through_the_page(state):
    at = page()
    settings_json = json.loads(json.dumps(SPEC.to_json(state)))
    at.text_area(key="surfaces_json_text").input(json.dumps(settings_json)).run()
    at.button(key="surfaces_json_load").click().run()
    assert not at.exception and not at.warning, [w.value for w in at.warning]
    assert [s.value for s in at.success] == [r"Loaded the settings\."]
    shown = [c.value for c in at.code if c.language == "json"]
    assert len(shown) == 1 and json.loads(shown[0]) == settings_json
    assert SPEC.from_query(at.query_params) == (state, [])


# --- links and settings that can't be used: a warning naming the field, the default, never a quiet clamp ---

@pytest.mark.parametrize("query,field", [
    ({"runs": "sgd:lr=0"}, "runs"), ({"runs": "evil:lr=1"}, "runs"), ({"runs": "sgd:__class__=1"}, "runs"),
    ({"runs": ";".join(["sgd"] * 7)}, "runs"), ({"f": "__import__('os')"}, "f="), ({"f": "x + w"}, "f="),
    ({"xr": "3,1"}, "x range"), ({"yr": "0,1e7"}, "y range"), ({"iters": "1e9"}, "iterations"),
    ({"iters": "501"}, "iterations"), ({"start": "nan,1"}, "start"), ({"start": "1,2,3"}, "start"),
    ({"view": "4d"}, "view"), ({"surface": "Mordor"}, "surface"), ({"tol": "-1"}, "tolerance"),
])
def test_tampered_links_fall_back_with_a_warning(query, field):
    state, warnings = SPEC.from_query(query)
    assert len(warnings) == 1 and field in warnings[0], warnings
    name = next(f.name for f in SPEC.fields if f.key == next(iter(query)))
    assert getattr(state, name) == getattr(DEFAULT, name)


def test_a_frame_beyond_the_iterations_is_named_not_clamped_quietly():
    state, warnings = SPEC.from_query({"iters": "30", "frame": "40"})
    assert state.frame == 30 and len(warnings) == 1 and "(frame)" in warnings[0] and "40" in warnings[0]
    at = page(iters="30", frame="40")
    assert any("frame" in w.value and "40" in w.value for w in at.warning)
    assert at.slider(key="surfaces_frame").value == 30


def test_iterations_above_the_slider_warn_instead_of_crashing():
    at = page(iters="501")
    assert any("iters=" in w.value and "500" in w.value for w in at.warning)
    kind = SPEC.field("iterations").kind
    assert (at.slider(key="surfaces_iterations").min, at.slider(key="surfaces_iterations").max) == (kind.low,
                                                                                                      kind.high)


def test_a_link_with_iterations_and_no_frame_shows_the_end():
    assert SPEC.from_query({"iters": "30"}) == (SurfaceState(iterations=30, frame=30), [])


def test_a_preset_named_alone_brings_its_own_surface():
    state, warnings = SPEC.from_query({"surface": "Rosenbrock", "start": "0,0"})
    assert warnings == [] and state == SurfaceState.for_surface("Rosenbrock", start=(0.0, 0.0))
    state, warnings = SPEC.from_json({"surface": "Beale", "iterations": 7})
    assert warnings == [] and state == SurfaceState.for_surface("Beale", iterations=7, frame=7)


def test_a_preset_with_another_f_becomes_custom_and_says_so():
    state, warnings = SPEC.from_query({"surface": "Rosenbrock", "f": "x**2"})
    assert state.surface == CUSTOM and state.expr == "x**2" and "surface (Rosenbrock)" in warnings[0]


def test_a_cosine_schedule_lasts_the_whole_run():
    state, warnings = SPEC.from_query({"runs": "sgd:schedule=cosine,total=50;sgd", "iters": "80"})
    assert [r.total for r in state.runs] == [80, 1000] and "(runs)" in warnings[0]
    assert SPEC.from_query({"runs": "sgd:schedule=cosine", "iters": "80"})[1] == []  # no total given: no warning


def test_bad_json_settings_are_named():
    state, warnings = SPEC.from_json({"iterations": 0, "runs": [{"name": "adam", "lr": "fast"}], "colour": "red"})
    assert state == DEFAULT and len(warnings) == 3
    assert any("number of iterations" in w for w in warnings) and any("colour" in w for w in warnings)
    at = page()
    at.text_area(key="surfaces_json_text").input("{not json").run()
    at.button(key="surfaces_json_load").click().run()
    assert not at.exception and any("can't be loaded" in w.value for w in at.warning)


# --- the runs: text, JSON and the table ---

def test_run_text_lists_only_changed_settings():
    assert encode_run(Opt("sgd", lr=0.1)) == "sgd"
    assert encode_run(Opt("adam", lr=0.3)) == "adam:lr=0.3"
    assert encode_run(Opt("momentum", momentum=0.4)) == "momentum:momentum=0.4"
    assert decode_runs("adam:lr=0.3;sgd") == (Opt("adam", lr=0.3), Opt("sgd"))
    runs = RunsKind()
    assert runs.parse("adam:lr=0.3,step_every=5;sgd") == (Opt("adam", lr=0.3, step_every=5), Opt())
    assert runs.to_json((Opt("adam", lr=0.3, clip_norm=2.0),)) == [{"name": "adam", "lr": 0.3, "clip_norm": 2.0}]
    assert runs.from_json(["sgd:lr=0.5", {"name": "adam", "lr": 1}]) == (Opt(lr=0.5), Opt("adam", lr=1.0))
    for bad in ([], [{"lr": 1}], [{"name": "sgd", "lr": True}], [{"name": "sgd", "step_every": 2.5}], "sgd"):
        with pytest.raises(ValueError):
            runs.from_json(bad)


def test_optimizer_kind_is_one_run_in_every_form():
    kind, cfg = OptimizerKind(), Opt("rmsprop", lr=0.01, rho=0.8, clip_value=1.0)
    assert kind.parse(kind.format(cfg)) == cfg and kind.from_json(kind.to_json(cfg)) == cfg
    session = kind.widget_values("opt", cfg)
    assert session["opt_name"] == "rmsprop" and kind.from_widgets("opt", session) == cfg
    assert set(kind.widget_keys("opt")) == set(session)


def test_table_rows_become_runs_and_bad_rows_are_named():
    rows = [run_to_row(Opt("adam", lr=0.1)), {"optimizer": "sgd", "lr": 0.0},
            {"optimizer": "momentum", "lr": float("nan")}, {"optimizer": "sgd", "lr": 0.5, "schedule": "cosine"},
            {"optimizer": "sgd", "lr": "fast"}, {"optimizer": "sgd", "lr": 1, "clip norm": 0, "step every": 3.0}]
    runs, problems = runs_from_rows(rows)
    assert runs == [Opt("adam", lr=0.1), Opt("sgd", lr=0.5, schedule="cosine"), Opt(lr=1.0, step_every=3)]
    assert [p.split(" ")[1].strip(":") for p in problems] == ["2", "3", "5"] and "learning rate" in problems[0]
    assert problems[2] == "Row 5: η (learning rate) must be a number, not 'fast'"
    assert runs_from_rows([run_to_row(Opt())] * 7)[1] == ["Row 7: at most 6 optimizers race at once"]


def test_every_setting_of_a_run_has_a_column():
    from dataclasses import fields
    assert {c.setting for c in COLUMNS} == {f.name for f in fields(Opt)} - {"total"}  # total: the iterations


def test_the_table_reads_back_with_the_editors_edits():
    state = SurfaceState(runs=(Opt(lr=0.5), Opt("adam", lr=0.01)), iterations=40, frame=40)
    session = {}
    SPEC.to_session(state, session)
    editor = session["surfaces_runs_editor"]
    session[editor] = {"edited_rows": {1: {"lr": 0.02, "schedule": "cosine"}}, "deleted_rows": [0],
                       "added_rows": [{"optimizer": "nesterov", "lr": 0.1}, {"optimizer": "sgd"}]}
    assert SPEC.from_session(session).runs == (Opt("adam", lr=0.02, schedule="cosine", total=40),
                                               Opt("nesterov", lr=0.1))
    assert RunsKind().problems("surfaces_runs", session) == [
        "Row 3 (sgd): the learning rate must be a positive number"]
    SPEC.to_session(state, session)  # loading again starts a new editor from the new rows
    assert session["surfaces_runs_editor"] != editor and SPEC.from_session(session) == state


def test_apply_edits_in_streamlits_order():
    rows = [{"optimizer": "sgd"}, {"optimizer": "adam"}, {"optimizer": "adagrad"}]
    out = apply_edits(rows, {"edited_rows": {"2": {"lr": 3}}, "deleted_rows": [0], "added_rows": [{"lr": 9}]})
    assert [(r["optimizer"], r.get("lr")) for r in out] == [("adam", None), ("adagrad", 3), (None, 9)]
    assert apply_edits(rows, None) == rows and rows[2] == {"optimizer": "adagrad"}


# --- what the controls do ---

def test_step_stops_at_the_last_iteration():
    assert controls.step(29, last=30) == 30 and controls.step(30, last=30) == 30


def test_a_click_on_the_map_starts_every_run_there():
    state = SurfaceState(iterations=40, frame=3)
    event = {"selection": {"points": [{"x": 1.23456, "y": -0.5, "curve_number": 4}]}}
    assert controls.start_from_click(state, event) == SurfaceState(start=(1.235, -0.5), iterations=40, frame=40)
    assert controls.start_from_click(state, {"selection": {"points": []}}) is None
    assert controls.start_from_click(state, None) is None


def test_the_maps_pause_shows_the_iteration_it_stopped_at():
    from playground.surfaces.pause import PAUSED

    state = SurfaceState(start=(-3.5, 1.5), iterations=40, frame=40)
    paused = {"selection": {"points": [{"x": 17, "y": 0, "curve_number": PAUSED, "point_number": 3}]}}
    assert controls.start_from_click(state, paused) == replace(state, frame=17)  # the start stays
    clicked = {"selection": {"points": [{"x": 17, "y": 0, "curve_number": 1, "point_number": 3}]}}
    assert controls.start_from_click(state, clicked).start == (17, 0)  # a click on the map's grid starts there


def test_picking_a_surface_keeps_the_runs():
    state = SurfaceState(runs=(Opt("adam"),), iterations=40, frame=3, tolerance=0.01, view="3d")
    picked = controls.pick_surface(state, "Beale")
    assert picked == SurfaceState.for_surface("Beale", runs=(Opt("adam"),), iterations=40, frame=40,
                                              tolerance=0.01, view="3d")
    assert controls.pick_surface(state, CUSTOM) == SurfaceState(CUSTOM, runs=(Opt("adam"),), iterations=40,
                                                                frame=3, tolerance=0.01, view="3d")
    lesson = controls.step_size_lesson()
    assert (lesson.surface, lesson.start, lesson.iterations, lesson.frame) == (LESSON, (10.0, 0.0), 30, 30)
    assert [r.lr for r in lesson.runs] == [1.0, 5.0, 11.0]


def test_what_cant_be_raced_is_said():
    assert controls.unusable(DEFAULT) is None
    assert "optimizer row" in controls.unusable(SurfaceState(runs=()))
    assert "x range" in controls.unusable(SurfaceState(x_range=(2.0, 1.0)))
    assert "y range" in controls.unusable(SurfaceState(y_range=(0.0, 2e6)))


def test_a_new_state_changes_only_the_widgets_of_its_changed_fields():
    session = {}
    SPEC.to_session(DEFAULT, session)
    changes = controls.shown_changes(SPEC, session, SurfaceState(start=(1.0, 2.0), frame=7))
    assert changes == {"surfaces_start_x": 1.0, "surfaces_start_y": 2.0, "surfaces_frame": 7}
    session["surfaces_view"] = None  # the segmented control left empty shows the contour
    assert controls.shown_changes(SPEC, session, DEFAULT) == {"surfaces_view": "contour"}
    session["surfaces_expr"] = "x**2"  # typed: the surface becomes custom (settle), nothing else changes
    assert controls.shown_changes(SPEC, session, SPEC.from_session(session)) == {"surfaces_surface": CUSTOM,
                                                                                 "surfaces_view": "contour"}


def test_widget_bounds_are_the_kinds_bounds():
    at = page()
    kind = SPEC.field("tolerance").kind
    assert at.number_input(key="surfaces_tolerance").min == kind.low == 0
    assert at.slider(key="surfaces_frame").max == DEFAULT.iterations
    assert not at.text_input(key="surfaces_expr").max_chars  # the parser refuses a long one, naming its length
    assert math.isinf(kind.high)
