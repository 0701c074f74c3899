"""The optimizer as one field of the MLP lab's state: the optimizer lab's run text in a link
(``adam:lr=0.01,beta1=0.5``), an object with every setting in JSON, and one widget per setting.

``SETTINGS`` is the table of every ``OptimizerConfig`` setting with its label and its kind (bounds), so the
widgets, the link and the JSON accept exactly the same values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labs.optim import OPTIMIZERS, SCHEDULES, WHY_EPS, WHY_RHO, OptimizerConfig
from playground.common.fields import Choice, Float, Int, Kind, echo, format_float
from playground.surfaces.state import decode_runs, encode_run

BELOW_ONE = 0.999999  # momentum, ρ and the betas are in [0, 1): the widgets' largest value
OPTIMIZER_NAMES = Choice(OPTIMIZERS)


@dataclass(frozen=True)
class Setting:
    label: str
    kind: Kind
    help: str = ""
    details: bool = True  # shown under "Optimizer details" (the common ones are shown beside the optimizer)

SETTINGS: dict[str, Setting] = {
    "lr": Setting("Learning rate η", Float(1e-9), "the step size: each update moves every weight by η × its gradient "
                  "(adam: by about η). Too small crawls, too large overshoots or blows up: start at 0.01, then tune "
                  "by factors of 10 (the lesson 'Where to start the learning rate' shows why)", details=False),
    "momentum": Setting("Momentum μ", Float(0.0, BELOW_ONE), "momentum and nesterov"),
    "rho": Setting("Decay ρ", Float(0.0, BELOW_ONE), f"rmsprop's moving average of g²: {WHY_RHO}"),
    "beta1": Setting("β₁", Float(0.0, BELOW_ONE), "adam and adamw: the average of g"),
    "beta2": Setting("β₂", Float(0.0, BELOW_ONE), "adam and adamw: the average of g²"),
    "eps": Setting("ε", Float(1e-12, 1.0), f"adagrad, rmsprop, adam and adamw: added to the denominator: {WHY_EPS}"),
    "weight_decay": Setting("Weight decay λ", Float(0.0)),
    "decay_mode": Setting("Weight decay mode", Choice(("l2", "decoupled")),
                          "l2 adds λp to the gradient; decoupled shrinks p (adamw always decouples)"),
    "clip_norm": Setting("Clip ‖g‖ (0 = off)", Float(0.0), "rescale so the global gradient norm is at most this",
                         details=False),
    "clip_value": Setting("Clip each gᵢ (0 = off)", Float(0.0), "clamp every gradient entry to [−c, c]"),
    "schedule": Setting("η schedule", Choice(SCHEDULES)),
    "step_every": Setting("Step: every", Int(1, 1_000_000), "step schedule: multiply η by γ every this many updates"),
    "gamma": Setting("Step: γ", Float(0.0, 10.0), "step schedule: the factor"),
    "total": Setting("Cosine: over", Int(1, 1_000_000), "cosine schedule: updates over which η falls to its minimum"),
    "min_lr": Setting("Cosine: min η", Float(0.0), "cosine schedule: the smallest η"),
}
OFF_AT_ZERO = ("clip_norm", "clip_value")  # None (off) is 0 in a widget and null in JSON
assert set(SETTINGS) == {f.name for f in dataclasses.fields(OptimizerConfig)} - {"name"}


def _check_setting(name: str, value: Any) -> Any:
    kind = SETTINGS[name].kind
    return kind.parse(value) if isinstance(kind, Choice) else kind.check(value)


class OptimizerKind(Kind):
    """One OptimizerConfig. Every error names the setting at fault."""

    def check(self, cfg: OptimizerConfig) -> OptimizerConfig:
        problems = []
        for name in SETTINGS:
            value = getattr(cfg, name)
            if value is None and name in OFF_AT_ZERO:
                continue
            try:
                _check_setting(name, value)
            except ValueError as e:
                problems.append(f"{name}: {e}")
        problems = problems or cfg.problems()
        if problems:
            raise ValueError("; ".join(problems))
        return cfg

    def parse(self, text: str) -> OptimizerConfig:
        runs = decode_runs(text)
        if len(runs) != 1:
            raise ValueError(f"one optimizer, not {len(runs)}")
        return self.check(runs[0])

    def format(self, value: OptimizerConfig) -> str:
        """The optimizer lab's run text, always with η: it leaves out the η that is its own default (0.1), which in
        this lab read as if the lab's default (0.03, labs.mlp.train.DEFAULT_LR) were meant (the review: /mlp opens
        at 0.03, and its link for 0.1 said just 'adam'). Read back, 'adam' alone is still 0.1, as it always was."""
        name, _, changed = encode_run(value).partition(":")
        if value.lr == OptimizerConfig.lr:
            changed = ",".join(filter(None, (f"lr={format_float(value.lr)}", changed)))
        return f"{name}:{changed}" if changed else name

    def to_json(self, value: OptimizerConfig) -> dict[str, Any]:
        return dataclasses.asdict(value)

    def from_json(self, data: Any) -> OptimizerConfig:
        if isinstance(data, str):  # the link's form
            return self.parse(data)
        if not isinstance(data, dict):
            raise ValueError('must be an object such as {"name": "adam", "lr": 0.01}')
        if data.get("name") not in OPTIMIZERS:
            given = f", not {echo(data['name'])}" if "name" in data else ""
            raise ValueError(f"needs a name, one of {', '.join(OPTIMIZERS)}{given}")
        values, problems = {}, []
        for name, item in data.items():
            if name == "name":
                continue
            if name not in SETTINGS:
                problems.append(f"unknown setting {echo(name)}")
            elif item is None or (name in OFF_AT_ZERO and item == 0 and not isinstance(item, bool)):
                if name not in OFF_AT_ZERO:
                    problems.append(f"{name}: has no value")
                values[name] = None
            else:
                try:
                    values[name] = SETTINGS[name].kind.from_json(item)
                except (ValueError, TypeError, OverflowError) as e:
                    problems.append(f"{name}: {e}")
        if problems:
            raise ValueError("; ".join(problems))
        return self.check(OptimizerConfig(data["name"], **values))

    # widgets: "<key>_name" and "<key>_<setting>" for each setting
    def widget_values(self, key: str, value: OptimizerConfig) -> dict[str, Any]:
        out: dict[str, Any] = {f"{key}_name": value.name}
        for name, setting in SETTINGS.items():
            item = getattr(value, name)
            out[f"{key}_{name}"] = float(item or 0.0) if isinstance(setting.kind, Float) else item
        return out

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> OptimizerConfig:
        values = {}
        for name, setting in SETTINGS.items():
            item = session[f"{key}_{name}"]
            if isinstance(setting.kind, Float):
                item = float(item) if name not in OFF_AT_ZERO else (float(item) or None)
            values[name] = item
        return OptimizerConfig(session[f"{key}_name"], **values)

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return (f"{key}_name", *(f"{key}_{name}" for name in SETTINGS))
