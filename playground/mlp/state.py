"""Everything the MLP lab is configured with, in one object that round-trips the URL.

Training progress is not part of it (like TensorFlow Playground, a link restores the setup, and
training runs again); the user's own data is not either, and a link that asks for it says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from engine.limits import MAX_LAYERS, MAX_WIDTH
from labs.mlp.datasets import FEATURES, GENERATORS
from labs.mlp.nn import ACTIVATIONS, INITS, LOSSES, NetConfig
from labs.mlp.train import TrainConfig
from labs.optim import OptimizerConfig
from playground.common.fields import bounded_float, bounded_int, format_float, one_of, read_fields
from playground.surfaces.state import decode_runs, encode_run

OWN_DATA = "own data"
DATASETS = (*GENERATORS, OWN_DATA)
# Ranges shared by the URL readers and the page's widgets, so a link can't ask a widget for more.
POINTS = (20, 1000)
NOISE = (0.0, 0.5)
SCALE = (0.01, 100.0)
BATCH = (0, 1000)


def _int_list(text: str) -> tuple[int, ...]:
    widths = tuple(int(w) for w in text.split(",") if w.strip()) if text.strip() else ()
    if len(widths) > MAX_LAYERS or any(not 1 <= w <= MAX_WIDTH for w in widths):
        raise ValueError(f"0 to {MAX_LAYERS} layers of width 1 to {MAX_WIDTH}")
    return widths


def _names(choices) -> callable:
    def read(text: str) -> tuple[str, ...]:
        names = tuple(n for n in text.split(",") if n) if text else ()
        if any(n not in choices for n in names):
            raise ValueError(f"each must be one of {', '.join(choices)}")
        return names
    return read


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return text == "1"


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
    optimizer: OptimizerConfig = field(default_factory=lambda: OptimizerConfig("adam", lr=0.03))
    batch_size: int = 0
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0

    def train_config(self, outputs: int) -> TrainConfig:
        net = NetConfig(len(self.features), self.hidden, outputs, self.activations, self.init, self.init_scale,
                        self.bias)
        return TrainConfig(net, self.optimizer, self.loss, self.features, self.batch_size, self.l1, self.l2,
                           self.seed)

    def to_query(self) -> dict[str, str]:
        return {
            "data": self.dataset, "n": str(self.points), "noise": format_float(self.noise),
            "dseed": str(self.data_seed), "test": format_float(self.test_fraction),
            "features": ",".join(self.features), "hidden": ",".join(map(str, self.hidden)),
            "act": ",".join(self.activations), "init": self.init, "scale": format_float(self.init_scale),
            "bias": "1" if self.bias else "0", "loss": self.loss, "opt": encode_run(self.optimizer),
            "batch": str(self.batch_size), "l1": format_float(self.l1), "l2": format_float(self.l2),
            "seed": str(self.seed),
        }

    @classmethod
    def from_query(cls, query: dict[str, str]) -> tuple[MLPState, list[str]]:
        names = {"data": "dataset", "n": "points", "dseed": "data_seed", "test": "test_fraction",
                 "act": "activations", "scale": "init_scale", "opt": "optimizer", "batch": "batch_size"}
        query = {names.get(k, k): v for k, v in query.items()}
        readers = {
            "dataset": one_of(GENERATORS), "points": bounded_int(*POINTS), "noise": bounded_float(*NOISE),
            "data_seed": bounded_int(0, 2**31), "test_fraction": bounded_float(0.0, 0.9),
            "features": _names(tuple(FEATURES)),
            "hidden": _int_list, "activations": _names(ACTIVATIONS), "init": one_of(INITS),
            "init_scale": bounded_float(*SCALE), "bias": _flag, "loss": one_of(LOSSES),
            "optimizer": lambda t: decode_runs(t)[0], "batch_size": bounded_int(*BATCH),
            "l1": bounded_float(0.0), "l2": bounded_float(0.0), "seed": bounded_int(0, 2**31),
        }
        warnings = []
        if query.get("dataset") == OWN_DATA:
            warnings.append("The link asked for someone's own data, which a link cannot carry; showing circle.")
            query.pop("dataset")
        state, more = read_fields(cls(), query, readers)
        if len(state.activations) != len(state.hidden):  # keep the two lists in step
            state = replace(state, activations=(tuple(state.activations[:1]) or ("relu",)) * len(state.hidden))
        if not state.features:
            state = replace(state, features=cls().features)
        return state, warnings + more
