"""Real Chromium against `streamlit run`: the stepper's Play (played by the browser) and quiz, as a learner's
browser runs them (AppTest cannot see what the browser draws, or what it sends the server)."""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from benchmarks.streamlit_server import start_server, stop_server
from playground.common.palette import LIGHT
from playground.stepper import ledger
from playground.stepper.walkthrough import build_walkthrough
from tests.test_browser import SCRIPT_DONE, no_exception, open_stepper, step_text
from tests.test_palette import contrast

pytestmark = pytest.mark.browser


def step_heading(page, text: str):
    """The page's own "Step k / n" heading (the player in the browser names its step too, and can linger on the
    page for a moment after Play stops)."""
    return page.get_by_role("heading", name=text, exact=True)


def test_play_runs_to_the_end_by_itself(page):
    open_stepper(page)
    speed = page.get_by_role("slider")  # Play speed: slow · normal · fast
    speed.focus()
    speed.press("End")
    expect(speed).to_have_attribute("aria-valuetext", "fast")
    page.get_by_role("button", name="Play").click()
    expect(step_heading(page, "Step 7 / 7")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Play")).to_be_visible()  # stopped by itself at the end
    assert "grad" in " ".join(page.locator("svg g.node").all_text_contents())
    no_exception(page)


def test_pause_stops_playing(page):
    expr = "sigmoid(sigmoid(sigmoid(sigmoid(x))))"
    total = build_walkthrough(expr, {"x": "2"}).total_steps
    open_stepper(page, f"?expr={expr}&at=x%3D2")
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_text(re.compile(rf"Step [2-4] / {total}"))).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    paused_at = int(re.search(r"Step (\d+)", step_text(page)).group(1))
    page.get_by_role("button", name="Next").click()  # one step, and only one: no timer is left running
    expect(step_heading(page, f"Step {paused_at + 1} / {total}")).to_be_visible()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    no_exception(page)


# Play in the browser (playground/stepper/player.py): what the player shows lives in its own element, .player
# (inside the component's shadow root, which Playwright's locators see into).
PLAYER_STEP = ".player .step"
NESTED = "sigmoid(" * 6 + "x" + ")" * 6  # 7 nodes, 13 steps: one batch of frames
# Page-side recorders, installed before Play: every step the player shows, in order, and the step it showed when a
# click or a key came (they listen on the window before the player does, so they see the input it takes).
RECORD_PLAYER = """() => {
  const step = () => {
    for (const el of document.querySelectorAll('*')) {
      const s = el.shadowRoot && el.shadowRoot.querySelector('.player .step');
      if (s) return s.textContent;
    }
    return null;
  };
  window.stepsShown = [];
  window.shownAtInput = [];
  window.edgesShown = [];
  for (const type of ['click', 'keydown']) window.addEventListener(type, () => window.shownAtInput.push(step()), true);
  setInterval(() => {
    const now = step();
    if (now && window.stepsShown[window.stepsShown.length - 1] !== now) {
      window.stepsShown.push(now);
      for (const el of document.querySelectorAll('*')) {
        const svg = el.shadowRoot && el.shadowRoot.querySelector('.player svg');
        if (svg) window.edgesShown.push(...[...svg.querySelectorAll('g.edge')].map(e => e.textContent));
      }
    }
  }, 10);
}"""


def shown_steps(page) -> list[int]:
    return [int(re.match(r"Step (\d+) /", text)[1]) for text in page.evaluate("window.stepsShown")]


def play_fast(page):
    """Set the speed to fast, wait for that run, start recording the player's steps and press Play; the speed
    slider, for tests that change it again."""
    speed = page.get_by_role("slider")
    speed.focus()
    speed.press("End")
    expect(speed).to_have_attribute("aria-valuetext", "fast")
    page.locator(SCRIPT_DONE).wait_for()
    page.evaluate(RECORD_PLAYER)
    page.get_by_role("button", name="Play").click()
    return speed


