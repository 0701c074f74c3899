"""The stepper's model and its renderers, without Streamlit."""

import re

import numpy as np
import pytest

from engine import ParseError
from engine.limits import MAX_STEP
from engine.node import const
from engine.ops import OPS
from playground.common.palette import LIGHT
from playground.common.presets import load_presets
from playground.stepper.graph_figure import graph_dot
from playground.stepper.ledger import chain_rule_lines, forward_formula, local_formulas, tex_name, upstream_note
from playground.stepper.quiz import prediction_is_close
from playground.stepper.state import STEPPER_SPEC, StepperState, parse_value
from playground.stepper.steps_table import DOWNSTREAM, LOCAL, steps_rows
from playground.stepper.walkthrough import build_walkthrough, check_gradients

CLASSIC = {"x": "-2", "y": "5", "z": "-4"}


def _node_block(dot, node_id):
    match = re.search(rf"^\tn{node_id} \[(.*)\]$", dot, re.M)
    assert match, f"node n{node_id} missing from DOT"
    return match.group(1)


def _current_ids(dot):
    return re.findall(r"^\tn(\d+) \[.*▶ now", dot, re.M)


def test_classic_circuit_steps():
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    assert len(walk.forward) == 2 and len(walk.backward) == 5
    assert walk.total_steps == 7
    mul = walk.backward[0]
    assert mul.node.op.name == "mul" and float(mul.upstream) == 1.0
    assert [float(g) for g in mul.downstream] == [-4.0, 3.0]


@pytest.mark.parametrize("step", range(0, 8))
def test_dot_highlights_exactly_the_current_node(step):
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    view = walk.view(step)
    dot = graph_dot(walk, view).source
    current = _current_ids(dot)
    if step == 0:
        assert current == []
    else:
        assert current == [str(view.current.id)]
        assert 'fillcolor="#F0E442"' in _node_block(dot, view.current.id)
    assert dot.count('fillcolor="#F0E442"') == (0 if step == 0 else 1)


def test_dot_values_and_gradients_at_each_backward_step():
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    ids = {n.op.symbol if n.op else n.label: n.id for n in walk.order}
    nf = len(walk.forward)
    # Before backward: values everywhere, no gradients.
    dot = graph_dot(walk, walk.view(nf)).source
    assert "= -12" in _node_block(dot, ids["×"]) and "grad" not in dot.split("edge [")[1].split("\n", 1)[1]
    # Backward step 1 (×): its gradient 1 and the gradients it sends to + (-4) and z (3).
    dot = graph_dot(walk, walk.view(nf + 1)).source
    assert "grad 1" in _node_block(dot, ids["×"])
    assert re.search(rf"n{ids['+']} -> n{ids['×']} .*grad -4", dot)
    assert re.search(rf"n{ids['z']} -> n{ids['×']} .*grad 3", dot)
    assert "local -4, 3" in _node_block(dot, ids["×"])
    waiting = _node_block(dot, ids["x"])  # x's value is known, its gradient still to come: it says so
    assert "grad ?" in waiting and not re.search(r"grad -?\d", waiting)
    assert 'style="filled,dashed"' in waiting and f'color="{LIGHT.gradient}"' in waiting
    assert "grad ?" not in _node_block(graph_dot(walk, walk.view(nf)).source, ids["x"])  # not in the forward pass
    # Backward step 2 (+): receives -4, sends -4 to both x and y.
    dot = graph_dot(walk, walk.view(nf + 2)).source
    assert "grad -4" in _node_block(dot, ids["+"])
    assert re.search(rf"n{ids['x']} -> n{ids['+']} .*grad -4", dot)
    assert re.search(rf"n{ids['y']} -> n{ids['+']} .*grad -4", dot)
    # End: every variable shows its final gradient.
    dot = graph_dot(walk, walk.view(walk.total_steps)).source
    for name, grad in (("x", "-4"), ("y", "-4"), ("z", "3")):
        assert f"grad {grad}" in _node_block(dot, ids[name])


def test_pending_nodes_are_dashed_and_values_unknown():
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    dot = graph_dot(walk, walk.view(0)).source
    mul = next(n for n in walk.order if n.op and n.op.symbol == "×")
    assert "dashed" in _node_block(dot, mul.id) and "= ?" in _node_block(dot, mul.id)


