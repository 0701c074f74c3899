"""Optimizers over engine parameters: the settings, their checks, and the update applied to engine nodes.

The arithmetic of every rule (formulas in its docstring), clipping, weight decay, the schedules and
the mini-batch order live in ``labs.update_rules``, the one copy that the exported scripts paste in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from engine.formatting import readable
from labs.update_rules import global_norm, initial_state, learning_rate, optimizer_step

# learning_rate is re-exported: callers ask this module for the schedule of an OptimizerConfig.
__all__ = ["OPTIMIZERS", "SCHEDULES", "Optimizer", "OptimizerConfig", "Update", "learning_rate"]

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
            if value is not None and not (math.isfinite(value) and value > 0):
                out.append(f"{name} must be a positive number")
        # Written so NaN fails each check too: a negative γ or minimum η would turn descent into ascent.
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            out.append("weight decay must be a number ≥ 0")
        if not (math.isfinite(self.eps) and self.eps > 0):
            out.append("eps must be a positive number")
        if self.step_every < 1 or self.total < 1:
            out.append("step_every and total must be at least 1")
        if not (math.isfinite(self.gamma) and self.gamma >= 0):
            out.append("the step schedule's gamma must be a number ≥ 0")
        if not (math.isfinite(self.min_lr) and self.min_lr >= 0):
            out.append("the cosine schedule's minimum learning rate must be a number ≥ 0")
        return out


# Where our defaults differ from PyTorch's, said in both labs' settings (issue 13: follow torch, or say why not).
WHY_RHO = (f"{OptimizerConfig.rho:g} here, the value of Hinton's lecture that introduced RMSProp (and Keras's "
           "default); PyTorch's default alpha is 0.99")
WHY_EPS = (f"{readable(OptimizerConfig.eps)} for all of them here, as Adam's paper; PyTorch's AdaGrad defaults to "
           f"{readable(1e-10)} (set it to match)")


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
        self.states = [initial_state(self.cfg.name, p.value.shape) for p in self.params]

    def step(self) -> Update:
        self.t += 1
        raw = [p.grad if p.grad is not None else np.zeros_like(p.value) for p in self.params]
        values, steps, lr, clipped = optimizer_step(self.cfg, [p.value for p in self.params], raw, self.states,
                                                    self.t)
        for p, value in zip(self.params, values, strict=True):
            p.value = value  # a new array: earlier values (e.g. a recorded path) stay intact
        return Update(self.t, lr, global_norm(raw), global_norm(steps), clipped)

    def state_key(self) -> tuple:
        """Everything besides the parameters that decides the updates from here on, as a hashable value: two
        iterations with the same parameters and the same key continue identically, so a repeat is a cycle.

        That is the rule's state (velocity, moments, accumulated squares), exactly, and the iteration count
        whenever later updates still depend on it: a schedule that has not settled to a constant η, or
        Adam's bias corrections 1 − βᵗ before they round to exactly 1 (then no repeat can ever be a cycle).
        """
        arrays = []
        for state in self.states:
            for part in (() if state is None else state if isinstance(state, tuple) else (state,)):
                arrays.append(np.asarray(part, dtype=float).tobytes())
        return tuple(arrays), (None if self._settled() else self.t)

    def _settled(self) -> bool:
        """Whether every later update is the same function of (parameters, state), whatever the iteration."""
        cfg, t = self.cfg, self.t
        if cfg.schedule == "cosine" and t < cfg.total:
            return False
        if cfg.schedule == "step" and cfg.gamma != 1.0 and not (cfg.gamma == 0.0 and t >= cfg.step_every):
            return False  # η still changes (γ = 0 has settled at η = 0 after the first period)
        if cfg.name in ("adam", "adamw"):
            return 1.0 - cfg.beta1 ** (t + 1) == 1.0 and 1.0 - cfg.beta2 ** (t + 1) == 1.0
        return True
