"""Text that comes from the learner or a link, as the stepper shows it: never read as Markdown, never cut short
before it is judged."""

import re

from engine.limits import MAX_LENGTH
from playground.common.page import plain
from playground.stepper import quiz
from playground.stepper.explain import step_blocks
from playground.stepper.state import STEPPER_SPEC
from playground.stepper.walkthrough import build_walkthrough
from tests.apptest import open_page

UNESCAPED_UNDERSCORE = re.compile(r"(?<!\\)_")  # names are letters, digits and _: only _ can be Markdown in them


def test_every_ledger_block_shows_the_learners_names_as_typed():
    """`_a_` is a valid name, and Markdown made it an italic "a" in the ledger's first line and the copy-gate
    note; a NaN input's issue and a quiz verdict echo it too."""
    walk = build_walkthrough("_a_ * _a_ + b_", {"_a_": "nan", "b_": "3"})
    seen = set()
    for k in range(walk.total_steps + 1):
        view = walk.view(k)
        targets = quiz.quiz_targets(view, "quiz")
        answered = quiz.score(view.backward, targets, dict.fromkeys(targets, 1.0)) if targets else None
        for kind, body in step_blocks(walk, view, plain, answered):
            if kind != "latex":
                assert not UNESCAPED_UNDERSCORE.search(body), (k, kind, body)
                seen.add(kind)
    assert {"markdown", "info", "warning"} <= seen  # the intro, the copy gate, a verdict: each was checked


def test_the_page_escapes_names_in_its_ledger_and_alerts():
    at = open_page("stepper/view.py", expr="_a_ * b_", at="_a_=nan;b_=3", step="4")
    shown = [m.value for m in at.markdown] + [e.value for e in at.error]
    assert any("\\_a\\_ is an input" in text for text in shown), shown
    assert any("first appears at \\_a\\_" in text for text in shown), shown


LONG = "x+" * 2999 + "x"  # 5,999 characters


def test_a_long_link_expression_is_reported_at_its_real_length():
    """The link's text was cut to 1,001 characters before parsing, so the warning said "1001 characters"."""
    state, warnings = STEPPER_SPEC.from_query({"expr": LONG})
    assert state.expr == STEPPER_SPEC.state().expr
    assert len(warnings) == 1 and f"{len(LONG):,} characters; the limit is {MAX_LENGTH:,}" in warnings[0]


def test_a_long_typed_expression_is_reported_at_its_real_length():
    at = open_page("stepper/view.py")
    box = at.text_input(key="stepper_expr")
    assert not box.max_chars or box.max_chars >= len(LONG)  # the box does not cut what is pasted (0: no limit)
    box.input(LONG).run()
    shown = [c.value for c in at.code]
    assert any(f"expression too long ({len(LONG):,} characters" in text for text in shown), shown
