"""The table of all steps so far: one row per step, every number in full (a cell that cut a vector short hid
what the learner came to read), each gradient named by the input it belongs to, and pages of rows so a
graph of hundreds of steps doesn't send thousands of cells at once."""

from __future__ import annotations

from engine.formatting import readable_array
from engine.limits import MAX_VECTOR

UPSTREAM = "upstream ∂L/∂node"
LOCAL = "local ∂node/∂input"
DOWNSTREAM = "downstream ∂L/∂input = upstream × local"
PAGE_ROWS = 25  # rows on one page of the table
NOT_ELEMENTWISE = "a Jacobian, not elementwise: see the ledger"


def full(a) -> str:
    """Every entry of ``a`` (up to a variable's MAX_VECTOR), as people read numbers."""
    return readable_array(a, max_items=MAX_VECTOR)


def _local(local) -> str:
    return NOT_ELEMENTWISE if local is None else full(local)


def steps_rows(walkthrough, view) -> list[dict[str, str]]:
    """One row per step taken so far, for the table under the graph."""
    rows = []
    for s in walkthrough.forward[: view.step]:
        rows.append({"pass": "forward", "node": s.node.label, "op": s.node.op.name, "value": full(s.value),
                     UPSTREAM: "", LOCAL: "", DOWNSTREAM: "", "note": s.issue or ""})
    taken = max(0, view.step - len(walkthrough.forward))
    for s in walkthrough.backward[:taken]:
        gets = [(p, loc, d) for p, loc, d in zip(s.node.parents, s.local, s.downstream, strict=True) if d is not None]
        rows.append({"pass": "backward", "node": s.node.label, "op": s.node.op.name if s.node.op else "input",
                     "value": full(s.node.value), UPSTREAM: full(s.upstream),
                     LOCAL: " · ".join(f"∂{s.node.label}/∂{p.label}: {_local(loc)}" for p, loc, _ in gets),
                     DOWNSTREAM: " · ".join(f"to {p.label}: {full(d)}" for p, _, d in gets),
                     "note": s.issue or s.note or ("an input: its gradient is final" if s.is_leaf else "")})
    return [{"step": str(i + 1), **row} for i, row in enumerate(rows)]


def pages(count: int) -> list[str]:
    """The table's pages as the ranges of steps they hold: "1–25", "26–50", …"""
    return [f"{start + 1}–{min(start + PAGE_ROWS, count)}" for start in range(0, count, PAGE_ROWS)]


def page_of(rows: list[dict[str, str]], page: str) -> list[dict[str, str]]:
    """The rows of one page (as ``pages`` names it)."""
    first = int(page.split("–")[0]) - 1
    return rows[first:first + PAGE_ROWS]
