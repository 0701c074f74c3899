"""The MLP lab's state spec: any valid state survives URL → widgets → URL and JSON → widgets → JSON, through the
page itself (AppTest) as well as through the spec; every setting has a widget with the link's bounds; a refused
value is named in a warning; and the links the page made before MLP_SPEC still open the same state."""

import json
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.limits import MAX_LAYERS, MAX_WIDTH
from labs.mlp.datasets import FEATURES, GENERATORS
from labs.mlp.nn import ACTIVATIONS, INITS, LOSSES
from labs.mlp.train import DEFAULT_LR, TrainConfig
from labs.optim import OPTIMIZERS, SCHEDULES, OptimizerConfig
from playground.common.fields import Float, Int
from playground.mlp.config import FILE_FORMAT
from playground.mlp.controls import CONTROLS, control, widget_names
from playground.mlp.optimizer import BELOW_ONE, SETTINGS
from playground.mlp.state import MLP_SPEC, OWN_DATA, MLPState, settle
from tests.apptest import open_page

PAGE_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SPEC_SETTINGS = settings(max_examples=100, deadline=None, database=None)
DEFAULT = MLPState()


def floats(low, high, exclude=None):
    return st.floats(low, high, allow_nan=False).filter(lambda x: x != exclude)


@st.composite
def optimizers(draw, changed: bool = False):
    """A valid OptimizerConfig; with ``changed``, every setting differs from the defaults (so the link spells
    out each one)."""
    d = OptimizerConfig()
    some = (lambda s: s) if changed else (lambda s: s | st.just(None))

    def pick(name, strategy):
        value = draw(some(strategy))
        return getattr(d, name) if value is None else value
    return OptimizerConfig(
        draw(st.sampled_from(OPTIMIZERS)), lr=pick("lr", floats(1e-9, 1e6, d.lr)),
        momentum=pick("momentum", floats(0, BELOW_ONE, d.momentum)), rho=pick("rho", floats(0, BELOW_ONE, d.rho)),
        beta1=pick("beta1", floats(0, BELOW_ONE, d.beta1)), beta2=pick("beta2", floats(0, BELOW_ONE, d.beta2)),
        eps=pick("eps", floats(1e-12, 1, d.eps)), weight_decay=pick("weight_decay", floats(0, 1e6, 0.0)),
        decay_mode=pick("decay_mode", st.just("decoupled")), clip_norm=draw(some(floats(1e-6, 1e6))),
        clip_value=draw(some(floats(1e-6, 1e6))), schedule=pick("schedule", st.sampled_from(SCHEDULES[1:])),
        step_every=pick("step_every", st.integers(1, 10**6).filter(lambda n: n != d.step_every)),
        gamma=pick("gamma", floats(0, 10, d.gamma)), total=pick("total", st.integers(1, 10**6).filter(
            lambda n: n != d.total)), min_lr=pick("min_lr", floats(0, 1e6, 0.0)))


@st.composite
def states(draw, link: bool = True, changed: bool = False):
    """A valid state (one a link can carry unless ``link`` is False). With ``changed``, every field differs from
    the default and the page can build it (enough points to train on, the mse loss for regression)."""
    if changed:
        datasets, losses = [g for g in GENERATORS if g != DEFAULT.dataset], ["mse"]
        points, test, seeds = st.integers(60, 1000), floats(0, 0.5), st.integers(1, 2**31)
    else:
        datasets, losses = list(GENERATORS) + ([] if link else [OWN_DATA]), list(LOSSES)
        points, test, seeds = st.integers(20, 1000), floats(0, 0.9), st.integers(0, 2**31)
    hidden = draw(st.lists(st.integers(1, MAX_WIDTH), max_size=MAX_LAYERS).map(tuple).filter(
        lambda h: not changed or h != DEFAULT.hidden))
    activations = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(hidden), max_size=len(hidden)).map(tuple)
                       .filter(lambda a: not changed or a != DEFAULT.activations))
    state = MLPState(
        draw(st.sampled_from(datasets)), draw(points.filter(lambda n: not changed or n != DEFAULT.points)),
        draw(floats(0, 0.5, DEFAULT.noise if changed else None)), draw(seeds), draw(test.filter(
            lambda t: not changed or t != DEFAULT.test_fraction)),
        draw(st.lists(st.sampled_from(list(FEATURES)), min_size=1, unique=True).map(tuple).filter(
            lambda f: not changed or f != DEFAULT.features)),
        hidden, activations, draw(st.sampled_from([i for i in INITS if not changed or i != DEFAULT.init])),
        draw(floats(0.01, 100, DEFAULT.init_scale if changed else None)),
        draw(st.just(False) if changed else st.booleans()), draw(st.sampled_from(losses)),
        draw(optimizers(changed)), draw(st.integers(1 if changed else 0, 1000)),
        draw(floats(1e-300 if changed else 0, 1e6)), draw(floats(1e-300 if changed else 0, 1e6)), draw(seeds))
    if state.dataset == "regression":
        state = replace(state, loss="mse")
    return state


