"""Exact cases from the classic backprop course material."""

import numpy as np
import pytest

from engine import backward, backward_steps, parse, var


def grads_at(text, seed=1.0, **values):
    root, leaves = parse(text).build(values)
    steps = list(backward_steps(root, seed=seed))
    return float(root.value), {n: float(leaf.grad) for n, leaf in leaves.items()}, steps


def test_add_then_mul_circuit():
    value, grads, _ = grads_at("(x + y) * z", x=-2, y=5, z=-4)
    assert value == -12.0
    assert grads == {"x": -4.0, "y": -4.0, "z": 3.0}


def test_mul_gate_swaps_inputs():
    value, grads, steps = grads_at("x * y", seed=5.0, x=2, y=3)
    assert value == 6.0 and grads == {"x": 15.0, "y": 10.0}
    mul = steps[0]
    assert float(mul.upstream) == 5.0
    assert [float(v) for v in mul.local] == [3.0, 2.0]
    assert [float(v) for v in mul.downstream] == [15.0, 10.0]


def test_add_gate_distributes():
    _, grads, steps = grads_at("x + y", seed=2.5, x=4, y=-7)
    assert grads == {"x": 2.5, "y": 2.5}
    assert [float(v) for v in steps[0].local] == [1.0, 1.0]


def test_copy_gate_sums_fan_out():
    value, grads, steps = grads_at("x * x + x", x=3)
    assert value == 12.0
    assert grads == {"x": 7.0}  # 2x + 1 at 3
    leaf_steps = [s for s in steps if s.is_leaf]
    assert len(leaf_steps) == 1  # one node for x, its upstream already summed over 3 uses
    assert float(leaf_steps[0].upstream) == 7.0


@pytest.mark.parametrize("x,y,expected", [(4.0, 2.0, (1.0, 0.0)), (-1.0, 5.0, (0.0, 1.0)),
                                          (3.0, 3.0, (0.5, 0.5))])  # a tie splits it (see test_kinks.py)
def test_max_gate_routes_to_larger(x, y, expected):
    _, grads, _ = grads_at("max(x, y)", x=x, y=y)
    assert (grads["x"], grads["y"]) == expected


def test_sigmoid_neuron():
    _, g, _ = grads_at("sigmoid(w0*x0 + w1*x1 + w2)", w0=2, x0=-1, w1=-3, x1=-2, w2=-3)
    # s = sigmoid(1) = 0.731; ds = s(1-s) = 0.1966 ; dw = ds * x, dx = ds * w
    ds = 1 / (1 + np.exp(-1.0)) * (1 - 1 / (1 + np.exp(-1.0)))
    assert g["w0"] == pytest.approx(-ds) and g["w0"] == pytest.approx(-0.20, abs=0.01)
    assert g["w1"] == pytest.approx(-2 * ds) and g["w1"] == pytest.approx(-0.39, abs=0.01)
    assert g["w2"] == pytest.approx(ds) and g["w2"] == pytest.approx(0.20, abs=0.01)
    assert g["x0"] == pytest.approx(2 * ds) and g["x0"] == pytest.approx(0.39, abs=0.01)
    assert g["x1"] == pytest.approx(-3 * ds) and g["x1"] == pytest.approx(-0.59, abs=0.01)


def test_reused_node_value_and_gradient():
    x = var(3.0, "x")
    y = x * x + x
    assert float(y.value) == 7.0 + 5.0  # 9 + 3
    backward(y)
    assert float(x.grad) == 7.0


def test_a_gradient_check_over_its_budget_is_refused_before_any_work(monkeypatch):
    """200 variables of 64 entries once cost 35 s of server CPU for one click."""
    import engine.gradcheck as gradcheck
    from engine import EngineError, parse
    from engine.graph import topo_order

    root, leaves = parse("sum(v * w) + sum(v)").build({"v": np.ones(8), "w": np.ones(8)})
    cost = gradcheck.check_cost(topo_order(root), list(leaves.values()))
    assert cost == 2 * 16 * len(topo_order(root))  # two forward passes per entry, each of every node
    monkeypatch.setattr(gradcheck, "MAX_CHECK_EVALUATIONS", cost)
    assert gradcheck.gradient_check(root).passed  # at the budget: checked
    monkeypatch.setattr(gradcheck, "MAX_CHECK_EVALUATIONS", cost - 1)
    monkeypatch.setattr(gradcheck, "numeric_gradient", lambda *a, **k: pytest.fail("worked over the budget"))
    with pytest.raises(EngineError, match=f"{cost:,} nodes"):
        gradcheck.gradient_check(root)
