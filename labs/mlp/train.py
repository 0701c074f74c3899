"""Training an MLP one update at a time, with a record per update and a NaN trap.

``Trainer.step()`` runs one mini-batch update and returns a ``StepRecord``: train/test loss and
accuracy, per-layer gradient norm, update:data ratio and weight/activation statistics. On the first
non-finite loss, gradient or weight it stops, names the update and the first layer/parameter where
it appeared, and keeps the last finite weights.

Training replays recorded graphs (``engine.Tape``): the training loss's graph is built once, on the first
batch, and each update puts the next batch in its X and Y constants and replays it; the train and test
sets' losses replay graphs of their own. Every node is still the graph's own, so the page reads the same
values and gradients from them (one record per node) as it would from a graph built afresh each update, and
``Trainer(..., taped=False)``, which builds one each update, gives the same numbers bit for bit.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from engine.errors import EngineError
from engine.formatting import format_number
from engine.graph import backward
from engine.limits import MAX_TRAJECTORY
from engine.node import Node, all_finite, const
from engine.tape import Tape
from labs.optim import Optimizer, OptimizerConfig
from labs.update_rules import MiniBatches, global_norm

from .datasets import Dataset, featurize
from .nn import LOSSES, MLP, NetConfig, init_params, loss_node, one_hot

# The MLP lab's η, unlike the optimizer lab's 0.1 (OptimizerConfig's): TensorFlow Playground's default, and on the
# lab's default circle Adam at 0.03 gets every test point right by update 200, where 0.1 overshoots (98.9% at 500).
# A link always writes η (playground.mlp.optimizer), so "adam" in a link keeps meaning the optimizer lab's 0.1.
DEFAULT_LR = 0.03


def default_optimizer() -> OptimizerConfig:
    return OptimizerConfig("adam", lr=DEFAULT_LR)


@dataclass(frozen=True)
class TrainConfig:
    net: NetConfig = field(default_factory=NetConfig)
    optimizer: OptimizerConfig = field(default_factory=default_optimizer)
    loss: str = "cross_entropy"
    features: tuple[str, ...] = ("x1", "x2")
    batch_size: int = 0  # 0: the whole training set
    l1: float = 0.0
    l2: float = 0.0
    seed: int = 0

    def problems(self) -> list[str]:
        out = self.net.problems() + self.optimizer.problems()
        if self.loss not in LOSSES:
            out.append(f"the loss is one of {', '.join(LOSSES)}")
        if self.batch_size < 0 or self.l1 < 0 or self.l2 < 0:
            out.append("batch size and penalties cannot be negative")
        if len(self.features) != self.net.inputs:
            out.append("the network needs one input per feature")
        return out


@dataclass(frozen=True)
class StepRecord:
    update: int  # 1-based
    epoch: float
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None  # None for regression
    test_accuracy: float | None
    grad_norms: tuple[float, ...]  # ‖∂L/∂W‖ per layer, input side first
    update_ratios: tuple[float, ...]  # ‖ΔW‖ / ‖W‖ per layer
    weight_std: tuple[float, ...]
    activation_mean: tuple[float, ...]  # per hidden layer
    activation_std: tuple[float, ...]
    problem: str | None = None  # set on the update where the NaN trap fired
    # ‖∂L/∂z‖ per layer: the gradient backprop delivers to each layer's pre-activations z = a W + b (the last is
    # the output scores'), input side first. Its ratio across layers is the vanishing/exploding factor itself.
    signal_norms: tuple[float, ...] = ()
    grad_norm: float = math.nan  # ‖∂L/∂θ‖ over every weight and bias, before clipping: what clip_norm caps


REWIND_WINDOW = 10  # updates whose weights are kept for rewind()
# The records kept: every one of the first KEEP_EVERY updates (every lesson's numbers come from them), then at most
# about KEEP_AFTER more, every history_stride-th update (the stride doubles as needed), the NaN trap's, and the
# latest. A record is about 2 KB (more for a deep net): 20,000 updates once kept 46 MB per session.
KEEP_EVERY = 500
KEEP_AFTER = 1000


@dataclass(frozen=True)
class Kept:
    """The state after one update, enough to train on from it (arrays are never changed in place: the optimizer
    gives every parameter a new array)."""

    update: int
    params: list[np.ndarray]
    states: list
    t: int
    seen: int
    train_loss: float  # after this update; inf for update 0, which has none
    before: list[np.ndarray] | None = None  # the weights this update's gradient was taken at (None for update 0)
    batch: np.ndarray | None = None  # and the training-set rows of its batch: rewind() recomputes that gradient


@dataclass
class Recording:
    """A loss graph recorded once and replayed: its tape, the constants that hold the data, and the nodes read."""

    tape: Tape
    x: Node  # the batch's features (the constant X)
    y: Node  # its targets (the constant Y)
    scores: Node
    hidden: list[Node]

    def replay(self, x: np.ndarray, y: np.ndarray) -> Node:
        """The loss over (x, y) with the current weights, as a freshly built graph would compute it."""
        self.x.value, self.y.value = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)  # as const()
        self.tape.forward()
        return self.tape.root


class Trainer:
    def __init__(self, cfg: TrainConfig, train: Dataset, test: Dataset, taped: bool = True):
        problems = cfg.problems()
        if problems:
            raise EngineError("; ".join(problems))
        if len(train) == 0:
            raise EngineError("the training set is empty")
        if train.task == "classification":
            if len(np.unique(train.y)) < 2:
                raise EngineError("the training data has only one class: a classifier needs at least two")
            if cfg.net.outputs != train.classes:
                raise EngineError(f"the data has {train.classes} classes, so the network needs {train.classes} outputs")
        elif cfg.loss != "mse" or cfg.net.outputs != 1:
            raise EngineError("regression needs the mean-squared-error loss and one output")
        self.cfg, self.train_set, self.test_set = cfg, train, test
        self.x_train, self.x_test = featurize(train.x, cfg.features), featurize(test.x, cfg.features)
        self.y_train, self.y_test = self._targets(train), self._targets(test)
        self.initial = init_params(cfg.net, cfg.seed)
        self.model = MLP(cfg.net, [p.copy() for p in self.initial])
        self.params = self.model.parameters()
        self.weights = [layer.weight for layer in self.model.layers]
        self.optimizer = Optimizer(self.params, cfg.optimizer)
        self.batches = MiniBatches(len(self.x_train), cfg.batch_size, cfg.seed)  # the order the exports replay
        self.history: list[StepRecord] = []  # thinned after KEEP_EVERY updates: see _keep
        self.history_stride = 1
        self.updates = 0  # updates trained (and kept: a rewind takes back those after its point)
        self.seen = 0  # training examples used so far: epochs = seen / training-set size
        self.trajectory: list[np.ndarray] = [self.flat_params()]  # every stride-th update, bounded
        self.stride = 1
        self.halted: str | None = None
        self.rewound_at: int | None = None  # the update of the first rewind: from there on, a replay from the
        # initial weights (the exported scripts) differs, with the settings and mini-batches changed at that point
        # The last REWIND_WINDOW updates' weights and optimizer state (update 0's too while it is among them):
        # rewind() goes back to the one with the lowest training loss, before a blow-up that took a few updates.
        self.kept: deque[Kept] = deque([Kept(0, [p.value for p in self.params], list(self.optimizer.states), 0, 0,
                                             math.inf)], maxlen=REWIND_WINDOW)
        self.last_hidden: list = []  # the hidden-layer nodes of the latest update, gradients included
        self.last_pre: list = []  # each layer's pre-activation node z of the latest update (the scores last)
        self.last_weights: list[np.ndarray] = []
        self.last_batch = np.empty(0, int)  # the training-set rows of the latest update's batch, in its order
        self.taped = taped  # replay recorded graphs (the default); False builds every graph afresh, eagerly
        self.recordings: dict[str, Recording] = {}  # "step", "train" and "test": recorded when first needed

    def _targets(self, data: Dataset) -> np.ndarray:
        if data.task == "regression":
            return data.y.reshape(-1, 1).astype(float)
        return one_hot(data.y, self.cfg.net.outputs)

    def flat_params(self) -> np.ndarray:
        return np.concatenate([p.value.ravel() for p in self.params])

    def loss(self, x: np.ndarray, y: np.ndarray):
        scores, hidden = self.model(x)
        total = loss_node(scores, y, self.cfg.loss, self.weights, self.cfg.l1, self.cfg.l2)
        return total, scores, hidden

    def record(self, x: np.ndarray, y: np.ndarray) -> Recording:
        """The loss graph over (x, y), recorded for replay."""
        features = const(x, "X")
        with np.errstate(all="ignore"):
            total, scores, hidden = self.loss(features, y)
        tape = Tape(total)
        targets = next(node for node in tape.order if node.kind == "const" and node.label == "Y")  # nn.loss_node's
        return Recording(tape, features, targets, scores, hidden)

    def _replay(self, name: str, x: np.ndarray, y: np.ndarray):
        """``loss(x, y)``, from the graph recorded as ``name`` (recorded now if it is not yet)."""
        recording = self.recordings.get(name)
        if recording is None:
            recording = self.recordings[name] = self.record(x, y)
        return recording.replay(x, y), recording.scores, recording.hidden

    def evaluate(self, x: np.ndarray, y: np.ndarray, recorded: str | None = None) -> tuple[float, float | None]:
        """The loss and accuracy over (x, y); ``recorded`` names a graph to replay for it (when training taped)."""
        if len(x) == 0:
            return math.nan, None
        with np.errstate(all="ignore"):
            total, scores, _ = self._replay(recorded, x, y) if recorded and self.taped else self.loss(x, y)
        if self.cfg.loss == "mse" and y.shape[1] == 1:
            return float(total.value), None
        accuracy = float(np.mean(np.argmax(scores.value, axis=1) == np.argmax(y, axis=1)))
        return float(total.value), accuracy

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores for raw 2-D points (features are applied here)."""
        with np.errstate(all="ignore"):
            return self.model(featurize(x, self.cfg.features))[0].value

    def step(self) -> StepRecord | None:
        """One update. Returns None once the NaN trap has fired (call ``rewind`` or start over)."""
        if self.halted:
            return None
        batch = self.batches.next()
        total, hidden, signals, grad_norm = self._backprop(batch)
        update = self.updates + 1
        before = [p.value for p in self.params]
        problem = self._first_non_finite(update, total, hidden)
        if problem is None and not math.isfinite(grad_norm):  # with clipping on, η × g × clip / inf would be 0
            problem = (f"update {update}: the whole gradient's norm ‖∂L/∂θ‖ became {grad_norm}: every entry is "
                       "finite, but the sum of their squares overflows")
        if problem is None:
            with np.errstate(all="ignore"):
                self.optimizer.step()
            problem = next((f"update {update}: {p.label} became NaN/inf after the update (the step was "
                            f"too large)" for p in self.params if not all_finite(p.value)), None)
        record = self._record(update, len(batch), before, hidden, problem)  # what happened, honestly
        if problem is None and not math.isfinite(record.train_loss):
            problem = (f"update {update}: the loss became {record.train_loss} after the update (the step was too "
                       f"large); with the weights it made, the first non-finite values were "
                       f"{self._first_non_finite_layer()}. The trap discards those weights and keeps the ones from "
                       f"before update {update}")
        if problem:
            for p, value in zip(self.params, before, strict=True):
                p.value = value  # the last state whose loss was finite: rewind() continues from here
            self.halted = problem
            record = replace(record, problem=problem)
        record = replace(record, signal_norms=signals, grad_norm=grad_norm)
        self._keep(record)
        self.updates = update
        if not problem:
            self.kept.append(Kept(update, [p.value for p in self.params], list(self.optimizer.states),
                                  self.optimizer.t, self.seen, record.train_loss, before, batch))
        if not problem and update % self.stride == 0:
            self.trajectory.append(self.flat_params())
            if len(self.trajectory) > MAX_TRAJECTORY:  # thin to every other point: memory stays bounded
                self.trajectory, self.stride = self.trajectory[::2], self.stride * 2
        return record

    def _backprop(self, batch: np.ndarray):
        """The loss over the training rows ``batch`` and its gradients with the current weights, kept as the
        latest update's (``last_*``, each parameter's ``grad``, which the page's charts read). Returns the loss
        node, the hidden layers' nodes, ‖∂L/∂z‖ per layer and the whole gradient's norm."""
        x, y = self.x_train[batch], self.y_train[batch]  # new arrays (numpy copies on fancy indexing)
        with np.errstate(all="ignore"):
            if self.taped:
                total, scores, hidden = self._replay("step", x, y)
                self.recordings["step"].tape.backward()
            else:
                total, scores, hidden = self.loss(x, y)
                backward(total)
            pre = self._pre_activations(hidden, scores)
            signals = tuple(_norm(z.grad) for z in pre)
            grad_norm = global_norm([p.grad for p in self.params if p.grad is not None])
        self.last_hidden, self.last_pre, self.last_batch = hidden, pre, batch
        self.last_weights = [w.value for w in self.weights]  # the weights this backward pass went through
        return total, hidden, signals, grad_norm

    def rewind_point(self) -> Kept | None:
        """Where rewind() goes after the NaN trap: of the last REWIND_WINDOW updates, the one with the lowest
        training loss (the latest of equals), the point before the blow-up began; None when not halted."""
        if not self.halted:
            return None
        finite = [k for k in self.kept if math.isfinite(k.train_loss)]
        return min(reversed(finite), key=lambda k: k.train_loss) if finite else self.kept[0]

    def rewind(self) -> None:
        """After the NaN trap: go back to ``rewind_point()``, forgetting the updates after it (their records, the
        optimizer state they changed), so that training continues from there, e.g. with a smaller η."""
        point = self.rewind_point()
        if point is None:
            return
        self.rewound_at = point.update if self.rewound_at is None else min(self.rewound_at, point.update)
        self._gradient_of(point)
        for p, value in zip(self.params, point.params, strict=True):
            p.value = value
        self.optimizer.states, self.optimizer.t, self.seen = list(point.states), point.t, point.seen
        self.history = [r for r in self.history if r.update <= point.update]
        self.updates = point.update
        self.trajectory = self.trajectory[:point.update // self.stride + 1]
        while self.kept[-1].update > point.update:
            self.kept.pop()
        self.halted = None

    def _gradient_of(self, point: Kept) -> None:
        """Make ``point``'s update the latest one the gradients show, as its step computed them (its weights before,
        its batch): a rewind would otherwise show the blown-up update's gradients labelled with the point's number.
        Update 0 has none: the gradients are cleared until the next update."""
        if point.before is None:
            for p in self.params:
                p.grad = None
            self.last_hidden, self.last_pre, self.last_weights, self.last_batch = [], [], [], np.empty(0, int)
            return
        for p, value in zip(self.params, point.before, strict=True):
            p.value = value
        self._backprop(point.batch)

    def _keep(self, record: StepRecord) -> None:
        """Add ``record`` to the history. What came after the first KEEP_EVERY updates is thinned to every
        history_stride-th update (and the NaN trap's) once it is older than the last REWIND_WINDOW updates, which
        are all kept: a rewind goes back to one of them, and the page shows that update's record."""
        history, recent = self.history, REWIND_WINDOW
        history.append(record)
        if len(history) > recent and self._thinned(history[-recent - 1]):
            del history[-recent - 1]
        if len(history) - KEEP_EVERY - recent > KEEP_AFTER:
            self.history_stride *= 2
            self.history = [r for r in history[:-recent] if not self._thinned(r)] + history[-recent:]

    def _thinned(self, record: StepRecord) -> bool:
        return record.update > KEEP_EVERY and not record.problem and record.update % self.history_stride != 0

    def set_optimizer(self, cfg: OptimizerConfig) -> None:
        """Train on from the current weights with other optimizer settings. The same optimizer keeps its state
        (momenta, iteration count, so the schedule goes on); another one starts afresh."""
        old, self.cfg = self.optimizer, replace(self.cfg, optimizer=cfg)
        self.optimizer = Optimizer(self.params, cfg)
        if cfg.name == old.cfg.name:
            self.optimizer.states, self.optimizer.t = old.states, old.t

    def _first_non_finite_layer(self) -> str:
        """Where a forward pass over the training set with the current weights first stops being finite."""
        with np.errstate(all="ignore"):
            total, scores, hidden = self.loss(self.x_train, self.y_train)
        for i, h in enumerate(hidden, start=1):
            if not all_finite(h.value):
                return f"in hidden layer {i}'s activations"
        layer = len(self.weights)
        if not all_finite(scores.value):
            return f"in the output layer's (layer {layer}'s) scores"
        biggest = format_number(float(np.max(np.abs(scores.value))), 2)
        return (f"in the loss: the output layer's (layer {layer}'s) scores are still finite, up to {biggest}, "
                "but the loss adds up their squared errors, which overflow")

    def _pre_activations(self, hidden, scores) -> list:
        """Each layer's z node: a hidden layer's activation input (the layer itself when linear), then the scores."""
        return [h if act == "linear" else h.parents[0] for h, act in zip(hidden, self.cfg.net.activations,
                                                                         strict=True)] + [scores]

    def _first_non_finite(self, update: int, total, hidden) -> str | None:
        for i, h in enumerate(hidden, start=1):
            if not all_finite(h.value):
                return f"update {update}: the activations of hidden layer {i} became NaN/inf"
        if not all_finite(total.value):
            return f"update {update}: the loss became {float(total.value)}"
        for p in reversed(self.params):  # backward order: where the gradient first went bad
            if p.grad is not None and not all_finite(p.grad):
                return f"update {update}: the gradient of {p.label} became NaN/inf"
        return None

    def _record(self, update, batch_size, before, hidden, problem) -> StepRecord:
        train_loss, train_acc = self.evaluate(self.x_train, self.y_train, "train")
        test_loss, test_acc = self.evaluate(self.x_test, self.y_test, "test")
        old = {id(p): v for p, v in zip(self.params, before, strict=True)}
        with np.errstate(all="ignore"):
            grad_norms = tuple(_norm(w.grad) for w in self.weights)
            ratios = tuple(_norm(w.value - old[id(w)]) / max(_norm(old[id(w)]), 1e-12) for w in self.weights)
            act_mean = tuple(float(np.mean(h.value)) for h in hidden)
            act_std = tuple(float(np.std(h.value)) for h in hidden)
            weight_std = tuple(float(np.std(w.value)) for w in self.weights)
        self.seen += batch_size
        return StepRecord(update, self.seen / len(self.x_train), train_loss,
                          test_loss if len(self.x_test) else None, train_acc, test_acc, grad_norms, ratios,
                          weight_std, act_mean, act_std, problem)

    def run(self, updates: int) -> list[StepRecord]:
        records = []
        for _ in range(updates):
            record = self.step()
            if record is None:
                break
            records.append(record)
            if record.problem:
                break
        return records


def _norm(a) -> float:
    return float(np.sqrt(np.sum(a * a))) if a is not None else 0.0
