"""Small 2-D datasets for the MLP lab, made in numpy with a noise level and a seed, or read from CSV.

Every generator returns the same points for the same (n, noise, seed). Classification labels are
integers 0..k-1; the regression set has a float target.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from engine.errors import EngineError
from engine.limits import MAX_CSV_BYTES, MAX_POINTS

FEATURES = {  # input features, as in TensorFlow Playground
    "x1": lambda x: x[:, 0], "x2": lambda x: x[:, 1], "x1²": lambda x: x[:, 0] ** 2,
    "x2²": lambda x: x[:, 1] ** 2, "x1·x2": lambda x: x[:, 0] * x[:, 1],
    "sin x1": lambda x: np.sin(x[:, 0]), "sin x2": lambda x: np.sin(x[:, 1]),
}


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # (n, 2) points
    y: np.ndarray  # (n,) integer labels, or float targets for regression
    task: str  # "classification" | "regression"

    @property
    def classes(self) -> int:
        return int(self.y.max()) + 1 if self.task == "classification" and len(self.y) else 0

    def __len__(self) -> int:
        return len(self.y)


def _circle(rng, n, noise):
    r = np.concatenate([rng.uniform(0, 2.0, n // 2), rng.uniform(3.0, 5.0, n - n // 2)])
    angle = rng.uniform(0, 2 * math.pi, n)
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return x + rng.normal(0, noise * 5.0, x.shape), (r > 2.5).astype(int)


def _xor(rng, n, noise):
    x = rng.uniform(-5, 5, (n, 2))
    x += np.sign(x) * 0.3  # a small gap around the axes keeps labels unambiguous
    y = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(int)
    return x + rng.normal(0, noise * 5.0, x.shape), y


def _gaussians(rng, n, noise):
    y = np.arange(n) % 2
    centers = np.where(y[:, None] == 1, 2.0, -2.0)
    return centers + rng.normal(0, 0.5 + noise * 5.0, (n, 2)), y


def _spiral(rng, n, noise):
    y = np.arange(n) % 2
    t = rng.uniform(0.25, 1.0, n) * 3.0 * math.pi
    angle = t + y * math.pi
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) * (5.0 / (3.0 * math.pi))
    return x + rng.normal(0, noise * 2.0, x.shape), y


def _moons(rng, n, noise):
    y = np.arange(n) % 2
    t = rng.uniform(0, math.pi, n)
    x = np.where(y[:, None] == 0, np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1))
    return (x - [0.5, 0.25]) * 3.0 + rng.normal(0, noise * 2.0, x.shape), y


def _regression(rng, n, noise):
    x = rng.uniform(-5, 5, (n, 2))
    return x, np.sin(x[:, 0] * 0.6) + 0.1 * x[:, 1] + rng.normal(0, noise, n)


GENERATORS = {"circle": _circle, "xor": _xor, "gaussians": _gaussians, "spiral": _spiral, "moons": _moons,
              "regression": _regression}


def task_of(name: str) -> str:
    """What a generated dataset's targets are: "regression" (numbers) or "classification" (class labels)."""
    return "regression" if name == "regression" else "classification"


def make_dataset(name: str, n: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    if name not in GENERATORS:
        raise EngineError(f"unknown dataset {name!r}; choose one of {', '.join(GENERATORS)}")
    n = max(4, min(int(n), MAX_POINTS))
    x, y = GENERATORS[name](np.random.default_rng(seed), n, max(0.0, float(noise)))
    return Dataset(np.asarray(x, float), np.asarray(y), task_of(name))


def parse_csv(text: str, task: str = "classification") -> Dataset:
    """Rows of ``x1, x2, label`` (a header row is allowed). Every problem is an EngineError in words."""
    if len(text) > MAX_CSV_BYTES:
        raise EngineError(f"the CSV is too large ({MAX_CSV_BYTES // 1000} kB at most)")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]  # a header
    if not rows:
        raise EngineError("the CSV has no data rows")
    if len(rows) > MAX_POINTS:
        raise EngineError(f"the CSV has {len(rows)} rows; the limit is {MAX_POINTS}")
    values = []
    for i, row in enumerate(rows, start=1):
        if len(row) != 3 or not all(_is_number(c) for c in row):
            raise EngineError(f"row {i} should be three numbers: x1, x2, label (got {','.join(row)[:60]!r})")
        values.append([float(c) for c in row])
    data = np.array(values)
    x, y = data[:, :2], data[:, 2]
    if task == "classification":
        if not np.all(y == np.round(y)) or y.min() < 0:
            raise EngineError("classification labels must be whole numbers 0, 1, 2, ...")
        y = y.astype(int)
        if len(np.unique(y)) < 2:
            raise EngineError("the data has only one class: a classifier needs at least two")
        if y.max() >= 10:
            raise EngineError("at most 10 classes")
    return Dataset(x, y, task)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def featurize(x: np.ndarray, features: tuple[str, ...]) -> np.ndarray:
    if not features:
        raise EngineError("choose at least one input feature")
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise EngineError(f"unknown feature {unknown[0]!r}")
    return np.stack([FEATURES[f](x) for f in features], axis=1)


def split(data: Dataset, test_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """A seeded shuffle, then the last ``test_fraction`` of the points are the test set."""
    order = np.random.default_rng(seed + 7919).permutation(len(data))
    n_test = int(round(len(data) * min(max(test_fraction, 0.0), 0.9)))
    test, train = order[:n_test], order[n_test:]
    return Dataset(data.x[train], data.y[train], data.task), Dataset(data.x[test], data.y[test], data.task)
