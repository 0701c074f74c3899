"""The exported training scripts replay the engine's training, for every optimizer setting.

The numpy script pastes in the app's own update rules and network code, so it guards the export
(templates, filling in, the pasted dependencies) and numpy_net against the engine's graph. The
PyTorch script uses torch.optim, an independent implementation, so it also guards the update rules
themselves. Scripts run in one subprocess per kind (starting torch 126 times would take minutes).
"""

import ast
import importlib.util
import itertools
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine.graph import backward
from labs.mlp import numpy_net
from labs.mlp.datasets import make_dataset, split
from labs.mlp.export import numpy_script, torch_script
from labs.mlp.nn import ACTIVATIONS, LOSSES, NetConfig
from labs.mlp.train import TrainConfig, Trainer
from labs.optim import OPTIMIZERS, OptimizerConfig

ROOT = pathlib.Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("GRADLAB_REQUIRE_TORCH") == "1"  # CI: a missing torch or ruff is a failure
UPDATES = 7  # with 24 training points in batches of 8: two reshuffles

MATRIX = list(itertools.product(OPTIMIZERS, ("l2", "decoupled"), ("none", "value", "norm"),
                                ("constant", "step", "cosine")))
IDS = ["-".join(combo) for combo in MATRIX]


def tiny_data():
    return split(make_dataset("circle", 32, 0.1, seed=0), 0.25, 0)


