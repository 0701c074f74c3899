"""Numbers as learners read them, shared by the CLI and the playground's renderers."""

from __future__ import annotations

import re

import numpy as np

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
TIMES = "\u00a0×\u00a0"  # no-break spaces: a table cell or metric never wraps between 3.9 × and 10⁻⁸
E_NUMBER = re.compile(r"-?\d+(?:\.\d+)?e[+-]?\d+")


MAX_DIGITS = 9  # significant digits before a number may read as the whole number next to it (noise beyond)


def format_number(x: float, digits: int = 4) -> str:
    """Up to ``digits`` significant digits, NaN/inf spelled out, no '-0'. A number rounded to a whole one it
    isn't gets more digits, up to MAX_DIGITS: σ(10) is 0.99995, not 1, whose σ(1 − σ) would read as 0."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{digits}g}"
    while digits < MAX_DIGITS and text.lstrip("-").isdigit() and float(text) != x:
        digits += 1
        text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def format_array(a, digits: int = 4, max_items: int = 6, number=None) -> str:
    """A scalar as a number, a small array as [a, b, ...] (long ones elided in the middle). ``number`` writes
    each entry (default format_number; readable for pages)."""
    if a is None:
        return "-"
    number = number or format_number
    a = np.asarray(a)
    if a.ndim == 0:
        return number(a, digits)
    if a.ndim == 1:
        items = [number(v, digits) for v in a]
        if len(items) > max_items:
            items = items[: max_items // 2] + ["…"] + items[-(max_items // 2):]
        return "[" + ", ".join(items) + "]"
    rows = [format_array(r, digits, max_items, number) for r in a[:max_items]]
    return "[" + ", ".join(rows) + (", …" if len(a) > max_items else "") + "]"


def readable_array(a, digits: int = 4, max_items: int = 6) -> str:
    """format_array with readable numbers (4.54 × 10⁻⁵), as pages show them."""
    return format_array(a, digits, max_items, readable)


def readable(x: float, digits: int = 4) -> str:
    """A number as people read it on a page: format_number's digits, with its e-notation (1.669e-05, which a
    learner reads as a subtraction) written as 1.669 × 10⁻⁵, one unbreakable word."""
    text = format_number(x, digits)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}{TIMES}10{str(int(exponent)).translate(SUPERSCRIPTS)}"


def readable_text(text: str, digits: int = 4) -> str:
    """A sentence with every e-notation number in it made readable (the engine's messages say 1e-06)."""
    return E_NUMBER.sub(lambda m: readable(float(m[0]), digits), text)


def parse_readable(text: str) -> float:
    """The number a ``readable`` text stands for (for tests, and for reading a table back)."""
    mantissa, _, power = text.replace("\u00a0", " ").partition(" × 10")
    exponent = power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(mantissa) * 10.0 ** int(exponent or 0)


def describe_shape(shape: tuple[int, ...]) -> str:
    """A shape in words: a number, a vector of 3, a 2 × 3 matrix, an array of shape 2 × 3 × 4."""
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a vector of {shape[0]}"
    sizes = " × ".join(str(n) for n in shape)
    return f"a {sizes} matrix" if len(shape) == 2 else f"an array of shape {sizes}"


def format_shape(shape: tuple[int, ...]) -> str:
    """A shape as its sizes: 3 for a vector of 3, 2 × 3 for a matrix (not Python's (3,) and (2, 3))."""
    return " × ".join(str(n) for n in shape) if shape else "a number"
