"""Mutation check: plant each known wrong derivative or known bug, and see the tests catch it.

Every mutant is a text patch (an exact string, or a regular expression, that must occur exactly
once) applied to a temporary copy of the repository, never to the working tree. The relevant test
files then run there with pytest: failing tests mean the mutant was **caught**; passing tests mean
it was **MISSED**. Before any mutant, the same test files run once unpatched and must pass, so
that "caught" means caught.

    .venv/bin/python benchmarks/mutants.py                 # every mutant (also: make mutants)
    .venv/bin/python benchmarks/mutants.py --only engine   # the engine's mutants
    .venv/bin/python benchmarks/mutants.py --only engine --quick   # only their catching tests (test_mutants.py)
    .venv/bin/python benchmarks/mutants.py --list          # names and what each plants

Exit status 0 only if every mutant is caught; a MISSED mutant, a patch that no longer applies, a
mutant that breaks collection instead of an assertion, or a failing baseline all exit 1.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", "gradlab.egg-info"}


@dataclass(frozen=True)
class Mutant:
    name: str
    area: str  # "engine" or "labs": whose tests must catch it
    what: str  # the bug it plants, in words
    files: tuple[str, ...]  # candidate files: the first holding the pattern is patched
    old: str  # exact text, or a regular expression when regex
    new: str
    tests: tuple[str, ...] = ()  # test files to run; or, when empty, every test file mentioning a keyword
    keywords: tuple[str, ...] = ()
    regex: bool = False
    focus: str = ""  # with --quick, only the tests this pytest -k expression selects


MUTANTS = (
    # --- the engine: wrong derivatives and the defects fixed for the "teaching truth" issue ---
    Mutant("mean-axis-divides-by-size", "engine", "mean over an axis divides its gradient by x.size",
           ("engine/ops.py",), "_expand(g, x, axis) / _reduced_count(x, axis)", "_expand(g, x, axis) / x.size",
           ("tests/test_op_gradients.py",), focus="along_each_axis"),
    Mutant("max-tie-sends-nothing", "engine", "a max tie sends 0 to both inputs",
           ("engine/ops.py",),
           "np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0)),\n"
           "                   lambda out, a, b: np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0))",
           "np.where(a > b, 1.0, 0.0),\n"
           "                   lambda out, a, b: np.where(a < b, 1.0, 0.0)",
           ("tests/test_kinks.py",), focus="tie"),
    Mutant("min-tie-all-to-first", "engine", "a min tie sends the whole gradient to its first input",
           ("engine/ops.py",),
           "np.where(a < b, 1.0, np.where(a == b, 0.5, 0.0)),\n"
           "                   lambda out, a, b: np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))",
           "np.where(a <= b, 1.0, 0.0),\n"
           "                   lambda out, a, b: np.where(a > b, 1.0, 0.0)",
           ("tests/test_kinks.py",), focus="tie"),
    Mutant("relu-slope-1-at-0", "engine", "relu′(0) = 1",
           ("engine/ops.py",), "local=(lambda out, x: (x > 0) * np.ones_like(out),)",
           "local=(lambda out, x: (x >= 0) * np.ones_like(out),)", ("tests/test_kinks.py",), focus="slope_at_zero"),
    Mutant("pow-x0-nan-at-0", "engine", "d(x**0)/dx at x = 0 is NaN (0 * 0**-1)",
           ("engine/ops.py",), "return np.where(zero, 0.0, b * np.power(np.where(zero, 1.0, a), b - 1.0))",
           "return b * np.power(a, b - 1.0)", ("tests/test_kinks.py",), focus="zero_base or x_to_the_zero"),
    Mutant("pow-zero-base-exponent-nan", "engine", "d(0**y)/dy is NaN for y >= 0",
           ("engine/ops.py",), "at_zero = np.where(b >= 0, 0.0, -np.inf)",
           "at_zero = np.where(b >= 0, np.nan, -np.inf)", ("tests/test_kinks.py",), focus="zero_base"),
    Mutant("no-tie-note", "engine", "backward steps never say a tie or kink decided the gradient",
           ("engine/graph.py",), "(convention_note(node), through_undefined_note", "(None, through_undefined_note",
           ("tests/test_kinks.py",), focus="note"),
    Mutant("no-undefined-note", "engine", "a finite gradient sent through a NaN (log at -1) goes unexplained",
           ("engine/graph.py",), "through_undefined_note(node, downstream)) if n)", "None) if n)",
           ("tests/test_kinks.py",), focus="no_slope"),
    Mutant("gradcheck-fails-where-undefined", "engine", "the gradient check calls FAIL where f is NaN within h",
           ("engine/gradcheck.py",), "return bool(np.all(np.isfinite(np.ravel(self.numeric)[at])))", "return True",
           ("tests/test_kinks.py",), focus="nothing_to_compare"),
    Mutant("leaf-grads-shared", "engine", "a leaf's grad is whatever array reached it (x + y: one array for both)",
           ("engine/graph.py",), "    return np.array(upstream)", "    return upstream",
           ("tests/test_op_gradients.py",), focus="writable"),
    Mutant("sum-grad-read-only-view", "engine", "sum's gradient is a read-only zero-stride broadcast view",
           ("engine/ops.py",), "np.array(_expand(g, x, axis))", "_expand(g, x, axis)",
           ("tests/test_op_gradients.py",), focus="writable"),
    Mutant("unbroadcast-to-numpy-scalar", "engine", "a gradient summed to 0-d is a numpy scalar, not an array",
           ("engine/ops.py",), "grad = np.asarray(np.add.reduce(grad, axis=0 if extra == 1 else tuple(range(extra))))",
           "grad = np.add.reduce(grad, axis=0 if extra == 1 else tuple(range(extra)))",
           ("tests/test_op_gradients.py",), focus="writable"),
    Mutant("node-built-with-warnings-on", "engine", "making a node runs the op with numpy's warnings on",
           ("engine/node.py",), '_make_extobj(all="ignore")', '_make_extobj(all="warn")',
           ("tests/test_op_gradients.py",), focus="domain_error"),
    Mutant("error-state-leaks", "engine", "making a node leaves numpy's warnings off for everything after",
           ("engine/node.py",), "_restore(state)", "pass", ("tests/test_op_gradients.py",),
           focus="error_state"),
    Mutant("numpy1-error-state-leaks", "engine", "on numpy 1, making a node leaves warnings off after it",
           ("engine/node.py",), "    np.seterr(**old)", "    pass", ("tests/test_op_gradients.py",),
           focus="error_state"),
    Mutant("gradcheck-ignores-seed", "engine", "the gradient check's differences ignore the output gradient",
           ("engine/gradcheck.py",), "return float(np.sum(seed * root.value))", "return float(np.sum(root.value))",
           ("tests/test_op_gradients.py",), focus="output_gradient"),
    # --- the tape (the training path): a wrong derivative or sum there fails tests/test_tape.py on its own ---
    Mutant("sigmoid-slope-sign", "engine", "σ′ = σ(1 + σ): caught by the tape's own central differences",
           ("engine/ops.py",), "local=(lambda out, x: out * (1.0 - out),)", "local=(lambda out, x: out * (1.0 + out),)",
           ("tests/test_tape.py",), focus="taped_gradient_matches_central_differences and sigmoid"),
    Mutant("tape-drops-unbroadcast", "engine", "a replayed gradient is not summed back over broadcast axes",
           ("engine/tape.py",), "g = unbroadcast(g, shape)", "pass",
           ("tests/test_tape.py",), focus="bit_for_bit or batch_sizes"),
    Mutant("tape-keeps-only-the-last-gradient", "engine", "a replayed node used twice keeps one gradient, not the sum",
           ("engine/tape.py",), "g = parent.grad + g", "g = g", ("tests/test_tape.py",),
           focus="bit_for_bit"),
    Mutant("tape-ignores-a-constant-local", "engine", "a replayed constant local derivative (sub's -1) passes as 1",
           ("engine/tape.py",), "(up if d == 1.0 else up * d)", "up", ("tests/test_tape.py",), focus="bit_for_bit"),
    Mutant("tape-leaf-grads-shared", "engine", "a replayed leaf's grad is whatever array reached it",
           ("engine/tape.py",), "g if g is not up and g.base is None else _array(g)", "g", ("tests/test_tape.py",),
           focus="bit_for_bit"),
    # --- the labs: caught by tests/test_lab_geometry.py ---
    Mutant("cosine-schedule-unclamped", "labs", "the cosine schedule's clamp removed: past `total` it rises again",
           ("labs/update_rules.py", "labs/optim.py"), r"min\(\s*t\s*,\s*([\w.]*total)\s*\)", r"t",
           ("tests/test_lab_geometry.py",), regex=True, focus="cosine"),
    Mutant("moons-on-one-arc", "labs", "both moons classes drawn on the same arc",
           ("labs/mlp/datasets.py",), "np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)",
           "np.stack([np.cos(t), np.sin(t)], 1)", ("tests/test_lab_geometry.py",), focus="moons"),
    Mutant("loss-slice-unnormalized", "labs", "the loss slice's filter normalisation removed",
           ("labs/mlp/loss_slice.py",), "parts.append((d * scale).ravel())", "parts.append(d.ravel())",
           ("tests/test_lab_geometry.py",), focus="filter_normalized"),
    Mutant("trainer-replays-a-stale-batch", "labs", "taped training keeps training on its first batch",
           ("labs/mlp/train.py",), "self.x.value, self.y.value = np.asarray(x, dtype=np.float64), "
           "np.asarray(y, dtype=np.float64)", "pass", ("tests/test_tape.py",), focus="short-last-batch"),
)


def copy_repository(dest: Path) -> None:
    """The working tree's files (tracked, and untracked but not ignored) into ``dest``."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0:
        for rel in filter(None, listed.stdout.split("\0")):
            src = ROOT / rel
            if src.is_file() and not SKIP_DIRS & set(Path(rel).parts):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:  # not a git checkout
        shutil.copytree(ROOT, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*SKIP_DIRS))


