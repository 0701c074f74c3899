"""The MLP lab's model: data, trainer, decision map, one neuron's gradients, and unrolling to scalars."""

from __future__ import annotations

import numpy as np

from engine import EngineError, ParseError, parse
from labs.mlp.datasets import Dataset, make_dataset, parse_csv, split
from labs.mlp.train import Trainer

from .state import OWN_DATA, MLPState

PLOT_MARGIN = 0.5
UNROLL_LIMIT = 24  # parameters: beyond this the scalar graph is too big to step through


def load_data(state: MLPState, own_csv: str | None = None, task: str = "classification") -> Dataset:
    if state.dataset == OWN_DATA:
        if not own_csv or not own_csv.strip():
            raise EngineError("add some points: upload or paste a CSV of x1, x2, label, or edit the table")
        return parse_csv(own_csv, task)
    return make_dataset(state.dataset, state.points, state.noise, state.data_seed)


def build_trainer(state: MLPState, data: Dataset) -> Trainer:
    """A fresh trainer for this setup. Raises EngineError with the reason when it can't be built."""
    if len(data) < 4:
        raise EngineError("the data needs at least 4 points")
    train, test = split(data, state.test_fraction, state.data_seed)
    outputs = 1 if data.task == "regression" else data.classes
    return Trainer(state.train_config(outputs), train, test)


def plot_range(data: Dataset) -> tuple[tuple[float, float], tuple[float, float]]:
    low, high = data.x.min(axis=0) - PLOT_MARGIN, data.x.max(axis=0) + PLOT_MARGIN
    return (float(low[0]), float(high[0])), (float(low[1]), float(high[1]))


def decision_grid(trainer: Trainer, data: Dataset, resolution: int = 70):
    """xs, ys and the model's output on a grid: P(class 1) for two classes, the class index for more,
    the prediction for regression. One batched forward pass."""
    (x0, x1), (y0, y1) = plot_range(data)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    scores = trainer.predict(np.stack([gx.ravel(), gy.ravel()], axis=1))
    if data.task == "regression":
        z = scores[:, 0]
    elif scores.shape[1] == 2:
        with np.errstate(all="ignore"):
            z = 1.0 / (1.0 + np.exp(scores[:, 0] - scores[:, 1]))  # softmax's second entry
    else:
        z = np.argmax(scores, axis=1).astype(float)
    return xs, ys, z.reshape(gx.shape)


def neuron_gradients(trainer: Trainer, layer: int, neuron: int, example: int = 0) -> dict | None:
    """Hidden neuron ``neuron`` (0-based) of ``layer`` (1-based) at the latest update, for one example of its
    batch (``example``, 0-based, clamped to the batch): that example's upstream ∂L/∂a, local ∂a/∂z (from the op
    registry) and downstream ∂L/∂z, so upstream × local = downstream holds for the numbers shown; and the
    batch's gradient, the sum of every example's downstream (∂L/∂b when the layer has biases); and ``terms``,
    the (W_jm, δ_m) pairs of the next layer whose sum is the upstream (the δ recursion)."""
    if not trainer.last_hidden or not 1 <= layer <= len(trainer.last_hidden):
        return None
    a, z = trainer.last_hidden[layer - 1], trainer.last_pre[layer - 1]
    # A "linear" layer has no activation node: a is z, the affine node itself (an add, or, without biases, the
    # matmul, which has no elementwise local gradient to read), and ∂a/∂z = 1.
    linear = a is z
    if a.grad is None or z.grad is None or not 0 <= neuron < a.shape[1]:
        return None
    k = min(max(example, 0), len(a.value) - 1)
    with np.errstate(all="ignore"):
        local = 1.0 if linear else float(a.op.local[0](a.value, z.value)[k, neuron])
    below = trainer.last_pre[layer]  # the next layer's z: its δ comes back through this neuron's row of W
    terms = [(float(w), float(d)) for w, d in zip(trainer.last_weights[layer][neuron], below.grad[k],
                                                   strict=True)] if below.grad is not None else []
    return {"example": k, "row": int(trainer.last_batch[k]), "batch": len(a.value), "terms": terms,
            "upstream": float(a.grad[k, neuron]), "local": local, "downstream": float(z.grad[k, neuron]),
            "batch_sum": float(z.grad[:, neuron].sum()), "activation": float(a.value[k, neuron]),
            "bias": trainer.cfg.net.bias}


def _num(x: float) -> str:
    text = repr(float(x))  # full precision: the stepper's loss equals the trainer's exactly
    return f"({text})" if text.startswith("-") else text


def unroll_query(trainer: Trainer, sample: int) -> tuple[dict[str, str] | None, str]:
    """Stepper URL parameters for the scalar graph of this sample's loss, or None and the reason."""
    if sum(p.value.size for p in trainer.params) > UNROLL_LIMIT:
        return None, f"unrolling is for tiny networks (at most {UNROLL_LIMIT} weights and biases, e.g. 2-2-2)"
    cfg = trainer.cfg
    x, y = trainer.x_train[sample], trainer.y_train[sample]
    values, inputs = {}, [_num(v) for v in x]
    for li, (layer, act) in enumerate(zip(trainer.model.layers, trainer.model.activations, strict=True), start=1):
        w = layer.weight.value
        outs = []
        for j in range(w.shape[1]):
            terms = []
            for i, h in enumerate(inputs):
                name = f"w{li}_{i + 1}{j + 1}"
                values[name] = repr(float(w[i, j]))
                terms.append(f"{name}*{h}")
            if layer.bias is not None:
                name = f"b{li}_{j + 1}"
                values[name] = repr(float(layer.bias.value[j]))
                terms.append(name)
            z = " + ".join(terms)
            outs.append(f"{act}({z})" if act != "linear" else f"({z})")
        inputs = outs
    if cfg.loss == "cross_entropy":
        target = int(np.argmax(y))
        expr = f"log({' + '.join(f'exp({s})' for s in inputs)}) - {inputs[target]}"
    else:
        expr = " + ".join(f"({s} - {_num(t)})**2" for s, t in zip(inputs, y, strict=True))
        if len(inputs) > 1:
            expr = f"({expr}) / {len(inputs)}"
    weights = [name for name in values if name.startswith("w")]  # the penalties cover weights, not biases
    for lam, term in ((cfg.l1, "abs({})"), (cfg.l2, "{}**2")):
        if lam:
            expr = f"{expr} + {_num(lam)} * ({' + '.join(term.format(w) for w in weights)})"
    try:
        parse(expr)
    except ParseError as e:
        return None, f"this network's scalar graph is too large for the stepper ({e.message})"
    return {"expr": expr, "at": ";".join(f"{k}={v}" for k, v in values.items()), "seed": "1", "step": "0",
            "mode": "learn"}, ""
