"""Rehearse the Dockerfile without Docker (no daemon runs here): stage exactly what it COPYs, install
it as its RUN does into a fresh virtual environment, then start its CMD as its non-root user, poll its
HEALTHCHECK, and open every page of that install with AppTest. Only the base image is not rehearsed, nor
its `apt-get install` of system packages: this machine must already have what they provide (checked, and
used by the install, as the image would)."""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

pytestmark = pytest.mark.image
ROOT = pathlib.Path(__file__).resolve().parent.parent
DEV_ONLY = ("pytest", "hypothesis", "playwright", "ruff", "torch")
# What each Debian package the Dockerfile installs provides, found on the rehearsal's PATH instead.
SYSTEM_PROGRAMS = {"graphviz": "dot"}


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [tuple(line.split(None, 1)) for line in lines]


def apt_packages(command: str) -> list[str]:
    """The packages an ``apt-get update && apt-get install -y ... && rm ...`` command installs."""
    packages = []
    for part in command.split("&&"):
        words = shlex.split(part)
        if words[:2] == ["apt-get", "install"]:
            packages += [w for w in words[2:] if not w.startswith("-")]
    return packages


def base_python() -> str:
    """A system CPython 3.11, as the image's base has in /usr/local/bin: every user can run it (a pyenv
    build under /root can't be run by the image's user)."""
    return shutil.which("python3.11", path="/usr/local/bin:/usr/bin") or sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rehearsal:
    """What the image would hold: /app, its Python environment, its user, and how it is started."""

    def __init__(self, base: pathlib.Path):
        self.base, self.app, self.venv = base, base / "app", base / "venv"
        self.env = {"PATH": f"{self.venv / 'bin'}:/usr/bin:/bin", "HOME": str(base / "home"), "LANG": "C.UTF-8"}
        self.uid: int | None = None
        self.user, self.cmd, self.healthcheck = "root", [], ""
        self.system_packages: list[str] = []

    def build(self) -> None:
        self.app.mkdir()
        (self.base / "home").mkdir()
        for kind, rest in instructions():
            if kind == "ENV":
                for pair in shlex.split(rest):
                    key, value = pair.split("=", 1)
                    if key != "PIP_NO_CACHE_DIR":  # keeps the image small; here pip's cache keeps the test fast
                        self.env[key] = value
            elif kind == "RUN" and rest.startswith("apt-get"):
                # Not run: there is no image to install into, and apt-get would change this machine. The
                # packages are recorded; test_system_packages_are_here checks what they provide is present.
                self.system_packages += apt_packages(rest)
            elif kind == "RUN" and rest.startswith("useradd"):
                self.uid = int(rest.split("--uid", 1)[1].split()[0])
            elif kind == "COPY":
                *sources, dest = rest.split()
                for source in sources:
                    target = self.app / (pathlib.Path(source).name if dest.endswith("/") else dest)
                    if (ROOT / source).is_dir():
                        shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
                    else:
                        shutil.copy2(ROOT / source, target)
            elif kind == "RUN":
                subprocess.run([base_python(), "-m", "venv", str(self.venv)], check=True)
                cache = {"PIP_CACHE_DIR": str(pathlib.Path.home() / ".cache" / "pip")}  # the test run's own cache
                subprocess.run(shlex.split(rest), cwd=self.app, env={**self.env, **cache}, check=True,
                               capture_output=True)
            elif kind == "USER":
                self.user = rest.strip()
            elif kind == "HEALTHCHECK":
                self.healthcheck = rest.split(" CMD ", 1)[1].strip()
            elif kind == "CMD":
                self.cmd = json.loads(rest)
        if self.uid is not None and os.geteuid() == 0:  # the image's files belong to root, its home to the user
            for path in (self.base, self.base / "home"):
                path.chmod(0o755)
            os.chown(self.base / "home", self.uid, self.uid)

    def run_as_user(self, args, **kwargs):
        def drop_root():
            if self.uid is not None and os.geteuid() == 0:
                os.setgid(self.uid)
                os.setuid(self.uid)
        return subprocess.Popen(args, cwd=self.app, env=self.env, preexec_fn=drop_root, **kwargs)