def test_nan_node_is_flagged_in_dot_and_stepping_works():
    walk = build_walkthrough("log(x) * y", {"x": "-1", "y": "2"})
    (node, issue), = walk.issues
    assert node.op.name == "log" and "negative" in issue
    dot = graph_dot(walk, walk.view(walk.total_steps)).source
    assert "⚠" in _node_block(dot, node.id)
    assert len(walk.backward) == 4


def test_vectors_need_a_scalar_output():
    walk = build_walkthrough("w * x", {"w": "[1, 2]", "x": "[3, 4]"})
    assert walk.backward == [] and "sum(" in walk.backward_error
    walk = build_walkthrough("sum(w * x)", {"w": "[0.5, -1, 2]", "x": "[1, 2, 3]"})
    np.testing.assert_allclose(walk.leaves["w"].grad, [1, 2, 3])
    np.testing.assert_allclose(walk.leaves["x"].grad, [0.5, -1, 2])
    assert "= [0.5, -2, 6]<" in graph_dot(walk, walk.view(1)).source  # a short vector: its entries, no "(3,)"
    long = build_walkthrough("sum(v)", {"v": str(list(range(12)))})
    assert "(12)" in graph_dot(long, long.view(0)).source  # elided: its size said


def test_copy_gate_contributions_add_up():
    walk = build_walkthrough("x * x + x", {"x": "3"})
    end = walk.view(walk.total_steps)
    parts = walk.contributions(walk.leaves["x"], end)
    assert sorted(float(g) for _, g in parts) == [1.0, 3.0, 3.0]
    assert sum(float(g) for _, g in parts) == float(walk.leaves["x"].grad) == 7.0


def test_ledger_formulas_come_from_the_registry():
    walk = build_walkthrough("x * y", {"x": "2", "y": "3"}, output_grad=5.0)
    step = walk.backward[0]
    assert local_formulas(step) == [r"\frac{\partial q_{1}}{\partial x} = {y}",  # the registry's b · a, in the
                                    r"\frac{\partial q_{1}}{\partial y} = {x}"]  # learner's own names
    lines = chain_rule_lines(step)
    assert lines[0].startswith(r"\frac{\partial L}{\partial x}") and "5" in lines[0] and "3" in lines[0]
    assert lines[0].endswith("= 15") and lines[1].endswith("= 10")
    rows = steps_rows(walk, walk.view(walk.total_steps))
    assert [r["pass"] for r in rows] == ["forward", "backward", "backward", "backward"]
    assert rows[1][DOWNSTREAM] == "to x: 15 · to y: 10"  # each gradient named by the input it goes to
    assert rows[1][LOCAL] == "∂q₁/∂x: 3 · ∂q₁/∂y: 2"


def test_bad_inputs_raise_engine_or_value_errors():
    with pytest.raises(ParseError):
        build_walkthrough("x ^ 2", {"x": "1"})
    with pytest.raises(ValueError, match="x"):
        build_walkthrough("x + 1", {"x": "abc"})
    with pytest.raises(ParseError):
        build_walkthrough("a + b", {"a": "[1, 2]", "b": "[1, 2, 3]"})


@pytest.mark.parametrize("text,expected", [("-2", -2.0), ("1e-3", 1e-3), ("[1, 2, 3]", [1.0, 2.0, 3.0]),
                                           ("[1 2]", [1.0, 2.0]), ("nan", "nan")])
def test_parse_value(text, expected):
    value = parse_value(text)
    if expected == "nan":
        assert np.isnan(value)
    else:
        assert value == expected


@pytest.mark.parametrize("text", ["", "abc", "[1, x]", "__import__('os')", "[" + ",".join(["1"] * 65) + "]",
                                  "1" * 50, "[]", "2**3"])
def test_parse_value_rejects(text):
    with pytest.raises(ValueError):
        parse_value(text)


def test_state_round_trips_through_the_url():
    state = StepperState("sum(w * x)", {"w": "[0.5, -1, 2]", "x": "[1, 2, 3]"}, 2.5, 4, "quiz")
    back, warnings = STEPPER_SPEC.from_query(STEPPER_SPEC.to_query(state))
    assert back == state and warnings == []
    back, warnings = STEPPER_SPEC.from_json(STEPPER_SPEC.to_json(state))
    assert back == state and warnings == []


