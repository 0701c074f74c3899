"""What the stepper's controls do to a session, on a plain dict (no Streamlit)."""

import pytest

from playground.common.palette import LIGHT
from playground.stepper import player, session
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


def playing(state: StepperState) -> dict:
    """A session just after Play was pressed."""
    ss = fresh(state)
    session.set_playing(ss, True)
    return ss


def classic_playing():
    """The classic circuit's walkthrough, and a session just after Play was pressed at its step 1."""
    state = StepperState("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"}, step=1)
    return build_walkthrough(state.expr, state.values), playing(state)


def sends(ss: dict, step, then: str, play=None) -> None:
    """What the player in the browser sends: the step on its screen, and what the learner did."""
    ss[session.PLAYER_KEY] = {"reached": {"play": ss["stepper_play_id"] if play is None else play, "step": step,
                                          "then": then}}


def test_pause_in_the_browser_stops_at_the_step_the_player_shows():
    walk, ss = classic_playing()
    sends(ss, 4, "pause")
    session.play_reached(ss, walk)
    assert ss[key("step")] == 4 and not ss["stepper_playing"]
    session.set_playing(ss, True)
    sends(ss, 2, "pause")  # Play only goes forward: not a step the page has left behind
    session.play_reached(ss, walk)
    assert ss[key("step")] == 4 and not ss["stepper_playing"]


def test_back_and_next_in_the_browser_go_from_the_step_the_player_shows():
    walk, ss = classic_playing()
    sends(ss, 4, "next")
    session.play_reached(ss, walk)
    assert ss[key("step")] == 5 and not ss["stepper_playing"]
    session.set_playing(ss, True)
    sends(ss, 6, "back")
    session.play_reached(ss, walk)
    assert ss[key("step")] == 5 and not ss["stepper_playing"]


def test_half_way_through_a_batch_the_page_moves_on_and_keeps_playing():
    walk, ss = classic_playing()
    sends(ss, 3, "more")
    session.play_reached(ss, walk)
    assert ss[key("step")] == 3 and ss["stepper_playing"]
    sends(ss, walk.total_steps, "more")  # nothing is left to draw: Play is over
    session.play_reached(ss, walk)
    assert ss[key("step")] == walk.total_steps and not ss["stepper_playing"]


def test_what_an_earlier_play_sent_changes_nothing():
    walk, ss = classic_playing()
    session.set_playing(ss, False)
    session.set_playing(ss, True)  # a second press of Play
    sends(ss, 5, "pause", play=ss["stepper_play_id"] - 1)
    session.play_reached(ss, walk)
    assert ss[key("step")] == 1 and ss["stepper_playing"]
    session.set_playing(ss, False)
    sends(ss, 5, "pause")  # Pause on the page's own button came first
    session.play_reached(ss, walk)
    assert ss[key("step")] == 1


def test_the_player_cannot_take_the_page_past_a_question_or_back_from_where_it_started():
    state = StepperState("x * y", {"x": "2", "y": "3"}, output_grad=5.0, mode="quiz")
    walk = build_walkthrough(state.expr, state.values, state.output_grad)
    ss = playing(state)
    sends(ss, walk.total_steps, "pause")  # the question at step 2 waits for an answer
    session.play_reached(ss, walk)
    assert ss[key("step")] == 2 and session.open_question(ss, walk) and ss["stepper_quiz"] == {}
    ss[key("step")] = 1
    session.set_playing(ss, True)
    sends(ss, 1, "next")  # Next at the step before the question: to the question, still open
    session.play_reached(ss, walk)
    assert ss[key("step")] == 2 and session.open_question(ss, walk)
    session.set_playing(ss, True)
    sends(ss, 2, "next")  # at an open question Next does nothing, as the page's disabled Next
    session.play_reached(ss, walk)
    assert ss[key("step")] == 2 and session.open_question(ss, walk)


def test_the_frames_are_drawn_once_per_play_and_step():
    if not player.available():
        pytest.skip("the frames are drawn by Graphviz's dot")
    walk, ss = classic_playing()
    ss["stepper_speed"] = "normal"
    first = session.player_data(ss, walk, LIGHT)
    assert [f["step"] for f in first["frames"]] == list(range(1, walk.total_steps + 1))
    ss["stepper_speed"] = "fast"  # a rerun while playing: the same frames, the new speed
    again = session.player_data(ss, walk, LIGHT)
    assert again["frames"] is first["frames"] and again["every"] < first["every"]
    sends(ss, 3, "more")
    session.play_reached(ss, walk)
    assert session.player_data(ss, walk, LIGHT)["frames"][0]["step"] == 3


def test_a_plays_first_batch_is_small_so_it_starts_sooner_and_the_next_is_bigger():
    if not player.available():
        pytest.skip("the frames are drawn by Graphviz's dot")
    state = StepperState("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2",
                                                                  "w2": "-3"})  # 15 nodes, 21 steps
    walk = build_walkthrough(state.expr, state.values)
    ss = playing(state)
    ss["stepper_speed"] = "normal"
    first = session.player_data(ss, walk, LIGHT)
    assert first["ends"] == "batch" and len(first["frames"]) == player.FIRST_FRAMES + 1
    sends(ss, 3, "more")
    session.play_reached(ss, walk)
    then = session.player_data(ss, walk, LIGHT)
    assert then["ends"] == "end" and [f["step"] for f in then["frames"]] == list(range(3, walk.total_steps + 1))
    session.set_playing(ss, False)
    session.set_playing(ss, True)  # Play again: small again
    assert len(session.player_data(ss, walk, LIGHT)["frames"]) == player.FIRST_FRAMES + 1
