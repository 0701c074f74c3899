"""The MLP's loss and gradients in plain numpy, computed as the engine's graph computes them.

Two users need the network without the engine: the loss-landscape slice (``loss_slice.py``), which
evaluates hundreds of weight sets at once, and the exported numpy script, into which ``export.py``
pastes these definitions verbatim. Hence numpy only, and the settings passed in as ``config`` with
the attributes of a ``TrainConfig`` (``config.net.activations``, ``config.net.bias``, ``config.loss``,
``config.l1``, ``config.l2``): the trainer's config here, the script's JSON there.

Parameters are [W1, b1, W2, b2, ...] (no b without bias), each W of shape (fan_in, fan_out), as in
``nn.py``. ``loss`` also takes K parameter sets stacked on a leading axis and returns K losses.
tests/test_export.py checks loss and gradients against the engine for every activation and loss.
"""

import numpy as np

LEAKY_SLOPE = 0.01  # as in gradlab's engine (engine/ops.py)
ELU_ALPHA = 1.0


def activate(name, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_SLOPE * z)
    if name == "elu":
        return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0.0)))
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))  # never overflows: exp of a non-positive number
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return z  # linear


def activation_slope(name, z, a):
    """d a / d z from the pre-activation z and the activation a = activate(name, z)."""
    if name == "relu":
        return (z > 0) * 1.0
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, LEAKY_SLOPE)
    if name == "elu":
        return np.where(z > 0, 1.0, a + ELU_ALPHA)
    if name == "tanh":
        return 1.0 - a * a
    if name == "sigmoid":
        return a * (1.0 - a)
    return np.ones_like(z)


def forward(params, x, config):
    """The output scores, and each layer's input, pre-activation and activation (for the backward pass)."""
    step = 2 if config.net.bias else 1
    layers = []
    h = x
    for layer, name in enumerate((*config.net.activations, "linear")):  # the output layer gives raw scores
        z = h @ params[layer * step]
        if config.net.bias:
            z = z + params[layer * step + 1][..., None, :]  # the None lines b up with the batch rows
        layers.append((h, z, activate(name, z)))
        h = layers[-1][2]
    return h, layers


def log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)  # log-sum-exp trick: never overflows
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def total_loss(scores, y, weights, config):
    """Data loss (mean over the batch) plus λ₁ Σ|W| + λ₂ Σ W², added in the engine's order."""
    if config.loss == "cross_entropy":
        total = -np.sum(y * log_softmax(scores), axis=(-2, -1)) / scores.shape[-2]
    else:
        diff = scores - y
        total = np.mean(diff * diff, axis=(-2, -1))
    for lam, term in ((config.l1, np.abs), (config.l2, np.square)):
        if lam:  # skipped, not multiplied by 0: 0 × inf would turn an overflow into NaN
            for w in weights:
                total = total + lam * np.sum(term(w), axis=(-2, -1))
    return total


def loss(params, x, y, config):
    scores, _ = forward(params, x, config)
    return total_loss(scores, y, params[::2 if config.net.bias else 1], config)


def loss_and_gradients(params, x, y, config):
    """The loss of one parameter set and its gradient with respect to every parameter."""
    step = 2 if config.net.bias else 1
    scores, layers = forward(params, x, config)
    value = total_loss(scores, y, params[::step], config)
    if config.loss == "cross_entropy":
        d = (np.exp(log_softmax(scores)) * np.sum(y, axis=-1, keepdims=True) - y) / len(scores)
    else:
        d = 2.0 * (scores - y) / scores.size
    grads = [None] * len(params)
    names = (*config.net.activations, "linear")
    for layer in reversed(range(len(layers))):
        h, z, a = layers[layer]
        if names[layer] != "linear":
            d = d * activation_slope(names[layer], z, a)
        w = params[layer * step]
        grads[layer * step] = h.T @ d
        if config.l1:
            grads[layer * step] = grads[layer * step] + config.l1 * np.sign(w)
        if config.l2:
            grads[layer * step] = grads[layer * step] + 2.0 * config.l2 * w
        if config.net.bias:
            grads[layer * step + 1] = d.sum(axis=0)
        d = d @ w.T
    return value, grads
