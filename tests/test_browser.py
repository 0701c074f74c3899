"""Real headless Chromium against `streamlit run`: what a learner's browser actually shows."""

import base64
import json
import os
import pathlib
import re
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from playwright.sync_api import expect

from benchmarks.streamlit_server import start_server, stop_server

pytestmark = pytest.mark.browser
# README pictures are taken only by `make screenshots` (it sets this to assets/); a plain test run writes its
# pictures under .pytest_cache, never over tracked files.
SCREENSHOTS = pathlib.Path(os.environ.get("GRADLAB_SCREENSHOTS") or
                           pathlib.Path(__file__).resolve().parent.parent / ".pytest_cache" / "screenshots")


SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the page's run has ended


def save_screenshot(page, name: str, height: int | None = None) -> None:
    """A picture of the page, first made ``height`` pixels tall (1400 wide) when given, once every element is
    current, the fonts are in, and two frames have been painted (charts redraw after a resize)."""
    if height:
        page.set_viewport_size({"width": 1400, "height": height})
    page.wait_for_function("() => document.fonts.status === 'loaded' && !document.querySelector('[data-stale=true]')")
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def no_exception(page):
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def open_stepper(page, query=""):
    page.goto(f"{page.base_url}/stepper{query}")
    page.wait_for_selector("svg g.node", timeout=30_000)
    no_exception(page)


def step_text(page):
    return page.get_by_text(re.compile(r"Step \d+ / \d+")).first.inner_text()


def test_preset_then_step_to_the_end(page):
    open_stepper(page)
    page.get_by_role("button", name="Presets").click()
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
    save_screenshot(page, "stepper.png", height=1500)


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
    page.get_by_text("Ignored the link's").first.wait_for()
    no_exception(page)


PAGES = {"/": "gradlab", "/stepper": "Backprop stepper", "/surfaces": "Optimizer and loss-surface lab",
         "/mlp": "MLP lab"}


@pytest.mark.parametrize("path,title", PAGES.items())
def test_every_page_opens_cleanly(page, path, title):
    page.goto(page.base_url + path)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    # generous: with other sessions loading this 2-core machine, the labs took 12–33 s to draw their first charts
    page.wait_for_selector("svg g.node, .js-plotly-plot, [data-testid=stPageLink]", timeout=60_000)
    no_exception(page)
    assert page.get_by_text("Page not found").count() == 0


def test_surface_lab_lesson_and_click_to_start(page):
    page.goto(page.base_url + "/surfaces")
    page.wait_for_selector(".js-plotly-plot")
    start_x = page.get_by_role("spinbutton", name="start x")
    assert start_x.input_value() == "-3.5"
    plot = page.locator(".js-plotly-plot").first.locator(".nsewdrag").first
    box = plot.bounding_box()
    plot.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.5})  # right of centre: x > 0
    page.wait_for_function("() => { const e = document.querySelector('input[aria-label=\"start x\"]');"
                           " return e && parseFloat(e.value) > 0; }", timeout=20_000)
    no_exception(page)
    page.get_by_role("button", name="Step-size lesson").click()
    page.get_by_text("never converges: cycle 10 ↔ -1 from step 0").wait_for()
    assert page.get_by_text("converged at step 10").count() == 1
    assert page.get_by_text("converged at step 2", exact=True).count() == 1
    no_exception(page)
    page.goto(page.base_url + "/surfaces")
    page.wait_for_selector(".js-plotly-plot")
    save_screenshot(page, "surface_lab.png", height=1700)


