"""Numbers as the surface lab prints them: never raw e-notation (1.669e-05 reads as a subtraction to a
learner); powers of ten as 1.669 × 10⁻⁵."""

from __future__ import annotations

import re

import numpy as np

from engine.formatting import format_number

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
TIMES = "\u00a0×\u00a0"  # no-break spaces: a table cell never wraps between 3.9 × and 10⁻⁸
E_NUMBER = re.compile(r"-?\d+(?:\.\d+)?e[+-]?\d+")


def readable(x: float, digits: int = 4) -> str:
    """Up to ``digits`` significant digits as format_number gives them, with its e-notation as × 10ⁿ."""
    text = format_number(x, digits)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}{TIMES}10{str(int(exponent)).translate(SUPERSCRIPTS)}"  # one unbreakable word


def readable_point(values, names: tuple[str, ...] | None = None, digits: int = 4) -> str:
    """(a, b), or (x = a, y = b) with names; one coordinate (a 1-D surface) without brackets: a, or x = a."""
    values = np.asarray(values, dtype=float).ravel()
    parts = [readable(v, digits) for v in values]
    if names:
        parts = [f"{n} = {p}" for n, p in zip(names, parts, strict=False)]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def readable_text(text: str) -> str:
    """A sentence with every e-notation number in it made readable (the engine's messages say 1e-06)."""
    return E_NUMBER.sub(lambda m: readable(float(m[0])), text)


def parse_readable(text: str) -> float:
    """The number a ``readable`` text stands for (for tests and for reading a table back)."""
    mantissa, _, power = text.replace("\u00a0", " ").partition(" × 10")
    exponent = power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(mantissa) * 10.0 ** int(exponent or 0)
