"""Quiz mode: which gradients the learner predicts at a step, and how a prediction is scored."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.formatting import format_array

from .ledger import arithmetic_text, node_name

PREDICTION_TOLERANCE = 0.01  # relative, absolute below 1: what "close enough" means


def prediction_is_close(predicted: float, actual: float) -> bool:
    if not np.isfinite(actual):
        return not np.isfinite(predicted) and np.sign(predicted) == np.sign(actual)
    return abs(predicted - actual) <= PREDICTION_TOLERANCE * max(1.0, abs(actual))


def quiz_targets(view, mode: str) -> list[int]:
    """Inputs whose gradient the learner must predict at this step (quiz mode, a scalar backward step)."""
    step = view.backward
    if mode != "quiz" or step is None or step.is_leaf:
        return []
    return [i for i, g in enumerate(step.downstream) if g is not None and g.ndim == 0]


@dataclass(frozen=True)
class Verdict:
    right: bool
    text: str


def score(step, targets: list[int], guesses: dict[int, float]) -> Verdict:
    """Each guess against the engine's downstream gradient, with the arithmetic that gives the answer."""
    lines, all_right = [], True
    for i in targets:
        guess = float(guesses[i])
        right = prediction_is_close(guess, float(step.downstream[i]))
        all_right &= right
        lines.append(f"{'✓' if right else '✗'} {node_name(step.node.parents[i])}: you said "
                     f"{format_array(guess)}; {arithmetic_text(step, i)}")
    return Verdict(all_right, ("✓ Right. " if all_right else "✗ Not quite. ") + " · ".join(lines))
