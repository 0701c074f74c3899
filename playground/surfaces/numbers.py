"""Numbers as the surface lab prints them: engine.formatting's readable numbers (1.669 × 10⁻⁵, never
1.669e-05), and points."""

from __future__ import annotations

import numpy as np

from engine.formatting import parse_readable, readable, readable_text

__all__ = ["parse_readable", "readable", "readable_point", "readable_text"]


def readable_point(values, names: tuple[str, ...] | None = None, digits: int = 4) -> str:
    """(a, b), or (x = a, y = b) with names; one coordinate (a 1-D surface) without brackets: a, or x = a."""
    values = np.asarray(values, dtype=float).ravel()
    parts = [readable(v, digits) for v in values]
    if names:
        parts = [f"{n} = {p}" for n, p in zip(names, parts, strict=False)]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
