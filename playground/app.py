"""gradlab: the router. Each page is a short file under views/; all logic lives outside them."""

import pathlib
import sys

import streamlit as st

# `streamlit run playground/app.py` puts playground/ on sys.path, not the project root.
ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

st.set_page_config(page_title="gradlab — backprop playground", page_icon="🧮", layout="wide",
                   initial_sidebar_state="collapsed")

# The pages live in views/, not pages/: until this router has run once on a fresh server, Streamlit
# treats a pages/ folder as an old-style multipage app, so a deep link opened there first got the
# old sidebar, no layout, or a spurious "Page not found" (streamlit#8860). Files are named as their paths.
PAGES = [
    st.Page(str(ROOT / "playground" / "views" / "home.py"), title="Home and lessons", icon=":material/school:",
            default=True),
    st.Page(str(ROOT / "playground" / "views" / "stepper.py"), title="Backprop stepper",
            icon=":material/account_tree:", url_path="stepper"),
    st.Page(str(ROOT / "playground" / "views" / "surfaces.py"), title="Optimizer & loss-surface lab",
            icon=":material/landscape:", url_path="surfaces"),
    st.Page(str(ROOT / "playground" / "views" / "mlp.py"), title="MLP lab", icon=":material/hub:",
            url_path="mlp"),
]
st.navigation(PAGES, position="top").run()