@settings(max_examples=20, deadline=None, database=None)
@given(states(changed=True))
def test_the_strategy_changes_every_field(state):
    assert all(getattr(state, f.name) != getattr(DEFAULT, f.name) for f in MLP_SPEC.fields)
    assert all(f"{name}=" in MLP_SPEC.to_query(state)["opt"] for name in SETTINGS)  # every optimizer setting too


# --- the spec alone ---


@SPEC_SETTINGS
@given(states())
def test_any_link_state_round_trips_through_the_url(state):
    assert MLP_SPEC.from_query(MLP_SPEC.to_query(state)) == (state, [])


@SPEC_SETTINGS
@given(states(link=False))
def test_any_state_round_trips_through_json_and_the_widgets(state):
    assert MLP_SPEC.from_json(json.loads(json.dumps(MLP_SPEC.to_json(state)))) == (state, [])
    session = {}
    MLP_SPEC.to_session(state, session)
    assert MLP_SPEC.from_session(session) == state
    assert set(session) <= set(MLP_SPEC.widget_keys())


# --- through the page ---


def url(at) -> dict[str, str]:
    return {k: v if isinstance(v, str) else v[-1] for k, v in at.query_params.items()}


def shown_json(at) -> dict:
    return json.loads(next(c.value for c in at.code if c.language == "json"))


@PAGE_SETTINGS
@given(states(changed=True))
def test_url_to_widgets_to_url(state):
    at = open_page("mlp/view.py", **MLP_SPEC.to_query(state))
    assert not at.warning and not at.error
    assert at.number_input(key="mlp_points").value == state.points  # the widgets hold it…
    assert url(at) == MLP_SPEC.to_query(state)  # …and the URL the page writes back is the same


@PAGE_SETTINGS
@given(states(changed=True))
def test_json_to_widgets_to_json(state):
    at = open_page("mlp/view.py")
    at.text_area(key="mlp_json_text").input(json.dumps(FILE_FORMAT.to_json(state))).run()
    at.button(key="mlp_json_load").click().run()
    assert not at.exception and not at.warning and not at.error
    assert [s.value for s in at.success] == ["Loaded the settings\\."]
    assert shown_json(at) == FILE_FORMAT.to_json(state)


DROPPED = "adam:lr=0.01,beta1=0.5,weight_decay=0.1,schedule=step"


def test_the_optimizers_settings_are_no_longer_dropped():
    """The page once had widgets for the optimizer's name, lr and clip norm only, and wrote this link back as
    opt=adam:lr=0.01 without a word."""
    state, warnings = MLP_SPEC.from_query({"opt": DROPPED})
    assert not warnings and state.optimizer == OptimizerConfig("adam", lr=0.01, beta1=0.5, weight_decay=0.1,
                                                               schedule="step")
    at = open_page("mlp/view.py", opt=DROPPED)
    assert not at.warning and url(at)["opt"] == DROPPED
    assert at.number_input(key="mlp_optimizer_beta1").value == 0.5
    assert at.selectbox(key="mlp_optimizer_schedule").value == "step"
    at.run()
    assert url(at)["opt"] == DROPPED


def test_every_setting_is_a_widget_on_the_page():
    state = replace(DEFAULT, hidden=(4,) * MAX_LAYERS, activations=("tanh",) * MAX_LAYERS)
    at = open_page("mlp/view.py", **MLP_SPEC.to_query(state))
    drawn = {w.key for kind in ("number_input", "selectbox", "slider", "multiselect", "toggle")
             for w in getattr(at, kind)}
    session = {}
    MLP_SPEC.to_session(state, session)
    assert set(session) <= drawn
    assert {MLP_SPEC.widget_key(n) for n in widget_names()} >= set(MLP_SPEC.widget_keys())


