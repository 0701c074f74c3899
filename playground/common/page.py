"""The share panel every page shows: a link that restores the exact state, with teacher options."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from .teacher import TeacherView


def page_header(title: str, caption: str, link_warnings: list[str]) -> None:
    """The page's title and purpose, then a warning for each part of the opening link that was ignored."""
    st.title(title)
    st.caption(caption)
    for warning in link_warnings:
        st.warning(warning, icon=":material/warning:")


def read_link(state_class, can_hide: dict[str, str], can_lock: dict[str, str]):
    """The page state and teacher flags this session's URL asks for, and every warning about it."""
    query = st.query_params.to_dict()
    state, warnings = state_class.from_query(query)
    view, more = TeacherView.from_query(query, can_hide, can_lock)
    return state, view, warnings + more


def share_panel(key: str, query: dict[str, str], view: TeacherView, can_hide: dict[str, str],
                can_lock: dict[str, str], note: str) -> None:
    """Keep the URL in step with the page, and offer a link (optionally with hide/lock flags)."""
    st.query_params.from_dict({**query, **view.to_query()})
    with st.expander("Share this page", icon=":material/link:"):
        c = st.columns(2)
        hide = c[0].multiselect("For the class, hide", list(can_hide), format_func=can_hide.get, key=f"{key}_hide",
                                default=sorted(view.hidden))
        lock = c[1].multiselect("…and lock", list(can_lock), format_func=can_lock.get, key=f"{key}_lock",
                                default=sorted(view.locked))
        link_query = {**query, **TeacherView(frozenset(hide), frozenset(lock)).to_query()}
        base = (st.context.url or "").split("?")[0]
        st.code(f"{base}?{urlencode(link_query)}", language=None, wrap_lines=True)
        st.caption(note + " Hidden panels and locked controls apply to whoever opens the link.")
