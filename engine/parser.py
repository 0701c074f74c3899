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
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import EngineError, ParseError, ShapeError
from .limits import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NAME, MAX_TERMS
from .node import Node, apply, const, var
from .ops import OPS

CONSTANTS = {"pi": math.pi, "e": math.e}  # a learner who types e**x means Euler's number, as with pi

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow",
           ast.MatMult: "matmul"}
# Ops with an operator spelling (+, *, @, ...) are written with it, not called by name.
_FUNCTIONS = {name for name, op in OPS.items() if op.callable_in_expressions and op.infix is None}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_OPEN, _CLOSE = "([{", ")]}"
_OPERATORS = ", ".join(["+", "-", "*", "/", "**", "@"])
# Operators Python reads but we refuse: (symbol, what a learner most likely meant).
_REFUSED_BINARY = {
    ast.BitAnd: ("&", "; did you mean * ?"),
    ast.BitXor: ("^", "; use ** for powers (for example x**2)"),
    ast.BitOr: ("|", "; for an absolute value write abs(x)"),
    ast.Mod: ("%", f" (there is no remainder); the operators are {_OPERATORS}"),
    ast.FloorDiv: ("//", "; did you mean / ?"),
    ast.LShift: ("<<", f" (there are no bit shifts); the operators are {_OPERATORS}"),
    ast.RShift: (">>", f" (there are no bit shifts); the operators are {_OPERATORS}"),
}
_REFUSED_UNARY = {
    ast.Invert: ("~", "; for a negative write -x"),
    ast.Not: ("not", ": an expression computes a number, not true or false"),
}
_REFUSED_BOOL = {ast.And: ("and", "; did you mean * or min(a, b) ?"), ast.Or: ("or", "; did you mean max(a, b) ?")}
_COMPARISON = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
               ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in"}
_QUOTES = "text in quotes is not allowed, only numbers and names"
# Other constructs, in words, with what to write instead.
_REFUSED_CONSTRUCT = {
    ast.Attribute: ". after a name (attribute access) is not allowed: variable names are letters, digits and _",
    ast.Subscript: "indexing (a[i]) is not allowed: sum(v) adds a vector's entries",
    ast.Lambda: "lambda is not allowed: type the expression itself",
    ast.List: "lists are not allowed in expressions; give a vector as a variable's value instead",
    ast.Tuple: "a comma is not allowed here: function arguments go inside f( ), like max(a, b)",
    ast.IfExp: "conditional expressions (a if c else b) are not allowed: use max, min or relu",
    ast.NamedExpr: "assignment (:=) is not allowed: give the variables' values separately",
    ast.Dict: "curly brackets { } are not allowed: use ( ) for grouping",
    ast.Set: "curly brackets { } are not allowed: use ( ) for grouping",
    ast.DictComp: "curly brackets { } are not allowed: use ( ) for grouping",
    ast.SetComp: "curly brackets { } are not allowed: use ( ) for grouping",
    ast.ListComp: "for ... in (a comprehension) is not allowed: sum(v) adds a vector's entries",
    ast.GeneratorExp: "for ... in (a comprehension) is not allowed: sum(v) adds a vector's entries",
    ast.JoinedStr: _QUOTES,
    ast.Await: "await is not allowed in an expression",
    ast.Yield: "yield is not allowed in an expression",
    ast.YieldFrom: "yield is not allowed in an expression",
    ast.Starred: "* before a value (unpacking) is not allowed: write each argument",
    ast.Slice: "slices (a:b) are not allowed",
}
# Python's own syntax messages that would mislead a learner (we refuse the comma and == it suggests),
# with the pattern of the spot to point at (Python points at the start of the whole phrase).
_SYNTAX_REWORDED = (
    ("Perhaps you forgot a comma", "two values side by side: did you mean * between them?", r"\S\s+(?=\S)"),
    ("Maybe you meant '==' or ':='", "= is not allowed: an expression has no assignment; give values separately",
     r"[^=<>!:](?==(?!=))"),
    ("invalid decimal literal", "a number runs into a name: did you mean * between them (2*x)?",
     r"[0-9.](?=[A-Za-z_])"),
)
# Symbols a learner copies from a lesson or the page's own formulas, read as the operator they mean. Each is
# one character for one, so every column in an error message still points into the text as typed.
_SAME_AS = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*",
            "\u00f7": "/", "\u00a0": " ", "\u2009": " ", "\u202f": " "}
