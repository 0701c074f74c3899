"""The safe expression parser: Python-like syntax through a whitelisted ``ast`` walk. Never ``eval``.

``parse(text)`` checks the text and returns an ``Expression``: a small tree of numbers, variable
names and registry ops. ``Expression.build(values)`` turns it into engine nodes. Every rejection
raises ``ParseError`` with a message and the 0-based column where the problem starts.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from .errors import EngineError, ParseError, ShapeError
from .limits import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NAME, MAX_TERMS
from .node import Node, apply, const, var
from .ops import OPS

CONSTANTS = {"pi": math.pi}

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul"}
# Ops with an operator spelling (+, *, @, ...) are written with it, not called by name.
_FUNCTIONS = {name for name, op in OPS.items() if op.callable_in_expressions and op.infix is None}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPEN, _CLOSE = "([{", ")]}"
_HINTS = {  # what a learner most likely meant, for constructs Python accepts but we do not
    ast.BitXor: "'^' is not a power here: use ** (for example x**2)",
    ast.Attribute: "attributes (a.b) are not allowed",
    ast.Subscript: "indexing (a[i]) is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.List: "lists are not allowed in expressions; give a vector as a variable's value instead",
    ast.Tuple: "tuples are not allowed (a stray comma?)",
    ast.IfExp: "conditional expressions (a if c else b) are not allowed: use max/min/relu",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "and/or are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
}


@dataclass(frozen=True)
class Term:
    """One node of a parsed expression: a number, a variable name, or an op applied to terms."""

    kind: str  # "num" | "var" | "op"
    column: int
    value: float = 0.0  # for "num"
    name: str = ""  # variable name for "var", op name for "op"
    args: tuple[Term, ...] = ()
    constant: float | None = None  # the value, when the term holds numbers only (bounds exponents)


@dataclass(frozen=True)
class Expression:
    text: str
    root: Term
    variables: tuple[str, ...]  # in order of first appearance
    size: int = field(default=0)  # number of terms

    def build(self, values: dict) -> tuple[Node, dict[str, Node]]:
        """Make engine nodes: returns the output node and one variable node per name."""
        missing = [n for n in self.variables if n not in values]
        if missing:
            raise EngineError(f"no value for variable {', '.join(missing)}")
        leaves = {n: var(values[n], n) for n in self.variables}
        with np.errstate(all="ignore"):  # NaN/inf are located later, by forward_steps
            return self._build(leaves), leaves

    def _build(self, leaves: dict[str, Node]) -> Node:
        built: dict[int, Node] = {}
        stack = [(self.root, False)]  # iterative post-order: children are built before parents
        while stack:
            term, ready = stack.pop()
            if term.kind == "num":
                built[id(term)] = const(term.value)
            elif term.kind == "var":
                built[id(term)] = leaves[term.name]
            elif not ready:
                stack.append((term, True))
                stack.extend((a, False) for a in reversed(term.args))
            else:
                try:
                    built[id(term)] = apply(term.name, *(built[id(a)] for a in term.args))
                except ShapeError as e:
                    raise ParseError(str(e), term.column, self.text) from None
        return built[id(self.root)]


def _fail(message: str, column: int, text: str):
    raise ParseError(message, column, text)


def _precheck(text: str) -> None:
    """Cheap checks before Python's parser sees the text: it has its own limits we don't want to hit."""
    if not text.strip():
        _fail("type an expression, for example (x + y) * z", 0, text)
    if len(text) > MAX_LENGTH:
        _fail(f"expression too long ({len(text)} characters; the limit is {MAX_LENGTH})", MAX_LENGTH, text)
    opened: list[int] = []  # columns of the brackets still open
    for col, ch in enumerate(text):
        if not (" " <= ch <= "~" or ch == "\t") or ch == "#":
            _fail(f"unexpected character {ch!r}", col, text)
        if ch in _OPEN:
            opened.append(col)
            if len(opened) > MAX_DEPTH:
                _fail(f"too deeply nested (more than {MAX_DEPTH} levels)", col, text)
        elif ch in _CLOSE:
            if not opened or _OPEN[_CLOSE.index(ch)] != text[opened[-1]]:
                _fail(f"unmatched {ch!r}", col, text)
            opened.pop()
    if opened:
        _fail(f"{text[opened[-1]]!r} is never closed", opened[-1], text)


def _syntax_error(e: SyntaxError, text: str) -> ParseError:
    # offset is 1-based in the wrapped source "(" + text + ")": column = offset - 2
    column = (e.offset or 0) - 2 if e.offset else len(text)
    return ParseError(e.msg or "invalid syntax", min(max(column, 0), len(text)), text)


def _number(node: ast.Constant, col: int, text: str) -> float:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        _fail(f"{type(v).__name__} values are not allowed, only numbers", col, text)
    try:
        value = float(v)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        _fail("number too large for float64", col, text)
    return value


def _op_term(name: str, col: int, args: tuple[Term, ...], text: str) -> Term:
    constant = None
    if all(a.constant is not None for a in args):
        try:
            with np.errstate(all="ignore"):
                constant = float(OPS[name].forward(*(np.asarray(a.constant) for a in args)))
        except (ValueError, TypeError) as e:  # e.g. matmul of two plain numbers
            _fail(f"{name} can't take these operands: {e}", col, text)
    return Term("op", col, name=name, args=args, constant=constant)


def parse(text: str) -> Expression:
    """Check ``text`` and return its ``Expression``, or raise ``ParseError``."""
    if not isinstance(text, str):
        raise ParseError("the expression must be text", 0, "")
    _precheck(text)
    try:  # wrapped so leading spaces are fine; every ast column is then one more than ours
        with warnings.catch_warnings():
            # e.g. "1x" or "'\@'": we report our own error, and a learner's typing never reaches the log
            warnings.simplefilter("ignore")
            tree = ast.parse("(" + text + ")", mode="eval")
    except SyntaxError as e:
        raise _syntax_error(e, text) from None
    except (ValueError, MemoryError, RecursionError):
        raise ParseError("expression too complex", 0, text) from None

    variables: dict[str, None] = {}
    count = 0
    built: dict[int, Term] = {}
    stack = [(tree.body, 1, False)]
    while stack:
        node, depth, ready = stack.pop()
        col = max(getattr(node, "col_offset", 1) - 1, 0)
        if not ready:
            count += 1
            if count > MAX_TERMS:
                _fail(f"expression too large (more than {MAX_TERMS} terms)", col, text)
            if depth > MAX_DEPTH:
                _fail(f"too deeply nested (more than {MAX_DEPTH} levels)", col, text)
            children = _children(node, col, text)
            stack.append((node, depth, True))
            stack.extend((c, depth + 1, False) for c in reversed(children))
            continue
        built[id(node)] = term = _term(node, col, text, built)
        if term.kind == "var":
            variables.setdefault(term.name)
    return Expression(text, built[id(tree.body)], tuple(variables), count)


def _children(node: ast.AST, col: int, text: str) -> list[ast.AST]:
    """The sub-expressions of an allowed node; anything not allowed is refused here."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Name):
        return []
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return [node.operand]
    if isinstance(node, ast.Call):
        return _call_args(node, col, text)
    hint_key = type(node.op) if isinstance(node, (ast.BinOp, ast.UnaryOp)) else type(node)
    if isinstance(node, ast.UnaryOp):
        _fail("only - and + are allowed as unary operators", col, text)
    if isinstance(node, ast.BinOp):
        col = _operator_column(node, text)
    _fail(_HINTS.get(hint_key, f"{type(node).__name__} is not allowed in an expression"), col, text)


