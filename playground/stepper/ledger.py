"""The chain-rule ledger: formulas from the op registry and the arithmetic with actual numbers.

Pure functions returning strings (LaTeX or plain text) and table rows; the page only displays them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np

from engine.formatting import describe_shape, format_array, format_shape, readable, readable_array
from engine.graph import jacobian

MAX_JACOBIAN_SIDE = 6  # input or output entries: beyond this the matrix is too big to read
MAX_DRAWN_NODES = 150  # beyond this a graph is unreadable, and its layout keeps a browser tab busy for minutes


def too_big_to_draw(nodes: int, left_out: int) -> str:
    return (f"This graph has {nodes:,} nodes, too many to draw legibly (the page draws up to {MAX_DRAWN_NODES}): "
            f"drawn below is the current node with its inputs and the nodes that use it ({left_out:,} others "
            "left out). Step through it with the ledger; “The graph in words” says what the graph is made of.")

_EXPONENT = re.compile(r"(\d)e([+-])0*(\d+)")


def _tex_num(a) -> str:
    """A number as LaTeX that reads as one number: -2.524e-05 becomes -2.524 × 10⁻⁵ (not "e − 05", which
    KaTeX sets as a subtraction). A small matrix is set as one, row under row."""
    if np.ndim(a) == 2 and max(np.shape(a)) <= MAX_JACOBIAN_SIDE:
        return _bmatrix(np.asarray(a))
    text = format_array(a, digits=4, max_items=4).replace("inf", r"\infty").replace("NaN", r"\text{NaN}")
    return _EXPONENT.sub(lambda m: rf"{m[1]} \times 10^{{{'-' if m[2] == '-' else ''}{m[3]}}}", text)


_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NAMED_INDEX = re.compile(r"([A-Za-z]+)(\d+)")


def node_name(node) -> str:
    """How a node is called in prose: its variable name, its value, or 'q₁, the + node'."""
    if node.kind == "var":
        return node.label
    if node.kind == "const":
        return f"the constant {readable_array(node.value)}"
    return f"{node.label}, the {node.op.symbol} node"


def tex_name(node) -> str:
    """How a node is called in formulas: w0 as w₀, q₁ as q₁, a constant by its value, a long name upright."""
    if node.kind == "const":  # a negative number in brackets, so -2 squared is not read as -(2²)
        return f"({_tex_num(node.value)})" if node.value.ndim == 0 and node.value < 0 else _tex_num(node.value)
    label = node.label.translate(_SUBSCRIPT_DIGITS)
    if m := _NAMED_INDEX.fullmatch(label):
        return f"{m[1]}_{{{m[2]}}}" if len(m[1]) == 1 else rf"\mathit{{{m[1]}}}_{{{m[2]}}}"
    return label if len(label) == 1 else r"\mathit{" + label.replace("_", r"\_") + "}"


def in_names(tex: str, op, inputs) -> str:
    """The registry's formula ``tex`` with its argument letters (op.args: a, b, x, A, …) replaced by the names
    of the actual ``inputs``, each in braces so subscripts and powers stay attached (a_i → {x}_i)."""
    names = dict(zip(op.args, (tex_name(p) for p in inputs), strict=True))
    letters = re.compile(r"(?<![\\A-Za-z])(" + "|".join(op.args) + r")(?![A-Za-z])")
    return letters.sub(lambda m: "{" + names[m[1]] + "}", tex)


def step_intro(view, escape: Callable[[str], str]) -> str:
    """The ledger's first line at this step, in Markdown: what the current node does. ``escape`` makes the
    learner's variable names literal text (``_a_`` is a name, not italics)."""
    name = escape(node_name(view.current)) if view.current is not None else ""
    if view.forward is not None:
        return f"**Forward** · {name} computes its value from its inputs:"
    if view.backward is not None and view.backward.is_leaf:
        return (f"**Backward** · {name} is an input: its gradient is final, "
                f"**{readable_array(view.backward.upstream)}**.")
    if view.backward is not None:
        return (f"**Backward** · {name} receives upstream "
                f"**{readable_array(view.backward.upstream)}** and multiplies it by its local gradients:")
    return "Press **Next** to compute the first node, or **End** to see every gradient."


def copy_gate_note(walkthrough, view, escape: Callable[[str], str]) -> str | None:
    """At an input used more than once, in Markdown: its gradient is the sum of what every use sent back."""
    parts = walkthrough.contributions(view.current, view)
    if len(parts) < 2:
        return None
    terms = readable_array(parts[0][1])
    for _, g in parts[1:]:  # 3 − 1, not 3 + -1
        negative = np.ndim(g) == 0 and g < 0
        terms += f" − {readable_array(-g)}" if negative else f" + {readable_array(g)}"
    return ("**Copy gate** — " + escape(f"{view.current.label} is used {len(parts)} times, so the gradients from "
            f"every use add up: {terms} = {readable_array(view.backward.upstream)}."))


