"""MLP lab: build a small network, train it, and look inside — down to one neuron's gradients."""

from __future__ import annotations

import time
from dataclasses import replace

import streamlit as st

from engine import EngineError
from engine.formatting import format_number
from engine.limits import MAX_LAYERS, MAX_UPDATES, MAX_WIDTH
from labs.mlp.datasets import FEATURES, GENERATORS
from labs.mlp.export import config_from_json, config_to_json, numpy_script, torch_script
from labs.mlp.loss_slice import loss_landscape
from labs.mlp.nn import ACTIVATIONS, INITS, LOSSES
from labs.optim import OPTIMIZERS, OptimizerConfig
from playground.common.page import page_header, read_link, share_panel
from playground.common.palette import for_theme
from playground.common.presets import load_presets
from playground.common.teacher import TeacherView
from playground.mlp.figures import (
    boundary_figure,
    grad_norm_figure,
    gradient_histogram_figure,
    landscape_figure,
    loss_figure,
)
from playground.mlp.lab import (
    build_trainer,
    csv_to_rows,
    decision_grid,
    load_data,
    neuron_gradients,
    rows_to_csv,
    unroll_query,
)
from playground.mlp.network_figure import network_dot
from playground.mlp.state import BATCH, DATASETS, NOISE, OWN_DATA, POINTS, SCALE, MLPState

UPDATES_PER_FRAME = 5
CAN_HIDE = {"lessons": "lessons", "setup": "data, network and training settings", "export": "export and import",
            "landscape": "loss landscape", "unroll": "unroll to scalars"}
CAN_LOCK = {"setup": "all settings"}
SETUP_KEYS = ("ml_data", "ml_points", "ml_noise", "ml_dseed", "ml_test", "ml_features", "ml_init", "ml_scale",
              "ml_bias", "ml_loss", "ml_opt", "ml_lr", "ml_batch", "ml_l1", "ml_l2", "ml_clip", "ml_seed", "ml_csv")
EXAMPLE_POINTS = "x1,x2,label\n-2,-2,0\n-1,-2,0\n-2,-1,0\n2,2,1\n1,2,1\n2,1,1\n"
ss = st.session_state


# --- state: the URL (or a preset) fills the widgets; the widgets make the MLPState ---

def _load(state: MLPState, note: str | None = None) -> None:
    ss.ml_data, ss.ml_points, ss.ml_noise, ss.ml_dseed = state.dataset, state.points, state.noise, state.data_seed
    ss.ml_test = int(round(state.test_fraction * 100))
    ss.ml_features = list(state.features)
    ss.ml_layers = [{"width": w, "activation": a} for w, a in zip(state.hidden, state.activations, strict=True)]
    ss.ml_layers_v = ss.get("ml_layers_v", 0) + 1
    ss.ml_init, ss.ml_scale, ss.ml_bias, ss.ml_loss = state.init, state.init_scale, state.bias, state.loss
    o = state.optimizer
    ss.ml_opt, ss.ml_lr, ss.ml_clip = o.name, o.lr, o.clip_norm or 0.0
    ss.ml_batch, ss.ml_l1, ss.ml_l2, ss.ml_seed = state.batch_size, state.l1, state.l2, state.seed
    ss.ml_playing = False
    ss.ml_note = note


def _init_session() -> None:
    if "ml_ready" not in ss:
        state, ss.ml_teacher, ss.ml_warnings = read_link(MLPState, CAN_HIDE, CAN_LOCK)
        _load(state)
        ss.ml_target = 500
        ss.ml_csv = EXAMPLE_POINTS
        ss.ml_rows, ss.ml_rows_v = csv_to_rows(EXAMPLE_POINTS), 0
        ss.ml_own_csv = EXAMPLE_POINTS
        ss.ml_ready = True


