"""MLP lab: build a small network, train it, and look inside — down to one neuron's gradients. Every setting's
widget takes its key and bounds from MLP_SPEC (state.py), from which the URL and the JSON are derived too."""

from __future__ import annotations

import streamlit as st

from engine.limits import MAX_UPDATES
from labs.mlp.loss_slice import loss_slice
from playground.common.page import graph_downloads, page_header, plain, read_link, share_panel
from playground.common.palette import LIGHT, for_theme
from playground.common.play import play_button, play_in_browser, timed_fragment
from playground.common.presets import lesson_note, load_presets
from playground.mlp import animation, budget, captions, config, figures, heatmaps, words
from playground.mlp.controls import DETAIL_ROWS, TARGET_HELP, control, range_help
from playground.mlp.lab import neuron_gradients, unroll_query
from playground.mlp.network_figure import edges_caption, network_dot
from playground.mlp.panels import CAN_HIDE, CAN_LOCK, TITLES, downloads, for_student, gradient_charts, lesson
from playground.mlp.points import COLUMNS, EXAMPLE_POINTS, OwnPoints
from playground.mlp.state import MLP_SPEC, OWN_DATA, fill_new_layers, fit_loss_to_data, share_note
from playground.mlp.training import Training

ss, key = st.session_state, MLP_SPEC.widget_key


def _load(state, note: str | None = None, points: list[dict] | None = None, reset: bool = True) -> None:
    """Show ``state`` in the widgets (and ``points`` in the own-data table) and train afresh (or go on)."""
    MLP_SPEC.to_session(state, ss)
    if points is not None:
        ss.mlp_own.fill(points)
    if reset:
        ss.mlp_training.reset()
        ss.mlp_note = note


def _load_file() -> None:  # over the current setup: what the file lacks or gets wrong stays as it is
    cfg, ss.mlp_file_messages = config.read_upload(ss.mlp_config_file, MLP_SPEC.from_session(ss))
    if cfg is not None:
        _load(cfg.state, points=cfg.points)


if "mlp_ready" not in ss:
    ss.mlp_training, ss.mlp_own, ss.mlp_target, ss.mlp_csv = Training(), OwnPoints(), 500, EXAMPLE_POINTS
    link_state, ss.mlp_teacher, ss.mlp_warnings = read_link(MLP_SPEC, CAN_HIDE, CAN_LOCK)
    _load(link_state, for_student(lesson_note("mlp", MLP_SPEC, link_state), ss.mlp_teacher))
    ss.mlp_ready = True
training, own = ss.mlp_training, ss.mlp_own  # a Training and an OwnPoints
MLP_SPEC.keep_widgets(ss)  # settings whose widgets this run doesn't draw (hidden panel, own data) keep their values

page_header("MLP lab", "Build a small network, train it, and look inside: the decision boundary, the loss, every "
            "layer's gradient norm, one neuron's upstream / local / downstream gradient.", ss.pop("mlp_warnings", []))
teacher, locked = ss.mlp_teacher, ss.mlp_teacher.locks("setup")
if teacher.shows("lessons") and not locked:
    with st.expander("Lessons", expanded=False):
        cols = st.columns(3)
        for i, preset in enumerate(load_presets("mlp")):
            cols[i % 3].button(preset["name"], key=f"mlp_preset_{i}", help=preset["note"], width="stretch",
                               on_click=_load, args=lesson(preset))
for note in filter(None, (ss.get("mlp_note"), ss.pop("mlp_loss_note", None))):  # the lesson's; a loss the data set
    st.info(note)


def _w(where, name: str, **more) -> None:
    """The widget of one setting, as controls.py describes it (and ``more``), under its session key."""
    c = control(name)
    getattr(where, c.widget)(c.label, key=key(name), disabled=locked, **c.args(), **more)


def _row(*names: str) -> None:
    for where, name in zip(st.columns(len(names)), names, strict=True):
        _w(where, name)


def _own_points() -> None:
    st.caption("Your points: edit the table, or fill it from CSV text or a file (x1, x2, label).")
    own.edited = st.data_editor(own.rows, key=f"mlp_table_{own.version}", disabled=locked, width="stretch",
                                num_rows="fixed" if locked else "dynamic", height=180, column_config={
                                    c: st.column_config.NumberColumn(c, **args) for c, args in COLUMNS.items()})
    with st.popover("From CSV", icon=":material/upload_file:", disabled=locked):
        st.text_area("Points as CSV: x1, x2, label", key="mlp_csv", height=120,
                     help="One point per line; labels 0, 1, 2, ... A header line is fine.")
        st.button("Put these points in the table", key="mlp_use_csv", on_click=lambda: own.fill_from_csv(ss.mlp_csv))
        st.file_uploader("…or upload a CSV file", type=["csv", "txt"], key="mlp_upload",
                         on_change=lambda: ss.mlp_upload and own.fill_from_upload(ss.mlp_upload.getvalue()))
    if error := own.take_error():
        st.error(f"That CSV can't be used: {plain(error)}")


