"""Command line: ``python -m engine grad "<expr>" --at x=-2,y=5,z=-4 [--json] [--steps]``."""

from __future__ import annotations

import argparse
import json
import math
import sys

from .errors import EngineError, ParseError
from .formatting import format_array
from .graph import backward_steps, forward_steps
from .parser import parse


def _parse_assignments(items: list[str]) -> dict[str, float]:
    values = {}
    for item in ",".join(items).split(","):
        if not item.strip():
            continue
        name, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            values[name.strip()] = float(number)
        except ValueError:
            raise EngineError(f"--at expects name=number pairs like x=-2,y=5; got {item.strip()!r}") from None
    return values


def _json_number(x: float) -> float | None:
    return x if math.isfinite(x) else None  # JSON has no NaN/inf; they are reported on stderr


def grad_command(args) -> int:
    expression = parse(args.expression)
    values = _parse_assignments(args.at)
    missing = [n for n in expression.variables if n not in values]
    if missing:
        raise EngineError(f"no value for variable {', '.join(missing)}: add "
                          + ",".join(f"{n}=<number>" for n in missing) + " to --at")
    root, leaves = expression.build(values)
    forward = list(forward_steps(root))
    steps = list(backward_steps(root, seed=args.seed))
    value, grads = float(root.value), {n: float(leaf.grad) for n, leaf in leaves.items()}
    for note in [s.issue for s in forward] + [s.issue for s in steps]:
        if note:
            print(f"warning: {note}", file=sys.stderr)
    for s in steps:  # a tie or kink: which derivative the engine took there, and why
        if s.note:
            print(f"note ({s.node.op.name}): {s.note}", file=sys.stderr)
    if args.json:
        out = {"value": _json_number(value), "grads": {n: _json_number(g) for n, g in grads.items()}}
        print(json.dumps(out))
        return 0
    if args.steps:
        print(_ledger(steps))
    print(f"value = {format_array(value)}")
    for name, g in grads.items():
        print(f"d/d{name} = {format_array(g)}")
    return 0


def _ledger(steps) -> str:
    rows = [("step", "node", "op", "upstream", "local", "downstream")]
    for s in steps:
        op = s.node.op.name if s.node.op else s.node.kind
        rows.append((str(s.index), s.node.label, op, format_array(s.upstream),
                     ", ".join(format_array(x) for x in s.local) or "-",
                     ", ".join(format_array(x) for x in s.downstream) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine", description="gradlab's autodiff engine")
    sub = parser.add_subparsers(dest="command", required=True)
    grad = sub.add_parser("grad", help="value and gradients of an expression at a point")
    grad.add_argument("expression", help='for example "(x + y) * z"')
    grad.add_argument("--at", action="append", default=[], metavar="x=-2,y=5",
                      help="variable values (comma separated, may be repeated)")
    grad.add_argument("--seed", type=float, default=1.0, help="gradient fed into the output (default 1)")
    grad.add_argument("--json", action="store_true", help='print one JSON object {"value", "grads"}')
    grad.add_argument("--steps", action="store_true", help="print the backward ledger as a table")
    args = parser.parse_args(argv)
    try:
        return grad_command(args)
    except ParseError as e:
        print(e.format(), file=sys.stderr)
    except EngineError as e:
        print(f"error: {e}", file=sys.stderr)
    return 2
