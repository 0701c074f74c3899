"""MLP lab engine: layers, datasets, training, the NaN trap and the loss slice."""

import numpy as np
import pytest

from engine import EngineError, gradient_check
from labs.mlp.datasets import GENERATORS, make_dataset, parse_csv, split
from labs.mlp.loss_slice import batched_loss, loss_slice
from labs.mlp.nn import ACTIVATIONS, MLP, NetConfig, init_params, loss_node, one_hot
from labs.mlp.train import REWIND_WINDOW, TrainConfig, Trainer
from labs.optim import OptimizerConfig


def small_data(name="circle", n=120, seed=0):
    return split(make_dataset(name, n, 0.05, seed), 0.3, seed)


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_mlp_gradients_match_central_differences(act, loss):
    cfg = NetConfig(hidden=(4, 3), activations=(act, act), init="xavier")
    model = MLP(cfg, init_params(cfg, seed=5))
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, 2))
    if act in ("relu", "leaky_relu"):  # keep pre-activations away from the kink at 0
        x = x * 0.5 + np.sign(x)
    y = one_hot(rng.integers(0, 2, 7), 2)
    scores, _ = model(x)
    total = loss_node(scores, y, loss, [layer.weight for layer in model.layers], l1=0.01, l2=0.02)
    check = gradient_check(total)
    assert check.passed, [(v.name, v.error) for v in check.variables]
    assert len(check.variables) == 6


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_datasets_are_deterministic_with_the_stated_shape(name):
    a, b = make_dataset(name, 150, 0.1, 42), make_dataset(name, 150, 0.1, 42)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert a.x.shape == (150, 2) and a.y.shape == (150,)
    assert not np.array_equal(a.x, make_dataset(name, 150, 0.1, 43).x)
    if name == "regression":
        assert a.task == "regression" and a.y.dtype == float
    else:
        assert a.task == "classification" and set(np.unique(a.y)) == {0, 1}


@pytest.mark.parametrize("name", ["circle", "xor"])
def test_small_relu_net_reaches_95_percent(name):
    train, test = split(make_dataset(name, 300, 0.05, 0), 0.3, 0)
    trainer = Trainer(TrainConfig(NetConfig(hidden=(8, 8), activations=("relu", "relu")),
                                  OptimizerConfig("adam", lr=0.03)), train, test)
    records = trainer.run(300)
    assert records[-1].test_accuracy >= 0.95


def test_xor_needs_a_hidden_layer():
    train, test = split(make_dataset("xor", 300, 0.05, 0), 0.3, 0)
    flat = Trainer(TrainConfig(NetConfig(hidden=(), activations=()), OptimizerConfig("adam", lr=0.03)), train, test)
    assert flat.run(300)[-1].test_accuracy < 0.8


def test_vanishing_preset_first_layer_gradient_is_100x_smaller():
    train, test = small_data()
    trainer = Trainer(TrainConfig(NetConfig(hidden=(8,) * 6, activations=("sigmoid",) * 6, init="xavier"),
                                  OptimizerConfig("sgd", lr=0.5)), train, test)
    norms = trainer.step().grad_norms
    assert norms[-1] >= 100 * norms[0]
    relu = Trainer(TrainConfig(NetConfig(hidden=(8,) * 6, activations=("relu",) * 6, init="he"),
                               OptimizerConfig("sgd", lr=0.5)), train, test)
    relu_norms = relu.step().grad_norms
    assert relu_norms[-1] < 10 * relu_norms[0]


EXPLODING = NetConfig(hidden=(16,) * 6, activations=("leaky_relu",) * 6, init="he", init_scale=2.0, outputs=1)


def test_exploding_preset_trips_the_nan_trap_and_keeps_finite_weights():
    train, test = split(make_dataset("regression", 300, 0.05, 0), 0.3, 0)
    trainer = Trainer(TrainConfig(EXPLODING, OptimizerConfig("sgd", lr=0.05), loss="mse"), train, test)
    records = trainer.run(200)
    last = records[-1]
    assert last.problem and f"update {last.update}" in last.problem and len(records) < 10
    assert trainer.halted == last.problem and trainer.step() is None
    assert records[0].grad_norms[0] > 100  # norms grew by orders of magnitude first
    assert all(np.all(np.isfinite(p.value)) for p in trainer.params)
    assert np.isfinite(trainer.evaluate(trainer.x_train, trainer.y_train)[0])


