"""The MLP lab page through AppTest, and its pure helpers."""


import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.common.presets import load_presets
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
from playground.mlp.state import OWN_DATA, MLPState
from playground.stepper.state import StepperState
from playground.stepper.walkthrough import build_walkthrough
from tests.apptest import open_page


def test_state_round_trips_through_the_url():
    state = MLPState("spiral", 200, 0.1, 3, 0.2, ("x1", "x2", "sin x1"), (16, 4), ("tanh", "elu"), "xavier", 0.5,
                     False, "mse", MLPState().optimizer, 32, 0.001, 0.01, 7)
    back, warnings = MLPState.from_query(state.to_query())
    assert warnings == [] and back == state


@pytest.mark.parametrize("query,field", [({"hidden": "99"}, "hidden"), ({"act": "swish"}, "activations"),
                                         ({"n": "5000"}, "points"), ({"opt": "sgd:lr=-1"}, "optimizer"),
                                         ({"bias": "maybe"}, "bias"), ({"features": "x3"}, "features"),
                                         ({"scale": "0"}, "init_scale"), ({"data": "mnist"}, "dataset")])
def test_tampered_links_fall_back(query, field):
    state, warnings = MLPState.from_query(query)
    assert any(field in w for w in warnings) and getattr(state, field) == getattr(MLPState(), field)


def test_own_data_cannot_come_from_a_link():
    state, warnings = MLPState.from_query({"data": OWN_DATA})
    assert state.dataset == "circle" and "own data" in warnings[0]


def test_every_lesson_preset_builds():
    for preset in load_presets("mlp"):
        state, warnings = MLPState.from_query(preset["query"])
        assert not warnings, preset["name"]
        trainer = build_trainer(state, load_data(state))
        assert trainer.step() is not None


def test_unrolled_sample_has_the_trainers_loss():
    state = MLPState.from_query(load_presets("mlp")[-1]["query"])[0]  # the tiny 2-2-2 net
    trainer = build_trainer(state, load_data(state))
    trainer.run(3)
    query, why = unroll_query(trainer, 5)
    assert query, why
    stepper_state, warnings = StepperState.from_query(query)
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
    info = neuron_gradients(trainer, 1, 2)
    np.testing.assert_allclose(info["downstream"], np.sum(a.grad[:, 2] * (1 - a.value[:, 2] ** 2)))
    assert info["upstream"] == pytest.approx(float(a.grad[:, 2].sum()))
    dot = network_dot(trainer, (1, 2), info).source
    assert "up " in dot and dot.count("->") == 2 * 3 + 3 * 2


def test_decision_grid_is_a_probability_map():
    state = MLPState()
    data = load_data(state)
    trainer = build_trainer(state, data)
    trainer.run(50)
    xs, ys, z = decision_grid(trainer, data, resolution=20)
    assert z.shape == (20, 20) and 0.0 <= z.min() and z.max() <= 1.0


def start_page(**query) -> AppTest:
    return open_page("mlp/view.py", **query)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_page_trains_and_the_loss_falls():
    at = start_page(data="xor", hidden="8,8", act="relu,relu")
    at.button(key="ml_step10").click().run()
    first = float(metric(at, "train loss"))
    at.button(key="ml_step100").click().run()
    assert not at.exception
    assert float(metric(at, "train loss")) < first
    assert any("update 110" in m.value for m in at.markdown)


def test_exploding_lesson_trips_the_trap_on_the_page():
    at = start_page()
    preset = next(b for b in at.button if b.label == "Exploding gradients")
    preset.click().run()
    at.button(key="ml_step10").click().run()
    assert not at.exception
    assert any("NaN trap" in e.value and "update" in e.value for e in at.error)
    assert at.button(key="ml_step1").disabled


def test_bad_setup_keeps_the_previous_model():
    at = start_page()
    at.button(key="ml_step10").click().run()
    at.number_input(key="ml_lr").set_value(0.0).run()
    assert not at.exception
    assert any("Can't build" in e.value and "previous model is kept" in e.value for e in at.error)
    assert any("update 10" in m.value for m in at.markdown)


def test_own_data_table_and_csv():
    at = start_page()
    at.selectbox(key="ml_data").select(OWN_DATA).run()
    assert not at.exception and not any("Can't build" in e.value for e in at.error)  # the example points train
    at.text_area(key="ml_csv").input("1,2,0\n3,4,0\n5,6,0\n7,8,0\n").run()
    at.button(key="ml_use_csv").click().run()
    assert any("only one class" in e.value for e in at.error)  # the table now holds one class only
    at.text_area(key="ml_csv").input("x1,x2,label\n1,2\n").run()
    at.button(key="ml_use_csv").click().run()
    assert any("three numbers" in e.value for e in at.error)  # refused; the table keeps its points
    at.text_area(key="ml_csv").input("0,0,0\n0,1,1\n1,0,1\n1,1,0\n0.1,0.1,0\n0.9,0.9,0\n").run()
    at.button(key="ml_use_csv").click().run()
    assert not at.exception and not any("Can't build" in e.value for e in at.error)
    at.button(key="ml_step10").click().run()
    assert any("update 10" in m.value for m in at.markdown)


def test_points_table_round_trip():
    rows = csv_to_rows("x1,x2,label\n0.5,-1,0\n2,3,1\n")
    assert rows == [{"x1": 0.5, "x2": -1.0, "label": 0}, {"x1": 2.0, "x2": 3.0, "label": 1}]
    assert csv_to_rows(rows_to_csv(rows + [{"x1": 1.0, "x2": None, "label": 1}])) == rows  # half-typed row left out


def test_tampered_link_warns_on_the_page():
    at = start_page(hidden="1000", act="evil", opt="rm:-rf")
    assert len(at.warning) >= 2 and not at.exception
