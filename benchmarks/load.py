"""Load test: N concurrent real browser sessions against one local gradlab server (loopback only).

Each session (its own headless Chromium context) opens the stepper on the classic circuit, steps
through the whole forward and backward pass, switches to the MLP lab with the top navigation and
trains with +10 five times. Latency is measured from the click until the page shows the new step /
update count (or, for the switch, the lab's +10 button and first chart): what the student sees,
drawn by a browser that here shares two cores with 29 others and the server. The server also times
each rerun itself, from request in to last message out (benchmarks/load_timed.py): what the app
costs when every student's browser runs on their own machine. Reports p50 / p95 of both, errors,
page-load times, the server's resident memory per session, and the CPU time the server and the
browsers used per interaction.

In a classroom the browsers run on the students' machines, not on the server's cores. Here they
can't, so by default the browsers (and this driver) run at the lowest CPU priority: the server gets
the CPU it asks for, as on a machine of its own, and the browsers draw with what is left.
``--shared-priority`` makes them compete with the server as equals instead.

Like a class: the sessions open the link spread over ``--ramp`` seconds; once all are connected they
interact at the same time, each pausing between clicks like a student reading the page, for a random
0.5-1.5x ``--think`` seconds (seeded, so runs are comparable). ``--think 0 --ramp 0`` is the stress
test: everyone opens at once and clicks again the moment the page has updated.

    python benchmarks/load.py --sessions 30                      # a table; 3 s think time, 30 s ramp
    python benchmarks/load.py --sessions 30 --think 0 --ramp 0   # the stress test
    python benchmarks/load.py --sessions 30 --json               # the same as JSON
    python benchmarks/load.py --sessions 30 --heavy 3            # mixed: 3 of the 30 open the costliest link

Mixed mode (``--heavy K``): K of the sessions, instead of stepping, open the costliest link a URL allows
(``HEAVY_LINK``: the surface lab's longest race) again and again, each time with a slightly different
start point so no cache can answer it, until the others are done. The report's ``server`` and on-screen
figures are then the stepping sessions' alone (the server knows whose rerun it timed from the query string
sent with it); ``heavy_*`` says how the costly opens fared.

Bounded: at most 60 sessions, a fixed number of interactions each, and a wall-clock limit.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from benchmarks.streamlit_server import (  # noqa: E402
    CHROMIUM_ARGS,
    chromium_cpu_seconds,
    cpu_seconds,
    find_chromium,
    lower_chromium_priority,
    rss_mb,
    start_server,
    stop_server,
)

MAX_SESSIONS = 60
STEPPER_URL = "/stepper?expr=(x%2By)*z&at=x%3D-2%3By%3D5%3Bz%3D-4"
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'  # the page's run has ended
HEAVY_PAGE, HEAVY_MARK = "/surfaces", "surface=custom"  # no stepping session ever opens this
STEPPER_STEPS = 7
MLP_CLICKS = 5
TIMEOUT_MS = 60_000


def heavy_query(variant: int = 0) -> dict[str, str]:
    """The costliest surface-lab link a URL allows (issue 15): a typed surface near the length limit, the
    most runs, the most iterations, small steps so no run stops early, the setup hidden. ``variant`` moves
    the start point a little, so each open is a new race that no cache holds."""
    from engine.limits import MAX_RUNS
    from playground.surfaces.state import SURFACES_SPEC
    most = SURFACES_SPEC.field("iterations").kind.high  # the most a link may ask for
    terms = " + ".join(f"0.00012345{i:02d}*cos(x - y*{i})" for i in range(32))
    runs = ";".join(f"{name}:lr=0.0001" for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"))
    assert len(runs.split(";")) == MAX_RUNS
    return {"surface": "custom", "f": f"x**2 + y**2 + {terms}", "runs": runs, "iters": str(most),
            "start": f"{0.5 + variant / 1000:g},0.5", "frame": "0", "hide": "setup"}


def heavy_url(variant: int) -> str:
    return HEAVY_PAGE + "?" + urllib.parse.urlencode(heavy_query(variant), quote_via=urllib.parse.quote)


async def heavy_session(browser, base: str, index: int, opens: list[float], errors: list[str],
                        ready: asyncio.Event, done: asyncio.Event) -> None:
    """A visitor who opens the costliest link again and again (a new variant each time) until ``done``."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS * 10)  # one costly open may take minutes on a busy server
    ready.set()
    try:
        for k in itertools.count():
            if done.is_set():
                break
            start = time.perf_counter()
            await page.goto(base + heavy_url(1000 * index + k))
            await page.wait_for_selector("h1")
            await page.wait_for_selector(SCRIPT_DONE)
            opens.append(time.perf_counter() - start)
    except asyncio.CancelledError:
        pass
    except Exception as e:
        errors.append(f"opening the costly link: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
    finally:
        await context.close()


async def session(browser, base: str, index: int, think: float, arrive: float, latencies: dict[str, list[float]],
                  errors: list[str], ready: asyncio.Event, gate: asyncio.Event) -> None:
    rng = random.Random(index)
    await asyncio.sleep(arrive)

    async def read_the_page() -> None:
        if think > 0:
            await asyncio.sleep(rng.uniform(0.5, 1.5) * think)

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    async def timed(kind: str, *steps) -> None:
        """Await the steps in order (the action, then what shows it is done); record how long they took."""
        start = time.perf_counter()
        try:
            for step in steps:
                await step
        finally:
            for step in steps:  # after a timeout, the steps never reached are closed, not left pending
                step.close()
        latencies[kind].append(time.perf_counter() - start)

    phase = "opening the stepper"
    try:
        await timed("page_load", page.goto(base + STEPPER_URL), page.wait_for_selector("svg g.node"))
        ready.set()
        await gate.wait()  # every session connected: now they all start interacting
        phase = "stepping"
        next_button = page.get_by_role("button", name="Next")
        for k in range(1, STEPPER_STEPS + 1):
            await read_the_page()
            await timed("stepper", next_button.click(), page.get_by_text(f"Step {k} / {STEPPER_STEPS}").wait_for())
        await read_the_page()
        phase = "switching to the MLP lab"
        plus_ten = page.get_by_role("button", name="+10", exact=True)
        await timed("switch", page.get_by_role("link", name="MLP lab").click(), plus_ten.wait_for(),
                    page.wait_for_selector(".js-plotly-plot"))
        phase = "training"
        for k in range(1, MLP_CLICKS + 1):
            await read_the_page()
            await timed("mlp", plus_ten.click(), page.get_by_text(f"update {10 * k} ·").wait_for())
        if await page.locator('[data-testid="stException"]').count():
            errors.append("an exception box appeared")
    except Exception as e:  # a timeout or a broken page counts as an error, not a crash of the test
        errors.append(f"{phase}: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
        ready.set()
    finally:
        await context.close()


async def run(sessions: int, think: float, ramp: float, limit_s: float, server_first: bool = True,
              heavy: int = 0) -> dict:
    from playwright.async_api import async_playwright

    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("no Chromium installed: apt-get install chromium")
    timings = pathlib.Path(tempfile.mkstemp(prefix="gradlab-timings-")[1])
    proc, base = start_server(timings=timings, timer="benchmarks.load_timed")
    if server_first:  # this process, the Playwright driver and every browser it starts yield the CPU to the server
        os.nice(19)
        keep_low = asyncio.create_task(_keep_browsers_low())
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            warm = await browser.new_page()  # one visit to each page first: imports are not per session
            await warm.goto(base + STEPPER_URL)
            await warm.wait_for_selector("svg g.node")
            await warm.goto(base + "/mlp")
            await warm.wait_for_selector(".js-plotly-plot")
            await warm.close()
            baseline = rss_mb(proc.pid)
            latencies = {"stepper": [], "switch": [], "mlp": [], "page_load": []}
            errors, gate, steppers_done, heavy_opens = [], asyncio.Event(), asyncio.Event(), []
            steppers = sessions - heavy
            readies = [asyncio.Event() for _ in range(sessions)]
            tasks = [asyncio.create_task(session(browser, base, i, think, ramp * i / steppers, latencies, errors, r,
                                                 gate)) for i, r in enumerate(readies[:steppers])]
            heavies = [asyncio.create_task(heavy_session(browser, base, i, heavy_opens, errors, r, steppers_done))
                       for i, r in enumerate(readies[steppers:])]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), limit_s)
            connected = rss_mb(proc.pid)
            warm_up_runs = len(_timings(timings))  # the page loads: not interactions
            gate.set()
            started, cpu_before, browser_before = time.perf_counter(), cpu_seconds(proc.pid), chromium_cpu_seconds()
            await asyncio.wait_for(asyncio.gather(*tasks), limit_s)
            steppers_done.set()
            for task in heavies:  # an open still running is abandoned: the steppers are what is measured
                task.cancel()
            await asyncio.gather(*heavies, return_exceptions=True)
            peak, server_cpu = rss_mb(proc.pid), cpu_seconds(proc.pid) - cpu_before
            browser_cpu = chromium_cpu_seconds() - browser_before
            wall = time.perf_counter() - started
            reruns = _timings(timings)[warm_up_runs:]
            server_times = [t for t, query in reruns if HEAVY_MARK not in query]
            heavy_times = [t for t, query in reruns if HEAVY_MARK in query]
            await browser.close()
    finally:
        if server_first:
            keep_low.cancel()
        stop_server(proc)
        timings.unlink(missing_ok=True)
    everything = sorted(latencies["stepper"] + latencies["switch"] + latencies["mlp"])
    by_phase = collections.Counter(e.split(":")[0] for e in errors)
    interactions = max(len(everything), 1)
    mixed = {"heavy_sessions": heavy, "heavy_opens_finished": len(heavy_opens),
             **_percentiles("heavy_open", heavy_opens), "heavy_server_reruns": len(heavy_times),
             **_percentiles("heavy_server", heavy_times)} if heavy else {}
    return {"sessions": sessions, "think_s": think, "ramp_s": ramp, "server_first": server_first, **mixed,
            "interactions": len(everything),
            "errors": len(errors), "errors_by_phase": dict(by_phase), "error_samples": errors[:2],
            **_percentiles("all", everything), "server_reruns": len(server_times),
            **_percentiles("server", server_times),
            **_percentiles("stepper", latencies["stepper"]),
            **_percentiles("switch", latencies["switch"]), **_percentiles("mlp", latencies["mlp"]),
            **_percentiles("page_load", latencies["page_load"]), "wall_s": wall,
            # The browsers share this machine's cores with the server: this says who used them.
            "server_cpu_s": server_cpu, "server_cpu_share_of_wall": server_cpu / wall,
            "browser_cpu_s": browser_cpu, "cpu_share_of_machine": (server_cpu + browser_cpu) / (wall * os.cpu_count()),
            "server_cpu_ms_per_interaction": 1000 * server_cpu / interactions,
            "browser_cpu_ms_per_interaction": 1000 * browser_cpu / interactions,
            "server_rss_baseline_mb": baseline, "server_rss_connected_mb": connected, "server_rss_peak_mb": peak,
            "mb_per_session": (peak - baseline) / sessions}


