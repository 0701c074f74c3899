"""Everything the stepper page shows, in one object that round-trips through the URL.

Like TensorFlow Playground's state.ts: typed fields with defaults; ``to_query`` writes them,
``from_query`` reads them back and falls back to the default, with a warning, for any field that is
malformed or tampered with. Nothing read from a URL can raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from engine import ParseError, parse
from engine.limits import MAX_LENGTH, MAX_STEP, MAX_VECTOR
from playground.common.fields import bounded_int, finite_float, format_float, one_of, read_fields

MODES = ("learn", "quiz")
DEFAULT_EXPR = "(x + y) * z"
DEFAULT_VALUES = {"x": "-2", "y": "5", "z": "-4"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.IGNORECASE)


def parse_value(text: str) -> float | list[float]:
    """A number like -2 or 1e-3, or a vector like [1, 2, 3] (commas or spaces). Never evaluates."""
    text = text.strip()
    is_vector = text.startswith("[") and text.endswith("]")
    parts = [p for p in re.split(r"[,\s]+", text.strip("[]").strip()) if p] if is_vector else [text]
    if not parts or len(parts) > MAX_VECTOR:
        raise ValueError(f"give a number, or a vector of 1 to {MAX_VECTOR} numbers like [1, 2, 3]")
    for p in parts:
        if len(p) > 40 or not _NUMBER.match(p):
            raise ValueError(f"{p[:40]!r} is not a number")
    numbers = [float(p) for p in parts]
    return numbers if is_vector else numbers[0]


@dataclass(frozen=True)
class StepperState:
    expr: str = DEFAULT_EXPR
    values: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VALUES))  # as typed
    seed: float = 1.0
    step: int = 0  # 0: nothing computed yet; then forward steps, then backward steps
    mode: str = "learn"

    def to_query(self) -> dict[str, str]:
        return {
            "expr": self.expr,
            "at": ";".join(f"{k}={v}" for k, v in self.values.items()),
            "seed": format_float(self.seed),
            "step": str(self.step),
            "mode": self.mode,
        }

    @classmethod
    def from_query(cls, query: dict[str, str]) -> tuple[StepperState, list[str]]:
        """The state a URL describes, and a warning for every part that had to fall back."""
        state, warnings = cls(), []
        expr = query.get("expr")
        if expr is not None:
            try:
                expression = parse(expr[: MAX_LENGTH + 1])
                values, warnings = _decode_values(query.get("at", ""), expression.variables)
                state = replace(state, expr=expr, values=values)
            except ParseError as e:
                warnings.append(f"The link's expression was ignored ({e.message}); using the default.")
        state, more = read_fields(state, query, {"seed": finite_float, "step": bounded_int(0, MAX_STEP),
                                                 "mode": one_of(MODES)})
        return state, warnings + more


def _decode_values(encoded: str, variables: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The typed values for ``variables`` from "x=-2;w=[1, 2]", 1 for any that is missing or bad."""
    given = dict(item.partition("=")[::2] for item in encoded.split(";") if "=" in item)
    values, problems = {}, []
    for name in variables:
        text = given.get(name, "1")
        try:
            parse_value(text)
        except ValueError as e:
            problems.append(f"The link's value for {name} was ignored ({e}); using 1.")
            text = "1"
        values[name] = text
    return values, problems
