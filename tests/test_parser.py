"""The safe parser: what it accepts, what it refuses, and that it never does anything else."""

import os
import time
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import ParseError, parse
from engine.parser import MAX_DEPTH, MAX_LENGTH

HOSTILE = [
    "__import__('os')", "x.__class__", "lambda: 1", "[x]", "x if y else z", "9**9**9",
    "(" * 10_000 + "x" + ")" * 10_000, "x" * 1_000_000, "foo(x)", "", "   ", "x ^ 2",
    "exec('1')", "(x).real", "x[0]", "{x: 1}", "{x}", "x, y", "x == y", "x and y", "not x",
    "~x", "x := 1", "f'{x}'", "'a'", "b'a'", "True", "None", "...", "1j", "x\ny", "x # c",
    "sum(x for x in y)", "max(*x)", "tanh(x=1)", "x.__globals__", "().__class__", "x +",
    "(x + 1", "x)", "1e999", "x**1e9", "2**(3**7)", "x\x00", "x²", "x  ++", "exp", "x = 1",
    "__builtins__", "print(x)", "getattr(x, 'y')", "1 @ 2", "transpose(3) @ 4", "[" * 100 + "]" * 100,
    "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), "-" * 500 + "x",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_inputs_are_refused_with_a_column(text):
    with pytest.raises(ParseError) as info:
        parse(text)
    err = info.value
    assert 0 <= err.column <= max(len(text), MAX_LENGTH)
    assert err.message
    lines = err.format().splitlines()
    assert lines[1].endswith("^") and lines[-1] == err.message


@pytest.mark.parametrize("text,column", [
    ("x ^ 2", 2), ("x + foo(y)", 4), ("(x + 1", 0), ("x + y)", 5), ("  x + [y]", 6), ("x * 1e999", 4),
    ("x $ 2", 2),
])
def test_columns_point_at_the_problem(text, column):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.column == column


def test_caret_hint_for_xor():
    with pytest.raises(ParseError, match=r"\*\*"):
        parse("x ^ 2")


@pytest.mark.parametrize("text,variables", [
    ("(x + y) * z", ("x", "y", "z")), ("w1 * x + b_2", ("w1", "x", "b_2")), ("-x + +y", ("x", "y")),
    ("sigmoid(w0*x0 + w1*x1 + w2)", ("w0", "x0", "w1", "x1", "w2")), ("x ** 2 / 3", ("x",)),
    ("max(a, b) - min(a, b)", ("a", "b")), ("sum(W @ x)", ("W", "x")), ("sin(pi * x)", ("x",)),
    ("  x  ", ("x",)), ("2 ** x ** 2", ("x",)), ("0x10 * x", ("x",)), ("1_000 * x", ("x",)),
])
def test_accepted_expressions(text, variables):
    assert parse(text).variables == variables


def test_literals_are_floats():
    root, _ = parse("7 / 2").build({})
    assert float(root.value) == 3.5


def test_build_reports_shape_errors_with_column():
    expression = parse("a + b")
    with pytest.raises(ParseError) as info:
        expression.build({"a": [1, 2, 3], "b": [1, 2]})
    assert info.value.column == 2


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_raises_only_parse_error(text):
    try:
        parse(text)
    except ParseError:
        pass


_ALPHABET = list("xyz0123456789+-*/@()^., []{}:'\"_=<>!&|~") + [
    "**", "tanh(", "max(", "sum(", "lambda", "__import__", "__class__", "exp(", "if", "else", "for",
    "in", "1e308", "9**9", "not", "and", " ",
]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join))
def test_token_soup_raises_only_parse_error_and_is_fast(text):
    start = time.perf_counter()
    try:
        expression = parse(text)
        expression.build({name: 0.5 for name in expression.variables})
    except ParseError:
        pass
    except Exception as e:  # building may refuse values, but only with the engine's own error
        from engine import EngineError
        assert isinstance(e, EngineError), repr(e)
    assert time.perf_counter() - start < 1.0


def test_nothing_executes(tmp_path):
    sentinel = tmp_path / "pwned"
    payloads = [f"__import__('os').system('touch {sentinel}')",
                f"open('{sentinel}', 'w')", f"exec(\"open('{sentinel}','w')\")"]
    for text in payloads:
        with pytest.raises(ParseError):
            parse(text)
    assert not os.path.exists(sentinel)


@pytest.mark.parametrize("text", ["'\\@'", "1x", "'\\d' + x"])
def test_no_python_warning_escapes_the_parser(text):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ParseError):
            parse(text)
    assert not caught, [str(w.message) for w in caught]