@pytest.mark.parametrize("query,field", [
    ({"expr": "__import__('os')"}, "expression"), ({"step": "-3"}, "step"), ({"step": "x"}, "step"),
    ({"seed": "inf"}, "output gradient"), ({"grad": "nan"}, "output gradient"), ({"mode": "<script>"}, "mode"),
    ({"expr": "x + y", "at": "x=1;y=evil()"}, "value for y"), ({"step": "99999999"}, "step"),
    ({"colour": "red"}, "no setting called 'colour'"),
])
def test_tampered_url_falls_back_with_a_warning(query, field):
    state, warnings = STEPPER_SPEC.from_query(query)
    assert any(field in w for w in warnings), warnings
    default = StepperState()
    for name, attribute in (("seed", "output_grad"), ("grad", "output_grad"), ("step", "step"), ("mode", "mode")):
        if name in query:
            assert getattr(state, attribute) == getattr(default, attribute)


def test_out_of_range_step_names_the_field_and_its_bounds():
    _, warnings = STEPPER_SPEC.from_query({"step": "99999999"})
    assert warnings == [f"Ignored the link's step (step=): must be between 0 and {MAX_STEP:,}, not 99,999,999. "
                        "Using the default."]


def test_gradient_check_and_quiz_tolerance():
    walk = build_walkthrough("sigmoid(w0*x0 + w1*x1 + w2)",
                             {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"})
    result = check_gradients(walk)
    assert result.passed and len(result.variables) == 5
    assert prediction_is_close(-0.197, -0.19661) and not prediction_is_close(-0.25, -0.19661)


def test_presets_all_build():
    presets = load_presets("stepper")
    assert len(presets) >= 10
    for p in presets:
        walk = build_walkthrough(p["expr"], p["values"], p["output_grad"])
        assert walk.total_steps > 0, p["name"]
        assert walk.backward_error is None, p["name"]


def test_dark_palette_changes_only_what_sits_on_the_background():
    from playground.common.palette import DARK, LIGHT
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    view = walk.view(4)
    light, dark = graph_dot(walk, view, LIGHT).source, graph_dot(walk, view, DARK).source
    assert f'color="{DARK.edge}"' in dark and f'color="{DARK.edge}"' not in light
    assert DARK.edge_gradient in dark and 'fillcolor="#F0E442"' in dark  # node fills are the same


def test_ledger_latex_writes_small_numbers_as_powers_of_ten():
    from playground.stepper.ledger import chain_rule_lines, forward_formula
    walk = build_walkthrough("x * y", {"x": "-2.524e-05", "y": "3e20"})
    lines = [forward_formula(walk.forward[0])]
    lines += [t for s in walk.backward if not s.is_leaf for t in chain_rule_lines(s)]
    text = " ".join(lines)
    assert r"-2.524 \times 10^{-5}" in text and r"3 \times 10^{20}" in text
    assert not re.search(r"\de[+-]?\d", text), text  # no "e-05": KaTeX would set it as a subtraction


def test_graph_in_words_says_what_is_known_at_the_step():
    from playground.stepper.ledger import graph_in_words
    walk = build_walkthrough("(x + y) * z", CLASSIC)
    start, middle = graph_in_words(walk, walk.view(0)), graph_in_words(walk, walk.view(4))
    assert "the + node (add of x and y): value not computed yet" in start and "gradient" not in start
    assert "the + node (add of x and y): value 3, gradient -4 ← current step" in middle
    assert "z: value -4" in middle and "z: value -4, gradient" not in middle  # z's step comes later


# --- the ledger names a node's inputs as the learner does ---

def _backward_step(walk, symbol):
    return next(s for s in walk.backward if s.node.op is not None and s.node.op.symbol == symbol)


def test_formulas_use_the_learners_names_and_name_each_intermediate():
    walk = build_walkthrough("sum(w * x)", {"w": "[0.5, -1, 2]", "x": "[1, 2, 3]"})
    assert [n.label for n in walk.order if n.op] == ["q₁", "q₂"]  # q₁ = w · x, q₂ = Σ q₁
    lines = chain_rule_lines(_backward_step(walk, "×"))
    # once "∂L/∂x = [1, 1, 1]" named the × node while x's own gradient is [0.5, -1, 2]
    assert lines[1].startswith(r"\frac{\partial L}{\partial x}") and lines[1].endswith("= [0.5, -1, 2]")
    assert lines[0].startswith(r"\frac{\partial L}{\partial w}") and lines[0].endswith("= [1, 2, 3]")
    assert graph_dot(walk, walk.view(0)).source.count("q₁") == 1  # the graph shows the same name
    walk = build_walkthrough("q * w0 + lr_rate", {})
    assert [n.label for n in walk.order if n.op] == ["u₁", "u₂"]  # the learner has a q
    assert forward_formula(walk.forward[0]).startswith(r"u_{1} = {q} \cdot {w_{0}} = 1")
    assert r"\partial \mathit{lr\_rate}" in local_formulas(_backward_step(walk, "+"))[1]


def test_a_constant_input_gets_no_local_formula_and_negatives_keep_brackets():
    walk = build_walkthrough("x ** 2", {"x": "3"})
    assert local_formulas(walk.backward[0]) == [r"\frac{\partial q_{1}}{\partial x} = {2}\,{x}^{{2}-1}"]
    assert tex_name(const(-2.5)) == "(-2.5)" and tex_name(const(2.5)) == "2.5"  # -2.5² is not (-2.5)²
    walk = build_walkthrough("(-2) ** x", {"x": "3"})  # the parser reads -2 as the neg node q₁ of 2
    assert forward_formula(walk.forward[1]).startswith("q_{2} = {q_{1}}^{{x}} = -8")


def test_matrix_rules_are_written_for_the_upstream_gbar_and_say_so():
    walk = build_walkthrough("w @ x", {"w": "[0.5, -1, 2]", "x": "[1, 2, 3]"})
    step = walk.backward[0]
    assert local_formulas(step) == [r"\frac{\partial L}{\partial w} = \bar{G} {x}^{\top}",
                                    r"\frac{\partial L}{\partial x} = {w}^{\top} \bar{G}"]
    assert "∂L/∂q₁" in upstream_note(step) and upstream_note(walk.backward[0]) is not None
    assert upstream_note(_backward_step(build_walkthrough("x * y", {}), "×")) is None


def test_every_registry_formula_names_each_argument():
    for op in OPS.values():
        tokens = re.findall(r"(?<![\\A-Za-z])([A-Za-z])(?![A-Za-z])", op.latex)
        assert set(op.args) <= set(tokens), (op.name, op.args, op.latex)


def test_an_elementwise_product_of_arrays_is_written_as_one_and_the_jacobian_layout_is_said():
    from playground.stepper.ledger import step_notes

    walk = build_walkthrough("sum(w * x)", {"w": "[0.5, -1, 2]", "x": "[1, 2, 3]"})
    assert r"{w} \odot {x} = [0.5, -2, 6]" in forward_formula(walk.forward[0])  # w · x would read as 4.5
    assert r"{x} \cdot {y}" in forward_formula(build_walkthrough("x * y", {}).forward[0])
    mul = _backward_step(walk, "×")
    assert any("course notes" in note for note in step_notes(mul))
    assert step_notes(_backward_step(build_walkthrough("x * y", {}), "×")) == []


@pytest.mark.parametrize("expr", ["x * y - x", "x - x * y", "x * 2 - x * 5"])
def test_the_copy_gate_sum_never_reads_plus_minus(expr):
    from playground.stepper.ledger import copy_gate_note

    walk = build_walkthrough(expr, {"x": "3", "y": "2"})
    notes = [copy_gate_note(walk, walk.view(k), str) for k in range(walk.total_steps + 1)
             if walk.view(k).backward is not None and walk.view(k).backward.is_leaf]
    notes = [n for n in notes if n]
    assert notes and not any("+ -" in n for n in notes), notes
    total = float(walk.leaves["x"].grad)
    assert all(n.endswith(f"= {total:g}.") for n in notes)


def test_the_graph_and_the_tables_write_powers_of_ten_as_people_read_them():
    from playground.stepper.ledger import gradient_check_rows

    walk = build_walkthrough("sigmoid(x)", {"x": "10"})
    end = walk.view(walk.total_steps)
    drawn = graph_dot(walk, end).source + str(steps_rows(walk, end))
    drawn += str(gradient_check_rows(check_gradients(walk)))
    assert "4.54\u00a0×\u00a010⁻⁵" in drawn and not re.search(r"\de[+-]\d", drawn), drawn
