"""What the chain-rule ledger says at one step, as a list of blocks the page draws in order: ("markdown", text),
("latex", tex), ("caption" | "info" | "success" | "warning" | "error", text). Every rule of what is said,
and what stays hidden while a quiz question is open, is here, tested without a page."""

from __future__ import annotations

from collections.abc import Callable

from . import ledger

Block = tuple[str, str]


def step_blocks(walkthrough, view, escape: Callable[[str], str], answered=None, hidden: bool = False) -> list[Block]:
    """The ledger at ``view``: its first line, the formulas, the arithmetic (not while ``hidden``: a quiz question
    is open), the verdict on the learner's ``answered`` question, and the gate pattern, convention or issue. Every
    text block is Markdown in which ``escape`` has made what came from the learner (names, numbers, the
    verdict's echo of their answers) literal."""
    blocks: list[Block] = [("markdown", ledger.step_intro(view, escape))]
    if view.forward is not None:
        return [*blocks, ("latex", ledger.forward_formula(view.forward))]
    step = view.backward
    if step is None:
        return blocks
    if step.is_leaf:
        copies = ledger.copy_gate_note(walkthrough, view, escape)
        return [*blocks, ("info", copies)] if copies else blocks
    blocks += [("latex", tex) for tex in ledger.local_formulas(step)]
    blocks += [("caption", escape(note)) for note in ledger.step_notes(step)]
    if not hidden:
        blocks += [("latex", tex) for tex in ledger.chain_rule_lines(step) + ledger.jacobian_lines(step)]
        if answered is not None:
            blocks.append(("success" if answered.all_right else "warning", escape(answered.text)))
    if step.node.op.gate:
        blocks.append(("info", f"**Gate pattern** — {step.node.op.gate}."))
    if step.note:  # a kink or a tie decided a local gradient here: say which convention
        blocks.append(("info", f"**Convention** — {escape(step.note)}"))
    if step.issue:
        blocks.append(("error", escape(f"⚠ {step.issue}")))
    return blocks
