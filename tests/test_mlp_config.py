"""The MLP lab's configuration file (config.py): every setting and the own points round-trip; a bad field is
named and ignored, never an exception; files written before version 2 still load."""

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labs.optim import OptimizerConfig
from playground.mlp import config
from playground.mlp.config import FILE_FORMAT, Config, from_json, from_text, read_file, to_json
from playground.mlp.points import csv_to_rows
from playground.mlp.state import MLP_SPEC, OWN_DATA, MLPState
from tests.apptest import open_page
from tests.test_mlp_state import states

DEFAULT = MLPState()
POINTS = csv_to_rows("0,0,0\n1,0,1\n0,1,1\n1,1,0\n0.2,0.1,0\n0.9,0.8,0\n-1.5,2.5,1\n3,-1,1\n")
points = st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), st.integers(0, 9)), min_size=2,
                  max_size=50).filter(lambda ps: len({p[2] for p in ps}) > 1).map(
    lambda ps: [{"x1": x1, "x2": x2, "label": label} for x1, x2, label in ps])

# Written by the page before version 2 (labs/mlp/export.config_to_json: the TrainConfig and the dataset's name).
VERSION_1 = """
{
  "gradlab": 1,
  "net": {
    "inputs": 3,
    "hidden": [
      16,
      4
    ],
    "outputs": 1,
    "activations": [
      "tanh",
      "elu"
    ],
    "init": "xavier",
    "init_scale": 0.5,
    "bias": false
  },
  "optimizer": {
    "name": "momentum",
    "lr": 0.05,
    "momentum": 0.8,
    "rho": 0.9,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-08,
    "weight_decay": 0.0,
    "decay_mode": "l2",
    "clip_norm": 1.0,
    "clip_value": null,
    "schedule": "cosine",
    "step_every": 100,
    "gamma": 0.5,
    "total": 300,
    "min_lr": 0.0
  },
  "loss": "mse",
  "features": [
    "x1",
    "x2",
    "sin x1"
  ],
  "batch_size": 32,
  "l1": 0.001,
  "l2": 0.01,
  "seed": 7,
  "dataset": "regression"
}"""
VERSION_1_OWN_DATA = (
    '{"gradlab": 1, "net": {"inputs": 2, "hidden": [], "outputs": 2, "activations": [], "init": "he", '
    '"init_scale": 1.0, "bias": true}, "optimizer": {"name": "sgd", "lr": 0.3, "momentum": 0.9, "rho": 0.9, '
    '"beta1": 0.9, "beta2": 0.999, "eps": 1e-08, "weight_decay": 0.0, "decay_mode": "l2", "clip_norm": null, '
    '"clip_value": null, "schedule": "constant", "step_every": 100, "gamma": 0.5, "total": 1000, "min_lr": 0.0}, '
    '"loss": "cross_entropy", "features": ["x1", "x2"], "batch_size": 0, "l1": 0.0, "l2": 0.0, "seed": 0, '
    '"dataset": "own data"}'
)


@settings(max_examples=100, deadline=None, database=None)
@given(states(link=False), points)
def test_every_setting_and_the_own_points_round_trip(state, rows):
    data = json.loads(config.to_text(state, rows))
    assert data["gradlab"] == config.VERSION and (config.POINTS_KEY in data) == (state.dataset == OWN_DATA)
    assert from_json(data) == (Config(state, rows if state.dataset == OWN_DATA else None), [])


def test_the_file_holds_the_data_settings_and_the_points():
    state = MLPState(dataset=OWN_DATA, points=500, noise=0.2, data_seed=4, test_fraction=0.25)
    data = to_json(state, POINTS)
    assert {k: data[k] for k in ("dataset", "points", "noise", "data_seed", "test_fraction")} == {
        "dataset": OWN_DATA, "points": 500, "noise": 0.2, "data_seed": 4, "test_fraction": 0.25}
    assert data["own_points"][:2] == [[0.0, 0.0, 0], [1.0, 0.0, 1]]
    assert "own_points" not in to_json(replace(state, dataset="xor"), POINTS)  # generated data: no table


def test_version_1_files_still_load():
    cfg, warnings = from_text(VERSION_1)
    assert cfg.state == MLPState(
        dataset="regression", features=("x1", "x2", "sin x1"), hidden=(16, 4), activations=("tanh", "elu"),
        init="xavier", init_scale=0.5, bias=False, loss="mse", batch_size=32, l1=0.001, l2=0.01, seed=7,
        optimizer=OptimizerConfig("momentum", lr=0.05, momentum=0.8, clip_norm=1.0, schedule="cosine", total=300))
    assert warnings == ["Not in the file, so kept as they were: number of points, noise, data seed, "
                        "test fraction."]
    cfg, warnings = from_text(VERSION_1_OWN_DATA)
    assert cfg == Config(MLPState(dataset=OWN_DATA, hidden=(), activations=(), optimizer=OptimizerConfig(
        "sgd", lr=0.3)), None)
    assert "no points" in warnings[-1]


TINY_NET = MLPState(dataset="gaussians", hidden=(2,), activations=("tanh",), optimizer=OptimizerConfig("sgd", lr=0.3))


