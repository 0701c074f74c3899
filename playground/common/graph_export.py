"""SVG and PNG of a graph, rendered on the server by Graphviz's ``dot``, for a teacher to download.

The pages draw their graphs in the browser (``st.graphviz_chart`` needs no ``dot``); a file to download
has to be rendered on the server, which needs the system Graphviz ``dot`` binary. The Dockerfile,
``packages.txt`` (Streamlit Community Cloud) and CI install it; a plain ``make run`` may not have it, and
then the page says so with ``why_no_export()`` instead of offering the download.

How a view uses it (``graph`` is what ``graph_dot`` / ``network_dot`` return)::

    from playground.common import graph_export

    st.graphviz_chart(graph)
    if graph_export.dot_available():
        # A callable is only run when the button is clicked, on its own thread, so a page rerun never
        # waits for dot. If it raises (GraphExportError: too big, too slow, dot failed) the download
        # fails; call graph_svg() eagerly inside try/except instead to show the reason.
        st.download_button("Download graph (SVG)", lambda: graph_export.graph_svg(graph),
                           "graph.svg", "image/svg+xml", on_click="ignore")
        st.download_button("Download graph (PNG)", lambda: graph_export.graph_png(graph),
                           "graph.png", "image/png", on_click="ignore")
    else:
        st.caption(graph_export.why_no_export())

The file is drawn exactly as the Digraph says, transparent background and palette included: for slides
or print, build the graph with ``palette.LIGHT`` (the dark palette's edges are pale, meant for a dark
page).

No Streamlit here (the layering test allows it only in views and shared panels). ``graphviz``'s own
``Digraph.pipe(format=...)`` has no timeout (graphviz 0.21), so ``dot`` is run here the same way, as
``dot -T<format>`` with the DOT source on stdin, under a timeout, a size limit, and a cap on how many
renders run at once, so one huge graph or a whole class clicking at once cannot tie up the server.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading

import graphviz

MAX_SOURCE_CHARS = 2_000_000  # DOT text; the largest graphs the pages can make are a few hundred kB
TIMEOUT_SECONDS = 20.0  # for one render, and for waiting for a free render slot
MAX_CONCURRENT = 2  # dot processes at once, server-wide (one per core here)
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}

_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


class GraphExportError(RuntimeError):
    """The graph could not be rendered; the message says why, in words for the page."""


def dot_path() -> str | None:
    """Where Graphviz's ``dot`` binary is, or None. Looked up once per PATH: every stepper and MLP run asks,
    and a search of the disk took 1-20 ms of a rerun."""
    return _which_dot(os.environ.get("PATH", ""))


@functools.lru_cache(maxsize=4)
def _which_dot(path: str) -> str | None:
    return shutil.which("dot", path=path)


def dot_available() -> bool:
    """Whether graphs can be exported as SVG / PNG here (the ``dot`` binary is installed)."""
    return dot_path() is not None


def why_no_export() -> str:
    """Why there is no download, and how to get one."""
    return ("Downloading a graph as SVG or PNG needs Graphviz's `dot` program on the server, and it is not "
            "installed. Install it with `sudo apt-get install graphviz` (Debian/Ubuntu) or "
            "`brew install graphviz` (macOS), then restart the app. The graph on the page does not need it.")


def render(digraph: graphviz.Digraph | graphviz.Source | str, format: str) -> bytes:
    """``digraph`` (a graphviz graph or DOT text) rendered by ``dot`` as ``format`` ("svg" or "png").

    Raises GraphExportError if ``dot`` is missing, the graph is too large, ``dot`` takes longer than
    TIMEOUT_SECONDS or fails."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, not {format!r}")
    source = digraph if isinstance(digraph, str) else digraph.source
    if len(source) > MAX_SOURCE_CHARS:
        raise GraphExportError(f"This graph is too large to export ({len(source):,} characters of DOT; "
                               f"the limit is {MAX_SOURCE_CHARS:,}).")
    dot = dot_path()
    if dot is None:
        raise GraphExportError(why_no_export())
    if not _slots.acquire(timeout=TIMEOUT_SECONDS):
        raise GraphExportError("The server is busy drawing other graphs; try again in a moment.")
    try:
        done = subprocess.run([dot, f"-T{format}"], input=source.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:  # subprocess.run has killed dot
        raise GraphExportError(f"Drawing this graph took longer than {TIMEOUT_SECONDS:g} s; "
                               "export a smaller one.") from None
    finally:
        _slots.release()
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        raise GraphExportError(f"Graphviz could not draw this graph (dot exited with {done.returncode}): {detail}")
    return done.stdout


def graph_svg(digraph: graphviz.Digraph | graphviz.Source | str) -> bytes:
    """The graph as an SVG file (UTF-8 bytes). Raises GraphExportError as ``render`` does."""
    return render(digraph, "svg")


def graph_png(digraph: graphviz.Digraph | graphviz.Source | str) -> bytes:
    """The graph as a PNG file. Raises GraphExportError as ``render`` does."""
    return render(digraph, "png")
