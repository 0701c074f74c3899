"""Start and stop `streamlit run playground/app.py` on a free loopback port (tests and the load test)."""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
# As root, Chromium needs --no-sandbox; the network flags stop it calling out from a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log=subprocess.DEVNULL, timeout: float = 60.0,
                 timings: pathlib.Path | None = None, app: pathlib.Path | None = None,
                 env: dict[str, str | None] | None = None,
                 timer: str = "benchmarks.load_timed",
                 error_details: str | None = "full") -> tuple[subprocess.Popen, str]:
    """Start the app; return the process and its base URL once /_stcore/health answers. With
    ``timings``, the server writes each rerun's response time and query there (benchmarks/load_timed.py, or the
    module ``timer`` names).
    ``app`` runs another script instead of playground/app.py (from the project's directory, so with its
    .streamlit/config.toml); ``env`` adds environment variables, e.g. STREAMLIT_CLIENT_SHOW_ERROR_DETAILS, or
    removes one given as None. ``error_details``: client.showErrorDetails on the command line ("full", as
    `make run`, so tests read an error's message; None: as configured, the hosted setting)."""
    port = free_port()
    launcher = ["-m", timer, str(timings)] if timings else ["-m", "streamlit"]
    proc = subprocess.Popen(
        [sys.executable, *launcher, "run", str(app or ROOT / "playground" / "app.py"),
         "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         *(["--client.showErrorDetails", error_details] if error_details else [])],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not answer its health check within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (Linux)."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int, reaped_children: bool = False) -> float:
    """User + system CPU time a process has used so far (Linux), optionally with that of the children
    it has waited for."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15 if reaped_children else 13]) / os.sysconf("SC_CLK_TCK")


def _chromium_processes():
    for proc in pathlib.Path("/proc").glob("[0-9]*"):
        try:
            if "chrom" in (proc / "comm").read_text():
                yield proc
        except OSError:  # the process ended while we looked
            continue


def chromium_cpu_seconds() -> float:
    """CPU time used so far by Chromium: every running Chromium process (browser, renderers, GPU,
    utilities) plus the children they have reaped, so closed tabs' renderers still count."""
    total = 0.0
    for proc in _chromium_processes():
        try:
            total += cpu_seconds(int(proc.name), reaped_children=True)
        except (OSError, ValueError, IndexError):  # the process ended while we looked
            continue
    return total


def lower_chromium_priority(nice: int = 19) -> None:
    """Give every thread of every running Chromium process the lowest CPU priority. Chromium sets its
    own priorities (as root it even raises some), so callers repeat this while browsers run."""
    for proc in _chromium_processes():
        for task in proc.glob("task/[0-9]*"):
            try:
                if os.getpriority(os.PRIO_PROCESS, int(task.name)) != nice:
                    os.setpriority(os.PRIO_PROCESS, int(task.name), nice)
            except OSError:  # the thread ended while we looked
                continue
