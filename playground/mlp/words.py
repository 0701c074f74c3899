"""The MLP lab's charts in words: a short text alternative under each (decision map, loss curve, gradient norms,
gradient histogram, network diagram, loss slice), for screen readers and for anyone who wants the numbers without
reading them off a picture. Plain functions of the data the figures draw, so the words and the picture agree."""

from __future__ import annotations

import math

import numpy as np

from engine.formatting import readable

from .budget import CLICK_SECONDS, SLICE_RESOLUTION
from .figures import CLASS_SYMBOLS, EXPLODING, VANISHING


def _range(values) -> str:
    return f"from {readable(float(values[0]), 3)} to {readable(float(values[-1]), 3)}"


def _plural(symbol: str) -> str:  # a Plotly marker symbol in words: "triangle-up" → "triangles pointing up"
    return {"triangle-up": "triangles pointing up", "x": "x's", "cross": "crosses"}.get(symbol, f"{symbol}s")


def describe_map(xs, ys, z, train, test, task: str) -> str:
    """What the decision map shows: the plane's extent, how much of it each class takes, the points on it."""
    plane = f"over x1 {_range(xs)} and x2 {_range(ys)}"
    if task == "regression":
        points = f"{len(train)} training points (circles) and {len(test)} test points (squares)"
        return (f"Prediction map {plane}: the network's prediction, coloured from {readable(float(np.nanmin(z)), 3)} "
                f"to {readable(float(np.nanmax(z)), 3)}, with {points} coloured by their targets.")
    classes = int(max(train.y.max(), test.y.max() if len(test) else 0)) + 1
    markers = ", ".join(f"class {c} {_plural(CLASS_SYMBOLS[c % len(CLASS_SYMBOLS)])}" for c in range(classes))
    points = (f"{len(train)} training points (white edge) and {len(test)} test points (dark edge), one colour and "
              f"marker per class ({markers})")
    if classes <= 2:
        share = float(np.mean(z >= 0.5))
        return (f"Decision map {plane}: orange where the network gives class 1 a probability of at least 0.5 "
                f"({100 * share:.0f}% of the plane), blue where class 0 is likelier ({100 * (1 - share):.0f}%), "
                f"with {points}.")
    shares = ", ".join(f"class {c} {100 * float(np.mean(z == c)):.0f}%" for c in range(int(train.y.max()) + 1))
    return f"Decision map {plane}: each region coloured by the class the network predicts ({shares}), with {points}."


def describe_losses(history) -> str:
    """What the loss curve shows: where each loss started, where it is, and its lowest point."""
    if not history:
        return "Loss curve: empty until the first update."
    parts = []
    for name, values in (("train", [r.train_loss for r in history]), ("test", [r.test_loss for r in history])):
        if values[0] is None:
            continue
        finite = [(v, r.update) for v, r in zip(values, history, strict=True) if math.isfinite(v)]
        low = f", lowest {readable(min(finite)[0], 3)} at update {min(finite)[1]}" if finite else ""
        parts.append(f"{name} loss from {readable(values[0], 3)} at update 1 to {readable(values[-1], 3)} at "
                     f"update {history[-1].update}{low}")
    return "Loss per update on a log scale: " + "; ".join(parts) + "."


def _band(norm: float) -> str:
    if not math.isfinite(norm):
        return " (not finite)"
    return " (vanishing)" if norm < VANISHING else " (exploding)" if norm > EXPLODING else ""


def describe_norms(history) -> str:
    """What the gradient-norm chart shows at the latest update: each layer's ‖∂L/∂z‖ and its band."""
    if not history:
        return "Gradient norms per layer: empty until the first update."
    last = history[-1]
    layers = len(last.signal_norms)
    values = ", ".join(f"layer {i + 1}{' (output)' * (i == layers - 1)} {readable(n, 3)}{_band(n)}"
                       for i, n in enumerate(last.signal_norms))
    return (f"‖∂L/∂z‖ reaching each layer per update on a log scale, with bands below {readable(VANISHING)} "
            f"(vanishing) and above {readable(EXPLODING)} (exploding). At update {last.update}: {values}.")


def describe_histogram(trainer) -> str:
    """What the histogram shows: each layer's weight gradients at the latest update, their count and spread."""
    if not trainer.history:
        return "Histogram of ∂L/∂w: empty until the first update."
    parts = []
    for i, w in enumerate(trainer.weights, start=1):
        if w.grad is None:
            continue
        g = w.grad[np.isfinite(w.grad)]
        spread = f"from {readable(float(g.min()), 3)} to {readable(float(g.max()), 3)}" if g.size else "none finite"
        parts.append(f"layer {i}: {w.grad.size} weights, {spread}")
    return f"Histogram of ∂L/∂w at update {trainer.updates}, one colour per layer: " + "; ".join(parts) + "."


def describe_network(trainer) -> str:
    """What the network diagram shows: its layers, how many weights of each sign, and the strongest weight."""
    net = trainer.cfg.net
    layers = " → ".join([f"{net.inputs} inputs ({', '.join(trainer.cfg.features)})",
                         *(f"{w} {a}" for w, a in zip(net.hidden, net.activations, strict=True)),
                         f"{net.outputs} output{'s' * (net.outputs > 1)}"])
    weights = [(float(w), layer, i, j) for layer, lin in enumerate(trainer.model.layers, start=1)
               for (i, j), w in np.ndenumerate(lin.weight.value)]
    positive = sum(w >= 0 for w, *_ in weights)
    finite = [entry for entry in weights if math.isfinite(entry[0])]
    text = (f"Network diagram: {layers}. {len(weights)} weights, {positive} positive (solid blue) and "
            f"{len(weights) - positive} negative (dashed orange)")
    if finite:
        w, layer, i, j = max(finite, key=lambda e: abs(e[0]))
        source = trainer.cfg.features[i] if layer == 1 else f"neuron {layer - 1}.{i + 1}"
        target = f"output {j + 1}" if layer == len(trainer.model.layers) else f"neuron {layer}.{j + 1}"
        text += f"; the largest |w| is {readable(abs(w), 3)} (w = {readable(w, 3)}), from {source} to {target}"
    return text + "."


def describe_slice(land) -> str:
    """What the loss slice shows: its extent, the loss at the current weights and the lowest on the plane."""
    loss = land.loss
    i, j = int(np.argmin(np.abs(land.betas))), int(np.argmin(np.abs(land.alphas)))  # α = β = 0: the weights now
    finite = np.isfinite(loss)
    text = (f"Loss slice: the training loss on a {len(land.alphas)} × {len(land.betas)} grid of α "
            f"{_range(land.alphas)} and β {_range(land.betas)} along two random directions; at the current weights "
            f"(the star, α = β = 0) it is {readable(float(loss[i, j]), 3)}")
    if finite.any():
        b, a = np.unravel_index(np.argmin(np.where(finite, loss, np.inf)), loss.shape)
        text += (f", lowest {readable(float(loss[b, a]), 3)} at α = {readable(float(land.alphas[a]), 2)}, "
                 f"β = {readable(float(land.betas[b]), 2)}, highest {readable(float(loss[finite].max()), 3)}")
    coarse = (f" The grid is coarser than {SLICE_RESOLUTION} × {SLICE_RESOLUTION} so that it takes at most "
              f"{CLICK_SECONDS:g} s of the server's time." if len(land.alphas) < SLICE_RESOLUTION else "")
    return text + f"; the training path is {len(land.path)} points projected onto the plane.{coarse}"
