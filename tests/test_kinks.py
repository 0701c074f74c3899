"""Derivatives where the maths leaves them undefined: ties, kinks and zero bases.

Each convention is pinned twice: by exact numbers written here (so it holds without torch), and
against torch at the same points. Set GRADLAB_REQUIRE_TORCH=1 to make a missing torch a failure.
"""

import os
import warnings

import numpy as np
import pytest

from engine import OPS, apply, backward, backward_steps, const, parse, var

ON_KINK = {  # an input on each op's convention point, and one just off it
    "max": ((2.0, 2.0), (2.0, 1.0)),
    "min": ((-1.0, -1.0), (-1.0, 3.0)),
    "relu": ((0.0,), (0.5,)),
    "abs": ((0.0,), (-0.5,)),
    "leaky_relu": ((0.0,), (-0.5,)),
    "pow": ((0.0, 0.0), (0.5, 0.0)),
}


def torch_or_skip():
    if os.environ.get("GRADLAB_REQUIRE_TORCH"):
        import torch  # a missing torch fails here, as asked
        return torch
    return pytest.importorskip("torch")


def grads(text, seed=1.0, **values):
    """Output gradients of each variable, and the op steps, through the checked (stepper's) path."""
    root, leaves = parse(text).build(values)
    steps = [s for s in backward_steps(root, seed=seed) if not s.is_leaf]
    return {n: float(leaf.grad) for n, leaf in leaves.items()}, steps


# --- max / min ties: the gradient is split evenly ---

@pytest.mark.parametrize("fn", ["max", "min"])
@pytest.mark.parametrize("seed", [1.0, 3.0])
def test_a_tie_splits_the_gradient_evenly(fn, seed):
    g, steps = grads(f"{fn}(x, y)", seed=seed, x=2.0, y=2.0)
    assert g == {"x": seed / 2, "y": seed / 2}
    assert [float(v) for v in steps[0].local] == [0.5, 0.5]
    assert [float(v) for v in steps[0].downstream] == [seed / 2, seed / 2]
    assert "tie" in steps[0].note and "half" in steps[0].note


@pytest.mark.parametrize("fn,x,y,expected", [("max", 2.0, 1.0, (1.0, 0.0)), ("max", 1.0, 2.0, (0.0, 1.0)),
                                             ("min", 2.0, 1.0, (0.0, 1.0)), ("min", 1.0, 2.0, (1.0, 0.0))])
def test_without_a_tie_the_whole_gradient_goes_one_way_and_there_is_no_note(fn, x, y, expected):
    g, steps = grads(f"{fn}(x, y)", x=x, y=y)
    assert (g["x"], g["y"]) == expected
    assert steps[0].note is None


def test_a_tie_in_some_elements_of_a_vector():
    a, b = var([1.0, 2.0, 3.0, -1.0], "a"), var([1.0, 0.0, 5.0, -1.0], "b")
    out = apply("max", a, b)
    steps = list(backward_steps(out.sum()))
    assert a.grad.tolist() == [0.5, 1.0, 0.0, 0.5] and b.grad.tolist() == [0.5, 0.0, 1.0, 0.5]
    note = next(s.note for s in steps if s.node is out)
    assert note.endswith("(at 2 of 4 elements)")


# --- relu, abs, leaky_relu at 0; relu(x) and max(x, 0) differ there ---

@pytest.mark.parametrize("text,expected,says", [
    ("relu(x)", 0.0, "relu′(0) is taken as 0"),
    ("max(x, 0)", 0.5, "half the gradient"),
    ("max(0, x)", 0.5, "half the gradient"),
    ("abs(x)", 0.0, "sign(0) = 0"),
    ("leaky_relu(x)", 0.01, "0.01"),
])
def test_slope_at_zero_and_the_note_that_explains_it(text, expected, says):
    g, steps = grads(text, x=0.0)
    assert g["x"] == expected  # exact: these are conventions, not approximations
    assert says in steps[0].note


def test_relu_and_max_with_zero_explain_their_difference():
    relu, max0 = OPS["relu"].convention, OPS["max"].convention
    assert "max(x, 0)" in relu and "half" in relu
    assert "relu′(0) = 0" in max0


