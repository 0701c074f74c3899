"""Home: the classic circuit, already solved, then the course in order, each lesson opening the right
page on the right example."""

from dataclasses import replace

import streamlit as st

from playground.common.palette import for_theme
from playground.common.presets import load_presets
from playground.stepper.graph_figure import graph_dot
from playground.stepper.state import STEPPER_SPEC, StepperState
from playground.stepper.walkthrough import build_walkthrough

PAGES = {"stepper": "stepper/view.py", "surfaces": "surfaces/view.py", "mlp": "mlp/view.py"}
ICONS = {"stepper": ":material/account_tree:", "surfaces": ":material/landscape:", "mlp": ":material/hub:"}

# Before this page was home, the stepper lived at "/": a link from then carries the stepper's state. Other
# parameters (utm_source=… from a course page) leave home where it is.
if set(st.query_params) & ({k for f in STEPPER_SPEC.fields for k in (f.key, *f.aliases)} | {"hide", "lock"}):
    st.switch_page(PAGES["stepper"], query_params=st.query_params.to_dict())

st.title("gradlab")
st.caption("A playground for computational graphs and backpropagation: type an expression and watch every node "
           "receive its upstream gradient, apply its local gradient and send the downstream gradient on; then "
           "train a small network and see why it learns, or doesn't. Teachers: every page has a Share panel for "
           "links to send, with panels hidden or controls locked for the class.")

example = StepperState()
walk = build_walkthrough(example.expr, example.values, example.output_grad)
graph_col, text_col = st.columns([1.7, 1], gap="large", vertical_alignment="center")  # the graph at full size
with graph_col:
    solved = replace(walk.view(walk.total_steps), current=None)  # every number shown, no "now" marker
    st.graphviz_chart(graph_dot(walk, solved, for_theme(st.context.theme.type)), width="content")
with text_col:
    st.subheader(f"Start here: {example.expr}")
    x, y, z = (example.values[n] for n in "xyz")
    st.markdown(f"With x = {x}, y = {y}, z = {z} the output is **{walk.root.value:g}**. Each blue number is a "
                "forward value, each orange one the gradient of the output with respect to that node. Where do "
                "they come from? Step through it: forward, then backward, one node at a time.")
    st.page_link(PAGES["stepper"], label="Step through the circuit", icon=ICONS["stepper"],
                 query_params=STEPPER_SPEC.to_query(example))

st.header("Lessons")
st.caption("A path from one gate to a trained network. Each link opens a page on its example; everything stays "
           "editable.")
for section in load_presets("lessons"):
    st.subheader(section["section"])
    cols = st.columns(3)  # at most three cards a row, so a lesson's title is never cut off
    for i, lesson in enumerate(section["lessons"]):
        with cols[i % 3].container(border=True):
            st.page_link(PAGES[lesson["page"]], label=lesson["title"], icon=ICONS[lesson["page"]],
                         query_params=lesson["query"])
            st.caption(lesson["text"])