def test_play_animates_in_the_browser_without_a_server_rerun_per_step(page):
    """The honest observable is what the browser sends the server: the timer fragment Play used to be sent a rerun
    request for every step. Now one element shows step after step, and the browser asks only for the next batch of
    frames (the first batch is a small one, so that Play starts sooner)."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    open_stepper(page, "?" + urlencode({"expr": NESTED, "at": "x=0.5"}))
    play_fast(page)
    step = page.locator(PLAYER_STEP)
    step.wait_for()
    shown, before = step.element_handle(), len(sent)  # the press of Play has been sent
    page.wait_for_function("([el]) => parseInt(el.textContent.split(' ')[1]) >= 11", arg=[shown])
    assert shown.evaluate("el => el.isConnected")  # the same element, redrawn by the browser
    assert shown_steps(page)[-1] >= 11 and len(shown_steps(page)) >= 10
    assert len(sent) - before <= 2, f"{len(sent) - before} messages to the server while Play showed 10 steps"
    no_exception(page)


def test_pause_shows_the_full_ledger_of_the_step_the_player_showed(page):
    walk = build_walkthrough(NESTED, {"x": "0.5"})
    open_stepper(page, "?" + urlencode({"expr": NESTED, "at": "x=0.5"}))
    page.locator(SCRIPT_DONE).wait_for()
    page.evaluate(RECORD_PLAYER)
    page.get_by_role("button", name="Play").click()
    expect(page.locator(PLAYER_STEP)).to_have_text(re.compile(r"Step [3-9] / 13"))
    expect(page.get_by_role("heading", name="Chain-rule ledger")).to_have_count(0)  # no step's ledger but the player's
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    paused_at = int(re.match(r"Step (\d+)", page.evaluate("window.shownAtInput.at(-1)"))[1])
    expect(step_heading(page, f"Step {paused_at} / 13")).to_be_visible()
    expect(page.locator(PLAYER_STEP)).to_have_count(0)
    expect(page.get_by_role("heading", name="Chain-rule ledger")).to_be_visible()
    name = re.escape(ledger.node_name(walk.view(paused_at).current))
    expect(page.get_by_text(re.compile(rf"^(Forward|Backward) · {name} "))).to_be_visible()  # the ledger's first line
    expect(page.get_by_role("heading", name="All steps so far")).to_be_visible()
    no_exception(page)


def test_back_next_and_arrow_keys_while_playing_step_from_the_step_the_player_showed(page):
    open_stepper(page, "?" + urlencode({"expr": NESTED, "at": "x=0.5"}))
    page.locator(SCRIPT_DONE).wait_for()
    page.evaluate(RECORD_PLAYER)
    for press, move in ((lambda: page.get_by_role("button", name="Back").click(), -1),  # Play began at step 0
                        (lambda: page.get_by_role("button", name="Next").click(), 1),
                        (lambda: page.keyboard.press("ArrowLeft"), -1)):
        page.get_by_role("button", name="Play").click()
        expect(page.locator(PLAYER_STEP)).to_have_text(re.compile(r"Step ([3-9]|1[0-2]) / 13"))
        page.locator("h1").first.click()  # a key goes to the page, not to a button
        press()
        expect(page.get_by_role("button", name="Play")).to_be_visible()
        at = int(re.match(r"Step (\d+)", page.evaluate("window.shownAtInput.at(-1)"))[1])
        expect(step_heading(page, f"Step {at + move} / 13")).to_be_visible()
    no_exception(page)


def test_play_stops_at_a_quiz_question_and_never_draws_its_answer(page):
    """(x + y) * z, quiz: the × node's step asks for ∂L/∂q₁ = -4 and ∂L/∂z = 3; Play stops there, and no frame it
    showed had a gradient on an edge."""
    open_stepper(page, "?" + urlencode({"expr": "(x+y)*z", "at": "x=-2;y=5;z=-4", "mode": "quiz"}))
    page.locator(SCRIPT_DONE).wait_for()
    page.evaluate(RECORD_PLAYER)
    page.get_by_role("button", name="Play").click()
    page.locator('[data-testid="stForm"]').get_by_text("Your turn").wait_for()  # the player says it too
    expect(step_heading(page, "Step 3 / 7")).to_be_visible()
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    expect(page.get_by_role("button", name="Play")).to_be_disabled()
    assert shown_steps(page)[-1] == 3
    assert not [e for e in page.evaluate("window.edgesShown") if "grad" in e]
    no_exception(page)


def test_the_next_batch_and_a_new_speed_play_on_from_the_step_shown(page):
    """LARGE has 41 nodes: 14 frames a batch. Half way through each, the player asks for the next one and plays on;
    a new speed mid-way reruns the page, and the player goes on from the step it shows, none skipped or repeated."""
    open_stepper(page, "?" + urlencode({"expr": LARGE}))
    speed = play_fast(page)
    expect(page.locator(PLAYER_STEP)).to_have_text(re.compile(r"Step [3-9] / "))
    speed.focus()
    speed.press("ArrowLeft")  # the slider's own key: not Back
    expect(speed).to_have_attribute("aria-valuetext", "normal")
    page.wait_for_function("() => window.stepsShown.length >= 18", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    steps = shown_steps(page)
    assert steps == list(range(1, len(steps) + 1)), steps
    no_exception(page)


def test_without_dot_play_still_runs_on_the_servers_timer(browser, tmp_path):
    """The frames are drawn by Graphviz's dot on the server; where it is missing (a plain `make run`), Play reruns
    the step area once per step, as before the player."""
    with open(tmp_path / "server.log", "w") as log:
        proc, url = start_server(log, env={"PATH": str(tmp_path)})  # no dot on this PATH
        try:
            context = browser.new_context()
            pg = context.new_page()
            pg.base_url = url
            open_stepper(pg, "?" + urlencode({"expr": "(x+y)*z", "at": "x=-2;y=5;z=-4"}))
            speed = pg.get_by_role("slider")
            speed.focus()
            speed.press("End")
            expect(speed).to_have_attribute("aria-valuetext", "fast")
            pg.get_by_role("button", name="Play").click()
            expect(step_heading(pg, "Step 7 / 7")).to_be_visible(timeout=30_000)
            expect(pg.get_by_role("button", name="Play")).to_be_visible()
            assert pg.locator(PLAYER_STEP).count() == 0
            no_exception(pg)
            context.close()
        finally:
            stop_server(proc)


def test_quiz_check_scores_and_writes_nothing_else(page):
    open_stepper(page, "?expr=x*y&at=x%3D2%3By%3D3&grad=5&step=2&mode=quiz")
    page.get_by_text("Your turn").wait_for()
    assert "grad 15" not in " ".join(page.locator("svg g.edge").all_text_contents())
    boxes = page.get_by_label(re.compile(r"∂L/∂[xy]$"))
    boxes.nth(0).fill("15")
    boxes.nth(1).fill("10")
    page.get_by_role("button", name="Check").click()
    page.get_by_text("✓ Right").first.wait_for()
    expect(page.get_by_text("2 / 2")).to_be_visible()
    assert page.locator('[data-testid="stHelp"], [data-testid="stDocstring"]').count() == 0
    no_exception(page)


def test_teacher_quiz_link_hides_panels_but_asks(page):
    open_stepper(page, "?expr=(x%2By)*z&at=x%3D-2%3By%3D5%3Bz%3D-4&step=3&mode=quiz&hide=ledger,table"
                       "&lock=expression,mode")
    page.get_by_text("Your turn").wait_for()
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Skip (no points)").click()
    expect(page.get_by_role("button", name="Next")).to_be_enabled()
    page.get_by_role("button", name="Next").click()
    page.get_by_text("Step 4 / 7").wait_for()
    no_exception(page)


SMALLEST_GRAPH_TEXT = """() => {
  const svg = document.querySelector('[data-testid="stGraphVizChart"] svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;  // CSS px per Graphviz point
  // the size drawn (st.graphviz_chart's CSS once set every text to 9.6 px, whatever its font-size attribute)
  return Math.min(...[...svg.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * scale));
}"""
LARGE = "+".join(f"tanh(w{i}*x{i})" for i in range(8))  # 8 neurons' worth of nodes: 41 in all


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
@pytest.mark.parametrize("expr", ["(x+y)*z", "sigmoid(w0*x0+w1*x1+w2)", LARGE], ids=["5 nodes", "11 nodes", "41 nodes"])
def test_graph_text_never_shrinks_below_16px(page, size, expr):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_stepper(page, "?" + urlencode({"expr": expr, "step": "3"}))
    page.locator(SCRIPT_DONE).wait_for()  # measured mid-run, a graph being redrawn once read as 5.9 px
    smallest = page.evaluate(SMALLEST_GRAPH_TEXT)
    assert smallest >= 16, f"graph text drawn at {smallest:.1f} px"  # Graphviz's 13 pt at its scale, at least


def test_a_link_cannot_put_a_link_or_formatting_in_a_warning(page):
    open_stepper(page, "?seed=**URGENT**%5Bx%5D(http://example.com)%20![i](http://example.com/p.png)")
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="seed=")
    expect(alert).to_be_visible()
    assert alert.locator("a, img, strong").count() == 0, alert.inner_html()
    assert page.locator('a[href*="example.com"], img[src*="example.com"]').count() == 0


def test_pasted_json_settings_reach_every_widget(page):
    open_stepper(page)
    page.get_by_text("Share this page").click()
    box = page.get_by_label("Paste JSON settings to load them")
    box.fill('{"expr": "sigmoid(a*b)", "values": {"a": "2", "b": "-1"}, "output_grad": 3, "step": 2, "mode": "learn"}')
    box.press("Control+Enter")  # commit the text now: a click that lands during that rerun could be lost
    page.get_by_text("Press Ctrl+Enter to apply").wait_for(state="hidden")
    page.get_by_role("button", name="Load these settings").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('expr') === 'sigmoid(a*b)'")
    expect(page.get_by_role("textbox", name="Expression").last).to_have_value("sigmoid(a*b)", timeout=45_000)
    expect(page.get_by_role("textbox", name="a", exact=True).last).to_have_value("2", timeout=45_000)
    page.get_by_text(re.compile(r"Step 2 / \d+")).wait_for()
    no_exception(page)


def test_every_ledger_formula_renders_with_the_learners_names(page):
    """The ledger's formulas are the registry's rules rewritten in the learner's names (w₀, q₁, Ḡ): KaTeX must
    typeset each one (a malformed one is drawn red, as a .katex-error)."""
    expr, at = "sigmoid(w0 * x0 + lr_a) + sum(tanh(W @ v))", "w0=2;x0=-1;lr_a=-3;W=[[1, 2], [0, -1]];v=[1, 2]"
    walk = build_walkthrough(expr, dict(part.split("=") for part in at.split(";")))
    open_stepper(page, "?" + urlencode({"expr": expr, "at": at}))
    matmul_step = len(walk.forward) + 1 + next(i for i, s in enumerate(walk.backward) if s.node.op and
                                               s.node.op.name == "matmul")
    next_button = page.get_by_role("button", name="Next")
    for k in range(1, walk.total_steps + 1):
        next_button.click()
        page.get_by_text(f"Step {k} / {walk.total_steps}").wait_for()
        expect(page.locator(".katex-error")).to_have_count(0)
        if k == matmul_step:  # W @ v's rule is written for the upstream Ḡ, and the page says what Ḡ is; its
            expect(page.get_by_text("Ḡ = ∂L/∂q")).to_be_visible()  # Jacobians are typeset as matrices
            jacobians = page.locator(".katex-display", has=page.locator(".mtable"), has_text="nonzero")
            expect(jacobians).to_have_count(2)  # one for W, one for v
    no_exception(page)


def test_arrow_keys_step_back_and_forth_but_not_while_typing(page):
    open_stepper(page, "?" + urlencode({"expr": "(x + y) * z", "at": "x=-2;y=5;z=-4"}))
    page.get_by_text("Step 0 / 7").wait_for()
    page.get_by_role("textbox", name="Expression").press("ArrowRight")  # moves the caret, nothing else
    page.locator("h1").first.click()  # focus leaves the text box
    page.keyboard.press("ArrowRight")
    page.get_by_text("Step 1 / 7").wait_for()  # one step: the key pressed while typing was not taken
    page.keyboard.press("ArrowRight")
    page.get_by_text("Step 2 / 7").wait_for()
    page.keyboard.press("ArrowLeft")
    page.get_by_text("Step 1 / 7").wait_for()
    expect(page.get_by_text("Step 3 / 7")).to_have_count(0)
    no_exception(page)


def test_a_small_graphs_step_fits_a_laptop_screen(page):
    """At 1366×768 a learner sees the step buttons, the whole graph and the step's ledger line and first formula
    without scrolling (once the graph began at y≈700 and the ledger line ended at 1480)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_stepper(page, "?" + urlencode({"expr": "(x + y) * z", "at": "x=-2;y=5;z=-4", "step": "4"}))
    page.locator(SCRIPT_DONE).wait_for()
    for part in (page.get_by_role("button", name="Next"), page.locator('[data-testid="stGraphVizChart"]').first,
                 page.get_by_text(re.compile(r"^Backward ·")), page.locator(".katex").first):
        box = part.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 768, box


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_the_node_being_explained_is_scrolled_into_view(page, size):
    """A wide graph keeps its size and scrolls sideways: the current (yellow) node must be in the visible part."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    expr, at = "sum(tanh(W @ x))", "W=[[1, 2, 0], [0, -1, 1]];x=[0.5, -1, 2]"
    open_stepper(page, "?" + urlencode({"expr": expr, "at": at, "step": "6"}))  # the @ node, right of centre
    page.locator(SCRIPT_DONE).wait_for()
    page.wait_for_function("""() => {
      const chart = document.querySelector('[data-testid="stGraphVizChart"]');
      const node = [...chart.querySelectorAll('g.node polygon')].find(p => p.getAttribute('fill') === '#f0e442');
      const c = chart.getBoundingClientRect(), n = node.getBoundingClientRect();
      return chart.scrollWidth > chart.clientWidth && n.left >= c.left - 1 && n.right <= c.right + 1;
    }""")
    no_exception(page)


def test_a_bad_value_keeps_the_graph_and_says_what_is_wrong_beside_its_box(page):
    """A value typed wrong (x = abc) once wiped the graph and every control below it (a bad expression kept the last
    graph); now it is said beside its box and the page goes on with the last value that could be read."""
    open_stepper(page, "?" + urlencode({"expr": "x * y", "at": "x=2;y=3", "step": "1"}))
    speed = page.get_by_role("slider")
    speed.focus()
    speed.press("End")
    expect(speed).to_have_attribute("aria-valuetext", "fast")
    box = page.get_by_role("textbox", name="x", exact=True)
    box.fill("abc")
    box.press("Enter")
    beside = page.locator('[data-testid="stVerticalBlock"]', has=box).last.locator('[data-testid="stAlert"]')
    expect(beside).to_contain_text("'abc' is not a number")
    expect(beside).to_contain_text("keeps x = 2")
    page.locator(SCRIPT_DONE).wait_for()
    assert "= 6" in " ".join(page.locator("svg g.node").all_text_contents())  # 2 × 3: the last good graph
    expect(page.get_by_role("button", name="Next")).to_be_enabled()
    expect(page.get_by_role("slider")).to_have_attribute("aria-valuetext", "fast")
    box.fill("-2")
    box.press("Enter")
    expect(beside).to_have_count(0)
    page.wait_for_function("() => [...document.querySelectorAll('svg g.node')].some(n => n.textContent.includes("
                           "'= -6'))")
    no_exception(page)


FIFTEEN_NODES = {"expr": "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "at": "w0=2;x0=-1;w1=-3;x1=-2;w2=-3"}  # the course's


@pytest.mark.parametrize("step", ["4", "11"], ids=["forward", "backward"])
def test_a_fifteen_node_step_fits_a_laptop_screen(page, step):
    """The sigmoid neuron (15 nodes) at 1366×768: the step buttons, the whole graph, the step's ledger line and its
    formulas, without scrolling (the ledger once went below the graph, past y = 1400)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_stepper(page, "?" + urlencode({**FIFTEEN_NODES, "step": step}))
    page.locator(SCRIPT_DONE).wait_for()
    for part in (page.get_by_role("button", name="Next"), page.locator('[data-testid="stGraphVizChart"]').first,
                 page.get_by_text(re.compile(r"^(Forward|Backward) ·")), page.locator(".katex").last):
        box = part.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 768, box


def test_the_table_of_steps_shows_every_entry_and_names_each_input(page):
    ten = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
    open_stepper(page, "?" + urlencode({"expr": "sum(w * x)", "at": f"w={ten};x=[3, 3, 3, 3, 3, 3, 3, 3, 3, 3]",
                                        "step": "4"}))
    table = page.locator('[data-testid="stTable"]')
    expect(table.locator("th", has_text="downstream ∂L/∂input")).to_have_count(1)
    expect(table.locator("th", has_text="local ∂node/∂input")).to_have_count(1)
    rows = table.locator("tbody tr")
    expect(rows.filter(has_text="to x: " + ten)).to_have_count(1)  # every entry, named by its input
    expect(rows.filter(has_text="∂q₂/∂q₁: a Jacobian")).to_have_count(1)  # sum's local is a Jacobian
    cell = rows.filter(has_text="to x: " + ten).locator("td", has_text="to x:")
    assert cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1"), "the cell's text is cut off"
    no_exception(page)


def test_inputs_waiting_for_their_gradient_say_so_legibly(page):
    """At the start of the backward pass the inputs once looked grey and dashed, as if not reached yet."""
    open_stepper(page, "?" + urlencode({"expr": "(x + y) * z", "at": "x=-2;y=5;z=-4", "step": "3"}))
    page.locator(SCRIPT_DONE).wait_for()
    x = page.locator("svg g.node").filter(has=page.locator("text", has_text=re.compile(r"^x$")))
    expect(x).to_have_count(1)
    expect(x).to_contain_text("grad ?")
    shape = x.locator("polygon").first
    assert shape.get_attribute("stroke").lower() == LIGHT.gradient.lower()
    assert shape.get_attribute("stroke-dasharray")
    fill = shape.get_attribute("fill")
    for text in x.locator("text").all():
        colour = text.get_attribute("fill") or "#000000"
        assert contrast(colour, fill) >= 4.5, (text.text_content(), colour, fill)
    no_exception(page)


def test_a_saturated_sigmoid_is_never_shown_as_exactly_one(page):
    open_stepper(page, "?" + urlencode({"expr": "sigmoid(x)", "at": "x=10", "step": "1"}))
    page.locator(SCRIPT_DONE).wait_for()
    drawn = " ".join(page.locator("svg g.node").all_text_contents())
    assert "= 0.99995" in drawn and not re.search(r"= 1(?![\d.])", drawn), drawn
    expect(page.locator(".katex", has_text="0.99995").first).to_be_visible()


def test_enter_in_the_first_quiz_box_asks_for_the_other_box(page):
    """Streamlit forms submit on Enter: typing the first answer and pressing Enter once graded the step at once,
    the second box gone and counted unanswered. Now the step waits for every box, keeping what was typed."""
    walk = build_walkthrough("(x+y)*z", {"x": "-2", "y": "5", "z": "-4"})
    open_stepper(page, "?expr=(x%2By)*z&at=x%3D-2%3By%3D5%3Bz%3D-4&step=0&mode=quiz")
    question = next(k for k in range(1, walk.total_steps) if walk.view(k).backward and
                    not walk.view(k).backward.is_leaf)  # the × node: ∂L/∂q₁ = z = -4, ∂L/∂z = q₁ = 3
    for k in range(1, question + 1):
        page.get_by_role("button", name="Next").click()
        page.get_by_text(f"Step {k} / {walk.total_steps}").wait_for()
    page.get_by_text("Your turn").wait_for()
    first, second = page.get_by_label("∂L/∂q₁"), page.get_by_label("∂L/∂z")
    first.fill("-4")
    first.press("Enter")
    expect(page.get_by_text("Fill the empty box, or Skip this step.")).to_be_visible()
    expect(first).to_have_value("-4")
    expect(second).to_be_visible()
    expect(second).to_have_value("")
    expect(page.get_by_text(re.compile("✓|✗"))).to_have_count(0)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    second.fill("3")
    second.press("Enter")
    page.get_by_text("✓ Right").first.wait_for()
    expect(page.get_by_text("2 / 2")).to_be_visible()
    expect(page.get_by_text("Fill the empty box")).to_have_count(0)
    no_exception(page)


def test_typed_and_linked_text_shows_as_typed_never_as_formatting(page):
    """`__import__('os')` once showed as a bold "import"; a variable `_a_` as an italic "a". What the learner typed
    is shown literally in the ledger, the alerts and the table (widget labels aside: see the report)."""
    formatting = '[data-testid="stMarkdownContainer"] :is(em, strong, a, img)'
    learner_formatting = page.locator(formatting).filter(has_text=re.compile(r"^(a|import|os)$"))
    walk = build_walkthrough("_a_ * _a_ + b_", {"_a_": "nan", "b_": "3"})
    leaf = next(k for k in range(walk.total_steps + 1) if walk.view(k).backward and walk.view(k).backward.is_leaf
                and walk.view(k).current.label == "_a_")
    open_stepper(page, "?" + urlencode({"expr": "_a_ * _a_ + b_", "at": "_a_=nan;b_=3", "step": leaf}))
    page.locator(SCRIPT_DONE).wait_for()
    expect(page.get_by_text("_a_ is an input")).to_be_visible()
    expect(page.get_by_text("_a_ is used 2 times")).to_be_visible()  # the copy gate
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="first appears at _a_")).to_be_visible()
    expect(learner_formatting.filter(visible=True).locator("xpath=self::*[not(ancestor::label)]")).to_have_count(0)
    box = page.get_by_role("textbox", name="b_", exact=True)
    box.fill("__import__('os')")
    box.press("Enter")
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="\"__import__('os')\" is not a number")) \
        .to_be_visible()
    expression = page.get_by_role("textbox", name="Expression")
    expression.fill("__import__('os')")
    expression.press("Enter")
    expect(page.get_by_text("This expression can't be read")).to_be_visible()
    expect(page.locator('[data-testid="stCode"]').filter(has_text="unknown function '__import__'").first) \
        .to_be_visible()
    expect(learner_formatting.filter(visible=True).locator("xpath=self::*[not(ancestor::label)]")).to_have_count(0)
    no_exception(page)