def _state_from_widgets(layers) -> MLPState:
    rows = [r for r in layers if r.get("width")][:MAX_LAYERS]
    base = OptimizerConfig(ss.ml_opt)
    optimizer = replace(base, lr=float(ss.ml_lr), clip_norm=float(ss.ml_clip) or None)
    default = MLPState()  # widgets hidden in this run (points, noise with own data) lose their state
    return MLPState(ss.ml_data, int(ss.get("ml_points", default.points)), float(ss.get("ml_noise", default.noise)),
                    int(ss.ml_dseed), ss.ml_test / 100,
                    tuple(ss.ml_features), tuple(int(r["width"]) for r in rows),
                    tuple(r.get("activation") or "relu" for r in rows), ss.ml_init, float(ss.ml_scale),
                    bool(ss.ml_bias), ss.ml_loss, optimizer, int(ss.ml_batch), float(ss.ml_l1), float(ss.ml_l2),
                    int(ss.ml_seed))


def _train(updates: int) -> None:
    trainer = ss.ml_trainer
    for _ in range(updates):
        if trainer.updates >= MAX_UPDATES:
            ss.ml_limit = (f"This model has reached {MAX_UPDATES:,} updates, the most one session may train: "
                           "Reset to start again.")
            ss.ml_playing = False
            break
        if not trainer.step() or trainer.halted:
            ss.ml_playing = False
            break


def _toggle_play() -> None:
    ss.ml_playing = not ss.ml_playing
    if ss.ml_playing and ss.ml_trainer.updates >= ss.ml_target:
        ss.ml_target = ss.ml_trainer.updates + 500


def _csv_into_table(text: str) -> None:
    try:
        ss.ml_rows = csv_to_rows(text)
    except EngineError as e:
        ss.ml_csv_error = str(e)
        return
    ss.ml_rows_v += 1  # a new table key: the editor shows the new rows


def _upload_into_table() -> None:
    upload = ss.get("ml_upload")
    if upload is not None:
        _csv_into_table(upload.getvalue().decode("utf-8", "replace"))


def _reset() -> None:
    ss.ml_trainer = None  # rebuilt from the current setup on the next run
    ss.ml_playing = False


def _load_json() -> None:
    upload = ss.get("ml_json")
    if upload is None:
        return
    try:
        cfg, extra = config_from_json(upload.getvalue().decode("utf-8", "replace"))
    except ValueError as e:
        ss.ml_json_error = str(e)
        return
    state = MLPState(extra.get("dataset", "circle") if extra.get("dataset") in GENERATORS else "circle",
                     features=cfg.features, hidden=cfg.net.hidden, activations=cfg.net.activations,
                     init=cfg.net.init, init_scale=cfg.net.init_scale, bias=cfg.net.bias, loss=cfg.loss,
                     optimizer=cfg.optimizer, batch_size=cfg.batch_size, l1=cfg.l1, l2=cfg.l2, seed=cfg.seed)
    _load(state, "Loaded the configuration from the JSON file.")
    _reset()


# --- page ---

_init_session()
page_header("MLP lab", "Build a small network, train it, and look inside: the decision boundary, the loss, every "
            "layer's gradient norm, and one neuron's upstream / local / downstream gradient.",
            ss.pop("ml_warnings", []))

teacher: TeacherView = ss.ml_teacher
locked = teacher.locks("setup")
if teacher.shows("lessons") and not locked:
    with st.expander("Lessons", expanded=False):
        cols = st.columns(3)
        for i, preset in enumerate(load_presets("mlp")):
            cols[i % 3].button(preset["name"], key=f"ml_preset_{i}", help=preset["note"], width="stretch",
                               on_click=lambda p=preset: (_load(MLPState.from_query(p["query"])[0],
                                                                f"**{p['name']}** — {p['note']}"), _reset()))
if ss.get("ml_note"):
    st.info(ss.ml_note)


