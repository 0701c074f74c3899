"""The stepper page through Streamlit's AppTest: widgets -> state -> what is displayed."""


import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from playground.common import graph_export
from playground.common.presets import load_presets
from playground.stepper.steps_table import DOWNSTREAM
from playground.stepper.walkthrough import build_walkthrough
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
    assert any("ignored" in w.value.lower() for w in at.warning)
    assert at.get("graphviz_chart")


def test_nan_is_flagged_and_stepping_continues():
    at = start(expr="log(x) * y", at="x=-1;y=2")
    assert "NaN/inf first appears at q₁, the log node" in texts(at)
    at.button(key="end").click().run()
    assert not at.exception and "Step 6 / 6" in texts(at)


def test_vector_output_explains_sum():
    at = start(expr="w * x", at="w=[1, 2];x=[3, 4]")
    assert "wrap it in sum(...)" in texts(at).replace("\\", "")  # the engine's text, shown literally


def test_quiz_mode_hides_then_scores_each_input():
    at = start(expr="x * y", at="x=2;y=3", seed="5", step="1", mode="quiz")
    next_(at)  # into the backward step of ×: the answer is hidden
    assert "Your turn" in texts(at) and "= 15" not in texts(at) and "grad 15" not in dot(at)
    assert at.button(key="next").disabled
    at.number_input(key="guess_2_0").set_value(15.0)
    at.number_input(key="guess_2_1").set_value(7.0)
    at.button[[b.label for b in at.button].index("Check")].click().run()
    page = texts(at)
    assert "1 of 2 right" in page and "upstream × local = 5 × 2 = 10" in page.replace("\\", "")
    assert any(m.value == "1 / 2" for m in at.metric)  # partial credit: one point per input
    assert not at.button(key="next").disabled
    assert not at.get("help"), "a callback's return value was written to the page"


def test_quiz_never_shows_an_answer_before_it_is_predicted():
    at = start(expr="x * y", at="x=2;y=3", seed="5", step="2", mode="quiz")
    rows = at.table[0].value
    assert list(rows[rows["step"] == "2"][DOWNSTREAM]) == ["?"]  # the table keeps it hidden too
    assert "15" not in " ".join(map(str, rows[DOWNSTREAM])) and "grad 15" not in dot(at)
    assert "opens at the last step" in " ".join(c.value for c in at.caption)  # no gradient check mid-quiz
    assert not at.button(key="gradcheck") if hasattr(at, "button") and any(
        b.key == "gradcheck" for b in at.button) else True


def test_quiz_skip_and_end_count_as_not_answered():
    at = start(expr="(x + y) * z", at="x=-2;y=5;z=-4", step="3", mode="quiz")
    at.button[[b.label for b in at.button].index("Skip (no points)")].click().run()
    assert any(m.value == "0 / 2" for m in at.metric) and "Skipped" in texts(at)
    at.button(key="end").click().run()  # the + node's question is passed over: skipped, not a free pass
    assert "Step 7 / 7" in texts(at)
    assert any(m.value == "0 / 4" for m in at.metric)


def test_end_at_step_zero_in_a_quiz_scores_nothing():
    at = start(expr="x * y", at="x=2;y=3", mode="quiz")
    at.button(key="end").click().run()
    assert any(m.value == "0 / 2" for m in at.metric)


def test_teacher_quiz_link_with_hidden_panels_still_asks():
    at = start(expr="(x + y) * z", at="x=-2;y=5;z=-4", step="3", mode="quiz", hide="ledger,table",
               lock="expression,mode")
    assert "Your turn" in texts(at)
    assert not at.get("dataframe")
    at.number_input(key="guess_3_0").set_value(-4.0)
    at.number_input(key="guess_3_1").set_value(3.0)
    at.button[[b.label for b in at.button].index("Check")].click().run()
    assert any(m.value == "2 / 2" for m in at.metric)
    next_(at)
    assert "Step 4 / 7" in texts(at)


def test_a_new_expression_starts_over():
    at = start(expr="x * y", at="x=2;y=3", seed="5", step="4")
    at.text_input(key="stepper_expr").input("x * y + x").run()
    total = build_walkthrough("x * y + x", {"x": "2", "y": "3"}).total_steps
    assert f"Step 0 / {total}" in texts(at)
    assert at.number_input(key="stepper_output_grad").value == 1
    assert "grad" not in dot(at)