async def _keep_browsers_low() -> None:
    while True:
        lower_chromium_priority()
        await asyncio.sleep(0.5)


def _timings(path: pathlib.Path) -> list[tuple[float, str]]:
    """The server's rerun timings so far: (seconds, the query string sent with the rerun)."""
    rows = (line.split("\t", 1) for line in path.read_text().splitlines() if line)
    return [(float(row[0]), row[1] if len(row) > 1 else "") for row in rows]


def _percentiles(name: str, values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {f"{name}_p50_s": float("nan"), f"{name}_p95_s": float("nan")}
    return {f"{name}_p50_s": statistics.median(values), f"{name}_p95_s": values[min(len(values) - 1,
                                                                                  int(0.95 * len(values)))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30, help=f"concurrent sessions (at most {MAX_SESSIONS})")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean pause between a session's interactions in seconds (0 = stress test)")
    parser.add_argument("--ramp", type=float, default=30.0,
                        help="seconds over which the sessions open the page (0 = all at once)")
    parser.add_argument("--limit", type=float, default=900.0, help="wall-clock limit in seconds")
    parser.add_argument("--shared-priority", action="store_true",
                        help="browsers at the server's CPU priority (by default they yield to it, as if the server "
                             "had its own machine)")
    parser.add_argument("--heavy", type=int, default=0,
                        help="mixed mode: this many of the sessions open the costliest link again and again while "
                             "the others step; the report's figures are then the stepping sessions'")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sessions = max(1, min(args.sessions, MAX_SESSIONS))
    heavy = max(0, min(args.heavy, sessions - 1))  # at least one session steps
    result = asyncio.run(run(sessions, max(args.think, 0.0), max(args.ramp, 0.0), args.limit,
                             server_first=not args.shared_priority, heavy=heavy))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:26s} {value:.3f}" if isinstance(value, float) else f"{key:26s} {value}")


if __name__ == "__main__":
    main()
