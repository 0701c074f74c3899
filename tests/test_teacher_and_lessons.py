"""Teacher links (hide / lock), the home page with its lessons, and that every lesson link is a valid state."""

import base64
import html
import re

import pytest

from engine.formatting import format_array
from playground.common.presets import load_presets
from playground.common.teacher import TeacherView
from playground.mlp.state import MLP_SPEC
from playground.stepper.state import STEPPER_SPEC, StepperState
from playground.stepper.walkthrough import build_walkthrough
from playground.surfaces.state import SURFACES_SPEC
from tests.apptest import open_page

STATES = {"stepper": STEPPER_SPEC, "surfaces": SURFACES_SPEC, "mlp": MLP_SPEC}


def test_teacher_view_keeps_known_names_only():
    view, warnings = TeacherView.from_query({"hide": "table,evil,ledger", "lock": "expression,root"},
                                            {"table": "", "ledger": ""}, {"expression": ""})
    assert view.hidden == {"table", "ledger"} and view.locked == {"expression"}
    assert len(warnings) == 2 and "evil" in warnings[0]
    assert TeacherView.from_query(view.to_query(), {"table": "", "ledger": ""}, {"expression": ""})[0] == view


def test_every_lesson_link_is_a_clean_state():
    lessons = [lesson for section in load_presets("lessons") for lesson in section["lessons"]]
    assert len(lessons) >= 12
    for lesson in lessons:
        state, warnings = STATES[lesson["page"]].from_query(lesson["query"])
        assert warnings == [], (lesson["title"], warnings)


def run(page, **query):
    return open_page(page, **query)


def test_lessons_page_lists_links():
    at = run("home/view.py")
    assert len(at.get("page_link")) >= 12 and not at.warning


def test_stepper_hidden_and_locked_for_the_class():
    at = run("stepper/view.py", expr="x * y", at="x=2;y=3", seed="5", hide="table,ledger,presets,gradcheck",
             lock="expression,mode")
    assert at.text_input(key="stepper_expr").disabled and at.text_input(key="stepper_values_x").disabled
    assert not any(b.label == "Mul gate swaps" for b in at.button)
    assert not any(s.value == "Chain-rule ledger" for s in at.subheader)
    at.button(key="next").click().run()
    at.button(key="next").click().run()
    assert not at.exception and "grad 15" in at.get("graphviz_chart")[0].proto.spec
    assert at.query_params["hide"] in (["gradcheck,ledger,presets,table"], "gradcheck,ledger,presets,table")


def test_stepper_tampered_flags_only_warn():
    at = run("stepper/view.py", hide="__import__", lock="everything")
    assert len(at.warning) == 2 and not at.text_input(key="stepper_expr").disabled


def test_surface_lab_locked_and_hidden():
    at = run("surfaces/view.py", lock="setup", hide="results")
    assert at.selectbox(key="surfaces_surface").disabled and at.text_input(key="surfaces_expr").disabled
    assert at.number_input(key="surfaces_start_x").disabled and at.slider(key="surfaces_iterations").disabled
    assert not at.table and not at.text_area  # a locked page takes no pasted settings either
    at = run("surfaces/view.py", hide="setup", surface="Rosenbrock", f="(1 - x)**2 + 100*(y - x**2)**2",
             xr="-2,2", yr="-1,3", start="-1.5,2", runs="adam:lr=0.05", iters="40")
    assert not at.text_input and at.table[-1].value["optimizer"][0] == "Adam (η=0.05)"
    at.run()  # the hidden settings survive a rerun
    assert not at.exception and at.table[-1].value["optimizer"][0] == "Adam (η=0.05)"
    assert at.query_params["runs"] == "adam:lr=0.05" and at.query_params["iters"] == "40"


