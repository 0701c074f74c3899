"""Numbers as learners read them, shared by the CLI and the playground's renderers."""

from __future__ import annotations

import numpy as np


def format_number(x: float, digits: int = 4) -> str:
    """Up to ``digits`` significant digits, NaN/inf spelled out, no '-0'."""
    x = float(x)
    if np.isnan(x):
        return "NaN"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{digits}g}"
    return "0" if text == "-0" else text


def format_array(a, digits: int = 4, max_items: int = 6) -> str:
    """A scalar as a number, a small array as [a, b, ...] (long ones elided in the middle)."""
    if a is None:
        return "-"
    a = np.asarray(a)
    if a.ndim == 0:
        return format_number(a, digits)
    if a.ndim == 1:
        items = [format_number(v, digits) for v in a]
        if len(items) > max_items:
            items = items[: max_items // 2] + ["…"] + items[-(max_items // 2):]
        return "[" + ", ".join(items) + "]"
    rows = [format_array(r, digits, max_items) for r in a[:max_items]]
    return "[" + ", ".join(rows) + (", …" if len(a) > max_items else "") + "]"
