"""Real Chromium on the surface lab: what a learner sees after the lesson button, a surface switch, an added
optimizer row, and Play / Pause / Step / Reset."""

import re
from urllib.parse import urlencode

import numpy as np
import pytest
from playwright.sync_api import expect

from engine.formatting import format_number
from labs.surfaces import SURFACES, descend, surface_expression
from playground.surfaces.race import run_label
from tests.test_browser import no_exception
from tests.test_surface_budget import LONG_F, SIX_RUNS

pytestmark = pytest.mark.browser

FRAME_IN_LINK = "+new URLSearchParams(location.search).get('frame')"


def open_surfaces(page, query: str = "") -> None:
    page.goto(f"{page.base_url}/surfaces{query}")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    no_exception(page)


def choose(page, box_name: str, option: str) -> None:
    box = page.get_by_role("combobox", name=box_name)
    box.click()
    box.press("ArrowDown")  # opens the list
    page.get_by_role("option", name=option, exact=True).click()


def trace_length(page, trace_name: str) -> int:
    """How many points the browser draws for a trace of that name (the longest, over every chart)."""
    return page.evaluate("""name => Math.max(0, ...[...document.querySelectorAll('.js-plotly-plot')]
        .flatMap(plot => (plot._fullData || []).filter(t => t.name === name)
        .map(t => (t.y || t.x || []).length)))""", trace_name)


def results_text(page) -> str:
    return page.locator("[data-testid=stTable]").first.inner_text()


def test_step_size_lesson_names_the_cycle_from_step_0_and_draws_it_to_the_end(page):
    open_surfaces(page)
    page.get_by_role("button", name="Step-size lesson").click()
    page.get_by_text("never converges: cycle 10 ↔ -1 from step 0").wait_for()
    assert "converged at step 10" in results_text(page) and "converged at step 2" in results_text(page)
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].length >= 2")
    assert trace_length(page, "SGD (η=11)") == 31  # iterations 0..30 on the curve and the loss chart, not 0..2
    no_exception(page)


def test_switching_surface_brings_rows_that_dont_diverge_and_the_inspector_follows(page):
    open_surfaces(page, "?iters=60")
    choose(page, "Optimizer", "AdaGrad (η=0.9)")  # inspect the ravine's third run
    expect(page.get_by_role("combobox", name="Optimizer")).to_have_value("AdaGrad (η=0.9)")
    for surface, third in (("Himmelblau", "Adam (η=0.1)"), ("Beale", "Adam (η=0.3)")):
        choose(page, "Surface", surface)
        page.locator("[data-testid=stTable]").get_by_text(third).wait_for()
        assert "diverged" not in results_text(page), results_text(page)
        shown = page.get_by_role("combobox", name="Optimizer").input_value()
        assert shown in results_text(page)  # a run of this race, never one from the previous one
        no_exception(page)


def test_an_added_optimizer_row_is_filled_in_and_races_at_once(page):
    open_surfaces(page, "?surface=Beale")
    page.get_by_test_id("stDataFrameResizable").hover()
    page.get_by_role("button", name="Add row").click()
    page.wait_for_function("() => (new URLSearchParams(location.search).get('runs') || '').split(';').length === 4")
    expect(page.locator("[data-testid=stTable] tbody tr")).to_have_count(4)
    assert page.locator("[data-testid=stAlert]").count() == 0  # no "learning rate must be positive" row error
    no_exception(page)


def test_iteration_shown_follows_step_and_reset(page):
    open_surfaces(page, "?iters=30&frame=4")
    thumb = page.locator("[data-testid=stSlider]").filter(has_text="Iteration shown").locator(
        "[data-testid=stSliderThumbValue]")
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_text("At iteration 5", exact=True)).to_be_visible()
    expect(thumb).to_have_text("5")  # the slider shows the iteration the page shows
    page.wait_for_function(f"() => {FRAME_IN_LINK} === 5")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.get_by_text("At iteration 0", exact=True)).to_be_visible()
    expect(thumb).to_have_text("0")
    no_exception(page)


