"""Linear layers and MLPs built from engine tensor ops, with seeded initialisation and the losses."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.limits import MAX_LAYERS, MAX_WIDTH
from engine.node import Node, apply, const, var

ACTIVATIONS = ("relu", "leaky_relu", "elu", "tanh", "sigmoid", "linear")
INITS = ("xavier", "he", "normal")
LOSSES = ("cross_entropy", "mse")


@dataclass(frozen=True)
class NetConfig:
    inputs: int = 2
    hidden: tuple[int, ...] = (8, 8)
    outputs: int = 2
    activations: tuple[str, ...] = ("relu", "relu")  # one per hidden layer
    init: str = "he"  # xavier: std √(2/(fan_in+fan_out)); he: √(2/fan_in); normal: init_scale
    init_scale: float = 1.0  # multiplies the xavier/he std; is the std itself for "normal"
    bias: bool = True

    def problems(self) -> list[str]:
        out = []
        if len(self.hidden) > MAX_LAYERS:
            out.append(f"at most {MAX_LAYERS} hidden layers")
        if any(not 1 <= w <= MAX_WIDTH for w in self.hidden):
            out.append(f"every hidden layer needs a width from 1 to {MAX_WIDTH}")
        if len(self.activations) != len(self.hidden) or any(a not in ACTIVATIONS for a in self.activations):
            out.append(f"one activation per hidden layer, from {', '.join(ACTIVATIONS)}")
        if self.init not in INITS:
            out.append(f"initialisation is one of {', '.join(INITS)}")
        if not (math.isfinite(self.init_scale) and self.init_scale > 0):
            out.append("the initialisation scale must be a positive number")
        if not 1 <= self.inputs <= 16 or not 1 <= self.outputs <= 10:
            out.append("1 to 16 inputs and 1 to 10 outputs")
        return out

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.inputs, *self.hidden, self.outputs)


def init_std(cfg: NetConfig, fan_in: int, fan_out: int) -> float:
    if cfg.init == "xavier":
        return cfg.init_scale * math.sqrt(2.0 / (fan_in + fan_out))
    if cfg.init == "he":
        return cfg.init_scale * math.sqrt(2.0 / fan_in)
    return cfg.init_scale


def init_params(cfg: NetConfig, seed: int) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] (no b when bias is off), drawn from one seeded generator."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(cfg.sizes[:-1], cfg.sizes[1:], strict=True):
        params.append(rng.normal(0.0, init_std(cfg, fan_in, fan_out), (fan_in, fan_out)))
        if cfg.bias:
            params.append(np.zeros(fan_out))
    return params


class Linear:
    """y = x W + b, with W of shape (fan_in, fan_out)."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray | None, index: int):
        self.weight = var(weight, f"W{index}")
        self.bias = var(bias, f"b{index}") if bias is not None else None

    def __call__(self, x: Node) -> Node:
        out = x @ self.weight
        return out + self.bias if self.bias is not None else out

    def parameters(self) -> list[Node]:
        return [self.weight] + ([self.bias] if self.bias is not None else [])


class MLP:
    def __init__(self, cfg: NetConfig, params: list[np.ndarray]):
        self.cfg = cfg
        step = 2 if cfg.bias else 1
        self.layers = [Linear(params[i], params[i + 1] if cfg.bias else None, i // step + 1)
                       for i in range(0, len(params), step)]
        self.activations = (*cfg.activations, "linear")  # the output layer gives raw scores

    def parameters(self) -> list[Node]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, x) -> tuple[Node, list[Node]]:
        """The output scores and every hidden layer's activations (for statistics)."""
        h = x if isinstance(x, Node) else const(x, "X")
        hidden = []
        for layer, act in zip(self.layers, self.activations, strict=True):
            h = layer(h)
            if act != "linear":
                h = apply(act, h)
            hidden.append(h)
        return h, hidden[:-1]


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def loss_node(scores: Node, targets: np.ndarray, loss: str, weights: list[Node], l1: float, l2: float) -> Node:
    """Data loss (mean over the batch) plus λ₁ Σ|W| + λ₂ Σ W² over the weight matrices."""
    if loss == "cross_entropy":
        data = apply("softmax_cross_entropy", scores, const(targets, "Y"))
    else:
        data = apply("mse", scores, const(targets, "Y"))
    for lam, op in ((l1, "abs"), (l2, None)):
        if lam:
            for w in weights:
                data = data + lam * (apply(op, w) if op else w * w).sum()
    return data