def test_a_long_expression_is_reported_at_its_real_length(page):
    """A 5,999-character expression, pasted in the box or opened from a link, was reported as "1001 characters"."""
    long = "x+" * 2999 + "x"
    open_stepper(page, "?" + urlencode({"expr": long}))
    expect(page.locator('[data-testid="stAlert"]').filter(has_text="5,999 characters")).to_be_visible()
    expression = page.get_by_role("textbox", name="Expression")
    expression.fill(long)
    expression.press("Enter")
    expect(page.locator('[data-testid="stCode"]').filter(has_text="expression too long (5,999 characters")) \
        .to_be_visible()
    no_exception(page)


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_value_boxes_share_rows_on_a_phone_and_one_row_on_a_laptop(page, size):
    """On a 390 px phone the five value boxes of the sigmoid neuron stood one a row, and pushed the step buttons
    about 400 px down; now they sit two or more a row there, and all in one row (with the output gradient) on a
    laptop, as before."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_stepper(page, "?" + urlencode({**FIFTEEN_NODES, "step": "4"}))
    page.locator(SCRIPT_DONE).wait_for()
    names = [part.split("=")[0] for part in FIFTEEN_NODES["at"].split(";")]
    tops = [page.get_by_role("textbox", name=name, exact=True).bounding_box()["y"] for name in names]
    rows = len({round(y) for y in tops})
    if size[0] < 640:
        assert rows <= 3, f"{len(names)} value boxes on {rows} rows"
    else:
        gradient = page.get_by_role("spinbutton", name="output gradient ∂L/∂out").bounding_box()
        mode = page.get_by_text("Quiz", exact=True).bounding_box()  # the mode's second button
        assert rows == 1 and round(gradient["y"]) == round(tops[0]), (tops, gradient)
        assert mode["y"] < gradient["y"] + gradient["height"], (mode, gradient)  # and the mode at its end
    next_top = page.get_by_role("button", name="Next").bounding_box()["y"]
    assert next_top > max(tops)
    no_exception(page)
