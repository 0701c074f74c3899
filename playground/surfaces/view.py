"""Optimizer / loss-surface lab: race optimizers on a surface and watch their descent paths."""

from __future__ import annotations

import math

import streamlit as st

from labs.surfaces import SURFACES
from playground.common.page import page_header, plain, read_link, share_panel
from playground.common.palette import for_theme
from playground.common.teacher import TeacherView
from playground.surfaces import controls
from playground.surfaces.drag import drag_caption, drag_figure, drag_script, run_drag
from playground.surfaces.figures import contour_figure, curve_figure, loss_figure, surface3d_figure
from playground.surfaces.live import explorer_figure, run_sweep
from playground.surfaces.numbers import readable_text
from playground.surfaces.pause import map_scripts
from playground.surfaces.race import inspection, point_at, race_or_trouble, results_rows, stepper_query
from playground.surfaces.runs import COLUMNS, NAMES, Column
from playground.surfaces.state import CUSTOM, SURFACES_SPEC, SurfaceState
from playground.surfaces.words import describe_losses, describe_map, map_caption, off_the_map

CAN_HIDE = {"setup": "surface and optimizer settings", "results": "results table", "inspector": "iteration inspector"}
CAN_LOCK = {"setup": "surface, start and optimizers"}
SPEC, key = SURFACES_SPEC, SURFACES_SPEC.widget_key
KIND = {f.name: f.kind for f in SPEC.fields}
ss = st.session_state


# --- state: the URL (or the lesson, or pasted JSON) fills the widgets; then the widgets own it ---

def _load(state: SurfaceState) -> None:
    SPEC.to_session(state, ss)


def _show(state: SurfaceState) -> None:
    """Only the widgets whose field changed (a row being typed into the table stays)."""
    ss.update(controls.shown_changes(SPEC, ss, state))


def _init_session() -> None:
    if "surfaces_ready" not in ss:
        state, ss.surfaces_teacher, ss.surfaces_warnings = read_link(SPEC, CAN_HIDE, CAN_LOCK)
        _load(state)
        ss.surfaces_ready = True


def _widget_keys(name: str) -> tuple[str, ...]:
    return KIND[name].widget_keys(key(name))


def _pick_surface() -> None:
    _show(controls.pick_surface(SPEC.from_session(ss), ss[key("surface")]))


def _settle() -> None:  # a typed f is a custom surface; fewer iterations bring the iteration shown within them
    _show(SPEC.from_session(ss))


def _click_start(chart: str = "surfaces_chart") -> None:  # a click on the map, or the dragged map's button
    state = controls.start_from_click(SPEC.from_session(ss), ss.get(chart))
    if state is not None:
        _show(state)
        ss.surfaces_rerun_all = True  # the chart sits in a fragment; the new start changes the whole page


def _load_json(state: SurfaceState) -> None:
    _load(state)
    ss.surfaces_rerun_all = True  # the share panel sits in the fragment too


def _go(frame: int | None = None, last: int = 0) -> None:  # to ``frame``, or one step on
    ss[key("frame")] = controls.step(ss[key("frame")], last) if frame is None else frame


def _share(state: SurfaceState) -> None:
    share_panel("surfaces", SPEC.to_query(state), teacher, CAN_HIDE, CAN_LOCK, "The link restores the surface, "
                "the start, every optimizer run and the iteration shown.", settings=(SPEC, state), load=_load_json)


# --- page ---

_init_session()
SPEC.keep_widgets(ss)  # through runs that don't draw some of them (setup hidden, a surface that can't be drawn)
page_header("Optimizer and loss-surface lab", "Pick a surface, a start point and some optimizers; watch each one's "
            "path. Step size, momentum and adaptive methods behave very differently on the same surface.",
            ss.pop("surfaces_warnings", []))

teacher: TeacherView = ss.surfaces_teacher
locked = teacher.locks("setup")


def _column(c: Column, default):  # ``default``: what a newly added row holds, so it runs without being filled in
    if c.options:
        return st.column_config.SelectboxColumn(c.label, options=list(c.options), required=c.name == "optimizer",
                                                help=c.help or None, format_func=lambda n: NAMES.get(n, n),
                                                default=default)
    return st.column_config.NumberColumn(c.label, format="%g", min_value=c.low, max_value=c.high, step=c.step,
                                         help=c.help or None, default=default)