MAP = ".st-key-surfaces_chart"
MAP_PATH_LENGTH = """name => {
    const plot = document.querySelector('.st-key-surfaces_chart .js-plotly-plot');
    const trace = ((plot && plot._fullData) || []).find(t => t.name === name);
    return trace ? trace.x.length : -1;
}"""


def test_play_grows_the_paths_in_the_browser_with_no_server_rerun(page):
    sent = sent_messages(page)
    open_surfaces(page, "?iters=40&frame=40")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    run = "SGD (η=0.09)"
    assert page.evaluate(MAP_PATH_LENGTH, run) == 41  # iterations 0..40 drawn
    sent.clear()
    page.locator(".st-key-surfaces_chart .updatemenu-button").filter(has_text="Play").click()
    # Play starts from iteration 0 and grows the path frame by frame, in the browser
    early = page.wait_for_function(f"() => {{ const n = ({MAP_PATH_LENGTH})('{run}'); return n > 1 && n < 21 && n; }}"
                                   ).json_value()
    page.wait_for_function(f"() => ({MAP_PATH_LENGTH})('{run}') > {early}")
    # the surface stays under the growing paths (plotly.js drops a contour trace while animating): its picture
    assert page.evaluate(f"() => document.querySelectorAll('{MAP} .imagelayer image').length") == 1
    page.wait_for_function(f"() => ({MAP_PATH_LENGTH})('{run}') === 41")  # and plays to the end
    page.wait_for_function(f"() => document.querySelectorAll('{MAP} .contourlayer .contourfill path').length > 0")
    expect(page.locator(".st-key-surfaces_chart").get_by_text(re.compile(r"^\s*iteration 40\s*$"))).to_be_attached()
    assert sent == []  # no rerun: the server sent every frame with the first drawing
    no_exception(page)


UNITS_RATIO = """() => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')]
        .find(p => (p._fullData || []).some(t => t.type === 'contour'));
    if (!plot || !plot._fullLayout) return null;
    const [xa, ya] = [plot._fullLayout.xaxis, plot._fullLayout.yaxis];
    const perUnit = a => a._length / Math.abs(a.range[1] - a.range[0]);
    return perUnit(xa) / perUnit(ya);
}"""


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_contour_map_is_to_scale_and_said_in_words(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for surface in ("Himmelblau", "Ill-conditioned ravine"):
        open_surfaces(page, f"?surface={surface}")
        ratio = page.wait_for_function(UNITS_RATIO).json_value()
        assert ratio == pytest.approx(1.0, rel=0.02), (surface, ratio)  # a unit of x is as long as a unit of y
        expect(page.get_by_text(re.compile(r"^Contour map of f\(x, y\) = "))).to_be_attached()
        expect(page.get_by_text(re.compile(r"^Loss per iteration, one line per run"))).to_be_attached()


def test_an_over_budget_link_says_why_it_runs_fewer_iterations(page):
    open_surfaces(page, "?" + urlencode({"surface": "custom", "f": LONG_F, "xr": "-3,3", "yr": "-3,3",
                                         "start": "0.5,0.5", "runs": SIX_RUNS, "iters": "500", "tol": "0"}))
    expect(page.get_by_text(re.compile(r"would take about [\d.]+ s of server time"))).to_be_visible()
    assert "after 500 steps" not in results_text(page)
    no_exception(page)


def test_the_3d_view_draws_each_path_along_the_surface(page):
    open_surfaces(page, "?surface=Beale&view=3d&iters=20")
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".some(p => (p._fullData || []).some(t => t.type === 'scatter3d'))")
    for label in ("SGD (η=0.01)", "Adam (η=0.3)"):
        assert trace_length(page, label) > 3 * 20  # sampled between the 21 iterates, not 20 straight chords
    expect(page.get_by_text(re.compile(r"^3-D surface of f\(x, y\) = "))).to_be_attached()
    no_exception(page)


