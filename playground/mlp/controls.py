"""Every setting's widget in one table: the Streamlit widget that shows it, its label, and what it needs beyond
the bounds and options of its kind. The page draws a setting by its name (the spec's field, ``optimizer_<setting>``
or ``hidden_<i>`` / ``activations_<i>`` for a layer); the key is always ``MLP_SPEC.widget_key(name)``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from engine import formatting
from engine.limits import MAX_UPDATES
from playground.common.fields import Choice, Float, Int, Kind, Names

from .optimizer import OPTIMIZER_NAMES, SETTINGS
from .state import LAYER_ACTIVATIONS, LAYERS, MLP_SPEC


def widget_args(kind: Kind) -> dict[str, Any]:
    """What a widget showing a value of this kind is given: a number's bounds (exactly the kind's, so a link can
    ask for nothing the widget can't show, and the widget allows nothing a link can't carry), a choice's options."""
    if isinstance(kind, Int | Float):
        return {"min_value": kind.low, "max_value": None if kind.high == math.inf else kind.high,
                "format": "%g" if isinstance(kind, Float) else "%d"}
    if isinstance(kind, Choice | Names):
        return {"options": kind.options}
    return {}


def range_help(low: float, high: float, what: str = "") -> str:
    """A number box's bounds in words after ``what`` it is: a number typed outside them turns the box red and is
    not used (Streamlit keeps the last value), which the box itself does not say until hovered."""
    bounds = (f"at least {readable(low)}" if high == math.inf else f"from {readable(low)} to {readable(high)}")
    return f"{what}Allowed: {bounds}. A number outside turns the box red and is not used: the last value stays."


def readable(x: float) -> str:  # bounds as people read them: 1,000, 0.0001, 1 × 10⁻⁸
    return f"{x:,}" if isinstance(x, int) else formatting.readable(x)


TARGET_HELP = range_help(1, MAX_UPDATES, "Play trains until this update, then stops. ")


@dataclass(frozen=True)
class Control:
    widget: str  # the name of the Streamlit function
    label: str
    kind: Kind
    extra: dict[str, Any] = field(default_factory=dict)

    def args(self) -> dict[str, Any]:
        args = {**widget_args(self.kind), **self.extra}
        if self.widget == "number_input" and isinstance(self.kind, Int | Float):
            said = self.extra.get("help", "").rstrip(".")
            args["help"] = f"{said + '. ' if said else ''}{range_help(self.kind.low, self.kind.high)}"
        return args


def _kind(name: str) -> Kind:
    return MLP_SPEC.field(name).kind


CONTROLS = {
    "dataset": Control("selectbox", "Dataset", _kind("dataset"),
                       {"format_func": lambda n: "XOR" if n == "xor" else n.capitalize()}),
    "points": Control("number_input", "Points", _kind("points"), {"step": 10}),
    "noise": Control("slider", "Noise", _kind("noise"), {"step": 0.01}),
    "test_fraction": Control("slider", "Test set", _kind("test_fraction"), {"step": 0.01, "format": "percent"}),
    "data_seed": Control("number_input", "Data seed", _kind("data_seed")),
    "features": Control("multiselect", "Input features", _kind("features")),
    "hidden": Control("number_input", "Hidden layers", LAYERS.count),
    "init": Control("selectbox", "Initialisation", _kind("init")),
    "init_scale": Control("number_input", "Init scale", _kind("init_scale")),
    "bias": Control("toggle", "Biases", _kind("bias")),
    "loss": Control("selectbox", "Loss", _kind("loss"),
                    {"help": "Regression data needs mse: choosing the Regression dataset sets it."}),
    "optimizer_name": Control("selectbox", "Optimizer", OPTIMIZER_NAMES),
    "batch_size": Control("number_input", "Batch size (0 = all)", _kind("batch_size")),
    "l1": Control("number_input", "L1", _kind("l1")),
    "l2": Control("number_input", "L2", _kind("l2")),
    "seed": Control("number_input", "Seed (weights and batches)", _kind("seed")),
    **{f"optimizer_{name}": Control("selectbox" if isinstance(s.kind, Choice) else "number_input", s.label, s.kind,
                                    {"help": s.help} if s.help else {}) for name, s in SETTINGS.items()},
}
DETAIL_ROWS = tuple(tuple(f"optimizer_{name}" for name in row.split()) for row in (  # under "Optimizer details"
    "momentum rho", "beta1 beta2", "eps clip_value", "weight_decay decay_mode", "schedule", "step_every gamma",
    "total min_lr"))
assert sorted(n for row in DETAIL_ROWS for n in row) == sorted(f"optimizer_{n}" for n, s in SETTINGS.items()
                                                               if s.details)
_LAYER = re.compile(r"(hidden|activations)_(\d+)$")


def control(name: str) -> Control:
    layer = _LAYER.match(name)
    if layer is None:
        return CONTROLS[name]
    what, i = layer.group(1), int(layer.group(2))
    if what == "hidden":
        return Control("number_input", f"Layer {i + 1}: width", LAYERS.width)
    return Control("selectbox", f"Layer {i + 1}: activation", LAYER_ACTIVATIONS)


def widget_names() -> set[str]:
    """Every name the table covers for a network of the most layers (tests: each is a session key of the spec)."""
    return set(CONTROLS) | {f"{w}_{i}" for w in ("hidden", "activations") for i in range(LAYERS.count.high)}
