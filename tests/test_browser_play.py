"""Real Chromium: Play in the MLP lab keeps going by itself (a fragment's timer only starts in a full run; AppTest
cannot see timers). The surface lab's Play runs in the browser: tests/test_browser_surfaces.py."""

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser import no_exception

pytestmark = pytest.mark.browser


def test_mlp_lab_play_keeps_training(page):
    page.goto(f"{page.base_url}/mlp")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_text(re.compile(r"update ([2-9]\d|\d{3,}) ·"))).to_be_visible(timeout=60_000)
    no_exception(page)


def test_mlp_lab_pause_stops_play(page):
    """While the page reruns on its timer, Streamlit 1.67 can deliver one press twice (in the timer's request and
    in the press's own): Pause was then undone about half the time on a busy machine."""
    page.goto(f"{page.base_url}/mlp")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_text(re.compile(r"update ([2-9]\d|\d{3,}) ·"))).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=20_000)
    no_exception(page)