# --- live η and μ sliders: the browser switches between precomputed paths, with no message to the server ---

LIVE_SHOWN = """() => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].find(p => ((p.layout || {}).sliders || []).length);
    if (!plot || !plot._fullData) return null;
    return plot._fullData.filter(t => t.visible === true && t.opacity > 0 && t.type === 'scatter' && t.name)
        .map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}));
}"""


def sent_messages(page) -> list:
    """Every message the page sends its server from now on (a rerun, a widget change: each is one)."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    return sent


def live_traces(page) -> dict[str, dict]:
    return {t["name"].split(" η=")[0]: t for t in page.wait_for_function(LIVE_SHOWN).json_value()}


def ravine_momentum(lr: float, mu: float, steps: int) -> list[tuple[float, float]]:
    """The ravine f = x²/2 + 10y² (∇f = (x, 20y)) under v ← μv + ∇f, p ← p − ηv, from (-3.5, 1.5), by hand."""
    (x, y), (vx, vy), path = (-3.5, 1.5), (0.0, 0.0), []
    for _ in range(steps + 1):
        path.append((x, y))
        vx, vy = mu * vx + x, mu * vy + 20 * y
        x, y = x - lr * vx, y - lr * vy
    return path


def rail_click(page, slider: int, fraction: float) -> None:
    """Click a Plotly slider of the live figure at ``fraction`` of its length (0: its first step, 1: its last)."""
    rail = page.locator(".st-key-surfaces_live .slider-rail-touch-rect").nth(slider)
    rail.scroll_into_view_if_needed()
    box = rail.bounding_box()
    page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)


def check_drawn(traces: dict, shown: int) -> tuple[float, float]:
    """The drawn path and arrows agree with the hand-computed run of the η and μ the path is labelled with."""
    lr, mu = (float(v.split("=")[1]) for v in traces["path"]["name"].removeprefix("path ").split(", "))
    by_hand = ravine_momentum(lr, mu, shown + 1)
    path = traces["path"]
    assert len(path["x"]) == shown + 1
    assert [*path["x"], *path["y"]] == pytest.approx([p[i] for i in (0, 1) for p in by_hand[: shown + 1]], abs=2e-3)
    (x, y), (x_next, y_next) = by_hand[shown], by_hand[shown + 1]
    gradient, velocity = traces["gradient arrow"], traces["velocity arrow"]
    assert (gradient["x"][1], gradient["y"][1]) == pytest.approx((x - lr * x, y - lr * 20 * y), abs=2e-3)
    assert (velocity["x"][1], velocity["y"][1]) == pytest.approx((x_next, y_next), abs=2e-3)  # −ηv is the step
    return lr, mu


def test_dragging_eta_and_mu_redraws_the_path_and_its_arrows_in_the_browser(page):
    sent = sent_messages(page)
    open_surfaces(page, "?iters=30&frame=5")
    page.get_by_text("Drag η and μ").click()  # the switch that draws them
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    assert check_drawn(live_traces(page), 5) == (0.1, 0.4)  # the table's momentum row, as it opens
    sent.clear()
    rail_click(page, 0, 0.002)  # η: its smallest
    page.wait_for_function(f"() => !(({LIVE_SHOWN})() || []).some(t => t.name.includes('η=0.1,'))")
    lr, mu = check_drawn(live_traces(page), 5)
    assert lr < 0.02 and mu == 0.4
    rail_click(page, 1, 0.998)  # μ: its largest
    page.wait_for_function(f"() => (({LIVE_SHOWN})() || []).some(t => t.name.includes('μ=0.99'))")
    assert check_drawn(live_traces(page), 5) == (lr, 0.99)
    assert sent == []  # nothing went to the server: no rerun
    expect(page.get_by_text(re.compile(r"^−ηv$")).first).to_be_attached()
    no_exception(page)


def test_a_long_typed_surface_is_reported_at_its_real_length(page):
    """The box cut a pasted expression at 1,000 characters, so the parser's message gave the cut length."""
    open_surfaces(page)
    long = "x**2+" * 300 + "y**2"  # 1,504 characters
    box = page.get_by_role("textbox", name="f(x, y) =")
    box.fill(long)
    box.press("Enter")
    expect(page.get_by_text(f"{len(long):,} characters")).to_be_visible()
    no_exception(page)