def _setup() -> None:
    """The surface, start, ranges, optimizer table and iterations."""
    top = st.columns([2.2, 1.3, 1])
    top[0].selectbox("Surface", KIND["surface"].options, key=key("surface"), on_change=_pick_surface,
                     disabled=locked, format_func=lambda n: "Custom: type f(x, y) below" if n == CUSTOM else n)
    top[1].button("Open the step-size lesson (|x|)", key="surfaces_lesson", disabled=locked or ss[key("surface")]
                  == controls.LESSON,  # on the lesson itself the button would only undo what was changed
                  help="Replaces this setup with the lesson: |x| from 10 with steps 1, 5 and 11.",
                  on_click=lambda: _load(controls.step_size_lesson()), icon=":material/school:", width="stretch")
    top[2].segmented_control("View", KIND["view"].options, key=key("view"),
                             format_func=lambda v: "3-D" if v == "3d" else "Contour")
    if ss[key("surface")] in SURFACES:
        st.caption(SURFACES[ss[key("surface")]].note)
    # No max_chars: the box would cut a pasted expression, and the parser's message would give the cut length.
    st.text_input("f(x, y) =", key=key("expr"), on_change=_settle, disabled=locked,
                  help="Any expression in x (1-D) or x and y, e.g. `x**2 + 10*y**2` or `sin(x) * cos(y)`.")
    labels = ["start x", "start y", "x from", "x to", "y from", "y to"]
    boxes = [*_widget_keys("start"), *_widget_keys("x_range"), *_widget_keys("y_range")]
    for column, label, box in zip(st.columns(6), labels, boxes, strict=True):
        column.number_input(label, key=box, format="%g", step=0.1 if "start" in box else None, disabled=locked,
                            help="ignored for a 1-D surface f(x)" if label == "start y" else None)
    now = SPEC.from_session(ss)
    head = st.columns([4, 1.3], vertical_alignment="center")
    head[0].markdown("**Optimizers** — one row per run (add rows to compare settings of the same optimizer); a "
                     "grey *None* is a setting that row's optimizer doesn't use.")
    if controls.own_runs(now) not in (None, now.runs):
        head[1].button("This surface's rows", key="surfaces_own_rows", disabled=locked, width="stretch",
                       help="Replace the table by the rows tuned for this surface.",
                       on_click=lambda: _show(controls.surface_rows(SPEC.from_session(ss))))
    new_row = controls.new_row(now)
    st.data_editor(ss[key("runs")], key=KIND["runs"].editor_key(key("runs"), ss), width="stretch", hide_index=True,
                   num_rows="fixed" if locked else "dynamic", disabled=locked,
                   column_config={c.name: _column(c, new_row[c.name]) for c in COLUMNS})
    c = st.columns([3, 1])
    iterations, tolerance = KIND["iterations"], KIND["tolerance"]
    c[0].slider("Iterations", iterations.low, iterations.high, key=key("iterations"), on_change=_settle,
                disabled=locked)
    c[1].number_input("Tolerance", key=key("tolerance"), format="%g", min_value=tolerance.low,
                      max_value=None if math.isinf(tolerance.high) else tolerance.high, disabled=locked,
                      help="'Steps to tolerance' counts iterations until f − min f ≤ this (presets with a known "
                           "minimum); a run has converged when ‖∇f‖ ≤ this.")


if teacher.shows("setup"):
    _setup()
state = SPEC.from_session(ss)
for problem in KIND["runs"].problems(key("runs"), ss):
    st.error(problem + " — this row is left out.", icon=":material/error:")
race, trouble, echo = race_or_trouble(state, controls.unusable(state))
if race is None:
    st.error(plain(trouble), icon=":material/error:")
    if echo:
        st.code(echo, language=None)
    _share(state)  # the link still says what the widgets hold
    st.stop()
if race.notice:
    st.warning(race.notice, icon=":material/speed:")