def matrix_config(i, name, decay_mode, clip, schedule) -> TrainConfig:
    """A tiny net whose activation, loss and bias vary along the matrix (every activation meets both
    losses, with and without bias), so every one of them is exported too."""
    optimizer = OptimizerConfig(name, lr=0.01 if name in ("sgd", "momentum", "nesterov") else 0.05,
                                weight_decay=0.05, decay_mode=decay_mode, clip_value=0.02 if clip == "value" else None,
                                clip_norm=0.05 if clip == "norm" else None,
                                schedule=schedule, step_every=2, gamma=0.5, total=5, min_lr=0.001)
    net = NetConfig(hidden=(3,), activations=(ACTIVATIONS[i % len(ACTIVATIONS)],), bias=i % 5 != 4)
    loss = LOSSES[i // len(ACTIVATIONS) % len(LOSSES)]
    return TrainConfig(net, optimizer, loss=loss, batch_size=8, l1=0.001, l2=0.002, seed=i)


def require(module: str):
    if importlib.util.find_spec(module) is None:
        if REQUIRED:
            pytest.fail(f"GRADLAB_REQUIRE_TORCH=1 but {module} is not installed")
        pytest.skip(f"{module} is not installed")


@pytest.fixture(scope="module")
def engine_runs():
    """Per matrix entry: the trainer after UPDATES updates, and what each of its optimizer steps did.

    A trainer exports the same script before and after training (its data and initial weights)."""
    train, test = tiny_data()
    runs = []
    for i, combo in enumerate(MATRIX):
        trainer = Trainer(matrix_config(i, *combo), train, test)
        updates, step = [], trainer.optimizer.step
        trainer.optimizer.step = lambda step=step, updates=updates: updates.append(step()) or updates[-1]
        records = trainer.run(UPDATES)
        assert len(records) == UPDATES and not records[-1].problem, combo  # nothing for the NaN trap
        runs.append((trainer, updates))
    return runs


def engine_losses(trainer) -> list[float]:
    return [r.train_loss for r in trainer.history]


# Runs each script file named on the command line as __main__ and prints {path: its train_loss}.
RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for path in sys.argv[1:]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        runpy.run_path(path, run_name="__main__")
    out[path] = json.loads(printed.getvalue().strip().splitlines()[-1])["train_loss"]
print(json.dumps(out))
"""


def run_scripts(folder: pathlib.Path, scripts: list[str]) -> list[list[float]]:
    paths = []
    for i, text in enumerate(scripts):
        paths.append(folder / f"script_{i}.py")
        paths[-1].write_text(text)
    # One thread per library: on a busy 2-core machine torch's thread pool made every tiny step 7x slower.
    one_thread = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", RUNNER, *map(str, paths)], capture_output=True, text=True,
                         timeout=300, cwd=folder, env={**os.environ, **one_thread})
    assert out.returncode == 0, out.stderr[-3000:]
    losses = json.loads(out.stdout)
    return [losses[str(p)] for p in paths]


@pytest.fixture(scope="module")
def numpy_losses(engine_runs, tmp_path_factory):
    return run_scripts(tmp_path_factory.mktemp("numpy"), [numpy_script(t, UPDATES) for t, _ in engine_runs])


@pytest.fixture(scope="module")
def torch_losses(engine_runs, tmp_path_factory):
    require("torch")
    return run_scripts(tmp_path_factory.mktemp("torch"), [torch_script(t, UPDATES) for t, _ in engine_runs])


@pytest.mark.parametrize("i", range(len(MATRIX)), ids=IDS)
def test_numpy_script_losses_equal_the_engines(i, engine_runs, numpy_losses):
    np.testing.assert_allclose(numpy_losses[i], engine_losses(engine_runs[i][0]), rtol=1e-12, atol=0)


@pytest.mark.parametrize("i", range(len(MATRIX)), ids=IDS)
def test_torch_script_losses_equal_the_engines(i, engine_runs, torch_losses):
    np.testing.assert_allclose(torch_losses[i], engine_losses(engine_runs[i][0]), rtol=1e-12, atol=0)


def test_the_matrix_really_clips_and_schedules(engine_runs):
    """Guards the matrix itself: thresholds that never clip, or a schedule that never moves, test nothing."""
    for (name, mode, clip, schedule), (_, updates) in zip(MATRIX, engine_runs, strict=True):
        assert any(u.clipped for u in updates) == (clip != "none"), (name, mode, clip, schedule)
        assert (len({u.lr for u in updates}) > 1) == (schedule != "constant"), (name, mode, clip, schedule)


def generated_scripts(tmp_path):
    train, test = tiny_data()
    paths = {}
    for i, combo in [(0, ("adam", "decoupled", "norm", "cosine")), (5, ("sgd", "l2", "value", "step"))]:
        trainer = Trainer(matrix_config(i, *combo), train, test)
        for kind, export in (("numpy", numpy_script), ("torch", torch_script)):
            paths[f"{kind}_{i}"] = tmp_path / f"gradlab_{kind}_{i}.py"
            paths[f"{kind}_{i}"].write_text(export(trainer, 3))
    return paths


def test_generated_scripts_pass_ruff(tmp_path):
    ruff = shutil.which("ruff", path=str(pathlib.Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        if REQUIRED:
            pytest.fail("GRADLAB_REQUIRE_TORCH=1 but ruff is not installed")
        pytest.skip("ruff is not installed")
    paths = generated_scripts(tmp_path)
    command = [ruff, "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), *map(str, paths.values())]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_generated_scripts_import_only_numpy_torch_and_the_standard_library(tmp_path):
    for name, path in generated_scripts(tmp_path).items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name}: a relative import was left in"
                imported.add(node.module.split(".")[0])
        allowed = set(sys.stdlib_module_names) | ({"numpy", "torch"} if name.startswith("torch") else {"numpy"})
        assert imported <= allowed, (name, imported - allowed)


def test_numpy_script_runs_on_its_own(tmp_path):
    path = generated_scripts(tmp_path)["numpy_0"]
    out = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("update 1: training loss") and len(json.loads(lines[-1])["train_loss"]) == 3


@pytest.mark.parametrize("act", ACTIVATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_numpy_net_loss_and_gradients_equal_the_engines(act, loss):
    train, test = tiny_data()
    cfg = TrainConfig(NetConfig(hidden=(4, 3), activations=(act, "tanh")), OptimizerConfig("sgd", lr=0.1),
                      loss=loss, l1=0.01, l2=0.02, seed=3)
    trainer = Trainer(cfg, train, test)
    trainer.run(2)  # biases away from their zero start
    total, _, _ = trainer.loss(trainer.x_train, trainer.y_train)
    backward(total)
    params = [p.value for p in trainer.params]
    value, grads = numpy_net.loss_and_gradients(params, trainer.x_train, trainer.y_train, cfg)
    assert value == pytest.approx(float(total.value), rel=1e-12, abs=0)
    for mine, p in zip(grads, trainer.params, strict=True):
        np.testing.assert_allclose(mine, p.grad, rtol=1e-12, atol=1e-15, err_msg=p.label)
    stacked = [np.stack([p, 0.5 * p]) for p in params]  # K parameter sets at once, as the landscape asks
    halved = numpy_net.loss([0.5 * p for p in params], trainer.x_train, trainer.y_train, cfg)
    np.testing.assert_allclose(numpy_net.loss(stacked, trainer.x_train, trainer.y_train, cfg), [value, halved],
                               rtol=1e-12)
