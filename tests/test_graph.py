"""Graph walks, step streams, non-finite flags, tensors."""

import numpy as np
import pytest

from engine import ShapeError, Tape, apply, backward, backward_steps, const, forward_steps, parse, topo_order, var


def test_100k_node_chain_has_no_recursion_error():
    x = var(0.5, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0  # 2 op nodes per link; value and slope stay 1
    backward(y)
    assert float(x.grad) == 1.0
    assert len(topo_order(y)) > 200_000


def test_order_is_deterministic():
    def labels():
        root, _ = parse("(x + y) * z + sin(x) * y").build({"x": 1, "y": 2, "z": 3})
        return [(s.node.label, s.node.kind) for s in backward_steps(root)]
    assert labels() == labels()


def test_topo_order_puts_parents_first():
    root, _ = parse("tanh(a * b + c) * a").build({"a": 1, "b": 2, "c": 3})
    order = topo_order(root)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_upstream_is_summed_before_a_node_is_stepped():
    root, leaves = parse("a * b + a * c").build({"a": 2, "b": 3, "c": 5})
    steps = list(backward_steps(root))
    a_steps = [s for s in steps if s.node is leaves["a"]]
    assert len(a_steps) == 1 and float(a_steps[0].upstream) == 8.0  # stepped once, with both paths summed
    consumers = [s.index for s in steps if s.node.op is not None and leaves["a"] in s.node.parents]
    assert len(consumers) == 2 and max(consumers) < a_steps[0].index  # after both muls sent their share


def test_forward_steps_recompute_after_leaf_change():
    root, leaves = parse("x * y").build({"x": 2, "y": 3})
    leaves["x"].value[()] = 10.0
    steps = list(forward_steps(root))
    assert [s.node.kind for s in steps] == ["var", "var", "op"]
    assert float(steps[-1].value) == 30.0 and float(root.value) == 30.0


def test_log_of_negative_is_flagged_not_raised():
    root, leaves = parse("log(x) * y").build({"x": -1, "y": 2})
    fsteps = list(forward_steps(root))
    flagged = [s for s in fsteps if s.issue]
    assert len(flagged) == 1 and flagged[0].node.op.name == "log"
    assert "negative" in flagged[0].issue
    assert np.isnan(root.value) and root.issue is None  # only the first node is flagged
    bsteps = list(backward_steps(root))
    assert len(bsteps) == 4  # stepping still works to the end


def test_division_by_zero_is_flagged():
    root, leaves = parse("x / y").build({"x": 1, "y": 0})
    list(forward_steps(root))
    assert np.isinf(root.value) and root.issue == "division by zero"
    steps = list(backward_steps(root))
    assert "div" in steps[0].issue  # a finite upstream turns into inf downstream right here
    assert not np.isfinite(leaves["y"].grad)
    assert all(s.issue is None for s in steps[1:])  # and only there


def test_gradient_turning_infinite_is_flagged():
    root, _ = parse("sqrt(x)").build({"x": 0})
    list(forward_steps(root))
    assert float(root.value) == 0.0 and root.issue is None
    step = list(backward_steps(root))[0]
    assert step.issue and "sqrt" in step.issue


def test_backward_needs_scalar_output():
    x = var([1.0, 2.0, 3.0], "x")
    with pytest.raises(ShapeError, match="sum"):
        backward(x * 2.0)


def test_tensor_shapes_and_unbroadcast():
    w = var(np.ones((2, 3)), "W")
    b = var(np.zeros(3), "b")
    x = const(np.arange(8.0).reshape(4, 2))
    loss = ((x @ w) + b).mean()
    backward(loss)
    assert w.grad.shape == (2, 3) and b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad, np.full(3, 1 / 3))
    np.testing.assert_allclose(w.grad, np.tile(x.value.mean(axis=0)[:, None], (1, 3)) / 3)


def test_shape_mismatch_is_an_engine_error():
    with pytest.raises(ShapeError):
        var(np.ones(3), "a") + var(np.ones(2), "b")
    with pytest.raises(ShapeError):
        apply("matmul", var(np.ones((2, 3)), "a"), var(np.ones((2, 3)), "b"))


def test_constants_get_no_gradient_step():
    root, leaves = parse("2 * x + 3").build({"x": 1})
    steps = list(backward_steps(root))
    assert all(s.node.kind != "const" for s in steps)
    assert float(leaves["x"].grad) == 2.0