def test_surface_point_opens_in_the_stepper(page):
    page.goto(page.base_url + "/surfaces?surface=custom&f=x**2%20%2B%203*y**2&xr=-2,2&yr=-2,2&start=1,-1"
              "&runs=sgd:lr%3D0.1&iters=5&frame=2")
    page.wait_for_selector(".js-plotly-plot")
    page.get_by_text("Open this point in the backprop stepper").click()
    page.get_by_role("heading", name="Backprop stepper").wait_for()
    page.wait_for_selector("svg g.node")
    no_exception(page)
    assert page.get_by_role("textbox", name="Expression").input_value() == "x**2 + 3*y**2"
    # after two SGD steps with η = 0.1 from (1, -1): x = 0.64, y = -0.16
    assert float(page.get_by_role("textbox", name="x", exact=True).input_value()) == pytest.approx(0.64)
    assert float(page.get_by_role("textbox", name="y", exact=True).input_value()) == pytest.approx(-0.16)


def test_surface_table_edit_races_and_goes_into_the_link(page):
    """The page reads the optimizer table's edits from the editor's own state, not from what it returns."""
    page.goto(page.base_url + "/surfaces")
    page.wait_for_selector(".js-plotly-plot")
    page.get_by_test_id("stDataFrameResizable").dblclick(position={"x": 201, "y": 52})  # the first run's η
    cell = page.locator("input.gdg-input")
    expect(cell).to_have_value("0.09")
    cell.fill("0.5")
    cell.press("Enter")
    page.get_by_text("SGD (η=0.5)").first.wait_for()
    page.wait_for_function("() => decodeURIComponent(location.search).includes('runs=sgd:lr=0.5;momentum')")
    no_exception(page)


def metric_box(page, label):
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).first.locator(
        '[data-testid="stMetricValue"]')


def open_mlp(page, query: str = "") -> None:
    page.goto(f"{page.base_url}/mlp{query}")
    # its first drawing is the heaviest of any page (four charts, a graph, every setting): on a busy 2-core
    # machine it has taken 20-30 s, with or without this test's changes
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)


def test_mlp_lab_trains_and_the_loss_falls(page):
    open_mlp(page, "?data=xor&hidden=8,8&act=relu,relu")
    page.get_by_role("button", name="+10", exact=True).click()
    page.get_by_text("update 10 ·").wait_for()
    loss = metric_box(page, "train loss")
    first_text = loss.inner_text()
    page.get_by_role("button", name="+100").click()
    page.get_by_text("update 110 ·").wait_for()
    # The header and the metrics come from one rerun, but the header can reach the page first.
    expect(loss).not_to_have_text(first_text)
    assert float(loss.inner_text()) < float(first_text)
    page.get_by_role("button", name="Play").click()  # a few animation frames, then pause
    expect(page.get_by_text(re.compile(r"update (1[2-9]\d|[2-9]\d\d) ·"))).to_be_visible()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    paused_at = int(re.search(r"update (\d+)", page.get_by_text(re.compile(r"update \d+ ·")).inner_text())[1])
    page.get_by_role("button", name="+1", exact=True).click()  # paused: exactly one more update
    page.get_by_text(f"update {paused_at + 1} ·").wait_for()
    no_exception(page)
    save_screenshot(page, "mlp_lab.png", height=1900)


def mlp_link_query(page) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page.url).query))


def test_mlp_lab_keeps_every_optimizer_setting(page):
    """Once only the optimizer's name, lr and clip norm had widgets, and this link came back as adam:lr=0.01."""
    opt = "adam:lr=0.01,beta1=0.5,weight_decay=0.1,schedule=step"
    open_mlp(page, "?data=xor&opt=" + quote(opt))
    page.get_by_text("Optimizer details").click()
    expect(page.get_by_role("spinbutton", name="β₁")).to_have_value("0.5")
    expect(page.get_by_role("spinbutton", name="Weight decay λ")).to_have_value("0.1")
    beta2 = page.get_by_role("spinbutton", name="β₂")
    beta2.fill("0.99")
    beta2.press("Enter")
    page.wait_for_function("() => decodeURIComponent(location.search).includes('beta2=0.99')")
    assert mlp_link_query(page)["opt"] == "adam:lr=0.01,beta1=0.5,beta2=0.99,weight_decay=0.1,schedule=step"
    layers = page.get_by_role("spinbutton", name="Hidden layers")
    layers.fill("3")
    layers.press("Enter")
    page.get_by_role("spinbutton", name="Layer 3: width").wait_for()
    page.wait_for_function("() => decodeURIComponent(location.search).includes('hidden=8,8,8')")
    assert mlp_link_query(page)["act"] == "relu,relu,relu" and mlp_link_query(page)["data"] == "xor"
    no_exception(page)


