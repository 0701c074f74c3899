"""A learner's review of the stepper: numbers that round to a whole number they aren't, bad values, the teacher's
JSON, the table of steps, and what a graph of hundreds of nodes shows (plain modules, no page)."""

import numpy as np
import pytest

from engine.formatting import format_number, readable_array
from engine.limits import MAX_VECTOR
from playground.common.teacher import TeacherView
from playground.stepper import session, steps_table
from playground.stepper.graph_figure import MAX_NEIGHBOURS, graph_dot, neighbourhood
from playground.stepper.ledger import forward_formula, graph_in_words, graph_makeup
from playground.stepper.state import STEPPER_SPEC, StepperState
from playground.stepper.teacher_json import TeacherJson
from playground.stepper.walkthrough import build_walkthrough

CAN_HIDE = dict.fromkeys(("presets", "ledger", "table", "gradcheck"), "a panel")  # as the page names them
CAN_LOCK = dict.fromkeys(("expression", "mode"), "a control")
SIGMOID_10 = 1 / (1 + np.exp(-10.0))


@pytest.mark.parametrize("x", [SIGMOID_10, 1 + 4.5e-5, -0.99999, 2 - 1e-7, 1234.4])
def test_a_number_is_never_rounded_to_a_whole_number_it_is_not(x):
    text = format_number(x)
    assert float(text) != round(x) and abs(float(text) - x) <= 1e-4 * abs(x), text


def test_whole_numbers_and_ordinary_ones_keep_their_short_form():
    assert [format_number(x) for x in (1.0, -3.0, 0.5, 0.123456, 12345.6)] == ["1", "-3", "0.5", "0.1235", "1.235e+04"]


def test_the_saturated_sigmoid_reads_as_below_one_everywhere_it_is_shown():
    walk = build_walkthrough("sigmoid(x)", {"x": "10"})
    end = walk.view(walk.total_steps)
    assert " = 0.99995\\qquad" in forward_formula(walk.forward[0])
    assert "= 0.99995" in graph_dot(walk, end).source and "= 1<" not in graph_dot(walk, end).source
    assert readable_array(walk.root.value) == "0.99995"


def test_a_bad_value_keeps_the_last_good_one_and_says_what_is_wrong():
    ss = {"stepper_values_x": "2", "stepper_values_y": "3"}
    assert session.readable_values(ss, ["x", "y"]) == ({"x": "2", "y": "3"}, {})
    ss["stepper_values_x"] = "abc"
    values, errors = session.readable_values(ss, ["x", "y"])
    assert values == {"x": "2", "y": "3"} and "'abc' is not a number" in errors["x"] and "y" not in errors
    assert session.readable_values({"stepper_values_z": "[1,"}, ["z"])[0] == {"z": "1"}  # never a good one: 1


def test_values_whose_sizes_dont_fit_keep_the_last_graph():
    ss: dict = {}
    walk, values, error = session.walk_or_last(ss, "x + y", {"x": "[1, 2]", "y": "[3, 4]"}, 1.0)
    assert error is None and walk.text == "x + y"
    walk, values, error = session.walk_or_last(ss, "x + y", {"x": "[1, 2]", "y": "[3, 4, 5]"}, 1.0)
    assert error is not None and values == {"x": "[1, 2]", "y": "[3, 4]"} and list(walk.root.value) == [4, 6]
    assert session.walk_or_last({}, "x + y", {"x": "[1, 2]", "y": "[3, 4, 5]"}, 1.0)[0] is None


def test_the_teachers_json_holds_hide_and_lock_and_reads_back_the_same():
    ss = {"stepper_hide": ["ledger", "table"], "stepper_lock": ["mode"]}
    settings = TeacherJson(STEPPER_SPEC, CAN_HIDE, CAN_LOCK, ss, "stepper")
    state = StepperState(expr="x * y", values={"x": "2", "y": "3"}, step=2, mode="quiz")
    data = settings.to_json(state)
    assert data["hide"] == ["ledger", "table"] and data["lock"] == ["mode"]
    loaded, warnings = settings.from_json(data)
    assert warnings == [] and loaded.state == state
    assert loaded.teacher == TeacherView(frozenset({"ledger", "table"}), frozenset({"mode"}))
    assert "hide" not in TeacherJson(STEPPER_SPEC, CAN_HIDE, CAN_LOCK, {}, "stepper").to_json(state)
    loaded, warnings = settings.from_json({**data, "hide": "ledger", "lock": ["everything"]})
    assert loaded.teacher == TeacherView() and len(warnings) == 2  # each bad list named, nothing hidden by it
    assert "everything" in warnings[1] and "JSON" in warnings[1] and "link" not in warnings[1]  # where it was


