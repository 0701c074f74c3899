"""Where a page's first paint goes (issue 14 §4): for a cold browser (a fresh context, empty HTTP cache) opening
each page of a warm server, the timeline of one open, on the browser's own clock, from navigation start:

- ``html``: the page's HTML received (responseEnd); ``js``: Streamlit's scripts and styles fetched and run
  (the last script resource's end, and the bytes of all of them); ``ws``: the websocket open;
- ``first msg`` / ``script done``: the first ForwardMsg and the run's script_finished received (the server's
  own rerun time, from request to last message, comes from its stopwatch, benchmarks/load_timed.py);
- ``figure``: the first figure on screen (a Graphviz node, a Plotly chart's axes, Home's lesson cards), as a
  MutationObserver in the page sees it, not as a polling driver does;
- what was sent: the ForwardMsgs' bytes by element type (plotly_chart, graphviz_chart, markdown, …), and the
  lazily loaded chunks each page needed (PlotlyChart, GraphVizChart, the syntax highlighter of st.code …).

    python benchmarks/first_paint.py [--repeat N] [--path /mlp ...] [--json]

Times are medians of ``--repeat`` opens. Not run by `make test`; the whole-page figures of issue 14's table
come from benchmarks/browser.py.
"""

from __future__ import annotations

import argparse
import collections
import json
import pathlib
import statistics
import sys
import tempfile
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from benchmarks.browser import DONE, FIGURE  # noqa: E402
from benchmarks.browser import FIRST_FIGURE as PAGES  # noqa: E402
from benchmarks.streamlit_server import CHROMIUM_ARGS, find_chromium, start_server, stop_server  # noqa: E402

# Runs in the page before Streamlit's own scripts: stamps each websocket message and the first figure.
RECORDER = """
window.__paint = {messages: [], figure: null, wsOpen: null};
const Native = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Native(...args);
  socket.addEventListener('open', () => { window.__paint.wsOpen ??= performance.now(); });
  socket.addEventListener('message', (e) => {
    const size = e.data.byteLength ?? e.data.size ?? e.data.length;
    window.__paint.messages.push([performance.now(), size]);
  });
  return socket;
};
window.WebSocket.prototype = Native.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
new MutationObserver((_, observer) => {
  for (const el of document.querySelectorAll(%(figure)s)) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.height > 0) { window.__paint.figure = performance.now(); observer.disconnect(); return; }
  }
}).observe(document, {subtree: true, childList: true, attributes: true});
"""


def message_kinds(payloads: list[bytes]) -> tuple[list[str], dict[str, int]]:
    """Each ForwardMsg's type (a delta named by its element), and the bytes sent per kind."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    kinds, sizes = [], collections.Counter()
    for payload in payloads:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "delta":
            delta = msg.delta
            kind = delta.WhichOneof("type")
            if kind == "new_element":
                kind = delta.new_element.WhichOneof("type")
        kinds.append(kind)
        sizes[kind] += len(payload)
    return kinds, dict(sizes)


def open_once(browser, base: str, path: str) -> dict:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.add_init_script(RECORDER % {"figure": json.dumps(FIGURE)})
    payloads: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda data: payloads.append(
        data if isinstance(data, bytes) else data.encode())))
    page.goto(base + path)
    page.wait_for_selector(DONE, timeout=120_000)
    page.wait_for_function("window.__paint.figure !== null", timeout=120_000)
    data = page.evaluate("""() => ({
      paint: window.__paint,
      nav: performance.getEntriesByType('navigation')[0].toJSON(),
      fcp: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime ?? null,
      resources: performance.getEntriesByType('resource').map(r => ({name: r.name, type: r.initiatorType,
        start: r.startTime, end: r.responseEnd, bytes: r.encodedBodySize, decoded: r.decodedBodySize})),
    })""")
    context.close()
    kinds, sizes = message_kinds(payloads)
    stamps = data["paint"]["messages"]
    finished = next((stamps[i][0] for i, k in enumerate(kinds) if k == "script_finished" and i < len(stamps)),
                    None)
    first_delta = next((stamps[i][0] for i, k in enumerate(kinds)
                        if k not in ("new_session", "page_info_changed", "session_status_changed",
                                     "session_event", "page_profile") and i < len(stamps)), None)
    static = [r for r in data["resources"] if "/static/" in r["name"]]
    boot = [r for r in static if r["start"] < (data["paint"]["wsOpen"] or 0)]
    lazy = [r for r in static if r not in boot]
    return {
        "html": data["nav"]["responseEnd"],
        "boot js end": max((r["end"] for r in boot), default=0.0),
        "ws open": data["paint"]["wsOpen"],
        "first msg": stamps[0][0] if stamps else None,
        "first element": first_delta,
        "script done": finished,
        "figure": data["paint"]["figure"],
        "fcp": data["fcp"],
        "boot bytes": sum(r["decoded"] for r in boot),
        "lazy chunks": {pathlib.PurePath(urllib.parse.urlparse(r["name"]).path).name.split(".")[0]:
                        (round(r["decoded"] / 1e3), round(r["start"]), round(r["end"])) for r in lazy},
        "ws bytes": sizes,
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--path", action="append", help="a page path to open instead of the four pages")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pages = {p: p for p in args.path} if args.path else PAGES
    timings = pathlib.Path(tempfile.mkdtemp()) / "reruns.tsv"
    server, base = start_server(timings=timings)
    report = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
            for path in pages.values():  # warm the server: imports and caches
                open_once(browser, base, path)
            timings.write_text("")
            for name, path in pages.items():
                opens = [open_once(browser, base, path) for _ in range(args.repeat)]
                report[name] = {key: statistics.median(o[key] for o in opens) for key in opens[0]
                                if isinstance(opens[0][key], (int, float))}
                report[name]["lazy chunks"] = opens[-1]["lazy chunks"]
                report[name]["ws bytes"] = opens[-1]["ws bytes"]
                runs = [float(line.partition("\t")[0]) for line in timings.read_text().splitlines()]
                report[name]["server reruns (s)"] = [round(r, 3) for r in runs]
                timings.write_text("")
            browser.close()
    finally:
        stop_server(server)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    for name, row in report.items():
        print(f"== {name}")
        for key, value in row.items():
            if isinstance(value, float):
                print(f"  {key:14} {value:8.0f}")
            else:
                print(f"  {key:14} {value}")


if __name__ == "__main__":
    main()