def test_the_lesson_button_says_it_opens_the_lesson(page):
    open_surfaces(page)
    button = page.get_by_role("button", name="Open the step-size lesson")
    expect(button).to_be_visible()
    button.click()
    expect(page.get_by_role("combobox", name="Surface")).to_have_value(re.compile(r"\|x\|"))
    no_exception(page)


# --- dragging the start: the browser switches to the paths precomputed from the nearest grid start ---

DRAG_CHART = ".st-key-surfaces_drag .js-plotly-plot"
DRAWN_FROM_START = """() => {
    const gd = document.querySelector('CHART');
    if (!gd || !gd._fullData || !gd._startDragOff) return null;  // not drawn, or its script not yet wired
    const m = gd.layout.meta.drag, start = gd._fullData[m.start], box = gd.getBoundingClientRect();
    const [xa, ya] = [gd._fullLayout.xaxis, gd._fullLayout.yaxis];
    const path = t => [Array.from(t.x), Array.from(t.y)];
    return {start: [start.x[0], start.y[0]], label: start.text[0], xs: m.xs, ys: m.ys,
            pixel: [box.left + xa._offset + xa.l2p(start.x[0]), box.top + ya._offset + ya.l2p(start.y[0])],
            paths: Object.fromEntries(m.runs.map(r => [gd._fullData[r.path].name, path(gd._fullData[r.path])]))};
}""".replace("CHART", DRAG_CHART)
AT_PIXEL = """([px, py]) => {
    const gd = document.querySelector('CHART'), box = gd.getBoundingClientRect();
    const [xa, ya] = [gd._fullLayout.xaxis, gd._fullLayout.yaxis];
    return [xa.p2l(px - box.left - xa._offset), ya.p2l(py - box.top - ya._offset)];
}""".replace("CHART", DRAG_CHART)


def drawn_from_start(page) -> dict:
    return page.wait_for_function(DRAWN_FROM_START).json_value()


def check_paths_from(drawn: dict, start, iterations: int) -> None:
    """Every drawn path is the one descend takes from ``start`` with its row's settings (the ravine's rows)."""
    expression = surface_expression(SURFACES["Ill-conditioned ravine"].expr)
    for cfg in SURFACES["Ill-conditioned ravine"].runs:
        run = descend(expression, start, cfg, iterations)
        xs, ys = drawn["paths"][run_label(cfg)]
        assert np.column_stack([xs, ys]) == pytest.approx(run.points, abs=1e-3), run_label(cfg)


