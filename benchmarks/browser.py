"""On-screen latency in a real browser (issue 14): what a learner waits for, measured in one Chromium session
against `streamlit run`, with the server's own time per rerun beside it.

    make bench-browser            # or: .venv/bin/python benchmarks/browser.py [--json] [--repeat N]

Each figure is a wall-clock time from the learner's action (opening a link, a click) to the moment the browser
shows its result (a figure drawn, a counter changed), so it includes the server, the transfer and the browser's
drawing. The server is warmed by one plain open of each page first: a class opens a server that is already up.
Not run by `make test`: performance lives here, never in timed assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import re
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from benchmarks.streamlit_server import CHROMIUM_ARGS, find_chromium, start_server, stop_server  # noqa: E402

DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# The first figure of each page: a drawn graph (Graphviz) or a Plotly chart with its axes in place; Home
# draws no chart, so its lesson cards count.
FIGURE = "svg g.node, .js-plotly-plot .main-svg, [data-testid=stPageLink]"
FIRST_FIGURE = {"home": "/", "stepper": "/stepper", "surfaces": "/surfaces", "MLP": "/mlp"}
SHARE_LINKS = {  # a teacher's links, with more to compute than the defaults
    "surfaces share link (3 runs, 300 iterations)":
        "/surfaces?surface=Rosenbrock&iters=300&runs=sgd:lr=0.001;momentum:lr=0.001,momentum=0.9;adam:lr=0.05",
    "MLP share link (spiral, 2 x 16 tanh)": "/mlp?data=spiral&hidden=16,16&act=tanh,tanh",
}
TARGETS = {  # issue 14's table
    "first figure": 2.0, "stepper Next": 0.15, "MLP +10 (median)": 0.3, "MLP Play updates/s": 20.0,
}
UPDATE = re.compile(r"update (\d[\d,]*) ·")


# The stepper's player (a Streamlit component with its own shadow root) showing step 1.
PLAYER_AT_STEP_1 = """() => [...document.querySelectorAll('*')].some(e => e.shadowRoot &&
    (e.shadowRoot.querySelector('.player .step')?.textContent || '').startsWith('Step 1 /'))"""


def seconds_until(action, condition) -> float:
    start = time.perf_counter()
    action()
    condition()
    return time.perf_counter() - start


def first_figure(page, base: str, path: str) -> float:
    def drawn():
        page.wait_for_selector(FIGURE, state="visible", timeout=120_000)
    return seconds_until(lambda: page.goto(base + path), drawn)


def update_count(page) -> int:
    found = page.get_by_text(UPDATE).first
    if not found.count():
        return 0
    return int(UPDATE.search(found.inner_text()).group(1).replace(",", ""))


def measure(repeat: int, play_only: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    passes = 0 if play_only else repeat  # of everything but Play
    timings = pathlib.Path(tempfile.mkdtemp()) / "reruns.tsv"
    server, base = start_server(timings=timings)
    results: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        results.setdefault(name, []).append(value)

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            for path in FIRST_FIGURE.values():  # warm: imports and caches, as on a server a class finds running
                first_figure(page, base, path)
                page.wait_for_selector(DONE, timeout=120_000)
            for _ in range(passes):
                for name, path in {**FIRST_FIGURE, **SHARE_LINKS}.items():
                    fresh = browser.new_page(viewport={"width": 1366, "height": 768})
                    note(f"first figure: {name}", first_figure(fresh, base, path))
                    fresh.wait_for_selector(DONE, timeout=120_000)
                    if name == "surfaces":
                        def three_d(fresh=fresh):
                            fresh.wait_for_selector(".js-plotly-plot .gl-container canvas, .js-plotly-plot .scene",
                                                    timeout=120_000)
                        note("surfaces: switch to 3-D", seconds_until(
                            lambda fresh=fresh: fresh.get_by_text("3-D", exact=True).first.click(), three_d))
                    fresh.close()

            stepper = base + "/stepper?expr=(x%2By)*z&at=x%3D-2;y%3D5;z%3D-4&step=0"
            for _ in range(passes):
                page.goto(stepper)
                page.wait_for_selector(DONE, timeout=60_000)
                first, last = map(int, re.search(r"Step (\d+) / (\d+)", page.get_by_text(
                    re.compile(r"Step \d+ / \d+")).first.inner_text()).groups())
                for k in range(first, last):
                    note("stepper Next", seconds_until(
                        lambda: page.get_by_role("button", name="Next").click(),
                        lambda k=k, last=last: page.get_by_text(f"Step {k + 1} / {last}").first.wait_for()))
                    page.wait_for_selector(DONE)
                page.goto(stepper)  # Play from step 0: the player's first frame, drawn in the browser
                page.wait_for_selector(DONE, timeout=60_000)
                note("stepper Play → first step drawn", seconds_until(
                    lambda: page.get_by_role("button", name="Play").click(),
                    lambda: page.wait_for_function(PLAYER_AT_STEP_1, polling="raf", timeout=30_000)))
                page.get_by_role("button", name="Pause").click()
                page.wait_for_selector(DONE)

            page.goto(base + "/mlp")
            page.wait_for_selector(DONE, timeout=60_000)
            for _ in range(5 * passes):
                before = update_count(page)
                note("MLP +10", seconds_until(
                    lambda: page.get_by_role("button", name="+10", exact=True).click(),
                    lambda before=before: page.wait_for_function(
                        "n => [...document.querySelectorAll('p, span, div')].some(e => e.childElementCount === 0 &&"
                        " /update ([\\d,]+) ·/.test(e.textContent) &&"
                        " +e.textContent.match(/update ([\\d,]+) ·/)[1].replace(/,/g, '') >= n)",
                        arg=before + 10, timeout=60_000)))
                page.wait_for_selector(DONE)

            measure_play(page, note)
            browser.close()
    finally:
        stop_server(server)

    reruns = [float(line.partition("\t")[0]) for line in timings.read_text().splitlines()]
    return {"figures": results, "server_reruns": summary(reruns or [0.0])}


# The update the MLP lab's decision map says it shows (its label, which each animation frame the browser plays
# changes): what is drawn, not the trainer's count in the heading, which runs a batch ahead while playing.
DRAWN_UPDATE = """() => { const chart = document.querySelector('.st-key-mlp_boundary .js-plotly-plot');
  const label = chart && [...chart.querySelectorAll('text')].map(t => t.textContent).find(t => /^update \\d+/.test(t));
  return label ? +label.split(' ')[1] : -1; }"""


def measure_play(page, note) -> None:
    """MLP lab Play: seconds from the press until the map draws a later update, then the updates the map draws per
    second over PLAY_WINDOW seconds."""
    before = page.evaluate(DRAWN_UPDATE)
    note("MLP Play → first update drawn", seconds_until(
        lambda: page.get_by_role("button", name="Play", exact=True).click(),
        lambda: page.wait_for_function(f"n => ({DRAWN_UPDATE})() > n", arg=before, timeout=60_000)))
    start, first = time.perf_counter(), page.evaluate(DRAWN_UPDATE)
    time.sleep(PLAY_WINDOW)
    note("MLP Play updates/s", (page.evaluate(DRAWN_UPDATE) - first) / (time.perf_counter() - start))
    page.get_by_role("button", name="Pause", exact=True).click()


PLAY_WINDOW = 10.0  # seconds of Play watched: a rate, not a pass/fail


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "max": max(values), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeat", type=int, default=3, help="opens of each page and passes of each click")
    parser.add_argument("--play-only", action="store_true", help="measure only the MLP lab's Play")
    args = parser.parse_args()
    if not find_chromium():
        sys.exit("Chromium is not installed: `make browser` installs Debian's")
    measured = measure(args.repeat, args.play_only)
    figures = {name: summary(values) for name, values in measured["figures"].items()}
    report = {"machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
                         f"{len(os.sched_getaffinity(0))} cores",
              "figures": figures, "server_reruns": measured["server_reruns"], "targets": TARGETS}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"machine: {report['machine']}")
    for name, fig in figures.items():
        unit = "" if "/s" in name else " s"
        target = next((f"target {'≥' if '/s' in k else '≤'} {v:g}{unit}" for k, v in TARGETS.items()
                       if name.startswith(k.replace(" (median)", ""))), "")
        print(f"{name:60} median {fig['median']:7.2f}{unit}  max {fig['max']:7.2f}{unit}  (n={fig['n']})  {target}")
    reruns = report["server_reruns"]
    print(f"server time per rerun: median {reruns['median']:.3f} s, max {reruns['max']:.3f} s (n={reruns['n']})")


if __name__ == "__main__":
    main()