def _setup() -> list[dict]:
    """The data, network and training settings; returns the layer table's rows."""
    data_col, net_col, train_col = st.columns(3, gap="medium")
    with data_col:
        st.markdown("**Data**")
        st.selectbox("Dataset", DATASETS, key="ml_data", disabled=locked,
                     format_func=lambda n: "XOR" if n == "xor" else n.capitalize())
        if ss.ml_data == OWN_DATA:
            st.caption("Your points: edit the table, or fill it from CSV text or a file (x1, x2, label).")
            edited = st.data_editor(ss.ml_rows, key=f"ml_pts_{ss.ml_rows_v}", disabled=locked, width="stretch",
                                    num_rows="fixed" if locked else "dynamic", height=180, column_config={
                                        "x1": st.column_config.NumberColumn("x1", format="%g", required=True),
                                        "x2": st.column_config.NumberColumn("x2", format="%g", required=True),
                                        "label": st.column_config.NumberColumn("label", min_value=0, max_value=9,
                                                                               step=1, required=True)})
            ss.ml_own_csv = rows_to_csv(edited)
            with st.popover("From CSV", icon=":material/upload_file:", disabled=locked):
                st.text_area("Points as CSV: x1, x2, label", key="ml_csv", height=120,
                             help="One point per line; labels 0, 1, 2, ... A header line is fine.")
                st.button("Put these points in the table", key="ml_use_csv",
                          on_click=lambda: _csv_into_table(ss.ml_csv))
                st.file_uploader("…or upload a CSV file", type=["csv", "txt"], key="ml_upload",
                                 on_change=_upload_into_table)
            if ss.get("ml_csv_error"):
                st.error(f"That CSV can't be used: {ss.pop('ml_csv_error')}")
        else:
            st.number_input("Points", *POINTS, step=10, key="ml_points", disabled=locked)
            st.slider("Noise", *NOISE, step=0.01, key="ml_noise", disabled=locked)
        c = st.columns(2)
        c[0].slider("Test set %", 0, 90, step=1, key="ml_test", disabled=locked)
        c[1].number_input("Data seed", 0, 2**31, key="ml_dseed", disabled=locked)
        st.multiselect("Input features", list(FEATURES), key="ml_features", disabled=locked)
    with net_col:
        st.markdown("**Network** — one row per hidden layer")
        layers = st.data_editor(ss.ml_layers, key=f"ml_layers_{ss.ml_layers_v}", width="stretch", hide_index=True,
                                num_rows="fixed" if locked else "dynamic", disabled=locked, column_config={
                                    "width": st.column_config.NumberColumn("width", min_value=1, max_value=MAX_WIDTH,
                                                                           step=1, required=True, default=4),
                                    "activation": st.column_config.SelectboxColumn("activation", options=ACTIVATIONS,
                                                                                   required=True, default="relu")})
        c = st.columns(2)
        c[0].selectbox("Initialisation", INITS, key="ml_init", disabled=locked)
        c[1].number_input("Init scale", *SCALE, key="ml_scale", disabled=locked, format="%g")
        st.toggle("Biases", key="ml_bias", disabled=locked)
    with train_col:
        st.markdown("**Training**")
        c = st.columns(2)
        c[0].selectbox("Loss", LOSSES, key="ml_loss", disabled=locked, help="Regression data needs mse.")
        c[1].selectbox("Optimizer", OPTIMIZERS, key="ml_opt", disabled=locked)
        c = st.columns(2)
        c[0].number_input("Learning rate η", min_value=0.0, key="ml_lr", disabled=locked, format="%g")
        c[1].number_input("Batch size (0 = all)", *BATCH, key="ml_batch", disabled=locked)
        c = st.columns(3)
        c[0].number_input("L1", min_value=0.0, key="ml_l1", disabled=locked, format="%g")
        c[1].number_input("L2", min_value=0.0, key="ml_l2", disabled=locked, format="%g")
        c[2].number_input("Clip ‖g‖ (0 = off)", min_value=0.0, key="ml_clip", disabled=locked, format="%g")
        st.number_input("Seed (weights and batches)", 0, 2**31, key="ml_seed", disabled=locked)
    return layers


if teacher.shows("setup"):
    layers = _setup()
else:  # hidden for the class: keep the link's settings (widget state is dropped for unrendered widgets)
    for key in SETUP_KEYS:
        if key in ss:
            ss[key] = ss[key]
    layers = ss.ml_layers

