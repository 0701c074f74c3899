"""The loss chart's y axis always labels at least three readable numbers, also when the loss stays within one
decade (a flat line near ln 2 had no label at all; the linear-layers lesson showed a single "1")."""

import math

import numpy as np
import pytest

from playground.common.presets import load_presets
from playground.mlp.figures import MIN_TICKS, log_ticks, loss_figure
from playground.mlp.lab import build_trainer, load_data
from playground.mlp.state import MLP_SPEC


def lesson_trainer(name: str, updates: int):
    query = next(p for p in load_presets("mlp") if p["name"] == name)["query"]
    state = MLP_SPEC.from_query(query)[0]
    trainer = build_trainer(state, load_data(state))
    trainer.run(updates)
    return trainer


def y_ticks(fig) -> tuple[list[float], list[str], tuple[float, float]]:
    axis = fig.layout.yaxis
    return list(axis.tickvals), list(axis.ticktext), tuple(axis.range)


@pytest.mark.parametrize("name", ["XOR needs a hidden layer", "Stacked linear layers are one linear map"])
def test_a_loss_within_one_decade_gets_readable_ticks_around_it(name):
    trainer = lesson_trainer(name, 500)
    values, texts, (low, high) = y_ticks(loss_figure(trainer.history))
    assert len(values) >= MIN_TICKS and len(set(texts)) == len(texts)
    assert all(low <= math.log10(v) <= high for v in values)  # every label is on the drawn axis
    losses = [x for r in trainer.history for x in (r.train_loss, r.test_loss)]
    assert low <= math.log10(min(losses)) and math.log10(max(losses)) <= high  # and so is the whole line
    assert all(float(t) == pytest.approx(v) for t, v in zip(texts, values, strict=True))  # plain numbers
    last = trainer.history[-1].train_loss  # "stays near 0.69": a label within 0.05 of it
    assert min(abs(v - last) for v in values) <= 0.05


@pytest.mark.parametrize("values", [[0.6931] * 5, [0.17, 0.53], [0.05, 0.7], [0.004, 0.7], [3e35, 4e35],
                                    [2.0, 2.0, math.inf, math.nan]])
def test_ticks_are_at_least_three_and_cover_the_values(values):
    axis = log_ticks(values)
    finite = [v for v in values if np.isfinite(v)]
    assert len(axis["tickvals"]) >= MIN_TICKS and len(axis["ticktext"]) == len(axis["tickvals"])
    low, high = axis["range"]
    assert low <= math.log10(min(finite)) and math.log10(max(finite)) <= high
    assert all(low <= math.log10(v) <= high for v in axis["tickvals"])
    assert all("e" not in t for t in axis["ticktext"])  # 3 × 10³⁵, not 3e+35


def test_a_loss_over_many_decades_keeps_the_powers_of_ten():
    assert log_ticks([1e-5, 0.7]) == {}  # Plotly's labels at 10⁻⁴, 10⁻³, …, already three or more
