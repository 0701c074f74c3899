"""The engine's tests still catch every known wrong derivative and known bug (benchmarks/mutants.py).

Each mutant is planted in a temporary copy of the repository, never here. Only the engine's mutants
run, and only against the tests that name themselves as their catchers (--quick); `make mutants`
runs every mutant, the labs' too, against whole test files.
"""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "mutants.py"


def test_every_engine_mutant_is_caught():
    out = subprocess.run([sys.executable, str(SCRIPT), "--only", "engine", "--quick", "--timeout", "120"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = out.stdout.splitlines()
    listed = subprocess.run([sys.executable, str(SCRIPT), "--only", "engine", "--list"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60).stdout.split("\n")
    names = [line.split()[0] for line in listed if line.strip()]
    assert len(names) >= 3  # at least: mean over an axis, a max tie, relu at 0
    assert out.returncode == 0, out.stdout + out.stderr
    for name in names:
        assert any(line.startswith("caught") and f" {name} " in line for line in lines), (name, out.stdout)
