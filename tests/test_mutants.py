"""The tests still catch every known wrong derivative and known bug (benchmarks/mutants.py).

Each mutant is planted in a temporary copy of the repository, never here, and run only against the tests
that name themselves as its catchers (--quick); `make mutants` runs every mutant against whole test files.
"""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "mutants.py"


# engine: wrong derivatives (mean axis, max tie, relu at 0, ...) and the tape's replay (unbroadcast, sums, shared
# leaf gradients, a wrong derivative caught by the tape's own check); labs: geometry, and a stale replayed batch
@pytest.mark.parametrize("area,at_least", [("engine", 21), ("labs", 4)])
def test_every_mutant_is_caught(area, at_least):
    out = subprocess.run([sys.executable, str(SCRIPT), "--only", area, "--quick", "--timeout", "120"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    lines = out.stdout.splitlines()
    listed = subprocess.run([sys.executable, str(SCRIPT), "--only", area, "--list"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60).stdout.split("\n")
    names = [line.split()[0] for line in listed if line.strip()]
    assert len(names) >= at_least
    assert out.returncode == 0, out.stdout + out.stderr
    for name in names:
        assert any(line.startswith("caught") and f" {name} " in line for line in lines), (name, out.stdout)
