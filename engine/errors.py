"""The engine's own error types. Anything the engine rejects raises one of these."""

import unicodedata


def _cells(char: str) -> int:
    """Columns ``char`` takes in a monospaced box: 2 for wide (CJK) characters, 0 for combining marks."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


class EngineError(Exception):
    """Base class: a problem with what the user asked for, never a bug in the caller."""


class ShapeError(EngineError):
    """Operands whose shapes do not fit the op (or a non-scalar output given to backward)."""


class ParseError(EngineError):
    """An expression the safe parser refuses, with the 0-based column where the problem starts."""

    def __init__(self, message: str, column: int = 0, text: str = ""):
        super().__init__(message)
        self.message = message
        self.column = max(0, column)
        self.text = text

    def __str__(self) -> str:
        return f"{self.message} (column {self.column})"

    def format(self) -> str:
        """The expression with a caret under the offending column, then the message."""
        shown = self.text if len(self.text) <= 200 else self.text[:200] + "..."
        # as typed (x², σ, π), except what a terminal or a code box can't show in one cell
        shown = "".join(c if c.isprintable() and _cells(c) == 1 else "?" for c in shown)
        caret = " " * min(self.column, len(shown)) + "^"
        return f"{shown}\n{caret}\n{self.message}"