def test_a_preset_note_goes_when_the_example_changes():
    at = start()
    next(b for b in at.button if b.label == "Mul gate swaps").click().run()
    assert any("Mul gate swaps" in i.value for i in at.info)
    at.text_input(key="stepper_expr").input("(x + y) * z").run()
    assert not any("Mul gate swaps" in i.value for i in at.info)


def test_a_lesson_link_shows_its_note():
    lesson = next(lesson for section in load_presets("lessons") for lesson in section["lessons"]
                  if lesson["page"] == "stepper")
    at = start(**lesson["query"])
    assert any(lesson["title"] in i.value for i in at.info)


def test_a_share_link_made_while_the_box_is_unreadable_keeps_the_last_readable_example():
    at = start(expr="x * y", at="x=2;y=3")
    at.text_input(key="stepper_expr").input("x ^^ 2").run()
    assert "can't be read" in texts(at)
    assert at.query_params["expr"] == "x * y" and at.query_params["at"] == "x=2;y=3"


def test_gradient_check_button():
    at = start()
    at.button(key="gradcheck").click().run()
    table = at.dataframe[-1].value
    assert list(table["result"]) == ["pass ✓"] * 3


def test_a_tie_says_which_convention_decided_the_gradient():
    at = start(expr="max(x, y) * 2", at="x=3;y=3", step="4")  # the max node's backward step: a tie
    page = texts(at)
    assert "Convention" in page and "tie" in page.lower()
    assert "grad 1" in dot(at)  # the tie splits the upstream 2 evenly: 1 to each input


def test_gradient_check_uses_the_output_gradient():
    at = start(expr="x * y", at="x=2;y=3", grad="5")
    at.button(key="gradcheck").click().run()
    table = at.dataframe[-1].value
    assert list(table["analytic"]) == ["15", "10"] and list(table["result"]) == ["pass ✓"] * 2


def test_an_empty_box_is_never_graded():
    """The boxes once started at 0, so Check with nothing typed scored ∂L/∂y = 0 in max(x, y) * 2; then an empty
    box was graded wrong at once (Enter in the first box submits the form). Now a step is graded when every box
    is filled."""
    at = start(expr="max(x, y) * 2", at="x=4;y=2", step="4", mode="quiz")  # the max node: x gets 2, y gets 0
    assert at.number_input(key="guess_4_0").value is None and at.number_input(key="guess_4_1").value is None
    at.number_input(key="guess_4_0").set_value(2.0)
    at.button[[b.label for b in at.button].index("Check")].click().run()
    assert "Fill the empty box, or Skip this step." in texts(at) and "right" not in texts(at)
    assert any(m.value == "0 / 0" for m in at.metric) and at.button(key="next").disabled
    assert at.number_input(key="guess_4_0").value == 2.0
    at.number_input(key="guess_4_1").set_value(0.0)
    at.button[[b.label for b in at.button].index("Check")].click().run()
    assert "✓ Right" in texts(at) and "Fill the" not in texts(at) and any(m.value == "2 / 2" for m in at.metric)


def test_quiz_on_vectors_says_why_nothing_is_asked():
    at = start(expr="sum(w * x)", at="w=[0.5, -1, 2];x=[1, 2, 3]", mode="quiz")
    assert "nothing to predict" in texts(at)
    assert "nothing to predict" not in texts(start(expr="x * y", at="x=2;y=3", mode="quiz"))


def test_a_decimal_comma_is_refused_not_read_as_its_first_number():
    at = start(expr="x * y", at="x=2,5;y=3")
    assert "decimal point" in texts(at) and not at.exception
    at = start(expr="x * y", at="x=−2;y=3", step="3")  # the page's own minus sign, copied back in
    assert not at.warning and "-6" in texts(at)


def test_a_shape_error_shows_the_expression_with_its_caret_on_its_own_line():
    at = start(expr="sum(W @ x)")
    assert any("inner sizes agree" in e.value for e in at.error)
    assert any(c.value.splitlines()[1].strip() == "^" for c in at.code)


