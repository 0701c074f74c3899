"""The MLP lab page through AppTest, and its plain modules: the model helpers (lab.py), training (training.py)
and the own-data table (points.py). The state spec and the configuration file have their own test files."""

import json
from dataclasses import replace
from urllib.parse import parse_qs

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.formatting import readable
from labs.optim import OptimizerConfig
from playground.common.presets import load_presets
from playground.mlp import training as training_module
from playground.mlp.captions import metrics
from playground.mlp.lab import build_trainer, decision_grid, load_data, neuron_gradients, unroll_query
from playground.mlp.network_figure import network_dot
from playground.mlp.points import EXAMPLE_POINTS, OwnPoints, csv_to_rows, rows_from_json, rows_to_csv, rows_to_json
from playground.mlp.state import MLP_SPEC, OWN_DATA, MLPState
from playground.mlp.training import Training
from playground.stepper.state import STEPPER_SPEC
from playground.stepper.walkthrough import build_walkthrough
from tests.apptest import open_page

# --- the model helpers ---


def test_every_lesson_preset_builds():
    for preset in load_presets("mlp"):
        state, warnings = MLP_SPEC.from_query(preset["query"])
        assert not warnings, preset["name"]
        trainer = build_trainer(state, load_data(state))
        assert trainer.step() is not None


def test_unrolled_sample_has_the_trainers_loss():
    state = MLP_SPEC.from_query(load_presets("mlp")[-1]["query"])[0]  # the tiny 2-2-2 net
    trainer = build_trainer(state, load_data(state))
    trainer.run(3)
    query, why = unroll_query(trainer, 5)
    assert query, why
    stepper_state, warnings = STEPPER_SPEC.from_query(query)
    assert not warnings
    walk = build_walkthrough(stepper_state.expr, stepper_state.values)
    expected = trainer.evaluate(trainer.x_train[5:6], trainer.y_train[5:6])[0]
    assert float(walk.root.value) == pytest.approx(expected, rel=1e-12)
    assert unroll_query(build_trainer(MLPState(), load_data(MLPState())), 0)[0] is None


def test_neuron_gradients_follow_the_chain_rule():
    state = MLPState(hidden=(3,), activations=("tanh",))
    trainer = build_trainer(state, load_data(state))
    trainer.step()
    a = trainer.last_hidden[0]
    info = neuron_gradients(trainer, 1, 2, example=7)
    assert info["upstream"] == a.grad[7, 2] and info["local"] == pytest.approx(1 - a.value[7, 2] ** 2)
    assert info["downstream"] == pytest.approx(a.grad[7, 2] * (1 - a.value[7, 2] ** 2), rel=1e-12)
    # the batch's gradient is the sum of the examples' downstreams, which is the bias's gradient
    assert info["batch_sum"] == pytest.approx(trainer.model.layers[0].bias.grad[2], rel=1e-12)
    dot = network_dot(trainer, (1, 2), info).source
    drawn = [line for line in dot.splitlines() if "->" in line and "invis" not in line]
    assert "up " in dot and len(drawn) == 2 * 3 + 3 * 2


def test_decision_grid_is_a_probability_map():
    state = MLPState()
    data = load_data(state)
    trainer = build_trainer(state, data)
    trainer.run(50)
    xs, ys, z = decision_grid(trainer, data, resolution=20)
    assert z.shape == (20, 20) and 0.0 <= z.min() and z.max() <= 1.0


# --- training: build, +N, Play, the limit and the NaN trap ---


def test_training_builds_once_per_setup_and_keeps_the_previous_model_when_it_cannot():
    run = Training()
    state = MLPState(dataset="xor", hidden=(4,), activations=("tanh",))
    assert run.build(state, None) == (state, None)
    trainer = run.trainer
    run.train(5)
    assert run.build(state, None) == (state, None) and run.trainer is trainer and trainer.updates == 5
    bad = replace(state, dataset="regression")  # needs the mse loss
    built_for, problem = run.build(bad, None)
    assert built_for == state and run.trainer is trainer
    assert "regression data needs the mse loss" in problem and "previous model is kept" in problem
    assert "kept" not in Training().build(bad, None)[1]
    run.reset()
    assert run.build(state, None) == (state, None) and run.trainer is not trainer and run.trainer.updates == 0


