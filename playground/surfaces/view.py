"""Optimizer / loss-surface lab: race optimizers on a surface and watch their descent paths."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from engine import EngineError
from engine.formatting import format_array, format_number
from labs.optim import OPTIMIZERS, SCHEDULES, OptimizerConfig
from labs.surfaces import SURFACES
from playground.common.page import page_header, read_link, share_panel
from playground.common.palette import for_theme
from playground.common.teacher import TeacherView
from playground.surfaces.figures import contour_figure, curve_figure, loss_figure, surface3d_figure
from playground.surfaces.race import NAMES, point_at, results_rows, run_race, stepper_query
from playground.surfaces.state import VIEWS, SurfaceState, run_to_row, runs_from_rows

CUSTOM = "custom"
SPEEDS = {"slow": 0.8, "normal": 0.35, "fast": 0.12}
CAN_HIDE = {"setup": "surface and optimizer settings", "results": "results table", "inspector": "iteration inspector"}
CAN_LOCK = {"setup": "surface, start and optimizers"}
SETUP_KEYS = ("sl_surface", "sl_expr", "sl_sx", "sl_sy", "sl_x0", "sl_x1", "sl_y0", "sl_y1", "sl_iters", "sl_tol")
ss = st.session_state


# --- state: read from the URL once per session; widgets own it afterwards ---

def _load(state: SurfaceState) -> None:
    ss.sl_surface, ss.sl_expr = state.surface, state.expr
    (ss.sl_x0, ss.sl_x1), (ss.sl_y0, ss.sl_y1) = state.x_range, state.y_range
    ss.sl_sx, ss.sl_sy = state.start
    ss.sl_rows = [run_to_row(r) for r in state.runs]
    ss.sl_editor = ss.get("sl_editor", 0) + 1  # a new editor key: the table shows the new rows
    ss.sl_iters, ss.sl_tol, ss.sl_frame, ss.sl_view = state.iterations, state.tolerance, state.frame, state.view
    ss.sl_playing = False


def _init_session() -> None:
    if "sl_ready" not in ss:
        state, ss.sl_teacher, ss.sl_warnings = read_link(SurfaceState, CAN_HIDE, CAN_LOCK)
        _load(state)
        ss.sl_ready = True


def _pick_surface() -> None:
    if ss.sl_surface != CUSTOM:
        current = runs_from_rows(ss.sl_rows, ss.sl_iters)[0] or SurfaceState().runs
        _load(SurfaceState.for_surface(ss.sl_surface, runs=tuple(current), iterations=ss.sl_iters,
                                       frame=ss.sl_iters, view=ss.sl_view))


def _step_size_lesson() -> None:
    runs = tuple(OptimizerConfig("sgd", lr=lr) for lr in (1.0, 5.0, 11.0))
    _load(SurfaceState.for_surface("|x| (step-size lesson)", runs=runs, iterations=30, frame=30))


def _typed_expr() -> None:
    preset = SURFACES.get(ss.sl_surface)
    if preset is None or preset.expr != ss.sl_expr:
        ss.sl_surface = CUSTOM


def _set_start_from_click() -> None:
    points = (ss.get("sl_chart") or {}).get("selection", {}).get("points", [])
    if points:
        ss.sl_sx, ss.sl_sy = round(float(points[0]["x"]), 3), round(float(points[0]["y"]), 3)
        ss.sl_frame = ss.sl_iters
        ss.sl_rerun_all = True  # the chart sits in a fragment; the new start changes the whole page


def _toggle_play() -> None:
    ss.sl_playing = not ss.sl_playing
    if ss.sl_playing and ss.sl_frame >= ss.sl_iters:
        ss.sl_frame = 0


# --- page ---

_init_session()
page_header("Optimizer and loss-surface lab", "Pick a surface, a start point and some optimizers; watch each one's "
            "path. Step size, momentum and adaptive methods behave very differently on the same surface.",
            ss.pop("sl_warnings", []))

teacher: TeacherView = ss.sl_teacher
locked = teacher.locks("setup")


def _setup() -> list[dict]:
    """The surface, start, ranges, optimizer table and iterations; returns the table's rows."""
    top = st.columns([2.2, 1.3, 1])
    top[0].selectbox("Surface", [*SURFACES, CUSTOM], key="sl_surface", on_change=_pick_surface, disabled=locked,
                     format_func=lambda n: "Custom: type f(x, y) below" if n == CUSTOM else n)
    top[1].button("Step-size lesson: |x| with steps 1, 5, 11", on_click=_step_size_lesson, disabled=locked,
                  icon=":material/school:", width="stretch", key="sl_lesson")
    top[2].segmented_control("View", VIEWS, key="sl_view",
                             format_func=lambda v: "3-D" if v == "3d" else "Contour")
    if ss.sl_surface in SURFACES:
        st.caption(SURFACES[ss.sl_surface].note)
    st.text_input("f(x, y) =", key="sl_expr", on_change=_typed_expr, max_chars=1000, disabled=locked,
                  help="Any expression in x (1-D) or x and y, e.g. x**2 + 10*y**2 or sin(x) * cos(y).")
    c = st.columns(6)
    c[0].number_input("start x", key="sl_sx", format="%g", step=0.1, disabled=locked)
    c[1].number_input("start y", key="sl_sy", format="%g", step=0.1, disabled=locked,
                      help="ignored for a 1-D surface f(x)")
    c[2].number_input("x from", key="sl_x0", format="%g", disabled=locked)
    c[3].number_input("x to", key="sl_x1", format="%g", disabled=locked)
    c[4].number_input("y from", key="sl_y0", format="%g", disabled=locked)
    c[5].number_input("y to", key="sl_y1", format="%g", disabled=locked)
    st.markdown("**Optimizers** — one row per run (add rows to compare settings of the same optimizer).")
    rows = st.data_editor(
        ss.sl_rows, key=f"sl_runs_{ss.sl_editor}", num_rows="fixed" if locked else "dynamic", width="stretch",
        hide_index=True, disabled=locked, column_config={
            "optimizer": st.column_config.SelectboxColumn("optimizer", options=list(OPTIMIZERS), required=True,
                                                          format_func=lambda n: NAMES.get(n, n)),
            "lr": st.column_config.NumberColumn("η (learning rate)", format="%g", min_value=0.0),
            "momentum": st.column_config.NumberColumn("μ", format="%g", min_value=0.0, max_value=0.999),
            "beta1": st.column_config.NumberColumn("β₁", format="%g"),
            "beta2": st.column_config.NumberColumn("β₂", format="%g"),
            "weight decay": st.column_config.NumberColumn("λ (weight decay)", format="%g", min_value=0.0),
            "decay": st.column_config.SelectboxColumn("decay", options=["l2", "decoupled"]),
            "clip norm": st.column_config.NumberColumn("clip ‖g‖", format="%g", min_value=0.0),
            "clip value": st.column_config.NumberColumn("clip |gᵢ|", format="%g", min_value=0.0),
            "schedule": st.column_config.SelectboxColumn("η schedule", options=list(SCHEDULES)),
        })
    c = st.columns([3, 1])
    c[0].slider("Iterations", 1, 500, key="sl_iters", disabled=locked)
    c[1].number_input("Tolerance", key="sl_tol", format="%g", min_value=0.0, disabled=locked,
                      help="'Steps to tolerance' counts iterations until f − min f ≤ this (presets with a known "
                           "minimum); a run has converged when ‖∇f‖ ≤ this.")
    return rows


