"""engine.Tape, a recorded graph replayed, against the eager engine: every op of the registry, graphs whose
values and batch sizes change between replays, the stepper's step stream over a replayed graph, and the MLP
lab's training, which replays tapes, against the same training built eagerly, update by update."""

from dataclasses import fields

import numpy as np
import pytest

from engine import OPS, Tape, apply, backward, backward_steps, const, topo_order, var
from engine.gradcheck import TOLERANCE, numeric_gradient
from engine.ops import TEST_ATTRS
from labs.mlp.datasets import Dataset, make_dataset, split
from labs.mlp.nn import ACTIVATIONS, NetConfig
from labs.mlp.train import TrainConfig, Trainer
from labs.optim import OPTIMIZERS, OptimizerConfig

CASES = [(name, shapes) for name, op in OPS.items() for shapes in op.test_shapes]


def _op_graph(name, shapes, seed):
    """op(inputs) weighted by a constant and summed, plus the first input used once more (its gradient is a sum)."""
    op, rng = OPS[name], np.random.default_rng(seed)
    values = op.sample(rng, *shapes) if op.sample else tuple(rng.normal(size=s) for s in shapes)
    inputs = [var(v, f"in{i}") for i, v in enumerate(values)]
    out = apply(name, *inputs, **TEST_ATTRS.get(name, {}))
    loss = (out * const(rng.normal(size=out.shape))).sum() + (inputs[0] * 0.5).sum()
    return inputs, loss


def _eager_grads(loss, inputs, values):
    """Gradients of a graph built afresh from ``values``: a copy of ``loss``'s graph with new leaves."""
    fresh = {leaf: var(v, leaf.label) for leaf, v in zip(inputs, values, strict=True)}
    copies = {}
    for node in topo_order(loss):
        if node.op is None:
            copies[node] = fresh.get(node) or const(node.value, node.label)
        else:
            copies[node] = apply(node.op.name, *(copies[p] for p in node.parents), **node.attrs)
    backward(copies[loss])
    return copies


