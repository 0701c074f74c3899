"""Neuron heatmaps (issue 14 §2): each hidden neuron's activation over the input plane, checked against the
network's weights computed by hand, the pictures' layout and colours, and the chosen neuron's incoming weights."""

import numpy as np

from labs.mlp.datasets import featurize
from playground.mlp import heatmaps
from playground.mlp.lab import build_trainer, load_data
from playground.mlp.state import MLPState


def trained(state: MLPState, updates: int = 20):
    data = load_data(state)
    trainer = build_trainer(state, data)
    trainer.run(updates)
    return trainer, data


def test_a_first_layer_neuron_is_its_activation_of_the_inputs_by_hand():
    trainer, data = trained(MLPState(features=("x1", "x2", "x1²"), hidden=(5, 3), activations=("tanh", "relu")))
    xs, ys, acts = heatmaps.neuron_activations(trainer, data, resolution=9)
    assert [a.shape for a in acts] == [(9, 9, 5), (9, 9, 3)]
    w, b = trainer.model.layers[0].weight.value, trainer.model.layers[0].bias.value
    i, j = 2, 7  # row i is ys[i], column j is xs[j]
    x = featurize(np.array([[xs[j], ys[i]]]), ("x1", "x2", "x1²"))
    assert np.allclose(acts[0][i, j], np.tanh(x @ w + b)[0])
    w2, b2 = trainer.model.layers[1].weight.value, trainer.model.layers[1].bias.value
    assert np.allclose(acts[1][i, j], np.maximum(np.tanh(x @ w + b) @ w2 + b2, 0)[0])


def test_the_heatmaps_change_with_training():
    trainer, data = trained(MLPState(dataset="xor", hidden=(4,), activations=("tanh",)), updates=0)
    before = heatmaps.neuron_activations(trainer, data)[2][0]
    trainer.run(30)
    assert not np.allclose(before, heatmaps.neuron_activations(trainer, data)[2][0])


def test_a_layers_picture_puts_each_neuron_in_its_tile_with_y_up():
    a = np.zeros((4, 4, 3))
    a[3, 0, 1] = 2.0  # neuron 2: positive at the highest y, lowest x
    a[0, 3, 2] = -2.0  # neuron 3: negative at the lowest y, highest x
    picture = heatmaps.layer_picture(a)
    tile, gap, px = 4 * heatmaps.TILE_PIXELS, heatmaps.GAP, heatmaps.TILE_PIXELS
    assert picture.shape == (tile, 3 * tile + 2 * gap, 3)
    left = tile + gap  # neuron 2's tile
    assert tuple(picture[0, left]) == tuple(heatmaps.POSITIVE)  # top-left of its tile: full blue at the scale's end
    third = 2 * (tile + gap)
    assert tuple(picture[tile - 1, third + tile - 1]) == (213, 94, 0) != tuple(picture[0, third])  # orange bottom right
    assert (picture[:, tile: tile + gap] == 255).all()  # white gap between tiles
    assert tuple(picture[px, 0]) == (255, 255, 255)  # zero is white


def test_a_wide_layer_wraps_into_rows():
    picture = heatmaps.layer_picture(np.ones((25, 25, 32)))
    tile = 25 * 2
    assert picture.shape[:2] == (2 * tile + heatmaps.GAP, heatmaps.WIDE * tile + (heatmaps.WIDE - 1) * heatmaps.GAP)
    assert "16 a row" in heatmaps.layer_caption(1, "relu", np.ones((25, 25, 32)))


def test_the_chosen_neuron_shows_its_incoming_weights():
    trainer, data = trained(MLPState(hidden=(4, 3), activations=("relu", "tanh")))
    xs, ys, acts = heatmaps.neuron_activations(trainer, data)
    fig, text = heatmaps.chosen(trainer, xs, ys, acts, 2, 1)
    w = trainer.model.layers[1].weight.value[:, 1]
    assert heatmaps.incoming(trainer, 2, 1) == [(f"1.{i + 1}", float(w[i])) for i in range(4)] + [
        ("bias", float(trainer.model.layers[1].bias.value[1]))]
    assert np.array_equal(np.asarray(fig.data[0].z), acts[1][:, :, 1]) and "Neuron 2.2" in fig.layout.title.text
    assert text.startswith("Neuron 2.2's activation") and "1.4 " in text and "bias" in text
    assert f"positive on {100 * np.mean(acts[1][:, :, 1] > 0):.0f}% of the plane" in text


def test_every_layers_picture_has_one_width_so_tiles_scale_alike():
    trainer, data = trained(MLPState(hidden=(8, 3, 20), activations=("relu", "tanh", "sigmoid")), updates=1)
    drawn = heatmaps.pictures(trainer, *heatmaps.neuron_activations(trainer, data))
    assert len({picture.shape[1] for picture, _ in drawn}) == 1
    narrow = drawn[2][0]  # 3 tiles, then white
    assert (narrow[:, 3 * (25 * heatmaps.TILE_PIXELS + heatmaps.GAP):] == 255).all()
    assert [caption.split(":")[0] for _, caption in drawn] == ["Inputs", "Layer 1 (relu)", "Layer 2 (tanh)",
                                                               "Layer 3 (sigmoid)"]


def test_the_inputs_are_previewed_each_at_its_own_scale():
    trainer, data = trained(MLPState(features=("x1", "x1²", "sin x2"), hidden=(2,), activations=("relu",)), 0)
    xs, ys, acts = heatmaps.neuron_activations(trainer, data, resolution=11)
    features = heatmaps.input_features(trainer, xs, ys)
    assert features.shape == (11, 11, 3) and np.allclose(np.abs(features).max(axis=(0, 1)), 1.0)
    assert np.allclose(features[4, 7, 1], xs[7] ** 2 / np.max(xs ** 2))  # x1² at row 4 (ys[4]), column 7 (xs[7])
    assert np.allclose(features[4, 7, 2], np.sin(ys[4]) / np.abs(np.sin(ys)).max())
    assert heatmaps.pictures(trainer, xs, ys, acts)[0][1].startswith("Inputs: x1, x1², sin x2, left to right")


def test_the_large_heatmaps_colour_bar_spans_its_activations_range():
    trainer, data = trained(MLPState(dataset="xor", hidden=(4, 4), activations=("relu", "tanh")))
    xs, ys, acts = heatmaps.neuron_activations(trainer, data)
    relu = heatmaps.chosen(trainer, xs, ys, acts, 1, 0)[0].data[0]
    a = acts[0][:, :, 0]
    assert relu.zmin == 0 and relu.zmax == np.abs(a).max()  # a ReLU is never negative: no −max … 0 half
    assert relu.colorscale[0][1] == "white" and len(relu.colorscale) == 2
    tanh = heatmaps.chosen(trainer, xs, ys, acts, 2, 0)[0].data[0]
    b = acts[1][:, :, 0]
    assert b.min() < 0 < b.max() and tanh.zmin == -tanh.zmax == -np.abs(b).max()  # both signs: white at 0