state = _state_from_widgets(layers)
own_csv = ss.ml_own_csv if ss.ml_data == OWN_DATA else None
if ss.get("ml_trainer") is None or ss.get("ml_built_for") != (state, own_csv):
    try:
        data = load_data(state, own_csv, "classification")
        if data.task == "regression" and state.loss != "mse":
            raise EngineError("regression data needs the mse loss: choose it under Training")
        ss.ml_trainer, ss.ml_dataset = build_trainer(state, data), data
        ss.ml_built_for = (state, own_csv)
        ss.ml_playing = False
    except (EngineError, ValueError) as e:
        st.error(f"Can't build this network: {e}. " + ("The previous model is kept." if ss.get("ml_trainer")
                                                        else ""), icon=":material/error:")
        if ss.get("ml_trainer") is None:
            st.stop()
        state = ss.ml_built_for[0]


def _controls(trainer) -> None:
    c = st.columns([1, 0.8, 0.8, 0.8, 1, 1.2, 2.6], vertical_alignment="bottom")
    c[0].button("Pause" if ss.ml_playing else "Play", key="ml_play", width="stretch", disabled=bool(trainer.halted),
                icon=":material/pause:" if ss.ml_playing else ":material/play_arrow:", on_click=_toggle_play)
    for i, n in ((1, 1), (2, 10), (3, 100)):
        c[i].button(f"+{n}", key=f"ml_step{n}", width="stretch", disabled=bool(trainer.halted) or ss.ml_playing,
                    help=f"train {n} update{'s' * (n > 1)}", on_click=_train, args=(n,))
    c[4].button("Reset", key="ml_reset", icon=":material/restart_alt:", width="stretch", on_click=_reset)
    c[5].number_input("Play until update", 1, MAX_UPDATES, key="ml_target", step=100)
    last = trainer.history[-1] if trainer.history else None
    c[6].markdown(f"#### update {trainer.updates} · epoch {last.epoch:.1f}" if last else "#### update 0 · epoch 0")
    st.progress(min(trainer.updates / ss.ml_target, 1.0),
                text=f"{trainer.updates} / {ss.ml_target} updates" + (" — playing" if ss.ml_playing else ""))


def _view() -> None:
    if ss.get("ml_trainer") is None:  # Reset was pressed in here: rebuild it in a full run
        st.rerun()
    trainer, data = ss.ml_trainer, ss.ml_dataset
    if ss.ml_playing:
        _train(min(UPDATES_PER_FRAME, max(ss.ml_target - trainer.updates, 0)))
        if trainer.updates >= ss.ml_target:
            ss.ml_playing = False
        if not ss.ml_playing:
            st.rerun()  # stopped (NaN trap or the cap): a full run removes the timer
    _controls(trainer)
    if trainer.updates >= MAX_UPDATES and ss.get("ml_limit"):
        st.warning(ss.ml_limit, icon=":material/block:")
    if trainer.halted:
        st.error(f"NaN trap: {trainer.halted}. Training stopped; the weights are rewound to the last finite "
                 "state. Try a smaller learning rate or gradient clipping, then Reset.", icon=":material/error:")
    history, last = trainer.history, (trainer.history[-1] if trainer.history else None)
    left, right = st.columns([1.1, 1], gap="medium")
    with left:
        st.plotly_chart(boundary_figure(*decision_grid(trainer, data), trainer.train_set, trainer.test_set, data.task),
                        width="stretch", key="ml_boundary")
    with right:
        if last:
            m = st.columns(4)
            m[0].metric("train loss", format_number(last.train_loss, 3))
            m[1].metric("test loss", format_number(last.test_loss, 3) if last.test_loss is not None else "—")
            if last.train_accuracy is not None:
                m[2].metric("train accuracy", f"{100 * last.train_accuracy:.1f}%")
                m[3].metric("test accuracy", f"{100 * last.test_accuracy:.1f}%" if last.test_accuracy is not None
                            else "—")
            st.plotly_chart(loss_figure(history, for_theme(st.context.theme.type)), width="stretch",
                            key="ml_loss_fig")
        else:
            st.info("Press **Play** or **+10** to start training.")
    left, right = st.columns(2, gap="medium")
    left.plotly_chart(grad_norm_figure(history), width="stretch", key="ml_norms")
    right.plotly_chart(gradient_histogram_figure(trainer), width="stretch", key="ml_hist")
    if last:
        ratios = ", ".join(f"L{i + 1} {format_number(r, 2)}" for i, r in enumerate(last.update_ratios))
        st.caption(f"Update : weight ratio per layer (healthy ≈ 1e-3): {ratios}")
    _network(trainer)


