"""Hostile links in a real browser (issue 15): a link anyone can send opens every page with no exception box,
nothing injected into the page (no image fetched, no link made from the URL's text, no script run), and
no more than a budget of the server's CPU per open, read from /proc.

One server for the module, so its CPU time is this module's alone; each page is opened once plainly first,
so the first imports aren't charged to a hostile link. Links a page doesn't survive yet are marked
xfail(strict=True) with the reason: the day the page is fixed, the mark must go.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from benchmarks.load import heavy_query
from benchmarks.streamlit_server import ROOT, cpu_seconds, start_server, stop_server
from engine import parse
from engine.limits import MAX_ITERATIONS, MAX_LAYERS, MAX_LENGTH, MAX_TERMS, MAX_VECTOR, MAX_WIDTH
from playground.mlp.state import MLP_SPEC
from playground.stepper.state import STEPPER_SPEC
from playground.surfaces.state import SURFACES_SPEC

pytestmark = pytest.mark.browser
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError

CPU_BUDGET = 2.0  # seconds of server CPU for one page open, at any setting a link allows (issue 15)
WALL_LIMIT = 60  # seconds for a page to be drawn on a busy machine; the heaviest allowed link took 25 s
EVIL = "evil.example"  # every payload points here; nothing in the page may ever point or go there
MARKDOWN = (f"**URGENT** [log in again here](https://{EVIL}/login) ![x](http://{EVIL}/pixel.png) "
            f"www.{EVIL}/a <{EVIL}>")
HTML = (f'<img src="http://{EVIL}/i.png" onerror="window.__pwned=1"><a href="https://{EVIL}/a">x</a>'
        f"<script>window.__pwned=2</script><iframe src=\"https://{EVIL}/f\"></iframe>")

KEYS = {  # every key each page reads from a link, plus the teacher's and some it doesn't know
    "/": [f.key for f in STEPPER_SPEC.fields] + ["hide", "lock", "utm_source"],  # home forwards to the stepper
    "/stepper": [f.key for f in STEPPER_SPEC.fields] + ["hide", "lock", "seed"],
    "/surfaces": [f.key for f in SURFACES_SPEC.fields] + ["hide", "lock", "seed"],
    "/mlp": [f.key for f in MLP_SPEC.fields] + ["hide", "lock", "unknown"],
}
NUMBERS = {  # keys holding numbers or sizes, for NaN/inf and negative sizes
    "/": {"grad": "nan", "step": "-5", "at": "x=inf;y=-inf;z=nan"},
    "/stepper": {"grad": "inf", "step": "-1", "at": "x=nan;y=1e999;z=-inf", "expr": "x*y*z"},
    "/surfaces": {"iters": "-1", "frame": "-3", "tol": "nan", "xr": "inf,-inf", "yr": "nan,nan", "start": "nan,inf",
                  "runs": "sgd:lr=nan;adam:lr=-1;momentum:momentum=inf"},
    "/mlp": {"n": "-5", "noise": "nan", "test": "inf", "hidden": "-1,-3", "scale": "-inf", "batch": "-10",
             "l1": "nan", "l2": "-1", "opt": "adam:lr=nan", "dseed": "-1"},
}


def every_key(path: str, value: str) -> dict[str, str]:
    return dict.fromkeys(KEYS[path], value)


def biggest_gradient_check() -> dict[str, str]:
    """The stepper's largest link: a flat sum as long as the term limit allows over as many variables as a
    link may give values to, each a vector of the most entries, opened at its last step."""
    names = [f"v{i % MAX_VECTOR}" for i in range(198)]
    values = ";".join(f"v{i}=[{','.join(str(k % 7 - 3) for k in range(MAX_VECTOR))}]" for i in range(MAX_VECTOR))
    expr = "sum(" + "+".join(names) + ")"
    assert len(expr) <= MAX_LENGTH and parse(expr).size <= MAX_TERMS
    return {"expr": expr, "at": values, "step": "99999"}


def biggest_network() -> dict[str, str]:
    return {"data": "spiral", "n": "1000", "features": "x1,x2,x1²,x2²,x1·x2,sin x1,sin x2",
            "hidden": ",".join([str(MAX_WIDTH)] * MAX_LAYERS), "act": ",".join(["tanh"] * MAX_LAYERS),
            "l1": "0.001", "l2": "0.001", "batch": "0", "test": "0"}


def links():
    for path in KEYS:
        name = path.strip("/") or "home"
        yield pytest.param(path, every_key(path, MARKDOWN), id=f"{name}-markdown-in-every-key")
        yield pytest.param(path, every_key(path, HTML), id=f"{name}-html-in-every-key")
        yield pytest.param(path, every_key(path, "9" * 400), id=f"{name}-huge-values")
        # a 100 kB link ("-" needs no escaping, so the link is as long as the value); the server itself
        # refuses a request line of about 150 kB or more (400 Bad Request), before any page runs
        yield pytest.param(path, {KEYS[path][0]: "x-" * 50_000 + "x", "z" * 1000: MARKDOWN}, id=f"{name}-100KB-link")
        yield pytest.param(path, NUMBERS[path], id=f"{name}-nan-inf-negative")
    yield pytest.param("/surfaces", {"iters": "501"}, id="surfaces-iters-501")
    yield pytest.param("/surfaces", {"iters": str(MAX_ITERATIONS + 1), "frame": "99999999"}, id="surfaces-iters-5001")
    # Last: the costly ones, so a page still working on one can't be charged to the next.
    yield pytest.param("/stepper", biggest_gradient_check(), id="stepper-biggest-link")
    yield pytest.param("/mlp", biggest_network(), id="mlp-biggest-network")
    yield pytest.param("/surfaces", heavy_query(), id="surfaces-costliest-race")


class Server:
    """The module's one server. Work a page started keeps running after its browser has gone, so after a
    request over the budget the server is replaced: the next link's CPU is its own."""

    def __init__(self, browser, log):
        self.browser, self.log, self.proc, self.url = browser, log, None, ""
        self.start()

    def start(self) -> None:
        try:
            self.proc, self.url = start_server(self.log)
        except RuntimeError as e:
            pytest.fail(str(e))
        try:
            for path in KEYS:  # each page once, so the first imports aren't charged to a hostile link
                context, page = self.open(self.url + path)
                self.wait(page, PAGE_DONE, budget=None)
                context.close()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_server(self.proc)

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def open(self, url: str):
        context = self.browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(60_000)  # a wait ends when its condition holds; this only bounds a busy machine
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
        page.goto(url)
        return context, page

    def wait(self, page, done: str, budget: float | None, since: float = 0.0) -> float:
        """Wait until ``done`` (a JavaScript condition) holds, then return the server CPU used since ``since``.
        With a ``budget``, stop waiting as soon as the server has used more: that answer is already known.
        A page whose run never ends within WALL_LIMIT seconds (a frozen browser tab) fails."""
        deadline = time.monotonic() + WALL_LIMIT
        while True:
            try:
                page.wait_for_function(done, timeout=1000)
                # still done a few frames later (not between two runs); every wait has a timeout, since a
                # tab busy laying out a huge graph never answers a plain evaluate
                page.wait_for_function(f"() => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame("
                                       f"() => ok(({done})()))))", timeout=1000)
                return self.cpu() - since
            except PlaywrightTimeout:
                used = self.cpu() - since
                if budget is not None and used > budget:
                    return used
                if time.monotonic() > deadline:
                    raise AssertionError(f"the page's run didn't end within {WALL_LIMIT} s (the server used "
                                         f"{used:.1f} s of CPU: the browser tab, not the server, was busy)") from None

    def measure(self, page, done: str, since: float, record_property) -> float:
        try:
            used = self.wait(page, done, CPU_BUDGET, since)
        except AssertionError:
            self.restart()
            raise
        record_property("server_cpu_s", round(used, 3))
        if used > CPU_BUDGET:
            self.restart()
        return used

    def restart(self) -> None:
        """The page may still be working: the next test gets a server of its own."""
        self.stop()
        self.start()