def test_widget_bounds_are_the_links_bounds():
    for name in widget_names():
        c = control(name)
        assert not {"min_value", "max_value", "options"} & set(c.extra), name  # only the kind gives them
        if isinstance(c.kind, Int | Float):
            assert (c.args()["min_value"], c.args()["max_value"]) == (
                c.kind.low, None if c.kind.high == math.inf else c.kind.high), name
    assert CONTROLS["points"].kind is MLP_SPEC.field("points").kind
    assert control("hidden_7").kind is MLP_SPEC.field("hidden").kind.width


# --- refused values are named ---


@pytest.mark.parametrize("key,value", [
    ("data", "mnist"), ("n", "19"), ("n", "1001"), ("noise", "0.51"), ("noise", "-0.01"), ("dseed", "-1"),
    ("test", "0.91"), ("features", "x1,x1"), ("features", ""), ("features", "x3"), ("hidden", "33"),
    ("hidden", "1,1,1,1,1,1,1,1,1"), ("hidden", "8.5"), ("act", "swish"), ("init", "lecun"), ("scale", "0.001"),
    ("scale", "101"), ("bias", "2"), ("loss", "hinge"), ("opt", "adam:beta1=1"), ("opt", "adam:lr=0"),
    ("opt", "sgd;adam"), ("opt", "adam:gamma=11"), ("opt", "adam:eps=0"), ("opt", "adam:step_every=0"),
    ("opt", "adam:lr=1e-10"), ("opt", "adam:momentum=x"), ("batch", "1001"), ("l1", "-1"), ("l2", "nan"),
    ("seed", "2147483649"), ("data", "own data"), ("l2", "-1"), ("opt", "adam:clip_norm=-5")])  # the review's
def test_a_refused_value_is_named_and_changes_nothing(key, value):
    state, warnings = MLP_SPEC.from_query({key: value})
    assert state == DEFAULT
    assert len(warnings) == 1 and f"({key}=)" in warnings[0] and "Using the default" in warnings[0], warnings


@pytest.mark.parametrize("name,value", [("points", "300"), ("points", 19), ("points", 30.5), ("noise", True),
                                        ("features", "x1"), ("hidden", [8, "8"]), ("bias", 1),
                                        ("optimizer", {"name": "adam", "lr": "0.1"}), ("optimizer", {}),
                                        ("optimizer", {"name": "adam", "beta9": 0.5}), ("dataset", 3)])
def test_a_refused_json_value_is_named_and_changes_nothing(name, value):
    state, warnings = MLP_SPEC.from_json({name: value})
    assert state == DEFAULT
    assert len(warnings) == 1 and f"({name})" in warnings[0], warnings


def test_activations_fit_the_layers():
    assert settle(replace(DEFAULT, hidden=(4, 4, 4), activations=("tanh",))) == (
        replace(DEFAULT, hidden=(4, 4, 4), activations=("tanh",) * 3), [])  # one activation throughout: any depth
    assert settle(replace(DEFAULT, hidden=(4,), activations=())) == (replace(DEFAULT, hidden=(4,), activations=(
        "relu",)), [])
    state, warnings = settle(replace(DEFAULT, hidden=(4, 4, 4), activations=("tanh", "elu")))
    assert state.activations == ("tanh", "elu", "elu") and "tanh, elu" in warnings[0]
    state, warnings = settle(replace(DEFAULT, hidden=(4,), activations=("tanh", "elu")))
    assert state.activations == ("tanh",) and warnings


def test_optimizer_in_json_is_every_setting_and_reads_the_link_form_too():
    kind = MLP_SPEC.field("optimizer").kind
    cfg = OptimizerConfig("rmsprop", lr=0.01, clip_norm=2.0)
    assert kind.to_json(cfg) == {"name": "rmsprop", **{n: getattr(cfg, n) for n in SETTINGS}}
    assert kind.from_json("rmsprop:lr=0.01,clip_norm=2") == cfg
    assert kind.from_json({"name": "rmsprop", "lr": 0.01, "clip_norm": 2, "clip_value": 0}) == cfg  # 0: off


