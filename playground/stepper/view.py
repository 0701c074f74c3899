"""Backprop stepper: type an expression, then walk the forward and backward passes node by node."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import streamlit as st

from engine import EngineError, ParseError, parse
from engine.formatting import readable_array
from playground.common.page import graph_chart, graph_downloads, page_header, plain, read_link, share_panel
from playground.common.palette import LIGHT, for_theme
from playground.common.play import play_button, timed_fragment
from playground.common.presets import load_presets
from playground.common.teacher import TeacherView
from playground.stepper import ledger, player, quiz, session, steps_table
from playground.stepper.explain import step_blocks
from playground.stepper.graph_figure import graph_dot, neighbourhood
from playground.stepper.state import DEFAULT_EXPR, MODES, STEPPER_SPEC
from playground.stepper.teacher_json import TeacherJson
from playground.stepper.walkthrough import check_gradients

PLAYER = st.components.v2.component("stepper_player", html=player.HTML, css=player.CSS, js=player.JS)
CAN_HIDE = {"presets": "presets", "ledger": "chain-rule ledger", "table": "table of all steps",
            "gradcheck": "gradient check"}
CAN_LOCK = {"expression": "expression, values and output gradient", "mode": "learn / quiz mode"}
SPEC, key = STEPPER_SPEC, STEPPER_SPEC.widget_key
ss = st.session_state
MANY_VALUES = 8  # more variables than this: their boxes fold away, so the graph stays near the top
SIDE_BY_SIDE = 15  # nodes: up to this, the step's ledger sits beside the graph, so both fit one laptop screen


# --- state: the URL (or a preset, or pasted JSON) fills the widgets once; then the widgets own it ---

_load = partial(session.load, ss)  # (state, note=None): show a state in the widgets, as a link, preset or JSON does


def _init_session() -> None:
    if "stepper_ready" not in ss:
        state, ss.stepper_teacher, ss.stepper_warnings = read_link(SPEC, CAN_HIDE, CAN_LOCK)
        ss.stepper_link_step = state.step
        _load(state, session.lesson_note(state))
        ss.stepper_ready = True
    ss.stepper_speed = ss.get("stepper_speed", "normal")  # kept while a run stops before its slider is drawn


TEACHER_JSON = TeacherJson(SPEC, CAN_HIDE, CAN_LOCK, ss, "stepper")  # the JSON holds the link's hide / lock too


def _apply_preset(preset: dict) -> None:
    state, _ = SPEC.from_json({k: preset[k] for k in ("expr", "values", "output_grad")})
    _load(replace(state, mode=ss[key("mode")] or "learn"), f"**{plain(preset['name'])}** — {plain(preset['note'])}")


_init_session()  # --- the page ---
teacher: TeacherView = ss.stepper_teacher
frozen = teacher.locks("expression")
page_header("Backprop stepper", "One node at a time: each node gets its **upstream** gradient, multiplies it by its "
            "**local** gradient and sends the **downstream** gradient to its inputs. New here? Start at Home.",
            ss.pop("stepper_warnings", []))

if ss.get("stepper_note"):
    st.info(ss.stepper_note)
top = st.columns([4, 1], vertical_alignment="bottom")
# No max_chars: the box would cut a pasted expression, and the parser's message would give the cut length.
top[0].text_input("Expression", key=key("expr"), disabled=frozen, on_change=session.example_changed, args=(ss,),
                  help="Python-like: + - * / ** @, unary -, tanh(x), max(a, b), sum(v) and more.")
if teacher.shows("presets") and not frozen:
    with top[1].popover("Presets", icon=":material/menu_book:", width="stretch",
                        help="Classic circuits from the course material"):
        for i, preset in enumerate(load_presets("stepper")):
            st.button(preset["name"], key=f"preset_{i}", on_click=_apply_preset, args=(preset,), help=preset["note"],
                      width="stretch")
try:
    expression = parse(ss[key("expr")])
    ss.stepper_last_good_expr = ss[key("expr")]
except ParseError as e:
    st.error("This expression can't be read — the graph below is the last one that could.", icon=":material/error:")
    st.code(e.format(), language=None)
    expression = parse(ss.get("stepper_last_good_expr", DEFAULT_EXPR))

variables = expression.variables
values, bad_values = session.readable_values(ss, variables)
many = len(variables) > MANY_VALUES
# A row that wraps: on a phone two boxes a line (columns stacked one a line, pushing the step buttons 400 px down).
row = st.container(horizontal=True, gap="small")
boxes = st.expander(f"Values of the {len(variables)} variables", expanded=bool(bad_values)).container(
    horizontal=True, gap="small") if many else row
for name in variables:
    box = boxes.container(gap=None)  # the box, and under it what is wrong with its value
    box.text_input(name, key=f"{key('values')}_{name}", disabled=frozen, on_change=session.values_changed, args=(ss,),
                   help="a number, a vector like [1, 2, 3] or a matrix like [[1, 2], [3, 4]]")
    if name in bad_values:  # beside its box; the graph stays the last one these values could draw
        box.error(plain(f"Not used: {bad_values[name]}. The graph keeps {name} = {values[name]}."),
                  icon=":material/error:")
row.number_input("output gradient ∂L/∂out", key=key("output_grad"), step=1.0, format="%g", disabled=frozen, width=176,
                 help="Fed into the output to start the backward pass; 1: the output is L.",
                 on_change=session.values_changed, args=(ss,))
row.segmented_control("Mode", MODES, key=key("mode"), format_func=str.capitalize, disabled=teacher.locks("mode"),
                      help="Learn: every number shown. Quiz: predict each downstream gradient first.",
                      on_change=session.values_changed, args=(ss,))

# The page computes what the boxes hold; links and JSON carry the last readable state, the one drawn.
walk, values, error = session.walk_or_last(ss, expression.text, values, ss[key("output_grad")])
if error is not None:
    st.error(f"Can't compute this yet: {plain(error.message if isinstance(error, ParseError) else str(error))}"
             + (" The graph below is the last one that could be." if walk else ""), icon=":material/error:")
    if isinstance(error, ParseError):  # the expression with a caret under the column, on lines of their own
        st.code(error.format(), language=None)
    if walk is None:
        st.stop()
state = SPEC.settle(replace(SPEC.from_session(ss), expr=walk.text, values=values, output_grad=walk.output_grad))[0]

total = walk.total_steps
if ss.pop("stepper_link_step", 0) > total:
    st.warning(f"The link asks for step {ss[key('step')]:,}, but this expression has {total} steps: showing the "
               "last one.", icon=":material/warning:")
ss[key("step")] = min(ss[key("step")], total)
if walk.backward_error:
    st.warning(plain(f"No backward pass: {walk.backward_error}"), icon=":material/info:")
for node, issue in walk.issues:
    st.error(plain(f"⚠ NaN/inf first appears at {ledger.node_name(node)}: {issue}. The graph marks it; stepping "
                   "still works."), icon=":material/warning:")


def _render_step_area() -> None:
    view = walk.view(ss[key("step")])
    targets = session.open_question(ss, walk)
    answered = ss.stepper_quiz.get(view.step)
    hidden, playing = bool(targets), ss.stepper_playing and player.available()  # without dot: a rerun per step

    at_start, at_end = view.step == 0 and not playing, view.step >= total  # playing: the player is past step 0
    c = st.columns([5, 1.6, 2.2], vertical_alignment="bottom")
    buttons = c[0].container(horizontal=True, gap="small")  # a row that wraps on a phone rather than a column
    for label, to, icon, off, keys in (("Reset", 0, "first_page", at_start, None),
                                       ("Back", view.step - 1, "chevron_left", at_start, "Left"),
                                       ("Next", view.step + 1, "chevron_right", at_end or hidden, "Right"),
                                       ("End", total, "last_page", at_end, None)):
        buttons.button(label, key=label.lower(), icon=f":material/{icon}:", on_click=session.go, args=(ss, walk, to),
                       disabled=off, width="stretch", type="primary" if label == "Next" else "secondary",
                       shortcut=keys, help="In a quiz, questions passed over count as skipped." if label == "End"
                       else None)
    play_button(buttons, "stepper", ss.stepper_playing, partial(session.set_playing, ss), disabled=at_end or hidden)
    c[1].select_slider("Play speed", list(player.SPEEDS), key="stepper_speed")
    c[2].markdown("#### ▶ Playing" if playing else f"#### Step {view.step} / {total}\n{player.PHASE_NAMES[view.phase]}")

    shown = quiz.hide_answer(view) if hidden else view  # the answer stays hidden until it is predicted
    # The step's ledger beside the graph, so both fit one screen; under a large graph, which needs the width.
    side = len(walk.order) <= SIDE_BY_SIDE
    graph_col, explain_col = st.columns([3, 2], gap="medium") if side else (st.container(),) * 2
    with graph_col:
        # a bigger layout keeps a browser tab busy for minutes: the current node's neighbourhood instead
        part, left_out = (None, 0) if len(walk.order) <= ledger.MAX_DRAWN_NODES else neighbourhood(walk, shown)
        if part:
            st.info(ledger.too_big_to_draw(len(walk.order), left_out), icon=":material/account_tree:")
        if playing:  # the player draws the steps ahead and sends back where it stops (session.play_reached)
            if (data := session.player_data(ss, walk, for_theme(st.context.theme.type))) is None:
                st.rerun()  # dot could not draw them: Play has stopped, and the note says why
            PLAYER(key=session.PLAYER_KEY, data=data, on_reached_change=partial(session.play_reached, ss, walk))
            explain_col.info(player.PLAYING_NOTE, icon=":material/play_circle:")
            return  # the ledger, the table and the link would show another step than the player's
        graph_chart(graph_dot(walk, shown, for_theme(st.context.theme.type), part), LIGHT.current, view.step, "")
        st.caption("Blue “= …”: forward values · orange **grad …**: gradients · yellow “▶ now”: the current node · "
                   "grey dashed: not computed yet · orange dashed, “grad ?”: waiting for its gradient · “⚠”: where "
                   "NaN/inf first appears.")
        words, download = st.columns([3, 1], vertical_alignment="top")
        with words.expander("The graph in words"):
            st.markdown(plain(ledger.graph_in_words(walk, shown, part)).replace("\\- ", "- "))
        with download:  # for slides: light colours whatever the page's theme
            graph_downloads("stepper", lambda: graph_dot(walk, shown, LIGHT, part), f"gradlab-step-{view.step}")
    with explain_col:
        if hidden:  # the question is asked whatever panels the teacher hid
            _quiz(view.backward, targets)
        if teacher.shows("ledger"):
            st.subheader("Chain-rule ledger")
            for kind, body in step_blocks(walk, view, plain, answered, hidden):  # learner's text made literal
                getattr(st, kind)(body)
        if ss[key("mode")] == "quiz":
            _score()
    if teacher.shows("table"):
        st.subheader("All steps so far")
        rows = steps_table.steps_rows(walk, view)
        rows = quiz.hide_rows(rows, view.step) if hidden else rows
        pages = steps_table.pages(len(rows))
        if len(pages) > 1:  # hundreds of steps: a page at a time, opening on the newest
            shown_page = st.selectbox("Steps", pages, index=len(pages) - 1, key=f"stepper_rows_{view.step}")
            rows = steps_table.page_of(rows, shown_page)
        if rows:  # a static table: every number in full, wrapped, rather than cut at the cell's edge
            st.table([{k: plain(v) for k, v in r.items()} for r in rows])  # cells are Markdown
        else:
            st.caption("Nothing computed yet.")
    now = replace(state, step=view.step, mode=ss[key("mode")] or "learn")
    share_panel("stepper", SPEC.to_query(now), teacher, CAN_HIDE, CAN_LOCK, "The link restores the expression, "
                "the values, the output gradient, this step and the mode.", settings=(TEACHER_JSON, now),
                load=partial(session.load_settings, ss))


def _quiz(step, targets) -> None:
    at = ss[key("step")]
    with st.form(f"quiz_{at}", border=True):  # Enter in a box submits the form: answer() grades only full ones
        st.markdown(f"**Your turn:** {plain(ledger.node_name(step.node))} receives upstream "
                    f"**{readable_array(step.upstream)}**. Predict the gradient it sends to each input.")
        for i in targets:
            st.number_input(f"∂L/∂{step.node.parents[i].label}", value=None, format="%g",
                            key=session.guess_key(at, i), placeholder="your answer")
        if prompt := session.unfilled_prompt(ss, at):
            st.warning(prompt, icon=":material/edit:")
        c = st.columns(2)
        c[0].form_submit_button("Check", type="primary", on_click=session.answer, args=(ss, at, step, targets, False))
        c[1].form_submit_button("Skip (no points)", on_click=session.answer, args=(ss, at, step, targets, True))


def _score() -> None:
    if quiz.asks_nothing(walk, ss[key("mode")]):
        st.info("The quiz asks for gradients that are one number; here every gradient is a vector or a matrix, so "
                "there is nothing to predict. Try a scalar example such as (x + y) * z.")
    points, possible = quiz.total(ss.stepper_quiz)
    st.metric("Quiz score", f"{points} / {possible}", help="One point per input gradient predicted right; "
              "skipped questions count as not answered.")
    if ss.stepper_quiz:
        with st.expander("Your answers"):
            for at, verdict in sorted(ss.stepper_quiz.items()):
                st.markdown(plain(f"Step {at}: {verdict.text}"))


timed_fragment(_render_step_area, lambda: (False,) if player.available() else (ss.stepper_playing, ss.stepper_speed),
               lambda: session.play_tick(ss, walk), player.SPEEDS[ss.stepper_speed])  # the browser plays: no timer


def _gradient_check() -> None:
    st.caption("Central differences in float64 (h = 1e-6·max(1, |x|)) against the backward pass.")
    if st.button("Run gradient check", key="gradcheck"):
        try:
            result = check_gradients(walk)
            if note := ledger.gradient_check_note(result):
                st.info(note)
            st.dataframe(ledger.gradient_check_rows(result), hide_index=True, width="stretch")
            for warning in result.kink_warnings:
                st.warning(plain(warning))
        except EngineError as e:
            st.error(plain(str(e)))


if teacher.shows("gradcheck"):
    with st.expander("Gradient check: numerical vs analytic"):
        if ss[key("mode")] == "quiz" and ss[key("step")] < total:  # it would list every answer
            st.caption(f"In quiz mode the gradient check opens at the last step ({total}), once every answer is in.")
        else:
            _gradient_check()
