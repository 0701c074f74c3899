"""Every op in the registry against float64 central differences, for scalars and broadcast shapes,
with each axis argument; every gradient is a writable array of its input's shape; building any op at
a domain error makes no Python warning."""

import inspect
import itertools
import warnings

import numpy as np
import pytest

from engine import OPS, ShapeError, apply, backward, backward_steps, const, forward_steps, gradient_check, var
from engine.gradcheck import numeric_gradient
from engine.ops import TEST_ATTRS

CASES = [(name, shapes) for name, op in OPS.items() for shapes in op.test_shapes]
AXIS_OPS = sorted(name for name, op in OPS.items() if "axis" in inspect.signature(op.forward).parameters)
AXIS_SHAPES = ((5,), (2, 3), (2, 3, 4))


def _axes(ndim):
    """None, each axis counted from both ends, and every tuple of two axes."""
    single = [a for a in (0, 1, 2, -1) if -ndim <= a < ndim]
    return [None, *single, *itertools.combinations(range(ndim), 2)]


AXIS_CASES = [(name, shape, axis) for name in AXIS_OPS for shape in AXIS_SHAPES for axis in _axes(len(shape))]


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


def test_every_op_is_checked_on_a_tensor_too():
    # Scalars alone would never exercise unbroadcasting or a vector-Jacobian product's shapes.
    for name, op in OPS.items():
        assert any(any(len(s) for s in shapes) for shapes in op.test_shapes), name


@pytest.mark.parametrize("name,shape,axis", AXIS_CASES, ids=[f"{n}-{s}-axis={a}" for n, s, a in AXIS_CASES])
def test_reductions_match_central_differences_along_each_axis(name, shape, axis):
    x = var(np.random.default_rng(3).normal(size=shape), "x")
    out = apply(name, x, axis=axis)
    assert out.shape == getattr(np, name)(x.value, axis=axis).shape
    weights = const(np.random.default_rng(4).normal(size=out.shape))
    check = gradient_check((out * weights).sum())
    assert check.variables[0].analytic.shape == shape
    assert check.passed, f"{name}(axis={axis}) on {shape}: error {check.variables[0].error:.2e}"


def test_the_ops_that_take_an_axis_are_known():
    assert AXIS_OPS == ["mean", "sum"]  # a new one is checked above along every axis automatically


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


def test_gradient_check_compares_the_same_output_gradient_on_both_sides():
    x = var(3.0, "x")
    check = gradient_check(x * x, seed=5.0)  # d(5 x^2)/dx = 10 x = 30
    assert check.passed
    assert float(check.variables[0].analytic) == 30.0
    assert float(check.variables[0].numeric) == pytest.approx(30.0, rel=1e-8)


def test_gradient_check_with_an_output_gradient_for_a_vector_output():
    x = var([1.0, -2.0, 0.5], "x")
    seed = np.array([1.0, 10.0, -3.0])
    check = gradient_check(apply("tanh", x), seed=seed)
    assert check.passed
    np.testing.assert_allclose(check.variables[0].numeric, seed * (1 - np.tanh(x.value) ** 2), rtol=1e-8)
    with pytest.raises(ShapeError, match="scalar"):
        gradient_check(apply("tanh", x))


def test_gradient_check_with_a_seed_still_catches_a_wrong_derivative(monkeypatch):
    wrong = OPS["sin"].__class__(**{**OPS["sin"].__dict__, "name": "bad_sin",
                                    "local": (lambda out, x: -np.cos(x),)})  # sign flipped
    monkeypatch.setitem(OPS, "bad_sin", wrong)
    assert not gradient_check(apply("bad_sin", var(0.3, "x")), seed=2.0).passed


