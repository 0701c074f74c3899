"""Presets shipped in assets/presets/: one JSON list per page."""

from __future__ import annotations

import functools
import json
import pathlib

PRESET_DIR = pathlib.Path(__file__).resolve().parents[2] / "assets" / "presets"


@functools.cache
def load_presets(page: str) -> tuple[dict, ...]:
    return tuple(json.loads((PRESET_DIR / f"{page}.json").read_text(encoding="utf-8")))
