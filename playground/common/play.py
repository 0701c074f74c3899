"""Play on every page: a fragment that redraws itself on a timer while playing, and the Play / Pause button
that starts and stops it."""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st


def play_button(where, key: str, playing: bool, set_playing: Callable[[bool], None], **button_args) -> None:
    """Play, or Pause while playing. They are two widgets (``{key}_play``, ``{key}_pause``) and each only sets
    its own state, never toggles: while a timed fragment reruns, Streamlit (1.67) can deliver one press twice,
    in the timer's request and in the press's own, and a toggle would undo the press."""
    label = "Pause" if playing else "Play"
    where.button(label, key=f"{key}_{label.lower()}", on_click=set_playing, args=(not playing,), width="stretch",
                 icon=":material/pause:" if playing else ":material/play_arrow:", **button_args)


def timed_fragment(body: Callable[[], None], timer: Callable[[], tuple], tick: Callable[[], None],
                   every: float | None) -> None:
    """Draw ``body`` in a fragment that reruns every ``every`` seconds (None: only when a widget in it is
    used), calling ``tick`` first on each run while playing. ``timer()`` says what the timer was set up for,
    playing first (then speed, and whatever else needs the whole page redrawn): only a full run can start,
    stop or retime a fragment's timer, so the page reruns in full as soon as ``timer()`` changes."""
    set_up_for = timer()

    @functools.wraps(body)  # the fragment's id comes from the body's name, so each page keeps its own
    def run() -> None:
        if set_up_for[0] and timer()[0]:
            tick()
        if timer() != set_up_for:
            st.rerun()
        body()

    st.fragment(run, run_every=every if set_up_for[0] else None)()