def test_clipped_exploding_preset_stays_finite_and_trains():
    train, test = split(make_dataset("regression", 300, 0.05, 0), 0.3, 0)
    trainer = Trainer(TrainConfig(EXPLODING, OptimizerConfig("sgd", lr=0.05, clip_norm=1.0), loss="mse"), train, test)
    records = trainer.run(200)
    assert len(records) == 200 and all(r.problem is None for r in records)
    assert records[-1].train_loss < records[0].train_loss / 10


def test_nan_in_the_data_names_the_first_layer():
    train, test = small_data()
    train.x[3, 0] = np.nan
    trainer = Trainer(TrainConfig(), train, test)
    record = trainer.step()
    assert "update 1" in record.problem and "hidden layer 1" in record.problem


@pytest.mark.parametrize("bad", [
    dict(net=NetConfig(hidden=(0,), activations=("relu",))), dict(net=NetConfig(hidden=(40,), activations=("relu",))),
    dict(net=NetConfig(hidden=(4,) * 9, activations=("relu",) * 9)), dict(optimizer=OptimizerConfig(lr=0.0)),
    dict(net=NetConfig(outputs=3)),
])
def test_bad_configs_are_refused_in_words(bad):
    train, test = small_data()
    with pytest.raises(EngineError):
        Trainer(TrainConfig(**bad), train, test)


def test_one_class_data_is_refused():
    data = parse_csv("1,2,0\n3,4,0\n5,6,1\n")
    with pytest.raises(EngineError, match="one class"):
        parse_csv("1,2,0\n3,4,0\n")
    assert data.classes == 2


@pytest.mark.parametrize("text,match", [("", "no data"), ("a,b\n1,2", "three numbers"), ("1,2,0.5\n2,3,1", "whole"),
                                        ("1,2,x\n", "three numbers"), ("1,nan,0\n2,3,1", "three numbers")])
def test_malformed_csv_messages(text, match):
    with pytest.raises(EngineError, match=match):
        parse_csv(text)


def test_csv_with_header():
    data = parse_csv("x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n")
    assert data.x.shape == (3, 2) and list(data.y) == [0, 1, 1]


def test_loss_slice_center_is_the_current_loss_and_path_ends_there():
    train, test = small_data()
    trainer = Trainer(TrainConfig(l2=0.001), train, test)
    trainer.run(20)
    assert batched_loss(trainer, trainer.flat_params()[None])[0] == pytest.approx(
        trainer.evaluate(trainer.x_train, trainer.y_train)[0], rel=1e-12)
    land = loss_slice(trainer, resolution=11)
    assert land.loss.shape == (11, 11) and land.loss[5, 5] == pytest.approx(trainer.history[-1].train_loss)
    assert land.path.shape == (21, 2) and np.allclose(land.path[-1], 0.0)


def test_trajectory_memory_is_bounded(monkeypatch):
    import labs.mlp.train as train_module
    monkeypatch.setattr(train_module, "MAX_TRAJECTORY", 16)
    train, test = small_data()
    trainer = Trainer(TrainConfig(), train, test)
    trainer.run(100)
    assert len(trainer.trajectory) <= 16 and trainer.stride > 1
    assert np.array_equal(trainer.trajectory[0], np.concatenate([p.ravel() for p in trainer.initial]))