def test_numpy_arrays_on_the_left_become_constants():
    w = var(np.ones((2, 3)), "W")
    out = np.ones((4, 2)) @ w
    assert out.op.name == "matmul" and out.parents[0].kind == "const" and out.shape == (4, 3)
    scaled = np.float64(2.0) * w
    assert scaled.op.name == "mul"


def test_backward_drain_is_unchecked_but_backward_steps_checks():
    root, leaves = parse("sqrt(x) * 2").build({"x": 0})
    with pytest.warns(RuntimeWarning):  # unchecked: numpy's warning is the only sign
        backward(root)
    assert np.isinf(leaves["x"].grad)  # the number is still honest
    flagged = [s for s in backward_steps(root) if s.issue]
    assert [s.node.op.name for s in flagged] == ["sqrt"]


def test_gradients_are_writable_and_shared_with_no_other_node():
    x, y = var([1.0, 2.0, 3.0], "x"), var(2.0, "y")
    root = apply("sum", x) + y  # sum's gradient is a broadcast; the add gate passes its upstream on
    backward(root)
    assert x.grad.tolist() == [1.0, 1.0, 1.0] and float(y.grad) == 1.0
    x.grad *= 0.5  # in place, as an optimizer would
    y.grad *= 3.0
    assert x.grad.tolist() == [0.5, 0.5, 0.5]
    assert float(y.grad) == 3.0 and float(root.grad) == 1.0  # y's gradient was its own array


def test_the_seed_is_copied_not_aliased():
    x = var([1.0, 2.0], "x")
    out = x * 1.0
    seed = np.array([3.0, 4.0])
    backward(out, seed)
    x.grad[0] = -1.0
    out.grad[1] = -1.0
    assert seed.tolist() == [3.0, 4.0] and out.grad[0] == 3.0 and x.grad[1] == 4.0


def _mlp_loss(x, y, params):
    h = x
    for i in range(0, len(params), 2):
        h = apply("tanh", h @ params[i] + params[i + 1]) if i + 2 < len(params) else h @ params[i] + params[i + 1]
    return apply("mse", h, y) + 0.1 * apply("abs", params[0]).sum()


def test_backward_gives_the_step_streams_gradients():
    rng = np.random.default_rng(0)
    params = [var(rng.normal(size=s), f"p{i}") for i, s in enumerate([(3, 4), (4,), (4, 1), (1,)])]
    loss = _mlp_loss(const(rng.normal(size=(5, 3))), const(rng.normal(size=(5, 1))), params)
    streamed = {id(s.node): s.upstream for s in backward_steps(loss)}
    backward(loss)
    for node in topo_order(loss):
        if node.requires_grad:
            np.testing.assert_array_equal(node.grad, streamed[id(node)])
        else:
            assert node.grad is None


def test_a_tape_replays_the_graph_as_a_rebuilt_one_computes_it():
    """Training replays one recorded graph with new weights and a new batch: values and gradients must be those
    of a graph built afresh from the same numbers."""
    rng = np.random.default_rng(1)
    shapes = [(3, 4), (4,), (4, 1), (1,)]
    params = [var(rng.normal(size=s), f"p{i}") for i, s in enumerate(shapes)]
    x, y = const(rng.normal(size=(5, 3)), "X"), const(rng.normal(size=(5, 1)), "Y")
    tape = Tape(_mlp_loss(x, y, params))
    for batch in (5, 7, 2):  # a last smaller batch replays too
        for p in params:
            p.value = p.value - 0.1 * rng.normal(size=p.value.shape)
        x.value, y.value = rng.normal(size=(batch, 3)), rng.normal(size=(batch, 1))
        tape.forward()
        tape.backward()
        fresh = [var(p.value.copy(), p.label) for p in params]
        rebuilt = _mlp_loss(const(x.value), const(y.value), fresh)
        backward(rebuilt)
        np.testing.assert_allclose(tape.root.value, rebuilt.value, rtol=1e-15)
        for p, q in zip(params, fresh, strict=True):
            np.testing.assert_allclose(p.grad, q.grad, rtol=1e-13)
            assert p.grad is not q.grad and p.grad.flags.writeable


def test_a_shape_mismatch_is_said_in_words_without_numpys_internals():
    with pytest.raises(ShapeError) as e:
        apply("matmul", var(1.0, "W"), var(1.0, "x"))
    assert "given a number and a number" in str(e.value) and "inner sizes agree" in str(e.value)
    assert "gufunc" not in str(e.value) and "signature" not in str(e.value)
    with pytest.raises(ShapeError, match="a vector of 3 and a vector of 2"):
        apply("mul", var(np.ones(3)), var(np.ones(2)))
