"""Architecture rules that must stay true as the code grows."""

import ast
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_importing_engine_pulls_in_no_ui_library():
    code = ("import sys, engine, engine.cli; "
            "bad = [m for m in ('streamlit', 'plotly', 'graphviz', 'torch', 'jax') if m in sys.modules]; "
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_engine_imports_only_numpy_and_stdlib():
    allowed = set(sys.stdlib_module_names) | {"numpy"}
    for path in (ROOT / "engine").rglob("*.py"):
        assert set(_imports(path)) <= allowed, path


def test_labs_import_only_the_engine_numpy_and_stdlib():
    allowed = set(sys.stdlib_module_names) | {"numpy", "engine", "labs"}
    paths = [p for p in (ROOT / "labs").rglob("*.py") if "templates" not in p.parts]
    assert paths
    for path in paths:
        assert set(_imports(path)) <= allowed, path


# The only modules that may import streamlit: each feature's view, and the panels and Play timer every page shares.
STREAMLIT_MODULES = {"app.py", "view.py", "page.py", "play.py"}


def test_only_views_and_the_shared_panels_import_streamlit():
    for path in (ROOT / "playground").rglob("*.py"):
        if "streamlit" in set(_imports(path)):
            assert path.name in STREAMLIT_MODULES, path


def test_every_feature_lives_in_one_folder_with_its_view():
    features = {p.parent.name for p in (ROOT / "playground").glob("*/view.py")}
    assert features == {"home", "stepper", "surfaces", "mlp"}
    assert {p.name for p in (ROOT / "playground").glob("*.py")} <= {"app.py", "__init__.py"}


def test_files_that_import_streamlit_are_short():
    for path in (ROOT / "playground").rglob("*.py"):
        if "streamlit" in set(_imports(path)):
            lines = len(path.read_text().splitlines())
            assert lines <= 250, f"{path} has {lines} lines: move its logic into a plain module"


def test_no_eval_or_exec_anywhere():
    for folder in ("engine", "playground"):
        for path in (ROOT / folder).rglob("*.py"):
            calls = {n.func.id for n in ast.walk(ast.parse(path.read_text()))
                     if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            assert not calls & {"eval", "exec", "compile"}, path
