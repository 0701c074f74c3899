"""The load test in README runs: one real browser session through the whole script, as JSON."""

import json
import pathlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser
ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_one_session_completes_every_interaction(chromium_path):
    args = ["--sessions", "1", "--think", "0.2", "--ramp", "0", "--json", "--limit", "240"]
    done = subprocess.run([sys.executable, "benchmarks/load.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["errors"] == 0, report["error_samples"]
    assert report["interactions"] == 7 + 1 + 5  # every step of the circuit, the switch to the lab, every +10
    assert 0 < report["all_p50_s"] <= report["all_p95_s"] < 60
    # The server timed a rerun for (almost) every click, each a part of what the browser waited for. A click
    # can land while the previous click's rerun is still finishing its last lines; Streamlit then stops that run
    # and the two are timed as one, from the first request to the last finish: at most a couple in 13 clicks.
    assert report["interactions"] - 2 <= report["server_reruns"] <= report["interactions"] + 2
    assert 0 < report["server_p50_s"] <= report["all_p50_s"]
    assert report["server_cpu_s"] > 0 and report["browser_cpu_s"] > 0
    # the first session also pays the server's one-time imports and caches (about 75 MB here): a leak that
    # kept every rerun's figures would pass 250 MB within these 13 clicks
    assert 0 < report["server_rss_peak_mb"] - report["server_rss_baseline_mb"] < 250
