"""Colours: Okabe-Ito hues, safe for colour-blind viewers, in a light and a dark variant.

Node boxes are filled, so their text keeps the same colours in both themes; what is drawn straight on
the page background (edges, edge labels, pending outlines, curves) changes with the theme. Every
colour also has a text label or a line style, so nothing depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    # Text inside node boxes uses darker shades of Okabe-Ito's blue and vermillion, so it keeps a contrast of at
    # least 4.5:1 (WCAG AA) on every fill below, the yellow "now" node included.
    value: str = "#005A8C"  # blue: forward values (inside node boxes)
    gradient: str = "#9E4200"  # vermillion: gradients (inside node boxes)
    current: str = "#F0E442"  # yellow fill: the node being processed
    done_fill: str = "#FFFFFF"
    problem: str = "#F5D3E6"  # light reddish-purple fill: NaN/inf first appears here (with "⚠" and a thick border)
    ink: str = "#1F2430"  # text inside node boxes
    muted: str = "#4B5563"  # secondary text inside node boxes
    pending_fill: str = "#F3F5F8"  # nodes not reached yet
    pending: str = "#8C8C8C"  # not reached yet (on the background)
    edge: str = "#1F2430"  # lines and markers on the background
    edge_value: str = "#005A8C"  # value labels on the background
    edge_gradient: str = "#9E4200"  # gradient labels on the background


LIGHT = Palette()
DARK = Palette(pending="#A8ADB4", edge="#D5D8DC", edge_value="#56B4E9", edge_gradient="#E69F00")


def for_theme(kind: str | None) -> Palette:
    """The palette for Streamlit's theme type ("light" or "dark")."""
    return DARK if kind == "dark" else LIGHT