@pytest.fixture(scope="module")
def image():
    base = pathlib.Path(tempfile.mkdtemp(prefix="gradlab-image-"))
    rehearsal = Rehearsal(base)
    try:
        rehearsal.build()
        yield rehearsal
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_image_has_no_dev_dependencies_and_a_non_root_user(image):
    assert image.user not in ("root", "0") and image.uid is not None and image.uid != 0
    check = f"import importlib.util; print(','.join(m for m in {DEV_ONLY!r} if importlib.util.find_spec(m)))"
    done = image.run_as_user([str(image.venv / "bin" / "python"), "-c", check], stdout=subprocess.PIPE, text=True)
    installed, _ = done.communicate(timeout=60)
    assert done.returncode == 0 and installed.strip() == "", f"dev-only packages in the image: {installed}"


def test_cmd_serves_the_app_and_the_healthcheck_passes(image):
    port = str(free_port())
    cmd = [arg.replace("8501", port).replace("0.0.0.0", "127.0.0.1") for arg in image.cmd]  # loopback only
    server = image.run_as_user(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = image.healthcheck.replace("8501", port)
        deadline = time.monotonic() + 60  # the Dockerfile's start period is 30 s
        while True:
            probe = image.run_as_user(["sh", "-c", health])
            if probe.wait(timeout=30) == 0:
                break
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "the HEALTHCHECK never passed"
            time.sleep(1)
        if os.geteuid() == 0:  # the server really runs as the image's user
            status = pathlib.Path(f"/proc/{server.pid}/status").read_text()
            assert f"Uid:\t{image.uid}\t" in status
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_every_page_runs_in_the_image_without_an_exception(image):
    pages = sorted(p.relative_to(image.app / "playground").as_posix()
                   for p in (image.app / "playground").glob("*/view.py"))
    assert len(pages) >= 4
    # The router runs once first (pages are found by path only once it has registered them); every page
    # must then show its own title, so a switch that silently stayed on home fails.
    script = ("import sys\nfrom streamlit.testing.v1 import AppTest\ntitles = set()\n"
              f"for page in {pages!r}:\n"
              "    at = AppTest.from_file('playground/app.py', default_timeout=120)\n"
              "    at.run()\n"
              "    at.switch_page(page)\n"
              "    at.run()\n"
              "    if at.exception:\n"
              "        sys.exit(f'{page}: {at.exception[0].message}')\n"
              "    titles.add(at.title[0].value)\n"
              f"if len(titles) != {len(pages)}:\n"
              "    sys.exit(f'pages share titles: {titles}')\n")
    done = image.run_as_user([str(image.venv / "bin" / "python"), "-c", script], stderr=subprocess.PIPE, text=True)
    _, errors = done.communicate(timeout=300)
    assert done.returncode == 0, errors[-3000:]


def test_system_packages_are_here_and_graphs_export_in_the_image(image):
    assert image.system_packages, "the Dockerfile installs no system packages (graphviz, for graph downloads)"
    unknown = set(image.system_packages) - set(SYSTEM_PROGRAMS)
    assert not unknown, f"say in SYSTEM_PROGRAMS which program each of {sorted(unknown)} provides"
    missing = [SYSTEM_PROGRAMS[p] for p in image.system_packages
               if shutil.which(SYSTEM_PROGRAMS[p], path=image.env["PATH"]) is None]
    if missing:
        why = f"{missing} not installed here (apt-get install {' '.join(image.system_packages)})"
        if os.environ.get("GRADLAB_REQUIRE_DOT", "") not in ("", "0"):
            pytest.fail(f"GRADLAB_REQUIRE_DOT is set but {why}")
        pytest.skip(why)
    # The image's user downloads a graph as SVG and PNG from the image's install.
    script = ("from playground.common.graph_export import graph_png, graph_svg\n"
              "from playground.stepper.graph_figure import graph_dot\n"
              "from playground.stepper.walkthrough import build_walkthrough\n"
              "walk = build_walkthrough('(x + y) * z', {'x': '-2', 'y': '5', 'z': '-4'})\n"
              "graph = graph_dot(walk, walk.view(walk.total_steps))\n"
              "assert graph_svg(graph).startswith(b'<?xml'), 'not an SVG'\n"
              "assert graph_png(graph).startswith(b'\\x89PNG\\r\\n\\x1a\\n'), 'not a PNG'\n")
    done = image.run_as_user([str(image.venv / "bin" / "python"), "-c", script], stderr=subprocess.PIPE, text=True)
    _, errors = done.communicate(timeout=120)
    assert done.returncode == 0, errors[-3000:]