def _network(trainer) -> None:
    st.subheader("The network")
    hidden = trainer.cfg.net.hidden
    selected, info = None, None
    if hidden:
        c = st.columns([1, 1, 4])
        layer = c[0].selectbox("Layer", range(1, len(hidden) + 1), key="ml_layer")
        neuron = c[1].selectbox("Neuron", range(1, hidden[layer - 1] + 1), key=f"ml_neuron_{layer}")
        info = neuron_gradients(trainer, layer, neuron - 1)
        selected = (layer, neuron - 1)
        if info:
            c[2].markdown(f"Neuron {layer}.{neuron} at the latest update, summed over the batch: "
                          f"upstream ∂L/∂a = **{format_number(info['upstream'])}**, "
                          f"mean local ∂a/∂z = **{format_number(info['local'])}**, "
                          f"downstream ∂L/∂z = **{format_number(info['downstream'])}**.")
    st.graphviz_chart(network_dot(trainer, selected, info, for_theme(st.context.theme.type)), width="content")
    st.caption("Edges: solid blue = positive weight, dashed orange = negative; thicker = larger |w|.")


_live = st.fragment(_view, run_every=0.25 if ss.ml_playing else None)
_live()

def _landscape() -> None:
    st.caption("A 2-D slice along two random, filter-normalized directions (Li et al., 2018), with the training "
               "path projected onto it.")
    if st.button("Compute the slice", key="ml_landscape"):
        started = time.perf_counter()
        land = loss_landscape(ss.ml_trainer, resolution=31)
        st.plotly_chart(landscape_figure(land), width="stretch")
        st.caption(f"{land.loss.size} loss evaluations in {1000 * (time.perf_counter() - started):.0f} ms.")


def _unroll() -> None:
    trainer = ss.ml_trainer
    sample = st.number_input("Training sample", 0, max(len(trainer.x_train) - 1, 0), key="ml_sample")
    query, why = unroll_query(trainer, int(sample))
    if query:
        st.page_link("stepper/view.py", label="Open this sample's loss graph in the stepper",
                     icon=":material/account_tree:", query_params=query)
    else:
        st.info(f"Not available: {why}. The lesson 'Tiny 2-2-2 net' fits.")


def _export() -> None:
    trainer = ss.ml_trainer
    updates = max(trainer.updates, 10)
    c = st.columns(3)
    c[0].download_button("numpy script", numpy_script(trainer, updates), "gradlab_mlp_numpy.py", "text/x-python",
                         help=f"Rebuilds this model, data and training, and runs {updates} updates.")
    c[1].download_button("PyTorch script", torch_script(trainer, updates), "gradlab_mlp_torch.py", "text/x-python")
    c[2].download_button("configuration (JSON)", config_to_json(trainer.cfg, {"dataset": state.dataset}),
                         "gradlab_mlp.json", "application/json")
    if not locked:
        st.file_uploader("Load a configuration (JSON)", type=["json"], key="ml_json", on_change=_load_json)
    if ss.get("ml_json_error"):
        st.error(f"That file can't be loaded: {ss.pop('ml_json_error')}")


for panel, title, render in (("landscape", "Loss landscape around the current weights", _landscape),
                             ("unroll", "Unroll to scalars: one sample's loss in the backprop stepper", _unroll),
                             ("export", "Export and import", _export)):
    if teacher.shows(panel):
        with st.expander(title):
            render()

share_panel("ml", state.to_query(), teacher, CAN_HIDE, CAN_LOCK,
            "The link restores the data, network and training settings (not the training progress"
            + (", and not your own data" if state.dataset == OWN_DATA else "") + ").")
