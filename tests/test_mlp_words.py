"""The MLP lab's charts in words (issue 12 §8): each text alternative says what its chart draws, with the chart's
own numbers, read here from the figure (or computed independently) rather than from the words' code."""

import re

import numpy as np
import pytest

from engine.formatting import readable
from labs.mlp.loss_slice import loss_slice
from labs.mlp.train import StepRecord
from labs.optim import OptimizerConfig
from playground.mlp import captions, words
from playground.mlp.figures import boundary_figure, grad_norm_figure, gradient_histogram_figure, loss_figure
from playground.mlp.lab import build_trainer, decision_grid, load_data, neuron_gradients
from playground.mlp.state import OWN_DATA, MLPState


@pytest.fixture(scope="module")
def trained():
    state = MLPState(dataset="xor", hidden=(6, 3), activations=("tanh", "tanh"))
    data = load_data(state)
    trainer = build_trainer(state, data)
    trainer.run(40)
    return trainer, data


def test_the_loss_curve_in_words_has_the_curves_first_last_and_lowest_points(trained):
    trainer, _ = trained
    fig, text = loss_figure(trainer.history), words.describe_losses(trainer.history)
    for trace, name in zip(fig.data, ("train", "test"), strict=True):
        y = np.asarray(trace.y)
        expected = (f"{name} loss from {readable(y[0], 3)} at update 1 to {readable(y[-1], 3)} at update "
                    f"{trace.x[-1]}, lowest {readable(y.min(), 3)} at update {trace.x[int(np.argmin(y))]}")
        assert expected in text
    assert "empty until the first update" in words.describe_losses([])


def test_the_gradient_norms_in_words_are_the_charts_last_points(trained):
    trainer, _ = trained
    fig, text = grad_norm_figure(trainer.history), words.describe_norms(trainer.history)
    assert len(fig.data) == 3 and f"At update {fig.data[0].x[-1]}:" in text
    for i, trace in enumerate(fig.data, start=1):
        assert f"layer {i}{' (output)' * (i == 3)} {readable(trace.y[-1], 3)}" in text


def test_vanishing_and_exploding_layers_are_named_in_words():
    norms = (3e-7, 0.02, 5e3, float("nan"))
    text = words.describe_norms([StepRecord(7, 1.0, 1.0, None, None, None, (), (), (), (), (), signal_norms=norms)])
    assert text.replace("\u00a0", " ").endswith(  # the formatter writes powers of ten with no-break spaces
        "At update 7: layer 1 3 × 10⁻⁷ (vanishing), layer 2 0.02, layer 3 5 × 10³ (exploding), "
        "layer 4 (output) NaN (not finite).")


def test_the_histogram_in_words_counts_what_it_draws(trained):
    trainer, _ = trained
    fig, text = gradient_histogram_figure(trainer), words.describe_histogram(trainer)
    for i, trace in enumerate(fig.data, start=1):
        x = np.asarray(trace.x)
        assert f"layer {i}: {len(x)} weights, from {readable(x.min(), 3)} to {readable(x.max(), 3)}" in text


@pytest.mark.parametrize("discrete", [False, True])
def test_the_decision_map_in_words_has_its_extent_and_each_class_share(trained, discrete):
    trainer, data = trained
    grid = decision_grid(trainer, data, resolution=30)
    fig = boundary_figure(*grid, trainer.train_set, trainer.test_set, data.task, discrete)
    z = np.asarray(fig.data[0].z, dtype=float)
    text = words.describe_map(*grid, trainer.train_set, trainer.test_set, data.task)
    share = np.mean(z >= 0.5)
    assert f"({100 * share:.0f}% of the plane)" in text and f"({100 * (1 - share):.0f}%)" in text
    assert f"over x1 from {readable(fig.data[0].x[0], 3)} to {readable(fig.data[0].x[-1], 3)}" in text
    assert f"{len(trainer.train_set)} training points" in text and f"{len(trainer.test_set)} test points" in text
    if discrete:
        assert set(np.unique(z)) <= {0.0, 1.0}
    for trace in fig.data[1:]:  # each class's points: the marker the words give is the one drawn
        c, edge = re.fullmatch(r"class (\d) \((\w+)\)", trace.name).groups()
        assert f"class {c} {trace.marker.symbol}s" in text
        assert (trace.marker.line.color == "white") == (edge == "train") and "training points (white edge)" in text