def test_history_keeps_the_first_updates_and_a_bounded_sample_after(monkeypatch):
    import labs.mlp.train as train_module
    monkeypatch.setattr(train_module, "KEEP_EVERY", 50)
    monkeypatch.setattr(train_module, "KEEP_AFTER", 40)
    train, test = small_data()
    trainer = Trainer(TrainConfig(net=NetConfig(hidden=(3,), activations=("tanh",))), train, test)
    for _ in range(6):
        trainer.run(100)
        updates = [r.update for r in trainer.history]
        assert updates[:50] == list(range(1, 51))  # every one of the first KEEP_EVERY
        assert updates[-1] == trainer.updates  # and always the latest: the page's metrics are its numbers
        assert len(updates) <= 50 + 40 + REWIND_WINDOW and updates == sorted(set(updates))
        assert updates[-REWIND_WINDOW:] == list(range(trainer.updates - REWIND_WINDOW + 1, trainer.updates + 1))
        assert all(u % trainer.history_stride == 0 for u in updates[50:-REWIND_WINDOW])  # an even sample between
    assert trainer.updates == 600 and trainer.history_stride > 1
    assert updates[50] - 50 <= trainer.history_stride  # the sample starts right after them, no gap


def test_history_keeps_the_nan_traps_record_and_rewind_counts_back(monkeypatch):
    import labs.mlp.train as train_module
    monkeypatch.setattr(train_module, "KEEP_EVERY", 10)
    monkeypatch.setattr(train_module, "KEEP_AFTER", 10)
    train, test = small_data("regression")
    cfg = TrainConfig(net=NetConfig(hidden=(8,) * 4, outputs=1, activations=("leaky_relu",) * 4), loss="mse",
                      optimizer=OptimizerConfig("sgd", lr=0.01, schedule="step", step_every=60, gamma=100.0))
    trainer = Trainer(cfg, train, test)
    records = trainer.run(500)
    assert records[-1].problem and trainer.history[-1] == records[-1] and trainer.updates == records[-1].update > 60
    point = trainer.rewind_point()
    trainer.rewind()
    assert trainer.updates == point.update == trainer.history[-1].update  # the page shows the update it is at
    assert trainer.step().update == point.update + 1 == trainer.updates


def _explodes(taped=True):
    train, test = split(make_dataset("regression", 200, 0.05, 0), 0.3, 0)
    cfg = TrainConfig(net=NetConfig(hidden=(8,) * 4, outputs=1, activations=("leaky_relu",) * 4), loss="mse",
                      optimizer=OptimizerConfig("sgd", lr=0.01, schedule="step", step_every=20, gamma=100.0))
    return Trainer(cfg, train, test, taped=taped)


@pytest.mark.parametrize("taped", [True, False])
def test_a_rewind_shows_the_gradients_of_the_update_it_goes_back_to(taped):
    """After the trap, rewind() goes back to update k: the gradients the page reads (each weight's grad, the neuron
    card's nodes and batch) are update k's, as a run that stopped at k has them, not the blown-up update's."""
    trainer = _explodes(taped)
    trainer.run(500)
    assert trainer.halted
    point = trainer.rewind_point()
    assert 0 < point.update < trainer.updates
    trainer.rewind()
    fresh = _explodes(taped)
    fresh.run(point.update)
    for mine, theirs in zip(trainer.params, fresh.params, strict=True):
        assert np.array_equal(mine.grad, theirs.grad) and np.array_equal(mine.value, theirs.value)
    assert np.array_equal(trainer.last_batch, fresh.last_batch)
    for mine, theirs in zip(trainer.last_pre + trainer.last_hidden, fresh.last_pre + fresh.last_hidden, strict=True):
        assert np.array_equal(mine.value, theirs.value) and np.array_equal(mine.grad, theirs.grad)
    for mine, theirs in zip(trainer.last_weights, fresh.last_weights, strict=True):
        assert np.array_equal(mine, theirs)


def test_a_rewind_to_the_initial_weights_clears_the_gradients():
    train, test = small_data("regression")
    trainer = Trainer(TrainConfig(net=NetConfig(hidden=(8,) * 4, outputs=1, activations=("relu",) * 4), loss="mse",
                                  optimizer=OptimizerConfig("sgd", lr=1e300)), train, test)
    assert trainer.step().problem and trainer.rewind_point().update == 0  # the first update blew up
    trainer.rewind()
    assert trainer.updates == 0 and not trainer.last_hidden and all(p.grad is None for p in trainer.params)
