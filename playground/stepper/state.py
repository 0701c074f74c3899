"""Everything the stepper page is set to, in one object, and the one field table (``STEPPER_SPEC``) from
which its URL, its widgets' session state and its JSON settings are derived."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from engine import ParseError, parse
from engine.limits import MAX_STEP, MAX_VECTOR
from playground.common.fields import Choice, Field, Float, Int, Kind, StateSpec, echo, widgets_under

MODES = ("learn", "quiz")
DEFAULT_EXPR = "(x + y) * z"
DEFAULT_VALUES = {"x": "-2", "y": "5", "z": "-4"}
MISSING_VALUE = "1"  # a variable the link or the widgets give no value
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


def parse_value(text: str) -> float | list:
    """A number like -2 or 1e-3, a vector like [1, 2, 3] (commas or spaces), or a matrix of rows of equal length
    like [[1, 2], [3, 4]]. Never evaluates."""
    text = text.strip()
    if text.startswith("[[") and text.endswith("]]"):
        rows = [_numbers(row) for row in re.split(r"\]\s*,?\s*\[", text[2:-2])]
        if len({len(row) for row in rows}) != 1 or sum(map(len, rows)) > MAX_VECTOR:
            raise ValueError(f"a matrix needs rows of equal length and at most {MAX_VECTOR} numbers in all, "
                             "like [[1, 2], [3, 4]]")
        return rows
    if text.startswith("[") and text.endswith("]"):
        return _numbers(text[1:-1])
    if "[" in text or "]" in text:
        raise ValueError("its brackets don't match: write a vector like [1, 2, 3] or a matrix like [[1, 2], [3, 4]]")
    numbers = _numbers(text)
    if len(numbers) > 1:  # "2,5" is not 2: a decimal comma, or a vector without its brackets
        raise ValueError(f"{text[:40]!r} is more than one number: write a decimal point (2.5), or a vector in "
                         "brackets ([2, 5])")
    return numbers[0]


def _numbers(text: str) -> list[float]:
    parts = [p for p in re.split(r"[,\s]+", text.replace("−", "-").strip()) if p]  # the page's own minus sign
    if not parts or len(parts) > MAX_VECTOR:
        raise ValueError(f"give a number, a vector of 1 to {MAX_VECTOR} numbers like [1, 2, 3], or a matrix "
                         "like [[1, 2], [3, 4]]")
    for p in parts:
        if len(p) > 40 or not _NUMBER.match(p):
            raise ValueError(f"{p[:40]!r} is not a number")
    return [float(p) for p in parts]


@dataclass(frozen=True)
class StepperState:
    expr: str = DEFAULT_EXPR
    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VALUES))  # as typed, per variable
    output_grad: float = 1.0  # ∂L/∂output: the gradient the backward pass starts from
    step: int = 0  # 0: nothing computed yet; then forward steps, then backward steps
    mode: str = "learn"


class ExpressionKind(Kind):
    def parse(self, text: str) -> str:
        try:
            parse(text)  # whole: its length is the parser's first check, and the message says it
        except ParseError as e:
            raise ValueError(e.message) from None
        return text


class ValuesKind(Kind):
    """Each variable's value as typed: ``x=-2;w=[1, 2]`` in a link, an object in JSON, one text box each.
    Values are checked against the expression in ``settle``, which knows its variables."""

    def parse(self, text: str) -> dict[str, str]:
        return dict(item.partition("=")[::2] for item in text.split(";")[:MAX_VECTOR] if "=" in item)

    def format(self, value: dict[str, str]) -> str:
        return ";".join(f"{k}={v}" for k, v in value.items())

    def to_json(self, value: dict[str, str]) -> dict[str, str]:
        return dict(value)

    def from_json(self, data: Any) -> dict[str, str]:
        if not isinstance(data, dict) or not all(isinstance(v, str | int | float) and not isinstance(v, bool)
                                                 for v in data.values()):
            raise ValueError('must be an object of values such as {"x": "-2", "w": "[1, 2]"}')
        return {str(k): str(v) for k, v in data.items()}

    def widget_values(self, key: str, value: dict[str, str]) -> dict[str, Any]:
        return {f"{key}_{name}": text for name, text in value.items()}

    def from_widgets(self, key: str, session: Mapping[str, Any]) -> dict[str, str]:
        prefix = self.widget_prefix(key)
        return {k[len(prefix):]: v for k, v in widgets_under(session, prefix).items()}

    def widget_keys(self, key: str) -> tuple[str, ...]:
        return ()  # one box per variable of the expression, always drawn

    def widget_prefix(self, key: str) -> str:
        return f"{key}_"


def settle(state: StepperState) -> tuple[StepperState, list[str]]:
    """One value per variable of the expression, each readable; a missing or unreadable one is 1."""
    try:
        variables = parse(state.expr).variables
    except ParseError:
        return state, []  # only a widget can hold unreadable text; the page says what is wrong with it
    values, warnings = {}, []
    for name in variables:
        text = state.values.get(name, MISSING_VALUE)
        try:
            parse_value(text)
        except ValueError as e:
            warnings.append(f"The value for {name} ({echo(text)}) was ignored: {e}. Using 1.")
            text = MISSING_VALUE
        values[name] = text
    return replace(state, values=values, mode=state.mode or "learn"), warnings


class StepperSpec(StateSpec):
    def from_query(self, query: Mapping[str, str]) -> tuple[StepperState, list[str]]:
        # A link with an expression and no values meant 1 for every variable, not the default example's numbers.
        if "expr" in query and "at" not in query:
            query = {**query, "at": ""}
        return super().from_query(query)


STEPPER_SPEC = StepperSpec(StepperState, (
    Field("expr", "expr", ExpressionKind(), "expression"),
    Field("values", "at", ValuesKind(), "variable values"),
    Field("output_grad", "grad", Float(), "output gradient ∂L/∂output", aliases=("seed",)),
    Field("step", "step", Int(0, MAX_STEP), "step"),
    Field("mode", "mode", Choice(MODES), "mode"),
), prefix="stepper", settle=settle)