def test_dragging_the_start_redraws_every_path_from_the_nearest_grid_start_in_the_browser(page):
    sent = sent_messages(page)
    open_surfaces(page, "?iters=30&frame=30")
    page.get_by_text("Drag the start point").click()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(page.get_by_text(re.compile(r"^Drag the ⊗ start: it snaps to the nearest point of a grid"))).to_be_visible()
    page.locator(DRAG_CHART).scroll_into_view_if_needed()
    before = drawn_from_start(page)
    assert before["start"] == [-3.5, 1.5] and before["label"] == "race start (-3.5, 1.5)"
    check_paths_from(before, (-3.5, 1.5), 30)
    table = results_text(page)
    sent.clear()
    x, y = before["pixel"]
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 90, y + 40, steps=5)
    page.wait_for_function(f"() => ({DRAWN_FROM_START})().start[0] !== -3.5")  # redrawn while the button is down
    page.mouse.move(x + 170, y + 75, steps=5)
    page.mouse.up()
    dropped = page.evaluate(AT_PIXEL, [x + 170, y + 75])
    after = drawn_from_start(page)
    nearest = [min(after["xs"], key=lambda v: abs(v - dropped[0])), min(after["ys"], key=lambda v: abs(v - dropped[1]))]
    assert after["start"] == nearest and after["start"] != before["start"]
    assert after["label"] == f"snapped start ({format_number(nearest[0])}, {format_number(nearest[1])})"
    check_paths_from(after, tuple(nearest), 30)
    assert sent == []  # no server round trip while dragging
    assert results_text(page) == table  # the table stays the race's, as the caption says
    page.locator(".st-key-surfaces_drag .updatemenu-button").filter(has_text="Start the race here").click()
    want = f"{format_number(nearest[0])},{format_number(nearest[1])}"
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('start') === '{want}'")
    page.wait_for_function("t => document.querySelector('[data-testid=stTable]').innerText !== t", arg=table)
    check_paths_from(drawn_from_start(page), tuple(nearest), 30)
    assert drawn_from_start(page)["label"] == f"race start ({format_number(nearest[0])}, {format_number(nearest[1])})"
    no_exception(page)


def test_on_x_times_y_every_run_that_slides_off_says_running_off_downhill(page):
    open_surfaces(page, "?" + urlencode({"surface": "custom", "f": "x*y", "start": "1,0.5",
                                         "runs": "sgd:lr=0.1;momentum:lr=0.1"}))
    rows = page.locator("[data-testid=stTable] tbody tr")
    expect(rows).to_have_count(2)
    for row in rows.all():  # SGD is still inside the bound after 100 steps, momentum left it at step 57
        expect(row).to_contain_text("running off downhill")
        expect(row).to_contain_text("no minimum in reach")
    assert "diverged" not in results_text(page) and "still moving" not in results_text(page)
    no_exception(page)


# --- the map on a phone: it fills its figure, with its colour bar, Play row and iteration label right under it ---

