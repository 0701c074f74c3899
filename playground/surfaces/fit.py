"""A map drawn to scale fills its figure at any width: the server sets a figure's height for a laptop's width
(it can't know the browser's), and on a phone the map, as wide as the screen, came out short, with an empty band
under it before its Play / Pause row. A script in the page shrinks each such figure, once drawn, to the height its
map needs at the width it got (never taller than the server's height). On a phone (a figure narrower than NARROW
px) it also hides Plotly's toolbar, which sat on the legend's entries there (the map still pans with a finger, and a
double tap resets it). No Streamlit import.
"""

from __future__ import annotations

import json

from playground.common.chart_script import FIND_CHARTS

# Runs in the page itself (st.html with its JavaScript allowed); the chart keys are the page's own. It watches the
# page for map charts (React draws and redraws them after the script runs) and fits each one after every drawing
# of it (plotly_afterplot): a new width, or a new figure from the server, which comes at the server's height again.
# gd._fullLayout._size (the plot area after margins) and the axes' _length are plotly.js internals with no public
# getter; a map is to scale when its y axis is anchored to x.
_FIT_IN_BROWSER = """<script>/* fit maps %(keys)s */
(function () {%(find)s
  if (window.__gradlabFitsMaps) return;  // one watcher per page, however often this script is drawn
  window.__gradlabFitsMaps = true;
  const keys = %(keys)s;
  const style = document.createElement('style');
  style.textContent = '.gradlab-narrow .modebar-container { display: none !important; }';
  document.head.appendChild(style);
  function fit(gd) {
    const L = gd._fullLayout;
    if (L && L.width) gd.classList.toggle('gradlab-narrow', L.width < %(narrow)s);
    if (!L || !L.yaxis || L.yaxis.scaleanchor !== 'x' || !window.Plotly) return;
    if (L.height !== gd._fittedHeight) gd._serverHeight = L.height;  // a figure (or a height) from the server
    if (L.height !== gd._fittedHeight || L.width !== gd._fittedWidth) gd._fits = 0;  // or a new width
    // shrink by the empty band under a map as wide as its plot (a narrower map, height-limited, has none)
    const height = Math.round(L.height - (L._size.h - L.yaxis._length));
    // a few fits per width at most: margins that change with the height must not make it hunt for ever
    if (Math.abs(height - L.height) < 2 || gd._fits > 3) return;
    gd._fits += 1;
    gd._fittedHeight = height;
    gd._fittedWidth = L.width;
    window.Plotly.relayout(gd, {height: height});
    // Streamlit sized the chart's element (its flex basis) and the chart's frame for the server's height
    const px = height === gd._serverHeight ? '' : height + 'px';
    const box = gd.closest('.stElementContainer'), frame = gd.closest('[data-testid=stPlotlyChart]');
    if (box) Object.assign(box.style, {height: px, flexBasis: px});
    if (frame) frame.style.height = px;
  }
  everyNewChart(keys, '_fitsItsMap', gd => {
    gd.on('plotly_afterplot', () => setTimeout(() => fit(gd)));  // not inside the drawing that called it
    fit(gd);
  });
})();
</script>"""


NARROW = 600  # px: in a figure narrower than this the toolbar ran into the legend


def fit_maps_script(keys: tuple[str, ...]) -> str:
    """The page script that fits the maps of the charts under ``keys`` (st.plotly_chart keys) to their width."""
    return _FIT_IN_BROWSER % {"keys": json.dumps(list(keys)), "narrow": NARROW, "find": FIND_CHARTS}
