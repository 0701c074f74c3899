"""Everything the MLP lab is configured with, in one object, and the one field table (``MLP_SPEC``) from which
its URL, its widgets' session state and its JSON settings are derived.

Training progress is not part of it (like TensorFlow Playground, a link restores the setup, and training runs
again); neither are the user's own points, which a link cannot carry (the configuration file can: config.py).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine.limits import MAX_LAYERS, MAX_WIDTH
from labs.mlp.datasets import FEATURES, GENERATORS, task_of
from labs.mlp.nn import ACTIVATIONS as NET_ACTIVATIONS
from labs.mlp.nn import INITS, LOSSES, NetConfig
from labs.mlp.train import TrainConfig, default_optimizer
from labs.optim import OptimizerConfig
from playground.common.fields import Choice, Field, Flag, Float, Int, Kind, Names, StateSpec, echo

from .optimizer import OptimizerKind

OWN_DATA = "own data"
DATASETS = (*GENERATORS, OWN_DATA)
NEW_LAYER = (4, "relu")  # the width and activation of a layer added below none
# The loss each kind of data is trained with: regression needs mse (Training.build refuses cross-entropy for it);
# mse can fit classes too, but cross-entropy is their usual loss and the lab's default.
LOSS_FOR_TASK = {"regression": "mse", "classification": "cross_entropy"}


@dataclass(frozen=True)
class MLPState:
    dataset: str = "circle"
    points: int = 300
    noise: float = 0.05
    data_seed: int = 0
    test_fraction: float = 0.3
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (8, 8)
    activations: tuple[str, ...] = ("relu", "relu")  # one per hidden layer
    init: str = "he"
    init_scale: float = 1.0
    bias: bool = True
    loss: str = "cross_entropy"
    optimizer: OptimizerConfig = field(default_factory=default_optimizer)  # Adam at η 0.03: see DEFAULT_LR
    batch_size: int = 0
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0

    def train_config(self, outputs: int) -> TrainConfig:
        net = NetConfig(len(self.features), self.hidden, outputs, self.activations, self.init, self.init_scale,
                        self.bias)
        return TrainConfig(net, self.optimizer, self.loss, self.features, self.batch_size, self.l1, self.l2,
                           self.seed)


# --- kinds of the MLP lab's own fields ---

@dataclass(frozen=True)
class DatasetKind(Choice):
    """A generated dataset; "own data" too in JSON and the widgets, never in a link (it cannot carry points)."""

    def parse(self, text: str) -> str:
        if text == OWN_DATA:
            raise ValueError("a link cannot carry someone's own data")
        if text not in GENERATORS:
            raise ValueError(f"must be one of {', '.join(GENERATORS)}, not {echo(text)}")
        return text

    def from_json(self, data: Any) -> str:
        if data == OWN_DATA:
            return data
        return super().from_json(data)


@dataclass(frozen=True)
class Features(Names):
    def check(self, names: tuple[str, ...]) -> tuple[str, ...]:
        twice = [n for i, n in enumerate(names) if n in names[:i]]
        if twice:
            raise ValueError(f"{echo(twice[0])} is listed twice")
        return super().check(names)


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{echo(text)} is not a whole number") from None


@dataclass(frozen=True)
class Widths(Kind):
    """The hidden layers' widths: "8,4" in a link, [8, 4] in JSON; in the widgets, the number of layers under the
    key itself and one width per layer under ``<key>_<i>``."""

    width: Int  # of each layer
    count: Int  # of layers

    def check(self, widths: tuple[int, ...]) -> tuple[int, ...]:
        try:
            self.count.check(len(widths))
        except ValueError as e:
            raise ValueError(f"the number of layers {e}") from None
        for w in widths:
            try:
                self.width.check(w)
            except ValueError as e:
                raise ValueError(f"each width {e}") from None
        return widths

    def parse(self, text: str) -> tuple[int, ...]:
        return self.check(tuple(_whole(w) for w in text.split(",") if w.strip()))

    def format(self, value: tuple[int, ...]) -> str:
        return ",".join(map(str, value))

    def to_json(self, value: tuple[int, ...]) -> list[int]:
        return list(value)

    def from_json(self, data: Any) -> tuple[int, ...]:
        if not isinstance(data, list) or not all(isinstance(w, int) and not isinstance(w, bool) for w in data):
            raise ValueError("must be a list of whole numbers such as [8, 8]")
        return self.check(tuple(data))

    def widget_values(self, key: str, value: tuple[int, ...]) -> dict[str, Any]:
        return {key: len(value), **{f"{key}_{i}": w for i, w in enumerate(value)}}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[int, ...]:
        return tuple(int(session.get(f"{key}_{i}", NEW_LAYER[0])) for i in range(int(session[key])))

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return (key, *(f"{key}_{i}" for i in range(self.count.high)))


@dataclass(frozen=True)
class PerLayer(Names):
    """One name per hidden layer: "relu,tanh" in a link, a list in JSON, one widget per layer (``<key>_<i>``)."""

    def widget_values(self, key: str, value: tuple[str, ...]) -> dict[str, Any]:
        return {f"{key}_{i}": name for i, name in enumerate(value)}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> tuple[str, ...]:
        names = []  # the layers' widgets in order; any beyond the layer count are cut off by settle
        while f"{key}_{len(names)}" in session and len(names) < self.max_items:
            names.append(session[f"{key}_{len(names)}"])
        return tuple(names)

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return tuple(f"{key}_{i}" for i in range(self.max_items))


def settle(state: MLPState) -> tuple[MLPState, list[str]]:
    """One activation per hidden layer. A list with one activation throughout fits any depth silently; any other
    that doesn't fit is cut or extended with its last entry, with a warning."""
    acts, n = state.activations, len(state.hidden)
    if len(acts) == n:
        return state, []
    fitted = (acts + (acts[-1:] or (NEW_LAYER[1],)) * n)[:n]
    warnings = [] if len(set(acts)) <= 1 else [
        f"The activations ({', '.join(acts)}) don't fit the {n} hidden layer{'s' * (n != 1)}: using "
        f"{', '.join(fitted) or 'none'}."]
    return replace(state, activations=fitted), warnings


