"""The user's own points ("own data"): the table the page edits, filled from CSV text, a CSV file or a
configuration file, and written back out as CSV (to train on) or as a JSON list (to save)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine import EngineError
from engine.limits import MAX_POINTS
from labs.mlp.datasets import parse_csv

EXAMPLE_POINTS = "x1,x2,label\n-2,-2,0\n-1,-2,0\n-2,-1,0\n2,2,1\n1,2,1\n2,1,1\n"
COLUMNS = {"x1": {"format": "%g", "required": True}, "x2": {"format": "%g", "required": True},
           "label": {"min_value": 0, "max_value": 9, "step": 1, "required": True}}  # the table's number columns


def rows_to_csv(rows) -> str:
    """The points table as CSV text (rows still being typed, with an empty cell, are left out)."""
    lines = ["x1,x2,label"]
    for row in complete(rows):
        lines.append(f"{float(row['x1'])!r},{float(row['x2'])!r},{row['label']!r}")
    return "\n".join(lines) + "\n"


def complete(rows) -> list[dict]:
    """The rows with all three cells filled in."""
    return [r for r in rows if all(r.get(c) is not None and r.get(c) == r.get(c) for c in ("x1", "x2", "label"))]


def csv_to_rows(text: str) -> list[dict]:
    """CSV text as table rows; raises EngineError in words for a malformed CSV."""
    data = parse_csv(text)
    return [{"x1": float(x[0]), "x2": float(x[1]), "label": int(y)} for x, y in zip(data.x, data.y, strict=True)]


def rows_to_json(rows) -> list[list]:
    return [[float(r["x1"]), float(r["x2"]), int(r["label"])] for r in complete(rows)]


def rows_from_json(data: Any) -> list[dict]:
    """Points saved as [[x1, x2, label], ...], checked as a CSV would be. Raises ValueError in words."""
    if not isinstance(data, list):
        raise ValueError("must be a list of points [x1, x2, label]")
    if len(data) > MAX_POINTS:
        raise ValueError(f"{len(data):,} points; the limit is {MAX_POINTS:,}")
    for i, point in enumerate(data, start=1):
        if not (isinstance(point, list) and len(point) == 3 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in point)):
            raise ValueError(f"point {i} is not three numbers [x1, x2, label]")
    try:
        return csv_to_rows("\n".join(",".join(repr(v) for v in point) for point in data))
    except EngineError as e:
        raise ValueError(str(e)) from None


@dataclass
class OwnPoints:
    """The table's points. ``rows`` is what the table was last filled with; the user's edits on top of it come
    back as ``edited``. A new ``version`` (part of the table's widget key) makes the table show new rows."""

    rows: list[dict] = field(default_factory=lambda: csv_to_rows(EXAMPLE_POINTS))
    version: int = 0
    edited: list[dict] | None = None
    error: str | None = None  # why the last CSV was refused

    def fill(self, rows: list[dict]) -> None:
        self.rows, self.edited, self.version = rows, None, self.version + 1

    def fill_from_csv(self, text: str) -> None:
        try:
            self.fill(csv_to_rows(text))
        except EngineError as e:
            self.error = str(e)

    def take_error(self) -> str | None:
        """Why the last CSV was refused, once: the page says it, and it is forgotten."""
        error, self.error = self.error, None
        return error

    def fill_from_upload(self, data: bytes) -> None:
        self.fill_from_csv(data.decode("utf-8", "replace"))

    def keep_edits(self) -> None:
        """The table is about to go undrawn, and Streamlit forgets a table's edits then: make them its rows."""
        if self.edited is not None:
            self.fill(complete(self.edited))

    def current(self) -> list[dict]:
        return complete(self.rows if self.edited is None else self.edited)

    def csv(self) -> str:
        return rows_to_csv(self.current())
