"""JavaScript that every page script driving an st.plotly_chart starts with: how it finds its chart. Pasted into
each script's own function (a page runs each script once, on its own). No Streamlit import."""

from __future__ import annotations

# ``charts(key)``: the Plotly charts drawn under st.plotly_chart key ``key`` (its element's class is st-key-<key>).
# ``whenDrawn(find, then)``: React draws a chart after the script that drives it has run, and plotly.js loads with
# the first chart, so ``find()`` is tried every 50 ms until plotly.js is there and ``find()`` returns what it looks
# for, which ``then`` gets. For 30 s at most: a cold page on a busy machine (CI) took longer than the 3-5 s tries
# once allowed (the graph's centring script gave up before its chart was drawn); a try is a selector, cheap.
# ``everyNewChart(keys, mark, wire)``: ``wire(gd)`` once for each chart under ``keys`` that React draws, now or later
# (a new figure from the server may come in a new element); ``mark`` is the property that says a chart is wired.
FIND_CHARTS = """
  const charts = key => [...document.querySelectorAll('.st-key-' + key + ' .js-plotly-plot')];
  const whenDrawn = (find, then, left = 600) => {
    const found = window.Plotly && find();
    if (found) then(found);
    else if (left > 0) setTimeout(() => whenDrawn(find, then, left - 1), 50);
  };
  const everyNewChart = (keys, mark, wire) => {
    const watch = () => {
      for (const gd of keys.flatMap(charts)) {
        if (gd[mark] || !gd.on) continue;
        gd[mark] = true;
        wire(gd);
      }
    };
    watch();
    new MutationObserver(watch).observe(document.body, {childList: true, subtree: true});
  };
"""
