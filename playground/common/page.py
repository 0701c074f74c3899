"""What every page shows around its own content: the header with the link's warnings, and the share panel
(a link that restores the exact state, with teacher options, and the same settings as JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlencode

import streamlit as st

from . import graph_export
from .teacher import TeacherView

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
MAX_JSON_CHARS = 20_000


_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)(?=[:.])")


def plain(text: str) -> str:
    """``text`` with every Markdown character escaped, so a value echoed from a link or a file is shown as
    it is and can never become a link, an image or formatting. A bare address (http://…, www.…) would still
    be made a link by the renderer, so an invisible word joiner goes after its scheme."""
    return _MARKDOWN.sub(r"\\\1", _AUTOLINK.sub("\\1\u2060", text))


def page_header(title: str, caption: str, link_warnings: list[str]) -> None:
    """The page's title and purpose, then a warning for each part of the opening link that was ignored."""
    st.title(title)
    st.caption(caption)
    for warning in link_warnings:
        st.warning(plain(warning), icon=":material/warning:")


def graph_downloads(key: str, make_graph: Callable[[], object] | None, name: str) -> None:
    """A "Download graph" menu with SVG and PNG files of ``make_graph()`` for slides (drawn by ``dot`` on the
    server, only when a button is pressed), or, where ``dot`` isn't installed, how to get it. None: no menu (a
    graph too big to draw)."""
    if make_graph is None:
        return
    with st.popover("Download graph", icon=":material/download:"):
        if not graph_export.dot_available():
            st.markdown(graph_export.why_no_export())
            return
        for fmt, render in (("svg", graph_export.graph_svg), ("png", graph_export.graph_png)):
            st.download_button(f"{fmt.upper()} file", lambda render=render: render(make_graph()), f"{name}.{fmt}",
                               graph_export.FORMATS[fmt], key=f"{key}_download_{fmt}", on_click="ignore",
                               width="stretch")


_SCROLL_TO_FILL = """<script>/* %(step)s */
(function attempt(left, done) {
  // The chart is drawn after this script runs, and may be drawn again when the page's width settles (a scroll
  // bar appearing), which puts it back at its left edge: for 15 s, centre the node again whenever the drawing or
  // its width is new, and never otherwise, so a learner's own sideways scroll is left alone.
  for (const chart of document.querySelectorAll('[data-testid="stGraphVizChart"]')) {
    const svg = chart.querySelector('svg');
    if (!svg || done.get(chart) === svg && chart.dataset.centredWidth === String(chart.scrollWidth)) continue;
    for (const shape of chart.querySelectorAll('g.node polygon, g.node ellipse')) {
      if ((shape.getAttribute('fill') || '').toLowerCase() !== '%(fill)s') continue;
      const box = chart.getBoundingClientRect(), node = shape.getBoundingClientRect();
      if (!node.width) continue;  // not laid out yet
      chart.scrollLeft += node.left + node.width / 2 - (box.left + box.width / 2);
      done.set(chart, svg);
      chart.dataset.centredWidth = String(chart.scrollWidth);
    }
  }
  if (left > 0) setTimeout(() => attempt(left - 1, done), 100);
})(150, new WeakMap());
</script>"""


def graph_chart(graph, current_fill: str, step: int, instead: str) -> None:
    """``graph`` at its natural size (wider than its column, it scrolls sideways), scrolled so that its node
    filled ``current_fill``, the one being explained, is in the middle of the view, again at each ``step`` (the
    script is the page's own, with no text from the user in it); or, with no graph (too big to draw), the
    sentence ``instead``."""
    if graph is None:
        st.info(instead, icon=":material/account_tree:")
        return
    st.graphviz_chart(graph, width="content")
    st.html(_SCROLL_TO_FILL % {"step": int(step), "fill": current_fill.lower()}, unsafe_allow_javascript=True)


def read_link(spec, can_hide: dict[str, str], can_lock: dict[str, str]):
    """The page state and teacher flags this session's URL asks for, and every warning about it.
    ``spec`` is the page's StateSpec."""
    query = st.query_params.to_dict()
    state, warnings = spec.from_query(query)
    view, more = TeacherView.from_query(query, can_hide, can_lock)
    return state, view, warnings + more


class JsonSettings(Protocol):
    """What the share panel needs to show settings as JSON and read them back: a page's StateSpec, or a
    file format built on one (the MLP lab's versioned configuration)."""

    def to_json(self, state) -> dict: ...

    def from_json(self, data) -> tuple[object, list[str]]: ...


def arriving(key: str) -> None:
    """Before page ``key`` runs: a link other than the one it last wrote to the URL (a Home lesson, the MLP lab's
    unroll, a surface point opened in the stepper) is read afresh, so the page drops its setup flag, which it
    sets once it has read a link. Coming with no link (the top navigation) keeps the page as it was."""
    query, written = st.query_params.to_dict(), f"{key}_link_written"
    if query and query != st.session_state.get(written):
        st.session_state.pop(f"{key}_ready", None)
        st.session_state[written] = query  # read once: a page that stops before it writes its URL isn't reset again


def share_panel(key: str, query: dict[str, str], view: TeacherView, can_hide: dict[str, str],
                can_lock: dict[str, str], note: str, settings: tuple[JsonSettings, object] | None = None,
                load: Callable[[object], None] | None = None) -> None:
    """Keep the URL in step with the page, and offer a link (optionally with hide/lock flags). With
    ``settings`` (the page's spec and state), the same settings also as JSON to copy, and a box to paste
    JSON settings into, loaded with ``load`` (the page's own loader) before the next run draws widgets."""
    if st.session_state.pop(f"{key}_json_loaded", False):
        st.rerun()  # settings pasted in a fragment: only a full run redraws the widgets outside it
    st.session_state[f"{key}_link_written"] = {**query, **view.to_query()}
    st.query_params.from_dict(st.session_state[f"{key}_link_written"])
    # A popover, not an expander: a closed expander still draws its contents, and st.code made every page's
    # browser fetch and run Streamlit's 1.5 MB syntax highlighter before the page's first figure (0.3-1.3 s of
    # the tab's main thread, profiled); a popover draws them only when opened.
    with st.popover("Share this page", icon=":material/link:"):
        c = st.columns(2)
        # A page opened locked is a class's: its link passes the teacher's choices on, and a student can't
        # lift them here (a teacher opens the page without lock= to change them).
        chosen = bool(view.locked)
        hide = c[0].multiselect("For the class, hide", list(can_hide), format_func=can_hide.get, key=f"{key}_hide",
                                default=sorted(view.hidden), disabled=chosen)
        lock = c[1].multiselect("…and lock", list(can_lock), format_func=can_lock.get, key=f"{key}_lock",
                                default=sorted(view.locked), disabled=chosen)
        if chosen:
            hide, lock = sorted(view.hidden), sorted(view.locked)
            st.caption("Your teacher chose what this link hides and locks; it stays that way for whoever opens it.")
        link_query = {**query, **TeacherView(frozenset(hide), frozenset(lock)).to_query()}
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link_query)}", language=None, wrap_lines=True)
        st.caption(note + " Hidden panels and locked controls apply to whoever opens the link.")
        if settings is not None:
            _json_settings(key, *settings, load, can_load=not view.locked)