def forward_formula(step) -> str:
    """LaTeX: the node's formula in its inputs' names, its value, and the inputs' values, e.g.
    ``q₁ = x + y = 3  (x = -2, y = 5)``."""
    node = step.node
    known = [rf"{tex_name(p)} = {_tex_num(x)}" for p, x in zip(node.parents, step.inputs, strict=True)
             if p.kind != "const"]
    where = r"\qquad (" + r",\ ".join(known) + ")" if known else ""
    formula = in_names(node.op.latex, node.op, node.parents)
    if node.value.ndim:  # for arrays, a · would read as a dot product: the product is entry by entry
        formula = formula.replace(r"\cdot", r"\odot")
    return rf"{tex_name(node)} = {formula} = {_tex_num(step.value)}{where}"


BAR_G = r"\bar{G}"  # the upstream gradient in matrix rules (matmul, transpose, reshape)


def local_formulas(step) -> list[str]:
    """LaTeX per input that needs a gradient: the local derivative from the registry in the inputs' names, e.g.
    ``∂q₁/∂x = y``. A rule written with the upstream Ḡ (matmul, transpose, reshape) gives ∂L/∂input itself."""
    node = step.node
    lines = []
    for parent, tex in zip(node.parents, node.op.local_latex, strict=True):
        if not parent.requires_grad:  # a constant's derivative (x ** 2: none for the 2) would only distract
            continue
        top, rule = "L" if BAR_G in tex else tex_name(node), in_names(tex, node.op, node.parents)
        lines.append(rf"\frac{{\partial {top}}}{{\partial {tex_name(parent)}}} = {rule}")
    return lines


def upstream_note(step) -> str | None:
    """What Ḡ stands for, where the node's rules use it."""
    if not any(BAR_G in tex for tex in step.node.op.local_latex):
        return None
    return (f"Ḡ = ∂L/∂{step.node.label}, the upstream gradient: {describe_shape(step.node.shape)}, the node's "
            "own shape. A matrix node has no elementwise local gradient, so its rule "
            "gives each input's gradient from Ḡ directly.")


def chain_rule_lines(step) -> list[str]:
    """LaTeX per input that needs a gradient: downstream = upstream × local, with the numbers (for matmul,
    reductions and losses, a vector-Jacobian product, just the result)."""
    lines = []
    for parent, local, down in zip(step.node.parents, step.local, step.downstream, strict=True):
        if down is None:
            continue
        target = rf"\frac{{\partial L}}{{\partial {tex_name(parent)}}}"
        if local is not None:
            lines.append(rf"{target} = \underbrace{{{_tex_num(step.upstream)}}}_{{\text{{upstream}}}}"
                         rf" \times \underbrace{{{_tex_num(local)}}}_{{\text{{local}}}} = {_tex_num(down)}")
        elif not _shows_jacobian(step.node, parent):  # else jacobian_lines writes it as J · upstream
            lines.append(rf"{target} = {_tex_num(down)} \quad (\text{{{describe_shape(parent.shape)}}})")
    return lines


