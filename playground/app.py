"""gradlab: the router. Each feature is a folder of playground/ (view, state, model, figures); this file only
lists their pages."""

import pathlib
import sys

import streamlit as st

# `streamlit run playground/app.py` puts playground/ on sys.path, not the project root.
ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from playground.common.page import arriving  # noqa: E402 (the root must be on sys.path first)
from playground.mlp.state import MLP_SPEC  # noqa: E402
from playground.stepper.state import STEPPER_SPEC  # noqa: E402
from playground.surfaces.state import SURFACES_SPEC  # noqa: E402

st.set_page_config(page_title="gradlab — backprop playground", page_icon="🧮", layout="wide",
                   initial_sidebar_state="collapsed")

# Pages are <feature>/view.py, never a pages/ folder: until this router has run once on a fresh server,
# Streamlit treats a pages/ folder as an old-style multipage app, so a deep link opened there first got the
# old sidebar, no layout, or a spurious "Page not found" (streamlit#8860).
HERE = ROOT / "playground"
PAGES = [
    st.Page(str(HERE / "home" / "view.py"), title="Home and lessons", icon=":material/school:", default=True),
    st.Page(str(HERE / "stepper" / "view.py"), title="Backprop stepper", icon=":material/account_tree:",
            url_path="stepper"),
    st.Page(str(HERE / "surfaces" / "view.py"), title="Optimizer & loss-surface lab", icon=":material/landscape:",
            url_path="surfaces"),
    st.Page(str(HERE / "mlp" / "view.py"), title="MLP lab", icon=":material/hub:", url_path="mlp"),
]
# st.graphviz_chart sets every graph text to 9.6 px, over the point sizes Graphviz laid the boxes out for: a
# node's name, value and gradient then sit small in boxes sized for them. Each size is put back.
GRAPH_TEXT_SIZES = "\n".join(f"[data-testid='stGraphVizChart'] svg text[font-size='{pt}.00'] {{ font-size: {pt}px "
                              "!important; }" for pt in range(8, 25))
# Less empty space above each page's title, so a stepper's controls, graph and ledger fit a laptop screen; and
# graphs keep their natural size (text never shrinks below what Graphviz laid out) and scroll sideways instead.
st.html("""<style>
[data-testid='stMainBlockContainer'] { padding-top: 3.5rem; }
h1 { font-size: 2.25rem !important; padding: 0.25rem 0 0.5rem !important; }
[data-testid='stAlertContainer'] { padding: 0.6rem 1rem !important; }
[data-testid='stGraphVizChart'] { overflow-x: auto; }
[data-testid='stGraphVizChart'] svg { width: auto !important; height: auto !important; max-width: none !important; }
</style>""" + f"<style>{GRAPH_TEXT_SIZES}</style>")
for spec in (STEPPER_SPEC, SURFACES_SPEC, MLP_SPEC):  # a page left and come back to finds its settings
    spec.survive_page_switch(st.session_state)
page = st.navigation(PAGES, position="top")
if page.url_path:  # home has no state of its own
    arriving(page.url_path)
page.run()
