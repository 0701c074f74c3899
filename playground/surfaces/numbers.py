"""Numbers as the surface lab prints them: never raw e-notation (1.669e-05 reads as a subtraction to a
learner); powers of ten as 1.669 × 10⁻⁵."""

from __future__ import annotations

import numpy as np

from engine.formatting import format_number

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def readable(x: float, digits: int = 4) -> str:
    """Up to ``digits`` significant digits as format_number gives them, with its e-notation as × 10ⁿ."""
    text = format_number(x, digits)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPTS)}"


def readable_point(values, names: tuple[str, ...] | None = None, digits: int = 4) -> str:
    """(a, b), or (x = a, y = b) with names."""
    values = np.asarray(values, dtype=float).ravel()
    parts = [readable(v, digits) for v in values]
    if names:
        parts = [f"{n} = {p}" for n, p in zip(names, parts, strict=False)]
    return "(" + ", ".join(parts) + ")"


def parse_readable(text: str) -> float:
    """The number a ``readable`` text stands for (for tests and for reading a table back)."""
    mantissa, _, power = text.partition(" × 10")
    exponent = power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(mantissa) * 10.0 ** int(exponent or 0)