# The page's run has ended and its main figure is drawn (a graph, a chart, or home's lesson links): a tab
# still laying out a huge graph is not done.
PAGE_DONE = ("() => document.querySelector('h1') !== null && document.querySelector("
             "'[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]') !== null && "
             "document.querySelector('svg g.node, .js-plotly-plot, [data-testid=stPageLink]') !== null")


@pytest.fixture(scope="module")
def server(browser, tmp_path_factory):
    with open(tmp_path_factory.mktemp("hostile") / "server.log", "w") as log:
        running = Server(browser, log)
        try:
            yield running
        finally:
            running.stop()


INJECTED = """(host) => {
  const evil = (u) => { try { return new URL(u, location.href).hostname.endsWith(host); } catch { return false; } };
  const found = [];
  for (const e of document.querySelectorAll('[src], [href], [srcset]'))
    for (const a of ['src', 'href', 'srcset'])
      if (e.getAttribute(a) && evil(e.getAttribute(a))) found.push(e.outerHTML);
  for (const alert of document.querySelectorAll('[data-testid="stAlert"], [data-testid="stException"]'))
    for (const e of alert.querySelectorAll('a, img, iframe, script, strong, b, em'))
      if (/URGENT|log in|evil/i.test(e.outerHTML)) found.push(e.outerHTML);
  if (window.__pwned) found.push('a script from the link ran: ' + window.__pwned);
  return found;
}"""


