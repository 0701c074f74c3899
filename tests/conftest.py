"""Shared fixtures: a live `streamlit run` server and a headless Chromium page driving it."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The hosted setting (config.toml) redacts an uncaught error's message, which the tests read (AppTest's
# at.exception, the browser's stException): the suite asks for full details, as `make run` does (and so does
# start_server for the servers it starts). config.toml outranks environment variables, so it's set here.
from streamlit import config as _streamlit_config  # noqa: E402

_streamlit_config.set_option("client.showErrorDetails", "full")
from benchmarks.streamlit_server import CHROMIUM_ARGS, find_chromium, start_server, stop_server  # noqa: E402


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        if os.environ.get("GRADLAB_REQUIRE_BROWSER"):
            pytest.fail("GRADLAB_REQUIRE_BROWSER is set but no Chromium is installed")
        pytest.skip("no Chromium installed (apt-get install chromium, or `make browser`)")
    return path


@pytest.fixture(scope="session")
def streamlit_server(chromium_path):
    """`streamlit run playground/app.py` on a free loopback port; yields its base URL."""
    log_dir = ROOT / ".pytest_cache"
    log_dir.mkdir(exist_ok=True)
    with open(log_dir / "streamlit-server.log", "w") as log:
        try:
            proc, url = start_server(log)
        except RuntimeError as e:
            pytest.fail(str(e))
        yield url
        stop_server(proc)


@pytest.fixture(scope="session")
def browser(chromium_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def warm_server(browser, streamlit_server):
    """Open the default page once, so the first test does not pay for the server's first imports."""
    context = browser.new_context()
    first = context.new_page()
    first.goto(streamlit_server)
    first.wait_for_selector("h1", timeout=60_000)
    context.close()
    return streamlit_server


@pytest.fixture
def page(browser, warm_server):
    streamlit_server = warm_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(45_000)  # a wait ends as soon as its condition holds; this only bounds a busy machine
    # likewise for expect(...), whose own default is 5 s
    pytest.importorskip("playwright.sync_api").expect.set_options(timeout=15_000)
    pg.base_url = streamlit_server
    yield pg
    context.close()
