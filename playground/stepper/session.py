"""What the stepper's controls do to a session: plain functions over the session-state mapping, so each rule
is unit-tested with a dict (the page only wires them to buttons).

Keys: the spec's widget keys (``stepper_expr``, ``stepper_step``, …) and the page's own ``stepper_playing``,
``stepper_play_id`` (which press of Play is playing), ``stepper_batch`` (the player's frames, drawn once),
``stepper_quiz`` (step → Verdict), ``stepper_unfilled`` ((step, empty boxes) after a Check that came too soon)
and ``stepper_note``; a quiz box's key is ``guess_key(step, input)``; what the player sends is under PLAYER_KEY.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from engine import EngineError, ParseError, parse
from playground.common import presets
from playground.common.graph_export import GraphExportError

from . import player, quiz
from .state import MISSING_VALUE, STEPPER_SPEC, StepperState, parse_value
from .walkthrough import Walkthrough, build_walkthrough

key = STEPPER_SPEC.widget_key
PLAYER_KEY = "stepper_player"
Session = MutableMapping[str, Any]


def load(ss: Session, state: StepperState, note: str | None = None) -> None:
    """Put ``state`` in the widgets and start afresh: no play, no quiz answers, this note."""
    STEPPER_SPEC.to_session(state, ss)
    ss["stepper_playing"] = False
    ss["stepper_quiz"] = {}
    ss["stepper_unfilled"] = None
    ss["stepper_note"] = note


def load_settings(ss: Session, loaded) -> None:
    """Pasted JSON settings (a ``teacher_json.Loaded``) shown as opening the link they describe would: its
    panels hidden, its controls locked; the share panel's own choices start again from that view."""
    ss["stepper_teacher"] = loaded.teacher
    for name in ("stepper_hide", "stepper_lock"):
        ss.pop(name, None)
    load(ss, loaded.state)


def example_changed(ss: Session) -> None:
    """A newly typed expression starts at step 0, fed with ∂L/∂out = 1, with no answers, and the note that
    described the previous example is gone. Unreadable text changes nothing: the page keeps showing the last
    readable example, at its step."""
    try:
        parse(ss[key("expr")])
    except ParseError:
        return
    ss[key("step")] = 0
    ss[key("output_grad")] = 1.0
    values_changed(ss)


def values_changed(ss: Session) -> None:
    """New numbers: the walk so far and the quiz answers were for the old ones."""
    ss["stepper_playing"] = False
    ss["stepper_quiz"] = {}
    ss["stepper_unfilled"] = None
    ss["stepper_note"] = None


def go(ss: Session, walkthrough, to: int) -> None:
    """Move to step ``to``. In quiz mode, questions passed over on the way (End) count as skipped."""
    here, to = ss[key("step")], max(0, min(to, walkthrough.total_steps))
    if to == 0:  # Reset: a new attempt at the quiz
        ss["stepper_quiz"] = {}
    if to > here:
        ss["stepper_quiz"] = quiz.skip_to(walkthrough, ss["stepper_quiz"], here, to - 1, ss[key("mode")])
    ss[key("step")] = to
    ss["stepper_playing"] = False
    ss["stepper_unfilled"] = None


def open_question(ss: Session, walkthrough) -> list[int]:
    """The inputs the learner has yet to predict at the current step (empty when nothing is asked)."""
    step = ss[key("step")]
    if step in ss["stepper_quiz"]:
        return []
    return quiz.quiz_targets(walkthrough.view(step), ss[key("mode")])


def guess_key(step: int, index: int) -> str:
    """The session key of the quiz box for input ``index`` at ``step``."""
    return f"guess_{step}_{index}"


def answer(ss: Session, at: int, step, targets: list[int], skipped: bool) -> None:
    """Check (or Enter in a box: a form submits on Enter) or Skip the question at step ``at``. A Check with boxes
    still empty grades nothing: the answers typed so far stay, and the page asks for the rest (or a Skip)."""
    guesses = {i: ss.get(guess_key(at, i)) for i in targets}
    empty = quiz.empty_boxes(guesses)
    if empty and not skipped:
        ss["stepper_unfilled"] = (at, len(empty))
        return
    ss["stepper_quiz"][at] = quiz.skip(step, targets) if skipped else quiz.score(step, targets, guesses)
    ss["stepper_unfilled"] = None


def unfilled_prompt(ss: Session, at: int) -> str | None:
    """At step ``at``, what to do about the boxes a Check found empty (None when there are none)."""
    unfilled = ss.get("stepper_unfilled")
    return quiz.fill_prompt(unfilled[1]) if unfilled and unfilled[0] == at else None


