"""Every op in the registry against float64 central differences, for scalars and broadcast shapes."""

import numpy as np
import pytest

from engine import OPS, apply, backward, const, gradient_check, var
from engine.gradcheck import numeric_gradient
from engine.ops import TEST_ATTRS

CASES = [(name, shapes) for name, op in OPS.items() for shapes in op.test_shapes]


def _inputs(op, shapes, seed):
    rng = np.random.default_rng(seed)
    if op.sample is not None:
        return op.sample(rng, *shapes)
    return tuple(rng.normal(size=s) for s in shapes)


@pytest.mark.parametrize("name,shapes", CASES, ids=[f"{n}-{s}" for n, s in CASES])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_op_gradient_matches_central_differences(name, shapes, seed):
    op = OPS[name]
    values = _inputs(op, shapes, seed)
    inputs = [var(v, f"in{i}") for i, v in enumerate(values)]
    out = apply(name, *inputs, **TEST_ATTRS.get(name, {}))
    # A random upstream weighting, so every output element's gradient matters.
    weights = const(np.random.default_rng(100 + seed).normal(size=out.shape))
    loss = (out * weights).sum()
    check = gradient_check(loss)
    assert check.kink_warnings == ()
    for leaf, result in zip(inputs, check.variables, strict=True):
        assert result.analytic.shape == leaf.shape
        assert result.passed, f"{name} input {leaf.label}: error {result.error:.2e}"


def test_every_op_is_covered_by_the_gradient_check():
    covered = {name for name, _ in CASES}
    assert covered == set(OPS)


def test_gradient_check_catches_a_wrong_derivative(monkeypatch):
    # A tanh whose stated derivative is wrong (sech instead of sech^2) must fail the check.
    wrong = OPS["tanh"].__class__(**{**OPS["tanh"].__dict__, "name": "bad_tanh",
                                     "local": (lambda out, x: 1.0 / np.cosh(x),)})
    monkeypatch.setitem(OPS, "bad_tanh", wrong)
    x = var(0.7, "x")
    check = gradient_check(apply("bad_tanh", x))
    assert not check.passed


def test_kink_warning_for_relu_at_zero():
    x = var(0.0, "x")
    check = gradient_check(apply("relu", x))
    assert any("relu" in w for w in check.kink_warnings)


def test_numeric_gradient_restores_values():
    x = var([1.0, 2.0], "x")
    loss = (x * x).sum()
    numeric_gradient(loss, x)
    assert x.value.tolist() == [1.0, 2.0]
    backward(loss)
    assert x.grad.tolist() == [2.0, 4.0]


def test_stable_forms_do_not_overflow():
    big = var([-1000.0, 1000.0], "x")
    for name in ("sigmoid", "softplus", "elu"):
        out = apply(name, big)
        assert np.all(np.isfinite(out.value)), name
    logits = var([[1000.0, 0.0, -1000.0]], "z")
    loss = apply("softmax_cross_entropy", logits, const([[0.0, 1.0, 0.0]]))
    assert np.isfinite(loss.value) and loss.issue is None
    backward(loss)
    assert np.all(np.isfinite(logits.grad))