def _bmatrix(a) -> str:
    rows = a.reshape(a.shape[0], -1) if a.ndim else a.reshape(1, 1)
    body = r" \\ ".join(" & ".join(_tex_num(v) for v in row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def _structure(j) -> str:
    n, m = j.shape
    if n == m and not np.any(j - np.diag(np.diag(j))):
        return "diagonal"
    if m == 1:
        return "one column (a sum)"
    if n == 1:
        return "one row (shared)"
    return f"{np.count_nonzero(j)} of {n * m} nonzero"


JACOBIAN_NOTE = ("J is written as in the course notes: row i for the input's entry i, column j for the output's "
                 "entry j (the transpose of the layout many books use), so ∂L/∂input = J · upstream, in the "
                 "input's shape. Diagonal: output j depends on input j alone, as for an elementwise op.")


def _shows_jacobian(node, parent) -> bool:
    """Whether the ledger writes out this input's Jacobian: some side a vector, none too long to read."""
    n, m = parent.value.size, node.value.size
    return n * m > 1 and max(n, m) <= MAX_JACOBIAN_SIDE


def step_notes(step) -> list[str]:
    """What the symbols in this step's formulas stand for: Ḡ, and the Jacobians' layout when they are shown."""
    jacobians = any(d is not None and _shows_jacobian(step.node, p)
                    for p, d in zip(step.node.parents, step.downstream, strict=True))
    return [note for note in (upstream_note(step), JACOBIAN_NOTE if jacobians else None) if note]


def jacobian_lines(step) -> list[str]:
    """LaTeX, for a node with vector inputs or output small enough to read: each input's n × m Jacobian J
    (row i: the input's entry i, column j: the output's entry j) and ∂L/∂input = J · ∂L/∂output, which has
    the input's shape."""
    node, lines = step.node, []
    m = node.value.size
    for i, (parent, down) in enumerate(zip(node.parents, step.downstream, strict=True)):
        n = parent.value.size
        if down is None or not _shows_jacobian(node, parent):
            continue
        j = jacobian(node, i)
        inp = tex_name(parent)
        lines.append(rf"\frac{{\partial {tex_name(node)}}}{{\partial {inp}}} = {_bmatrix(j)}_{{{n} \times {m}}}"
                     rf"\quad \text{{{_structure(j)}}}")
        lines.append(rf"\begin{{aligned}} \frac{{\partial L}}{{\partial {inp}}} &= J \cdot "
                     rf"{_bmatrix(np.reshape(step.upstream, (m, 1)))} \\ &= \underbrace{{{_tex_num(down)}}}_"
                     rf"{{\text{{the shape of }} {inp}\text{{: {format_shape(parent.shape)}}}}} \end{{aligned}}")
    return lines


def arithmetic_text(step, index: int) -> str:
    """Plain text for one input, used when explaining a quiz answer."""
    local, down = step.local[index], step.downstream[index]
    if local is None:
        return f"downstream = {readable_array(down)}"
    return (f"downstream = upstream × local = {readable_array(step.upstream)} × {readable_array(local)}"
            f" = {readable_array(down)}")


def gradient_check_rows(result) -> list[dict[str, str]]:
    """The gradient check as table rows: each variable's analytic and numerical gradient (at the entries compared,
    when not all of them) and the verdict."""
    rows = []
    for v in result.variables:
        at = slice(None) if v.checked is None else list(v.checked)
        entries = (f"all {v.analytic.size}" if v.checked is None else f"{len(v.checked)} of {v.analytic.size}: "
                   + ", ".join(str(i + 1) for i in v.checked))
        rows.append({"variable": v.name, "entries compared": entries,
                     "analytic": readable_array(np.ravel(v.analytic)[at] if v.checked else v.analytic),
                     "numerical": readable_array(np.ravel(v.numeric)[at] if v.checked else v.numeric),
                     "error": readable(v.error, 2) if v.defined else "—", "result": _verdict(v)})
    return rows


def _verdict(check) -> str:
    if not check.defined:
        return "no check: f is NaN/inf within h of here"
    return "pass ✓" if check.passed else "FAIL ✗"


def gradient_check_note(result) -> str | None:
    """What the check could not compare: entries left out over its budget, and variables where f is NaN/inf
    within h of the point, so central differences give no number."""
    notes = []
    if sampled := [v for v in result.variables if v.checked is not None]:
        notes.append(f"Comparing every entry would take more node evaluations than one check may, so for "
                     f"{len(sampled)} of the {len(result.variables)} variables it compares the entries listed, evenly "
                     "spread (entry 1 is the first).")
    if undefined := [v.name for v in result.variables if not v.defined]:
        notes.append(f"Central differences need f to be a number on both sides of the point; here f is NaN or inf "
                     f"within h, so {' and '.join(undefined)} {'has' if len(undefined) == 1 else 'have'} nothing to "
                     "be checked against. A gradient that passed through a NaN is no slope of anything.")
    return " ".join(notes) or None


def graph_in_words(walkthrough, view, nodes=None) -> str:
    """The graph as a reader hears it (a text alternative to the drawing): each node in order, what it
    computes, and its value and gradient once known at this step. With ``nodes`` (a graph too big to draw
    whole), what the graph is made of, then only those nodes, the ones drawn."""
    lines = [f"Graph of {walkthrough.text}, step {view.step} of {walkthrough.total_steps} ({view.phase})."]
    if nodes is not None:
        lines.append(f"{len(walkthrough.order):,} nodes: {graph_makeup(walkthrough.order)}. Drawn and described "
                     f"here: the {len(nodes)} around the current node.")
    for node in walkthrough.order if nodes is None else nodes:
        inputs = " and ".join(node_name(p) for p in node.parents)
        what = node_name(node) if node.op is None else f"{node_name(node)} ({node.op.name} of {inputs})"
        value = readable_array(node.value) if node.id in view.values else "not computed yet"
        grad = f", gradient {readable_array(view.grads[node.id])}" if node.id in view.grads else ""
        now = " ← current step" if view.current is not None and node.id == view.current.id else ""
        lines.append(f"- {what}: value {value}{grad}{now}")
    return "\n".join(lines)


def graph_makeup(order) -> str:
    """How many nodes of each kind, in order of first use: 64 variables, 197 add nodes, 1 sum node."""
    counts = Counter(f"{n.op.name} node" if n.op else {"var": "variable", "const": "constant"}[n.kind] for n in order)
    return ", ".join(f"{k:,} {what}{'s' if k > 1 else ''}" for what, k in counts.items())
