"""Play on every page: a fragment that redraws itself on a timer while playing, and the Play / Pause button
that starts and stops it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import streamlit as st

from playground.common.chart_script import FIND_CHARTS


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


# Runs in the page itself (st.html with its JavaScript allowed); the keys and the batch are the page's own, no text
# from the user. The charts are drawn after the script runs, by React: it waits for the ones carrying this batch.
# Each frame is drawn with Plotly.react, not Plotly.animate: an animation removes every trace it can't tween (a
# heatmap, a contour) until the frame's redraw, so the map blinked (plotly.js#4491, plotly.py#2151). Frames are due
# on the clock: a browser that draws slower skips some and still ends the batch in time for the next one.
# (gd._transitionData._frames is where plotly.js keeps a figure's frames: it has no public getter.)
_PLAY_IN_BROWSER = """<script>/* batch %(batch)s */
(function () {%(find)s
  whenDrawn(() => {
    const found = %(keys)s.map(key => charts(key).find(
      gd => gd.layout && gd.layout.meta && gd.layout.meta.batch === %(batch)s));  // not a chart kept from the last run
    return found.every(Boolean) && found;
  }, play);
  function play(found) {
    for (const gd of found) {
      const frames = gd._transitionData._frames, every = gd.layout.meta.every, start = performance.now();
      let shown = -1;
      (function next() {
        if (!gd.isConnected) return;  // the next batch's chart has replaced this one
        const due = Math.min(frames.length - 1, Math.floor((performance.now() - start) / every) - 1);
        if (due > shown) {
          shown = due;
          const data = gd.data.slice();
          frames[due].traces.forEach((t, i) => { data[t] = Object.assign({}, data[t], frames[due].data[i]); });
          window.Plotly.react(gd, data, gd.layout);
        }
        if (shown < frames.length - 1) setTimeout(next, Math.max(0, start + (shown + 2) * every - performance.now()));
      })();
    }
  }
})();
</script>"""


def play_in_browser(keys: tuple[str, ...], batch: str) -> None:
    """Play the animation frames of the charts under ``keys`` (st.plotly_chart keys) as soon as the browser has
    drawn them: each chart's ``layout.meta`` names the ``batch`` it plays and ``every``, the milliseconds between
    two frames. One script per batch: a new ``batch`` makes a new script, which the browser runs (the same one
    again would not run)."""
    script = _PLAY_IN_BROWSER % {"batch": json.dumps(str(batch)), "keys": json.dumps(list(keys)), "find": FIND_CHARTS}
    st.html(script, unsafe_allow_javascript=True)
