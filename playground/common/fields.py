"""Reading page state from a URL: typed fields, each falling back to its default with a warning.

Each page keeps all of its settings in one frozen dataclass (like TensorFlow Playground's state.ts)
with ``to_query``; this module is the one place that reads such a dataclass back from a URL, so a
malformed or tampered link can never raise, only fall back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

T = TypeVar("T")


def read_fields(state: T, query: dict[str, str], readers: dict[str, Callable[[str], object]],
                label: dict[str, str] | None = None) -> tuple[T, list[str]]:
    """``state`` with every field in ``readers`` that the query has, read by its reader.

    A reader raises ValueError (with the reason) for a value it refuses; the field then keeps its
    default and a warning says so.
    """
    warnings = []
    for name, reader in readers.items():
        if name not in query:
            continue
        try:
            state = replace(state, **{name: reader(query[name])})
        except (ValueError, TypeError, OverflowError) as e:
            what = (label or {}).get(name, name)
            warnings.append(f"The link's {what} was ignored ({e}); using the default.")
    return state, warnings


def finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def bounded_float(low: float, high: float = math.inf) -> Callable[[str], float]:
    def read(text: str) -> float:
        value = finite_float(text)
        if not low <= value <= high:
            bounds = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
            raise ValueError(f"must be {bounds}")
        return value
    return read


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    def read(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value
    return read


def one_of(choices) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(map(str, choices))}")
        return text
    return read


def format_float(x: float) -> str:
    """Shortest text that reads back as the same float (2 rather than 2.0)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))