if teacher.shows("setup"):
    edited = _setup()
else:  # hidden for the class: keep the link's settings (widget state is dropped for unrendered widgets)
    for key in SETUP_KEYS:
        ss[key] = ss[key]
    edited = ss.sl_rows
runs, problems = runs_from_rows(edited, ss.sl_iters)
for problem in problems:
    st.error(problem + " — this row is left out.", icon=":material/error:")
if not runs:
    st.error("Add at least one optimizer row with a positive learning rate.", icon=":material/error:")
    st.stop()
state = SurfaceState(ss.sl_surface, ss.sl_expr, (ss.sl_x0, ss.sl_x1), (ss.sl_y0, ss.sl_y1),
                     (ss.sl_sx, ss.sl_sy), tuple(runs), ss.sl_iters, ss.sl_tol,
                     min(ss.sl_frame, ss.sl_iters), ss.sl_view or "contour")
try:
    if not (ss.sl_x0 < ss.sl_x1 and ss.sl_y0 < ss.sl_y1):
        raise EngineError("each plotted range needs 'from' < 'to'")
    race = run_race(state)
except EngineError as e:
    message = e.format() if hasattr(e, "format") else str(e)
    st.error(f"Can't draw this surface: {message}", icon=":material/error:")
    st.stop()


def _view() -> None:
    if ss.pop("sl_rerun_all", False):
        st.rerun()
    if ss.sl_playing:
        if ss.sl_frame < race.frames:
            ss.sl_frame += 1
        else:
            ss.sl_playing = False
            st.rerun()  # a full run restarts the page without the timer
    frame = min(ss.sl_frame, race.frames)
    c = st.columns([1, 1, 1, 1.4, 5], vertical_alignment="bottom")
    c[0].button("Pause" if ss.sl_playing else "Play", key="sl_play", on_click=_toggle_play,
                icon=":material/pause:" if ss.sl_playing else ":material/play_arrow:", width="stretch")
    c[1].button("Step", key="sl_step", icon=":material/chevron_right:", width="stretch",
                on_click=lambda: ss.update(sl_frame=min(ss.sl_frame + 1, race.frames), sl_playing=False))
    c[2].button("Reset", key="sl_reset", icon=":material/first_page:", width="stretch",
                on_click=lambda: ss.update(sl_frame=0, sl_playing=False))
    if "sl_speed" not in ss:
        ss.sl_speed = "normal"
    c[3].select_slider("Speed", list(SPEEDS), key="sl_speed")
    c[4].slider("Iteration shown", 0, max(race.frames, 1), value=frame, key=f"sl_frame_slider_{race.frames}",
                on_change=lambda k=f"sl_frame_slider_{race.frames}": ss.update(sl_frame=ss[k]))
    if race.dims == 1:
        st.plotly_chart(curve_figure(race, frame, for_theme(st.context.theme.type)), width="stretch", key="sl_curve")
    elif (ss.sl_view or "contour") == "3d":
        st.plotly_chart(surface3d_figure(race, frame), width="stretch", key="sl_3d")
    else:
        st.plotly_chart(contour_figure(race, frame), width="stretch", key="sl_chart",
                        on_select="ignore" if locked else _set_start_from_click, selection_mode="points")
        st.caption("✕ start · ★ minimum." if locked else
                   "Click anywhere on the contour map to start every optimizer from there. ✕ start · ★ minimum.")
    left, right = st.columns([3, 2], gap="large")
    with left:
        if teacher.shows("results"):
            st.markdown("**Results**")
            st.table(results_rows(race))
        st.plotly_chart(loss_figure(race, frame), width="stretch", key="sl_loss")
    with right:
        if teacher.shows("inspector"):
            _inspect(frame)
    share_panel("sl", replace(state, frame=min(ss.sl_frame, race.frames)).to_query(), teacher, CAN_HIDE, CAN_LOCK,
                "The link restores the surface, the start, every optimizer run and the iteration shown.")


