"""Real headless Chromium against `streamlit run`: what a learner's browser actually shows."""

import pathlib
import re

import pytest

pytestmark = pytest.mark.browser
ASSETS = pathlib.Path(__file__).resolve().parent.parent / "assets"


def no_exception(page):
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def open_stepper(page, query=""):
    page.goto(f"{page.base_url}/{query}")
    page.wait_for_selector("svg g.node", timeout=30_000)
    no_exception(page)


def step_text(page):
    return page.get_by_text(re.compile(r"Step \d+ / \d+")).first.inner_text()


def test_preset_then_step_to_the_end(page):
    open_stepper(page)
    page.get_by_text("Presets from the classic course material").click()
    page.get_by_role("button", name="Mul gate swaps").click()
    page.get_by_text("Step 0 / 4").wait_for()
    next_button = page.get_by_role("button", name="Next")
    for k in range(1, 5):
        next_button.click()
        page.get_by_text(f"Step {k} / 4").wait_for()
        no_exception(page)
    assert next_button.is_disabled()
    svg = " ".join(page.locator("svg g.node, svg g.edge").all_text_contents())
    assert "grad 15" in svg and "grad 10" in svg and "grad 5" in svg
    page.get_by_text("Presets from the classic course material").click()  # fold it for the picture
    page.set_viewport_size({"width": 1400, "height": 1500})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ASSETS / "stepper.png"))


def test_bad_expression_and_shared_link(page):
    open_stepper(page, "?expr=x*x%2Bx&at=x%3D3&step=5")
    assert "Step 5 / 5" in step_text(page)
    assert "Copy gate" in page.content()
    box = page.get_by_role("textbox", name="Expression")
    box.fill("x ^ 2")
    box.press("Enter")
    page.get_by_text("can't be read").wait_for()
    no_exception(page)
    assert page.locator("svg g.node").count() >= 3  # the previous graph is still drawn


def test_tampered_link_warns(page):
    open_stepper(page, "?expr=__import__(%27os%27)&step=-1&mode=root")
    page.get_by_text("was ignored").first.wait_for()
    no_exception(page)
