"""Quiz mode: which gradients the learner predicts at a step, how a prediction is scored (a point per input,
so a half-right answer gets half the credit), what skipping means, and what must stay hidden meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from engine.formatting import readable_array

from .ledger import arithmetic_text, node_name
from .steps_table import DOWNSTREAM, LOCAL

PREDICTION_TOLERANCE = 0.01  # relative, absolute below 1: what "close enough" means


def prediction_is_close(predicted: float, actual: float) -> bool:
    if not np.isfinite(actual):
        return not np.isfinite(predicted) and np.sign(predicted) == np.sign(actual)
    return abs(predicted - actual) <= PREDICTION_TOLERANCE * max(1.0, abs(actual))


def quiz_targets(view, mode: str | None) -> list[int]:
    """Inputs whose gradient the learner must predict at this step (quiz mode, a scalar backward step: a
    vector's gradient is not asked for, see ``asks_nothing``)."""
    step = view.backward
    if mode != "quiz" or step is None or step.is_leaf:
        return []
    return [i for i, g in enumerate(step.downstream) if g is not None and g.ndim == 0]


@dataclass(frozen=True)
class Verdict:
    """One question (one backward step): points earned, one per input predicted right, out of ``possible``."""

    points: int
    possible: int
    text: str
    skipped: bool = False

    @property
    def all_right(self) -> bool:
        return self.points == self.possible and not self.skipped


def score(step, targets: list[int], guesses: dict[int, float | None]) -> Verdict:
    """Each guess against the engine's downstream gradient, with the arithmetic that gives the answer."""
    lines, points = [], 0
    for i in targets:
        guess = guesses.get(i)  # None: the box was left empty, which is never right (it used to read as 0)
        right = guess is not None and prediction_is_close(float(guess), float(step.downstream[i]))
        points += right
        said = "you left it empty" if guess is None else f"you said {readable_array(float(guess))}"
        lines.append(f"{'✓' if right else '✗'} {node_name(step.node.parents[i])}: {said}; "
                     f"{arithmetic_text(step, i)}")
    head = "✓ Right." if points == len(targets) else f"✗ {points} of {len(targets)} right."
    return Verdict(points, len(targets), head + " " + " · ".join(lines))


def empty_boxes(guesses: dict[int, float | None]) -> list[int]:
    """The inputs whose box the learner has not filled yet: a step is graded only once every box is."""
    return [i for i, guess in guesses.items() if guess is None]


def fill_prompt(empty: int) -> str:
    """What Check says while boxes are empty (Enter in the first box submits the whole form)."""
    boxes = "the empty box" if empty == 1 else f"the {empty} empty boxes"
    return f"Fill {boxes}, or Skip this step."


def skip(step, targets: list[int]) -> Verdict:
    """A question passed over: no points, and the answer shown."""
    answers = " · ".join(f"{node_name(step.node.parents[i])}: {arithmetic_text(step, i)}" for i in targets)
    return Verdict(0, len(targets), "Skipped (not answered). " + answers, skipped=True)


def skip_to(walkthrough, answered: dict[int, Verdict], start: int, end: int, mode: str | None) -> dict[int, Verdict]:
    """``answered`` with every question between steps ``start`` and ``end`` that is still open marked skipped
    (End, or Next past an open question)."""
    answered = dict(answered)
    for k in range(max(start, 1), end + 1):
        view = walkthrough.view(k)
        targets = quiz_targets(view, mode)
        if targets and k not in answered:
            answered[k] = skip(view.backward, targets)
    return answered


def asks_nothing(walkthrough, mode: str | None) -> bool:
    """Quiz mode on an expression with no scalar gradient to predict (every node a vector or matrix)."""
    return mode == "quiz" and not any(quiz_targets(walkthrough.view(k), mode)
                                      for k in range(len(walkthrough.forward) + 1, walkthrough.total_steps + 1))


def total(answered: dict[int, Verdict]) -> tuple[int, int]:
    """Points earned and points possible over every question so far."""
    return sum(v.points for v in answered.values()), sum(v.possible for v in answered.values())


def hide_answer(view):
    """The step as the learner may see it before predicting: the current node's gradients sent to its inputs
    are not drawn yet (the gradient it received, the question's given, stays)."""
    current = view.current.id
    return replace(view, backward=None, edge_grads={k: g for k, g in view.edge_grads.items() if k[1] != current})


def hide_rows(rows: list[dict[str, str]], open_step: int) -> list[dict[str, str]]:
    """The table of steps with the open question's local and downstream gradients replaced by '?'."""
    return [{**r, LOCAL: "?", DOWNSTREAM: "?"} if r["step"] == str(open_step) else r for r in rows]