KNOWN: dict[str, str] = {}  # links pages don't survive yet, with the reason (each reported to the page's owner)
# Links that freeze the browser tab: not run, since Playwright's own waits never return from a frozen tab.
FREEZES: dict[str, str] = {}


def known(params, failing: dict[str, str]) -> list:
    """``params`` with the known failures marked: xfail(strict=True), so the mark must go once it's fixed."""
    def marks(case: str):
        if case in FREEZES:
            return pytest.mark.xfail(run=False, strict=True, reason=FREEZES[case])
        return pytest.mark.xfail(strict=True, reason=failing[case]) if case in failing else ()
    return [pytest.param(*p.values, id=p.id, marks=marks(p.id)) for p in params]


@pytest.mark.parametrize("path,query", known(links(), KNOWN))
def test_hostile_link(record_property, server, path, query):
    before = server.cpu()
    context, page = server.open(server.url + path + "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    try:
        used = server.measure(page, PAGE_DONE, before, record_property)
        assert used <= CPU_BUDGET, f"opening the link cost more than {used:.1f} s of server CPU (budget {CPU_BUDGET} s)"
        boxes = page.locator('[data-testid="stException"]')
        assert boxes.count() == 0, boxes.first.inner_text()[:500]
        assert page.evaluate(INJECTED, EVIL) == []
        assert not [r for r in page.requests if urllib.parse.urlsplit(r).hostname.endswith(EVIL)]
        assert str(ROOT) not in page.content()  # no server path on screen
    finally:
        context.close()


def costliest_view_toggle() -> dict[str, str]:
    query = heavy_query()
    del query["hide"]  # the view switch sits in the setup panel
    return query


SCRIPT_DONE_JS = "document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
CLICKS = [  # the costliest click on each page at the most a link allows: (what to click, what shows it's done)
    pytest.param("/stepper", biggest_gradient_check(), "Gradient check: numerical vs analytic",
                 "button:Run gradient check",
                 "document.querySelector('[data-testid=stExpander] [data-testid=stDataFrame]')",
                 id="stepper-gradient-check"),
    pytest.param("/mlp", biggest_network(), None, "button:+100",  # all 100, or as many as one click's budget allows
                 "document.body.innerText.includes('update 100 ·') || "
                 "document.body.innerText.includes('updates this click')", id="mlp-plus-100"),
    pytest.param("/surfaces", costliest_view_toggle(), None, "3-D",  # an option of a segmented control
                 "new URLSearchParams(location.search).get('view') === '3d'", id="surfaces-3d-view"),
]
CLICKS_KNOWN: dict[str, str] = {}  # as KNOWN, for clicks (none left)


@pytest.mark.parametrize("path,query,expander,button,done", known(CLICKS, CLICKS_KNOWN))
def test_costliest_click(record_property, server, path, query, expander, button, done):
    context, page = server.open(server.url + path + "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    try:
        server.wait(page, PAGE_DONE, budget=None)
        if expander:
            page.get_by_text(expander).click()
        role, _, name = button.rpartition(":")
        target = page.get_by_role(role, name=name, exact=True) if role else page.get_by_text(name, exact=True)
        target.wait_for()
        before = server.cpu()
        target.click()
        used = server.measure(page, f"() => Boolean({done}) && Boolean({SCRIPT_DONE_JS})", before, record_property)
        assert used <= CPU_BUDGET, f"the click cost more than {used:.1f} s of server CPU (budget {CPU_BUDGET} s)"
        boxes = page.locator('[data-testid="stException"]')
        assert boxes.count() == 0, boxes.first.inner_text()[:500]
    finally:
        context.close()
