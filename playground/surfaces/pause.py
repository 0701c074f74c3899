"""Pause on the contour map hands the iteration it stopped at to the page: the map plays in the browser (Plotly
frames, no server round trip per frame), so without this the map stood at iteration 74 while "Iteration shown", the
inspector and the link stayed at 100. A script in the page answers the map's ❚❚ Pause by sending the iteration its
label shows as a selection of the chart, with curve number PAUSED (no trace has it), which the page reads as it reads
a click on the map (controls.start_from_click). No Streamlit import.
"""

from __future__ import annotations

import json

from playground.common.chart_script import FIND_CHARTS

from .figures import PAUSE_ID
from .fit import fit_maps_script

PAUSED = -1  # the curve number of the selection that says "paused at iteration x"

# Runs in the page itself (st.html with its JavaScript allowed); the key is the page's own, the label the figure's own
# annotation ("iteration k", figures.map_iteration_label), no text from the user. One watcher per page: it wires each
# map chart React draws (a new figure from the server may come in a new element). The count makes every pause a new
# selection: Streamlit drops one equal to the last (paused at 74 twice, with the slider moved between).
_PAUSE_IN_BROWSER = """<script>/* pause hands back the iteration: %(key)s */
(function () {%(find)s
  if (window.__gradlabHandsBackPause) return;
  window.__gradlabHandsBackPause = true;
  let count = 0;
  everyNewChart([%(key)s], '_handsBackPause', gd => {
    gd.on('plotly_buttonclicked', e => {
      if (!e || !e.button || e.button.name !== %(pause)s) return;
      setTimeout(() => {  // after the button's own animate call has stopped the frames
        const label = ((gd.layout || {}).annotations || []).find(a => a.name === 'iteration');
        const k = label ? parseInt(String(label.text).replace(/^iteration /, ''), 10) : NaN;
        if (!Number.isInteger(k)) return;
        count += 1;
        gd.emit('plotly_selected', {points: [{x: k, y: 0, curveNumber: %(paused)s, pointNumber: count,
                                              pointIndex: 0}]});
      });
    });
  });
})();
</script>"""


def pause_script(key: str) -> str:
    """The page script that makes ❚❚ Pause on chart ``key`` (the contour map's st.plotly_chart key) select the
    iteration the map stopped at."""
    return _PAUSE_IN_BROWSER % {"key": json.dumps(key), "pause": json.dumps(PAUSE_ID), "paused": PAUSED,
                                "find": FIND_CHARTS}


def map_scripts(maps: tuple[str, ...], paused: str) -> str:
    """Every script the lab's maps need: fitting ``maps`` to their width, and Pause on the map ``paused``."""
    return fit_maps_script(maps) + pause_script(paused)
