"""A claim on screen is a test: every number a stepper preset or Home lesson states is what the stepper computes
for that example (the source notes' gates, σ′, and the vanishing chain)."""

import re

import numpy as np
import pytest

from engine.formatting import format_number
from playground.common.presets import load_presets
from playground.stepper.walkthrough import build_walkthrough

PRESETS = {p["name"]: p for p in load_presets("stepper")}
LESSONS = {lesson["title"]: lesson for section in load_presets("lessons") for lesson in section["lessons"]
           if lesson["page"] == "stepper"}
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def numbers(text: str) -> list[tuple[float, float]]:
    """Each number the text states, with half a unit of its last printed digit (4.54 × 10⁻⁵ is 4.54e-5 ± 5e-8)."""
    found = []
    for m in re.finditer(r"(?<![\w.])[-−]?(\d+(?:\.(\d+))?)(?:\s*×\s*10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text):
        value, decimals = float(m[1]), len(m[2] or "")
        scale = 10.0 ** int(m[3].translate(SUPERSCRIPTS)) if m[3] else 1.0
        sign = -1 if m[0][0] in "-−" else 1
        found.append((sign * value * scale, 0.5 * 10.0 ** -decimals * scale))
    return found


def states(text: str, value: float) -> bool:
    return any(abs(value - shown) <= tolerance for shown, tolerance in numbers(text))


def walk_of(name: str, where: str = "preset"):
    if where == "preset":
        p = PRESETS[name]
        return build_walkthrough(p["expr"], p["values"], p["output_grad"]), p["note"]
    q = LESSONS[name]["query"]
    values = dict(part.split("=") for part in q.get("at", "").split(";") if part)
    return build_walkthrough(q["expr"], values, float(q.get("seed", 1))), LESSONS[name]["text"]


def grad(walk, name: str) -> float:
    return float(walk.leaves[name].grad)


def locals_of(walk, op: str) -> list[float]:
    return [float(s.local[0]) for s in walk.backward if s.node.op is not None and s.node.op.name == op]


CLAIMS = {  # what each lesson says, as numbers read off the stepper's own walkthrough
    "Chain rule: (x + y) · z": lambda w: [grad(w, "z"), grad(w, "x"), grad(w, "y")],
    "Mul gate swaps": lambda w: [grad(w, "x"), grad(w, "y")],
    "The mul gate swaps": lambda w: [grad(w, "x"), grad(w, "y")],
    "Copy gate: gradients add": lambda w: [grad(w, "x")],
    "The copy gate adds": lambda w: [grad(w, "x")],
    "Sigmoid neuron": lambda w: locals_of(w, "sigmoid"),
    "A sigmoid neuron": lambda w: locals_of(w, "sigmoid"),
    "Sigmoid saturates": lambda w: locals_of(w, "sigmoid"),
    "A saturated sigmoid": lambda w: locals_of(w, "sigmoid"),
    "σ′ · w, layer after layer": lambda w: [grad(w, "x")],
    "leaky_relu and elu": lambda w: [grad(w, "x"), grad(w, "y"),
                                     float(build_walkthrough("elu(y)", {"y": "-10"}).leaves["y"].grad)],
}


WHERE = [("preset", n) for n in PRESETS if n in CLAIMS] + [("lesson", n) for n in LESSONS if n in CLAIMS]


def test_every_claim_is_checked_somewhere():
    assert {n for _, n in WHERE} == set(CLAIMS)


@pytest.mark.parametrize("where,name", WHERE)
def test_each_number_a_lesson_states_is_computed(where, name):
    walk, text = walk_of(name, where)
    for value in CLAIMS[name](walk):
        assert states(text, value), f"{name}: computes {value:.6g}, which '{text}' does not state"


def test_sigmoid_bounds_the_lessons_name_hold():
    walk, _ = walk_of("Vanishing: 5 sigmoids deep")
    assert all(0 < s <= 0.25 for s in locals_of(walk, "sigmoid"))  # "at most 0.25"
    walk, _ = walk_of("σ′ · w, layer after layer")
    per_layer = [s * 0.5 for s in locals_of(walk, "sigmoid")]  # σ′(z) · w with w = 0.5
    assert all(f <= 0.125 for f in per_layer) and np.isclose(np.prod(per_layer), grad(walk, "x"))


def test_number_reading_can_tell_digits_apart():
    assert states("≈ 4.54 × 10⁻⁵", 4.5396e-5) and not states("≈ 4.54 × 10⁻⁵", 4.56e-5)
    assert states("x gets 0.00176.", 0.0017554) and not states("x gets 0.00176.", 0.0018)
    assert states("= -4", -4.0) and not states("= -4", 4.0)


def test_the_jacobian_lesson_shows_what_it_says():
    from engine.graph import jacobian
    from playground.stepper.ledger import jacobian_lines

    home_walk, home_text = walk_of("Jacobians: diagonal and dense", "lesson")
    assert home_walk.text == "sum(tanh(W @ x))" and "diagonal" in home_text and "2 × 3" in home_text
    walk, note = walk_of("Jacobians: diagonal and dense")
    tanh = next(s for s in walk.backward if s.node.op is not None and s.node.op.name == "tanh")
    matmul = next(s for s in walk.backward if s.node.op is not None and s.node.op.name == "matmul")
    j = jacobian(tanh.node, 0)
    assert j.shape == (2, 2) and np.count_nonzero(j) == 2 and np.all(np.diag(j) != 0)  # "diagonal"
    assert "diagonal" in " ".join(jacobian_lines(tanh)) and "2 × 2" in note
    w = walk.leaves["W"].value
    np.testing.assert_array_equal(jacobian(matmul.node, 1), w.T)  # "for x is Wᵀ, 3 × 2"
    assert walk.leaves["W"].grad.shape == w.shape == (2, 3) and "2 × 3" in note
    lines = jacobian_lines(matmul)
    assert r"_{6 \times 2}" in lines[0] and r"_{3 \times 2}" in lines[2] and "2 × 3" in lines[1]


def test_a_matrix_is_typed_as_rows():
    from playground.stepper.state import parse_value

    assert parse_value("[[1, 2], [3, 4]]") == [[1, 2], [3, 4]] and parse_value("[[1 2] [3 4]]") == [[1, 2], [3, 4]]
    for bad, why in (("[[1, 2], [3]]", "equal length"), ("[1, 2", "brackets"), ("[[1, x]]", "not a number")):
        with pytest.raises(ValueError, match=why):
            parse_value(bad)


GRADIENT_CLAIMS = ["Chain rule: (x + y) · z", "Copy gate: gradients add", "The copy gate adds",
                   "σ′ · w, layer after layer"]


@pytest.mark.parametrize("where,name", [w for w in WHERE if w[1] in GRADIENT_CLAIMS])
def test_a_gradient_a_lesson_names_is_written_as_the_page_prints_it(where, name):
    """Not just close: a learner compares the card's 0.001755 with the ledger's, digit for digit."""
    walk, text = walk_of(name, where)
    for value in CLAIMS[name](walk):
        assert re.search(rf"(?<![\d.]){re.escape(format_number(value))}(?![\d])", text.replace("−", "-")), \
            f"{name}: the page prints {format_number(value)}, which '{text}' does not write"