@pytest.mark.parametrize("current", [None, TINY_NET])
@pytest.mark.parametrize("data,named", [
    ({"gradlab": 1, "net": {"hidden": [8], "activations": ["tanh"], "width": 3}}, ["'net.width'"]),
    ({"gradlab": 2, "optimizer": {"name": "sgd", "lr": "0.1"}, "seed": 3}, ["(optimizer)"]),
    ({"gradlab": 2, "points": 5000, "noise": "0.1", "hidden": [8, 99], "bias": "yes", "seed": 1},
     ["(points)", "(noise)", "(hidden)", "(bias)"]),
    ({"dataset": "mnist", "features": [], "test_fraction": None, "l2": -1, "seed": 2},
     ["(dataset)", "(features)", "(test_fraction)", "(l2)"]),
    ({"gradlab": 2, "activations": ["σ", "relu"], "seed": 4}, ["(activations)"]),
    ({"gradlab": 2, "dataset": OWN_DATA, "own_points": [[1, 2, 0]]}, ["(own_points)"]),
    ({"gradlab": 2, "dataset": OWN_DATA, "own_points": "1,2,0"}, ["(own_points)"]),
])
def test_bad_fields_are_named_and_keep_their_current_values(data, named, current):
    cfg, warnings = from_json(data, current)
    for name in named:
        assert sum(name in w for w in warnings) == 1, (name, warnings)
    net = data.get("net") if isinstance(data.get("net"), dict) else {}
    given = set(data) | set(net)  # version 1 kept the network's settings under "net"
    for f in MLP_SPEC.fields:  # every field the file got wrong or didn't have keeps its value: nothing is reset
        if f.name not in given or any(f"({f.name})" in w for w in warnings):
            assert getattr(cfg.state, f.name) == getattr(current or DEFAULT, f.name), f.name
    assert cfg.points is None
    missing = ", ".join(f.label for f in MLP_SPEC.fields if f.name not in given)
    assert f"Not in the file, so kept as they were: {missing}." in warnings


@pytest.mark.parametrize("data,named", [
    ({"gradlab": 2, "hidden": "x²", "points": 1e999}, ["(hidden)", "(points): not a finite"]),
    ({"gradlab": 1, "net": "x", "optimizer": {}}, ["(net)", "(optimizer)"]),
    ({"gradlab": 2, "lr": 0.1}, ["'lr'"]),
    ({}, ["holds no settings"]),
])
def test_a_file_with_nothing_usable_changes_nothing_and_says_why(data, named):
    with pytest.raises(config.NothingUsable) as refused:
        from_json(data, TINY_NET)
    for name in named:
        assert name in str(refused.value)
    cfg, messages = read_file(json.dumps(data).encode(), TINY_NET)
    assert cfg is None and messages[0].startswith("That file can't be loaded: nothing in it")


def test_good_fields_are_kept_beside_bad_ones():
    cfg, warnings = from_json({**FILE_FORMAT.to_json(DEFAULT), "hidden": [3, 3], "activations": ["elu", "elu"],
                               "noise": "loud", "seed": 9})
    assert cfg.state == replace(DEFAULT, hidden=(3, 3), activations=("elu", "elu"), seed=9)
    assert len(warnings) == 1 and "(noise)" in warnings[0]


@pytest.mark.parametrize("text,reason", [("[1, 2]", "JSON object"), ('{"gradlab": 3}', '"gradlab": 3'),
                                         ('{"gradlab": true}', "true"), ('{"gradlab": "1"}', '"1"'),
                                         ("{", "not valid JSON"), ("[" * 100_000, "nested too deeply"),
                                         ("", "it is empty"), (" \n", "it is empty"),
                                         ("{1}", r"not valid JSON \(expecting property name enclosed in double "
                                                 r"quotes at line 1, column 2\)")])
def test_only_a_file_with_nothing_to_read_is_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        from_text(text)
    cfg, messages = read_file(text.encode())
    assert cfg is None and messages[0].startswith("That file can't be loaded")


def test_read_file_says_what_it_loaded():
    cfg, messages = read_file(config.to_text(DEFAULT).encode())
    assert cfg == Config(DEFAULT) and messages == ["Loaded the configuration."]
    cfg, messages = read_file(VERSION_1.encode())
    assert cfg.state.dataset == "regression" and messages[0] == "Loaded the configuration. Except:"
    assert read_file(b" " * (config.MAX_FILE_BYTES + 1))[1][0].endswith("kB.")
    assert read_file(b"\xff\xfe{")[0] is None


def url(at) -> dict[str, str]:
    return {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}


def paste(at, text: str):
    at.text_area(key="mlp_json_text").input(text).run()
    return at.button(key="mlp_json_load").click().run()


def test_the_page_loads_an_old_file_pasted_into_the_share_panel():
    at = paste(open_page("mlp/view.py"), VERSION_1)
    assert not at.exception
    assert url(at)["opt"] == "momentum:lr=0.05,momentum=0.8,clip_norm=1,schedule=cosine,total=300"
    assert url(at)["hidden"] == "16,4" and url(at)["data"] == "regression"
    assert any("number of points" in w.value for w in at.warning)


def test_the_page_loads_own_points_from_a_file():
    state = MLPState(dataset=OWN_DATA, test_fraction=0.25, hidden=(4,), activations=("tanh",))
    at = paste(open_page("mlp/view.py"), config.to_text(state, POINTS))
    assert not at.exception and not at.warning and not at.error
    assert at.session_state["mlp_own"].current() == POINTS
    at.button(key="mlp_step10").click().run()
    assert len(at.session_state["mlp_training"].data) == len(POINTS) and not at.error


def test_bad_json_on_the_page_is_a_message_not_an_exception():
    at = open_page("mlp/view.py")
    for text in ('{"gradlab":1,"net":"x","optimizer":{}}', '{"optimizer": {"name": "adam", "lr": "0.1"}}', "nope",
                 "[" * 5000):
        paste(at, text)
        assert not at.exception and not at.error
        assert at.warning
    assert url(at) == MLP_SPEC.to_query(DEFAULT)