def _setup() -> None:
    """The data, network and training settings."""
    data_col, net_col, train_col = st.columns(3, gap="medium")
    with data_col:
        st.markdown("**Data**")
        _w(st, "dataset", on_change=fit_loss_to_data, args=(ss, ss[key("dataset")], "mlp_loss_note"))
        if ss[key("dataset")] == OWN_DATA:
            _own_points()
        else:
            own.keep_edits()
            _w(st, "points")
            _w(st, "noise")
        _row("test_fraction", "data_seed")
        _w(st, "features")
    with net_col:
        st.markdown("**Network**")
        _w(st, "hidden")
        for i in range(fill_new_layers(ss)):
            _row(f"hidden_{i}", f"activations_{i}")
        _row("init", "init_scale")
        _w(st, "bias")
    with train_col:
        st.markdown("**Training**")
        _row("loss", "optimizer_name")
        _row("optimizer_lr", "batch_size")
        _row("l1", "l2", "optimizer_clip_norm")
        _w(st, "seed")
        with st.expander("Optimizer details"):
            for row in DETAIL_ROWS:
                _row(*row)


if teacher.shows("setup"):
    _setup()
state = MLP_SPEC.from_session(ss)
state, problem = training.build(state, own.csv() if state.dataset == OWN_DATA else None)
if problem:
    st.error(plain(problem), icon=":material/error:")
    if training.trainer is None:
        st.stop()


def _controls() -> None:
    c = st.columns([1, 0.8, 0.8, 0.8, 1, 1.2, 2.6], vertical_alignment="bottom")
    play_button(c[0], "mlp", training.playing, lambda on: ss.update(mlp_target=training.set_playing(on, ss.mlp_target)),
                disabled=not training.can_train)
    for i, n in ((1, 1), (2, 10), (3, 100)):
        c[i].button(f"+{n}", key=f"mlp_step{n}", width="stretch", disabled=not training.can_train or training.playing,
                    help=f"train {n} update{'s' * (n > 1)}", on_click=training.click, args=(n,))
    c[4].button("Reset", key="mlp_reset", icon=":material/restart_alt:", width="stretch", on_click=training.reset)
    c[5].number_input("Target update", 1, MAX_UPDATES, key="mlp_target", step=100, help=TARGET_HELP)
    heading, fraction, text = training.progress(ss.mlp_target)
    c[6].markdown(f"#### {heading}")
    st.progress(fraction, text=text)


def _view() -> None:
    trainer, data = training.trainer, training.data
    _controls()
    for message in training.messages:
        st.warning(message, icon=":material/block:")
    if trap := training.trap():
        st.error(trap[0], icon=":material/error:")
        for col, (label, how) in zip(st.columns(3), trap[1], strict=True):
            col.button(label, key=f"mlp_rewind_{how}", on_click=lambda h=how: _load(training.rewind(h), reset=False))
    left, right = st.columns([1.1, 1], gap="medium")
    batch = training.batch if training.playing else None  # while playing, the browser plays the batch trained
    the_map, loss = animation.charts(trainer, data, batch, ss.get("mlp_discrete"), for_theme(st.context.theme.type))
    _chart(left, *the_map, animation.MAP_KEY)
    left.toggle("Discretize output", key="mlp_discrete", disabled=data.task == "regression",
                help="Colour the map by the predicted class only, as TensorFlow Playground's toggle.")
    for column, (label, value) in zip(right.columns(2) * 2, captions.metrics(training.last), strict=False):  # 2 × 2
        column.metric(label, value)
    _chart(right, *loss, animation.LOSS_KEY)
    if not training.playing:
        _inside(trainer, data)
    elif batch is not None:
        play_in_browser((animation.MAP_KEY, animation.LOSS_KEY), batch.number)


def _inside(trainer, data) -> None:  # the gradient charts, the network, the panels: while playing, drawn as Play starts
    for where, chart in zip(st.columns(2, gap="medium"), gradient_charts(trainer), strict=True):
        _chart(where, *chart)
    st.caption(captions.gradients_caption(trainer.history))
    _network(trainer, data)
    _panels()


def _chart(where, fig, text: str, key: str) -> None:  # with its text alternative: what it shows, its key numbers
    where.plotly_chart(fig, width="stretch", key=key)
    where.caption(text)