# Other symbols from textbooks, with what to type instead.
_DERIVATIVES = "type the function itself: the page computes its derivatives"
_TYPE_INSTEAD = {"\u00b2": "for a square write x**2", "\u00b3": "for a cube write x**3",
                 "\u207b": "for a power write x**-1", "\u03c3": "for the sigmoid write sigmoid(x)",
                 "\u221a": "for a square root write sqrt(x)", "\u03c0": "for \u03c0 write pi",
                 "\u2211": "for a sum of a vector's entries write sum(v)", "\u2202": _DERIVATIVES,
                 "\u2032": _DERIVATIVES, "\u2297": "for a matrix product write A @ B",
                 "\u2299": "for an elementwise product write a * b",
                 **dict.fromkeys("\u2018\u2019\u201c\u201d", _QUOTES)}  # curly quotes, as Python's
# Characters Python itself would refuse with a bare "invalid syntax": named here instead.
_STRAY = {"$": "$ is not an operator here", "?": "? is not an operator here", "`": "` is not allowed here",
          ";": "; is not allowed: type one expression", "\\": "\\ is not an operator here; did you mean / ?"}


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
        _fail("type an expression, for example x * (y + 1)", 0, text)  # an example every page allows (a surface: x, y)
    if len(text) > MAX_LENGTH:
        _fail(f"expression too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})", MAX_LENGTH, text)
    opened: list[int] = []  # columns of the brackets still open
    for col, ch in enumerate(text):
        if not (" " <= ch <= "~" or ch == "\t") or ch == "#":
            _fail(_unexpected(ch), col, text)
        if ch in _STRAY:
            _fail(_STRAY[ch], col, text)
        if ch == "!" and text[col + 1: col + 2] != "=":
            _fail("! is not an operator here (there is no factorial)", col, text)
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


def _unexpected(ch: str) -> str:
    """Why ``ch`` can't be typed, in words a learner can act on (never a code point they can't read)."""
    if ch == "#":
        return "# is not allowed: there are no comments in an expression"
    if ch in _TYPE_INSTEAD:
        return f"{ch} can't be typed here: {_TYPE_INSTEAD[ch]}"
    if ch.isprintable() and not ch.isspace():
        return (f"{ch} can't be typed here: use letters, digits, spaces and + - * / ** @ ( ) , . "
                "(for example x * (y + 1))")
    return f"an invisible character (U+{ord(ch):04X}) can't be typed here: delete it and retype the spaces"


def _syntax_error(e: SyntaxError, text: str) -> ParseError:
    # offset is 1-based in the wrapped source "(" + text + ")": column = offset - 2
    column = (e.offset or 0) - 2 if e.offset else len(text)
    column = min(max(column, 0), len(text))
    message = e.msg or "invalid syntax"
    for python_says, we_say, spot in _SYNTAX_REWORDED:
        found = re.compile(spot).search(text, column) if python_says in message else None
        if found:
            message, column = we_say, found.end()
    return ParseError(message, column, text)


def _number(node: ast.Constant, col: int, text: str) -> float:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        _fail(_constant_refusal(v), col, text)
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
    read = "".join(_SAME_AS.get(ch, ch) for ch in text)
    try:
        expression = _parse(read)
    except ParseError as e:  # pointing into the text as typed (one character was read for one)
        raise ParseError(e.message, e.column, text) from None
    return replace(expression, text=text)


def _parse(text: str) -> Expression:
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
    while stack:  # iterative, so no nesting the limits allow can reach Python's recursion limit
        node, depth, ready = stack.pop()
        col = max(getattr(node, "col_offset", 1) - 1, 0)
        if not ready:
            count += 1
            if count > MAX_TERMS:
                _fail(f"expression too large (more than {MAX_TERMS} terms)", col, text)
            if depth > MAX_DEPTH:
                _fail(f"too deeply nested (more than {MAX_DEPTH} levels of brackets, functions or signs)",
                      col, text)
            children = _children(node, col, text)
            stack.append((node, depth, True))
            stack.extend((c, depth + _nesting(node, c), False) for c in reversed(children))
            continue
        built[id(node)] = term = _term(node, col, text, built)
        if term.kind == "var":
            variables.setdefault(term.name)
    return Expression(text, built[id(tree.body)], tuple(variables), count)


def _precedence(node: ast.AST) -> int | None:
    """The precedence level of an allowed binary operator (None for anything else)."""
    if not isinstance(node, ast.BinOp):
        return None
    op = type(node.op)
    return 0 if op in (ast.Add, ast.Sub) else 2 if op is ast.Pow else 1 if op in _BINARY else None


