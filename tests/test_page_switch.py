"""A page left for another and come back to keeps its settings. Streamlit forgets a page's widget values in the
first run of another page; the pages' own flags stay, so a page came back to found itself set up and its
widgets gone: the surface lab raised KeyError, the stepper showed an empty expression (the labs' review)."""

import pytest

from tests.apptest import open_page

AWAY = {"stepper/view.py": "mlp/view.py", "surfaces/view.py": "home/view.py", "mlp/view.py": "stepper/view.py"}
SETTING = {"stepper/view.py": ("stepper_expr", "text_input", "sin(x) * y"),
           "surfaces/view.py": ("surfaces_iterations", "slider", 40),
           "mlp/view.py": ("mlp_optimizer_lr", "number_input", 0.05)}


@pytest.mark.parametrize("page", sorted(AWAY))
def test_a_page_come_back_to_keeps_its_settings(page):
    at = open_page(page)
    key, kind, value = SETTING[page]
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception
    at.query_params.clear()  # the top navigation's links carry no query
    at.switch_page(AWAY[page]).run()
    assert not at.exception, at.exception
    at.query_params.clear()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert getattr(at, kind)(key=key).value == value


@pytest.mark.parametrize("page,link,key,kind,value", [
    ("stepper/view.py", {"expr": "tanh(w * x)", "at": "w=2;x=1"}, "stepper_expr", "text_input", "tanh(w * x)"),
    ("surfaces/view.py", {"surface": "Rosenbrock"}, "surfaces_surface", "selectbox", "Rosenbrock"),
    ("mlp/view.py", {"data": "xor", "hidden": "8", "act": "relu"}, "mlp_dataset", "selectbox", "xor")])
def test_a_new_link_to_a_page_visited_before_opens_its_example(page, link, key, kind, value):
    """A Home lesson or the MLP lab's unroll link, to a page this session has already set up: the link wins (the
    stepper showed the old graph with output gradient 0)."""
    at = open_page(page)
    assert getattr(at, kind)(key=key).value != value
    at.query_params.clear()
    at.switch_page("home/view.py").run()
    for k, v in link.items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert getattr(at, kind)(key=key).value == value


def test_the_stepper_keeps_each_variables_value_too():
    """The boxes per variable are named by the expression, not by the field spec: they came back as 1, 1, 1 (the
    second review), with the step and mode kept, so the step was worked out on other numbers."""
    at = open_page("stepper/view.py", expr="(x + y) * z", at="x=-2;y=5;z=-4", step="4")
    at.text_input(key="stepper_values_y").input("7").run()
    at.query_params.clear()
    at.switch_page("surfaces/view.py").run()
    at.query_params.clear()
    at.switch_page("stepper/view.py").run()
    assert not at.exception
    assert [at.text_input(key=f"stepper_values_{n}").value for n in "xyz"] == ["-2", "7", "-4"]
