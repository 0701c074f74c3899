"""Home: the classic circuit, already solved, then the course in order, each lesson opening the right
page on the right example."""

import base64
import html
from dataclasses import replace

import streamlit as st

from playground.common import graph_export
from playground.common.palette import for_theme
from playground.common.presets import load_presets
from playground.stepper.graph_figure import graph_dot
from playground.stepper.ledger import graph_in_words
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
solved = replace(walk.view(walk.total_steps), current=None)  # every number shown, no "now" marker


@st.cache_data(show_spinner=False)
def hero_html(theme: str | None) -> str:
    """The solved circuit drawn by Graphviz on the server, twice: left to right for a laptop, top to bottom for a
    phone (left to right it is 670 px wide, cut off on a 390 px screen), CSS showing the one that fits. Drawn
    here, it needs no graph renderer in the browser, so the page paints sooner."""
    wide, tall = graph_dot(walk, solved, for_theme(theme)), graph_dot(walk, solved, for_theme(theme))
    tall.graph_attr.update(rankdir="TB", ranksep="0.45", nodesep="0.2")
    words = html.escape(graph_in_words(walk, solved).replace("\n- ", "; "), quote=True)  # what a screen reader says
    # an <img> of the SVG: st.html's sanitiser keeps images but strips inline SVG
    return HERO_CSS + "".join(f'<img class="hero-{kind}" alt="{words}" src="data:image/svg+xml;base64,'
                              f'{base64.b64encode(graph_export.graph_svg(g)).decode()}">'
                              for kind, g in (("wide", wide), ("tall", tall)))


HERO_CSS = """<style>
.hero-tall { display: none; }
.hero-wide, .hero-tall { max-width: 100%; height: auto; }
@media (max-width: 640px) { .hero-wide { display: none; } .hero-tall { display: block; } }
</style>"""
graph_col, text_col = st.columns([1.7, 1], gap="large", vertical_alignment="center")  # the graph at full size
with graph_col:
    if graph_export.dot_available():
        st.html(hero_html(st.context.theme.type))
    else:  # drawn in the browser instead, at its natural size (it scrolls sideways on a phone)
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