def _nesting(parent: ast.AST, child: ast.AST) -> int:
    """Levels that ``child`` adds below ``parent``: none when it continues a chain such as a + b + c.

    Python nests a flat a + b + c + d left-deep (((a + b) + c) + d), and x ** y ** z right-deep; read
    that way a flat sum of 61 terms would be 61 levels deep. A chain of one precedence level is one
    level, as a learner reads it; brackets, functions, signs and mixed operators each add one.
    """
    level = _precedence(parent)
    if level is None or _precedence(child) != level:
        return 1
    return 0 if child is (parent.right if level == 2 else parent.left) else 1


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
    _fail(*_refusal(node, col, text), text)


def _refusal(node: ast.AST, col: int, text: str) -> tuple[str, int]:
    """What is wrong with a construct we refuse, in words, and the column to point at."""
    if isinstance(node, ast.BinOp):
        symbol, hint = _REFUSED_BINARY.get(type(node.op), ("this operator", ""))
        return f"{symbol} is not an operator here{hint}", _operator_column(node, text)
    if isinstance(node, ast.UnaryOp):
        symbol, hint = _REFUSED_UNARY.get(type(node.op), ("this sign", ""))
        return f"{symbol} is not an operator here{hint}", col
    if isinstance(node, ast.BoolOp):
        symbol, hint = _REFUSED_BOOL[type(node.op)]
        return f"{symbol} is not an operator here{hint}", _gap_column(node.values[0], node.values[1], text)
    if isinstance(node, ast.Compare):
        symbol = _COMPARISON.get(type(node.ops[0]), "this comparison")
        return (f"{symbol} is a comparison, and comparisons are not allowed: an expression computes a number "
                "(use max, min or relu to choose)", _gap_column(node.left, node.comparators[0], text))
    if isinstance(node, ast.Constant):  # only a non-number reaches here
        return _constant_refusal(node.value), col
    if isinstance(node, ast.Attribute):
        return _REFUSED_CONSTRUCT[ast.Attribute], _gap_column(node.value, None, text)
    if isinstance(node, ast.Subscript):
        return _REFUSED_CONSTRUCT[ast.Subscript], _gap_column(node.value, None, text)
    if isinstance(node, ast.Tuple) and len(node.elts) > 1:
        return _REFUSED_CONSTRUCT[ast.Tuple], _gap_column(node.elts[0], None, text)
    return _REFUSED_CONSTRUCT.get(type(node), "this is not allowed in an expression"), col


def _constant_refusal(value: object) -> str:
    if isinstance(value, bool):
        return f"{value} is not a number here: write 1 or 0"
    if isinstance(value, complex):
        return "imaginary numbers (like 1j) are not allowed"
    if value is None:
        return "None is not a number"
    if value is Ellipsis:
        return "... is not allowed in an expression"
    return _QUOTES


def _gap_column(left: ast.AST, right: ast.AST | None, text: str) -> int:
    """Column of the first symbol after ``left`` (before ``right``), skipping spaces and brackets.

    ast gives only the operands' positions, and counts from the "(" that ``parse`` wraps around the text.
    """
    start = left.end_col_offset - 1
    end = right.col_offset - 1 if right is not None else len(text)
    gap = text[start:end]
    return min(start + len(gap) - len(gap.lstrip(" ()")), len(text))


def _operator_column(node: ast.BinOp, text: str) -> int:
    """Column of the operator between the two operands (ast only gives operand positions)."""
    return _gap_column(node.left, node.right, text)


def _call_args(node: ast.Call, col: int, text: str) -> list[ast.AST]:
    if not isinstance(node.func, (ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call)):
        _fail(*_refusal(node.func, col, text), text)  # x.y(1): the attribute is what's wrong
    if not isinstance(node.func, ast.Name):  # 2(x + 1), (x + 1)(x - 1): the learner meant a product
        start = node.func.end_col_offset - 1
        column = start + len(text[start:]) - len(text[start:].lstrip(" )"))
        _fail("only a function's name, like tanh, may come right before ( : did you mean * there?", column, text)
    name = node.func.id
    if name not in _FUNCTIONS:
        known = ", ".join(sorted(_FUNCTIONS))
        _fail(f"unknown function {name!r} (for a product write {name}*( ... )); known functions: {known}", col, text)
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
