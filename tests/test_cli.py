"""The CLI, run as users run it: ``python -m engine`` in a subprocess."""

import json
import subprocess
import sys

import pytest


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          timeout=60)


def test_json_output_is_one_object():
    out = run_cli("grad", "(x + y) * z", "--at", "x=-2,y=5,z=-4", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"value": -12.0, "grads": {"x": -4.0, "y": -4.0, "z": 3.0}}


def test_plain_output_and_seed():
    out = run_cli("grad", "x * y", "--at", "x=2", "--at", "y=3", "--seed", "5")
    assert out.returncode == 0, out.stderr
    assert "value = 6" in out.stdout and "d/dx = 15" in out.stdout and "d/dy = 10" in out.stdout


def test_steps_ledger():
    out = run_cli("grad", "(x + y) * z", "--at", "x=-2,y=5,z=-4", "--steps")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["step", "node", "op", "upstream", "local", "downstream"]
    mul = lines[1].split()
    assert mul[:4] == ["0", "×", "mul", "1"] and "-4," in mul and "3" in mul


@pytest.mark.parametrize("expr", ["x ^ 2", "__import__('os')", "(x + 1", ""])
def test_bad_expression_prints_caret_and_exits_2(expr):
    out = run_cli("grad", expr, "--at", "x=1")
    assert out.returncode == 2
    assert "^" in out.stderr.splitlines()[1]
    assert out.stdout == ""


def test_missing_variable_is_named():
    out = run_cli("grad", "x * y + z", "--at", "x=1")
    assert out.returncode == 2
    assert "y" in out.stderr and "z" in out.stderr and "--at" in out.stderr


def test_non_finite_is_reported_not_hidden():
    out = run_cli("grad", "log(x)", "--at", "x=-1", "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout)["value"] is None
    assert "negative" in out.stderr


def test_malformed_at():
    out = run_cli("grad", "x", "--at", "x:1")
    assert out.returncode == 2 and "name=number" in out.stderr