def play_tick(ss: Session, walkthrough) -> None:
    """One tick of Play: the next step, stopping at the end or at a question waiting for an answer."""
    if ss[key("step")] < walkthrough.total_steps and not open_question(ss, walkthrough):
        ss[key("step")] += 1
    if ss[key("step")] >= walkthrough.total_steps or open_question(ss, walkthrough):
        ss["stepper_playing"] = False


def set_playing(ss: Session, on: bool) -> None:
    """Play or Pause pressed: a new press of Play is a new run of the player, which starts afresh."""
    ss["stepper_playing"] = on
    if on:
        ss["stepper_play_id"] = ss.get("stepper_play_id", 0) + 1


def player_data(ss: Session, walkthrough, pal) -> dict | None:
    """What the player in the browser is given while playing (player.player_data): the frames from the current
    step, drawn once per step and Play (the page reruns while it plays, on a new speed or a click elsewhere, and
    the player goes on). None when they can't be drawn: then Play stops and the note says why."""
    play, (drawn, _) = ss.get("stepper_play_id", 0), ss.get("stepper_batch", ((None,), None))
    memo = (play, walkthrough.text, walkthrough.output_grad, ss[key("step")], ss[key("mode")], pal)
    if drawn != memo:  # a Play's first batch is a small one, drawn (and played) sooner
        try:
            frames = player.batch(walkthrough, ss[key("step")], ss[key("mode")], ss["stepper_quiz"], pal,
                                  first=drawn[0] != play)
        except GraphExportError as e:
            ss["stepper_playing"], ss["stepper_note"] = False, f"Play stopped: {e}"
            return None
        ss["stepper_batch"] = (memo, frames)
    return player.player_data(ss["stepper_batch"][1], play, player.SPEEDS[ss["stepper_speed"]])


def play_reached(ss: Session, walkthrough) -> None:
    """What the player sent (under PLAYER_KEY): the step on the screen when Pause, Back or Next was pressed (or ←
    →), or when it reached the end or a question: the page goes to that step (then one back or on) and stops
    playing; or, half way through a batch ("more"), the step it shows, from which the page draws the next batch
    while it plays on. Nothing from an earlier Play counts, and no step past where Play may stop."""
    reached = (ss.get(PLAYER_KEY) or {}).get("reached")
    step = reached.get("step") if isinstance(reached, dict) else None
    if not isinstance(step, int) or reached.get("play") != ss.get("stepper_play_id") or not ss["stepper_playing"]:
        return
    here = ss[key("step")]
    stop, _ = player.next_stop(walkthrough, here, ss[key("mode")], ss["stepper_quiz"])
    ss[key("step")] = max(here, min(step, stop))
    then = reached.get("then")
    if then == "more" and ss[key("step")] < stop:
        return
    ss["stepper_playing"] = False
    if then == "next" and not open_question(ss, walkthrough):
        go(ss, walkthrough, ss[key("step")] + 1)
    elif then == "back":
        go(ss, walkthrough, ss[key("step")] - 1)


def lesson_note(state: StepperState) -> str | None:
    """The note of the Home lesson whose example this is (the step may differ): the one in this mode if there is
    one (the quiz card, not the walk-through of the same circuit), else any."""
    def same_example(a, b) -> bool:
        return (a.expr, a.values, a.output_grad) == (b.expr, b.values, b.output_grad)

    return (presets.lesson_note("stepper", STEPPER_SPEC, state, lambda a, b: same_example(a, b) and a.mode == b.mode)
            or presets.lesson_note("stepper", STEPPER_SPEC, state, same_example))


def readable_values(ss: Session, variables) -> tuple[dict[str, str], dict[str, str]]:
    """Each variable's value as typed if it reads as a number, vector or matrix, else the last one that did (1 at
    first); and, for each that doesn't, what is wrong with it (said beside its box, while the graph stays)."""
    good = ss.setdefault("stepper_good_values", {})
    values, errors = {}, {}
    for name in variables:
        text = ss.setdefault(f"{key('values')}_{name}", MISSING_VALUE)
        try:
            parse_value(text)
            good[name] = text
        except ValueError as e:
            errors[name] = str(e)
        values[name] = good.get(name, MISSING_VALUE)
    return values, errors


def walk_or_last(ss: Session, text: str, values: dict[str, str],
                 output_grad: float) -> tuple[Walkthrough | None, dict[str, str], Exception | None]:
    """Both passes over ``text`` with ``values``; if they can't be computed (sizes that don't fit), the error and
    the last example that could be, so the page keeps its graph (None before any could)."""
    try:
        walk = build_walkthrough(text, values, output_grad)
    except (EngineError, ValueError) as e:
        last = ss.get("stepper_last_walk")
        return (build_walkthrough(*last) if last else None), (last[1] if last else values), e
    ss["stepper_last_walk"] = (text, dict(values), output_grad)
    return walk, values, None