def _operator_column(node: ast.BinOp, text: str) -> int:
    """Column of the operator between the two operands (ast only gives operand positions)."""
    start = node.left.end_col_offset - 1
    gap = text[start: node.right.col_offset - 1]
    return start + len(gap) - len(gap.lstrip(" ()"))


def _call_args(node: ast.Call, col: int, text: str) -> list[ast.AST]:
    if not isinstance(node.func, ast.Name):
        _fail("only registry functions may be called, like tanh(x)", col, text)
    name = node.func.id
    if name not in _FUNCTIONS:
        known = ", ".join(sorted(_FUNCTIONS))
        _fail(f"unknown function {name!r}; known functions: {known}", col, text)
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        _fail(f"{name}() takes plain arguments only", col, text)
    arity = OPS[name].arity
    if len(node.args) != arity:
        _fail(f"{name}() takes {arity} argument{'s' * (arity > 1)}, got {len(node.args)}", col, text)
    return list(node.args)


def _term(node: ast.AST, col: int, text: str, built: dict[int, Term]) -> Term:
    if isinstance(node, ast.Constant):
        value = _number(node, col, text)
        return Term("num", col, value=value, constant=value)
    if isinstance(node, ast.Name):
        return _name(node.id, col, text)
    if isinstance(node, ast.UnaryOp):
        operand = built[id(node.operand)]
        return operand if isinstance(node.op, ast.UAdd) else _op_term("neg", col, (operand,), text)
    if isinstance(node, ast.BinOp):
        left, right = built[id(node.left)], built[id(node.right)]
        name = _BINARY[type(node.op)]
        if name == "pow" and right.constant is not None and not abs(right.constant) <= MAX_EXPONENT:
            _fail(f"exponent too large (|exponent| must be at most {MAX_EXPONENT:g})", right.column, text)
        return _op_term(name, _operator_column(node, text), (left, right), text)
    return _op_term(node.func.id, col, tuple(built[id(a)] for a in node.args), text)  # an allowed call


def _name(name: str, col: int, text: str) -> Term:
    if name.startswith("__"):
        _fail("names starting with __ are not allowed", col, text)
    if len(name) > MAX_NAME or not _NAME.match(name):
        _fail(f"variable names are letters, digits and _ (at most {MAX_NAME} characters)", col, text)
    if name in CONSTANTS:
        return Term("num", col, value=CONSTANTS[name], constant=CONSTANTS[name])
    if name in _FUNCTIONS:
        _fail(f"{name} is a function: call it, like {name}(x)", col, text)
    return Term("var", col, name=name)
