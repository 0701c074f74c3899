"""The stepper's Play in the browser: the frames the server draws ahead (graph as SVG, and the step's text)."""

import re
import xml.etree.ElementTree as ET

import pytest

from playground.common import graph_export
from playground.common.palette import DARK, LIGHT
from playground.stepper import ledger, player
from playground.stepper.graph_figure import MAX_NEIGHBOURS
from playground.stepper.walkthrough import build_walkthrough

pytestmark = pytest.mark.skipif(not graph_export.dot_available(), reason="the frames are drawn by Graphviz's dot")

CLASSIC = ("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"})  # the course: f = -12, ∂f/∂x = ∂f/∂y = -4, ∂f/∂z = 3
LARGE = "+".join(f"tanh(w{i}*x{i})" for i in range(8))  # 41 nodes


def svg_texts(svg: str) -> list[str]:
    """Every piece of text the SVG draws."""
    return [t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]


def fills(svg: str) -> set[str]:
    return {e.get("fill", "").lower() for e in ET.fromstring(svg).iter() if e.tag.endswith(("polygon", "ellipse"))}


def test_a_batch_runs_from_the_step_on_the_screen_to_the_end():
    walk = build_walkthrough(*CLASSIC)
    frames = player.batch(walk, 2, "learn", {}, LIGHT)
    assert frames["ends"] == "end"
    assert [f["step"] for f in frames["frames"]] == [2, 3, 4, 5, 6, 7]
    assert [f["title"] for f in frames["frames"]][:2] == ["Step 2 / 7", "Step 3 / 7"]
    assert [f["phase"] for f in frames["frames"]][:2] == ["forward pass", "backward pass"]
    assert frames["frames"][-1]["phase"] == "done"


def test_each_frame_says_upstream_times_local_with_the_numbers_that_multiply_out():
    walk = build_walkthrough(*CLASSIC)
    text = {f["step"]: f["text"] for f in player.batch(walk, 0, "learn", {}, LIGHT)["frames"]}
    assert text[2] == "Forward · q₂, the × node computes its value: -12"  # q₂ = 3 × -4
    assert "∂L/∂q₁: downstream = upstream × local = 1 × -4 = -4" in text[3]
    assert "∂L/∂z: downstream = upstream × local = 1 × 3 = 3" in text[3]
    assert "∂L/∂x: downstream = upstream × local = -4 × 1 = -4" in text[4]
    assert "∂L/∂y: downstream = upstream × local = -4 × 1 = -4" in text[4]


def test_each_frame_draws_the_pages_graph_at_its_step_in_the_themes_colours():
    walk = build_walkthrough(*CLASSIC)
    frame = player.batch(walk, 3, "learn", {}, LIGHT)["frames"][0]  # the × node's backward step
    drawn = " ".join(svg_texts(frame["svg"]))
    assert "▶ now" in drawn and "grad 1" in drawn and "local -4, 3" in drawn
    assert LIGHT.current.lower() in fills(frame["svg"])
    dark = player.batch(walk, 3, "learn", {}, DARK)["frames"][0]["svg"]
    assert DARK.edge.lower() in dark.lower() and DARK.edge.lower() not in frame["svg"].lower()


def test_the_player_scrolls_to_the_node_filled_as_the_current_one():
    walk = build_walkthrough(*CLASSIC)
    frames = player.batch(walk, 0, "learn", {}, LIGHT)
    start, first = frames["frames"][:2]  # nothing is current before the first step
    assert frames["fill"] not in fills(start["svg"]) and frames["fill"] in fills(first["svg"])


def test_play_stops_at_a_quiz_question_and_no_frame_shows_its_answer():
    walk = build_walkthrough("x * y", {"x": "2", "y": "3"}, 5.0)  # the answers: ∂L/∂x = 5 × 3 = 15, ∂L/∂y = 10
    frames = player.batch(walk, 0, "quiz", {}, LIGHT)
    assert frames["ends"] == "question" and [f["step"] for f in frames["frames"]] == [0, 1, 2]
    for f in frames["frames"]:
        for text in [f["text"], *svg_texts(f["svg"])]:
            assert not re.search(r"\b(15|10)\b", text), (f["step"], text)
    assert "Your turn" in frames["frames"][-1]["text"]
    # answered, the question no longer stops Play, and its frame shows the answer (the check above can see it)
    answered = player.batch(walk, 0, "quiz", {2: "answered"}, LIGHT)
    assert answered["ends"] == "end"
    assert "5 × 3 = 15" in answered["frames"][2]["text"]
    assert "grad 15" in svg_texts(answered["frames"][2]["svg"])


def test_a_batch_of_a_big_graph_holds_fewer_frames_and_the_next_goes_on_from_where_it_is():
    walk = build_walkthrough(LARGE, {})
    per_batch = player.MAX_NODES_DRAWN // len(walk.order)
    first = player.batch(walk, 0, "learn", {}, LIGHT)
    assert first["ends"] == "batch" and len(first["frames"]) == per_batch + 1 < player.MAX_FRAMES
    then = player.batch(walk, 8, "learn", {}, LIGHT)  # asked for half way through, at step 8
    assert [f["step"] for f in then["frames"]] == list(range(8, 8 + per_batch + 1))


def test_the_player_gets_the_speed_and_the_controls_it_answers():
    walk = build_walkthrough(*CLASSIC)
    data = player.player_data(player.batch(walk, 0, "learn", {}, LIGHT), 3, player.SPEEDS["fast"])
    assert data["every"] == 400 and data["play"] == 3
    assert set(data["controls"]) == {"pause", "back", "next"} and set(data["keys"].values()) <= {"back", "next"}


def test_split_svgs_keeps_each_graph_dot_wrote():
    two = graph_export.graph_svg("digraph A { a -> b }\ndigraph B { c }").decode()
    svgs = player.split_svgs(two)
    assert len(svgs) == 2 and all(s.startswith("<svg") and s.endswith("</svg>") for s in svgs)
    assert svg_texts(svgs[1]) == ["c"]


def test_a_graph_too_big_to_draw_whole_plays_its_current_nodes_neighbourhood_many_frames_a_batch():
    walk = build_walkthrough("+".join(f"x{i}*w{i}" for i in range(60)), {})
    assert len(walk.order) > ledger.MAX_DRAWN_NODES
    frames = player.batch(walk, 0, "learn", {}, LIGHT)["frames"]
    assert len(frames) > 20  # a batch of neighbourhoods, not the 4 frames a whole graph of 150 nodes gets
    for f in frames:
        nodes = [g for g in ET.fromstring(f["svg"]).iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
        assert 0 < len(nodes) <= 1 + 2 * MAX_NEIGHBOURS