# --- the default η, and η in a link ---


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("lr", [OptimizerConfig.lr, DEFAULT_LR, 0.5])
def test_a_link_always_writes_eta_and_reads_it_back(name, lr):
    """The optimizer lab's run text leaves out its own default η (0.1): the MLP lab, whose default is another,
    wrote 'adam' for 0.1 beside /mlp's 0.03 (the review)."""
    cfg = OptimizerConfig(name, lr=lr, momentum=0.5)
    text = MLP_SPEC.field("optimizer").kind.format(cfg)
    assert text.startswith(f"{name}:lr=") and MLP_SPEC.from_query({"opt": text})[0].optimizer == cfg


def test_the_lab_opens_at_its_default_eta_and_a_bare_optimizer_name_keeps_its_old_meaning():
    assert DEFAULT.optimizer == TrainConfig().optimizer and DEFAULT.optimizer.lr == DEFAULT_LR  # one default
    assert MLP_SPEC.from_query({"opt": "adam"})[0].optimizer == OptimizerConfig("adam")  # links shared before: 0.1
    at = open_page("mlp/view.py")
    assert at.number_input(key="mlp_optimizer_lr").value == DEFAULT_LR
    assert MLP_SPEC.from_query(url(at))[0].optimizer.lr == DEFAULT_LR  # the address bar says the η shown
    at.number_input(key="mlp_optimizer_lr").set_value(OptimizerConfig.lr).run()
    assert "lr=" in url(at)["opt"] and MLP_SPEC.from_query(url(at))[0].optimizer.lr == OptimizerConfig.lr


# --- the links the page made before MLP_SPEC ---

OLD_DEFAULT = {"data": "circle", "n": "300", "noise": "0.05", "dseed": "0", "test": "0.3", "features": "x1,x2",
               "hidden": "8,8", "act": "relu,relu", "init": "he", "scale": "1", "bias": "1", "loss": "cross_entropy",
               "opt": "adam:lr=0.03", "batch": "0", "l1": "0", "l2": "0", "seed": "0"}
EXPLODING_33 = {"data": "regression", "hidden": "8,8,8,8,8,8,8,8", "act": ",".join(["leaky_relu"] * 8),
                "init": "he", "loss": "mse", "opt": "sgd:lr=0.0885,schedule=step,step_every=30,gamma=10"}
