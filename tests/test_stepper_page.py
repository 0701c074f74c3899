"""The stepper page through Streamlit's AppTest: widgets -> state -> what is displayed."""


import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page


def start(**query) -> AppTest:
    return open_page("stepper/view.py", **query)


def texts(at) -> str:
    parts = [m.value for m in at.markdown] + [x.value for x in at.latex] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def next_(at, times=1) -> AppTest:
    for _ in range(times):
        at.button(key="next").click().run()
        assert not at.exception, at.exception
    return at


def dot(at) -> str:
    return at.get("graphviz_chart")[0].proto.spec


def test_default_page_shows_the_classic_graph():
    at = start()
    assert at.text_input(key="stepper_expr").value == "(x + y) * z"
    assert "Step 0 / 7" in texts(at)
    assert "= -2" in dot(at) and "= ?" in dot(at)


def test_mul_gate_preset_shows_upstream_local_downstream():
    at = start()
    preset = next(b for b in at.button if b.label == "Mul gate swaps")
    preset.click().run()
    assert at.text_input(key="stepper_expr").value == "x * y" and at.number_input(key="stepper_output_grad").value == 5
    next_(at, 2)  # forward ×, then backward ×
    page = texts(at)
    assert "receives upstream **5**" in page
    assert r"\underbrace{5}_{\text{upstream}} \times \underbrace{3}_{\text{local}} = 15" in page
    assert r"\underbrace{5}_{\text{upstream}} \times \underbrace{2}_{\text{local}} = 10" in page
    assert "mul: swaps its inputs" in page


def test_classic_circuit_backward_numbers():
    at = next_(start(), 3)
    page = texts(at)
    assert "Step 3 / 7" in page and "receives upstream **1**" in page
    assert r"\underbrace{-4}_{\text{local}} = -4" in page and r"\underbrace{3}_{\text{local}} = 3" in page
    next_(at, 1)  # the + node: upstream -4, local 1 and 1
    page = texts(at)
    assert "receives upstream **-4**" in page and "add: distributes" in page
    at.button(key="end").click().run()
    assert "grad 3" in dot(at) and dot(at).count("grad -4") >= 3


def test_back_and_reset():
    at = next_(start(), 3)
    at.button(key="back").click().run()
    assert "Step 2 / 7" in texts(at)
    at.button(key="reset").click().run()
    assert "Step 0 / 7" in texts(at)


def test_bad_expression_shows_caret_and_keeps_previous_graph():
    at = start()
    at.text_input(key="stepper_expr").input("x ^ 2").run()
    assert not at.exception
    assert any("^" in c.value and "**" in c.value for c in at.code)
    assert "can't be read" in texts(at)
    assert "= -2" in dot(at)  # the last good graph, (x + y) * z, is still drawn


def test_url_restores_the_state():
    at = start(expr="x * y", at="x=2;y=3", seed="5", step="2", mode="learn")
    assert at.text_input(key="stepper_expr").value == "x * y"
    assert at.text_input(key="stepper_values_x").value == "2"
    assert "Step 2 / 4" in texts(at) and "= 15" in texts(at)
    assert at.query_params["step"] == ["2"] or at.query_params["step"] == "2"


@pytest.mark.parametrize("query", [
    {"expr": "__import__('os').system('x')"}, {"step": "99999999999"}, {"seed": "nan"},
    {"mode": "admin"}, {"expr": "x+y", "at": "x=[1,2;y=nope"}, {"expr": "(" * 5000},
])
def test_tampered_url_shows_a_warning_not_a_traceback(query):
    at = start(**query)
    assert any("ignored" in w.value for w in at.warning)
    assert at.get("graphviz_chart")


def test_nan_is_flagged_and_stepping_continues():
    at = start(expr="log(x) * y", at="x=-1;y=2")
    assert "NaN/inf first appears at the log node" in texts(at)
    at.button(key="end").click().run()
    assert not at.exception and "Step 6 / 6" in texts(at)


def test_vector_output_explains_sum():
    at = start(expr="w * x", at="w=[1, 2];x=[3, 4]")
    assert "wrap it in sum(...)" in texts(at)


def test_quiz_mode_hides_then_scores():
    at = start(expr="x * y", at="x=2;y=3", seed="5", step="1", mode="quiz")
    next_(at)  # into the backward step of ×: the answer is hidden
    assert "Your turn" in texts(at) and "= 15" not in texts(at)
    assert at.button(key="next").disabled
    at.number_input(key="guess_2_0").set_value(15.0)
    at.number_input(key="guess_2_1").set_value(7.0)
    at.button[[b.label for b in at.button].index("Check")].click().run()
    page = texts(at)
    assert "Not quite" in page and "upstream × local = 5 × 2 = 10" in page
    assert any(m.value == "0 / 1" for m in at.metric)
    assert not at.button(key="next").disabled


def test_gradient_check_button():
    at = start()
    at.button(key="gradcheck").click().run()
    table = at.dataframe[-1].value
    assert list(table["result"]) == ["pass ✓"] * 3