MAP_BOXES = """() => {
    const gd = document.querySelector('.st-key-surfaces_chart .js-plotly-plot');
    if (!gd || !gd._fullLayout || !gd._fullLayout.yaxis) return null;
    const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left,
                                                                   right: r.right}; };
    const union = bs => ({top: Math.min(...bs.map(b => b.top)), bottom: Math.max(...bs.map(b => b.bottom)),
                          left: Math.min(...bs.map(b => b.left)), right: Math.max(...bs.map(b => b.right))});
    const label = [...gd.querySelectorAll('.annotation')].find(a => /^iteration \\d+$/.test(a.textContent.trim()));
    const toolbar = gd.querySelector('.modebar');  // its container has no height
    return {gap: gd._fullLayout._size.h - gd._fullLayout.yaxis._length, figure: box(gd),
            map: box(gd.querySelector('.nsewdrag')), element: box(gd.closest('.stElementContainer')),
            buttons: [...gd.querySelectorAll('.updatemenu-button')].map(box),
            colorbar: union([...gd.querySelectorAll('.colorbar .cbfills, .colorbar text')].map(box)),
            label: label && box(label),
            legend: [...gd.querySelectorAll('.legend .traces')].map(box),
            toolbar: toolbar && toolbar.getClientRects().length ? box(toolbar) : null};  // none: not displayed
}"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
@pytest.mark.parametrize("surface", ["Ill-conditioned ravine", "Himmelblau"])
def test_the_map_fills_its_figure_with_play_and_its_iteration_right_under_it(page, width, height, surface):
    page.set_viewport_size({"width": width, "height": height})
    open_surfaces(page, f"?surface={surface}")
    # the map as tall as its figure's plot area: no empty band under it (a phone's was ~100 px of 230)
    page.wait_for_function(f"() => {{ const b = ({MAP_BOXES})(); return b && b.gap < 3 && b.label; }}")
    boxes = page.evaluate(MAP_BOXES)
    play, pause = boxes["buttons"]
    bar = boxes["colorbar"]
    assert 0 < bar["top"] - boxes["map"]["bottom"] < 80  # the colour bar under the x axis...
    assert 0 <= play["top"] - bar["bottom"] < 20  # ... then the Play row, not a band further down
    assert boxes["element"]["bottom"] - play["bottom"] < 30  # and the page goes on right after the row
    label = boxes["label"]
    assert label["top"] > boxes["map"]["bottom"] and label["left"] >= pause["right"]  # on the row, after Pause
    assert not any(overlap(bar, other) for other in (label, play, pause, boxes["map"]))
    assert label["right"] <= boxes["element"]["right"]  # not cut off
    if width < 600:  # a phone: the map takes the figure's width (the colour bar beside it left it 236 px of 358)
        drawn, figure = boxes["map"], boxes["figure"]
        assert drawn["right"] - drawn["left"] > 0.74 * (figure["right"] - figure["left"])
    toolbar = boxes["toolbar"]  # Plotly's toolbar sat on the legend's entries on a phone
    assert toolbar is None or not any(overlap(toolbar, entry) for entry in boxes["legend"])
    assert boxes["legend"]
    no_exception(page)


START_LABEL_BOX = """() => {
    const gd = document.querySelector('CHART'), r = e => e.getBoundingClientRect();
    const label = [...gd.querySelectorAll('.textpoint')].find(e => / start \\(/.test(e.textContent));
    if (!label) return null;
    const [a, b, map] = [r(label), r(gd), r(gd.querySelector('.nsewdrag'))];
    return {text: label.textContent, label: {left: a.left, right: a.right, top: a.top, bottom: a.bottom},
            figure: {left: b.left, right: b.right}, map: {left: map.left, right: map.right, top: map.top}};
}""".replace("CHART", DRAG_CHART)
TO_PIXEL = """([x, y]) => {
    const gd = document.querySelector('CHART'), box = gd.getBoundingClientRect();
    const [xa, ya] = [gd._fullLayout.xaxis, gd._fullLayout.yaxis];
    return [box.left + xa._offset + xa.l2p(x), box.top + ya._offset + ya.l2p(y)];
}""".replace("CHART", DRAG_CHART)


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_start_label_is_never_cut_off_at_the_maps_edge(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_surfaces(page, "?iters=30&frame=30")  # the ravine's start, (-3.5, 1.5), near the map's top-left corner
    page.get_by_text("Drag the start point").click()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.locator(DRAG_CHART).scroll_into_view_if_needed()
    before = drawn_from_start(page)
    for corner, text in (((3.5, -1.5), "snapped start (3.5, -1.5)"), ((-3.5, -1.5), "snapped start (-3.5, -1.5)")):
        box = page.wait_for_function(START_LABEL_BOX).json_value()
        # inside the map's width: "race st…" was cut at the left edge on a phone, "ace start" at 1366 px
        assert box["map"]["left"] - 1 <= box["label"]["left"] and box["label"]["right"] <= box["map"]["right"] + 1, box
        assert box["label"]["top"] >= box["map"]["top"] - 1, box  # not up in the legend
        x, y = before["pixel"]
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(*page.evaluate(TO_PIXEL, list(corner)), steps=8)
        page.mouse.up()
        page.wait_for_function(f"() => (({START_LABEL_BOX})() || {{}}).text === '{text}'")
        before = drawn_from_start(page)
    box = page.evaluate(START_LABEL_BOX)
    assert box["map"]["left"] - 1 <= box["label"]["left"] and box["label"]["right"] <= box["map"]["right"] + 1, box
    no_exception(page)


MAP_LABEL = """() => {
    const gd = document.querySelector('.st-key-surfaces_chart .js-plotly-plot');
    const label = ((gd && gd.layout && gd.layout.annotations) || []).find(a => a.name === 'iteration');
    return label ? parseInt(label.text.replace('iteration ', ''), 10) : null;
}"""


def test_pause_shows_the_iteration_the_map_stopped_at_everywhere_on_the_page(page):
    """The map stopped at 'iteration 74' while the slider, the inspector and the link stayed at 100 (the review)."""
    open_surfaces(page, "?iters=40&frame=40")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    run = "SGD (η=0.09)"
    page.locator(".st-key-surfaces_chart .updatemenu-button").filter(has_text="Play").click()
    page.wait_for_function(f"() => {{ const n = ({MAP_PATH_LENGTH})('{run}'); return n > 1 && n < 15; }}")
    page.locator(".st-key-surfaces_chart .updatemenu-button").filter(has_text="Pause").click()
    # the server's answer: the link and the inspector at the iteration the map stopped at, and the map drawn there
    page.wait_for_function(f"() => {FRAME_IN_LINK} < 40")
    stopped = page.evaluate(f"() => {FRAME_IN_LINK}")
    assert 0 < stopped < 40
    expect(page.get_by_text(f"At iteration {stopped}", exact=True)).to_be_visible()
    thumb = page.locator("[data-testid=stSlider]").filter(has_text="Iteration shown").locator(
        "[data-testid=stSliderThumbValue]")
    expect(thumb).to_have_text(str(stopped))
    page.wait_for_function(f"() => ({MAP_LABEL})() === {stopped} && ({MAP_PATH_LENGTH})('{run}') === {stopped + 1}")
    assert page.evaluate("() => new URLSearchParams(location.search).get('start')") in (None, "-3.5,1.5")
    no_exception(page)


NOTE_SHOWN = """() => {
    const gd = document.querySelector('.st-key-surfaces_live .js-plotly-plot');
    const shown = ((gd && gd._fullData) || []).filter(t => t.name === 'note' && t.visible === true && t.opacity > 0);
    if (shown.length !== 1) return null;
    const text = shown[0].text[0], first = text.split('<br>')[0];
    const drawn = [...gd.querySelectorAll('.textpoint')].find(e => e.textContent.startsWith(first));
    const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left,
                                                                   right: r.right}; };
    return drawn && {text, figure: box(gd), map: box(gd.querySelector('.nsewdrag')), note: box(drawn)};
}"""


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_a_diverging_eta_says_so_above_the_map_with_where_its_arrows_went(page, width, height):
    from playground.surfaces.live import note_lines, run_sweep, sweep_note
    from playground.surfaces.race import run_race
    from playground.surfaces.state import SurfaceState

    page.set_viewport_size({"width": width, "height": height})
    sent = sent_messages(page)
    open_surfaces(page, "?iters=100&frame=100")
    page.get_by_text("Drag η and μ").click()
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    live_traces(page)
    assert page.evaluate(NOTE_SHOWN) is None  # the table's own η = 0.1 converges on the map: no note
    sent.clear()
    rail_click(page, 0, 0.8)  # η = 0.2, the ninth of eleven steps
    shown = page.wait_for_function(NOTE_SHOWN).json_value()
    race = run_race(SurfaceState(iterations=100, frame=100))
    found, _ = run_sweep(race, race.runs[1])
    expected = sweep_note(race, found, list(found.lrs).index(0.2), list(found.momenta).index(0.4), 100)
    assert expected.startswith("η = 0.2, μ = 0.4 diverges") and "off the map" in expected
    assert shown["text"] == "<br>".join(note_lines(expected))
    note, figure, drawn_map = shown["note"], shown["figure"], shown["map"]
    assert figure["left"] <= note["left"] and note["right"] <= figure["right"]  # not cut off, on a phone too
    assert figure["top"] <= note["top"] and note["bottom"] <= drawn_map["top"] + 2  # above the map, not over it
    assert sent == []  # the browser switched to it
    no_exception(page)