def test_play_runs_to_its_target_a_batch_a_server_run():
    run = Training()
    run.build(MLPState(hidden=(4,), activations=("relu",)), None)
    target = run.set_playing(True, 500)
    assert run.playing and target == 500
    run.frame(target)
    assert run.playing and run.trainer.updates == training_module.UPDATES_PER_BATCH
    shots = run.batch.snapshots  # the progress line says what the charts replay, behind the numbers beside them
    assert f"replay updates {shots[0].update}–{shots[-1].update}" in run.progress(target)[2]
    assert shots[-1].update == run.trainer.updates and shots[0].update == 0
    run.train(500 - run.trainer.updates - 2)
    run.frame(target)
    assert run.trainer.updates == 500 and not run.playing  # stopped at the target
    assert run.set_playing(True, target) == 500 + training_module.PLAY_MORE  # Play at the target goes further
    assert run.set_playing(False, 700) == 700 and not run.playing
    assert run.progress(target)[0].startswith("update 500 · epoch")


def test_the_session_limit_stops_training(monkeypatch):
    monkeypatch.setattr(training_module, "MAX_UPDATES", 12)
    run = Training()
    run.build(MLPState(hidden=(2,), activations=("relu",)), None)
    run.playing = True
    run.train(100)
    assert run.trainer.updates == 12 and not run.playing and "12 updates" in run.limit


def test_the_nan_trap_stops_playing():
    lesson = next(p for p in load_presets("mlp") if p["name"] == "Exploding gradients, caught by the NaN trap")
    run = Training()
    run.build(MLP_SPEC.from_query(lesson["query"])[0], None)
    run.set_playing(True, 500)
    for _ in range(40):
        run.frame(500)
        if not run.playing:
            break
    assert run.trainer.halted and not run.playing and run.trainer.updates < 100


def test_the_nan_trap_shows_no_accuracy_beside_its_non_finite_loss():
    run = Training()
    run.build(MLPState(optimizer=OptimizerConfig("sgd", lr=1e308)), None)  # the review's η
    run.train(10)
    assert run.trainer.halted and not np.isfinite(run.last.train_loss) and run.last.train_accuracy is not None
    shown = dict(metrics(run.last))
    assert shown["train accuracy"] == shown["test accuracy"] == "—"
    assert dict(metrics(replace(run.last, problem=None)))["train accuracy"].endswith("%")  # the trap's "—" only


@pytest.mark.parametrize("batch,updates,epoch", [(0, 0, "0"), (0, 7, "7"), (0, 500, "500"), (21, 5, "0.5")])
def test_the_epoch_is_whole_when_whole_else_one_decimal(batch, updates, epoch):
    run = Training()
    run.build(MLPState(batch_size=batch, hidden=(2,), activations=("relu",)), None)  # 210 training points
    run.train(updates)
    assert run.progress(500)[0] == f"update {updates} · epoch {epoch}"


def test_metrics_for_a_classifier_and_a_regression():
    run = Training()
    run.build(MLPState(hidden=(2,), activations=("relu",)), None)
    run.train(1)
    assert [label for label, _ in metrics(run.last)] == ["train loss", "test loss", "train accuracy", "test accuracy"]
    run.build(MLPState(dataset="regression", loss="mse", hidden=(2,), activations=("relu",)), None)
    run.train(1)
    assert [label for label, _ in metrics(run.last)] == ["train loss", "test loss"]


# --- the own-data table ---


def test_points_table_round_trip():
    rows = csv_to_rows("x1,x2,label\n0.5,-1,0\n2,3,1\n")
    assert rows == [{"x1": 0.5, "x2": -1.0, "label": 0}, {"x1": 2.0, "x2": 3.0, "label": 1}]
    assert csv_to_rows(rows_to_csv(rows + [{"x1": 1.0, "x2": None, "label": 1}])) == rows  # half-typed row left out
    assert rows_from_json(rows_to_json(rows)) == rows