def test_mlp_lab_locked_and_hidden():
    at = run("mlp/view.py", lock="setup", hide="export,landscape")
    assert at.selectbox(key="mlp_dataset").disabled and at.number_input(key="mlp_optimizer_lr").disabled
    assert at.number_input(key="mlp_optimizer_beta1").disabled  # the optimizer's details too
    assert not any("Export" in e.label for e in at.expander)
    assert not at.text_area  # a locked page takes no pasted settings either
    at = run("mlp/view.py", hide="setup", data="xor", hidden="8", act="tanh", opt="sgd:lr=0.2,momentum=0.5")
    at.button(key="mlp_step10").click().run()
    at.run()  # the hidden settings survive reruns
    assert not at.exception and any("update 10" in m.value for m in at.markdown)
    assert at.query_params["data"] in (["xor"], "xor") and at.query_params["act"] in (["tanh"], "tanh")
    assert at.query_params["opt"] in (["sgd:lr=0.2,momentum=0.5"], "sgd:lr=0.2,momentum=0.5")


def test_home_shows_the_classic_circuit_solved():
    at = run(None)
    example = StepperState()
    walk = build_walkthrough(example.expr, example.values, example.output_grad)
    hero = next(h.proto.body for h in at.get("html") if "hero-wide" in h.proto.body)
    sources = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', hero)
    drawings = [html.unescape(base64.b64decode(src).decode()) for src in sources]
    assert len(drawings) == 2  # left to right, and top to bottom for a phone
    for svg in drawings:
        for leaf in walk.leaves.values():  # every input's gradient is drawn: the backward pass is complete
            assert f">grad {format_array(leaf.grad)}<" in svg, (leaf.label, svg)
    assert f"**{walk.root.value:g}**" in " ".join(m.value for m in at.markdown)
    links = [p.proto for p in at.get("page_link")]
    assert any(link.label == "Step through the circuit" for link in links)


def test_old_stepper_link_on_home_opens_the_stepper():
    at = run(None, expr="x * y", at="x=2;y=3", seed="5", hide="table")
    assert at.text_input(key="stepper_expr").value == "x * y"
    assert at.text_input(key="stepper_values_x").value == "2"
    assert not at.warning


def test_home_stays_home_for_parameters_that_are_not_the_steppers():
    at = run(None, utm_source="course-page")
    assert at.title[0].value == "gradlab" and not at.text_input


def test_a_locked_page_shares_its_teachers_choices_and_cannot_lift_them():
    at = run("stepper/view.py", expr="x * y", at="x=2;y=3", hide="table", lock="expression")
    hide, lock = at.multiselect(key="stepper_hide"), at.multiselect(key="stepper_lock")
    assert hide.disabled and lock.disabled
    link = next(c.value for c in at.code if "?" in c.value)
    assert "hide=table" in link and "lock=expression" in link
    opened = run("stepper/view.py", expr="x * y", at="x=2;y=3", hide="table")  # hidden, nothing locked
    assert not opened.multiselect(key="stepper_hide").disabled


def test_home_without_dot_draws_the_circuit_in_the_browser(tmp_path, monkeypatch):
    """Drawn on the server, the circuit needs Graphviz's dot; a machine without it still gets the circuit, drawn
    by the browser."""
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot on the PATH
    at = run("home/view.py")
    assert not at.exception and not any("hero-wide" in h.proto.body for h in at.get("html"))
    assert "grad -4" in at.get("graphviz_chart")[0].proto.spec


@pytest.mark.parametrize("title", ["(x + y) · z, step by step", "Quiz: predict the gradients"])
def test_a_stepper_lesson_card_opens_with_its_own_note(title):
    """The quiz card and the walk-through open the same circuit; each opens with its own card's words (the quiz
    card's link showed the walk-through's)."""
    lesson = next(item for section in load_presets("lessons") for item in section["lessons"] if item["title"] == title)
    at = run("stepper/view.py", **lesson["query"])
    assert any(f"**{title}** — {lesson['text']}" == i.value for i in at.info), [i.value for i in at.info]