def test_mlp_lab_configuration_file_out_and_in(page):
    from tests.test_mlp_config import VERSION_1

    open_mlp(page, "?data=moons&noise=0.2&dseed=3&test=0.25&opt=sgd:lr%3D0.2,gamma%3D0.3")
    page.get_by_text("Export and import").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="configuration (JSON)").click()
    saved = json.loads(pathlib.Path(download.value.path()).read_text())
    assert saved["gradlab"] == 2 and saved["dataset"] == "moons" and saved["data_seed"] == 3
    assert (saved["noise"], saved["test_fraction"], saved["optimizer"]["gamma"]) == (0.2, 0.25, 0.3)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "old.json", "mimeType": "application/json", "buffer": VERSION_1.encode()}])
    page.get_by_text("Loaded the configuration").wait_for()
    page.wait_for_function("() => decodeURIComponent(location.search).includes('hidden=16,4')")
    # a version-1 file names no noise: the page keeps its own (0.2), and says so
    assert mlp_link_query(page)["data"] == "regression" and mlp_link_query(page)["noise"] == "0.2"
    expect(page.get_by_text("Not in the file, so kept as they were")).to_be_visible()
    no_exception(page)


def test_lesson_link_opens_its_example(page):
    page.goto(page.base_url + "/")
    page.wait_for_selector("img.hero-wide")
    no_exception(page)
    save_screenshot(page, "home.png")
    page.get_by_text("The mul gate swaps").click()
    page.get_by_role("heading", name="Backprop stepper").wait_for()
    # Home draws a graph too, so wait for the stepper's own input, not for any graph
    expect(page.get_by_role("textbox", name="Expression")).to_have_value("x * y")
    page.get_by_text("Step 0 / 4").wait_for()
    no_exception(page)


@pytest.mark.parametrize("width,height,shown,hidden", [(1366, 768, "wide", "tall"), (390, 844, "tall", "wide")])
def test_home_circuit_fits_the_screen_whole(browser, warm_server, width, height, shown, hidden):
    """Left to right the circuit is 670 px wide: on a phone it was cut off at the × node. A phone gets it top to
    bottom, within the screen; a laptop left to right, at Graphviz's own size."""
    pg = browser.new_page(viewport={"width": width, "height": height})
    pg.goto(warm_server + "/")
    hero = pg.locator(f"img.hero-{shown}")
    expect(hero).to_be_visible()
    pg.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=hero.element_handle())
    expect(pg.locator(f"img.hero-{hidden}")).to_be_hidden()
    box, natural = hero.bounding_box(), hero.evaluate("img => img.naturalWidth")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing cut off
    assert box["width"] >= 0.9 * natural  # and not shrunk to fit: its text stays Graphviz's size
    assert "q₂, the × node (mul of q₁, the + node and z): value -12, gradient 1" in hero.get_attribute("alt")
    no_exception(pg)
    pg.close()


def test_home_circuit_follows_a_dark_theme(browser, warm_server):
    from playground.common.palette import DARK
    context = browser.new_context(color_scheme="dark")
    pg = context.new_page()
    pg.goto(warm_server + "/")
    src = pg.locator("img.hero-wide").get_attribute("src")
    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    assert f'stroke="{DARK.edge}"' in svg or f'stroke="{DARK.edge.lower()}"' in svg
    context.close()