OLD_LINKS = [  # (a link, what the page before MLP_SPEC made of it beyond OLD_DEFAULT, whether it warned)
    ({"data": "spiral", "n": "200", "noise": "0.3", "test": "0.5", "hidden": "32,32", "act": "relu,relu",
      "opt": "adam:lr=0.01"},
     {"data": "spiral", "n": "200", "noise": "0.3", "test": "0.5", "hidden": "32,32", "opt": "adam:lr=0.01"}, False),
    ({"data": "xor", "hidden": "8,8", "act": "linear,linear", "opt": "adam:lr=0.03"},
     {"data": "xor", "act": "linear,linear"}, False),
    ({"data": "moons", "noise": "0.1", "hidden": "16,16", "act": "relu,relu", "opt": "sgd:lr=0.01"},
     {"data": "moons", "noise": "0.1", "hidden": "16,16", "opt": "sgd:lr=0.01"}, False),
    (EXPLODING_33, {k: v for k, v in EXPLODING_33.items() if k != "init"}, False),
    ({**EXPLODING_33, "opt": "sgd:lr=0.0885,schedule=step,step_every=30,gamma=10,clip_norm=0.05"},
     {**{k: v for k, v in EXPLODING_33.items() if k != "init"},
      "opt": "sgd:lr=0.0885,clip_norm=0.05,schedule=step,step_every=30,gamma=10"}, False),  # settings in one order
    ({"data": "circle", "hidden": "8,8,8,8,8,8", "act": "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid",
      "init": "xavier", "opt": "sgd:lr=0.5"},
     {"hidden": "8,8,8,8,8,8", "act": "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid", "init": "xavier",
      "opt": "sgd:lr=0.5"}, False),
    ({"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "init": "he", "scale": "2",
      "loss": "mse", "opt": "sgd:lr=0.05"},
     {"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "scale": "2", "loss": "mse",
      "opt": "sgd:lr=0.05"}, False),
    ({"data": "xor", "hidden": "", "act": ""},
     {"data": "xor", "hidden": "", "act": ""}, False),
    ({"data": "spiral", "hidden": "16,16,16", "act": "relu,relu,relu", "noise": "0.02"},
     {"data": "spiral", "noise": "0.02", "hidden": "16,16,16", "act": "relu,relu,relu"}, False),
    ({"data": "gaussians", "hidden": "2", "act": "tanh", "opt": "sgd:lr=0.3"},
     {"data": "gaussians", "hidden": "2", "act": "tanh", "opt": "sgd:lr=0.3"}, False),
    ({"data": "xor", "hidden": "", "act": "", "opt": "adam:lr=0.03"},
     {"data": "xor", "hidden": "", "act": ""}, False),
    ({"data": "xor", "hidden": "8", "act": "relu", "opt": "adam:lr=0.03"},
     {"data": "xor", "hidden": "8", "act": "relu"}, False),
    ({"data": "circle", "hidden": "8,8,8,8,8,8", "act": "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid",
      "init": "xavier", "opt": "sgd:lr=0.5"},
     {"hidden": "8,8,8,8,8,8", "act": "sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid", "init": "xavier",
      "opt": "sgd:lr=0.5"}, False),
    ({"data": "circle", "hidden": "8,8,8,8,8,8", "act": "relu,relu,relu,relu,relu,relu", "init": "he",
      "opt": "sgd:lr=0.5"},
     {"hidden": "8,8,8,8,8,8", "act": "relu,relu,relu,relu,relu,relu", "opt": "sgd:lr=0.5"}, False),
    ({"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "init": "he", "scale": "2",
      "loss": "mse", "opt": "sgd:lr=0.05"},
     {"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "scale": "2", "loss": "mse",
      "opt": "sgd:lr=0.05"}, False),
    ({"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "init": "he", "scale": "2",
      "loss": "mse", "opt": "sgd:lr=0.05,clip_norm=1"},
     {"data": "regression", "hidden": "16,16,16,16,16,16",
      "act": "leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu,leaky_relu", "scale": "2", "loss": "mse",
      "opt": "sgd:lr=0.05,clip_norm=1"}, False),
    ({"data": "circle", "features": "x1²,x2²", "hidden": "", "act": "", "opt": "adam:lr=0.05"},
     {"features": "x1²,x2²", "hidden": "", "act": "", "opt": "adam:lr=0.05"}, False),
    ({"data": "spiral", "hidden": "16,16,16", "act": "relu,relu,relu", "noise": "0.02", "opt": "adam:lr=0.03"},
     {"data": "spiral", "noise": "0.02", "hidden": "16,16,16", "act": "relu,relu,relu"}, False),
    ({"data": "gaussians", "hidden": "2", "act": "tanh", "opt": "sgd:lr=0.3"},
     {"data": "gaussians", "hidden": "2", "act": "tanh", "opt": "sgd:lr=0.3"}, False),
    ({"data": "moons", "n": "500", "noise": "0.2", "dseed": "7", "test": "0.25", "features": "x1,x2,x1²,sin x2",
      "hidden": "16,4", "act": "tanh,elu", "init": "xavier", "scale": "0.5", "bias": "0", "loss": "mse",
      "opt": "momentum:lr=0.05,momentum=0.8", "batch": "32", "l1": "0.001", "l2": "0.01", "seed": "3"},
     {"data": "moons", "n": "500", "noise": "0.2", "dseed": "7", "test": "0.25", "features": "x1,x2,x1²,sin x2",
      "hidden": "16,4", "act": "tanh,elu", "init": "xavier", "scale": "0.5", "bias": "0", "loss": "mse",
      "opt": "momentum:lr=0.05,momentum=0.8", "batch": "32", "l1": "0.001", "l2": "0.01", "seed": "3"}, False),
    ({"hide": "export,landscape", "lock": "setup", "data": "xor"},
     {"data": "xor"}, False),
    ({"hidden": "4"},
     {"hidden": "4", "act": "relu"}, False),
    ({"hidden": "8,8,8", "act": "tanh"},
     {"hidden": "8,8,8", "act": "tanh,tanh,tanh"}, False),
    ({"hidden": "", "act": ""},
     {"hidden": "", "act": ""}, False),
    ({"opt": "adamw:lr=0.001,weight_decay=0.01,decay_mode=decoupled"},
     {"opt": "adamw:lr=0.001,weight_decay=0.01,decay_mode=decoupled"}, False),
    ({"opt": "rmsprop:lr=0.01,rho=0.95,eps=1e-06,clip_value=0.5"},
     {"opt": "rmsprop:lr=0.01,rho=0.95,eps=1e-06,clip_value=0.5"}, False),
    ({"opt": "sgd:lr=0.1,schedule=cosine,total=500,min_lr=0.001"},
     {"opt": "sgd:lr=0.1,schedule=cosine,total=500,min_lr=0.001"}, False),  # η 0.1 written out now
    ({"opt": "nesterov:lr=0.2,momentum=0.7,schedule=step,step_every=50,gamma=0.3"},
     {"opt": "nesterov:lr=0.2,momentum=0.7,schedule=step,step_every=50,gamma=0.3"}, False),
    ({"opt": "adagrad:lr=0.5,clip_norm=2.5", "batch": "1000", "n": "1000", "noise": "0.5", "test": "0.9"},
     {"n": "1000", "noise": "0.5", "test": "0.9", "opt": "adagrad:lr=0.5,clip_norm=2.5", "batch": "1000"}, False),
    ({"data": "gaussians", "n": "20", "test": "0", "dseed": "2147483648", "seed": "2147483648", "noise": "0"},
     {"data": "gaussians", "n": "20", "noise": "0", "dseed": "2147483648", "test": "0", "seed": "2147483648"}, False),
    ({"features": "x1·x2,x2²,sin x1", "hidden": "32,32,32,32,32,32,32,32",
      "act": "linear,sigmoid,relu,leaky_relu,elu,tanh,relu,relu", "init": "normal", "scale": "100", "bias": "1"},
     {"features": "x1·x2,x2²,sin x1", "hidden": "32,32,32,32,32,32,32,32",
      "act": "linear,sigmoid,relu,leaky_relu,elu,tanh,relu,relu", "init": "normal", "scale": "100"}, False),
    ({"data": "regression", "loss": "mse", "scale": "0.01", "l1": "0", "l2": "1e-05"},
     {"data": "regression", "scale": "0.01", "loss": "mse", "l2": "1e-05"}, False),
    ({"data": "spiral", "noise": "0.02", "test": "0.333", "n": "321"},
     {"data": "spiral", "n": "321", "noise": "0.02", "test": "0.333"}, False),
    ({"data": "own data"},
     {}, True),
    ({"n": "5000"},
     {}, True),
    ({"opt": "sgd:lr=-1"},
     {}, True),
    ({"scale": "0"},
     {}, True),
    ({"bias": "maybe"},
     {}, True),
    ({"hidden": "99"},
     {}, True),
    ({"act": "swish"},
     {}, True),
    ({"features": "x3"},
     {}, True),
    ({"data": "mnist"},
     {}, True),
]


@pytest.mark.parametrize("link,changes,warned", OLD_LINKS)
def test_old_links_open_the_same_state(link, changes, warned):
    state, warnings = MLP_SPEC.from_query(link)
    assert MLP_SPEC.to_query(state) == {**OLD_DEFAULT, **changes}
    assert bool(warnings) == warned, warnings


def test_old_links_cover_every_setting_and_the_lessons():
    from playground.common.presets import load_presets
    keys = {k for link, _, _ in OLD_LINKS for k in link}
    assert keys == {f.key for f in MLP_SPEC.fields} | {"hide", "lock"}
    lessons = [lesson["query"] for section in load_presets("lessons") for lesson in section["lessons"]
               if lesson["page"] == "mlp"] + [preset["query"] for preset in load_presets("mlp")]
    assert all(any(query == link for link, _, _ in OLD_LINKS) for query in lessons)


def test_an_old_link_opens_on_the_page_as_it_did():
    link, changes, _ = next(row for row in OLD_LINKS if row[0].get("data") == "moons")  # every setting set
    at = open_page("mlp/view.py", **link)
    assert not at.warning and url(at) == {**OLD_DEFAULT, **changes}
