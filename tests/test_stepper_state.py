"""The stepper's state spec: any valid state survives URL → widgets → URL and JSON → widgets → JSON, through
the page itself (AppTest), and the links older versions made still open the same state."""

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.stepper.state import MODES, STEPPER_SPEC, StepperState
from playground.stepper.walkthrough import build_walkthrough
from tests.apptest import open_page

EXPRESSIONS = ["x * y", "tanh(a) + b * c", "sigmoid(w0*x0 + w1*x1 + w2)", "max(p, q) - p / 2", "sum(w * v)",
               "exp(-t) * t ** 2"]
PAGE_SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)

number = st.floats(-1e6, 1e6, allow_nan=False).map(repr) | st.integers(-999, 999).map(str)
vector = st.lists(st.integers(-9, 9), min_size=3, max_size=3).map(lambda v: "[" + ", ".join(map(str, v)) + "]")


@st.composite
def stepper_states(draw):
    """A valid state with a non-default value in every field, its step within the expression's steps."""
    expr = draw(st.sampled_from(EXPRESSIONS))
    variables = sorted(set(build_walkthrough(expr, {}).leaves))
    vectors = expr == "sum(w * v)"
    values = {name: draw(vector if vectors else number) for name in variables}
    walk = build_walkthrough(expr, values)
    output_grad = draw(st.floats(-100, 100, allow_nan=False).filter(lambda g: g != 1.0))
    step = draw(st.integers(1, walk.total_steps))
    mode = draw(st.sampled_from([m for m in MODES if m != StepperState().mode]))
    return StepperState(expr, values, output_grad, step, mode)


@PAGE_SETTINGS
@given(stepper_states())
def test_any_state_round_trips_through_the_spec(state):
    assert STEPPER_SPEC.from_query(STEPPER_SPEC.to_query(state)) == (state, [])
    assert STEPPER_SPEC.from_json(json.loads(json.dumps(STEPPER_SPEC.to_json(state)))) == (state, [])


@PAGE_SETTINGS
@given(stepper_states())
def test_url_to_widgets_to_url(state):
    at = open_page("stepper/view.py", **STEPPER_SPEC.to_query(state))
    assert at.text_input(key="stepper_expr").value == state.expr  # the widgets hold it…
    back, warnings = STEPPER_SPEC.from_query(dict(at.query_params))  # …and the URL the page writes is the same
    assert (back, warnings) == (state, [])


def shown_json(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


@PAGE_SETTINGS
@given(stepper_states())
def test_json_to_widgets_to_json(state):
    at = open_page("stepper/view.py")
    at.text_area(key="stepper_json_text").input(json.dumps(STEPPER_SPEC.to_json(state)))
    at.button(key="stepper_json_load").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="stepper_expr").value == state.expr
    assert shown_json(at) == STEPPER_SPEC.to_json(state)


def as_shown(markdown: str) -> str:
    """Markdown whose every special character is escaped, as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_json_with_wrong_types_names_each_field():
    at = open_page("stepper/view.py")
    at.text_area(key="stepper_json_text").input('{"expr": 3, "output_grad": "x", "mode": "exam", "colour": 1}')
    at.button(key="stepper_json_load").click().run()
    assert not at.exception
    said = as_shown(" ".join(w.value for w in at.warning))
    for name in ("expr", "output_grad", "mode", "colour"):
        assert name in said, said
    at.text_area(key="stepper_json_text").input("[[[[")
    at.button(key="stepper_json_load").click().run()
    assert "can't be loaded" in " ".join(w.value for w in at.warning)


# Links that earlier versions wrote (lesson cards, the README's teacher example, the home page before it moved,
# and `seed=` before it was called the output gradient), with the state each must open.
OLD_LINKS = [
    ("stepper/view.py", {"expr": "x * y", "at": "x=2;y=3", "seed": "5"},
     StepperState("x * y", {"x": "2", "y": "3"}, 5.0, 0, "learn")),
    ("stepper/view.py", {"expr": "x * x + x", "at": "x=3"}, StepperState("x * x + x", {"x": "3"})),
    ("stepper/view.py", {"expr": "(x + y) * z", "at": "x=-2;y=5;z=-4", "seed": "1", "step": "4", "mode": "quiz",
                         "hide": "ledger,table", "lock": "expression,mode"},
     StepperState("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"}, 1.0, 4, "quiz")),
    ("stepper/view.py", {"expr": "a * b"}, StepperState("a * b", {"a": "1", "b": "1"})),
    (None, {"expr": "x * y", "at": "x=2;y=3", "seed": "5", "step": "2", "mode": "learn"},  # home forwards
     StepperState("x * y", {"x": "2", "y": "3"}, 5.0, 2, "learn")),
]


def test_old_links_open_the_same_state():
    for page, query, expected in OLD_LINKS:
        at = open_page(page, **query)
        shown = {k: v for k, v in at.query_params.items() if k not in ("hide", "lock")}
        assert STEPPER_SPEC.from_query(shown) == (expected, []), query
        assert {k: at.query_params[k] for k in ("hide", "lock") if k in query} == \
            {k: query[k] for k in ("hide", "lock") if k in query}


def test_json_that_is_empty_or_not_json_is_told_in_words():
    """Python's "Expecting value: line 1 column 1 (char 0)" was shown as it was (the labs' review)."""
    at = open_page("stepper/view.py")
    at.button(key="stepper_json_load").click().run()
    said = " ".join(w.value for w in at.warning)
    assert "the box is empty" in said and "Expecting value" not in said
    at.text_area(key="stepper_json_text").input('{"expr": "x"').run()
    at.button(key="stepper_json_load").click().run()
    said = " ".join(w.value for w in at.warning)
    assert "they are not JSON" in said and "line 1, column 13" in said and "(char" not in said