def patch(copy: Path, m: Mutant) -> tuple[Path, str] | str:
    """Apply ``m`` in the copy: returns (file, its original text), or why the patch does not apply."""
    for rel in m.files:
        path = copy / rel
        if not path.exists():
            continue
        text = path.read_text()
        found = len(re.findall(m.old, text)) if m.regex else text.count(m.old)
        if found == 0:
            continue
        if found > 1:
            return f"the text to patch occurs {found} times in {rel}"
        path.write_text(re.sub(m.old, m.new, text) if m.regex else text.replace(m.old, m.new))
        return path, text
    return f"the text to patch is in none of {', '.join(m.files)}"


def test_files(copy: Path, m: Mutant) -> list[str]:
    if m.tests:
        return list(m.tests)
    found = []
    for path in sorted((copy / "tests").glob("test_*.py")):
        if path.name != "test_mutants.py" and any(k in path.read_text() for k in m.keywords):
            found.append(f"tests/{path.name}")
    return found


def run_pytest(copy: Path, files: list[str], focus: str, timeout: float) -> tuple[int, str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
           "-m", "not browser and not image",
           *(["-k", focus] if focus else []), *files]
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout:.0f} s", time.perf_counter() - start
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return out.returncode, lines[-1] if lines else out.stderr.strip()[-200:], time.perf_counter() - start