def test_a_graph_too_big_to_draw_whole_draws_the_current_nodes_neighbourhood():
    """A 400-term link once sent 180 kB of Graphviz source, which a browser tab lays out for minutes; then it sent
    no graph at all. Now: the current node, its inputs and the nodes using it, and the rest said in words."""
    from playground.stepper.ledger import MAX_DRAWN_NODES

    names = [f"v{i}" for i in range(MAX_DRAWN_NODES // 2 + 1)]
    at = start(expr=" + ".join(names), step="3")  # the third + node: q₃ = q₂ + v3, used by q₄
    source = dot(at)
    drawn = re.findall(r"^\tn\d+ \[label=<<TABLE.*?<B>([^<]+)</B>", source, re.M)
    assert sorted(drawn) == ["+", "+", "+", "v3"] and "▶ now" in source and not at.exception
    assert all(name in source for name in ("q₂ · add", "q₃ · add", "q₄ · add")) and "q₅" not in source
    assert "too many to draw" in texts(at) and f"{len(names)} variables, {len(names) - 1} add nodes" in texts(at)
    folded = [e for e in at.expander if e.label == f"Values of the {len(names)} variables"]  # 76 boxes fold away
    assert len(folded) == 1 and len(folded[0].text_input) == len(names)
    small = start(expr=" + ".join(names[:20]))
    assert small.get("graphviz_chart") and "too many" not in texts(small) and "q₁₉ · add" in dot(small)


def test_the_teachers_json_says_what_the_link_hides_and_locks_and_loads_back():
    at = start(expr="x * y", at="x=2;y=3", step="2", hide="table", lock="mode")
    shown = next(c.value for c in at.code if c.language == "json")
    assert '"hide": [\n  "table"\n ]' in shown and '"lock": [\n  "mode"\n ]' in shown
    at = start(expr="x * y", at="x=2;y=3", step="2")
    assert at.get("table") and '"hide"' not in next(c.value for c in at.code if c.language == "json")
    at.text_area(key="stepper_json_text").set_value(shown.replace('"x * y"', '"x * y + 1"')).run()
    at.button(key="stepper_json_load").click().run()
    assert not at.exception and at.text_input(key="stepper_expr").value == "x * y + 1"
    assert not at.get("table") and at.segmented_control(key="stepper_mode").disabled  # as its link would open


def test_the_nan_preset_explains_the_finite_gradient_and_the_check_says_it_has_nothing_to_compare():
    at = start(expr="log(x) * y", at="x=-1;y=2", step="4")  # step 4: the log node's backward step
    page = texts(at)
    assert "Convention" in page and "no slope" in page
    at.button(key="gradcheck").click().run()
    table = at.dataframe[-1].value
    assert all(r.startswith("no check") for r in table["result"]) and "FAIL ✗" not in list(table["result"])
    assert any("nothing to be checked against" in i.value for i in at.info)


def player_frames(at) -> list[dict]:
    players = at.get("bidi_component")
    return json.loads(players[0].proto.json)["frames"] if players else []


@pytest.mark.skipif(not graph_export.dot_available(), reason="the player's frames are drawn by Graphviz's dot")
def test_while_the_browser_plays_nothing_else_shows_a_step_and_pause_brings_the_step_back():
    """Play hands the steps ahead to the player in the browser, from the step shown; the step heading, the graph,
    the ledger and the table would show the step Play started from, so they are not drawn until Play stops."""
    at = start(expr="(x+y)*z", at="x=-2;y=5;z=-4", step="2")
    at.button(key="stepper_play").click().run()
    assert [f["step"] for f in player_frames(at)] == [2, 3, 4, 5, 6, 7]
    assert "▶ Playing" in texts(at) and "Step 2 / 7" not in texts(at)
    assert not at.get("graphviz_chart") and not at.table and "Chain-rule ledger" not in [h.value for h in at.subheader]
    at.button(key="stepper_pause").click().run()  # the page's Pause, before the player could take it
    assert not player_frames(at) and "Step 2 / 7" in texts(at) and at.get("graphviz_chart") and at.table
    assert "Chain-rule ledger" in [h.value for h in at.subheader]