def _inspect(frame: int) -> None:
    st.markdown(f"**At iteration {frame}**")
    labels = [r.label for r in race.runs]
    choice = st.selectbox("Optimizer", range(len(labels)), format_func=lambda i: labels[i], key="sl_inspect")
    run = race.runs[min(choice or 0, len(race.runs) - 1)]
    point, loss, grad = point_at(run, frame)
    names = ("x", "y")[: race.dims]
    st.markdown("  \n".join([
        f"point: ({', '.join(f'{n} = {format_number(v, 6)}' for n, v in zip(names, point, strict=True))})",
        f"loss f = {format_number(loss, 6)}",
        f"gradient ∇f = {format_array(grad, 6)}, ‖∇f‖ = {format_number(float(sum(g * g for g in grad)) ** 0.5)}",
    ]))
    if frame < len(run.descent.updates) + 1 and frame >= 1:
        u = run.descent.updates[frame - 1]
        st.caption(f"update {u.iteration}: η = {format_number(u.lr)}, step length {format_number(u.update_norm)}"
                   + (" (gradient clipped)" if u.clipped else ""))
    if run.descent.reason:
        st.info(f"{run.label}: {run.descent.reason}.")
    st.page_link("stepper/view.py", label="Open this point in the backprop stepper",
                 icon=":material/account_tree:", query_params=stepper_query(race, point))


interval = SPEEDS.get(ss.get("sl_speed") or "normal", 0.35)
st.fragment(_view, run_every=interval if ss.sl_playing else None)()
