"""Graphs through the real Graphviz `dot`: hostile label text still gives valid DOT drawn literally, and
SVG / PNG export works for the stepper's graph and the MLP's network, with its guards and its fallback.

Tests that need `dot` skip without it, and fail instead when GRADLAB_REQUIRE_DOT is set (CI sets it)."""

from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import types

import numpy as np
import pytest

from playground.common import graph_export
from playground.common.palette import DARK
from playground.mlp.lab import build_trainer, load_data, neuron_gradients
from playground.mlp.network_figure import network_dot
from playground.mlp.state import MLPState
from playground.stepper.graph_figure import graph_dot
from playground.stepper.walkthrough import build_walkthrough

SVG_START, PNG_MAGIC = b"<?xml", b"\x89PNG\r\n\x1a\n"
# Everything DOT or HTML-like labels give a meaning to: quotes, escapes, markup, entities, statement ends.
HOSTILE = ['say "hi"', "a < b > c & d", "back\\slash", "ends in a backslash\\", "\\n \\l \\N \\G",
           "line one\nline two", "<b>bold?</b>", "<TD>]]; } digraph { x", "&amp; &#45; &lt;", "\"; x -> y; \""]


@pytest.fixture(scope="module")
def dot() -> str:
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("GRADLAB_REQUIRE_DOT", "") not in ("", "0"):
            pytest.fail("GRADLAB_REQUIRE_DOT is set but Graphviz's dot is not installed (apt-get install graphviz)")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    return path


def dot_svg(dot: str, source: str) -> str:
    """``source`` drawn by the real dot, which must accept it without an error."""
    done = subprocess.run([dot, "-Tsvg"], input=source.encode(), capture_output=True, timeout=60)
    errors = done.stderr.decode()
    assert done.returncode == 0 and "Error" not in errors, f"dot rejected the DOT: {errors}\n{source}"
    return done.stdout.decode()


def svg_texts(svg: str) -> str:
    """All text drawn in an SVG, entities decoded (one line per <text> element)."""
    return "\n".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def drawn(text: str) -> list[str]:
    """The pieces of ``text`` that must show up literally (Graphviz breaks lines at a newline; HTML-like
    labels fold whitespace)."""
    return [part.strip() for part in text.split("\n") if part.strip()]


# --- hostile text in labels ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_a_stepper_graph_is_valid_dot_and_drawn_literally(dot, text):
    walk = build_walkthrough("log(x) * y", {"x": "-1", "y": "2"})
    (flagged, _), = walk.issues
    flagged.issue = text  # the reason shown on a NaN node
    for node in walk.order:
        if node.kind == "var":
            node.label = text  # names come from the parser, but the figure must not rely on it
    source = graph_dot(walk, walk.view(walk.total_steps)).source
    shown = svg_texts(dot_svg(dot, source))
    for part in drawn(text):
        assert part in shown, (part, shown)
    assert shown.count("⚠") == 1  # the issue is still drawn on its node


def stub_trainer(features: tuple[str, ...]):
    """What network_dot reads from a trainer: sizes, feature names, weights (some NaN / inf)."""
    layer = lambda w: types.SimpleNamespace(weight=types.SimpleNamespace(value=np.array(w, dtype=float)))
    cfg = types.SimpleNamespace(net=types.SimpleNamespace(sizes=(len(features), 2, 1)), features=features)
    weights = [[1.0, -2.0]] + [[np.nan, np.inf]] * (len(features) - 1)
    return types.SimpleNamespace(cfg=cfg, model=types.SimpleNamespace(layers=[layer(weights), layer([[0.5], [-0.5]])]))


@pytest.mark.parametrize("selected", [None, (0, 0), (1, 1)])
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_feature_names_in_an_mlp_network_are_valid_dot_and_drawn_literally(dot, text, selected):
    info = {"upstream": 1.5, "local": np.nan, "downstream": -np.inf}
    source = network_dot(stub_trainer((text, "x2")), selected, info).source
    svg = dot_svg(dot, source)
    shown = svg_texts(svg)
    for part in drawn(text):
        assert part in shown, (part, shown)
    if selected == (1, 1):  # a hidden neuron: its numbers are its tooltip (the caption beside says them too)
        assert "local NaN" in html.unescape(svg) and "down -inf" in html.unescape(svg)


# --- export -------------------------------------------------------------------------------------------

def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def classic_graph(pal=None):
    walk = build_walkthrough("(x + y) * z", {"x": "-2", "y": "5", "z": "-4"})
    return graph_dot(walk, walk.view(4), *([pal] if pal else []))


def small_network():
    state = MLPState(hidden=(3,), activations=("tanh",))
    trainer = build_trainer(state, load_data(state))
    trainer.step()
    return network_dot(trainer, (1, 2), neuron_gradients(trainer, 1, 2))


@pytest.mark.parametrize("make,expected", [(classic_graph, "grad -4"), (lambda: classic_graph(DARK), "grad -4"),
                                           (small_network, "1.3")], ids=["stepper", "stepper-dark", "mlp"])
def test_graphs_export_as_svg_and_png(dot, make, expected):
    graph = make()
    assert graph_export.dot_available()
    svg = graph_export.graph_svg(graph)
    assert svg.startswith(SVG_START) and b"<svg" in svg[:1000] and svg.rstrip().endswith(b"</svg>")
    assert expected in svg_texts(svg.decode())
    width, height = png_size(graph_export.graph_png(graph))
    assert 50 < width < 5000 and 50 < height < 5000


def test_a_dot_error_is_reported_in_words(dot):
    with pytest.raises(graph_export.GraphExportError, match="could not draw.*syntax error"):
        graph_export.graph_svg("digraph { a -> }")


def test_without_dot_the_page_is_told_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no dot on the PATH
    assert not graph_export.dot_available()
    why = graph_export.why_no_export()
    assert "apt-get install graphviz" in why and "brew install graphviz" in why
    with pytest.raises(graph_export.GraphExportError) as raised:
        graph_export.graph_png(classic_graph())
    assert str(raised.value) == why


def fake_dot(folder, script: str) -> None:
    path = folder / "dot"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)


def test_a_slow_render_is_stopped_and_frees_its_slot(tmp_path, monkeypatch):
    fake_dot(tmp_path, "exec sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(graph_export, "TIMEOUT_SECONDS", 0.3)
    for _ in range(graph_export.MAX_CONCURRENT + 1):  # more than the slots: each timeout gave its slot back
        with pytest.raises(graph_export.GraphExportError, match="longer than 0.3 s"):
            graph_export.graph_svg(classic_graph())
    fake_dot(tmp_path, "cat >/dev/null; printf '<?xml ok'")
    assert graph_export.graph_svg(classic_graph()) == b"<?xml ok"


def test_a_huge_graph_is_refused_before_dot_runs(tmp_path, monkeypatch):
    fake_dot(tmp_path, f"touch {tmp_path}/ran")
    monkeypatch.setenv("PATH", str(tmp_path))
    graph = classic_graph()
    monkeypatch.setattr(graph_export, "MAX_SOURCE_CHARS", len(graph.source) - 1)
    with pytest.raises(graph_export.GraphExportError, match="too large"):
        graph_export.graph_png(graph)
    assert not (tmp_path / "ran").exists()
    with pytest.raises(ValueError):
        graph_export.render(graph, "pdf")