def _network(trainer, data) -> None:
    st.subheader("The network")
    hidden, selected, info = trainer.cfg.net.hidden, None, None
    if hidden:
        c, batch = st.columns([1, 1, 1.2, 5]), max(len(trainer.last_batch), 1)
        layer = c[0].selectbox("Layer", range(1, len(hidden) + 1), key="mlp_layer")
        neuron = c[1].selectbox("Neuron", range(1, hidden[layer - 1] + 1), key=f"mlp_neuron_{layer}")
        ss.mlp_example = min(ss.get("mlp_example", 1), batch)  # a smaller batch than before: its last example
        example = c[2].number_input("Example in the batch", 1, batch, key="mlp_example", help=range_help(1, batch))
        selected, info = (layer, neuron - 1), neuron_gradients(trainer, layer, neuron - 1, example - 1)
        if info:
            c[3].markdown(captions.neuron_caption(layer, neuron, info, trainer.updates))
        # TensorFlow Playground's neuron heatmaps: each hidden neuron over the input plane; the chosen one large
        xs, ys, acts = heatmaps.neuron_activations(trainer, data)
        tiles, large = st.columns([3, 2], gap="medium")
        for picture, caption in heatmaps.pictures(trainer, xs, ys, acts):
            tiles.image(picture, caption=caption, width="stretch")  # one width (pictures()): tiles scale alike
        _chart(large, *heatmaps.chosen(trainer, xs, ys, acts, layer, neuron - 1), "mlp_neuron_map")
    graph, maths = st.columns([3, 2], gap="medium")
    graph.graphviz_chart(network_dot(trainer, selected, info, for_theme(st.context.theme.type)), width="content")
    maths.markdown(captions.formulas(trainer.cfg.net.activations, trainer.cfg.net.bias, trainer.cfg.loss))
    legend, download = st.columns([5, 1], vertical_alignment="center")
    legend.caption(f"{words.describe_network(trainer)} {edges_caption(trainer)}")
    with download:  # for slides: light colours whatever the page's theme
        graph_downloads("mlp", lambda: network_dot(trainer, selected, info, LIGHT), f"network-{trainer.updates}")


def _loss_slice() -> None:
    st.caption("A 2-D slice along two random, filter-normalized directions (Li et al., 2018), with the path on it.")
    if st.button("Compute the slice", key="mlp_loss_slice"):
        land = loss_slice(training.trainer, resolution=budget.slice_resolution(training.trainer))
        _chart(st, figures.loss_slice_figure(land), words.describe_slice(land), "mlp_slice")


def _unroll() -> None:
    trainer, points = training.trainer, len(training.trainer.x_train)  # counted from 1, as the neuron card does
    point = st.number_input("Training point #", 1, points, key="mlp_sample", help=range_help(1, points))
    query, why = unroll_query(trainer, int(point) - 1)
    if query:
        st.page_link("stepper/view.py", label="Open this sample's loss graph in the stepper",
                     icon=":material/account_tree:", query_params=query)
    else:
        st.info(f"Not available: {why}. The lesson 'Tiny 2-2-2 net' fits.")


def _export() -> None:
    for column, (*download, tip) in zip(st.columns(3), downloads(training.trainer, state, own.current()), strict=True):
        column.download_button(*download, help=tip)
    if not locked:
        st.file_uploader("Load a configuration (JSON)", type=["json"], key="mlp_config_file", on_change=_load_file)
    for message in ss.pop("mlp_file_messages", []):
        (st.success if message.startswith("Loaded") else st.warning)(plain(message))


def _panels() -> None:  # with the charts: they follow each click (drawn outside, they kept the last full run's model)
    for panel, render in (("landscape", _loss_slice), ("unroll", _unroll), ("export", _export)):
        if teacher.shows(panel):
            with st.expander(TITLES[panel], key=f"mlp_panel_{panel}"):  # a key: stays open when the setup changes
                render()


# Reset (forgets the model) and a rewind (changes its settings) in the fragment: a full run rebuilds, redraws widgets.
timed_fragment(_view, lambda: (training.playing, training.trainer is not None, training.built_for),
               lambda: training.frame(ss.mlp_target), animation.BATCH_SECONDS)
if training.playing:  # a batch redraws only the map and the loss, which the browser animates; Pause is answered at once
    st.info(f"While playing, the charts below show update {training.trainer.updates}: Pause to follow them again.")
    _inside(training.trainer, training.data)
share_panel("mlp", MLP_SPEC.to_query(state), teacher, CAN_HIDE, CAN_LOCK, share_note(state),
            settings=(config.FileFormat(state), state), load=lambda cfg: _load(cfg.state, points=cfg.points))
