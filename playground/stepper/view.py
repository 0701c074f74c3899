"""Backprop stepper: type an expression, then walk the forward and backward passes node by node."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from engine import EngineError, ParseError, parse
from playground.common.page import graph_downloads, page_header, plain, read_link, share_panel
from playground.common.palette import LIGHT, for_theme
from playground.common.presets import load_presets
from playground.common.teacher import TeacherView
from playground.stepper import ledger
from playground.stepper.graph_figure import graph_dot
from playground.stepper.quiz import quiz_targets, score
from playground.stepper.state import DEFAULT_EXPR, MODES, STEPPER_SPEC, StepperState
from playground.stepper.walkthrough import build_walkthrough, check_gradients

PHASE_NAMES = {"start": "ready", "forward": "forward pass", "backward": "backward pass", "done": "done"}
SPEEDS = {"slow": 1.6, "normal": 0.9, "fast": 0.4}  # seconds per step while playing
CAN_HIDE = {"presets": "presets", "ledger": "chain-rule ledger", "table": "table of all steps",
            "gradcheck": "gradient check"}
CAN_LOCK = {"expression": "expression, values and output gradient", "mode": "learn / quiz mode"}
SPEC, key = STEPPER_SPEC, STEPPER_SPEC.widget_key
ss = st.session_state


# --- state: the URL (or a preset, or pasted JSON) fills the widgets once; then the widgets own it ---

def _load(state: StepperState, note: str | None = None) -> None:
    SPEC.to_session(state, ss)
    ss.stepper_playing = False
    ss.stepper_quiz = {"right": 0, "asked": 0, "answered": {}}
    ss.stepper_note = note


def _init_session() -> None:
    if "stepper_ready" not in ss:
        state, ss.stepper_teacher, ss.stepper_warnings = read_link(SPEC, CAN_HIDE, CAN_LOCK)
        ss.stepper_link_step = state.step
        _load(state)
        ss.stepper_ready = True


def _apply_preset(preset: dict) -> None:
    state, _ = SPEC.from_json({k: preset[k] for k in ("expr", "values", "output_grad")})
    _load(replace(state, mode=ss[key("mode")] or "learn"), f"**{preset['name']}** — {preset['note']}")


def _go(delta: int | None = None, to: int | None = None) -> None:
    ss[key("step")] = max(0, (to if to is not None else ss[key("step")] + delta))
    ss.stepper_playing = False


def _toggle_play() -> None:
    ss.stepper_playing = not ss.stepper_playing


# --- page ---

_init_session()
teacher: TeacherView = ss.stepper_teacher
frozen = teacher.locks("expression")
page_header("Backprop stepper", "Type an expression, set its inputs, then step through the forward pass and the "
            "backward pass one node at a time: every node shows the **upstream** gradient it receives, its **local** "
            "gradient, and the **downstream** gradient it sends to its inputs. New here? Home has the lessons in "
            "order.", ss.pop("stepper_warnings", []))

if teacher.shows("presets") and not frozen:
    with st.expander("Presets from the classic course material", expanded=False):
        cols = st.columns(3)
        for i, preset in enumerate(load_presets("stepper")):
            cols[i % 3].button(preset["name"], key=f"preset_{i}", on_click=_apply_preset, args=(preset,),
                               help=preset["note"], width="stretch")
if ss.get("stepper_note"):
    st.info(ss.stepper_note)

st.text_input("Expression", key=key("expr"), max_chars=1000, disabled=frozen,
              help="Python-like: + - * / ** @, unary -, and functions such as tanh(x), max(a, b), sum(v).")
try:
    expression = parse(ss[key("expr")])
    ss.stepper_last_good_expr = ss[key("expr")]
except ParseError as e:
    st.error("This expression can't be read — the graph below is the last one that could.",
             icon=":material/error:")
    st.code(e.format(), language=None)
    expression = parse(ss.get("stepper_last_good_expr", DEFAULT_EXPR))

variables = expression.variables
cols = st.columns(min(len(variables), 4) + 1)
for i, name in enumerate(variables):
    ss.setdefault(f"{key('values')}_{name}", "1")
    cols[i % 4].text_input(name, key=f"{key('values')}_{name}", help="a number, or a vector like [1, 2, 3]",
                           disabled=frozen)
cols[-1].number_input("output gradient ∂L/∂out", key=key("output_grad"), step=1.0, format="%g", disabled=frozen,
                      help="The gradient fed into the output to start the backward pass. 1 means 'the output "
                           "itself is L'.")
st.segmented_control("Mode", MODES, key=key("mode"), format_func=str.capitalize, disabled=teacher.locks("mode"),
                     help="Learn: every number is shown. Quiz: predict each downstream gradient before it is "
                          "revealed.")

# The page computes what the boxes hold; links and JSON carry the last readable state (settled).
typed = {name: ss[f"{key('values')}_{name}"] for name in variables}
state = SPEC.settle(replace(SPEC.from_session(ss), expr=expression.text, values=typed))[0]
try:
    walk = build_walkthrough(expression.text, typed, state.output_grad)
except (EngineError, ValueError) as e:
    st.error(f"Can't compute this yet: {e.format() if isinstance(e, ParseError) else e}", icon=":material/error:")
    st.stop()

total = walk.total_steps
if ss.pop("stepper_link_step", 0) > total:
    st.warning(f"The link asks for step {ss[key('step')]:,}, but this expression has {total} steps: showing the "
               "last one.", icon=":material/warning:")
ss[key("step")] = min(ss[key("step")], total)
if walk.backward_error:
    st.warning(f"No backward pass: {walk.backward_error}", icon=":material/info:")
for node, issue in walk.issues:
    st.error(f"⚠ NaN/inf first appears at {ledger.node_name(node)}: {issue}. The graph marks it; stepping "
             "still works.", icon=":material/warning:")


def _render_step_area() -> None:
    if ss.get("stepper_playing"):
        if ss[key("step")] < total:
            ss[key("step")] += 1
        else:
            ss.stepper_playing = False
            st.rerun()  # stop the timer: the next full run renders without run_every
    view = walk.view(ss[key("step")])
    targets = quiz_targets(view, ss[key("mode")])
    answered = ss.stepper_quiz["answered"].get(view.step)
    hidden = bool(targets) and answered is None

    at_end = view.step >= total
    c = st.columns([1, 1, 1, 1, 1, 1.6, 2.2], vertical_alignment="bottom")
    c[0].button("Reset", key="reset", icon=":material/first_page:", on_click=_go, kwargs={"to": 0},
                disabled=view.step == 0, width="stretch")
    c[1].button("Back", key="back", icon=":material/chevron_left:", on_click=_go, args=(-1,),
                disabled=view.step == 0, width="stretch")
    c[2].button("Next", key="next", icon=":material/chevron_right:", on_click=_go, args=(1,),
                type="primary", width="stretch", disabled=at_end or hidden)
    c[3].button("End", key="end", icon=":material/last_page:", on_click=_go, kwargs={"to": total},
                disabled=at_end or hidden, width="stretch")
    playing = ss.get("stepper_playing")
    c[4].button("Pause" if playing else "Play", key="play", on_click=_toggle_play, width="stretch",
                icon=":material/pause:" if playing else ":material/play_arrow:", disabled=at_end or hidden)
    ss.setdefault("stepper_speed", "normal")
    c[5].select_slider("Play speed", list(SPEEDS), key="stepper_speed")
    c[6].markdown(f"#### Step {view.step} / {total}\n{PHASE_NAMES[view.phase]}")
    st.progress(view.step / total if total else 1.0)

    shown = view
    if hidden:  # the answer stays hidden until the learner has predicted it
        current = view.current.id
        shown = replace(view, backward=None,
                        edge_grads={k: g for k, g in view.edge_grads.items() if k[1] != current})
    st.graphviz_chart(graph_dot(walk, shown, for_theme(st.context.theme.type)), width="content")
    legend, download = st.columns([5, 1], vertical_alignment="center")
    legend.caption("Blue “= …”: forward values · orange **grad …**: gradients · yellow “▶ now”: the "
                   "current node · grey dashed: not reached yet · “⚠”: where NaN/inf first appears.")
    with download:  # for slides: light colours whatever the page's theme
        graph_downloads("stepper", lambda: graph_dot(walk, shown, LIGHT), f"gradlab-step-{view.step}")
    explain_col, table_col = st.columns([1, 1], gap="large")
    if teacher.shows("ledger"):
        with explain_col:
            st.subheader("Chain-rule ledger")
            _explain_step(view, targets, answered, hidden)
    with table_col:
        if teacher.shows("table"):
            st.subheader("All steps so far")
            rows = ledger.ledger_rows(walk, view)
            if rows:
                st.dataframe(rows, hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 420))
            else:
                st.caption("Nothing computed yet.")
        now = replace(state, step=view.step, mode=ss[key("mode")] or "learn")
        share_panel("stepper", SPEC.to_query(now), teacher, CAN_HIDE, CAN_LOCK, "The link restores the "
                    "expression, the values, the output gradient, this step and the mode.", settings=(SPEC, now),
                    load=_load)


def _explain_step(view, targets, answered, hidden) -> None:
    st.markdown(ledger.step_intro(view))
    if view.forward is not None:
        st.latex(ledger.forward_formula(view.forward))
    elif view.backward is not None and view.backward.is_leaf:
        copies = ledger.copy_gate_note(walk, view)
        if copies:
            st.info(copies)
    elif view.backward is not None:
        step = view.backward
        for tex in ledger.local_formulas(step):
            st.latex(tex)
        if hidden:
            _quiz(step, targets)
        else:
            for tex in ledger.chain_rule_lines(step):
                st.latex(tex)
            if answered is not None:
                (st.success if answered.startswith("✓") else st.warning)(plain(answered))
        if step.node.op.gate:
            st.info(f"**Gate pattern** — {step.node.op.gate}.")
        if step.issue:
            st.error(f"⚠ {step.issue}")
    if ss[key("mode")] == "quiz":
        st.metric("Quiz score", f"{ss.stepper_quiz['right']} / {ss.stepper_quiz['asked']}")


def _quiz(step, targets) -> None:
    st.markdown("**Your turn:** predict the gradient sent to each input, then check.")
    at = ss[key("step")]
    with st.form(f"quiz_{at}"):
        for i in targets:
            st.number_input(f"∂L/∂({ledger.node_name(step.node.parents[i])})", value=0.0, format="%g",
                            key=f"guess_{at}_{i}")
        st.form_submit_button("Check", on_click=_check, args=(step, targets))


def _check(step, targets) -> None:
    at = ss[key("step")]
    verdict = score(step, targets, {i: ss[f"guess_{at}_{i}"] for i in targets})
    quiz = ss.stepper_quiz
    quiz["asked"] += 1
    quiz["right"] += verdict.right
    quiz["answered"][at] = verdict.text


interval = SPEEDS.get(ss.get("stepper_speed") or "normal", 0.9)
st.fragment(_render_step_area, run_every=interval if ss.get("stepper_playing") else None)()


def _gradient_check() -> None:
    st.caption("Central differences in float64 (h = 1e-6·max(1, |x|)) against the backward pass.")
    if st.button("Run gradient check", key="gradcheck"):
        try:
            result = check_gradients(walk)
            st.dataframe(ledger.gradient_check_rows(result), hide_index=True, width="stretch")
            for warning in result.kink_warnings:
                st.warning(warning)
        except EngineError as e:
            st.error(str(e))


if teacher.shows("gradcheck"):
    with st.expander("Gradient check: numerical vs analytic"):
        _gradient_check()
