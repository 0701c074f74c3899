"""Facts about the labs' models that a chart would only show wrongly, not break: the cosine schedule stays at
its floor after its length, the two moons lie on different arcs, and the loss slice's directions are
filter-normalized. (benchmarks/mutants.py plants each of these bugs; these tests must catch them.)"""

import math

import numpy as np
import pytest

from labs.mlp.datasets import make_dataset
from labs.mlp.loss_slice import filter_normalized_directions
from labs.mlp.nn import NetConfig
from labs.mlp.train import TrainConfig, Trainer
from labs.optim import OptimizerConfig, learning_rate


def test_cosine_schedule_stays_at_its_floor_after_its_length():
    cfg = OptimizerConfig("sgd", lr=0.5, schedule="cosine", total=10, min_lr=0.01)
    assert learning_rate(cfg, 0) == 0.5
    assert learning_rate(cfg, 5) == pytest.approx(0.01 + 0.49 * 0.5)
    for t in (10, 11, 15, 20, 1000):  # past its length a cosine would rise again: it must not
        assert learning_rate(cfg, t) == pytest.approx(0.01)
    rates = [learning_rate(cfg, t) for t in range(40)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))  # never increases


def test_moons_are_two_interleaved_half_circles():
    data = make_dataset("moons", 400, noise=0.0, seed=3)
    upper, lower = data.x[data.y == 0], data.x[data.y == 1]
    # every noiseless point lies on a circle of radius 3 (the unit arcs, scaled by 3) around its class's centre
    for points in (upper, lower):
        centre = points.mean(axis=0)
        guess = np.array([centre[0], points[:, 1].min()]) if points is upper else \
            np.array([centre[0], points[:, 1].max()])
        radii = np.linalg.norm(points - guess, axis=1)
        assert radii.std() < 0.05 * radii.mean(), "a class is not on one arc"
    # one arc opens downward (an upper moon), the other upward, and their centres are apart
    assert upper[:, 1].mean() > lower[:, 1].mean() + 1.0
    assert abs(upper[:, 0].mean() - lower[:, 0].mean()) > 1.5


def test_loss_slice_directions_are_filter_normalized():
    train = make_dataset("xor", 40, 0.1, 1)
    cfg = TrainConfig(NetConfig(hidden=(5, 3), activations=("tanh", "relu")), OptimizerConfig("sgd", lr=0.1))
    trainer = Trainer(cfg, train, train)
    direction = filter_normalized_directions(trainer, np.random.default_rng(7))
    offset = 0
    for p in trainer.params:
        part = direction[offset: offset + p.value.size].reshape(p.value.shape)
        offset += p.value.size
        if p.label.startswith("W"):  # each output neuron's slice has the norm of that neuron's weights
            np.testing.assert_allclose(np.linalg.norm(part, axis=0), np.linalg.norm(p.value, axis=0), rtol=1e-12)
        else:  # biases are left out of the slice
            assert not part.any()
    assert offset == direction.size and not math.isclose(float(np.linalg.norm(direction)), 0.0)