@pytest.mark.parametrize("name", sorted(ON_KINK))
def test_a_note_exactly_on_the_convention_point_and_none_off_it(name):
    on, off = ON_KINK[name]
    for values, noted in ((on, True), (off, False)):
        inputs = [var(v, f"in{i}") for i, v in enumerate(values)]
        step = list(backward_steps(apply(name, *inputs)))[0]
        assert (step.note == OPS[name].convention) is noted, (name, values)
        assert (step.note is None) is not noted


def test_no_note_when_the_input_on_the_kink_needs_no_gradient():
    _, steps = grads("x**2", x=0.0)  # the exponent is a constant: its convention does not apply
    assert steps[0].note is None
    _, steps = grads("x**y", x=0.0, y=2.0)
    assert steps[0].note == OPS["pow"].convention


def test_the_unchecked_backward_makes_no_notes_but_the_same_numbers():
    root, leaves = parse("max(x, y)").build({"x": 1.0, "y": 1.0})
    backward(root)
    assert float(leaves["x"].grad) == 0.5


def test_every_op_with_a_kink_states_its_convention():
    kinked = {name for name, op in OPS.items() if op.kink is not None}
    assert kinked >= {"max", "min", "relu", "abs", "leaky_relu"}
    for name in kinked:
        assert OPS[name].convention and len(OPS[name].at_convention) == OPS[name].arity, name
    assert "tie" in OPS["max"].gate and "tie" in OPS["min"].gate


# --- zero bases: x ** y at x = 0 ---

@pytest.mark.parametrize("b,value,da,db", [
    (0.0, 1.0, 0.0, 0.0),  # x**0 = 1 for every x: slope 0 in x, even at 0
    (0.5, 0.0, np.inf, 0.0),
    (1.0, 0.0, 1.0, 0.0),
    (2.0, 0.0, 0.0, 0.0),  # 0**y = 0 for y > 0: slope 0 in y, not NaN
    (-1.0, np.inf, -np.inf, -np.inf),
])
def test_zero_base(b, value, da, db):
    root, leaves = parse("x**y").build({"x": 0.0, "y": b})
    list(backward_steps(root))
    assert float(root.value) == value
    assert (float(leaves["x"].grad), float(leaves["y"].grad)) == (da, db)


def test_x_to_the_zero_at_zero_without_a_variable_exponent():
    g, steps = grads("x**0", x=0.0)
    assert g == {"x": 0.0} and steps[0].issue is None
    assert "a^0 = 1" in steps[0].note


def test_negative_base():
    g, _ = grads("x**y", x=-2.0, y=2.0)
    assert g["x"] == -4.0 and np.isnan(g["y"])  # (-2)^y is not real for most y: no slope in y
    g, _ = grads("x**y", x=-2.0, y=0.0)
    assert g["x"] == 0.0 and np.isnan(g["y"])


# --- the same points against torch ---

POW_BASES = (-2.0, -0.5, 0.0, 0.5, 2.0)
POW_EXPONENTS = (-1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0)