def _view() -> None:
    if ss.get("surfaces_rerun_all"):  # a click on the map in this fragment changed the whole page
        st.rerun()
    now = SPEC.from_session(ss)
    frame = min(now.frame, race.frames)
    c = st.columns([1, 1, 5], vertical_alignment="bottom")
    c[0].button("Step", key="surfaces_step", icon=":material/chevron_right:", width="stretch", on_click=_go,
                args=(None, race.frames))
    c[1].button("Reset", key="surfaces_reset", icon=":material/first_page:", width="stretch", on_click=_go, args=(0,))
    c[2].slider("Iteration shown", 0, now.iterations, key=key("frame"),
                help="The iteration the inspector, the link and the arrows show. ▶ Play under the map grows the "
                     "paths in your browser.")
    if race.dims == 1:
        st.plotly_chart(curve_figure(race, frame, for_theme(st.context.theme.type)), width="stretch",
                        key="surfaces_curve")
    elif now.view == "3d":
        st.plotly_chart(surface3d_figure(race, frame), width="stretch", key="surfaces_3d")
    else:
        st.plotly_chart(contour_figure(race, frame), width="stretch", key="surfaces_chart",
                        on_select="ignore" if locked else _click_start, selection_mode="points")
        st.caption(map_caption(race, locked))
    if off_map := off_the_map(race):
        st.info(off_map, icon=":material/zoom_out_map:")
    st.caption(plain(describe_map(race, frame, now.view)))  # the chart in words (f may come from a link)
    left, right = st.columns([3, 2], gap="large")
    with left:
        if teacher.shows("results"):
            st.markdown("**Results**")
            st.table(results_rows(race))
        st.plotly_chart(loss_figure(race, frame), width="stretch", key="surfaces_loss")
        st.caption(plain(describe_losses(race, frame)))
    with right:
        if teacher.shows("inspector"):
            _inspect(frame)
    _drag_start(frame)
    _explore(frame)
    _share(now)


def _drag_start(frame: int) -> None:  # off at first, as the sliders below
    drag, why = run_drag(race) if race.dims == 2 and not locked and st.toggle(
        "Drag the start point: every path redrawn from where you drop it", key="surfaces_drag_on") else (None, None)
    if why:
        st.info(f"No dragging on this surface: {why}.")
    if drag is not None:
        st.caption(drag_caption(race, drag, frame))
        st.plotly_chart(fig := drag_figure(race, drag, frame), width="stretch", key="surfaces_drag",
                        on_select=lambda: _click_start("surfaces_drag"), selection_mode="points")
        st.html(drag_script("surfaces_drag", fig), unsafe_allow_javascript=True)


def _explore(frame: int) -> None:  # off at first: the page's first drawing doesn't wait for a map it may not use
    if not st.toggle("Drag η and μ: one run's path for other step sizes and momenta, redrawn as you drag",
                     key="surfaces_live_on"):
        return
    st.caption(f"At iteration {frame} (Iteration shown) the arrows show the step the gradient alone asks for (−η∇f) "
               "and, with momentum, the step the velocity takes (−ηv).")
    box, index = controls.explored_box(race.runs, ss.get("surfaces_explored"))
    choice = st.selectbox("Run", range(len(race.runs)), index=index, format_func=lambda i: race.runs[i].label, key=box)
    ss.surfaces_explored = race.runs[choice].label
    found, why = run_sweep(race, race.runs[choice])
    if found is None:
        st.info(f"No sliders for this run: {why}.")
    else:
        st.plotly_chart(explorer_figure(race, choice, found, frame), width="stretch", key="surfaces_live")


def _inspect(frame: int) -> None:
    st.markdown(f"**At iteration {frame}**")
    labels = [r.label for r in race.runs]
    # One box per set of runs: a box kept across races showed the old race's label over the new race's numbers.
    box, index = controls.inspector_box(labels, ss.get("surfaces_inspected"))
    choice = st.selectbox("Optimizer", range(len(labels)), index=index, format_func=lambda i: labels[i], key=box)
    run = race.runs[min(choice or 0, len(race.runs) - 1)]
    ss.surfaces_inspected = run.label
    lines, update = inspection(race, run, frame)
    st.markdown("  \n".join(lines))
    if update:
        st.caption(update)
    if run.descent.reason:
        st.info(f"{run.label}: {readable_text(run.descent.reason)}.")
    st.page_link("stepper/view.py", label="Open this point in the backprop stepper", icon=":material/account_tree:",
                 query_params=stepper_query(race, point_at(run, frame)[0]))


ss.pop("surfaces_rerun_all", None)  # this full run redraws the whole page
st.fragment(_view)()
st.html(map_scripts(("surfaces_chart", "surfaces_drag", "surfaces_live"), paused="surfaces_chart"),
        unsafe_allow_javascript=True)
