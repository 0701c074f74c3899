"""What a page makes the browser load before its first figure (issue 14 §4). Structure only: the timings live in
benchmarks/first_paint.py and benchmarks/browser.py, never in assertions."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
LOADED_SCRIPTS = "() => performance.getEntriesByType('resource').map(r => r.name).filter(n => n.endsWith('.js'))"


def highlighter_loaded(page) -> bool:
    """Whether the page has fetched Streamlit's syntax highlighter (1.5 MB of script, run before it can draw)."""
    return any("StreamlitSyntaxHighlighter" in name for name in page.evaluate(LOADED_SCRIPTS))


@pytest.mark.parametrize("path", ["/stepper", "/surfaces", "/mlp"])
def test_the_share_panel_costs_nothing_until_it_is_opened(page, path):
    """The share panel's link and JSON are code blocks: drawn at once (as a closed expander draws its contents),
    they made every page fetch and run the syntax highlighter before its first figure."""
    page.goto(page.base_url + path)
    page.wait_for_selector(SCRIPT_DONE)
    expect(page.locator("svg g.node, .js-plotly-plot .main-svg").first).to_be_visible()
    assert page.locator('[data-testid="stCode"]').count() == 0
    assert not highlighter_loaded(page)

    page.get_by_text("Share this page").click()
    link = page.locator('[data-testid="stCode"]').filter(has_text=page.base_url + path)
    expect(link).to_be_visible()
    expect(page.get_by_text("The same settings as JSON")).to_be_visible()


def test_a_teacher_hides_a_panel_in_the_open_share_panel(page):
    """Choosing what to hide reruns the page; the panel stays open and its link gains the choice, which is kept
    while the panel is closed (its widgets are then not drawn) and the page is used."""
    page.goto(page.base_url + "/stepper")
    page.wait_for_selector(SCRIPT_DONE)
    page.get_by_text("Share this page").click()
    page.get_by_label("For the class, hide").click()
    page.get_by_role("option", name="chain-rule ledger").click()
    link = page.locator('[data-testid="stCode"]').filter(has_text=re.compile("hide="))
    expect(link).to_be_visible()
    query = dict(parse_qsl(urlsplit(link.inner_text().replace("\n", "")).query))
    assert query["hide"] == "ledger"
    assert query["expr"] == "(x + y) * z"

    page.keyboard.press("Escape")  # the option list
    page.keyboard.press("Escape")  # the panel
    expect(page.get_by_text("The same settings as JSON")).to_be_hidden()
    page.get_by_role("button", name="Next").click()
    page.get_by_text(re.compile(r"Step 1 / \d+")).wait_for()
    page.wait_for_selector(SCRIPT_DONE)
    page.get_by_text("Share this page").click()
    link = page.locator('[data-testid="stCode"]').filter(has_text=re.compile("hide="))
    expect(link).to_be_visible()
    query = dict(parse_qsl(urlsplit(link.inner_text().replace("\n", "")).query))
    assert (query["hide"], query["step"]) == ("ledger", "1")


def test_a_student_on_a_locked_link_shares_the_teachers_choices(page):
    page.goto(page.base_url + "/stepper?expr=x*y&at=x%3D2%3By%3D3&hide=table&lock=expression")
    page.wait_for_selector(SCRIPT_DONE)
    page.get_by_text("Share this page").click()
    expect(page.get_by_text("Your teacher chose what this link hides and locks")).to_be_visible()
    expect(page.get_by_label("For the class, hide")).to_be_disabled()
    link = page.locator('[data-testid="stCode"]').filter(has_text=re.compile("lock="))
    expect(link).to_be_visible()
    query = dict(parse_qsl(urlsplit(link.inner_text().replace("\n", "")).query))
    assert (query["hide"], query["lock"]) == ("table", "expression")
