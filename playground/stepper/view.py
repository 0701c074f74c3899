"""Backprop stepper: type an expression, then walk the forward and backward passes node by node."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from engine import EngineError, ParseError, parse
from engine.formatting import format_array
from playground.common.page import page_header, read_link, share_panel
from playground.common.palette import for_theme
from playground.common.presets import load_presets
from playground.common.teacher import TeacherView
from playground.stepper.graph_figure import graph_dot
from playground.stepper.ledger import (
    arithmetic_text,
    chain_rule_lines,
    forward_formula,
    input_names,
    ledger_rows,
    local_formulas,
    node_name,
)
from playground.stepper.state import MODES, StepperState
from playground.stepper.walkthrough import build_walkthrough, check_gradients, prediction_is_close

PHASE_NAMES = {"start": "ready", "forward": "forward pass", "backward": "backward pass", "done": "done"}
SPEEDS = {"slow": 1.6, "normal": 0.9, "fast": 0.4}  # seconds per step while playing
CAN_HIDE = {"presets": "presets", "ledger": "chain-rule ledger", "table": "table of all steps",
            "gradcheck": "gradient check"}
CAN_LOCK = {"expression": "expression, values and seed", "mode": "learn / quiz mode"}
ss = st.session_state


# --- state: the URL is read once per session, then widgets own the state and the URL follows ---

def _load(state: StepperState) -> None:
    ss.expr = state.expr
    for name, text in state.values.items():
        ss[f"val_{name}"] = text
    ss.seed = state.seed
    ss.step = state.step
    ss.mode = state.mode
    ss.playing = False


def _init_session() -> None:
    if "stepper_ready" in ss:
        return
    state, ss.teacher, ss.url_warnings = read_link(StepperState, CAN_HIDE, CAN_LOCK)
    _load(state)
    ss.quiz = {"right": 0, "asked": 0, "answered": {}}
    ss.stepper_ready = True


def _current_state(variables) -> StepperState:
    values = {n: ss.get(f"val_{n}", "1") for n in variables}
    return StepperState(ss.expr, values, float(ss.seed), int(ss.step), ss.mode or "learn")


def _apply_preset(preset: dict) -> None:
    _load(StepperState(preset["expr"], dict(preset["values"]), float(preset["seed"]), 0, ss.mode or "learn"))
    ss.preset_note = f"**{preset['name']}** — {preset['note']}"


def _go(delta: int | None = None, to: int | None = None) -> None:
    ss.step = max(0, (to if to is not None else ss.step + delta))
    ss.playing = False


def _toggle_play() -> None:
    ss.playing = not ss.playing


# --- page ---

_init_session()
teacher: TeacherView = ss.teacher
frozen = teacher.locks("expression")
page_header("Backprop stepper", "Type an expression, set its inputs, then step through the forward pass and the "
            "backward pass one node at a time: every node shows the **upstream** gradient it receives, its **local** "
            "gradient, and the **downstream** gradient it sends to its inputs. New here? Home has the lessons in "
            "order.",
            ss.pop("url_warnings", []))

if teacher.shows("presets") and not frozen:
    with st.expander("Presets from the classic course material", expanded=False):
        cols = st.columns(3)
        for i, preset in enumerate(load_presets("stepper")):
            cols[i % 3].button(preset["name"], key=f"preset_{i}", on_click=_apply_preset, args=(preset,),
                               help=preset["note"], width="stretch")
if "preset_note" in ss:
    st.info(ss.preset_note)

st.text_input("Expression", key="expr", max_chars=1000, disabled=frozen,
              help="Python-like: + - * / ** @, unary -, and functions such as tanh(x), max(a, b), sum(v).")
try:
    expression = parse(ss.expr)
    ss.last_good_expr = ss.expr
except ParseError as e:
    st.error("This expression can't be read — the graph below is the last one that could.",
             icon=":material/error:")
    st.code(e.format(), language=None)
    expression = parse(ss.get("last_good_expr", StepperState().expr))

variables = expression.variables
if variables:
    cols = st.columns(min(len(variables), 4) + 1)
    for i, name in enumerate(variables):
        key = f"val_{name}"
        if key not in ss:
            ss[key] = "1"
        cols[i % 4].text_input(name, key=key, help="a number, or a vector like [1, 2, 3]", disabled=frozen)
    cols[-1].number_input("seed gradient ∂L/∂out", key="seed", step=1.0, format="%g", disabled=frozen,
                           help="The gradient fed into the output. 1 means 'the output itself is L'.")
st.segmented_control("Mode", MODES, key="mode", format_func=str.capitalize, disabled=teacher.locks("mode"),
                     help="Learn: every number is shown. Quiz: predict each downstream gradient "
                          "before it is revealed.")

try:
    walk = build_walkthrough(expression.text, {n: ss.get(f"val_{n}", "1") for n in variables}, ss.seed)
except (EngineError, ValueError) as e:
    message = e.format() if isinstance(e, ParseError) else str(e)
    st.error(f"Can't compute this yet: {message}", icon=":material/error:")
    st.stop()

total = walk.total_steps
ss.step = min(ss.step, total)
if walk.backward_error:
    st.warning(f"No backward pass: {walk.backward_error}", icon=":material/info:")
for node, issue in walk.issues:
    st.error(f"⚠ NaN/inf first appears at {node_name(node)}: {issue}. The graph marks it; stepping "
             "still works.", icon=":material/warning:")


def _quiz_targets(view):
    """Inputs whose gradient the learner must predict at this step (quiz mode, scalar backward step)."""
    step = view.backward
    if ss.mode != "quiz" or step is None or step.is_leaf:
        return []
    return [i for i, g in enumerate(step.downstream) if g is not None and g.ndim == 0]


def _render_step_area() -> None:
    if ss.get("playing"):
        if ss.step < total:
            ss.step += 1
        else:
            ss.playing = False
            st.rerun()  # stop the timer: the next full run renders without run_every
    view = walk.view(ss.step)
    targets = _quiz_targets(view)
    answered = ss.quiz["answered"].get(ss.step)
    hidden = bool(targets) and answered is None

    at_end = ss.step >= total
    c = st.columns([1, 1, 1, 1, 1, 1.6, 2.2], vertical_alignment="bottom")
    c[0].button("Reset", key="reset", icon=":material/first_page:", on_click=_go, kwargs={"to": 0},
                disabled=ss.step == 0, width="stretch")
    c[1].button("Back", key="back", icon=":material/chevron_left:", on_click=_go, args=(-1,),
                disabled=ss.step == 0, width="stretch")
    c[2].button("Next", key="next", icon=":material/chevron_right:", on_click=_go, args=(1,),
                type="primary", width="stretch", disabled=at_end or hidden)
    c[3].button("End", key="end", icon=":material/last_page:", on_click=_go, kwargs={"to": total},
                disabled=at_end or hidden, width="stretch")
    playing = ss.get("playing")
    c[4].button("Pause" if playing else "Play", key="play", on_click=_toggle_play, width="stretch",
                icon=":material/pause:" if playing else ":material/play_arrow:", disabled=at_end or hidden)
    if "speed" not in ss:
        ss.speed = "normal"
    c[5].select_slider("Play speed", list(SPEEDS), key="speed")
    c[6].markdown(f"#### Step {view.step} / {total}\n{PHASE_NAMES[view.phase]}")
    st.progress(view.step / total if total else 1.0)

    shown = view
    if hidden:  # the answer stays hidden until the learner has predicted it
        current = view.current.id
        shown = replace(view, backward=None,
                        edge_grads={k: g for k, g in view.edge_grads.items() if k[1] != current})
    st.graphviz_chart(graph_dot(walk, shown, for_theme(st.context.theme.type)), width="content")
    st.caption("Blue “= …”: forward values · orange **grad …**: gradients · yellow “▶ now”: the "
               "current node · grey dashed: not reached yet · “⚠”: where NaN/inf first appears.")
    _render_ledger(view, targets, answered, hidden)


def _render_ledger(view, targets, answered, hidden) -> None:
    explain_col, table_col = st.columns([1, 1], gap="large")
    if teacher.shows("ledger"):
        with explain_col:
            st.subheader("Chain-rule ledger")
            _explain_step(view, targets, answered, hidden)
    with table_col:
        if teacher.shows("table"):
            st.subheader("All steps so far")
            rows = ledger_rows(walk, view)
            if rows:
                st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 420))
            else:
                st.caption("Nothing computed yet.")
        share_panel("st", _current_state(variables).to_query(), teacher, CAN_HIDE, CAN_LOCK,
                    "The link restores the expression, the values, the seed, this step and the mode.")


def _explain_step(view, targets, answered, hidden) -> None:
    if view.forward is not None:
        st.markdown(f"**Forward** · {node_name(view.current)} computes its value from its inputs "
                    f"({input_names(view.current)}):")
        st.latex(forward_formula(view.forward))
    elif view.backward is not None and view.backward.is_leaf:
        node = view.current
        parts = walk.contributions(node, view)
        st.markdown(f"**Backward** · {node_name(node)} is an input: its gradient is final, "
                    f"**{format_array(view.backward.upstream)}**.")
        if len(parts) > 1:
            terms = " + ".join(format_array(g) for _, g in parts)
            st.info(f"**Copy gate** — {node.label} is used {len(parts)} times, so the gradients from "
                    f"every use add up: {terms} = {format_array(view.backward.upstream)}.")
    elif view.backward is not None:
        step = view.backward
        st.markdown(f"**Backward** · {node_name(view.current)} receives upstream "
                    f"**{format_array(step.upstream)}** and multiplies it by its local gradients "
                    f"({input_names(step.node)}):")
        for tex in local_formulas(step):
            st.latex(tex)
        if hidden:
            _quiz(step, targets)
        else:
            for tex in chain_rule_lines(step):
                st.latex(tex)
            if answered is not None:
                st.success(answered) if answered.startswith("✓") else st.warning(answered)
        if step.node.op.gate:
            st.info(f"**Gate pattern** — {step.node.op.gate}.")
        if step.issue:
            st.error(f"⚠ {step.issue}")
    else:
        st.markdown("Press **Next ▶** to compute the first node, or **End ⏭** to see every gradient.")
    if ss.mode == "quiz":
        q = ss.quiz
        st.metric("Quiz score", f"{q['right']} / {q['asked']}")


def _quiz(step, targets) -> None:
    st.markdown("**Your turn:** predict the gradient sent to each input, then check.")
    with st.form(f"quiz_{ss.step}"):
        for i in targets:
            st.number_input(f"∂L/∂({node_name(step.node.parents[i])})", value=0.0, format="%g",
                            key=f"guess_{ss.step}_{i}")
        st.form_submit_button("Check", on_click=_score_quiz, args=(step, targets))


def _score_quiz(step, targets) -> None:
    """Form callback: compare each guess with the engine's downstream gradient, explain, keep score."""
    lines, all_right = [], True
    for i in targets:
        guess = float(ss[f"guess_{ss.step}_{i}"])
        right = prediction_is_close(guess, float(step.downstream[i]))
        all_right &= right
        lines.append(f"{'✓' if right else '✗'} {node_name(step.node.parents[i])}: you said "
                     f"{format_array(guess)}; {arithmetic_text(step, i)}")
    ss.quiz["asked"] += 1
    ss.quiz["right"] += all_right
    ss.quiz["answered"][ss.step] = ("✓ Right. " if all_right else "✗ Not quite. ") + " · ".join(lines)


interval = SPEEDS.get(ss.get("speed") or "normal", 0.9)
st.fragment(_render_step_area, run_every=interval if ss.get("playing") else None)()

def _gradient_check() -> None:
    st.caption("Central differences in float64 (h = 1e-6·max(1, |x|)) against the backward pass.")
    if st.button("Run gradient check", key="gradcheck"):
        try:
            result = check_gradients(walk)
            st.dataframe([{"variable": v.name, "analytic": format_array(v.analytic),
                           "numerical": format_array(v.numeric), "error": f"{v.error:.1e}",
                           "result": "pass ✓" if v.passed else "FAIL ✗"} for v in result.variables],
                         hide_index=True, width="stretch")
            for warning in result.kink_warnings:
                st.warning(warning)
        except EngineError as e:
            st.error(str(e))


if teacher.shows("gradcheck"):
    with st.expander("Gradient check: numerical vs analytic"):
        _gradient_check()