def check_imports_come_from(copy: Path) -> None:
    """The copy's tests must import the copy's packages, not the editable install's working tree."""
    code = "import engine, labs; print(engine.__file__); print(labs.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=copy, capture_output=True, text=True, timeout=120)
    paths = [Path(p).resolve() for p in out.stdout.split()]
    if out.returncode or len(paths) != 2 or not all(copy.resolve() in p.parents for p in paths):
        raise SystemExit(f"the copy imports the wrong engine/labs: {out.stdout or out.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="only these mutants (default: all)")
    parser.add_argument("--only", choices=("engine", "labs"), help="only the mutants of one area")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--quick", action="store_true",
                        help="run only the tests each mutant names as its catchers (its pytest -k focus)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per pytest run")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if (not args.only or m.area == args.only) and (not args.names or m.name in args.names)]
    unknown = set(args.names) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(sorted(unknown))}")
    if args.list:
        for m in chosen:
            print(f"{m.name:30} {m.area:7} {m.what}")
        return 0

    failures = 0
    with tempfile.TemporaryDirectory(prefix="gradlab-mutants-") as tmp:
        copy = Path(tmp)
        copy_repository(copy)
        check_imports_come_from(copy)
        plans = {m.name: test_files(copy, m) for m in chosen}
        baseline = {}  # test files -> pytest's verdict on them unpatched (quick: on every focus at once)
        for files in sorted({tuple(f) for f in plans.values() if f}):
            foci = {m.focus if args.quick else "" for m in chosen if tuple(plans[m.name]) == files}
            focus = "" if "" in foci else " or ".join(f"({f})" for f in sorted(foci))
            code, summary, _ = run_pytest(copy, list(files), focus, args.timeout)
            baseline[files] = code
            if code != 0:
                print(f"BASELINE FAILS  {' '.join(files)}: {summary}")
        width = max(len(m.name) for m in chosen)
        for m in chosen:
            files = plans[m.name]
            focus = m.focus if args.quick else ""
            if not files:
                print(f"MISSED  {m.name:{width}}  no test file mentions {' / '.join(m.keywords)}  [{m.what}]")
                failures += 1
                continue
            if baseline[tuple(files)] != 0:
                print(f"ERROR   {m.name:{width}}  its tests fail even without the mutant")
                failures += 1
                continue
            applied = patch(copy, m)
            if isinstance(applied, str):
                print(f"ERROR   {m.name:{width}}  {applied}: update the mutant")
                failures += 1
                continue
            path, original = applied
            try:
                code, summary, seconds = run_pytest(copy, files, focus, args.timeout)
            finally:
                path.write_text(original)
            verdict = {0: "MISSED", 1: "caught"}.get(code, "ERROR")
            failures += verdict != "caught"
            print(f"{verdict:7} {m.name:{width}}  {seconds:5.1f} s  {' '.join(files)}: {summary}  [{m.what}]",
                  flush=True)
    print(f"{len(chosen) - failures} of {len(chosen)} mutants caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