@pytest.mark.parametrize("name,shapes", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_every_op_replays_bit_for_bit_as_the_eager_engine_computes_it(name, shapes):
    inputs, loss = _op_graph(name, shapes, 0)
    tape = Tape(loss)
    rng = np.random.default_rng(1)
    for _ in range(2):  # new values each replay, from inside each op's domain
        op = OPS[name]
        values = op.sample(rng, *shapes) if op.sample else tuple(rng.normal(size=s) for s in shapes)
        for leaf, v in zip(inputs, values, strict=True):
            leaf.value = np.array(v, dtype=float)
        tape.forward()
        tape.backward()
        eager = _eager_grads(loss, inputs, values)
        for node in tape.order:
            np.testing.assert_array_equal(node.value, eager[node].value, err_msg=node.label)
            if node.requires_grad:
                np.testing.assert_array_equal(node.grad, eager[node].grad, err_msg=node.label)
                assert type(node.grad) is np.ndarray and node.grad.shape == node.shape
            else:
                assert node.grad is None
        for leaf in inputs:  # a leaf's gradient is its own writable array, as the eager engine makes it
            assert leaf.grad.flags.writeable
            for other in tape.order:
                assert not np.shares_memory(leaf.grad, other.value)
                if other is not leaf and other.grad is not None:
                    assert not np.shares_memory(leaf.grad, other.grad), (leaf.label, other.label)


@pytest.mark.parametrize("name,shapes", CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_every_ops_taped_gradient_matches_central_differences(name, shapes):
    """The tape's own check against the forward, so a wrong derivative fails here whichever path uses it."""
    inputs, loss = _op_graph(name, shapes, 2)
    tape = Tape(loss)
    tape.forward()
    tape.backward()
    for leaf in inputs:
        numeric = numeric_gradient(loss, leaf)
        error = np.max(np.abs(leaf.grad - numeric) / np.maximum(1.0, np.maximum(np.abs(leaf.grad), np.abs(numeric))))
        assert error <= TOLERANCE, (name, leaf.label, error)


def test_a_replay_reads_new_batch_sizes_and_broadcasts():
    """The tape fixes only the graph's structure: a batch of another size in X, and a bias broadcast over it."""
    rng = np.random.default_rng(3)
    w, b = var(rng.normal(size=(3, 2)), "W"), var(rng.normal(size=(2,)), "b")
    x = const(rng.normal(size=(4, 3)), "X")
    loss = apply("tanh", x @ w + b).sum() + (w * w).sum() * 0.1
    tape = Tape(loss)
    for rows in (4, 1, 9):
        x.value = rng.normal(size=(rows, 3))
        tape.forward()
        tape.backward()
        eager = _eager_grads(loss, [w, b], [w.value, b.value])
        for node in (w, b, loss):
            np.testing.assert_array_equal(node.grad, eager[node].grad)
        assert b.grad.shape == (2,)


def test_a_long_graph_replays_as_the_eager_engine_computes_it():
    x = var(0.3, "x")
    y = x
    for i in range(150):  # 600 op nodes, x used by 150 of them: its gradient is a sum of 300
        y = apply("sin", y) * 0.5 + x * (0.1 * (i % 3))
    tape = Tape(y)
    x.value = np.array(-0.7)
    tape.forward()
    tape.backward()
    eager = _eager_grads(y, [x], [x.value])
    assert tape.root.value == eager[y].value and x.grad == eager[x].grad


def test_the_step_stream_over_a_replayed_graph_is_one_record_per_node_with_the_tapes_gradients():
    rng = np.random.default_rng(4)
    w = var(rng.normal(size=(2, 3)), "W")
    loss = apply("mse", apply("sigmoid", const(rng.normal(size=(5, 2))) @ w), const(rng.normal(size=(5, 3))))
    tape = Tape(loss)
    w.value = w.value * 2.0
    tape.forward()
    tape.backward()
    taped = {node: node.grad for node in tape.order}
    steps = list(backward_steps(loss))
    assert [s.node for s in steps] == [n for n in reversed(tape.order) if n.requires_grad]
    for step in steps:
        np.testing.assert_array_equal(step.upstream, taped[step.node])


def test_a_shape_numpy_refuses_is_said_in_the_engines_words():
    x = const(np.ones((2, 3)), "X")
    tape = Tape(x @ var(np.ones((3, 1)), "W"))
    x.value = np.ones((2, 4))
    with pytest.raises(Exception, match="inner sizes agree"):
        tape.forward()


# --- the MLP lab: training by replaying tapes gives the numbers of training with graphs built afresh ---

def _data(name="circle", n=120):
    return split(make_dataset(name, n, 0.1, 0), 0.3, 0)


def _three_classes():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 30)
    x = rng.normal(size=(90, 2)) + np.stack([np.cos(2.1 * y), np.sin(2.1 * y)], 1) * 2
    return split(Dataset(x, y, "classification"), 0.3, 0)


SETTINGS = {
    **{f"activation-{a}": dict(net=NetConfig(hidden=(6, 5), activations=(a, a))) for a in ACTIVATIONS},
    **{f"optimizer-{o}": dict(optimizer=OptimizerConfig(o, lr=0.05)) for o in OPTIMIZERS},
    "l1-l2": dict(l1=0.003, l2=0.01),
    "clip-norm-weight-decay-cosine": dict(optimizer=OptimizerConfig("momentum", lr=0.2, clip_norm=0.5,
                                                                   weight_decay=0.01, schedule="cosine", total=40)),
    "clip-value-step-schedule": dict(optimizer=OptimizerConfig("rmsprop", lr=0.02, clip_value=0.1, schedule="step",
                                                               step_every=10)),
    "short-last-batch": dict(batch_size=25),  # 84 training points: 25, 25, 25, then 9
    "no-bias-no-hidden-layer": dict(net=NetConfig(hidden=(), activations=(), bias=False)),
    "features": dict(features=("x1", "x2", "x1²", "sin x2"), net=NetConfig(inputs=4)),
    "regression": dict(loss="mse", net=NetConfig(outputs=1, hidden=(8,), activations=("tanh",))),
    "mse-on-classes": dict(loss="mse"),
    "three-classes": dict(net=NetConfig(outputs=3)),
    "nan-trap": dict(loss="mse", net=NetConfig(hidden=(16,) * 6, activations=("leaky_relu",) * 6, init_scale=2.0,
                                               outputs=1), optimizer=OptimizerConfig("sgd", lr=0.05)),
}


def _pair(setting):
    cfg = TrainConfig(**SETTINGS[setting])
    data = (_data("regression") if cfg.loss == "mse" and cfg.net.outputs == 1 else
            _three_classes() if cfg.net.outputs == 3 else _data())
    return Trainer(cfg, *data, taped=True), Trainer(cfg, *data, taped=False)


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_taped_training_gives_eager_trainings_numbers_bit_for_bit(setting):
    taped, eager = _pair(setting)
    for _ in range(50):
        a, b = taped.step(), eager.step()
        if a is None or b is None:
            assert a is None and b is None
            break
        for f in fields(a):  # losses, accuracies, norms, ratios, statistics, the NaN trap's words
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x == y if isinstance(x, str) or x is None else _same(x, y), (a.update, f.name, x, y)
        # what the page reads off the latest update's graph: activations, their gradients, the batch
        for mine, theirs in zip(taped.last_hidden + taped.last_pre, eager.last_hidden + eager.last_pre, strict=True):
            assert _same(mine.value, theirs.value) and _same(mine.grad, theirs.grad)
        assert np.array_equal(taped.last_batch, eager.last_batch)
    assert taped.updates == eager.updates > 0
    for p, q in zip(taped.params, eager.params, strict=True):
        assert _same(p.value, q.value) and _same(p.grad, q.grad)
    assert taped.halted == eager.halted
    assert set(taped.recordings) == {"step", "train", "test"} and not eager.recordings


def test_a_changed_batch_size_replays_its_own_numbers_and_a_new_network_records_its_own_graph():
    train, test = _data()
    taped = Trainer(TrainConfig(batch_size=25), train, test)
    sizes = []
    for _ in range(8):  # two epochs of 84 points: 25, 25, 25, 9, ...
        taped.step()
        sizes.append(len(taped.recordings["step"].x.value))
        assert len(taped.last_hidden[0].value) == len(taped.last_batch) == sizes[-1]
    assert sizes == [25, 25, 25, 9] * 2
    wider = Trainer(TrainConfig(net=NetConfig(hidden=(5,), activations=("tanh",))), train, test)
    wider.step()
    step = wider.recordings["step"]
    assert step.tape is not taped.recordings["step"].tape
    assert [p.shape for p in wider.params] == [(2, 5), (5,), (5, 2), (2,)]
    assert {n for n in step.tape.order if n.kind == "var"} == set(wider.params)  # its own weights, not another's