def test_a_three_class_map_in_words_gives_each_class_its_share():
    rng = np.random.default_rng(0)
    csv = "\n".join(f"{c + rng.normal(0, 0.3)},{c * c + rng.normal(0, 0.3)},{c}" for c in range(3) for _ in range(30))
    state = MLPState(dataset=OWN_DATA, hidden=(4,), activations=("relu",))
    data = load_data(state, csv)
    trainer = build_trainer(state, data)
    trainer.run(30)
    grid = decision_grid(trainer, data, resolution=20)
    z = grid[2]
    assert data.classes == 3
    text = words.describe_map(*grid, trainer.train_set, trainer.test_set, data.task)
    for c in range(3):
        assert f"class {c} {100 * np.mean(z == c):.0f}%" in text


def test_the_network_in_words_counts_its_weights_and_names_the_largest(trained):
    trainer, _ = trained
    text = words.describe_network(trainer)
    every = np.concatenate([layer.weight.value.ravel() for layer in trainer.model.layers])
    assert "2 inputs (x1, x2) → 6 tanh → 3 tanh → 2 outputs" in text
    assert f"{every.size} weights, {int(np.sum(every >= 0))} positive" in text
    largest = every[np.argmax(np.abs(every))]
    assert f"the largest |w| is {readable(abs(largest), 3)} (w = {readable(largest, 3)}), from " in text
    layer, (i, j) = next((k, np.argwhere(lin.weight.value == largest)[0]) for k, lin in
                         enumerate(trainer.model.layers, start=1) if largest in lin.weight.value)
    source = ("x1", "x2")[i] if layer == 1 else f"neuron {layer - 1}.{i + 1}"  # the names the page gives them
    target = f"output {j + 1}" if layer == 3 else f"neuron {layer}.{j + 1}"
    assert f"from {source} to {target}." in text and "layer 0" not in text


def test_a_negative_largest_weight_from_an_input_is_named_as_the_page_names_it(trained):
    trainer, _ = trained
    first = trainer.model.layers[0].weight
    saved = first.value
    first.value = saved.copy()
    first.value[1, 2] = -40.0  # far above every other |w|
    try:
        text = words.describe_network(trainer)
    finally:
        first.value = saved
    assert "the largest |w| is 40 (w = -40), from x2 to neuron 1.3." in text


def test_ratios_in_the_gradient_caption_are_written_as_people_read_them():
    tiny = StepRecord(1, 1.0, 0.5, None, None, None, (1.0, 1.0), (1.5e-05, 3.1e18), (1.0, 1.0), (0.0,), (1.0,),
                      signal_norms=(1.0, 1.4e-9), grad_norm=2.0)
    later = StepRecord(2, 2.0, 0.5, None, None, None, (1.0, 1.0), (1.5e-05, 3.1e18), (1.0, 1.0), (0.0,), (1.0,),
                       signal_norms=(1.0, 17.0), grad_norm=2.0)
    text = captions.gradients_caption([tiny, later])
    assert not re.search(r"\de[+-]?\d", text), text  # no 1.5e-05, 3.1e+18, 1.4e-09×
    assert f"L1 {readable(1.5e-05, 2)}, L2 {readable(3.1e18, 2)}" in text
    assert f"it stayed between {readable(1.4e-9, 2)}× and 17×" in text  # the lowest and the highest, not first → last


def test_the_loss_slice_in_words_gives_the_loss_at_the_current_weights(trained):
    trainer, _ = trained
    land = loss_slice(trainer, resolution=11)
    text = words.describe_slice(land)
    now = trainer.evaluate(trainer.x_train, trainer.y_train)[0]  # the trainer's own loss, not the slice's
    assert f"(the star, α = β = 0) it is {readable(now, 3)}" in text
    assert f"lowest {readable(float(np.nanmin(land.loss)), 3)}" in text and "11 × 11 grid" in text


def test_one_neurons_chain_rule_is_written_as_people_read_numbers():
    state = MLPState(hidden=(8,) * 6, activations=("sigmoid",) * 6, init="xavier",
                     optimizer=OptimizerConfig("sgd", 0.5))  # the vanishing lesson: layer 1's gradients are tiny
    trainer = build_trainer(state, load_data(state))
    trainer.run(2)
    texts = [captions.neuron_caption(1, j + 1, neuron_gradients(trainer, 1, j, 0), 2) for j in range(3)]
    assert not any(re.search(r"\de[+-]\d", text) for text in texts), texts  # never 1.994e-05
    assert any("10⁻" in text for text in texts)
    info = neuron_gradients(trainer, 1, 0, 0)
    assert f"= **{readable(info['downstream'])}**" in texts[0]
