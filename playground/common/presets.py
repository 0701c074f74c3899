"""Presets shipped in assets/presets/: one JSON list per page."""

from __future__ import annotations

import functools
import json
import pathlib

PRESET_DIR = pathlib.Path(__file__).resolve().parents[2] / "assets" / "presets"


@functools.cache
def load_presets(page: str) -> tuple[dict, ...]:
    return tuple(json.loads((PRESET_DIR / f"{page}.json").read_text(encoding="utf-8")))


def lesson_note(page: str, spec, state, same=lambda a, b: a == b) -> str | None:
    """The Home lesson whose link opens ``page`` on ``state`` ("**title** — text"), so a learner arriving
    from a lesson card sees what to look for; None when the state is no lesson's. ``same`` compares two
    states (a page may ignore fields a lesson doesn't set, such as the step)."""
    for section in load_presets("lessons"):
        for lesson in section["lessons"]:
            if lesson["page"] == page and same(spec.from_query(lesson["query"])[0], state):
                return f"**{lesson['title']}** — {lesson['text']}"
    return None
