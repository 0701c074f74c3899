"""The chain-rule ledger: formulas from the op registry and the arithmetic with actual numbers.

Pure functions returning strings (LaTeX or plain text) and table rows; the page only displays them.
"""

from __future__ import annotations

import re

from engine.formatting import format_array

ARG_NAMES = {1: ("x",), 2: ("a", "b")}


_EXPONENT = re.compile(r"(\d)e([+-])0*(\d+)")


def _tex_num(a) -> str:
    """A number as LaTeX that reads as one number: -2.524e-05 becomes -2.524 × 10⁻⁵ (not "e − 05", which
    KaTeX sets as a subtraction)."""
    text = format_array(a, digits=4, max_items=4).replace("inf", r"\infty").replace("NaN", r"\text{NaN}")
    return _EXPONENT.sub(lambda m: rf"{m[1]} \times 10^{{{'-' if m[2] == '-' else ''}{m[3]}}}", text)


def node_name(node) -> str:
    """How a node is called in prose: its variable name, its value, or 'the + node'."""
    if node.kind == "var":
        return node.label
    if node.kind == "const":
        return f"the constant {format_array(node.value)}"
    return f"the {node.op.symbol} node"


def input_names(node) -> str:
    """'a is the + node, b is z': which node each formula letter stands for."""
    names = ARG_NAMES.get(len(node.parents), tuple(f"x_{i}" for i in range(len(node.parents))))
    return ", ".join(f"{n} is {node_name(p)}" for n, p in zip(names, node.parents, strict=True))


def step_intro(view) -> str:
    """The ledger's first line at this step, in Markdown: what the current node does."""
    if view.forward is not None:
        return (f"**Forward** · {node_name(view.current)} computes its value from its inputs "
                f"({input_names(view.current)}):")
    if view.backward is not None and view.backward.is_leaf:
        return (f"**Backward** · {node_name(view.current)} is an input: its gradient is final, "
                f"**{format_array(view.backward.upstream)}**.")
    if view.backward is not None:
        return (f"**Backward** · {node_name(view.current)} receives upstream **{format_array(view.backward.upstream)}**"
                f" and multiplies it by its local gradients ({input_names(view.backward.node)}):")
    return "Press **Next** to compute the first node, or **End** to see every gradient."


def copy_gate_note(walkthrough, view) -> str | None:
    """At an input used more than once: its gradient is the sum of what every use sent back."""
    parts = walkthrough.contributions(view.current, view)
    if len(parts) < 2:
        return None
    terms = " + ".join(format_array(g) for _, g in parts)
    return (f"**Copy gate** — {view.current.label} is used {len(parts)} times, so the gradients from every use "
            f"add up: {terms} = {format_array(view.backward.upstream)}.")


def forward_formula(step) -> str:
    """LaTeX: the op's formula, then the same with numbers, e.g. ``a + b = 3 + 5 = 8``."""
    op = step.node.op
    numbers = ", ".join(_tex_num(x) for x in step.inputs)
    return rf"{op.latex} \quad\text{{at }} ({numbers}) \;=\; {_tex_num(step.value)}"


def local_formulas(step) -> list[str]:
    """LaTeX per input: the local derivative from the registry, e.g. ``∂out/∂a = b``."""
    op = step.node.op
    names = ARG_NAMES.get(op.arity, tuple(f"x_{i}" for i in range(op.arity)))
    pairs = zip(names, op.local_latex, strict=True)
    return [rf"\frac{{\partial\,\mathrm{{out}}}}{{\partial {n}}} = {tex}" for n, tex in pairs]


def chain_rule_lines(step) -> list[str]:
    """LaTeX per input that needs a gradient: downstream = upstream × local, with the numbers."""
    op = step.node.op
    names = ARG_NAMES.get(op.arity, tuple(f"x_{i}" for i in range(op.arity)))
    lines = []
    for name, parent, local, down in zip(names, step.node.parents, step.local, step.downstream, strict=True):
        if down is None:
            continue
        target = rf"\frac{{\partial L}}{{\partial {name}}}"
        if local is not None:
            lines.append(rf"{target} = \underbrace{{{_tex_num(step.upstream)}}}_{{\text{{upstream}}}}"
                         rf" \times \underbrace{{{_tex_num(local)}}}_{{\text{{local}}}} = {_tex_num(down)}")
        else:  # matmul, reductions, losses: a vector-Jacobian product, not an elementwise product
            lines.append(rf"{target} = {_tex_num(down)} \quad (\text{{shape }} {tuple(parent.shape)})")
    return lines


def arithmetic_text(step, index: int) -> str:
    """Plain text for one input, used when explaining a quiz answer."""
    local, down = step.local[index], step.downstream[index]
    if local is None:
        return f"downstream = {format_array(down)}"
    return (f"downstream = upstream × local = {format_array(step.upstream)} × {format_array(local)}"
            f" = {format_array(down)}")


def ledger_rows(walkthrough, view) -> list[dict[str, str]]:
    """One row per step taken so far, for the table under the graph."""
    rows = []
    for s in walkthrough.forward[: view.step]:
        rows.append({"pass": "forward", "node": s.node.label,
                     "op": s.node.op.name, "value": format_array(s.value), "upstream": "",
                     "local": "", "downstream": "", "note": s.issue or ""})
    taken = max(0, view.step - len(walkthrough.forward))
    for s in walkthrough.backward[:taken]:
        rows.append({"pass": "backward",
                     "node": s.node.label, "op": s.node.op.name if s.node.op else s.node.kind,
                     "value": format_array(s.node.value), "upstream": format_array(s.upstream),
                     "local": ", ".join(format_array(x) for x in s.local if x is not None),
                     "downstream": ", ".join(format_array(x) for x in s.downstream if x is not None),
                     "note": s.issue or s.note or ""})
    return [{"step": str(i + 1), **row} for i, row in enumerate(rows)]


def gradient_check_rows(result) -> list[dict[str, str]]:
    """The gradient check as table rows: each variable's analytic and numerical gradient and the verdict."""
    return [{"variable": v.name, "analytic": format_array(v.analytic), "numerical": format_array(v.numeric),
             "error": f"{v.error:.1e}", "result": "pass ✓" if v.passed else "FAIL ✗"} for v in result.variables]


def graph_in_words(walkthrough, view) -> str:
    """The graph as a reader hears it (a text alternative to the drawing): each node in order, what it
    computes, and its value and gradient once known at this step."""
    lines = [f"Graph of {walkthrough.text}, step {view.step} of {walkthrough.total_steps} ({view.phase})."]
    for node in walkthrough.order:
        inputs = " and ".join(node_name(p) for p in node.parents)
        what = node_name(node) if node.op is None else f"{node_name(node)} ({node.op.name} of {inputs})"
        value = format_array(node.value) if node.id in view.values else "not computed yet"
        grad = f", gradient {format_array(view.grads[node.id])}" if node.id in view.grads else ""
        now = " ← current step" if view.current is not None and node.id == view.current.id else ""
        lines.append(f"- {what}: value {value}{grad}{now}")
    return "\n".join(lines)
