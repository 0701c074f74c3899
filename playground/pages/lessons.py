"""Lessons: the course in order, each opening the right page on the right example."""

import streamlit as st

from playground.presets import load_presets

PAGES = {"stepper": "pages/stepper.py", "surfaces": "pages/surface_lab.py", "mlp": "pages/mlp_lab.py"}
ICONS = {"stepper": ":material/account_tree:", "surfaces": ":material/landscape:", "mlp": ":material/hub:"}

st.title("Lessons")
st.caption("A path through backpropagation, from one gate to a trained network. Each link opens a page on its "
           "example; everything stays editable. Teachers: every page has a Share panel for links to send.")
for section in load_presets("lessons"):
    st.subheader(section["section"])
    cols = st.columns(len(section["lessons"]))
    for col, lesson in zip(cols, section["lessons"], strict=True):
        with col.container(border=True):
            st.page_link(PAGES[lesson["page"]], label=lesson["title"], icon=ICONS[lesson["page"]],
                         query_params=lesson["query"])
            st.caption(lesson["text"])
