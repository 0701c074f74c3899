"""Optimizers over engine parameters: each update rule is one small class, documented by its formula.

Conventions follow PyTorch (so exported code and textbook numbers agree). For a parameter p with
gradient g at iteration t (1-based), learning rate η from the schedule:

    sgd        p ← p − η g
    momentum   v ← μ v + g;                      p ← p − η v
    nesterov   v ← μ v + g;                      p ← p − η (g + μ v)
    adagrad    G ← G + g²;                       p ← p − η g / (√G + ε)
    rmsprop    s ← ρ s + (1 − ρ) g²;             p ← p − η g / (√s + ε)
    adam       m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
               p ← p − η m̂ / (√v̂ + ε),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
    adamw      adam with decoupled weight decay: p ← p − η λ p before the adam step

Before the rule: gradients are clipped (by value to [−c, c], or rescaled so their global norm is
at most c), then L2 weight decay adds λ p to g ("l2"), or decoupled decay shrinks p ("decoupled").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw")
SCHEDULES = ("constant", "step", "cosine")


@dataclass(frozen=True)
class OptimizerConfig:
    name: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9  # μ, for momentum and nesterov
    rho: float = 0.9  # ρ, rmsprop's decay
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0  # λ
    decay_mode: str = "l2"  # "l2" (added to the gradient) or "decoupled" (adamw always decouples)
    clip_norm: float | None = None  # rescale so the global gradient norm is at most this
    clip_value: float | None = None  # clamp every gradient entry to [-c, c]
    schedule: str = "constant"
    step_every: int = 100  # step decay: multiply η by gamma every step_every iterations
    gamma: float = 0.5
    total: int = 1000  # cosine: iterations over which η falls to min_lr
    min_lr: float = 0.0

    def problems(self) -> list[str]:
        """What is wrong with these settings, in words (empty when they can run)."""
        out = []
        if self.name not in OPTIMIZERS:
            out.append(f"unknown optimizer {self.name!r}; choose one of {', '.join(OPTIMIZERS)}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            out.append("the learning rate must be a positive number")
        if self.schedule not in SCHEDULES:
            out.append(f"unknown schedule {self.schedule!r}")
        if self.decay_mode not in ("l2", "decoupled"):
            out.append("weight decay mode is 'l2' or 'decoupled'")
        for name in ("momentum", "rho", "beta1", "beta2"):
            if not 0.0 <= getattr(self, name) < 1.0:
                out.append(f"{name} must be in [0, 1)")
        for name in ("clip_norm", "clip_value"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                out.append(f"{name} must be positive")
        if self.weight_decay < 0 or self.step_every < 1 or self.total < 1 or self.eps <= 0:
            out.append("weight decay, eps, step_every and total must be positive")
        return out


def learning_rate(cfg: OptimizerConfig, t: int) -> float:
    """η at iteration t (0-based) under the schedule."""
    if cfg.schedule == "step":
        return cfg.lr * cfg.gamma ** (t // cfg.step_every)
    if cfg.schedule == "cosine":
        frac = min(t, cfg.total) / cfg.total
        return cfg.min_lr + (cfg.lr - cfg.min_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))
    return cfg.lr


def clip_gradients(grads: list[np.ndarray], cfg: OptimizerConfig) -> tuple[list[np.ndarray], bool]:
    """Clipped copies of ``grads`` and whether clipping changed anything."""
    clipped = False
    if cfg.clip_value is not None:
        new = [np.clip(g, -cfg.clip_value, cfg.clip_value) for g in grads]
        clipped = any(not np.array_equal(a, b) for a, b in zip(new, grads, strict=True))
        grads = new
    if cfg.clip_norm is not None:
        norm = global_norm(grads)
        if norm > cfg.clip_norm:
            grads = [g * (cfg.clip_norm / norm) for g in grads]
            clipped = True
    return grads, clipped


def global_norm(arrays) -> float:
    return math.sqrt(sum(float(np.sum(a * a)) for a in arrays))


class Rule:
    """One update rule: ``direction`` turns a gradient into the step to subtract (before × η)."""

    def __init__(self, cfg: OptimizerConfig, shapes):
        self.cfg = cfg
        self.state = [self.init(np.zeros(s)) for s in shapes]

    def init(self, zeros):
        return None

    def direction(self, g, state, t):
        raise NotImplementedError


class SGD(Rule):
    def direction(self, g, state, t):
        return g, state


class Momentum(Rule):
    def init(self, zeros):
        return zeros

    def direction(self, g, v, t):
        v = self.cfg.momentum * v + g
        return v, v


class Nesterov(Momentum):
    def direction(self, g, v, t):
        v = self.cfg.momentum * v + g
        return g + self.cfg.momentum * v, v


class AdaGrad(Rule):
    def init(self, zeros):
        return zeros

    def direction(self, g, acc, t):
        acc = acc + g * g
        return g / (np.sqrt(acc) + self.cfg.eps), acc


class RMSProp(Rule):
    def init(self, zeros):
        return zeros

    def direction(self, g, s, t):
        s = self.cfg.rho * s + (1.0 - self.cfg.rho) * g * g
        return g / (np.sqrt(s) + self.cfg.eps), s


class Adam(Rule):
    def init(self, zeros):
        return zeros, zeros.copy()

    def direction(self, g, mv, t):
        c = self.cfg
        m = c.beta1 * mv[0] + (1.0 - c.beta1) * g
        v = c.beta2 * mv[1] + (1.0 - c.beta2) * g * g
        m_hat, v_hat = m / (1.0 - c.beta1 ** t), v / (1.0 - c.beta2 ** t)
        return m_hat / (np.sqrt(v_hat) + c.eps), (m, v)


RULES = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
         "rmsprop": RMSProp, "adam": Adam, "adamw": Adam}


@dataclass(frozen=True)
class Update:
    """What one optimizer step did (for charts, tables and the NaN trap)."""

    iteration: int  # 1-based
    lr: float
    grad_norm: float  # before clipping
    update_norm: float
    clipped: bool


@dataclass
class Optimizer:
    """Updates the values of parameter nodes in place from their ``grad``."""

    params: list  # engine Nodes
    cfg: OptimizerConfig = field(default_factory=OptimizerConfig)
    t: int = 0

    def __post_init__(self):
        problems = self.cfg.problems()
        if problems:
            raise ValueError("; ".join(problems))
        self.rule = RULES[self.cfg.name](self.cfg, [p.value.shape for p in self.params])

    def step(self) -> Update:
        c = self.cfg
        lr = learning_rate(c, self.t)
        self.t += 1
        raw = [p.grad if p.grad is not None else np.zeros_like(p.value) for p in self.params]
        grads, clipped = clip_gradients(raw, c)
        decoupled = c.name == "adamw" or c.decay_mode == "decoupled"
        steps = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if c.weight_decay and not decoupled:
                g = g + c.weight_decay * p.value
            d, self.rule.state[i] = self.rule.direction(g, self.rule.state[i], self.t)
            step = lr * d
            if c.weight_decay and decoupled:
                step = step + lr * c.weight_decay * p.value
            p.value = p.value - step  # a new array: earlier values (e.g. a recorded path) stay intact
            steps.append(step)
        return Update(self.t, lr, global_norm(raw), global_norm(steps), clipped)
