"""Colours: Okabe-Ito, safe for colour-blind viewers, in a light and a dark variant.

Node boxes are filled, so their text keeps the same colours in both themes; what is drawn straight on
the page background (edges, edge labels, pending outlines, curves) changes with the theme. Every
colour also has a text label or a line style, so nothing depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    value: str = "#0072B2"  # blue: forward values (inside node boxes)
    gradient: str = "#D55E00"  # vermillion: gradients (inside node boxes)
    current: str = "#F0E442"  # yellow fill: the node being processed
    done_fill: str = "#FFFFFF"
    problem: str = "#CC79A7"  # reddish-purple fill: NaN/inf first appears here
    ink: str = "#1F2430"  # text inside node boxes
    muted: str = "#6B7280"  # secondary text inside node boxes
    pending_fill: str = "#F3F5F8"  # nodes not reached yet
    pending: str = "#8C8C8C"  # not reached yet (on the background)
    edge: str = "#1F2430"  # lines and markers on the background
    edge_value: str = "#0072B2"  # value labels on the background
    edge_gradient: str = "#D55E00"  # gradient labels on the background


LIGHT = Palette()
DARK = Palette(pending="#A8ADB4", edge="#D5D8DC", edge_value="#56B4E9", edge_gradient="#E69F00")


def for_theme(kind: str | None) -> Palette:
    """The palette for Streamlit's theme type ("light" or "dark")."""
    return DARK if kind == "dark" else LIGHT