LAYERS = Widths(Int(1, MAX_WIDTH), Int(0, MAX_LAYERS))
LAYER_ACTIVATIONS = PerLayer(NET_ACTIVATIONS, max_items=MAX_LAYERS)
MLP_SPEC = StateSpec(MLPState, (
    Field("dataset", "data", DatasetKind(DATASETS), "dataset"),
    Field("points", "n", Int(20, 1000), "number of points"),
    Field("noise", "noise", Float(0.0, 0.5), "noise"),
    Field("data_seed", "dseed", Int(0, 2**31), "data seed"),
    Field("test_fraction", "test", Float(0.0, 0.9), "test fraction"),
    Field("features", "features", Features(tuple(FEATURES), max_items=len(FEATURES), min_items=1), "input features"),
    Field("hidden", "hidden", LAYERS, "hidden layers"),
    Field("activations", "act", LAYER_ACTIVATIONS, "activations"),
    Field("init", "init", Choice(INITS), "initialisation"),
    Field("init_scale", "scale", Float(0.01, 100.0), "init scale"),
    Field("bias", "bias", Flag(), "biases"),
    Field("loss", "loss", Choice(LOSSES), "loss"),
    Field("optimizer", "opt", OptimizerKind(), "optimizer"),
    Field("batch_size", "batch", Int(0, 1000), "batch size"),
    Field("l1", "l1", Float(0.0), "L1 penalty"),
    Field("l2", "l2", Float(0.0), "L2 penalty"),
    Field("seed", "seed", Int(0, 2**31), "seed"),
), prefix="mlp", settle=settle)


# --- what the page's widgets need from the spec ---

def layer_keys(i: int) -> tuple[str, str]:
    """The session keys of hidden layer ``i``'s width and activation widgets."""
    return f"{MLP_SPEC.widget_key('hidden')}_{i}", f"{MLP_SPEC.widget_key('activations')}_{i}"


def fill_new_layers(session: MutableMapping[str, Any]) -> int:
    """A layer added by raising the layer count starts as a copy of the layer before it (one removed and added
    again comes back as it was: its widgets' values are kept). Returns the count."""
    count = int(session.get(MLP_SPEC.widget_key("hidden"), 0))
    for i in range(count):
        width, act = layer_keys(i)
        before = layer_keys(i - 1) if i else None
        if width not in session:
            session[width] = session[before[0]] if before else NEW_LAYER[0]
        if act not in session:
            session[act] = session[before[1]] if before else NEW_LAYER[1]
    return count


def fit_loss_to_data(session: MutableMapping[str, Any], before: str, note_key: str) -> None:
    """The dataset box's on_change, given the dataset it showed ``before``: choosing regression data sets the loss
    box to mse, and going from regression back to classes sets it to cross-entropy, each saying so under
    ``note_key``. (The box used to be left at cross-entropy: the page refused to build, and Play went on training the
    previous model while the box said Regression.) A loss chosen for classes (mse on the circle) stays."""
    task, was, loss_key = task_of(session[MLP_SPEC.widget_key("dataset")]), task_of(before), MLP_SPEC.widget_key("loss")
    fitting = LOSS_FOR_TASK[task]
    if session[loss_key] != fitting and (task == "regression" or was == "regression"):
        session[loss_key] = fitting
        session[note_key] = (f"The loss is now {fitting}: " + ("regression data needs it." if task == "regression"
                                                               else "the usual loss for classes."))


def share_note(state: MLPState) -> str:
    return ("The link restores the data, network and training settings (not the training progress"
            + (", and not your own data" if state.dataset == OWN_DATA else "") + ").")