@pytest.mark.parametrize("name,shapes", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_every_gradient_is_a_writable_array_of_its_inputs_shape_shared_with_nothing(name, shapes):
    op = OPS[name]
    inputs = [var(v, f"in{i}") for i, v in enumerate(_inputs(op, shapes, 0))]
    out = apply(name, *inputs, **TEST_ATTRS.get(name, {}))
    seed = np.ones(out.shape)
    nodes = [*inputs, out]
    steps = list(backward_steps(out, seed=seed))
    sent = steps[0].downstream
    for parent, grad in zip(out.parents, sent, strict=True):  # the op's own vjp / local product
        assert type(grad) is np.ndarray and grad.shape == parent.shape and grad.flags.writeable, parent.label
    for node in nodes:
        assert type(node.grad) is np.ndarray and node.grad.shape == node.shape, node.label
        assert node.grad.flags.writeable, node.label
        for other in nodes:
            assert not np.shares_memory(node.grad, other.value), (node.label, other.label)
            if other is not node:
                assert not np.shares_memory(node.grad, other.grad), (node.label, other.label)
        assert not np.shares_memory(node.grad, seed)
    before = [leaf.grad.copy() for leaf in inputs]
    inputs[0].grad *= 0.5  # in place, as an optimizer step would
    np.testing.assert_array_equal(inputs[0].grad, before[0] * 0.5)
    for leaf, old in zip(inputs[1:], before[1:], strict=True):
        np.testing.assert_array_equal(leaf.grad, old)


NASTY = (0.0, -1.0, 1e308, -1e308, np.inf, -np.inf, np.nan)  # zero, negative, overflow, non-finite


@pytest.mark.parametrize("name", sorted(OPS))
def test_building_an_op_at_a_domain_error_makes_no_python_warning(name):
    op = OPS[name]
    shapes = op.test_shapes[-1]
    for values in itertools.product(NASTY, repeat=op.arity):
        arrays = [np.full(s, v) for s, v in zip(shapes, values, strict=True)]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            inputs = [var(a, f"in{i}") for i, a in enumerate(arrays)]
            out = apply(name, *inputs, **TEST_ATTRS.get(name, {}))  # node creation: the training path
            loss = out.sum()
            list(forward_steps(loss))
            list(backward_steps(loss))  # the stepper's (checked) backward pass


def test_building_a_node_leaves_numpys_error_state_as_it_was(monkeypatch):
    import engine.node

    for quiet, restore in ((engine.node._quiet, engine.node._restore),  # numpy 2's context variable
                           (engine.node._seterr_quiet, engine.node._seterr_restore)):  # numpy 1's seterr
        monkeypatch.setattr(engine.node, "_quiet", quiet)
        monkeypatch.setattr(engine.node, "_restore", restore)
        with np.errstate(all="warn", under="ignore"):  # a known state, whatever earlier tests did
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert np.isnan(apply("log", var(-1.0, "x")).value)
            with pytest.raises(ShapeError):  # the op raises midway: the state is still restored
                apply("matmul", var(np.ones((2, 3)), "a"), var(np.ones((2, 3)), "b"))
            assert np.geterr() == {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


@pytest.mark.parametrize("name,shapes", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_jacobian_entries_match_central_differences_of_the_forward(name, shapes):
    """The stepper's Jacobian (built from each op's backward rule) against the op's own forward, entry by entry:
    J[i, j] = ∂out_j/∂in_i, the layout of the course notes."""
    from engine.graph import jacobian

    op = OPS[name]
    inputs = _inputs(op, shapes, seed=3)
    attrs = TEST_ATTRS.get(name, {})
    out = apply(name, *[var(x, f"x{i}") for i, x in enumerate(inputs)], **attrs)
    for arg, x in enumerate(inputs):
        numeric = np.zeros((np.size(x), out.value.size))
        for i in range(np.size(x)):
            h = 1e-6 * max(1.0, abs(np.ravel(x)[i]))
            moved = [np.array(v, dtype=float) for v in inputs]
            moved[arg].reshape(-1)[i] += h
            up = np.array(np.ravel(op.forward(*moved, **attrs)))  # a copy: transpose returns a view
            moved[arg].reshape(-1)[i] -= 2 * h
            numeric[i] = (up - np.ravel(op.forward(*moved, **attrs))) / (2 * h)
        np.testing.assert_allclose(jacobian(out, arg), numeric, rtol=1e-5, atol=1e-6, err_msg=f"{name} input {arg}")