@pytest.mark.parametrize("data,message", [("x", "list of points"), ([[1, 2]], "point 1"), ([[1, 2, True]], "point 1"),
                                          ([[1, 2, 0], [1, 2, "1"]], "point 2"), ([[0, 0, 0], [1, 1, 0]], "one class"),
                                          ([[0, 0, 0.5], [1, 1, 1]], "whole numbers"), ([[0, 0, 0]] * 2001, "limit")])
def test_saved_points_are_checked(data, message):
    with pytest.raises(ValueError, match=message):
        rows_from_json(data)


def test_own_points_keep_their_edits_and_refuse_a_bad_csv():
    own = OwnPoints()
    assert own.current() == csv_to_rows(EXAMPLE_POINTS) and own.version == 0
    own.edited = own.rows[:4] + [{"x1": 1.0, "x2": None, "label": 0}]
    own.keep_edits()  # the table goes undrawn: its edits become its rows, under a new key
    assert own.rows == csv_to_rows(EXAMPLE_POINTS)[:4] and own.version == 1 and own.edited is None
    own.fill_from_csv("x1,x2,label\n1,2\n")
    assert "three numbers" in own.error and own.version == 1
    own.fill_from_upload(b"0,0,0\n1,1,1\n")
    assert own.csv() == "x1,x2,label\n0.0,0.0,0\n1.0,1.0,1\n" and own.version == 2


# --- the page ---


def start_page(**query) -> AppTest:
    return open_page("mlp/view.py", **query)