def test_two_concurrent_sessions_never_share_state(browser, warm_server):
    first, second = browser.new_context().new_page(), browser.new_context().new_page()
    first.goto(warm_server + "/stepper?expr=x*y&at=x%3D2%3By%3D3&seed=5")
    second.goto(warm_server + "/stepper?expr=sin(x)%2Bx&at=x%3D1")
    for p in (first, second):
        p.wait_for_selector("svg g.node")
    for _ in range(2):
        first.get_by_role("button", name="Next").click()
    first.get_by_text("Step 2 / 4").wait_for()
    second_box = second.get_by_role("textbox", name="Expression")
    second_box.fill("tanh(x) * 3")
    second_box.press("Enter")
    second.get_by_text("Step 0 / 5").wait_for()
    first.reload()  # a fresh run of the first session's page reads its own URL, not the other's state
    first.wait_for_selector("svg g.node")
    assert first.get_by_role("textbox", name="Expression").input_value() == "x*y"
    first.get_by_text("Step 2 / 4").wait_for()
    assert second.get_by_role("textbox", name="Expression").input_value() == "tanh(x) * 3"
    assert "grad 15" in " ".join(first.locator("svg g.node, svg g.edge").all_text_contents())
    for p in (first, second):
        no_exception(p)
        p.context.close()


def test_dark_theme_draws_light_edges(browser, warm_server):
    from playground.common.palette import DARK
    context = browser.new_context(color_scheme="dark")
    pg = context.new_page()
    pg.goto(warm_server + "/stepper?expr=(x%2By)*z&at=x%3D-2%3By%3D5%3Bz%3D-4&step=4")
    pg.wait_for_selector("svg g.edge path")
    strokes = set(pg.locator("svg g.edge path").evaluate_all("els => els.map(e => e.getAttribute('stroke'))"))
    assert strokes == {DARK.edge.lower()}
    no_exception(pg)
    context.close()


@pytest.mark.parametrize("path,title", [(p, t) for p, t in PAGES.items() if p != "/"])
def test_deep_link_is_the_first_visit_after_a_restart(browser, path, title):
    proc, url = start_server()  # a fresh server: no page has run yet, as after a deploy or a wake-up
    try:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(url + path)
        pg.get_by_role("heading", name=title).wait_for(timeout=60_000)
        pg.locator(SCRIPT_DONE).wait_for()  # the spurious modal, if any, arrives with the first run
        assert pg.get_by_text("Page not found").count() == 0
        assert pg.get_by_role("link", name="MLP lab").count() == 1  # this app's own top navigation
        no_exception(pg)
        context.close()
    finally:
        stop_server(proc)


def test_pages_left_and_come_back_to_keep_their_settings(page):
    """The labs' review: surface lab → Home → a surface lesson raised KeyError; stepper → MLP lab → stepper showed
    an empty expression. Each page, come back to by the top navigation, shows what it showed."""
    page.goto(page.base_url + "/stepper?expr=sin(x)*y&at=x%3D1%3By%3D2")
    box = page.get_by_role("textbox", name="Expression")
    expect(box).to_have_value("sin(x)*y")
    page.get_by_role("link", name="Optimizer & loss-surface lab").click()
    page.get_by_role("heading", name="Optimizer and loss-surface lab").wait_for()
    page.wait_for_selector(".js-plotly-plot")
    page.get_by_role("link", name="Home and lessons").click()
    page.get_by_text("Rosenbrock's banana").click()
    page.get_by_role("heading", name="Optimizer and loss-surface lab").wait_for()
    expect(page.get_by_role("textbox", name="f(x, y) =")).to_have_value("(1 - x)**2 + 100*(y - x**2)**2")
    page.get_by_role("link", name="Backprop stepper").click()
    expect(page.get_by_role("textbox", name="Expression")).to_have_value("sin(x)*y")
    expect(page.get_by_role("textbox", name="y", exact=True)).to_have_value("2")  # not 1, the default
    page.wait_for_selector("svg g.node")
    assert page.get_by_text("can't be read").count() == 0
    no_exception(page)
