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