def _json_settings(key: str, spec: JsonSettings, state, load, can_load: bool) -> None:
    st.markdown("**The same settings as JSON**")
    st.code(json.dumps(spec.to_json(state), indent=1), language="json", wrap_lines=True)
    if can_load:
        st.text_area("Paste JSON settings to load them", key=f"{key}_json_text", height=100,
                     max_chars=MAX_JSON_CHARS)
        st.button("Load these settings", key=f"{key}_json_load", on_click=_load_json,
                  args=(key, spec, load or (lambda s: spec.to_session(s, st.session_state))))
    for message in st.session_state.pop(f"{key}_json_messages", []):
        (st.success if message.startswith("Loaded") else st.warning)(plain(message))


def _load_json(key: str, spec: JsonSettings, load) -> None:
    text = st.session_state.get(f"{key}_json_text") or ""
    try:
        state, warnings = spec.from_json(json.loads(text))
    except json.JSONDecodeError as e:  # in words, not Python's "Expecting value: line 1 column 1 (char 0)"
        st.session_state[f"{key}_json_messages"] = [
            "Those settings can't be loaded: the box is empty. Paste the JSON from a Share panel, then load it."
            if not text.strip() else f"Those settings can't be loaded: they are not JSON ({e.msg.lower()} at line "
            f"{e.lineno}, column {e.colno})."]
        return
    except (ValueError, RecursionError) as e:
        st.session_state[f"{key}_json_messages"] = [f"Those settings can't be loaded: {e}"]
        return
    load(state)
    st.session_state[f"{key}_json_loaded"] = True
    st.session_state[f"{key}_json_messages"] = ["Loaded the settings." + (" Some were ignored:" if warnings
                                                                          else ""), *warnings]