def test_loading_json_settings_opens_them_as_their_link_would():
    ss = {"stepper_hide": ["table"], "stepper_teacher": TeacherView()}
    loaded, _ = TeacherJson(STEPPER_SPEC, CAN_HIDE, CAN_LOCK, {}, "stepper").from_json(
        {"expr": "x * y", "hide": ["gradcheck"], "lock": ["mode"]})
    session.load_settings(ss, loaded)
    assert ss["stepper_teacher"] == TeacherView(frozenset({"gradcheck"}), frozenset({"mode"}))
    assert "stepper_hide" not in ss and ss["stepper_expr"] == "x * y"


def test_the_table_names_each_input_and_shows_every_entry():
    ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    walk = build_walkthrough("sum(w * x)", {"w": f"[{', '.join(['0.5'] * 10)}]", "x": ten})
    rows = steps_table.steps_rows(walk, walk.view(walk.total_steps))
    mul = next(r for r in rows if r["op"] == "mul" and r["pass"] == "backward")
    assert mul[steps_table.DOWNSTREAM].startswith(f"to w: {ten} · to x: [0.5,")
    assert "…" not in str(rows)
    total = next(r for r in rows if r["op"] == "sum" and r["pass"] == "backward")
    assert total[steps_table.LOCAL] == f"∂q₂/∂q₁: {steps_table.NOT_ELEMENTWISE}"  # sum's local is a Jacobian
    big = steps_table.full(np.arange(MAX_VECTOR))
    assert big.count(",") == MAX_VECTOR - 1


def test_the_table_comes_in_pages():
    rows = [{"step": str(i + 1)} for i in range(60)]
    assert steps_table.pages(60) == ["1–25", "26–50", "51–60"] and steps_table.pages(25) == ["1–25"]
    assert [r["step"] for r in steps_table.page_of(rows, "51–60")] == [str(i) for i in range(51, 61)]


def test_a_huge_graph_is_drawn_around_its_current_node_and_described_briefly():
    names = [f"v{i % 64}" for i in range(198)]
    walk = build_walkthrough("sum(" + "+".join(names) + ")", {})
    start = walk.view(0)
    nodes, left_out = neighbourhood(walk, start)  # before the first step: the output and its input
    assert [n.op.name for n in nodes] == ["add", "sum"] and left_out == len(walk.order) - 2
    v0 = walk.view(len(walk.forward) + len(walk.backward))  # the last step: the input v0, used by 4 + nodes
    nodes, _ = neighbourhood(walk, v0)
    assert nodes[0].label == "v0" and 1 < len(nodes) <= 1 + MAX_NEIGHBOURS
    words = graph_in_words(walk, v0, nodes)
    assert len(words.splitlines()) == 2 + len(nodes) and "64 variables, 197 add nodes, 1 sum node" in words
    assert graph_makeup(build_walkthrough("x * 2", {}).order) == "1 variable, 1 constant, 1 mul node"
    busy = build_walkthrough(" + ".join(["x"] * 20), {})  # x is used by 19 + nodes: a few are drawn
    nodes, left_out = neighbourhood(busy, busy.view(busy.total_steps))
    assert len(nodes) == 1 + MAX_NEIGHBOURS and left_out == len(busy.order) - 1 - MAX_NEIGHBOURS


def test_a_gradient_check_over_its_budget_compares_entries_spread_over_each_variable(monkeypatch):
    """The largest link's check once cost 35 s of server CPU, then was refused: now it compares what fits."""
    import engine.gradcheck as gradcheck
    from engine import EngineError
    from playground.stepper.ledger import gradient_check_note, gradient_check_rows
    from playground.stepper.walkthrough import check_gradients

    ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    walk = build_walkthrough("sum(v * w)", {"v": ten, "w": ten})  # 4 nodes: v, w, ×, sum
    assert gradient_check_note(check_gradients(walk)) is None
    assert gradient_check_rows(check_gradients(walk))[0]["entries compared"] == "all 10"
    monkeypatch.setattr(gradcheck, "MAX_CHECK_EVALUATIONS", 2 * 4 * 2 * 3)  # 3 entries of each of 2 variables
    result = check_gradients(walk)
    assert result.passed and [v.checked for v in result.variables] == [(0, 4, 9), (0, 4, 9)]
    assert np.isnan(result.variables[0].numeric[1]) and result.variables[0].numeric[9] == pytest.approx(10)
    row = gradient_check_rows(result)[0]
    assert row["entries compared"] == "3 of 10: 1, 5, 10" and row["analytic"] == "[1, 5, 10]"
    assert "2 of the 2 variables" in gradient_check_note(result)
    monkeypatch.setattr(gradcheck, "MAX_CHECK_EVALUATIONS", 2 * 4 * 2 - 1)  # not one entry each: refused
    with pytest.raises(EngineError, match="even one entry"):
        check_gradients(walk)