def url(at) -> dict[str, str]:
    """The query parameters the page wrote back."""
    return {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_page_trains_and_the_loss_falls():
    at = start_page(data="xor", hidden="8,8", act="relu,relu")
    at.button(key="mlp_step10").click().run()
    first = float(metric(at, "train loss"))
    at.button(key="mlp_step100").click().run()
    assert not at.exception
    assert float(metric(at, "train loss")) < first
    assert any("update 110" in m.value for m in at.markdown)


def test_play_sends_a_batch_for_the_browser_to_play_and_pause_draws_the_trainers_own_map():
    at = start_page(data="xor", hidden="8", act="tanh")
    at.button(key="mlp_play").click().run()
    assert not at.exception
    charts = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    drawn = [spec for spec in charts.values() if spec.get("frames")]
    assert len(drawn) == 2  # the map and the loss curve
    batch = drawn[0]["layout"]["meta"]["batch"]
    assert all(spec["layout"]["meta"]["batch"] == batch for spec in drawn)
    assert any(f"/* batch {json.dumps(batch)} */" in h.proto.body for h in at.get("html"))
    assert any("update 50 ·" in m.value for m in at.markdown)  # the heading: the trainer's update
    assert drawn[0]["frames"][-1]["name"] == "50"  # and the batch the browser plays ends there
    at.button(key="mlp_pause").click().run()
    assert not any(spec.get("frames") for spec in (json.loads(c.proto.spec) for c in at.get("plotly_chart")))
    assert not any("batch" in h.proto.body for h in at.get("html"))


def test_exploding_lesson_trips_the_trap_on_the_page():
    at = start_page()
    preset = next(b for b in at.button if b.label == "Exploding gradients, caught by the NaN trap")
    preset.click().run()
    at.button(key="mlp_step100").click().run()
    assert not at.exception
    assert any("NaN trap" in e.value and "update" in e.value for e in at.error)
    assert at.button(key="mlp_step1").disabled


def test_bad_setup_keeps_the_previous_model_to_look_at_but_not_to_train():
    """The review: the page said it couldn't build Regression, and Play trained the circle model kept from before."""
    at = start_page(data="regression", loss="mse")
    at.button(key="mlp_step10").click().run()
    at.selectbox(key="mlp_loss").select("cross_entropy").run()  # regression data with cross-entropy: can't be built
    assert not at.exception
    assert any("Can't build" in e.value and "previous model is kept" in e.value for e in at.error)
    assert any("update 10" in m.value for m in at.markdown)
    assert url(at)["loss"] == "mse"  # the link keeps the setup that was built
    assert all(at.button(key=k).disabled for k in ("mlp_play", "mlp_step1", "mlp_step10", "mlp_step100"))
    at.selectbox(key="mlp_loss").select("mse").run()  # the setup that was built: it trains on
    assert not at.error and not at.button(key="mlp_play").disabled
    at.button(key="mlp_step10").click().run()
    assert any("update 20" in m.value for m in at.markdown)


def test_choosing_regression_data_sets_the_loss_to_mse_and_back_to_cross_entropy_for_classes():
    at = start_page(data="circle", loss="cross_entropy")
    at.selectbox(key="mlp_dataset").select("regression").run()
    assert not at.exception and not at.error  # built, not refused
    assert at.selectbox(key="mlp_loss").value == "mse" and url(at)["loss"] == "mse" and url(at)["data"] == "regression"
    assert any("loss is now mse" in i.value and "regression" in i.value for i in at.info)
    run = at.session_state["mlp_training"]
    assert run.data.task == "regression" and run.trainer.cfg.loss == "mse"
    at.selectbox(key="mlp_dataset").select("moons").run()
    assert at.selectbox(key="mlp_loss").value == "cross_entropy" and not at.error
    assert any("loss is now cross_entropy" in i.value for i in at.info)
    at.selectbox(key="mlp_loss").select("mse").run()  # mse on classes is a learner's choice: other classes keep it
    at.selectbox(key="mlp_dataset").select("xor").run()
    assert at.selectbox(key="mlp_loss").value == "mse" and not any("loss is now" in i.value for i in at.info)
    assert at.session_state["mlp_training"].trainer.cfg.loss == "mse"


def test_layers_added_copy_the_layer_before_them():
    at = start_page(hidden="5,3", act="tanh,elu")
    at.number_input(key="mlp_hidden").set_value(4).run()
    assert url(at)["hidden"] == "5,3,3,3" and url(at)["act"] == "tanh,elu,elu,elu"
    at.number_input(key="mlp_hidden").set_value(1).run()
    assert url(at)["hidden"] == "5" and url(at)["act"] == "tanh"
    at.number_input(key="mlp_hidden").set_value(2).run()  # a layer taken away and put back is as it was
    assert url(at)["hidden"] == "5,3" and url(at)["act"] == "tanh,elu"
    assert not at.exception and not at.error


def test_own_data_table_and_csv():
    at = start_page()
    at.selectbox(key="mlp_dataset").select(OWN_DATA).run()
    assert not at.exception and not any("Can't build" in e.value for e in at.error)  # the example points train
    at.text_area(key="mlp_csv").input("1,2,0\n3,4,0\n5,6,0\n7,8,0\n").run()
    at.button(key="mlp_use_csv").click().run()
    assert any("only one class" in e.value for e in at.error)  # refused; the table keeps its points
    at.text_area(key="mlp_csv").input("x1,x2,label\n1,2\n").run()
    at.button(key="mlp_use_csv").click().run()
    assert any("three numbers" in e.value for e in at.error)
    at.text_area(key="mlp_csv").input("0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0.1,0\n0.9,0.9,0\n").run()
    at.button(key="mlp_use_csv").click().run()
    assert not at.exception and not any("Can't build" in e.value for e in at.error)
    at.button(key="mlp_step10").click().run()
    assert any("update 10" in m.value for m in at.markdown)
    assert len(at.session_state["mlp_training"].data) == 6  # trained on the points from the CSV


def test_tampered_link_warns_on_the_page():
    at = start_page(hidden="1000", act="evil", opt="rm:-rf")
    assert not at.exception
    warnings = " ".join(w.value.replace("\\", "") for w in at.warning)  # shown as plain text: Markdown escaped
    assert "(hidden=)" in warnings and "(act=)" in warnings and "(opt=)" in warnings


def test_a_link_cannot_carry_own_data():
    at = start_page(data=OWN_DATA)
    assert "own data" in at.warning[0].value and at.selectbox(key="mlp_dataset").value == "circle"


def test_optimizer_details_are_widgets():
    at = start_page(opt="rmsprop:lr=0.01,rho=0.5,clip_value=2,schedule=cosine,total=300")
    assert at.selectbox(key="mlp_optimizer_name").value == "rmsprop"
    assert at.number_input(key="mlp_optimizer_rho").value == 0.5
    assert at.number_input(key="mlp_optimizer_clip_value").value == 2.0
    assert at.selectbox(key="mlp_optimizer_schedule").value == "cosine"
    at.number_input(key="mlp_optimizer_total").set_value(250).run()
    at.selectbox(key="mlp_optimizer_decay_mode").select("decoupled").run()
    assert MLP_SPEC.from_query({"opt": url(at)["opt"]})[0].optimizer == OptimizerConfig(
        "rmsprop", lr=0.01, rho=0.5, clip_value=2.0, schedule="cosine", total=250, decay_mode="decoupled")


def test_inspecting_a_linear_layer_without_biases():
    at = open_page("mlp/view.py", hidden="3,3", act="relu,linear", bias="0")
    at.button(key="mlp_step1").click().run()
    at.selectbox(key="mlp_layer").set_value(2).run()
    assert not at.exception
    assert any("Neuron 2.1" in m.value for m in at.markdown), [m.value for m in at.markdown][-5:]


def test_a_lesson_card_opens_with_its_note():
    lesson = next(lesson for section in load_presets("lessons") for lesson in section["lessons"]
                  if lesson["page"] == "mlp")
    at = open_page("mlp/view.py", **lesson["query"])
    assert any(lesson["title"] in i.value for i in at.info), [i.value for i in at.info]
    assert not any(lesson["title"] in i.value for i in open_page("mlp/view.py").info)  # the default is no lesson


def test_the_unroll_link_carries_the_trainers_current_weights():
    """The link's "at" holds every weight and bias as the trainer has it now, after training (not the initial 0s)."""
    at = start_page(**next(p for p in load_presets("mlp") if p["name"].startswith("Tiny"))["query"])
    at.button(key="mlp_step10").click().run()
    at.button(key="mlp_step10").click().run()
    link = next(p.proto for p in at.get("page_link") if "stepper" in p.proto.page)
    sent = dict(pair.split("=") for pair in parse_qs(link.query_string)["at"][0].split(";"))
    trainer = at.session_state["mlp_training"].trainer
    assert trainer.updates == 20
    for li, (w, b) in enumerate(zip(trainer.params[::2], trainer.params[1::2], strict=True), start=1):
        for (i, j), value in np.ndenumerate(w.value):
            assert float(sent[f"w{li}_{i + 1}{j + 1}"]) == value
        for j, value in enumerate(b.value):
            assert float(sent[f"b{li}_{j + 1}"]) == value
    assert float(sent["b1_1"]) != 0


def test_the_unrolled_training_point_counts_from_1_as_the_neuron_card_does():
    at = start_page(**next(p for p in load_presets("mlp") if p["name"].startswith("Tiny"))["query"])
    box = at.number_input(key="mlp_sample")
    assert box.label == "Training point #" and box.value == 1 and box.min == 1
    trainer = at.session_state["mlp_training"].trainer
    assert box.max == len(trainer.x_train)
    box.set_value(3).run()
    link = next(p.proto for p in at.get("page_link") if "stepper" in p.proto.page)
    expr = parse_qs(link.query_string)["expr"][0]
    assert all(repr(float(v)).lstrip("-") in expr for v in trainer.x_train[2])  # point #3 is row 2
    assert not all(repr(float(v)).lstrip("-") in expr for v in trainer.x_train[3])


@pytest.mark.parametrize("teacher", [{"lock": "setup"}, {"hide": "setup"}, {}])
def test_a_lesson_note_on_a_locked_link_says_the_teacher_fixed_the_settings(teacher):
    home = next(lesson for section in load_presets("lessons") for lesson in section["lessons"]
                if lesson["title"] == "XOR needs a hidden layer")
    at = start_page(**home["query"], **teacher)
    note = next(i.value for i in at.info if "XOR needs a hidden layer" in i.value)
    assert home["text"] in note
    assert ("Your teacher has fixed the settings on this link" in note) == bool(teacher)


def test_every_number_box_says_its_range_and_what_happens_outside_it():
    """A number typed outside a box's bounds turns it red and is not used (Streamlit keeps the last value): each box's
    help gives the bounds the widget itself enforces, read here from the widget."""
    at = start_page()
    boxes = list(at.number_input)
    assert len(boxes) >= 10 and any(b.key == "mlp_target" for b in boxes)
    for box in boxes:
        low = f"{int(box.min):,}" if float(box.min).is_integer() else readable(box.min)
        if box.max is None or box.max >= 1e300:
            bounds = f"at least {low}"
        else:
            high = f"{int(box.max):,}" if float(box.max).is_integer() else readable(box.max)
            bounds = f"from {low} to {high}"
        assert f"Allowed: {bounds}. A number outside turns the box red and is not used" in (box.help or ""), box.key


def test_the_xor_lesson_names_the_boxes_that_add_its_layer_of_8():
    home = next(lesson for section in load_presets("lessons") for lesson in section["lessons"]
                if lesson["title"] == "XOR needs a hidden layer")
    at = start_page(**home["query"])
    assert "Set Hidden layers to 1 and Layer 1: width to 8" in home["text"]
    next(b for b in at.number_input if b.label == "Hidden layers").set_value(1).run()
    width = next(b for b in at.number_input if b.label == "Layer 1: width")
    assert f"a new layer starts at {width.value}" in home["text"]
    width.set_value(8).run()
    assert not at.exception and "hidden=8&" in "&".join(f"{k}={v}" for k, v in url(at).items()) + "&"


def test_after_a_rewind_the_export_says_its_script_replays_the_run_with_todays_settings():
    at = start_page(**next(p for p in load_presets("mlp") if p["name"].startswith("Exploding"))["query"])
    at.button(key="mlp_step100").click().run()
    helps = lambda: [b.proto.help for b in at.get("download_button") if b.proto.label.endswith("script")]  # noqa: E731
    assert len(helps()) == 2 and not any("rewound" in h for h in helps())
    at.button(key="mlp_rewind_clip").click().run()
    point = at.session_state["mlp_training"].trainer.updates
    assert all(f"This run was rewound at update {point} after the NaN trap" in h for h in helps())
    assert all(f"runs {point} updates with the current settings" in h for h in helps())


def test_play_into_the_nan_trap_replays_the_batch_before_the_page_shows_the_trap():
    """The review: 0.1 s after Play the trap's box, its Rewind buttons, 'update 33' and inf were on the page, before
    the map had replayed a single update. Now the batch plays first, with Pause still at hand; later runs show it."""
    lesson = next(p for p in load_presets("mlp") if p["name"] == "Exploding gradients, caught by the NaN trap")
    at = start_page(**lesson["query"])
    at.button(key="mlp_play").click().run()
    assert not at.exception and not any("NaN trap:" in e.value for e in at.error)
    assert not any(b.key and b.key.startswith("mlp_rewind_") for b in at.button)
    trainer = at.session_state["mlp_training"].trainer
    assert trainer.halted  # trained to the trap already: the page holds it back
    kept = trainer.updates - 1
    the_map = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if json.loads(c.proto.spec).get("frames"))
    assert the_map["frames"][-1]["name"] == str(kept)
    assert any(f"update {kept} ·" in m.value for m in at.markdown)
    assert all(m.value != "inf" for m in at.metric)
    assert not at.button(key="mlp_pause").disabled
    for _ in range(training_module.TRAP_SHOWN_AFTER - 1):  # the browser's replay has these runs' time to end
        at.run()
        assert not any("NaN trap:" in e.value for e in at.error)
    at.run()
    trap = next(e.value for e in at.error if "NaN trap:" in e.value)
    assert f"update {kept + 1}:" in trap and any(f"update {kept + 1} ·" in m.value for m in at.markdown)
    assert at.button(key="mlp_play").disabled and at.button(key="mlp_step1").disabled
    assert metric(at, "train loss") == "inf"