def _torch_grads(torch, fn, values, weights):
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    (fn(*ts) * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    return [t.grad.numpy() for t in ts]


def _engine_grads(name, values, weights, **attrs):
    leaves = [var(v, f"in{i}") for i, v in enumerate(values)]
    list(backward_steps((apply(name, *leaves, **attrs) * const(weights)).sum()))
    return [leaf.grad for leaf in leaves]


def test_pow_matches_torch_on_a_grid_with_zero_and_negative_bases():
    torch = torch_or_skip()
    a, b = (g.ravel() for g in np.meshgrid(POW_BASES, POW_EXPONENTS))
    weights = np.ones_like(a)
    ours = _engine_grads("pow", (a, b), weights)
    theirs = _torch_grads(torch, torch.pow, (a, b), weights)
    for name, o, t in zip(("d/da", "d/db"), ours, theirs, strict=True):
        bad = ~((o == t) | (np.isnan(o) & np.isnan(t)) | np.isclose(o, t, rtol=1e-13, atol=0))
        where = np.column_stack([a[bad], b[bad]]).tolist()
        assert not bad.any(), f"{name} differs from torch at (a, b) = {where}: {o[bad]} vs {t[bad]}"


def test_pow_at_points_with_a_finite_gradient_raises_no_numpy_warning_even_unchecked():
    a, b = (g.ravel() for g in np.meshgrid(POW_BASES, POW_EXPONENTS))
    finite = ~((a == 0) & (b < 1) & (b != 0)) & ~((a < 0) & (b != np.round(b)))
    leaves = [var(a[finite], "a"), var(b[finite], "b")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backward(apply("pow", *leaves).sum())
    assert np.isfinite(leaves[0].grad).all()


KINK_POINTS = [  # op, torch function name, inputs on and around the kink (ties included)
    ("max", "maximum", ([1.0, 2.0, 3.0, 0.0], [1.0, 0.0, 5.0, 0.0])),
    ("min", "minimum", ([1.0, 2.0, 3.0, 0.0], [1.0, 0.0, 5.0, 0.0])),
    ("relu", "relu", ([-1.0, 0.0, 1.0],)),
    ("abs", "abs", ([-1.0, 0.0, 1.0],)),
    ("leaky_relu", "leaky_relu", ([-1.0, 0.0, 1.0],)),
    ("elu", "elu", ([-1.0, 0.0, 1.0],)),
    ("sqrt", "sqrt", ([0.0, 1.0],)),
    ("sigmoid", "sigmoid", ([-800.0, 0.0, 800.0],)),
    ("softplus", "softplus", ([-800.0, 0.0, 800.0],)),
]


@pytest.mark.parametrize("name,torch_name,values", KINK_POINTS, ids=[k[0] for k in KINK_POINTS])
def test_kinks_match_torch_exactly(name, torch_name, values):
    torch = torch_or_skip()
    fn = getattr(torch, torch_name, None) or getattr(torch.nn.functional, torch_name)
    if name == "leaky_relu":
        fn = lambda x: torch.nn.functional.leaky_relu(x, 0.01)
    weights = np.linspace(0.5, 2.0, len(values[0]))
    values = tuple(np.array(v) for v in values)
    ours = _engine_grads(name, values, weights)
    theirs = _torch_grads(torch, fn, values, weights)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o, t, rtol=1e-14, atol=0)


def test_the_command_line_prints_the_note(capsys):
    from engine.cli import main

    assert main(["grad", "max(x, y)", "--at", "x=1,y=1"]) == 0
    out, err = capsys.readouterr()
    assert "d/dx = 0.5" in out and "d/dy = 0.5" in out
    assert "note (max): tie" in err


# --- a finite gradient through an undefined value: log at -1 ---


def test_log_of_a_negative_sends_its_formulas_gradient_on_and_says_it_is_no_slope():
    """log(-1) is NaN, but 1/x at -1 is -1: x gets y × (-1) = -2, PyTorch's and JAX's answer too, and the log
    step says why a number came through an undefined value. The mul node after it, NaN only because an input
    is, carries no such note."""
    g, steps = grads("log(x) * y", x=-1.0, y=2.0)
    assert g["x"] == -2.0 and np.isnan(g["y"])
    notes = {s.node.op.name: s.note for s in steps}
    assert "NaN" in notes["log"] and "no slope" in notes["log"] and "PyTorch" in notes["log"]
    assert notes["mul"] is None
    assert grads("log(x) * y", x=1.0, y=2.0)[1][-1].note is None  # a defined log says nothing
    torch = torch_or_skip()
    x, y = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True), torch.tensor(2.0, dtype=torch.float64)
    (torch.log(x) * y).backward()
    assert x.grad.item() == g["x"]


def test_the_gradient_check_has_nothing_to_compare_where_f_is_undefined():
    from engine.gradcheck import gradient_check
    root, leaves = parse("log(x) * y").build({"x": -1.0, "y": 2.0})
    check = gradient_check(root)
    assert [v.defined for v in check.variables] == [False, False] and not check.passed
    root, leaves = parse("log(x) * y").build({"x": 0.5, "y": 2.0})
    assert all(v.defined for v in gradient_check(root).variables) and gradient_check(root).passed
