"""What the stepper's controls do to a session, on a plain dict (no Streamlit)."""

from playground.stepper import session
from playground.stepper.state import STEPPER_SPEC, StepperState
from playground.stepper.walkthrough import build_walkthrough

key = STEPPER_SPEC.widget_key


def fresh(state: StepperState) -> dict:
    ss: dict = {}
    session.load(ss, state)
    return ss


def test_reset_starts_a_new_quiz_attempt():
    state = StepperState("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"}, mode="quiz")
    walk = build_walkthrough(state.expr, state.values)
    ss = fresh(state)
    session.go(ss, walk, walk.total_steps)  # End: every question skipped
    assert ss["stepper_quiz"] and all(v.skipped for v in ss["stepper_quiz"].values())
    session.go(ss, walk, 0)
    assert ss["stepper_quiz"] == {} and ss[key("step")] == 0
    session.go(ss, walk, 3)  # the first question is open again, not shown as skipped
    assert session.open_question(ss, walk)


def test_back_keeps_the_answers():
    state = StepperState("x * y", {"x": "2", "y": "3"}, mode="quiz")
    walk = build_walkthrough(state.expr, state.values)
    ss = fresh(state)
    session.go(ss, walk, walk.total_steps)
    answers = dict(ss["stepper_quiz"])
    session.go(ss, walk, 1)
    assert ss["stepper_quiz"] == answers


def test_unreadable_text_keeps_the_step_and_a_new_expression_starts_over():
    ss = fresh(StepperState("x * y", {"x": "2", "y": "3"}, output_grad=5.0, step=4))
    ss[key("expr")] = "x ^^ 2"
    session.example_changed(ss)
    assert ss[key("step")] == 4 and ss[key("output_grad")] == 5.0
    ss[key("expr")] = "x * y + x"
    session.example_changed(ss)
    assert ss[key("step")] == 0 and ss[key("output_grad")] == 1.0 and ss["stepper_note"] is None


def test_play_stops_at_an_open_question_and_at_the_end():
    state = StepperState("x * y", {"x": "2", "y": "3"}, mode="quiz")
    walk = build_walkthrough(state.expr, state.values)
    ss = fresh(state)
    ss["stepper_playing"] = True
    while ss["stepper_playing"]:
        session.play_tick(ss, walk)
    assert session.open_question(ss, walk) and ss[key("step")] == 2  # the × node's question waits
    ss[key("mode")] = "learn"
    ss["stepper_playing"] = True
    while ss["stepper_playing"]:
        session.play_tick(ss, walk)
    assert ss[key("step")] == walk.total_steps


def test_check_with_an_empty_box_grades_nothing_and_keeps_what_was_typed():
    """Enter in the first box submits the quiz form: the step was once graded at once, the second box counted as
    unanswered. Now nothing is graded until every box is filled, or the step is skipped."""
    state = StepperState("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"}, mode="quiz")
    walk = build_walkthrough(state.expr, state.values)
    ss = fresh(state)
    ss["stepper_quiz"] = {}
    at = next(k for k in range(walk.total_steps + 1) if session.open_question({**ss, key("step"): k}, walk))
    session.go(ss, walk, at)
    targets, step = session.open_question(ss, walk), walk.view(at).backward
    assert len(targets) == 2
    ss[session.guess_key(at, targets[0])] = -4.0  # typed, then Enter
    session.answer(ss, at, step, targets, skipped=False)
    assert ss["stepper_quiz"] == {} and session.open_question(ss, walk) == targets
    assert session.unfilled_prompt(ss, at) == "Fill the empty box, or Skip this step."
    assert ss[session.guess_key(at, targets[0])] == -4.0
    ss[session.guess_key(at, targets[0])] = None
    session.answer(ss, at, step, targets, skipped=False)
    assert session.unfilled_prompt(ss, at) == "Fill the 2 empty boxes, or Skip this step."
    session.answer(ss, at, step, targets, skipped=True)  # Skip: the explicit way not to answer
    assert ss["stepper_quiz"][at].skipped and session.unfilled_prompt(ss, at) is None


def test_a_full_check_is_graded_and_the_prompt_is_gone():
    state = StepperState("x * y", {"x": "2", "y": "3"}, output_grad=5.0, mode="quiz")
    walk = build_walkthrough(state.expr, state.values, state.output_grad)
    ss = fresh(state)
    session.go(ss, walk, 2)
    targets, step = session.open_question(ss, walk), walk.view(2).backward
    ss[session.guess_key(2, targets[0])] = 15.0
    session.answer(ss, 2, step, targets, skipped=False)
    assert session.unfilled_prompt(ss, 2) == "Fill the empty box, or Skip this step."
    session.go(ss, walk, 1)  # leaving the step: its prompt goes
    assert session.unfilled_prompt(ss, 2) is None
    session.go(ss, walk, 2)
    ss[session.guess_key(2, targets[1])] = 10.0
    session.answer(ss, 2, step, targets, skipped=False)
    assert ss["stepper_quiz"][2].points == 2 and session.unfilled_prompt(ss, 2) is None
