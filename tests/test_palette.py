"""Every number drawn on the graphs is legible: WCAG contrast of at least 4.5:1 against what it sits on."""

import pytest

from playground.common.palette import DARK, LIGHT

DARK_PAGE = "#0E1117"  # Streamlit's dark background
LIGHT_PAGE = "#FFFFFF"


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("pal", [LIGHT, DARK], ids=["light", "dark"])
@pytest.mark.parametrize("fill", ["done_fill", "current", "problem", "pending_fill"])
@pytest.mark.parametrize("text", ["value", "gradient", "ink", "muted"])
def test_text_in_node_boxes(pal, fill, text):
    ratio = contrast(getattr(pal, text), getattr(pal, fill))
    assert ratio >= 4.5, f"{text} on {fill}: {ratio:.2f}:1"


@pytest.mark.parametrize("pal,page", [(LIGHT, LIGHT_PAGE), (DARK, DARK_PAGE)], ids=["light", "dark"])
@pytest.mark.parametrize("text", ["edge_value", "edge_gradient", "edge"])
def test_labels_on_the_page_background(pal, page, text):
    ratio = contrast(getattr(pal, text), page)
    assert ratio >= 4.5, f"{text}: {ratio:.2f}:1"
