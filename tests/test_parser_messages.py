"""The parser's refusals say what is wrong, in words, at the right column (issue 15, messages that mislead).

A flat chain is one level, however long; only real nesting (brackets, functions, signs) is "too deeply
nested". Every refused operator or construct is named as the learner typed it, never by Python's
internal class name (BinOp, BitAnd, ...).
"""

import ast
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import ParseError, parse
from engine.limits import MAX_DEPTH, MAX_LENGTH, MAX_TERMS

# Every node class name of Python's ast module (BinOp, BitAnd, Compare, ...): none may reach a learner.
# (Its lower-case abstract classes, operator, expr, slice, are ordinary words.)
AST_NAMES = sorted(n for n in dir(ast) if isinstance(getattr(ast, n), type) and issubclass(getattr(ast, n), ast.AST)
                   and n[0].isupper() and n != "AST")
AST_NAME = re.compile(r"\b(" + "|".join(AST_NAMES) + r")\b")


def refusal(text: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse(text)
    return info.value


def flat_sum(terms: int) -> str:
    """x + x + ... with exactly ``terms`` parser terms (names and operators), the most the limit allows."""
    return " + ".join(["x"] * ((terms + 1) // 2))


@pytest.mark.parametrize("terms", [61, 121, MAX_TERMS - 1])
def test_a_flat_sum_up_to_the_term_limit_parses(terms):
    text = flat_sum(terms)
    assert len(text) <= MAX_LENGTH
    assert parse(text).size == terms


def test_a_flat_sum_of_distinct_names_parses():
    text = " + ".join(f"x{i}" for i in range(61))
    assert len(parse(text).variables) == 61


@pytest.mark.parametrize("text", [
    " * ".join(["x"] * 150), " - ".join(["x"] * 150), "x" + " ** x" * 100, " / ".join(["x"] * 150),
    " + ".join(["a*b"] * 80), " - ".join(["(x + y)"] * 60),
])
def test_long_chains_of_one_precedence_are_not_deep(text):
    parse(text)


def test_one_term_over_the_limit_is_too_large_not_too_deep():
    err = refusal(flat_sum(MAX_TERMS + 1))
    assert "too large" in err.message and "nested" not in err.message


@pytest.mark.parametrize("text", [
    "-" * (MAX_DEPTH + 1) + "x", "sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
    "x" + " ** -x" * 31,  # a sign inside each power: each level is a real one
    "sin(" * 30 + "-" * 31 + "x" + ")" * 30,  # fewer brackets than the limit, still nested beyond it
    "x" + " * (x + -x" * 31 + ")" * 31,  # alternating precedence: each level is a real one
])
def test_genuinely_deep_nesting_is_refused(text):
    assert "too deeply nested" in refusal(text).message


def test_the_nesting_limit_is_exactly_the_limit():
    parse("-" * (MAX_DEPTH - 1) + "x")
    parse("sin(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1))


@pytest.mark.parametrize("text,words,column", [
    ("x & y", "& is not an operator here; did you mean * ?", 2),
    ("x ^ 2", "use ** for powers", 2),
    ("x | y", "| is not an operator here", 2),
    ("x % 2", "% is not an operator here", 2),
    ("x // y", "did you mean / ?", 2),
    ("x << 1", "<< is not an operator here", 2),
    ("x >> 1", ">> is not an operator here", 2),
    ("~x", "~ is not an operator here", 0),
    ("not x", "not is not an operator here", 0),
    ("x and y", "and is not an operator here", 2),
    ("x or y", "or is not an operator here", 2),
    ("x  ==  y", "== is a comparison", 3),
    ("x < y", "< is a comparison", 2),
    ("x is y", "is is a comparison", 2),
    ("x.real", "attribute", 1),
    ("(x).real", "attribute", 3),
    ("x[0]", "indexing", 1),
    ("x, y", "a comma is not allowed", 1),
    ("{x}", "curly brackets", 0),
    ("{x: 1}", "curly brackets", 0),
    ("[x]", "lists are not allowed", 0),
    ("x if y else z", "conditional expressions", 0),
    ("lambda: 1", "lambda is not allowed", 0),
    ("(x := 1)", "assignment (:=)", 1),
    ("sum(x for x in y)", "comprehension", 3),
    ("'a'", "text in quotes", 0),
    ("f'{x}'", "text in quotes", 0),
    ("True", "True is not a number", 0),
    ("None", "None is not a number", 0),
    ("1j", "imaginary numbers", 0),
    ("x $ 2", "$ is not an operator here", 2),
    ("x ? 1", "? is not an operator here", 2),
    ("x; y", "type one expression", 1),
    ("x \\ 2", "did you mean / ?", 2),
    ("x!", "! is not an operator here", 1),
    ("x y", "two values side by side", 2),
    ("x + 2y", "a number runs into a name", 5),
    ("x = 1", "= is not allowed", 2),
    ("2(x + 1)", "did you mean * there?", 1),
    ("(x + 1)(x - 1)", "did you mean * there?", 7),
    ("x.y(1)", "attribute", 1),
    ("foo(x)", "unknown function 'foo'", 0),
])
def test_each_refusal_names_the_construct_in_words_at_its_column(text, words, column):
    err = refusal(text)
    assert words in err.message
    assert err.column == column
    assert not AST_NAME.search(err.message), err.message


def test_python_suggestions_we_refuse_are_not_repeated():
    # Python suggests a comma for "x y" and == for "x = 1": both are refused here, so neither is suggested
    assert "comma" not in refusal("x y").message
    assert "==" not in refusal("x = 1").message


TOKENS = list("xyz0123456789+-*/@()^., []{}:;'\"_=<>!&|~%$?`\\") + [
    "**", "//", "<<", ">>", "==", "!=", "tanh(", "max(", "sum(", "lambda", "if", "else", "for", "in", "not",
    "and", "or", "is", "True", "None", "1j", "...", " ",
]


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_no_refusal_uses_python_internal_names(text):
    try:
        parse(text)
    except ParseError as err:
        assert err.message and not AST_NAME.search(err.message), (text, err.message)
        assert 0 <= err.column <= len(text)


# Symbols a learner copies from a lesson or from the page's own formulas (3 − 1, x · y): read as they mean.
@pytest.mark.parametrize("typed,means", [
    ("x \u2212 y", "x - y"), ("x \u00d7 y", "x * y"), ("x \u00b7 y", "x * y"), ("x \u22c5 y", "x * y"),
    ("x \u00f7 y", "x / y"), ("x\u00a0+\u00a0y", "x + y"), ("(x \u2212 y) \u00d7 (x \u2013 1)", "(x - y) * (x - 1)"),
])
def test_symbols_from_lessons_read_as_the_operator_they_mean(typed, means):
    expression, reference = parse(typed), parse(means)
    assert expression.text == typed  # shown as typed
    assert expression.variables == reference.variables
    node, leaves = expression.build({"x": 3.0, "y": 2.0})
    expected, _ = reference.build({"x": 3.0, "y": 2.0})
    assert float(node.value) == float(expected.value)


def test_an_error_after_a_copied_symbol_points_into_the_text_as_typed():
    err = refusal("x \u2212 y ** ^ 2")
    assert err.text == "x \u2212 y ** ^ 2"
    assert err.text[err.column] in "^*"


@pytest.mark.parametrize("typed,column,hint", [
    ("x\u00b2", 1, "x**2"), ("\u03c3(x)", 0, "sigmoid(x)"), ("\u221ax", 0, "sqrt(x)"), ("2*\u03c0*x", 2, "pi"),
    ("x\u00b3 + 1", 1, "x**3"), ("\u2211v", 0, "sum(v)"), ("x # why", 2, "no comments"),
])
def test_textbook_symbols_say_what_to_type_instead(typed, column, hint):
    err = refusal(typed)
    assert err.column == column and hint in err.message
    assert typed[column] in err.message or typed[column] == "#"


def test_an_unknown_symbol_is_named_and_the_echo_keeps_it():
    err = refusal("a \u2192 b")
    assert "\u2192" in err.message and "x * (y + 1)" in err.message
    shown, caret = err.format().splitlines()[:2]
    assert shown == "a \u2192 b" and caret.index("^") == 2


def test_an_invisible_character_is_named_by_its_code_point():
    err = refusal("x\u200b+ y")
    assert "U+200B" in err.message and err.column == 1


def test_e_is_eulers_number_as_pi_is_pi():
    node, leaves = parse("e ** x").build({"x": 2.0})
    assert leaves.keys() == {"x"}
    assert float(node.value) == pytest.approx(7.38905609893065, rel=1e-15)


def test_an_empty_surface_function_suggests_one_the_surface_lab_can_draw():
    """The hint for an empty box was the stepper's (x + y) * z, and a surface has no z (the labs' review)."""
    import re

    from engine import ParseError, parse
    from labs.surfaces import surface_expression

    with pytest.raises(ParseError) as empty:
        parse("")
    example = re.search(r"for example (.+)$", empty.value.message)[1]
    surface_expression(example)  # raises if the surface lab could not draw it
